# The console terminal: arbitrary bytes at arbitrary sizes, checked against
# a shadow of what the backend drew.
kestrel_fuzz_target(fuzz_term SOURCES fuzz_term.c ${PROJECT_SOURCE_DIR}/kernel/console/term.c
  ${PROJECT_SOURCE_DIR}/kernel/console/term_parse.c
  SEEDS ${CMAKE_CURRENT_SOURCE_DIR}/seeds/term-vi.bin)
