/*
** remote_pg_test.c: the PostgreSQL backend (vtab/remote_pg.c) through the OrmBackend
** interface, against a real server that tests/servers/pg.sh starts for the group.
**
** Covers: connecting (options passed to libpq, unknown ones named, wrong passwords,
** refused ports and timeouts, never a password in a message); every type of the type map
** both ways (parameters from sqlite3_value, values read back through xColumn in a SQL
** function); numeric's INTEGER/REAL/TEXT rule; arrays as JSON, the database's own types
** among them; streaming 200,000 rows in bounded memory, outside and inside a transaction;
** results interleaved on one connection (cursors inside a transaction, a stream buffered
** outside); finishing early; the statement cache (10,000 lookups against plain libpq,
** eviction, plans gone stale after DDL); changes; errors and their codes; savepoints,
** cursors and ROLLBACK TO; two-phase commit; xColumns and xTables; and at the end, a
** server without prepared transactions and a killed server (SQLITE_IOERR, then a restart).
**
** Run: SQLORM_SRCDIR=. tests/remote_pg_test (finds tests/servers/pg.sh under SRCDIR).
*/
#include "testutil.h"
#include "remote.h"
#include <libpq-fe.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#if defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define TEST_ASAN 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__)
# define TEST_ASAN 1
#endif
#ifdef TEST_ASAN
/* From the ASan runtime (sanitizer/allocator_interface.h, not always installed). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t testHeapUsed(void){ return __sanitizer_get_current_allocated_bytes(); }
#else
# include <malloc.h>
static size_t testHeapUsed(void){ return mallinfo2().uordblks; }
#endif

static const OrmBackend *pBe = &sqlormBackendPg;

/* The group's server. */
static char gzDir[128];
static char gzUrl[256];
static char gzPort[16];
static char gzSocket[128];
static char gzScript[512];

typedef struct TestPg TestPg;
struct TestPg {
  sqlite3 *db;                  /* in memory: makes values, runs pgcol() */
  sqlite3_stmt *pCol;           /* SELECT pgcol(?1) */
  OrmRemoteConn *pConn;
  OrmRemoteRes *pRes;           /* what pgcol() reads */
  sqlite3_int64 nMemStart;
};

static double testNow(void){
  struct timeval tv;
  gettimeofday(&tv, 0);
  return tv.tv_sec + tv.tv_usec/1e6;
}

static int testScript(const char *zCmd){
  char zSh[1024];
  snprintf(zSh, sizeof(zSh), "sh '%s' %s '%s'", gzScript, zCmd, gzDir);
  return system(zSh);
}

/* An allocator that fails the Nth allocation once armed (test_oom), as oom_test.c's. */
static sqlite3_mem_methods gRealMem;
static int gnFailAfter = -1;          /* -1: never fail */
static int gbFailed = 0;

static int oomFail(void){
  if( gnFailAfter==0 ){
    gbFailed = 1;
    gnFailAfter = -1;
    return 1;
  }
  if( gnFailAfter>0 ) gnFailAfter--;
  return 0;
}
static void *oomMalloc(int n){ return oomFail() ? 0 : gRealMem.xMalloc(n); }
static void *oomRealloc(void *p, int n){ return oomFail() ? 0 : gRealMem.xRealloc(p, n); }

static int groupSetup(void **state){
  const char *zSrc = getenv("SQLORM_SRCDIR");
  sqlite3_mem_methods m;
  const char *zTmp = getenv("TMPDIR");
  char zEnv[256], zLine[512];
  double t0;
  FILE *f;
  (void)state;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &gRealMem);
  m = gRealMem;
  m.xMalloc = oomMalloc;
  m.xRealloc = oomRealloc;
  if( sqlite3_config(SQLITE_CONFIG_MALLOC, &m)!=SQLITE_OK ) return -1;
  snprintf(gzScript, sizeof(gzScript), "%s/tests/servers/pg.sh", zSrc ? zSrc : ".");
  /* A short path: the server's Unix socket lives in it. */
  snprintf(gzDir, sizeof(gzDir), "%s/sqlorm-pg-XXXXXX",
           zTmp && strlen(zTmp)<40 ? zTmp : "/tmp");
  if( mkdtemp(gzDir)==0 ){ perror("mkdtemp"); return -1; }
  t0 = testNow();
  if( testScript("start")!=0 ){
    fprintf(stderr, "cannot start a PostgreSQL server with %s\n", gzScript);
    rmdir(gzDir);
    return -1;
  }
  fprintf(stderr, "# pg.sh start: %.2f s\n", testNow()-t0);
  snprintf(zEnv, sizeof(zEnv), "%s/env", gzDir);
  f = fopen(zEnv, "r");
  if( f==0 ){ perror(zEnv); return -1; }
  while( fgets(zLine, sizeof(zLine), f) ){
    char *zEq = strchr(zLine, '=');
    if( zEq==0 ) continue;
    *zEq++ = 0;
    zEq[strcspn(zEq, "\n")] = 0;
    if( strcmp(zLine, "SQLORM_PG_URL")==0 ) snprintf(gzUrl, sizeof(gzUrl), "%s", zEq);
    if( strcmp(zLine, "SQLORM_PG_PORT")==0 ) snprintf(gzPort, sizeof(gzPort), "%s", zEq);
    if( strcmp(zLine, "SQLORM_PG_SOCKET")==0 ) snprintf(gzSocket, sizeof(gzSocket), "%s", zEq);
    if( strcmp(zLine, "SQLORM_PG_PASSFILE")==0 ) setenv("PGPASSFILE", zEq, 1);
  }
  fclose(f);
  return gzUrl[0] ? 0 : -1;
}

static int groupTeardown(void **state){
  (void)state;
  return testScript("stop")==0 ? 0 : -1;
}

static void testColFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  TestPg *t = sqlite3_user_data(ctx);
  (void)argc;
  pBe->xColumn(t->pRes, sqlite3_value_int(argv[0]), ctx);
}

/* Connects to zUrl (parsed here): the code, the connection or the message. */
static int testConnect(const char *zUrl, int iTimeout, OrmRemoteConn **pp, char **pzErr){
  OrmRemoteUrl *pUrl = 0;
  int rc = sqlormRemoteUrlParse(zUrl, &pUrl, pzErr);
  *pp = 0;
  if( rc==SQLITE_OK ) rc = pBe->xConnect(pUrl, iTimeout, pp, pzErr);
  sqlormRemoteUrlFree(pUrl);
  return rc;
}

static OrmRemoteConn *testOpen(void){
  OrmRemoteConn *pConn = 0;
  char *zErr = 0;
  int rc = testConnect(gzUrl, 10, &pConn, &zErr);
  if( rc!=SQLITE_OK ) fprintf(stderr, "connect: %s\n", zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_OK);
  assert_non_null(pConn);
  return pConn;
}

static int setup(void **state){
  TestPg *t = calloc(1, sizeof(TestPg));
  if( t==0 ) return -1;
  sqlite3_initialize();
  t->nMemStart = sqlite3_memory_used();
  if( sqlite3_open(":memory:", &t->db)!=SQLITE_OK ) return -1;
  if( sqlite3_create_function(t->db, "pgcol", 1, SQLITE_UTF8, t, testColFunc, 0, 0)
   || sqlite3_prepare_v2(t->db, "SELECT pgcol(?1)", -1, &t->pCol, 0) ){
    return -1;
  }
  t->pConn = testOpen();
  *state = t;
  return 0;
}

static int teardown(void **state){
  TestPg *t = *state;
  sqlite3_int64 nLeft;
  if( t->pConn ) pBe->xDisconnect(t->pConn);
  sqlite3_finalize(t->pCol);
  sqlite3_close(t->db);
  nLeft = sqlite3_memory_used() - t->nMemStart;
  free(t);
  if( nLeft!=0 ){
    fprintf(stderr, "memory check: %lld bytes allocated by SQLite were not freed\n",
            (long long)nLeft);
    return -1;
  }
  return 0;
}

/* The values of the SQLite query zVals' first row, protected copies (testValsFree). */
static int testVals(TestPg *t, const char *zVals, sqlite3_value ***papVal){
  sqlite3_stmt *pStmt = 0;
  int i, n;
  *papVal = 0;
  if( zVals==0 ) return 0;
  assert_int_equal(sqlite3_prepare_v2(t->db, zVals, -1, &pStmt, 0), SQLITE_OK);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  n = sqlite3_column_count(pStmt);
  *papVal = calloc(n, sizeof(sqlite3_value*));
  for(i=0; i<n; i++) (*papVal)[i] = sqlite3_value_dup(sqlite3_column_value(pStmt, i));
  sqlite3_finalize(pStmt);
  return n;
}

static void testValsFree(sqlite3_value **apVal, int n){
  int i;
  for(i=0; i<n; i++) sqlite3_value_free(apVal[i]);
  free(apVal);
}

/* xExec of zSql with the parameters zVals makes: the code; *pzErr its message. */
static int testExecV(TestPg *t, OrmRemoteConn *pConn, const char *zSql, const char *zVals,
                     sqlite3_int64 *pn, char **pzErr){
  sqlite3_value **apVal;
  int n = testVals(t, zVals, &apVal), rc;
  rc = pBe->xExec(pConn, zSql, n, apVal, pn, pzErr);
  testValsFree(apVal, n);
  return rc;
}

/* xExec that must succeed. */
static void pgtExec(TestPg *t, const char *zSql){
  char *zErr = 0;
  int rc = testExecV(t, t->pConn, zSql, 0, 0, &zErr);
  if( rc!=SQLITE_OK ) fprintf(stderr, "%s\n  -> %s\n", zSql, zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_OK);
}

static OrmRemoteRes *testQueryV(TestPg *t, OrmRemoteConn *pConn, const char *zSql,
                                const char *zVals, int flags){
  sqlite3_value **apVal;
  OrmRemoteRes *pRes = 0;
  char *zErr = 0;
  int n = testVals(t, zVals, &apVal), rc;
  rc = pBe->xQuery(pConn, zSql, n, apVal, flags, &pRes, &zErr);
  testValsFree(apVal, n);
  if( rc!=SQLITE_OK ) fprintf(stderr, "%s\n  -> %s\n", zSql, zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_OK);
  return pRes;
}

static OrmRemoteRes *testQuery(TestPg *t, const char *zSql){
  return testQueryV(t, t->pConn, zSql, 0, 0);
}

static void testNextRow(OrmRemoteRes *pRes){
  char *zErr = 0;
  int rc = pBe->xNext(pRes, &zErr);
  if( rc!=SQLITE_ROW ) fprintf(stderr, "xNext: %d %s\n", rc, zErr ? zErr : "");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_ROW);
}

static void testNextDone(OrmRemoteRes *pRes){
  char *zErr = 0;
  int rc = pBe->xNext(pRes, &zErr);
  if( rc!=SQLITE_DONE ) fprintf(stderr, "xNext: %d %s\n", rc, zErr ? zErr : "");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_DONE);
}

/* Column iCol of the current row as SQLite sees it (a copy: sqlite3_value_free). */
static sqlite3_value *testCol(TestPg *t, OrmRemoteRes *pRes, int iCol){
  sqlite3_value *v;
  t->pRes = pRes;
  sqlite3_reset(t->pCol);
  sqlite3_bind_int(t->pCol, 1, iCol);
  assert_int_equal(sqlite3_step(t->pCol), SQLITE_ROW);
  v = sqlite3_value_dup(sqlite3_column_value(t->pCol, 0));
  sqlite3_reset(t->pCol);
  assert_non_null(v);
  return v;
}

static void testShow(sqlite3_value *v, int iCol, const char *zWant){
  fprintf(stderr, "column %d: got type %d, '%s'; want %s\n", iCol, sqlite3_value_type(v),
          sqlite3_value_type(v)==SQLITE_BLOB ? "(blob)" : (const char*)sqlite3_value_text(v),
          zWant);
}

static void testColInt(TestPg *t, OrmRemoteRes *pRes, int iCol, sqlite3_int64 iWant){
  sqlite3_value *v = testCol(t, pRes, iCol);
  int bOk = sqlite3_value_type(v)==SQLITE_INTEGER && sqlite3_value_int64(v)==iWant;
  if( !bOk ){
    char z[32];
    snprintf(z, sizeof(z), "INTEGER %lld", (long long)iWant);
    testShow(v, iCol, z);
  }
  sqlite3_value_free(v);
  assert_true(bOk);
}

static void testColReal(TestPg *t, OrmRemoteRes *pRes, int iCol, double rWant){
  sqlite3_value *v = testCol(t, pRes, iCol);
  int bOk = sqlite3_value_type(v)==SQLITE_FLOAT && sqlite3_value_double(v)==rWant;
  if( !bOk ){
    char z[48];
    snprintf(z, sizeof(z), "REAL %.17g", rWant);
    testShow(v, iCol, z);
  }
  sqlite3_value_free(v);
  assert_true(bOk);
}

static void testColText(TestPg *t, OrmRemoteRes *pRes, int iCol, const char *zWant){
  sqlite3_value *v = testCol(t, pRes, iCol);
  int bOk = sqlite3_value_type(v)==SQLITE_TEXT
         && strcmp((const char*)sqlite3_value_text(v), zWant)==0;
  if( !bOk ) testShow(v, iCol, zWant);
  sqlite3_value_free(v);
  assert_true(bOk);
}

static void testColNull(TestPg *t, OrmRemoteRes *pRes, int iCol){
  sqlite3_value *v = testCol(t, pRes, iCol);
  int bOk = sqlite3_value_type(v)==SQLITE_NULL;
  if( !bOk ) testShow(v, iCol, "NULL");
  sqlite3_value_free(v);
  assert_true(bOk);
}

static void testColBlob(TestPg *t, OrmRemoteRes *pRes, int iCol, const void *a, int n){
  sqlite3_value *v = testCol(t, pRes, iCol);
  int bOk = sqlite3_value_type(v)==SQLITE_BLOB && sqlite3_value_bytes(v)==n
         && (n==0 || memcmp(sqlite3_value_blob(v), a, n)==0);
  if( !bOk ) testShow(v, iCol, "a blob");
  sqlite3_value_free(v);
  assert_true(bOk);
}

/* The first column of zSql's only row, as text (server side), into z. */
static void pgtQueryText(TestPg *t, const char *zSql, char *z, int n){
  OrmRemoteRes *pRes = testQueryV(t, t->pConn, zSql, 0, ORM_QUERY_ONE);
  sqlite3_value *v;
  testNextRow(pRes);
  v = testCol(t, pRes, 0);
  snprintf(z, n, "%s", sqlite3_value_type(v)==SQLITE_NULL ? "NULL"
                       : (const char*)sqlite3_value_text(v));
  sqlite3_value_free(v);
  pBe->xFinish(pRes);
}

static sqlite3_int64 pgtQueryInt(TestPg *t, OrmRemoteConn *pConn, const char *zSql){
  OrmRemoteRes *pRes = testQueryV(t, pConn, zSql, 0, ORM_QUERY_ONE);
  sqlite3_value *v;
  sqlite3_int64 i;
  testNextRow(pRes);
  v = testCol(t, pRes, 0);
  i = sqlite3_value_int64(v);
  sqlite3_value_free(v);
  pBe->xFinish(pRes);
  return i;
}

static void testAssertHas(const char *zMsg, const char *zPart){
  if( zMsg==0 || strstr(zMsg, zPart)==0 ){
    fprintf(stderr, "message: %s\n  lacks: %s\n", zMsg ? zMsg : "NULL", zPart);
  }
  assert_non_null(zMsg);
  assert_non_null(strstr(zMsg, zPart));
}

/* ---------------------------------------------------------------- connecting */

static void test_connect(void **state){
  TestPg *t = *state;
  char z[64];
  assert_ptr_equal(t->pConn->pBe, pBe);
  assert_true(t->pConn->iCreated > 0 && t->pConn->iCreated <= (sqlite3_int64)time(0));
  assert_int_equal(t->pConn->bInTxn, 0);
  assert_int_equal(pBe->xPing(t->pConn), SQLITE_OK);
  pgtQueryText(t, "SHOW TimeZone", z, sizeof(z));
  assert_string_equal(z, "UTC");
  pgtQueryText(t, "SHOW DateStyle", z, sizeof(z));
  assert_string_equal(z, "ISO, MDY");
  pgtQueryText(t, "SHOW extra_float_digits", z, sizeof(z));
  assert_string_equal(z, "3");
  pgtQueryText(t, "SHOW bytea_output", z, sizeof(z));
  assert_string_equal(z, "hex");
  pgtQueryText(t, "SHOW client_encoding", z, sizeof(z));
  assert_string_equal(z, "UTF8");
  pgtQueryText(t, "SHOW application_name", z, sizeof(z));
  assert_string_equal(z, "sqlorm");
}

/* The URL's query options are libpq keywords; the URL's own overrides ours. */
static void test_connect_options(void **state){
  TestPg *t = *state;
  OrmRemoteConn *pConn = 0;
  OrmRemoteRes *pRes;
  char zUrl[512], *zErr = 0;
  sqlite3_value *v;
  snprintf(zUrl, sizeof(zUrl), "%s?sslmode=disable&application_name=mine&options=-c%%20"
           "search_path%%3Dpg_catalog", gzUrl);
  assert_int_equal(testConnect(zUrl, 5, &pConn, &zErr), SQLITE_OK);
  pRes = testQueryV(t, pConn, "SELECT current_setting('application_name'), "
                    "current_setting('search_path')", 0, ORM_QUERY_ONE);
  testNextRow(pRes);
  v = testCol(t, pRes, 0);
  assert_string_equal((const char*)sqlite3_value_text(v), "mine");
  sqlite3_value_free(v);
  testColText(t, pRes, 1, "pg_catalog");
  pBe->xFinish(pRes);
  pBe->xDisconnect(pConn);

  /* Through the Unix socket (trust): host as an option. */
  snprintf(zUrl, sizeof(zUrl), "postgresql://sqlorm@:%s/sqlorm_test?host=%s", gzPort,
           gzSocket);
  assert_int_equal(testConnect(zUrl, 5, &pConn, &zErr), SQLITE_OK);
  assert_int_equal(pgtQueryInt(t, pConn, "SELECT 41 + 1"), 42);
  pBe->xDisconnect(pConn);

  /* A typo is named. */
  snprintf(zUrl, sizeof(zUrl), "%s?sslmod=disable", gzUrl);
  assert_int_equal(testConnect(zUrl, 5, &pConn, &zErr), SQLITE_ERROR);
  assert_null(pConn);
  testAssertHas(zErr, "unknown connection option \"sslmod\"");
  sqlite3_free(zErr);
}

static void test_connect_password(void **state){
  TestPg *t = *state;
  OrmRemoteConn *pConn = 0;
  char zUrl[512], zWant[512], *zErr = 0;
  int rc;
  (void)t;
  /* In the URL: redacted, and libpq's reason kept. */
  snprintf(zUrl, sizeof(zUrl), "postgresql://sqlorm:Wr0ngSecret@127.0.0.1:%s/sqlorm_test",
           gzPort);
  rc = testConnect(zUrl, 5, &pConn, &zErr);
  assert_int_equal(rc, SQLITE_CANTOPEN);
  assert_null(pConn);
  snprintf(zWant, sizeof(zWant), "cannot connect to postgresql://sqlorm:***@127.0.0.1:%s/"
           "sqlorm_test: ", gzPort);
  testAssertHas(zErr, zWant);
  testAssertHas(zErr, "password authentication failed for user \"sqlorm\"");
  assert_null(strstr(zErr, "Wr0ngSecret"));
  sqlite3_free(zErr);
  zErr = 0;
  /* As a query option: the URL shows it, the message must not. */
  snprintf(zUrl, sizeof(zUrl), "%s?password=Wr0ngSecret2", gzUrl);
  rc = testConnect(zUrl, 5, &pConn, &zErr);
  assert_int_equal(rc, SQLITE_CANTOPEN);
  testAssertHas(zErr, "password authentication failed");
  assert_null(strstr(zErr, "Wr0ngSecret2"));
  sqlite3_free(zErr);
  zErr = 0;
  /* None at all. */
  snprintf(zUrl, sizeof(zUrl), "%s?passfile=/nonexistent", gzUrl);
  rc = testConnect(zUrl, 5, &pConn, &zErr);
  assert_int_equal(rc, SQLITE_CANTOPEN);
  testAssertHas(zErr, "no password supplied");
  sqlite3_free(zErr);
  zErr = 0;
  /* The right one in the URL. */
  snprintf(zUrl, sizeof(zUrl), "postgresql://sqlorm:sqlorm-pw@127.0.0.1:%s/sqlorm_test?"
           "passfile=/nonexistent", gzPort);
  assert_int_equal(testConnect(zUrl, 5, &pConn, &zErr), SQLITE_OK);
  pBe->xDisconnect(pConn);
  /* The right one as an option: later messages that show the URL hide it too. */
  snprintf(zUrl, sizeof(zUrl), "%s?passfile=/nonexistent&password=sqlorm-pw", gzUrl);
  assert_int_equal(testConnect(zUrl, 5, &pConn, &zErr), SQLITE_OK);
  {
    OrmRemoteCol *aCol = 0;
    int nCol = 0;
    assert_int_equal(pBe->xColumns(pConn, 0, "nope", &aCol, &nCol, &zErr), SQLITE_NOTFOUND);
    testAssertHas(zErr, "password=***");
    assert_null(strstr(zErr, "sqlorm-pw"));
    sqlite3_free(zErr);
    zErr = 0;
  }
  pBe->xDisconnect(pConn);
}

static void test_connect_unreachable(void **state){
  struct sockaddr_in sa;
  socklen_t nSa = sizeof(sa);
  OrmRemoteConn *pConn = 0;
  char zUrl[256], *zErr = 0;
  double t0;
  int fd, rc;
  (void)state;
  /* A port nobody listens on: refused at once. */
  fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr*)&sa, sizeof(sa)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr*)&sa, &nSa), 0);
  close(fd);
  snprintf(zUrl, sizeof(zUrl), "postgresql://sqlorm@127.0.0.1:%d/sqlorm_test",
           ntohs(sa.sin_port));
  t0 = testNow();
  rc = testConnect(zUrl, 5, &pConn, &zErr);
  assert_int_equal(rc, SQLITE_CANTOPEN);
  assert_true(testNow()-t0 < 2.0);
  testAssertHas(zErr, "cannot connect to postgresql://sqlorm@127.0.0.1:");
  testAssertHas(zErr, "Connection refused");
  sqlite3_free(zErr);
  zErr = 0;
  /* A port that accepts TCP but never answers: connect_timeout (libpq's minimum, 2 s). */
  fd = socket(AF_INET, SOCK_STREAM, 0);
  sa.sin_port = 0;
  nSa = sizeof(sa);
  assert_int_equal(bind(fd, (struct sockaddr*)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 4), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr*)&sa, &nSa), 0);
  snprintf(zUrl, sizeof(zUrl), "postgresql://sqlorm@127.0.0.1:%d/sqlorm_test",
           ntohs(sa.sin_port));
  t0 = testNow();
  rc = testConnect(zUrl, 1, &pConn, &zErr);
  fprintf(stderr, "# silent port: failed after %.2f s\n", testNow()-t0);
  close(fd);
  assert_int_equal(rc, SQLITE_CANTOPEN);
  assert_true(testNow()-t0 < 5.0);
  testAssertHas(zErr, "timeout");
  sqlite3_free(zErr);
}

static void test_dialect(void **state){
  sqlite3_str *pStr = sqlite3_str_new(0);
  char *z;
  (void)state;
  pBe->xParam(pStr, 3);
  sqlite3_str_appendchar(pStr, 1, ' ');
  pBe->xQuoteId(pStr, "we\"ird");
  sqlite3_str_appendchar(pStr, 1, ' ');
  pBe->xOrderTerm(pStr, "\"a\"", 0);
  sqlite3_str_appendchar(pStr, 1, ',');
  pBe->xOrderTerm(pStr, "\"b\"", 1);
  z = sqlite3_str_finish(pStr);
  assert_string_equal(z, "$3 \"we\"\"ird\" \"a\" ASC NULLS FIRST,\"b\" DESC NULLS LAST");
  sqlite3_free(z);
  assert_string_equal(pBe->zName, "postgresql");
  assert_int_equal(pBe->bLikeAscii, 1);
  assert_string_equal(pBe->zLikeOp, "ILIKE");
  assert_string_equal(pBe->zRangeCollate, " COLLATE \"C\"");
}

/* ---------------------------------------------------------------- types */

static const char zTypesTable[] =
  "DROP TABLE IF EXISTS types; DROP TYPE IF EXISTS mood;"
  "CREATE TYPE mood AS ENUM ('sad', 'happy');"
  "CREATE TABLE types(id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, n_int numeric,"
  " n_frac numeric, n_tenth numeric, n_big numeric, f4 float4, f8 float8, b bool, t text,"
  " vc varchar(20), by bytea, d date, tm time, ts timestamp, tz timestamptz, j json,"
  " jb jsonb, u uuid, m mood, ai int4[], at text[], ch char(4))";

/* Every type of the map, written from sqlite3_value parameters and read back. */
static void test_types_roundtrip(void **state){
  static const unsigned char aBlob[] = { 0x00, 0xff, 0x00, 0x01, 'x' };
  static const char *azMode[] = { "stream", "one", "cursor" };
  TestPg *t = *state;
  OrmRemoteRes *pRes;
  sqlite3_int64 n = -1;
  char *zErr = 0;
  int rc, iMode;
  pgtExec(t, zTypesTable);
  rc = testExecV(t, t->pConn, "INSERT INTO types VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
      " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)",
      "SELECT 1, 32767, -2147483648, 9223372036854775807, 12345678901234, 2.5, '0.1',"
      " '1234567890123456789012345678901234567890', 1.5, 0.1, 1, 'h\xc3\xa9llo ''q''', 'vc',"
      " x'00ff000178', '2024-02-29', '13:45:06.5', '2024-02-29 13:45:06.123456',"
      " '2024-02-29 13:45:06+02', '{\"a\": [1, 2]}', '{\"b\": 1, \"a\": 2}',"
      " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '{1,NULL,3}',"
      " '{\"a,b\",\"q\\\"x\",NULL,\"NULL\",\"back\\\\slash\",\"\xc3\xbc\"}', 'ab'",
      &n, &zErr);
  if( rc ) fprintf(stderr, "%s\n", zErr);
  assert_int_equal(rc, SQLITE_OK);
  assert_int_equal(n, 1);
  pgtExec(t, "INSERT INTO types(id) VALUES (2)");
  for(iMode=0; iMode<3; iMode++){
    int c = 1;
    if( iMode==2 ) pgtExec(t, "BEGIN");
    pRes = testQueryV(t, t->pConn, "SELECT * FROM types ORDER BY id", 0,
                      iMode==1 ? ORM_QUERY_ONE : 0);
    fprintf(stderr, "# types read by %s\n", azMode[iMode]);
    testNextRow(pRes);
    testColInt(t, pRes, 0, 1);
    testColInt(t, pRes, c++, 32767);
    testColInt(t, pRes, c++, -2147483648LL);
    testColInt(t, pRes, c++, 9223372036854775807LL);
    testColInt(t, pRes, c++, 12345678901234LL);
    testColReal(t, pRes, c++, 2.5);
    testColText(t, pRes, c++, "0.1");
    testColText(t, pRes, c++, "1234567890123456789012345678901234567890");
    testColReal(t, pRes, c++, 1.5);
    testColReal(t, pRes, c++, 0.1);
    testColInt(t, pRes, c++, 1);
    testColText(t, pRes, c++, "h\xc3\xa9llo 'q'");
    testColText(t, pRes, c++, "vc");
    testColBlob(t, pRes, c++, aBlob, sizeof(aBlob));
    testColText(t, pRes, c++, "2024-02-29");
    testColText(t, pRes, c++, "13:45:06.5");
    testColText(t, pRes, c++, "2024-02-29 13:45:06.123456");
    testColText(t, pRes, c++, "2024-02-29 11:45:06+00:00");
    testColText(t, pRes, c++, "{\"a\": [1, 2]}");
    testColText(t, pRes, c++, "{\"a\": 2, \"b\": 1}");
    testColText(t, pRes, c++, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    testColText(t, pRes, c++, "happy");
    testColText(t, pRes, c++, "[1,null,3]");
    testColText(t, pRes, c++, "[\"a,b\",\"q\\\"x\",null,\"NULL\",\"back\\\\slash\","
                              "\"\xc3\xbc\"]");
    testColText(t, pRes, c++, "ab  ");
    testNextRow(pRes);
    testColInt(t, pRes, 0, 2);
    for(c=1; c<25; c++) testColNull(t, pRes, c);
    testNextDone(pRes);
    testNextDone(pRes);
    pBe->xFinish(pRes);
    if( iMode==2 ) pgtExec(t, "COMMIT");
  }
  /* What SQLite's own JSON makes of the arrays. */
  pRes = testQueryV(t, t->pConn, "SELECT ai, at FROM types WHERE id = $1", "SELECT 1",
                    ORM_QUERY_ONE);
  testNextRow(pRes);
  t->pRes = pRes;
  testAssertText(t->db, "SELECT json_extract(pgcol(1), '$[1]') || json_extract(pgcol(1),"
                 " '$[4]') || json_type(pgcol(1), '$[2]') || json_extract(pgcol(0), '$[2]')",
                 "q\"xback\\slashnull3");
  pBe->xFinish(pRes);
  /* Blobs as parameters: compared, and empty. */
  rc = testExecV(t, t->pConn, "UPDATE types SET by = $1 WHERE by = $2",
                 "SELECT x'', x'00ff000178'", &n, &zErr);
  assert_int_equal(rc, SQLITE_OK);
  assert_int_equal(n, 1);
  pRes = testQueryV(t, t->pConn, "SELECT by FROM types WHERE id = 1", 0, ORM_QUERY_ONE);
  testNextRow(pRes);
  testColBlob(t, pRes, 0, "", 0);
  pBe->xFinish(pRes);
}

/* Reals travel exactly; integers and reals reach integer, numeric and text columns. */
static void test_params(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pRes;
  pgtExec(t, "DROP TABLE IF EXISTS params;"
              "CREATE TABLE params(f8 float8, i int, n numeric, t text, b bool)");
  assert_int_equal(testExecV(t, t->pConn, "INSERT INTO params VALUES ($1, $2, $3, $4, $5)",
      "SELECT 0.1, 2.0, 12345678901234567, 17, 0", 0, 0), SQLITE_OK);
  assert_int_equal(testExecV(t, t->pConn, "INSERT INTO params VALUES ($1, $2, $3, $4, $5)",
      "SELECT 1.0000000000000002, -7, 1e20, 2.5, NULL", 0, 0), SQLITE_OK);
  assert_int_equal(testExecV(t, t->pConn, "INSERT INTO params VALUES ($1, $2, $3, $4, $5)",
      "SELECT 1e308*10, 0, -0.5, NULL, 'true'", 0, 0), SQLITE_OK);
  pRes = testQueryV(t, t->pConn, "SELECT * FROM params WHERE f8 > $1 OR f8 < $2 ORDER BY f8",
                    "SELECT -1, -1", 0);
  testNextRow(pRes);
  testColReal(t, pRes, 0, 0.1);
  testColInt(t, pRes, 1, 2);            /* 2.0 went as "2" */
  testColInt(t, pRes, 2, 12345678901234567LL);
  testColText(t, pRes, 3, "17");
  testColInt(t, pRes, 4, 0);
  testNextRow(pRes);
  testColReal(t, pRes, 0, 1.0000000000000002);
  testColInt(t, pRes, 1, -7);
  testColReal(t, pRes, 2, 1e20);        /* integral, past int64, and exact */
  testColText(t, pRes, 3, "2.5");
  testColNull(t, pRes, 4);
  testNextRow(pRes);
  testColReal(t, pRes, 0, HUGE_VAL);
  testColInt(t, pRes, 1, 0);
  testColReal(t, pRes, 2, -0.5);
  testColNull(t, pRes, 3);
  testColInt(t, pRes, 4, 1);
  testNextDone(pRes);
  pBe->xFinish(pRes);
}

/* numeric: INTEGER when integral and in range, REAL when exact, else TEXT. */
static void test_numeric(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pRes = testQueryV(t, t->pConn, "SELECT '42'::numeric, '2.5'::numeric,"
      " '0.1'::numeric, '1234567890123456789012345678901234567890'::numeric, '2.00'::numeric,"
      " '-0.5'::numeric, '9223372036854775807'::numeric, '9223372036854775808'::numeric,"
      " 'NaN'::numeric, '-Infinity'::numeric, '0.0009765625'::numeric,"
      " '1180591620717411303424'::numeric, '-0.000'::numeric, '123.4500'::numeric,"
      " '1e-400'::numeric, '0.5'::numeric(10,4), 1e20::numeric", 0, 0);
  testNextRow(pRes);
  testColInt(t, pRes, 0, 42);
  testColReal(t, pRes, 1, 2.5);
  testColText(t, pRes, 2, "0.1");
  testColText(t, pRes, 3, "1234567890123456789012345678901234567890");
  testColInt(t, pRes, 4, 2);
  testColReal(t, pRes, 5, -0.5);
  testColInt(t, pRes, 6, 9223372036854775807LL);
  testColReal(t, pRes, 7, 9223372036854775808.0);
  testColText(t, pRes, 8, "NaN");
  testColReal(t, pRes, 9, -HUGE_VAL);
  testColReal(t, pRes, 10, 0.0009765625);
  testColReal(t, pRes, 11, 1180591620717411303424.0);
  testColInt(t, pRes, 12, 0);
  testColText(t, pRes, 13, "123.4500");
  {
    char zTiny[403];                    /* 1e-400: below any double, so its text */
    memset(zTiny, '0', 402);
    zTiny[1] = '.';
    zTiny[401] = '1';
    zTiny[402] = 0;
    testColText(t, pRes, 14, zTiny);
  }
  testColReal(t, pRes, 15, 0.5);
  testColReal(t, pRes, 16, 1e20);
  testNextDone(pRes);
  pBe->xFinish(pRes);
}

static void test_floats(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pRes = testQueryV(t, t->pConn, "SELECT 'NaN'::float8, 'Infinity'::float8,"
      " '-Infinity'::float4, 0.1::float8, 1.1::float4, 5e-324::float8,"
      " 1.7976931348623157e308::float8,"
      " -0.0::float8, 3.0::float8", 0, 0);
  testNextRow(pRes);
  testColNull(t, pRes, 0);              /* SQLite holds no NaN: it makes NULL of one */
  testColReal(t, pRes, 1, HUGE_VAL);
  testColReal(t, pRes, 2, -HUGE_VAL);
  testColReal(t, pRes, 3, 0.1);
  testColReal(t, pRes, 4, 1.1);         /* float4's shortest text, read as a double */
  testColReal(t, pRes, 5, 5e-324);
  testColReal(t, pRes, 6, 1.7976931348623157e308);
  testColReal(t, pRes, 7, 0.0);
  testColReal(t, pRes, 8, 3.0);
  pBe->xFinish(pRes);
}

/* Dates, times, infinities, time zones other than +00. */
static void test_datetimes(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pRes = testQueryV(t, t->pConn, "SELECT 'infinity'::date, '-infinity'::"
      "timestamp, 'infinity'::timestamptz, '2024-01-02 03:04:05'::timestamptz,"
      " '0044-03-15 12:00:00+00 BC'::timestamptz, '23:59:59.999999'::time,"
      " '2000-01-01 00:00:00.000001'::timestamp, '1 day 02:00:00'::interval,"
      " '13:00:00+05:30'::timetz", 0, 0);
  testNextRow(pRes);
  testColText(t, pRes, 0, "infinity");
  testColText(t, pRes, 1, "-infinity");
  testColText(t, pRes, 2, "infinity");
  testColText(t, pRes, 3, "2024-01-02 03:04:05+00:00");
  testColText(t, pRes, 4, "0044-03-15 12:00:00+00:00 BC");
  testColText(t, pRes, 5, "23:59:59.999999");
  testColText(t, pRes, 6, "2000-01-01 00:00:00.000001");
  testColText(t, pRes, 7, "1 day 02:00:00");
  testColText(t, pRes, 8, "13:00:00+05:30");
  pBe->xFinish(pRes);
}

/* Arrays as JSON: nested, with bounds, empty, of every kind of element; of the database's
** own types (looked up) read by each of the three ways a result is read. */
static void test_arrays(void **state){
  static const char zSql[] = "SELECT '{{1,2},{3,4}}'::int[], '[0:1]={5,6}'::int[],"
    " '{}'::int[], '{t,f,NULL}'::bool[], ARRAY['{\"a\": 1}'::jsonb, NULL],"
    " '{1.50,NaN,-3}'::numeric[], '{(1,1),(0,0);(2,2),(1,1)}'::box[],"
    " ARRAY['2024-01-01 00:00:00+00'::timestamptz], '{NaN,Infinity,-Infinity,1.5}'::float8[],"
    " ARRAY['\\x00ff'::bytea], ARRAY[' lead', 'tail ', 'cur{}ly', '', 'nul\\l']::text[],"
    " ARRAY['happy', 'sad']::mood2[], ARRAY[1, 2]::posint[], '{\"[1,5)\"}'::int4range[]";
  TestPg *t = *state;
  int iMode;
  pgtExec(t, "DROP TYPE IF EXISTS mood2; CREATE TYPE mood2 AS ENUM ('sad', 'happy');"
              "DROP DOMAIN IF EXISTS posint; CREATE DOMAIN posint AS int CHECK (VALUE > 0)");
  for(iMode=0; iMode<3; iMode++){
    OrmRemoteRes *pRes;
    OrmRemoteConn *pConn = testOpen();        /* a new one: the types are looked up again */
    if( iMode==2 ) assert_int_equal(pBe->xExec(pConn, "BEGIN", 0, 0, 0, 0), SQLITE_OK);
    pRes = testQueryV(t, pConn, iMode==0 ? zSql : "SELECT ARRAY['happy']::mood2[]", 0,
                      iMode==1 ? ORM_QUERY_ONE : 0);
    testNextRow(pRes);
    if( iMode==0 ){
      testColText(t, pRes, 0, "[[1,2],[3,4]]");
      testColText(t, pRes, 1, "[5,6]");
      testColText(t, pRes, 2, "[]");
      testColText(t, pRes, 3, "[true,false,null]");
      testColText(t, pRes, 4, "[{\"a\": 1},null]");
      testColText(t, pRes, 5, "[1.50,null,-3]");
      testColText(t, pRes, 6, "[\"(1,1),(0,0)\",\"(2,2),(1,1)\"]");
      testColText(t, pRes, 7, "[\"2024-01-01 00:00:00+00:00\"]");
      testColText(t, pRes, 8, "[null,9e999,-9e999,1.5]");
      testColText(t, pRes, 9, "[\"\\\\x00ff\"]");
      testColText(t, pRes, 10, "[\" lead\",\"tail \",\"cur{}ly\",\"\",\"nul\\\\l\"]");
      testColText(t, pRes, 11, "[\"happy\",\"sad\"]");
      testColText(t, pRes, 12, "[1,2]");
      testColText(t, pRes, 13, "[\"[1,5)\"]");   /* built in, looked up */
    }else{
      testColText(t, pRes, 0, "[\"happy\"]");
    }
    pBe->xFinish(pRes);
    if( iMode==2 ) assert_int_equal(pBe->xExec(pConn, "COMMIT", 0, 0, 0, 0), SQLITE_OK);
    pBe->xDisconnect(pConn);
  }
}

/* ---------------------------------------------------------------- streaming */

/* Sums column 0 of the rest of pRes, checking the heap stays within nMax bytes of where
** it was at the start. */
static sqlite3_int64 testSum(TestPg *t, OrmRemoteRes *pRes, size_t nMax, int *pnRow){
  size_t nStart = testHeapUsed(), nPeak = 0;
  sqlite3_int64 iSum = 0;
  char *zErr = 0;
  int rc, nRow = 0;
  t->pRes = pRes;
  while( (rc = pBe->xNext(pRes, &zErr))==SQLITE_ROW ){
    sqlite3_reset(t->pCol);
    sqlite3_bind_int(t->pCol, 1, 0);
    sqlite3_step(t->pCol);
    iSum += sqlite3_column_int64(t->pCol, 0);
    if( (++nRow & 1023)==0 ){
      size_t n = testHeapUsed();
      if( n>nStart && n-nStart>nPeak ) nPeak = n-nStart;
    }
  }
  sqlite3_reset(t->pCol);
  if( rc!=SQLITE_DONE ) fprintf(stderr, "xNext: %s\n", zErr ? zErr : "?");
  sqlite3_free(zErr);
  assert_int_equal(rc, SQLITE_DONE);
  if( pnRow ) *pnRow = nRow;
  if( nPeak>nMax ) fprintf(stderr, "heap grew by %zu bytes while streaming\n", nPeak);
  assert_true(nPeak<=nMax);
  return iSum;
}

static void test_stream_large(void **state){
  static const char zSql[] =
    "SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g";
  TestPg *t = *state;
  OrmRemoteRes *pRes;
  double t0 = testNow();
  int nRow;
  pRes = testQuery(t, zSql);
  /* Buffered, 200,000 rows of ~110 bytes would take 25 MB. */
  assert_int_equal(testSum(t, pRes, 4<<20, &nRow), 20000100000LL);
  assert_int_equal(nRow, 200000);
  pBe->xFinish(pRes);
  fprintf(stderr, "# 200,000 rows streamed in %.2f s\n", testNow()-t0);
  t0 = testNow();
  pgtExec(t, "BEGIN");
  pRes = testQuery(t, zSql);
  assert_int_equal(testSum(t, pRes, 4<<20, &nRow), 20000100000LL);
  pBe->xFinish(pRes);
  pgtExec(t, "COMMIT");
  fprintf(stderr, "# 200,000 rows through a cursor in %.2f s\n", testNow()-t0);
}

/* Inside a transaction: cursors, any number at once, statements between. */
static void test_interleave_txn(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pA, *pB, *pC;
  sqlite3_int64 n = 0;
  int i;
  pgtExec(t, "DROP TABLE IF EXISTS il; CREATE TABLE il(x int)");
  pgtExec(t, "BEGIN");
  assert_int_equal(t->pConn->bInTxn, 1);
  pA = testQuery(t, "SELECT g FROM generate_series(1, 5000) g");
  for(i=1; i<=10; i++){
    testNextRow(pA);
    testColInt(t, pA, 0, i);
  }
  pB = testQuery(t, "SELECT g * 2 FROM generate_series(1, 300) g");
  pgtExec(t, "INSERT INTO il SELECT generate_series(1, 7)");
  pC = testQueryV(t, t->pConn, "SELECT count(*) FROM il WHERE x > $1", "SELECT 2",
                  ORM_QUERY_ONE);
  testNextRow(pC);
  testColInt(t, pC, 0, 5);
  pBe->xFinish(pC);
  assert_int_equal(testSum(t, pB, 1<<30, 0), 300*301);
  pBe->xFinish(pB);
  assert_int_equal(testSum(t, pA, 1<<30, 0), 5000*5001/2 - 55);
  pBe->xFinish(pA);
  assert_int_equal(testExecV(t, t->pConn, "DELETE FROM il", 0, &n, 0), SQLITE_OK);
  assert_int_equal(n, 7);
  pgtExec(t, "COMMIT");
  assert_int_equal(t->pConn->bInTxn, 0);
}

/* Outside one: a stream is read into memory when another statement needs the wire. */
static void test_interleave_stream(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pA, *pB;
  int i;
  pA = testQuery(t, "SELECT g, g::text FROM generate_series(1, 3000) g");
  for(i=1; i<=10; i++){
    testNextRow(pA);
    testColInt(t, pA, 0, i);
  }
  pB = testQuery(t, "SELECT g FROM generate_series(1, 100) g");
  testColText(t, pA, 1, "10");          /* A's current row is still there */
  assert_int_equal(testSum(t, pB, 1<<30, 0), 5050);
  pBe->xFinish(pB);
  testNextRow(pA);
  testColText(t, pA, 1, "11");
  /* A BEGIN, too, and the stream goes on (from memory) in the transaction. */
  pgtExec(t, "BEGIN");
  assert_int_equal(testSum(t, pA, 1<<30, 0), 3000*3001/2 - 55 - 11);
  pBe->xFinish(pA);
  pgtExec(t, "COMMIT");
  /* An error that comes later in a buffered stream is given after its rows. */
  pA = testQuery(t, "SELECT 1 / (150 - g) FROM generate_series(1, 200) g");
  testNextRow(pA);
  pB = testQuery(t, "SELECT 1");
  pBe->xFinish(pB);
  {
    char *zErr = 0;
    int rc, nRow = 1;
    while( (rc = pBe->xNext(pA, &zErr))==SQLITE_ROW ) nRow++;
    assert_int_equal(rc, SQLITE_ERROR);
    assert_int_equal(nRow, 149);
    assert_string_equal(zErr, "postgresql: division by zero (22012)");
    sqlite3_free(zErr);
    pBe->xFinish(pA);
  }
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT 2"), 2);
}

/* Finishing early leaves the connection usable, quickly. */
static void test_finish_early(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pA, *pB;
  double t0;
  int i;
  pA = testQuery(t, "SELECT generate_series(1, 50000000)");
  testNextRow(pA);
  testNextRow(pA);
  t0 = testNow();
  pBe->xFinish(pA);
  fprintf(stderr, "# a 50,000,000-row stream dropped after 2 rows in %.3f s\n", testNow()-t0);
  assert_true(testNow()-t0 < 2.0);
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT 7"), 7);
  assert_int_equal(pBe->xPing(t->pConn), SQLITE_OK);
  /* A small one that arrived whole: nothing to cancel. */
  pA = testQuery(t, "SELECT g FROM generate_series(1, 3) g");
  pBe->xFinish(pA);
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT 8"), 8);
  /* A cursor: closed, the transaction goes on. */
  pgtExec(t, "BEGIN");
  pA = testQuery(t, "SELECT generate_series(1, 50000000)");
  testNextRow(pA);
  pBe->xFinish(pA);
  assert_int_equal(pgtQueryInt(t, t->pConn,
                   "SELECT count(*) FROM pg_cursors WHERE name LIKE 'sqlorm%'"), 0);
  pgtExec(t, "COMMIT");
  /* Many in a row (their CLOSEs ride with the next round trip, 16 at most wait), then a
  ** COMMIT that closes the last ones itself, then a new transaction. */
  pgtExec(t, "BEGIN");
  for(i=0; i<40; i++){
    pA = testQuery(t, "SELECT generate_series(1, 1000)");
    testNextRow(pA);
    pB = testQuery(t, "SELECT generate_series(1, 10)");
    pBe->xFinish(pB);
    pBe->xFinish(pA);
  }
  assert_int_equal(pgtQueryInt(t, t->pConn,
                   "SELECT count(*) FROM pg_cursors WHERE name LIKE 'sqlorm%'"), 0);
  pA = testQuery(t, "SELECT generate_series(1, 1000)");
  pBe->xFinish(pA);
  pgtExec(t, "COMMIT");
  pgtExec(t, "BEGIN");
  pA = testQuery(t, "SELECT generate_series(1, 1000)");
  testNextRow(pA);
  testColInt(t, pA, 0, 1);
  pBe->xFinish(pA);
  assert_int_equal(pgtQueryInt(t, t->pConn,
                   "SELECT count(*) FROM pg_cursors WHERE name LIKE 'sqlorm%'"), 0);
  pgtExec(t, "COMMIT");
  /* Error mid-way through a cursor: the transaction failed, ROLLBACK works. */
  pgtExec(t, "BEGIN");
  pA = testQuery(t, "SELECT 1 / (500 - g) FROM generate_series(1, 1000) g");
  {
    char *zErr = 0;
    int rc, nRow = 0;
    while( (rc = pBe->xNext(pA, &zErr))==SQLITE_ROW ) nRow++;
    assert_int_equal(rc, SQLITE_ERROR);
    testAssertHas(zErr, "division by zero (22012)");
    sqlite3_free(zErr);
    assert_true(nRow>=100 && nRow<500);
  }
  pBe->xFinish(pA);
  pgtExec(t, "ROLLBACK");
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT 9"), 9);
}

/* Cursors and savepoints: ROLLBACK TO closes the cursors opened after the savepoint;
** finishing one must not fail the transaction, an older one reads on. */
static void test_savepoints(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pA, *pB;
  char *zErr = 0;
  pgtExec(t, "DROP TABLE IF EXISTS sp; CREATE TABLE sp(x int PRIMARY KEY)");
  pgtExec(t, "BEGIN");
  pgtExec(t, "INSERT INTO sp VALUES (1)");
  pgtExec(t, "SAVEPOINT s1");
  pgtExec(t, "INSERT INTO sp VALUES (2)");
  pgtExec(t, "ROLLBACK TO s1");
  pgtExec(t, "INSERT INTO sp VALUES (3)");
  pgtExec(t, "SAVEPOINT s2");
  /* A failing statement, recovered by ROLLBACK TO. */
  assert_int_equal(testExecV(t, t->pConn, "INSERT INTO sp VALUES (1)", 0, 0, &zErr),
                   SQLITE_CONSTRAINT);
  sqlite3_free(zErr);
  zErr = 0;
  pgtExec(t, "ROLLBACK TO s2");
  pgtExec(t, "RELEASE s2");
  pgtExec(t, "RELEASE s1");
  pgtExec(t, "COMMIT");
  assert_int_equal(pgtQueryInt(t, t->pConn,
                   "SELECT string_agg(x::text, '' ORDER BY x)::int FROM sp"),
                   13);

  pgtExec(t, "BEGIN");
  pA = testQuery(t, "SELECT g FROM generate_series(1, 1000) g");
  testNextRow(pA);
  pgtExec(t, "SAVEPOINT s1");
  pB = testQuery(t, "SELECT g FROM generate_series(1, 1000) g");
  testNextRow(pB);
  pgtExec(t, "ROLLBACK TO s1");
  pBe->xFinish(pB);                       /* its cursor is gone: no error, no failure */
  assert_int_equal(testSum(t, pA, 1<<30, 0), 1000*1001/2 - 1);   /* A lives on */
  pBe->xFinish(pA);
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT 5"), 5);
  pgtExec(t, "COMMIT");
}

/* ---------------------------------------------------------------- statements */

static void test_changes_and_errors(void **state){
  TestPg *t = *state;
  sqlite3_int64 n = -1;
  OrmRemoteRes *pRes = 0;
  char *zErr = 0;
  int rc;
  pgtExec(t, "DROP TABLE IF EXISTS ch;"
              "CREATE TABLE ch(id int PRIMARY KEY, v text NOT NULL, c int CHECK (c > 0))");
  assert_int_equal(testExecV(t, t->pConn, "INSERT INTO ch SELECT g, 'v' || g, g FROM "
                   "generate_series(1, $1) g", "SELECT 10", &n, 0), SQLITE_OK);
  assert_int_equal(n, 10);
  assert_int_equal(testExecV(t, t->pConn, "UPDATE ch SET v = $1 WHERE id > $2",
                   "SELECT 'w', 6", &n, 0), SQLITE_OK);
  assert_int_equal(n, 4);
  assert_int_equal(testExecV(t, t->pConn, "DELETE FROM ch WHERE id = $1", "SELECT 99", &n, 0),
                   SQLITE_OK);
  assert_int_equal(n, 0);
  assert_int_equal(testExecV(t, t->pConn, "CREATE INDEX ON ch(v)", 0, &n, 0), SQLITE_OK);
  assert_int_equal(n, 0);
  /* The message: the server's primary one and the SQLSTATE. */
  rc = pBe->xQuery(t->pConn, "SELECT * FROM nope", 0, 0, 0, &pRes, &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  assert_null(pRes);
  assert_string_equal(zErr, "postgresql: relation \"nope\" does not exist (42P01)");
  sqlite3_free(zErr);
  zErr = 0;
  rc = pBe->xQuery(t->pConn, "SELEC 1", 0, 0, ORM_QUERY_ONE, &pRes, &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  testAssertHas(zErr, "syntax error at or near \"SELEC\" (42601)");
  sqlite3_free(zErr);
  zErr = 0;
  /* Constraints: SQLITE_CONSTRAINT, with the detail. */
  rc = testExecV(t, t->pConn, "INSERT INTO ch VALUES ($1, $2, $3)", "SELECT 1, 'x', 1", 0,
                 &zErr);
  assert_int_equal(rc, SQLITE_CONSTRAINT);
  testAssertHas(zErr, "duplicate key value violates unique constraint \"ch_pkey\" (23505): "
                "Key (id)=(1) already exists.");
  sqlite3_free(zErr);
  zErr = 0;
  rc = testExecV(t, t->pConn, "INSERT INTO ch VALUES ($1, $2, $3)", "SELECT 11, NULL, 1", 0,
                 &zErr);
  assert_int_equal(rc, SQLITE_CONSTRAINT);
  testAssertHas(zErr, "(23502)");
  sqlite3_free(zErr);
  zErr = 0;
  rc = testExecV(t, t->pConn, "INSERT INTO ch VALUES ($1, $2, $3)", "SELECT 12, 'x', -1", 0,
                 &zErr);
  assert_int_equal(rc, SQLITE_CONSTRAINT);
  testAssertHas(zErr, "(23514)");
  sqlite3_free(zErr);
  zErr = 0;
  /* A value the column's type refuses. */
  rc = testExecV(t, t->pConn, "INSERT INTO ch VALUES ($1, $2, $3)", "SELECT 'one', 'x', 1", 0,
                 &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  testAssertHas(zErr, "invalid input syntax for type integer: \"one\" (22P02)");
  sqlite3_free(zErr);
  zErr = 0;
  /* Several statements at once, without parameters. */
  assert_int_equal(testExecV(t, t->pConn, "UPDATE ch SET c = 5; UPDATE ch SET c = 6 WHERE "
                   "id < 4", 0, &n, 0), SQLITE_OK);
  assert_int_equal(n, 3);
  /* RETURNING through xQuery, outside and inside a transaction. */
  pRes = testQueryV(t, t->pConn, "UPDATE ch SET c = c + 1 WHERE id <= $1 RETURNING c",
                    "SELECT 2", 0);
  assert_int_equal(testSum(t, pRes, 1<<30, 0), 14);
  pBe->xFinish(pRes);
  pgtExec(t, "BEGIN");
  pRes = testQueryV(t, t->pConn, "DELETE FROM ch WHERE id > $1 RETURNING id", "SELECT 8", 0);
  testNextRow(pRes);
  pBe->xFinish(pRes);                     /* finished early: the DELETE was done whole */
  pgtExec(t, "COMMIT");
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT count(*) FROM ch"), 8);
}

/* 10,000 lookups by key, prepared once: as fast as libpq's own prepared statements. */
static void test_lookups(void **state){
  TestPg *t = *state;
  PGconn *pg;
  PGresult *r;
  double t0, tOurs, tLibpq;
  sqlite3_stmt *pVal;
  char zUrl[300], zKey[16];
  const char *azVal[1];
  sqlite3_int64 iSum = 0, iWant = 0;
  int i;
  pgtExec(t, "DROP TABLE IF EXISTS lk; CREATE TABLE lk(id int PRIMARY KEY, v text);"
              "INSERT INTO lk SELECT g, 'value ' || g FROM generate_series(1, 10000) g");
  assert_int_equal(sqlite3_prepare_v2(t->db, "SELECT ?1", -1, &pVal, 0), SQLITE_OK);
  t0 = testNow();
  for(i=1; i<=10000; i++){
    OrmRemoteRes *pRes = 0;
    sqlite3_value *v;
    char *zErr = 0;
    sqlite3_reset(pVal);
    sqlite3_bind_int(pVal, 1, i);
    sqlite3_step(pVal);
    v = sqlite3_column_value(pVal, 0);
    assert_int_equal(pBe->xQuery(t->pConn, "SELECT id, v FROM lk WHERE id = $1", 1, &v,
                                 ORM_QUERY_ONE, &pRes, &zErr), SQLITE_OK);
    assert_int_equal(pBe->xNext(pRes, &zErr), SQLITE_ROW);
    t->pRes = pRes;
    sqlite3_reset(t->pCol);
    sqlite3_bind_int(t->pCol, 1, 0);
    sqlite3_step(t->pCol);
    iSum += sqlite3_column_int64(t->pCol, 0);
    sqlite3_reset(t->pCol);
    pBe->xFinish(pRes);
  }
  tOurs = testNow()-t0;
  sqlite3_finalize(pVal);
  /* The same with libpq alone. */
  snprintf(zUrl, sizeof(zUrl), "%s", gzUrl);
  pg = PQconnectdb(zUrl);
  assert_int_equal(PQstatus(pg), CONNECTION_OK);
  PQclear(PQprepare(pg, "lk", "SELECT id, v FROM lk WHERE id = $1", 1, 0));
  t0 = testNow();
  for(i=1; i<=10000; i++){
    snprintf(zKey, sizeof(zKey), "%d", i);
    azVal[0] = zKey;
    r = PQexecPrepared(pg, "lk", 1, azVal, 0, 0, 0);
    iWant += strtoll(PQgetvalue(r, 0, 0), 0, 10);
    PQclear(r);
  }
  tLibpq = testNow()-t0;
  PQfinish(pg);
  fprintf(stderr, "# 10,000 lookups: %.3f s through the backend, %.3f s with libpq (%.2fx)\n",
          tOurs, tLibpq, tOurs/tLibpq);
  assert_int_equal(iSum, iWant);
  assert_true(tOurs < tLibpq*2.0 + 0.2);
}

/* More texts than the cache holds; plans gone stale after DDL are prepared again. */
static void test_statement_cache(void **state){
  TestPg *t = *state;
  OrmRemoteRes *pRes;
  char zSql[64];
  int i, k;
  for(k=0; k<3; k++){
    for(i=0; i<100; i++){
      snprintf(zSql, sizeof(zSql), "SELECT %d + $1::int", i);
      pRes = testQueryV(t, t->pConn, zSql, "SELECT 1000", k==1 ? 0 : ORM_QUERY_ONE);
      testNextRow(pRes);
      testColInt(t, pRes, 0, i+1000);
      pBe->xFinish(pRes);
    }
  }
  assert_true(pgtQueryInt(t, t->pConn, "SELECT count(*) FROM pg_prepared_statements") <= 64);
  /* Prepared (a lookup on its second run, a scan on its first), then the table changes
  ** under the plan: "cached plan must not change result type", run again. */
  pgtExec(t, "DROP TABLE IF EXISTS stale; CREATE TABLE stale(id int, v text);"
              "INSERT INTO stale VALUES (1, 'a')");
  for(k=0; k<2; k++){
    for(i=0; i<3; i++){
      pRes = testQueryV(t, t->pConn, k ? "SELECT * FROM stale WHERE id > $1"
                        : "SELECT * FROM stale WHERE id = $1", k ? "SELECT 0" : "SELECT 1",
                        k ? 0 : ORM_QUERY_ONE);
      testNextRow(pRes);
      testColText(t, pRes, 1, "a");
      if( i==2 ) testColInt(t, pRes, 2+k, 7+k);
      pBe->xFinish(pRes);
      if( i==1 ){
        pgtExec(t, k ? "ALTER TABLE stale ADD COLUMN w1 int DEFAULT 8"
                      : "ALTER TABLE stale ADD COLUMN w0 int DEFAULT 7");
      }
    }
  }
}

/* ---------------------------------------------------------------- transactions */

static void test_two_phase(void **state){
  TestPg *t = *state;
  OrmRemoteConn *pOther = testOpen();
  OrmNames gids = {0, 0};
  char *zErr = 0;
  int rc;
  pgtExec(t, "DROP TABLE IF EXISTS tpc; CREATE TABLE tpc(x int)");
  /* Any left by an earlier run. */
  assert_int_equal(pBe->xListPrepared(t->pConn, "sqlorm", &gids, &zErr), SQLITE_OK);
  for(rc=0; rc<gids.n; rc++) pBe->xRollbackPrepared(t->pConn, gids.az[rc], 0);
  sqlormNamesClear(&gids);

  pgtExec(t, "BEGIN");
  pgtExec(t, "INSERT INTO tpc VALUES (1)");
  assert_int_equal(pBe->xPrepare(t->pConn, "sqlorm_t1", &zErr), SQLITE_OK);
  assert_int_equal(t->pConn->bInTxn, 0);
  pgtExec(t, "BEGIN");
  pgtExec(t, "INSERT INTO tpc VALUES (2)");
  assert_int_equal(pBe->xPrepare(t->pConn, "sqlormXt2", &zErr), SQLITE_OK);
  /* '_' of the prefix is no wildcard. */
  assert_int_equal(pBe->xListPrepared(t->pConn, "sqlorm_t", &gids, &zErr), SQLITE_OK);
  assert_int_equal(gids.n, 1);
  assert_string_equal(gids.az[0], "sqlorm_t1");
  sqlormNamesClear(&gids);
  assert_int_equal(pBe->xListPrepared(pOther, "sqlorm", &gids, &zErr), SQLITE_OK);
  assert_int_equal(gids.n, 2);
  sqlormNamesClear(&gids);
  assert_int_equal(pgtQueryInt(t, pOther, "SELECT count(*) FROM tpc"), 0);
  /* Resolved from another connection, as recovery would. */
  assert_int_equal(pBe->xCommitPrepared(pOther, "sqlorm_t1", &zErr), SQLITE_OK);
  assert_int_equal(pgtQueryInt(t, pOther, "SELECT count(*) FROM tpc"), 1);
  assert_int_equal(pBe->xRollbackPrepared(t->pConn, "sqlormXt2", &zErr), SQLITE_OK);
  assert_int_equal(pgtQueryInt(t, pOther, "SELECT sum(x) FROM tpc"), 1);
  assert_int_equal(pBe->xListPrepared(t->pConn, "sqlorm", &gids, &zErr), SQLITE_OK);
  assert_int_equal(gids.n, 0);
  /* Nothing to prepare; a failed transaction; a bad id; an unknown one. */
  rc = pBe->xPrepare(t->pConn, "sqlorm_t3", &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  testAssertHas(zErr, "no transaction to prepare");
  sqlite3_free(zErr);
  zErr = 0;
  pgtExec(t, "BEGIN");
  assert_int_equal(testExecV(t, t->pConn, "SELECT 1/0", 0, 0, 0), SQLITE_ERROR);
  rc = pBe->xPrepare(t->pConn, "sqlorm_t4", &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  testAssertHas(zErr, "rolled back, not prepared");
  sqlite3_free(zErr);
  zErr = 0;
  assert_int_equal(t->pConn->bInTxn, 0);
  rc = pBe->xCommitPrepared(t->pConn, "x'; DROP TABLE tpc; --", &zErr);
  assert_int_equal(rc, SQLITE_MISUSE);
  sqlite3_free(zErr);
  zErr = 0;
  rc = pBe->xCommitPrepared(t->pConn, "sqlorm_none", &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  testAssertHas(zErr, "\"sqlorm_none\" does not exist (42704)");
  sqlite3_free(zErr);
  pBe->xDisconnect(pOther);
}

/* ---------------------------------------------------------------- schema */

static const OrmRemoteCol *testFindCol(const OrmRemoteCol *a, int n, const char *zName){
  int i;
  for(i=0; i<n; i++) if( strcmp(a[i].zName, zName)==0 ) return &a[i];
  fprintf(stderr, "no column %s\n", zName);
  fail();
  return 0;
}

static void test_columns(void **state){
  static const struct { const char *zName, *zType; int eType, iKey, bNotNull, bFold; } aWant[] = {
    { "a", "integer", ORM_RTYPE_INTEGER, 2, 1, 0 },
    { "Mixed \"Case\"", "text", ORM_RTYPE_TEXT, 0, 1, 0 },
    { "b", "character varying(10)", ORM_RTYPE_TEXT, 1, 1, 0 },
    { "c", "numeric(10,2)", ORM_RTYPE_NUMERIC, 0, 0, 0 },
    { "d", "timestamp with time zone", ORM_RTYPE_TIMESTAMPTZ, 0, 0, 0 },
    { "e", "jsonb", ORM_RTYPE_JSON, 0, 0, 0 },
    { "f", "uuid", ORM_RTYPE_TEXT, 0, 0, 0 },
    { "g", "mood3", ORM_RTYPE_TEXT, 0, 0, 0 },
    { "h", "integer[]", ORM_RTYPE_ARRAY, 0, 0, 0 },
    { "i", "boolean", ORM_RTYPE_BOOLEAN, 0, 0, 0 },
    { "j", "bytea", ORM_RTYPE_BLOB, 0, 0, 0 },
    { "k", "posint3", ORM_RTYPE_INTEGER, 0, 0, 0 },
    { "l", "txt3", ORM_RTYPE_TEXT, 0, 0, 0 },
    { "m", "interval", ORM_RTYPE_OTHER, 0, 0, 0 },
    { "n", "character(3)", ORM_RTYPE_TEXT, 0, 0, 1 },
    { "o", "double precision", ORM_RTYPE_REAL, 0, 0, 0 },
    { "p", "date", ORM_RTYPE_DATE, 0, 0, 0 },
    { "q", "time without time zone", ORM_RTYPE_TIME, 0, 0, 0 },
    { "r", "timestamp(3) without time zone", ORM_RTYPE_TIMESTAMP, 0, 0, 0 },
    { "s", "bigint", ORM_RTYPE_INTEGER, 0, 1, 0 },
    { "u", "posint3[]", ORM_RTYPE_ARRAY, 0, 0, 0 },
  };
  TestPg *t = *state;
  OrmRemoteCol *aCol = 0;
  char *zErr = 0, zWant[400];
  int nCol = 0, rc, i;
  pgtExec(t, "DROP TABLE IF EXISTS colt CASCADE; DROP SCHEMA IF EXISTS s2 CASCADE;"
    "DROP TYPE IF EXISTS mood3; DROP DOMAIN IF EXISTS posint3; DROP DOMAIN IF EXISTS txt3;"
    "DROP DOMAIN IF EXISTS txt3b;"
    "CREATE TYPE mood3 AS ENUM ('a'); CREATE DOMAIN posint3 AS int CHECK (VALUE > 0);"
    "CREATE DOMAIN txt3b AS text; CREATE DOMAIN txt3 AS txt3b;"
    "CREATE TABLE colt(a int, \"Mixed \"\"Case\"\"\" text NOT NULL, b varchar(10), dropme int,"
    " c numeric(10,2), d timestamptz, e jsonb, f uuid, g mood3, h int[], i bool, j bytea,"
    " k posint3, l txt3, m interval, n char(3), o float8, p date, q time, r timestamp(3),"
    " s bigserial, u posint3[], PRIMARY KEY (b, a));"
    "ALTER TABLE colt DROP COLUMN dropme;"
    "CREATE SCHEMA s2; CREATE TABLE s2.colt(x int PRIMARY KEY);"
    "CREATE VIEW colv AS SELECT a, b FROM colt");
  rc = pBe->xColumns(t->pConn, "public", "colt", &aCol, &nCol, &zErr);
  assert_int_equal(rc, SQLITE_OK);
  assert_int_equal(nCol, (int)(sizeof(aWant)/sizeof(aWant[0])));
  for(i=0; i<nCol; i++){
    if( strcmp(aCol[i].zName, aWant[i].zName) || strcmp(aCol[i].zRemoteType, aWant[i].zType)
     || aCol[i].eType!=aWant[i].eType || aCol[i].iKey!=aWant[i].iKey
     || aCol[i].bNotNull!=aWant[i].bNotNull || aCol[i].bCaseFold!=aWant[i].bFold ){
      fprintf(stderr, "column %d: %s %s type %d key %d notnull %d fold %d\n", i,
              aCol[i].zName, aCol[i].zRemoteType, aCol[i].eType, aCol[i].iKey,
              aCol[i].bNotNull, aCol[i].bCaseFold);
      fail();
    }
  }
  sqlormRemoteColsFree(aCol, nCol);
  /* The search path finds public's; a schema names its own. */
  assert_int_equal(pBe->xColumns(t->pConn, 0, "colt", &aCol, &nCol, &zErr), SQLITE_OK);
  assert_int_equal(nCol, (int)(sizeof(aWant)/sizeof(aWant[0])));
  sqlormRemoteColsFree(aCol, nCol);
  assert_int_equal(pBe->xColumns(t->pConn, "s2", "colt", &aCol, &nCol, &zErr), SQLITE_OK);
  assert_int_equal(nCol, 1);
  assert_string_equal(aCol[0].zName, "x");
  assert_int_equal(aCol[0].iKey, 1);
  sqlormRemoteColsFree(aCol, nCol);
  assert_int_equal(pBe->xColumns(t->pConn, 0, "colv", &aCol, &nCol, &zErr), SQLITE_OK);
  assert_int_equal(nCol, 2);
  assert_int_equal(aCol[0].iKey, 0);
  testFindCol(aCol, nCol, "b");
  sqlormRemoteColsFree(aCol, nCol);
  /* citext, where the contrib module is there. */
  if( testExecV(t, t->pConn, "CREATE EXTENSION IF NOT EXISTS citext", 0, 0, 0)==SQLITE_OK ){
    pgtExec(t, "DROP TABLE IF EXISTS cit; CREATE TABLE cit(e citext PRIMARY KEY)");
    assert_int_equal(pBe->xColumns(t->pConn, 0, "cit", &aCol, &nCol, &zErr), SQLITE_OK);
    assert_int_equal(aCol[0].eType, ORM_RTYPE_TEXT);
    assert_int_equal(aCol[0].bCaseFold, 1);
    sqlormRemoteColsFree(aCol, nCol);
  }else{
    fprintf(stderr, "# no citext here: not checked\n");
  }
  /* None such, an index, a table without columns. */
  rc = pBe->xColumns(t->pConn, "public", "nope", &aCol, &nCol, &zErr);
  assert_int_equal(rc, SQLITE_NOTFOUND);
  assert_null(aCol);
  snprintf(zWant, sizeof(zWant), "postgresql: no table \"public\".\"nope\" on %s", gzUrl);
  assert_string_equal(zErr, zWant);
  sqlite3_free(zErr);
  zErr = 0;
  rc = pBe->xColumns(t->pConn, 0, "colt_pkey", &aCol, &nCol, &zErr);
  assert_int_equal(rc, SQLITE_NOTFOUND);
  testAssertHas(zErr, "no table \"colt_pkey\" in the search path");
  sqlite3_free(zErr);
  zErr = 0;
  rc = pBe->xColumns(t->pConn, "no schema", "colt", &aCol, &nCol, &zErr);
  assert_int_equal(rc, SQLITE_NOTFOUND);
  sqlite3_free(zErr);
  zErr = 0;
  pgtExec(t, "DROP TABLE IF EXISTS nocols; CREATE TABLE nocols()");
  assert_int_equal(pBe->xColumns(t->pConn, 0, "nocols", &aCol, &nCol, &zErr), SQLITE_OK);
  assert_int_equal(nCol, 0);
  sqlormRemoteColsFree(aCol, nCol);
}

static void test_tables(void **state){
  TestPg *t = *state;
  OrmNames tabs = {0, 0};
  char *zErr = 0, *zList;
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i, rc;
  pgtExec(t, "DROP SCHEMA IF EXISTS tabs CASCADE; CREATE SCHEMA tabs;"
    "CREATE TABLE tabs.b_t(x int); CREATE TABLE tabs.\"A t\"(x int);"
    "CREATE VIEW tabs.c_v AS SELECT 1 AS one; CREATE MATERIALIZED VIEW tabs.d_mv AS SELECT 1;"
    "CREATE TABLE tabs.e_p(x int) PARTITION BY RANGE (x);"
    "CREATE TABLE tabs.e_p1 PARTITION OF tabs.e_p FOR VALUES FROM (0) TO (10);"
    "CREATE SEQUENCE tabs.f_seq; CREATE INDEX ON tabs.b_t(x); CREATE TYPE tabs.g_ty AS (a int)");
  assert_int_equal(pBe->xTables(t->pConn, "tabs", &tabs, &zErr), SQLITE_OK);
  for(i=0; i<tabs.n; i++) sqlite3_str_appendf(pStr, "%s|", tabs.az[i]);
  zList = sqlite3_str_finish(pStr);
  assert_string_equal(zList, "A t|b_t|c_v|d_mv|e_p|");
  sqlite3_free(zList);
  sqlormNamesClear(&tabs);
  assert_int_equal(pBe->xTables(t->pConn, 0, &tabs, &zErr), SQLITE_OK);
  assert_true(sqlormNamesFind(&tabs, "colt")>=0 || sqlormNamesFind(&tabs, "types")>=0);
  sqlormNamesClear(&tabs);
  pgtExec(t, "DROP SCHEMA IF EXISTS empty_s; CREATE SCHEMA empty_s");
  assert_int_equal(pBe->xTables(t->pConn, "empty_s", &tabs, &zErr), SQLITE_OK);
  assert_int_equal(tabs.n, 0);
  rc = pBe->xTables(t->pConn, "no_such_schema", &tabs, &zErr);
  assert_int_equal(rc, SQLITE_NOTFOUND);
  testAssertHas(zErr, "no schema \"no_such_schema\"");
  sqlite3_free(zErr);
}

/* ---------------------------------------------------------------- out of memory */

/* What test_oom runs with one allocation failing: each step SQLITE_OK or SQLITE_NOMEM,
** and everything freed whatever happens. */
static int oomScenario(TestPg *t, const char *zUrl, sqlite3_value **apVal){
  OrmRemoteConn *pConn = 0;
  OrmRemoteRes *pA = 0, *pB = 0;
  OrmRemoteCol *aCol = 0;
  OrmNames names = {0, 0};
  char *zErr = 0;
  int rc, nCol = 0, i;
  rc = testConnect(zUrl, 5, &pConn, &zErr);
  if( rc==SQLITE_OK ){
    rc = pBe->xExec(pConn, "INSERT INTO oomt VALUES ($1, $2, $3, $4, $5, 'happy', "
                    "'{sad,happy}')", 5, apVal, 0, &zErr);
  }
  if( rc==SQLITE_OK ){
    rc = pBe->xQuery(pConn, "SELECT a, b, c, d, e, m, arr, 0.5::numeric, now() FROM oomt",
                     0, 0, 0, &pA, &zErr);
  }
  if( rc==SQLITE_OK ){
    rc = pBe->xNext(pA, &zErr);
    if( rc==SQLITE_ROW ) rc = SQLITE_OK;
  }
  for(i=0; rc==SQLITE_OK && i<9; i++){
    t->pRes = pA;
    sqlite3_reset(t->pCol);
    sqlite3_bind_int(t->pCol, 1, i);
    rc = sqlite3_step(t->pCol);
    rc = rc==SQLITE_ROW ? SQLITE_OK : sqlite3_reset(t->pCol);
  }
  sqlite3_reset(t->pCol);
  if( rc==SQLITE_OK ){
    /* Interrupts the stream: A is read into memory. */
    rc = pBe->xQuery(pConn, "SELECT a FROM oomt WHERE a = $1", 1, apVal, ORM_QUERY_ONE, &pB,
                     &zErr);
  }
  if( rc==SQLITE_OK ){
    rc = pBe->xNext(pB, &zErr);
    if( rc==SQLITE_ROW ) rc = SQLITE_OK;
  }
  while( rc==SQLITE_OK && (rc = pBe->xNext(pA, &zErr))==SQLITE_ROW ) rc = SQLITE_OK;
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  if( rc==SQLITE_OK ) rc = pBe->xExec(pConn, "BEGIN", 0, 0, 0, &zErr);
  if( rc==SQLITE_OK ){
    pBe->xFinish(pA);
    rc = pBe->xQuery(pConn, "SELECT arr FROM oomt", 0, 0, 0, &pA, &zErr);
  }
  while( rc==SQLITE_OK && (rc = pBe->xNext(pA, &zErr))==SQLITE_ROW ) rc = SQLITE_OK;
  if( rc==SQLITE_DONE ) rc = pBe->xExec(pConn, "ROLLBACK", 0, 0, 0, &zErr);
  if( rc==SQLITE_OK ) rc = pBe->xColumns(pConn, 0, "oomt", &aCol, &nCol, &zErr);
  if( rc==SQLITE_OK ) rc = pBe->xTables(pConn, 0, &names, &zErr);
  if( rc==SQLITE_OK ) rc = pBe->xListPrepared(pConn, "sqlorm_oom", &names, &zErr);
  sqlormRemoteColsFree(aCol, nCol);
  sqlormNamesClear(&names);
  pBe->xFinish(pA);
  pBe->xFinish(pB);
  if( pConn ) pBe->xDisconnect(pConn);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ) fprintf(stderr, "%d: %s\n", rc, zErr ? zErr : "");
  sqlite3_free(zErr);
  return rc;
}

/* Each allocation of a connection's life fails in turn. */
static void test_oom(void **state){
  TestPg *t = *state;
  sqlite3_value **apVal;
  char zUrl[300];
  int n, nVal, rc = SQLITE_NOMEM, nNoMem = 0;
  pgtExec(t, "DROP TABLE IF EXISTS oomt; DROP TYPE IF EXISTS oom_mood;"
             "CREATE TYPE oom_mood AS ENUM ('sad', 'happy');"
             "CREATE TABLE oomt(a int, b text, c bytea, d float8, e text, m oom_mood,"
             " arr oom_mood[])");
  nVal = testVals(t, "SELECT 5, 'x', x'00ff', 2.5, NULL", &apVal);
  /* The socket: trust, no SCRAM for each of the many connections. */
  snprintf(zUrl, sizeof(zUrl), "postgresql://sqlorm@:%s/sqlorm_test?host=%s", gzPort,
           gzSocket);
  for(n=1; n<5000; n++){
    sqlite3_int64 nMem = sqlite3_memory_used();
    gbFailed = 0;
    gnFailAfter = n-1;
    rc = oomScenario(t, zUrl, apVal);
    gnFailAfter = -1;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ) fprintf(stderr, "allocation %d\n", n);
    assert_true(rc==SQLITE_OK || rc==SQLITE_NOMEM);
    if( sqlite3_memory_used()!=nMem ){
      fprintf(stderr, "allocation %d failing: %lld bytes not freed\n", n,
              (long long)(sqlite3_memory_used()-nMem));
      fail();
    }
    if( rc==SQLITE_NOMEM ) nNoMem++;
    if( !gbFailed ) break;
  }
  fprintf(stderr, "# out of memory at each of %d allocations: %d gave SQLITE_NOMEM\n", n-1,
          nNoMem);
  assert_int_equal(rc, SQLITE_OK);
  testValsFree(apVal, nVal);
}

/* ---------------------------------------------------------------- the server goes away */

static void test_prepare_disabled(void **state){
  TestPg *t = *state;
  char *zErr = 0;
  int rc;
  pgtExec(t, "ALTER SYSTEM SET max_prepared_transactions = 0");
  pBe->xDisconnect(t->pConn);
  t->pConn = 0;
  assert_int_equal(testScript("restart"), 0);
  t->pConn = testOpen();
  pgtExec(t, "DROP TABLE IF EXISTS tpc0; CREATE TABLE tpc0(x int)");
  pgtExec(t, "BEGIN");
  pgtExec(t, "INSERT INTO tpc0 VALUES (1)");
  rc = pBe->xPrepare(t->pConn, "sqlorm_off", &zErr);
  assert_int_equal(rc, SQLITE_ERROR);
  testAssertHas(zErr, "max_prepared_transactions");
  testAssertHas(zErr, "prepared transactions are disabled");
  sqlite3_free(zErr);
  assert_int_equal(t->pConn->bInTxn, 0);
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT count(*) FROM tpc0"), 0);
  pgtExec(t, "ALTER SYSTEM RESET max_prepared_transactions");
  pBe->xDisconnect(t->pConn);
  t->pConn = 0;
  assert_int_equal(testScript("restart"), 0);
  t->pConn = testOpen();
  assert_int_equal(pgtQueryInt(t, t->pConn,
                   "SELECT current_setting('max_prepared_transactions')::int"), 20);
}

/* Kept last: SIGKILL to the server, then a restart. */
static void test_server_killed(void **state){
  TestPg *t = *state;
  OrmRemoteConn *pIdle = testOpen(), *pTxn = testOpen();
  OrmRemoteRes *pStream, *pCursor;
  char *zErr = 0;
  int rc, nRow = 0;
  double t0;
  pStream = testQuery(t, "SELECT generate_series(1, 100000000)");
  testNextRow(pStream);
  assert_int_equal(pBe->xExec(pTxn, "BEGIN", 0, 0, 0, 0), SQLITE_OK);
  pCursor = testQueryV(t, pTxn, "SELECT generate_series(1, 1000000)", 0, 0);
  testNextRow(pCursor);
  assert_int_equal(testScript("kill"), 0);
  t0 = testNow();
  rc = pBe->xExec(pIdle, "SELECT 1", 0, 0, 0, &zErr);
  assert_int_equal(rc, SQLITE_IOERR);
  testAssertHas(zErr, "postgresql: the connection to ");
  testAssertHas(zErr, " was lost: ");
  sqlite3_free(zErr);
  zErr = 0;
  assert_int_equal(pBe->xPing(pIdle), SQLITE_IOERR);
  /* The stream: rows libpq holds already, then the loss. */
  while( (rc = pBe->xNext(pStream, &zErr))==SQLITE_ROW ) nRow++;
  assert_int_equal(rc, SQLITE_IOERR);
  sqlite3_free(zErr);
  zErr = 0;
  pBe->xFinish(pStream);
  assert_int_equal(pBe->xPing(t->pConn), SQLITE_IOERR);
  /* The cursor: its batch, then the loss. */
  while( (rc = pBe->xNext(pCursor, &zErr))==SQLITE_ROW ) nRow++;
  assert_int_equal(rc, SQLITE_IOERR);
  sqlite3_free(zErr);
  zErr = 0;
  pBe->xFinish(pCursor);
  assert_int_equal(pBe->xExec(pTxn, "ROLLBACK", 0, 0, 0, 0), SQLITE_IOERR);
  assert_true(testNow()-t0 < 5.0);
  pBe->xDisconnect(pIdle);
  pBe->xDisconnect(pTxn);
  pBe->xDisconnect(t->pConn);
  t->pConn = 0;
  /* Down: refused. */
  rc = testConnect(gzUrl, 2, &pIdle, &zErr);
  assert_int_equal(rc, SQLITE_CANTOPEN);
  sqlite3_free(zErr);
  zErr = 0;
  t0 = testNow();
  assert_int_equal(testScript("restart"), 0);
  fprintf(stderr, "# pg.sh restart after kill: %.2f s\n", testNow()-t0);
  t->pConn = testOpen();
  assert_int_equal(pgtQueryInt(t, t->pConn, "SELECT 40 + 2"), 42);
}

int main(void){
  static const struct CMUnitTest aTest[] = {
    cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
    cmocka_unit_test_setup_teardown(test_connect_options, setup, teardown),
    cmocka_unit_test_setup_teardown(test_connect_password, setup, teardown),
    cmocka_unit_test_setup_teardown(test_connect_unreachable, setup, teardown),
    cmocka_unit_test_setup_teardown(test_dialect, setup, teardown),
    cmocka_unit_test_setup_teardown(test_types_roundtrip, setup, teardown),
    cmocka_unit_test_setup_teardown(test_params, setup, teardown),
    cmocka_unit_test_setup_teardown(test_numeric, setup, teardown),
    cmocka_unit_test_setup_teardown(test_floats, setup, teardown),
    cmocka_unit_test_setup_teardown(test_datetimes, setup, teardown),
    cmocka_unit_test_setup_teardown(test_arrays, setup, teardown),
    cmocka_unit_test_setup_teardown(test_stream_large, setup, teardown),
    cmocka_unit_test_setup_teardown(test_interleave_txn, setup, teardown),
    cmocka_unit_test_setup_teardown(test_interleave_stream, setup, teardown),
    cmocka_unit_test_setup_teardown(test_finish_early, setup, teardown),
    cmocka_unit_test_setup_teardown(test_savepoints, setup, teardown),
    cmocka_unit_test_setup_teardown(test_changes_and_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
    cmocka_unit_test_setup_teardown(test_statement_cache, setup, teardown),
    cmocka_unit_test_setup_teardown(test_two_phase, setup, teardown),
    cmocka_unit_test_setup_teardown(test_columns, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
    cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
    cmocka_unit_test_setup_teardown(test_prepare_disabled, setup, teardown),
    cmocka_unit_test_setup_teardown(test_server_killed, setup, teardown),
  };
  return cmocka_run_group_tests_name("remote_pg", aTest, groupSetup, groupTeardown);
}
