//! AlignedBytes: a heap buffer starting on a 64-byte boundary, as
//! Snapshot::from_bytes needs its bytes.

use std::alloc::{self, Layout};
use std::io::Read;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::ptr::NonNull;

/// The alignment Snapshot::from_bytes requires of its bytes (FORMAT.md).
pub const FILE_ALIGNMENT: usize = 64;

/// Bytes on the heap whose first byte is 64-byte aligned, e.g. a snapshot
/// file read into memory for Snapshot::from_bytes.
pub struct AlignedBytes {
    data: NonNull<u8>,
    len: usize,
}

// SAFETY: AlignedBytes owns its buffer like a Box<[u8]>.
unsafe impl Send for AlignedBytes {}
unsafe impl Sync for AlignedBytes {}

impl AlignedBytes {
    fn layout(len: usize) -> Layout {
        Layout::from_size_align(len.max(1), FILE_ALIGNMENT).expect("a buffer below isize::MAX bytes")
    }

    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> AlignedBytes {
        let layout = AlignedBytes::layout(len);
        // SAFETY: the layout has a nonzero size.
        let data = NonNull::new(unsafe { alloc::alloc_zeroed(layout) }).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        AlignedBytes { data, len }
    }

    /// A copy of `bytes`.
    pub fn copy_from(bytes: &[u8]) -> AlignedBytes {
        let mut out = AlignedBytes::zeroed(bytes.len());
        out.copy_from_slice(bytes);
        out
    }

    /// The whole file at `path`.
    pub fn read(path: impl AsRef<Path>) -> std::io::Result<AlignedBytes> {
        let mut file = std::fs::File::open(path)?;
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "the file does not fit in memory"))?;
        let mut out = AlignedBytes::zeroed(len);
        file.read_exact(&mut out)?;
        Ok(out)
    }
}

impl Deref for AlignedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `data` holds `len` initialised bytes for as long as self lives.
        unsafe { std::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl DerefMut for AlignedBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as deref, and `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }
}

impl Drop for AlignedBytes {
    fn drop(&mut self) {
        // SAFETY: allocated in copy_from with this layout.
        unsafe { alloc::dealloc(self.data.as_ptr(), AlignedBytes::layout(self.len)) }
    }
}
