//! Raw declarations of bbsnap's C ABI, `lib/include/bbsnap/bbsnap.h`, as it
//! is: every function, handle and constant, nothing more. The header's
//! comments are the contract (lifetimes of the pointers handed out, misuse,
//! thread safety); the safe `bbsnap` crate is built on these.
//!
//! Enumerations are `c_int` with the header's values (the header passes
//! them as `int` and returns them as int-sized enums).
#![allow(non_camel_case_types)]

// std::os::raw rather than core::ffi: Debian 12's rustc (1.63) predates core::ffi's C types.
use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::{c_char, c_int, c_void};

macro_rules! opaque {
    ($($name:ident),*) => {$(
        /// An opaque handle of bbsnap.h: made and freed by the library only.
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}
opaque!(
    bbsnap_error,
    bbsnap_open_options,
    bbsnap_snapshot,
    bbsnap_write_options,
    bbsnap_writer,
    bbsnap_generations,
    bbsnap_checkpoint_options,
    bbsnap_checkpoint_writer,
    bbsnap_checkpoint_commit
);

/// BBSNAP_CURRENT_SPEC_VERSION: the runtime's schema version this build restores.
pub const BBSNAP_CURRENT_SPEC_VERSION: u32 = 1;
/// BBSNAP_NO_OFFSET: bbsnap_error_offset when no file position applies.
pub const BBSNAP_NO_OFFSET: u64 = u64::MAX;

/// What a call did: BBSNAP_OK, or the C++ ErrorCode + 1.
pub type bbsnap_status = c_int;
pub const BBSNAP_OK: bbsnap_status = 0;
pub const BBSNAP_IO: bbsnap_status = 1;
pub const BBSNAP_BAD_MAGIC: bbsnap_status = 2;
pub const BBSNAP_UNSUPPORTED_FORMAT_VERSION: bbsnap_status = 3;
pub const BBSNAP_UNSUPPORTED_FEATURE: bbsnap_status = 4;
pub const BBSNAP_TRUNCATED: bbsnap_status = 5;
pub const BBSNAP_CHECKSUM_MISMATCH: bbsnap_status = 6;
pub const BBSNAP_NONZERO_PADDING: bbsnap_status = 7;
pub const BBSNAP_MALFORMED_SECTION: bbsnap_status = 8;
pub const BBSNAP_MISSING_SECTION: bbsnap_status = 9;
pub const BBSNAP_SPEC_VERSION_MISMATCH: bbsnap_status = 10;
pub const BBSNAP_LIMIT_EXCEEDED: bbsnap_status = 11;
pub const BBSNAP_INVALID_ARGUMENT: bbsnap_status = 12;
pub const BBSNAP_INVALID_DOCUMENT: bbsnap_status = 13;
pub const BBSNAP_OUT_OF_MEMORY: bbsnap_status = 14;
pub const BBSNAP_INTERNAL: bbsnap_status = 15;

/// What is checked, and when.
pub type bbsnap_verification = c_int;
pub const BBSNAP_VERIFY_FULL: bbsnap_verification = 0;
pub const BBSNAP_VERIFY_LAZY: bbsnap_verification = 1;
pub const BBSNAP_VERIFY_TRUSTED: bbsnap_verification = 2;

/// The three states of a slot.
pub type bbsnap_slot_state = c_int;
pub const BBSNAP_SLOT_MISSING: bbsnap_slot_state = 0;
pub const BBSNAP_SLOT_EMPTY: bbsnap_slot_state = 1;
pub const BBSNAP_SLOT_VALUE: bbsnap_slot_state = 2;

/// The five variants of IngressEventSnapshot.
pub type bbsnap_ingress_kind = c_int;
pub const BBSNAP_INGRESS_ENVELOPE: bbsnap_ingress_kind = 1;
pub const BBSNAP_INGRESS_APP_EVENT: bbsnap_ingress_kind = 2;
pub const BBSNAP_INGRESS_INVOKE: bbsnap_ingress_kind = 3;
pub const BBSNAP_INGRESS_TIMER_MATURED: bbsnap_ingress_kind = 4;
pub const BBSNAP_INGRESS_COMPLETION: bbsnap_ingress_kind = 5;

/// How retention decides that a generation is intact.
pub type bbsnap_retention = c_int;
pub const BBSNAP_RETENTION_TABLE: bbsnap_retention = 0;
pub const BBSNAP_RETENTION_FULL: bbsnap_retention = 1;

extern "C" {
    // ---- status and errors
    pub fn bbsnap_status_name(status: c_int) -> *const c_char;
    pub fn bbsnap_error_free(error: *mut bbsnap_error);
    pub fn bbsnap_error_code(error: *const bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_error_section(error: *const bbsnap_error) -> *const c_char;
    pub fn bbsnap_error_offset(error: *const bbsnap_error) -> u64;
    pub fn bbsnap_error_message(error: *const bbsnap_error) -> *const c_char;
    pub fn bbsnap_error_stored(error: *const bbsnap_error) -> u64;
    pub fn bbsnap_error_computed(error: *const bbsnap_error) -> u64;
    pub fn bbsnap_error_to_string(error: *const bbsnap_error) -> *const c_char;

    // ---- opening
    pub fn bbsnap_open_options_new(out: *mut *mut bbsnap_open_options, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_open_options_free(options: *mut bbsnap_open_options);
    pub fn bbsnap_open_options_set_verification(options: *mut bbsnap_open_options, verification: c_int, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_open_options_set_threads(options: *mut bbsnap_open_options, threads: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_open_options_expect_spec_version(options: *mut bbsnap_open_options, spec_version: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_open_options_accept_any_spec_version(options: *mut bbsnap_open_options, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_open_options_set_prefault(options: *mut bbsnap_open_options, prefault: bool, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_open(path: *const c_char, options: *const bbsnap_open_options, out: *mut *mut bbsnap_snapshot, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_open_bytes(bytes: *const c_void, length: usize, options: *const bbsnap_open_options, out: *mut *mut bbsnap_snapshot, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_free(snapshot: *mut bbsnap_snapshot);

    // ---- the container, for tools
    pub fn bbsnap_snapshot_spec_version(snapshot: *const bbsnap_snapshot, spec_version: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_format_version(snapshot: *const bbsnap_snapshot, format_version: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_bytes(snapshot: *const bbsnap_snapshot, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_section_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_section(snapshot: *const bbsnap_snapshot, index: usize, kind: *mut u32, flags: *mut u32, offset: *mut u64, length: *mut u64, payload_length: *mut u64, checksum: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_snapshot_check_section(snapshot: *const bbsnap_snapshot, index: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_section_kind_name(kind: u32) -> *const c_char;

    // ---- slot table
    pub fn bbsnap_slot(snapshot: *const bbsnap_snapshot, site: u64, exec: u64, state: *mut bbsnap_slot_state, value: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_slot_chunk_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_slot_chunk_slot_count(snapshot: *const bbsnap_snapshot, chunk: usize, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_slot_chunk_slot(snapshot: *const bbsnap_snapshot, chunk: usize, index: usize, site: *mut u64, exec: *mut u64, state: *mut bbsnap_slot_state, value: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- frontier, pending_async, execution_state
    pub fn bbsnap_frontier_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_frontier_get(snapshot: *const bbsnap_snapshot, index: usize, first: *mut u64, second: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_async_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_async_get(snapshot: *const bbsnap_snapshot, index: usize, command_id: *mut u64, op_ref: *mut u64, exec_id: *mut u64, output_sites: *mut *const u64, output_site_count: *mut usize, has_deadline: *mut bool, deadline_ns: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_async(snapshot: *const bbsnap_snapshot, command_id: u64, found: *mut bool, op_ref: *mut u64, exec_id: *mut u64, output_sites: *mut *const u64, output_site_count: *mut usize, has_deadline: *mut bool, deadline_ns: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_execution_state_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_execution_state_get(snapshot: *const bbsnap_snapshot, index: usize, exec_id: *mut u64, outputs_written: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_execution_state(snapshot: *const bbsnap_snapshot, exec_id: u64, found: *mut bool, outputs_written: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- framework
    pub fn bbsnap_counters_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_counters_get(snapshot: *const bbsnap_snapshot, index: usize, name: *mut *const c_char, name_length: *mut usize, value: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_counter(snapshot: *const bbsnap_snapshot, name: *const c_char, name_length: usize, found: *mut bool, value: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_fired_phases_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_fired_phases_get(snapshot: *const bbsnap_snapshot, index: usize, phase: *mut *const c_char, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_address_book_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_address_book_get(snapshot: *const bbsnap_snapshot, index: usize, peer_id: *mut *const u8, peer_id_length: *mut usize, ref_count: *mut u64, address_count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_address_book_address(snapshot: *const bbsnap_snapshot, index: usize, address: usize, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_blocklist_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_blocklist_get(snapshot: *const bbsnap_snapshot, index: usize, peer: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_allowlist_count(snapshot: *const bbsnap_snapshot, is_some: *mut bool, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_allowlist_get(snapshot: *const bbsnap_snapshot, index: usize, peer: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_health_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_health_get(snapshot: *const bbsnap_snapshot, index: usize, peer: *mut *const u8, peer_length: *mut usize, consecutive_failures: *mut u32, last_event_ns: *mut u64, down: *mut bool, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_failure_threshold(snapshot: *const bbsnap_snapshot, failure_threshold: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_backoff_table_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_backoff_table_get(snapshot: *const bbsnap_snapshot, index: usize, peer: *mut *const u8, peer_length: *mut usize, attempts: *mut u32, last_attempt_ns: *mut u64, next_retry_ns: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_outbound_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_outbound_get(snapshot: *const bbsnap_snapshot, index: usize, envelope_bytes: *mut *const u8, length: *mut usize, redelivered: *mut bool, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_peer_id_bytes(snapshot: *const bbsnap_snapshot, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_next_command_id(snapshot: *const bbsnap_snapshot, next_command_id: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_next_exec_id(snapshot: *const bbsnap_snapshot, next_exec_id: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- bus
    pub fn bbsnap_event_subscriptions_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_event_subscriptions_get(snapshot: *const bbsnap_snapshot, index: usize, event_kind: *mut *const c_char, event_kind_length: *mut usize, subscribers: *mut *const u64, subscriber_count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_subscribers(snapshot: *const bbsnap_snapshot, event_kind: *const c_char, event_kind_length: usize, found: *mut bool, subscribers: *mut *const u64, subscriber_count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- ingress
    pub fn bbsnap_ingress_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_get(snapshot: *const bbsnap_snapshot, index: usize, kind: *mut bbsnap_ingress_kind, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_envelope(snapshot: *const bbsnap_snapshot, index: usize, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_app_event(snapshot: *const bbsnap_snapshot, index: usize, module_name: *mut *const c_char, module_name_length: *mut usize, input_name: *mut *const c_char, input_name_length: *mut usize, value_bytes: *mut *const u8, value_length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_invoke(snapshot: *const bbsnap_snapshot, index: usize, module_name: *mut *const c_char, module_name_length: *mut usize, input_count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_invoke_input(snapshot: *const bbsnap_snapshot, index: usize, input: usize, name: *mut *const c_char, name_length: *mut usize, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_timer_matured(snapshot: *const bbsnap_snapshot, index: usize, at_ns: *mut u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_completion(snapshot: *const bbsnap_snapshot, index: usize, cmd_id: *mut u64, result_count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_ingress_completion_result(snapshot: *const bbsnap_snapshot, index: usize, result: usize, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- wire_states, pending_completions
    pub fn bbsnap_wire_states_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_wire_states_get(snapshot: *const bbsnap_snapshot, index: usize, component: *mut u32, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_wire_state(snapshot: *const bbsnap_snapshot, component: u32, found: *mut bool, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_completions_count(snapshot: *const bbsnap_snapshot, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_completions_get(snapshot: *const bbsnap_snapshot, index: usize, cmd_id: *mut u64, result_count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_pending_completions_result(snapshot: *const bbsnap_snapshot, index: usize, result: usize, name: *mut *const c_char, name_length: *mut usize, bytes: *mut *const u8, length: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- writing
    pub fn bbsnap_write_options_new(out: *mut *mut bbsnap_write_options, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_write_options_free(options: *mut bbsnap_write_options);
    pub fn bbsnap_write_options_set_durable(options: *mut bbsnap_write_options, durable: bool, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_write_options_set_file_mode(options: *mut bbsnap_write_options, mode: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_write_options_set_slots_per_chunk(options: *mut bbsnap_write_options, slots_per_chunk: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_create(path: *const c_char, options: *const bbsnap_write_options, out: *mut *mut bbsnap_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_free(writer: *mut bbsnap_writer);
    pub fn bbsnap_writer_finish(writer: *mut bbsnap_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_abort(writer: *mut bbsnap_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_slot(writer: *mut bbsnap_writer, site: u64, exec: u64, value: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_empty_slot(writer: *mut bbsnap_writer, site: u64, exec: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_frontier(writer: *mut bbsnap_writer, first: u64, second: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_pending_async(writer: *mut bbsnap_writer, command_id: u64, op_ref: u64, exec_id: u64, output_sites: *const u64, output_site_count: usize, has_deadline: bool, deadline_ns: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_execution_state(writer: *mut bbsnap_writer, exec_id: u64, outputs_written: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_counter(writer: *mut bbsnap_writer, name: *const c_char, name_length: usize, value: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_fired_phase(writer: *mut bbsnap_writer, phase: *const c_char, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_address_book_entry(writer: *mut bbsnap_writer, peer_id: *const c_void, peer_id_length: usize, ref_count: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_address(writer: *mut bbsnap_writer, address: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_blocklist_peer(writer: *mut bbsnap_writer, peer: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_enable_allowlist(writer: *mut bbsnap_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_allowlist_peer(writer: *mut bbsnap_writer, peer: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_health(writer: *mut bbsnap_writer, peer: *const c_void, peer_length: usize, consecutive_failures: u32, last_event_ns: u64, down: bool, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_backoff_entry(writer: *mut bbsnap_writer, peer: *const c_void, peer_length: usize, attempts: u32, last_attempt_ns: u64, next_retry_ns: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_pending_outbound(writer: *mut bbsnap_writer, envelope_bytes: *const c_void, length: usize, redelivered: bool, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_set_failure_threshold(writer: *mut bbsnap_writer, failure_threshold: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_set_peer_id_bytes(writer: *mut bbsnap_writer, bytes: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_set_next_command_id(writer: *mut bbsnap_writer, next_command_id: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_set_next_exec_id(writer: *mut bbsnap_writer, next_exec_id: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_set_spec_version(writer: *mut bbsnap_writer, spec_version: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_event_subscription(writer: *mut bbsnap_writer, event_kind: *const c_char, event_kind_length: usize, subscribers: *const u64, subscriber_count: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_envelope(writer: *mut bbsnap_writer, bytes: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_app_event(writer: *mut bbsnap_writer, module_name: *const c_char, module_name_length: usize, input_name: *const c_char, input_name_length: usize, value_bytes: *const c_void, value_length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_invoke(writer: *mut bbsnap_writer, module_name: *const c_char, module_name_length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_invoke_input(writer: *mut bbsnap_writer, name: *const c_char, name_length: usize, bytes: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_timer_matured(writer: *mut bbsnap_writer, at_ns: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_completion(writer: *mut bbsnap_writer, cmd_id: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_ingress_completion_result(writer: *mut bbsnap_writer, bytes: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_wire_state(writer: *mut bbsnap_writer, component: u32, bytes: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_pending_completion(writer: *mut bbsnap_writer, cmd_id: u64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_writer_add_pending_completion_result(writer: *mut bbsnap_writer, name: *const c_char, name_length: usize, bytes: *const c_void, length: usize, error: *mut *mut bbsnap_error) -> bbsnap_status;

    // ---- checkpoint directories
    pub fn bbsnap_generations_free(generations: *mut bbsnap_generations);
    pub fn bbsnap_generations_count(generations: *const bbsnap_generations, count: *mut usize, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_generations_get(generations: *const bbsnap_generations, index: usize, number: *mut u64, path: *mut *const c_char, path_length: *mut usize, size: *mut u64, modified_unix_ns: *mut i64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_generations_skip_reason(generations: *const bbsnap_generations, index: usize, reason: *mut *const bbsnap_error, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoints_list(dir: *const c_char, out: *mut *mut bbsnap_generations, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoints_restore_newest(dir: *const c_char, options: *const bbsnap_open_options, snapshot: *mut *mut bbsnap_snapshot, tried: *mut *mut bbsnap_generations, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_options_new(out: *mut *mut bbsnap_checkpoint_options, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_options_free(options: *mut bbsnap_checkpoint_options);
    pub fn bbsnap_checkpoint_options_set_keep(options: *mut bbsnap_checkpoint_options, keep: u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_options_set_retention(options: *mut bbsnap_checkpoint_options, retention: c_int, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_options_set_write_options(options: *mut bbsnap_checkpoint_options, write: *const bbsnap_write_options, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_writer_open(dir: *const c_char, options: *const bbsnap_checkpoint_options, out: *mut *mut bbsnap_checkpoint_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_writer_free(writer: *mut bbsnap_checkpoint_writer);
    pub fn bbsnap_checkpoint_writer_begin(writer: *mut bbsnap_checkpoint_writer, out: *mut *mut bbsnap_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_writer_commit(writer: *mut bbsnap_checkpoint_writer, generation: *mut bbsnap_writer, out: *mut *mut bbsnap_checkpoint_commit, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_commit_free(commit: *mut bbsnap_checkpoint_commit);
    pub fn bbsnap_checkpoint_commit_generation(commit: *const bbsnap_checkpoint_commit, number: *mut u64, path: *mut *const c_char, path_length: *mut usize, size: *mut u64, modified_unix_ns: *mut i64, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_commit_retention(commit: *const bbsnap_checkpoint_commit, removed: *mut *const bbsnap_generations, intact_kept: *mut u32, prune_error: *mut *const bbsnap_error, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_commit_not_ours(commit: *const bbsnap_checkpoint_commit, not_ours: *mut *const bbsnap_generations, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_writer_prune_v2(writer: *mut bbsnap_checkpoint_writer, keep: u32, removed: *mut *mut bbsnap_generations, not_ours: *mut *mut bbsnap_generations, intact_kept: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_writer_prune(writer: *mut bbsnap_checkpoint_writer, keep: u32, removed: *mut *mut bbsnap_generations, intact_kept: *mut u32, error: *mut *mut bbsnap_error) -> bbsnap_status;
    pub fn bbsnap_checkpoint_writer_wait_for_removals(writer: *mut bbsnap_checkpoint_writer, error: *mut *mut bbsnap_error) -> bbsnap_status;
}
