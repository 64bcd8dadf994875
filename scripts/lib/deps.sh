# shellcheck shell=bash
# The Debian packages this project needs to build, run and test, and a
# function that installs whichever of them are missing.
#
# Source it and call users_install_deps, or run it directly:
#   bash scripts/lib/deps.sh          # install what is missing
#   bash scripts/lib/deps.sh --list   # print the list, one a line
#
# This array is the only list of packages in the project: add new ones here.
USERS_DEB_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # libFuzzer targets (scripts/fuzz): clang and its fuzzer/sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # scripts/lint: clang-format, clang-tidy, clang-apply-replacements
  clang-format-14 clang-tidy-14 clang-tools-14
  # gRPC and protobuf (C++ libraries, compilers, the shipped .proto files)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto golang-github-gogo-googleapis-dev
  # Abseil (find_package(absl)), named rather than left to libgrpc++-dev
  libabsl-dev
  # storage and crypto (libpq-dev: libpq, which libpqxx-dev brings today)
  libpqxx-dev libpq-dev libargon2-dev libssl-dev libcurl4-openssl-dev
  # Unicode normalisation and confusable checks of identifiers
  libicu-dev
  # Prometheus metrics (only its core library is linked)
  prometheus-cpp-dev
  # PostgreSQL server for local runs and tests
  postgresql-15 postgresql-common
  # C++ test and library headers
  libgtest-dev libgmock-dev libboost-dev nlohmann-json3-dev
  # end-to-end tests and tools (Python clients, curl, load generator)
  python3-grpcio python3-protobuf python3-requests python3-httpx curl wrk
  # deployment tests (YAML of the rendered manifests)
  python3-yaml
  # TLS tests make their certificates with the openssl tool
  openssl
)

# kubectl renders the Kubernetes manifests in tests. A kubectl already on the
# machine is used as it is; without one, Debian's kubernetes-client is the
# fallback.
USERS_KUBECTL_FALLBACK=kubernetes-client
# node runs the documents' fetch examples; Debian's nodejs when none is there.
USERS_NODE_FALLBACK=nodejs

# Prints the packages of USERS_DEB_PACKAGES that are not installed.
users_missing_packages() {
  local pkg status
  for pkg in "${USERS_DEB_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != ii* ]]; then
      printf '%s\n' "$pkg"
    fi
  done
  if ! command -v kubectl >/dev/null 2>&1; then
    printf '%s\n' "$USERS_KUBECTL_FALLBACK"
  fi
  if ! command -v node >/dev/null 2>&1; then
    printf '%s\n' "$USERS_NODE_FALLBACK"
  fi
}

# Installs the missing packages. As root: apt-get update (only when something
# is missing) and apt-get install. As anyone else: prints the command to run
# and returns 1.
users_install_deps() {
  local missing
  mapfile -t missing < <(users_missing_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  local cmd=(apt-get install -y "${missing[@]}")
  if ((EUID != 0)); then
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: as root, run:" >&2
    echo "apt-get update && DEBIAN_FRONTEND=noninteractive ${cmd[*]}" >&2
    return 1
  fi
  echo "deps: installing ${missing[*]}" >&2
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${cmd[@]}"
}

# Run directly rather than sourced.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  if [[ "${1:-}" == "--list" ]]; then
    printf '%s\n' "${USERS_DEB_PACKAGES[@]}"
  else
    users_install_deps
  fi
fi
