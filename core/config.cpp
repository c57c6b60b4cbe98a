// Loading the TOML config: the main file and its includes, the top level, [store], [events].
#include "core/config.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/config_detail.hpp"
#include "core/edit_distance.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

using namespace config_detail;

const std::vector<std::string> k_main_keys{"include", "store",   "defaults",
                                           "workers", "sources", "events"};
// Included files add workers and rules; settings of the whole config stay in one place.
const std::vector<std::string> k_included_keys{"include", "workers", "sources"};
const std::vector<std::string> k_store_keys{"backend",         "path",
                                            "max_size",        "url",
                                            "prefix",          "connect_timeout",
                                            "operation_timeout", "lease"};
const std::vector<std::string> k_events_keys{"spool"};
const std::vector<std::string> k_backends{"lmdb", "redis"};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const toml::table& require_table(const toml::node& node, const std::string& what) {
  if (const auto* table = node.as_table()) return *table;
  fail(node.source(), fmt::format("{} must be a table, not {}", what, type_name(node)));
}

std::string read_backend(const Field& field) {
  std::string backend = read_string(field);
  if (contains(k_backends, backend)) return backend;
  std::string message =
      fmt::format("unknown store backend '{}' (expected 'lmdb' or 'redis')", backend);
  if (std::optional<std::string> suggestion = nearest_name(backend, k_backends)) {
    message += fmt::format("; did you mean '{}'?", *suggestion);
  }
  fail(field.value.source(), message);
}

std::uint64_t read_size(const Field& field) {
  std::optional<std::uint64_t> bytes;
  if (const auto* integer = field.value.as_integer()) {
    if (integer->get() > 0) bytes = static_cast<std::uint64_t>(integer->get());
  } else if (const auto* text = field.value.as_string()) {
    bytes = parse_size(text->get());
    if (!bytes) {
      fail(field.value.source(), fmt::format("'{}' in {} has a malformed size \"{}\" (expected "
                                             "bytes, or e.g. \"512MiB\", \"4GiB\", \"4GB\")",
                                             field.key, field.context, text->get()));
    }
  } else {
    fail_type(field, "a size (integer bytes, or a string such as \"4GiB\")");
  }
  if (!bytes || *bytes == 0) {
    fail(field.value.source(),
         fmt::format("'{}' in {} must be positive", field.key, field.context));
  }
  return *bytes;
}

Duration positive_duration(const Field& field) {
  Duration duration = read_duration(field);
  if (duration <= Duration::zero()) {
    fail(field.value.source(), fmt::format("'{}' in {} must be positive", field.key, field.context));
  }
  return duration;
}

StoreSettings parse_store(const toml::node& node, const fs::path& dir) {
  const std::string context = "[store]";
  const toml::table& table = require_table(node, "'store'");
  reject_unknown_keys(table, k_store_keys, context);
  StoreSettings store;
  auto field = [&](const char* key) -> std::optional<Field> {
    const toml::node* value = table.get(key);
    if (!value) return std::nullopt;
    return Field{*value, key, context, dir};
  };
  if (auto backend = field("backend")) store.backend = read_backend(*backend);
  if (auto path = field("path")) store.path = read_path(*path);
  if (auto max_size = field("max_size")) store.max_size = read_size(*max_size);
  if (auto url = field("url")) store.url = read_nonempty_string(*url);
  if (auto prefix = field("prefix")) store.prefix = read_string(*prefix);
  if (auto timeout = field("connect_timeout")) store.connect_timeout = positive_duration(*timeout);
  if (auto timeout = field("operation_timeout")) {
    store.operation_timeout = positive_duration(*timeout);
  }
  if (auto lease = field("lease")) store.lease = positive_duration(*lease);
  if (store.backend == "redis" && store.url.empty()) {
    fail(table.get("backend")->source(),
         "the redis backend needs 'url' in [store] (e.g. \"redis://HOST:PORT/DB\")");
  }
  return store;
}

std::optional<fs::path> parse_events(const toml::node& node, const fs::path& dir) {
  const toml::table& table = require_table(node, "'events'");
  reject_unknown_keys(table, k_events_keys, "[events]");
  const toml::node* spool = table.get("spool");
  if (!spool) return std::nullopt;
  return read_path(Field{*spool, "spool", "[events]", dir});
}

void check_label(const std::string& label, const toml::source_region& where) {
  if (is_valid_label(label)) return;
  fail(where, fmt::format("bad worker label '{}' (1-64 of A-Za-z0-9_.-)", label));
}

toml::table parse_toml(std::string_view text, const std::string& display_path) {
  try {
    return toml::parse(text, std::string(display_path));
  } catch (const toml::parse_error& error) {
    fail(error.source(), std::string(error.description()));
  }
}

// One config file being loaded: where it is, for messages, cycles and relative paths.
struct FileInfo {
  std::string display;  // as messages name it
  fs::path dir;         // absolute, resolves relative paths in it
  fs::path identity;    // canonical, detects cycles and repeated includes
};

FileInfo included_file_info(const fs::path& path) {
  std::error_code error;
  fs::path identity = fs::weakly_canonical(path, error);
  if (error) identity = path;
  return FileInfo{path.string(), path.parent_path(), identity};
}

FileInfo main_file_info(const fs::path& path) {
  fs::path absolute = fs::absolute(path);
  std::error_code error;
  fs::path identity = fs::weakly_canonical(absolute, error);
  if (error) identity = absolute;
  fs::path dir = path.has_filename() ? absolute.parent_path() : absolute;
  return FileInfo{path.string(), dir, identity};
}

class Loader {
 public:
  Config load(const FileInfo& main, std::string_view text,
              std::vector<ConfigInput> main_inputs = {}) {
    config_.inputs = std::move(main_inputs);
    load_file(main, text, /*is_main=*/true);
    // Rules may name workers of files loaded after them: check once all are in.
    check_worker_references(config_, references_);
    return std::move(config_);
  }

 private:
  void load_file(const FileInfo& file, std::string_view text, bool is_main) {
    stack_.push_back(file);
    loaded_.insert(file.identity);
    config_.files.emplace_back(file.display);
    toml::table root = parse_toml(text, file.display);
    if (is_main) {
      load_main_settings(root, file.dir);
    } else {
      reject_main_only_keys(root);
    }
    if (const toml::node* workers = root.get("workers")) load_workers(*workers, file.dir);
    if (const toml::node* sources = root.get("sources")) {
      parse_sources(*sources, config_, references_);
    }
    if (const toml::node* include = root.get("include")) load_includes(*include, file.dir);
    stack_.pop_back();
  }

  // [defaults] comes first: every worker, of this file or an included one, uses it.
  void load_main_settings(const toml::table& root, const fs::path& dir) {
    reject_unknown_keys(root, k_main_keys, "the config");
    if (const toml::node* defaults = root.get("defaults")) {
      const toml::table& table = require_table(*defaults, "'defaults'");
      defaults_ = parse_worker_keys(table, dir, "[defaults]", /*with_label=*/false);
    }
    if (const toml::node* store = root.get("store")) config_.store = parse_store(*store, dir);
    if (const toml::node* events = root.get("events")) config_.spool = parse_events(*events, dir);
  }

  void reject_main_only_keys(const toml::table& root) {
    for (const auto& [key, value] : root) {
      if (contains(k_main_keys, key.str()) && !contains(k_included_keys, key.str())) {
        fail(key.source(), fmt::format("'{}' may only appear in the main config file, not in "
                                       "an included one", key.str()));
      }
    }
    reject_unknown_keys(root, k_included_keys, "an included config file");
  }

  void load_workers(const toml::node& node, const fs::path& dir) {
    if (const auto* table = node.as_table()) {
      for (const auto& [label, value] : *table) add_table_worker(label, value, dir);
      return;
    }
    if (const auto* array = node.as_array()) {
      for (const toml::node& element : *array) add_array_worker(element, dir);
      return;
    }
    fail(node.source(), "'workers' must be [workers.LABEL] tables or a [[workers]] array, not " +
                            type_name(node));
  }

  // [workers.LABEL]: the label is the key; a "label" inside may only repeat it.
  void add_table_worker(const toml::key& key, const toml::node& value, const fs::path& dir) {
    std::string label(key.str());
    check_label(label, key.source());
    const toml::table& table = require_table(value, fmt::format("worker '{}'", label));
    if (const toml::node* inner = table.get("label")) {
      std::string context = fmt::format("worker '{}'", label);
      if (read_string(Field{*inner, "label", context, dir}) != label) {
        fail(inner->source(), fmt::format("'label' of worker '{}' differs from its table name",
                                          label));
      }
    }
    add_worker(label, key.source(), table, dir);
  }

  // [[workers]]: each entry names itself with "label".
  void add_array_worker(const toml::node& element, const fs::path& dir) {
    const toml::table& table = require_table(element, "each [[workers]] entry");
    const toml::node* label_node = table.get("label");
    if (!label_node) fail(table.source(), "[[workers]] entry has no 'label'");
    std::string label = read_string(Field{*label_node, "label", "a [[workers]] entry", dir});
    check_label(label, label_node->source());
    add_worker(label, label_node->source(), table, dir);
  }

  void add_worker(const std::string& label, const toml::source_region& label_place,
                  const toml::table& table, const fs::path& dir) {
    if (auto first = label_places_.find(label); first != label_places_.end()) {
      fail(label_place, fmt::format("worker '{}' is defined twice: here and at {}", label,
                                    first->second));
    }
    label_places_.emplace(label, place(label_place));
    std::string context = fmt::format("worker '{}'", label);
    WorkerKeys keys = parse_worker_keys(table, dir, context, /*with_label=*/true);
    config_.workers.emplace(label, resolve_worker(label, keys, defaults_, table.source()));
  }

  void load_includes(const toml::node& node, const fs::path& dir) {
    const std::string context = "the config";
    std::vector<std::string> entries = read_string_array(Field{node, "include", context, dir});
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const toml::source_region& where = node.as_array()->get(i)->source();
      if (entries[i].empty()) fail(where, "an 'include' entry must not be empty");
      for (const fs::path& path : expand_include(dir, entries[i], where, &config_.inputs)) {
        load_included(path, where);
      }
    }
  }

  void load_included(const fs::path& path, const toml::source_region& where) {
    FileInfo file = included_file_info(path);
    auto on_stack = [&](const FileInfo& open) { return open.identity == file.identity; };
    if (std::any_of(stack_.begin(), stack_.end(), on_stack)) fail(where, cycle_message(file));
    if (loaded_.count(file.identity)) {  // included twice, e.g. by name and by a glob
      record_input(path, config_.inputs);  // a link retargeted later is a change
      return;
    }
    std::string text;
    try {
      text = read_config_file(path, /*check_trust=*/true, &config_.inputs);
    } catch (const Error& error) {
      throw Error(exit_code::config,
                  fmt::format("{} (included at {})", error.what(), place(where)));
    }
    load_file(file, text, /*is_main=*/false);
  }

  std::string cycle_message(const FileInfo& repeated) const {
    std::string chain;
    for (const FileInfo& open : stack_) chain += open.display + " -> ";
    return "include cycle: " + chain + repeated.display;
  }

  Config config_;
  WorkerKeys defaults_;
  std::map<std::string, std::string> label_places_;  // label -> "path:line:col"
  std::vector<WorkerReference> references_;
  std::vector<FileInfo> stack_;  // the include chain being loaded
  std::set<fs::path> loaded_;
};

}  // namespace

const Worker* Config::find_worker(const std::string& label) const {
  auto found = workers.find(label);
  return found == workers.end() ? nullptr : &found->second;
}

Config load_config(const std::filesystem::path& path) {
  std::vector<ConfigInput> inputs;
  std::string text = read_config_file(path, /*check_trust=*/true, &inputs);
  return Loader().load(main_file_info(path), text, std::move(inputs));
}

Config parse_config_text(std::string_view text, const std::filesystem::path& origin) {
  return Loader().load(main_file_info(origin), text);
}

bool is_valid_label(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

}  // namespace djc
