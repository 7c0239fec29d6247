#!/bin/sh
# deps-debian.sh: installs what sqlorm needs on Debian 12, with apt-get.
#   sh tests/deps-debian.sh build   -- to build the module and run the demo
#   sh tests/deps-debian.sh test    -- also everything `make check` and `make bench` use
# Runs apt-get directly as root, through sudo otherwise.
set -eu
mode=${1:-test}
build="build-essential autoconf automake libtool pkg-config libsqlite3-dev sqlite3
       libpq-dev libmariadb-dev"
test="libcmocka-dev python3 postgresql mariadb-server python3-sqlalchemy python3-alembic
      python3-psycopg2 binutils diffutils"
case $mode in
  build) pkgs=$build ;;
  test) pkgs="$build $test" ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $pkgs
