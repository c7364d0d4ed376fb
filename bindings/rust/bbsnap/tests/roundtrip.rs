//! Random TransientSnapshots written from Rust and read back through Rust,
//! in every verification mode: the owned state (to_transient) and every
//! lookup give back what was written.

mod support;

use bbsnap::*;
use proptest::prelude::*;
use support::{scratch, state_document, transient_snapshot};

const MODES: [Verification; 3] = [Verification::Full, Verification::Lazy, Verification::Trusted];

/// Every lookup of `snapshot` against the state it was written from.
fn check_lookups(snapshot: &Snapshot<'_>, state: &TransientSnapshot) -> Result<(), TestCaseError> {
    for (&(site, exec), value) in &state.slot_table {
        let expected = match value {
            None => Slot::Empty,
            Some(bytes) => Slot::Value(bytes),
        };
        prop_assert_eq!(snapshot.slot(site, exec)?, expected);
        if let Slot::Value(bytes) = snapshot.slot(site, exec)? {
            // An empty value is a slice of no bytes, not a place in the file.
            prop_assert!(bytes.is_empty() || bytes.as_ptr() as usize % 64 == 0, "a value is 64-byte aligned in place");
        }
    }
    // A key that is not in the table (there are at most 6 keys).
    let absent = (0..8u64).map(|i| (i, 1)).find(|key| !state.slot_table.contains_key(key)).unwrap();
    prop_assert_eq!(snapshot.slot(absent.0, absent.1)?, Slot::Missing);
    for (name, &value) in &state.framework.counters {
        prop_assert_eq!(snapshot.counter(name)?, Some(value));
    }
    for (kind, subscribers) in &state.bus.event_subscriptions {
        prop_assert_eq!(snapshot.subscribers(kind)?, Some(&subscribers[..]));
    }
    for (&component, bytes) in &state.wire_states {
        prop_assert_eq!(snapshot.wire_state(component)?, Some(&bytes[..]));
    }
    for (&command_id, p) in &state.pending_async {
        let found = snapshot.pending_async(command_id)?.expect("a pending_async entry written");
        prop_assert_eq!(
            (found.op_ref, found.exec_id, found.output_sites, found.deadline_ns),
            (p.op_ref, p.exec_id, &p.output_sites[..], p.deadline_ns)
        );
    }
    for (&exec_id, e) in &state.execution_state {
        prop_assert_eq!(snapshot.execution_state(exec_id)?.map(|f| f.outputs_written), Some(e.outputs_written));
    }
    prop_assert_eq!(snapshot.spec_version()?, state.framework.spec_version);
    prop_assert_eq!(snapshot.next_command_id()?, state.framework.next_command_id);
    prop_assert_eq!(snapshot.next_exec_id()?, state.framework.next_exec_id);
    prop_assert_eq!(snapshot.failure_threshold()?, state.framework.peer_governor.failure_threshold);
    prop_assert_eq!(snapshot.peer_id_bytes()?, &state.framework.peer_id_bytes[..]);
    Ok(())
}

proptest! {
    // The minimal failing state is printed; nothing is written to the source tree.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_field_round_trips_in_every_mode(state in transient_snapshot()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.bbsnap");
        write_snapshot(&path, &state, scratch())?;
        let expected = state_document(&state);
        for verification in MODES {
            let options = OpenOptions { verification, spec_version: SpecVersion::Any, ..OpenOptions::default() };
            let snapshot = Snapshot::open(&path, options)?;
            prop_assert_eq!(&state_document(&snapshot.to_transient()?), &expected, "{:?}", verification);
            check_lookups(&snapshot, &state)?;
        }
        // The same bytes held by the caller, opened in place.
        let bytes = AlignedBytes::read(&path).unwrap();
        let snapshot = Snapshot::from_bytes(&bytes, OpenOptions { spec_version: SpecVersion::Any, ..OpenOptions::default() })?;
        prop_assert_eq!(state_document(&snapshot.to_transient()?), expected);
        prop_assert_eq!(snapshot.bytes(), &bytes[..]);
    }

    #[test]
    fn the_streaming_writer_and_write_snapshot_write_the_same_bytes(state in transient_snapshot()) {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.bbsnap");
        write_snapshot(&whole, &state, scratch())?;
        // The maps in another order than write_snapshot's, the slots in key order.
        let streamed = dir.path().join("streamed.bbsnap");
        let mut writer = Writer::create(&streamed, scratch())?;
        let mut slots: Vec<_> = state.slot_table.iter().collect();
        slots.sort_by_key(|(key, _)| **key);
        for (&(site, exec), value) in slots {
            writer.add_slot(site, exec, value.as_deref())?;
        }
        let mut counters: Vec<_> = state.framework.counters.iter().collect();
        counters.sort_by(|a, b| b.0.cmp(a.0));
        for (name, &value) in counters {
            writer.add_counter(name, value)?;
        }
        let f = &state.framework;
        for (&exec_id, e) in &state.execution_state { writer.add_execution_state(exec_id, e.outputs_written)?; }
        for (&command_id, p) in &state.pending_async { writer.add_pending_async(command_id, p)?; }
        for &(a, b) in &state.frontier { writer.add_frontier(a, b)?; }
        for phase in &f.fired_phases { writer.add_fired_phase(phase)?; }
        for entry in &f.address_book { writer.add_address_book_entry(entry)?; }
        for peer in &f.peer_governor.blocklist { writer.add_blocklist_peer(peer)?; }
        if let Some(allowlist) = &f.peer_governor.allowlist {
            writer.enable_allowlist()?;
            for peer in allowlist { writer.add_allowlist_peer(peer)?; }
        }
        for (peer, failures, last, down) in &f.peer_governor.health { writer.add_health(peer, *failures, *last, *down)?; }
        writer.set_failure_threshold(f.peer_governor.failure_threshold)?;
        for b in &f.backoff_table { writer.add_backoff_entry(b)?; }
        for p in &f.pending_outbound { writer.add_pending_outbound(p)?; }
        writer.set_peer_id_bytes(&f.peer_id_bytes)?;
        writer.set_next_command_id(f.next_command_id)?;
        writer.set_next_exec_id(f.next_exec_id)?;
        writer.set_spec_version(f.spec_version)?;
        for (kind, subscribers) in &state.bus.event_subscriptions { writer.add_event_subscription(kind, subscribers)?; }
        for event in &state.ingress { writer.add_ingress(event)?; }
        for (&component, bytes) in &state.wire_states { writer.add_wire_state(component, bytes)?; }
        for c in &state.pending_completions { writer.add_pending_completion(c)?; }
        writer.finish()?;
        prop_assert!(std::fs::read(&whole).unwrap() == std::fs::read(&streamed).unwrap(), "equal states, equal bytes");
    }
}
