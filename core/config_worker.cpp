// The worker keys of SPEC §2: reading a worker table or [defaults], then merging them.
#include <fmt/format.h>

#include "core/config_detail.hpp"

namespace djc::config_detail {
namespace {

constexpr std::string_view k_command_forms =
    "an array of strings (argv) or a string (a /bin/sh script)";

[[noreturn]] void fail_empty(const Field& field) {
  fail(field.value.source(),
       fmt::format("'{}' in {} must not be empty", field.key, field.context));
}

void read_shell_command(WorkerKeys& keys, const Field& field, const std::string& script) {
  if (script.find_first_not_of(" \t\r\n") == std::string::npos) fail_empty(field);
  keys.command = std::vector<std::string>{script};
  keys.command_is_shell = true;
}

void read_command(WorkerKeys& keys, const Field& field) {
  if (const auto* script = field.value.as_string()) {
    read_shell_command(keys, field, script->get());
    return;
  }
  if (!field.value.is_array()) fail_type(field, k_command_forms);
  std::vector<std::string> argv = read_string_array(field);
  if (argv.empty()) fail_empty(field);
  if (argv[0].empty()) {
    fail(field.value.as_array()->get(0)->source(),
         fmt::format("the program (element 0) of '{}' in {} must not be empty", field.key,
                     field.context));
  }
  // "./bin/list-foos" is relative to the config file; "list-foos" is a PATH lookup.
  if (argv[0].find('/') != std::string::npos) {
    argv[0] = resolve_against(field.dir, argv[0]).string();
  }
  keys.command = std::move(argv);
  keys.command_is_shell = false;
}

void read_env(WorkerKeys& keys, const Field& field) {
  const auto* table = field.value.as_table();
  if (!table) fail_type(field, "a table of strings");
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& [name, value] : *table) {
    if (name.str().empty() || name.str().find('=') != std::string_view::npos) {
      fail(name.source(), fmt::format("'{}' in 'env' of {} is not a valid environment "
                                      "variable name", name.str(), field.context));
    }
    const auto* text = value.as_string();
    if (!text) {
      fail(value.source(), fmt::format("env variable '{}' in {} must be a string, not {}",
                                       name.str(), field.context, type_name(value)));
    }
    env.emplace_back(std::string(name.str()), text->get());
  }
  keys.env = std::move(env);
}

void read_depends_on(WorkerKeys& keys, const Field& field) {
  std::vector<std::string> globs = read_string_array(field);
  for (std::size_t i = 0; i < globs.size(); ++i) {
    if (globs[i].empty()) {
      fail(field.value.as_array()->get(i)->source(),
           fmt::format("element {} of '{}' in {} must not be empty", i, field.key, field.context));
    }
    globs[i] = resolve_glob_against(field.dir, globs[i]);
  }
  keys.depends_on = std::move(globs);
}

using KeyReader = void (*)(WorkerKeys&, const Field&);

struct KeyHandler {
  std::string_view name;
  KeyReader read;  // nullptr: read by parse_worker_keys itself (pairs of keys)
};

// Every worker key, with how to read it. The names double as the did-you-mean list.
const std::vector<KeyHandler>& key_handlers() {
  static const std::vector<KeyHandler> handlers{
      {"command", nullptr},
      {"structure_getter", nullptr},
      {"timeout", [](WorkerKeys& k, const Field& f) { k.timeout = read_duration(f); }},
      {"key_gen", [](WorkerKeys& k, const Field& f) { k.key_gen = read_string(f); }},
      {"cached_entity", [](WorkerKeys& k, const Field& f) { k.cached_entity = read_bool(f); }},
      {"wait", [](WorkerKeys& k, const Field& f) { k.wait = read_duration(f); }},
      {"tick_amount", nullptr},
      {"tick", nullptr},
      {"relevance_invalidation",
       [](WorkerKeys& k, const Field& f) { k.relevance_invalidation = read_bool(f); }},
      {"relevance_timeout",
       [](WorkerKeys& k, const Field& f) { k.relevance_timeout = read_duration(f); }},
      {"delay_invalidation",
       [](WorkerKeys& k, const Field& f) { k.delay_invalidation = read_bool(f); }},
      {"delay_countdown",
       [](WorkerKeys& k, const Field& f) { k.delay_countdown = read_duration(f); }},
      {"delay_logging", [](WorkerKeys& k, const Field& f) { k.delay_logging = read_bool(f); }},
      {"getter_timeout",
       [](WorkerKeys& k, const Field& f) { k.getter_timeout = read_duration(f); }},
      {"env", read_env},
      {"cwd", [](WorkerKeys& k, const Field& f) { k.cwd = read_path(f); }},
      {"depends_on", read_depends_on},
      {"cache_failures", [](WorkerKeys& k, const Field& f) { k.cache_failures = read_bool(f); }},
      {"serve_stale_on_error",
       [](WorkerKeys& k, const Field& f) { k.serve_stale_on_error = read_duration(f); }},
  };
  return handlers;
}

std::vector<std::string> known_keys(bool with_label) {
  std::vector<std::string> names;
  for (const KeyHandler& handler : key_handlers()) names.emplace_back(handler.name);
  if (with_label) names.emplace_back("label");
  return names;
}

// `command` and its django-cache alias `structure_getter`: one of them, not both.
void read_command_keys(WorkerKeys& keys, const toml::table& table, const fs::path& dir,
                       const std::string& context) {
  const toml::node* command = table.get("command");
  const toml::node* alias = table.get("structure_getter");
  if (command && alias) {
    fail(alias->source(), fmt::format("{} sets both 'command' and its alias "
                                      "'structure_getter'; keep one", context));
  }
  if (command) read_command(keys, Field{*command, "command", context, dir});
  if (alias) read_command(keys, Field{*alias, "structure_getter", context, dir});
}

// django-cache's tick_amount × tick, a wait spelled in two keys that go together.
void read_tick_keys(WorkerKeys& keys, const toml::table& table, const fs::path& dir,
                    const std::string& context) {
  const toml::node* amount_node = table.get("tick_amount");
  const toml::node* tick_node = table.get("tick");
  if (!amount_node && !tick_node) return;
  if (!amount_node || !tick_node) {
    const toml::node& given = amount_node ? *amount_node : *tick_node;
    fail(given.source(), fmt::format("{} sets '{}' without '{}'; give both (wait = tick_amount "
                                     "× tick) or use 'wait'", context,
                                     amount_node ? "tick_amount" : "tick",
                                     amount_node ? "tick" : "tick_amount"));
  }
  std::int64_t amount = read_positive_integer(Field{*amount_node, "tick_amount", context, dir});
  Duration tick = read_duration(Field{*tick_node, "tick", context, dir});
  // The same bound as any other duration: about 31,000 years in milliseconds.
  if (static_cast<double>(amount) * static_cast<double>(tick.count()) > 1e15) {
    fail(amount_node->source(), fmt::format("tick_amount × tick in {} is too long", context));
  }
  keys.tick_wait = tick * amount;
}

template <class T>
T pick(const std::optional<T>& own, const std::optional<T>& fallback, const T& builtin) {
  if (own) return *own;
  if (fallback) return *fallback;
  return builtin;
}

// The wait: explicit `wait`, else tick_amount × tick, the worker's own table
// before [defaults]; else the getter_timeout.
Duration resolve_wait(const WorkerKeys& own, const WorkerKeys& defaults, Duration getter_timeout) {
  for (const WorkerKeys* layer : {&own, &defaults}) {
    if (layer->wait) return *layer->wait;
    if (layer->tick_wait) return *layer->tick_wait;
  }
  return getter_timeout;
}

}  // namespace

WorkerKeys parse_worker_keys(const toml::table& table, const fs::path& dir,
                             const std::string& context, bool with_label) {
  reject_unknown_keys(table, known_keys(with_label), context);
  WorkerKeys keys;
  read_command_keys(keys, table, dir, context);
  read_tick_keys(keys, table, dir, context);
  for (const KeyHandler& handler : key_handlers()) {
    const toml::node* value = table.get(handler.name);
    if (!value || !handler.read) continue;
    handler.read(keys, Field{*value, handler.name, context, dir});
  }
  return keys;
}

Worker resolve_worker(const std::string& label, const WorkerKeys& own,
                      const WorkerKeys& defaults, const toml::source_region& where) {
  Worker worker;
  worker.label = label;
  worker.origin = origin(where);

  const WorkerKeys* command_layer = own.command ? &own : defaults.command ? &defaults : nullptr;
  if (!command_layer) {
    fail(where, fmt::format("worker '{}' has no 'command' (the getter to run)", label));
  }
  worker.command = *command_layer->command;
  worker.command_is_shell = command_layer->command_is_shell;

  worker.timeout = pick(own.timeout, defaults.timeout, worker.timeout);
  worker.key_gen = own.key_gen ? own.key_gen : defaults.key_gen;
  worker.cached_entity = pick(own.cached_entity, defaults.cached_entity, worker.cached_entity);
  worker.relevance_invalidation =
      pick(own.relevance_invalidation, defaults.relevance_invalidation,
           worker.relevance_invalidation);
  worker.relevance_timeout =
      pick(own.relevance_timeout, defaults.relevance_timeout, worker.relevance_timeout);
  worker.delay_invalidation =
      pick(own.delay_invalidation, defaults.delay_invalidation, worker.delay_invalidation);
  worker.delay_countdown =
      pick(own.delay_countdown, defaults.delay_countdown, worker.delay_countdown);
  worker.delay_logging = pick(own.delay_logging, defaults.delay_logging, worker.delay_logging);
  worker.getter_timeout = pick(own.getter_timeout, defaults.getter_timeout, worker.getter_timeout);
  worker.wait = resolve_wait(own, defaults, worker.getter_timeout);
  worker.env = pick(own.env, defaults.env, worker.env);
  worker.cwd = own.cwd ? own.cwd : defaults.cwd;
  worker.depends_on = pick(own.depends_on, defaults.depends_on, worker.depends_on);
  worker.cache_failures = pick(own.cache_failures, defaults.cache_failures, worker.cache_failures);
  worker.serve_stale_on_error =
      pick(own.serve_stale_on_error, defaults.serve_stale_on_error, worker.serve_stale_on_error);
  return worker;
}

}  // namespace djc::config_detail
