# Host tests for kernel/lib: the formatter is compared with the host glibc,
# the string routines with the host libc under k-prefixed names (test_string.c
# includes kernel/lib/string.c itself, so it needs no other source).
kestrel_host_test(test_vsnprintf
  SOURCES ${PROJECT_SOURCE_DIR}/tests/host/test_vsnprintf.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c)
kestrel_host_test(test_string
  SOURCES ${PROJECT_SOURCE_DIR}/tests/host/test_string.c)
