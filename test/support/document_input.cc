#include "document_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bbsnap::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// Writes all of `text` unless the reader goes away first (EPIPE).
void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

Result<TransientSnapshot> read_state_from_file(std::string_view text, const json::ReadOptions& options) {
  const int fd = ::memfd_create("document", MFD_CLOEXEC);
  check(fd >= 0, "memfd_create");
  write_all(fd, text);
  check(::lseek(fd, 0, SEEK_SET) == 0, "lseek");
  Result<TransientSnapshot> result = json::read_state(fd, options);
  ::close(fd);
  return result;
}

Result<TransientSnapshot> read_state_from_pipe(std::string_view text, const json::ReadOptions& options) {
  // A reader that stops early must show up as EPIPE for the writer, not kill the test.
  static const bool ignore_sigpipe = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)ignore_sigpipe;
  int fds[2];
  check(::pipe2(fds, O_CLOEXEC) == 0, "pipe");
  std::thread writer([&] {
    write_all(fds[1], text);
    ::close(fds[1]);
  });
  Result<TransientSnapshot> result = json::read_state(fds[0], options);
  ::close(fds[0]);
  writer.join();
  return result;
}

const std::vector<std::string>& borderline_documents() {
  using namespace std::string_literals;
  static const std::vector<std::string> documents = {
      "", " ", "\0"s, "{}", " {} ", "{}\0"s, "{} \0 junk"s, "{}x", "{}{}", "[]", "{", "{,}", "{\0}"s,
      "\xEF\xBB\xBF{}", " \xEF\xBB\xBF{}", "\xEF\xBB{}", "{} // c", "/* c */{}",
      R"({"frontier": [[1, 2], [3, 4]]})", R"({"frontier": [[1, 2] [3, 4]]})", R"({"frontier": [[1, 2],]})",
      R"({"frontier": [] "slot_table": []})", R"({"frontier": [[01, 2]]})", R"({"frontier": [[-0, 2]]})",
      R"({"frontier": [[1.0, 2]]})", R"({"frontier": [[1e2, 2]]})", R"({"frontier": [[18446744073709551615, 0]]})",
      R"({"frontier": [[18446744073709551616, 0]]})", R"({"frontier": [[1x, 2]]})", R"({"frontier": [[+1, 2]]})",
      R"({"frontier": nullx})", R"({"frontier": null})", R"({"frontier": [[1, 2], null]})",
      R"({"framework": {"spec_version": 4294967295}})", R"({"framework": {"spec_version": 4294967296}})",
      R"({"framework": {"pending_outbound": [{"redelivered": true}]}})",
      R"({"framework": {"pending_outbound": [{"redelivered": tru}]}})",
      R"({"framework": {"pending_outbound": [{"redelivered": truex}]}})",
      R"({"framework": {"pending_outbound": [{"redelivered": "true"}]}})",
      R"({"framework": {"peer_governor": {"allowlist": null}}})",
      R"({"framework": {"peer_governor": {"allowlist": []}}})",
      R"({"pending_async": {"1": {"deadline_ns": null}, "2": {"deadline_ns": 0}}})",
      R"({"wire_states": {"1": "DEADbeef", "2": ""}})", R"({"wire_states": {"1": "0"}})",
      R"({"wire_states": {"1": "0g"}})", R"({"wire_states": {"1": "\u0030\u0030"}})",
      R"({"wire_states": {"1": "00\""}})",
      R"({"wire_states": {"01": "00"}})", R"({"wire_states": {"1": "00", "1": "01"}})",
      R"({"wire_states": {"": "00"}})",
      R"({"framework": {"counters": {"a": 1, "\u0061": 2}}})", R"({"fr\u006fntier": []})",
      R"({"frontier": [], "frontier": []})",
      R"({"framework": {"counters": {"": 1, "a\"b": 2, "\u00e9": 3}}})",
      R"({"framework": {"fired_phases": ["a\u0000b"]}})",
      R"({"framework": {"fired_phases": ["\ud800"]}})", R"({"framework": {"fired_phases": ["\ud83d\ude00", "\/"]}})",
      "{\"framework\": {\"fired_phases\": [\"a\tb\"]}}", "{\"framework\": {\"fired_phases\": [\"\xff\"]}}",
      "{\"framework\": {\"fired_phases\": [\"\xc3\xa9\", \"\xEF\xBB\xBF\"]}}", "{\"x\xff\": 1}", "{} \xff",
      R"({"slot_table": [{"site": 1, "exec": 1, "value": "00"}, {"site": 1, "exec": 1, "value": null}]})",
      R"({"slot_table": [{"site": 1, "exec": 1, "value": "00", "value": "01"}]})",
      R"({"slot_table": [{"site": 2, "exec": 1, "value": "00"}, {"exec": 1, "value": ""}, {}]})",
      R"({"slot_table": [{"site": 1, "exec": 1, "value": 0}]})", R"({"slot_table": [[1, 1, "00"]]})",
      R"({"ingress": [{}]})", R"({"ingress": [{"TimerMatured": {}, "Completion": {}}]})",
      R"({"ingress": [{"Envelope": "ab"}, {"Invoke": {"inputs": [["a", "00"]]}}, {"TimerMatured": {"at_ns": 5}}]})",
      R"({"ingress": [{"envelope": ""}]})", R"({"ingress": [{"\u0045nvelope": "ab"}]})",
      "{\r\n\t\"frontier\" :\t[ [ 1 ,\n2 ] ]\r\n}\r\n", std::string(1000, '[') + std::string(1000, ']'),
      "{\"frontier\": " + std::string(100000, '['),
  };
  return documents;
}

std::string outcome(const Result<TransientSnapshot>& result) {
  if (result) return "ok";
  const Error& e = result.error();
  return std::string(to_string(e.code)) + " at " + (e.offset == kNoOffset ? "-" : std::to_string(e.offset)) + ": " +
         e.message;
}

}  // namespace bbsnap::testing
