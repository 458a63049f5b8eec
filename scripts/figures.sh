#!/usr/bin/env bash
# Prints the figures the tests report (docs/threat-model.md, tests/RESULTS.md)
# from a finished ctest run's log, so a reader of the CI log sees them
# without opening per-test output: lines the tests print that start with a
# family name (F1, F2, ...), and every Catch2 WARN message (the figures of
# the rights, snapshot and readdir suites; not the notes of golden rewrites
# that the matcher tests provoke); then the fuzzing and coverage
# figures that scripts/fuzz.sh and scripts/coverage.sh left in
# BUILD_DIR/fuzz/summary.txt and BUILD_DIR/coverage/summary.txt.
# usage: figures.sh [BUILD_DIR]   (default: build)
set -euo pipefail
build="${1:-build}"
log="$build/Testing/Temporary/LastTest.log"
if [ ! -f "$log" ]; then
  echo "figures: no ctest log at $log" >&2
  exit 1
fi
echo "==== Figures (from $log) ===="
awk '
  /^F[0-9]+[ :]/ && !/ figure: / { if (!seen[$0]++) print; next }
  /: warning:$/  { warn = 1; next }
  warn == 1 && /^  VFS_UPDATE_GOLDEN:/ { warn = 2; next }
  warn == 2 && /^  / { next }
  warn && /^  /  { warn = 3; line = substr($0, 3); if (!seen[line]++) print line; next }
  { warn = 0 }
' "$log"
for f in "$build/fuzz/summary.txt" "$build/coverage/summary.txt"; do
  if [ -f "$f" ]; then cat "$f"; fi
done
