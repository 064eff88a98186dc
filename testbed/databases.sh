#!/usr/bin/env bash
# The testbed's CDC databases: PostgreSQL 15 and MariaDB 10.11 from Debian, as local processes on
# uncommon loopback ports (the pods share the host network namespace, so they reach 127.0.0.1).
#   install | up | down | clean | env
# The Debian packages' own service starts are denied (policy-rc.d); nothing here touches the system
# instances. Data lives under $db_root: the server users (postgres, mysql) cannot enter /root, where
# the rest of the project cache usually is.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
db_root=${RIVVEN_TESTBED_DB_DIR:-/var/tmp/rivven-render-testbed-db}
pg_port=${RIVVEN_TESTBED_PG_PORT:-15432}
mariadb_port=${RIVVEN_TESTBED_MARIADB_PORT:-13306}
pg_bin=/usr/lib/postgresql/15/bin
mariadbd=/usr/sbin/mariadbd
mariadb_bin=/usr/bin

log() { printf '[db] %s\n' "$*" >&2; }
die() { printf '[db] error: %s\n' "$*" >&2; exit 1; }
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN{printf "%.1fs", b-a}'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_install() { # only what is missing: a warm machine never touches apt
  local missing=()
  [ -x "$pg_bin/postgres" ] || missing+=(postgresql-15)
  [ -x "$mariadbd" ] || missing+=(mariadb-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  local t; t=$(now_s)
  log "installing ${missing[*]} from Debian (cold: about a minute)"
  # Deny the packages' service starts for the duration of the install only: a policy already in
  # place is moved aside and put back, whatever ends the install.
  # (A global, not a local: the EXIT trap runs after this function has returned, under `set -u`.)
  policy_rc=/usr/sbin/policy-rc.d
  [ -e "$policy_rc" ] && mv "$policy_rc" "$policy_rc.rivven-render-saved"
  restore_policy() { rm -f "$policy_rc"; if [ -e "$policy_rc.rivven-render-saved" ]; then mv "$policy_rc.rivven-render-saved" "$policy_rc"; fi; }
  trap restore_policy EXIT INT TERM
  printf '#!/bin/sh\nexit 101\n' >"$policy_rc" && chmod +x "$policy_rc"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 ||
    die "apt-get install ${missing[*]} failed"
  restore_policy
  trap - EXIT INT TERM
  log "databases installed in $(elapsed "$t")"
}

pg_running() { "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; }
mariadb_running() { "$mariadb_bin/mariadb-admin" --protocol=tcp -h 127.0.0.1 -P "$mariadb_port" -u root status >/dev/null 2>&1; }

start_postgres() {
  local dir=$db_root/postgres
  pg_running && return 0
  port_busy "$pg_port" && die "port 127.0.0.1:$pg_port is in use by a process the testbed did not start"
  if [ ! -f "$dir/PG_VERSION" ]; then
    rm -rf "$dir" && mkdir -p "$dir" && chown postgres: "$dir" && chmod 700 "$dir"
    runuser -u postgres -- "$pg_bin/initdb" -D "$dir" -U postgres --auth=trust >"$db_root/postgres-initdb.log" 2>&1 ||
      { cat "$db_root/postgres-initdb.log" >&2; die "initdb failed"; }
  fi
  # The admin connects without a password; every other role must give its own, so that the tests
  # prove the passwords they hand over through Secrets.
  cat >"$dir/pg_hba.conf" <<EOF
local all all trust
host all postgres 127.0.0.1/32 trust
host replication postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
EOF
  touch "$db_root/postgres.log" && chown postgres: "$db_root/postgres.log"
  # Logical replication for postgres-cdc; the socket stays in the data directory, off the system's.
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir" -l "$db_root/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$dir -c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20 -c fsync=off" \
    start >/dev/null || { tail -20 "$db_root/postgres.log" >&2; die "PostgreSQL did not start"; }
}

start_mariadb() {
  local dir=$db_root/mariadb cnf=$db_root/mariadb.cnf i
  mariadb_running && return 0
  port_busy "$mariadb_port" && die "port 127.0.0.1:$mariadb_port is in use by a process the testbed did not start"
  cat >"$cnf" <<EOF
[mariadbd]
datadir=$dir
socket=$dir/mariadb.sock
pid-file=$dir/mariadb.pid
log-error=$db_root/mariadb.log
bind-address=127.0.0.1
port=$mariadb_port
server_id=1
log_bin=$dir/binlog
binlog_format=ROW
binlog_row_image=FULL
skip-name-resolve
innodb_flush_log_at_trx_commit=0
EOF
  if [ ! -d "$dir/mysql" ]; then
    rm -rf "$dir" && mkdir -p "$dir" && chown mysql: "$dir"
    "$mariadb_bin/mariadb-install-db" --defaults-file="$cnf" --user=mysql --auth-root-authentication-method=normal \
      >"$db_root/mariadb-install.log" 2>&1 || { cat "$db_root/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
  fi
  touch "$db_root/mariadb.log" && chown mysql: "$db_root/mariadb.log"
  nohup setsid "$mariadbd" --defaults-file="$cnf" --user=mysql >/dev/null 2>&1 </dev/null &
  local pid=$!
  for ((i = 0; i < 600; i++)); do
    mariadb_running && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$db_root/mariadb.log" >&2
  die "MariaDB did not start (log: $db_root/mariadb.log)"
}

cmd_up() {
  local t; t=$(now_s)
  [ -x "$pg_bin/postgres" ] && [ -x "$mariadbd" ] ||
    die "PostgreSQL 15 or MariaDB missing: run 'testbed/tb build' first"
  mkdir -p "$db_root" && chmod 755 "$db_root"
  start_postgres
  start_mariadb
  log "databases up in $(elapsed "$t") (PostgreSQL 127.0.0.1:$pg_port, MariaDB 127.0.0.1:$mariadb_port)"
}

cmd_down() {
  if [ -f "$db_root/postgres/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$db_root/postgres" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$db_root/mariadb/mariadb.pid" ]; then
    local pid i; pid=$(cat "$db_root/mariadb/mariadb.pid")
    # Only our server: a stale pid file (the data survives reboots in /var/tmp) may name another process.
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ] && grep -qs "$db_root/mariadb.cnf" "/proc/$pid/cmdline"; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
}

cmd_env() {
  echo "export RIVVEN_TESTBED_PG_PORT=$pg_port"
  echo "export RIVVEN_TESTBED_MARIADB_PORT=$mariadb_port"
  echo "export RIVVEN_TESTBED_DB_DIR=$db_root"
}

case "${1:-}" in
install) cmd_install ;;
up) cmd_up ;;
down) cmd_down ;;
clean) cmd_down; rm -rf "$db_root" ;;
env) cmd_env ;;
*) sed -n '2,4p' "$0" >&2; exit 2 ;;
esac
