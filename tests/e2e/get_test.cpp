// End-to-end: `get` as scripts use it — misses, hits, args, expiry, failures.
#include <catch2/catch.hpp>

#include <signal.h>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {

// A worker whose getter counts its runs in ran.log and echoes its argv, one per line.
void echo_worker(Sandbox& box, const std::string& extra = "") {
  box.write("bin/echo-args", "#!/bin/sh\necho run >> \"$(dirname \"$0\")/../ran.log\"\n"
                             "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n", 0755);
  box.config("[workers.echo]\ncommand = [\"./bin/echo-args\"]\n" + extra);
}

}  // namespace

TEST_CASE("a miss runs the getter once, a hit serves the stored value", "[e2e][get]") {
  Sandbox box;
  echo_worker(box);
  auto first = box.dj("get echo a b");
  REQUIRE(first.code == 0);
  CHECK(first.out == "[a]\n[b]\n");
  auto second = box.dj("get echo a b");
  CHECK(second.code == 0);
  CHECK(second.out == first.out);
  CHECK(count_lines(box.dir() / "ran.log") == 1);
  CHECK(box.dj("get echo a c").out == "[a]\n[c]\n");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
}

TEST_CASE("get prints binary values byte for byte, empty values are cached", "[e2e][get]") {
  Sandbox box;
  box.config(R"([workers.bin]
command = ["printf", "\\000\\001\\377x\\n\\000"]
[workers.empty]
command = "echo run >> ran.log"
)");
  auto run = box.dj("get bin");
  REQUIRE(run.code == 0);
  CHECK(run.out == std::string("\0\1\377x\n\0", 6));
  CHECK(box.dj("get bin").out == std::string("\0\1\377x\n\0", 6));
  CHECK(box.dj("get empty").out.empty());
  CHECK(box.dj("get empty").out.empty());
  CHECK(count_lines(box.dir() / "ran.log") == 1);
}

TEST_CASE("argument text reaches the getter untouched, never through a shell", "[e2e][get]") {
  Sandbox box;
  echo_worker(box);
  auto run = box.dj("get echo 'it'\"'\"'s \"q\"' 'two\nlines' 'héllo ✓' '$(touch pwned)' '`touch pwned`'");
  REQUIRE(run.code == 0);
  CHECK(run.out == "[it's \"q\"]\n[two\nlines]\n[héllo ✓]\n[$(touch pwned)]\n[`touch pwned`]\n");
  CHECK_FALSE(std::filesystem::exists(box.dir() / "pwned"));
}

TEST_CASE("named args, lists and None reach the getter as documented", "[e2e][get]") {
  Sandbox box;
  echo_worker(box);
  auto run = box.dj("get echo pos b=2 a=1 l=x l=y n=");
  REQUIRE(run.code == 0);
  CHECK(run.out == "[pos]\n[--a=1]\n[--b=2]\n[--l=x]\n[--l=y]\n[--n=]\n");
  SECTION("named args in any order are one entry") {
    CHECK(box.dj("get echo pos l=x a=1 l=y b=2 n=").code == 0);
    CHECK(count_lines(box.dir() / "ran.log") == 1);
  }
  SECTION("a None arg is left out of the key") {
    box.dj("get echo pos b=2 a=1 l=x l=y");
    CHECK(count_lines(box.dir() / "ran.log") == 1);
  }
  SECTION("after -- a word that looks like name=value is positional") {
    auto positional = box.dj("get echo -- a=1");
    CHECK(positional.out == "[a=1]\n");
  }
}

TEST_CASE("placeholders are replaced per argv element", "[e2e][get]") {
  Sandbox box;
  box.config(R"([workers.ph]
command = ["printf", "%s|%s|%s\n", "--attr1={attr1}", "{0}", "{label}"]
)");
  auto run = box.dj("get ph 'first word' attr1='x y'");
  REQUIRE(run.code == 0);
  CHECK(run.out == "--attr1=x y|first word|ph\n");
}

TEST_CASE("the getter sees DJ_CACHE_LABEL, DJ_CACHE_KEY, DJ_CACHE_ARGS and env", "[e2e][get]") {
  Sandbox box;
  box.config(R"([workers.env]
command = 'printf "%s\n%s\n%s\n%s\n" "$DJ_CACHE_LABEL" "$DJ_CACHE_KEY" "$DJ_CACHE_ARGS" "$GREETING"'
env = { GREETING = "hi" }
)");
  auto run = box.dj("get env 7 k=v");
  REQUIRE(run.code == 0);
  CHECK(run.out == "env\nenv:7:k=v\n{\"args\":[\"7\"],\"kwargs\":{\"k\":\"v\"}}\nhi\n");
}

TEST_CASE("an entry expires at its timeout", "[e2e][get][expiry]") {
  Sandbox box;
  echo_worker(box, "timeout = \"10m\"\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  box.dj("get echo");
  box.env["DJ_CACHE_TEST_NOW"] = "1000599";
  box.dj("get echo");
  CHECK(count_lines(box.dir() / "ran.log") == 1);
  box.env["DJ_CACHE_TEST_NOW"] = "1000600";
  box.dj("get echo");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
}

TEST_CASE("get --force recomputes a fresh entry", "[e2e][get]") {
  Sandbox box;
  echo_worker(box);
  box.dj("get echo x");
  CHECK(box.dj("get --force echo x").out == "[x]\n");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
}

TEST_CASE("a failing getter: its exit code, its stderr, nothing cached", "[e2e][get][failure]") {
  Sandbox box;
  box.write("mode", "ok");
  box.config(R"TOML([workers.flaky]
command = 'if [ "$(cat mode)" = ok ]; then echo good; else echo bad; echo oops >&2; exit 3; fi'
[workers.cached_failure]
command = 'echo run >> ran.log; echo partial; exit 5'
cache_failures = true
)TOML");
  SECTION("nothing is cached and the next call tries again") {
    box.write("mode", "fail");
    auto run = box.dj("get flaky");
    CHECK(run.code == 3);
    CHECK(run.out == "");
    CHECK(run.err.find("oops") != std::string::npos);
    box.write("mode", "ok");
    CHECK(box.dj("get flaky").out == "good\n");
  }
  SECTION("an existing entry stays untouched") {
    REQUIRE(box.dj("get flaky").out == "good\n");
    box.write("mode", "fail");
    CHECK(box.dj("get --force flaky").code == 3);
    auto hit = box.dj("get flaky");
    CHECK(hit.code == 0);
    CHECK(hit.out == "good\n");
  }
  SECTION("cache_failures caches the output and replays the exit code") {
    auto first = box.dj("get cached_failure");
    CHECK(first.code == 5);
    CHECK(first.out == "partial\n");
    auto second = box.dj("get cached_failure");
    CHECK(second.code == 5);
    CHECK(second.out == "partial\n");
    CHECK(count_lines(box.dir() / "ran.log") == 1);
  }
}

TEST_CASE("a getter killed by a signal gives 128+N", "[e2e][get][failure]") {
  Sandbox box;
  box.config("[workers.killed]\ncommand = 'kill -USR1 $$'\n");
  CHECK(box.dj("get killed").code == 128 + SIGUSR1);
}

TEST_CASE("a hanging getter is killed after getter_timeout: exit 124", "[e2e][get][failure]") {
  Sandbox box;
  box.config(R"([workers.hang]
command = 'trap "" TERM; (sleep 30; echo late > late.txt) & echo $! > child.pid; sleep 30'
getter_timeout = "300ms"
)");
  auto run = box.dj("get hang");
  CHECK(run.code == 124);
  CHECK(run.err.find("timed out") != std::string::npos);
  pid_t child = std::stoi(box.read("child.pid"));
  CHECK(::kill(child, 0) != 0);  // nothing of the getter is left running
  CHECK(box.dj("get hang").code == 124);  // and nothing was cached
}

TEST_CASE("get --entity and cached_entity print the entry as JSON", "[e2e][get]") {
  Sandbox box;
  box.config(R"([workers.text]
command = ["echo", "hi"]
[workers.ent]
command = ["printf", "\\377"]
cached_entity = true
)");
  auto text = box.dj("get --entity text a=1");
  REQUIRE(text.code == 0);
  CHECK(text.out.find("\"value\":\"hi --a=1\\n\"") != std::string::npos);
  CHECK(text.out.find("\"kwargs\":{\"a\":\"1\"}") != std::string::npos);
  CHECK(text.out.find("\"label\":\"text\"") != std::string::npos);
  auto binary = box.dj("get ent");
  CHECK(binary.out.find("\"value_base64\":\"/w==\"") != std::string::npos);
}

TEST_CASE("a changed depends_on file makes a miss", "[e2e][get]") {
  Sandbox box;
  box.write("data/input.txt", "one\n");
  box.config("[workers.dep]\ncommand = 'echo run >> ran.log; cat data/input.txt'\n"
             "depends_on = [\"data/*.txt\"]\n");
  CHECK(box.dj("get dep").out == "one\n");
  CHECK(box.dj("get dep").out == "one\n");
  CHECK(count_lines(box.dir() / "ran.log") == 1);
  box.write("data/input.txt", "two, longer\n");
  CHECK(box.dj("get dep").out == "two, longer\n");
  box.write("data/new.txt", "");
  box.dj("get dep");
  CHECK(count_lines(box.dir() / "ran.log") == 3);
}

TEST_CASE("a reader that goes away is not an error", "[e2e][get]") {
  Sandbox box;
  box.config("[workers.big]\ncommand = 'head -c 1000000 /dev/zero'\n");
  box.dj("get big > /dev/null");
  auto run = box.sh("bash -c 'set -o pipefail; \"$DJ\" get big | head -c1 | wc -c'");
  CHECK(run.code == 0);
  CHECK(run.out == "1\n");
  CHECK(run.err.empty());
}

TEST_CASE("a value larger than the store is printed, not cached, with a warning", "[e2e][lmdb][get][store]") {
  Sandbox box;
  box.config(R"([store]
max_size = "1MiB"
[workers.huge]
command = 'echo run >> ran.log; head -c 3000000 /dev/zero'
)");
  auto run = box.dj("get huge | wc -c");
  CHECK(run.code == 0);
  CHECK(run.out.find("3000000") != std::string::npos);
  CHECK(run.err.find("larger than the store") != std::string::npos);
  box.dj("get huge > /dev/null");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
}
