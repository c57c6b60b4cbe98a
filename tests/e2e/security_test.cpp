// End-to-end security: argument text never reaches a shell (placeholders in argv,
// key_gen and {key}, cwd), the trust rule for configs, store permissions, the
// getter's exact environment, and symlinks planted in the store are not followed.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "harness.hpp"
#include "store_probe.hpp"

using djc::e2e::is_one_error;
using djc::e2e::Sandbox;

namespace {

namespace fs = std::filesystem;

// Shell metacharacters and command substitutions: run by any shell that saw them.
const std::string hostile = "'$(touch pwned1)' '`touch pwned2`' 'x;touch pwned3' 'a b|touch pwned4'";

bool any_pwned(const Sandbox& box) {
  for (const auto& file : fs::directory_iterator(box.dir())) {
    if (file.path().filename().string().rfind("pwned", 0) == 0) return true;
  }
  return false;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_CASE("argument text in placeholders, key_gen and {key} never reaches a shell", "[e2e][security]") {
  Sandbox box;
  box.write("bin/show", "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n", 0755);
  box.sh("mkdir '{0}'");
  box.config(R"([workers.argv]
command = ["./bin/show", "{0}", "--k={key}", "{label}"]
key_gen = "{0}:{1}:{2}:{3}"
[workers.script]
command = 'printf "[%s]\n" "{0}" "$@"'
[workers.dir]
command = ["pwd"]
cwd = "{0}"
)");
  auto argv = box.dj("get argv " + hostile);
  REQUIRE(argv.code == 0);
  CHECK(argv.out ==
        "[$(touch pwned1)]\n[--k=argv:$(touch pwned1):`touch pwned2`:x;touch pwned3:a b|touch pwned4]\n"
        "[argv]\n[`touch pwned2`]\n[x;touch pwned3]\n[a b|touch pwned4]\n");
  auto script = box.dj("get script " + hostile);
  REQUIRE(script.code == 0);  // a string command gets "$@", never substituted text
  CHECK(script.out == "[{0}]\n[$(touch pwned1)]\n[`touch pwned2`]\n[x;touch pwned3]\n[a b|touch pwned4]\n");
  auto dir = box.dj("get dir " + hostile);  // cwd is a path, not a template
  REQUIRE(dir.code == 0);
  CHECK(dir.out.find("/{0}\n") != std::string::npos);
  CHECK(box.dj("list").code == 0);
  CHECK(box.dj("get --entity argv " + hostile).code == 0);
  CHECK_FALSE(any_pwned(box));
}

TEST_CASE("a config or included file others could write or another user owns is refused",
          "[e2e][security]") {
  Sandbox box;
  box.write("good.toml", "[workers.w]\ncommand = [\"echo\"]\n");
  box.write("inc/w.toml", "[workers.v]\ncommand = [\"echo\"]\n");
  box.config("include = [\"inc/*.toml\"]\n[workers.w]\ncommand = [\"echo\"]\n");
  REQUIRE(box.dj("get w").code == 0);
  auto refused = [&](const std::string& file, const std::string& expected) {
    auto run = box.dj("get w");
    INFO(file << ": " << run.err);
    CHECK(run.code == 78);
    CHECK(is_one_error(run.err));
    CHECK(run.err.find(file) != std::string::npos);
    CHECK(run.err.find(expected) != std::string::npos);
  };
  SECTION("group-writable include") {
    ::chmod((box.dir() / "inc/w.toml").c_str(), 0664);
    refused("inc/w.toml", "writable");
  }
  SECTION("world-writable main file") {
    ::chmod((box.dir() / "dj-cache.toml").c_str(), 0646);
    refused("dj-cache.toml", "writable");
  }
  SECTION("an include owned by another user") {
    if (::geteuid() != 0) {
      WARN("not root: cannot chown a file to another user, skipped");
      return;
    }
    REQUIRE(::chown((box.dir() / "inc/w.toml").c_str(), 12345, 12345) == 0);
    refused("inc/w.toml", "12345");
  }
  SECTION("a main file owned by another user") {
    if (::geteuid() != 0) return;
    REQUIRE(::chown((box.dir() / "dj-cache.toml").c_str(), 12345, 12345) == 0);
    refused("dj-cache.toml", "12345");
  }
}

TEST_CASE("the store is created 0700 with files 0600 whatever the umask", "[e2e][lmdb][security]") {
  Sandbox box;
  box.config("[workers.w]\ncommand = [\"echo\"]\n");
  box.env["DJ_CACHE_STORE"] = (box.dir() / "deep/er/store").string();
  REQUIRE(box.sh("umask 000; \"$DJ\" get w").code == 0);
  for (const char* dir : {"deep", "deep/er", "deep/er/store"}) CHECK(mode_of(box.dir() / dir) == 0700);
  for (const char* file : {"data.mdb", "lock.mdb", "locks"}) {
    INFO(file);
    CHECK(mode_of(box.dir() / "deep/er/store" / file) == 0600);
  }
}

TEST_CASE("a getter sees the caller's environment plus the worker's env and DJ_CACHE_* only", "[e2e][security]") {
  Sandbox box;
  box.config(R"([workers.env]
command = ["/usr/bin/env"]
env = { GREETING = "hi", OVERRIDDEN = "by the worker" }
)");
  auto run = box.sh("env -i PATH=/usr/bin:/bin CALLER=1 OVERRIDDEN=caller DJ_CACHE_CONFIG=\"$DJ_CACHE_CONFIG\" "
                    "DJ_CACHE_STORE=\"$DJ_CACHE_STORE\" DJ_CACHE_ARGS=leak DJ_CACHE_ARGS_FILE=leak "
                    "\"$DJ\" get env");  // no args: env would run them
  REQUIRE(run.code == 0);
  std::string config = (box.dir() / "dj-cache.toml").string(), store = box.store().string();
  CHECK(sorted_lines(run.out) == sorted_lines("PATH=/usr/bin:/bin\nCALLER=1\nOVERRIDDEN=by the worker\n"
                                              "DJ_CACHE_CONFIG=" + config + "\nDJ_CACHE_STORE=" + store +
                                              "\nGREETING=hi\nDJ_CACHE_LABEL=env\nDJ_CACHE_KEY=env\n"
                                              "DJ_CACHE_ARGS={\"args\":[],\"kwargs\":{}}\n"));
}

TEST_CASE("symlinks planted in the store are not followed", "[e2e][lmdb][security]") {
  Sandbox box;
  box.config("[workers.w]\ncommand = [\"echo\"]\n");
  box.write("victim", "precious\n", 0600);
  REQUIRE(box.dj("get w").code == 0);
  auto refused = [&](const std::string& file) {
    box.sh("rm -f store/" + file + " && ln -s ../victim store/" + file);
    auto run = box.dj("get w");
    INFO(run.err);
    CHECK(run.code == 74);
    CHECK(is_one_error(run.err));
    CHECK(run.err.find(file + " is a symbolic link") != std::string::npos);
    CHECK(box.read("victim") == "precious\n");
  };
  SECTION("locks") { refused("locks"); }
  SECTION("lock.mdb") { refused("lock.mdb"); }
  SECTION("data.mdb") { refused("data.mdb"); }
  SECTION("lock.mdb of a store without data.mdb yet") {
    box.sh("rm -rf store && mkdir -m 700 store && ln -s ../victim store/lock.mdb");
    auto run = box.dj("get w");
    CHECK(run.code == 74);
    CHECK(box.read("victim") == "precious\n");
  }
}

TEST_CASE("a store directory owned by another user is refused", "[e2e][lmdb][security]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot make a directory another user's, skipped");
    return;
  }
  Sandbox box;
  box.config("[workers.w]\ncommand = [\"echo\"]\n");
  box.sh("mkdir -m 700 theirs && ln -s theirs store");
  REQUIRE(::chown((box.dir() / "theirs").c_str(), 12345, 12345) == 0);
  for (const char* command : {"get w", "list", "migrate"}) {
    auto run = box.dj(command);
    INFO(command << ": " << run.err);
    CHECK(run.code == 74);
    CHECK(is_one_error(run.err));
    CHECK(run.err.find("owned by uid 12345") != std::string::npos);
  }
  CHECK(fs::is_empty(box.dir() / "theirs"));
}
