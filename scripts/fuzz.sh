#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang-14, ASan and UBSan
# into build/fuzz, and fuzzes each for SECONDS_PER_TARGET (default 60) on a
# copy of its committed corpus (tests/fuzz/corpus/<name>/, plus
# tests/fuzz/regressions/<name>/). Prints one line per target:
#   fuzz <name>: N execs in S s, 0 crashes
# (also kept in build/fuzz/summary.txt, which scripts/figures.sh prints),
# and exits non-zero if any target finds a crash, leak, OOM or timeout,
# printing the path of the saved input. TARGETS="a b" limits the run.
set -euo pipefail

SECONDS_PER_TARGET="${1:-60}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build/fuzz}"
TARGETS="${TARGETS:-wasi_ops snapshot_restore path_resolver guest_abi}"
JOBS="${JOBS:-2}"

CXX=""
for c in clang++-14 clang++; do
  if command -v "$c" >/dev/null; then CXX="$c"; break; fi
done
if [[ -z "$CXX" ]]; then
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang)" >&2
  exit 2
fi
# libFuzzer ships in compiler-rt; check it links before configuring.
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
printf '#include <cstdint>\n#include <cstddef>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' \
  >"$probe/p.cc"
if ! "$CXX" -fsanitize=fuzzer "$probe/p.cc" -o "$probe/p" 2>"$probe/err"; then
  echo "fuzz.sh: $CXX cannot link -fsanitize=fuzzer (Debian: apt-get install libclang-rt-14-dev)" >&2
  cat "$probe/err" >&2
  exit 2
fi

# tests/fuzz/CMakeLists.txt works as its own top-level project, building the
# library with coverage instrumentation.
cmake -S "$ROOT/tests/fuzz" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX" >"$BUILD.configure.log" 2>&1 ||
  { cat "$BUILD.configure.log" >&2; exit 2; }
build_targets=()
for t in $TARGETS; do build_targets+=("${t}_fuzz"); done
cmake --build "$BUILD" -j"$JOBS" --target "${build_targets[@]}"

status=0
summary="$BUILD/summary.txt"
: >"$summary"
for t in $TARGETS; do
  work="$BUILD/run/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  # A copy: the fuzzer adds what it finds, and the committed corpus stays small.
  for d in "$ROOT/tests/fuzz/corpus/$t" "$ROOT/tests/fuzz/regressions/$t"; do
    [[ -d "$d" ]] || continue
    find "$d" -maxdepth 1 -type f ! -name '*.txt' ! -name 'README*' -exec cp {} "$work/corpus/" \;
  done
  extra=()
  # F7: cereal-style resize-before-read shows up as a malloc over the limit.
  [[ "$t" == snapshot_restore ]] && extra+=(-malloc_limit_mb=256)
  log="$work/fuzz.log"
  start=$(date +%s)
  set +e
  "$BUILD/bin/${t}_fuzz" "$work/corpus" -max_total_time="$SECONDS_PER_TARGET" \
    -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
    -artifact_prefix="$work/artifacts/" "${extra[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  secs=$(( $(date +%s) - start ))
  crashes=$(find "$work/artifacts" -type f | wc -l)
  echo "fuzz $t: ${execs:-?} execs in $secs s, $crashes crashes" | tee -a "$summary"
  if [[ $rc -ne 0 || $crashes -ne 0 ]]; then
    status=1
    echo "  exit status $rc; log: $log" >&2
    grep -E "ERROR: |fuzz oracle failed|SUMMARY" "$log" | head -5 >&2 || true
    find "$work/artifacts" -type f -printf '  crash input: %p\n' >&2
  fi
done
exit $status
