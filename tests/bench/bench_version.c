/*
** bench_version.c: versioned updates against the SQL written by hand. 20,000 UPDATEs of a
** versioned table in the README's recommended form (SET ..., version = :read + 1 WHERE
** id = :id; the triggers check it) against the hand-written optimistic UPDATE (SET ...,
** version = version + 1 WHERE id = ? AND version = ?, then a row-count check) on a table
** without triggers, and against SQLAlchemy's version_id_col. The headline workload is
** optimistic locking's own: each write its own transaction (the version was read
** earlier), on a WAL file with synchronous=NORMAL. Then the same 20,000 UPDATEs batched in
** one transaction, where a statement costs a third of a microsecond and the triggers'
** fixed cost per statement shows most; then UPDATEs that do not name the version (the
** default policy advances it: a second row write). The tables live in a file of their
** own (bench_version.db, removed afterwards): bench.db is not touched.
**
** Usage: bench_version bench.db   (make bench)
*/
#include "bench.h"

#define N_ROWS 20000

static sqlite3 *db;
static sqlite3_stmt *pOrm, *pHand, *pAdvance;
static int bBatch;        /* the 20,000 UPDATEs in one transaction */

static void batchBegin(void){ if( bBatch ) sqlite3_exec(db, "BEGIN", 0, 0, 0); }
static void batchEnd(void){ if( bBatch ) benchCheck(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit"); }
static sqlite3_int64 aOrmVersion[N_ROWS+1], aHandVersion[N_ROWS+1];

/* The recommended form: the statement states the version it read + 1. */
static void runOrm(void *p){
  int i;
  (void)p;
  batchBegin();
  for(i=1; i<=N_ROWS; i++){
    sqlite3_bind_int(pOrm, 1, i);
    sqlite3_bind_int64(pOrm, 2, aOrmVersion[i]);
    sqlite3_bind_text(pOrm, 3, "renamed", -1, SQLITE_STATIC);
    benchCheck(sqlite3_step(pOrm), db, "versioned update");
    sqlite3_reset(pOrm);
    aOrmVersion[i]++;
  }
  batchEnd();
}

/* By hand: the version in WHERE, the row count tells a stale write. */
static void runHand(void *p){
  int i;
  (void)p;
  batchBegin();
  for(i=1; i<=N_ROWS; i++){
    sqlite3_bind_int(pHand, 1, i);
    sqlite3_bind_int64(pHand, 2, aHandVersion[i]);
    sqlite3_bind_text(pHand, 3, "renamed", -1, SQLITE_STATIC);
    benchCheck(sqlite3_step(pHand), db, "hand-written update");
    sqlite3_reset(pHand);
    if( sqlite3_changes(db)!=1 ){
      fprintf(stderr, "bench: hand-written update of row %d was stale\n", i);
      exit(1);
    }
    aHandVersion[i]++;
  }
  batchEnd();
}

/* Not naming the version: the AFTER trigger advances it. */
static void runAdvance(void *p){
  int i;
  (void)p;
  batchBegin();
  for(i=1; i<=N_ROWS; i++){
    sqlite3_bind_int(pAdvance, 1, i);
    sqlite3_bind_text(pAdvance, 2, "renamed", -1, SQLITE_STATIC);
    benchCheck(sqlite3_step(pAdvance), db, "update advanced by the trigger");
    sqlite3_reset(pAdvance);
    aOrmVersion[i]++;
  }
  batchEnd();
}

static void removeDb(const char *zPath){
  char z[300];
  remove(zPath);
  snprintf(z, sizeof(z), "%s-wal", zPath); remove(z);
  snprintf(z, sizeof(z), "%s-shm", zPath); remove(z);
}

int main(int argc, char **argv){
  char *zErr = 0;
  const char *zModule = getenv("SQLORM_MODULE");
  const char *zDb = "bench_version.db";
  double tAlchemy, tAlchemyBatch, tOrm, tHand;
  int i;
  (void)argc; (void)argv;
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  tAlchemy = benchSqlalchemy("version", "bench_version_sa.db");
  tAlchemyBatch = benchSqlalchemy("version_batch", "bench_version_sa.db");
  removeDb(zDb);
  benchCheck(sqlite3_open(zDb, &db), db, "open");
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    return 1;
  }
  benchCheck(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; BEGIN;"
      "CREATE TABLE bench_v_orm(id INTEGER PRIMARY KEY, name TEXT, n INTEGER, version INTEGER);"
      "CREATE TABLE bench_v_hand(id INTEGER PRIMARY KEY, name TEXT, n INTEGER, version INTEGER);"
      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20000) "
      "INSERT INTO bench_v_orm(id, name, n) SELECT i, 'name' || i, 0 FROM c;"
      "INSERT INTO bench_v_hand(id, name, n, version) SELECT id, name, 0, 1 FROM bench_v_orm;"
      "SELECT orm_model('bench_v_orm', '{\"version\":true}'); COMMIT;",
      0, 0, &zErr), db, zErr ? zErr : "declare");
  for(i=1; i<=N_ROWS; i++) aOrmVersion[i] = aHandVersion[i] = 1;
  benchCheck(sqlite3_prepare_v2(db, "UPDATE bench_v_orm SET name = ?3, n = n + 1, "
      "version = ?2 + 1 WHERE id = ?1", -1, &pOrm, 0), db, "prepare");
  benchCheck(sqlite3_prepare_v2(db, "UPDATE bench_v_hand SET name = ?3, n = n + 1, "
      "version = version + 1 WHERE id = ?1 AND version = ?2", -1, &pHand, 0), db, "prepare");
  benchCheck(sqlite3_prepare_v2(db, "UPDATE bench_v_orm SET name = ?2, n = n + 1 "
      "WHERE id = ?1", -1, &pAdvance, 0), db, "prepare");
  benchPair(runOrm, runHand, 0, 5, &tOrm, &tHand);
  benchReport("20,000 versioned updates, 1 txn each", tOrm, tHand, tAlchemy);
  bBatch = 1;
  benchPair(runOrm, runHand, 0, 7, &tOrm, &tHand);
  benchReport("the same in one transaction", tOrm, tHand, tAlchemyBatch);
  benchPair(runAdvance, runHand, 0, 7, &tOrm, &tHand);
  benchReport("not naming the version, one txn", tOrm, tHand, BENCH_NO_SQLALCHEMY);
  /* Every version moved as many times as the row was written. */
  {
    sqlite3_stmt *pCheck = 0;
    benchCheck(sqlite3_prepare_v2(db, "SELECT count(*) FROM bench_v_orm WHERE version <> n + 1",
                                  -1, &pCheck, 0), db, "prepare");
    benchCheck(sqlite3_step(pCheck), db, "check");
    if( sqlite3_column_int(pCheck, 0)!=0 ){
      fprintf(stderr, "bench: versions do not match the writes\n");
      return 1;
    }
    sqlite3_finalize(pCheck);
  }
  sqlite3_finalize(pOrm);
  sqlite3_finalize(pHand);
  sqlite3_finalize(pAdvance);
  sqlite3_close(db);
  removeDb(zDb);
  return 0;
}
