// The memory-mapped counter file of a store: opening (creating or replacing it
// atomically), finding a label's slot, and atomic adds. Layout: stats_file.hpp.
#include "store/lmdb/stats_file.hpp"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>

namespace djc::lmdb {
namespace {

constexpr char stats_magic[8] = {'d', 'j', 'c', 's', 't', 'a', 't', 's'};
constexpr std::uint32_t stats_version = 1;
constexpr std::uint32_t slot_count = 512;
constexpr std::uint32_t slot_size = 256;
constexpr std::size_t label_max = 64;
constexpr std::size_t counter_max = 16;
// How long a reader waits for a claimer to publish its label before it takes the
// slot for another label's (a claimer that died never will).
constexpr int ready_patience = 1000;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t slots;
  std::uint32_t slot_bytes;
  std::uint32_t zero;
  std::uint64_t last_purge;  // bits of a double
  char spare[256 - 32];
};

struct Slot {
  std::uint64_t tag;  // 0: free; else XXH3-64 of the label | 1
  std::uint32_t ready;
  std::uint32_t length;
  char label[label_max];
  std::uint64_t counts[counter_max];
  char spare[slot_size - 16 - label_max - 8 * counter_max];
};

static_assert(sizeof(Header) == 256 && sizeof(Slot) == slot_size);
static_assert(std::size(counter_fields) <= counter_max);
constexpr std::size_t file_size = sizeof(Header) + std::size_t{slot_count} * slot_size;

Header& header_of(void* map) { return *static_cast<Header*>(map); }
Slot* slots_of(void* map) {
  return reinterpret_cast<Slot*>(static_cast<char*>(map) + sizeof(Header));
}

std::uint64_t tag_of(std::string_view label) {
  return XXH3_64bits(label.data(), label.size()) | 1;
}

// Relaxed loads of words a read-only mapping holds (std::atomic_ref needs non-const).
template <typename T>
T load(const T& word, int order = __ATOMIC_RELAXED) {
  return __atomic_load_n(&word, order);
}

bool wait_ready(const Slot& slot) {
  for (int i = 0; i < ready_patience; ++i) {
    if (load(slot.ready, __ATOMIC_ACQUIRE) == 1) return true;
    sched_yield();
  }
  return false;
}

bool slot_holds(const Slot& slot, std::string_view label) {
  return slot.length == label.size() && std::memcmp(slot.label, label.data(), label.size()) == 0;
}

enum class Found { valid, garbage, newer, missing, unusable };

struct Opened {
  Found found = Found::unusable;
  void* map = nullptr;
};

// What a header says of its file.
Found judge(const Header& header) {
  if (std::memcmp(header.magic, stats_magic, sizeof stats_magic) != 0) return Found::garbage;
  if (header.version > stats_version) return Found::newer;  // a later dj-cache's: leave it
  if (header.version == stats_version && header.slots == slot_count &&
      header.slot_bytes == slot_size) {
    return Found::valid;
  }
  return Found::garbage;
}

Opened map_fd(int fd, bool writable) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return {Found::unusable};
  if (!S_ISREG(st.st_mode)) return {Found::garbage};
  if (static_cast<std::uint64_t>(st.st_size) != file_size) {
    // Cut short, or a later format (which keeps the magic and raises the version).
    Header header{};
    bool whole = pread(fd, &header, sizeof header, 0) == static_cast<ssize_t>(sizeof header);
    return {whole && judge(header) == Found::newer ? Found::newer : Found::garbage};
  }
  void* map = mmap(nullptr, file_size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
                   fd, 0);
  if (map == MAP_FAILED) return {Found::unusable};
  Found found = judge(header_of(map));
  if (found == Found::valid) return {found, map};
  munmap(map, file_size);
  return {found};
}

// Maps an existing `path`: open, fstat, mmap, close (the cost a hit pays, once).
Opened map_existing(const std::string& path, bool writable) {
  int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return {errno == ENOENT ? Found::missing : Found::unusable};
  Opened opened = map_fd(fd, writable);
  ::close(fd);
  return opened;
}

// Writes a fresh stats file under a temporary name and puts it in place: link(2)
// when `path` is missing (a concurrent creator wins, and we use its file), rename(2)
// over a garbage one. Readers never see a file half written.
Opened create(const std::string& dir, const std::string& path, bool replace) {
  const std::string temp = dir + "/stats." + std::to_string(getpid()) + ".tmp";
  ::unlink(temp.c_str());  // left by a process of our pid that died: it is not running
  int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return {Found::unusable};
  Header header{};
  std::memcpy(header.magic, stats_magic, sizeof stats_magic);
  header.version = stats_version;
  header.slots = slot_count;
  header.slot_bytes = slot_size;
  void* map = MAP_FAILED;
  if (fchmod(fd, 0600) == 0 && ftruncate(fd, file_size) == 0 &&
      pwrite(fd, &header, sizeof header, 0) == static_cast<ssize_t>(sizeof header)) {
    map = mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  ::close(fd);
  int placed = map == MAP_FAILED ? -1
               : replace         ? ::rename(temp.c_str(), path.c_str())
                                 : ::link(temp.c_str(), path.c_str());
  int placed_errno = errno;
  if (!(replace && placed == 0)) ::unlink(temp.c_str());
  if (placed == 0) return {Found::valid, map};
  if (map != MAP_FAILED) munmap(map, file_size);
  return {placed_errno == EEXIST ? Found::missing : Found::unusable};  // missing: look again
}

}  // namespace

std::unique_ptr<StatsFile> StatsFile::open_for_counting(const std::filesystem::path& dir) noexcept {
  try {
    // Plain strings, not std::filesystem::path, whose parsing a hit would pay for.
    const std::string path = dir.native() + "/stats";
    // Three rounds: another process may create or replace the file meanwhile.
    for (int round = 0; round < 3; ++round) {
      Opened opened = map_existing(path, true);
      if (opened.found == Found::missing || opened.found == Found::garbage) {
        opened = create(dir.native(), path, opened.found == Found::garbage);
      }
      if (opened.found == Found::valid) return std::unique_ptr<StatsFile>(new StatsFile(opened.map, true));
      if (opened.found != Found::missing) return nullptr;
    }
  } catch (...) {
  }
  return nullptr;
}

std::unique_ptr<StatsFile> StatsFile::open_for_reading(const std::filesystem::path& dir) noexcept {
  try {
    Opened opened = map_existing(dir.native() + "/stats", false);
    if (opened.found == Found::valid) return std::unique_ptr<StatsFile>(new StatsFile(opened.map, false));
  } catch (...) {
  }
  return nullptr;
}

StatsFile::~StatsFile() { munmap(map_, file_size); }

void StatsFile::add(std::string_view label, const Counters& delta) noexcept {
  if (!writable_ || label.empty() || label.size() > label_max) return;
  const std::uint64_t tag = tag_of(label);
  const std::uint64_t home = (tag >> 32) % slot_count;
  Slot* slots = slots_of(map_);
  for (std::uint32_t probe = 0; probe < slot_count; ++probe) {
    Slot& slot = slots[(home + probe) % slot_count];
    std::atomic_ref<std::uint64_t> slot_tag(slot.tag);
    std::uint64_t seen = slot_tag.load(std::memory_order_acquire);
    if (seen == 0 && slot_tag.compare_exchange_strong(seen, tag, std::memory_order_acq_rel)) {
      slot.length = static_cast<std::uint32_t>(label.size());
      std::memcpy(slot.label, label.data(), label.size());
      std::atomic_ref<std::uint32_t>(slot.ready).store(1, std::memory_order_release);
      seen = tag;
    } else if (seen != tag || !wait_ready(slot) || !slot_holds(slot, label)) {
      continue;  // another label's slot (seen: the tag a faster claimer wrote)
    }
    for (std::size_t i = 0; i < std::size(counter_fields); ++i) {
      std::uint64_t value = delta.*counter_fields[i].member;
      if (value) std::atomic_ref<std::uint64_t>(slot.counts[i]).fetch_add(value, std::memory_order_relaxed);
    }
    return;
  }
}

std::map<std::string, Counters> StatsFile::read() const {
  std::map<std::string, Counters> counters;
  const Slot* slots = slots_of(map_);
  for (std::uint32_t i = 0; i < slot_count; ++i) {
    const Slot& slot = slots[i];
    std::uint64_t tag = load(slot.tag, __ATOMIC_ACQUIRE);
    if (tag == 0 || load(slot.ready, __ATOMIC_ACQUIRE) != 1) continue;
    if (slot.length == 0 || slot.length > label_max) continue;
    std::string label(slot.label, slot.length);
    if (tag_of(label) != tag) continue;  // not a slot we wrote: ignore it
    Counters& sum = counters[label];
    for (std::size_t c = 0; c < std::size(counter_fields); ++c) {
      sum.*counter_fields[c].member += load(slot.counts[c]);
    }
  }
  return counters;
}

void StatsFile::set_last_purge(double when) noexcept {
  if (!writable_) return;
  std::atomic_ref<std::uint64_t>(header_of(map_).last_purge)
      .store(std::bit_cast<std::uint64_t>(when), std::memory_order_relaxed);
}

std::optional<double> StatsFile::last_purge() const {
  std::uint64_t bits = load(header_of(map_).last_purge);
  if (bits == 0) return std::nullopt;
  return std::bit_cast<double>(bits);
}

}  // namespace djc::lmdb
