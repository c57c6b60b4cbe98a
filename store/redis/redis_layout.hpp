// How a Redis store names its keys (docs/FLEET.md, "Keys"). Everything starts with
// the configured prefix P. Per entry, under one hash tag so that a Redis Cluster
// keeps them in one slot:
//   P{KEY}:e   the entry record (store/entry_codec), expiring 1 day after available_to
//   P{KEY}:l   the single-flight lease (a random token, PX lease)
//   P{KEY}:w   the wake list waiters BLPOP on, pushed when the lease is released
//   P{KEY}:i   the index rows the entry is in ('s' or 'z' + index key), for removal
// Indexes and bookkeeping (one key each, whatever the number of entries):
//   Plabels                    set of labels with entries
//   Plabel:LABEL               set of entry keys of LABEL
//   Parg:LABEL\0NAME\0VALUE    set of entry keys whose NAME is VALUE or a list holding it
//   Phas:LABEL\0NAME           set of entry keys whose NAME is given and not None
//   Pexpiry                    sorted set: entry key by available_to
//   Pstale, Pstale:LABEL      sorted sets: entry key by relevance_to
//   Pjobs, Pjobver, Pjobseq   sorted set of job keys by due time; hash key -> version;
//                             the counter versions come from
//   Pstats:LABEL, Pstatlabels counters (hash) per label; the labels counted
//   Plast_purge, Pschema      strings
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry.hpp"

namespace djc::redis {

// The schema version this build writes (in Pschema).
inline constexpr int redis_schema_version = 1;
// How long Redis keeps an entry after its available_to: `purge --expired`, `list`
// and serve_stale_on_error still see it in that time; then Redis drops it alone.
inline constexpr std::chrono::hours expired_retention{24};

class Layout {
 public:
  explicit Layout(std::string prefix) : prefix_(std::move(prefix)) {}

  std::string entry(std::string_view key) const { return per_key(key, ":e"); }
  std::string lease(std::string_view key) const { return per_key(key, ":l"); }
  std::string wake(std::string_view key) const { return per_key(key, ":w"); }
  std::string rows(std::string_view key) const { return per_key(key, ":i"); }

  std::string labels() const { return prefix_ + "labels"; }
  std::string label(std::string_view label) const { return join("label:", label); }
  std::string label_prefix() const { return prefix_ + "label:"; }
  std::string arg(std::string_view label, std::string_view name, std::string_view value) const;
  std::string has(std::string_view label, std::string_view name) const;
  std::string expiry() const { return prefix_ + "expiry"; }
  std::string stale() const { return prefix_ + "stale"; }
  std::string stale(std::string_view label) const { return join("stale:", label); }
  std::string jobs() const { return prefix_ + "jobs"; }
  std::string job_versions() const { return prefix_ + "jobver"; }
  std::string job_sequence() const { return prefix_ + "jobseq"; }
  std::string stats(std::string_view label) const { return join("stats:", label); }
  std::string stat_labels() const { return prefix_ + "statlabels"; }
  std::string last_purge() const { return prefix_ + "last_purge"; }
  std::string schema() const { return prefix_ + "schema"; }

  const std::string& prefix() const { return prefix_; }
  // The entry key of a per-entry Redis key (P{KEY}:x), empty when `name` is not one.
  std::string key_of(std::string_view name, std::string_view suffix) const;

 private:
  std::string per_key(std::string_view key, std::string_view suffix) const;
  std::string join(std::string_view kind, std::string_view label) const;
  std::string prefix_;
};

// The index rows of an entry: sets it is a member of and sorted sets with scores.
struct Rows {
  std::vector<std::string> sets;
  std::vector<std::pair<std::string, double>> scored;
};
Rows index_rows(const Layout& layout, const EntryMeta& meta);

// A score (Unix seconds) as Redis reads it back exactly.
std::string score_text(double t);

}  // namespace djc::redis
