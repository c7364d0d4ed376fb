// State documents written differently but meaning the same state, and the
// spec's normalisation written independently of the library (STATE-JSON.md):
// for the CLI tests of `pack` and `dump`.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace bbsnap::testing {

struct VariantOptions {
  bool shuffle_keys = true;      // object members (struct fields and map entries) in random order
  bool uppercase_hex = false;    // byte strings in upper case (input accepts either case)
  bool escape_strings = false;   // \uXXXX escapes (surrogate pairs past U+FFFF) and \/ in keys and strings
  bool drop_defaults = false;    // struct fields equal to their missing-key value left out
  bool odd_whitespace = false;   // spaces, tabs, newlines and carriage returns between tokens
};

// `doc` (a valid state document) as JSON text, varied as `options` says,
// reproducibly for `seed`.
std::string variant_text(const nlohmann::json& doc, std::uint64_t seed, const VariantOptions& options);

// Every variation at once, each member of the document varied independently.
std::string any_variant_text(const nlohmann::json& doc, std::uint64_t seed);

// The document after the spec's normalisation: every missing key filled with
// its empty value (spec_version 1), hex in lower case, slot_table sorted by
// (site, exec). (Maps need no sorting: nlohmann::json compares objects by key.)
nlohmann::json normalised(const nlohmann::json& doc);

}  // namespace bbsnap::testing
