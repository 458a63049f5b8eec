#!/usr/bin/env python3
"""Writes the hand-made seed inputs under corpus/{wasi_ops,path_resolver,guest_abi}/.

Each seed spells out a meaningful scenario in the byte encoding the target
decodes (see the *_target.cc files), so that fuzzing starts from inputs that
already open files, follow escaping symlinks and cross pointers at memory's
end. The snapshot_restore seeds are real snapshots (README.md says how they
were made). Run from anywhere: python3 tests/fuzz/make_seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENS = [".", "..", "a", "b", "ab", "h", "up", "abs", "self", "loop", "e", "c",
          "outside", "box", "dotdot", "new", "", "slash", "dangle", "out"]


def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v)
def u64(v): return struct.pack("<Q", v)


def path(*names, lead=False, trail=False, double=False):
    """FuzzInput::Path: a shape byte, then one token index per component."""
    assert len(names) <= 4
    shape = len(names) | (0x10 if lead else 0) | (0x20 if trail else 0) | (0x40 if double else 0)
    return bytes([shape] + [TOKENS.index(n) for n in names])


def size(v):  # FuzzInput::Size, the "small" branch
    return bytes([4]) + u32(v)


SLOT0, SLOT1, SLOT2 = 0, 1, 2
FOLLOW, NOFOLLOW = 1, 0
ALL = bytes([0])  # RightsValue selector: rights::kAll


# ---- wasi_ops: opcode numbers as in wasi_ops_target.cc's switch.
def open_(slot_dir, follow, p, oflags, slot_out):
    return bytes([0, slot_dir, follow]) + p + bytes([oflags]) + ALL + ALL + bytes([0, slot_out])


def wasi_ops_seeds():
    shape = u16(0xFFFF)  # every optional entry of box/
    yield "read_write", shape + open_(SLOT0, FOLLOW, path("ab"), 0, SLOT1) + \
        bytes([1, SLOT1]) + size(100) + u16(3) + \
        bytes([3, SLOT1]) + size(10) + u16(5) + \
        bytes([4, SLOT1]) + size(4) + u16(0) + size(4096) + \
        bytes([5, SLOT1]) + size(2) + bytes([0, 2]) + \
        bytes([16, SLOT1]) + size(1) + bytes([7, SLOT1])
    yield "escape_symlinks", shape + \
        open_(SLOT0, FOLLOW, path("a", "up", "outside"), 0, SLOT1) + \
        open_(SLOT0, FOLLOW, path("abs"), 0, SLOT2) + \
        open_(SLOT0, FOLLOW, path("dotdot", "outside"), 0, SLOT2) + \
        bytes([21, SLOT0, FOLLOW]) + path("a", "out") + \
        bytes([21, SLOT0, FOLLOW]) + path("..") + \
        bytes([21, SLOT0, FOLLOW]) + path("outside", lead=True)
    yield "rename_link_unlink", shape + \
        bytes([23, SLOT0, NOFOLLOW]) + path("ab") + bytes([SLOT0]) + path("new") + \
        bytes([26, SLOT0]) + path("a") + bytes([SLOT0]) + path("e", "c") + \
        bytes([26, SLOT0]) + path("e") + bytes([SLOT0]) + path("e", "c") + \
        bytes([28, SLOT0]) + path("h") + bytes([28, SLOT0]) + path("ab") + \
        bytes([25, SLOT0]) + path("e", trail=True)
    yield "open_unlinked_then_removed_dir", shape + \
        open_(SLOT0, FOLLOW, path("ab"), 0, SLOT1) + \
        bytes([28, SLOT0]) + path("ab") + bytes([28, SLOT0]) + path("h") + \
        bytes([1, SLOT1]) + size(16) + u16(0) + \
        bytes([20, SLOT0]) + path("c") + \
        open_(SLOT0, FOLLOW, path("c"), 2, SLOT2) + \
        bytes([25, SLOT0]) + path("c") + \
        bytes([18, SLOT2]) + u16(512) + bytes([0, 0]) + \
        bytes([20, SLOT2]) + path("new")
    yield "symlink_create_readlink_readdir", shape + \
        bytes([27]) + path("..", "outside") + bytes([SLOT0]) + path("new") + \
        bytes([27]) + path("outside", lead=True) + bytes([SLOT0]) + path("c") + \
        bytes([24, SLOT0]) + path("new") + bytes([40]) + \
        open_(SLOT0, FOLLOW, path("new"), 1, SLOT1) + \
        open_(SLOT0, FOLLOW, path("."), 2, SLOT2) + \
        bytes([18, SLOT2]) + u16(4096) + bytes([0, 0]) + \
        bytes([18, SLOT2]) + u16(30) + bytes([0, 3])
    yield "rights_renumber", shape + \
        bytes([14, SLOT0, 1, 1]) + \
        open_(SLOT0, FOLLOW, path("a", "b"), 0, SLOT1) + \
        bytes([8, SLOT1, SLOT2]) + bytes([15, SLOT2]) + bytes([12, SLOT2]) + \
        bytes([8, SLOT0, SLOT2]) + bytes([19, SLOT2, 16]) + bytes([7, SLOT2]) + \
        bytes([19, SLOT0, 8])


# ---- path_resolver: shape, entry count, entries, then probes.
def resolver_seeds():
    names = ["a", "b", "ab", "h", "c", "e", "up", "x"]
    def entry(kind, parent, name, extra=b""):
        return bytes([kind, parent, names.index(name)]) + extra
    tree = bytes([6]) + entry(0, 0, "a") + entry(1, 0, "ab") + \
        entry(2, 0, "up", path("..", "..", "outside")) + entry(2, 1, "b", path("..")) + \
        entry(3, 0, "h", bytes([0])) + entry(2, 0, "c", path("outside", lead=True))
    def probe(dir_index, follow, p, mode):
        return bytes([dir_index, follow]) + p + bytes([mode])
    yield "escaping_links", u16(0) + tree + \
        probe(0, 1, path("up"), 1) + probe(0, 1, path("a", "b", "up"), 0) + \
        probe(0, 1, path("c"), 0) + probe(0, 0, path("c"), 1) + \
        probe(0, 1, path("a", "..", "..", "box"), 1) + \
        probe(0, 1, path("a", "b", "ab"), 0)
    yield "create_and_dirs", u16(0x0401) + tree + \
        probe(0, 1, path("a"), 0x4) + probe(1, 1, path("."), 1) + \
        probe(0, 1, path("new"), 0x2 | 0x8) + probe(0, 1, path("new"), 0x2 | 0x8) + \
        probe(0, 1, path("a", "", "b", trail=True), 1) + \
        probe(0, 1, path("a", trail=True, double=True), 0x4)


# ---- guest_abi: records; imports by witx index.
PATH_OPEN, FD_READ, FD_WRITE, FD_READDIR, FD_PRESTAT_GET, FD_PRESTAT_DIR_NAME = 31, 20, 26, 21, 17, 18
ARGS_GET, POLL_ONEOFF, PATH_FILESTAT_GET = 0, 37, 28


def poke(at, data):
    assert len(data) < 64
    return bytes([0]) + u16(at) + bytes([len(data)]) + data


def call(index, *args):
    """Each arg as (selector, payload): 0 small, 1 u16, 2 near the end, 3 near 2^32, 5 u64."""
    out = bytes([0x80, index])
    for sel, val in args:
        out += bytes([sel])
        out += {0: lambda v: bytes([v]), 1: u16, 2: lambda v: bytes([v]),
                3: lambda v: bytes([v]), 4: u16, 5: u64}[sel](val)
    return out


def small(v): return (0, v)
def ptr(v): return (1, v)
def end(v): return (2, v)
def top(v): return (3, v)
def any64(v): return (5, v)


def abi_seeds():
    shape = u16(0xFFFF)
    yield "open_read_write", shape + poke(0x100, b"ab") + \
        call(PATH_OPEN, small(3), small(1), ptr(0x100), small(2), small(0),
             any64((1 << 30) - 1), any64((1 << 30) - 1), small(0), ptr(0x200)) + \
        poke(0x300, u32(0x400) + u32(16)) + \
        call(FD_READ, small(4), ptr(0x300), small(1), ptr(0x308)) + \
        call(FD_WRITE, small(1), ptr(0x300), small(1), ptr(0x308)) + \
        call(FD_READDIR, small(3), ptr(0x1000), ptr(0x200), any64(0), ptr(0x308))
    yield "pointers_at_the_edge", shape + \
        call(FD_PRESTAT_GET, small(3), end(8)) + \
        call(FD_PRESTAT_DIR_NAME, small(3), end(2), small(8)) + \
        call(FD_READ, small(0), top(0), small(1), ptr(0x10)) + \
        poke(0x20, u32(0xFFFFFFF0) + u32(0x100)) + \
        call(FD_WRITE, small(1), ptr(0x20), small(1), end(4)) + \
        call(PATH_FILESTAT_GET, small(3), small(1), end(1), small(4), ptr(0x41)) + \
        call(ARGS_GET, end(4), end(1)) + \
        call(POLL_ONEOFF, ptr(0x100), ptr(0x800), top(0), ptr(0x40))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for n, d in wasi_ops_seeds(): write("wasi_ops", n, d)
for n, d in resolver_seeds(): write("path_resolver", n, d)
for n, d in abi_seeds(): write("guest_abi", n, d)
