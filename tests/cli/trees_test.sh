#!/usr/bin/env bash
# Runs the real `vfs` binary's tree subcommands on trees made here with
# shell commands: pack, unpack (directory, tar, manifest; --format), ls,
# tree, cat, diff (exit 0/1/2, --times, --inodes, --path), each one's
# --help and errors, the progress line (absent when stderr is piped, drawn
# with --progress or on a terminal), and a pack/unpack round trip that
# `vfs diff` and diff(1) both call the same.
# usage: trees_test.sh VFS_BINARY
set -u
vfs="$1"
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# The tree: files, an empty directory, a hard link, a symlink to a file and
# one to a directory, a 3000-byte file (shown in KiB) and a 300 KiB random
# one (cat must stream it whole, in several pieces).
mkdir -p src/docs/sub src/empty
printf 'hello' >src/a.txt
printf 'line1\nline2\n' >src/docs/readme.md
head -c 3000 /dev/zero >src/docs/sub/big.bin
head -c 300000 /dev/urandom >src/docs/random.bin
ln src/a.txt src/docs/hard.txt
ln -s a.txt src/link
ln -s docs src/docs-link

# ---- --help for every subcommand ----
for sub in pack unpack ls tree cat diff info run; do
  "$vfs" "$sub" --help >o 2>&1; check "$sub --help" 0 $? "usage: vfs $sub" o
done
"$vfs" pack --help >o 2>&1; check "pack --help names -o" 0 $? "-o,--output SNAPSHOT" o
"$vfs" unpack --help >o 2>&1; check "unpack --help names --format" 0 $? "--format FORM" o
"$vfs" ls --help >o 2>&1; check "ls --help names -l" 0 $? "-l,--long" o
"$vfs" diff --help >o 2>&1; check "diff --help says times are ignored by default" 0 $? "default: ignored" o
check "diff --help gives the exit statuses" 0 0 "0 if the trees are the same, 1 if they differ" o
"$vfs" bogus >o 2>&1; check "an unknown subcommand is a usage error" 2 $? "unknown subcommand 'bogus'" o

# ---- pack ----
"$vfs" pack src -o t.vfs >o 2>e; check "pack a directory" 0 $?
empty "pack prints nothing on stdout" o
empty "pack draws no progress when stderr is piped" e
"$vfs" info t.vfs >o 2>&1; check "the packed snapshot is valid" 0 $? "vfs snapshot version 1" o
"$vfs" pack --progress src -o p.vfs >o 2>e; check "pack --progress" 0 $?
check "pack --progress draws the phase" 0 0 "vfs pack: loading src" e
check "pack --progress redraws in place" 0 0 $'\r' e
"$vfs" pack --no-progress src -o q.vfs >o 2>e; check "pack --no-progress" 0 $?
empty "pack --no-progress draws nothing" e
if command -v script >/dev/null 2>&1; then
  # A terminal on stderr (script(1) runs the command on a pty): drawn unasked.
  script -qec "'$vfs' pack src -o tty.vfs" /dev/null >o 2>&1
  check "pack draws progress on a terminal" 0 $? "vfs pack: loading src" o
else
  echo "SKIPPED: script(1) missing: progress on a terminal not checked"
fi
"$vfs" pack --progress --no-progress src -o x.vfs >o 2>&1
check "pack --progress --no-progress is a usage error" 2 $? "excludes" o
"$vfs" pack missing -o x.vfs >o 2>&1; check "pack a missing input" 1 $? "missing" o
[ ! -e x.vfs ] && ok "a failed pack writes nothing" || bad "a failed pack wrote x.vfs"
"$vfs" pack src >o 2>&1; check "pack without -o" 2 $? "output is required" o
"$vfs" pack src -o t.tar >o 2>&1; check "pack -o NAME.tar is refused" 2 $? "pack writes a snapshot" o
"$vfs" pack src -o nodir/t.vfs >o 2>&1; check "pack into a missing directory" 1 $? "nodir" o

# ---- unpack; the round trip ----
"$vfs" unpack t.vfs -o out >o 2>e; check "unpack to a directory" 0 $?
empty "unpack draws no progress when stderr is piped" e
if diff -r src out >o 2>&1; then ok "unpacked bytes equal the source (diff -r)"; else bad "diff -r src out:"; cat o; fi
[ "$(readlink out/link)" = a.txt ] && [ "$(readlink out/docs-link)" = docs ] &&
  ok "unpack keeps symlink targets" || bad "unpack lost symlink targets"
[ "$(stat -c %h out/a.txt)" = 2 ] && [ "$(stat -c %i out/a.txt)" = "$(stat -c %i out/docs/hard.txt)" ] &&
  ok "unpack keeps the hard link" || bad "unpack lost the hard link"
"$vfs" diff src out >o 2>&1; check "round trip dir -> snapshot -> dir: vfs diff says same" 0 $?
empty "vfs diff of equal trees prints nothing" o
"$vfs" unpack t.vfs -o out >o 2>&1; check "unpack into a non-empty directory is refused" 1 $? "out" o
"$vfs" unpack t.vfs -o t.tar.gz >o 2>&1; check "unpack to a .tar.gz" 0 $?
tar tzf t.tar.gz >o 2>/dev/null; check "the .tar.gz holds the tree" 0 $? "docs/sub/big.bin" o
"$vfs" unpack t.vfs -o m.json >o 2>&1; check "unpack to a manifest" 0 $?
check "the manifest is a vfs manifest" 0 0 '"format": "vfs-manifest"' m.json
"$vfs" unpack t.vfs -o plain --format tar >o 2>&1; check "unpack --format tar" 0 $?
tar tf plain >o 2>/dev/null; check "--format tar wrote a tar whatever the name" 0 $? "a.txt" o
"$vfs" unpack t.vfs -o z --format zip >o 2>&1; check "unpack --format zip" 2 $? "--format" o
"$vfs" unpack missing.vfs -o y >o 2>&1; check "unpack a missing input" 1 $? "missing.vfs" o
"$vfs" unpack t.vfs >o 2>&1; check "unpack without -o" 2 $? "output is required" o
for form in t.tar.gz m.json out; do
  "$vfs" diff t.vfs "$form" >o 2>&1; check "the snapshot and $form are the same tree" 0 $?
done
"$vfs" pack m.json -o from-manifest.vfs >o 2>&1; check "pack a manifest" 0 $?
"$vfs" pack t.tar.gz -o from-tar.vfs >o 2>&1; check "pack a tar" 0 $?
"$vfs" diff --times from-manifest.vfs t.vfs >o 2>&1
check "snapshot -> manifest -> snapshot keeps every time" 0 $?

# ---- ls ----
cat >want <<'EOF'
file     5  a.txt
dir      0  docs
symlink  4  docs-link
dir      0  empty
symlink  5  link
EOF
"$vfs" ls t.vfs >o 2>&1; check "ls the root" 0 $?
same_text "ls prints kind, size, name, sorted" want o
cat >want <<'EOF'
file       5  hard.txt
file  300000  random.bin
file      12  readme.md
dir        0  sub
EOF
"$vfs" ls t.vfs /docs/ >o 2>&1; check "ls a directory" 0 $?
same_text "ls /docs/ lists its entries" want o
"$vfs" ls t.vfs docs-link >o 2>&1; check "ls a symlink to a directory" 0 $?
same_text "ls follows a symlink to a directory" want o
"$vfs" ls src docs >o 2>&1; check "ls a host directory" 0 $?
same_text "ls reads any form" want o
"$vfs" ls t.vfs a.txt >o 2>&1; check "ls a file lists itself" 0 $? "^file  5  a.txt$" o
"$vfs" ls t.vfs empty >o 2>&1; check "ls an empty directory" 0 $?
empty "ls an empty directory prints nothing" o
"$vfs" ls -l t.vfs >o 2>&1; check "ls -l" 0 $? "^KIND  *LINKS  *INODE  *SIZE  *MTIM  *ATIM  *CTIM  *NAME$" o
check "ls -l shows a symlink's target" 0 0 "link -> a.txt$" o
check "ls -l shows the link count" 0 0 "^file  *2  " o
check "ls -l shows times in UTC" 0 0 "T[0-9:]*\.[0-9]\{9\}Z" o
"$vfs" ls -l t.vfs link >o 2>&1; check "ls -l a symlink lists the link" 0 $? "^symlink .* link -> a.txt$" o
"$vfs" ls t.vfs nope >o 2>&1; check "ls a missing path" 1 $? "t.vfs: /nope: no such file or directory" o
"$vfs" ls t.vfs a.txt/x >o 2>&1; check "ls beneath a file" 1 $? "not a directory" o
"$vfs" ls missing.vfs >o 2>&1; check "ls a missing tree" 1 $? "missing.vfs" o
"$vfs" ls >o 2>&1; check "ls without a tree" 2 $? "TREE is required" o

# ---- tree ----
cat >want <<'EOF'
/
├── a.txt (5 B, 2 links)
├── docs/
│   ├── hard.txt (5 B, 2 links)
│   ├── random.bin (293.0 KiB)
│   ├── readme.md (12 B)
│   └── sub/
│       └── big.bin (2.9 KiB)
├── docs-link -> docs
├── empty/
└── link -> a.txt

3 directories, 5 files, 2 symlinks
EOF
"$vfs" tree t.vfs >o 2>&1; check "tree" 0 $?
same_text "tree draws the whole tree" want o
# The counts are of what lies beneath PATH, not PATH itself.
cat >want <<'EOF'
/docs/sub/
└── big.bin (2.9 KiB)

0 directories, 1 file, 0 symlinks
EOF
"$vfs" tree m.json docs/sub >o 2>&1; check "tree of a subdirectory of a manifest" 0 $?
same_text "tree PATH draws what lies beneath PATH" want o
"$vfs" tree t.vfs docs/readme.md >o 2>&1; check "tree of a file" 0 $? "^/docs/readme.md (12 B)$" o
"$vfs" tree t.vfs nope >o 2>&1; check "tree of a missing path" 1 $? "no such file or directory" o

# ---- cat ----
"$vfs" cat t.vfs a.txt >o 2>&1; check "cat a file" 0 $?
[ "$(cat o)" = hello ] && ok "cat writes the bytes" || bad "cat wrote '$(cat o)'"
"$vfs" cat t.vfs docs/random.bin >o 2>e; check "cat a 300 KiB file" 0 $?
cmp -s o src/docs/random.bin && ok "cat streams every byte" || bad "cat's bytes differ from the source"
"$vfs" cat t.vfs link >o 2>&1; check "cat follows a symlink" 0 $? "^hello$" o
"$vfs" cat t.tar.gz docs-link/readme.md >o 2>&1; check "cat through a directory symlink, from a tar" 0 $? "^line2$" o
"$vfs" cat t.vfs docs >o 2>&1; check "cat a directory" 1 $? "t.vfs: /docs: is a directory" o
"$vfs" cat t.vfs / >o 2>&1; check "cat the root" 1 $? "is a directory" o
"$vfs" cat t.vfs nope.txt >o 2>&1; check "cat a missing file" 1 $? "/nope.txt: no such file or directory" o
"$vfs" cat missing.vfs a.txt >o 2>&1; check "cat from a missing tree" 1 $? "missing.vfs" o
"$vfs" cat t.vfs >o 2>&1; check "cat without a path" 2 $? "PATH is required" o
ln -s /etc/passwd src/escape
"$vfs" cat src escape >o 2>&1; check "cat refuses a symlink out of the tree" 1 $? "outside the tree" o
rm src/escape

# ---- diff ----
cp -a src mod
printf ' world' >>mod/a.txt        # and docs/hard.txt, its other name
rm mod/docs/readme.md
mkdir mod/new
ln -sfn docs mod/link
"$vfs" diff src mod >o 2>e; check "diff of different trees" 1 $?
cat >want <<'EOF'
~ a.txt: size 5 -> 11, bytes 5..11 added
~ docs/hard.txt: size 5 -> 11, bytes 5..11 added
- docs/readme.md (file, 12 bytes)
~ link: target "a.txt" -> "docs"
+ new/ (dir)
EOF
same_text "diff prints FormatDiff's text" want o
empty "diff draws no progress when stderr is piped" e
"$vfs" diff --path docs src mod >o 2>&1; check "diff --path" 1 $? "docs/readme.md" o
lacks "diff --path leaves out the rest" "a.txt\|new/" o
"$vfs" diff --path /new/ --path link src mod >o 2>&1; check "diff --path twice" 1 $? "+ new/ (dir)" o
check "diff --path twice shows both" 0 0 'link: target' o
lacks "diff --path twice leaves out the rest" "^[-+~] docs\|a.txt:" o
"$vfs" diff --path docs/sub src mod >o 2>&1; check "diff --path with no change beneath" 0 $?
"$vfs" diff --path do src mod >o 2>&1; check "diff --path matches whole components" 0 $?
cp -a src touched
touch -m -d 2001-01-01T00:00:00Z touched/docs/sub/big.bin
"$vfs" diff src touched >o 2>&1; check "diff ignores times by default" 0 $?
"$vfs" diff --ignore-times src touched >o 2>&1; check "diff --ignore-times" 0 $?
"$vfs" diff --times --path docs/sub/big.bin src touched >o 2>&1
check "diff --times" 1 $? "docs/sub/big.bin: .*mtim [0-9]* -> 978307200000000000" o
"$vfs" diff --inodes src t.vfs >o 2>&1; check "diff --inodes: packing keeps inode numbers" 0 $?
"$vfs" diff --inodes src mod >o 2>&1; check "diff --inodes" 1 $? ": ino [0-9]* -> [0-9]*$" o
"$vfs" diff src mod >o 2>&1; lacks "diff ignores inode numbers by default" ": ino " o
"$vfs" diff --progress src mod >o 2>e; check "diff --progress" 1 $? "new/" o
check "diff --progress draws on stderr" 0 0 "vfs diff: loading" e
"$vfs" diff src missing >o 2>&1; check "diff with a missing tree" 2 $? "missing" o
"$vfs" diff src >o 2>&1; check "diff with one tree" 2 $? "B is required" o
"$vfs" diff --bogus src mod >o 2>&1; check "diff with an unknown option" 2 $? "bogus" o

finish
