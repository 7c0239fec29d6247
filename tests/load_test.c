/*
** load_test.c: a C host that loads the built module with sqlite3_load_extension.
**
** Covers: loading changes nothing (file bytes compared), read-only files, loading twice,
** catalogs that are newer or damaged, SQLite older than required and a failing
** registration (both through a routine table with one routine replaced, handed to the
** entry point), and that the module exports its entry point only.
** SQLORM_MODULE names the module (set by `make check`).
*/
#include "testutil.h"
#define SQLITE_CORE 1    /* the routine table's type only, not its macros */
#include <sqlite3ext.h>
#include <dlfcn.h>

typedef int (*InitFunc)(sqlite3*, char**, const sqlite3_api_routines*);

static const sqlite3_api_routines *pRealApi;   /* captured from an auto-extension */
static sqlite3_api_routines fakeApi;           /* a copy with one routine replaced */
static void *pModule;                          /* dlopen handle of the module */
static InitFunc xInit;

static int captureApi(sqlite3 *db, char **pzErr, const sqlite3_api_routines *pApi){
  (void)db; (void)pzErr;
  pRealApi = pApi;
  return SQLITE_OK;
}

static const char *modulePath(void){
  const char *z = getenv("SQLORM_MODULE");
  return z ? z : "./.libs/sqlorm.so";
}

static int loadModule(sqlite3 *db, char **pzErr){
  int rc;
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  rc = sqlite3_load_extension(db, modulePath(), 0, pzErr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int*)0);
  return rc;
}

static void loadOk(sqlite3 *db){
  char *zErr = 0;
  int rc = loadModule(db, &zErr);
  if( rc!=SQLITE_OK ) fprintf(stderr, "load: %s\n", zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_OK);
}

static int groupSetup(void **state){
  sqlite3 *db = 0;
  (void)state;
  sqlite3_auto_extension((void(*)(void))captureApi);
  sqlite3_open(":memory:", &db);
  sqlite3_close(db);
  sqlite3_cancel_auto_extension((void(*)(void))captureApi);
  pModule = dlopen(modulePath(), RTLD_NOW|RTLD_LOCAL);
  if( pRealApi==0 || pModule==0 ){
    fprintf(stderr, "setup: %s\n", pModule ? "no routine table" : dlerror());
    return -1;
  }
  xInit = (InitFunc)dlsym(pModule, "sqlite3_sqlorm_init");
  return xInit ? 0 : -1;
}

static int groupTeardown(void **state){
  (void)state;
  if( pModule ) dlclose(pModule);
  return 0;
}

static void test_functions_after_load(void **state){
  TestDb *t = *state;
  loadOk(t->db);
  testAssertText(t->db, "SELECT orm_version()", "0.1.0");
  testAssertText(t->db, "SELECT json_valid(orm_debug())", "1");
  testAssertText(t->db, "SELECT json_extract(orm_debug(), '$.version')", "0.1.0");
  testAssertText(t->db, "SELECT json_extract(orm_debug(), '$.sqlite') = sqlite_version()", "1");
  testAssertText(t->db, "SELECT json_type(orm_debug(), '$.catalog')", "null");
  testAssertText(t->db, "SELECT json_extract(orm_debug(), '$.backends.sqlite') IS NOT NULL", "1");
  /* orm_debug() keeps its JSON subtype: nested, it stays an object, not a string. */
  testAssertText(t->db, "SELECT json_type(json_object('d', orm_debug()), '$.d')", "object");
}

/* Loading reads the schema and writes nothing: the file's bytes are the same after. */
static void test_load_changes_nothing(void **state){
  TestDb *t = *state;
  long n0, n1;
  char *a0, *a1;
  sqlite3 *db = 0;
  testExec(t->db, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
                  "INSERT INTO users(name) VALUES ('ann'), ('bob')");
  a0 = testReadFile(t->zPath, &n0);
  assert_int_equal(sqlite3_open(t->zPath, &db), SQLITE_OK);
  loadOk(db);
  testAssertText(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'orm%'", "0");
  testAssertText(db, "SELECT (orm_debug() ->> '$.catalog') IS NULL", "1");
  sqlite3_close(db);
  a1 = testReadFile(t->zPath, &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(a0, a1, n0);
  free(a0); free(a1);
}

/* A read-only file with a catalog: loading works and reports the catalog. */
static void test_load_readonly_with_catalog(void **state){
  TestDb *t = *state;
  sqlite3 *ro = 0;
  long n0, n1;
  char *a0, *a1;
  testExec(t->db, "CREATE TABLE orm_meta(key TEXT PRIMARY KEY NOT NULL, value);"
                  "INSERT INTO orm_meta VALUES ('format', 1)");
  a0 = testReadFile(t->zPath, &n0);
  assert_int_equal(sqlite3_open_v2(t->zPath, &ro, SQLITE_OPEN_READONLY, 0), SQLITE_OK);
  loadOk(ro);
  testAssertText(ro, "SELECT orm_debug() ->> '$.catalog'", "1");
  testAssertText(ro, "SELECT orm_version()", "0.1.0");
  sqlite3_close(ro);
  a1 = testReadFile(t->zPath, &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(a0, a1, n0);
  free(a0); free(a1);
}

/* Loading twice registers the same functions again: no error, nothing leaked. */
static void test_load_twice(void **state){
  TestDb *t = *state;
  loadOk(t->db);
  loadOk(t->db);
  testAssertText(t->db, "SELECT orm_version()", "0.1.0");
}

static void loadFails(sqlite3 *db, int rcWant, const char *zWant){
  char *zErr = 0;
  int rc = loadModule(db, &zErr);
  if( zErr==0 || strstr(zErr, zWant)==0 ){
    fprintf(stderr, "load error: %s\nwanted: %s\n", zErr ? zErr : "(none)", zWant);
  }
  assert_int_equal(rc, rcWant);
  assert_non_null(zErr);
  assert_non_null(strstr(zErr, zWant));
  sqlite3_free(zErr);
}

static void test_load_newer_catalog(void **state){
  TestDb *t = *state;
  testExec(t->db, "CREATE TABLE orm_meta(key TEXT PRIMARY KEY NOT NULL, value);"
                  "INSERT INTO orm_meta VALUES ('format', 2)");
  loadFails(t->db, SQLITE_ERROR,
            "sqlorm 0.1.0 understands catalog format 1, but this database has format 2");
  testAssertText(t->db, "SELECT value FROM orm_meta", "2");
}

static void test_load_damaged_catalog(void **state){
  TestDb *t = *state;
  testExec(t->db, "CREATE TABLE orm_meta(key TEXT PRIMARY KEY NOT NULL, value)");
  loadFails(t->db, SQLITE_ERROR, "orm_meta has no valid 'format' row");
}

static int oldVersionNumber(void){ return 3037002; }
static const char *oldVersion(void){ return "3.37.2"; }

/* On an older library the entry point refuses with a message naming both versions. */
static void test_older_sqlite_is_refused(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  fakeApi = *pRealApi;
  fakeApi.libversion_number = oldVersionNumber;
  fakeApi.libversion = oldVersion;
  assert_int_equal(xInit(t->db, &zErr, &fakeApi), SQLITE_ERROR);
  assert_non_null(zErr);
  assert_string_equal(zErr, "sqlorm 0.1.0 requires SQLite 3.38.0 or later, but this is SQLite 3.37.2");
  sqlite3_free(zErr);
  /* Nothing was registered. */
  assert_int_not_equal(sqlite3_exec(t->db, "SELECT orm_version()", 0, 0, 0), SQLITE_OK);
}

static int failingCreateFunction(sqlite3 *db, const char *zName, int nArg, int eText,
    void *pApp, void (*xFunc)(sqlite3_context*,int,sqlite3_value**),
    void (*xStep)(sqlite3_context*,int,sqlite3_value**), void (*xFinal)(sqlite3_context*),
    void (*xDestroy)(void*)){
  (void)db; (void)zName; (void)nArg; (void)eText; (void)pApp;
  (void)xFunc; (void)xStep; (void)xFinal; (void)xDestroy;
  return SQLITE_MISUSE;
}

/* A registration that fails reaches the caller as the load's error. */
static void test_failed_registration_is_reported(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  fakeApi = *pRealApi;
  fakeApi.create_function_v2 = failingCreateFunction;
  assert_int_equal(xInit(t->db, &zErr, &fakeApi), SQLITE_MISUSE);
  assert_non_null(zErr);
  assert_string_equal(zErr, "sqlorm: cannot register orm_version(): bad parameter or other API misuse");
  sqlite3_free(zErr);
}

/* Only the entry point is visible to the dynamic linker. */
static void test_only_entry_point_exported(void **state){
  (void)state;
  assert_non_null(dlsym(pModule, "sqlite3_sqlorm_init"));
  assert_null(dlsym(pModule, "sqlite3_api"));
  assert_null(dlsym(pModule, "sqlormCatalogEnsure"));
  assert_null(dlsym(pModule, "sqlormExec"));
}

static int nSideEffect;
static void sideEffectFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  nSideEffect++;
  sqlite3_result_int(ctx, 1);
}

/* SQL read back from the catalog (a relationship's where) is held to what SQLite holds a
** view to: with trusted_schema off, an application function that is not innocuous is
** refused, as it would be in a view; with it on, it runs. */
static void test_catalog_sql_honours_trusted_schema(void **state){
  TestDb *t = *state;
  char *zErr = 0;
  loadOk(t->db);
  assert_int_equal(sqlite3_create_function(t->db, "side_effect", 0, SQLITE_UTF8, 0,
                                           sideEffectFunc, 0, 0), SQLITE_OK);
  testExec(t->db, "CREATE TABLE users(id INTEGER PRIMARY KEY);"
      "CREATE TABLE notes(id INTEGER PRIMARY KEY, user_id INT REFERENCES users);"
      "INSERT INTO users VALUES (1); INSERT INTO notes VALUES (1, 1);"
      "SELECT orm_relationship('users', 'notes', 'notes');"
      "UPDATE orm_relationships SET options = json_set(options, '$.where', 'side_effect() = 1')");
  testExec(t->db, "PRAGMA trusted_schema = OFF");
  nSideEffect = 0;
  assert_int_not_equal(sqlite3_exec(t->db, "SELECT orm_json('users', 1, 'notes')", 0, 0, &zErr),
                       SQLITE_OK);
  assert_non_null(zErr);
  assert_non_null(strstr(zErr, "side_effect() is not innocuous"));
  sqlite3_free(zErr);
  assert_int_equal(nSideEffect, 0);
  testExec(t->db, "PRAGMA trusted_schema = ON");
  testAssertText(t->db, "SELECT json_array_length(orm_json('users', 1, 'notes'), '$.notes')", "1");
  assert_true(nSideEffect>0);
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test_setup_teardown(test_functions_after_load, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_load_changes_nothing, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_load_readonly_with_catalog, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_load_twice, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_load_newer_catalog, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_load_damaged_catalog, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_older_sqlite_is_refused, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_failed_registration_is_reported, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_only_entry_point_exported, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_catalog_sql_honours_trusted_schema, testSetup, testTeardown),
  };
  return cmocka_run_group_tests_name("load", aTest, groupSetup, groupTeardown);
}
