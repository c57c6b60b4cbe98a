// The parsed-config cache file: format, validation, atomic writes.
//
// Layout (native byte order; the prefix's byte-order mark rejects a foreign one):
//   prefix   magic "DJCCFG\0\0", format, byte-order mark, file size, where the
//            header and the label table are, the header's hash
//   header   build identity, uid, key, inputs (path and stat of each), [store]
//   table    `capacity` slots (a power of two) of {label hash, record offset,
//            record length}, open addressing with linear probing; offset 0 is empty
//   records  one per worker: the payload's hash, then the worker's fields
// A lookup reads the prefix and header, stats the inputs, reads the run of slots
// from the label's hash to its record or an empty slot, and that one record.
#include "core/config_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include <xxhash.h>

#include "core/build_identity.hpp"
#include "core/config_cache_codec.hpp"
#include "core/unique_fd.hpp"
#include "core/write_all.hpp"

namespace djc {
namespace {

namespace fs = std::filesystem;
using namespace config_cache_codec;

constexpr std::array<char, 8> k_magic{'D', 'J', 'C', 'C', 'F', 'G', '\0', '\0'};
constexpr std::uint32_t k_format = 2;  // 2: [store] Redis timeouts and lease
constexpr std::uint32_t k_byte_order = 0x01020304;

struct Prefix {
  std::array<char, 8> magic;
  std::uint32_t format;
  std::uint32_t byte_order;
  std::uint64_t file_size;
  std::uint64_t header_offset;
  std::uint64_t header_size;
  std::uint64_t header_hash;
  std::uint64_t table_offset;
  std::uint64_t table_capacity;
};

struct Slot {
  std::uint64_t hash;
  std::uint64_t offset;  // 0: empty
  std::uint64_t length;
};

constexpr std::uint64_t k_record_hash_size = sizeof(std::uint64_t);

// The caller's uid, asked once (dj-cache never changes it).
std::uint32_t caller_uid() {
  static const std::uint32_t uid = ::getuid();
  return uid;
}

// ---- Decoding.

// Reads `size` bytes at `offset` into `into`; false when they are not all there.
using ReadAt = std::function<bool(std::uint64_t offset, std::uint64_t size, char* into)>;

// A buffer filled by ReadAt: on the stack when small (no zero-filling of a string
// the size of the read).
class Buffer {
 public:
  bool read(const ReadAt& read_at, std::uint64_t offset, std::uint64_t size) {
    if (size <= small_.size()) {
      data_ = small_.data();
    } else {
      large_.resize(size);
      data_ = large_.data();
    }
    size_ = size;
    return read_at(offset, size, data_);
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  std::array<char, 1024> small_;
  std::string large_;
  char* data_ = nullptr;
  std::uint64_t size_ = 0;
};

bool input_still_valid(const ConfigInput& recorded) {
  ConfigInput now = stat_config_input(recorded.path);
  if (!now.same_stat(recorded)) return false;
  // The loader would refuse it: let it, with its message.
  if (recorded.kind == ConfigInput::Kind::file && !config_file_trusted(now.mode, now.uid)) {
    return false;
  }
  return true;
}

struct Header {
  StoreSettings store;
  Prefix prefix;
};

std::optional<Header> read_header(const ReadAt& read_at, std::uint64_t total,
                                  std::string_view key, bool check_inputs) {
  Prefix prefix;
  if (total < sizeof(Prefix) || !read_at(0, sizeof prefix, reinterpret_cast<char*>(&prefix))) {
    return std::nullopt;
  }
  if (prefix.magic != k_magic || prefix.format != k_format || prefix.byte_order != k_byte_order ||
      prefix.file_size != total || prefix.header_offset != sizeof(Prefix) ||
      prefix.header_size > total - prefix.header_offset ||
      prefix.table_offset < prefix.header_offset + prefix.header_size ||
      prefix.table_offset > total || prefix.table_capacity == 0 ||
      (prefix.table_capacity & (prefix.table_capacity - 1)) != 0 ||
      prefix.table_capacity > (total - prefix.table_offset) / sizeof(Slot)) {
    return std::nullopt;
  }
  Buffer header_bytes;
  if (!header_bytes.read(read_at, prefix.header_offset, prefix.header_size)) return std::nullopt;
  std::string_view bytes = header_bytes.view();
  if (XXH3_64bits(bytes.data(), bytes.size()) != prefix.header_hash) return std::nullopt;
  Reader in(bytes);
  if (in.text() != build_identity() || build_identity().empty()) return std::nullopt;
  if (in.number<std::uint32_t>() != caller_uid()) return std::nullopt;
  if (in.text() != key) return std::nullopt;
  auto input_count = in.number<std::uint32_t>();
  for (std::uint32_t i = 0; i < input_count && in.ok(); ++i) {
    ConfigInput input = read_input(in);
    if (!in.ok() || (check_inputs && !input_still_valid(input))) return std::nullopt;
  }
  Header header{read_store(in), prefix};
  if (!in.ok() || !in.at_end()) return std::nullopt;
  return header;
}

std::optional<Worker> find_worker(const ReadAt& read_at, const Prefix& prefix,
                                  std::string_view label) {
  const std::uint64_t hash = XXH3_64bits(label.data(), label.size());
  const std::uint64_t mask = prefix.table_capacity - 1;
  constexpr std::uint64_t k_run = 8;  // slots read at once
  std::array<char, k_run * sizeof(Slot)> slots;  // [run_first, run_first + run_count)
  std::uint64_t run_first = 0, run_count = 0;
  Buffer record;
  for (std::uint64_t probe = 0; probe < prefix.table_capacity; ++probe) {
    std::uint64_t index = (hash + probe) & mask;
    if (index < run_first || index >= run_first + run_count) {
      run_first = index;
      run_count = std::min(k_run, prefix.table_capacity - index);
      if (!read_at(prefix.table_offset + index * sizeof(Slot), run_count * sizeof(Slot),
                   slots.data())) {
        return std::nullopt;
      }
    }
    Slot slot;
    std::memcpy(&slot, slots.data() + (index - run_first) * sizeof(Slot), sizeof slot);
    if (slot.offset == 0) return std::nullopt;
    if (slot.hash != hash) continue;
    if (slot.offset < prefix.table_offset || slot.length < k_record_hash_size ||
        slot.length > prefix.file_size || slot.offset > prefix.file_size - slot.length ||
        !record.read(read_at, slot.offset, slot.length)) {
      return std::nullopt;
    }
    std::uint64_t stored_hash;
    std::memcpy(&stored_hash, record.view().data(), sizeof stored_hash);
    std::string_view payload = record.view().substr(k_record_hash_size);
    if (XXH3_64bits(payload.data(), payload.size()) != stored_hash) return std::nullopt;
    Reader in(payload);
    Worker worker = read_worker(in);
    if (!in.ok() || !in.at_end()) return std::nullopt;
    if (worker.label == label) return worker;
  }
  return std::nullopt;
}

std::optional<CachedWorker> decode(const ReadAt& read_at, std::uint64_t total,
                                   std::string_view key, std::string_view label) {
  std::optional<Header> header = read_header(read_at, total, key, /*check_inputs=*/true);
  if (!header) return std::nullopt;
  std::optional<Worker> worker = find_worker(read_at, header->prefix, label);
  if (!worker) return std::nullopt;
  return CachedWorker{std::move(*worker), std::move(header->store)};
}

ReadAt read_from_bytes(std::string_view bytes) {
  return [bytes](std::uint64_t offset, std::uint64_t size, char* into) {
    if (offset > bytes.size() || size > bytes.size() - offset) return false;
    std::memcpy(into, bytes.data() + offset, size);
    return true;
  };
}

bool pread_all(int fd, std::uint64_t offset, std::uint64_t size, char* into) {
  std::uint64_t done = 0;
  while (done < size) {
    ssize_t count = ::pread(fd, into + done, size - done, static_cast<off_t>(offset + done));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return false;
    done += static_cast<std::uint64_t>(count);
  }
  return true;
}

// Reads of a cache file: its first 4 KiB in one pread (the prefix, the header
// and, for a small config, the whole file), anything beyond with its own.
class FileReader {
 public:
  FileReader(int fd, std::uint64_t total) : fd_(fd) {
    head_size_ = std::min<std::uint64_t>(total, head_.size());
    if (!pread_all(fd, 0, head_size_, head_.data())) head_size_ = 0;
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  ReadAt read_at() {
    return [this](std::uint64_t offset, std::uint64_t size, char* into) {
      if (offset <= head_size_ && size <= head_size_ - offset) {
        std::memcpy(into, head_.data() + offset, size);
        return true;
      }
      return pread_all(fd_, offset, size, into);
    };
  }

 private:
  int fd_;
  std::array<char, 4096> head_;
  std::uint64_t head_size_ = 0;
};


// The cache file opened for reading, when it is ours and no one else can write it.
std::optional<std::uint64_t> open_trusted(const fs::path& file, UniqueFd& fd) {
  if (fd.get() < 0) return std::nullopt;
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode) ||
      status.st_uid != caller_uid() || (status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return std::nullopt;
  }
  (void)file;
  return static_cast<std::uint64_t>(status.st_size);
}

int open_for_lookup(const fs::path& file) {
  return ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
}

// mkdir -p with mode 0700 (XDG asks it of cache directories), only below a
// directory the caller owns (or a sticky one, such as /tmp): root running with a
// user's $HOME must not leave root-owned directories or files in it. The cache
// directory itself must be the caller's.
bool make_private_directories(const fs::path& dir, bool is_cache_dir = true) {
  struct stat status {};
  if (::stat(dir.c_str(), &status) == 0) {
    if (!S_ISDIR(status.st_mode)) return false;
    return status.st_uid == caller_uid() || (!is_cache_dir && (status.st_mode & S_ISVTX));
  }
  if (!dir.has_parent_path() || dir.parent_path() == dir ||
      !make_private_directories(dir.parent_path(), false)) {
    return false;
  }
  return ::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST;
}

}  // namespace

std::string config_cache_key(const std::filesystem::path& config_path) {
  std::error_code error;
  fs::path absolute = fs::absolute(config_path, error);
  return config_path.string() + '\0' + absolute.string();
}

std::filesystem::path config_cache_file(const std::filesystem::path& cache_dir,
                                        std::string_view key) {
  // The build joins the name as well as the header: two dj-cache binaries used
  // with one config (an installed one and a fresh build) keep a file each instead
  // of rewriting one another's on every call.
  const std::string& build = build_identity();
  XXH64_hash_t hash = XXH3_64bits_withSeed(key.data(), key.size(),
                                           XXH3_64bits(build.data(), build.size()));
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.bin", static_cast<unsigned long long>(hash));
  return cache_dir / name;
}

std::string encode_config_cache(const Config& config, std::string_view key) {
  Writer header;
  header.text(build_identity());
  header.number(caller_uid());
  header.text(key);
  header.number(static_cast<std::uint32_t>(config.inputs.size()));
  for (const ConfigInput& input : config.inputs) write_input(header, input);
  write_store(header, config.store);

  std::uint64_t capacity = 1;
  while (capacity < 2 * config.workers.size()) capacity *= 2;
  const std::uint64_t table_offset = sizeof(Prefix) + header.bytes.size();
  const std::uint64_t records_offset = table_offset + capacity * sizeof(Slot);
  std::vector<Slot> table(capacity, Slot{0, 0, 0});
  Writer records;
  for (const auto& [label, worker] : config.workers) {
    Writer payload;
    write_worker(payload, worker);
    Slot slot{XXH3_64bits(label.data(), label.size()), records_offset + records.bytes.size(),
              k_record_hash_size + payload.bytes.size()};
    records.number(XXH3_64bits(payload.bytes.data(), payload.bytes.size()));
    records.bytes += payload.bytes;
    std::uint64_t index = slot.hash & (capacity - 1);
    while (table[index].offset != 0) index = (index + 1) & (capacity - 1);
    table[index] = slot;
  }

  Prefix prefix{};
  prefix.magic = k_magic;
  prefix.format = k_format;
  prefix.byte_order = k_byte_order;
  prefix.file_size = records_offset + records.bytes.size();
  prefix.header_offset = sizeof(Prefix);
  prefix.header_size = header.bytes.size();
  prefix.header_hash = XXH3_64bits(header.bytes.data(), header.bytes.size());
  prefix.table_offset = table_offset;
  prefix.table_capacity = capacity;

  std::string bytes;
  bytes.reserve(prefix.file_size);
  bytes.append(reinterpret_cast<const char*>(&prefix), sizeof prefix);
  bytes += header.bytes;
  bytes.append(reinterpret_cast<const char*>(table.data()), table.size() * sizeof(Slot));
  bytes += records.bytes;
  return bytes;
}

std::optional<CachedWorker> decode_config_cache(std::string_view bytes, std::string_view key,
                                                std::string_view label) {
  return decode(read_from_bytes(bytes), bytes.size(), key, label);
}

std::optional<CachedWorker> lookup_config_cache(const std::filesystem::path& file,
                                                std::string_view key, std::string_view label) {
  UniqueFd fd(open_for_lookup(file));
  std::optional<std::uint64_t> size = open_trusted(file, fd);
  if (!size) return std::nullopt;
  FileReader reader(fd.get(), *size);
  return decode(reader.read_at(), *size, key, label);
}

bool config_cache_valid(const std::filesystem::path& file, std::string_view key) {
  UniqueFd fd(open_for_lookup(file));
  std::optional<std::uint64_t> size = open_trusted(file, fd);
  if (!size) return false;
  FileReader reader(fd.get(), *size);
  return read_header(reader.read_at(), *size, key, /*check_inputs=*/true).has_value();
}

bool save_config_cache(const std::filesystem::path& file, std::string_view key,
                       const Config& config) {
  if (config.inputs.empty() || build_identity().empty()) return false;
  for (const ConfigInput& input : config.inputs) {
    if (input.racy) return false;
  }
  try {
    std::string bytes = encode_config_cache(config, key);
    if (!make_private_directories(file.parent_path())) return false;
    std::string temp = file.string() + ".XXXXXX";
    int raw = ::mkostemp(temp.data(), O_CLOEXEC);  // mode 0600
    if (raw < 0) return false;
    UniqueFd fd(raw);
    if (!write_all(fd.get(), bytes) || ::rename(temp.c_str(), file.c_str()) != 0) {
      ::unlink(temp.c_str());
      return false;
    }
    return true;
  } catch (const std::exception&) {
    return false;  // a cache that cannot be written is only a slower next call
  }
}

}  // namespace djc
