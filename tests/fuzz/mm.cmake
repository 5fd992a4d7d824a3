# Fuzzing physical memory (issue 4): a memory map sanitized by
# kernel/mm/memmap.c, then the page-frame allocator (kernel/mm/pmm.c) running
# a program of operations over 64 MiB of fake RAM against a reference model.
# The seed is an OVMF-like map plus a few hundred operations (see the top
# comment of fuzz_mm.c).
kestrel_fuzz_target(fuzz_mm
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mm.c ${PROJECT_SOURCE_DIR}/kernel/mm/memmap.c
          ${PROJECT_SOURCE_DIR}/kernel/mm/pmm.c
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/mm-ovmf.bin)
# pmm.c takes memset from the host libc here, not from kernel/lib.
target_compile_definitions(fuzz_mm PRIVATE KESTREL_HOST=1)
