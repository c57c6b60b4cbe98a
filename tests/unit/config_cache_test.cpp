// Unit tests of core/config_cache: the binary format round trip, validation
// against the config's inputs, damaged files ignored, atomic private writes.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "config_test_support.hpp"
#include "core/config.hpp"
#include "core/config_cache.hpp"

using djc_test::TempDir;
using djc_test::write_file;
namespace fs = std::filesystem;

namespace {

// Every worker key set to something other than its default, some from [defaults].
const char* k_full_config = R"(include = ["more.toml", "conf.d/*.toml"]
[store]
backend = "redis"
path = "store"
max_size = "64MiB"
url = "redis://localhost:6379/2"
prefix = "mine:"
connect_timeout = "250ms"
operation_timeout = "3s"
lease = "9s"
[defaults]
getter_timeout = "7m"
env = { FROM_DEFAULTS = "1" }
[workers.full]
command = ["./bin/get", "a b", ""]
timeout = "2h30m"
key_gen = "./bin/key"
cached_entity = true
tick = "10s"
tick_amount = 3
relevance_invalidation = true
relevance_timeout = "90s"
delay_invalidation = true
delay_countdown = "250ms"
delay_logging = true
getter_timeout = "3m"
env = { A = "1", B = "two words" }
cwd = "work"
depends_on = ["data/*.csv", "/etc/hosts"]
cache_failures = true
serve_stale_on_error = "1d"
[workers.shell]
command = "echo $HOME | tr a-z A-Z"
)";

struct Fixture {
  TempDir dir;
  fs::path main;
  djc::Config config;
  std::string key;
  std::string bytes;

  Fixture() {
    main = write_file(dir / "main.toml", k_full_config);
    write_file(dir / "more.toml", "[workers.more]\ncommand = [\"echo\", \"more\"]\n");
    write_file(dir / "conf.d/a.toml", "[[workers]]\nlabel = \"from_glob\"\ncommand = [\"true\"]\n");
    write_file(dir / "conf.d/many.toml", many_workers());
    config = djc::load_config(main);
    key = djc::config_cache_key(main);
    bytes = djc::encode_config_cache(config, key);
  }

  static std::string many_workers() {
    std::ostringstream text;
    for (int i = 0; i < 300; ++i) {
      text << "[workers.w" << i << "]\ncommand = [\"echo\", \"" << i << "\"]\n";
    }
    return text.str();
  }

  std::optional<djc::CachedWorker> decode(std::string_view label) const {
    return djc::decode_config_cache(bytes, key, label);
  }
};

}  // namespace

TEST_CASE("config cache: every worker and [store] come back as loaded", "[config][cache]") {
  Fixture f;
  REQUIRE(f.config.workers.size() == 304);
  for (const auto& [label, worker] : f.config.workers) {
    INFO(label);
    auto cached = f.decode(label);
    REQUIRE(cached);
    CHECK(cached->worker == worker);
    CHECK(cached->store == f.config.store);
  }
  // The fields really are not the defaults (a round trip of defaults proves little).
  const djc::Worker& full = f.config.workers.at("full");
  CHECK(full.key_gen);
  CHECK(full.cwd);
  CHECK(full.env.size() == 2);
  CHECK(full.wait == std::chrono::seconds(30));
  CHECK(f.config.workers.at("shell").command_is_shell);
  CHECK(f.config.store.path);
  CHECK_FALSE(f.decode("nope"));
  CHECK_FALSE(f.decode(""));
}

TEST_CASE("config cache: another key, user or damaged header is a miss", "[config][cache]") {
  Fixture f;
  CHECK_FALSE(djc::decode_config_cache(f.bytes, f.key + "x", "full"));
  CHECK_FALSE(djc::decode_config_cache(f.bytes, djc::config_cache_key("main.toml"), "full"));
  // A relative path names another config in another directory.
  CHECK(djc::config_cache_key("main.toml") != djc::config_cache_key("./main.toml"));
}

TEST_CASE("config cache: every truncation and flipped byte is ignored, never a crash",
          "[config][cache]") {
  Fixture f;
  const djc::Worker& expected = f.config.workers.at("full");
  for (std::size_t size = 0; size < f.bytes.size(); size += (size < 4096 ? 1 : 97)) {
    std::string_view cut = std::string_view(f.bytes).substr(0, size);
    CHECK_FALSE(djc::decode_config_cache(cut, f.key, "full"));
  }
  std::string longer = f.bytes + "x";
  CHECK_FALSE(djc::decode_config_cache(longer, f.key, "full"));
  // A flipped byte either makes the file a miss or leaves the answer exact
  // (bytes no lookup reads, such as an empty slot's hash).
  for (std::size_t at = 0; at < f.bytes.size(); at += (at < 8192 ? 1 : 31)) {
    std::string damaged = f.bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    for (const char* label : {"full", "w17", "shell"}) {
      auto cached = djc::decode_config_cache(damaged, f.key, label);
      if (cached) {
        INFO("offset " << at << ", label " << label);
        CHECK(cached->worker == f.config.workers.at(label));
        CHECK(cached->store == f.config.store);
      }
    }
  }
  CHECK(f.decode("full")->worker == expected);
}

TEST_CASE("config cache: a changed input is a miss", "[config][cache]") {
  Fixture f;
  REQUIRE(f.decode("full"));

  SECTION("an included file edited") {
    write_file(f.dir / "more.toml", "[workers.more]\ncommand = [\"echo\", \"less\"]\n");
    CHECK_FALSE(f.decode("full"));
  }
  SECTION("a new file matching an include glob") {
    write_file(f.dir / "conf.d/b.toml", "");
    CHECK_FALSE(f.decode("full"));
  }
  SECTION("a file matching the glob removed") {
    fs::remove(f.dir / "conf.d/a.toml");
    CHECK_FALSE(f.decode("full"));
  }
  SECTION("the main file made writable by group: the trust rule holds") {
    fs::permissions(f.main, fs::perms::group_write, fs::perm_options::add);
    CHECK_FALSE(f.decode("full"));
  }
  SECTION("an included file replaced by another with the same text") {
    write_file(f.dir / "more.new", "[workers.more]\ncommand = [\"echo\", \"more\"]\n");
    fs::rename(f.dir / "more.new", f.dir / "more.toml");
    CHECK_FALSE(f.decode("full"));
  }
  SECTION("only the times touched") {
    struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    times[1].tv_sec = 1;  // an mtime that was not recorded
    times[1].tv_nsec = 0;
    REQUIRE(::utimensat(AT_FDCWD, f.main.c_str(), times, 0) == 0);
    CHECK_FALSE(f.decode("full"));
  }
}

TEST_CASE("config cache: a glob's missing directory, created later, is a change",
          "[config][cache]") {
  TempDir dir;
  fs::path main = write_file(dir / "main.toml",
                             "include = [\"later.d/*.toml\"]\n[workers.a]\ncommand = [\"true\"]\n");
  djc::Config config = djc::load_config(main);
  std::string key = djc::config_cache_key(main);
  std::string bytes = djc::encode_config_cache(config, key);
  REQUIRE(djc::decode_config_cache(bytes, key, "a"));
  fs::create_directories(dir / "later.d");
  CHECK_FALSE(djc::decode_config_cache(bytes, key, "a"));
}

TEST_CASE("config cache: saved privately and atomically, read back, damage ignored",
          "[config][cache]") {
  Fixture f;
  for (djc::ConfigInput& input : f.config.inputs) input.racy = false;
  fs::path file = djc::config_cache_file(f.dir / "cache/dj-cache/config-cache", f.key);
  REQUIRE(djc::save_config_cache(file, f.key, f.config));
  CHECK((fs::status(file).permissions() & fs::perms::all) == fs::perms(0600));
  CHECK((fs::status(file.parent_path()).permissions() & fs::perms::all) == fs::perms(0700));
  CHECK(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()) == 1);
  CHECK(djc::config_cache_valid(file, f.key));
  auto cached = djc::lookup_config_cache(file, f.key, "w123");
  REQUIRE(cached);
  CHECK(cached->worker == f.config.workers.at("w123"));

  SECTION("writable by group: not trusted") {
    fs::permissions(file, fs::perms::group_write, fs::perm_options::add);
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
    CHECK_FALSE(djc::config_cache_valid(file, f.key));
  }
  SECTION("a symlink in its place: not followed") {
    fs::rename(file, f.dir / "elsewhere.bin");
    fs::create_symlink(f.dir / "elsewhere.bin", file);
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
  }
  SECTION("truncated or garbage") {
    fs::resize_file(file, fs::file_size(file) / 2);
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
    write_file(file, "garbage", fs::perms(0600));
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
    fs::resize_file(file, 0);
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
  }
  SECTION("a directory in its place") {
    fs::remove(file);
    fs::create_directory(file);
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
    CHECK_FALSE(djc::config_cache_valid(file, f.key));
  }
  SECTION("missing") {
    fs::remove(file);
    CHECK_FALSE(djc::lookup_config_cache(file, f.key, "w123"));
  }
}

TEST_CASE("config cache: not written into a directory someone else owns", "[config][cache]") {
  if (::getuid() != 0) return;  // only root can make a directory another user owns
  Fixture f;
  for (djc::ConfigInput& input : f.config.inputs) input.racy = false;
  fs::create_directories(f.dir / "home");
  REQUIRE(::chown((f.dir / "home").c_str(), 12345, 12345) == 0);
  fs::path file = djc::config_cache_file(f.dir / "home/.cache/dj-cache/config-cache", f.key);
  CHECK_FALSE(djc::save_config_cache(file, f.key, f.config));
  CHECK_FALSE(fs::exists(f.dir / "home/.cache"));
  // Nor into an existing cache directory of another user.
  fs::create_directories(file.parent_path());
  REQUIRE(::chown(file.parent_path().c_str(), 12345, 12345) == 0);
  CHECK_FALSE(djc::save_config_cache(file, f.key, f.config));
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("config cache: not written when an input changed in the tick it was read",
          "[config][cache]") {
  Fixture f;
  fs::path file = djc::config_cache_file(f.dir / "cache", f.key);
  for (djc::ConfigInput& input : f.config.inputs) input.racy = false;
  f.config.inputs.back().racy = true;
  CHECK_FALSE(djc::save_config_cache(file, f.key, f.config));
  CHECK_FALSE(fs::exists(file));
  // A config with no recorded inputs (parsed from text) is never cached.
  djc::Config text = djc_test::parse("[workers.a]\ncommand = [\"true\"]\n");
  CHECK_FALSE(djc::save_config_cache(file, f.key, text));
}

TEST_CASE("config cache: the load records every file and glob directory it read",
          "[config][cache]") {
  Fixture f;
  std::vector<std::string> files, dirs;
  for (const djc::ConfigInput& input : f.config.inputs) {
    (input.kind == djc::ConfigInput::Kind::directory ? dirs : files).push_back(input.path);
  }
  for (const char* name : {"main.toml", "more.toml", "conf.d/a.toml", "conf.d/many.toml"}) {
    INFO(name);
    CHECK(std::count(files.begin(), files.end(), (f.dir / name).string()) >= 1);
  }
  CHECK(std::count(dirs.begin(), dirs.end(), (f.dir / "conf.d").string()) >= 1);
}
