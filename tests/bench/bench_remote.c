/*
** bench_remote.c: the federated layer against PostgreSQL, on a server the harness starts
** (tests/servers/pg.sh): a full scan of a 1,000,000-row table (the sum of a column) through
** orm_remote against a C client using libpq's single-row mode, and against SQLAlchemy Core
** streaming with psycopg2 (Debian's python3-sqlalchemy and python3-psycopg2); 10,000
** primary-key lookups against libpq prepared statements; and the peak resident memory of
** the scan, measured in a child process (getrusage of the child), beside a child that
** only loads the module and opens the table.
**
** Usage: bench_remote   (make bench; needs the PostgreSQL server package)
*/
#include "bench.h"
#include <libpq-fe.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_ROWS 1000000
#define N_LOOKUPS 10000

static char zDir[256];
static char zUrl[512];
static sqlite3 *db;
static PGconn *pg;
static sqlite3_stmt *pScan, *pLookup;
static PGconn *pgLookup;

static void die(const char *zWhat, const char *zMsg){
  fprintf(stderr, "bench_remote: %s: %s\n", zWhat, zMsg ? zMsg : "");
  exit(1);
}

/* Starts the server and reads its env file into the environment. */
static void serverStart(void){
  const char *zSrc = getenv("SQLORM_SRCDIR");
  char zCmd[1024], zLine[1024];
  FILE *f;
  if( zSrc==0 ) zSrc = ".";
  strcpy(zDir, "/tmp/sqlorm-bench-pg-XXXXXX");
  if( mkdtemp(zDir)==0 ) die("mkdtemp", 0);
  rmdir(zDir);   /* pg.sh makes it */
  snprintf(zCmd, sizeof(zCmd), "sh '%s/tests/servers/pg.sh' start '%s' >&2", zSrc, zDir);
  if( system(zCmd)!=0 ) die("cannot start PostgreSQL", zCmd);
  snprintf(zCmd, sizeof(zCmd), "%s/env", zDir);
  f = fopen(zCmd, "r");
  if( f==0 ) die("no env file", zCmd);
  while( fgets(zLine, sizeof(zLine), f) ){
    char *zEq = strchr(zLine, '=');
    size_t n = strlen(zLine);
    if( n && zLine[n-1]=='\n' ) zLine[n-1] = 0;
    if( zEq==0 ) continue;
    *zEq = 0;
    setenv(zLine, zEq+1, 1);
  }
  fclose(f);
  if( getenv("SQLORM_PG_PASSFILE") ) setenv("PGPASSFILE", getenv("SQLORM_PG_PASSFILE"), 1);
  if( getenv("SQLORM_PG_URL")==0 ) die("env file has no SQLORM_PG_URL", zCmd);
  snprintf(zUrl, sizeof(zUrl), "%s", getenv("SQLORM_PG_URL"));
}

static void serverStop(void){
  const char *zSrc = getenv("SQLORM_SRCDIR");
  char zCmd[1024];
  snprintf(zCmd, sizeof(zCmd), "sh '%s/tests/servers/pg.sh' stop '%s' >&2", zSrc ? zSrc : ".",
           zDir);
  if( system(zCmd)!=0 ) fprintf(stderr, "bench_remote: could not stop the server\n");
}

static PGconn *pgConnect(void){
  char zConn[600];
  PGconn *c;
  /* libpq reads the URL form itself (postgresql://user@host:port/db). */
  snprintf(zConn, sizeof(zConn), "%s", zUrl);
  c = PQconnectdb(zConn);
  if( PQstatus(c)!=CONNECTION_OK ) die("libpq connect", PQerrorMessage(c));
  return c;
}

static void pgExec(PGconn *c, const char *zSql){
  PGresult *r = PQexec(c, zSql);
  if( PQresultStatus(r)!=PGRES_COMMAND_OK && PQresultStatus(r)!=PGRES_TUPLES_OK ){
    die(zSql, PQerrorMessage(c));
  }
  PQclear(r);
}

static sqlite3_int64 nOrmSum, nHandSum;

static void runOrmScan(void *p){
  (void)p;
  benchCheck(sqlite3_step(pScan), db, "scan");
  nOrmSum = sqlite3_column_int64(pScan, 0);
  sqlite3_reset(pScan);
}

/* By hand: libpq's single-row mode, the value parsed as the integer it is. */
static void runHandScan(void *p){
  PGresult *r;
  sqlite3_int64 s = 0;
  (void)p;
  if( !PQsendQuery(pg, "SELECT v FROM bench_big") ) die("send", PQerrorMessage(pg));
  if( !PQsetSingleRowMode(pg) ) die("single-row mode", PQerrorMessage(pg));
  while( (r = PQgetResult(pg))!=0 ){
    if( PQresultStatus(r)==PGRES_SINGLE_TUPLE ) s += strtoll(PQgetvalue(r, 0, 0), 0, 10);
    else if( PQresultStatus(r)!=PGRES_TUPLES_OK ) die("scan", PQerrorMessage(pg));
    PQclear(r);
  }
  nHandSum = s;
}

static void runOrmLookups(void *p){
  int i;
  (void)p;
  for(i=0; i<N_LOOKUPS; i++){
    sqlite3_bind_int(pLookup, 1, 1 + (i*7919) % N_ROWS);
    if( sqlite3_step(pLookup)!=SQLITE_ROW ) die("lookup", sqlite3_errmsg(db));
    sqlite3_reset(pLookup);
  }
}

static void runHandLookups(void *p){
  int i;
  (void)p;
  for(i=0; i<N_LOOKUPS; i++){
    char zId[32];
    const char *apVal[1];
    PGresult *r;
    snprintf(zId, sizeof(zId), "%d", 1 + (i*7919) % N_ROWS);
    apVal[0] = zId;
    r = PQexecPrepared(pgLookup, "lookup", 1, apVal, 0, 0, 0);
    if( PQresultStatus(r)!=PGRES_TUPLES_OK || PQntuples(r)!=1 ) die("lookup", PQerrorMessage(pgLookup));
    PQclear(r);
  }
}

static void openSqlite(sqlite3 **pDb){
  const char *zModule = getenv("SQLORM_MODULE");
  char *zErr = 0;
  if( sqlite3_open(":memory:", pDb)!=SQLITE_OK ) die("open", 0);
  sqlite3_enable_load_extension(*pDb, 1);
  if( sqlite3_load_extension(*pDb, zModule ? zModule : "./sqlorm", 0, &zErr)!=SQLITE_OK ){
    die("load", zErr);
  }
}

static void makeTable(sqlite3 *d){
  char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE big USING orm_remote(%Q, 'public.bench_big')",
                               zUrl);
  char *zErr = 0;
  if( sqlite3_exec(d, zSql, 0, 0, &zErr)!=SQLITE_OK ) die("create", zErr);
  sqlite3_free(zSql);
}

/* Peak resident memory (kB) of a child that loads the module and opens the table, then
** scans it when bScan. */
static long childPeak(int bScan){
  pid_t pid = fork();
  int status;
  struct rusage ru;
  if( pid==0 ){
    sqlite3 *d;
    sqlite3_stmt *s;
    openSqlite(&d);
    makeTable(d);
    if( sqlite3_prepare_v2(d, bScan ? "SELECT sum(v) FROM big" : "SELECT count(*) FROM big "
                           "WHERE id = 1", -1, &s, 0)!=SQLITE_OK ) _exit(2);
    if( sqlite3_step(s)!=SQLITE_ROW ) _exit(3);
    sqlite3_finalize(s);
    sqlite3_close(d);
    _exit(0);
  }
  if( wait4(pid, &status, 0, &ru)<0 || !WIFEXITED(status) || WEXITSTATUS(status)!=0 ){
    die("child", "the scan in a child process failed");
  }
  return ru.ru_maxrss;
}

static double sqlalchemyScan(void){
  const char *zPy = getenv("SYSTEM_PYTHON3");
  const char *zSrc = getenv("SQLORM_SRCDIR");
  char zCmd[2048];
  double t = -1;
  FILE *p;
  snprintf(zCmd, sizeof(zCmd), "'%s' '%s/tests/bench/sqlalchemy_remote.py' scan '%s' 2>/dev/null",
           zPy ? zPy : "/usr/bin/python3", zSrc ? zSrc : ".", zUrl);
  p = popen(zCmd, "r");
  if( p==0 ) return -1;
  if( fscanf(p, "%lf", &t)!=1 ) t = -1;
  if( pclose(p)!=0 ) t = -1;
  return t;
}

int main(int argc, char **argv){
  double tOrm, tHand, tAlchemy;
  long nBase, nScan;
  (void)argc; (void)argv;
  (void)benchSqlalchemy;     /* this workload's SQLAlchemy side is sqlalchemy_remote.py */
  serverStart();
  pg = pgConnect();
  pgExec(pg, "DROP TABLE IF EXISTS bench_big");
  pgExec(pg, "CREATE TABLE bench_big(id int PRIMARY KEY, v bigint NOT NULL, name text)");
  pgExec(pg, "INSERT INTO bench_big SELECT i, i % 1000, 'row ' || i FROM "
             "generate_series(1, 1000000) i");
  pgExec(pg, "VACUUM ANALYZE bench_big");
  openSqlite(&db);
  makeTable(db);
  if( sqlite3_prepare_v2(db, "SELECT sum(v) FROM big", -1, &pScan, 0)!=SQLITE_OK ) die("prep", 0);
  if( sqlite3_prepare_v2(db, "SELECT name FROM big WHERE id = ?", -1, &pLookup, 0)!=SQLITE_OK ){
    die("prep", sqlite3_errmsg(db));
  }
  pgLookup = pgConnect();
  {
    PGresult *r = PQprepare(pgLookup, "lookup", "SELECT name FROM bench_big WHERE id = $1", 1, 0);
    if( PQresultStatus(r)!=PGRES_COMMAND_OK ) die("prepare", PQerrorMessage(pgLookup));
    PQclear(r);
  }

  benchPair(runOrmScan, runHandScan, 0, 5, &tOrm, &tHand);
  if( nOrmSum!=nHandSum ) die("scan", "sums differ");
  tAlchemy = sqlalchemyScan();
  benchReport("scan 1,000,000 rows (sum) vs libpq 1-row", tOrm, tHand, tAlchemy);

  benchPair(runOrmLookups, runHandLookups, 0, 5, &tOrm, &tHand);
  benchReport("10,000 key lookups vs PQexecPrepared", tOrm, tHand, BENCH_NO_SQLALCHEMY);

  nBase = childPeak(0);
  nScan = childPeak(1);
  printf("%-40s peak RSS %ld kB (loaded, table open: %ld kB; the scan adds %ld kB)\n",
         "scan 1,000,000 rows: memory", nScan, nBase, nScan - nBase);

  sqlite3_finalize(pScan);
  sqlite3_finalize(pLookup);
  sqlite3_close(db);
  PQfinish(pgLookup);
  pgExec(pg, "DROP TABLE bench_big");
  PQfinish(pg);
  serverStop();
  return 0;
}
