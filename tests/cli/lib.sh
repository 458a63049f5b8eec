# Shared checks for the CLI test scripts (sourced, not run). Each check
# prints "ok: NAME" or "FAIL: NAME: why" with the output that shows why, and
# counts; `finish` prints the counts and returns non-zero if any failed.
pass=0
fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() {  # check NAME EXPECTED_STATUS ACTUAL_STATUS [GREP_PATTERN FILE]
  local name="$1" want="$2" got="$3"
  if [ "$got" != "$want" ]; then
    bad "$name: exit $got, want $want"; [ $# -ge 5 ] && cat "$5"; return
  fi
  if [ $# -ge 5 ] && ! grep -q -- "$4" "$5"; then
    bad "$name: output lacks '$4':"; cat "$5"; return
  fi
  ok "$name"
}
lacks() {  # lacks NAME GREP_PATTERN FILE
  if grep -q -- "$2" "$3"; then bad "$1: output has '$2':"; cat "$3"; else ok "$1"; fi
}
same_text() {  # same_text NAME EXPECTED_FILE ACTUAL_FILE
  if cmp -s "$2" "$3"; then ok "$1"; else bad "$1:"; diff "$2" "$3"; fi
}
empty() {  # empty NAME FILE
  if [ -s "$2" ]; then bad "$1: not empty:"; od -c "$2" | head; else ok "$1"; fi
}
finish() {  # finish [LABEL]
  echo "${1:+$1: }$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
