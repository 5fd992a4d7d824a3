#!/usr/bin/env python3
"""Convert a PSF1 or PSF2 console font into the kernel's console font.

The kernel console (kernel/console/) draws Latin-1: a cell holds one byte and
that byte is the glyph index. So this script owns the one mapping from Unicode
to glyphs, done once at build time: the output is a PSF2 font of exactly 256
glyphs in which glyph N is the font's glyph for code point U+00NN, found
through the input's unicode table. Its invariants, which the kernel relies on:

  - glyph N draws U+00NN for every printable N (0x20..0x7E, 0xA0..0xFF);
    code points the font lacks get the font's replacement glyph (U+FFFD if
    present, else '?');
  - the control slots 0x00..0x1F and 0x7F..0x9F are blank, except 0x1A
    (SUB, the ASCII "substitute" character), which holds the replacement
    glyph so the terminal can show characters outside Latin-1;
  - the output carries a unicode table (glyph N -> U+N) so other PSF tools
    understand it, and its header passes kernel/console/psf.c's checks.

Input may be gzipped (as Debian ships /usr/share/consolefonts/*.psf.gz).
A malformed input stops the build with a message naming the file and the
problem; the output is written atomically so a failed run leaves nothing.

Usage: mkfont.py INPUT OUTPUT
       mkfont.py --self-test
Python 3 standard library only.
"""

import gzip
import os
import struct
import sys
import tempfile

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512 = 0x01
PSF1_MODEHASTAB = 0x02
PSF1_MODEHASSEQ = 0x04
PSF1_SEPARATOR = 0xFFFF
PSF1_STARTSEQ = 0xFFFE

PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF2_HEADER = struct.Struct("<8I")  # magic version headersize flags length charsize height width
PSF2_HAS_UNICODE_TABLE = 0x01
PSF2_SEPARATOR = 0xFF
PSF2_STARTSEQ = 0xFE

OUTPUT_GLYPHS = 256
REPLACEMENT_SLOT = 0x1A  # ASCII SUB; see the module comment
MAX_DIMENSION = 256  # kernel/console/psf.h PSF_MAX_DIMENSION


class FontError(Exception):
    """A malformed or unusable input font."""


class Font:
    """Glyph bitmaps plus a map from code point to glyph index."""

    def __init__(self, width, height, glyphs, cmap, has_table):
        self.width = width
        self.height = height
        self.glyphs = glyphs  # list of bytes, each height * ((width + 7) // 8)
        self.cmap = cmap      # code point -> glyph index (first mapping wins)
        self.has_table = has_table


def _add_mapping(cmap, cp, index):
    # A glyph may stand for several code points; a code point listed for two
    # glyphs keeps the first, as the Linux kernel's con_set_unimap does.
    cmap.setdefault(cp, index)


def parse_psf1(data):
    if len(data) < 4:
        raise FontError("truncated PSF1 header: %d bytes, need 4" % len(data))
    mode, charsize = data[2], data[3]
    if mode & ~(PSF1_MODE512 | PSF1_MODEHASTAB | PSF1_MODEHASSEQ):
        raise FontError("PSF1 mode 0x%02x has unknown bits" % mode)
    if charsize == 0:
        raise FontError("PSF1 glyph height is 0")
    count = 512 if mode & PSF1_MODE512 else 256
    end = 4 + count * charsize
    if len(data) < end:
        raise FontError("truncated PSF1 glyph table: %d glyphs of %d bytes need %d bytes, "
                        "file has %d" % (count, charsize, end, len(data)))
    glyphs = [bytes(data[4 + i * charsize:4 + (i + 1) * charsize]) for i in range(count)]
    cmap = {}
    has_table = bool(mode & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ))
    if has_table:
        pos = end
        for index in range(count):
            in_sequence = False
            while True:
                if pos + 2 > len(data):
                    raise FontError("truncated PSF1 unicode table at glyph %d (offset %d)"
                                    % (index, pos))
                (value,) = struct.unpack_from("<H", data, pos)
                pos += 2
                if value == PSF1_SEPARATOR:
                    break
                if value == PSF1_STARTSEQ:
                    in_sequence = True  # combining sequences: not single code points
                elif not in_sequence:
                    if 0xD800 <= value <= 0xDFFF:
                        raise FontError("PSF1 unicode table maps glyph %d to surrogate U+%04X"
                                        % (index, value))
                    _add_mapping(cmap, value, index)
    return Font(8, charsize, glyphs, cmap, has_table)


def _utf8_entries(data, pos, index):
    """Decode one PSF2 unicode-table entry; return (code points, new pos)."""
    cps = []
    in_sequence = False
    while True:
        if pos >= len(data):
            raise FontError("truncated PSF2 unicode table at glyph %d (offset %d)" % (index, pos))
        b = data[pos]
        if b == PSF2_SEPARATOR:
            return cps, pos + 1
        if b == PSF2_STARTSEQ:
            in_sequence = True
            pos += 1
            continue
        if b < 0x80:
            n = 1
        elif 0xC2 <= b <= 0xDF:
            n = 2
        elif 0xE0 <= b <= 0xEF:
            n = 3
        elif 0xF0 <= b <= 0xF4:
            n = 4
        else:
            raise FontError("PSF2 unicode table: invalid UTF-8 byte 0x%02x at offset %d "
                            "(glyph %d)" % (b, pos, index))
        chunk = bytes(data[pos:pos + n])
        try:
            s = chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise FontError("PSF2 unicode table: invalid UTF-8 %s at offset %d (glyph %d)"
                            % (chunk.hex(), pos, index)) from None
        pos += n
        if not in_sequence:
            cps.append(ord(s))


def parse_psf2(data):
    if len(data) < PSF2_HEADER.size:
        raise FontError("truncated PSF2 header: %d bytes, need %d" % (len(data), PSF2_HEADER.size))
    _, version, headersize, flags, length, charsize, height, width = PSF2_HEADER.unpack_from(data)
    if version != 0:
        raise FontError("PSF2 version %d, only 0 exists" % version)
    if headersize < PSF2_HEADER.size or headersize > len(data):
        raise FontError("PSF2 header size %d is outside 32..%d" % (headersize, len(data)))
    if flags & ~PSF2_HAS_UNICODE_TABLE:
        raise FontError("PSF2 flags 0x%x have unknown bits" % flags)
    if length == 0:
        raise FontError("PSF2 font has no glyphs")
    if not (1 <= width <= MAX_DIMENSION and 1 <= height <= MAX_DIMENSION):
        raise FontError("PSF2 glyph size %dx%d is outside 1..%d" % (width, height, MAX_DIMENSION))
    if charsize != height * ((width + 7) // 8):
        raise FontError("PSF2 bytes per glyph %d, expected %d for %dx%d"
                        % (charsize, height * ((width + 7) // 8), width, height))
    end = headersize + length * charsize
    if len(data) < end:
        raise FontError("truncated PSF2 glyph table: %d glyphs of %d bytes need %d bytes, "
                        "file has %d" % (length, charsize, end, len(data)))
    glyphs = [bytes(data[headersize + i * charsize:headersize + (i + 1) * charsize])
              for i in range(length)]
    cmap = {}
    has_table = bool(flags & PSF2_HAS_UNICODE_TABLE)
    if has_table:
        pos = end
        for index in range(length):
            cps, pos = _utf8_entries(data, pos, index)
            for cp in cps:
                _add_mapping(cmap, cp, index)
    return Font(width, height, glyphs, cmap, has_table)


def parse_font(data):
    """Parse a PSF1 or PSF2 font, gzipped or not."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise FontError("corrupt gzip stream: %s" % e) from None
    if data[:2] == PSF1_MAGIC:
        return parse_psf1(data)
    if data[:4] == PSF2_MAGIC:
        return parse_psf2(data)
    raise FontError("not a PSF1 or PSF2 font (magic %s)" % data[:4].hex())


def is_control(cp):
    return cp < 0x20 or 0x7F <= cp <= 0x9F


def convert(font):
    """Return the 256-glyph PSF2 file (bytes) described in the module comment."""
    cmap = font.cmap
    if not font.has_table:
        # Without a table the only sensible reading is that glyph N is U+N
        # (true of ISO 8859-1 fonts; a CP437 font would show the wrong
        # upper half, which is why Debian's fonts all carry tables).
        cmap = {i: i for i in range(min(len(font.glyphs), OUTPUT_GLYPHS))}
    if 0xFFFD in cmap:
        replacement = cmap[0xFFFD]
    elif ord("?") in cmap:
        replacement = cmap[ord("?")]
    else:
        raise FontError("the font has neither U+FFFD nor '?' to stand for missing characters")
    charsize = len(font.glyphs[0])
    blank = bytes(charsize)
    out = []
    table = bytearray()
    for cp in range(OUTPUT_GLYPHS):
        if cp == REPLACEMENT_SLOT:
            out.append(font.glyphs[replacement])
            table += "\ufffd".encode("utf-8")
        elif is_control(cp):
            out.append(blank)
        else:
            out.append(font.glyphs[cmap.get(cp, replacement)])
            table += chr(cp).encode("utf-8")
        table.append(PSF2_SEPARATOR)
    header = PSF2_HEADER.pack(struct.unpack("<I", PSF2_MAGIC)[0], 0, PSF2_HEADER.size,
                              PSF2_HAS_UNICODE_TABLE, OUTPUT_GLYPHS, charsize,
                              font.height, font.width)
    return header + b"".join(out) + bytes(table)


def write_atomically(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mkfont.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def self_test():
    """Check the conversion and the error paths on synthetic fonts."""
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    def expect_error(name, data, needle):
        try:
            convert(parse_font(data))
        except FontError as e:
            check(needle in str(e), "%s: message %r lacks %r" % (name, str(e), needle))
            return
        failures.append("%s: accepted" % name)

    def glyph(out, n):
        charsize = PSF2_HEADER.unpack_from(out)[5]
        return out[32 + charsize * n:32 + charsize * (n + 1)]

    def fill(value):
        return bytes([value]) * 16

    # PSF1, 256 glyphs, glyph i filled with byte i. Glyph 1 is U+FFFD; glyph 2
    # is U+00E9 plus the combining sequence "A U+0301" (which must not make
    # it U+0041); glyph 0x41 is U+3041, so U+0041 is missing.
    tab = b""
    for i in range(256):
        entries = {1: [0xFFFD], 2: [0xE9, PSF1_STARTSEQ, 0x41, 0x301]}.get(
            i, [i] if 0x20 <= i <= 0x7E and i != 0x41 else [0x3000 + i])
        tab += struct.pack("<%dH" % (len(entries) + 1), *entries, PSF1_SEPARATOR)
    psf1 = PSF1_MAGIC + bytes([PSF1_MODEHASTAB, 16]) + b"".join(fill(i) for i in range(256)) + tab
    out = convert(parse_font(psf1))
    check(PSF2_HEADER.unpack_from(out)[4:] == (256, 16, 16, 8), "PSF1: output header")
    check(glyph(out, 0x42) == fill(0x42), "PSF1: U+0042 not glyph 0x42")
    check(glyph(out, 0xE9) == fill(2), "PSF1: U+00E9 not glyph 2")
    check(glyph(out, 0x41) == fill(1), "PSF1: missing U+0041 did not get the U+FFFD glyph")
    check(glyph(out, 0xA0) == fill(1), "PSF1: missing U+00A0 did not get the U+FFFD glyph")
    check(glyph(out, REPLACEMENT_SLOT) == fill(1), "PSF1: slot 0x1A is not the replacement")
    check(glyph(out, 0x0A) == bytes(16) and glyph(out, 0x85) == bytes(16),
          "PSF1: control slots not blank")
    check(convert(parse_font(out)) == out, "PSF1: converting the output again changed it")

    # PSF2 (gzipped), 200 glyphs. Glyph 0x11 is 'A' and 'a', glyph 0x12 'A'
    # again (the first mapping wins), glyph 0x13 '?', no U+FFFD.
    table = b""
    for i in range(200):
        cps = {0x10: [0xE9], 0x11: [0x41, 0x61], 0x12: [0x41], 0x13: [0x3F]}.get(i, [0x2000 + i])
        table += "".join(map(chr, cps)).encode() + b"\xfe" + "e\u0301".encode() + b"\xff"
    psf2 = (PSF2_HEADER.pack(0x864AB572, 0, 32, 1, 200, 16, 16, 8)
            + b"".join(fill(i) for i in range(200)) + table)
    out = convert(parse_font(gzip.compress(psf2)))
    check(glyph(out, 0xE9) == fill(0x10), "PSF2: U+00E9 not glyph 0x10")
    check(glyph(out, 0x41) == fill(0x11) and glyph(out, 0x61) == fill(0x11),
          "PSF2: first mapping must win, both code points of a glyph must map")
    check(glyph(out, 0x42) == fill(0x13), "PSF2: missing U+0042 did not get '?'")

    expect_error("empty", b"", "not a PSF1 or PSF2")
    expect_error("bad magic", bytes(64), "not a PSF1 or PSF2")
    expect_error("bad gzip", b"\x1f\x8b\x08\x00garbage", "corrupt gzip")
    expect_error("PSF1 short header", PSF1_MAGIC + b"\x00", "truncated PSF1 header")
    expect_error("PSF1 mode", psf1[:2] + b"\x80" + psf1[3:], "unknown bits")
    expect_error("PSF1 height 0", PSF1_MAGIC + b"\x00\x00", "height is 0")
    expect_error("PSF1 glyphs", psf1[:100], "truncated PSF1 glyph table")
    expect_error("PSF1 table", psf1[:-1], "truncated PSF1 unicode table")
    expect_error("PSF1 surrogate", psf1[:4 + 4096] + b"\x00\xd8" + psf1[4 + 4096 + 2:],
                 "surrogate")
    expect_error("no replacement", PSF1_MAGIC + bytes([PSF1_MODEHASTAB, 16]) + bytes(4096)
                 + b"\xff\xff" * 256, "neither U+FFFD nor '?'")
    for n in range(4, 32):
        expect_error("PSF2 header cut at %d" % n, psf2[:n], "truncated PSF2 header")
    for offset, value, needle in ((4, 1, "version"), (8, 16, "header size"),
                                  (8, 100000, "header size"), (12, 2, "flags"),
                                  (16, 0, "no glyphs"), (20, 17, "bytes per glyph"),
                                  (24, 0, "glyph size"), (28, 300, "glyph size"),
                                  (16, 100000, "truncated PSF2 glyph table")):
        bad = bytearray(psf2)
        struct.pack_into("<I", bad, offset, value)
        expect_error("PSF2 field at %d = %d" % (offset, value), bytes(bad), needle)
    expect_error("PSF2 table", psf2[:-1], "truncated PSF2 unicode table")
    expect_error("PSF2 UTF-8", psf2[:32 + 3200] + b"\xc3\x28" + psf2[32 + 3202:],
                 "invalid UTF-8")

    for f in failures:
        print("mkfont self-test: FAIL: %s" % f, file=sys.stderr)
    if not failures:
        print("mkfont self-test: ok")
    return 1 if failures else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 3:
        print("usage: mkfont.py INPUT.psf[.gz] OUTPUT.psf | --self-test", file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    try:
        with open(src, "rb") as f:
            data = f.read()
        out = convert(parse_font(data))
    except OSError as e:
        print("mkfont: %s: %s" % (src, e.strerror or e), file=sys.stderr)
        return 1
    except FontError as e:
        print("mkfont: %s: %s" % (src, e), file=sys.stderr)
        return 1
    write_atomically(dst, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
