/*
** catalog.c: the orm_* tables that hold what sqlorm defines, inside the database file.
**
** Usage (from the feature files; users only read these tables):
**
**   rc = sqlormCatalogEnsure(db, &zErr);   -- before the first definition is written
**   rc = sqlormCatalogFormat(db, &iFormat); -- 0 when the database has no catalog
**
**   SELECT * FROM orm_meta;          -- key 'format': the catalog format number
**   SELECT * FROM orm_models;        -- name, tbl, options (JSON), origin ('automap'|'user')
**   SELECT * FROM orm_relationships; -- model, name, target, direction, columns, cascade...
**   SELECT * FROM orm_hybrids;       -- model, name, expression, kind, params, options
**   SELECT * FROM orm_revisions;     -- the migration graph: every known revision
**   SELECT * FROM orm_journal;       -- the revisions applied, with the text that ran
**
** Names compare as SQLite compares identifiers: without regard to case (COLLATE NOCASE).
**
** How it works: the catalog is created on first use, never at load, so that loading the
** extension changes nothing (and works on read-only files). Its format number lives in
** orm_meta; azStep[i] takes a catalog from format i to i+1, so a later sqlorm upgrades an
** older catalog in place, inside the caller's savepoint. A catalog newer than this build
** understands is refused at load rather than misread.
*/
#include "sqlorm.h"
#include <string.h>

/* azStep[i] takes the catalog from format i to format i+1. Plain tables (no STRICT, no
** foreign keys) so that every SQLite host can open the file and automap ignores them. JSON
** columns are checked by the functions that write them, not by json_valid() CHECKs, which
** would turn running out of memory into a constraint error. */
static const char *const azStep[SQLORM_CATALOG_FORMAT] = {
  /* 0 -> 1 */
  "CREATE TABLE main.orm_meta("
  "  key TEXT PRIMARY KEY NOT NULL,"
  "  value"
  ");"
  "CREATE TABLE main.orm_models("
  "  name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,"
  "  tbl TEXT NOT NULL COLLATE NOCASE,"
  "  options TEXT NOT NULL DEFAULT '{}',"
  "  origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('automap','user'))"
  ");"
  "CREATE TABLE main.orm_relationships("
  "  model TEXT NOT NULL COLLATE NOCASE,"
  "  name TEXT NOT NULL COLLATE NOCASE,"
  "  target TEXT NOT NULL COLLATE NOCASE,"
  "  direction TEXT NOT NULL CHECK (direction IN"
  "    ('many-to-one','one-to-many','one-to-one','many-to-many')),"
  "  fk_side TEXT NOT NULL CHECK (fk_side IN ('local','remote','secondary')),"
  "  local_columns TEXT NOT NULL,"
  "  remote_columns TEXT NOT NULL,"
  "  secondary TEXT COLLATE NOCASE,"
  "  secondary_local TEXT,"
  "  secondary_remote TEXT,"
  "  uselist INTEGER NOT NULL DEFAULT 1 CHECK (uselist IN (0,1)),"
  "  cascade TEXT NOT NULL DEFAULT '',"
  "  options TEXT NOT NULL DEFAULT '{}',"
  "  origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('automap','user')),"
  "  PRIMARY KEY (model, name)"
  ");"
  "CREATE TABLE main.orm_hybrids("
  "  model TEXT NOT NULL COLLATE NOCASE,"
  "  name TEXT NOT NULL COLLATE NOCASE,"
  "  expression TEXT NOT NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('column','property','method')),"
  "  params TEXT NOT NULL DEFAULT '[]',"
  "  options TEXT NOT NULL DEFAULT '{}',"
  "  PRIMARY KEY (model, name)"
  ");"
  "CREATE TABLE main.orm_revisions("
  "  revision TEXT PRIMARY KEY NOT NULL,"
  "  down_revisions TEXT NOT NULL DEFAULT '[]',"
  "  branch_labels TEXT NOT NULL DEFAULT '[]',"
  "  depends_on TEXT NOT NULL DEFAULT '[]',"
  "  description TEXT,"
  "  upgrade_sql TEXT NOT NULL,"
  "  downgrade_sql TEXT,"
  "  checksum TEXT NOT NULL,"
  "  source TEXT"
  ");"
  "CREATE TABLE main.orm_journal("
  "  revision TEXT PRIMARY KEY NOT NULL,"
  "  down_revisions TEXT NOT NULL DEFAULT '[]',"
  "  description TEXT,"
  "  applied_at TEXT NOT NULL,"
  "  duration_ms REAL,"
  "  checksum TEXT NOT NULL,"
  "  upgrade_sql TEXT NOT NULL,"
  "  downgrade_sql TEXT"
  ");"
  "INSERT INTO main.orm_meta(key, value) VALUES ('format', 1);",
};

/* The catalog's tables as a script that makes them where they are missing, for offline
** migration scripts (orm_upgrade_sql) that may run on a file without them. */
char *sqlormCatalogScript(void){
  sqlite3_str *p = sqlite3_str_new(0);
  const char *z = azStep[SQLORM_CATALOG_FORMAT-1];
  /* One step so far: the latest format's tables are the first step's. */
  while( *z ){
    if( strncmp(z, "CREATE TABLE main.", 18)==0 ){
      sqlite3_str_appendall(p, "CREATE TABLE IF NOT EXISTS main.");
      z += 18;
    }else if( strncmp(z, "INSERT INTO main.", 17)==0 ){
      sqlite3_str_appendall(p, "INSERT OR IGNORE INTO main.");
      z += 17;
    }else if( *z==';' ){
      sqlite3_str_appendall(p, ";\n");
      z++;
    }else{
      sqlite3_str_appendchar(p, 1, *z);
      z++;
    }
  }
  return sqlite3_str_finish(p);
}

/* Reads the catalog format of the main database into *pFormat: 0 when there is no catalog.
** SQLITE_MISMATCH: main.orm_meta exists but lacks the catalog's columns (a table of the
** user's own); SQLITE_CORRUPT: it has them but no valid format row. Reads only, so it is
** safe at load time and on read-only files. */
int sqlormCatalogFormat(sqlite3 *db, int *pFormat){
  sqlite3_stmt *pStmt = 0;
  int bExists = 0;
  int rc;
  *pFormat = 0;
  rc = sqlormTableExists(db, "main", "orm_meta", &bExists);
  if( rc!=SQLITE_OK || !bExists ) return rc;
  rc = sqlite3_prepare_v2(db,
      "SELECT value, typeof(value) FROM main.orm_meta WHERE key='format'", -1, &pStmt, 0);
  if( rc==SQLITE_ERROR ) return SQLITE_MISMATCH;   /* a table of the user's own */
  if( rc!=SQLITE_OK ) return rc;
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    const char *zType = (const char*)sqlite3_column_text(pStmt, 1);
    int iFormat = sqlite3_column_int(pStmt, 0);
    /* A format that is not a positive integer is damage, not a version to guess about. */
    rc = (zType && strcmp(zType, "integer")==0 && iFormat>0) ? SQLITE_OK : SQLITE_CORRUPT;
    if( rc==SQLITE_OK ) *pFormat = iFormat;
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_CORRUPT;          /* orm_meta without its format row */
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Reads the format and refuses a catalog this build cannot read: damaged, unreadable,
** or written by a newer sqlorm. On error *pzErr holds the message. */
static int catalogCheck(sqlite3 *db, int *piFormat, char **pzErr){
  int rc = sqlormCatalogFormat(db, piFormat);
  *pzErr = 0;
  if( rc==SQLITE_MISMATCH ){
    *pzErr = sqlite3_mprintf("sqlorm: main.orm_meta is a table of your own, not sqlorm's "
        "catalog (it has no key and value columns): rename it to use sqlorm's definitions");
  }else if( rc==SQLITE_CORRUPT ){
    *pzErr = sqlite3_mprintf("sqlorm: orm_meta has no valid 'format' row; "
                             "the catalog is damaged and is left as it is");
  }else if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("sqlorm: cannot read the catalog: %s", sqlite3_errmsg(db));
  }else if( *piFormat>SQLORM_CATALOG_FORMAT ){
    *pzErr = sqlite3_mprintf("sqlorm %s understands catalog format %d, but this database "
        "has format %d: use a newer sqlorm", SQLORM_VERSION, SQLORM_CATALOG_FORMAT, *piFormat);
    rc = SQLITE_ERROR;
  }
  if( rc!=SQLITE_OK && *pzErr==0 ) rc = SQLITE_NOMEM;
  return rc;
}

/* Creates the catalog, or upgrades an older one, so that it has SQLORM_CATALOG_FORMAT.
** All or nothing: the steps run in one savepoint. */
int sqlormCatalogEnsure(sqlite3 *db, char **pzErr){
  int iFormat = 0;
  int rc = catalogCheck(db, &iFormat, pzErr);
  if( rc!=SQLITE_OK || iFormat==SQLORM_CATALOG_FORMAT ) return rc;
  rc = sqlormExec(db, pzErr, "SAVEPOINT sqlorm_catalog");
  if( rc!=SQLITE_OK ) return rc;
  while( rc==SQLITE_OK && iFormat<SQLORM_CATALOG_FORMAT ){
    rc = sqlormExec(db, pzErr, "%s", azStep[iFormat]);
    iFormat++;
  }
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr,
        "UPDATE main.orm_meta SET value=%d WHERE key='format'; RELEASE sqlorm_catalog",
        iFormat);
  }
  if( rc!=SQLITE_OK ){
    char *zMsg = sqlite3_mprintf("sqlorm: cannot create or upgrade the catalog: %s",
                                 *pzErr ? *pzErr : sqlite3_errstr(rc));
    sqlite3_free(*pzErr);
    *pzErr = zMsg;
    sqlite3_exec(db, "ROLLBACK TO sqlorm_catalog; RELEASE sqlorm_catalog", 0, 0, 0);
  }
  return rc;
}

/* Called at load: checks that the catalog (if any) is one this build can read. Loading
** writes nothing; an older catalog is upgraded by the first definition that needs it. A
** table of the user's own named orm_meta does not stop the load: only a definition, which
** would need the catalog, reports it. */
int sqlormCatalogRestore(sqlite3 *db, int *piFormat, char **pzErr){
  int rc = catalogCheck(db, piFormat, pzErr);
  if( rc==SQLITE_MISMATCH ){
    sqlite3_free(*pzErr);
    *pzErr = 0;
    *piFormat = 0;
    rc = SQLITE_OK;
  }
  return rc;
}
