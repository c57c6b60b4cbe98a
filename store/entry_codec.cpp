// Encoding and bounds-checked decoding of entry records (docs/STORE_FORMAT.md).
#include "store/entry_codec.hpp"

#include <bit>
#include <cstring>
#include <limits>

namespace djc {
namespace {

constexpr std::uint8_t flag_has_relevance = 1;
constexpr std::uint8_t flag_relevance_invalidation = 2;
constexpr std::uint8_t known_flags = flag_has_relevance | flag_relevance_invalidation;
constexpr std::size_t max_varint_bytes = 10;

// One description of the layout serves both passes: a Counter measures the
// record, a Writer fills reserved memory, so size and bytes cannot disagree.
class Counter {
 public:
  void bytes(const void*, std::size_t n) { size_ += n; }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

class Writer {
 public:
  explicit Writer(char* out) : out_(out) {}
  void bytes(const void* data, std::size_t n) {
    if (n != 0) std::memcpy(out_, data, n);
    out_ += n;
  }
  char* position() const { return out_; }

 private:
  char* out_;
};

// Fixed-width integers are little-endian whatever the host, so a store file
// means the same on any machine that maps it.
template <class Sink>
void put_u64(Sink& sink, std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  sink.bytes(b, 8);
}

template <class Sink>
void put_u32(Sink& sink, std::uint32_t v) {
  unsigned char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  sink.bytes(b, 4);
}

template <class Sink>
void put_u8(Sink& sink, std::uint8_t v) {
  sink.bytes(&v, 1);
}

template <class Sink>
void put_f64(Sink& sink, double v) {
  put_u64(sink, std::bit_cast<std::uint64_t>(v));
}

template <class Sink>
void put_varint(Sink& sink, std::uint64_t v) {
  unsigned char b[max_varint_bytes];
  std::size_t n = 0;
  do {
    unsigned char byte = v & 0x7f;
    v >>= 7;
    b[n++] = static_cast<unsigned char>(byte | (v != 0 ? 0x80 : 0));
  } while (v != 0);
  sink.bytes(b, n);
}

template <class Sink>
void put_string(Sink& sink, std::string_view s) {
  put_varint(sink, s.size());
  sink.bytes(s.data(), s.size());
}

// Everything before the value except the version byte and the two sizes.
template <class Sink>
void put_meta_fields(Sink& sink, const EntryMeta& meta, std::uint64_t checksum) {
  std::uint8_t flags = 0;
  if (meta.relevance_to) flags |= flag_has_relevance;
  if (meta.is_relevance_invalidation) flags |= flag_relevance_invalidation;
  put_u8(sink, flags);
  put_f64(sink, meta.created_at);
  put_f64(sink, meta.available_to);
  put_f64(sink, meta.relevance_to.value_or(0));
  put_f64(sink, meta.getter_duration);
  put_u32(sink, static_cast<std::uint32_t>(meta.exit_code));
  put_u64(sink, checksum);
  put_string(sink, meta.label);
  put_string(sink, meta.key);
  put_varint(sink, meta.args.positional.size());
  for (const std::string& word : meta.args.positional) put_string(sink, word);
  put_varint(sink, meta.args.named.size());
  for (const auto& [name, arg] : meta.args.named) {
    put_string(sink, name);
    put_u8(sink, arg.is_list ? 1 : 0);
    put_varint(sink, arg.values.size());
    for (const std::string& value : arg.values) put_string(sink, value);
  }
  put_varint(sink, meta.deps.size());
  for (const FileFingerprint& dep : meta.deps) {
    put_string(sink, dep.path);
    put_u8(sink, dep.exists ? 1 : 0);
    put_u64(sink, static_cast<std::uint64_t>(dep.mtime_ns));
    put_u64(sink, dep.size);
    put_u64(sink, dep.inode);
  }
  if (!meta.error_output.empty()) put_string(sink, meta.error_output);  // version 2
}

// Version 1 unless a version-2 field is set.
std::uint8_t record_version(const EntryMeta& meta) { return meta.error_output.empty() ? 1 : 2; }

std::size_t meta_size(const EntryMeta& meta) {
  Counter counter;
  put_meta_fields(counter, meta, 0);  // fixed width: any checksum
  return 1 + 4 + 8 + counter.size();  // version, meta size, value size, fields
}

// Reads fields with a bounds check on every step; the first failure sticks, so
// callers check once at the end and never see a value read past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool ok() const { return error_ == nullptr; }
  const char* error() const { return error_; }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  void fail(const char* why) {
    if (!error_) error_ = why;
  }

  std::string_view take(std::size_t n) {
    if (!ok() || n > remaining()) {
      fail("record is truncated");
      return {};
    }
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::uint64_t u64() { return little_endian(take(8)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(take(4))); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(little_endian(take(1))); }
  double f64() { return std::bit_cast<double>(u64()); }
  bool boolean() {
    std::uint8_t b = u8();
    if (b > 1) fail("bad boolean");
    return b == 1;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < max_varint_bytes && ok(); ++i) {
      std::uint8_t byte = u8();
      if (i == max_varint_bytes - 1 && byte > 1) break;  // would overflow 64 bits
      v |= std::uint64_t{byte & 0x7fu} << (7 * i);
      if ((byte & 0x80) == 0) return v;
    }
    fail("bad length");
    return 0;
  }
  std::string string() { return std::string(take(varint())); }
  // A count of items each at least `min_item` bytes long: checked against what is
  // left, so garbage cannot make the decoder reserve or loop for billions of items.
  std::size_t count(std::size_t min_item) {
    std::uint64_t n = varint();
    if (ok() && n > remaining() / min_item) fail("bad item count");
    return ok() ? static_cast<std::size_t>(n) : 0;
  }

 private:
  static std::uint64_t little_endian(std::string_view b) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
      v |= std::uint64_t{static_cast<unsigned char>(b[i])} << (8 * i);
    }
    return v;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  const char* error_ = nullptr;
};

NamedArg read_named_arg(Reader& in) {
  NamedArg arg;
  arg.is_list = in.boolean();
  std::size_t n = in.count(1);
  arg.values.reserve(n);
  for (std::size_t i = 0; i < n && in.ok(); ++i) arg.values.push_back(in.string());
  return arg;
}

FileFingerprint read_fingerprint(Reader& in) {
  FileFingerprint dep;
  dep.path = in.string();
  dep.exists = in.boolean();
  dep.mtime_ns = static_cast<int64_t>(in.u64());
  dep.size = in.u64();
  dep.inode = in.u64();
  return dep;
}

void read_meta_fields(Reader& in, EntryMeta& meta, std::uint8_t version) {
  std::uint8_t flags = in.u8();
  if ((flags & ~known_flags) != 0) in.fail("unknown flags");
  meta.is_relevance_invalidation = (flags & flag_relevance_invalidation) != 0;
  meta.created_at = in.f64();
  meta.available_to = in.f64();
  double relevance_to = in.f64();
  if (flags & flag_has_relevance) meta.relevance_to = relevance_to;
  meta.getter_duration = in.f64();
  meta.exit_code = static_cast<int>(in.u32());
  meta.checksum = in.u64();
  meta.label = in.string();
  meta.key = in.string();
  std::size_t positional = in.count(1);
  for (std::size_t i = 0; i < positional && in.ok(); ++i) {
    meta.args.positional.push_back(in.string());
  }
  std::size_t named = in.count(3);
  for (std::size_t i = 0; i < named && in.ok(); ++i) {
    std::string name = in.string();
    NamedArg arg = read_named_arg(in);
    if (!meta.args.named.emplace(std::move(name), std::move(arg)).second) {
      in.fail("argument name repeated");
    }
  }
  std::size_t deps = in.count(26);
  for (std::size_t i = 0; i < deps && in.ok(); ++i) meta.deps.push_back(read_fingerprint(in));
  if (version >= 2) meta.error_output = in.string();
}

}  // namespace

std::size_t encoded_entry_size(const EntryMeta& meta, std::size_t value_size) {
  return meta_size(meta) + value_size;
}

namespace {

// `head` is meta_size(meta), which its callers need too.
char* encode_meta_into(const EntryMeta& meta, std::size_t head, std::size_t value_size,
                       std::uint64_t checksum, char* out) {
  Writer writer(out);
  put_u8(writer, record_version(meta));
  put_u32(writer, static_cast<std::uint32_t>(head));
  put_u64(writer, value_size);
  put_meta_fields(writer, meta, checksum);
  return writer.position();
}

}  // namespace

char* encode_entry_into(const EntryMeta& meta, std::string_view value, char* out) {
  Writer writer(encode_meta_into(meta, meta_size(meta), value.size(), meta.checksum, out));
  writer.bytes(value.data(), value.size());
  return writer.position();
}

std::uint64_t encode_entry_from(const EntryMeta& meta, const ValueSource& value, char* out) {
  const std::size_t head = meta_size(meta);
  char* tail = out + head;
  value.copy_to(tail);
  const std::uint64_t checksum = value_checksum(std::string_view(tail, value.size()));
  encode_meta_into(meta, head, value.size(), checksum, out);
  return checksum;
}

std::string encode_entry(const EntryMeta& meta, std::string_view value) {
  std::string out(encoded_entry_size(meta, value), '\0');
  encode_entry_into(meta, value, out.data());
  return out;
}

std::optional<EntryRef> decode_entry(std::string_view record, std::string* why) {
  auto failed = [&](const char* reason) -> std::optional<EntryRef> {
    if (why) *why = reason;
    return std::nullopt;
  };
  Reader in(record);
  std::uint8_t version = in.u8();
  if (!in.ok()) return failed("record is empty");
  if (version == 0 || version > entry_format_version) return failed("unknown record format version");
  std::uint32_t size = in.u32();
  std::uint64_t value_size = in.u64();
  if (!in.ok()) return failed(in.error());
  // Both sizes are stored, so a record cut anywhere, even inside the value, or
  // with bytes appended, is caught here rather than served short.
  if (size > record.size() || value_size != record.size() - size) {
    return failed(size > record.size() || value_size > record.size() - size
                      ? "record is truncated"
                      : "record has trailing bytes");
  }
  // Parsed within the declared metadata only: a field running into the value is
  // garbage, not a long field.
  Reader meta_in(record.substr(0, size));
  meta_in.take(in.position());
  EntryRef entry;
  read_meta_fields(meta_in, entry.meta, version);
  if (!meta_in.ok()) return failed(meta_in.error());
  if (meta_in.remaining() != 0) return failed("metadata size disagrees with its fields");
  entry.value = record.substr(size);
  return entry;
}

}  // namespace djc
