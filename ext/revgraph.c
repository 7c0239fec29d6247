/*
** revgraph.c: the revision graph of the migration journal, as Alembic draws it: revisions
** with down revisions (several for a merge), depends_on edges, branch labels; heads, the
** applied set, and the targets users name ('head', 'heads', 'label@head', '+N', '-N',
** 'base', ids and unambiguous id prefixes).
**
** Usage (from migrate.c):
**   OrmGraph g;
**   rc = sqlormGraphLoad(db, &g, &zErr);               -- definitions joined to the journal
**   rc = sqlormGraphUpgradeTarget(&g, "head", &aTarget, &nTarget, &zErr);
**   rc = sqlormGraphUpgradePlan(&g, aTarget, nTarget, &aPlan, &nPlan);  -- parents first
**   sqlormGraphClear(&g);
**
** How it works: the catalog is read whole (orm_revisions, and orm_journal for revisions
** applied whose definition is gone: their text and down revisions are kept there). Edges
** are indexes into the array; closures and orders are plain loops (a project has hundreds or
** thousands of revisions, not millions). Ties in an order follow the order of definition.
*/
#include "sqlorm.h"
#include <stdlib.h>
#include <string.h>

void sqlormGraphClear(OrmGraph *g){
  int i;
  for(i=0; i<g->n; i++){
    OrmRev *r = &g->a[i];
    sqlite3_free(r->zId);
    sqlite3_free(r->zDesc);
    sqlite3_free(r->zUp);
    sqlite3_free(r->zDown);
    sqlite3_free(r->zChecksum);
    sqlite3_free(r->zJChecksum);
    sqlite3_free(r->zJUp);
    sqlite3_free(r->zJDown);
    sqlite3_free(r->zAppliedAt);
    sqlite3_free(r->aDown);
    sqlite3_free(r->aDep);
    sqlormNamesClear(&r->down);
    sqlormNamesClear(&r->deps);
    sqlormNamesClear(&r->labels);
  }
  sqlite3_free(g->a);
  memset(g, 0, sizeof(*g));
}

/* The revision named exactly zId, or -1. */
int sqlormGraphFind(const OrmGraph *g, const char *zId){
  int i;
  for(i=0; i<g->n; i++){
    if( strcmp(g->a[i].zId, zId)==0 ) return i;
  }
  return -1;
}

static char *graphDup(sqlite3_stmt *pStmt, int iCol, int *pRc){
  const char *z = (const char*)sqlite3_column_text(pStmt, iCol);
  char *zOut;
  if( z==0 ){
    if( sqlite3_column_type(pStmt, iCol)!=SQLITE_NULL && *pRc==SQLITE_OK ) *pRc = SQLITE_NOMEM;
    return 0;
  }
  zOut = sqlite3_mprintf("%s", z);
  if( zOut==0 && *pRc==SQLITE_OK ) *pRc = SQLITE_NOMEM;
  return zOut;
}

/* Turns the names of each revision's edges into indexes. A name that is no revision is an
** error here: definitions are checked when made, so only a damaged catalog gets here. */
static int graphLink(OrmGraph *g, char **pzErr){
  int i, j;
  for(i=0; i<g->n; i++){
    OrmRev *r = &g->a[i];
    if( !r->bDefined ){
      /* Known only to the journal: its down revisions may be gone too; keep those left. */
      int nKeep = 0;
      for(j=0; j<r->down.n; j++){
        if( sqlormGraphFind(g, r->down.az[j])>=0 ){
          r->down.az[nKeep++] = r->down.az[j];
        }else{
          sqlite3_free(r->down.az[j]);
        }
      }
      r->down.n = nKeep;
    }
    r->aDown = sqlite3_malloc64(sizeof(int)*(r->down.n+1));
    r->aDep = sqlite3_malloc64(sizeof(int)*(r->deps.n+1));
    if( r->aDown==0 || r->aDep==0 ) return SQLITE_NOMEM;
    for(j=0; j<r->down.n + r->deps.n; j++){
      int bDown = j<r->down.n;
      const char *zTo = bDown ? r->down.az[j] : r->deps.az[j - r->down.n];
      int k = sqlormGraphFind(g, zTo);
      if( k<0 ){
        *pzErr = sqlite3_mprintf("revision %s %s %s, which is not a known revision", r->zId,
                                 bDown ? "revises" : "depends on", zTo);
        return SQLITE_ERROR;
      }
      if( bDown ) r->aDown[j] = k; else r->aDep[j - r->down.n] = k;
    }
  }
  return SQLITE_OK;
}

/* Loads every revision: the defined ones in definition order, then those only the journal
** knows (applied, their definition dropped since). */
int sqlormGraphLoad(sqlite3 *db, OrmGraph *g, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  int rc, bExists = 0;
  memset(g, 0, sizeof(*g));
  rc = sqlormTableExists(db, "main", "orm_revisions", &bExists);
  if( rc!=SQLITE_OK || !bExists ) return rc;
  rc = sqlite3_prepare_v2(db,
      "SELECT r.revision, r.description, r.upgrade_sql, r.downgrade_sql, r.checksum, 1, "
      "  j.revision IS NOT NULL, j.checksum, j.upgrade_sql, j.downgrade_sql, j.applied_at, "
      "  r.down_revisions, r.depends_on, r.branch_labels "
      "FROM main.orm_revisions r LEFT JOIN main.orm_journal j ON j.revision = r.revision "
      "UNION ALL "
      "SELECT j.revision, j.description, j.upgrade_sql, j.downgrade_sql, j.checksum, 0, 1, "
      "  j.checksum, j.upgrade_sql, j.downgrade_sql, j.applied_at, j.down_revisions, '[]', '[]' "
      "FROM main.orm_journal j WHERE j.revision NOT IN (SELECT revision FROM main.orm_revisions)",
      -1, &pStmt, 0);
  while( rc==SQLITE_OK && (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    OrmRev *r;
    int k;
    rc = SQLITE_OK;
    if( (g->n & (g->n-1))==0 ){
      OrmRev *a = sqlite3_realloc64(g->a, sizeof(OrmRev)*(g->n ? g->n*2 : 8));
      if( a==0 ){ rc = SQLITE_NOMEM; break; }
      g->a = a;
    }
    r = &g->a[g->n++];
    memset(r, 0, sizeof(*r));
    r->zId = graphDup(pStmt, 0, &rc);
    r->zDesc = graphDup(pStmt, 1, &rc);
    r->zUp = graphDup(pStmt, 2, &rc);
    r->zDown = graphDup(pStmt, 3, &rc);
    r->zChecksum = graphDup(pStmt, 4, &rc);
    r->bDefined = sqlite3_column_int(pStmt, 5);
    r->bApplied = sqlite3_column_int(pStmt, 6);
    r->zJChecksum = graphDup(pStmt, 7, &rc);
    r->zJUp = graphDup(pStmt, 8, &rc);
    r->zJDown = graphDup(pStmt, 9, &rc);
    r->zAppliedAt = graphDup(pStmt, 10, &rc);
    for(k=0; rc==SQLITE_OK && k<3; k++){
      OrmNames *p = k==0 ? &r->down : k==1 ? &r->deps : &r->labels;
      const char *zJson = (const char*)sqlite3_column_text(pStmt, 11+k);
      if( zJson ) rc = sqlormNamesFromJson(db, zJson, p, pzErr);
    }
    if( rc==SQLITE_OK && r->zId==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  sqlite3_finalize(pStmt);
  if( rc==SQLITE_OK ) rc = graphLink(g, pzErr);
  if( rc!=SQLITE_OK ) sqlormGraphClear(g);
  return rc;
}

/* Marks in aMark every revision reachable from the marked ones through down revisions
** (and depends_on when bDeps): the ancestors. */
static void graphAncestors(const OrmGraph *g, unsigned char *aMark, int bDeps){
  int bMore = 1, i, j;
  while( bMore ){
    bMore = 0;
    for(i=g->n-1; i>=0; i--){
      const OrmRev *r = &g->a[i];
      if( !aMark[i] ) continue;
      for(j=0; j<r->down.n; j++){
        if( !aMark[r->aDown[j]] ){ aMark[r->aDown[j]] = 1; bMore = 1; }
      }
      for(j=0; bDeps && j<r->deps.n; j++){
        if( !aMark[r->aDep[j]] ){ aMark[r->aDep[j]] = 1; bMore = 1; }
      }
    }
  }
}

/* Marks every revision that has a marked one among its ancestors (down and depends_on):
** the descendants. */
static void graphDescendants(const OrmGraph *g, unsigned char *aMark){
  int bMore = 1, i, j;
  while( bMore ){
    bMore = 0;
    for(i=0; i<g->n; i++){
      const OrmRev *r = &g->a[i];
      if( aMark[i] ) continue;
      for(j=0; j<r->down.n && !aMark[i]; j++){
        if( aMark[r->aDown[j]] ){ aMark[i] = 1; bMore = 1; }
      }
      for(j=0; j<r->deps.n && !aMark[i]; j++){
        if( aMark[r->aDep[j]] ){ aMark[i] = 1; bMore = 1; }
      }
    }
  }
}

/* Whether revision i is a down revision of another one (of an applied one, if bApplied). */
static int graphHasChild(const OrmGraph *g, int i, int bApplied){
  int k, j;
  for(k=0; k<g->n; k++){
    if( bApplied && !g->a[k].bApplied ) continue;
    for(j=0; j<g->a[k].down.n; j++){
      if( g->a[k].aDown[j]==i ) return 1;
    }
  }
  return 0;
}

/* The heads: revisions no other revision revises (bApplied: among the applied ones, the
** current heads). Returns how many, their indexes in aOut (room for g->n). */
int sqlormGraphHeads(const OrmGraph *g, int bApplied, int *aOut){
  int i, n = 0;
  for(i=0; i<g->n; i++){
    if( bApplied && !g->a[i].bApplied ) continue;
    if( !graphHasChild(g, i, bApplied) ) aOut[n++] = i;
  }
  return n;
}

/* A list of revision ids for a message: "a, b, c". */
static char *graphList(const OrmGraph *g, const int *a, int n){
  sqlite3_str *p = sqlite3_str_new(0);
  int i;
  for(i=0; i<n; i++) sqlite3_str_appendf(p, "%s%s", i ? ", " : "", g->a[a[i]].zId);
  return sqlite3_str_finish(p);
}

/* One revision named by id, branch label or unambiguous id prefix. */
static int graphResolveOne(const OrmGraph *g, const char *zName, int *piRev, char **pzErr){
  int i, j, n = 0, nName = (int)strlen(zName);
  int aHit[6];
  *piRev = sqlormGraphFind(g, zName);
  if( *piRev>=0 ) return SQLITE_OK;
  for(i=0; i<g->n; i++){
    for(j=0; j<g->a[i].labels.n; j++){
      if( strcmp(g->a[i].labels.az[j], zName)==0 ){ *piRev = i; return SQLITE_OK; }
    }
  }
  for(i=0; i<g->n && n<6; i++){
    if( nName>0 && strncmp(g->a[i].zId, zName, nName)==0 ) aHit[n++] = i;
  }
  if( n==1 ){
    *piRev = aHit[0];
    return SQLITE_OK;
  }
  if( n==0 ){
    *pzErr = sqlite3_mprintf("no revision, branch label or revision prefix %s", zName);
  }else{
    char *zList = graphList(g, aHit, n>5 ? 5 : n);
    *pzErr = sqlite3_mprintf("revision prefix %s is ambiguous: %s%s", zName,
                             zList ? zList : "", n>5 ? ", ..." : "");
    sqlite3_free(zList);
  }
  return SQLITE_ERROR;
}

/* The single current head, or the reason there is not one (for relative targets). */
static int graphCurrentHead(const OrmGraph *g, int *aBuf, int *piHead, const char *zTarget,
                            char **pzErr){
  int n = sqlormGraphHeads(g, 1, aBuf);
  *piHead = -1;
  if( n>1 ){
    char *zList = graphList(g, aBuf, n);
    *pzErr = sqlite3_mprintf("%s is relative to the current revision, and there are %d "
        "current heads (%s): name a revision instead", zTarget, n, zList ? zList : "");
    sqlite3_free(zList);
    return SQLITE_ERROR;
  }
  if( n==1 ) *piHead = aBuf[0];
  return SQLITE_OK;
}

/* Parses N of "+N" / "-N": a positive integer. */
static int graphSteps(const char *z, int *pN){
  int n = 0, i;
  for(i=1; z[i]; i++){
    if( z[i]<'0' || z[i]>'9' || n>100000000 ) return 0;
    n = n*10 + (z[i]-'0');
  }
  *pN = n;
  return i>1 && n>0;
}

/* What orm_upgrade(zTarget) aims at: revisions whose ancestors (and themselves) must be
** applied. *paOut is sqlite3_malloc'd. */
int sqlormGraphUpgradeTarget(const OrmGraph *g, const char *zTarget, int **paOut, int *pnOut,
                             char **pzErr){
  int *a = sqlite3_malloc64(sizeof(int)*(g->n+1));
  int n = 0, rc = SQLITE_OK, nSteps = 0;
  const char *zAt = strchr(zTarget, '@');
  *paOut = 0;
  *pnOut = 0;
  if( a==0 ) return SQLITE_NOMEM;
  if( g->n==0 ){
    *pzErr = sqlite3_mprintf("no revisions are defined (orm_revision, orm_migrations_dir)");
    rc = SQLITE_ERROR;
  }else if( strcmp(zTarget, "heads")==0 ){
    n = sqlormGraphHeads(g, 0, a);
  }else if( strcmp(zTarget, "head")==0 ){
    n = sqlormGraphHeads(g, 0, a);
    if( n>1 ){
      char *zList = graphList(g, a, n);
      *pzErr = sqlite3_mprintf("there are %d heads (%s): upgrade to one of them, to 'heads', "
                               "or to 'label@head'", n, zList ? zList : "");
      sqlite3_free(zList);
      rc = SQLITE_ERROR;
    }
  }else if( zAt && strcmp(zAt, "@head")==0 ){
    /* The head of the branch that holds the labelled revision. */
    char *zLabel = sqlite3_mprintf("%.*s", (int)(zAt - zTarget), zTarget);
    int iRev = -1, i, nHeads;
    unsigned char *aMark = sqlite3_malloc64(g->n+1);
    if( zLabel==0 || aMark==0 ){
      rc = SQLITE_NOMEM;
    }else{
      rc = graphResolveOne(g, zLabel, &iRev, pzErr);
    }
    if( rc==SQLITE_OK ){
      memset(aMark, 0, g->n);
      aMark[iRev] = 1;
      graphDescendants(g, aMark);
      nHeads = sqlormGraphHeads(g, 0, a);
      for(i=0; i<nHeads; i++) if( aMark[a[i]] ) a[n++] = a[i];
      if( n>1 ){
        char *zList = graphList(g, a, n);
        *pzErr = sqlite3_mprintf("%s has %d heads (%s): name one", zTarget, n,
                                 zList ? zList : "");
        sqlite3_free(zList);
        rc = SQLITE_ERROR;
      }
    }
    sqlite3_free(zLabel);
    sqlite3_free(aMark);
  }else if( zTarget[0]=='+' ){
    int iCur, i;
    if( !graphSteps(zTarget, &nSteps) ){
      *pzErr = sqlite3_mprintf("%s: a relative target is +N with N a positive integer", zTarget);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ) rc = graphCurrentHead(g, a, &iCur, zTarget, pzErr);
    for(i=0; rc==SQLITE_OK && i<nSteps; i++){
      /* The one revision above iCur (or the one base, from nothing). */
      int k, j, nNext = 0, iNext = -1;
      for(k=0; k<g->n; k++){
        const OrmRev *r = &g->a[k];
        int bNext = 0;
        if( iCur<0 ){
          bNext = r->down.n==0;
        }else{
          for(j=0; j<r->down.n; j++) if( r->aDown[j]==iCur ) bNext = 1;
        }
        if( bNext ){ nNext++; iNext = k; }
      }
      if( nNext==0 ){
        *pzErr = sqlite3_mprintf("cannot upgrade %s: %s is a head (%d step%s up)", zTarget,
            iCur<0 ? "base" : g->a[iCur].zId, i, i==1 ? "" : "s");
        rc = SQLITE_ERROR;
      }else if( nNext>1 ){
        *pzErr = sqlite3_mprintf("%s is ambiguous: %d revisions follow %s; name one", zTarget,
                                 nNext, iCur<0 ? "base" : g->a[iCur].zId);
        rc = SQLITE_ERROR;
      }
      iCur = iNext;
    }
    if( rc==SQLITE_OK ){ a[0] = iCur; n = 1; }
  }else{
    int iRev = -1;
    rc = graphResolveOne(g, zTarget, &iRev, pzErr);
    if( rc==SQLITE_OK ){ a[0] = iRev; n = 1; }
  }
  if( rc!=SQLITE_OK ){
    sqlite3_free(a);
    return rc;
  }
  *paOut = a;
  *pnOut = n;
  return SQLITE_OK;
}

/* What orm_downgrade(zTarget) aims at: the revision to stay at (*piOut; -1 for base). */
int sqlormGraphDowngradeTarget(const OrmGraph *g, const char *zTarget, int *piOut,
                               char **pzErr){
  int nSteps = 0, rc = SQLITE_OK;
  *piOut = -1;
  if( strcmp(zTarget, "base")==0 ) return SQLITE_OK;
  if( zTarget[0]=='-' ){
    int *aBuf = sqlite3_malloc64(sizeof(int)*(g->n+1));
    int iCur = -1, i;
    if( aBuf==0 ) return SQLITE_NOMEM;
    if( !graphSteps(zTarget, &nSteps) ){
      *pzErr = sqlite3_mprintf("%s: a relative target is -N with N a positive integer", zTarget);
      rc = SQLITE_ERROR;
    }
    if( rc==SQLITE_OK ) rc = graphCurrentHead(g, aBuf, &iCur, zTarget, pzErr);
    for(i=0; rc==SQLITE_OK && i<nSteps; i++){
      const OrmRev *r;
      if( iCur<0 ){
        *pzErr = sqlite3_mprintf("cannot downgrade %s: that is past base (%d revision%s "
                                 "applied below the current one)", zTarget, i, i==1 ? "" : "s");
        rc = SQLITE_ERROR;
        break;
      }
      r = &g->a[iCur];
      if( r->down.n>1 ){
        *pzErr = sqlite3_mprintf("%s is ambiguous: %s merges %d revisions; name one", zTarget,
                                 r->zId, r->down.n);
        rc = SQLITE_ERROR;
      }
      iCur = r->down.n ? r->aDown[0] : -1;
    }
    sqlite3_free(aBuf);
    *piOut = iCur;
    return rc;
  }
  rc = graphResolveOne(g, zTarget, piOut, pzErr);
  if( rc==SQLITE_OK && !g->a[*piOut].bApplied ){
    *pzErr = sqlite3_mprintf("cannot downgrade to %s: it is not applied", g->a[*piOut].zId);
    rc = SQLITE_ERROR;
  }
  return rc;
}

/* Orders the marked revisions so that each comes after its down revisions and depends_on
** (bReverse: before them), ties in definition order. Returns the count; aOut has room. */
static int graphOrder(const OrmGraph *g, const unsigned char *aMark, int bReverse, int *aOut){
  unsigned char *aDone = sqlite3_malloc64(g->n+1);
  int n = 0, nWant = 0, i, j;
  if( aDone==0 ) return -1;
  memset(aDone, 0, g->n);
  for(i=0; i<g->n; i++) nWant += aMark[i]!=0;
  while( n<nWant ){
    int nBefore = n;
    for(i=0; i<g->n; i++){
      const OrmRev *r = &g->a[i];
      int bReady = aMark[i] && !aDone[i];
      for(j=0; bReady && j<r->down.n; j++){
        int k = r->aDown[j];
        if( aMark[k] && !aDone[k] ) bReady = 0;
      }
      for(j=0; bReady && j<r->deps.n; j++){
        int k = r->aDep[j];
        if( aMark[k] && !aDone[k] ) bReady = 0;
      }
      if( bReady ){
        aDone[i] = 1;
        aOut[n++] = i;
      }
    }
    if( n==nBefore ) break;             /* a cycle: refused when defined; never loop */
  }
  sqlite3_free(aDone);
  if( bReverse ){
    for(i=0; i<n/2; i++){ int t = aOut[i]; aOut[i] = aOut[n-1-i]; aOut[n-1-i] = t; }
  }
  return n;
}

/* The revisions orm_upgrade applies to reach the targets: their ancestors (depends_on
** included) not applied yet, parents first. */
int sqlormGraphUpgradePlan(const OrmGraph *g, const int *aTarget, int nTarget, int **paPlan,
                           int *pnPlan){
  unsigned char *aMark = sqlite3_malloc64(g->n+1);
  int *aPlan = sqlite3_malloc64(sizeof(int)*(g->n+1));
  int i, rc = SQLITE_OK;
  *paPlan = 0;
  *pnPlan = 0;
  if( aMark==0 || aPlan==0 ){
    rc = SQLITE_NOMEM;
  }else{
    memset(aMark, 0, g->n);
    for(i=0; i<nTarget; i++) aMark[aTarget[i]] = 1;
    graphAncestors(g, aMark, 1);
    for(i=0; i<g->n; i++) if( g->a[i].bApplied ) aMark[i] = 0;
    *pnPlan = graphOrder(g, aMark, 0, aPlan);
    if( *pnPlan<0 ) rc = SQLITE_NOMEM;
  }
  sqlite3_free(aMark);
  if( rc==SQLITE_OK ){
    *paPlan = aPlan;
  }else{
    sqlite3_free(aPlan);
    *pnPlan = 0;
  }
  return rc;
}

/* The revisions orm_downgrade removes to stay at iKeep (-1: base): the applied ones that
** descend from it, through down revisions or depends_on, children first. */
int sqlormGraphDowngradePlan(const OrmGraph *g, int iKeep, int **paPlan, int *pnPlan){
  unsigned char *aMark = sqlite3_malloc64(g->n+1);
  int *aPlan = sqlite3_malloc64(sizeof(int)*(g->n+1));
  int i, rc = SQLITE_OK;
  *paPlan = 0;
  *pnPlan = 0;
  if( aMark==0 || aPlan==0 ){
    rc = SQLITE_NOMEM;
  }else{
    memset(aMark, 0, g->n);
    if( iKeep<0 ){
      for(i=0; i<g->n; i++) aMark[i] = 1;
    }else{
      unsigned char *aKeep = sqlite3_malloc64(g->n+1);
      if( aKeep==0 ){
        rc = SQLITE_NOMEM;
      }else{
        /* Above iKeep, and not something iKeep itself needs. */
        memset(aKeep, 0, g->n);
        aKeep[iKeep] = 1;
        graphAncestors(g, aKeep, 1);
        aMark[iKeep] = 1;
        graphDescendants(g, aMark);
        for(i=0; i<g->n; i++) if( aKeep[i] ) aMark[i] = 0;
        sqlite3_free(aKeep);
      }
    }
    for(i=0; i<g->n; i++) if( !g->a[i].bApplied ) aMark[i] = 0;
    if( rc==SQLITE_OK ){
      *pnPlan = graphOrder(g, aMark, 1, aPlan);
      if( *pnPlan<0 ) rc = SQLITE_NOMEM;
    }
  }
  sqlite3_free(aMark);
  if( rc==SQLITE_OK ){
    *paPlan = aPlan;
  }else{
    sqlite3_free(aPlan);
    *pnPlan = 0;
  }
  return rc;
}

/* The revisions orm_stamp(target) records as applied: the targets and their ancestors. */
int sqlormGraphClosure(const OrmGraph *g, const int *aTarget, int nTarget,
                       unsigned char **paMark){
  unsigned char *aMark = sqlite3_malloc64(g->n+1);
  int i;
  *paMark = 0;
  if( aMark==0 ) return SQLITE_NOMEM;
  memset(aMark, 0, g->n+1);
  for(i=0; i<nTarget; i++) aMark[aTarget[i]] = 1;
  graphAncestors(g, aMark, 1);
  *paMark = aMark;
  return SQLITE_OK;
}

/* Whether the graph has a cycle (through down revisions and depends_on); *piRev: one
** revision on it. */
int sqlormGraphHasCycle(const OrmGraph *g, int *piRev){
  unsigned char *aMark = sqlite3_malloc64(g->n+1);
  int *aOut = sqlite3_malloc64(sizeof(int)*(g->n+1));
  int n, i, rc = 0;
  *piRev = -1;
  if( aMark==0 || aOut==0 ){
    sqlite3_free(aMark);
    sqlite3_free(aOut);
    return -1;
  }
  memset(aMark, 1, g->n+1);
  n = graphOrder(g, aMark, 0, aOut);
  if( n>=0 && n<g->n ){
    /* Ordered ones are done; any other is on (or above) a cycle. */
    memset(aMark, 0, g->n);
    for(i=0; i<n; i++) aMark[aOut[i]] = 1;
    for(i=0; i<g->n; i++) if( !aMark[i] ){ *piRev = i; break; }
    rc = 1;
  }else if( n<0 ){
    rc = -1;
  }
  sqlite3_free(aMark);
  sqlite3_free(aOut);
  return rc;
}
