# The boot log's buffer (loader/textlog.c): never past its capacity.
kestrel_host_test(test_textlog
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_textlog.c ${PROJECT_SOURCE_DIR}/loader/textlog.c)
