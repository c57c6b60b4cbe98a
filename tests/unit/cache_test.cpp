// Unit tests of core/cache: hit, miss, expiry, relevance, failures, locks.
#include <catch2/catch.hpp>

#include "core/cache.hpp"
#include "core/error.hpp"
#include "core/key.hpp"
#include "memory_store.hpp"

using namespace djc;
using djc::test::FixedClock;
using djc::test::MemoryStore;

namespace {

Worker shell_worker(const std::string& script) {
  Worker worker;
  worker.label = "w";
  worker.command = {script};
  worker.command_is_shell = true;
  worker.timeout = std::chrono::seconds(100);
  return worker;
}

std::string get_value(Cache& cache, const Worker& worker, const Args& args = {},
                      GetOptions options = {}) {
  std::string printed;
  cache.get(worker, args, options, [&](const EntryRef& entry) { printed = entry.value; });
  return printed;
}

}  // namespace

TEST_CASE("a miss computes and stores; a hit is one read and no write", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  Cache cache(store, clock);
  Worker worker = shell_worker("echo computed");
  CHECK(get_value(cache, worker) == "computed\n");
  REQUIRE(store.entries.size() == 1);
  const EntryMeta& meta = store.entries.begin()->second.first;
  CHECK(meta.created_at == clock.time);
  CHECK(meta.available_to == clock.time + 100);
  CHECK(meta.checksum == value_checksum("computed\n"));
  store.reads = store.puts = 0;
  CHECK(get_value(cache, worker) == "computed\n");
  CHECK(store.reads == 1);
  CHECK(store.puts == 0);
}

TEST_CASE("an expired entry is a miss at exactly available_to", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  Cache cache(store, clock);
  Worker worker = shell_worker("echo x");
  get_value(cache, worker);
  clock.time += 99.999;
  store.puts = 0;
  get_value(cache, worker);
  CHECK(store.puts == 0);
  clock.time += 0.001;
  get_value(cache, worker);
  CHECK(store.puts == 1);
}

TEST_CASE("relevance: a stale entry is recomputed, or served with a refresh when delayed", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  int refreshes = 0;
  Cache cache(store, clock, [&](const Worker&, const Args&) { ++refreshes; });
  Worker worker = shell_worker("echo x");
  worker.relevance_invalidation = true;
  worker.relevance_timeout = std::chrono::seconds(10);
  get_value(cache, worker);
  REQUIRE(store.entries.begin()->second.first.relevance_to == clock.time + 10);
  clock.time += 10;
  SECTION("without delay_invalidation: recomputed synchronously") {
    store.puts = 0;
    get_value(cache, worker);
    CHECK(store.puts == 1);
    CHECK(refreshes == 0);
  }
  SECTION("with delay_invalidation: the stale value at once, one refresh requested") {
    worker.delay_invalidation = true;
    store.puts = 0;
    std::string printed;
    GetResult result = cache.get(worker, {}, {}, [&](const EntryRef& e) { printed = e.value; });
    CHECK(result.served == Served::stale);
    CHECK(printed == "x\n");
    CHECK(store.puts == 0);
    CHECK(refreshes == 1);
  }
}

TEST_CASE("a failing getter stores nothing and keeps the old entry", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  Cache cache(store, clock);
  get_value(cache, shell_worker("echo old"));
  Worker failing = shell_worker("echo new; exit 7");
  std::string printed = "untouched";
  GetOptions force;
  force.force = true;
  GetResult result = cache.get(failing, {}, force, [&](const EntryRef& e) { printed = e.value; });
  CHECK(result.exit_code == 7);
  CHECK(result.served == Served::failed);
  CHECK(printed == "untouched");
  CHECK(store.entries.begin()->second.second == "old\n");
}

TEST_CASE("serve_stale_on_error serves a recently expired entry only inside its window", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  Cache cache(store, clock);
  get_value(cache, shell_worker("echo old"));
  Worker failing = shell_worker("exit 9");
  failing.serve_stale_on_error = std::chrono::seconds(50);
  clock.time += 100 + 49;  // expired 49 s ago
  std::string printed;
  GetResult result = cache.get(failing, {}, {}, [&](const EntryRef& e) { printed = e.value; });
  CHECK(result.served == Served::on_error);
  CHECK(result.exit_code == 0);
  CHECK(printed == "old\n");
  clock.time += 1;  // expired 50 s ago: outside
  printed.clear();
  result = cache.get(failing, {}, {}, [&](const EntryRef& e) { printed = e.value; });
  CHECK(result.exit_code == 9);
  CHECK(printed.empty());
}

TEST_CASE("no-wait on a key held by another computation is Error 75", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  Cache cache(store, clock);
  Worker worker = shell_worker("echo x");
  store.held.insert(entry_key("w", {}));
  GetOptions no_wait;
  no_wait.no_wait = true;
  try {
    cache.get(worker, {}, no_wait, [](const EntryRef&) {});
    FAIL("expected Error 75");
  } catch (const Error& error) {
    CHECK(error.exit_code() == exit_code::tempfail);
  }
}

TEST_CASE("per-call overrides change the stored expiry", "[cache]") {
  MemoryStore store;
  FixedClock clock;
  Cache cache(store, clock);
  GetOptions options;
  options.overrides.timeout = std::chrono::seconds(5);
  get_value(cache, shell_worker("echo x"), {}, options);
  CHECK(store.entries.begin()->second.first.available_to == clock.time + 5);
}
