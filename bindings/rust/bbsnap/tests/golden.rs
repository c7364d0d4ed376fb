//! The golden files of every format version (test/golden/v*/NAME.bbsnap),
//! read through Rust in every verification mode, equal their JSON.

mod support;

use bbsnap::*;
use support::{repo_root, state_document};

#[test]
fn every_golden_file_reads_as_its_json() {
    let golden = repo_root().join("test/golden");
    let mut files = 0;
    for version in std::fs::read_dir(&golden).unwrap() {
        let version = version.unwrap().path();
        if !version.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&version).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().map_or(true, |e| e != "bbsnap") {
                continue;
            }
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
            for verification in [Verification::Full, Verification::Lazy, Verification::Trusted] {
                let options = OpenOptions { verification, spec_version: SpecVersion::Any, ..OpenOptions::default() };
                let snapshot = Snapshot::open(&path, options).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let state = snapshot.to_transient().unwrap();
                assert_eq!(state_document(&state), json, "{} ({verification:?})", path.display());
            }
            files += 1;
        }
    }
    assert!(files >= 6, "found {files} golden files under {}", golden.display());
}
