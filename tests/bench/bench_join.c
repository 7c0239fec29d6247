/*
** bench_join.c: a join through a traversal view against the join written by hand.
** One-to-many (users__addresses) and many-to-many (users__groups, through user_group),
** each summing a column over every pair; then the same through model views (soft_delete
** on addresses and groups) against the joins with the same filter written by hand. The relationships are declared inside a
** transaction that is rolled back, so bench.db stays as generated.
**
** Usage: bench_join bench.db   (make bench)
*/
#include "bench.h"

typedef struct JoinBench { sqlite3 *db; const char *zSql; } JoinBench;

static void runScalar(sqlite3 *db, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  benchCheck(sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0), db, zSql);
  benchCheck(sqlite3_step(pStmt), db, zSql);
  sqlite3_finalize(pStmt);
}

static sqlite3_int64 scalar(sqlite3 *db, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 v;
  benchCheck(sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0), db, zSql);
  benchCheck(sqlite3_step(pStmt), db, zSql);
  v = sqlite3_column_int64(pStmt, 0);
  sqlite3_finalize(pStmt);
  return v;
}

static JoinBench *pCur;
static const char *zOrmSql, *zHandSql;
static void viaView(void *p){ (void)p; runScalar(pCur->db, zOrmSql); }
static void byHand(void *p){ (void)p; runScalar(pCur->db, zHandSql); }

static void measure(JoinBench *b, const char *zName, const char *zOrm, const char *zHand){
  double tOrm, tHand;
  pCur = b;
  zOrmSql = zOrm;
  zHandSql = zHand;
  if( scalar(b->db, zOrm)!=scalar(b->db, zHand) ){
    fprintf(stderr, "bench: %s: the two queries disagree\n", zName);
    exit(1);
  }
  benchPair(viaView, byHand, b, 15, &tOrm, &tHand);
  benchReport(zName, tOrm, tHand, BENCH_NO_SQLALCHEMY);
}

int main(int argc, char **argv){
  JoinBench b;
  char *zErr = 0;
  const char *zModule = getenv("SQLORM_MODULE");
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  benchCheck(sqlite3_open(argc>1 ? argv[1] : "bench.db", &b.db), b.db, "open");
  sqlite3_db_config(b.db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(b.db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    return 1;
  }
  benchCheck(sqlite3_exec(b.db, "BEGIN;"
      "SELECT orm_relationship('users', 'addresses', 'addresses');"
      "SELECT orm_relationship('users', 'groups', 'groups', '{\"secondary\":\"user_group\"}');",
      0, 0, 0), b.db, "declare");
  measure(&b, "join one-to-many (100,000 pairs)",
      "SELECT sum(length(a.email_address)) FROM users u JOIN users__addresses a ON a.source = u.id",
      "SELECT sum(length(a.email_address)) FROM users u JOIN addresses a ON a.user_id = u.id");
  measure(&b, "join many-to-many (60,000 pairs)",
      "SELECT sum(g.id) FROM users u JOIN users__groups g ON g.source = u.id",
      "SELECT sum(g.id) FROM users u JOIN user_group ug ON ug.user_id = u.id "
      "JOIN groups g ON g.id = ug.group_id");
  measure(&b, "lookup one-to-many by source (x20,000)",
      "SELECT sum((SELECT count(*) FROM users__addresses a WHERE a.source = u.id)) FROM users u",
      "SELECT sum((SELECT count(*) FROM addresses a WHERE a.user_id = u.id)) FROM users u");
  /* Through model views: soft_delete on addresses and groups (every 10th row deleted),
  ** against the hand-written joins with the same filter. */
  benchCheck(sqlite3_exec(b.db,
      "SELECT orm_model('addresses', '{\"soft_delete\":true}');"
      "SELECT orm_model('groups', '{\"soft_delete\":true}');"
      "UPDATE addresses SET deleted_at = 'x' WHERE id % 10 = 0;"
      "UPDATE groups SET deleted_at = 'x' WHERE id % 10 = 0;", 0, 0, 0), b.db, "soft_delete");
  measure(&b, "join one-to-many, soft_delete view",
      "SELECT sum(length(a.email_address)) FROM users u JOIN users__addresses a ON a.source = u.id",
      "SELECT sum(length(a.email_address)) FROM users u JOIN addresses a ON a.user_id = u.id "
      "WHERE a.deleted_at IS NULL");
  measure(&b, "join many-to-many, soft_delete view",
      "SELECT sum(g.id) FROM users u JOIN users__groups g ON g.source = u.id",
      "SELECT sum(g.id) FROM users u JOIN user_group ug ON ug.user_id = u.id "
      "JOIN groups g ON g.id = ug.group_id WHERE g.deleted_at IS NULL");
  measure(&b, "lookup by source, soft_delete view",
      "SELECT sum((SELECT count(*) FROM users__addresses a WHERE a.source = u.id)) FROM users u",
      "SELECT sum((SELECT count(*) FROM addresses a WHERE a.user_id = u.id "
      "AND a.deleted_at IS NULL)) FROM users u");
  sqlite3_exec(b.db, "ROLLBACK", 0, 0, 0);
  sqlite3_close(b.db);
  return 0;
}
