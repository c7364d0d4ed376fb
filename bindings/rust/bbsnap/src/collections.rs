//! The lists and maps of the state, as `Entries` read in place: the
//! iteration over everything that `to_transient` and a runtime walking the
//! state in place build on. Maps come sorted by key (numbers numerically,
//! strings by their UTF-8 bytes), lists in their order.

use std::ptr;

use bbsnap_sys as sys;

use crate::error::Error;
use crate::snapshot::Snapshot;
use crate::view::{
    bytes, ids, text, AddressBookEntry, Backoff, Entries, Handle, IngressEvent, PendingAsync, PendingCompletion,
    PendingOutbound,
};

type Count = unsafe extern "C" fn(*const sys::bbsnap_snapshot, *mut usize, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status;

/// The entries of a top-level list whose length `count` gives.
fn list<'s, T>(h: Handle<'s>, count: Count, get: fn(Handle<'s>, usize, usize) -> Result<T, Error>) -> Result<Entries<'s, T>, Error> {
    Ok(Entries::new(h, 0, h.scalar(count)?, get))
}

// SAFETY (every `unsafe` block of this file): the handle is an open
// snapshot living for 's (Handle), the out-parameters are valid, and what
// bbsnap.h hands out lives as long as the snapshot.
impl<'a> Snapshot<'a> {
    /// frontier: (first, second) pairs, in queue order.
    pub fn frontier(&self) -> Result<Entries<'_, (u64, u64)>, Error> {
        list(self.handle(), sys::bbsnap_frontier_count, |h, _, i| {
            let (mut a, mut b) = (0, 0);
            h.call(|s, e| unsafe { sys::bbsnap_frontier_get(s, i, &mut a, &mut b, e) })?;
            Ok((a, b))
        })
    }

    /// pending_async, by CommandId.
    pub fn pending_async_entries(&self) -> Result<Entries<'_, PendingAsync<'_>>, Error> {
        list(self.handle(), sys::bbsnap_pending_async_count, |h, _, i| {
            let mut p = PendingAsync { command_id: 0, op_ref: 0, exec_id: 0, output_sites: &[], deadline_ns: None };
            let (mut sites, mut count, mut has_deadline, mut deadline) = (ptr::null(), 0, false, 0);
            h.call(|s, e| unsafe {
                sys::bbsnap_pending_async_get(
                    s, i, &mut p.command_id, &mut p.op_ref, &mut p.exec_id, &mut sites, &mut count, &mut has_deadline,
                    &mut deadline, e,
                )
            })?;
            p.output_sites = unsafe { ids(sites, count) };
            p.deadline_ns = has_deadline.then_some(deadline);
            Ok(p)
        })
    }

    /// execution_state, by ExecId: (exec_id, outputs_written).
    pub fn execution_states(&self) -> Result<Entries<'_, (u64, u32)>, Error> {
        list(self.handle(), sys::bbsnap_execution_state_count, |h, _, i| {
            let (mut id, mut written) = (0, 0);
            h.call(|s, e| unsafe { sys::bbsnap_execution_state_get(s, i, &mut id, &mut written, e) })?;
            Ok((id, written))
        })
    }

    /// framework.counters, by name: (name, value).
    pub fn counters(&self) -> Result<Entries<'_, (&str, u64)>, Error> {
        list(self.handle(), sys::bbsnap_counters_count, |h, _, i| {
            let (mut name, mut length, mut value) = (ptr::null(), 0, 0);
            h.call(|s, e| unsafe { sys::bbsnap_counters_get(s, i, &mut name, &mut length, &mut value, e) })?;
            Ok((unsafe { text(name, length) }?, value))
        })
    }

    /// framework.fired_phases, in order.
    pub fn fired_phases(&self) -> Result<Entries<'_, &str>, Error> {
        list(self.handle(), sys::bbsnap_fired_phases_count, |h, _, i| {
            let (mut phase, mut length) = (ptr::null(), 0);
            h.call(|s, e| unsafe { sys::bbsnap_fired_phases_get(s, i, &mut phase, &mut length, e) })?;
            unsafe { text(phase, length) }
        })
    }

    /// framework.address_book, in order.
    pub fn address_book(&self) -> Result<Entries<'_, AddressBookEntry<'_>>, Error> {
        list(self.handle(), sys::bbsnap_address_book_count, |h, _, i| {
            let (mut peer, mut length, mut ref_count, mut addresses) = (ptr::null(), 0, 0, 0);
            h.call(|s, e| unsafe {
                sys::bbsnap_address_book_get(s, i, &mut peer, &mut length, &mut ref_count, &mut addresses, e)
            })?;
            let addresses = Entries::new(h, i, addresses, |h, entry, a| {
                let (mut data, mut length) = (ptr::null(), 0);
                h.call(|s, e| unsafe { sys::bbsnap_address_book_address(s, entry, a, &mut data, &mut length, e) })?;
                Ok(unsafe { bytes(data, length) })
            });
            Ok(AddressBookEntry { peer_id: unsafe { bytes(peer, length) }, ref_count, addresses })
        })
    }

    /// framework.peer_governor.blocklist, in order.
    pub fn blocklist(&self) -> Result<Entries<'_, &[u8]>, Error> {
        list(self.handle(), sys::bbsnap_blocklist_count, |h, _, i| {
            let (mut data, mut length) = (ptr::null(), 0);
            h.call(|s, e| unsafe { sys::bbsnap_blocklist_get(s, i, &mut data, &mut length, e) })?;
            Ok(unsafe { bytes(data, length) })
        })
    }

    /// framework.peer_governor.allowlist: None is the open policy, Some of
    /// no entries lets nobody communicate.
    pub fn allowlist(&self) -> Result<Option<Entries<'_, &[u8]>>, Error> {
        let h = self.handle();
        let (mut is_some, mut count) = (false, 0);
        h.call(|s, e| unsafe { sys::bbsnap_allowlist_count(s, &mut is_some, &mut count, e) })?;
        Ok(is_some.then(|| {
            Entries::new(h, 0, count, |h, _, i| {
                let (mut data, mut length) = (ptr::null(), 0);
                h.call(|s, e| unsafe { sys::bbsnap_allowlist_get(s, i, &mut data, &mut length, e) })?;
                Ok(unsafe { bytes(data, length) })
            })
        }))
    }

    /// framework.peer_governor.health, in order: (peer, consecutive_failures,
    /// last_event_ns, down).
    pub fn health(&self) -> Result<Entries<'_, (&[u8], u32, u64, bool)>, Error> {
        list(self.handle(), sys::bbsnap_health_count, |h, _, i| {
            let (mut peer, mut length, mut failures, mut last, mut down) = (ptr::null(), 0, 0, 0, false);
            h.call(|s, e| unsafe {
                sys::bbsnap_health_get(s, i, &mut peer, &mut length, &mut failures, &mut last, &mut down, e)
            })?;
            Ok((unsafe { bytes(peer, length) }, failures, last, down))
        })
    }

    /// framework.backoff_table, in order.
    pub fn backoff_table(&self) -> Result<Entries<'_, Backoff<'_>>, Error> {
        list(self.handle(), sys::bbsnap_backoff_table_count, |h, _, i| {
            let (mut peer, mut length) = (ptr::null(), 0);
            let mut b = Backoff { peer: &[], attempts: 0, last_attempt_ns: 0, next_retry_ns: 0 };
            h.call(|s, e| unsafe {
                sys::bbsnap_backoff_table_get(
                    s, i, &mut peer, &mut length, &mut b.attempts, &mut b.last_attempt_ns, &mut b.next_retry_ns, e,
                )
            })?;
            b.peer = unsafe { bytes(peer, length) };
            Ok(b)
        })
    }

    /// framework.pending_outbound, in order.
    pub fn pending_outbound(&self) -> Result<Entries<'_, PendingOutbound<'_>>, Error> {
        list(self.handle(), sys::bbsnap_pending_outbound_count, |h, _, i| {
            let (mut data, mut length, mut redelivered) = (ptr::null(), 0, false);
            h.call(|s, e| unsafe { sys::bbsnap_pending_outbound_get(s, i, &mut data, &mut length, &mut redelivered, e) })?;
            Ok(PendingOutbound { envelope_bytes: unsafe { bytes(data, length) }, redelivered })
        })
    }

    /// bus.event_subscriptions, by event kind: (event kind, subscribers).
    pub fn event_subscriptions(&self) -> Result<Entries<'_, (&str, &[u64])>, Error> {
        list(self.handle(), sys::bbsnap_event_subscriptions_count, |h, _, i| {
            let (mut kind, mut kind_length, mut subscribers, mut count) = (ptr::null(), 0, ptr::null(), 0);
            h.call(|s, e| unsafe {
                sys::bbsnap_event_subscriptions_get(s, i, &mut kind, &mut kind_length, &mut subscribers, &mut count, e)
            })?;
            Ok((unsafe { text(kind, kind_length) }?, unsafe { ids(subscribers, count) }))
        })
    }

    /// ingress, in order.
    pub fn ingress(&self) -> Result<Entries<'_, IngressEvent<'_>>, Error> {
        list(self.handle(), sys::bbsnap_ingress_count, ingress_event)
    }

    /// wire_states, by component: (component, bytes).
    pub fn wire_states(&self) -> Result<Entries<'_, (u32, &[u8])>, Error> {
        list(self.handle(), sys::bbsnap_wire_states_count, |h, _, i| {
            let (mut component, mut data, mut length) = (0, ptr::null(), 0);
            h.call(|s, e| unsafe { sys::bbsnap_wire_states_get(s, i, &mut component, &mut data, &mut length, e) })?;
            Ok((component, unsafe { bytes(data, length) }))
        })
    }

    /// pending_completions, in order.
    pub fn pending_completions(&self) -> Result<Entries<'_, PendingCompletion<'_>>, Error> {
        list(self.handle(), sys::bbsnap_pending_completions_count, |h, _, i| {
            let (mut cmd_id, mut count) = (0, 0);
            h.call(|s, e| unsafe { sys::bbsnap_pending_completions_get(s, i, &mut cmd_id, &mut count, e) })?;
            let results = Entries::new(h, i, count, |h, completion, r| {
                let (mut name, mut name_length, mut data, mut length) = (ptr::null(), 0, ptr::null(), 0);
                h.call(|s, e| unsafe {
                    sys::bbsnap_pending_completions_result(
                        s, completion, r, &mut name, &mut name_length, &mut data, &mut length, e,
                    )
                })?;
                Ok((unsafe { text(name, name_length) }?, unsafe { bytes(data, length) }))
            });
            Ok(PendingCompletion { cmd_id, results })
        })
    }
}

/// Ingress event `i`: its kind, then its fields through that kind's function.
fn ingress_event(h: Handle<'_>, _: usize, i: usize) -> Result<IngressEvent<'_>, Error> {
    let mut kind = 0;
    h.call(|s, e| unsafe { sys::bbsnap_ingress_get(s, i, &mut kind, e) })?;
    match kind {
        sys::BBSNAP_INGRESS_ENVELOPE => {
            let (mut data, mut length) = (ptr::null(), 0);
            h.call(|s, e| unsafe { sys::bbsnap_ingress_envelope(s, i, &mut data, &mut length, e) })?;
            Ok(IngressEvent::Envelope(unsafe { bytes(data, length) }))
        }
        sys::BBSNAP_INGRESS_APP_EVENT => {
            let (mut module, mut module_length, mut input, mut input_length) = (ptr::null(), 0, ptr::null(), 0);
            let (mut data, mut length) = (ptr::null(), 0);
            h.call(|s, e| unsafe {
                sys::bbsnap_ingress_app_event(
                    s, i, &mut module, &mut module_length, &mut input, &mut input_length, &mut data, &mut length, e,
                )
            })?;
            Ok(IngressEvent::AppEvent {
                module_name: unsafe { text(module, module_length) }?,
                input_name: unsafe { text(input, input_length) }?,
                value_bytes: unsafe { bytes(data, length) },
            })
        }
        sys::BBSNAP_INGRESS_INVOKE => {
            let (mut module, mut module_length, mut count) = (ptr::null(), 0, 0);
            h.call(|s, e| unsafe { sys::bbsnap_ingress_invoke(s, i, &mut module, &mut module_length, &mut count, e) })?;
            let inputs = Entries::new(h, i, count, |h, event, n| {
                let (mut name, mut name_length, mut data, mut length) = (ptr::null(), 0, ptr::null(), 0);
                h.call(|s, e| unsafe {
                    sys::bbsnap_ingress_invoke_input(s, event, n, &mut name, &mut name_length, &mut data, &mut length, e)
                })?;
                Ok((unsafe { text(name, name_length) }?, unsafe { bytes(data, length) }))
            });
            Ok(IngressEvent::Invoke { module_name: unsafe { text(module, module_length) }?, inputs })
        }
        sys::BBSNAP_INGRESS_TIMER_MATURED => {
            let mut at_ns = 0;
            h.call(|s, e| unsafe { sys::bbsnap_ingress_timer_matured(s, i, &mut at_ns, e) })?;
            Ok(IngressEvent::TimerMatured { at_ns })
        }
        _ => {
            // The library's kinds are exactly these five; a sixth would be
            // refused by bbsnap_ingress_completion as another kind's.
            let (mut cmd_id, mut count) = (0, 0);
            h.call(|s, e| unsafe { sys::bbsnap_ingress_completion(s, i, &mut cmd_id, &mut count, e) })?;
            let results = Entries::new(h, i, count, |h, event, r| {
                let (mut data, mut length) = (ptr::null(), 0);
                h.call(|s, e| unsafe { sys::bbsnap_ingress_completion_result(s, event, r, &mut data, &mut length, e) })?;
                Ok(unsafe { bytes(data, length) })
            });
            Ok(IngressEvent::Completion { cmd_id, results })
        }
    }
}
