/*
** util.c: small helpers every feature file uses.
**
**   rc = sqlormExec(db, &zErr, "DROP VIEW IF EXISTS \"%w\"", zName);
**   rc = sqlormTableExists(db, "main", "orm_meta", &bExists);
**
** Statements are always built with sqlite3_mprintf's %w / %Q so that no identifier or
** value reaches SQL unquoted.
*/
#include "sqlorm.h"
#include <stdarg.h>

/* Runs one or more statements built from a printf-style format. On error *pzErr (if not
** NULL) receives a message from sqlite3_malloc that the caller frees. */
int sqlormExec(sqlite3 *db, char **pzErr, const char *zFormat, ...){
  va_list ap;
  char *zSql;
  char *zErr = 0;
  int rc;
  va_start(ap, zFormat);
  zSql = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, 0, 0, &zErr);
  sqlite3_free(zSql);
  if( pzErr ){
    *pzErr = zErr;
  }else{
    sqlite3_free(zErr);
  }
  return rc;
}

/* Whether zSchema holds a table (not a view) named zTable, reading sqlite_schema only:
** no statement on the table itself, so this works on a read-only database. */
int sqlormTableExists(sqlite3 *db, const char *zSchema, const char *zTable, int *pExists){
  sqlite3_stmt *pStmt = 0;
  char *zSql;
  int rc;
  *pExists = 0;
  zSql = sqlite3_mprintf(
      "SELECT 1 FROM \"%w\".sqlite_schema WHERE type='table' AND name=%Q", zSchema, zTable);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) return rc;
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    *pExists = 1;
    rc = SQLITE_OK;
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Reports a failure from a SQL function: the message if there is one (and frees it),
** else SQLite's text for the code. NOMEM becomes sqlite3_result_error_nomem(). */
void sqlormResultErrorCode(sqlite3_context *ctx, int rc, char *zErr){
  if( rc==SQLITE_NOMEM ){
    sqlite3_result_error_nomem(ctx);
  }else{
    sqlite3_result_error(ctx, zErr ? zErr : sqlite3_errstr(rc), -1);
    sqlite3_result_error_code(ctx, rc);
  }
  sqlite3_free(zErr);
}
