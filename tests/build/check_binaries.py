#!/usr/bin/env python3
"""Build checks on the produced binaries: properties the compiler flags promise.

  kernel-no-simd:     no SSE/AVX register appears in the kernel's code (the
                      kernel does not save those registers on interrupts, so
                      -mgeneral-regs-only must really hold, including in
                      assembly files); the one exception is arch/x86_64/fpu.c,
                      whose fpu_* functions save, restore and reset user
                      programs' registers (fxsave64, fxrstor64, xsave64,
                      xrstor64, xsetbv, fninit) and compute nothing with them;
  kernel-no-red-zone: no access below %rsp (an interrupt would overwrite the
                      red zone: -mno-red-zone must really hold);
  kernel-layout:      exactly the PT_LOAD segments R+X, R, R+W and R (the
                      symbol table, last), all in the top 2 GiB;
  kernel-ksyms:       the final kernel's symbols sit at the same addresses as
                      in the first link (adding the symbol table moved
                      nothing, so its addresses are right), and the table is
                      not empty;
  loader-no-simd:     the same for the loader (loader.so, so the report names
                      functions): a firmware may start it with SSE disabled
                      (CR4.OSFXSR clear, as U-Boot does), and nothing it links
                      (gnu-efi's crt0 and self-relocation) may use SSE either.
                      The exceptions are SHA-256's two SSE block functions
                      (loader/sha256.c), which run only when the loader has
                      seen SSE enabled; as they may return to a firmware that
                      expects XMM6-XMM15 preserved (Microsoft x64 convention),
                      each must store every one of those it touches to the
                      stack before its first use and load it back before
                      returning;
  loader-relocs:      the loader's only dynamic relocations are
                      R_X86_64_RELATIVE (the firmware relocates a PE image;
                      anything needing a symbol lookup would be left unresolved)
                      and each one's addend is also stored in the image (gnu-efi's
                      _relocate reads the stored value, not r_addend); none at
                      all is fine (clang makes pointer tables PC-relative);
  loader-nx-compat:   each PE loader (plain, and each signed copy) has
                      IMAGE_DLLCHARACTERISTICS_NX_COMPAT set, and its sections
                      are page-aligned with none writable and executable
                      (scripts/pe_nxcompat.py --check);
  loader-digest:      the SHA-256 of the KERNEL.ELF and of the INITRD that go
                      on the ESP are in the loader that goes with them (a
                      stale digest would make Secure Boot refuse our own
                      kernel or initramfs);
  loader-signatures:  the plain loader carries no signature, the snakeoil copy
                      verifies against the snakeoil certificate (sbverify), and
                      the ESP's loader against KESTREL_SB_CERT when one is set.

Each check prints what it found and fails with the offending lines.
usage: check_binaries.py CHECK FILE
"""
import hashlib
import os
import re
import struct
import subprocess
import sys


def run(argv):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True).stdout


def disassembly(path):
    return run(["objdump", "-d", "--no-show-raw-insn", path]).splitlines()


def fail(msg, lines=()):
    print("FAIL: " + msg)
    for line in list(lines)[:20]:
        print("  " + line)
    sys.exit(1)


# loader/sha256.c's SSE block functions (ms_abi, entered only with SSE on).
LOADER_SSE_FUNCTIONS = ("blocks_ssse3", "blocks_shani")


def xmm_callee_saved(function, lines):
    """Problems with XMM6-15 in one function's instructions (AT&T syntax):
    each register used must first be stored to the stack and, before every
    ret, loaded back from the stack."""
    problems, saved, restored = [], set(), set()
    for l in lines:
        ins = l.split(":", 1)[-1].strip()
        m = re.match(r"mov(?:aps|dqa|ups|dqu)\s+%xmm(\d+),-?(?:0x[0-9a-f]+)?\(%r[sb]p\)", ins)
        if m and int(m.group(1)) >= 6 and int(m.group(1)) not in saved:
            saved.add(int(m.group(1)))
            continue
        m = re.match(r"mov(?:aps|dqa|ups|dqu)\s+-?(?:0x[0-9a-f]+)?\(%r[sb]p\),%xmm(\d+)$", ins)
        if m and int(m.group(1)) >= 6:
            restored.add(int(m.group(1)))
            continue
        for r in re.findall(r"%xmm(\d+)", ins):
            if int(r) >= 6 and int(r) not in saved:
                problems.append("%s: %%xmm%s used before it is saved: %s" % (function, r, ins))
        if re.match(r"ret", ins):
            if saved - restored:
                problems.append("%s: returns without restoring %s" % (
                    function, ", ".join("%%xmm%d" % r for r in sorted(saved - restored))))
            restored = set()
    return problems


def no_simd(path, allowed=()):
    function = "?"
    bad, body = [], {}
    for l in disassembly(path):
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", l)
        if m:
            function = m.group(1)
        elif function in allowed:
            body.setdefault(function, []).append(l)
        elif re.search(r"%[xyz]mm\d|%mm\d|\bf(ld|st|xsave|xrstor|ninit)|\bx(save|rstor|setbv)", l):
            if function.startswith("fpu_") and re.search(
                    r"\b(fxsave64|fxrstor64|xsave64|xrstor64|xsetbv|fninit)\b", l):
                continue  # the user state's save/restore (fpu.c)
            bad.append("%s: %s" % (function, l.strip()))
    if bad:
        fail("%d instructions use SSE/AVX/x87 state" % len(bad), bad)
    for function in allowed:
        if function not in body:
            fail("no function %s in %s (renamed? update LOADER_SSE_FUNCTIONS)" % (function, path))
        problems = xmm_callee_saved(function, body[function])
        if problems:
            fail("%s does not preserve XMM6-XMM15 for the firmware" % function, problems)
    print("ok: no SSE/AVX/x87 instruction in %s%s" % (path, "".join(
        ", except in %s (XMM6-15 preserved)" % ", ".join(allowed) if allowed else "")))


def loader_no_simd(path):
    no_simd(path, LOADER_SSE_FUNCTIONS)


def kernel_no_red_zone(path):
    bad = [l for l in disassembly(path) if re.search(r"-0x[0-9a-f]+\(%rsp\)", l)]
    if bad:
        fail("%d accesses below %%rsp (red zone)" % len(bad), bad)
    print("ok: no access below %%rsp in %s" % path)


def kernel_layout(path):
    out = run(["readelf", "-lW", path])
    loads = [l.split() for l in out.splitlines() if l.strip().startswith("LOAD")]
    flags = [" ".join(l[6:-1]) for l in loads]
    if flags != ["R E", "R", "RW", "R"]:
        fail("PT_LOAD flags are %s, expected R E, R, RW, R" % flags)
    for l in loads:
        if int(l[2], 16) < 0xFFFFFFFF80000000:
            fail("segment at %s is below 0xffffffff80000000" % l[2])
    print("ok: %d PT_LOAD segments (R E, R, RW, R) in the top 2 GiB" % len(loads))


def symbols(path):
    out = run(["nm", "--defined-only", path]).splitlines()
    return {l.split()[2]: l.split()[0] for l in out if len(l.split()) == 3
            and not l.split()[2].startswith("ksyms_")
            and l.split()[2] not in ("__kernel_end", "__ksyms_end")}
    # __ksyms_end and __kernel_end follow the table by design; nothing else may move.


def kernel_ksyms(path, stage1):
    final, first = symbols(path), symbols(stage1)
    moved = ["%s: 0x%s -> 0x%s" % (n, first[n], final[n]) for n in first
             if n in final and first[n] != final[n]]
    if moved:
        fail("%d symbols moved between the two links" % len(moved), moved)
    count = int(run(["nm", path]).count(" ksyms_table"))
    if not count:
        fail("no ksyms_table in the final kernel")
    print("ok: %d symbols at the same address in both links" % len(first))


def loader_relocs(path):
    out = run(["readelf", "-rW", path])
    relocs = [l.split() for l in out.splitlines() if re.match(r"^[0-9a-f]{8,}\s", l)]
    other = [" ".join(r) for r in relocs if r[2] != "R_X86_64_RELATIVE"]
    if other:
        fail("%d relocations are not R_X86_64_RELATIVE" % len(other), other)
    if not relocs:
        if "efi_main" not in run(["nm", "--defined-only", path]):
            fail("no efi_main in %s: is this the loader's shared object?" % path)
        print("ok: no dynamic relocations in %s" % path)
        return
    # Read the stored value at each site from the file (section by section).
    sections = []
    for l in run(["readelf", "-SW", path]).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", l)
        if m and m.group(2) == "PROGBITS":
            sections.append((int(m.group(3), 16), int(m.group(4), 16), int(m.group(5), 16)))
    data = open(path, "rb").read()
    wrong = []
    for r in relocs:
        site, addend = int(r[0], 16), int(r[3], 16)
        for addr, off, size in sections:
            if addr <= site < addr + size:
                stored = struct.unpack_from("<Q", data, off + site - addr)[0]
                if stored != addend:
                    wrong.append("site 0x%x stores 0x%x, addend 0x%x" % (site, stored, addend))
                break
    if wrong:
        fail("%d relocation sites do not hold their addend (missing "
             "--apply-dynamic-relocs?)" % len(wrong), wrong)
    print("ok: %d R_X86_64_RELATIVE relocations, each site holds its addend" % len(relocs))


def loader_nx_compat(*paths):
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                        "pe_nxcompat.py")
    for path in paths:
        r = subprocess.run([sys.executable, "-B", tool, "--check", path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            fail("%s is not NX_COMPAT with W^X sections" % path, r.stdout.splitlines())
        print(r.stdout.strip())


def loader_digest(loader, *files):
    for path in files:
        digest = hashlib.sha256(open(path, "rb").read()).digest()
        count = open(loader, "rb").read().count(digest)
        if count != 1:
            fail("the SHA-256 of %s (%s) occurs %d times in %s, expected once"
                 % (path, digest.hex(), count, loader))
        print("ok: %s carries the SHA-256 of %s (%s)" % (loader, path, digest.hex()))


def sbverify(cert, path):
    r = subprocess.run(["sbverify", "--cert", cert, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, r.stdout.strip()


def loader_signatures(unsigned, snakeoil, snakeoil_cert, esp_loader=None, user_cert=None):
    out = subprocess.run(["sbverify", "--list", unsigned], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    if "signature 1" in out:
        fail("%s is signed, but it should be the plain loader" % unsigned, out.splitlines())
    ok, out = sbverify(snakeoil_cert, snakeoil)
    if not ok:
        fail("%s does not verify against %s" % (snakeoil, snakeoil_cert), out.splitlines())
    if user_cert:
        ok, out = sbverify(user_cert, esp_loader)
        if not ok:
            fail("%s does not verify against %s" % (esp_loader, user_cert), out.splitlines())
        print("ok: %s is signed with the configured key %s" % (esp_loader, user_cert))
        # The snakeoil signature must not verify against another certificate:
        # proof that sbverify really checks which key signed.
        same = open(user_cert, "rb").read() == open(snakeoil_cert, "rb").read()
        ok, _ = sbverify(user_cert, snakeoil)
        if ok and not same:
            fail("%s verifies against %s too: sbverify does not tell keys apart"
                 % (snakeoil, user_cert))
    print("ok: %s is unsigned, %s verifies against %s" % (unsigned, snakeoil, snakeoil_cert))


CHECKS = {
    "kernel-no-simd": no_simd,
    "loader-no-simd": loader_no_simd,
    "kernel-no-red-zone": kernel_no_red_zone,
    "kernel-layout": kernel_layout,
    "kernel-ksyms": kernel_ksyms,
    "loader-relocs": loader_relocs,
    "loader-nx-compat": loader_nx_compat,
    "loader-digest": loader_digest,
    "loader-signatures": loader_signatures,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in CHECKS:
        sys.exit(__doc__)
    CHECKS[sys.argv[1]](*sys.argv[2:])
