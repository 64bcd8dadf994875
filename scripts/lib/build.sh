# shellcheck shell=bash
# Configures (when needed) and builds the project.
#
# Source it and call users_build, or run it directly from anywhere:
#   bash scripts/lib/build.sh
# USERS_BUILD_DIR picks the build directory (default: build, in the repo root).
# USERS_CMAKE_ARGS (words) are passed to every configure of that directory,
# e.g. -DUSERS_SANITIZE=ON; USERS_BUILD_TARGETS (words) builds only those
# targets instead of all.

USERS_ROOT=${USERS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
USERS_BUILD_DIR=${USERS_BUILD_DIR:-build}

# Prints the paths of the project's CMakeLists.txt files (ignored build
# trees left out).
_users_cmakelists() {
  if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard -- '*CMakeLists.txt' | sort -u
  else
    find . -name CMakeLists.txt -not -path './build*' -not -path './.*' | sort
  fi
}

users_build() {
  local dir=$USERS_BUILD_DIR
  (
    cd "$USERS_ROOT"
    local stamp="$dir/.users-cmakelists" lists
    local -a cmake_args targets=()
    read -r -a cmake_args <<<"${USERS_CMAKE_ARGS:-}"
    if [[ -n "${USERS_BUILD_TARGETS:-}" ]]; then
      read -r -a targets <<<"$USERS_BUILD_TARGETS"
      targets=(--target "${targets[@]}")
    fi
    lists=$(_users_cmakelists)
    # Configure when the tree has no generated build system yet, or when a
    # CMakeLists.txt appeared or went away (directories are added with
    # if(EXISTS ...), which CMake does not watch). Edits of existing
    # CMakeLists.txt files are noticed by `cmake --build` itself.
    if [[ ! -f "$dir/build.ninja" && ! -f "$dir/Makefile" ]]; then
      if [[ -f "$dir/CMakeCache.txt" ]]; then
        # A half-configured tree: keep the generator it was created with.
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}"
      else
        cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          "${cmake_args[@]}"
      fi
    elif [[ "$(cat "$stamp" 2>/dev/null)" != "$lists" ]]; then
      cmake -S . -B "$dir" "${cmake_args[@]}"
    fi
    printf '%s\n' "$lists" >"$stamp"
    cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
  )
}

# Run directly rather than sourced.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  users_build
fi
