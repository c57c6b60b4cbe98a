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

// How a store writes a record: the value is copied from `value` (which may not
// be in memory) into the record's tail, and the checksum written before it is
// taken from that copy, whatever meta.checksum says; returns it.
std::uint64_t encode_entry_from(const EntryMeta& meta, const ValueSource& value, char* out);

std::string encode_entry(const EntryMeta& meta, std::string_view value);

// Decodes a record. The value of the result points into `record` (no copy), so it
// lives as long as `record` does. Truncated, garbage or unknown-version bytes give
// nullopt (and, when `why` is given, a short reason); nothing is read out of bounds.
std::optional<EntryRef> decode_entry(std::string_view record, std::string* why = nullptr);

}  // namespace djc
