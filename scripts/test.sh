#!/usr/bin/env bash
# Install what is missing, then run every test and gate:
#  1. the concurrency tests under ThreadSanitizer (clang, with
#     -Wthread-safety -Werror), so a data race or a lock annotation error
#     fails the run;
#  2. everything built under ASan+UBSan (g++), and every CTest entry;
#  3. each libFuzzer target for FUZZ_SECONDS (default 60) on its committed
#     corpus (scripts/fuzz.sh): a crash or oracle failure fails the run;
#  4. line coverage of vfs/ and serialize/ (scripts/coverage.sh), which must
#     stay at or above 90%.
# Last, the figures all of these report are printed together
# (scripts/figures.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f build/fuzz/summary.txt build/coverage/summary.txt  # no stale figures
cmake --preset tsan -DVFS_TEST_ONLY="concurrency_test.cc;stream_blocking_test.cc"
cmake --build --preset tsan --target vfs_tests
./build/tsan/bin/vfs_tests "[concurrency]"
cmake --preset asan
cmake --build --preset asan
ctest --preset asan
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
bash scripts/coverage.sh --min 90
bash scripts/figures.sh build
