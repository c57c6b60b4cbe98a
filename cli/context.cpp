// Lazy loading of the config and the store for the command that runs.
#include "cli/context.hpp"

#include <cstdlib>
#include <fmt/format.h>

#include "core/edit_distance.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

std::filesystem::path default_store_path() {
  if (auto xdg = env("XDG_CACHE_HOME")) return std::filesystem::path(*xdg) / "dj-cache";
  if (auto home = env("HOME")) return std::filesystem::path(*home) / ".cache" / "dj-cache";
  throw Error(exit_code::usage, "no store path: set --store, $DJ_CACHE_STORE or $HOME");
}

// $XDG_CACHE_HOME/dj-cache/config-cache (default ~/.cache/...): where the config
// cache files live; nullopt (no cache) when neither variable is set.
std::optional<std::filesystem::path> config_cache_dir() {
  if (auto xdg = env("XDG_CACHE_HOME")) {
    return std::filesystem::path(*xdg) / "dj-cache" / "config-cache";
  }
  if (auto home = env("HOME")) {
    return std::filesystem::path(*home) / ".cache" / "dj-cache" / "config-cache";
  }
  return std::nullopt;
}

}  // namespace

void Context::locate_config() {
  if (config_located_) return;
  config_located_ = true;
  config_file_ = discover_config(options.config_path);
}

const Config* Context::config_if_any() {
  if (!config_searched_) {
    config_searched_ = true;
    locate_config();
    if (config_file_) {
      config_ = load_config(*config_file_);  // an invalid config throws: no cache written
      update_config_cache();
    }
  }
  return config_ ? &*config_ : nullptr;
}

const Worker* Context::cached_worker(const std::string& label) {
  if (auto found = cached_.find(label); found != cached_.end()) return &found->second.worker;
  locate_config();
  std::optional<std::filesystem::path> dir = config_cache_dir();
  if (!config_file_ || !dir) return nullptr;
  std::string key = config_cache_key(*config_file_);
  std::optional<CachedWorker> hit = lookup_config_cache(config_cache_file(*dir, key), key, label);
  if (!hit) return nullptr;
  return &cached_.emplace(label, std::move(*hit)).first->second.worker;
}

void Context::update_config_cache() {
  std::optional<std::filesystem::path> dir = config_cache_dir();
  if (!dir) return;
  std::string key = config_cache_key(*config_file_);
  std::filesystem::path file = config_cache_file(*dir, key);
  if (!config_cache_valid(file, key)) save_config_cache(file, key, *config_);
}

const Config& Context::config() {
  if (const Config* found = config_if_any()) return *found;
  throw Error(exit_code::config,
              "no config found (looked for --config, $DJ_CACHE_CONFIG, ./dj-cache.toml, "
              "$XDG_CONFIG_HOME/dj-cache/config.toml, /etc/dj-cache/config.toml)",
              "create one; see man dj-cache.toml(5) or examples/");
}

const Worker& Context::worker(const std::string& label) {
  if (!config_) {
    if (const Worker* cached = cached_worker(label)) return *cached;
  }
  const Config& loaded = config();
  if (const Worker* found = loaded.find_worker(label)) return *found;
  std::vector<std::string> labels;
  for (const auto& [name, worker] : loaded.workers) labels.push_back(name);
  std::string hint;
  if (auto nearest = nearest_name(label, labels)) hint = fmt::format("did you mean '{}'?", *nearest);
  throw Error(exit_code::unavailable, fmt::format("unknown worker '{}'", label), hint);
}

StoreLocation Context::store_location() {
  StoreLocation where;
  if (!config_ && !cached_.empty()) {
    where.settings = cached_.begin()->second.store;  // the config cache answered
  } else if (const Config* loaded = config_if_any()) {
    where.settings = loaded->store;
  }
  where.options.max_size = where.settings.max_size;
  if (options.store_path) {
    where.options.path = *options.store_path;
  } else if (auto from_env = env("DJ_CACHE_STORE")) {
    where.options.path = *from_env;
  } else if (where.settings.path) {
    where.options.path = *where.settings.path;
  } else {
    where.options.path = default_store_path();
  }
  // --store redis://... (or $DJ_CACHE_STORE) picks the Redis backend at that URL.
  if (is_redis_url(where.options.path.string())) {
    where.settings.backend = "redis";
    where.settings.url = where.options.path.string();
  }
  return where;
}

Store* Context::store(OpenMode mode, bool write_expected) {
  if (store_) return store_.get();
  StoreLocation where = store_location();
  where.options.write_expected = write_expected;
  store_ = open_store(where, mode);
  return store_.get();
}

}  // namespace djc
