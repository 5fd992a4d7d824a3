# The system-call names and structure layouts against Linux's headers.
kestrel_host_test(test_syscall_abi
  SOURCES ${PROJECT_SOURCE_DIR}/tests/host/test_syscall_abi.c
          ${PROJECT_SOURCE_DIR}/kernel/proc/syscall_names.c)
