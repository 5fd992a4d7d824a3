# Fuzzing the kernel heap (issue 4): kernel/mm/heap.c running a program of
# kmalloc/kfree/kcalloc/krealloc/aligned operations against a model (see the
# top comment of fuzz_heap.c). The seed, seeds/heap-ops.bin (1379 bytes), is
# a budget byte of 0 and 400 operations made by this Python:
#   import random; r = random.Random(4); out = bytearray([0])
#   for _ in range(400):
#       k = r.random(); s = r.randrange(64)
#       if k < .40: out += bytes([r.choice([0,1,2]) | (0x80 if r.random() < .1 else 0), s]) \
#                   + r.randrange(1 << r.choice([4,6,8,11,12,14])).to_bytes(2, 'little')
#       elif k < .48: out += bytes([3, s]) + r.randrange(6000).to_bytes(2, 'little') \
#                     + bytes([r.randrange(14)])
#       elif k < .53: out += bytes([4, s, r.choice([0,1,7,40,255]), r.choice([0,1,3,200,255])])
#       elif k < .63: out += bytes([5 | (0x80 if r.random() < .1 else 0), s]) \
#                     + r.randrange(1 << r.choice([4,8,12,14])).to_bytes(2, 'little')
#       elif k < .93: out += bytes([6, s])
#       else: out += bytes([7 | (0x80 if r.random() < .3 else 0), s, r.randrange(256)])
#   open('heap-ops.bin', 'wb').write(out)
kestrel_fuzz_target(fuzz_heap
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_heap.c ${PROJECT_SOURCE_DIR}/kernel/mm/heap.c
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/heap-ops.bin)
# heap.c builds without its kernel page source here.
target_compile_definitions(fuzz_heap PRIVATE KESTREL_HOST=1)
