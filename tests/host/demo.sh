#!/bin/sh
# demo.sh: the README's demo (sql/shop.sql, then sql/demo.sql through the sqlite3 shell
# with the module loaded) runs without an error, so the first README command stays true.
set -u
: "${SQLORM_MODULE:?set by make check}" "${SQLORM_SRCDIR:?set by make check}"
: "${SQLITE3_SHELL:=sqlite3}"
dir=${TMPDIR:-/tmp}/sqlorm-demo-$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
# demo.sql loads ./sqlorm, as a user in the build directory does.
cp "$SQLORM_MODULE" "$dir/sqlorm.so"
mkdir -p "$dir/sql" && cp -R "$SQLORM_SRCDIR/sql/migrations" "$dir/sql/"
cd "$dir" || exit 99
cat "$SQLORM_SRCDIR/sql/shop_schema.sql" "$SQLORM_SRCDIR/sql/shop_data.sql" | "$SQLITE3_SHELL" -bail shop.db || { echo "shop.sql failed"; exit 1; }
if ! "$SQLITE3_SHELL" -bail shop.db < "$SQLORM_SRCDIR/sql/demo.sql" > demo.out 2>&1; then
  cat demo.out; echo "demo.sql failed"; exit 1
fi
cat demo.out
grep -q "Error\|error:" demo.out && { echo "the demo printed an error"; exit 1; }
exit 0
