// The LMDB store's usage counters: the Store methods over its `stats` file
// (store/lmdb/stats_file.hpp), which lives beside data.mdb and outside every
// transaction, so a counted hit stays one read-only transaction.
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc::lmdb {

StatsFile* LmdbStore::stats_file(bool for_counting) noexcept {
  if (stats_ && (stats_->writable() || !for_counting)) return stats_.get();
  if (!for_counting) {
    stats_ = StatsFile::open_for_reading(dir_);
  } else if (!stats_tried_) {
    stats_tried_ = true;
    stats_ = StatsFile::open_for_counting(dir_);
  } else {
    return nullptr;
  }
  return stats_ && (stats_->writable() || !for_counting) ? stats_.get() : nullptr;
}

void LmdbStore::count(std::string_view label, const Counters& delta) noexcept {
  if (StatsFile* file = stats_file(true)) file->add(label, delta);
}

std::map<std::string, Counters> LmdbStore::counters() {
  if (StatsFile* file = stats_file(false)) return file->read();
  return {};
}

void LmdbStore::record_purge(double when) noexcept {
  if (StatsFile* file = stats_file(true)) file->set_last_purge(when);
}

std::optional<double> LmdbStore::last_purge() {
  if (StatsFile* file = stats_file(false)) return file->last_purge();
  return std::nullopt;
}

}  // namespace djc::lmdb
