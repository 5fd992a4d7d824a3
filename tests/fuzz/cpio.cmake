# Fuzzing the initramfs's cpio reader (kernel/lib/cpio.c; the checks are at
# the top of fuzz_cpio.c). Seeds, made with scripts/mkinitramfs.py's writer:
# cpio-skeleton.cpio is the archive of scripts/initramfs/ without busybox
# (`build(skeleton="scripts/initramfs")`: directories, /init, /etc files,
# device nodes, padded to 512 bytes); cpio-concat.cpio is a three-entry
# archive without padding, 8 NULs, then a 070702 archive (checksummed) that
# replaces etc/motd.
kestrel_fuzz_target(fuzz_cpio
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_cpio.c ${PROJECT_SOURCE_DIR}/kernel/lib/cpio.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/cpio-skeleton.cpio
        ${CMAKE_CURRENT_LIST_DIR}/seeds/cpio-concat.cpio)
