#!/usr/bin/env bash
# W1 (bench/workloads.md) as a wasm32-wasi guest: bench/guest/w1.c run under
# `vfs run` (wabt interpreter, in-memory filesystem) and, when `node` is on
# PATH, under Node's built-in node:wasi (V8, tmpfs under /dev/shm). Builds
# nothing; prints per-phase medians (min..max) over N runs of each, and the
# ratio vfs/node of the medians.
#
#   bash bench/guest/run_w1.sh VFS W1_WASM [N [DIRS FILES]]
#
#   VFS      the vfs binary, e.g. build/release/bin/vfs
#   W1_WASM  e.g. build/release/bench/w1.wasm
#   N        runs per engine (default 3)
#   DIRS FILES  scale for `vfs run` only (default 100 100, the full W1);
#            node always runs the full W1.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 VFS W1_WASM [N [DIRS FILES]]" >&2
  exit 2
fi
vfs=$1
wasm=$2
n=${3:-3}
vfs_scale=()
if [[ $# -ge 5 ]]; then vfs_scale=("$4" "$5"); fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ -x $vfs ]] || { echo "not executable: $vfs" >&2; exit 2; }
[[ -f $wasm ]] || { echo "no such module: $wasm" >&2; exit 2; }

work=$(mktemp -d /dev/shm/vfs-w1.XXXXXX)
trap 'rm -rf "$work"' EXIT
results=$work/results   # lines: ENGINE KEY VALUE
: >"$results"

now() { date +%s.%N; }

# run_one ENGINE CMD...: runs CMD, checks it, appends its w1.* lines and wall time.
run_one() {
  local engine=$1; shift
  local out=$work/out t0 t1
  t0=$(now)
  if ! "$@" >"$out" 2>"$work/err"; then
    echo "$engine run failed (exit $?):" >&2
    cat "$out" "$work/err" >&2
    exit 1
  fi
  t1=$(now)
  grep -v '^w1\.scale' "$out" | grep '^w1\.' | sed "s/^/$engine /" >>"$results"
  echo "$engine w1.wall_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" >>"$results"
  echo "$engine $(grep '^w1\.scale' "$out" | cut -d' ' -f2)" >"$work/scale.$engine"
  grep -v 'ExperimentalWarning\|trace-warnings' "$work/err" >&2 || true
}

engines=(vfs)
for ((i = 1; i <= n; i++)); do
  mkdir "$work/empty"
  echo "vfs run $i/$n ..." >&2
  run_one vfs "$vfs" run --dir "$work/empty::/bench" "$wasm" /bench "${vfs_scale[@]}"
  rmdir "$work/empty"
done
if command -v node >/dev/null; then
  engines+=(node)
  for ((i = 1; i <= n; i++)); do
    echo "node:wasi run $i/$n ..." >&2
    W1_PARENT=$work run_one node node "$here/run_w1_node.mjs" "$wasm" /bench
  done
else
  echo "node not found: skipping node:wasi" >&2
fi

# stats ENGINE KEY -> "median min max"
stats() {
  awk -v e="$1" -v k="$2" '$1 == e && $2 == k { print $3 }' "$results" | sort -g |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "- - -"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m, v[1], v[NR] }'
}

echo
echo "W1 guest (wasi-libc), medians of $n runs (min..max)"
for e in "${engines[@]}"; do echo "  $e scale: $(cut -d' ' -f2 "$work/scale.$e")"; done
printf '%-15s %-28s %-28s %s\n' key "vfs run" "node:wasi" "vfs/node"
for key in w1.create_ops w1.read_ops w1.stat_ops w1.readdir_ops w1.unlink_ops \
           w1.total_s w1.setup_s w1.end_s w1.wall_s; do
  fmt='%.0f (%.0f..%.0f)'
  [[ $key == *_s ]] && fmt='%.3f (%.3f..%.3f)'
  read -r vm vlo vhi < <(stats vfs "$key")
  line=$(printf '%-15s %-28s' "$key" "$(printf "$fmt" "$vm" "$vlo" "$vhi")")
  if [[ " ${engines[*]} " == *" node "* ]]; then
    read -r nm nlo nhi < <(stats node "$key")
    line+=$(printf ' %-28s %.3f' "$(printf "$fmt" "$nm" "$nlo" "$nhi")" \
                   "$(awk -v a="$vm" -v b="$nm" 'BEGIN { print a / b }')")
  fi
  echo "$line"
done
echo "(*_ops: ops/s, higher is better; *_s: seconds. total_s = the five timed phases;"
echo " setup_s = untimed guest setup; end_s = guest main() to exit; wall_s = the whole"
echo " process as seen by this script. vfs/node < 1 on ops, > 1 on seconds: vfs is slower.)"
if [[ ${#vfs_scale[@]} -gt 0 ]]; then
  echo "note: vfs ran at a reduced scale; the *_s rows are not comparable, the *_ops rows are."
fi
