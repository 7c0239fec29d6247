/*
** oom_test.c: every definition survives running out of memory at each allocation in turn:
** it fails with SQLITE_NOMEM (or succeeds), never crashes, frees what it took, and leaves
** the schema as it was. In the manner of SQLite's own OOM tests: the allocator below fails
** the Nth allocation after it is armed, for N = 1, 2, ... until the call succeeds.
** The sources are linked in with SQLITE_CORE; the entry point is called directly.
*/
#include "testutil.h"

int sqlite3_sqlorm_init(sqlite3 *db, char **pzErrMsg, const void *pApi);

static sqlite3_mem_methods realMem;
static int nFailAfter = -1;     /* -1: never fail */
static int bPersist = 0;        /* after the first failure, fail every allocation */
static int bFailed = 0;

static int oomFail(void){
  if( nFailAfter==0 ){
    bFailed = 1;
    if( !bPersist ) nFailAfter = -1;
    return 1;
  }
  if( nFailAfter>0 ) nFailAfter--;
  return 0;
}
static void *oomMalloc(int n){
  return oomFail() ? 0 : realMem.xMalloc(n);
}
static void *oomRealloc(void *p, int n){
  return oomFail() ? 0 : realMem.xRealloc(p, n);
}

static int groupSetup(void **state){
  sqlite3_mem_methods m;
  (void)state;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &realMem);
  m = realMem;
  m.xMalloc = oomMalloc;
  m.xRealloc = oomRealloc;
  return sqlite3_config(SQLITE_CONFIG_MALLOC, &m)==SQLITE_OK ? 0 : -1;
}

static const char zShop[] =
  "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE);"
  "CREATE TABLE addresses(id INTEGER PRIMARY KEY, user_id INT NOT NULL REFERENCES users, e TEXT);"
  "CREATE TABLE groups(id INTEGER PRIMARY KEY, name TEXT);"
  "CREATE TABLE user_group(user_id INT REFERENCES users, group_id INT REFERENCES groups,"
  "  PRIMARY KEY (user_id, group_id));"
  "CREATE TABLE parts(a TEXT, b INT, PRIMARY KEY (a, b));"
  "CREATE TABLE notes(id INTEGER PRIMARY KEY, a TEXT, b INT, FOREIGN KEY (a, b) REFERENCES parts);"
  "CREATE TABLE employees(id INTEGER PRIMARY KEY, name TEXT, manager_id INT REFERENCES employees);"
  "INSERT INTO users VALUES (1, 'ann', 'a@x');"
  "INSERT INTO addresses VALUES (1, 1, 'a1');"
  "INSERT INTO employees VALUES (1, 'boss', NULL), (2, 'mid', 1), (3, 'low', 2), (4, 'low2', 2);";

/* Runs zSql with allocation N failing, for every N, checking each outcome. zSetup runs
** unarmed first on a fresh database. A transient failure (one allocation fails) must leave
** the schema as it was; under a persistent one (every allocation from the Nth on fails)
** not even a ROLLBACK can be prepared, so only "no crash, nothing leaked" is checked. */
static void oomLoop(const char *zSetup, const char *zSql){
  sqlite3 *pTemplate = 0;
  char *zErr = 0;
  int n;
  /* The database every iteration starts from, copied in with the backup API: cheaper
  ** than building it again each time. */
  assert_int_equal(sqlite3_open(":memory:", &pTemplate), SQLITE_OK);
  assert_int_equal(sqlite3_sqlorm_init(pTemplate, &zErr, 0), SQLITE_OK);
  testExec(pTemplate, zShop);
  if( zSetup ) testExec(pTemplate, zSetup);
  for(bPersist=0; bPersist<2; bPersist++)
  for(n=1; n<100000; n+=(bPersist ? 7 : 1)){     /* persistent: a sample of the points */
    sqlite3 *db = 0;
    sqlite3_backup *pBackup;
    sqlite3_int64 nMem0 = sqlite3_memory_used();
    int rc, nSchema;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_sqlorm_init(db, &zErr, 0), SQLITE_OK);
    pBackup = sqlite3_backup_init(db, "main", pTemplate, "main");
    assert_non_null(pBackup);
    sqlite3_backup_step(pBackup, -1);
    assert_int_equal(sqlite3_backup_finish(pBackup), SQLITE_OK);
    /* Loaded again now that the catalog is there: what it registers per connection. */
    assert_int_equal(sqlite3_sqlorm_init(db, &zErr, 0), SQLITE_OK);
    nSchema = (int)testQueryInt(db, "SELECT count(*) FROM sqlite_schema");
    bFailed = 0;
    nFailAfter = n;
    rc = sqlite3_exec(db, zSql, 0, 0, &zErr);
    nFailAfter = -1;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      /* A failed definition reports NOMEM, not a different error made up on the way. */
      fprintf(stderr, "N=%d: %s -> rc=%d %s\n", n, zSql, rc, zErr ? zErr : "");
    }
    assert_true(rc==SQLITE_OK || rc==SQLITE_NOMEM);
    sqlite3_free(zErr);
    zErr = 0;
    /* After SQLITE_NOMEM, SQLite asks the application to ROLLBACK: an out-of-memory error
    ** interrupts every statement of the connection until the outer one ends, so the
    ** definition could not roll its savepoint back itself. */
    if( rc!=SQLITE_OK && !sqlite3_get_autocommit(db) ) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    if( rc!=SQLITE_OK && !bPersist ){
      /* Nothing half made: the schema is as it was. */
      int nNow = (int)testQueryInt(db, "SELECT count(*) FROM sqlite_schema");
      if( nNow!=nSchema ) fprintf(stderr, "N=%d: %s changed the schema\n", n, zSql);
      assert_int_equal(nNow, nSchema);
    }
    sqlite3_exec(db, "ROLLBACK", 0, 0, 0);   /* what a persistent failure left open */
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    if( sqlite3_memory_used()!=nMem0 ){
      fprintf(stderr, "N=%d%s: %s leaked %lld bytes\n", n, bPersist ? " (persistent)" : "",
              zSql, (long long)(sqlite3_memory_used() - nMem0));
    }
    assert_int_equal(sqlite3_memory_used(), nMem0);
    if( rc==SQLITE_OK && !bFailed ) break;
  }
  assert_int_equal(sqlite3_close(pTemplate), SQLITE_OK);
}

static void test_oom_relationship(void **state){
  (void)state;
  oomLoop(0, "SELECT orm_relationship('users', 'addresses', 'addresses',"
             " '{\"cascade\":\"all, delete-orphan\",\"order_by\":\"e DESC\",\"where\":\"e <> ''x''\"}')");
}

static void test_oom_many_to_many(void **state){
  (void)state;
  oomLoop(0, "SELECT orm_relationship('users', 'groups', 'groups', '{\"secondary\":\"user_group\"}')");
}

static void test_oom_automap(void **state){
  (void)state;
  oomLoop(0, "SELECT orm_automap()");
}

static void test_oom_drop(void **state){
  (void)state;
  oomLoop("SELECT orm_automap()", "SELECT orm_drop('users')");
}

static void test_oom_json(void **state){
  (void)state;
  oomLoop("SELECT orm_automap()", "SELECT orm_json('users', 1, 'addresses,groups(users)')");
}

static void test_oom_traverse(void **state){
  (void)state;
  oomLoop("SELECT orm_relationship('employees', 'reports', 'employees', "
          "'{\"remote\":\"manager_id\",\"order_by\":\"name\"}')",
          "SELECT count(*), max(depth) FROM employees__reports(1, 0);"
          "SELECT count(*) FROM employees e JOIN employees__reports r ON r.source = e.id");
}

static void test_oom_hybrid(void **state){
  (void)state;
  oomLoop(0, "SELECT orm_hybrid('users', 'shout', 'upper(name)', '{\"index\":true}')");
  oomLoop(0, "SELECT orm_hybrid('users', 'n', '(SELECT count(*) FROM addresses "
             "WHERE addresses.user_id = users.id)')");
  oomLoop(0, "SELECT orm_hybrid('users', 'm', 'name LIKE :p', '{\"params\":[\"p\"]}')");
  oomLoop(0, "SELECT orm_hybrid('users', 'up', 'upper(name)', "
             "'{\"setter\":{\"name\":\"lower(:value)\"}}')");
  oomLoop("SELECT orm_hybrid('users', 'm', 'name LIKE :p', '{\"params\":[\"p\"]}')",
          "SELECT users__m(1, 'a%')");
  oomLoop("SELECT orm_hybrid('users', 'n', '(SELECT count(*) FROM addresses "
          "WHERE addresses.user_id = users.id)')", "SELECT orm_drop('users', 'n')");
  oomLoop("SELECT orm_model('Base', '{\"table\":\"users\",\"polymorphic_on\":\"name\","
          "\"identity\":\"b\"}')",
          "SELECT orm_model('Sub', '{\"inherits\":\"Base\",\"identity\":\"s\"}')");
  oomLoop("CREATE TABLE devs(id INTEGER PRIMARY KEY REFERENCES users, lang TEXT);"
          "SELECT orm_model('Base', '{\"table\":\"users\",\"polymorphic_on\":\"name\","
          "\"identity\":\"b\"}')",
          "SELECT orm_model('Dev', '{\"inherits\":\"Base\",\"table\":\"devs\","
          "\"identity\":\"d\"}')");
  oomLoop(0, "SELECT orm_model('User', '{\"table\":\"users\",\"timestamps\":true,"
             "\"soft_delete\":true,\"validate\":{\"named\":\"length(name) > 0\"}}')");
}

static void test_oom_journal(void **state){
  static const char zRevs[] =
    "SELECT orm_revision('a1', NULL, 'one', 'CREATE TABLE j1(x); INSERT INTO j1 VALUES (1)', "
    "  'DROP TABLE j1');"
    "SELECT orm_revision('b2', 'a1', 'two', 'CREATE INDEX j1_x ON j1(x)', 'DROP INDEX j1_x',"
    "  '{\"branch_labels\":\"main\"}');";
  (void)state;
  oomLoop(0, "SELECT orm_revision('a1', NULL, 'one', 'CREATE TABLE j1(x)', 'DROP TABLE j1', "
             "'{\"branch_labels\":[\"x\"]}')");
  oomLoop(zRevs, "SELECT orm_upgrade('main@head')");
  oomLoop(zRevs, "SELECT orm_upgrade_sql('head'); SELECT * FROM orm_history; "
                 "SELECT orm_current(), orm_heads()");
  oomLoop(zRevs, "SELECT orm_stamp('b2')");
  {
    char *zSetup = sqlite3_mprintf("%s SELECT orm_upgrade('head');", zRevs);
    oomLoop(zSetup, "SELECT orm_downgrade('base')");
    oomLoop(zSetup, "SELECT orm_check(); SELECT orm_downgrade_sql('a1')");
    sqlite3_free(zSetup);
  }
}

static void test_oom_autogenerate(void **state){
  (void)state;
  oomLoop("CREATE INDEX users_name ON users(name); CREATE VIEW vu AS SELECT * FROM users;",
          "SELECT orm_autogenerate('g1', 'sync', 'CREATE TABLE users(id INTEGER PRIMARY KEY, "
          "name TEXT NOT NULL DEFAULT '''', email TEXT UNIQUE, age INT); "
          "CREATE INDEX users_name ON users(name, age); CREATE TABLE extra(x ANY) STRICT;')");
}

static void test_oom_remote(void **state){
  sqlite3 *db = 0;
  (void)state;
  /* The other file; each iteration writes it in a transaction that commits or rolls back. */
  unlink("oom_remote.db");
  assert_int_equal(sqlite3_open("oom_remote.db", &db), SQLITE_OK);
  testExec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INT);"
               "CREATE TABLE k(a TEXT, b INT, v TEXT, PRIMARY KEY(a, b));"
               "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, NULL, 3);"
               "INSERT INTO k VALUES ('x', 1, 'p'), ('x', 2, 'q');");
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  oomLoop(0, "BEGIN;"
             "CREATE VIRTUAL TABLE r USING orm_remote('sqlite:///oom_remote.db', 't',"
             "  '{\"pool_size\":2}');"
             "CREATE VIRTUAL TABLE rk USING orm_remote('sqlite:///oom_remote.db', 'main.k');"
             "SELECT count(*) FROM r WHERE id IN (1, 2) AND v IS NOT NULL ORDER BY n DESC LIMIT 5;"
             "UPDATE r SET v = 'z' WHERE id = 1;"
             "DELETE FROM r WHERE id = 3;"
             "INSERT INTO r VALUES (3, NULL, 3);"
             "UPDATE rk SET v = 'w' WHERE a = 'x';"
             "SELECT orm_remote_sql();"
             "COMMIT;");
  unlink("oom_remote.db");
}

static void test_oom_version(void **state){
  (void)state;
  /* The table's triggers, the stamping exemption, and another model's view built again. */
  oomLoop("ALTER TABLE users ADD COLUMN rev TEXT;"
          "SELECT orm_model('Person', '{\"table\":\"users\",\"soft_delete\":true}')",
          "SELECT orm_model('users', '{\"version\":\"rev\",\"version_generator\":\"uuid\","
          "\"timestamps\":true}')");
  oomLoop("ALTER TABLE users ADD COLUMN version INTEGER;"
          "SELECT orm_model('users', '{\"version\":true,\"version_policy\":\"strict\"}');"
          "SELECT orm_model('Person', '{\"table\":\"users\"}')",
          "SELECT orm_drop('users')");
}

/* Model views read by traversal tables and orm_json: the traversal tables built again
** when a view appears (orm_model) or gains a column (orm_hybrid), made over a view, and
** read through. */
static void test_oom_views(void **state){
  static const char zReports[] = "SELECT orm_relationship('employees', 'reports', "
      "'employees', '{\"remote\":\"manager_id\"}');";
  static const char zUser[] = "SELECT orm_relationship('addresses', 'user', 'users');"
      "SELECT orm_relationship('users', 'addresses', 'addresses');";
  (void)state;
  oomLoop(zReports, "SELECT orm_model('employees', '{\"soft_delete\":true}')");
  oomLoop(zUser, "SELECT orm_hybrid('users', 'n', '(SELECT count(*) FROM addresses "
          "WHERE addresses.user_id = users.id)')");
  oomLoop("SELECT orm_model('Boss', '{\"table\":\"employees\",\"soft_delete\":true}')",
          "SELECT orm_relationship('Boss', 'team', 'employees', '{\"remote\":\"manager_id\"}')");
  oomLoop("SELECT orm_relationship('addresses', 'user', 'users');"
          "SELECT orm_model('users', '{\"soft_delete\":true}');"
          "SELECT orm_hybrid('addresses', 'n', '(SELECT count(*) FROM users "
          "WHERE users.id = addresses.user_id)')",
          "SELECT orm_json('addresses', 1, 'user')");
  oomLoop("SELECT orm_model('employees', '{\"soft_delete\":true}');"
          "SELECT orm_hybrid('employees', 'n', '(SELECT count(*) FROM employees r "
          "WHERE r.manager_id = employees.id)');" ,
          zReports);
  oomLoop("SELECT orm_model('employees', '{\"soft_delete\":true}');"
          "SELECT orm_relationship('employees', 'reports', 'employees', "
          "'{\"remote\":\"manager_id\"}');",
          "SELECT count(*) FROM employees__reports(1, 0)");
}

static void test_oom_alter(void **state){
  (void)state;
  /* Native: a rename and an added column; the rebuild: a constraint, a changed column,
  ** the foreign keys of the children checked. */
  oomLoop(0, "SELECT orm_alter_table('users', '{\"rename_column\":{\"name\":\"nick\"},"
             "\"add_column\":{\"age\":\"INT DEFAULT 0\"}}')");
  oomLoop("PRAGMA foreign_keys=ON",
          "SELECT orm_alter_table('users', '{\"alter_column\":{\"name\":{\"not_null\":true,"
          "\"collate\":\"NOCASE\"}},\"drop_constraint\":\"UNIQUE\","
          "\"add_constraint\":\"CONSTRAINT c CHECK (id > 0)\"}')");
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test(test_oom_relationship),
    cmocka_unit_test(test_oom_many_to_many),
    cmocka_unit_test(test_oom_automap),
    cmocka_unit_test(test_oom_drop),
    cmocka_unit_test(test_oom_json),
    cmocka_unit_test(test_oom_traverse),
    cmocka_unit_test(test_oom_hybrid),
    cmocka_unit_test(test_oom_journal),
    cmocka_unit_test(test_oom_autogenerate),
    cmocka_unit_test(test_oom_remote),
    cmocka_unit_test(test_oom_version),
    cmocka_unit_test(test_oom_views),
    cmocka_unit_test(test_oom_alter),
  };
  /* OOM_ONLY=test_oom_journal runs one scenario, while working on one. */
  if( getenv("OOM_ONLY") ) cmocka_set_test_filter(getenv("OOM_ONLY"));
  return cmocka_run_group_tests_name("oom", aTest, groupSetup, 0);
}
