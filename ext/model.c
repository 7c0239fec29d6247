/*
** model.c: named models and model views: orm_model(), and the view that carries what a
** table cannot hold (column properties, inheritance filters and joins, soft deletes).
**
** Usage:
**   SELECT orm_model('User', '{"table":"users"}');   -- a model with its own name: view "User"
**   SELECT * FROM "User" WHERE address_count > 2;     -- its columns and column properties
**   INSERT INTO "User"(first_name, last_name) VALUES ('Ada', 'L');   -- writes users
**   SELECT orm_model('users', '{"view":"users_full"}'); -- the view name of a table's model
**
** How it works: a model's view is `SELECT "T".*, (property) AS "name", ... FROM "T"`, built
** again from the catalog whenever the model's definition changes, so the planner flattens
** it into the query that uses it. A joined-table subclass's view joins the tables of its
** chain on the key (inherit.c) and its triggers write each of them. A model named as its table gets a view only when it needs
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
        "DROP TRIGGER IF EXISTS main.\"orm_%w__validate_update\";"
        "DROP TRIGGER IF EXISTS main.\"orm_%w__joined_delete\";",
        m->zName, m->zName, m->zName, m->zName, m->zName);
  }
  if( rc==SQLITE_OK ) rc = sqlormVersionDropTriggers(db, m->zName, pzErr);
  return rc;
}

/* The write-back rules of a model's hybrids (their "setter" option): writing hybrid
** hyb.az[i] through the view sets column col.az[i] to expr.az[i], an expression of :value. */
typedef struct ModelSetters ModelSetters;
struct ModelSetters {
  OrmNames hyb, col, expr;
};

static void modelSettersClear(ModelSetters *p){
  sqlormNamesClear(&p->hyb);
  sqlormNamesClear(&p->col);
  sqlormNamesClear(&p->expr);
}

/* Appends the value the view's trigger writes to column zCol: zBase, unless a hybrid with
** a setter for zCol was written (given at INSERT, changed at UPDATE), then its expression
** of the hybrid's new value. */
static int modelSetterValue(sqlite3_str *pOut, const ModelSetters *pSet, const char *zCol,
                            int bUpdate, const char *zBase){
  int i, n = 0, rc = SQLITE_OK;
  for(i=0; i<pSet->col.n; i++){
    char *zNew, *zExpr;
    if( sqlite3_stricmp(pSet->col.az[i], zCol)!=0 ) continue;
    zNew = sqlite3_mprintf("NEW.\"%w\"", pSet->hyb.az[i]);
    zExpr = zNew ? sqlormExprSubst(pSet->expr.az[i], "value", zNew, &rc) : 0;
    if( zExpr ){
      if( bUpdate ){
        sqlite3_str_appendf(pOut, "CASE WHEN %s IS NOT OLD.\"%w\" THEN (%s\n) ELSE ", zNew,
                            pSet->hyb.az[i], zExpr);
      }else{
        sqlite3_str_appendf(pOut, "CASE WHEN %s IS NOT NULL THEN (%s\n) ELSE ", zNew, zExpr);
      }
      n++;
    }else if( rc==SQLITE_OK ){
      rc = SQLITE_NOMEM;
    }
    sqlite3_free(zNew);
    sqlite3_free(zExpr);
  }
  sqlite3_str_appendall(pOut, zBase);
  while( n-- ) sqlite3_str_appendall(pOut, " END");
  return rc;
}

/* Finishes a string being built; an allocation that failed on the way makes *pRc NOMEM
** (sqlite3_str_finish alone returns NULL for an empty string too). */
static char *modelStrFinish(sqlite3_str *p, int *pRc){
  if( sqlite3_str_errcode(p) && *pRc==SQLITE_OK ) *pRc = SQLITE_NOMEM;
  return sqlite3_str_finish(p);
}

/* The INSTEAD OF triggers that make the view writable, part (table) by part. An INSERT
** writes the root row, then each joined table's row under the key the root row got (the
** statement's, or the one SQLite chose: the rowid of the last row inserted, which a nested
** trigger's inserts do not disturb). An UPDATE writes each table by the old key; a joined
** model's key cannot change through its view (its rows would have to move together). A
** DELETE removes the joined rows first, subclass to root, or sets the soft-delete column.
** Column properties and generated columns are read-only. On a versioned table an UPDATE
** that leaves the version as it was writes the table without naming it, as if the view's
** writer had not named it (version.c holds the table to its policy); a soft delete
** advances it. */
static int modelViewTriggers(sqlite3 *db, const char *zView, const OrmParts *pParts,
                             const OrmNames *pProps, const ModelSetters *pSet,
                             const char *zSoftDelete, const char *zDisc,
                             const char *zIdentity, char **pzErr){
  sqlite3_str *pIns = sqlite3_str_new(db), *pUpd = sqlite3_str_new(db);
  sqlite3_str *pDel = sqlite3_str_new(db), *pRo = sqlite3_str_new(db);
  sqlite3_str *pRoIns = sqlite3_str_new(db);
  char *zIns, *zUpd, *zDel, *zRo, *zRoIns;
  const OrmNames *pRootKey = &pParts->aKey[0];
  OrmNames ro = {0, 0};
  OrmVersion viewVer;
  const OrmTable *pViewVerTab = 0;
  int rc = SQLITE_OK, i, j, iRowid = -1, bVerTrigger = 0;
  memset(&viewVer, 0, sizeof(viewVer));
  for(i=0; rc==SQLITE_OK && i<pParts->n; i++){
    const OrmTable *pTab = pParts->ap[i];
    const OrmNames *pKey = &pParts->aKey[i];
    sqlite3_str *pCols = sqlite3_str_new(db), *pVals = sqlite3_str_new(db);
    sqlite3_str *pUpdSet = sqlite3_str_new(db), *pWhere = sqlite3_str_new(db);
    sqlite3_str *pSetNoVer = sqlite3_str_new(db);
    sqlite3_stmt *pStmt = 0;
    char *zCols, *zVals, *zSet, *zWhere, *zSetNoVer;
    int n = 0, nSet = 0, nSetNoVer = 0;
    OrmVersion ver;
    memset(&ver, 0, sizeof(ver));
    rc = sqlormVersionLoad(db, 0, pTab->zName, &ver);
    if( rc==SQLITE_OK ) rc = sqlite3_prepare_v2(db, "SELECT name, dflt_value FROM pragma_table_xinfo(?1, 'main') "
                            "WHERE hidden = 0 ORDER BY cid", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      sqlite3_bind_text(pStmt, 1, pTab->zName, -1, SQLITE_STATIC);
      while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
        const char *zCol = (const char*)sqlite3_column_text(pStmt, 0);
        const char *zDflt = (const char*)sqlite3_column_text(pStmt, 1);
        int iKey;
        if( zCol==0 ){ rc = SQLITE_NOMEM; break; }
        rc = SQLITE_OK;
        iKey = i ? sqlormNamesFind(pKey, zCol) : -1;
        sqlite3_str_appendf(pCols, "%s\"%w\"", n ? ", " : "", zCol);
        if( n ) sqlite3_str_appendall(pVals, ", ");
        if( iKey>=0 && iRowid>=0 ){
          /* A joined table's key: the root's, as given or as the last rowid table got it. */
          sqlite3_str_appendf(pVals, "coalesce(NEW.\"%w\", (SELECT \"%w\" FROM \"%w\" "
              "WHERE rowid = last_insert_rowid()))", pRootKey->az[iKey],
              pParts->aKey[iRowid].az[iKey], pParts->ap[iRowid]->zName);
        }else if( iKey>=0 ){
          sqlite3_str_appendf(pVals, "NEW.\"%w\"", pRootKey->az[iKey]);
        }else if( zDisc && zIdentity && sqlite3_stricmp(zCol, zDisc)==0 ){
          /* An INSERT through a subclass's view is a row of that subclass. */
          sqlite3_str_appendf(pVals, "%Q", zIdentity);
        }else{
          char *zBase = zDflt ? sqlite3_mprintf("coalesce(NEW.\"%w\", %s)", zCol, zDflt)
                              : sqlite3_mprintf("NEW.\"%w\"", zCol);
          rc = zBase ? modelSetterValue(pVals, pSet, zCol, 0, zBase) : SQLITE_NOMEM;
          sqlite3_free(zBase);
        }
        if( iKey<0 && rc==SQLITE_OK ){
          char *zBase = sqlite3_mprintf("NEW.\"%w\"", zCol);
          sqlite3_str_appendf(pUpdSet, "%s\"%w\" = ", nSet ? ", " : "", zCol);
          rc = zBase ? modelSetterValue(pUpdSet, pSet, zCol, 1, zBase) : SQLITE_NOMEM;
          nSet++;
          if( rc==SQLITE_OK && ver.zCol && sqlite3_stricmp(zCol, ver.zCol)!=0 ){
            sqlite3_str_appendf(pSetNoVer, "%s\"%w\" = ", nSetNoVer ? ", " : "", zCol);
            rc = zBase ? modelSetterValue(pSetNoVer, pSet, zCol, 1, zBase) : SQLITE_NOMEM;
            nSetNoVer++;
          }
          sqlite3_free(zBase);
        }
        if( rc!=SQLITE_OK ) break;
        n++;
      }
      if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    }
    sqlite3_finalize(pStmt);
    for(j=0; j<pKey->n; j++){
      sqlite3_str_appendf(pWhere, "%s\"%w\" = OLD.\"%w\"", j ? " AND " : "", pKey->az[j],
                          pRootKey->az[j]);
    }
    zCols = modelStrFinish(pCols, &rc);
    zVals = modelStrFinish(pVals, &rc);
    zSet = modelStrFinish(pUpdSet, &rc);
    zSetNoVer = modelStrFinish(pSetNoVer, &rc);
    zWhere = modelStrFinish(pWhere, &rc);
    if( rc==SQLITE_OK ){
      sqlite3_str_appendf(pIns, "INSERT INTO \"%w\"(%s) VALUES (%s); ", pTab->zName,
                          zCols, zVals);
      if( nSet && ver.zCol ){
        /* The version named only when the view's writer changed it. */
        sqlite3_str_appendf(pUpd, "UPDATE \"%w\" SET %s WHERE %s AND NEW.\"%w\" IS NOT "
            "OLD.\"%w\"; ", pTab->zName, zSet, zWhere, ver.zCol, ver.zCol);
        if( nSetNoVer ){
          sqlite3_str_appendf(pUpd, "UPDATE \"%w\" SET %s WHERE %s AND NEW.\"%w\" IS "
              "OLD.\"%w\"; ", pTab->zName, zSetNoVer, zWhere, ver.zCol, ver.zCol);
        }
      }else if( nSet ){
        sqlite3_str_appendf(pUpd, "UPDATE \"%w\" SET %s WHERE %s; ", pTab->zName, zSet,
                            zWhere);
      }
      if( zSoftDelete && i==pParts->n-1 ){
        char *zVerCol = ver.zCol ? sqlite3_mprintf("\"%w\"", ver.zCol) : 0;
        char *zNext = zVerCol ? sqlormVersionNext(&ver, zVerCol) : 0;
        if( ver.zCol && zNext==0 ) rc = SQLITE_NOMEM;
        sqlite3_str_appendf(pDel, "UPDATE \"%w\" SET \"%w\" = strftime('%%Y-%%m-%%d "
            "%%H:%%M:%%f', 'now')%s%s%s%s WHERE %s; ", pTab->zName, zSoftDelete,
            zNext ? ", " : "", zNext ? zVerCol : "", zNext ? " = " : "", zNext ? zNext : "",
            zWhere);
        sqlite3_free(zVerCol);
        sqlite3_free(zNext);
      }else if( !zSoftDelete ){
        /* Subclass rows first: they reference the rows above them. */
        char *zPrev = modelStrFinish(pDel, &rc);
        pDel = sqlite3_str_new(db);
        sqlite3_str_appendf(pDel, "DELETE FROM \"%w\" WHERE %s; %s", pTab->zName, zWhere,
                            zPrev ? zPrev : "");
        sqlite3_free(zPrev);
      }
    }
    if( !pTab->bWithoutRowid ) iRowid = i;
    if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&ro, &pTab->generated);
    if( rc==SQLITE_OK && ver.zCol && !bVerTrigger ){
      /* Made after the view's own triggers (below): keep the versioned part for then. */
      bVerTrigger = 1;
      rc = sqlormVersionLoad(db, 0, pTab->zName, &viewVer);
      pViewVerTab = pTab;
    }
    sqlormVersionClear(&ver);
    sqlite3_free(zSetNoVer);
    sqlite3_free(zCols);
    sqlite3_free(zVals);
    sqlite3_free(zSet);
    sqlite3_free(zWhere);
  }
  if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&ro, pProps);
  for(i=0; i<ro.n; i++){
    /* A hybrid with a setter is written through its setter instead. */
    if( sqlormNamesFind(&pSet->hyb, ro.az[i])>=0 ) continue;
    sqlite3_str_appendf(pRo, "SELECT RAISE(ABORT, '%q.%q is computed: read-only') "
        "WHERE NEW.\"%w\" IS NOT OLD.\"%w\"; ", zView, ro.az[i], ro.az[i], ro.az[i]);
    sqlite3_str_appendf(pRoIns, "SELECT RAISE(ABORT, '%q.%q is computed: read-only') "
        "WHERE NEW.\"%w\" IS NOT NULL; ", zView, ro.az[i], ro.az[i]);
  }
  if( pParts->n>1 ){
    sqlite3_str_appendall(pRo, "SELECT RAISE(ABORT, '");
    sqlite3_str_appendf(pRo, "%q: the key of a joined-table model cannot change through its "
                        "view') WHERE ", zView);
    for(j=0; j<pRootKey->n; j++){
      sqlite3_str_appendf(pRo, "%sNEW.\"%w\" IS NOT OLD.\"%w\"", j ? " OR " : "",
                          pRootKey->az[j], pRootKey->az[j]);
    }
    sqlite3_str_appendall(pRo, "; ");
  }
  sqlormNamesClear(&ro);
  zIns = modelStrFinish(pIns, &rc);
  zUpd = modelStrFinish(pUpd, &rc);
  zDel = modelStrFinish(pDel, &rc);
  zRo = modelStrFinish(pRo, &rc);
  zRoIns = modelStrFinish(pRoIns, &rc);
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr,
        "CREATE TRIGGER main.\"orm_%w__insert\" INSTEAD OF INSERT ON main.\"%w\" BEGIN "
        "%s%s END;"
        "CREATE TRIGGER main.\"orm_%w__update\" INSTEAD OF UPDATE ON main.\"%w\" BEGIN "
        "%s%s END;"
        "CREATE TRIGGER main.\"orm_%w__delete\" INSTEAD OF DELETE ON main.\"%w\" BEGIN "
        "%s END;",
        zView, zView, zRoIns ? zRoIns : "", zIns,
        zView, zView, zRo ? zRo : "", zUpd ? zUpd : "SELECT 1;",
        zView, zView, zDel);
  }
  if( rc==SQLITE_OK && pViewVerTab ){
    rc = sqlormVersionViewTrigger(db, zView, pViewVerTab, &viewVer, pzErr);
  }
  sqlormVersionClear(&viewVer);
  sqlite3_free(zIns);
  sqlite3_free(zUpd);
  sqlite3_free(zDel);
  sqlite3_free(zRo);
  sqlite3_free(zRoIns);
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
    for(i=0; rc==SQLITE_OK && i<m->rules.n; i++){
      /* RAISE takes a literal message in SQLite 3.40; json_extract's error on a malformed
      ** path repeats the path, so the message can name the row (as version.c does). */
      sqlite3_str *pText = sqlite3_str_new(0);
      char *zRow, *zMsg;
      sqlormRowKeySql(pTab, 0, pText, "NEW");
      zRow = modelStrFinish(pText, &rc);
      zMsg = sqlite3_mprintf("validation rule %s of model %s failed for %s ", m->rules.az[i],
                             m->zName, m->zTable);
      if( zMsg==0 || zRow==0 ) rc = SQLITE_NOMEM;
      if( rc==SQLITE_OK ){
        sqlite3_str_appendf(pStr, "SELECT json_extract('{}', coalesce(%Q || %s, %Q)) FROM "
            "\"%w\" AS \"%w\" WHERE %s AND NOT (%s\n); ", zMsg, zRow, zMsg, m->zTable,
            m->zTable, zKey, m->ruleExprs.az[i]);
      }
      sqlite3_free(zMsg);
      sqlite3_free(zRow);
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

/* Builds the model's view again from the catalog (or drops it when the model needs none).
** The view joins the tables of the model's inheritance chain (one, unless a joined-table
** ancestor is in it) and carries the column properties of the model and its ancestors. */
int sqlormModelRebuild(sqlite3 *db, const char *zModel, char **pzErr){
  ModelInfo m;
  OrmNames props = {0, 0}, exprs = {0, 0}, idents = {0, 0}, chain = {0, 0};
  ModelSetters set;
  OrmParts parts;
  char *zDisc = 0;
  char *zView = 0;
  int i, j;
  int rc = modelInfoLoad(db, zModel, &m, pzErr);
  memset(&parts, 0, sizeof(parts));
  memset(&set, 0, sizeof(set));
  if( rc!=SQLITE_OK ) return rc;
  rc = sqlormInheritAncestors(db, m.zName, &chain);
  for(i=chain.n-1; rc==SQLITE_OK && i>=0; i--){
    OrmNames p = {0, 0}, e = {0, 0};
    rc = sqlormQueryNames(db, "SELECT name, expression FROM main.orm_hybrids "
        "WHERE model=?1 AND kind='property' ORDER BY rowid", chain.az[i], &p, &e);
    if( rc==SQLITE_OK && (sqlormNamesCopy(&props, &p) || sqlormNamesCopy(&exprs, &e)) ){
      rc = SQLITE_NOMEM;
    }
    sqlormNamesClear(&p);
    sqlormNamesClear(&e);
    /* The setters of the hybrids, in the same order twice: hybrid and column, expression. */
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT h.name, s.key FROM main.orm_hybrids h, "
          "json_each(h.options, '$.setter') s WHERE h.model=?1 ORDER BY h.rowid, s.id",
          chain.az[i], &set.hyb, &set.col);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormQueryNames(db, "SELECT s.value, NULL FROM main.orm_hybrids h, "
          "json_each(h.options, '$.setter') s WHERE h.model=?1 ORDER BY h.rowid, s.id",
          chain.az[i], &set.expr, 0);
    }
  }
  if( rc==SQLITE_OK ) rc = modelDropObjects(db, &m, pzErr);
  /* Before the timestamps and rules: starting the versions must not stamp or check. */
  if( rc==SQLITE_OK ) rc = sqlormVersionTriggers(db, m.zName, pzErr);
  if( rc==SQLITE_OK && (m.zCreated || m.zUpdated || m.rules.n) ){
    rc = modelTableTriggers(db, &m, pzErr);
  }
  if( rc==SQLITE_OK && m.zIdentity ) rc = sqlormInheritDiscriminator(db, m.zName, &zDisc);
  if( rc==SQLITE_OK && m.zInherits ) rc = sqlormInheritIdentities(db, m.zName, &idents);
  if( rc==SQLITE_OK ) rc = sqlormInheritParts(db, m.zName, &parts, pzErr);
  if( rc==SQLITE_OK && parts.n>1 && m.zInherits ){
    /* The model that brings a joined table: its rows go with the rows they extend, for
    ** every writer (SQLAlchemy deletes both halves of the object). */
    OrmNames up = {0, 0};
    rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name=?1", m.zInherits,
                          &up, 0);
    if( rc==SQLITE_OK && up.n && sqlite3_stricmp(up.az[0], m.zTable)!=0 ){
      const OrmTable *pUp = parts.ap[parts.n-2], *pTab = parts.ap[parts.n-1];
      sqlite3_str *pWhere = sqlite3_str_new(db);
      char *zWhere;
      for(j=0; j<parts.aKey[parts.n-1].n; j++){
        sqlite3_str_appendf(pWhere, "%s\"%w\" = OLD.\"%w\"", j ? " AND " : "",
            parts.aKey[parts.n-1].az[j], parts.aKey[parts.n-2].az[j]);
      }
      zWhere = modelStrFinish(pWhere, &rc);
      if( rc==SQLITE_OK ){
        rc = sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__joined_delete\" AFTER DELETE "
            "ON main.\"%w\" BEGIN DELETE FROM \"%w\" WHERE %s; END", m.zName,
            pUp->zName, pTab->zName, zWhere);
      }
      sqlite3_free(zWhere);
    }
    sqlormNamesClear(&up);
  }
  if( rc==SQLITE_OK && (sqlite3_stricmp(m.zName, m.zTable)!=0 || props.n>0 || m.zSoftDelete
                        || parts.n>1 || set.hyb.n>0) ){
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
    for(i=0; rc==SQLITE_OK && i<parts.n; i++){
      if( parts.ap[i]->bImplicitRowid ){
        /* A view has no rowid of its own to name the table's rows by. */
        *pzErr = sqlite3_mprintf("model %s needs a view, and its table %s has no PRIMARY KEY "
                                 "for the view to write rows by", m.zName, parts.ap[i]->zName);
        rc = SQLITE_ERROR;
      }
    }
    if( rc==SQLITE_OK ){
      sqlite3_str *pStr = sqlite3_str_new(db);
      const char *zRoot = parts.ap[0]->zName;
      char *zSql;
      int iDisc = zDisc ? sqlormInheritPartOf(&parts, zDisc) : -1;
      sqlite3_str_appendf(pStr, "CREATE VIEW main.\"%w\" AS SELECT \"%w\".*", zView, zRoot);
      for(i=1; i<parts.n; i++){
        for(j=0; j<parts.ap[i]->cols.n; j++){
          if( sqlormNamesFind(&parts.aKey[i], parts.ap[i]->cols.az[j])>=0 ) continue;
          sqlite3_str_appendf(pStr, ", \"%w\".\"%w\"", parts.ap[i]->zName,
                              parts.ap[i]->cols.az[j]);
        }
      }
      for(i=0; i<props.n; i++){
        sqlite3_str_appendf(pStr, ", (%s\n) AS \"%w\"", exprs.az[i], props.az[i]);
      }
      sqlite3_str_appendf(pStr, " FROM main.\"%w\" AS \"%w\"", zRoot, zRoot);
      for(i=1; i<parts.n; i++){
        sqlite3_str_appendf(pStr, " JOIN main.\"%w\" AS \"%w\" ON ", parts.ap[i]->zName,
                            parts.ap[i]->zName);
        for(j=0; j<parts.aKey[0].n; j++){
          sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = \"%w\".\"%w\"", j ? " AND " : "",
              parts.ap[i]->zName, parts.aKey[i].az[j], zRoot, parts.aKey[0].az[j]);
        }
      }
      if( m.zSoftDelete ){
        sqlite3_str_appendf(pStr, " WHERE \"%w\".\"%w\" IS NULL", m.zTable, m.zSoftDelete);
      }
      if( iDisc>=0 && idents.n ){
        /* A subclass shows its own rows and its subclasses' (SQLAlchemy's polymorphic load). */
        sqlite3_str_appendf(pStr, " %s \"%w\".\"%w\" IN (", m.zSoftDelete ? "AND" : "WHERE",
                            parts.ap[iDisc]->zName, zDisc);
        for(i=0; i<idents.n; i++) sqlite3_str_appendf(pStr, "%s%Q", i ? ", " : "", idents.az[i]);
        sqlite3_str_appendall(pStr, ")");
      }
      zSql = modelStrFinish(pStr, &rc);
      if( rc==SQLITE_OK ) rc = sqlormExec(db, pzErr, "%s", zSql);
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
      rc = modelViewTriggers(db, zView, &parts, &props, &set, m.zSoftDelete,
                             zDisc, m.zIdentity, pzErr);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "UPDATE main.orm_models SET options = "
          "json_set(options, '$.has_view', %Q) WHERE name=%Q", zView, m.zName);
    }
  }
  /* Traversal tables read the model through its view: build them again over this one. */
  if( rc==SQLITE_OK ) rc = sqlormRelRebuildTraversals(db, m.zName, pzErr);
  sqlormInheritPartsClear(&parts);
  modelSettersClear(&set);
  sqlite3_free(zView);
  sqlormNamesClear(&props);
  sqlormNamesClear(&exprs);
  sqlormNamesClear(&idents);
  sqlormNamesClear(&chain);
  sqlite3_free(zDisc);
  modelInfoClear(&m);
  return rc;
}

/* Builds again the views of every model in zModel's family: the root of its chain and all
** below it (a subclass view carries its ancestors' properties and tables, and an ancestor
** view the identities of its subclasses). */
int sqlormModelRebuildFamily(sqlite3 *db, const char *zModel, char **pzErr){
  OrmNames chain = {0, 0}, family = {0, 0};
  int i;
  int rc = sqlormInheritAncestors(db, zModel, &chain);
  if( rc==SQLITE_OK && chain.n ){
    rc = sqlormInheritDescendants(db, chain.az[chain.n-1], &family);
  }
  for(i=0; rc==SQLITE_OK && i<family.n; i++) rc = sqlormModelRebuild(db, family.az[i], pzErr);
  sqlormNamesClear(&chain);
  sqlormNamesClear(&family);
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
  char *zInherits = 0, *zIdentity = 0, *zPolyOn = 0, *zOldRoot = 0;
  OrmNames rules = {0, 0}, ruleExprs = {0, 0};
  OrmVersion ver;
  int rc, bVersioned = 0;
  memset(&ver, 0, sizeof(ver));
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
      }else if( sqlormVersionIsOption(zKey) ){
        rc = sqlormVersionOption(&ver, zKey, zType, zVal, &zErr);
      }else{
        zErr = sqlite3_mprintf("unknown option %s (known: table, view, inherits, identity, "
                               "polymorphic_on, timestamps, soft_delete, validate, version, "
                               "version_generator, version_policy)", zKey);
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
  /* Inheritance: the parent is a model (of this table: single-table inheritance; of
  ** another: joined-table, checked when the view is built), the chain has no cycle, the
  ** subclass has an identity, and the discriminator is a column. */
  if( rc==SQLITE_OK && zInherits ){
    OrmNames chain = {0, 0}, tbl = {0, 0};
    int i;
    rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name=?1", zInherits, &tbl, 0);
    if( rc==SQLITE_OK && tbl.n==0 ){
      zErr = sqlite3_mprintf("inherits: no model %s", zInherits);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      rc = sqlormInheritAncestors(db, zInherits, &chain);
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
    OrmParts up;
    memset(&up, 0, sizeof(up));
    if( zPolyOn==0 && zInherits ) rc = sqlormInheritDiscriminator(db, zInherits, &zDisc);
    if( rc==SQLITE_OK && zPolyOn==0 && zDisc==0 ){
      zErr = sqlite3_mprintf("identity needs a discriminator column: give polymorphic_on "
                             "(here or on the base model)");
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK && zPolyOn ){
      rc = sqlormTableLoadShallow(db, zTable, &pT, &zErr);
      if( rc==SQLITE_OK && sqlormNamesFind(&pT->cols, zPolyOn)<0 ){
        zErr = sqlite3_mprintf("polymorphic_on: table %s has no column %s", zTable, zPolyOn);
        rc = SQLITE_ERROR;
      }
    }else if( rc==SQLITE_OK ){
      /* An inherited discriminator lives in one of the parent's tables. */
      rc = sqlormInheritParts(db, zInherits, &up, &zErr);
      if( rc==SQLITE_OK && sqlormInheritPartOf(&up, zDisc)<0 ){
        zErr = sqlite3_mprintf("polymorphic_on: model %s has no column %s", zInherits, zDisc);
        rc = SQLITE_ERROR;
      }
    }
    sqlormInheritPartsClear(&up);
    sqlormTableFree(pT);
    sqlite3_free(zDisc);
  }
  /* A remote table (orm_remote) takes versioning only: SQLite makes no trigger on a
  ** virtual table, and a view of the file may not read a direct-only one. */
  if( rc==SQLITE_OK && (zSoftOpt || zCreated || zUpdated || rules.n || zInherits || zViewOpt
                        || zIdentity || sqlite3_stricmp(zName, zTable)!=0) ){
    int bRemote = 0;
    rc = sqlormTableIsRemote(db, zTable, &bRemote);
    if( rc==SQLITE_OK && bRemote ){
      zErr = sqlite3_mprintf("%s is a remote table (orm_remote): a model of it takes "
          "\"version\" only (timestamps, soft_delete, validate, inheritance and model views "
          "need triggers on it or views of it, which SQLite refuses for a direct-only "
          "virtual table); relationships and orm_json work on it as it is", zTable);
      rc = SQLITE_ERROR;
    }
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
    if( rc==SQLITE_OK ) rc = sqlormVersionValidate(db, &ver, zName, zTable, &zErr);
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
    sqlormVersionJson(pStr, &ver);
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
    OrmNames existing = {0, 0};
    rc = sqlormQueryNames(db, "SELECT name FROM main.orm_models WHERE name=?1 AND "
                          "options->>'$.version' IS NOT NULL", zName, &existing, 0);
    bVersioned = existing.n>0;
    sqlormNamesClear(&existing);
  }
  if( rc==SQLITE_OK ){
    /* The root of the family the model is in before this declaration. */
    OrmNames chain = {0, 0};
    rc = sqlormInheritAncestors(db, zName, &chain);
    if( rc==SQLITE_OK && chain.n>1 ){
      zOldRoot = sqlite3_mprintf("%s", chain.az[chain.n-1]);
      if( zOldRoot==0 ) rc = SQLITE_NOMEM;
    }
    sqlormNamesClear(&chain);
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
    /* Drop a view made under an earlier name, then build the current one; the family's
    ** views (ancestors show this model's identity, subclasses its tables and properties),
    ** and the family it left, if it inherited from another model before. */
    rc = sqlormModelRebuildFamily(db, zName, &zErr);
    if( rc==SQLITE_OK && zOldRoot ){
      rc = sqlormModelRebuildFamily(db, zOldRoot, &zErr);
    }
  }
  if( rc==SQLITE_OK && (ver.zCol || bVersioned) ){
    /* The other views of the table write it as its versioning says. */
    rc = sqlormVersionSync(db, zTable, zName, &zErr);
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
  sqlite3_free(zOldRoot);
  sqlormNamesClear(&rules);
  sqlormNamesClear(&ruleExprs);
  sqlormVersionClear(&ver);
}

int sqlormModelRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlormCreateFunction(db, "orm_model", 1, flags, ormModelFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_model", 2, flags, ormModelFunc);
  }
  return rc;
}
