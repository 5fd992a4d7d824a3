# The loader's pure modules on the host: the ELF checks (one case per check,
# every truncation, the real kernel) and a libFuzzer target run briefly.
kestrel_host_test(test_elf
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_elf.c ${PROJECT_SOURCE_DIR}/loader/elf.c
  DEFINES KESTREL_KERNEL_ELF="$<TARGET_FILE:kernel>")
add_dependencies(test_elf kernel)

# The loader's configuration file parser (loader/config.c).
kestrel_host_test(test_config
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config.c ${PROJECT_SOURCE_DIR}/loader/config.c)

# The screen-mode choice (loader/modes.c) with mode lists QEMU never offers.
kestrel_host_test(test_modes
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_modes.c ${PROJECT_SOURCE_DIR}/loader/modes.c)
# The loader's formatter (loader/fmt.c): conversions, widths, truncation.
kestrel_host_test(test_fmt
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fmt.c ${PROJECT_SOURCE_DIR}/loader/fmt.c)
