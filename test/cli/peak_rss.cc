// peak_rss OUT PROGRAM [ARGS...]: runs PROGRAM, writes to the file OUT the
// peak resident memory (KiB) of PROGRAM and of the processes it waited for,
// and exits as PROGRAM did (128 + the signal if one killed it).
//
// Why a program of its own: a process started by a large one (the test)
// counts that one's peak in its rusage, since exec records the high-water
// mark of the memory it replaces. Started from this small program instead,
// PROGRAM's rusage is its own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: peak_rss OUT PROGRAM [ARGS...]\n", stderr);
    return 2;
  }
  const pid_t pid = ::fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    ::execvp(argv[2], argv + 2);
    std::perror(argv[2]);
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) return 2;
  }
  std::FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr || std::fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || std::fclose(out) != 0) return 2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
