// Upper bounds of encoded metadata sizes (see encode.h), by the layout
// FlatBuffers' builder gives. A table of n fields costs at most: its fields,
// 8 bytes each (flatc's Create functions add them largest first, so padding
// between them stays within that), its soffset and alignment padding (4 + 7
// + 4), its own vtable (4 + 2n, and 2 of padding; shared vtables make it
// less) and the 4-byte offset that refers to it from its parent. A string
// or byte vector costs its length prefix, terminator, reference and up to 15
// bytes of alignment padding. test/size_bound_test.cc checks both that the
// bounds hold and that they stay within 4x of the truth for small elements.
#include <numeric>

#include "state/encode.h"

namespace bbsnap::encode {
namespace {

constexpr std::uint64_t table(std::uint64_t fields) { return 25 + 10 * fields; }
constexpr std::uint64_t kBlob = 4 + 1 + 4 + 15;
constexpr std::uint64_t kRoot = 64;

// Field counts of the schema's tables (schema/bbsnap.fbs); a union is two
// fields (its type and its value).
constexpr std::uint64_t kBytes = table(1), kNamedBytes = table(2), kCounter = table(2), kAddressBookEntry = table(3),
                        kPeerHealth = table(4), kPeerGovernor = table(4), kBackoffEntry = table(4),
                        kPendingOutbound = table(2), kFramework = table(10), kEventSubscription = table(2),
                        kIngressItem = table(2), kEventTable = table(3), kPendingCompletion = table(2),
                        kPendingAsyncEntry = table(5), kWireState = table(2);

std::uint64_t blob(std::uint64_t size) { return kBlob + size; }

std::uint64_t bytes_list(const std::vector<Bytes>& list) {
  std::uint64_t total = kBlob;
  for (const Bytes& b : list) total += kBytes + blob(b.size());
  return total;
}

std::uint64_t named_list(const std::vector<NamedBytes>& list) {
  std::uint64_t total = kBlob;
  for (const auto& [name, data] : list) total += kNamedBytes + blob(name.size()) + blob(data.size());
  return total;
}

std::uint64_t framework(const Framework& f) {
  std::uint64_t total = kRoot + kFramework + blob(f.peer_id_bytes.size()) + kPeerGovernor;
  for (const auto& [name, value] : f.counters) total += kCounter + blob(name.size());
  for (const std::string& phase : f.fired_phases) total += blob(phase.size());
  for (const AddressBookEntry& e : f.address_book) total += kAddressBookEntry + blob(e.peer_id.size()) + bytes_list(e.addresses);
  total += bytes_list(f.peer_governor.blocklist);
  if (f.peer_governor.allowlist) total += bytes_list(*f.peer_governor.allowlist);
  for (const PeerHealth& h : f.peer_governor.health) total += kPeerHealth + blob(h.peer.size());
  for (const BackoffEntry& e : f.backoff_table) total += kBackoffEntry + blob(e.peer.size());
  for (const PendingOutbound& e : f.pending_outbound) total += kPendingOutbound + blob(e.envelope_bytes.size());
  return total + 8 * kBlob;
}

std::uint64_t ingress_event(const IngressEvent& event) {
  struct Visitor {
    std::uint64_t operator()(const EnvelopeEvent& e) const { return blob(e.bytes.size()); }
    std::uint64_t operator()(const AppEvent& e) const {
      return blob(e.module_name.size()) + blob(e.input_name.size()) + blob(e.value_bytes.size());
    }
    std::uint64_t operator()(const InvokeEvent& e) const { return blob(e.module_name.size()) + named_list(e.inputs); }
    std::uint64_t operator()(const TimerMaturedEvent&) const { return 0; }
    std::uint64_t operator()(const CompletionEvent& e) const { return bytes_list(e.results); }
  };
  // The wrapper and the event's table (at most 3 fields: AppEvent).
  return kIngressItem + kEventTable + std::visit(Visitor{}, event);
}

}  // namespace

std::uint64_t size_bound(format::SectionKind kind, const TransientSnapshot& s) {
  using format::SectionKind;
  switch (kind) {
    case SectionKind::framework: return framework(s.framework);
    case SectionKind::bus: {
      std::uint64_t total = kRoot + kBlob;
      for (const auto& [name, subscribers] : s.bus.event_subscriptions) {
        total += kEventSubscription + blob(name.size()) + blob(8 * subscribers.size());
      }
      return total;
    }
    case SectionKind::ingress:
      return std::accumulate(s.ingress.begin(), s.ingress.end(), kRoot + kBlob,
                             [](std::uint64_t t, const IngressEvent& e) { return t + ingress_event(e); });
    case SectionKind::pending_completions:
      return std::accumulate(s.pending_completions.begin(), s.pending_completions.end(), kRoot + kBlob,
                             [](std::uint64_t t, const PendingCompletion& c) { return t + kPendingCompletion + named_list(c.results); });
    case SectionKind::frontier: return kRoot + blob(16 * s.frontier.size());
    case SectionKind::pending_async: {
      std::uint64_t total = kRoot + kBlob;
      for (const auto& [id, p] : s.pending_async) total += kPendingAsyncEntry + blob(8 * p.output_sites.size());
      return total;
    }
    case SectionKind::execution_state: return kRoot + blob(16 * s.execution_state.size());
    case SectionKind::wire_states: {
      std::uint64_t total = kRoot + kBlob;
      for (const auto& [component, data] : s.wire_states) total += kWireState + blob(data.size());
      return total;
    }
    case SectionKind::slot_index:
    case SectionKind::slot_chunk:
      break;  // bounded by slots_per_chunk and the chunk count, checked by the writer
  }
  return kRoot;
}

}  // namespace bbsnap::encode
