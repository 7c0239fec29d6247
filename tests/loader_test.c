/*
** loader_test.c: orm_json() seen from a C host that loads the built module.
**
** Covers: a calling statement compiles orm_json's plan once, however many rows it runs
** over (prepares counted with an authorizer, which SQLite calls when it compiles a
** statement; the statements alive counted with sqlite3_next_stmt; the children's statement
** shown to be one statement run once per row); the plan's statements end with the calling
** statement, so sqlite3_close (not _v2) succeeds after it is finalized, also after an
** error and with arguments that are not constant (a plan per call); a document past
** SQLITE_LIMIT_LENGTH is SQLite's too-big error; no statement needs more than one variable
** per key column, however many parents or children (SQLITE_LIMIT_VARIABLE_NUMBER lowered
** to 2); relationship names that differ only in case in a hand-edited catalog.
** SQLORM_MODULE names the module (set by `make check`).
*/
#include "testutil.h"

#define N_USERS 1000

static const char *modulePath(void){
  const char *z = getenv("SQLORM_MODULE");
  return z ? z : "./.libs/sqlorm.so";
}

static void loadOk(sqlite3 *db){
  char *zErr = 0;
  int rc;
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  rc = sqlite3_load_extension(db, modulePath(), 0, &zErr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int*)0);
  if( rc!=SQLITE_OK ) fprintf(stderr, "load: %s\n", zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_OK);
}

/* N_USERS users with two addresses each, and users.addresses declared. */
static void makeShop(sqlite3 *db){
  loadOk(db);
  testExec(db,
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE addresses(id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id), email TEXT NOT NULL);"
    "CREATE INDEX addresses_user_id ON addresses(user_id);"
    "CREATE TABLE profiles(id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000)"
    "  INSERT INTO users(id, name) SELECT i, 'user' || i FROM n;"
    "INSERT INTO addresses(user_id, email) SELECT id, name || '@a' FROM users;"
    "INSERT INTO addresses(user_id, email) SELECT id, name || '@b' FROM users;"
    "INSERT INTO profiles(user_id) VALUES (1), (2), (3), (3);"
    "SELECT orm_relationship('users', 'addresses', 'addresses', '{\"order_by\":\"email\"}');"
    "SELECT orm_relationship('users', 'profile', 'profiles', '{\"uselist\":false}');");
}

/* The authorizer is called while SQLite compiles a statement: one SQLITE_SELECT per
** SELECT compiled, the calling statement's own included. */
static int countSelects(void *pArg, int eAction, const char *z1, const char *z2,
                        const char *z3, const char *z4){
  (void)z1; (void)z2; (void)z3; (void)z4;
  if( eAction==SQLITE_SELECT ) (*(int*)pArg)++;
  return SQLITE_OK;
}

static int countStmts(sqlite3 *db){
  sqlite3_stmt *p = 0;
  int n = 0;
  while( (p = sqlite3_next_stmt(db, p))!=0 ) n++;
  return n;
}

/* The statement reading a user's addresses (the one that names addresses.user_id). */
static sqlite3_stmt *childStmt(sqlite3 *db){
  sqlite3_stmt *p = 0, *pFound = 0;
  while( (p = sqlite3_next_stmt(db, p))!=0 ){
    if( strstr(sqlite3_sql(p), "\"addresses\".\"user_id\" = ?1") ){
      assert_null(pFound);
      pFound = p;
    }
  }
  return pFound;
}

/* Runs zSql over the first nRow users; returns how many SELECTs were compiled. */
static int compilesFor(sqlite3 *db, const char *zSql, int nRow){
  sqlite3_stmt *pStmt = 0;
  int nSelect = 0, i;
  sqlite3_set_authorizer(db, countSelects, &nSelect);
  assert_int_equal(sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0), SQLITE_OK);
  sqlite3_bind_int(pStmt, 1, nRow);
  for(i=0; i<nRow; i++) assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_DONE);
  sqlite3_finalize(pStmt);
  sqlite3_set_authorizer(db, 0, 0);
  return nSelect;
}

/* As many compiles for 1,000 rows as for 2: the plan is compiled once per statement. */
static void test_compiles_do_not_grow_with_rows(void **state){
  TestDb *t = *state;
  static const char zSql[] =
      "SELECT orm_json('users', id, 'addresses') FROM users WHERE id <= ?1";
  int n2, n1000;
  makeShop(t->db);
  /* The first use after the definitions also resolves the traversal views' columns,
  ** once per schema: SQLite's work, not orm_json's; leave it out of the comparison. */
  compilesFor(t->db, zSql, 1);
  n2 = compilesFor(t->db, zSql, 2);
  n1000 = compilesFor(t->db, zSql, N_USERS);
  if( n2!=n1000 ) fprintf(stderr, "compiles: %d for 2 rows, %d for %d\n", n2, n1000, N_USERS);
  assert_int_equal(n2, n1000);
  assert_true(n2>=3);             /* the calling statement, the root, the addresses */
  /* The same without a spec: the plan hangs on the model argument. */
  assert_int_equal(compilesFor(t->db, "SELECT orm_json('users', id) FROM users WHERE id <= ?1", 2),
                   compilesFor(t->db, "SELECT orm_json('users', id) FROM users WHERE id <= ?1",
                               N_USERS));
}

/* While the calling statement runs, the same few statements live, and the one that reads
** addresses is one statement, run once per user. */
static void test_statements_are_reused(void **state){
  TestDb *t = *state;
  sqlite3_stmt *pStmt = 0, *pChild = 0;
  int i, nAtFirst = 0;
  makeShop(t->db);
  assert_int_equal(sqlite3_prepare_v2(t->db,
      "SELECT orm_json('users', id, 'addresses') FROM users ORDER BY id", -1, &pStmt, 0),
      SQLITE_OK);
  for(i=1; i<=N_USERS; i++){
    char zWant[64];
    assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
    snprintf(zWant, sizeof(zWant), "\"email\":\"user%d@b\"}]}", i);
    assert_non_null(strstr((const char*)sqlite3_column_text(pStmt, 0), zWant));
    if( i==1 ){
      nAtFirst = countStmts(t->db);
      pChild = childStmt(t->db);
      assert_non_null(pChild);
      assert_int_equal(nAtFirst, 3);   /* calling statement, root, addresses */
    }
    assert_int_equal(countStmts(t->db), nAtFirst);
    assert_ptr_equal(childStmt(t->db), pChild);
    assert_int_equal(sqlite3_stmt_status(pChild, SQLITE_STMTSTATUS_RUN, 0), i);
    assert_int_equal(sqlite3_stmt_status(pChild, SQLITE_STMTSTATUS_REPREPARE, 0), 0);
  }
  assert_int_equal(sqlite3_step(pStmt), SQLITE_DONE);
  /* The plan ends with the calling statement's run. */
  sqlite3_reset(pStmt);
  assert_int_equal(countStmts(t->db), 1);
  sqlite3_finalize(pStmt);
  assert_int_equal(countStmts(t->db), 0);
}

/* Finalizing the calling statement part-way finalizes the plan: sqlite3_close succeeds. */
static void test_close_after_finalize(void **state){
  TestDb *t = *state;
  sqlite3_stmt *pStmt = 0;
  int i;
  makeShop(t->db);
  assert_int_equal(sqlite3_prepare_v2(t->db,
      "SELECT orm_json('users', id, 'addresses') FROM users", -1, &pStmt, 0), SQLITE_OK);
  for(i=0; i<10; i++) assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  assert_true(countStmts(t->db)>1);
  assert_int_equal(sqlite3_finalize(pStmt), SQLITE_OK);
  assert_int_equal(countStmts(t->db), 0);
  assert_int_equal(sqlite3_close(t->db), SQLITE_OK);
  t->db = 0;
}

/* An error part-way (a scalar with two rows) leaves nothing behind either. */
static void test_close_after_error(void **state){
  TestDb *t = *state;
  sqlite3_stmt *pStmt = 0;
  makeShop(t->db);
  assert_int_equal(sqlite3_prepare_v2(t->db,
      "SELECT orm_json('users', id, 'addresses,profile') FROM users ORDER BY id", -1, &pStmt, 0),
      SQLITE_OK);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_ERROR);
  assert_string_equal(sqlite3_errmsg(t->db), "orm_json: users.profile is a scalar (uselist "
                      "false) but 2 rows were found for users id=3");
  sqlite3_finalize(pStmt);
  assert_int_equal(countStmts(t->db), 0);
  assert_int_equal(sqlite3_close(t->db), SQLITE_OK);
  t->db = 0;
}

/* Arguments that are not constant: a plan per call, freed when the call returns. */
static void test_plan_per_call(void **state){
  TestDb *t = *state;
  sqlite3_stmt *pStmt = 0;
  int n = 0;
  makeShop(t->db);
  testExec(t->db, "CREATE TABLE calls(model TEXT, spec TEXT);"
                  "INSERT INTO calls SELECT 'users', 'addresses' FROM users");
  assert_int_equal(sqlite3_prepare_v2(t->db,
      "SELECT orm_json(c.model, u.id, c.spec) FROM calls c JOIN users u ON u.rowid = c.rowid",
      -1, &pStmt, 0), SQLITE_OK);
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    n++;
    assert_non_null(strstr((const char*)sqlite3_column_text(pStmt, 0), "\"addresses\":[{"));
    assert_int_equal(countStmts(t->db), 1);   /* only the calling statement stays */
  }
  assert_int_equal(n, N_USERS);
  assert_int_equal(sqlite3_finalize(pStmt), SQLITE_OK);
  assert_int_equal(sqlite3_close(t->db), SQLITE_OK);
  t->db = 0;
}

/* A document longer than SQLITE_LIMIT_LENGTH is SQLite's "too big" error, not a
** truncated document; the limit raised again, the same statement works. */
static void test_too_big(void **state){
  TestDb *t = *state;
  sqlite3_stmt *pStmt = 0;
  int nOld;
  makeShop(t->db);
  assert_int_equal(sqlite3_prepare_v2(t->db,
      "SELECT length(orm_json('users', 7, 'addresses'))", -1, &pStmt, 0), SQLITE_OK);
  nOld = sqlite3_limit(t->db, SQLITE_LIMIT_LENGTH, 100);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_TOOBIG);
  sqlite3_reset(pStmt);
  sqlite3_limit(t->db, SQLITE_LIMIT_LENGTH, nOld);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(pStmt, 0), 118);
  sqlite3_finalize(pStmt);
}

/* Every statement binds one parent's key, never one variable per parent or child: with
** SQLite's variable limit lowered to 2 (the catalog lookups bind a model and a name),
** every user and a user with 3,000 addresses load. */
static void test_variable_limit(void **state){
  TestDb *t = *state;
  makeShop(t->db);
  testExec(t->db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2998)"
                  "  INSERT INTO addresses(user_id, email) SELECT 1, 'more' || i FROM n");
  sqlite3_limit(t->db, SQLITE_LIMIT_VARIABLE_NUMBER, 2);
  testAssertText(t->db, "SELECT count(*) || ' ' || sum(json_array_length("
                        "orm_json('users', id, 'addresses') -> '$.addresses')) FROM users",
                 "1000 4998");
  testAssertText(t->db, "SELECT json_array_length(orm_json('users', 1, 'addresses'),"
                        " '$.addresses')", "3000");
  /* and the limit is there: three variables are refused */
  assert_int_not_equal(sqlite3_exec(t->db, "SELECT ?1, ?2, ?3", 0, 0, 0), SQLITE_OK);
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test_setup_teardown(test_compiles_do_not_grow_with_rows, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_statements_are_reused, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_close_after_finalize, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_close_after_error, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_plan_per_call, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_too_big, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_variable_limit, testSetup, testTeardown),
  };
  return cmocka_run_group_tests_name("loader", aTest, 0, 0);
}
