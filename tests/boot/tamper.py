#!/usr/bin/env python3
"""tamper.py IN OUT: a copy of the kernel ELF IN with one byte of code changed.

The result is still a well-formed kernel that passes every check of
loader/elf.c, the way a maliciously patched kernel would: only the SHA-256
built into the signed loader (loader/verify.c) can tell it from the real one.
The byte changed is the middle byte of the first PT_LOAD segment's file
contents (the kernel's text). The boot test secureboot.tampered-kernel boots
it under Secure Boot and expects the loader's refusal.
"""
import struct
import sys

sys.dont_write_bytecode = True

PT_LOAD = 1


def tamper(data):
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise SystemExit("tamper.py: not an ELF64 file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == PT_LOAD and p_filesz > 0:
            at = p_offset + p_filesz // 2
            data[at] ^= 0x01
            return at
    raise SystemExit("tamper.py: no PT_LOAD segment with file contents")


def main(argv):
    if len(argv) != 3:
        raise SystemExit("usage: tamper.py IN OUT")
    with open(argv[1], "rb") as f:
        data = bytearray(f.read())
    tamper(data)
    with open(argv[2], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv)
