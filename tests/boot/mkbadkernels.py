#!/usr/bin/env python3
"""Write malformed copies of the real kernel, each breaking one loader check.

    mkbadkernels.py KERNEL_ELF OUTDIR     write OUTDIR/<variant>.elf and OUTDIR/manifest.json
    mkbadkernels.py --list                print "<variant><TAB><regex>" lines (for CMake)
    mkbadkernels.py --self-test KERNEL    generate into a temporary directory and check

The loader treats \\EFI\\BOOT\\KERNEL.ELF as untrusted input (loader/elf.c): every
check has its own message (elf_status_str()), and a failed check is reported as

    kestrel: error: load kernel \\EFI\\BOOT\\KERNEL.ELF: <message> (program header N,
    value 0x.., limit 0x..): Load Error (EFI status 0x8000000000000001)

(loader/kernel.c), except the allocation, which says "out of resources: needs N
pages". Each variant here starts from the real kernel.elf and changes as little as
possible so that exactly the named check is the first one to fail (the checks
run in a fixed order: header fields, then each PT_LOAD in turn, then overlaps,
the span and the entry point). The boot tests loader.bad-<variant>
(tests/boot/CMakeLists.txt) boot each one as KERNEL.ELF and expect its message.

manifest.json maps each variant to {"file", "message" (the fragment the loader
prints, an elf_status_str() string), "detail" (the "(program header N, value
0x.., limit 0x..)" this generator predicts), "what" (the change made)}.
<variant>.expect holds the regex of the whole error line, message and values
(exact_regex); the boot test passes it to the harness with --expect-file, so
a loader that named the right check with the wrong values fails.
The fragments below must stay equal to loader/elf.c's strings; --self-test
checks that they are all in that file.
"""

import sys

sys.dont_write_bytecode = True

import json
import os
import re
import struct
import tempfile

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")  # Elf64_Ehdr, 64 bytes
PHDR = struct.Struct("<IIQQQQQQ")  # Elf64_Phdr, 56 bytes
PT_NULL, PT_LOAD = 0, 1
PF_X, PF_W, PF_R = 1, 2, 4
PAGE = 4096
KERNEL_MIN_VADDR = 0xffffffff80000000
MAX_IMAGE_SPAN = 1 << 30  # ELF_MAX_IMAGE_SPAN
MAX_SEGMENTS = 16  # ELF_MAX_SEGMENTS
U64 = (1 << 64) - 1

# loader/elf.c, elf_messages[]
M = {
    "truncated": "file is shorter than an ELF64 header",
    "magic": "bad magic: not an ELF file",
    "class": "not ELFCLASS64 (a 64-bit ELF is required)",
    "endian": "not little-endian (ELFDATA2LSB required)",
    "version": "unknown ELF version (1 required)",
    "type": "not an executable (ET_EXEC required)",
    "machine": "not an x86_64 executable (EM_X86_64 required)",
    "phentsize": "program header entry size too small",
    "phdrs": "program header table lies outside the file",
    "noload": "no PT_LOAD segment",
    "toomany": "too many PT_LOAD segments",
    "segment": "segment data runs past the end of the file",
    "filesz": "segment file size larger than its memory size",
    "address": "segment address not in the top 2 GiB (0xffffffff80000000 and up), or wraps",
    "align": "segment alignment not a power of two",
    "wx": "segment is both writable and executable",
    "overlap": "segments overlap (share a page)",
    "toolarge": "loaded image too large",
    "entry": "entry point outside every executable segment",
}
# loader/kernel.c: AllocatePages failed
OUT_OF_RESOURCES = "out of resources: needs %d pages"
OUT_OF_RESOURCES_RE = r"out of resources: needs \d+ pages"


class Elf:
    """The kernel, taken apart into header fields and program headers."""

    def __init__(self, data):
        self.data = bytearray(data)
        f = EHDR.unpack_from(data, 0)
        self.ident = bytearray(f[0])
        (self.type, self.machine, self.version, self.entry, self.phoff, self.shoff,
         self.flags, self.ehsize, self.phentsize, self.phnum, self.shentsize, self.shnum,
         self.shstrndx) = f[1:]
        self.ph = [list(PHDR.unpack_from(data, self.phoff + i * self.phentsize))
                   for i in range(self.phnum)]

    def loads(self):
        """[(index, phdr)] of the PT_LOAD segments the loader keeps (memsz > 0)."""
        return [(i, p) for i, p in enumerate(self.ph) if p[0] == PT_LOAD and p[6] > 0]

    def find(self, want):
        """The first kept PT_LOAD whose flags are exactly want: (index, phdr)."""
        for i, p in self.loads():
            if p[1] & (PF_R | PF_W | PF_X) == want:
                return i, p
        raise ValueError("the kernel has no PT_LOAD segment with flags %#x" % want)

    def pack(self):
        out = bytearray(self.data)
        EHDR.pack_into(out, 0, bytes(self.ident), self.type, self.machine, self.version,
                       self.entry, self.phoff, self.shoff, self.flags, self.ehsize,
                       self.phentsize, self.phnum, self.shentsize, self.shnum, self.shstrndx)
        if self.phentsize >= PHDR.size and self.phoff + len(self.ph) * PHDR.size <= len(out):
            for i, p in enumerate(self.ph):
                PHDR.pack_into(out, self.phoff + i * self.phentsize, *p)
        return bytes(out)


# Field positions in a phdr list.
P_TYPE, P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN = range(8)


def detail(index, value, limit):
    return "(program header %d, value 0x%x, limit 0x%x)" % (index, value, limit)


def page_up(v):
    return (v + PAGE - 1) & ~(PAGE - 1)


def span(e):
    lo = min(p[P_VADDR] & ~(PAGE - 1) for _, p in e.loads())
    hi = max(page_up(p[P_VADDR] + p[P_MEMSZ]) for _, p in e.loads())
    return lo, hi


# Each variant: (name, what it changes, function(data, Elf) -> (bytes, message, detail)).
# The functions may modify the Elf they get (a fresh one each time).

def v_truncated(data, e):
    return data[:63], M["truncated"], detail(0, 63, 64)


def v_empty(data, e):
    return b"", M["truncated"], detail(0, 0, 64)


def v_bad_magic(data, e):
    e.ident[1:4] = b"ELG"
    return e.pack(), M["magic"], detail(0, 0x7f, 0x7f)


def v_elfclass32(data, e):
    e.ident[4] = 1
    return e.pack(), M["class"], detail(0, 1, 2)


def v_big_endian(data, e):
    e.ident[5] = 2
    return e.pack(), M["endian"], detail(0, 2, 1)


def v_bad_version(data, e):
    e.version = 2
    return e.pack(), M["version"], detail(0, 2, 1)


def v_et_dyn(data, e):
    e.type = 3
    return e.pack(), M["type"], detail(0, 3, 2)


def v_em_386(data, e):
    e.machine = 3
    return e.pack(), M["machine"], detail(0, 3, 62)


def v_small_phentsize(data, e):
    e.phentsize = 32
    return e.pack(), M["phentsize"], detail(0, 32, 56)


def v_phdrs_past_end(data, e):
    e.phoff = len(data) - PHDR.size  # the first entry fits, the table does not
    return e.pack(), M["phdrs"], detail(0, e.phoff, len(data))


def v_phoff_wraps(data, e):
    # phoff + phnum * phentsize wraps to a small number: must not pass.
    e.phoff = (1 << 64) - 64
    return e.pack(), M["phdrs"], detail(0, e.phoff, len(data))


def v_no_load(data, e):
    for p in e.ph:
        if p[P_TYPE] == PT_LOAD:
            p[P_TYPE] = PT_NULL
    return e.pack(), M["noload"], detail(0, e.phnum, 0)


def v_segment_past_end(data, e):
    i, p = e.find(PF_R | PF_X)
    p[P_FILESZ] = len(data) - p[P_OFFSET] + 1
    p[P_MEMSZ] = max(p[P_MEMSZ], p[P_FILESZ])
    return e.pack(), M["segment"], detail(i, p[P_OFFSET], len(data))


def v_segment_offset_wraps(data, e):
    i, p = e.find(PF_R | PF_X)
    p[P_OFFSET] = (1 << 64) - 0x100  # offset + filesz wraps past 2^64
    return e.pack(), M["segment"], detail(i, p[P_OFFSET], len(data))


def v_filesz_gt_memsz(data, e):
    i, p = e.find(PF_R)
    p[P_MEMSZ] = p[P_FILESZ] - 1
    return e.pack(), M["filesz"], detail(i, p[P_FILESZ], p[P_MEMSZ])


def v_low_address(data, e):
    i, p = e.find(PF_R)
    p[P_VADDR] = p[P_PADDR] = 0x400000
    return e.pack(), M["address"], detail(i, p[P_VADDR], p[P_MEMSZ])


def v_address_wraps(data, e):
    i, p = e.find(PF_R)
    p[P_VADDR] = p[P_PADDR] = 0xfffffffffffff000
    return e.pack(), M["address"], detail(i, p[P_VADDR], p[P_MEMSZ])


def v_bad_align(data, e):
    i, p = e.find(PF_R)
    p[P_ALIGN] = 0x3000
    return e.pack(), M["align"], detail(i, 0x3000, 0)


def v_wx(data, e):
    i, p = e.find(PF_R | PF_W)
    p[P_FLAGS] |= PF_X
    return e.pack(), M["wx"], detail(i, p[P_VADDR], p[P_FLAGS])


def v_overlap(data, e):
    (ia, a), (ib, b) = e.find(PF_R | PF_X), e.find(PF_R)
    b[P_VADDR] = b[P_PADDR] = a[P_VADDR] + PAGE  # inside the text segment
    # elf.c reports the later of the pair (j), against the earlier one's address.
    first, second = (a, b) if ia < ib else (b, a)
    return e.pack(), M["overlap"], detail(max(ia, ib), second[P_VADDR], first[P_VADDR])


def grow_bss(e, new_span):
    """Grow the data segment's bss so the image spans new_span bytes, moving the
    segments above it (the symbol table) up so that nothing overlaps."""
    i, p = e.find(PF_R | PF_W)
    lo, hi = span(e)
    above = [q for _, q in e.loads() if q[P_VADDR] > p[P_VADDR]]
    above_size = sum(page_up(q[P_VADDR] + q[P_MEMSZ]) - (q[P_VADDR] & ~(PAGE - 1))
                     for q in above)
    bss_end = lo + new_span - above_size
    for q in above:  # keep their page offsets and order, packed after the bss
        delta = q[P_VADDR] - (q[P_VADDR] & ~(PAGE - 1))
        q[P_VADDR] = q[P_PADDR] = bss_end + delta
        bss_end = page_up(q[P_VADDR] + q[P_MEMSZ])
    p[P_MEMSZ] = lo + new_span - above_size - p[P_VADDR]
    lo, hi = span(e)
    assert hi - lo == new_span, (hi - lo, new_span)
    return hi - lo


def v_too_large(data, e):
    size = grow_bss(e, MAX_IMAGE_SPAN + PAGE)
    return e.pack(), M["toolarge"], detail(0, size, MAX_IMAGE_SPAN)


def v_huge_bss(data, e):
    # Passes every check (the span stays under 1 GiB) but needs 900 MiB of
    # contiguous pages: the allocation fails in a 256 MiB guest.
    size = grow_bss(e, 900 << 20)
    return e.pack(), OUT_OF_RESOURCES % (size // PAGE), ""


def v_entry_outside(data, e):
    i, p = e.find(PF_R)
    e.entry = p[P_VADDR]  # read-only data, not executable
    return e.pack(), M["entry"], detail(0, e.entry, 0)


def v_too_many_segments(data, e):
    # A new program header table at the end of the file: the kernel's own
    # headers, then tiny bss-only segments until there are 17 PT_LOADs.
    lo, hi = span(e)
    extra = MAX_SEGMENTS + 1 - len(e.loads())
    ph = [list(p) for p in e.ph]
    for k in range(extra):
        va = hi + (k + 1) * PAGE
        ph.append([PT_LOAD, PF_R, 0, va, va, 0, PAGE, PAGE])
    base = page_up(len(data))
    out = bytearray(data) + bytes(base - len(data))
    e.data = out + bytes(len(ph) * PHDR.size)
    e.phoff, e.phnum, e.ph = base, len(ph), ph
    # The 17th kept PT_LOAD is the last header.
    return e.pack(), M["toomany"], detail(len(ph) - 1, MAX_SEGMENTS + 1, MAX_SEGMENTS)


VARIANTS = [
    ("truncated", "the first 63 bytes only", v_truncated),
    ("empty", "a file of 0 bytes", v_empty),
    ("bad-magic", "\\x7fELG instead of \\x7fELF", v_bad_magic),
    ("elfclass32", "EI_CLASS = ELFCLASS32", v_elfclass32),
    ("big-endian", "EI_DATA = ELFDATA2MSB", v_big_endian),
    ("bad-version", "e_version = 2", v_bad_version),
    ("et-dyn", "e_type = ET_DYN", v_et_dyn),
    ("em-386", "e_machine = EM_386", v_em_386),
    ("small-phentsize", "e_phentsize = 32", v_small_phentsize),
    ("phdrs-past-end", "e_phoff: the table runs past the end of the file", v_phdrs_past_end),
    ("phoff-wraps", "e_phoff = 2^64 - 64: offset + size wraps", v_phoff_wraps),
    ("no-load", "every PT_LOAD made PT_NULL", v_no_load),
    ("too-many-segments", "17 PT_LOAD segments", v_too_many_segments),
    ("segment-past-end", "text p_filesz runs one byte past the end of the file",
     v_segment_past_end),
    ("segment-offset-wraps", "text p_offset = 2^64 - 256: offset + filesz wraps",
     v_segment_offset_wraps),
    ("filesz-gt-memsz", "rodata p_memsz = p_filesz - 1", v_filesz_gt_memsz),
    ("low-address", "rodata p_vaddr = 0x400000", v_low_address),
    ("address-wraps", "rodata p_vaddr = 0xfffffffffffff000: vaddr + memsz wraps",
     v_address_wraps),
    ("bad-align", "rodata p_align = 0x3000", v_bad_align),
    ("wx", "data segment flags RWX", v_wx),
    ("overlap", "rodata moved one page into the text segment", v_overlap),
    ("too-large", "bss grown so the image spans 1 GiB + 4 KiB", v_too_large),
    ("huge-bss", "bss grown so the image spans 900 MiB (passes the checks, cannot be "
                 "allocated in 256 MiB)", v_huge_bss),
    ("entry-outside", "e_entry = start of the read-only data", v_entry_outside),
]


def message_regex(message):
    """What the loader prints for a fragment, as a regex (no ';' or '[' for CMake)."""
    if message.startswith("out of resources"):
        frag = OUT_OF_RESOURCES_RE
    else:
        frag = re.sub(r"([.^$*+?{}()|\\\[\]])", r"\\\1", message)
    rx = r"^kestrel: error: load kernel \S*KERNEL\.ELF: " + frag
    assert ";" not in rx and "[" not in frag
    return rx


def exact_regex(message, det):
    """The whole error line for a variant: its message and the exact values.

    The loader prints hex digits in upper case (gnu-efi), this generator in
    lower case, so each letter matches either. Written to <variant>.expect
    for the harness's --expect-file (a file, so no CMake quoting applies)."""
    def hexless(s):
        return "".join("[%s%s]" % (c, c.upper()) if c in "abcdef" else c for c in s)
    rx = r"^kestrel: error: load kernel \S*KERNEL\.ELF: " + re.escape(message)
    if det:
        parts = re.split(r"(0x[0-9a-f]+)", det)
        rx += r"\ " + "".join(hexless(p) if p.startswith("0x") else re.escape(p)
                               for p in parts)
    return rx


def generate(kernel, outdir):
    with open(kernel, "rb") as f:
        data = f.read()
    os.makedirs(outdir, exist_ok=True)
    manifest = {}
    for name, what, fn in VARIANTS:
        out, message, det = fn(data, Elf(data))
        fname = name + ".elf"
        tmp = os.path.join(outdir, fname + ".tmp")
        with open(tmp, "wb") as f:
            f.write(out)
        os.replace(tmp, os.path.join(outdir, fname))
        manifest[name] = {"file": fname, "message": message, "detail": det, "what": what,
                          "regex": message_regex(message)}
        with open(os.path.join(outdir, name + ".expect"), "w") as f:
            f.write(exact_regex(message, det) + "\n")
    tmp = os.path.join(outdir, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, os.path.join(outdir, "manifest.json"))
    return manifest


def self_test(kernel):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "loader", "elf.c")) as f:
        elf_c = f.read()
    for key, msg in M.items():
        assert '"%s"' % msg in elf_c, "message %r (%s) is not in loader/elf.c" % (msg, key)
    with tempfile.TemporaryDirectory() as d:
        man = generate(kernel, d)
        names = [n for n, _, _ in VARIANTS]
        assert len(set(names)) == len(names)
        blobs = set()
        for n in names:
            with open(os.path.join(d, man[n]["file"]), "rb") as f:
                blobs.add(f.read())
        assert len(blobs) == len(names), "two variants are the same file"
        # The .expect regex matches the line as the loader prints it (upper-case
        # hex, gnu-efi), and not one with a different value.
        for n in names:
            with open(os.path.join(d, n + ".expect")) as f:
                rx = re.compile(f.read().strip())
            det = man[n]["detail"]
            shown = re.sub(r"0x([0-9a-f]+)", lambda m: "0x" + m.group(1).upper(), det)
            line = ("kestrel: error: load kernel \\EFI\\BOOT\\KERNEL.ELF: %s%s: Load Error "
                    "(EFI status 0x8000000000000001)" % (man[n]["message"],
                                                         " " + shown if shown else ""))
            assert rx.search(line), "%s: %s does not match %r" % (n, rx.pattern, line)
            if det:
                wrong = line.replace("limit 0x", "limit 0x1")
                assert not rx.search(wrong), "%s: the regex ignores the values" % n
        messages = {man[n]["message"] for n in names if not n == "huge-bss"}
        print("mkbadkernels: %d variants, %d distinct messages: ok" % (len(names),
                                                                      len(messages) + 1))


def main(argv):
    if argv[:1] == ["--list"]:
        # The message of each variant does not depend on the kernel: take it
        # from a synthetic one with the same segment layout.
        for name, _, fn in VARIANTS:
            print("%s\t%s" % (name, message_regex(fn(_SYNTHETIC, Elf(_SYNTHETIC))[1])))
        return 0
    if argv[:1] == ["--self-test"] and len(argv) == 2:
        self_test(argv[1])
        return 0
    if len(argv) != 2:
        print("usage: mkbadkernels.py KERNEL_ELF OUTDIR | --list | --self-test KERNEL_ELF",
              file=sys.stderr)
        return 2
    man = generate(argv[0], argv[1])
    print("mkbadkernels: %d malformed kernels in %s" % (len(man), argv[1]))
    return 0


def _synthetic_kernel():
    # text R+X, rodata R, data+bss RW, like kernel.elf; contents do not matter.
    segs = [(PF_R | PF_X, 0x1000, 0xffffffff80000000, 0x2000, 0x2000),
            (PF_R, 0x3000, 0xffffffff80002000, 0x1000, 0x1000),
            (PF_R | PF_W, 0x4000, 0xffffffff80003000, 0x100, 0x5000)]
    data = bytearray(0x5000)
    EHDR.pack_into(data, 0, b"\x7fELF\x02\x01\x01" + bytes(9), 2, 62, 1, segs[0][2], 64, 0,
                   0, 64, PHDR.size, len(segs), 64, 0, 0)
    for i, (fl, off, va, fs, ms) in enumerate(segs):
        PHDR.pack_into(data, 64 + i * PHDR.size, PT_LOAD, fl, off, va, va, fs, ms, PAGE)
    return bytes(data)


_SYNTHETIC = _synthetic_kernel()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
