/*
** autogen.c: orm_autogenerate(rev, description, target_schema_sql [, options]): a revision
** that takes the live schema to the target one, with its downgrade.
**
** Usage:
**   SELECT orm_autogenerate('c3', 'sync', readfile('schema.sql'));   -- (readfile: the shell's)
**   SELECT orm_autogenerate('c3', 'sync', 'CREATE TABLE users(id INTEGER PRIMARY KEY, ...); ...',
**          '{"down":"b2"}');
**   SELECT upgrade_sql FROM orm_revisions WHERE revision = 'c3';      -- review it, then upgrade
**
** How it works: the target SQL runs in a scratch in-memory database of its own (ATTACH
** refused), and the two schemas are compared object by object: tables, indexes, views and
** triggers, by name (sqlorm's own objects aside: its catalog, orm_* names, model and
** traversal views, hybrid columns). A table in both whose definition differs becomes an
** orm_alter_table() call, column by column and constraint by constraint, so the rebuild keeps
** everything the change does not name and refuses to lose data unless told; a changed
** index, view or trigger is dropped and made again. The upgrade is diff(live, target), the
** downgrade diff(target, live): the same code both ways. Destructive changes (a table or a
** column dropped) and possible renames (a column dropped and one added with the same
** declaration) are flagged in the revision's comments. The revision revises the current
** head (option "down" to choose).
*/
#include "sqlorm.h"
#include <string.h>

/* A schema: its objects as sqlite_schema lists them, in creation order. */
typedef struct AgSchema AgSchema;
struct AgSchema {
  OrmNames type, name, tbl, sql;
};

static void agSchemaClear(AgSchema *p){
  sqlormNamesClear(&p->type);
  sqlormNamesClear(&p->name);
  sqlormNamesClear(&p->tbl);
  sqlormNamesClear(&p->sql);
}

/* Reads the objects of db's main schema, leaving out SQLite's and sqlorm's own. zSkip: a
** JSON array of more names to leave out (sqlorm's views), or NULL. */
static int agSchemaRead(sqlite3 *db, const char *zSkip, AgSchema *p){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM main.sqlite_schema "
      "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
      "AND name NOT GLOB 'orm_*' AND name NOT IN (SELECT value FROM json_each(?1)) "
      "ORDER BY rowid", -1, &pStmt, 0);
  memset(p, 0, sizeof(*p));
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zSkip ? zSkip : "[]", -1, SQLITE_STATIC);
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    int i;
    rc = SQLITE_OK;
    for(i=0; rc==SQLITE_OK && i<4; i++){
      OrmNames *a = i==0 ? &p->type : i==1 ? &p->name : i==2 ? &p->tbl : &p->sql;
      rc = sqlormNamesAdd(a, (const char*)sqlite3_column_text(pStmt, i));
    }
    if( rc!=SQLITE_OK ) break;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_finalize(pStmt);
  return rc;
}

/* The object of type zType named zName in p, or -1. */
static int agFind(const AgSchema *p, const char *zType, const char *zName){
  int i;
  for(i=0; i<p->name.n; i++){
    if( strcmp(p->type.az[i], zType)==0 && sqlite3_stricmp(p->name.az[i], zName)==0 ) return i;
  }
  return -1;
}

/* Whether two SQL texts say the same, blanks, comments and case of bare words aside. */
static int agSame(const char *zA, const char *zB, int *pRc){
  char *a = sqlormDdlNormalize(zA, (int)strlen(zA));
  char *b = sqlormDdlNormalize(zB, (int)strlen(zB));
  int bSame = a && b && strcmp(a, b)==0;
  if( (a==0 || b==0) && *pRc==SQLITE_OK ) *pRc = SQLITE_NOMEM;
  sqlite3_free(a);
  sqlite3_free(b);
  return bSame;
}

/* z without its leading blanks. */
static const char *agTrim(const char *z){
  while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
  return z;
}

/* A column part's declaration: its text after the name (type and constraints). */
static char *agDecl(const char *zPart, int *pRc){
  OrmDdlColumn c;
  char *z;
  if( sqlormDdlColumn(zPart, &c)!=SQLITE_OK ){
    if( *pRc==SQLITE_OK ) *pRc = SQLITE_ERROR;
    return 0;
  }
  z = sqlite3_mprintf("%s", agTrim(zPart + c.iName + c.nName));
  if( z==0 && *pRc==SQLITE_OK ) *pRc = SQLITE_NOMEM;
  return z;
}

/* The part of d that matches p (a column or a named constraint by name, an unnamed
** constraint by its text), or -1. */
static int agMatch(const OrmDdl *d, const OrmDdlPart *p, int *pRc){
  int j;
  for(j=0; j<d->nPart; j++){
    const OrmDdlPart *q = &d->aPart[j];
    if( p->bConstraint!=q->bConstraint ) continue;
    if( p->zName && q->zName && sqlite3_stricmp(p->zName, q->zName)==0 ) return j;
    if( p->bConstraint && !p->zName && !q->zName && agSame(p->zText, q->zText, pRc) ) return j;
  }
  return -1;
}

/* The orm_alter_table() call that takes table zTable from definition zFrom to zTo, or ""
** when they say the same. Flags destructive changes in pNote. */
static int agAlterTable(const char *zTable, const char *zFrom, const char *zTo,
                        sqlite3_str *pOut, sqlite3_str *pNote, char **pzErr){
  OrmDdl a, b;
  sqlite3_str *pJson = sqlite3_str_new(0), *pAdd = sqlite3_str_new(0);
  sqlite3_str *pAlt = sqlite3_str_new(0), *pDrop = sqlite3_str_new(0);
  sqlite3_str *pDropC = sqlite3_str_new(0), *pAddC = sqlite3_str_new(0);
  int rc, i, j, nAdd = 0, nAlt = 0, nDrop = 0, nDropC = 0, nAddC = 0;
  int bWrA, bStA, bWrB, bStB;
  char *zDropped = 0, *zAdded = 0;   /* for the rename hint: one of each, same declaration */
  char *zDropDecl = 0, *zAddDecl = 0;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  rc = sqlormDdlParse(zFrom, &a, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormDdlParse(zTo, &b, pzErr);
  for(i=0; rc==SQLITE_OK && i<a.nPart; i++){
    /* Columns and named constraints of the old definition that the new one lacks or
    ** words differently. */
    const OrmDdlPart *pA = &a.aPart[i];
    int iB = agMatch(&b, pA, &rc);
    if( !pA->bConstraint && iB<0 ){
      sqlite3_str_appendf(pDrop, "%s", nDrop++ ? "," : "");
      sqlormJsonString(pDrop, pA->zName, -1);
      sqlite3_str_appendf(pNote, "-- DESTRUCTIVE: drops column %s.%s (its values are lost; "
          "orm_alter_table refuses while it holds any unless \"allow_data_loss\" is added)\n",
          zTable, pA->zName);
      if( nDrop==1 ){ zDropped = pA->zName; zDropDecl = agDecl(pA->zText, &rc); }
    }else if( !pA->bConstraint && !agSame(pA->zText, b.aPart[iB].zText, &rc) ){
      char *zDecl = agDecl(b.aPart[iB].zText, &rc);
      if( zDecl ){
        sqlite3_str_appendf(pAlt, "%s", nAlt++ ? "," : "");
        sqlormJsonString(pAlt, pA->zName, -1);
        sqlite3_str_appendchar(pAlt, 1, ':');
        sqlormJsonString(pAlt, zDecl, -1);
      }
      sqlite3_free(zDecl);
    }else if( pA->bConstraint && (iB<0 || !agSame(pA->zText, b.aPart[iB].zText, &rc)) ){
      sqlite3_str_appendf(pDropC, "%s", nDropC++ ? "," : "");
      sqlormJsonString(pDropC, pA->zName ? pA->zName : agTrim(pA->zText), -1);
    }
  }
  for(j=0; rc==SQLITE_OK && j<b.nPart; j++){
    /* What the new definition adds. */
    const OrmDdlPart *pB = &b.aPart[j];
    int iA = agMatch(&a, pB, &rc);
    if( !pB->bConstraint && iA<0 ){
      char *zDecl = agDecl(pB->zText, &rc);
      if( zDecl ){
        sqlite3_str_appendf(pAdd, "%s", nAdd++ ? "," : "");
        sqlormJsonString(pAdd, pB->zName, -1);
        sqlite3_str_appendchar(pAdd, 1, ':');
        sqlormJsonString(pAdd, zDecl, -1);
        if( nAdd==1 ){ zAdded = pB->zName; zAddDecl = zDecl; zDecl = 0; }
      }
      sqlite3_free(zDecl);
    }else if( pB->bConstraint && (iA<0 || !agSame(a.aPart[iA].zText, pB->zText, &rc)) ){
      sqlite3_str_appendf(pAddC, "%s", nAddC++ ? "," : "");
      sqlormJsonString(pAddC, agTrim(pB->zText), -1);
    }
  }
  if( rc==SQLITE_OK && nDrop==1 && nAdd==1 && zDropDecl && zAddDecl
   && agSame(zDropDecl, zAddDecl, &rc) ){
    sqlite3_str_appendf(pNote, "-- RENAME? %s.%s was dropped and %s added with the same "
        "declaration: to keep its values, replace the two with "
        "{\"rename_column\":{\"%s\":\"%s\"}}\n", zTable, zDropped, zAdded, zDropped, zAdded);
  }
  if( rc==SQLITE_OK ){
    sqlormDdlOptions(&a, &bWrA, &bStA);
    sqlormDdlOptions(&b, &bWrB, &bStB);
  }
  if( rc==SQLITE_OK ){
    char *zDrop = sqlite3_str_finish(pDrop), *zAlt = sqlite3_str_finish(pAlt);
    char *zAdd = sqlite3_str_finish(pAdd), *zDropC = sqlite3_str_finish(pDropC);
    char *zAddC = sqlite3_str_finish(pAddC);
    pDrop = pAlt = pAdd = pDropC = pAddC = 0;
    /* Each member is written with a leading comma; the first one's is dropped below. */
    if( nDrop ) sqlite3_str_appendf(pJson, ",\"drop_column\":[%s]", zDrop);
    if( nAlt ) sqlite3_str_appendf(pJson, ",\"alter_column\":{%s}", zAlt);
    if( nAdd ) sqlite3_str_appendf(pJson, ",\"add_column\":{%s}", zAdd);
    if( nDropC ) sqlite3_str_appendf(pJson, ",\"drop_constraint\":[%s]", zDropC);
    if( nAddC ) sqlite3_str_appendf(pJson, ",\"add_constraint\":[%s]", zAddC);
    if( bStA!=bStB ) sqlite3_str_appendf(pJson, ",\"strict\":%s", bStB ? "true" : "false");
    if( bWrA!=bWrB ){
      sqlite3_str_appendf(pJson, ",\"without_rowid\":%s", bWrB ? "true" : "false");
    }
    sqlite3_free(zDrop); sqlite3_free(zAlt); sqlite3_free(zAdd);
    sqlite3_free(zDropC); sqlite3_free(zAddC);
    if( sqlite3_str_length(pJson)>0 ){
      char *zJson = sqlite3_str_finish(pJson);
      pJson = 0;
      if( zJson==0 ){
        rc = SQLITE_NOMEM;
      }else{
        char *zCall = sqlite3_mprintf("{%s}", zJson+1);
        if( zCall==0 ){
          rc = SQLITE_NOMEM;
        }else{
          sqlite3_str_appendf(pOut, "SELECT orm_alter_table(%Q, %Q);\n", zTable, zCall);
        }
        sqlite3_free(zCall);
      }
      sqlite3_free(zJson);
    }
  }else if( rc==SQLITE_ERROR && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("cannot read the definition of table %s", zTable);
  }
  sqlite3_free(sqlite3_str_finish(pJson));
  sqlite3_free(sqlite3_str_finish(pAdd));
  sqlite3_free(sqlite3_str_finish(pAlt));
  sqlite3_free(sqlite3_str_finish(pDrop));
  sqlite3_free(sqlite3_str_finish(pDropC));
  sqlite3_free(sqlite3_str_finish(pAddC));
  sqlite3_free(zDropDecl);
  sqlite3_free(zAddDecl);
  sqlormDdlClear(&a);
  sqlormDdlClear(&b);
  return rc;
}

/* The SQL that takes schema pFrom to pTo, with its notes (flags) first. */
static int agDiff(const AgSchema *pFrom, const AgSchema *pTo, char **pzSql, char **pzErr){
  static const char *const azKind[] = { "trigger", "view", "index" };
  sqlite3_str *pOut = sqlite3_str_new(0), *pNote = sqlite3_str_new(0);
  int rc = SQLITE_OK, i, k, n = 0;
  char *zNote, *zBody;
  /* 1. Triggers, views and indexes that go or change: dropped first. */
  for(k=0; k<3; k++){
    for(i=pFrom->name.n-1; rc==SQLITE_OK && i>=0; i--){
      int j;
      if( strcmp(pFrom->type.az[i], azKind[k])!=0 ) continue;
      j = agFind(pTo, azKind[k], pFrom->name.az[i]);
      if( j<0 || !agSame(pFrom->sql.az[i], pTo->sql.az[j], &rc) ){
        sqlite3_str_appendf(pOut, "DROP %s IF EXISTS \"%w\";\n", k==0 ? "TRIGGER" : k==1 ?
                            "VIEW" : "INDEX", pFrom->name.az[i]);
        n++;
      }
    }
  }
  /* 2. Tables: made, changed, dropped. */
  for(i=0; rc==SQLITE_OK && i<pTo->name.n; i++){
    int j;
    if( strcmp(pTo->type.az[i], "table")!=0 ) continue;
    j = agFind(pFrom, "table", pTo->name.az[i]);
    if( j<0 ){
      sqlite3_str_appendf(pOut, "%s;\n", pTo->sql.az[i]);
      n++;
    }else if( !agSame(pFrom->sql.az[j], pTo->sql.az[i], &rc) ){
      int nBefore = sqlite3_str_length(pOut);
      rc = agAlterTable(pTo->name.az[i], pFrom->sql.az[j], pTo->sql.az[i], pOut, pNote, pzErr);
      if( sqlite3_str_length(pOut)>nBefore ) n++;
    }
  }
  for(i=pFrom->name.n-1; rc==SQLITE_OK && i>=0; i--){
    if( strcmp(pFrom->type.az[i], "table")!=0 ) continue;
    if( agFind(pTo, "table", pFrom->name.az[i])<0 ){
      sqlite3_str_appendf(pOut, "DROP TABLE \"%w\";\n", pFrom->name.az[i]);
      sqlite3_str_appendf(pNote, "-- DESTRUCTIVE: drops table %s (its rows are lost)\n",
                          pFrom->name.az[i]);
      n++;
    }
  }
  /* 3. Indexes, views and triggers that come or changed, in the target's order. */
  for(k=2; k>=0; k--){
    for(i=0; rc==SQLITE_OK && i<pTo->name.n; i++){
      int j;
      if( strcmp(pTo->type.az[i], azKind[k])!=0 ) continue;
      j = agFind(pFrom, azKind[k], pTo->name.az[i]);
      if( j<0 || !agSame(pFrom->sql.az[j], pTo->sql.az[i], &rc) ){
        sqlite3_str_appendf(pOut, "%s;\n", pTo->sql.az[i]);
        n++;
      }
    }
  }
  zNote = sqlite3_str_finish(pNote);
  zBody = sqlite3_str_finish(pOut);
  if( rc==SQLITE_OK && n>0 && zBody==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    *pzSql = n ? sqlite3_mprintf("%s%s", zNote ? zNote : "", zBody) : 0;
    if( n && *pzSql==0 ) rc = SQLITE_NOMEM;
  }
  sqlite3_free(zNote);
  sqlite3_free(zBody);
  return rc;
}

/* Leaves sqlorm's hybrid columns (VIRTUAL generated columns it added) out of the live
** tables' definitions: the target does not hold them, and they are not to be dropped. */
static int agStripHybrids(sqlite3 *db, AgSchema *p, char **pzErr){
  OrmNames tbl = {0, 0}, col = {0, 0};
  int bCatalog = 0, i, j, rc;
  rc = sqlormTableExists(db, "main", "orm_hybrids", &bCatalog);
  if( rc==SQLITE_OK && bCatalog ){
    rc = sqlormQueryNames(db, "SELECT coalesce(m.tbl, h.model), h.name FROM main.orm_hybrids h "
        "LEFT JOIN main.orm_models m ON m.name = h.model WHERE h.kind = 'column'", 0, &tbl, &col);
  }
  for(i=0; rc==SQLITE_OK && i<p->name.n; i++){
    OrmDdl d;
    int bChanged = 0;
    if( strcmp(p->type.az[i], "table")!=0 || sqlormNamesFind(&tbl, p->name.az[i])<0 ) continue;
    memset(&d, 0, sizeof(d));
    rc = sqlormDdlParse(p->sql.az[i], &d, pzErr);
    for(j=d.nPart-1; rc==SQLITE_OK && j>=0; j--){
      int k;
      if( d.aPart[j].bConstraint || d.aPart[j].zName==0 ) continue;
      for(k=0; k<tbl.n; k++){
        if( sqlite3_stricmp(tbl.az[k], p->name.az[i])==0
         && sqlite3_stricmp(col.az[k], d.aPart[j].zName)==0 ){
          sqlormDdlDropPart(&d, j);
          bChanged = 1;
          break;
        }
      }
    }
    if( rc==SQLITE_OK && bChanged ){
      char *zSql = sqlormDdlBuild(&d, 0, &rc);
      if( rc==SQLITE_OK ){
        sqlite3_free(p->sql.az[i]);
        p->sql.az[i] = zSql;
      }else{
        sqlite3_free(zSql);
      }
    }
    sqlormDdlClear(&d);
  }
  sqlormNamesClear(&tbl);
  sqlormNamesClear(&col);
  return rc;
}

/* The scratch database may not reach files. */
static int agAuth(void *p, int eCode, const char *z1, const char *z2, const char *z3,
                  const char *z4){
  (void)p; (void)z1; (void)z2; (void)z3; (void)z4;
  return (eCode==SQLITE_ATTACH || eCode==SQLITE_DETACH) ? SQLITE_DENY : SQLITE_OK;
}

/* orm_autogenerate(rev, description, target_schema_sql [, options]) */
static void ormAutogenerateFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_autogenerate";
  sqlite3 *db = sqlite3_context_db_handle(ctx), *dbT = 0;
  const char *zRev, *zDesc = 0, *zTarget, *zOpts = 0;
  char *zErr = 0, *zUp = 0, *zDown = 0, *zSkip = 0, *zOut = 0;
  OrmNames down = {0, 0}, none = {0, 0};
  AgSchema live, target;
  int rc, bDownGiven = 0;
  memset(&live, 0, sizeof(live));
  memset(&target, 0, sizeof(target));
  if( sqlormArgText(ctx, argv, 0, zFunc, "rev", &zRev)
   || (sqlite3_value_type(argv[1])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 1, zFunc, "description", &zDesc))
   || sqlormArgText(ctx, argv, 2, zFunc, "target_schema_sql", &zTarget)
   || (argc>3 && sqlite3_value_type(argv[3])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 3, zFunc, "options", &zOpts)) ){
    return;
  }
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK && zOpts ){
    OrmNames keys = {0, 0}, vals = {0, 0};
    int i;
    rc = sqlormOptionsRead(db, zOpts, &keys, &vals, &zErr);
    for(i=0; rc==SQLITE_OK && i<keys.n; i++){
      if( strcmp(keys.az[i], "down")==0 ){
        bDownGiven = 1;
        if( vals.az[i] && vals.az[i][0]=='[' ){
          rc = sqlormNamesFromJson(db, vals.az[i], &down, &zErr);
        }else if( vals.az[i] ){
          rc = sqlormNamesAdd(&down, vals.az[i]);
        }
      }else{
        zErr = sqlite3_mprintf("unknown option %s (known: down)", keys.az[i]);
        rc = SQLITE_ERROR;
      }
    }
    sqlormNamesClear(&keys);
    sqlormNamesClear(&vals);
  }
  if( rc==SQLITE_OK && !bDownGiven ){
    /* The revision follows the one head. */
    OrmGraph g;
    rc = sqlormGraphLoad(db, &g, &zErr);
    if( rc==SQLITE_OK && g.n ){
      int *aHead = sqlite3_malloc64(sizeof(int)*(g.n+1));
      int nHead = aHead ? sqlormGraphHeads(&g, 0, aHead) : 0;
      if( aHead==0 ){
        rc = SQLITE_NOMEM;
      }else if( nHead>1 ){
        zErr = sqlite3_mprintf("there are %d heads: merge them first, or pass "
                               "'{\"down\": ...}'", nHead);
        rc = SQLITE_ERROR;
      }else if( nHead==1 ){
        rc = sqlormNamesAdd(&down, g.a[aHead[0]].zId);
      }
      sqlite3_free(aHead);
    }
    sqlormGraphClear(&g);
  }
  /* The target: its own database, in memory. */
  if( rc==SQLITE_OK ){
    rc = sqlite3_open_v2(":memory:", &dbT, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 0);
    if( rc==SQLITE_OK ) sqlite3_set_authorizer(dbT, agAuth, 0);
    if( rc==SQLITE_OK ){
      char *zT = 0;
      rc = sqlite3_exec(dbT, zTarget, 0, 0, &zT);
      if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
        zErr = sqlite3_mprintf("the target schema does not run: %s", zT ? zT : sqlite3_errstr(rc));
        rc = SQLITE_ERROR;
      }
      sqlite3_free(zT);
    }else if( rc!=SQLITE_NOMEM ){
      zErr = sqlite3_mprintf("cannot open a scratch database for the target schema");
    }
  }
  if( rc==SQLITE_OK ){
    /* sqlorm's views (model and traversal views) are not the user's schema. */
    OrmNames skip = {0, 0};
    int bCatalog = 0;
    rc = sqlormTableExists(db, "main", "orm_models", &bCatalog);
    if( rc==SQLITE_OK && bCatalog ){
      rc = sqlormQueryNames(db, "SELECT json_group_array(v) FROM (SELECT options->>'$.has_view' "
          "AS v FROM main.orm_models WHERE v IS NOT NULL UNION SELECT model || '__' || name "
          "FROM main.orm_relationships)", 0, &skip, 0);
    }
    if( rc==SQLITE_OK && skip.n ){
      zSkip = sqlite3_mprintf("%s", skip.az[0]);
      if( zSkip==0 ) rc = SQLITE_NOMEM;
    }
    sqlormNamesClear(&skip);
  }
  if( rc==SQLITE_OK ) rc = agSchemaRead(db, zSkip, &live);
  if( rc==SQLITE_OK ) rc = agSchemaRead(dbT, 0, &target);
  if( rc==SQLITE_OK ) rc = agStripHybrids(db, &live, &zErr);
  if( rc==SQLITE_OK ) rc = agDiff(&live, &target, &zUp, &zErr);
  if( rc==SQLITE_OK && zUp==0 ){
    zErr = sqlite3_mprintf("the live schema already matches the target: no revision made");
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ) rc = agDiff(&target, &live, &zDown, &zErr);
  if( rc==SQLITE_OK ){
    char *z = sqlite3_mprintf("-- autogenerated by orm_autogenerate: review before applying\n%s",
                              zUp);
    sqlite3_free(zUp);
    zUp = z;
    if( zUp==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    rc = sqlormRevisionAdd(db, zRev, &down, zDesc, zUp, zDown ? zDown : "", &none, &none,
                           0, 0, &zErr);
  }
  if( rc==SQLITE_OK ){
    zOut = sqlite3_mprintf("%s", zRev);
    if( zOut==0 ) rc = SQLITE_NOMEM;
  }
  sqlormSavepointResult(ctx, zFunc, rc, zErr, &zOut);
  sqlite3_close(dbT);
  sqlite3_free(zOut);
  sqlite3_free(zUp);
  sqlite3_free(zDown);
  sqlite3_free(zSkip);
  agSchemaClear(&live);
  agSchemaClear(&target);
  sqlormNamesClear(&down);
}

int sqlormAutogenRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlormCreateFunction(db, "orm_autogenerate", 3, flags, ormAutogenerateFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_autogenerate", 4, flags, ormAutogenerateFunc);
  }
  return rc;
}
