#!/usr/bin/env python3
"""Boot Kestrel once in QEMU + OVMF and decide whether the boot test passed.

One run: copy the disk image into the test's work directory (writing the
kernel command line into the copy), start QEMU with the serial port on a pipe
and a QMP connection open from the start, stream the serial output into
serial.log while watching for signs that the boot cannot succeed any more,
and classify how it ended:

  pass             QEMU exited 33 (kernel wrote 0x10 to isa-debug-exit) and the
                   serial log matched every --expect, in order, and no --reject;
                   with --expect-poweroff instead: the guest powered off (below)
                   and the log matched
  triple-fault     QEMU exited 0 after a SHUTDOWN event with reason guest-reset:
                   with -no-reboot, the guest reset (triple fault); also exit 0
                   with no SHUTDOWN event seen (a reset cannot be told from a
                   poweroff then, and the reason says so)
  poweroff         QEMU exited 0 after a SHUTDOWN event with reason
                   guest-shutdown (ACPI S5), and the test did not say
                   --expect-poweroff
  kernel-failure   QEMU exited 35 (kernel wrote 0x11: a panic in test mode)
  ovmf-exception   the firmware printed an exception dump ("X64 Exception Type")
  uefi-shell       the firmware found nothing to boot and started its shell
                   (OVMF's UEFI shell, or U-Boot's "=>" prompt under --bios)
  firmware-refused the firmware would not run the loader: its boot manager
                   printed "failed to load Boot#### ...: Access Denied" or
                   "Security Violation" (Secure Boot: unsigned or untrusted)
  timeout          nothing decided within --timeout seconds (QEMU is killed)
  bad-exit         any other exit status, including QEMU's own errors; exit 0
                   after another SHUTDOWN reason (host-signal: QEMU was stopped
                   from outside); exit 33 when the test expects a poweroff
  missing-output   success exit, but an --expect did not match or a --reject did,
                   or the scripted input was not all sent, or the kernel's burst
                   report does not fit it (--check-burst)
  screen-mismatch  the screendump differs from the reference rendering
  loader-error     the loader refused to boot: it printed "kestrel: returning to
                   the firmware", the firmware then took over again (a BdsDxe
                   line or its shell after it), the kernel never started and
                   no exception dump appeared. With --expect-loader-error this
                   is the success case (pass, if the --expect patterns match)

The decision is made only by classify(), a pure function of the exit status,
the SHUTDOWN reason and the log, so tests/boot/test_harness_logic.py can
check it without QEMU. With --expect-failure KIND the test passes only if the
run ends exactly as KIND: that is how the test suite proves each failure mode
is detected.

Input: --serial-after/--serial, --type-after/--type, --burst-after/--burst and
--screendump-after are steps of one script, run in command-line order, each
once the serial log matches its trigger after the previous step's match
(steps.py). Keys go to the guest's PS/2 keyboard through QMP (keys.py), text
to its serial input through QEMU's stdin.

Screens: --screen-compare compares a screendump with render_console's
rendering of screen_text.txt (test=screen); --screen-matches-serial compares
the screendump of --screendump-after with the rendering of what the kernel
wrote on serial since its last clear screen (ESC[2J).
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import argparse
import collections
import ctypes
import json
import os
import queue
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu_cmd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keys  # noqa: E402
import steps  # noqa: E402

KINDS = ("pass", "triple-fault", "poweroff", "kernel-failure", "ovmf-exception",
         "firmware-refused", "uefi-shell", "timeout", "bad-exit", "missing-output", "screen-mismatch",
         "loader-error")
FAILURE_KINDS = KINDS[1:]

# Firmware output that means the boot is over, checked in this order. OVMF's
# exception handler prints its dump and then spins forever, and the shell waits
# for input forever, so the harness stops QEMU when it sees them.
FATAL_SIGNS = (
    ("ovmf-exception", re.compile(r"X64 Exception Type")),
    # Secure Boot: the image on the disk failed verification (the shell, which
    # the secure firmware also refuses, is "failed to start", not this).
    ("firmware-refused",
     re.compile(r"^BdsDxe: failed to load Boot\w+ .*: (?:Access Denied|Security Violation)",
                re.M)),
    # OVMF's UEFI shell; U-Boot's command prompt, where it ends when no boot
    # option worked (or the loader returned).
    ("uefi-shell", re.compile(r"UEFI Interactive Shell|Shell>|(?m:^=> )")),
)
# How long to keep reading after a fatal sign, so the whole dump is in the log.
FATAL_GRACE_SECONDS = 2.0

# The loader's refusal (loader/log.c, ldr_wait_before_return): after any error
# before ExitBootServices it prints this, waits for a key or 10 s, and returns
# the error to the firmware, whose boot manager (BdsDxe) then tries the next
# boot option and ends in its shell. The kernel's first lines
# (kernel/boot/summary.c) say it started.
LOADER_RETURN = re.compile(r"^kestrel: returning to the firmware\b", re.M)
LOADER_WAIT = r"^kestrel: returning to the firmware in [0-9]+ seconds"
LOADER_ERROR_LINE = re.compile(r"^kestrel: error: .*$", re.M)
FIRMWARE_TAKEOVER = re.compile(r"^BdsDxe|UEFI Interactive Shell|Shell> ", re.M)
KERNEL_STARTED = re.compile(r"^Kestrel x86_64 kernel|^kernel ready", re.M)
# The key the harness presses to end the loader's wait; the firmware must have
# taken over well before the 10 s are up, or the key was not honoured.
LOADER_KEY = "\n"
LOADER_KEY_MAX_WAIT = 7.0
LOADER_GRACE_SECONDS = 1.0

SCREEN_READY = re.compile(
    r"^screen: ready (?P<width>\d+)x(?P<height>\d+) pitch (?P<pitch>\d+) "
    r"format (?P<format>rgbx|bgrx)\s*$", re.M)

# Terminal escape sequences (OVMF's console positions the cursor and sets
# colours on the serial port): CSI ... final byte, OSC ... BEL/ST, and the
# two-byte ESC x forms. Matching is done on the log without them.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

# The kernel's boot line about the framebuffer (kernel/boot/summary.c), in the
# raw serial bytes: --screen-matches-serial renders at this geometry.
FRAMEBUFFER_LINE = re.compile(
    rb"^framebuffer: (?P<width>\d+)x(?P<height>\d+), pitch (?P<pitch>\d+) pixels, "
    rb"format (?P<format>[a-z]+)", re.M)
CLEAR_SCREEN = b"\x1b[2J"

LOG_TAIL_LINES = 400
RENDER_TIMEOUT = 120  # seconds; render_console runs under the sanitizers

Verdict = collections.namedtuple("Verdict", "kind reason")


def clean_log(raw):
    """Serial bytes or text -> text without escape sequences or carriage returns."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return _ESCAPES.sub("", raw).replace("\r", "")


def find_fatal_sign(text, ignore=()):
    """Return (kind, line) for the first fatal firmware sign in text, or None.

    ignore: kinds that are not fatal in this run (--allow-shell: "uefi-shell").
    """
    for kind, pattern in FATAL_SIGNS:
        if kind in ignore:
            continue
        m = pattern.search(text)
        if m:
            return kind, _line_at(text, m.start())
    return None


def _line_at(text, pos):
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start:end if end >= 0 else len(text)].strip()


def loader_returned(text):
    """If the loader refused to boot and the firmware took over again, return
    (error line or None, position of the takeover); else None.

    The kernel must not have started, and the takeover (a BdsDxe line or the
    shell) must come after the loader's "returning to the firmware" line: that
    proves the loader's wait ended and its return reached the boot manager.
    """
    if KERNEL_STARTED.search(text):
        return None
    m = LOADER_RETURN.search(text)
    if m is None:
        return None
    t = FIRMWARE_TAKEOVER.search(text, m.end())
    if t is None:
        return None
    errors = LOADER_ERROR_LINE.findall(text, 0, m.start())
    return (errors[-1].strip() if errors else None), t.start()


def check_output(text, expects, rejects):
    """Return why the log fails --expect/--reject, or None if it satisfies them.

    Each --expect must match after the end of the previous one's match, so
    "--expect A --expect B" demands A before B. Patterns use re.MULTILINE:
    "^" and "$" are line boundaries.
    """
    pos = 0
    for i, e in enumerate(expects):
        m = re.compile(e, re.M).search(text, pos)
        if m is None:
            if i == 0:
                return "--expect %r did not match the serial log" % e
            return ("--expect %r did not match the serial log after the match of "
                    "--expect %r" % (e, expects[i - 1]))
        pos = m.end()
    for r in rejects:
        m = re.compile(r, re.M).search(text)
        if m:
            return "--reject %r matched the serial log: %r" % (r, _line_at(text, m.start()))
    return None


def classify(status, timed_out, log, expects=(), rejects=(), screen_error=None,
             input_error=None, burst_sent=None, ignore_signs=(), shutdown_reason=None,
             expect_poweroff=False, expect_loader_error=False, loader_wait=None):
    """Decide how a run ended. A pure function: everything it needs is an argument.

    status          QEMU's exit status (negative: killed by that signal), or None
    timed_out       True if the harness gave up waiting and killed QEMU
    log             the serial log, cleaned (see clean_log)
    screen_error    None, or why the screen comparison failed
    input_error     None, or why the scripted input was not all sent
    burst_sent      None, or the burst sent (--check-burst): check the kernel's report
    ignore_signs    fatal sign kinds that are not fatal in this run (--allow-shell)
    shutdown_reason the "reason" of QEMU's QMP SHUTDOWN event, or None if none was seen
    expect_poweroff the test ends with an ACPI poweroff, not the success exit
    expect_loader_error the test expects the loader to refuse to boot
                    (loader-error is then the success case)
    loader_wait     seconds from the loader's "returning to the firmware" line
                    to the firmware's takeover (the harness pressed a key at
                    the line), or None if not measured
    Returns a Verdict(kind, reason).
    """
    v = _classify(status, timed_out, log, expects, rejects, screen_error, input_error,
                  burst_sent, ignore_signs, shutdown_reason, expect_poweroff,
                  expect_loader_error, loader_wait)
    if expect_loader_error and v.kind == "pass" and loader_returned(log) is None:
        # Only a loader refusal passes such a test: the kernel ran instead.
        return Verdict("missing-output", "the test expects the loader to refuse the kernel "
                                         "(--expect-loader-error), but the run ended as a "
                                         "pass: %s" % v.reason)
    return v


def _classify(status, timed_out, log, expects, rejects, screen_error, input_error,
              burst_sent, ignore_signs, shutdown_reason, expect_poweroff,
              expect_loader_error, loader_wait):
    # The firmware's own words are the most specific evidence, and they are
    # why QEMU was stopped early, so they win over the exit status.
    sign = find_fatal_sign(log, ignore_signs)
    if sign is not None and sign[0] == "ovmf-exception":
        return Verdict(sign[0], "the firmware reported a CPU exception: %r" % sign[1])
    # The loader refused and returned: the firmware's shell after that is the
    # expected end of the story, not a failure of its own.
    refused = loader_returned(log)
    if refused is not None:
        line, _ = refused
        what = ("the loader refused to boot (%r), returned to the firmware, and the "
                "firmware took over again" % (line or "no 'kestrel: error:' line"))
        if not expect_loader_error:
            return Verdict("loader-error", what + ", but the test does not expect that "
                                                  "(--expect-loader-error)")
        if loader_wait is not None and loader_wait >= LOADER_KEY_MAX_WAIT:
            return Verdict("missing-output", what + ", but only %.1f s after its 'returning "
                                                    "to the firmware' line although a key "
                                                    "was pressed at once: the key did not "
                                                    "end the wait" % loader_wait)
        return _check_success(log, expects, rejects, screen_error, input_error, burst_sent,
                              what + "; the log matched")
    if sign is not None:
        kind, line = sign
        if kind == "firmware-refused":
            return Verdict(kind, "the firmware refused to run the loader (Secure Boot "
                                 "verification failed): %r" % line)
        return Verdict(kind, "the firmware started the UEFI shell (no loader on the "
                             "disk, or the loader returned): %r" % line)
    if timed_out:
        return Verdict("timeout", "no decision within the time limit; QEMU was killed")
    if status is None:
        return Verdict("bad-exit", "QEMU's exit status is unknown")
    if status == 0:
        # With -no-reboot, QEMU exits 0 both for a reset and for a poweroff;
        # the SHUTDOWN event it sends first says which (qemu_cmd.SHUTDOWN_*).
        if shutdown_reason == qemu_cmd.SHUTDOWN_POWEROFF:
            if expect_poweroff:
                return _check_success(
                    log, expects, rejects, screen_error, input_error, burst_sent,
                    "the guest powered off (QEMU exited with status 0 after a SHUTDOWN "
                    "event with reason %s) and the log matched" % shutdown_reason)
            return Verdict("poweroff", "the guest powered off (QEMU exited with status 0 "
                                       "after a SHUTDOWN event with reason %s), but the "
                                       "test does not expect that (--expect-poweroff)"
                           % shutdown_reason)
        if shutdown_reason == qemu_cmd.SHUTDOWN_RESET:
            return Verdict("triple-fault", "QEMU exited with status 0 after a SHUTDOWN event "
                                           "with reason %s: with -no-reboot the guest reset "
                                           "(a triple fault, or a reset it asked for)"
                           % shutdown_reason)
        if shutdown_reason is None:
            return Verdict("triple-fault", "QEMU exited with status 0 and no QMP SHUTDOWN "
                                           "event was seen, so a reset cannot be told from "
                                           "a poweroff: taken as a reset (with -no-reboot "
                                           "the guest reset, a triple fault, or powered off)")
        return Verdict("bad-exit", "QEMU exited with status 0 after a SHUTDOWN event with "
                                   "reason %s: QEMU was stopped, not by the guest's reset "
                                   "or poweroff" % shutdown_reason)
    if status == qemu_cmd.EXIT_STATUS_FAILURE:
        m = re.search(r"^panic:.*$", log, re.M) or re.search(r"^.*panic.*$", log, re.M)
        if m:
            detail = ": %r" % m.group(0).strip()
        else:
            last = [line.strip() for line in log.splitlines() if line.strip()][-1:]
            detail = "; no panic line, the last line is %r" % (last[0] if last else "")
        return Verdict("kernel-failure", "QEMU exited with status %d (the kernel reported "
                                         "failure)%s" % (status, detail))
    if status == qemu_cmd.EXIT_STATUS_SUCCESS:
        if expect_poweroff:
            return Verdict("bad-exit", "QEMU exited with status %d (the kernel's success exit "
                                       "through isa-debug-exit), but the test expects the "
                                       "guest to power off (--expect-poweroff)" % status)
        return _check_success(log, expects, rejects, screen_error, input_error, burst_sent,
                              "QEMU exited with status %d and the log matched" % status)
    if status < 0:
        return Verdict("bad-exit", "QEMU was killed by signal %d" % -status)
    if expect_poweroff:
        return Verdict("bad-exit", "QEMU exited with status %d (expected 0 after a poweroff)"
                       % status)
    return Verdict("bad-exit", "QEMU exited with status %d (expected %d for success)"
                   % (status, qemu_cmd.EXIT_STATUS_SUCCESS))


def _check_success(log, expects, rejects, screen_error, input_error, burst_sent, how):
    """The verdict for a run that ended the way the test wanted: pass, unless the
    output, the input or the screen says otherwise."""
    why = check_output(log, expects, rejects)
    if why is None:
        why = input_error
    if why is None and burst_sent is not None:
        why = keys.check_burst(log, burst_sent)
    if why is not None:
        return Verdict("missing-output", why)
    if screen_error is not None:
        return Verdict("screen-mismatch", screen_error)
    return Verdict("pass", how)


def judge(verdict, expect_failure=None, log="", expects=()):
    """Return (test_passed, headline) for a verdict and the --expect-failure kind.

    With --expect-failure kernel-failure, the --expect patterns must match
    too: they name the panic the test wants, so that another panic does not
    pass (the other kinds never check them: a missing-output run is one where
    they did not match)."""
    if expect_failure is None:
        if verdict.kind == "pass":
            return True, "PASS: " + verdict.reason
        return False, "FAIL: %s: %s" % (verdict.kind, verdict.reason)
    if verdict.kind == expect_failure:
        why = check_output(log, expects, ()) if expect_failure == "kernel-failure" else None
        if why is not None:
            return False, ("FAIL: expected failure %s observed, but %s: %s"
                           % (expect_failure, why, verdict.reason))
        return True, "PASS: expected failure %s observed: %s" % (expect_failure, verdict.reason)
    return False, ("FAIL: expected failure %s, but the run was classified %s: %s"
                   % (expect_failure, verdict.kind, verdict.reason))


# ---- PPM images (QEMU's screendump and render_console both write P6) ----

def parse_ppm(data):
    """Parse a binary PPM (P6, maxval 255). Returns (width, height, rgb bytes)."""
    fields = []
    pos = 0
    while len(fields) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            nl = data.find(b"\n", pos)
            if nl < 0:
                raise ValueError("PPM header ends in a comment")
            pos = nl + 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace() and data[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            raise ValueError("PPM header is truncated")
        fields.append(data[start:pos])
    if fields[0] != b"P6":
        raise ValueError("not a binary PPM (magic %r, want b'P6')" % fields[0])
    try:
        width, height, maxval = (int(f) for f in fields[1:])
    except ValueError:
        raise ValueError("PPM header has a non-numeric field: %r" % fields[1:]) from None
    if maxval != 255:
        raise ValueError("PPM maxval is %d, want 255" % maxval)
    pos += 1  # exactly one whitespace byte separates the header from the raster
    pixels = data[pos:pos + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError("PPM raster is %d bytes, want %d for %dx%d"
                         % (len(pixels), width * height * 3, width, height))
    return width, height, pixels


def compare_ppm(actual, expected):
    """Compare two PPM images (bytes). Returns None if identical, else why not.

    Also fails when the actual image is one uniform colour: a blank screen
    must never pass, even against a blank reference.
    """
    try:
        aw, ah, apx = parse_ppm(actual)
    except ValueError as e:
        return "the screendump is not a valid PPM: %s" % e
    try:
        ew, eh, epx = parse_ppm(expected)
    except ValueError as e:
        return "the reference rendering is not a valid PPM: %s" % e
    if aw * ah == 0:
        return "the screendump is empty (%dx%d)" % (aw, ah)
    if apx == apx[:3] * (aw * ah):
        return ("the screendump is one uniform colour #%02x%02x%02x: nothing was drawn"
                % tuple(apx[:3]))
    if (aw, ah) != (ew, eh):
        return "the screendump is %dx%d but the reference rendering is %dx%d" % (aw, ah, ew, eh)
    if apx == epx:
        return None
    count, first = diff_pixels(aw, ah, apx, epx)
    x, y = first
    i = (y * aw + x) * 3
    return ("%d of %d pixels differ; the first (row-major) is at x=%d y=%d: screendump "
            "#%02x%02x%02x, reference #%02x%02x%02x"
            % (count, aw * ah, x, y, *apx[i:i + 3], *epx[i:i + 3]))


def diff_pixels(width, height, a, b):
    """Return (number of differing pixels, (x, y) of the first) for two rasters."""
    row = width * 3
    count = 0
    first = None
    for y in range(height):
        ra = a[y * row:(y + 1) * row]
        rb = b[y * row:(y + 1) * row]
        if ra == rb:
            continue
        for x in range(width):
            if ra[x * 3:x * 3 + 3] != rb[x * 3:x * 3 + 3]:
                count += 1
                if first is None:
                    first = (x, y)
    return count, first


def write_diff_ppm(path, actual, expected):
    """Write an image that shows the reference dimmed and the differences in red."""
    aw, ah, apx = parse_ppm(actual)
    ew, eh, epx = parse_ppm(expected)
    if (aw, ah) != (ew, eh):
        return False
    out = bytearray(len(epx))
    for i in range(0, len(epx), 3):
        if apx[i:i + 3] == epx[i:i + 3]:
            v = (epx[i] + epx[i + 1] + epx[i + 2]) // 12
            out[i:i + 3] = bytes((v, v, v))
        else:
            out[i:i + 3] = b"\xff\x00\x00"
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (aw, ah))
        f.write(out)
    return True


# ---- Running QEMU ----

def _libc_prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()
_PR_SET_PDEATHSIG = 1


def _qemu_child_setup():
    # Runs in the child between fork and exec. If the harness dies (CTest's
    # timeout kills it with SIGKILL, say), the kernel kills QEMU too, so no
    # orphaned emulator keeps a core busy.
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def kill_group(proc):
    """Stop QEMU and anything it started: its whole process group."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class Qmp:
    """The QMP connection to QEMU, open for the whole run, shared by its threads.

    The harness connects right after starting QEMU (connect()), long before
    the guest can reset or power off, and a reader thread takes everything
    QEMU sends: command replies go to execute(), asynchronous events are kept
    in order (events; qmp-events.log in the work directory), and the first
    SHUTDOWN event's data is kept in shutdown (its "reason" tells a poweroff
    from a reset, see qemu_cmd.SHUTDOWN_*). The screen hook, the script thread
    and the harness send commands through execute(), one at a time: QEMU
    serves one QMP client at a time on the socket.
    """

    QUIET_EVENTS = ("RTC_CHANGE",)  # kept, but not printed

    def __init__(self, sock_path, deadline):
        self.sock_path = sock_path
        self.deadline = deadline  # time.monotonic() after which calls fail
        self.events = []  # every event message, in the order QEMU sent them
        self.shutdown = None  # the "data" of the first SHUTDOWN event
        self.error = None  # why connect() failed, if it did
        self._lock = threading.Lock()  # one command at a time
        self._sock = None
        self._replies = None
        self._reader = None
        self._closed = False

    def _timeout(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("QMP: out of time")
        return left

    def connect(self, alive=None, limit=None):
        """Connect, negotiate, start reading events. Raises OSError, RuntimeError, ValueError.

        alive() says whether QEMU still runs (no point waiting for its socket
        otherwise); limit bounds the wait in seconds.
        """
        with self._lock:
            if self._sock is None:
                self._connect(alive, limit)

    def _connect(self, alive=None, limit=None):
        if self._closed:
            raise ConnectionError("QMP connection closed")
        end = self.deadline if limit is None else min(self.deadline, time.monotonic() + limit)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            while True:
                try:
                    s.settimeout(max(0.1, end - time.monotonic()))
                    s.connect(self.sock_path)
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    if alive is not None and not alive():
                        raise ConnectionError("QEMU exited before its QMP socket %s "
                                              "accepted a connection" % self.sock_path) \
                            from None
                    if time.monotonic() >= end:
                        raise TimeoutError("QMP socket %s accepted no connection"
                                           % self.sock_path) from None
                    time.sleep(0.05)
            f = s.makefile("rb")
            greeting = json.loads(f.readline() or b"{}")
            if "QMP" not in greeting:
                raise RuntimeError("no QMP greeting: %r" % greeting)
            s.settimeout(None)  # the reader blocks until QEMU closes the socket
        except BaseException:
            s.close()
            raise
        self._sock = s
        self._replies = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(f, self._replies),
                                        name="qmp-reader", daemon=True)
        self._reader.start()
        self._execute("qmp_capabilities", {})

    def _read(self, f, replies):
        try:
            for line in f:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if "event" in msg:
                    self._event(msg)
                else:
                    replies.put(msg)
        except (OSError, ValueError):
            pass  # closed under us by close()
        finally:
            replies.put(None)  # the end: a waiting or later command fails at once
            try:
                f.close()
            except OSError:
                pass

    def _event(self, msg):
        self.events.append(msg)
        name = msg.get("event")
        if name == "SHUTDOWN" and self.shutdown is None:
            self.shutdown = msg.get("data") or {}
        if name not in self.QUIET_EVENTS:
            print("harness: QMP event %s %s" % (name, json.dumps(msg.get("data", {}))),
                  flush=True)

    @property
    def shutdown_reason(self):
        return None if self.shutdown is None else self.shutdown.get("reason")

    def _execute(self, cmd, arguments):
        req = {"execute": cmd}
        if arguments:
            req["arguments"] = arguments
        self._sock.sendall(json.dumps(req).encode() + b"\n")
        try:
            msg = self._replies.get(timeout=self._timeout())
        except queue.Empty:
            raise TimeoutError("QMP %s: no reply in time" % cmd) from None
        if msg is None:
            self._replies.put(None)
            raise ConnectionError("QMP connection closed")
        if "return" in msg:
            return msg["return"]
        if "error" in msg:
            raise RuntimeError("QMP %s: %s" % (cmd, msg["error"].get("desc", msg["error"])))
        raise RuntimeError("QMP %s: unexpected reply %r" % (cmd, msg))

    def execute(self, cmd, **arguments):
        """Run one QMP command; return its result. Raises OSError, RuntimeError, ValueError."""
        with self._lock:
            if self._sock is None:
                self._connect()
            return self._execute(cmd, arguments)

    def wait_closed(self, timeout):
        """After QEMU has exited: wait until the reader has read everything it sent."""
        if self._reader is not None:
            self._reader.join(timeout)

    def close(self):
        # Not under the lock: a command waiting for its reply gets
        # ConnectionError when the reader ends.
        self._closed = True
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.wait_closed(5)


class SerialText:
    """The serial log as it arrives, cleaned once per complete line.

    Escape sequences and UTF-8 characters never span a newline, so complete
    lines can be cleaned for good; only the partial last line is cleaned
    again on every read. That keeps a long log linear to scan.
    """

    def __init__(self):
        self.raw = bytearray()
        self._done = 0  # raw[:_done] is complete lines, cleaned into _parts
        self._parts = []

    def feed(self, data):
        """Add bytes; return the text that is new since the last complete line."""
        self.raw += data
        nl = self.raw.rfind(b"\n", self._done) + 1
        fresh = ""
        if nl > self._done:
            fresh = clean_log(bytes(self.raw[self._done:nl]))
            self._parts.append(fresh)
            self._done = nl
        return fresh + clean_log(bytes(self.raw[self._done:]))

    def text(self):
        return "".join(self._parts) + clean_log(bytes(self.raw[self._done:]))


def write_serial(proc, data):
    """Write bytes to the guest's serial input (QEMU's stdin); a no-op once QEMU is gone."""
    try:
        os.write(proc.stdin.fileno(), data)
    except (BrokenPipeError, ValueError):
        pass


class Run:
    """Everything observed during one QEMU run."""

    def __init__(self):
        self.serial = SerialText()
        self.stderr = bytearray()
        self.proc = None  # the QEMU process, once started
        self.status = None
        self.timed_out = False
        self.stopped_for = None  # fatal sign kind that made us stop early
        self.screen = None  # the SCREEN_READY match, once seen
        self.screen_error = None
        self.shutdown_reason = None  # of QEMU's SHUTDOWN event, if one came
        self.elapsed = 0.0
        self.loader_return_time = None  # time.monotonic() at the loader's return line
        self.takeover_time = None  # ... and at the firmware's takeover after it

    @property
    def loader_wait(self):
        if self.loader_return_time is None or self.takeover_time is None:
            return None
        return self.takeover_time - self.loader_return_time

    def write_serial(self, data):
        """Write bytes to the guest's serial input (for the script thread)."""
        if self.proc is not None:
            write_serial(self.proc, data)


QMP_CONNECT_SECONDS = 30  # QEMU makes its socket before the guest runs a single instruction


def run_qemu(cmd, serial_log, timeout, screen_hook=None, script=None, ignore_signs=(),
             qmp=None, run=None):
    """Start QEMU, stream its serial output (stdout) into serial_log, and wait.

    screen_hook(match, deadline) is called once when the screen test's ready
    line shows up; it returns an error string or None, and then one
    byte to the guest's serial port so the kernel exits.
    qmp (a Qmp) is connected right after QEMU starts, so it sees every event.
    script (a steps.Script) is started then, watches the log as it grows and
    is stopped when the run ends; ignore_signs as for find_fatal_sign.
    run: the Run to fill in (a new one if None); returned.
    """
    run = Run() if run is None else run
    start = time.monotonic()
    deadline = start + timeout
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_qemu_child_setup)
    run.proc = proc
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "serial")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    grace_end = None
    try:
        if qmp is not None:
            try:
                qmp.connect(alive=lambda: proc.poll() is None,
                            limit=min(QMP_CONNECT_SECONDS, timeout))
                print("harness: QMP connected", flush=True)
            except (OSError, RuntimeError, ValueError) as e:
                qmp.error = str(e)
                print("harness: no QMP connection (%s): a poweroff cannot be told from a "
                      "reset" % e, flush=True)
        if script is not None:
            script.start()
        with open(serial_log, "wb") as log:
            while sel.get_map():
                now = time.monotonic()
                if grace_end is not None and now >= grace_end:
                    break
                if now >= deadline:
                    run.timed_out = True
                    break
                limit = min(deadline, grace_end or deadline) - now
                fresh = None
                for key, _ in sel.select(timeout=min(limit, 0.5)):
                    data = os.read(key.fileobj.fileno(), 65536)
                    if not data:
                        sel.unregister(key.fileobj)
                    elif key.data == "serial":
                        log.write(data)
                        log.flush()
                        fresh = run.serial.feed(data)  # one serial read per select
                    else:
                        run.stderr += data
                if fresh is None:
                    continue
                if run.loader_return_time is None and LOADER_RETURN.search(fresh):
                    run.loader_return_time = time.monotonic()
                if run.loader_return_time is not None and run.takeover_time is None \
                        and loader_returned(run.serial.text()) is not None:
                    # The firmware is back in charge: the run is decided.
                    run.takeover_time = time.monotonic()
                    if run.stopped_for is None:
                        run.stopped_for = "loader-error"
                        grace_end = time.monotonic() + LOADER_GRACE_SECONDS
                if run.stopped_for is None:
                    sign = find_fatal_sign(fresh, ignore_signs)
                    if sign is not None:
                        run.stopped_for = sign[0]
                        grace_end = time.monotonic() + FATAL_GRACE_SECONDS
                if screen_hook is not None and run.screen is None:
                    m = SCREEN_READY.search(fresh)
                    if m:
                        run.screen = m
                        run.screen_error = screen_hook(m, deadline)
                        write_serial(proc, b"\r")
                if script is not None and run.stopped_for is None:
                    script.watch(run.serial)
            if not run.timed_out and run.stopped_for is None:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    run.timed_out = True
    finally:
        if script is not None:
            script.stop()
        kill_group(proc)
        sel.close()
        # QEMU is gone: whatever it wrote after the last read is in the pipes,
        # and its last QMP events are in the socket.
        if proc.returncode is not None:
            tail = proc.stdout.read()
            run.serial.feed(tail)
            with open(serial_log, "ab") as log:
                log.write(tail)
            run.stderr += proc.stderr.read()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
        if qmp is not None:
            qmp.wait_closed(5.0)
            run.shutdown_reason = qmp.shutdown_reason
    run.status = proc.returncode
    run.elapsed = time.monotonic() - start
    return run


# ---- The command line and the report ----

STEPS_SYNTAX = """\
Steps (--serial-after/--serial, --type-after/--type, --burst-after/--burst,
--screendump-after) form one script, run in the order given on the command
line, whatever their kinds. Step i's REGEX is searched in the cleaned serial
log (escape sequences and CRs removed; a partial last line counts) only after
the end of step i-1's match, like --expect; once it matches and step i-1 is
done, the step is sent. A --serial, --type or --burst without its own trigger
runs right after the previous step (not allowed for the first step); so does
--serial-after-typing TEXT, placed right after the last --type/--burst step.
For example:
  --serial-after '^kestrel> ' --serial 'echo hello\\r'
  --serial-after '^kestrel> ' --serial '\\x0c'      (^L: clear the screen)
  --screendump-after '^kestrel> ' --serial 'poweroff\\r'
Serial TEXT escapes: \\r \\n \\t \\\\ \\xHH."""


class _StepOption(argparse.Action):
    """Records a step option and its value in args.script_options, in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        recorded = getattr(namespace, "script_options", None)
        if recorded is None:
            recorded = []
            setattr(namespace, "script_options", recorded)
        recorded.append((self.option_strings[0], values))


class InOrder(argparse.Action):
    """Collect (option, value) pairs of several options in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest) or [])
        items.append((option_string, values))
        setattr(namespace, self.dest, items)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Boot Kestrel once in QEMU + OVMF and classify the result.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=STEPS_SYNTAX + "\n\n" + keys.TEXT_SYNTAX + "\n\nExit status: 0 test passed, "
                                                           "1 test failed, 2 the run could not "
                                                           "be set up.")
    p.add_argument("--image", required=True, help="disk image to boot (copied, never modified)")
    p.add_argument("--workdir", required=True,
                   help="per-test directory: image copy, serial.log, screendumps")
    p.add_argument("--ovmf-code", help="firmware code (default %s, or with --secure-boot %s)"
                   % (qemu_cmd.DEFAULT_OVMF_CODE, qemu_cmd.SNAKEOIL_OVMF_CODE))
    p.add_argument("--ovmf-vars", help="variable store template, copied for each run (default "
                   "%s, or with --secure-boot %s)"
                   % (qemu_cmd.DEFAULT_OVMF_VARS, qemu_cmd.SNAKEOIL_OVMF_VARS))
    p.add_argument("--qemu", default=qemu_cmd.DEFAULT_QEMU, help="QEMU binary")
    p.add_argument("--cmdline", help="kernel command line, written as /EFI/BOOT/CMDLINE.TXT")
    p.add_argument("--config", metavar="TEXT",
                   help="loader configuration, written as /EFI/BOOT/KESTREL.CFG "
                        "(\\n separates lines)")
    p.add_argument("--no-loader", action="store_true",
                   help="delete /EFI/BOOT/BOOTX64.EFI from the image copy")
    p.add_argument("--kernel", metavar="FILE",
                   help="store FILE as /EFI/BOOT/KERNEL.ELF in the image copy")
    p.add_argument("--no-kernel", action="store_true",
                   help="delete /EFI/BOOT/KERNEL.ELF from the image copy")
    p.add_argument("--initrd", metavar="FILE",
                   help="store FILE as /EFI/BOOT/INITRD in the image copy (a malformed one)")
    p.add_argument("--no-initrd", action="store_true",
                   help="delete /EFI/BOOT/INITRD from the image copy")
    p.add_argument("--initrd-directory", action="store_true",
                   help="replace /EFI/BOOT/INITRD with an empty directory of that name "
                        "(a file the loader cannot read)")
    p.add_argument("--loader", metavar="FILE",
                   help="store FILE as /EFI/BOOT/BOOTX64.EFI in the image copy (a signed one)")
    p.add_argument("--secure-boot", action="store_true",
                   help="boot Debian's Secure Boot test firmware (snakeoil keys enrolled, "
                        "Secure Boot on): q35 with SMM and a secure flash")
    p.add_argument("--bios", metavar="ROM",
                   help="boot this firmware ROM with -bios instead of OVMF, whose --ovmf-code "
                        "and --ovmf-vars are then unused (U-Boot: %s)" % qemu_cmd.UBOOT_ROM)
    p.add_argument("--ahci", action="store_true",
                   help="attach the disk as a SATA disk on an AHCI controller of its own")
    p.add_argument("--read-only", action="store_true",
                   help="write-protect the disk (a USB stick; needs --usb)")
    p.add_argument("--bootlog", action="append", default=[], metavar="REGEX",
                   help="after the run, the loader's boot log \\EFI\\BOOT\\BOOTLOG.TXT in "
                        "the image copy must match (like --expect, in order); the harness "
                        "keeps a copy as BOOTLOG.TXT in the work directory")
    p.add_argument("--no-bootlog", action="store_true",
                   help="after the run, there must be no BOOTLOG.TXT on the disk")
    p.add_argument("--expect-loader-error", action="store_true",
                   help="the loader must refuse to boot: pass only if it printed its "
                        "'returning to the firmware' line, the firmware took over again, "
                        "the kernel never started, no exception dump appeared, and the "
                        "--expect patterns matched. The harness presses a key (QMP "
                        "send-key) at the loader's 'returning to the firmware in 10 "
                        "seconds' line; the firmware must take over within %g s"
                        % LOADER_KEY_MAX_WAIT)
    p.add_argument("--no-key", action="store_true",
                   help="with --expect-loader-error: press no key, so the loader's wait must "
                        "end by itself (its timeout)")
    p.add_argument("--usb", action="store_true",
                   help="attach the disk as a USB stick behind an xHCI controller, with no "
                        "SATA or virtio disk")
    p.add_argument("--expect", action=InOrder, dest="expect_items", default=[],
                   metavar="REGEX", help="must match the serial log; repeated: in this order")
    p.add_argument("--expect-file", action=InOrder, dest="expect_items", default=[],
                   metavar="FILE",
                   help="more --expect patterns, one per line of FILE, in its place among the "
                        "--expect options: for patterns made at build time")
    p.add_argument("--reject", action="append", default=[], metavar="REGEX",
                   help="must not match anywhere in the serial log")
    p.add_argument("--memory", default="256M")
    p.add_argument("--smp", default="1")
    p.add_argument("--cpu", default="max")
    p.add_argument("--machine", default="q35")
    p.add_argument("--vga", default="std")
    p.add_argument("--icount", action="store_true", help="add -icount shift=7,sleep=off")
    p.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                   help="extra QEMU argument (repeat for each word)")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds (default 90)")
    p.add_argument("--expect-failure", choices=FAILURE_KINDS, metavar="KIND",
                   help="pass only if the run is classified KIND (one of: %s)"
                        % ", ".join(FAILURE_KINDS))
    p.add_argument("--expect-poweroff", action="store_true",
                   help="the run must end with the guest powering off (QEMU exit 0 after "
                        "a QMP SHUTDOWN event with reason guest-shutdown), not with the "
                        "success exit 33")
    p.add_argument("--allow-shell", action="store_true",
                   help="the UEFI shell is not a failure sign (tests that type into it)")
    sc = p.add_argument_group("screens")
    sc.add_argument("--screen-compare", action="store_true",
                    help="screen test (test=screen): screendump vs. render_console's "
                         "rendering of --screen-text")
    sc.add_argument("--screen-text", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "screen_text.txt"), help="text the kernel draws")
    sc.add_argument("--screen-matches-serial", action="store_true",
                    help="the screendump of --screendump-after must equal render_console's "
                         "rendering of the serial bytes after the last ESC[2J before it, "
                         "at the geometry of the kernel's 'framebuffer:' line")
    sc.add_argument("--screen-cursor", action="store_true",
                    help="with --screen-matches-serial: render with the cursor shown")
    sc.add_argument("--render-tool", help="path of the host tool render_console")
    sc.add_argument("--font", help="PSF font the console uses (build/font/console.psf)")
    k = p.add_argument_group("scripted input (steps, in command-line order; see below)")
    step = dict(action=_StepOption, dest="script_options")
    k.add_argument("--serial-after", metavar="REGEX", **step,
                   help="once REGEX matches the serial log, write --serial's TEXT")
    k.add_argument("--serial", metavar="TEXT", **step,
                   help="what to write to the guest's serial input (escapes below)")
    k.add_argument("--type-after", metavar="REGEX", **step,
                   help="once REGEX matches the serial log, type --type's TEXT")
    k.add_argument("--type", metavar="TEXT", **step,
                   help="what to type on the PS/2 keyboard (syntax below)")
    k.add_argument("--burst-after", metavar="REGEX", **step,
                   help="once REGEX matches, send the --burst")
    k.add_argument("--burst", type=int, metavar="N", **step,
                   help="N key presses of %r repeated, as fast as QEMU's 16-byte queue "
                        "allows; the keys sent go to WORKDIR/burst-sent.txt"
                        % keys.BURST_ALPHABET)
    k.add_argument("--screendump-after", metavar="REGEX", **step,
                   help="once REGEX matches, take a QMP screendump (WORKDIR/screen-dump.ppm) "
                        "when the screen stands still; at most once")
    k.add_argument("--nmi-after", metavar="REGEX", **step,
                   help="once REGEX matches, send an NMI to every CPU (QMP inject-nmi)")
    k.add_argument("--qmp-after", metavar="REGEX", **step,
                   help="once REGEX matches the serial log, run --qmp's command")
    k.add_argument("--qmp", metavar="JSON", **step,
                   help='one QMP command as {"execute": NAME, "arguments": {...}}, e.g. '
                        'device_del or device_add to unplug or plug a USB device')
    k.add_argument("--serial-after-typing", metavar="TEXT",
                   help="write TEXT to the guest's serial input right after the last "
                        "--type/--burst step")
    k.add_argument("--check-burst", action="store_true",
                   help="check the kernel's 'keyboard-burst: received R dropped D' and "
                        "'keyboard-burst: data ...' lines against the burst sent")
    args = p.parse_args(argv)
    args.expect = []
    for option, value in args.expect_items:
        if option == "--expect":
            args.expect.append(value)
            continue
        try:
            with open(value) as f:
                args.expect += [line.rstrip("\n") for line in f if line.strip()]
        except OSError as e:
            p.error("--expect-file %s: %s" % (value, e))
    for opt in ("expect", "reject"):
        for regex in getattr(args, opt):
            _check_regex(p, "--" + opt, regex)
    try:
        args.specs = steps.parse_steps(args.script_options or [], args.serial_after_typing)
    except ValueError as e:
        p.error(str(e))
    kinds = [spec.kind for spec in args.specs]
    if (args.screen_compare or args.screen_matches_serial) and not (args.render_tool
                                                                     and args.font):
        p.error("--screen-compare and --screen-matches-serial need --render-tool and --font")
    if args.screen_compare and args.screen_matches_serial:
        p.error("--screen-compare and --screen-matches-serial cannot be combined")
    if kinds.count("screendump") > 1:
        p.error("--screendump-after may be given once")
    if args.screen_matches_serial and "screendump" not in kinds:
        p.error("--screen-matches-serial needs --screendump-after")
    if args.screen_cursor and not args.screen_matches_serial:
        p.error("--screen-cursor needs --screen-matches-serial")
    if args.check_burst and kinds.count("burst") != 1:
        p.error("--check-burst needs exactly one --burst")
    if args.kernel and args.no_kernel:
        p.error("--kernel and --no-kernel cannot be combined")
    if sum(map(bool, (args.initrd, args.no_initrd, args.initrd_directory))) > 1:
        p.error("--initrd, --no-initrd and --initrd-directory cannot be combined")
    if args.loader and args.no_loader:
        p.error("--loader and --no-loader cannot be combined")
    if args.bootlog and args.no_bootlog:
        p.error("--bootlog and --no-bootlog cannot be combined")
    if args.bios and args.secure_boot:
        p.error("--bios replaces OVMF, so it cannot be combined with --secure-boot")
    if args.ahci and args.usb:
        p.error("--ahci and --usb cannot be combined")
    if args.read_only and not args.usb:
        p.error("--read-only needs --usb (QEMU's SATA and IDE disks cannot be read-only)")
    if args.expect_loader_error and args.expect_failure:
        p.error("--expect-loader-error and --expect-failure cannot be combined")
    if args.no_key and not args.expect_loader_error:
        p.error("--no-key needs --expect-loader-error")
    if args.expect_loader_error and not args.no_key:
        # First step: end the loader's 10-second wait with a key press.
        args.specs.insert(0, steps.parse_steps([("--type-after", LOADER_WAIT),
                                                ("--type", LOADER_KEY)])[0])
    return args


def _check_regex(parser, option, regex):
    try:
        re.compile(regex, re.M)
    except re.error as e:
        parser.error("%s %r is not a valid regular expression: %s" % (option, regex, e))


WORK_FILES = ("disk.img", "OVMF_VARS.fd", "serial.log", "qemu-stderr.log", "command.txt",
              "screen-dump.ppm", "screen-dump-0.ppm", "screen-dump-1.ppm",
              "screen-expected.ppm", "screen-diff.ppm", "screen-serial.txt", "qmp.sock",
              "qmp-events.log", "burst-sent.txt", "BOOTLOG.TXT")


def qmp_socket_path(workdir):
    # A unix socket path is limited to 107 bytes; deep build trees exceed it.
    path = os.path.join(workdir, "qmp.sock")
    if len(path.encode()) < 100:
        return path
    return os.path.join(tempfile.mkdtemp(prefix="kestrel-qmp-"), "qmp.sock")


# ---- The screens ----

def parse_framebuffer_line(raw):
    """The kernel's "framebuffer: WxH, pitch P pixels, format F, ..." line in raw serial
    bytes -> {"width", "height", "pitch": ints, "format": str, "end": offset after
    the match in raw}, or None if there is no such line (or "framebuffer: none")."""
    m = FRAMEBUFFER_LINE.search(raw)
    if m is None:
        return None
    return {"width": int(m.group("width")), "height": int(m.group("height")),
            "pitch": int(m.group("pitch")), "format": m.group("format").decode(),
            "end": m.end()}


def after_last_clear(raw, start=0):
    """The bytes after the last ESC[2J (clear screen) in raw[start:], or None if none."""
    i = raw.rfind(CLEAR_SCREEN, start)
    if i < 0:
        return None
    return raw[i + len(CLEAR_SCREEN):]


def render(args, geometry, text_path, out_path, cursor=False):
    """Run render_console on text_path at geometry (width, height, pitch, format);
    return an error or None."""
    for what, path in (("render tool", args.render_tool), ("font", args.font),
                       ("text to render", text_path)):
        if not os.path.isfile(path):
            return "%s %s does not exist (is it built?)" % (what, path)
    argv = [args.render_tool] + (["--cursor"] if cursor else []) + [
        args.font, str(geometry["width"]), str(geometry["height"]), str(geometry["pitch"]),
        geometry["format"], text_path, out_path]
    print("harness: rendering the reference:", shlex.join(argv), flush=True)
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=RENDER_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "render_console did not finish in %d s" % RENDER_TIMEOUT
    except OSError as e:
        return "cannot run render_console: %s" % e
    if r.returncode != 0:
        return "render_console failed (status %d): %s" % (r.returncode, r.stdout.strip())
    return None


def compare_screen(workdir, dump, expected):
    """Compare the screendump with the rendering; None if identical, else why not
    (and screen-diff.ppm shows where)."""
    if not os.path.isfile(dump):
        return "QEMU reported the screendump done but wrote no %s" % dump
    with open(dump, "rb") as a, open(expected, "rb") as b:
        actual_data, expected_data = a.read(), b.read()
    error = compare_ppm(actual_data, expected_data)
    if error is not None:
        diff = os.path.join(workdir, "screen-diff.ppm")
        if write_diff_ppm(diff, actual_data, expected_data):
            error += " (differences in red: %s)" % diff
    print("harness: screendump %s, reference %s" % (dump, expected))
    return error


def screendump_action(workdir, run, result):
    """The action of the --screendump-after step: screendumps until the screen
    stands still (steps.settled_dump), kept as screen-dump.ppm. Fills in result:
    "serial_length" (serial bytes read before that dump), "settled", "dumps", or
    "error"."""
    final = os.path.join(workdir, "screen-dump.ppm")
    paths = [os.path.join(workdir, "screen-dump-%d.ppm" % i) for i in (0, 1)]

    def action(execute, sleep):
        def dump(i):
            execute("screendump", filename=paths[i % 2])
            with open(paths[i % 2], "rb") as f:
                return f.read()

        try:
            i, length, settled = steps.settled_dump(dump, lambda: len(run.serial.raw), sleep)
        except (OSError, RuntimeError, ValueError) as e:
            result["error"] = "QMP screendump failed: %s" % e
            return
        os.replace(paths[i % 2], final)
        try:
            os.unlink(paths[(i + 1) % 2])
        except FileNotFoundError:
            pass
        result.update(serial_length=length, settled=settled, dumps=i + 1)
        print("harness: screendump written to %s after %d dump%s (%s), %d serial bytes "
              "before it" % (final, i + 1, "" if i == 0 else "s",
                             "the screen stood still" if settled else "the screen never stood "
                             "still", length), flush=True)

    return action


def check_screen_matches_serial(args, workdir, raw, settled=True, dumps=1):
    """--screen-matches-serial: render what the kernel wrote on serial after its
    last clear screen, and compare it with the screendump. raw: the serial bytes
    read before the screendump. Returns an error or None."""
    fb = parse_framebuffer_line(raw)
    if fb is None:
        if re.search(rb"^framebuffer: none", raw, re.M):
            return "the kernel has no framebuffer ('framebuffer: none'): no screen to compare"
        return ("the kernel printed no line 'framebuffer: WxH, pitch P pixels, format F' "
                "before the screendump")
    if fb["format"] not in ("rgbx", "bgrx"):
        return ("the framebuffer's format is %s: the kernel's line gives no colour masks "
                "for render_console" % fb["format"])
    text = after_last_clear(raw, fb["end"])
    if text is None:
        return ("the kernel wrote no ESC[2J (clear screen) on serial between its framebuffer "
                "line and the screendump, so the serial bytes cannot say what the whole "
                "screen shows")
    text_path = os.path.join(workdir, "screen-serial.txt")
    with open(text_path, "wb") as f:
        f.write(text)
    print("harness: the screen must show the %d serial bytes after the last ESC[2J (%s), "
          "at %dx%d pitch %d format %s" % (len(text), text_path, fb["width"], fb["height"],
                                          fb["pitch"], fb["format"]), flush=True)
    expected = os.path.join(workdir, "screen-expected.ppm")
    error = render(args, fb, text_path, expected, cursor=args.screen_cursor)
    if error is None:
        error = compare_screen(workdir, os.path.join(workdir, "screen-dump.ppm"), expected)
    if error is not None and not settled:
        error += (" (the screen or the serial output was still changing after %d "
                  "screendumps %.2f s apart)" % (dumps, steps.SETTLE_SECONDS))
    return error


def check_bootlog(verdict, disk, workdir, expects, expect_none):
    """Keep the loader's boot log from the disk copy as BOOTLOG.TXT in the work
    directory (for whoever reads a failure), and after a run that passed so
    far check it (--bootlog, --no-bootlog); returns the verdict to use."""
    try:
        data = qemu_cmd.read_file(disk, qemu_cmd.BOOTLOG_PATH)
    except qemu_cmd.SetupError as e:
        if verdict.kind != "pass" or not (expects or expect_none):
            return verdict
        return Verdict("missing-output", "cannot read the boot log: %s" % e)
    if data is not None:
        with open(os.path.join(workdir, "BOOTLOG.TXT"), "wb") as f:
            f.write(data)
    if verdict.kind != "pass" or not (expects or expect_none):
        return verdict
    if expect_none:
        if data is not None:
            return Verdict("missing-output", "the test expects no boot log, but %s exists "
                                             "(%d bytes)" % (qemu_cmd.BOOTLOG_PATH, len(data)))
        return verdict
    if data is None:
        return Verdict("missing-output", "the loader wrote no boot log (%s is missing)"
                       % qemu_cmd.BOOTLOG_PATH)
    text = data.decode("ascii", errors="replace").replace("\r\n", "\n")
    why = check_output(text, expects, ())
    if why is not None:
        print("---- boot log ----\n%s---- end of boot log ----" % text)
        why = why.replace("--expect", "--bootlog").replace("serial log", "boot log")
        return Verdict("missing-output", "boot log: " + why)
    return Verdict("pass", verdict.reason + "; the boot log matched")


def print_log(text, serial_log):
    lines = text.splitlines()
    print("---- serial log (escape sequences removed; raw bytes in %s) ----" % serial_log)
    if len(lines) > LOG_TAIL_LINES:
        print("[... %d earlier lines omitted ...]" % (len(lines) - LOG_TAIL_LINES))
        lines = lines[-LOG_TAIL_LINES:]
    for line in lines:
        print(line)
    print("---- end of serial log ----")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    for name in WORK_FILES:
        try:
            os.unlink(os.path.join(workdir, name))
        except FileNotFoundError:
            pass
    disk = os.path.join(workdir, "disk.img")
    serial_log = os.path.join(workdir, "serial.log")
    if args.ovmf_code is None:
        args.ovmf_code = (qemu_cmd.SNAKEOIL_OVMF_CODE if args.secure_boot
                          else qemu_cmd.DEFAULT_OVMF_CODE)
    if args.ovmf_vars is None:
        args.ovmf_vars = (qemu_cmd.SNAKEOIL_OVMF_VARS if args.secure_boot
                          else qemu_cmd.DEFAULT_OVMF_VARS)
    machine = qemu_cmd.Machine(
        disk=disk, ovmf_vars=os.path.join(workdir, "OVMF_VARS.fd"),
        ovmf_code=args.ovmf_code, qemu=args.qemu, machine=args.machine,
        memory=args.memory, smp=args.smp, cpu=args.cpu, vga=args.vga,
        icount=args.icount, usb=args.usb, read_only=args.read_only,
        secure_boot=args.secure_boot, bios=args.bios or "", ahci=args.ahci,
        extra=args.qemu_arg)
    qmp = qmp_socket_path(workdir)
    try:
        if args.bios:
            if not os.path.isfile(args.bios):
                raise qemu_cmd.SetupError("firmware ROM %s does not exist (U-Boot's: install "
                                          "the Debian package 'u-boot-qemu')" % args.bios)
        elif not os.path.isfile(args.ovmf_code):
            raise qemu_cmd.SetupError("OVMF firmware %s does not exist: install the Debian "
                                      "package 'ovmf'" % args.ovmf_code)
        qemu_cmd.copy_image(os.path.abspath(args.image), disk)
        if not args.bios:
            qemu_cmd.copy_vars(args.ovmf_vars, machine.ovmf_vars)
        if args.cmdline is not None:
            qemu_cmd.write_cmdline(disk, args.cmdline)
        if args.config is not None:
            qemu_cmd.write_config(disk, args.config.replace("\\n", "\n"))
        if args.no_loader:
            qemu_cmd.remove_loader(disk)
        if args.kernel is not None:
            qemu_cmd.replace_kernel(disk, os.path.abspath(args.kernel))
        if args.no_kernel:
            qemu_cmd.remove_kernel(disk)
        if args.loader is not None:
            qemu_cmd.replace_loader(disk, os.path.abspath(args.loader))
        if args.initrd is not None:
            qemu_cmd.replace_initrd(disk, os.path.abspath(args.initrd))
        if args.no_initrd or args.initrd_directory:
            qemu_cmd.remove_initrd(disk)
        if args.initrd_directory:
            qemu_cmd.make_directory(disk, qemu_cmd.INITRD_PATH)
    except qemu_cmd.SetupError as e:
        print("harness: setup failed:", e, file=sys.stderr)
        return 2

    # The serial port is QEMU's stdin/stdout: no socket to connect in time, no
    # output lost before the harness is ready, and the harness can type into it.
    try:
        cmd = qemu_cmd.build_command(
            machine, serial=["-serial", "stdio"], display=["-display", "none"],
            monitor=["-qmp", "unix:%s,server=on,wait=off" % qmp])
    except qemu_cmd.SetupError as e:
        print("harness: setup failed:", e, file=sys.stderr)
        return 2
    cmdline = shlex.join(cmd)
    with open(os.path.join(workdir, "command.txt"), "w") as f:
        f.write(cmdline + "\n")
    print("harness: kernel command line:", repr(args.cmdline) if args.cmdline is not None
          else "(unchanged)")
    print("harness: QEMU command (serial on stdio):")
    print("  " + cmdline, flush=True)

    expects = list(args.expect)
    # QEMU's events, the screen hook and the script thread share one QMP connection.
    qmp_client = Qmp(qmp, time.monotonic() + args.timeout + 5.0)
    run = Run()
    burst_sent = []
    screendump = {}  # what the --screendump-after step did
    script = None
    if args.specs:
        script = steps.Script(
            steps.make_steps(args.specs, run.write_serial, burst_sent,
                             screendump_action(workdir, run, screendump)), qmp_client)
    ignore_signs = ("uefi-shell",) if args.allow_shell else ()
    screen_hook = None
    dump = os.path.join(workdir, "screen-dump.ppm")
    if args.screen_compare:
        # A success exit without the ready line breaks the protocol. It is
        # expected last: the boot lines a test may also expect come before it.
        expects.append(r"^screen: ready \d+x\d+ pitch \d+ format (rgbx|bgrx)")

        def screen_hook(m, deadline):
            print("harness: guest is ready:", m.group(0).strip(), flush=True)
            try:
                qmp_client.execute("screendump", filename=dump)
            except (OSError, RuntimeError, ValueError) as e:
                return "QMP screendump failed: %s" % e
            print("harness: screendump written to", dump, flush=True)
            return None

    try:
        run_qemu(cmd, serial_log, args.timeout, screen_hook, script, ignore_signs,
                 qmp_client, run)
    except OSError as e:
        print("harness: cannot start QEMU (%s): %s" % (args.qemu, e), file=sys.stderr)
        return 2
    finally:
        qmp_client.close()
        if os.path.dirname(qmp) != workdir:
            shutil.rmtree(os.path.dirname(qmp), ignore_errors=True)
    with open(os.path.join(workdir, "qemu-stderr.log"), "wb") as f:
        f.write(run.stderr)
    with open(os.path.join(workdir, "qmp-events.log"), "w") as f:
        for event in qmp_client.events:
            f.write(json.dumps(event) + "\n")

    text = run.serial.text()
    if args.screen_compare and run.screen is not None and run.screen_error is None \
            and run.status == qemu_cmd.EXIT_STATUS_SUCCESS:
        expected = os.path.join(workdir, "screen-expected.ppm")
        run.screen_error = render(args, run.screen.groupdict(), args.screen_text, expected)
        if run.screen_error is None:
            run.screen_error = compare_screen(workdir, dump, expected)
    if "error" in screendump:
        run.screen_error = screendump["error"]
    elif args.screen_matches_serial and "serial_length" in screendump:
        run.screen_error = check_screen_matches_serial(
            args, workdir, bytes(run.serial.raw[:screendump["serial_length"]]),
            screendump["settled"], screendump["dumps"])

    input_error = None
    if script is not None:
        input_error = script.result()
        if input_error is not None:
            print("harness: scripted input:", input_error)
    if "burst" in (spec.kind for spec in args.specs):
        with open(os.path.join(workdir, "burst-sent.txt"), "w") as f:
            f.write("".join(burst_sent) + "\n")
    verdict = classify(run.status, run.timed_out, text, expects, args.reject,
                       run.screen_error, input_error,
                       "".join(burst_sent) if args.check_burst else None, ignore_signs,
                       run.shutdown_reason, args.expect_poweroff, args.expect_loader_error,
                       None if args.no_key else run.loader_wait)
    verdict = check_bootlog(verdict, disk, workdir, args.bootlog, args.no_bootlog)
    passed, headline = judge(verdict, args.expect_failure, text, expects)
    if run.timed_out or run.stopped_for:
        status = "killed by the harness"
    elif run.status == 0:
        status = "0 (QMP SHUTDOWN reason: %s)" % (
            run.shutdown_reason or "none seen" + (": " + qmp_client.error
                                                  if qmp_client.error else ""))
    else:
        status = run.status
    print("harness: QEMU ran %.1f s, exit status %s, classification %s"
          % (run.elapsed, status, verdict.kind))
    if run.loader_wait is not None:
        print("harness: the firmware took over %.1f s after the loader's 'returning to the "
              "firmware' line" % run.loader_wait)
    if passed and args.expect_failure:
        print("harness: expected failure %s observed" % args.expect_failure)
    if not passed or verdict.kind != "pass":
        if not passed:
            print("harness: classification:", verdict.kind)
            print("harness: reason:", verdict.reason)
            print("harness: QEMU command:", cmdline)
        stderr = run.stderr.decode("utf-8", errors="replace").strip()
        if stderr:
            print("---- QEMU stderr ----")
            print(stderr)
            print("---- end of QEMU stderr ----")
        if not passed:
            print_log(text, serial_log)
    print("harness:", headline, flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
