/*
** remote_test.c: orm_remote on real servers: PostgreSQL (and MySQL/MariaDB when built),
** started on loopback by tests/servers/pg.sh and mariadb.sh for this run.
**
**   test_*_same_answers: a matrix of queries over a remote table and a local copy of its
**     rows gives the same rows both ways (pushdown never changes an answer), and the SQL
**     sent shows what was pushed (COLLATE "C", NULLS FIRST, ILIKE, IN lists, LIMIT/OFFSET);
**   test_*_types: values written through SQLite and read back, type by type;
**   test_*_two_phase: a commit prepares then commits; a commit hook that fails rolls the
**     prepared side back; a process killed after the prepare leaves a prepared transaction
**     that orm_remote_recover rolls back (unlogged); a connection lost after SQLite's commit
**     leaves one that recovery commits (logged);
**   test_*_faults: a restarted server (pool_pre_ping reconnects; without it one error, then
**     back), a server killed in a transaction (an error; nothing committed on either side),
**     an unreachable host (an error within pool_timeout);
**   test_*_scan_memory: a 1,000,000-row scan in a child process stays under 64 MB resident;
**   test_*_credentials: a wrong password is an error that does not show it; no password
**     reaches the database file;
**   test_*_orm: relationships, orm_json and versioning over the remote table.
** The module's sources are linked in with SQLITE_CORE; the entry point is called directly.
*/
#define _GNU_SOURCE     /* memmem */
#include "testutil.h"
#include "remote.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

int sqlite3_sqlorm_init(sqlite3*, char**, const sqlite3_api_routines*);

typedef struct Server Server;
struct Server {
  const char *zDialect;   /* "postgresql", "mysql" */
  const char *zScript;    /* tests/servers/NAME.sh */
  const char *zUrlVar;    /* the env file's URL variable */
  char zDir[256];
  char zUrl[512];
  int bUp;
};

static Server aServer[] = {
  { "postgresql", "pg.sh", "SQLORM_PG_URL", "", "", 0 },
#ifdef SQLORM_WITH_MYSQL
  { "mysql", "mariadb.sh", "SQLORM_MYSQL_URL", "", "", 0 },
#endif
};
#define N_SERVER ((int)(sizeof(aServer)/sizeof(aServer[0])))

static const char *srcDir(void){
  const char *z = getenv("SQLORM_SRCDIR");
  return z ? z : ".";
}

static int serverScript(Server *s, const char *zCmd){
  char z[1024];
  snprintf(z, sizeof(z), "sh '%s/tests/servers/%s' %s '%s' >/dev/null 2>&1", srcDir(),
           s->zScript, zCmd, s->zDir);
  return system(z);
}

/* Starts the server, reads its env file into the environment. */
static int serverStart(Server *s){
  char z[512], zLine[1024];
  FILE *f;
  snprintf(s->zDir, sizeof(s->zDir), "/tmp/sqlorm-rt-%s-%d", s->zDialect, (int)getpid());
  if( serverScript(s, "start")!=0 ){
    fprintf(stderr, "remote_test: cannot start a %s server with tests/servers/%s\n",
            s->zDialect, s->zScript);
    return -1;
  }
  snprintf(z, sizeof(z), "%s/env", s->zDir);
  f = fopen(z, "r");
  if( f==0 ) return -1;
  while( fgets(zLine, sizeof(zLine), f) ){
    char *zEq = strchr(zLine, '=');
    size_t n = strlen(zLine);
    if( n && zLine[n-1]=='\n' ) zLine[n-1] = 0;
    if( zEq==0 ) continue;
    *zEq = 0;
    setenv(zLine, zEq+1, 1);
    if( strcmp(zLine, s->zUrlVar)==0 ) snprintf(s->zUrl, sizeof(s->zUrl), "%s", zEq+1);
  }
  fclose(f);
  if( getenv("SQLORM_PG_PASSFILE") ) setenv("PGPASSFILE", getenv("SQLORM_PG_PASSFILE"), 1);
  s->bUp = s->zUrl[0]!=0;
  return s->bUp ? 0 : -1;
}

static int groupSetup(void **state){
  int i;
  (void)state;
  for(i=0; i<N_SERVER; i++) if( serverStart(&aServer[i]) ) return -1;
  return 0;
}

static int groupTeardown(void **state){
  int i;
  (void)state;
  for(i=0; i<N_SERVER; i++) if( aServer[i].bUp ) serverScript(&aServer[i], "stop");
  return 0;
}

/* The URL a table names: for MySQL the option file with the password. */
static char *tableUrl(Server *s){
  if( strcmp(s->zDialect, "mysql")==0 && getenv("SQLORM_MYSQL_CNF") ){
    return sqlite3_mprintf("%s?read_default_file=%s", s->zUrl, getenv("SQLORM_MYSQL_CNF"));
  }
  return sqlite3_mprintf("%s", s->zUrl);
}

/* SQL run on the server itself, through the backend. */
static void serverExec(Server *s, const char *zSql){
  const OrmBackend *pBe = sqlormRemoteBackend(s->zDialect);
  OrmRemoteUrl *pUrl = 0;
  OrmRemoteConn *pConn = 0;
  char *zErr = 0, *zUrl = tableUrl(s);
  int rc = sqlormRemoteUrlParse(zUrl, &pUrl, &zErr);
  if( rc==SQLITE_OK ) rc = pBe->xConnect(pUrl, 10, &pConn, &zErr);
  if( rc==SQLITE_OK ) rc = pBe->xExec(pConn, zSql, 0, 0, 0, &zErr);
  if( rc!=SQLITE_OK ) fprintf(stderr, "%s\n  -> %s\n", zSql, zErr ? zErr : "?");
  assert_int_equal(rc, SQLITE_OK);
  if( pConn ) pBe->xDisconnect(pConn);
  sqlormRemoteUrlFree(pUrl);
  sqlite3_free(zErr);
  sqlite3_free(zUrl);
}

static sqlite3 *openDb(const char *zPath){
  sqlite3 *db = 0;
  char *zErr = 0;
  assert_int_equal(sqlite3_open(zPath, &db), SQLITE_OK);
  assert_int_equal(sqlite3_sqlorm_init(db, &zErr, 0), SQLITE_OK);
  return db;
}

/* Every row of zSql as "a|b|c\n" lines (sqlite3_malloc'd). */
static char *rowsText(sqlite3 *db, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *pOut = sqlite3_str_new(0);
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0), i;
  if( rc!=SQLITE_OK ){
    sqlite3_str_appendf(pOut, "ERROR %s", sqlite3_errmsg(db));
    return sqlite3_str_finish(pOut);
  }
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    for(i=0; i<sqlite3_column_count(pStmt); i++){
      const char *z = (const char*)sqlite3_column_text(pStmt, i);
      sqlite3_str_appendf(pOut, "%s%s:%s", i ? "|" : "", z ? z : "NULL",
          sqlite3_column_type(pStmt, i)==SQLITE_INTEGER ? "i" :
          sqlite3_column_type(pStmt, i)==SQLITE_FLOAT ? "r" :
          sqlite3_column_type(pStmt, i)==SQLITE_TEXT ? "t" :
          sqlite3_column_type(pStmt, i)==SQLITE_BLOB ? "b" : "n");
    }
    sqlite3_str_appendchar(pOut, 1, '\n');
  }
  if( rc!=SQLITE_DONE ) sqlite3_str_appendf(pOut, "ERROR %s", sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  sqlite3_str_appendall(pOut, "end");
  return sqlite3_str_finish(pOut);
}

/* The statements sent since the last call, one per line. */
static char *sentSql(sqlite3 *db){
  return testQueryText(db, "SELECT group_concat(value, char(10)) FROM json_each(orm_remote_sql())");
}

static void createRemote(sqlite3 *db, const char *zName, Server *s, const char *zRemote,
                         const char *zOpts){
  char *zUrl = tableUrl(s);
  char *zSql = zOpts ?
      sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING orm_remote(%Q, %Q, %Q)", zName, zUrl,
                      zRemote, zOpts) :
      sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING orm_remote(%Q, %Q)", zName, zUrl, zRemote);
  testExec(db, zSql);
  sqlite3_free(zSql);
  sqlite3_free(zUrl);
}

/* ---------------------------------------------------------------- same answers */

/* The rows of both tables: ids, integers, text of every kind of case and NULLs, numbers. */
static const char *azRows[] = {
  "(1, 10, 'apple', 1.5, 0)", "(2, 20, 'Apple', 2.5, 1)", "(3, 30, 'banana', NULL, 0)",
  "(4, NULL, 'Zebra', 4.25, 1)", "(5, 50, NULL, 5.0, NULL)", "(6, 60, '', -1.0, 0)",
  "(7, 70, 'apple pie', 7.75, 1)", "(8, -5, 'caf\xc3\xa9', 8.0, 0)", "(9, 90, 'a_b%c', 0.0, 1)",
  "(10, 100, 'zz', 100.5, 0)", "(11, 30, 'Banana', 3.5, 1)", "(12, 20, 'apricot', 2.0, 0)",
  "(13, 5, '05', 5.5, 0)", "(14, 3, '3', 3.0, 1)",
};

static const char *azQueries[] = {
  "SELECT id FROM $T ORDER BY id",
  "SELECT id, n FROM $T WHERE n = 30 ORDER BY id",
  "SELECT id FROM $T WHERE n > 20 AND n <= 70 ORDER BY id",
  "SELECT id FROM $T WHERE n <> 30 ORDER BY id",
  "SELECT id FROM $T WHERE n IS NULL",
  "SELECT id FROM $T WHERE s IS NOT NULL ORDER BY id",
  "SELECT id FROM $T WHERE n IN (10, 30, 999) ORDER BY id",
  "SELECT id FROM $T WHERE n NOT IN (10, 30) ORDER BY id",
  "SELECT id FROM $T WHERE s = 'apple'",
  "SELECT id FROM $T WHERE s > 'apple' ORDER BY id",
  "SELECT id FROM $T WHERE s < 'b' ORDER BY id",
  "SELECT id FROM $T WHERE s IN ('apple', 'Banana', 'nope') ORDER BY id",
  "SELECT id FROM $T WHERE s LIKE 'ap%' ORDER BY id",
  "SELECT id FROM $T WHERE s LIKE 'AP%' ORDER BY id",
  "SELECT id FROM $T WHERE s LIKE 'caf_' ORDER BY id",
  "SELECT id FROM $T WHERE s LIKE '%\xc3\xa9' ORDER BY id",
  "SELECT id FROM $T WHERE s GLOB 'a*' ORDER BY id",
  "SELECT id, s FROM $T ORDER BY s, id",
  "SELECT id, s FROM $T ORDER BY s DESC, id",
  "SELECT id, n FROM $T ORDER BY n, id",
  "SELECT id, n FROM $T ORDER BY n DESC, id",
  "SELECT id FROM $T ORDER BY id LIMIT 3",
  "SELECT id FROM $T ORDER BY id LIMIT 3 OFFSET 4",
  "SELECT id FROM $T ORDER BY id LIMIT -1 OFFSET 9",
  "SELECT id, s FROM $T WHERE n > 0 ORDER BY s DESC LIMIT 2 OFFSET 1",
  "SELECT id FROM $T WHERE n = '30' ORDER BY id",
  "SELECT id FROM $T WHERE n = 'abc'",
  "SELECT id FROM $T WHERE n < 'abc' ORDER BY id",
  "SELECT id FROM $T WHERE n > 2.5e1 AND n < 60.5 ORDER BY id",
  "SELECT id FROM $T WHERE n >= -5.5 ORDER BY id LIMIT 2",
  "SELECT id FROM $T WHERE n = 30.0 ORDER BY id",
  "SELECT id FROM $T WHERE n = 30.5",
  "SELECT id FROM $T WHERE s = 5",
  "SELECT id FROM $T WHERE s > 5 ORDER BY id",
  "SELECT id FROM $T WHERE r > 2.5 ORDER BY id",
  "SELECT id FROM $T WHERE r = 5 ORDER BY id",
  "SELECT id FROM $T WHERE b = 1 ORDER BY id",
  "SELECT id FROM $T WHERE b = 2 ORDER BY id",
  "SELECT id FROM $T WHERE b <> 1 ORDER BY id",
  "SELECT id FROM $T WHERE n IS 30 ORDER BY id",
  "SELECT id FROM $T WHERE n IS NOT 30 ORDER BY id",
  "SELECT id FROM $T WHERE n = NULL",
  "SELECT id FROM $T WHERE abs(n) > 50 ORDER BY id",
  "SELECT id FROM $T WHERE n > 20 OR s = 'Zebra' ORDER BY id",
  "SELECT count(*), sum(n), min(s), max(s) FROM $T",
  "SELECT s, count(*) FROM $T GROUP BY s ORDER BY s",
  "SELECT a.id, b.id FROM $T a JOIN $T b ON b.n = a.n AND b.id > a.id ORDER BY 1, 2",
  "SELECT k.v, t.id FROM keys k JOIN $T t ON t.id = k.v ORDER BY 1",
  "SELECT id FROM $T WHERE id IN (SELECT v FROM keys) ORDER BY id",
  "SELECT id FROM $T WHERE s = CAST('5' AS INTEGER)",
  "SELECT id FROM $T WHERE s = 5",
  "SELECT id FROM $T WHERE s = 3 ORDER BY id",
  "SELECT id FROM $T WHERE s > 4 ORDER BY id",
  "SELECT k.v, t.id FROM keys k JOIN $T t ON t.s = k.v ORDER BY 1, 2",
  "SELECT k.v, t.id FROM keys k JOIN $T t ON t.s = k.v || '' ORDER BY 1, 2",
  "SELECT id FROM $T WHERE s = NULL",
  "SELECT id FROM $T WHERE s < (SELECT NULL)",
  "SELECT id FROM $T WHERE s = 'APPLE' COLLATE NOCASE ORDER BY id",
  "SELECT id FROM $T WHERE s > 'b' COLLATE NOCASE ORDER BY id",
  "SELECT rowid, id FROM $T WHERE rowid = 3",
  "SELECT rowid FROM $T ORDER BY rowid LIMIT 3",
  "SELECT id FROM $T WHERE n IN (SELECT v FROM keys) AND s IN ('apple', 5) ORDER BY id",
  "SELECT id FROM $T WHERE s IN (3, '05') ORDER BY id",
  "SELECT id FROM $T WHERE n IN (WITH RECURSIVE c(i) AS (VALUES(-300) UNION ALL SELECT i+1 "
  "FROM c WHERE i<300) SELECT i FROM c) ORDER BY id",
  "SELECT id FROM $T WHERE s IN (WITH RECURSIVE c(i) AS (VALUES(1) UNION ALL SELECT i+1 "
  "FROM c WHERE i<300) SELECT 'x' || i FROM c UNION ALL SELECT 'apple' UNION ALL "
  "SELECT 'caf\xc3\xa9') ORDER BY id",
};

static void sameAnswers(Server *s, const char *zTextType, const char *zRealType,
                        const char *zBoolType){
  sqlite3 *db = openDb(":memory:");
  char *zSql;
  size_t i;
  serverExec(s, "DROP TABLE IF EXISTS rt_same");
  zSql = sqlite3_mprintf("CREATE TABLE rt_same(id INT PRIMARY KEY, n INT, s %s, r %s, b %s)",
                         zTextType, zRealType, zBoolType);
  serverExec(s, zSql);
  sqlite3_free(zSql);
  testExec(db, "CREATE TABLE loc(id INTEGER PRIMARY KEY, n INTEGER, s TEXT, r REAL, b INTEGER);"
               "CREATE TABLE keys(v INT); INSERT INTO keys VALUES (3), (5), (11), (42);");
  for(i=0; i<sizeof(azRows)/sizeof(azRows[0]); i++){
    zSql = sqlite3_mprintf("INSERT INTO rt_same VALUES %s", azRows[i]);
    if( strcmp(s->zDialect, "postgresql")==0 ){
      /* PostgreSQL's booleans are written as such */
      char *z = sqlite3_mprintf("INSERT INTO rt_same SELECT id::int, n::int, s::text, r::float8, "
          "b::int::boolean FROM (VALUES %s) v(id, n, s, r, b)", azRows[i]);
      sqlite3_free(zSql);
      zSql = z;
    }
    serverExec(s, zSql);
    sqlite3_free(zSql);
    zSql = sqlite3_mprintf("INSERT INTO loc VALUES %s", azRows[i]);
    testExec(db, zSql);
    sqlite3_free(zSql);
  }
  createRemote(db, "rem", s, "rt_same", 0);
  for(i=0; i<sizeof(azQueries)/sizeof(azQueries[0]); i++){
    char *zLoc = sqlite3_mprintf("%s", azQueries[i]), *zRem = sqlite3_mprintf("%s", azQueries[i]);
    char *p, *zA, *zB;
    while( (p = strstr(zLoc, "$T"))!=0 ){
      char *z = sqlite3_mprintf("%.*sloc%s", (int)(p - zLoc), zLoc, p+2);
      sqlite3_free(zLoc);
      zLoc = z;
    }
    while( (p = strstr(zRem, "$T"))!=0 ){
      char *z = sqlite3_mprintf("%.*srem%s", (int)(p - zRem), zRem, p+2);
      sqlite3_free(zRem);
      zRem = z;
    }
    zA = rowsText(db, zLoc);
    zB = rowsText(db, zRem);
    if( strcmp(zA, zB)!=0 ){
      char *zSent = sentSql(db);
      fprintf(stderr, "%s: %s\n  local:\n%s  remote:\n%s  sent:\n%s\n", s->zDialect, zRem, zA,
              zB, zSent ? zSent : "");
      sqlite3_free(zSent);
    }
    assert_string_equal(zA, zB);
    sqlite3_free(zA);
    sqlite3_free(zB);
    sqlite3_free(zLoc);
    sqlite3_free(zRem);
  }
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_close(db);
}

/* What was pushed, as the statements sent show it. */
static void assertSent(sqlite3 *db, const char *zQuery, const char *zWant){
  char *zSent;
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_free(rowsText(db, zQuery));
  zSent = sentSql(db);
  if( zSent==0 || strstr(zSent, zWant)==0 ){
    fprintf(stderr, "%s\n  sent: %s\n  want: %s\n", zQuery, zSent ? zSent : "(nothing)", zWant);
  }
  assert_non_null(zSent);
  assert_non_null(strstr(zSent, zWant));
  sqlite3_free(zSent);
}

static void test_pg_same_answers(void **state){
  sqlite3 *db;
  (void)state;
  sameAnswers(&aServer[0], "text", "double precision", "boolean");
  db = openDb(":memory:");
  createRemote(db, "rem", &aServer[0], "public.rt_same", 0);
  assertSent(db, "SELECT id FROM rem WHERE s > 'b' ORDER BY s LIMIT 2",
             "WHERE \"s\" COLLATE \"C\" > $1 ORDER BY \"s\" COLLATE \"C\" ASC NULLS FIRST LIMIT $2");
  assertSent(db, "SELECT id FROM rem ORDER BY n DESC LIMIT 1 OFFSET 2",
             "ORDER BY \"n\" DESC NULLS LAST LIMIT $1 OFFSET $2");
  assertSent(db, "SELECT id FROM rem WHERE n IN (1, 2, 3)", "WHERE \"n\" IN ($1,$2,$3)");
  assertSent(db, "SELECT id FROM rem WHERE s LIKE 'ap%'", "\"s\" ILIKE $");
  assertSent(db, "SELECT id FROM rem WHERE s IS NULL", "WHERE \"s\" IS NULL");
  assertSent(db, "SELECT sum(n) FROM rem", "SELECT \"n\" FROM \"public\".\"rt_same\"");
  assertSent(db, "SELECT id FROM rem WHERE n = 'abc'", "WHERE 1=0");
  assertSent(db, "SELECT id FROM rem WHERE n IN (WITH RECURSIVE c(i) AS (VALUES(1) UNION ALL "
             "SELECT i+1 FROM c WHERE i<40000) SELECT i FROM c)",
             "\"n\" IN (SELECT json_array_elements_text($1::json)::integer)");
  assertSent(db, "SELECT id FROM rem WHERE n > 2.5", "WHERE \"n\" > $1");
  sqlite3_close(db);
}

static void test_pg_types(void **state){
  Server *s = &aServer[0];
  sqlite3 *db = openDb(":memory:");
  (void)state;
  serverExec(s, "DROP TABLE IF EXISTS rt_types; DROP TYPE IF EXISTS rt_mood;"
      "CREATE TYPE rt_mood AS ENUM ('sad', 'ok', 'happy');"
      "CREATE TABLE rt_types(id int PRIMARY KEY, i2 smallint, i8 bigint, num numeric, "
      "f4 real, f8 double precision, bo boolean, t text, vc varchar(10), by bytea, d date, "
      "tm time, ts timestamp, tz timestamptz, js json, jb jsonb, u uuid, mood rt_mood, "
      "ia int[], ta text[])");
  createRemote(db, "ty", s, "rt_types", 0);
  testExec(db, "INSERT INTO ty VALUES (1, -32768, 9223372036854775807, '12345678901234567890.5', "
      "1.5, 2.25, 1, 'h\xc3\xa9llo', 'short', x'00ff10', '2024-02-29', '13:14:15.5', "
      "'2024-02-29 13:14:15.123456', '2024-02-29 13:14:15+02:00', '{\"a\":[1,2]}', "
      "'{\"b\": true}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '[1,null,3]', "
      "'[\"x\",\"y z\"]')");
  testAssertText(db, "SELECT i2 || ' ' || i8 || ' ' || num || ' ' || f4 || ' ' || f8 || ' ' || "
                 "bo || ' ' || t || ' ' || vc FROM ty", "-32768 9223372036854775807 "
                 "12345678901234567890.5 1.5 2.25 1 h\xc3\xa9llo short");
  testAssertText(db, "SELECT hex(by) FROM ty", "00FF10");
  testAssertText(db, "SELECT d || ' ' || tm || ' ' || ts FROM ty",
                 "2024-02-29 13:14:15.5 2024-02-29 13:14:15.123456");
  testAssertText(db, "SELECT tz FROM ty", "2024-02-29 11:14:15+00:00");
  testAssertText(db, "SELECT js || ' ' || jb || ' ' || u || ' ' || mood FROM ty",
                 "{\"a\":[1,2]} {\"b\": true} a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 happy");
  testAssertText(db, "SELECT ia || ' ' || ta FROM ty", "[1,null,3] [\"x\",\"y z\"]");
  testAssertText(db, "SELECT typeof(num) || typeof(f4) || typeof(bo) FROM ty", "textrealinteger");
  /* Written back as read: an UPDATE of each kind. */
  testExec(db, "UPDATE ty SET num = 2.5, bo = 0, ia = '[]', js = '[true]', by = x'' WHERE id = 1");
  testAssertText(db, "SELECT num || typeof(num) || ' ' || bo || ' ' || ia || ' ' || js || ' ' || "
                 "length(by) FROM ty", "2.5real 0 [] [true] 0");
  /* NULLs of every type. */
  testExec(db, "INSERT INTO ty(id) VALUES (2)");
  testAssertText(db, "SELECT count(*) FROM ty WHERE id = 2 AND coalesce(i2, i8, num, f4, f8, bo, "
                 "t, vc, by, d, tm, ts, tz, js, jb, u, mood, ia, ta) IS NULL", "1");
  /* A value the server refuses: its error, nothing written. */
  assert_int_not_equal(sqlite3_exec(db, "INSERT INTO ty(id, mood) VALUES (3, 'furious')", 0, 0, 0),
                       SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "rt_mood"));
  testAssertText(db, "SELECT count(*) FROM ty", "2");
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_close(db);
}

/* A join of a local table to a remote one: a few lookups, then one read of the table into
** the join cache; the answer is the local copy's. */
static void joinBatch(Server *s){
  sqlite3 *db = openDb(":memory:");
  char *zA, *zB, *zSent;
  int nSent = 0;
  const char *z;
  testExec(db, "CREATE TABLE loc(id INTEGER PRIMARY KEY, n INTEGER, s TEXT, r REAL, b INTEGER);"
               "CREATE TABLE outer_keys(k INT, label TEXT);"
               "WITH RECURSIVE c(i) AS (VALUES(1) UNION ALL SELECT i+1 FROM c WHERE i<60) "
               "INSERT INTO outer_keys SELECT i % 14, 'k' || i FROM c");
  createRemote(db, "rem", s, "rt_same", 0);
  testExec(db, "INSERT INTO loc SELECT * FROM rem");
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  zA = rowsText(db, "SELECT o.label, t.s, t.n FROM outer_keys o JOIN loc t ON t.id = o.k "
                    "ORDER BY o.label");
  zB = rowsText(db, "SELECT o.label, t.s, t.n FROM outer_keys o JOIN rem t ON t.id = o.k "
                    "ORDER BY o.label");
  assert_string_equal(zA, zB);
  zSent = sentSql(db);
  for(z=zSent; z && (z = strstr(z, "SELECT"))!=0; z++) nSent++;
  if( nSent>4 ) fprintf(stderr, "%s: the join sent %d queries:\n%s\n", s->zDialect, nSent, zSent);
  assert_true(nSent>=1 && nSent<=4);      /* 3 lookups at most, then the table once */
  sqlite3_free(zSent);
  sqlite3_free(zA);
  sqlite3_free(zB);
  /* The same join with a text key given as a number: SQLite's affinity, in the cache too. */
  zA = rowsText(db, "SELECT o.label, t.id FROM outer_keys o JOIN loc t ON t.s = o.k ORDER BY 1");
  zB = rowsText(db, "SELECT o.label, t.id FROM outer_keys o JOIN rem t ON t.s = o.k ORDER BY 1");
  assert_string_equal(zA, zB);
  sqlite3_free(zA);
  sqlite3_free(zB);
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_close(db);
}

static void test_pg_join_batch(void **state){
  (void)state;
  joinBatch(&aServer[0]);
}

/* ---------------------------------------------------------------- two-phase commit */

static int failingHook(void *p){ (void)p; return 1; }

static int killingHook(void *p){ (void)p; _exit(0); return 0; }

static const char *zTermSql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE application_name = 'sqlorm' AND pid <> pg_backend_pid()";

static void (*pAfterPrepare)(void);
static int cutHook(void *p){
  (void)p;
  if( pAfterPrepare ) pAfterPrepare();
  return 0;
}
static void cutPgConnections(void){
  serverExec(&aServer[0], zTermSql);
}

static void test_pg_two_phase(void **state){
  TestDb *t = *state;
  Server *s = &aServer[0];
  sqlite3 *db = t->db;
  pid_t pid;
  int status;
  char *z;
  {
    char *zErr = 0;
    assert_int_equal(sqlite3_sqlorm_init(db, &zErr, 0), SQLITE_OK);
  }
  serverExec(s, "DROP TABLE IF EXISTS rt_xa; CREATE TABLE rt_xa(id int PRIMARY KEY, v text)");
  testExec(db, "CREATE TABLE loc(id INTEGER PRIMARY KEY, v TEXT)");
  createRemote(db, "xa", s, "rt_xa", 0);
  /* 1. A commit: prepared, then committed; the log keeps only the file's id. */
  testExec(db, "BEGIN; INSERT INTO xa VALUES (1, 'one'); INSERT INTO loc VALUES (1, 'one'); COMMIT");
  z = sentSql(db);
  assert_non_null(strstr(z, "PREPARE"));
  assert_non_null(strstr(z, "COMMIT PREPARED"));
  sqlite3_free(z);
  testAssertText(db, "SELECT count(*) FROM xa", "1");
  /* 2. SQLite's commit fails after the prepare (a commit hook refuses): both sides roll back. */
  sqlite3_commit_hook(db, failingHook, 0);
  assert_int_not_equal(sqlite3_exec(db, "BEGIN; INSERT INTO xa VALUES (2, 'two'); "
                       "INSERT INTO loc VALUES (2, 'two'); COMMIT", 0, 0, 0), SQLITE_OK);
  sqlite3_commit_hook(db, 0, 0);
  sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  testAssertText(db, "SELECT count(*) FROM xa", "1");
  testAssertText(db, "SELECT count(*) FROM loc", "1");
  assert_int_equal(0, (int)testQueryInt(db, "SELECT orm_remote_recover(0)"));
  /* 3. A process dies after the prepare, before SQLite's commit: the server holds a prepared
  ** transaction the log does not name; recovery rolls it back. */
  pid = fork();
  if( pid==0 ){
    sqlite3 *db2 = openDb(t->zPath);
    sqlite3_commit_hook(db2, killingHook, 0);
    sqlite3_exec(db2, "BEGIN; INSERT INTO xa VALUES (3, 'three'); INSERT INTO loc VALUES (3, "
                 "'three'); COMMIT", 0, 0, 0);
    _exit(1);
  }
  assert_true(waitpid(pid, &status, 0)==pid && WIFEXITED(status) && WEXITSTATUS(status)==0);
  testAssertText(db, "SELECT count(*) FROM loc WHERE id = 3", "0");
  testAssertText(db, "SELECT orm_remote_recover()", "0");     /* too young to judge */
  testAssertText(db, "SELECT orm_remote_recover(0)", "1");
  testAssertText(db, "SELECT count(*) FROM xa WHERE id = 3", "0");
  /* 4. The connection is lost after the prepare; SQLite commits; COMMIT PREPARED cannot be
  ** sent: the log names it, and recovery commits it. */
  pAfterPrepare = cutPgConnections;
  sqlite3_commit_hook(db, cutHook, 0);
  sqlite3_exec(db, "BEGIN; INSERT INTO xa VALUES (4, 'four'); INSERT INTO loc VALUES (4, 'four'); "
               "COMMIT", 0, 0, 0);
  sqlite3_commit_hook(db, 0, 0);
  pAfterPrepare = 0;
  testAssertText(db, "SELECT count(*) FROM loc WHERE id = 4", "1");
  testAssertText(db, "SELECT count(*) FROM orm_remote_xact WHERE gid <> '#file'", "1");
  testAssertText(db, "SELECT orm_remote_recover(0)", "1");
  testAssertText(db, "SELECT v FROM xa WHERE id = 4", "four");
  testAssertText(db, "SELECT count(*) FROM orm_remote_xact WHERE gid <> '#file'", "0");
  /* Savepoints map to the server's. */
  testExec(db, "BEGIN; INSERT INTO xa VALUES (5, 'five'); SAVEPOINT a; INSERT INTO xa VALUES "
               "(6, 'six'); ROLLBACK TO a; COMMIT");
  testAssertText(db, "SELECT group_concat(id) FROM (SELECT id FROM xa ORDER BY id)", "1,4,5");
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
}

/* ---------------------------------------------------------------- faults */

static void test_pg_faults(void **state){
  Server *s = &aServer[0];
  sqlite3 *db = openDb(":memory:");
  char *zUrl, *zSql;
  double t0;
  struct timespec ts;
  int rc;
  (void)state;
  serverExec(s, "DROP TABLE IF EXISTS rt_f; CREATE TABLE rt_f(id int PRIMARY KEY, v text);"
                "INSERT INTO rt_f VALUES (1, 'a')");
  createRemote(db, "pinged", s, "rt_f", "{\"pool_pre_ping\":true}");
  createRemote(db, "plain", s, "rt_f", 0);
  testAssertText(db, "SELECT v FROM pinged WHERE id = 1", "a");
  testAssertText(db, "SELECT v FROM plain WHERE id = 1", "a");
  /* Restarted between statements: pre_ping reconnects; without it, one error, then back. */
  assert_int_equal(serverScript(s, "restart"), 0);
  testAssertText(db, "SELECT v FROM pinged WHERE id = 1", "a");
  testAssertText(db, "SELECT pings_failed FROM orm_remote_pool WHERE pool_pre_ping = 1", "1");
  rc = sqlite3_exec(db, "SELECT v FROM plain WHERE id = 1", 0, 0, 0);
  assert_int_not_equal(rc, SQLITE_OK);
  testAssertText(db, "SELECT v FROM plain WHERE id = 1", "a");
  /* Killed in a transaction: the commit fails; nothing committed on either side. */
  testExec(db, "CREATE TABLE loc(id INTEGER PRIMARY KEY)");
  testExec(db, "BEGIN; INSERT INTO loc VALUES (7); INSERT INTO plain VALUES (7, 'x')");
  assert_int_equal(serverScript(s, "kill"), 0);
  rc = sqlite3_exec(db, "COMMIT", 0, 0, 0);
  assert_int_not_equal(rc, SQLITE_OK);
  sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  testAssertText(db, "SELECT count(*) FROM loc", "0");
  assert_int_equal(serverScript(s, "restart"), 0);
  testAssertText(db, "SELECT count(*) FROM pinged WHERE id = 7", "0");
  /* Unreachable: an error within pool_timeout (2 s here). */
  zUrl = sqlite3_mprintf("postgresql://sqlorm@10.255.255.1:5432/x");
  zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE far USING orm_remote(%Q, 't', "
                         "'{\"pool_timeout\":2}')", zUrl);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  t0 = ts.tv_sec + ts.tv_nsec*1e-9;
  rc = sqlite3_exec(db, zSql, 0, 0, 0);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  assert_int_not_equal(rc, SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "cannot connect"));
  assert_true(ts.tv_sec + ts.tv_nsec*1e-9 - t0 < 2 + 3);
  sqlite3_free(zSql);
  sqlite3_free(zUrl);
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_close(db);
}

/* ---------------------------------------------------------------- memory */

static void test_pg_scan_memory(void **state){
  Server *s = &aServer[0];
  pid_t pid;
  int status;
  struct rusage ru;
  (void)state;
  serverExec(s, "DROP TABLE IF EXISTS rt_big; CREATE TABLE rt_big(id int PRIMARY KEY, v bigint, "
                "pad text); INSERT INTO rt_big SELECT i, i % 1000, repeat('x', 40) FROM "
                "generate_series(1, 1000000) i");
  pid = fork();
  if( pid==0 ){
    sqlite3 *db = openDb(":memory:");
    createRemote(db, "big", s, "rt_big", 0);
    _exit(testQueryInt(db, "SELECT sum(v) + count(pad) FROM big")==499500000LL + 1000000 ? 0 : 1);
  }
  assert_true(wait4(pid, &status, 0, &ru)==pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status)==0);
  fprintf(stderr, "# 1,000,000-row scan: peak resident %ld kB\n", ru.ru_maxrss);
  /* The sanitizers' shadow memory counts as resident: the bound holds for the plain build. */
  if( getenv("SQLORM_SANITIZERS")==0 || strcmp(getenv("SQLORM_SANITIZERS"), "yes")!=0 ){
    assert_true(ru.ru_maxrss < 64*1024);
  }
  serverExec(s, "DROP TABLE rt_big");
}

/* ---------------------------------------------------------------- credentials */

static void test_pg_credentials(void **state){
  TestDb *t = *state;
  Server *s = &aServer[0];
  sqlite3 *db = t->db;
  char *zUrl, *zSql, *zFile;
  const char *zAt;
  long n = 0;
  int rc;
  {
    char *zErr = 0;
    assert_int_equal(sqlite3_sqlorm_init(db, &zErr, 0), SQLITE_OK);
  }
  serverExec(s, "DROP TABLE IF EXISTS rt_c; CREATE TABLE rt_c(id int PRIMARY KEY)");
  /* The right password through a secret: works, and the file never holds it. */
  zAt = strchr(s->zUrl, '@');
  zUrl = sqlite3_mprintf("postgresql://sqlorm:sqlorm-pw%s?passfile=/nonexistent", zAt);
  zSql = sqlite3_mprintf("SELECT orm_remote_secret('pg', %Q)", zUrl);
  testExec(db, zSql);
  sqlite3_free(zSql);
  testExec(db, "CREATE VIRTUAL TABLE c USING orm_remote('pg', 'rt_c'); INSERT INTO c VALUES (1)");
  testAssertText(db, "SELECT count(*) FROM c", "1");
  sqlite3_free(zUrl);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  t->db = 0;
  zFile = testReadFile(t->zPath, &n);
  assert_non_null(zFile);
  assert_null(memmem(zFile, n, "sqlorm-pw", 9));
  free(zFile);
  db = t->db = openDb(t->zPath);
  /* A wrong password: an error that does not show it. */
  zUrl = sqlite3_mprintf("postgresql://sqlorm:wrong-secret-77%s?passfile=/nonexistent", zAt);
  zSql = sqlite3_mprintf("SELECT orm_remote_secret('pg', %Q)", zUrl);
  testExec(db, zSql);
  sqlite3_free(zSql);
  sqlite3_free(zUrl);
  rc = sqlite3_exec(db, "SELECT count(*) FROM c", 0, 0, 0);
  assert_int_not_equal(rc, SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "password authentication failed"));
  assert_null(strstr(sqlite3_errmsg(db), "wrong-secret-77"));
  /* A table that is not there. */
  rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE nope USING orm_remote('pg', 'public.no_such')", 0, 0, 0);
  assert_int_not_equal(rc, SQLITE_OK);
}

/* ---------------------------------------------------------------- the ORM */

static void test_pg_orm(void **state){
  Server *s = &aServer[0];
  sqlite3 *db = openDb(":memory:");
  char *z;
  (void)state;
  serverExec(s, "DROP TABLE IF EXISTS rt_addr; CREATE TABLE rt_addr(id serial PRIMARY KEY, "
      "user_id int NOT NULL, email text, version int NOT NULL DEFAULT 1);"
      "INSERT INTO rt_addr(user_id, email) VALUES (1, 'a@x'), (1, 'b@x'), (2, 'c@x')");
  testExec(db, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
               "INSERT INTO users VALUES (1, 'ann'), (2, 'bob')");
  createRemote(db, "addresses", s, "rt_addr", 0);
  testExec(db, "SELECT orm_relationship('users', 'addresses', 'addresses', "
               "'{\"local\":\"id\",\"remote\":\"user_id\",\"order_by\":\"id\"}')");
  testAssertText(db, "SELECT group_concat(email) FROM users__addresses WHERE source = 1", "a@x,b@x");
  z = testQueryText(db, "SELECT orm_json('users', 2, 'addresses')");
  assert_string_equal(z, "{\"id\":2,\"name\":\"bob\",\"addresses\":[{\"id\":3,\"user_id\":2,"
                      "\"email\":\"c@x\",\"version\":1}]}");
  sqlite3_free(z);
  /* Versioning: a stale writer is refused by the server's row count. */
  testExec(db, "SELECT orm_model('addresses', '{\"version\":\"version\"}')");
  testExec(db, "UPDATE addresses SET email = 'a2@x', version = 1 + 1 WHERE id = 1");
  assert_int_not_equal(sqlite3_exec(db, "UPDATE addresses SET email = 'lost', version = 1 + 1 "
                                    "WHERE id = 1", 0, 0, 0), SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "stale data"));
  testAssertText(db, "SELECT email || ' ' || version FROM addresses WHERE id = 1", "a2@x 2");
  z = sentSql(db);
  assert_non_null(strstr(z, "\"version\" = $4 - 1"));
  sqlite3_free(z);
  /* Import: a table per remote table, limit_to. */
  testAssertText(db, "SELECT orm_remote_import((SELECT url FROM orm_remote_tables WHERE name = "
                 "'addresses'), 'public', '{\"prefix\":\"pg_\",\"limit_to\":[\"rt_addr\"]}')", "1");
  testAssertText(db, "SELECT count(*) FROM pg_rt_addr", "3");
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_close(db);
}

#ifdef SQLORM_WITH_MYSQL
static void test_mysql_same_answers(void **state){
  sqlite3 *db;
  (void)state;
  sameAnswers(&aServer[1], "varchar(50)", "double", "boolean");
  db = openDb(":memory:");
  createRemote(db, "rem", &aServer[1], "rt_same", 0);
  /* Text equality under a _ci collation is looser than SQLite's: sent, checked again here;
  ** text ranges stay here; numbers go as they are. */
  assertSent(db, "SELECT id FROM rem WHERE s = 'apple'", "WHERE `s` = ?");
  assertSent(db, "SELECT id FROM rem WHERE n > 20 ORDER BY n LIMIT 2", "WHERE `n` > ? ORDER BY `n` ASC LIMIT ?");
  assertSent(db, "SELECT id FROM rem WHERE n IN (1, 2)", "`n` IN (?,?)");
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
  sqlite3_close(db);
}

static void test_mysql_join_batch(void **state){
  (void)state;
  joinBatch(&aServer[1]);
}

static void test_mysql_two_phase(void **state){
  TestDb *t = *state;
  Server *s = &aServer[1];
  sqlite3 *db = t->db;
  char *zErr = 0, *z;
  pid_t pid;
  int status;
  assert_int_equal(sqlite3_sqlorm_init(db, &zErr, 0), SQLITE_OK);
  serverExec(s, "DROP TABLE IF EXISTS rt_xa");
  serverExec(s, "CREATE TABLE rt_xa(id int PRIMARY KEY, v text, version int NOT NULL DEFAULT 1)");
  testExec(db, "CREATE TABLE loc(id INTEGER PRIMARY KEY)");
  createRemote(db, "xa", s, "rt_xa", "{\"version\":\"version\"}");
  testExec(db, "BEGIN; INSERT INTO xa(id, v) VALUES (1, 'one'); INSERT INTO loc VALUES (1); COMMIT");
  z = sentSql(db);
  assert_non_null(strstr(z, "COMMIT PREPARED"));
  sqlite3_free(z);
  sqlite3_commit_hook(db, failingHook, 0);
  assert_int_not_equal(sqlite3_exec(db, "BEGIN; INSERT INTO xa(id, v) VALUES (2, 'two'); "
                       "INSERT INTO loc VALUES (2); COMMIT", 0, 0, 0), SQLITE_OK);
  sqlite3_commit_hook(db, 0, 0);
  sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  testAssertText(db, "SELECT count(*) FROM xa", "1");
  pid = fork();
  if( pid==0 ){
    sqlite3 *db2 = openDb(t->zPath);
    sqlite3_commit_hook(db2, killingHook, 0);
    sqlite3_exec(db2, "BEGIN; INSERT INTO xa(id, v) VALUES (3, 'three'); INSERT INTO loc "
                 "VALUES (3); COMMIT", 0, 0, 0);
    _exit(1);
  }
  assert_true(waitpid(pid, &status, 0)==pid && WIFEXITED(status) && WEXITSTATUS(status)==0);
  testAssertText(db, "SELECT orm_remote_recover(0)", "1");
  testAssertText(db, "SELECT count(*) FROM xa WHERE id = 3", "0");
  testAssertText(db, "SELECT count(*) FROM loc", "1");
  /* A versioned UPDATE: the server's row count tells a stale writer. */
  testExec(db, "UPDATE xa SET v = 'uno', version = 1 + 1 WHERE id = 1");
  assert_int_not_equal(sqlite3_exec(db, "UPDATE xa SET v = 'lost', version = 1 + 1 WHERE id = 1",
                                    0, 0, 0), SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "stale data"));
  testAssertText(db, "SELECT v || version FROM xa", "uno2");
  sqlite3_free(testQueryText(db, "SELECT orm_remote_sql()"));
}
#endif

int main(void){
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pg_same_answers),
    cmocka_unit_test(test_pg_types),
    cmocka_unit_test(test_pg_join_batch),
    cmocka_unit_test_setup_teardown(test_pg_two_phase, testSetup, testTeardown),
    cmocka_unit_test_setup_teardown(test_pg_credentials, testSetup, testTeardown),
    cmocka_unit_test(test_pg_orm),
    cmocka_unit_test(test_pg_scan_memory),
    cmocka_unit_test(test_pg_faults),
#ifdef SQLORM_WITH_MYSQL
    cmocka_unit_test(test_mysql_same_answers),
    cmocka_unit_test(test_mysql_join_batch),
    cmocka_unit_test_setup_teardown(test_mysql_two_phase, testSetup, testTeardown),
#endif
  };
  return cmocka_run_group_tests_name("remote", tests, groupSetup, groupTeardown);
}
