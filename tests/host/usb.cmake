# USB tests: the pure halves of the xHCI and USB keyboard drivers
# (kernel/usb/hid_kbd.c report diffing and key repeat, xhci_ring.c ring
# index and cycle arithmetic, usb_desc.c configuration parsing), with the
# PS/2 keymap (kernel/dev/kbd_decode.c) the keyboard shares.
set(_usb_dir ${PROJECT_SOURCE_DIR}/kernel/usb)

kestrel_host_test(test_usb
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_usb.c ${_usb_dir}/hid_kbd.c ${_usb_dir}/xhci_ring.c
          ${_usb_dir}/usb_desc.c ${PROJECT_SOURCE_DIR}/kernel/dev/kbd_decode.c)
