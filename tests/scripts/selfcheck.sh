#!/usr/bin/env bash
# Usage: selfcheck.sh REPO_ROOT
set -euo pipefail
root=${1:?usage: selfcheck.sh REPO_ROOT}
cd "$root"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Every script parses.
for f in scripts/run scripts/test scripts/bench scripts/fuzz .ci/run \
  scripts/lib/*.sh tests/scripts/*.sh; do
  bash -n "$f" || fail "$f does not parse"
done
for f in scripts/run scripts/test scripts/bench scripts/fuzz .ci/run \
  tests/tools/grpc_reflect.py tests/bench/run_bench.py; do
  [[ -x "$f" ]] || fail "$f is not executable"
done
echo "ok: scripts parse and the entry points are executable"

# The package list: non-empty, valid Debian names, no duplicates.
source scripts/lib/deps.sh
((${#USERS_DEB_PACKAGES[@]} > 0)) || fail "empty package list"
for p in "${USERS_DEB_PACKAGES[@]}"; do
  [[ "$p" =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || fail "bad package name '$p'"
done
dups=$(printf '%s\n' "${USERS_DEB_PACKAGES[@]}" | sort | uniq -d)
[[ -z "$dups" ]] || fail "duplicate packages: $dups"
missing=$(users_missing_packages | tr '\n' ' ')
[[ -z "$missing" ]] || echo "note: not installed: $missing(scripts/lib/deps.sh installs them)"
[[ "$(bash scripts/lib/deps.sh --list | wc -l)" == "${#USERS_DEB_PACKAGES[@]}" ]] ||
  fail "deps.sh --list disagrees with the array"
echo "ok: ${#USERS_DEB_PACKAGES[@]} packages listed"

# A throwaway cluster starts, answers a query, and is gone after pg_stop.
source scripts/lib/pg.sh
trap pg_stop EXIT
pg_start_throwaway
dir=$PG_DIR
answer=$(pg_psql postgres -tAc 'select 1')
[[ "$answer" == 1 ]] || fail "select 1 answered '$answer'"
[[ "$(pg_psql postgres -tAc "show listen_addresses")" == 127.0.0.1 ]] ||
  fail "cluster listens beyond 127.0.0.1"
pg_stop
[[ ! -e "$dir" ]] || fail "throwaway cluster $dir left behind"
echo "ok: throwaway cluster answered and was removed"

# The reflection client loads under Debian's Python (no server needed).
/usr/bin/python3 tests/tools/grpc_reflect.py --help >/dev/null ||
  fail "grpc_reflect.py --help"
echo "ok: grpc_reflect.py starts"

# scripts/bench --help answers without building or starting anything, and
# lists the options its header promises.
help=$(bash scripts/bench --help) || fail "scripts/bench --help"
for option in --duration --concurrency --rounds --smoke --users; do
  [[ "$help" == *"$option"* ]] || fail "scripts/bench --help lacks $option"
done
echo "ok: scripts/bench --help lists its options"
