# Locate the host tools the build needs; each comes from a Debian package, and
# the error says which one (scripts/deps installs them all).
function(kestrel_require var name package)
  find_program(${var} NAMES ${name} ${ARGN})
  if(NOT ${var})
    message(FATAL_ERROR "${name} not found: install the Debian package '${package}' "
                        "(scripts/deps does it for you)")
  endif()
endfunction()

kestrel_require(LLD ld.lld lld ld.lld-14 ld.lld-16 ld.lld-19)
kestrel_require(OBJCOPY objcopy binutils)
kestrel_require(MFORMAT mformat mtools)
kestrel_require(MMD mmd mtools)
kestrel_require(MCOPY mcopy mtools)
kestrel_require(SFDISK sfdisk fdisk PATHS /usr/sbin /sbin)
kestrel_require(GZIP gzip gzip)
kestrel_require(SBSIGN sbsign sbsigntool)
kestrel_require(OPENSSL openssl openssl)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(GNUEFI_LIB_DIR /usr/lib CACHE PATH "where gnu-efi's crt0, linker script and libraries live")
set(GNUEFI_INCLUDE_DIR /usr/include/efi CACHE PATH "gnu-efi headers")
foreach(f crt0-efi-x86_64.o libgnuefi.a)
  if(NOT EXISTS ${GNUEFI_LIB_DIR}/${f})
    message(FATAL_ERROR "${GNUEFI_LIB_DIR}/${f} missing: install the Debian package 'gnu-efi'")
  endif()
endforeach()

set(OVMF_CODE /usr/share/OVMF/OVMF_CODE_4M.fd CACHE FILEPATH "OVMF firmware code")
set(OVMF_VARS /usr/share/OVMF/OVMF_VARS_4M.fd CACHE FILEPATH "OVMF variable store template")
find_program(QEMU qemu-system-x86_64)

# The console font: Terminus 8x16 from console-setup-linux (SIL OFL 1.1),
# converted from PSF1 to PSF2 at build time (see docs/console.md).
set(KESTREL_FONT /usr/share/consolefonts/Uni2-Terminus16.psf.gz CACHE FILEPATH "PSF1/PSF2 console font (.psf or .psf.gz)")
set(KESTREL_FONT_COPYRIGHT /usr/share/doc/console-setup-linux/copyright.fonts.gz CACHE FILEPATH
    "the font's copyright and licence, copied to the ESP as EFI/BOOT/FONTS.TXT")
if(NOT EXISTS ${KESTREL_FONT} OR NOT EXISTS ${KESTREL_FONT_COPYRIGHT})
  message(FATAL_ERROR "${KESTREL_FONT} missing: install the Debian package 'console-setup-linux'")
endif()
