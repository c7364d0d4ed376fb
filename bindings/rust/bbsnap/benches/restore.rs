//! The restore a runtime would do from Rust, on the states S (~1 MiB),
//! M (~64 MiB) and L (~1 GiB) of bench/ (workload.h's presets: the same
//! slot counts and value sizes, 500 peers, 200 counters, 256 ingress
//! events, 128 suspended ops; generated here with rand, so the file is
//! this program's own): bbsnap through the crate against the library
//! called directly through bbsnap.h on the same file, and against the
//! runtime's current restore, fs::read + bincode::deserialize, and
//! serde_json. serde_json cannot deserialize a TransientSnapshot (the keys
//! of slot_table are tuples, which JSON objects cannot hold), so its row
//! reads and parses the state document (STATE-JSON.md, what `bbsnap dump`
//! prints, built by tests/support) into a serde_json::Value: a lower bound
//! of a JSON restore.
//!
//!   BBSNAP_BENCH_SIZES=S,M BBSNAP_BENCH_OUT=results.json cargo bench --offline --bench restore
//!
//! Writes Google Benchmark's JSON (one entry per repetition, times in ns,
//! thread CPU time beside the wall clock) so that scripts/bench_gate.py
//! checks it against bench/gates-rust.json. Every repetition runs each
//! benchmark in turn, so that both sides of a ratio see the same machine
//! load; BM_Pair* time the crate and the direct call alternately in every
//! iteration. Scratch files go to BBSNAP_BENCH_DIR (default: the temporary
//! directory), the file stays in the page cache (warm).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::ptr;
use std::time::{Duration, Instant};

use bbsnap::*;
#[path = "../tests/support/mod.rs"]
mod support;
use rand::{Rng, RngCore, SeedableRng};
use serde_json::json;

// ------------------------------------------------------------------ the states

struct Size {
    name: &'static str,
    slot_count: u64,
    slot_bytes: u64,
    repetitions: usize,
}

const SIZES: [Size; 3] = [
    Size { name: "S", slot_count: 208, slot_bytes: 832 << 10, repetitions: 9 },
    Size { name: "M", slot_count: 16_384, slot_bytes: 64 << 20, repetitions: 9 },
    Size { name: "L", slot_count: 262_144, slot_bytes: 1 << 30, repetitions: 5 },
];

const EXECUTIONS: u64 = 64;

/// Random bytes, as many as a draw from `sizes`.
fn payload(rng: &mut impl RngCore, sizes: std::ops::RangeInclusive<u64>) -> Vec<u8> {
    let mut bytes = vec![0; rng.gen_range(sizes) as usize];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// A state of workload.h's shape: slots of 0.5x..1.5x the mean size (2%
/// None, 1% zero bytes), `EXECUTIONS` execs per site.
fn make_state(size: &Size) -> TransientSnapshot {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut s = TransientSnapshot::default();
    s.framework.spec_version = CURRENT_SNAPSHOT_SPEC_VERSION;
    let mean = size.slot_bytes / size.slot_count;
    for i in 0..size.slot_count {
        let key = (1 + (i / EXECUTIONS) * 4, 1000 + i % EXECUTIONS);
        let value = match rng.gen_range(0..100) {
            0 | 1 => None,
            2 => Some(Vec::new()),
            _ => Some(payload(&mut rng, mean / 2..=mean * 3 / 2)),
        };
        s.slot_table.insert(key, value);
    }
    for _ in 0..EXECUTIONS * 4 {
        s.frontier.push((rng.gen_range(1..4000), rng.gen_range(1000..1000 + EXECUTIONS)));
    }
    for k in 0..128u64 {
        let sites = (0..rng.gen_range(1..=4)).map(|_| rng.gen_range(1..4000)).collect();
        let deadline = rng.gen_bool(0.75).then(|| rng.gen::<u64>() >> 4);
        s.pending_async.insert(5000 + k, PendingAsyncSnapshot { op_ref: rng.gen_range(0..4096), exec_id: 1000, output_sites: sites, deadline_ns: deadline });
    }
    for k in 0..EXECUTIONS {
        s.execution_state.insert(1000 + k, ExecutionStateSnapshot { outputs_written: rng.gen_range(0..64) });
    }
    for k in 0..16u64 {
        let results = (0..rng.gen_range(1..=3)).map(|_| ("out".to_string(), payload(&mut rng, 8..=256))).collect();
        s.pending_completions.push(PendingCompletionSnapshot { cmd_id: 5000 + k, results });
    }
    let f = &mut s.framework;
    for k in 0..200 {
        f.counters.insert(format!("subsystem{}.metric{}", k % 8, k / 8), rng.gen::<u64>() >> rng.gen_range(16..64));
    }
    f.fired_phases = vec!["Start".into(), "Resume".into()];
    f.peer_governor.failure_threshold = 5;
    f.peer_governor.allowlist = Some(Vec::new());
    for _ in 0..500 {
        let id = payload(&mut rng, 34..=34);
        let addresses = (0..rng.gen_range(1..=3)).map(|_| payload(&mut rng, 8..=20)).collect();
        f.address_book.push(AddressBookEntrySnapshot { peer_id: id.clone(), addresses, ref_count: rng.gen_range(1..=4) });
        let failures = if rng.gen_ratio(1, 8) { rng.gen_range(1..=7) } else { 0 };
        let last = rng.gen::<u64>() >> 4;
        f.peer_governor.health.push((id.clone(), failures, last, failures >= 5));
        if failures > 0 {
            f.backoff_table.push(BackoffEntry { peer: id.clone(), attempts: failures, last_attempt_ns: last, next_retry_ns: last + (1 << 30) });
        }
        if rng.gen_ratio(1, 100) {
            f.peer_governor.blocklist.push(id.clone());
        }
        if rng.gen_ratio(1, 4) {
            f.peer_governor.allowlist.as_mut().unwrap().push(id);
        }
    }
    for _ in 0..500 / 16 {
        f.pending_outbound.push(PendingOutboundEntry { envelope_bytes: payload(&mut rng, 64..=1024), redelivered: rng.gen_ratio(1, 4) });
    }
    f.peer_id_bytes = payload(&mut rng, 34..=34);
    f.next_command_id = 5128;
    f.next_exec_id = 1000 + EXECUTIONS;
    for k in 0..20 {
        s.bus.event_subscriptions.insert(format!("module.out{k}"), (0..rng.gen_range(0..=16)).map(|_| rng.gen_range(1..4000)).collect());
    }
    for c in 1..=8 {
        s.wire_states.insert(c, payload(&mut rng, 32..=256));
    }
    for k in 0..256u64 {
        s.ingress.push(match k % 5 {
            0 => IngressEventSnapshot::Envelope(payload(&mut rng, 64..=1024)),
            1 => IngressEventSnapshot::AppEvent { module_name: "router".into(), input_name: "in".into(), value_bytes: payload(&mut rng, 16..=512) },
            2 => IngressEventSnapshot::Invoke { module_name: "store".into(), inputs: vec![("request".into(), payload(&mut rng, 8..=256))] },
            3 => IngressEventSnapshot::TimerMatured { at_ns: rng.gen() },
            _ => IngressEventSnapshot::Completion { cmd_id: rng.gen_range(0..5000), results: vec![payload(&mut rng, 8..=256)] },
        });
    }
    s
}

// ------------------------------------------------------------------ timing

/// Keeps the optimiser from dropping a result (std::hint::black_box is
/// newer than Debian 12's rustc 1.63).
fn black_box<T>(x: T) -> T {
    // SAFETY: reads a valid value once and forgets the original: a move.
    let y = unsafe { ptr::read_volatile(&x) };
    std::mem::forget(x);
    y
}

fn thread_cpu_ns() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and out-parameter.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e9 + t.tv_nsec as f64
}

/// (wall ns, thread CPU ns) of one call.
fn timed(f: &mut dyn FnMut()) -> (f64, f64) {
    let (wall, cpu) = (Instant::now(), thread_cpu_ns());
    f();
    (wall.elapsed().as_nanos() as f64, thread_cpu_ns() - cpu)
}

const MIN_TIME: Duration = Duration::from_millis(100);

/// One repetition: as many iterations as fit in MIN_TIME (at least one);
/// the mean (wall, CPU) ns per iteration.
fn repetition(f: &mut dyn FnMut()) -> (u64, f64, f64) {
    let start = Instant::now();
    let (mut n, mut wall, mut cpu) = (0u64, 0.0, 0.0);
    while n == 0 || start.elapsed() < MIN_TIME {
        let (w, c) = timed(f);
        n += 1;
        wall += w;
        cpu += c;
    }
    (n, wall / n as f64, cpu / n as f64)
}

/// One repetition of ours and the reference timed alternately.
fn paired_repetition(ours: &mut dyn FnMut(), reference: &mut dyn FnMut()) -> (u64, [f64; 4]) {
    let start = Instant::now();
    let mut sums = [0.0; 4];
    let mut n = 0u64;
    while n == 0 || start.elapsed() < 2 * MIN_TIME {
        let (w, c) = timed(ours);
        let (rw, rc) = timed(reference);
        sums = [sums[0] + w, sums[1] + c, sums[2] + rw, sums[3] + rc];
        n += 1;
    }
    (n, sums.map(|s| s / n as f64))
}

// ------------------------------------------------------------------ the direct calls (reference)

fn c_open(path: &CString, verification: i32) -> *mut sys::bbsnap_snapshot {
    // SAFETY: valid pointers; the options object is freed after the open, which copies it.
    unsafe {
        let mut options = ptr::null_mut();
        assert_eq!(sys::bbsnap_open_options_new(&mut options, ptr::null_mut()), sys::BBSNAP_OK);
        sys::bbsnap_open_options_set_verification(options, verification, ptr::null_mut());
        let mut snapshot = ptr::null_mut();
        let status = sys::bbsnap_snapshot_open(path.as_ptr(), options, &mut snapshot, ptr::null_mut());
        sys::bbsnap_open_options_free(options);
        assert_eq!(status, sys::BBSNAP_OK);
        snapshot
    }
}

fn c_lookup(snapshot: *const sys::bbsnap_snapshot, (site, exec): (u64, u64)) -> usize {
    let (mut state, mut value, mut length) = (0, ptr::null(), 0);
    // SAFETY: an open snapshot and valid out-parameters.
    let status = unsafe { sys::bbsnap_slot(snapshot, site, exec, &mut state, &mut value, &mut length, ptr::null_mut()) };
    assert_eq!(status, sys::BBSNAP_OK);
    length
}

// ------------------------------------------------------------------ the run

struct Results {
    entries: Vec<serde_json::Value>,
}

impl Results {
    fn add(&mut self, name: &str, rep: usize, (n, wall, cpu): (u64, f64, f64), counters: serde_json::Value) {
        let mut e = json!({
            "name": name, "run_name": name, "run_type": "iteration", "repetition_index": rep,
            "iterations": n, "real_time": wall, "cpu_time": cpu, "time_unit": "ns",
        });
        e.as_object_mut().unwrap().extend(counters.as_object().unwrap().clone());
        self.entries.push(e);
    }

    fn add_paired(&mut self, name: &str, rep: usize, (n, [w, c, rw, rc]): (u64, [f64; 4])) {
        let counters = json!({
            "ours_real_ns": w, "ours_cpu_ns": c, "ref_real_ns": rw, "ref_cpu_ns": rc,
            "ratio_real": w / rw, "ratio_cpu": c / rc,
        });
        self.add(name, rep, (n, w, c), counters);
    }
}

fn bench_size(size: &Size, dir: &Path, results: &mut Results) {
    let state = make_state(size);
    let path = dir.join(format!("rust-{}.bbsnap", size.name));
    write_snapshot(&path, &state, WriteOptions { durable: false, ..WriteOptions::default() }).unwrap();
    let bincode_path = dir.join(format!("rust-{}.bincode", size.name));
    std::fs::write(&bincode_path, bincode::serialize(&state).unwrap()).unwrap();
    // Two hex digits per byte: 2 GiB of text at L, not measured there.
    let json_path = (size.name != "L").then(|| {
        let p = dir.join(format!("rust-{}.json", size.name));
        std::fs::write(&p, serde_json::to_vec(&support::state_document(&state)).unwrap()).unwrap();
        p
    });
    let file_bytes = std::fs::metadata(&path).unwrap().len();
    let mut keys: Vec<(u64, u64)> = state.slot_table.keys().copied().collect();
    keys.sort_unstable();
    let first = keys[keys.len() / 2];
    let lookups: Vec<(u64, u64)> = {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        (0..1000).map(|_| keys[rng.gen_range(0..keys.len())]).collect()
    };
    drop(state);
    eprintln!("{}: {} bytes, {} slots", size.name, file_bytes, keys.len());

    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    let full = Snapshot::open(&path, OpenOptions::default()).unwrap();
    let c_full = c_open(&c_path, sys::BBSNAP_VERIFY_FULL);
    let name = |what: &str| format!("{what}/{}", size.name);
    let bytes = json!({ "file_bytes": file_bytes });
    for rep in 0..size.repetitions {
        results.add(&name("BM_RustOpenFullWalk"), rep, repetition(&mut || {
            let s = Snapshot::open(&path, OpenOptions::default()).unwrap();
            let mut total = 0usize;
            for slot in s.slots() {
                total += slot.unwrap().value.map_or(0, <[u8]>::len);
            }
            black_box(total);
        }), bytes.clone());
        results.add_paired(&name("BM_PairRustOpenFullVsC"), rep, paired_repetition(
            &mut || drop(Snapshot::open(&path, OpenOptions::default()).unwrap()),
            &mut || unsafe { sys::bbsnap_snapshot_free(c_open(&c_path, sys::BBSNAP_VERIFY_FULL)) },
        ));
        results.add(&name("BM_RustOpenLazyFirstLookup"), rep, repetition(&mut || {
            let s = Snapshot::open(&path, OpenOptions::with_verification(Verification::Lazy)).unwrap();
            black_box(s.slot(first.0, first.1).unwrap());
        }), bytes.clone());
        results.add_paired(&name("BM_PairRustLookupsVsC"), rep, paired_repetition(
            &mut || {
                for &(site, exec) in &lookups {
                    black_box(full.slot(site, exec).unwrap());
                }
            },
            &mut || {
                for &key in &lookups {
                    black_box(c_lookup(c_full, key));
                }
            },
        ));
        results.add(&name("BM_RustToTransient"), rep, repetition(&mut || {
            black_box(full.to_transient().unwrap());
        }), bytes.clone());
        results.add(&name("BM_ReadBincode"), rep, repetition(&mut || {
            let bytes = std::fs::read(&bincode_path).unwrap();
            black_box(bincode::deserialize::<TransientSnapshot>(&bytes).unwrap());
        }), bytes.clone());
        if let Some(json_path) = &json_path {
            results.add(&name("BM_ReadStateDocumentSerdeJson"), rep, repetition(&mut || {
                let bytes = std::fs::read(json_path).unwrap();
                black_box(serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
            }), bytes.clone());
        }
    }
    unsafe { sys::bbsnap_snapshot_free(c_full) };
    drop(full);
    for p in [Some(&path), Some(&bincode_path), json_path.as_ref()].into_iter().flatten() {
        std::fs::remove_file(p).unwrap();
    }
}

fn main() {
    let wanted = std::env::var("BBSNAP_BENCH_SIZES").unwrap_or_else(|_| "S,M".into());
    let out = PathBuf::from(std::env::var("BBSNAP_BENCH_OUT").unwrap_or_else(|_| "restore.json".into()));
    let dir = std::env::var_os("BBSNAP_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let mut results = Results { entries: Vec::new() };
    for size in SIZES.iter().filter(|s| wanted.split(',').any(|w| w == s.name)) {
        bench_size(size, &dir, &mut results);
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()));
    let doc = json!({
        "context": {
            "date": String::from_utf8_lossy(&std::process::Command::new("date").arg("-Iseconds").output().map(|o| o.stdout).unwrap_or_default()).trim(),
            "host_name": host.trim(),
            "num_cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "cpu_model": cpu_model,
            "mode": wanted,
            "min_time": MIN_TIME.as_secs_f64(),
        },
        "benchmarks": results.entries,
    });
    std::fs::write(&out, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    eprintln!("wrote {}", out.display());
}
