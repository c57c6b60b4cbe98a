// Unit tests of core/config on disk: relative paths, includes, the trust rule, discovery.
#include <catch2/catch.hpp>
#include <unistd.h>

#include "config_test_support.hpp"
#include "core/config.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using djc_test::config_error;
using djc_test::CwdGuard;
using djc_test::EnvGuard;
using djc_test::TempDir;
using djc_test::write_file;
namespace fs = std::filesystem;

using Strings = std::vector<std::string>;

namespace {

std::string load_error(const fs::path& path) {
  return config_error([&] { (void)djc::load_config(path); });
}

}  // namespace

TEST_CASE("relative paths resolve against the directory of their file", "[config][files]") {
  TempDir dir;
  fs::path main = write_file(dir / "etc/main.toml", R"(include = ["sub/more.toml"]
[store]
path = "cache"
[events]
spool = "../spool"
[workers.here]
command = ["./bin/here", "./arg"]
cwd = "."
depends_on = ["data/*.csv"]
)");
  write_file(dir / "etc/sub/more.toml", R"([workers.there]
command = ["./bin/there"]
cwd = "work"
depends_on = ["../shared/x"]
[workers.on_path]
command = ["list-foos"]
)");
  djc::Config config = djc::load_config(main);
  const fs::path etc = dir / "etc";
  CHECK(config.store.path == etc / "cache");
  CHECK(config.spool == dir / "spool");
  CHECK(config.workers.at("here").command == Strings{(etc / "bin/here").string(), "./arg"});
  CHECK(config.workers.at("here").cwd == etc);
  CHECK(config.workers.at("here").depends_on == Strings{(etc / "data/*.csv").string()});
  CHECK(config.workers.at("there").command == Strings{(etc / "sub/bin/there").string()});
  CHECK(config.workers.at("there").cwd == etc / "sub/work");
  CHECK(config.workers.at("there").depends_on == Strings{(etc / "shared/x").string()});
  CHECK(config.workers.at("on_path").command == Strings{"list-foos"});
  CHECK(config.workers.at("there").origin == (etc / "sub/more.toml").string() + ":1");
}

TEST_CASE("a relative main path resolves against the working directory", "[config][files]") {
  TempDir dir;
  write_file(dir / "dj-cache.toml", "[workers.w]\ncommand = [\"./get\"]\n");
  CwdGuard cwd(dir.path());
  djc::Config config = djc::load_config("dj-cache.toml");
  CHECK(config.workers.at("w").command == Strings{(dir / "get").string()});
  CHECK(config.files == std::vector<fs::path>{"dj-cache.toml"});
}

TEST_CASE("includes load files and globs, in order, with [defaults] of the main file",
          "[config][files]") {
  TempDir dir;
  fs::path main = write_file(dir / "main.toml",
                             R"(include = ["extra.toml", "rules.d/*.toml", "none.d/*.toml"]
[defaults]
timeout = "2h"
)");
  write_file(dir / "extra.toml", "[workers.extra]\ncommand = [\"x\"]\n");
  write_file(dir / "rules.d/a.toml", "[[workers]]\nlabel = \"from_a\"\ncommand = [\"a\"]\n");
  write_file(dir / "rules.d/b.toml", R"([[sources.src.invalidates]]
worker = "from_a"
is_empty = true
)");
  write_file(dir / "rules.d/ignored.txt", "not toml at all [");
  fs::create_directories(dir / "rules.d/sub.toml");  // a directory the glob matches: skipped

  djc::Config config = djc::load_config(main);
  CHECK(config.files == std::vector<fs::path>{main, dir / "extra.toml", dir / "rules.d/a.toml",
                                              dir / "rules.d/b.toml"});
  CHECK(config.workers.at("extra").timeout == std::chrono::hours(2));
  CHECK(config.workers.at("from_a").timeout == std::chrono::hours(2));
  CHECK(config.sources.at("src").invalidates.at(0).worker == "from_a");
}

TEST_CASE("rules of one source may come from several files", "[config][files]") {
  TempDir dir;
  fs::path main = write_file(dir / "main.toml", R"(include = ["r/*.toml"]
[workers.w]
command = ["w"]
[[sources.s.invalidates]]
worker = "w"
is_empty = true
)");
  write_file(dir / "r/1.toml",
             "[[sources.s.invalidates]]\nworker = \"w\"\nfields = { a = \"a\" }\n");
  djc::Config config = djc::load_config(main);
  REQUIRE(config.sources.at("s").invalidates.size() == 2);
  CHECK(config.sources.at("s").invalidates[1].origin == (dir / "r/1.toml").string() + ":1");
}

TEST_CASE("a file included twice is loaded once", "[config][files]") {
  TempDir dir;
  fs::path main = write_file(dir / "main.toml", "include = [\"r/a.toml\", \"r/*.toml\"]\n");
  write_file(dir / "r/a.toml", "[workers.a]\ncommand = [\"a\"]\n");
  djc::Config config = djc::load_config(main);
  CHECK(config.workers.size() == 1);
  CHECK(config.files.size() == 2);
}

TEST_CASE("include errors", "[config][files]") {
  TempDir dir;
  const std::string main_path = (dir / "main.toml").string();

  SECTION("a missing plain file") {
    fs::path main = write_file(dir / "main.toml", "include = [\"missing.toml\"]\n");
    CHECK(load_error(main) == main_path + ":1:12: included file 'missing.toml' does not exist (" +
                                  (dir / "missing.toml").string() + ")");
  }
  SECTION("a cycle") {
    fs::path main = write_file(dir / "main.toml", "include = [\"b.toml\"]\n");
    write_file(dir / "b.toml", "\ninclude = [\"main.toml\"]\n");
    const std::string b_path = (dir / "b.toml").string();
    CHECK(load_error(main) == b_path + ":2:12: include cycle: " + main_path + " -> " + b_path +
                                  " -> " + main_path);
  }
  SECTION("a file including itself through a glob") {
    fs::path main = write_file(dir / "main.toml", "include = [\"*.toml\"]\n");
    CHECK_THAT(load_error(main), StartsWith(main_path + ":1:12: include cycle: "));
  }
  SECTION("a main-only table in an included file") {
    fs::path main = write_file(dir / "main.toml", "include = [\"inc.toml\"]\n");
    write_file(dir / "inc.toml", "[store]\npath = \"x\"\n");
    CHECK(load_error(main) == (dir / "inc.toml").string() +
                                  ":1:2: 'store' may only appear in the main config file, not "
                                  "in an included one");
  }
  SECTION("an unknown key in an included file") {
    fs::path main = write_file(dir / "main.toml", "include = [\"inc.toml\"]\n");
    write_file(dir / "inc.toml", "wokers = 1\n");
    CHECK(load_error(main) == (dir / "inc.toml").string() +
                                  ":1:1: unknown key 'wokers' in an included config file (did "
                                  "you mean 'workers'?)");
  }
  SECTION("a syntax error in an included file names that file") {
    fs::path main = write_file(dir / "main.toml", "include = [\"inc.toml\"]\n");
    write_file(dir / "inc.toml", "\n\n[workers.x\n");
    CHECK_THAT(load_error(main), StartsWith((dir / "inc.toml").string() + ":3:"));
  }
  SECTION("a wrongly typed include") {
    fs::path main = write_file(dir / "main.toml", "include = \"x.toml\"\n");
    CHECK(load_error(main) == main_path + ":1:11: 'include' in the config must be an array of "
                                          "strings, not a string");
  }
}

TEST_CASE("a label defined in two files names both places", "[config][files]") {
  TempDir dir;
  fs::path main = write_file(dir / "main.toml", R"(include = ["inc.toml"]

[workers.foo]
command = ["a"]
)");
  write_file(dir / "inc.toml", "[[workers]]\nlabel = \"foo\"\ncommand = [\"b\"]\n");
  CHECK(load_error(main) == (dir / "inc.toml").string() + ":2:9: worker 'foo' is defined twice: "
                                                          "here and at " +
                                (dir / "main.toml").string() + ":3:10");
}

TEST_CASE("a rule may name a worker of a later include, not a missing one", "[config][files]") {
  TempDir dir;
  fs::path main = write_file(dir / "main.toml", R"(include = ["a.toml", "b.toml"]
[[sources.s.invalidates]]
worker = "in_b"
is_empty = true
)");
  write_file(dir / "a.toml", "[[sources.t.invalidates]]\nworker = \"in_bb\"\nis_empty = true\n");
  write_file(dir / "b.toml", "[workers.in_b]\ncommand = [\"b\"]\n");
  CHECK(load_error(main) == (dir / "a.toml").string() +
                                ":2:10: rule 1 of source 't' names worker 'in_bb', which is not "
                                "defined (did you mean 'in_b'?)");
  write_file(dir / "a.toml", "");
  CHECK(djc::load_config(main).sources.at("s").invalidates.at(0).worker == "in_b");
}

TEST_CASE("the trust rule refuses files others could have changed", "[config][files]") {
  TempDir dir;
  const std::string text = "[workers.w]\ncommand = [\"w\"]\n";

  SECTION("group-writable") {
    fs::path main = write_file(dir / "main.toml", text, fs::perms(0664));
    CHECK(load_error(main) == main.string() + ": refusing a config file writable by group or "
                                              "others (mode 0664); it defines commands dj-cache "
                                              "runs (chmod go-w " + main.string() + ")");
  }
  SECTION("world-writable") {
    fs::path main = write_file(dir / "main.toml", text, fs::perms(0646));
    CHECK_THAT(load_error(main), StartsWith(main.string() + ": refusing") && Contains("0646"));
  }
  SECTION("an included file") {
    fs::path main = write_file(dir / "main.toml", "include = [\"inc.toml\"]\n");
    fs::path inc = write_file(dir / "inc.toml", text, fs::perms(0660));
    CHECK_THAT(load_error(main), StartsWith(inc.string() + ": refusing") &&
                                     Contains("(included at " + main.string() + ":1:12)"));
  }
  SECTION("owned by another user") {
    if (::geteuid() != 0) return;  // only root can give a file away
    fs::path main = write_file(dir / "main.toml", text);
    REQUIRE(::chown(main.c_str(), 12345, 12345) == 0);
    CHECK(load_error(main) == main.string() + ": refusing a config file owned by uid 12345, "
                                              "neither the caller (uid 0) nor root; it defines "
                                              "commands dj-cache runs");
  }
  SECTION("read-only for others is fine, and parse_config_text does not check") {
    fs::path main = write_file(dir / "main.toml", text, fs::perms(0644));
    CHECK(djc::load_config(main).workers.count("w") == 1);
    fs::permissions(main, fs::perms(0666));
    CHECK(djc::parse_config_text(text, main).workers.count("w") == 1);
  }
}

TEST_CASE("load_config of what is not a readable file", "[config][files]") {
  TempDir dir;
  CHECK(load_error(dir / "nope.toml") ==
        (dir / "nope.toml").string() + ": cannot open config file: No such file or directory");
  CHECK(load_error(dir.path()) == dir.path().string() + ": not a regular file");
}

TEST_CASE("discover_config follows SPEC §2's order", "[config][files]") {
  TempDir dir;
  write_file(dir / "work/dj-cache.toml", "");
  write_file(dir / "xdg/dj-cache/config.toml", "");
  write_file(dir / "home/.config/dj-cache/config.toml", "");
  fs::create_directories(dir / "empty");
  EnvGuard config_env("DJ_CACHE_CONFIG", std::nullopt);
  EnvGuard xdg("XDG_CONFIG_HOME", (dir / "xdg").string());
  EnvGuard home("HOME", (dir / "home").string());
  CwdGuard cwd(dir / "work");

  // An explicit path wins and is returned even when missing, for load to report.
  CHECK(djc::discover_config(std::string("missing.toml")) == fs::path("missing.toml"));
  {
    EnvGuard set("DJ_CACHE_CONFIG", "/nowhere/c.toml");
    CHECK(djc::discover_config(std::string("x.toml")) == fs::path("x.toml"));
    CHECK(djc::discover_config(std::nullopt) == fs::path("/nowhere/c.toml"));
  }
  {
    EnvGuard empty("DJ_CACHE_CONFIG", "");  // empty is unset
    CHECK(djc::discover_config(std::nullopt) == dir / "work/dj-cache.toml");
  }
  fs::current_path(dir / "empty");
  CHECK(djc::discover_config(std::nullopt) == dir / "xdg/dj-cache/config.toml");
  {
    EnvGuard relative("XDG_CONFIG_HOME", "relative/xdg");  // not absolute: ignored
    CHECK(djc::discover_config(std::nullopt) == dir / "home/.config/dj-cache/config.toml");
  }
  {
    EnvGuard unset("XDG_CONFIG_HOME", std::nullopt);
    CHECK(djc::discover_config(std::nullopt) == dir / "home/.config/dj-cache/config.toml");
  }
  // XDG_CONFIG_HOME replaces ~/.config; then only /etc is left.
  fs::remove(dir / "xdg/dj-cache/config.toml");
  std::optional<fs::path> last = djc::discover_config(std::nullopt);
  if (fs::exists("/etc/dj-cache/config.toml")) {
    CHECK(last == fs::path("/etc/dj-cache/config.toml"));
  } else {
    CHECK_FALSE(last.has_value());
  }
}
