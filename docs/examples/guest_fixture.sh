#!/usr/bin/env bash
# docs/testing-with-vfs.md, "Run a guest against a fixture and diff the
# result" and "Record a journal and replay it" (the CLI way): every command
# the document shows, run as it shows them, each checked for the exit status
# and output the document gives. Exits 1 if any step does not behave so;
# 77 (CTest's SKIP_RETURN_CODE for docs.example.guest_fixture) only when the
# demo guest was not built (no clang or wasi-libc).
# usage: guest_fixture.sh VFS_BINARY GUEST_WASM SOURCE_DIR
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 VFS_BINARY GUEST_WASM SOURCE_DIR" >&2
  exit 2
fi
vfs="$1"; guest="$2"; src="$3"
if [ ! -f "$guest" ]; then
  echo "SKIPPED: $guest is missing (the demo guest needs clang and wasi-libc)"
  exit 77
fi
pass=0; fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() {  # check NAME EXPECTED_STATUS ACTUAL_STATUS [GREP_PATTERN FILE]
  local name="$1" want="$2" got="$3"
  if [ "$got" != "$want" ]; then
    bad "$name: exit $got, want $want"; [ $# -ge 5 ] && cat "$5"; return
  fi
  if [ $# -ge 5 ] && ! grep -Eq -- "$4" "$5"; then
    bad "$name: output lacks '$4':"; cat "$5"; return
  fi
  ok "$name"
}
same_text() {  # same_text NAME EXPECTED_FILE ACTUAL_FILE
  if cmp -s "$2" "$3"; then ok "$1"; else bad "$1:"; diff "$2" "$3"; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# ---- Recipe 2: run a guest against a fixture, diff the result ----
cp -r "$src/demo/fixture" FIX
"$vfs" run --dir FIX::/ --save after.vfs "$guest" >run.out 2>run.err
check "run the guest on FIX, saving after.vfs" 0 $? "^8 numbers, sum 31$" run.out
if [ -f after.vfs ]; then ok "after.vfs was written"; else bad "after.vfs was not written"; fi
diff -r "$src/demo/fixture" FIX >host.diff 2>&1
check "the host fixture is untouched (cow mode)" 0 $?

cat >diff.want <<'EOF'
+ data/summary.txt (file, 15 bytes)
+ notes/archive/ (dir)
+ notes/archive/draft.txt (file, 21 bytes)
- notes/old-draft.txt (file, 21 bytes)
~ notes/todo.txt: size 26 -> 48, bytes 26..48 added
EOF
"$vfs" diff FIX after.vfs >diff.out 2>&1
check "vfs diff FIX after.vfs: exit 1, the guest changed things" 1 $?
same_text "vfs diff lists exactly the guest's changes" diff.want diff.out
"$vfs" diff --path data FIX after.vfs >diff_data.out 2>&1
check "vfs diff --path data: only data/" 1 $?
printf '+ data/summary.txt (file, 15 bytes)\n' >diff_data.want
same_text "vfs diff --path data lists data/ alone" diff_data.want diff_data.out

cat >tree.want <<'EOF'
/
├── README (38 B)
├── data/
│   ├── numbers.txt (16 B)
│   └── summary.txt (15 B)
└── notes/
    ├── archive/
    │   └── draft.txt (21 B)
    └── todo.txt (48 B)

3 directories, 5 files, 0 symlinks
EOF
"$vfs" tree after.vfs >tree.out 2>&1
check "vfs tree after.vfs" 0 $?
same_text "vfs tree draws the saved tree" tree.want tree.out

"$vfs" cat after.vfs data/summary.txt >cat.out 2>&1
check "vfs cat after.vfs data/summary.txt" 0 $?
printf 'count=8 sum=31\n' >cat.want
same_text "vfs cat prints the file the guest wrote" cat.want cat.out

"$vfs" unpack after.vfs -o out.json >unpack.out 2>&1
check "vfs unpack after.vfs -o out.json" 0 $?
check "out.json is a manifest" 0 0 '"format": "vfs-manifest"' out.json
check "out.json holds the guest's file" 0 0 '"text": "count=8 sum=31\\n"' out.json
"$vfs" unpack after.vfs -o out >unpack.out 2>&1
check "vfs unpack after.vfs -o out (a directory)" 0 $?
same_text "out/data/summary.txt on the host" cat.want out/data/summary.txt
"$vfs" diff after.vfs out >rt.out 2>&1
check "vfs diff after.vfs out: the unpacked tree is the same (exit 0)" 0 $?
if [ -s rt.out ]; then bad "the round trip's diff printed: $(cat rt.out)"; else ok "and prints nothing"; fi

# ---- Recipe 3, the CLI way: record a journal, replay it ----
"$vfs" run --dir FIX::/ --journal j.jsonl "$guest" >run.out 2>run.err
check "run the guest with --journal" 0 $? "^8 numbers, sum 31$" run.out
check "the journal starts with its format line" 0 0 '^\{"format":"vfs-journal","version":1\}$' j.jsonl
check "the journal records the preopen" 0 0 '^\{"setup":"preopen","fd":3,"path":"","name":"/"' j.jsonl
check "the journal records the guest's write" 0 0 '"call":"fd_write".*count=8 sum=31' j.jsonl

"$vfs" replay j.jsonl FIX >replay.out 2>&1
check "vfs replay j.jsonl FIX: exit 0" 0 $? '^replayed [0-9]+ calls: no divergence$' replay.out
check "the replay reports the tree diff" 0 0 '^tree, from the fixture to the replayed state:$' replay.out
tail -n +3 replay.out >replay_diff.out
same_text "the replayed calls change the fixture as the run did" diff.want replay_diff.out

cp -r FIX CHANGED
printf '9\n9\n9\n9\n9\n9\n9\n9\n' >CHANGED/data/numbers.txt  # same size, other bytes
"$vfs" replay j.jsonl CHANGED >replay.out 2>&1
check "vfs replay j.jsonl CHANGED: exit 1" 1 $? \
  '^diverged at call [0-9]+ \([0-9]+ replayed\): fd_read \{"fd":[0-9]+,' replay.out
check "the recorded result is shown" 0 0 '^  expected: .*"data":"3\\n1\\n4\\n1\\n5\\n9\\n2\\n6\\n"' replay.out
check "the replayed result is shown" 0 0 '^  actual:   .*"data":"9\\n9\\n9\\n9\\n9\\n9\\n9\\n9\\n"' replay.out
check "the tree diff stops at the divergence" 0 0 '^tree: unchanged from the fixture$' replay.out

"$vfs" replay --times j.jsonl FIX >replay.out 2>&1
check "--times on a host directory diverges at a stat" 1 $? \
  '^diverged at call [0-9]+ .*: (path|fd)_filestat_get ' replay.out
"$vfs" replay missing.jsonl FIX >replay.out 2>&1
check "an unreadable journal: exit 2" 2 $? 'missing.jsonl: cannot open' replay.out

# --at: a journal of a run whose preopen is not the root.
"$vfs" run --dir FIX/data::/data --journal data.jsonl "$guest" >run.out 2>run.err
check "run the guest with only /data" 0 $? "^8 numbers, sum 31$" run.out
"$vfs" replay --at data data.jsonl FIX/data >replay.out 2>&1
check "vfs replay --at data: exit 0" 0 $? '^replayed [0-9]+ calls: no divergence$' replay.out
check "and the guest's summary.txt is in data/" 0 0 '^\+ data/summary.txt \(file, 15 bytes\)$' replay.out
"$vfs" replay data.jsonl FIX/data >replay.out 2>&1
check "without --at the preopen is missing: exit 2" 2 $? "pass --at PATH" replay.out

# --times and --inodes: a deterministic run from a snapshot, replayed
# against that snapshot, agrees in times and inode numbers too.
"$vfs" run --deterministic --dir FIX::/ --save start.vfs "$guest" >run.out 2>run.err
check "a deterministic run saves start.vfs" 0 $?
"$vfs" run --deterministic --image start.vfs --journal again.jsonl "$guest" >run.out 2>run.err
check "a second deterministic run from start.vfs, journaled" 0 $? "^8 numbers, sum 31$" run.out
"$vfs" replay --times --inodes again.jsonl start.vfs >replay.out 2>&1
check "vfs replay --times --inodes again.jsonl start.vfs: exit 0" 0 $? \
  '^replayed [0-9]+ calls: no divergence$' replay.out
check "the second run appended to todo.txt once more" 0 0 \
  '^~ notes/todo.txt: size 48 -> 70, bytes 48..70 added$' replay.out

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
