# Console tests: kernel/console/ (PSF2 parsing, framebuffer backend, terminal)
# on the host, the font converter's self-test, and render_console, the tool
# the boot test uses to render the text it expects on screen.
include(${PROJECT_SOURCE_DIR}/cmake/Font.cmake) # defines `font` once; sets KESTREL_FONT_PSF2

set(_console_dir ${PROJECT_SOURCE_DIR}/kernel/console)
set(_console_sources ${_console_dir}/term.c ${_console_dir}/term_parse.c ${_console_dir}/fb.c
                     ${_console_dir}/psf.c)

kestrel_host_test(test_psf
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_psf.c ${_console_dir}/psf.c
  DEFINES KESTREL_TEST_FONT="${KESTREL_FONT_PSF2}")
add_dependencies(test_psf font)

kestrel_host_test(test_term
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_term.c ${_console_sources})

add_test(NAME host.mkfont
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/mkfont.py --self-test)
set_tests_properties(host.mkfont PROPERTIES LABELS host TIMEOUT 60)

# Not a test: tests/boot runs it as
#   render_console FONT.psf WIDTH HEIGHT PITCH rgbx|bgrx|R,G,B,X TEXTFILE OUT.ppm
add_executable(render_console ${CMAKE_CURRENT_LIST_DIR}/render_console.c ${_console_sources})
target_include_directories(render_console PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/kernel ${PROJECT_SOURCE_DIR})
target_compile_definitions(render_console PRIVATE KESTREL_HOST=1)
target_compile_options(render_console PRIVATE ${HOST_SANITIZE_FLAGS} -g -O1 -Wall -Wextra -Werror)
target_link_options(render_console PRIVATE ${HOST_SANITIZE_FLAGS})
add_dependencies(render_console font)

# A smoke test of the tool itself (its drawing is what test_term checks).
add_test(NAME host.render_console
  COMMAND render_console ${KESTREL_FONT_PSF2} 640 400 648 bgrx ${_console_dir}/term.h
          ${CMAKE_CURRENT_BINARY_DIR}/render_console_smoke.ppm)
set_tests_properties(host.render_console PROPERTIES LABELS host TIMEOUT 60)
