// The bytes of a state document as the reference reader (nlohmann's SAX
// parser) takes them: one at a time through ByteIterator, from memory or
// from a file descriptor read in 64 KiB pieces. Reading stops where the
// parser stops: an invalid document is refused after at most one piece past
// the byte that makes it invalid, whatever the descriptor is (file, pipe,
// FIFO, socket, device), and at most `limit` bytes are ever handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>

namespace bbsnap::json {

class PaddedMapping;

class ByteSource {
 public:
  // Why the bytes ended, once they have.
  enum class End {
    not_yet,
    end_of_input,  // all of the memory, or end of file on the descriptor
    limit,         // there is more than `limit` bytes: the rest was not handed out
    read_error,    // read() failed: see read_errno()
  };

  // All of `bytes`, which must outlive the source. With a mapping, the
  // pages already handed out are released as the source goes on.
  explicit ByteSource(std::string_view bytes, PaddedMapping* mapping = nullptr);
  // `fd`, from its current offset, up to `limit` bytes. The descriptor stays
  // open; the source reads it and nothing else.
  ByteSource(int fd, std::uint64_t limit);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Whether the input starts with `prefix`, read ahead as far as needed
  // without handing anything out. Only before the first byte is handed out.
  bool starts_with(std::string_view prefix);

  // True when no byte is left. Reads the next piece first if needed, so it
  // may block (a pipe) until its writer writes or closes it.
  bool at_end() { return next_ == end_ && !refill(); }
  char peek() const { return *next_; }  // precondition: !at_end()
  void advance() { ++next_; }

  // Bytes handed out so far (the offset of the next one).
  std::uint64_t consumed() const { return base_ + static_cast<std::uint64_t>(next_ - begin_); }
  End end() const { return end_reason_; }
  int read_errno() const { return errno_; }
  std::uint64_t limit() const { return limit_; }

 private:
  bool refill();
  // Reads once more from fd_, appending to the current piece at `at`.
  bool read_more(std::size_t at);

  const char* begin_ = nullptr;  // the current piece
  const char* next_ = nullptr;
  const char* end_ = nullptr;
  std::uint64_t base_ = 0;  // offset of begin_
  End end_reason_ = End::not_yet;
  int errno_ = 0;

  // Memory: what is left to hand out after the current piece.
  std::string_view rest_;
  PaddedMapping* mapping_ = nullptr;

  // Descriptor.
  int fd_ = -1;
  std::uint64_t limit_ = 0;
  std::uint64_t read_ = 0;  // bytes read from fd_ (at most limit_ + 1)
  std::unique_ptr<char[]> buffer_;
};

// An input iterator over a ByteSource for nlohmann::json::sax_parse; a
// default-constructed one is the end. Copies share the source's position.
class ByteIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  ByteIterator() = default;
  explicit ByteIterator(ByteSource& source) : source_(&source) {}

  char operator*() const { return source_->peek(); }
  ByteIterator& operator++() {
    source_->advance();
    return *this;
  }
  ByteIterator operator++(int) {
    ByteIterator before = *this;
    source_->advance();
    return before;
  }
  friend bool operator==(const ByteIterator& a, const ByteIterator& b) { return a.done() == b.done(); }

 private:
  bool done() const { return source_ == nullptr || source_->at_end(); }
  ByteSource* source_ = nullptr;
};

}  // namespace bbsnap::json
