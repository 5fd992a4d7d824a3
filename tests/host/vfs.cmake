# The file system (kernel/fs/) on the host: path lookup, the file API, the
# in-memory file system and the initramfs unpacking, over fs_shim.c (kmalloc,
# pages and a clock, counted, able to fail) and a one-thread mutex
# (fake_sched/). Every test checks that memory returns to its start.
set(_kestrel_fs ${PROJECT_SOURCE_DIR}/kernel/fs)
kestrel_host_test(test_vfs
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vfs.c ${CMAKE_CURRENT_LIST_DIR}/fs_shim.c
          ${_kestrel_fs}/file.c ${_kestrel_fs}/initramfs.c ${_kestrel_fs}/namei.c
          ${_kestrel_fs}/ramfs.c ${_kestrel_fs}/synth.c ${_kestrel_fs}/vfs.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/cpio.c ${PROJECT_SOURCE_DIR}/kernel/lib/errno.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c)
target_include_directories(test_vfs BEFORE PRIVATE ${CMAKE_CURRENT_LIST_DIR}/fake_sched)

# The file system's flags, modes, d_type, whence, limits and device numbers
# against the build machine's Linux headers and C library (test_fs_abi.c).
kestrel_host_test(test_fs_abi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fs_abi.c ${CMAKE_CURRENT_LIST_DIR}/fs_abi_kernel.c)
