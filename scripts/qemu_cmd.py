"""How Kestrel starts QEMU: the machine, the firmware and the disk, in one place.

scripts/run (a person at a terminal) and tests/boot/harness.py (CTest) both build
their QEMU command lines here, so a failing boot test can be rerun by hand on the
same virtual machine, and a change of machine (say, a new device the kernel
needs) is made once. This module only builds argument lists and prepares
per-run copies of the disk image and the firmware variable store; it never
starts QEMU itself.

The disk image (build/disk.img) is a GPT disk whose single EFI System Partition,
FAT32, starts at byte offset 1 MiB. mtools reaches it as "IMAGE@@1M".
"""

import dataclasses
import os
import shutil
import subprocess
import tempfile

DEFAULT_QEMU = "qemu-system-x86_64"
DEFAULT_OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
DEFAULT_OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
# Debian's Secure Boot test firmware: its variable store has the snakeoil
# certificate (/usr/share/ovmf/PkKek-1-snakeoil.pem) enrolled as PK, KEK and
# db, and Secure Boot on. It needs SMM (so the variable store is protected)
# and a secure flash device.
SNAKEOIL_OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd"
SNAKEOIL_OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd"
# A second UEFI implementation: U-Boot's, built for QEMU's pc machine (Debian
# package u-boot-qemu). It is a ROM image for -bios, keeps no variable store
# in flash, and finds disks on AHCI (not on QEMU's default IDE controller).
UBOOT_ROM = "/usr/lib/u-boot/qemu-x86_64/u-boot.rom"

# The kernel ends a test run by writing to QEMU's isa-debug-exit port; QEMU
# then exits with status (value << 1) | 1.
DEBUG_EXIT_PORT = 0xF4
EXIT_STATUS_SUCCESS = (0x10 << 1) | 1  # 33
EXIT_STATUS_FAILURE = (0x11 << 1) | 1  # 35

# With -no-reboot, QEMU exits with status 0 both when the guest resets (a
# triple fault, a reset through the keyboard controller or port 0xcf9) and
# when it powers off (ACPI S5). Just before, it sends the QMP event SHUTDOWN,
# whose "reason" (ShutdownCause in QEMU's qapi/run-state.json) tells them
# apart. Observed with QEMU 7.2 (tests/boot/harness.py records it):
SHUTDOWN_RESET = "guest-reset"  # test=triple-fault
SHUTDOWN_POWEROFF = "guest-shutdown"  # ACPI S5: the UEFI shell's "reset -s"
# Others: "host-signal" (SIGTERM/SIGINT to QEMU, which then also exits 0),
# "host-qmp-quit", "guest-panic" (needs a pvpanic device), "host-ui", ...

ESP_OFFSET = "1M"
ESP_BOOT_DIR = "::/EFI/BOOT"
LOADER_PATH = ESP_BOOT_DIR + "/BOOTX64.EFI"
CMDLINE_PATH = ESP_BOOT_DIR + "/CMDLINE.TXT"
KERNEL_PATH = ESP_BOOT_DIR + "/KERNEL.ELF"
INITRD_PATH = ESP_BOOT_DIR + "/INITRD"
BOOTLOG_PATH = ESP_BOOT_DIR + "/BOOTLOG.TXT"


@dataclasses.dataclass
class Machine:
    """One virtual machine: what is the same between a test and a manual run."""

    disk: str  # the per-run copy of the disk image (QEMU writes to it)
    ovmf_vars: str  # the per-run writable copy of the variable store
    ovmf_code: str = DEFAULT_OVMF_CODE
    qemu: str = DEFAULT_QEMU
    machine: str = "q35"
    memory: str = "256M"
    smp: str = "1"
    cpu: str = "max"
    vga: str = "std"
    accel: str = ""  # "" leaves QEMU's default, which is TCG
    icount: bool = False  # instruction counting: guest time follows executed code
    usb: bool = False  # the disk is a USB stick behind xHCI, not a SATA disk
    read_only: bool = False  # the disk is write-protected (USB stick only)
    secure_boot: bool = False  # SMM and a secure flash, for the snakeoil firmware
    bios: str = ""  # a firmware ROM for -bios (U-Boot) instead of OVMF's flash
    ahci: bool = False  # the disk is a SATA disk on an AHCI controller added for it
    extra: list = dataclasses.field(default_factory=list)


def build_command(m, serial, display, monitor=()):
    """Return QEMU's argv for machine m.

    serial, display and monitor are argument lists chosen by the caller: the
    harness reads the serial port through a pipe and has no window, scripts/run
    puts the serial port on the terminal.
    """
    machine = m.machine
    if m.secure_boot:
        if not (machine.split(",")[0] == "q35" or machine.startswith("pc-q35-")):
            raise SetupError("Secure Boot needs the q35 machine (SMM), not %s" % machine)
        if "smm=off" in machine.split(","):
            raise SetupError("Secure Boot needs SMM, but the machine says smm=off")
        if "smm=on" not in machine.split(","):
            machine += ",smm=on"
    cmd = [m.qemu, "-machine", machine]
    if m.secure_boot:
        cmd += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
    if m.accel:
        cmd += ["-accel", m.accel]
    cpu = m.cpu
    if m.icount and "x2apic" not in cpu:
        # QEMU 10 (Debian 13) offers the x2APIC under TCG, and with -icount it
        # stops with "Bad icount read" (status 1) once the kernel drives the
        # APIC through its MSRs. Runs under -icount keep to the xAPIC, the
        # only mode QEMU 7.2 (Debian 12) offers under TCG anyway.
        cpu += ",-x2apic"
    cmd += [
        "-m", m.memory,
        "-smp", str(m.smp),
        "-cpu", cpu,
        "-nic", "none",
        # A triple fault or a reset request ends QEMU (status 0, SHUTDOWN
        # reason guest-reset) instead of rebooting into the same failure
        # forever.
        "-no-reboot",
    ]
    cmd += list(display)
    cmd += ["-vga", m.vga]
    cmd += ["-device", "isa-debug-exit,iobase=0x%x,iosize=0x04" % DEBUG_EXIT_PORT]
    if m.bios:
        if m.secure_boot:
            raise SetupError("Secure Boot needs OVMF's flash, not a -bios ROM")
        cmd += ["-bios", m.bios]
    else:
        cmd += [
            "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + m.ovmf_code,
            "-drive", "if=pflash,format=raw,unit=1,file=" + m.ovmf_vars,
        ]
    cmd += disk_args(m.disk, m.usb, m.read_only, m.ahci)
    if m.icount:
        cmd += ["-icount", "shift=7,sleep=off"]
    cmd += list(serial)
    cmd += list(monitor)
    cmd += list(m.extra)
    return cmd


def disk_args(disk, usb=False, read_only=False, ahci=False):
    """QEMU arguments that attach the disk image.

    Default: QEMU's default interface for the machine (a SATA disk on q35's
    AHCI, IDE on pc). usb: a USB mass-storage stick behind an xHCI controller
    and no other disk at all, as on a real PC booted from a stick: OVMF must
    find \\EFI\\BOOT\\BOOTX64.EFI on removable media through its USB stack.
    read_only: the stick is write-protected (QEMU's SATA and IDE disks cannot
    be), so writes fail with EFI_WRITE_PROTECTED, as with a locked SD card.
    ahci: a SATA disk on an AHCI controller of its own, on any machine (U-Boot's
    pc build looks for disks there, not on the pc machine's IDE controller).
    """
    if read_only and not usb:
        raise SetupError("a read-only disk is only available as a USB stick (--usb)")
    if usb and ahci:
        raise SetupError("the disk is either a USB stick or an AHCI disk, not both")
    if ahci:
        return ["-device", "ahci,id=ahci",
                "-drive", "if=none,id=disk,format=raw,file=" + disk,
                "-device", "ide-hd,drive=disk,bus=ahci.0"]
    if usb:
        return ["-device", "qemu-xhci,id=xhci",
                "-drive", "if=none,id=stick,format=raw,file=" + disk
                + (",readonly=on" if read_only else ""),
                "-device", "usb-storage,bus=xhci.0,drive=stick"]
    return ["-drive", "format=raw,file=" + disk]


class SetupError(Exception):
    """Preparing a run failed before QEMU started (missing file, mtools error)."""


def _run_tool(argv):
    # mtools refuses some valid FAT32 geometries without MTOOLS_SKIP_CHECK.
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    try:
        r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except FileNotFoundError:
        raise SetupError("%s not found: install the Debian package 'mtools' "
                         "(scripts/deps does it for you)" % argv[0]) from None
    if r.returncode != 0:
        raise SetupError("%s failed (status %d): %s"
                         % (" ".join(argv), r.returncode, r.stdout.strip()))


def _esp(image):
    return "%s@@%s" % (image, ESP_OFFSET)


def copy_image(src, dst):
    """Copy the disk image, keeping it sparse (it is 64+ MiB, mostly zeros)."""
    if not os.path.isfile(src):
        raise SetupError("disk image %s does not exist: build it first "
                         "(cmake --build build, target 'image')" % src)
    r = subprocess.run(["cp", "--sparse=always", "--", src, dst],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise SetupError("cannot copy %s to %s: %s" % (src, dst, r.stdout.strip()))


def copy_vars(src, dst):
    """Give QEMU a writable copy of the OVMF variable store template."""
    if not os.path.isfile(src):
        raise SetupError("OVMF variable store %s does not exist: install the Debian "
                         "package 'ovmf'" % src)
    shutil.copyfile(src, dst)


def write_cmdline(image, text):
    """Store the kernel command line as /EFI/BOOT/CMDLINE.TXT (one line)."""
    if "\n" in text or "\r" in text:
        raise SetupError("the kernel command line must be a single line: %r" % text)
    with tempfile.NamedTemporaryFile("w", prefix="kestrel-cmdline-", suffix=".txt",
                                     delete=False) as f:
        f.write(text + "\n")
        tmp = f.name
    try:
        _run_tool(["mcopy", "-o", "-i", _esp(image), tmp, CMDLINE_PATH])
    finally:
        os.unlink(tmp)


def write_config(image, text):
    """Store the loader's configuration as /EFI/BOOT/KESTREL.CFG."""
    with tempfile.NamedTemporaryFile("w", prefix="kestrel-cfg-", suffix=".cfg",
                                     delete=False) as f:
        f.write(text + "\n")
        tmp = f.name
    try:
        _run_tool(["mcopy", "-o", "-i", _esp(image), tmp, ESP_BOOT_DIR + "/KESTREL.CFG"])
    finally:
        os.unlink(tmp)


def remove_loader(image):
    """Delete BOOTX64.EFI so the firmware finds nothing to boot on the disk."""
    _run_tool(["mdel", "-i", _esp(image), LOADER_PATH])


def replace_kernel(image, kernel):
    """Store the file kernel as /EFI/BOOT/KERNEL.ELF (a malformed kernel, say)."""
    if not os.path.isfile(kernel):
        raise SetupError("kernel file %s does not exist (is it built?)" % kernel)
    _run_tool(["mcopy", "-o", "-i", _esp(image), kernel, KERNEL_PATH])


def replace_loader(image, loader):
    """Store the file loader as /EFI/BOOT/BOOTX64.EFI (a signed copy, say)."""
    if not os.path.isfile(loader):
        raise SetupError("loader file %s does not exist (is it built?)" % loader)
    _run_tool(["mcopy", "-o", "-i", _esp(image), loader, LOADER_PATH])


def read_file(image, path):
    """The bytes of a file on the image's ESP (mtype), or None if it is missing.

    Any other mtools failure is a SetupError, so that "no file" cannot be
    mistaken for "could not look"."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    r = subprocess.run(["mtype", "-i", _esp(image), path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    if r.returncode == 0:
        return r.stdout
    err = r.stderr.decode(errors="replace").strip()
    if "not found" in err.lower():
        return None
    raise SetupError("mtype %s from %s failed (status %d): %s"
                     % (path, image, r.returncode, err))


def remove_kernel(image):
    """Delete KERNEL.ELF: the loader must say that it is missing."""
    _run_tool(["mdel", "-i", _esp(image), KERNEL_PATH])


def replace_initrd(image, initrd):
    """Store the file initrd as /EFI/BOOT/INITRD (a malformed archive, say)."""
    if not os.path.isfile(initrd):
        raise SetupError("initrd file %s does not exist (is it built?)" % initrd)
    _run_tool(["mcopy", "-o", "-i", _esp(image), initrd, INITRD_PATH])


def remove_initrd(image):
    """Delete INITRD: the loader must boot without one, and say so."""
    _run_tool(["mdel", "-i", _esp(image), INITRD_PATH])


def make_directory(image, path):
    """Create the directory path (mtools syntax, "::/EFI/...") on the ESP."""
    _run_tool(["mmd", "-i", _esp(image), path])
