#!/bin/sh
# shell_host.sh: the module loaded by the sqlite3 shell with `.load`, as the README shows.
# Covers: .load by path with and without the suffix, a read-only file, a failed load that
# names the reason, and one exported symbol (nm -D).
set -u
: "${SQLORM_MODULE:?set by make check}"
: "${SQLITE3_SHELL:=sqlite3}"
dir=${TMPDIR:-/tmp}/sqlorm-shell-$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
fail=0

check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok - $1"; else
    echo "not ok - $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1; fi
}

out=$("$SQLITE3_SHELL" :memory: ".load $SQLORM_MODULE" "SELECT orm_version();" 2>&1)
check ".load with suffix" "0.1.0" "$out"

out=$("$SQLITE3_SHELL" :memory: ".load ${SQLORM_MODULE%.so}" "SELECT orm_version();" 2>&1)
check ".load without suffix" "0.1.0" "$out"

out=$("$SQLITE3_SHELL" :memory: ".load $SQLORM_MODULE" "SELECT load_extension('$SQLORM_MODULE');" \
      "SELECT orm_version();" 2>&1)
check "loaded again from SQL's load_extension()" "
0.1.0" "$out"

"$SQLITE3_SHELL" "$dir/ro.db" "CREATE TABLE users(id INTEGER PRIMARY KEY); INSERT INTO users VALUES (1);"
before=$(cksum < "$dir/ro.db")
out=$("$SQLITE3_SHELL" -readonly "$dir/ro.db" ".load $SQLORM_MODULE" \
      "SELECT orm_version(), (SELECT count(*) FROM users);" 2>&1)
check ".load on a read-only file" "0.1.0|1" "$out"
check "read-only file unchanged" "$before" "$(cksum < "$dir/ro.db")"

"$SQLITE3_SHELL" "$dir/new.db" "CREATE TABLE orm_meta(key TEXT PRIMARY KEY, value); INSERT INTO orm_meta VALUES ('format', 5);"
out=$("$SQLITE3_SHELL" -bail "$dir/new.db" ".load $SQLORM_MODULE" 2>&1)
case $out in
  *"understands catalog format 1, but this database has format 5"*) check "newer catalog refused" yes yes;;
  *) check "newer catalog refused" "an error naming both formats" "$out";;
esac

exported=$(nm -D --defined-only "$SQLORM_MODULE" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | tr '\n' ' ')
check "one exported symbol" "sqlite3_sqlorm_init " "$exported"
exit $fail
