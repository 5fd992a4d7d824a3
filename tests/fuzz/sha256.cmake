# Fuzzing the loader's SHA-256 (loader/sha256.c): any message, split into
# sha256_update calls at points taken from the input, must give the one-shot
# digest (see the top comment of fuzz_sha256.c). No seed: libFuzzer grows
# inputs past the 64-byte block size within a few thousand runs.
kestrel_fuzz_target(fuzz_sha256
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_sha256.c ${PROJECT_SOURCE_DIR}/loader/sha256.c)
