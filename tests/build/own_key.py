#!/usr/bin/env python3
"""build.signing-with-own-key: the KESTREL_SB_KEY/KESTREL_SB_CERT path, end to end.

    own_key.py SOURCE_DIR WORK_DIR C_COMPILER

The default build signs only the snakeoil test copy, so this test makes a
fresh key and certificate with openssl, configures a second build of the
source tree with them (WORK_DIR/build), builds the disk image, and checks:
  - the loader on the ESP (build/esp/EFI/BOOT/BOOTX64.EFI) verifies against
    the new certificate and not against the snakeoil one (sbverify);
  - it is the loader that carries the shipped kernel's SHA-256;
  - configuring with only one of the two variables, or a missing file, stops
    with the error that names both.
It takes seconds: the kernel and loader build quickly.
"""
import hashlib
import os
import shutil
import subprocess
import sys

SNAKEOIL_CERT = "/usr/share/ovmf/PkKek-1-snakeoil.pem"


def run(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    return r.returncode, r.stdout


def fail(msg, out=""):
    print("FAIL: " + msg)
    for line in out.strip().splitlines()[-30:]:
        print("  " + line)
    sys.exit(1)


def main(src, work, cc):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    key, cert = os.path.join(work, "own.key"), os.path.join(work, "own.crt")
    rc, out = run(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-sha256",
                   "-days", "1", "-nodes", "-subj", "/CN=Kestrel test key/",
                   "-keyout", key, "-out", cert])
    if rc != 0:
        fail("openssl could not make a key", out)

    build = os.path.join(work, "build")
    rc, out = run(["cmake", "-S", src, "-B", build, "-DCMAKE_C_COMPILER=" + cc,
                   "-DKESTREL_SB_KEY=" + key, "-DKESTREL_SB_CERT=" + cert])
    if rc != 0:
        fail("configuring with KESTREL_SB_KEY/CERT failed", out)
    rc, out = run(["cmake", "--build", build, "-j2", "--target", "image"])
    if rc != 0:
        fail("building the image with an own key failed", out)
    esp_loader = os.path.join(build, "esp", "EFI", "BOOT", "BOOTX64.EFI")
    rc, out = run(["sbverify", "--cert", cert, esp_loader])
    if rc != 0:
        fail("the ESP's loader does not verify against the configured certificate", out)
    rc, out = run(["sbverify", "--cert", SNAKEOIL_CERT, esp_loader])
    if rc == 0:
        fail("the ESP's loader verifies against the snakeoil certificate too", out)
    kernel = os.path.join(build, "esp", "EFI", "BOOT", "KERNEL.ELF")
    digest = hashlib.sha256(open(kernel, "rb").read()).digest()
    if open(esp_loader, "rb").read().count(digest) != 1:
        fail("the signed loader does not carry the SHA-256 of the ESP's KERNEL.ELF")
    print("ok: the ESP's loader is signed with the configured key and carries the kernel's "
          "SHA-256")

    for args, what in (([" -DKESTREL_SB_KEY=" + key, "-DKESTREL_SB_CERT="], "only a key"),
                       (["-DKESTREL_SB_KEY=" + key + ".missing", "-DKESTREL_SB_CERT=" + cert],
                        "a missing key file")):
        rc, out = run(["cmake", "-S", src, "-B", os.path.join(work, "bad"),
                       "-DCMAKE_C_COMPILER=" + cc] + [a.strip() for a in args])
        if rc == 0 or "needs both KESTREL_SB_KEY and KESTREL_SB_CERT" not in out:
            fail("configuring with %s did not stop with the error naming both variables"
                 % what, out)
        shutil.rmtree(os.path.join(work, "bad"), ignore_errors=True)
    print("ok: configuring with only a key, or a missing key file, stops with an error")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
