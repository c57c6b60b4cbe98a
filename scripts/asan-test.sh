#!/usr/bin/env bash
# Builds dj-cache and its tests with AddressSanitizer + UBSan (build-asan/, Debug)
# and runs the whole suite there. Any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build-asan -DDJ_CACHE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug > /dev/null
cmake --build build-asan -j "$jobs"
# detect_leaks: a leak fails the process that leaked; abort_on_error keeps the exit
# code distinct (134) from dj-cache's own.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
ctest --test-dir build-asan --output-on-failure -j "$jobs" "$@"
