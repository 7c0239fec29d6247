/*
** automap.c: orm_automap(), a model per table and a relationship pair per FOREIGN KEY.
**
** Usage:
**   SELECT orm_automap();            -- the number of relationships it made
**   SELECT model, name, target, direction FROM orm_relationships WHERE origin = 'automap';
**
** Naming, deterministic: a many-to-one is named from its FK column without the _id suffix
** (user_id -> user; a composite FK: the parent table's name); the one-to-many back is named
** after the child table (addresses), or <child>_by_<stem> when the child has several FKs
** to the parent or refers to itself (employees_by_manager). An association table (exactly
** two FKs, whose columns lie within its primary key; other columns allowed) also gives a
** many-to-many pair named after the far table (users.groups, groups.users), or
** <far>_by_<stem of the far FK> when it joins a table to itself, or <far>_by_<association>
** when two association tables join the same pair; it stays a model of its own. FK columns
** equal to a key or UNIQUE set make the pair one-to-one (scalar both ways).
** Cascades follow the FK: ON DELETE CASCADE -> delete; NOT NULL FK -> delete, delete-orphan;
** SET NULL (and no action on a nullable FK) -> children's FK set to NULL; RESTRICT and SET
** DEFAULT -> left to the database (passive_deletes).
**
** How it works: in one savepoint, everything automap made before is dropped and made
** again from the live schema; relationships the user declared are never touched, and an
** FK direction a declaration already covers (or a name it already uses) is skipped. A name
** that collides with a column is an error naming both, nothing changed; declaring that
** relationship under another name with orm_relationship() first resolves it.
*/
#include "sqlorm.h"
#include <string.h>

typedef struct Automap Automap;
struct Automap {
  sqlite3 *db;
  int nTab;
  OrmTable **apTab;       /* every table automap maps */
  int nRel;
  OrmRel **apRel;         /* the candidates */
};

static char *dup(const char *z){
  return z ? sqlite3_mprintf("%s", z) : 0;
}

/* The stem of an FK: its one column without _id, or the parent's name when composite. */
static char *fkStem(const OrmFk *pFk){
  if( pFk->from.n==1 ){
    const char *z = pFk->from.az[0];
    int n = (int)strlen(z);
    if( n>3 && sqlite3_stricmp(z+n-3, "_id")==0 ) return sqlite3_mprintf("%.*s", n-3, z);
    return sqlite3_mprintf("%s", z);
  }
  return sqlite3_mprintf("%s", pFk->zTo);
}

static OrmTable *automapTable(Automap *a, const char *zName){
  int i;
  for(i=0; i<a->nTab; i++){
    if( sqlite3_stricmp(a->apTab[i]->zName, zName)==0 ) return a->apTab[i];
  }
  return 0;
}

static int automapAdd(Automap *a, OrmRel *p){
  OrmRel **ap = sqlite3_realloc64(a->apRel, sizeof(OrmRel*)*(a->nRel+1));
  if( ap==0 ){ sqlormRelFree(p); return SQLITE_NOMEM; }
  a->apRel = ap;
  ap[a->nRel++] = p;
  return SQLITE_OK;
}

/* A new candidate on table zModel towards zTarget (both tables: automap's models are
** named after their tables). */
static OrmRel *automapRel(OrmTable *pModel, OrmTable *pTarget, int eDir){
  OrmRel *p = sqlite3_malloc(sizeof(OrmRel));
  if( p==0 ) return 0;
  memset(p, 0, sizeof(*p));
  p->zModel = dup(pModel->zName);
  p->zTable = dup(pModel->zName);
  p->zTarget = dup(pTarget->zName);
  p->zTargetTable = dup(pTarget->zName);
  p->eDir = eDir;
  p->iMaxDepth = 1;
  p->bAutomap = 1;
  if( p->zModel==0 || p->zTable==0 || p->zTarget==0 || p->zTargetTable==0
   || sqlormNamesCopy(&p->key, &pModel->key) || sqlormNamesCopy(&p->targetKey, &pTarget->key) ){
    sqlormRelFree(p);
    return 0;
  }
  return p;
}

/* The cascade of a one-to-many, from its FOREIGN KEY. */
static void automapCascade(OrmRel *p, const OrmFk *pFk){
  const char *z = pFk->zOnDelete;
  if( sqlite3_stricmp(z, "RESTRICT")==0 || sqlite3_stricmp(z, "SET DEFAULT")==0 ){
    p->bPassive = 1;
  }else if( sqlite3_stricmp(z, "CASCADE")==0 ){
    p->mCascade = ORM_CASCADE_DELETE | (pFk->bNotNull ? ORM_CASCADE_ORPHAN : 0);
  }else if( sqlite3_stricmp(z, "SET NULL")!=0 && pFk->bNotNull ){
    p->mCascade = ORM_CASCADE_DELETE | ORM_CASCADE_ORPHAN;
  }
}

/* The pair for one FOREIGN KEY of pChild. */
static int automapFk(Automap *a, OrmTable *pChild, const OrmFk *pFk){
  OrmTable *pParent = automapTable(a, pFk->zTo);
  OrmRel *pM2O, *pO2M;
  char *zStem;
  int i, nSame = 0, rc = SQLITE_OK;
  if( pParent==0 || pFk->bDangling ) return SQLITE_OK;   /* not a table automap maps */
  for(i=0; i<pChild->nFk; i++){
    if( sqlite3_stricmp(pChild->aFk[i].zTo, pFk->zTo)==0 ) nSame++;
  }
  zStem = fkStem(pFk);
  pM2O = automapRel(pChild, pParent, ORM_M2O);
  pO2M = automapRel(pParent, pChild, ORM_O2M);
  if( zStem==0 || pM2O==0 || pO2M==0 ){
    rc = SQLITE_NOMEM;
  }else{
    pM2O->zName = dup(zStem);
    pO2M->zName = (nSame>1 || sqlite3_stricmp(pChild->zName, pParent->zName)==0)
        ? sqlite3_mprintf("%s_by_%s", pChild->zName, zStem) : dup(pChild->zName);
    pM2O->bOneToOne = pO2M->bOneToOne = sqlormTableIsUnique(pChild, &pFk->from);
    pM2O->bUselist = 0;
    pO2M->bUselist = !pO2M->bOneToOne;
    automapCascade(pO2M, pFk);
    pM2O->zBackPopulates = dup(pO2M->zName);
    pO2M->zBackPopulates = dup(pM2O->zName);
    for(i=0; rc==SQLITE_OK && i<pFk->from.n; i++){
      rc = sqlormNamesAdd(&pM2O->local, pFk->from.az[i]);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&pM2O->remote, pFk->to.az[i]);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&pO2M->local, pFk->to.az[i]);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&pO2M->remote, pFk->from.az[i]);
    }
    if( rc==SQLITE_OK && (pM2O->zName==0 || pO2M->zName==0) ) rc = SQLITE_NOMEM;
  }
  sqlite3_free(zStem);
  if( rc==SQLITE_OK ){
    rc = automapAdd(a, pM2O);           /* takes pM2O, even when it fails */
    pM2O = 0;
    if( rc==SQLITE_OK ){
      rc = automapAdd(a, pO2M);
      pO2M = 0;
    }
  }
  sqlormRelFree(pM2O);
  sqlormRelFree(pO2M);
  return rc;
}

/* Whether every column of the FK lies within the table's declared primary key. */
static int fkInKey(const OrmTable *p, const OrmFk *pFk){
  int i;
  if( p->bImplicitRowid ) return 0;
  for(i=0; i<pFk->from.n; i++){
    if( sqlormNamesFind(&p->key, pFk->from.az[i])<0 ) return 0;
  }
  return 1;
}

/* The many-to-many pair through association table pSec, one direction at a time. */
static int automapAssociation(Automap *a, OrmTable *pSec){
  const OrmFk *f1 = &pSec->aFk[0], *f2 = &pSec->aFk[1];
  int rc = SQLITE_OK, k;
  if( pSec->nFk!=2 || !fkInKey(pSec, f1) || !fkInKey(pSec, f2) ) return SQLITE_OK;
  if( automapTable(a, f1->zTo)==0 || automapTable(a, f2->zTo)==0 ) return SQLITE_OK;
  if( f1->bDangling || f2->bDangling ) return SQLITE_OK;
  for(k=0; rc==SQLITE_OK && k<2; k++){
    const OrmFk *pNear = k==0 ? f1 : f2, *pFar = k==0 ? f2 : f1;
    OrmRel *p = automapRel(automapTable(a, pNear->zTo), automapTable(a, pFar->zTo), ORM_M2M);
    char *zFarStem = fkStem(pFar), *zNearStem = fkStem(pNear);
    int bSelf = sqlite3_stricmp(pNear->zTo, pFar->zTo)==0;
    if( p==0 || zFarStem==0 || zNearStem==0 ){
      rc = SQLITE_NOMEM;
    }else{
      p->zName = bSelf ? sqlite3_mprintf("%s_by_%s", pFar->zTo, zFarStem) : dup(pFar->zTo);
      p->zBackPopulates = bSelf ? sqlite3_mprintf("%s_by_%s", pNear->zTo, zNearStem)
                                : dup(pNear->zTo);
      p->zSecondary = dup(pSec->zName);
      p->bUselist = 1;
      rc = sqlormNamesCopy(&p->local, &pNear->to);
      if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->secLocal, &pNear->from);
      if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->remote, &pFar->to);
      if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->secRemote, &pFar->from);
      if( rc==SQLITE_OK && (p->zName==0 || p->zSecondary==0 || p->zBackPopulates==0) ){
        rc = SQLITE_NOMEM;
      }
    }
    sqlite3_free(zFarStem);
    sqlite3_free(zNearStem);
    if( rc==SQLITE_OK ){
      rc = automapAdd(a, p);
    }else{
      sqlormRelFree(p);
    }
  }
  return rc;
}

/* Two many-to-many candidates of one model with one name (two association tables join
** the same pair): both take <far>_by_<association>, and their mirrors follow. */
static int automapDisambiguate(Automap *a){
  int i, j;
  for(i=0; i<a->nRel; i++){
    OrmRel *p = a->apRel[i];
    for(j=i+1; j<a->nRel; j++){
      OrmRel *q = a->apRel[j];
      int k;
      if( p->eDir!=ORM_M2M || q->eDir!=ORM_M2M ) continue;
      if( strcmp(p->zModel, q->zModel)!=0 || strcmp(p->zName, q->zName)!=0 ) continue;
      for(k=0; k<a->nRel; k++){
        OrmRel *r = a->apRel[k];
        if( r->eDir!=ORM_M2M ) continue;
        if( (r==p || r==q || (r->zBackPopulates && strcmp(r->zBackPopulates, p->zName)==0
             && strcmp(r->zTarget, p->zModel)==0)) ){
          char *zNew = sqlite3_mprintf("%s_by_%s", r->zTarget, r->zSecondary);
          if( zNew==0 ) return SQLITE_NOMEM;
          sqlite3_free(r->zName);
          r->zName = zNew;
        }
      }
    }
  }
  /* Mirrors point at the new names. */
  for(i=0; i<a->nRel; i++){
    OrmRel *p = a->apRel[i];
    if( p->eDir!=ORM_M2M ) continue;
    for(j=0; j<a->nRel; j++){
      OrmRel *q = a->apRel[j];
      if( q!=p && q->eDir==ORM_M2M && strcmp(q->zSecondary, p->zSecondary)==0
       && strcmp(q->zModel, p->zTarget)==0 && sqlormNamesEqual(&q->secLocal, &p->secRemote) ){
        char *zNew = dup(q->zName);
        if( zNew==0 ) return SQLITE_NOMEM;
        sqlite3_free(p->zBackPopulates);
        p->zBackPopulates = zNew;
      }
    }
  }
  return SQLITE_OK;
}

/* The name of the declaration that already covers candidate p, into *pzCover
** (sqlite3_malloc'd), or NULL: one with the same name on the model, or one over the same
** columns the same way without a read filter (a filtered one shows only some children). */
static int automapDeclared(sqlite3 *db, const OrmRel *p, char **pzCover){
  OrmNames names = {0, 0};
  int i;
  int rc = sqlormQueryNames(db, "SELECT name FROM main.orm_relationships "
                            "WHERE origin='user' AND model=?1", p->zModel, &names, 0);
  *pzCover = 0;
  for(i=0; rc==SQLITE_OK && *pzCover==0 && i<names.n; i++){
    OrmRel *q = 0;
    char *zErr = 0;
    if( sqlite3_stricmp(names.az[i], p->zName)==0 ){
      *pzCover = dup(names.az[i]);
      if( *pzCover==0 ) rc = SQLITE_NOMEM;
      continue;
    }
    rc = sqlormRelLoad(db, p->zModel, names.az[i], &q, &zErr);
    if( rc==SQLITE_OK && q->zWhere==0 && q->eDir==p->eDir
     && sqlite3_stricmp(q->zTargetTable, p->zTargetTable)==0
     && sqlormNamesSameSet(&q->local, &p->local)
     && sqlormNamesSameSet(&q->remote, &p->remote)
     && (q->eDir!=ORM_M2M || sqlite3_stricmp(q->zSecondary, p->zSecondary)==0) ){
      *pzCover = dup(names.az[i]);
      if( *pzCover==0 ) rc = SQLITE_NOMEM;
    }
    /* A declaration whose tables are gone covers nothing; it is the user's to drop. */
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ) rc = SQLITE_OK;
    sqlormRelFree(q);
    sqlite3_free(zErr);
  }
  sqlormNamesClear(&names);
  return rc;
}

/* Skips candidate p, which declaration zCover replaces: its mirror now back-populates
** the declaration. */
static int automapSkip(Automap *a, OrmRel *p, char *zCover){
  int i;
  for(i=0; i<a->nRel; i++){
    OrmRel *q = a->apRel[i];
    if( q!=p && q->zName && q->zBackPopulates && strcmp(q->zBackPopulates, p->zName)==0
     && strcmp(q->zModel, p->zTarget)==0 && strcmp(q->zTarget, p->zModel)==0 ){
      sqlite3_free(q->zBackPopulates);
      q->zBackPopulates = dup(zCover);
      if( q->zBackPopulates==0 ){
        sqlite3_free(zCover);
        return SQLITE_NOMEM;
      }
    }
  }
  sqlite3_free(p->zName);
  p->zName = 0;
  sqlite3_free(zCover);
  return SQLITE_OK;
}

static void automapClear(Automap *a){
  int i;
  for(i=0; i<a->nTab; i++) sqlormTableFree(a->apTab[i]);
  for(i=0; i<a->nRel; i++) sqlormRelFree(a->apRel[i]);
  sqlite3_free(a->apTab);
  sqlite3_free(a->apRel);
}

/* Drops what automap made before: its relationships, and its models of vanished tables. */
static int automapDropPrevious(sqlite3 *db, char **pzErr){
  OrmNames models = {0, 0}, names = {0, 0};
  int i;
  int rc = sqlormQueryNames(db, "SELECT model, name FROM main.orm_relationships "
                            "WHERE origin='automap'", 0, &models, &names);
  for(i=0; rc==SQLITE_OK && i<models.n; i++){
    rc = sqlormRelDrop(db, models.az[i], names.az[i], pzErr);
  }
  sqlormNamesClear(&models);
  sqlormNamesClear(&names);
  if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "DELETE FROM main.orm_models WHERE origin='automap' AND tbl NOT IN "
        "(SELECT name FROM pragma_table_list WHERE schema='main' AND type='table')");
  }
  return rc;
}

static int automapRun(Automap *a, int *pnMade, char **pzErr){
  sqlite3 *db = a->db;
  int i, rc;
  rc = automapDropPrevious(db, pzErr);
  if( rc!=SQLITE_OK ) return rc;

  /* Every ordinary table but SQLite's and the catalog's. */
  {
    OrmNames tables = {0, 0};
    rc = sqlormQueryNames(db, "SELECT name FROM pragma_table_list WHERE schema='main' "
        "AND type='table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT IN "
        "('orm_meta','orm_models','orm_relationships','orm_hybrids','orm_revisions',"
        "'orm_journal') ORDER BY name", 0, &tables, 0);
    for(i=0; rc==SQLITE_OK && i<tables.n; i++){
      OrmTable *pTab = 0;
      OrmTable **ap;
      char *zTable = 0;
      rc = sqlormTableLoad(db, tables.az[i], &pTab, pzErr);
      if( rc!=SQLITE_OK ) break;
      ap = sqlite3_realloc64(a->apTab, sizeof(OrmTable*)*(a->nTab+1));
      if( ap==0 ){ sqlormTableFree(pTab); rc = SQLITE_NOMEM; break; }
      a->apTab = ap;
      ap[a->nTab++] = pTab;
      rc = sqlormModelTable(db, pTab->zName, 2, &zTable, pzErr);
      sqlite3_free(zTable);
    }
    sqlormNamesClear(&tables);
  }

  for(i=0; rc==SQLITE_OK && i<a->nTab; i++){
    int j;
    for(j=0; rc==SQLITE_OK && j<a->apTab[i]->nFk; j++){
      rc = automapFk(a, a->apTab[i], &a->apTab[i]->aFk[j]);
    }
    if( rc==SQLITE_OK ) rc = automapAssociation(a, a->apTab[i]);
  }
  if( rc==SQLITE_OK ) rc = automapDisambiguate(a);

  /* Check every candidate before saving any: a collision leaves nothing half made. */
  for(i=0; rc==SQLITE_OK && i<a->nRel; i++){
    OrmRel *p = a->apRel[i];
    OrmTable *pTab = automapTable(a, p->zTable);
    int j;
    char *zCover = 0;
    rc = automapDeclared(db, p, &zCover);
    if( rc==SQLITE_OK && zCover ){
      rc = automapSkip(a, p, zCover);
      continue;
    }
    if( rc!=SQLITE_OK ) break;
    if( sqlormNamesFind(&pTab->cols, p->zName)>=0 ){
      *pzErr = sqlite3_mprintf("relationship %s.%s (to %s) collides with column %s.%s: "
          "declare it with orm_relationship() under another name, then run orm_automap() "
          "again", p->zModel, p->zName, p->zTarget, pTab->zName, p->zName);
      rc = SQLITE_ERROR;
    }
    for(j=0; rc==SQLITE_OK && j<i; j++){
      OrmRel *q = a->apRel[j];
      if( q->zName && strcmp(q->zModel, p->zModel)==0 && sqlite3_stricmp(q->zName, p->zName)==0 ){
        *pzErr = sqlite3_mprintf("two relationships of %s would both be named %s (to %s and to "
            "%s): declare one with orm_relationship() under another name, then run "
            "orm_automap() again", p->zModel, p->zName, q->zTarget, p->zTarget);
        rc = SQLITE_ERROR;
      }
    }
  }
  for(i=0; rc==SQLITE_OK && i<a->nRel; i++){
    OrmRel *p = a->apRel[i];
    if( p->zName==0 ) continue;
    rc = sqlormRelSave(db, p, pzErr);
    if( rc==SQLITE_OK ) (*pnMade)++;
  }
  return rc;
}

/* orm_automap() */
static void ormAutomapFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  Automap a;
  char *zErr = 0;
  int nMade = 0;
  int rc;
  (void)argc; (void)argv;
  memset(&a, 0, sizeof(a));
  a.db = db;
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK ){
    rc = automapRun(&a, &nMade, &zErr);
    rc = sqlormSavepointEnd(db, rc, &zErr);
  }
  automapClear(&a);
  if( rc==SQLITE_OK ){
    sqlite3_result_int(ctx, nMade);
  }else{
    sqlormResultError(ctx, "orm_automap", rc, zErr);
  }
}

int sqlormAutomapRegister(sqlite3 *db){
  return sqlite3_create_function_v2(db, "orm_automap", 0, SQLITE_UTF8|SQLITE_DIRECTONLY, 0,
                                    ormAutomapFunc, 0, 0, 0);
}
