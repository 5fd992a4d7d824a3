# Linux's error numbers in kernel/lib/errno.h, against the build machine's
# C library and Linux headers (test_errno.c says how).
kestrel_host_test(test_errno
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_errno.c ${PROJECT_SOURCE_DIR}/kernel/lib/errno.c)
