/*
** bench_hybrid.c: hybrids against the SQL written by hand. 200 lookups by an indexed hybrid
** column (full_name = ?) against the inline expression (which no index serves) and against
** SQLAlchemy's hybrid_property filter; every user with a column property (address_count)
** through the model's view against the correlated subquery; a filter on that property
** against the inline subquery. Declared in a transaction that is rolled back: bench.db
** stays as generated.
**
** Usage: bench_hybrid bench.db   (make bench)
*/
#include "bench.h"

static sqlite3 *db;
static const char *zA, *zB;

static sqlite3_int64 runAll(const char *zSql, int bNames){
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 sum = 0;
  int i;
  benchCheck(sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0), db, zSql);
  for(i=1; i<=(bNames ? 20000 : 1); i+=100){
    if( bNames ){
      char zName[64];
      snprintf(zName, sizeof(zName), "first%d last%d", i, i % 997);
      sqlite3_bind_text(pStmt, 1, zName, -1, SQLITE_TRANSIENT);
    }
    while( sqlite3_step(pStmt)==SQLITE_ROW ) sum += sqlite3_column_int64(pStmt, 0);
    sqlite3_reset(pStmt);
  }
  sqlite3_finalize(pStmt);
  return sum;
}

static int bNames;
static void runA(void *p){ (void)p; runAll(zA, bNames); }
static void runB(void *p){ (void)p; runAll(zB, bNames); }

static void measure(const char *zName, const char *zOrm, const char *zHand, int bLookups,
                    double tAlchemy, int nRounds){
  double tOrm, tHand;
  zA = zOrm;
  zB = zHand;
  bNames = bLookups;
  if( runAll(zOrm, bLookups)!=runAll(zHand, bLookups) ){
    fprintf(stderr, "bench: %s: the two queries disagree\n", zName);
    exit(1);
  }
  benchPair(runA, runB, 0, nRounds, &tOrm, &tHand);
  benchReport(zName, tOrm, tHand, tAlchemy);
}

int main(int argc, char **argv){
  char *zErr = 0;
  const char *zModule = getenv("SQLORM_MODULE");
  const char *zDb = argc>1 ? argv[1] : "bench.db";
  double tAlchemy;
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  tAlchemy = benchSqlalchemy("hybrid", zDb);
  benchCheck(sqlite3_open(zDb, &db), db, "open");
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    return 1;
  }
  benchCheck(sqlite3_exec(db, "BEGIN;"
      "SELECT orm_hybrid('users', 'full_name', 'first_name || '' '' || last_name', "
      "  '{\"index\":true}');"
      "SELECT orm_hybrid('users', 'address_count', "
      "  '(SELECT count(*) FROM addresses WHERE addresses.user_id = users.id)');",
      0, 0, &zErr), db, zErr ? zErr : "declare");
  measure("200 lookups by indexed hybrid full_name",
      "SELECT id FROM users WHERE full_name = ?1",
      "SELECT id FROM users WHERE first_name || ' ' || last_name = ?1", 1, tAlchemy, 3);
  /* What a skilled user would write by hand: an index on the expression. */
  benchCheck(sqlite3_exec(db, "CREATE INDEX bench_full_name ON users(first_name || ' ' || "
      "last_name)", 0, 0, 0), db, "index");
  measure("200 lookups vs an expression index",
      "SELECT id FROM users WHERE full_name = ?1",
      "SELECT id FROM users WHERE first_name || ' ' || last_name = ?1", 1,
      BENCH_NO_SQLALCHEMY, 15);
  measure("every user with address_count (view)",
      "SELECT address_count FROM users_view",
      "SELECT (SELECT count(*) FROM addresses a WHERE a.user_id = u.id) FROM users u", 0,
      BENCH_NO_SQLALCHEMY, 15);
  measure("filter on address_count (view)",
      "SELECT count(*) FROM users_view WHERE address_count > 4",
      "SELECT count(*) FROM users u WHERE "
      "(SELECT count(*) FROM addresses a WHERE a.user_id = u.id) > 4", 0,
      BENCH_NO_SQLALCHEMY, 15);
  sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  sqlite3_close(db);
  return 0;
}
