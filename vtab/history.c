/*
** history.c: orm_history, the revisions of the migration journal and their state, as an
** eponymous virtual table.
**
** Usage:
**   SELECT revision, state, applied_at, duration_ms FROM orm_history;
**   SELECT revision FROM orm_history WHERE state = 'pending';
**
** Columns: revision, down_revisions (JSON), description, branch_labels (JSON), depends_on
** (JSON), state ('applied'; 'pending'; 'changed': applied, and its definition changed since;
** 'undefined': applied, and no longer defined), applied_at, duration_ms, checksum (of the
** text that ran, for applied ones), is_head, source (the file it came from).
**
** How it works: each scan runs one query over orm_revisions and orm_journal, in definition
** order (journal-only revisions last); a file without the catalog has no rows. The table
** reads only, so it works on read-only files.
*/
#include "sqlorm.h"
#include <string.h>

typedef struct history_vtab history_vtab;
struct history_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
};

typedef struct history_cursor history_cursor;
struct history_cursor {
  sqlite3_vtab_cursor base;
  sqlite3_stmt *pStmt;            /* the query; NULL when there is no catalog */
  int bEof;
  sqlite3_int64 iRow;
};

#define HISTORY_NCOL 11

static int historyConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                          sqlite3_vtab **ppVtab, char **pzErr){
  history_vtab *p;
  int rc;
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(revision TEXT, down_revisions TEXT, "
      "description TEXT, branch_labels TEXT, depends_on TEXT, state TEXT, applied_at TEXT, "
      "duration_ms REAL, checksum TEXT, is_head INTEGER, source TEXT)");
  if( rc!=SQLITE_OK ) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int historyDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int historyOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  history_cursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if( c==0 ) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static int historyClose(sqlite3_vtab_cursor *pCur){
  history_cursor *c = (history_cursor*)pCur;
  sqlite3_finalize(c->pStmt);
  sqlite3_free(c);
  return SQLITE_OK;
}

static int historyBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  (void)pVtab;
  pInfo->estimatedCost = 1000;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

static int historyNext(sqlite3_vtab_cursor *pCur){
  history_cursor *c = (history_cursor*)pCur;
  int rc;
  if( c->pStmt==0 ){
    c->bEof = 1;
    return SQLITE_OK;
  }
  rc = sqlite3_step(c->pStmt);
  c->iRow++;
  if( rc==SQLITE_ROW ) return SQLITE_OK;
  c->bEof = 1;
  if( rc==SQLITE_DONE ) return SQLITE_OK;
  sqlite3_free(pCur->pVtab->zErrMsg);
  pCur->pVtab->zErrMsg = sqlite3_mprintf("orm_history: %s",
                                         sqlite3_errmsg(((history_vtab*)pCur->pVtab)->db));
  return rc;
}

static int historyFilter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                         int argc, sqlite3_value **argv){
  history_cursor *c = (history_cursor*)pCur;
  sqlite3 *db = ((history_vtab*)pCur->pVtab)->db;
  int bCatalog = 0, rc;
  (void)idxNum; (void)idxStr; (void)argc; (void)argv;
  sqlite3_finalize(c->pStmt);
  c->pStmt = 0;
  c->bEof = 0;
  c->iRow = 0;
  rc = sqlormTableExists(db, "main", "orm_journal", &bCatalog);
  if( rc==SQLITE_OK && bCatalog ){
    rc = sqlite3_prepare_v2(db,
        "SELECT r.revision, r.down_revisions, r.description, r.branch_labels, r.depends_on, "
        "  CASE WHEN j.revision IS NULL THEN 'pending' WHEN j.checksum IS NOT r.checksum "
        "  THEN 'changed' ELSE 'applied' END, j.applied_at, j.duration_ms, "
        "  coalesce(j.checksum, r.checksum), NOT EXISTS (SELECT 1 FROM main.orm_revisions r2, "
        "  json_each(r2.down_revisions) d WHERE d.value = r.revision), r.source, 0, r.rowid "
        "FROM main.orm_revisions r LEFT JOIN main.orm_journal j ON j.revision = r.revision "
        "UNION ALL "
        "SELECT j.revision, j.down_revisions, j.description, '[]', '[]', 'undefined', "
        "  j.applied_at, j.duration_ms, j.checksum, 0, NULL, 1, j.rowid "
        "FROM main.orm_journal j WHERE j.revision NOT IN (SELECT revision FROM main.orm_revisions) "
        "ORDER BY 12, 13", -1, &c->pStmt, 0);
  }
  if( rc!=SQLITE_OK ){
    sqlite3_free(pCur->pVtab->zErrMsg);
    pCur->pVtab->zErrMsg = sqlite3_mprintf("orm_history: %s", sqlite3_errmsg(db));
    return rc;
  }
  return historyNext(pCur);
}

static int historyEof(sqlite3_vtab_cursor *pCur){
  return ((history_cursor*)pCur)->bEof;
}

static int historyColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  history_cursor *c = (history_cursor*)pCur;
  if( i>=0 && i<HISTORY_NCOL ) sqlite3_result_value(ctx, sqlite3_column_value(c->pStmt, i));
  return SQLITE_OK;
}

static int historyRowid(sqlite3_vtab_cursor *pCur, sqlite_int64 *pRowid){
  *pRowid = ((history_cursor*)pCur)->iRow;
  return SQLITE_OK;
}

static sqlite3_module historyModule = {
  /* iVersion    */ 0,
  /* xCreate     */ 0,            /* eponymous only */
  /* xConnect    */ historyConnect,
  /* xBestIndex  */ historyBestIndex,
  /* xDisconnect */ historyDisconnect,
  /* xDestroy    */ 0,
  /* xOpen       */ historyOpen,
  /* xClose      */ historyClose,
  /* xFilter     */ historyFilter,
  /* xNext       */ historyNext,
  /* xEof        */ historyEof,
  /* xColumn     */ historyColumn,
  /* xRowid      */ historyRowid,
  /* xUpdate     */ 0,
  /* xBegin      */ 0,
  /* xSync       */ 0,
  /* xCommit     */ 0,
  /* xRollback   */ 0,
  /* xFindMethod */ 0,
  /* xRename     */ 0,
  /* xSavepoint  */ 0,
  /* xRelease    */ 0,
  /* xRollbackTo */ 0,
  /* xShadowName */ 0,
#if SQLITE_VERSION_NUMBER>=3044000
  /* xIntegrity  */ 0,
#endif
};

int sqlormHistoryRegister(sqlite3 *db){
  int rc = sqlite3_create_module(db, "orm_history", &historyModule, 0);
  return rc==SQLITE_BUSY ? SQLITE_OK : rc;
}
