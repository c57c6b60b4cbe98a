// Per-key computation locks of the LMDB store: one byte of the store's `locks`
// file per key, locked with an open-file-description lock (fcntl F_OFD_SETLK*).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace djc::lmdb {

// The byte of `locks` that stands for `key`: XXH3-64 of the key, kept positive
// and clear of off_t's end. Two keys sharing a byte only wait for each other.
off_t key_lock_offset(std::string_view key);

// Takes the lock of `key` (semantics of Store::lock_key). Each lock opens the file
// itself, so it conflicts with every other lock of the key, in this process too,
// and closing it, or the death of its holder, releases it.
std::unique_ptr<KeyLock> take_key_lock(const std::filesystem::path& dir, const std::string& where,
                                       std::string_view key, std::optional<double> wait_seconds);

}  // namespace djc::lmdb
