/*
** remote_join.c: the join cache of the federated layer: the rows of a remote table held in
** memory and found by the join's key, so that a join of a local table to a remote one
** reads the remote table once instead of sending one query per outer row.
**
** Usage (from remote.c, once a cursor has looked up enough keys in one statement):
**   OrmJoinCache *c = sqlormJoinCacheNew(nValues, aKeyIdx, nKey, nMaxRows);
**   rc = sqlormJoinCacheAdd(c, apRow);       -- per row read; SQLITE_FULL: too many rows
**   rc = sqlormJoinCacheSeal(c);             -- builds the hash
**   for(i=sqlormJoinCacheFirst(c, apKey); i>=0; i=sqlormJoinCacheNext(c, i)) ...
**   v = sqlormJoinCacheValue(c, i, iValue);
**   sqlormJoinCacheFree(c);
**
** How it works: a row's key is the text of its key values as SQLite compares them for
** equality (BINARY): integers and integral reals alike ("n5"), other reals by their 17
** digits, text and blobs by their bytes with a length; a NULL key matches nothing, as
** `a = NULL` does not. Rows chain from a power-of-two bucket array by a string hash.
*/
#include "remote_int.h"
#include <string.h>
#include <math.h>

struct OrmJoinCache {
  int nVal;               /* values per row */
  int nKey;
  int *aKeyIdx;           /* which values form the key */
  int nRow, nAlloc, nMax;
  sqlite3_value **apVal;  /* nRow * nVal */
  char **azKey;           /* per row; NULL: a NULL in its key */
  int nBucket;
  int *aBucket, *aNext;
  char *zFind;            /* the key being looked up */
};

OrmJoinCache *sqlormJoinCacheNew(int nVal, const int *aKeyIdx, int nKey, int nMax){
  OrmJoinCache *c = sqlite3_malloc64(sizeof(*c));
  if( c==0 ) return 0;
  memset(c, 0, sizeof(*c));
  c->nVal = nVal;
  c->nKey = nKey;
  c->nMax = nMax;
  c->aKeyIdx = sqlite3_malloc64(sizeof(int)*(nKey+1));
  if( c->aKeyIdx==0 ){
    sqlite3_free(c);
    return 0;
  }
  memcpy(c->aKeyIdx, aKeyIdx, sizeof(int)*nKey);
  return c;
}

void sqlormJoinCacheFree(OrmJoinCache *c){
  int i;
  if( c==0 ) return;
  for(i=0; i<c->nRow*c->nVal; i++) sqlite3_value_free(c->apVal[i]);
  for(i=0; i<c->nRow; i++) sqlite3_free(c->azKey[i]);
  sqlite3_free(c->apVal);
  sqlite3_free(c->azKey);
  sqlite3_free(c->aBucket);
  sqlite3_free(c->aNext);
  sqlite3_free(c->aKeyIdx);
  sqlite3_free(c->zFind);
  sqlite3_free(c);
}

/* The key text of values ap[aIdx[0..n)], or NULL (with *pRc untouched) when one is NULL. */
static char *joinKey(sqlite3_value **ap, const int *aIdx, int n, int *pRc){
  sqlite3_str *pStr = sqlite3_str_new(0);
  char *z;
  int i;
  for(i=0; i<n; i++){
    sqlite3_value *v = aIdx ? ap[aIdx[i]] : ap[i];
    switch( sqlite3_value_type(v) ){
      case SQLITE_INTEGER:
        sqlite3_str_appendf(pStr, "n%lld|", sqlite3_value_int64(v));
        break;
      case SQLITE_FLOAT: {
        double r = sqlite3_value_double(v);
        if( r==floor(r) && r>=-9223372036854775808.0 && r<9223372036854775807.0 ){
          sqlite3_str_appendf(pStr, "n%lld|", (sqlite3_int64)r);
        }else{
          sqlite3_str_appendf(pStr, "r%!.17g|", r);
        }
        break;
      }
      case SQLITE_TEXT: case SQLITE_BLOB: {
        int nByte = sqlite3_value_bytes(v);
        const void *p = sqlite3_value_type(v)==SQLITE_TEXT ? (const void*)sqlite3_value_text(v)
                                                           : sqlite3_value_blob(v);
        sqlite3_str_appendf(pStr, "%c%d:", sqlite3_value_type(v)==SQLITE_TEXT ? 't' : 'b', nByte);
        if( nByte>0 && p ) sqlite3_str_append(pStr, (const char*)p, nByte);
        sqlite3_str_appendchar(pStr, 1, '|');
        break;
      }
      default:
        sqlite3_free(sqlite3_str_finish(pStr));
        return 0;
    }
  }
  if( sqlite3_str_errcode(pStr) ){
    *pRc = SQLITE_NOMEM;
    sqlite3_free(sqlite3_str_finish(pStr));
    return 0;
  }
  z = sqlite3_str_finish(pStr);
  if( z==0 ) z = sqlite3_mprintf("");
  if( z==0 ) *pRc = SQLITE_NOMEM;
  return z;
}

/* Takes a row of nVal values (copies owned by the cache from now on, even on error). */
int sqlormJoinCacheAdd(OrmJoinCache *c, sqlite3_value **apRow){
  int rc = SQLITE_OK, i;
  if( c->nRow>=c->nMax ){
    for(i=0; i<c->nVal; i++) sqlite3_value_free(apRow[i]);
    return SQLITE_FULL;
  }
  if( c->nRow==c->nAlloc ){
    int nNew = c->nAlloc ? c->nAlloc*2 : 256;
    sqlite3_value **ap = sqlite3_realloc64(c->apVal, sizeof(*ap)*nNew*c->nVal);
    char **az = ap ? sqlite3_realloc64(c->azKey, sizeof(*az)*nNew) : 0;
    if( ap ) c->apVal = ap;
    if( az ) c->azKey = az;
    if( ap==0 || az==0 ){
      for(i=0; i<c->nVal; i++) sqlite3_value_free(apRow[i]);
      return SQLITE_NOMEM;
    }
    c->nAlloc = nNew;
  }
  memcpy(&c->apVal[c->nRow*c->nVal], apRow, sizeof(*apRow)*c->nVal);
  c->azKey[c->nRow] = joinKey(apRow, c->aKeyIdx, c->nKey, &rc);
  c->nRow++;
  return rc;
}

static unsigned int joinHash(const char *z){
  unsigned int h = 2166136261u;
  for(; *z; z++) h = (h ^ (unsigned char)*z) * 16777619u;
  return h;
}

int sqlormJoinCacheSeal(OrmJoinCache *c){
  int i;
  c->nBucket = 64;
  while( c->nBucket < c->nRow*2 ) c->nBucket *= 2;
  c->aBucket = sqlite3_malloc64(sizeof(int)*c->nBucket);
  c->aNext = sqlite3_malloc64(sizeof(int)*(c->nRow+1));
  if( c->aBucket==0 || c->aNext==0 ) return SQLITE_NOMEM;
  for(i=0; i<c->nBucket; i++) c->aBucket[i] = -1;
  for(i=c->nRow-1; i>=0; i--){
    /* Built backwards so that a chain gives rows in the order they were read. */
    unsigned int h;
    if( c->azKey[i]==0 ){ c->aNext[i] = -1; continue; }
    h = joinHash(c->azKey[i]) & (c->nBucket-1);
    c->aNext[i] = c->aBucket[h];
    c->aBucket[h] = i;
  }
  return SQLITE_OK;
}

static int joinMatch(OrmJoinCache *c, int i){
  while( i>=0 && (c->azKey[i]==0 || strcmp(c->azKey[i], c->zFind)!=0) ) i = c->aNext[i];
  return i;
}

/* The first row whose key is apKey (nKey values), or -1; *pRc on NOMEM. */
int sqlormJoinCacheFirst(OrmJoinCache *c, sqlite3_value **apKey, int *pRc){
  sqlite3_free(c->zFind);
  c->zFind = joinKey(apKey, 0, c->nKey, pRc);
  if( c->zFind==0 ) return -1;
  return joinMatch(c, c->aBucket[joinHash(c->zFind) & (c->nBucket-1)]);
}

int sqlormJoinCacheNext(OrmJoinCache *c, int i){
  return c->zFind ? joinMatch(c, c->aNext[i]) : -1;
}

sqlite3_value *sqlormJoinCacheValue(OrmJoinCache *c, int iRow, int iVal){
  return c->apVal[iRow*c->nVal + iVal];
}

int sqlormJoinCacheRows(OrmJoinCache *c){
  return c->nRow;
}
