#!/usr/bin/env bash
# Stampede cost: N concurrent cold gets of a getter that takes T seconds. Prints
# the wall time of the whole stampede as a ratio to T, how many times the getter
# ran, and the latency from the getter's last byte to each waiter's exit.
#   bench/stampede.sh [BUILD_DIR] [N] [T]
set -euo pipefail
build=$(realpath "${1:-build}")
n=${2:-20}
t=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > dj-cache.toml <<TOML
[workers.slow]
command = 'echo run >> ran.log; sleep $t; printf value; date +%s%N > landed'
TOML
export DJ_CACHE_CONFIG=$work/dj-cache.toml DJ_CACHE_STORE=$work/store
"$build/dj-cache" migrate -q
start=$(date +%s%N)
for i in $(seq "$n"); do ( "$build/dj-cache" get slow > /dev/null; date +%s%N > "done.$i" ) & done
wait
end=$(date +%s%N)
landed=$(cat landed)
wake_max=0; wake_sum=0
for i in $(seq "$n"); do
  d=$(( $(cat "done.$i") - landed )); wake_sum=$(( wake_sum + d ))
  [ "$d" -gt "$wake_max" ] && wake_max=$d
done
awk -v n="$n" -v t="$t" -v wall="$((end - start))" -v runs="$(wc -l < ran.log)" \
    -v mean="$((wake_sum / n))" -v max="$wake_max" 'BEGIN {
  printf "stampede: %d concurrent cold gets, getter of %ss\n", n, t
  printf "  getter runs          %d\n", runs
  printf "  wall time            %.3f s = %.2f x T (N x T would be %d x)\n", wall / 1e9, wall / 1e9 / t, n
  printf "  value landed -> waiter exited: mean %.1f ms, max %.1f ms\n", mean / 1e6, max / 1e6
}'
