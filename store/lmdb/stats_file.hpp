// The store's usage counters (`dj-cache stats`): a small memory-mapped file,
// `stats` beside data.mdb, updated with atomic adds by every process at once, with
// no lock and no LMDB transaction, so counting a hit keeps it read-only.
//
// Layout (docs/STORE_FORMAT.md, "Stats file"), native byte order, 131,328 bytes:
//   header, 256 bytes: magic "djcstats", u32 version, u32 slot count, u32 slot
//     size, u32 0, u64 last purge (the bits of a double, Unix seconds; 0: none)
//   512 slots of 256 bytes: u64 tag (0 free, else XXH3-64 of the label | 1),
//     u32 ready (1 once the label is written), u32 label length, 64 label bytes,
//     16 u64 counters (Counters in counter_fields order, then spares), padding.
// A label's slot is found by open addressing from its hash; a process claims a
// free slot by compare-and-swap of its tag, writes the label, then sets ready.
// A claimer that dies between the two leaves a slot that is skipped; two slots of
// one label (a claimer too slow for a reader's patience) are summed when read.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace djc::lmdb {

class StatsFile {
 public:
  // Maps `dir`/stats for counting: creates it when missing and replaces one that
  // is not a stats file (garbage, cut short). nullptr when it cannot be had (a
  // symlink, no permission, a newer format): counting is then off.
  static std::unique_ptr<StatsFile> open_for_counting(const std::filesystem::path& dir) noexcept;
  // Maps `dir`/stats read-only; nullptr when missing or not a valid stats file.
  static std::unique_ptr<StatsFile> open_for_reading(const std::filesystem::path& dir) noexcept;

  StatsFile(const StatsFile&) = delete;
  StatsFile& operator=(const StatsFile&) = delete;
  ~StatsFile();

  bool writable() const { return writable_; }
  // Adds `delta` to the slot of `label`; a label that finds no slot (over 64 bytes,
  // the table full) is not counted.
  void add(std::string_view label, const Counters& delta) noexcept;
  std::map<std::string, Counters> read() const;
  void set_last_purge(double when) noexcept;
  std::optional<double> last_purge() const;

 private:
  StatsFile(void* map, bool writable) : map_(map), writable_(writable) {}

  void* map_;
  bool writable_;
};

}  // namespace djc::lmdb
