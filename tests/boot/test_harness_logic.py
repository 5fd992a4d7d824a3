#!/usr/bin/env python3
"""Self-check of the boot-test harness's decisions, without QEMU.

Feeds harness.classify() and friends fake exit statuses and serial logs (some
taken from real OVMF runs, escape sequences included) and checks every
classification, the ordering of --expect, --reject, --expect-failure, the PPM
comparison and the QEMU command line. Registered in CTest as harness.logic.
"""

import sys

sys.dont_write_bytecode = True

import os
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import qemu_cmd  # noqa: E402  (harness put scripts/ on the path)

OK = qemu_cmd.EXIT_STATUS_SUCCESS
FAIL = qemu_cmd.EXIT_STATUS_FAILURE

# Verbatim from OVMF 2022.11 (Debian 12) booting a disk without a loader.
SHELL_LOG = (
    b"\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: failed to load Boot0002 "
    b"\"UEFI QEMU HARDDISK QM00001 \" from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)"
    b": Not Found\r\nBdsDxe: starting Boot0003 \"EFI Internal Shell\" from Fv(7CB8BDC9)\r\n"
    b"\x1b[2J\x1b[01;01H\x1b[01;01HUEFI Interactive Shell v2.2\r\nEDK II\r\n"
    b"\x1b[12;01HPress \x1b[1m\x1b[37m\x1b[40mESC\x1b[0m\x1b[37m\x1b[40m in 5 seconds to "
    b"skip \x1b[1m\x1b[33m\x1b[40mstartup.nsh\x1b[0m\x1b[37m\x1b[40m or any other key to "
    b"continue.\r\n\x1b[13;01H\x1b[1m\x1b[33m\x1b[40mShell> \x1b[0m\x1b[37m\x1b[40m")
# The shape of OVMF's CpuExceptionHandlerLib dump (InternalPrintMessage on COM1).
EXCEPTION_LOG = (
    b"BdsDxe: starting Boot0002 \"UEFI QEMU HARDDISK QM00001 \"\r\n"
    b"loader: Kestrel loader\r\n"
    b"!!!! X64 Exception Type - 06(#UD - Invalid Opcode)  CPU Apic ID - 00000000 !!!!\r\n"
    b"RIP  - 000000000E1A2B3C, CS  - 0000000000000038, RFLAGS - 0000000000010246\r\n")
BOOT_LOG = (
    b"\x1b[2J\x1b[01;01HBdsDxe: starting Boot0002 \"UEFI QEMU HARDDISK QM00001 \"\r\n"
    b"loader: Kestrel loader\r\n"
    b"kestrel: memory 255 MiB usable\r\n"
    b"framebuffer: 1280x800 pitch 1280 format bgrx\r\n"
    b"kernel ready\r\n")


def log(raw):
    return harness.clean_log(raw)


class CleanLog(unittest.TestCase):
    def test_removes_escapes_and_carriage_returns(self):
        text = log(SHELL_LOG)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("\r", text)
        self.assertIn("Press ESC in 5 seconds", text)
        self.assertIn("\nShell> ", text)

    def test_keeps_invalid_utf8_readable(self):
        self.assertEqual(log(b"a\xffb\r\n"), "a\ufffdb\n")


class SerialTextStream(unittest.TestCase):
    def test_split_anywhere_gives_the_same_text(self):
        for size in (1, 2, 3, 7, 64):
            st = harness.SerialText()
            seen = ""
            for i in range(0, len(SHELL_LOG), size):
                seen += st.feed(SHELL_LOG[i:i + size])
            with self.subTest(size=size):
                self.assertEqual(st.text(), log(SHELL_LOG))
                self.assertIn("UEFI Interactive Shell", seen)

    def test_partial_line_is_scanned(self):
        st = harness.SerialText()
        st.feed(b"BdsDxe\r\n!!!! X64 Excep")
        self.assertIn("X64 Exception Type", st.feed(b"tion Type - 06"))

    def test_complete_lines_are_not_returned_twice(self):
        st = harness.SerialText()
        st.feed(b"first\r\n")
        self.assertEqual(st.feed(b"second\r\n"), "second\n")


class Classify(unittest.TestCase):
    def kind(self, status, raw=BOOT_LOG, timed_out=False, expects=(), rejects=(),
             screen_error=None):
        return harness.classify(status, timed_out, log(raw), expects, rejects,
                                screen_error).kind

    def test_pass(self):
        self.assertEqual(self.kind(OK, expects=["^kernel ready"]), "pass")

    def test_pass_needs_no_expect(self):
        self.assertEqual(self.kind(OK), "pass")

    def test_triple_fault_is_status_zero(self):
        self.assertEqual(self.kind(0), "triple-fault")

    def test_kernel_failure_is_status_35(self):
        v = harness.classify(FAIL, False, log(b"panic: test=fail requested\r\n"))
        self.assertEqual(v.kind, "kernel-failure")
        self.assertIn("panic: test=fail requested", v.reason)

    def test_kernel_failure_prefers_the_panic_line(self):
        v = harness.classify(FAIL, False, log(b"test fail: panic on purpose\r\n"
                                              b"panic: deliberate\r\nsystem halted\r\n"))
        self.assertIn("'panic: deliberate'", v.reason)

    def test_kernel_failure_without_panic_quotes_the_last_line(self):
        v = harness.classify(FAIL, False, log(b"kernel ready\r\ntest screen: FAILED\r\n\r\n"))
        self.assertIn("'test screen: FAILED'", v.reason)

    def test_kernel_failure_even_if_expects_match(self):
        self.assertEqual(self.kind(FAIL, expects=["kernel ready"]), "kernel-failure")

    def test_other_statuses_are_bad_exit(self):
        for status in (1, 2, 3, 34, 255, -9, None):
            with self.subTest(status=status):
                self.assertEqual(self.kind(status), "bad-exit")

    def test_bad_exit_names_the_status(self):
        self.assertIn("status 1", harness.classify(1, False, "").reason)
        self.assertIn("signal 9", harness.classify(-9, False, "").reason)

    def test_timeout(self):
        self.assertEqual(self.kind(-15, timed_out=True), "timeout")

    def test_timeout_wins_over_the_status_of_the_killed_qemu(self):
        self.assertEqual(self.kind(0, timed_out=True), "timeout")
        self.assertEqual(self.kind(OK, timed_out=True), "timeout")

    def test_uefi_shell(self):
        v = harness.classify(-15, False, log(SHELL_LOG))
        self.assertEqual(v.kind, "uefi-shell")
        self.assertIn("UEFI Interactive Shell", v.reason)

    def test_shell_prompt_alone(self):
        self.assertEqual(self.kind(-15, raw=b"\x1b[1mShell> \x1b[0m"), "uefi-shell")

    def test_ovmf_exception(self):
        v = harness.classify(-15, False, log(EXCEPTION_LOG))
        self.assertEqual(v.kind, "ovmf-exception")
        self.assertIn("#UD", v.reason)

    def test_firmware_signs_win_over_timeout_and_status(self):
        for status, timed_out in ((OK, False), (0, False), (-9, True)):
            with self.subTest(status=status, timed_out=timed_out):
                self.assertEqual(self.kind(status, raw=EXCEPTION_LOG, timed_out=timed_out),
                                 "ovmf-exception")

    def test_exception_wins_over_shell(self):
        self.assertEqual(self.kind(-15, raw=EXCEPTION_LOG + SHELL_LOG), "ovmf-exception")

    def test_missing_output(self):
        v = harness.classify(OK, False, log(BOOT_LOG), ["this text is never printed"])
        self.assertEqual(v.kind, "missing-output")
        self.assertIn("this text is never printed", v.reason)

    def test_expect_is_anchored_per_line(self):
        self.assertEqual(self.kind(OK, expects=["^ready"]), "missing-output")
        self.assertEqual(self.kind(OK, expects=["^kernel ready$"]), "pass")

    def test_expects_match_in_order(self):
        self.assertEqual(self.kind(OK, expects=["^framebuffer:", "^kernel ready"]), "pass")
        v = harness.classify(OK, False, log(BOOT_LOG), ["^kernel ready", "^framebuffer:"])
        self.assertEqual(v.kind, "missing-output")
        self.assertIn("after the match of", v.reason)

    def test_one_line_cannot_satisfy_two_expects(self):
        self.assertEqual(self.kind(OK, expects=["kernel ready", "kernel ready"]),
                         "missing-output")

    def test_reject(self):
        v = harness.classify(OK, False, log(BOOT_LOG + b"panic: late\r\n"), ["kernel ready"],
                             ["^panic:"])
        self.assertEqual(v.kind, "missing-output")
        self.assertIn("--reject", v.reason)
        self.assertIn("panic: late", v.reason)

    def test_screen_mismatch(self):
        self.assertEqual(self.kind(OK, screen_error="3 pixels differ"), "screen-mismatch")

    def test_missing_output_is_reported_before_screen_mismatch(self):
        self.assertEqual(self.kind(OK, expects=["absent"], screen_error="x"), "missing-output")

    def test_every_kind_is_reachable(self):
        seen = {
            self.kind(OK), self.kind(0), self.kind(FAIL), self.kind(-15, raw=EXCEPTION_LOG),
            self.kind(-15, raw=SHELL_LOG), self.kind(-9, timed_out=True), self.kind(7),
            self.kind(OK, expects=["absent"]), self.kind(OK, screen_error="x"),
        }
        self.assertEqual(seen, set(harness.KINDS))


class Judge(unittest.TestCase):
    def test_plain(self):
        self.assertTrue(harness.judge(harness.Verdict("pass", ""))[0])
        self.assertFalse(harness.judge(harness.Verdict("timeout", ""))[0])

    def test_expected_failure(self):
        ok, msg = harness.judge(harness.Verdict("timeout", "r"), "timeout")
        self.assertTrue(ok)
        self.assertIn("expected failure timeout observed", msg)

    def test_expected_failure_must_be_exact(self):
        self.assertFalse(harness.judge(harness.Verdict("pass", ""), "timeout")[0])
        self.assertFalse(harness.judge(harness.Verdict("bad-exit", ""), "timeout")[0])
        self.assertFalse(harness.judge(harness.Verdict("triple-fault", ""), "kernel-failure")[0])


def ppm(width, height, pixels):
    return b"P6\n# made by a test\n%d %d\n255\n" % (width, height) + bytes(pixels)


class ComparePpm(unittest.TestCase):
    W, H = 4, 3

    def image(self, changes=()):
        px = bytearray()
        for i in range(self.W * self.H):
            px += bytes((i * 10, 255 - i, 7))
        for x, y, rgb in changes:
            px[(y * self.W + x) * 3:(y * self.W + x) * 3 + 3] = bytes(rgb)
        return ppm(self.W, self.H, px)

    def test_identical(self):
        self.assertIsNone(harness.compare_ppm(self.image(), self.image()))

    def test_differences_are_counted_and_located(self):
        why = harness.compare_ppm(self.image([(2, 1, (1, 2, 3)), (0, 2, (0, 0, 0))]),
                                  self.image())
        self.assertIn("2 of 12 pixels differ", why)
        self.assertIn("x=2 y=1", why)
        self.assertIn("#010203", why)

    def test_size_mismatch(self):
        why = harness.compare_ppm(self.image(), ppm(2, 2, [1] * 12))
        self.assertIn("4x3", why)
        self.assertIn("2x2", why)

    def test_uniform_dump_fails_even_against_itself(self):
        blank = ppm(self.W, self.H, [0, 0, 0] * (self.W * self.H))
        self.assertIn("uniform", harness.compare_ppm(blank, blank))

    def test_bad_ppm(self):
        self.assertIn("not a valid PPM", harness.compare_ppm(b"P3\n1 1\n255\n0 0 0", self.image()))
        self.assertIn("not a valid PPM", harness.compare_ppm(b"P6\n4 3\n255\n\0", self.image()))

    def test_parse_header_forms(self):
        self.assertEqual(harness.parse_ppm(b"P6 1 1 255 \x01\x02\x03"), (1, 1, b"\x01\x02\x03"))
        self.assertEqual(harness.parse_ppm(b"P6\n#c\n1#d\n 1\n255\n\n\x02\x03"),
                         (1, 1, b"\n\x02\x03"))


class ScreenReady(unittest.TestCase):
    def test_parses(self):
        m = harness.SCREEN_READY.search(log(b"x\r\nscreen: ready 1280x800 pitch 1280 "
                                            b"format bgrx\r\n"))
        self.assertEqual(m.groupdict(), {"width": "1280", "height": "800", "pitch": "1280",
                                         "format": "bgrx"})

    def test_rejects_unknown_format(self):
        self.assertIsNone(harness.SCREEN_READY.search("screen: ready 8x8 pitch 8 format rgb\n"))


class QemuCommand(unittest.TestCase):
    def test_machine_and_overrides(self):
        m = qemu_cmd.Machine(disk="/w/disk.img", ovmf_vars="/w/VARS.fd", memory="4G",
                             vga="none", icount=True, extra=["-d", "int"])
        cmd = qemu_cmd.build_command(m, serial=["-serial", "stdio"],
                                     display=["-display", "none"])
        joined = " ".join(cmd)
        for part in ("-machine q35", "-m 4G", "-smp 1", "-cpu max", "-nic none",
                     "-no-reboot", "-vga none", "-display none", "-serial stdio",
                     "-device isa-debug-exit,iobase=0xf4,iosize=0x04",
                     "if=pflash,format=raw,unit=0,readonly=on,file=" + qemu_cmd.DEFAULT_OVMF_CODE,
                     "if=pflash,format=raw,unit=1,file=/w/VARS.fd",
                     "format=raw,file=/w/disk.img", "-icount shift=7,sleep=off"):
            self.assertIn(part, joined)
        self.assertEqual(cmd[-2:], ["-d", "int"])
        self.assertNotIn("-accel", cmd)


if __name__ == "__main__":
    unittest.main(verbosity=2)
