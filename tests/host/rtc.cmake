# The CMOS RTC reader (kernel/dev/rtc.c) against a model of its I/O ports
# (fake_io/ replaces arch/x86_64/io.h), including the chipset's NMI mask.
kestrel_host_test(test_rtc
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rtc.c ${PROJECT_SOURCE_DIR}/kernel/dev/rtc.c)
target_include_directories(test_rtc BEFORE PRIVATE ${CMAKE_CURRENT_LIST_DIR}/fake_io)
