// End-to-end: single-flight, crash-safe locks, --no-wait, stale-while-revalidate,
// refresh --stale — with real processes, synchronised by fifos and /proc/locks
// (the kernel's own view of who holds and who waits), not by sleeps.
#include <catch2/catch.hpp>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {


// A worker whose getter logs each run, then blocks until something is written to
// the fifo `gate`, and prints what it read.
void gated_worker(Sandbox& box, const std::string& extra = "") {
  box.sh("mkfifo gate gate2");
  box.config("[workers.slow]\ncommand = 'echo run >> ran.log; cat gate'\n"
             "[workers.other]\ncommand = 'echo run >> other.log; cat gate2'\n" + extra);
}

}  // namespace

TEST_CASE("many concurrent cold gets run the getter once and all print its value", "[e2e][concurrency]") {
  Sandbox box;
  gated_worker(box);
  auto run = box.sh(box.lock_probe() + R"SH(
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do "$DJ" get slow > out.$i 2> err.$i & done
waiters 11              # one computes, eleven block on its lock
echo value > gate       # the getter finishes
wait
cat out.* | sort | uniq -c | awk '{print $1, $2}'
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "12 value\n");
  CHECK(count_lines(box.dir() / "ran.log") == 1);
}

TEST_CASE("two cold keys compute in parallel", "[e2e][concurrency]") {
  Sandbox box;
  gated_worker(box);
  auto run = box.sh(box.lock_probe() + R"SH(
"$DJ" get slow > slow.out &
holders 1                         # slow's getter is running, holding its key
echo other-value > gate2 &
timeout 20 "$DJ" get other        # must not wait for slow
echo slow-value > gate
wait
cat slow.out
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "other-value\nslow-value\n");
}

TEST_CASE("get --no-wait exits 75 while another process computes the key", "[e2e][concurrency]") {
  Sandbox box;
  gated_worker(box);
  auto run = box.sh(box.lock_probe() + R"SH(
"$DJ" get slow > slow.out &
holders 1
"$DJ" get --no-wait slow; echo "code=$?"
echo v > gate
wait
"$DJ" get --no-wait slow
)SH");
  CHECK(run.out == "code=75\nv\n");
  CHECK(run.err.find("another process") != std::string::npos);
}

TEST_CASE("a holder killed with SIGKILL lets a waiter take over at once", "[e2e][concurrency]") {
  Sandbox box;
  box.sh("mkfifo gate");
  box.config("[workers.slow]\ncommand = 'if [ -e first ]; then echo second; else touch first; cat gate; fi'\n");
  auto run = box.sh(box.lock_probe() + R"SH(
"$DJ" get slow > holder.out &
holder=$!
holders 1
timeout 20 "$DJ" get slow > waiter.out &
waiter=$!
waiters 1
kill -9 $holder
wait $waiter; echo "waiter=$?"
cat waiter.out
echo unblock > gate    # the killed holder's orphaned getter
wait
)SH");
  CHECK(run.out == "waiter=0\nsecond\n");
}

TEST_CASE("a waiter whose wait runs out computes the value itself", "[e2e][concurrency]") {
  Sandbox box;
  box.sh("mkfifo gate");
  box.config("[workers.slow]\ncommand = 'if [ -e first ]; then echo mine; else touch first; cat gate; fi'\n"
             "wait = \"200ms\"\n");
  auto run = box.sh(box.lock_probe() + R"SH(
"$DJ" get slow > holder.out &
holders 1
timeout 20 "$DJ" get slow; echo "code=$?"
echo late > gate
wait
)SH");
  CHECK(run.out == "mine\ncode=0\n");
}

TEST_CASE("stale-while-revalidate: many stale reads, one background refresh", "[e2e][concurrency][relevance]") {
  Sandbox box;
  box.sh("mkfifo gate");
  box.config(R"TOML([workers.rel]
command = 'n=$(cat ran.log 2>/dev/null | wc -l); echo run >> ran.log; if [ "$n" -gt 0 ]; then cat gate >/dev/null; fi; echo "v$n"'
relevance_invalidation = true
relevance_timeout = 10
delay_invalidation = true
)TOML");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  REQUIRE(box.dj("get rel").out == "v0\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000020";  // past relevance_to: stale
  auto run = box.sh(box.lock_probe() + R"SH(
v=$("$DJ" get rel)                     # returns at once with the stale value...
echo "first=$v"
holders 1                              # ...while one refresh runs in the background
for i in 1 2 3 4 5 6 7 8; do "$DJ" get rel > out.$i & done
wait
cat out.* | sort | uniq -c | awk '{print $1, $2}'
echo fresh > gate
n=0; until [ "$("$DJ" get rel)" = v1 ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done
echo done
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "first=v0\n8 v0\ndone\n");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
  auto list = box.dj("list --json");
  CHECK(list.out.find("\"stale\":false") != std::string::npos);
}

TEST_CASE("relevance without delay_invalidation recomputes synchronously", "[e2e][relevance]") {
  Sandbox box;
  box.config("[workers.rel]\ncommand = 'echo run >> ran.log; wc -l < ran.log'\n"
             "relevance_invalidation = true\nrelevance_timeout = 10\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  CHECK(box.dj("get rel").out == "1\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000009";
  CHECK(box.dj("get rel").out == "1\n");
  box.env["DJ_CACHE_TEST_NOW"] = "1000010";
  CHECK(box.dj("get rel").out == "2\n");
}

TEST_CASE("refresh --stale recomputes only the entries past their relevance time", "[e2e][relevance]") {
  Sandbox box;
  box.config(R"TOML([workers.rel]
command = 'echo "$1" >> ran.log; echo "$1"'
relevance_invalidation = true
relevance_timeout = 10
timeout = "1h"
)TOML");
  box.env["DJ_CACHE_TEST_NOW"] = "1000000";
  box.dj("get rel a");
  box.env["DJ_CACHE_TEST_NOW"] = "1000005";
  box.dj("get rel b");
  box.env["DJ_CACHE_TEST_NOW"] = "1000012";  // a is stale, b is not
  auto run = box.dj("refresh --stale");
  CHECK(run.code == 0);
  CHECK(run.err.find("1 recomputed") != std::string::npos);
  CHECK(box.read("ran.log") == "a\nb\na\n");
  box.dj("refresh rel");
  CHECK(count_lines(box.dir() / "ran.log") == 5);
  CHECK(box.dj("refresh nosuch").code == 69);
}

TEST_CASE("a queued job survives a runner killed mid-job and runs again", "[e2e][concurrency][queue]") {
  Sandbox box;
  box.sh("mkfifo gate");
  // The first job run records its runner and blocks; later runs finish at once.
  box.config(R"TOML([workers.q]
command = '''
n=$(cat ran.log 2>/dev/null | wc -l); echo run >> ran.log
if [ "$n" = 1 ]; then echo $PPID > runner.pid; cat gate > /dev/null; fi
echo "v$n"
'''
delay_invalidation = true
delay_countdown = "100ms"
)TOML");
  REQUIRE(box.dj("get q").out == "v0\n");
  auto run = box.sh(box.lock_probe() + R"SH(
"$DJ" -q invalidate q                  # queues the job, starts a detached runner
holders 2                              # the runner holds its own lock and q's key lock
while [ ! -s runner.pid ]; do sleep 0.01; done
kill -9 "$(cat runner.pid)"
released                               # the kernel drops a dead process's locks as it exits
"$DJ" get q                            # the old value until the recomputation lands
"$DJ" work --once                      # the job is still queued: it runs again
"$DJ" get q
"$DJ" work --once 2>&1 | grep -o '0 jobs ran'
echo unblock > gate                    # the killed runner's orphaned getter
)SH");
  CHECK(run.out == "v0\nv2\n0 jobs ran\n");
  CHECK(count_lines(box.dir() / "ran.log") == 3);
}

TEST_CASE("warm holds a batched key's lock until it is stored: a get waits, no second run",
          "[e2e][concurrency][warm]") {
  Sandbox box;
  box.sh("mkfifo gate");
  box.config("[workers.w]\ncommand = 'echo \"$1\" >> ran.log; if [ \"$1\" = b ]; then cat gate; fi;"
             " echo \"v-$1\"'\n");
  auto run = box.sh(box.lock_probe() + R"SH(
printf 'a\nb\n' > lines
"$DJ" warm w < lines &
holders 2               # a waits in warm's batch, b's getter runs
"$DJ" get w a > a.out &
waiters 1               # the get of a blocks on a's lock instead of computing a
echo go > gate
wait
cat a.out
grep -c '^a$' ran.log
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "v-a\n1\n");
}

TEST_CASE("warm stores what it computed before waiting for more input", "[e2e][concurrency][warm]") {
  Sandbox box;
  box.sh("mkfifo gate");
  box.config("[workers.w]\ncommand = 'echo \"$1\" >> ran.log; cat gate; echo \"v-$1\"'\n");
  auto run = box.sh(box.lock_probe() + R"SH(
mkfifo in
"$DJ" warm w < in &
exec 3> in
echo a >&3
holders 1                                 # warm computes a
echo > gate                               # a is done; stdin has nothing more for now
timeout 20 "$DJ" get w a; echo "get=$?"   # a was stored (else: waits, 124)
exec 3>&-
wait
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "\nv-a\nget=0\n");
  CHECK(count_lines(box.dir() / "ran.log") == 1);
}
