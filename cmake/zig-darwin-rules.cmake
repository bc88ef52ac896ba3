# Cross builds for macOS (zig-toolchain.cmake): CMake's Darwin platform file
# sets the rpath flag only when the host's sw_vers reports macOS >= 10.5, so
# off a Mac it stays unset and an @rpath install name is refused. Every
# macOS evloop supports (11+) has it.
set(CMAKE_SHARED_LIBRARY_RUNTIME_C_FLAG "-Wl,-rpath,")
