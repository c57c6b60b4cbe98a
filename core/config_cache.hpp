// The parsed-config cache: what `get` needs of a config (one worker, [store]) in a
// binary file, so that a hit finds its worker without parsing TOML and without
// reading the other workers (a hash table of labels in the file), at a cost that
// does not grow with the number of workers. See docs/PERFORMANCE.md.
//
// A cache file is used only when it is exact: written by this build of dj-cache
// (its GNU build ID), for this user, for this config path (as given and made
// absolute), and while every input the load read (ConfigInput: each config file,
// each directory an include glob listed, each path a glob found missing) still
// stats the same (device, inode, size, mtime_ns, ctime_ns, mode, owner, group) and
// every config file still passes the trust rule. Anything else, and any damage
// to the file, is a miss: the caller parses the TOML, which reports errors as
// ever, and rewrites the cache.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"

namespace djc {

// What a cache lookup answers.
struct CachedWorker {
  Worker worker;
  StoreSettings store;
};

// Identifies the config a cache file belongs to: `config_path` as discovered
// (messages name it so) and made absolute (relative paths in it resolve so).
std::string config_cache_key(const std::filesystem::path& config_path);

// `cache_dir`/HASH.bin, HASH a hash of the key: one file per config.
std::filesystem::path config_cache_file(const std::filesystem::path& cache_dir,
                                        std::string_view key);

// The bytes of a cache file for `config` (loaded with load_config) under `key`.
std::string encode_config_cache(const Config& config, std::string_view key);

// The worker `label` and [store] from cache bytes, when they are intact, belong
// to `key`, this build and this user, every input stats as recorded and passes
// the trust rule, and the label is there; nullopt otherwise. Never throws on
// damaged bytes.
std::optional<CachedWorker> decode_config_cache(std::string_view bytes, std::string_view key,
                                                std::string_view label);

// decode_config_cache() of the file, read with pread (only the header, one run of
// the label table and one record): nullopt also when the file is missing, not a
// regular file, not owned by the caller, or writable by group or others.
std::optional<CachedWorker> lookup_config_cache(const std::filesystem::path& file,
                                                std::string_view key, std::string_view label);

// True when `file` is a valid cache of `key` (lookup_config_cache() would answer
// for any label the config defines).
bool config_cache_valid(const std::filesystem::path& file, std::string_view key);

// Writes the cache of `config` to `file` (temp file and rename, mode 0600,
// directories created 0700). Writes nothing, and returns false, when an input
// changed within the clock tick it was read in (a second change in that tick
// would not show in its stat) or when the directory cannot be written. Never throws.
bool save_config_cache(const std::filesystem::path& file, std::string_view key,
                       const Config& config);

}  // namespace djc
