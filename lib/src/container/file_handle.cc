#include "container/file_handle.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/io_error.h"

namespace bbsnap {
namespace {

// Network, cluster and FUSE file systems: every byte comes from a server or
// a user space daemon. Values from linux/magic.h where it has them; the
// others as GNU coreutils' stat(1) names them (it too counts them remote).
constexpr std::uint64_t kRemoteFileSystems[] = {
    NFS_SUPER_MAGIC,     // 0x6969, NFS v2-v4
    SMB_SUPER_MAGIC,     // 0x517b, the old smbfs
    CIFS_SUPER_MAGIC,    // 0xff534d42, cifs.ko (SMB1-3)
    SMB2_SUPER_MAGIC,    // 0xfe534d42, cifs.ko mounted as smb3
    V9FS_MAGIC,          // 0x01021997, 9p (WSL2, QEMU virtfs)
    FUSE_SUPER_MAGIC,    // 0x65735546, FUSE and virtiofs (sshfs, s3fs, gcsfuse, GlusterFS, ...)
    CEPH_SUPER_MAGIC,    // 0x00c36400, CephFS kernel client
    AFS_SUPER_MAGIC,     // 0x5346414f, kAFS
    AFS_FS_MAGIC,        // 0x6b414653, kAFS (dynamic root)
    CODA_SUPER_MAGIC,    // 0x73757245
    NCP_SUPER_MAGIC,     // 0x564c, NetWare
    OCFS2_SUPER_MAGIC,   // 0x7461636f, cluster file system on shared storage
    0x01161970,          // GFS2 (GFS2_MAGIC, linux/gfs2_ondisk.h)
    0x0bd00bd0,          // Lustre (LL_SUPER_MAGIC)
    0x47504653,          // IBM Spectrum Scale / GPFS
    0xaad7aaea,          // PanFS
    0x013111a8,          // IBRIX
    0x19830326,          // BeeGFS
};

}  // namespace

bool is_remote_file_system_type(std::uint64_t f_type) {
  // f_type is a signed word on some ABIs: compare its low 32 bits.
  const std::uint64_t type = f_type & 0xffffffffu;
  for (std::uint64_t known : kRemoteFileSystems) {
    if (type == known) return true;
  }
  return false;
}

Result<FileHandle> FileHandle::open(const std::string& path, const FileOps& ops) {
  FileHandle file;
  file.ops_ = &ops;
  file.path_ = path;
  file.fd_ = ops.open_for_reading(path.c_str());
  if (file.fd_ < 0) return io_error("cannot open", path, errno);
  struct stat st {};
  if (ops.fstat(file.fd_, &st) != 0) return io_error("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return io_error("not a regular file:", path, EINVAL);
  file.size_ = static_cast<std::uint64_t>(st.st_size);
  return file;
}

FileHandle::FileHandle(FileHandle&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      path_(std::move(other.path_)),
      ops_(other.ops_) {}

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    path_ = std::move(other.path_);
    ops_ = other.ops_;
  }
  return *this;
}

FileHandle::~FileHandle() { close(); }

void FileHandle::close() {
  // Read-only: nothing to lose if close fails.
  if (fd_ >= 0) ops_->close(fd_);
  fd_ = -1;
}

Result<bool> FileHandle::on_remote_file_system() const {
  struct statfs fs {};
  if (ops_->fstatfs(fd_, &fs) != 0) return io_error("cannot statfs", path_, errno);
  return is_remote_file_system_type(static_cast<std::uint64_t>(fs.f_type));
}

}  // namespace bbsnap
