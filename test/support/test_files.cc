#include "test_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace bbsnap::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "bbsnap-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path_)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

AlignedBuffer with_flipped_byte(std::span<const std::uint8_t> bytes, std::size_t offset, std::uint8_t mask) {
  AlignedBuffer copy = AlignedBuffer::copy_of(bytes);
  copy.data()[offset] ^= mask;
  return copy;
}

ssize_t RecordingFileOps::write(int fd, const void* data, std::size_t size) const {
  const ssize_t n = FileOps::write(fd, data, size);
  if (n > 0) {
    writes.push_back({end_, static_cast<std::size_t>(n)});
    end_ += static_cast<std::uint64_t>(n);
  }
  return n;
}

int NamedTemporaryFileOps::open(const char* path, int flags, mode_t mode) const {
  if ((flags & O_TMPFILE) == O_TMPFILE) {
    errno = EOPNOTSUPP;
    return -1;
  }
  return FileOps::open(path, flags, mode);
}

bool supports_unnamed_files(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string boot_id_hex() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (!(in >> id)) throw std::runtime_error("cannot read the boot id");
  id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
  return id;
}

std::string temp_name_of(const std::string& name, const std::string& host, long pid, unsigned n) {
  return name + ".tmp." + host + "." + std::to_string(pid) + "." + std::to_string(n) + ".0";
}

std::string vm_flags_of(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2 && line.find(':') > line.find(' ')) {
      inside = start <= at && at < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line.substr(8) + " ";
    }
  }
  return "";
}

OpenOptions on_threads(unsigned threads) {
  OpenOptions options;
  options.threads = threads;
  options.bytes_per_thread = 0;
  return options;
}

}  // namespace bbsnap::testing
