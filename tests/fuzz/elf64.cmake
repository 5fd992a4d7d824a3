# The user-program ELF check, seeded with the project's test programs (ET_EXEC
# and static PIE).
kestrel_fuzz_target(fuzz_elf64
  SOURCES fuzz_elf64.c ${PROJECT_SOURCE_DIR}/kernel/lib/elf64.c
  SEEDS ${CMAKE_BINARY_DIR}/tests/user/proc-check ${CMAKE_BINARY_DIR}/tests/user/proc-check-pie)
add_dependencies(fuzz_elf64 user_programs)
