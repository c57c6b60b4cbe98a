// End-to-end crash torture: concurrent get, get --force, purge, refresh, import,
// invalidate, notify through the spool and work on one store while a killer sends
// SIGKILL to its dj-cache processes at random moments. Afterwards the store checks
// clean, every key serves exactly its getter's bytes, no key is left locked, and
// no job or spool file is lost. About a minute ($DJ_CACHE_TORTURE_SECONDS of load).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "harness.hpp"

using djc::e2e::Sandbox;

namespace {

// Values of 300 KB, so kills land mid-write; relevance makes gets serve stale
// values and start background refreshes, delay_invalidation queues jobs.
const char* config = R"([events]
spool = "spool"
[workers.big]
command = 'echo "$1" >> ran.log; head -c 300000 /dev/zero | tr "\\0" "$1"'
relevance_invalidation = true
relevance_timeout = "2s"
delay_invalidation = true
delay_countdown = "200ms"
[sources.src]
[[sources.src.invalidates]]
worker = "big"
is_empty = true
)";

// bash: each loop runs commands until the deadline, logging every exit code that
// is neither success nor our SIGKILL (137) to bad.log, and every wrong value.
const char* script = R"BASH(
set -u
keys=(a b c d e f)
end=$((SECONDS + DURATION))
mkdir -p exp imp spool
for k in "${keys[@]}"; do
  head -c 300000 /dev/zero | tr '\0' "$k" > exp/$k
  printf '{"label":"big","args":{"args":["%s"]},"value":"%s"}\n' "$k" "$(cat exp/$k)" > imp/$k.jsonl
done
ok() { [ "$1" -eq 0 ] || [ "$1" -eq 137 ] || echo "exit $1: $2" >> bad.log; echo . >> ops.log; }
pick() { echo "${keys[RANDOM % ${#keys[@]}]}"; }

getter() {
  while [ $SECONDS -lt $end ]; do
    k=$(pick); flag=; [ $((RANDOM % 5)) -eq 0 ] && flag=--force
    "$DJ" get $flag big "$k" > out.$1 2>> err.log; rc=$?
    if [ $rc -eq 0 ]; then cmp -s out.$1 exp/$k || echo "wrong value for $k" >> bad.log; fi
    ok $rc "get $flag $k"
  done
}
other() {  # $1: a command line, run with a short pause
  while [ $SECONDS -lt $end ]; do
    sleep 0.$((RANDOM % 4))
    eval "$1" 2>> err.log; ok $? "$1"
  done
}
invalidator() {  # the start time of each invalidate that succeeded
  while [ $SECONDS -lt $end ]; do
    sleep 0.$((RANDOM % 4))
    t=$(date +%s.%N); "$DJ" invalidate big 2>> err.log; rc=$?
    [ $rc -eq 0 ] && echo "$t" >> invalidated.log; ok $rc invalidate
  done
}
producer() {  # event files into the spool, written aside and renamed in
  n=0
  while [ $SECONDS -lt $end ]; do
    sleep 0.$((RANDOM % 5)); n=$((n + 1))
    echo '{"source":"src","op":"create","data":{}}' > spool/.tmp-$n && mv spool/.tmp-$n spool/ev-$n.json
  done
}
ours() {  # the pids of dj-cache processes on this store
  for p in /proc/[0-9]*; do
    [ "$p/exe" -ef "$DJ" ] || continue
    tr '\0' '\n' < $p/environ 2>/dev/null | grep -qxF "DJ_CACHE_STORE=$DJ_CACHE_STORE" && echo ${p#/proc/}
  done
}
killer() {
  kills=0
  while [ $SECONDS -lt $end ]; do
    sleep 0.0$((RANDOM % 10))
    victims=($(ours)); [ ${#victims[@]} -gt 0 ] || continue
    kill -9 "${victims[RANDOM % ${#victims[@]}]}" 2>/dev/null && kills=$((kills + 1))
  done
  echo $kills > kills.count
}

for i in 1 2 3 4; do getter $i & done
other '"$DJ" purge big' &
other '"$DJ" purge --expired' &
other '"$DJ" refresh big' &
other '"$DJ" refresh --stale' &
other '"$DJ" import < imp/$(pick).jsonl' &
other '"$DJ" work --once' &
invalidator &
producer &
killer &
wait
# Background refreshers and job runners the commands started finish on their own.
for i in $(seq 300); do [ -z "$(ours)" ] && break; sleep 0.1; done
[ -z "$(ours)" ] || echo "dj-cache processes still running" >> bad.log
echo "ops=$(wc -l < ops.log) kills=$(cat kills.count) getter_runs=$(wc -l < ran.log)"
)BASH";

}  // namespace

TEST_CASE("SIGKILL at random moments loses nothing", "[e2e][lmdb][torture]") {
  Sandbox box;
  box.config(config);
  box.write("torture.sh", script);
  const char* seconds = std::getenv("DJ_CACHE_TORTURE_SECONDS");
  box.env["DURATION"] = seconds && *seconds ? seconds : "40";
  auto run = box.sh("bash torture.sh");
  WARN("torture: " << run.out);
  CHECK(run.code == 0);
  CHECK(box.read("bad.log") == "");
  CHECK(std::stoi(box.read("kills.count")) > 0);

  // Jobs left queued by killed runners, spool files left claimed: one worker drains all.
  auto work = box.dj("work");
  CHECK(work.code == 0);
  auto check = box.dj("check");
  INFO(check.err);
  CHECK(check.code == 0);
  CHECK(box.sh("mdb_stat -s jobs store | grep -q 'Entries: 0'").code == 0);
  CHECK(box.sh("find spool -type f").out == "");  // none left new, claimed or failed

  // Every key serves its getter's exact bytes, at once: none is left locked.
  for (std::string key : {"a", "b", "c", "d", "e", "f"}) {
    auto get = box.dj("get --no-wait big " + key);
    CHECK(get.code == 0);
    CHECK(get.out == box.read("exp/" + key));
  }
  // No queued job was lost: every entry was computed after the last invalidation
  // that succeeded (its job, or a later write, replaced the entry).
  auto stale = box.sh(R"(last=$(sort -n invalidated.log | tail -n 1)
"$DJ" list --json | tr '{' '\n' | sed -n 's/.*"created_at":\([0-9.e+]*\),.*/\1/p' |
  awk -v last="$last" '$1 + 0 < last + 0 { print "entry created at " $1 " before " last }')");
  CHECK(stale.out == "");
}
