#!/bin/sh
# pg.sh: a throwaway PostgreSQL server for the federated tests, on loopback, in a directory.
#
#   sh tests/servers/pg.sh start DIR     initdb in DIR, start on a free port, write DIR/env
#   sh tests/servers/pg.sh restart DIR   stop (fast: clean) if running, start on the same port
#   sh tests/servers/pg.sh kill DIR      SIGKILL to the postmaster and all its children
#   sh tests/servers/pg.sh stop DIR      stop (immediate) and remove DIR
#
# DIR/env holds shell lines (values never need quoting):
#   SQLORM_PG_PORT=23456
#   SQLORM_PG_URL=postgresql://sqlorm@127.0.0.1:23456/sqlorm_test
#   SQLORM_PG_PASSFILE=DIR/pgpass      (a .pgpass file, 0600, holding the password sqlorm-pw)
#   SQLORM_PG_BIN=/usr/lib/postgresql/15/bin
#   SQLORM_PG_SOCKET=DIR               (the Unix socket's directory, trust authentication)
# The role sqlorm is the cluster's superuser (password sqlorm-pw); TCP connections, on
# 127.0.0.1 only, authenticate with scram-sha-256, so a wrong password really fails. fsync is
# off and max_prepared_transactions is 20 (two-phase commit). PostgreSQL refuses to run as
# root: run as root, the script gives DIR to nobody and runs the server through runuser (or
# setpriv). The port is random in 20000-40000, tried again elsewhere when taken. Another
# cluster on the machine (Debian's default one) is never touched. SQLORM_PG_BIN overrides the
# binaries' directory. Any failure prints why on stderr and exits non-zero.
set -u

BIN=${SQLORM_PG_BIN:-/usr/lib/postgresql/15/bin}
PASSWORD=sqlorm-pw
MARK=.sqlorm-pg          # what stop looks for before it removes a directory

die() { echo "pg.sh: $*" >&2; exit 1; }

usage() { echo "usage: sh pg.sh start|stop|restart|kill DIR" >&2; exit 2; }

# Runs a command as the server's user: nobody when we are root, ourselves otherwise. The
# working directory is DIR, which that user can enter (root's home may be closed to it).
as_server() {
  if [ "$(id -u)" -ne 0 ]; then
    (cd "$dir" && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd "$dir" && runuser -u nobody -- "$@")
  else
    (cd "$dir" && setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
       -- "$@")
  fi
}

# A random port in 20000-40000 that nothing listens on (checked in /proc/net when present).
pick_port() {
  while :; do
    n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    p=$((20000 + n % 20001))
    hex=$(printf '%04X' "$p")
    if [ -r /proc/net/tcp ] && awk -v h=":$hex" 'substr($2, length($2)-4)==h && $4=="0A" {f=1}
        END {exit !f}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      continue
    fi
    echo "$p"
    return
  done
}

# Starts the server of DIR on port $1: 0 when it runs, 1 when the port was taken, dies
# otherwise (with the server's log).
start_on() {
  echo "port = $1" > "$dir/data/port.conf" || die "cannot write $dir/data/port.conf"
  [ "$(id -u)" -ne 0 ] || chown nobody "$dir/data/port.conf"
  : > "$dir/log.start"
  [ "$(id -u)" -ne 0 ] || chown nobody "$dir/log.start"
  if as_server "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log.start" -w -t 60 start >/dev/null 2>&1
  then
    cat "$dir/log.start" >> "$dir/log"
    return 0
  fi
  cat "$dir/log.start" >> "$dir/log"
  if grep -q -e 'could not bind' -e 'already in use' "$dir/log.start"; then return 1; fi
  cat "$dir/log.start" >&2
  die "the server in $dir did not start on port $1 (log above)"
}

# Whether process $1 lives (a zombie does not: where nothing reaps the children of init, a
# killed server stays a zombie, and pg_ctl and the postmaster take it for a running one).
alive() {
  [ -d "/proc/$1" ] && [ "$(cut -d ' ' -f 3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

running() {
  [ -f "$dir/data/postmaster.pid" ] && alive "$(head -n 1 "$dir/data/postmaster.pid")"
}

cmd_start() {
  [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ] && [ -x "$BIN/psql" ] ||
    die "no PostgreSQL 15 binaries in $BIN (Debian: apt-get install postgresql)"
  mkdir -p "$dir" || die "cannot create $dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  : > "$dir/$MARK" || die "cannot write in $dir"
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown nobody "$dir" || die "cannot give $dir to nobody"
    as_server test -w "$dir" ||
      die "nobody cannot write in $dir (is a directory above it closed to other users?)"
  fi
  # The superuser is sqlorm, its password from a file (never on a command line).
  (umask 077 && printf '%s\n' "$PASSWORD" > "$dir/pwfile") || die "cannot write $dir/pwfile"
  [ "$(id -u)" -ne 0 ] || chown nobody "$dir/pwfile"
  if ! as_server "$BIN/initdb" -D "$dir/data" -U sqlorm --pwfile="$dir/pwfile" \
       --auth-host=scram-sha-256 --auth-local=trust --locale=C -E UTF8 -N \
       > "$dir/log" 2>&1; then
    cat "$dir/log" >&2
    die "initdb failed in $dir (log above)"
  fi
  rm -f "$dir/pwfile"
  cat > "$dir/data/pg_hba.conf" <<EOF
# sqlorm test server: the socket in DIR trusts, TCP on loopback needs the password.
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
EOF
  cat >> "$dir/data/postgresql.conf" <<EOF

# sqlorm test server
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_prepared_transactions = 20
max_connections = 40
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
include 'port.conf'
EOF
  [ "$(id -u)" -ne 0 ] || chown nobody "$dir/data/pg_hba.conf"
  i=0
  while :; do
    port=$(pick_port)
    start_on "$port" && break
    i=$((i + 1))
    [ "$i" -lt 8 ] || die "no free port found for the server in $dir after $i tries"
  done
  if ! "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U sqlorm -d postgres \
       -c "CREATE DATABASE sqlorm_test" > "$dir/log.psql" 2>&1; then
    cat "$dir/log.psql" >&2
    as_server "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
    die "cannot create the database sqlorm_test (psql's output above)"
  fi
  # The password file belongs to whoever runs the tests: libpq refuses one others can read.
  (umask 077 && printf '127.0.0.1:%s:*:sqlorm:%s\nlocalhost:%s:*:sqlorm:%s\n' \
     "$port" "$PASSWORD" "$port" "$PASSWORD" > "$dir/pgpass") || die "cannot write pgpass"
  cat > "$dir/env" <<EOF
SQLORM_PG_PORT=$port
SQLORM_PG_URL=postgresql://sqlorm@127.0.0.1:$port/sqlorm_test
SQLORM_PG_PASSFILE=$dir/pgpass
SQLORM_PG_BIN=$BIN
SQLORM_PG_SOCKET=$dir
EOF
}

cmd_restart() {
  [ -f "$dir/env" ] || die "no server was started in $dir"
  port=$(sed -n 's/^SQLORM_PG_PORT=//p' "$dir/env")
  # A clean stop: a crash's recovery would replay old PREPAREs, and fail when the restart
  # is to run with max_prepared_transactions = 0.
  if running; then
    as_server "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
      die "cannot stop the server in $dir"
  fi
  start_on "$port" || die "port $port, where the server of $dir ran, is taken now"
}

# The processes whose parent is $1 (from /proc: every server child makes itself a process
# group leader, so a group kill would miss them).
children() {
  for f in /proc/[0-9]*/stat; do
    read -r s < "$f" 2>/dev/null || continue
    rest=${s##*) }          # after "pid (comm) ", the name may hold blanks
    ppid=${rest#* }
    ppid=${ppid%% *}
    [ "$ppid" != "$1" ] || { f=${f%/stat}; echo "${f#/proc/}"; }
  done
}

# SIGKILL to the postmaster and its children at once (listed first: once the postmaster is
# gone they would belong to init), so nothing is left to restart or clean up.
cmd_kill() {
  [ -f "$dir/data/postmaster.pid" ] || die "no server runs in $dir"
  pid=$(head -n 1 "$dir/data/postmaster.pid")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || die "no server runs in $dir"
  pids="$pid $(children "$pid")"
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null
  for p in $pids; do
    i=0
    while alive "$p"; do
      i=$((i + 1))
      [ "$i" -lt 100 ] || die "process $p of the server in $dir is still alive after SIGKILL"
      sleep 0.05
    done
  done
  # All dead: their lock files would stop the next start when the pids linger as zombies.
  rm -f "$dir/data/postmaster.pid" "$dir"/.s.PGSQL.*.lock
}

cmd_stop() {
  [ -f "$dir/$MARK" ] || die "$dir was not made by pg.sh start: not removing it"
  if running; then
    as_server "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$dir" || die "cannot remove $dir"
}

[ $# -eq 2 ] || usage
case $2 in
  /*) dir=$2 ;;
  *) dir=$(pwd)/$2 ;;
esac
# Values in DIR/env are written unquoted, and the socket path has a length limit.
case $dir in *[!A-Za-z0-9_./-]*) die "DIR may hold only letters, digits and _ . / -: $dir" ;; esac
[ ${#dir} -le 80 ] || die "DIR is too long for a Unix socket path: $dir"
case $1 in
  start) cmd_start ;;
  restart) cmd_restart ;;
  kill) cmd_kill ;;
  stop) cmd_stop ;;
  *) usage ;;
esac
