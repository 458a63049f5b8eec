#!/usr/bin/env bash
# Prints the figures the tests report (docs/threat-model.md, tests/RESULTS.md)
# from a finished ctest run's log, so a reader of the CI log sees them
# without opening per-test output: lines the tests print that start with a
# family name (F1, F2, ...), and every Catch2 WARN message (the figures of
# the rights, snapshot and readdir suites).
# usage: figures.sh [BUILD_DIR]   (default: build)
set -euo pipefail
log="${1:-build}/Testing/Temporary/LastTest.log"
if [ ! -f "$log" ]; then
  echo "figures: no ctest log at $log" >&2
  exit 1
fi
echo "==== Figures (from $log) ===="
awk '
  /^F[0-9]+[ :]/ && !/ figure: / { if (!seen[$0]++) print; next }
  /: warning:$/  { warn = 1; next }
  warn && /^  /  { line = substr($0, 3); if (!seen[line]++) print line; next }
  { warn = 0 }
' "$log"
