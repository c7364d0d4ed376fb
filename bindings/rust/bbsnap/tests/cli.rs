//! Rust and the `bbsnap` command (BBSNAP_CLI) agree: a file written from
//! Rust dumps as the state document of the value it was written from, and
//! a damaged file is refused by Rust with the error `bbsnap verify` prints
//! (code, section, offset, message).

mod support;

use std::path::Path;
use std::process::Command;

use bbsnap::*;
use proptest::prelude::*;
use support::{cli, scratch, state_document, transient_snapshot};

proptest! {
    // A process per case: fewer cases than the in-process round trip.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_file_written_from_rust_dumps_as_its_state_document(state in transient_snapshot()) {
        let bbsnap = match cli("a_file_written_from_rust_dumps_as_its_state_document") {
            Some(path) => path,
            None => return Ok(()),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.bbsnap");
        write_snapshot(&path, &state, scratch())?;
        let dump = Command::new(&bbsnap).arg("dump").arg(&path).output().unwrap();
        prop_assert!(dump.status.success(), "bbsnap dump: {}", String::from_utf8_lossy(&dump.stderr));
        let document: serde_json::Value = serde_json::from_slice(&dump.stdout).unwrap();
        prop_assert_eq!(document, state_document(&state));
    }
}

/// What `bbsnap verify` says of the file at `path`: None when it is fine,
/// else its one line after "bbsnap verify: <path>: ".
fn verify(bbsnap: &Path, path: &Path) -> Option<String> {
    let out = Command::new(bbsnap).arg("verify").arg(path).output().unwrap();
    if out.status.success() {
        return None;
    }
    let stderr = String::from_utf8(out.stderr).unwrap();
    let prefix = format!("bbsnap verify: {}: ", path.display());
    Some(stderr.trim_end().strip_prefix(&prefix).unwrap_or_else(|| panic!("unexpected output: {stderr}")).to_string())
}

/// A state with something in every section, so that a flip lands in each.
fn state_in_every_section() -> TransientSnapshot {
    let mut state = TransientSnapshot::default();
    state.framework.spec_version = CURRENT_SNAPSHOT_SPEC_VERSION;
    for i in 0..40u64 {
        state.slot_table.insert((i % 7, i), if i % 5 == 0 { None } else { Some(vec![i as u8; (i * 13 % 150) as usize]) });
    }
    state.frontier = vec![(1, 2), (3, 4)];
    state.pending_async.insert(9, PendingAsyncSnapshot { op_ref: 1, exec_id: 2, output_sites: vec![3, 4], deadline_ns: Some(0) });
    state.execution_state.insert(2, ExecutionStateSnapshot { outputs_written: 3 });
    state.framework.counters.insert("peers.connected".into(), 4);
    state.framework.fired_phases.push("start".into());
    state.framework.peer_governor.allowlist = Some(vec![]);
    state.bus.event_subscriptions.insert("tick".into(), vec![1, 2]);
    state.ingress.push(IngressEventSnapshot::Invoke { module_name: "m".into(), inputs: vec![("in".into(), vec![1])] });
    state.wire_states.insert(3, vec![5; 20]);
    state.pending_completions.push(PendingCompletionSnapshot { cmd_id: 5, results: vec![("out".into(), vec![2])] });
    state
}

#[test]
fn a_damaged_file_is_refused_with_the_error_bbsnap_verify_prints() {
    let bbsnap = match cli("a_damaged_file_is_refused_with_the_error_bbsnap_verify_prints") {
        Some(path) => path,
        None => return,
    };
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.bbsnap");
    write_snapshot(&good, &state_in_every_section(), scratch()).unwrap();
    let original = std::fs::read(&good).unwrap();
    assert_eq!(verify(&bbsnap, &good), None);

    let damaged = dir.path().join("damaged.bbsnap");
    let mut sections = std::collections::BTreeSet::new();
    // One bit in every 37th byte: every section, the header, the table, the padding.
    for offset in (0..original.len()).step_by(37) {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x10;
        std::fs::write(&damaged, &bytes).unwrap();
        let expected = verify(&bbsnap, &damaged).unwrap_or_else(|| panic!("a flip at {offset} went unnoticed by verify"));
        let error = Snapshot::open(&damaged, OpenOptions::default()).unwrap_err();
        assert_eq!(error.to_string(), expected, "flip at offset {offset}");
        assert!(expected.contains(&format!("in section {}", error.section())) || error.section().is_empty());
        if let Some(at) = error.offset() {
            assert!(expected.contains(&format!("at offset {at}")));
        }
        sections.insert(error.section().split('[').next().unwrap().to_string());
    }
    // The sweep reached every kind of section.
    for kind in ["framework", "slot_chunk", "slot_index", "ingress", "bus", "wire_states", "pending_completions"] {
        assert!(sections.contains(kind), "no flip landed in {kind}: {sections:?}");
    }
}
