/*
** bench_migrate.c: the migration journal against the same DDL run by hand, and against
** Alembic. 1,000 revisions, each creating a table and an index, written as a folder of
** sqlorm revision files, loaded (orm_migrations_dir) and applied (orm_upgrade('head')) on a
** fresh file; by hand: the same 2,000 statements in one transaction on a fresh file.
**
** Usage: bench_migrate   (make bench; works in a temporary folder)
*/
#include "bench.h"
#include <sys/stat.h>
#include <unistd.h>

#define NREV 1000

static const char *zModule;
static char zDir[256], zDbOrm[300], zDbHand[300];

static void freshDb(const char *zPath, sqlite3 **pDb){
  char z[400];
  unlink(zPath);
  snprintf(z, sizeof(z), "%s-journal", zPath);
  unlink(z);
  benchCheck(sqlite3_open(zPath, pDb), *pDb, "open");
}

static void runOrm(void *p){
  sqlite3 *db = 0;
  char *zErr = 0, *zSql;
  (void)p;
  freshDb(zDbOrm, &db);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(db, zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "bench: load: %s\n", zErr);
    exit(1);
  }
  zSql = sqlite3_mprintf("SELECT orm_migrations_dir('%q/versions'); SELECT orm_upgrade('head');",
                         zDir);
  benchCheck(sqlite3_exec(db, zSql, 0, 0, &zErr), db, zErr ? zErr : "upgrade");
  sqlite3_free(zSql);
  sqlite3_close(db);
}

static void runHand(void *p){
  sqlite3 *db = 0;
  int i;
  (void)p;
  freshDb(zDbHand, &db);
  benchCheck(sqlite3_exec(db, "BEGIN", 0, 0, 0), db, "begin");
  for(i=0; i<NREV; i++){
    char *zSql = sqlite3_mprintf("CREATE TABLE t%04d(id INTEGER PRIMARY KEY, v TEXT);"
                                 "CREATE INDEX t%04d_v ON t%04d(v);", i, i, i);
    benchCheck(sqlite3_exec(db, zSql, 0, 0, 0), db, zSql);
    sqlite3_free(zSql);
  }
  benchCheck(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
  sqlite3_close(db);
}

int main(void){
  double tOrm, tHand, tAlembic;
  char zVersions[300];
  int i;
  zModule = getenv("SQLORM_MODULE");
  if( zModule==0 ){ fprintf(stderr, "bench: set SQLORM_MODULE\n"); return 1; }
  snprintf(zDir, sizeof(zDir), "bench-migrate-%d", (int)getpid());
  snprintf(zVersions, sizeof(zVersions), "%s/versions", zDir);
  snprintf(zDbOrm, sizeof(zDbOrm), "%s/orm.db", zDir);
  snprintf(zDbHand, sizeof(zDbHand), "%s/hand.db", zDir);
  mkdir(zDir, 0777);
  mkdir(zVersions, 0777);
  for(i=0; i<NREV; i++){
    char zPath[400];
    FILE *f;
    snprintf(zPath, sizeof(zPath), "%s/r%04d.sql", zVersions, i);
    f = fopen(zPath, "w");
    if( f==0 ){ fprintf(stderr, "bench: cannot write %s\n", zPath); return 1; }
    fprintf(f, "-- revision: r%04d\n-- down_revision: ", i);
    if( i ) fprintf(f, "r%04d\n", i-1); else fprintf(f, "None\n");
    fprintf(f, "-- upgrade\nCREATE TABLE t%04d(id INTEGER PRIMARY KEY, v TEXT);\n"
               "CREATE INDEX t%04d_v ON t%04d(v);\n-- downgrade\nDROP TABLE t%04d;\n",
               i, i, i, i);
    fclose(f);
  }
  tAlembic = benchSqlalchemy("alembic", "unused.db");
  benchPair(runOrm, runHand, 0, 3, &tOrm, &tHand);
  benchReport("apply 1,000 revisions (table + index)", tOrm, tHand, tAlembic);
  for(i=0; i<NREV; i++){
    char zPath[400];
    snprintf(zPath, sizeof(zPath), "%s/r%04d.sql", zVersions, i);
    unlink(zPath);
  }
  unlink(zDbOrm);
  unlink(zDbHand);
  rmdir(zVersions);
  rmdir(zDir);
  return 0;
}
