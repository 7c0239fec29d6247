/*
** automap.c: orm_automap(), a model per table and a relationship pair per FOREIGN KEY.
**
** Usage:
**   SELECT orm_automap();            -- the number of relationships it made
**   SELECT model, name, target, direction FROM orm_relationships WHERE origin = 'automap';
**
** Naming, deterministic: a many-to-one is named from its FK column without the _id suffix
** (user_id -> user; a composite FK, or a stem that is a column of the table (a key shared
** with the parent): the parent table's name); the one-to-many back is named after the child
** table (addresses), or <child>_by_<stem> when the child has several FKs to the parent or
** refers to itself (employees_by_manager). An association table (exactly two FKs, whose
** columns lie within its primary key; other columns allowed) also gives a many-to-many pair
** named after the far table (users.groups, groups.users), or <far>_by_<stem of the far FK>
** when it joins a table to itself; it stays a model of its own. FK columns equal to a key
** or UNIQUE set make the pair one-to-one (scalar both ways).
** When two names would meet on one model (or a name is a declaration's, or a column's),
** each takes its longer form: <child>_by_<stem>, <far>_by_<association table>,
** <parent>_by_<stem>, <far>_by_<stem>_in_<association table>; if they still meet, it is an
** error naming both, and nothing changes.
** Cascades follow the FK: ON DELETE CASCADE -> delete; NOT NULL FK -> delete, delete-orphan;
** SET NULL (and no action on a nullable FK) -> children's FK set to NULL; RESTRICT and SET
** DEFAULT -> left to the database (passive_deletes), association rows included.
**
** How it works: in one savepoint, everything automap made before is dropped and made
** again from the live schema; relationships the user declared are never touched, and an
** FK direction a declaration already covers is skipped (its mirror then back-populates the
** declaration).
*/
#include "sqlorm.h"
#include <string.h>

/* A relationship automap would make, with what naming needs to know of it. */
typedef struct AutoCand AutoCand;
struct AutoCand {
  OrmRel *p;
  char *zAlt;             /* the longer name, for when the short one meets another */
  int iMirror;            /* index of the candidate on the other side */
  int bAlt;               /* p->zName is zAlt */
  char *zCover;           /* a declaration that covers it: skipped, mirror points there */
};

typedef struct Automap Automap;
struct Automap {
  sqlite3 *db;
  int nTab;
  OrmTable **apTab;       /* every table automap maps */
  int nCand;
  AutoCand *aCand;
};

static char *dup(const char *z){
  return z ? sqlite3_mprintf("%s", z) : 0;
}

/* The stem of an FK: its one column without _id; the parent's name when the FK is
** composite or the stem is a column of the table (a key shared with the parent). */
static char *fkStem(const OrmTable *pChild, const OrmFk *pFk){
  if( pFk->from.n==1 ){
    const char *z = pFk->from.az[0];
    int n = (int)strlen(z);
    char *zStem = (n>3 && sqlite3_stricmp(z+n-3, "_id")==0) ? sqlite3_mprintf("%.*s", n-3, z)
                                                             : sqlite3_mprintf("%s", z);
    if( zStem==0 || sqlormNamesFind(&pChild->cols, zStem)<0 ) return zStem;
    sqlite3_free(zStem);
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

/* Adds a pair of candidates, mirrors of each other; takes p and q (and their alternative
** names) even when it fails. */
static int automapAddPair(Automap *a, OrmRel *p, char *zAltP, OrmRel *q, char *zAltQ){
  AutoCand *aNew = sqlite3_realloc64(a->aCand, sizeof(AutoCand)*(a->nCand+2));
  if( aNew==0 || p==0 || q==0 || zAltP==0 || zAltQ==0 ){
    if( aNew ) a->aCand = aNew;
    sqlormRelFree(p); sqlormRelFree(q);
    sqlite3_free(zAltP); sqlite3_free(zAltQ);
    return SQLITE_NOMEM;
  }
  a->aCand = aNew;
  memset(&aNew[a->nCand], 0, sizeof(AutoCand)*2);
  aNew[a->nCand].p = p;
  aNew[a->nCand].zAlt = zAltP;
  aNew[a->nCand].iMirror = a->nCand+1;
  aNew[a->nCand+1].p = q;
  aNew[a->nCand+1].zAlt = zAltQ;
  aNew[a->nCand+1].iMirror = a->nCand;
  a->nCand += 2;
  return SQLITE_OK;
}

/* A new candidate on table pModel towards pTarget (automap's models are named after their
** tables). */
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

/* RESTRICT and SET DEFAULT are the database's to enforce. */
static int fkPassive(const OrmFk *pFk){
  return sqlite3_stricmp(pFk->zOnDelete, "RESTRICT")==0
      || sqlite3_stricmp(pFk->zOnDelete, "SET DEFAULT")==0;
}

/* The cascade of a one-to-many, from its FOREIGN KEY. */
static void automapCascade(OrmRel *p, const OrmFk *pFk){
  const char *z = pFk->zOnDelete;
  if( fkPassive(pFk) ){
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
  zStem = fkStem(pChild, pFk);
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
    for(i=0; rc==SQLITE_OK && i<pFk->from.n; i++){
      rc = sqlormNamesAdd(&pM2O->local, pFk->from.az[i]);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&pM2O->remote, pFk->to.az[i]);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&pO2M->local, pFk->to.az[i]);
      if( rc==SQLITE_OK ) rc = sqlormNamesAdd(&pO2M->remote, pFk->from.az[i]);
    }
    if( rc==SQLITE_OK && (pM2O->zName==0 || pO2M->zName==0) ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    rc = automapAddPair(a, pM2O, sqlite3_mprintf("%s_by_%s", pParent->zName, zStem),
                        pO2M, sqlite3_mprintf("%s_by_%s", pChild->zName, zStem));
  }else{
    sqlormRelFree(pM2O);
    sqlormRelFree(pO2M);
  }
  sqlite3_free(zStem);
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

/* One direction of the many-to-many through association table pSec. */
static OrmRel *automapM2M(Automap *a, OrmTable *pSec, const OrmFk *pNear, const OrmFk *pFar,
                          char **pzAlt){
  OrmRel *p = automapRel(automapTable(a, pNear->zTo), automapTable(a, pFar->zTo), ORM_M2M);
  char *zFarStem = fkStem(pSec, pFar);
  int bSelf = sqlite3_stricmp(pNear->zTo, pFar->zTo)==0;
  int rc = (p && zFarStem) ? SQLITE_OK : SQLITE_NOMEM;
  *pzAlt = 0;
  if( rc==SQLITE_OK ){
    p->zName = bSelf ? sqlite3_mprintf("%s_by_%s", pFar->zTo, zFarStem) : dup(pFar->zTo);
    *pzAlt = bSelf ? sqlite3_mprintf("%s_by_%s_in_%s", pFar->zTo, zFarStem, pSec->zName)
                   : sqlite3_mprintf("%s_by_%s", pFar->zTo, pSec->zName);
    p->zSecondary = dup(pSec->zName);
    p->bUselist = 1;
    p->bPassive = fkPassive(pNear);
    rc = sqlormNamesCopy(&p->local, &pNear->to);
    if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->secLocal, &pNear->from);
    if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->remote, &pFar->to);
    if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&p->secRemote, &pFar->from);
    if( rc==SQLITE_OK && (p->zName==0 || p->zSecondary==0 || *pzAlt==0) ) rc = SQLITE_NOMEM;
  }
  sqlite3_free(zFarStem);
  if( rc!=SQLITE_OK ){
    sqlormRelFree(p);
    sqlite3_free(*pzAlt);
    *pzAlt = 0;
    return 0;
  }
  return p;
}

/* The many-to-many pair through association table pSec. */
static int automapAssociation(Automap *a, OrmTable *pSec){
  const OrmFk *f1 = &pSec->aFk[0], *f2 = &pSec->aFk[1];
  OrmRel *p, *q;
  char *zAltP = 0, *zAltQ = 0;
  if( pSec->nFk!=2 || !fkInKey(pSec, f1) || !fkInKey(pSec, f2) ) return SQLITE_OK;
  if( automapTable(a, f1->zTo)==0 || automapTable(a, f2->zTo)==0 ) return SQLITE_OK;
  if( f1->bDangling || f2->bDangling ) return SQLITE_OK;
  p = automapM2M(a, pSec, f1, f2, &zAltP);
  q = automapM2M(a, pSec, f2, f1, &zAltQ);
  return automapAddPair(a, p, zAltP, q, zAltQ);
}

/* The name of the declaration that already covers candidate p, into *pzCover
** (sqlite3_malloc'd), or NULL: one over the same columns the same way without a read
** filter (a filtered one shows only some children). *pbTaken: a declaration of another
** relationship has p's name. */
static int automapDeclared(sqlite3 *db, const OrmRel *p, char **pzCover, int *pbTaken){
  OrmNames names = {0, 0};
  int i;
  int rc = sqlormQueryNames(db, "SELECT name FROM main.orm_relationships "
                            "WHERE origin='user' AND model=?1", p->zModel, &names, 0);
  *pzCover = 0;
  *pbTaken = 0;
  for(i=0; rc==SQLITE_OK && *pzCover==0 && i<names.n; i++){
    OrmRel *q = 0;
    char *zErr = 0;
    rc = sqlormRelLoad(db, p->zModel, names.az[i], &q, &zErr);
    if( rc==SQLITE_OK && q->zWhere==0 && q->eDir==p->eDir
     && sqlite3_stricmp(q->zTargetTable, p->zTargetTable)==0
     && sqlormNamesSameSet(&q->local, &p->local)
     && sqlormNamesSameSet(&q->remote, &p->remote)
     && (q->eDir!=ORM_M2M || sqlite3_stricmp(q->zSecondary, p->zSecondary)==0) ){
      *pzCover = dup(names.az[i]);
      if( *pzCover==0 ) rc = SQLITE_NOMEM;
    }else if( sqlite3_stricmp(names.az[i], p->zName)==0 ){
      *pbTaken = 1;
    }
    /* A declaration whose tables are gone covers nothing; it is the user's to drop. */
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      rc = SQLITE_OK;
      if( sqlite3_stricmp(names.az[i], p->zName)==0 ) *pbTaken = 1;
    }
    sqlormRelFree(q);
    sqlite3_free(zErr);
  }
  if( *pzCover ) *pbTaken = 0;
  sqlormNamesClear(&names);
  return rc;
}

/* Switches candidate i to its longer name; 0 when it already has it. */
static int automapUseAlt(Automap *a, int i){
  AutoCand *c = &a->aCand[i];
  if( c->bAlt ) return 0;
  sqlite3_free(c->p->zName);
  c->p->zName = c->zAlt;
  c->zAlt = 0;
  c->bAlt = 1;
  return 1;
}

/* Settles every candidate's name (see the header), then points each at its mirror. */
static int automapNames(Automap *a, char **pzErr){
  sqlite3 *db = a->db;
  int i, j, rc = SQLITE_OK, bChanged;
  for(i=0; rc==SQLITE_OK && i<a->nCand; i++){
    int bTaken = 0;
    rc = automapDeclared(db, a->aCand[i].p, &a->aCand[i].zCover, &bTaken);
    if( rc==SQLITE_OK && bTaken ) automapUseAlt(a, i);
  }
  do{
    bChanged = 0;
    for(i=0; rc==SQLITE_OK && i<a->nCand; i++){
      AutoCand *c = &a->aCand[i];
      OrmTable *pTab = automapTable(a, c->p->zTable);
      if( c->zCover ) continue;
      if( sqlormNamesFind(&pTab->cols, c->p->zName)>=0 ){
        if( automapUseAlt(a, i) ){
          bChanged = 1;
        }else{
          *pzErr = sqlite3_mprintf("relationship %s.%s (to %s) collides with column %s.%s: "
              "declare it with orm_relationship() under another name, then run "
              "orm_automap() again", c->p->zModel, c->p->zName, c->p->zTarget, pTab->zName,
              c->p->zName);
          rc = SQLITE_ERROR;
        }
        continue;
      }
      for(j=i+1; rc==SQLITE_OK && j<a->nCand; j++){
        AutoCand *d = &a->aCand[j];
        if( d->zCover || sqlite3_stricmp(c->p->zModel, d->p->zModel)!=0
         || sqlite3_stricmp(c->p->zName, d->p->zName)!=0 ) continue;
        if( automapUseAlt(a, i) | automapUseAlt(a, j) ){
          bChanged = 1;
        }else{
          *pzErr = sqlite3_mprintf("two relationships of %s would both be named %s (to %s and "
              "to %s): declare one with orm_relationship() under another name, then run "
              "orm_automap() again", c->p->zModel, c->p->zName, c->p->zTarget, d->p->zTarget);
          rc = SQLITE_ERROR;
        }
      }
    }
  }while( rc==SQLITE_OK && bChanged );
  for(i=0; rc==SQLITE_OK && i<a->nCand; i++){
    AutoCand *m = &a->aCand[a->aCand[i].iMirror];
    a->aCand[i].p->zBackPopulates = dup(m->zCover ? m->zCover : m->p->zName);
    if( a->aCand[i].p->zBackPopulates==0 ) rc = SQLITE_NOMEM;
  }
  return rc;
}

static void automapClear(Automap *a){
  int i;
  for(i=0; i<a->nTab; i++) sqlormTableFree(a->apTab[i]);
  for(i=0; i<a->nCand; i++){
    sqlormRelFree(a->aCand[i].p);
    sqlite3_free(a->aCand[i].zAlt);
    sqlite3_free(a->aCand[i].zCover);
  }
  sqlite3_free(a->apTab);
  sqlite3_free(a->aCand);
}

/* Drops what automap made before: its relationships, and its models of vanished tables
** that no declaration names. */
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
        "(SELECT name FROM pragma_table_list WHERE schema='main' AND type='table') AND name NOT IN "
        "(SELECT model FROM main.orm_relationships UNION SELECT target FROM main.orm_relationships)");
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
  /* Every name is settled before anything is saved: a collision leaves nothing made. */
  if( rc==SQLITE_OK ) rc = automapNames(a, pzErr);
  for(i=0; rc==SQLITE_OK && i<a->nCand; i++){
    if( a->aCand[i].zCover ) continue;
    rc = sqlormRelSave(db, a->aCand[i].p, pzErr);
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
  return sqlormCreateFunction(db, "orm_automap", 0, SQLITE_UTF8|SQLITE_DIRECTONLY, ormAutomapFunc);
}
