/*
** migrate.c: running the migration journal: orm_upgrade(), orm_downgrade(), orm_stamp(),
** orm_current(), orm_heads(), orm_upgrade_sql(), orm_downgrade_sql(), orm_check().
**
** Usage:
**   SELECT orm_upgrade('head');        -- also 'heads', 'label@head', '+1', an id or prefix
**   SELECT orm_downgrade('-1');        -- also 'base', an id
**   SELECT orm_current(), orm_heads(); -- JSON arrays of revision ids
**   SELECT orm_stamp('b2');            -- the journal says b2 (and below) without running SQL
**   SELECT orm_upgrade_sql('head');    -- the script, journal statements included
**   SELECT orm_check();                -- changed revisions, schema changed outside the journal
**   BEGIN IMMEDIATE; SELECT orm_upgrade('head'); COMMIT;   -- several migrators at once
**
** How it works: the graph (revgraph.c) gives the plan; each revision's statements run one
** by one, then its journal statement, all inside the calling statement's transaction and a
** savepoint: the whole call applies every revision or none, and an error names the revision
** and the statement. The journal keeps the text each revision ran with, so a downgrade
** runs the stored downgrade even when the definitions are gone. After each call a snapshot
** of the schema (type, name, SQL of every object) goes to orm_meta, so orm_check can name
** objects changed outside the journal. The offline script is built from the same pieces,
** so it is the SQL the online call runs (the online call adds each revision's duration).
*/
#include "sqlorm.h"
#include <string.h>

/* The statement that records the schema as the journal leaves it. */
#define MIGRATE_SNAPSHOT \
  "INSERT OR REPLACE INTO main.orm_meta(key, value) SELECT 'schema_snapshot', " \
  "json_group_array(json_array(type, name, sql)) FROM (SELECT type, name, sql FROM " \
  "main.sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name);"

/* The journal statement of applying (bUp) or undoing revision r. */
static char *migrateJournalSql(const OrmRev *r, int bUp){
  if( !bUp ){
    return sqlite3_mprintf("DELETE FROM main.orm_journal WHERE revision = %Q;", r->zId);
  }else{
    sqlite3_str *p = sqlite3_str_new(0);
    sqlormNamesJson(p, &r->down);
    {
      char *zDown = sqlite3_str_finish(p);
      char *zLabels = 0, *zDeps = 0, *z = 0;
      p = sqlite3_str_new(0);
      sqlormNamesJson(p, &r->labels);
      zLabels = sqlite3_str_finish(p);
      p = sqlite3_str_new(0);
      sqlormNamesJson(p, &r->deps);
      zDeps = sqlite3_str_finish(p);
      /* The definition comes along (a no-op where it is), so that a file migrated by an
      ** offline script knows its revisions too. */
      if( zDown && zLabels && zDeps ){
        z = sqlite3_mprintf("INSERT OR IGNORE INTO main.orm_revisions(revision, "
            "down_revisions, branch_labels, depends_on, description, upgrade_sql, "
            "downgrade_sql, checksum) VALUES (%Q, %Q, %Q, %Q, %Q, %Q, %Q, %Q);\n"
            "INSERT INTO main.orm_journal(revision, down_revisions, "
            "description, applied_at, duration_ms, checksum, upgrade_sql, downgrade_sql) VALUES "
            "(%Q, %Q, %Q, strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now'), NULL, %Q, %Q, %Q);",
            r->zId, zDown, zLabels, zDeps, r->zDesc, r->zUp, r->zDown, r->zChecksum,
            r->zId, zDown, r->zDesc, r->zChecksum, r->zUp, r->zDown);
      }
      sqlite3_free(zLabels);
      sqlite3_free(zDeps);
      sqlite3_free(zDown);
      return z;
    }
  }
}

/* The SQL a revision runs: its upgrade, or the downgrade the journal kept. */
static const char *migrateText(const OrmRev *r, int bUp){
  return bUp ? r->zUp : (r->bApplied ? r->zJDown : r->zDown);
}

/* Whether the statement starts with a word that ends or nests transactions: the call runs
** in the caller's transaction and a savepoint of its own, which such statements would
** break. */
static int migrateIsTxn(const char *z){
  static const char *const azWord[] = { "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT",
                                        "RELEASE", "VACUUM", "DETACH" };
  int i, n;
  while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' ) z++;
  for(i=0; i<(int)(sizeof(azWord)/sizeof(azWord[0])); i++){
    n = (int)strlen(azWord[i]);
    if( sqlite3_strnicmp(z, azWord[i], n)==0
     && !((z[n]>='a' && z[n]<='z') || (z[n]>='A' && z[n]<='Z') || z[n]=='_') ) return 1;
  }
  return 0;
}

/* Runs zSql statement by statement for revision r; errors name the revision and the
** statement. */
static int migrateRun(sqlite3 *db, const char *zFunc, const OrmRev *r, int bUp,
                      const char *zSql, char **pzErr){
  const char *zTail = zSql;
  int rc = SQLITE_OK, iStmt = 0;
  while( rc==SQLITE_OK && zTail && *zTail ){
    sqlite3_stmt *pStmt = 0;
    const char *zStart = zTail;
    rc = sqlite3_prepare_v2(db, zStart, -1, &pStmt, &zTail);
    if( rc==SQLITE_OK && pStmt==0 ) break;            /* only blanks and comments left */
    iStmt++;
    if( rc==SQLITE_OK && migrateIsTxn(sqlite3_sql(pStmt)) ){
      *pzErr = sqlite3_mprintf("%s of revision %s, statement %d: transaction statements "
          "(BEGIN, COMMIT, SAVEPOINT, ...) are not allowed: %s runs each call in one "
          "transaction\n  %.200s", bUp ? "upgrade" : "downgrade", r->zId, iStmt, zFunc,
          sqlite3_sql(pStmt));
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ){
      /* A statement that returns rows (SELECT orm_hybrid(...), say) runs to its end. */
      while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr==0 ){
      int n = (int)(zTail ? zTail - zStart : (int)strlen(zStart));
      const char *zMsg = sqlite3_errmsg(db);
      while( n>0 && (zStart[0]==' ' || zStart[0]=='\n' || zStart[0]=='\r' || zStart[0]=='\t') ){
        zStart++; n--;
      }
      if( (rc & 0xff)==SQLITE_LOCKED ){
        *pzErr = sqlite3_mprintf("%s of revision %s, statement %d: %s; a statement that "
            "reads tables (SELECT %s(...) FROM t) cannot change them: call %s in a statement "
            "of its own\n  %.*s", bUp ? "upgrade" : "downgrade", r->zId, iStmt, zMsg, zFunc,
            zFunc, n>200 ? 200 : n, zStart);
      }else{
        *pzErr = sqlite3_mprintf("%s of revision %s%s%s%s, statement %d: %s\n  %.*s",
            bUp ? "upgrade" : "downgrade", r->zId, r->zDesc ? " (" : "",
            r->zDesc ? r->zDesc : "", r->zDesc ? ")" : "", iStmt, zMsg, n>200 ? 200 : n,
            zStart);
      }
    }
    sqlite3_finalize(pStmt);
  }
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("%s of revision %s: %s", bUp ? "upgrade" : "downgrade", r->zId,
                             sqlite3_errmsg(db));
  }
  return rc;
}

/* The time now in milliseconds, from the default VFS. */
static double migrateNow(void){
  sqlite3_vfs *pVfs = sqlite3_vfs_find(0);
  sqlite3_int64 t = 0;
  if( pVfs && pVfs->iVersion>=2 && pVfs->xCurrentTimeInt64 ){
    pVfs->xCurrentTimeInt64(pVfs, &t);
  }
  return (double)t;
}

/* Takes the write lock before reading the journal, so two migrators cannot both see a
** revision as pending: the second waits (busy timeout) or fails, and SQLite never lets a
** writer commit from a stale snapshot. */
static int migrateLock(sqlite3 *db, char **pzErr){
  int rc = sqlormExec(db, 0, "UPDATE main.orm_meta SET value = value WHERE key = 'format'");
  if( (rc & 0xff)==SQLITE_BUSY ){
    *pzErr = sqlite3_mprintf("another connection is writing the database: retry, with a "
        "busy timeout, or run BEGIN IMMEDIATE before the migration");
  }else if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("cannot lock the journal: %s", sqlite3_errmsg(db));
  }
  return rc;
}

/* A JSON array of the ids of aIdx. */
static char *migrateIds(const OrmGraph *g, const int *aIdx, int n){
  sqlite3_str *p = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(p, 1, '[');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(p, 1, ',');
    sqlormJsonString(p, g->a[aIdx[i]].zId, -1);
  }
  sqlite3_str_appendchar(p, 1, ']');
  return sqlite3_str_finish(p);
}

/* The plan for a target: upgrade (bUp) or downgrade. */
static int migratePlan(const OrmGraph *g, const char *zTarget, int bUp, int **paPlan,
                       int *pnPlan, char **pzErr){
  int rc, i;
  if( bUp ){
    int *aTarget = 0, nTarget = 0;
    rc = sqlormGraphUpgradeTarget(g, zTarget, &aTarget, &nTarget, pzErr);
    if( rc==SQLITE_OK ) rc = sqlormGraphUpgradePlan(g, aTarget, nTarget, paPlan, pnPlan);
    sqlite3_free(aTarget);
  }else{
    int iKeep = -1;
    rc = sqlormGraphDowngradeTarget(g, zTarget, &iKeep, pzErr);
    if( rc==SQLITE_OK ) rc = sqlormGraphDowngradePlan(g, iKeep, paPlan, pnPlan);
    for(i=0; rc==SQLITE_OK && i<*pnPlan; i++){
      const OrmRev *r = &g->a[(*paPlan)[i]];
      if( migrateText(r, 0)==0 ){
        *pzErr = sqlite3_mprintf("revision %s has no downgrade: it cannot be undone "
            "(orm_stamp moves the journal without running SQL)", r->zId);
        rc = SQLITE_ERROR;
      }
    }
    if( rc!=SQLITE_OK ){
      sqlite3_free(*paPlan);
      *paPlan = 0;
      *pnPlan = 0;
    }
  }
  return rc;
}

/* orm_upgrade(target) / orm_downgrade(target): runs the plan; returns the JSON array of
** the revisions applied or undone, in order. */
static void migrateFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  int bUp = sqlite3_user_data(ctx)!=0;
  const char *zFunc = bUp ? "orm_upgrade" : "orm_downgrade";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTarget = bUp ? "head" : "-1";
  char *zErr = 0, *zOut = 0;
  int *aPlan = 0, nPlan = 0, i, rc;
  OrmGraph g;
  memset(&g, 0, sizeof(g));
  if( argc>0 && sqlormArgText(ctx, argv, 0, zFunc, "target", &zTarget) ) return;
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK ) rc = migrateLock(db, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormGraphLoad(db, &g, &zErr);
  if( rc==SQLITE_OK ) rc = migratePlan(&g, zTarget, bUp, &aPlan, &nPlan, &zErr);
  for(i=0; rc==SQLITE_OK && i<nPlan; i++){
    const OrmRev *r = &g.a[aPlan[i]];
    double t0 = migrateNow();
    char *zJournal = migrateJournalSql(r, bUp);
    rc = zJournal ? migrateRun(db, zFunc, r, bUp, migrateText(r, bUp), &zErr) : SQLITE_NOMEM;
    if( rc==SQLITE_OK ) rc = sqlormExec(db, &zErr, "%s", zJournal);
    if( rc==SQLITE_OK && bUp ){
      rc = sqlormExec(db, &zErr, "UPDATE main.orm_journal SET duration_ms = %.3f "
                      "WHERE revision = %Q", migrateNow() - t0, r->zId);
    }
    sqlite3_free(zJournal);
  }
  if( rc==SQLITE_OK ) rc = sqlormExec(db, &zErr, "%s", MIGRATE_SNAPSHOT);
  if( rc==SQLITE_OK ){
    zOut = migrateIds(&g, aPlan, nPlan);
    if( zOut==0 ) rc = SQLITE_NOMEM;
  }
  sqlormSavepointResult(ctx, zFunc, rc, zErr, &zOut);
  sqlite3_free(zOut);
  sqlite3_free(aPlan);
  sqlormGraphClear(&g);
}

/* orm_upgrade_sql(target) / orm_downgrade_sql(target): the script the call would run,
** for a file with or without the catalog (it makes the journal's tables where missing). */
static void migrateSqlFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  int bUp = sqlite3_user_data(ctx)!=0;
  const char *zFunc = bUp ? "orm_upgrade_sql" : "orm_downgrade_sql";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTarget = bUp ? "head" : "-1";
  char *zErr = 0, *zCatalog = 0;
  int *aPlan = 0, nPlan = 0, i, rc;
  sqlite3_str *pOut = sqlite3_str_new(db);
  OrmGraph g;
  if( argc>0 && sqlormArgText(ctx, argv, 0, zFunc, "target", &zTarget) ){
    sqlite3_free(sqlite3_str_finish(pOut));
    return;
  }
  rc = sqlormGraphLoad(db, &g, &zErr);
  if( rc==SQLITE_OK ) rc = migratePlan(&g, zTarget, bUp, &aPlan, &nPlan, &zErr);
  if( rc==SQLITE_OK ){
    zCatalog = sqlormCatalogScript();
    if( zCatalog==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    sqlite3_str_appendf(pOut, "-- sqlorm: %s to %s (%d revision%s)\nBEGIN;\n%s", bUp ?
        "upgrade" : "downgrade", zTarget, nPlan, nPlan==1 ? "" : "s", zCatalog);
  }
  for(i=0; rc==SQLITE_OK && i<nPlan; i++){
    const OrmRev *r = &g.a[aPlan[i]];
    const char *zText = migrateText(r, bUp);
    char *zJournal = migrateJournalSql(r, bUp);
    int n = (int)strlen(zText);
    if( zJournal==0 ){ rc = SQLITE_NOMEM; break; }
    while( n>0 && (zText[n-1]==' ' || zText[n-1]=='\n' || zText[n-1]=='\r' || zText[n-1]=='\t') ) n--;
    /* The newline ends a trailing comment; the ';' ends a last statement without one. */
    sqlite3_str_appendf(pOut, "\n-- %s %s%s%s\n%.*s\n;\n%s\n", bUp ? "upgrade" : "downgrade",
        r->zId, r->zDesc ? ": " : "", r->zDesc ? r->zDesc : "", n, zText, zJournal);
    sqlite3_free(zJournal);
  }
  if( rc==SQLITE_OK ) sqlite3_str_appendf(pOut, "\n%s\nCOMMIT;\n", MIGRATE_SNAPSHOT);
  if( rc==SQLITE_OK && sqlite3_str_errcode(pOut) ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, sqlite3_str_finish(pOut), -1, sqlite3_free);
  }else{
    sqlite3_free(sqlite3_str_finish(pOut));
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
  sqlite3_free(zCatalog);
  sqlite3_free(aPlan);
  sqlormGraphClear(&g);
}

/* orm_stamp(target): the journal records the target and everything below it as applied,
** and nothing else, without running any revision ('base': nothing applied). Returns the
** current heads. */
static void ormStampFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_stamp";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zTarget;
  char *zErr = 0, *zOut = 0;
  int *aTarget = 0, nTarget = 0, i, rc;
  unsigned char *aMark = 0;
  OrmGraph g;
  memset(&g, 0, sizeof(g));
  (void)argc;
  if( sqlormArgText(ctx, argv, 0, zFunc, "target", &zTarget) ) return;
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK ) rc = migrateLock(db, &zErr);
  if( rc==SQLITE_OK ) rc = sqlormGraphLoad(db, &g, &zErr);
  if( rc==SQLITE_OK && strcmp(zTarget, "base")!=0 ){
    rc = sqlormGraphUpgradeTarget(&g, zTarget, &aTarget, &nTarget, &zErr);
  }
  if( rc==SQLITE_OK ) rc = sqlormGraphClosure(&g, aTarget, nTarget, &aMark);
  for(i=0; rc==SQLITE_OK && i<g.n; i++){
    const OrmRev *r = &g.a[i];
    if( aMark[i] && !r->bApplied ){
      char *zJournal = migrateJournalSql(r, 1);
      rc = zJournal ? sqlormExec(db, &zErr, "%s", zJournal) : SQLITE_NOMEM;
      sqlite3_free(zJournal);
    }else if( !aMark[i] && r->bApplied ){
      rc = sqlormExec(db, &zErr, "DELETE FROM main.orm_journal WHERE revision = %Q", r->zId);
    }
  }
  if( rc==SQLITE_OK ) rc = sqlormExec(db, &zErr, "%s", MIGRATE_SNAPSHOT);
  if( rc==SQLITE_OK ){
    /* The current heads: among the stamped set, those nothing stamped revises. */
    int *aHead = sqlite3_malloc64(sizeof(int)*(g.n+1));
    int nHead = 0;
    if( aHead==0 ){
      rc = SQLITE_NOMEM;
    }else{
      for(i=0; i<g.n; i++) g.a[i].bApplied = aMark[i];
      nHead = sqlormGraphHeads(&g, 1, aHead);
      zOut = migrateIds(&g, aHead, nHead);
      if( zOut==0 ) rc = SQLITE_NOMEM;
    }
    sqlite3_free(aHead);
  }
  sqlormSavepointResult(ctx, zFunc, rc, zErr, &zOut);
  sqlite3_free(zOut);
  sqlite3_free(aTarget);
  sqlite3_free(aMark);
  sqlormGraphClear(&g);
}

/* orm_current() (applied heads) / orm_heads() (heads of the graph): JSON arrays. Read
** only: they work on read-only files and before any catalog exists ([]). */
static void migrateHeadsFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  int bApplied = sqlite3_user_data(ctx)!=0;
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  char *zErr = 0, *zOut = 0;
  int *aHead = 0, nHead, rc;
  OrmGraph g;
  (void)argc;
  (void)argv;
  rc = sqlormGraphLoad(db, &g, &zErr);
  if( rc==SQLITE_OK ){
    aHead = sqlite3_malloc64(sizeof(int)*(g.n+1));
    if( aHead==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    nHead = sqlormGraphHeads(&g, bApplied, aHead);
    zOut = migrateIds(&g, aHead, nHead);
    if( zOut==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    sqlite3_result_text(ctx, zOut, -1, sqlite3_free);
  }else{
    sqlormResultError(ctx, bApplied ? "orm_current" : "orm_heads", rc, zErr);
  }
  sqlite3_free(aHead);
  sqlormGraphClear(&g);
}

/* orm_check(): what does not match the journal, as JSON: {"ok": ..., "changed": [applied
** revisions whose definition changed since], "undefined": [applied revisions no longer
** defined], "schema": {"added": [...], "removed": [...], "changed": [...]} (objects changed
** outside the journal since its last call; null before any)}. */
static void ormCheckFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  sqlite3_stmt *pStmt = 0;
  int rc, bCatalog = 0;
  (void)argc;
  (void)argv;
  rc = sqlormTableExists(db, "main", "orm_journal", &bCatalog);
  if( rc==SQLITE_OK && !bCatalog ){
    sqlite3_result_text(ctx, "{\"ok\":true,\"changed\":[],\"undefined\":[],\"schema\":null}",
                        -1, SQLITE_STATIC);
    return;
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db,
      "WITH snap(v) AS (SELECT value FROM main.orm_meta WHERE key = 'schema_snapshot'), "
      "old(type, name, sql) AS (SELECT e.value->>0, e.value->>1, e.value->>2 "
      "  FROM snap, json_each(snap.v) e), "
      "now(type, name, sql) AS (SELECT type, name, sql FROM main.sqlite_schema "
      "  WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'), "
      "changed(v) AS (SELECT coalesce(json_group_array(j.revision), '[]') FROM "
      "  (SELECT j.revision FROM main.orm_journal j JOIN main.orm_revisions r "
      "   ON r.revision = j.revision WHERE r.checksum IS NOT j.checksum ORDER BY j.rowid) j), "
      "undefined(v) AS (SELECT coalesce(json_group_array(j.revision), '[]') FROM "
      "  (SELECT revision FROM main.orm_journal WHERE revision NOT IN "
      "   (SELECT revision FROM main.orm_revisions) ORDER BY rowid) j), "
      "schema(v) AS (SELECT CASE WHEN (SELECT v FROM snap) IS NULL THEN NULL ELSE json_object("
      "  'added', (SELECT json_group_array(type || ' ' || name) FROM (SELECT * FROM now "
      "    WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.type = now.type AND old.name = now.name) "
      "    ORDER BY 1, 2)), "
      "  'removed', (SELECT json_group_array(type || ' ' || name) FROM (SELECT * FROM old "
      "    WHERE NOT EXISTS (SELECT 1 FROM now WHERE old.type = now.type AND old.name = now.name) "
      "    ORDER BY 1, 2)), "
      "  'changed', (SELECT json_group_array(type || ' ' || name) FROM (SELECT now.type, now.name "
      "    FROM now JOIN old ON old.type = now.type AND old.name = now.name "
      "    WHERE old.sql IS NOT now.sql ORDER BY 1, 2))) END) "
      "SELECT json_object('ok', json(CASE WHEN changed.v = '[]' AND undefined.v = '[]' AND "
      "  (schema.v IS NULL OR (schema.v->>'$.added' = '[]' AND schema.v->>'$.removed' = '[]' "
      "   AND schema.v->>'$.changed' = '[]')) THEN 'true' ELSE 'false' END), "
      "  'changed', json(changed.v), 'undefined', json(undefined.v), 'schema', json(schema.v)) "
      "FROM changed, undefined, schema", -1, &pStmt, 0);
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW ){
      sqlite3_result_value(ctx, sqlite3_column_value(pStmt, 0));
      rc = SQLITE_OK;
    }
  }
  if( rc!=SQLITE_OK ) sqlormResultError(ctx, "orm_check", rc, 0);
  sqlite3_finalize(pStmt);
}

int sqlormMigrateRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  static int aOne = 1;
  int rc = SQLITE_OK, n;
  for(n=0; rc==SQLITE_OK && n<2; n++){
    rc = sqlormCreateFunctionData(db, "orm_upgrade", n, flags, &aOne, migrateFunc);
    if( rc==SQLITE_OK ){
      rc = sqlormCreateFunctionData(db, "orm_downgrade", n, flags, 0, migrateFunc);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormCreateFunctionData(db, "orm_upgrade_sql", n, flags, &aOne, migrateSqlFunc);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormCreateFunctionData(db, "orm_downgrade_sql", n, flags, 0, migrateSqlFunc);
    }
  }
  if( rc==SQLITE_OK ) rc = sqlormCreateFunction(db, "orm_stamp", 1, flags, ormStampFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunctionData(db, "orm_current", 0, SQLITE_UTF8, &aOne, migrateHeadsFunc);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunctionData(db, "orm_heads", 0, SQLITE_UTF8, 0, migrateHeadsFunc);
  }
  if( rc==SQLITE_OK ) rc = sqlormCreateFunction(db, "orm_check", 0, SQLITE_UTF8, ormCheckFunc);
  return rc;
}
