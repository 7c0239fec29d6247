/*
** bench_traverse.c: the recursive walk of orm_traverse against the WITH RECURSIVE query a
** skilled user writes by hand for the same rows.
**
** Usage: bench_traverse [bench.db]   (make bench; the argument is not used)
**
** It builds, in a temporary database file, a 4-ary tree of 100,000 nodes
** (nodes(id INTEGER PRIMARY KEY, parent_id INT REFERENCES nodes, name TEXT), an index on
** parent_id), declares the one-to-many nodes.children, and times:
**   - the whole tree below the root, every depth:
**       SELECT count(*), sum(length(name)) FROM nodes__children
**        WHERE source = 1 AND max_depth = 0
**     against the recursive CTE over parent_id; SQLAlchemy runs its own recursive CTE
**     (select().cte(recursive=True), as its documentation shows) through the ORM;
**   - two levels below each of 5,000 nodes, as a join (a walk per outer row), against
**     the CTE that carries the start and the depth (SQLAlchemy: the same CTE).
**   - the whole walk again through a model view (soft_delete, every 97th node deleted),
**     against the CTE with the same filter.
** Both sides must give the same figures, or the program fails.
*/
#include "bench.h"
#include <unistd.h>

#define N_NODES 100000
#define N_ROUNDS 7

typedef struct TravBench {
  sqlite3 *db;
  const char *zSql;       /* the statement the workload runs */
  sqlite3_int64 a, b;     /* what it returned */
} TravBench;

static void runQuery(TravBench *p){
  sqlite3_stmt *pStmt = 0;
  benchCheck(sqlite3_prepare_v2(p->db, p->zSql, -1, &pStmt, 0), p->db, "prepare");
  benchCheck(sqlite3_step(pStmt), p->db, "step");
  p->a = sqlite3_column_int64(pStmt, 0);
  p->b = sqlite3_column_int64(pStmt, 1);
  sqlite3_finalize(pStmt);
}

static const char *zOrmSql, *zHandSql;

static void withModule(void *pArg){
  TravBench *p = pArg;
  p->zSql = zOrmSql;
  runQuery(p);
}

static void byHand(void *pArg){
  TravBench *p = pArg;
  p->zSql = zHandSql;
  runQuery(p);
}

/* Times the two statements and checks they agree. */
static void compare(TravBench *p, const char *zName, const char *zOrm, const char *zHand,
                    double tAlchemy){
  sqlite3_int64 a, b;
  double tOrm, tHand;
  zOrmSql = zOrm;
  zHandSql = zHand;
  p->zSql = zOrm;
  runQuery(p);
  a = p->a; b = p->b;
  p->zSql = zHand;
  runQuery(p);
  if( a!=p->a || b!=p->b ){
    fprintf(stderr, "bench: %s: sqlorm gives %lld, %lld but the hand-written query %lld, %lld\n",
            zName, a, b, p->a, p->b);
    exit(1);
  }
  benchPair(withModule, byHand, p, N_ROUNDS, &tOrm, &tHand);
  benchReport(zName, tOrm, tHand, tAlchemy);
}

int main(int argc, char **argv){
  const char *zModule = getenv("SQLORM_MODULE");
  const char *zTmp = getenv("TMPDIR");
  char zPath[4096];
  char *zErr = 0;
  TravBench b;
  int fd;
  (void)argc; (void)argv;
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  snprintf(zPath, sizeof(zPath), "%s/sqlorm_bench_traverse_XXXXXX", zTmp ? zTmp : "/tmp");
  fd = mkstemp(zPath);
  if( fd<0 ){ perror("bench: mkstemp"); return 1; }
  close(fd);

  memset(&b, 0, sizeof(b));
  benchCheck(sqlite3_open_v2(zPath, &b.db, SQLITE_OPEN_READWRITE, 0), b.db, "open");
  sqlite3_db_config(b.db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(b.db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    return 1;
  }
  /* Node i's parent is (i-2)/4+1: the children of p are 4p-2 .. 4p+1. */
  benchCheck(sqlite3_exec(b.db,
      "CREATE TABLE nodes(id INTEGER PRIMARY KEY, parent_id INT REFERENCES nodes, name TEXT);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<100000)"
      " INSERT INTO nodes SELECT i, CASE WHEN i>1 THEN (i-2)/4+1 END,"
      "  'node ' || i || substr('abcdefghijklmnopqrstuvwxyz', 1, i % 23) FROM n;"
      "CREATE INDEX nodes_parent ON nodes(parent_id);"
      "ANALYZE;"
      "SELECT orm_relationship('nodes', 'children', 'nodes', '{\"remote\":\"parent_id\"}');",
      0, 0, 0), b.db, "build the tree");

  compare(&b, "walk a 100,000-node tree, all depths",
      "SELECT count(*), sum(length(name)) FROM nodes__children WHERE source = 1 AND max_depth = 0",
      "WITH RECURSIVE sub(id, name) AS ("
      "  SELECT id, name FROM nodes WHERE parent_id = 1"
      "  UNION ALL SELECT n.id, n.name FROM nodes n JOIN sub ON n.parent_id = sub.id)"
      " SELECT count(*), sum(length(name)) FROM sub",
      benchSqlalchemy("traverse", zPath));

  compare(&b, "2 levels below 5,000 nodes (join)",
      "SELECT count(*), sum(c.depth) FROM nodes n"
      "  JOIN nodes__children c ON c.source = n.id AND c.max_depth = 2 WHERE n.id <= 5000",
      "WITH RECURSIVE sub(src, id, depth) AS ("
      "  SELECT n.id, c.id, 1 FROM nodes n JOIN nodes c ON c.parent_id = n.id WHERE n.id <= 5000"
      "  UNION ALL SELECT sub.src, c.id, sub.depth+1 FROM sub JOIN nodes c ON c.parent_id = sub.id"
      "   WHERE sub.depth < 2)"
      " SELECT count(*), sum(depth) FROM sub",
      benchSqlalchemy("traverse_join", zPath));

  /* Through a model view: soft_delete on nodes, every 97th node deleted (its subtree is
  ** not reached), against the CTE with the same filter. */
  benchCheck(sqlite3_exec(b.db,
      "SELECT orm_model('nodes', '{\"soft_delete\":true}');"
      "UPDATE nodes SET deleted_at = 'x' WHERE id % 97 = 0;", 0, 0, 0), b.db, "soft_delete");
  compare(&b, "walk all depths, soft_delete view",
      "SELECT count(*), sum(length(name)) FROM nodes__children WHERE source = 1 AND max_depth = 0",
      "WITH RECURSIVE sub(id, name) AS ("
      "  SELECT id, name FROM nodes WHERE parent_id = 1 AND deleted_at IS NULL"
      "  UNION ALL SELECT n.id, n.name FROM nodes n JOIN sub ON n.parent_id = sub.id"
      "   WHERE n.deleted_at IS NULL)"
      " SELECT count(*), sum(length(name)) FROM sub",
      BENCH_NO_SQLALCHEMY);

  sqlite3_close(b.db);
  unlink(zPath);
  return 0;
}
