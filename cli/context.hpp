// What every command shares: the global options, the config (loaded once, on
// demand), the store (opened once, on demand) and the clock.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/config_cache.hpp"
#include "store/open_store.hpp"

namespace djc {

struct GlobalOptions {
  std::optional<std::string> config_path;  // -c/--config
  std::optional<std::string> store_path;   // -s/--store
  bool verbose = false;
  bool quiet = false;
};

class Context {
 public:
  GlobalOptions options;
  int exit_code = 0;  // set by the command that ran

  // The discovered config; Error(78) when there is none or it is invalid.
  const Config& config();
  // The discovered config, or nullptr when none exists (invalid still throws).
  const Config* config_if_any();
  // Finds the config file (SPEC §2 discovery) without loading it.
  void locate_config();
  // The path of the discovered config (after locate_config()), for child processes.
  const std::optional<std::filesystem::path>& config_file() const { return config_file_; }
  // The worker of `label`: from the config cache when it is valid (no TOML
  // parsed), else from the config. Error(69) with a did-you-mean hint when unknown.
  const Worker& worker(const std::string& label);

  // --store, $DJ_CACHE_STORE, [store] path, $XDG_CACHE_HOME/dj-cache, ~/.cache/dj-cache.
  StoreLocation store_location();
  // The store; nullptr only in OpenMode::read when it does not exist.
  // write_expected: see StoreOptions.
  Store* store(OpenMode mode, bool write_expected = false);

  const Clock& clock() const { return system_clock(); }

 private:
  const Worker* cached_worker(const std::string& label);
  void update_config_cache();

  bool config_located_ = false;
  bool config_searched_ = false;
  std::optional<std::filesystem::path> config_file_;
  std::optional<Config> config_;
  std::map<std::string, CachedWorker, std::less<>> cached_;  // answered by the config cache
  std::unique_ptr<Store> store_;
};

}  // namespace djc
