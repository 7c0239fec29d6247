/*
** inherit.c: model inheritance, single-table and joined-table: the chain of models, the
** discriminator, the identities a view shows, and the tables a model's view joins.
**
** Usage:
**   SELECT orm_model('Employee', '{"table":"employees","polymorphic_on":"type","identity":"employee"}');
**   SELECT orm_model('Manager', '{"inherits":"Employee","identity":"manager"}');   -- same table
**   SELECT orm_model('Engineer', '{"inherits":"Employee","table":"engineers","identity":"engineer"}');
**   SELECT name, type, language FROM "Engineer";   -- employees JOIN engineers ON the key
**
** How it works: a model's ancestors are read from the catalog (options.inherits), nearest
** first. Walking them root first, each new table is one more "part" of the model's view:
** the root table, then each joined subclass table, joined on its key. A joined table's key
** must reference the previous table's key (a FOREIGN KEY from its PRIMARY KEY, as
** SQLAlchemy's joined inheritance has it). The parts keep
** each table's key columns in the order of the root's key, so that joins and the INSTEAD OF
** triggers of model.c line them up.
*/
#include "sqlorm.h"
#include <string.h>

/* The chain: zModel first, then the models it inherits from (at most 64 deep; cycles are
** refused when declared). */
int sqlormInheritAncestors(sqlite3 *db, const char *zModel, OrmNames *p){
  return sqlormQueryNames(db, "WITH RECURSIVE up(name, depth) AS (SELECT ?1, 0 UNION ALL "
      "SELECT m.options->>'$.inherits', up.depth+1 FROM main.orm_models m JOIN up "
      "ON m.name = up.name WHERE m.options->>'$.inherits' IS NOT NULL AND up.depth < 64) "
      "SELECT name FROM up ORDER BY depth", zModel, p, 0);
}

/* zModel and every model below it, parents before children. */
int sqlormInheritDescendants(sqlite3 *db, const char *zModel, OrmNames *p){
  return sqlormQueryNames(db, "WITH RECURSIVE sub(name, depth) AS (SELECT ?1, 0 UNION "
      "SELECT m.name, sub.depth+1 FROM main.orm_models m JOIN sub "
      "ON m.options->>'$.inherits' = sub.name COLLATE NOCASE WHERE sub.depth < 64) "
      "SELECT name FROM sub GROUP BY name ORDER BY max(depth)", zModel, p, 0);
}

/* The discriminator column of model zModel: its own polymorphic_on, or its nearest
** ancestor's (*pzDisc NULL: none). */
int sqlormInheritDiscriminator(sqlite3 *db, const char *zModel, char **pzDisc){
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
int sqlormInheritIdentities(sqlite3 *db, const char *zModel, OrmNames *p){
  return sqlormQueryNames(db,
      "WITH RECURSIVE sub(name, depth) AS (SELECT ?1, 0 UNION "
      "  SELECT m.name, sub.depth+1 FROM main.orm_models m JOIN sub "
      "  ON m.options->>'$.inherits' = sub.name COLLATE NOCASE WHERE sub.depth < 64) "
      "SELECT DISTINCT m.options->>'$.identity' FROM sub JOIN main.orm_models m "
      "ON m.name = sub.name WHERE m.options->>'$.identity' IS NOT NULL ORDER BY 1", zModel, p, 0);
}

void sqlormInheritPartsClear(OrmParts *p){
  int i;
  for(i=0; i<p->n; i++){
    sqlormTableFree(p->ap[i]);
    sqlormNamesClear(&p->aKey[i]);
  }
  sqlite3_free(p->ap);
  sqlite3_free(p->aKey);
  memset(p, 0, sizeof(*p));
}

/* Table i's key, in the order of table i-1's key (parts 0..i-1 are ready): through a
** FOREIGN KEY from exactly table i's key columns to table i-1's key, as SQLAlchemy finds
** the inherit condition (equal names alone could join unrelated tables). */
static int inheritJoinKey(OrmParts *p, int i, char **pzErr){
  const OrmTable *pUp = p->ap[i-1], *pTab = p->ap[i];
  const OrmNames *pUpKey = &p->aKey[i-1];
  OrmNames *pKey = &p->aKey[i];
  int f, j, rc = SQLITE_OK;
  if( pTab->bImplicitRowid || pTab->key.n!=pUp->key.n ){
    *pzErr = sqlite3_mprintf("joined-table inheritance: table %s needs a PRIMARY KEY that "
        "references the key of %s (%d column%s)", pTab->zName, pUp->zName, pUp->key.n,
        pUp->key.n==1 ? "" : "s");
    return SQLITE_ERROR;
  }
  for(f=0; f<pTab->nFk; f++){
    const OrmFk *pFk = &pTab->aFk[f];
    if( sqlite3_stricmp(pFk->zTo, pUp->zName)==0 && sqlormNamesSameSet(&pFk->from, &pTab->key)
     && sqlormNamesSameSet(&pFk->to, &pUp->key) ){
      for(j=0; rc==SQLITE_OK && j<pUpKey->n; j++){
        /* The column of this table that references table i-1's key column j. */
        int t = sqlormNamesFind(&pFk->to, pUpKey->az[j]);
        rc = sqlormNamesAdd(pKey, pFk->from.az[t]);
      }
      return rc;
    }
  }
  *pzErr = sqlite3_mprintf("joined-table inheritance: the PRIMARY KEY of %s must be a "
      "FOREIGN KEY to the key of %s", pTab->zName, pUp->zName);
  return SQLITE_ERROR;
}

/* The tables of model zModel's view, root first (one for a model without a joined-table
** ancestor). A column name may appear in only one of them, keys aside: the view has one
** column of each name. */
int sqlormInheritParts(sqlite3 *db, const char *zModel, OrmParts *p, char **pzErr){
  OrmNames chain = {0, 0}, tables = {0, 0};
  int rc = sqlormInheritAncestors(db, zModel, &chain);
  int i, j, k;
  memset(p, 0, sizeof(*p));
  for(i=chain.n-1; rc==SQLITE_OK && i>=0; i--){
    OrmNames tbl = {0, 0};
    rc = sqlormQueryNames(db, "SELECT tbl FROM main.orm_models WHERE name=?1", chain.az[i],
                          &tbl, 0);
    if( rc==SQLITE_OK && tbl.n==0 ){
      *pzErr = sqlite3_mprintf("model %s inherits from %s, which is not a model", zModel,
                               chain.az[i]);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK && (tables.n==0 || sqlite3_stricmp(tables.az[tables.n-1], tbl.az[0])!=0) ){
      if( sqlormNamesFind(&tables, tbl.az[0])>=0 ){
        *pzErr = sqlite3_mprintf("model %s: table %s appears twice in its inheritance chain",
                                 zModel, tbl.az[0]);
        rc = SQLITE_ERROR;
      }else{
        rc = sqlormNamesAdd(&tables, tbl.az[0]);
      }
    }
    sqlormNamesClear(&tbl);
  }
  if( rc==SQLITE_OK && tables.n ){
    p->ap = sqlite3_malloc64(sizeof(OrmTable*)*tables.n);
    p->aKey = sqlite3_malloc64(sizeof(OrmNames)*tables.n);
    if( p->ap==0 || p->aKey==0 ){
      rc = SQLITE_NOMEM;
    }else{
      memset(p->ap, 0, sizeof(OrmTable*)*tables.n);
      memset(p->aKey, 0, sizeof(OrmNames)*tables.n);
    }
  }
  for(i=0; rc==SQLITE_OK && i<tables.n; i++){
    /* Foreign keys are only needed to join a subclass table to the one above it. */
    rc = i ? sqlormTableLoad(db, tables.az[i], &p->ap[i], pzErr)
           : sqlormTableLoadShallow(db, tables.az[i], &p->ap[i], pzErr);
    if( rc==SQLITE_OK ) p->n++;
    if( rc==SQLITE_OK ){
      rc = i ? inheritJoinKey(p, i, pzErr) : sqlormNamesCopy(&p->aKey[0], &p->ap[0]->key);
    }
    /* Joined: a column of this table (not its key) may not share a name with one above. */
    for(j=0; rc==SQLITE_OK && i>0 && j<p->ap[i]->cols.n; j++){
      const char *zCol = p->ap[i]->cols.az[j];
      if( sqlormNamesFind(&p->aKey[i], zCol)>=0 ) continue;
      for(k=0; k<i; k++){
        if( sqlormNamesFind(&p->ap[k]->cols, zCol)>=0 ){
          *pzErr = sqlite3_mprintf("joined-table inheritance: %s.%s and %s.%s would be one "
              "column of model %s: rename one", p->ap[i]->zName, zCol, p->ap[k]->zName, zCol,
              zModel);
          rc = SQLITE_ERROR;
          break;
        }
      }
    }
  }
  if( rc==SQLITE_OK && p->n>1 && p->ap[0]->bImplicitRowid ){
    *pzErr = sqlite3_mprintf("joined-table inheritance: table %s needs a declared PRIMARY KEY",
                             p->ap[0]->zName);
    rc = SQLITE_ERROR;
  }
  if( rc!=SQLITE_OK ) sqlormInheritPartsClear(p);
  sqlormNamesClear(&chain);
  sqlormNamesClear(&tables);
  return rc;
}

/* The part whose table has column zCol (-1: none). */
int sqlormInheritPartOf(const OrmParts *p, const char *zCol){
  int i;
  for(i=0; i<p->n; i++){
    if( sqlormNamesFind(&p->ap[i]->cols, zCol)>=0 ) return i;
  }
  return -1;
}
