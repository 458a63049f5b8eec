# The guest toolchain: clang targeting wasm32-wasi with Debian's wasi-libc.
# Sets VFS_GUEST_OK (TRUE when a probe program builds), VFS_GUEST_WHY (why
# not), VFS_GUEST_CLANG and VFS_GUEST_FLAGS in the including directory's
# scope. Used by demo/ and tests/guest/.
set(VFS_GUEST_SYSROOT /usr CACHE PATH "wasi-libc sysroot for the guest programs")
find_program(VFS_GUEST_CLANG NAMES clang clang-14 clang-15 clang-16
             DOC "clang that targets wasm32-wasi")

set(VFS_GUEST_FLAGS --target=wasm32-wasi --sysroot=${VFS_GUEST_SYSROOT} -O1
    -Wall -Wextra)
if(VFS_WERROR)
  list(APPEND VFS_GUEST_FLAGS -Werror)
endif()

# Probe: headers and libc present, and a program compiles and links.
set(VFS_GUEST_OK FALSE)
set(VFS_GUEST_WHY "clang not found")
if(VFS_GUEST_CLANG)
  set(VFS_GUEST_WHY "wasi-libc not found under ${VFS_GUEST_SYSROOT}")
  if(EXISTS ${VFS_GUEST_SYSROOT}/include/wasm32-wasi/stdio.h AND
     EXISTS ${VFS_GUEST_SYSROOT}/lib/wasm32-wasi/libc.a)
    set(_probe_dir ${CMAKE_BINARY_DIR}/guest-probe)
    file(MAKE_DIRECTORY ${_probe_dir})
    file(WRITE ${_probe_dir}/probe.c
         "#include <stdio.h>\n#include <wasi/api.h>\n"
         "int main(void) { puts(\"probe\"); return 0; }\n")
    execute_process(
      COMMAND ${VFS_GUEST_CLANG} ${VFS_GUEST_FLAGS} probe.c -o probe.wasm
      WORKING_DIRECTORY ${_probe_dir}
      RESULT_VARIABLE _probe_rc OUTPUT_VARIABLE _probe_out
      ERROR_VARIABLE _probe_out)
    if(_probe_rc EQUAL 0)
      set(VFS_GUEST_OK TRUE)
    else()
      set(VFS_GUEST_WHY "${VFS_GUEST_CLANG} cannot build for wasm32-wasi: ${_probe_out}")
    endif()
  endif()
endif()

