// The alternatives a user would pick instead of bbsnap, built from the same
// state: one Protocol Buffers message (state.proto), one Cap'n Proto message
// (state.capnp) and one plain FlatBuffer (whole.fbs). Each has a converter
// from the model and a walk that visits every field in the model's order.
//
// A walk feeds a Digest. A shallow digest takes each byte string's length
// and first byte (what "visit every view" costs: no value is read in full);
// a deep one hashes every byte. Equal deep digests of the model and of each
// representation show that the representation mirrors the whole state,
// None-versus-empty included; the benchmark checks this before measuring.
#pragma once

#include <capnp/message.h>
#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "bbsnap/model.h"
#include "bbsnap/reader.h"
#include "state.capnp.h"
#include "state.pb.h"
#include "whole_generated.h"

namespace bbsnap::alt {

class Digest {
 public:
  explicit Digest(bool deep) : deep_(deep) {}

  void u(std::uint64_t v) {
    h_ = (h_ ^ v) * 0x9E3779B97F4A7C15ULL;
    h_ ^= h_ >> 29;
  }
  // Rust None (an absent Option).
  void none() { u(0x4e4f4e45ULL); }
  void bytes(const void* data, std::size_t size);
  void bytes(std::span<const std::uint8_t> b) { bytes(b.data(), b.size()); }
  void text(std::string_view s) { bytes(s.data(), s.size()); }
  std::uint64_t value() const { return h_; }

 private:
  bool deep_;
  std::uint64_t h_ = 0;
};

// The reference order of every field.
void walk(const TransientSnapshot& state, Digest& d);
// Every view of a snapshot, every slot value through slot_value().
// Returns false if an accessor fails.
bool walk(const Snapshot& snapshot, Digest& d);

// ---- Protocol Buffers
void to_proto(const TransientSnapshot& state, pb::TransientSnapshot& out);
void walk(const pb::TransientSnapshot& state, Digest& d);

// ---- Cap'n Proto
void to_capnp(const TransientSnapshot& state, cp::TransientSnapshot::Builder out);
void walk(cp::TransientSnapshot::Reader state, Digest& d);

// ---- one plain FlatBuffer
flatbuffers::Offset<fbw::Whole> to_flatbuffer(const TransientSnapshot& state, flatbuffers::FlatBufferBuilder& b);
void walk(const fbw::Whole& state, Digest& d);

}  // namespace bbsnap::alt
