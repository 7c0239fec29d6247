/*
** sqlorm.c: the entry point of the sqlorm loadable extension, and its meta functions.
**
** Usage:
**   .load ./sqlorm                   -- sqlite3 shell; entry point sqlite3_sqlorm_init
**   SELECT orm_version();            -- '0.1.0'
**   SELECT orm_debug();              -- JSON: version, SQLite versions, backends, catalog
**
** How it works: sqlite3_sqlorm_init checks the library's version first (the routine
** table of an older SQLite is shorter than the one compiled against, so nothing past the
** oldest routines may be called before that), registers every function and module, and
** checks the catalog of the main database. Loading writes nothing. Loading twice is
** harmless: the second load registers the same functions again. The module exports this
** entry point and nothing else.
*/
#include "sqlorm.h"
#include "remote.h"
#include <string.h>
#ifdef SQLORM_WITH_POSTGRESQL
#include <libpq-fe.h>
#endif
#ifdef SQLORM_WITH_MYSQL
#include <mysql.h>
#endif
SQLITE_EXTENSION_INIT1

/* orm_version(): the sqlorm version as text. */
static void ormVersionFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_text(ctx, SQLORM_VERSION, -1, SQLITE_STATIC);
}

/* orm_debug(): what this build is and what it sees, as a JSON object:
** {"version", "sqlite" (running), "sqlite_compiled", "backends": {name: client library},
**  "catalog": format number, null when there is none, or "unreadable: why"}. */
static void ormDebugFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_str *pOut = sqlite3_str_new(db);
  int iFormat = 0;
  int rc;
  (void)argc; (void)argv;
  rc = sqlormCatalogFormat(db, &iFormat);
  sqlite3_str_appendf(pOut,
      "{\"version\":\"%s\",\"sqlite\":\"%s\",\"sqlite_compiled\":\"%s\","
      "\"backends\":{\"sqlite\":\"%s\"",
      SQLORM_VERSION, sqlite3_libversion(), SQLITE_VERSION, sqlite3_libversion());
#ifdef SQLORM_WITH_POSTGRESQL
  sqlite3_str_appendf(pOut, ",\"postgresql\":\"libpq %d\"", PQlibVersion());
#endif
#ifdef SQLORM_WITH_MYSQL
  sqlite3_str_appendf(pOut, ",\"mysql\":\"libmariadb %s\"", mysql_get_client_info());
#endif
  if( rc==SQLITE_OK && iFormat>0 ){
    sqlite3_str_appendf(pOut, "},\"catalog\":%d}", iFormat);
  }else if( rc==SQLITE_OK || rc==SQLITE_MISMATCH ){
    sqlite3_str_appendf(pOut, "},\"catalog\":null}");
  }else{
    sqlite3_str_appendf(pOut, "},\"catalog\":\"unreadable: %s\"}",
                        rc==SQLITE_CORRUPT ? "no valid format row" : sqlite3_errstr(rc));
  }
  rc = sqlite3_str_errcode(pOut);
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, sqlite3_str_finish(pOut), -1, sqlite3_free);
    sqlite3_result_subtype(ctx, 'J');   /* JSON, as json() marks it, so nesting keeps it */
  }else{
    sqlite3_free(sqlite3_str_finish(pOut));
    sqlite3_result_error_code(ctx, rc);
  }
}

/* The SQL functions of this file; feature files register their own. */
static const struct {
  const char *zName;
  int nArg;
  int flags;
  void (*xFunc)(sqlite3_context*, int, sqlite3_value**);
} aMetaFunc[] = {
  { "orm_version", 0, SQLITE_UTF8|SQLITE_DETERMINISTIC|SQLITE_INNOCUOUS, ormVersionFunc },
  { "orm_debug",   0, SQLITE_UTF8|SQLITE_INNOCUOUS,                      ormDebugFunc   },
};

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sqlorm_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi){
  int rc = SQLITE_OK, iFormat = 0;
  size_t i;
  SQLITE_EXTENSION_INIT2(pApi);

  if( sqlite3_libversion_number()<SQLORM_SQLITE_MIN_NUMBER ){
    *pzErrMsg = sqlite3_mprintf("sqlorm %s requires SQLite %s or later, but this is SQLite %s",
        SQLORM_VERSION, SQLORM_SQLITE_MIN_TEXT, sqlite3_libversion());
    return SQLITE_ERROR;
  }
  for(i=0; rc==SQLITE_OK && i<sizeof(aMetaFunc)/sizeof(aMetaFunc[0]); i++){
    rc = sqlormCreateFunction(db, aMetaFunc[i].zName, aMetaFunc[i].nArg, aMetaFunc[i].flags,
                              aMetaFunc[i].xFunc);
    if( rc!=SQLITE_OK ){
      *pzErrMsg = sqlite3_mprintf("sqlorm: cannot register %s(): %s",
                                  aMetaFunc[i].zName, sqlite3_errstr(rc));
    }
  }
  if( rc==SQLITE_OK ){
    rc = sqlormRelationshipRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormAutomapRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormModelRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormHybridRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormJsonRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormTraverseRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormJournalRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormMigrateRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormHistoryRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormAutogenRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormAlterRegister(db);
    if( rc==SQLITE_OK ) rc = sqlormRemoteRegister(db);
    if( rc!=SQLITE_OK ){
      *pzErrMsg = sqlite3_mprintf("sqlorm: cannot register its functions: %s",
                                  sqlite3_errstr(rc));
    }
  }
  if( rc==SQLITE_OK ) rc = sqlormCatalogRestore(db, &iFormat, pzErrMsg);
  /* What the catalog registers on each connection: the hybrid methods' functions. */
  if( rc==SQLITE_OK && iFormat>0 ) rc = sqlormHybridRestore(db, pzErrMsg);
  /* ... and the TEMP traversal views of relationships over remote tables. */
  if( rc==SQLITE_OK && iFormat>0 ) rc = sqlormRelRestoreTemp(db);
  return rc;
}
