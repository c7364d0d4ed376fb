//! Writing: the streaming Writer (bbsnap.h bbsnap_writer) and
//! write_snapshot, which feeds it a whole TransientSnapshot.

use std::os::raw::c_char;
use std::path::Path;

use bbsnap_sys as sys;

use crate::error::{check, Error};
use crate::ffi::{c_path, Owned};
use crate::options::WriteOptions;
use crate::transient::*;

/// A write in progress: atomic (a temporary file beside the path, renamed
/// over it by `finish`; until then, and whatever fails, the path keeps its
/// previous content) and deterministic (equal states give byte-identical
/// files, whatever order the map entries were added in).
///
/// Slots go to the file as they are added, in strictly increasing
/// (site, exec) order; the other fields in any order (lists keep the order
/// of their adds, maps are sorted by key). InvalidArgument refuses one call
/// (a key out of order, a duplicate map key) and leaves the writer usable;
/// any other error spends it. Dropping an unfinished Writer abandons the
/// write and removes its temporary file.
pub struct Writer {
    raw: Owned<sys::bbsnap_writer>,
}

// SAFETY: a writer is driven by one thread at a time (bbsnap.h); &mut self
// on every call ensures that, wherever the Writer moves.
unsafe impl Send for Writer {}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

fn chars(s: &str) -> *const c_char {
    s.as_ptr().cast()
}

// SAFETY (every `unsafe` block below): the writer handle is live and owned
// by self; every (pointer, length) comes from a Rust slice; the library
// copies what it keeps before it returns.
impl Writer {
    /// Creates the temporary file beside `path`. Errors: Io (no such
    /// directory, no permission), InvalidArgument (slots_per_chunk, file_mode).
    pub fn create(path: impl AsRef<Path>, options: WriteOptions) -> Result<Writer, Error> {
        let path = c_path(path.as_ref())?;
        let raw_options = options.to_raw()?;
        Writer::made(|out, e| unsafe { sys::bbsnap_writer_create(path.as_ptr(), raw_options.as_ptr(), out, e) })
    }

    /// The writer that `make` hands out: bbsnap_writer_create's, or a
    /// checkpoint generation's (bbsnap_checkpoint_writer_begin).
    pub(crate) fn made(
        make: impl FnOnce(*mut *mut sys::bbsnap_writer, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
    ) -> Result<Writer, Error> {
        Ok(Writer { raw: Owned::made(make, sys::bbsnap_writer_free)? })
    }

    /// The handle, for the one call that finishes a checkpoint generation.
    pub(crate) fn as_raw(&mut self) -> *mut sys::bbsnap_writer {
        self.raw.as_ptr()
    }

    fn call(
        &mut self,
        f: impl FnOnce(*mut sys::bbsnap_writer, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
    ) -> Result<(), Error> {
        let raw = self.raw.as_ptr();
        check(|e| f(raw, e))
    }

    /// Writes every other field and commits the file: fsync, rename,
    /// directory fsync (if only the last fails, the new file is in place
    /// but Io is returned).
    pub fn finish(mut self) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_finish(w, e) })
    }

    /// Abandons the write now: the temporary file is removed, the path untouched.
    pub fn abort(mut self) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_abort(w, e) })
    }

    /// The slot (site, exec): Some(bytes) a value (zero bytes allowed), None
    /// allocated but empty.
    pub fn add_slot(&mut self, site: u64, exec: u64, value: Option<&[u8]>) -> Result<(), Error> {
        match value {
            Some(v) => self.call(|w, e| unsafe { sys::bbsnap_writer_add_slot(w, site, exec, v.as_ptr().cast(), v.len(), e) }),
            None => self.call(|w, e| unsafe { sys::bbsnap_writer_add_empty_slot(w, site, exec, e) }),
        }
    }

    /// Appends (first, second) to the frontier.
    pub fn add_frontier(&mut self, first: u64, second: u64) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_frontier(w, first, second, e) })
    }

    /// pending_async[command_id].
    pub fn add_pending_async(&mut self, command_id: u64, p: &PendingAsyncSnapshot) -> Result<(), Error> {
        let sites = &p.output_sites;
        let (has_deadline, deadline) = (p.deadline_ns.is_some(), p.deadline_ns.unwrap_or(0));
        self.call(|w, e| unsafe {
            sys::bbsnap_writer_add_pending_async(
                w, command_id, p.op_ref, p.exec_id, sites.as_ptr(), sites.len(), has_deadline, deadline, e,
            )
        })
    }

    /// execution_state[exec_id].
    pub fn add_execution_state(&mut self, exec_id: u64, outputs_written: u32) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_execution_state(w, exec_id, outputs_written, e) })
    }

    /// framework.counters[name] = value.
    pub fn add_counter(&mut self, name: &str, value: u64) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_counter(w, chars(name), name.len(), value, e) })
    }

    /// Appends to framework.fired_phases.
    pub fn add_fired_phase(&mut self, phase: &str) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_fired_phase(w, chars(phase), phase.len(), e) })
    }

    /// Appends an address_book entry with its addresses.
    pub fn add_address_book_entry(&mut self, entry: &AddressBookEntrySnapshot) -> Result<(), Error> {
        let peer = &entry.peer_id;
        self.call(|w, e| unsafe {
            sys::bbsnap_writer_add_address_book_entry(w, peer.as_ptr().cast(), peer.len(), entry.ref_count, e)
        })?;
        for a in &entry.addresses {
            self.call(|w, e| unsafe { sys::bbsnap_writer_add_address(w, a.as_ptr().cast(), a.len(), e) })?;
        }
        Ok(())
    }

    /// Appends to peer_governor.blocklist.
    pub fn add_blocklist_peer(&mut self, peer: &[u8]) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_blocklist_peer(w, peer.as_ptr().cast(), peer.len(), e) })
    }

    /// Makes peer_governor.allowlist Some (with no peers yet, nobody may
    /// communicate). Without it or add_allowlist_peer the allowlist is None.
    pub fn enable_allowlist(&mut self) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_enable_allowlist(w, e) })
    }

    /// Appends to the allowlist, making it Some.
    pub fn add_allowlist_peer(&mut self, peer: &[u8]) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_allowlist_peer(w, peer.as_ptr().cast(), peer.len(), e) })
    }

    /// Appends (peer, consecutive_failures, last_event_ns, down) to peer_governor.health.
    pub fn add_health(&mut self, peer: &[u8], failures: u32, last_event_ns: u64, down: bool) -> Result<(), Error> {
        self.call(|w, e| unsafe {
            sys::bbsnap_writer_add_health(w, peer.as_ptr().cast(), peer.len(), failures, last_event_ns, down, e)
        })
    }

    /// Appends to framework.backoff_table.
    pub fn add_backoff_entry(&mut self, b: &BackoffEntry) -> Result<(), Error> {
        self.call(|w, e| unsafe {
            sys::bbsnap_writer_add_backoff_entry(
                w, b.peer.as_ptr().cast(), b.peer.len(), b.attempts, b.last_attempt_ns, b.next_retry_ns, e,
            )
        })
    }

    /// Appends to framework.pending_outbound.
    pub fn add_pending_outbound(&mut self, p: &PendingOutboundEntry) -> Result<(), Error> {
        let bytes = &p.envelope_bytes;
        self.call(|w, e| unsafe {
            sys::bbsnap_writer_add_pending_outbound(w, bytes.as_ptr().cast(), bytes.len(), p.redelivered, e)
        })
    }

    /// peer_governor.failure_threshold (0 unless set).
    pub fn set_failure_threshold(&mut self, v: u32) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_set_failure_threshold(w, v, e) })
    }

    /// framework.peer_id_bytes (empty unless set).
    pub fn set_peer_id_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_set_peer_id_bytes(w, bytes.as_ptr().cast(), bytes.len(), e) })
    }

    /// framework.next_command_id (0 unless set).
    pub fn set_next_command_id(&mut self, v: u64) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_set_next_command_id(w, v, e) })
    }

    /// framework.next_exec_id (0 unless set).
    pub fn set_next_exec_id(&mut self, v: u64) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_set_next_exec_id(w, v, e) })
    }

    /// framework.spec_version (CURRENT_SNAPSHOT_SPEC_VERSION unless set).
    pub fn set_spec_version(&mut self, v: u32) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_set_spec_version(w, v, e) })
    }

    /// bus.event_subscriptions[event_kind] = subscribers.
    pub fn add_event_subscription(&mut self, event_kind: &str, subscribers: &[u64]) -> Result<(), Error> {
        self.call(|w, e| unsafe {
            sys::bbsnap_writer_add_event_subscription(
                w, chars(event_kind), event_kind.len(), subscribers.as_ptr(), subscribers.len(), e,
            )
        })
    }

    /// Appends an ingress event.
    pub fn add_ingress(&mut self, event: &IngressEventSnapshot) -> Result<(), Error> {
        match event {
            IngressEventSnapshot::Envelope(b) => {
                self.call(|w, e| unsafe { sys::bbsnap_writer_add_ingress_envelope(w, b.as_ptr().cast(), b.len(), e) })
            }
            IngressEventSnapshot::AppEvent { module_name: m, input_name: i, value_bytes: v } => self.call(|w, e| unsafe {
                sys::bbsnap_writer_add_ingress_app_event(w, chars(m), m.len(), chars(i), i.len(), v.as_ptr().cast(), v.len(), e)
            }),
            IngressEventSnapshot::Invoke { module_name: m, inputs } => {
                self.call(|w, e| unsafe { sys::bbsnap_writer_add_ingress_invoke(w, chars(m), m.len(), e) })?;
                for (name, b) in inputs {
                    self.call(|w, e| unsafe {
                        sys::bbsnap_writer_add_ingress_invoke_input(w, chars(name), name.len(), b.as_ptr().cast(), b.len(), e)
                    })?;
                }
                Ok(())
            }
            IngressEventSnapshot::TimerMatured { at_ns } => {
                self.call(|w, e| unsafe { sys::bbsnap_writer_add_ingress_timer_matured(w, *at_ns, e) })
            }
            IngressEventSnapshot::Completion { cmd_id, results } => {
                self.call(|w, e| unsafe { sys::bbsnap_writer_add_ingress_completion(w, *cmd_id, e) })?;
                for b in results {
                    self.call(|w, e| unsafe {
                        sys::bbsnap_writer_add_ingress_completion_result(w, b.as_ptr().cast(), b.len(), e)
                    })?;
                }
                Ok(())
            }
        }
    }

    /// wire_states[component] = bytes.
    pub fn add_wire_state(&mut self, component: u32, bytes: &[u8]) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_wire_state(w, component, bytes.as_ptr().cast(), bytes.len(), e) })
    }

    /// Appends a pending completion with its results.
    pub fn add_pending_completion(&mut self, c: &PendingCompletionSnapshot) -> Result<(), Error> {
        self.call(|w, e| unsafe { sys::bbsnap_writer_add_pending_completion(w, c.cmd_id, e) })?;
        for (name, b) in &c.results {
            self.call(|w, e| unsafe {
                sys::bbsnap_writer_add_pending_completion_result(w, chars(name), name.len(), b.as_ptr().cast(), b.len(), e)
            })?;
        }
        Ok(())
    }

    /// Every field of `state`: the slots first, sorted by (site, exec) here
    /// (the writer sorts the other maps).
    pub(crate) fn add_state(&mut self, state: &TransientSnapshot) -> Result<(), Error> {
        let mut slots: Vec<_> = state.slot_table.iter().collect();
        slots.sort_unstable_by_key(|(key, _)| **key);
        for (&(site, exec), value) in slots {
            self.add_slot(site, exec, value.as_deref())?;
        }
        self.add_all_but_slots(state)
    }

    /// Every field of `state` but the slot table (the slots go first, in
    /// key order, through add_slot).
    fn add_all_but_slots(&mut self, state: &TransientSnapshot) -> Result<(), Error> {
        for &(first, second) in &state.frontier {
            self.add_frontier(first, second)?;
        }
        for (&command_id, p) in &state.pending_async {
            self.add_pending_async(command_id, p)?;
        }
        for (&exec_id, s) in &state.execution_state {
            self.add_execution_state(exec_id, s.outputs_written)?;
        }
        let f = &state.framework;
        for (name, &value) in &f.counters {
            self.add_counter(name, value)?;
        }
        for phase in &f.fired_phases {
            self.add_fired_phase(phase)?;
        }
        for entry in &f.address_book {
            self.add_address_book_entry(entry)?;
        }
        let g = &f.peer_governor;
        for peer in &g.blocklist {
            self.add_blocklist_peer(peer)?;
        }
        if let Some(allowlist) = &g.allowlist {
            self.enable_allowlist()?;
            for peer in allowlist {
                self.add_allowlist_peer(peer)?;
            }
        }
        for (peer, failures, last, down) in &g.health {
            self.add_health(peer, *failures, *last, *down)?;
        }
        self.set_failure_threshold(g.failure_threshold)?;
        for b in &f.backoff_table {
            self.add_backoff_entry(b)?;
        }
        for p in &f.pending_outbound {
            self.add_pending_outbound(p)?;
        }
        self.set_peer_id_bytes(&f.peer_id_bytes)?;
        self.set_next_command_id(f.next_command_id)?;
        self.set_next_exec_id(f.next_exec_id)?;
        self.set_spec_version(f.spec_version)?;
        for (kind, subscribers) in &state.bus.event_subscriptions {
            self.add_event_subscription(kind, subscribers)?;
        }
        for event in &state.ingress {
            self.add_ingress(event)?;
        }
        for (&component, bytes) in &state.wire_states {
            self.add_wire_state(component, bytes)?;
        }
        for c in &state.pending_completions {
            self.add_pending_completion(c)?;
        }
        Ok(())
    }
}

/// Writes `state` to `path` atomically, as Writer does: the same bytes as
/// the C++ write_snapshot of the same state (the slot table is sorted by
/// (site, exec) here; the writer sorts the other maps).
pub fn write_snapshot(path: impl AsRef<Path>, state: &TransientSnapshot, options: WriteOptions) -> Result<(), Error> {
    let mut writer = Writer::create(path, options)?;
    writer.add_state(state)?;
    writer.finish()
}
