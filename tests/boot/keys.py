"""Keyboard input for the boot tests: text -> QEMU key chords, the burst, its check.

The harness (harness.py) types into the guest's PS/2 keyboard through QMP:

  --type TEXT   one QMP "send-key" per key chord (the QMP form of the human
                monitor's sendkey), paced so that QEMU never drops a byte
  --burst N     N lowercase keys through QMP "input-send-event", several keys
                per command, as fast as QEMU's own queue allows

The text syntax, the burst and its check are pure functions, and
type_chords() and send_burst() take the QMP call and the sleep as arguments,
so tests/boot/test_harness_logic.py checks all of them without QEMU. The
script thread of steps.py runs them while QEMU does, each once the serial
log has matched its trigger (--type-after, --burst-after).

Why the pacing: QEMU's PS/2 keyboard model (hw/input/ps2.c) holds at most 16
scancode bytes (PS2_QUEUE_SIZE) and silently discards any byte that arrives
while it is full. A key lost there never reaches the guest's 8042, so the
kernel cannot count it as dropped: the test would see "received R dropped D"
with R + D short of what was sent, and blame the kernel. So the harness never
puts more into QEMU's queue than it can hold, and waits between commands for
the guest to empty it: scancode set 1 (the 8042 translates, which is the PC
default and what kernel/dev/i8042.c sets up) is 1 byte per press and release
of a plain key, 2 for an E0-prefixed key (arrows, right ctrl, ...).

Checked with QEMU 7.2's trace events ps2_put_keycode and pckbd_kbd_read_data
(-trace, bytes queued vs. bytes the guest read), typing into OVMF's UEFI
shell, whose keyboard driver only polls every 20 ms: a 600-key burst plus 70
typed chords, two QEMUs at once on two cores, lost no byte inside QEMU. With
the burst pause set to 0, 168 of 384 queued bytes were lost there.
"""

import re
import time

# QEMU's QKeyCode names, verbatim from QEMU 7.2's QMP schema (query-qmp-schema;
# the QKeyCode enum of qapi/ui.json, documented in the QMP reference), without
# "unmapped". Newer QEMUs add f13..f24 and a few more; they are not needed here.
QCODES = frozenset("""
    shift shift_r alt alt_r ctrl ctrl_r menu esc 1 2 3 4 5 6 7 8 9 0 minus equal
    backspace tab q w e r t y u i o p bracket_left bracket_right ret a s d f g h j k l
    semicolon apostrophe grave_accent backslash z x c v b n m comma dot slash asterisk
    spc caps_lock f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 num_lock scroll_lock kp_divide
    kp_multiply kp_subtract kp_add kp_enter kp_decimal sysrq kp_0 kp_1 kp_2 kp_3 kp_4
    kp_5 kp_6 kp_7 kp_8 kp_9 less f11 f12 print home pgup pgdn end left up down right
    insert delete stop again props undo front copy open paste find cut lf help meta_l
    meta_r compose pause ro hiragana henkan yen muhenkan katakanahiragana kp_comma
    kp_equals power sleep wake audionext audioprev audiostop audioplay audiomute
    volumeup volumedown mediaselect mail calculator computer ac_home ac_back ac_forward
    ac_refresh ac_bookmarks lang1 lang2
""".split())

# Friendlier names for {special} keys; any QKeyCode name works as well.
KEY_ALIASES = {
    "enter": "ret", "return": "ret", "space": "spc", "escape": "esc", "bs": "backspace",
    "del": "delete", "ins": "insert", "caps": "caps_lock", "capslock": "caps_lock",
    "numlock": "num_lock", "scrolllock": "scroll_lock", "pageup": "pgup",
    "pagedown": "pgdn", "win": "meta_l", "super": "meta_l",
}
# Prefixes of a {special} key: {ctrl-c}, {ctrl-alt-delete}, {shift-tab}.
MODIFIERS = {
    "ctrl": "ctrl", "control": "ctrl", "shift": "shift", "alt": "alt", "altgr": "alt_r",
    "meta": "meta_l", "win": "meta_l", "super": "meta_l",
}

# US layout: character -> (qcode, needs shift).
_PLAIN = {" ": "spc", "\n": "ret", "\t": "tab", "-": "minus", "=": "equal",
          "[": "bracket_left", "]": "bracket_right", "\\": "backslash",
          ";": "semicolon", "'": "apostrophe", "`": "grave_accent", ",": "comma",
          ".": "dot", "/": "slash"}
_SHIFTED = dict(zip("!@#$%^&*()", "1234567890"),
                **{"_": "minus", "+": "equal", "{": "bracket_left", "}": "bracket_right",
                   "|": "backslash", ":": "semicolon", '"': "apostrophe",
                   "~": "grave_accent", "<": "comma", ">": "dot", "?": "slash"})
CHAR_KEYS = {}
for _c in "abcdefghijklmnopqrstuvwxyz0123456789":
    CHAR_KEYS[_c] = (_c, False)
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    CHAR_KEYS[_c] = (_c.lower(), True)
CHAR_KEYS.update({c: (k, False) for c, k in _PLAIN.items()})
CHAR_KEYS.update({c: (k, True) for c, k in _SHIFTED.items()})

TEXT_SYNTAX = """\
TEXT is typed on a US keyboard: letters, digits, space and the US punctuation
stand for themselves (shift is added where needed), a newline character is
Enter and a tab character Tab. "{" starts a special key, "{{" types "{"
("}" alone is itself):
  {NAME}           a key by name: enter, esc, bs (backspace), tab, del, ins,
                   home, end, pgup, pgdn, left, right, up, down, caps, f1..f12,
                   or any QEMU QKeyCode name (kp_5, semicolon, ...)
  {MOD-...-KEY}    a chord: modifiers ctrl, shift, alt, altgr, win, then a key
                   name or one character: {ctrl-c}, {ctrl-alt-delete},
                   {shift-tab}, {ctrl-C} is ctrl+shift+c
  {KEY*N}          the key or chord N times: {left*3}, {bs*10}
Each chord is one QMP send-key, held 10 ms, then a 30 ms pause (see keys.py)."""


def char_chord(c):
    """One character -> its chord (a tuple of qcodes, modifiers first)."""
    try:
        key, shift = CHAR_KEYS[c]
    except KeyError:
        raise ValueError("no key types %r on a US keyboard (use a {special} key)" % c) \
            from None
    return ("shift", key) if shift else (key,)


def special_chord(spec):
    """The inside of {...} -> (chord, count). Raises ValueError if unknown."""
    count = 1
    m = re.fullmatch(r"(.+)\*(\d+)", spec)
    if m:
        spec, count = m.group(1), int(m.group(2))
        if count < 1:
            raise ValueError("{%s*%d}: the count must be at least 1" % (spec, count))
    mods = []
    rest = spec
    while True:
        head, sep, tail = rest.partition("-")
        if sep and tail and head.lower() in MODIFIERS:
            mods.append(MODIFIERS[head.lower()])
            rest = tail
        else:
            break
    if len(rest) == 1:
        key = char_chord(rest)
    else:
        name = KEY_ALIASES.get(rest.lower(), rest.lower())
        if name not in QCODES:
            raise ValueError("{%s}: unknown key %r (a QEMU QKeyCode name or one of %s)"
                             % (spec, rest, ", ".join(sorted(KEY_ALIASES))))
        key = (name,)
    chord = []
    for k in mods + list(key):
        if k not in chord:
            chord.append(k)
    return tuple(chord), count


def parse_text(text):
    """--type TEXT -> the list of chords to send, in order (see TEXT_SYNTAX)."""
    chords = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "{":
            if text.startswith("{{", i):
                chords.append(char_chord("{"))
                i += 2
                continue
            end = text.find("}", i + 1)
            if end < 0:
                raise ValueError("unterminated '{' at offset %d of %r (type '{' as '{{')"
                                 % (i, text))
            if end == i + 1:
                raise ValueError("empty '{}' at offset %d of %r" % (i, text))
            chord, count = special_chord(text[i + 1:end])
            chords.extend([chord] * count)
            i = end + 1
        else:
            chords.append(char_chord(c))
            i += 1
    return chords


def parse_serial_text(text):
    r"""--serial TEXT (or --serial-after-typing) -> bytes; understands \r \n \t \\ \xHH."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if nxt in ("r", "n", "t", "\\"):
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[nxt]
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("unknown escape %r in %r (use \\r \\n \\t \\\\ \\xHH)"
                             % (text[i:i + 2], text))
    return bytes(out)


# ---- The burst ----

BURST_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# Keys per input-send-event command: a press and a release of a plain key are
# 2 bytes in scancode set 1, so 6 keys are 12 bytes, within QEMU's 16.
BURST_KEYS_PER_COMMAND = 6
# Host time between burst commands, for the guest's IRQ handler to empty
# QEMU's queue (12 interrupts) before the next 12 bytes arrive.
BURST_PAUSE_SECONDS = 0.020
# send-key: how long the keys are held (QEMU's virtual clock), and the host
# time between chords: the hold plus time for the guest to read up to
# 8 bytes (a chord of modifiers and an E0 key, pressed and released).
HOLD_TIME_MS = 10
CHORD_PAUSE_SECONDS = 0.030


def burst_sequence(n):
    """The N characters a burst of N keys types: BURST_ALPHABET, repeated."""
    reps = -(-n // len(BURST_ALPHABET))
    return (BURST_ALPHABET * reps)[:n]


def burst_commands(seq):
    """The input-send-event arguments for a burst: lists of <= 6 press+release pairs."""
    commands = []
    for i in range(0, len(seq), BURST_KEYS_PER_COMMAND):
        events = []
        for c in seq[i:i + BURST_KEYS_PER_COMMAND]:
            key, shift = CHAR_KEYS[c]
            assert not shift, "the burst is unshifted keys only"
            for down in (True, False):
                events.append({"type": "key", "data": {
                    "down": down, "key": {"type": "qcode", "data": key}}})
        commands.append(events)
    return commands


def type_chords(execute, chords, sleep=time.sleep):
    """Send each chord with QMP send-key, CHORD_PAUSE_SECONDS apart.

    execute(command, **arguments) runs one QMP command; sleep(seconds) waits
    (it may raise to abort). There is no pause after the last chord: the
    caller waits CHORD_PAUSE_SECONDS before it sends anything else, but a
    guest may exit as soon as it has the last key, and that is not an error.
    """
    for i, chord in enumerate(chords):
        if i:
            sleep(CHORD_PAUSE_SECONDS)
        try:
            execute("send-key", keys=[{"type": "qcode", "data": k} for k in chord],
                    **{"hold-time": HOLD_TIME_MS})
        except OSError:
            # QEMU injects the key before it replies; a guest that exits on
            # the last key (Enter) can close the connection before the reply
            # arrives. The serial log then decides; earlier keys may not fail.
            if i != len(chords) - 1:
                raise


def send_burst(execute, seq, sleep=time.sleep, sent=None):
    """Type seq with input-send-event, 6 keys per command, BURST_PAUSE_SECONDS apart.

    Appends the keys of each command to the list sent once QEMU has taken them.
    No pause after the last command, as for type_chords.
    """
    done = 0
    for i, events in enumerate(burst_commands(seq)):
        if i:
            sleep(BURST_PAUSE_SECONDS)
        execute("input-send-event", events=events)
        keys = seq[done:done + len(events) // 2]
        done += len(keys)
        if sent is not None:
            sent.append(keys)


# ---- Checking what the kernel received ----

BURST_COUNTS = re.compile(r"^keyboard-burst: received (\d+) dropped (\d+)[ \t]*$", re.M)
BURST_DATA = re.compile(r"^keyboard-burst: data(?: (.*))?$", re.M)


def is_subsequence(small, big):
    """Return the index in small of the first character that cannot be matched, or None."""
    j = 0
    for i, c in enumerate(small):
        j = big.find(c, j)
        if j < 0:
            return i
        j += 1
    return None


def check_burst(log, sent):
    """Why the kernel's burst report does not fit what was sent, or None if it does.

    The kernel prints "keyboard-burst: received R dropped D" and then
    "keyboard-burst: data <the R characters>". A kernel whose buffer fills drops
    the new keys, so the data must be the sent sequence with D characters
    missing (a prefix of length N - D if it read nothing until the end; any
    subsequence is accepted).
    """
    n = len(sent)
    m = BURST_COUNTS.search(log)
    if m is None:
        return "burst: the kernel printed no 'keyboard-burst: received R dropped D' line"
    received, dropped = int(m.group(1)), int(m.group(2))
    if received + dropped != n:
        return "burst: received %d + dropped %d != sent %d" % (received, dropped, n)
    d = BURST_DATA.search(log, m.end())
    if d is None:
        return "burst: no 'keyboard-burst: data ...' line after %r" % m.group(0)
    data = (d.group(1) or "").strip()
    if len(data) != received:
        return ("burst: the data line has %d characters but the kernel says it received %d"
                % (len(data), received))
    bad = is_subsequence(data, sent)
    if bad is not None:
        return ("burst: the received characters are not the sent sequence with %d "
                "missing: received[%d] = %r cannot follow %r (see burst-sent.txt)"
                % (dropped, bad, data[bad], data[max(0, bad - 12):bad]))
    return None
