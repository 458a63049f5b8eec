#!/usr/bin/env bash
# Runs the real `vfs` binary: usage errors, --dir handling, --env, exit
# statuses, --changes, the --dir modes (the default copy-on-write and `copy`
# never write the host tree; `write-through` changes existing host files'
# bytes and nothing else), snapshots (--save, --image) and `vfs info`; that
# arguments after MODULE reach the guest untouched (tests/guest/args_env.c
# prints its argv). The tree subcommands are in trees_test.sh.
# usage: cli_test.sh VFS_BINARY DEMO_GUEST_WASM SOURCE_DIR [ARGS_ENV_WASM]
set -u
vfs="$1"; guest="$2"; src="$3"; args_guest="${4:-}"
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$vfs" --help >"$tmp/o" 2>&1; check "--help prints usage" 0 $? "usage: vfs \[OPTIONS\] SUBCOMMAND" "$tmp/o"
for sub in run info pack unpack ls tree cat diff; do
  check "--help lists $sub" 0 0 "^  $sub  " "$tmp/o"
done
"$vfs" run --help >"$tmp/o" 2>&1; check "run --help prints usage" 0 $? "--dir HOST_DIR" "$tmp/o"
check "run --help documents --dir-mode" 0 0 "--dir-mode MODE" "$tmp/o"
"$vfs" >"$tmp/o" 2>&1; check "no subcommand is a usage error" 2 $? "usage" "$tmp/o"
"$vfs" run >"$tmp/o" 2>&1; check "run without a module" 2 $? "no module given" "$tmp/o"
"$vfs" run --bogus x.wasm >"$tmp/o" 2>&1; check "unknown option" 2 $? "unknown option --bogus" "$tmp/o"
"$vfs" run --env NOEQUALS x.wasm >"$tmp/o" 2>&1; check "--env without =" 2 $? "NAME=VALUE" "$tmp/o"
"$vfs" run --dir >"$tmp/o" 2>&1; check "--dir without a value" 2 $? "--dir: 1 required HOST_DIR" "$tmp/o"
"$vfs" run --budget 0 x.wasm >"$tmp/o" 2>&1; check "--budget 0" 2 $? "positive number" "$tmp/o"
"$vfs" run --budget=lots x.wasm >"$tmp/o" 2>&1; check "--budget=lots" 2 $? "needs a positive number, got 'lots'" "$tmp/o"
"$vfs" run --dir=::/ x.wasm >"$tmp/o" 2>&1; check "--dir with an empty host dir" 2 $? "needs HOST_DIR" "$tmp/o"
# A repeatable option takes one value per use: MODULE is not taken for a
# second --env value.
"$vfs" run --env A=1 --env B=2 "$tmp/missing.wasm" >"$tmp/o" 2>&1
check "--env twice, then MODULE" 1 $? "missing.wasm: cannot open" "$tmp/o"
"$vfs" run "$tmp/missing.wasm" --bogus --dir >"$tmp/o" 2>&1
check "options after MODULE are the guest's, not ours" 1 $? "missing.wasm: cannot open" "$tmp/o"
"$vfs" bogus >"$tmp/o" 2>&1; check "an unknown subcommand" 2 $? "unknown subcommand 'bogus'" "$tmp/o"
"$vfs" run --dir-mode=bogus --dir "$tmp::/" x.wasm >"$tmp/o" 2>&1
check "a bad --dir-mode is a usage error" 2 $? "--dir-mode: needs copy, cow or write-through, got 'bogus'" "$tmp/o"
"$vfs" run --dir-mode COW x.wasm >"$tmp/o" 2>&1; check "--dir-mode values are exact" 2 $? "got 'COW'" "$tmp/o"
"$vfs" run --dir-mode >"$tmp/o" 2>&1; check "--dir-mode without a value" 2 $? "--dir-mode: 1 required MODE missing" "$tmp/o"
"$vfs" run "$tmp/missing.wasm" >"$tmp/o" 2>&1; check "missing module" 1 $? "cannot open" "$tmp/o"
printf 'not wasm' >"$tmp/bad.wasm"
"$vfs" run "$tmp/bad.wasm" >"$tmp/o" 2>&1; check "invalid module" 1 $? "not a valid wasm module" "$tmp/o"
"$vfs" run --dir "$tmp/nope::/" "$guest" >"$tmp/o" 2>&1; check "--dir that does not exist" 1 $? "not a directory" "$tmp/o"
"$vfs" run --dir "$tmp::../up" "$guest" >"$tmp/o" 2>&1; check "--dir guest path with .." 1 $? "may not contain" "$tmp/o"
"$vfs" info >"$tmp/o" 2>&1; check "info without a snapshot" 2 $? "SNAPSHOT is required" "$tmp/o"
"$vfs" info "$tmp/none.snap" >"$tmp/o" 2>&1; check "info on a missing file" 1 $? "cannot open" "$tmp/o"
printf 'not a snapshot at all, no' >"$tmp/junk.snap"
"$vfs" info "$tmp/junk.snap" >"$tmp/o" 2>&1; check "info on a non-snapshot" 1 $? "bad magic" "$tmp/o"
"$vfs" run --image "$tmp/none.snap" x.wasm >"$tmp/o" 2>&1; check "--image that does not exist" 1 $? "cannot open" "$tmp/o"

if [ -f "$guest" ]; then
  cp -r "$src/demo/fixture" "$tmp/fx"
  before=$(cd "$tmp/fx" && find . -type f -exec sha256sum {} + | sort)
  "$vfs" run --changes --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>"$tmp/e"
  status=$?
  check "demo guest runs and exits 0" 0 $status "8 numbers, sum 31" "$tmp/o"
  check "--changes reports the rename" 0 $status "> /notes/old-draft.txt -> /notes/archive/draft.txt" "$tmp/e"
  check "--changes reports the new file" 0 $status "+ /data/summary.txt (file, 15 bytes)" "$tmp/e"
  check "the escape attempt is refused" 0 $status "Operation not permitted" "$tmp/o"
  check "--changes says the host was not touched" 0 $status "the host was not touched" "$tmp/e"
  # The default --dir-mode (cow): the guest appended to notes/todo.txt,
  # created data/summary.txt and renamed a file, all in memory only.
  tree_unchanged() {  # tree_unchanged NAME DIR
    local after
    after=$(cd "$2" && find . -type f -exec sha256sum {} + | sort)
    if [ "$before" = "$after" ] && [ ! -e "$2/data/summary.txt" ] &&
       [ ! -e "$2/notes/archive" ] && [ -f "$2/notes/old-draft.txt" ]; then
      ok "$1"
    else
      bad "$1: the host tree changed"
    fi
  }
  tree_unchanged "the default mode leaves the host tree unchanged" "$tmp/fx"
  "$vfs" run --dir-mode=write-through --dir-mode=cow --dir="$tmp/fx::/" "$guest" >"$tmp/o" 2>&1
  check "the last --dir-mode wins; --dir=VALUE works" 0 $? "8 numbers, sum 31" "$tmp/o"
  tree_unchanged "the last --dir-mode (cow) leaves the host tree unchanged" "$tmp/fx"
  "$vfs" run --dir-mode=cow --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>&1
  check "--dir-mode=cow runs the demo" 0 $? "8 numbers, sum 31" "$tmp/o"
  check "--dir-mode=cow: the guest sees its append" 0 0 "todo.txt (48 bytes)" "$tmp/o"
  tree_unchanged "--dir-mode=cow leaves the host tree unchanged" "$tmp/fx"
  "$vfs" run --dir-mode copy --changes --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>"$tmp/e"
  status=$?
  check "--dir-mode=copy runs the demo" 0 $status "8 numbers, sum 31" "$tmp/o"
  check "--dir-mode=copy: --changes sees the append" 0 $status "~ /notes/todo.txt (file, 26 -> 48 bytes)" "$tmp/e"
  tree_unchanged "--dir-mode=copy leaves the host tree unchanged" "$tmp/fx"

  # write-through: the append reaches the host file; creating, renaming and
  # making directories do not.
  cp -r "$src/demo/fixture" "$tmp/wt"
  "$vfs" run --dir-mode=write-through --changes --dir "$tmp/wt::/" "$guest" >"$tmp/o" 2>"$tmp/e"
  status=$?
  check "--dir-mode=write-through runs the demo" 0 $status "8 numbers, sum 31" "$tmp/o"
  check "--dir-mode=write-through: --changes says the host was written" 0 $status "also reached the host" "$tmp/e"
  if [ "$(tail -n 1 "$tmp/wt/notes/todo.txt")" = "check the demo output" ] &&
     [ "$(wc -c <"$tmp/wt/notes/todo.txt")" -eq 48 ] &&
     cmp -s "$tmp/wt/data/numbers.txt" "$src/demo/fixture/data/numbers.txt"; then
    ok "--dir-mode=write-through changes the existing host file's bytes"
  else
    bad "--dir-mode=write-through did not write notes/todo.txt through"
  fi
  if [ ! -e "$tmp/wt/data/summary.txt" ] && [ -f "$tmp/wt/notes/old-draft.txt" ] &&
     [ ! -e "$tmp/wt/notes/archive" ]; then
    ok "--dir-mode=write-through does not create, rename or make host entries"
  else
    bad "--dir-mode=write-through changed the host tree's entries"
  fi
  "$vfs" run "$guest" >"$tmp/o" 2>&1
  check "no --dir means no preopens" 1 $? "fopen" "$tmp/o"
  "$vfs" run --trace --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>"$tmp/e"
  check "--trace prints calls" 0 $? "\[wasi\] path_open(" "$tmp/e"
  "$vfs" run --budget 50 --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>&1
  check "--budget stops a long run" 1 $? "budget of 50 exhausted" "$tmp/o"

  # Snapshots: save after one run, inspect, continue from it in another.
  "$vfs" run --deterministic --save "$tmp/s1.snap" --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>&1
  check "--save writes a snapshot" 0 $? "8 numbers" "$tmp/o"
  "$vfs" run --deterministic --save "$tmp/s1b.snap" --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>&1
  if cmp -s "$tmp/s1.snap" "$tmp/s1b.snap"; then
    ok "--deterministic runs save byte-identical snapshots"
  else
    bad "two --deterministic runs saved different snapshots"
  fi
  "$vfs" info "$tmp/s1.snap" >"$tmp/o" 2>&1
  check "info prints the header" 0 $? "vfs snapshot version 1" "$tmp/o"
  check "info counts the preopen" 0 0 "preopens 1" "$tmp/o"
  check "info sees the deterministic clock" 0 0 "clock:        deterministic" "$tmp/o"
  "$vfs" run --image "$tmp/s1.snap" --save "$tmp/s2.snap" "$guest" >"$tmp/o" 2>&1
  check "--image continues from the saved tree" 0 $? "summary.txt (15 bytes)" "$tmp/o"
  check "--image keeps the first run's rename" 0 0 "draft.txt (" "$tmp/o"
  "$vfs" info "$tmp/s2.snap" >"$tmp/o" 2>&1; check "the second snapshot is valid" 0 $? "preopens 1" "$tmp/o"
  cp "$tmp/s1.snap" "$tmp/bad.snap"
  printf 'ZZZZ' | dd of="$tmp/bad.snap" bs=1 seek=200 conv=notrunc 2>/dev/null
  "$vfs" info "$tmp/bad.snap" >"$tmp/o" 2>&1; check "info rejects a corrupt snapshot" 1 $? "checksum mismatch" "$tmp/o"
  "$vfs" run --image "$tmp/bad.snap" "$guest" >"$tmp/o" 2>&1
  check "--image rejects a corrupt snapshot" 1 $? "checksum mismatch" "$tmp/o"
else
  echo "SKIPPED: demo guest not built (guest toolchain missing)"
fi

if [ -n "$args_guest" ] && [ -f "$args_guest" ]; then
  # Everything after MODULE, options included, is the guest's argv.
  "$vfs" run --env=K=v "$args_guest" --dir x --env=Y=1 -- -h >"$tmp/o" 2>&1
  check "arguments after MODULE go to the guest" 0 $? 'argv\[1\]: "--dir"' "$tmp/o"
  check "... all of them, in order" 0 0 'argv\[5\]: "-h"' "$tmp/o"
  check "... and are not parsed as options" 0 0 'environ count: 1' "$tmp/o"
else
  echo "SKIPPED: args_env guest not built (guest toolchain missing)"
fi

finish
