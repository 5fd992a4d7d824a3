# Physical memory (issue 4): the memory-map sanitizer against an oracle, and
# the page-frame allocator over a fake RAM (a lazily backed mmap) against a
# reference model; test_pmm also covers the naive benchmark baseline.
kestrel_host_test(test_memmap
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_memmap.c ${PROJECT_SOURCE_DIR}/kernel/mm/memmap.c)
kestrel_host_test(test_pmm
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pmm.c ${PROJECT_SOURCE_DIR}/kernel/mm/pmm.c
          ${PROJECT_SOURCE_DIR}/kernel/mm/pmm_naive.c ${PROJECT_SOURCE_DIR}/kernel/mm/memmap.c)
