# The console font, converted at build time: scripts/mkfont.py turns
# ${KESTREL_FONT} (a PSF1/PSF2 font, by default Terminus 8x16 from
# console-setup-linux, SIL Open Font License 1.1) into the 256-glyph Latin-1
# PSF2 file that kernel/console/font_blob.S embeds and the host tests read.
#
# Sets KESTREL_FONT_PSF2 (the output path) in the including scope and defines
# the custom target `font`. Any directory may include this file; the command
# and the target are defined once (a custom command's output belongs to one
# directory), and the variable is set every time. A target in another
# directory that uses the file must add_dependencies(<target> font), and, if
# it embeds the file, list it in the OBJECT_DEPENDS of the embedding source.
set(KESTREL_FONT_PSF2 ${CMAKE_BINARY_DIR}/font/console.psf)

get_property(_kestrel_font_defined GLOBAL PROPERTY KESTREL_FONT_DEFINED)
if(NOT _kestrel_font_defined)
  set_property(GLOBAL PROPERTY KESTREL_FONT_DEFINED TRUE)
  add_custom_command(
    OUTPUT ${KESTREL_FONT_PSF2}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/mkfont.py
            ${KESTREL_FONT} ${KESTREL_FONT_PSF2}
    DEPENDS ${PROJECT_SOURCE_DIR}/scripts/mkfont.py ${KESTREL_FONT}
    COMMENT "Converting console font ${KESTREL_FONT} to PSF2"
    VERBATIM)
  add_custom_target(font DEPENDS ${KESTREL_FONT_PSF2})
endif()
unset(_kestrel_font_defined)
