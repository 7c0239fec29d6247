/*
** version.c: versioned optimistic locking, held for every writer of a table by triggers.
**
** Usage:
**   SELECT orm_model('users', '{"version":"version"}');   -- a counter, starting at 1
**   UPDATE users SET name = 'x', version = 3 + 1 WHERE id = 1;   -- the writer read 3
**   -- a second writer that also read 3:
**   UPDATE users SET name = 'y', version = 3 + 1 WHERE id = 1;
**   -- JSON path error near 'stale data: users id=1: expected version 3, found 4'
**   SELECT orm_model('docs', '{"version":"rev","version_generator":"uuid"}');
**   UPDATE docs SET body = 'x', rev = :read WHERE id = 1;   -- the stored rev then changes
**
** How it works: a writer states the version it read in the statement itself. For the
** counter it sets the column to read + 1, so the statement writes the row once and
** RETURNING shows the new version; a BEFORE UPDATE OF <col> trigger accepts it when it is
** above the stored version and fails the statement otherwise (a stale writer states at
** most the stored one). An UPDATE that does not name the column leaves it unchanged
** (SQLite fires UPDATE OF triggers only for columns in SET): under the default policy an
** AFTER trigger advances it (a second write), under "strict" a BEFORE trigger refuses it.
** The uuid and timestamp generators cannot be "read + 1": the writer sets the column to
** the value read, and the same AFTER trigger installs the next one, always greater than
** the last (time-ordered, so "stale" is still "below the stored version"). A version
** only moves forward: a writer may jump it ahead, never back. RAISE() takes a literal
** message in SQLite 3.40, so the stale error comes from json_extract() with the message
** as a malformed path: it works in every host, without this module.
** Trigger names: orm_<model>__version_insert|check|advance|strict; orm_<view>__version.
*/
#include "sqlorm.h"
#include <string.h>

static const char *const azGen[] = { "counter", "uuid", "timestamp" };

/* The current time as the timestamp generator writes it (the same value throughout one
** sqlite3_step(), so the AFTER trigger's bump and its check agree), as it goes into a
** sqlite3_mprintf() format. */
#define VERSION_NOW "strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now')"

void sqlormVersionClear(OrmVersion *p){
  sqlite3_free(p->zModel);
  sqlite3_free(p->zTable);
  sqlite3_free(p->zCol);
  sqlite3_free(p->zCreated);
  sqlite3_free(p->zUpdated);
  memset(p, 0, sizeof(*p));
}

/* Whether zKey is one of the options this file parses. */
int sqlormVersionIsOption(const char *zKey){
  return strcmp(zKey, "version")==0 || strcmp(zKey, "version_generator")==0
      || strcmp(zKey, "version_policy")==0;
}

/* Parses one option of orm_model() (json_each's key, type and value). */
int sqlormVersionOption(OrmVersion *p, const char *zKey, const char *zType, const char *zVal,
                        char **pzErr){
  int i;
  if( strcmp(zKey, "version")==0 ){
    if( strcmp(zType, "false")==0 ){
      p->bOff = 1;
      return SQLITE_OK;
    }
    if( strcmp(zType, "true")==0 ) zVal = "version";
    else if( strcmp(zType, "text")!=0 || zVal[0]==0 ){
      *pzErr = sqlite3_mprintf("option version must be a column name, true or false");
      return SQLITE_ERROR;
    }
    p->zCol = sqlite3_mprintf("%s", zVal);
    return p->zCol ? SQLITE_OK : SQLITE_NOMEM;
  }
  if( strcmp(zKey, "version_generator")==0 ){
    for(i=0; i<3; i++){
      if( strcmp(zType, "text")==0 && strcmp(zVal, azGen[i])==0 ){
        p->eGen = i;
        p->bGenSet = 1;
        return SQLITE_OK;
      }
    }
    *pzErr = sqlite3_mprintf("option version_generator must be \"counter\", \"uuid\" or "
                             "\"timestamp\"");
    return SQLITE_ERROR;
  }
  if( strcmp(zType, "text")==0 && (strcmp(zVal, "advance")==0 || strcmp(zVal, "strict")==0) ){
    p->bStrict = zVal[0]=='s';
    p->bPolicySet = 1;
    return SQLITE_OK;
  }
  *pzErr = sqlite3_mprintf("option version_policy must be \"advance\" or \"strict\"");
  return SQLITE_ERROR;
}

/* Checks the parsed options against the live table: the column exists, is neither a key
** nor generated, has a type the generator can hold, and no other model versions the
** table. */
int sqlormVersionValidate(sqlite3 *db, const OrmVersion *p, const char *zModel,
                          const char *zTable, char **pzErr){
  OrmTable *pTab = 0;
  OrmNames other = {0, 0}, type = {0, 0};
  int rc;
  if( p->zCol==0 ){
    if( p->bGenSet || p->bPolicySet ){
      *pzErr = sqlite3_mprintf("options version_generator and version_policy need the "
                               "option version (the version column)");
      return SQLITE_ERROR;
    }
    return SQLITE_OK;
  }
  if( p->bStrict && p->eGen!=ORM_VERSION_COUNTER ){
    /* The writer of a uuid or timestamp version states the value it read, which leaves
    ** the column unchanged: SQLite cannot tell that from an UPDATE that does not name it. */
    *pzErr = sqlite3_mprintf("version_policy strict needs the counter generator (an UPDATE "
                             "that states a %s version leaves it unchanged, which a trigger "
                             "cannot tell from one that does not name it)", azGen[p->eGen]);
    return SQLITE_ERROR;
  }
  rc = sqlormTableLoadShallow(db, zTable, &pTab, pzErr);
  if( rc==SQLITE_OK && sqlormNamesFind(&pTab->cols, p->zCol)<0 ){
    *pzErr = sqlite3_mprintf("option version: table %s has no column %s", zTable, p->zCol);
    rc = SQLITE_ERROR;
  }else if( rc==SQLITE_OK && sqlormNamesFind(&pTab->key, p->zCol)>=0 ){
    *pzErr = sqlite3_mprintf("option version: %s.%s is the table's key; a version needs a "
                             "column of its own", zTable, p->zCol);
    rc = SQLITE_ERROR;
  }else if( rc==SQLITE_OK && sqlormNamesFind(&pTab->generated, p->zCol)>=0 ){
    *pzErr = sqlite3_mprintf("option version: %s.%s is a generated column: it cannot be "
                             "written", zTable, p->zCol);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    /* The column's affinity, by SQLite's rules for a declared type. */
    char *zSql = sqlite3_mprintf("SELECT CASE WHEN t LIKE '%%INT%%' THEN 'integer' "
        "WHEN t LIKE '%%CHAR%%' OR t LIKE '%%CLOB%%' OR t LIKE '%%TEXT%%' THEN 'text' "
        "WHEN t = '' OR t LIKE '%%BLOB%%' OR t = 'ANY' THEN 'none' ELSE 'numeric' END "
        "FROM (SELECT upper(type) AS t FROM pragma_table_xinfo(%Q, 'main') "
        "WHERE name = ?1 COLLATE NOCASE)", zTable);
    rc = zSql ? sqlormQueryNames(db, zSql, p->zCol, &type, 0) : SQLITE_NOMEM;
    sqlite3_free(zSql);
  }
  if( rc==SQLITE_OK && type.n==1 ){
    const char *zAff = type.az[0];
    if( p->eGen==ORM_VERSION_COUNTER && strcmp(zAff, "integer")!=0 ){
      *pzErr = sqlite3_mprintf("option version: the counter generator needs an INTEGER "
                               "column, and %s.%s is not one", zTable, p->zCol);
      rc = SQLITE_ERROR;
    }else if( p->eGen!=ORM_VERSION_COUNTER && strcmp(zAff, "text")!=0
           && strcmp(zAff, "none")!=0 ){
      *pzErr = sqlite3_mprintf("option version: the %s generator needs a TEXT column, and "
                               "%s.%s is not one", azGen[p->eGen], zTable, p->zCol);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK ){
    char *zSql = sqlite3_mprintf("SELECT name FROM main.orm_models WHERE tbl = ?1 "
        "AND options->>'$.version' IS NOT NULL AND name <> %Q", zModel);
    rc = zSql ? sqlormQueryNames(db, zSql, zTable, &other, 0) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if( rc==SQLITE_OK && other.n ){
      *pzErr = sqlite3_mprintf("option version: table %s is versioned by model %s already",
                               zTable, other.az[0]);
      rc = SQLITE_ERROR;
    }
  }
  sqlormNamesClear(&other);
  sqlormNamesClear(&type);
  sqlormTableFree(pTab);
  return rc;
}

/* Appends the options as the catalog keeps them (after an opening '{' and maybe others). */
void sqlormVersionJson(sqlite3_str *pStr, const OrmVersion *p){
  if( p->zCol==0 ) return;
  sqlite3_str_appendf(pStr, "%s\"version\":", sqlite3_str_length(pStr)>1 ? "," : "");
  sqlormJsonString(pStr, p->zCol, -1);
  sqlite3_str_appendf(pStr, ",\"version_generator\":\"%s\",\"version_policy\":\"%s\"",
                      azGen[p->eGen], p->bStrict ? "strict" : "advance");
}

/* The versioning of model zModel, or (zModel NULL) of table zTable whichever model
** declares it. p->zCol is NULL when there is none. */
int sqlormVersionLoad(sqlite3 *db, const char *zModel, const char *zTable, OrmVersion *p){
  sqlite3_stmt *pStmt = 0;
  int rc;
  memset(p, 0, sizeof(*p));
  rc = sqlite3_prepare_v2(db, "SELECT name, tbl, options->>'$.version', "
      "options->>'$.version_generator', options->>'$.version_policy', "
      "options->>'$.timestamps.created', options->>'$.timestamps.updated' "
      "FROM main.orm_models WHERE (name = ?1 OR (?1 IS NULL AND tbl = ?2)) "
      "AND options->>'$.version' IS NOT NULL", -1, &pStmt, 0);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_bind_text(pStmt, 1, zModel, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zTable, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  if( rc==SQLITE_ROW ){
    const char *zGen = (const char*)sqlite3_column_text(pStmt, 3);
    const char *zPolicy = (const char*)sqlite3_column_text(pStmt, 4);
    char **apz[5];
    int i;
    apz[0] = &p->zModel; apz[1] = &p->zTable; apz[2] = &p->zCol;
    apz[3] = &p->zCreated; apz[4] = &p->zUpdated;
    rc = SQLITE_OK;
    for(i=0; i<5; i++){
      const char *z = (const char*)sqlite3_column_text(pStmt, i<3 ? i : i+2);
      if( z ){
        *apz[i] = sqlite3_mprintf("%s", z);
        if( *apz[i]==0 ) rc = SQLITE_NOMEM;
      }else if( i<3 ){
        rc = SQLITE_NOMEM;
      }
    }
    for(i=0; zGen && i<3; i++){
      if( strcmp(zGen, azGen[i])==0 ) p->eGen = i;
    }
    p->bStrict = zPolicy && strcmp(zPolicy, "strict")==0;
  }else if( rc==SQLITE_DONE ){
    rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  if( rc!=SQLITE_OK ) sqlormVersionClear(p);
  return rc;
}

/* The SQL expression of the version that follows zOld (an expression), always greater.
** uuid: time-ordered, UUIDv7's layout (48 bits of Unix milliseconds, then random bits):
** the time part is now, or the old one + 1 ms when now is not later. */
char *sqlormVersionNext(const OrmVersion *p, const char *zOld){
  if( p->eGen==ORM_VERSION_COUNTER ){
    return sqlite3_mprintf("coalesce(%s, 0) + 1", zOld);
  }
  if( p->eGen==ORM_VERSION_TIMESTAMP ){
    return sqlite3_mprintf("CASE WHEN %s IS NULL OR " VERSION_NOW " > %s THEN " VERSION_NOW
        " ELSE strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+0.001 seconds') END", zOld, zOld, zOld);
  }else{
    sqlite3_str *pStr = sqlite3_str_new(0);
    int i;
    /* The old time part, read digit by digit (SQLite 3.40 has no hex-to-integer). */
    sqlite3_str_appendf(pStr, "(SELECT printf('%%08x-%%04x-7%%03x-%%x%%03x-%%012x', ms >> 16, "
        "ms & 65535, random() & 4095, 8 + (random() & 3), random() & 4095, "
        "random() & 281474976710655) FROM (SELECT max(CAST((julianday('now') - 2440587.5) "
        "* 86400000 AS INTEGER), coalesce(");
    for(i=0; i<12; i++){
      sqlite3_str_appendf(pStr, "%s((instr('0123456789abcdef', substr(%s, %d, 1)) - 1) << %d)",
                          i ? " + " : "", zOld, i<8 ? i+1 : i+2, 4*(11-i));
    }
    sqlite3_str_appendall(pStr, " + 1, 0)) AS ms))");
    return sqlite3_str_finish(pStr);
  }
}

/* A statement that fails with the stale error for the row OLD, which the writer read at
** version zRead (an expression). json_extract() reports a malformed path with the path
** in its message: "JSON path error near 'stale data: ...'". */
static char *versionStaleSql(const OrmTable *pTab, const OrmVersion *p, const char *zRead){
  sqlite3_str *pText = sqlite3_str_new(0);
  char *zKey, *zSql;
  sqlormRowKeySql(pTab, 0, pText, "OLD");
  zKey = sqlite3_str_finish(pText);
  if( zKey==0 ) return 0;
  zSql = sqlite3_mprintf("SELECT json_extract('{}', coalesce('stale data: ' || %Q || ' ' || "
      "%s || ': expected version ' || coalesce(%s, 'NULL') || ', found ' || "
      "coalesce(OLD.\"%w\", 'NULL'), 'stale data'));", pTab->zName, zKey, zRead, p->zCol);
  sqlite3_free(zKey);
  return zSql;
}

/* The condition under which a value is not a version the generator makes. */
static char *versionBadType(const OrmVersion *p, const char *zVal){
  if( p->eGen==ORM_VERSION_COUNTER ) return sqlite3_mprintf("typeof(%s) <> 'integer'", zVal);
  if( p->eGen==ORM_VERSION_TIMESTAMP ){
    return sqlite3_mprintf("(typeof(%s) <> 'text' OR julianday(%s) IS NULL)", zVal, zVal);
  }
  return sqlite3_mprintf("(typeof(%s) <> 'text' OR %s NOT GLOB '%s')", zVal, zVal,
      "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-"
      "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-"
      "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]"
      "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]");
}

static char *versionTypeMsg(const OrmVersion *p){
  if( p->eGen==ORM_VERSION_COUNTER ){
    return sqlite3_mprintf("%s.%s is a version counter: an integer (an UPDATE sets it to "
                           "the version read + 1)", p->zTable, p->zCol);
  }
  return sqlite3_mprintf("%s.%s is a %s version: %s (an UPDATE sets it to the version "
      "read)", p->zTable, p->zCol, azGen[p->eGen], p->eGen==ORM_VERSION_UUID
      ? "a lowercase UUID" : "a timestamp such as 2024-05-01 12:00:00.000");
}

/* " AND NOT (<the UPDATE is the timestamps' own stamping>)", or "" without timestamps.
** The stamping (model.c) changes the created/updated columns to now and nothing else; it
** is neither advanced (that would advance twice) nor refused under strict. */
static char *versionStampOnly(const OrmVersion *p, const OrmTable *pTab){
  sqlite3_str *pStr;
  const char *zC = p->zCreated ? p->zCreated : p->zUpdated;
  const char *zU = p->zUpdated ? p->zUpdated : p->zCreated;
  int i;
  if( zC==0 ) return sqlite3_mprintf("%s", "");   /* no timestamps */
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendf(pStr, " AND NOT ((NEW.\"%w\" IS NOT OLD.\"%w\" OR NEW.\"%w\" IS NOT OLD.\"%w\") "
      "AND (NEW.\"%w\" IS OLD.\"%w\" OR NEW.\"%w\" = " VERSION_NOW ") "
      "AND (NEW.\"%w\" IS OLD.\"%w\" OR (OLD.\"%w\" IS NULL AND NEW.\"%w\" = " VERSION_NOW "))",
      zU, zU, zC, zC, zU, zU, zU, zC, zC, zC, zC);
  for(i=0; i<pTab->cols.n; i++){
    const char *c = pTab->cols.az[i];
    if( sqlite3_stricmp(c, p->zCol)==0 || sqlite3_stricmp(c, zC)==0
     || sqlite3_stricmp(c, zU)==0 || sqlormNamesFind(&pTab->generated, c)>=0 ){
      continue;
    }
    sqlite3_str_appendf(pStr, " AND NEW.\"%w\" IS OLD.\"%w\"", c, c);
  }
  sqlite3_str_appendchar(pStr, 1, ')');
  return sqlite3_str_finish(pStr);
}

/* Drops the triggers model zModel's versioning made on its table. */
int sqlormVersionDropTriggers(sqlite3 *db, const char *zModel, char **pzErr){
  return sqlormExec(db, pzErr, "DROP TRIGGER IF EXISTS main.\"orm_%w__version_insert\";"
      "DROP TRIGGER IF EXISTS main.\"orm_%w__version_check\";"
      "DROP TRIGGER IF EXISTS main.\"orm_%w__version_advance\";"
      "DROP TRIGGER IF EXISTS main.\"orm_%w__version_strict\";",
      zModel, zModel, zModel, zModel);
}

/* Gives the rows without a version their first one, then makes the triggers of model
** zModel's versioning (none when it has none). Runs before the model's timestamps and
** validation triggers exist, so starting the versions stamps and checks nothing. */
/* A model over an orm_remote table: the table checks and advances the version itself
** (triggers cannot be made on a virtual table); rows without one start at 1. *pbDone: it
** was such a model. */
static int versionRemote(sqlite3 *db, const char *zModel, const OrmVersion *v, int *pbDone,
                         char **pzErr){
  OrmNames tbl = {0, 0};
  int bRemote = 0;
  int rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name = ?1", zModel,
                            &tbl, 0);
  *pbDone = 0;
  if( rc==SQLITE_OK && tbl.n ) rc = sqlormTableIsRemote(db, tbl.az[0], &bRemote);
  if( rc==SQLITE_OK && bRemote ){
    *pbDone = 1;
    if( v->zCol && v->eGen!=ORM_VERSION_COUNTER ){
      *pzErr = sqlite3_mprintf("a remote table versions with the counter generator");
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK && v->zCol ){
      rc = sqlormExec(db, pzErr, "SELECT orm_remote_version(%Q, NULL, NULL);"
          "UPDATE main.\"%w\" SET \"%w\" = 1 WHERE \"%w\" IS NULL;"
          "SELECT orm_remote_version(%Q, %Q, %Q)", tbl.az[0], tbl.az[0], v->zCol, v->zCol,
          tbl.az[0], v->zCol, v->bStrict ? "strict" : "advance");
    }else if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "SELECT orm_remote_version(%Q, NULL, NULL)", tbl.az[0]);
    }
  }
  sqlormNamesClear(&tbl);
  return rc;
}

int sqlormVersionTriggers(sqlite3 *db, const char *zModel, char **pzErr){
  OrmVersion v;
  OrmTable *pTab = 0;
  sqlite3_str *pWhere;
  char *zWhere = 0, *zNextNull = 0, *zNextCol = 0, *zBadNew = 0, *zBadCol = 0, *zTypeMsg = 0;
  char *zStaleCheck = 0, *zStamp = 0, *zSql = 0, *zRead = 0;
  OrmNames bad = {0, 0};
  int bRemote = 0;
  int rc = sqlormVersionLoad(db, zModel, 0, &v);
  if( rc==SQLITE_OK ) rc = versionRemote(db, zModel, &v, &bRemote, pzErr);
  if( rc!=SQLITE_OK || v.zCol==0 || bRemote ){
    sqlormVersionClear(&v);
    return rc;
  }
  rc = sqlormTableLoadShallow(db, v.zTable, &pTab, pzErr);
  if( rc!=SQLITE_OK ){
    sqlormVersionClear(&v);
    return rc;
  }
  pWhere = sqlite3_str_new(db);
  sqlormRowKeySql(pTab, pWhere, 0, "NEW");
  zWhere = sqlite3_str_finish(pWhere);
  zNextNull = sqlormVersionNext(&v, "NULL");
  zNextCol = sqlite3_mprintf("\"%w\"", v.zCol);
  if( zNextCol ){
    char *z = sqlormVersionNext(&v, zNextCol);
    sqlite3_free(zNextCol);
    zNextCol = z;
  }
  zRead = sqlite3_mprintf("NEW.\"%w\"", v.zCol);
  zBadNew = zRead ? versionBadType(&v, zRead) : 0;
  zBadCol = sqlite3_mprintf("\"%w\"", v.zCol);
  if( zBadCol ){
    char *z = versionBadType(&v, zBadCol);
    sqlite3_free(zBadCol);
    zBadCol = z;
  }
  zTypeMsg = versionTypeMsg(&v);
  if( zRead && v.eGen==ORM_VERSION_COUNTER ){
    /* The counter's writer states read + 1. */
    char *z = sqlite3_mprintf("(%s - 1)", zRead);
    sqlite3_free(zRead);
    zRead = z;
  }
  zStaleCheck = zRead ? versionStaleSql(pTab, &v, zRead) : 0;
  zStamp = versionStampOnly(&v, pTab);
  if( !zWhere || !zNextNull || !zNextCol || !zBadNew || !zBadCol || !zTypeMsg || !zRead
   || !zStaleCheck || !zStamp ){
    rc = SQLITE_NOMEM;
  }

  /* The versions already there must be ones the generator could have made. */
  if( rc==SQLITE_OK ){
    sqlite3_str *pKey = sqlite3_str_new(db);
    char *zKey;
    int i;
    for(i=0; i<pTab->key.n; i++){
      sqlite3_str_appendf(pKey, "%s'%q=' || quote(\"%w\")", i ? " || ', ' || " : "",
                          pTab->key.az[i], pTab->key.az[i]);
    }
    zKey = sqlite3_str_finish(pKey);
    zSql = zKey ? sqlite3_mprintf("SELECT %s FROM main.\"%w\" WHERE \"%w\" IS NOT NULL AND %s "
                                  "LIMIT 1", zKey, v.zTable, v.zCol, zBadCol) : 0;
    rc = zSql ? sqlormQueryNames(db, zSql, 0, &bad, 0) : SQLITE_NOMEM;
    sqlite3_free(zKey);
    sqlite3_free(zSql);
    zSql = 0;
    if( rc==SQLITE_OK && bad.n ){
      *pzErr = sqlite3_mprintf("option version: %s.%s holds a value that is not a %s "
          "version (%s); set it to one, or to NULL to have one made", v.zTable, v.zCol,
          azGen[v.eGen], bad.az[0]);
      rc = SQLITE_ERROR;
    }
  }
  /* Rows without a version get their first one. */
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "UPDATE main.\"%w\" SET \"%w\" = %s WHERE \"%w\" IS NULL",
                    v.zTable, v.zCol, zNextNull, v.zCol);
  }
  /* INSERT: a row without a version gets the first one; a version of the wrong kind is
  ** refused. */
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__version_insert\" AFTER INSERT "
        "ON main.\"%w\" WHEN NEW.\"%w\" IS NULL OR %s BEGIN "
        "SELECT RAISE(ABORT, %Q) WHERE NEW.\"%w\" IS NOT NULL; "
        "UPDATE \"%w\" SET \"%w\" = %s WHERE %s; END",
        zModel, v.zTable, v.zCol, zBadNew, zTypeMsg, v.zCol, v.zTable, v.zCol, zNextNull, zWhere);
  }
  /* An UPDATE that does not name the version leaves it as it was. Under strict it is
  ** refused; made before the check so that the check fires first (SQLite runs the
  ** triggers of one event newest first) and an UPDATE that names the version but states
  ** the stored one gets the stale error. Otherwise an AFTER trigger advances it. */
  if( rc==SQLITE_OK && v.bStrict ){
    char *zMsg = sqlite3_mprintf("an UPDATE of %s must state the version it read (SET %s = "
        "<version read> + 1): the model's version_policy is strict", v.zTable, v.zCol);
    rc = zMsg ? sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__version_strict\" BEFORE "
        "UPDATE ON main.\"%w\" WHEN NEW.\"%w\" IS OLD.\"%w\"%s BEGIN "
        "SELECT RAISE(ABORT, %Q); END",
        zModel, v.zTable, v.zCol, v.zCol, zStamp, zMsg) : SQLITE_NOMEM;
    sqlite3_free(zMsg);
  }else if( rc==SQLITE_OK ){
    /* Its own UPDATE names the version with a greater value: the check accepts it and
    ** this trigger's WHEN is false for it, even with recursive triggers on. */
    rc = sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__version_advance\" AFTER "
        "UPDATE ON main.\"%w\" WHEN NEW.\"%w\" IS OLD.\"%w\"%s BEGIN "
        "UPDATE \"%w\" SET \"%w\" = %s WHERE %s; END",
        zModel, v.zTable, v.zCol, v.zCol, zStamp, v.zTable, v.zCol, zNextCol, zWhere);
  }
  /* An UPDATE that names the version: it must be of the generator's kind and greater
  ** than the stored one (the counter: read + 1), or for uuid and timestamp the stored one
  ** itself. A row without a version (NULL) takes any. */
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__version_check\" BEFORE "
        "UPDATE OF \"%w\" ON main.\"%w\" WHEN %s OR NEW.\"%w\" %s OLD.\"%w\" BEGIN "
        "SELECT RAISE(ABORT, %Q) WHERE %s; %s END",
        zModel, v.zCol, v.zTable, zBadNew, v.zCol,
        v.eGen==ORM_VERSION_COUNTER ? "<=" : "<", v.zCol, zTypeMsg, zBadNew, zStaleCheck);
  }
  sqlormNamesClear(&bad);
  sqlite3_free(zWhere);
  sqlite3_free(zNextNull);
  sqlite3_free(zNextCol);
  sqlite3_free(zBadNew);
  sqlite3_free(zBadCol);
  sqlite3_free(zTypeMsg);
  sqlite3_free(zRead);
  sqlite3_free(zStaleCheck);
  sqlite3_free(zStamp);
  sqlormTableFree(pTab);
  sqlormVersionClear(&v);
  return rc;
}

/* On a model view of a versioned table (counter): an UPDATE that names the version and
** states the stored one read the version before it: stale, as on the table. (The view's
** own UPDATE trigger cannot tell that from an UPDATE that leaves the version out.) */
int sqlormVersionViewTrigger(sqlite3 *db, const char *zView, const OrmTable *pTab,
                             const OrmVersion *p, char **pzErr){
  char *zRead, *zStale;
  int rc;
  if( p==0 || p->zCol==0 || p->eGen!=ORM_VERSION_COUNTER ) return SQLITE_OK;
  zRead = sqlite3_mprintf("(NEW.\"%w\" - 1)", p->zCol);
  zStale = zRead ? versionStaleSql(pTab, p, zRead) : 0;
  rc = zStale ? sqlormExec(db, pzErr, "CREATE TRIGGER main.\"orm_%w__version\" INSTEAD OF "
      "UPDATE OF \"%w\" ON main.\"%w\" WHEN NEW.\"%w\" IS OLD.\"%w\" BEGIN %s END",
      zView, p->zCol, zView, p->zCol, p->zCol, zStale) : SQLITE_NOMEM;
  sqlite3_free(zRead);
  sqlite3_free(zStale);
  return rc;
}

/* Builds again the views of the other models of zTable, whose triggers depend on the
** table's versioning (after model zModel switched it on or off). */
int sqlormVersionSync(sqlite3 *db, const char *zTable, const char *zModel, char **pzErr){
  OrmNames models = {0, 0};
  char *zSql = sqlite3_mprintf("SELECT name FROM main.orm_models WHERE tbl = ?1 AND "
      "name <> %Q AND options->>'$.has_view' IS NOT NULL ORDER BY name", zModel);
  int rc = zSql ? sqlormQueryNames(db, zSql, zTable, &models, 0) : SQLITE_NOMEM;
  int i;
  for(i=0; rc==SQLITE_OK && i<models.n; i++) rc = sqlormModelRebuild(db, models.az[i], pzErr);
  sqlite3_free(zSql);
  sqlormNamesClear(&models);
  return rc;
}

/* For orm_drop(model): forgets the model's versioning and builds the other views of its
** table again without it. */
int sqlormVersionForget(sqlite3 *db, const char *zModel, char **pzErr){
  OrmVersion v;
  int rc = sqlormVersionLoad(db, zModel, 0, &v);
  if( rc==SQLITE_OK && v.zCol ){
    rc = sqlormExec(db, pzErr, "UPDATE main.orm_models SET options = json_remove(options, "
        "'$.version', '$.version_generator', '$.version_policy') WHERE name = %Q", zModel);
    if( rc==SQLITE_OK ) rc = sqlormVersionDropTriggers(db, zModel, pzErr);
    if( rc==SQLITE_OK ){
      OrmVersion none;
      int bRemote = 0;
      memset(&none, 0, sizeof(none));
      rc = versionRemote(db, zModel, &none, &bRemote, pzErr);
    }
    if( rc==SQLITE_OK ) rc = sqlormVersionSync(db, v.zTable, zModel, pzErr);
  }
  sqlormVersionClear(&v);
  return rc;
}
