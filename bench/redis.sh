#!/usr/bin/env bash
# The Redis backend measured (docs/PERFORMANCE.md, "Redis"): starts its own
# redis-server on a free loopback port, then
#  1. hit latency of a whole `dj-cache get` on Redis, side by side (interleaved
#     rounds) with `redis-cli GET` of the same stored record, an LMDB hit and the
#     LMDB floor (/work/shared/bench or bench/: interleave.c, floor.c);
#  2. a stampede: N cold gets of a T-second getter over 3 simulated hosts;
#  3. invalidation of 1,000 of 100,000 entries (--drop, then recomputing).
#   bench/redis.sh [BUILD_DIR] [ROUNDS] [N] [T]   ($REDIS_BENCH_SECTIONS=13: only 1 and 3)
set -euo pipefail
build=$(realpath "${1:-build}")
rounds=${2:-300}
n=${3:-20}
t=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
tools=""
for dir in "$here" /work/shared/bench; do
  [ -f "$dir/interleave.c" ] && [ -f "$dir/floor.c" ] && { tools=$dir; break; }
done
[ -n "$tools" ] || { echo "redis.sh: interleave.c and floor.c not found" >&2; exit 1; }
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
cc -O2 -o interleave "$tools/interleave.c"
cc -O2 -o floor "$tools/floor.c" -llmdb

# A free loopback port: try random ones until a server answers on one.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  port=$((20000 + RANDOM % 20000))
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --maxmemory 1gb --maxmemory-policy volatile-lru --logfile "$work/redis.log" &
  server=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break 2
    kill -0 "$server" 2>/dev/null || break
    sleep 0.02
  done
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""
done
[ -n "$server" ] || { echo "redis.sh: could not start redis-server" >&2; exit 1; }
url="redis://127.0.0.1:$port/0"
dj=$build/dj-cache

write_config() {  # DIR PREFIX|lmdb WORKERS
  mkdir -p "$1"
  { printf '%s\n' "$3"
    [ "$2" = lmdb ] || printf '[store]\nbackend = "redis"\nurl = "%s"\nprefix = "%s"\n' "$url" "$2"
  } > "$1/dj-cache.toml"
  chmod 600 "$1/dj-cache.toml"
}
value_worker='[workers.v]
command = ["printf", "%s", "a value of some forty bytes, for the hits"]
timeout = "1d"'

sections=${REDIS_BENCH_SECTIONS:-123}
if [[ $sections == *1* ]]; then
echo "== 1. hit latency ($rounds interleaved rounds)"
write_config lmdb lmdb "$value_worker"
write_config redis bench: "$value_worker"
"$dj" -c lmdb/dj-cache.toml -s lmdb/store get v > /dev/null
"$dj" -c redis/dj-cache.toml get v > /dev/null
mkdir -p floordb && ./floor put floordb k "a value of some forty bytes, for the hits"
./interleave -r "$rounds" \
  floor "./floor get floordb k" \
  lmdb-hit "$dj -c lmdb/dj-cache.toml -s lmdb/store get v" \
  redis-hit "$dj -c redis/dj-cache.toml get v" \
  redis-cli-GET "redis-cli -p $port GET bench:{v}:e"

fi
if [[ $sections == *2* ]]; then
echo "== 2. stampede: $n cold gets of a ${t}s getter over 3 hosts"
mkdir -p hosts
for h in a b c; do
  write_config "hosts/$h" stampede: "[workers.slow]
command = 'echo run >> $work/hosts/ran.log; sleep $t; printf value'"
done
start=$(date +%s%N)
gets=()
for i in $(seq "$n"); do
  h=$(echo "a b c" | cut -d' ' -f$(( i % 3 + 1 )))
  HOME=$work/hosts/$h "$dj" -c "hosts/$h/dj-cache.toml" get slow > "hosts/out.$i" &
  gets+=($!)
done
wait "${gets[@]}"   # not the server
end=$(date +%s%N)
awk -v n="$n" -v t="$t" -v wall="$((end - start))" -v runs="$(wc -l < hosts/ran.log)" \
    -v same="$(for f in hosts/out.*; do cat "$f"; echo; done | sort -u | wc -l)" 'BEGIN {
  printf "wall %.2fs for T=%ss (ratio %.2f), getter runs: %d, distinct outputs: %d\n",
         wall / 1e9, t, wall / 1e9 / t, runs, same }'

fi
if [[ $sections == *3* ]]; then
echo "== 3. invalidation of 1,000 of 100,000 entries"
write_config inval inval: '[workers.w]
command = ["printf", "%s", "recomputed"]
timeout = "1d"'
awk 'BEGIN { for (i = 0; i < 100000; ++i)
  printf "{\"label\":\"w\",\"args\":{\"args\":[],\"kwargs\":{\"g\":\"g%d\",\"id\":\"%d\"}},\"value\":\"v%d\",\"available_to\":4000000000}\n", i % 100, i, i }' > entries.jsonl
s=$(date +%s%N); "$dj" -q -c inval/dj-cache.toml import < entries.jsonl; e=$(date +%s%N)
echo "import of 100,000 entries: $(( (e - s) / 1000000 )) ms"
echo "redis used_memory: $(redis-cli -p "$port" info memory | grep '^used_memory_human' | tr -d '\r')"
s=$(date +%s%N); "$dj" -c inval/dj-cache.toml invalidate w --old g=g7 --drop; e=$(date +%s%N)
echo "invalidate --drop of 1,000 (g=g7): $(( (e - s) / 1000000 )) ms"
s=$(date +%s%N); "$dj" -c inval/dj-cache.toml invalidate w --old g=g8; e=$(date +%s%N)
echo "invalidate (recompute) of 1,000 (g=g8): $(( (e - s) / 1000000 )) ms"
fi
