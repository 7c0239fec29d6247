/*
** remote_pool.c: connection pools of the federated layer, one per URL, shared by every
** table and every SQLite connection of the process that uses that URL (SQLAlchemy's
** QueuePool), and their status table.
**
** Usage:
**   CREATE VIRTUAL TABLE t USING orm_remote('postgresql://app@db/shop', 'orders',
**       '{"pool_size":4,"max_overflow":2,"pool_timeout":5,"pool_recycle":3600,
**         "pool_pre_ping":true}');
**   SELECT url, dialect, pool_size, checked_out, idle, connects FROM orm_remote_pool;
**
** How it works: one pool per URL and options. A pool keeps up to pool_size idle connections; pool_size + max_overflow
** may be checked out at once, and a checkout beyond that waits up to pool_timeout seconds
** for one to come back, then fails naming the pool. pool_recycle (seconds; -1: never)
** closes connections older than that at checkout; pool_pre_ping checks a connection at
** checkout and reconnects when it is dead (a restarted server). A connection given back
** with a transaction open, or after an error that lost it, is closed instead. Pools live
** while a table uses them: the last table's disconnect closes the idle connections, so a
** closed SQLite connection leaves no sockets open. The pool list is guarded by SQLite's
** SQLITE_MUTEX_STATIC_APP1; connections themselves are used by one caller at a time.
** The status table shows URLs with their password as ***.
*/
#include "remote_int.h"
#include <string.h>
#include <time.h>
#include <unistd.h>

static OrmPool *pPoolList = 0;          /* every pool of the process */

static sqlite3_mutex *poolMutex(void){
  return sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP1);
}

/* A child of fork() shares its parent's sockets: it must neither use nor close them (a
** close would end the parent's sessions). It abandons them and starts afresh (SQLAlchemy's
** engine.dispose(close=False)). Called under the mutex. */
static void poolForkCheck(OrmPool *p){
  int iPid = (int)getpid();
  if( p->iPid!=iPid ){
    p->pIdle = 0;
    p->nIdle = 0;
    p->nOut = 0;
    p->iPid = iPid;
  }
}

void sqlormPoolOptionsDefault(OrmPoolOptions *p){
  p->nSize = 5;
  p->nOverflow = 10;
  p->iTimeout = 30;
  p->iRecycle = -1;
  p->bPrePing = 0;
}

/* The pool of zUrl (the full URL, password included: two logins never share) with these
** options (as two create_engine() calls with different options make two engines), made
** when there is none; one more reference. */
int sqlormPoolAcquire(const char *zUrl, const OrmRemoteUrl *pUrl, const OrmPoolOptions *pOpt,
                      int bOptsGiven, OrmPool **pp, char **pzErr){
  sqlite3_mutex *m = poolMutex();
  OrmPool *p;
  int rc = SQLITE_OK;
  *pp = 0;
  sqlite3_mutex_enter(m);
  (void)bOptsGiven;
  for(p=pPoolList; p; p=p->pNext){
    if( strcmp(p->zUrl, zUrl)==0 && memcmp(&p->opt, pOpt, sizeof(*pOpt))==0 ) break;
  }
  if( p ){
    poolForkCheck(p);
    p->nRef++;
    *pp = p;
  }else{
    const OrmBackend *pBe = sqlormRemoteBackend(pUrl->zDialect);
    p = pBe ? sqlite3_malloc64(sizeof(*p)) : 0;
    if( pBe==0 ){
      *pzErr = sqlite3_mprintf("dialect %s is not built into this sqlorm (see orm_debug())",
                               pUrl->zDialect);
      rc = SQLITE_ERROR;
    }else if( p==0 ){
      rc = SQLITE_NOMEM;
    }else{
      memset(p, 0, sizeof(*p));
      p->pBe = pBe;
      p->opt = *pOpt;
      p->iPid = (int)getpid();
      p->zUrl = sqlite3_mprintf("%s", zUrl);
      p->zRedacted = sqlite3_mprintf("%s", pUrl->zRedacted);
      rc = sqlormRemoteUrlParse(zUrl, &p->pUrl, pzErr);
      if( rc==SQLITE_OK && (p->zUrl==0 || p->zRedacted==0) ) rc = SQLITE_NOMEM;
      if( rc!=SQLITE_OK ){
        sqlormRemoteUrlFree(p->pUrl);
        if( p->zUrl ) memset(p->zUrl, 0, strlen(p->zUrl));
        sqlite3_free(p->zUrl);
        sqlite3_free(p->zRedacted);
        sqlite3_free(p);
      }else{
        p->nRef = 1;
        p->pNext = pPoolList;
        pPoolList = p;
        *pp = p;
      }
    }
  }
  sqlite3_mutex_leave(m);
  return rc;
}

/* One reference more, for a holder that already has the pool. */
void sqlormPoolRetain(OrmPool *p){
  sqlite3_mutex *m = poolMutex();
  sqlite3_mutex_enter(m);
  p->nRef++;
  sqlite3_mutex_leave(m);
}

/* One reference less; the last closes the idle connections and frees the pool. */
void sqlormPoolRelease(OrmPool *p){
  sqlite3_mutex *m = poolMutex();
  OrmRemoteConn *pIdle = 0;
  int bFree = 0;
  if( p==0 ) return;
  sqlite3_mutex_enter(m);
  if( --p->nRef==0 && p->nOut==0 ){
    OrmPool **pp;
    for(pp=&pPoolList; *pp && *pp!=p; pp=&(*pp)->pNext){}
    if( *pp ) *pp = p->pNext;
    pIdle = p->pIdle;
    p->pIdle = 0;
    bFree = 1;
  }
  sqlite3_mutex_leave(m);
  while( pIdle ){
    OrmRemoteConn *pNext = pIdle->pNextIdle;
    p->pBe->xDisconnect(pIdle);
    pIdle = pNext;
  }
  if( bFree ){
    sqlormRemoteUrlFree(p->pUrl);
    memset(p->zUrl, 0, strlen(p->zUrl));
    sqlite3_free(p->zUrl);
    sqlite3_free(p->zRedacted);
    sqlite3_free(p);
  }
}

/* A connection: an idle one (recycled or pinged as the options say) or a new one; waits
** up to pool_timeout when pool_size + max_overflow are out. */
int sqlormPoolCheckout(OrmPool *p, OrmRemoteConn **ppConn, char **pzErr){
  sqlite3_mutex *m = poolMutex();
  sqlite3_int64 tStart = (sqlite3_int64)time(0);
  *ppConn = 0;
  for(;;){
    OrmRemoteConn *pConn = 0;
    int bNew = 0, rc;
    sqlite3_mutex_enter(m);
    poolForkCheck(p);
    if( p->pIdle ){
      pConn = p->pIdle;
      p->pIdle = pConn->pNextIdle;
      pConn->pNextIdle = 0;
      p->nIdle--;
      p->nOut++;
    }else if( p->nOut < p->opt.nSize + p->opt.nOverflow ){
      p->nOut++;
      bNew = 1;
    }
    sqlite3_mutex_leave(m);
    if( pConn ){
      sqlite3_int64 now = (sqlite3_int64)time(0);
      int bDrop = 0;
      if( p->opt.iRecycle>=0 && now - pConn->iCreated >= p->opt.iRecycle ){
        bDrop = 1;
        sqlite3_mutex_enter(m);
        p->nRecycled++;
        sqlite3_mutex_leave(m);
      }else if( p->opt.bPrePing && p->pBe->xPing(pConn)!=SQLITE_OK ){
        bDrop = 1;
        sqlite3_mutex_enter(m);
        p->nPingFailed++;
        sqlite3_mutex_leave(m);
      }
      if( !bDrop ){
        *ppConn = pConn;
        return SQLITE_OK;
      }
      p->pBe->xDisconnect(pConn);
      bNew = 1;
    }
    if( bNew ){
      rc = p->pBe->xConnect(p->pUrl, p->opt.iTimeout, &pConn, pzErr);
      sqlite3_mutex_enter(m);
      if( rc==SQLITE_OK ){
        p->nConnects++;
        pConn->iCreated = (sqlite3_int64)time(0);
      }else{
        p->nOut--;
      }
      sqlite3_mutex_leave(m);
      *ppConn = pConn;
      return rc;
    }
    if( (sqlite3_int64)time(0) - tStart >= p->opt.iTimeout ){
      sqlite3_mutex_enter(m);
      p->nTimeouts++;
      sqlite3_mutex_leave(m);
      *pzErr = sqlite3_mprintf("the pool of %s is exhausted: %d connections are checked out "
          "(pool_size %d + max_overflow %d) and none came back within pool_timeout (%d s)",
          p->zRedacted, p->opt.nSize + p->opt.nOverflow, p->opt.nSize, p->opt.nOverflow,
          p->opt.iTimeout);
      return SQLITE_BUSY;
    }
    sqlite3_sleep(10);
  }
}

/* Gives a connection back: kept idle (up to pool_size) unless bDiscard, a transaction is
** still open on it, or the pool has enough. */
void sqlormPoolCheckin(OrmPool *p, OrmRemoteConn *pConn, int bDiscard){
  sqlite3_mutex *m = poolMutex();
  if( pConn==0 ) return;
  if( pConn->bInTxn ) bDiscard = 1;
  sqlite3_mutex_enter(m);
  p->nOut--;
  if( !bDiscard && p->nIdle < p->opt.nSize ){
    pConn->pNextIdle = p->pIdle;
    p->pIdle = pConn;
    p->nIdle++;
    pConn = 0;
  }
  sqlite3_mutex_leave(m);
  if( pConn ) p->pBe->xDisconnect(pConn);
}

/* ---------------------------------------------------------------- orm_remote_pool */

typedef struct pool_vtab pool_vtab;
struct pool_vtab {
  sqlite3_vtab base;
};

/* A snapshot of one pool, taken under the mutex. */
typedef struct PoolRow PoolRow;
struct PoolRow {
  char *zUrl;
  const char *zDialect;
  OrmPoolOptions opt;
  int nOut, nIdle, nRef;
  sqlite3_int64 nConnects, nPingFailed, nRecycled, nTimeouts;
};

typedef struct pool_cursor pool_cursor;
struct pool_cursor {
  sqlite3_vtab_cursor base;
  int nRow, iRow;
  PoolRow *aRow;
};

#define POOL_URL 0
#define POOL_DIALECT 1
#define POOL_SIZE 2
#define POOL_OVERFLOW 3
#define POOL_TIMEOUT 4
#define POOL_RECYCLE 5
#define POOL_PREPING 6
#define POOL_OUT 7
#define POOL_IDLE 8
#define POOL_REFS 9
#define POOL_CONNECTS 10
#define POOL_PINGFAILED 11
#define POOL_RECYCLED 12
#define POOL_TIMEOUTS 13

static int poolConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                       sqlite3_vtab **ppVtab, char **pzErr){
  pool_vtab *p;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(url TEXT, dialect TEXT, pool_size INT, "
      "max_overflow INT, pool_timeout INT, pool_recycle INT, pool_pre_ping INT, "
      "checked_out INT, idle INT, refs INT, connects INT, pings_failed INT, recycled INT, "
      "timeouts INT)");
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  if( rc!=SQLITE_OK ) return rc;
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int poolDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int poolOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  pool_cursor *p = sqlite3_malloc64(sizeof(*p));
  (void)pVtab;
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  *ppCur = &p->base;
  return SQLITE_OK;
}

static void poolRowsFree(pool_cursor *p){
  int i;
  for(i=0; i<p->nRow; i++) sqlite3_free(p->aRow[i].zUrl);
  sqlite3_free(p->aRow);
  p->aRow = 0;
  p->nRow = 0;
}

static int poolClose(sqlite3_vtab_cursor *pCur){
  poolRowsFree((pool_cursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int poolBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  (void)pVtab;
  pInfo->estimatedCost = 10;
  return SQLITE_OK;
}

static int poolFilter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                      sqlite3_value **argv){
  pool_cursor *p = (pool_cursor*)pCur;
  sqlite3_mutex *m = poolMutex();
  OrmPool *pPool;
  int n = 0, rc = SQLITE_OK;
  (void)idxNum; (void)idxStr; (void)argc; (void)argv;
  poolRowsFree(p);
  p->iRow = 0;
  sqlite3_mutex_enter(m);
  for(pPool=pPoolList; pPool; pPool=pPool->pNext) n++;
  p->aRow = n ? sqlite3_malloc64(sizeof(PoolRow)*n) : 0;
  if( n && p->aRow==0 ) rc = SQLITE_NOMEM;
  for(pPool=pPoolList; rc==SQLITE_OK && pPool; pPool=pPool->pNext){
    PoolRow *r = &p->aRow[p->nRow];
    r->zUrl = sqlite3_mprintf("%s", pPool->zRedacted);
    if( r->zUrl==0 ){ rc = SQLITE_NOMEM; break; }
    r->zDialect = pPool->pBe->zName;
    r->opt = pPool->opt;
    r->nOut = pPool->nOut;
    r->nIdle = pPool->nIdle;
    r->nRef = pPool->nRef;
    r->nConnects = pPool->nConnects;
    r->nPingFailed = pPool->nPingFailed;
    r->nRecycled = pPool->nRecycled;
    r->nTimeouts = pPool->nTimeouts;
    p->nRow++;
  }
  sqlite3_mutex_leave(m);
  return rc;
}

static int poolNext(sqlite3_vtab_cursor *pCur){
  ((pool_cursor*)pCur)->iRow++;
  return SQLITE_OK;
}

static int poolEof(sqlite3_vtab_cursor *pCur){
  pool_cursor *p = (pool_cursor*)pCur;
  return p->iRow>=p->nRow;
}

static int poolColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  PoolRow *r = &((pool_cursor*)pCur)->aRow[((pool_cursor*)pCur)->iRow];
  switch( i ){
    case POOL_URL:        sqlite3_result_text(ctx, r->zUrl, -1, SQLITE_TRANSIENT); break;
    case POOL_DIALECT:    sqlite3_result_text(ctx, r->zDialect, -1, SQLITE_STATIC); break;
    case POOL_SIZE:       sqlite3_result_int(ctx, r->opt.nSize); break;
    case POOL_OVERFLOW:   sqlite3_result_int(ctx, r->opt.nOverflow); break;
    case POOL_TIMEOUT:    sqlite3_result_int(ctx, r->opt.iTimeout); break;
    case POOL_RECYCLE:    sqlite3_result_int(ctx, r->opt.iRecycle); break;
    case POOL_PREPING:    sqlite3_result_int(ctx, r->opt.bPrePing); break;
    case POOL_OUT:        sqlite3_result_int(ctx, r->nOut); break;
    case POOL_IDLE:       sqlite3_result_int(ctx, r->nIdle); break;
    case POOL_REFS:      sqlite3_result_int(ctx, r->nRef); break;
    case POOL_CONNECTS:   sqlite3_result_int64(ctx, r->nConnects); break;
    case POOL_PINGFAILED: sqlite3_result_int64(ctx, r->nPingFailed); break;
    case POOL_RECYCLED:   sqlite3_result_int64(ctx, r->nRecycled); break;
    default:              sqlite3_result_int64(ctx, r->nTimeouts); break;
  }
  return SQLITE_OK;
}

static int poolRowid(sqlite3_vtab_cursor *pCur, sqlite_int64 *pRowid){
  *pRowid = ((pool_cursor*)pCur)->iRow + 1;
  return SQLITE_OK;
}

static sqlite3_module poolModule = {
  /* iVersion    */ 0,
  /* xCreate     */ 0,
  /* xConnect    */ poolConnect,
  /* xBestIndex  */ poolBestIndex,
  /* xDisconnect */ poolDisconnect,
  /* xDestroy    */ 0,
  /* xOpen       */ poolOpen,
  /* xClose      */ poolClose,
  /* xFilter     */ poolFilter,
  /* xNext       */ poolNext,
  /* xEof        */ poolEof,
  /* xColumn     */ poolColumn,
  /* xRowid      */ poolRowid,
  /* xUpdate     */ 0,
  /* xBegin      */ 0,
  /* xSync       */ 0,
  /* xCommit     */ 0,
  /* xRollback   */ 0,
  /* xFindFunction */ 0,
  /* xRename     */ 0,
  /* xSavepoint  */ 0,
  /* xRelease    */ 0,
  /* xRollbackTo */ 0,
  /* xShadowName */ 0,
};

int sqlormPoolRegister(sqlite3 *db){
  return sqlite3_create_module(db, "orm_remote_pool", &poolModule, 0);
}
