// The benchmark suite: bbsnap, the limits of this machine and the
// alternatives a user would pick, on the same states, in the same process.
//
//   bbsnap_bench [--bench_dir=DIR] [Google Benchmark flags]
//
// States (bench/workload.h, shared with the demo): S (~1 MiB), M (~64 MiB),
// L (~1 GiB) and Lmany (1M slots of ~64 B). Every benchmark is named
// BM_<What>/<State>; scripts/bench_gate.py pairs them by these names and
// computes each ratio from the medians of the repetitions (bench/gates.json
// holds the targets). Iterations are timed on the wall clock (UseRealTime);
// the JSON also has the benchmark thread's CPU time, which the gates read for
// single-threaded work in memory.
//
// Counters:
//   bytes_per_second  the bbsnap file's size per second, for every benchmark
//                     that handles the whole state (alternatives included, so
//                     equal states compare by time)
//   file_bytes        the bbsnap file's size; encoded_bytes: an alternative's
//   heap_allocs, heap_bytes   per iteration, from the counting allocator
//   resident_after_evict      cold benchmarks: fraction of the file's pages
//                             still in the page cache after eviction (mincore)
//   resident_after_op         ... and after the timed operation
//   bytes_read_in             ... the same as bytes of the file
//   major_faults, device_reads   cold benchmarks: reads per operation
//                             (class ReadCounter)
//   lookups_per_second
//
// Scratch files go to --bench_dir (default: a fresh directory under
// $TMPDIR or /var/tmp, removed at exit). It must be on a disk-backed file
// system (not tmpfs) for the cold benchmarks to evict anything.
#include <benchmark/benchmark.h>
#include <capnp/serialize.h>
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xxhash.h>
#if defined(__x86_64__)
#define XXH_DISPATCH_DISABLE_REPLACE 1
#include <xxh_x86dispatch.h>
#endif

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "alt.h"
#include "bbsnap/aligned_buffer.h"
#include "bbsnap/checkpoints.h"
#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "heap_count.h"
#include "view_json.h"
#include "workload.h"

namespace bbsnap::bench {
namespace {

using benchmark::Counter;
using benchmark::State;

std::string g_dir;  // scratch directory

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bbsnap_bench: %s\n", what.c_str());
  std::exit(1);
}
[[noreturn]] void die(const std::string& what, const Error& e) { die(what + ": " + e.to_string()); }
[[noreturn]] void die_errno(const std::string& what) { die(what + ": " + std::strerror(errno)); }

// ---------------------------------------------------------------- states

struct StateSpec {
  const char* name;
  testing::WorkloadSpec (*spec)();
  bool big;  // at most one big state lives at a time; heavy artifacts are rebuilt rather than kept
  // Scale states (lazy cold start is constant in the file size):
  // this many bytes of 2 KiB slot values (so that even the 10 MiB file has
  // full 4096-slot chunks, as every larger file does), streamed to the file by
  // SnapshotWriter, never held in memory; only the lazy and trusted
  // benchmarks run on them (`scripts/dev bench --scale`).
  std::uint64_t streamed_bytes = 0;
};
const StateSpec kStates[] = {
    {"S", testing::workload_small, false},
    {"M", testing::workload_medium, false},
    {"L", testing::workload_large, true},
    {"Lmany", testing::workload_many_small, true},
    {"Scale10M", testing::workload_small, false, 10ULL << 20},
    {"Scale4G", testing::workload_small, true, 4ULL << 30},
};

// Heavy artifacts, built on first use. For a big state only the ones the
// running benchmark needs are kept (1 GiB each at L).
enum Need : unsigned {
  kScratch = 1u << 0,   // a buffer of the file's size: memcpy/pread destination
  kFlatBuf = 1u << 1,   // the whole state as one FlatBuffer
  kProto = 1u << 2,     // the protobuf message and its serialization
  kCapnp = 1u << 3,     // the Cap'n Proto message as a flat array
  kDocument = 1u << 4,  // the state's canonical JSON document, in a file
};

void write_all(int fd, const std::uint8_t* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, std::min<std::size_t>(size, 1u << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die_errno("write " + path);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Writes back every dirty page of the scratch file system and waits for it,
// so that each timed write starts from a quiet page cache and device (the
// previous iteration's data, or writeback started by a rename, would
// otherwise throttle the next one).
void settle_writeback() {
  int fd = ::open(g_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::syncfs(fd) != 0) die_errno("syncfs " + g_dir);
  ::close(fd);
}

void fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) die_errno("fsync " + dir);
  ::close(fd);
}

class Fixture {
 public:
  explicit Fixture(const StateSpec& spec) : name_(spec.name), big_(spec.big) {
    if (spec.streamed_bytes > 0) {
      stream(spec);
      return;
    }
    model_ = testing::make_workload(spec.spec());
    rest_.frontier = model_.frontier;
    rest_.pending_async = model_.pending_async;
    rest_.execution_state = model_.execution_state;
    rest_.framework = model_.framework;
    rest_.bus = model_.bus;
    rest_.ingress = model_.ingress;
    rest_.wire_states = model_.wire_states;
    rest_.pending_completions = model_.pending_completions;

    path_ = g_dir + "/" + name_ + ".bbsnap";
    cold_path_ = g_dir + "/" + name_ + ".cold.bbsnap";
    // Durable: the cold benchmarks need clean pages to evict.
    if (Status s = write_snapshot(path_, model_); !s) die("write " + path_, s.error());
    if (Status s = write_snapshot(cold_path_, model_); !s) die("write " + cold_path_, s.error());
    file_size_ = std::filesystem::file_size(path_);
    // The file's bytes in memory, 64-aligned, with 64 spare bytes so that the
    // same number of bytes can be hashed from an address 8 bytes off.
    file_ = AlignedBuffer(file_size_ + 64);
    std::ifstream in(path_, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(file_.data()), static_cast<std::streamsize>(file_size_))) die("read " + path_);

    std::vector<SlotKey> keys;
    keys.reserve(model_.slot_table.size());
    for (const auto& [key, value] : model_.slot_table) keys.push_back(key);
    probe_ = keys[keys.size() / 2];
    std::mt19937_64 rng(42);
    for (int i = 0; i < 10000; ++i) {
      SlotKey key = keys[rng() % keys.size()];
      if (i % 10 == 0) key.exec += 1u << 20;  // one lookup in ten misses
      lookups_.push_back(key);
    }
    pages_.resize((file_size_ + 4095) / 4096);

    // The snapshot reads back as the state it was written from.
    alt::Digest expected(true);
    alt::walk(model_, expected);
    model_digest_ = expected.value();
    alt::Digest got(true);
    if (!alt::walk(full(), got) || got.value() != model_digest_) die("the " + name_ + " snapshot's views differ from the state");
  }

  ~Fixture() {
    full_.reset();
    lazy_.reset();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
    std::filesystem::remove(cold_path_, ignored);
    if (!document_path_.empty()) std::filesystem::remove(document_path_, ignored);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  const std::string& name() const { return name_; }
  bool big() const { return big_; }
  const TransientSnapshot& model() const { return model_; }
  const TransientSnapshot& rest() const { return rest_; }
  const std::string& path() const { return path_; }
  const std::string& cold_path() const { return cold_path_; }
  std::uint64_t file_size() const { return file_size_; }
  const std::uint8_t* file() const { return file_.data(); }
  std::span<const std::uint8_t> file_span() const { return {file_.data(), file_size_}; }
  SlotKey probe() const { return probe_; }
  const std::vector<SlotKey>& lookups() const { return lookups_; }
  std::vector<unsigned char>& pages() { return pages_; }

  // The file opened once with full verification / lazily (for lookups and walks).
  const Snapshot& full() {
    if (!full_) full_.emplace(open_or_die(Verification::full));
    return *full_;
  }
  const Snapshot& lazy() {
    if (!lazy_) lazy_.emplace(open_or_die(Verification::lazy));
    return *lazy_;
  }

  // Builds what `needs` lists; for a big state, drops every other heavy artifact first.
  void need(unsigned needs) {
    if (big_) {
      if (!(needs & kScratch)) scratch_ = AlignedBuffer();
      if (!(needs & kFlatBuf)) flatbuf_ = AlignedBuffer(), flatbuf_size_ = 0;
      if (!(needs & kProto)) proto_.reset(), proto_bytes_ = AlignedBuffer(), proto_size_ = 0;
      if (!(needs & kCapnp)) capnp_ = kj::Array<capnp::word>();
    }
    if ((needs & kScratch) && scratch_.size() == 0) scratch_ = AlignedBuffer(file_size_);  // zeroed: pre-faulted
    if ((needs & kFlatBuf) && flatbuf_size_ == 0) build_flatbuf();
    if ((needs & kProto) && !proto_) build_proto();
    if ((needs & kCapnp) && capnp_.size() == 0) build_capnp();
    if ((needs & kDocument) && document_path_.empty()) write_document();
  }
  std::uint8_t* scratch() { return scratch_.data(); }
  std::span<const std::uint8_t> flatbuf() const { return {flatbuf_.data(), flatbuf_size_}; }
  const alt::pb::TransientSnapshot& proto() const { return *proto_; }
  std::span<const std::uint8_t> proto_bytes() const { return {proto_bytes_.data(), proto_size_}; }
  std::uint8_t* proto_out() { return proto_bytes_.data(); }
  kj::ArrayPtr<const capnp::word> capnp_words() const { return capnp_.asPtr(); }
  // The document in the scratch directory (kDocument), and the bytes of
  // slot values it decodes to.
  const std::string& document_path() const { return document_path_; }
  std::uint64_t document_size() const { return document_size_; }
  std::uint64_t value_bytes() const {
    std::uint64_t bytes = 0;
    for (const auto& [key, value] : model_.slot_table) bytes += value ? value->size() : 0;
    return bytes;
  }

 private:
  Snapshot open_or_die(Verification mode) const {
    Result<Snapshot> s = Snapshot::open(path_, {.verification = mode});
    if (!s) die("open " + path_, s.error());
    return std::move(*s);
  }

  // A scale state: the shared part of `spec` plus streamed 2 KiB values,
  // written durably twice (warm and cold copies); no model, no copy in memory.
  void stream(const StateSpec& spec) {
    constexpr std::size_t kValueBytes = 2 << 10;
    TransientSnapshot shared = testing::make_workload(spec.spec());
    shared.slot_table.clear();
    std::vector<std::uint8_t> value(kValueBytes);
    std::vector<SlotKey> keys;
    path_ = g_dir + "/" + name_ + ".bbsnap";
    cold_path_ = g_dir + "/" + name_ + ".cold.bbsnap";
    for (const std::string& path : {path_, cold_path_}) {
      Result<SnapshotWriter> w = SnapshotWriter::create(path);
      if (!w) die("create " + path, w.error());
      keys.clear();
      std::mt19937_64 rng(7);
      for (std::uint64_t i = 0; i < spec.streamed_bytes / kValueBytes; ++i) {
        for (std::size_t b = 0; b < kValueBytes; b += 8) {
          const std::uint64_t word = rng();
          std::memcpy(value.data() + b, &word, 8);
        }
        keys.push_back({1 + i / 1024, i % 1024});
        if (Status st = w->add_slot(keys.back(), std::span<const std::uint8_t>(value)); !st) die("add_slot", st.error());
      }
      if (Status st = w->finish(shared); !st) die("finish " + path, st.error());
    }
    file_size_ = std::filesystem::file_size(path_);
    probe_ = keys[keys.size() / 2];
    std::mt19937_64 rng(42);
    for (int i = 0; i < 10000; ++i) lookups_.push_back(keys[rng() % keys.size()]);
    pages_.resize((file_size_ + 4095) / 4096);
  }

  void check(const char* what, std::uint64_t digest) const {
    if (digest != model_digest_) die(std::string("the ") + what + " form of " + name_ + " differs from the state");
  }

  // On disk, not in memory: kept for a big state too.
  void write_document() {
    document_path_ = g_dir + "/" + name_ + ".json";
    {
      std::ofstream out(document_path_, std::ios::binary);
      json::write_state(model_, out);
      out.flush();
      if (!out) die("write " + document_path_);
    }
    document_size_ = std::filesystem::file_size(document_path_);
  }

  void build_flatbuf() {
    flatbuffers::FlatBufferBuilder b(file_size_ + file_size_ / 4 + (1 << 20));
    b.Finish(alt::to_flatbuffer(model_, b));
    flatbuf_size_ = b.GetSize();
    flatbuf_ = AlignedBuffer::copy_of({b.GetBufferPointer(), flatbuf_size_});  // 64-aligned, as if mapped
    if (!verify_flatbuf(flatbuf())) die("the whole FlatBuffer of " + name_ + " fails its Verifier");
    alt::Digest d(true);
    alt::walk(*flatbuffers::GetRoot<alt::fbw::Whole>(flatbuf_.data()), d);
    check("FlatBuffers", d.value());
  }

  void build_proto() {
    proto_ = std::make_unique<alt::pb::TransientSnapshot>();
    alt::to_proto(model_, *proto_);
    proto_size_ = proto_->ByteSizeLong();
    proto_bytes_ = AlignedBuffer(proto_size_);
    if (!proto_->SerializeToArray(proto_bytes_.data(), static_cast<int>(proto_size_))) die("protobuf serialization");
    alt::pb::TransientSnapshot parsed;
    if (!parsed.ParseFromArray(proto_bytes_.data(), static_cast<int>(proto_size_))) die("protobuf parse");
    alt::Digest d(true);
    alt::walk(parsed, d);
    check("protobuf", d.value());
  }

  void build_capnp() {
    {
      capnp::MallocMessageBuilder message(static_cast<capnp::uint>(std::min<std::uint64_t>(file_size_ / 8 + 8192, 1u << 28)),
                                          capnp::AllocationStrategy::FIXED_SIZE);
      alt::to_capnp(model_, message.initRoot<alt::cp::TransientSnapshot>());
      capnp_ = capnp::messageToFlatArray(message);
    }
    capnp::ReaderOptions options;
    options.traversalLimitInWords = ~std::uint64_t{0};
    capnp::FlatArrayMessageReader reader(capnp_.asPtr(), options);
    alt::Digest d(true);
    alt::walk(reader.getRoot<alt::cp::TransientSnapshot>(), d);
    check("Cap'n Proto", d.value());
  }

 public:
  static bool verify_flatbuf(std::span<const std::uint8_t> buffer) {
    flatbuffers::Verifier::Options options;
    options.max_depth = 64;
    options.max_tables = static_cast<flatbuffers::uoffset_t>(buffer.size() / 4 + 1);
    options.check_alignment = true;
    flatbuffers::Verifier verifier(buffer.data(), buffer.size(), options);
    return verifier.VerifyBuffer<alt::fbw::Whole>(nullptr);
  }

 private:
  std::string name_;
  bool big_;
  TransientSnapshot model_, rest_;
  std::uint64_t model_digest_ = 0;
  std::string path_, cold_path_;
  std::uint64_t file_size_ = 0;
  AlignedBuffer file_;
  SlotKey probe_;
  std::vector<SlotKey> lookups_;
  std::vector<unsigned char> pages_;
  std::optional<Snapshot> full_, lazy_;

  AlignedBuffer scratch_;
  AlignedBuffer flatbuf_;
  std::size_t flatbuf_size_ = 0;
  std::unique_ptr<alt::pb::TransientSnapshot> proto_;
  AlignedBuffer proto_bytes_;
  std::size_t proto_size_ = 0;
  kj::Array<capnp::word> capnp_;
  std::string document_path_;
  std::uint64_t document_size_ = 0;
};

// One fixture per state, built on first use. A big state lives alone.
Fixture& fixture(const StateSpec& spec, unsigned needs) {
  static std::map<std::string, std::unique_ptr<Fixture>> fixtures;
  auto it = fixtures.find(spec.name);
  if (it == fixtures.end()) {
    for (auto i = fixtures.begin(); i != fixtures.end();) {
      i = (spec.big || i->second->big()) ? fixtures.erase(i) : std::next(i);
    }
    it = fixtures.emplace(spec.name, std::make_unique<Fixture>(spec)).first;
  }
  it->second->need(needs);
  return *it->second;
}

// ---------------------------------------------------------------- helpers

void report_bytes(State& st, const Fixture& f) {
  st.counters["bytes_per_second"] = Counter(static_cast<double>(f.file_size()), Counter::kIsIterationInvariantRate);
  st.counters["file_bytes"] = Counter(static_cast<double>(f.file_size()));
}

class HeapMeter {
 public:
  HeapMeter() : allocations_(load().first), bytes_(load().second) {}
  void report(State& st) const {
    auto [allocations, bytes] = load();
    st.counters["heap_allocs"] = Counter(static_cast<double>(allocations - allocations_), Counter::kAvgIterations);
    st.counters["heap_bytes"] = Counter(static_cast<double>(bytes - bytes_), Counter::kAvgIterations);
  }

 private:
  static std::pair<std::uint64_t, std::uint64_t> load() {
    return {heap_counters().allocations.load(std::memory_order_relaxed), heap_counters().bytes.load(std::memory_order_relaxed)};
  }
  std::uint64_t allocations_, bytes_;
};

// Page faults taken by the process per iteration, minor and major (read from
// disk). A warm mapping's cost is mostly its faults, and their number depends
// on the page cache's folio sizes, not only on the file's size: reported so
// that a slow run can be told apart from a differently cached file.
class FaultMeter {
 public:
  FaultMeter() : start_(load()) {}
  void report(State& st) const {
    auto [minor, major] = load();
    st.counters["page_faults"] = Counter(static_cast<double>(minor - start_.first), Counter::kAvgIterations);
    st.counters["major_faults"] = Counter(static_cast<double>(major - start_.second), Counter::kAvgIterations);
  }

 private:
  static std::pair<long, long> load() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return {u.ru_minflt, u.ru_majflt};
  }
  std::pair<long, long> start_;
};

Snapshot open_snapshot(const std::string& path, const OpenOptions& options) {
  Result<Snapshot> s = Snapshot::open(path, options);
  if (!s) die("open " + path, s.error());
  return std::move(*s);
}

// Reads a byte for real (DoNotOptimize alone may take its address without a load).
std::uint8_t load_byte(const std::uint8_t* p) { return *static_cast<const volatile std::uint8_t*>(p); }

void use_lookup(const Result<SlotLookup>& r) {
  if (!r) die("lookup", r.error());
  benchmark::DoNotOptimize(r->value.data());
  if (!r->value.empty()) benchmark::DoNotOptimize(load_byte(r->value.data()));
}

// The fraction of `path`'s pages in the page cache, by mincore.
double residency(Fixture& f, int fd, const std::string& path) {
  void* map = ::mmap(nullptr, f.file_size(), PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) die_errno("mmap " + path);
  if (::mincore(map, f.file_size(), f.pages().data()) != 0) die_errno("mincore");
  ::munmap(map, f.file_size());
  std::uint64_t resident = 0;
  for (unsigned char p : f.pages()) resident += p & 1;
  return static_cast<double>(resident) / static_cast<double>(f.pages().size());
}

double residency(Fixture& f, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open " + path);
  double r = residency(f, fd, path);
  ::close(fd);
  return r;
}

// Drops `path` from the page cache (its pages are clean: written durably) and
// returns the fraction of its pages still resident.
double evict(Fixture& f, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open " + path);
  ::fdatasync(fd);
  if (int rc = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); rc != 0) die("posix_fadvise: " + std::string(std::strerror(rc)));
  double r = residency(f, fd, path);
  ::close(fd);
  return r;
}

// What a cold operation cost in reads: the calling thread's major page faults
// (a fault that found its page absent and waited for one read; pages asked
// for in advance with MADV_WILLNEED are not counted, even when the fault
// waits for them) and the read requests the disk holding the file completed
// (field 1 of /sys/dev/block/MAJ:MIN/stat: every read, prefetched or not,
// after the block layer merged adjacent ones; other processes' reads of that
// disk count too, so it is a bound from above on a quiet machine).
class ReadCounter {
 public:
  explicit ReadCounter(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) die_errno("stat " + path);
    stat_path_ = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) + "/stat";
  }
  struct Reads {
    long major_faults = 0;
    std::optional<std::uint64_t> device_reads;  // none where the file system has no block device
  };
  Reads now() const {
    Reads r;
    rusage usage {};
    ::getrusage(RUSAGE_THREAD, &usage);
    r.major_faults = usage.ru_majflt;
    std::ifstream in(stat_path_);
    std::uint64_t reads = 0;
    if (in >> reads) r.device_reads = reads;
    return r;
  }

 private:
  std::string stat_path_;
};

// Cold-start bookkeeping: evicts before each iteration (not timed) and
// reports how much of the file was resident after eviction (should be 0) and
// after the timed operation (what it read in), and the reads it took
// (ReadCounter).
class Cold {
 public:
  Cold(State& st, Fixture& f) : st_(st), f_(f), counter_(f.cold_path()) {}
  void before() {
    st_.PauseTiming();
    evicted_ += evict(f_, f_.cold_path());
    start_ = counter_.now();
    st_.ResumeTiming();
  }
  void after() {
    st_.PauseTiming();
    const ReadCounter::Reads end = counter_.now();
    major_faults_ += static_cast<double>(end.major_faults - start_.major_faults);
    if (end.device_reads && start_.device_reads) {
      device_reads_ += static_cast<double>(*end.device_reads - *start_.device_reads);
    } else {
      device_reads_known_ = false;
    }
    read_ += residency(f_, f_.cold_path());
    st_.ResumeTiming();
  }
  ~Cold() {
    st_.counters["resident_after_evict"] = Counter(evicted_, Counter::kAvgIterations);
    st_.counters["resident_after_op"] = Counter(read_, Counter::kAvgIterations);
    st_.counters["bytes_read_in"] = Counter(read_ * static_cast<double>(f_.file_size()), Counter::kAvgIterations);
    st_.counters["major_faults"] = Counter(major_faults_, Counter::kAvgIterations);
    if (device_reads_known_) st_.counters["device_reads"] = Counter(device_reads_, Counter::kAvgIterations);
  }

 private:
  State& st_;
  Fixture& f_;
  ReadCounter counter_;
  ReadCounter::Reads start_;
  double evicted_ = 0, read_ = 0, major_faults_ = 0, device_reads_ = 0;
  bool device_reads_known_ = true;
};

// The hints given to a fresh mapping: none (the kernel's default
// read-around), Snapshot::open's for full verification (MADV_SEQUENTIAL and
// MADV_HUGEPAGE, lib/src/container/mapped_file.h), or its lazy mode's (MADV_RANDOM).
enum class Advice { none, as_full_open, random };

// A fresh read-only mapping of the whole file.
struct Mapping {
  Mapping(const std::string& path, std::uint64_t size, Advice advice, int flags = 0) : size(size) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_errno("open " + path);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | flags, fd, 0);
    if (p == MAP_FAILED) die_errno("mmap " + path);
    ::close(fd);
    if (advice == Advice::as_full_open) {
      ::madvise(p, size, MADV_SEQUENTIAL);
      ::madvise(p, size, MADV_HUGEPAGE);
    } else if (advice == Advice::random) {
      ::madvise(p, size, MADV_RANDOM);
    }
    data = static_cast<const std::uint8_t*>(p);
  }
  ~Mapping() { ::munmap(const_cast<std::uint8_t*>(data), size); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const std::uint8_t* data = nullptr;
  std::uint64_t size;
};

std::uint64_t sum_words(const std::uint8_t* data, std::uint64_t size) {
  const auto* words = reinterpret_cast<const std::uint64_t*>(data);
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  std::uint64_t n = size / 8, i = 0;
  for (; i + 4 <= n; i += 4) a += words[i], b += words[i + 1], c += words[i + 2], d += words[i + 3];
  for (; i < n; ++i) a += words[i];
  return a + b + c + d;
}

// ---------------------------------------------------------------- limits

void BM_Memcpy(State& st, Fixture& f) {
  for (auto _ : st) {
    std::memcpy(f.scratch(), f.file(), f.file_size());
    benchmark::ClobberMemory();
  }
  report_bytes(st, f);
}

void xxh3_aligned_pass(const Fixture& f) { benchmark::DoNotOptimize(XXH3_64bits_dispatch(f.file(), f.file_size())); }

void BM_Xxh3Aligned(State& st, Fixture& f) {
  for (auto _ : st) xxh3_aligned_pass(f);
  report_bytes(st, f);
}

// The two-core limit: the calling thread and one started for the iteration
// (as Snapshot::open with threads = 2 does) each hash one half.
void xxh3_halves(const std::uint8_t* data, std::size_t size) {
  const std::size_t half = size / 2 / 64 * 64;
  std::uint64_t second = 0;
  {
    std::jthread helper([&] { second = XXH3_64bits_dispatch(data + half, size - half); });
    benchmark::DoNotOptimize(XXH3_64bits_dispatch(data, half));
  }
  benchmark::DoNotOptimize(second);
}
void BM_Xxh3Aligned2T(State& st, Fixture& f) {
  for (auto _ : st) xxh3_halves(f.file(), f.file_size());
  report_bytes(st, f);
}

void BM_Xxh3Unaligned(State& st, Fixture& f) {
  for (auto _ : st) benchmark::DoNotOptimize(XXH3_64bits_dispatch(f.file() + 8, f.file_size()));
  report_bytes(st, f);
}

// libxxhash's runtime-dispatched XXH3 (AVX2/AVX-512 here), the one bbsnap
// calls; every XXH3 limit in this file uses it too, so that the limit is the
// same hash code as ours. (Plain XXH3_64bits is libxxhash's SSE2 build.)
// libxxhash's AVX2/AVX-512 code returns without VZEROUPPER: until something
// clears the upper register state, SSE code (such as the SSE2 XXH3_64bits)
// runs about 3x slower on this machine. Clear it, so that the benchmarks run
// after this one measure what they would in a clean process.
void clear_upper_vector_state() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx")) asm volatile("vzeroupper" ::: "memory");
#endif
}

void BM_Xxh3Dispatch(State& st, Fixture& f) {
#if defined(__x86_64__)
  for (auto _ : st) benchmark::DoNotOptimize(XXH3_64bits_dispatch(f.file(), f.file_size()));
  clear_upper_vector_state();
  report_bytes(st, f);
#else
  st.SkipWithError("x86-64 only");
  (void)f;
#endif
}

// What full verification cannot avoid when it reads from a file: a fresh
// mapping (as Snapshot::open makes), faulted in while hashed, then unmapped.
void xxh3_mapped_pass(const Fixture& f) {
  Mapping m(f.path(), f.file_size(), Advice::as_full_open);
  benchmark::DoNotOptimize(XXH3_64bits_dispatch(m.data, m.size));
}

void BM_Xxh3Mapped(State& st, Fixture& f) {
  FaultMeter faults;
  for (auto _ : st) xxh3_mapped_pass(f);
  faults.report(st);
  report_bytes(st, f);
}

void BM_Xxh3Mapped2T(State& st, Fixture& f) {
  FaultMeter faults;
  for (auto _ : st) {
    Mapping m(f.path(), f.file_size(), Advice::as_full_open);
    xxh3_halves(m.data, m.size);
  }
  faults.report(st);
  report_bytes(st, f);
}

// The same with the page tables filled by mmap itself (MAP_POPULATE) instead
// of one page fault per fault-around block: what Snapshot::open could do.
void BM_Xxh3MappedPopulate(State& st, Fixture& f) {
  FaultMeter faults;
  for (auto _ : st) {
    Mapping m(f.path(), f.file_size(), Advice::as_full_open, MAP_POPULATE);
    benchmark::DoNotOptimize(XXH3_64bits_dispatch(m.data, m.size));
  }
  faults.report(st);
  report_bytes(st, f);
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
// The same with madvise(MADV_POPULATE_READ) (Linux 5.14) after mmap.
void BM_Xxh3MappedPopulateRead(State& st, Fixture& f) {
  FaultMeter faults;
  for (auto _ : st) {
    Mapping m(f.path(), f.file_size(), Advice::as_full_open);
    ::madvise(const_cast<std::uint8_t*>(m.data), m.size, MADV_POPULATE_READ);
    benchmark::DoNotOptimize(XXH3_64bits_dispatch(m.data, m.size));
  }
  faults.report(st);
  report_bytes(st, f);
}

void BM_ReadMapping(State& st, Fixture& f) {
  FaultMeter faults;
  for (auto _ : st) {
    Mapping m(f.path(), f.file_size(), Advice::as_full_open);
    benchmark::DoNotOptimize(sum_words(m.data, m.size));
  }
  faults.report(st);
  report_bytes(st, f);
}

// ---------------------------------------------------------------- bbsnap: open

void open_full_pass(const Fixture& f, unsigned threads, Load load = Load::map) {
  Snapshot s = open_snapshot(f.path(), {.verification = Verification::full, .load = load, .threads = threads});
  benchmark::DoNotOptimize(s.bytes().data());
}

void open_full(State& st, Fixture& f, unsigned threads, Load load = Load::map) {
  HeapMeter heap;
  FaultMeter faults;
  for (auto _ : st) open_full_pass(f, threads, load);
  heap.report(st);  // first: adding counters to the State allocates
  faults.report(st);
  report_bytes(st, f);
}
void BM_OpenFull(State& st, Fixture& f) { open_full(st, f, 1); }
void BM_OpenFull2T(State& st, Fixture& f) { open_full(st, f, 2); }
// Load::read: the file (in the page cache) preaded into a fresh anonymous
// buffer, then verified: one copy more than the mapping.
void BM_OpenFullRead(State& st, Fixture& f) { open_full(st, f, 1, Load::read); }

// Full verification of the bytes in memory (from_bytes): no mapping, no faults.
void open_full_bytes_pass(const Fixture& f, unsigned threads) {
  Result<Snapshot> s = Snapshot::from_bytes(f.file_span(), {.verification = Verification::full, .threads = threads});
  if (!s) die("from_bytes", s.error());
}

void open_full_bytes(State& st, Fixture& f, unsigned threads) {
  HeapMeter heap;
  for (auto _ : st) open_full_bytes_pass(f, threads);
  heap.report(st);
  report_bytes(st, f);
}
void BM_OpenFullBytes(State& st, Fixture& f) { open_full_bytes(st, f, 1); }
void BM_OpenFullBytes2T(State& st, Fixture& f) { open_full_bytes(st, f, 2); }

// ---------------------------------------------------------------- bbsnap vs its limit, paired

// Ours and its reference timed alternately in every iteration (which of the
// two goes first alternates too), so that both sample the same machine.
// Timed as separate benchmarks, each repetition of a 64 MiB pass here swings
// by up to 20% with the same work and the same page faults (the speed of
// this virtual machine's memory varies, presumably with the other tenants of
// its host), and a ratio of two medians taken at different moments failed a
// 1.1 +10% gate on noise alone (open_full_vs_xxh3/M 1.36 in one CI run,
// 1.08-1.15 in the others).
// Reports each side's time per iteration, thread CPU and wall clock, and
// their ratios over the repetition; the gate takes the median of those.
class PairClock {
 public:
  template <class Operation>
  void time(Operation&& operation) {
    const double cpu = thread_cpu_ns();
    const auto real = std::chrono::steady_clock::now();
    operation();
    real_ns_ += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - real).count();
    cpu_ns_ += thread_cpu_ns() - cpu;
  }
  double cpu_ns() const { return cpu_ns_; }
  double real_ns() const { return real_ns_; }

 private:
  static double thread_cpu_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
  }
  double cpu_ns_ = 0, real_ns_ = 0;
};

// `before` runs untimed before each of the two (a cold pair evicts the file).
// Returns our side's clock, for rates of other sizes than the file's.
template <class Ours, class Reference, class Before>
PairClock paired(State& st, Fixture& f, Ours&& ours, Reference&& reference, Before&& before) {
  PairClock ours_clock, reference_clock;
  auto time = [&](PairClock& clock, auto& operation) {
    before();
    clock.time(operation);
  };
  bool ours_first = true;
  for (auto _ : st) {
    if (ours_first) time(ours_clock, ours);
    time(reference_clock, reference);
    if (!ours_first) time(ours_clock, ours);
    ours_first = !ours_first;
  }
  st.counters["ours_cpu_ns"] = Counter(ours_clock.cpu_ns(), Counter::kAvgIterations);
  st.counters["ours_real_ns"] = Counter(ours_clock.real_ns(), Counter::kAvgIterations);
  st.counters["ref_cpu_ns"] = Counter(reference_clock.cpu_ns(), Counter::kAvgIterations);
  st.counters["ref_real_ns"] = Counter(reference_clock.real_ns(), Counter::kAvgIterations);
  st.counters["ratio_cpu"] = ours_clock.cpu_ns() / reference_clock.cpu_ns();
  st.counters["ratio_real"] = ours_clock.real_ns() / reference_clock.real_ns();
  report_bytes(st, f);
  return ours_clock;
}

template <class Ours, class Reference>
PairClock paired(State& st, Fixture& f, Ours&& ours, Reference&& reference) {
  return paired(st, f, ours, reference, [] {});
}

// paired() on the cold file, evicted (untimed) before each side; reports how
// much of it the evictions left cached (should be 0).
template <class Ours, class Reference>
void paired_cold(State& st, Fixture& f, Ours&& ours, Reference&& reference) {
  double resident = 0;
  paired(st, f, ours, reference, [&] { resident += evict(f, f.cold_path()); });
  st.counters["resident_after_evict"] =
      Counter(resident / 2, Counter::kAvgIterations);  // two evictions per iteration
}

void BM_PairOpenFullXxh3Mapped(State& st, Fixture& f) {
  paired(st, f, [&] { open_full_pass(f, 1); }, [&] { xxh3_mapped_pass(f); });
}
void BM_PairOpenFull2TXxh3Mapped(State& st, Fixture& f) {
  paired(st, f, [&] { open_full_pass(f, 2); }, [&] { xxh3_mapped_pass(f); });
}
void BM_PairOpenFullBytesXxh3Aligned(State& st, Fixture& f) {
  paired(st, f, [&] { open_full_bytes_pass(f, 1); }, [&] { xxh3_aligned_pass(f); });
}

void open_lookup(State& st, Fixture& f, Verification mode) {
  HeapMeter heap;
  FaultMeter faults;
  for (auto _ : st) {
    Snapshot s = open_snapshot(f.path(), {.verification = mode});
    use_lookup(s.slot(f.probe()));
  }
  heap.report(st);  // first: adding counters to the State allocates
  faults.report(st);
  report_bytes(st, f);
}
void BM_OpenLazyLookup(State& st, Fixture& f) { open_lookup(st, f, Verification::lazy); }

// Lazy open + first lookup of this state's file vs the same on S's file,
// timed alternately (see paired()): "constant in the file size" as one
// ratio. Two separate medians of 0.1-0.3 ms CPU swing by up to 2x between
// runs on the shared host (M against S measured 0.77 to 2.78).
void BM_PairOpenLazyLookupVsS(State& st, Fixture& f) {
  const Fixture& small = fixture(kStates[0], 0);
  auto open_and_look_up = [](const Fixture& x) {
    Snapshot s = open_snapshot(x.path(), {.verification = Verification::lazy});
    use_lookup(s.slot(x.probe()));
  };
  paired(st, f, [&] { open_and_look_up(f); }, [&] { open_and_look_up(small); });
}
void BM_OpenTrustedLookup(State& st, Fixture& f) { open_lookup(st, f, Verification::trusted); }

void BM_WalkViews(State& st, Fixture& f) {
  const Snapshot& s = f.full();
  for (auto _ : st) {
    alt::Digest d(false);
    if (!alt::walk(s, d)) die("walk");
    benchmark::DoNotOptimize(d.value());
  }
  report_bytes(st, f);
}

void random_lookups(State& st, Fixture& f, const Snapshot& s) {
  HeapMeter heap;
  for (auto _ : st) {
    for (const SlotKey& key : f.lookups()) use_lookup(s.slot(key));
  }
  heap.report(st);
  st.counters["lookups_per_second"] = Counter(static_cast<double>(f.lookups().size()), Counter::kIsIterationInvariantRate);
}
// After a full open: binary searches, no checks.
void BM_RandomLookups(State& st, Fixture& f) { random_lookups(st, f, f.full()); }
// Lazy mode: each value's hash is checked on every access.
void BM_RandomLookupsLazy(State& st, Fixture& f) { random_lookups(st, f, f.lazy()); }

// The owned, copying restore (destroying the copy is not timed). Each copy
// after the first reuses the heap the previous one freed: the best case.
// A restoring process starts without that heap: with `fresh_heap` the freed
// pages go back to the kernel (malloc_trim) before the next copy, which then
// faults in and zeroes every page it writes, as a process's first copy does.
void to_model(State& st, Fixture& f, bool fresh_heap) {
  const Snapshot& s = f.full();
  for (auto _ : st) {
    std::optional<Result<TransientSnapshot>> model(s.to_model());
    if (!*model) die("to_model", (*model).error());
    st.PauseTiming();
    model.reset();
    if (fresh_heap) ::malloc_trim(0);
    st.ResumeTiming();
  }
  report_bytes(st, f);
}
void BM_ToModel(State& st, Fixture& f) { to_model(st, f, false); }
void BM_ToModelFreshHeap(State& st, Fixture& f) { to_model(st, f, true); }

// ---------------------------------------------------------------- cold start

// The cold file read into the scratch buffer.
void pread_cold_pass(Fixture& f) {
  int fd = ::open(f.cold_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open");
  std::uint64_t done = 0;
  while (done < f.file_size()) {
    ssize_t n = ::pread(fd, f.scratch() + done, std::min<std::uint64_t>(f.file_size() - done, 1u << 30),
                        static_cast<off_t>(done));
    if (n <= 0) die_errno("pread");
    done += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
}

void BM_PreadCold(State& st, Fixture& f) {
  {
    Cold cold(st, f);
    for (auto _ : st) {
      cold.before();
      pread_cold_pass(f);
      cold.after();
    }
  }
  report_bytes(st, f);
}

void open_full_cold_pass(const Fixture& f, unsigned threads, Load load = Load::map) {
  Snapshot s = open_snapshot(f.cold_path(), {.verification = Verification::full, .load = load, .threads = threads});
  benchmark::DoNotOptimize(s.bytes().data());
}

void open_full_cold(State& st, Fixture& f, unsigned threads, Load load = Load::map) {
  {
    Cold cold(st, f);
    for (auto _ : st) {
      cold.before();
      open_full_cold_pass(f, threads, load);
      cold.after();
    }
  }
  report_bytes(st, f);
}

// Cold full open and pread of the cold file, paired (see paired()): the
// disk's speed here varies by up to 45% (CV) between repetitions of the
// 1 GiB file, more than the gate's margin. The file is evicted, untimed,
// before each of the two.
void BM_PairOpenFullColdPread(State& st, Fixture& f) {
  paired_cold(st, f, [&] { open_full_cold_pass(f, 1); }, [&] { pread_cold_pass(f); });
}

// The same with Load::read.
void BM_PairOpenFullReadColdPread(State& st, Fixture& f) {
  paired_cold(st, f, [&] { open_full_cold_pass(f, 1, Load::read); }, [&] { pread_cold_pass(f); });
}

void BM_OpenFullCold(State& st, Fixture& f) { open_full_cold(st, f, 1); }
void BM_OpenFullCold2T(State& st, Fixture& f) { open_full_cold(st, f, 2); }
void BM_OpenFullReadCold(State& st, Fixture& f) { open_full_cold(st, f, 1, Load::read); }

void open_lazy_lookup_cold_pass(Fixture& f) {
  Snapshot s = open_snapshot(f.cold_path(), {.verification = Verification::lazy});
  use_lookup(s.slot(f.probe()));
}

void BM_OpenLazyLookupCold(State& st, Fixture& f) {
  {
    Cold cold(st, f);
    for (auto _ : st) {
      cold.before();
      open_lazy_lookup_cold_pass(f);
      cold.after();
    }
  }
  report_bytes(st, f);
}

// The floor under a cold lookup: map the cold file and read the first byte of
// the probed slot's value, with the kernel's default read-around or MADV_RANDOM.
std::uint64_t probe_offset(Fixture& f) {
  return static_cast<std::uint64_t>(f.full().slot(f.probe())->value.data() - f.full().bytes().data());
}
void cold_touch_pass(Fixture& f, Advice advice, std::uint64_t offset) {
  Mapping m(f.cold_path(), f.file_size(), advice);
  benchmark::DoNotOptimize(load_byte(m.data + offset));
}
void cold_touch(State& st, Fixture& f, Advice advice) {
  const std::uint64_t offset = probe_offset(f);
  Cold cold(st, f);
  for (auto _ : st) {
    cold.before();
    cold_touch_pass(f, advice, offset);
    cold.after();
  }
}
void BM_ColdTouchDefault(State& st, Fixture& f) { cold_touch(st, f, Advice::none); }

// XXH3 over a fresh mapping of the cold file, advised as Snapshot::open does
// for full verification: the floor of a cold full open by mmap.
// With `willneed`, MADV_WILLNEED over the whole file first (readahead of all of
// it starts at once, hashing follows the I/O).
void xxh3_mapped_cold(State& st, Fixture& f, bool willneed) {
  {
    Cold cold(st, f);
    for (auto _ : st) {
      cold.before();
      {
        Mapping m(f.cold_path(), f.file_size(), Advice::as_full_open);
        if (willneed) ::madvise(const_cast<std::uint8_t*>(m.data), m.size, MADV_WILLNEED);
        benchmark::DoNotOptimize(XXH3_64bits_dispatch(m.data, m.size));
      }
      cold.after();
    }
  }
  report_bytes(st, f);
}
void BM_Xxh3MappedCold(State& st, Fixture& f) { xxh3_mapped_cold(st, f, false); }

// The same bytes hashed in the order full verification reads them: every
// section's metadata first (each slot chunk's metadata follows its payload,
// so this pass jumps through the file), then the payload areas. Shows what
// that order costs on a cold file, independently of the verification work.
void BM_Xxh3MappedColdTwoPass(State& st, Fixture& f) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> metadata, payload;  // offset, length
  for (const format::SectionEntry& e : f.full().sections()) {
    metadata.emplace_back(e.offset + e.payload_length, e.length - e.payload_length);
    if (e.payload_length) payload.emplace_back(e.offset, e.payload_length);
  }
  {
    Cold cold(st, f);
    for (auto _ : st) {
      cold.before();
      {
        Mapping m(f.cold_path(), f.file_size(), Advice::as_full_open);
        std::uint64_t h = 0;
        for (const auto& [offset, length] : metadata) h ^= XXH3_64bits_dispatch(m.data + offset, length);
        for (const auto& [offset, length] : payload) h ^= XXH3_64bits_dispatch(m.data + offset, length);
        benchmark::DoNotOptimize(h);
      }
      cold.after();
    }
  }
  report_bytes(st, f);
}
void BM_Xxh3MappedColdWillneed(State& st, Fixture& f) { xxh3_mapped_cold(st, f, true); }
void BM_ColdTouchRandom(State& st, Fixture& f) { cold_touch(st, f, Advice::random); }

// Cold lazy open + first lookup and one cold page (BM_ColdTouchRandom's
// pass), paired (see paired()): each a few hundred microseconds of disk
// latency, which on a shared virtual disk drifts between repetitions.
void BM_PairOpenLazyLookupColdTouch(State& st, Fixture& f) {
  const std::uint64_t offset = probe_offset(f);
  paired_cold(st, f, [&] { open_lazy_lookup_cold_pass(f); }, [&] { cold_touch_pass(f, Advice::random, offset); });
}

// ---------------------------------------------------------------- writing

// write() of the file's bytes from one buffer to a new file: the limit. The
// previous file is removed before the iteration, untimed.
void BM_WriteSyscall(State& st, Fixture& f) {
  const std::string path = g_dir + "/w_syscall.bin";
  for (auto _ : st) {
    st.PauseTiming();
    ::unlink(path.c_str());
    settle_writeback();
    st.ResumeTiming();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) die_errno("open " + path);
    write_all(fd, f.file(), f.file_size(), path);
    ::close(fd);
  }
  ::unlink(path.c_str());
  report_bytes(st, f);
}

// The same plus what an atomic replacement adds without fsync: write to a
// temporary file and rename it over the previous one (on ext4 the rename
// over an existing file also starts writeback of the new one: auto_da_alloc).
// With `durable`, fsync before the rename and of the directory after it:
// the writer's exact file-system work.
void write_syscall_rename(State& st, Fixture& f, bool durable) {
  const std::string temp = g_dir + "/w_rename.tmp", path = g_dir + "/w_rename.bin";
  for (auto _ : st) {
    st.PauseTiming();
    settle_writeback();
    st.ResumeTiming();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) die_errno("open " + temp);
    write_all(fd, f.file(), f.file_size(), temp);
    if (durable && ::fsync(fd) != 0) die_errno("fsync");
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) die_errno("rename");
    if (durable) fsync_directory(g_dir);
  }
  ::unlink(path.c_str());
  report_bytes(st, f);
}
void BM_WriteSyscallRename(State& st, Fixture& f) { write_syscall_rename(st, f, false); }
void BM_WriteSyscallFsync(State& st, Fixture& f) { write_syscall_rename(st, f, true); }

// What any writer of the model pays before it writes a byte: one walk of
// the slot table, a std::map, reading each key and where its value is (not
// the value's bytes). At 1M slots the walk is a chain of dependent loads,
// node to node, that no serializer of this model can avoid.
void BM_WalkModel(State& st, Fixture& f) {
  for (auto _ : st) {
    std::uint64_t sum = 0;
    for (const auto& [key, value] : f.model().slot_table) {
      sum += key.site + key.exec;
      if (value) sum += value->size() + reinterpret_cast<std::uintptr_t>(value->data());
    }
    benchmark::DoNotOptimize(sum);
  }
  report_bytes(st, f);
}

// `replace`: over the previous iteration's file, as a checkpoint loop does
// (the kernel then also drops the old file's pages); otherwise to a path
// removed before the iteration, untimed, exactly as BM_WriteSyscall writes.
void write_whole(State& st, Fixture& f, bool durable, bool replace = true) {
  const std::string path = g_dir + "/w_whole.bbsnap";
  for (auto _ : st) {
    st.PauseTiming();
    if (!replace) ::unlink(path.c_str());
    settle_writeback();
    st.ResumeTiming();
    if (Status s = write_snapshot(path, f.model(), {.durable = durable}); !s) die("write_snapshot", s.error());
  }
  ::unlink(path.c_str());
  report_bytes(st, f);
}
void BM_WriteSnapshot(State& st, Fixture& f) { write_whole(st, f, false); }
void BM_WriteSnapshotNew(State& st, Fixture& f) { write_whole(st, f, false, false); }
void BM_WriteSnapshotDurable(State& st, Fixture& f) { write_whole(st, f, true); }

// ---------------------------------------------------------------- checkpoint directory

// A checkpoint directory of `generations` generations of the state, made
// untimed; removed with its benchmark.
class CheckpointDir {
 public:
  CheckpointDir(const Fixture& f, unsigned generations) : dir_(g_dir + "/ckpt_" + f.name()) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directory(dir_);
    Result<CheckpointWriter> w = CheckpointWriter::open(dir_, {.keep = generations, .write = {.durable = false}});
    if (!w) die("CheckpointWriter::open", w.error());
    for (unsigned g = 0; g < generations; ++g) {
      Result<CommitReport> r = w->commit(f.model());
      if (!r) die("commit", r.error());
      newest_ = r->committed.path;
    }
    w->wait_for_removals();
    settle_writeback();  // 3 x the state, not durable: written back now, not during the timed passes
  }
  ~CheckpointDir() { std::filesystem::remove_all(dir_); }
  const std::string& dir() const { return dir_; }
  const std::string& newest() const { return newest_; }

 private:
  std::string dir_, newest_;
};

// restore_newest (list the directory, open the newest in full) vs opening
// that generation directly: the price of finding it. Warm, one thread.
void BM_PairRestoreNewestOpenFull(State& st, Fixture& f) {
  const CheckpointDir ckpt(f, 3);
  const OpenOptions full{.verification = Verification::full, .threads = 1};
  auto restore = [&] {
    Result<std::optional<RestoredGeneration>> r = restore_newest(ckpt.dir(), full);
    if (!r) die("restore_newest", r.error());
    if (!r->has_value()) die("restore_newest: no generation in " + ckpt.dir());
    benchmark::DoNotOptimize((*r)->snapshot.bytes().data());
  };
  auto open = [&] { benchmark::DoNotOptimize(open_snapshot(ckpt.newest(), full).bytes().data()); };
  // Once each, untimed: at M a repetition is a few iterations, and the
  // first pass over the files just written (which `paired` gives to ours)
  // would otherwise carry the page cache's first-use costs alone.
  restore();
  open();
  paired(st, f, restore, open);
}

// commit (list, write the next generation durably, retention over the
// newest three: lazy opens of the two older ones, the removal of the
// oldest) vs the durable write_snapshot to a new file that it performs.
// Writeback settled, and the reference's previous file removed, untimed,
// before each.
void BM_PairCommitWriteDurable(State& st, Fixture& f) {
  const CheckpointDir ckpt(f, 3);
  Result<CheckpointWriter> writer = CheckpointWriter::open(ckpt.dir(), {.keep = 3, .write = {}});
  if (!writer) die("CheckpointWriter::open", writer.error());
  const std::string path = g_dir + "/w_commit_ref.bbsnap";
  auto commit = [&] {
    Result<CommitReport> r = writer->commit(f.model());
    if (!r) die("commit", r.error());
    if (r->prune_error) die("commit's retention", *r->prune_error);
  };
  auto write = [&] {
    if (Status s = write_snapshot(path, f.model()); !s) die("write_snapshot", s.error());
  };
  auto settle = [&] {
    ::unlink(path.c_str());
    writer->wait_for_removals();  // the files the commit removed are freed before either side runs
    settle_writeback();
  };
  // Once each, untimed, as a checkpoint loop runs: at M a repetition is one
  // iteration, and the first commit of a writer checks the generations it
  // did not write (checkpoints.h), which later ones do not.
  settle();
  commit();
  settle();
  write();
  paired(st, f, commit, write, settle);
  ::unlink(path.c_str());
}

// `replace` as for write_whole.
void write_streaming(State& st, Fixture& f, bool durable, bool replace = true) {
  const std::string path = g_dir + "/w_stream.bbsnap";
  for (auto _ : st) {
    st.PauseTiming();
    if (!replace) ::unlink(path.c_str());
    settle_writeback();
    st.ResumeTiming();
    Result<SnapshotWriter> w = SnapshotWriter::create(path, {.durable = durable});
    if (!w) die("SnapshotWriter::create", w.error());
    for (const auto& [key, value] : f.model().slot_table) {
      std::optional<std::span<const std::uint8_t>> view;
      if (value) view = std::span<const std::uint8_t>(*value);
      if (Status s = w->add_slot(key, view); !s) die("add_slot", s.error());
    }
    if (Status s = w->finish(f.rest()); !s) die("finish", s.error());
  }
  ::unlink(path.c_str());
  report_bytes(st, f);
}
void BM_WriteStreaming(State& st, Fixture& f) { write_streaming(st, f, false); }
void BM_WriteStreamingNew(State& st, Fixture& f) { write_streaming(st, f, false, false); }
void BM_WriteStreamingDurable(State& st, Fixture& f) { write_streaming(st, f, true); }

// The same bytes in memory (encode_snapshot).
void BM_EncodeSnapshot(State& st, Fixture& f) {
  for (auto _ : st) {
    Result<AlignedBuffer> b = encode_snapshot(f.model());
    if (!b) die("encode_snapshot", b.error());
    benchmark::DoNotOptimize(b->data());
  }
  report_bytes(st, f);
}

// ---------------------------------------------------------------- alternatives

void report_encoded(State& st, const Fixture& f, std::size_t encoded) {
  report_bytes(st, f);
  st.counters["encoded_bytes"] = Counter(static_cast<double>(encoded));
}

void BM_FlatBufBuild(State& st, Fixture& f) {
  for (auto _ : st) {
    flatbuffers::FlatBufferBuilder b(f.file_size() + f.file_size() / 4 + (1 << 20));
    b.Finish(alt::to_flatbuffer(f.model(), b));
    benchmark::DoNotOptimize(b.GetBufferPointer());
  }
  report_encoded(st, f, f.flatbuf().size());
}

void BM_FlatBufVerify(State& st, Fixture& f) {
  for (auto _ : st) {
    if (!Fixture::verify_flatbuf(f.flatbuf())) die("FlatBuffers Verifier");
  }
  report_encoded(st, f, f.flatbuf().size());
}

// A plain FlatBuffer made safe the way bbsnap is: one checksum over the buffer plus the Verifier.
void BM_FlatBufXxh3Verify(State& st, Fixture& f) {
  for (auto _ : st) {
    benchmark::DoNotOptimize(XXH3_64bits_dispatch(f.flatbuf().data(), f.flatbuf().size()));
    if (!Fixture::verify_flatbuf(f.flatbuf())) die("FlatBuffers Verifier");
  }
  report_encoded(st, f, f.flatbuf().size());
}

void BM_FlatBufWalk(State& st, Fixture& f) {
  for (auto _ : st) {
    alt::Digest d(false);
    alt::walk(*flatbuffers::GetRoot<alt::fbw::Whole>(f.flatbuf().data()), d);
    benchmark::DoNotOptimize(d.value());
  }
  report_encoded(st, f, f.flatbuf().size());
}

void BM_ProtoSerialize(State& st, Fixture& f) {
  for (auto _ : st) {
    if (!f.proto().SerializeToArray(f.proto_out(), static_cast<int>(f.proto_bytes().size()))) die("SerializeToArray");
    benchmark::ClobberMemory();
  }
  report_encoded(st, f, f.proto_bytes().size());
}

// A fresh message per restore; destroying it is not timed.
void BM_ProtoParse(State& st, Fixture& f) {
  for (auto _ : st) {
    auto message = std::make_unique<alt::pb::TransientSnapshot>();
    if (!message->ParseFromArray(f.proto_bytes().data(), static_cast<int>(f.proto_bytes().size()))) die("ParseFromArray");
    st.PauseTiming();
    message.reset();
    st.ResumeTiming();
  }
  report_encoded(st, f, f.proto_bytes().size());
}

void BM_CapnpBuild(State& st, Fixture& f) {
  for (auto _ : st) {
    capnp::MallocMessageBuilder message(
        static_cast<capnp::uint>(std::min<std::uint64_t>(f.file_size() / 8 + 8192, 1u << 28)),
        capnp::AllocationStrategy::FIXED_SIZE);
    alt::to_capnp(f.model(), message.initRoot<alt::cp::TransientSnapshot>());
    benchmark::DoNotOptimize(message.getSegmentsForOutput().size());
  }
  report_encoded(st, f, f.capnp_words().size() * sizeof(capnp::word));
}

// FlatArrayMessageReader and a traversal of every field (its bounds checks
// happen during the traversal: Cap'n Proto has no up-front verification).
void BM_CapnpRead(State& st, Fixture& f) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = ~std::uint64_t{0};
  for (auto _ : st) {
    capnp::FlatArrayMessageReader reader(f.capnp_words(), options);
    alt::Digest d(false);
    alt::walk(reader.getRoot<alt::cp::TransientSnapshot>(), d);
    benchmark::DoNotOptimize(d.value());
  }
  report_encoded(st, f, f.capnp_words().size() * sizeof(capnp::word));
}

// ---------------------------------------------------------------- the state document (JSON)

std::string read_first_line_with(const char* path, const char* prefix);

// `bbsnap pack` and `bbsnap dump` against reading the document's bytes with
// read(2), what `cat` does: the same bytes, from the page cache. Rates are
// of the document's bytes (document_mb_per_s_cpu / _real: our side's).

constexpr std::size_t kReadBuffer = 1u << 20;

void read_document_pass(const Fixture& f, std::vector<char>& buffer) {
  const int fd = ::open(f.document_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open " + f.document_path());
  ssize_t n;
  while ((n = ::read(fd, buffer.data(), buffer.size())) > 0) benchmark::DoNotOptimize(buffer.data());
  if (n < 0) die_errno("read " + f.document_path());
  ::close(fd);
}

TransientSnapshot read_document_state(const Fixture& f) {
  const int fd = ::open(f.document_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open " + f.document_path());
  Result<TransientSnapshot> state = json::read_state(fd);
  ::close(fd);
  if (!state) die("read_state " + f.document_path(), state.error());
  return std::move(*state);
}

// What pack does, but for the fsyncs (the device's time, measured by the
// Durable benchmarks): a mapped document read by simdjson, the snapshot
// written to a new path (the previous one removed untimed, as for
// BM_WriteSnapshotNew). Destroying the state is part of it.
void pack_pass(const Fixture& f, const std::string& out) {
  const TransientSnapshot state = read_document_state(f);
  if (Status s = write_snapshot(out, state, {.durable = false}); !s) die("write_snapshot", s.error());
}

// A std::streambuf over write(2) to /dev/null in 64 KiB pieces: the output
// stream `dump` writes to standard output through.
class NullOut : public std::streambuf {
 public:
  NullOut() : buffer_(64u << 10), fd_(::open("/dev/null", O_WRONLY | O_CLOEXEC)) {
    if (fd_ < 0) die_errno("open /dev/null");
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  ~NullOut() override { ::close(fd_); }

 protected:
  int_type overflow(int_type ch) override {
    sync();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override {
    if (pptr() > pbase() && ::write(fd_, pbase(), static_cast<std::size_t>(pptr() - pbase())) < 0) return -1;
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return 0;
  }

 private:
  std::vector<char> buffer_;
  int fd_;
};

// What dump does: full verification (one thread), then the document from
// the mapping through the Emitter (tools/view_json.cc).
void dump_pass(const Fixture& f) {
  Snapshot s = open_snapshot(f.path(), {.verification = Verification::full, .threads = 1});
  NullOut null;
  std::ostream out(&null);
  json::Emitter emitter(out);
  if (Status walked = tool::emit_state(s, emitter, [&] { return out.good(); }); !walked) die("emit_state", walked.error());
  out.flush();
  if (!out) die("dump to /dev/null");
}

void report_document_rate(State& st, const Fixture& f, const PairClock& ours) {
  const double per_iteration = static_cast<double>(st.iterations());
  const auto mb_per_s = [&](double ns) { return static_cast<double>(f.document_size()) / (ns / per_iteration) * 1e3; };
  st.counters["document_bytes"] = Counter(static_cast<double>(f.document_size()));
  st.counters["document_mb_per_s_cpu"] = mb_per_s(ours.cpu_ns());
  st.counters["document_mb_per_s_real"] = mb_per_s(ours.real_ns());
}

void BM_PairPackJsonReadDocument(State& st, Fixture& f) {
  const std::string out = g_dir + "/w_pack.bbsnap";
  std::vector<char> buffer(kReadBuffer);
  const PairClock ours = paired(st, f, [&] { pack_pass(f, out); }, [&] { read_document_pass(f, buffer); }, [&] {
    ::unlink(out.c_str());
    settle_writeback();
  });
  ::unlink(out.c_str());
  report_document_rate(st, f, ours);
}

void BM_PairDumpJsonReadDocument(State& st, Fixture& f) {
  std::vector<char> buffer(kReadBuffer);
  const PairClock ours = paired(st, f, [&] { dump_pass(f); }, [&] { read_document_pass(f, buffer); });
  report_document_rate(st, f, ours);
}

// The other way in: the document through a pipe (a thread copies the file
// into it), read 64 KiB at a time by nlohmann's SAX parser, as `generate |
// bbsnap pack - OUT` does. The main thread's CPU time is the parse.
void BM_ParseJsonPipe(State& st, Fixture& f) {
  PairClock clock;
  for (auto _ : st) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) die_errno("pipe");
    std::thread writer([&] {
      const int in = ::open(f.document_path().c_str(), O_RDONLY | O_CLOEXEC);
      std::vector<char> buffer(kReadBuffer);
      ssize_t n;
      while (in >= 0 && (n = ::read(in, buffer.data(), buffer.size())) > 0) write_all(fds[1], reinterpret_cast<const std::uint8_t*>(buffer.data()), static_cast<std::size_t>(n), "pipe");
      if (in >= 0) ::close(in);
      ::close(fds[1]);
    });
    clock.time([&] {
      Result<TransientSnapshot> state = json::read_state(fds[0]);
      if (!state) die("read_state from a pipe", state.error());
    });
    ::close(fds[0]);
    writer.join();
  }
  report_document_rate(st, f, clock);
}

// Runs `program` with `args` (posix_spawn: no copy of this process's
// memory) and returns the start of what it printed (63 bytes at most: a
// number); dies unless it exits 0 having printed something.
std::string run_child(const std::string& program, const std::vector<std::string>& args) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) die_errno("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, report[1], STDOUT_FILENO);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(report[1]);
  if (spawned != 0) die("spawn " + program + ": " + std::string(std::strerror(spawned)));
  char text[64] = {};
  const ssize_t n = ::read(report[0], text, sizeof text - 1);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) die_errno("waitpid");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0) die(program + " failed");
  return text;
}

// pack's peak resident memory, in a process of its own (this program,
// started with --pack_child): the mapped document read by simdjson and the
// snapshot written, as pack does. The child reports its own VmHWM: the
// rusage of a process started by a large one counts that one's peak too
// (exec records the replaced memory's high-water mark). rss_vs_target:
// the peak over the target 1.3 x the decoded slot values + 64 MiB.
void BM_PackPeakRss(State& st, Fixture& f) {
  const std::string out = g_dir + "/w_pack_rss.bbsnap";
  double peak = 0;
  for (auto _ : st) {
    const std::string text = run_child("/proc/self/exe", {"--pack_child", f.document_path(), out});
    peak = std::max(peak, std::strtod(text.c_str(), nullptr) * 1024);
  }
  ::unlink(out.c_str());
  const double target = 1.3 * static_cast<double>(f.value_bytes()) + (64 << 20);
  st.counters["peak_rss_bytes"] = peak;
  st.counters["value_bytes"] = static_cast<double>(f.value_bytes());
  st.counters["rss_vs_target"] = peak / target;
  st.counters["document_bytes"] = Counter(static_cast<double>(f.document_size()));
}

// Runs bench/first_lookup.cc's program (beside this one) with `args`;
// returns the CLOCK_MONOTONIC nanoseconds it printed.
std::int64_t spawn_first_lookup(const std::vector<std::string>& args) {
  static const std::string program =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "bbsnap_first_lookup").string();
  return std::strtoll(run_child(program, args).c_str(), nullptr, 10);
}

std::int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// A runtime's cold start as the operator sees it: from starting a process
// (posix_spawn of bench/first_lookup.cc's program, dynamically linked to
// libbbsnap as a runtime would be; the program itself in the page cache) to
// its first slot lookup answered from the evicted checkpoint, by the clock the
// child reads when it has the value (manual time). BM_ProcessStart: the same
// program started with --start, which reads the clock at once: the share of
// starting a process that links libbbsnap.
void process_first_lookup(State& st, const std::vector<std::string>& args, const std::function<void()>& before) {
  for (auto _ : st) {
    before();
    const std::int64_t begin = monotonic_ns();
    const std::int64_t answered = spawn_first_lookup(args);
    st.SetIterationTime(static_cast<double>(answered - begin) / 1e9);
  }
}
void BM_ProcessFirstLookupCold(State& st, Fixture& f) {
  process_first_lookup(st, {f.cold_path(), std::to_string(f.probe().site), std::to_string(f.probe().exec)},
                       [&] { evict(f, f.cold_path()); });
}
void BM_ProcessStart(State& st, Fixture&) {
  process_first_lookup(st, {"--start"}, [] {});
}

// The child of BM_PackPeakRss: packs, then prints its VmHWM (KiB).
int pack_child(const char* document, const char* out) {
  const int fd = ::open(document, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 2;
  {
    Result<TransientSnapshot> state = json::read_state(fd);
    ::close(fd);
    if (!state || !write_snapshot(out, *state, {.durable = false})) return 1;
  }
  const std::string peak = read_first_line_with("/proc/self/status", "VmHWM");  // "123456 kB"
  std::printf("%s\n", peak.c_str());
  return peak == "unknown" ? 1 : 0;
}

// ---------------------------------------------------------------- registration

enum Iterations : unsigned {
  kAuto = 0,       // Google Benchmark's choice from --benchmark_min_time
  kColdRead = 1,   // evicts the file before each iteration: a fixed count
  kColdTouch = 2,  // the same, for a timed part of microseconds
  kOnce = 3,       // one iteration per repetition (a process of its own)
};

struct Bench {
  const char* name;
  void (*fn)(State&, Fixture&);
  unsigned needs;
  Iterations iterations = kAuto;
  bool on_scale_states = false;  // needs only the file (see StateSpec::streamed_bytes)
  // Repetitions instead of --benchmark_repetitions' (0: those), for a long
  // benchmark reported for information or with a steady result.
  int repetitions = 0;
  // Also uses S's fixture: not registered on the big states, whose own
  // fixtures making S's would free.
  bool uses_state_s = false;
  // Times each iteration itself (State::SetIterationTime) instead of the
  // wall clock around it.
  bool manual_time = false;
};

// Fixed iteration counts of the cold benchmarks, per repetition: eviction
// and the mincore checks are not timed, so --benchmark_min_time would ask
// for thousands of them on a microsecond operation.
benchmark::IterationCount cold_iterations(const StateSpec& spec, Iterations kind) {
  if (kind == kColdTouch) return 20;
  if (kind == kOnce) return 1;
  return spec.big ? 2 : std::string(spec.name) == "M" ? 5 : 20;
}

// Each bbsnap figure next to its limit; alternatives grouped by what they
// need in memory, so that at L each is built once.
const Bench kBenches[] = {
    // reading the whole file
    {"BM_Memcpy", BM_Memcpy, kScratch},
    {"BM_Xxh3Aligned", BM_Xxh3Aligned, 0},
    {"BM_Xxh3Aligned2T", BM_Xxh3Aligned2T, 0},
    {"BM_Xxh3Unaligned", BM_Xxh3Unaligned, 0},
    {"BM_Xxh3Dispatch", BM_Xxh3Dispatch, 0},
    {"BM_Xxh3Mapped", BM_Xxh3Mapped, 0},
    {"BM_Xxh3Mapped2T", BM_Xxh3Mapped2T, 0},
    {"BM_Xxh3MappedPopulate", BM_Xxh3MappedPopulate, 0},
    {"BM_Xxh3MappedPopulateRead", BM_Xxh3MappedPopulateRead, 0},
    {"BM_ReadMapping", BM_ReadMapping, 0},
    {"BM_OpenFull", BM_OpenFull, 0},
    {"BM_OpenFull2T", BM_OpenFull2T, 0},
    {"BM_OpenFullRead", BM_OpenFullRead, 0},
    {"BM_OpenFullBytes", BM_OpenFullBytes, 0},
    {"BM_OpenFullBytes2T", BM_OpenFullBytes2T, 0},
    {"BM_PairOpenFullXxh3Mapped", BM_PairOpenFullXxh3Mapped, 0},
    {"BM_PairOpenFull2TXxh3Mapped", BM_PairOpenFull2TXxh3Mapped, 0},
    {"BM_PairOpenFullBytesXxh3Aligned", BM_PairOpenFullBytesXxh3Aligned, 0},
    {"BM_ToModel", BM_ToModel, 0},
    {"BM_ToModelFreshHeap", BM_ToModelFreshHeap, 0},
    // lazy, trusted, lookups, views
    {"BM_OpenLazyLookup", BM_OpenLazyLookup, 0, kAuto, true},
    {"BM_PairOpenLazyLookupVsS", BM_PairOpenLazyLookupVsS, 0, kAuto, false, 0, true},
    {"BM_OpenTrustedLookup", BM_OpenTrustedLookup, 0, kAuto, true},
    {"BM_WalkViews", BM_WalkViews, 0},
    {"BM_RandomLookups", BM_RandomLookups, 0},
    {"BM_RandomLookupsLazy", BM_RandomLookupsLazy, 0, kAuto, true},
    // cold start
    {"BM_PreadCold", BM_PreadCold, kScratch, kColdRead},
    {"BM_OpenFullCold", BM_OpenFullCold, 0, kColdRead},
    {"BM_OpenFullCold2T", BM_OpenFullCold2T, 0, kColdRead},
    {"BM_OpenFullReadCold", BM_OpenFullReadCold, 0, kColdRead},
    {"BM_PairOpenFullColdPread", BM_PairOpenFullColdPread, kScratch, kColdRead},
    {"BM_PairOpenFullReadColdPread", BM_PairOpenFullReadColdPread, kScratch, kColdRead},
    {"BM_Xxh3MappedCold", BM_Xxh3MappedCold, 0, kColdRead},
    {"BM_Xxh3MappedColdWillneed", BM_Xxh3MappedColdWillneed, 0, kColdRead},
    {"BM_Xxh3MappedColdTwoPass", BM_Xxh3MappedColdTwoPass, 0, kColdRead},
    {"BM_ColdTouchDefault", BM_ColdTouchDefault, 0, kColdTouch},
    {"BM_ColdTouchRandom", BM_ColdTouchRandom, 0, kColdTouch, true},
    {"BM_OpenLazyLookupCold", BM_OpenLazyLookupCold, 0, kColdRead, true},
    {"BM_PairOpenLazyLookupColdTouch", BM_PairOpenLazyLookupColdTouch, 0, kColdRead},
    {"BM_ProcessFirstLookupCold", BM_ProcessFirstLookupCold, 0, kColdRead, false, 0, false, /*manual_time=*/true},
    {"BM_ProcessStart", BM_ProcessStart, 0, kColdRead, false, 0, false, /*manual_time=*/true},
    // writing
    {"BM_WriteSyscall", BM_WriteSyscall, 0},
    {"BM_WalkModel", BM_WalkModel, 0},
    {"BM_WriteSyscallRename", BM_WriteSyscallRename, 0},
    {"BM_WriteSnapshot", BM_WriteSnapshot, 0},
    {"BM_WriteSnapshotNew", BM_WriteSnapshotNew, 0},
    {"BM_WriteStreaming", BM_WriteStreaming, 0},
    {"BM_WriteStreamingNew", BM_WriteStreamingNew, 0},
    {"BM_EncodeSnapshot", BM_EncodeSnapshot, 0},
    {"BM_WriteSyscallFsync", BM_WriteSyscallFsync, 0},
    {"BM_WriteSnapshotDurable", BM_WriteSnapshotDurable, 0},
    {"BM_PairCommitWriteDurable", BM_PairCommitWriteDurable, 0},
    {"BM_PairRestoreNewestOpenFull", BM_PairRestoreNewestOpenFull, 0},
    {"BM_WriteStreamingDurable", BM_WriteStreamingDurable, 0},
    // alternatives
    {"BM_FlatBufBuild", BM_FlatBufBuild, kFlatBuf},
    {"BM_FlatBufVerify", BM_FlatBufVerify, kFlatBuf},
    {"BM_FlatBufXxh3Verify", BM_FlatBufXxh3Verify, kFlatBuf},
    {"BM_FlatBufWalk", BM_FlatBufWalk, kFlatBuf},
    {"BM_ProtoSerialize", BM_ProtoSerialize, kProto},
    {"BM_ProtoParse", BM_ProtoParse, kProto},
    {"BM_CapnpBuild", BM_CapnpBuild, kCapnp},
    {"BM_CapnpRead", BM_CapnpRead, kCapnp},
    // the state document
    {"BM_PairPackJsonReadDocument", BM_PairPackJsonReadDocument, kDocument},
    {"BM_PairDumpJsonReadDocument", BM_PairDumpJsonReadDocument, kDocument},
    {"BM_ParseJsonPipe", BM_ParseJsonPipe, kDocument, kAuto, false, 5},     // information; 2 s at M
    {"BM_PackPeakRss", BM_PackPeakRss, kDocument, kOnce, false, 3},  // the same to 0.1%; 1 s at M
};

void register_all() {
  for (const StateSpec& spec : kStates) {
    for (const Bench& b : kBenches) {
      if (spec.streamed_bytes > 0 && !b.on_scale_states) continue;
      if (spec.big && b.uses_state_s) continue;
      std::string name = std::string(b.name) + "/" + spec.name;
      auto* r = benchmark::RegisterBenchmark(name.c_str(), [&spec, &b](State& st) { b.fn(st, fixture(spec, b.needs)); })
                    ->Unit(benchmark::kMicrosecond);
      if (b.manual_time) {
        r->UseManualTime();
      } else {
        r->UseRealTime();
      }
      if (b.iterations != kAuto) r->Iterations(cold_iterations(spec, b.iterations));
      if (b.repetitions > 0) r->Repetitions(b.repetitions);
    }
  }
}

std::string read_first_line_with(const char* path, const char* prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) {
      std::size_t colon = line.find(':');
      std::string value = colon == std::string::npos ? line : line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "unknown";
}

void add_context() {
  benchmark::AddCustomContext("cpu_model", read_first_line_with("/proc/cpuinfo", "model name"));
  benchmark::AddCustomContext("memory", read_first_line_with("/proc/meminfo", "MemTotal"));
  utsname u{};
  if (::uname(&u) == 0) benchmark::AddCustomContext("kernel", std::string(u.sysname) + " " + u.release);
  benchmark::AddCustomContext("compiler", __VERSION__);
#ifdef NDEBUG
  benchmark::AddCustomContext("assertions", "off");
#else
  benchmark::AddCustomContext("assertions", "on");
#endif
  benchmark::AddCustomContext("xxhash", std::to_string(XXH_versionNumber()));
  benchmark::AddCustomContext("bench_dir", g_dir);
}

}  // namespace
}  // namespace bbsnap::bench

int main(int argc, char** argv) {
  using namespace bbsnap::bench;
  if (argc == 4 && std::string(argv[1]) == "--pack_child") return pack_child(argv[2], argv[3]);
  // Our own flag first; Google Benchmark takes the rest.
  std::vector<char*> args;
  bool own_dir = true;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--bench_dir=", 0) == 0) {
      g_dir = a.substr(12);
      own_dir = false;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (own_dir) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/var/tmp") + "/bbsnap-bench-XXXXXX";
    if (!::mkdtemp(pattern.data())) die_errno("mkdtemp " + pattern);
    g_dir = pattern;
  } else {
    std::filesystem::create_directories(g_dir);
  }
  int n = static_cast<int>(args.size());
  register_all();
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  add_context();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (own_dir) std::filesystem::remove_all(g_dir);
  return 0;
}
