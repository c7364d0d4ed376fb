// Names of the writer's temporary files, and telling them apart from every
// other name in a directory.
//
// A temporary beside destination "<dir>/<name>" is named
// "<dir>/<name>.tmp.<host>.<pid>.<n>.<attempt>": <host> is this kernel's boot
// id (32 hex digits, /proc/sys/kernel/random/boot_id), <pid> the writer's
// process id, <n> a counter of the process, <attempt> the try at a free name.
// <name> is cut to its first 192 bytes, so that any legal destination name
// (up to 255 bytes) has a legal temporary name (the suffix takes at most 59).
//
// The boot id says which kernel's locks can prove its writer dead: only a
// writer running on the same kernel sees every flock(2) the dead writer held
// (stale_temps.h). Where the boot id cannot be read, names carry "x", which
// no writer ever removes.
#pragma once

#include <string>
#include <string_view>

namespace bbsnap {

// The directory holding `path`, and its temporaries: "." for a bare name.
std::string directory_of(const std::string& path);

// A fresh temporary name beside `path` (see above).
std::string temp_path_for(const std::string& path, unsigned attempt);

// Whether `entry` (a name in the destination's directory) is a temporary
// name of destination `path` made by a writer on this kernel. False for
// everything else, including every name when the boot id is unknown.
bool is_temp_name_of_this_kernel(const std::string& path, std::string_view entry);

}  // namespace bbsnap
