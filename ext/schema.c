/*
** schema.c: what sqlorm reads of the live schema: a table's columns, key, UNIQUE sets and
** foreign keys, through SQLite's pragma table-valued functions.
**
**   OrmTable *pTab = 0;
**   rc = sqlormTableLoad(db, "addresses", &pTab, &zErr);  -- "no such table: addresses"
**   ... pTab->key, pTab->aFk[i].from / .to ...
**   sqlormTableFree(pTab);
**
** How it works: the table's name is matched as SQLite matches it (case-insensitively) and
** kept as spelled in the schema. A table without a declared PRIMARY KEY is keyed by its
** rowid. A FOREIGN KEY written `REFERENCES t` without columns is resolved to t's primary
** key, as SQLite resolves it. Expression and partial indexes are not UNIQUE sets.
*/
#include "sqlorm.h"
#include <string.h>

/* ---- name lists ---------------------------------------------------------------- */

/* Appends a copy of zName. A NULL zName is what sqlite3_column_text() returns when it
** runs out of memory, so it is reported as SQLITE_NOMEM. */
int sqlormNamesAdd(OrmNames *p, const char *zName){
  char **az;
  if( zName==0 ) return SQLITE_NOMEM;
  az = sqlite3_realloc64(p->az, sizeof(char*)*(p->n+1));
  if( az==0 ) return SQLITE_NOMEM;
  p->az = az;
  az[p->n] = sqlite3_mprintf("%s", zName);
  if( az[p->n]==0 ) return SQLITE_NOMEM;
  p->n++;
  return SQLITE_OK;
}

void sqlormNamesClear(OrmNames *p){
  int i;
  for(i=0; i<p->n; i++) sqlite3_free(p->az[i]);
  sqlite3_free(p->az);
  p->az = 0;
  p->n = 0;
}

int sqlormNamesCopy(OrmNames *pTo, const OrmNames *pFrom){
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<pFrom->n; i++) rc = sqlormNamesAdd(pTo, pFrom->az[i]);
  return rc;
}

/* Index of zName in p (case-insensitive, as SQLite compares identifiers), or -1. */
int sqlormNamesFind(const OrmNames *p, const char *zName){
  int i;
  for(i=0; i<p->n; i++){
    if( sqlite3_stricmp(p->az[i], zName)==0 ) return i;
  }
  return -1;
}

/* Whether two lists hold the same names, in any order. */
int sqlormNamesSameSet(const OrmNames *a, const OrmNames *b){
  int i;
  if( a->n!=b->n ) return 0;
  for(i=0; i<a->n; i++){
    if( sqlormNamesFind(b, a->az[i])<0 ) return 0;
  }
  return 1;
}

/* Whether the lists are equal, in order. */
int sqlormNamesEqual(const OrmNames *a, const OrmNames *b){
  int i;
  if( a->n!=b->n ) return 0;
  for(i=0; i<a->n; i++){
    if( sqlite3_stricmp(a->az[i], b->az[i])!=0 ) return 0;
  }
  return 1;
}

/* The list as a JSON array of strings, appended to pStr. */
void sqlormNamesJson(sqlite3_str *pStr, const OrmNames *p){
  int i;
  sqlite3_str_appendchar(pStr, 1, '[');
  for(i=0; i<p->n; i++){
    sqlite3_str_appendf(pStr, "%s", i ? "," : "");
    sqlormJsonString(pStr, p->az[i], -1);
  }
  sqlite3_str_appendchar(pStr, 1, ']');
}

/* Appends `zPrefix"a"zSuffix, zPrefix"b"zSuffix` with each name quoted as an identifier;
** zAlias, when not NULL, qualifies each one ("alias"."a"). */
void sqlormNamesSql(sqlite3_str *pStr, const char *zAlias, const OrmNames *p, const char *zSep){
  int i;
  for(i=0; i<p->n; i++){
    if( i ) sqlite3_str_appendall(pStr, zSep);
    if( zAlias ) sqlite3_str_appendf(pStr, "\"%w\".", zAlias);
    sqlite3_str_appendf(pStr, "\"%w\"", p->az[i]);
  }
}

/* Parses a JSON array of strings (or one string) into p, via SQLite's json_each. */
int sqlormNamesFromJson(sqlite3 *db, const char *zJson, OrmNames *p, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc;
  if( zJson==0 ) return SQLITE_OK;
  rc = sqlite3_prepare_v2(db,
      "SELECT CASE WHEN json_type(?1)='text' THEN 'text' ELSE type END, value "
      "FROM json_each(CASE WHEN json_type(?1)='text' THEN json_array(?1 ->> '$') ELSE ?1 END)",
      -1, &pStmt, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    const char *zType = (const char*)sqlite3_column_text(pStmt, 0);
    if( zType==0 || strcmp(zType, "text")!=0 ){
      *pzErr = sqlite3_mprintf("expected a column name or an array of column names, got %s",
                               zJson);
      rc = SQLITE_ERROR;
      break;
    }
    rc = sqlormNamesAdd(p, (const char*)sqlite3_column_text(pStmt, 1));
    if( rc!=SQLITE_OK ) break;
  }
  if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }else if( rc!=SQLITE_OK && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("expected a column name or an array of column names, got %s",
                             zJson);
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Runs zSql (with ?1 bound to zBind when it is not NULL) and appends its first column to
** pA and, when pB is not NULL, its second to pB. */
int sqlormQueryNames(sqlite3 *db, const char *zSql, const char *zBind, OrmNames *pA,
                     OrmNames *pB){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) return rc;
  if( zBind ) sqlite3_bind_text(pStmt, 1, zBind, -1, SQLITE_STATIC);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    rc = sqlormNamesAdd(pA, (const char*)sqlite3_column_text(pStmt, 0));
    if( rc==SQLITE_OK && pB ) rc = sqlormNamesAdd(pB, (const char*)sqlite3_column_text(pStmt, 1));
    if( rc!=SQLITE_OK ) break;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_finalize(pStmt);
  return rc;
}

/* ---- tables -------------------------------------------------------------------- */

void sqlormTableFree(OrmTable *p){
  int i;
  if( p==0 ) return;
  sqlite3_free(p->zName);
  sqlormNamesClear(&p->cols);
  sqlormNamesClear(&p->generated);
  sqlite3_free(p->aNotNull);
  sqlormNamesClear(&p->key);
  for(i=0; i<p->nUnique; i++) sqlormNamesClear(&p->aUnique[i]);
  sqlite3_free(p->aUnique);
  for(i=0; i<p->nFk; i++){
    sqlite3_free(p->aFk[i].zTo);
    sqlite3_free(p->aFk[i].zOnDelete);
    sqlormNamesClear(&p->aFk[i].from);
    sqlormNamesClear(&p->aFk[i].to);
  }
  sqlite3_free(p->aFk);
  sqlite3_free(p);
}

/* The table's name as the schema spells it, or NULL (no error) when there is none. */
int sqlormTableName(sqlite3 *db, const char *zName, char **pzCanon){
  OrmNames found = {0, 0};
  int rc = sqlormQueryNames(db, "SELECT name FROM main.sqlite_schema "
      "WHERE type='table' AND name=?1 COLLATE NOCASE", zName, &found, 0);
  *pzCanon = 0;
  if( rc==SQLITE_OK && found.n ){
    *pzCanon = found.az[0];               /* taken from the list */
    found.az[0] = 0;
  }
  sqlormNamesClear(&found);
  return rc;
}

static int tableColumns(sqlite3 *db, OrmTable *p){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT name, \"notnull\", pk, hidden "
      "FROM pragma_table_xinfo(?1, 'main') ORDER BY cid", -1, &pStmt, 0);
  int nPk = 0;
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, p->zName, -1, SQLITE_STATIC);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    unsigned char *a;
    if( sqlite3_column_int(pStmt, 3)==1 ) continue;     /* hidden column of a vtab */
    rc = sqlormNamesAdd(&p->cols, (const char*)sqlite3_column_text(pStmt, 0));
    if( rc==SQLITE_OK && sqlite3_column_int(pStmt, 3)>=2 ){   /* 2, 3: generated */
      rc = sqlormNamesAdd(&p->generated, (const char*)sqlite3_column_text(pStmt, 0));
    }
    if( rc!=SQLITE_OK ) break;
    a = sqlite3_realloc64(p->aNotNull, p->cols.n);
    if( a==0 ){ rc = SQLITE_NOMEM; break; }
    p->aNotNull = a;
    a[p->cols.n-1] = (unsigned char)sqlite3_column_int(pStmt, 1);
    if( sqlite3_column_int(pStmt, 2)>nPk ) nPk = sqlite3_column_int(pStmt, 2);
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  /* The key in PRIMARY KEY order (pk is the 1-based position in the key). */
  if( rc==SQLITE_OK && nPk>0 ){
    int k;
    for(k=1; rc==SQLITE_OK && k<=nPk; k++){
      sqlite3_reset(pStmt);
      while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
        if( sqlite3_column_int(pStmt, 2)==k ){
          rc = sqlormNamesAdd(&p->key, (const char*)sqlite3_column_text(pStmt, 0));
          if( rc!=SQLITE_OK ) break;
        }
      }
      if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    }
    p->bRowidKey = (nPk==1 && !p->bWithoutRowid);
  }else if( rc==SQLITE_OK ){
    /* No declared key: the rowid, under a name no column hides. */
    static const char *azRowid[] = { "rowid", "_rowid_", "oid" };
    int i;
    for(i=0; i<3 && sqlormNamesFind(&p->cols, azRowid[i])>=0; i++){}
    rc = i<3 ? sqlormNamesAdd(&p->key, azRowid[i]) : SQLITE_MISMATCH;
    p->bRowidKey = 1;
    p->bImplicitRowid = 1;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* An INTEGER PRIMARY KEY is a rowid alias only if declared exactly so; for the purposes
** here (addressing a row) any single-column key of a rowid table is a good key, so only
** WITHOUT ROWID needs to be known. */
static int tableKind(sqlite3 *db, OrmTable *p){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db,
      "SELECT wr, strict FROM pragma_table_list(?1) WHERE schema='main' AND type='table'",
      -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, p->zName, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    p->bWithoutRowid = sqlite3_column_int(pStmt, 0);
    p->bStrict = sqlite3_column_int(pStmt, 1);
    rc = SQLITE_OK;
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

static int tableUniques(sqlite3 *db, OrmTable *p){
  sqlite3_stmt *pList = 0, *pInfo = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_index_list(?1, 'main') "
      "WHERE \"unique\" AND NOT partial", -1, &pList, 0);
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db, "SELECT cid, name FROM pragma_index_info(?1, 'main') "
        "ORDER BY seqno", -1, &pInfo, 0);
  }
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pList, 1, p->zName, -1, SQLITE_STATIC);
    while( (rc = sqlite3_step(pList))==SQLITE_ROW ){
      OrmNames set = {0, 0};
      int bExpr = 0;
      sqlite3_bind_text(pInfo, 1, (const char*)sqlite3_column_text(pList, 0), -1,
                        SQLITE_TRANSIENT);
      while( (rc = sqlite3_step(pInfo))==SQLITE_ROW ){
        if( sqlite3_column_int(pInfo, 0)<0 ){ bExpr = 1; continue; }
        rc = sqlormNamesAdd(&set, (const char*)sqlite3_column_text(pInfo, 1));
        if( rc!=SQLITE_OK ) break;
      }
      sqlite3_reset(pInfo);
      if( rc==SQLITE_DONE ) rc = SQLITE_OK;
      if( rc==SQLITE_OK && !bExpr && set.n>0 ){
        OrmNames *a = sqlite3_realloc64(p->aUnique, sizeof(OrmNames)*(p->nUnique+1));
        if( a==0 ){
          rc = SQLITE_NOMEM;
        }else{
          p->aUnique = a;
          a[p->nUnique++] = set;
          set.n = 0; set.az = 0;
        }
      }
      sqlormNamesClear(&set);
      if( rc!=SQLITE_OK ) break;
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pList);
  sqlite3_finalize(pInfo);
  return rc;
}

static int tableForeignKeys(sqlite3 *db, OrmTable *p, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT id, \"table\", \"from\", \"to\", on_delete "
      "FROM pragma_foreign_key_list(?1, 'main') ORDER BY id, seq", -1, &pStmt, 0);
  int iPrev = -1;
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, p->zName, -1, SQLITE_STATIC);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    OrmFk *pFk;
    int i;
    if( sqlite3_column_int(pStmt, 0)!=iPrev ){
      OrmFk *a = sqlite3_realloc64(p->aFk, sizeof(OrmFk)*(p->nFk+1));
      if( a==0 ){ rc = SQLITE_NOMEM; break; }
      p->aFk = a;
      pFk = &a[p->nFk++];
      memset(pFk, 0, sizeof(*pFk));
      rc = sqlormTableName(db, (const char*)sqlite3_column_text(pStmt, 1), &pFk->zTo);
      if( rc==SQLITE_OK && pFk->zTo==0 ){
        pFk->zTo = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
        pFk->bDangling = 1;               /* refers to a table that does not exist */
      }
      pFk->zOnDelete = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 4));
      pFk->bNotNull = 1;                  /* until a nullable column is seen */
      if( rc!=SQLITE_OK ) break;
      if( pFk->zTo==0 || pFk->zOnDelete==0 ){ rc = SQLITE_NOMEM; break; }
      iPrev = sqlite3_column_int(pStmt, 0);
    }
    pFk = &p->aFk[p->nFk-1];
    rc = sqlormNamesAdd(&pFk->from, (const char*)sqlite3_column_text(pStmt, 2));
    if( rc==SQLITE_OK && sqlite3_column_type(pStmt, 3)!=SQLITE_NULL ){
      rc = sqlormNamesAdd(&pFk->to, (const char*)sqlite3_column_text(pStmt, 3));
    }
    if( rc!=SQLITE_OK ) break;
    /* A column of a declared primary key counts as NOT NULL (SQLite only lets a rowid
    ** table's key hold NULL by an old quirk): an association row without one of its
    ** parents is no row at all. */
    i = sqlormNamesFind(&p->cols, (const char*)sqlite3_column_text(pStmt, 2));
    pFk->bNotNull = pFk->bNotNull && i>=0
        && (p->aNotNull[i] || sqlormNamesFind(&p->key, p->cols.az[i])>=0);
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_finalize(pStmt);

  /* `REFERENCES t` without columns means t's primary key. */
  {
    int i;
    for(i=0; rc==SQLITE_OK && i<p->nFk; i++){
      OrmFk *pFk = &p->aFk[i];
      if( pFk->to.n==0 && !pFk->bDangling ){
        OrmTable *pTo = 0;
        if( sqlite3_stricmp(pFk->zTo, p->zName)==0 ){
          rc = sqlormNamesCopy(&pFk->to, &p->key);
        }else{
          rc = sqlormTableLoadShallow(db, pFk->zTo, &pTo, pzErr);
          if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&pFk->to, &pTo->key);
          sqlormTableFree(pTo);
        }
      }
    }
  }
  return rc;
}

static int tableLoad(sqlite3 *db, const char *zName, int bFk, OrmTable **pp, char **pzErr){
  OrmTable *p = sqlite3_malloc(sizeof(OrmTable));
  int rc;
  *pp = 0;
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  rc = sqlormTableName(db, zName, &p->zName);
  if( rc==SQLITE_OK && p->zName==0 ){
    *pzErr = sqlite3_mprintf("no such table: %s", zName);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ) rc = tableKind(db, p);
  if( rc==SQLITE_OK ) rc = tableColumns(db, p);
  if( rc==SQLITE_OK ) rc = tableUniques(db, p);
  if( rc==SQLITE_OK && bFk ) rc = tableForeignKeys(db, p, pzErr);
  if( rc==SQLITE_MISMATCH && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("table %s has no primary key and columns named rowid, _rowid_ "
                             "and oid: its rows cannot be addressed", zName);
    rc = SQLITE_ERROR;
  }
  if( rc!=SQLITE_OK ){
    if( *pzErr==0 && rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("reading table %s: %s", zName, sqlite3_errmsg(db));
    }
    sqlormTableFree(p);
    return rc;
  }
  *pp = p;
  return SQLITE_OK;
}

/* Loads a table with its foreign keys. */
int sqlormTableLoad(sqlite3 *db, const char *zName, OrmTable **pp, char **pzErr){
  return tableLoad(db, zName, 1, pp, pzErr);
}

/* Loads a table without its foreign keys (columns, key, UNIQUE sets). */
int sqlormTableLoadShallow(sqlite3 *db, const char *zName, OrmTable **pp, char **pzErr){
  return tableLoad(db, zName, 0, pp, pzErr);
}

/* The SQL that names a row by its key: `"k" = NEW."k" AND ...` (IS where a key may be
** NULL) and, for messages, `'k=' || <value>, ...` over zRef (OLD or NEW). */
void sqlormRowKeySql(const OrmTable *pTab, sqlite3_str *pWhere, sqlite3_str *pText,
                          const char *zRef){
  int i;
  for(i=0; i<pTab->key.n; i++){
    const char *k = pTab->key.az[i];
    if( pWhere ){
      sqlite3_str_appendf(pWhere, "%s\"%w\" %s %s.\"%w\"", i ? " AND " : "", k,
                          pTab->bRowidKey ? "=" : "IS", zRef, k);
    }
    if( pText ){
      sqlite3_str_appendf(pText, "%s'%q=' || coalesce(CASE typeof(%s.\"%w\") WHEN 'text' THEN "
          "json_quote(%s.\"%w\") WHEN 'blob' THEN 'x' || hex(%s.\"%w\") ELSE %s.\"%w\" END, "
          "'NULL')", i ? " || ', ' || " : "", k, zRef, k, zRef, k, zRef, k, zRef, k);
    }
  }
}

/* Whether the columns are the table's key or one of its UNIQUE sets (in any order). */
int sqlormTableIsUnique(const OrmTable *p, const OrmNames *pCols){
  int i;
  if( sqlormNamesSameSet(&p->key, pCols) ) return 1;
  for(i=0; i<p->nUnique; i++){
    if( sqlormNamesSameSet(&p->aUnique[i], pCols) ) return 1;
  }
  return 0;
}

/* Checks that every name in pCols is a column of the table; the error names the first
** that is not. zWhat says what the columns were given as. */
int sqlormTableCheckColumns(const OrmTable *p, const OrmNames *pCols, const char *zWhat,
                            char **pzErr){
  int i;
  for(i=0; i<pCols->n; i++){
    if( sqlormNamesFind(&p->cols, pCols->az[i])<0
     && !(p->bImplicitRowid && sqlormNamesFind(&p->key, pCols->az[i])>=0) ){
      *pzErr = sqlite3_mprintf("%s: table %s has no column %s", zWhat, p->zName, pCols->az[i]);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}
