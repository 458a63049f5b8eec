#!/usr/bin/env bash
# Line coverage of vfs/ and serialize/ by the test binary, with clang's
# source-based coverage (llvm-profdata-14, llvm-cov-14 from Debian's
# llvm-14). Builds the `coverage` preset (no sanitizers), runs every test
# case of vfs_tests once in one process, and prints llvm-cov's per-file
# report for vfs/ and serialize/ and the TOTAL line. The figure line is also
# kept in build/coverage/summary.txt (scripts/figures.sh prints it); the
# whole report goes to tests/coverage.txt when --write is given (committed;
# tests/RESULTS.md quotes it). --min P fails the run when line coverage is
# below P percent.
# usage: coverage.sh [--write] [--min P]
set -euo pipefail
cd "$(dirname "$0")/.."
write=0
min=""
while [ $# -gt 0 ]; do
  case "$1" in
    --write) write=1 ;;
    --min) min="$2"; shift ;;
    *) echo "usage: coverage.sh [--write] [--min P]" >&2; exit 2 ;;
  esac
  shift
done
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
echo "coverage: vfs/ and serialize/ line coverage ${total} (llvm-cov, vfs_tests)" |
  tee "$dir/summary.txt"
if [ "$write" = 1 ]; then
  { echo "# llvm-cov report of vfs/ and serialize/ by vfs_tests (scripts/coverage.sh)"; echo "$report"; } \
    > tests/coverage.txt
fi
if [ -n "$min" ] && ! awk -v t="${total%\%}" -v m="$min" 'BEGIN { exit !(t + 0 >= m + 0) }'; then
  echo "coverage: ${total} is below the required ${min}%" >&2
  exit 1
fi
