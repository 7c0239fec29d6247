/*
** remote_sqlite.c: the sqlite backend of the federated layer: a table of another SQLite
** file, through a connection of its own (the embedded default: no server needed).
**
** Usage:
**   CREATE VIRTUAL TABLE archive USING orm_remote('sqlite:///archive.db', 'orders');
**   CREATE VIRTUAL TABLE mem USING orm_remote('sqlite:///:memory:', 't');  -- per connection
**   URL options: mode=ro (read only), busy_timeout=MS (default 5000).
**
** How it works: the same engine on both sides, so every constraint, collation, LIKE and
** GLOB is pushed exactly and values pass through untouched. Statements are prepared once
** per connection (a small cache keyed by their text); any number of results may be open
** at once. SQLite cannot prepare a transaction for a later commit: xPrepare commits it
** (the last resource; the README says what that leaves: a failure of the main file's own
** commit after it cannot undo this side).
*/
#include "remote.h"
#include <stdlib.h>
#include <string.h>

#define SQ_CACHE 32

typedef struct SqConn SqConn;
struct SqConn {
  OrmRemoteConn base;
  sqlite3 *db;
  char *zUrl;                       /* the URL as given (for messages) */
  int nCache;
  sqlite3_stmt *aCache[SQ_CACHE];   /* most recently used first */
};

typedef struct SqRes SqRes;
struct SqRes {
  SqConn *pConn;
  sqlite3_stmt *pStmt;
  int bCached;                      /* pStmt goes back to the cache at the end */
};

static void sqParam(sqlite3_str *p, int i){
  sqlite3_str_appendf(p, "?%d", i);
}

static void sqQuoteId(sqlite3_str *p, const char *zId){
  sqlite3_str_appendf(p, "\"%w\"", zId);
}

static void sqJsonIn(sqlite3_str *p, const char *zQuotedCol, int i, const OrmRemoteCol *pCol){
  (void)pCol;
  sqlite3_str_appendf(p, "%s IN (SELECT value FROM json_each(?%d))", zQuotedCol, i);
}

static void sqOrderTerm(sqlite3_str *p, const char *zQuotedCol, int bDesc){
  sqlite3_str_appendf(p, "%s%s", zQuotedCol, bDesc ? " DESC" : "");
}

static int sqError(sqlite3 *db, int rc, char **pzErr){
  if( rc==SQLITE_NOMEM ) return rc;
  if( pzErr ) *pzErr = sqlite3_mprintf("sqlite: %s", sqlite3_errmsg(db));
  return (rc&0xff)==SQLITE_CONSTRAINT ? SQLITE_CONSTRAINT : (rc&0xff)==SQLITE_BUSY ? SQLITE_BUSY
         : SQLITE_ERROR;
}

static int sqConnect(const OrmRemoteUrl *pUrl, int iTimeout, OrmRemoteConn **pp,
                     char **pzErr){
  SqConn *p;
  const char *zMode = sqlormRemoteUrlOpt(pUrl, "mode");
  const char *zBusy = sqlormRemoteUrlOpt(pUrl, "busy_timeout");
  int flags = SQLITE_OPEN_READWRITE, rc, i;
  (void)iTimeout;
  *pp = 0;
  for(i=0; i<pUrl->optKey.n; i++){
    if( strcmp(pUrl->optKey.az[i], "mode")!=0 && strcmp(pUrl->optKey.az[i], "busy_timeout")!=0 ){
      *pzErr = sqlite3_mprintf("unknown option %s in URL %s (sqlite knows: mode, busy_timeout)",
                               pUrl->optKey.az[i], pUrl->zRedacted);
      return SQLITE_ERROR;
    }
  }
  if( zMode && strcmp(zMode, "ro")==0 ){
    flags = SQLITE_OPEN_READONLY;
  }else if( zMode && strcmp(zMode, "rw")!=0 && strcmp(zMode, "rwc")!=0 ){
    *pzErr = sqlite3_mprintf("option mode=%s in URL %s: use ro, rw or rwc", zMode,
                             pUrl->zRedacted);
    return SQLITE_ERROR;
  }else if( zMode && strcmp(zMode, "rwc")==0 ){
    flags |= SQLITE_OPEN_CREATE;
  }
  if( strcmp(pUrl->zDatabase, ":memory:")==0 ) flags |= SQLITE_OPEN_CREATE|SQLITE_OPEN_MEMORY;
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->base.pBe = &sqlormBackendSqlite;
  p->zUrl = sqlite3_mprintf("%s", pUrl->zRedacted);
  if( p->zUrl==0 ){
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  rc = sqlite3_open_v2(pUrl->zDatabase, &p->db, flags, 0);
  if( rc!=SQLITE_OK ){
    if( rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("cannot connect to %s: %s", pUrl->zRedacted,
                               p->db ? sqlite3_errmsg(p->db) : sqlite3_errstr(rc));
      rc = SQLITE_CANTOPEN;
    }
    sqlite3_close(p->db);
    sqlite3_free(p->zUrl);
    sqlite3_free(p);
    return rc;
  }
  sqlite3_extended_result_codes(p->db, 1);
  sqlite3_busy_timeout(p->db, zBusy ? (int)strtol(zBusy, 0, 10) : 5000);
  *pp = &p->base;
  return SQLITE_OK;
}

static void sqDisconnect(OrmRemoteConn *pBase){
  SqConn *p = (SqConn*)pBase;
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nCache; i++) sqlite3_finalize(p->aCache[i]);
  sqlite3_close(p->db);
  sqlite3_free(p->zUrl);
  sqlite3_free(p);
}

static int sqPing(OrmRemoteConn *pBase){
  (void)pBase;
  return SQLITE_OK;
}

/* A prepared statement for zSql: from the cache when there (and not running), else new. */
static int sqPrepare(SqConn *p, const char *zSql, sqlite3_stmt **ppStmt, int *pbCached,
                     char **pzErr){
  int i, rc;
  for(i=0; i<p->nCache; i++){
    sqlite3_stmt *pStmt = p->aCache[i];
    if( strcmp(sqlite3_sql(pStmt), zSql)==0 ){
      memmove(&p->aCache[i], &p->aCache[i+1], sizeof(p->aCache[0])*(p->nCache-i-1));
      p->nCache--;
      *ppStmt = pStmt;
      *pbCached = 1;
      return SQLITE_OK;
    }
  }
  rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppStmt, 0);
  if( rc!=SQLITE_OK ) return sqError(p->db, rc, pzErr);
  *pbCached = 1;
  return SQLITE_OK;
}

/* Gives a statement back to the cache (reset, unbound), the oldest one out if full. */
static void sqRelease(SqConn *p, sqlite3_stmt *pStmt){
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if( p->nCache==SQ_CACHE ){
    sqlite3_finalize(p->aCache[SQ_CACHE-1]);
    p->nCache--;
  }
  memmove(&p->aCache[1], &p->aCache[0], sizeof(p->aCache[0])*p->nCache);
  p->aCache[0] = pStmt;
  p->nCache++;
}

static int sqBind(SqConn *p, sqlite3_stmt *pStmt, int nParam, sqlite3_value **ap,
                  char **pzErr){
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<nParam; i++) rc = sqlite3_bind_value(pStmt, i+1, ap[i]);
  if( rc!=SQLITE_OK ) rc = sqError(p->db, rc, pzErr);
  return rc;
}

static int sqQuery(OrmRemoteConn *pBase, const char *zSql, int nParam, sqlite3_value **ap,
                   int flags, OrmRemoteRes **ppRes, char **pzErr){
  SqConn *p = (SqConn*)pBase;
  SqRes *pRes;
  int rc;
  (void)flags;
  *ppRes = 0;
  pRes = sqlite3_malloc64(sizeof(*pRes));
  if( pRes==0 ) return SQLITE_NOMEM;
  memset(pRes, 0, sizeof(*pRes));
  pRes->pConn = p;
  rc = sqPrepare(p, zSql, &pRes->pStmt, &pRes->bCached, pzErr);
  if( rc==SQLITE_OK ) rc = sqBind(p, pRes->pStmt, nParam, ap, pzErr);
  if( rc!=SQLITE_OK ){
    if( pRes->pStmt ) sqRelease(p, pRes->pStmt);
    sqlite3_free(pRes);
    return rc;
  }
  *ppRes = (OrmRemoteRes*)pRes;
  return SQLITE_OK;
}

static int sqNext(OrmRemoteRes *pBase, char **pzErr){
  SqRes *p = (SqRes*)pBase;
  int rc = sqlite3_step(p->pStmt);
  if( rc==SQLITE_ROW || rc==SQLITE_DONE ) return rc;
  return sqError(p->pConn->db, rc, pzErr);
}

static void sqColumn(OrmRemoteRes *pBase, int iCol, sqlite3_context *ctx){
  SqRes *p = (SqRes*)pBase;
  sqlite3_result_value(ctx, sqlite3_column_value(p->pStmt, iCol));
}

static void sqFinish(OrmRemoteRes *pBase){
  SqRes *p = (SqRes*)pBase;
  if( p==0 ) return;
  sqRelease(p->pConn, p->pStmt);
  sqlite3_free(p);
}

static int sqExec(OrmRemoteConn *pBase, const char *zSql, int nParam, sqlite3_value **ap,
                  sqlite3_int64 *pnChanged, char **pzErr){
  SqConn *p = (SqConn*)pBase;
  sqlite3_stmt *pStmt = 0;
  int bCached = 0, rc;
  rc = sqPrepare(p, zSql, &pStmt, &bCached, pzErr);
  if( rc==SQLITE_OK ) rc = sqBind(p, pStmt, nParam, ap, pzErr);
  if( rc==SQLITE_OK ){
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    if( rc==SQLITE_DONE ){
      rc = SQLITE_OK;
      if( pnChanged ) *pnChanged = sqlite3_changes64(p->db);
    }else{
      rc = sqError(p->db, rc, pzErr);
    }
  }
  if( pStmt ) sqRelease(p, pStmt);
  return rc;
}

/* SQLite has no prepared transactions. Its part commits here, as the last resource: a
** failure (a busy file, a full disk) then fails the whole commit while every side can
** still roll back; what is left is a failure of the main file's own commit after this. */
static int sqPrepareTxn(OrmRemoteConn *pBase, const char *zGid, char **pzErr){
  (void)zGid;
  if( sqlite3_get_autocommit(((SqConn*)pBase)->db) ) return SQLITE_OK;
  return sqExec(pBase, "COMMIT", 0, 0, 0, pzErr);
}

static int sqCommitPrepared(OrmRemoteConn *pBase, const char *zGid, char **pzErr){
  (void)zGid;
  if( sqlite3_get_autocommit(((SqConn*)pBase)->db) ) return SQLITE_OK;
  return sqExec(pBase, "COMMIT", 0, 0, 0, pzErr);
}

static int sqRollbackPrepared(OrmRemoteConn *pBase, const char *zGid, char **pzErr){
  (void)zGid;
  if( sqlite3_get_autocommit(((SqConn*)pBase)->db) ) return SQLITE_OK;
  return sqExec(pBase, "ROLLBACK", 0, 0, 0, pzErr);
}

static int sqListPrepared(OrmRemoteConn *pBase, const char *zPrefix, OrmNames *pGids,
                          char **pzErr){
  (void)pBase; (void)zPrefix; (void)pzErr;
  memset(pGids, 0, sizeof(*pGids));
  return SQLITE_OK;
}

/* ORM_RTYPE_* from a declared type, by SQLite's affinity rules (and the names that say
** dates, booleans, JSON). */
static int sqTypeOf(const char *zType){
  char *z = sqlite3_mprintf("%s", zType ? zType : "");
  int e, i;
  if( z==0 ) return ORM_RTYPE_OTHER;
  for(i=0; z[i]; i++) if( z[i]>='a' && z[i]<='z' ) z[i] -= 'a'-'A';
  if( strstr(z, "INT") ) e = strstr(z, "POINT") ? ORM_RTYPE_OTHER : ORM_RTYPE_INTEGER;
  else if( strstr(z, "CHAR") || strstr(z, "CLOB") || strstr(z, "TEXT") ) e = ORM_RTYPE_TEXT;
  else if( z[0]==0 || strstr(z, "BLOB") ) e = ORM_RTYPE_BLOB;
  else if( strstr(z, "REAL") || strstr(z, "FLOA") || strstr(z, "DOUB") ) e = ORM_RTYPE_REAL;
  else if( strstr(z, "BOOL") ) e = ORM_RTYPE_BOOLEAN;
  else if( strstr(z, "TIMESTAMP") || strstr(z, "DATETIME") ) e = ORM_RTYPE_TIMESTAMP;
  else if( strstr(z, "DATE") ) e = ORM_RTYPE_DATE;
  else if( strstr(z, "JSON") ) e = ORM_RTYPE_JSON;
  else e = ORM_RTYPE_NUMERIC;
  sqlite3_free(z);
  return e;
}

static int sqColumns(OrmRemoteConn *pBase, const char *zSchema, const char *zTable,
                     OrmRemoteCol **paCol, int *pnCol, char **pzErr){
  SqConn *p = (SqConn*)pBase;
  sqlite3_stmt *pStmt = 0;
  OrmRemoteCol *a = 0;
  int n = 0, rc;
  char *zSql = sqlite3_mprintf("SELECT name, type, pk, \"notnull\", hidden FROM "
      "pragma_table_xinfo(%Q, %Q) ORDER BY cid", zTable, zSchema ? zSchema : "main");
  *paCol = 0;
  *pnCol = 0;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) return sqError(p->db, rc, pzErr);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    OrmRemoteCol *aNew;
    if( sqlite3_column_int(pStmt, 4)==1 ) continue;   /* a hidden column of a vtab */
    aNew = sqlite3_realloc64(a, sizeof(*a)*(n+1));
    if( aNew==0 ){ rc = SQLITE_NOMEM; break; }
    a = aNew;
    memset(&a[n], 0, sizeof(a[n]));
    a[n].zName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
    a[n].zRemoteType = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
    n++;
    if( a[n-1].zName==0 || a[n-1].zRemoteType==0 ){ rc = SQLITE_NOMEM; break; }
    a[n-1].eType = sqTypeOf(a[n-1].zRemoteType);
    a[n-1].iKey = sqlite3_column_int(pStmt, 2);
    a[n-1].bNotNull = sqlite3_column_int(pStmt, 3);
    {
      /* Its collation: the table declares it so that SQLite compares as this file does. */
      const char *zColl = 0;
      if( sqlite3_table_column_metadata(p->db, zSchema ? zSchema : "main", zTable,
                                        a[n-1].zName, 0, &zColl, 0, 0, 0)==SQLITE_OK
       && zColl && sqlite3_stricmp(zColl, "BINARY")!=0 ){
        a[n-1].zCollate = sqlite3_mprintf("%s", zColl);
        if( a[n-1].zCollate==0 ){ rc = SQLITE_NOMEM; break; }
      }
    }
  }
  if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }else if( rc!=SQLITE_NOMEM ){
    rc = sqError(p->db, rc, pzErr);
  }
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_OK && n==0 ){
    *pzErr = sqlite3_mprintf("sqlite: no table \"%w\" in %s", zTable, p->zUrl);
    rc = SQLITE_NOTFOUND;
  }
  if( rc!=SQLITE_OK ){
    sqlormRemoteColsFree(a, n);
    return rc;
  }
  *paCol = a;
  *pnCol = n;
  return SQLITE_OK;
}

static int sqTables(OrmRemoteConn *pBase, const char *zSchema, OrmNames *pTables,
                    char **pzErr){
  SqConn *p = (SqConn*)pBase;
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf("SELECT name FROM \"%w\".sqlite_schema WHERE type IN "
      "('table','view') AND name NOT LIKE 'sqlite\\_%%' ESCAPE '\\' ORDER BY name",
      zSchema ? zSchema : "main");
  int rc;
  memset(pTables, 0, sizeof(*pTables));
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) return sqError(p->db, rc, pzErr);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    rc = sqlormNamesAdd(pTables, (const char*)sqlite3_column_text(pStmt, 0));
    if( rc!=SQLITE_OK ) break;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  else if( rc!=SQLITE_NOMEM ) rc = sqError(p->db, rc, pzErr);
  sqlite3_finalize(pStmt);
  return rc;
}

const OrmBackend sqlormBackendSqlite = {
  .zName = "sqlite",
  .xParam = sqParam,
  .xQuoteId = sqQuoteId,
  .xOrderTerm = sqOrderTerm,
  .xJsonIn = sqJsonIn,
  .bLikeAscii = 1,
  .bNative = 1,
  .xConnect = sqConnect,
  .xDisconnect = sqDisconnect,
  .xPing = sqPing,
  .xQuery = sqQuery,
  .xNext = sqNext,
  .xColumn = sqColumn,
  .xFinish = sqFinish,
  .xExec = sqExec,
  .xPrepare = sqPrepareTxn,
  .xCommitPrepared = sqCommitPrepared,
  .xRollbackPrepared = sqRollbackPrepared,
  .xListPrepared = sqListPrepared,
  .xColumns = sqColumns,
  .xTables = sqTables,
};
