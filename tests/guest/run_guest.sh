#!/usr/bin/env bash
# Runs one guest program through the vfs runner and checks it.
#
#   run_guest.sh VFS_BINARY MODULE.wasm NAME
#
# Runs, from the module's directory (so argv[0] is "NAME.wasm"):
#   vfs run --deterministic --dir <this dir>/fixture::/ [--env LINE]... \
#       NAME.wasm [ARG]...
# with one --env per line of NAME.env and one argument per line of NAME.args,
# stdin from /dev/null. Each line of NAME.dirs ("HOST::GUEST", HOST relative
# to this directory) adds one more --dir after the fixture's (fds 4, 5, ...). Compares stdout with NAME.expected (a diff on
# mismatch) and the exit status with NAME.exit (default 0). Exits 0 when both
# match, 1 otherwise. The runner's stderr passes through.
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 VFS_BINARY MODULE.wasm NAME" >&2
  exit 2
fi
vfs=$1
wasm=$2
name=$3
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$vfs" ]; then
  echo "FAIL: the runner $vfs does not exist (build the vfs CLI)"
  exit 1
fi
if [ ! -f "$wasm" ]; then
  echo "FAIL: $wasm does not exist (build the guest programs)"
  exit 1
fi
expected=$here/$name.expected
if [ ! -f "$expected" ]; then
  echo "FAIL: $expected does not exist"
  exit 1
fi
want_status=0
if [ -f "$here/$name.exit" ]; then
  want_status=$(tr -d ' \n\r' < "$here/$name.exit")
fi

cmd=("$vfs" run --deterministic --dir "$here/fixture::/")
if [ -f "$here/$name.dirs" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    cmd+=(--dir "$here/$line")
  done < "$here/$name.dirs"
fi
if [ -f "$here/$name.env" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    cmd+=(--env "$line")
  done < "$here/$name.env"
fi
cmd+=("$(basename "$wasm")")
if [ -f "$here/$name.args" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    cmd+=("$line")
  done < "$here/$name.args"
fi

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
(cd "$(dirname "$wasm")" && "${cmd[@]}" < /dev/null > "$actual")
status=$?

ok=1
if ! diff -u --label "$name.expected" --label "$name (actual stdout)" \
     "$expected" "$actual"; then
  echo "FAIL: guest.$name: stdout differs from $name.expected (diff above)"
  ok=0
fi
if [ "$status" != "$want_status" ]; then
  echo "FAIL: guest.$name: exit status $status, expected $want_status"
  ok=0
fi
if [ $ok -eq 1 ]; then
  echo "PASS: guest.$name (exit status $status)"
  exit 0
fi
echo "command: (cd $(dirname "$wasm") && ${cmd[*]} < /dev/null)"
exit 1
