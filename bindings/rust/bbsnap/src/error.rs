//! Errors: what bbsnap.h's error object carries (code, section, offset,
//! message, stored and computed checksums), as an owned Rust value.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;
use std::ptr;

use bbsnap_sys as sys;

/// What went wrong: the C ABI's status codes (the C++ `ErrorCode`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    Io,
    BadMagic,
    UnsupportedFormatVersion,
    UnsupportedFeature,
    Truncated,
    ChecksumMismatch,
    NonzeroPadding,
    MalformedSection,
    MissingSection,
    SpecVersionMismatch,
    LimitExceeded,
    InvalidArgument,
    InvalidDocument,
    OutOfMemory,
    Internal,
}

impl ErrorCode {
    /// The code of a failed call's status; a status this binding does not
    /// know (a newer library) is `Internal`.
    pub(crate) fn from_status(status: sys::bbsnap_status) -> ErrorCode {
        use ErrorCode::*;
        match status {
            sys::BBSNAP_IO => Io,
            sys::BBSNAP_BAD_MAGIC => BadMagic,
            sys::BBSNAP_UNSUPPORTED_FORMAT_VERSION => UnsupportedFormatVersion,
            sys::BBSNAP_UNSUPPORTED_FEATURE => UnsupportedFeature,
            sys::BBSNAP_TRUNCATED => Truncated,
            sys::BBSNAP_CHECKSUM_MISMATCH => ChecksumMismatch,
            sys::BBSNAP_NONZERO_PADDING => NonzeroPadding,
            sys::BBSNAP_MALFORMED_SECTION => MalformedSection,
            sys::BBSNAP_MISSING_SECTION => MissingSection,
            sys::BBSNAP_SPEC_VERSION_MISMATCH => SpecVersionMismatch,
            sys::BBSNAP_LIMIT_EXCEEDED => LimitExceeded,
            sys::BBSNAP_INVALID_ARGUMENT => InvalidArgument,
            sys::BBSNAP_INVALID_DOCUMENT => InvalidDocument,
            sys::BBSNAP_OUT_OF_MEMORY => OutOfMemory,
            _ => Internal,
        }
    }

    /// The C ABI's status for this code.
    pub fn status(self) -> i32 {
        use ErrorCode::*;
        match self {
            Io => sys::BBSNAP_IO,
            BadMagic => sys::BBSNAP_BAD_MAGIC,
            UnsupportedFormatVersion => sys::BBSNAP_UNSUPPORTED_FORMAT_VERSION,
            UnsupportedFeature => sys::BBSNAP_UNSUPPORTED_FEATURE,
            Truncated => sys::BBSNAP_TRUNCATED,
            ChecksumMismatch => sys::BBSNAP_CHECKSUM_MISMATCH,
            NonzeroPadding => sys::BBSNAP_NONZERO_PADDING,
            MalformedSection => sys::BBSNAP_MALFORMED_SECTION,
            MissingSection => sys::BBSNAP_MISSING_SECTION,
            SpecVersionMismatch => sys::BBSNAP_SPEC_VERSION_MISMATCH,
            LimitExceeded => sys::BBSNAP_LIMIT_EXCEEDED,
            InvalidArgument => sys::BBSNAP_INVALID_ARGUMENT,
            InvalidDocument => sys::BBSNAP_INVALID_DOCUMENT,
            OutOfMemory => sys::BBSNAP_OUT_OF_MEMORY,
            Internal => sys::BBSNAP_INTERNAL,
        }
    }

    /// "checksum_mismatch", ...: the library's name of the code.
    pub fn name(self) -> &'static str {
        // SAFETY: bbsnap_status_name returns a static NUL-terminated string for any value.
        let name = unsafe { CStr::from_ptr(sys::bbsnap_status_name(self.status())) };
        name.to_str().unwrap_or("unknown")
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed call: the code, the section it concerns ("framework",
/// "slot_chunk[3]"; empty when none applies), the absolute byte offset in
/// the file (None when none applies), a message for people and, for a
/// checksum mismatch, the stored and computed checksums.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    section: String,
    offset: Option<u64>,
    message: String,
    stored: u64,
    computed: u64,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        self.code
    }
    pub fn section(&self) -> &str {
        &self.section
    }
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The checksum read from the file (ChecksumMismatch only).
    pub fn stored(&self) -> Option<u64> {
        (self.code == ErrorCode::ChecksumMismatch).then_some(self.stored)
    }
    /// The checksum computed over the bytes (ChecksumMismatch only).
    pub fn computed(&self) -> Option<u64> {
        (self.code == ErrorCode::ChecksumMismatch).then_some(self.computed)
    }

    /// An error of this binding's own (a path with a NUL byte, ...), with no
    /// section and no offset.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, section: String::new(), offset: None, message: message.into(), stored: 0, computed: 0 }
    }

    /// A copy of an error object, which stays where it is (an error a
    /// generation list or a commit report owns).
    ///
    /// # Safety
    /// `error` is a live error object of the library.
    pub(crate) unsafe fn copied_from(error: *const sys::bbsnap_error) -> Error {
        let text = |p: *const c_char| CStr::from_ptr(p).to_string_lossy().into_owned();
        let offset = sys::bbsnap_error_offset(error);
        Error {
            code: ErrorCode::from_status(sys::bbsnap_error_code(error)),
            section: text(sys::bbsnap_error_section(error)),
            offset: (offset != sys::BBSNAP_NO_OFFSET).then_some(offset),
            message: text(sys::bbsnap_error_message(error)),
            stored: sys::bbsnap_error_stored(error),
            computed: sys::bbsnap_error_computed(error),
        }
    }

    /// Takes over the error object of a failed call (`error` may be NULL when
    /// the library could not allocate it) and frees it.
    ///
    /// # Safety
    /// `error` is NULL or an error object of the library that nothing else owns.
    unsafe fn from_raw(status: sys::bbsnap_status, error: *mut sys::bbsnap_error) -> Error {
        let code = ErrorCode::from_status(status);
        if error.is_null() {
            return Error::new(code, "(the library could not allocate the error's details)");
        }
        let out = Error { code, ..Error::copied_from(error) };
        sys::bbsnap_error_free(error);
        out
    }
}

/// The library's one line: "checksum_mismatch in section ingress at offset
/// 4096: metadata checksum mismatch (stored ..., computed ...)".
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.name())?;
        if !self.section.is_empty() {
            write!(f, " in section {}", self.section)?;
        }
        if let Some(offset) = self.offset {
            write!(f, " at offset {offset}")?;
        }
        write!(f, ": {}", self.message)?;
        if self.code == ErrorCode::ChecksumMismatch {
            write!(f, " (stored {:016x}, computed {:016x})", self.stored, self.computed)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Runs one call of bbsnap.h that reports through a `bbsnap_error **` and
/// turns its status into a Result.
pub(crate) fn check(call: impl FnOnce(*mut *mut sys::bbsnap_error) -> sys::bbsnap_status) -> Result<(), Error> {
    let mut error = ptr::null_mut();
    let status = call(&mut error);
    if status == sys::BBSNAP_OK {
        return Ok(());
    }
    // SAFETY: on failure the library hands the caller its own error object (or NULL).
    Err(unsafe { Error::from_raw(status, error) })
}
