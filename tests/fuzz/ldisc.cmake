# The line discipline, driven by arbitrary keys, settings and reads.
kestrel_fuzz_target(fuzz_ldisc SOURCES fuzz_ldisc.c ${PROJECT_SOURCE_DIR}/kernel/tty/ldisc.c)
