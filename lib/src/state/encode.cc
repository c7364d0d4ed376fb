#include "state/encode.h"

#include "bbsnap/format.h"

namespace bbsnap::encode {
namespace {

template <typename T>
using Offset = flatbuffers::Offset<T>;
template <typename T>
using OffsetVector = Offset<flatbuffers::Vector<Offset<T>>>;

template <typename Root>
Buffer finish(Builder& b, Offset<Root> root) {
  b.Finish(root);
  return {b.GetBufferPointer(), b.GetSize()};
}

// Byte strings start on a kBytesAlignment boundary (FORMAT.md), so that an
// envelope can be used in place.
Offset<flatbuffers::Vector<std::uint8_t>> bytes(Builder& b, const Bytes& data) {
  b.ForceVectorAlignment(data.size(), 1, format::kBytesAlignment);
  return b.CreateVector(data.data(), data.size());
}

OffsetVector<fb::Bytes> bytes_list(Builder& b, const std::vector<Bytes>& list) {
  std::vector<Offset<fb::Bytes>> items;
  items.reserve(list.size());
  for (const Bytes& item : list) items.push_back(fb::CreateBytes(b, bytes(b, item)));
  return b.CreateVector(items);
}

OffsetVector<fb::NamedBytes> named_list(Builder& b, const std::vector<NamedBytes>& list) {
  std::vector<Offset<fb::NamedBytes>> items;
  items.reserve(list.size());
  for (const auto& [name, data] : list) {
    auto name_offset = b.CreateString(name);
    items.push_back(fb::CreateNamedBytes(b, name_offset, bytes(b, data)));
  }
  return b.CreateVector(items);
}

Offset<fb::PeerGovernor> peer_governor(Builder& b, const PeerGovernor& governor) {
  auto blocklist = bytes_list(b, governor.blocklist);
  OffsetVector<fb::Bytes> allowlist = 0;  // absent field = None
  if (governor.allowlist) allowlist = bytes_list(b, *governor.allowlist);
  std::vector<Offset<fb::PeerHealth>> health;
  for (const PeerHealth& h : governor.health) {
    health.push_back(fb::CreatePeerHealth(b, bytes(b, h.peer), h.consecutive_failures, h.last_event_ns, h.down));
  }
  return fb::CreatePeerGovernor(b, blocklist, allowlist, b.CreateVector(health), governor.failure_threshold);
}

Offset<fb::IngressItem> ingress_item(Builder& b, const IngressEvent& event) {
  struct Visitor {
    Builder& b;
    Offset<fb::IngressItem> item(fb::IngressEvent type, Offset<void> event) {
      return fb::CreateIngressItem(b, type, event);
    }
    Offset<fb::IngressItem> operator()(const EnvelopeEvent& e) {
      return item(fb::IngressEvent::Envelope, fb::CreateEnvelope(b, bytes(b, e.bytes)).Union());
    }
    Offset<fb::IngressItem> operator()(const AppEvent& e) {
      auto module_name = b.CreateString(e.module_name);
      auto input_name = b.CreateString(e.input_name);
      auto value = bytes(b, e.value_bytes);
      return item(fb::IngressEvent::AppEvent, fb::CreateAppEvent(b, module_name, input_name, value).Union());
    }
    Offset<fb::IngressItem> operator()(const InvokeEvent& e) {
      auto module_name = b.CreateString(e.module_name);
      auto inputs = named_list(b, e.inputs);
      return item(fb::IngressEvent::Invoke, fb::CreateInvoke(b, module_name, inputs).Union());
    }
    Offset<fb::IngressItem> operator()(const TimerMaturedEvent& e) {
      return item(fb::IngressEvent::TimerMatured, fb::CreateTimerMatured(b, e.at_ns).Union());
    }
    Offset<fb::IngressItem> operator()(const CompletionEvent& e) {
      auto results = bytes_list(b, e.results);
      return item(fb::IngressEvent::Completion, fb::CreateCompletion(b, e.cmd_id, results).Union());
    }
  };
  return std::visit(Visitor{b}, event);
}

}  // namespace

Buffer framework(Builder& b, const Framework& f) {
  std::vector<Offset<fb::Counter>> counters;
  for (const auto& [name, value] : f.counters) {
    counters.push_back(fb::CreateCounter(b, b.CreateString(name), value));
  }
  auto counters_offset = b.CreateVector(counters);
  auto fired_phases = b.CreateVectorOfStrings(f.fired_phases);
  std::vector<Offset<fb::AddressBookEntry>> address_book;
  for (const AddressBookEntry& e : f.address_book) {
    auto peer_id = bytes(b, e.peer_id);
    auto addresses = bytes_list(b, e.addresses);
    address_book.push_back(fb::CreateAddressBookEntry(b, peer_id, addresses, e.ref_count));
  }
  auto address_book_offset = b.CreateVector(address_book);
  auto governor = peer_governor(b, f.peer_governor);
  std::vector<Offset<fb::BackoffEntry>> backoff;
  for (const BackoffEntry& e : f.backoff_table) {
    backoff.push_back(fb::CreateBackoffEntry(b, bytes(b, e.peer), e.attempts, e.last_attempt_ns, e.next_retry_ns));
  }
  auto backoff_offset = b.CreateVector(backoff);
  std::vector<Offset<fb::PendingOutbound>> outbound;
  for (const PendingOutbound& e : f.pending_outbound) {
    outbound.push_back(fb::CreatePendingOutbound(b, bytes(b, e.envelope_bytes), e.redelivered));
  }
  auto outbound_offset = b.CreateVector(outbound);
  auto peer_id = bytes(b, f.peer_id_bytes);
  return finish(b, fb::CreateFramework(b, f.spec_version, counters_offset, fired_phases, address_book_offset,
                                       governor, backoff_offset, outbound_offset, peer_id, f.next_command_id,
                                       f.next_exec_id));
}

Buffer bus(Builder& b, const TypedBus& bus) {
  std::vector<Offset<fb::EventSubscription>> subscriptions;
  for (const auto& [kind, subscribers] : bus.event_subscriptions) {
    auto kind_offset = b.CreateString(kind);
    subscriptions.push_back(fb::CreateEventSubscription(b, kind_offset, b.CreateVector(subscribers)));
  }
  return finish(b, fb::CreateBus(b, b.CreateVector(subscriptions)));
}

Buffer ingress(Builder& b, const std::vector<IngressEvent>& ingress) {
  std::vector<Offset<fb::IngressItem>> items;
  items.reserve(ingress.size());
  for (const IngressEvent& event : ingress) items.push_back(ingress_item(b, event));
  return finish(b, fb::CreateIngress(b, b.CreateVector(items)));
}

Buffer pending_completions(Builder& b, const std::vector<PendingCompletion>& completions) {
  std::vector<Offset<fb::PendingCompletion>> entries;
  entries.reserve(completions.size());
  for (const PendingCompletion& c : completions) {
    entries.push_back(fb::CreatePendingCompletion(b, c.cmd_id, named_list(b, c.results)));
  }
  return finish(b, fb::CreatePendingCompletions(b, b.CreateVector(entries)));
}

Buffer frontier(Builder& b, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& frontier) {
  std::vector<fb::FrontierItem> items;
  items.reserve(frontier.size());
  for (const auto& [first, second] : frontier) items.emplace_back(first, second);
  return finish(b, fb::CreateFrontier(b, b.CreateVectorOfStructs(items)));
}

Buffer pending_async(Builder& b, const std::map<std::uint64_t, PendingAsync>& pending) {
  std::vector<Offset<fb::PendingAsyncEntry>> entries;
  entries.reserve(pending.size());
  for (const auto& [command_id, p] : pending) {
    auto sites = b.CreateVector(p.output_sites);
    flatbuffers::Optional<std::uint64_t> deadline = flatbuffers::nullopt;
    if (p.deadline_ns) deadline = *p.deadline_ns;
    entries.push_back(fb::CreatePendingAsyncEntry(b, command_id, p.op_ref, p.exec_id, sites, deadline));
  }
  return finish(b, fb::CreatePendingAsyncTable(b, b.CreateVector(entries)));
}

Buffer execution_state(Builder& b, const std::map<std::uint64_t, ExecutionState>& states) {
  std::vector<fb::ExecutionStateEntry> entries;
  entries.reserve(states.size());
  for (const auto& [exec_id, state] : states) entries.emplace_back(exec_id, state.outputs_written);
  return finish(b, fb::CreateExecutionStateTable(b, b.CreateVectorOfStructs(entries)));
}

Buffer wire_states(Builder& b, const std::map<std::uint32_t, Bytes>& wire_states) {
  std::vector<Offset<fb::WireState>> entries;
  entries.reserve(wire_states.size());
  for (const auto& [component, data] : wire_states) {
    entries.push_back(fb::CreateWireState(b, component, bytes(b, data)));
  }
  return finish(b, fb::CreateWireStates(b, b.CreateVector(entries)));
}

Buffer slot_chunk(Builder& b, const std::vector<fb::SlotEntry>& slots) {
  return finish(b, fb::CreateSlotChunk(b, b.CreateVectorOfStructs(slots)));
}

Buffer slot_index(Builder& b, const std::vector<fb::SlotChunkSummary>& chunks) {
  return finish(b, fb::CreateSlotIndex(b, b.CreateVectorOfStructs(chunks)));
}

}  // namespace bbsnap::encode
