/*
** expr.c: checks SQL text that users hand to sqlorm to be pasted into generated SQL:
** a `where` filter, an `order_by` list, later hybrid expressions.
**
**   rc = sqlormCheckExpr(db, zExpr, "\"addresses\" AS \"addresses\"", "where", &zErr);
**   rc = sqlormCheckOrderBy(db, "email DESC, id", zFrom, "order_by", &zErr);
**
** How it works: a scan that knows SQL's strings, quoted identifiers and comments proves
** the text never closes a parenthesis it did not open, closes all it opens, and holds no
** ';' (so nothing can escape the parentheses sqlorm wraps it in); then SQLite compiles it
** in a SELECT over the given FROM clause, which names unknown columns and syntax errors.
*/
#include "sqlorm.h"
#include <string.h>

/* The scan: SQLITE_OK, or an error naming what is wrong. piComma, when not NULL, receives
** the offsets of the top-level commas (at most nComma of them; *pnComma says how many). */
static int exprScan(const char *z, const char *zWhat, char **pzErr,
                    int *aComma, int nComma, int *pnComma){
  int depth = 0, i = 0, n = 0;
  while( z[i] ){
    char c = z[i];
    if( c=='\'' || c=='"' || c=='`' || c=='[' ){
      char cEnd = c=='[' ? ']' : c;
      i++;
      while( z[i] && !(z[i]==cEnd && !(cEnd!=']' && z[i+1]==cEnd)) ){
        if( z[i]==cEnd ) i++;             /* a doubled quote inside */
        i++;
      }
      if( z[i]==0 ){
        *pzErr = sqlite3_mprintf("%s: unterminated %s in: %s", zWhat,
                                 c=='\'' ? "string" : "quoted identifier", z);
        return SQLITE_ERROR;
      }
      i++;
      continue;
    }
    if( c=='-' && z[i+1]=='-' ){
      while( z[i] && z[i]!='\n' ) i++;
      continue;
    }
    if( c=='/' && z[i+1]=='*' ){
      const char *zEnd = strstr(z+i+2, "*/");
      if( zEnd==0 ){
        *pzErr = sqlite3_mprintf("%s: unterminated comment in: %s", zWhat, z);
        return SQLITE_ERROR;
      }
      i = (int)(zEnd - z) + 2;
      continue;
    }
    if( c==';' ){
      *pzErr = sqlite3_mprintf("%s must be one SQL expression, without ';': %s", zWhat, z);
      return SQLITE_ERROR;
    }
    if( c=='(' ) depth++;
    if( c==')' && --depth<0 ){
      *pzErr = sqlite3_mprintf("%s closes a parenthesis it did not open: %s", zWhat, z);
      return SQLITE_ERROR;
    }
    if( c==',' && depth==0 && aComma ){
      if( n>=nComma ){
        *pzErr = sqlite3_mprintf("%s has too many terms: %s", zWhat, z);
        return SQLITE_ERROR;
      }
      aComma[n++] = i;
    }
    i++;
  }
  if( depth!=0 ){
    *pzErr = sqlite3_mprintf("%s leaves a parenthesis open: %s", zWhat, z);
    return SQLITE_ERROR;
  }
  if( pnComma ) *pnComma = n;
  return SQLITE_OK;
}

/* Compiles zSql (built by the caller) and reports SQLite's error under zWhat. */
static int exprCompile(sqlite3 *db, char *zSql, const char *zText, const char *zWhat,
                       char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s is not a valid expression here (%s): %s",
                             zWhat, sqlite3_errmsg(db), zText);
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  return rc;
}

static int isBlank(const char *z){
  while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
  return *z==0;
}

int sqlormCheckExpr(sqlite3 *db, const char *zExpr, const char *zFrom, const char *zWhat,
                    char **pzErr){
  int rc = exprScan(zExpr, zWhat, pzErr, 0, 0, 0);
  if( rc!=SQLITE_OK ) return rc;
  if( isBlank(zExpr) ){
    *pzErr = sqlite3_mprintf("%s is empty", zWhat);
    return SQLITE_ERROR;
  }
  /* The newline ends a trailing -- comment before the closing parenthesis. */
  return exprCompile(db, sqlite3_mprintf("SELECT (%s\n) FROM %s", zExpr, zFrom),
                     zExpr, zWhat, pzErr);
}

/* Drops one trailing word (ASC, DESC, NULLS FIRST/LAST) of z[0..n) if it is zWord. */
static int stripWord(const char *z, int n, const char *zWord){
  int m = (int)strlen(zWord);
  while( n>0 && (z[n-1]==' ' || z[n-1]=='\t' || z[n-1]=='\n' || z[n-1]=='\r') ) n--;
  if( n>m && sqlite3_strnicmp(z+n-m, zWord, m)==0
   && (z[n-m-1]==' ' || z[n-m-1]=='\t' || z[n-m-1]=='\n' || z[n-m-1]==')') ){
    return n-m;
  }
  return n;
}

int sqlormCheckOrderBy(sqlite3 *db, const char *zOrderBy, const char *zFrom,
                       const char *zWhat, char **pzErr){
  int aComma[64];
  int nComma = 0, i, iStart = 0;
  int rc = exprScan(zOrderBy, zWhat, pzErr, aComma, 64, &nComma);
  for(i=0; rc==SQLITE_OK && i<=nComma; i++){
    int iEnd = i<nComma ? aComma[i] : (int)strlen(zOrderBy);
    int n = iEnd - iStart, n2;
    char *zTerm;
    n2 = stripWord(zOrderBy+iStart, n, "FIRST");
    if( n2==n ) n2 = stripWord(zOrderBy+iStart, n, "LAST");
    if( n2!=n ){
      n = stripWord(zOrderBy+iStart, n2, "NULLS");
      if( n==n2 ){
        *pzErr = sqlite3_mprintf("%s: FIRST or LAST without NULLS: %s", zWhat, zOrderBy);
        return SQLITE_ERROR;
      }
    }
    n2 = stripWord(zOrderBy+iStart, n, "ASC");
    if( n2==n ) n2 = stripWord(zOrderBy+iStart, n, "DESC");
    while( n2>0 && (zOrderBy[iStart+n2-1]==' ' || zOrderBy[iStart+n2-1]=='\t'
                    || zOrderBy[iStart+n2-1]=='\n') ) n2--;
    zTerm = sqlite3_mprintf("%.*s", n2, zOrderBy+iStart);
    if( zTerm==0 ) return SQLITE_NOMEM;
    rc = sqlormCheckExpr(db, zTerm, zFrom, zWhat, pzErr);
    sqlite3_free(zTerm);
    iStart = iEnd+1;
  }
  if( rc==SQLITE_OK ){
    rc = exprCompile(db, sqlite3_mprintf("SELECT 1 FROM %s ORDER BY %s\n", zFrom, zOrderBy),
                     zOrderBy, zWhat, pzErr);
  }
  return rc;
}
