//! Checkpoint directories from Rust: commits keep the newest `keep`
//! generations and restore gives back the last state; a damaged newest
//! generation is skipped, and named; the writer's rules (one per
//! directory, keep at least 1) are errors, never panics.

mod support;

use std::path::Path;

use bbsnap::checkpoints::{list_generations, restore_newest, CheckpointWriter, Generation, Restored};
use bbsnap::*;
use proptest::prelude::*;
use support::{scratch, state_document, transient_snapshot};

/// Restores whatever spec_version the random states carry.
fn any_spec_version() -> OpenOptions {
    OpenOptions { spec_version: SpecVersion::Any, ..OpenOptions::default() }
}

fn writer(dir: &Path, keep: u32) -> CheckpointWriter {
    CheckpointWriter::open(dir, CheckpointOptions { keep, write: scratch(), ..CheckpointOptions::default() }).unwrap()
}

fn numbers(generations: &[Generation]) -> Vec<u64> {
    generations.iter().map(|g| g.number).collect()
}

fn small_state(value: &[u8]) -> TransientSnapshot {
    let mut state = TransientSnapshot::default();
    state.framework.spec_version = CURRENT_SNAPSHOT_SPEC_VERSION;
    state.slot_table.insert((1, 1), Some(value.to_vec()));
    state
}

fn flip_header_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[8] ^= 0x40;
    std::fs::write(path, &bytes).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn commits_keep_the_newest_keep_generations_and_restore_the_last_state(
        states in prop::collection::vec(transient_snapshot(), 1..7),
        keep in 1u32..5,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = writer(dir.path(), keep);
        for (i, state) in states.iter().enumerate() {
            let report = writer.commit(state)?;
            let number = i as u64 + 1;
            prop_assert_eq!(report.committed.number, number);
            prop_assert_eq!(&report.committed.path, &dir.path().join(format!("{number:020}.bbsnap")));
            prop_assert_eq!(report.committed.size, std::fs::metadata(&report.committed.path).unwrap().len());
            prop_assert!(report.prune_error.is_none());
            prop_assert_eq!(report.pruned.intact_kept as u64, number.min(keep as u64));
            let removed: Vec<u64> = if number > keep as u64 { vec![number - keep as u64] } else { vec![] };
            prop_assert_eq!(numbers(&report.pruned.removed), removed);
        }
        let n = states.len() as u64;
        let kept: Vec<u64> = (n.saturating_sub(keep as u64) + 1..=n).rev().collect();
        prop_assert_eq!(numbers(&list_generations(dir.path())?), kept);

        let restored = restore_newest(dir.path(), any_spec_version())?.expect("a generation was committed");
        prop_assert_eq!(restored.generation.number, n);
        prop_assert!(restored.skipped.is_empty());
        prop_assert_eq!(state_document(&restored.snapshot.to_transient()?), state_document(states.last().unwrap()));
    }
}

#[test]
fn an_empty_directory_restores_nothing_and_its_first_commit_is_generation_1() {
    let dir = tempfile::tempdir().unwrap();
    assert!(restore_newest(dir.path(), OpenOptions::default()).unwrap().is_none());
    assert!(list_generations(dir.path()).unwrap().is_empty());
    let report = writer(dir.path(), 3).commit(&small_state(b"one")).unwrap();
    assert_eq!(report.committed.number, 1);
    assert!(report.committed.modified_unix_ns > 0);
    assert_eq!(numbers(&list_generations(dir.path()).unwrap()), [1]);
}

#[test]
fn a_damaged_newest_generation_is_skipped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = writer(dir.path(), 3);
    for value in [&b"one"[..], b"two", b"three"] {
        writer.commit(&small_state(value)).unwrap();
    }
    let newest = list_generations(dir.path()).unwrap().remove(0);
    assert_eq!(newest.number, 3);
    flip_header_byte(&newest.path);

    let restored = restore_newest(dir.path(), OpenOptions::default()).unwrap().unwrap();
    assert_eq!(restored.generation.number, 2);
    assert_eq!(restored.snapshot.slot(1, 1).unwrap(), Slot::Value(b"two"));
    assert_eq!(restored.skipped.len(), 1);
    let skipped = &restored.skipped[0].generation;
    assert_eq!((skipped.number, &skipped.path), (newest.number, &newest.path));
    assert_eq!(restored.skipped[0].reason.section(), "header");
    let direct = Snapshot::open(&newest.path, OpenOptions::default()).unwrap_err();
    assert_eq!(restored.skipped[0].reason, direct, "the error opening it gives");

    // The restored snapshot is the caller's: it outlives the writer and the report.
    drop(writer);
    let Restored { snapshot, .. } = restored;
    assert_eq!(snapshot.to_transient().unwrap().slot_table[&(1, 1)].as_deref(), Some(&b"two"[..]));
}

#[test]
fn when_no_generation_opens_the_error_is_the_newest_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = writer(dir.path(), 3);
    writer.commit(&small_state(b"one")).unwrap();
    writer.commit(&small_state(b"two")).unwrap();
    for generation in list_generations(dir.path()).unwrap() {
        flip_header_byte(&generation.path);
    }
    let error = restore_newest(dir.path(), OpenOptions::default()).unwrap_err();
    assert!(error.message().contains("none of the 2 generations"), "{error}");
    assert!(error.message().contains("00000000000000000002.bbsnap"), "{error}");
}

#[test]
fn the_writers_rules_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    assert_eq!(CheckpointWriter::open(&missing, CheckpointOptions::default()).unwrap_err().code(), ErrorCode::Io);
    assert_eq!(list_generations(&missing).unwrap_err().code(), ErrorCode::Io);
    assert_eq!(restore_newest(&missing, OpenOptions::default()).unwrap_err().code(), ErrorCode::Io);

    let keep_none = CheckpointOptions { keep: 0, ..CheckpointOptions::default() };
    assert_eq!(CheckpointWriter::open(dir.path(), keep_none).unwrap_err().code(), ErrorCode::InvalidArgument);

    let mut first = writer(dir.path(), 2);
    let second = CheckpointWriter::open(dir.path(), CheckpointOptions::default()).unwrap_err();
    assert_eq!(second.code(), ErrorCode::Io);
    assert!(second.message().contains("another checkpoint writer holds the lock"), "{second}");
    assert_eq!(first.prune(0).unwrap_err().code(), ErrorCode::InvalidArgument);

    first.commit(&small_state(b"v")).unwrap();
    first.commit(&small_state(b"w")).unwrap();
    let pruned = first.prune(1).unwrap();
    assert_eq!((numbers(&pruned.removed), pruned.intact_kept), (vec![1], 1));
    assert_eq!(numbers(&list_generations(dir.path()).unwrap()), [2]);
    drop(first);
    writer(dir.path(), 1); // the lock is free again
}

#[test]
fn a_commit_that_fails_leaves_nothing_behind_and_the_writer_usable() {
    let dir = tempfile::tempdir().unwrap();
    // Write options are checked by each commit, not by open.
    let bad_write = WriteOptions { slots_per_chunk: 0, ..scratch() };
    let mut writer = CheckpointWriter::open(dir.path(), CheckpointOptions { write: bad_write, ..CheckpointOptions::default() }).unwrap();
    assert_eq!(writer.commit(&small_state(b"v")).unwrap_err().code(), ErrorCode::InvalidArgument);
    assert_eq!(writer.commit(&small_state(b"v")).unwrap_err().code(), ErrorCode::InvalidArgument);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["bbsnap-checkpoints.lock"]);
    assert!(restore_newest(dir.path(), OpenOptions::default()).unwrap().is_none());
}

#[test]
fn retention_full_does_not_count_a_generation_whose_value_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let mut table = writer(dir.path(), 2);
    table.commit(&small_state(&[1; 4096])).unwrap();
    table.commit(&small_state(&[2; 4096])).unwrap();
    drop(table);
    // A byte of generation 2's value: its header and section table still verify.
    let newest = list_generations(dir.path()).unwrap().remove(0);
    let snapshot = Snapshot::open(&newest.path, OpenOptions::default()).unwrap();
    let at = match snapshot.slot(1, 1).unwrap() {
        Slot::Value(value) => value.as_ptr() as usize - snapshot.bytes().as_ptr() as usize,
        other => panic!("slot (1, 1) is {other:?}"),
    };
    drop(snapshot);
    let mut bytes = std::fs::read(&newest.path).unwrap();
    bytes[at] ^= 1;
    std::fs::write(&newest.path, &bytes).unwrap();

    let full = CheckpointOptions { keep: 1, retention: Retention::Full, write: scratch() };
    let pruned = CheckpointWriter::open(dir.path(), full).unwrap().prune(1).unwrap();
    assert_eq!((pruned.removed.len(), pruned.intact_kept), (0, 1), "generation 1 is the one intact");
    let restored = restore_newest(dir.path(), OpenOptions::default()).unwrap().unwrap();
    assert_eq!((restored.generation.number, restored.skipped.len()), (1, 1));

    let pruned = writer(dir.path(), 1).prune(1).unwrap();
    assert_eq!(numbers(&pruned.removed), [1], "Retention::Table counts generation 2 intact");
}

#[test]
fn a_generation_bbsnap_did_not_write_is_reported_as_not_ours_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join(format!("{:020}.bbsnap", 1));
    std::fs::write(&foreign, b"not a snapshot: someone else's file").unwrap();
    let mut writer = writer(dir.path(), 1);

    let second = writer.commit(&small_state(b"two")).unwrap();
    assert_eq!(second.committed.number, 2);
    assert_eq!((numbers(&second.pruned.removed), numbers(&second.pruned.not_ours)), (vec![], vec![1]));
    assert_eq!(second.pruned.not_ours[0].path, foreign);
    let third = writer.commit(&small_state(b"three")).unwrap();
    assert_eq!((numbers(&third.pruned.removed), numbers(&third.pruned.not_ours)), (vec![2], vec![1]));

    let pruned = writer.prune(1).unwrap();
    assert_eq!((pruned.removed.len(), numbers(&pruned.not_ours), pruned.intact_kept), (0, vec![1], 1));
    assert_eq!(pruned.not_ours[0].size, std::fs::metadata(&foreign).unwrap().len());
    assert_eq!(std::fs::read(&foreign).unwrap(), b"not a snapshot: someone else's file");
    assert_eq!(numbers(&list_generations(dir.path()).unwrap()), [3, 1]);
}

/// Descriptors of this process that point at removed files in `dir`:
/// Linux's /proc/self/fd links, which name the real path and end in
/// " (deleted)".
fn open_removed_files_in(dir: &Path) -> usize {
    let dir = std::fs::canonicalize(dir).unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir) && target.to_string_lossy().ends_with(" (deleted)"))
        .count()
}

#[test]
fn removed_generations_are_freed_once_wait_for_removals_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = writer(dir.path(), 1);
    for number in 1..=5u64 {
        let report = writer.commit(&small_state(b"v")).unwrap();
        let removed: Vec<u64> = if number > 1 { vec![number - 1] } else { vec![] };
        assert_eq!(numbers(&report.pruned.removed), removed);
        assert!(!dir.path().join(format!("{:020}.bbsnap", number - 1)).exists(), "the name goes at once");
    }
    writer.wait_for_removals().unwrap();
    assert_eq!(open_removed_files_in(dir.path()), 0);
    writer.wait_for_removals().unwrap(); // nothing left to wait for
    assert_eq!(numbers(&list_generations(dir.path()).unwrap()), [5]);
}
