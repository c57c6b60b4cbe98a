// Tests of the LMDB store: entries, indexes, map growth and eviction, damaged and
// foreign stores, schema migration, permissions, key locks, the job queue and
// check/repair.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/captured_output.hpp"
#include "core/error.hpp"
#include "store/lmdb/lmdb_migrations.hpp"
#include "store/lmdb/lmdb_store.hpp"
#include "temp_dir.hpp"

using djc::testing::TempDir;

using namespace djc;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t MiB = 1024 * 1024;

NamedArg one(std::string v) { return NamedArg{{std::move(v)}, false}; }
NamedArg list(std::vector<std::string> v) { return NamedArg{std::move(v), true}; }
NamedArg none() { return NamedArg{}; }

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

std::unique_ptr<Store> open_store(const fs::path& path, std::uint64_t max_size = 64 * MiB,
                                  OpenMode mode = OpenMode::write) {
  return open_lmdb_store(StoreOptions{path, max_size}, mode);
}

std::optional<std::string> value_of(Store& store, std::string_view key) {
  std::optional<std::string> out;
  store.read(key, [&](const EntryRef& e) { out = std::string(e.value); });
  return out;
}

template <class F>
std::optional<Error> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

// Direct access to the environment, for damaging a closed store on purpose.
void with_raw_txn(const fs::path& dir, const std::function<void(MDB_txn*)>& use) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 16);
  REQUIRE(mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  use(txn);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

MDB_dbi raw_dbi(MDB_txn* txn, const char* name) {
  MDB_dbi dbi = 0;
  REQUIRE(mdb_dbi_open(txn, name, 0, &dbi) == 0);
  return dbi;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("lmdb store: put, read, replace, reopen", "[lmdb]") {
  using namespace std::string_literals;
  TempDir dir;
  auto store = open_store(dir.path / "s");
  const std::string binary = "a\0b\xff\n"s;
  EntryMeta meta = entry("foos", "foos:1", {{"a", one("1")}});
  meta.checksum = 42;  // the store computes its own
  REQUIRE(store->put(meta, binary).stored);

  bool found = store->read("foos:1", [&](const EntryRef& e) {
    CHECK(e.value == binary);
    CHECK(e.meta.label == "foos");
    CHECK(e.meta.args == meta.args);
    CHECK(e.meta.checksum == value_checksum(binary));
  });
  CHECK(found);
  CHECK_FALSE(store->read("foos:2", [](const EntryRef&) { FAIL("called for a missing key"); }));

  REQUIRE(store->put(entry("foos", "foos:1"), "").stored);
  CHECK(value_of(*store, "foos:1") == "");
  store.reset();
  store = open_store(dir.path / "s");
  CHECK(value_of(*store, "foos:1") == "");
  CHECK(store->check(false).problems.empty());
}

TEST_CASE("lmdb store: a value put from a file is stored whole, checksum taken from it",
          "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s");
  ::setenv("TMPDIR", dir.path.c_str(), 1);
  CapturedOutput output(1024);  // past 1 KiB it is in a file
  std::string expected;
  for (int i = 0; expected.size() < 300000; ++i) {
    std::string chunk = std::to_string(i * 7919) + '\0';
    output.append(chunk);
    expected += chunk;
  }
  ::unsetenv("TMPDIR");
  REQUIRE(output.in_file());
  EntryMeta meta = entry("big", "big:1");
  meta.checksum = 42;  // ignored: the store takes it from the bytes it wrote
  REQUIRE(store->put(meta, output).stored);
  CHECK(value_of(*store, "big:1") == expected);  // read() verifies the checksum
  CHECK(store->check(false).problems.empty());
}

TEST_CASE("lmdb store: opened for get, it reads read-only and writes after reopening",
          "[lmdb]") {
  TempDir dir;
  open_store(dir.path / "s")->put(entry("l", "l:1", {{"a", one("1")}}), "one");
  auto store = open_store(dir.path / "s", 64 * MiB, OpenMode::get);
  CHECK(value_of(*store, "l:1") == "one");  // the hit, from the read-only environment
  REQUIRE(store->put(entry("l", "l:2", {{"a", one("2")}}), "two").stored);
  CHECK(value_of(*store, "l:1") == "one");
  CHECK(value_of(*store, "l:2") == "two");
  CHECK(store->keys_with_arg("l", "a", "2") == std::vector<std::string>{"l:2"});
  CHECK(store->erase({"l:1"}) == 1);
  store.reset();
  auto again = open_store(dir.path / "s");
  CHECK_FALSE(value_of(*again, "l:1"));
  CHECK(value_of(*again, "l:2") == "two");
  CHECK(again->check(false).problems.empty());
}

// Descriptors this process holds on `file`: LMDB's read-write environment has a
// second, O_DSYNC one for its meta page writes; a read-only one has one.
int descriptors_of(const fs::path& file) {
  int count = 0;
  for (const auto& fd : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    if (fs::read_symlink(fd.path(), error) == fs::canonical(file)) ++count;
  }
  return count;
}

TEST_CASE("lmdb store: opened for get --force, it opens read-write once", "[lmdb]") {
  TempDir dir;
  open_store(dir.path / "s")->put(entry("l", "l:1"), "one");
  auto for_hit = open_store(dir.path / "s", 64 * MiB, OpenMode::get);
  CHECK(descriptors_of(dir.path / "s" / "data.mdb") == 1);
  for_hit.reset();
  auto forced = open_lmdb_store(StoreOptions{dir.path / "s", 64 * MiB, /*write_expected=*/true}, OpenMode::get);
  CHECK(descriptors_of(dir.path / "s" / "data.mdb") == 2);
  REQUIRE(forced->put(entry("l", "l:2"), "two").stored);
  CHECK(value_of(*forced, "l:2") == "two");
  CHECK(descriptors_of(dir.path / "s" / "data.mdb") == 2);
}

TEST_CASE("lmdb store: opened for get, a missing store is created", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s", 64 * MiB, OpenMode::get);
  REQUIRE(store);
  CHECK_FALSE(value_of(*store, "k"));
  REQUIRE(store->put(entry("l", "k"), "v").stored);
  CHECK(value_of(*store, "k") == "v");
}

TEST_CASE("lmdb store: index scans follow put, replace and erase", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s");
  store->put(entry("foos", "e1", {{"a", one("1")}, {"b", list({"x", "y"})}}), "1");
  store->put(entry("foos", "e2", {{"a", one("2")}}), "2");
  store->put(entry("foos", "e3", {{"a", none()}}), "3");
  store->put(entry("foos", "e4"), "4");
  store->put(entry("bars", "b1", {{"a", one("1")}}), "b");

  CHECK(store->labels() == std::vector<std::string>{"bars", "foos"});
  CHECK(store->keys_of_label("foos") == std::vector<std::string>{"e1", "e2", "e3", "e4"});
  CHECK(store->keys_with_arg("foos", "a", "1") == std::vector<std::string>{"e1"});
  CHECK(store->keys_with_arg("foos", "b", "y") == std::vector<std::string>{"e1"});
  CHECK(store->keys_with_arg("foos", "a", "3").empty());
  // None and missing arguments are "absent": they match every value.
  CHECK(store->keys_without_arg("foos", "a") == std::vector<std::string>{"e3", "e4"});
  CHECK(store->keys_without_arg("foos", "b") == std::vector<std::string>{"e2", "e3", "e4"});
  CHECK(store->keys_without_arg("foos", "never") ==
        std::vector<std::string>{"e1", "e2", "e3", "e4"});

  SECTION("a name introduced later is absent from the older entries") {
    store->put(entry("foos", "e5", {{"c", one("7")}}), "5");
    CHECK(store->keys_with_arg("foos", "c", "7") == std::vector<std::string>{"e5"});
    CHECK(store->keys_without_arg("foos", "c") ==
          std::vector<std::string>{"e1", "e2", "e3", "e4"});
    CHECK(store->keys_without_arg("foos", "a") == std::vector<std::string>{"e3", "e4", "e5"});
  }
  SECTION("replacing an entry replaces its rows") {
    store->put(entry("foos", "e1", {{"a", one("3")}}), "1b");
    CHECK(store->keys_with_arg("foos", "a", "1").empty());
    CHECK(store->keys_with_arg("foos", "a", "3") == std::vector<std::string>{"e1"});
    CHECK(store->keys_with_arg("foos", "b", "x").empty());
    CHECK(store->keys_without_arg("foos", "b") ==
          std::vector<std::string>{"e1", "e2", "e3", "e4"});
  }
  SECTION("erase removes entries and rows") {
    CHECK(store->erase({"e2", "nope"}) == 1);
    CHECK(store->keys_with_arg("foos", "a", "2").empty());
    CHECK(store->keys_of_label("foos") == std::vector<std::string>{"e1", "e3", "e4"});
    CHECK(store->erase({"e1", "e3", "e4"}) == 3);
    CHECK(store->labels() == std::vector<std::string>{"bars"});
    // The emptied label forgot its names: a new entry lacks "a" and is found so.
    store->put(entry("foos", "e6"), "6");
    CHECK(store->keys_without_arg("foos", "a") == std::vector<std::string>{"e6"});
  }
  SECTION("long names and values are hashed in the index") {
    std::string long_value(600, 'v');
    std::string long_name(300, 'n');
    store->put(entry("foos", "e7", {{long_name, one(long_value)}}), "7");
    CHECK(store->keys_with_arg("foos", long_name, long_value) == std::vector<std::string>{"e7"});
    CHECK(store->keys_with_arg("foos", long_name, long_value + "w").empty());
    CHECK(store->keys_without_arg("foos", long_name).size() == 4);
  }
  CHECK(store->keys_with_arg("bars", "a", "1") == std::vector<std::string>{"b1"});
  CheckReport report = store->check(false);
  CHECK(report.problems.empty());
}

TEST_CASE("lmdb store: for_each goes by label then key", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s");
  std::vector<std::string> expected;
  for (int i = 0; i < 600; ++i) {  // more than one read batch
    std::string label = i % 2 ? "b" : "a";
    std::string key = label + ":" + std::to_string(1000 + i);
    store->put(entry(label, key), key);
    expected.push_back(key);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> seen;
  store->for_each(std::nullopt, [&](const EntryRef& e) {
    CHECK(e.value == e.meta.key);
    seen.push_back(e.meta.key);
  });
  CHECK(seen == expected);
  seen.clear();
  store->for_each("b", [&](const EntryRef& e) { seen.push_back(e.meta.key); });
  CHECK(seen.size() == 300);
  CHECK(std::all_of(seen.begin(), seen.end(), [](auto& k) { return k[0] == 'b'; }));
}

TEST_CASE("lmdb store: keys_expired and keys_stale in time order", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s");
  store->put(entry("a", "a30", {}, 30, 130), "");
  store->put(entry("a", "a10", {}, 10, 115), "");
  store->put(entry("b", "b20", {}, 20, 110), "");
  store->put(entry("b", "b50", {}, 50), "");
  store->put(entry("a", "a-5", {}, -5, 500), "");
  CHECK(store->keys_expired(25) == std::vector<std::string>{"a-5", "a10", "b20"});
  CHECK(store->keys_expired(20) == std::vector<std::string>{"a-5", "a10", "b20"});
  CHECK(store->keys_expired(-10).empty());
  CHECK(store->keys_stale(120, std::nullopt) == std::vector<std::string>{"b20", "a10"});
  CHECK(store->keys_stale(1000, std::nullopt) ==
        std::vector<std::string>{"b20", "a10", "a30", "a-5"});
  CHECK(store->keys_stale(1000, "a") == std::vector<std::string>{"a10", "a30", "a-5"});
  CHECK(store->keys_stale(1000, "b") == std::vector<std::string>{"b20"});
  // Replacing moves the rows.
  store->put(entry("b", "b20", {}, 60, 200), "");
  CHECK(store->keys_expired(25) == std::vector<std::string>{"a-5", "a10"});
  CHECK(store->keys_stale(120, std::nullopt) == std::vector<std::string>{"a10"});
}

TEST_CASE("lmdb store: the map grows past its initial size", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s", 64 * MiB);
  for (int i = 0; i < 4; ++i) {
    std::string value(3 * MiB, static_cast<char>('a' + i));
    PutOutcome put = store->put(entry("big", "big" + std::to_string(i)), value);
    CHECK(put.stored);
    CHECK(put.evicted == 0);
  }
  store.reset();
  store = open_store(dir.path / "s", 64 * MiB);
  for (int i = 0; i < 4; ++i) {
    CHECK(value_of(*store, "big" + std::to_string(i)) ==
          std::string(3 * MiB, static_cast<char>('a' + i)));
  }
  CHECK(fs::file_size(dir.path / "s" / "data.mdb") > 12 * MiB);
}

TEST_CASE("lmdb store: another process sees a grown map", "[lmdb]") {
  TempDir dir;
  open_store(dir.path / "s").reset();
  int ready[2];
  int go[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(go) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int status = 2;
    try {
      auto store = open_store(dir.path / "s");  // maps the store at its small size
      char c = 'r';
      if (write(ready[1], &c, 1) == 1 && read(go[0], &c, 1) == 1) {
        status = value_of(*store, "big") == std::string(4 * MiB, 'g') ? 0 : 1;
      }
    } catch (...) {
    }
    _exit(status);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  {
    auto store = open_store(dir.path / "s");
    REQUIRE(store->put(entry("big", "big"), std::string(4 * MiB, 'g')).stored);
  }
  REQUIRE(write(go[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
}

TEST_CASE("lmdb store: at max_size, expired entries go first, then nearest expiry", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s", 1 * MiB);
  const std::string value(100 * 1024, 'v');
  // Expiry times in a scrambled order; e0 has already expired.
  const std::vector<double> expiry = {-100, 700, 300, 900, 500, 200, 800, 400, 600, 100};
  std::size_t evicted = 0;
  std::size_t put_count = 0;
  for (; put_count < expiry.size() && evicted == 0; ++put_count) {
    PutOutcome put = store->put(
        entry("l", "e" + std::to_string(put_count), {}, expiry[put_count]), value);
    REQUIRE(put.stored);
    evicted = put.evicted;
  }
  REQUIRE(evicted > 0);
  CHECK(evicted <= 2);  // room for one value costs a value or two, not half the store
  // Whatever was evicted is the `evicted` earliest expiries among those put before.
  std::vector<std::pair<double, std::string>> earlier;
  for (std::size_t i = 0; i + 1 < put_count; ++i) {
    earlier.emplace_back(expiry[i], "e" + std::to_string(i));
  }
  std::sort(earlier.begin(), earlier.end());
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    INFO(earlier[i].second << " expires at " << earlier[i].first);
    CHECK(value_of(*store, earlier[i].second).has_value() == (i >= evicted));
  }
  CHECK_FALSE(value_of(*store, "e0"));  // the expired one went first
  CHECK(value_of(*store, "e" + std::to_string(put_count - 1)) == value);
  CHECK(store->check(false).problems.empty());

  // Evicted space is reused at once, so many more puts leave most of the
  // reserve kept free for deletes untouched (the file stays out of its top 1/16).
  for (int i = 0; i < 50; ++i) {
    REQUIRE(store->put(entry("l", "more" + std::to_string(i), {}, 1000 + i), value).stored);
  }
  CHECK(fs::file_size(dir.path / "s" / "data.mdb") <= 15 * MiB / 16);
  CHECK(store->check(false).problems.empty());
}

TEST_CASE("lmdb store: space freed by erase is reused by the next put", "[lmdb]") {
  // On a full disk, a get after a purge must fit in what the purge freed.
  TempDir dir;
  auto store = open_store(dir.path / "s");
  const std::string value(100 * 1024, 'v');
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back("k" + std::to_string(i));
    store->put(entry("l", keys.back()), value);
  }
  const auto size = fs::file_size(dir.path / "s" / "data.mdb");
  CHECK(store->erase(keys) == 5);
  store->put(entry("l", "again"), value);
  CHECK(fs::file_size(dir.path / "s" / "data.mdb") == size);
}

TEST_CASE("lmdb store: a value larger than the store is not stored, the store intact", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s", 1 * MiB);
  for (int i = 0; i < 5; ++i) store->put(entry("l", "k" + std::to_string(i), {}, i), "small");
  PutOutcome put = store->put(entry("l", "huge"), std::string(2 * MiB, 'h'));
  CHECK_FALSE(put.stored);
  CHECK(put.evicted == 0);
  CHECK_FALSE(value_of(*store, "huge"));
  CHECK(store->keys_of_label("l").size() == 5);
  CHECK(store->check(false).problems.empty());
}

TEST_CASE("lmdb store: put_all is all or nothing", "[lmdb]") {
  TempDir dir;
  auto store = open_store(dir.path / "s", 1 * MiB);
  store->put(entry("l", "old"), "old");
  std::vector<std::pair<EntryMeta, std::string>> batch = {
      {entry("l", "n1"), "1"}, {entry("l", "n2"), "2"}, {entry("l", ""), "bad key"}};
  std::optional<Error> error = error_of([&] { store->put_all(batch); });
  REQUIRE(error);
  CHECK(error->exit_code() == exit_code::io);
  CHECK(store->keys_of_label("l") == std::vector<std::string>{"old"});

  std::vector<std::pair<EntryMeta, std::string>> too_big;
  for (int i = 0; i < 8; ++i) too_big.push_back({entry("l", "t" + std::to_string(i)), std::string(200 * 1024, 't')});
  error = error_of([&] { store->put_all(too_big); });
  REQUIRE(error);
  CHECK(store->keys_of_label("l") == std::vector<std::string>{"old"});

  batch.pop_back();
  store->put_all(batch);
  CHECK(store->keys_of_label("l") == std::vector<std::string>{"n1", "n2", "old"});
  CHECK(store->check(false).problems.empty());
}

// put_all writes a batch database by database: appended into empty databases,
// put row by row into databases that already hold rows. Both must leave the
// indexes exactly as put would.
TEST_CASE("lmdb store: put_all indexes a batch as put does, into an empty or a filled store",
          "[lmdb][put_all]") {
  TempDir dir;
  auto store = open_store(dir.path / "s");
  const bool filled = GENERATE(false, true);
  if (filled) {
    store->put(entry("foos", "e1", {{"a", one("1")}}, 4e9, 3e9), "old 1");
    store->put(entry("foos", "e2", {{"old", one("o")}}), "old 2");
    store->put(entry("bars", "b1", {{"a", one("1")}}), "b");
  }
  std::vector<std::pair<EntryMeta, std::string>> batch = {
      {entry("foos", "e3", {{"b", list({"x", "x", "y"})}}, 5e9), "3"},
      {entry("foos", "e1", {{"a", one("2")}, {"c", none()}}, 4e9, 3.5e9), "1"},
      {entry("foos", "e4", {{"a", one("2")}}, 4e9, 3e9), "first 4"},
      {entry("quxs", "q1"), "q"},
      {entry("foos", "e4", {{"a", one("4")}}, 4e9), "4"},  // the last of a key wins
  };
  batch[1].first.checksum = 12345;  // wrong: the store sets its own
  store->put_all(batch);

  CHECK(value_of(*store, "e1") == "1");
  CHECK(value_of(*store, "e4") == "4");
  CHECK(store->keys_of_label("foos") ==
        (filled ? std::vector<std::string>{"e1", "e2", "e3", "e4"}
                : std::vector<std::string>{"e1", "e3", "e4"}));
  CHECK(store->keys_with_arg("foos", "a", "1").empty());
  CHECK(store->keys_with_arg("foos", "a", "2") == std::vector<std::string>{"e1"});
  CHECK(store->keys_with_arg("foos", "a", "4") == std::vector<std::string>{"e4"});
  CHECK(store->keys_with_arg("foos", "b", "x") == std::vector<std::string>{"e3"});
  CHECK(store->keys_with_arg("foos", "b", "y") == std::vector<std::string>{"e3"});
  // Names new to the label are absent from its stored entries too.
  CHECK(store->keys_without_arg("foos", "b") ==
        (filled ? std::vector<std::string>{"e1", "e2", "e4"}
                : std::vector<std::string>{"e1", "e4"}));
  CHECK(store->keys_without_arg("foos", "c") ==
        (filled ? std::vector<std::string>{"e1", "e2", "e3", "e4"}
                : std::vector<std::string>{"e1", "e3", "e4"}));
  CHECK(store->keys_expired(4.5e9) ==
        (filled ? std::vector<std::string>{"b1", "e1", "e2", "e4", "q1"}
                : std::vector<std::string>{"e1", "e4", "q1"}));
  CHECK(store->keys_stale(3.2e9, std::nullopt).empty());
  CHECK(store->keys_stale(3.6e9, std::nullopt) == std::vector<std::string>{"e1"});
  CHECK(store->labels() == (filled ? std::vector<std::string>{"bars", "foos", "quxs"}
                                   : std::vector<std::string>{"foos", "quxs"}));
  CHECK(store->check(false).problems.empty());

  SECTION("a second batch into the now filled store") {
    store->put_all({{entry("foos", "e3", {{"d", one("9")}}), "3b"},
                    {entry("quxs", "q2", {{"a", one("1")}}), "q2"}});
    CHECK(value_of(*store, "e3") == "3b");
    CHECK(store->keys_with_arg("foos", "b", "x").empty());
    CHECK(store->keys_with_arg("foos", "d", "9") == std::vector<std::string>{"e3"});
    CHECK(store->keys_without_arg("quxs", "a") == std::vector<std::string>{"q1"});
    CHECK(store->check(false).problems.empty());
  }
}

TEST_CASE("lmdb store: unusable paths and damaged files give exit 74, untouched", "[lmdb]") {
  TempDir dir;
  SECTION("the store path is a regular file") {
    std::ofstream(dir.path / "file") << "x";
    for (OpenMode mode : {OpenMode::write, OpenMode::read, OpenMode::migrate}) {
      std::optional<Error> error = error_of([&] { open_store(dir.path / "file", MiB, mode); });
      REQUIRE(error);
      CHECK(error->exit_code() == exit_code::io);
      CHECK_THAT(error->what(), Catch::Contains((dir.path / "file").string()));
    }
    CHECK(read_file(dir.path / "file") == "x");
  }
  SECTION("data.mdb is garbage") {
    fs::create_directory(dir.path / "s");
    std::string garbage(20000, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7919 % 251);
    std::ofstream(dir.path / "s" / "data.mdb", std::ios::binary) << garbage;
    for (OpenMode mode : {OpenMode::write, OpenMode::read}) {
      std::optional<Error> error = error_of([&] { open_store(dir.path / "s", MiB, mode); });
      REQUIRE(error);
      CHECK(error->exit_code() == exit_code::io);
      CHECK_THAT(error->what(), Catch::Contains("data.mdb"));
    }
    CHECK(read_file(dir.path / "s" / "data.mdb") == garbage);
  }
  SECTION("data.mdb is truncated") {
    {
      auto store = open_store(dir.path / "s");
      for (int i = 0; i < 50; ++i) store->put(entry("l", "k" + std::to_string(i)), std::string(5000, 'x'));
    }
    fs::path data = dir.path / "s" / "data.mdb";
    for (std::uintmax_t size : {fs::file_size(data) / 2, std::uintmax_t{5000}}) {
      fs::resize_file(data, size);
      std::string before = read_file(data);
      std::optional<Error> error = error_of([&] { open_store(dir.path / "s"); });
      REQUIRE(error);
      CHECK(error->exit_code() == exit_code::io);
      CHECK(read_file(data) == before);
    }
  }
}

TEST_CASE("lmdb store: read mode on a missing store creates nothing", "[lmdb]") {
  TempDir dir;
  CHECK(open_store(dir.path / "a" / "b", MiB, OpenMode::read) == nullptr);
  CHECK_FALSE(fs::exists(dir.path / "a"));
  SchemaStatus status = lmdb_schema_status(StoreOptions{dir.path / "a", MiB});
  CHECK_FALSE(status.exists);
  CHECK(status.on_disk == 0);
  CHECK(status.current == lmdb_schema_version);
  CHECK_FALSE(fs::exists(dir.path / "a"));
  fs::create_directory(dir.path / "empty");
  CHECK(open_store(dir.path / "empty", MiB, OpenMode::read) == nullptr);
  CHECK(fs::is_empty(dir.path / "empty"));
}

TEST_CASE("lmdb store: directories 0700 and files 0600 whatever the umask", "[lmdb]") {
  TempDir dir;
  mode_t old_umask = umask(0277);
  auto store = open_store(dir.path / "a" / "b" / "s");
  auto lock = store->lock_key("k", 0.0);
  umask(old_umask);
  REQUIRE(lock);
  CHECK(mode_of(dir.path / "a") == 0700);
  CHECK(mode_of(dir.path / "a" / "b") == 0700);
  CHECK(mode_of(dir.path / "a" / "b" / "s") == 0700);
  for (const char* file : {"data.mdb", "lock.mdb", "locks"}) {
    INFO(file);
    CHECK(mode_of(dir.path / "a" / "b" / "s" / file) == 0600);
  }
}

TEST_CASE("lmdb store: a newer schema is refused, an older one needs migrate", "[lmdb]") {
  TempDir dir;
  const fs::path path = dir.path / "s";
  SECTION("newer") {
    open_store(path).reset();
    with_raw_txn(path, [](MDB_txn* txn) {
      MDB_val k{14, const_cast<char*>("schema_version")};
      MDB_val v{1, const_cast<char*>("3")};
      REQUIRE(mdb_put(txn, raw_dbi(txn, "meta"), &k, &v, 0) == 0);
    });
    for (OpenMode mode : {OpenMode::write, OpenMode::read, OpenMode::migrate}) {
      std::optional<Error> error = error_of([&] { open_store(path, 64 * MiB, mode); });
      REQUIRE(error);
      CHECK(error->exit_code() == exit_code::io);
      CHECK_THAT(error->what(), Catch::Contains("newer dj-cache (schema 3)"));
    }
    CHECK(lmdb_schema_status(StoreOptions{path, MiB}).on_disk == 3);
  }
  SECTION("schema 1 migrates to 2, building the relevance index") {
    {
      auto v1 = lmdb::create_store_at_schema(StoreOptions{path, 64 * MiB}, 1);
      v1->put(entry("a", "a1", {{"x", one("1")}}, 4e9, 200), "1");
      v1->put(entry("a", "a2", {}, 4e9, 100), "2");
      v1->put(entry("b", "b1", {}, 4e9, 150), "3");
      v1->put(entry("b", "b2"), "4");
    }
    SchemaStatus status = lmdb_schema_status(StoreOptions{path, MiB});
    CHECK(status.exists);
    CHECK(status.on_disk == 1);
    for (OpenMode mode : {OpenMode::write, OpenMode::read}) {
      std::optional<Error> error = error_of([&] { open_store(path, 64 * MiB, mode); });
      REQUIRE(error);
      CHECK(error->exit_code() == exit_code::io);
      CHECK(error->hint() == "run dj-cache migrate");
    }
    auto store = open_store(path, 64 * MiB, OpenMode::migrate);
    REQUIRE(store);
    CHECK(store->keys_stale(1000, std::nullopt) == std::vector<std::string>{"a2", "b1", "a1"});
    CHECK(store->keys_stale(160, "b") == std::vector<std::string>{"b1"});
    CHECK(store->keys_with_arg("a", "x", "1") == std::vector<std::string>{"a1"});
    CHECK(store->check(false).problems.empty());
    store->enqueue_job("a1", 5);  // the queue came with the upgrade
    CHECK(store->jobs().size() == 1);
    store.reset();
    CHECK(lmdb_schema_status(StoreOptions{path, MiB}).on_disk == 2);
    CHECK(open_store(path, 64 * MiB, OpenMode::write));
  }
}

TEST_CASE("lmdb store: key locks", "[lmdb][lock]") {
  TempDir dir;
  auto store = open_store(dir.path / "s");
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };

  SECTION("a held key cannot be taken again, other keys can") {
    auto held = store->lock_key("k1", 0.0);
    REQUIRE(held);
    CHECK(store->lock_key("k1", 0.0) == nullptr);
    CHECK(store->lock_key("k2", 0.0) != nullptr);
    held.reset();
    CHECK(store->lock_key("k1", 0.0) != nullptr);
  }
  SECTION("a timed wait blocks for its time, then gives up") {
    auto held = store->lock_key("k1", 0.0);
    struct sigaction before {};
    sigaction(SIGALRM, nullptr, &before);
    auto start = Clock::now();
    CHECK(store->lock_key("k1", 0.2) == nullptr);
    double waited = seconds_since(start);
    CHECK(waited >= 0.19);
    CHECK(waited < 1.0);
    struct sigaction after {};
    sigaction(SIGALRM, nullptr, &after);
    CHECK(after.sa_handler == before.sa_handler);  // the timer's handler is gone
  }
  SECTION("waiters wake when the holder lets go") {
    for (std::optional<double> wait : {std::optional<double>{}, std::optional<double>{10.0}}) {
      auto held = store->lock_key("k1", 0.0);
      std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        held.reset();
      });
      auto start = Clock::now();
      auto mine = store->lock_key("k1", wait);
      double waited = seconds_since(start);
      releaser.join();
      CHECK(mine != nullptr);
      CHECK(waited >= 0.1);
      CHECK(waited < 5.0);
    }
  }
  SECTION("a lock dies with its holder") {
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      auto lock = store->lock_key("k1", 0.0);  // no LMDB call: only the locks file
      char c = lock ? 'y' : 'n';
      if (write(ready[1], &c, 1) != 1) _exit(1);
      pause();
      _exit(0);
    }
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    REQUIRE(c == 'y');
    CHECK(store->lock_key("k1", 0.0) == nullptr);
    kill(child, SIGKILL);
    REQUIRE(waitpid(child, nullptr, 0) == child);
    CHECK(store->lock_key("k1", 0.0) != nullptr);
    close(ready[0]);
    close(ready[1]);
  }
  SECTION("a symlink planted as the locks file is not followed") {
    std::ofstream(dir.path / "target") << "";
    fs::remove(dir.path / "s" / "locks");
    fs::create_symlink(dir.path / "target", dir.path / "s" / "locks");
    std::optional<Error> error = error_of([&] { store->lock_key("k1", 0.0); });
    REQUIRE(error);
    CHECK(error->exit_code() == exit_code::io);
  }
}

TEST_CASE("lmdb store: check finds damage and repair mends it", "[lmdb]") {
  TempDir dir;
  const fs::path path = dir.path / "s";
  {
    auto store = open_store(path);
    store->put(entry("l", "k1", {{"a", one("1")}}, 10, 20), "v1");
    store->put(entry("l", "k2", {{"a", list({"1", "2"})}}), "v2");
    store->put(entry("l", "k3"), "v3");
    CheckReport report = store->check(false);
    CHECK(report.entries == 3);
    CHECK(report.problems.empty());
  }
  SECTION("a deleted index row") {
    with_raw_txn(path, [](MDB_txn* txn) {
      MDB_val k{1, const_cast<char*>("l")};
      MDB_val v{2, const_cast<char*>("k2")};
      REQUIRE(mdb_del(txn, raw_dbi(txn, "by_label"), &k, &v) == 0);
    });
    auto store = open_store(path);
    CheckReport report = store->check(false);
    REQUIRE(report.problems.size() == 1);
    CHECK_THAT(report.problems[0], Catch::Contains("by_label"));
    CHECK(report.repaired == 0);
    report = store->check(true);
    CHECK(report.repaired == 1);
    CHECK(store->check(false).problems.empty());
    CHECK(store->keys_of_label("l") == std::vector<std::string>{"k1", "k2", "k3"});
  }
  SECTION("a damaged value") {
    with_raw_txn(path, [](MDB_txn* txn) {
      MDB_dbi entries = raw_dbi(txn, "entries");
      MDB_val k{2, const_cast<char*>("k3")};
      MDB_val v{};
      REQUIRE(mdb_get(txn, entries, &k, &v) == 0);
      std::string record(static_cast<char*>(v.mv_data), v.mv_size);
      record.back() ^= 1;
      MDB_val nv{record.size(), record.data()};
      REQUIRE(mdb_put(txn, entries, &k, &nv, 0) == 0);
    });
    auto store = open_store(path);
    std::optional<Error> error = error_of([&] { value_of(*store, "k3"); });
    REQUIRE(error);
    CHECK(error->exit_code() == exit_code::io);
    CheckReport report = store->check(true);
    REQUIRE(report.problems.size() == 1);
    CHECK_THAT(report.problems[0], Catch::Contains("checksum"));
    CHECK(store->check(false).problems.empty());
    CHECK_FALSE(value_of(*store, "k3"));
    CHECK(store->keys_of_label("l") == std::vector<std::string>{"k1", "k2"});
  }
}

TEST_CASE("lmdb store: the job queue coalesces, orders and survives", "[lmdb][jobs]") {
  TempDir dir;
  const fs::path path = dir.path / "s";
  auto store = open_store(path);
  for (const char* key : {"k1", "k2", "k3"}) store->put(entry("l", key), "v");
  CHECK_FALSE(store->next_job_due());
  store->enqueue_job("k2", 20);
  store->enqueue_job("k1", 30);
  store->enqueue_job("k3", 10);
  store->enqueue_job("k1", 5);  // coalesced: the due time stays, the version grows
  store->enqueue_job("gone", 1);  // no such entry: nothing to recompute
  auto keys_of = [](const std::vector<Job>& jobs) {
    std::vector<std::string> keys;
    for (const Job& job : jobs) keys.push_back(job.key);
    return keys;
  };
  CHECK(keys_of(store->jobs()) == std::vector<std::string>{"k3", "k2", "k1"});
  CHECK(store->next_job_due() == 10);
  CHECK(keys_of(store->due_jobs(25, 10)) == std::vector<std::string>{"k3", "k2"});
  CHECK(keys_of(store->due_jobs(100, 1)) == std::vector<std::string>{"k3"});
  std::vector<Job> all = store->jobs();
  CHECK(all[2].due == 30);
  CHECK(all[2].version == 2);

  // A run that began before the job was queued again leaves it queued.
  Job k1 = all[2];
  store->enqueue_job("k1", 0);
  store->put(entry("l", "k1"), "recomputed");  // replacing the entry keeps its job
  store->finish_job(k1);
  CHECK(keys_of(store->jobs()) == std::vector<std::string>{"k3", "k2", "k1"});
  store->finish_job(store->jobs()[2]);
  store->finish_job(store->jobs()[0]);
  CHECK(keys_of(store->jobs()) == std::vector<std::string>{"k2"});

  store->erase({"k2"});  // an erased entry has nothing left to run
  CHECK(store->jobs().empty());
  store->enqueue_job("k3", 7);
  store.reset();
  store = open_store(path);
  CHECK(keys_of(store->jobs()) == std::vector<std::string>{"k3"});
  CHECK(store->check(false).problems.empty());
}

TEST_CASE("lmdb store: check finds a job of a missing entry, repair drops it", "[lmdb][jobs]") {
  TempDir dir;
  const fs::path path = dir.path / "s";
  {
    auto store = open_store(path);
    store->put(entry("l", "k1"), "v");
    store->put(entry("l", "k2"), "v");
    store->enqueue_job("k1", 1);
    store->enqueue_job("k2", 2);
  }
  with_raw_txn(path, [](MDB_txn* txn) {
    MDB_val k{2, const_cast<char*>("k1")};
    REQUIRE(mdb_del(txn, raw_dbi(txn, "entries"), &k, nullptr) == 0);
  });
  auto store = open_store(path);
  CheckReport report = store->check(true);
  bool reported = std::any_of(report.problems.begin(), report.problems.end(),
                              [](const std::string& p) { return p == "job k1: no such entry"; });
  CHECK(reported);
  CHECK(store->check(false).problems.empty());
  REQUIRE(store->jobs().size() == 1);
  CHECK(store->jobs()[0].key == "k2");
}
