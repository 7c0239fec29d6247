/*
** hybrid.c: hybrid properties, column properties and hybrid methods: orm_hybrid().
**
** Usage:
**   SELECT orm_hybrid('users', 'full_name', 'first_name || '' '' || last_name');
**   SELECT * FROM users WHERE full_name = 'John Doe';     -- a VIRTUAL generated column
**   SELECT orm_hybrid('users', 'full_name_lower', 'lower(full_name)', '{"index":true}');
**   SELECT orm_hybrid('users', 'address_count',
**          '(SELECT count(*) FROM addresses WHERE addresses.user_id = users.id)');
**   SELECT name, address_count FROM users_view;           -- a column property: the model's view
**   SELECT orm_hybrid('users', 'name_matches', 'full_name LIKE ''%'' || :pattern || ''%''',
**          '{"params":["pattern"]}');                     -- a hybrid method
**   SELECT * FROM users WHERE users__name_matches(id, 'Jo');    -- to filter
**   SELECT users__name_matches(1, 'Jo');                        -- on one row
**   SELECT orm_hybrid('users', 'full', 'first || '' '' || last', '{"setter":{
**          "first":"substr(:value, 1, instr(:value, '' '') - 1)", "last":"..."}}');
**   UPDATE users_view SET full = 'Jane Roe' WHERE id = 1;  -- write-back through the view
**   SELECT orm_drop('users', 'full_name');                 -- '{"cascade":true}' drops its indexes
**
** How it works: an expression of the row's own columns becomes a VIRTUAL generated column
** (ALTER TABLE ADD COLUMN), so every host sees it and it can be indexed; SQLite itself
** refuses what a generated column cannot hold, and an expression with a subquery becomes a
** column property instead: a column of the model's view (model.c). A hybrid method is a SQL
** function <model>__<name>(key..., params...) registered on the connection (and again at
** every load, from the catalog) that evaluates the expression for the row with that key,
** with the parameters bound by name; its compiled statement lives with the calling
** statement (auxdata), never on the connection. Kinds: "column", "property", "method"; the
** kind option forces one. A setter (write-back) is kept in the hybrid's options; the model
** view's INSTEAD OF triggers (model.c) write its expressions, with :value replaced by the
** hybrid's NEW value token by token (expr.c). NULL follows SQL: a hybrid over a NULL column is NULL, and
** `WHERE hybrid = x` does not match it.
*/
#include "sqlorm.h"
#include <string.h>

#define HYB_OPTIONS "kind, params, index, setter"

/* ---- hybrid methods ---------------------------------------------------------------- */

/* A method's SQL function, as registered: its user data. The expression itself is read
** from the catalog whenever a statement first calls the function, so that a method defined
** again (or dropped: SQLite cannot unregister a function while a statement runs, and the
** definition functions run inside one) is what the catalog says now. */
typedef struct HybMethod HybMethod;
struct HybMethod {
  char *zModel, *zName;
  int nKey;               /* the first nKey arguments are the key */
  int nParam;             /* then one per parameter */
};

static void hybMethodFree(void *p){
  HybMethod *m = (HybMethod*)p;
  if( m==0 ) return;
  sqlite3_free(m->zModel);
  sqlite3_free(m->zName);
  sqlite3_free(m);
}

/* The compiled method, kept with the calling statement (auxdata). */
typedef struct HybCall HybCall;
struct HybCall {
  sqlite3_stmt *pStmt;
  int *aiArg;             /* per argument (key columns, then parameters): its index in
                          ** pStmt, found by name (0: the expression does not use it) */
};

static void hybCallFree(void *p){
  HybCall *c = (HybCall*)p;
  if( c==0 ) return;
  sqlite3_finalize(c->pStmt);
  sqlite3_free(c->aiArg);
  sqlite3_free(c);
}

/* Compiles method m from the catalog: SELECT (expression) FROM its table WHERE key = the
** :orm_key_N parameters, with its own :parameters. */
static int hybCallCompile(sqlite3 *db, const HybMethod *m, HybCall **pp, char **pzErr){
  OrmNames kind = {0, 0}, expr = {0, 0}, params = {0, 0};
  OrmTable *pTab = 0;
  HybCall *c = 0;
  char *zTable = 0, *zSql = 0;
  sqlite3_stmt *pStmt = 0;
  int rc, i;
  *pp = 0;
  rc = sqlite3_prepare_v2(db, "SELECT kind, expression, params FROM main.orm_hybrids "
                          "WHERE model=?1 AND name=?2", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, m->zModel, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, m->zName, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW ){
      rc = sqlormNamesAdd(&kind, (const char*)sqlite3_column_text(pStmt, 0));
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&expr, (const char*)sqlite3_column_text(pStmt, 1));
      if( rc==SQLITE_OK ){
        rc = sqlormNamesFromJson(db, (const char*)sqlite3_column_text(pStmt, 2), &params, pzErr);
      }
    }else if( rc==SQLITE_DONE ){
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_OK && (kind.n==0 || strcmp(kind.az[0], "method")!=0 || params.n!=m->nParam) ){
    *pzErr = sqlite3_mprintf("the hybrid method %s.%s with %d parameter%s is no longer defined",
                             m->zModel, m->zName, m->nParam, m->nParam==1 ? "" : "s");
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  /* The catalog is the file's: held to what SQLite holds a view to. */
  if( rc==SQLITE_OK ) rc = sqlormCheckTrusted(db, expr.az[0], "hybrid method", &params, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormModelTable(db, m->zModel, 0, &zTable, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, zTable, &pTab, pzErr);
  if( rc==SQLITE_OK && pTab->key.n!=m->nKey ){
    *pzErr = sqlite3_mprintf("the key of %s changed since %s__%s was registered: load sqlorm "
                             "again", pTab->zName, m->zModel, m->zName);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    sqlite3_str *pStr = sqlite3_str_new(db);
    sqlite3_str_appendf(pStr, "SELECT (%s\n) FROM main.\"%w\" AS \"%w\" WHERE ", expr.az[0],
                        pTab->zName, pTab->zName);
    for(i=0; i<pTab->key.n; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = :orm_key_%d", i ? " AND " : "",
                          pTab->zName, pTab->key.az[i], i+1);
    }
    zSql = sqlite3_str_finish(pStr);
    c = sqlite3_malloc(sizeof(HybCall));
    if( c ) memset(c, 0, sizeof(*c));
    if( zSql==0 || c==0 ){
      rc = SQLITE_NOMEM;
    }else{
      c->aiArg = sqlite3_malloc64(sizeof(int)*(m->nKey+params.n+1));
      if( c->aiArg==0 ) rc = SQLITE_NOMEM;
    }
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, &c->pStmt, 0);
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    }
  }
  for(i=0; rc==SQLITE_OK && i<m->nKey+params.n; i++){
    char *zParam = i<m->nKey ? sqlite3_mprintf(":orm_key_%d", i+1)
                             : sqlite3_mprintf(":%s", params.az[i-m->nKey]);
    if( zParam==0 ) rc = SQLITE_NOMEM;
    else c->aiArg[i] = sqlite3_bind_parameter_index(c->pStmt, zParam);
    sqlite3_free(zParam);
  }
  if( rc==SQLITE_OK ){
    *pp = c;
    c = 0;
  }
  hybCallFree(c);
  sqlite3_free(zSql);
  sqlite3_free(zTable);
  sqlormTableFree(pTab);
  sqlormNamesClear(&kind);
  sqlormNamesClear(&expr);
  sqlormNamesClear(&params);
  return rc;
}

/* <model>__<name>(key..., params...): the method's value for the row with that key (NULL
** when there is none). */
static void hybMethodFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  HybMethod *m = (HybMethod*)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  int iAux = m->nKey < argc ? m->nKey : 0;   /* a parameter is usually constant */
  HybCall *c = (HybCall*)sqlite3_get_auxdata(ctx, iAux);
  int bAux = c!=0;
  int rc = SQLITE_OK, i;
  if( c==0 ){
    char *zErr = 0;
    rc = hybCallCompile(db, m, &c, &zErr);
    if( rc!=SQLITE_OK ){
      if( rc==SQLITE_NOMEM ){
        sqlite3_result_error_nomem(ctx);
      }else{
        char *zMsg = sqlite3_mprintf("%s__%s: %s", m->zModel, m->zName,
                                     zErr ? zErr : sqlite3_errstr(rc));
        sqlite3_result_error(ctx, zMsg ? zMsg : "out of memory", -1);
        sqlite3_free(zMsg);
      }
      sqlite3_free(zErr);
      return;
    }
  }
  for(i=0; i<m->nKey+m->nParam; i++){
    if( c->aiArg[i]>0 ) sqlite3_bind_value(c->pStmt, c->aiArg[i], argv[i]);
  }
  rc = sqlite3_step(c->pStmt);
  if( rc==SQLITE_ROW ){
    sqlite3_result_value(ctx, sqlite3_column_value(c->pStmt, 0));
  }else if( rc==SQLITE_DONE ){
    sqlite3_result_null(ctx);
  }else{
    sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
  }
  sqlite3_reset(c->pStmt);
  if( !bAux ){
    /* Kept with the calling statement when the argument is constant; else freed now. */
    sqlite3_set_auxdata(ctx, iAux, c, hybCallFree);
  }
}

/* Registers the SQL function <model>__<name> of a method with nParam parameters. One
** already registered by an earlier definition on this connection serves as it is. */
static int hybMethodRegister(sqlite3 *db, const char *zModel, const char *zName, int nParam,
                             char **pzErr){
  HybMethod *m = 0;
  OrmTable *pTab = 0;
  char *zFunc = 0, *zTable = 0;
  int rc = sqlormModelTable(db, zModel, 0, &zTable, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, zTable, &pTab, pzErr);
  if( rc==SQLITE_OK ){
    m = sqlite3_malloc(sizeof(HybMethod));
    if( m ) memset(m, 0, sizeof(*m));
    zFunc = sqlite3_mprintf("%s__%s", zModel, zName);
    if( m==0 || zFunc==0 ){
      rc = SQLITE_NOMEM;
    }else{
      m->zModel = sqlite3_mprintf("%s", zModel);
      m->zName = sqlite3_mprintf("%s", zName);
      m->nKey = pTab->key.n;
      m->nParam = nParam;
      if( m->zModel==0 || m->zName==0 ) rc = SQLITE_NOMEM;
    }
  }
  if( rc==SQLITE_OK ){
    /* DIRECTONLY: it runs SQL from the catalog, which a view or trigger must not reach. */
    rc = sqlite3_create_function_v2(db, zFunc, m->nKey + nParam, SQLITE_UTF8|SQLITE_DIRECTONLY,
                                    m, hybMethodFunc, 0, 0, hybMethodFree);
    m = 0;                             /* SQLite's now, even when this failed */
    if( rc==SQLITE_BUSY ){
      rc = SQLITE_OK;                  /* registered before, while a statement runs */
    }else if( rc!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("cannot register %s(): %s", zFunc, sqlite3_errstr(rc));
    }
  }
  hybMethodFree(m);
  sqlite3_free(zFunc);
  sqlite3_free(zTable);
  sqlormTableFree(pTab);
  return rc;
}

/* At load: the methods the catalog defines are registered on this connection. */
int sqlormHybridRestore(sqlite3 *db, char **pzErr){
  OrmNames models = {0, 0}, names = {0, 0}, exprs = {0, 0}, params = {0, 0};
  int bCatalog = 0, i;
  int rc = sqlormTableExists(db, "main", "orm_hybrids", &bCatalog);
  if( rc!=SQLITE_OK || !bCatalog ) return rc;
  rc = sqlormQueryNames(db, "SELECT model, name FROM main.orm_hybrids WHERE kind='method' "
                        "ORDER BY rowid", 0, &models, &names);
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT expression, params FROM main.orm_hybrids "
                          "WHERE kind='method' ORDER BY rowid", 0, &exprs, &params);
  }
  for(i=0; rc==SQLITE_OK && i<models.n; i++){
    /* The expression is read (and checked) when a statement first calls the method. */
    OrmNames plist = {0, 0};
    rc = sqlormNamesFromJson(db, params.az[i], &plist, pzErr);
    if( rc==SQLITE_OK ) rc = hybMethodRegister(db, models.az[i], names.az[i], plist.n, pzErr);
    sqlormNamesClear(&plist);
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      char *z = sqlite3_mprintf("sqlorm: hybrid method %s.%s: %s", models.az[i], names.az[i],
                                *pzErr ? *pzErr : sqlite3_errstr(rc));
      sqlite3_free(*pzErr);
      *pzErr = z;
    }
  }
  sqlormNamesClear(&models); sqlormNamesClear(&names);
  sqlormNamesClear(&exprs); sqlormNamesClear(&params);
  return rc;
}

/* ---- defining ---------------------------------------------------------------------- */

/* The options of orm_hybrid. */
typedef struct HybOptions HybOptions;
struct HybOptions {
  char *zKind;            /* "column", "property", "method" or NULL (decided here) */
  char *zParams;          /* JSON array of parameter names */
  char *zSetter;          /* JSON object: column -> expression of :value (write-back) */
  int bIndex;
};

static int hybParseOptions(sqlite3 *db, const char *zJson, HybOptions *o, char **pzErr){
  OrmNames keys = {0, 0}, types = {0, 0};
  sqlite3_stmt *pStmt = 0;
  int rc, i;
  if( zJson==0 ) return SQLITE_OK;
  rc = sqlite3_prepare_v2(db, "SELECT json_type(?1)", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW && sqlite3_column_type(pStmt, 0)==SQLITE_TEXT
     && strcmp((const char*)sqlite3_column_text(pStmt, 0), "object")==0 ){
      rc = SQLITE_OK;
    }else if( rc==SQLITE_ROW || rc==SQLITE_DONE || rc==SQLITE_ERROR ){
      rc = SQLITE_ERROR;
    }
  }
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_ERROR ){
    *pzErr = sqlite3_mprintf("options must be a JSON object, not %s", zJson);
    return rc;
  }
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT key, type FROM json_each(?1)", zJson, &keys, &types);
  }
  for(i=0; rc==SQLITE_OK && i<keys.n; i++){
    const char *zKey = keys.az[i], *zType = types.az[i];
    int j;
    for(j=0; j<i && strcmp(keys.az[j], zKey)!=0; j++){}
    if( j<i ){
      *pzErr = sqlite3_mprintf("option %s is given twice", zKey);
      rc = SQLITE_ERROR;
    }else if( strcmp(zKey, "kind")==0 && strcmp(zType, "text")==0 ){
      OrmNames v = {0, 0};
      rc = sqlormQueryNames(db, "SELECT ?1 ->> '$.kind'", zJson, &v, 0);
      if( rc==SQLITE_OK ){
        if( strcmp(v.az[0], "column") && strcmp(v.az[0], "property") && strcmp(v.az[0], "method") ){
          *pzErr = sqlite3_mprintf("option kind must be column, property or method, not %s",
                                   v.az[0]);
          rc = SQLITE_ERROR;
        }else{
          o->zKind = sqlite3_mprintf("%s", v.az[0]);
          if( o->zKind==0 ) rc = SQLITE_NOMEM;
        }
      }
      sqlormNamesClear(&v);
    }else if( strcmp(zKey, "params")==0 && strcmp(zType, "array")==0 ){
      OrmNames v = {0, 0};
      rc = sqlormQueryNames(db, "SELECT ?1 -> '$.params'", zJson, &v, 0);
      if( rc==SQLITE_OK ){
        o->zParams = sqlite3_mprintf("%s", v.az[0]);
        if( o->zParams==0 ) rc = SQLITE_NOMEM;
      }
      sqlormNamesClear(&v);
    }else if( strcmp(zKey, "setter")==0 && strcmp(zType, "object")==0 ){
      OrmNames v = {0, 0};
      rc = sqlormQueryNames(db, "SELECT ?1 -> '$.setter'", zJson, &v, 0);
      if( rc==SQLITE_OK ){
        o->zSetter = sqlite3_mprintf("%s", v.az[0]);
        if( o->zSetter==0 ) rc = SQLITE_NOMEM;
      }
      sqlormNamesClear(&v);
    }else if( strcmp(zKey, "index")==0 && (strcmp(zType, "true")==0 || strcmp(zType, "false")==0) ){
      o->bIndex = zType[0]=='t';
    }else if( strcmp(zKey, "kind")==0 || strcmp(zKey, "params")==0 || strcmp(zKey, "index")==0
           || strcmp(zKey, "setter")==0 ){
      *pzErr = sqlite3_mprintf("option %s must be %s", zKey, zKey[0]=='k' ? "text" :
                               zKey[0]=='p' ? "an array of names" : zKey[0]=='s' ?
                               "an object of column: expression of :value" : "true or false");
      rc = SQLITE_ERROR;
    }else{
      *pzErr = sqlite3_mprintf("unknown option %s (known: " HYB_OPTIONS ")", zKey);
      rc = SQLITE_ERROR;
    }
  }
  sqlormNamesClear(&keys);
  sqlormNamesClear(&types);
  return rc;
}

/* Whether z is a plain identifier (a parameter name: letters, digits, _). */
static int hybIsIdentifier(const char *z){
  int i;
  if( z[0]==0 || (z[0]>='0' && z[0]<='9') ) return 0;
  for(i=0; z[i]; i++){
    char c = z[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='_') ) return 0;
  }
  return 1;
}

/* A setter (SQLAlchemy's hybrid setter, as SQL): {"column": "expression of :value", ...}.
** Each column is a stored column of the table; each expression is one expression of :value
** alone (it runs in the view's INSTEAD OF triggers, where the row's columns are NEW.x and
** OLD.x, so it may not name them). A method has no value to set. */
static int hybCheckSetter(sqlite3 *db, const OrmTable *pTab, const char *zName,
                          const char *zKind, const char *zSetter, char **pzErr){
  OrmNames cols = {0, 0}, exprs = {0, 0}, value = {0, 0};
  int rc, i;
  if( strcmp(zKind, "method")==0 ){
    *pzErr = sqlite3_mprintf("%s is a hybrid method: it has no value to set", zName);
    return SQLITE_ERROR;
  }
  OrmNames types = {0, 0};
  rc = sqlormQueryNames(db, "SELECT key, type FROM json_each(?1)", zSetter, &cols, &types);
  if( rc==SQLITE_OK ){
    rc = sqlormQueryNames(db, "SELECT CASE WHEN type='text' THEN value ELSE '' END FROM "
                          "json_each(?1)", zSetter, &exprs, 0);
  }
  if( rc==SQLITE_OK && cols.n==0 ){
    *pzErr = sqlite3_mprintf("setter of %s: give {\"column\": \"expression of :value\", ...}",
                             zName);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&value, "value");
  for(i=0; rc==SQLITE_OK && i<cols.n; i++){
    char *zWhat;
    if( sqlormNamesFind(&pTab->cols, cols.az[i])<0
     || sqlormNamesFind(&pTab->generated, cols.az[i])>=0 ){
      *pzErr = sqlite3_mprintf("setter of %s: %s is not a stored column of %s", zName,
                               cols.az[i], pTab->zName);
      rc = SQLITE_ERROR;
      break;
    }
    if( strcmp(types.az[i], "text")!=0 ){
      *pzErr = sqlite3_mprintf("setter of %s: %s must be given an SQL expression (text)",
                               zName, cols.az[i]);
      rc = SQLITE_ERROR;
      break;
    }
    zWhat = sqlite3_mprintf("setter of %s for %s", zName, cols.az[i]);
    rc = zWhat ? sqlormCheckExpr(db, exprs.az[i], "(SELECT 1 AS orm_nothing)", zWhat, &value,
                                 pzErr) : SQLITE_NOMEM;
    sqlite3_free(zWhat);
  }
  sqlormNamesClear(&cols);
  sqlormNamesClear(&types);
  sqlormNamesClear(&exprs);
  sqlormNamesClear(&value);
  return rc;
}

/* orm_hybrid(model, name, expression [, options]) */
static void ormHybridFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_hybrid";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zModel, *zName, *zExpr, *zOpts = 0, *zKind = 0;
  char *zErr = 0, *zTable = 0, *zFrom = 0, *zModelName = 0, *zHybOpts = 0;
  OrmTable *pTab = 0;
  OrmNames params = {0, 0};
  HybOptions o;
  int rc, i;

  memset(&o, 0, sizeof(o));
  if( sqlormArgText(ctx, argv, 0, zFunc, "model", &zModel)
   || sqlormArgText(ctx, argv, 1, zFunc, "name", &zName)
   || sqlormArgText(ctx, argv, 2, zFunc, "expression", &zExpr)
   || (argc>3 && sqlite3_value_type(argv[3])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 3, zFunc, "options", &zOpts)) ){
    return;
  }
  if( zName[0]==0 ){
    sqlite3_result_error(ctx, "orm_hybrid: name must not be empty", -1);
    return;
  }
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc!=SQLITE_OK ){
    sqlormResultError(ctx, zFunc, rc, zErr);
    return;
  }
  rc = hybParseOptions(db, zOpts, &o, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormModelTable(db, zModel, 1, &zTable, &zErr);
  if( rc==SQLITE_OK ){
    zModelName = sqlite3_mprintf("%s", sqlite3_stricmp(zModel, zTable)==0 ? zTable : zModel);
    if( zModelName==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = sqlormTableLoadShallow(db, zTable, &pTab, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormNamesFromJson(db, o.zParams, &params, &zErr);
  for(i=0; rc==SQLITE_OK && i<params.n; i++){
    if( sqlite3_strnicmp(params.az[i], "orm_", 4)==0 ){
      zErr = sqlite3_mprintf("params: %s: names beginning orm_ are sqlorm's own", params.az[i]);
      rc = SQLITE_ERROR;
    }else if( !hybIsIdentifier(params.az[i]) ){
      zErr = sqlite3_mprintf("params: %s is not a parameter name (letters, digits, _)",
                             params.az[i]);
      rc = SQLITE_ERROR;
    }
  }
  /* The kind: a method has params; otherwise decided by SQLite below. */
  zKind = o.zKind ? o.zKind : params.n ? "method" : 0;
  if( rc==SQLITE_OK && zKind && strcmp(zKind, "method")==0 && params.n==0 ){
    zErr = sqlite3_mprintf("a hybrid method needs params: {\"params\":[\"name\", ...]}");
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && params.n && zKind && strcmp(zKind, "method")!=0 ){
    zErr = sqlite3_mprintf("params make a hybrid method, not a %s", zKind);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && o.bIndex && zKind && strcmp(zKind, "column")!=0 ){
    zErr = sqlite3_mprintf("only a hybrid column (a generated column) can be indexed");
    rc = SQLITE_ERROR;
  }
  /* The name: not a column, relationship or hybrid of the model already. */
  if( rc==SQLITE_OK && sqlormNamesFind(&pTab->cols, zName)>=0 ){
    zErr = sqlite3_mprintf("hybrid name %s collides with column %s.%s", zName, pTab->zName,
                           zName);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    sqlite3_stmt *pStmt = 0;
    rc = sqlite3_prepare_v2(db, "SELECT 'relationship' FROM main.orm_relationships "
        "WHERE model=?1 AND name=?2 UNION ALL SELECT 'hybrid' FROM main.orm_hybrids "
        "WHERE model=?1 AND name=?2", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      sqlite3_bind_text(pStmt, 1, zModelName, -1, SQLITE_STATIC);
      sqlite3_bind_text(pStmt, 2, zName, -1, SQLITE_STATIC);
      rc = sqlite3_step(pStmt);
      if( rc==SQLITE_ROW ){
        zErr = sqlite3_mprintf("model %s already has a %s named %s", zModelName,
                               sqlite3_column_text(pStmt, 0), zName);
        rc = SQLITE_ERROR;
      }else if( rc==SQLITE_DONE ){
        rc = SQLITE_OK;
      }
    }
    sqlite3_finalize(pStmt);
  }
  /* The expression: exactly one, over the model's table (named as the table). */
  if( rc==SQLITE_OK ){
    zFrom = sqlite3_mprintf("main.\"%w\" AS \"%w\"", pTab->zName, pTab->zName);
    rc = zFrom ? sqlormCheckExpr(db, zExpr, zFrom, "expression", params.n ? &params : 0, &zErr)
               : SQLITE_NOMEM;
  }

  /* A property if it reads other rows (a subquery); else a column, if SQLite takes it as a
  ** generated column. */
  if( rc==SQLITE_OK && zKind==0 && sqlormExprHasSubquery(zExpr) ) zKind = "property";
  if( rc==SQLITE_OK && (zKind==0 || strcmp(zKind, "column")==0) ){
    char *zTry = 0;
    int rc2;
    rc = sqlormExec(db, &zErr, "SAVEPOINT orm_hybrid_try");
    if( rc==SQLITE_OK ){
      /* A STRICT table wants a type for every column: ANY keeps the value as it comes. */
      rc = sqlormExec(db, &zTry, "ALTER TABLE main.\"%w\" ADD COLUMN \"%w\" %s AS (%s\n) VIRTUAL",
                      pTab->zName, zName, pTab->bStrict ? "ANY" : "", zExpr);
      if( rc==SQLITE_OK ){
        zKind = "column";
        rc = sqlormExec(db, &zErr, "RELEASE orm_hybrid_try");
      }else if( (rc2 = sqlite3_exec(db, "ROLLBACK TO orm_hybrid_try; RELEASE orm_hybrid_try",
                                    0, 0, 0))!=SQLITE_OK ){
        /* The savepoint could not be rolled back (out of memory), or SQLite already rolled
        ** the whole transaction back: stop here. */
        if( rc2==SQLITE_NOMEM ){
          rc = SQLITE_NOMEM;
        }else if( rc!=SQLITE_NOMEM ){
          zErr = sqlite3_mprintf("%s", zTry ? zTry : sqlite3_errstr(rc));
          if( zErr==0 ) rc = SQLITE_NOMEM;
        }
      }else{
        if( rc!=SQLITE_NOMEM ){
          zErr = sqlite3_mprintf("%s cannot be a generated column (%s): a hybrid column needs a "
              "deterministic expression of the row's own columns; one that reads other rows "
              "is a column property", zName, zTry ? zTry : sqlite3_errstr(rc));
          rc = SQLITE_ERROR;
        }
      }
    }
    sqlite3_free(zTry);
  }
  if( rc==SQLITE_OK && strcmp(zKind, "property")==0 ){
    /* A column of each row: an aggregate here would fold the view into one row. */
    sqlite3_stmt *pCheck = 0;
    char *zCheck = sqlite3_mprintf("SELECT 1 FROM %s WHERE (%s\n) IS NULL", zFrom, zExpr);
    rc = zCheck ? sqlite3_prepare_v2(db, zCheck, -1, &pCheck, 0) : SQLITE_NOMEM;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      zErr = sqlite3_mprintf("%s cannot be a column property (%s): it must give a value for "
                             "each row", zName, sqlite3_errmsg(db));
    }
    sqlite3_finalize(pCheck);
    sqlite3_free(zCheck);
  }
  if( rc==SQLITE_OK && o.zSetter ){
    rc = hybCheckSetter(db, pTab, zName, zKind, o.zSetter, &zErr);
  }
  if( rc==SQLITE_OK && o.bIndex && strcmp(zKind, "column")!=0 ){
    zErr = sqlite3_mprintf("%s is a column property: only a hybrid column can be indexed", zName);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && o.bIndex ){
    rc = sqlormExec(db, &zErr, "CREATE INDEX main.\"orm_%w__%w\" ON \"%w\"(\"%w\")",
                    pTab->zName, zName, pTab->zName, zName);
  }
  if( rc==SQLITE_OK ){
    zHybOpts = sqlite3_mprintf("{%s%s%s%s}", o.bIndex ? "\"index\":true" : "",
        o.bIndex && o.zSetter ? "," : "", o.zSetter ? "\"setter\":" : "",
        o.zSetter ? o.zSetter : "");
    if( zHybOpts==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, &zErr, "INSERT INTO main.orm_hybrids(model, name, expression, kind, "
        "params, options) VALUES (%Q, %Q, %Q, %Q, %Q, %Q)", zModelName, zName, zExpr, zKind,
        o.zParams ? o.zParams : "[]", zHybOpts);
  }
  if( rc==SQLITE_OK && (strcmp(zKind, "property")==0 || o.zSetter) ){
    rc = sqlormModelRebuildFamily(db, zModelName, &zErr);
  }
  if( rc==SQLITE_OK && strcmp(zKind, "method")==0 ){
    rc = hybMethodRegister(db, zModelName, zName, params.n, &zErr);
  }
  rc = sqlormSavepointEnd(db, rc, &zErr);
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, zKind, -1, SQLITE_STATIC);
  }else{
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
  sqlite3_free(o.zKind);
  sqlite3_free(o.zParams);
  sqlite3_free(o.zSetter);
  sqlite3_free(zHybOpts);
  sqlite3_free(zTable);
  sqlite3_free(zFrom);
  sqlite3_free(zModelName);
  sqlormNamesClear(&params);
  sqlormTableFree(pTab);
}

/* Drops hybrid zModel.zName: a column with ALTER TABLE DROP COLUMN (its indexes first when
** bCascade, else they stop it), a property from the view, a method's function. SQLITE_DONE
** (no error) when the model has no such hybrid. */
int sqlormHybridDrop(sqlite3 *db, const char *zModel, const char *zName, int bCascade,
                     char **pzErr){
  OrmNames kind = {0, 0}, expr = {0, 0}, params = {0, 0}, name = {0, 0};
  sqlite3_stmt *pStmt = 0;
  char *zTable = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT kind, expression, params, name FROM main.orm_hybrids "
                              "WHERE model=?1 AND name=?2", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zModel, -1, SQLITE_STATIC);
    sqlite3_bind_text(pStmt, 2, zName, -1, SQLITE_STATIC);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW ){
      rc = sqlormNamesAdd(&kind, (const char*)sqlite3_column_text(pStmt, 0));
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&expr, (const char*)sqlite3_column_text(pStmt, 1));
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&params, (const char*)sqlite3_column_text(pStmt, 2));
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&name, (const char*)sqlite3_column_text(pStmt, 3));
    }else if( rc==SQLITE_DONE ){
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_OK && kind.n==0 ){
    rc = SQLITE_DONE;
  }else if( rc==SQLITE_OK ){
    const char *zHyb = name.az[0];       /* as the catalog spells it */
    rc = sqlormModelTable(db, zModel, 0, &zTable, pzErr);
    if( rc==SQLITE_OK && strcmp(kind.az[0], "column")==0 ){
      OrmNames idx = {0, 0};
      int i;
      {
        char *zSql = sqlite3_mprintf("SELECT DISTINCT il.name FROM pragma_index_list(%Q, 'main') il "
            "JOIN pragma_index_info(il.name, 'main') ii WHERE ii.name = ?1 COLLATE NOCASE "
            "ORDER BY 1", zTable);
        rc = zSql ? sqlormQueryNames(db, zSql, zHyb, &idx, 0) : SQLITE_NOMEM;
        sqlite3_free(zSql);
      }
      if( rc==SQLITE_OK && idx.n && !bCascade ){
        *pzErr = sqlite3_mprintf("index %s uses %s.%s: drop it first, or pass "
            "'{\"cascade\":true}' to orm_drop to drop it with the hybrid", idx.az[0], zTable,
            zHyb);
        rc = SQLITE_ERROR;
      }
      for(i=0; rc==SQLITE_OK && i<idx.n; i++){
        rc = sqlormExec(db, pzErr, "DROP INDEX main.\"%w\"", idx.az[i]);
      }
      sqlormNamesClear(&idx);
      if( rc==SQLITE_OK ){
        /* The model views over the table (its models' and, through joined-table
        ** inheritance, their subclasses') name every column in their triggers: they are
        ** taken down for the drop and built again after it. */
        OrmNames views = {0, 0};
        char *zDrop = 0;
        rc = sqlormQueryNames(db, "WITH RECURSIVE fam(name, depth) AS ("
            "SELECT name, 0 FROM main.orm_models WHERE tbl=?1 UNION "
            "SELECT m.name, fam.depth+1 FROM main.orm_models m JOIN fam "
            "ON m.options->>'$.inherits' = fam.name COLLATE NOCASE WHERE fam.depth < 64) "
            "SELECT DISTINCT m.name FROM fam JOIN main.orm_models m ON m.name = fam.name "
            "WHERE m.options->>'$.has_view' IS NOT NULL", zTable, &views, 0);
        for(i=0; rc==SQLITE_OK && i<views.n; i++){
          rc = sqlormModelDropView(db, views.az[i], pzErr);
        }
        if( rc==SQLITE_OK ){
          rc = sqlormExec(db, &zDrop, "ALTER TABLE main.\"%w\" DROP COLUMN \"%w\"", zTable, zHyb);
          if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
            *pzErr = sqlite3_mprintf("cannot drop the generated column %s.%s: %s", zTable, zHyb,
                                     zDrop ? zDrop : sqlite3_errstr(rc));
          }
        }
        sqlite3_free(zDrop);
        for(i=0; rc==SQLITE_OK && i<views.n; i++){
          rc = sqlormModelRebuild(db, views.az[i], pzErr);
        }
        sqlormNamesClear(&views);
      }
    }
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "DELETE FROM main.orm_hybrids WHERE model=%Q AND name=%Q",
                      zModel, zHyb);
    }
    if( rc==SQLITE_OK && strcmp(kind.az[0], "method")!=0 ){
      /* A property leaves the view, and a setter its triggers. */
      rc = sqlormModelRebuildFamily(db, zModel, pzErr);
    }
  }
  sqlite3_free(zTable);
  sqlormNamesClear(&kind);
  sqlormNamesClear(&expr);
  sqlormNamesClear(&params);
  sqlormNamesClear(&name);
  return rc;
}

int sqlormHybridRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlormCreateFunction(db, "orm_hybrid", 3, flags, ormHybridFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_hybrid", 4, flags, ormHybridFunc);
  }
  return rc;
}
