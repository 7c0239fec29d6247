/*
** testutil.h: what the cmocka tests share: a fresh database per test, and a teardown that
** checks every byte SQLite allocated during the test was freed.
**
**   static const struct CMUnitTest aTest[] = {
**     cmocka_unit_test_setup_teardown(test_x, testSetup, testTeardown),
**   };
**   TestDb *t = *state;   -- t->db, t->zPath (a file of its own, removed afterwards)
*/
#ifndef SQLORM_TESTUTIL_H
#define SQLORM_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

typedef struct TestDb TestDb;
struct TestDb {
  sqlite3 *db;
  char zPath[256];
  sqlite3_int64 nMemStart;   /* sqlite3_memory_used() before the test */
};

static inline void testRemoveDb(const char *zPath){
  char z[300];
  unlink(zPath);
  snprintf(z, sizeof(z), "%s-journal", zPath); unlink(z);
  snprintf(z, sizeof(z), "%s-wal", zPath); unlink(z);
  snprintf(z, sizeof(z), "%s-shm", zPath); unlink(z);
}

static inline int testSetup(void **state){
  static int iSeq = 0;
  TestDb *t = calloc(1, sizeof(TestDb));
  if( t==0 ) return -1;
  sqlite3_initialize();
  t->nMemStart = sqlite3_memory_used();
  snprintf(t->zPath, sizeof(t->zPath), "test-%d-%d.db", (int)getpid(), ++iSeq);
  testRemoveDb(t->zPath);
  if( sqlite3_open(t->zPath, &t->db)!=SQLITE_OK ) return -1;
  *state = t;
  return 0;
}

static inline int testTeardown(void **state){
  TestDb *t = *state;
  sqlite3_int64 nLeft;
  if( t->db && sqlite3_close(t->db)!=SQLITE_OK ){
    fprintf(stderr, "sqlite3_close: %s\n", sqlite3_errmsg(t->db));
    return -1;
  }
  testRemoveDb(t->zPath);
  nLeft = sqlite3_memory_used() - t->nMemStart;
  free(t);
  if( nLeft!=0 ){
    fprintf(stderr, "memory check: %lld bytes allocated by SQLite were not freed\n",
            (long long)nLeft);
    return -1;
  }
  return 0;
}

/* Runs SQL that must succeed. */
static inline void testExec(sqlite3 *db, const char *zSql){
  char *zErr = 0;
  int rc = sqlite3_exec(db, zSql, 0, 0, &zErr);
  if( rc!=SQLITE_OK ) fprintf(stderr, "%s\n  -> %s\n", zSql, zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_OK);
}

/* The first column of the first row of zSql as text (sqlite3_malloc'd; NULL for SQL NULL). */
static inline char *testQueryText(sqlite3 *db, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  char *z = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) fprintf(stderr, "%s\n  -> %s\n", zSql, sqlite3_errmsg(db));
  assert_int_equal(rc, SQLITE_OK);
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW && sqlite3_column_type(pStmt, 0)!=SQLITE_NULL ){
    z = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
  }
  if( rc!=SQLITE_ROW && rc!=SQLITE_DONE ) fprintf(stderr, "%s\n", sqlite3_errmsg(db));
  assert_true(rc==SQLITE_ROW || rc==SQLITE_DONE);
  sqlite3_finalize(pStmt);
  return z;
}

static inline sqlite3_int64 testQueryInt(sqlite3 *db, const char *zSql){
  char *z = testQueryText(db, zSql);
  sqlite3_int64 v = z ? strtoll(z, 0, 10) : -1;
  sqlite3_free(z);
  return v;
}

/* Asserts the first value of zSql equals zWant. */
static inline void testAssertText(sqlite3 *db, const char *zSql, const char *zWant){
  char *z = testQueryText(db, zSql);
  if( z==0 || strcmp(z, zWant)!=0 ){
    fprintf(stderr, "%s\n  got:  %s\n  want: %s\n", zSql, z ? z : "NULL", zWant);
  }
  assert_non_null(z);
  assert_string_equal(z, zWant);
  sqlite3_free(z);
}

/* A whole file's bytes, to prove that something left it unchanged (malloc'd). */
static inline char *testReadFile(const char *zPath, long *pn){
  FILE *f = fopen(zPath, "rb");
  char *z;
  *pn = 0;
  if( f==0 ) return 0;
  fseek(f, 0, SEEK_END);
  *pn = ftell(f);
  fseek(f, 0, SEEK_SET);
  z = malloc(*pn + 1);
  if( z && fread(z, 1, *pn, f)!=(size_t)*pn ){ free(z); z = 0; }
  fclose(f);
  return z;
}

#endif /* SQLORM_TESTUTIL_H */
