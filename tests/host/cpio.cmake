# The initramfs's cpio "newc" reader (kernel/lib/cpio.c): good, concatenated
# and malformed archives, each malformation with its status, offset and
# message (it formats them with kernel/lib/vsnprintf.c).
kestrel_host_test(test_cpio
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cpio.c ${PROJECT_SOURCE_DIR}/kernel/lib/cpio.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c)
# The initramfs generator's own check: two builds are byte-identical, sorted,
# and an independent reader finds every file, mode and device number.
add_test(NAME host.mkinitramfs
  COMMAND ${Python3_EXECUTABLE} -B ${PROJECT_SOURCE_DIR}/scripts/mkinitramfs.py --self-test)
set_tests_properties(host.mkinitramfs PROPERTIES LABELS host TIMEOUT 60)
