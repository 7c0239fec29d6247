/*
** model.c: named models and model views: orm_model(), and the view that carries what a
** table cannot hold (column properties, later inheritance filters and soft deletes).
**
** Usage:
**   SELECT orm_model('User', '{"table":"users"}');   -- a model with its own name: view "User"
**   SELECT * FROM "User" WHERE address_count > 2;     -- its columns and column properties
**   INSERT INTO "User"(first_name, last_name) VALUES ('Ada', 'L');   -- writes users
**   SELECT orm_model('users', '{"view":"users_full"}'); -- the view name of a table's model
**
** How it works: a model's view is `SELECT "T".*, (property) AS "name", ... FROM "T"`, built
** again from the catalog whenever the model's definition changes, so the planner flattens
** it into the query that uses it. A model named as its table gets a view only when it needs
** one (a column property), named by the "view" option or <table>_view. INSTEAD OF triggers
** (orm_<view>__insert|update|delete) write the table: an INSERT leaves out the columns it
** does not set, by giving them their DEFAULT (SQLite hands a trigger NULL for them, so an
** explicit NULL into a column with a DEFAULT also gets the DEFAULT).
*/
#include "sqlorm.h"
#include <string.h>

/* What the catalog says of a model. */
typedef struct ModelInfo ModelInfo;
struct ModelInfo {
  char *zName;
  char *zTable;
  char *zViewOpt;         /* options.view */
  int bHasView;           /* options.has_view: sqlorm made the view ... */
  char *zMadeView;        /* ... under this name */
  char *zSoftDelete;      /* options.soft_delete: the column a DELETE sets */
  char *zCreated;         /* options.timestamps.created / .updated: maintained columns */
  char *zUpdated;
  OrmNames rules, ruleExprs;  /* options.validate: name -> expression */
  char *zInherits;        /* options.inherits: the parent model (single-table inheritance) */
  char *zIdentity;        /* options.identity: this model's discriminator value */
  char *zPolyOn;          /* options.polymorphic_on: the discriminator column, if its own */
};

static void modelInfoClear(ModelInfo *m){
  sqlite3_free(m->zName);
  sqlite3_free(m->zTable);
  sqlite3_free(m->zViewOpt);
  sqlite3_free(m->zSoftDelete);
  sqlite3_free(m->zMadeView);
  sqlite3_free(m->zInherits);
  sqlite3_free(m->zIdentity);
  sqlite3_free(m->zPolyOn);
  sqlite3_free(m->zCreated);
  sqlite3_free(m->zUpdated);
  sqlormNamesClear(&m->rules);
  sqlormNamesClear(&m->ruleExprs);
  memset(m, 0, sizeof(*m));
}

static int modelInfoLoad(sqlite3 *db, const char *zModel, ModelInfo *m, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT name, tbl, options->>'$.view', "
      "options->>'$.has_view' IS NOT NULL, options->>'$.soft_delete', "
      "options->>'$.timestamps.created', options->>'$.timestamps.updated', "
      "options->>'$.has_view', options->>'$.inherits', options->>'$.identity', "
      "options->>'$.polymorphic_on' FROM main.orm_models WHERE name=?1", -1, &pStmt, 0);
  memset(m, 0, sizeof(*m));
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zModel, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    const char *zView = (const char*)sqlite3_column_text(pStmt, 2);
    m->zName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
    m->zTable = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
    m->zViewOpt = zView ? sqlite3_mprintf("%s", zView) : 0;
    m->bHasView = sqlite3_column_int(pStmt, 3);
    rc = (m->zName && m->zTable && (zView==0 || m->zViewOpt)) ? SQLITE_OK : SQLITE_NOMEM;
    if( rc==SQLITE_OK ){
      const char *z4 = (const char*)sqlite3_column_text(pStmt, 4);
      const char *z5 = (const char*)sqlite3_column_text(pStmt, 5);
      const char *z6 = (const char*)sqlite3_column_text(pStmt, 6);
      const char *z7 = (const char*)sqlite3_column_text(pStmt, 7);
      if( z7 ){
        m->zMadeView = sqlite3_mprintf("%s", z7);
        if( m->zMadeView==0 ) rc = SQLITE_NOMEM;
      }
      char **apz[3];
      int k;
      apz[0] = &m->zInherits; apz[1] = &m->zIdentity; apz[2] = &m->zPolyOn;
      for(k=0; k<3; k++){
        const char *z = (const char*)sqlite3_column_text(pStmt, 8+k);
        if( z ){
          *apz[k] = sqlite3_mprintf("%s", z);
          if( *apz[k]==0 ) rc = SQLITE_NOMEM;
        }
      }
      if( z4 ) m->zSoftDelete = sqlite3_mprintf("%s", z4);
      if( z5 ) m->zCreated = sqlite3_mprintf("%s", z5);
      if( z6 ) m->zUpdated = sqlite3_mprintf("%s", z6);
      if( (z4 && !m->zSoftDelete) || (z5 && !m->zCreated) || (z6 && !m->zUpdated) ){
        rc = SQLITE_NOMEM;
      }
    }
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT key, value FROM json_each((SELECT options FROM "
          "main.orm_models WHERE name=?1), '$.validate') ORDER BY key", zModel,
          &m->rules, &m->ruleExprs);
    }
  }else if( rc==SQLITE_DONE ){
    *pzErr = sqlite3_mprintf("no model %s", zModel);
    rc = *pzErr ? ORM_NOTFOUND : SQLITE_NOMEM;
  }
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ) modelInfoClear(m);
  return rc;
}

/* The name of the model's view (sqlite3_malloc'd): the model's own name, or for a model
** named as its table the "view" option or <table>_view. */
static char *modelViewName(const ModelInfo *m){
  if( sqlite3_stricmp(m->zName, m->zTable)!=0 ) return sqlite3_mprintf("%s", m->zName);
  if( m->zViewOpt ) return sqlite3_mprintf("%s", m->zViewOpt);
  return sqlite3_mprintf("%s_view", m->zTable);
}

/* Drops the model's view and its triggers (which go with it). */
static int modelDropView(sqlite3 *db, ModelInfo *m, char **pzErr){
  int rc;
  if( !m->bHasView ) return SQLITE_OK;
  /* The view as it was made: an earlier "view" option may have named it otherwise. */
  rc = sqlormExec(db, pzErr, "DROP VIEW IF EXISTS main.\"%w\";"
      "UPDATE main.orm_models SET options = json_remove(options, '$.has_view') WHERE name=%Q",
      m->zMadeView ? m->zMadeView : "", m->zName);
  m->bHasView = 0;
  return rc;
}

/* Drops what a model made: its view (with its INSTEAD OF triggers) and its triggers on
** the table. */
static int modelDropObjects(sqlite3 *db, ModelInfo *m, char **pzErr){
  int rc = modelDropView(db, m, pzErr);
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "DROP TRIGGER IF EXISTS main.\"orm_%w__timestamps_insert\";"
        "DROP TRIGGER IF EXISTS main.\"orm_%w__timestamps_update\";"
        "DROP TRIGGER IF EXISTS main.\"orm_%w__validate_insert\";"
        "DROP TRIGGER IF EXISTS main.\"orm_%w__validate_update\";",
        m->zName, m->zName, m->zName, m->zName);
  }
  return rc;
}

/* The models zModel inherits from, nearest first, zModel included (at most 64 deep). */
static int modelAncestors(sqlite3 *db, const char *zModel, OrmNames *p){
  return sqlormQueryNames(db, "WITH RECURSIVE up(name, depth) AS (SELECT ?1, 0 UNION ALL "
      "SELECT m.options->>'$.inherits', up.depth+1 FROM main.orm_models m JOIN up "
      "ON m.name = up.name WHERE m.options->>'$.inherits' IS NOT NULL AND up.depth < 64) "
      "SELECT name FROM up ORDER BY depth", zModel, p, 0);
}

/* The INSTEAD OF triggers that make the view writable. Column properties are read-only:
** an UPDATE that changes one, or an INSERT that sets one, is refused. */
static int modelViewTriggers(sqlite3 *db, const char *zView, const OrmTable *pTab,
                             const OrmNames *pProps, const char *zSoftDelete,
                             const char *zDisc, const char *zIdentity, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *pIns = sqlite3_str_new(db), *pVal = sqlite3_str_new(db);
  sqlite3_str *pUpd = sqlite3_str_new(db), *pKey = sqlite3_str_new(db);
  char *zIns, *zVal, *zUpd, *zKey, *zRo = 0, *zRoIns = 0, *zSoftSet = 0;
  int rc, n = 0, i;
  rc = sqlite3_prepare_v2(db, "SELECT name, dflt_value FROM pragma_table_xinfo(?1, 'main') "
                          "WHERE hidden = 0 ORDER BY cid", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, pTab->zName, -1, SQLITE_STATIC);
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
      const char *zCol = (const char*)sqlite3_column_text(pStmt, 0);
      const char *zDflt = (const char*)sqlite3_column_text(pStmt, 1);
      if( zCol==0 ){ rc = SQLITE_NOMEM; break; }
      sqlite3_str_appendf(pIns, "%s\"%w\"", n ? ", " : "", zCol);
      if( zDisc && zIdentity && sqlite3_stricmp(zCol, zDisc)==0 ){
        /* An INSERT through a subclass's view is a row of that subclass. */
        sqlite3_str_appendf(pVal, "%s%Q", n ? ", " : "", zIdentity);
      }else if( zDflt ){
        sqlite3_str_appendf(pVal, "%scoalesce(NEW.\"%w\", %s)", n ? ", " : "", zCol, zDflt);
      }else{
        sqlite3_str_appendf(pVal, "%sNEW.\"%w\"", n ? ", " : "", zCol);
      }
      sqlite3_str_appendf(pUpd, "%s\"%w\" = NEW.\"%w\"", n ? ", " : "", zCol, zCol);
      n++;
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  for(i=0; i<pTab->key.n; i++){
    sqlite3_str_appendf(pKey, "%s\"%w\" = OLD.\"%w\"", i ? " AND " : "", pTab->key.az[i],
                        pTab->key.az[i]);
  }
  zIns = sqlite3_str_finish(pIns);
  zVal = sqlite3_str_finish(pVal);
  zUpd = sqlite3_str_finish(pUpd);
  zKey = sqlite3_str_finish(pKey);
  if( zSoftDelete ){
    zSoftSet = sqlite3_mprintf("SET \"%w\" = strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')",
                               zSoftDelete);
    if( zSoftSet==0 ) rc = SQLITE_NOMEM;
  }
  {
    sqlite3_str *pRo = sqlite3_str_new(db), *pRoIns = sqlite3_str_new(db);
    OrmNames ro = {0, 0};
    if( sqlormNamesCopy(&ro, pProps) || sqlormNamesCopy(&ro, &pTab->generated) ) rc = SQLITE_NOMEM;
    pProps = &ro;
    for(i=0; i<pProps->n; i++){
      sqlite3_str_appendf(pRo, "SELECT RAISE(ABORT, '%q.%q is computed: read-only') "
          "WHERE NEW.\"%w\" IS NOT OLD.\"%w\"; ", zView, pProps->az[i], pProps->az[i],
          pProps->az[i]);
      sqlite3_str_appendf(pRoIns, "SELECT RAISE(ABORT, '%q.%q is computed: read-only') "
          "WHERE NEW.\"%w\" IS NOT NULL; ", zView, pProps->az[i], pProps->az[i]);
    }
    zRo = sqlite3_str_finish(pRo);
    zRoIns = sqlite3_str_finish(pRoIns);
    if( rc==SQLITE_OK && (zRo==0 || zRoIns==0) && pProps->n ) rc = SQLITE_NOMEM;
    sqlormNamesClear(&ro);
  }
  if( rc==SQLITE_OK && (zIns==0 || zVal==0 || zUpd==0 || zKey==0) ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr,
        "CREATE TRIGGER main.\"orm_%w__insert\" INSTEAD OF INSERT ON main.\"%w\" BEGIN "
        "%s INSERT INTO \"%w\"(%s) VALUES (%s); END;"
        "CREATE TRIGGER main.\"orm_%w__update\" INSTEAD OF UPDATE ON main.\"%w\" BEGIN "
        "%s UPDATE \"%w\" SET %s WHERE %s; END;"
        "CREATE TRIGGER main.\"orm_%w__delete\" INSTEAD OF DELETE ON main.\"%w\" BEGIN "
        "%s \"%w\" %s WHERE %s; END;",
        zView, zView, zRoIns ? zRoIns : "", pTab->zName, zIns, zVal,
        zView, zView, zRo ? zRo : "", pTab->zName, zUpd, zKey,
        zView, zView, zSoftDelete ? "UPDATE" : "DELETE FROM", pTab->zName,
        zSoftSet ? zSoftSet : "", zKey);
  }
  sqlite3_free(zIns);
  sqlite3_free(zVal);
  sqlite3_free(zUpd);
  sqlite3_free(zKey);
  sqlite3_free(zRo);
  sqlite3_free(zRoIns);
  sqlite3_free(zSoftSet);
  return rc;
}

/* The triggers on the table that hold every writer to the model's timestamps and
** validation rules. A rule is checked on the row as written (generated columns included)
** after each INSERT and UPDATE; a rule that is false aborts the statement, which writes
** nothing; a rule that is NULL passes, as a CHECK constraint does. */
static int modelTableTriggers(sqlite3 *db, const ModelInfo *m, char **pzErr){
  OrmTable *pTab = 0;
  sqlite3_str *pKey = sqlite3_str_new(db);
  char *zKey = 0;
  const char *zNow = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
  int rc = sqlormTableLoadShallow(db, m->zTable, &pTab, pzErr);
  int i, k;
  if( rc==SQLITE_OK ){
    for(i=0; i<pTab->key.n; i++){
      /* IS: a rowid table's key may hold NULL, and such a row is still checked. */
      sqlite3_str_appendf(pKey, "%s\"%w\" IS NEW.\"%w\"", i ? " AND " : "", pTab->key.az[i],
                          pTab->key.az[i]);
    }
  }
  zKey = sqlite3_str_finish(pKey);
  if( rc==SQLITE_OK && zKey==0 ) rc = SQLITE_NOMEM;

  /* Timestamps: an AFTER trigger stamps the row it follows (a trigger cannot assign NEW).
  ** Each stamping UPDATE changes something or touches no row, so it ends even with
  ** recursive triggers on; the INSERT's stamp changes created, which the UPDATE trigger
  ** takes as not a user's update. */
  if( rc==SQLITE_OK && (m->zCreated || m->zUpdated) ){
    const char *zC = m->zCreated ? m->zCreated : m->zUpdated;
    const char *zU = m->zUpdated ? m->zUpdated : m->zCreated;
    rc = sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__timestamps_insert\" AFTER INSERT "
        "ON main.\"%w\" WHEN NEW.\"%w\" IS NULL OR NEW.\"%w\" IS NULL BEGIN UPDATE \"%w\" "
        "SET \"%w\" = coalesce(\"%w\", %s), \"%w\" = coalesce(\"%w\", %s) "
        "WHERE %s AND (\"%w\" IS NULL OR \"%w\" IS NULL); END",
        m->zName, m->zTable, zC, zU, m->zTable, zC, zC, zNow, zU, zU, zNow, zKey, zC, zU);
    if( rc==SQLITE_OK && m->zUpdated ){
      rc = sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__timestamps_update\" AFTER UPDATE "
          "ON main.\"%w\" WHEN NEW.\"%w\" IS OLD.\"%w\" AND NEW.\"%w\" IS OLD.\"%w\" BEGIN "
          "UPDATE \"%w\" SET \"%w\" = %s WHERE %s AND \"%w\" IS NOT %s; END",
          m->zName, m->zTable, m->zUpdated, m->zUpdated, zC, zC, m->zTable, m->zUpdated, zNow,
          zKey, m->zUpdated, zNow);
    }
  }

  /* Validation rules. */
  for(k=0; rc==SQLITE_OK && k<2 && m->rules.n; k++){
    sqlite3_str *pStr = sqlite3_str_new(db);
    char *zSql;
    sqlite3_str_appendf(pStr, "CREATE TRIGGER main.\"orm_%w__validate_%s\" AFTER %s ON "
        "main.\"%w\" BEGIN ", m->zName, k ? "update" : "insert", k ? "UPDATE" : "INSERT",
        m->zTable);
    for(i=0; i<m->rules.n; i++){
      /* RAISE takes a literal message in SQLite 3.40: the rule and the table, not the key. */
      char *zMsg = sqlite3_mprintf("validation rule %s of model %s failed for a row of %s",
                                   m->rules.az[i], m->zName, m->zTable);
      if( zMsg==0 ) rc = SQLITE_NOMEM;
      sqlite3_str_appendf(pStr, "SELECT RAISE(ABORT, %Q) FROM \"%w\" AS \"%w\" WHERE %s "
          "AND NOT (%s\n); ", zMsg, m->zTable, m->zTable, zKey, m->ruleExprs.az[i]);
      sqlite3_free(zMsg);
    }
    sqlite3_str_appendall(pStr, "END");
    zSql = sqlite3_str_finish(pStr);
    if( rc==SQLITE_OK ) rc = zSql ? sqlormExec(db, pzErr, "%s", zSql) : SQLITE_NOMEM;
    sqlite3_free(zSql);
  }
  sqlite3_free(zKey);
  sqlormTableFree(pTab);
  return rc;
}

/* The discriminator column of model zModel: its own polymorphic_on, or its nearest
** ancestor's (*pzDisc NULL: none). */
static int modelDiscriminator(sqlite3 *db, const char *zModel, char **pzDisc){
  OrmNames disc = {0, 0};
  int rc = sqlormQueryNames(db,
      "WITH RECURSIVE up(name, depth) AS (SELECT ?1, 0 UNION ALL "
      "  SELECT m.options->>'$.inherits', up.depth+1 FROM main.orm_models m JOIN up "
      "  ON m.name = up.name WHERE m.options->>'$.inherits' IS NOT NULL AND up.depth < 64) "
      "SELECT m.options->>'$.polymorphic_on' FROM up JOIN main.orm_models m ON m.name = up.name "
      "WHERE m.options->>'$.polymorphic_on' IS NOT NULL ORDER BY up.depth LIMIT 1",
      zModel, &disc, 0);
  *pzDisc = 0;
  if( rc==SQLITE_OK && disc.n ){
    *pzDisc = sqlite3_mprintf("%s", disc.az[0]);
    if( *pzDisc==0 ) rc = SQLITE_NOMEM;
  }
  sqlormNamesClear(&disc);
  return rc;
}

/* The identities a subclass view shows: its own and every descendant's. */
static int modelIdentities(sqlite3 *db, const char *zModel, OrmNames *p){
  return sqlormQueryNames(db,
      "WITH RECURSIVE sub(name, depth) AS (SELECT ?1, 0 UNION "
      "  SELECT m.name, sub.depth+1 FROM main.orm_models m JOIN sub "
      "  ON m.options->>'$.inherits' = sub.name COLLATE NOCASE WHERE sub.depth < 64) "
      "SELECT DISTINCT m.options->>'$.identity' FROM sub JOIN main.orm_models m "
      "ON m.name = sub.name WHERE m.options->>'$.identity' IS NOT NULL ORDER BY 1", zModel, p, 0);
}

/* Builds the model's view again from the catalog (or drops it when the model needs none). */
int sqlormModelRebuild(sqlite3 *db, const char *zModel, char **pzErr){
  ModelInfo m;
  OrmNames props = {0, 0}, exprs = {0, 0}, idents = {0, 0};
  char *zDisc = 0;
  OrmTable *pTab = 0;
  char *zView = 0;
  int rc = modelInfoLoad(db, zModel, &m, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  rc = sqlormQueryNames(db, "SELECT name, expression FROM main.orm_hybrids "
      "WHERE model=?1 AND kind='property' ORDER BY rowid", m.zName, &props, &exprs);
  if( rc==SQLITE_OK ) rc = modelDropObjects(db, &m, pzErr);
  if( rc==SQLITE_OK && (m.zCreated || m.zUpdated || m.rules.n) ){
    rc = modelTableTriggers(db, &m, pzErr);
  }
  if( rc==SQLITE_OK && m.zIdentity ) rc = modelDiscriminator(db, m.zName, &zDisc);
  if( rc==SQLITE_OK && m.zInherits ) rc = modelIdentities(db, m.zName, &idents);
  if( rc==SQLITE_OK && (sqlite3_stricmp(m.zName, m.zTable)!=0 || props.n>0 || m.zSoftDelete) ){
    zView = modelViewName(&m);
    if( zView==0 ) rc = SQLITE_NOMEM;
    if( rc==SQLITE_OK ){
      int bTaken = 0;
      OrmNames found = {0, 0};
      rc = sqlormQueryNames(db, "SELECT type FROM main.sqlite_schema WHERE name=?1 COLLATE NOCASE",
                            zView, &found, 0);
      bTaken = found.n>0;
      sqlormNamesClear(&found);
      if( rc==SQLITE_OK && bTaken ){
        *pzErr = sqlite3_mprintf("the view %s of model %s would replace an object of that "
                                 "name that sqlorm did not make", zView, m.zName);
        rc = SQLITE_ERROR;
      }
    }
    if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, m.zTable, &pTab, pzErr);
    if( rc==SQLITE_OK && pTab->bImplicitRowid ){
      /* A view has no rowid of its own to name the table's rows by. */
      *pzErr = sqlite3_mprintf("model %s needs a view, and its table %s has no PRIMARY KEY "
                               "for the view to write rows by", m.zName, m.zTable);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      sqlite3_str *pStr = sqlite3_str_new(db);
      char *zSql;
      int i;
      sqlite3_str_appendf(pStr, "CREATE VIEW main.\"%w\" AS SELECT \"%w\".*", zView, m.zTable);
      for(i=0; i<props.n; i++){
        sqlite3_str_appendf(pStr, ", (%s\n) AS \"%w\"", exprs.az[i], props.az[i]);
      }
      sqlite3_str_appendf(pStr, " FROM main.\"%w\" AS \"%w\"", m.zTable, m.zTable);
      if( m.zSoftDelete ){
        sqlite3_str_appendf(pStr, " WHERE \"%w\".\"%w\" IS NULL", m.zTable, m.zSoftDelete);
      }
      if( zDisc && idents.n ){
        /* A subclass shows its own rows and its subclasses' (SQLAlchemy's polymorphic load). */
        sqlite3_str_appendf(pStr, " %s \"%w\".\"%w\" IN (", m.zSoftDelete ? "AND" : "WHERE",
                            m.zTable, zDisc);
        for(i=0; i<idents.n; i++) sqlite3_str_appendf(pStr, "%s%Q", i ? ", " : "", idents.az[i]);
        sqlite3_str_appendall(pStr, ")");
      }
      zSql = sqlite3_str_finish(pStr);
      rc = zSql ? sqlormExec(db, pzErr, "%s", zSql) : SQLITE_NOMEM;
      sqlite3_free(zSql);
    }
    if( rc==SQLITE_OK ){
      /* A property that reads the view itself, or any view SQLite cannot compile, is
      ** refused now rather than found broken later. */
      sqlite3_stmt *pCheck = 0;
      char *zCheck = sqlite3_mprintf("SELECT * FROM main.\"%w\"", zView);
      rc = zCheck ? sqlite3_prepare_v2(db, zCheck, -1, &pCheck, 0) : SQLITE_NOMEM;
      if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
        *pzErr = sqlite3_mprintf("the view %s of model %s would not work: %s", zView, m.zName,
                                 sqlite3_errmsg(db));
      }
      sqlite3_finalize(pCheck);
      sqlite3_free(zCheck);
    }
    if( rc==SQLITE_OK ){
      rc = modelViewTriggers(db, zView, pTab, &props, m.zSoftDelete, zDisc, m.zIdentity, pzErr);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "UPDATE main.orm_models SET options = "
          "json_set(options, '$.has_view', %Q) WHERE name=%Q", zView, m.zName);
    }
  }
  /* Traversal tables read the model through its view: build them again over this one. */
  if( rc==SQLITE_OK ) rc = sqlormRelRebuildTraversals(db, m.zName, pzErr);
  sqlormTableFree(pTab);
  sqlite3_free(zView);
  sqlormNamesClear(&props);
  sqlormNamesClear(&exprs);
  sqlormNamesClear(&idents);
  sqlite3_free(zDisc);
  modelInfoClear(&m);
  return rc;
}

/* Drops the model's view and its triggers on the table, for orm_drop() of the model. */
int sqlormModelDropView(sqlite3 *db, const char *zModel, char **pzErr){
  ModelInfo m;
  int rc = modelInfoLoad(db, zModel, &m, pzErr);
  if( rc==ORM_NOTFOUND ){
    sqlite3_free(*pzErr);
    *pzErr = 0;
    return SQLITE_OK;
  }
  if( rc==SQLITE_OK ) rc = modelDropObjects(db, &m, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormRelRebuildTraversals(db, m.zName, pzErr);   /* over the table */
  modelInfoClear(&m);
  return rc;
}

/* orm_model(name [, options]): declares (or declares again) a model. Options: table
** (default: the name), view (the view name of a model named as its table), timestamps,
** soft_delete, validate. Returns the name of the model's view, or NULL when it has none. */
static void ormModelFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_model";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zName, *zOpts = 0;
  char *zErr = 0, *zTable = 0, *zView = 0, *zTableOpt = 0, *zViewOpt = 0, *zSoftOpt = 0;
  char *zCreated = 0, *zUpdated = 0, *zNorm = 0;
  char *zInherits = 0, *zIdentity = 0, *zPolyOn = 0;
  OrmNames rules = {0, 0}, ruleExprs = {0, 0};
  int rc;
  if( sqlormArgText(ctx, argv, 0, zFunc, "name", &zName)
   || (argc>1 && sqlite3_value_type(argv[1])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 1, zFunc, "options", &zOpts)) ){
    return;
  }
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK && zOpts ){
    OrmNames keys = {0, 0}, vals = {0, 0}, types = {0, 0};
    int i;
    rc = sqlormQueryNames(db, "SELECT json_type(?1)", zOpts, &keys, 0);
    if( rc==SQLITE_OK && (keys.n==0 || keys.az[0]==0 || strcmp(keys.az[0], "object")!=0) ){
      zErr = sqlite3_mprintf("options must be a JSON object, not %s", zOpts);
      rc = SQLITE_ERROR;
    }
    sqlormNamesClear(&keys);
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT key, type FROM json_each(?1)", zOpts, &keys, &types);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT coalesce(value, '') FROM json_each(?1)", zOpts, &vals, 0);
    }
    for(i=0; rc==SQLITE_OK && i<keys.n; i++){
      const char *zKey = keys.az[i], *zType = types.az[i], *zVal = vals.az[i];
      if( strcmp(zKey, "inherits")==0 || strcmp(zKey, "identity")==0
       || strcmp(zKey, "polymorphic_on")==0 ){
        char **pz = zKey[0]=='i' && zKey[1]=='n' ? &zInherits : zKey[0]=='i' ? &zIdentity : &zPolyOn;
        if( strcmp(zType, "text")!=0 || zVal[0]==0 ){
          zErr = sqlite3_mprintf("option %s must be %s", zKey,
              zKey[1]=='n' ? "a model name" : zKey[1]=='d' ? "text" : "a column name");
          rc = SQLITE_ERROR;
          break;
        }
        *pz = sqlite3_mprintf("%s", zVal);
        if( *pz==0 ) rc = SQLITE_NOMEM;
      }else if( strcmp(zKey, "table")==0 || strcmp(zKey, "view")==0 || strcmp(zKey, "soft_delete")==0 ){
        char **pz = zKey[0]=='t' ? &zTableOpt : zKey[0]=='v' ? &zViewOpt : &zSoftOpt;
        if( zKey[0]=='s' && strcmp(zType, "true")==0 ){
          zVal = "deleted_at";
        }else if( zKey[0]=='s' && strcmp(zType, "false")==0 ){
          continue;
        }else if( strcmp(zType, "text")!=0 ){
          zErr = sqlite3_mprintf("option %s must be %s", zKey,
                                 zKey[0]=='s' ? "a column name, or true" : "a name");
          rc = SQLITE_ERROR;
          break;
        }
        *pz = sqlite3_mprintf("%s", zVal);
        if( *pz==0 ) rc = SQLITE_NOMEM;
      }else if( strcmp(zKey, "timestamps")==0 ){
        if( strcmp(zType, "true")==0 ){
          zCreated = sqlite3_mprintf("created_at");
          zUpdated = sqlite3_mprintf("updated_at");
          if( zCreated==0 || zUpdated==0 ) rc = SQLITE_NOMEM;
        }else if( strcmp(zType, "object")==0 ){
          OrmNames tk = {0, 0}, tv = {0, 0};
          int j;
          rc = sqlormQueryNames(db, "SELECT key, CASE WHEN type='text' THEN value END "
                                "FROM json_each(?1)", zVal, &tk, 0);
          if( rc==SQLITE_OK ){
            rc = sqlormQueryNames(db, "SELECT coalesce(CASE WHEN type='text' THEN value END, '') "
                                  "FROM json_each(?1)", zVal, &tv, 0);
          }
          for(j=0; rc==SQLITE_OK && j<tk.n; j++){
            char **pz = strcmp(tk.az[j], "created")==0 ? &zCreated
                      : strcmp(tk.az[j], "updated")==0 ? &zUpdated : 0;
            if( pz==0 || tv.az[j][0]==0 ){
              zErr = sqlite3_mprintf("option timestamps: give {\"created\": column, "
                                     "\"updated\": column}, or true");
              rc = SQLITE_ERROR;
            }else{
              *pz = sqlite3_mprintf("%s", tv.az[j]);
              if( *pz==0 ) rc = SQLITE_NOMEM;
            }
          }
          sqlormNamesClear(&tk);
          sqlormNamesClear(&tv);
        }else if( strcmp(zType, "false")!=0 ){
          zErr = sqlite3_mprintf("option timestamps must be true, false or "
                                 "{\"created\": column, \"updated\": column}");
          rc = SQLITE_ERROR;
        }
      }else if( strcmp(zKey, "validate")==0 ){
        if( strcmp(zType, "object")!=0 ){
          zErr = sqlite3_mprintf("option validate must be an object of named rules: "
                                 "{\"rule\": \"expression\", ...}");
          rc = SQLITE_ERROR;
        }else{
          OrmNames rt = {0, 0};
          int j;
          rc = sqlormQueryNames(db, "SELECT key, type FROM json_each(?1)", zVal, &rules, &rt);
          if( rc==SQLITE_OK ){
            rc = sqlormQueryNames(db, "SELECT coalesce(value, '') FROM json_each(?1)", zVal,
                                  &ruleExprs, 0);
          }
          for(j=0; rc==SQLITE_OK && j<rules.n; j++){
            if( strcmp(rt.az[j], "text")!=0 || rules.az[j][0]==0 ){
              zErr = sqlite3_mprintf("option validate: rule %s must be a named SQL expression",
                                     rules.az[j]);
              rc = SQLITE_ERROR;
            }
          }
          sqlormNamesClear(&rt);
        }
      }else{
        zErr = sqlite3_mprintf("unknown option %s (known: table, view, inherits, identity, "
                               "polymorphic_on, timestamps, soft_delete, validate)", zKey);
        rc = SQLITE_ERROR;
      }
    }
    sqlormNamesClear(&keys);
    sqlormNamesClear(&vals);
    sqlormNamesClear(&types);
  }
  /* A subclass lives in its parent's table unless told otherwise. */
  if( rc==SQLITE_OK && zInherits && zTableOpt==0 ){
    OrmNames tbl = {0, 0};
    rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name=?1", zInherits, &tbl, 0);
    if( rc==SQLITE_OK && tbl.n ){
      zTableOpt = sqlite3_mprintf("%s", tbl.az[0]);
      if( zTableOpt==0 ) rc = SQLITE_NOMEM;
    }else if( rc==SQLITE_OK ){
      zErr = sqlite3_mprintf("inherits: no model %s", zInherits);
      rc = SQLITE_ERROR;
    }
    sqlormNamesClear(&tbl);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormTableName(db, zTableOpt ? zTableOpt : zName, &zTable);
    if( rc==SQLITE_OK && zTable==0 ){
      zErr = sqlite3_mprintf("no such table: %s", zTableOpt ? zTableOpt : zName);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && zViewOpt && sqlite3_stricmp(zTable, zName)!=0 ){
    zErr = sqlite3_mprintf("option view names the view of a model named as its table; "
                           "model %s is queried through the view %s", zName, zName);
    rc = SQLITE_ERROR;
  }
  /* Inheritance: the parent is a model of the same table (single-table inheritance), the
  ** chain has no cycle, the subclass has an identity, and a discriminator column exists. */
  if( rc==SQLITE_OK && zInherits ){
    OrmNames chain = {0, 0}, tbl = {0, 0};
    int i;
    rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name=?1", zInherits, &tbl, 0);
    if( rc==SQLITE_OK && tbl.n==0 ){
      zErr = sqlite3_mprintf("inherits: no model %s", zInherits);
      rc = SQLITE_ERROR;
    }else if( rc==SQLITE_OK && sqlite3_stricmp(tbl.az[0], zTable)!=0 ){
      zErr = sqlite3_mprintf("inherits: %s is a model of table %s and %s of %s; only "
          "single-table inheritance (one table) is supported so far", zInherits, tbl.az[0],
          zName, zTable);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      rc = modelAncestors(db, zInherits, &chain);
    }
    for(i=0; rc==SQLITE_OK && i<chain.n; i++){
      if( sqlite3_stricmp(chain.az[i], zName)==0 ){
        zErr = sqlite3_mprintf("inherits: %s inherits from %s, which inherits from %s: "
                               "a cycle", zName, zInherits, zName);
        rc = SQLITE_ERROR;
      }
    }
    if( rc==SQLITE_OK && zIdentity==0 ){
      zErr = sqlite3_mprintf("a model that inherits needs an identity: its discriminator "
                             "value");
      rc = SQLITE_ERROR;
    }
    sqlormNamesClear(&chain);
    sqlormNamesClear(&tbl);
  }
  if( rc==SQLITE_OK && (zIdentity || zPolyOn) ){
    char *zDisc = 0;
    OrmTable *pT = 0;
    if( zPolyOn==0 && zInherits ) rc = modelDiscriminator(db, zInherits, &zDisc);
    if( rc==SQLITE_OK && zPolyOn==0 && zDisc==0 ){
      zErr = sqlite3_mprintf("identity needs a discriminator column: give polymorphic_on "
                             "(here or on the base model)");
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, zTable, &pT, &zErr);
    if( rc==SQLITE_OK && sqlormNamesFind(&pT->cols, zPolyOn ? zPolyOn : zDisc)<0 ){
      zErr = sqlite3_mprintf("polymorphic_on: table %s has no column %s", zTable,
                             zPolyOn ? zPolyOn : zDisc);
      rc = SQLITE_ERROR;
    }
    sqlormTableFree(pT);
    sqlite3_free(zDisc);
  }
  /* The columns the options maintain: made (nullable, without a default) when missing;
  ** the rules: one expression each, over the table. */
  if( rc==SQLITE_OK ){
    OrmTable *pTab = 0;
    const char *azCol[3];
    int i;
    azCol[0] = zSoftOpt; azCol[1] = zCreated; azCol[2] = zUpdated;
    rc = sqlormTableLoadShallow(db, zTable, &pTab, &zErr);
    for(i=0; rc==SQLITE_OK && i<3; i++){
      if( azCol[i] && sqlormNamesFind(&pTab->cols, azCol[i])<0 ){
        rc = sqlormExec(db, &zErr, "ALTER TABLE main.\"%w\" ADD COLUMN \"%w\" TEXT",
                        zTable, azCol[i]);
      }
    }
    if( rc==SQLITE_OK && rules.n ){
      char *zFrom = sqlite3_mprintf("main.\"%w\" AS \"%w\"", zTable, zTable);
      for(i=0; rc==SQLITE_OK && i<rules.n; i++){
        char *zWhat = sqlite3_mprintf("validation rule %s", rules.az[i]);
        rc = (zFrom && zWhat) ? sqlormCheckExpr(db, ruleExprs.az[i], zFrom, zWhat, 0, &zErr)
                              : SQLITE_NOMEM;
        sqlite3_free(zWhat);
      }
      sqlite3_free(zFrom);
    }
    sqlormTableFree(pTab);
  }
  /* The options as the catalog keeps them: only what is set. */
  if( rc==SQLITE_OK ){
    sqlite3_str *pStr = sqlite3_str_new(db);
    int i;
    sqlite3_str_appendchar(pStr, 1, '{');
    if( zViewOpt ){ sqlite3_str_appendall(pStr, "\"view\":"); sqlormJsonString(pStr, zViewOpt, -1); }
    if( zSoftOpt ){
      sqlite3_str_appendf(pStr, "%s\"soft_delete\":", sqlite3_str_length(pStr)>1 ? "," : "");
      sqlormJsonString(pStr, zSoftOpt, -1);
    }
    if( zCreated || zUpdated ){
      sqlite3_str_appendf(pStr, "%s\"timestamps\":{", sqlite3_str_length(pStr)>1 ? "," : "");
      if( zCreated ){ sqlite3_str_appendall(pStr, "\"created\":"); sqlormJsonString(pStr, zCreated, -1); }
      if( zUpdated ){
        sqlite3_str_appendf(pStr, "%s\"updated\":", zCreated ? "," : "");
        sqlormJsonString(pStr, zUpdated, -1);
      }
      sqlite3_str_appendchar(pStr, 1, '}');
    }
    {
      const char *azK[3]; char *azV[3];
      int k;
      azK[0] = "inherits"; azK[1] = "identity"; azK[2] = "polymorphic_on";
      azV[0] = zInherits; azV[1] = zIdentity; azV[2] = zPolyOn;
      for(k=0; k<3; k++){
        if( azV[k]==0 ) continue;
        sqlite3_str_appendf(pStr, "%s\"%s\":", sqlite3_str_length(pStr)>1 ? "," : "", azK[k]);
        sqlormJsonString(pStr, azV[k], -1);
      }
    }
    if( rules.n ){
      sqlite3_str_appendf(pStr, "%s\"validate\":{", sqlite3_str_length(pStr)>1 ? "," : "");
      for(i=0; i<rules.n; i++){
        if( i ) sqlite3_str_appendchar(pStr, 1, ',');
        sqlormJsonString(pStr, rules.az[i], -1);
        sqlite3_str_appendchar(pStr, 1, ':');
        sqlormJsonString(pStr, ruleExprs.az[i], -1);
      }
      sqlite3_str_appendchar(pStr, 1, '}');
    }
    sqlite3_str_appendchar(pStr, 1, '}');
    zNorm = sqlite3_str_finish(pStr);
    if( zNorm==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    OrmNames existing = {0, 0}, tbl = {0, 0};
    rc = sqlormQueryNames(db, "SELECT name, tbl FROM main.orm_models WHERE name=?1", zName,
                          &existing, &tbl);
    if( rc==SQLITE_OK && existing.n && sqlite3_stricmp(tbl.az[0], zTable)!=0 ){
      zErr = sqlite3_mprintf("model %s is already a model of table %s", zName, tbl.az[0]);
      rc = SQLITE_ERROR;
    }else if( rc==SQLITE_OK && existing.n ){
      /* Declared again: the options are replaced; has_view says which view to drop. */
      rc = sqlormExec(db, &zErr, "UPDATE main.orm_models SET origin='user', options = "
          "CASE WHEN options->>'$.has_view' IS NOT NULL "
          "THEN json_set(%Q, '$.has_view', options->>'$.has_view') ELSE %Q END WHERE name=%Q",
          zNorm, zNorm, zName);
    }else if( rc==SQLITE_OK ){
      char *zModelName = sqlite3_stricmp(zName, zTable)==0 ? zTable : (char*)zName;
      rc = sqlormExec(db, &zErr, "INSERT INTO main.orm_models(name, tbl, options, origin) "
          "VALUES (%Q, %Q, %Q, 'user')", zModelName, zTable, zNorm);
    }
    sqlormNamesClear(&existing);
    sqlormNamesClear(&tbl);
  }
  if( rc==SQLITE_OK ){
    /* Drop a view made under an earlier name, then build the current one. */
    rc = sqlormModelRebuild(db, zName, &zErr);
  }
  if( rc==SQLITE_OK && zInherits ){
    /* Every ancestor's view shows this subclass's rows too. */
    OrmNames chain = {0, 0};
    int i;
    rc = modelAncestors(db, zInherits, &chain);
    for(i=0; rc==SQLITE_OK && i<chain.n; i++) rc = sqlormModelRebuild(db, chain.az[i], &zErr);
    sqlormNamesClear(&chain);
  }
  if( rc==SQLITE_OK ){
    ModelInfo m;
    rc = modelInfoLoad(db, zName, &m, &zErr);
    if( rc==SQLITE_OK && m.bHasView ){
      zView = modelViewName(&m);
      if( zView==0 ) rc = SQLITE_NOMEM;
    }
    modelInfoClear(&m);
  }
  rc = sqlormSavepointEnd(db, rc, &zErr);
  if( rc==SQLITE_OK ){
    if( zView ){
      sqlite3_result_text(ctx, zView, -1, sqlite3_free);
      zView = 0;
    }else{
      sqlite3_result_null(ctx);
    }
  }else{
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
  sqlite3_free(zView);
  sqlite3_free(zTable);
  sqlite3_free(zTableOpt);
  sqlite3_free(zViewOpt);
  sqlite3_free(zSoftOpt);
  sqlite3_free(zCreated);
  sqlite3_free(zUpdated);
  sqlite3_free(zNorm);
  sqlite3_free(zInherits);
  sqlite3_free(zIdentity);
  sqlite3_free(zPolyOn);
  sqlormNamesClear(&rules);
  sqlormNamesClear(&ruleExprs);
}

int sqlormModelRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlormCreateFunction(db, "orm_model", 1, flags, ormModelFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_model", 2, flags, ormModelFunc);
  }
  return rc;
}
