# Fuzzing kernel/acpi/tables.c (messages formatted by kernel/lib/vsnprintf.c)
# with a physical memory image, seeded with QEMU q35's real tables (see the
# top comment of fuzz_acpi.c for how the seed was made).
kestrel_fuzz_target(fuzz_acpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_acpi.c ${PROJECT_SOURCE_DIR}/kernel/acpi/tables.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/acpi-qemu.bin)
# tables.c takes mem*/str* from the host libc here, not from kernel/lib.
target_compile_definitions(fuzz_acpi PRIVATE KESTREL_HOST=1)
