# ACPI table discovery and the MADT/HPET/FADT decoders (kernel/acpi/tables.c)
# against synthetic firmware images; tables.c formats its messages with
# kernel/lib/vsnprintf.c, so the test links that too.
kestrel_host_test(test_acpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_acpi.c ${PROJECT_SOURCE_DIR}/kernel/acpi/tables.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c)

# The \_S5 package scan used by poweroff (kernel/acpi/s5.c).
kestrel_host_test(test_s5
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_s5.c ${PROJECT_SOURCE_DIR}/kernel/acpi/s5.c)

# The MCFG decoder (kernel/acpi/mcfg.c): where PCI configuration space is.
kestrel_host_test(test_mcfg
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mcfg.c ${PROJECT_SOURCE_DIR}/kernel/acpi/mcfg.c
          ${PROJECT_SOURCE_DIR}/kernel/acpi/tables.c ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c)
