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
#include <string.h>

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

/* Whether zTable of main is an orm_remote virtual table (reading sqlite_schema only). */
int sqlormTableIsRemote(sqlite3 *db, const char *zTable, int *pbRemote){
  OrmNames n = {0, 0};
  int rc;
  *pbRemote = 0;
  if( zTable==0 ) return SQLITE_OK;
  rc = sqlormQueryNames(db, "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND "
      "name = ?1 COLLATE NOCASE AND sql LIKE 'CREATE VIRTUAL TABLE%USING orm_remote(%'",
      zTable, &n, 0);
  *pbRemote = n.n>0;
  sqlormNamesClear(&n);
  return rc;
}

/* Appends z (n bytes, or up to its NUL when n<0) as a JSON string, quotes included. */
void sqlormJsonString(sqlite3_str *pStr, const char *z, int n){
  static const char azHex[] = "0123456789abcdef";
  int i, iStart = 0;
  if( n<0 ) n = (int)strlen(z);
  sqlite3_str_appendchar(pStr, 1, '"');
  for(i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    if( c>=0x20 && c!='"' && c!='\\' ) continue;
    if( i>iStart ) sqlite3_str_append(pStr, z+iStart, i-iStart);
    iStart = i+1;
    switch( c ){
      case '"':  sqlite3_str_append(pStr, "\\\"", 2); break;
      case '\\': sqlite3_str_append(pStr, "\\\\", 2); break;
      case '\n': sqlite3_str_append(pStr, "\\n", 2); break;
      case '\r': sqlite3_str_append(pStr, "\\r", 2); break;
      case '\t': sqlite3_str_append(pStr, "\\t", 2); break;
      case '\b': sqlite3_str_append(pStr, "\\b", 2); break;
      case '\f': sqlite3_str_append(pStr, "\\f", 2); break;
      default: {
        char zEsc[6] = { '\\', 'u', '0', '0', azHex[c>>4], azHex[c&0xf] };
        sqlite3_str_append(pStr, zEsc, 6);
      }
    }
  }
  if( n>iStart ) sqlite3_str_append(pStr, z+iStart, n-iStart);
  sqlite3_str_appendchar(pStr, 1, '"');
}

/* Opens the savepoint a definition runs in, creating or upgrading the catalog inside it.
** Pair with sqlormSavepointEnd(), which releases it or rolls everything back. */
int sqlormSavepointBegin(sqlite3 *db, char **pzErr){
  int rc = sqlormExec(db, pzErr, "SAVEPOINT sqlorm_define");
  if( rc==SQLITE_OK ){
    rc = sqlormCatalogEnsure(db, pzErr);
    if( rc!=SQLITE_OK ){
      sqlite3_exec(db, "ROLLBACK TO sqlorm_define; RELEASE sqlorm_define", 0, 0, 0);
    }
  }else if( rc==SQLITE_LOCKED || rc==SQLITE_BUSY ){
    sqlite3_free(*pzErr);
    *pzErr = sqlite3_mprintf("the database is locked (%s)", sqlite3_errstr(rc));
  }
  return rc;
}

/* Ends the savepoint and gives the function its result: *pzOut (a text the caller made
** before, so that nothing is allocated once the work is committed; taken over here), or the
** error. */
void sqlormSavepointResult(sqlite3_context *ctx, const char *zFunc, int rc, char *zErr,
                           char **pzOut){
  rc = sqlormSavepointEnd(sqlite3_context_db_handle(ctx), rc, &zErr);
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, *pzOut, -1, sqlite3_free);
    *pzOut = 0;
  }else{
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
}

/* The members of an options object: keys, and values as text (arrays and objects as
** JSON, true/false as 1/0). An error names the options when they are not an object. */
int sqlormOptionsRead(sqlite3 *db, const char *zOpts, OrmNames *pKeys, OrmNames *pVals,
                      char **pzErr){
  int rc = sqlormQueryNames(db, "SELECT key, CASE WHEN type IN ('array','object') THEN "
      "json(value) WHEN type = 'true' THEN '1' WHEN type = 'false' THEN '0' ELSE value END "
      "FROM json_each(?1) WHERE json_type(?1) = 'object'", zOpts, pKeys, pVals);
  if( rc==SQLITE_ERROR || (rc==SQLITE_OK && pKeys->n==0 && strcmp(zOpts, "{}")!=0) ){
    sqlite3_free(*pzErr);
    *pzErr = sqlite3_mprintf("options must be a JSON object: %s", zOpts);
    rc = SQLITE_ERROR;
  }
  return rc;
}

int sqlormSavepointEnd(sqlite3 *db, int rc, char **pzErr){
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "RELEASE sqlorm_define");
  }
  if( rc!=SQLITE_OK ){
    sqlite3_exec(db, "ROLLBACK TO sqlorm_define; RELEASE sqlorm_define", 0, 0, 0);
  }
  return rc;
}

/* The text of argument i of SQL function zFunc, or an error naming the argument when it
** is NULL or not text. */
int sqlormArgText(sqlite3_context *ctx, sqlite3_value **argv, int i, const char *zFunc,
                  const char *zArg, const char **pz){
  int eType = sqlite3_value_type(argv[i]);
  *pz = 0;
  if( eType!=SQLITE_TEXT ){
    char *zErr = sqlite3_mprintf("%s: %s must be text, not %s", zFunc, zArg,
        eType==SQLITE_NULL ? "NULL" : eType==SQLITE_INTEGER ? "an integer" :
        eType==SQLITE_FLOAT ? "a real" : "a blob");
    sqlite3_result_error(ctx, zErr ? zErr : "out of memory", -1);
    sqlite3_free(zErr);
    return SQLITE_ERROR;
  }
  *pz = (const char*)sqlite3_value_text(argv[i]);
  if( *pz==0 ){
    sqlite3_result_error_nomem(ctx);
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* Reports a definition's failure as "zFunc: message" (frees zErr). */
void sqlormResultError(sqlite3_context *ctx, const char *zFunc, int rc, char *zErr){
  if( rc==SQLITE_NOMEM ){
    sqlite3_result_error_nomem(ctx);
  }else{
    char *zMsg = sqlite3_mprintf("%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
    sqlite3_result_error(ctx, zMsg ? zMsg : "out of memory", -1);
    sqlite3_free(zMsg);
  }
  sqlite3_free(zErr);
}

/* sqlite3_create_function_v2 for the module's own functions (no user data). SQLITE_BUSY
** means the name is registered already and a statement is running: the module is being
** loaded a second time from SQL's load_extension(), and the registration in place (the
** same function) serves. */
int sqlormCreateFunction(sqlite3 *db, const char *zName, int nArg, int flags,
                         void (*xFunc)(sqlite3_context*, int, sqlite3_value**)){
  return sqlormCreateFunctionData(db, zName, nArg, flags, 0, xFunc);
}

/* The same, with user data for the function (sqlite3_user_data). */
int sqlormCreateFunctionData(sqlite3 *db, const char *zName, int nArg, int flags, void *pData,
                             void (*xFunc)(sqlite3_context*, int, sqlite3_value**)){
  int rc = sqlite3_create_function_v2(db, zName, nArg, flags, pData, xFunc, 0, 0, 0);
  return rc==SQLITE_BUSY ? SQLITE_OK : rc;
}
