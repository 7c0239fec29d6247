#!/bin/sh
# mariadb.sh: a throwaway MariaDB server for the tests, on loopback, in a directory of its own.
#   sh tests/servers/mariadb.sh start DIR    -- DIR is created (or must be empty)
#   . DIR/env                                -- SQLORM_MYSQL_PORT, _URL, _CNF, _SOCKET
#   sh tests/servers/mariadb.sh restart DIR  -- stops it and starts it again on the same port
#   sh tests/servers/mariadb.sh kill DIR     -- SIGKILL, as a crash would; DIR stays
#   sh tests/servers/mariadb.sh stop DIR     -- kills it and removes DIR (nothing is kept)
# The server listens on 127.0.0.1 only, on a free port tried at random in 20000-40000, with
# its socket, data and log in DIR. It reads no option file (--no-defaults everywhere), so the
# system's own MariaDB is never touched. The user sqlorm (password sqlorm-pw, every privilege)
# logs in from 127.0.0.1 or the socket; DIR/client.cnf (mode 0600) holds that password for
# libmariadb's read_default_file. Small buffers: the machine is shared. The server's own
# time zone is UTC+05:30 (TZ), so that a client which leaves its session's zone alone reads
# local times; commits reach the OS at once (a SIGKILL loses nothing) and the disk lazily.
# Needs mariadb-server (Debian 12: /usr/sbin/mariadbd, mariadb-install-db). Fails loudly.
set -eu

cmd=${1:-}
dir=${2:-}
die(){ echo "mariadb.sh: $*" >&2; exit 1; }
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|restart|kill DIR" >&2
  exit 2
fi

# A sanitizer runtime preloaded for the test program must not reach the server.
unset LD_PRELOAD || true

mariadbd=${SQLORM_MARIADBD:-/usr/sbin/mariadbd}
[ -x "$mariadbd" ] || mariadbd=$(command -v mariadbd 2>/dev/null || true)
if [ -z "$mariadbd" ] || [ ! -x "$mariadbd" ]; then
  die "mariadbd not found (apt-get install mariadb-server)"
fi
installdb=$(command -v mariadb-install-db 2>/dev/null || command -v mysql_install_db 2>/dev/null \
            || true)
client=$(command -v mariadb 2>/dev/null || command -v mysql 2>/dev/null || true)

# Root must say so to mariadbd; anyone else runs it as themselves.
if [ "$(id -u)" -eq 0 ]; then asuser=--user=root; else asuser=; fi

serverOpts(){
  # $1: the port
  echo "--no-defaults $asuser --datadir=$dir/data --socket=$dir/mysqld.sock
    --pid-file=$dir/mysqld.pid --log-error=$dir/error.log --tmpdir=$dir/tmp
    --bind-address=127.0.0.1 --port=$1 --skip-name-resolve --skip-log-bin
    --innodb-buffer-pool-size=16M --innodb-log-file-size=4M --innodb-log-buffer-size=1M
    --innodb-use-native-aio=0 --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0
    --performance-schema=OFF --key-buffer-size=1M --aria-pagecache-buffer-size=1M
    --max-connections=60 --table-open-cache=200 --thread-cache-size=4
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
    --lower-case-table-names=0"
}

# Whether pid $1 runs: a zombie waiting for init to reap it has ended already.
alive(){
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ "$st" != Z ] || return 1
  fi
  return 0
}

# The pid of the running server, or nothing.
serverPid(){
  if [ -f "$dir/server.pid" ]; then
    p=$(cat "$dir/server.pid")
    if [ -n "$p" ] && alive "$p"; then echo "$p"; fi
  fi
}

# Waits (up to $1 tenths of a second) for the server to answer on its socket; 0 when it does.
waitUp(){
  n=0
  while [ "$n" -lt "$1" ]; do
    [ -n "$(serverPid)" ] || return 1
    if [ -S "$dir/mysqld.sock" ] && "$client" --no-defaults --protocol=socket \
         --socket="$dir/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
    n=$((n+1))
  done
  return 1
}

# Starts mariadbd on port $1 in the background; 0 once it answers.
launch(){
  rm -f "$dir/mysqld.sock" "$dir/server.pid"
  : >"$dir/error.log"
  # shellcheck disable=SC2046
  TZ=IST-5:30 nohup "$mariadbd" $(serverOpts "$1") </dev/null >>"$dir/error.log" 2>&1 &
  echo $! >"$dir/server.pid"
  waitUp 300
}

# Waits (up to $2 tenths of a second) for pid $1 to be gone.
waitGone(){
  n=0
  while alive "$1"; do
    [ "$n" -lt "$2" ] || return 1
    sleep 0.1
    n=$((n+1))
  done
  return 0
}

halt(){
  p=$(serverPid)
  [ -n "$p" ] || return 0
  kill -TERM "$p" 2>/dev/null || true
  if ! waitGone "$p" 300; then
    kill -KILL "$p" 2>/dev/null || true
    waitGone "$p" 50 || die "cannot stop mariadbd (pid $p)"
  fi
}

randomPort(){
  r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
  echo $((20000 + r % 20001))
}

case $cmd in
start)
  [ -n "$installdb" ] || die "mariadb-install-db not found (apt-get install mariadb-server)"
  [ -n "$client" ] || die "the mariadb client not found (apt-get install mariadb-client)"
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  dir=$(cd "$dir" && pwd)
  mkdir "$dir/tmp"
  if ! "$installdb" --no-defaults $asuser --auth-root-authentication-method=normal \
       --datadir="$dir/data" --skip-test-db --skip-name-resolve --skip-log-bin \
       --innodb-buffer-pool-size=16M --innodb-log-file-size=4M --innodb-use-native-aio=0 \
       >"$dir/install.log" 2>&1; then
    cat "$dir/install.log" >&2
    die "mariadb-install-db failed in $dir/data"
  fi
  tries=0
  while :; do
    port=$(randomPort)
    if launch "$port"; then break; fi
    halt
    tries=$((tries+1))
    # A port in use is retried; anything else is reported.
    if [ "$tries" -ge 8 ] || ! grep -q -i "bind on\|address already in use" "$dir/error.log"
    then
      cat "$dir/error.log" >&2
      die "mariadbd did not start in $dir (see above)"
    fi
  done
  # Plain passwords (mysql_native_password): what every libmariadb logs in with. ALL
  # PRIVILEGES holds what XA RECOVER and XA COMMIT of another session's transaction need.
  if ! "$client" --no-defaults --protocol=socket --socket="$dir/mysqld.sock" -uroot \
       >"$dir/setup.log" 2>&1 <<'EOF'
CREATE DATABASE sqlorm_test CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
CREATE USER 'sqlorm'@'127.0.0.1' IDENTIFIED BY 'sqlorm-pw';
CREATE USER 'sqlorm'@'localhost' IDENTIFIED BY 'sqlorm-pw';
GRANT ALL PRIVILEGES ON *.* TO 'sqlorm'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'sqlorm'@'localhost' WITH GRANT OPTION;
EOF
  then
    cat "$dir/setup.log" >&2
    halt
    die "cannot create the sqlorm user in $dir"
  fi
  umask 077
  printf '[client]\npassword=sqlorm-pw\n' >"$dir/client.cnf"
  chmod 0600 "$dir/client.cnf"
  {
    echo "SQLORM_MYSQL_PORT=$port"
    echo "SQLORM_MYSQL_URL=mysql://sqlorm@127.0.0.1:$port/sqlorm_test"
    echo "SQLORM_MYSQL_CNF=$dir/client.cnf"
    echo "SQLORM_MYSQL_SOCKET=$dir/mysqld.sock"
  } >"$dir/env"
  ;;
restart)
  [ -f "$dir/env" ] || die "no server in $dir"
  dir=$(cd "$dir" && pwd)
  port=$(sed -n 's/^SQLORM_MYSQL_PORT=//p' "$dir/env")
  halt
  if ! launch "$port"; then
    cat "$dir/error.log" >&2
    halt
    die "mariadbd did not restart on port $port"
  fi
  ;;
kill)
  [ -d "$dir" ] || die "no server in $dir"
  p=$(serverPid)
  if [ -n "$p" ]; then
    kill -KILL "$p"
    waitGone "$p" 100 || die "mariadbd (pid $p) survived SIGKILL"
  fi
  ;;
stop)
  [ -d "$dir" ] || exit 0
  # The data goes with DIR: no clean shutdown to wait for.
  p=$(serverPid)
  if [ -n "$p" ]; then
    kill -KILL "$p" 2>/dev/null || true
    waitGone "$p" 100 || die "mariadbd (pid $p) survived SIGKILL"
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop|restart|kill DIR" >&2
  exit 2
  ;;
esac
