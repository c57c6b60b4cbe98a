// The Redis store against a real server (the "redis" CTest fixture, whose URL is
// $DJ_CACHE_TEST_REDIS): entries with their index rows, leases, jobs, counters,
// check/repair, URL parsing. Each test uses a prefix of its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/error.hpp"
#include "store/redis/redis_connection.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/redis_url.hpp"

using namespace djc;

namespace {

std::string test_url() {
  const char* url = std::getenv("DJ_CACHE_TEST_REDIS");
  if (!url || !*url) FAIL("DJ_CACHE_TEST_REDIS is not set: run through ctest (fixture 'redis')");
  return url;
}

StoreSettings settings(const std::string& prefix) {
  StoreSettings s;
  s.backend = "redis";
  s.url = test_url();
  static int serial = 0;
  s.prefix = "unit-" + std::to_string(::getpid()) + "-" + std::to_string(++serial) + "-" + prefix + ":";
  s.lease = std::chrono::milliseconds{300};
  return s;
}

EntryMeta entry(std::string label, std::string key, std::map<std::string, NamedArg> named = {},
                double available_to = 4e9, std::optional<double> relevance_to = {}) {
  EntryMeta meta;
  meta.label = std::move(label);
  meta.key = std::move(key);
  meta.args.named = std::move(named);
  meta.created_at = 1000;
  meta.available_to = available_to;
  meta.relevance_to = relevance_to;
  return meta;
}

EntryMeta with_checksum(EntryMeta meta, std::string_view value) {
  meta.checksum = value_checksum(value);
  return meta;
}

std::optional<std::string> value_of(Store& store, std::string_view key) {
  std::optional<std::string> out;
  store.read(key, [&](const EntryRef& e) { out = std::string(e.value); });
  return out;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("redis store: put, read, indexes, erase", "[redis]") {
  auto s = settings("entries");
  auto store = open_redis_store(s, OpenMode::write);
  REQUIRE(store);
  store->put(entry("foo", "foo:1", {{"a", NamedArg{{"1"}, false}}, {"b", NamedArg{}}}, 4e9, 100), "one");
  store->put(entry("foo", "foo:2", {{"a", NamedArg{{"1", "2"}, true}}}, 50), std::string("t\0o", 3));
  store->put(entry("bar", "bar:1"), "");
  CHECK(value_of(*store, "foo:1") == "one");
  CHECK(value_of(*store, "foo:2") == std::string("t\0o", 3));
  CHECK(value_of(*store, "bar:1") == "");
  CHECK_FALSE(value_of(*store, "nope"));
  CHECK(store->labels() == Keys{"bar", "foo"});
  CHECK(store->keys_of_label("foo") == Keys{"foo:1", "foo:2"});
  CHECK(store->keys_with_arg("foo", "a", "1") == Keys{"foo:1", "foo:2"});
  CHECK(store->keys_with_arg("foo", "a", "2") == Keys{"foo:2"});
  CHECK(store->keys_without_arg("foo", "b") == Keys{"foo:1", "foo:2"});
  CHECK(store->keys_without_arg("foo", "a").empty());
  CHECK(store->keys_expired(60) == Keys{"foo:2"});
  CHECK(store->keys_stale(200, std::nullopt) == Keys{"foo:1"});
  CHECK(store->keys_stale(200, "bar").empty());
  // Replacing an entry replaces its rows.
  store->put(entry("foo", "foo:2", {{"a", NamedArg{{"3"}, false}}}), "new");
  CHECK(store->keys_with_arg("foo", "a", "2").empty());
  CHECK(store->keys_with_arg("foo", "a", "3") == Keys{"foo:2"});
  CHECK(store->keys_expired(60).empty());
  std::vector<std::string> seen;
  store->for_each(std::nullopt, [&](const EntryRef& e) { seen.push_back(e.meta.key); });
  CHECK(seen == Keys{"bar:1", "foo:1", "foo:2"});
  CHECK(store->erase({"foo:1", "bar:1", "nope"}) == 2);
  CHECK(store->labels() == Keys{"foo"});
  CHECK(store->keys_with_arg("foo", "a", "1").empty());
}

TEST_CASE("redis store: read mode sees no store until one is written", "[redis]") {
  auto s = settings("schema");
  CHECK(open_redis_store(s, OpenMode::read) == nullptr);
  CHECK_FALSE(redis_schema_status(s).exists);
  open_redis_store(s, OpenMode::migrate);
  SchemaStatus status = redis_schema_status(s);
  CHECK(status.exists);
  CHECK(status.on_disk == status.current);
  CHECK(open_redis_store(s, OpenMode::read) != nullptr);
}

TEST_CASE("redis store: put_all is one transaction", "[redis]") {
  auto s = settings("putall");
  auto store = open_redis_store(s, OpenMode::write);
  std::vector<std::pair<EntryMeta, std::string>> batch;
  for (int i = 0; i < 300; ++i) {
    batch.emplace_back(entry("w", "w:" + std::to_string(i), {{"n", NamedArg{{std::to_string(i % 3)}, false}}}),
                       "v" + std::to_string(i));
  }
  store->put_all(batch);
  CHECK(store->keys_of_label("w").size() == 300);
  CHECK(store->keys_with_arg("w", "n", "1").size() == 100);
  CHECK(value_of(*store, "w:299") == "v299");
}

TEST_CASE("redis store: a lease is exclusive, released on destruction, lapses when not renewed",
          "[redis]") {
  auto s = settings("lease");
  auto store = open_redis_store(s, OpenMode::write);
  auto other = open_redis_store(s, OpenMode::write);
  {
    auto held = store->lock_key("k", 0.0);
    REQUIRE(held);
    CHECK_FALSE(other->lock_key("k", 0.0));
    CHECK(other->lock_key("k2", 0.0));
    // Renewed while held: still exclusive after several lease times.
    CHECK_FALSE(other->lock_key("k", 1.0));
  }
  CHECK(other->lock_key("k", 0.0));

  // A waiter is woken by the release, well before its wait runs out.
  auto held = store->lock_key("w", 0.0);
  REQUIRE(held);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto third = open_redis_store(s, OpenMode::write);
    got = third->lock_key("w", 30.0) != nullptr;
  });
  held.reset();
  waiter.join();
  CHECK(got);

  // A holder whose lease is not renewed (it died) loses it within the lease time.
  redis::Connection raw(redis::parse_redis_url(s.url), {});
  raw.command({"SET", s.prefix + "{dead}:l", "someone", "PX", "300"});
  auto start = std::chrono::steady_clock::now();
  CHECK(store->lock_key("dead", 10.0));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("redis store: jobs coalesce by version and leave when finished", "[redis]") {
  auto s = settings("jobs");
  auto store = open_redis_store(s, OpenMode::write);
  CHECK_FALSE(store->next_job_due());
  store->enqueue_job("a", 100);
  store->enqueue_job("b", 50);
  store->enqueue_job("a", 10);  // absorbed: due stays 100, version grows
  auto all = store->jobs();
  REQUIRE(all.size() == 2);
  CHECK(all[0].key == "b");
  CHECK(all[1].due == 100);
  CHECK(store->next_job_due() == 50);
  auto due = store->due_jobs(100, 10);
  REQUIRE(due.size() == 2);
  store->enqueue_job("a", 1);  // queued again while running
  store->finish_job(due[0]);
  store->finish_job(due[1]);
  auto left = store->jobs();
  REQUIRE(left.size() == 1);
  CHECK(left[0].key == "a");
}

TEST_CASE("redis store: counters and last purge", "[redis]") {
  auto s = settings("stats");
  {
    auto store = open_redis_store(s, OpenMode::write);
    store->count("x", Counters{.hits = 2, .getter_ms = 7});
    store->count("x", Counters{.misses = 1});
    store->count("y", Counters{.evictions = 3});
    store->record_purge(1234.5);
  }
  auto store = open_redis_store(s, OpenMode::read);
  auto counters = store->counters();
  CHECK(counters["x"] == Counters{.hits = 2, .misses = 1, .getter_ms = 7});
  CHECK(counters["y"].evictions == 3);
  CHECK(store->last_purge() == 1234.5);
}

TEST_CASE("redis store: check finds evicted entries and lost index rows, repair mends them",
          "[redis]") {
  auto s = settings("check");
  auto store = open_redis_store(s, OpenMode::write);
  store->put(with_checksum(entry("l", "l:1", {{"a", NamedArg{{"1"}, false}}}), "v1"), "v1");
  store->put(with_checksum(entry("l", "l:2", {{"a", NamedArg{{"2"}, false}}}), "v2"), "v2");
  store->enqueue_job("gone", 1);
  redis::Connection raw(redis::parse_redis_url(s.url), {});
  raw.command({"DEL", s.prefix + "{l:1}:e"});  // evicted by maxmemory
  std::string arg2 = s.prefix + "arg:l";
  arg2 += '\0';
  arg2 += "a";
  arg2 += '\0';
  arg2 += "2";
  raw.command({"SREM", arg2, "l:2"});  // an index row evicted
  CheckReport report = store->check(false);
  CHECK(report.entries == 1);
  CHECK(report.problems.size() >= 3);
  CheckReport repaired = store->check(true);
  CHECK(repaired.repaired > 0);
  CHECK(store->check(false).problems.empty());
  CHECK(store->keys_with_arg("l", "a", "2") == Keys{"l:2"});
  CHECK(store->keys_of_label("l") == Keys{"l:2"});
  CHECK(store->jobs().empty());
}

TEST_CASE("redis store: unreachable server: 74 naming the URL, or an empty store for get",
          "[redis]") {
  StoreSettings s;
  s.backend = "redis";
  s.url = "redis://me:hunter2@127.0.0.1:1/3";
  s.connect_timeout = std::chrono::milliseconds{200};
  try {
    open_redis_store(s, OpenMode::write);
    FAIL("opened");
  } catch (const Error& error) {
    CHECK(error.exit_code() == 74);
    CHECK(std::string(error.what()).find("redis://me@127.0.0.1:1/3") != std::string::npos);
    CHECK(std::string(error.what()).find("hunter2") == std::string::npos);
  }
  auto offline = open_redis_store(s, OpenMode::get);
  REQUIRE(offline);
  CHECK_FALSE(offline->read("k", [](const EntryRef&) {}));
  CHECK(offline->lock_key("k", std::nullopt));
  CHECK(offline->put(entry("l", "k"), "v").stored);
}

TEST_CASE("redis URLs: parts, password from the environment, refusals", "[redis]") {
  using redis::parse_redis_url;
  auto url = parse_redis_url("redis://u:p%40ss@example.org:6380/2");
  CHECK(url.host == "example.org");
  CHECK(url.port == 6380);
  CHECK(url.db == 2);
  CHECK(url.user == "u");
  CHECK(url.password == "p@ss");
  CHECK(url.shown == "redis://u@example.org:6380/2");
  auto local = parse_redis_url("unix:///run/redis.sock?db=1");
  CHECK(local.socket_path == "/run/redis.sock");
  CHECK(local.db == 1);
  ::setenv("DJ_CACHE_REDIS_PASSWORD", "from-env", 1);
  CHECK(parse_redis_url("redis://h").password == "from-env");
  CHECK(parse_redis_url("redis://:url@h").password == "url");
  ::unsetenv("DJ_CACHE_REDIS_PASSWORD");
  for (const char* bad : {"http://h", "redis://", "redis://h:99999", "redis://h/x", "rediss://h"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_redis_url(bad), Error);
  }
}

TEST_CASE("redis store: a server that refuses commands: 74, or an empty store for get",
          "[redis]") {
  auto s = settings("refused");
  // The test server has no password: AUTH is refused.
  ::setenv("DJ_CACHE_REDIS_PASSWORD", "not-this-one", 1);
  auto get = open_redis_store(s, OpenMode::get);
  REQUIRE(get);
  CHECK_FALSE(get->read("k", [](const EntryRef&) {}));
  CHECK(get->lock_key("k", std::nullopt));
  CHECK(get->put(entry("l", "k"), "v").stored);
  try {
    open_redis_store(s, OpenMode::write);
    FAIL("opened");
  } catch (const Error& error) {
    CHECK(error.exit_code() == 74);
    CHECK(std::string(error.what()).find("not-this-one") == std::string::npos);
  }
  ::unsetenv("DJ_CACHE_REDIS_PASSWORD");
}
