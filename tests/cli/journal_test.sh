#!/usr/bin/env bash
# Runs the real `vfs` binary's call journal: `vfs run --journal` records the
# demo guest's calls, `vfs replay` re-runs them against the fixture (exit 0),
# against a changed fixture (exit 1, with the diverging call and the tree
# diff), with --at, and refuses bad input (exit 2).
# usage: journal_test.sh VFS_BINARY DEMO_GUEST_WASM SOURCE_DIR
set -u
vfs="$1"; guest="$2"; src="$3"
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$vfs" replay --help >"$tmp/o" 2>&1; check "replay --help" 0 $? "usage: vfs replay" "$tmp/o"
check "replay --help gives the exit statuses" 0 0 "1 at a divergence" "$tmp/o"
"$vfs" run --help >"$tmp/o" 2>&1; check "run --help documents --journal" 0 $? "--journal FILE" "$tmp/o"
"$vfs" replay >"$tmp/o" 2>&1; check "replay without operands" 2 $? "JOURNAL is required" "$tmp/o"
"$vfs" replay "$tmp/none.jsonl" "$src/demo/fixture" >"$tmp/o" 2>&1
check "replay of a missing journal" 2 $? "cannot open" "$tmp/o"
printf '{"format":"vfs-journal","version":1}\n{"call":"fd_close"}\n' >"$tmp/bad.jsonl"
"$vfs" replay "$tmp/bad.jsonl" "$src/demo/fixture" >"$tmp/o" 2>&1
check "replay of a malformed journal names the line" 2 $? "journal line 2" "$tmp/o"

if [ ! -f "$guest" ]; then
  echo "skip: no demo guest at $guest"
else
  cp -r "$src/demo/fixture" "$tmp/fx"
  "$vfs" run --journal "$tmp/no/such/dir/j" --dir "$tmp/fx::/" "$guest" >"$tmp/o" 2>&1
  check "run --journal into a missing directory" 1 $? "cannot create journal" "$tmp/o"
  "$vfs" run --journal "$tmp/j.jsonl" --dir "$tmp/fx::/" "$guest" >"$tmp/out" 2>&1
  check "run --journal runs the guest" 0 $?
  head -1 "$tmp/j.jsonl" >"$tmp/o"
  check "the journal starts with its format line" 0 0 '{"format":"vfs-journal","version":1}' "$tmp/o"
  check "the journal records the preopen" 0 0 '{"setup":"preopen","fd":3,"path":"","name":"/"' "$tmp/j.jsonl"
  check "the journal records the guest's writes" 0 0 '"call":"fd_write"' "$tmp/j.jsonl"
  check "the journal records an escape attempt's errno" 0 0 '"errno":"notcapable"\|"errno":"perm"\|"errno":"noent"' "$tmp/j.jsonl"

  "$vfs" replay "$tmp/j.jsonl" "$tmp/fx" >"$tmp/o" 2>&1
  check "replay against the same fixture agrees" 0 $? "no divergence" "$tmp/o"
  check "replay reports what the calls changed" 0 0 "tree, from the fixture to the replayed state" "$tmp/o"
  "$vfs" pack "$tmp/fx" -o "$tmp/fx.vfs" >/dev/null 2>&1
  "$vfs" replay "$tmp/j.jsonl" "$tmp/fx.vfs" >"$tmp/o" 2>&1
  check "replay against the fixture as a snapshot agrees" 0 $? "no divergence" "$tmp/o"

  # Change the first file the guest reads.
  cp -r "$src/demo/fixture" "$tmp/fx2"
  first=$(cd "$tmp/fx2" && find . -type f | sort | head -1)
  printf 'changed!' >>"$tmp/fx2/$first"
  "$vfs" replay "$tmp/j.jsonl" "$tmp/fx2" >"$tmp/o" 2>&1
  status=$?
  check "replay against a changed fixture diverges" 1 $status "diverged at call" "$tmp/o"
  check "the divergence shows the expected result" 1 $status "  expected: " "$tmp/o"
  check "the divergence shows the actual result" 1 $status "  actual:   " "$tmp/o"

  # A journal of a preopen at /mnt/in replays with the fixture placed there.
  cp -r "$src/demo/fixture" "$tmp/fx3"
  "$vfs" run --journal "$tmp/j3.jsonl" --dir "$tmp/fx3::/mnt/in" "$guest" >/dev/null 2>&1
  "$vfs" replay "$tmp/j3.jsonl" "$tmp/fx3" >"$tmp/o" 2>&1
  check "a /mnt/in journal without --at cannot rebuild its preopen" 2 $? "set-up" "$tmp/o"
  "$vfs" replay --at /mnt/in "$tmp/j3.jsonl" "$tmp/fx3" >"$tmp/o" 2>&1
  check "replay --at puts the fixture at the preopen's path" 0 $? "no divergence" "$tmp/o"
fi

finish "journal CLI"
