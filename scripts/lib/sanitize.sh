# shellcheck shell=bash
# The runtime options of the sanitized builds (scripts/test --sanitize,
# scripts/fuzz): the first memory error or undefined behaviour aborts the
# process, and LeakSanitizer reports leaks at exit except the ones
# tests/sanitizer/lsan.supp names (each with its reason).
#
# Source it and call users_sanitizer_env.

USERS_ROOT=${USERS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

users_sanitizer_env() {
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
  export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
  export LSAN_OPTIONS="suppressions=$USERS_ROOT/tests/sanitizer/lsan.supp:print_suppressions=0"
}
