# The kernel heap (issue 4): slab caches and large allocations over a page
# source of posix_memalign'd blocks, against a reference model; every debug
# check must reach the panic hook.
kestrel_host_test(test_heap
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_heap.c ${PROJECT_SOURCE_DIR}/kernel/mm/heap.c)
