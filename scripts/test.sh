#!/usr/bin/env bash
# Install what is missing, build everything under ASan+UBSan, run every test.
# Before that, the concurrency tests run under ThreadSanitizer (clang, with
# -Wthread-safety -Werror), so a data race or a lock annotation error fails
# the run too. After the ASan+UBSan ctest run, the figures the tests report
# (scripts/figures.sh) are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset tsan -DVFS_TEST_ONLY="concurrency_test.cc;stream_blocking_test.cc"
cmake --build --preset tsan --target vfs_tests
./build/tsan/bin/vfs_tests "[concurrency]"
cmake --preset asan
cmake --build --preset asan
ctest --preset asan
bash scripts/figures.sh build
