//! to_transient: the owned TransientSnapshot of an open snapshot, every
//! byte copied out of the mapping (what serde + bincode would restore).

use std::collections::HashMap;

use crate::error::Error;
use crate::snapshot::Snapshot;
use crate::transient::*;
use crate::view::{Entries, IngressEvent};

/// The entries of a list, owned, in order; the first error ends it.
fn owned<'s, T, U>(entries: Entries<'s, T>, mut f: impl FnMut(T) -> U) -> Result<Vec<U>, Error> {
    entries.map(|e| e.map(&mut f)).collect()
}

impl Snapshot<'_> {
    /// The whole state as the runtime's owned TransientSnapshot. In lazy mode
    /// this reads (and so checks) every section, and fails with the first
    /// damaged one's error.
    pub fn to_transient(&self) -> Result<TransientSnapshot, Error> {
        let mut slot_table = HashMap::new();
        for slot in self.slots() {
            let slot = slot?;
            slot_table.insert((slot.site, slot.exec), slot.value.map(<[u8]>::to_vec));
        }
        let pending_async = self
            .pending_async_entries()?
            .map(|p| {
                p.map(|p| {
                    let snapshot = PendingAsyncSnapshot {
                        op_ref: p.op_ref,
                        exec_id: p.exec_id,
                        output_sites: p.output_sites.to_vec(),
                        deadline_ns: p.deadline_ns,
                    };
                    (p.command_id, snapshot)
                })
            })
            .collect::<Result<_, _>>()?;
        let execution_state = self
            .execution_states()?
            .map(|e| e.map(|(id, outputs_written)| (id, ExecutionStateSnapshot { outputs_written })))
            .collect::<Result<_, _>>()?;
        Ok(TransientSnapshot {
            frontier: owned(self.frontier()?, |pair| pair)?,
            slot_table,
            pending_async,
            execution_state,
            framework: self.framework()?,
            bus: TypedBusSnapshot {
                event_subscriptions: self
                    .event_subscriptions()?
                    .map(|e| e.map(|(kind, subscribers)| (kind.to_owned(), subscribers.to_vec())))
                    .collect::<Result<_, _>>()?,
            },
            ingress: self.ingress()?.map(|e| e.and_then(owned_ingress)).collect::<Result<_, _>>()?,
            wire_states: self
                .wire_states()?
                .map(|e| e.map(|(component, bytes)| (component, bytes.to_vec())))
                .collect::<Result<_, _>>()?,
            pending_completions: self
                .pending_completions()?
                .map(|c| {
                    let c = c?;
                    Ok(PendingCompletionSnapshot { cmd_id: c.cmd_id, results: owned(c.results, named)? })
                })
                .collect::<Result<_, Error>>()?,
        })
    }

    fn framework(&self) -> Result<FrameworkSnapshot, Error> {
        Ok(FrameworkSnapshot {
            counters: self.counters()?.map(|e| e.map(|(name, v)| (name.to_owned(), v))).collect::<Result<_, _>>()?,
            fired_phases: owned(self.fired_phases()?, str::to_owned)?,
            address_book: self
                .address_book()?
                .map(|a| {
                    let a = a?;
                    Ok(AddressBookEntrySnapshot {
                        peer_id: a.peer_id.to_vec(),
                        addresses: owned(a.addresses, <[u8]>::to_vec)?,
                        ref_count: a.ref_count,
                    })
                })
                .collect::<Result<_, Error>>()?,
            peer_governor: PeerGovernorSnapshot {
                blocklist: owned(self.blocklist()?, <[u8]>::to_vec)?,
                allowlist: self.allowlist()?.map(|a| owned(a, <[u8]>::to_vec)).transpose()?,
                health: owned(self.health()?, |(peer, failures, last, down)| (peer.to_vec(), failures, last, down))?,
                failure_threshold: self.failure_threshold()?,
            },
            backoff_table: owned(self.backoff_table()?, |b| BackoffEntry {
                peer: b.peer.to_vec(),
                attempts: b.attempts,
                last_attempt_ns: b.last_attempt_ns,
                next_retry_ns: b.next_retry_ns,
            })?,
            pending_outbound: owned(self.pending_outbound()?, |p| PendingOutboundEntry {
                envelope_bytes: p.envelope_bytes.to_vec(),
                redelivered: p.redelivered,
            })?,
            peer_id_bytes: self.peer_id_bytes()?.to_vec(),
            next_command_id: self.next_command_id()?,
            next_exec_id: self.next_exec_id()?,
            spec_version: self.spec_version()?,
        })
    }
}

fn named((name, bytes): (&str, &[u8])) -> (String, Vec<u8>) {
    (name.to_owned(), bytes.to_vec())
}

fn owned_ingress(event: IngressEvent<'_>) -> Result<IngressEventSnapshot, Error> {
    Ok(match event {
        IngressEvent::Envelope(bytes) => IngressEventSnapshot::Envelope(bytes.to_vec()),
        IngressEvent::AppEvent { module_name, input_name, value_bytes } => IngressEventSnapshot::AppEvent {
            module_name: module_name.to_owned(),
            input_name: input_name.to_owned(),
            value_bytes: value_bytes.to_vec(),
        },
        IngressEvent::Invoke { module_name, inputs } => {
            IngressEventSnapshot::Invoke { module_name: module_name.to_owned(), inputs: owned(inputs, named)? }
        }
        IngressEvent::TimerMatured { at_ns } => IngressEventSnapshot::TimerMatured { at_ns },
        IngressEvent::Completion { cmd_id, results } => {
            IngressEventSnapshot::Completion { cmd_id, results: owned(results, <[u8]>::to_vec)? }
        }
    })
}
