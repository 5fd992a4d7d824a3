# Shell tests: kernel/shell/line_edit.c (the line editor), driven byte by byte
# and checked through a VT100 screen model in the test itself.
kestrel_host_test(test_line_edit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_line_edit.c
          ${PROJECT_SOURCE_DIR}/kernel/shell/line_edit.c)
