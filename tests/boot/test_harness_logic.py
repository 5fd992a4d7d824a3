#!/usr/bin/env python3
"""Self-check of the boot-test harness's decisions, without QEMU.

Feeds harness.classify() and friends fake exit statuses and serial logs (some
taken from real OVMF runs, escape sequences included) and checks every
classification, the ordering of --expect, --reject, --expect-failure, the PPM
comparison, the QEMU command line and the keyboard input (keys.py: characters
to QEMU key chords, the {special} syntax, the pacing, the burst check, and the
thread that types when the log asks for it). Registered in CTest as
harness.logic.
"""

import sys

sys.dont_write_bytecode = True

import contextlib
import io
import os
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import keys  # noqa: E402
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


class KeyboardThread(unittest.TestCase):
    """The trigger -> action -> serial write logic, with a fake QMP and no pauses."""

    def run_keyboard(self, feeds, steps, serial_after=b"ser"):
        q = FakeQmp()
        written = []
        kb = keys.Keyboard(steps, q, serial_after)
        serial = harness.SerialText()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kb.start_with(written.append)
            for data in feeds:
                serial.feed(data)
                kb.watch(serial)
            # The thread ends by itself once every step has run; otherwise it
            # waits for a trigger that does not come, until the run ends.
            kb.join(timeout=0.5)
            kb.stop()
        return kb, q, written, out.getvalue()

    def step(self, option, pattern, name):
        return keys.KeyStep(option, pattern, name,
                            lambda execute, sleep: execute(name), 0)

    def test_steps_run_in_order_after_their_triggers(self):
        steps = [self.step("--type-after", "^ready: type$", "typing"),
                 self.step("--burst-after", "^ready: burst$", "burst")]
        kb, q, written, out = self.run_keyboard(
            [b"boot\r\nready: burst\r\n", b"ready: type\r\n", b"ready: burst\r\n"], steps)
        self.assertEqual([c for c, _ in q.calls], ["typing", "burst"])
        self.assertEqual(written, [b"ser"])
        self.assertIsNone(kb.result())
        self.assertIn("--type-after '^ready: type$' matched 'ready: type'", out)

    def test_a_trigger_must_match_after_the_previous_one(self):
        # "ready: burst" came before "ready: type": the burst is never sent.
        steps = [self.step("--type-after", "^ready: type$", "typing"),
                 self.step("--burst-after", "^ready: burst$", "burst")]
        kb, q, written, _ = self.run_keyboard([b"ready: burst\r\nready: type\r\n"], steps)
        self.assertEqual([c for c, _ in q.calls], ["typing"])
        self.assertEqual(written, [])
        self.assertEqual(kb.result(), "--burst-after '^ready: burst$' never matched the "
                                      "serial log (burst not sent)")

    def test_trigger_on_a_partial_line(self):
        steps = [self.step("--type-after", "^Shell> ", "typing")]
        kb, q, _, _ = self.run_keyboard([log(SHELL_LOG).encode()], steps)
        self.assertEqual([c for c, _ in q.calls], ["typing"])

    def test_qmp_failure_is_reported(self):
        def fail(execute, sleep):
            raise ConnectionError("QMP connection closed")
        steps = [keys.KeyStep("--type-after", "go", "3 key chords", fail, 0)]
        kb, _, written, _ = self.run_keyboard([b"go\n"], steps)
        self.assertEqual(kb.result(), "sending 3 key chords after --type-after 'go' failed: "
                                      "QMP connection closed")
        self.assertEqual(written, [])

    def test_run_ends_during_the_action(self):
        started = threading.Event()

        def slow(execute, sleep):
            started.set()
            sleep(60)
        steps = [keys.KeyStep("--type-after", "go", "typing", slow, 0)]
        kb = keys.Keyboard(steps, FakeQmp())
        serial = harness.SerialText()
        with contextlib.redirect_stdout(io.StringIO()):
            kb.start_with(lambda data: None)
            serial.feed(b"go\n")
            kb.watch(serial)
            self.assertTrue(started.wait(10))
            kb.stop()
        self.assertFalse(kb.is_alive())
        self.assertIn("the run ended before typing", kb.result())


class KeyboardArgs(unittest.TestCase):
    BASE = ["--image", "d.img", "--workdir", "w"]

    def parse(self, *argv):
        return harness.parse_args(self.BASE + list(argv))

    def error(self, *argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit):
            self.parse(*argv)
        return err.getvalue()

    def test_typing(self):
        a = self.parse("--type-after", "^ready", "--type", "ls{enter}",
                       "--serial-after-typing", r"\r")
        self.assertEqual(a.chords, [("l",), ("s",), ("ret",)])
        self.assertEqual(a.serial_bytes, b"\r")
        steps = keys.steps_from_args(a, [])
        self.assertEqual([s.option for s in steps], ["--type-after"])

    def test_burst(self):
        a = self.parse("--burst-after", "go", "--burst", "600", "--check-burst")
        steps = keys.steps_from_args(a, [])
        self.assertEqual([s.what for s in steps], ["a burst of 600 keys"])

    def test_both_steps_type_first(self):
        a = self.parse("--burst-after", "b", "--burst", "6", "--type-after", "t", "--type", "x")
        self.assertEqual([s.option for s in keys.steps_from_args(a, [])],
                         ["--type-after", "--burst-after"])

    def test_errors(self):
        self.assertIn("go together", self.error("--type", "x"))
        self.assertIn("go together", self.error("--burst-after", "x"))
        self.assertIn("unknown key", self.error("--type-after", "x", "--type", "{nope}"))
        self.assertIn("not a valid regular expression",
                      self.error("--type-after", "(", "--type", "x"))
        self.assertIn("at least 1", self.error("--burst-after", "x", "--burst", "0"))
        self.assertIn("needs --burst", self.error("--check-burst"))
        self.assertIn("needs --type or --burst", self.error("--serial-after-typing", "x"))
        self.assertIn("unknown escape", self.error("--type-after", "x", "--type", "y",
                                                   "--serial-after-typing", r"\q"))


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
