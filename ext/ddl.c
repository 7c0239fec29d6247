/*
** ddl.c: reads and edits the text of a CREATE TABLE statement, token by token, so that a
** table rebuilt by orm_alter_table keeps every word of its definition that the change
** does not touch: collations, CHECKs named and unnamed, generated columns, AUTOINCREMENT,
** comments, STRICT and WITHOUT ROWID.
**
**   OrmDdl d;
**   rc = sqlormDdlParse("CREATE TABLE t(a INT, b TEXT CHECK (b <> ''), UNIQUE (a))", &d, &zErr);
**   ... d.aPart[i]: a column definition or a table constraint, as written ...
**   zSql = sqlormDdlBuild(&d, "t_new", &rc);
**   sqlormDdlClear(&d);
**
** How it works: SQLite stores "CREATE TABLE name(...)" as the user wrote it from the name
** on. A small tokenizer (strings, quoted names, comments, parentheses, commas) finds the
** list between the outer parentheses and splits it at its top-level commas; each part
** keeps its own text. A column definition is split further into its type and its
** constraints (sqlormDdlColumn), so that one of them can be replaced or dropped.
*/
#include "sqlorm.h"
#include <string.h>

static int ddlIdChar(unsigned char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='_' || c=='$'
      || c>=0x80;
}

/* The length of the token at z (0 at the end of the text) and its kind in *peType. */
int sqlormDdlToken(const char *z, int *peType){
  int i = 0;
  char c = z[0];
  if( c==0 ){ *peType = DDL_END; return 0; }
  if( c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' ){
    while( z[i]==' ' || z[i]=='\t' || z[i]=='\n' || z[i]=='\r' || z[i]=='\f' ) i++;
    *peType = DDL_SPACE;
    return i;
  }
  if( c=='-' && z[1]=='-' ){
    while( z[i] && z[i]!='\n' ) i++;
    *peType = DDL_SPACE;
    return i;
  }
  if( c=='/' && z[1]=='*' ){
    const char *zEnd = strstr(z+2, "*/");
    if( zEnd==0 ){ *peType = DDL_ERROR; return (int)strlen(z); }
    *peType = DDL_SPACE;
    return (int)(zEnd - z) + 2;
  }
  if( c=='\'' || c=='"' || c=='`' || c=='[' ){
    char cEnd = c=='[' ? ']' : c;
    i = 1;
    for(;;){
      if( z[i]==0 ){ *peType = DDL_ERROR; return i; }
      if( z[i]==cEnd ){
        if( cEnd!=']' && z[i+1]==cEnd ){ i += 2; continue; }   /* a doubled quote */
        i++;
        break;
      }
      i++;
    }
    *peType = c=='\'' ? DDL_STRING : DDL_QUOTED;
    return i;
  }
  if( ddlIdChar((unsigned char)c) ){
    while( ddlIdChar((unsigned char)z[i]) ) i++;
    *peType = DDL_ID;
    return i;
  }
  *peType = c=='(' ? DDL_LP : c==')' ? DDL_RP : c==',' ? DDL_COMMA : c==';' ? DDL_SEMI
          : DDL_OTHER;
  return 1;
}

/* Whether the token z[0..n) is the keyword zWord (a bare word, any case). */
int sqlormDdlIsWord(const char *z, int n, const char *zWord){
  return (int)strlen(zWord)==n && sqlite3_strnicmp(z, zWord, n)==0;
}

/* The name the token z[0..n) stands for: a bare word as it is, a quoted one unquoted. */
char *sqlormDdlDequote(const char *z, int n){
  char *zOut;
  int i, j;
  char cEnd;
  if( n<2 || (z[0]!='"' && z[0]!='\'' && z[0]!='`' && z[0]!='[') ){
    return sqlite3_mprintf("%.*s", n, z);
  }
  zOut = sqlite3_malloc(n);
  if( zOut==0 ) return 0;
  cEnd = z[0]=='[' ? ']' : z[0];
  for(i=1, j=0; i<n-1; i++){
    zOut[j++] = z[i];
    if( z[i]==cEnd && cEnd!=']' ) i++;      /* the second of a doubled quote */
  }
  zOut[j] = 0;
  return zOut;
}

/* The next token at or after z+i that is not a blank or a comment: its offset (or -1 at
** the end of the text), its length and kind. */
static int ddlNext(const char *z, int i, int *pn, int *peType){
  for(;;){
    int n = sqlormDdlToken(z+i, peType);
    if( *peType==DDL_END ){ *pn = 0; return -1; }
    if( *peType!=DDL_SPACE ){ *pn = n; return i; }
    i += n;
  }
}

/* Checks that z is one element of a comma-separated list inside parentheses: quotes and
** comments closed, parentheses balanced, no top-level comma or ';'. zWhat names it in the
** error. *pbLineComment is set when it ends inside a -- comment (a newline must follow). */
int sqlormDdlCheckElement(const char *z, const char *zWhat, int *pbLineComment,
                          char **pzErr){
  int i = 0, depth = 0, eType, n, bAny = 0;
  *pbLineComment = 0;
  while( (n = sqlormDdlToken(z+i, &eType))>0 ){
    if( eType==DDL_ERROR ){
      *pzErr = sqlite3_mprintf("%s: unterminated string, name or comment: %s", zWhat, z);
      return SQLITE_ERROR;
    }
    *pbLineComment = (eType==DDL_SPACE && z[i]=='-' && z[i+n]==0);
    if( eType==DDL_LP ) depth++;
    if( eType==DDL_RP && --depth<0 ){
      *pzErr = sqlite3_mprintf("%s closes a parenthesis it did not open: %s", zWhat, z);
      return SQLITE_ERROR;
    }
    if( eType==DDL_SEMI || (eType==DDL_COMMA && depth==0) ){
      *pzErr = sqlite3_mprintf("%s must be a single definition, without '%c' outside "
                               "parentheses: %s", zWhat, z[i], z);
      return SQLITE_ERROR;
    }
    if( eType!=DDL_SPACE ) bAny = 1;
    i += n;
  }
  if( depth!=0 ){
    *pzErr = sqlite3_mprintf("%s leaves a parenthesis open: %s", zWhat, z);
    return SQLITE_ERROR;
  }
  if( !bAny ){
    *pzErr = sqlite3_mprintf("%s is empty", zWhat);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* The significant tokens of z[0..n), bare words in upper case, one blank between: how two
** spellings of one constraint are compared ("check(a>0)" is "CHECK ( A > 0 )"). */
char *sqlormDdlNormalize(const char *z, int n){
  sqlite3_str *pOut = sqlite3_str_new(0);
  int i = 0, eType, m;
  while( i<n && (m = sqlormDdlToken(z+i, &eType))>0 ){
    if( i+m>n ) m = n-i;
    int iTok = i, nTok = m;
    if( eType==DDL_QUOTED && m>2 ){
      /* "name" is name when a bare word could say it */
      int k, bWord = !(z[i+1]>='0' && z[i+1]<='9');
      for(k=1; k<m-1 && bWord; k++) bWord = ddlIdChar((unsigned char)z[i+k]);
      if( bWord ){ iTok = i+1; nTok = m-2; eType = DDL_ID; }
    }
    if( eType!=DDL_SPACE ){
      int k;
      if( sqlite3_str_length(pOut) ) sqlite3_str_appendchar(pOut, 1, ' ');
      for(k=0; k<nTok; k++){
        char c = z[iTok+k];
        if( eType==DDL_ID && c>='a' && c<='z' ) c = (char)(c - 'a' + 'A');
        sqlite3_str_appendchar(pOut, 1, c);
      }
    }
    i += m;
  }
  return sqlite3_str_finish(pOut);
}

void sqlormDdlClear(OrmDdl *p){
  int i;
  for(i=0; i<p->nPart; i++){
    sqlite3_free(p->aPart[i].zText);
    sqlite3_free(p->aPart[i].zName);
  }
  sqlite3_free(p->aPart);
  sqlite3_free(p->zSql);
  sqlite3_free(p->zTail);
  memset(p, 0, sizeof(*p));
}

/* Appends a part (its text copied); zName is taken over. */
int sqlormDdlAddPart(OrmDdl *p, int iAt, const char *z, int n, int bConstraint, char *zName){
  OrmDdlPart *a;
  char *zText = sqlite3_mprintf("%.*s", n, z);
  if( zText==0 ){ sqlite3_free(zName); return SQLITE_NOMEM; }
  a = sqlite3_realloc64(p->aPart, sizeof(OrmDdlPart)*(p->nPart+1));
  if( a==0 ){ sqlite3_free(zText); sqlite3_free(zName); return SQLITE_NOMEM; }
  p->aPart = a;
  if( iAt<0 || iAt>p->nPart ) iAt = p->nPart;
  memmove(&a[iAt+1], &a[iAt], sizeof(OrmDdlPart)*(p->nPart-iAt));
  a[iAt].zText = zText;
  a[iAt].bConstraint = bConstraint;
  a[iAt].zName = zName;
  p->nPart++;
  return SQLITE_OK;
}

void sqlormDdlDropPart(OrmDdl *p, int i){
  sqlite3_free(p->aPart[i].zText);
  sqlite3_free(p->aPart[i].zName);
  memmove(&p->aPart[i], &p->aPart[i+1], sizeof(OrmDdlPart)*(p->nPart-i-1));
  p->nPart--;
}

/* What a part is: a table constraint (with its CONSTRAINT name, if any, in *pzName) or a
** column definition (its name in *pzName). */
int sqlormDdlPartKind(const char *z, int *pbConstraint, char **pzName){
  static const char *azStart[] = { "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN" };
  int eType, n, k;
  int i = ddlNext(z, 0, &n, &eType);
  *pbConstraint = 0;
  *pzName = 0;
  if( i<0 ) return SQLITE_ERROR;
  if( eType==DDL_ID ){
    for(k=0; k<5; k++){
      if( sqlormDdlIsWord(z+i, n, azStart[k]) ) *pbConstraint = 1;
    }
  }
  if( *pbConstraint ){
    if( k>0 && sqlormDdlIsWord(z+i, n, "CONSTRAINT") ){
      i = ddlNext(z, i+n, &n, &eType);
      if( i<0 ) return SQLITE_ERROR;
    }else{
      return SQLITE_OK;
    }
  }
  if( eType!=DDL_ID && eType!=DDL_QUOTED && eType!=DDL_STRING ) return SQLITE_ERROR;
  *pzName = sqlormDdlDequote(z+i, n);
  return *pzName ? SQLITE_OK : SQLITE_NOMEM;
}

/* Reads the CREATE TABLE statement zSql of a table (as sqlite_schema holds it). */
int sqlormDdlParse(const char *zSql, OrmDdl *p, char **pzErr){
  int i, n, eType, depth = 0, iStart;
  int rc = SQLITE_OK;
  memset(p, 0, sizeof(*p));
  p->zSql = sqlite3_mprintf("%s", zSql);
  if( p->zSql==0 ) return SQLITE_NOMEM;
  /* CREATE TABLE name ( */
  i = ddlNext(zSql, 0, &n, &eType);
  if( i>=0 && sqlormDdlIsWord(zSql+i, n, "CREATE") ) i = ddlNext(zSql, i+n, &n, &eType);
  if( i>=0 && sqlormDdlIsWord(zSql+i, n, "TABLE") ) i = ddlNext(zSql, i+n, &n, &eType);
  if( i>=0 && (eType==DDL_ID || eType==DDL_QUOTED || eType==DDL_STRING) ){
    p->iName = i;
    p->nName = n;
    i = ddlNext(zSql, i+n, &n, &eType);
  }else{
    i = -1;
  }
  if( i<0 || eType!=DDL_LP ){
    *pzErr = sqlite3_mprintf("cannot read the definition of the table: %s", zSql);
    sqlormDdlClear(p);
    return SQLITE_ERROR;
  }
  p->iOpen = i;
  iStart = i+1;
  for(i=i+1; rc==SQLITE_OK; i+=n){
    n = sqlormDdlToken(zSql+i, &eType);
    if( eType==DDL_END || eType==DDL_ERROR ) break;
    if( eType==DDL_LP ) depth++;
    if( eType==DDL_RP && depth>0 ){ depth--; continue; }
    if( (eType==DDL_COMMA && depth==0) || eType==DDL_RP ){
      int bConstraint = 0;
      char *zName = 0;
      rc = sqlormDdlPartKind(zSql+iStart, &bConstraint, &zName);
      if( rc==SQLITE_OK ) rc = sqlormDdlAddPart(p, -1, zSql+iStart, i-iStart, bConstraint, zName);
      iStart = i+1;
      if( eType==DDL_RP ){
        p->zTail = sqlite3_mprintf("%s", zSql+i);
        if( p->zTail==0 ) rc = SQLITE_NOMEM;
        break;
      }
    }
  }
  if( rc==SQLITE_OK && p->zTail==0 ) rc = SQLITE_ERROR;
  if( rc!=SQLITE_OK ){
    if( rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("cannot read the definition of the table: %s", zSql);
    }
    sqlormDdlClear(p);
  }
  return rc;
}

/* Reads the table options after the closing parenthesis (WITHOUT ROWID, STRICT). */
void sqlormDdlOptions(const OrmDdl *p, int *pbWithoutRowid, int *pbStrict){
  const char *z = p->zTail;
  int i = 1, n, eType;
  *pbWithoutRowid = *pbStrict = 0;
  while( (i = ddlNext(z, i, &n, &eType))>=0 ){
    if( sqlormDdlIsWord(z+i, n, "ROWID") ) *pbWithoutRowid = 1;
    if( sqlormDdlIsWord(z+i, n, "STRICT") ) *pbStrict = 1;
    i += n;
  }
}

/* Sets the table options, keeping the tail as written when they do not change. */
int sqlormDdlSetOptions(OrmDdl *p, int bWithoutRowid, int bStrict){
  int bW, bS;
  char *zTail;
  sqlormDdlOptions(p, &bW, &bS);
  if( bW==bWithoutRowid && bS==bStrict ) return SQLITE_OK;
  zTail = sqlite3_mprintf(")%s%s%s", bWithoutRowid ? " WITHOUT ROWID" : "",
                          bWithoutRowid && bStrict ? "," : "", bStrict ? " STRICT" : "");
  if( zTail==0 ) return SQLITE_NOMEM;
  sqlite3_free(p->zTail);
  p->zTail = zTail;
  return SQLITE_OK;
}

/* The statement again, under the name zName (a token as it is to be written) when it is
** not NULL. */
char *sqlormDdlBuild(const OrmDdl *p, const char *zName, int *pRc){
  sqlite3_str *pOut = sqlite3_str_new(0);
  int i;
  char *z;
  sqlite3_str_appendall(pOut, "CREATE TABLE ");
  if( zName ){
    sqlite3_str_appendall(pOut, zName);
  }else{
    sqlite3_str_append(pOut, p->zSql + p->iName, p->nName);
  }
  /* What lay between the name and the parenthesis (blanks, comments), and the '('. */
  sqlite3_str_append(pOut, p->zSql + p->iName + p->nName, p->iOpen + 1 - p->iName - p->nName);
  for(i=0; i<p->nPart; i++){
    if( i ) sqlite3_str_appendchar(pOut, 1, ',');
    sqlite3_str_appendall(pOut, p->aPart[i].zText);
  }
  sqlite3_str_appendall(pOut, p->zTail);
  z = sqlite3_str_finish(pOut);
  if( z==0 && *pRc==SQLITE_OK ) *pRc = SQLITE_NOMEM;
  return z;
}

/* ---- column definitions ------------------------------------------------------------ */

/* The words that start a column constraint. */
static int ddlColumnStarter(const char *z, int n){
  static const char *az[] = { "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK",
                              "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS" };
  int k;
  for(k=0; k<(int)(sizeof(az)/sizeof(az[0])); k++){
    if( sqlormDdlIsWord(z, n, az[k]) ) return 1;
  }
  return 0;
}

/* Splits column definition z into its name, its type and its constraints. Each
** constraint runs from its first word (CONSTRAINT name included) to the next one's;
** words that belong to the one before (SET NULL, SET DEFAULT, NOT DEFERRABLE of a
** REFERENCES clause, the value after DEFAULT, AS after GENERATED ALWAYS) start none. */
int sqlormDdlColumn(const char *z, OrmDdlColumn *p){
  int i, n, eType, depth = 0;
  int iPrev = -1, nPrev = 0;     /* the token before */
  int bAfterName = 0;            /* the token after CONSTRAINT is its name ... */
  int bKindNext = 0;             /* ... and the word after that the constraint's kind */
  int bTakeValue = 0;            /* the tokens of DEFAULT's value */
  OrmDdlSeg *pSeg = 0;           /* the current constraint */
  memset(p, 0, sizeof(*p));
  i = ddlNext(z, 0, &n, &eType);
  if( i<0 ) return SQLITE_ERROR;
  p->iName = i;
  p->nName = n;
  p->iType = p->iTypeEnd = i+n;
  for(i=i+n; (n = sqlormDdlToken(z+i, &eType))>0; i+=n){
    if( eType==DDL_SPACE ) continue;
    if( eType==DDL_ERROR ) return SQLITE_ERROR;
    if( bTakeValue ){
      /* A literal, a word, a signed number or a parenthesised expression. */
      if( eType==DDL_LP ) depth++;
      if( eType==DDL_RP ) depth--;
      if( depth==0 && !(eType==DDL_OTHER && (z[i]=='-' || z[i]=='+')) ) bTakeValue = 0;
    }else if( bAfterName ){
      pSeg->iName = i;
      pSeg->nName = n;
      bAfterName = 0;
      bKindNext = 1;
    }else if( bKindNext ){
      pSeg->iKind = i;
      pSeg->nKind = n;
      bKindNext = 0;
      bTakeValue = sqlormDdlIsWord(z+i, n, "DEFAULT");
    }else{
      int bStart = 0;
      if( eType==DDL_LP ) depth++;
      if( eType==DDL_RP ) depth--;
      if( depth==0 && eType==DDL_ID && ddlColumnStarter(z+i, n) ){
        const char *zKind = pSeg ? z+pSeg->iKind : "";
        int nKind = pSeg ? pSeg->nKind : 0;
        bStart = 1;
        if( sqlormDdlIsWord(zKind, nKind, "REFERENCES") ){
          if( (sqlormDdlIsWord(z+i, n, "NULL") || sqlormDdlIsWord(z+i, n, "DEFAULT"))
           && sqlormDdlIsWord(z+iPrev, nPrev, "SET") ) bStart = 0;
          if( sqlormDdlIsWord(z+i, n, "NOT") ){
            int n2, e2;
            int j = ddlNext(z, i+n, &n2, &e2);
            if( j>=0 && sqlormDdlIsWord(z+j, n2, "DEFERRABLE") ) bStart = 0;
          }
        }
        if( sqlormDdlIsWord(z+i, n, "AS") && sqlormDdlIsWord(zKind, nKind, "GENERATED") ){
          bStart = 0;
        }
        if( sqlormDdlIsWord(z+i, n, "NULL") && iPrev>=0
         && sqlormDdlIsWord(z+iPrev, nPrev, "NOT") ) bStart = 0;
      }
      if( bStart ){
        if( p->nSeg>=ORM_DDL_MAXSEG ) return SQLITE_ERROR;
        if( pSeg ){
          pSeg->iEnd = iPrev+nPrev;
        }else{
          p->iTypeEnd = iPrev>=p->iType ? iPrev+nPrev : p->iType;
        }
        pSeg = &p->aSeg[p->nSeg++];
        pSeg->iStart = i;
        pSeg->iName = -1;
        pSeg->nName = 0;
        if( sqlormDdlIsWord(z+i, n, "CONSTRAINT") ){
          bAfterName = 1;
          pSeg->iKind = i;
          pSeg->nKind = 0;
        }else{
          pSeg->iKind = i;
          pSeg->nKind = n;
          bTakeValue = sqlormDdlIsWord(z+i, n, "DEFAULT");
        }
      }
    }
    iPrev = i;
    nPrev = n;
  }
  if( pSeg ){
    pSeg->iEnd = iPrev+nPrev;
  }else{
    p->iTypeEnd = iPrev>=p->iType ? iPrev+nPrev : p->iType;
  }
  p->iEnd = iPrev>=0 ? iPrev+nPrev : p->iName+p->nName;
  return SQLITE_OK;
}
