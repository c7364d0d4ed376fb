// Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/):
//
//   fuzz_open   snapshots of the spec's example states (shared/spec/examples),
//               of small random states in one chunk and in many, of a state
//               with a spec_version other than 1, of a file carrying an
//               optional section of a kind this build does not know, and the
//               golden files of the older format versions the reader reads
//   fuzz_lazy   some of those snapshots, each followed by a script of
//               accesses (see fuzz_lazy.cc for the layout): as they are,
//               resealed, with one byte damaged, and with full verification
//               compared on several threads
//   fuzz_json   the spec's examples, valid and invalid, and the canonical
//               JSON of small random states
//
// Deterministic: the same build writes the same files. Run it with
// `meson compile -C <build> fuzz-corpus`, or by hand:
//   make_corpus <corpus dir> <shared/spec/examples dir> <test/golden dir>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "bbsnap/writer.h"
#if BBSNAP_FUZZ_HAVE_JSON
#include "bbsnap/json.h"
#endif
#include "fuzz_support.h"
#include "random_state.h"
#include "test_files.h"

namespace fs = std::filesystem;
using namespace bbsnap;

namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "make_corpus: %s\n", message.c_str());
  std::exit(1);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const fs::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) die("cannot write " + path.string());
}

void write(const fs::path& path, std::string_view text) {
  write(path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Bytes encode(const TransientSnapshot& state, std::uint32_t slots_per_chunk) {
  WriteOptions options;
  options.slots_per_chunk = slots_per_chunk;
  Result<AlignedBuffer> bytes = encode_snapshot(state, options);
  if (!bytes) die("encode_snapshot: " + bytes.error().to_string());
  return Bytes(bytes->span().begin(), bytes->span().end());
}

// `file` with one more section, of kind `kind`, after the last one: a newer
// writer's optional section (format.h: a reader skips an unknown kind unless
// it is marked required). Checksums resealed.
Bytes with_unknown_section(const Bytes& file, std::uint32_t kind) {
  format::Header h;
  std::memcpy(&h, file.data(), sizeof h);
  std::vector<format::SectionEntry> table(h.section_count);
  std::memcpy(table.data(), file.data() + h.table_offset, table.size() * sizeof(format::SectionEntry));
  const format::SectionEntry& last = table.back();
  std::uint64_t offset = format::align_up(last.offset + last.length);
  const std::string metadata = "metadata of a section kind from the future";
  format::SectionEntry extra{};
  extra.kind = kind;
  extra.offset = offset;
  extra.length = metadata.size();
  table.push_back(extra);
  h.section_count = static_cast<std::uint32_t>(table.size());
  h.table_offset = format::align_up(offset + metadata.size());
  h.file_length = h.table_offset + table.size() * sizeof(format::SectionEntry);
  Bytes out(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(offset));
  out.resize(h.file_length, 0);
  std::memcpy(out.data() + offset, metadata.data(), metadata.size());
  std::memcpy(out.data() + h.table_offset, table.data(), table.size() * sizeof(format::SectionEntry));
  std::memcpy(out.data(), &h, sizeof h);
  // The resealer works in place on aligned memory.
  AlignedBuffer sealed = AlignedBuffer::copy_of(out);
  fuzz::reseal(sealed.span());
  return Bytes(sealed.span().begin(), sealed.span().end());
}

// A fuzz_lazy input: `file`, then a script of `ops` random bytes, the bytes
// a damage takes, the flags, and the script length (fuzz_lazy.cc).
Bytes lazy_input(const Bytes& file, std::uint8_t flags, std::mt19937_64& rng, std::size_t ops = 48) {
  Bytes script(ops);
  for (auto& b : script) b = static_cast<std::uint8_t>(rng());
  if (flags & 2) {
    // FuzzedDataProvider reads integers backwards from the end, the first
    // byte read being the most significant: the position (u32), then the mask.
    auto at = static_cast<std::uint32_t>(rng() % std::max<std::size_t>(file.size(), 1));
    script.push_back(static_cast<std::uint8_t>(1 + rng() % 255));
    for (int shift = 0; shift <= 24; shift += 8) script.push_back(static_cast<std::uint8_t>(at >> shift));
  }
  script.push_back(flags);
  Bytes out = file;
  out.insert(out.end(), script.begin(), script.end());
  out.push_back(static_cast<std::uint8_t>(script.size()));
  return out;
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) die("usage: make_corpus <corpus dir> <shared/spec/examples dir> <test/golden dir>");
  const fs::path corpus = argv[1];
  const fs::path examples = argv[2];
  const fs::path golden = argv[3];
  const fs::path open_dir = corpus / "fuzz_open", lazy_dir = corpus / "fuzz_lazy", json_dir = corpus / "fuzz_json";
  for (const fs::path& d : {open_dir, lazy_dir, json_dir}) {
    fs::create_directories(d);
    for (const auto& entry : fs::directory_iterator(d)) fs::remove(entry.path());  // stale seeds
  }

  // Small states: a few entries per collection, short byte strings.
  bbsnap::testing::RandomShape shape;
  shape.max_entries = 6;
  shape.max_bytes = 24;
  shape.max_large_bytes = 0;

  std::vector<std::pair<std::string, Bytes>> snapshots;
  std::vector<std::pair<std::string, TransientSnapshot>> example_states;
#if BBSNAP_FUZZ_HAVE_JSON
  for (const fs::path& file : json_files(examples)) {
    Result<TransientSnapshot> state = json::parse_state(read_text(file));
    if (!state) die(file.string() + ": " + state.error().to_string());
    example_states.emplace_back(file.stem().string(), std::move(state).value());
  }
#else
  // Without the JSON reader: full.json's state, as the tests build it.
  example_states.emplace_back("full", bbsnap::testing::full_example_state());
#endif
  for (const auto& [stem, state] : example_states) {
    std::string name = "example-" + stem;
    snapshots.emplace_back(name, encode(state, format::kDefaultSlotsPerChunk));
    if (!state.slot_table.empty()) snapshots.emplace_back(name + "-chunks-of-1", encode(state, 1));
  }
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    TransientSnapshot state = bbsnap::testing::random_state(seed, shape);
    std::uint32_t chunk = seed % 4 == 0 ? format::kDefaultSlotsPerChunk : static_cast<std::uint32_t>(seed % 4);
    snapshots.emplace_back("random-" + std::to_string(seed) + "-chunks-of-" + std::to_string(chunk),
                           encode(state, chunk));
  }
  {
    // Many slots in many chunks, some empty, some zero-length.
    TransientSnapshot state;
    for (std::uint64_t i = 0; i < 24; ++i) {
      if (i % 5 == 0) {
        state.slot_table[{i / 4, i}] = std::nullopt;
      } else {
        state.slot_table[{i / 4, i}] = Bytes(i % 7 == 0 ? 0 : i * 3, static_cast<std::uint8_t>(i));
      }
    }
    state.framework.counters["slots"] = 24;
    snapshots.emplace_back("slots-24-chunks-of-5", encode(state, 5));
  }
  {
    TransientSnapshot state = bbsnap::testing::full_example_state();
    state.framework.spec_version = 2;
    snapshots.emplace_back("full-spec-version-2", encode(state, 3));
    Bytes base = encode(bbsnap::testing::random_state(3, shape), 2);
    snapshots.emplace_back("unknown-optional-section", with_unknown_section(base, 42));
  }
  // Files of the older format versions, whose value hashes follow their own
  // version's rule (format::value_hash_seed).
  for (std::uint32_t version = format::kOldestFormatVersion; version < format::kFormatVersion; ++version) {
    const std::string set = "v" + std::to_string(version);
    for (const char* stem : {"full", "random"}) {
      snapshots.emplace_back("golden-" + set + "-" + stem,
                             bbsnap::testing::read_file((golden / set / (std::string(stem) + ".bbsnap")).string()));
    }
  }

  std::size_t total = 0;
  for (const auto& [name, bytes] : snapshots) {
    write(open_dir / (name + ".bbsnap"), bytes);
    total += bytes.size();
  }

  // fuzz_lazy: a few snapshots, each with scripts in every flag combination.
  std::mt19937_64 rng(20240611);
  std::size_t lazy_count = 0;
  for (const auto& [name, bytes] : snapshots) {
    if (!name.starts_with("example-full") && !name.starts_with("slots-") && !name.starts_with("random-1-") &&
        !name.starts_with("random-2-") && !name.starts_with("random-5-") && !name.starts_with("unknown") &&
        !name.starts_with("golden-")) {
      continue;
    }
    const std::pair<const char*, std::uint8_t> variants[] = {
        {"raw", 0}, {"resealed", 1}, {"damaged", 3}, {"damaged-unsealed", 2}, {"threads-4", 0x0c}};
    for (const auto& [variant, flags] : variants) {
      Bytes input = lazy_input(bytes, flags, rng);
      write(lazy_dir / (name + "-" + variant + ".lazy"), input);
      total += input.size();
      ++lazy_count;
    }
  }

  // fuzz_json: the spec's documents, and canonical JSON of random states.
  std::size_t json_count = 0;
  for (const fs::path& dir : {examples, examples / "invalid"}) {
    for (const fs::path& file : json_files(dir)) {
      std::string text = read_text(file);
      write(json_dir / ((dir == examples ? "" : "invalid-") + file.filename().string()), text);
      total += text.size();
      ++json_count;
    }
  }
#if BBSNAP_FUZZ_HAVE_JSON
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    std::string text = json::to_json(bbsnap::testing::random_state(seed, shape)).value();
    write(json_dir / ("random-" + std::to_string(seed) + ".json"), text);
    total += text.size();
    ++json_count;
  }
#endif

  std::printf("wrote %zu fuzz_open, %zu fuzz_lazy and %zu fuzz_json seeds (%zu bytes) under %s\n", snapshots.size(),
              lazy_count, json_count, total, corpus.c_str());
  return 0;
}
