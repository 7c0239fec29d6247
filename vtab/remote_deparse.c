/*
** remote_deparse.c: the SQL the federated layer sends, and what may be sent (postgres_fdw's
** deparse.c and its remote/local classification).
**
** Usage (from remote.c):
**   e = sqlormDeparsePushable(pTab, iCol, SQLITE_INDEX_CONSTRAINT_GT);   -- in xBestIndex
**   idxStr = sqlormPlanWrite(&plan, pTab);       -- "m=..;t=..;o=..;l=..\nSELECT ..."
**   sqlormPlanRead(idxStr, &plan);               -- in xFilter
**   rc = sqlormDeparseSelect(db, pTab, &plan, bAllCols, argc, argv, pSql, &par, aResCol, &n);
**
** How it works: a constraint goes to the server when the server decides it as SQLite
** would (EXACT: SQLite is told to omit its own check), or decides a superset of it (LOOSE:
** SQLite checks again), else stays local. A SQLite server decides everything as here.
** For the others, values are first given the column's affinity, as SQLite does: a number
** compared with a text column becomes text, a text that looks like a number compared with a
** numeric column becomes that number. What SQLite then decides by storage class alone (a
** number is below any text, a text below any blob, NULL matches no comparison) becomes a
** constant: no row (1=0), or `col IS NOT NULL`. A non-integral number compared with an
** integer column becomes the integer bound it means (x > 2.5: x >= 3). Text orders as
** SQLite's BINARY on the server only through the backend's zRangeCollate (PostgreSQL:
** COLLATE "C"); a server whose text equality is looser (MySQL's _ci collations, PAD SPACE)
** gets equality as LOOSE and no ranges. LIKE goes (LOOSE) as the backend's zLikeOp when
** the pattern is ASCII without backslashes. NULLs order as SQLite's through xOrderTerm.
*/
#include "remote_int.h"
#include <string.h>
#include <stdlib.h>
#include <math.h>

/* An IN list longer than this goes as one JSON array (where the backend reads one). */
#define ORM_IN_JSON_AFTER 200

#define CLS_NUM  1
#define CLS_TEXT 2
#define CLS_BLOB 3
#define CLS_NONE 4       /* JSON, arrays, other: only IS [NOT] NULL is pushed */

static int deparseClass(int eType){
  switch( eType ){
    case ORM_RTYPE_INTEGER: case ORM_RTYPE_REAL: case ORM_RTYPE_NUMERIC:
    case ORM_RTYPE_BOOLEAN:
      return CLS_NUM;
    case ORM_RTYPE_TEXT: case ORM_RTYPE_DATE: case ORM_RTYPE_TIME:
    case ORM_RTYPE_TIMESTAMP: case ORM_RTYPE_TIMESTAMPTZ:
      return CLS_TEXT;
    case ORM_RTYPE_BLOB:
      return CLS_BLOB;
    default:
      return CLS_NONE;
  }
}

/* Whether column iCol holds text as SQLite sees it (TEXT affinity here). */
int sqlormDeparseIsText(const OrmRemoteTable *pTab, int iCol){
  return deparseClass(pTab->aCol[iCol].eType)==CLS_TEXT;
}

static int deparseIsRange(int op){
  return op==SQLITE_INDEX_CONSTRAINT_GT || op==SQLITE_INDEX_CONSTRAINT_GE
      || op==SQLITE_INDEX_CONSTRAINT_LT || op==SQLITE_INDEX_CONSTRAINT_LE;
}

int sqlormDeparsePushable(const OrmRemoteTable *pTab, int iCol, int op){
  const OrmBackend *pBe = pTab->pBe;
  const OrmRemoteCol *pCol;
  int bEq, cls;
  if( iCol<0 || iCol>=pTab->nCol ) return ORM_PUSH_NO;
  pCol = &pTab->aCol[iCol];
  bEq = op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS || op==ORM_OP_IN;
  if( pBe->bNative ){
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_GT:
      case SQLITE_INDEX_CONSTRAINT_LE: case SQLITE_INDEX_CONSTRAINT_LT:
      case SQLITE_INDEX_CONSTRAINT_GE: case SQLITE_INDEX_CONSTRAINT_NE:
      case SQLITE_INDEX_CONSTRAINT_IS: case SQLITE_INDEX_CONSTRAINT_ISNOT:
      case SQLITE_INDEX_CONSTRAINT_ISNULL: case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
      case ORM_OP_IN:
        return ORM_PUSH_EXACT;
      case SQLITE_INDEX_CONSTRAINT_LIKE: case SQLITE_INDEX_CONSTRAINT_GLOB:
        /* here like() and glob() may be the application's, or case_sensitive_like on */
        return ORM_PUSH_LOOSE;
      default:
        return ORM_PUSH_NO;
    }
  }
  if( op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
    return ORM_PUSH_EXACT;
  }
  cls = deparseClass(pCol->eType);
  if( cls==CLS_NONE ) return ORM_PUSH_NO;
  if( op==SQLITE_INDEX_CONSTRAINT_LIKE ){
    /* a superset only where the server folds case (MySQL: a _ci column) */
    return (pCol->eType==ORM_RTYPE_TEXT && pBe->zLikeOp
            && (!pBe->bTextEqLoose || pCol->bCaseFold)) ? ORM_PUSH_LOOSE : ORM_PUSH_NO;
  }
  if( !bEq && !deparseIsRange(op) && op!=SQLITE_INDEX_CONSTRAINT_NE
   && op!=SQLITE_INDEX_CONSTRAINT_ISNOT ){
    return ORM_PUSH_NO;
  }
  if( pCol->eType==ORM_RTYPE_BOOLEAN && deparseIsRange(op) ) return ORM_PUSH_NO;
  if( pCol->eType==ORM_RTYPE_TEXT && (pBe->bTextEqLoose || pCol->bCaseFold) ){
    return bEq ? ORM_PUSH_LOOSE : ORM_PUSH_NO;
  }
  if( pCol->eType==ORM_RTYPE_TEXT && deparseIsRange(op) && pBe->zRangeCollate==0 ){
    return ORM_PUSH_NO;
  }
  return ORM_PUSH_EXACT;
}

int sqlormDeparseOrderable(const OrmRemoteTable *pTab, int iCol){
  const OrmRemoteCol *pCol;
  if( iCol<0 || iCol>=pTab->nCol ) return 0;
  if( pTab->pBe->bNative ) return 1;
  pCol = &pTab->aCol[iCol];
  switch( deparseClass(pCol->eType) ){
    case CLS_NUM: case CLS_BLOB:
      return 1;
    case CLS_TEXT:
      if( pCol->eType!=ORM_RTYPE_TEXT ) return 1;   /* ISO dates order as text does */
      return pTab->pBe->zRangeCollate!=0 && !pCol->bCaseFold && !pTab->pBe->bTextEqLoose;
    default:
      return 0;
  }
}

/* ---------------------------------------------------------------- plans */

char *sqlormPlanWrite(const OrmPlan *p, const OrmRemoteTable *pTab){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendf(pStr, "m=%llx;t=", (unsigned long long)p->mCols);
  for(i=0; i<p->nTerm; i++){
    sqlite3_str_appendf(pStr, "%s%d:%d%s%s", i ? "," : "", p->aTerm[i].iCol, p->aTerm[i].op,
                        p->aTerm[i].bJoin ? "j" : "", p->aTerm[i].bTextAff ? "x" : "");
  }
  sqlite3_str_appendf(pStr, ";o=");
  for(i=0; i<p->nOrder; i++) sqlite3_str_appendf(pStr, "%s%d", i ? "," : "", p->aOrder[i]);
  sqlite3_str_appendf(pStr, ";l=%d%d", p->bLimit, p->bOffset);
  (void)pTab;
  return sqlite3_str_finish(pStr);
}

int sqlormPlanRead(const char *z, OrmPlan *p){
  char *zEnd;
  memset(p, 0, sizeof(*p));
  if( z==0 || strncmp(z, "m=", 2)!=0 ) return SQLITE_ERROR;
  p->mCols = (sqlite3_uint64)strtoull(z+2, &zEnd, 16);
  if( strncmp(zEnd, ";t=", 3)!=0 ) return SQLITE_ERROR;
  z = zEnd+3;
  while( *z && *z!=';' ){
    if( p->nTerm>=(int)(sizeof(p->aTerm)/sizeof(p->aTerm[0])) ) return SQLITE_ERROR;
    p->aTerm[p->nTerm].iCol = (int)strtol(z, &zEnd, 10);
    if( *zEnd!=':' ) return SQLITE_ERROR;
    p->aTerm[p->nTerm].op = (int)strtol(zEnd+1, &zEnd, 10);
    if( *zEnd=='j' ){ p->aTerm[p->nTerm].bJoin = 1; zEnd++; }
    if( *zEnd=='x' ){ p->aTerm[p->nTerm].bTextAff = 1; zEnd++; }
    p->nTerm++;
    z = *zEnd==',' ? zEnd+1 : zEnd;
  }
  if( strncmp(z, ";o=", 3)!=0 ) return SQLITE_ERROR;
  z += 3;
  while( *z && *z!=';' ){
    if( p->nOrder>=(int)(sizeof(p->aOrder)/sizeof(p->aOrder[0])) ) return SQLITE_ERROR;
    p->aOrder[p->nOrder++] = (int)strtol(z, &zEnd, 10);
    z = *zEnd==',' ? zEnd+1 : zEnd;
  }
  if( strncmp(z, ";l=", 3)!=0 || z[3]==0 || z[4]==0 ) return SQLITE_ERROR;
  p->bLimit = z[3]=='1';
  p->bOffset = z[4]=='1';
  return SQLITE_OK;
}

/* ---------------------------------------------------------------- parameters */

void sqlormParamsClear(OrmParams *p){
  int i;
  for(i=0; i<p->n; i++) if( p->aOwn[i] ) sqlite3_value_free(p->ap[i]);
  sqlite3_free(p->ap);
  sqlite3_free(p->aOwn);
  memset(p, 0, sizeof(*p));
}

int sqlormParamsAdd(OrmParams *p, sqlite3_value *pVal, int bOwn){
  if( pVal==0 ) return SQLITE_NOMEM;
  if( p->n==p->nAlloc ){
    int nNew = p->nAlloc ? p->nAlloc*2 : 16;
    sqlite3_value **ap = sqlite3_realloc64(p->ap, sizeof(*ap)*nNew);
    unsigned char *aOwn;
    if( ap==0 ){ if( bOwn ) sqlite3_value_free(pVal); return SQLITE_NOMEM; }
    p->ap = ap;
    aOwn = sqlite3_realloc64(p->aOwn, nNew);
    if( aOwn==0 ){ if( bOwn ) sqlite3_value_free(pVal); return SQLITE_NOMEM; }
    p->aOwn = aOwn;
    p->nAlloc = nNew;
  }
  p->ap[p->n] = pVal;
  p->aOwn[p->n] = (unsigned char)bOwn;
  p->n++;
  return SQLITE_OK;
}

/* A value of our own: zSql (one column, parameter ?1) run in db with ?1 bound to v, or
** to z when v is NULL, or to i when both are. */
static sqlite3_value *deparseValue(sqlite3 *db, const char *zSql, sqlite3_value *v,
                                   const char *z, sqlite3_int64 i, int *pRc){
  sqlite3_stmt *pStmt = 0;
  sqlite3_value *pOut = 0;
  int rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    rc = v ? sqlite3_bind_value(pStmt, 1, v) : z ? sqlite3_bind_text(pStmt, 1, z, -1, SQLITE_STATIC)
           : sqlite3_bind_int64(pStmt, 1, i);
  }
  if( rc==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    pOut = sqlite3_value_dup(sqlite3_column_value(pStmt, 0));
    if( pOut==0 ) rc = SQLITE_NOMEM;
  }else if( rc==SQLITE_OK ){
    rc = sqlite3_errcode(db);
    if( rc==SQLITE_OK ) rc = SQLITE_NOMEM;
  }
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ) *pRc = rc;
  return pOut;
}

/* v converted by CAST(v AS zType). */
static sqlite3_value *deparseCast(sqlite3 *db, sqlite3_value *v, const char *zType, int *pRc){
  char *zSql = sqlite3_mprintf("SELECT CAST(?1 AS %s)", zType);
  sqlite3_value *pOut = deparseValue(db, zSql, v, 0, 0, pRc);
  sqlite3_free(zSql);
  return pOut;
}

static sqlite3_value *deparseText(sqlite3 *db, const char *z, int *pRc){
  return deparseValue(db, "SELECT ?1", 0, z, 0, pRc);
}

static sqlite3_value *deparseInt(sqlite3 *db, sqlite3_int64 i, int *pRc){
  return deparseValue(db, "SELECT ?1", 0, 0, i, pRc);
}

/* ---------------------------------------------------------------- SELECT */

#define FOLD_SEND  ORM_FOLD_SEND     /* compare with the value (perhaps converted) */
#define FOLD_NONE  ORM_FOLD_NONE     /* no row can match */
#define FOLD_NOTNULL ORM_FOLD_NOTNULL  /* every row whose column is not NULL matches */
#define FOLD_ALL   ORM_FOLD_ALL      /* every row matches: nothing to send */

/* Writes "col" (quoted, with the range collation when bRange and it is text). */
static void deparseCol(const OrmRemoteTable *pTab, int iCol, int bCollate, sqlite3_str *pSql){
  pTab->pBe->xQuoteId(pSql, pTab->aCol[iCol].zName);
  if( bCollate && !pTab->pBe->bNative && pTab->aCol[iCol].eType==ORM_RTYPE_TEXT
   && pTab->pBe->zRangeCollate ){
    sqlite3_str_appendall(pSql, pTab->pBe->zRangeCollate);
  }
}

/* What SQLite decides for a comparison by storage class alone: the column's values are
** all of class cls (below the value's when bBelow), op the operator. */
static int deparseFoldClass(int op, int bBelow){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS: case ORM_OP_IN:
      return FOLD_NONE;
    case SQLITE_INDEX_CONSTRAINT_NE:
      return FOLD_NOTNULL;
    case SQLITE_INDEX_CONSTRAINT_ISNOT:
      return FOLD_ALL;
    case SQLITE_INDEX_CONSTRAINT_LT: case SQLITE_INDEX_CONSTRAINT_LE:
      return bBelow ? FOLD_NOTNULL : FOLD_NONE;
    default:   /* GT, GE */
      return bBelow ? FOLD_NONE : FOLD_NOTNULL;
  }
}

/* The value to send for "column op v", with the column's affinity, or a constant result.
** *pOp may change (x > 2.5 on an integer column: x >= 3). */
int sqlormDeparseFold(sqlite3 *db, const OrmRemoteTable *pTab, int iCol, int *pOp,
                      sqlite3_value *v, sqlite3_value **ppOut, int *pbOwn, int *pRc){
  const OrmRemoteCol *pCol = &pTab->aCol[iCol];
  int cls = deparseClass(pCol->eType), t = sqlite3_value_type(v), op = *pOp;
  *ppOut = v;
  *pbOwn = 0;
  if( t==SQLITE_NULL ){
    /* NULL matches no comparison; IS NULL and IS NOT NULL are written as such. */
    if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ) return FOLD_NOTNULL;
    return op==SQLITE_INDEX_CONSTRAINT_IS ? FOLD_SEND : FOLD_NONE;
  }
  if( pTab->pBe->bNative ) return FOLD_SEND;
  if( cls==CLS_NUM ){
    if( t==SQLITE_TEXT ){
      sqlite3_value *pDup = sqlite3_value_dup(v);
      if( pDup==0 ){ *pRc = SQLITE_NOMEM; return FOLD_NONE; }
      sqlite3_value_numeric_type(pDup);
      t = sqlite3_value_type(pDup);
      if( t==SQLITE_TEXT ){
        sqlite3_value_free(pDup);
        return deparseFoldClass(op, 1);          /* numbers sort below text */
      }
      *ppOut = v = pDup;
      *pbOwn = 1;
    }
    if( t==SQLITE_BLOB ) return deparseFoldClass(op, 1);
    if( t==SQLITE_FLOAT && (pCol->eType==ORM_RTYPE_INTEGER || pCol->eType==ORM_RTYPE_BOOLEAN) ){
      double r = sqlite3_value_double(v);
      double f = floor(r);
      int bIntegral = f==r;
      if( *pbOwn && (r!=r || r >= 9223372036854775807.0 || r < -9223372036854775808.0
                     || (!bIntegral && (op==SQLITE_INDEX_CONSTRAINT_EQ
                         || op==SQLITE_INDEX_CONSTRAINT_IS || op==ORM_OP_IN
                         || op==SQLITE_INDEX_CONSTRAINT_NE
                         || op==SQLITE_INDEX_CONSTRAINT_ISNOT))) ){
        /* a constant answer follows: the converted copy is not needed */
        sqlite3_value_free(v);
        *ppOut = 0;
        *pbOwn = 0;
      }
      if( r!=r ) return FOLD_NONE;
      if( r >= 9223372036854775807.0 || r < -9223372036854775808.0 ){
        return deparseFoldClass(op, r>0);
      }
      if( !bIntegral ){
        switch( op ){
          case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS: case ORM_OP_IN:
            return FOLD_NONE;
          case SQLITE_INDEX_CONSTRAINT_NE: return FOLD_NOTNULL;
          case SQLITE_INDEX_CONSTRAINT_ISNOT: return FOLD_ALL;
          case SQLITE_INDEX_CONSTRAINT_GT: *pOp = SQLITE_INDEX_CONSTRAINT_GT; break;
          case SQLITE_INDEX_CONSTRAINT_GE: *pOp = SQLITE_INDEX_CONSTRAINT_GT; break;
          case SQLITE_INDEX_CONSTRAINT_LT: *pOp = SQLITE_INDEX_CONSTRAINT_LE; break;
          case SQLITE_INDEX_CONSTRAINT_LE: *pOp = SQLITE_INDEX_CONSTRAINT_LE; break;
        }
        /* x > 2.5 and x >= 2.5 are x > 2; x < 2.5 and x <= 2.5 are x <= 2 (floor) */
      }
      {
        sqlite3_value *pInt = deparseInt(db, (sqlite3_int64)f, pRc);
        if( *pbOwn ) sqlite3_value_free(v);
        *pbOwn = 0;
        *ppOut = 0;
        if( pInt==0 ) return FOLD_NONE;
        *ppOut = v = pInt;
        *pbOwn = 1;
      }
    }
    if( pCol->eType==ORM_RTYPE_BOOLEAN ){
      sqlite3_int64 i = sqlite3_value_int64(v);
      if( sqlite3_value_type(v)!=SQLITE_INTEGER || (i!=0 && i!=1) ){
        if( *pbOwn ){ sqlite3_value_free(v); *pbOwn = 0; *ppOut = 0; }
        switch( op ){
          case SQLITE_INDEX_CONSTRAINT_NE: return FOLD_NOTNULL;
          case SQLITE_INDEX_CONSTRAINT_ISNOT: return FOLD_ALL;
          default: return FOLD_NONE;
        }
      }
    }
    return FOLD_SEND;
  }
  if( cls==CLS_TEXT ){
    if( t==SQLITE_BLOB ) return deparseFoldClass(op, 1);     /* text sorts below blobs */
    if( t==SQLITE_INTEGER || t==SQLITE_FLOAT ){
      sqlite3_value *pText = deparseCast(db, v, "TEXT", pRc);
      if( pText==0 ) return FOLD_NONE;
      *ppOut = pText;
      *pbOwn = 1;
    }
    return FOLD_SEND;
  }
  /* CLS_BLOB: every stored value is a blob, above numbers and text. */
  if( t!=SQLITE_BLOB ) return deparseFoldClass(op, 0);
  return FOLD_SEND;
}

/* Whether a LIKE pattern can go to the server: ASCII, no backslash (the servers' default
** escape character). */
static int deparseLikeOk(sqlite3_value *v){
  const unsigned char *z;
  if( sqlite3_value_type(v)!=SQLITE_TEXT ) return 0;
  z = sqlite3_value_text(v);
  if( z==0 ) return 0;
  for(; *z; z++) if( *z>=0x80 || *z=='\\' ) return 0;
  return 1;
}

static const char *deparseOpText(int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS: return "=";
    case SQLITE_INDEX_CONSTRAINT_GT: return ">";
    case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
    case SQLITE_INDEX_CONSTRAINT_LT: return "<";
    case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
    case SQLITE_INDEX_CONSTRAINT_NE: return "<>";
    default: return "=";
  }
}

/* Appends one constraint to the WHERE clause (with its AND). */
static int deparseTerm(sqlite3 *db, const OrmRemoteTable *pTab, const OrmPlanTerm *pTerm,
                       sqlite3_value *v, sqlite3_str *pSql, OrmParams *pPar, int *pnWhere){
  const OrmBackend *pBe = pTab->pBe;
  int iCol = pTerm->iCol, op = pTerm->op, rc = SQLITE_OK;
  const char *zAnd = (*pnWhere)++ ? " AND " : " WHERE ";
  if( op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
    sqlite3_str_appendall(pSql, zAnd);
    deparseCol(pTab, iCol, 0, pSql);
    sqlite3_str_appendall(pSql, op==SQLITE_INDEX_CONSTRAINT_ISNULL ? " IS NULL" : " IS NOT NULL");
    return SQLITE_OK;
  }
  if( op==ORM_OP_IN ){
    OrmParams vals;
    sqlite3_value *pVal = 0;
    int rcIn, i, bJson;
    memset(&vals, 0, sizeof(vals));
    for(rcIn = sqlite3_vtab_in_first(v, &pVal); rcIn==SQLITE_OK && rc==SQLITE_OK;
        rcIn = sqlite3_vtab_in_next(v, &pVal)){
      sqlite3_value *pOut;
      int bOwn, opIn = ORM_OP_IN;
      int e = sqlormDeparseFold(db, pTab, iCol, &opIn, pVal, &pOut, &bOwn, &rc);
      if( rc!=SQLITE_OK ) break;
      if( e!=FOLD_SEND || sqlite3_value_type(pOut)==SQLITE_NULL ){
        if( bOwn ) sqlite3_value_free(pOut);
        continue;                                /* this value matches no row */
      }
      if( !bOwn ){
        /* a value of the IN list lives until the next one is asked for */
        pOut = sqlite3_value_dup(pOut);
        bOwn = 1;
      }
      rc = sqlormParamsAdd(&vals, pOut, bOwn);
    }
    if( rc==SQLITE_OK && rcIn!=SQLITE_DONE && rcIn!=SQLITE_OK ) rc = rcIn;
    if( rc==SQLITE_OK && pTerm->bTextAff ){
      for(i=0; i<vals.n; i++){
        int t = sqlite3_value_type(vals.ap[i]);
        if( t==SQLITE_INTEGER || t==SQLITE_FLOAT ) break;
      }
      if( i<vals.n ){
        /* a number against a text column: SQLite decides (see bTextAff) */
        sqlormParamsClear(&vals);
        (*pnWhere)--;
        return SQLITE_OK;
      }
    }
    /* A long list goes as one JSON array, when the backend reads one and no value is a
    ** blob (JSON has none). */
    bJson = rc==SQLITE_OK && pBe->xJsonIn && vals.n>ORM_IN_JSON_AFTER;
    for(i=0; bJson && i<vals.n; i++){
      /* JSON has no blobs, NULLs that mean no match, or infinities */
      int t = sqlite3_value_type(vals.ap[i]);
      double r = t==SQLITE_FLOAT ? sqlite3_value_double(vals.ap[i]) : 0.0;
      bJson = t!=SQLITE_BLOB && t!=SQLITE_NULL && r==r && r-r==0.0;
    }
    sqlite3_str_appendall(pSql, zAnd);
    if( rc!=SQLITE_OK ){
      /* reported below */
    }else if( vals.n==0 ){
      sqlite3_str_appendall(pSql, "1=0");
    }else if( bJson ){
      sqlite3_str *pJson = sqlite3_str_new(0), *pCol = sqlite3_str_new(0);
      char *zJson, *zCol;
      sqlite3_str_appendchar(pJson, 1, '[');
      for(i=0; i<vals.n; i++){
        sqlite3_value *x = vals.ap[i];
        if( i ) sqlite3_str_appendchar(pJson, 1, ',');
        if( sqlite3_value_type(x)==SQLITE_INTEGER ){
          sqlite3_str_appendf(pJson, "%lld", sqlite3_value_int64(x));
        }else if( sqlite3_value_type(x)==SQLITE_FLOAT ){
          /* the shortest text that reads back as the same double, as a placeholder sends */
          double r = sqlite3_value_double(x);
          char zNum[40];
          int nDigit;
          for(nDigit=15; nDigit<17; nDigit++){
            sqlite3_snprintf(sizeof(zNum), zNum, "%!.*g", nDigit, r);
            if( strtod(zNum, 0)==r ) break;
          }
          if( nDigit==17 ) sqlite3_snprintf(sizeof(zNum), zNum, "%!.17g", r);
          sqlite3_str_appendall(pJson, zNum);
        }else{
          sqlormJsonString(pJson, (const char*)sqlite3_value_text(x), sqlite3_value_bytes(x));
        }
      }
      sqlite3_str_appendchar(pJson, 1, ']');
      zJson = sqlite3_str_finish(pJson);
      pBe->xQuoteId(pCol, pTab->aCol[iCol].zName);
      zCol = sqlite3_str_finish(pCol);
      if( zJson==0 || zCol==0 ){
        rc = SQLITE_NOMEM;
      }else{
        sqlite3_value *pArr = deparseText(db, zJson, &rc);
        if( pArr ) rc = sqlormParamsAdd(pPar, pArr, 1);
        if( rc==SQLITE_OK ) pBe->xJsonIn(pSql, zCol, pPar->n, &pTab->aCol[iCol]);
      }
      sqlite3_free(zJson);
      sqlite3_free(zCol);
    }else{
      deparseCol(pTab, iCol, 0, pSql);
      sqlite3_str_appendall(pSql, " IN (");
      for(i=0; rc==SQLITE_OK && i<vals.n; i++){
        rc = sqlormParamsAdd(pPar, vals.ap[i], 1);
        vals.aOwn[i] = 0;                        /* the parameters own it now */
        if( i ) sqlite3_str_appendall(pSql, ",");
        pBe->xParam(pSql, pPar->n);
      }
      sqlite3_str_appendall(pSql, ")");
    }
    sqlormParamsClear(&vals);
    return rc;
  }
  if( op==SQLITE_INDEX_CONSTRAINT_LIKE || op==SQLITE_INDEX_CONSTRAINT_GLOB ){
    if( !pBe->bNative && !deparseLikeOk(v) ){ (*pnWhere)--; return SQLITE_OK; }
    rc = sqlormParamsAdd(pPar, v, 0);
    if( rc!=SQLITE_OK ) return rc;
    sqlite3_str_appendall(pSql, zAnd);
    deparseCol(pTab, iCol, 0, pSql);
    sqlite3_str_appendf(pSql, " %s ", pBe->bNative ?
        (op==SQLITE_INDEX_CONSTRAINT_LIKE ? "LIKE" : "GLOB") : pBe->zLikeOp);
    pBe->xParam(pSql, pPar->n);
    return SQLITE_OK;
  }
  if( pTerm->bTextAff && (sqlite3_value_type(v)==SQLITE_INTEGER
                          || sqlite3_value_type(v)==SQLITE_FLOAT) ){
    (*pnWhere)--;            /* which affinity wins is not known here: SQLite decides */
    return SQLITE_OK;
  }
  {
    sqlite3_value *pOut;
    int bOwn;
    int e = sqlormDeparseFold(db, pTab, iCol, &op, v, &pOut, &bOwn, &rc);
    if( rc!=SQLITE_OK ) return rc;
    if( e==FOLD_ALL ){ (*pnWhere)--; return SQLITE_OK; }
    sqlite3_str_appendall(pSql, zAnd);
    if( e==FOLD_NONE ){
      sqlite3_str_appendall(pSql, "1=0");
      return SQLITE_OK;
    }
    if( e==FOLD_NOTNULL ){
      deparseCol(pTab, iCol, 0, pSql);
      sqlite3_str_appendall(pSql, " IS NOT NULL");
      return SQLITE_OK;
    }
    if( sqlite3_value_type(pOut)==SQLITE_NULL ){
      /* IS NULL / IS NOT NULL written with a value (col IS ?1 with ?1 NULL). */
      if( bOwn ) sqlite3_value_free(pOut);
      deparseCol(pTab, iCol, 0, pSql);
      sqlite3_str_appendall(pSql, op==SQLITE_INDEX_CONSTRAINT_ISNOT ? " IS NOT NULL" : " IS NULL");
      return SQLITE_OK;
    }
    rc = sqlormParamsAdd(pPar, pOut, bOwn);
    if( rc!=SQLITE_OK ) return rc;
    if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
      sqlite3_str_appendall(pSql, "(");
      deparseCol(pTab, iCol, 0, pSql);
      sqlite3_str_appendall(pSql, " IS NULL OR ");
      deparseCol(pTab, iCol, 0, pSql);
      sqlite3_str_appendall(pSql, " <> ");
      pBe->xParam(pSql, pPar->n);
      sqlite3_str_appendall(pSql, ")");
      return SQLITE_OK;
    }
    deparseCol(pTab, iCol, deparseIsRange(op), pSql);
    sqlite3_str_appendf(pSql, " %s ", deparseOpText(op));
    pBe->xParam(pSql, pPar->n);
  }
  return SQLITE_OK;
}

int sqlormDeparseSelect(sqlite3 *db, const OrmRemoteTable *pTab, const OrmPlan *pPlan,
                        int bAllCols, int argc, sqlite3_value **argv, sqlite3_str *pSql,
                        OrmParams *pPar, int *aResCol, int *pnResCol, sqlite3_int64 *piSkip){
  const OrmBackend *pBe = pTab->pBe;
  int i, n = 0, nWhere = 0, rc = SQLITE_OK, iArg = 0;
  *piSkip = 0;
  sqlite3_str_appendall(pSql, "SELECT ");
  for(i=0; i<pTab->nCol; i++){
    int bUsed = bAllCols || (pPlan->mCols & (((sqlite3_uint64)1) << (i<63 ? i : 63)))!=0;
    if( !bUsed ) continue;
    if( n ) sqlite3_str_appendall(pSql, ", ");
    pBe->xQuoteId(pSql, pTab->aCol[i].zName);
    aResCol[n++] = i;
  }
  if( n==0 ) sqlite3_str_appendall(pSql, "NULL");
  *pnResCol = n;
  sqlite3_str_appendf(pSql, " FROM %s", pTab->zRemote);
  for(i=0; rc==SQLITE_OK && i<pPlan->nTerm; i++){
    if( iArg>=argc ) return SQLITE_ERROR;
    rc = deparseTerm(db, pTab, &pPlan->aTerm[i], argv[iArg++], pSql, pPar, &nWhere);
  }
  if( rc!=SQLITE_OK ) return rc;
  for(i=0; i<pPlan->nOrder; i++){
    int c = pPlan->aOrder[i], bDesc = c<0;
    sqlite3_str *pCol = sqlite3_str_new(0);
    char *zCol;
    if( bDesc ) c = -c-1;
    deparseCol(pTab, c, 1, pCol);
    zCol = sqlite3_str_finish(pCol);
    if( zCol==0 ) return SQLITE_NOMEM;
    sqlite3_str_appendall(pSql, i ? ", " : " ORDER BY ");
    pBe->xOrderTerm(pSql, zCol, bDesc);
    sqlite3_free(zCol);
  }
  if( pPlan->bLimit ){
    sqlite3_int64 nLimit, nOffset = 0;
    if( iArg>=argc ) return SQLITE_ERROR;
    nLimit = sqlite3_value_int64(argv[iArg++]);
    if( pPlan->bOffset ){
      if( iArg>=argc ) return SQLITE_ERROR;
      nOffset = sqlite3_value_int64(argv[iArg++]);
      if( nOffset<0 ) nOffset = 0;
    }
    if( nLimit>=0 ){
      /* LIMIT n OFFSET m reads the same on every server; sent as the integers SQLite made
      ** of them (an OFFSET below zero is zero). */
      sqlite3_value *pLim = deparseInt(db, nLimit, &rc);
      if( pLim ) rc = sqlormParamsAdd(pPar, pLim, 1);
      if( rc!=SQLITE_OK ) return rc;
      sqlite3_str_appendall(pSql, " LIMIT ");
      pBe->xParam(pSql, pPar->n);
      if( pPlan->bOffset ){
        sqlite3_value *pOff = deparseInt(db, nOffset, &rc);
        if( pOff ) rc = sqlormParamsAdd(pPar, pOff, 1);
        if( rc!=SQLITE_OK ) return rc;
        sqlite3_str_appendall(pSql, " OFFSET ");
        pBe->xParam(pSql, pPar->n);
      }
    }else{
      *piSkip = nOffset;          /* no limit: the offset is skipped here */
    }
  }
  return sqlite3_str_errcode(pSql);
}

/* " WHERE k1 = $i AND k2 = $i+1" for the primary key, numbering from *piParam+1. */
void sqlormDeparseKeyWhere(const OrmRemoteTable *pTab, sqlite3_str *pSql, int *piParam){
  int k;
  for(k=0; k<pTab->nKey; k++){
    sqlite3_str_appendall(pSql, k ? " AND " : " WHERE ");
    pTab->pBe->xQuoteId(pSql, pTab->aCol[pTab->aKey[k]].zName);
    sqlite3_str_appendall(pSql, " = ");
    pTab->pBe->xParam(pSql, ++*piParam);
  }
}
