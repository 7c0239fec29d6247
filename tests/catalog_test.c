/*
** catalog_test.c: the catalog's C functions, linked into this program with SQLITE_CORE.
**
** Covers: created on first use with its format, idempotent, all-or-nothing (a clash half
** way, an enclosing transaction rolled back), refused on read-only files, damaged or newer
** catalogs left untouched with a clear error.
*/
#include "testutil.h"
#include "sqlorm.h"

static int nCatalogTables(sqlite3 *db){
  return (int)testQueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name IN"
      " ('orm_meta','orm_models','orm_relationships','orm_hybrids','orm_revisions','orm_journal')");
}

static void test_no_catalog_is_format_0(void **state){
  TestDb *t = *state;
  int iFormat = -1;
  assert_int_equal(sqlormCatalogFormat(t->db, &iFormat), SQLITE_OK);
  assert_int_equal(iFormat, 0);
  assert_int_equal(nCatalogTables(t->db), 0);
}

static void test_ensure_creates_catalog(void **state){
  TestDb *t = *state;
  char *zErr = (char*)1;
  int iFormat = 0;
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
  assert_null(zErr);
  assert_int_equal(nCatalogTables(t->db), 6);
  assert_int_equal(sqlormCatalogFormat(t->db, &iFormat), SQLITE_OK);
  assert_int_equal(iFormat, SQLORM_CATALOG_FORMAT);
  testAssertText(t->db, "SELECT value FROM orm_meta WHERE key='format'", "1");
  /* The catalog's own constraints hold: a bad direction is refused. */
  assert_int_not_equal(sqlite3_exec(t->db, "INSERT INTO orm_relationships(model,name,target,"
      "direction,fk_side,local_columns,remote_columns) VALUES('a','b','c','sideways','local','[]','[]')",
      0, 0, 0), SQLITE_OK);
}

static void test_ensure_is_idempotent(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  sqlite3_int64 iSchema;
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
  testExec(t->db, "INSERT INTO orm_models(name, tbl) VALUES ('users', 'users')");
  iSchema = testQueryInt(t->db, "PRAGMA schema_version");
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
  assert_int_equal(testQueryInt(t->db, "PRAGMA schema_version"), iSchema);
  assert_int_equal(testQueryInt(t->db, "SELECT count(*) FROM orm_models"), 1);
}

/* A user table already named like a catalog table stops creation half way: nothing of
** the catalog stays, the user's table is untouched. */
static void test_ensure_is_all_or_nothing(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  testExec(t->db, "CREATE TABLE orm_journal(x); INSERT INTO orm_journal VALUES (42)");
  assert_int_not_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
  assert_non_null(zErr);
  assert_non_null(strstr(zErr, "cannot create or upgrade the catalog"));
  assert_non_null(strstr(zErr, "orm_journal already exists"));
  sqlite3_free(zErr);
  assert_int_equal(nCatalogTables(t->db), 1);
  assert_int_equal(testQueryInt(t->db, "SELECT x FROM orm_journal"), 42);
  assert_int_equal(sqlite3_get_autocommit(t->db), 1);
}

/* Inside the caller's transaction the catalog is part of it: a rollback removes it. */
static void test_ensure_joins_caller_transaction(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  testExec(t->db, "BEGIN");
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
  assert_int_equal(nCatalogTables(t->db), 6);
  testExec(t->db, "ROLLBACK");
  assert_int_equal(nCatalogTables(t->db), 0);
}

static void test_ensure_on_readonly_database(void **state){
  TestDb *t = *state;
  sqlite3 *ro = 0;
  char *zErr = 0;
  testExec(t->db, "CREATE TABLE users(id INTEGER PRIMARY KEY)");
  assert_int_equal(sqlite3_open_v2(t->zPath, &ro, SQLITE_OPEN_READONLY, 0), SQLITE_OK);
  assert_int_not_equal(sqlormCatalogEnsure(ro, &zErr), SQLITE_OK);
  assert_non_null(zErr);
  assert_non_null(strstr(zErr, "readonly"));
  sqlite3_free(zErr);
  sqlite3_close(ro);
  assert_int_equal(nCatalogTables(t->db), 0);
}

static void test_newer_catalog_is_refused(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  int iFmt = 0;
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
  testExec(t->db, "UPDATE orm_meta SET value=7 WHERE key='format'");
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_ERROR);
  assert_non_null(strstr(zErr, "understands catalog format 1, but this database has format 7"));
  sqlite3_free(zErr);
  assert_int_equal(sqlormCatalogRestore(t->db, &iFmt, &zErr), SQLITE_ERROR);
  assert_non_null(strstr(zErr, "format 7"));
  sqlite3_free(zErr);
  testAssertText(t->db, "SELECT value FROM orm_meta WHERE key='format'", "7");
}

static void test_damaged_catalog_is_refused(void **state){
  TestDb *t = *state;
  static const char *azDamage[] = {
    "DELETE FROM orm_meta WHERE key='format'",
    "UPDATE orm_meta SET value='one' WHERE key='format'",
    "UPDATE orm_meta SET value=0 WHERE key='format'",
    "UPDATE orm_meta SET value=1.5 WHERE key='format'",
  };
  size_t i;
  int iFmt = 0;
  for(i=0; i<sizeof(azDamage)/sizeof(azDamage[0]); i++){
    char *zErr = 0;
    testExec(t->db, "DROP TABLE IF EXISTS orm_meta; DROP TABLE IF EXISTS orm_models;"
        "DROP TABLE IF EXISTS orm_relationships; DROP TABLE IF EXISTS orm_hybrids;"
        "DROP TABLE IF EXISTS orm_revisions; DROP TABLE IF EXISTS orm_journal");
    assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_OK);
    testExec(t->db, azDamage[i]);
    assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_CORRUPT);
    assert_non_null(strstr(zErr, "the catalog is damaged"));
    sqlite3_free(zErr);
    assert_int_equal(sqlormCatalogRestore(t->db, &iFmt, &zErr), SQLITE_CORRUPT);
    sqlite3_free(zErr);
  }
}

/* A user table named orm_meta is not a catalog: creation names the clash and keeps it. */
static void test_foreign_orm_meta(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  int iFormat = -1, iFmt = 0;
  testExec(t->db, "CREATE TABLE orm_meta(k, v); INSERT INTO orm_meta VALUES ('mine', 1)");
  assert_int_equal(sqlormCatalogFormat(t->db, &iFormat), SQLITE_MISMATCH);
  assert_int_equal(sqlormCatalogRestore(t->db, &iFmt, &zErr), SQLITE_OK);
  assert_null(zErr);
  assert_int_equal(sqlormCatalogEnsure(t->db, &zErr), SQLITE_MISMATCH);
  assert_non_null(strstr(zErr, "main.orm_meta is a table of your own"));
  sqlite3_free(zErr);
  assert_int_equal(nCatalogTables(t->db), 1);
  testAssertText(t->db, "SELECT k FROM orm_meta", "mine");
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test_setup_teardown(test_no_catalog_is_format_0, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_ensure_creates_catalog, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_ensure_is_idempotent, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_ensure_is_all_or_nothing, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_ensure_joins_caller_transaction, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_ensure_on_readonly_database, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_newer_catalog_is_refused, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_damaged_catalog_is_refused, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_foreign_orm_meta, testSetup, testTeardown),
  };
  return cmocka_run_group_tests_name("catalog", aTest, 0, 0);
}
