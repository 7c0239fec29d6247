/*
** remote_pg.c: the PostgreSQL backend of the federated layer (remote.h), on libpq.
**
** Usage: never by name; the layer finds it by the URL's dialect.
**   CREATE VIRTUAL TABLE pg_orders USING orm_remote(
**       'postgresql://app@127.0.0.1:5432/shop?sslmode=disable', 'public.orders');
**   pBe = sqlormRemoteBackend("postgresql");       -- &sqlormBackendPg
**
** How it works:
** - Connecting: PQconnectdbParams with the URL's parts, connect_timeout, application_name
**   sqlorm and each query option of the URL as a libpq keyword (checked against
**   PQconndefaults, so a typo is named); then one round trip sets the session: UTC, ISO
**   dates, exact floats, UTF-8, hex bytea. Messages show the URL redacted and are scrubbed
**   of any password libpq might repeat. Notices are not printed.
** - Statements: parameters travel as text with type 0 (the server infers it from the
**   context), blobs as binary bytea. A SQL text is prepared on its second run (a scan on
**   its first, to learn the result's column types before rows arrive); 64 per connection,
**   the least recently used one deallocated. A cached plan the server rejects after DDL
**   ("must not change result type") is dropped and, outside a transaction, run again.
** - Results, in bounded memory, one of four ways:
**     ONE       ORM_QUERY_ONE: the whole (small) result at once;
**     CURSOR    a SELECT inside a transaction: DECLARE sqlorm_cN NO SCROLL CURSOR, FETCH
**               FORWARD 100 then 1000 rows (fewer when rows are wide); any number of them
**               interleave with each other and with other statements. DECLARE and the
**               first FETCH go in one round trip (libpq's pipeline mode), and a finished
**               cursor's CLOSE waits for the next one (or goes before any other command;
**               COMMIT and ROLLBACK close cursors themselves): one round trip per scan;
**     STREAM    otherwise (outside a transaction, or no SELECT): single-row mode;
**     BUFFERED  a STREAM interrupted by another statement on its connection: libpq runs
**               one statement at a time, so the rest of the stream is read into memory
**               (compact chunks, freed as they are read) and the other statement runs.
**   Finishing early closes the cursor (inside a savepoint when a ROLLBACK TO may have
**   closed it already, since a failing CLOSE would abort the transaction), or cancels a
**   SELECT's stream outside a transaction (PQcancel) and drains it; other statements
**   (INSERT ... RETURNING) run to their end.
** - Values: by the result column's type OID (pgBuiltinKind); types of the database (enums,
**   arrays of them, of domains) are looked up in pg_type once per connection, before the
**   rows are read. Arrays become JSON arrays.
** - The transaction state (base.bInTxn) follows the server's (PQtransactionStatus).
*/
#include "remote.h"
#ifdef SQLORM_WITH_POSTGRESQL
#include <libpq-fe.h>
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG_NSTMT        64        /* prepared statements kept per connection */
#define PG_FETCH_FIRST  100       /* rows of a cursor's first FETCH ... */
#define PG_FETCH_MAX    1000      /* ... and of the next ones at most */
#define PG_FETCH_BYTES  (4<<20)   /* what a FETCH should bring at most, roughly */
#define PG_CHUNK        65536     /* BUFFERED: bytes per chunk of rows read ahead */
#define PG_NCLOSE       16        /* CLOSEs of finished cursors put off, at most */

/* Modes of a result */
#define PG_ONE          1
#define PG_CURSOR       2
#define PG_STREAM       3
#define PG_BUFFERED     4

/* How the text of a value becomes an SQLite value */
#define PG_K_UNKNOWN    0         /* not known yet: pg_type will say */
#define PG_K_TEXT       1         /* its text as is */
#define PG_K_INT        2
#define PG_K_BOOL       3
#define PG_K_FLOAT      4
#define PG_K_NUMERIC    5
#define PG_K_BYTEA      6
#define PG_K_TSTZ       7         /* its text with the offset as +HH:MM */
#define PG_K_JSON       8         /* TEXT as a column, embedded as is in an array */
#define PG_K_ARRAY      9

/* Type OIDs (catalog/pg_type.dat; fixed for built-in types) */
#define PG_BOOL         16
#define PG_BYTEA        17
#define PG_INT8         20
#define PG_INT2         21
#define PG_INT4         23
#define PG_OID          26
#define PG_JSON         114
#define PG_FLOAT4       700
#define PG_FLOAT8       701
#define PG_BOX          603
#define PG_DATE         1082
#define PG_TIME         1083
#define PG_TIMESTAMP    1114
#define PG_TIMESTAMPTZ  1184
#define PG_NUMERIC      1700
#define PG_JSONB        3802

typedef struct PgKind PgKind;
struct PgKind {
  unsigned char eKind;            /* PG_K_* */
  unsigned char eElem;            /* arrays: the elements' kind */
  char cDelim;                    /* arrays: between elements (',', but ';' for box) */
};

typedef struct PgType PgType;     /* a type of the database, looked up in pg_type */
struct PgType {
  Oid oid;
  PgKind k;
};

typedef struct PgStmt PgStmt;     /* a SQL text of the statement cache */
struct PgStmt {
  char *zSql;                     /* the text; NULL: a free slot */
  unsigned int h;                 /* its hash */
  int nParam;
  char *zBlobs;                   /* 'b' for each blob parameter it was prepared with,
                                  ** '.' for the others; NULL: no blob */
  int iName;                      /* prepared as sqlorm_s<iName>; 0: run once, unprepared */
  int nCol;                       /* its result's columns, -1: not described */
  Oid *aCol;                      /* their types */
  sqlite3_uint64 iUsed;           /* for the LRU */
};

typedef struct PgRes PgRes;
typedef struct PgConn PgConn;
struct PgConn {
  OrmRemoteConn base;
  PGconn *pg;
  char *zUrl;                     /* the URL, redacted and scrubbed: for messages */
  char *azSecret[2];              /* passwords to keep out of messages */
  PgRes *pStream;                 /* the STREAM on the wire, or NULL */
  PgRes *pOpen;                   /* every result not finished yet */
  int bTxn;                       /* a transaction was open after the last command */
  int iTxn;                       /* bumped when one ends: its cursors are gone */
  int iRollback;                  /* bumped by ROLLBACK (TO): cursors may be gone */
  int iCursor, iStmt;             /* for names sqlorm_c<N>, sqlorm_s<N> */
  int nClose;                     /* cursors finished whose CLOSE is put off ... */
  char azClose[PG_NCLOSE][24];
  int iCloseTxn;                  /* ... in the transaction iTxn was then */
  sqlite3_uint64 iClock;
  PgStmt aStmt[PG_NSTMT];
  int nType;
  PgType *aType;
};

typedef struct PgChunk PgChunk;   /* BUFFERED: rows read ahead; the bytes follow */
struct PgChunk {
  PgChunk *pNext;
  int nUsed, nAlloc;
};

struct PgRes {
  PgConn *pConn;                  /* NULL once the connection is gone */
  PgRes *pNext, *pPrev;           /* in pConn->pOpen */
  int eMode;                      /* PG_ONE, ... */
  int nCol;
  PgKind *aCol;
  const char **azVal;             /* the current row: values (NULL: SQL NULL) ... */
  int *anLen;                     /* ... and their lengths */
  int bRow;                       /* a row is current */
  int bEnd;                       /* no more rows: xNext returns rcEnd */
  int rcEnd;
  char *zErrEnd;                  /* rcEnd's message, given once */
  PGresult *pCur;                 /* ONE: the result; CURSOR: the batch; else the row */
  int iRow;                       /* ONE, CURSOR: the current row of pCur */
  int bPending;                   /* STREAM, BUFFERED: pCur is read, not given yet */
  int bCancel;                    /* STREAM: a SELECT outside a transaction, which
                                  ** finishing early may cancel */
  int bDeclared;                  /* CURSOR: open on the server */
  int bLast;                      /* CURSOR: pCur is the last batch */
  int iTxn, iRollback;            /* CURSOR: the connection's counters it was checked at */
  int nFetch;                     /* CURSOR: rows the next FETCH asks for */
  char zCursor[24];
  PgChunk *pFirst, *pLast;        /* BUFFERED: the rows read ahead */
  int iOff;                       /* where the next one starts in pFirst */
};

/* Parameters as libpq takes them. */
typedef struct PgParams PgParams;
struct PgParams {
  int n;
  const char **azVal;
  int *anLen;
  int *aFmt;
  Oid *aType;                     /* NULL when no blob is among them */
  char *zBlobs;                   /* as PgStmt.zBlobs */
  char *aNum;                     /* 32 bytes per parameter: numbers as text */
  void *pBlock;
};

/*
** Numbers, locale-proof: the host may have set LC_NUMERIC to a decimal comma.
*/
static pthread_once_t pgLocaleOnce = PTHREAD_ONCE_INIT;
static locale_t pgCLocale;

static void pgLocaleInit(void){
  pgCLocale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* The "C" locale to switch to around printf and strtod (or 0: the current one). */
static locale_t pgLocale(void){
  pthread_once(&pgLocaleOnce, pgLocaleInit);
  return pgCLocale;
}

static double pgAtof(const char *z){
  locale_t old = uselocale(pgLocale());
  double r = strtod(z, 0);
  uselocale(old);
  return r;
}

/* The shortest text that reads back as r (at most 31 bytes). */
static void pgFormatDouble(double r, char *z){
  if( isnan(r) ){
    memcpy(z, "NaN", 4);
  }else if( isinf(r) ){
    memcpy(z, r<0 ? "-Infinity" : "Infinity", r<0 ? 10 : 9);
  }else{
    locale_t old = uselocale(pgLocale());
    int i;
    for(i=15; i<=17; i++){
      snprintf(z, 32, "%.*g", i, r);
      if( strtod(z, 0)==r ) break;
    }
    uselocale(old);
  }
}

/*
** Messages
*/

/* z with every run of blanks (libpq's newlines and tabs) as one space, trimmed. */
static char *pgClean(const char *z){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int bSpace = 0;
  if( z==0 ) z = "";
  while( *z==' ' || *z=='\n' || *z=='\t' || *z=='\r' ) z++;
  for(; *z; z++){
    if( *z==' ' || *z=='\n' || *z=='\t' || *z=='\r' ){
      bSpace = 1;
    }else{
      if( bSpace ) sqlite3_str_appendchar(pStr, 1, ' ');
      bSpace = 0;
      sqlite3_str_appendchar(pStr, 1, *z);
    }
  }
  return sqlite3_str_finish(pStr);
}

/* zMsg (taken over) with each secret as ***, into *pzErr. */
static void pgSetError(char **azSecret, char *zMsg, char **pzErr){
  int i;
  for(i=0; zMsg && azSecret && i<2; i++){
    const char *zS = azSecret[i];
    int nS = zS ? (int)strlen(zS) : 0;
    if( nS>0 && strstr(zMsg, zS) ){
      sqlite3_str *pStr = sqlite3_str_new(0);
      const char *z = zMsg, *zHit;
      while( (zHit = strstr(z, zS))!=0 ){
        sqlite3_str_append(pStr, z, (int)(zHit - z));
        sqlite3_str_append(pStr, "***", 3);
        z = zHit + nS;
      }
      sqlite3_str_appendall(pStr, z);
      sqlite3_free(zMsg);
      zMsg = sqlite3_str_finish(pStr);
    }
  }
  if( pzErr ){
    sqlite3_free(*pzErr);
    *pzErr = zMsg;
  }else{
    sqlite3_free(zMsg);
  }
}

static int pgLost(PgConn *p, const char *zWhy, char **pzErr){
  char *zClean = pgClean(zWhy);
  pgSetError(p->azSecret, sqlite3_mprintf("postgresql: the connection to %s was lost: %s",
             p->zUrl, zClean ? zClean : "?"), pzErr);
  sqlite3_free(zClean);
  return SQLITE_IOERR;
}

/* The result code and message of a failed command: r is its result, or NULL when libpq
** gave none. Class 08 and 57P (the server going away) and a broken socket: SQLITE_IOERR;
** class 23: SQLITE_CONSTRAINT; else SQLITE_ERROR, with "primary (SQLSTATE): detail". */
static int pgError(PgConn *p, const PGresult *r, char **pzErr){
  const char *zState = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : 0;
  const char *zPrimary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : 0;
  const char *zDetail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : 0;
  char *zMsg;
  int rc = SQLITE_ERROR;
  if( PQstatus(p->pg)!=CONNECTION_OK
   || (zState && (strncmp(zState, "08", 2)==0 || strncmp(zState, "57P", 3)==0)) ){
    return pgLost(p, zPrimary ? zPrimary : PQerrorMessage(p->pg), pzErr);
  }
  if( zState && zPrimary ){
    if( strncmp(zState, "23", 2)==0 ) rc = SQLITE_CONSTRAINT;
    zMsg = sqlite3_mprintf("postgresql: %s (%s)%s%s", zPrimary, zState,
                           zDetail ? ": " : "", zDetail ? zDetail : "");
  }else{
    char *zClean = pgClean(r ? PQresultErrorMessage(r) : PQerrorMessage(p->pg));
    if( r==0 && zClean && strstr(zClean, "out of memory") ) rc = SQLITE_NOMEM;
    zMsg = sqlite3_mprintf("postgresql: %s", zClean && zClean[0] ? zClean : "unknown error");
    sqlite3_free(zClean);
  }
  pgSetError(p->azSecret, zMsg, pzErr);
  return rc;
}

/* SQLITE_OK when the connection can take a command (nothing checks the network). */
static int pgUsable(PgConn *p, char **pzErr){
  if( PQstatus(p->pg)==CONNECTION_OK ) return SQLITE_OK;
  return pgLost(p, PQerrorMessage(p->pg), pzErr);
}

static int pgOk(const PGresult *r){
  ExecStatusType e = PQresultStatus(r);
  return r && (e==PGRES_COMMAND_OK || e==PGRES_TUPLES_OK || e==PGRES_EMPTY_QUERY);
}

/* Whether r failed because a prepared statement went stale: deallocated behind our back,
** or its result's row type changed by DDL since it was prepared. */
static int pgIsStale(const PGresult *r){
  const char *zState = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : 0;
  const char *zPrimary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : 0;
  if( zState==0 ) return 0;
  if( strcmp(zState, "26000")==0 ) return 1;
  return strcmp(zState, "0A000")==0 && zPrimary && strstr(zPrimary, "cached plan")!=0;
}

/* Follows the server's transaction state (after each command). */
static void pgTxnCheck(PgConn *p){
  PGTransactionStatusType e = PQtransactionStatus(p->pg);
  if( e==PQTRANS_IDLE ){
    if( p->bTxn ) p->iTxn++;
    p->bTxn = 0;
    p->base.bInTxn = 0;
    p->base.nSavepoint = 0;
  }else if( e==PQTRANS_INTRANS || e==PQTRANS_INERROR ){
    p->bTxn = 1;
    p->base.bInTxn = 1;
  }
}

static void pgDrain(PgConn *p){
  PGresult *r;
  while( (r = PQgetResult(p->pg))!=0 ) PQclear(r);
}

static void pgNoticeIgnore(void *pArg, const char *zMsg){
  (void)pArg;
  (void)zMsg;
}

/* Whether zSql contains zWord (lower case) as a word, in any case. */
static int pgHasWord(const char *zSql, const char *zWord){
  int n = (int)strlen(zWord);
  const char *z;
  for(z=zSql; *z; z++){
    if( sqlite3_strnicmp(z, zWord, n)==0
     && (z==zSql || !(isalnum((unsigned char)z[-1]) || z[-1]=='_'))
     && !(isalnum((unsigned char)z[n]) || z[n]=='_') ){
      return 1;
    }
  }
  return 0;
}

/* Whether zSql is a query a cursor can run: SELECT, VALUES or TABLE first (WITH could
** hold an INSERT, which DECLARE refuses, aborting the transaction). */
static int pgIsSelect(const char *zSql){
  static const char *azWord[] = { "select", "values", "table" };
  int i;
  while( *zSql==' ' || *zSql=='\n' || *zSql=='\t' || *zSql=='\r' || *zSql=='(' ) zSql++;
  for(i=0; i<3; i++){
    int n = (int)strlen(azWord[i]);
    if( sqlite3_strnicmp(zSql, azWord[i], n)==0
     && !(isalnum((unsigned char)zSql[n]) || zSql[n]=='_') ){
      return 1;
    }
  }
  return 0;
}

/*
** Types
*/

/* Arrays of built-in types: their OID and their elements'. */
static const Oid pgaArray[][2] = {
  {1000,PG_BOOL}, {1001,PG_BYTEA}, {1002,18}, {1003,19}, {1005,PG_INT2}, {1007,PG_INT4},
  {1009,25}, {1014,1042}, {1015,1043}, {1016,PG_INT8}, {1020,PG_BOX}, {1021,PG_FLOAT4},
  {1022,PG_FLOAT8}, {1028,PG_OID}, {1115,PG_TIMESTAMP}, {1182,PG_DATE}, {1183,PG_TIME},
  {1185,PG_TIMESTAMPTZ}, {1187,1186}, {1231,PG_NUMERIC}, {1270,1266}, {2951,2950},
  {199,PG_JSON}, {3807,PG_JSONB}, {143,142}, {791,790}, {1041,869}, {651,650}, {1040,829},
};

/* The kind of a built-in type's values; 0 for the others (and rare built-in ones, which
** pg_type then describes). */
static int pgBuiltinKind(Oid t, PgKind *pK){
  size_t i;
  pK->eElem = 0;
  pK->cDelim = ',';
  switch( t ){
    case PG_INT2: case PG_INT4: case PG_INT8: case PG_OID:
      pK->eKind = PG_K_INT; return 1;
    case PG_BOOL:
      pK->eKind = PG_K_BOOL; return 1;
    case PG_FLOAT4: case PG_FLOAT8:
      pK->eKind = PG_K_FLOAT; return 1;
    case PG_NUMERIC:
      pK->eKind = PG_K_NUMERIC; return 1;
    case PG_BYTEA:
      pK->eKind = PG_K_BYTEA; return 1;
    case PG_TIMESTAMPTZ:
      pK->eKind = PG_K_TSTZ; return 1;
    case PG_JSON: case PG_JSONB:
      pK->eKind = PG_K_JSON; return 1;
    case 18: case 19: case 25: case 1042: case 1043: case 2950:       /* char .. uuid */
    case PG_DATE: case PG_TIME: case PG_TIMESTAMP: case 1186: case 1266:
    case 705: case 142: case 790: case 869: case 650: case 829: case 774: /* unknown .. */
    case 1560: case 1562: case 3614: case 3615: case 4072: case 3220:  /* bit .. pg_lsn */
    case 24: case 2205: case 2206: case 28: case 5069: case 2249: case 2278:
    case 600: case 601: case 602: case PG_BOX: case 604: case 628: case 718:
    case 3904: case 3906: case 3908: case 3910: case 3912: case 3926:  /* ranges */
    case 4451: case 4532: case 4533: case 4534: case 4535: case 4536:  /* multiranges */
      pK->eKind = PG_K_TEXT; return 1;
  }
  for(i=0; i<sizeof(pgaArray)/sizeof(pgaArray[0]); i++){
    if( pgaArray[i][0]==t ){
      PgKind e;
      pgBuiltinKind(pgaArray[i][1], &e);
      pK->eKind = PG_K_ARRAY;
      pK->eElem = e.eKind;
      if( pgaArray[i][1]==PG_BOX ) pK->cDelim = ';';
      return 1;
    }
  }
  pK->eKind = PG_K_UNKNOWN;
  return 0;
}

static int pgTypeAdd(PgConn *p, Oid oid, const PgKind *pK){
  PgType *aNew = sqlite3_realloc64(p->aType, sizeof(PgType)*(p->nType+1));
  if( aNew==0 ) return SQLITE_NOMEM;
  p->aType = aNew;
  aNew[p->nType].oid = oid;
  aNew[p->nType].k = *pK;
  p->nType++;
  return SQLITE_OK;
}

static int pgTypeFind(PgConn *p, Oid oid, PgKind *pK){
  int i;
  if( pgBuiltinKind(oid, pK) ) return 1;
  for(i=0; i<p->nType; i++){
    if( p->aType[i].oid==oid ){ *pK = p->aType[i].k; return 1; }
  }
  return 0;
}

/* Looks up the n types of aOid in pg_type (the connection is free): arrays, with their
** elements' base types (domains resolved), and the rest, read as text. */
static int pgTypesLookup(PgConn *p, int n, const Oid *aOid, char **pzErr){
  static const char zSql[] =
    "WITH RECURSIVE d(id, cur, depth) AS ("
    "  SELECT t.oid, CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END, 0"
    "  FROM pg_catalog.pg_type t WHERE t.oid = ANY ($1::pg_catalog.oid[])"
    "  UNION ALL"
    "  SELECT d.id, b.typbasetype, d.depth + 1 FROM d JOIN pg_catalog.pg_type b"
    "  ON b.oid = d.cur WHERE b.typtype = 'd' AND d.depth < 16)"
    " SELECT t.oid, t.typcategory = 'A', coalesce(e.typdelim, ','), d.cur"
    " FROM d JOIN pg_catalog.pg_type t ON t.oid = d.id"
    " LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem"
    " JOIN pg_catalog.pg_type b ON b.oid = d.cur AND b.typtype <> 'd'";
  sqlite3_str *pStr = sqlite3_str_new(0);
  char *zList;
  const char *azVal[1];
  PGresult *r;
  int i, rc = SQLITE_OK;
  for(i=0; i<n; i++) sqlite3_str_appendf(pStr, "%c%u", i ? ',' : '{', (unsigned)aOid[i]);
  sqlite3_str_appendchar(pStr, 1, '}');
  zList = sqlite3_str_finish(pStr);
  if( zList==0 ) return SQLITE_NOMEM;
  azVal[0] = zList;
  r = PQexecParams(p->pg, zSql, 1, 0, azVal, 0, 0, 0);
  sqlite3_free(zList);
  if( PQresultStatus(r)!=PGRES_TUPLES_OK ){
    rc = pgError(p, r, pzErr);
    PQclear(r);
    return rc;
  }
  for(i=0; rc==SQLITE_OK && i<PQntuples(r); i++){
    Oid oid = (Oid)strtoul(PQgetvalue(r, i, 0), 0, 10);
    Oid base = (Oid)strtoul(PQgetvalue(r, i, 3), 0, 10);
    PgKind k, e;
    if( !pgBuiltinKind(base, &e) || e.eKind==PG_K_ARRAY ) e.eKind = PG_K_TEXT;
    memset(&k, 0, sizeof(k));
    if( PQgetvalue(r, i, 1)[0]=='t' ){
      k.eKind = PG_K_ARRAY;
      k.eElem = e.eKind;
      k.cDelim = PQgetvalue(r, i, 2)[0] ? PQgetvalue(r, i, 2)[0] : ',';
    }else{
      k.eKind = e.eKind;
      k.cDelim = ',';
    }
    rc = pgTypeAdd(p, oid, &k);
  }
  PQclear(r);
  /* Types not found (dropped meanwhile) are read as text, and not asked for again. */
  for(i=0; rc==SQLITE_OK && i<n; i++){
    PgKind k;
    if( !pgTypeFind(p, aOid[i], &k) ){
      k.eKind = PG_K_TEXT;
      k.eElem = 0;
      k.cDelim = ',';
      rc = pgTypeAdd(p, aOid[i], &k);
    }
  }
  return rc;
}

/* Sets the result's columns from their types, looking up the unknown ones (the connection
** must be free). */
static int pgResSetTypes(PgRes *pRes, int nCol, const Oid *aOid, char **pzErr){
  PgConn *p = pRes->pConn;
  Oid *aUnknown = 0;
  int i, nUnknown = 0, rc = SQLITE_OK;
  char *pBlock;
  sqlite3_free((void*)pRes->azVal);
  pRes->aCol = 0;
  pRes->azVal = 0;
  pRes->anLen = 0;
  pRes->nCol = 0;
  if( nCol<=0 ) return SQLITE_OK;
  /* One block, freed through azVal: pointers, then lengths, then kinds. */
  pBlock = sqlite3_malloc64((sizeof(char*) + sizeof(int) + sizeof(PgKind))*(sqlite3_uint64)nCol);
  if( pBlock==0 ) return SQLITE_NOMEM;
  pRes->azVal = (const char**)pBlock;
  pRes->anLen = (int*)(pBlock + sizeof(char*)*nCol);
  pRes->aCol = (PgKind*)(pBlock + (sizeof(char*) + sizeof(int))*nCol);
  pRes->nCol = nCol;
  for(i=0; i<nCol; i++){
    if( !pgTypeFind(p, aOid[i], &pRes->aCol[i]) ){
      if( aUnknown==0 ){
        aUnknown = sqlite3_malloc64(sizeof(Oid)*nCol);
        if( aUnknown==0 ) return SQLITE_NOMEM;
      }
      aUnknown[nUnknown++] = aOid[i];
    }
  }
  if( nUnknown>0 ){
    rc = pgTypesLookup(p, nUnknown, aUnknown, pzErr);
    for(i=0; rc==SQLITE_OK && i<nCol; i++){
      if( pRes->aCol[i].eKind==PG_K_UNKNOWN ) pgTypeFind(p, aOid[i], &pRes->aCol[i]);
    }
    sqlite3_free(aUnknown);
  }
  return rc;
}

/* pgResSetTypes from a result's own column types. */
static int pgResTypesOf(PgRes *pRes, const PGresult *r, char **pzErr){
  int i, n = PQnfields(r), rc;
  Oid *aOid;
  if( n==0 ) return pgResSetTypes(pRes, 0, 0, pzErr);
  aOid = sqlite3_malloc64(sizeof(Oid)*n);
  if( aOid==0 ) return SQLITE_NOMEM;
  for(i=0; i<n; i++) aOid[i] = PQftype(r, i);
  rc = pgResSetTypes(pRes, n, aOid, pzErr);
  sqlite3_free(aOid);
  return rc;
}

/*
** Values: a column's text to an SQLite value.
*/

/* Whether the decimal z (digits, maybe a sign and a point) is exactly the double *pr. */
static int pgDecimalIsDouble(const char *z, double *pr){
  char zBuf[832], zIn[800];
  const char *y;
  int nIn = 0, eIn = 0, bSeen = 0, bFrac = 0, nOut = 0, eOut;
  double r = pgAtof(z);
  locale_t old;
  if( r==0.0 || isinf(r) ) return 0;          /* zeros are integral: underflow here */
  for(y=z; *y; y++){
    if( *y=='.' ){ bFrac = 1; continue; }
    if( *y<'0' || *y>'9' ) continue;
    if( !bSeen && *y=='0' ){
      if( bFrac ) eIn--;
      continue;
    }
    bSeen = 1;
    if( !bFrac ) eIn++;
    if( nIn>=(int)sizeof(zIn)-1 ) return 0;     /* no double has that many digits */
    zIn[nIn++] = *y;
  }
  while( nIn>0 && zIn[nIn-1]=='0' ) nIn--;
  /* A double's exact decimal expansion has at most 767 significant digits. */
  old = uselocale(pgLocale());
  snprintf(zBuf, sizeof(zBuf), "%.790e", r);
  uselocale(old);
  for(y=zBuf; *y && *y!='e'; y++){
    if( *y>='0' && *y<='9' ) zBuf[nOut++] = *y;   /* in place: nOut never passes y */
  }
  if( *y!='e' ) return 0;
  eOut = atoi(y+1) + 1;
  while( nOut>0 && zBuf[nOut-1]=='0' ) nOut--;
  if( nOut!=nIn || eOut!=eIn || memcmp(zIn, zBuf, nIn)!=0 ) return 0;
  *pr = r;
  return 1;
}

/* numeric: INTEGER when integral and in range, REAL when that is exact, else its TEXT. */
static void pgNumericValue(sqlite3_context *ctx, const char *z, int n){
  const char *y = z, *zLast = 0;
  int bFrac = 0;
  double r;
  if( *y=='-' || *y=='+' ) y++;
  if( *y<'0' || *y>'9' ){
    if( strcmp(y, "Infinity")==0 ){
      sqlite3_result_double(ctx, z[0]=='-' ? -HUGE_VAL : HUGE_VAL);
    }else{
      sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);   /* NaN: no REAL holds it */
    }
    return;
  }
  for(; *y; y++){
    if( *y=='.' ){ bFrac = 1; continue; }
    if( *y<'0' || *y>'9' ){ sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT); return; }
    if( bFrac && *y!='0' ) zLast = y;
  }
  if( zLast==0 ){
    sqlite3_int64 v;
    char *zEnd;
    errno = 0;
    v = strtoll(z, &zEnd, 10);
    if( errno==0 ){ sqlite3_result_int64(ctx, v); return; }
  }else if( *zLast!='5' ){
    /* A fraction a double holds exactly ends in 5 (k/2^n): 0.1, 19.99 stay text. */
    sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
    return;
  }
  if( pgDecimalIsDouble(z, &r) ){
    sqlite3_result_double(ctx, r);
  }else{
    sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
  }
}

/* timestamptz: "...+00" as "...+00:00" (a " BC" kept at the end); zOut holds n+3. */
static int pgTstzNormal(const char *z, int n, char *zOut){
  int nBody = n;
  if( n>3 && memcmp(z+n-3, " BC", 3)==0 ) nBody = n-3;
  memcpy(zOut, z, nBody);
  if( nBody>=4 && (z[nBody-3]=='+' || z[nBody-3]=='-') && isdigit((unsigned char)z[nBody-4])
   && isdigit((unsigned char)z[nBody-2]) && isdigit((unsigned char)z[nBody-1]) ){
    memcpy(zOut+nBody, ":00", 3);
    memcpy(zOut+nBody+3, z+nBody, n-nBody);
    return n+3;
  }
  memcpy(zOut+nBody, z+nBody, n-nBody);
  return n;
}

static int pgHexVal(char c){
  if( c>='0' && c<='9' ) return c-'0';
  if( c>='a' && c<='f' ) return c-'a'+10;
  if( c>='A' && c<='F' ) return c-'A'+10;
  return -1;
}

static void pgByteaValue(sqlite3_context *ctx, const char *z, int n){
  unsigned char *a;
  int i, nOut;
  if( n>=2 && z[0]=='\\' && z[1]=='x' && (n%2)==0 ){
    nOut = (n-2)/2;
    a = sqlite3_malloc64(nOut>0 ? nOut : 1);
    if( a==0 ){ sqlite3_result_error_nomem(ctx); return; }
    for(i=0; i<nOut; i++){
      int h = pgHexVal(z[2+2*i]), l = pgHexVal(z[3+2*i]);
      if( h<0 || l<0 ) break;
      a[i] = (unsigned char)(h*16+l);
    }
    if( i==nOut ){
      sqlite3_result_blob64(ctx, a, nOut, sqlite3_free);
      return;
    }
    sqlite3_free(a);
  }
  {
    /* The escape format (a server that ignored bytea_output). */
    size_t nU = 0;
    unsigned char *u = PQunescapeBytea((const unsigned char*)z, &nU);
    if( u==0 ){ sqlite3_result_error_nomem(ctx); return; }
    sqlite3_result_blob64(ctx, u, nU, SQLITE_TRANSIENT);
    PQfreemem(u);
  }
}

/* Appends an array element of kind eElem (z[0..n), or NULL) as JSON. */
static void pgJsonElement(sqlite3_str *pOut, int eElem, const char *z, int n){
  if( z==0 ){
    sqlite3_str_append(pOut, "null", 4);
    return;
  }
  switch( eElem ){
    case PG_K_INT:
    case PG_K_FLOAT:
    case PG_K_NUMERIC: {
      int i = (z[0]=='-') ? 1 : 0, bNum = i<n;
      for(; i<n; i++){
        char c = z[i];
        if( !((c>='0' && c<='9') || c=='.' || c=='e' || c=='E' || c=='+' || c=='-') ) bNum = 0;
      }
      if( bNum ){
        sqlite3_str_append(pOut, z, n);
      }else if( n>=8 && memcmp(z+n-8, "Infinity", 8)==0 ){
        sqlite3_str_appendall(pOut, z[0]=='-' ? "-9e999" : "9e999");   /* as SQLite's JSON */
      }else{
        sqlite3_str_append(pOut, "null", 4);                           /* NaN */
      }
      break;
    }
    case PG_K_BOOL:
      sqlite3_str_appendall(pOut, z[0]=='t' ? "true" : "false");
      break;
    case PG_K_JSON:
      sqlite3_str_append(pOut, z, n);
      break;
    case PG_K_TSTZ: {
      char zBuf[64];
      if( n<(int)sizeof(zBuf)-3 ){
        sqlormJsonString(pOut, zBuf, pgTstzNormal(z, n, zBuf));
        break;
      }
    } /* fall through */
    default:
      sqlormJsonString(pOut, z, n);
      break;
  }
}

/* Appends the array text at *pz (after its dimensions) as a JSON array; 0 when it is not
** well formed. pTmp collects a quoted element's unescaped text. */
static int pgJsonArray(sqlite3_str *pOut, sqlite3_str *pTmp, const char **pz, int eElem,
                       char cDelim, int iDepth){
  const char *z = *pz;
  if( *z!='{' || iDepth>6 ) return 0;
  z++;
  sqlite3_str_appendchar(pOut, 1, '[');
  if( *z=='}' ){
    z++;
  }else{
    while( 1 ){
      if( *z=='{' ){
        if( !pgJsonArray(pOut, pTmp, &z, eElem, cDelim, iDepth+1) ) return 0;
      }else if( *z=='"' ){
        z++;
        sqlite3_str_reset(pTmp);
        while( *z && *z!='"' ){
          if( *z=='\\' && z[1] ) z++;
          sqlite3_str_appendchar(pTmp, 1, *z);
          z++;
        }
        if( *z!='"' ) return 0;
        z++;
        if( sqlite3_str_errcode(pTmp) ) return 0;
        pgJsonElement(pOut, eElem, sqlite3_str_value(pTmp) ? sqlite3_str_value(pTmp) : "",
                      sqlite3_str_length(pTmp));
      }else{
        const char *zStart = z;
        while( *z && *z!=cDelim && *z!='}' ) z++;
        if( z==zStart ) return 0;
        if( z-zStart==4 && sqlite3_strnicmp(zStart, "NULL", 4)==0 ){
          pgJsonElement(pOut, eElem, 0, 0);
        }else{
          pgJsonElement(pOut, eElem, zStart, (int)(z-zStart));
        }
      }
      if( *z=='}' ){ z++; break; }
      if( *z!=cDelim ) return 0;
      sqlite3_str_appendchar(pOut, 1, ',');
      z++;
    }
  }
  sqlite3_str_appendchar(pOut, 1, ']');
  *pz = z;
  return 1;
}

/* An array as a JSON array: [1,null,3], ["a","b"], [[1,2],[3,4]]; its text when it cannot
** be read as one. Bounds other than 1 ("[0:1]={5,6}") are dropped. */
static void pgArrayValue(sqlite3_context *ctx, const PgKind *pK, const char *z, int n){
  sqlite3_str *pOut = sqlite3_str_new(0);
  sqlite3_str *pTmp = sqlite3_str_new(0);
  const char *y = z;
  int bOk, bNoMem;
  if( *y=='[' ){
    y = strchr(y, '=');
    y = y ? y+1 : z;
  }
  bOk = pgJsonArray(pOut, pTmp, &y, pK->eElem, pK->cDelim, 1) && *y==0;
  bNoMem = sqlite3_str_errcode(pOut)==SQLITE_NOMEM || sqlite3_str_errcode(pTmp)==SQLITE_NOMEM;
  sqlite3_free(sqlite3_str_finish(pTmp));
  if( bNoMem ){
    sqlite3_free(sqlite3_str_finish(pOut));
    sqlite3_result_error_nomem(ctx);
  }else if( bOk ){
    int nOut = sqlite3_str_length(pOut);
    sqlite3_result_text(ctx, sqlite3_str_finish(pOut), nOut, sqlite3_free);
  }else{
    sqlite3_free(sqlite3_str_finish(pOut));
    sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
  }
}

static void pgValue(sqlite3_context *ctx, const PgKind *pK, const char *z, int n){
  switch( pK->eKind ){
    case PG_K_INT:
      sqlite3_result_int64(ctx, strtoll(z, 0, 10));
      break;
    case PG_K_BOOL:
      sqlite3_result_int(ctx, z[0]=='t');
      break;
    case PG_K_FLOAT:
      /* NaN too: SQLite makes it NULL, as for its own NaN. */
      sqlite3_result_double(ctx, pgAtof(z));
      break;
    case PG_K_NUMERIC:
      pgNumericValue(ctx, z, n);
      break;
    case PG_K_BYTEA:
      pgByteaValue(ctx, z, n);
      break;
    case PG_K_TSTZ: {
      char zBuf[64];
      if( n<(int)sizeof(zBuf)-3 ){
        n = pgTstzNormal(z, n, zBuf);
        sqlite3_result_text(ctx, zBuf, n, SQLITE_TRANSIENT);
      }else{
        sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
      }
      break;
    }
    case PG_K_ARRAY:
      pgArrayValue(ctx, pK, z, n);
      break;
    default:
      sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
      break;
  }
}

/*
** Parameters
*/

static void pgParamsFree(PgParams *pP){
  sqlite3_free(pP->pBlock);
  memset(pP, 0, sizeof(*pP));
}

/* apVal as libpq parameters: text with type 0, blobs binary bytea, NULL as NULL. The
** values' own representations are read, never converted in place. */
static int pgParamsInit(PgParams *pP, int n, sqlite3_value **apVal){
  char *pBlock;
  int i, bBlob = 0;
  memset(pP, 0, sizeof(*pP));
  if( n<=0 ) return SQLITE_OK;
  pBlock = sqlite3_malloc64((sqlite3_uint64)n*(sizeof(char*) + 3*sizeof(int) + 33) + 1);
  if( pBlock==0 ) return SQLITE_NOMEM;
  pP->pBlock = pBlock;
  pP->n = n;
  pP->azVal = (const char**)pBlock;
  pP->anLen = (int*)(pBlock + sizeof(char*)*n);
  pP->aFmt = pP->anLen + n;
  pP->aType = (Oid*)(pP->aFmt + n);
  pP->aNum = (char*)(pP->aType + n);
  pP->zBlobs = pP->aNum + 32*n;
  for(i=0; i<n; i++){
    char *zNum = pP->aNum + 32*i;
    pP->anLen[i] = 0;
    pP->aFmt[i] = 0;
    pP->aType[i] = 0;
    pP->zBlobs[i] = '.';
    switch( sqlite3_value_type(apVal[i]) ){
      case SQLITE_NULL:
        pP->azVal[i] = 0;
        break;
      case SQLITE_INTEGER:
        sqlite3_snprintf(32, zNum, "%lld", sqlite3_value_int64(apVal[i]));
        pP->azVal[i] = zNum;
        break;
      case SQLITE_FLOAT:
        pgFormatDouble(sqlite3_value_double(apVal[i]), zNum);
        pP->azVal[i] = zNum;
        break;
      case SQLITE_TEXT:
        pP->azVal[i] = (const char*)sqlite3_value_text(apVal[i]);
        if( pP->azVal[i]==0 ){ pgParamsFree(pP); return SQLITE_NOMEM; }
        break;
      default: {
        const void *a = sqlite3_value_blob(apVal[i]);
        int nByte = sqlite3_value_bytes(apVal[i]);
        if( a==0 && nByte>0 ){ pgParamsFree(pP); return SQLITE_NOMEM; }
        pP->azVal[i] = a ? (const char*)a : "";
        pP->anLen[i] = nByte;
        pP->aFmt[i] = 1;
        pP->aType[i] = PG_BYTEA;
        pP->zBlobs[i] = 'b';
        bBlob = 1;
        break;
      }
    }
  }
  pP->zBlobs[n] = 0;
  if( !bBlob ){
    pP->aType = 0;
    pP->zBlobs = 0;
  }
  return SQLITE_OK;
}

/*
** The statement cache
*/

static unsigned int pgHash(const char *z){
  unsigned int h = 2166136261u;
  for(; *z; z++) h = (h ^ (unsigned char)*z)*16777619u;
  return h;
}

static void pgStmtName(const PgStmt *pS, char *zName){
  sqlite3_snprintf(24, zName, "sqlorm_s%d", pS->iName);
}

/* Frees a slot, deallocating its statement on the server when bDealloc. */
static void pgStmtClear(PgConn *p, PgStmt *pS, int bDealloc){
  if( bDealloc && pS->iName>0 && PQstatus(p->pg)==CONNECTION_OK ){
    char zSql[40];
    sqlite3_snprintf(sizeof(zSql), zSql, "DEALLOCATE sqlorm_s%d", pS->iName);
    PQclear(PQexec(p->pg, zSql));
  }
  sqlite3_free(pS->zSql);
  sqlite3_free(pS->zBlobs);
  sqlite3_free(pS->aCol);
  memset(pS, 0, sizeof(*pS));
}

static PgStmt *pgStmtFind(PgConn *p, const char *zSql, unsigned int h, const PgParams *pP){
  int i;
  for(i=0; i<PG_NSTMT; i++){
    PgStmt *pS = &p->aStmt[i];
    if( pS->zSql && pS->h==h && pS->nParam==pP->n && strcmp(pS->zSql, zSql)==0
     && ((pS->zBlobs==0 && pP->zBlobs==0)
         || (pS->zBlobs && pP->zBlobs && strcmp(pS->zBlobs, pP->zBlobs)==0)) ){
      pS->iUsed = ++p->iClock;
      return pS;
    }
  }
  return 0;
}

/* A slot for zSql, seen for the first time (unprepared), or NULL: none is to be had (out
** of memory, or a failed transaction, where DEALLOCATE cannot run). */
static PgStmt *pgStmtAdd(PgConn *p, const char *zSql, unsigned int h, const PgParams *pP){
  PgStmt *pS = 0;
  int i;
  for(i=0; i<PG_NSTMT; i++){
    if( p->aStmt[i].zSql==0 ){ pS = &p->aStmt[i]; break; }
    if( pS==0 || p->aStmt[i].iUsed<pS->iUsed ) pS = &p->aStmt[i];
  }
  if( pS->zSql ){
    if( pS->iName>0 && PQtransactionStatus(p->pg)!=PQTRANS_IDLE
     && PQtransactionStatus(p->pg)!=PQTRANS_INTRANS ){
      return 0;
    }
    pgStmtClear(p, pS, 1);
  }
  pS->zSql = sqlite3_mprintf("%s", zSql);
  pS->zBlobs = pP->zBlobs ? sqlite3_mprintf("%s", pP->zBlobs) : 0;
  if( pS->zSql==0 || (pP->zBlobs && pS->zBlobs==0) ){
    pgStmtClear(p, pS, 0);
    return 0;
  }
  pS->h = h;
  pS->nParam = pP->n;
  pS->nCol = -1;
  pS->iUsed = ++p->iClock;
  return pS;
}

/* Prepares zSql as zName; with paCol, also learns its result's column types, in the same
** round trip where libpq pipelines. */
static int pgPrepare(PgConn *p, const char *zName, const char *zSql, const PgParams *pP,
                     int *pnCol, Oid **paCol, char **pzErr){
  PGresult *r, *rErr = 0, *rDesc = 0;
  int rc = SQLITE_OK, i;
  if( paCol==0 ){
    r = PQprepare(p->pg, zName, zSql, pP->n, pP->aType);
    if( PQresultStatus(r)!=PGRES_COMMAND_OK ) rc = pgError(p, r, pzErr);
    PQclear(r);
    return rc;
  }
#ifdef LIBPQ_HAS_PIPELINING
  if( PQenterPipelineMode(p->pg) ){
    int nRes = 0, bSync = 0, nNull = 0;
    if( PQsendPrepare(p->pg, zName, zSql, pP->n, pP->aType)
     && PQsendDescribePrepared(p->pg, zName) && PQpipelineSync(p->pg) ){
      while( !bSync ){
        r = PQgetResult(p->pg);
        if( r==0 ){
          /* One NULL ends each command's results; more mean the connection broke. */
          if( ++nNull>2 || PQstatus(p->pg)!=CONNECTION_OK ) break;
          continue;
        }
        nNull = 0;
        switch( PQresultStatus(r) ){
          case PGRES_PIPELINE_SYNC:
            bSync = 1;
            PQclear(r);
            break;
          case PGRES_COMMAND_OK:
            if( nRes++==1 ){ rDesc = r; }else{ PQclear(r); }
            break;
          case PGRES_PIPELINE_ABORTED:
            nRes++;
            PQclear(r);
            break;
          default:
            nRes++;
            if( rErr==0 ){ rErr = r; }else{ PQclear(r); }
            break;
        }
      }
    }
    PQexitPipelineMode(p->pg);
    if( rErr || !bSync || rDesc==0 ){
      rc = pgError(p, rErr, pzErr);
      if( rc==SQLITE_OK ) rc = SQLITE_ERROR;
      PQclear(rErr);
      PQclear(rDesc);
      return rc;
    }
  }else
#endif
  {
    r = PQprepare(p->pg, zName, zSql, pP->n, pP->aType);
    if( PQresultStatus(r)!=PGRES_COMMAND_OK ){
      rc = pgError(p, r, pzErr);
      PQclear(r);
      return rc;
    }
    PQclear(r);
    rDesc = PQdescribePrepared(p->pg, zName);
    if( PQresultStatus(rDesc)!=PGRES_COMMAND_OK ){
      rc = pgError(p, rDesc, pzErr);
      PQclear(rDesc);
      return rc;
    }
  }
  *pnCol = PQnfields(rDesc);
  *paCol = 0;
  if( *pnCol>0 ){
    *paCol = sqlite3_malloc64(sizeof(Oid)*(*pnCol));
    if( *paCol==0 ){
      PQclear(rDesc);
      return SQLITE_NOMEM;
    }
    for(i=0; i<*pnCol; i++) (*paCol)[i] = PQftype(rDesc, i);
  }
  PQclear(rDesc);
  return SQLITE_OK;
}

/* Prepares the cache's statement pS (a new name), described when bDescribe. On failure
** the slot is freed. */
static int pgStmtPrepare(PgConn *p, PgStmt *pS, const PgParams *pP, int bDescribe,
                         char **pzErr){
  char zName[24];
  int rc;
  if( pS->iName>0 ){
    /* Prepared already, not described: the unnamed statement serves to describe it. */
    rc = pgPrepare(p, "", pS->zSql, pP, &pS->nCol, &pS->aCol, pzErr);
  }else{
    pS->iName = ++p->iStmt;
    pgStmtName(pS, zName);
    rc = pgPrepare(p, zName, pS->zSql, pP, &pS->nCol, bDescribe ? &pS->aCol : 0, pzErr);
    if( rc!=SQLITE_OK ) pS->iName = 0;
  }
  if( rc!=SQLITE_OK ) pgStmtClear(p, pS, 0);
  return rc;
}

/*
** Running statements
*/

/* Sends the CLOSEs put off, in one round trip, if their transaction goes on (else they
** went with it). The wire is free. */
static void pgCloseFlush(PgConn *p){
  char zSql[PG_NCLOSE*32];
  int i, n = 0;
  if( p->nClose>0 && p->iCloseTxn==p->iTxn && PQstatus(p->pg)==CONNECTION_OK
   && PQtransactionStatus(p->pg)==PQTRANS_INTRANS ){
    for(i=0; i<p->nClose; i++){
      sqlite3_snprintf((int)sizeof(zSql)-n, zSql+n, "CLOSE %s;", p->azClose[i]);
      n += (int)strlen(zSql+n);
    }
    PQclear(PQexec(p->pg, zSql));
    pgTxnCheck(p);
  }
  p->nClose = 0;
}

/* Makes the wire free for a command: a STREAM on it becomes BUFFERED, CLOSEs put off are
** sent. */
static void pgStreamBuffer(PgRes *pRes);
static int pgIdle(PgConn *p, char **pzErr){
  if( p->pStream ) pgStreamBuffer(p->pStream);
  if( p->nClose>0 ) pgCloseFlush(p);
  return pgUsable(p, pzErr);
}

/* Whether zSql ends the transaction (which closes its cursors): COMMIT, ROLLBACK. */
static int pgEndsTxn(const char *zSql){
  static const char *azWord[] = { "commit", "rollback", "end", "abort" };
  int i, n;
  while( isspace((unsigned char)*zSql) ) zSql++;
  for(i=0; i<4; i++){
    n = (int)strlen(azWord[i]);
    if( sqlite3_strnicmp(zSql, azWord[i], n)==0 ){
      const char *z = zSql+n;
      while( isspace((unsigned char)*z) || *z==';' ) z++;
      if( *z==0 ) return 1;
    }
  }
  return 0;
}

/* Runs n statements (apP[i]: their parameters, or NULL) in one round trip where libpq
** pipelines, one after the other elsewhere; apR[i]: their results (NULL: not run). The
** wire is free. On an error, the first failure's code and message. */
static int pgPipeline(PgConn *p, int n, const char **azSql, const PgParams **apP,
                      PGresult **apR, char **pzErr){
  int i, rc = SQLITE_OK;
  for(i=0; i<n; i++) apR[i] = 0;
#ifdef LIBPQ_HAS_PIPELINING
  if( n>1 && PQenterPipelineMode(p->pg) ){
    int bSent = 1, k = 0, nNull = 0, bSync = 0;
    for(i=0; bSent && i<n; i++){
      const PgParams *pP = apP[i];
      bSent = PQsendQueryParams(p->pg, azSql[i], pP ? pP->n : 0, pP ? pP->aType : 0,
                                pP ? pP->azVal : 0, pP ? pP->anLen : 0, pP ? pP->aFmt : 0, 0);
    }
    if( PQpipelineSync(p->pg) ){
      while( !bSync ){
        PGresult *r = PQgetResult(p->pg);
        if( r==0 ){
          /* One NULL ends each statement's results; more mean the connection broke. */
          if( ++nNull>2 || PQstatus(p->pg)!=CONNECTION_OK ) break;
          continue;
        }
        nNull = 0;
        if( PQresultStatus(r)==PGRES_PIPELINE_SYNC ){
          bSync = 1;
          PQclear(r);
        }else if( k<n ){
          apR[k++] = r;
        }else{
          PQclear(r);
        }
      }
    }
    PQexitPipelineMode(p->pg);
  }else
#endif
  {
    for(i=0; i<n; i++){
      const PgParams *pP = apP[i];
      apR[i] = PQexecParams(p->pg, azSql[i], pP ? pP->n : 0, pP ? pP->aType : 0,
                            pP ? pP->azVal : 0, pP ? pP->anLen : 0, pP ? pP->aFmt : 0, 0);
      if( !pgOk(apR[i]) ) break;
    }
  }
  for(i=0; i<n; i++){
    if( !pgOk(apR[i]) ){
      /* Statements after a failure are PGRES_PIPELINE_ABORTED: the failure is the first. */
      rc = pgError(p, apR[i], pzErr);
      if( rc==SQLITE_OK ) rc = SQLITE_ERROR;
      break;
    }
  }
  pgTxnCheck(p);
  return rc;
}

/* Runs zSql to its end: from the cache when it ran before (prepared on its second run),
** else unnamed. *ppR: the complete result. */
static int pgRun(PgConn *p, const char *zSql, const PgParams *pP, PGresult **ppR,
                 char **pzErr){
  unsigned int h = pgHash(zSql);
  PgStmt *pS = pgStmtFind(p, zSql, h, pP);
  PGresult *r = 0;
  int rc = SQLITE_OK;
  *ppR = 0;
  if( pS && pS->iName==0 ){
    rc = pgStmtPrepare(p, pS, pP, 0, pzErr);
    if( rc!=SQLITE_OK ) return rc;
  }
  if( pS ){
    char zName[24];
    pgStmtName(pS, zName);
    r = PQexecPrepared(p->pg, zName, pP->n, pP->azVal, pP->anLen, pP->aFmt, 0);
    if( pgIsStale(r) ){
      pgStmtClear(p, pS, 1);
      if( PQtransactionStatus(p->pg)==PQTRANS_IDLE ){
        PQclear(r);
        r = PQexecParams(p->pg, zSql, pP->n, pP->aType, pP->azVal, pP->anLen, pP->aFmt, 0);
      }
    }
  }else{
    r = PQexecParams(p->pg, zSql, pP->n, pP->aType, pP->azVal, pP->anLen, pP->aFmt, 0);
    if( pgOk(r) ) pgStmtAdd(p, zSql, h, pP);      /* remembered: prepared if it comes back */
  }
  if( !pgOk(r) ){
    rc = pgError(p, r, pzErr);
    PQclear(r);
    return rc;
  }
  *ppR = r;
  return SQLITE_OK;
}

/* Runs zSql (no parameters, not cached) and checks it succeeded. */
static int pgExecSimple(PgConn *p, const char *zSql, PGresult **ppR, char **pzErr){
  PGresult *r;
  int rc = pgIdle(p, pzErr);
  if( ppR ) *ppR = 0;
  if( rc!=SQLITE_OK ) return rc;
  r = PQexec(p->pg, zSql);
  if( !pgOk(r) ){
    rc = pgError(p, r, pzErr);
  }else if( ppR ){
    *ppR = r;
    r = 0;
  }
  PQclear(r);
  pgTxnCheck(p);
  return rc;
}

/*
** Results
*/

static void pgRowOf(PgRes *pRes, const PGresult *r, int iRow){
  int i, n = PQnfields(r);
  for(i=0; i<pRes->nCol; i++){
    if( i>=n || PQgetisnull(r, iRow, i) ){
      pRes->azVal[i] = 0;
      pRes->anLen[i] = 0;
    }else{
      pRes->azVal[i] = PQgetvalue(r, iRow, i);
      pRes->anLen[i] = PQgetlength(r, iRow, i);
    }
  }
  pRes->bRow = 1;
}

/* BUFFERED: stores the row of r at the end of the chunks. */
static int pgChunkAppend(PgRes *pRes, const PGresult *r){
  PgChunk *pC = pRes->pLast;
  int i, nByte = 0, nField = PQnfields(r);
  char *a;
  for(i=0; i<pRes->nCol; i++){
    nByte += (int)sizeof(int)
           + (i>=nField || PQgetisnull(r, 0, i) ? 0 : PQgetlength(r, 0, i)+1);
  }
  if( pC==0 || pC->nAlloc - pC->nUsed < nByte ){
    int nAlloc = nByte>PG_CHUNK ? nByte : PG_CHUNK;
    pC = sqlite3_malloc64(sizeof(PgChunk) + nAlloc);
    if( pC==0 ) return SQLITE_NOMEM;
    pC->pNext = 0;
    pC->nUsed = 0;
    pC->nAlloc = nAlloc;
    if( pRes->pLast ){ pRes->pLast->pNext = pC; }else{ pRes->pFirst = pC; pRes->iOff = 0; }
    pRes->pLast = pC;
  }
  a = (char*)&pC[1] + pC->nUsed;
  for(i=0; i<pRes->nCol; i++){
    int n = i>=nField || PQgetisnull(r, 0, i) ? -1 : PQgetlength(r, 0, i);
    memcpy(a, &n, sizeof(int));
    a += sizeof(int);
    if( n>=0 ){
      memcpy(a, PQgetvalue(r, 0, i), n);
      a[n] = 0;
      a += n+1;
    }
  }
  pC->nUsed += nByte;
  return SQLITE_OK;
}

/* BUFFERED: makes the next stored row current; 0 when there is none. A chunk is freed
** once its last row is left. */
static int pgChunkRow(PgRes *pRes){
  PgChunk *pC = pRes->pFirst;
  const char *a;
  int i;
  while( pC && pRes->iOff>=pC->nUsed ){
    pRes->pFirst = pC->pNext;
    sqlite3_free(pC);
    pC = pRes->pFirst;
    pRes->iOff = 0;
  }
  if( pC==0 ){
    pRes->pLast = 0;
    return 0;
  }
  a = (const char*)&pC[1] + pRes->iOff;
  for(i=0; i<pRes->nCol; i++){
    int n;
    memcpy(&n, a, sizeof(int));
    a += sizeof(int);
    if( n<0 ){
      pRes->azVal[i] = 0;
      pRes->anLen[i] = 0;
    }else{
      pRes->azVal[i] = a;
      pRes->anLen[i] = n;
      a += n+1;
    }
  }
  pRes->iOff = (int)(a - (const char*)&pC[1]);
  pRes->bRow = 1;
  return 1;
}

/* STREAM: the next result from the wire. SQLITE_ROW: *ppR is a row. SQLITE_DONE: the end.
** Else an error, *ppR its result (or NULL), the caller makes the message. Past a row the
** wire is drained and free again. */
static int pgStreamStep(PgRes *pRes, PGresult **ppR){
  PgConn *p = pRes->pConn;
  PGresult *r = PQgetResult(p->pg);
  int rc;
  *ppR = 0;
  if( r && PQresultStatus(r)==PGRES_SINGLE_TUPLE ){
    *ppR = r;
    return SQLITE_ROW;
  }
  if( pgOk(r) ){
    PQclear(r);
    rc = SQLITE_DONE;
  }else{
    *ppR = r;
    rc = SQLITE_ERROR;
  }
  pgDrain(p);
  p->pStream = 0;
  pgTxnCheck(p);
  return rc;
}

/* Records how the result ends (its current row, if any, stays readable). */
static void pgResEnd(PgRes *pRes, int rc, char *zErr){
  pRes->bEnd = 1;
  pRes->rcEnd = rc;
  sqlite3_free(pRes->zErrEnd);
  pRes->zErrEnd = zErr;
}

/* Reads the rest of a STREAM into memory, so that another command can run. */
static void pgStreamBuffer(PgRes *pRes){
  PgConn *p = pRes->pConn;
  int rc, rcMem = SQLITE_OK;
  PGresult *r;
  while( (rc = pgStreamStep(pRes, &r))==SQLITE_ROW ){
    if( rcMem==SQLITE_OK ) rcMem = pgChunkAppend(pRes, r);
    PQclear(r);
  }
  pRes->eMode = PG_BUFFERED;
  if( rc==SQLITE_DONE && rcMem==SQLITE_OK ){
    pgResEnd(pRes, SQLITE_DONE, 0);
  }else if( rc==SQLITE_DONE ){
    pgResEnd(pRes, rcMem, 0);
  }else{
    char *zErr = 0;
    rc = pgError(p, r, &zErr);
    pgResEnd(pRes, rc, zErr);
    PQclear(r);
  }
  /* Rows stored come before the end: bEnd is read once they are used up. */
}

/* Opens a STREAM: described first (to know its column types before rows arrive), then
** sent in single-row mode; its first row is read here, so that errors come from xQuery. */
static int pgStreamOpen(PgConn *p, PgRes *pRes, const char *zSql, const PgParams *pP,
                        char **pzErr){
  unsigned int h = pgHash(zSql);
  int nTry = 0, rc;
  for(;;){
    PgStmt *pS = pgStmtFind(p, zSql, h, pP);
    char zName[24];
    Oid *aTmp = 0;
    int nCol = 0;
    PGresult *r;
    if( pS==0 ) pS = pgStmtAdd(p, zSql, h, pP);
    if( pS && (pS->iName==0 || pS->nCol<0) ){
      rc = pgStmtPrepare(p, pS, pP, 1, pzErr);
      if( rc!=SQLITE_OK ) return rc;
    }
    if( pS ){
      pgStmtName(pS, zName);
      rc = pgResSetTypes(pRes, pS->nCol, pS->aCol, pzErr);
    }else{
      int nType = p->nType;
      zName[0] = 0;                     /* no slot: the unnamed statement */
      rc = pgPrepare(p, "", zSql, pP, &nCol, &aTmp, pzErr);
      if( rc==SQLITE_OK ) rc = pgResSetTypes(pRes, nCol, aTmp, pzErr);
      sqlite3_free(aTmp);
      /* A pg_type lookup ran in the unnamed statement: prepare it again. */
      if( rc==SQLITE_OK && p->nType!=nType ) rc = pgPrepare(p, "", zSql, pP, 0, 0, pzErr);
    }
    if( rc!=SQLITE_OK ) return rc;
    pRes->bCancel = PQtransactionStatus(p->pg)==PQTRANS_IDLE && pgIsSelect(zSql);
    if( !PQsendQueryPrepared(p->pg, zName, pP->n, pP->azVal, pP->anLen, pP->aFmt, 0) ){
      return pgError(p, 0, pzErr);
    }
    if( !PQsetSingleRowMode(p->pg) ){
      pgDrain(p);
      return pgError(p, 0, pzErr);
    }
    p->pStream = pRes;
    pRes->eMode = PG_STREAM;
    rc = pgStreamStep(pRes, &r);
    if( rc==SQLITE_ROW ){
      pRes->pCur = r;
      pRes->bPending = 1;
      return SQLITE_OK;
    }
    if( rc==SQLITE_DONE ){
      pgResEnd(pRes, SQLITE_DONE, 0);
      return SQLITE_OK;
    }
    if( pS && nTry==0 && pgIsStale(r) && PQtransactionStatus(p->pg)==PQTRANS_IDLE ){
      PQclear(r);
      pgStmtClear(p, pS, 1);
      nTry++;
      continue;
    }
    if( pS && pgIsStale(r) ) pgStmtClear(p, pS, 1);
    rc = pgError(p, r, pzErr);
    PQclear(r);
    return rc;
  }
}

/* CURSOR: the next batch into pCur; with zDecl, the DECLARE before it. The CLOSEs put
** off come first: all of it in one round trip. */
static int pgCursorFetch(PgRes *pRes, const char *zDecl, const PgParams *pP, char **pzErr){
  PgConn *p = pRes->pConn;
  const char *azSql[PG_NCLOSE+2];
  const PgParams *apP[PG_NCLOSE+2];
  PGresult *apR[PG_NCLOSE+2], *r;
  char azClose[PG_NCLOSE][40], zFetch[64];
  int i, n = 0, rc;
  PQclear(pRes->pCur);
  pRes->pCur = 0;
  pRes->iRow = -1;
  pRes->bRow = 0;
  if( p->pStream ) pgStreamBuffer(p->pStream);
  rc = pgUsable(p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( pRes->iTxn!=p->iTxn ){
    pgSetError(0, sqlite3_mprintf("postgresql: the transaction this result was read in has "
               "ended, and its cursor with it"), pzErr);
    return SQLITE_ERROR;
  }
  if( zDecl==0 && pRes->iRollback!=p->iRollback ){
    /* A ROLLBACK TO closes the cursors opened after its savepoint: FETCH from one that is
    ** gone would fail the transaction. */
    const char *azVal[1];
    azVal[0] = pRes->zCursor;
    pgCloseFlush(p);
    r = PQexecParams(p->pg, "SELECT 1 FROM pg_catalog.pg_cursors WHERE name = $1",
                     1, 0, azVal, 0, 0, 0);
    if( PQresultStatus(r)!=PGRES_TUPLES_OK ){
      rc = pgError(p, r, pzErr);
      PQclear(r);
      return rc;
    }
    if( PQntuples(r)==0 ){
      PQclear(r);
      pRes->bDeclared = 0;
      pgSetError(0, sqlite3_mprintf("postgresql: a ROLLBACK TO closed the cursor of this "
                 "result"), pzErr);
      return SQLITE_ERROR;
    }
    PQclear(r);
    pRes->iRollback = p->iRollback;
  }
  if( p->nClose>0 && p->iCloseTxn==p->iTxn
   && PQtransactionStatus(p->pg)==PQTRANS_INTRANS ){
    for(i=0; i<p->nClose; i++){
      sqlite3_snprintf(sizeof(azClose[i]), azClose[i], "CLOSE %s", p->azClose[i]);
      azSql[n] = azClose[i];
      apP[n++] = 0;
    }
  }
  p->nClose = 0;
  if( zDecl ){
    azSql[n] = zDecl;
    apP[n++] = pP;
  }
  sqlite3_snprintf(sizeof(zFetch), zFetch, "FETCH FORWARD %d FROM %s", pRes->nFetch,
                   pRes->zCursor);
  azSql[n] = zFetch;
  apP[n++] = 0;
  rc = pgPipeline(p, n, azSql, apP, apR, pzErr);
  if( zDecl && PQresultStatus(apR[n-2])==PGRES_COMMAND_OK ) pRes->bDeclared = 1;
  if( rc==SQLITE_OK ){
    r = pRes->pCur = apR[n-1];
    apR[n-1] = 0;
    if( PQntuples(r)<pRes->nFetch ) pRes->bLast = 1;
    if( PQntuples(r)>0 ){
      /* The next batch: up to PG_FETCH_MAX rows, fewer when rows are wide. */
      sqlite3_int64 nRow = 16;
      int nNext;
      for(i=0; i<PQnfields(r); i++) nRow += 8 + PQgetlength(r, 0, i);
      nNext = (int)(PG_FETCH_BYTES / nRow);
      pRes->nFetch = nNext>PG_FETCH_MAX ? PG_FETCH_MAX : nNext<1 ? 1 : nNext;
    }
  }
  for(i=0; i<n; i++) PQclear(apR[i]);
  return rc;
}

/* Opens a CURSOR (inside a transaction) and fetches its first batch, in one round trip. */
static int pgCursorOpen(PgConn *p, PgRes *pRes, const char *zSql, const PgParams *pP,
                        char **pzErr){
  char *zDecl;
  int rc;
  sqlite3_snprintf(sizeof(pRes->zCursor), pRes->zCursor, "sqlorm_c%d", ++p->iCursor);
  zDecl = sqlite3_mprintf("DECLARE %s NO SCROLL CURSOR FOR %s", pRes->zCursor, zSql);
  if( zDecl==0 ) return SQLITE_NOMEM;
  pRes->eMode = PG_CURSOR;
  pRes->iTxn = p->iTxn;
  pRes->iRollback = p->iRollback;
  pRes->nFetch = PG_FETCH_FIRST;
  rc = pgCursorFetch(pRes, zDecl, pP, pzErr);
  sqlite3_free(zDecl);
  if( rc==SQLITE_OK ) rc = pgResTypesOf(pRes, pRes->pCur, pzErr);
  return rc;
}

/* A finished cursor: its CLOSE is put off to the next round trip, unless a ROLLBACK TO may
** have closed it already; then it runs inside a savepoint, since a failing CLOSE would
** fail the transaction. Gone with its transaction, or with the ROLLBACK of a failed one. */
static void pgCursorClose(PgRes *pRes){
  PgConn *p = pRes->pConn;
  char zSql[96];
  PGresult *r;
  pRes->bDeclared = 0;
  if( pRes->iTxn!=p->iTxn || !p->bTxn || PQstatus(p->pg)!=CONNECTION_OK ) return;
  if( pRes->iRollback==p->iRollback ){
    if( p->nClose==PG_NCLOSE && pgIdle(p, 0)!=SQLITE_OK ) return;
    memcpy(p->azClose[p->nClose++], pRes->zCursor, sizeof(pRes->zCursor));
    p->iCloseTxn = p->iTxn;
    return;
  }
  if( pgIdle(p, 0)!=SQLITE_OK || PQtransactionStatus(p->pg)!=PQTRANS_INTRANS ) return;
  sqlite3_snprintf(sizeof(zSql), zSql,
                   "SAVEPOINT sqlorm_close; CLOSE %s; RELEASE sqlorm_close", pRes->zCursor);
  r = PQexec(p->pg, zSql);
  if( !pgOk(r) ) PQclear(PQexec(p->pg, "ROLLBACK TO sqlorm_close; RELEASE sqlorm_close"));
  PQclear(r);
  pgTxnCheck(p);
}

/* STREAM: drops the rest. For a SELECT outside a transaction a cancel spares reading it
** (unless all of it arrived already); anything else runs to its end, as it would have. */
static void pgStreamAbandon(PgRes *pRes){
  PgConn *p = pRes->pConn;
  PGresult *r;
  PQconsumeInput(p->pg);
  while( !PQisBusy(p->pg) ){
    r = PQgetResult(p->pg);
    if( r==0 ) break;
    PQclear(r);
  }
  if( PQisBusy(p->pg) ){
    if( pRes->bCancel ){
      PGcancel *pCancel = PQgetCancel(p->pg);
      if( pCancel ){
        char zBuf[256];
        PQcancel(pCancel, zBuf, sizeof(zBuf));
        PQfreeCancel(pCancel);
      }
    }
    pgDrain(p);
  }
  p->pStream = 0;
  pgTxnCheck(p);
}

static void pgResUnlink(PgRes *pRes){
  PgConn *p = pRes->pConn;
  if( p==0 ) return;
  if( pRes->pPrev ){ pRes->pPrev->pNext = pRes->pNext; }else{ p->pOpen = pRes->pNext; }
  if( pRes->pNext ) pRes->pNext->pPrev = pRes->pPrev;
  pRes->pNext = pRes->pPrev = 0;
}

/*
** The methods
*/

static void pgParam(sqlite3_str *pStr, int i){
  sqlite3_str_appendf(pStr, "$%d", i);
}

/* A long IN list: the elements of one JSON array parameter, cast to the column's type. */
static void pgJsonIn(sqlite3_str *pStr, const char *zQuotedCol, int i, const OrmRemoteCol *pCol){
  /* The column's type without its modifiers: varchar(10) or numeric(5,2) would cut or
  ** round a value into a false match. */
  const char *z = pCol->zRemoteType ? pCol->zRemoteType : "text";
  int j, nParen = 0;
  sqlite3_str_appendf(pStr, "%s IN (SELECT json_array_elements_text($%d::json)::", zQuotedCol, i);
  for(j=0; z[j]; j++){
    if( z[j]=='(' ) nParen++;
    else if( z[j]==')' ) nParen--;
    else if( nParen==0 ) sqlite3_str_appendchar(pStr, 1, z[j]);
  }
  sqlite3_str_appendchar(pStr, 1, ')');
}

/* An array column takes the JSON array its reads give: its elements, as text, cast to the
** column's type (one dimension; a JSON null is a NULL element). */
static void pgWriteParam(sqlite3_str *pStr, int i, const OrmRemoteCol *pCol){
  if( pCol->eType==ORM_RTYPE_ARRAY && pCol->zRemoteType ){
    sqlite3_str_appendf(pStr, "CASE WHEN $%d::json IS NULL THEN NULL ELSE ARRAY(SELECT "
        "json_array_elements_text($%d::json))::%s END", i, i, pCol->zRemoteType);
  }else{
    sqlite3_str_appendf(pStr, "$%d", i);
  }
}

static void pgQuoteId(sqlite3_str *pStr, const char *zId){
  sqlite3_str_appendchar(pStr, 1, '"');
  for(; *zId; zId++){
    if( *zId=='"' ) sqlite3_str_appendchar(pStr, 1, '"');
    sqlite3_str_appendchar(pStr, 1, *zId);
  }
  sqlite3_str_appendchar(pStr, 1, '"');
}

static void pgOrderTerm(sqlite3_str *pStr, const char *zQuotedCol, int bDesc){
  sqlite3_str_appendf(pStr, "%s %s", zQuotedCol, bDesc ? "DESC NULLS LAST" : "ASC NULLS FIRST");
}

static void pgDisconnect(OrmRemoteConn *pBase){
  PgConn *p = (PgConn*)pBase;
  int i;
  if( p==0 ) return;
  while( p->pOpen ){
    PgRes *pRes = p->pOpen;
    pgResUnlink(pRes);
    pRes->pConn = 0;
  }
  PQfinish(p->pg);
  for(i=0; i<PG_NSTMT; i++) pgStmtClear(p, &p->aStmt[i], 0);
  for(i=0; i<2; i++){
    if( p->azSecret[i] ){
      memset(p->azSecret[i], 0, strlen(p->azSecret[i]));
      sqlite3_free(p->azSecret[i]);
    }
  }
  sqlite3_free(p->aType);
  sqlite3_free(p->zUrl);
  sqlite3_free(p);
}

static int pgConnect(const OrmRemoteUrl *pUrl, int iTimeout, OrmRemoteConn **pp,
                     char **pzErr){
  PQconninfoOption *aDef;
  const char **azKey = 0, **azVal = 0;
  const char *zPwOpt = sqlormRemoteUrlOpt(pUrl, "password");
  char zPort[16], zTimeout[16];
  char *azSecret[2];
  PgConn *p;
  PGconn *pg;
  PGresult *r;
  int i, n = 0, rc = SQLITE_OK;
  *pp = 0;
  azSecret[0] = pUrl->zPassword;
  azSecret[1] = (char*)zPwOpt;
  /* Query options are libpq keywords: a typo is named here, not as libpq's message. */
  aDef = PQconndefaults();
  if( aDef==0 ) return SQLITE_NOMEM;
  for(i=0; i<pUrl->optKey.n; i++){
    PQconninfoOption *pOpt;
    for(pOpt=aDef; pOpt->keyword; pOpt++){
      if( strcmp(pOpt->keyword, pUrl->optKey.az[i])==0 ) break;
    }
    if( pOpt->keyword==0 ){
      pgSetError(azSecret, sqlite3_mprintf("postgresql: unknown connection option \"%s\" in "
                 "%s: the query options of a postgresql URL are libpq's connection keywords "
                 "(sslmode, service, passfile, options, ...)", pUrl->optKey.az[i],
                 pUrl->zRedacted), pzErr);
      PQconninfoFree(aDef);
      return SQLITE_ERROR;
    }
  }
  PQconninfoFree(aDef);
  azKey = sqlite3_malloc64(sizeof(char*)*(pUrl->optKey.n + 10));
  azVal = sqlite3_malloc64(sizeof(char*)*(pUrl->optKey.n + 10));
  if( azKey==0 || azVal==0 ){
    sqlite3_free(azKey);
    sqlite3_free(azVal);
    return SQLITE_NOMEM;
  }
  /* Later keywords win: the URL's options override ours, but not client_encoding. */
  if( pUrl->zHost ){ azKey[n] = "host"; azVal[n++] = pUrl->zHost; }
  if( pUrl->iPort>0 ){
    sqlite3_snprintf(sizeof(zPort), zPort, "%d", pUrl->iPort);
    azKey[n] = "port"; azVal[n++] = zPort;
  }
  if( pUrl->zUser ){ azKey[n] = "user"; azVal[n++] = pUrl->zUser; }
  if( pUrl->zPassword ){ azKey[n] = "password"; azVal[n++] = pUrl->zPassword; }
  if( pUrl->zDatabase ){ azKey[n] = "dbname"; azVal[n++] = pUrl->zDatabase; }
  if( iTimeout>0 ){
    sqlite3_snprintf(sizeof(zTimeout), zTimeout, "%d", iTimeout);
    azKey[n] = "connect_timeout"; azVal[n++] = zTimeout;
  }
  azKey[n] = "application_name"; azVal[n++] = "sqlorm";
  for(i=0; i<pUrl->optKey.n; i++){
    azKey[n] = pUrl->optKey.az[i];
    azVal[n++] = pUrl->optVal.az[i];
  }
  azKey[n] = "client_encoding"; azVal[n++] = "UTF8";
  azKey[n] = 0; azVal[n] = 0;
  pg = PQconnectdbParams(azKey, azVal, 0);
  sqlite3_free(azKey);
  sqlite3_free(azVal);
  if( pg==0 ) return SQLITE_NOMEM;
  if( PQstatus(pg)!=CONNECTION_OK ){
    char *zWhy = pgClean(PQerrorMessage(pg));
    pgSetError(azSecret, sqlite3_mprintf("cannot connect to %s: %s", pUrl->zRedacted,
               zWhy ? zWhy : "?"), pzErr);
    sqlite3_free(zWhy);
    PQfinish(pg);
    return SQLITE_CANTOPEN;
  }
  PQsetNoticeProcessor(pg, pgNoticeIgnore, 0);
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ){
    PQfinish(pg);
    return SQLITE_NOMEM;
  }
  memset(p, 0, sizeof(*p));
  p->base.pBe = &sqlormBackendPg;
  p->base.iCreated = (sqlite3_int64)time(0);
  p->pg = pg;
  for(i=0; i<2; i++){
    if( azSecret[i] && azSecret[i][0] ){
      p->azSecret[i] = sqlite3_mprintf("%s", azSecret[i]);
      if( p->azSecret[i]==0 ) rc = SQLITE_NOMEM;
    }
  }
  /* Redacted, and scrubbed of a ?password= option, which the redaction leaves. */
  pgSetError(p->azSecret, sqlite3_mprintf("%s", pUrl->zRedacted), &p->zUrl);
  if( p->zUrl==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    /* What the conversions rely on, in one round trip. */
    r = PQexec(pg, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET extra_float_digits = 3;"
                   " SET client_encoding = 'UTF8'; SET bytea_output = 'hex'");
    if( PQresultStatus(r)!=PGRES_COMMAND_OK ){
      char *zWhy = 0;
      pgError(p, r, &zWhy);
      pgSetError(p->azSecret, sqlite3_mprintf("cannot set up the session on %s: %s",
                 p->zUrl, zWhy ? zWhy : "?"), pzErr);
      sqlite3_free(zWhy);
      rc = SQLITE_CANTOPEN;
    }
    PQclear(r);
  }
  if( rc!=SQLITE_OK ){
    pgDisconnect(&p->base);
    return rc;
  }
  *pp = &p->base;
  return SQLITE_OK;
}

static int pgPing(OrmRemoteConn *pBase){
  PgConn *p = (PgConn*)pBase;
  PGresult *r;
  int bOk;
  if( PQstatus(p->pg)!=CONNECTION_OK ) return SQLITE_IOERR;
  if( p->pStream ) return SQLITE_OK;          /* rows are arriving: it lives */
  r = PQexec(p->pg, "");
  bOk = PQresultStatus(r)==PGRES_EMPTY_QUERY;
  PQclear(r);
  return bOk && PQstatus(p->pg)==CONNECTION_OK ? SQLITE_OK : SQLITE_IOERR;
}

static void pgFinish(OrmRemoteRes *pR);

static int pgQuery(OrmRemoteConn *pBase, const char *zSql, int nParam,
                   sqlite3_value **apParam, int flags, OrmRemoteRes **ppRes, char **pzErr){
  PgConn *p = (PgConn*)pBase;
  PgParams par;
  PgRes *pRes;
  int rc;
  *ppRes = 0;
  rc = pgIdle(p, pzErr);
  if( rc==SQLITE_OK ) rc = pgParamsInit(&par, nParam, apParam);
  if( rc!=SQLITE_OK ) return rc;
  pRes = sqlite3_malloc64(sizeof(*pRes));
  if( pRes==0 ){
    pgParamsFree(&par);
    return SQLITE_NOMEM;
  }
  memset(pRes, 0, sizeof(*pRes));
  pRes->pConn = p;
  pRes->iRow = -1;
  pRes->pNext = p->pOpen;
  if( p->pOpen ) p->pOpen->pPrev = pRes;
  p->pOpen = pRes;
  if( flags & ORM_QUERY_ONE ){
    pRes->eMode = PG_ONE;
    rc = pgRun(p, zSql, &par, &pRes->pCur, pzErr);
    if( rc==SQLITE_OK ) rc = pgResTypesOf(pRes, pRes->pCur, pzErr);
  }else if( PQtransactionStatus(p->pg)==PQTRANS_INTRANS && pgIsSelect(zSql) ){
    rc = pgCursorOpen(p, pRes, zSql, &par, pzErr);
  }else{
    rc = pgStreamOpen(p, pRes, zSql, &par, pzErr);
  }
  pgParamsFree(&par);
  pgTxnCheck(p);
  if( rc!=SQLITE_OK ){
    pgFinish((OrmRemoteRes*)pRes);
    return rc;
  }
  *ppRes = (OrmRemoteRes*)pRes;
  return SQLITE_OK;
}

static int pgDetached(char **pzErr){
  pgSetError(0, sqlite3_mprintf("postgresql: the connection of this result was closed"),
             pzErr);
  return SQLITE_IOERR;
}

static int pgNext(OrmRemoteRes *pR, char **pzErr){
  PgRes *pRes = (PgRes*)pR;
  PgConn *p = pRes->pConn;
  PGresult *r;
  int rc;
  pRes->bRow = 0;
  switch( pRes->eMode ){
    case PG_ONE:
      if( pRes->pCur && pRes->iRow+1<PQntuples(pRes->pCur) ){
        pgRowOf(pRes, pRes->pCur, ++pRes->iRow);
        return SQLITE_ROW;
      }
      return SQLITE_DONE;
    case PG_CURSOR:
      if( pRes->bEnd ) break;
      if( pRes->pCur && pRes->iRow+1<PQntuples(pRes->pCur) ){
        pgRowOf(pRes, pRes->pCur, ++pRes->iRow);
        return SQLITE_ROW;
      }
      if( pRes->bLast ){
        pgResEnd(pRes, SQLITE_DONE, 0);
        break;
      }
      if( p==0 ) return pgDetached(pzErr);
      rc = pgCursorFetch(pRes, 0, 0, pzErr);
      if( rc!=SQLITE_OK ){
        pgResEnd(pRes, rc, 0);
        return rc;
      }
      if( PQntuples(pRes->pCur)==0 ){
        pgResEnd(pRes, SQLITE_DONE, 0);
        break;
      }
      pgRowOf(pRes, pRes->pCur, pRes->iRow = 0);
      return SQLITE_ROW;
    case PG_STREAM:
    case PG_BUFFERED:
      if( pRes->bPending ){
        pRes->bPending = 0;
        pgRowOf(pRes, pRes->pCur, 0);
        return SQLITE_ROW;
      }
      PQclear(pRes->pCur);
      pRes->pCur = 0;
      if( pRes->eMode==PG_BUFFERED ){
        if( pgChunkRow(pRes) ) return SQLITE_ROW;
        break;
      }
      if( pRes->bEnd ) break;
      if( p==0 ) return pgDetached(pzErr);
      rc = pgStreamStep(pRes, &r);
      if( rc==SQLITE_ROW ){
        pRes->pCur = r;
        pgRowOf(pRes, r, 0);
        return SQLITE_ROW;
      }
      if( rc==SQLITE_DONE ){
        pgResEnd(pRes, SQLITE_DONE, 0);
        break;
      }
      rc = pgError(p, r, pzErr);
      PQclear(r);
      pgResEnd(pRes, rc, 0);
      return rc;
  }
  if( !pRes->bEnd ) return SQLITE_DONE;
  if( pRes->zErrEnd ){
    pgSetError(0, pRes->zErrEnd, pzErr);
    pRes->zErrEnd = 0;
  }
  return pRes->rcEnd;
}

static void pgColumn(OrmRemoteRes *pR, int iCol, sqlite3_context *ctx){
  PgRes *pRes = (PgRes*)pR;
  if( !pRes->bRow || iCol<0 || iCol>=pRes->nCol || pRes->azVal[iCol]==0 ){
    sqlite3_result_null(ctx);
    return;
  }
  pgValue(ctx, &pRes->aCol[iCol], pRes->azVal[iCol], pRes->anLen[iCol]);
}

static void pgFinish(OrmRemoteRes *pR){
  PgRes *pRes = (PgRes*)pR;
  PgConn *p;
  if( pRes==0 ) return;
  p = pRes->pConn;
  if( p ){
    if( p->pStream==pRes ) pgStreamAbandon(pRes);
    if( pRes->eMode==PG_CURSOR && pRes->bDeclared ) pgCursorClose(pRes);
    pgResUnlink(pRes);
  }
  PQclear(pRes->pCur);
  while( pRes->pFirst ){
    PgChunk *pC = pRes->pFirst;
    pRes->pFirst = pC->pNext;
    sqlite3_free(pC);
  }
  sqlite3_free(pRes->zErrEnd);
  sqlite3_free((void*)pRes->azVal);
  sqlite3_free(pRes);
}

static int pgExec(OrmRemoteConn *pBase, const char *zSql, int nParam,
                  sqlite3_value **apParam, sqlite3_int64 *pnChanged, char **pzErr){
  PgConn *p = (PgConn*)pBase;
  PgParams par;
  PGresult *r = 0;
  int rc;
  if( pnChanged ) *pnChanged = 0;
  if( pgEndsTxn(zSql) ) p->nClose = 0;      /* the end of the transaction closes them */
  rc = pgIdle(p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( nParam==0 && strchr(zSql, ';') ){
    /* Several statements: the simple protocol runs them, never prepared. */
    r = PQexec(p->pg, zSql);
    if( !pgOk(r) ){
      rc = pgError(p, r, pzErr);
      PQclear(r);
      r = 0;
    }
  }else{
    rc = pgParamsInit(&par, nParam, apParam);
    if( rc==SQLITE_OK ) rc = pgRun(p, zSql, &par, &r, pzErr);
    pgParamsFree(&par);
  }
  if( pgHasWord(zSql, "rollback") ) p->iRollback++;
  pgTxnCheck(p);
  if( r ){
    if( pnChanged ) *pnChanged = strtoll(PQcmdTuples(r), 0, 10);
    PQclear(r);
  }
  return rc;
}

/* zGid as SQL text, or an error when it is not the [A-Za-z0-9_]{1,64} remote.h promises. */
static int pgGidSql(PgConn *p, const char *zFormat, const char *zGid, char **pzSql,
                    char **pzErr){
  const char *z;
  for(z=zGid; *z; z++){
    if( !(isalnum((unsigned char)*z) || *z=='_') ) break;
  }
  *pzSql = 0;
  if( *z || z==zGid || z-zGid>64 ){
    pgSetError(p->azSecret, sqlite3_mprintf("postgresql: bad transaction id '%s' (want "
               "[A-Za-z0-9_], 1 to 64 of them)", zGid), pzErr);
    return SQLITE_MISUSE;
  }
  *pzSql = sqlite3_mprintf(zFormat, zGid);
  return *pzSql ? SQLITE_OK : SQLITE_NOMEM;
}

static int pgPrepareTxn(OrmRemoteConn *pBase, const char *zGid, char **pzErr){
  PgConn *p = (PgConn*)pBase;
  PGresult *r = 0;
  char *zSql;
  int rc = pgGidSql(p, "PREPARE TRANSACTION '%s'", zGid, &zSql, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  p->nClose = 0;                            /* PREPARE TRANSACTION closes them */
  rc = pgIdle(p, pzErr);
  if( rc==SQLITE_OK && PQtransactionStatus(p->pg)==PQTRANS_IDLE ){
    /* The server would only warn, and prepare nothing. */
    pgSetError(0, sqlite3_mprintf("postgresql: no transaction to prepare as '%s'", zGid),
               pzErr);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    r = PQexec(p->pg, zSql);
    if( !pgOk(r) ){
      const char *zState = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      rc = pgError(p, r, pzErr);
      if( zState && strcmp(zState, "55000")==0 && PQstatus(p->pg)==CONNECTION_OK ){
        pgSetError(0, sqlite3_mprintf("postgresql: cannot prepare transaction '%s' on %s: "
                   "prepared transactions are disabled; two-phase commit needs the server "
                   "setting max_prepared_transactions above 0 (postgresql.conf, then a "
                   "restart); the transaction was rolled back", zGid, p->zUrl), pzErr);
      }
    }else if( strcmp(PQcmdStatus(r), "PREPARE TRANSACTION")!=0 ){
      /* A failed transaction is rolled back instead, without an error. */
      pgSetError(0, sqlite3_mprintf("postgresql: the transaction had failed: it was rolled "
                 "back, not prepared as '%s'", zGid), pzErr);
      rc = SQLITE_ERROR;
    }
    PQclear(r);
  }
  sqlite3_free(zSql);
  pgTxnCheck(p);
  return rc;
}

static int pgCommitPrepared(OrmRemoteConn *pBase, const char *zGid, char **pzErr){
  PgConn *p = (PgConn*)pBase;
  char *zSql;
  int rc = pgGidSql(p, "COMMIT PREPARED '%s'", zGid, &zSql, pzErr);
  if( rc==SQLITE_OK ) rc = pgExecSimple(p, zSql, 0, pzErr);
  sqlite3_free(zSql);
  return rc;
}

static int pgRollbackPrepared(OrmRemoteConn *pBase, const char *zGid, char **pzErr){
  PgConn *p = (PgConn*)pBase;
  char *zSql;
  int rc = pgGidSql(p, "ROLLBACK PREPARED '%s'", zGid, &zSql, pzErr);
  if( rc==SQLITE_OK ) rc = pgExecSimple(p, zSql, 0, pzErr);
  sqlite3_free(zSql);
  return rc;
}

/* Runs a catalog query (text parameters, NULL for NULL) to its end. */
static int pgCatalog(PgConn *p, const char *zSql, int n, const char **azVal, PGresult **ppR,
                     char **pzErr){
  PGresult *r;
  int rc = pgIdle(p, pzErr);
  *ppR = 0;
  if( rc!=SQLITE_OK ) return rc;
  r = PQexecParams(p->pg, zSql, n, 0, azVal, 0, 0, 0);
  pgTxnCheck(p);
  if( PQresultStatus(r)!=PGRES_TUPLES_OK ){
    rc = pgError(p, r, pzErr);
    PQclear(r);
    return rc;
  }
  *ppR = r;
  return SQLITE_OK;
}

static int pgListPrepared(OrmRemoteConn *pBase, const char *zPrefix, OrmNames *pGids,
                          char **pzErr){
  PgConn *p = (PgConn*)pBase;
  const char *azVal[1];
  PGresult *r;
  int i, rc;
  /* left(), not LIKE: '_' in a prefix is no wildcard. */
  azVal[0] = zPrefix ? zPrefix : "";
  rc = pgCatalog(p, "SELECT gid FROM pg_catalog.pg_prepared_xacts WHERE database = "
                 "pg_catalog.current_database() AND pg_catalog.left(gid, "
                 "pg_catalog.length($1)) = $1 ORDER BY prepared, gid", 1, azVal, &r, pzErr);
  for(i=0; rc==SQLITE_OK && i<PQntuples(r); i++){
    rc = sqlormNamesAdd(pGids, PQgetvalue(r, i, 0));
  }
  PQclear(r);
  return rc;
}

/* The ORM_RTYPE_* of a column whose (base) type is base, of typtype cType and category
** cCat. */
static int pgRemoteType(Oid base, char cType, char cCat){
  switch( base ){
    case PG_INT2: case PG_INT4: case PG_INT8: case PG_OID: return ORM_RTYPE_INTEGER;
    case PG_FLOAT4: case PG_FLOAT8: return ORM_RTYPE_REAL;
    case PG_NUMERIC: return ORM_RTYPE_NUMERIC;
    case PG_BOOL: return ORM_RTYPE_BOOLEAN;
    case PG_BYTEA: return ORM_RTYPE_BLOB;
    case PG_DATE: return ORM_RTYPE_DATE;
    case PG_TIME: return ORM_RTYPE_TIME;
    case PG_TIMESTAMP: return ORM_RTYPE_TIMESTAMP;
    case PG_TIMESTAMPTZ: return ORM_RTYPE_TIMESTAMPTZ;
    case PG_JSON: case PG_JSONB: return ORM_RTYPE_JSON;
    case 18: case 19: case 25: case 1042: case 1043: case 2950: return ORM_RTYPE_TEXT;
  }
  if( cCat=='A' ) return ORM_RTYPE_ARRAY;
  if( cType=='e' || cCat=='S' ) return ORM_RTYPE_TEXT;   /* enums, citext */
  return ORM_RTYPE_OTHER;
}

static int pgColumns(OrmRemoteConn *pBase, const char *zSchema, const char *zTable,
                     OrmRemoteCol **paCol, int *pnCol, char **pzErr){
  PgConn *p = (PgConn*)pBase;
  const char *azVal[2];
  OrmRemoteCol *aCol = 0;
  PGresult *r;
  char *zSql;
  int i, n, rc;
  *paCol = 0;
  *pnCol = 0;
  /* One row per column, in attnum order; one row of NULLs for a table without any; none
  ** when there is no such relation (of a kind that holds rows). Domains are followed to
  ** their base type. collisdeterministic came with PostgreSQL 12. */
  zSql = sqlite3_mprintf(
    "WITH RECURSIVE rel AS ("
    "  SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass("
    "    CASE WHEN $1::text IS NULL THEN pg_catalog.quote_ident($2)"
    "    ELSE pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident($2) END)"
    "  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')),"
    " col AS ("
    "  SELECT a.* FROM rel JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.oid"
    "  WHERE a.attnum > 0 AND NOT a.attisdropped),"
    " dom(attnum, cur, depth) AS ("
    "  SELECT attnum, atttypid, 0 FROM col"
    "  UNION ALL SELECT dom.attnum, t.typbasetype, dom.depth + 1 FROM dom"
    "  JOIN pg_catalog.pg_type t ON t.oid = dom.cur WHERE t.typtype = 'd' AND dom.depth < 16)"
    " SELECT col.attname, pg_catalog.format_type(col.atttypid, col.atttypmod),"
    "  col.attnotnull, coalesce((SELECT k.n FROM pg_catalog.unnest(i.indkey) WITH ORDINALITY"
    "  AS k(attnum, n) WHERE k.attnum = col.attnum), 0),"
    "  b.oid, b.typtype, b.typcategory,"
    "  b.typname IN ('citext', 'bpchar') OR NOT %s"
    " FROM rel LEFT JOIN col ON true"
    " LEFT JOIN pg_catalog.pg_index i ON i.indrelid = rel.oid AND i.indisprimary"
    " LEFT JOIN dom ON dom.attnum = col.attnum"
    "  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type x WHERE x.oid = dom.cur"
    "                  AND x.typtype = 'd')"
    " LEFT JOIN pg_catalog.pg_type b ON b.oid = dom.cur"
    " LEFT JOIN pg_catalog.pg_collation co ON co.oid = col.attcollation"
    " ORDER BY col.attnum",
    PQserverVersion(p->pg)>=120000 ? "coalesce(co.collisdeterministic, true)" : "true");
  if( zSql==0 ) return SQLITE_NOMEM;
  azVal[0] = zSchema;
  azVal[1] = zTable;
  rc = pgCatalog(p, zSql, 2, azVal, &r, pzErr);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) return rc;
  n = PQntuples(r);
  if( n==0 ){
    PQclear(r);
    if( zSchema ){
      pgSetError(p->azSecret, sqlite3_mprintf("postgresql: no table \"%w\".\"%w\" on %s",
                 zSchema, zTable, p->zUrl), pzErr);
    }else{
      pgSetError(p->azSecret, sqlite3_mprintf("postgresql: no table \"%w\" in the search "
                 "path on %s", zTable, p->zUrl), pzErr);
    }
    return SQLITE_NOTFOUND;
  }
  if( n==1 && PQgetisnull(r, 0, 0) ) n = 0;
  if( n>0 ){
    aCol = sqlite3_malloc64(sizeof(OrmRemoteCol)*n);
    if( aCol==0 ){
      PQclear(r);
      return SQLITE_NOMEM;
    }
    memset(aCol, 0, sizeof(OrmRemoteCol)*n);
  }
  for(i=0; i<n; i++){
    aCol[i].zName = sqlite3_mprintf("%s", PQgetvalue(r, i, 0));
    aCol[i].zRemoteType = sqlite3_mprintf("%s", PQgetvalue(r, i, 1));
    if( aCol[i].zName==0 || aCol[i].zRemoteType==0 ) rc = SQLITE_NOMEM;
    aCol[i].bNotNull = PQgetvalue(r, i, 2)[0]=='t';
    aCol[i].iKey = atoi(PQgetvalue(r, i, 3));
    aCol[i].eType = pgRemoteType((Oid)strtoul(PQgetvalue(r, i, 4), 0, 10),
                                 PQgetvalue(r, i, 5)[0], PQgetvalue(r, i, 6)[0]);
    aCol[i].bCaseFold = PQgetvalue(r, i, 7)[0]=='t';
  }
  PQclear(r);
  if( rc!=SQLITE_OK ){
    sqlormRemoteColsFree(aCol, n);
    return rc;
  }
  *paCol = aCol;
  *pnCol = n;
  return SQLITE_OK;
}

static int pgTables(OrmRemoteConn *pBase, const char *zSchema, OrmNames *pTables,
                    char **pzErr){
  PgConn *p = (PgConn*)pBase;
  const char *azVal[1];
  PGresult *r;
  char *zSql;
  int i, rc;
  /* Partitions are left out (their parent holds their rows), as postgres_fdw's IMPORT
  ** FOREIGN SCHEMA does; relispartition came with PostgreSQL 10. */
  zSql = sqlite3_mprintf(
    "SELECT c.relname FROM pg_catalog.pg_namespace n"
    " LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid"
    "  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')%s"
    " WHERE n.nspname = coalesce($1::text, pg_catalog.current_schema())"
    " ORDER BY c.relname",
    PQserverVersion(p->pg)>=100000 ? " AND NOT c.relispartition" : "");
  if( zSql==0 ) return SQLITE_NOMEM;
  azVal[0] = zSchema;
  rc = pgCatalog(p, zSql, 1, azVal, &r, pzErr);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK ) return rc;
  if( PQntuples(r)==0 ){
    PQclear(r);
    if( zSchema ){
      pgSetError(p->azSecret, sqlite3_mprintf("postgresql: no schema \"%w\" on %s", zSchema,
                 p->zUrl), pzErr);
    }else{
      pgSetError(p->azSecret, sqlite3_mprintf("postgresql: no schema of the search path "
                 "exists on %s", p->zUrl), pzErr);
    }
    return SQLITE_NOTFOUND;
  }
  for(i=0; rc==SQLITE_OK && i<PQntuples(r); i++){
    if( !PQgetisnull(r, i, 0) ) rc = sqlormNamesAdd(pTables, PQgetvalue(r, i, 0));
  }
  PQclear(r);
  return rc;
}

/* Text equality is exact (deterministic collations compare bytes); COLLATE "C" makes
** ranges and ORDER BY on text order as SQLite's BINARY; ILIKE matches at least what
** SQLite's LIKE does for an ASCII pattern. Columns where the server's equality is looser
** (citext, char(n), nondeterministic collations) say so with bCaseFold. */
const OrmBackend sqlormBackendPg = {
  .zName = "postgresql",
  .xParam = pgParam,
  .xQuoteId = pgQuoteId,
  .xWriteParam = pgWriteParam,
  .xJsonIn = pgJsonIn,
  .xOrderTerm = pgOrderTerm,
  .bLikeAscii = 1,
  .bNative = 0,
  .zRangeCollate = " COLLATE \"C\"",
  .zLikeOp = "ILIKE",
  .bTextEqLoose = 0,
  .xConnect = pgConnect,
  .xDisconnect = pgDisconnect,
  .xPing = pgPing,
  .xQuery = pgQuery,
  .xNext = pgNext,
  .xColumn = pgColumn,
  .xFinish = pgFinish,
  .xExec = pgExec,
  .xPrepare = pgPrepareTxn,
  .xCommitPrepared = pgCommitPrepared,
  .xRollbackPrepared = pgRollbackPrepared,
  .xListPrepared = pgListPrepared,
  .xColumns = pgColumns,
  .xTables = pgTables,
};

#endif /* SQLORM_WITH_POSTGRESQL */
