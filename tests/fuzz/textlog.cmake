# The boot log's buffer (loader/textlog.c), fuzzed with capacities around the
# minimum and UCS-2 text in many appends (see fuzz_textlog.c).
kestrel_fuzz_target(fuzz_textlog
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_textlog.c ${PROJECT_SOURCE_DIR}/loader/textlog.c)
