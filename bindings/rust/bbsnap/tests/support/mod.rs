//! What the integration tests share: the state document of a
//! TransientSnapshot (shared/spec/STATE-JSON.md) as a serde_json::Value,
//! random states for proptest, and where the repository and the `bbsnap`
//! command are.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::HashMap;
use std::path::PathBuf;

use bbsnap::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// The repository's root (bindings/rust/bbsnap is three levels down).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// The `bbsnap` command of the build under test, from BBSNAP_CLI, which
/// `scripts/dev rust` sets; None (and a line saying why the caller
/// skips) when it is not set.
pub fn cli(test: &str) -> Option<PathBuf> {
    match std::env::var_os("BBSNAP_CLI") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            eprintln!("{test}: skipped: BBSNAP_CLI is not set (scripts/dev rust sets it to <build>/tools/bbsnap)");
            None
        }
    }
}

// ------------------------------------------------------------------ the state document

fn hex(bytes: &[u8]) -> Value {
    Value::String(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn hex_list(list: &[Vec<u8>]) -> Value {
    Value::Array(list.iter().map(|b| hex(b)).collect())
}

fn named_list(list: &[(String, Vec<u8>)]) -> Value {
    Value::Array(list.iter().map(|(name, b)| json!([name, hex(b)])).collect())
}

/// A map keyed by numbers: object keys in canonical decimal. (Value
/// compares objects as maps, so the order of the keys does not matter.)
fn by_number<K: ToString, V>(map: &HashMap<K, V>, f: impl Fn(&V) -> Value) -> Value {
    Value::Object(map.iter().map(|(k, v)| (k.to_string(), f(v))).collect::<Map<_, _>>())
}

fn ingress(event: &IngressEventSnapshot) -> Value {
    match event {
        IngressEventSnapshot::Envelope(b) => json!({ "Envelope": hex(b) }),
        IngressEventSnapshot::AppEvent { module_name, input_name, value_bytes } => json!({
            "AppEvent": { "module_name": module_name, "input_name": input_name, "value_bytes": hex(value_bytes) }
        }),
        IngressEventSnapshot::Invoke { module_name, inputs } => {
            json!({ "Invoke": { "module_name": module_name, "inputs": named_list(inputs) } })
        }
        IngressEventSnapshot::TimerMatured { at_ns } => json!({ "TimerMatured": { "at_ns": at_ns } }),
        IngressEventSnapshot::Completion { cmd_id, results } => {
            json!({ "Completion": { "cmd_id": cmd_id, "results": hex_list(results) } })
        }
    }
}

/// The state document of `state`, as STATE-JSON.md specifies it (and as
/// `bbsnap dump` prints it): byte strings in lowercase hex, the slot table
/// as a list sorted by (site, exec), numeric map keys in decimal.
pub fn state_document(state: &TransientSnapshot) -> Value {
    let mut slots: Vec<_> = state.slot_table.iter().collect();
    slots.sort_by_key(|(key, _)| **key);
    let f = &state.framework;
    let g = &f.peer_governor;
    json!({
        "frontier": state.frontier.iter().map(|(a, b)| json!([a, b])).collect::<Vec<_>>(),
        "slot_table": slots.iter().map(|((site, exec), value)| json!({
            "site": site, "exec": exec, "value": value.as_ref().map(|v| hex(v)),
        })).collect::<Vec<_>>(),
        "pending_async": by_number(&state.pending_async, |p| json!({
            "op_ref": p.op_ref, "exec_id": p.exec_id, "output_sites": p.output_sites, "deadline_ns": p.deadline_ns,
        })),
        "execution_state": by_number(&state.execution_state, |e| json!({ "outputs_written": e.outputs_written })),
        "framework": {
            "counters": f.counters,
            "fired_phases": f.fired_phases,
            "address_book": f.address_book.iter().map(|a| json!({
                "peer_id": hex(&a.peer_id), "addresses": hex_list(&a.addresses), "ref_count": a.ref_count,
            })).collect::<Vec<_>>(),
            "peer_governor": {
                "blocklist": hex_list(&g.blocklist),
                "allowlist": g.allowlist.as_ref().map(|a| hex_list(a)),
                "health": g.health.iter().map(|(p, failures, last, down)| json!([hex(p), failures, last, down]))
                    .collect::<Vec<_>>(),
                "failure_threshold": g.failure_threshold,
            },
            "backoff_table": f.backoff_table.iter().map(|b| json!({
                "peer": hex(&b.peer), "attempts": b.attempts,
                "last_attempt_ns": b.last_attempt_ns, "next_retry_ns": b.next_retry_ns,
            })).collect::<Vec<_>>(),
            "pending_outbound": f.pending_outbound.iter().map(|p| json!({
                "envelope_bytes": hex(&p.envelope_bytes), "redelivered": p.redelivered,
            })).collect::<Vec<_>>(),
            "peer_id_bytes": hex(&f.peer_id_bytes),
            "next_command_id": f.next_command_id,
            "next_exec_id": f.next_exec_id,
            "spec_version": f.spec_version,
        },
        "bus": { "event_subscriptions": state.bus.event_subscriptions },
        "ingress": state.ingress.iter().map(ingress).collect::<Vec<_>>(),
        "wire_states": by_number(&state.wire_states, |b| hex(b)),
        "pending_completions": state.pending_completions.iter().map(|c| json!({
            "cmd_id": c.cmd_id, "results": named_list(&c.results),
        })).collect::<Vec<_>>(),
    })
}

// ------------------------------------------------------------------ random states

/// Numbers with their edges: 0, u64::MAX, small ones (so that keys
/// collide and lists repeat), any.
pub fn number() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(u64::MAX), 0..4u64, any::<u64>()]
}

fn number32() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(u32::MAX), 0..4u32, any::<u32>()]
}

/// Byte strings, empty ones included.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..6)
}

/// Strings: empty, ASCII, any non-control characters (non-ASCII names),
/// and the ones STATE-JSON.md says are kept exactly (NUL, U+FEFF).
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z._]{1,8}",
        "\\PC{1,6}",
        Just("nul\0inside".to_string()),
        Just("\u{feff}bom, ümlaut, 日本, 🦀".to_string()),
    ]
}

fn list<T: std::fmt::Debug>(element: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(element, 0..4)
}

fn ingress_event() -> impl Strategy<Value = IngressEventSnapshot> {
    prop_oneof![
        bytes().prop_map(IngressEventSnapshot::Envelope),
        (text(), text(), bytes()).prop_map(|(module_name, input_name, value_bytes)| IngressEventSnapshot::AppEvent {
            module_name,
            input_name,
            value_bytes
        }),
        (text(), list((text(), bytes())))
            .prop_map(|(module_name, inputs)| IngressEventSnapshot::Invoke { module_name, inputs }),
        number().prop_map(|at_ns| IngressEventSnapshot::TimerMatured { at_ns }),
        (number(), list(bytes())).prop_map(|(cmd_id, results)| IngressEventSnapshot::Completion { cmd_id, results }),
    ]
}

fn framework() -> impl Strategy<Value = FrameworkSnapshot> {
    let governor = (
        list(bytes()),
        prop::option::of(list(bytes())),
        list((bytes(), number32(), number(), any::<bool>())),
        number32(),
    )
        .prop_map(|(blocklist, allowlist, health, failure_threshold)| PeerGovernorSnapshot {
            blocklist,
            allowlist,
            health,
            failure_threshold,
        });
    let address = (bytes(), list(bytes()), number())
        .prop_map(|(peer_id, addresses, ref_count)| AddressBookEntrySnapshot { peer_id, addresses, ref_count });
    let backoff = (bytes(), number32(), number(), number()).prop_map(
        |(peer, attempts, last_attempt_ns, next_retry_ns)| BackoffEntry { peer, attempts, last_attempt_ns, next_retry_ns },
    );
    let outbound = (bytes(), any::<bool>())
        .prop_map(|(envelope_bytes, redelivered)| PendingOutboundEntry { envelope_bytes, redelivered });
    (
        prop::collection::hash_map(text(), number(), 0..4),
        list(text()),
        list(address),
        governor,
        list(backoff),
        list(outbound),
        bytes(),
        (number(), number(), prop_oneof![Just(CURRENT_SNAPSHOT_SPEC_VERSION), number32()]),
    )
        .prop_map(
            |(counters, fired_phases, address_book, peer_governor, backoff_table, pending_outbound, peer_id_bytes, ids)| {
                FrameworkSnapshot {
                    counters,
                    fired_phases,
                    address_book,
                    peer_governor,
                    backoff_table,
                    pending_outbound,
                    peer_id_bytes,
                    next_command_id: ids.0,
                    next_exec_id: ids.1,
                    spec_version: ids.2,
                }
            },
        )
}

/// A random TransientSnapshot: every field, with empty and edge values
/// (None against Some(vec![]) for slots and the allowlist, Some(0) against
/// None for deadlines, u64::MAX, empty and non-ASCII strings).
pub fn transient_snapshot() -> impl Strategy<Value = TransientSnapshot> {
    let pending = (number(), number(), list(number()), prop::option::of(number()))
        .prop_map(|(op_ref, exec_id, output_sites, deadline_ns)| PendingAsyncSnapshot { op_ref, exec_id, output_sites, deadline_ns });
    let completion = (number(), list((text(), bytes())))
        .prop_map(|(cmd_id, results)| PendingCompletionSnapshot { cmd_id, results });
    (
        list((number(), number())),
        prop::collection::hash_map((number(), number()), prop::option::of(bytes()), 0..6),
        prop::collection::hash_map(number(), pending, 0..3),
        prop::collection::hash_map(number(), number32().prop_map(|outputs_written| ExecutionStateSnapshot { outputs_written }), 0..3),
        framework(),
        prop::collection::hash_map(text(), list(number()), 0..3),
        list(ingress_event()),
        prop::collection::hash_map(number32(), bytes(), 0..3),
        list(completion),
    )
        .prop_map(
            |(frontier, slot_table, pending_async, execution_state, framework, subscriptions, ingress, wire_states, pending_completions)| {
                TransientSnapshot {
                    frontier,
                    slot_table,
                    pending_async,
                    execution_state,
                    framework,
                    bus: TypedBusSnapshot { event_subscriptions: subscriptions },
                    ingress,
                    wire_states,
                    pending_completions,
                }
            },
        )
}

/// Write options for scratch files: no fsync.
pub fn scratch() -> WriteOptions {
    WriteOptions { durable: false, ..WriteOptions::default() }
}
