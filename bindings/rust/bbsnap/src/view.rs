//! Views into an open snapshot: what the lookups and the iterations hand
//! out. Every `&'s [u8]`, `&'s str` and `&'s [u64]` points into the mapping
//! (or the caller's bytes) and borrows the Snapshot, so it cannot outlive it;
//! nothing is copied.

use std::marker::PhantomData;
use std::os::raw::c_char;

use bbsnap_sys as sys;

use crate::error::{check, Error, ErrorCode};

/// One slot of the table, as `slot_table` holds it: `Missing` (no such key),
/// `Empty` (allocated but empty: Rust `None`) or `Value` (`Some(bytes)`,
/// possibly zero bytes, 64-byte aligned in place).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot<'s> {
    Missing,
    Empty,
    Value(&'s [u8]),
}

impl<'s> Slot<'s> {
    /// `slot_table`'s view of the slot: None when missing, Some(None) when
    /// empty, Some(Some(bytes)) for a value.
    pub fn as_table_value(self) -> Option<Option<&'s [u8]>> {
        match self {
            Slot::Missing => None,
            Slot::Empty => Some(None),
            Slot::Value(bytes) => Some(Some(bytes)),
        }
    }
}

/// A slot of the whole table, in (site, exec) order: `value` None is an
/// empty slot (Rust `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SlotEntry<'s> {
    pub site: u64,
    pub exec: u64,
    pub value: Option<&'s [u8]>,
}

/// A pending_async entry (PendingAsyncSnapshot, keyed by its CommandId).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PendingAsync<'s> {
    pub command_id: u64,
    pub op_ref: u64,
    pub exec_id: u64,
    pub output_sites: &'s [u64],
    pub deadline_ns: Option<u64>,
}

/// An address_book entry; its addresses are read as they are iterated.
#[derive(Clone, Debug)]
pub struct AddressBookEntry<'s> {
    pub peer_id: &'s [u8],
    pub ref_count: u64,
    pub addresses: Entries<'s, &'s [u8]>,
}

/// A backoff_table entry (BackoffEntry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backoff<'s> {
    pub peer: &'s [u8],
    pub attempts: u32,
    pub last_attempt_ns: u64,
    pub next_retry_ns: u64,
}

/// A pending_outbound entry (PendingOutboundEntry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PendingOutbound<'s> {
    pub envelope_bytes: &'s [u8],
    pub redelivered: bool,
}

/// An ingress event (IngressEventSnapshot); the lists of Invoke and
/// Completion are read as they are iterated.
#[derive(Clone, Debug)]
pub enum IngressEvent<'s> {
    Envelope(&'s [u8]),
    AppEvent { module_name: &'s str, input_name: &'s str, value_bytes: &'s [u8] },
    Invoke { module_name: &'s str, inputs: Entries<'s, (&'s str, &'s [u8])> },
    TimerMatured { at_ns: u64 },
    Completion { cmd_id: u64, results: Entries<'s, &'s [u8]> },
}

/// A pending_completions entry; its results are read as they are iterated.
#[derive(Clone, Debug)]
pub struct PendingCompletion<'s> {
    pub cmd_id: u64,
    pub results: Entries<'s, (&'s str, &'s [u8])>,
}

/// One row of the section table (format.h SectionEntry), for tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SectionEntry {
    pub kind: u32,
    /// "framework", "slot_chunk", ...; None for a kind this library does not know.
    pub kind_name: Option<&'static str>,
    pub flags: u32,
    pub offset: u64,
    pub length: u64,
    pub payload_length: u64,
    pub checksum: u64,
}

/// A borrowed open snapshot, as the views hold it: a shared reference to a
/// `Snapshot` in all but type (the C handle has no lifetime of its own).
#[derive(Clone, Copy)]
pub(crate) struct Handle<'s> {
    raw: *const sys::bbsnap_snapshot,
    _snapshot: PhantomData<&'s ()>,
}

// SAFETY: a Handle is a shared borrow of a Snapshot, which is Sync: bbsnap.h
// allows the reading functions on one snapshot from any number of threads.
unsafe impl Send for Handle<'_> {}
unsafe impl Sync for Handle<'_> {}

impl<'s> Handle<'s> {
    /// # Safety
    /// `raw` is an open snapshot that lives, unchanged, for 's.
    pub(crate) unsafe fn new(raw: *const sys::bbsnap_snapshot) -> Handle<'s> {
        Handle { raw, _snapshot: PhantomData }
    }

    /// Runs one reading function of bbsnap.h on the snapshot.
    pub(crate) fn call(
        self,
        f: impl FnOnce(*const sys::bbsnap_snapshot, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
    ) -> Result<(), Error> {
        check(|e| f(self.raw, e))
    }

    /// The answer of a function of one out-parameter: a *_count, a scalar
    /// of the framework.
    pub(crate) fn scalar<T: Default>(
        self,
        f: unsafe extern "C" fn(*const sys::bbsnap_snapshot, *mut T, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
    ) -> Result<T, Error> {
        let mut value = T::default();
        // SAFETY: `raw` is open (Handle::new) and `value` is a valid out-parameter.
        self.call(|s, e| unsafe { f(s, &mut value, e) })?;
        Ok(value)
    }
}

/// Bytes handed out by bbsnap.h: valid while the snapshot lives ('s).
///
/// # Safety
/// (`data`, `length`) is an output of a reading function on a snapshot
/// that lives for 's.
pub(crate) unsafe fn bytes<'s>(data: *const u8, length: usize) -> &'s [u8] {
    // bbsnap.h never hands out NULL; an empty output is not read either way.
    if length == 0 {
        return &[];
    }
    std::slice::from_raw_parts(data, length)
}

/// Ids handed out by bbsnap.h: 8-byte aligned, valid while the snapshot lives.
///
/// # Safety
/// As `bytes`.
pub(crate) unsafe fn ids<'s>(data: *const u64, count: usize) -> &'s [u64] {
    if count == 0 {
        return &[];
    }
    std::slice::from_raw_parts(data, count)
}

/// A string handed out by bbsnap.h. The verifier checks the UTF-8 of every
/// string of a section (full and lazy modes); checked again here, so that
/// not even a trusted open of a damaged file makes an invalid &str.
///
/// # Safety
/// As `bytes`.
pub(crate) unsafe fn text<'s>(data: *const c_char, length: usize) -> Result<&'s str, Error> {
    std::str::from_utf8(bytes(data.cast(), length))
        .map_err(|_| Error::new(ErrorCode::MalformedSection, "a string of the snapshot is not UTF-8"))
}

/// The entries of one list of the snapshot, read one by one as they are
/// iterated (each `next` is one call of bbsnap.h; nothing is copied). In
/// lazy mode an entry of a damaged section is an `Err`, after which the
/// iteration ends.
pub struct Entries<'s, T> {
    handle: Handle<'s>,
    parent: usize,
    next: usize,
    count: usize,
    get: fn(Handle<'s>, usize, usize) -> Result<T, Error>,
}

impl<'s, T> Clone for Entries<'s, T> {
    fn clone(&self) -> Self {
        Entries { ..*self }
    }
}

impl<'s, T> std::fmt::Debug for Entries<'s, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries").field("next", &self.next).field("count", &self.count).finish()
    }
}

impl<'s, T> Entries<'s, T> {
    /// `count` entries, entry `i` being `get(handle, parent, i)` (`parent`
    /// is the index of the entry these belong to, for nested lists).
    pub(crate) fn new(
        handle: Handle<'s>,
        parent: usize,
        count: usize,
        get: fn(Handle<'s>, usize, usize) -> Result<T, Error>,
    ) -> Self {
        Entries { handle, parent, next: 0, count, get }
    }

    /// The number of entries of the list (however far the iteration is).
    pub fn total(&self) -> usize {
        self.count
    }

    /// Entry `index` of the list, whatever the iteration has reached
    /// (InvalidArgument past the end).
    pub fn get(&self, index: usize) -> Result<T, Error> {
        (self.get)(self.handle, self.parent, index)
    }
}

impl<'s, T> Iterator for Entries<'s, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.count {
            return None;
        }
        let item = (self.get)(self.handle, self.parent, self.next);
        self.next = if item.is_ok() { self.next + 1 } else { self.count };
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.count - self.next))
    }
}

impl<'s, T> std::iter::FusedIterator for Entries<'s, T> {}
