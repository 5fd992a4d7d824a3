#!/usr/bin/env python3
"""Boot Kestrel once in QEMU + OVMF and decide whether the boot test passed.

One run: copy the disk image into the test's work directory (writing the
kernel command line into the copy), start QEMU with the serial port on a pipe,
stream the serial output into serial.log while watching for signs that the
boot cannot succeed any more, and classify how it ended:

  pass             QEMU exited 33 (kernel wrote 0x10 to isa-debug-exit) and the
                   serial log matched every --expect, in order, and no --reject
  triple-fault     QEMU exited 0: with -no-reboot, the guest reset (triple fault)
  kernel-failure   QEMU exited 35 (kernel wrote 0x11: a panic in test mode)
  ovmf-exception   the firmware printed an exception dump ("X64 Exception Type")
  uefi-shell       the firmware found nothing to boot and started its shell
  timeout          nothing decided within --timeout seconds (QEMU is killed)
  bad-exit         any other exit status, including QEMU's own errors
  missing-output   success exit, but an --expect did not match or a --reject did,
                   or the keyboard input (--type/--burst) was not all sent, or
                   the kernel's burst report does not fit it (--check-burst)
  screen-mismatch  the screendump differs from the reference rendering

The decision is made only by classify(), a pure function of the exit status
and the log, so tests/boot/test_harness_logic.py can check it without QEMU.
With --expect-failure KIND the test passes only if the run ends exactly as
KIND: that is how the test suite proves each failure mode is detected.

Keyboard tests: --type-after/--type and --burst-after/--burst type into the
guest's PS/2 keyboard through QMP once a line of the serial log matches; the
key mapping, the pacing and the burst check are in keys.py.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import argparse
import collections
import ctypes
import json
import os
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

KINDS = ("pass", "triple-fault", "kernel-failure", "ovmf-exception", "uefi-shell",
         "timeout", "bad-exit", "missing-output", "screen-mismatch")
FAILURE_KINDS = KINDS[1:]

# Firmware output that means the boot is over, checked in this order. OVMF's
# exception handler prints its dump and then spins forever, and the shell waits
# for input forever, so the harness stops QEMU when it sees them.
FATAL_SIGNS = (
    ("ovmf-exception", re.compile(r"X64 Exception Type")),
    ("uefi-shell", re.compile(r"UEFI Interactive Shell|Shell>")),
)
# How long to keep reading after a fatal sign, so the whole dump is in the log.
FATAL_GRACE_SECONDS = 2.0

SCREEN_READY = re.compile(
    r"^screen: ready (?P<width>\d+)x(?P<height>\d+) pitch (?P<pitch>\d+) "
    r"format (?P<format>rgbx|bgrx)\s*$", re.M)

# Terminal escape sequences (OVMF's console positions the cursor and sets
# colours on the serial port): CSI ... final byte, OSC ... BEL/ST, and the
# two-byte ESC x forms. Matching is done on the log without them.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

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
             input_error=None, burst_sent=None, ignore_signs=()):
    """Decide how a run ended. A pure function: everything it needs is an argument.

    status       QEMU's exit status (negative: killed by that signal), or None
    timed_out    True if the harness gave up waiting and killed QEMU
    log          the serial log, cleaned (see clean_log)
    screen_error None, or why the screen comparison failed
    input_error  None, or why the keyboard input was not all sent
    burst_sent   None, or the burst sent (--check-burst): check the kernel's report
    ignore_signs fatal sign kinds that are not fatal in this run (--allow-shell)
    Returns a Verdict(kind, reason).
    """
    # The firmware's own words are the most specific evidence, and they are
    # why QEMU was stopped early, so they win over the exit status.
    sign = find_fatal_sign(log, ignore_signs)
    if sign is not None:
        kind, line = sign
        if kind == "ovmf-exception":
            return Verdict(kind, "the firmware reported a CPU exception: %r" % line)
        return Verdict(kind, "the firmware started the UEFI shell (no loader on the "
                             "disk, or the loader returned): %r" % line)
    if timed_out:
        return Verdict("timeout", "no decision within the time limit; QEMU was killed")
    if status is None:
        return Verdict("bad-exit", "QEMU's exit status is unknown")
    if status == 0:
        return Verdict("triple-fault", "QEMU exited with status 0: with -no-reboot the "
                                       "guest reset (triple fault) or powered off")
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
        why = check_output(log, expects, rejects)
        if why is None:
            why = input_error
        if why is None and burst_sent is not None:
            why = keys.check_burst(log, burst_sent)
        if why is not None:
            return Verdict("missing-output", why)
        if screen_error is not None:
            return Verdict("screen-mismatch", screen_error)
        return Verdict("pass", "QEMU exited with status %d and the log matched" % status)
    if status < 0:
        return Verdict("bad-exit", "QEMU was killed by signal %d" % -status)
    return Verdict("bad-exit", "QEMU exited with status %d (expected %d for success)"
                   % (status, qemu_cmd.EXIT_STATUS_SUCCESS))


def judge(verdict, expect_failure=None):
    """Return (test_passed, headline) for a verdict and the --expect-failure kind."""
    if expect_failure is None:
        if verdict.kind == "pass":
            return True, "PASS: " + verdict.reason
        return False, "FAIL: %s: %s" % (verdict.kind, verdict.reason)
    if verdict.kind == expect_failure:
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
    """A QMP connection to QEMU, opened on first use, shared by the threads of a run.

    The screen hook (screendump) and the keyboard thread both talk to QEMU
    through it: QEMU serves one QMP client at a time on the socket.
    """

    def __init__(self, sock_path, deadline):
        self.sock_path = sock_path
        self.deadline = deadline  # time.monotonic() after which calls fail
        self._lock = threading.Lock()
        self._sock = None
        self._file = None

    def _timeout(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("QMP: out of time")
        return left

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            while True:
                try:
                    s.settimeout(self._timeout())
                    s.connect(self.sock_path)
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    self._timeout()
                    time.sleep(0.1)
            f = s.makefile("rwb")
            greeting = json.loads(f.readline() or b"{}")
            if "QMP" not in greeting:
                raise RuntimeError("no QMP greeting: %r" % greeting)
        except BaseException:
            s.close()
            raise
        self._sock, self._file = s, f
        self._execute("qmp_capabilities", {})

    def _execute(self, cmd, arguments):
        req = {"execute": cmd}
        if arguments:
            req["arguments"] = arguments
        self._file.write(json.dumps(req).encode() + b"\n")
        self._file.flush()
        while True:
            self._sock.settimeout(self._timeout())
            line = self._file.readline()
            if not line:
                raise ConnectionError("QMP connection closed")
            msg = json.loads(line)
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError("QMP %s: %s" % (cmd, msg["error"].get("desc", msg["error"])))
            # Asynchronous events: keep reading.

    def execute(self, cmd, **arguments):
        """Run one QMP command; return its result. Raises OSError, RuntimeError, ValueError."""
        with self._lock:
            if self._sock is None:
                self._connect()
            return self._execute(cmd, arguments)

    def close(self):
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = self._file = None


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
        self.status = None
        self.timed_out = False
        self.stopped_for = None  # fatal sign kind that made us stop early
        self.screen = None  # the SCREEN_READY match, once seen
        self.screen_error = None
        self.elapsed = 0.0


def run_qemu(cmd, serial_log, timeout, screen_hook=None, keyboard=None, ignore_signs=()):
    """Start QEMU, stream its serial output (stdout) into serial_log, and wait.

    screen_hook(match, deadline) is called once when the screen test's ready
    line shows up; it returns an error string or None, and then one
    byte to the guest's serial port so the kernel exits.
    keyboard (a keys.Keyboard) is started with QEMU, watches the log as it grows
    and is stopped when the run ends; ignore_signs as for find_fatal_sign.
    """
    run = Run()
    start = time.monotonic()
    deadline = start + timeout
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_qemu_child_setup)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "serial")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    grace_end = None
    if keyboard is not None:
        keyboard.start_with(lambda data: write_serial(proc, data))
    try:
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
                if keyboard is not None and run.stopped_for is None:
                    keyboard.watch(run.serial)
            if not run.timed_out and run.stopped_for is None:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    run.timed_out = True
    finally:
        if keyboard is not None:
            keyboard.stop()
        kill_group(proc)
        sel.close()
        # QEMU is gone: whatever it wrote after the last read is in the pipes.
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
    run.status = proc.returncode
    run.elapsed = time.monotonic() - start
    return run


# ---- The command line and the report ----

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Boot Kestrel once in QEMU + OVMF and classify the result.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=keys.TEXT_SYNTAX + "\n\nExit status: 0 test passed, 1 test failed, 2 the "
                                  "run could not be set up.")
    p.add_argument("--image", required=True, help="disk image to boot (copied, never modified)")
    p.add_argument("--workdir", required=True,
                   help="per-test directory: image copy, serial.log, screendumps")
    p.add_argument("--ovmf-code", default=qemu_cmd.DEFAULT_OVMF_CODE)
    p.add_argument("--ovmf-vars", default=qemu_cmd.DEFAULT_OVMF_VARS,
                   help="variable store template (a fresh copy is used per run)")
    p.add_argument("--qemu", default=qemu_cmd.DEFAULT_QEMU, help="QEMU binary")
    p.add_argument("--cmdline", help="kernel command line, written as /EFI/BOOT/CMDLINE.TXT")
    p.add_argument("--no-loader", action="store_true",
                   help="delete /EFI/BOOT/BOOTX64.EFI from the image copy")
    p.add_argument("--expect", action="append", default=[], metavar="REGEX",
                   help="must match the serial log; repeated: in this order")
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
    p.add_argument("--screen-compare", action="store_true",
                   help="screen test: screendump vs. render_console's rendering")
    p.add_argument("--render-tool", help="path of the host tool render_console")
    p.add_argument("--font", help="PSF font the console uses (build/font/console.psf)")
    p.add_argument("--screen-text", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "screen_text.txt"), help="text the kernel draws")
    p.add_argument("--expect-failure", choices=FAILURE_KINDS, metavar="KIND",
                   help="pass only if the run is classified KIND (one of: %s)"
                        % ", ".join(FAILURE_KINDS))
    p.add_argument("--allow-shell", action="store_true",
                   help="the UEFI shell is not a failure sign (tests that type into it)")
    k = p.add_argument_group("keyboard input (PS/2, through QMP; see keys.py)")
    k.add_argument("--type-after", metavar="REGEX",
                   help="once REGEX matches the serial log (as --expect), type --type's TEXT")
    k.add_argument("--type", metavar="TEXT", help="what to type (syntax below)")
    k.add_argument("--burst-after", metavar="REGEX",
                   help="once REGEX matches (after --type-after's match, if any), "
                        "send the --burst")
    k.add_argument("--burst", type=int, metavar="N",
                   help="N key presses of %r repeated, as fast as QEMU's 16-byte queue "
                        "allows; the keys sent go to WORKDIR/burst-sent.txt"
                        % keys.BURST_ALPHABET)
    k.add_argument("--serial-after-typing", metavar="TEXT",
                   help="write TEXT to the guest's serial input once all keys are sent "
                        "(escapes: \\r \\n \\t \\\\ \\xHH)")
    k.add_argument("--check-burst", action="store_true",
                   help="check the kernel's 'keyboard-burst: received R dropped D' and "
                        "'keyboard-burst: data ...' lines against the burst sent")
    args = p.parse_args(argv)
    if args.screen_compare and not (args.render_tool and args.font):
        p.error("--screen-compare needs --render-tool and --font")
    for trigger, what in (("type_after", "type"), ("burst_after", "burst")):
        if (getattr(args, trigger) is None) != (getattr(args, what) is None):
            p.error("--%s and --%s go together" % (trigger.replace("_", "-"), what))
    for opt in ("expect", "reject"):
        for regex in getattr(args, opt):
            _check_regex(p, "--" + opt, regex)
    args.chords = []
    if args.type is not None:
        _check_regex(p, "--type-after", args.type_after)
        try:
            args.chords = keys.parse_text(args.type)
        except ValueError as e:
            p.error("--type: %s" % e)
    if args.burst is not None:
        _check_regex(p, "--burst-after", args.burst_after)
        if args.burst < 1:
            p.error("--burst must be at least 1")
    if args.check_burst and args.burst is None:
        p.error("--check-burst needs --burst")
    args.serial_bytes = b""
    if args.serial_after_typing is not None:
        if args.type is None and args.burst is None:
            p.error("--serial-after-typing needs --type or --burst")
        try:
            args.serial_bytes = keys.parse_serial_text(args.serial_after_typing)
        except ValueError as e:
            p.error("--serial-after-typing: %s" % e)
    return args


def _check_regex(parser, option, regex):
    try:
        re.compile(regex, re.M)
    except re.error as e:
        parser.error("%s %r is not a valid regular expression: %s" % (option, regex, e))


WORK_FILES = ("disk.img", "OVMF_VARS.fd", "serial.log", "qemu-stderr.log", "command.txt",
              "screen-dump.ppm", "screen-expected.ppm", "screen-diff.ppm", "qmp.sock",
              "burst-sent.txt")


def qmp_socket_path(workdir):
    # A unix socket path is limited to 107 bytes; deep build trees exceed it.
    path = os.path.join(workdir, "qmp.sock")
    if len(path.encode()) < 100:
        return path
    return os.path.join(tempfile.mkdtemp(prefix="kestrel-qmp-"), "qmp.sock")


def render_reference(args, ready, out_path):
    """Run render_console for the mode the kernel reported; return an error or None."""
    for what, path in (("render tool", args.render_tool), ("font", args.font),
                       ("screen text", args.screen_text)):
        if not os.path.isfile(path):
            return "%s %s does not exist (is it built?)" % (what, path)
    argv = [args.render_tool, args.font, ready["width"], ready["height"], ready["pitch"],
            ready["format"], args.screen_text, out_path]
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
    machine = qemu_cmd.Machine(
        disk=disk, ovmf_vars=os.path.join(workdir, "OVMF_VARS.fd"),
        ovmf_code=args.ovmf_code, qemu=args.qemu, machine=args.machine,
        memory=args.memory, smp=args.smp, cpu=args.cpu, vga=args.vga,
        icount=args.icount, extra=args.qemu_arg)
    qmp = qmp_socket_path(workdir)
    try:
        if not os.path.isfile(args.ovmf_code):
            raise qemu_cmd.SetupError("OVMF firmware %s does not exist: install the "
                                      "Debian package 'ovmf'" % args.ovmf_code)
        qemu_cmd.copy_image(os.path.abspath(args.image), disk)
        qemu_cmd.copy_vars(args.ovmf_vars, machine.ovmf_vars)
        if args.cmdline is not None:
            qemu_cmd.write_cmdline(disk, args.cmdline)
        if args.no_loader:
            qemu_cmd.remove_loader(disk)
    except qemu_cmd.SetupError as e:
        print("harness: setup failed:", e, file=sys.stderr)
        return 2

    # The serial port is QEMU's stdin/stdout: no socket to connect in time, no
    # output lost before the harness is ready, and the harness can type into it.
    cmd = qemu_cmd.build_command(
        machine, serial=["-serial", "stdio"], display=["-display", "none"],
        monitor=["-qmp", "unix:%s,server=on,wait=off" % qmp])
    cmdline = shlex.join(cmd)
    with open(os.path.join(workdir, "command.txt"), "w") as f:
        f.write(cmdline + "\n")
    print("harness: kernel command line:", repr(args.cmdline) if args.cmdline is not None
          else "(unchanged)")
    print("harness: QEMU command (serial on stdio):")
    print("  " + cmdline, flush=True)

    expects = list(args.expect)
    # The screen hook and the keyboard thread share one QMP connection.
    qmp_client = Qmp(qmp, time.monotonic() + args.timeout + 5.0)
    keyboard = None
    burst_sent = []
    if args.type is not None or args.burst is not None:
        keyboard = keys.Keyboard(keys.steps_from_args(args, burst_sent), qmp_client,
                                 args.serial_bytes)
    ignore_signs = ("uefi-shell",) if args.allow_shell else ()
    screen_hook = None
    dump = os.path.join(workdir, "screen-dump.ppm")
    if args.screen_compare:
        # A success exit without the ready line breaks the protocol.
        expects.insert(0, r"^screen: ready \d+x\d+ pitch \d+ format (rgbx|bgrx)")

        def screen_hook(m, deadline):
            print("harness: guest is ready:", m.group(0).strip(), flush=True)
            try:
                qmp_client.execute("screendump", filename=dump)
            except (OSError, RuntimeError, ValueError) as e:
                return "QMP screendump failed: %s" % e
            print("harness: screendump written to", dump, flush=True)
            return None

    try:
        run = run_qemu(cmd, serial_log, args.timeout, screen_hook, keyboard, ignore_signs)
    except OSError as e:
        print("harness: cannot start QEMU (%s): %s" % (args.qemu, e), file=sys.stderr)
        return 2
    finally:
        qmp_client.close()
        if os.path.dirname(qmp) != workdir:
            shutil.rmtree(os.path.dirname(qmp), ignore_errors=True)
    with open(os.path.join(workdir, "qemu-stderr.log"), "wb") as f:
        f.write(run.stderr)

    text = run.serial.text()
    if args.screen_compare and run.screen is not None and run.screen_error is None \
            and run.status == qemu_cmd.EXIT_STATUS_SUCCESS:
        expected = os.path.join(workdir, "screen-expected.ppm")
        run.screen_error = render_reference(args, run.screen.groupdict(), expected)
        if run.screen_error is None and not os.path.isfile(dump):
            run.screen_error = "QEMU reported the screendump done but wrote no %s" % dump
        if run.screen_error is None:
            with open(dump, "rb") as a, open(expected, "rb") as b:
                actual_data, expected_data = a.read(), b.read()
            run.screen_error = compare_ppm(actual_data, expected_data)
            if run.screen_error is not None:
                diff = os.path.join(workdir, "screen-diff.ppm")
                if write_diff_ppm(diff, actual_data, expected_data):
                    run.screen_error += " (differences in red: %s)" % diff
            print("harness: screendump %s, reference %s" % (dump, expected))

    input_error = None
    if keyboard is not None:
        input_error = keyboard.result()
        if input_error is not None:
            print("harness: keyboard input:", input_error)
    if args.burst is not None:
        with open(os.path.join(workdir, "burst-sent.txt"), "w") as f:
            f.write("".join(burst_sent) + "\n")
    verdict = classify(run.status, run.timed_out, text, expects, args.reject,
                       run.screen_error, input_error,
                       "".join(burst_sent) if args.check_burst else None, ignore_signs)
    passed, headline = judge(verdict, args.expect_failure)
    status = "killed by the harness" if run.timed_out or run.stopped_for else run.status
    print("harness: QEMU ran %.1f s, exit status %s, classification %s"
          % (run.elapsed, status, verdict.kind))
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
