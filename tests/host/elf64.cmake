# The user-program ELF check (kernel/lib/elf64.c), on synthetic images and on
# the real programs: the project's test program and, where installed,
# Debian's busybox.
kestrel_host_test(test_elf64
  SOURCES ${PROJECT_SOURCE_DIR}/tests/host/test_elf64.c ${PROJECT_SOURCE_DIR}/kernel/lib/elf64.c
  DEFINES KESTREL_USER_PROGRAM="${CMAKE_BINARY_DIR}/tests/user/proc-check")
add_dependencies(test_elf64 user_programs)
