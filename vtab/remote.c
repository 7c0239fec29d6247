/*
** remote.c: orm_remote, a virtual table over a table of PostgreSQL, MySQL/MariaDB or another
** SQLite file, with pushdown, pooled connections and two-phase commit; and the functions
** orm_remote_import, orm_remote_secret and orm_remote_sql.
**
** Usage:
**   CREATE VIRTUAL TABLE pg_orders USING orm_remote('postgresql://app@127.0.0.1/shop',
**                                                   'public.orders');
**   CREATE VIRTUAL TABLE archive USING orm_remote('sqlite:///archive.db', 'orders',
**                                                 '{"pool_size":2,"version":"version"}');
**   SELECT orm_remote_secret('prod', 'postgresql://app:pw@db/shop');  -- this connection only
**   CREATE VIRTUAL TABLE o USING orm_remote('prod', 'orders');          -- names the alias
**   SELECT orm_remote_import('sqlite:///archive.db', 'main', '{"limit_to":["orders"]}');
**   SELECT * FROM pg_orders WHERE customer_id = 7 ORDER BY placed_at DESC LIMIT 10;
**   SELECT value FROM json_each(orm_remote_sql());   -- the statements sent since last call
**
** How it works:
** - Definition: CREATE VIRTUAL TABLE asks the server for the columns once and keeps them
**   in orm_remote_tables (with the URL as written and the options), so opening the file
**   later contacts no server until a query needs it. A URL holding a password is refused:
**   the schema would store it.
** - Reads: xBestIndex classifies constraints with remote_deparse.c (EXACT ones are omitted
**   by SQLite, LOOSE ones checked again), takes IN lists all at once (sqlite3_vtab_in),
**   ORDER BY when the server orders as SQLite, LIMIT/OFFSET when everything else went; the
**   plan travels in idxStr. xFilter writes the SELECT of only the columns used and streams
**   it. Outside a write transaction a cursor takes its own pooled connection; inside one
**   every table of a URL works on the session's connection, so reads see the writes.
** - Writes: INSERT (NULL columns left to the server's defaults), UPDATE (only the columns
**   changed) and DELETE by primary key, each checked to touch exactly one row. rowid is the
**   key when it is one INTEGER column; otherwise a number of this transaction mapped to the
**   key read (and the version read). A versioned table ("version" option) sends
**   `SET v = $new WHERE key AND v = $new - 1`: as for local tables, the statement states
**   the version it read plus one, and a stale writer gets "stale data: ..., expected
**   version X, found Y"; an UPDATE not naming the version advances it (or is refused:
**   version_policy strict).
** - Transactions: the first write of a URL in a SQLite transaction begins one on its
**   server (savepoints mapped to SAVEPOINT sqlorm_spN) and logs a transaction id in
**   orm_remote_xact, inside the SQLite transaction; xSync prepares every server's part
**   (PREPARE TRANSACTION / XA PREPARE); after SQLite's commit, xCommit commits them
**   (COMMIT PREPARED). The next session on that server commits what the log names and is
**   still prepared, rolls back what is prepared but unlogged for more than 5 minutes (its
**   SQLite transaction never committed), and the next write forgets resolved log rows.
*/
#include "remote_int.h"
#include <string.h>
#include <stdlib.h>
#include <time.h>

/* ---------------------------------------------------------------- per connection */

typedef struct RemoteSecret RemoteSecret;
struct RemoteSecret {
  char *zAlias;
  char *zUrl;
  RemoteSecret *pNext;
};

typedef struct RemoteSession RemoteSession;
typedef struct RemoteDb RemoteDb;

/* What one SQLite connection has of the layer (the module's client data). */
struct RemoteDb {
  sqlite3 *db;
  RemoteSecret *pSecret;
  RemoteSession *pSession;
  sqlite3_str *pLog;      /* statements sent since orm_remote_sql() last read them (JSON) */
  int nLog;
  OrmNames done;          /* transaction ids resolved: their log rows can go */
  struct remote_vtab *pVtab;  /* the connection's remote tables */
};

/* A SQLite connection's use of one pool: the connection its transactions run on. */
struct RemoteSession {
  RemoteDb *pRdb;
  OrmPool *pPool;
  int nRef;               /* tables using it */
  OrmRemoteConn *pConn;   /* checked out while a transaction is open */
  int nBegun;             /* tables that had xBegin */
  int bWrote;             /* a row was written: the transaction is logged and prepared */
  int bPrepared;
  int nSavepoint;         /* savepoints open on the server */
  int bRecovered;         /* in-doubt transactions of this file looked at */
  int nDoneLogged;        /* resolved ids whose log rows this transaction deletes */
  char zGid[80];
  RemoteSession *pNext;
};

#define REMOTE_LOG_MAX 200

static void remoteLog(RemoteDb *p, const char *zSql, int nParam){
  if( p->nLog>=REMOTE_LOG_MAX ) return;
  if( p->pLog==0 ){
    p->pLog = sqlite3_str_new(0);
    sqlite3_str_appendchar(p->pLog, 1, '[');
  }else{
    sqlite3_str_appendchar(p->pLog, 1, ',');
  }
  sqlormJsonString(p->pLog, zSql, -1);
  p->nLog++;
  (void)nParam;
}

static void remoteDbFree(void *pArg){
  RemoteDb *p = (RemoteDb*)pArg;
  while( p->pSecret ){
    RemoteSecret *pNext = p->pSecret->pNext;
    memset(p->pSecret->zUrl, 0, strlen(p->pSecret->zUrl));
    sqlite3_free(p->pSecret->zUrl);
    sqlite3_free(p->pSecret->zAlias);
    sqlite3_free(p->pSecret);
    p->pSecret = pNext;
  }
  sqlite3_free(sqlite3_str_finish(p->pLog));
  sqlormNamesClear(&p->done);
  sqlite3_free(p);
}

/* ---------------------------------------------------------------- backends */

const OrmBackend *sqlormRemoteBackend(const char *zDialect){
  if( zDialect==0 ) return 0;
  if( strcmp(zDialect, "sqlite")==0 ) return &sqlormBackendSqlite;
#ifdef SQLORM_WITH_POSTGRESQL
  if( strcmp(zDialect, "postgresql")==0 ) return &sqlormBackendPg;
#endif
#ifdef SQLORM_WITH_MYSQL
  if( strcmp(zDialect, "mysql")==0 ) return &sqlormBackendMysql;
#endif
  return 0;
}

/* ---------------------------------------------------------------- the table */

typedef struct RemoteRow RemoteRow;
struct RemoteRow {
  sqlite3_value **apKey;  /* the key read, nKey values */
  sqlite3_value *pVersion;/* the version read (versioned tables) */
};

typedef struct remote_vtab remote_vtab;
struct remote_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  RemoteDb *pRdb;
  char *zSchema;          /* the SQLite schema holding the table ("main") */
  char *zName;
  char *zUrlArg;          /* the URL or secret alias, as written */
  char *zRemoteArg;       /* the remote table, as written */
  OrmRemoteTable tab;
  OrmPoolOptions opt;
  int bOptsGiven;
  int bStrict;            /* version_policy strict */
  int bKeyRowid;          /* rowid is the one INTEGER key column */
  OrmPool *pPool;         /* this table's pool (its options): its scans' connections */
  RemoteSession *pSession;
  int bBegun;
  int nRow, nRowAlloc;    /* the rowid map, for this transaction */
  RemoteRow *aRow;
  int nOpen;              /* cursors open */
  sqlite3_stmt *pCell;    /* SELECT orm_remote_cell(?1, ?2): a result's value */
  struct remote_vtab *pNextVtab;
};

typedef struct remote_cursor remote_cursor;
struct remote_cursor {
  sqlite3_vtab_cursor base;
  OrmRemoteConn *pConn;   /* the cursor's own connection (outside transactions), or 0 */
  OrmRemoteRes *pRes;
  const OrmBackend *pBe;
  int nRes;
  int *aResCol;           /* result column -> table column */
  int *aColRes;           /* table column -> result column, or -1 */
  int bEof;
  sqlite3_int64 iRowid;   /* counter rowids outside transactions */
  int nLookup;            /* join lookups by this cursor (one per outer row) */
  int bNoCache;           /* the table was too big to hold: lookups stay lookups */
  OrmJoinCache *pCache;   /* the table's rows, found by the join's key */
  char *zCachePlan;       /* the plan the cache serves */
  int iCacheRow;          /* the row served, from the cache */
  int bCacheAll;          /* serving every cached row (SQLite checks them) */
};

/* A join lookup that repeats this many times in one statement reads the table once into
** the join cache instead, unless it has more rows than the cap. */
#define REMOTE_JOIN_AFTER 3
#define REMOTE_JOIN_MAX_ROWS 100000

static void remoteSetError(sqlite3_vtab *pVtab, char *zErr){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
}

static void remoteRowsClear(remote_vtab *p){
  int i, k;
  for(i=0; i<p->nRow; i++){
    for(k=0; k<p->tab.nKey; k++) sqlite3_value_free(p->aRow[i].apKey[k]);
    sqlite3_free(p->aRow[i].apKey);
    sqlite3_value_free(p->aRow[i].pVersion);
  }
  sqlite3_free(p->aRow);
  p->aRow = 0;
  p->nRow = p->nRowAlloc = 0;
}

/* A sqlite argument as written: 'text' dequoted, anything else as is. */
static char *remoteDequote(const char *z){
  int n = (int)strlen(z), i, j;
  char *zOut;
  while( n>0 && (z[0]==' ' || z[0]=='\t' || z[0]=='\n') ){ z++; n--; }
  while( n>0 && (z[n-1]==' ' || z[n-1]=='\t' || z[n-1]=='\n') ) n--;
  zOut = sqlite3_malloc64(n+1);
  if( zOut==0 ) return 0;
  if( n>=2 && (z[0]=='\'' || z[0]=='"') && z[n-1]==z[0] ){
    char q = z[0];
    for(i=1, j=0; i<n-1; i++){
      zOut[j++] = z[i];
      if( z[i]==q && z[i+1]==q ) i++;
    }
    zOut[j] = 0;
  }else{
    memcpy(zOut, z, n);
    zOut[n] = 0;
  }
  return zOut;
}

/* The URL behind a table's argument: itself, or the secret it names. */
static int remoteResolveUrl(RemoteDb *pRdb, const char *zArg, const char **pzUrl, char **pzErr){
  RemoteSecret *s;
  if( strstr(zArg, "://") ){
    *pzUrl = zArg;
    return SQLITE_OK;
  }
  for(s=pRdb->pSecret; s; s=s->pNext){
    if( strcmp(s->zAlias, zArg)==0 ){
      *pzUrl = s->zUrl;
      return SQLITE_OK;
    }
  }
  *pzErr = sqlite3_mprintf("no secret named \"%s\" on this connection: call "
      "orm_remote_secret('%s', url) first (secrets live in the connection, never the file)",
      zArg, zArg);
  return SQLITE_ERROR;
}

/* Splits 'schema.table' ("quoted" parts allowed) into its parts. */
static int remoteSplitName(const char *z, char **pzSchema, char **pzTable){
  const char *zDot = 0, *y;
  int bQuote = 0;
  *pzSchema = *pzTable = 0;
  for(y=z; *y; y++){
    if( *y=='"' ) bQuote = !bQuote;
    if( *y=='.' && !bQuote ){ zDot = y; break; }
  }
  if( zDot ){
    char *zS = sqlite3_mprintf("%.*s", (int)(zDot - z), z);
    if( zS==0 ) return SQLITE_NOMEM;
    *pzSchema = remoteDequote(zS);
    sqlite3_free(zS);
    *pzTable = remoteDequote(zDot+1);
  }else{
    *pzTable = remoteDequote(z);
  }
  if( *pzTable==0 || (zDot && *pzSchema==0) ){
    sqlite3_free(*pzSchema);
    sqlite3_free(*pzTable);
    *pzSchema = *pzTable = 0;
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* Reads the options object of a table (or an import): pool options and versioning. */
static int remoteOptions(sqlite3 *db, const char *zOpts, OrmPoolOptions *pOpt, int *pbGiven,
                         char **pzVersion, int *pbStrict, OrmNames *pKeys, OrmNames *pVals,
                         const char *const *azExtra, char **pzErr){
  OrmNames keys = {0, 0}, vals = {0, 0};
  int rc, i;
  sqlormPoolOptionsDefault(pOpt);
  *pbGiven = 0;
  if( pzVersion ) *pzVersion = 0;
  if( pbStrict ) *pbStrict = 0;
  if( zOpts==0 || zOpts[0]==0 ) return SQLITE_OK;
  rc = sqlormOptionsRead(db, zOpts, &keys, &vals, pzErr);
  for(i=0; rc==SQLITE_OK && i<keys.n; i++){
    const char *k = keys.az[i], *v = vals.az[i] ? vals.az[i] : "";
    char *zEnd = 0;
    long n = strtol(v, &zEnd, 10);
    int bInt = v[0] && *zEnd==0;
    int j, bExtra = 0;
    if( strcmp(k, "pool_size")==0 || strcmp(k, "max_overflow")==0
     || strcmp(k, "pool_timeout")==0 || strcmp(k, "pool_recycle")==0 ){
      int lo = strcmp(k, "pool_recycle")==0 ? -1 : strcmp(k, "pool_size")==0 ? 1 : 0;
      if( !bInt || n<lo || n>100000 ){
        *pzErr = sqlite3_mprintf("option %s must be an integer from %d to 100000, not %s",
                                 k, lo, v);
        rc = SQLITE_ERROR;
        break;
      }
      if( k[5]=='s' ) pOpt->nSize = (int)n;
      else if( k[0]=='m' ) pOpt->nOverflow = (int)n;
      else if( k[5]=='t' ) pOpt->iTimeout = (int)n;
      else pOpt->iRecycle = (int)n;
      *pbGiven = 1;
    }else if( strcmp(k, "pool_pre_ping")==0 ){
      if( strcmp(v, "1")!=0 && strcmp(v, "0")!=0 ){
        *pzErr = sqlite3_mprintf("option pool_pre_ping must be true or false, not %s", v);
        rc = SQLITE_ERROR;
        break;
      }
      pOpt->bPrePing = v[0]=='1';
      *pbGiven = 1;
    }else if( pzVersion && strcmp(k, "version")==0 ){
      *pzVersion = sqlite3_mprintf("%s", v);
      if( *pzVersion==0 ) rc = SQLITE_NOMEM;
    }else if( pbStrict && strcmp(k, "version_policy")==0 ){
      if( strcmp(v, "strict")!=0 && strcmp(v, "advance")!=0 ){
        *pzErr = sqlite3_mprintf("option version_policy must be \"strict\" or \"advance\", "
                                 "not %s", v);
        rc = SQLITE_ERROR;
        break;
      }
      *pbStrict = v[0]=='s';
    }else{
      for(j=0; azExtra && azExtra[j]; j++){
        if( strcmp(k, azExtra[j])==0 ){
          bExtra = 1;
          rc = sqlormNamesAdd(pKeys, k);
          if( rc==SQLITE_OK ) rc = sqlormNamesAdd(pVals, v);
        }
      }
      if( !bExtra ){
        *pzErr = sqlite3_mprintf("unknown option %s (known: pool_size, max_overflow, "
            "pool_timeout, pool_recycle, pool_pre_ping%s%s)", k,
            pzVersion ? ", version, version_policy" : "",
            azExtra ? ", limit_to, except, prefix" : "");
        rc = SQLITE_ERROR;
      }
    }
  }
  sqlormNamesClear(&keys);
  sqlormNamesClear(&vals);
  return rc;
}

/* The session of this table's URL on its connection, made (and its pool acquired) at the
** first need. */
static int remoteSession(remote_vtab *p, RemoteSession **pp){
  RemoteDb *pRdb = p->pRdb;
  RemoteSession *s;
  OrmRemoteUrl *pUrl = 0;
  OrmPool *pPool = 0;
  const char *zUrl = 0;
  char *zErr = 0;
  int rc;
  if( p->pSession ){
    *pp = p->pSession;
    return SQLITE_OK;
  }
  if( p->pPool ){
    /* the pool is there from an earlier attempt: only the session is missing */
    sqlormPoolRelease(p->pPool);
    p->pPool = 0;
  }
  rc = remoteResolveUrl(pRdb, p->zUrlArg, &zUrl, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormRemoteUrlParse(zUrl, &pUrl, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormPoolAcquire(zUrl, pUrl, &p->opt, p->bOptsGiven, &pPool, &zErr);
  sqlormRemoteUrlFree(pUrl);
  if( rc!=SQLITE_OK ){
    if( zErr ) remoteSetError(&p->base, sqlite3_mprintf("%s: %s", p->zName, zErr));
    sqlite3_free(zErr);
    return rc;
  }
  p->pPool = pPool;
  /* One session per URL, whatever each table's pool options: a transaction writes every
  ** table of a server through one connection. */
  for(s=pRdb->pSession; s; s=s->pNext){
    if( strcmp(s->pPool->zUrl, pPool->zUrl)==0 ) break;
  }
  if( s==0 ){
    s = sqlite3_malloc64(sizeof(*s));
    if( s==0 ) return SQLITE_NOMEM;
    memset(s, 0, sizeof(*s));
    s->pRdb = pRdb;
    s->pPool = pPool;
    sqlormPoolRetain(pPool);
    s->pNext = pRdb->pSession;
    pRdb->pSession = s;
  }
  s->nRef++;
  p->pSession = s;
  *pp = s;
  return SQLITE_OK;
}

static void remoteSessionRelease(RemoteSession *s){
  RemoteSession **pp;
  if( s==0 || --s->nRef>0 ) return;
  for(pp=&s->pRdb->pSession; *pp && *pp!=s; pp=&(*pp)->pNext){}
  if( *pp ) *pp = s->pNext;
  if( s->pConn ) sqlormPoolCheckin(s->pPool, s->pConn, 1);
  sqlormPoolRelease(s->pPool);
  sqlite3_free(s);
}

/* This file's id, the middle of its transaction ids (made with the log table). */
static int remoteFileId(remote_vtab *p, char **pzId){
  OrmNames ids = {0, 0};
  char *zSql = sqlite3_mprintf("SELECT url FROM \"%w\".orm_remote_xact WHERE gid = '#file'",
                               p->zSchema);
  int rc = zSql ? sqlormQueryNames(p->db, zSql, 0, &ids, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  *pzId = 0;
  if( rc==SQLITE_OK && ids.n ){
    *pzId = sqlite3_mprintf("%s", ids.az[0]);
    if( *pzId==0 ) rc = SQLITE_NOMEM;
  }else if( rc==SQLITE_OK ){
    rc = SQLITE_NOTFOUND;
  }
  sqlormNamesClear(&ids);
  return rc;
}

/* In-doubt transactions of this file on this session's server: commit what the log
** names, roll back what it does not once older than nMinAge seconds; note both as
** resolved (and count them in *pnDone). */
#define REMOTE_INDOUBT_AGE 300
static int remoteRecover(remote_vtab *p, RemoteSession *s, OrmRemoteConn *pConn, int nMinAge,
                         int *pnDone){
  const OrmBackend *pBe = s->pPool->pBe;
  OrmNames gids = {0, 0}, logged = {0, 0};
  char *zId = 0, *zPrefix = 0, *zErr = 0, *zSql;
  int rc, i, bLog = 0;
  s->bRecovered = 1;
  rc = sqlormTableExists(p->db, p->zSchema, "orm_remote_xact", &bLog);
  if( rc!=SQLITE_OK || !bLog ) return rc;
  rc = remoteFileId(p, &zId);
  if( rc==SQLITE_NOTFOUND ) return SQLITE_OK;
  if( rc==SQLITE_OK ){
    zPrefix = sqlite3_mprintf("sqlorm_%s_", zId);
    if( zPrefix==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = pBe->xListPrepared(pConn, zPrefix, &gids, &zErr);
  if( rc==SQLITE_OK && gids.n ){
    zSql = sqlite3_mprintf("SELECT gid FROM \"%w\".orm_remote_xact", p->zSchema);
    rc = zSql ? sqlormQueryNames(p->db, zSql, 0, &logged, 0) : SQLITE_NOMEM;
    sqlite3_free(zSql);
  }
  for(i=0; rc==SQLITE_OK && i<gids.n; i++){
    const char *zGid = gids.az[i];
    if( sqlormNamesFind(&logged, zGid)>=0 ){
      rc = pBe->xCommitPrepared(pConn, zGid, &zErr);
    }else{
      sqlite3_int64 t = (sqlite3_int64)strtoll(zGid + strlen(zPrefix), 0, 16);
      if( (sqlite3_int64)time(0) - t < nMinAge ) continue;   /* perhaps still committing */
      rc = pBe->xRollbackPrepared(pConn, zGid, &zErr);
    }
    if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&p->pRdb->done, zGid);
    if( rc==SQLITE_OK && pnDone ) (*pnDone)++;
  }
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    remoteSetError(&p->base, sqlite3_mprintf("resolving in-doubt transactions on %s: %s",
                   s->pPool->zRedacted, zErr ? zErr : sqlite3_errstr(rc)));
  }
  sqlite3_free(zErr);
  sqlite3_free(zId);
  sqlite3_free(zPrefix);
  sqlormNamesClear(&gids);
  sqlormNamesClear(&logged);
  return rc;
}

/* A connection for a cursor or a transaction: the session's while it holds one. */
static int remoteCheckout(remote_vtab *p, RemoteSession *s, OrmPool *pPool,
                          OrmRemoteConn **ppConn){
  char *zErr = 0;
  int rc = sqlormPoolCheckout(pPool, ppConn, &zErr);
  if( rc!=SQLITE_OK ){
    remoteSetError(&p->base, zErr ? sqlite3_mprintf("%s: %s", p->zName, zErr) : 0);
    sqlite3_free(zErr);
    return rc;
  }
  if( !s->bRecovered ){
    rc = remoteRecover(p, s, *ppConn, REMOTE_INDOUBT_AGE, 0);
    if( rc!=SQLITE_OK ){
      sqlormPoolCheckin(pPool, *ppConn, 1);
      *ppConn = 0;
    }
  }
  return rc;
}

/* Reports a backend error on the table, naming it; a lost connection is discarded. */
static int remoteFail(remote_vtab *p, int rc, char *zErr){
  remoteSetError(&p->base, sqlite3_mprintf("%s: %s", p->zName,
                 zErr ? zErr : sqlite3_errstr(rc)));
  sqlite3_free(zErr);
  return rc;
}

/* The columns, as orm_remote_tables keeps them. */
static char *remoteColsJson(const OrmRemoteTable *pTab){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(pStr, 1, '[');
  for(i=0; i<pTab->nCol; i++){
    const OrmRemoteCol *c = &pTab->aCol[i];
    sqlite3_str_appendf(pStr, "%s{\"name\":", i ? "," : "");
    sqlormJsonString(pStr, c->zName, -1);
    sqlite3_str_appendf(pStr, ",\"type\":");
    sqlormJsonString(pStr, c->zRemoteType ? c->zRemoteType : "", -1);
    sqlite3_str_appendf(pStr, ",\"t\":%d,\"key\":%d,\"notnull\":%d,\"casefold\":%d",
                        c->eType, c->iKey, c->bNotNull, c->bCaseFold);
    if( c->zCollate ){
      sqlite3_str_appendf(pStr, ",\"collate\":");
      sqlormJsonString(pStr, c->zCollate, -1);
    }
    sqlite3_str_appendchar(pStr, 1, '}');
  }
  sqlite3_str_appendchar(pStr, 1, ']');
  return sqlite3_str_finish(pStr);
}

static int remoteColsFromJson(sqlite3 *db, const char *zJson, OrmRemoteCol **paCol, int *pn){
  sqlite3_stmt *pStmt = 0;
  OrmRemoteCol *a = 0;
  int n = 0, rc = sqlite3_prepare_v2(db, "SELECT value->>'name', value->>'type', "
      "value->>'t', value->>'key', value->>'notnull', value->>'casefold', value->>'collate' "
      "FROM json_each(?1)",
      -1, &pStmt, 0);
  *paCol = 0;
  *pn = 0;
  if( rc==SQLITE_OK ) rc = sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  while( rc==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    OrmRemoteCol *aNew = sqlite3_realloc64(a, sizeof(*a)*(n+1));
    if( aNew==0 ){ rc = SQLITE_NOMEM; break; }
    a = aNew;
    memset(&a[n], 0, sizeof(a[n]));
    a[n].zName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
    a[n].zRemoteType = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
    a[n].eType = sqlite3_column_int(pStmt, 2);
    a[n].iKey = sqlite3_column_int(pStmt, 3);
    a[n].bNotNull = sqlite3_column_int(pStmt, 4);
    a[n].bCaseFold = sqlite3_column_int(pStmt, 5);
    if( sqlite3_column_type(pStmt, 6)==SQLITE_TEXT ){
      a[n].zCollate = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 6));
      if( a[n].zCollate==0 ) rc = SQLITE_NOMEM;
    }
    n++;
    if( a[n-1].zName==0 || a[n-1].zRemoteType==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = sqlite3_errcode(db)==SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_OK;
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_OK && n==0 ) rc = SQLITE_CORRUPT;
  if( rc!=SQLITE_OK ){
    sqlormRemoteColsFree(a, n);
    return rc;
  }
  *paCol = a;
  *pn = n;
  return SQLITE_OK;
}

/* The SQLite type a remote column is declared with (its affinity decides comparisons). */
static const char *remoteDeclType(int eType){
  switch( eType ){
    case ORM_RTYPE_INTEGER: case ORM_RTYPE_BOOLEAN: return "INTEGER";
    case ORM_RTYPE_REAL: return "REAL";
    case ORM_RTYPE_NUMERIC: return "NUMERIC";
    case ORM_RTYPE_BLOB: return "BLOB";
    default: return "TEXT";
  }
}

/* Makes column zVersion (NULL: none) the table's version, checked as a local model's. */
static int remoteSetVersion(remote_vtab *p, const char *zVersion, int bStrict,
                            const char *zRemoteTable, char **pzErr){
  OrmRemoteTable *t = &p->tab;
  int i = -1;
  if( zVersion ){
    for(i=0; i<t->nCol && strcmp(t->aCol[i].zName, zVersion)!=0; i++){}
    if( i==t->nCol ){
      *pzErr = sqlite3_mprintf("option version names no column of %s: %s", zRemoteTable,
                               zVersion);
      return SQLITE_ERROR;
    }
    if( t->aCol[i].eType!=ORM_RTYPE_INTEGER && t->aCol[i].eType!=ORM_RTYPE_NUMERIC ){
      *pzErr = sqlite3_mprintf("version column %s must be an integer column (it is %s): "
          "remote tables version with the counter generator", zVersion, t->aCol[i].zRemoteType);
      return SQLITE_ERROR;
    }
    if( t->aCol[i].iKey ){
      *pzErr = sqlite3_mprintf("version column %s is part of the primary key", zVersion);
      return SQLITE_ERROR;
    }
    if( t->nKey==0 ){
      *pzErr = sqlite3_mprintf("a versioned table needs a primary key: %s has none",
                               zRemoteTable);
      return SQLITE_ERROR;
    }
  }
  t->iVersion = i;
  p->bStrict = zVersion ? bStrict : 0;
  /* A versioned row's rowid maps to the key and the version read. */
  p->bKeyRowid = t->nKey==1 && t->aCol[t->aKey[0]].eType==ORM_RTYPE_INTEGER && zVersion==0;
  return SQLITE_OK;
}

/* Fills in what follows from the columns: the key, rowid, the remote name; declares. */
static int remoteDeclare(remote_vtab *p, const char *zRemoteSchema, const char *zRemoteTable,
                         const char *zVersion, char **pzErr){
  OrmRemoteTable *t = &p->tab;
  const OrmBackend *pBe = t->pBe;
  sqlite3_str *pStr;
  char *zDecl;
  int i, rc;
  t->iVersion = -1;
  t->aKey = sqlite3_malloc64(sizeof(int)*(t->nCol+1));
  if( t->aKey==0 ) return SQLITE_NOMEM;
  t->nKey = 0;
  for(i=0; i<t->nCol; i++) if( t->aCol[i].iKey>t->nKey ) t->nKey = t->aCol[i].iKey;
  for(i=0; i<t->nCol; i++) if( t->aCol[i].iKey>0 ) t->aKey[t->aCol[i].iKey-1] = i;
  rc = remoteSetVersion(p, zVersion, p->bStrict, zRemoteTable, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  pStr = sqlite3_str_new(0);
  if( zRemoteSchema ){
    pBe->xQuoteId(pStr, zRemoteSchema);
    sqlite3_str_appendchar(pStr, 1, '.');
  }
  pBe->xQuoteId(pStr, zRemoteTable);
  t->zRemote = sqlite3_str_finish(pStr);
  if( t->zRemote==0 ) return SQLITE_NOMEM;
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendall(pStr, "CREATE TABLE x(");
  for(i=0; i<t->nCol; i++){
    sqlite3_str_appendf(pStr, "%s\"%w\" %s%s", i ? ", " : "", t->aCol[i].zName,
                        pBe->bNative ? t->aCol[i].zRemoteType : remoteDeclType(t->aCol[i].eType),
                        t->aCol[i].bNotNull ? " NOT NULL" : "");
    if( t->aCol[i].zCollate ) sqlite3_str_appendf(pStr, " COLLATE \"%w\"", t->aCol[i].zCollate);
  }
  if( t->nKey ){
    /* Declared for readers of the schema (pragma table_info, sqlorm's models); SQLite
    ** keeps rowid and xColumn apart for a virtual table whatever the key. */
    for(i=0; i<t->nKey; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\"", i ? ", " : ", PRIMARY KEY(", t->aCol[t->aKey[i]].zName);
    }
    sqlite3_str_appendall(pStr, ")");
  }
  sqlite3_str_appendall(pStr, ")");
  zDecl = sqlite3_str_finish(pStr);
  if( zDecl==0 ) return SQLITE_NOMEM;
  rc = sqlite3_declare_vtab(p->db, zDecl);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("cannot declare %s: %s (%s)", p->zName, sqlite3_errmsg(p->db),
                             zDecl);
  }
  sqlite3_free(zDecl);
  return rc;
}

static void remoteVtabFree(remote_vtab *p){
  remote_vtab **pp;
  if( p==0 ) return;
  for(pp=&p->pRdb->pVtab; *pp && *pp!=p; pp=&(*pp)->pNextVtab){}
  if( *pp ) *pp = p->pNextVtab;
  remoteRowsClear(p);
  sqlite3_finalize(p->pCell);
  remoteSessionRelease(p->pSession);
  sqlormPoolRelease(p->pPool);
  sqlormRemoteColsFree(p->tab.aCol, p->tab.nCol);
  sqlite3_free(p->tab.aKey);
  sqlite3_free(p->tab.zRemote);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zName);
  sqlite3_free(p->zUrlArg);
  sqlite3_free(p->zRemoteArg);
  sqlite3_free(p->base.zErrMsg);
  sqlite3_free(p);
}

/* The catalog of remote tables and the transaction log, in the table's schema. */
static int remoteEnsureCatalog(sqlite3 *db, const char *zSchema, char **pzErr){
  return sqlormExec(db, pzErr,
      "CREATE TABLE IF NOT EXISTS \"%w\".orm_remote_tables(name TEXT PRIMARY KEY NOT NULL, "
      "url TEXT NOT NULL, remote_table TEXT NOT NULL, dialect TEXT NOT NULL, "
      "columns TEXT NOT NULL, options TEXT NOT NULL DEFAULT '{}');"
      "CREATE TABLE IF NOT EXISTS \"%w\".orm_remote_xact(gid TEXT PRIMARY KEY NOT NULL, "
      "url TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (datetime('now')));"
      "INSERT OR IGNORE INTO \"%w\".orm_remote_xact(gid, url) "
      "VALUES('#file', lower(hex(randomblob(6))));", zSchema, zSchema, zSchema);
}

/* xCreate (bCreate) and xConnect: argv: module, schema, table, url, remote table[, opts]. */
static int remoteInit(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                      sqlite3_vtab **ppVtab, char **pzErr, int bCreate){
  RemoteDb *pRdb = (RemoteDb*)pAux;
  remote_vtab *p;
  char *zOpts = 0, *zVersion = 0, *zRSchema = 0, *zRTable = 0, *zErr = 0, *zCols = 0;
  OrmRemoteUrl *pUrl = 0;
  const char *zUrl = 0;
  int rc = SQLITE_OK;
  *ppVtab = 0;
  if( argc<5 || argc>6 ){
    *pzErr = sqlite3_mprintf("orm_remote(url, remote_table [, options]): %d arguments given",
                             argc-3);
    return SQLITE_ERROR;
  }
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pRdb = pRdb;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->zName = sqlite3_mprintf("%s", argv[2]);
  p->zUrlArg = remoteDequote(argv[3]);
  p->zRemoteArg = remoteDequote(argv[4]);
  if( argc>5 ) zOpts = remoteDequote(argv[5]);
  if( !p->zSchema || !p->zName || !p->zUrlArg || !p->zRemoteArg || (argc>5 && !zOpts) ){
    rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    rc = remoteOptions(db, zOpts, &p->opt, &p->bOptsGiven, &zVersion, &p->bStrict, 0, 0, 0,
                       &zErr);
  }
  if( rc==SQLITE_OK ) rc = remoteSplitName(p->zRemoteArg, &zRSchema, &zRTable);
  if( rc==SQLITE_OK && !bCreate ){
    /* The columns and dialect as they were read at CREATE: no server, no secret needed. */
    sqlite3_stmt *pStmt = 0;
    int bCat = 0;
    rc = sqlormTableExists(db, p->zSchema, "orm_remote_tables", &bCat);
    if( rc==SQLITE_OK && bCat ){
      char *zSql = sqlite3_mprintf("SELECT columns, dialect, options FROM "
                                   "\"%w\".orm_remote_tables WHERE name = ?1", p->zSchema);
      rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
      sqlite3_free(zSql);
      if( rc==SQLITE_OK ) sqlite3_bind_text(pStmt, 1, p->zName, -1, SQLITE_STATIC);
      if( rc==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
        const char *zDialect = (const char*)sqlite3_column_text(pStmt, 1);
        const char *zCatOpts = (const char*)sqlite3_column_text(pStmt, 2);
        /* The options as the catalog keeps them (orm_model may have versioned the table). */
        if( zCatOpts && (zOpts==0 || strcmp(zOpts, zCatOpts)!=0) ){
          sqlite3_free(zOpts);
          sqlite3_free(zVersion);
          zVersion = 0;
          zOpts = sqlite3_mprintf("%s", zCatOpts);
          rc = zOpts ? remoteOptions(db, zOpts, &p->opt, &p->bOptsGiven, &zVersion, &p->bStrict,
                                     0, 0, 0, &zErr) : SQLITE_NOMEM;
        }
        p->tab.pBe = rc==SQLITE_OK ? sqlormRemoteBackend(zDialect) : 0;
        if( rc!=SQLITE_OK ){
          /* options that no longer read */
        }else if( p->tab.pBe==0 ){
          zErr = sqlite3_mprintf("dialect %s is not built into this sqlorm (see orm_debug())",
                                 zDialect ? zDialect : "(none)");
          rc = SQLITE_ERROR;
        }else{
          rc = remoteColsFromJson(db, (const char*)sqlite3_column_text(pStmt, 0), &p->tab.aCol,
                                  &p->tab.nCol);
        }
        if( rc==SQLITE_CORRUPT ){
          zErr = sqlite3_mprintf("orm_remote_tables holds no columns for %s: drop the table "
                                 "and create it again", p->zName);
          rc = SQLITE_ERROR;
        }
      }
      sqlite3_finalize(pStmt);
    }
  }
  if( rc==SQLITE_OK && p->tab.aCol==0 ){
    if( strstr(p->zUrlArg, "://") ){
      rc = sqlormRemoteUrlParse(p->zUrlArg, &pUrl, &zErr);
      if( rc==SQLITE_OK && sqlormRemoteUrlHasPassword(pUrl) ){
        zErr = sqlite3_mprintf("the URL %s holds a password, which the schema would store in "
            "the database file: register it with orm_remote_secret(alias, url) and name the "
            "alias, or use .pgpass, a service file or an option file", pUrl->zRedacted);
        rc = SQLITE_ERROR;
      }
    }else{
      rc = remoteResolveUrl(pRdb, p->zUrlArg, &zUrl, &zErr);
      if( rc==SQLITE_OK ) rc = sqlormRemoteUrlParse(zUrl, &pUrl, &zErr);
    }
    if( rc==SQLITE_OK ) p->tab.pBe = sqlormRemoteBackend(pUrl->zDialect);
    if( rc==SQLITE_OK && p->tab.pBe==0 ){
      zErr = sqlite3_mprintf("dialect %s is not built into this sqlorm (see orm_debug())",
                             pUrl->zDialect);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && p->tab.aCol==0 ){
    /* Ask the server. */
    RemoteSession *s = 0;
    OrmRemoteConn *pConn = 0;
    rc = remoteSession(p, &s);
    if( rc==SQLITE_OK ) rc = remoteCheckout(p, s, p->pPool, &pConn);
    if( rc!=SQLITE_OK ){
      /* the message, without the table's name that orm_remote's prefix gives again */
      size_t n = strlen(p->zName);
      char *z = p->base.zErrMsg;
      if( z && strncmp(z, p->zName, n)==0 && z[n]==':' && z[n+1]==' ' ){
        zErr = sqlite3_mprintf("%s", z+n+2);
      }else{
        zErr = z ? sqlite3_mprintf("%s", z) : 0;
      }
    }else{
      rc = p->tab.pBe->xColumns(pConn, zRSchema, zRTable, &p->tab.aCol, &p->tab.nCol, &zErr);
      sqlormPoolCheckin(p->pPool, pConn, rc==SQLITE_IOERR);
    }
  }
  if( rc==SQLITE_OK ) rc = remoteDeclare(p, zRSchema, zRTable, zVersion, &zErr);
  if( rc==SQLITE_OK && bCreate ){
    rc = remoteEnsureCatalog(db, p->zSchema, &zErr);
    zCols = rc==SQLITE_OK ? remoteColsJson(&p->tab) : 0;
    if( rc==SQLITE_OK && zCols==0 ) rc = SQLITE_NOMEM;
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, &zErr, "INSERT OR REPLACE INTO \"%w\".orm_remote_tables(name, url, "
          "remote_table, dialect, columns, options) VALUES(%Q, %Q, %Q, %Q, %Q, %Q)", p->zSchema,
          p->zName, p->zUrlArg, p->zRemoteArg, p->tab.pBe->zName, zCols, zOpts ? zOpts : "{}");
    }
  }
  if( rc==SQLITE_OK ){
    sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
    p->pNextVtab = pRdb->pVtab;
    pRdb->pVtab = p;
    *ppVtab = &p->base;
  }else{
    if( zErr==0 && rc!=SQLITE_NOMEM ) zErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    if( zErr ){
      *pzErr = sqlite3_mprintf("orm_remote %s: %s", p->zName ? p->zName : "", zErr);
    }
    remoteVtabFree(p);
  }
  sqlite3_free(zErr);
  sqlite3_free(zOpts);
  sqlite3_free(zVersion);
  sqlite3_free(zRSchema);
  sqlite3_free(zRTable);
  sqlite3_free(zCols);
  sqlormRemoteUrlFree(pUrl);
  return rc;
}

static int remoteCreate(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr){
  return remoteInit(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

static int remoteConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                         sqlite3_vtab **ppVtab, char **pzErr){
  return remoteInit(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

static int remoteBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  remote_vtab *p = (remote_vtab*)pVtab;
  OrmPlan plan;
  int i, nArg = 0, bAllExact = 1, iLimit = -1, iOffset = -1, nKeyEq = 0, bTextAff;
  double rRows = 100000.0, rCost;
  memset(&plan, 0, sizeof(plan));
  plan.mCols = pInfo->colUsed;
  if( p->bKeyRowid ){
    /* rowid is the key: read it where the statement may use rowid (a constraint or an
    ** ORDER BY on it, or no column at all: SELECT rowid, count(*)); a scan that reads
    ** other columns only is not made to carry it. */
    int k = p->tab.aKey[0], bRowid = pInfo->colUsed==0;
    for(i=0; i<pInfo->nConstraint; i++) if( pInfo->aConstraint[i].iColumn<0 ) bRowid = 1;
    for(i=0; i<pInfo->nOrderBy; i++) if( pInfo->aOrderBy[i].iColumn<0 ) bRowid = 1;
    if( bRowid ) plan.mCols |= ((sqlite3_uint64)1) << (k<63 ? k : 63);
  }
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    int iCol = c->iColumn, op = c->op, e;
    if( op==SQLITE_INDEX_CONSTRAINT_LIMIT ){ if( c->usable ) iLimit = i; continue; }
    if( op==SQLITE_INDEX_CONSTRAINT_OFFSET ){ if( c->usable ) iOffset = i; continue; }
    if( !c->usable ){ bAllExact = 0; continue; }
    if( iCol<0 && p->bKeyRowid ) iCol = p->tab.aKey[0];
    if( op==SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(pInfo, i, -1) ) op = ORM_OP_IN;
    e = sqlormDeparsePushable(&p->tab, iCol, op);
    if( e!=ORM_PUSH_NO && iCol>=0 && op!=SQLITE_INDEX_CONSTRAINT_LIKE
     && op!=SQLITE_INDEX_CONSTRAINT_GLOB ){
      /* The statement's collation must be the one the server compares with (LIKE and GLOB
      ** have their own rules, and are checked here again). */
      const char *zColl = sqlite3_vtab_collation(pInfo, i);
      const char *zHas = p->tab.aCol[iCol].zCollate ? p->tab.aCol[iCol].zCollate : "BINARY";
      if( zColl && sqlite3_stricmp(zColl, zHas)!=0
       && (p->tab.pBe->bNative || sqlormDeparseIsText(&p->tab, iCol)) ){
        e = ORM_PUSH_NO;
      }
    }
    bTextAff = 0;
    if( e!=ORM_PUSH_NO && iCol>=0 && sqlormDeparseIsText(&p->tab, iCol)
     && op!=SQLITE_INDEX_CONSTRAINT_ISNULL && op!=SQLITE_INDEX_CONSTRAINT_ISNOTNULL
     && op!=SQLITE_INDEX_CONSTRAINT_LIKE && op!=SQLITE_INDEX_CONSTRAINT_GLOB ){
      /* A text column compared with a number: SQLite gives the column NUMERIC affinity when
      ** the other side has it ('05' = 5), TEXT affinity to the number when not (a literal:
      ** '05' <> '5'). Only a constant text value is sure; the rest is checked here again,
      ** and a number is not sent (see deparseTerm). */
      sqlite3_value *pRhs = 0;
      if( op==ORM_OP_IN || sqlite3_vtab_rhs_value(pInfo, i, &pRhs)!=SQLITE_OK
       || (sqlite3_value_type(pRhs)!=SQLITE_TEXT && sqlite3_value_type(pRhs)!=SQLITE_NULL
           && sqlite3_value_type(pRhs)!=SQLITE_BLOB) ){
        e = ORM_PUSH_LOOSE;
        bTextAff = 1;
      }
    }
    if( e==ORM_PUSH_NO || plan.nTerm>=(int)(sizeof(plan.aTerm)/sizeof(plan.aTerm[0])) ){
      bAllExact = 0;
      continue;
    }
    if( op==ORM_OP_IN ) sqlite3_vtab_in(pInfo, i, 1);
    pInfo->aConstraintUsage[i].argvIndex = ++nArg;
    pInfo->aConstraintUsage[i].omit = e==ORM_PUSH_EXACT;
    if( e!=ORM_PUSH_EXACT ) bAllExact = 0;
    plan.aTerm[plan.nTerm].iCol = iCol;
    plan.aTerm[plan.nTerm].op = op;
    plan.aTerm[plan.nTerm].bTextAff = bTextAff;
    if( op!=ORM_OP_IN && op!=SQLITE_INDEX_CONSTRAINT_ISNULL
     && op!=SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
      sqlite3_value *pRhs = 0;
      plan.aTerm[plan.nTerm].bJoin = sqlite3_vtab_rhs_value(pInfo, i, &pRhs)!=SQLITE_OK;
    }
    plan.nTerm++;
    if( iCol>=0 && p->tab.aCol[iCol].iKey && (op==SQLITE_INDEX_CONSTRAINT_EQ
        || op==SQLITE_INDEX_CONSTRAINT_IS) ){
      nKeyEq |= 1<<(p->tab.aCol[iCol].iKey-1 < 30 ? p->tab.aCol[iCol].iKey-1 : 30);
    }
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS: rRows /= 100; break;
      case ORM_OP_IN: rRows /= 50; break;
      case SQLITE_INDEX_CONSTRAINT_ISNULL: case SQLITE_INDEX_CONSTRAINT_LIKE:
      case SQLITE_INDEX_CONSTRAINT_GLOB: rRows /= 10; break;
      case SQLITE_INDEX_CONSTRAINT_NE: case SQLITE_INDEX_CONSTRAINT_ISNOT:
      case SQLITE_INDEX_CONSTRAINT_ISNOTNULL: rRows /= 1.1; break;
      default: rRows /= 4; break;
    }
  }
  if( pInfo->nOrderBy>0 && pInfo->nOrderBy<=(int)(sizeof(plan.aOrder)/sizeof(plan.aOrder[0])) ){
    int bOk = 1;
    for(i=0; i<pInfo->nOrderBy && bOk; i++){
      int iCol = pInfo->aOrderBy[i].iColumn;
      if( iCol<0 && p->bKeyRowid ) iCol = p->tab.aKey[0];
      bOk = sqlormDeparseOrderable(&p->tab, iCol);
      plan.aOrder[i] = pInfo->aOrderBy[i].desc ? -iCol-1 : iCol;
    }
    if( bOk ){
      plan.nOrder = pInfo->nOrderBy;
      pInfo->orderByConsumed = 1;
    }
  }
  if( iLimit>=0 && bAllExact && (pInfo->nOrderBy==0 || pInfo->orderByConsumed) ){
    /* Everything else is decided by the server: LIMIT and OFFSET can go too. */
    pInfo->aConstraintUsage[iLimit].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iLimit].omit = 1;
    plan.bLimit = 1;
    if( iOffset>=0 ){
      pInfo->aConstraintUsage[iOffset].argvIndex = ++nArg;
      pInfo->aConstraintUsage[iOffset].omit = 1;
      plan.bOffset = 1;
    }
  }
  if( p->tab.nKey>0 && nKeyEq==(1<<p->tab.nKey)-1 ){
    rRows = 1;
    pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  }
  if( rRows<1 ) rRows = 1;
  /* A round trip costs as much as reading a thousand rows. */
  rCost = 1000.0 + rRows;
  pInfo->estimatedRows = (sqlite3_int64)rRows;
  pInfo->estimatedCost = rCost;
  pInfo->idxNum = nKeyEq==(1<<p->tab.nKey)-1 && p->tab.nKey>0;
  pInfo->idxStr = sqlormPlanWrite(&plan, &p->tab);
  if( pInfo->idxStr==0 ) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  return SQLITE_OK;
}

static int remoteOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  remote_vtab *p = (remote_vtab*)pVtab;
  remote_cursor *pCur = sqlite3_malloc64(sizeof(*pCur));
  if( pCur==0 ) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->pBe = p->tab.pBe;
  pCur->aResCol = sqlite3_malloc64(sizeof(int)*(p->tab.nCol+1)*2);
  if( pCur->aResCol==0 ){ sqlite3_free(pCur); return SQLITE_NOMEM; }
  pCur->aColRes = pCur->aResCol + p->tab.nCol + 1;
  /* A statement outside a transaction: the rowids of an earlier one are done with. */
  if( p->nOpen==0 && !p->bBegun ) remoteRowsClear(p);
  p->nOpen++;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

static void remoteCursorReset(remote_cursor *pCur){
  if( pCur->pRes ){
    pCur->pBe->xFinish(pCur->pRes);
    pCur->pRes = 0;
  }
}

static int remoteClose(sqlite3_vtab_cursor *pCursor){
  remote_cursor *pCur = (remote_cursor*)pCursor;
  remote_vtab *p = (remote_vtab*)pCursor->pVtab;
  remoteCursorReset(pCur);
  sqlormJoinCacheFree(pCur->pCache);
  sqlite3_free(pCur->zCachePlan);
  if( pCur->pConn ) sqlormPoolCheckin(p->pPool, pCur->pConn, 0);
  p->nOpen--;
  sqlite3_free(pCur->aResCol);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int remoteNextRow(remote_cursor *pCur){
  remote_vtab *p = (remote_vtab*)pCur->base.pVtab;
  char *zErr = 0;
  int rc = pCur->pBe->xNext(pCur->pRes, &zErr);
  if( rc==SQLITE_ROW ) return SQLITE_OK;
  pCur->bEof = 1;
  if( rc==SQLITE_DONE ){
    remoteCursorReset(pCur);
    return SQLITE_OK;
  }
  remoteCursorReset(pCur);
  if( rc==SQLITE_IOERR && pCur->pConn ){
    sqlormPoolCheckin(p->pPool, pCur->pConn, 1);
    pCur->pConn = 0;
  }
  return remoteFail(p, rc, zErr);
}

static int remoteCellValue(remote_vtab *p, remote_cursor *pCur, int iCol, sqlite3_value **pp);

/* Whether a plan is a join lookup the cache can serve: equality with values from the
** other tables, nothing ordered or limited, a server that is not SQLite (whose collations
** the cache could not follow). */
static int remoteJoinable(remote_vtab *p, const OrmPlan *pPlan){
  int i, nJoin = 0;
  if( p->tab.pBe->bNative || pPlan->nOrder || pPlan->bLimit ) return 0;
  for(i=0; i<pPlan->nTerm; i++){
    /* an IN list may come from the outer row too (r.x IN (l.a, l.b)): not cached */
    if( pPlan->aTerm[i].op==ORM_OP_IN ) return 0;
    if( !pPlan->aTerm[i].bJoin ) continue;
    if( pPlan->aTerm[i].op!=SQLITE_INDEX_CONSTRAINT_EQ ) return 0;
    nJoin++;
  }
  return nJoin>0;
}

/* Reads the table (its constant constraints applied) into the cursor's join cache; leaves
** none when it has more than REMOTE_JOIN_MAX_ROWS rows. */
static int remoteCacheBuild(remote_vtab *p, remote_cursor *pCur, OrmRemoteConn *pConn,
                            const OrmPlan *pPlan, int argc, sqlite3_value **argv){
  OrmPlan sub;
  OrmParams par;
  sqlite3_value **apSub = sqlite3_malloc64(sizeof(sqlite3_value*)*(argc+1));
  sqlite3_value **apRow = 0;
  sqlite3_str *pSql = sqlite3_str_new(0);
  sqlite3_int64 nSkip = 0;
  int aKeyIdx[64], nKey = 0, nSub = 0, i, rc;
  char *zSql = 0, *zErr = 0;
  memset(&par, 0, sizeof(par));
  memset(&sub, 0, sizeof(sub));
  sub.mCols = pPlan->mCols;
  if( apSub==0 ){
    sqlite3_free(sqlite3_str_finish(pSql));
    return SQLITE_NOMEM;
  }
  for(i=0; i<pPlan->nTerm && i<argc; i++){
    const OrmPlanTerm *t = &pPlan->aTerm[i];
    if( t->bJoin ){
      sub.mCols |= ((sqlite3_uint64)1) << (t->iCol<63 ? t->iCol : 63);
    }else{
      sub.aTerm[sub.nTerm++] = *t;
      apSub[nSub++] = argv[i];
    }
  }
  if( p->bKeyRowid ){
    int k = p->tab.aKey[0];
    sub.mCols |= ((sqlite3_uint64)1) << (k<63 ? k : 63);
  }
  rc = sqlormDeparseSelect(p->db, &p->tab, &sub, 0, nSub, apSub, pSql, &par, pCur->aResCol,
                           &pCur->nRes, &nSkip);
  zSql = sqlite3_str_finish(pSql);
  if( rc==SQLITE_OK && zSql==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    for(i=0; i<p->tab.nCol; i++) pCur->aColRes[i] = -1;
    for(i=0; i<pCur->nRes; i++) pCur->aColRes[pCur->aResCol[i]] = i;
    for(i=0; i<pPlan->nTerm && nKey<64; i++){
      if( pPlan->aTerm[i].bJoin ) aKeyIdx[nKey++] = pCur->aColRes[pPlan->aTerm[i].iCol];
    }
    pCur->pCache = sqlormJoinCacheNew(pCur->nRes, aKeyIdx, nKey, REMOTE_JOIN_MAX_ROWS);
    apRow = sqlite3_malloc64(sizeof(sqlite3_value*)*(pCur->nRes+1));
    if( pCur->pCache==0 || apRow==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    remoteLog(p->pRdb, zSql, par.n);
    rc = pCur->pBe->xQuery(pConn, zSql, par.n, par.ap, 0, &pCur->pRes, &zErr);
    if( rc!=SQLITE_OK ) rc = remoteFail(p, rc, zErr);
  }
  while( rc==SQLITE_OK ){
    zErr = 0;
    rc = pCur->pBe->xNext(pCur->pRes, &zErr);
    if( rc==SQLITE_DONE ){ rc = SQLITE_OK; break; }
    if( rc!=SQLITE_ROW ){ rc = remoteFail(p, rc, zErr); break; }
    rc = SQLITE_OK;
    for(i=0; i<pCur->nRes; i++) apRow[i] = 0;
    for(i=0; rc==SQLITE_OK && i<pCur->nRes; i++){
      rc = remoteCellValue(p, pCur, pCur->aResCol[i], &apRow[i]);
    }
    if( rc!=SQLITE_OK ){
      for(i=0; i<pCur->nRes; i++) sqlite3_value_free(apRow[i]);
      break;
    }
    rc = sqlormJoinCacheAdd(pCur->pCache, apRow);
    if( rc==SQLITE_FULL ){
      /* Too big to hold: back to one lookup per row, for the rest of the statement. */
      sqlormJoinCacheFree(pCur->pCache);
      pCur->pCache = 0;
      pCur->bNoCache = 1;
      rc = SQLITE_OK;
      break;
    }
  }
  remoteCursorReset(pCur);
  if( rc==SQLITE_OK && pCur->pCache ) rc = sqlormJoinCacheSeal(pCur->pCache);
  if( rc!=SQLITE_OK ){
    sqlormJoinCacheFree(pCur->pCache);
    pCur->pCache = 0;
  }
  sqlite3_free(apRow);
  sqlite3_free(apSub);
  sqlite3_free(zSql);
  sqlormParamsClear(&par);
  return rc;
}

/* A lookup served by the join cache: the join's values with the columns' affinity. */
static int remoteCacheFilter(remote_cursor *pCur, const OrmPlan *pPlan, int argc,
                             sqlite3_value **argv){
  remote_vtab *p = (remote_vtab*)pCur->base.pVtab;
  sqlite3_value *apKey[64];
  unsigned char aOwn[64];
  int nKey = 0, i, rc = SQLITE_OK, bNone = 0;
  pCur->bCacheAll = 0;
  for(i=0; i<pPlan->nTerm && i<argc && nKey<64; i++){
    int op = pPlan->aTerm[i].op, bOwn = 0, e;
    sqlite3_value *pOut = 0;
    if( !pPlan->aTerm[i].bJoin ) continue;
    if( pPlan->aTerm[i].bTextAff && (sqlite3_value_type(argv[i])==SQLITE_INTEGER
                                     || sqlite3_value_type(argv[i])==SQLITE_FLOAT) ){
      /* a number against a text column: every row, and SQLite decides (see bTextAff) */
      pCur->bCacheAll = 1;
      continue;
    }
    e = sqlormDeparseFold(p->db, &p->tab, pPlan->aTerm[i].iCol, &op, argv[i], &pOut, &bOwn, &rc);
    if( rc!=SQLITE_OK || e!=ORM_FOLD_SEND || sqlite3_value_type(pOut)==SQLITE_NULL ){
      if( bOwn ) sqlite3_value_free(pOut);
      bNone = 1;
      break;
    }
    apKey[nKey] = pOut;
    aOwn[nKey++] = (unsigned char)bOwn;
  }
  if( bNone || rc!=SQLITE_OK ){
    pCur->iCacheRow = -1;
  }else if( pCur->bCacheAll ){
    pCur->iCacheRow = sqlormJoinCacheRows(pCur->pCache)>0 ? 0 : -1;
  }else{
    pCur->iCacheRow = sqlormJoinCacheFirst(pCur->pCache, apKey, &rc);
  }
  pCur->bEof = pCur->iCacheRow<0;
  for(i=0; i<nKey; i++) if( aOwn[i] ) sqlite3_value_free(apKey[i]);
  return rc;
}

static int remoteFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                        sqlite3_value **argv){
  remote_cursor *pCur = (remote_cursor*)pCursor;
  remote_vtab *p = (remote_vtab*)pCursor->pVtab;
  RemoteSession *s = 0;
  OrmRemoteConn *pConn;
  OrmPlan plan;
  OrmParams par;
  sqlite3_str *pSql;
  sqlite3_int64 nSkip = 0;
  char *zSql, *zErr = 0;
  int rc, i, bTxn;
  remoteCursorReset(pCur);
  pCur->bEof = 0;
  memset(&par, 0, sizeof(par));
  if( sqlormPlanRead(idxStr, &plan)!=SQLITE_OK ){
    remoteSetError(pCursor->pVtab, sqlite3_mprintf("%s: unreadable plan", p->zName));
    return SQLITE_ERROR;
  }
  if( pCur->pCache ){
    if( pCur->zCachePlan && strcmp(pCur->zCachePlan, idxStr)==0 ){
      return remoteCacheFilter(pCur, &plan, argc, argv);
    }
    sqlormJoinCacheFree(pCur->pCache);
    pCur->pCache = 0;
  }
  rc = remoteSession(p, &s);
  if( rc!=SQLITE_OK ) return rc;
  bTxn = s->pConn!=0 && s->nBegun>0;
  if( bTxn ){
    if( pCur->pConn ){
      sqlormPoolCheckin(p->pPool, pCur->pConn, 0);
      pCur->pConn = 0;
    }
    pConn = s->pConn;
  }else{
    if( pCur->pConn==0 ){
      rc = remoteCheckout(p, s, p->pPool, &pCur->pConn);
      if( rc!=SQLITE_OK ) return rc;
    }
    pConn = pCur->pConn;
  }
  if( !bTxn && !pCur->bNoCache && remoteJoinable(p, &plan)
   && ++pCur->nLookup==REMOTE_JOIN_AFTER ){
    rc = remoteCacheBuild(p, pCur, pConn, &plan, argc, argv);
    if( rc!=SQLITE_OK ) return rc;
    if( pCur->pCache ){
      sqlite3_free(pCur->zCachePlan);
      pCur->zCachePlan = sqlite3_mprintf("%s", idxStr);
      if( pCur->zCachePlan==0 ) return SQLITE_NOMEM;
      return remoteCacheFilter(pCur, &plan, argc, argv);
    }
  }
  pSql = sqlite3_str_new(0);
  /* In a write transaction every column is read: an UPDATE may write any back. */
  rc = sqlormDeparseSelect(p->db, &p->tab, &plan, bTxn || p->tab.iVersion>=0, argc, argv, pSql,
                           &par, pCur->aResCol, &pCur->nRes, &nSkip);
  zSql = sqlite3_str_finish(pSql);
  if( rc==SQLITE_OK && zSql==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    for(i=0; i<p->tab.nCol; i++) pCur->aColRes[i] = -1;
    for(i=0; i<pCur->nRes; i++) pCur->aColRes[pCur->aResCol[i]] = i;
    remoteLog(p->pRdb, zSql, par.n);
    rc = pCur->pBe->xQuery(pConn, zSql, par.n, par.ap, idxNum ? ORM_QUERY_ONE : 0,
                           &pCur->pRes, &zErr);
    if( rc!=SQLITE_OK ){
      if( rc==SQLITE_IOERR && pCur->pConn ){
        sqlormPoolCheckin(p->pPool, pCur->pConn, 1);
        pCur->pConn = 0;
      }
      rc = remoteFail(p, rc, zErr);
    }
  }
  sqlite3_free(zSql);
  sqlormParamsClear(&par);
  if( rc!=SQLITE_OK ){
    pCur->bEof = 1;
    return rc;
  }
  rc = remoteNextRow(pCur);
  while( rc==SQLITE_OK && !pCur->bEof && nSkip-- > 0 ) rc = remoteNextRow(pCur);
  return rc;
}

static int remoteNext(sqlite3_vtab_cursor *pCursor){
  remote_cursor *pCur = (remote_cursor*)pCursor;
  pCur->iRowid++;
  if( pCur->pCache ){
    if( pCur->bCacheAll ){
      pCur->iCacheRow++;
      if( pCur->iCacheRow>=sqlormJoinCacheRows(pCur->pCache) ) pCur->iCacheRow = -1;
    }else{
      pCur->iCacheRow = sqlormJoinCacheNext(pCur->pCache, pCur->iCacheRow);
    }
    pCur->bEof = pCur->iCacheRow<0;
    return SQLITE_OK;
  }
  return remoteNextRow(pCur);
}

static int remoteEof(sqlite3_vtab_cursor *pCursor){
  return ((remote_cursor*)pCursor)->bEof;
}

static int remoteColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i){
  remote_cursor *pCur = (remote_cursor*)pCursor;
  int j = pCur->aColRes[i];
  /* An UPDATE asks for the columns it does not set with nochange: left unset, they reach
  ** xUpdate as unchanged and are not sent (the key and version are read by xRowid). */
  if( sqlite3_vtab_nochange(ctx) ) return SQLITE_OK;
  if( j>=0 && pCur->pCache ){
    sqlite3_result_value(ctx, sqlormJoinCacheValue(pCur->pCache, pCur->iCacheRow, j));
  }else if( j>=0 && pCur->pRes ){
    pCur->pBe->xColumn(pCur->pRes, j, ctx);
  }
  return SQLITE_OK;
}

/* orm_remote_cell(cursor, i): result column i of a cursor's row, as a value (the only way
** to hold one: backends write results into a context). Bound with sqlite3_bind_pointer,
** so SQL cannot forge the cursor. */
static void remoteCellFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  remote_cursor *pCur = (remote_cursor*)sqlite3_value_pointer(argv[0], "orm_remote_cursor");
  int j = sqlite3_value_int(argv[1]);
  (void)argc;
  if( pCur && pCur->pRes && j>=0 && j<pCur->nRes ) pCur->pBe->xColumn(pCur->pRes, j, ctx);
}

/* A copy of table column iCol of the cursor's row. */
static int remoteCellValue(remote_vtab *p, remote_cursor *pCur, int iCol, sqlite3_value **pp){
  int rc = SQLITE_OK;
  *pp = 0;
  if( p->pCell==0 ){
    rc = sqlite3_prepare_v3(p->db, "SELECT orm_remote_cell(?1, ?2)", -1,
                            SQLITE_PREPARE_PERSISTENT, &p->pCell, 0);
    if( rc!=SQLITE_OK ) return rc;
  }
  sqlite3_bind_pointer(p->pCell, 1, pCur, "orm_remote_cursor", 0);
  sqlite3_bind_int(p->pCell, 2, pCur->aColRes[iCol]);
  if( sqlite3_step(p->pCell)==SQLITE_ROW ){
    *pp = sqlite3_value_dup(sqlite3_column_value(p->pCell, 0));
    if( *pp==0 ) rc = SQLITE_NOMEM;
  }else{
    rc = sqlite3_errcode(p->db);
    if( rc==SQLITE_OK ) rc = SQLITE_ERROR;
  }
  sqlite3_reset(p->pCell);
  return rc;
}

static int remoteRowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid){
  remote_cursor *pCur = (remote_cursor*)pCursor;
  remote_vtab *p = (remote_vtab*)pCursor->pVtab;
  RemoteRow *r;
  int k, rc = SQLITE_OK;
  if( pCur->pCache ){
    /* Read-only statements only (no cache in a write transaction). */
    int j = p->bKeyRowid ? pCur->aColRes[p->tab.aKey[0]] : -1;
    *pRowid = j>=0 ? sqlite3_value_int64(sqlormJoinCacheValue(pCur->pCache, pCur->iCacheRow, j))
                   : pCur->iRowid + 1;
    return SQLITE_OK;
  }
  if( p->bKeyRowid && pCur->aColRes[p->tab.aKey[0]]>=0 ){
    sqlite3_value *v = 0;
    rc = remoteCellValue(p, pCur, p->tab.aKey[0], &v);
    if( rc==SQLITE_OK ) *pRowid = sqlite3_value_int64(v);
    sqlite3_value_free(v);
    return rc;
  }
  if( p->tab.nKey==0 ){
    *pRowid = pCur->iRowid + 1;
    return SQLITE_OK;
  }
  /* A number that maps to the key (and version) read, for an UPDATE or DELETE of this
  ** statement (the map is emptied by the transaction's end, or by the next statement). */
  if( p->nRow==p->nRowAlloc ){
    int nNew = p->nRowAlloc ? p->nRowAlloc*2 : 64;
    RemoteRow *a = sqlite3_realloc64(p->aRow, sizeof(*a)*nNew);
    if( a==0 ) return SQLITE_NOMEM;
    p->aRow = a;
    p->nRowAlloc = nNew;
  }
  r = &p->aRow[p->nRow];
  memset(r, 0, sizeof(*r));
  r->apKey = sqlite3_malloc64(sizeof(sqlite3_value*)*p->tab.nKey);
  if( r->apKey==0 ) return SQLITE_NOMEM;
  memset(r->apKey, 0, sizeof(sqlite3_value*)*p->tab.nKey);
  p->nRow++;
  for(k=0; rc==SQLITE_OK && k<p->tab.nKey; k++){
    rc = remoteCellValue(p, pCur, p->tab.aKey[k], &r->apKey[k]);
  }
  if( rc==SQLITE_OK && p->tab.iVersion>=0 ){
    rc = remoteCellValue(p, pCur, p->tab.iVersion, &r->pVersion);
  }
  *pRowid = p->nRow;
  return rc;
}

/* The key of the row a rowid names: values for the WHERE of an UPDATE or DELETE. */
static int remoteRowKey(remote_vtab *p, sqlite3_value *pRowid, OrmParams *pPar,
                        RemoteRow **ppRow){
  sqlite3_int64 i = sqlite3_value_int64(pRowid);
  int k, rc = SQLITE_OK;
  *ppRow = 0;
  if( p->bKeyRowid ) return sqlormParamsAdd(pPar, pRowid, 0);
  if( i<1 || i>p->nRow ){
    remoteSetError(&p->base, sqlite3_mprintf("%s: the row to write was not read in this "
                                             "transaction", p->zName));
    return SQLITE_ERROR;
  }
  *ppRow = &p->aRow[i-1];
  for(k=0; rc==SQLITE_OK && k<p->tab.nKey; k++){
    rc = sqlormParamsAdd(pPar, (*ppRow)->apKey[k], 0);
  }
  return rc;
}

/* "key=value, ..." of a row's key, for messages. */
static char *remoteKeyText(remote_vtab *p, OrmParams *pPar, int iFirst){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int k;
  for(k=0; k<p->tab.nKey && iFirst+k<pPar->n; k++){
    sqlite3_str_appendf(pStr, "%s%s=%s", k ? " " : "", p->tab.aCol[p->tab.aKey[k]].zName,
                        (const char*)sqlite3_value_text(pPar->ap[iFirst+k]));
  }
  return sqlite3_str_finish(pStr);
}

/* The first write of a session in a transaction: its id, logged in this SQLite
** transaction (so a commit of SQLite's side is what tells recovery to commit the servers'). */
static int remoteLogTxn(remote_vtab *p, RemoteSession *s){
  char *zErr = 0;
  int rc, i;
  rc = s->bWrote ? SQLITE_OK : remoteEnsureCatalog(p->db, p->zSchema, &zErr);
  if( rc==SQLITE_OK ){
    rc = sqlormExec(p->db, &zErr, "INSERT OR IGNORE INTO \"%w\".orm_remote_xact(gid, url) "
                    "VALUES(%Q, %Q)", p->zSchema, s->zGid, s->pPool->zRedacted);
  }
  for(i=0; rc==SQLITE_OK && i<p->pRdb->done.n; i++){
    rc = sqlormExec(p->db, &zErr, "DELETE FROM \"%w\".orm_remote_xact WHERE gid = %Q",
                    p->zSchema, p->pRdb->done.az[i]);
  }
  /* Forgotten when this transaction commits (a rollback brings the rows back). */
  if( rc==SQLITE_OK ) s->nDoneLogged = p->pRdb->done.n;
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    remoteSetError(&p->base, sqlite3_mprintf("%s: cannot log the transaction in "
        "orm_remote_xact (two-phase commit needs it): %s", p->zName,
        zErr ? zErr : sqlite3_errstr(rc)));
  }
  sqlite3_free(zErr);
  if( rc==SQLITE_OK ) s->bWrote = 1;
  return rc;
}

/* A new transaction id: sqlorm_<file id>_<unix time, hex>_<random>. The file id tells this
** file's transactions from others' on a shared server; the time, an old one from one that
** may still be committing. */
static int remoteNewGid(remote_vtab *p, RemoteSession *s){
  unsigned char aRand[8];
  char *zId = 0;
  int rc, i;
  rc = remoteFileId(p, &zId);
  if( rc==SQLITE_NOTFOUND ){
    char *zErr = 0;
    rc = remoteEnsureCatalog(p->db, p->zSchema, &zErr);
    sqlite3_free(zErr);
    if( rc==SQLITE_OK ) rc = remoteFileId(p, &zId);
  }
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_randomness(sizeof(aRand), aRand);
  sqlite3_snprintf(sizeof(s->zGid), s->zGid, "sqlorm_%s_%llx_", zId, (unsigned long long)time(0));
  for(i=0; i<(int)sizeof(aRand); i++){
    int n = (int)strlen(s->zGid);
    sqlite3_snprintf((int)sizeof(s->zGid)-n, s->zGid+n, "%02x", aRand[i]);
  }
  sqlite3_free(zId);
  return SQLITE_OK;
}

/* A value written into a column: the backend may convert it (arrays from JSON). */
static void remoteWriteParam(const OrmBackend *pBe, sqlite3_str *pSql, int i,
                             const OrmRemoteCol *pCol){
  if( pBe->xWriteParam ){
    pBe->xWriteParam(pSql, i, pCol);
  }else{
    pBe->xParam(pSql, i);
  }
}

/* Runs one write on the session's connection; *pn: rows it touched. */
static int remoteWrite(remote_vtab *p, RemoteSession *s, const char *zSql, OrmParams *pPar,
                       sqlite3_int64 *pn){
  char *zErr = 0;
  int rc;
  remoteLog(p->pRdb, zSql, pPar->n);
  rc = p->tab.pBe->xExec(s->pConn, zSql, pPar->n, pPar->ap, pn, &zErr);
  if( rc!=SQLITE_OK ) rc = remoteFail(p, rc, zErr);
  return rc;
}

/* The stale error: the version stored now, read back for the message. */
static int remoteStale(remote_vtab *p, RemoteSession *s, OrmParams *pKey, int iKey,
                       sqlite3_value *pStated, int bDelete){
  sqlite3_str *pSql = sqlite3_str_new(0);
  OrmParams par;
  OrmRemoteRes *pRes = 0;
  char *zSql, *zKey, *zErr = 0, *zFound = 0;
  int k, iParam = 0, rc;
  memset(&par, 0, sizeof(par));
  for(k=0; k<p->tab.nKey; k++) sqlormParamsAdd(&par, pKey->ap[iKey+k], 0);
  sqlite3_str_appendall(pSql, "SELECT ");
  p->tab.pBe->xQuoteId(pSql, p->tab.aCol[p->tab.iVersion].zName);
  sqlite3_str_appendf(pSql, " FROM %s", p->tab.zRemote);
  sqlormDeparseKeyWhere(&p->tab, pSql, &iParam);
  zSql = sqlite3_str_finish(pSql);
  rc = zSql ? p->tab.pBe->xQuery(s->pConn, zSql, par.n, par.ap, ORM_QUERY_ONE, &pRes, &zErr)
            : SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    rc = p->tab.pBe->xNext(pRes, &zErr);
    if( rc==SQLITE_ROW ){
      sqlite3_stmt *pStmt = 0;
      /* the value through a scratch statement, as remoteCellValue does */
      remote_cursor cur;
      int aMap[1] = {0};
      memset(&cur, 0, sizeof(cur));
      cur.pRes = pRes;
      cur.pBe = p->tab.pBe;
      cur.nRes = 1;
      cur.aColRes = aMap;
      if( sqlite3_prepare_v2(p->db, "SELECT CAST(orm_remote_cell(?1, 0) AS TEXT)", -1, &pStmt,
                             0)==SQLITE_OK ){
        sqlite3_bind_pointer(pStmt, 1, &cur, "orm_remote_cursor", 0);
        if( sqlite3_step(pStmt)==SQLITE_ROW ){
          zFound = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
        }
      }
      sqlite3_finalize(pStmt);
    }
    p->tab.pBe->xFinish(pRes);
  }
  sqlite3_free(zErr);
  sqlite3_free(zSql);
  zKey = remoteKeyText(p, pKey, iKey);
  /* The writer stated the version it read plus one (a DELETE: the version read). */
  remoteSetError(&p->base, sqlite3_mprintf("stale data: %s %s: expected version %lld, "
      "found %s", p->zName, zKey ? zKey : "", sqlite3_value_int64(pStated) - (bDelete ? 0 : 1),
      zFound ? zFound : "no row (deleted by another writer)"));
  sqlite3_free(zKey);
  sqlite3_free(zFound);
  sqlormParamsClear(&par);
  return SQLITE_ERROR;
}

static int remoteBegin(sqlite3_vtab *pVtab);

static int remoteUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                        sqlite_int64 *pRowid){
  remote_vtab *p = (remote_vtab*)pVtab;
  const OrmBackend *pBe = p->tab.pBe;
  RemoteSession *s = 0;
  RemoteRow *pRow = 0;
  OrmParams par;
  sqlite3_str *pSql;
  sqlite3_int64 nChanged = 0;
  char *zSql;
  int rc, i, n = 0, iKey = 0, iVer = p->tab.iVersion, bVersionSet = 0;
  memset(&par, 0, sizeof(par));
  if( !p->bBegun ){
    /* A table made by CREATE VIRTUAL TABLE inside a transaction joins it without xBegin. */
    rc = remoteBegin(pVtab);
    if( rc!=SQLITE_OK ) return rc;
  }
  rc = remoteSession(p, &s);
  if( rc!=SQLITE_OK ) return rc;
  if( p->tab.nKey==0 && !(argc>1 && sqlite3_value_type(argv[0])==SQLITE_NULL) ){
    remoteSetError(pVtab, sqlite3_mprintf("%s: the remote table %s has no primary key: rows "
        "can be inserted, not updated or deleted", p->zName, p->zRemoteArg));
    return SQLITE_ERROR;
  }
  /* Logged at every write, not only the first: a ROLLBACK TO of SQLite's may have taken
  ** the row away with the writes before it (the INSERT is OR IGNORE). */
  rc = remoteLogTxn(p, s);
  if( rc!=SQLITE_OK ) return rc;
  pSql = sqlite3_str_new(0);
  if( argc==1 ){
    /* DELETE */
    int iParam = 0;
    sqlite3_str_appendf(pSql, "DELETE FROM %s", p->tab.zRemote);
    rc = remoteRowKey(p, argv[0], &par, &pRow);
    sqlormDeparseKeyWhere(&p->tab, pSql, &iParam);
    if( rc==SQLITE_OK && iVer>=0 && pRow && pRow->pVersion ){
      rc = sqlormParamsAdd(&par, pRow->pVersion, 0);
      sqlite3_str_appendall(pSql, " AND ");
      pBe->xQuoteId(pSql, p->tab.aCol[iVer].zName);
      sqlite3_str_appendall(pSql, " = ");
      pBe->xParam(pSql, par.n);
    }
  }else if( sqlite3_value_type(argv[0])==SQLITE_NULL ){
    /* INSERT: NULL columns are left to the server (its defaults, serial keys). */
    sqlite3_str *pVals = sqlite3_str_new(0);
    char *zVals;
    sqlite3_str_appendf(pSql, "INSERT INTO %s (", p->tab.zRemote);
    for(i=0; rc==SQLITE_OK && i<p->tab.nCol; i++){
      sqlite3_value *v = argv[2+i];
      if( sqlite3_value_type(v)==SQLITE_NULL ) continue;
      rc = sqlormParamsAdd(&par, v, 0);
      if( n ){ sqlite3_str_appendall(pSql, ", "); sqlite3_str_appendall(pVals, ", "); }
      pBe->xQuoteId(pSql, p->tab.aCol[i].zName);
      remoteWriteParam(pBe, pVals, par.n, &p->tab.aCol[i]);
      n++;
    }
    if( rc==SQLITE_OK && iVer>=0 && sqlite3_value_type(argv[2+iVer])==SQLITE_NULL ){
      /* A new row starts at version 1. */
      if( n ){ sqlite3_str_appendall(pSql, ", "); sqlite3_str_appendall(pVals, ", "); }
      pBe->xQuoteId(pSql, p->tab.aCol[iVer].zName);
      sqlite3_str_appendall(pVals, "1");
      n++;
    }
    zVals = sqlite3_str_finish(pVals);
    if( zVals==0 ) rc = SQLITE_NOMEM;
    if( n==0 ){
      sqlite3_str_reset(pSql);
      sqlite3_str_appendf(pSql, "INSERT INTO %s DEFAULT VALUES", p->tab.zRemote);
    }else{
      sqlite3_str_appendf(pSql, ") VALUES (%s)", zVals ? zVals : "");
    }
    sqlite3_free(zVals);
    if( p->bKeyRowid ){
      sqlite3_value *k = argv[2+p->tab.aKey[0]];
      if( sqlite3_value_type(k)==SQLITE_INTEGER ) *pRowid = sqlite3_value_int64(k);
    }
  }else{
    /* UPDATE: the columns the statement changed, by the key read. */
    int iParam;
    sqlite3_str_appendf(pSql, "UPDATE %s SET ", p->tab.zRemote);
    for(i=0; rc==SQLITE_OK && i<p->tab.nCol; i++){
      sqlite3_value *v = argv[2+i];
      if( sqlite3_value_nochange(v) ) continue;
      if( i==iVer ){
        if( sqlite3_value_type(v)==SQLITE_NULL ){
          remoteSetError(pVtab, sqlite3_mprintf("%s: the version column %s cannot be set to "
              "NULL", p->zName, p->tab.aCol[iVer].zName));
          rc = SQLITE_ERROR;
          break;
        }
        if( sqlite3_value_numeric_type(v)!=SQLITE_INTEGER ){
          remoteSetError(pVtab, sqlite3_mprintf("%s: the version column %s takes an integer, "
              "not %s", p->zName, p->tab.aCol[iVer].zName, sqlite3_value_text(v)));
          rc = SQLITE_ERROR;
          break;
        }
        bVersionSet = 1;
      }
      rc = sqlormParamsAdd(&par, v, 0);
      if( n++ ) sqlite3_str_appendall(pSql, ", ");
      pBe->xQuoteId(pSql, p->tab.aCol[i].zName);
      sqlite3_str_appendall(pSql, " = ");
      remoteWriteParam(pBe, pSql, par.n, &p->tab.aCol[i]);
    }
    if( rc==SQLITE_OK && iVer>=0 && !bVersionSet ){
      if( p->bStrict ){
        remoteSetError(pVtab, sqlite3_mprintf("%s: version_policy is strict: an UPDATE must "
            "set %s to the version it read plus one", p->zName, p->tab.aCol[iVer].zName));
        rc = SQLITE_ERROR;
      }else{
        if( n++ ) sqlite3_str_appendall(pSql, ", ");
        pBe->xQuoteId(pSql, p->tab.aCol[iVer].zName);
        sqlite3_str_appendall(pSql, " = ");
        pBe->xQuoteId(pSql, p->tab.aCol[iVer].zName);
        sqlite3_str_appendall(pSql, " + 1");
      }
    }
    if( rc==SQLITE_OK && n==0 ){
      /* Nothing changed: nothing to send. */
      sqlite3_free(sqlite3_str_finish(pSql));
      sqlormParamsClear(&par);
      return SQLITE_OK;
    }
    iKey = par.n;
    iParam = par.n;
    if( rc==SQLITE_OK ) rc = remoteRowKey(p, argv[0], &par, &pRow);
    sqlormDeparseKeyWhere(&p->tab, pSql, &iParam);
    if( rc==SQLITE_OK && bVersionSet ){
      /* The statement states the version it read plus one: the stored one must be the
      ** version read (SQLAlchemy's and Rails' WHERE version = :old, with the row count). */
      rc = sqlormParamsAdd(&par, argv[2+iVer], 0);
      sqlite3_str_appendall(pSql, " AND ");
      pBe->xQuoteId(pSql, p->tab.aCol[iVer].zName);
      sqlite3_str_appendall(pSql, " = ");
      pBe->xParam(pSql, par.n);
      sqlite3_str_appendall(pSql, " - 1");
    }
  }
  zSql = sqlite3_str_finish(pSql);
  if( rc==SQLITE_OK && zSql==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = remoteWrite(p, s, zSql, &par, &nChanged);
  if( rc==SQLITE_OK && nChanged!=1 && !(argc>1 && sqlite3_value_type(argv[0])==SQLITE_NULL) ){
    if( iVer>=0 && (bVersionSet || argc==1) ){
      rc = remoteStale(p, s, &par, iKey, argc==1 && pRow && pRow->pVersion ? pRow->pVersion
                       : argv[2+iVer], argc==1);
    }else{
      char *zKey = remoteKeyText(p, &par, iKey);
      remoteSetError(pVtab, sqlite3_mprintf("%s: %lld rows of %s matched the key %s on the "
          "server, not 1 (changed by another writer?): nothing written", p->zName,
          nChanged, p->zRemoteArg, zKey ? zKey : ""));
      sqlite3_free(zKey);
      rc = SQLITE_ERROR;
    }
  }
  sqlite3_free(zSql);
  sqlormParamsClear(&par);
  return rc;
}

static int remoteBegin(sqlite3_vtab *pVtab){
  remote_vtab *p = (remote_vtab*)pVtab;
  RemoteSession *s = 0;
  char *zErr = 0;
  int rc = remoteSession(p, &s);
  if( rc!=SQLITE_OK || p->bBegun ) return rc;
  if( s->nBegun==0 ){
    if( s->pConn==0 ){
      rc = remoteCheckout(p, s, s->pPool, &s->pConn);
      if( rc!=SQLITE_OK ) return rc;
    }
    s->bWrote = s->bPrepared = 0;
    s->nSavepoint = 0;
    rc = remoteNewGid(p, s);
    if( rc==SQLITE_OK ){
      const OrmBackend *pBe = s->pPool->pBe;
      remoteLog(p->pRdb, "BEGIN", 0);
      rc = pBe->xBegin ? pBe->xBegin(s->pConn, s->zGid, &zErr)
                       : pBe->xExec(s->pConn, "BEGIN", 0, 0, 0, &zErr);
    }
    if( rc!=SQLITE_OK ){
      sqlormPoolCheckin(s->pPool, s->pConn, 1);
      s->pConn = 0;
      return remoteFail(p, rc, zErr);
    }
    s->pConn->bInTxn = 1;
  }
  s->nBegun++;
  p->bBegun = 1;
  return SQLITE_OK;
}

static int remoteSync(sqlite3_vtab *pVtab){
  remote_vtab *p = (remote_vtab*)pVtab;
  RemoteSession *s = p->pSession;
  char *zErr = 0;
  int rc;
  if( s==0 || !p->bBegun || !s->bWrote || s->bPrepared ) return SQLITE_OK;
  remoteLog(p->pRdb, "PREPARE", 0);
  rc = s->pPool->pBe->xPrepare(s->pConn, s->zGid, &zErr);
  if( rc!=SQLITE_OK ) return remoteFail(p, rc, zErr);
  s->bPrepared = 1;
  return SQLITE_OK;
}

/* Drops the first n resolved ids: their log rows were deleted by a committed transaction. */
static void remoteDoneForget(RemoteDb *pRdb, int n){
  int i;
  if( n>pRdb->done.n ) n = pRdb->done.n;
  if( n<=0 ) return;
  for(i=0; i<n; i++) sqlite3_free(pRdb->done.az[i]);
  memmove(pRdb->done.az, pRdb->done.az+n, sizeof(char*)*(pRdb->done.n-n));
  pRdb->done.n -= n;
}

/* The end of a table's part of the transaction; the last table ends the server's. */
static int remoteEnd(remote_vtab *p, int bCommit){
  RemoteSession *s = p->pSession;
  const OrmBackend *pBe;
  char *zErr = 0;
  int rc = SQLITE_OK;
  if( s==0 || !p->bBegun ) return SQLITE_OK;
  p->bBegun = 0;
  remoteRowsClear(p);
  if( --s->nBegun>0 || s->pConn==0 ) return SQLITE_OK;
  pBe = s->pPool->pBe;
  if( s->bPrepared ){
    remoteLog(p->pRdb, bCommit ? "COMMIT PREPARED" : "ROLLBACK PREPARED", 0);
    rc = bCommit ? pBe->xCommitPrepared(s->pConn, s->zGid, &zErr)
                 : pBe->xRollbackPrepared(s->pConn, s->zGid, &zErr);
    if( rc==SQLITE_OK ) s->pConn->bInTxn = 0;
    if( bCommit ) remoteDoneForget(p->pRdb, s->nDoneLogged);
    if( rc==SQLITE_OK && bCommit ) rc = sqlormNamesAdd(&p->pRdb->done, s->zGid);
  }else{
    remoteLog(p->pRdb, bCommit ? "COMMIT" : "ROLLBACK", 0);
    rc = pBe->xExec(s->pConn, bCommit ? "COMMIT" : "ROLLBACK", 0, 0, 0, &zErr);
    if( rc==SQLITE_OK ) s->pConn->bInTxn = 0;
  }
  /* A connection whose transaction did not end cleanly is not pooled again; a prepared
  ** transaction left on the server is resolved from the log by the next session. */
  sqlormPoolCheckin(s->pPool, s->pConn, rc!=SQLITE_OK);
  s->pConn = 0;
  s->bWrote = s->bPrepared = 0;
  s->nDoneLogged = 0;
  if( rc!=SQLITE_OK ) rc = remoteFail(p, rc, zErr);
  return rc;
}

static int remoteCommit(sqlite3_vtab *pVtab){
  return remoteEnd((remote_vtab*)pVtab, 1);
}

static int remoteRollback(sqlite3_vtab *pVtab){
  return remoteEnd((remote_vtab*)pVtab, 0);
}

/* Savepoints: SQLite's level i is the server's sqlorm_sp<i>. Every table of a session is
** told; the session's depth makes the calls idempotent. */
static int remoteSavepointOp(sqlite3_vtab *pVtab, int iSavepoint, int eOp){
  remote_vtab *p = (remote_vtab*)pVtab;
  RemoteSession *s = p->pSession;
  char *zErr = 0, *zSql;
  int rc = SQLITE_OK;
  if( s==0 || s->pConn==0 || s->nBegun==0 ) return SQLITE_OK;
  if( eOp==0 ){
    while( rc==SQLITE_OK && s->nSavepoint<=iSavepoint ){
      zSql = sqlite3_mprintf("SAVEPOINT sqlorm_sp%d", s->nSavepoint);
      if( zSql==0 ) return SQLITE_NOMEM;
      remoteLog(p->pRdb, zSql, 0);
      rc = s->pPool->pBe->xExec(s->pConn, zSql, 0, 0, 0, &zErr);
      sqlite3_free(zSql);
      if( rc==SQLITE_OK ) s->nSavepoint++;
    }
  }else if( iSavepoint<s->nSavepoint ){
    zSql = sqlite3_mprintf("%s sqlorm_sp%d", eOp==1 ? "RELEASE" : "ROLLBACK TO", iSavepoint);
    if( zSql==0 ) return SQLITE_NOMEM;
    remoteLog(p->pRdb, zSql, 0);
    rc = s->pPool->pBe->xExec(s->pConn, zSql, 0, 0, 0, &zErr);
    sqlite3_free(zSql);
    if( rc==SQLITE_OK ) s->nSavepoint = eOp==1 ? iSavepoint : iSavepoint+1;
  }
  if( rc!=SQLITE_OK ) rc = remoteFail(p, rc, zErr);
  return rc;
}

static int remoteSavepoint(sqlite3_vtab *pVtab, int i){ return remoteSavepointOp(pVtab, i, 0); }
static int remoteRelease(sqlite3_vtab *pVtab, int i){ return remoteSavepointOp(pVtab, i, 1); }
static int remoteRollbackTo(sqlite3_vtab *pVtab, int i){ return remoteSavepointOp(pVtab, i, 2); }

static int remoteDisconnect(sqlite3_vtab *pVtab){
  remoteVtabFree((remote_vtab*)pVtab);
  return SQLITE_OK;
}

static int remoteDestroy(sqlite3_vtab *pVtab){
  remote_vtab *p = (remote_vtab*)pVtab;
  int bCat = 0;
  int rc = sqlormTableExists(p->db, p->zSchema, "orm_remote_tables", &bCat);
  if( rc==SQLITE_OK && bCat ){
    rc = sqlormExec(p->db, 0, "DELETE FROM \"%w\".orm_remote_tables WHERE name = %Q",
                    p->zSchema, p->zName);
  }
  if( rc==SQLITE_OK ) remoteVtabFree(p);
  return rc;
}

static int remoteRename(sqlite3_vtab *pVtab, const char *zNew){
  remote_vtab *p = (remote_vtab*)pVtab;
  int rc = sqlormExec(p->db, 0, "UPDATE \"%w\".orm_remote_tables SET name = %Q WHERE name = %Q",
                      p->zSchema, zNew, p->zName);
  if( rc==SQLITE_OK ){
    char *z = sqlite3_mprintf("%s", zNew);
    if( z==0 ) return SQLITE_NOMEM;
    sqlite3_free(p->zName);
    p->zName = z;
  }
  return rc;
}

static sqlite3_module remoteModule = {
  /* iVersion    */ 2,
  /* xCreate     */ remoteCreate,
  /* xConnect    */ remoteConnect,
  /* xBestIndex  */ remoteBestIndex,
  /* xDisconnect */ remoteDisconnect,
  /* xDestroy    */ remoteDestroy,
  /* xOpen       */ remoteOpen,
  /* xClose      */ remoteClose,
  /* xFilter     */ remoteFilter,
  /* xNext       */ remoteNext,
  /* xEof        */ remoteEof,
  /* xColumn     */ remoteColumn,
  /* xRowid      */ remoteRowid,
  /* xUpdate     */ remoteUpdate,
  /* xBegin      */ remoteBegin,
  /* xSync       */ remoteSync,
  /* xCommit     */ remoteCommit,
  /* xRollback   */ remoteRollback,
  /* xFindMethod */ 0,
  /* xRename     */ remoteRename,
  /* xSavepoint  */ remoteSavepoint,
  /* xRelease    */ remoteRelease,
  /* xRollbackTo */ remoteRollbackTo,
  /* xShadowName */ 0,
#if SQLITE_VERSION_NUMBER>=3044000
  /* xIntegrity  */ 0,
#endif
};

/* ---------------------------------------------------------------- functions */

/* orm_remote_secret(alias, url): the URL (password included) for tables that name the
** alias, held by this connection only; url NULL forgets it. Returns the alias. */
static void ormRemoteSecretFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  RemoteDb *pRdb = (RemoteDb*)sqlite3_user_data(ctx);
  const char *zAlias, *zUrl = 0;
  RemoteSecret **pp, *s;
  OrmRemoteUrl *pUrl = 0;
  char *zErr = 0;
  int rc, i;
  (void)argc;
  if( sqlormArgText(ctx, argv, 0, "orm_remote_secret", "alias", &zAlias) ) return;
  for(i=0; zAlias[i]; i++){
    char c = zAlias[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='_'
          || c=='-' || c=='.') ){
      sqlite3_result_error(ctx, "orm_remote_secret: an alias is letters, digits, _ - and . "
                           "(it must not look like a URL)", -1);
      return;
    }
  }
  if( sqlite3_value_type(argv[1])!=SQLITE_NULL ){
    if( sqlormArgText(ctx, argv, 1, "orm_remote_secret", "url", &zUrl) ) return;
    rc = sqlormRemoteUrlParse(zUrl, &pUrl, &zErr);
    if( rc!=SQLITE_OK ){
      sqlormResultError(ctx, "orm_remote_secret", rc, zErr);
      return;
    }
    sqlormRemoteUrlFree(pUrl);
  }
  for(pp=&pRdb->pSecret; *pp && strcmp((*pp)->zAlias, zAlias)!=0; pp=&(*pp)->pNext){}
  if( *pp ){
    s = *pp;
    *pp = s->pNext;
    memset(s->zUrl, 0, strlen(s->zUrl));
    sqlite3_free(s->zUrl);
    sqlite3_free(s->zAlias);
    sqlite3_free(s);
  }
  if( zUrl ){
    s = sqlite3_malloc64(sizeof(*s));
    if( s==0 ){ sqlite3_result_error_nomem(ctx); return; }
    s->zAlias = sqlite3_mprintf("%s", zAlias);
    s->zUrl = sqlite3_mprintf("%s", zUrl);
    if( s->zAlias==0 || s->zUrl==0 ){
      sqlite3_free(s->zAlias);
      sqlite3_free(s->zUrl);
      sqlite3_free(s);
      sqlite3_result_error_nomem(ctx);
      return;
    }
    s->pNext = pRdb->pSecret;
    pRdb->pSecret = s;
  }
  sqlite3_result_text(ctx, zAlias, -1, SQLITE_TRANSIENT);
}

/* The open remote table zName of this connection, connected first when it is not yet
** (reading its schema through SQL does); *pp is 0 when it is no remote table. */
static int remoteFindVtab(RemoteDb *pRdb, sqlite3 *db, const char *zName, remote_vtab **pp){
  remote_vtab *p;
  int rc = SQLITE_OK;
  for(p=pRdb->pVtab; p && sqlite3_stricmp(p->zName, zName)!=0; p=p->pNextVtab){}
  if( p==0 ){
    char *zSql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q)", zName);
    OrmNames n = {0, 0};
    rc = zSql ? sqlormQueryNames(db, zSql, 0, &n, 0) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    sqlormNamesClear(&n);
    for(p=pRdb->pVtab; p && sqlite3_stricmp(p->zName, zName)!=0; p=p->pNextVtab){}
  }
  *pp = p;
  return rc;
}

/* orm_remote_version(table, column, policy): versions remote table `table` by `column`
** (NULL: not versioned), for orm_model's "version" option; policy 'strict' or 'advance'.
** The catalog keeps it (orm_remote_tables.options), the open table takes it now. */
static void ormRemoteVersionFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_remote_version";
  RemoteDb *pRdb = (RemoteDb*)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTable, *zCol = (const char*)sqlite3_value_text(argv[1]);
  const char *zPolicy = (const char*)sqlite3_value_text(argv[2]);
  remote_vtab *p;
  char *zErr = 0;
  int rc;
  (void)argc;
  if( sqlormArgText(ctx, argv, 0, zFunc, "table", &zTable) ) return;
  remoteFindVtab(pRdb, db, zTable, &p);
  if( p==0 ){
    zErr = sqlite3_mprintf("%s is not an orm_remote table of this connection", zTable);
    sqlormResultError(ctx, zFunc, SQLITE_ERROR, zErr);
    return;
  }
  rc = remoteSetVersion(p, zCol, zPolicy && strcmp(zPolicy, "strict")==0, p->zRemoteArg, &zErr);
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, &zErr, "UPDATE \"%w\".orm_remote_tables SET options = CASE WHEN %Q "
        "IS NULL THEN json_remove(options, '$.version', '$.version_policy') ELSE "
        "json_set(options, '$.version', %Q, '$.version_policy', %Q) END WHERE name = %Q",
        p->zSchema, zCol, zCol, zPolicy ? zPolicy : "advance", p->zName);
  }
  if( rc!=SQLITE_OK ){
    sqlormResultError(ctx, zFunc, rc, zErr);
    return;
  }
  sqlite3_result_text(ctx, p->zName, -1, SQLITE_TRANSIENT);
}

/* orm_remote_recover([min_age]): resolves now the in-doubt transactions of this file on
** the servers of its remote tables (those that name a secret need it registered): commits
** what orm_remote_xact names, rolls back what it does not and is older than min_age seconds
** (default 300; 0 when no other process can be committing). Returns how many. */
static void ormRemoteRecoverFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  RemoteDb *pRdb = (RemoteDb*)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  OrmNames names = {0, 0};
  int nMinAge = argc>0 ? sqlite3_value_int(argv[0]) : REMOTE_INDOUBT_AGE;
  int rc, i, nDone = 0, bCat = 0;
  char *zErr = 0;
  rc = sqlormTableExists(db, "main", "orm_remote_tables", &bCat);
  if( rc==SQLITE_OK && bCat ){
    rc = sqlormQueryNames(db, "SELECT name FROM main.orm_remote_tables ORDER BY name", 0,
                          &names, 0);
  }
  for(i=0; rc==SQLITE_OK && i<names.n; i++){
    remote_vtab *p;
    RemoteSession *s = 0;
    OrmRemoteConn *pConn = 0;
    rc = remoteFindVtab(pRdb, db, names.az[i], &p);
    if( rc!=SQLITE_OK || p==0 ) continue;
    rc = remoteSession(p, &s);
    if( rc==SQLITE_OK && s->bRecovered==2 ) continue;   /* this server is done */
    if( rc==SQLITE_OK ) rc = sqlormPoolCheckout(s->pPool, &pConn, &zErr);
    if( rc==SQLITE_OK ){
      rc = remoteRecover(p, s, pConn, nMinAge, &nDone);
      sqlormPoolCheckin(s->pPool, pConn, rc!=SQLITE_OK);
      s->bRecovered = 2;
    }
    if( rc!=SQLITE_OK && zErr==0 && p->base.zErrMsg ){
      zErr = sqlite3_mprintf("%s", p->base.zErrMsg);
    }
  }
  {
    remote_vtab *p;
    for(p=pRdb->pVtab; p; p=p->pNextVtab){
      if( p->pSession && p->pSession->bRecovered==2 ) p->pSession->bRecovered = 1;
    }
  }
  sqlormNamesClear(&names);
  if( rc==SQLITE_OK ){
    /* The log rows of what was resolved go now (this runs outside remote writes). */
    for(i=0; rc==SQLITE_OK && i<pRdb->done.n; i++){
      rc = sqlormExec(db, &zErr, "DELETE FROM main.orm_remote_xact WHERE gid = %Q",
                      pRdb->done.az[i]);
    }
    if( rc==SQLITE_OK ) sqlormNamesClear(&pRdb->done);
  }
  if( rc!=SQLITE_OK ){
    sqlormResultError(ctx, "orm_remote_recover", rc, zErr);
    return;
  }
  sqlite3_result_int(ctx, nDone);
}

/* orm_remote_sql(): a JSON array of the statements sent to servers by this connection
** since the last call (at most 200 are kept). */
static void ormRemoteSqlFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  RemoteDb *pRdb = (RemoteDb*)sqlite3_user_data(ctx);
  char *z;
  (void)argc; (void)argv;
  if( pRdb->pLog==0 ){
    sqlite3_result_text(ctx, "[]", -1, SQLITE_STATIC);
    return;
  }
  sqlite3_str_appendchar(pRdb->pLog, 1, ']');
  z = sqlite3_str_finish(pRdb->pLog);
  pRdb->pLog = 0;
  pRdb->nLog = 0;
  if( z==0 ){
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text(ctx, z, -1, sqlite3_free);
  sqlite3_result_subtype(ctx, 'J');
}

/* orm_remote_import(url, remote_schema [, options]): a table per remote table (options
** limit_to / except: arrays of names; prefix: put before each local name; the rest are
** the tables' options). Returns the number of tables made. */
static void ormRemoteImportFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_remote_import";
  static const char *const azExtra[] = { "limit_to", "except", "prefix", 0 };
  RemoteDb *pRdb = (RemoteDb*)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zArg, *zRSchema = 0, *zOpts = 0, *zUrl = 0, *zPrefix = "";
  OrmNames extraK = {0, 0}, extraV = {0, 0}, limitTo = {0, 0}, except = {0, 0};
  OrmNames tables = {0, 0};
  OrmPoolOptions opt;
  OrmRemoteUrl *pUrl = 0;
  OrmPool *pPool = 0;
  OrmRemoteConn *pConn = 0;
  sqlite3_str *pTabOpts = sqlite3_str_new(0);
  char *zErr = 0, *zTabOpts = 0;
  int rc, i, bGiven = 0, nMade = 0;
  if( sqlormArgText(ctx, argv, 0, zFunc, "url", &zArg)
   || (sqlite3_value_type(argv[1])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 1, zFunc, "remote_schema", &zRSchema))
   || (argc>2 && sqlite3_value_type(argv[2])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 2, zFunc, "options", &zOpts)) ){
    sqlite3_free(sqlite3_str_finish(pTabOpts));
    return;
  }
  rc = remoteOptions(db, zOpts, &opt, &bGiven, 0, 0, &extraK, &extraV, azExtra, &zErr);
  for(i=0; rc==SQLITE_OK && i<extraK.n; i++){
    if( strcmp(extraK.az[i], "prefix")==0 ){
      zPrefix = extraV.az[i];
    }else if( extraV.az[i][0]!='[' ){
      zErr = sqlite3_mprintf("option %s must be a JSON array of table names, not %s",
                             extraK.az[i], extraV.az[i]);
      rc = SQLITE_ERROR;
    }else{
      OrmNames *pList = extraK.az[i][0]=='l' ? &limitTo : &except;
      rc = sqlormNamesFromJson(db, extraV.az[i], pList, &zErr);
    }
  }
  if( rc==SQLITE_OK && zOpts ){
    /* The tables get the pool options (and nothing of the import's own). */
    sqlite3_str_appendf(pTabOpts, "{\"pool_size\":%d,\"max_overflow\":%d,\"pool_timeout\":%d,"
        "\"pool_recycle\":%d,\"pool_pre_ping\":%s}", opt.nSize, opt.nOverflow, opt.iTimeout,
        opt.iRecycle, opt.bPrePing ? "true" : "false");
  }
  zTabOpts = sqlite3_str_finish(pTabOpts);
  if( rc==SQLITE_OK ) rc = remoteResolveUrl(pRdb, zArg, &zUrl, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormRemoteUrlParse(zUrl, &pUrl, &zErr);
  if( rc==SQLITE_OK && strstr(zArg, "://") && sqlormRemoteUrlHasPassword(pUrl) ){
    zErr = sqlite3_mprintf("the URL %s holds a password, which the tables' schema would store "
        "in the database file: register it with orm_remote_secret(alias, url) and import "
        "with the alias", pUrl->zRedacted);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ) rc = sqlormPoolAcquire(zUrl, pUrl, &opt, bGiven, &pPool, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormPoolCheckout(pPool, &pConn, &zErr);
  if( rc==SQLITE_OK ) rc = pPool->pBe->xTables(pConn, zRSchema, &tables, &zErr);
  if( pConn ) sqlormPoolCheckin(pPool, pConn, rc==SQLITE_IOERR);
  for(i=0; rc==SQLITE_OK && i<limitTo.n; i++){
    if( sqlormNamesFind(&tables, limitTo.az[i])<0 ){
      zErr = sqlite3_mprintf("limit_to names %s, which is not a table of %s on %s",
                             limitTo.az[i], zRSchema ? zRSchema : "the default schema",
                             pUrl->zRedacted);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK ) rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK ){
    for(i=0; rc==SQLITE_OK && i<tables.n; i++){
      const char *zT = tables.az[i];
      char *zRemote;
      if( limitTo.n && sqlormNamesFind(&limitTo, zT)<0 ) continue;
      if( sqlormNamesFind(&except, zT)>=0 ) continue;
      zRemote = zRSchema ? sqlite3_mprintf("\"%w\".\"%w\"", zRSchema, zT)
                         : sqlite3_mprintf("\"%w\"", zT);
      if( zRemote==0 ){ rc = SQLITE_NOMEM; break; }
      rc = sqlormExec(db, &zErr, "CREATE VIRTUAL TABLE \"%w%w\" USING orm_remote(%Q, %Q%s%Q)",
                      zPrefix, zT, zArg, zRemote, zTabOpts ? ", " : "", zTabOpts ? zTabOpts : "");
      sqlite3_free(zRemote);
      if( rc==SQLITE_OK ) nMade++;
    }
    rc = sqlormSavepointEnd(db, rc, &zErr);
  }
  if( rc==SQLITE_OK ){
    sqlite3_result_int(ctx, nMade);
  }else{
    sqlormResultError(ctx, zFunc, rc, zErr);
    zErr = 0;
  }
  sqlite3_free(zErr);
  sqlite3_free(zTabOpts);
  sqlormPoolRelease(pPool);
  sqlormRemoteUrlFree(pUrl);
  sqlormNamesClear(&extraK);
  sqlormNamesClear(&extraV);
  sqlormNamesClear(&limitTo);
  sqlormNamesClear(&except);
  sqlormNamesClear(&tables);
}

int sqlormRemoteRegister(sqlite3 *db){
  /* Every function of the layer is direct-only; orm_remote_cell ignores its user data. */
  static const struct {
    const char *zName;
    int nArg;
    void (*xFunc)(sqlite3_context*, int, sqlite3_value**);
  } aFunc[] = {
    { "orm_remote_secret",  2, ormRemoteSecretFunc },
    { "orm_remote_sql",     0, ormRemoteSqlFunc },
    { "orm_remote_import",  2, ormRemoteImportFunc },
    { "orm_remote_import",  3, ormRemoteImportFunc },
    { "orm_remote_cell",    2, remoteCellFunc },
    { "orm_remote_version", 3, ormRemoteVersionFunc },
    { "orm_remote_recover", 0, ormRemoteRecoverFunc },
    { "orm_remote_recover", 1, ormRemoteRecoverFunc },
  };
  RemoteDb *pRdb = sqlite3_malloc64(sizeof(*pRdb));
  int rc, i;
  if( pRdb==0 ) return SQLITE_NOMEM;
  memset(pRdb, 0, sizeof(*pRdb));
  pRdb->db = db;
  rc = sqlite3_create_module_v2(db, "orm_remote", &remoteModule, pRdb, remoteDbFree);
  if( rc==SQLITE_BUSY ) return SQLITE_OK;   /* loaded again while tables use it: kept */
  if( rc!=SQLITE_OK ) return rc;
  for(i=0; rc==SQLITE_OK && i<(int)(sizeof(aFunc)/sizeof(aFunc[0])); i++){
    rc = sqlormCreateFunctionData(db, aFunc[i].zName, aFunc[i].nArg,
                                  SQLITE_UTF8|SQLITE_DIRECTONLY, pRdb, aFunc[i].xFunc);
  }
  if( rc==SQLITE_OK ) rc = sqlormPoolRegister(db);
  return rc;
}
