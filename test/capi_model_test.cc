// The C ABI (bbsnap.h) against the C++ library: a state written through C
// is the state the C++ reader reads, in the bytes write_snapshot writes
// whatever order its map entries were added in; a state the C++ writer
// wrote, and every golden file, reads through C as its model, in every
// verification mode; a damaged file's error reads the same through both; a
// checkpoint generation written through C is the file commit(state)
// writes, and restores through both. Also: the header compiles as C++
// (this file includes it).
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "bbsnap/bbsnap.h"
#include "bbsnap/checkpoints.h"
#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::random_state;
using bbsnap::testing::TempDir;

namespace {

// ---------------------------------------------------------------- calling C

// Fails the test with the call's error unless it returned BBSNAP_OK.
#define C_OK(call)                                                                              \
  do {                                                                                          \
    bbsnap_error* c_ok_error_ = nullptr;                                                        \
    const bbsnap_status c_ok_status_ = (call);                                                  \
    const std::string c_ok_text_ = bbsnap_error_to_string(c_ok_error_);                         \
    bbsnap_error_free(c_ok_error_);                                                             \
    if (c_ok_status_ != BBSNAP_OK) FAIL(#call << ": " << bbsnap_status_name(c_ok_status_) << " " << c_ok_text_); \
  } while (false)

// The error out-parameter of a call inside C_OK.
#define C_ERROR (&c_ok_error_)

// An owner of a C handle, freed whatever happens to the test.
template <typename T, void (*free_handle)(T*)>
struct Owned {
  T* handle = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { free_handle(handle); }
};
using SnapshotHandle = Owned<bbsnap_snapshot, bbsnap_snapshot_free>;
using WriterHandle = Owned<bbsnap_writer, bbsnap_writer_free>;
using OpenOptionsHandle = Owned<bbsnap_open_options, bbsnap_open_options_free>;
using WriteOptionsHandle = Owned<bbsnap_write_options, bbsnap_write_options_free>;
using CheckpointOptionsHandle = Owned<bbsnap_checkpoint_options, bbsnap_checkpoint_options_free>;
using CheckpointWriterHandle = Owned<bbsnap_checkpoint_writer, bbsnap_checkpoint_writer_free>;
using CommitHandle = Owned<bbsnap_checkpoint_commit, bbsnap_checkpoint_commit_free>;
using GenerationsHandle = Owned<bbsnap_generations, bbsnap_generations_free>;

Bytes bytes(const std::uint8_t* data, std::size_t length) { return Bytes(data, data + length); }
std::string text(const char* data, std::size_t length) { return std::string(data, length); }

// ---------------------------------------------------------------- reading through C

// The whole state, read with every iteration accessor of bbsnap.h.
TransientSnapshot read_through_c(const bbsnap_snapshot* s) {
  TransientSnapshot state;
  std::size_t count = 0, n = 0, m = 0, k = 0;
  std::uint64_t a = 0, b = 0;
  std::uint32_t u = 0;
  const std::uint8_t* data = nullptr;
  const char* name = nullptr;
  const std::uint64_t* ids = nullptr;
  bool flag = false;

  C_OK(bbsnap_slot_chunk_count(s, &count, C_ERROR));
  for (std::size_t chunk = 0; chunk < count; ++chunk) {
    C_OK(bbsnap_slot_chunk_slot_count(s, chunk, &n, C_ERROR));
    for (std::size_t i = 0; i < n; ++i) {
      bbsnap_slot_state slot{};
      C_OK(bbsnap_slot_chunk_slot(s, chunk, i, &a, &b, &slot, &data, &m, C_ERROR));
      REQUIRE(slot != BBSNAP_SLOT_MISSING);
      state.slot_table[{a, b}] = slot == BBSNAP_SLOT_VALUE ? SlotValue(bytes(data, m)) : std::nullopt;
    }
  }
  C_OK(bbsnap_frontier_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_frontier_get(s, i, &a, &b, C_ERROR));
    state.frontier.emplace_back(a, b);
  }
  C_OK(bbsnap_pending_async_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t command_id = 0, deadline = 0;
    C_OK(bbsnap_pending_async_get(s, i, &command_id, &a, &b, &ids, &n, &flag, &deadline, C_ERROR));
    PendingAsync entry{a, b, std::vector<std::uint64_t>(ids, ids + n), std::nullopt};
    if (flag) entry.deadline_ns = deadline;
    state.pending_async[command_id] = entry;
  }
  C_OK(bbsnap_execution_state_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_execution_state_get(s, i, &a, &u, C_ERROR));
    state.execution_state[a] = ExecutionState{u};
  }

  Framework& f = state.framework;
  C_OK(bbsnap_counters_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_counters_get(s, i, &name, &n, &a, C_ERROR));
    f.counters[text(name, n)] = a;
  }
  C_OK(bbsnap_fired_phases_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_fired_phases_get(s, i, &name, &n, C_ERROR));
    f.fired_phases.push_back(text(name, n));
  }
  C_OK(bbsnap_address_book_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    AddressBookEntry entry;
    C_OK(bbsnap_address_book_get(s, i, &data, &n, &entry.ref_count, &m, C_ERROR));
    entry.peer_id = bytes(data, n);
    for (std::size_t j = 0; j < m; ++j) {
      C_OK(bbsnap_address_book_address(s, i, j, &data, &n, C_ERROR));
      entry.addresses.push_back(bytes(data, n));
    }
    f.address_book.push_back(entry);
  }
  C_OK(bbsnap_blocklist_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_blocklist_get(s, i, &data, &n, C_ERROR));
    f.peer_governor.blocklist.push_back(bytes(data, n));
  }
  C_OK(bbsnap_allowlist_count(s, &flag, &count, C_ERROR));
  if (flag) f.peer_governor.allowlist.emplace();
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_allowlist_get(s, i, &data, &n, C_ERROR));
    f.peer_governor.allowlist->push_back(bytes(data, n));
  }
  C_OK(bbsnap_health_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    PeerHealth health;
    C_OK(bbsnap_health_get(s, i, &data, &n, &health.consecutive_failures, &health.last_event_ns, &health.down,
                           C_ERROR));
    health.peer = bytes(data, n);
    f.peer_governor.health.push_back(health);
  }
  C_OK(bbsnap_failure_threshold(s, &f.peer_governor.failure_threshold, C_ERROR));
  C_OK(bbsnap_backoff_table_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    BackoffEntry entry;
    C_OK(bbsnap_backoff_table_get(s, i, &data, &n, &entry.attempts, &entry.last_attempt_ns, &entry.next_retry_ns,
                                  C_ERROR));
    entry.peer = bytes(data, n);
    f.backoff_table.push_back(entry);
  }
  C_OK(bbsnap_pending_outbound_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_pending_outbound_get(s, i, &data, &n, &flag, C_ERROR));
    f.pending_outbound.push_back({bytes(data, n), flag});
  }
  C_OK(bbsnap_peer_id_bytes(s, &data, &n, C_ERROR));
  f.peer_id_bytes = bytes(data, n);
  C_OK(bbsnap_next_command_id(s, &f.next_command_id, C_ERROR));
  C_OK(bbsnap_next_exec_id(s, &f.next_exec_id, C_ERROR));
  C_OK(bbsnap_snapshot_spec_version(s, &f.spec_version, C_ERROR));

  C_OK(bbsnap_event_subscriptions_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_event_subscriptions_get(s, i, &name, &n, &ids, &m, C_ERROR));
    state.bus.event_subscriptions[text(name, n)] = std::vector<std::uint64_t>(ids, ids + m);
  }

  C_OK(bbsnap_ingress_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    bbsnap_ingress_kind kind{};
    C_OK(bbsnap_ingress_get(s, i, &kind, C_ERROR));
    switch (kind) {
      case BBSNAP_INGRESS_ENVELOPE:
        C_OK(bbsnap_ingress_envelope(s, i, &data, &n, C_ERROR));
        state.ingress.emplace_back(EnvelopeEvent{bytes(data, n)});
        break;
      case BBSNAP_INGRESS_APP_EVENT: {
        const char* input = nullptr;
        const std::uint8_t* value = nullptr;
        C_OK(bbsnap_ingress_app_event(s, i, &name, &n, &input, &m, &value, &k, C_ERROR));
        state.ingress.emplace_back(AppEvent{text(name, n), text(input, m), bytes(value, k)});
        break;
      }
      case BBSNAP_INGRESS_INVOKE: {
        InvokeEvent invoke;
        C_OK(bbsnap_ingress_invoke(s, i, &name, &n, &m, C_ERROR));
        invoke.module_name = text(name, n);
        for (std::size_t j = 0; j < m; ++j) {
          C_OK(bbsnap_ingress_invoke_input(s, i, j, &name, &n, &data, &k, C_ERROR));
          invoke.inputs.emplace_back(text(name, n), bytes(data, k));
        }
        state.ingress.emplace_back(invoke);
        break;
      }
      case BBSNAP_INGRESS_TIMER_MATURED:
        C_OK(bbsnap_ingress_timer_matured(s, i, &a, C_ERROR));
        state.ingress.emplace_back(TimerMaturedEvent{a});
        break;
      case BBSNAP_INGRESS_COMPLETION: {
        CompletionEvent completion;
        C_OK(bbsnap_ingress_completion(s, i, &completion.cmd_id, &m, C_ERROR));
        for (std::size_t j = 0; j < m; ++j) {
          C_OK(bbsnap_ingress_completion_result(s, i, j, &data, &n, C_ERROR));
          completion.results.push_back(bytes(data, n));
        }
        state.ingress.emplace_back(completion);
        break;
      }
      default: FAIL("ingress event " << i << " of unknown kind " << kind);
    }
  }
  C_OK(bbsnap_wire_states_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    C_OK(bbsnap_wire_states_get(s, i, &u, &data, &n, C_ERROR));
    state.wire_states[u] = bytes(data, n);
  }
  C_OK(bbsnap_pending_completions_count(s, &count, C_ERROR));
  for (std::size_t i = 0; i < count; ++i) {
    PendingCompletion completion;
    C_OK(bbsnap_pending_completions_get(s, i, &completion.cmd_id, &m, C_ERROR));
    for (std::size_t j = 0; j < m; ++j) {
      const std::uint8_t* payload = nullptr;
      C_OK(bbsnap_pending_completions_result(s, i, j, &name, &n, &payload, &k, C_ERROR));
      completion.results.emplace_back(text(name, n), bytes(payload, k));
    }
    state.pending_completions.push_back(completion);
  }
  return state;
}

// The state's own lookups through C agree with the model, key by key.
void check_lookups_through_c(const bbsnap_snapshot* s, const TransientSnapshot& state) {
  bool found = false;
  std::size_t n = 0;
  const std::uint8_t* data = nullptr;
  const std::uint64_t* ids = nullptr;
  for (const auto& [key, value] : state.slot_table) {
    bbsnap_slot_state slot{};
    C_OK(bbsnap_slot(s, key.site, key.exec, &slot, &data, &n, C_ERROR));
    REQUIRE(slot == (value ? BBSNAP_SLOT_VALUE : BBSNAP_SLOT_EMPTY));
    if (value) CHECK(bytes(data, n) == *value);
  }
  for (const auto& [command_id, entry] : state.pending_async) {
    std::uint64_t op_ref = 0, exec_id = 0, deadline = 0;
    bool has_deadline = false;
    C_OK(bbsnap_pending_async(s, command_id, &found, &op_ref, &exec_id, &ids, &n, &has_deadline, &deadline, C_ERROR));
    REQUIRE(found);
    CHECK(PendingAsync{op_ref, exec_id, std::vector<std::uint64_t>(ids, ids + n),
                       has_deadline ? std::optional<std::uint64_t>(deadline) : std::nullopt} == entry);
  }
  for (const auto& [exec_id, entry] : state.execution_state) {
    std::uint32_t outputs = 0;
    C_OK(bbsnap_execution_state(s, exec_id, &found, &outputs, C_ERROR));
    CHECK((found && outputs == entry.outputs_written));
  }
  for (const auto& [name, value] : state.framework.counters) {
    std::uint64_t got = 0;
    C_OK(bbsnap_counter(s, name.data(), name.size(), &found, &got, C_ERROR));
    CHECK((found && got == value));
  }
  for (const auto& [kind, subscribers] : state.bus.event_subscriptions) {
    C_OK(bbsnap_subscribers(s, kind.data(), kind.size(), &found, &ids, &n, C_ERROR));
    CHECK((found && std::vector<std::uint64_t>(ids, ids + n) == subscribers));
  }
  for (const auto& [component, wire] : state.wire_states) {
    C_OK(bbsnap_wire_state(s, component, &found, &data, &n, C_ERROR));
    CHECK((found && bytes(data, n) == wire));
  }
}

// Opens `path` through C in `verification`, accepting any spec_version.
void open_through_c(const std::string& path, int verification, SnapshotHandle& snapshot) {
  OpenOptionsHandle options;
  C_OK(bbsnap_open_options_new(&options.handle, C_ERROR));
  C_OK(bbsnap_open_options_set_verification(options.handle, verification, C_ERROR));
  C_OK(bbsnap_open_options_accept_any_spec_version(options.handle, C_ERROR));
  C_OK(bbsnap_snapshot_open(path.c_str(), options.handle, &snapshot.handle, C_ERROR));
}

// ---------------------------------------------------------------- writing through C

// Adds `state` to the C writer `w`. The fields other than the slots are
// added in an order drawn from `rng`: the entries of each map shuffled, the
// lists' elements in their order but interleaved with everything else, and
// all of it interleaved with the slots (which go in key order).
void add_through_c(bbsnap_writer* w, const TransientSnapshot& state, std::mt19937_64& rng) {
  // Queues of calls: each list is one queue (its order kept), each map
  // entry its own queue; the next call comes from a queue drawn at random.
  using Call = std::function<void()>;
  std::vector<std::deque<Call>> queues;
  auto list = [&] { return &queues.emplace_back(); };
  auto entry = [&](Call call) { queues.emplace_back().push_back(std::move(call)); };

  std::deque<Call>* slots = list();
  for (const auto& [key, value] : state.slot_table) {
    slots->push_back([&, key = key, value = &value] {
      if (*value) {
        C_OK(bbsnap_writer_add_slot(w, key.site, key.exec, (*value)->data(), (*value)->size(), C_ERROR));
      } else {
        C_OK(bbsnap_writer_add_empty_slot(w, key.site, key.exec, C_ERROR));
      }
    });
  }
  std::deque<Call>* frontier = list();
  for (const auto& [first, second] : state.frontier) {
    frontier->push_back([&, first = first, second = second] { C_OK(bbsnap_writer_add_frontier(w, first, second, C_ERROR)); });
  }
  for (const auto& [command_id, e] : state.pending_async) {
    entry([&, command_id = command_id, e = &e] {
      C_OK(bbsnap_writer_add_pending_async(w, command_id, e->op_ref, e->exec_id, e->output_sites.data(),
                                           e->output_sites.size(), e->deadline_ns.has_value(),
                                           e->deadline_ns.value_or(0), C_ERROR));
    });
  }
  for (const auto& [exec_id, e] : state.execution_state) {
    entry([&, exec_id = exec_id, e = e] { C_OK(bbsnap_writer_add_execution_state(w, exec_id, e.outputs_written, C_ERROR)); });
  }
  const Framework& f = state.framework;
  for (const auto& [name, value] : f.counters) {
    entry([&, name = &name, value = value] { C_OK(bbsnap_writer_add_counter(w, name->data(), name->size(), value, C_ERROR)); });
  }
  std::deque<Call>* phases = list();
  for (const std::string& phase : f.fired_phases) {
    phases->push_back([&, phase = &phase] { C_OK(bbsnap_writer_add_fired_phase(w, phase->data(), phase->size(), C_ERROR)); });
  }
  std::deque<Call>* book = list();
  for (const AddressBookEntry& e : f.address_book) {
    book->push_back([&, e = &e] {
      C_OK(bbsnap_writer_add_address_book_entry(w, e->peer_id.data(), e->peer_id.size(), e->ref_count, C_ERROR));
      for (const Bytes& address : e->addresses) C_OK(bbsnap_writer_add_address(w, address.data(), address.size(), C_ERROR));
    });
  }
  std::deque<Call>* blocklist = list();
  for (const Bytes& peer : f.peer_governor.blocklist) {
    blocklist->push_back([&, peer = &peer] { C_OK(bbsnap_writer_add_blocklist_peer(w, peer->data(), peer->size(), C_ERROR)); });
  }
  if (f.peer_governor.allowlist) {
    std::deque<Call>* allowlist = list();
    allowlist->push_back([&] { C_OK(bbsnap_writer_enable_allowlist(w, C_ERROR)); });
    for (const Bytes& peer : *f.peer_governor.allowlist) {
      allowlist->push_back([&, peer = &peer] { C_OK(bbsnap_writer_add_allowlist_peer(w, peer->data(), peer->size(), C_ERROR)); });
    }
  }
  std::deque<Call>* health = list();
  for (const PeerHealth& h : f.peer_governor.health) {
    health->push_back([&, h = &h] {
      C_OK(bbsnap_writer_add_health(w, h->peer.data(), h->peer.size(), h->consecutive_failures, h->last_event_ns,
                                    h->down, C_ERROR));
    });
  }
  entry([&] { C_OK(bbsnap_writer_set_failure_threshold(w, f.peer_governor.failure_threshold, C_ERROR)); });
  std::deque<Call>* backoff = list();
  for (const BackoffEntry& e : f.backoff_table) {
    backoff->push_back([&, e = &e] {
      C_OK(bbsnap_writer_add_backoff_entry(w, e->peer.data(), e->peer.size(), e->attempts, e->last_attempt_ns,
                                           e->next_retry_ns, C_ERROR));
    });
  }
  std::deque<Call>* outbound = list();
  for (const PendingOutbound& e : f.pending_outbound) {
    outbound->push_back([&, e = &e] {
      C_OK(bbsnap_writer_add_pending_outbound(w, e->envelope_bytes.data(), e->envelope_bytes.size(), e->redelivered,
                                              C_ERROR));
    });
  }
  entry([&] { C_OK(bbsnap_writer_set_peer_id_bytes(w, f.peer_id_bytes.data(), f.peer_id_bytes.size(), C_ERROR)); });
  entry([&] { C_OK(bbsnap_writer_set_next_command_id(w, f.next_command_id, C_ERROR)); });
  entry([&] { C_OK(bbsnap_writer_set_next_exec_id(w, f.next_exec_id, C_ERROR)); });
  entry([&] { C_OK(bbsnap_writer_set_spec_version(w, f.spec_version, C_ERROR)); });
  for (const auto& [kind, subscribers] : state.bus.event_subscriptions) {
    entry([&, kind = &kind, subscribers = &subscribers] {
      C_OK(bbsnap_writer_add_event_subscription(w, kind->data(), kind->size(), subscribers->data(), subscribers->size(),
                                                C_ERROR));
    });
  }
  std::deque<Call>* ingress = list();
  for (const IngressEvent& event : state.ingress) {
    ingress->push_back([&, event = &event] {
      if (const auto* e = std::get_if<EnvelopeEvent>(event)) {
        C_OK(bbsnap_writer_add_ingress_envelope(w, e->bytes.data(), e->bytes.size(), C_ERROR));
      } else if (const auto* e = std::get_if<AppEvent>(event)) {
        C_OK(bbsnap_writer_add_ingress_app_event(w, e->module_name.data(), e->module_name.size(), e->input_name.data(),
                                                 e->input_name.size(), e->value_bytes.data(), e->value_bytes.size(),
                                                 C_ERROR));
      } else if (const auto* e = std::get_if<InvokeEvent>(event)) {
        C_OK(bbsnap_writer_add_ingress_invoke(w, e->module_name.data(), e->module_name.size(), C_ERROR));
        for (const auto& [name, data] : e->inputs) {
          C_OK(bbsnap_writer_add_ingress_invoke_input(w, name.data(), name.size(), data.data(), data.size(), C_ERROR));
        }
      } else if (const auto* e = std::get_if<TimerMaturedEvent>(event)) {
        C_OK(bbsnap_writer_add_ingress_timer_matured(w, e->at_ns, C_ERROR));
      } else if (const auto* e = std::get_if<CompletionEvent>(event)) {
        C_OK(bbsnap_writer_add_ingress_completion(w, e->cmd_id, C_ERROR));
        for (const Bytes& result : e->results) {
          C_OK(bbsnap_writer_add_ingress_completion_result(w, result.data(), result.size(), C_ERROR));
        }
      }
    });
  }
  for (const auto& [component, data] : state.wire_states) {
    entry([&, component = component, data = &data] {
      C_OK(bbsnap_writer_add_wire_state(w, component, data->data(), data->size(), C_ERROR));
    });
  }
  std::deque<Call>* completions = list();
  for (const PendingCompletion& completion : state.pending_completions) {
    completions->push_back([&, completion = &completion] {
      C_OK(bbsnap_writer_add_pending_completion(w, completion->cmd_id, C_ERROR));
      for (const auto& [name, data] : completion->results) {
        C_OK(bbsnap_writer_add_pending_completion_result(w, name.data(), name.size(), data.data(), data.size(),
                                                         C_ERROR));
      }
    });
  }

  for (;;) {
    std::vector<std::deque<Call>*> waiting;
    for (auto& queue : queues) {
      if (!queue.empty()) waiting.push_back(&queue);
    }
    if (waiting.empty()) break;
    std::deque<Call>* next = waiting[rng() % waiting.size()];
    next->front()();
    next->pop_front();
  }
}

// Writes `state` to `path` through the C writer (add_through_c).
void write_through_c(const std::string& path, const TransientSnapshot& state, std::uint32_t slots_per_chunk,
                     std::mt19937_64& rng) {
  WriteOptionsHandle options;
  C_OK(bbsnap_write_options_new(&options.handle, C_ERROR));
  C_OK(bbsnap_write_options_set_durable(options.handle, false, C_ERROR));
  C_OK(bbsnap_write_options_set_slots_per_chunk(options.handle, slots_per_chunk, C_ERROR));
  WriterHandle writer;
  C_OK(bbsnap_writer_create(path.c_str(), options.handle, &writer.handle, C_ERROR));
  add_through_c(writer.handle, state, rng);
  C_OK(bbsnap_writer_finish(writer.handle, C_ERROR));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("capi: a state written through C is write_snapshot's bytes, in any order of adds", "[capi]") {
  TempDir dir;
  const std::string through_c = dir.file("c.bbsnap");
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    INFO("seed " << seed);
    const TransientSnapshot state = random_state(seed);
    const std::uint32_t slots_per_chunk = seed % 3 == 0 ? 1 + static_cast<std::uint32_t>(seed % 7) : 1024;
    Result<AlignedBuffer> expected = encode_snapshot(state, {.slots_per_chunk = slots_per_chunk});
    REQUIRE_OK(expected);
    for (std::uint64_t order = 0; order < 2; ++order) {
      std::mt19937_64 rng(seed * 2 + order);
      write_through_c(through_c, state, slots_per_chunk, rng);
      const std::vector<std::uint8_t> written = bbsnap::testing::read_file(through_c);
      REQUIRE(written == std::vector<std::uint8_t>(expected->span().begin(), expected->span().end()));
    }
    // ... which the C++ reader reads as the state.
    Result<Snapshot> snapshot = Snapshot::open(through_c, {.expected_spec_version = std::nullopt});
    REQUIRE_OK(snapshot);
    Result<TransientSnapshot> model = snapshot->to_model();
    REQUIRE_OK(model);
    CHECK(*model == state);
  }
  CHECK(dir.entries() == std::vector<std::string>{"c.bbsnap"});
}

TEST_CASE("capi: checkpoint generations written through C are commit(state)'s, and restore through C and C++",
          "[capi][checkpoints]") {
  TempDir dir;
  const std::uint32_t keep = 2;
  CheckpointOptionsHandle options;
  C_OK(bbsnap_checkpoint_options_new(&options.handle, C_ERROR));
  C_OK(bbsnap_checkpoint_options_set_keep(options.handle, keep, C_ERROR));
  WriteOptionsHandle write;
  C_OK(bbsnap_write_options_new(&write.handle, C_ERROR));
  C_OK(bbsnap_write_options_set_durable(write.handle, false, C_ERROR));
  C_OK(bbsnap_checkpoint_options_set_write_options(options.handle, write.handle, C_ERROR));
  CheckpointWriterHandle writer;
  C_OK(bbsnap_checkpoint_writer_open(dir.path().c_str(), options.handle, &writer.handle, C_ERROR));
  OpenOptionsHandle any_spec_version;
  C_OK(bbsnap_open_options_new(&any_spec_version.handle, C_ERROR));
  C_OK(bbsnap_open_options_accept_any_spec_version(any_spec_version.handle, C_ERROR));

  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    const TransientSnapshot state = random_state(seed);
    std::mt19937_64 rng(seed);
    CommitHandle commit;
    {
      WriterHandle generation;
      C_OK(bbsnap_checkpoint_writer_begin(writer.handle, &generation.handle, C_ERROR));
      add_through_c(generation.handle, state, rng);
      C_OK(bbsnap_checkpoint_writer_commit(writer.handle, generation.handle, &commit.handle, C_ERROR));
    }
    std::uint64_t number = 0, size = 0;
    const char* path = nullptr;
    std::size_t path_length = 0;
    std::int64_t modified = 0;
    C_OK(bbsnap_checkpoint_commit_generation(commit.handle, &number, &path, &path_length, &size, &modified, C_ERROR));
    CHECK(number == seed + 1);
    CHECK(text(path, path_length) == dir.file(generation_file_name(seed + 1)));
    Result<AlignedBuffer> expected = encode_snapshot(state);
    REQUIRE_OK(expected);
    CHECK(bbsnap::testing::read_file(text(path, path_length)) ==
          std::vector<std::uint8_t>(expected->span().begin(), expected->span().end()));

    // The newest generation, through C ...
    SnapshotHandle restored;
    GenerationsHandle tried;
    C_OK(bbsnap_checkpoints_restore_newest(dir.path().c_str(), any_spec_version.handle, &restored.handle,
                                           &tried.handle, C_ERROR));
    REQUIRE(restored.handle != nullptr);
    CHECK(read_through_c(restored.handle) == state);
    std::size_t count = 0;
    C_OK(bbsnap_generations_count(tried.handle, &count, C_ERROR));
    CHECK(count == 1);
    // ... and through C++.
    Result<std::optional<RestoredGeneration>> through_cpp =
        restore_newest(dir.path().string(), {.expected_spec_version = std::nullopt});
    REQUIRE_OK(through_cpp);
    REQUIRE(through_cpp->has_value());
    CHECK((*through_cpp)->generation.number == seed + 1);
    Result<TransientSnapshot> model = (*through_cpp)->snapshot.to_model();
    REQUIRE_OK(model);
    CHECK(*model == state);
  }
  Result<std::vector<Generation>> listed = list_generations(dir.path().string());
  REQUIRE_OK(listed);
  CHECK(listed->size() == keep);
}

TEST_CASE("capi: a state the C++ writer wrote reads through C as itself, in every mode", "[capi]") {
  TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    INFO("seed " << seed);
    const TransientSnapshot state = random_state(seed);
    REQUIRE_OK(write_snapshot(path, state, {.durable = false, .slots_per_chunk = 1 + static_cast<std::uint32_t>(seed % 5)}));
    for (int mode : {BBSNAP_VERIFY_FULL, BBSNAP_VERIFY_LAZY, BBSNAP_VERIFY_TRUSTED}) {
      INFO("verification " << mode);
      SnapshotHandle snapshot;
      open_through_c(path, mode, snapshot);
      CHECK(read_through_c(snapshot.handle) == state);
      check_lookups_through_c(snapshot.handle, state);
    }
  }
}

TEST_CASE("capi: every golden file reads through C as its JSON", "[capi]") {
  const std::filesystem::path golden = BBSNAP_GOLDEN_DIR;
  std::size_t files = 0;
  for (const auto& set : std::filesystem::directory_iterator(golden)) {
    if (!set.is_directory()) continue;
    for (const auto& document : std::filesystem::directory_iterator(set.path())) {
      if (document.path().extension() != ".json") continue;
      INFO(document.path().string());
      Result<TransientSnapshot> state = json::parse_state(read_text(document.path()));
      REQUIRE_OK(state);
      std::filesystem::path snapshot_path = document.path();
      snapshot_path.replace_extension(".bbsnap");
      for (int mode : {BBSNAP_VERIFY_FULL, BBSNAP_VERIFY_LAZY}) {
        SnapshotHandle snapshot;
        open_through_c(snapshot_path.string(), mode, snapshot);
        CHECK(read_through_c(snapshot.handle) == *state);
        check_lookups_through_c(snapshot.handle, *state);
      }
      ++files;
    }
  }
  CHECK(files >= 6);  // v1 and v2: empty, full, random
}

TEST_CASE("capi: a damaged file's error is the C++ reader's, field by field", "[capi]") {
  Result<AlignedBuffer> good = encode_snapshot(bbsnap::testing::full_example_state());
  REQUIRE_OK(good);
  const std::span<const std::uint8_t> file = good->span();
  std::size_t compared = 0;
  for (std::size_t offset = 0; offset < file.size(); offset += 37) {
    AlignedBuffer damaged = bbsnap::testing::with_flipped_byte(file, offset);
    for (int mode : {BBSNAP_VERIFY_FULL, BBSNAP_VERIFY_LAZY}) {
      const OpenOptions options{.verification = mode == BBSNAP_VERIFY_FULL ? Verification::full : Verification::lazy};
      Result<Snapshot> cpp = Snapshot::from_bytes(damaged.span(), options);
      OpenOptionsHandle c_options;
      C_OK(bbsnap_open_options_new(&c_options.handle, C_ERROR));
      C_OK(bbsnap_open_options_set_verification(c_options.handle, mode, C_ERROR));
      SnapshotHandle c;
      bbsnap_error* error = nullptr;
      const bbsnap_status status =
          bbsnap_snapshot_open_bytes(damaged.data(), damaged.size(), c_options.handle, &c.handle, &error);
      REQUIRE(cpp.ok() == (status == BBSNAP_OK));
      if (cpp.ok()) continue;  // lazy mode: the damage is in a section not checked at open
      INFO("byte " << offset << " flipped: " << cpp.error().to_string());
      CHECK(static_cast<int>(status) == static_cast<int>(cpp.error().code) + 1);
      CHECK(bbsnap_error_code(error) == status);
      CHECK(bbsnap_error_section(error) == cpp.error().section);
      CHECK(bbsnap_error_offset(error) == cpp.error().offset);
      CHECK(bbsnap_error_message(error) == cpp.error().message);
      CHECK(bbsnap_error_stored(error) == cpp.error().stored);
      CHECK(bbsnap_error_computed(error) == cpp.error().computed);
      CHECK(bbsnap_error_to_string(error) == cpp.error().to_string());
      CHECK(std::string(bbsnap_status_name(status)) == std::string(to_string(cpp.error().code)));
      bbsnap_error_free(error);
      ++compared;
    }
  }
  CHECK(compared > 20);
}

TEST_CASE("capi: section kind names are format.h's", "[capi]") {
  for (std::uint32_t kind = 0; kind <= format::kMaxKnownKind + 2; ++kind) {
    const char* name = bbsnap_section_kind_name(kind);
    if (format::is_known_kind(kind)) {
      REQUIRE(name != nullptr);
      CHECK(std::string(name) == format::section_kind_name(kind));
    } else {
      CHECK(name == nullptr);
    }
  }
  CHECK(BBSNAP_CURRENT_SPEC_VERSION == kCurrentSpecVersion);
  CHECK(BBSNAP_NO_OFFSET == kNoOffset);
}
