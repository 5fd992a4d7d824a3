# /proc's text (kernel/proc/procfs_fmt.c) and the load average's arithmetic
# (kernel/sched/loadavg.c): parsed back the way busybox's ps, top, free and
# uptime parse them, and compared with Linux's layouts.
kestrel_host_test(test_procfs_fmt
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_procfs_fmt.c
          ${PROJECT_SOURCE_DIR}/kernel/proc/procfs_fmt.c
          ${PROJECT_SOURCE_DIR}/kernel/sched/loadavg.c
          ${PROJECT_SOURCE_DIR}/kernel/lib/vsnprintf.c)
