# shellcheck shell=bash
# Configures (when needed) and builds the project.
#
# Source it and call users_build, or run it directly from anywhere:
#   bash scripts/lib/build.sh
# USERS_BUILD_DIR picks the build directory (default: build, in the repo root).

USERS_ROOT=${USERS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
USERS_BUILD_DIR=${USERS_BUILD_DIR:-build}

users_build() {
  local dir=$USERS_BUILD_DIR
  (
    cd "$USERS_ROOT"
    # Configure only when the build tree has no generated build system yet.
    # Once configured, `cmake --build` re-runs CMake by itself whenever a
    # CMakeLists.txt changes.
    if [[ ! -f "$dir/build.ninja" && ! -f "$dir/Makefile" ]]; then
      if [[ -f "$dir/CMakeCache.txt" ]]; then
        # A half-configured tree: keep the generator it was created with.
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
      else
        cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
      fi
    fi
    cmake --build "$dir" -j"$(nproc)"
  )
}

# Run directly rather than sourced.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  users_build
fi
