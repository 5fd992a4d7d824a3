# Input tests: kernel/dev/kbd_decode.c (scancode set 1 decoder and US keymap)
# and kernel/dev/input.c (the keyboard/serial input queue), the latter also
# under a real second thread.
set(_dev_dir ${PROJECT_SOURCE_DIR}/kernel/dev)

kestrel_host_test(test_kbd
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kbd.c ${_dev_dir}/kbd_decode.c)

find_package(Threads REQUIRED)
kestrel_host_test(test_input
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_input.c ${_dev_dir}/input.c)
target_link_libraries(test_input PRIVATE Threads::Threads)
