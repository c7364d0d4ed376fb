//! The safe API's contracts: errors as values with code, section and
//! offset; a writer that refuses one call and stays usable; lazy mode
//! keeping the undamaged sections readable; one Snapshot read from many
//! threads.

mod support;

use bbsnap::*;
use support::scratch;

fn small_state() -> TransientSnapshot {
    let mut state = TransientSnapshot::default();
    state.framework.spec_version = CURRENT_SNAPSHOT_SPEC_VERSION;
    state.slot_table.insert((1, 1), Some(b"one".to_vec()));
    state.slot_table.insert((2, 1), None);
    state.framework.counters.insert("c".into(), 7);
    state.ingress.push(IngressEventSnapshot::TimerMatured { at_ns: 5 });
    state
}

#[test]
fn a_missing_file_is_an_io_error_without_section_or_offset() {
    let error = Snapshot::open("/nonexistent/dir/x.bbsnap", OpenOptions::default()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::Io);
    assert_eq!((error.section(), error.offset()), ("", None));
    let as_std: &dyn std::error::Error = &error;
    assert!(as_std.to_string().starts_with("io: "), "{as_std}");
}

#[test]
fn another_spec_version_is_refused_unless_any_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.bbsnap");
    let mut state = small_state();
    state.framework.spec_version = 2;
    write_snapshot(&path, &state, scratch()).unwrap();
    let error = Snapshot::open(&path, OpenOptions::default()).unwrap_err();
    assert_eq!((error.code(), error.section()), (ErrorCode::SpecVersionMismatch, "framework"));
    assert!(error.offset().is_some());
    let any = OpenOptions { spec_version: SpecVersion::Any, ..OpenOptions::default() };
    assert_eq!(Snapshot::open(&path, any).unwrap().spec_version().unwrap(), 2);
}

#[test]
fn bytes_off_the_64_byte_boundary_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.bbsnap");
    write_snapshot(&path, &small_state(), scratch()).unwrap();
    let file = std::fs::read(&path).unwrap();
    let mut shifted = AlignedBytes::zeroed(file.len() + 1);
    shifted[1..].copy_from_slice(&file);
    let error = Snapshot::from_bytes(&shifted[1..], OpenOptions::default()).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidArgument);
    let aligned = AlignedBytes::copy_from(&file);
    assert_eq!(Snapshot::from_bytes(&aligned, OpenOptions::default()).unwrap().slot(1, 1).unwrap(), Slot::Value(b"one"));
}

#[test]
fn the_writer_refuses_a_slot_out_of_order_and_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.bbsnap");
    std::fs::write(&path, b"the previous checkpoint").unwrap();
    let mut writer = Writer::create(&path, scratch()).unwrap();
    writer.add_slot(5, 5, Some(b"five")).unwrap();
    let error = writer.add_slot(5, 4, None).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidArgument);
    writer.add_counter("c", 1).unwrap();
    let error = writer.add_counter("c", 2).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidArgument, "a duplicate map key");
    assert_eq!(std::fs::read(&path).unwrap(), b"the previous checkpoint", "nothing replaced before finish");
    writer.finish().unwrap();
    let snapshot = Snapshot::open(&path, OpenOptions::default()).unwrap();
    assert_eq!(snapshot.slot(5, 5).unwrap(), Slot::Value(b"five"));
    assert_eq!(snapshot.slot(5, 4).unwrap(), Slot::Missing);
    assert_eq!(snapshot.counter("c").unwrap(), Some(1));
}

#[test]
fn a_dropped_writer_leaves_the_path_and_the_directory_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.bbsnap");
    std::fs::write(&path, b"old").unwrap();
    let mut writer = Writer::create(&path, scratch()).unwrap();
    writer.add_slot(1, 1, Some(b"new")).unwrap();
    drop(writer);
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["s.bbsnap"], "the temporary file is removed");
    let writer = Writer::create(&path, scratch()).unwrap();
    writer.abort().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
}

#[test]
fn lazy_mode_reads_the_framework_of_a_file_whose_ingress_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.bbsnap");
    write_snapshot(&path, &small_state(), scratch()).unwrap();
    let snapshot = Snapshot::open(&path, OpenOptions::default()).unwrap();
    let ingress = snapshot.sections().unwrap().into_iter().find(|s| s.kind_name == Some("ingress")).unwrap();
    drop(snapshot);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[ingress.offset as usize + 8] ^= 1;
    std::fs::write(&path, &bytes).unwrap();

    let full = Snapshot::open(&path, OpenOptions::default()).unwrap_err();
    assert_eq!((full.code(), full.section()), (ErrorCode::ChecksumMismatch, "ingress"));
    assert!(full.stored().is_some() && full.stored() != full.computed());
    let lazy = Snapshot::open(&path, OpenOptions::with_verification(Verification::Lazy)).unwrap();
    assert_eq!(lazy.counter("c").unwrap(), Some(7));
    assert_eq!(lazy.slot(1, 1).unwrap(), Slot::Value(b"one"));
    let error = lazy.ingress().and_then(|mut events| events.next().unwrap()).unwrap_err();
    assert_eq!(error, full, "the same error as the full open, on every access");
    assert_eq!(lazy.to_transient().unwrap_err(), full);
}

#[test]
fn one_snapshot_is_read_from_many_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.bbsnap");
    write_snapshot(&path, &small_state(), scratch()).unwrap();
    let snapshot = Snapshot::open(&path, OpenOptions::with_verification(Verification::Lazy)).unwrap();
    let values: Vec<Slot<'_>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..4).map(|_| scope.spawn(|| snapshot.slot(1, 1).unwrap())).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(values.iter().all(|v| *v == Slot::Value(b"one")));
}
