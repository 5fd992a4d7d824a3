# The initramfs (docs/initramfs.md): one cpio "newc" archive, written by
# scripts/mkinitramfs.py, shipped on the ESP as \EFI\BOOT\INITRD.
#
# It holds the static busybox of Debian's busybox-static with a symlink per
# applet, the skeleton tree of scripts/initramfs/ (/init and /etc), the
# standard directories and device-node placeholders, and any extra files:
#
#   kestrel_initramfs_add(<src> <dest> [DEPENDS <target>...])
#       add the file <src> (a path or a generator expression such as
#       $<TARGET_FILE:hello>) as <dest> inside the archive; DEPENDS names the
#       targets that make it. Call it before kestrel_initramfs_rule() runs
#       (from the top-level CMakeLists.txt, before add_subdirectory(loader)).
#   -DKESTREL_INITRAMFS_EXTRA="a.out=/bin/a;b.txt=/etc/b"
#       the same from the command line.
#
# The loader carries the archive's SHA-256 (loader/CMakeLists.txt), so the
# archive is made before the loader is linked.
set(KESTREL_BUSYBOX /bin/busybox CACHE FILEPATH
    "statically linked busybox for the initramfs (Debian package busybox-static)")
set(KESTREL_BUSYBOX_COPYRIGHT /usr/share/doc/busybox-static/copyright CACHE FILEPATH
    "busybox's copyright and licence, copied into the initramfs beside it")
set(KESTREL_INITRAMFS_EXTRA "" CACHE STRING
    "extra files for the initramfs, a list of SRC=DEST (DEST: a path inside the archive)")
if(NOT EXISTS ${KESTREL_BUSYBOX})
  message(FATAL_ERROR "${KESTREL_BUSYBOX} not found: the initramfs needs a static busybox; "
                      "install the Debian package 'busybox-static' (scripts/deps does it "
                      "for you)")
endif()

function(kestrel_initramfs_add src dest)
  cmake_parse_arguments(A "" "" "DEPENDS" ${ARGN})
  set_property(GLOBAL APPEND PROPERTY KESTREL_INITRAMFS_FILES "${src}=${dest}")
  set_property(GLOBAL APPEND PROPERTY KESTREL_INITRAMFS_DEPENDS ${A_DEPENDS})
endfunction()

if(EXISTS ${KESTREL_BUSYBOX_COPYRIGHT})
  kestrel_initramfs_add(${KESTREL_BUSYBOX_COPYRIGHT} /usr/share/doc/busybox/copyright)
endif()

# Defines the rule for ${KESTREL_INITRD} and the target `initramfs`, from
# every file added so far.
function(kestrel_initramfs_rule)
  get_property(files GLOBAL PROPERTY KESTREL_INITRAMFS_FILES)
  get_property(deps GLOBAL PROPERTY KESTREL_INITRAMFS_DEPENDS)
  list(APPEND files ${KESTREL_INITRAMFS_EXTRA})
  set(args)
  set(file_deps)
  foreach(f IN LISTS files)
    list(APPEND args --file ${f})
    string(REGEX REPLACE "=[^=]*$" "" src "${f}")
    list(APPEND file_deps ${src})
  endforeach()
  set(skeleton ${PROJECT_SOURCE_DIR}/scripts/initramfs)
  file(GLOB_RECURSE skeleton_files CONFIGURE_DEPENDS ${skeleton}/*)
  add_custom_command(
    OUTPUT ${KESTREL_INITRD}
    COMMAND ${Python3_EXECUTABLE} -B ${PROJECT_SOURCE_DIR}/scripts/mkinitramfs.py
            --out ${KESTREL_INITRD} --busybox ${KESTREL_BUSYBOX} --skeleton ${skeleton} ${args}
    DEPENDS ${PROJECT_SOURCE_DIR}/scripts/mkinitramfs.py ${KESTREL_BUSYBOX} ${skeleton_files}
            ${file_deps} ${deps}
    COMMENT "Building the initramfs (busybox, scripts/initramfs/, extra files)")
  add_custom_target(initramfs ALL DEPENDS ${KESTREL_INITRD})
endfunction()

set(KESTREL_INITRD ${CMAKE_BINARY_DIR}/initrd.cpio)
