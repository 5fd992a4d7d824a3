#!/usr/bin/env python3
"""Build Kestrel's initramfs: one cpio "newc" archive, as Linux uses.

    mkinitramfs.py --out INITRD [--busybox /bin/busybox] [--skeleton DIR]
                   [--file SRC=DEST]...
    mkinitramfs.py --self-test

The archive holds (docs/initramfs.md):
  - the directories /bin /dev /etc /proc /root /sbin /sys /tmp /usr/bin /usr/sbin;
  - /bin/busybox, a statically linked busybox (Debian's busybox-static), and
    a symlink for each of its applets, from `busybox --list-full` run on the
    build machine, pointing back at it with a relative target
    (bin/sh -> busybox, usr/bin/awk -> ../../bin/busybox, linuxrc -> bin/busybox);
  - the skeleton tree (scripts/initramfs/: /init and the /etc files), each
    file 0755 if it is executable in the source tree and 0644 otherwise;
  - device nodes: /dev/console (5, 1), /dev/tty (5, 0), the terminals
    /dev/tty0 (4, 0), /dev/tty1 (4, 1) and /dev/ttyS0 (4, 64), /dev/null (1, 3),
    /dev/zero (1, 5), /dev/full (1, 7), /dev/random (1, 8), /dev/urandom (1, 9);
  - every --file SRC=DEST (the CMake hook kestrel_initramfs_add), with any
    missing parent directories.

The output depends only on the inputs' contents: entries sorted by path,
mtime 0, uid and gid 0, inode numbers counted from 1 in that order, the
archive padded with NULs to a multiple of 512 bytes as GNU cpio does. No
`cpio` program is needed. The newc writer (newc_entry, newc_archive) is also
used by tests/boot/mkbadinitrds.py.
"""

import sys

sys.dont_write_bytecode = True

import argparse
import os
import stat
import struct
import subprocess
import tempfile

HEADER_SIZE = 110
TRAILER = "TRAILER!!!"
NAME_MAX = 4096  # c_namesize limit (kernel/lib/cpio.h, CPIO_NAME_MAX)

DIRECTORIES = {  # path: mode
    "bin": 0o755, "dev": 0o755, "etc": 0o755, "proc": 0o555, "root": 0o700,
    "sbin": 0o755, "sys": 0o555, "tmp": 0o1777, "usr": 0o755, "usr/bin": 0o755,
    "usr/sbin": 0o755,
}
DEVICES = {  # path: (mode, major, minor), as Linux's default initramfs has /dev/console
    "dev/console": (0o600, 5, 1),
    "dev/null": (0o666, 1, 3),
    "dev/tty": (0o666, 5, 0),
    "dev/tty0": (0o620, 4, 0),
    "dev/tty1": (0o620, 4, 1),
    "dev/ttyS0": (0o660, 4, 64),
    "dev/zero": (0o666, 1, 5),
    "dev/full": (0o666, 1, 7),
    "dev/random": (0o666, 1, 8),
    "dev/urandom": (0o666, 1, 9),
}


class Entry:
    def __init__(self, mode, data=b"", rdev=(0, 0)):
        self.mode = mode
        self.data = data
        self.rdev = rdev


def pad4(n):
    return (4 - n % 4) % 4


def newc_entry(name, mode, data=b"", ino=0, nlink=1, rdev=(0, 0), uid=0, gid=0, mtime=0,
               magic=b"070701", check=0, namesize=None, filesize=None):
    """One newc entry: header, name and data, each padded to 4 bytes (the
    archive is assumed to start on a 4-byte boundary, as every entry ends
    on one). namesize and filesize may be forced (malformed archives)."""
    bname = name.encode() + b"\0"
    if namesize is None:
        namesize = len(bname)
    if filesize is None:
        filesize = len(data)
    fields = (ino, mode, uid, gid, nlink, mtime, filesize, 0, 0, rdev[0], rdev[1], namesize, check)
    header = magic + b"".join(b"%08X" % f for f in fields)
    assert len(header) == HEADER_SIZE
    out = header + bname
    out += b"\0" * pad4(len(out))
    out += data + b"\0" * pad4(len(data))
    return out


def newc_archive(entries, block=512):
    """entries: {path: Entry}. Sorted, numbered, ended by the trailer, padded."""
    subdirs = {}
    for path, e in entries.items():
        if stat.S_ISDIR(e.mode) and "/" in path:
            parent = path.rsplit("/", 1)[0]
            subdirs[parent] = subdirs.get(parent, 0) + 1
    out = bytearray()
    for ino, path in enumerate(sorted(entries, key=lambda p: p.encode()), 1):
        e = entries[path]
        nlink = 2 + subdirs.get(path, 0) if stat.S_ISDIR(e.mode) else 1
        out += newc_entry(path, e.mode, e.data, ino=ino, nlink=nlink, rdev=e.rdev)
    out += newc_entry(TRAILER, 0)
    if block:
        out += b"\0" * ((block - len(out) % block) % block)
    return bytes(out)


def newc_read(data):
    """An independent reader for the self-test: [(name, mode, data, rdev)]."""
    out, pos = [], 0
    while True:
        h = data[pos:pos + HEADER_SIZE]
        if h[:6] not in (b"070701", b"070702"):
            raise ValueError("bad magic at %d" % pos)
        f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        name = data[pos + HEADER_SIZE:pos + HEADER_SIZE + f[11] - 1].decode()
        pos += HEADER_SIZE + f[11]
        pos += pad4(pos)
        body = data[pos:pos + f[6]]
        pos += f[6] + pad4(f[6])
        if name == TRAILER:
            return out
        out.append((name, f[1], body, (f[9], f[10])))


def check_static_elf(path):
    """The busybox must be a static x86-64 executable: no PT_INTERP."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:4] != b"\x7fELF" or blob[4] != 2:
        raise SystemExit("mkinitramfs: %s is not a 64-bit ELF file" % path)
    (e_machine,) = struct.unpack_from("<H", blob, 18)
    if e_machine != 62:
        raise SystemExit("mkinitramfs: %s is not an x86-64 program (e_machine %d)"
                         % (path, e_machine))
    phoff, = struct.unpack_from("<Q", blob, 32)
    phentsize, phnum = struct.unpack_from("<HH", blob, 54)
    for i in range(phnum):
        (p_type,) = struct.unpack_from("<I", blob, phoff + i * phentsize)
        if p_type == 3:  # PT_INTERP
            raise SystemExit("mkinitramfs: %s is dynamically linked; the initramfs needs "
                             "a static busybox: install the Debian package 'busybox-static' "
                             "(scripts/deps does it for you)" % path)
    return blob


def applets(busybox):
    """busybox --list-full: "usr/bin/awk" and so on, one per line."""
    r = subprocess.run([busybox, "--list-full"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("mkinitramfs: %s --list-full failed (status %d): %s"
                         % (busybox, r.returncode, r.stderr.strip()))
    names = [line.strip().strip("/") for line in r.stdout.splitlines() if line.strip()]
    if not names:
        raise SystemExit("mkinitramfs: %s --list-full listed no applets" % busybox)
    return names


def add_parents(entries, path):
    parts = path.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in entries:
            entries[d] = Entry(stat.S_IFDIR | 0o755)
        elif not stat.S_ISDIR(entries[d].mode):
            raise SystemExit("mkinitramfs: %s needs %s to be a directory" % (path, d))


def build(busybox=None, skeleton=None, files=()):
    entries = {d: Entry(stat.S_IFDIR | m) for d, m in DIRECTORIES.items()}
    for path, (mode, major, minor) in DEVICES.items():
        entries[path] = Entry(stat.S_IFCHR | mode, rdev=(major, minor))
    if busybox:
        entries["bin/busybox"] = Entry(stat.S_IFREG | 0o755, check_static_elf(busybox))
        for name in applets(busybox):
            if name == "bin/busybox":
                continue
            target = os.path.relpath("bin/busybox", os.path.dirname(name) or ".")
            add_parents(entries, name)
            entries[name] = Entry(stat.S_IFLNK | 0o777, target.encode())
    if skeleton:
        for root, dirs, names in os.walk(skeleton):
            dirs.sort()
            rel = os.path.relpath(root, skeleton)
            for d in dirs:
                p = os.path.normpath(os.path.join(rel, d))
                entries.setdefault(p, Entry(stat.S_IFDIR | 0o755))
            for n in sorted(names):
                src = os.path.join(root, n)
                p = os.path.normpath(os.path.join(rel, n))
                mode = 0o755 if os.access(src, os.X_OK) else 0o644
                with open(src, "rb") as f:
                    entries[p] = Entry(stat.S_IFREG | mode, f.read())
    for spec in files:
        src, sep, dest = spec.partition("=")
        dest = dest.strip("/")
        if not sep or not src or not dest:
            raise SystemExit("mkinitramfs: --file wants SRC=DEST, got %r" % spec)
        if len(dest.encode()) + 1 > NAME_MAX:
            raise SystemExit("mkinitramfs: destination path too long: %s" % dest)
        with open(src, "rb") as f:
            data = f.read()
        mode = 0o755 if os.access(src, os.X_OK) else 0o644
        add_parents(entries, dest)
        entries[dest] = Entry(stat.S_IFREG | mode, data)
    return newc_archive(entries)


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        skel = os.path.join(tmp, "skel")
        os.makedirs(os.path.join(skel, "etc"))
        with open(os.path.join(skel, "init"), "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(os.path.join(skel, "init"), 0o700)
        with open(os.path.join(skel, "etc", "hostname"), "w") as f:
            f.write("kestrel\n")
        extra = os.path.join(tmp, "prog")
        with open(extra, "wb") as f:
            f.write(b"\x7fELF" + bytes(range(256)) * 3)
        one = build(skeleton=skel, files=[extra + "=/opt/test/prog"])
        two = build(skeleton=skel, files=[extra + "=/opt/test/prog"])
        assert one == two, "two builds differ"
        assert len(one) % 512 == 0
        got = {name: (mode, data, rdev) for name, mode, data, rdev in newc_read(one)}
        names = [name for name, _, _, _ in newc_read(one)]
        assert names == sorted(names, key=str.encode), names
        assert got["init"][0] == stat.S_IFREG | 0o755
        assert got["etc/hostname"] == (stat.S_IFREG | 0o644, b"kestrel\n", (0, 0))
        assert got["opt"][0] == stat.S_IFDIR | 0o755
        assert got["opt/test/prog"][1] == b"\x7fELF" + bytes(range(256)) * 3
        assert got["dev/console"] == (stat.S_IFCHR | 0o600, b"", (5, 1))
        assert got["dev/ttyS0"] == (stat.S_IFCHR | 0o660, b"", (4, 64))
        assert got["tmp"][0] == stat.S_IFDIR | 0o1777
    print("mkinitramfs: self-test passed")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out")
    p.add_argument("--busybox", help="a static busybox (Debian: busybox-static's /bin/busybox)")
    p.add_argument("--skeleton", help="a directory whose tree is copied in (scripts/initramfs)")
    p.add_argument("--file", action="append", default=[], metavar="SRC=DEST",
                   help="add the file SRC as DEST (repeatable)")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    if args.self_test:
        return self_test()
    if not args.out:
        p.error("--out is required")
    data = build(args.busybox, args.skeleton, args.file)
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
