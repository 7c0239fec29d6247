/*
** bench_load.c: the cost of loading sqlorm. A new connection opens the benchmark database,
** loads the module (which reads the catalog) and runs a first query; the hand-written
** counterpart opens and queries without the module; SQLAlchemy creates a connection from
** its engine and runs the same query.
**
** Usage: bench_load bench.db   (make bench)
*/
#include "bench.h"

#define N_OPEN 200

typedef struct LoadBench { const char *zDb; const char *zModule; } LoadBench;

static void openAndQuery(LoadBench *p, int bLoad){
  int i;
  for(i=0; i<N_OPEN; i++){
    sqlite3 *db = 0;
    sqlite3_stmt *pStmt = 0;
    char *zErr = 0;
    benchCheck(sqlite3_open_v2(p->zDb, &db, SQLITE_OPEN_READWRITE, 0), db, "open");
    if( bLoad ){
      sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
      if( sqlite3_load_extension(db, p->zModule, 0, &zErr)!=SQLITE_OK ){
        fprintf(stderr, "bench: load: %s\n", zErr);
        exit(1);
      }
    }
    benchCheck(sqlite3_prepare_v2(db, "SELECT count(*) FROM groups", -1, &pStmt, 0), db, "prepare");
    benchCheck(sqlite3_step(pStmt), db, "step");
    sqlite3_finalize(pStmt);
    sqlite3_close(db);
  }
}

static void withModule(void *p){ openAndQuery(p, 1); }
static void withoutModule(void *p){ openAndQuery(p, 0); }

int main(int argc, char **argv){
  LoadBench b;
  double tOrm, tHand;
  b.zDb = argc>1 ? argv[1] : "bench.db";
  b.zModule = getenv("SQLORM_MODULE");
  if( b.zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  benchPair(withModule, withoutModule, &b, 7, &tOrm, &tHand);
  benchReport("open + load + first query (x200)", tOrm, tHand, benchSqlalchemy("open", b.zDb));
  return 0;
}
