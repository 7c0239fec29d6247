/*
** bench_alter.c: orm_alter_table dropping a column of a 1,000,000-row table with two
** indexes, against the 12-step rebuild written by hand (CREATE the new table, INSERT ...
** SELECT, DROP, RENAME, the two CREATE INDEX, foreign_key_check), each in one transaction.
** Timed twice: as orm_alter_table does it by default (SQLite's native DROP COLUMN, which
** rewrites the rows in place and leaves the indexes be), and forced through its own
** rebuild ("rebuild":true), which does the hand-written steps plus what keeps everything
** (the definition read and edited, rowids, the schema check). Each round starts from a
** fresh copy of the table, made outside the timing. The database is a file of its own,
** removed at the end; bench.db is not touched.
**
** Usage: bench_alter [bench.db]   (make bench; the argument only names the directory)
*/
#include "bench.h"
#include <unistd.h>

#define ALTER_ROWS 1000000

static sqlite3 *db;

static void run(const char *zSql){
  char *zErr = 0;
  if( sqlite3_exec(db, zSql, 0, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench_alter: %s: %s\n", zSql, zErr ? zErr : "?");
    exit(1);
  }
}

/* The table as it is before each drop: from the template, with its two indexes. */
static void setup(void){
  run("DROP TABLE IF EXISTS t;"
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT NOT NULL, b TEXT, legacy TEXT, c REAL);"
      "INSERT INTO t SELECT * FROM template;"
      "CREATE INDEX t_a ON t(a);"
      "CREATE INDEX t_b ON t(b);");
}

static double timed(const char *zSql){
  double t0;
  setup();
  t0 = benchNow();
  run(zSql);
  return benchNow() - t0;
}

static const char zHand[] =
  "BEGIN;"
  "CREATE TABLE t_new(id INTEGER PRIMARY KEY, a INT NOT NULL, b TEXT, c REAL);"
  "INSERT INTO t_new(id, a, b, c) SELECT id, a, b, c FROM t;"
  "DROP TABLE t;"
  "ALTER TABLE t_new RENAME TO t;"
  "CREATE INDEX t_a ON t(a);"
  "CREATE INDEX t_b ON t(b);"
  "PRAGMA foreign_key_check;"
  "COMMIT;";

static const char zNative[] =
  "BEGIN;"
  "SELECT orm_alter_table('t', '{\"drop_column\":\"legacy\",\"allow_data_loss\":true}');"
  "COMMIT;";

static const char zRebuild[] =
  "BEGIN;"
  "SELECT orm_alter_table('t', '{\"drop_column\":\"legacy\",\"allow_data_loss\":true,"
  "\"rebuild\":true}');"
  "COMMIT;";

int main(int argc, char **argv){
  char *zErr = 0;
  const char *zModule = getenv("SQLORM_MODULE");
  const char *zPath = "bench_alter.db";
  double tHand = 1e30, tNative = 1e30, tRebuild = 1e30;
  int i, nRounds = 3;
  (void)argc; (void)argv;
  (void)benchPair; (void)benchSqlalchemy;    /* bench.h's, for the other programs */
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  unlink(zPath);
  benchCheck(sqlite3_open(zPath, &db), db, "open");
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    return 1;
  }
  run("PRAGMA foreign_keys=ON;"
      "CREATE TABLE template(id INTEGER PRIMARY KEY, a INT NOT NULL, b TEXT, legacy TEXT, c REAL);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000) "
      "INSERT INTO template SELECT i, (i*7919) % 100003, 'name ' || (i*31 % 50021), "
      "  CASE WHEN i % 3 THEN 'old ' || i END, i * 0.5 FROM n;");
  /* The catalog exists before the timing, as in any database sqlorm works on. */
  run("SELECT orm_alter_table('template', '{\"rebuild\":true}')");
  for(i=0; i<nRounds; i++){
    double t;
    t = timed(zHand);    if( t<tHand ) tHand = t;
    t = timed(zNative);  if( t<tNative ) tNative = t;
    t = timed(zRebuild); if( t<tRebuild ) tRebuild = t;
  }
  benchReport("drop column, 1M rows, 2 indexes (native)", tNative, tHand, BENCH_NO_SQLALCHEMY);
  benchReport("drop column, 1M rows, 2 indexes (rebuild)", tRebuild, tHand, BENCH_NO_SQLALCHEMY);
  sqlite3_close(db);
  unlink(zPath);
  return 0;
}
