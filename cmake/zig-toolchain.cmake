# Cross-compiling toolchain: `zig cc` for any target from this machine.
# scripts/prebuild.mjs passes
#   -DCMAKE_TOOLCHAIN_FILE=cmake/zig-toolchain.cmake
#   -DEVLOOP_ZIG=<path to the zig binary> -DEVLOOP_ZIG_TARGET=<zig triple>
# e.g. x86_64-linux-gnu.2.17 (glibc symbols no newer than 2.17) or
# aarch64-macos.11.0 (minimum macOS 11). The sources and flags are the
# native build's: only the compiler changes.
if(NOT EVLOOP_ZIG OR NOT EVLOOP_ZIG_TARGET)
  message(FATAL_ERROR "zig-toolchain.cmake needs -DEVLOOP_ZIG and -DEVLOOP_ZIG_TARGET")
endif()
# try_compile (check_symbol_exists) runs in a fresh project that reads this
# file again: hand it the two settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES EVLOOP_ZIG EVLOOP_ZIG_TARGET)

if(EVLOOP_ZIG_TARGET MATCHES "macos")
  set(CMAKE_SYSTEM_NAME Darwin)
  # Read after CMake's Darwin platform file, which leaves the rpath flag
  # unset off a Mac (it asks the host's sw_vers for the release).
  set(CMAKE_USER_MAKE_RULES_OVERRIDE "${CMAKE_CURRENT_LIST_DIR}/zig-darwin-rules.cmake")
else()
  set(CMAKE_SYSTEM_NAME Linux)
endif()
string(REGEX MATCH "^[^-]+" CMAKE_SYSTEM_PROCESSOR "${EVLOOP_ZIG_TARGET}")

# CMake wants one executable per tool: small wrappers, made in the build dir.
set(_wrappers "${CMAKE_BINARY_DIR}/zig-wrappers")
if(CMAKE_BINARY_DIR MATCHES "CMakeFiles/CMakeScratch|CMakeFiles/CMakeTmp")
  # Inside try_compile: the parent build made the wrappers already.
  string(REGEX REPLACE "/CMakeFiles/.*" "/zig-wrappers" _wrappers "${CMAKE_BINARY_DIR}")
endif()
foreach(_tool cc ar ranlib)
  set(_args "${_tool}")
  if(_tool STREQUAL "cc")
    set(_args "cc -target ${EVLOOP_ZIG_TARGET}")
  endif()
  if(NOT EXISTS "${_wrappers}/${_tool}")
    file(WRITE "${_wrappers}/${_tool}.tmp"
      "#!/bin/sh\nexec \"${EVLOOP_ZIG}\" ${_args} \"$@\"\n")
    file(CHMOD "${_wrappers}/${_tool}.tmp" PERMISSIONS
      OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
      WORLD_READ WORLD_EXECUTE)
    file(RENAME "${_wrappers}/${_tool}.tmp" "${_wrappers}/${_tool}")
  endif()
endforeach()
set(CMAKE_C_COMPILER "${_wrappers}/cc")
set(CMAKE_AR "${_wrappers}/ar" CACHE FILEPATH "zig ar")
set(CMAKE_RANLIB "${_wrappers}/ranlib" CACHE FILEPATH "zig ranlib")

# Nothing of this machine's own headers or libraries may leak in.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
