#!/usr/bin/env python3
"""build.kernel-layers: which kernel folders may include which.

The kernel's folders are layers. This check reads every #include "dir/..."
in kernel/ and fails on an include that goes against the rules below, naming
the file, the line and the rule, so a dependency in the wrong direction is
caught in review rather than discovered as a cycle later:

  lib/     freestanding C (string, formatting, symbols): includes only lib/,
           so the host tests build it as it is
  arch/    the CPU: never boot/, shell/, sched/, test/ (it is below them; the
           scheduler hooks into it through function pointers)
  console/ never boot/, shell/, sched/, test/
  sync/    spinlocks and the lock checker: arch/, core/, lib/, sync/ only
  mm/      never shell/, test/, sched/
  tty/     terminals: never proc/, shell/, test/, boot/ (processes are above
           them: the signal keys reach proc/ through a registered function)
  pci/     PCI configuration space and enumeration: never usb/, sched/, proc/,
           fs/, tty/ (drivers sit above it)
  usb/     the xHCI driver and USB keyboards: never proc/, fs/, tty/ (it feeds
           dev/input, which the terminals read)
  only main.c, shell/ and test/ include test/ and shell/ (the top layer)
"""
import os
import re
import sys

RULES = {
    "lib": {"allow": {"lib"}},
    "arch": {"deny": {"boot", "shell", "sched", "test"}},
    "console": {"deny": {"boot", "shell", "sched", "test"}},
    "sync": {"allow": {"arch", "core", "lib", "sync"}},
    "mm": {"deny": {"shell", "test", "sched"}},
    "tty": {"deny": {"proc", "shell", "test", "boot"}},
    "pci": {"deny": {"usb", "sched", "proc", "fs", "tty", "shell", "test"}},
    "usb": {"deny": {"proc", "fs", "tty", "shell", "test"}},
}
EVERYWHERE_DENY = {"test": {"test", "shell"}, "shell": {"shell", "test"}}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)/')


def main():
    kernel = sys.argv[1]
    bad = []
    for dirpath, _, files in os.walk(kernel):
        rel = os.path.relpath(dirpath, kernel)
        top = rel.split(os.sep)[0] if rel != "." else "."
        for name in sorted(files):
            if not name.endswith((".c", ".h", ".S")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    dep = m.group(1)
                    rule = RULES.get(top, {})
                    why = None
                    if "allow" in rule and dep not in rule["allow"]:
                        why = "%s/ may include only %s" % (top, ", ".join(sorted(rule["allow"])))
                    elif dep in rule.get("deny", ()):
                        why = "%s/ must not include %s/" % (top, dep)
                    elif dep in EVERYWHERE_DENY and top not in EVERYWHERE_DENY[dep] and top != ".":
                        why = "only %s include %s/" % (
                            ", ".join(sorted(EVERYWHERE_DENY[dep])) + " and main.c", dep)
                    if why:
                        bad.append("%s:%d: includes %s/: %s" % (os.path.relpath(path, kernel),
                                                                 lineno, dep, why))
    for b in bad:
        print("kernel-layers: " + b)
    if bad:
        return 1
    print("kernel-layers: every include follows the layer rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
