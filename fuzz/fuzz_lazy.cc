// fuzz_lazy: a file and a script of accesses, run on a lazily opened
// Snapshot.
//
// Input layout (FuzzedDataProvider: integers are taken from the end, bytes
// from the front):
//   [ file bytes ... ][ script bytes, read backwards ][ script length L ]
// The last byte is L; the L bytes before it are the script; everything before
// them is the file. The script's first byte holds flags:
//   bit 0   reseal every checksum (fuzz_support.h) before opening
//   bit 1   then damage one byte (position and mask from the script), so
//           that one section (or the header, or the table) is damaged in an
//           otherwise consistent file
//   bits 2-3 threads for the full-verification comparison (1..4)
// and the rest is a list of operations (section views, slot chunks, slot
// values, lookups by key from pools of keys seen so far or raw keys,
// to_model, check_section, ...).
//
// Every access must return a value or an error (never crash, under ASan and
// UBSan); run twice on the same Snapshot the script gives the same results
// (a damaged section is reported alike on every access); and compared with
// full verification:
//   - a file lazy mode refuses at open is refused by full mode too (with the
//     same error, unless lazy mode blamed the framework section, which full
//     mode may reach after another damaged section);
//   - when full mode accepts, lazy mode accepts, every access succeeds and
//     returns exactly what the same access returns in full mode (and in
//     trusted mode);
//   - full mode reports the same error with 1 thread and with N;
//   - when lazy mode finds every section and every slot value intact, full
//     mode accepts the file, or refuses it only for nonzero padding between
//     slot values (the one thing lazy mode does not check).
// clang's header; a g++ build names it by its path in clang's resource directory.
#ifdef BBSNAP_FDP_HEADER
#include BBSNAP_FDP_HEADER
#else
#include <fuzzer/FuzzedDataProvider.h>
#endif

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "fuzz_support.h"

using namespace bbsnap;
using bbsnap::fuzz::describe;
using bbsnap::fuzz::Digest;
using bbsnap::fuzz::same_error;

namespace {

struct Outcome {
  bool ok = true;
  std::uint64_t digest = 0;
  Error error;
};

bool same(const Outcome& a, const Outcome& b) {
  if (a.ok != b.ok) return false;
  return a.ok ? a.digest == b.digest : same_error(a.error, b.error);
}

std::string show(const Outcome& o) {
  return o.ok ? "ok (digest " + std::to_string(o.digest) + ")" : "error " + describe(o.error);
}

// Keys seen so far by the script's own accesses (the same in every mode
// where those accesses succeed).
struct Pools {
  std::vector<SlotKey> slots;
  std::vector<std::uint64_t> ids;
  std::vector<std::uint32_t> components;
  std::vector<std::string> names;
};

enum class Op : std::uint8_t {
  framework,
  bus,
  ingress,
  pending_completions,
  frontier,
  pending_async_table,
  execution_state_table,
  wire_states,
  slot_chunk,
  slot_value,
  slot,
  pending_async,
  execution_state,
  wire_state,
  counter,
  subscribers,
  to_model,
  check_section,
  container,
  kMaxValue = container,  // for FuzzedDataProvider::ConsumeEnum
};

class Script {
 public:
  explicit Script(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}

  // Runs every operation on `s`; one outcome per operation.
  std::vector<Outcome> run(const Snapshot& s) const {
    FuzzedDataProvider in(bytes_.data(), bytes_.size());
    Pools pools;
    std::vector<Outcome> out;
    while (in.remaining_bytes() > 0) out.push_back(step(s, in, pools));
    return out;
  }

 private:
  template <typename T>
  static Outcome view(Result<const T*> r) {
    Outcome o;
    if (!r) {
      o.ok = false;
      o.error = std::move(r).error();
      return o;
    }
    FUZZ_CHECK(*r != nullptr, "a view is null");
    Digest d;
    fuzz::walk(d, **r);
    o.digest = d.value();
    return o;
  }

  template <typename T>
  static Outcome fail(Result<T> r) {
    Outcome o;
    o.ok = false;
    o.error = std::move(r).error();
    return o;
  }

  static std::uint64_t pick_id(FuzzedDataProvider& in, const std::vector<std::uint64_t>& pool) {
    if (!pool.empty() && in.ConsumeBool()) return pool[in.ConsumeIntegralInRange<std::size_t>(0, pool.size() - 1)];
    return in.ConsumeIntegral<std::uint64_t>();
  }

  static std::string pick_name(FuzzedDataProvider& in, const std::vector<std::string>& pool) {
    if (!pool.empty() && in.ConsumeBool()) return pool[in.ConsumeIntegralInRange<std::size_t>(0, pool.size() - 1)];
    std::string name;
    for (std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 8); n > 0; --n) {
      name.push_back(static_cast<char>(in.ConsumeIntegral<std::uint8_t>()));
    }
    return name;
  }

  static Outcome step(const Snapshot& s, FuzzedDataProvider& in, Pools& pools) {
    switch (in.ConsumeEnum<Op>()) {
      case Op::framework: {
        auto r = s.framework();
        if (r && (*r)->counters()) {
          for (const fb::Counter* c : *(*r)->counters()) pools.names.emplace_back(as_view(c->name()));
        }
        return view(std::move(r));
      }
      case Op::bus: {
        auto r = s.bus();
        if (r && (*r)->event_subscriptions()) {
          for (const fb::EventSubscription* e : *(*r)->event_subscriptions()) {
            pools.names.emplace_back(as_view(e->event_kind()));
          }
        }
        return view(std::move(r));
      }
      case Op::ingress: return view(s.ingress());
      case Op::pending_completions: return view(s.pending_completions());
      case Op::frontier: return view(s.frontier());
      case Op::pending_async_table: {
        auto r = s.pending_async_table();
        if (r && (*r)->entries()) {
          for (const fb::PendingAsyncEntry* e : *(*r)->entries()) pools.ids.push_back(e->command_id());
        }
        return view(std::move(r));
      }
      case Op::execution_state_table: {
        auto r = s.execution_state_table();
        if (r && (*r)->entries()) {
          for (const fb::ExecutionStateEntry* e : *(*r)->entries()) pools.ids.push_back(e->exec_id());
        }
        return view(std::move(r));
      }
      case Op::wire_states: {
        auto r = s.wire_states();
        if (r && (*r)->entries()) {
          for (const fb::WireState* e : *(*r)->entries()) pools.components.push_back(e->component());
        }
        return view(std::move(r));
      }
      case Op::slot_chunk: {
        // One past the last chunk too: must be refused, not read.
        auto chunk = in.ConsumeIntegralInRange<std::uint32_t>(0, s.slot_chunk_count());
        Digest d;
        Status st = fuzz::walk_chunk(s, chunk, d, /*strict=*/false);
        if (st) {
          for (const fb::SlotEntry* e : *(*s.slot_chunk(chunk))->slots()) pools.slots.push_back({e->site(), e->exec()});
        } else if (chunk == s.slot_chunk_count()) {
          FUZZ_CHECK(st.error().code == ErrorCode::invalid_argument, "slot_chunk() past the end: " + describe(st.error()));
        }
        return st ? Outcome{true, d.value(), {}} : Outcome{false, 0, st.error()};
      }
      case Op::slot_value: {
        // One entry of one chunk, by index.
        if (s.slot_chunk_count() == 0) return Outcome{true, 1, {}};
        auto chunk = in.ConsumeIntegralInRange<std::uint32_t>(0, s.slot_chunk_count() - 1);
        auto root = s.slot_chunk(chunk);
        if (!root) return fail(std::move(root));
        const auto* slots = (*root)->slots();
        const fb::SlotEntry* e = slots->Get(in.ConsumeIntegralInRange<flatbuffers::uoffset_t>(0, slots->size() - 1));
        Result<SlotLookup> v = s.slot_value(chunk, *e);
        if (!v) return fail(std::move(v));
        Digest d;
        d.add(static_cast<std::uint64_t>(v->state));
        d.add(v->value);
        return Outcome{true, d.value(), {}};
      }
      case Op::slot: {
        SlotKey key;
        if (!pools.slots.empty() && in.ConsumeBool()) {
          key = pools.slots[in.ConsumeIntegralInRange<std::size_t>(0, pools.slots.size() - 1)];
          key.exec += in.ConsumeIntegralInRange<int>(-1, 1);  // a neighbour, sometimes
        } else {
          key = {in.ConsumeIntegral<std::uint64_t>(), in.ConsumeIntegral<std::uint64_t>()};
        }
        Result<SlotLookup> v = s.slot(key);
        if (!v) return fail(std::move(v));
        FUZZ_CHECK(v->state == SlotLookup::State::value || v->value.empty(), "a missing or empty slot with bytes");
        Digest d;
        d.add(static_cast<std::uint64_t>(v->state));
        d.add(v->value);
        return Outcome{true, d.value(), {}};
      }
      case Op::pending_async: {
        auto r = s.pending_async(pick_id(in, pools.ids));
        if (!r) return fail(std::move(r));
        Digest d;
        if (const fb::PendingAsyncEntry* e = *r) {
          d.add(e->command_id());
          d.add(e->op_ref());
          d.add(e->exec_id());
          if (e->output_sites()) {
            for (std::uint64_t site : *e->output_sites()) d.add(site);
          }
          d.add(e->deadline_ns().value_or(~std::uint64_t{0}));
        }
        return Outcome{true, d.value(), {}};
      }
      case Op::execution_state: {
        auto r = s.execution_state(pick_id(in, pools.ids));
        if (!r) return fail(std::move(r));
        return Outcome{true, r->has_value() ? std::uint64_t{**r} : ~std::uint64_t{0}, {}};
      }
      case Op::wire_state: {
        std::uint32_t component = !pools.components.empty() && in.ConsumeBool()
                                      ? pools.components[in.ConsumeIntegralInRange<std::size_t>(0, pools.components.size() - 1)]
                                      : in.ConsumeIntegral<std::uint32_t>();
        auto r = s.wire_state(component);
        if (!r) return fail(std::move(r));
        Digest d;
        d.add(r->has_value());
        if (*r) d.add(**r);
        return Outcome{true, d.value(), {}};
      }
      case Op::counter: {
        auto r = s.counter(pick_name(in, pools.names));
        if (!r) return fail(std::move(r));
        return Outcome{true, r->has_value() ? **r : 0x5eed, {}};
      }
      case Op::subscribers: {
        auto r = s.subscribers(pick_name(in, pools.names));
        if (!r) return fail(std::move(r));
        Digest d;
        d.add(r->has_value());
        if (*r) {
          for (std::uint64_t site : **r) d.add(site);
        }
        return Outcome{true, d.value(), {}};
      }
      case Op::to_model: {
        auto m = s.to_model();
        if (!m) return fail(std::move(m));
        // The canonical encoding of the model is its digest.
        Result<AlignedBuffer> bytes = encode_snapshot(*m);
        FUZZ_CHECK(bytes.ok(), "encode_snapshot() refused a restored model");
        Digest d;
        d.add(bytes->span());
        return Outcome{true, d.value(), {}};
      }
      case Op::check_section: {
        auto index = in.ConsumeIntegralInRange<std::uint32_t>(0, static_cast<std::uint32_t>(s.sections().size()));
        Status st = s.check_section(index);
        if (index == s.sections().size()) {
          FUZZ_CHECK(!st.ok() && st.error().code == ErrorCode::invalid_argument, "check_section() past the end");
        }
        return st ? Outcome{true, index, {}} : Outcome{false, 0, st.error()};
      }
      case Op::container: {
        Digest d;
        d.add(s.header().section_count);
        d.add(s.sections().size());
        d.add(s.bytes().size());
        d.add(s.spec_version());
        d.add(s.slot_chunk_count());
        return Outcome{true, d.value(), {}};
      }
    }
    return Outcome{};
  }

  std::vector<std::uint8_t> bytes_;
};

Result<Snapshot> open(std::span<const std::uint8_t> file, Verification mode, std::uint32_t spec, unsigned threads = 1) {
  OpenOptions options;
  options.verification = mode;
  options.expected_spec_version = spec;
  options.threads = threads;
  options.bytes_per_thread = 0;  // inputs are small: threads regardless
  return Snapshot::from_bytes(file, options);
}

void compare(const std::vector<Outcome>& got, const std::vector<Outcome>& want, const char* what) {
  FUZZ_CHECK(got.size() == want.size(), what);
  for (std::size_t i = 0; i < got.size(); ++i) {
    FUZZ_CHECK(same(got[i], want[i]),
               std::string(what) + ": operation " + std::to_string(i) + ": " + show(got[i]) + " vs " + show(want[i]));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  auto script_length = in.ConsumeIntegral<std::uint8_t>();
  std::size_t file_length = in.remaining_bytes() - std::min<std::size_t>(script_length, in.remaining_bytes());
  fuzz::Input file(in.ConsumeBytes<std::uint8_t>(file_length));
  auto flags = in.ConsumeIntegral<std::uint8_t>();
  if (flags & 1) fuzz::reseal(file.span());
  if ((flags & 2) && !file.span().empty()) {
    std::size_t at = in.ConsumeIntegral<std::uint32_t>() % file.span().size();
    file.span()[at] ^= in.ConsumeIntegralInRange<std::uint8_t>(1, 255);
  }
  unsigned threads = 1 + ((flags >> 2) & 3);
  Script script(in.ConsumeRemainingBytes<std::uint8_t>());
  if (fuzz::known_bug(file.span())) return 0;

  std::uint32_t spec = kCurrentSpecVersion;
  Result<Snapshot> lazy = fuzz::open_any_spec(file.span(), OpenOptions{.verification = Verification::lazy}, &spec);
  Result<Snapshot> full = open(file.span(), Verification::full, spec);
  if (threads > 1) {
    Result<Snapshot> parallel = open(file.span(), Verification::full, spec, threads);
    FUZZ_CHECK(parallel.ok() == full.ok(), "full verification on 1 thread and on several disagree");
    if (!full) {
      FUZZ_CHECK(same_error(parallel.error(), full.error()),
                 "full verification on 1 and " + std::to_string(threads) + " threads reports different errors: " +
                     describe(full.error()) + " vs " + describe(parallel.error()));
    }
  }

  if (!lazy) {
    FUZZ_CHECK(!full.ok(), "full verification accepts a file lazy mode refuses at open: " + describe(lazy.error()));
    if (lazy.error().section != "framework") {
      FUZZ_CHECK(same_error(lazy.error(), full.error()),
                 "lazy and full open refuse for different reasons: " + describe(lazy.error()) + " vs " +
                     describe(full.error()));
    }
    return 0;
  }

  // Twice on the same snapshot: the first run checks sections, the second
  // finds them checked (or damaged still) and must see the same.
  std::vector<Outcome> first = script.run(*lazy);
  std::vector<Outcome> second = script.run(*lazy);
  compare(second, first, "a second run of the script on the same lazy snapshot differs");

  if (full) {
    compare(first, script.run(*full), "lazy mode differs from full mode on a file full mode accepts");
    Result<Snapshot> trusted = open(file.span(), Verification::trusted, spec);
    FUZZ_CHECK(trusted.ok(), "trusted mode refuses a file full mode accepts: " + describe(trusted.error()));
    compare(script.run(*trusted), first, "trusted mode differs from lazy mode on a file full mode accepts");
  }

  // Epilogue: everything, lazily.
  bool intact = true, whole = true;
  for (std::uint32_t i = 0; i < lazy->sections().size(); ++i) {
    intact = intact && lazy->check_section(i).ok();
    whole = whole && lazy->check_section_fully(i).ok();
  }
  FUZZ_CHECK(whole == full.ok(), full.ok() ? "check_section_fully() fails in lazy mode on a file full mode accepts"
                                           : "check_section_fully() passes every section of a file full mode refuses: " +
                                                 describe(full.error()));
  Result<TransientSnapshot> model = lazy->to_model();
  if (full) {
    FUZZ_CHECK(intact, "check_section() fails in lazy mode on a file full mode accepts");
    FUZZ_CHECK(model.ok(), "lazy to_model() fails on a file full mode accepts: " + describe(model.error()));
    Result<TransientSnapshot> full_model = full->to_model();
    FUZZ_CHECK(full_model.ok() && *full_model == *model, "lazy and full to_model() differ");
  } else if (intact && model.ok()) {
    FUZZ_CHECK(full.error().code == ErrorCode::nonzero_padding && full.error().section.starts_with("slot_chunk["),
               "every section and value is intact in lazy mode, yet full mode refuses: " + describe(full.error()));
  }
  return 0;
}
