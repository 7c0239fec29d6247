/*
** migrate_test.c: the migration journal under concurrency and crashes.
**
**   test_concurrent_upgrades: four processes upgrade one file at once (WAL and rollback
**     journal), retrying on SQLITE_BUSY: every revision runs exactly once.
**   test_killed_upgrades: a process killed with SIGKILL at random points of a long upgrade
**     or downgrade, many times: after each kill the file passes integrity_check and the
**     journal matches the schema (a revision is in the journal iff its table exists).
**
** Each child opens its own connection (SQLite connections do not cross fork) and leaves
** with _exit, so it never runs the parent's cleanup.
*/
#include "testutil.h"
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

int sqlite3_sqlorm_init(sqlite3*, char**, const sqlite3_api_routines*);

#define NREV 60

static sqlite3 *openDb(const char *zPath){
  sqlite3 *db = 0;
  char *zErr = 0;
  if( sqlite3_open(zPath, &db)!=SQLITE_OK ) return 0;
  if( sqlite3_sqlorm_init(db, &zErr, 0)!=SQLITE_OK ){
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 0;
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

/* NREV revisions in a chain: each makes a table and an index, fills the table, and logs
** that it ran into runs (which counts executions that stayed). */
static void defineRevisions(sqlite3 *db, int nRows){
  int i;
  testExec(db, "CREATE TABLE runs(rev TEXT)");
  for(i=0; i<NREV; i++){
    char *zDown = i ? sqlite3_mprintf("'r%03d'", i-1) : sqlite3_mprintf("NULL");
    char *zSql = sqlite3_mprintf(
        "SELECT orm_revision('r%03d', %s, 'table %d', "
        "'CREATE TABLE t%03d(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t%03d_v ON t%03d(v);"
        " WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < %d)"
        " INSERT INTO t%03d(v) SELECT hex(randomblob(16)) FROM s;"
        " INSERT INTO runs VALUES (''r%03d'');', 'DROP TABLE t%03d; "
        "DELETE FROM runs WHERE rev = ''r%03d'';')",
        i, zDown, i, i, i, i, nRows, i, i, i, i);
    testExec(db, zSql);
    sqlite3_free(zSql);
    sqlite3_free(zDown);
  }
}

static int upgradeWithRetry(sqlite3 *db, int bImmediate){
  int nTry;
  for(nTry=0; nTry<200; nTry++){
    int rc = bImmediate ? sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0) : SQLITE_OK;
    if( rc==SQLITE_OK ) rc = sqlite3_exec(db, "SELECT orm_upgrade('head')", 0, 0, 0);
    if( rc==SQLITE_OK && bImmediate ) rc = sqlite3_exec(db, "COMMIT", 0, 0, 0);
    if( rc==SQLITE_OK ) return 0;
    if( bImmediate ) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    if( (rc & 0xff)!=SQLITE_BUSY && !strstr(sqlite3_errmsg(db), "another connection") ){
      fprintf(stderr, "upgrade failed: %s\n", sqlite3_errmsg(db));
      return 2;
    }
    usleep(1000 + (rand() % 5000));
  }
  return 3;
}

static void concurrentRun(const char *zPath, int bWal, int bImmediate){
  sqlite3 *db = openDb(zPath);
  pid_t aPid[4];
  int i, nOk = 0;
  assert_non_null(db);
  if( bWal ) testExec(db, "PRAGMA journal_mode=WAL");
  defineRevisions(db, 10);
  sqlite3_close(db);
  for(i=0; i<4; i++){
    aPid[i] = fork();
    assert_true(aPid[i]>=0);
    if( aPid[i]==0 ){
      sqlite3 *dbChild = openDb(zPath);
      int rc;
      srand(getpid());
      rc = dbChild ? upgradeWithRetry(dbChild, bImmediate) : 1;
      sqlite3_close(dbChild);
      _exit(rc);
    }
  }
  for(i=0; i<4; i++){
    int status = 0;
    waitpid(aPid[i], &status, 0);
    if( WIFEXITED(status) && WEXITSTATUS(status)==0 ) nOk++;
  }
  assert_int_equal(nOk, 4);
  db = openDb(zPath);
  assert_non_null(db);
  /* Each revision ran once: its log row and journal row, and its table. */
  assert_int_equal(testQueryInt(db, "SELECT count(*) FROM runs"), NREV);
  assert_int_equal(testQueryInt(db, "SELECT count(DISTINCT rev) FROM runs"), NREV);
  assert_int_equal(testQueryInt(db, "SELECT count(*) FROM orm_journal"), NREV);
  assert_int_equal(testQueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE type='table' "
                                    "AND name GLOB 't[0-9][0-9][0-9]'"), NREV);
  testAssertText(db, "SELECT orm_current()", "[\"r059\"]");
  sqlite3_close(db);
}

static void test_concurrent_upgrades(void **state){
  TestDb *t = *state;
  sqlite3_close(t->db);
  t->db = 0;
  concurrentRun(t->zPath, 1, 1);
  testRemoveDb(t->zPath);
  concurrentRun(t->zPath, 1, 0);
  testRemoveDb(t->zPath);
  concurrentRun(t->zPath, 0, 1);
  testRemoveDb(t->zPath);
  concurrentRun(t->zPath, 0, 0);
}

/* The journal matches the schema: a revision is journalled iff its table exists. */
static void checkConsistent(sqlite3 *db){
  testAssertText(db, "PRAGMA integrity_check", "ok");
  assert_int_equal(testQueryInt(db,
      "SELECT count(*) FROM orm_revisions r WHERE "
      "(r.revision IN (SELECT revision FROM orm_journal)) <> "
      "(EXISTS (SELECT 1 FROM sqlite_schema s WHERE s.type = 'table' "
      "  AND s.name = 't' || substr(r.revision, 2)))"), 0);
  /* What the log says ran and stayed equals the journal (a killed run left no row). */
  assert_int_equal(testQueryInt(db, "SELECT count(*) FROM orm_journal"),
                   testQueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE type='table' "
                                    "AND name GLOB 't[0-9][0-9][0-9]'"));
}

static void killedRun(const char *zPath, int bWal){
  sqlite3 *db = openDb(zPath);
  int k, nKilled = 0;
  assert_non_null(db);
  if( bWal ) testExec(db, "PRAGMA journal_mode=WAL");
  defineRevisions(db, 2000);
  sqlite3_close(db);
  srand((unsigned)time(0));
  for(k=0; k<12; k++){
    pid_t pid = fork();
    int status = 0;
    assert_true(pid>=0);
    if( pid==0 ){
      sqlite3 *dbChild = openDb(zPath);
      int rc;
      if( dbChild==0 ) _exit(1);
      /* Up to head, or back to base when there: both directions get killed. */
      rc = sqlite3_exec(dbChild, (k & 1) ? "SELECT orm_downgrade('base')"
                                         : "SELECT orm_upgrade('head')", 0, 0, 0);
      sqlite3_close(dbChild);
      _exit(rc==SQLITE_OK ? 0 : 2);
    }
    usleep(5000 + rand() % 150000);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if( WIFSIGNALED(status) ) nKilled++;      /* killed before it finished */
    db = openDb(zPath);
    assert_non_null(db);
    checkConsistent(db);
    sqlite3_close(db);
  }
  fprintf(stderr, "# %s: %d of 12 runs killed mid-way\n", bWal ? "WAL" : "rollback journal",
          nKilled);
  assert_true(nKilled>=3);
}

static void test_killed_upgrades(void **state){
  TestDb *t = *state;
  sqlite3_close(t->db);
  t->db = 0;
  killedRun(t->zPath, 0);
  testRemoveDb(t->zPath);
  killedRun(t->zPath, 1);
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test_setup_teardown(test_concurrent_upgrades, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_killed_upgrades, testSetup, testTeardown),
  };
  return cmocka_run_group_tests(aTest, 0, 0);
}
