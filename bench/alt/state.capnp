# The whole TransientSnapshot (lib/include/bbsnap/model.h) as one Cap'n Proto
# message: the zero-copy alternative without checksums. Maps are lists in key
# order. A null Data/List pointer is Rust None, a present empty one Some(empty).
#
# Code is generated at build time (bench/meson.build), never committed.
@0xaa7ffaafeedac454;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bbsnap::alt::cp");

struct Slot {
  site @0 :UInt64;
  exec @1 :UInt64;
  value @2 :Data;  # null: allocated but empty (None)
}

struct FrontierItem {
  first @0 :UInt64;
  second @1 :UInt64;
}

struct PendingAsync {
  commandId @0 :UInt64;
  opRef @1 :UInt64;
  execId @2 :UInt64;
  outputSites @3 :List(UInt64);
  deadline :union {
    none @4 :Void;  # no engine deadline
    ns @5 :UInt64;
  }
}

struct ExecutionState {
  execId @0 :UInt64;
  outputsWritten @1 :UInt32;
}

struct Counter {
  name @0 :Text;
  value @1 :UInt64;
}

struct AddressBookEntry {
  peerId @0 :Data;
  addresses @1 :List(Data);
  refCount @2 :UInt64;
}

struct PeerHealth {
  peer @0 :Data;
  consecutiveFailures @1 :UInt32;
  lastEventNs @2 :UInt64;
  down @3 :Bool;
}

struct PeerGovernor {
  blocklist @0 :List(Data);
  allowlist @1 :List(Data);  # null: None (open policy); empty: nobody
  health @2 :List(PeerHealth);
  failureThreshold @3 :UInt32;
}

struct BackoffEntry {
  peer @0 :Data;
  attempts @1 :UInt32;
  lastAttemptNs @2 :UInt64;
  nextRetryNs @3 :UInt64;
}

struct PendingOutbound {
  envelopeBytes @0 :Data;
  redelivered @1 :Bool;
}

struct Framework {
  counters @0 :List(Counter);
  firedPhases @1 :List(Text);
  addressBook @2 :List(AddressBookEntry);
  peerGovernor @3 :PeerGovernor;
  backoffTable @4 :List(BackoffEntry);
  pendingOutbound @5 :List(PendingOutbound);
  peerIdBytes @6 :Data;
  nextCommandId @7 :UInt64;
  nextExecId @8 :UInt64;
  specVersion @9 :UInt32;
}

struct EventSubscription {
  eventKind @0 :Text;
  subscribers @1 :List(UInt64);
}

struct NamedBytes {
  name @0 :Text;
  data @1 :Data;
}

struct IngressEvent {
  union {
    envelope @0 :Data;
    app :group {
      moduleName @1 :Text;
      inputName @2 :Text;
      valueBytes @3 :Data;
    }
    invoke :group {
      moduleName @4 :Text;
      inputs @5 :List(NamedBytes);
    }
    timerMatured @6 :UInt64;  # at_ns
    completion :group {
      cmdId @7 :UInt64;
      results @8 :List(Data);
    }
  }
}

struct WireState {
  component @0 :UInt32;
  bytes @1 :Data;
}

struct PendingCompletion {
  cmdId @0 :UInt64;
  results @1 :List(NamedBytes);
}

struct TransientSnapshot {
  frontier @0 :List(FrontierItem);
  slotTable @1 :List(Slot);
  pendingAsync @2 :List(PendingAsync);
  executionState @3 :List(ExecutionState);
  framework @4 :Framework;
  bus @5 :List(EventSubscription);
  ingress @6 :List(IngressEvent);
  wireStates @7 :List(WireState);
  pendingCompletions @8 :List(PendingCompletion);
}
