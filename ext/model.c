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
  int bHasView;           /* options.has_view: sqlorm made the view */
};

static void modelInfoClear(ModelInfo *m){
  sqlite3_free(m->zName);
  sqlite3_free(m->zTable);
  sqlite3_free(m->zViewOpt);
  memset(m, 0, sizeof(*m));
}

static int modelInfoLoad(sqlite3 *db, const char *zModel, ModelInfo *m, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT name, tbl, options->>'$.view', "
      "coalesce(options->>'$.has_view', 0) FROM main.orm_models WHERE name=?1", -1, &pStmt, 0);
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
  char *zView;
  int rc;
  if( !m->bHasView ) return SQLITE_OK;
  zView = modelViewName(m);
  if( zView==0 ) return SQLITE_NOMEM;
  rc = sqlormExec(db, pzErr, "DROP VIEW IF EXISTS main.\"%w\";"
      "UPDATE main.orm_models SET options = json_remove(options, '$.has_view') WHERE name=%Q",
      zView, m->zName);
  sqlite3_free(zView);
  m->bHasView = 0;
  return rc;
}

/* The INSTEAD OF triggers that make the view writable. Column properties are read-only:
** an UPDATE that changes one, or an INSERT that sets one, is refused. */
static int modelViewTriggers(sqlite3 *db, const char *zView, const OrmTable *pTab,
                             const OrmNames *pProps, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *pIns = sqlite3_str_new(db), *pVal = sqlite3_str_new(db);
  sqlite3_str *pUpd = sqlite3_str_new(db), *pKey = sqlite3_str_new(db);
  char *zIns, *zVal, *zUpd, *zKey, *zRo = 0, *zRoIns = 0;
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
      if( zDflt ){
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
  {
    sqlite3_str *pRo = sqlite3_str_new(db), *pRoIns = sqlite3_str_new(db);
    for(i=0; i<pProps->n; i++){
      sqlite3_str_appendf(pRo, "SELECT RAISE(ABORT, '%q.%q is a column property: read-only') "
          "WHERE NEW.\"%w\" IS NOT OLD.\"%w\"; ", zView, pProps->az[i], pProps->az[i],
          pProps->az[i]);
      sqlite3_str_appendf(pRoIns, "SELECT RAISE(ABORT, '%q.%q is a column property: "
          "read-only') WHERE NEW.\"%w\" IS NOT NULL; ", zView, pProps->az[i], pProps->az[i]);
    }
    zRo = sqlite3_str_finish(pRo);
    zRoIns = sqlite3_str_finish(pRoIns);
    if( rc==SQLITE_OK && (zRo==0 || zRoIns==0) && pProps->n ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK && (zIns==0 || zVal==0 || zUpd==0 || zKey==0) ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr,
        "CREATE TRIGGER main.\"orm_%w__insert\" INSTEAD OF INSERT ON main.\"%w\" BEGIN "
        "%s INSERT INTO \"%w\"(%s) VALUES (%s); END;"
        "CREATE TRIGGER main.\"orm_%w__update\" INSTEAD OF UPDATE ON main.\"%w\" BEGIN "
        "%s UPDATE \"%w\" SET %s WHERE %s; END;"
        "CREATE TRIGGER main.\"orm_%w__delete\" INSTEAD OF DELETE ON main.\"%w\" BEGIN "
        "DELETE FROM \"%w\" WHERE %s; END;",
        zView, zView, zRoIns ? zRoIns : "", pTab->zName, zIns, zVal,
        zView, zView, zRo ? zRo : "", pTab->zName, zUpd, zKey,
        zView, zView, pTab->zName, zKey);
  }
  sqlite3_free(zIns);
  sqlite3_free(zVal);
  sqlite3_free(zUpd);
  sqlite3_free(zKey);
  sqlite3_free(zRo);
  sqlite3_free(zRoIns);
  return rc;
}

/* Builds the model's view again from the catalog (or drops it when the model needs none). */
int sqlormModelRebuild(sqlite3 *db, const char *zModel, char **pzErr){
  ModelInfo m;
  OrmNames props = {0, 0}, exprs = {0, 0};
  OrmTable *pTab = 0;
  char *zView = 0;
  int rc = modelInfoLoad(db, zModel, &m, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  rc = sqlormQueryNames(db, "SELECT name, expression FROM main.orm_hybrids "
      "WHERE model=?1 AND kind='property' ORDER BY rowid", m.zName, &props, &exprs);
  if( rc==SQLITE_OK ) rc = modelDropView(db, &m, pzErr);
  if( rc==SQLITE_OK && (sqlite3_stricmp(m.zName, m.zTable)!=0 || props.n>0) ){
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
    if( rc==SQLITE_OK ){
      sqlite3_str *pStr = sqlite3_str_new(db);
      char *zSql;
      int i;
      sqlite3_str_appendf(pStr, "CREATE VIEW main.\"%w\" AS SELECT \"%w\".*", zView, m.zTable);
      for(i=0; i<props.n; i++){
        sqlite3_str_appendf(pStr, ", (%s\n) AS \"%w\"", exprs.az[i], props.az[i]);
      }
      sqlite3_str_appendf(pStr, " FROM main.\"%w\" AS \"%w\"", m.zTable, m.zTable);
      zSql = sqlite3_str_finish(pStr);
      rc = zSql ? sqlormExec(db, pzErr, "%s", zSql) : SQLITE_NOMEM;
      sqlite3_free(zSql);
    }
    if( rc==SQLITE_OK ) rc = modelViewTriggers(db, zView, pTab, &props, pzErr);
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "UPDATE main.orm_models SET options = "
          "json_set(options, '$.has_view', json('true')) WHERE name=%Q", m.zName);
    }
  }
  sqlormTableFree(pTab);
  sqlite3_free(zView);
  sqlormNamesClear(&props);
  sqlormNamesClear(&exprs);
  modelInfoClear(&m);
  return rc;
}

/* Drops the model's view, for orm_drop() of the model. */
int sqlormModelDropView(sqlite3 *db, const char *zModel, char **pzErr){
  ModelInfo m;
  int rc = modelInfoLoad(db, zModel, &m, pzErr);
  if( rc==ORM_NOTFOUND ){
    sqlite3_free(*pzErr);
    *pzErr = 0;
    return SQLITE_OK;
  }
  if( rc==SQLITE_OK ) rc = modelDropView(db, &m, pzErr);
  modelInfoClear(&m);
  return rc;
}

/* orm_model(name [, options]): declares a model. Options: table (default: the name), view
** (the view name of a model named as its table). Returns the name of the model's view, or
** NULL when it has none. */
static void ormModelFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_model";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zName, *zOpts = 0;
  char *zErr = 0, *zTable = 0, *zView = 0, *zTableOpt = 0, *zViewOpt = 0;
  int rc;
  if( sqlormArgText(ctx, argv, 0, zFunc, "name", &zName)
   || (argc>1 && sqlite3_value_type(argv[1])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 1, zFunc, "options", &zOpts)) ){
    return;
  }
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK && zOpts ){
    OrmNames keys = {0, 0}, vals = {0, 0};
    int i;
    rc = sqlormQueryNames(db, "SELECT key, CASE WHEN type='text' THEN value END "
        "FROM json_each(CASE WHEN json_type(?1)='object' THEN ?1 END)", zOpts, &keys, 0);
    if( rc!=SQLITE_OK || (keys.n==0 && strcmp(zOpts, "{}")!=0) ){
      sqlite3_free(zErr);
      zErr = sqlite3_mprintf("options must be a JSON object, not %s", zOpts);
      rc = rc==SQLITE_NOMEM ? rc : SQLITE_ERROR;
    }
    sqlormNamesClear(&keys);
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT key, value FROM json_each(?1)", zOpts, &keys, &vals);
    }
    for(i=0; rc==SQLITE_OK && i<keys.n; i++){
      char **pz = strcmp(keys.az[i], "table")==0 ? &zTableOpt
                : strcmp(keys.az[i], "view")==0 ? &zViewOpt : 0;
      if( pz==0 ){
        zErr = sqlite3_mprintf("unknown option %s (known: table, view)", keys.az[i]);
        rc = SQLITE_ERROR;
      }else{
        *pz = sqlite3_mprintf("%s", vals.az[i]);
        if( *pz==0 ) rc = SQLITE_NOMEM;
      }
    }
    sqlormNamesClear(&keys);
    sqlormNamesClear(&vals);
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
  if( rc==SQLITE_OK ){
    OrmNames existing = {0, 0}, tbl = {0, 0};
    rc = sqlormQueryNames(db, "SELECT name, tbl FROM main.orm_models WHERE name=?1", zName,
                          &existing, &tbl);
    if( rc==SQLITE_OK && existing.n && sqlite3_stricmp(tbl.az[0], zTable)!=0 ){
      zErr = sqlite3_mprintf("model %s is already a model of table %s", zName, tbl.az[0]);
      rc = SQLITE_ERROR;
    }else if( rc==SQLITE_OK && existing.n ){
      rc = sqlormExec(db, &zErr, "UPDATE main.orm_models SET origin='user', options = "
          "json_set(options, '$.view', %Q) WHERE name=%Q", zViewOpt, zName);
      if( rc==SQLITE_OK && zViewOpt==0 ){
        rc = sqlormExec(db, &zErr, "UPDATE main.orm_models SET options = "
            "json_remove(options, '$.view') WHERE name=%Q", zName);
      }
    }else if( rc==SQLITE_OK ){
      char *zModelName = sqlite3_stricmp(zName, zTable)==0 ? zTable : (char*)zName;
      rc = sqlormExec(db, &zErr, "INSERT INTO main.orm_models(name, tbl, options, origin) "
          "VALUES (%Q, %Q, CASE WHEN %Q IS NULL THEN '{}' ELSE json_object('view', %Q) END, "
          "'user')", zModelName, zTable, zViewOpt, zViewOpt);
    }
    sqlormNamesClear(&existing);
    sqlormNamesClear(&tbl);
  }
  if( rc==SQLITE_OK ){
    /* Drop a view made under an earlier name, then build the current one. */
    rc = sqlormModelRebuild(db, zName, &zErr);
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
}

int sqlormModelRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function_v2(db, "orm_model", 1, flags, 0, ormModelFunc, 0, 0, 0);
  if( rc==SQLITE_OK ){
    rc = sqlite3_create_function_v2(db, "orm_model", 2, flags, 0, ormModelFunc, 0, 0, 0);
  }
  return rc;
}
