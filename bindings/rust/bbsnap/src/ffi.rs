//! What crosses into the C ABI and back: handles the library made, owned
//! until dropped, and paths as NUL-terminated strings.

use std::ffi::{CString, OsStr};
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};

use bbsnap_sys as sys;

use crate::error::{check, Error, ErrorCode};

/// A handle of the C ABI, freed on drop by its *_free function.
pub(crate) struct Owned<T> {
    raw: NonNull<T>,
    free: unsafe extern "C" fn(*mut T),
}

impl<T> Owned<T> {
    /// Takes over a handle; None for NULL.
    ///
    /// # Safety
    /// `raw` is NULL or a handle of the library that nothing else owns and
    /// that `free` frees.
    pub(crate) unsafe fn take(raw: *mut T, free: unsafe extern "C" fn(*mut T)) -> Option<Owned<T>> {
        NonNull::new(raw).map(|raw| Owned { raw, free })
    }

    /// The handle that `make` (a call of bbsnap.h with an out-parameter
    /// for it) hands out on success.
    pub(crate) fn made(
        make: impl FnOnce(*mut *mut T, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
        free: unsafe extern "C" fn(*mut T),
    ) -> Result<Owned<T>, Error> {
        let mut raw = ptr::null_mut();
        check(|e| make(&mut raw, e))?;
        // SAFETY: bbsnap.h: on success the out-parameter is a new handle, the caller's.
        let owned = unsafe { Owned::take(raw, free) };
        Ok(owned.expect("bbsnap.h: a successful call sets its handle"))
    }

    pub(crate) fn as_ptr(&self) -> *mut T {
        self.raw.as_ptr()
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: the handle is owned here and freed once, by its own function.
        unsafe { (self.free)(self.raw.as_ptr()) }
    }
}

/// `path` for bbsnap.h: NUL-terminated (a path with a NUL byte: InvalidArgument).
pub(crate) fn c_path(path: &Path) -> Result<CString, Error> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::new(ErrorCode::InvalidArgument, "the path contains a NUL byte"))
}

/// A path that bbsnap.h handed out as a string output (data, length).
///
/// # Safety
/// `data` points to `length` readable bytes.
pub(crate) unsafe fn path_from(data: *const c_char, length: usize) -> PathBuf {
    let bytes = std::slice::from_raw_parts(data.cast::<u8>(), length);
    PathBuf::from(OsStr::from_bytes(bytes))
}
