# The terminal's line discipline (kernel/tty/ldisc.c): canonical editing,
# echo, signal keys, raw mode, output processing, against Linux's values.
kestrel_host_test(test_ldisc
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ldisc.c ${PROJECT_SOURCE_DIR}/kernel/tty/ldisc.c)
