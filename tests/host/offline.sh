#!/bin/sh
# offline.sh: orm_upgrade_sql's script, run by a plain sqlite3 shell (no module) on another
# file, leaves that file where orm_upgrade would: the same schema, the same journal, and
# orm_check finds nothing changed. Then orm_downgrade_sql's script takes it back.
set -u
: "${SQLORM_MODULE:?set by make check}" "${SQLORM_SRCDIR:?set by make check}"
: "${SQLITE3_SHELL:=sqlite3}"
dir=${TMPDIR:-/tmp}/sqlorm-offline-$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
fail=0

check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok - $1"; else
    echo "not ok - $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=1; fi
}
orm() {  # orm FILE SQL...: the shell with the module loaded
  f=$1; shift
  "$SQLITE3_SHELL" -bail "$f" ".load $SQLORM_MODULE" "$@" 2>&1
}

orm "$dir/dev.db" "SELECT orm_migrations_dir('$SQLORM_SRCDIR/sql/migrations');" >/dev/null
orm "$dir/dev.db" ".output $dir/up.sql" "SELECT orm_upgrade_sql('reviews@head');" >/dev/null
orm "$dir/dev.db" "SELECT orm_upgrade('reviews@head');" >/dev/null

# The production file has no catalog and no module: the script makes what it needs.
out=$("$SQLITE3_SHELL" -bail "$dir/prod.db" < "$dir/up.sql" 2>&1)
check "the upgrade script runs in a plain shell" "" "$out"

schema() { "$SQLITE3_SHELL" "$1" "SELECT type, name, sql FROM sqlite_schema WHERE name NOT GLOB 'orm_*' ORDER BY 1, 2;"; }
check "same schema as the online upgrade" "$(schema "$dir/dev.db")" "$(schema "$dir/prod.db")"
journal() { "$SQLITE3_SHELL" "$1" "SELECT revision, down_revisions, checksum, upgrade_sql, downgrade_sql FROM orm_journal ORDER BY rowid;"; }
check "same journal as the online upgrade" "$(journal "$dir/dev.db")" "$(journal "$dir/prod.db")"
check "the data statements ran" "The Dispossessed" "$("$SQLITE3_SHELL" "$dir/prod.db" "SELECT title FROM books;")"
check "orm_current on the scripted file" '["003"]' "$(orm "$dir/prod.db" "SELECT orm_current();")"
check "orm_check finds nothing changed" '{"ok":true,"changed":[],"undefined":[],"schema":{"added":[],"removed":[],"changed":[]}}' \
  "$(orm "$dir/prod.db" "SELECT orm_check();")"

# Downgrade offline from the scripted file's own journal (no definitions there).
orm "$dir/prod.db" ".output $dir/down.sql" "SELECT orm_downgrade_sql('001');" >/dev/null
out=$("$SQLITE3_SHELL" -bail "$dir/prod.db" < "$dir/down.sql" 2>&1)
check "the downgrade script runs in a plain shell" "" "$out"
check "downgraded to 001" '["001"]' "$(orm "$dir/prod.db" "SELECT orm_current();")"
check "year column gone" "0" "$("$SQLITE3_SHELL" "$dir/prod.db" "SELECT count(*) FROM pragma_table_info('books') WHERE name='year';")"

# A script that fails half-way leaves the file as it was (it is one transaction).
orm "$dir/dev.db" "SELECT orm_revision('004', '003', 'breaks', 'CREATE TABLE x4(a); INSERT INTO nowhere VALUES (1);', NULL);" >/dev/null
orm "$dir/dev.db" ".output $dir/bad.sql" "SELECT orm_upgrade_sql('004');" >/dev/null
cp "$dir/dev.db" "$dir/before.db"
"$SQLITE3_SHELL" -bail "$dir/dev.db" < "$dir/bad.sql" >/dev/null 2>&1
check "a failing script changes nothing" "$(schema "$dir/before.db")|$(journal "$dir/before.db")" \
  "$(schema "$dir/dev.db")|$(journal "$dir/dev.db")"
exit $fail
