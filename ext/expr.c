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

static int isIdChar(unsigned char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='_' || c=='$'
      || c>=0x80;
}

/* Called by the scan for each name followed by '(': a function call (or a keyword such as
** IN or EXISTS, which the callee tells apart). */
typedef int (*ExprCallFunc)(void *pArg, const char *zName, int nName, char **pzErr);

/* What the scan replaces a declared parameter with, when asked (sqlormExprSubst). */
typedef struct ExprSubst ExprSubst;
struct ExprSubst {
  sqlite3_str *pOut;      /* the text so far */
  const char *zWith;      /* what each parameter becomes */
  int iDone;              /* z[0..iDone) is in pOut */
};

/* The scan: SQLITE_OK, or an error naming what is wrong. aComma, when not NULL, receives
** the offsets of the top-level commas (at most nComma of them; *pnComma says how many).
** Parameters (?, ?1, :a, @a, $a, #a) are refused: nothing would bind them, and SQLite's
** $a(...) token would otherwise read differently here and there. */
static int exprScan(const char *z, const char *zWhat, char **pzErr,
                    int *aComma, int nComma, int *pnComma, ExprCallFunc xCall, void *pArg,
                    const OrmNames *pParams, ExprSubst *pSub){
  int depth = 0, i = 0, n = 0;
  int iName = -1, nName = 0;      /* the last name seen, while only blanks follow it */
  while( z[i] ){
    char c = z[i];
    if( c=='\'' || c=='"' || c=='`' || c=='[' ){
      char cEnd = c=='[' ? ']' : c;
      int iStart = i;
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
      if( c!='\'' ){ iName = iStart; nName = i - iStart; }else{ iName = -1; }
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
    if( c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' ){
      i++;
      continue;
    }
    if( c=='?' || ((c==':' || c=='@' || c=='$' || c=='#')
                   && (i==0 || !isIdChar((unsigned char)z[i-1])) && isIdChar((unsigned char)z[i+1])) ){
      /* A hybrid method's :name parameters are the only ones allowed, and only those. */
      int iStart = i+1, j = i+1;
      while( isIdChar((unsigned char)z[j]) ) j++;
      if( c==':' && pParams && z[j]!='(' ){
        int k;
        for(k=0; k<pParams->n; k++){
          /* Exactly as declared: SQLite binds parameters by their exact name. */
          if( (int)strlen(pParams->az[k])==j-iStart
           && strncmp(pParams->az[k], z+iStart, j-iStart)==0 ) break;
        }
        if( k<pParams->n ){
          if( pSub ){
            sqlite3_str_appendf(pSub->pOut, "%.*s%s", i - pSub->iDone, z + pSub->iDone,
                                pSub->zWith);
            pSub->iDone = j;
          }
          i = j;
          iName = -1;
          continue;
        }
        *pzErr = sqlite3_mprintf("%s uses :%.*s, which is not one of its params", zWhat,
                                 j-iStart, z+iStart);
        return SQLITE_ERROR;
      }
      *pzErr = sqlite3_mprintf("%s must not contain parameters (%c...): %s", zWhat, c, z);
      return SQLITE_ERROR;
    }
    if( isIdChar((unsigned char)c) && !(c>='0' && c<='9') ){
      int iStart = i;
      while( isIdChar((unsigned char)z[i]) ) i++;
      iName = iStart;
      nName = i - iStart;
      continue;
    }
    if( c==';' ){
      *pzErr = sqlite3_mprintf("%s must be one SQL expression, without ';': %s", zWhat, z);
      return SQLITE_ERROR;
    }
    if( c=='(' ){
      if( iName>=0 && xCall ){
        int rc = xCall(pArg, z+iName, nName, pzErr);
        if( rc!=SQLITE_OK ) return rc;
      }
      depth++;
    }
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
    iName = -1;
    i++;
  }
  if( depth!=0 ){
    *pzErr = sqlite3_mprintf("%s leaves a parenthesis open: %s", zWhat, z);
    return SQLITE_ERROR;
  }
  if( pnComma ) *pnComma = n;
  return SQLITE_OK;
}

static int isBlank(const char *z){
  while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
  return *z==0;
}

/* Compiles zSql (built by the caller) and reports SQLite's error under zWhat. */
static int exprCompile(sqlite3 *db, char *zSql, const char *zText, const char *zWhat,
                       int bParams, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc;
  if( zSql==0 ) return SQLITE_NOMEM;
  const char *zTail = 0;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, &zTail);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s is not a valid expression here (%s): %s",
                             zWhat, sqlite3_errmsg(db), zText);
  }else if( !isBlank(zTail) || (!bParams && sqlite3_bind_parameter_count(pStmt)>0) ){
    /* The scan above rules both out; this is the belt to its braces. */
    *pzErr = sqlite3_mprintf("%s must be one SQL expression: %s", zWhat, zText);
    rc = SQLITE_ERROR;
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  return rc;
}

int sqlormCheckExpr(sqlite3 *db, const char *zExpr, const char *zFrom, const char *zWhat,
                    const OrmNames *pParams, char **pzErr){
  int rc = exprScan(zExpr, zWhat, pzErr, 0, 0, 0, 0, 0, pParams, 0);
  if( rc!=SQLITE_OK ) return rc;
  if( isBlank(zExpr) ){
    *pzErr = sqlite3_mprintf("%s is empty", zWhat);
    return SQLITE_ERROR;
  }
  /* The newline ends a trailing -- comment before the closing parenthesis. */
  return exprCompile(db, sqlite3_mprintf("SELECT (%s\n) FROM %s", zExpr, zFrom),
                     zExpr, zWhat, pParams!=0, pzErr);
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
  int rc = exprScan(zOrderBy, zWhat, pzErr, aComma, 64, &nComma, 0, 0, 0, 0);
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
    rc = sqlormCheckExpr(db, zTerm, zFrom, zWhat, 0, pzErr);
    sqlite3_free(zTerm);
    iStart = iEnd+1;
  }
  if( rc==SQLITE_OK ){
    rc = exprCompile(db, sqlite3_mprintf("SELECT 1 FROM %s ORDER BY %s\n", zFrom, zOrderBy),
                     zOrderBy, zWhat, 0, pzErr);
  }
  return rc;
}

/* For sqlormCheckTrusted: refuses a call of a function that SQLite would refuse in a view:
** a direct-only one always, one an application registered without SQLITE_INNOCUOUS when
** the schema is not trusted. */
typedef struct TrustCheck { sqlite3 *db; int bTrusted; } TrustCheck;

static int exprTrustedCall(void *pArg, const char *zName, int nName, char **pzErr){
  sqlite3 *db = ((TrustCheck*)pArg)->db;
  int bTrusted = ((TrustCheck*)pArg)->bTrusted;
  sqlite3_stmt *pStmt = 0;
  char *z;
  int rc;
  if( zName[0]=='"' || zName[0]=='[' || zName[0]=='`' ){ zName++; nName -= 2; }
  z = sqlite3_mprintf("%.*s", nName, zName);
  if( z==0 ) return SQLITE_NOMEM;
  /* 0x80000 is SQLITE_DIRECTONLY, 0x200000 SQLITE_INNOCUOUS, as pragma_function_list
  ** reports them. */
  rc = sqlite3_prepare_v2(db, "SELECT max((flags & 0x80000)<>0), "
      "min(builtin OR (flags & 0x200000)<>0) "
      "FROM pragma_function_list WHERE name = ?1 COLLATE NOCASE", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, z, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW && sqlite3_column_int(pStmt, 0) ){
      *pzErr = sqlite3_mprintf("%s() is direct-only: SQL read from the database file may "
                               "not call it", z);
      rc = SQLITE_AUTH;
    }else if( rc==SQLITE_ROW && !bTrusted && sqlite3_column_type(pStmt, 1)!=SQLITE_NULL
           && sqlite3_column_int(pStmt, 1)==0 ){
      *pzErr = sqlite3_mprintf("%s() is not innocuous: it is refused in SQL read from the "
                               "database file while trusted_schema is off", z);
      rc = SQLITE_AUTH;
    }else if( rc==SQLITE_ROW || rc==SQLITE_DONE ){
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(z);
  return rc;
}

/* SQL text that sqlorm read back from the database file (a relationship's where, order_by)
** is scanned again (one expression, no ';', no parameters: the file may have been edited)
** and held to what SQLite holds a view to: it may never call a direct-only function, and
** with PRAGMA trusted_schema off, none that is not innocuous. */
int sqlormCheckTrusted(sqlite3 *db, const char *zSql, const char *zWhat,
                       const OrmNames *pParams, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  TrustCheck t;
  int bTrusted = 1;
  int rc;
  if( zSql==0 ) return SQLITE_OK;
  rc = sqlite3_prepare_v2(db, "PRAGMA trusted_schema", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW ){
      bTrusted = sqlite3_column_int(pStmt, 0);
      rc = SQLITE_OK;
    }else if( rc==SQLITE_DONE ){
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ) return rc;
  t.db = db;
  t.bTrusted = bTrusted;
  return exprScan(zSql, zWhat, pzErr, 0, 0, 0, exprTrustedCall, &t, pParams, 0);
}

/* Whether expression z holds a subquery: the word SELECT or VALUES outside strings, quoted
** names and comments. (Such an expression reads other rows: a column property.) */
int sqlormExprHasSubquery(const char *z){
  int i = 0;
  while( z[i] ){
    char c = z[i];
    if( c=='\'' || c=='"' || c=='`' || c=='[' ){
      char cEnd = c=='[' ? ']' : c;
      i++;
      while( z[i] && !(z[i]==cEnd && !(cEnd!=']' && z[i+1]==cEnd)) ){
        if( z[i]==cEnd ) i++;
        i++;
      }
      if( z[i] ) i++;
    }else if( c=='-' && z[i+1]=='-' ){
      while( z[i] && z[i]!='\n' ) i++;
    }else if( c=='/' && z[i+1]=='*' ){
      const char *zEnd = strstr(z+i+2, "*/");
      i = zEnd ? (int)(zEnd - z) + 2 : (int)strlen(z);
    }else if( isIdChar((unsigned char)c) ){
      int iStart = i;
      while( isIdChar((unsigned char)z[i]) ) i++;
      if( (i-iStart==6 && sqlite3_strnicmp(z+iStart, "select", 6)==0)
       || (i-iStart==6 && sqlite3_strnicmp(z+iStart, "values", 6)==0) ){
        return 1;
      }
    }else{
      i++;
    }
  }
  return 0;
}

/* zExpr (checked before) with each occurrence of the parameter :zParam replaced by zWith,
** token by token: a ':value' inside a string or a quoted name stays as it is. */
char *sqlormExprSubst(const char *zExpr, const char *zParam, const char *zWith, int *pRc){
  OrmNames params;
  char *azParam[1];
  char *zErr = 0;
  ExprSubst sub;
  int rc;
  azParam[0] = (char*)zParam;
  params.n = 1;
  params.az = azParam;
  sub.pOut = sqlite3_str_new(0);
  sub.zWith = zWith;
  sub.iDone = 0;
  rc = exprScan(zExpr, "expression", &zErr, 0, 0, 0, 0, 0, &params, &sub);
  sqlite3_free(zErr);
  sqlite3_str_appendall(sub.pOut, zExpr + sub.iDone);
  if( rc==SQLITE_OK && sqlite3_str_errcode(sub.pOut) ) rc = SQLITE_NOMEM;
  if( rc!=SQLITE_OK ){
    sqlite3_free(sqlite3_str_finish(sub.pOut));
    if( *pRc==SQLITE_OK ) *pRc = rc;
    return 0;
  }
  return sqlite3_str_finish(sub.pOut);
}
