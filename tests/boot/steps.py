"""The boot tests' input script: one ordered list of steps, each a trigger and an action.

harness.py drives the guest with steps given on its command line, in the
order given, whatever their kind:

  --serial-after REGEX --serial TEXT   write TEXT to the guest's serial input
  --type-after REGEX --type TEXT       type TEXT on the PS/2 keyboard (keys.py)
  --burst-after REGEX --burst N        a burst of N keys (keys.py)
  --screendump-after REGEX             a QMP screendump (--screen-matches-serial)
  --nmi-after REGEX                    an NMI to every CPU (QMP inject-nmi)
  --qmp-after REGEX --qmp JSON         one QMP command, {"execute": ..., "arguments": ...}
                                       (device_del/device_add: USB hot-unplug and plug)

Step i's REGEX is searched in the cleaned serial log only after the end of
step i-1's match, as --expect patterns are; a partial last line (a prompt
without a newline) is searched too. The steps run one after another in a
thread: a step's action starts once its trigger has matched and the previous
step's action is done (and its pause is over). A payload option without its
own trigger (--serial TEXT alone, say) is a step that runs right after the
previous step; the first step needs a trigger. --serial-after-typing TEXT is
such a step, placed right after the last --type or --burst step.

parse_steps() turns the options, as recorded in command-line order, into Spec
tuples (pure, checked by tests/boot/test_harness_logic.py); the harness makes
them into Steps with actions, and Script runs them while QEMU does.
"""

import collections
import json
import re
import threading
import time

import keys

# Trigger option -> its payload option (None: the trigger is the whole step).
TRIGGERS = {
    "--serial-after": "--serial",
    "--type-after": "--type",
    "--burst-after": "--burst",
    "--screendump-after": None,
    "--nmi-after": None,
    "--qmp-after": "--qmp",
}
PAYLOADS = {payload: trigger for trigger, payload in TRIGGERS.items() if payload}
KIND_OF = {"--serial-after": "serial", "--type-after": "type", "--burst-after": "burst",
           "--screendump-after": "screendump", "--nmi-after": "nmi", "--serial": "serial",
           "--type": "type", "--qmp-after": "qmp", "--qmp": "qmp",
           "--burst": "burst", "--serial-after-typing": "serial"}

# One step, as parsed.
#   kind     "serial", "type", "burst", "screendump", "nmi" or "qmp"
#   option   the option that starts it ("--serial-after", or "--serial" for a
#            step without a trigger), for messages
#   trigger  the REGEX, or None: right after the previous step
#   payload  bytes (serial), a list of key chords (type), N (burst), None (screendump, nmi),
#            (command, arguments) (qmp)
#   text     the payload as given, for messages
Spec = collections.namedtuple("Spec", "kind option trigger payload text")


def parse_steps(recorded, serial_after_typing=None):
    """[(option, value), ...] in command-line order -> [Spec, ...]. Raises ValueError.

    recorded holds only the step options (TRIGGERS and PAYLOADS). A trigger
    must be followed by its own payload before any other step option.
    serial_after_typing (the TEXT of --serial-after-typing, or None) becomes
    a step without a trigger right after the last --type or --burst step.
    """
    specs = []
    pending = None  # (trigger option, regex) waiting for its payload
    for option, value in recorded:
        if option in TRIGGERS:
            if pending is not None:
                raise ValueError("%s %r must be followed by its %s (the two go together), "
                                 "not by %s" % (pending[0], pending[1], TRIGGERS[pending[0]],
                                                option))
            _check_regex(option, value)
            if TRIGGERS[option] is None:
                specs.append(Spec(KIND_OF[option], option, value, None, value))
            else:
                pending = (option, value)
            continue
        if option not in PAYLOADS:
            raise ValueError("%s is not a step option" % option)
        if pending is not None:
            if PAYLOADS[option] != pending[0]:
                raise ValueError("%s %r must be followed by its %s (the two go together), "
                                 "not by %s" % (pending[0], pending[1], TRIGGERS[pending[0]],
                                                option))
            trigger_option, trigger = pending
            pending = None
        else:
            if not specs:
                raise ValueError("%s without %s: the first step needs a trigger (the two go "
                                 "together); later ones without it run right after the "
                                 "previous step" % (option, PAYLOADS[option]))
            trigger_option, trigger = option, None
        specs.append(Spec(KIND_OF[option], trigger_option, trigger,
                          _payload(option, value), value))
    if pending is not None:
        raise ValueError("%s %r must be followed by its %s (the two go together)"
                         % (pending[0], pending[1], TRIGGERS[pending[0]]))
    if serial_after_typing is not None:
        last_key = max((i for i, s in enumerate(specs) if s.kind in ("type", "burst")),
                       default=None)
        if last_key is None:
            raise ValueError("--serial-after-typing needs --type or --burst")
        specs.insert(last_key + 1, Spec("serial", "--serial-after-typing", None,
                                        _payload("--serial-after-typing",
                                                 serial_after_typing),
                                        serial_after_typing))
    return specs


def _check_regex(option, regex):
    try:
        re.compile(regex, re.M)
    except re.error as e:
        raise ValueError("%s %r is not a valid regular expression: %s"
                         % (option, regex, e)) from None


def _payload(option, value):
    kind = KIND_OF[option]
    try:
        if kind == "serial":
            return keys.parse_serial_text(value)
        if kind == "type":
            return keys.parse_text(value)
    except ValueError as e:
        raise ValueError("%s: %s" % (option, e)) from None
    if kind == "qmp":
        try:
            obj = json.loads(value)
        except ValueError as e:
            raise ValueError("--qmp %r is not JSON: %s" % (value, e)) from None
        if (not isinstance(obj, dict) or not isinstance(obj.get("execute"), str)
                or not isinstance(obj.get("arguments", {}), dict)
                or set(obj) - {"execute", "arguments"}):
            raise ValueError('--qmp %r: want {"execute": NAME, "arguments": {...}}' % value)
        return obj["execute"], obj.get("arguments", {})
    if kind == "burst":
        if value < 1:
            raise ValueError("--burst must be at least 1")
        return value
    return None


def describe(spec):
    """What a step sends, for messages: "12 key chords for 'ls\\n'"."""
    if spec.kind == "serial":
        return "%r to the serial port" % spec.payload
    if spec.kind == "type":
        return "%d key chords for %r" % (len(spec.payload), spec.text)
    if spec.kind == "burst":
        return "a burst of %d keys" % spec.payload
    if spec.kind == "nmi":
        return "an NMI"
    if spec.kind == "qmp":
        return "QMP %s %s" % (spec.payload[0], json.dumps(spec.payload[1]))
    return "a screendump"


# ---- Running the steps while QEMU runs ----

class _Stopped(Exception):
    """The run ended while the script thread was waiting."""


class Step:
    """One step with its action: a trigger (or None) and what to do when it matches.

    action(execute, sleep) does the step: execute(command, **arguments) runs
    one QMP command, sleep(seconds) waits and raises if the run ends.
    settle: seconds to wait after the action, before the next step's action
    (QEMU's keyboard queue empties).
    """

    def __init__(self, option, pattern, what, action, settle=0.0):
        self.option = option  # "--type-after", for messages
        self.pattern = re.compile(pattern, re.M) if pattern is not None else None
        self.what = what  # "12 key chords for 'ls'", for messages
        self.action = action
        self.settle = settle
        self.triggered = threading.Event()
        self.done = False

    def trigger_text(self):
        if self.pattern is None:
            return "%s (right after the previous step)" % self.option
        return "%s %r" % (self.option, self.pattern.pattern)


class Script(threading.Thread):
    """Runs the steps from a thread, so the serial log keeps being read.

    The main loop calls watch() with the serial log as it grows; step i's
    trigger is searched after the end of step i-1's match, like --expect (a
    step without a trigger matches where the previous one's match ended). The
    thread runs the steps in order, each once its trigger has matched and the
    previous step is done.
    """

    def __init__(self, steps, qmp):
        super().__init__(name="script", daemon=True)
        self.steps = steps
        self.qmp = qmp
        self.error = None
        self._next = 0  # the step whose trigger the main loop looks for
        self._pos = 0  # where in the log it looks from
        self._stop_event = threading.Event()

    def watch(self, serial):
        """Main thread: look for the pending triggers in the serial log (a SerialText)."""
        if self._next >= len(self.steps):
            return
        text = serial.text()
        while self._next < len(self.steps):
            step = self.steps[self._next]
            if step.pattern is None:
                print("harness: %s: sending %s" % (step.trigger_text(), step.what), flush=True)
            else:
                m = step.pattern.search(text, self._pos)
                if m is None:
                    return
                line_start = text.rfind("\n", 0, m.start()) + 1
                line_end = text.find("\n", m.start())
                line = text[line_start:max(m.end(), line_end if line_end >= 0 else len(text))]
                print("harness: %s %r matched %r: sending %s"
                      % (step.option, step.pattern.pattern, line.strip(), step.what),
                      flush=True)
                self._pos = m.end()
            self._next += 1
            step.triggered.set()

    def stop(self):
        self._stop_event.set()
        for step in self.steps:
            step.triggered.set()
        if self.is_alive():
            self.join(timeout=10)

    def _sleep(self, seconds):
        if self._stop_event.wait(seconds):
            raise _Stopped()

    def run(self):
        for step in self.steps:
            step.triggered.wait()
            if self._stop_event.is_set():
                return
            start = time.monotonic()
            try:
                step.action(self.qmp.execute, self._sleep)
            except _Stopped:
                return
            except (OSError, RuntimeError, ValueError) as e:
                self.error = "sending %s after %s failed: %s" % (step.what, step.trigger_text(), e)
                return
            step.done = True
            print("harness: sent %s in %.2f s" % (step.what, time.monotonic() - start),
                  flush=True)
            try:
                self._sleep(step.settle)
            except _Stopped:
                return

    def result(self):
        """After stop(): why the input was not all sent, or None."""
        if self.error is not None:
            return self.error
        for i, step in enumerate(self.steps):
            if i >= self._next:
                return ("%s never matched the serial log (%s not sent)"
                        % (step.trigger_text(), step.what))
            if not step.done:
                return ("the run ended before %s after %s had been sent"
                        % (step.what, step.trigger_text()))
        return None


def make_steps(specs, write_serial, burst_sent, screendump):
    """Specs -> Steps. write_serial(bytes) writes to the guest's serial input;
    the burst appends what it sent to the list burst_sent; screendump(execute,
    sleep) takes the screendump of a --screendump-after step."""
    out = []
    for spec in specs:
        what = describe(spec)
        if spec.kind == "serial":
            action = (lambda data: lambda execute, sleep: write_serial(data))(spec.payload)
            settle = 0.0
        elif spec.kind == "type":
            action = (lambda chords: lambda execute, sleep:
                      keys.type_chords(execute, chords, sleep))(spec.payload)
            settle = keys.CHORD_PAUSE_SECONDS
        elif spec.kind == "burst":
            action = (lambda seq: lambda execute, sleep:
                      keys.send_burst(execute, seq, sleep, burst_sent))(
                keys.burst_sequence(spec.payload))
            settle = keys.BURST_PAUSE_SECONDS
        elif spec.kind == "nmi":
            action = lambda execute, sleep: execute("inject-nmi")
            settle = 0.0
        elif spec.kind == "qmp":
            action = (lambda cmd, arguments: lambda execute, sleep:
                      execute(cmd, **arguments))(*spec.payload)
            settle = 0.0
        else:
            action = screendump
            settle = 0.0
        out.append(Step(spec.option, spec.trigger, what, action, settle))
    return out


# ---- Waiting for a still screen (--screendump-after) ----

SETTLE_SECONDS = 0.25  # between two screendumps that must be identical
SETTLE_MAX_DUMPS = 20


def settled_dump(dump, serial_length, sleep, max_dumps=SETTLE_MAX_DUMPS,
                 pause=SETTLE_SECONDS):
    """Take screendumps until the screen and the serial output stand still.

    The kernel console writes each piece of text to the serial port first and
    then draws it, so when the harness sees a line on serial, the screen may
    not show it yet. dump(i) takes screendump number i and returns its bytes;
    serial_length() is how many serial bytes the harness has read so far.
    Dump i counts as settled when it equals dump i-1 and no serial byte arrived
    from just before dump i-1 until after dump i.

    Returns (i, serial length before dump i, settled): the last dump taken.
    """
    prev = None
    for i in range(max_dumps):
        if i:
            sleep(pause)
        before = serial_length()
        data = dump(i)
        after = serial_length()
        if prev is not None and data == prev[0] and prev[1] == before == after:
            return i, before, True
        prev = (data, before)
    return max_dumps - 1, prev[1], False
