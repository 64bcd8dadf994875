# shellcheck shell=bash
# Private PostgreSQL 15 clusters for local runs and tests, started with
# Debian's initdb/pg_ctl (package postgresql-15), never touching the system's
# own clusters.
#
#   pg_start_persistent [DIR]  the cluster of scripts/run: DIR defaults to
#                              .data/pg in the repo; kept between runs, with a
#                              database named `users`.
#   pg_start_throwaway         a cluster in a fresh temporary directory (for
#                              scripts/test); pg_stop deletes it.
#   pg_stop                    stops the cluster started above (idempotent).
#
# After a start these are set:
#   PG_DIR        the cluster directory: data/ (PGDATA), log, the unix socket
#   PG_PORT       its TCP port on 127.0.0.1
#   PG_URL        postgresql://postgres@127.0.0.1:PORT/DB (trust auth)
#
# The server listens on 127.0.0.1 only and trusts local connections; fsync
# and the other durability settings stay at their defaults.
#
# initdb refuses to run as root. As root, the cluster directory is owned by
# the system user `postgres` and initdb/pg_ctl run through `runuser -u
# postgres --`; as anyone else they run as that user.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
USERS_ROOT=${USERS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

PG_DIR=""
PG_PORT=""
PG_URL=""
PG_THROWAWAY=0

# Runs a command as the cluster's owner, from / so that an unreadable current
# directory does not matter.
_pg_as_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Prints a TCP port on 127.0.0.1 that is free right now.
_pg_free_port() {
  /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Makes DIR (created if needed) belong to the cluster's owner, and checks that
# the owner can reach it (e.g. not under a 0700 /root).
_pg_own_dir() {
  local dir=$1
  mkdir -p "$dir"
  if ((EUID == 0)); then
    chown postgres:postgres "$dir"
    chmod 0700 "$dir"
  fi
  if ! _pg_as_owner test -w "$dir"; then
    echo "pg: user $(((EUID == 0)) && echo postgres || id -un) cannot write $dir" \
      "(a parent directory is not searchable?)" >&2
    return 1
  fi
}

# Creates the cluster in $1/data unless it exists.
_pg_init() {
  local dir=$1
  [[ -f "$dir/data/PG_VERSION" ]] && return 0
  if [[ ! -x "$PG_BIN/initdb" ]]; then
    echo "pg: $PG_BIN/initdb not found (install postgresql-15: scripts/lib/deps.sh)" >&2
    return 1
  fi
  _pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    return 1
  }
}

# Starts the cluster in $1 on a free port (or finds it already running) and
# sets PG_DIR and PG_PORT.
_pg_start() {
  local dir=$1 port attempt sockets
  PG_DIR=$dir
  # Already running (e.g. left over by an interrupted run): reuse it. Line 4
  # of postmaster.pid is the port.
  if _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    PG_PORT=$(sed -n 4p "$dir/data/postmaster.pid")
    return 0
  fi
  # Unix socket paths are limited to 107 bytes; without room, TCP only.
  sockets="'$dir'"
  if ((${#dir} > 90)); then
    echo "pg: $dir is too long for a unix socket; TCP only" >&2
    sockets="''"
  fi
  for attempt in 1 2 3 4 5; do
    # A kept cluster tries its previous port first, so its URL stays the same.
    if ((attempt == 1)) && [[ -s "$dir/port" ]]; then
      port=$(<"$dir/port")
    else
      port=$(_pg_free_port)
    fi
    if _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-p $port -k $sockets -c listen_addresses=127.0.0.1" start >/dev/null; then
      PG_PORT=$port
      echo "$port" >"$dir/port"
      return 0
    fi
    echo "pg: start on port $port failed (attempt $attempt), see $dir/log" >&2
  done
  tail -n 20 "$dir/log" >&2 || true
  return 1
}

# Runs psql against database $1 of the started cluster.
pg_psql() {
  local db=$1
  shift
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    "postgresql://postgres@127.0.0.1:$PG_PORT/$db" "$@"
}

pg_start_persistent() {
  local dir=${1:-$USERS_ROOT/.data/pg}
  PG_THROWAWAY=0
  _pg_own_dir "$dir"
  _pg_init "$dir"
  _pg_start "$dir"
  if [[ -z "$(pg_psql postgres -tAc "select 1 from pg_database where datname = 'users'")" ]]; then
    pg_psql postgres -c 'create database users'
  fi
  PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/users"
  echo "pg: cluster $dir on 127.0.0.1:$PG_PORT (log: $dir/log)" >&2
  echo "DATABASE_URL=$PG_URL" >&2
}

pg_start_throwaway() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/users-pg.XXXXXX")
  PG_THROWAWAY=1
  PG_DIR=$dir
  _pg_own_dir "$dir"
  _pg_init "$dir"
  _pg_start "$dir"
  PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "pg: throwaway cluster $dir on 127.0.0.1:$PG_PORT" >&2
  echo "DATABASE_URL=$PG_URL" >&2
}

pg_stop() {
  [[ -n "$PG_DIR" ]] || return 0
  if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null ||
      echo "pg: stopping $PG_DIR failed" >&2
  fi
  if ((PG_THROWAWAY)); then
    rm -rf "$PG_DIR"
    echo "pg: removed throwaway cluster $PG_DIR" >&2
  else
    echo "pg: stopped cluster $PG_DIR" >&2
  fi
  PG_DIR=""
  PG_PORT=""
  PG_URL=""
}
