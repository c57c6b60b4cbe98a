// Tests of the store's counter file (store/lmdb/stats_file.hpp) and of the
// counting done by core/cache: exact sums from concurrent processes, label slots,
// damaged files that never fail a get.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/cache.hpp"
#include "memory_store.hpp"
#include "store/lmdb/lmdb_store.hpp"
#include "store/lmdb/stats_file.hpp"
#include "temp_dir.hpp"

using djc::testing::TempDir;

using namespace djc;
using djc::lmdb::StatsFile;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

Worker echo_worker(const std::string& label, const std::string& script) {
  Worker worker;
  worker.label = label;
  worker.command = {script};
  worker.command_is_shell = true;
  worker.timeout = std::chrono::seconds(100);
  return worker;
}

}  // namespace

TEST_CASE("stats file: counts per label, created 0600 on first count", "[stats]") {
  TempDir dir;
  CHECK(StatsFile::open_for_reading(dir.path) == nullptr);  // nothing counted yet
  {
    auto file = StatsFile::open_for_counting(dir.path);
    REQUIRE(file);
    file->add("alpha", Counters{.hits = 2, .getter_ms = 30});
    file->add("beta", Counters{.misses = 1, .getter_runs = 1});
    file->add("alpha", Counters{.hits = 1, .evictions = 4});
    file->add(std::string(65, 'x'), Counters{.hits = 1});  // too long: not counted
  }
  struct stat st {};
  REQUIRE(lstat((dir.path / "stats").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(dir.path / ("stats." + std::to_string(getpid()) + ".tmp")));

  auto reader = StatsFile::open_for_reading(dir.path);
  REQUIRE(reader);
  auto counters = reader->read();
  REQUIRE(counters.size() == 2);
  CHECK(counters["alpha"] == Counters{.hits = 3, .getter_ms = 30, .evictions = 4});
  CHECK(counters["beta"] == Counters{.misses = 1, .getter_runs = 1});
  CHECK_FALSE(reader->last_purge());
}

TEST_CASE("stats file: many labels each get their own slot", "[stats]") {
  TempDir dir;
  auto file = StatsFile::open_for_counting(dir.path);
  REQUIRE(file);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 300; ++i) file->add("label-" + std::to_string(i), Counters{.hits = 1});
  }
  auto counters = file->read();
  REQUIRE(counters.size() == 300);
  for (const auto& [label, counted] : counters) CHECK(counted == Counters{.hits = 3});
}

TEST_CASE("stats file: last purge", "[stats]") {
  TempDir dir;
  auto file = StatsFile::open_for_counting(dir.path);
  REQUIRE(file);
  file->set_last_purge(1'700'000'000.5);
  CHECK(StatsFile::open_for_reading(dir.path)->last_purge() == 1'700'000'000.5);
}

TEST_CASE("stats file: concurrent processes add up exactly", "[stats]") {
  TempDir dir;
  constexpr int processes = 6, rounds = 20000;
  const char* labels[] = {"one", "two", "three"};
  std::vector<pid_t> children;
  for (int p = 0; p < processes; ++p) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // Every child races to create the file and claim the label slots.
      auto file = StatsFile::open_for_counting(dir.path);
      if (!file) _exit(1);
      for (int i = 0; i < rounds; ++i) {
        file->add(labels[i % 3], Counters{.hits = 1, .getter_ms = 2});
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto reader = StatsFile::open_for_reading(dir.path);
  REQUIRE(reader);
  auto counters = reader->read();
  REQUIRE(counters.size() == 3);
  std::uint64_t hits = 0, ms = 0;
  for (const auto& [label, counted] : counters) {
    hits += counted.hits;
    ms += counted.getter_ms;
  }
  CHECK(hits == std::uint64_t{processes} * rounds);
  CHECK(ms == 2 * hits);
  CHECK(counters["one"].hits == std::uint64_t{processes} * (rounds / 3 + 1));
}

TEST_CASE("stats file: garbage is replaced for counting and ignored for reading", "[stats]") {
  TempDir dir;
  const fs::path path = dir.path / "stats";
  SECTION("a short file of junk") { write_file(path, "not a stats file"); }
  SECTION("junk of the right size") { write_file(path, std::string(131328, '\x5a')); }
  CHECK(StatsFile::open_for_reading(dir.path) == nullptr);
  auto file = StatsFile::open_for_counting(dir.path);
  REQUIRE(file);
  file->add("label", Counters{.hits = 1});
  CHECK(StatsFile::open_for_reading(dir.path)->read()["label"].hits == 1);
}

TEST_CASE("stats file: a symlink is not followed; counting is off", "[stats]") {
  TempDir dir;
  const fs::path target = dir.path / "elsewhere";
  write_file(target, "precious");
  fs::create_symlink(target, dir.path / "stats");
  CHECK(StatsFile::open_for_counting(dir.path) == nullptr);
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "precious");
}

TEST_CASE("the LMDB store counts outside its data: a damaged stats file fails no get", "[stats]") {
  TempDir dir;
  StoreOptions options{dir.path / "store"};
  test::FixedClock clock;
  Worker worker = echo_worker("w", "echo value");
  {
    auto store = open_lmdb_store(options, OpenMode::write);
    Cache cache(*store, clock);
    for (int i = 0; i < 3; ++i) cache.get(worker, {}, {}, [](const EntryRef&) {});
    auto counters = store->counters();
    CHECK(counters["w"].misses == 1);
    CHECK(counters["w"].hits == 2);
    CHECK(counters["w"].getter_runs == 1);
    store->record_purge(123.0);
    CHECK(store->last_purge() == 123.0);
  }
  write_file(options.path / "stats", "garbage");
  {
    auto store = open_lmdb_store(options, OpenMode::read);
    CHECK(store->counters().empty());  // reading ignores it
  }
  auto store = open_lmdb_store(options, OpenMode::write);
  Cache cache(*store, clock);
  std::string printed;
  GetResult result = cache.get(worker, {}, {}, [&](const EntryRef& entry) { printed = entry.value; });
  CHECK(result.served == Served::hit);
  CHECK(printed == "value\n");
  CHECK(store->counters()["w"].hits == 1);  // replaced, counting afresh
}

TEST_CASE("the cache counts hits, misses, stale serves and getter runs per label", "[stats]") {
  test::MemoryStore store;
  test::FixedClock clock;
  Cache cache(store, clock);
  Worker ok = echo_worker("ok", "echo fine");
  Worker bad = echo_worker("bad", "exit 3");
  auto get = [&](const Worker& worker, GetOptions options = {}) {
    return cache.get(worker, {}, options, [](const EntryRef&) {});
  };
  get(ok);
  get(ok);
  GetOptions force;
  force.force = true;
  get(ok, force);
  get(bad);
  cache.recompute(ok, {}, {});
  CHECK(store.counted["ok"] == Counters{.hits = 1, .misses = 2, .getter_runs = 3,
                                        .getter_ms = store.counted["ok"].getter_ms});
  CHECK(store.counted["bad"] == Counters{.misses = 1, .getter_runs = 1, .getter_failures = 1,
                                         .getter_ms = store.counted["bad"].getter_ms});

  Worker stale = echo_worker("stale", "echo old");
  stale.relevance_invalidation = true;
  stale.delay_invalidation = true;
  stale.relevance_timeout = std::chrono::seconds(10);
  get(stale);
  clock.time += 20;
  get(stale);
  CHECK(store.counted["stale"].stale_serves == 1);

  Worker fallback = echo_worker("fallback", "echo v");
  fallback.serve_stale_on_error = std::chrono::seconds(1000);
  get(fallback);
  clock.time += 200;  // expired
  fallback.command = {"exit 1"};
  get(fallback);
  CHECK(store.counted["fallback"].served_on_error == 1);
  CHECK(store.counted["fallback"].misses == 2);
}
