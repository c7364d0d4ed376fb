//! Snapshot: an open snapshot file (or bytes the caller holds), read in place.

use std::marker::PhantomData;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr::{self, NonNull};

use bbsnap_sys as sys;

use crate::error::Error;
use crate::ffi::c_path;
use crate::options::OpenOptions;
use crate::transient::ExecutionStateSnapshot;
use crate::view::{bytes, ids, Handle, PendingAsync, SectionEntry, Slot, SlotEntry};

/// An open snapshot: a read-only view of one file, mapped (`open`), or of
/// bytes the caller holds for 'a (`from_bytes`), checked as its
/// OpenOptions say.
///
/// Every slice it hands out points into the mapping and borrows the
/// Snapshot; dropping it unmaps the file. A Snapshot is Send and Sync: any
/// number of threads may read it at once (reader.h, bbsnap.h).
///
/// Reading functions return errors for a damaged section in lazy mode only
/// (its code, section and offset, on every access while the other sections
/// stay readable); in full mode everything was checked by the open.
pub struct Snapshot<'a> {
    raw: NonNull<sys::bbsnap_snapshot>,
    _bytes: PhantomData<&'a [u8]>,
}

// SAFETY: bbsnap.h: "The reading functions may be called on one
// bbsnap_snapshot from any number of threads at once; bbsnap_snapshot_free
// needs exclusive access", which Drop has (it takes &mut self).
unsafe impl Send for Snapshot<'_> {}
unsafe impl Sync for Snapshot<'_> {}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle came from an open function and is freed once.
        unsafe { sys::bbsnap_snapshot_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("bytes", &self.bytes().len()).finish()
    }
}

impl Snapshot<'static> {
    /// Maps the file at `path` and checks it as `options` say. The error is
    /// the first failing check in FORMAT.md's order, with its section and
    /// offset (ChecksumMismatch, Truncated, SpecVersionMismatch, Io, ...).
    pub fn open(path: impl AsRef<Path>, options: OpenOptions) -> Result<Snapshot<'static>, Error> {
        let path = c_path(path.as_ref())?;
        let raw_options = options.to_raw()?;
        // SAFETY: `path` is NUL-terminated; the out-parameter is set on success.
        Snapshot::from_raw(|out, e| unsafe { sys::bbsnap_snapshot_open(path.as_ptr(), raw_options.as_ptr(), out, e) })
    }

    /// Takes over a snapshot of a file the library mapped itself (a
    /// restored checkpoint generation); None for NULL.
    ///
    /// # Safety
    /// `raw` is NULL or a snapshot handle that nothing else owns and whose
    /// bytes the library owns.
    pub(crate) unsafe fn take(raw: *mut sys::bbsnap_snapshot) -> Option<Snapshot<'static>> {
        NonNull::new(raw).map(|raw| Snapshot { raw, _bytes: PhantomData })
    }
}

impl<'a> Snapshot<'a> {
    /// The same on bytes the caller holds: exactly the file, starting on a
    /// 64-byte boundary (else InvalidArgument; `AlignedBytes` holds a file so).
    /// The bytes are borrowed for as long as the Snapshot lives.
    pub fn from_bytes(bytes: &'a [u8], options: OpenOptions) -> Result<Snapshot<'a>, Error> {
        let raw_options = options.to_raw()?;
        // SAFETY: `bytes` outlives the snapshot ('a) and cannot change meanwhile (shared borrow).
        Snapshot::from_raw(|out, e| unsafe {
            sys::bbsnap_snapshot_open_bytes(bytes.as_ptr().cast(), bytes.len(), raw_options.as_ptr(), out, e)
        })
    }

    fn from_raw(
        open: impl FnOnce(*mut *mut sys::bbsnap_snapshot, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
    ) -> Result<Snapshot<'a>, Error> {
        let mut raw = ptr::null_mut();
        crate::error::check(|e| open(&mut raw, e))?;
        let raw = NonNull::new(raw).expect("bbsnap.h: a successful open sets its handle");
        Ok(Snapshot { raw, _bytes: PhantomData })
    }

    /// The raw handle, for calls of bbsnap-sys this crate does not wrap. It
    /// lives as long as the Snapshot; do not free it.
    pub fn as_raw(&self) -> *const sys::bbsnap_snapshot {
        self.raw.as_ptr()
    }

    pub(crate) fn handle(&self) -> Handle<'_> {
        // SAFETY: the snapshot lives, unchanged, as long as this borrow.
        unsafe { Handle::new(self.raw.as_ptr()) }
    }

    // ------------------------------------------------------------ the container

    /// Framework.spec_version, read at open.
    pub fn spec_version(&self) -> Result<u32, Error> {
        self.handle().scalar(sys::bbsnap_snapshot_spec_version)
    }

    /// The file's format version: 1 or 2.
    pub fn format_version(&self) -> Result<u32, Error> {
        self.handle().scalar(sys::bbsnap_snapshot_format_version)
    }

    /// The whole file, in place.
    pub fn bytes(&self) -> &[u8] {
        let (mut data, mut length) = (ptr::null(), 0);
        // SAFETY (every call below): the handle is open and the out-parameters are valid.
        // Fails only for a NULL handle or out-parameter, which cannot be here.
        match self.handle().call(|s, e| unsafe { sys::bbsnap_snapshot_bytes(s, &mut data, &mut length, e) }) {
            Ok(()) => unsafe { bytes(data, length) },
            Err(_) => &[],
        }
    }

    /// The section table, in table order.
    pub fn sections(&self) -> Result<Vec<SectionEntry>, Error> {
        let count = self.handle().scalar(sys::bbsnap_snapshot_section_count)?;
        (0..count)
            .map(|i| {
                let mut r = SectionEntry { kind: 0, kind_name: None, flags: 0, offset: 0, length: 0, payload_length: 0, checksum: 0 };
                self.handle().call(|s, e| unsafe {
                    sys::bbsnap_snapshot_section(
                        s, i, &mut r.kind, &mut r.flags, &mut r.offset, &mut r.length, &mut r.payload_length, &mut r.checksum, e,
                    )
                })?;
                r.kind_name = section_kind_name(r.kind);
                Ok(r)
            })
            .collect()
    }

    /// Checks section `index` now, as lazy mode does on first access, and
    /// returns its error (full mode: already checked; trusted: checks nothing).
    pub fn check_section(&self, index: usize) -> Result<(), Error> {
        self.handle().call(|s, e| unsafe { sys::bbsnap_snapshot_check_section(s, index, e) })
    }

    // ------------------------------------------------------------ slot table

    /// The slot (site, exec): missing, empty, or its value in place
    /// (64-byte aligned). Lazy mode checks the slot's chunk on first access
    /// and the value's hash on every call.
    pub fn slot(&self, site: u64, exec: u64) -> Result<Slot<'_>, Error> {
        let (mut state, mut data, mut length) = (sys::BBSNAP_SLOT_MISSING, ptr::null(), 0);
        self.handle()
            .call(|s, e| unsafe { sys::bbsnap_slot(s, site, exec, &mut state, &mut data, &mut length, e) })?;
        Ok(match state {
            sys::BBSNAP_SLOT_VALUE => Slot::Value(unsafe { bytes(data, length) }),
            sys::BBSNAP_SLOT_EMPTY => Slot::Empty,
            _ => Slot::Missing,
        })
    }

    /// Every slot, in (site, exec) order, chunk by chunk, in place. In lazy
    /// mode a damaged chunk or value is an `Err`, after which the iteration ends.
    pub fn slots(&self) -> Slots<'_> {
        Slots { handle: self.handle(), chunks: None, next_chunk: 0, chunk: 0, index: 0, in_chunk: 0, done: false }
    }

    // ------------------------------------------------------------ lookups

    /// The pending_async entry of `command_id`.
    pub fn pending_async(&self, command_id: u64) -> Result<Option<PendingAsync<'_>>, Error> {
        let mut found = false;
        let mut p = PendingAsync { command_id, op_ref: 0, exec_id: 0, output_sites: &[], deadline_ns: None };
        let (mut sites, mut site_count, mut has_deadline, mut deadline) = (ptr::null(), 0, false, 0);
        self.handle().call(|s, e| unsafe {
            sys::bbsnap_pending_async(
                s, command_id, &mut found, &mut p.op_ref, &mut p.exec_id, &mut sites, &mut site_count,
                &mut has_deadline, &mut deadline, e,
            )
        })?;
        if !found {
            return Ok(None);
        }
        p.output_sites = unsafe { ids(sites, site_count) };
        p.deadline_ns = has_deadline.then_some(deadline);
        Ok(Some(p))
    }

    /// The execution_state entry of `exec_id`.
    pub fn execution_state(&self, exec_id: u64) -> Result<Option<ExecutionStateSnapshot>, Error> {
        let (mut found, mut outputs_written) = (false, 0);
        self.handle()
            .call(|s, e| unsafe { sys::bbsnap_execution_state(s, exec_id, &mut found, &mut outputs_written, e) })?;
        Ok(found.then_some(ExecutionStateSnapshot { outputs_written }))
    }

    /// framework.counters[name].
    pub fn counter(&self, name: &str) -> Result<Option<u64>, Error> {
        let (mut found, mut value) = (false, 0);
        self.handle().call(|s, e| unsafe {
            sys::bbsnap_counter(s, name.as_ptr().cast::<c_char>(), name.len(), &mut found, &mut value, e)
        })?;
        Ok(found.then_some(value))
    }

    /// wire_states[component] (found with zero bytes is Some(&[])).
    pub fn wire_state(&self, component: u32) -> Result<Option<&[u8]>, Error> {
        let (mut found, mut data, mut length) = (false, ptr::null(), 0);
        self.handle()
            .call(|s, e| unsafe { sys::bbsnap_wire_state(s, component, &mut found, &mut data, &mut length, e) })?;
        Ok(found.then(|| unsafe { bytes(data, length) }))
    }

    /// bus.event_subscriptions[event_kind]: the subscribers' NodeSiteIds
    /// (a kind present with none is Some(&[])).
    pub fn subscribers(&self, event_kind: &str) -> Result<Option<&[u64]>, Error> {
        let (mut found, mut data, mut count) = (false, ptr::null(), 0);
        self.handle().call(|s, e| unsafe {
            sys::bbsnap_subscribers(
                s, event_kind.as_ptr().cast::<c_char>(), event_kind.len(), &mut found, &mut data, &mut count, e,
            )
        })?;
        Ok(found.then(|| unsafe { ids(data, count) }))
    }

    /// framework.next_command_id.
    pub fn next_command_id(&self) -> Result<u64, Error> {
        self.handle().scalar(sys::bbsnap_next_command_id)
    }

    /// framework.next_exec_id.
    pub fn next_exec_id(&self) -> Result<u64, Error> {
        self.handle().scalar(sys::bbsnap_next_exec_id)
    }

    /// framework.peer_governor.failure_threshold.
    pub fn failure_threshold(&self) -> Result<u32, Error> {
        self.handle().scalar(sys::bbsnap_failure_threshold)
    }

    /// framework.peer_id_bytes, in place.
    pub fn peer_id_bytes(&self) -> Result<&[u8], Error> {
        let (mut data, mut length) = (ptr::null(), 0);
        self.handle().call(|s, e| unsafe { sys::bbsnap_peer_id_bytes(s, &mut data, &mut length, e) })?;
        Ok(unsafe { bytes(data, length) })
    }
}

/// "framework", "slot_chunk", ... for a section kind; None for a kind this
/// library does not know.
pub fn section_kind_name(kind: u32) -> Option<&'static str> {
    // SAFETY: a static NUL-terminated string, or NULL.
    let name = unsafe { sys::bbsnap_section_kind_name(kind) };
    (!name.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(name) }.to_str().unwrap_or("?"))
}

/// The iteration of `Snapshot::slots`.
pub struct Slots<'s> {
    handle: Handle<'s>,
    chunks: Option<usize>,
    next_chunk: usize,
    chunk: usize,
    index: usize,
    in_chunk: usize,
    done: bool,
}

impl<'s> Slots<'s> {
    /// The next slot, or None past the last; advances to the next chunk as needed.
    fn advance(&mut self) -> Result<Option<SlotEntry<'s>>, Error> {
        let chunks = match self.chunks {
            Some(n) => n,
            None => *self.chunks.insert(self.handle.scalar(sys::bbsnap_slot_chunk_count)?),
        };
        while self.index >= self.in_chunk {
            if self.next_chunk >= chunks {
                return Ok(None);
            }
            let chunk = self.next_chunk;
            let mut count = 0;
            self.handle.call(|s, e| unsafe { sys::bbsnap_slot_chunk_slot_count(s, chunk, &mut count, e) })?;
            (self.chunk, self.next_chunk, self.index, self.in_chunk) = (chunk, chunk + 1, 0, count);
        }
        let (chunk, index) = (self.chunk, self.index);
        let (mut site, mut exec, mut state, mut data, mut length) = (0, 0, sys::BBSNAP_SLOT_MISSING, ptr::null(), 0);
        self.handle.call(|s, e| unsafe {
            sys::bbsnap_slot_chunk_slot(s, chunk, index, &mut site, &mut exec, &mut state, &mut data, &mut length, e)
        })?;
        self.index += 1;
        let value = (state == sys::BBSNAP_SLOT_VALUE).then(|| unsafe { bytes(data, length) });
        Ok(Some(SlotEntry { site, exec, value }))
    }
}

impl<'s> Iterator for Slots<'s> {
    type Item = Result<SlotEntry<'s>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.advance().transpose();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}

impl std::iter::FusedIterator for Slots<'_> {}
