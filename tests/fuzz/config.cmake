# Fuzzing the loader's configuration parser (loader/config.c): any bytes
# must give a usable, deterministic configuration (see the top comment of
# fuzz_config.c). The seeds are KESTREL.CFG text: config-small.cfg is two good
# lines; config-full.cfg has every key, a comment, a blank line, CRLF line
# ends on some lines, an unknown key, a bad resolution and a 140-byte path.
kestrel_fuzz_target(fuzz_config
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_config.c ${PROJECT_SOURCE_DIR}/loader/config.c
  SEEDS ${CMAKE_CURRENT_LIST_DIR}/seeds/config-full.cfg
        ${CMAKE_CURRENT_LIST_DIR}/seeds/config-small.cfg)
