/*
** bench_json.c: orm_json() against the json_object / json_group_array SQL a skilled user
** writes by hand for the same documents, and against SQLAlchemy (selectinload of both
** relationships, then json.dumps of a dict per user).
**
**   sqlorm:       SELECT orm_json('users', id, 'addresses,groups') FROM users
**   hand-written: SELECT json_object('id', u.id, ..., 'addresses', (SELECT json_group_array(
**                   json_object(...)) FROM addresses a WHERE a.user_id = u.id), 'groups', ...)
**                 FROM users u
**
** Then the same documents through model views (a column property on users, soft_delete on
** addresses and groups), against the hand-written SQL with the same subquery and filters.
** The relationships are declared inside a transaction that is rolled back at the end, so
** bench.db stays as make generated it. Every document of both queries is compared before
** timing. Usage: bench_json bench.db   (make bench)
*/
#include "bench.h"

static const char zOrmPlain[] =
  "SELECT orm_json('users', id, 'addresses,groups') FROM users ORDER BY id";
static const char zHandPlain[] =
  "SELECT json_object('id', u.id, 'first_name', u.first_name, 'last_name', u.last_name,"
  " 'email', u.email, 'created_at', u.created_at,"
  " 'addresses', (SELECT json_group_array(json_object('id', a.id, 'user_id', a.user_id,"
  "   'email_address', a.email_address)) FROM addresses a WHERE a.user_id = u.id),"
  " 'groups', (SELECT json_group_array(json_object('id', g.id, 'name', g.name))"
  "   FROM user_group ug JOIN groups g ON g.id = ug.group_id WHERE ug.user_id = u.id))"
  " FROM users u ORDER BY u.id";

/* Through model views: users with a column property, addresses and groups with soft_delete
** (every 10th row deleted). */
static const char zOrmViews[] =
  "SELECT orm_json('users', id, 'addresses,groups') FROM users ORDER BY id";
static const char zHandViews[] =
  "SELECT json_object('id', u.id, 'first_name', u.first_name, 'last_name', u.last_name,"
  " 'email', u.email, 'created_at', u.created_at,"
  " 'address_count', (SELECT count(*) FROM addresses x WHERE x.user_id = u.id),"
  " 'addresses', (SELECT json_group_array(json_object('id', a.id, 'user_id', a.user_id,"
  "   'email_address', a.email_address, 'deleted_at', a.deleted_at)) FROM addresses a"
  "   WHERE a.user_id = u.id AND a.deleted_at IS NULL),"
  " 'groups', (SELECT json_group_array(json_object('id', g.id, 'name', g.name,"
  "   'deleted_at', g.deleted_at))"
  "   FROM user_group ug JOIN groups g ON g.id = ug.group_id WHERE ug.user_id = u.id"
  "   AND g.deleted_at IS NULL))"
  " FROM users u ORDER BY u.id";
static const char *zOrmSql = zOrmPlain, *zHandSql = zHandPlain;

typedef struct JsonBench { sqlite3 *db; sqlite3_int64 nBytes; } JsonBench;

/* Runs a query and reads every document's text. */
static void runAll(JsonBench *p, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 n = 0;
  int rc;
  benchCheck(sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0), p->db, "prepare");
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    if( sqlite3_column_text(pStmt, 0) ) n += sqlite3_column_bytes(pStmt, 0);
  }
  benchCheck(rc, p->db, zSql);
  sqlite3_finalize(pStmt);
  p->nBytes = n;
}

static void withOrm(void *p){ runAll(p, zOrmSql); }
static void byHand(void *p){ runAll(p, zHandSql); }

/* Both queries give the same document for every user (in the same user order). */
static void checkSame(sqlite3 *db){
  sqlite3_stmt *pOrm = 0, *pHand = 0;
  int nRow = 0, rc;
  benchCheck(sqlite3_prepare_v2(db, zOrmSql, -1, &pOrm, 0), db, "prepare");
  benchCheck(sqlite3_prepare_v2(db, zHandSql, -1, &pHand, 0), db, "prepare");
  while( (rc = sqlite3_step(pOrm))==SQLITE_ROW ){
    const char *zA = (const char*)sqlite3_column_text(pOrm, 0);
    const char *zB;
    benchCheck(sqlite3_step(pHand), db, "hand-written");
    zB = (const char*)sqlite3_column_text(pHand, 0);
    if( zA==0 || zB==0 || strcmp(zA, zB)!=0 ){
      fprintf(stderr, "bench: documents differ at row %d:\n  orm_json: %s\n  by hand:  %s\n",
              nRow+1, zA ? zA : "NULL", zB ? zB : "NULL");
      exit(1);
    }
    if( nRow==0 ) printf("first document: %.160s...\n", zA);
    nRow++;
  }
  benchCheck(rc, db, "orm_json");
  if( sqlite3_step(pHand)!=SQLITE_DONE || nRow==0 ){
    fprintf(stderr, "bench: the queries give different numbers of documents\n");
    exit(1);
  }
  sqlite3_finalize(pOrm);
  sqlite3_finalize(pHand);
  printf("%d documents compared: identical\n", nRow);
}

int main(int argc, char **argv){
  const char *zDb = argc>1 ? argv[1] : "bench.db";
  const char *zModule = getenv("SQLORM_MODULE");
  JsonBench b;
  char *zErr = 0;
  double tOrm, tHand, tAlchemy, tOrmViews, tHandViews;
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  memset(&b, 0, sizeof(b));
  benchCheck(sqlite3_open_v2(zDb, &b.db, SQLITE_OPEN_READWRITE, 0), b.db, "open");
  sqlite3_db_config(b.db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(b.db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    return 1;
  }
  if( sqlite3_exec(b.db, "BEGIN;"
        "SELECT orm_relationship('users', 'addresses', 'addresses');"
        "SELECT orm_relationship('users', 'groups', 'groups', '{\"secondary\":\"user_group\"}');",
        0, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: declaring: %s\n", zErr);
    return 1;
  }
  checkSame(b.db);
  benchPair(withOrm, byHand, &b, 7, &tOrm, &tHand);
  if( sqlite3_exec(b.db,
        "SELECT orm_hybrid('users', 'address_count', '(SELECT count(*) FROM addresses x "
        "WHERE x.user_id = users.id)');"
        "SELECT orm_model('addresses', '{\"soft_delete\":true}');"
        "SELECT orm_model('groups', '{\"soft_delete\":true}');"
        "UPDATE addresses SET deleted_at = 'x' WHERE id % 10 = 0;"
        "UPDATE groups SET deleted_at = 'x' WHERE id % 10 = 0;", 0, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: model views: %s\n", zErr);
    return 1;
  }
  zOrmSql = zOrmViews;
  zHandSql = zHandViews;
  checkSame(b.db);
  benchPair(withOrm, byHand, &b, 7, &tOrmViews, &tHandViews);
  benchCheck(sqlite3_exec(b.db, "ROLLBACK", 0, 0, 0), b.db, "rollback");
  sqlite3_close(b.db);
  tAlchemy = benchSqlalchemy("json", zDb);
  benchReport("orm_json users+addresses+groups (x20000)", tOrm, tHand, tAlchemy);
  benchReport("orm_json, property + soft_delete views", tOrmViews, tHandViews,
              BENCH_NO_SQLALCHEMY);
  return 0;
}
