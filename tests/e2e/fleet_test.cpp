// End-to-end on Redis across hosts: each "host" is a directory with its own
// config, store path, HOME and environment; hosts share nothing but the Redis URL
// and prefix. Processes synchronise on fifos and on the server's own view of who
// blocks and who holds a lease (Sandbox::lock_probe), not on sleeps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {

// Writes host NAME (a directory of the sandbox) with `workers` and the shared
// Redis [store]; `on NAME CMD...` runs dj-cache as that host in the script.
void add_host(Sandbox& box, const std::string& name, const std::string& workers) {
  box.write(name + "/dj-cache.toml", workers + "\n[store]\n" + box.redis_store_lines());
  box.sh("mkdir -p " + name + "/home");
}

const std::string on_host = R"SH(
on() { host=$1; shift
       env DJ_CACHE_CONFIG="$PWD/$host/dj-cache.toml" DJ_CACHE_STORE="$PWD/$host/store" \
           HOME="$PWD/$host/home" HOST_DIR="$PWD/$host" "$DJ" "$@"; }
# The same as the whole background job, so that $! is dj-cache itself.
on_exec() { host=$1; shift
       exec env DJ_CACHE_CONFIG="$PWD/$host/dj-cache.toml" DJ_CACHE_STORE="$PWD/$host/store" \
           HOME="$PWD/$host/home" HOST_DIR="$PWD/$host" "$DJ" "$@"; }
)SH";

}  // namespace

TEST_CASE("fleet: a value computed on host A is a hit on host B", "[e2e][redis][fleet]") {
  Sandbox box;
  for (const char* host : {"a", "b"}) {
    add_host(box, host, "[workers.w]\ncommand = 'echo run >> \"$HOST_DIR/ran.log\"; echo \"v $1\"'\n");
  }
  auto run = box.sh(on_host + "on a get w x; on b get w x; on b get w y");
  REQUIRE(run.code == 0);
  CHECK(run.out == "v x\nv x\nv y\n");
  CHECK(count_lines(box.dir() / "a/ran.log") == 1);
  CHECK(count_lines(box.dir() / "b/ran.log") == 1);  // y only
}

TEST_CASE("fleet: 20 concurrent cold gets over 3 hosts run the getter once", "[e2e][redis][fleet]") {
  Sandbox box;
  box.sh("mkfifo gate");
  for (const char* host : {"a", "b", "c"}) {
    add_host(box, host, "[workers.slow]\ncommand = 'echo run >> \"$HOST_DIR/ran.log\"; cat \"$HOST_DIR/../gate\"'\n");
  }
  auto run = box.sh(on_host + box.lock_probe() + R"SH(
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  case $((i % 3)) in 0) h=a;; 1) h=b;; *) h=c;; esac
  on $h get slow > out.$i 2> err.$i &
done
waiters 19              # one host computes, nineteen processes block on its lease
echo value > gate
wait
cat out.* | sort | uniq -c | awk '{print $1, $2}'
cat a/ran.log b/ran.log c/ran.log 2>/dev/null | wc -l
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "20 value\n1\n");
}

TEST_CASE("fleet: invalidate on host B recomputes what host A cached", "[e2e][redis][fleet]") {
  Sandbox box;
  for (const char* host : {"a", "b"}) {
    add_host(box, host,
             "[workers.w]\ncommand = 'echo run >> \"$HOST_DIR/ran.log\"; "
             "echo \"$(cat \"$HOST_DIR/../data\") $1\"'\n");
  }
  box.write("data", "old");
  auto run = box.sh(on_host + R"SH(
on a get w id=1; on a get w id=2
echo new > data
on b -q invalidate w --old id=1
on a get w id=1; on a get w id=2
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out == "old --id=1\nold --id=2\nnew --id=1\nold --id=2\n");
  CHECK(count_lines(box.dir() / "a/ran.log") == 2);
  CHECK(count_lines(box.dir() / "b/ran.log") == 1);  // B recomputed it
}

TEST_CASE("fleet: a holder killed with SIGKILL lets a waiter on another host take over",
          "[e2e][redis][fleet]") {
  Sandbox box;
  box.sh("mkfifo gate");
  for (const char* host : {"a", "b"}) {
    add_host(box, host,
             "[workers.slow]\ncommand = 'if [ -e \"$HOST_DIR/../first\" ]; then echo second; "
             "else touch \"$HOST_DIR/../first\"; cat \"$HOST_DIR/../gate\"; fi'\n");
  }
  box.write("on.sh", on_host);
  auto run = box.sh(on_host + box.lock_probe() + R"SH(
on_exec a get slow > holder.out &
holder=$!
holders 1
start=$(date +%s%N)
timeout 20 sh -c '. ./on.sh; on b get slow' > waiter.out &
waiter=$!
waiters 1
kill -9 $holder
wait $waiter; echo "waiter=$?"
cat waiter.out
echo $(( ($(date +%s%N) - start) / 1000000 < 5000 ))   # within the 1 s lease, with slack
echo unblock > gate    # the killed holder's orphaned getter
wait
)SH");
  CHECK(run.out == "waiter=0\nsecond\n1\n");
}

TEST_CASE("fleet: Redis down: get runs the getter with one warning, other commands exit 74",
          "[e2e][redis][fleet][faults]") {
  Sandbox box;
  // A server of this test's own, to stop mid-run.
  std::string socket = (box.dir() / "own.sock").string();
  REQUIRE(box.sh("redis-server --port 0 --unixsocket own.sock --save '' --appendonly no "
                 "--pidfile own.pid --logfile own.log --daemonize yes && "
                 "until [ \"$(redis-cli -s own.sock ping 2>/dev/null)\" = PONG ]; do sleep 0.05; done")
              .code == 0);
  box.sh("mkfifo gate");
  box.write("dj-cache.toml",
            "[workers.w]\ncommand = 'echo run >> ran.log; echo \"v $1\"'\n"
            "[workers.slow]\ncommand = 'touch started; cat gate'\n"
            "[store]\nbackend = \"redis\"\nurl = \"unix://" + socket + "\"\nconnect_timeout = \"200ms\"\n");
  box.env["DJ_CACHE_REDIS_PASSWORD"] = "s3cret-pw";
  // requirepass, so the password is sent and must never be printed.
  REQUIRE(box.sh("redis-cli -s own.sock config set requirepass s3cret-pw").code == 0);
  CHECK(box.dj("get w x").out == "v x\n");
  CHECK(box.dj("get w x").out == "v x\n");
  CHECK(count_lines(box.dir() / "ran.log") == 1);

  // Stopped while a getter runs: the value is printed, nothing half-written.
  auto mid = box.sh(R"SH(
"$DJ" get slow > slow.out 2> slow.err &
getter=$!
while [ ! -e started ]; do sleep 0.01; done
redis-cli -s own.sock -a s3cret-pw --no-auth-warning shutdown nosave > /dev/null 2>&1
echo late > gate
wait $getter; echo "code=$?"
cat slow.out
)SH");
  CHECK(mid.out == "code=0\nlate\n");
  CHECK(count_lines(box.dir() / "slow.err") == 1);

  auto get = box.dj("get w x");
  CHECK(get.code == 0);
  CHECK(get.out == "v x\n");
  CHECK(count_lines(box.dir() / "ran.log") == 2);
  CHECK(std::count(get.err.begin(), get.err.end(), '\n') == 1);
  CHECK(get.err.find("unix://" + socket) != std::string::npos);
  for (const char* command : {"list", "stats", "purge", "invalidate w --old x=1", "check"}) {
    INFO(command);
    auto run = box.dj(command);
    CHECK(run.code == 74);
    CHECK(run.err.find("redis store unix://" + socket) != std::string::npos);
    CHECK(run.err.find("s3cret") == std::string::npos);
  }
  auto with_url = box.dj("--store 'redis://user:pw-in-url@127.0.0.1:1/0' list");
  CHECK(with_url.code == 74);
  CHECK(with_url.err.find("redis://user@127.0.0.1:1/0") != std::string::npos);
  CHECK(with_url.err.find("pw-in-url") == std::string::npos);
}

TEST_CASE("fleet: export from LMDB, import into Redis, migrate records the schema",
          "[e2e][redis][fleet][export]") {
  Sandbox box;
  const std::string workers = "[workers.w]\ncommand = 'echo run >> \"$HOST_DIR/ran.log\"; printf \"v %s\\\\377\" \"$1\"'\n";
  box.write("lmdb/dj-cache.toml", workers);
  add_host(box, "redis", workers);
  auto run = box.sh(on_host + R"SH(
on redis migrate --check; echo "check=$?"
on redis migrate 2>&1
on lmdb get w x > /dev/null; on lmdb get w y > /dev/null
on lmdb export > dump.jsonl
on redis -q import < dump.jsonl
on redis get w x | od -An -c | tr -s ' '
on redis get w y > /dev/null
on redis check 2>&1
)SH");
  REQUIRE(run.code == 0);
  CHECK(run.out.find("check=1\n") != std::string::npos);
  INFO(run.out);
  CHECK(run.out.find("created (schema 1)") != std::string::npos);
  CHECK(run.out.find(" v x 377\n") != std::string::npos);
  CHECK(run.out.find("checked 2 entries: 0 problem(s)") != std::string::npos);
  CHECK(count_lines(box.dir() / "lmdb/ran.log") == 2);
  CHECK(count_lines(box.dir() / "redis/ran.log") == 0);
}
