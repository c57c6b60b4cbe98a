// End-to-end: `dj-cache run`, ad-hoc caching of any command (bkt's use), and the
// per-call overrides and stale-while-error it shares with `get`. Synchronised by
// fifos, /proc/locks and DJ_CACHE_TEST_NOW, never by sleeps.
#include <catch2/catch.hpp>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {

// A sandbox with no config at all: run needs none.
struct RunBox : Sandbox {
  RunBox() { env["DJ_CACHE_CONFIG"] = ""; }
};

// bin/cmd: logs each run in ran.log, prints its args and $FOO, what the file
// `mode` says decides how it ends ("fail": stderr and exit 3).
void counting_command(Sandbox& box) {
  box.write("bin/cmd", R"SH(#!/bin/sh
echo run >> "$(dirname "$0")/../ran.log"
printf 'out %s\n' "$*"
if [ "$(cat "$(dirname "$0")/../mode" 2>/dev/null)" = fail ]; then echo "it broke" >&2; exit 3; fi
echo "a warning" >&2
)SH",
            0755);
}

int ran(const Sandbox& box) { return count_lines(box.dir() / "ran.log"); }

// How many ad-hoc entries `list @run --json` shows.
int adhoc_entries(const Sandbox& box) {
  std::string out = box.dj("list @run --json").out;
  int n = 0;
  for (std::size_t at = out.find("\"label\":\"@run\""); at != std::string::npos;
       at = out.find("\"label\":\"@run\"", at + 1)) {
    ++n;
  }
  return n;
}

// As in concurrency_test.cpp: block until the store's lock file has N waiters / holders.
const std::string lock_probe = R"SH(
lock_rows() { ino=$(stat -c %i store/locks 2>/dev/null) || { echo 0; return; }
              grep -c -E "$1 *OFDLCK .*:$ino " /proc/locks || true; }
waiters() { n=0; while [ "$(lock_rows '->')" -lt "$1" ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
holders() { n=0; while [ "$(lock_rows '[0-9]+:')" -lt "$1" ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
)SH";

}  // namespace

TEST_CASE("run: a miss runs the command, a hit replays stdout, stderr and exit code", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  auto first = box.dj("run -- ./bin/cmd a 'b c'");
  REQUIRE(first.code == 0);
  CHECK(first.out == "out a b c\n");
  CHECK(first.err == "a warning\n");
  auto second = box.dj("run -- ./bin/cmd a 'b c'");
  CHECK(second.code == 0);
  CHECK(second.out == first.out);
  CHECK(second.err == "a warning\n");
  CHECK(ran(box) == 1);
  // Other args, other entry.
  CHECK(box.dj("run -- ./bin/cmd a b c").out == "out a b c\n");
  CHECK(ran(box) == 2);
  // Without "--" too, as long as the command does not start with '-'.
  CHECK(box.dj("run ./bin/cmd a b c").out == "out a b c\n");
  CHECK(ran(box) == 2);
}

TEST_CASE("run: binary stdout is replayed byte for byte", "[e2e][run]") {
  RunBox box;
  auto first = box.dj("run -- printf '\\000\\001\\377x\\n\\000'");
  REQUIRE(first.code == 0);
  CHECK(first.out == std::string("\0\1\377x\n\0", 6));
  CHECK(box.dj("run -- printf '\\000\\001\\377x\\n\\000'").out == first.out);
}

TEST_CASE("run: a failing command is not cached by default; --cache-failures replays it", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  box.write("mode", "fail\n");
  for (int i = 1; i <= 2; ++i) {
    auto run = box.dj("run -- ./bin/cmd x");
    CHECK(run.code == 3);
    CHECK(run.out == "out x\n");
    CHECK(run.err.find("it broke\n") != std::string::npos);
    CHECK(ran(box) == i);
  }
  CHECK(adhoc_entries(box) == 0);

  auto stored = box.dj("run --cache-failures -- ./bin/cmd x");
  CHECK(stored.code == 3);
  auto replayed = box.dj("run --cache-failures -- ./bin/cmd x");
  CHECK(replayed.code == 3);
  CHECK(replayed.out == "out x\n");
  CHECK(replayed.err == "it broke\n");
  CHECK(ran(box) == 3);
}

TEST_CASE("run: --cwd keys on the working directory, a flag not a directory", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  box.sh("mkdir one two");
  CHECK(box.sh("cd one && \"$DJ\" run --cwd -- ../bin/cmd").out == "out \n");
  CHECK(box.sh("cd two && \"$DJ\" run --cwd -- ../bin/cmd").out == "out \n");
  CHECK(box.sh("cd one && \"$DJ\" run --cwd -- ../bin/cmd").code == 0);
  CHECK(ran(box) == 2);
  CHECK(adhoc_entries(box) == 2);
  // Without --cwd both directories share one entry.
  box.sh("cd one && \"$DJ\" run -- ../bin/cmd; cd ../two && \"$DJ\" run -- ../bin/cmd");
  CHECK(ran(box) == 3);
}

TEST_CASE("run: --env keys on the variable's value", "[e2e][run]") {
  RunBox box;
  CHECK(box.sh("FOO=1 \"$DJ\" run --env FOO -- sh -c 'echo $FOO; echo run >> ran.log'").out == "1\n");
  CHECK(box.sh("FOO=2 \"$DJ\" run --env FOO -- sh -c 'echo $FOO; echo run >> ran.log'").out == "2\n");
  CHECK(box.sh("FOO=1 \"$DJ\" run --env FOO -- sh -c 'echo $FOO; echo run >> ran.log'").out == "1\n");
  // Unset is not the same as empty.
  CHECK(box.sh("unset FOO; \"$DJ\" run --env FOO -- sh -c 'echo \"[$FOO]\"; echo run >> ran.log'").out == "[]\n");
  CHECK(box.sh("FOO= \"$DJ\" run --env FOO -- sh -c 'echo \"[$FOO]\"; echo run >> ran.log'").out == "[]\n");
  CHECK(ran(box) == 4);
  // Without --env the variable is not part of the key.
  CHECK(box.sh("FOO=3 \"$DJ\" run -- sh -c 'echo $FOO; echo run >> ran.log'").out == "3\n");
  CHECK(box.sh("FOO=4 \"$DJ\" run -- sh -c 'echo $FOO; echo run >> ran.log'").out == "3\n");
}

TEST_CASE("run: --stdin keys on the input and feeds it to the command", "[e2e][run]") {
  RunBox box;
  const std::string cmd = "run --stdin -- sh -c 'echo run >> ran.log; tr a-z A-Z'";
  CHECK(box.dj(cmd, "hello\n").out == "HELLO\n");
  CHECK(box.dj(cmd, "world\n").out == "WORLD\n");
  CHECK(box.dj(cmd, "hello\n").out == "HELLO\n");
  CHECK(ran(box) == 2);
  CHECK(adhoc_entries(box) == 2);
  // Without --stdin the command's stdin is /dev/null.
  CHECK(box.dj("run -- wc -c", "ignored").out == "0\n");
}

TEST_CASE("run: --scope and $DJ_CACHE_SCOPE keep callers apart", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  box.dj("run --scope a -- ./bin/cmd");
  box.dj("run --scope b -- ./bin/cmd");
  box.sh("DJ_CACHE_SCOPE=a \"$DJ\" run -- ./bin/cmd");
  CHECK(ran(box) == 2);
  box.dj("run -- ./bin/cmd");
  CHECK(ran(box) == 3);
}

TEST_CASE("run: --ttl, else $DJ_CACHE_TTL, else one minute", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  box.dj("run -- ./bin/cmd");
  box.env["DJ_CACHE_TEST_NOW"] = "1000059";
  box.dj("run -- ./bin/cmd");
  CHECK(ran(box) == 1);
  box.env["DJ_CACHE_TEST_NOW"] = "1000060";
  box.dj("run -- ./bin/cmd");
  CHECK(ran(box) == 2);

  box.env["DJ_CACHE_TTL"] = "10m";
  box.dj("run -- ./bin/cmd t");
  box.env["DJ_CACHE_TEST_NOW"] = "1000659";
  box.dj("run -- ./bin/cmd t");
  CHECK(ran(box) == 3);
  box.dj("run --ttl 5s -- ./bin/cmd u");
  box.env["DJ_CACHE_TEST_NOW"] = "1000664";
  box.dj("run --ttl 5s -- ./bin/cmd u");
  CHECK(ran(box) == 5);

  box.env["DJ_CACHE_TTL"] = "soon";
  auto bad = box.dj("run -- ./bin/cmd");
  CHECK(bad.code == 64);
  CHECK(bad.err.find("$DJ_CACHE_TTL: 'soon' is not a duration") != std::string::npos);
}

TEST_CASE("run: --modtime makes a change of the file a miss", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  box.write("data.txt", "one\n");
  box.dj("run --modtime data.txt -- ./bin/cmd");
  box.dj("run --modtime data.txt -- ./bin/cmd");
  CHECK(ran(box) == 1);
  box.write("data.txt", "one two\n");
  box.dj("run --modtime data.txt -- ./bin/cmd");
  CHECK(ran(box) == 2);
  box.dj("run --modtime data.txt -- ./bin/cmd");
  CHECK(ran(box) == 2);
}

TEST_CASE("run: on a miss the output streams while the command still runs", "[e2e][run]") {
  RunBox box;
  // The command prints a line, then cannot end before we answer through `gate`:
  // reading its first line first proves it reached us while it was running.
  box.write("bin/slow", "#!/bin/sh\necho first\ncat gate > /dev/null\necho second\n", 0755);
  auto run = box.sh(R"SH(
mkfifo gate out
"$DJ" run -- ./bin/slow > out &
exec 3< out
read line <&3; echo "got $line"
echo go > gate
read line <&3; echo "got $line"
wait
"$DJ" run -- ./bin/slow
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "got first\ngot second\nfirst\nsecond\n");
}

TEST_CASE("run: a reader that goes away stops the command, which is not cached", "[e2e][run]") {
  RunBox box;
  // `yes` never ends by itself: the test returning at all is the point.
  auto run = box.sh("\"$DJ\" run -- yes | head -n 1; \"$DJ\" list @run --json");
  CHECK(run.out.starts_with("y\n"));
  CHECK(run.out.find("[]") != std::string::npos);
}

TEST_CASE("run: 20 concurrent cold runs run the command once", "[e2e][run][concurrency]") {
  RunBox box;
  auto run = box.sh(lock_probe + R"SH(
mkfifo gate
i=0; while [ $i -lt 20 ]; do i=$((i+1)); "$DJ" run -- sh -c 'echo run >> ran.log; cat gate' > out.$i & done
waiters 19              # one runs it, nineteen block on its lock
echo value > gate
wait
cat out.* | sort | uniq -c | awk '{print $1, $2}'
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "20 value\n");
  CHECK(ran(box) == 1);
}

TEST_CASE("run: --no-wait exits 75 while another process runs the command", "[e2e][run][concurrency]") {
  RunBox box;
  auto run = box.sh(lock_probe + R"SH(
mkfifo gate
"$DJ" run -- sh -c 'cat gate' > /dev/null &
holders 1
"$DJ" run --no-wait -- sh -c 'cat gate'; echo "code=$?"
echo v > gate
wait
"$DJ" run --no-wait -- sh -c 'cat gate'
)SH");
  CHECK(run.out == "code=75\nv\n");
}

TEST_CASE("run: --warm stores and prints nothing, --force runs again and prints", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  auto warm = box.dj("run --warm -- ./bin/cmd w");
  CHECK(warm.code == 0);
  CHECK(warm.out.empty());
  CHECK(warm.err.empty());
  CHECK(box.dj("run -- ./bin/cmd w").out == "out w\n");
  CHECK(ran(box) == 1);
  auto forced = box.dj("run --force -- ./bin/cmd w");
  CHECK(forced.out == "out w\n");
  CHECK(forced.err == "a warning\n");
  CHECK(ran(box) == 2);
  CHECK(box.dj("run --warm --force -- ./bin/cmd w").code == 64);
}

TEST_CASE("run: --stale serves the old result and refreshes once in the background", "[e2e][run][concurrency]") {
  RunBox box;
  box.sh("mkfifo gate");
  const std::string cmd = "run --ttl 1h --stale 10s -- sh -c "
                          "'n=$(cat ran.log 2>/dev/null | wc -l); echo run >> ran.log; "
                          "if [ $n -gt 0 ]; then cat gate > /dev/null; fi; echo v$n'";
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  REQUIRE(box.dj(cmd).out == "v0\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000005";
  CHECK(box.dj(cmd).out == "v0\n");
  CHECK(ran(box) == 1);
  box.env["DJ_CACHE_TEST_NOW"] = "1000020";  // past --stale: served, refreshed behind
  auto run = box.sh(lock_probe + R"SH(
echo "first=$("$DJ" )SH" + cmd + R"SH()"
holders 1                              # the background refresh runs
for i in 1 2 3 4 5; do "$DJ" )SH" + cmd + R"SH( > out.$i & done
wait
cat out.* | sort | uniq -c | awk '{print $1, $2}'
echo fresh > gate
n=0; until [ "$("$DJ" )SH" + cmd + R"SH()" = v1 ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done
echo done
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "first=v0\n5 v0\ndone\n");
  CHECK(ran(box) == 2);
}

TEST_CASE("run: --stale with --stdin refreshes with the same input", "[e2e][run]") {
  RunBox box;
  const std::string cmd = "run --stale 10s --stdin -- sh -c 'echo run >> ran.log; cat'";
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  REQUIRE(box.dj(cmd, "in\n").out == "in\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000020";
  CHECK(box.dj(cmd, "in\n").out == "in\n");
  // Wait for the detached refresh to have stored its result (not stale any more).
  auto run = box.sh("n=0; until \"$DJ\" list @run --json | grep -q '\"stale\":false'; do "
                    "n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; cat ran.log | wc -l");
  CHECK(run.out == "2\n");
}

TEST_CASE("run: --stale-on-error serves the old result only inside its window", "[e2e][run]") {
  RunBox box;
  counting_command(box);
  const std::string cmd = "run --ttl 10s --stale-on-error 30s -- ./bin/cmd";
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  REQUIRE(box.dj(cmd).code == 0);
  box.write("mode", "fail\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000015";  // expired 5s ago, inside the window
  auto served = box.dj(cmd);
  CHECK(served.code == 0);
  CHECK(served.out == "out \n");
  CHECK(served.err.find("failed; serving the entry that expired 5s ago") != std::string::npos);
  CHECK(served.err.find("it broke") == std::string::npos);  // captured, not streamed
  CHECK(ran(box) == 2);
  // The failure did not refresh the entry: the next call tries again.
  box.env["DJ_CACHE_TEST_NOW"] = "1000020";
  CHECK(box.dj(cmd).code == 0);
  CHECK(ran(box) == 3);
  box.env["DJ_CACHE_TEST_NOW"] = "1000040";  // expired 30s ago: outside
  auto failed = box.dj(cmd);
  CHECK(failed.code == 3);
  CHECK(failed.out == "out \n");
  CHECK(failed.err.find("it broke") != std::string::npos);
  CHECK(box.dj("stats --json").out.find("\"served_on_error\":2") != std::string::npos);
}

TEST_CASE("run: argv never passes through a shell", "[e2e][run]") {
  RunBox box;
  auto run = box.dj("run -- printf '[%s]\\n' '$(touch pwned)' '`touch pwned`' '{0}' 'a=b'");
  REQUIRE(run.code == 0);
  CHECK(run.out == "[$(touch pwned)]\n[`touch pwned`]\n[{0}]\n[a=b]\n");
  CHECK_FALSE(std::filesystem::exists(box.dir() / "pwned"));
}

TEST_CASE("run: ad-hoc entries show as @run in list and stats, purge and export them", "[e2e][run]") {
  RunBox box;
  box.config("[workers.w]\ncommand = ['echo', 'worker']\n");
  counting_command(box);
  box.dj("get w");
  box.dj("run --scope s -- ./bin/cmd x");
  box.dj("run -- ./bin/cmd x");
  auto list = box.dj("list");
  CHECK(list.out.find("@run") != std::string::npos);
  CHECK(list.out.find("./bin/cmd x") != std::string::npos);
  auto stats = box.dj("stats --json");
  CHECK(stats.out.find("\"@run\":{") != std::string::npos);
  CHECK(stats.out.find("\"w\":{") != std::string::npos);

  auto exported = box.dj("export @run");
  CHECK(exported.out.find("\"stderr\":\"a warning\\n\"") != std::string::npos);
  CHECK(box.dj("purge @run").code == 0);
  CHECK(adhoc_entries(box) == 0);
  CHECK(box.dj("list w --json").out.find("\"label\":\"w\"") != std::string::npos);
  // Imported back, they are hits with their stderr.
  REQUIRE(box.dj("import", exported.out).code == 0);
  auto hit = box.dj("run -- ./bin/cmd x");
  CHECK(hit.out == "out x\n");
  CHECK(hit.err == "a warning\n");
  CHECK(ran(box) == 2);
}

TEST_CASE("run: bad usage exits 64 with one line", "[e2e][run]") {
  RunBox box;
  struct Case {
    const char* args;
    const char* message;
  } cases[] = {
      {"run", "run: missing COMMAND"},
      {"run --", "run: missing COMMAND"},
      {"run --tll 5m -- true", "--tll"},
      {"run --ttl forever -- true", "--ttl: 'forever' is not a duration"},
      {"run --ttl 0 -- true", "--ttl: must be more than 0"},
      {"run --stale x -- true", "--stale: 'x' is not a duration"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    auto run = box.dj(c.args);
    CHECK(run.code == 64);
    CHECK(run.err.find(c.message) != std::string::npos);
  }
  CHECK(box.dj("run -- ./no-such-command").code == 127);
}

TEST_CASE("run --help shows the options and an example", "[e2e][run]") {
  RunBox box;
  auto help = box.dj("run --help");
  CHECK(help.code == 0);
  for (const char* option : {"--ttl", "--stale", "--stale-on-error", "--cwd", "--env", "--modtime",
                             "--stdin", "--scope", "--cache-failures", "--warm", "--force",
                             "--no-wait", "Example:"}) {
    CHECK(help.out.find(option) != std::string::npos);
  }
  CHECK(help.out.find("--background") == std::string::npos);
}

TEST_CASE("get: a per-call --timeout is stored, so list --json shows the real expiry", "[e2e][get][overrides]") {
  Sandbox box;
  box.config("[workers.w]\ncommand = ['echo', 'x']\ntimeout = '1h'\n"
             "relevance_invalidation = true\nrelevance_timeout = 60\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  REQUIRE(box.dj("get --timeout 30 --relevance-timeout 7 w").code == 0);
  auto list = box.dj("list --json");
  CHECK(list.out.find("\"available_to\":1000030.0") != std::string::npos);
  CHECK(list.out.find("\"relevance_to\":1000007.0") != std::string::npos);
  box.env["DJ_CACHE_TEST_NOW"] = "1000030";
  REQUIRE(box.dj("warm --timeout 2m w", "a\n").code == 0);
  CHECK(box.dj("list --json").out.find("\"available_to\":1000150.0") != std::string::npos);
}

TEST_CASE("serve_stale_on_error: a worker's failing getter serves the recent entry", "[e2e][get]") {
  Sandbox box;
  box.config("[workers.w]\ncommand = 'if [ -e broken ]; then exit 5; fi; echo ok'\n"
             "timeout = 10\nserve_stale_on_error = '1m'\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  REQUIRE(box.dj("get w").out == "ok\n");
  box.write("broken", "");
  box.env["DJ_CACHE_TEST_NOW"] = "1000050";
  auto served = box.dj("get w");
  CHECK(served.code == 0);
  CHECK(served.out == "ok\n");
  CHECK(served.err.find("serving the entry that expired 40s ago") != std::string::npos);
  box.env["DJ_CACHE_TEST_NOW"] = "1000070";
  CHECK(box.dj("get w").code == 5);
}
