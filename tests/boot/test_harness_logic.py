#!/usr/bin/env python3
"""Self-check of the boot-test harness's decisions, without QEMU.

Feeds harness.classify() and friends fake exit statuses, QMP SHUTDOWN reasons
and serial logs (some taken from real OVMF and kernel runs, escape sequences
included) and checks every classification, the ordering of --expect,
--reject, --expect-failure and --expect-poweroff, the PPM comparison, the QEMU
command line, the QMP connection (against a fake QEMU on a unix socket), the
keyboard input (keys.py: characters to QEMU key chords, the {special} syntax,
the pacing, the burst check), the input script (steps.py: step order, the
thread that sends each step when the log asks for it, the wait for a still
screen) and --screen-matches-serial (the framebuffer line, the bytes after the
last clear screen, the rendering call). Registered in CTest as harness.logic.
"""

import sys

sys.dont_write_bytecode = True

import contextlib
import io
import json
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import keys  # noqa: E402
import qemu_cmd  # noqa: E402  (harness put scripts/ on the path)
import steps  # noqa: E402

OK = qemu_cmd.EXIT_STATUS_SUCCESS
FAIL = qemu_cmd.EXIT_STATUS_FAILURE

# Verbatim from OVMF 2022.11 (Debian 12) booting a disk without a loader.
# Secure Boot firmware refusing an unsigned BOOTX64.EFI (OVMF_CODE_4M.snakeoil.fd,
# as seen in a real run), then refusing its own shell too.
REFUSED_LOG = (
    b"BdsDxe: loading Boot0002 \"UEFI QEMU HARDDISK QM00001 \" from PciRoot(0x0)/Pci(0x1F,"
    b"0x2)/Sata(0x0,0xFFFF,0x0)\r\nBdsDxe: failed to load Boot0002 \"UEFI QEMU HARDDISK "
    b"QM00001 \" from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0): Access Denied\r\n"
    b"BdsDxe: starting Boot0003 \"EFI Internal Shell\" from Fv(7CB8BDC9)/FvFile(7C04A583)\r\n"
    b"BdsDxe: failed to start Boot0003 \"EFI Internal Shell\" from Fv(7CB8BDC9)/FvFile("
    b"7C04A583): Security Violation\r\nBdsDxe: No bootable option or device was found.\r\n")

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
# Verbatim from the kernel's boot (kernel/boot/summary.c) on QEMU's std VGA,
# and the loader's line before it, which must not be taken for it.
KERNEL_BOOT = (
    b"kestrel: framebuffer 1280x800 pitch 1280 at 0xC0000000\r\n"
    b"\x1b[1;36mKestrel\x1b[0m x86_64 kernel, booted by the Kestrel UEFI loader\r\n"
    b"framebuffer: 1280x800, pitch 1280 pixels, format bgrx, at 0xc0000000 (4000 KiB)\r\n"
    b"kernel ready\r\n")
# Verbatim (shortened paths) from loader.bad-wx: the loader refuses the kernel,
# the harness presses a key, the firmware tries the next boot option.
LOADER_ERROR_LOG = (
    b"\x1b[2J\x1b[01;01HBdsDxe: starting Boot0002 \"UEFI QEMU HARDDISK QM00001 \" from "
    b"PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)\r\n"
    b"kestrel: loader starting\r\n"
    b"kestrel: error: load kernel \\EFI\\BOOT\\KERNEL.ELF: segment is both writable and "
    b"executable (program header 2, value 0xFFFFFFFF80021000, limit 0x7): Load Error (EFI "
    b"status 0x8000000000000001)\r\n"
    b"kestrel: returning to the firmware in 10 seconds (press a key to continue now)\r\n")
LOADER_TAKEOVER = (
    b"BdsDxe: failed to start Boot0002 \"UEFI QEMU HARDDISK QM00001 \" from "
    b"PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0): Load Error\r\n"
    b"BdsDxe: starting Boot0003 \"EFI Internal Shell\" from Fv(7CB8BDC9)\r\n")
WX = r"^kestrel: error: load kernel \S*KERNEL\.ELF: segment is both writable and executable"
POWEROFF = qemu_cmd.SHUTDOWN_POWEROFF
RESET = qemu_cmd.SHUTDOWN_RESET


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
             screen_error=None, reason=None, expect_poweroff=False):
        return harness.classify(status, timed_out, log(raw), expects, rejects,
                                screen_error, shutdown_reason=reason,
                                expect_poweroff=expect_poweroff).kind

    def test_pass(self):
        self.assertEqual(self.kind(OK, expects=["^kernel ready"]), "pass")

    def test_pass_needs_no_expect(self):
        self.assertEqual(self.kind(OK), "pass")

    def test_triple_fault_is_status_zero_after_a_guest_reset(self):
        v = harness.classify(0, False, log(BOOT_LOG), shutdown_reason=RESET)
        self.assertEqual(v.kind, "triple-fault")
        self.assertIn("reason guest-reset", v.reason)

    def test_status_zero_without_a_shutdown_event_is_still_a_triple_fault(self):
        # The fallback when QMP saw no SHUTDOWN event: as before, and it says so.
        v = harness.classify(0, False, log(BOOT_LOG))
        self.assertEqual(v.kind, "triple-fault")
        self.assertIn("no QMP SHUTDOWN event", v.reason)
        self.assertEqual(self.kind(0, expect_poweroff=True), "triple-fault")

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

    def test_firmware_refused(self):
        v = harness.classify(-15, False, log(REFUSED_LOG))
        self.assertEqual(v.kind, "firmware-refused")
        self.assertIn("Access Denied", v.reason)

    def test_a_missing_loader_is_not_a_refusal(self):
        # "Not Found" (no BOOTX64.EFI) and a refused shell are not the loader refused.
        self.assertEqual(self.kind(-15, raw=SHELL_LOG), "uefi-shell")
        shell_refused = REFUSED_LOG.replace(b"Access Denied", b"Not Found")
        self.assertNotEqual(self.kind(-15, raw=shell_refused), "firmware-refused")

    def test_shell_prompt_alone(self):
        self.assertEqual(self.kind(-15, raw=b"\x1b[1mShell> \x1b[0m"), "uefi-shell")

    def test_uboot_prompt(self):
        # U-Boot (--bios) ends at its command prompt when nothing booted.
        raw = b"EFI boot manager: Cannot load any image\r\n=> "
        self.assertEqual(self.kind(-15, raw=raw), "uefi-shell")
        # "=>" inside a line is not the prompt.
        self.assertIsNone(harness.find_fatal_sign(log(b"a => b\r\n")))

    def test_allow_shell(self):
        self.assertIsNone(harness.find_fatal_sign(log(SHELL_LOG), ignore=("uefi-shell",)))
        v = harness.classify(OK, False, log(SHELL_LOG), ["^Shell> $"],
                             ignore_signs=("uefi-shell",))
        self.assertEqual(v.kind, "pass")
        # An exception is still fatal.
        self.assertEqual(harness.classify(OK, False, log(SHELL_LOG + EXCEPTION_LOG),
                                          ignore_signs=("uefi-shell",)).kind, "ovmf-exception")

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
            self.kind(OK), self.kind(0), self.kind(0, reason=POWEROFF), self.kind(FAIL),
            self.kind(-15, raw=EXCEPTION_LOG), self.kind(-15, raw=SHELL_LOG),
            self.kind(-15, raw=REFUSED_LOG),
            self.kind(-9, timed_out=True), self.kind(7), self.kind(OK, expects=["absent"]),
            self.kind(OK, screen_error="x"),
            self.kind(-15, raw=LOADER_ERROR_LOG + LOADER_TAKEOVER),
        }
        self.assertEqual(seen, set(harness.KINDS))


class ClassifyLoaderError(unittest.TestCase):
    def verdict(self, raw, status=-15, timed_out=False, expects=(WX,), expect=True, wait=0.1):
        return harness.classify(status, timed_out, log(raw), expects, ["^panic:"],
                                expect_loader_error=expect, loader_wait=wait)

    def test_expected_refusal_passes(self):
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER)
        self.assertEqual(v.kind, "pass")
        self.assertIn("segment is both writable", v.reason)

    def test_the_shell_after_the_refusal_is_part_of_it(self):
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER + SHELL_LOG)
        self.assertEqual(v.kind, "pass")

    def test_unexpected_refusal(self):
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER, expects=(), expect=False)
        self.assertEqual(v.kind, "loader-error")
        self.assertIn("--expect-loader-error", v.reason)

    def test_wrong_message_is_missing_output(self):
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER, expects=("no PT_LOAD segment",))
        self.assertEqual(v.kind, "missing-output")

    def test_the_firmware_must_take_over(self):
        # The loader hung in its wait (or returned into nothing): not a refusal.
        self.assertEqual(self.verdict(LOADER_ERROR_LOG, timed_out=True).kind, "timeout")

    def test_the_key_must_end_the_wait(self):
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER, wait=10.0)
        self.assertEqual(v.kind, "missing-output")
        self.assertIn("did not end the wait", v.reason)
        self.assertEqual(self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER, wait=None).kind,
                         "pass")

    def test_exception_dump_wins(self):
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER + EXCEPTION_LOG)
        self.assertEqual(v.kind, "ovmf-exception")

    def test_a_started_kernel_is_never_a_refusal(self):
        self.assertIsNone(harness.loader_returned(log(LOADER_ERROR_LOG + LOADER_TAKEOVER +
                                                      KERNEL_BOOT)))
        v = self.verdict(LOADER_ERROR_LOG + LOADER_TAKEOVER + KERNEL_BOOT, status=OK)
        self.assertEqual(v.kind, "missing-output")

    def test_a_kernel_that_boots_fails_the_test(self):
        v = self.verdict(BOOT_LOG, status=OK, expects=("kernel ready",))
        self.assertEqual(v.kind, "missing-output")
        self.assertIn("--expect-loader-error", v.reason)

    def test_takeover_must_follow_the_return_line(self):
        self.assertIsNone(harness.loader_returned(log(LOADER_TAKEOVER + LOADER_ERROR_LOG)))
        line, pos = harness.loader_returned(log(LOADER_ERROR_LOG + LOADER_TAKEOVER))
        self.assertTrue(line.startswith("kestrel: error: load kernel"))

    def test_options(self):
        base = ["--image", "d.img", "--workdir", "w"]
        args = harness.parse_args(base + ["--kernel", "k.elf", "--expect-loader-error"])
        self.assertEqual(args.specs[0].kind, "type")
        self.assertEqual(args.specs[0].trigger, harness.LOADER_WAIT)
        for bad in (["--kernel", "k", "--no-kernel"],
                    ["--expect-loader-error", "--expect-failure", "timeout"]):
            with self.subTest(bad=bad), contextlib.redirect_stderr(io.StringIO()), \
                    self.assertRaises(SystemExit):
                harness.parse_args(base + bad)


class ClassifyPoweroff(unittest.TestCase):
    """Exit status 0: the SHUTDOWN reason tells a poweroff from a reset."""

    def verdict(self, status=0, reason=POWEROFF, expect_poweroff=True, raw=BOOT_LOG,
                expects=(), **kw):
        return harness.classify(status, False, log(raw), expects, shutdown_reason=reason,
                                expect_poweroff=expect_poweroff, **kw)

    def test_expected_poweroff_passes(self):
        v = self.verdict(expects=["^kernel ready$"])
        self.assertEqual(v.kind, "pass")
        self.assertIn("powered off", v.reason)

    def test_unexpected_poweroff(self):
        v = self.verdict(expect_poweroff=False, expects=["^kernel ready$"])
        self.assertEqual(v.kind, "poweroff")
        self.assertIn("--expect-poweroff", v.reason)

    def test_expected_poweroff_still_checks_the_output(self):
        self.assertEqual(self.verdict(expects=["absent"]).kind, "missing-output")
        self.assertEqual(self.verdict(rejects=["^kernel ready"]).kind, "missing-output")
        self.assertEqual(self.verdict(input_error="--serial-after 'x' never matched").kind,
                         "missing-output")
        self.assertEqual(self.verdict(screen_error="3 pixels differ").kind,
                         "screen-mismatch")

    def test_a_reset_is_no_poweroff(self):
        for expect in (False, True):
            with self.subTest(expect_poweroff=expect):
                self.assertEqual(self.verdict(reason=RESET, expect_poweroff=expect).kind,
                                 "triple-fault")

    def test_success_exit_is_not_a_poweroff(self):
        v = self.verdict(status=OK, reason=None, expects=["^kernel ready$"])
        self.assertEqual(v.kind, "bad-exit")
        self.assertIn("--expect-poweroff", v.reason)

    def test_other_shutdown_reasons_are_bad_exit(self):
        for reason in ("host-signal", "host-qmp-quit", "guest-panic", "host-ui"):
            for expect in (False, True):
                with self.subTest(reason=reason, expect_poweroff=expect):
                    v = self.verdict(reason=reason, expect_poweroff=expect)
                    self.assertEqual(v.kind, "bad-exit")
                    self.assertIn(reason, v.reason)

    def test_the_reason_only_matters_for_status_zero(self):
        # isa-debug-exit ends QEMU without a SHUTDOWN event up to QEMU 9.0, and after one
        # with reason guest-shutdown since 9.1; the reason changes nothing.
        self.assertEqual(self.verdict(status=FAIL, expect_poweroff=False).kind,
                         "kernel-failure")
        self.assertEqual(self.verdict(status=OK, expect_poweroff=False).kind, "pass")
        self.assertEqual(self.verdict(status=7).kind, "bad-exit")

    def test_firmware_signs_and_timeout_still_win(self):
        self.assertEqual(self.verdict(raw=EXCEPTION_LOG).kind, "ovmf-exception")
        self.assertEqual(harness.classify(0, True, log(BOOT_LOG), shutdown_reason="host-signal",
                                          expect_poweroff=True).kind, "timeout")

    def test_expect_failure_poweroff(self):
        v = self.verdict(expect_poweroff=False)
        self.assertTrue(harness.judge(v, "poweroff")[0])
        self.assertFalse(harness.judge(v)[0])
        self.assertFalse(harness.judge(self.verdict(reason=RESET, expect_poweroff=False),
                                       "poweroff")[0])


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

    def test_expect_and_expect_file_keep_their_order(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.expect")
            with open(path, "w") as f:
                f.write("^from the file 1$\n\n^from the file 2$\n")
            args = harness.parse_args(["--image", "d.img", "--workdir", "w", "--expect", "^a$",
                                       "--expect-file", path, "--expect", "^b$"])
            self.assertEqual(args.expect, ["^a$", "^from the file 1$", "^from the file 2$",
                                           "^b$"])
            with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
                harness.parse_args(["--image", "d.img", "--workdir", "w", "--expect-file",
                                    os.path.join(tmp, "missing")])

    def test_expected_panic_must_be_the_named_one(self):
        v = harness.Verdict("kernel-failure", "r")
        text = "boot info: version 1 size 224, this kernel needs version 2\npanic: x\n"
        self.assertTrue(harness.judge(v, "kernel-failure", text, [r"^boot info: version 1"])[0])
        ok, msg = harness.judge(v, "kernel-failure", text, [r"^mm: "])
        self.assertFalse(ok)
        self.assertIn("did not match", msg)
        # Other kinds ignore the patterns: missing-output means they failed.
        self.assertTrue(harness.judge(harness.Verdict("missing-output", ""), "missing-output",
                                      text, [r"never printed"])[0])


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


# ---- Keyboard input (keys.py) ----

class CharChords(unittest.TestCase):
    def test_letters_and_digits(self):
        self.assertEqual(keys.char_chord("a"), ("a",))
        self.assertEqual(keys.char_chord("Z"), ("shift", "z"))
        self.assertEqual(keys.char_chord("7"), ("7",))

    def test_whitespace(self):
        self.assertEqual(keys.char_chord(" "), ("spc",))
        self.assertEqual(keys.char_chord("\n"), ("ret",))
        self.assertEqual(keys.char_chord("\t"), ("tab",))

    def test_us_layout_symbols(self):
        # Each shifted symbol is shift + the key of the unshifted one below it.
        plain = "1234567890-=[]\\;',./`"
        shifted = '!@#$%^&*()_+{}|:"<>?~'
        for p, sh in zip(plain, shifted):
            with self.subTest(plain=p, shifted=sh):
                (key,) = keys.char_chord(p)
                self.assertEqual(keys.char_chord(sh), ("shift", key))
        named = {"-": "minus", "=": "equal", "[": "bracket_left", "]": "bracket_right",
                 "\\": "backslash", ";": "semicolon", "'": "apostrophe",
                 "`": "grave_accent", ",": "comma", ".": "dot", "/": "slash"}
        for c, key in named.items():
            self.assertEqual(keys.char_chord(c), (key,))

    def test_every_printable_ascii_character_has_a_key(self):
        for code in range(0x20, 0x7f):
            chord = keys.char_chord(chr(code))
            self.assertTrue(set(chord) <= keys.QCODES, chord)

    def test_untypable(self):
        for c in ("\r", "\x03", "\u00e9", "\u20ac"):
            with self.subTest(c=c):
                self.assertRaises(ValueError, keys.char_chord, c)


class ParseText(unittest.TestCase):
    def test_plain_text(self):
        self.assertEqual(keys.parse_text("Hi!\n"),
                         [("shift", "h"), ("i",), ("shift", "1"), ("ret",)])
        self.assertEqual(keys.parse_text(""), [])

    def test_named_keys(self):
        self.assertEqual(keys.parse_text("{left}{up}{caps}{enter}{esc}{bs}{del}{f12}{kp_5}"),
                         [("left",), ("up",), ("caps_lock",), ("ret",), ("esc",),
                          ("backspace",), ("delete",), ("f12",), ("kp_5",)])
        self.assertEqual(keys.parse_text("{LEFT}{PgUp}"), [("left",), ("pgup",)])

    def test_chords(self):
        self.assertEqual(keys.parse_text("{ctrl-c}"), [("ctrl", "c")])
        self.assertEqual(keys.parse_text("{ctrl-alt-del}"), [("ctrl", "alt", "delete")])
        self.assertEqual(keys.parse_text("{shift-tab}"), [("shift", "tab")])
        self.assertEqual(keys.parse_text("{ctrl-C}"), [("ctrl", "shift", "c")])
        self.assertEqual(keys.parse_text("{shift-A}"), [("shift", "a")])
        self.assertEqual(keys.parse_text("{ctrl--}"), [("ctrl", "minus")])
        self.assertEqual(keys.parse_text("{altgr-e}{win-r}"), [("alt_r", "e"), ("meta_l", "r")])

    def test_repeat(self):
        self.assertEqual(keys.parse_text("a{left*3}b"),
                         [("a",), ("left",), ("left",), ("left",), ("b",)])
        self.assertEqual(keys.parse_text("{ctrl-c*2}"), [("ctrl", "c")] * 2)
        self.assertEqual(keys.parse_text("{**2}"), [("shift", "8")] * 2)

    def test_braces(self):
        self.assertEqual(keys.parse_text("{{}"), [("shift", "bracket_left"),
                                                   ("shift", "bracket_right")])
        self.assertEqual(keys.parse_text("}"), [("shift", "bracket_right")])
        self.assertEqual(keys.parse_text("{semicolon}"), [("semicolon",)])

    def test_errors(self):
        for text in ("{nope}", "{", "abc{left", "{}", "{left*0}", "{ctrl-}", "{ctrl-nope}",
                     "caf\u00e9"):
            with self.subTest(text=text):
                self.assertRaises(ValueError, keys.parse_text, text)

    def test_every_name_is_a_qemu_qcode(self):
        for alias, name in keys.KEY_ALIASES.items():
            self.assertIn(name, keys.QCODES, alias)
        for mod, name in keys.MODIFIERS.items():
            self.assertIn(name, keys.QCODES, mod)


class ParseSerialText(unittest.TestCase):
    def test_escapes(self):
        self.assertEqual(keys.parse_serial_text(r"go\r"), b"go\r")
        self.assertEqual(keys.parse_serial_text(r"a\nb\tc\\d\x03"), b"a\nb\tc\\d\x03")
        self.assertEqual(keys.parse_serial_text("raw\r"), b"raw\r")

    def test_bad_escape(self):
        for text in (r"\q", "\\", r"\x4"):
            with self.subTest(text=text):
                self.assertRaises(ValueError, keys.parse_serial_text, text)


class FakeQmp:
    def __init__(self, fail_at=None):
        self.calls = []
        self.sleeps = []
        self.fail_at = fail_at

    def execute(self, cmd, **arguments):
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            raise ConnectionError("QMP connection closed")
        self.calls.append((cmd, arguments))
        return {}

    def sleep(self, seconds):
        self.sleeps.append(seconds)


class Sending(unittest.TestCase):
    def test_type_chords(self):
        q = FakeQmp()
        keys.type_chords(q.execute, keys.parse_text("aB"), q.sleep)
        self.assertEqual(q.calls, [
            ("send-key", {"keys": [{"type": "qcode", "data": "a"}], "hold-time": 10}),
            ("send-key", {"keys": [{"type": "qcode", "data": "shift"},
                                   {"type": "qcode", "data": "b"}], "hold-time": 10})])
        # Paced between chords; the caller waits after the last one.
        self.assertEqual(q.sleeps, [keys.CHORD_PAUSE_SECONDS])

    def test_burst_sequence(self):
        self.assertEqual(keys.burst_sequence(0), "")
        self.assertEqual(keys.burst_sequence(3), "abc")
        self.assertEqual(keys.burst_sequence(40), keys.BURST_ALPHABET + "abcd")
        self.assertEqual(len(keys.burst_sequence(600)), 600)

    def test_burst_commands_fit_qemus_queue(self):
        seq = keys.burst_sequence(40)
        commands = keys.burst_commands(seq)
        self.assertEqual(len(commands), 7)  # 6 * 6 + 4
        typed = ""
        for events in commands:
            # Set 1: one byte per press, one per release, 16 bytes in QEMU's queue.
            self.assertLessEqual(len(events), 12)
            for press, release in zip(events[::2], events[1::2]):
                self.assertTrue(press["data"]["down"])
                self.assertFalse(release["data"]["down"])
                self.assertEqual(press["data"]["key"], release["data"]["key"])
                self.assertEqual(press["type"], "key")
                typed += press["data"]["key"]["data"]
        self.assertEqual(typed, seq)

    def test_send_burst_records_what_was_sent(self):
        q = FakeQmp()
        sent = []
        keys.send_burst(q.execute, keys.burst_sequence(14), q.sleep, sent)
        self.assertEqual([c for c, _ in q.calls], ["input-send-event"] * 3)
        self.assertEqual(sent, ["abcdef", "ghijkl", "mn"])
        self.assertEqual(q.sleeps, [keys.BURST_PAUSE_SECONDS] * 2)

    def test_send_burst_stops_at_an_error(self):
        q = FakeQmp(fail_at=2)
        sent = []
        with self.assertRaises(ConnectionError):
            keys.send_burst(q.execute, keys.burst_sequence(30), q.sleep, sent)
        self.assertEqual("".join(sent), "abcdefghijkl")


def burst_log(received, dropped, data, crlf=True):
    nl = "\r\n" if crlf else "\n"
    return log(("kernel ready%skeyboard-burst: received %d dropped %d%skeyboard-burst: data %s%s"
                % (nl, received, dropped, nl, data, nl)).encode())


class CheckBurst(unittest.TestCase):
    SENT = keys.burst_sequence(100)

    def test_everything_received(self):
        self.assertIsNone(keys.check_burst(burst_log(100, 0, self.SENT), self.SENT))

    def test_prefix_received_rest_dropped(self):
        self.assertIsNone(keys.check_burst(burst_log(64, 36, self.SENT[:64]), self.SENT))

    def test_any_subsequence_is_accepted(self):
        data = self.SENT[:10] + self.SENT[20:50] + self.SENT[60:]
        self.assertIsNone(keys.check_burst(burst_log(len(data), 100 - len(data), data),
                                           self.SENT))

    def test_nothing_received(self):
        self.assertIsNone(keys.check_burst(burst_log(0, 100, ""), self.SENT))
        self.assertIsNone(keys.check_burst(log(b"keyboard-burst: received 0 dropped 100\n"
                                               b"keyboard-burst: data\n"), self.SENT))

    def test_counts_must_add_up(self):
        sent = keys.burst_sequence(600)
        self.assertEqual(keys.check_burst(burst_log(250, 340, sent[:250]), sent),
                         "burst: received 250 + dropped 340 != sent 600")

    def test_missing_lines(self):
        self.assertIn("no 'keyboard-burst: received",
                      keys.check_burst(log(BOOT_LOG), self.SENT))
        self.assertIn("no 'keyboard-burst: data",
                      keys.check_burst(log(b"keyboard-burst: received 100 dropped 0\n"),
                                       self.SENT))

    def test_data_length_must_match(self):
        why = keys.check_burst(burst_log(100, 0, self.SENT[:99]), self.SENT)
        self.assertIn("99 characters", why)

    def test_wrong_characters(self):
        for data in (self.SENT[:49] + "A" + self.SENT[50:],  # shift stuck
                     "b" + "a" + self.SENT[2:],  # reordered
                     self.SENT[:99] + self.SENT[98]):  # the last key twice
            with self.subTest(data=data[:12]):
                why = keys.check_burst(burst_log(100, 0, data), self.SENT)
                self.assertIsNotNone(why)
                self.assertIn("not the sent sequence", why)

    def test_a_duplicate_is_located(self):
        why = keys.check_burst(burst_log(4, 2, "abbc"), "abcdef")
        self.assertIn("received[2] = 'b' cannot follow 'ab'", why)

    def test_classify_reports_missing_output(self):
        sent = keys.burst_sequence(600)
        v = harness.classify(OK, False, burst_log(250, 340, sent[:250]), burst_sent=sent)
        self.assertEqual(v, harness.Verdict("missing-output",
                                            "burst: received 250 + dropped 340 != sent 600"))
        self.assertEqual(harness.classify(OK, False, burst_log(600, 0, sent),
                                          burst_sent=sent).kind, "pass")
        # Only a success exit is checked: a panic stays a kernel failure.
        self.assertEqual(harness.classify(FAIL, False, burst_log(1, 1, "a"),
                                          burst_sent=sent).kind, "kernel-failure")

    def test_classify_input_error(self):
        v = harness.classify(OK, False, log(BOOT_LOG), input_error="--type-after 'x' never "
                             "matched the serial log")
        self.assertEqual(v.kind, "missing-output")
        self.assertIn("never matched", v.reason)
        self.assertEqual(harness.classify(OK, False, log(BOOT_LOG), ["absent"],
                                          input_error="x").reason,
                         "--expect 'absent' did not match the serial log")


class ScriptThread(unittest.TestCase):
    """The trigger -> action logic of steps.Script, with a fake QMP and no pauses."""

    def run_script(self, feeds, script_steps):
        q = FakeQmp()
        script = steps.Script(script_steps, q)
        serial = harness.SerialText()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            script.start()
            for data in feeds:
                serial.feed(data)
                script.watch(serial)
            # The thread ends by itself once every step has run; otherwise it
            # waits for a trigger that does not come, until the run ends.
            script.join(timeout=0.5)
            script.stop()
        return script, q, out.getvalue()

    def step(self, option, pattern, name):
        return steps.Step(option, pattern, name, lambda execute, sleep: execute(name))

    def test_steps_run_in_order_after_their_triggers(self):
        script_steps = [self.step("--type-after", "^ready: type$", "typing"),
                        self.step("--burst-after", "^ready: burst$", "burst")]
        script, q, out = self.run_script(
            [b"boot\r\nready: burst\r\n", b"ready: type\r\n", b"ready: burst\r\n"],
            script_steps)
        self.assertEqual([c for c, _ in q.calls], ["typing", "burst"])
        self.assertIsNone(script.result())
        self.assertIn("--type-after '^ready: type$' matched 'ready: type'", out)

    def test_a_trigger_must_match_after_the_previous_one(self):
        # "ready: burst" came before "ready: type": the burst is never sent.
        script_steps = [self.step("--type-after", "^ready: type$", "typing"),
                        self.step("--burst-after", "^ready: burst$", "burst")]
        script, q, _ = self.run_script([b"ready: burst\r\nready: type\r\n"], script_steps)
        self.assertEqual([c for c, _ in q.calls], ["typing"])
        self.assertEqual(script.result(), "--burst-after '^ready: burst$' never matched the "
                                          "serial log (burst not sent)")

    def test_the_same_prompt_twice_needs_two_prompts(self):
        script_steps = [self.step("--serial-after", "^kestrel> ", "first"),
                        self.step("--serial-after", "^kestrel> ", "second")]
        prompt = b"\x1b[1;32mkestrel>\x1b[0m "
        script, q, _ = self.run_script([b"boot\r\n" + prompt], script_steps)
        self.assertEqual([c for c, _ in q.calls], ["first"])
        self.assertIn("never matched", script.result())
        script_steps = [self.step("--serial-after", "^kestrel> ", "first"),
                        self.step("--serial-after", "^kestrel> ", "second")]
        script, q, _ = self.run_script([b"boot\r\n" + prompt, b"echo hi\r\nhi\r\n" + prompt],
                                       script_steps)
        self.assertEqual([c for c, _ in q.calls], ["first", "second"])
        self.assertIsNone(script.result())

    def test_trigger_on_a_partial_line(self):
        script, q, _ = self.run_script([log(SHELL_LOG).encode()],
                                       [self.step("--type-after", "^Shell> ", "typing")])
        self.assertEqual([c for c, _ in q.calls], ["typing"])

    def test_a_step_without_trigger_follows_the_previous_one(self):
        def script_steps():
            return [self.step("--screendump-after", "^ready$", "dump"),
                    self.step("--serial", None, "poweroff")]
        script, q, out = self.run_script([b"ready\r\n"], script_steps())
        self.assertEqual([c for c, _ in q.calls], ["dump", "poweroff"])
        self.assertIn("--serial (right after the previous step): sending poweroff", out)
        # ... and never before it.
        script, q, _ = self.run_script([b"not yet\r\n"], script_steps())
        self.assertEqual(q.calls, [])
        self.assertIn("--screendump-after '^ready$' never matched", script.result())

    def test_qmp_failure_is_reported(self):
        def fail(execute, sleep):
            raise ConnectionError("QMP connection closed")
        script_steps = [steps.Step("--type-after", "go", "3 key chords", fail),
                        self.step("--serial", None, "after")]
        script, q, _ = self.run_script([b"go\n"], script_steps)
        self.assertEqual(script.result(), "sending 3 key chords after --type-after 'go' "
                                          "failed: QMP connection closed")
        self.assertEqual(q.calls, [])

    def test_run_ends_during_the_action(self):
        started = threading.Event()

        def slow(execute, sleep):
            started.set()
            sleep(60)
        script = steps.Script([steps.Step("--type-after", "go", "typing", slow)], FakeQmp())
        serial = harness.SerialText()
        with contextlib.redirect_stdout(io.StringIO()):
            script.start()
            serial.feed(b"go\n")
            script.watch(serial)
            self.assertTrue(started.wait(10))
            script.stop()
        self.assertFalse(script.is_alive())
        self.assertIn("the run ended before typing", script.result())

    def test_make_steps_actions(self):
        written, sent = [], []
        specs = steps.parse_steps([("--serial-after", "a"), ("--serial", r"x\r"),
                                   ("--type-after", "b"), ("--type", "hi"),
                                   ("--burst-after", "c"), ("--burst", 7),
                                   ("--screendump-after", "d")])
        made = steps.make_steps(specs, written.append, sent,
                                lambda execute, sleep: execute("screendump", filename="f"))
        q = FakeQmp()
        for step in made:
            step.action(q.execute, q.sleep)
        self.assertEqual(written, [b"x\r"])
        self.assertEqual([c for c, _ in q.calls],
                         ["send-key", "send-key", "input-send-event", "input-send-event",
                          "screendump"])
        self.assertEqual("".join(sent), "abcdefg")
        self.assertEqual([s.what for s in made],
                         ["b'x\\r' to the serial port", "2 key chords for 'hi'",
                          "a burst of 7 keys", "a screendump"])
        self.assertEqual([s.settle for s in made],
                         [0, keys.CHORD_PAUSE_SECONDS, keys.BURST_PAUSE_SECONDS, 0])


class ParseSteps(unittest.TestCase):
    def kinds(self, recorded, serial_after_typing=None):
        return [(s.kind, s.trigger) for s in steps.parse_steps(recorded, serial_after_typing)]

    def test_command_line_order_whatever_the_kind(self):
        recorded = [("--burst-after", "b"), ("--burst", 6), ("--serial-after", "s"),
                    ("--serial", "x"), ("--type-after", "t"), ("--type", "y"),
                    ("--screendump-after", "d"), ("--serial-after", "s2"), ("--serial", "z")]
        self.assertEqual(self.kinds(recorded),
                         [("burst", "b"), ("serial", "s"), ("type", "t"),
                          ("screendump", "d"), ("serial", "s2")])

    def test_payloads(self):
        (ser, typ, bur) = steps.parse_steps([
            ("--serial-after", "^kestrel> "), ("--serial", r"echo hello\r"),
            ("--type-after", "p"), ("--type", "ls{enter}"), ("--burst-after", "q"),
            ("--burst", 3)])
        self.assertEqual(ser, steps.Spec("serial", "--serial-after", "^kestrel> ",
                                         b"echo hello\r", r"echo hello\r"))
        self.assertEqual(typ.payload, [("l",), ("s",), ("ret",)])
        self.assertEqual(bur.payload, 3)

    def test_a_payload_without_its_trigger_follows_the_previous_step(self):
        self.assertEqual(self.kinds([("--screendump-after", "^kestrel> "),
                                     ("--serial", r"poweroff\r")]),
                         [("screendump", "^kestrel> "), ("serial", None)])
        spec = steps.parse_steps([("--serial-after", "a"), ("--serial", "1"),
                                  ("--type", "2")])[1]
        self.assertEqual((spec.kind, spec.option, spec.trigger), ("type", "--type", None))

    def test_serial_after_typing_follows_the_last_key_step(self):
        recorded = [("--type-after", "t"), ("--type", "x"), ("--burst-after", "b"),
                    ("--burst", 6), ("--serial-after", "s"), ("--serial", "y")]
        self.assertEqual(self.kinds(recorded, r"\r"),
                         [("type", "t"), ("burst", "b"), ("serial", None), ("serial", "s")])
        spec = steps.parse_steps(recorded, r"\r")[2]
        self.assertEqual((spec.option, spec.payload), ("--serial-after-typing", b"\r"))

    def test_errors(self):
        cases = [
            ([("--type", "x")], "the first step needs a trigger"),
            ([("--serial", "x")], "go together"),
            ([("--burst-after", "x")], "must be followed by its --burst"),
            ([("--type-after", "a"), ("--serial-after", "b"), ("--type", "x")],
             "must be followed by its --type"),
            ([("--type-after", "a"), ("--serial", "x")], "not by --serial"),
            ([("--type-after", "a"), ("--screendump-after", "b")], "not by --screendump-after"),
            ([("--type-after", "x"), ("--type", "{nope}")], "unknown key"),
            ([("--serial-after", "("), ("--serial", "x")], "not a valid regular expression"),
            ([("--screendump-after", "[")], "not a valid regular expression"),
            ([("--burst-after", "x"), ("--burst", 0)], "at least 1"),
            ([("--serial-after", "x"), ("--serial", r"\q")], "unknown escape"),
        ]
        for recorded, message in cases:
            with self.subTest(recorded=recorded):
                with self.assertRaises(ValueError) as cm:
                    steps.parse_steps(recorded)
                self.assertIn(message, str(cm.exception))
        with self.assertRaisesRegex(ValueError, "needs --type or --burst"):
            steps.parse_steps([("--serial-after", "a"), ("--serial", "b")], "x")


class StepArgs(unittest.TestCase):
    BASE = ["--image", "d.img", "--workdir", "w"]
    RENDER = ["--render-tool", "r", "--font", "f"]

    def parse(self, *argv):
        return harness.parse_args(self.BASE + list(argv))

    def error(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit):
            self.parse(*argv)
        return err.getvalue()

    def test_no_steps(self):
        self.assertEqual(self.parse().specs, [])

    def test_typing_then_serial(self):
        a = self.parse("--type-after", "^ready", "--type", "ls{enter}",
                       "--serial-after-typing", r"\r")
        self.assertEqual([(s.kind, s.option, s.payload) for s in a.specs],
                         [("type", "--type-after", [("l",), ("s",), ("ret",)]),
                          ("serial", "--serial-after-typing", b"\r")])

    def test_interleaved_in_command_line_order(self):
        a = self.parse("--serial-after", "^kestrel> ", "--serial", r"echo hello\r",
                       "--expect", "^hello$",
                       "--type-after", "^hello$", "--type", "mem\n",
                       "--serial-after", "^kestrel> ", "--serial", r"\x0c",
                       "--screendump-after", "^kestrel> ", "--serial", r"poweroff\r",
                       "--screen-matches-serial", *self.RENDER, "--expect-poweroff")
        self.assertEqual([(s.kind, s.trigger) for s in a.specs],
                         [("serial", "^kestrel> "), ("type", "^hello$"),
                          ("serial", "^kestrel> "), ("screendump", "^kestrel> "),
                          ("serial", None)])
        self.assertTrue(a.expect_poweroff)
        self.assertEqual(a.expect, ["^hello$"])

    def test_burst_before_typing_if_given_so(self):
        # Command-line order, not the order of the kinds.
        a = self.parse("--burst-after", "b", "--burst", "6", "--type-after", "t", "--type", "x")
        self.assertEqual([s.kind for s in a.specs], ["burst", "type"])

    def test_parsing_twice_does_not_share_the_steps(self):
        self.parse("--serial-after", "a", "--serial", "b")
        self.assertEqual(self.parse().specs, [])

    def test_errors(self):
        self.assertIn("go together", self.error("--type", "x"))
        self.assertIn("go together", self.error("--burst-after", "x"))
        self.assertIn("unknown key", self.error("--type-after", "x", "--type", "{nope}"))
        self.assertIn("not a valid regular expression",
                      self.error("--type-after", "(", "--type", "x"))
        self.assertIn("not a valid regular expression", self.error("--expect", "("))
        self.assertIn("at least 1", self.error("--burst-after", "x", "--burst", "0"))
        self.assertIn("exactly one --burst", self.error("--check-burst"))
        self.assertIn("needs --type or --burst", self.error("--serial-after-typing", "x"))
        self.assertIn("unknown escape", self.error("--type-after", "x", "--type", "y",
                                                   "--serial-after-typing", r"\q"))

    def test_screen_errors(self):
        self.assertIn("need --render-tool and --font",
                      self.error("--screen-matches-serial", "--screendump-after", "x"))
        self.assertIn("needs --screendump-after",
                      self.error("--screen-matches-serial", *self.RENDER))
        self.assertIn("once", self.error("--screendump-after", "x", "--screendump-after", "y"))
        self.assertIn("cannot be combined",
                      self.error("--screen-compare", "--screen-matches-serial",
                                 "--screendump-after", "x", *self.RENDER))
        self.assertIn("--screen-cursor needs --screen-matches-serial",
                      self.error("--screen-cursor"))
        a = self.parse("--screen-matches-serial", "--screen-cursor", "--screendump-after", "x",
                       *self.RENDER)
        self.assertTrue(a.screen_cursor)


class SettledDump(unittest.TestCase):
    """steps.settled_dump: screendumps until the screen and serial stand still."""

    def run_dumps(self, screens, serial_lengths, max_dumps=5):
        screens, lengths, sleeps = list(screens), list(serial_lengths), []
        result = steps.settled_dump(lambda i: screens.pop(0), lambda: lengths.pop(0),
                                    sleeps.append, max_dumps)
        return result, sleeps

    def test_still_at_once(self):
        # Serial length is read before and after each dump.
        (i, n, settled), sleeps = self.run_dumps([b"A", b"A"], [10, 10, 10, 10])
        self.assertEqual((i, n, settled), (1, 10, True))
        self.assertEqual(sleeps, [steps.SETTLE_SECONDS])

    def test_waits_for_the_screen_to_catch_up(self):
        # The first dump was taken while the kernel was still drawing.
        (i, n, settled), _ = self.run_dumps([b"A", b"B", b"B"], [10] * 6)
        self.assertEqual((i, n, settled), (2, 10, True))

    def test_waits_for_serial_to_stop(self):
        (i, n, settled), _ = self.run_dumps([b"A", b"A", b"A", b"A"],
                                            [10, 10, 12, 12, 12, 12, 12, 12])
        self.assertEqual((i, n, settled), (2, 12, True))
        # Output during a dump counts too.
        (i, n, settled), _ = self.run_dumps([b"A"] * 4, [10, 10, 10, 11, 11, 11, 11, 11])
        self.assertEqual((i, n, settled), (3, 11, True))

    def test_gives_up(self):
        (i, n, settled), sleeps = self.run_dumps([b"A", b"B", b"C"], [1, 1, 2, 2, 3, 3],
                                                 max_dumps=3)
        self.assertEqual((i, n, settled), (2, 3, False))
        self.assertEqual(len(sleeps), 2)


class FramebufferLine(unittest.TestCase):
    def test_parses_the_kernel_line_not_the_loaders(self):
        fb = harness.parse_framebuffer_line(KERNEL_BOOT)
        self.assertEqual({k: fb[k] for k in ("width", "height", "pitch", "format")},
                         {"width": 1280, "height": 800, "pitch": 1280, "format": "bgrx"})
        self.assertTrue(KERNEL_BOOT[:fb["end"]].endswith(b"pitch 1280 pixels, format bgrx"))

    def test_other_geometries_and_formats(self):
        fb = harness.parse_framebuffer_line(
            b"framebuffer: 800x600, pitch 832 pixels, format rgbx, at 0x80000000 (1950 KiB)\r\n")
        self.assertEqual((fb["width"], fb["height"], fb["pitch"], fb["format"]),
                         (800, 600, 832, "rgbx"))
        self.assertEqual(harness.parse_framebuffer_line(
            b"framebuffer: 8x8, pitch 8 pixels, format bitmask, at 0x0 (0 KiB)\n")["format"],
            "bitmask")

    def test_none(self):
        self.assertIsNone(harness.parse_framebuffer_line(
            b"framebuffer: none (serial console only)\r\n"))
        self.assertIsNone(harness.parse_framebuffer_line(BOOT_LOG))
        self.assertIsNone(harness.parse_framebuffer_line(b"x framebuffer: 1x1, pitch 1 "
                                                         b"pixels, format bgrx\n"))


class AfterLastClear(unittest.TestCase):
    def test_the_last_clear_counts(self):
        raw = b"a\x1b[2J\x1b[Hb\r\n\x1b[0m\x1b[2J\x1b[H\x1b[1;32mkestrel>\x1b[0m "
        self.assertEqual(harness.after_last_clear(raw),
                         b"\x1b[H\x1b[1;32mkestrel>\x1b[0m ")

    def test_only_after_start(self):
        raw = SHELL_LOG + KERNEL_BOOT
        fb = harness.parse_framebuffer_line(raw)
        # OVMF cleared the screen before the kernel: that clear does not count.
        self.assertIsNone(harness.after_last_clear(raw, fb["end"]))
        self.assertEqual(harness.after_last_clear(raw + b"\x1b[2Jx", fb["end"]), b"x")

    def test_nothing_after_the_clear(self):
        self.assertEqual(harness.after_last_clear(b"abc\x1b[2J"), b"")

    def test_other_erases_are_no_clear(self):
        self.assertIsNone(harness.after_last_clear(b"\x1b[J\x1b[0J\x1b[1J\x1b[K\x1b[2K"))


# A stand-in for render_console: checks its arguments, records them, and
# writes the PPM it is told to expect (the harness compares it with the dump).
FAKE_RENDER = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_RENDER_LOG"], "w") as f:
    json.dump(args, f)
with open(os.environ["FAKE_RENDER_PPM"], "rb") as src, open(args[-1], "wb") as dst:
    dst.write(src.read())
"""


class ScreenMatchesSerial(unittest.TestCase):
    W, H = 4, 2

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kestrel-harness-test-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.tool = os.path.join(self.dir, "render")
        with open(self.tool, "w") as f:
            f.write(FAKE_RENDER)
        os.chmod(self.tool, os.stat(self.tool).st_mode | stat.S_IXUSR)
        self.font = os.path.join(self.dir, "font.psf")
        open(self.font, "wb").close()
        self.picture = ppm(self.W, self.H, bytes(range(self.W * self.H * 3)))
        self.reference = os.path.join(self.dir, "reference.ppm")
        self.argv_log = os.path.join(self.dir, "argv.json")
        os.environ["FAKE_RENDER_LOG"] = self.argv_log
        os.environ["FAKE_RENDER_PPM"] = self.reference
        self.addCleanup(os.environ.pop, "FAKE_RENDER_LOG")
        self.addCleanup(os.environ.pop, "FAKE_RENDER_PPM")

    def check(self, raw, dump, reference=None, cursor=False, settled=True):
        with open(os.path.join(self.dir, "screen-dump.ppm"), "wb") as f:
            f.write(dump)
        with open(self.reference, "wb") as f:
            f.write(self.picture if reference is None else reference)
        argv = ["--image", "d", "--workdir", self.dir, "--screen-matches-serial",
                "--screendump-after", "x", "--render-tool", self.tool, "--font", self.font]
        args = harness.parse_args(argv + (["--screen-cursor"] if cursor else []))
        with contextlib.redirect_stdout(io.StringIO()):
            return harness.check_screen_matches_serial(args, self.dir, raw, settled, 7)

    def raw(self, tail=b"\x1b[H\x1b[1;32mkestrel>\x1b[0m "):
        return KERNEL_BOOT + b"\x1b[0m\x1b[2J" + tail

    def test_match(self):
        self.assertIsNone(self.check(self.raw(), self.picture))
        with open(self.argv_log) as f:
            argv = json.load(f)
        text = os.path.join(self.dir, "screen-serial.txt")
        self.assertEqual(argv, [self.font, "1280", "800", "1280", "bgrx", text,
                                os.path.join(self.dir, "screen-expected.ppm")])
        with open(text, "rb") as f:
            self.assertEqual(f.read(), b"\x1b[H\x1b[1;32mkestrel>\x1b[0m ")

    def test_cursor(self):
        self.assertIsNone(self.check(self.raw(), self.picture, cursor=True))
        with open(self.argv_log) as f:
            self.assertEqual(json.load(f)[0], "--cursor")

    def test_mismatch_keeps_the_images(self):
        other = bytearray(self.picture)
        other[-1] ^= 0xff
        why = self.check(self.raw(), bytes(other))
        self.assertIn("1 of 8 pixels differ", why)
        for name in ("screen-dump.ppm", "screen-expected.ppm", "screen-diff.ppm",
                     "screen-serial.txt"):
            self.assertTrue(os.path.isfile(os.path.join(self.dir, name)), name)

    def test_unsettled_mismatch_says_so(self):
        other = bytearray(self.picture)
        other[-1] ^= 0xff
        self.assertIn("still changing after 7 screendumps",
                      self.check(self.raw(), bytes(other), settled=False))

    def test_no_clear(self):
        why = self.check(SHELL_LOG + KERNEL_BOOT, self.picture)
        self.assertIn("no ESC[2J", why)

    def test_no_framebuffer(self):
        self.assertIn("framebuffer: none", self.check(
            b"framebuffer: none (serial console only)\r\n\x1b[2Jx", self.picture))
        self.assertIn("no line 'framebuffer:", self.check(b"\x1b[2Jx", self.picture))
        self.assertIn("format is bitmask", self.check(
            b"framebuffer: 8x8, pitch 8 pixels, format bitmask, at 0x0\r\n\x1b[2Jx",
            self.picture))


# ---- QMP: a fake QEMU on a unix socket ----

class FakeQemu(threading.Thread):
    """Serves one QMP client: greeting, capabilities, then the given script.

    script: a list of ("reply", msg) / ("event", name, data) / ("close",) items,
    played after the capabilities reply; a "reply" waits for a command first.
    """

    def __init__(self, path, script):
        super().__init__(daemon=True)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.script = script
        self.commands = []

    def run(self):
        conn, _ = self.server.accept()
        f = conn.makefile("rwb")

        def send(msg):
            f.write(json.dumps(msg).encode() + b"\r\n")
            f.flush()

        def command():
            line = f.readline()
            self.commands.append(json.loads(line))

        send({"QMP": {"version": {}, "capabilities": []}})
        command()
        send({"return": {}})
        for item in self.script:
            if item[0] == "reply":
                command()
                send(item[1])
            elif item[0] == "event":
                send({"timestamp": {"seconds": 0, "microseconds": 0}, "event": item[1],
                      "data": item[2]})
            else:
                break
        f.close()
        conn.close()
        self.server.close()


class QmpClient(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kestrel-qmp-test-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.path = os.path.join(self.dir, "qmp.sock")

    def client(self, script):
        qemu = FakeQemu(self.path, script)
        qemu.start()
        qmp = harness.Qmp(self.path, time.monotonic() + 10)
        self.addCleanup(qmp.close)
        with contextlib.redirect_stdout(io.StringIO()):
            qmp.connect()
        return qemu, qmp

    def test_events_between_replies_and_the_shutdown_reason(self):
        qemu, qmp = self.client([
            ("event", "RTC_CHANGE", {"offset": 0}),
            ("reply", {"return": {"status": "running"}}),
            ("event", "SHUTDOWN", {"guest": True, "reason": POWEROFF}),
            ("event", "SHUTDOWN", {"guest": False, "reason": "host-signal"}),
            ("close",)])
        with contextlib.redirect_stdout(io.StringIO()) as out:
            self.assertEqual(qmp.execute("query-status"), {"status": "running"})
            qmp.wait_closed(5)
        self.assertEqual(qmp.shutdown_reason, POWEROFF)  # the first one counts
        self.assertEqual([e["event"] for e in qmp.events],
                         ["RTC_CHANGE", "SHUTDOWN", "SHUTDOWN"])
        self.assertIn('QMP event SHUTDOWN {"guest": true, "reason": "guest-shutdown"}',
                      out.getvalue())
        self.assertNotIn("RTC_CHANGE", out.getvalue())
        self.assertEqual([c["execute"] for c in qemu.commands],
                         ["qmp_capabilities", "query-status"])

    def test_error_reply(self):
        _, qmp = self.client([("reply", {"error": {"class": "GenericError",
                                                   "desc": "no such file"}})])
        with self.assertRaisesRegex(RuntimeError, "QMP screendump: no such file"):
            qmp.execute("screendump", filename="/nonexistent/x.ppm")

    def test_closed_connection(self):
        _, qmp = self.client([("close",)])
        qmp.wait_closed(5)
        self.assertIsNone(qmp.shutdown_reason)
        for _ in range(2):  # every later command fails at once
            with self.assertRaises(ConnectionError):
                qmp.execute("send-key", keys=[])

    def test_connect_gives_up_when_qemu_is_gone(self):
        qmp = harness.Qmp(self.path, time.monotonic() + 10)
        with self.assertRaisesRegex(ConnectionError, "QEMU exited"):
            qmp.connect(alive=lambda: False)
        with self.assertRaises(TimeoutError):
            qmp.connect(limit=0.2)


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
        # Under -icount without the x2APIC (QEMU 10's "Bad icount read"), else as asked.
        self.assertEqual(cmd[cmd.index("-cpu") + 1], "max,-x2apic")
        m.icount = False
        cmd = qemu_cmd.build_command(m, serial=[], display=[])
        self.assertEqual(cmd[cmd.index("-cpu") + 1], "max")

    def test_usb_stick_is_the_only_disk(self):
        m = qemu_cmd.Machine(disk="/w/disk.img", ovmf_vars="/w/VARS.fd", usb=True)
        joined = " ".join(qemu_cmd.build_command(m, serial=[], display=[]))
        self.assertIn("-device qemu-xhci,id=xhci -drive if=none,id=stick,format=raw,"
                      "file=/w/disk.img -device usb-storage,bus=xhci.0,drive=stick", joined)
        self.assertEqual(joined.count("file=/w/disk.img"), 1)
        self.assertNotIn("-drive format=raw,file=", joined)

    def test_uboot_rom_and_ahci_disk(self):
        m = qemu_cmd.Machine(disk="/w/disk.img", ovmf_vars="/w/VARS.fd", machine="pc",
                             bios=qemu_cmd.UBOOT_ROM, ahci=True)
        cmd = qemu_cmd.build_command(m, serial=[], display=[])
        joined = " ".join(cmd)
        self.assertIn("-bios " + qemu_cmd.UBOOT_ROM, joined)
        self.assertNotIn("pflash", joined)
        self.assertIn("-device ahci,id=ahci -drive if=none,id=disk,format=raw,"
                      "file=/w/disk.img -device ide-hd,drive=disk,bus=ahci.0", joined)
        self.assertEqual(joined.count("file=/w/disk.img"), 1)
        with self.assertRaises(qemu_cmd.SetupError):
            qemu_cmd.disk_args("/w/disk.img", usb=True, ahci=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
