/*
** relationship.c: declared relationships, the catalog rows that hold them, and what they
** compile to: a traversal table and the cascade triggers.
**
** Usage:
**   SELECT orm_relationship('users', 'addresses', 'addresses',
**          '{"back_populates":"user","cascade":"all, delete-orphan","order_by":"email_address"}');
**   SELECT orm_relationship('users', 'groups', 'groups', '{"secondary":"user_group"}');
**   SELECT orm_relationship('employees', 'manager', 'employees', '{"local":"manager_id"}');
**   SELECT * FROM users__addresses WHERE source = 1;     -- the traversal table
**   SELECT orm_drop('users', 'groups');                   -- one relationship
**   SELECT orm_drop('users');                             -- the model and all it has
**
** Options: local, remote (columns of the model's and the target's table), secondary,
** secondary_local, secondary_remote (the association table and its columns), where (a read
** filter over the target), order_by, cascade ("delete", "delete-orphan", "all", and
** SQLAlchemy's other names, which have nothing to do in SQL), passive_deletes (leave
** children to the database), back_populates, uselist, max_depth.
**
** How it works: columns come from the options or from the FOREIGN KEY between the tables.
** The traversal table `<model>__<name>` is a plain view (a `source` column holding the
** parent's key, then the target's columns), so joins through it are planned as the join
** written by hand; a self-referential relationship gets an orm_traverse virtual table
** instead, which walks recursively. A model that has a view (model.c) is read through it,
** under its table's name: the target always (its properties, its soft-delete and
** inheritance filters), the parent when its view leaves rows out. When a model's view
** changes, model.c calls sqlormRelRebuildTraversals to build the traversal tables that
** read the model again. Cascades are BEFORE DELETE / AFTER UPDATE triggers, so every
** writer is held to them. Everything happens in one savepoint after the checks.
*/
#include "sqlorm.h"
#include <string.h>

#define REL_OPTIONS "local, remote, secondary, secondary_local, secondary_remote, where, " \
                    "order_by, cascade, passive_deletes, back_populates, uselist, max_depth"

/* ---- the struct ------------------------------------------------------------------ */

void sqlormRelFree(OrmRel *p){
  if( p==0 ) return;
  sqlite3_free(p->zModel);
  sqlite3_free(p->zName);
  sqlite3_free(p->zTable);
  sqlite3_free(p->zTarget);
  sqlite3_free(p->zTargetTable);
  sqlite3_free(p->zTargetView);
  sqlite3_free(p->zParentView);
  sqlormNamesClear(&p->local);
  sqlormNamesClear(&p->remote);
  sqlite3_free(p->zSecondary);
  sqlormNamesClear(&p->secLocal);
  sqlormNamesClear(&p->secRemote);
  sqlormNamesClear(&p->key);
  sqlormNamesClear(&p->targetKey);
  sqlite3_free(p->zWhere);
  sqlite3_free(p->zOrderBy);
  sqlite3_free(p->zBackPopulates);
  sqlite3_free(p);
}

static char *dup(const char *z){
  return z ? sqlite3_mprintf("%s", z) : 0;
}

/* *pz = a copy of z; SQLITE_NOMEM when z is not NULL but the copy failed. */
static int dupInto(char **pz, const char *z){
  *pz = dup(z);
  return (z && *pz==0) ? SQLITE_NOMEM : SQLITE_OK;
}

int sqlormRelIsSelf(const OrmRel *p){
  return sqlite3_stricmp(p->zTable, p->zTargetTable)==0;
}

/* Whether the traversal table walks recursively (an orm_traverse table): a relationship
** of a table to itself, keyed by one column. One with a composite key gets a view. */
static int relRecursive(const OrmRel *p){
  return sqlormRelIsSelf(p) && p->key.n==1 && p->targetKey.n==1;
}

/* An alias for generated SQL that names none of the relationship's tables: zBase, or
** zBase followed by as many '_' as it takes (into zOut, 32 bytes). */
static const char *relAlias(const OrmRel *p, const char *zBase, char *zOut){
  int n = (int)strlen(zBase);
  memcpy(zOut, zBase, n+1);
  while( n<30 && (sqlite3_stricmp(zOut, p->zTable)==0 || sqlite3_stricmp(zOut, p->zTargetTable)==0
      || (p->zSecondary && sqlite3_stricmp(zOut, p->zSecondary)==0)) ){
    zOut[n++] = '_';
    zOut[n] = 0;
  }
  return zOut;
}

static const char *relDirection(const OrmRel *p){
  if( p->eDir==ORM_M2M ) return "many-to-many";
  if( p->bOneToOne ) return "one-to-one";
  return p->eDir==ORM_O2M ? "one-to-many" : "many-to-one";
}

static char *namesJson(const OrmNames *p){
  sqlite3_str *pStr = sqlite3_str_new(0);
  sqlormNamesJson(pStr, p);
  return sqlite3_str_finish(pStr);
}

static char *relCascadeText(int m){
  if( m==(ORM_CASCADE_DELETE|ORM_CASCADE_ORPHAN) ) return "delete, delete-orphan";
  if( m==ORM_CASCADE_DELETE ) return "delete";
  if( m==ORM_CASCADE_ORPHAN ) return "delete-orphan";
  return "";
}

/* Parses a cascade list as SQLAlchemy spells it into ORM_CASCADE_* bits. */
static int relParseCascade(const char *z, int *pm, char **pzErr){
  static const char *azNoop[] = { "save-update", "merge", "refresh-expire", "expunge", "none" };
  *pm = 0;
  while( *z ){
    int n;
    size_t i;
    while( *z==' ' || *z==',' || *z=='\t' ) z++;
    for(n=0; z[n] && z[n]!=',' && z[n]!=' ' && z[n]!='\t'; n++){}
    if( n==0 ) break;
    if( n==3 && sqlite3_strnicmp(z, "all", 3)==0 ){
      *pm |= ORM_CASCADE_DELETE;
    }else if( n==6 && sqlite3_strnicmp(z, "delete", 6)==0 ){
      *pm |= ORM_CASCADE_DELETE;
    }else if( n==13 && sqlite3_strnicmp(z, "delete-orphan", 13)==0 ){
      *pm |= ORM_CASCADE_ORPHAN;
    }else{
      for(i=0; i<sizeof(azNoop)/sizeof(azNoop[0]); i++){
        if( (int)strlen(azNoop[i])==n && sqlite3_strnicmp(z, azNoop[i], n)==0 ) break;
      }
      if( i==sizeof(azNoop)/sizeof(azNoop[0]) ){
        *pzErr = sqlite3_mprintf("unknown cascade \"%.*s\" (known: delete, delete-orphan, all, "
                                 "save-update, merge, refresh-expire, expunge)", n, z);
        return SQLITE_ERROR;
      }
    }
    z += n;
  }
  return SQLITE_OK;
}

/* ---- models ---------------------------------------------------------------------- */

/* The table of model zModel into *pzTable. A table that is not yet a model becomes one
** when eOrigin is 1 (declared by the user) or 2 (automap); with 0 it is only looked up. */
int sqlormModelTable(sqlite3 *db, const char *zModel, int eOrigin, char **pzTable,
                     char **pzErr){
  int bCatalog = 0;
  int rc = sqlormTableExists(db, "main", "orm_models", &bCatalog);
  *pzTable = 0;
  if( rc==SQLITE_OK && bCatalog ){
    OrmNames tbl = {0, 0};
    rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name=?1", zModel, &tbl, 0);
    if( rc==SQLITE_OK && tbl.n ){
      *pzTable = tbl.az[0];                /* taken from the list */
      tbl.az[0] = 0;
    }
    sqlormNamesClear(&tbl);
  }
  if( *pzTable || rc!=SQLITE_OK ) return rc;
  rc = sqlormTableName(db, zModel, pzTable);
  if( rc==SQLITE_OK && *pzTable==0 ){
    *pzErr = sqlite3_mprintf("no such model or table: %s", zModel);
    return SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && eOrigin ){
    rc = sqlormExec(db, pzErr, "INSERT OR IGNORE INTO main.orm_models(name, tbl, origin) "
        "VALUES (%Q, %Q, %Q)", *pzTable, *pzTable, eOrigin==2 ? "automap" : "user");
  }
  return rc;
}

/* The view that model zModel's rows are read through, into *pzView (sqlite3_malloc'd), or
** NULL when the model has none (or is not declared): then its table is read. *pbFilters
** (when not NULL): the view leaves rows of the table out (soft_delete, inheritance), so a
** reader must go through it even for none of its columns. */
int sqlormModelView(sqlite3 *db, const char *zModel, char **pzView, int *pbFilters){
  OrmNames view = {0, 0}, filters = {0, 0};
  int rc;
  *pzView = 0;
  if( pbFilters ) *pbFilters = 0;
  rc = sqlormQueryNames(db, "SELECT options->>'$.has_view', options->>'$.soft_delete' IS NOT "
      "NULL OR options->>'$.inherits' IS NOT NULL FROM main.orm_models WHERE name=?1 AND "
      "options->>'$.has_view' IS NOT NULL", zModel, &view, &filters);
  if( rc==SQLITE_ERROR ){
    /* No catalog (a plain table read by orm_json) is no view; looked for only now, as
    ** every other caller has one. */
    int bCatalog = 1;
    int rc2 = sqlormTableExists(db, "main", "orm_models", &bCatalog);
    if( rc2!=SQLITE_OK ) rc = rc2;
    else if( !bCatalog ) rc = SQLITE_OK;
  }
  if( rc==SQLITE_OK && view.n ){
    *pzView = view.az[0];                 /* taken from the list */
    view.az[0] = 0;
    if( pbFilters ) *pbFilters = filters.az[0][0]=='1';
  }
  sqlormNamesClear(&view);
  sqlormNamesClear(&filters);
  return rc;
}

/* What the relationship's SQL reads: the target's view, and the model's view when it
** leaves rows out (a soft-deleted or other-class parent has no pairs). A view that only
** adds properties is not joined for the parent, whose columns a traversal never shows. */
static int relReaders(sqlite3 *db, OrmRel *p){
  int bFilters = 0;
  int rc;
  sqlite3_free(p->zTargetView);
  sqlite3_free(p->zParentView);
  p->zTargetView = p->zParentView = 0;
  p->bRemoteNotNull = 0;
  rc = sqlormModelView(db, p->zTarget, &p->zTargetView, 0);
  if( rc==SQLITE_OK ) rc = sqlormModelView(db, p->zModel, &p->zParentView, &bFilters);
  if( rc==SQLITE_OK && !bFilters ){
    sqlite3_free(p->zParentView);
    p->zParentView = 0;
  }
  if( rc==SQLITE_OK && p->zTargetView && p->eDir==ORM_O2M ){
    /* Through a view SQLite no longer knows a column is NOT NULL, and would test the
    ** traversal view's "IS NOT NULL" on every row: the view leaves it out itself. */
    OrmTable *pT = 0;
    char *zIgnore = 0;
    int i, iCol;
    rc = sqlormTableLoadShallow(db, p->zTargetTable, &pT, &zIgnore);
    for(i=0, p->bRemoteNotNull=(rc==SQLITE_OK); rc==SQLITE_OK && i<p->remote.n; i++){
      iCol = sqlormNamesFind(&pT->cols, p->remote.az[i]);
      if( iCol<0 || !(pT->aNotNull[iCol] || ((pT->bWithoutRowid || pT->bRowidKey)
                                              && sqlormNamesFind(&pT->key, p->remote.az[i])>=0)) ){
        p->bRemoteNotNull = 0;
      }
    }
    sqlormTableFree(pT);
    sqlite3_free(zIgnore);
  }
  return rc;
}

/* ---- loading from the catalog ---------------------------------------------------- */

static int relKeys(sqlite3 *db, OrmRel *p, char **pzErr){
  OrmTable *pTab = 0;
  int rc = sqlormTableLoadShallow(db, p->zTable, &pTab, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->key, &pTab->key);
  sqlormTableFree(pTab);
  pTab = 0;
  if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, p->zTargetTable, &pTab, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->targetKey, &pTab->key);
  sqlormTableFree(pTab);
  return rc;
}

int sqlormRelLoad(sqlite3 *db, const char *zModel, const char *zName, OrmRel **pp,
                  char **pzErr){
  sqlite3_stmt *pStmt = 0;
  OrmRel *p;
  int rc;
  *pp = 0;
  rc = sqlite3_prepare_v2(db,
      "SELECT r.target, r.fk_side, r.uselist, r.local_columns, r.remote_columns,"
      "  r.secondary, r.secondary_local, r.secondary_remote, r.cascade,"
      "  r.options ->> '$.where', r.options ->> '$.order_by', r.options ->> '$.back_populates',"
      "  coalesce(r.options ->> '$.passive_deletes', 0), coalesce(r.options ->> '$.max_depth', 1),"
      "  r.origin='automap', m.tbl, t.tbl, r.direction, r.model, r.name"
      " FROM main.orm_relationships r"
      " LEFT JOIN main.orm_models m ON m.name = r.model"
      " LEFT JOIN main.orm_models t ON t.name = r.target"
      " WHERE r.model=?1 AND r.name=?2", -1, &pStmt, 0);
  if( rc!=SQLITE_OK ){
    int bCatalog = 0;
    if( sqlormTableExists(db, "main", "orm_relationships", &bCatalog)==SQLITE_OK && !bCatalog ){
      *pzErr = sqlite3_mprintf("no relationship %s.%s (no catalog)", zModel, zName);
      return *pzErr ? ORM_NOTFOUND : SQLITE_NOMEM;
    }
    return rc;
  }
  sqlite3_bind_text(pStmt, 1, zModel, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zName, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( rc!=SQLITE_ROW ){
    sqlite3_finalize(pStmt);
    if( rc!=SQLITE_DONE ) return rc;
    *pzErr = sqlite3_mprintf("no relationship %s.%s", zModel, zName);
    return *pzErr ? ORM_NOTFOUND : SQLITE_NOMEM;
  }
  p = sqlite3_malloc(sizeof(OrmRel));
  if( p==0 ){ sqlite3_finalize(pStmt); return SQLITE_NOMEM; }
  memset(p, 0, sizeof(*p));
  /* The names as the catalog spells them (they match the arguments without regard to case). */
  rc = dupInto(&p->zModel, (const char*)sqlite3_column_text(pStmt, 18));
  if( rc==SQLITE_OK ) rc = dupInto(&p->zName, (const char*)sqlite3_column_text(pStmt, 19));
  if( rc==SQLITE_OK && (p->zModel==0 || p->zName==0) ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ) rc = dupInto(&p->zTarget, (const char*)sqlite3_column_text(pStmt, 0));
  if( rc==SQLITE_OK ){
    const char *zSide = (const char*)sqlite3_column_text(pStmt, 1);
    const char *zDir = (const char*)sqlite3_column_text(pStmt, 17);
    if( zSide==0 || zDir==0 ){
      rc = SQLITE_NOMEM;
    }else{
      p->eDir = strcmp(zSide, "local")==0 ? ORM_M2O
              : strcmp(zSide, "remote")==0 ? ORM_O2M : ORM_M2M;
      p->bOneToOne = sqlite3_stricmp(zDir, "one-to-one")==0;
    }
  }
  p->bUselist = sqlite3_column_int(pStmt, 2);
  if( rc==SQLITE_OK ){
    rc = sqlormNamesFromJson(db, (const char*)sqlite3_column_text(pStmt, 3), &p->local, pzErr);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormNamesFromJson(db, (const char*)sqlite3_column_text(pStmt, 4), &p->remote, pzErr);
  }
  if( rc==SQLITE_OK ) rc = dupInto(&p->zSecondary, (const char*)sqlite3_column_text(pStmt, 5));
  if( rc==SQLITE_OK ){
    rc = sqlormNamesFromJson(db, (const char*)sqlite3_column_text(pStmt, 6), &p->secLocal, pzErr);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormNamesFromJson(db, (const char*)sqlite3_column_text(pStmt, 7), &p->secRemote, pzErr);
  }
  if( rc==SQLITE_OK ){
    const char *zCascade = (const char*)sqlite3_column_text(pStmt, 8);
    rc = zCascade ? relParseCascade(zCascade, &p->mCascade, pzErr) : SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = dupInto(&p->zWhere, (const char*)sqlite3_column_text(pStmt, 9));
  if( rc==SQLITE_OK ) rc = dupInto(&p->zOrderBy, (const char*)sqlite3_column_text(pStmt, 10));
  if( rc==SQLITE_OK ){
    rc = dupInto(&p->zBackPopulates, (const char*)sqlite3_column_text(pStmt, 11));
  }
  p->bPassive = sqlite3_column_int(pStmt, 12);
  p->iMaxDepth = sqlite3_column_int(pStmt, 13);
  p->bAutomap = sqlite3_column_int(pStmt, 14);
  if( rc==SQLITE_OK ) rc = dupInto(&p->zTable, (const char*)sqlite3_column_text(pStmt, 15));
  if( rc==SQLITE_OK ){
    rc = dupInto(&p->zTargetTable, (const char*)sqlite3_column_text(pStmt, 16));
  }
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_OK ) rc = sqlormCheckTrusted(db, p->zWhere, "where", 0, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormCheckTrusted(db, p->zOrderBy, "order_by", 0, pzErr);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr ){
    char *zMsg = sqlite3_mprintf("relationship %s.%s: %s", zModel, zName, *pzErr);
    sqlite3_free(*pzErr);
    *pzErr = zMsg;
  }
  if( rc==SQLITE_OK && (p->zTable==0 || p->zTargetTable==0) ){
    *pzErr = sqlite3_mprintf("relationship %s.%s: its model or target is not in orm_models",
                             zModel, zName);
    rc = SQLITE_CORRUPT;
  }
  if( rc==SQLITE_OK ){
    rc = relKeys(db, p, pzErr);
    if( rc==SQLITE_OK ) rc = relReaders(db, p);
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr ){
      char *zMsg = sqlite3_mprintf("relationship %s.%s: %s", zModel, zName, *pzErr);
      sqlite3_free(*pzErr);
      *pzErr = zMsg;
    }
  }
  if( rc!=SQLITE_OK ){
    sqlormRelFree(p);
    return rc;
  }
  *pp = p;
  return SQLITE_OK;
}

/* ---- generated SQL --------------------------------------------------------------- */

/* Appends "a"."x" = "b"."y" AND ... for paired lists. */
static void relJoinOn(sqlite3_str *pStr, const char *zA, const OrmNames *a, const char *zB,
                      const OrmNames *b){
  int i;
  for(i=0; i<a->n; i++){
    sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = \"%w\".\"%w\"", i ? " AND " : "",
                        zA, a->az[i], zB, b->az[i]);
  }
}

/* What the target's rows are read from: its model's view, else its table. Either is
** aliased as the table, so that where and order_by read the same through both. */
static const char *relTargetFrom(const OrmRel *p){
  return p->zTargetView ? p->zTargetView : p->zTargetTable;
}

/* SELECT "T".* [, extras] FROM ... WHERE <the parent's local values as ?1..?n>
** [AND (where)] [ORDER BY order_by]: the rows a parent reaches through the relationship,
** through the target's view when it has one ("T".* then has its properties too). Extras
** are columns of the target, appended after its own. */
char *sqlormRelChildrenSql(const OrmRel *p, const OrmNames *pExtra){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendf(pStr, "SELECT \"%w\".*", p->zTargetTable);
  for(i=0; pExtra && i<pExtra->n; i++){
    sqlite3_str_appendf(pStr, ", \"%w\".\"%w\"", p->zTargetTable, pExtra->az[i]);
  }
  if( p->eDir==ORM_M2M ){
    sqlite3_str_appendf(pStr, " FROM main.\"%w\" AS \"%w\" JOIN main.\"%w\" AS \"%w\" ON ",
                        p->zSecondary, p->zSecondary, relTargetFrom(p), p->zTargetTable);
    relJoinOn(pStr, p->zTargetTable, &p->remote, p->zSecondary, &p->secRemote);
    sqlite3_str_appendall(pStr, " WHERE ");
    for(i=0; i<p->secLocal.n; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = ?%d", i ? " AND " : "", p->zSecondary,
                          p->secLocal.az[i], i+1);
    }
  }else{
    sqlite3_str_appendf(pStr, " FROM main.\"%w\" AS \"%w\" WHERE ", relTargetFrom(p),
                        p->zTargetTable);
    for(i=0; i<p->remote.n; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = ?%d", i ? " AND " : "", p->zTargetTable,
                          p->remote.az[i], i+1);
    }
  }
  if( p->zWhere ) sqlite3_str_appendf(pStr, " AND (%s\n)", p->zWhere);
  if( p->zOrderBy ) sqlite3_str_appendf(pStr, " ORDER BY %s\n", p->zOrderBy);
  return sqlite3_str_finish(pStr);
}

/* The SELECT of the view of a relationship that does not recurse. source is the parent's
** key (for a composite key: a JSON array, plus one source_<column> per key column). The
** target is read through its model's view when it has one; the parent is joined through
** its model's view when that leaves rows out, else only when its key is not at hand. */
static char *relViewSelect(const OrmRel *p){
  sqlite3_str *pStr = sqlite3_str_new(0);
  const char *zT = p->zTargetTable;
  char zParentBuf[32];
  const char *zParent = relAlias(p, "orm_parent", zParentBuf);
  /* Where the parent's key can be read without joining the parent: the columns that
  ** match the key, on the target (one-to-many) or the secondary (many-to-many). */
  const char *zSrcAlias = zParent;
  const OrmNames *pSrc = &p->key;
  OrmNames mapped = {0, 0};
  const char *zParentFrom = p->zParentView ? p->zParentView : p->zTable;
  int bJoinParent = 1;
  int i;
  if( p->eDir!=ORM_M2O && sqlormNamesSameSet(&p->local, &p->key) && p->zParentView==0 ){
    const OrmNames *pOther = p->eDir==ORM_M2M ? &p->secLocal : &p->remote;
    for(i=0; i<p->key.n; i++){
      if( sqlormNamesAdd(&mapped, pOther->az[sqlormNamesFind(&p->local, p->key.az[i])]) ){
        sqlormNamesClear(&mapped);
        sqlite3_free(sqlite3_str_finish(pStr));
        return 0;
      }
    }
    pSrc = &mapped;
    zSrcAlias = p->eDir==ORM_M2M ? p->zSecondary : zT;
    bJoinParent = 0;
  }
  sqlite3_str_appendall(pStr, "SELECT ");
  if( pSrc->n==1 ){
    sqlite3_str_appendf(pStr, "\"%w\".\"%w\" AS source", zSrcAlias, pSrc->az[0]);
  }else{
    sqlite3_str_appendall(pStr, "json_array(");
    sqlormNamesSql(pStr, zSrcAlias, pSrc, ", ");
    sqlite3_str_appendall(pStr, ") AS source");
    for(i=0; i<pSrc->n; i++){
      sqlite3_str_appendf(pStr, ", \"%w\".\"%w\" AS \"source_%w\"", zSrcAlias, pSrc->az[i],
                          p->key.az[i]);
    }
  }
  sqlite3_str_appendf(pStr, ", \"%w\".* FROM ", zT);
  if( p->eDir==ORM_M2M ){
    sqlite3_str_appendf(pStr, "main.\"%w\" AS \"%w\" JOIN main.\"%w\" AS \"%w\" ON ",
                        p->zSecondary, p->zSecondary, relTargetFrom(p), zT);
    relJoinOn(pStr, zT, &p->remote, p->zSecondary, &p->secRemote);
    if( bJoinParent ){
      sqlite3_str_appendf(pStr, " JOIN main.\"%w\" AS \"%w\" ON ", zParentFrom, zParent);
      relJoinOn(pStr, zParent, &p->local, p->zSecondary, &p->secLocal);
    }
  }else if( bJoinParent ){
    sqlite3_str_appendf(pStr, "main.\"%w\" AS \"%w\" JOIN main.\"%w\" AS \"%w\" ON ",
                        zParentFrom, zParent, relTargetFrom(p), zT);
    relJoinOn(pStr, zT, &p->remote, zParent, &p->local);
  }else{
    sqlite3_str_appendf(pStr, "main.\"%w\" AS \"%w\"", relTargetFrom(p), zT);
  }
  /* A child whose reference is NULL has no parent: it is not a pair of the relationship. */
  if( !bJoinParent && !(p->eDir==ORM_O2M && p->bRemoteNotNull) ){
    for(i=0; i<pSrc->n; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" IS NOT NULL", i ? " AND " : " WHERE ",
                          zSrcAlias, pSrc->az[i]);
    }
  }
  if( p->zWhere ){
    sqlite3_str_appendf(pStr, " %s (%s\n)", bJoinParent ? "WHERE" : "AND", p->zWhere);
  }
  sqlormNamesClear(&mapped);
  return sqlite3_str_finish(pStr);
}

/* Appends the WHERE of a statement that finds the children of OLD in a trigger. */
static void relOldMatch(sqlite3_str *pStr, const char *zAlias, const OrmNames *pChild,
                        const OrmNames *pParent){
  int i;
  for(i=0; i<pChild->n; i++){
    sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = OLD.\"%w\"", i ? " AND " : "", zAlias,
                        pChild->az[i], pParent->az[i]);
  }
}

/* The cascade triggers of a relationship (none for a many-to-one). Statements inside a
** trigger name tables unqualified: they resolve in the trigger's own database. bGenerated:
** some referencing column is a generated column. */
static int relCreateTriggers(sqlite3 *db, const OrmRel *p, int bGenerated, char **pzErr){
  int rc = SQLITE_OK;
  const char *zT = p->zTargetTable;
  sqlite3_str *pStr;
  char *zSql;
  int i;
  if( p->eDir==ORM_M2O ) return SQLITE_OK;

  if( p->eDir==ORM_M2M ){
    if( p->bPassive && !(p->mCascade & ORM_CASCADE_DELETE) ) return SQLITE_OK;
    pStr = sqlite3_str_new(db);
    sqlite3_str_appendf(pStr, "CREATE TRIGGER main.\"orm_%w__%w__secondary\" BEFORE DELETE "
                        "ON main.\"%w\" BEGIN ", p->zModel, p->zName, p->zTable);
    if( p->mCascade & ORM_CASCADE_DELETE ){
      /* The targets go first, while the association rows still say which they are. */
      sqlite3_str_appendf(pStr, "DELETE FROM \"%w\" WHERE EXISTS (SELECT 1 FROM \"%w\" "
                          "WHERE ", zT, p->zSecondary);
      relOldMatch(pStr, p->zSecondary, &p->secLocal, &p->local);
      for(i=0; i<p->remote.n; i++){
        sqlite3_str_appendf(pStr, " AND \"%w\".\"%w\" = \"%w\".\"%w\"", p->zSecondary,
                            p->secRemote.az[i], zT, p->remote.az[i]);
      }
      sqlite3_str_appendall(pStr, "); ");
    }
    if( !p->bPassive ){
      sqlite3_str_appendf(pStr, "DELETE FROM \"%w\" WHERE ", p->zSecondary);
      relOldMatch(pStr, p->zSecondary, &p->secLocal, &p->local);
      sqlite3_str_appendall(pStr, "; ");
    }
    sqlite3_str_appendall(pStr, "END");
    zSql = sqlite3_str_finish(pStr);
    if( zSql==0 ) return SQLITE_NOMEM;
    rc = sqlormExec(db, pzErr, "%s", zSql);
    sqlite3_free(zSql);
    return rc;
  }

  /* One-to-many (and one-to-one held by the target): delete, or set the FK to NULL. A
  ** reference held in generated columns cannot be set: the database keeps it. */
  if( (p->mCascade & ORM_CASCADE_DELETE) || (!p->bPassive && !bGenerated) ){
    pStr = sqlite3_str_new(db);
    sqlite3_str_appendf(pStr, "CREATE TRIGGER main.\"orm_%w__%w__%s\" BEFORE DELETE ON main.\"%w\" "
                        "BEGIN ", p->zModel, p->zName,
                        (p->mCascade & ORM_CASCADE_DELETE) ? "delete" : "setnull", p->zTable);
    if( (p->mCascade & ORM_CASCADE_DELETE) && sqlormRelIsSelf(p) ){
      /* A trigger does not fire itself again, so the whole subtree goes at once; UNION
      ** ends a cycle in the data, and the row being deleted is left to its own statement
      ** (so that changes() and RETURNING count it) even when a cycle leads back to it. */
      char zSubBuf[32], zChildBuf[32];
      const char *zSub = relAlias(p, "orm_sub", zSubBuf);
      const char *zChild = relAlias(p, "orm_child", zChildBuf);
      sqlite3_str_appendf(pStr, "DELETE FROM \"%w\" WHERE (", zT);
      sqlormNamesSql(pStr, 0, &p->remote, ", ");
      sqlite3_str_appendf(pStr, ") IN (SELECT * FROM (WITH RECURSIVE \"%w\"(", zSub);
      for(i=0; i<p->local.n; i++) sqlite3_str_appendf(pStr, "%sk%d", i ? ", " : "", i);
      sqlite3_str_appendall(pStr, ") AS (SELECT ");
      for(i=0; i<p->local.n; i++){
        sqlite3_str_appendf(pStr, "%sOLD.\"%w\"", i ? ", " : "", p->local.az[i]);
      }
      sqlite3_str_appendall(pStr, " UNION SELECT ");
      sqlormNamesSql(pStr, zChild, &p->local, ", ");
      sqlite3_str_appendf(pStr, " FROM \"%w\" AS \"%w\" JOIN \"%w\" ON ", zT, zChild, zSub);
      for(i=0; i<p->remote.n; i++){
        sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = \"%w\".k%d", i ? " AND " : "",
                            zChild, p->remote.az[i], zSub, i);
      }
      sqlite3_str_appendf(pStr, ") SELECT * FROM \"%w\")) AND NOT (", zSub);
      for(i=0; i<p->targetKey.n; i++){
        sqlite3_str_appendf(pStr, "%s\"%w\" IS OLD.\"%w\"", i ? " AND " : "",
                            p->targetKey.az[i], p->key.az[i]);
      }
      sqlite3_str_appendall(pStr, "); ");
    }else if( p->mCascade & ORM_CASCADE_DELETE ){
      sqlite3_str_appendf(pStr, "DELETE FROM \"%w\" WHERE ", zT);
      relOldMatch(pStr, zT, &p->remote, &p->local);
      sqlite3_str_appendall(pStr, "; ");
    }else{
      sqlite3_str_appendf(pStr, "UPDATE \"%w\" SET ", zT);
      for(i=0; i<p->remote.n; i++){
        sqlite3_str_appendf(pStr, "%s\"%w\" = NULL", i ? ", " : "", p->remote.az[i]);
      }
      sqlite3_str_appendall(pStr, " WHERE ");
      relOldMatch(pStr, zT, &p->remote, &p->local);
      sqlite3_str_appendall(pStr, "; ");
    }
    sqlite3_str_appendall(pStr, "END");
    zSql = sqlite3_str_finish(pStr);
    if( zSql==0 ) return SQLITE_NOMEM;
    rc = sqlormExec(db, pzErr, "%s", zSql);
    sqlite3_free(zSql);
  }

  /* delete-orphan: a child whose reference is set to NULL goes. */
  if( rc==SQLITE_OK && (p->mCascade & ORM_CASCADE_ORPHAN) && !bGenerated ){
    pStr = sqlite3_str_new(db);
    sqlite3_str_appendf(pStr, "CREATE TRIGGER main.\"orm_%w__%w__orphan\" AFTER UPDATE OF ",
                        p->zModel, p->zName);
    sqlormNamesSql(pStr, 0, &p->remote, ", ");
    sqlite3_str_appendf(pStr, " ON main.\"%w\" WHEN (", zT);
    for(i=0; i<p->remote.n; i++){
      sqlite3_str_appendf(pStr, "%sNEW.\"%w\" IS NULL", i ? " OR " : "", p->remote.az[i]);
    }
    sqlite3_str_appendall(pStr, ") AND ");
    for(i=0; i<p->remote.n; i++){
      sqlite3_str_appendf(pStr, "%sOLD.\"%w\" IS NOT NULL", i ? " AND " : "", p->remote.az[i]);
    }
    sqlite3_str_appendf(pStr, " BEGIN DELETE FROM \"%w\" WHERE ", zT);
    for(i=0; i<p->targetKey.n; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\" = NEW.\"%w\"", i ? " AND " : "", p->targetKey.az[i],
                          p->targetKey.az[i]);
    }
    sqlite3_str_appendall(pStr, "; END");
    zSql = sqlite3_str_finish(pStr);
    if( zSql==0 ) return SQLITE_NOMEM;
    rc = sqlormExec(db, pzErr, "%s", zSql);
    sqlite3_free(zSql);
  }
  return rc;
}

/* What kind of object, if any, holds name zName in main: "view", "table", "trigger",
** "index" (into *pzType, or NULL), and whether it is an orm_traverse table. */
static int relObjectType(sqlite3 *db, const char *zName, char **pzType, int *pbTraverse){
  OrmNames type = {0, 0}, traverse = {0, 0};
  int rc = sqlormQueryNames(db, "SELECT type, "
      "coalesce(sql LIKE 'CREATE VIRTUAL TABLE%orm_traverse%', 0) FROM main.sqlite_schema "
      "WHERE name=?1 COLLATE NOCASE", zName, &type, &traverse);
  *pzType = 0;
  *pbTraverse = 0;
  if( rc==SQLITE_OK && type.n ){
    *pbTraverse = traverse.az[0][0]=='1';
    *pzType = type.az[0];                  /* taken from the list */
    type.az[0] = 0;
  }
  sqlormNamesClear(&type);
  sqlormNamesClear(&traverse);
  return rc;
}

/* Whether zTable is an orm_remote table (0 once *pRc is an error). */
static int relIsRemote(sqlite3 *db, const char *zTable, int *pRc){
  int b = 0;
  if( *pRc==SQLITE_OK ) *pRc = sqlormTableIsRemote(db, zTable, &b);
  return b;
}

/* Whether a relationship reads a remote table: its traversal view is then a TEMP view,
** made again by each connection (sqlormRelRestoreTemp), because a remote table is
** direct-only and a view of the file's own schema may not read it. */
static int relTouchesRemote(sqlite3 *db, const OrmRel *p, int *pRc){
  return relIsRemote(db, p->zTable, pRc) || relIsRemote(db, p->zTargetTable, pRc)
      || relIsRemote(db, p->zSecondary, pRc);
}

/* Drops a relationship's traversal table (a view or an orm_traverse table), if it is there. */
static int relDropTraversal(sqlite3 *db, const char *zModel, const char *zName, char **pzErr){
  char *zTrav = sqlite3_mprintf("%s__%s", zModel, zName);
  char *zType = 0;
  int bTraverse = 0;
  int rc = zTrav ? relObjectType(db, zTrav, &zType, &bTraverse) : SQLITE_NOMEM;
  if( rc==SQLITE_OK && zType ){
    if( strcmp(zType, "view")==0 ){
      rc = sqlormExec(db, pzErr, "DROP VIEW main.\"%w\"", zTrav);
    }else if( bTraverse ){
      rc = sqlormExec(db, pzErr, "DROP TABLE main.\"%w\"", zTrav);
    }
  }
  if( rc==SQLITE_OK ) rc = sqlormExec(db, pzErr, "DROP VIEW IF EXISTS temp.\"%w\"", zTrav);
  sqlite3_free(zType);
  sqlite3_free(zTrav);
  return rc;
}

/* Creates a relationship's traversal table: an orm_traverse table for one that recurses,
** else a view over what relReaders found. */
static int relCreateTraversal(sqlite3 *db, OrmRel *p, char **pzErr){
  const char *zSchema;
  char *zSql;
  int rc;
  if( relRecursive(p) ){
    return sqlormExec(db, pzErr, "CREATE VIRTUAL TABLE main.\"%w__%w\" USING orm_traverse(%Q, %Q)",
                      p->zModel, p->zName, p->zModel, p->zName);
  }
  rc = SQLITE_OK;
  zSchema = relTouchesRemote(db, p, &rc) ? "temp" : "main";
  if( rc!=SQLITE_OK ) return rc;
  zSql = relViewSelect(p);
  rc = zSql ? sqlormExec(db, pzErr, "CREATE VIEW %s.\"%w__%w\" AS %s", zSchema, p->zModel,
                         p->zName, zSql) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc==SQLITE_OK && p->zWhere ){
    /* CREATE VIEW does not resolve names: a where over a property that is gone is found
    ** here rather than by the first query (the rest was checked when it was declared). */
    sqlite3_stmt *pCheck = 0;
    zSql = sqlite3_mprintf("SELECT * FROM %s.\"%w__%w\"", zSchema, p->zModel, p->zName);
    rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pCheck, 0) : SQLITE_NOMEM;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ) *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    sqlite3_finalize(pCheck);
    sqlite3_free(zSql);
  }
  return rc;
}

/* Builds again the traversal tables of model zModel's relationships and of those that
** target it, so that they read through its view as it is now, or through its table when
** it has none (a view that appears, changes name or goes away; properties that change the
** columns of an orm_traverse table). sqlormModelRebuild and sqlormModelDropView call it:
** every change of a model's view goes through one of them. The catalog rows and the
** cascade triggers stay as they are. */
int sqlormRelRebuildTraversals(sqlite3 *db, const char *zModel, char **pzErr){
  OrmNames models = {0, 0}, names = {0, 0};
  int bCatalog = 0, i;
  int rc = sqlormTableExists(db, "main", "orm_relationships", &bCatalog);
  if( rc==SQLITE_OK && bCatalog ){
    rc = sqlormQueryNames(db, "SELECT model, name FROM main.orm_relationships "
        "WHERE model=?1 OR target=?1 ORDER BY rowid", zModel, &models, &names);
  }
  for(i=0; rc==SQLITE_OK && i<models.n; i++){
    OrmRel *p = 0;
    rc = sqlormRelLoad(db, models.az[i], names.az[i], &p, pzErr);
    if( rc==SQLITE_OK ) rc = relDropTraversal(db, p->zModel, p->zName, pzErr);
    if( rc==SQLITE_OK ) rc = relCreateTraversal(db, p, pzErr);
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr ){
      char *zMsg = sqlite3_mprintf("the traversal table %s__%s reads model %s, and cannot be "
          "built again: %s", models.az[i], names.az[i], zModel, *pzErr);
      sqlite3_free(*pzErr);
      *pzErr = zMsg;
    }
    sqlormRelFree(p);
  }
  sqlormNamesClear(&models);
  sqlormNamesClear(&names);
  return rc;
}

/* Makes the TEMP traversal views of the relationships that read remote tables (at load).
** A relationship that cannot be read now (a table gone) is left for its first use to
** report. */
int sqlormRelRestoreTemp(sqlite3 *db){
  OrmNames models = {0, 0}, names = {0, 0};
  int bCatalog = 0, bRemote = 0, i;
  int rc = sqlormTableExists(db, "main", "orm_relationships", &bCatalog);
  if( rc==SQLITE_OK && bCatalog ) rc = sqlormTableExists(db, "main", "orm_remote_tables", &bRemote);
  if( rc==SQLITE_OK && bRemote ){
    rc = sqlormQueryNames(db, "SELECT r.model, r.name FROM main.orm_relationships r "
        "LEFT JOIN main.orm_models m ON m.name = r.model "
        "LEFT JOIN main.orm_models t ON t.name = r.target "
        "WHERE EXISTS (SELECT 1 FROM main.orm_remote_tables x WHERE x.name IN "
        "(coalesce(m.tbl, r.model), coalesce(t.tbl, r.target), r.secondary) COLLATE NOCASE) "
        "ORDER BY r.rowid", 0, &models, &names);
  }
  for(i=0; rc==SQLITE_OK && i<models.n; i++){
    OrmRel *p = 0;
    char *zErr = 0;
    rc = sqlormRelLoad(db, models.az[i], names.az[i], &p, &zErr);
    if( rc==SQLITE_OK && !relRecursive(p) ) rc = relCreateTraversal(db, p, &zErr);
    if( rc!=SQLITE_NOMEM ) rc = SQLITE_OK;
    sqlite3_free(zErr);
    sqlormRelFree(p);
  }
  sqlormNamesClear(&models);
  sqlormNamesClear(&names);
  return rc;
}

/* Drops a relationship's objects and its catalog row. */
int sqlormRelDrop(sqlite3 *db, const char *zModel, const char *zName, char **pzErr){
  static const char *azKind[] = { "delete", "setnull", "orphan", "secondary" };
  size_t i;
  int rc = relDropTraversal(db, zModel, zName, pzErr);
  for(i=0; rc==SQLITE_OK && i<sizeof(azKind)/sizeof(azKind[0]); i++){
    rc = sqlormExec(db, pzErr, "DROP TRIGGER IF EXISTS main.\"orm_%w__%w__%w\"",
                    zModel, zName, azKind[i]);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "DELETE FROM main.orm_relationships WHERE model=%Q AND name=%Q",
                    zModel, zName);
  }
  return rc;
}

/* Writes the catalog row, then the traversal table and the triggers. */
int sqlormRelSave(sqlite3 *db, OrmRel *p, char **pzErr){
  sqlite3_str *pStr = sqlite3_str_new(db);
  char *zSql, *zType = 0;
  int bTraverse = 0, bGenerated = 0;
  int rc, i;

  /* The traversal table's name must be free, or be this relationship's own leftover. */
  zSql = sqlite3_mprintf("%s__%s", p->zModel, p->zName);
  rc = zSql ? relObjectType(db, zSql, &zType, &bTraverse) : SQLITE_NOMEM;
  if( rc==SQLITE_OK && zType ){
    OrmNames owner = {0, 0}, ownerName = {0, 0};
    rc = sqlormQueryNames(db, "SELECT model, name FROM main.orm_relationships "
        "WHERE model || '__' || name = ?1 COLLATE NOCASE", zSql, &owner, &ownerName);
    if( rc==SQLITE_OK && owner.n ){
      *pzErr = sqlite3_mprintf("the traversal table %s is already that of relationship %s.%s",
                               zSql, owner.az[0], ownerName.az[0]);
    }else if( rc==SQLITE_OK ){
      *pzErr = sqlite3_mprintf("the traversal table %s would replace the %s of that name, "
                               "which sqlorm did not make", zSql, zType);
    }
    if( rc==SQLITE_OK ) rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    sqlormNamesClear(&owner);
    sqlormNamesClear(&ownerName);
  }
  sqlite3_free(zSql);
  sqlite3_free(zType);
  if( rc!=SQLITE_OK ){
    sqlite3_free(sqlite3_str_finish(pStr));
    return rc;
  }

  sqlite3_str_appendf(pStr, "INSERT INTO main.orm_relationships(model, name, target, direction,"
      " fk_side, local_columns, remote_columns, secondary, secondary_local, secondary_remote,"
      " uselist, cascade, options, origin) VALUES (%Q, %Q, %Q, %Q, %Q, ",
      p->zModel, p->zName, p->zTarget, relDirection(p),
      p->eDir==ORM_M2O ? "local" : p->eDir==ORM_O2M ? "remote" : "secondary");
  {
    char *zA = namesJson(&p->local), *zB = namesJson(&p->remote);
    if( zA==0 || zB==0 ) rc = SQLITE_NOMEM;
    sqlite3_str_appendf(pStr, "%Q, %Q", zA, zB);
    sqlite3_free(zA);
    sqlite3_free(zB);
  }
  if( p->zSecondary ){
    char *zA = namesJson(&p->secLocal), *zB = namesJson(&p->secRemote);
    if( zA==0 || zB==0 ) rc = SQLITE_NOMEM;
    sqlite3_str_appendf(pStr, ", %Q, %Q, %Q", p->zSecondary, zA, zB);
    sqlite3_free(zA);
    sqlite3_free(zB);
  }else{
    sqlite3_str_appendall(pStr, ", NULL, NULL, NULL");
  }
  {
    /* Options as the catalog shows them: only what is set. */
    sqlite3_str *pO = sqlite3_str_new(db);
    char *zOpts;
    sqlite3_str_appendf(pO, "{\"passive_deletes\":%s,\"max_depth\":%d",
                        p->bPassive ? "true" : "false", p->iMaxDepth);
    if( p->zWhere ){
      sqlite3_str_appendall(pO, ",\"where\":");
      sqlormJsonString(pO, p->zWhere, -1);
    }
    if( p->zOrderBy ){
      sqlite3_str_appendall(pO, ",\"order_by\":");
      sqlormJsonString(pO, p->zOrderBy, -1);
    }
    if( p->zBackPopulates ){
      sqlite3_str_appendall(pO, ",\"back_populates\":");
      sqlormJsonString(pO, p->zBackPopulates, -1);
    }
    sqlite3_str_appendchar(pO, 1, '}');
    zOpts = sqlite3_str_finish(pO);
    if( zOpts==0 ) rc = SQLITE_NOMEM;
    sqlite3_str_appendf(pStr, ", %d, %Q, %Q, %Q)", p->bUselist, relCascadeText(p->mCascade),
                        zOpts, p->bAutomap ? "automap" : "user");
    sqlite3_free(zOpts);
  }
  zSql = sqlite3_str_finish(pStr);
  if( zSql==0 || rc!=SQLITE_OK ){
    sqlite3_free(zSql);
    return SQLITE_NOMEM;
  }
  rc = sqlormExec(db, pzErr, "%s", zSql);
  sqlite3_free(zSql);

  if( rc==SQLITE_OK ) rc = relReaders(db, p);     /* automap's relationships come unread */
  if( rc==SQLITE_OK ) rc = relCreateTraversal(db, p, pzErr);
  if( rc==SQLITE_OK && p->eDir==ORM_O2M ){
    OrmTable *pT = 0;
    rc = sqlormTableLoadShallow(db, p->zTargetTable, &pT, pzErr);
    for(i=0; rc==SQLITE_OK && i<p->remote.n; i++){
      if( sqlormNamesFind(&pT->generated, p->remote.az[i])>=0 ) bGenerated = 1;
    }
    sqlormTableFree(pT);
  }
  if( rc==SQLITE_OK ) rc = relCreateTriggers(db, p, bGenerated, pzErr);
  return rc;
}

/* ---- declaring ------------------------------------------------------------------- */

/* The options object, as given. */
typedef struct RelOptions RelOptions;
struct RelOptions {
  char *zLocal, *zRemote, *zSecondary, *zSecLocal, *zSecRemote;   /* JSON */
  int bUselistGiven;
  int bCascadeGiven;
};

static void relOptionsClear(RelOptions *o){
  sqlite3_free(o->zLocal);
  sqlite3_free(o->zRemote);
  sqlite3_free(o->zSecondary);
  sqlite3_free(o->zSecLocal);
  sqlite3_free(o->zSecRemote);
}

/* Reads the options object into o and p, checking each member's name and type. */
static int relParseOptions(sqlite3 *db, const char *zJson, OrmRel *p, RelOptions *o,
                           char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc;
  if( zJson==0 ) return SQLITE_OK;
  rc = sqlite3_prepare_v2(db, "SELECT json_type(?1), key, type, value, atom FROM json_each(?1)",
                          -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  while( rc==SQLITE_OK && (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    const char *zTop = (const char*)sqlite3_column_text(pStmt, 0);
    const char *zKey = (const char*)sqlite3_column_text(pStmt, 1);
    const char *zType = (const char*)sqlite3_column_text(pStmt, 2);
    const char *zVal = (const char*)sqlite3_column_text(pStmt, 3);
    int bText = zType && strcmp(zType, "text")==0;
    int bBool = zType && (strcmp(zType, "true")==0 || strcmp(zType, "false")==0);
    int bCols = bText || (zType && strcmp(zType, "array")==0);
    char **pz = 0;
    rc = SQLITE_OK;
    if( zKey==0 || zType==0 ){
      rc = SQLITE_NOMEM;
      break;
    }
    if( zTop==0 || strcmp(zTop, "object")!=0 ){
      *pzErr = sqlite3_mprintf("options must be a JSON object, not %s", zJson);
      rc = SQLITE_ERROR;
      break;
    }
    if( strcmp(zKey, "local")==0 ) pz = &o->zLocal;
    else if( strcmp(zKey, "remote")==0 ) pz = &o->zRemote;
    else if( strcmp(zKey, "secondary_local")==0 ) pz = &o->zSecLocal;
    else if( strcmp(zKey, "secondary_remote")==0 ) pz = &o->zSecRemote;
    if( pz && *pz ){
      *pzErr = sqlite3_mprintf("option %s is given twice", zKey);
      rc = SQLITE_ERROR;
      break;
    }
    if( pz ){
      if( !bCols ){
        *pzErr = sqlite3_mprintf("option %s must be a column name or an array of them", zKey);
        rc = SQLITE_ERROR;
      }else{
        /* One name is kept as a one-name array: the catalog holds arrays. */
        if( zVal==0 ){
          rc = SQLITE_NOMEM;             /* sqlite3_column_text() ran out of memory */
        }else if( bText ){
          sqlite3_str *pS = sqlite3_str_new(db);
          sqlite3_str_appendchar(pS, 1, '[');
          sqlormJsonString(pS, zVal, -1);
          sqlite3_str_appendchar(pS, 1, ']');
          *pz = sqlite3_str_finish(pS);
        }else{
          *pz = dup(zVal);
        }
        if( rc==SQLITE_OK && *pz==0 ) rc = SQLITE_NOMEM;
      }
      continue;
    }
    if( strcmp(zKey, "uselist")==0 || strcmp(zKey, "passive_deletes")==0 ){
      if( !bBool ){
        *pzErr = sqlite3_mprintf("option %s must be true or false", zKey);
        rc = SQLITE_ERROR;
      }else if( zKey[0]=='u' ){
        p->bUselist = strcmp(zType, "true")==0;
        o->bUselistGiven = 1;
      }else{
        p->bPassive = strcmp(zType, "true")==0;
      }
      continue;
    }
    if( strcmp(zKey, "max_depth")==0 ){
      if( zType==0 || strcmp(zType, "integer")!=0 || sqlite3_column_int64(pStmt, 4)<0 ){
        *pzErr = sqlite3_mprintf("option max_depth must be an integer >= 0 (0: unbounded)");
        rc = SQLITE_ERROR;
      }else{
        p->iMaxDepth = sqlite3_column_int(pStmt, 4);
      }
      continue;
    }
    if( !bText ){
      int bKnown = strcmp(zKey, "secondary")==0 || strcmp(zKey, "where")==0
                || strcmp(zKey, "order_by")==0 || strcmp(zKey, "cascade")==0
                || strcmp(zKey, "back_populates")==0;
      *pzErr = bKnown ? sqlite3_mprintf("option %s must be text", zKey)
                      : sqlite3_mprintf("unknown option %s (known: " REL_OPTIONS ")", zKey);
      rc = SQLITE_ERROR;
    }else if( zVal==0 ){
      rc = SQLITE_NOMEM;
    }else if( (strcmp(zKey, "secondary")==0 && o->zSecondary)
           || (strcmp(zKey, "where")==0 && p->zWhere)
           || (strcmp(zKey, "order_by")==0 && p->zOrderBy)
           || (strcmp(zKey, "cascade")==0 && o->bCascadeGiven)
           || (strcmp(zKey, "back_populates")==0 && p->zBackPopulates) ){
      *pzErr = sqlite3_mprintf("option %s is given twice", zKey);
      rc = SQLITE_ERROR;
    }else if( strcmp(zKey, "secondary")==0 ){
      rc = dupInto(&o->zSecondary, zVal);
    }else if( strcmp(zKey, "where")==0 ){
      rc = dupInto(&p->zWhere, zVal);
    }else if( strcmp(zKey, "order_by")==0 ){
      rc = dupInto(&p->zOrderBy, zVal);
    }else if( strcmp(zKey, "cascade")==0 ){
      o->bCascadeGiven = 1;
      rc = relParseCascade(zVal, &p->mCascade, pzErr);
    }else if( strcmp(zKey, "back_populates")==0 ){
      rc = dupInto(&p->zBackPopulates, zVal);
    }else{
      *pzErr = sqlite3_mprintf("unknown option %s (known: " REL_OPTIONS ")", zKey);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("options must be a JSON object, not %s", zJson);
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Describes a FOREIGN KEY for an error message: "addresses(user_id) -> users(id)". */
static void relFkText(sqlite3_str *pStr, const char *zFrom, const OrmFk *pFk){
  sqlite3_str_appendf(pStr, "%s(", zFrom);
  sqlormNamesSql(pStr, 0, &pFk->from, ", ");
  sqlite3_str_appendf(pStr, ") -> %s(", pFk->zTo);
  sqlormNamesSql(pStr, 0, &pFk->to, ", ");
  sqlite3_str_appendall(pStr, ")");
}

/* Finds the one FOREIGN KEY of pFrom that references zTo (and, when pCols is not empty,
** whose referencing columns are pCols). NULL with an error when there is none or more. */
static const OrmFk *relFindFk(const OrmTable *pFrom, const char *zTo, const OrmNames *pCols,
                              const char *zHint, char **pzErr){
  const OrmFk *pFound = 0;
  int i, n = 0;
  for(i=0; i<pFrom->nFk; i++){
    const OrmFk *pFk = &pFrom->aFk[i];
    if( sqlite3_stricmp(pFk->zTo, zTo)!=0 ) continue;
    if( pCols->n && !sqlormNamesSameSet(&pFk->from, pCols) ) continue;
    pFound = pFk;
    n++;
  }
  if( n==1 ) return pFound;
  if( n==0 ){
    *pzErr = sqlite3_mprintf("no FOREIGN KEY from %s to %s: %s", pFrom->zName, zTo, zHint);
  }else{
    sqlite3_str *pStr = sqlite3_str_new(0);
    sqlite3_str_appendf(pStr, "%d FOREIGN KEYs from %s to %s (", n, pFrom->zName, zTo);
    for(i=0, n=0; i<pFrom->nFk; i++){
      if( sqlite3_stricmp(pFrom->aFk[i].zTo, zTo)!=0 ) continue;
      if( n++ ) sqlite3_str_appendall(pStr, "; ");
      relFkText(pStr, pFrom->zName, &pFrom->aFk[i]);
    }
    sqlite3_str_appendf(pStr, "): %s", zHint);
    *pzErr = sqlite3_str_finish(pStr);
  }
  return 0;
}

/* Copies a FOREIGN KEY's columns in the order of pWant (a permutation of one side). */
static int relFkOrdered(const OrmFk *pFk, OrmNames *pFrom, OrmNames *pTo){
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<pFk->from.n; i++){
    rc = sqlormNamesAdd(pFrom, pFk->from.az[i]);
    if( rc==SQLITE_OK ) rc = sqlormNamesAdd(pTo, pFk->to.az[i]);
  }
  return rc;
}

/* One side of a many-to-many: the association table's FOREIGN KEY to pTab, or the
** given association columns (pGiveSec), which match pGive or else pTab's key. */
static int relSecondarySide(const OrmTable *pSec, const OrmTable *pTab,
                            const OrmNames *pGiveSec, const OrmNames *pGive,
                            const char *zSecOpt, const char *zOpt,
                            OrmNames *pSecOut, OrmNames *pOut, char **pzErr){
  char *zHint = sqlite3_mprintf("give %s (and %s, unless it is the key of %s)", zSecOpt, zOpt,
                                pTab->zName);
  const OrmFk *pFk;
  int rc = SQLITE_OK;
  if( zHint==0 ) return SQLITE_NOMEM;
  pFk = relFindFk(pSec, pTab->zName, pGiveSec, zHint, pzErr);
  sqlite3_free(zHint);
  if( pFk && (pGive->n==0 || sqlormNamesSameSet(&pFk->to, pGive)) ){
    rc = relFkOrdered(pFk, pSecOut, pOut);
  }else if( pFk && pGiveSec->n==0 ){
    sqlite3_free(*pzErr);
    *pzErr = sqlite3_mprintf("%s of %s do not match the FOREIGN KEY of %s: give %s too",
                             zOpt, pTab->zName, pSec->zName, zSecOpt);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }else if( pGiveSec->n ){
    sqlite3_free(*pzErr);
    *pzErr = 0;
    rc = sqlormNamesCopy(pSecOut, pGiveSec);
    if( rc==SQLITE_OK ) rc = sqlormNamesCopy(pOut, pGive->n ? pGive : &pTab->key);
  }else{
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  return rc;
}

/* Works out the columns and the direction of p from the options and the FOREIGN KEYs. */
static int relResolve(sqlite3 *db, OrmRel *p, RelOptions *o, OrmTable *pModel,
                      OrmTable *pTarget, char **pzErr){
  OrmNames giveLocal = {0, 0}, giveRemote = {0, 0};
  int rc = sqlormNamesFromJson(db, o->zLocal, &giveLocal, pzErr);
  int bSelf = sqlite3_stricmp(pModel->zName, pTarget->zName)==0;
  if( rc==SQLITE_OK ) rc = sqlormNamesFromJson(db, o->zRemote, &giveRemote, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormTableCheckColumns(pModel, &giveLocal, "local", pzErr);
  if( rc==SQLITE_OK ) rc = sqlormTableCheckColumns(pTarget, &giveRemote, "remote", pzErr);

  if( rc==SQLITE_OK && o->zSecondary ){
    /* Many-to-many through an association table. */
    OrmTable *pSec = 0;
    OrmNames giveSL = {0, 0}, giveSR = {0, 0};
    p->eDir = ORM_M2M;
    rc = sqlormTableLoad(db, o->zSecondary, &pSec, pzErr);
    if( rc!=SQLITE_OK ){
      char *z = sqlite3_mprintf("secondary: %s", *pzErr);
      sqlite3_free(*pzErr);
      *pzErr = z;
    }
    if( rc==SQLITE_OK ) rc = dupInto(&p->zSecondary, pSec->zName);
    if( rc==SQLITE_OK ) rc = sqlormNamesFromJson(db, o->zSecLocal, &giveSL, pzErr);
    if( rc==SQLITE_OK ) rc = sqlormNamesFromJson(db, o->zSecRemote, &giveSR, pzErr);
    if( rc==SQLITE_OK ) rc = sqlormTableCheckColumns(pSec, &giveSL, "secondary_local", pzErr);
    if( rc==SQLITE_OK ) rc = sqlormTableCheckColumns(pSec, &giveSR, "secondary_remote", pzErr);
    if( rc==SQLITE_OK && bSelf && (giveSL.n==0 || giveSR.n==0) ){
      *pzErr = sqlite3_mprintf("%s joins %s to itself: give secondary_local and "
                               "secondary_remote", pSec->zName, pModel->zName);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      rc = relSecondarySide(pSec, pModel, &giveSL, &giveLocal, "secondary_local", "local",
                            &p->secLocal, &p->local, pzErr);
    }
    if( rc==SQLITE_OK ){
      rc = relSecondarySide(pSec, pTarget, &giveSR, &giveRemote, "secondary_remote", "remote",
                            &p->secRemote, &p->remote, pzErr);
    }
    if( rc==SQLITE_OK && (p->secLocal.n!=p->local.n || p->secRemote.n!=p->remote.n) ){
      *pzErr = sqlite3_mprintf("secondary columns and the columns they match differ in number");
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK && !o->bUselistGiven ) p->bUselist = 1;
    sqlormNamesClear(&giveSL);
    sqlormNamesClear(&giveSR);
    sqlormTableFree(pSec);
  }else if( rc==SQLITE_OK && (giveLocal.n || giveRemote.n) ){
    /* Explicit columns; the side that is not given is that table's key. Which table
    ** holds the reference: the one with a FOREIGN KEY on these columns, else the one
    ** whose columns are not a key. */
    const OrmNames *pL = giveLocal.n ? &giveLocal : &pModel->key;
    const OrmNames *pR = giveRemote.n ? &giveRemote : &pTarget->key;
    int bLocalUnique = sqlormTableIsUnique(pModel, pL);
    int bRemoteUnique = sqlormTableIsUnique(pTarget, pR);
    if( pL->n!=pR->n ){
      *pzErr = sqlite3_mprintf("local has %d column%s and remote %d: they must pair up",
                               pL->n, pL->n==1 ? "" : "s", pR->n);
      rc = SQLITE_ERROR;
    }else{
      int i, bLocalFk = 0, bRemoteFk = 0;
      for(i=0; i<pModel->nFk; i++){
        if( sqlite3_stricmp(pModel->aFk[i].zTo, pTarget->zName)==0
         && sqlormNamesSameSet(&pModel->aFk[i].from, pL) ) bLocalFk = 1;
      }
      for(i=0; i<pTarget->nFk; i++){
        if( sqlite3_stricmp(pTarget->aFk[i].zTo, pModel->zName)==0
         && sqlormNamesSameSet(&pTarget->aFk[i].from, pR) ) bRemoteFk = 1;
      }
      if( bLocalFk && !bRemoteFk ) p->eDir = ORM_M2O;
      else if( bRemoteFk && !bLocalFk ) p->eDir = ORM_O2M;
      else if( giveLocal.n && !giveRemote.n ) p->eDir = ORM_M2O;
      else if( giveRemote.n && !giveLocal.n ) p->eDir = ORM_O2M;
      else p->eDir = (bRemoteUnique && !bLocalUnique) ? ORM_M2O : ORM_O2M;
      rc = sqlormNamesCopy(&p->local, pL);
      if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->remote, pR);
      p->bOneToOne = bLocalUnique && bRemoteUnique;
      if( !o->bUselistGiven ) p->bUselist = p->eDir==ORM_O2M && !p->bOneToOne;
    }
  }else if( rc==SQLITE_OK ){
    /* From the FOREIGN KEY between the two tables: exactly one must exist. */
    int i, nFound = 0;
    const OrmFk *pFk = 0;
    int eDir = 0;
    if( bSelf ){
      *pzErr = sqlite3_mprintf("%s refers to itself: give local (many-to-one) or remote "
                               "(one-to-many)", pModel->zName);
      rc = SQLITE_ERROR;
    }
    for(i=0; rc==SQLITE_OK && i<pModel->nFk; i++){
      if( sqlite3_stricmp(pModel->aFk[i].zTo, pTarget->zName)==0 ){
        pFk = &pModel->aFk[i]; eDir = ORM_M2O; nFound++;
      }
    }
    for(i=0; rc==SQLITE_OK && i<pTarget->nFk; i++){
      if( sqlite3_stricmp(pTarget->aFk[i].zTo, pModel->zName)==0 ){
        pFk = &pTarget->aFk[i]; eDir = ORM_O2M; nFound++;
      }
    }
    if( rc==SQLITE_OK && nFound!=1 ){
      *pzErr = nFound==0
        ? sqlite3_mprintf("no FOREIGN KEY between %s and %s: give local and remote columns",
                          pModel->zName, pTarget->zName)
        : sqlite3_mprintf("%d FOREIGN KEYs between %s and %s: give local or remote to choose",
                          nFound, pModel->zName, pTarget->zName);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      p->eDir = eDir;
      rc = eDir==ORM_M2O ? relFkOrdered(pFk, &p->local, &p->remote)
                         : relFkOrdered(pFk, &p->remote, &p->local);
      p->bOneToOne = eDir==ORM_M2O ? sqlormTableIsUnique(pModel, &p->local)
                                   : sqlormTableIsUnique(pTarget, &p->remote);
      if( !o->bUselistGiven ) p->bUselist = eDir==ORM_O2M && !p->bOneToOne;
    }
  }
  sqlormNamesClear(&giveLocal);
  sqlormNamesClear(&giveRemote);
  return rc;
}

/* A many-to-one's mirror is a one-to-many over the same columns, and so on. */
static int relIsMirror(const OrmRel *a, const OrmRel *b){
  if( sqlite3_stricmp(a->zTargetTable, b->zTable)!=0 ) return 0;
  if( sqlite3_stricmp(a->zTable, b->zTargetTable)!=0 ) return 0;
  if( a->eDir==ORM_M2M ){
    return b->eDir==ORM_M2M && sqlite3_stricmp(a->zSecondary, b->zSecondary)==0
        && sqlormNamesEqual(&a->secLocal, &b->secRemote)
        && sqlormNamesEqual(&a->secRemote, &b->secLocal)
        && sqlormNamesEqual(&a->local, &b->remote) && sqlormNamesEqual(&a->remote, &b->local);
  }
  if( b->eDir==ORM_M2M || a->eDir==b->eDir ) return 0;
  /* Pairs may be listed in another order: compare them as pairs. */
  {
    int i, j;
    if( a->local.n!=b->remote.n ) return 0;
    for(i=0; i<a->local.n; i++){
      j = sqlormNamesFind(&b->remote, a->local.az[i]);
      if( j<0 || sqlite3_stricmp(b->local.az[j], a->remote.az[i])!=0 ) return 0;
    }
  }
  return 1;
}

/* The checks a declared relationship must pass against the catalog and the schema. */
static int relValidate(sqlite3 *db, OrmRel *p, OrmTable *pModel, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  char *zFrom;
  int rc = SQLITE_OK;
  if( sqlormNamesFind(&pModel->cols, p->zName)>=0 ){
    *pzErr = sqlite3_mprintf("relationship name %s collides with column %s.%s",
                             p->zName, pModel->zName, p->zName);
    return SQLITE_ERROR;
  }
  if( p->eDir==ORM_M2O && p->mCascade ){
    *pzErr = sqlite3_mprintf("cascade on the many-to-one %s.%s would delete the parent with "
        "a child: declare it on the one-to-many side", p->zModel, p->zName);
    return SQLITE_ERROR;
  }
  if( p->eDir==ORM_M2M && (p->mCascade & ORM_CASCADE_ORPHAN) ){
    *pzErr = sqlite3_mprintf("delete-orphan needs a one-to-many: %s.%s is many-to-many",
                             p->zModel, p->zName);
    return SQLITE_ERROR;
  }
  /* where and order_by read the target as the traversal does: through its view, if any. */
  rc = relReaders(db, p);
  if( rc!=SQLITE_OK ) return rc;
  zFrom = sqlite3_mprintf("main.\"%w\" AS \"%w\"", relTargetFrom(p), p->zTargetTable);
  if( zFrom==0 ) return SQLITE_NOMEM;
  if( p->zWhere ) rc = sqlormCheckExpr(db, p->zWhere, zFrom, "where", 0, pzErr);
  if( rc==SQLITE_OK && p->zOrderBy ){
    rc = sqlormCheckOrderBy(db, p->zOrderBy, zFrom, "order_by", pzErr);
  }
  sqlite3_free(zFrom);
  if( rc!=SQLITE_OK ) return rc;

  /* The filter and the order are compiled where they will run: in the children's query
  ** and in the view, which join other tables (an unqualified name may be ambiguous there,
  ** an aggregate is misused there). */
  if( p->zWhere || p->zOrderBy ){
    char *azSql[2];
    int k;
    azSql[0] = sqlormRelChildrenSql(p, 0);
    azSql[1] = relRecursive(p) ? 0 : relViewSelect(p);
    if( azSql[0]==0 || (azSql[1]==0 && !relRecursive(p)) ) rc = SQLITE_NOMEM;
    for(k=0; rc==SQLITE_OK && k<2; k++){
      sqlite3_stmt *pCheck = 0;
      if( azSql[k]==0 ) continue;
      rc = sqlite3_prepare_v2(db, azSql[k], -1, &pCheck, 0);
      if( rc!=SQLITE_OK ){
        *pzErr = sqlite3_mprintf("%s does not fit the relationship's %s (%s): qualify columns "
            "with the target's table name (%s.column)", p->zWhere ? "where" : "order_by",
            k==0 ? "query" : "view", sqlite3_errmsg(db), p->zTargetTable);
      }
      sqlite3_finalize(pCheck);
    }
    sqlite3_free(azSql[0]);
    sqlite3_free(azSql[1]);
    if( rc!=SQLITE_OK ) return rc;
  }

  /* The traversal's columns: source (and source_<k>) must not hide a target column. */
  {
    OrmTable *pT = 0;
    rc = sqlormTableLoadShallow(db, p->zTargetTable, &pT, pzErr);
    if( rc==SQLITE_OK && sqlormNamesFind(&pT->cols, "source")>=0 ){
      *pzErr = sqlite3_mprintf("table %s has a column named source, which the traversal "
                               "table %s__%s needs for the parent's key", pT->zName,
                               p->zModel, p->zName);
      rc = SQLITE_ERROR;
    }
    sqlormTableFree(pT);
    if( rc!=SQLITE_OK ) return rc;
  }

  /* back_populates: the mirror, if it is already declared. */
  if( p->zBackPopulates ){
    OrmRel *pBack = 0;
    char *zIgnore = 0;
    rc = sqlormRelLoad(db, p->zTarget, p->zBackPopulates, &pBack, &zIgnore);
    if( rc==ORM_NOTFOUND ){
      rc = SQLITE_OK;                 /* declared later: checked from that side */
    }else if( rc!=SQLITE_OK ){
      *pzErr = zIgnore;
      zIgnore = 0;
    }else{
      if( !relIsMirror(p, pBack) ){
        *pzErr = sqlite3_mprintf("back_populates: %s.%s is not the mirror of %s.%s (it joins "
            "other columns or tables)", p->zTarget, p->zBackPopulates, p->zModel, p->zName);
        rc = SQLITE_ERROR;
      }else if( pBack->zBackPopulates && strcmp(pBack->zBackPopulates, p->zName)!=0 ){
        *pzErr = sqlite3_mprintf("back_populates: %s.%s already back-populates %s.%s",
            p->zTarget, p->zBackPopulates, p->zModel, pBack->zBackPopulates);
        rc = SQLITE_ERROR;
      }
      sqlormRelFree(pBack);
    }
    sqlite3_free(zIgnore);
  }
  /* Relationships that say they back-populate this one must be its mirror. */
  if( rc==SQLITE_OK ){
    OrmNames models = {0, 0}, names = {0, 0};
    int i;
    rc = sqlite3_prepare_v2(db, "SELECT model, name FROM main.orm_relationships WHERE "
        "target=?1 AND options->>'$.back_populates'=?2 COLLATE NOCASE", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      sqlite3_bind_text(pStmt, 1, p->zModel, -1, SQLITE_STATIC);
      sqlite3_bind_text(pStmt, 2, p->zName, -1, SQLITE_STATIC);
      while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
        rc = sqlormNamesAdd(&models, (const char*)sqlite3_column_text(pStmt, 0));
        if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&names, (const char*)sqlite3_column_text(pStmt, 1));
        if( rc!=SQLITE_OK ) break;
      }
      if( rc==SQLITE_DONE ) rc = SQLITE_OK;
      sqlite3_finalize(pStmt);
    }
    for(i=0; rc==SQLITE_OK && i<names.n; i++){
      OrmRel *pBack = 0;
      rc = sqlormRelLoad(db, models.az[i], names.az[i], &pBack, pzErr);
      if( rc==SQLITE_OK && !relIsMirror(p, pBack) && pBack->bAutomap ){
        /* automap's pairing gives way to a declaration; its next run pairs them again */
        rc = sqlormExec(db, pzErr, "UPDATE main.orm_relationships SET options = "
            "json_remove(options, '$.back_populates') WHERE model=%Q AND name=%Q",
            models.az[i], names.az[i]);
      }else if( rc==SQLITE_OK && !relIsMirror(p, pBack) ){
        *pzErr = sqlite3_mprintf("%s.%s back-populates %s.%s, but %s.%s would not be its "
            "mirror (it joins other columns or tables)", models.az[i], names.az[i],
            p->zModel, p->zName, p->zModel, p->zName);
        rc = SQLITE_ERROR;
      }
      sqlormRelFree(pBack);
    }
    sqlormNamesClear(&models);
    sqlormNamesClear(&names);
  }
  return rc;
}

/* Who owns relationship zModel.zName, into *peOwner: 0 none, 1 the user, 2 automap. */
static int relOwner(sqlite3 *db, const char *zModel, const char *zName, int *peOwner){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT origin='automap' FROM main.orm_relationships "
                              "WHERE model=?1 AND name=?2", -1, &pStmt, 0);
  *peOwner = 0;
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zModel, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zName, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    *peOwner = sqlite3_column_int(pStmt, 0) ? 2 : 1;
    rc = SQLITE_OK;
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* orm_relationship(model, name, target [, options]) */
static void ormRelationshipFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_relationship";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zModel, *zName, *zTarget, *zOpts = 0;
  OrmRel *p = 0;
  OrmTable *pModel = 0, *pTarget = 0;
  RelOptions o;
  char *zErr = 0;
  int rc;

  memset(&o, 0, sizeof(o));
  if( sqlormArgText(ctx, argv, 0, zFunc, "model", &zModel)
   || sqlormArgText(ctx, argv, 1, zFunc, "name", &zName)
   || sqlormArgText(ctx, argv, 2, zFunc, "target", &zTarget)
   || (argc>3 && sqlite3_value_type(argv[3])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 3, zFunc, "options", &zOpts)) ){
    return;
  }
  if( zName[0]==0 ){
    sqlite3_result_error(ctx, "orm_relationship: name must not be empty", -1);
    return;
  }
  p = sqlite3_malloc(sizeof(OrmRel));
  if( p==0 ){ sqlite3_result_error_nomem(ctx); return; }
  memset(p, 0, sizeof(*p));
  p->iMaxDepth = 1;
  if( dupInto(&p->zName, zName) ){
    sqlormRelFree(p);
    sqlite3_result_error_nomem(ctx);
    return;
  }

  rc = sqlormSavepointBegin(db, &zErr);
  if( rc!=SQLITE_OK ){
    sqlormRelFree(p);
    sqlormResultError(ctx, zFunc, rc, zErr);
    return;
  }
  rc = sqlormModelTable(db, zModel, 1, &p->zTable, &zErr);
  if( rc==SQLITE_OK ){
    rc = sqlormModelTable(db, zTarget, 1, &p->zTargetTable, &zErr);
    if( rc!=SQLITE_OK ){
      char *z = sqlite3_mprintf("target: %s", zErr);
      sqlite3_free(zErr);
      zErr = z;
    }
  }
  /* Implicit models are named after their tables, as the schema spells them. */
  if( rc==SQLITE_OK ){
    rc = dupInto(&p->zModel, sqlite3_stricmp(zModel, p->zTable)==0 ? p->zTable : zModel);
  }
  if( rc==SQLITE_OK ){
    rc = dupInto(&p->zTarget,
                 sqlite3_stricmp(zTarget, p->zTargetTable)==0 ? p->zTargetTable : zTarget);
  }
  if( rc==SQLITE_OK ) rc = relParseOptions(db, zOpts, p, &o, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormTableLoad(db, p->zTable, &pModel, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormTableLoad(db, p->zTargetTable, &pTarget, &zErr);
  if( rc==SQLITE_OK ) rc = relResolve(db, p, &o, pModel, pTarget, &zErr);
  if( rc==SQLITE_OK ){
    rc = sqlormNamesCopy(&p->key, &pModel->key);
    if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->targetKey, &pTarget->key);
  }
  if( rc==SQLITE_OK ){
    int eOwner = 0;
    rc = relOwner(db, p->zModel, p->zName, &eOwner);
    if( rc!=SQLITE_OK ){
      /* reading the catalog failed: rc says why */
    }else if( eOwner==1 ){
      zErr = sqlite3_mprintf("relationship %s.%s already exists: orm_drop it first",
                             p->zModel, p->zName);
      rc = SQLITE_ERROR;
    }else if( eOwner==2 ){
      /* A declaration takes over what automap made under the same name. */
      rc = sqlormRelDrop(db, p->zModel, p->zName, &zErr);
    }
  }
  if( rc==SQLITE_OK ) rc = relValidate(db, p, pModel, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormRelSave(db, p, &zErr);
  rc = sqlormSavepointEnd(db, rc, &zErr);
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, relDirection(p), -1, SQLITE_STATIC);
  }else{
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
  relOptionsClear(&o);
  sqlormTableFree(pModel);
  sqlormTableFree(pTarget);
  sqlormRelFree(p);
}

/* Drops every relationship of model zModel and every relationship that targets it. */
static int relDropModel(sqlite3 *db, const char *zModel, int bCascade, char **pzErr){
  OrmNames models = {0, 0}, names = {0, 0}, hybrids = {0, 0};
  int i;
  int rc = sqlormQueryNames(db, "SELECT model, name FROM main.orm_relationships "
                            "WHERE model=?1 OR target=?1", zModel, &models, &names);
  for(i=0; rc==SQLITE_OK && i<models.n; i++){
    rc = sqlormRelDrop(db, models.az[i], names.az[i], pzErr);
  }
  /* Its hybrids (generated columns hold no data of their own), then its view. */
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT name FROM main.orm_hybrids WHERE model=?1 "
                          "ORDER BY rowid DESC", zModel, &hybrids, 0);
  }
  for(i=0; rc==SQLITE_OK && i<hybrids.n; i++){
    rc = sqlormHybridDrop(db, zModel, hybrids.az[i], bCascade, pzErr);
  }
  sqlormNamesClear(&hybrids);
  if( rc==SQLITE_OK ) rc = sqlormVersionForget(db, zModel, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormModelDropView(db, zModel, pzErr);
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "DELETE FROM main.orm_models WHERE name=%Q", zModel);
  }
  sqlormNamesClear(&models);
  sqlormNamesClear(&names);
  return rc;
}

/* orm_drop(model [, name [, options]]): a relationship or a hybrid, or a model with all it
** has and all that targets it. The tables' rows are never touched (a hybrid column is
** generated: it holds none). '{"cascade":true}' drops a hybrid column's indexes with it.
** Returns what it dropped. */
static void ormDropFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_drop";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zModel, *zName = 0, *zOpts = 0;
  char *zErr = 0, *zResult = 0;
  int rc, bCascade = 0;
  if( sqlormArgText(ctx, argv, 0, zFunc, "model", &zModel)
   || (argc>1 && sqlite3_value_type(argv[1])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 1, zFunc, "name", &zName))
   || (argc>2 && sqlite3_value_type(argv[2])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 2, zFunc, "options", &zOpts)) ){
    return;
  }
  if( zOpts ){
    /* One option: cascade, to drop what depends on a hybrid (its indexes) with it. */
    if( strcmp(zOpts, "{\"cascade\":true}")==0 ){
      bCascade = 1;
    }else if( strcmp(zOpts, "{}")!=0 && strcmp(zOpts, "{\"cascade\":false}")!=0 ){
      sqlite3_result_error(ctx, "orm_drop: options must be {\"cascade\":true} or "
                                "{\"cascade\":false}", -1);
      return;
    }
  }
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK ){
    OrmNames found = {0, 0};
    int eOwner = 0;
    rc = sqlormQueryNames(db, "SELECT name FROM main.orm_models WHERE name=?1", zModel,
                          &found, 0);
    if( rc==SQLITE_OK && found.n==0 ){
      zErr = sqlite3_mprintf("no model %s", zModel);
      rc = SQLITE_ERROR;
    }else if( rc==SQLITE_OK && zName ){
      rc = relOwner(db, zModel, zName, &eOwner);
      if( rc!=SQLITE_OK ){
        /* reading the catalog failed */
      }else if( eOwner==0 ){
        rc = sqlormHybridDrop(db, zModel, zName, bCascade, &zErr);
        if( rc==SQLITE_DONE ){
          zErr = sqlite3_mprintf("model %s has no relationship or hybrid %s", zModel, zName);
          rc = SQLITE_ERROR;
        }else if( rc==SQLITE_OK ){
          zResult = sqlite3_mprintf("dropped hybrid %s.%s", zModel, zName);
          if( zResult==0 ) rc = SQLITE_NOMEM;
        }
      }else{
        rc = sqlormRelDrop(db, zModel, zName, &zErr);
      }
    }else if( rc==SQLITE_OK ){
      rc = relDropModel(db, zModel, bCascade, &zErr);
    }
    sqlormNamesClear(&found);
    /* The result is made before the savepoint is released: once that commits, nothing
    ** may fail. */
    if( rc==SQLITE_OK && zResult==0 ){
      zResult = zName ? sqlite3_mprintf("dropped relationship %s.%s", zModel, zName)
                      : sqlite3_mprintf("dropped model %s", zModel);
      if( zResult==0 ) rc = SQLITE_NOMEM;
    }
    rc = sqlormSavepointEnd(db, rc, &zErr);
  }
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, zResult, -1, sqlite3_free);
  }else{
    sqlite3_free(zResult);
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
}

int sqlormRelationshipRegister(sqlite3 *db){
  /* Definitions change the schema: DIRECTONLY, so no view or trigger can call them. */
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlormCreateFunction(db, "orm_relationship", 3, flags, ormRelationshipFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_relationship", 4, flags, ormRelationshipFunc);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_drop", 1, flags, ormDropFunc);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_drop", 2, flags, ormDropFunc);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_drop", 3, flags, ormDropFunc);
  }
  return rc;
}
