#!/usr/bin/env python3
"""Write altered copies of the real initramfs for the boot tests.

    mkbadinitrds.py INITRD OUTDIR     write OUTDIR/<variant>.cpio and <variant>.expect
    mkbadinitrds.py --list            print "<variant><TAB><kind>" lines (for CMake)
    mkbadinitrds.py --self-test INITRD   generate into a temporary directory and check

Each variant starts from the real archive (build/initrd.cpio) and changes as
little as possible:

  malformed variants (kind "malformed"): the kernel's cpio reader
  (kernel/lib/cpio.c) must refuse the archive with the message this
  generator predicts, naming the offset, unpack nothing, and start its shell;
  tampered (kind "tampered"): one byte of /bin/busybox's data changed, still
  a valid archive: only the digest in the signed loader can tell
  (secureboot.tampered-initrd);
  overlay (kind "overlay"): a second archive appended that replaces
  /etc/motd and adds /etc/overlay, as `cat a.cpio b.cpio` would
  (initramfs.overlay: later entries replace earlier ones).

<variant>.expect holds the regexes (one per line, in order) of the kernel's
lines for that variant; the boot test passes it with --expect-file. The
message fragments below must stay equal to kernel/lib/cpio.c's; --self-test
checks that each is in that file.
"""

import sys

sys.dont_write_bytecode = True

import gzip
import os
import re
import stat
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "scripts"))
import mkinitramfs  # noqa: E402

HEADER = mkinitramfs.HEADER_SIZE

# kernel/lib/cpio.c's messages, as format strings of this generator.
M = {
    "magic": 'bad magic "%s" (a newc header starts with 070701 or 070702)',
    "data": "'%s': %d bytes of data truncated: %d bytes left in the buffer",
    "trailer": "archive %d (from offset %d) ends at offset %d without its TRAILER!!! entry",
    "compressed": "a %s-compressed archive: only uncompressed newc archives are supported",
    "hex": 'header field %s is "%s", not 8 hexadecimal digits',
}
# kernel/fs/initramfs.c's lines around the reader's message.
MALFORMED = "initramfs: malformed archive at offset %d: %s"
NOTHING = "initramfs: nothing unpacked; the kernel's shell starts instead of /init"

VARIANTS = {  # name: kind
    "bad-magic": "malformed",
    "bad-hex": "malformed",
    "truncated": "malformed",
    "no-trailer": "malformed",
    "gzip": "malformed",
    "tampered": "tampered",
    "overlay": "overlay",
}


def entries(data):
    """[(offset, name, data_offset, size)] of every entry up to the trailer."""
    out, pos = [], 0
    while True:
        f = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        name = data[pos + HEADER:pos + HEADER + f[11] - 1].decode()
        at = pos + HEADER + f[11]
        at += mkinitramfs.pad4(at)
        out.append((pos, name, at, f[6]))
        if name == mkinitramfs.TRAILER:
            return out
        pos = at + f[6] + mkinitramfs.pad4(f[6])


def find(data, name):
    for e in entries(data):
        if e[1] == name:
            return e
    raise SystemExit("mkbadinitrds: no %s in the archive" % name)


def lines(*regexes):
    return "".join(r + "\n" for r in regexes)


def malformed(offset, message):
    return lines("^" + re.escape(MALFORMED % (offset, message)) + "$", "^" + re.escape(NOTHING))


def make(data, name):
    """(bytes, expect text) of one variant."""
    data = bytearray(data)
    if name == "bad-magic":
        data[3] = ord("x")
        return data, malformed(0, M["magic"] % "070x01")
    if name == "bad-hex":
        # c_filesize of /etc/hostname: a "g" among its digits.
        off = find(data, "etc/hostname")[0]
        field = off + 6 + 8 * 6
        data[field + 7] = ord("g")
        return data, malformed(field, M["hex"] % ("c_filesize", data[field:field + 8].decode()))
    if name == "truncated":
        _, _, at, size = find(data, "bin/busybox")
        keep = at + size // 2
        return data[:keep], malformed(at, M["data"] % ("bin/busybox", size, keep - at))
    if name == "no-trailer":
        trailer = entries(data)[-1][0]
        return data[:trailer], malformed(trailer, M["trailer"] % (1, 0, trailer))
    if name == "gzip":
        return gzip.compress(bytes(data), mtime=0), malformed(0, M["compressed"] % "gzip")
    if name == "tampered":
        _, _, at, size = find(data, "bin/busybox")
        data[at + size // 2] ^= 0x01
        return data, lines(r"^kestrel: error: verify initrd .*INITRD: its SHA-256 [0-9a-f]{64} "
                           r"does not match the digest [0-9a-f]{64} built into this signed loader")
    if name == "overlay":
        second = mkinitramfs.newc_archive({
            "etc": mkinitramfs.Entry(stat.S_IFDIR | 0o755),
            "etc/motd": mkinitramfs.Entry(stat.S_IFREG | 0o644, b"replaced by the second archive\n"),
            "etc/overlay": mkinitramfs.Entry(stat.S_IFREG | 0o644, b"only in the second archive\n"),
        })
        return data + second, lines(r"^initramfs: [0-9]+ files, ")
    raise SystemExit("mkbadinitrds: unknown variant %s" % name)


def write_all(initrd, outdir):
    with open(initrd, "rb") as f:
        data = f.read()
    os.makedirs(outdir, exist_ok=True)
    for name in VARIANTS:
        blob, expect = make(data, name)
        for suffix, content, mode in ((".cpio", bytes(blob), "wb"), (".expect", expect, "w")):
            tmp = os.path.join(outdir, name + suffix + ".tmp")
            with open(tmp, mode) as f:
                f.write(content)
            os.replace(tmp, os.path.join(outdir, name + suffix))


def self_test(initrd):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "kernel", "lib", "cpio.c")
    with open(src) as f:
        text = f.read()
    # Join the C source's adjacent string literals, and its CPIO_TRAILER.
    text = re.sub(r'"\s*CPIO_TRAILER\s*"', "TRAILER!!!", text)
    text = re.sub(r'"\s*\n\s*"', "", text)
    for key, fmt in M.items():
        for piece in re.split(r"%[sd]", fmt):
            if piece.strip() and piece.replace('"', '\\"') not in text:
                raise SystemExit("mkbadinitrds: %r (message %s) is not in %s"
                                 % (piece, key, src))
    with tempfile.TemporaryDirectory() as tmp:
        write_all(initrd, tmp)
        for name in VARIANTS:
            with open(os.path.join(tmp, name + ".expect")) as f:
                assert f.read().strip(), name
        with open(os.path.join(tmp, "overlay.cpio"), "rb") as f:
            names = [e[1] for e in entries(f.read())]
        assert "bin/busybox" in names
    print("mkbadinitrds: self-test passed")


def main():
    if sys.argv[1:] == ["--list"]:
        for name, kind in VARIANTS.items():
            print("%s\t%s" % (name, kind))
    elif len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        self_test(sys.argv[2])
    elif len(sys.argv) == 3:
        write_all(sys.argv[1], sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
