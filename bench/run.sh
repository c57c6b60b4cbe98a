#!/usr/bin/env bash
# Prints the performance figures of issue 8 as a table, each measured side by side
# in one process tree and reported as a ratio (or a rate), never as a bare pass/fail.
#   bench/run.sh [ENTRIES]          (default 1000000)
# Builds the default Release binary (static) in build-bench/ and the dynamic one
# (-DDJ_CACHE_STATIC=OFF) in build-bench-dyn/, without tests, then measures.
# Needs: cc, liblmdb-dev, valgrind, GNU time (all installed by ./setup.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
entries=${1:-1000000}
for variant in "build-bench ON" "build-bench-dyn OFF"; do
  set -- $variant
  cmake -S "$root" -B "$root/$1" -DCMAKE_BUILD_TYPE=Release -DDJ_CACHE_TESTS=OFF \
    -DDJ_CACHE_STATIC="$2" > /dev/null
  cmake --build "$root/$1" -j "$(nproc)" --target dj-cache > /dev/null
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# Measured as installed (install(1) copies the file, as cmake --install does),
# which is what users run: the linker's own output file, same bytes, execs about
# 15% slower here, its pages cached as the linker wrote them (docs/PERFORMANCE.md).
install -D -m 0755 "$root/build-bench/dj-cache" "$work/static/dj-cache"
install -D -m 0755 "$root/build-bench-dyn/dj-cache" "$work/dynamic/dj-cache"
dj=$work/static/dj-cache
dj_dynamic=$work/dynamic/dj-cache
cc -O2 -o floor "$here/../../shared/bench/floor.c" -llmdb
cc -O2 -o interleave "$here/../../shared/bench/interleave.c"
ratio() { ./interleave -r "${3:-300}" base "$1" test "$2" | awk '$1 == "test" {print $5}'; }
row() { printf '%-44s %s\n' "$1" "$2"; }

# Small store and one-worker config.
mkdir -p floordb && ./floor put floordb k hello
printf '[workers.k]\ncommand = ["echo", "hello"]\ntimeout = "1d"\n' > one.toml
# The config cache of this run's configs lives here. A config changed within the
# current clock tick is parsed, not cached (docs/PERFORMANCE.md, "The config
# cache"): warm CONFIG N calls get until the cache holds N files.
export XDG_CACHE_HOME=$work/cache
warm() {
  local i
  for i in $(seq 500); do
    "$dj" -c "$1" -s small get k > /dev/null
    [ "$(ls "$XDG_CACHE_HOME"/dj-cache/config-cache/*.bin 2> /dev/null | wc -l)" -ge "$2" ] && return 0
  done
  echo "bench: the config cache of $1 was never written" >&2
  return 1
}
warm one.toml 1
row "figure" "value"
row "hit vs floor.c (ratio of medians)" "$(ratio "./floor get floordb k" "$dj -c one.toml -s small get k")x"
row "hit vs floor.c, dynamic build" "$(ratio "./floor get floordb k" "$dj_dynamic -c one.toml -s small get k")x"
row "hit instructions (callgrind)" "$(valgrind --tool=callgrind --callgrind-out-file=cg.out "$dj" -c one.toml -s small get k 2>&1 >/dev/null | awk '/refs/ {print $4}')"
row "floor.c instructions (callgrind)" "$(valgrind --tool=callgrind --callgrind-out-file=cg.out ./floor get floordb k 2>&1 >/dev/null | awk '/refs/ {print $4}')"
row "hit peak RSS (KiB)" "$(/usr/bin/time -f %M "$dj" -c one.toml -s small get k 2>&1 >/dev/null)"

# A 2,000-worker config.
{ cat one.toml; for i in $(seq 2000); do printf '[workers.w%d]\ncommand = ["echo", "%d"]\n' "$i" "$i"; done; } > big.toml
warm big.toml 2
row "hit, 2000-worker config vs 1-worker" "$(ratio "$dj -c one.toml -s small get k" "$dj -c big.toml -s small get k")x"
row "hit instructions, 2000-worker config" "$(valgrind --tool=callgrind --callgrind-out-file=cg.out "$dj" -c big.toml -s small get k 2>&1 >/dev/null | awk '/refs/ {print $4}')"

# Miss overhead: get --force of a trivial getter vs the getter alone.
# interleave prints each command's median (column 2); the target is a difference.
./interleave -r 300 base "/bin/echo hello" test "$dj -c one.toml -s small get --force k" > force.txt
row "get --force vs the getter alone" "$(awk '$1 == "test" {print $5}' force.txt)x"
row "get --force minus the getter alone (ms)" "$(awk '$1 == "base" {b = $2} $1 == "test" {t = $2} END {printf "%.2f", t - b}' force.txt)"

# Import rate and a large store.
awk -v n="$entries" 'BEGIN { for (i = 0; i < n; i++)
  printf "{\"label\":\"k\",\"args\":{\"args\":[],\"kwargs\":{\"id\":\"%d\",\"group\":\"%d\"}},\"value\":\"v%d\"}\n", i, i % 1000, i }' > entries.jsonl
# One import moves by a third with the disk's and the machine's load: the
# median of three, each into a fresh store, with the range beside it.
rates=()
for run in 1 2 3; do
  rm -rf large
  start=$(date +%s%N)
  "$dj" -q -c one.toml -s large import < entries.jsonl
  elapsed=$(( $(date +%s%N) - start ))
  rates+=("$(awk -v n="$entries" -v ns="$elapsed" 'BEGIN {printf "%.0f", n / (ns / 1e9)}')")
done
row "import rate (entries/s, $entries entries)" "$(printf '%s\n' "${rates[@]}" | sort -n |
  awk '{r[NR] = $1} END {printf "%s (median of 3; %s-%s)", r[2], r[1], r[3]}')"
"$dj" -c one.toml -s large get k > /dev/null
row "hit, $entries-entry store vs empty-ish" "$(ratio "$dj -c one.toml -s small get k" "$dj -c one.toml -s large get k")x"
start=$(date +%s%N)
"$dj" -q -c one.toml -s large invalidate k --old group=7 --drop
row "invalidate --drop of $((entries / 1000)) among $entries (ms)" "$(( ($(date +%s%N) - start) / 1000000 ))"

# A 64 MiB value to a pipe vs cat of a 64 MiB file.
head -c 67108864 /dev/urandom > big.bin
printf '[workers.big]\ncommand = ["cat", "%s"]\n' "$work/big.bin" > bigval.toml
"$dj" -c bigval.toml -s bigval get big > /dev/null
printf '#!/bin/sh\ncat big.bin | cat > /dev/null\n' > cat-pipe.sh
printf '#!/bin/sh\n"%s" -c bigval.toml -s bigval get big | cat > /dev/null\n' "$dj" > hit-pipe.sh
chmod +x cat-pipe.sh hit-pipe.sh
row "64 MiB hit to a pipe vs cat of the file" "$(ratio ./cat-pipe.sh ./hit-pipe.sh 40)x"

# A 1 GiB getter output stored on a miss: peak RSS as a multiple of the value
# (1.0 = one copy in memory; the getter's output goes to an unlinked file in
# $TMPDIR and the store copies it from there).
gib=1073741824
printf '[store]\nmax_size = "4GiB"\n[workers.gib]\ncommand = ["head", "-c", "%d", "/dev/zero"]\n' "$gib" > gib.toml
rss=$(TMPDIR=$work /usr/bin/time -f %M "$dj" -c gib.toml -s gibstore get gib 2>&1 >/dev/null | tail -1)
row "1 GiB miss: peak RSS / value size" "$(awk -v kib="$rss" -v n="$gib" 'BEGIN {printf "%.2f", kib * 1024 / n}')"
rm -rf gibstore

# warm: 1,000 lines of a trivial getter (batched commits) against running that
# getter 1,000 times (xargs), which is the floor of what warm can do.
printf '[workers.w]\ncommand = ["echo"]\ntimeout = "1d"\n' > warm.toml
seq 1 1000 | sed 's/^/id=/' > warm.lines
printf '#!/bin/sh\nrm -rf warmstore; "%s" -q -c warm.toml -s warmstore warm w < warm.lines\n' "$dj" > warm.sh
printf '#!/bin/sh\nxargs -n1 /bin/echo < warm.lines > /dev/null\n' > xargs.sh
chmod +x warm.sh xargs.sh
./interleave -r 5 base ./xargs.sh test ./warm.sh > warm.txt
row "warm of 1000 lines vs the getter run 1000 times" "$(awk '$1 == "test" {print $5}' warm.txt)x"
row "warm rate (lines/s)" "$(awk '$1 == "test" {printf "%.0f", 1000 / ($2 / 1000)}' warm.txt)"
