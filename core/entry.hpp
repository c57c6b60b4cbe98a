// One cached entry: its metadata (SPEC.md §3 "entry record") and the value bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/args.hpp"

namespace djc {

// Identity of a file a value depends on (`depends_on`); any change makes a miss.
struct FileFingerprint {
  std::string path;
  bool exists = false;
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  uint64_t inode = 0;
  friend bool operator==(const FileFingerprint&, const FileFingerprint&) = default;
};

struct EntryMeta {
  std::string label;
  std::string key;
  Args args;
  double created_at = 0;                // Unix seconds
  double available_to = 0;              // expiry: at or after it, a miss
  std::optional<double> relevance_to;   // set with relevance_invalidation: at or after it, stale
  bool is_relevance_invalidation = false;
  double getter_duration = 0;           // seconds the getter ran
  int exit_code = 0;                    // the getter's exit code (non-zero only with cache_failures)
  std::string error_output;             // the command's stderr, replayed on a hit (`run` entries only)
  std::vector<FileFingerprint> deps;
  uint64_t checksum = 0;                // XXH3-64 of the value
  friend bool operator==(const EntryMeta&, const EntryMeta&) = default;
};

// A decoded entry whose value points into storage it does not own.
struct EntryRef {
  EntryMeta meta;
  std::string_view value;
};

uint64_t value_checksum(std::string_view value);

}  // namespace djc
