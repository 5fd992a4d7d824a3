# The loader's SHA-256 (loader/sha256.c): FIPS 180-4 example vectors, the
# padding boundaries, and the same digest for every split into updates.
kestrel_host_test(test_sha256
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sha256.c ${PROJECT_SOURCE_DIR}/loader/sha256.c)
