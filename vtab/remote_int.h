/*
** remote_int.h: what the files of the federated layer's core share (remote.c, the vtab;
** remote_pool.c, pools; remote_deparse.c, the SQL sent). Backends see remote.h only.
*/
#ifndef SQLORM_REMOTE_INT_H
#define SQLORM_REMOTE_INT_H

#include "remote.h"

/* in remote_pool.c */
typedef struct OrmPoolOptions OrmPoolOptions;
struct OrmPoolOptions {
  int nSize;              /* pool_size: idle connections kept (default 5) */
  int nOverflow;          /* max_overflow: more that may be out at once (10) */
  int iTimeout;           /* pool_timeout, seconds: wait for one, and connect (30) */
  int iRecycle;           /* pool_recycle, seconds; -1: never (-1) */
  int bPrePing;           /* pool_pre_ping (false) */
};

typedef struct OrmPool OrmPool;
struct OrmPool {
  char *zUrl;             /* the key: the full URL (held in memory only) */
  char *zRedacted;
  OrmRemoteUrl *pUrl;
  const OrmBackend *pBe;
  OrmPoolOptions opt;
  int nRef;               /* tables (and imports) using it */
  int nOut, nIdle;
  OrmRemoteConn *pIdle;
  sqlite3_int64 nConnects, nPingFailed, nRecycled, nTimeouts;
  int iPid;               /* the process whose connections these are (fork) */
  OrmPool *pNext;
};

void sqlormPoolOptionsDefault(OrmPoolOptions *p);
int sqlormPoolAcquire(const char *zUrl, const OrmRemoteUrl *pUrl, const OrmPoolOptions *pOpt,
                      int bOptsGiven, OrmPool **pp, char **pzErr);
void sqlormPoolRetain(OrmPool *p);
void sqlormPoolRelease(OrmPool *p);
int sqlormPoolCheckout(OrmPool *p, OrmRemoteConn **ppConn, char **pzErr);
void sqlormPoolCheckin(OrmPool *p, OrmRemoteConn *pConn, int bDiscard);
int sqlormPoolRegister(sqlite3 *db);

/* in remote_deparse.c */
/* A remote table, as the SQL writer needs it. */
typedef struct OrmRemoteTable OrmRemoteTable;
struct OrmRemoteTable {
  const OrmBackend *pBe;
  char *zRemote;          /* the remote name, each part quoted ("public"."orders") */
  int nCol;
  OrmRemoteCol *aCol;
  int nKey;               /* primary key columns ... */
  int *aKey;              /* ... their column numbers, in key order */
  int iVersion;           /* the version column, or -1 */
};

/* One pushed constraint of a plan: column, SQLite's operator (SQLITE_INDEX_CONSTRAINT_*,
** or ORM_OP_IN for an IN list taken all at once). */
#define ORM_OP_IN 1000
typedef struct OrmPlanTerm OrmPlanTerm;
struct OrmPlanTerm {
  int iCol;
  int op;
  int bJoin;              /* its value comes from another table of the statement */
  int bTextAff;           /* a text column whose other side's affinity is unknown: a number
                          ** is not sent (SQLite checks the rows again) */
};

/* What xBestIndex chose, carried to xFilter in idxStr (sqlormPlanWrite / Read). */
typedef struct OrmPlan OrmPlan;
struct OrmPlan {
  sqlite3_uint64 mCols;   /* columns used (bit 63: 63 and above) */
  int nTerm;
  OrmPlanTerm aTerm[64];  /* in argv order */
  int nOrder;
  int aOrder[16];         /* column, negative-1 for DESC: -(col+1) */
  int bLimit, bOffset;    /* argv holds LIMIT / OFFSET after the terms */
};

/* Whether a constraint of op on column iCol can go to the server: ORM_PUSH_NO,
** ORM_PUSH_EXACT (the server decides: omit), ORM_PUSH_LOOSE (the server returns a superset;
** SQLite checks again). */
#define ORM_PUSH_NO 0
#define ORM_PUSH_EXACT 1
#define ORM_PUSH_LOOSE 2
int sqlormDeparsePushable(const OrmRemoteTable *pTab, int iCol, int op);
int sqlormDeparseOrderable(const OrmRemoteTable *pTab, int iCol);
int sqlormDeparseIsText(const OrmRemoteTable *pTab, int iCol);
char *sqlormPlanWrite(const OrmPlan *p, const OrmRemoteTable *pTab);
int sqlormPlanRead(const char *z, OrmPlan *p);
/* The SELECT of a plan for the values in argv; its parameters in *papParam (pointers into
** argv or values made here, freed by sqlormDeparseParamsFree); the columns it returns in
** aResCol (vtab column numbers); *pbEmpty when a constraint can match no row. */
typedef struct OrmParams OrmParams;
struct OrmParams {
  int n, nAlloc;
  sqlite3_value **ap;
  unsigned char *aOwn;    /* ap[i] was made here */
};
void sqlormParamsClear(OrmParams *p);
int sqlormParamsAdd(OrmParams *p, sqlite3_value *pVal, int bOwn);
int sqlormDeparseSelect(sqlite3 *db, const OrmRemoteTable *pTab, const OrmPlan *pPlan,
                        int bAllCols, int argc, sqlite3_value **argv, sqlite3_str *pSql,
                        OrmParams *pPar, int *aResCol, int *pnResCol, sqlite3_int64 *piSkip);
void sqlormDeparseKeyWhere(const OrmRemoteTable *pTab, sqlite3_str *pSql, int *piParam);
/* A value compared with column iCol by op, as SQLite's affinity makes it (*ppOut, owned by
** the caller when *pbOwn), or the constant answer: ORM_FOLD_* */
#define ORM_FOLD_SEND 0
#define ORM_FOLD_NONE 1
#define ORM_FOLD_NOTNULL 2
#define ORM_FOLD_ALL 3
int sqlormDeparseFold(sqlite3 *db, const OrmRemoteTable *pTab, int iCol, int *pOp,
                      sqlite3_value *v, sqlite3_value **ppOut, int *pbOwn, int *pRc);

/* in remote_join.c */
typedef struct OrmJoinCache OrmJoinCache;
OrmJoinCache *sqlormJoinCacheNew(int nVal, const int *aKeyIdx, int nKey, int nMax);
void sqlormJoinCacheFree(OrmJoinCache *c);
int sqlormJoinCacheAdd(OrmJoinCache *c, sqlite3_value **apRow);
int sqlormJoinCacheSeal(OrmJoinCache *c);
int sqlormJoinCacheFirst(OrmJoinCache *c, sqlite3_value **apKey, int *pRc);
int sqlormJoinCacheNext(OrmJoinCache *c, int i);
sqlite3_value *sqlormJoinCacheValue(OrmJoinCache *c, int iRow, int iVal);
int sqlormJoinCacheRows(OrmJoinCache *c);

#endif /* SQLORM_REMOTE_INT_H */
