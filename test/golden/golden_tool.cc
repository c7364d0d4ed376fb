// The C++ side of the golden files (scripts/make_golden) and of the Python
// cross-check (tools/python/crosscheck.py, which compares with `bbsnap dump`
// too):
//
//   golden_tool verdicts FILE...                   per file one line "FILE\tok" or "FILE\t<error>" (full
//                                                  verification, spec_version 1), and FILE.cpp.json (to_model,
//                                                  json::write_state) for the accepted ones: many damaged
//                                                  files in one process
//   golden_tool pack IN.json OUT.bbsnap            json::parse_state, then the writer (default options)
//   golden_tool canonical IN.json                  json::parse_state, then json::write_state
//   golden_tool random-json SEED                   the canonical JSON of random_state(SEED)
//   golden_tool write-random DIR SEEDS SPC,...     random_state(0..SEEDS-1) written with each slots_per_chunk,
//                                                  as DIR/seed<S>-spc<K>.bbsnap
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"

using namespace bbsnap;

namespace {

int usage() {
  std::fputs("usage: golden_tool verdicts FILE... | pack IN.json OUT.bbsnap | canonical IN.json\n"
             "                   | random-json SEED | write-random DIR SEEDS SPC,...\n",
             stderr);
  return 2;
}

// Full verification, spec_version 1, then an owned copy.
Result<TransientSnapshot> read_state(const std::string& path) {
  Result<Snapshot> snapshot = Snapshot::open(path);
  if (!snapshot) return std::move(snapshot).error();
  return snapshot->to_model();
}

int verdicts(const std::vector<std::string>& files) {
  for (const std::string& file : files) {
    Result<TransientSnapshot> state = read_state(file);
    if (!state) {
      std::cout << file << '\t' << state.error().to_string() << std::endl;
      continue;
    }
    std::ofstream out(file + ".cpp.json", std::ios::binary);
    json::write_state(*state, out);
    std::cout << file << '\t' << "ok" << std::endl;  // flushed: a crash shows which file it was
  }
  return std::cout.flush() ? 0 : 1;
}

Result<TransientSnapshot> parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Error::of(ErrorCode::io, "cannot read " + path);
  return json::parse_state(text.str());
}

int pack(const std::string& in_path, const std::string& out_path) {
  Result<TransientSnapshot> state = parse_file(in_path);
  if (!state) {
    std::fprintf(stderr, "%s: %s\n", in_path.c_str(), state.error().to_string().c_str());
    return 1;
  }
  if (Status s = write_snapshot(out_path, *state); !s) {
    std::fprintf(stderr, "%s\n", s.error().to_string().c_str());
    return 1;
  }
  return 0;
}

int canonical(const std::string& in_path) {
  Result<TransientSnapshot> state = parse_file(in_path);
  if (!state) {
    std::fprintf(stderr, "%s: %s\n", in_path.c_str(), state.error().to_string().c_str());
    return 1;
  }
  json::write_state(*state, std::cout);
  return std::cout.flush() ? 0 : 1;
}

int write_random(const std::string& dir, std::uint64_t seeds, const std::string& chunkings) {
  std::vector<std::uint32_t> slots_per_chunk;
  std::stringstream list(chunkings);
  for (std::string item; std::getline(list, item, ',');) slots_per_chunk.push_back(std::stoul(item));
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    const TransientSnapshot state = testing::random_state(seed);
    for (std::uint32_t spc : slots_per_chunk) {
      WriteOptions options;
      options.durable = false;
      options.slots_per_chunk = spc;
      const std::string path = dir + "/seed" + std::to_string(seed) + "-spc" + std::to_string(spc) + ".bbsnap";
      if (Status s = write_snapshot(path, state, options); !s) {
        std::fprintf(stderr, "%s\n", s.error().to_string().c_str());
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "verdicts") return verdicts(args);
    if (command == "pack" && args.size() == 2) return pack(args[0], args[1]);
    if (command == "canonical" && args.size() == 1) return canonical(args[0]);
    if (command == "random-json" && args.size() == 1) {
      json::write_state(testing::random_state(std::stoull(args[0])), std::cout);
      return std::cout.flush() ? 0 : 1;
    }
    if (command == "write-random" && args.size() == 3) return write_random(args[0], std::stoull(args[1]), args[2]);
  } catch (const std::exception& e) {  // std::stoul on a bad number
    std::fprintf(stderr, "golden_tool: %s\n", e.what());
    return 2;
  }
  return usage();
}
