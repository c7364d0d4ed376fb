// Removing the temporary files that dead writers left beside a destination.
//
// The proof that a writer is gone is a lock: every writer holds an exclusive
// flock(2) on its temporary file from before the file has a name until after
// the name is renamed over the destination or removed (sink.cc). The kernel
// releases the lock when the last descriptor of the file is closed, which it
// does itself when the process dies, however it dies (SIGKILL included). A
// temporary whose lock can be taken has no live writer, with two exceptions
// the writer guards against: a named temporary between its creation and its
// writer's flock (the writer checks, once locked, that the name is still its
// file, and else starts over with a new name); and a temporary whose
// descriptor a forked child inherited, which stays locked, and so is kept,
// while that child lives.
//
// Only this kernel's writers' files are removed (temp_name.h): a lock taken
// by another machine is visible here only where the file system forwards
// locks (NFS, SMB), not with NFS's local_lock option, 9p, virtiofs or most
// FUSE file systems; and the temporaries of a kernel that has since rebooted
// cannot be told from those of another live machine, so they stay. Process
// ids prove nothing here: a dead writer's id may belong to a new process,
// and a live writer's id is meaningless in another pid namespace.
#pragma once

#include <string>

#include "bbsnap/file_ops.h"

namespace bbsnap {

// Whether `temp` still names the file open as `fd`: a remover checks it once
// it holds the file's lock, and so does a writer of a named temporary file
// just created and locked (else a remover took it in between).
bool still_names(const std::string& temp, int fd);

// Removes every temporary file of destination `path` whose writer is gone.
// Best effort: whatever cannot be opened, locked or removed stays, and no
// error is reported (the write does not depend on it).
void remove_stale_temps(const std::string& path, const FileOps& ops);

}  // namespace bbsnap
