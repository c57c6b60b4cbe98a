// The config cache's encoding of a worker, [store] and a recorded input.
#include "core/config_cache_codec.hpp"

namespace djc::config_cache_codec {

namespace fs = std::filesystem;

void write_worker(Writer& out, const Worker& worker) {
  out.text(worker.label);
  out.texts(worker.command);
  out.flag(worker.command_is_shell);
  out.duration(worker.timeout);
  out.optional_text(worker.key_gen);
  out.flag(worker.cached_entity);
  out.duration(worker.wait);
  out.flag(worker.relevance_invalidation);
  out.duration(worker.relevance_timeout);
  out.flag(worker.delay_invalidation);
  out.duration(worker.delay_countdown);
  out.flag(worker.delay_logging);
  out.duration(worker.getter_timeout);
  out.number(static_cast<std::uint32_t>(worker.env.size()));
  for (const auto& [name, value] : worker.env) {
    out.text(name);
    out.text(value);
  }
  out.optional_text(worker.cwd ? std::optional<std::string>(worker.cwd->string()) : std::nullopt);
  out.texts(worker.depends_on);
  out.flag(worker.cache_failures);
  out.duration(worker.serve_stale_on_error);
  out.text(worker.origin);
}

Worker read_worker(Reader& in) {
  Worker worker;
  worker.label = in.text();
  worker.command = in.texts();
  worker.command_is_shell = in.flag();
  worker.timeout = in.duration();
  worker.key_gen = in.optional_text();
  worker.cached_entity = in.flag();
  worker.wait = in.duration();
  worker.relevance_invalidation = in.flag();
  worker.relevance_timeout = in.duration();
  worker.delay_invalidation = in.flag();
  worker.delay_countdown = in.duration();
  worker.delay_logging = in.flag();
  worker.getter_timeout = in.duration();
  auto env_count = in.number<std::uint32_t>();
  for (std::uint32_t i = 0; i < env_count && in.ok(); ++i) {
    std::string name = in.text();
    worker.env.emplace_back(std::move(name), in.text());
  }
  if (auto cwd = in.optional_text()) worker.cwd = fs::path(*cwd);
  worker.depends_on = in.texts();
  worker.cache_failures = in.flag();
  worker.serve_stale_on_error = in.duration();
  worker.origin = in.text();
  return worker;
}

void write_store(Writer& out, const StoreSettings& store) {
  out.text(store.backend);
  out.optional_text(store.path ? std::optional<std::string>(store.path->string()) : std::nullopt);
  out.number(store.max_size);
  out.text(store.url);
  out.text(store.prefix);
  out.duration(store.connect_timeout);
  out.duration(store.operation_timeout);
  out.duration(store.lease);
}

StoreSettings read_store(Reader& in) {
  StoreSettings store;
  store.backend = in.text();
  if (auto path = in.optional_text()) store.path = fs::path(*path);
  store.max_size = in.number<std::uint64_t>();
  store.url = in.text();
  store.prefix = in.text();
  store.connect_timeout = in.duration();
  store.operation_timeout = in.duration();
  store.lease = in.duration();
  return store;
}

void write_input(Writer& out, const ConfigInput& input) {
  out.number(static_cast<std::uint8_t>(input.kind));
  out.text(input.path);
  out.number(input.dev);
  out.number(input.ino);
  out.number(input.size);
  out.number(input.mtime_ns);
  out.number(input.ctime_ns);
  out.number(input.mode);
  out.number(input.uid);
  out.number(input.gid);
}

ConfigInput read_input(Reader& in) {
  ConfigInput input;
  input.kind = static_cast<ConfigInput::Kind>(in.number<std::uint8_t>());
  input.path = in.text();
  input.dev = in.number<std::uint64_t>();
  input.ino = in.number<std::uint64_t>();
  input.size = in.number<std::uint64_t>();
  input.mtime_ns = in.number<std::int64_t>();
  input.ctime_ns = in.number<std::int64_t>();
  input.mode = in.number<std::uint32_t>();
  input.uid = in.number<std::uint32_t>();
  input.gid = in.number<std::uint32_t>();
  return input;
}

}  // namespace djc::config_cache_codec
