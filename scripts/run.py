#!/usr/bin/env python3
"""Build Kestrel and boot it in QEMU + OVMF, with the serial console on this terminal.

This is what scripts/run executes (scripts/run only makes sure python3 exists).
Steps: install the missing Debian packages that booting needs (`scripts/deps
run`, not those of the tests), configure build/ if it is not configured yet
(without the tests: KESTREL_TESTS=OFF; scripts/test turns them on later),
build the disk image, copy build/disk.img to build/run-disk.img (writing
CMDLINE.TXT into the copy with --cmdline), and start QEMU with the same
machine as the boot tests (scripts/qemu_cmd.py). OVMF's variables live in
build/OVMF_VARS.fd, kept between runs like a real machine's NVRAM; delete it to
start from the template again.
"""

import sys

sys.dont_write_bytecode = True

import argparse
import os
import shlex
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import qemu_cmd  # noqa: E402

DEFAULT_BUILD = os.path.join(ROOT, "build")
BUILD = DEFAULT_BUILD


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="scripts/run",
        description="Build Kestrel and boot it in QEMU with OVMF. The serial console is "
                    "this terminal: Ctrl-A x quits, Ctrl-A c switches to the QEMU monitor.",
        epilog="Arguments after -- go to QEMU unchanged, e.g. scripts/run -- -d int.")
    p.add_argument("--memory", default="256M", help="guest RAM (default 256M)")
    p.add_argument("--cpus", default="1", help="number of CPUs (default 1)")
    p.add_argument("--headless", action="store_true",
                   help="no window even if a display is available")
    p.add_argument("--gdb", action="store_true",
                   help="wait for gdb on tcp::1234 before the first instruction (-s -S)")
    p.add_argument("--kvm", action="store_true",
                   help="use KVM and the host CPU (default: TCG, the same as the tests)")
    p.add_argument("--secure-boot", action="store_true",
                   help="boot Debian's Secure Boot test firmware (snakeoil keys) with the "
                        "loader signed by the snakeoil key (docs/secure-boot.md)")
    p.add_argument("--u-boot", action="store_true",
                   help="boot U-Boot's UEFI instead of OVMF (%s, Debian package "
                        "u-boot-qemu): pc machine, disk on AHCI, serial only"
                        % qemu_cmd.UBOOT_ROM)
    p.add_argument("--cmdline", metavar="TEXT",
                   help="kernel command line, e.g. test=boot (written as CMDLINE.TXT)")
    p.add_argument("--no-build", action="store_true",
                   help="boot the existing image without installing, configuring or building "
                        "(what `cmake --build build --target run` uses)")
    p.add_argument("--build-dir", default=BUILD, help="build directory (default build/)")
    p.add_argument("qemu_args", nargs="*", metavar="-- QEMU-ARG",
                   help="extra QEMU arguments, after --")
    return p.parse_args(argv)


def step(argv, what):
    print("run: " + shlex.join(argv), flush=True)
    if subprocess.call(argv, cwd=ROOT) != 0:
        sys.exit("run: %s failed" % what)


def build():
    if BUILD != DEFAULT_BUILD:
        sys.exit("run: --build-dir needs --no-build (scripts/run builds only build/)")
    step([os.path.join(ROOT, "scripts", "deps"), "run"], "installing the dependencies")
    if not os.path.isfile(os.path.join(BUILD, "CMakeCache.txt")):
        step(["cmake", "-B", BUILD, "-DCMAKE_C_COMPILER=clang", "-DKESTREL_TESTS=OFF"],
             "configuring")
    step(["cmake", "--build", BUILD, "-j", str(os.cpu_count() or 1), "--target", "image"],
         "building")


def display_args(headless):
    """A window if there is a display and QEMU has a UI for it, else none."""
    if headless:
        return ["-display", "none"], "headless"
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return ["-display", "none"], "headless (no $DISPLAY or $WAYLAND_DISPLAY)"
    try:
        r = subprocess.run([qemu_cmd.DEFAULT_QEMU, "-display", "help"], text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        available = r.stdout.split()
    except OSError:
        available = []
    for ui in ("gtk", "sdl"):
        if ui in available:
            return ["-display", ui], "window (%s)" % ui
    return ["-display", "none"], ("headless: QEMU has no gtk or sdl display; install the "
                                  "Debian package 'qemu-system-gui' for a window")


def socket_path(name):
    path = os.path.join(BUILD, name)
    if len(path.encode()) < 100:
        return path
    return os.path.relpath(path)  # unix socket paths are limited to 107 bytes


def main(argv):
    global BUILD
    args = parse_args(argv)
    BUILD = os.path.abspath(args.build_dir)
    if args.u_boot and args.secure_boot:
        sys.exit("run: --u-boot and --secure-boot cannot be combined (Secure Boot is OVMF's)")
    if args.kvm and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        sys.exit("run: --kvm needs read-write access to /dev/kvm")
    if not args.no_build:
        build()
    elif not os.path.isfile(os.path.join(BUILD, "disk.img")):
        sys.exit("run: %s/disk.img does not exist: build first" % BUILD)

    disk = os.path.join(BUILD, "run-disk.img")
    vars_copy = os.path.join(BUILD, "OVMF_VARS.snakeoil.fd" if args.secure_boot
                             else "OVMF_VARS.fd")
    try:
        qemu_cmd.copy_image(os.path.join(BUILD, "disk.img"), disk)
        if not os.path.isfile(vars_copy):
            qemu_cmd.copy_vars(qemu_cmd.SNAKEOIL_OVMF_VARS if args.secure_boot
                               else qemu_cmd.DEFAULT_OVMF_VARS, vars_copy)
        if args.secure_boot:
            qemu_cmd.replace_loader(disk, os.path.join(BUILD, "loader", "BOOTX64.snakeoil.EFI"))
        if args.cmdline is not None:
            qemu_cmd.write_cmdline(disk, args.cmdline)
    except qemu_cmd.SetupError as e:
        sys.exit("run: %s" % e)

    machine = qemu_cmd.Machine(disk=disk, ovmf_vars=vars_copy, memory=args.memory,
                               smp=args.cpus, extra=list(args.qemu_args),
                               secure_boot=args.secure_boot)
    if args.secure_boot:
        machine.ovmf_code = qemu_cmd.SNAKEOIL_OVMF_CODE
    if args.u_boot:
        if not os.path.isfile(qemu_cmd.UBOOT_ROM):
            sys.exit("run: %s does not exist: install the Debian package 'u-boot-qemu'"
                     % qemu_cmd.UBOOT_ROM)
        machine.bios, machine.ahci, machine.machine = qemu_cmd.UBOOT_ROM, True, "pc"
    if args.kvm:
        machine.accel = "kvm"
        machine.cpu = "host"
    if args.gdb:
        machine.extra = ["-s", "-S"] + machine.extra
    display, how = display_args(args.headless)
    monitor = socket_path("qemu-monitor.sock")
    try:
        cmd = qemu_cmd.build_command(
            machine, serial=["-serial", "mon:stdio"], display=display,
            monitor=["-monitor", "unix:%s,server=on,wait=off" % monitor])
    except qemu_cmd.SetupError as e:
        sys.exit("run: %s" % e)

    print("run: kernel command line: %s" % (repr(args.cmdline) if args.cmdline is not None
                                            else "as in build/esp/EFI/BOOT/CMDLINE.TXT, if any"))
    print("run: display: %s; serial console here (Ctrl-A x quits, Ctrl-A c: monitor)" % how)
    print("run: QEMU monitor socket: %s (e.g. socat - UNIX-CONNECT:%s)" % (monitor, monitor))
    if args.gdb:
        print("run: QEMU waits for gdb; in another terminal:")
        print("  gdb build/kernel/kernel.elf -ex 'target remote :1234'")
    print("run: " + shlex.join(cmd), flush=True)
    status = subprocess.call(cmd)
    meaning = {
        qemu_cmd.EXIT_STATUS_SUCCESS: "the kernel reported success",
        qemu_cmd.EXIT_STATUS_FAILURE: "the kernel reported failure",
        0: "QEMU quit, or the guest reset (triple fault) or powered off",
    }.get(status, "QEMU error" if status > 0 else "QEMU was killed")
    print("\nrun: QEMU exited with status %d: %s" % (status, meaning))
    return 0 if status in (0, qemu_cmd.EXIT_STATUS_SUCCESS) else status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
