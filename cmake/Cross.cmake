# Per-target flags for the two cross-compiled programs.
#
# Kernel: freestanding, no red zone (interrupts would clobber it), no SSE/x87
# (we do not save those registers on interrupts), code model "kernel" (linked in
# the top 2 GiB, so 32-bit sign-extended absolute addresses work).
set(KERNEL_C_FLAGS
  --target=x86_64-unknown-none-elf
  -ffreestanding -fno-builtin -nostdinc
  -mno-red-zone -mgeneral-regs-only -mcmodel=kernel
  -fno-pic -fno-pie -fno-omit-frame-pointer
  # Stack canaries with one global guard (there is no TLS to hold a per-thread
  # one yet); core/canary.c seeds it from RDRAND before kmain.
  -fstack-protector-strong -mstack-protector-guard=global
  -fno-asynchronous-unwind-tables -fno-common
  -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -O2 -g)
# clang's own freestanding headers (stdint.h, stdarg.h, stddef.h, stdbool.h),
# passed as a flag: CMake drops it from include directories because it is
# one of the compiler's implicit ones, which -nostdinc has switched off.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-resource-dir
  OUTPUT_VARIABLE CLANG_RESOURCE_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
list(APPEND KERNEL_C_FLAGS -isystem ${CLANG_RESOURCE_DIR}/include)

# Loader: what gnu-efi expects. -fpic because the PE image is relocated by the
# firmware; -fshort-wchar because CHAR16 strings are UTF-16; GNU_EFI_USE_MS_ABI
# so EFIAPI function pointers are called with the Microsoft x64 convention
# directly (no uefi_call_wrapper thunks).
set(LOADER_C_FLAGS
  --target=x86_64-unknown-none-elf
  -ffreestanding -fno-builtin -fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only
  -fno-stack-protector -fno-strict-aliasing -fno-asynchronous-unwind-tables
  -DGNU_EFI_USE_MS_ABI -DEFI_FUNCTION_WRAPPER
  -Wall -Wextra -Werror -Wno-unused-parameter
  -O2 -g)

# Host code (tests, fuzzers, tools) runs under the sanitizers.
set(HOST_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
