#!/usr/bin/env bash
# Line coverage of vfs/ and serialize/ by the test binary, with clang's
# source-based coverage (llvm-profdata-14, llvm-cov-14 from Debian's
# llvm-14). Builds the `coverage` preset (no sanitizers), runs every test
# case of vfs_tests once in one process, and prints llvm-cov's per-file
# report for vfs/ and serialize/ and the TOTAL line. The summary is kept in
# tests/coverage.txt when --write is given (committed; tests/RESULTS.md
# quotes it).
# usage: coverage.sh [--write]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset coverage >/dev/null
cmake --build --preset coverage --target vfs_tests
dir=build/coverage
rm -f "$dir"/*.profraw
# %m: one raw profile per binary signature; the guest and CLI tests run
# other binaries and are not part of this figure.
LLVM_PROFILE_FILE="$dir/vfs_tests-%m.profraw" "$dir/bin/vfs_tests" >/dev/null
llvm-profdata-14 merge -sparse -o "$dir/vfs_tests.profdata" "$dir"/*.profraw
report=$(llvm-cov-14 report "$dir/bin/vfs_tests" -instr-profile="$dir/vfs_tests.profdata" \
           "$PWD/vfs" "$PWD/serialize" | sed "s|$PWD/||")
echo "$report"
total=$(echo "$report" | awk '/^TOTAL/ {print $(NF-3)}')
echo "coverage: vfs/ and serialize/ line coverage ${total} (llvm-cov, vfs_tests)"
if [ "${1:-}" = "--write" ]; then
  { echo "# llvm-cov report of vfs/ and serialize/ by vfs_tests (scripts/coverage.sh)"; echo "$report"; } \
    > tests/coverage.txt
fi
