#!/usr/bin/env python3
"""build.syscall-docs: docs/syscalls.md's table lists exactly the system
calls kernel/proc/syscall.c dispatches, with the same numbers, so the
chapter cannot drift from the code. Fails naming every difference."""
import re
import sys


def main():
    root = sys.argv[1]
    code = open(root + "/kernel/proc/syscall.c").read()
    docs = open(root + "/docs/syscalls.md").read()
    table = {(int(n), name) for n, name in re.findall(r"ENTRY\((\d+), (\w+)\)", code)}
    listed = {(int(n), name) for n, name in re.findall(r"^\| (\d+) \| `(\w+)` \|", docs, re.M)}
    missing = sorted(table - listed)
    extra = sorted(listed - table)
    for n, name in missing:
        print("FAIL: %d %s is implemented but not in docs/syscalls.md" % (n, name))
    for n, name in extra:
        print("FAIL: docs/syscalls.md lists %d %s, which syscall.c does not dispatch" % (n, name))
    if missing or extra or not table:
        sys.exit(1)
    print("ok: docs/syscalls.md lists the %d system calls syscall.c dispatches" % len(table))


if __name__ == "__main__":
    main()
