// The versioned binary record of one entry (metadata, then the value as the tail),
// shared by store backends. Layout: docs/STORE_FORMAT.md, "Entry record".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/entry.hpp"
#include "core/value_source.hpp"

namespace djc {

// The first byte of every record. A later version adds fields after the current
// ones and bumps this; decoders refuse versions they do not know. Version 2 adds
// the command's stderr after the depends_on list; a record with no stderr is still
// written as version 1, so worker entries read the same to a dj-cache that knows
// only version 1.
inline constexpr std::uint8_t entry_format_version = 2;

// Bytes encode_into writes for this entry.
std::size_t encoded_entry_size(const EntryMeta& meta, std::size_t value_size);
inline std::size_t encoded_entry_size(const EntryMeta& meta, std::string_view value) {
  return encoded_entry_size(meta, value.size());
}

// Writes exactly encoded_entry_size(meta, value) bytes at `out` (e.g. space
// reserved inside the store with MDB_RESERVE); returns the end.
char* encode_entry_into(const EntryMeta& meta, std::string_view value, char* out);

// encode_entry_into from a ValueSource, for a value that may not be in memory:
// the value is copied into the record's tail first, meta.checksum is set from
// that copy, then the metadata is written before it.
void encode_entry_from(EntryMeta& meta, const ValueSource& value, char* out);

std::string encode_entry(const EntryMeta& meta, std::string_view value);

// Decodes a record. The value of the result points into `record` (no copy), so it
// lives as long as `record` does. Truncated, garbage or unknown-version bytes give
// nullopt (and, when `why` is given, a short reason); nothing is read out of bounds.
std::optional<EntryRef> decode_entry(std::string_view record, std::string* why = nullptr);

}  // namespace djc
