#include "container/temp_name.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>

namespace bbsnap {
namespace {

constexpr std::size_t kMaxNameBytes = 192;
constexpr std::string_view kUnknownHost = "x";

// This kernel's boot id without its dashes (32 lowercase hex digits), read
// once; "" when it cannot be read or is not a UUID.
std::string read_boot_id() {
  const int fd = ::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char text[64];
  const ssize_t n = ::read(fd, text, sizeof text);
  ::close(fd);
  if (n < 36) return "";
  std::string hex;
  for (std::size_t i = 0; i < 36; ++i) {
    const bool dash_place = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_place != (text[i] == '-')) return "";
    if (!dash_place) {
      if (!std::isxdigit(static_cast<unsigned char>(text[i]))) return "";
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    }
  }
  return hex;
}

const std::string& boot_id() {
  static const std::string id = read_boot_id();
  return id;
}

// "<dir>/<name cut>.tmp.": what every temporary name of `path` starts with.
std::string temp_prefix_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  return path.substr(0, name_start + std::min(kMaxNameBytes, path.size() - name_start)) + ".tmp.";
}

// Consumes one decimal number and the separator after it ('.', or the end).
bool take_number(std::string_view& rest, bool last) {
  const std::size_t digits = rest.find_first_not_of("0123456789");
  const std::size_t length = digits == std::string_view::npos ? rest.size() : digits;
  if (length == 0 || length > 10) return false;
  rest.remove_prefix(length);
  if (last) return rest.empty();
  if (rest.empty() || rest.front() != '.') return false;
  rest.remove_prefix(1);
  return true;
}

}  // namespace

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string temp_path_for(const std::string& path, unsigned attempt) {
  static std::atomic<unsigned> counter{0};
  const std::string host = boot_id().empty() ? std::string(kUnknownHost) : boot_id();
  return temp_prefix_of(path) + host + "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + "." +
         std::to_string(attempt);
}

bool is_temp_name_of_this_kernel(const std::string& path, std::string_view entry) {
  if (boot_id().empty()) return false;
  const std::string prefix = temp_prefix_of(path);
  const std::size_t slash = prefix.rfind('/');
  const std::string_view name_prefix = std::string_view(prefix).substr(slash == std::string::npos ? 0 : slash + 1);
  if (!entry.starts_with(name_prefix)) return false;
  std::string_view rest = entry.substr(name_prefix.size());
  if (!rest.starts_with(boot_id()) || rest.size() == boot_id().size() || rest[boot_id().size()] != '.') return false;
  rest.remove_prefix(boot_id().size() + 1);
  return take_number(rest, false) && take_number(rest, false) && take_number(rest, true);
}

}  // namespace bbsnap
