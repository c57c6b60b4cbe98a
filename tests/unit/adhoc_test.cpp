// Unit tests of core/adhoc (the args and worker of `dj-cache run`) and of the
// Cache's Runner hook: streaming only when nothing else could be served.
#include <catch2/catch.hpp>

#include "core/adhoc.hpp"
#include "core/cache.hpp"
#include "core/getter.hpp"
#include "core/key.hpp"
#include "memory_store.hpp"

using namespace djc;
using djc::test::FixedClock;
using djc::test::MemoryStore;

TEST_CASE("adhoc args: argv only, unless asked for more", "[adhoc]") {
  RunSpec spec;
  spec.argv = {"curl", "-s", "a=b"};
  Args args = adhoc_args(spec);
  CHECK(args.positional == spec.argv);
  CHECK(args.named.empty());
  CHECK(entry_key(adhoc_label, args) == entry_key(adhoc_label, adhoc_args(spec)));
}

TEST_CASE("adhoc args: cwd, env, modtime, stdin and scope each change the key", "[adhoc]") {
  RunSpec base;
  base.argv = {"cmd"};
  std::string plain = entry_key(adhoc_label, adhoc_args(base));
  auto key_with = [&](auto change) {
    RunSpec spec = base;
    change(spec);
    return entry_key(adhoc_label, adhoc_args(spec));
  };
  std::string cwd_a = key_with([](RunSpec& s) { s.cwd = "/a"; });
  std::string cwd_b = key_with([](RunSpec& s) { s.cwd = "/b"; });
  CHECK(cwd_a != plain);
  CHECK(cwd_a != cwd_b);
  std::string env_1 = key_with([](RunSpec& s) { s.env = {{"FOO", "1"}}; });
  std::string env_2 = key_with([](RunSpec& s) { s.env = {{"FOO", "2"}}; });
  std::string env_empty = key_with([](RunSpec& s) { s.env = {{"FOO", ""}}; });
  std::string env_unset = key_with([](RunSpec& s) { s.env = {{"FOO", std::nullopt}}; });
  CHECK(env_1 != env_2);
  CHECK(env_empty != env_unset);
  // Order of --env and --modtime does not matter; repeats count once.
  CHECK(key_with([](RunSpec& s) { s.env = {{"A", "1"}, {"B", "2"}}; }) ==
        key_with([](RunSpec& s) { s.env = {{"B", "2"}, {"A", "1"}, {"A", "1"}}; }));
  CHECK(key_with([](RunSpec& s) { s.modtime = {"/x", "/y"}; }) ==
        key_with([](RunSpec& s) { s.modtime = {"/y", "/x"}; }));
  std::string in_a = key_with([](RunSpec& s) { s.input = "a"; });
  std::string in_b = key_with([](RunSpec& s) { s.input = "b"; });
  std::string in_empty = key_with([](RunSpec& s) { s.input = ""; });
  CHECK(in_a != in_b);
  CHECK(in_empty != plain);  // --stdin with nothing on it is not "no --stdin"
  CHECK(key_with([](RunSpec& s) { s.scope = "x"; }) != plain);
  CHECK(key_with([](RunSpec& s) { s.scope = ""; }) == plain);
}

TEST_CASE("adhoc label cannot be a worker label", "[adhoc]") {
  CHECK_FALSE(is_valid_label(adhoc_label));
}

TEST_CASE("adhoc worker: ttl, stale, files, failures", "[adhoc]") {
  RunSpec spec;
  spec.argv = {"date"};
  spec.ttl = std::chrono::minutes(5);
  spec.stale = std::chrono::seconds(30);
  spec.modtime = {"/tmp/a*b"};
  spec.cache_failures = true;
  spec.stale_on_error = std::chrono::hours(1);
  Worker worker = adhoc_worker(spec);
  CHECK(worker.label == adhoc_label);
  CHECK(worker.command == spec.argv);
  CHECK_FALSE(worker.command_is_shell);
  CHECK(worker.timeout == spec.ttl);
  CHECK(worker.relevance_invalidation);
  CHECK(worker.delay_invalidation);
  CHECK(worker.relevance_timeout == spec.stale);
  CHECK(worker.depends_on == std::vector<std::string>{"/tmp/a\\*b"});
  CHECK(worker.cache_failures);
  CHECK(worker.serve_stale_on_error == std::chrono::hours(1));
  CHECK(worker.wait == worker.getter_timeout);
  CHECK_FALSE(adhoc_worker(RunSpec{.argv = {"x"}}).relevance_invalidation);
}

TEST_CASE("glob_escape: glob's special bytes match literally", "[adhoc]") {
  CHECK(glob_escape("/a/b.txt") == "/a/b.txt");
  CHECK(glob_escape("/a/[x]?*\\") == "/a/\\[x]\\?\\*\\\\");
}

namespace {

struct Recorded {
  int runs = 0;
  std::vector<bool> live;
};

Cache::Runner fake_runner(Recorded& recorded, int exit_code, std::string out, std::string err) {
  return [&recorded, exit_code, out, err](const Worker&, const Args&, const std::string&, bool live) {
    ++recorded.runs;
    recorded.live.push_back(live);
    GetterResult result;
    result.output.append(out);
    result.error_output = err;
    result.exit_code = exit_code;
    result.shown = live;
    return result;
  };
}

}  // namespace

TEST_CASE("a Runner streams a miss, and the hit replays stdout, stderr and exit code", "[adhoc][cache]") {
  MemoryStore store;
  FixedClock clock;
  Recorded recorded;
  Cache cache(store, clock, {}, fake_runner(recorded, 0, "out\n", "err\n"));
  RunSpec spec{.argv = {"cmd"}};
  Worker worker = adhoc_worker(spec);
  int delivered = 0;
  GetResult first = cache.get(worker, adhoc_args(spec), {}, [&](const EntryRef&) { ++delivered; });
  CHECK(first.served == Served::computed);
  CHECK(recorded.live == std::vector<bool>{true});
  CHECK(delivered == 0);  // shown live already
  EntryMeta stored;
  cache.get(worker, adhoc_args(spec), {}, [&](const EntryRef& entry) {
    ++delivered;
    stored = entry.meta;
    CHECK(entry.value == "out\n");
  });
  CHECK(delivered == 1);
  CHECK(stored.error_output == "err\n");
  CHECK(recorded.runs == 1);
  // recompute (--warm) never streams.
  cache.recompute(worker, adhoc_args(spec), {});
  CHECK(recorded.live == std::vector<bool>{true, false});
}

TEST_CASE("a Runner's failure is delivered when not shown, or the fallback served", "[adhoc][cache]") {
  MemoryStore store;
  FixedClock clock;
  RunSpec spec{.argv = {"cmd"}, .ttl = std::chrono::seconds(10),
               .stale_on_error = std::chrono::seconds(30)};
  Worker worker = adhoc_worker(spec);
  Recorded ok;
  Cache good(store, clock, {}, fake_runner(ok, 0, "old\n", ""));
  good.get(worker, adhoc_args(spec), {}, [](const EntryRef&) {});

  Recorded bad;
  Cache failing(store, clock, {}, fake_runner(bad, 4, "partial\n", "boom\n"));
  clock.time += 15;  // expired 5 s ago: a fallback exists, so the run is not live
  std::string printed;
  GetResult served = failing.get(worker, adhoc_args(spec), {}, [&](const EntryRef& e) { printed = e.value; });
  CHECK(bad.live == std::vector<bool>{false});
  CHECK(served.served == Served::on_error);
  CHECK(served.exit_code == 0);
  CHECK(printed == "old\n");

  clock.time += 30;  // outside the window: the failure itself is shown, live
  GetResult failed = failing.get(worker, adhoc_args(spec), {}, [&](const EntryRef&) {});
  CHECK(bad.live == std::vector<bool>{false, true});
  CHECK(failed.exit_code == 4);

  // Not live (warm) and no fallback: the failure's output is delivered once.
  std::string shown_err;
  failing.get(worker, adhoc_args(spec), GetOptions{.force = true, .no_wait = false, .overrides = {}},
              [&](const EntryRef& e) { shown_err = e.meta.error_output; });
  CHECK(shown_err.empty());  // this one was live: nothing delivered
}
