# The boot media, made without root:
#   build/esp/       the ESP tree: EFI/BOOT/BOOTX64.EFI (signed when a key is
#                    configured), EFI/BOOT/KERNEL.ELF (stripped) and
#                    EFI/BOOT/INITRD (the initramfs, cmake/Initramfs.cmake)
#   build/disk.img   a GPT disk with one EFI System Partition (FAT32, 64 MiB
#                    at 1 MiB) holding that tree; dd it to a USB stick.
# mtools writes the FAT file system into a partition image, sfdisk writes the
# partition table, dd splices the two.
set(ESP_DIR ${CMAKE_BINARY_DIR}/esp)
set(DISK_IMG ${CMAKE_BINARY_DIR}/disk.img)
add_custom_command(
  OUTPUT ${DISK_IMG}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ESP_DIR}/EFI/BOOT
  COMMAND ${CMAKE_COMMAND} -E copy ${KESTREL_LOADER_EFI} ${ESP_DIR}/EFI/BOOT/BOOTX64.EFI
  COMMAND ${CMAKE_COMMAND} -E copy ${KESTREL_KERNEL_ESP_ELF} ${ESP_DIR}/EFI/BOOT/KERNEL.ELF
  COMMAND ${CMAKE_COMMAND} -E copy ${KESTREL_INITRD} ${ESP_DIR}/EFI/BOOT/INITRD
  # The kernel embeds the Terminus font (SIL OFL 1.1), whose licence must
  # travel with every copy: ship Debian's font copyright file beside it.
  COMMAND ${GZIP} -dc ${KESTREL_FONT_COPYRIGHT} > ${ESP_DIR}/EFI/BOOT/FONTS.TXT
  COMMAND ${CMAKE_COMMAND} -E env MFORMAT=${MFORMAT} MMD=${MMD} MCOPY=${MCOPY} SFDISK=${SFDISK}
          sh ${PROJECT_SOURCE_DIR}/scripts/mkimage.sh ${ESP_DIR} ${DISK_IMG}
  DEPENDS loader kernel initramfs ${KESTREL_LOADER_EFI} ${KESTREL_KERNEL_ESP_ELF} ${KESTREL_INITRD}
          ${PROJECT_SOURCE_DIR}/scripts/mkimage.sh
  COMMENT "Building the ESP tree and disk.img")
add_custom_target(image ALL DEPENDS ${DISK_IMG})
