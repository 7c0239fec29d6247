/*
** alter.c: orm_alter_table(table, changes): a table change that loses nothing, through
** SQLite's native ALTER TABLE where it can do the change and its documented 12-step
** rebuild (https://sqlite.org/lang_altertable.html, section 7) where it cannot.
**
** Usage:
**   SELECT orm_alter_table('users', '{"drop_column":"legacy","allow_data_loss":true}');
**   SELECT orm_alter_table('users', '{"alter_column":{"age":"INTEGER NOT NULL DEFAULT 0"}}');
**   SELECT orm_alter_table('users', '{"alter_column":{"email":{"collate":"NOCASE"}}}');
**   SELECT orm_alter_table('users', '{"rename_column":{"nick":"handle"},
**          "add_constraint":"CONSTRAINT adult CHECK (age >= 18)", "strict":true}');
**   -- 'native' or 'rebuild': how it was done
**
** Changes, applied in this order: rename_column {old: new}; drop_column name | [names];
** alter_column {name: declaration | {type, not_null, default, collate}}; add_column
** {name: declaration}; drop_constraint name | text | [...]; add_constraint text | [...];
** strict, without_rowid (true|false); rename (the table). Flags: allow_data_loss (drop a
** column that holds values, or let an altered column's values change); rebuild (rebuild
** even when native ALTER could do it).
**
** How it works: renames of columns are native ALTERs (they rewrite every view, trigger and
** index that names the column). Drops and adds alone try native ALTER in a nested savepoint;
** anything else, or a native ALTER that SQLite refuses, rebuilds: the table's CREATE text is
** edited part by part (ddl.c), so everything the change does not name is kept as written;
** a table under a temporary name gets the rows (rowids kept, INSERT OR ABORT so no ON
** CONFLICT clause can drop a row), the old table is dropped and the new one renamed, its
** indexes and triggers are made again from their text and its AUTOINCREMENT counter is
** carried over. Inside a transaction PRAGMA foreign_keys=OFF does nothing and a DROP TABLE
** of a parent fires its children's ON DELETE CASCADE, so foreign keys are switched off
** through sqlite3_db_config (which works inside one) for the rebuild only, and the rows
** that violate foreign keys afterwards are compared with those before. The final rename
** runs with legacy_alter_table on (else SQLite checks every view while the table is
** missing); a same-name RENAME COLUMN then has SQLite check every view and trigger of the
** schema, as its own ALTER does. sqlorm's model views over the table are made again from
** the catalog. Everything runs in the definition savepoint: any failure leaves the schema
** and the data as they were, with an error naming the step.
*/
#include "sqlorm.h"
#include <string.h>

static const char zAlterFunc[] = "orm_alter_table";

/* The changes, as given. */
typedef struct AlterSpec AlterSpec;
struct AlterSpec {
  OrmNames renFrom, renTo;      /* rename_column */
  OrmNames drop;                /* drop_column */
  OrmNames altCol, altVal;      /* alter_column: a declaration, or a JSON object ... */
  OrmNames altType;             /* ... as "text" or "object" */
  OrmNames addCol, addDecl;     /* add_column */
  OrmNames dropCons;            /* drop_constraint */
  OrmNames addCons;             /* add_constraint */
  int bStrict;                  /* -1: as it is */
  int bWithoutRowid;            /* -1: as it is */
  char *zRename;                /* rename */
  int bAllowLoss;               /* allow_data_loss */
  int bRebuild;                 /* rebuild */
};

static void alterSpecClear(AlterSpec *p){
  sqlormNamesClear(&p->renFrom);
  sqlormNamesClear(&p->renTo);
  sqlormNamesClear(&p->drop);
  sqlormNamesClear(&p->altCol);
  sqlormNamesClear(&p->altVal);
  sqlormNamesClear(&p->altType);
  sqlormNamesClear(&p->addCol);
  sqlormNamesClear(&p->addDecl);
  sqlormNamesClear(&p->dropCons);
  sqlormNamesClear(&p->addCons);
  sqlite3_free(p->zRename);
  memset(p, 0, sizeof(*p));
}

/* ---- reading the changes ---------------------------------------------------------- */

#define ALTER_KEYS "rename_column, drop_column, alter_column, add_column, drop_constraint, " \
                   "add_constraint, strict, without_rowid, rename, allow_data_loss, rebuild"

/* The members of JSON object zJson: keys, values as text (JSON text for an object or an
** array, '' for null) and JSON types. */
static int alterMembers(sqlite3 *db, const char *zJson, OrmNames *pKey, OrmNames *pVal,
                        OrmNames *pType){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT key, CASE WHEN type IN ('object','array') "
      "THEN json_quote(value) WHEN type='null' THEN '' ELSE CAST(value AS TEXT) END, type "
      "FROM json_each(?1)", -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    rc = sqlormNamesAdd(pKey, (const char*)sqlite3_column_text(pStmt, 0));
    if( rc==SQLITE_OK ) rc = sqlormNamesAdd(pVal, (const char*)sqlite3_column_text(pStmt, 1));
    if( rc==SQLITE_OK ) rc = sqlormNamesAdd(pType, (const char*)sqlite3_column_text(pStmt, 2));
    if( rc!=SQLITE_OK ) break;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_finalize(pStmt);
  return rc;
}

/* An object of names to texts (rename_column, alter_column, add_column). */
static int alterObject(sqlite3 *db, const char *zKey, const char *zVal, const char *zType,
                       int bObjects, OrmNames *pKey, OrmNames *pVal, OrmNames *pType,
                       char **pzErr){
  OrmNames types = {0, 0};
  int rc, i;
  if( strcmp(zType, "object")!=0 ){
    *pzErr = sqlite3_mprintf("%s must be an object of column names, not %s", zKey, zType);
    return SQLITE_ERROR;
  }
  rc = alterMembers(db, zVal, pKey, pVal, &types);
  for(i=0; rc==SQLITE_OK && i<types.n; i++){
    if( strcmp(types.az[i], "text")!=0 && !(bObjects && strcmp(types.az[i], "object")==0) ){
      *pzErr = sqlite3_mprintf("%s: the value for %s must be %s, not %s", zKey, pKey->az[i],
          bObjects ? "a declaration or an object" : "text", types.az[i]);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && i==0 ){
    *pzErr = sqlite3_mprintf("%s is empty", zKey);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && pType ) rc = sqlormNamesCopy(pType, &types);
  sqlormNamesClear(&types);
  return rc;
}

/* A text or an array of texts (drop_column, drop_constraint, add_constraint). */
static int alterList(sqlite3 *db, const char *zKey, const char *zVal, const char *zType,
                     OrmNames *p, char **pzErr){
  int rc;
  if( strcmp(zType, "text")==0 ) return sqlormNamesAdd(p, zVal);
  if( strcmp(zType, "array")!=0 ){
    *pzErr = sqlite3_mprintf("%s must be text or an array of texts, not %s", zKey, zType);
    return SQLITE_ERROR;
  }
  rc = sqlormNamesFromJson(db, zVal, p, pzErr);
  if( rc==SQLITE_ERROR ){
    sqlite3_free(*pzErr);
    *pzErr = sqlite3_mprintf("%s must be text or an array of texts: %s", zKey, zVal);
  }
  if( rc==SQLITE_OK && p->n==0 ){
    *pzErr = sqlite3_mprintf("%s is empty", zKey);
    rc = SQLITE_ERROR;
  }
  return rc;
}

static int alterFlag(const char *zKey, const char *zType, int *pb, char **pzErr){
  if( strcmp(zType, "true")==0 || strcmp(zType, "false")==0 ){
    *pb = zType[0]=='t';
    return SQLITE_OK;
  }
  *pzErr = sqlite3_mprintf("%s must be true or false, not %s", zKey, zType);
  return SQLITE_ERROR;
}

static int alterSpecRead(sqlite3 *db, const char *zChanges, AlterSpec *p, char **pzErr){
  OrmNames key = {0, 0}, val = {0, 0}, type = {0, 0};
  OrmNames valid = {0, 0};
  int rc, i;
  memset(p, 0, sizeof(*p));
  p->bStrict = p->bWithoutRowid = -1;
  /* json_type() fails on malformed JSON, and says SQLITE_NOMEM when it is out of memory
  ** (json_valid() answers 0 then). */
  rc = sqlormQueryNames(db, "SELECT json_type(?1)", zChanges, &valid, 0);
  if( rc==SQLITE_NOMEM ){
    sqlormNamesClear(&valid);
    return rc;
  }
  if( rc!=SQLITE_OK || valid.n!=1 || strcmp(valid.az[0], "object")!=0 ){
    sqlormNamesClear(&valid);
    *pzErr = sqlite3_mprintf("changes must be a JSON object, as {\"drop_column\":\"c\"}: %s",
                             zChanges);
    return SQLITE_ERROR;
  }
  sqlormNamesClear(&valid);
  rc = alterMembers(db, zChanges, &key, &val, &type);
  for(i=0; rc==SQLITE_OK && i<key.n; i++){
    const char *zK = key.az[i], *zV = val.az[i], *zT = type.az[i];
    if( strcmp(zK, "rename_column")==0 ){
      rc = alterObject(db, zK, zV, zT, 0, &p->renFrom, &p->renTo, 0, pzErr);
    }else if( strcmp(zK, "drop_column")==0 ){
      rc = alterList(db, zK, zV, zT, &p->drop, pzErr);
    }else if( strcmp(zK, "alter_column")==0 ){
      rc = alterObject(db, zK, zV, zT, 1, &p->altCol, &p->altVal, &p->altType, pzErr);
    }else if( strcmp(zK, "add_column")==0 ){
      rc = alterObject(db, zK, zV, zT, 0, &p->addCol, &p->addDecl, 0, pzErr);
    }else if( strcmp(zK, "drop_constraint")==0 ){
      rc = alterList(db, zK, zV, zT, &p->dropCons, pzErr);
    }else if( strcmp(zK, "add_constraint")==0 ){
      rc = alterList(db, zK, zV, zT, &p->addCons, pzErr);
    }else if( strcmp(zK, "strict")==0 ){
      rc = alterFlag(zK, zT, &p->bStrict, pzErr);
    }else if( strcmp(zK, "without_rowid")==0 ){
      rc = alterFlag(zK, zT, &p->bWithoutRowid, pzErr);
    }else if( strcmp(zK, "allow_data_loss")==0 ){
      rc = alterFlag(zK, zT, &p->bAllowLoss, pzErr);
    }else if( strcmp(zK, "rebuild")==0 ){
      rc = alterFlag(zK, zT, &p->bRebuild, pzErr);
    }else if( strcmp(zK, "rename")==0 ){
      if( strcmp(zT, "text")!=0 || zV[0]==0 ){
        *pzErr = sqlite3_mprintf("rename must be the table's new name, not %s", zT);
        rc = SQLITE_ERROR;
      }else{
        sqlite3_free(p->zRename);
        p->zRename = sqlite3_mprintf("%s", zV);
        if( p->zRename==0 ) rc = SQLITE_NOMEM;
      }
    }else{
      *pzErr = sqlite3_mprintf("unknown change %s (known: " ALTER_KEYS ")", zK);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && p->renFrom.n+p->drop.n+p->altCol.n+p->addCol.n+p->dropCons.n
                       +p->addCons.n==0 && p->bStrict<0 && p->bWithoutRowid<0
                       && p->zRename==0 && !p->bRebuild ){
    *pzErr = sqlite3_mprintf("no change given (changes: " ALTER_KEYS ")");
    rc = SQLITE_ERROR;
  }
  sqlormNamesClear(&key);
  sqlormNamesClear(&val);
  sqlormNamesClear(&type);
  return rc;
}

/* ---- checks against the schema and the catalog ----------------------------------- */

/* What in sqlorm's catalog names column zCol of table zTable (a relationship's columns, a
** model option, a hybrid column), as "relationship users.addresses"; NULL when nothing. */
static int alterCatalogUse(sqlite3 *db, const char *zTable, const char *zCol, char **pzUse){
  OrmNames use = {0, 0};
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db,
      "SELECT 'relationship ' || r.model || '.' || r.name FROM main.orm_relationships r "
      "JOIN main.orm_models m ON m.name = r.model "
      "WHERE (m.tbl = ?1 AND EXISTS (SELECT 1 FROM json_each(r.local_columns) "
      "        WHERE value = ?2 COLLATE NOCASE)) "
      "   OR (r.secondary = ?1 AND EXISTS (SELECT 1 FROM json_each(r.secondary_local) "
      "        WHERE value = ?2 COLLATE NOCASE UNION ALL SELECT 1 FROM "
      "        json_each(r.secondary_remote) WHERE value = ?2 COLLATE NOCASE)) "
      "   OR (EXISTS (SELECT 1 FROM main.orm_models t WHERE t.name = r.target AND t.tbl = ?1) "
      "       AND EXISTS (SELECT 1 FROM json_each(r.remote_columns) "
      "        WHERE value = ?2 COLLATE NOCASE)) "
      "UNION ALL SELECT 'the options of model ' || name FROM main.orm_models "
      "WHERE tbl = ?1 AND ?2 COLLATE NOCASE IN (options->>'$.soft_delete', "
      "  options->>'$.timestamps.created', options->>'$.timestamps.updated', "
      "  options->>'$.polymorphic_on') "
      "UNION ALL SELECT 'hybrid ' || h.model || '.' || h.name FROM main.orm_hybrids h "
      "JOIN main.orm_models m ON m.name = h.model "
      "WHERE m.tbl = ?1 AND h.kind = 'column' AND h.name = ?2 COLLATE NOCASE "
      "LIMIT 1", -1, &pStmt, 0);
  *pzUse = 0;
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zCol, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    rc = sqlormNamesAdd(&use, (const char*)sqlite3_column_text(pStmt, 0));
    if( rc==SQLITE_OK ){ *pzUse = use.az[0]; use.az[0] = 0; }
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  sqlormNamesClear(&use);
  return rc;
}

/* Refuses a change of column zCol that sqlorm's catalog depends on. */
static int alterCheckCatalog(sqlite3 *db, const char *zTable, const char *zCol,
                             const char *zWhat, char **pzErr){
  char *zUse = 0;
  int rc = alterCatalogUse(db, zTable, zCol, &zUse);
  if( rc==SQLITE_OK && zUse ){
    *pzErr = sqlite3_mprintf("%s: column %s.%s is used by %s (change or drop that first)",
                             zWhat, zTable, zCol, zUse);
    rc = SQLITE_ERROR;
  }
  sqlite3_free(zUse);
  return rc;
}

/* Whether some row holds a value in column zCol (the data a drop would lose). */
static int alterColumnHolds(sqlite3 *db, const char *zTable, const char *zCol, int *pb){
  OrmNames found = {0, 0};
  char *zSql = sqlite3_mprintf("SELECT 1 FROM main.\"%w\" WHERE \"%w\" IS NOT NULL LIMIT 1",
                               zTable, zCol);
  int rc = zSql ? sqlormQueryNames(db, zSql, 0, &found, 0) : SQLITE_NOMEM;
  *pb = found.n>0;
  sqlormNamesClear(&found);
  sqlite3_free(zSql);
  return rc;
}

/* *pz with each zFrom replaced by zTo (for messages that name the new table by the
** temporary name it had when SQLite wrote them). */
static void alterReplace(char **pz, const char *zFrom, const char *zTo){
  sqlite3_str *pOut;
  const char *z, *zHit;
  char *zNew;
  int nFrom = (int)strlen(zFrom);
  if( *pz==0 || strstr(*pz, zFrom)==0 ) return;
  pOut = sqlite3_str_new(0);
  for(z=*pz; (zHit = strstr(z, zFrom))!=0; z = zHit+nFrom){
    sqlite3_str_append(pOut, z, (int)(zHit-z));
    sqlite3_str_appendall(pOut, zTo);
  }
  sqlite3_str_appendall(pOut, z);
  zNew = sqlite3_str_finish(pOut);
  if( zNew ){               /* out of memory: the message keeps the temporary name */
    sqlite3_free(*pz);
    *pz = zNew;
  }
}

/* One statement of a step; on failure the message says which step failed. */
static int alterStep(sqlite3 *db, char **pzErr, const char *zStep, const char *zSql){
  char *zErr = 0;
  int rc;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, 0, 0, &zErr);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    if( rc==SQLITE_LOCKED || (zErr && strstr(zErr, "table is locked")) ){
      *pzErr = sqlite3_mprintf("%s: a statement of this connection is still reading the "
          "table (call orm_alter_table from a statement of its own, not from a SELECT "
          "... FROM that reads it): %s", zStep, zErr ? zErr : sqlite3_errstr(rc));
    }else{
      *pzErr = sqlite3_mprintf("%s: %s", zStep, zErr ? zErr : sqlite3_errstr(rc));
    }
  }
  sqlite3_free(zErr);
  return rc;
}

/* Whether message zErr is SQLite's "no such column: X" for a column the change drops. */
static int alterNamesDropped(const char *zErr, const OrmNames *pDrop){
  const char *z = zErr ? strstr(zErr, "no such column: ") : 0;
  int i;
  if( z==0 ) return 0;
  z += 16;
  if( strchr(z, '.') ) z = strrchr(z, '.') + 1;
  for(i=0; i<pDrop->n; i++){
    if( sqlite3_stricmp(z, pDrop->az[i])==0 ) return 1;
  }
  return 0;
}

/* alterStep with double-quoted strings off: a dropped column that a CHECK, an index or a
** trigger still names must be an error, not the string "column" it silently becomes
** otherwise. A definition that relied on "text" as a string (an old schema) runs as it
** always did when what fails is not a dropped column. */
static int alterStepNoDqs(sqlite3 *db, char **pzErr, const char *zStep, const char *zSql,
                          const OrmNames *pDrop){
  int bDdl = 0, bDml = 0, rc;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, -1, &bDdl);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, -1, &bDml);
  if( bDdl ) sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int*)0);
  if( bDml ) sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int*)0);
  rc = alterStep(db, pzErr, zStep, zSql);
  if( bDdl ) sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 1, (int*)0);
  if( bDml ) sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 1, (int*)0);
  if( rc==SQLITE_ERROR && (bDdl || bDml) && !alterNamesDropped(*pzErr, pDrop) ){
    sqlite3_free(*pzErr);
    *pzErr = 0;
    rc = alterStep(db, pzErr, zStep, zSql);
  }
  return rc;
}

/* ---- editing the definition ----------------------------------------------------- */

static int alterFindColumn(const OrmDdl *d, const char *zCol){
  int i;
  for(i=0; i<d->nPart; i++){
    if( !d->aPart[i].bConstraint && d->aPart[i].zName
     && sqlite3_stricmp(d->aPart[i].zName, zCol)==0 ) return i;
  }
  return -1;
}

/* A checked fragment of the user's (a declaration, a constraint, a type, a default) with
** a newline after it when it ends in a -- comment. */
static char *alterFragment(const char *z, const char *zWhat, int *pRc, char **pzErr){
  int bLine = 0;
  int rc = sqlormDdlCheckElement(z, zWhat, &bLine, pzErr);
  char *zOut;
  if( rc!=SQLITE_OK ){ *pRc = rc; return 0; }
  zOut = sqlite3_mprintf("%s%s", z, bLine ? "\n" : "");
  if( zOut==0 ) *pRc = SQLITE_NOMEM;
  return zOut;
}

/* Whether z is one token that DEFAULT takes without parentheses (a literal, a word, a
** signed number). */
static int alterSimpleDefault(const char *z){
  int eType, n, i = 0;
  while( z[i]==' ' ) i++;
  if( z[i]=='-' || z[i]=='+' ) i++;
  n = sqlormDdlToken(z+i, &eType);
  if( eType!=DDL_ID && eType!=DDL_STRING ) return 0;
  i += n;
  while( z[i]==' ' ) i++;
  return z[i]==0;
}

/* The column definition zPart with the parts of an alter_column object changed: type,
** not_null, default, collate. What it does not name stays as written. */
static int alterColumnObject(sqlite3 *db, OrmDdlPart *pPart, const char *zCol,
                             const char *zObj, char **pzErr){
  OrmNames key = {0, 0}, val = {0, 0}, type = {0, 0};
  OrmDdlColumn c;
  const char *z = pPart->zText;
  char *zType = 0, *zDefault = 0, *zCollate = 0;
  int bNotNull = -1, bDefault = 0, bCollate = 0;
  int i, k, rc;
  rc = alterMembers(db, zObj, &key, &val, &type);
  for(i=0; rc==SQLITE_OK && i<key.n; i++){
    const char *zK = key.az[i], *zT = type.az[i];
    char *zWhat = sqlite3_mprintf("alter_column %s: %s", zCol, zK);
    if( zWhat==0 ){ rc = SQLITE_NOMEM; break; }
    if( strcmp(zK, "type")==0 && strcmp(zT, "text")==0 ){
      sqlite3_free(zType);
      zType = alterFragment(val.az[i], zWhat, &rc, pzErr);
    }else if( strcmp(zK, "not_null")==0 ){
      rc = alterFlag(zWhat, zT, &bNotNull, pzErr);
    }else if( strcmp(zK, "default")==0 && (strcmp(zT, "text")==0 || strcmp(zT, "null")==0
                                          || strcmp(zT, "integer")==0 || strcmp(zT, "real")==0) ){
      bDefault = 1;
      sqlite3_free(zDefault);
      zDefault = strcmp(zT, "null")==0 ? 0 : alterFragment(val.az[i], zWhat, &rc, pzErr);
    }else if( strcmp(zK, "collate")==0 && (strcmp(zT, "text")==0 || strcmp(zT, "null")==0) ){
      bCollate = 1;
      sqlite3_free(zCollate);
      zCollate = strcmp(zT, "null")==0 ? 0 : sqlite3_mprintf("%s", val.az[i]);
      if( zT[0]=='t' && zCollate==0 ) rc = SQLITE_NOMEM;
    }else{
      *pzErr = sqlite3_mprintf("alter_column %s: unknown or mistyped member %s (%s); known: "
          "type (text), not_null (true|false), default (text or null), collate (text or null)",
          zCol, zK, zT);
      rc = SQLITE_ERROR;
    }
    sqlite3_free(zWhat);
  }
  if( rc==SQLITE_OK && key.n==0 ){
    *pzErr = sqlite3_mprintf("alter_column %s: the object is empty", zCol);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && sqlormDdlColumn(z, &c)!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("alter_column %s: cannot read its definition: %s", zCol, z);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    sqlite3_str *pOut = sqlite3_str_new(db);
    char *zNew;
    sqlite3_str_append(pOut, z, c.iName + c.nName);
    if( zType ){
      sqlite3_str_appendf(pOut, " %s", zType);
    }else{
      sqlite3_str_append(pOut, z + c.iType, c.iTypeEnd - c.iType);
    }
    for(k=0; k<c.nSeg; k++){
      const OrmDdlSeg *s = &c.aSeg[k];
      const char *zK = z + s->iKind;
      if( bNotNull>=0 && (sqlormDdlIsWord(zK, s->nKind, "NOT")
                          || sqlormDdlIsWord(zK, s->nKind, "NULL")) ) continue;
      if( bDefault && sqlormDdlIsWord(zK, s->nKind, "DEFAULT") ) continue;
      if( bCollate && sqlormDdlIsWord(zK, s->nKind, "COLLATE") ) continue;
      sqlite3_str_appendf(pOut, " %.*s", s->iEnd - s->iStart, z + s->iStart);
    }
    if( bNotNull==1 ) sqlite3_str_appendall(pOut, " NOT NULL");
    if( zDefault ){
      sqlite3_str_appendf(pOut, alterSimpleDefault(zDefault) ? " DEFAULT %s" : " DEFAULT (%s)",
                          zDefault);
    }
    if( zCollate ){
      int eType;
      int n = sqlormDdlToken(zCollate, &eType);
      sqlite3_str_appendf(pOut, eType==DDL_ID && zCollate[n]==0 && !(zCollate[0]>='0'
          && zCollate[0]<='9') ? " COLLATE %s" : " COLLATE \"%w\"", zCollate);
    }
    sqlite3_str_appendall(pOut, z + c.iEnd);
    zNew = sqlite3_str_finish(pOut);
    if( zNew==0 ){
      rc = SQLITE_NOMEM;
    }else{
      sqlite3_free(pPart->zText);
      pPart->zText = zNew;
    }
  }
  sqlite3_free(zType);
  sqlite3_free(zDefault);
  sqlite3_free(zCollate);
  sqlormNamesClear(&key);
  sqlormNamesClear(&val);
  sqlormNamesClear(&type);
  return rc;
}

/* Drops every constraint that zWho names: a CONSTRAINT name, or a constraint written as the
** definition writes it (compared token by token, case aside). *pnFound counts them. */
static int alterDropConstraint(OrmDdl *d, const char *zWho, int *pnFound){
  char *zNorm = sqlormDdlNormalize(zWho, (int)strlen(zWho));
  int i, rc = SQLITE_OK;
  if( zNorm==0 ) return SQLITE_NOMEM;
  for(i=d->nPart-1; rc==SQLITE_OK && i>=0; i--){
    OrmDdlPart *pPart = &d->aPart[i];
    if( pPart->bConstraint ){
      char *zThis = sqlormDdlNormalize(pPart->zText, (int)strlen(pPart->zText));
      if( zThis==0 ){ rc = SQLITE_NOMEM; break; }
      if( (pPart->zName && sqlite3_stricmp(pPart->zName, zWho)==0) || strcmp(zThis, zNorm)==0 ){
        sqlormDdlDropPart(d, i);
        (*pnFound)++;
      }
      sqlite3_free(zThis);
    }else{
      /* A column's own constraints: cut the one that matches, then look again. */
      int bAgain = 1;
      while( rc==SQLITE_OK && bAgain ){
        OrmDdlColumn c;
        int k;
        bAgain = 0;
        if( sqlormDdlColumn(pPart->zText, &c)!=SQLITE_OK ) break;
        for(k=0; k<c.nSeg; k++){
          const OrmDdlSeg *s = &c.aSeg[k];
          char *zName = s->iName>=0 ? sqlormDdlDequote(pPart->zText + s->iName, s->nName) : 0;
          char *zThis = sqlormDdlNormalize(pPart->zText + s->iStart, s->iEnd - s->iStart);
          int bMatch = zThis && ((zName && sqlite3_stricmp(zName, zWho)==0)
                                 || strcmp(zThis, zNorm)==0);
          if( zThis==0 || (s->iName>=0 && zName==0) ) rc = SQLITE_NOMEM;
          sqlite3_free(zName);
          sqlite3_free(zThis);
          if( rc==SQLITE_OK && bMatch ){
            int iCut = k>0 ? c.aSeg[k-1].iEnd : c.iTypeEnd;
            char *zNew = sqlite3_mprintf("%.*s%s", iCut, pPart->zText, pPart->zText + s->iEnd);
            if( zNew==0 ){ rc = SQLITE_NOMEM; break; }
            sqlite3_free(pPart->zText);
            pPart->zText = zNew;
            (*pnFound)++;
            bAgain = 1;
            break;
          }
          if( rc!=SQLITE_OK ) break;
        }
      }
    }
  }
  sqlite3_free(zNorm);
  return rc;
}

/* Applies the changes after the renames to the definition. */
static int alterEdit(sqlite3 *db, OrmDdl *d, const AlterSpec *p, char **pzErr){
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<p->drop.n; i++){
    int iPart = alterFindColumn(d, p->drop.az[i]);
    if( iPart<0 ) return SQLITE_CORRUPT;
    sqlormDdlDropPart(d, iPart);
  }
  for(i=0; rc==SQLITE_OK && i<p->altCol.n; i++){
    int iPart = alterFindColumn(d, p->altCol.az[i]);
    OrmDdlPart *pPart;
    if( iPart<0 ) return SQLITE_CORRUPT;
    pPart = &d->aPart[iPart];
    if( strcmp(p->altType.az[i], "object")==0 ){
      rc = alterColumnObject(db, pPart, p->altCol.az[i], p->altVal.az[i], pzErr);
    }else{
      OrmDdlColumn c;
      char *zWhat = sqlite3_mprintf("alter_column %s", p->altCol.az[i]);
      char *zDecl = zWhat ? alterFragment(p->altVal.az[i], zWhat, &rc, pzErr) : 0;
      if( zWhat==0 ) rc = SQLITE_NOMEM;
      if( rc==SQLITE_OK && sqlormDdlColumn(pPart->zText, &c)!=SQLITE_OK ){
        *pzErr = sqlite3_mprintf("alter_column %s: cannot read its definition: %s",
                                 p->altCol.az[i], pPart->zText);
        rc = SQLITE_ERROR;
      }
      if( rc==SQLITE_OK ){
        /* The name as written, the new declaration, what followed the old one. */
        char *zNew = sqlite3_mprintf("%.*s %s%s", c.iName + c.nName, pPart->zText, zDecl,
                                     pPart->zText + c.iEnd);
        if( zNew==0 ){
          rc = SQLITE_NOMEM;
        }else{
          sqlite3_free(pPart->zText);
          pPart->zText = zNew;
        }
      }
      sqlite3_free(zDecl);
      sqlite3_free(zWhat);
    }
  }
  for(i=0; rc==SQLITE_OK && i<p->addCol.n; i++){
    char *zWhat = sqlite3_mprintf("add_column %s", p->addCol.az[i]);
    char *zDecl = zWhat ? alterFragment(p->addDecl.az[i], zWhat, &rc, pzErr) : 0;
    char *zPart = zDecl ? sqlite3_mprintf(" \"%w\" %s", p->addCol.az[i], zDecl) : 0;
    char *zName = zPart ? sqlite3_mprintf("%s", p->addCol.az[i]) : 0;
    int iAt = 0, k;
    if( rc==SQLITE_OK && zName==0 ) rc = SQLITE_NOMEM;
    for(k=0; k<d->nPart; k++) if( !d->aPart[k].bConstraint ) iAt = k+1;
    if( rc==SQLITE_OK ){
      rc = sqlormDdlAddPart(d, iAt, zPart, (int)strlen(zPart), 0, zName);
    }else{
      sqlite3_free(zName);
    }
    sqlite3_free(zPart);
    sqlite3_free(zDecl);
    sqlite3_free(zWhat);
  }
  for(i=0; rc==SQLITE_OK && i<p->dropCons.n; i++){
    int nFound = 0;
    rc = alterDropConstraint(d, p->dropCons.az[i], &nFound);
    if( rc==SQLITE_OK && nFound==0 ){
      *pzErr = sqlite3_mprintf("drop_constraint: the table has no constraint named or "
          "written %s (name it as CONSTRAINT gives it, or write it as the definition does)",
          p->dropCons.az[i]);
      rc = SQLITE_ERROR;
    }
  }
  for(i=0; rc==SQLITE_OK && i<p->addCons.n; i++){
    char *zText = alterFragment(p->addCons.az[i], "add_constraint", &rc, pzErr);
    char *zPart = zText ? sqlite3_mprintf(" %s", zText) : 0;
    int bConstraint = 0;
    char *zName = 0;
    if( rc==SQLITE_OK && zPart==0 ) rc = SQLITE_NOMEM;
    if( rc==SQLITE_OK ){
      rc = sqlormDdlPartKind(zPart, &bConstraint, &zName);
      if( rc==SQLITE_ERROR || (rc==SQLITE_OK && !bConstraint) ){
        *pzErr = sqlite3_mprintf("add_constraint must be a table constraint (CHECK, UNIQUE, "
            "PRIMARY KEY or FOREIGN KEY, maybe named by CONSTRAINT name): %s", zText);
        rc = SQLITE_ERROR;
      }
    }
    if( rc==SQLITE_OK && zName ){
      int k;
      for(k=0; k<d->nPart; k++){
        if( d->aPart[k].bConstraint && d->aPart[k].zName
         && sqlite3_stricmp(d->aPart[k].zName, zName)==0 ){
          *pzErr = sqlite3_mprintf("add_constraint: the table has a constraint named %s "
                                   "already", zName);
          rc = SQLITE_ERROR;
        }
      }
    }
    if( rc==SQLITE_OK ){
      rc = sqlormDdlAddPart(d, -1, zPart, (int)strlen(zPart), 1, zName);
      zName = 0;
    }
    sqlite3_free(zName);
    sqlite3_free(zPart);
    sqlite3_free(zText);
  }
  if( rc==SQLITE_OK && (p->bStrict>=0 || p->bWithoutRowid>=0) ){
    int bW, bS;
    sqlormDdlOptions(d, &bW, &bS);
    rc = sqlormDdlSetOptions(d, p->bWithoutRowid>=0 ? p->bWithoutRowid : bW,
                             p->bStrict>=0 ? p->bStrict : bS);
  }
  return rc;
}

/* ---- the rebuild ---------------------------------------------------------------- */

/* The INTEGER PRIMARY KEY column of a rowid table (an alias of the rowid), or NULL. */
static int alterIpk(sqlite3 *db, const char *zTable, char **pzCol){
  OrmNames found = {0, 0};
  int rc = sqlormQueryNames(db, "SELECT name FROM pragma_table_info(?1, 'main') "
      "WHERE pk=1 AND upper(type)='INTEGER' "
      "AND (SELECT count(*) FROM pragma_table_info(?1, 'main') WHERE pk>0)=1 "
      "AND (SELECT NOT wr FROM pragma_table_list(?1) WHERE schema='main')", zTable, &found, 0);
  *pzCol = 0;
  if( rc==SQLITE_OK && found.n ){ *pzCol = found.az[0]; found.az[0] = 0; }
  sqlormNamesClear(&found);
  return rc;
}

/* A name for the rowid that no column of either table hides, or NULL. */
static const char *alterRowidName(const OrmNames *a, const OrmNames *b){
  static const char *az[] = { "rowid", "_rowid_", "oid" };
  int i;
  for(i=0; i<3; i++){
    if( sqlormNamesFind(a, az[i])<0 && sqlormNamesFind(b, az[i])<0 ) return az[i];
  }
  return 0;
}

/* Whether SQL text z has the keyword zWord (outside strings and names). */
static int alterHasWord(const char *z, const char *zWord){
  int i = 0, n, eType;
  while( (n = sqlormDdlToken(z+i, &eType))>0 ){
    if( eType==DDL_ID && sqlormDdlIsWord(z+i, n, zWord) ) return 1;
    i += n;
  }
  return 0;
}

/* The rows whose values in the altered columns changed in the copy: none unless
** allow_data_loss. A value is kept when it is equal as stored or equal as text ('7' and 7,
** 1.0 and 1 are kept; '007' becoming 7 is not). Rows are paired by rowid, or by the old
** key when the rowid did not carry over. */
static int alterCheckValues(sqlite3 *db, const char *zTable, const char *zTmp,
                            const OrmTable *pOld, const OrmNames *pNewCols,
                            const AlterSpec *p, const char *zJoinRowid, char **pzErr){
  sqlite3_str *pSql = sqlite3_str_new(db);
  OrmNames n = {0, 0};
  char *zSql;
  int i, rc = SQLITE_OK, bKey = 1;
  sqlite3_str_appendf(pSql, "SELECT count(*) FROM main.\"%w\" AS o JOIN main.\"%w\" AS n ON ",
                      zTable, zTmp);
  if( zJoinRowid ){
    sqlite3_str_appendf(pSql, "n.%s = o.%s", zJoinRowid, zJoinRowid);
  }else{
    for(i=0; i<pOld->key.n; i++){
      if( pOld->bImplicitRowid || sqlormNamesFind(pNewCols, pOld->key.az[i])<0
       || sqlormNamesFind(&p->altCol, pOld->key.az[i])>=0 ) bKey = 0;
      sqlite3_str_appendf(pSql, "%sn.\"%w\" IS o.\"%w\"", i ? " AND " : "",
                          pOld->key.az[i], pOld->key.az[i]);
    }
  }
  sqlite3_str_appendall(pSql, " WHERE 0");
  for(i=0; i<p->altCol.n; i++){
    const char *z = p->altCol.az[i];
    sqlite3_str_appendf(pSql, " OR (+o.\"%w\" IS NOT +n.\"%w\" COLLATE BINARY AND "
        "CAST(o.\"%w\" AS TEXT) IS NOT CAST(n.\"%w\" AS TEXT) COLLATE BINARY)", z, z, z, z);
  }
  zSql = sqlite3_str_finish(pSql);
  if( zSql==0 ) return SQLITE_NOMEM;
  if( !bKey ){
    *pzErr = sqlite3_mprintf("alter_column: the rows of %s cannot be paired to compare the "
        "altered columns' values (the key changes): pass \"allow_data_loss\":true", zTable);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ) rc = sqlormQueryNames(db, zSql, 0, &n, 0);
  if( rc==SQLITE_OK && n.n && strcmp(n.az[0], "0")!=0 ){
    *pzErr = sqlite3_mprintf("alter_column: the new declaration would change the values of "
        "%s row(s) of %s (pass \"allow_data_loss\":true to accept that)", n.az[0], zTable);
    rc = SQLITE_ERROR;
  }else if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("comparing the altered columns: %s", sqlite3_errmsg(db));
  }
  sqlormNamesClear(&n);
  sqlite3_free(zSql);
  return rc;
}

/* The tables whose foreign keys refer to zTable, or whose rows the rebuild's foreign key
** check reads: zTable itself and its children. */
static int alterFkTables(sqlite3 *db, const char *zTable, OrmNames *p){
  return sqlormQueryNames(db, "SELECT ?1 UNION SELECT m.name FROM main.sqlite_schema m, "
      "pragma_foreign_key_list(m.name, 'main') f "
      "WHERE m.type='table' AND f.\"table\" = ?1 COLLATE NOCASE", zTable, p, 0);
}

/* Whether zTable (or the new table zTmp) takes part in a foreign key. */
static int alterFkInvolved(sqlite3 *db, const char *zTable, const char *zTmp, int *pb){
  OrmNames found = {0, 0};
  char *zSql = sqlite3_mprintf("SELECT 1 FROM pragma_foreign_key_list(%Q, 'main') "
      "UNION ALL SELECT 1 FROM pragma_foreign_key_list(%Q, 'main') "
      "UNION ALL SELECT 1 FROM main.sqlite_schema m, pragma_foreign_key_list(m.name, 'main') f "
      "WHERE m.type='table' AND f.\"table\" = %Q COLLATE NOCASE LIMIT 1", zTable, zTmp, zTable);
  int rc = zSql ? sqlormQueryNames(db, zSql, 0, &found, 0) : SQLITE_NOMEM;
  *pb = found.n>0;
  sqlormNamesClear(&found);
  sqlite3_free(zSql);
  return rc;
}

/* The rebuild, for the changes after the renames. pTab is the table as it is now. */
static int alterRebuild(sqlite3 *db, const OrmTable *pTab, const AlterSpec *p, int bFkOn,
                        char **pzValidate, char **pzErr){
  const char *zTable = pTab->zName;
  OrmDdl d;
  OrmNames sql = {0, 0}, idxName = {0, 0}, idxSql = {0, 0}, trgName = {0, 0},
           trgSql = {0, 0}, newCols = {0, 0}, newHidden = {0, 0}, seq = {0, 0},
           fkTables = {0, 0};
  char *zTmp = 0, *zNew = 0, *zOldIpk = 0, *zNewIpk = 0, *zTok = 0;
  const char *zRowid = 0;
  int bFkCheck = 0, bSeqTable = 0, bOff = 0;
  int i, rc;
  memset(&d, 0, sizeof(d));

  /* 1. The definition, edited. */
  rc = sqlormQueryNames(db, "SELECT sql FROM main.sqlite_schema WHERE type='table' "
                        "AND name=?1", zTable, &sql, 0);
  if( rc==SQLITE_OK && sql.n==0 ) rc = SQLITE_CORRUPT;
  if( rc==SQLITE_OK ) rc = sqlormDdlParse(sql.az[0], &d, pzErr);
  if( rc==SQLITE_OK ) rc = alterEdit(db, &d, p, pzErr);

  /* 2. A free name for the new table: a plain word, so that the final rename writes the
  ** table's name back exactly as the definition spelled it. */
  for(i=0; rc==SQLITE_OK; i++){
    OrmNames taken = {0, 0};
    sqlite3_free(zTmp);
    zTmp = i ? sqlite3_mprintf("sqlorm_alter_new%d", i) : sqlite3_mprintf("sqlorm_alter_new");
    if( zTmp==0 ){ rc = SQLITE_NOMEM; break; }
    rc = sqlormQueryNames(db, "SELECT 1 FROM main.sqlite_schema WHERE name=?1 COLLATE NOCASE",
                          zTmp, &taken, 0);
    if( rc==SQLITE_OK && taken.n==0 ){ sqlormNamesClear(&taken); break; }
    sqlormNamesClear(&taken);
  }
  if( rc==SQLITE_OK ) zNew = sqlormDdlBuild(&d, zTmp, &rc);

  /* 3. What goes with the table: its indexes and triggers (in creation order, which is
  ** the order triggers fire in), its AUTOINCREMENT counter. */
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT name, sql FROM main.sqlite_schema WHERE type='index' "
        "AND tbl_name=?1 AND sql IS NOT NULL ORDER BY rowid", zTable, &idxName, &idxSql);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT name, sql FROM main.sqlite_schema WHERE type='trigger' "
        "AND tbl_name=?1 ORDER BY rowid", zTable, &trgName, &trgSql);
  }
  if( rc==SQLITE_OK ) rc = sqlormTableExists(db, "main", "sqlite_sequence", &bSeqTable);
  if( rc==SQLITE_OK && bSeqTable ){
    rc = sqlormQueryNames(db, "SELECT seq FROM main.sqlite_sequence WHERE name=?1", zTable,
                          &seq, 0);
  }
  if( rc==SQLITE_OK ) rc = alterIpk(db, zTable, &zOldIpk);
  if( rc==SQLITE_OK ){
    /* A TEMP trigger on the table goes with DROP TABLE, and this connection's TEMP schema
    ** is not the rebuild's to make again. */
    OrmNames temp = {0, 0};
    rc = sqlormQueryNames(db, "SELECT name FROM temp.sqlite_schema WHERE type='trigger' "
                          "AND tbl_name=?1 COLLATE NOCASE", zTable, &temp, 0);
    if( rc==SQLITE_OK && temp.n ){
      *pzErr = sqlite3_mprintf("the TEMP trigger %s on %s would be lost by the rebuild: drop "
                               "it first (and make it again after)", temp.az[0], zTable);
      rc = SQLITE_ERROR;
    }
    sqlormNamesClear(&temp);
  }

  /* 4. Foreign keys off, so that dropping the old table cascades to nothing: PRAGMA
  ** foreign_keys is a no-op inside a transaction, sqlite3_db_config is not. */
  if( rc==SQLITE_OK && bFkOn ){
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 0, (int*)0);
    bOff = 1;
  }

  /* 5. The new table. */
  if( rc==SQLITE_OK ){
    rc = alterStepNoDqs(db, pzErr, "creating the table with the new definition", zNew,
                        &p->drop);
    alterReplace(pzErr, zTmp, zTable);
  }
  if( rc==SQLITE_OK ){
    char *zSql = sqlite3_mprintf("SELECT name, hidden FROM pragma_table_xinfo(%Q, 'main') "
                                 "ORDER BY cid", zTmp);
    rc = zSql ? sqlormQueryNames(db, zSql, 0, &newCols, &newHidden) : SQLITE_NOMEM;
    sqlite3_free(zSql);
  }
  if( rc==SQLITE_OK ) rc = alterIpk(db, zTmp, &zNewIpk);

  /* 6. The rows. The rowid carries over unless the new table has its own alias of it. */
  if( rc==SQLITE_OK ){
    sqlite3_str *pIns = sqlite3_str_new(db), *pSel = sqlite3_str_new(db);
    char *zIns, *zSel, *zSql;
    int nCol = 0;
    int bW, bS;
    sqlormDdlOptions(&d, &bW, &bS);
    if( !pTab->bWithoutRowid && !bW && zNewIpk==0 ){
      zRowid = alterRowidName(&pTab->cols, &newCols);
    }
    if( zRowid ){
      sqlite3_str_appendf(pIns, "%s", zRowid);
      sqlite3_str_appendf(pSel, "%s", zRowid);
      nCol++;
    }
    for(i=0; i<newCols.n; i++){
      if( strcmp(newHidden.az[i], "2")==0 || strcmp(newHidden.az[i], "3")==0 ) continue;
      if( sqlormNamesFind(&pTab->cols, newCols.az[i])<0 ) continue;   /* added: its DEFAULT */
      sqlite3_str_appendf(pIns, "%s\"%w\"", nCol ? ", " : "", newCols.az[i]);
      sqlite3_str_appendf(pSel, "%s\"%w\"", nCol ? ", " : "", newCols.az[i]);
      nCol++;
    }
    zIns = sqlite3_str_finish(pIns);
    zSel = sqlite3_str_finish(pSel);
    if( zIns==0 || zSel==0 ){
      rc = SQLITE_NOMEM;
    }else if( nCol>0 ){
      /* OR ABORT overrides every ON CONFLICT clause of the new definition: a REPLACE or
      ** IGNORE there would drop rows silently. */
      zSql = sqlite3_mprintf("INSERT OR ABORT INTO main.\"%w\"(%s) SELECT %s FROM main.\"%w\"",
                             zTmp, zIns, zSel, zTable);
      rc = alterStep(db, pzErr, "copying the rows into the new table", zSql);
      alterReplace(pzErr, zTmp, zTable);
      sqlite3_free(zSql);
    }else{
      *pzErr = sqlite3_mprintf("the new definition keeps no stored column of %s to copy its "
                               "rows into", zTable);
      rc = SQLITE_ERROR;
    }
    sqlite3_free(zIns);
    sqlite3_free(zSel);
  }

  /* 7. No value of an altered column changed, unless that is allowed. */
  if( rc==SQLITE_OK && p->altCol.n>0 && !p->bAllowLoss ){
    const char *zJoin = zRowid;
    if( zJoin==0 && zOldIpk && zNewIpk && sqlite3_stricmp(zOldIpk, zNewIpk)==0
     && sqlormNamesFind(&p->altCol, zOldIpk)<0 ){
      zJoin = alterRowidName(&pTab->cols, &newCols);
    }
    rc = alterCheckValues(db, zTable, zTmp, pTab, &newCols, p, zJoin, pzErr);
  }

  /* 8. The foreign key violations before, to compare with those after. */
  if( rc==SQLITE_OK ) rc = alterFkInvolved(db, zTable, zTmp, &bFkCheck);
  if( rc==SQLITE_OK && bFkCheck ){
    rc = alterFkTables(db, zTable, &fkTables);
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "CREATE TEMP TABLE sqlorm_alter_fk(tbl, rid, parent)");
    }
    for(i=0; rc==SQLITE_OK && i<fkTables.n; i++){
      char *zSql = sqlite3_mprintf("INSERT INTO temp.sqlorm_alter_fk SELECT \"table\", rowid, "
          "parent FROM pragma_foreign_key_check(%Q, 'main')", fkTables.az[i]);
      rc = alterStep(db, pzErr, "checking foreign keys before the change", zSql);
      sqlite3_free(zSql);
    }
  }

  /* 9. The old table goes (its indexes and triggers with it), the new one takes its name.
  ** legacy_alter_table: SQLite must not check the views that name the table while there
  ** is none. */
  if( rc==SQLITE_OK ){
    char *zSql = sqlite3_mprintf("DROP TABLE main.\"%w\"", zTable);
    rc = alterStep(db, pzErr, "dropping the old table", zSql);
    sqlite3_free(zSql);
  }
  if( rc==SQLITE_OK ){
    char *zSql;
    zTok = sqlite3_mprintf("%.*s", d.nName, d.zSql + d.iName);
    zSql = zTok ? sqlite3_mprintf("ALTER TABLE main.\"%w\" RENAME TO %s", zTmp, zTok) : 0;
    sqlite3_db_config(db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, 1, (int*)0);
    rc = alterStep(db, pzErr, "renaming the new table", zSql);
    sqlite3_db_config(db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, 0, (int*)0);
    sqlite3_free(zSql);
  }

  /* 10. The AUTOINCREMENT counter: never lower than it was. */
  if( rc==SQLITE_OK && seq.n && alterHasWord(zNew, "AUTOINCREMENT") ){
    rc = sqlormExec(db, pzErr, "UPDATE main.sqlite_sequence SET seq = max(seq, %s) "
        "WHERE name = %Q; INSERT INTO main.sqlite_sequence(name, seq) SELECT %Q, %s "
        "WHERE NOT EXISTS (SELECT 1 FROM main.sqlite_sequence WHERE name = %Q)",
        seq.az[0], zTable, zTable, seq.az[0], zTable);
  }

  /* 11. Indexes and triggers, from their text. */
  for(i=0; rc==SQLITE_OK && i<idxSql.n; i++){
    char *zStep = sqlite3_mprintf("making index %s again", idxName.az[i]);
    rc = zStep ? alterStepNoDqs(db, pzErr, zStep, idxSql.az[i], &p->drop) : SQLITE_NOMEM;
    sqlite3_free(zStep);
  }
  for(i=0; rc==SQLITE_OK && i<trgSql.n; i++){
    char *zStep = sqlite3_mprintf("making trigger %s again", trgName.az[i]);
    rc = zStep ? alterStep(db, pzErr, zStep, trgSql.az[i]) : SQLITE_NOMEM;
    sqlite3_free(zStep);
  }

  /* 12. Foreign keys: no row violates one that did not before. */
  if( rc==SQLITE_OK && bFkCheck ){
    for(i=0; rc==SQLITE_OK && i<fkTables.n; i++){
      OrmNames bad = {0, 0};
      char *zSql = sqlite3_mprintf("SELECT \"table\" || ' row ' || coalesce(rowid, '?') || "
          "' refers to a missing row of ' || parent FROM (SELECT \"table\", rowid, parent "
          "FROM pragma_foreign_key_check(%Q, 'main') EXCEPT SELECT tbl, rid, parent "
          "FROM temp.sqlorm_alter_fk) LIMIT 1", fkTables.az[i]);
      rc = zSql ? sqlormQueryNames(db, zSql, 0, &bad, 0) : SQLITE_NOMEM;
      if( rc==SQLITE_OK && bad.n ){
        *pzErr = sqlite3_mprintf("checking foreign keys after the change: %s", bad.az[0]);
        rc = SQLITE_CONSTRAINT;
      }else if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
        *pzErr = sqlite3_mprintf("checking foreign keys after the change: %s",
                                 sqlite3_errmsg(db));
      }
      sqlormNamesClear(&bad);
      sqlite3_free(zSql);
    }
    if( rc==SQLITE_OK ) rc = sqlormExec(db, pzErr, "DROP TABLE temp.sqlorm_alter_fk");
  }
  if( bOff ) sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, (int*)0);

  /* The column by which the caller has SQLite check the schema: one written as a plain
  ** word, so that SQLite's rewrite of its references writes them as they are. */
  if( rc==SQLITE_OK ){
    for(i=0; i<d.nPart && *pzValidate==0; i++){
      OrmDdlColumn c;
      int eType;
      if( d.aPart[i].bConstraint || sqlormDdlColumn(d.aPart[i].zText, &c)!=SQLITE_OK ) continue;
      sqlormDdlToken(d.aPart[i].zText + c.iName, &eType);
      if( eType==DDL_ID ){
        *pzValidate = sqlite3_mprintf("%.*s", c.nName, d.aPart[i].zText + c.iName);
        if( *pzValidate==0 ) rc = SQLITE_NOMEM;
      }
    }
    for(i=0; i<d.nPart && *pzValidate==0; i++){
      if( d.aPart[i].bConstraint || d.aPart[i].zName==0 ) continue;
      *pzValidate = sqlite3_mprintf("\"%w\"", d.aPart[i].zName);
      if( *pzValidate==0 ) rc = SQLITE_NOMEM;
    }
  }

  sqlite3_free(zTok);
  sqlite3_free(zTmp);
  sqlite3_free(zNew);
  sqlite3_free(zOldIpk);
  sqlite3_free(zNewIpk);
  sqlormNamesClear(&sql);
  sqlormNamesClear(&idxName);
  sqlormNamesClear(&idxSql);
  sqlormNamesClear(&trgName);
  sqlormNamesClear(&trgSql);
  sqlormNamesClear(&newCols);
  sqlormNamesClear(&newHidden);
  sqlormNamesClear(&seq);
  sqlormNamesClear(&fkTables);
  sqlormDdlClear(&d);
  return rc;
}

/* ---- the function ---------------------------------------------------------------- */

/* The models whose views or triggers name the table's columns: every model over the table
** and the rest of its inheritance family. Roots in *pRoots, every member in *pAll. */
static int alterModels(sqlite3 *db, const char *zTable, OrmNames *pRoots, OrmNames *pAll){
  OrmNames models = {0, 0};
  int i, j;
  int rc = sqlormQueryNames(db, "SELECT name FROM main.orm_models WHERE tbl=?1", zTable,
                            &models, 0);
  for(i=0; rc==SQLITE_OK && i<models.n; i++){
    OrmNames chain = {0, 0}, family = {0, 0};
    rc = sqlormInheritAncestors(db, models.az[i], &chain);
    if( rc==SQLITE_OK && chain.n && sqlormNamesFind(pRoots, chain.az[chain.n-1])<0 ){
      rc = sqlormNamesAdd(pRoots, chain.az[chain.n-1]);
      if( rc==SQLITE_OK ) rc = sqlormInheritDescendants(db, chain.az[chain.n-1], &family);
      for(j=0; rc==SQLITE_OK && j<family.n; j++){
        if( sqlormNamesFind(pAll, family.az[j])<0 ) rc = sqlormNamesAdd(pAll, family.az[j]);
      }
    }
    sqlormNamesClear(&chain);
    sqlormNamesClear(&family);
  }
  sqlormNamesClear(&models);
  return rc;
}

/* Checks the changes against the table as it is after the renames. */
static int alterValidate(sqlite3 *db, const OrmTable *pTab, const AlterSpec *p,
                         char **pzErr){
  OrmNames cols = {0, 0};
  int i, rc = sqlormNamesCopy(&cols, &pTab->cols);
  for(i=0; rc==SQLITE_OK && i<p->drop.n; i++){
    int k = sqlormNamesFind(&cols, p->drop.az[i]);
    if( k<0 ){
      *pzErr = sqlite3_mprintf("drop_column: table %s has no column %s", pTab->zName,
                               p->drop.az[i]);
      rc = SQLITE_ERROR;
      break;
    }
    rc = alterCheckCatalog(db, pTab->zName, p->drop.az[i], "drop_column", pzErr);
    if( rc==SQLITE_OK && !p->bAllowLoss && sqlormNamesFind(&pTab->generated, cols.az[k])<0 ){
      int bHolds = 0;
      rc = alterColumnHolds(db, pTab->zName, cols.az[k], &bHolds);
      if( rc==SQLITE_OK && bHolds ){
        *pzErr = sqlite3_mprintf("drop_column: column %s.%s holds values, which dropping it "
            "would lose (pass \"allow_data_loss\":true to drop them)", pTab->zName, cols.az[k]);
        rc = SQLITE_ERROR;
      }
    }
    if( rc==SQLITE_OK ){
      sqlite3_free(cols.az[k]);
      memmove(&cols.az[k], &cols.az[k+1], sizeof(char*)*(cols.n-k-1));
      cols.n--;
    }
  }
  for(i=0; rc==SQLITE_OK && i<p->altCol.n; i++){
    if( sqlormNamesFind(&cols, p->altCol.az[i])<0 ){
      *pzErr = sqlite3_mprintf("alter_column: table %s has no column %s", pTab->zName,
                               p->altCol.az[i]);
      rc = SQLITE_ERROR;
    }else if( sqlormNamesFind(&p->altCol, p->altCol.az[i])!=i ){
      *pzErr = sqlite3_mprintf("alter_column names %s twice", p->altCol.az[i]);
      rc = SQLITE_ERROR;
    }else{
      char *zUse = 0;
      rc = alterCatalogUse(db, pTab->zName, p->altCol.az[i], &zUse);
      if( rc==SQLITE_OK && zUse && strncmp(zUse, "hybrid ", 7)==0 ){
        *pzErr = sqlite3_mprintf("alter_column: column %s.%s is %s (orm_hybrid declares it)",
                                 pTab->zName, p->altCol.az[i], zUse);
        rc = SQLITE_ERROR;
      }
      sqlite3_free(zUse);
    }
  }
  for(i=0; rc==SQLITE_OK && i<p->addCol.n; i++){
    if( sqlormNamesFind(&cols, p->addCol.az[i])>=0 || p->addCol.az[i][0]==0 ){
      *pzErr = sqlite3_mprintf("add_column: table %s has a column %s already", pTab->zName,
                               p->addCol.az[i]);
      rc = SQLITE_ERROR;
    }else{
      rc = sqlormNamesAdd(&cols, p->addCol.az[i]);
    }
  }
  if( rc==SQLITE_OK && cols.n==0 ){
    *pzErr = sqlite3_mprintf("drop_column: a table keeps at least one column");
    rc = SQLITE_ERROR;
  }
  sqlormNamesClear(&cols);
  return rc;
}

/* Runs the changes on table zTable; *pzMethod says how ('native' or 'rebuild'). */
static int alterRun(sqlite3 *db, const char *zTable, const AlterSpec *p,
                    const char **pzMethod, char **pzErr){
  OrmTable *pTab = 0;
  OrmNames roots = {0, 0}, all = {0, 0}, kind = {0, 0};
  char *zName = 0, *zValidate = 0;
  int bFkOn = 0, bLegacy = 0, bRebuilt = 0;
  int i, rc;

  /* A statement of this connection that still reads (SELECT orm_alter_table(...) FROM t)
  ** would see the table change under it, and a DROP TABLE fails under it: find out now,
  ** before anything changed (a DROP TABLE checks exactly that). */
  rc = sqlite3_exec(db, "CREATE TEMP TABLE sqlorm_alter_probe(x);"
                    "DROP TABLE temp.sqlorm_alter_probe", 0, 0, 0);
  if( (rc&0xff)==SQLITE_LOCKED ){
    *pzErr = sqlite3_mprintf("another statement of this connection is still reading (as in "
        "SELECT orm_alter_table(...) FROM t): call orm_alter_table from a statement of its "
        "own; nothing was changed");
  }else if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("cannot start: %s", sqlite3_errmsg(db));
  }
  if( rc!=SQLITE_OK ) return rc;

  rc = sqlormTableName(db, zTable, &zName);
  if( rc==SQLITE_OK && zName==0 ){
    *pzErr = sqlite3_mprintf("no such table: %s", zTable);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT CASE WHEN sql LIKE 'CREATE VIRTUAL%' THEN 'virtual' "
        "WHEN name LIKE 'sqlite!_%' ESCAPE '!' OR name IN ('orm_meta','orm_models',"
        "'orm_relationships','orm_hybrids','orm_revisions','orm_journal') THEN 'internal' "
        "ELSE 'table' END FROM main.sqlite_schema WHERE type='table' AND name=?1", zName,
        &kind, 0);
    if( rc==SQLITE_OK && kind.n && strcmp(kind.az[0], "table")!=0 ){
      *pzErr = sqlite3_mprintf("%s is %s: orm_alter_table changes ordinary tables only", zName,
          kind.az[0][0]=='v' ? "a virtual table" : "SQLite's or sqlorm's own table");
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && p->zRename ){
    OrmNames taken = {0, 0}, use = {0, 0};
    rc = sqlormQueryNames(db, "SELECT type FROM main.sqlite_schema WHERE name=?1 "
                          "COLLATE NOCASE", p->zRename, &taken, 0);
    if( rc==SQLITE_OK && taken.n && sqlite3_stricmp(p->zRename, zName)!=0 ){
      *pzErr = sqlite3_mprintf("rename: there is already a %s named %s", taken.az[0],
                               p->zRename);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT 'model ' || name FROM main.orm_models WHERE tbl=?1 "
          "UNION ALL SELECT 'relationship ' || model || '.' || name FROM "
          "main.orm_relationships WHERE secondary=?1 LIMIT 1", zName, &use, 0);
      if( rc==SQLITE_OK && use.n ){
        *pzErr = sqlite3_mprintf("rename: table %s is used by %s (orm_drop it, rename, "
                                 "declare it again)", zName, use.az[0]);
        rc = SQLITE_ERROR;
      }
    }
    sqlormNamesClear(&taken);
    sqlormNamesClear(&use);
  }
  if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, zName, &pTab, pzErr);

  /* The views sqlorm made for models over the table name its columns (their INSTEAD OF
  ** triggers list them): dropped now, made again from the catalog at the end. */
  if( rc==SQLITE_OK && (p->renFrom.n || p->drop.n || p->addCol.n || p->bRebuild
                        || p->altCol.n || p->dropCons.n || p->addCons.n || p->bStrict>=0
                        || p->bWithoutRowid>=0) ){
    rc = alterModels(db, zName, &roots, &all);
    for(i=0; rc==SQLITE_OK && i<all.n; i++) rc = sqlormModelDropView(db, all.az[i], pzErr);
  }

  /* Renames of columns first, natively: SQLite rewrites every reference to them. */
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, -1, &bFkOn);
  sqlite3_db_config(db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, -1, &bLegacy);
  if( bLegacy ) sqlite3_db_config(db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, 0, (int*)0);
  for(i=0; rc==SQLITE_OK && i<p->renFrom.n; i++){
    if( sqlormNamesFind(&pTab->cols, p->renFrom.az[i])<0 ){
      *pzErr = sqlite3_mprintf("rename_column: table %s has no column %s", zName,
                               p->renFrom.az[i]);
      rc = SQLITE_ERROR;
    }else if( sqlormNamesFind(&pTab->cols, p->renTo.az[i])>=0
           && sqlite3_stricmp(p->renFrom.az[i], p->renTo.az[i])!=0 ){
      *pzErr = sqlite3_mprintf("rename_column: table %s has a column %s already", zName,
                               p->renTo.az[i]);
      rc = SQLITE_ERROR;
    }else if( p->renTo.az[i][0]==0 ){
      *pzErr = sqlite3_mprintf("rename_column: the new name of %s is empty", p->renFrom.az[i]);
      rc = SQLITE_ERROR;
    }else{
      rc = alterCheckCatalog(db, zName, p->renFrom.az[i], "rename_column", pzErr);
    }
    if( rc==SQLITE_OK ){
      char *zSql = sqlite3_mprintf("ALTER TABLE main.\"%w\" RENAME COLUMN \"%w\" TO \"%w\"",
                                   zName, p->renFrom.az[i], p->renTo.az[i]);
      char *zStep = sqlite3_mprintf("rename_column %s", p->renFrom.az[i]);
      rc = zStep ? alterStep(db, pzErr, zStep, zSql) : SQLITE_NOMEM;
      sqlite3_free(zSql);
      sqlite3_free(zStep);
    }
    if( rc==SQLITE_OK ){
      sqlormTableFree(pTab);
      pTab = 0;
      rc = sqlormTableLoadShallow(db, zName, &pTab, pzErr);
    }
  }
  if( rc==SQLITE_OK ) rc = alterValidate(db, pTab, p, pzErr);

  /* A column added natively with REFERENCES and a default is not checked against the
  ** parent when foreign keys are off: the rebuild checks it. */
  for(i=0; i<p->addCol.n && !bRebuilt; i++) bRebuilt = alterHasWord(p->addDecl.az[i], "REFERENCES");
  *pzMethod = "native";
  if( rc==SQLITE_OK && (p->drop.n || p->addCol.n) && !p->bRebuild && p->altCol.n==0
   && p->dropCons.n==0 && p->addCons.n==0 && p->bStrict<0 && p->bWithoutRowid<0
   && !bRebuilt ){
    /* Drops and adds alone: native, unless SQLite refuses (a UNIQUE column, a NOT NULL
    ** one without a default...), and then the rebuild. */
    char *zNative = 0;
    rc = sqlormExec(db, pzErr, "SAVEPOINT sqlorm_alter_native");
    for(i=0; rc==SQLITE_OK && i<p->drop.n; i++){
      rc = sqlormExec(db, &zNative, "ALTER TABLE main.\"%w\" DROP COLUMN \"%w\"", zName,
                      p->drop.az[i]);
    }
    for(i=0; rc==SQLITE_OK && i<p->addCol.n; i++){
      int bLine = 0;
      rc = sqlormDdlCheckElement(p->addDecl.az[i], "add_column", &bLine, pzErr);
      if( rc==SQLITE_OK ){
        rc = sqlormExec(db, &zNative, "ALTER TABLE main.\"%w\" ADD COLUMN \"%w\" %s%s", zName,
                        p->addCol.az[i], p->addDecl.az[i], bLine ? "\n" : "");
      }
    }
    if( *pzErr==0 && ((rc&0xff)==SQLITE_ERROR || (rc&0xff)==SQLITE_CONSTRAINT) ){
      sqlite3_exec(db, "ROLLBACK TO sqlorm_alter_native", 0, 0, 0);
      rc = SQLITE_OK;
      bRebuilt = 1;
    }
    sqlite3_free(zNative);
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "RELEASE sqlorm_alter_native");
    }else{
      sqlite3_exec(db, "ROLLBACK TO sqlorm_alter_native; RELEASE sqlorm_alter_native", 0, 0, 0);
    }
    if( rc==SQLITE_OK && bRebuilt ){
      sqlormTableFree(pTab);
      pTab = 0;
      rc = sqlormTableLoadShallow(db, zName, &pTab, pzErr);
    }
  }else if( rc==SQLITE_OK && (p->drop.n || p->addCol.n || p->bRebuild || p->altCol.n
                              || p->dropCons.n || p->addCons.n || p->bStrict>=0
                              || p->bWithoutRowid>=0) ){
    bRebuilt = 1;
  }
  if( rc==SQLITE_OK && bRebuilt ){
    *pzMethod = "rebuild";
    rc = alterRebuild(db, pTab, p, bFkOn, &zValidate, pzErr);
  }
  for(i=0; rc==SQLITE_OK && i<roots.n; i++){
    rc = sqlormModelRebuildFamily(db, roots.az[i], pzErr);
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      char *zMsg = sqlite3_mprintf("making the views of model %s again: %s", roots.az[i],
                                   *pzErr ? *pzErr : sqlite3_errstr(rc));
      sqlite3_free(*pzErr);
      *pzErr = zMsg;
    }
  }
  if( rc==SQLITE_OK && bRebuilt ){
    /* A RENAME COLUMN to the same name has SQLite check every view and trigger of the
    ** schema against the new table, as its own ALTER TABLE does. */
    char *zSql = sqlite3_mprintf("ALTER TABLE main.\"%w\" RENAME COLUMN %s TO %s", zName,
                                 zValidate, zValidate);
    rc = alterStepNoDqs(db, pzErr, "checking the views and triggers against the new table",
                        zSql, &p->drop);
    sqlite3_free(zSql);
  }
  if( rc==SQLITE_OK && p->zRename && strcmp(p->zRename, zName)!=0 ){
    char *zSql = sqlite3_mprintf("ALTER TABLE main.\"%w\" RENAME TO \"%w\"", zName, p->zRename);
    rc = alterStep(db, pzErr, "rename", zSql);
    sqlite3_free(zSql);
  }
  if( bLegacy ) sqlite3_db_config(db, SQLITE_DBCONFIG_LEGACY_ALTER_TABLE, 1, (int*)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, bFkOn, (int*)0);
  sqlormTableFree(pTab);
  sqlormNamesClear(&roots);
  sqlormNamesClear(&all);
  sqlormNamesClear(&kind);
  sqlite3_free(zName);
  sqlite3_free(zValidate);
  return rc;
}

/* orm_alter_table(table, changes): see the header. Returns 'native' or 'rebuild'. */
static void ormAlterTableFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTable, *zChanges, *zMethod = 0;
  char *zErr = 0;
  AlterSpec spec;
  int rc;
  (void)argc;
  memset(&spec, 0, sizeof(spec));
  if( sqlormArgText(ctx, argv, 0, zAlterFunc, "table", &zTable)!=SQLITE_OK ) return;
  if( sqlormArgText(ctx, argv, 1, zAlterFunc, "changes", &zChanges)!=SQLITE_OK ) return;
  rc = alterSpecRead(db, zChanges, &spec, &zErr);
  if( rc==SQLITE_OK ){
    rc = sqlormSavepointBegin(db, &zErr);
    if( rc==SQLITE_OK ){
      rc = alterRun(db, zTable, &spec, &zMethod, &zErr);
      rc = sqlormSavepointEnd(db, rc, &zErr);
    }
  }
  alterSpecClear(&spec);
  if( rc!=SQLITE_OK ){
    sqlormResultError(ctx, zAlterFunc, rc, zErr);
    return;
  }
  sqlite3_free(zErr);
  sqlite3_result_text(ctx, zMethod, -1, SQLITE_STATIC);
}

int sqlormAlterRegister(sqlite3 *db){
  return sqlormCreateFunction(db, "orm_alter_table", 2, SQLITE_UTF8|SQLITE_DIRECTONLY,
                              ormAlterTableFunc);
}
