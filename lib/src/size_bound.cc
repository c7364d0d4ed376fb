// Upper bounds of encoded metadata sizes (see encode.h). Generous constants
// per element: a table costs at most its vtable (4 + 2 per field), its
// fields (8 each), its offset from the parent and alignment padding; a
// string or byte vector its length prefix, terminator, reference and up to
// 15 bytes of alignment padding.
#include <numeric>

#include "encode.h"

namespace bbsnap::encode {
namespace {

constexpr std::uint64_t kTable = 16 + 10 * 12;  // up to 12 fields
constexpr std::uint64_t kBlob = 4 + 1 + 4 + 15;
constexpr std::uint64_t kRoot = 64;

std::uint64_t blob(std::uint64_t size) { return kBlob + size; }

std::uint64_t bytes_list(const std::vector<Bytes>& list) {
  std::uint64_t total = kBlob;
  for (const Bytes& b : list) total += kTable + blob(b.size());
  return total;
}

std::uint64_t named_list(const std::vector<NamedBytes>& list) {
  std::uint64_t total = kBlob;
  for (const auto& [name, data] : list) total += kTable + blob(name.size()) + blob(data.size());
  return total;
}

std::uint64_t framework(const Framework& f) {
  std::uint64_t total = kRoot + kTable + blob(f.peer_id_bytes.size()) + kTable;
  for (const auto& [name, value] : f.counters) total += kTable + blob(name.size());
  for (const std::string& phase : f.fired_phases) total += blob(phase.size());
  for (const AddressBookEntry& e : f.address_book) total += kTable + blob(e.peer_id.size()) + bytes_list(e.addresses);
  total += bytes_list(f.peer_governor.blocklist);
  if (f.peer_governor.allowlist) total += bytes_list(*f.peer_governor.allowlist);
  for (const PeerHealth& h : f.peer_governor.health) total += kTable + blob(h.peer.size());
  for (const BackoffEntry& e : f.backoff_table) total += kTable + blob(e.peer.size());
  for (const PendingOutbound& e : f.pending_outbound) total += kTable + blob(e.envelope_bytes.size());
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
  return 2 * kTable + std::visit(Visitor{}, event);
}

}  // namespace

std::uint64_t size_bound(format::SectionKind kind, const TransientSnapshot& s) {
  using format::SectionKind;
  switch (kind) {
    case SectionKind::framework: return framework(s.framework);
    case SectionKind::bus: {
      std::uint64_t total = kRoot + kBlob;
      for (const auto& [name, subscribers] : s.bus.event_subscriptions) {
        total += kTable + blob(name.size()) + blob(8 * subscribers.size());
      }
      return total;
    }
    case SectionKind::ingress:
      return std::accumulate(s.ingress.begin(), s.ingress.end(), kRoot + kBlob,
                             [](std::uint64_t t, const IngressEvent& e) { return t + ingress_event(e); });
    case SectionKind::pending_completions:
      return std::accumulate(s.pending_completions.begin(), s.pending_completions.end(), kRoot + kBlob,
                             [](std::uint64_t t, const PendingCompletion& c) { return t + kTable + named_list(c.results); });
    case SectionKind::frontier: return kRoot + blob(16 * s.frontier.size());
    case SectionKind::pending_async: {
      std::uint64_t total = kRoot + kBlob;
      for (const auto& [id, p] : s.pending_async) total += kTable + blob(8 * p.output_sites.size());
      return total;
    }
    case SectionKind::execution_state: return kRoot + blob(16 * s.execution_state.size());
    case SectionKind::wire_states: {
      std::uint64_t total = kRoot + kBlob;
      for (const auto& [component, data] : s.wire_states) total += kTable + blob(data.size());
      return total;
    }
    case SectionKind::slot_index:
    case SectionKind::slot_chunk:
      break;  // bounded by slots_per_chunk and the chunk count, checked by the writer
  }
  return kRoot;
}

}  // namespace bbsnap::encode
