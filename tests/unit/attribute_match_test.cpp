// Unit tests of core/attribute_match and core/invalidation over the in-memory store.
#include "core/attribute_match.hpp"

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/invalidation.hpp"
#include "core/key.hpp"
#include "memory_store.hpp"

using namespace djc;
using djc::test::FixedClock;
using djc::test::MemoryStore;
using Keys = std::vector<std::string>;

namespace {

// Adds an entry of `label` whose args are the ARG words `words`, under its real
// key; returns the key.
std::string add(MemoryStore& store, const std::string& label,
                const std::vector<std::string>& words) {
  EntryMeta meta;
  meta.label = label;
  meta.args = parse_args(words);
  meta.key = entry_key(label, meta.args, std::nullopt);
  meta.available_to = 2'000'000;
  store.put(meta, "old");
  return meta.key;
}

Keys sorted(Keys keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

// simple_foo entries as django-cache's tests cache them (attr3 None is left out),
// an entry without args, one with a list, and one of another label.
struct FooStore {
  MemoryStore store;
  std::string f1 = add(store, "foo", {"attr1=1", "attr2=test1", "attr3=1.1"});
  std::string f2 = add(store, "foo", {"attr1=2", "attr2=test2", "attr3=2.2"});
  std::string f3 = add(store, "foo", {"attr1=3", "attr2=test3"});
  std::string all = add(store, "foo", {});
  std::string list = add(store, "foo", {"attr1=1", "attr1=2"});
  std::string other = add(store, "other", {"attr1=1"});
};

Worker foo_worker(const std::string& script = "echo new") {
  Worker worker;
  worker.label = "foo";
  worker.command = {script};
  worker.command_is_shell = true;
  worker.timeout = std::chrono::seconds(100);
  return worker;
}

InvalidationOptions at(double now, bool drop = false) {
  InvalidationOptions options;
  options.drop = drop;
  options.now = now;
  return options;
}

std::string value_of(MemoryStore& store, const std::string& key) {
  return store.entries.at(key).second;
}

}  // namespace

TEST_CASE("an arg matches when absent, equal, or a list holding the value", "[attribute_match]") {
  FooStore foo;
  CHECK(keys_matching(foo.store, "foo", {{"attr1", "1"}}) == sorted({foo.f1, foo.all, foo.list}));
  CHECK(keys_matching(foo.store, "foo", {{"attr1", "2"}}) == sorted({foo.f2, foo.all, foo.list}));
  CHECK(keys_matching(foo.store, "foo", {{"attr1", "9"}}) == sorted({foo.all}));
  CHECK(keys_matching(foo.store, "other", {{"attr1", "1"}}) == Keys{foo.other});
}

TEST_CASE("a None value is matched only by an absent or None arg", "[attribute_match]") {
  FooStore foo;
  std::string none = add(foo.store, "foo", {"attr1=5", "attr3="});
  CHECK(keys_matching(foo.store, "foo", {{"attr3", std::nullopt}}) ==
        sorted({foo.f3, foo.all, foo.list, none}));
  // ...while a value is matched by the absent/None ones too.
  CHECK(keys_matching(foo.store, "foo", {{"attr3", "1.1"}}) ==
        sorted({foo.f1, foo.f3, foo.all, foo.list, none}));
}

TEST_CASE("every given attribute must match; none given is the whole label", "[attribute_match]") {
  FooStore foo;
  CHECK(keys_matching(foo.store, "foo", {{"attr1", "1"}, {"attr2", "test1"}}) ==
        sorted({foo.f1, foo.all, foo.list}));
  CHECK(keys_matching(foo.store, "foo", {{"attr1", "3"}, {"attr3", "1.1"}}) ==
        sorted({foo.f3, foo.all}));
  CHECK(keys_matching(foo.store, "foo", {{"attr1", "2"}, {"attr2", "test1"}}) ==
        sorted({foo.all, foo.list}));
  CHECK(keys_matching(foo.store, "foo", {}) == sorted({foo.f1, foo.f2, foo.f3, foo.all, foo.list}));
  CHECK(keys_matching(foo.store, "nothing", {{"attr1", "1"}}).empty());
}

TEST_CASE("an update selects what held the record before and what holds it now, once",
          "[attribute_match]") {
  FooStore foo;
  Selection change{"foo", Attributes{{"attr1", "1"}, {"attr2", "test1"}, {"attr3", "1.1"}},
                   Attributes{{"attr1", "2"}, {"attr2", "test2"}, {"attr3", "2.2"}}};
  CHECK(select_keys(foo.store, change) == sorted({foo.f1, foo.f2, foo.all, foo.list}));
  SECTION("a record whose given attributes did not change still recomputes its holders") {
    Selection same{"foo", Attributes{{"attr1", "3"}}, Attributes{{"attr1", "3"}}};
    CHECK(select_keys(foo.store, same) == sorted({foo.f3, foo.all}));
  }
  SECTION("no attributes: the whole label") {
    CHECK(select_keys(foo.store, Selection{"foo", std::nullopt, std::nullopt}).size() == 5);
  }
}

TEST_CASE("django-cache: partly changed attributes, a field that was None", "[attribute_match]") {
  MemoryStore store;
  std::string first = add(store, "foo", {"attr1=1", "attr2=test", "attr3=1.1"});
  std::string second = add(store, "foo", {"attr1=2", "attr2=test"});  // attr3=None
  add(store, "foo", {"attr1=3", "attr2=elsewhere"});
  // foo1 (1, test, 1.1) became (2, test, None).
  Selection partial{"foo", Attributes{{"attr1", "1"}, {"attr2", "test"}, {"attr3", "1.1"}},
                    Attributes{{"attr1", "2"}, {"attr2", "test"}, {"attr3", std::nullopt}}};
  CHECK(select_keys(store, partial) == sorted({first, second}));
}

TEST_CASE("invalidate_keys recomputes with the stored args", "[invalidation]") {
  FooStore foo;
  FixedClock clock;
  Cache cache(foo.store, clock);
  Worker worker = foo_worker("echo \"new $*\"");
  auto report = invalidate_keys(foo.store, cache, worker, {foo.f1, foo.f3}, at(clock.time));
  CHECK(report.matched == 2);
  CHECK(report.recomputed == 2);
  CHECK(report.failed == 0);
  CHECK(value_of(foo.store, foo.f1) == "new --attr1=1 --attr2=test1 --attr3=1.1\n");
  CHECK(value_of(foo.store, foo.f3) == "new --attr1=3 --attr2=test3\n");
  CHECK(value_of(foo.store, foo.f2) == "old");
}

TEST_CASE("invalidate_keys: a failing getter keeps the entry and reports its code",
          "[invalidation]") {
  FooStore foo;
  FixedClock clock;
  Cache cache(foo.store, clock);
  auto report =
      invalidate_keys(foo.store, cache, foo_worker("exit 7"), {foo.f1, foo.f2}, at(clock.time));
  CHECK(report.recomputed == 2);
  CHECK(report.failed == 2);
  CHECK(report.first_failure == 7);
  CHECK(value_of(foo.store, foo.f1) == "old");
}

TEST_CASE("invalidate_keys drops, or queues with delay_invalidation", "[invalidation]") {
  FooStore foo;
  FixedClock clock;
  Cache cache(foo.store, clock);
  SECTION("drop") {
    auto report =
        invalidate_keys(foo.store, cache, foo_worker(), {foo.f1, foo.f2}, at(clock.time, true));
    CHECK(report.dropped == 2);
    CHECK(report.recomputed == 0);
    CHECK(foo.store.entries.count(foo.f1) == 0);
    CHECK(foo.store.entries.count(foo.f3) == 1);
  }
  SECTION("delay_invalidation queues each key at now + delay_countdown") {
    Worker worker = foo_worker();
    worker.delay_invalidation = true;
    worker.delay_countdown = std::chrono::seconds(5);
    auto report = invalidate_keys(foo.store, cache, worker, {foo.f1, foo.f2}, at(clock.time));
    CHECK(report.queued == 2);
    CHECK(report.recomputed == 0);
    invalidate_keys(foo.store, cache, worker, {foo.f1}, at(clock.time + 1));
    auto jobs = foo.store.jobs();
    REQUIRE(jobs.size() == 2);  // the second invalidation of f1 coalesced
    CHECK(jobs[0].due == clock.time + 5);
    CHECK(value_of(foo.store, foo.f1) == "old");
  }
}

TEST_CASE("apply_selections invalidates an entry several selections match once", "[invalidation]") {
  FooStore foo;
  FixedClock clock;
  Cache cache(foo.store, clock);
  Config config;
  config.workers["foo"] = foo_worker();
  std::vector<Selection> selections{
      {"foo", Attributes{{"attr1", "1"}}, std::nullopt},
      {"foo", Attributes{{"attr1", "2"}}, std::nullopt},
  };
  auto report = apply_selections(foo.store, cache, config, selections, at(clock.time));
  CHECK(report.matched == 4);  // f1, f2, all, list: list and all are matched by both
  CHECK(report.recomputed == 4);
  CHECK_THROWS_AS(apply_selections(foo.store, cache, config, {{"nope", {}, {}}}, {}), Error);
}
