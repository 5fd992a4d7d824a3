#!/usr/bin/env python3
"""pe_nxcompat.py [--check] PE_FILE: mark a PE32+ image NX-compatible, or check it.

objcopy writes BOOTX64.EFI with DllCharacteristics 0 and has no option to
change it. IMAGE_DLLCHARACTERISTICS_NX_COMPAT (PE/COFF specification,
"DLL Characteristics") tells a firmware that enforces memory protection
(EDK2's PcdImageProtectionPolicy / the UEFI memory attributes protocol) that
the image can run with its data non-executable and its code read-only, and
current Secure Boot signing policies require it. That promise holds only if
every section is page-aligned and none is both writable and executable, so
this tool checks that first and refuses to set the flag otherwise.

Without --check the flag is set in place (before signing: the Authenticode
hash covers the header). With --check nothing is written; the exit status
says whether the flag is set and the sections are W^X (a build check).
"""
import struct
import sys

DLLCHAR_NX_COMPAT = 0x0100
SCN_MEM_EXECUTE = 0x20000000
SCN_MEM_WRITE = 0x80000000
PE32_PLUS = 0x20B
PAGE = 0x1000


def parse(data):
    """Return (offset of DllCharacteristics, its value, section alignment,
    [(name, virtual address, characteristics)])."""
    if data[:2] != b"MZ":
        raise ValueError("no MZ header")
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        raise ValueError("no PE signature at 0x%x" % pe)
    nsections, = struct.unpack_from("<H", data, pe + 6)
    opt_size, = struct.unpack_from("<H", data, pe + 20)
    opt = pe + 24
    magic, = struct.unpack_from("<H", data, opt)
    if magic != PE32_PLUS:
        raise ValueError("optional header magic 0x%x, not PE32+" % magic)
    # PE32+ optional header: SectionAlignment at 32, DllCharacteristics at 70.
    align, = struct.unpack_from("<I", data, opt + 32)
    dllchar_off = opt + 70
    dllchar, = struct.unpack_from("<H", data, dllchar_off)
    sections = []
    for i in range(nsections):
        h = opt + opt_size + 40 * i
        name = data[h:h + 8].rstrip(b"\0").decode("ascii", "replace")
        vaddr, = struct.unpack_from("<I", data, h + 12)
        chars, = struct.unpack_from("<I", data, h + 36)
        sections.append((name, vaddr, chars))
    return dllchar_off, dllchar, align, sections


def problems(align, sections):
    out = []
    if align < PAGE:
        out.append("section alignment 0x%x is below a page" % align)
    for name, vaddr, chars in sections:
        if vaddr % PAGE:
            out.append("section %s at 0x%x is not page-aligned" % (name, vaddr))
        if chars & SCN_MEM_WRITE and chars & SCN_MEM_EXECUTE:
            out.append("section %s is writable and executable" % name)
    return out


def main(argv):
    check = argv[:1] == ["--check"]
    if check:
        argv = argv[1:]
    if len(argv) != 1:
        sys.exit(__doc__)
    path = argv[0]
    data = bytearray(open(path, "rb").read())
    try:
        off, dllchar, align, sections = parse(data)
    except (ValueError, struct.error) as e:
        sys.exit("%s: not a PE32+ image: %s" % (path, e))
    bad = problems(align, sections)
    if check:
        if not dllchar & DLLCHAR_NX_COMPAT:
            bad.insert(0, "DllCharacteristics 0x%x lacks NX_COMPAT (0x%x)"
                       % (dllchar, DLLCHAR_NX_COMPAT))
        if bad:
            print("FAIL: %s:" % path)
            for b in bad:
                print("  " + b)
            sys.exit(1)
        print("ok: %s is NX_COMPAT (DllCharacteristics 0x%x); %d sections, page-aligned, "
              "none writable and executable: %s" % (path, dllchar, len(sections),
                                                   ", ".join(s[0] for s in sections)))
        return
    if bad:
        sys.exit("%s: refusing to set NX_COMPAT: %s" % (path, "; ".join(bad)))
    struct.pack_into("<H", data, off, dllchar | DLLCHAR_NX_COMPAT)
    with open(path, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
