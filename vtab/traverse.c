/*
** traverse.c: the orm_traverse virtual table, which walks a self-referential relationship
** recursively, breadth first.
**
** Usage:
**   SELECT orm_relationship('employees', 'employees_by_manager', 'employees',
**                           '{"remote":"manager_id","order_by":"name"}');
**   -- for a relationship whose target is its own table, orm_relationship runs
**   --   CREATE VIRTUAL TABLE employees__employees_by_manager
**   --     USING orm_traverse('employees', 'employees_by_manager');
**   SELECT name, depth FROM employees__employees_by_manager WHERE source = 1;   -- depth 1
**   SELECT name, depth FROM employees__employees_by_manager(1, 0);    -- start 1, all depths
**   SELECT e.name, s.name, s.depth FROM employees e
**     JOIN employees__employees_by_manager s ON s.source = e.id AND s.max_depth = 2;
**   SELECT * FROM employees__employees_by_manager;        -- from every row: all the pairs
**
** Columns: source (the start's key), depth (1: directly related), then the target's
** columns as SELECT * lists them (through its model's view when it has one, properties
** included; the rows the view leaves out are not walked); hidden columns start (the same
** as source) and max_depth (by default the relationship's max_depth option, itself 1 by
** default; 0: unbounded), so that the call syntax t(start, max_depth) works.
**
** How it works: xBestIndex takes an equality on source or start (idxNum bit 1) and one on
** max_depth (bit 2) as xFilter's arguments, in that order; a plan without a start walks
** from every row of the table and is costed so. The start row is read by its key (its key
** and local columns). The walk goes level by level: each node of the current level has
** its local values bound to the relationship's children statement (sqlormRelChildrenSql,
** in the relationship's order_by), and each row that statement returns is a row of this
** table, read straight from the statement, unless its key was already seen in this walk:
** a set of visited keys (an open-addressing hash of int64 keys, with a byte-string
** fallback for keys of other types) ends cycles, and each node appears once, at its
** shallowest depth. A new node's local values are kept for the next level, so memory is
** two levels plus the visited set. Under a statement that writes (INSERT ... SELECT from
** the walk), the walk is read whole before its first row, so that it cannot see the rows
** the statement writes. A closed cursor is kept by the table with its prepared
** statements and buffers for the next query. A relationship that cannot be
** loaded at connect (its catalog row or its table is gone) still connects, so that DROP
** TABLE and orm_drop work, and every query reports why it cannot walk.
*/
#include "sqlorm.h"
#include <stdarg.h>
#include <string.h>

typedef struct traverse_vtab traverse_vtab;
typedef struct traverse_cursor traverse_cursor;

/* ---- the set of visited keys ------------------------------------------------------- */

/* Integer keys live in aSlot; any other key (text, blob, a real that is not an integer)
** as a type byte and its bytes in aBuf, found through aBytes. A slot is occupied when its
** iGen is the set's: clearing the set for the next walk is iGen++. */
typedef struct TravSlot { sqlite3_int64 iKey; unsigned int iGen; } TravSlot;
typedef struct TravByteSlot {
  sqlite3_uint64 h;
  sqlite3_int64 iOff;       /* in aBuf */
  int n;
  unsigned int iGen;
} TravByteSlot;

typedef struct TravSet TravSet;
struct TravSet {
  unsigned int iGen;        /* the current generation, never 0 */
  TravSlot *aSlot;          /* nSlot (a power of two) integer slots */
  sqlite3_int64 nSlot, nUsed;
  TravByteSlot *aByte;      /* nByte (a power of two) byte-string slots */
  sqlite3_int64 nByte, nByteUsed;
  char *aBuf;               /* the bytes of the byte-string keys of this generation */
  sqlite3_int64 nBuf, nBufAlloc;
};

#define TRAV_SET_MIN 64     /* slots of a new set */
#define TRAV_SET_KEEP 4096  /* a set bigger than this is freed when its cursor closes */

static sqlite3_uint64 travHashInt(sqlite3_uint64 x){
  /* MurmurHash3's finaliser: keys that differ in one bit land far apart. */
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

static sqlite3_uint64 travHashBytes(const unsigned char *a, int n){
  sqlite3_uint64 h = 0xcbf29ce484222325ULL;   /* FNV-1a */
  int i;
  for(i=0; i<n; i++){
    h ^= a[i];
    h *= 0x100000001b3ULL;
  }
  return travHashInt(h);
}

static void travSetFree(TravSet *p){
  sqlite3_free(p->aSlot);
  sqlite3_free(p->aByte);
  sqlite3_free(p->aBuf);
  memset(p, 0, sizeof(*p));
}

/* Empties the set for the next walk. */
static void travSetClear(TravSet *p){
  p->nUsed = 0;
  p->nByteUsed = 0;
  p->nBuf = 0;
  if( ++p->iGen==0 ){
    if( p->aSlot ) memset(p->aSlot, 0, sizeof(TravSlot)*p->nSlot);
    if( p->aByte ) memset(p->aByte, 0, sizeof(TravByteSlot)*p->nByte);
    p->iGen = 1;
  }
}

/* Doubles the integer table (or makes the first one). */
static int travSetGrowInt(TravSet *p){
  sqlite3_int64 nNew = p->nSlot ? p->nSlot*2 : TRAV_SET_MIN;
  TravSlot *aNew = sqlite3_malloc64(sizeof(TravSlot)*nNew);
  sqlite3_int64 i;
  if( aNew==0 ) return SQLITE_NOMEM;
  memset(aNew, 0, sizeof(TravSlot)*nNew);
  for(i=0; i<p->nSlot; i++){
    if( p->aSlot[i].iGen==p->iGen ){
      sqlite3_uint64 h = travHashInt((sqlite3_uint64)p->aSlot[i].iKey) & (nNew-1);
      while( aNew[h].iGen==p->iGen ) h = (h+1) & (nNew-1);
      aNew[h] = p->aSlot[i];
    }
  }
  sqlite3_free(p->aSlot);
  p->aSlot = aNew;
  p->nSlot = nNew;
  return SQLITE_OK;
}

/* Adds integer key iKey: *pbNew is 1 if it was not in the set yet. */
static int travSetAddInt(TravSet *p, sqlite3_int64 iKey, int *pbNew){
  sqlite3_uint64 h, mask;
  if( (p->nUsed+1)*2>p->nSlot ){
    int rc = travSetGrowInt(p);
    if( rc!=SQLITE_OK ) return rc;
  }
  mask = (sqlite3_uint64)p->nSlot - 1;
  h = travHashInt((sqlite3_uint64)iKey) & mask;
  while( p->aSlot[h].iGen==p->iGen ){
    if( p->aSlot[h].iKey==iKey ){ *pbNew = 0; return SQLITE_OK; }
    h = (h+1) & mask;
  }
  p->aSlot[h].iKey = iKey;
  p->aSlot[h].iGen = p->iGen;
  p->nUsed++;
  *pbNew = 1;
  return SQLITE_OK;
}

static int travSetGrowBytes(TravSet *p){
  sqlite3_int64 nNew = p->nByte ? p->nByte*2 : TRAV_SET_MIN;
  TravByteSlot *aNew = sqlite3_malloc64(sizeof(TravByteSlot)*nNew);
  sqlite3_int64 i;
  if( aNew==0 ) return SQLITE_NOMEM;
  memset(aNew, 0, sizeof(TravByteSlot)*nNew);
  for(i=0; i<p->nByte; i++){
    if( p->aByte[i].iGen==p->iGen ){
      sqlite3_uint64 h = p->aByte[i].h & (nNew-1);
      while( aNew[h].iGen==p->iGen ) h = (h+1) & (nNew-1);
      aNew[h] = p->aByte[i];
    }
  }
  sqlite3_free(p->aByte);
  p->aByte = aNew;
  p->nByte = nNew;
  return SQLITE_OK;
}

/* Adds the key of type eType held in a (n bytes): *pbNew is 1 if it was new. */
static int travSetAddBytes(TravSet *p, int eType, const void *a, int n, int *pbNew){
  sqlite3_uint64 h, mask, i;
  sqlite3_int64 nKey = (sqlite3_int64)n + 1;
  unsigned char *aKey;
  if( (p->nByteUsed+1)*2>p->nByte ){
    int rc = travSetGrowBytes(p);
    if( rc!=SQLITE_OK ) return rc;
  }
  /* The key is appended to aBuf first; it stays there only if it is new. */
  if( p->nBuf+nKey>p->nBufAlloc ){
    sqlite3_int64 nAlloc = p->nBufAlloc ? p->nBufAlloc*2 : 1024;
    char *aNew;
    while( nAlloc<p->nBuf+nKey ) nAlloc *= 2;
    aNew = sqlite3_realloc64(p->aBuf, nAlloc);
    if( aNew==0 ) return SQLITE_NOMEM;
    p->aBuf = aNew;
    p->nBufAlloc = nAlloc;
  }
  aKey = (unsigned char*)&p->aBuf[p->nBuf];
  aKey[0] = (unsigned char)eType;
  if( n>0 ) memcpy(&aKey[1], a, n);
  h = travHashBytes(aKey, (int)nKey);
  mask = (sqlite3_uint64)p->nByte - 1;
  for(i=h & mask; p->aByte[i].iGen==p->iGen; i=(i+1) & mask){
    const TravByteSlot *pS = &p->aByte[i];
    if( pS->h==h && pS->n==nKey && memcmp(&p->aBuf[pS->iOff], aKey, nKey)==0 ){
      *pbNew = 0;
      return SQLITE_OK;
    }
  }
  p->aByte[i].h = h;
  p->aByte[i].iOff = p->nBuf;
  p->aByte[i].n = (int)nKey;
  p->aByte[i].iGen = p->iGen;
  p->nBuf += nKey;
  p->nByteUsed++;
  *pbNew = 1;
  return SQLITE_OK;
}

/* Adds the key in column iCol of pStmt. A NULL key is never added (*pbNew is 1): no row
** can refer to it, so it cannot be reached twice through the relationship. */
static int travSetAddColumn(TravSet *p, sqlite3_stmt *pStmt, int iCol, int *pbNew){
  switch( sqlite3_column_type(pStmt, iCol) ){
    case SQLITE_INTEGER:
      return travSetAddInt(p, sqlite3_column_int64(pStmt, iCol), pbNew);
    case SQLITE_FLOAT: {
      double r = sqlite3_column_double(pStmt, iCol);
      /* 2.0 and 2 are the same key to SQLite's comparisons. */
      if( r>=-9.2e18 && r<=9.2e18 && r==(double)(sqlite3_int64)r ){
        return travSetAddInt(p, (sqlite3_int64)r, pbNew);
      }
      return travSetAddBytes(p, SQLITE_FLOAT, &r, (int)sizeof(r), pbNew);
    }
    case SQLITE_TEXT: {
      const unsigned char *z = sqlite3_column_text(pStmt, iCol);
      if( z==0 ) return SQLITE_NOMEM;
      return travSetAddBytes(p, SQLITE_TEXT, z, sqlite3_column_bytes(pStmt, iCol), pbNew);
    }
    case SQLITE_BLOB: {
      const void *a = sqlite3_column_blob(pStmt, iCol);
      int n = sqlite3_column_bytes(pStmt, iCol);
      if( a==0 && n>0 ) return SQLITE_NOMEM;
      return travSetAddBytes(p, SQLITE_BLOB, a, n, pbNew);
    }
    default:
      *pbNew = 1;
      return SQLITE_OK;
  }
}

/* ---- a level of the walk ----------------------------------------------------------- */

/* One local value of a node. Text and blob bytes are in the level's aBuf, at u.i. */
typedef struct TravVal {
  union { sqlite3_int64 i; double r; } u;
  int eType;
  int n;
} TravVal;

/* The nodes of one depth whose children are still to be read: nLocal values each. */
typedef struct TravLevel TravLevel;
struct TravLevel {
  TravVal *aVal;
  sqlite3_int64 nVal, nValAlloc;
  char *aBuf;
  sqlite3_int64 nBuf, nBufAlloc;
};

#define TRAV_LEVEL_KEEP 4096  /* a level bigger than this is freed when its cursor closes */

static void travLevelFree(TravLevel *p){
  sqlite3_free(p->aVal);
  sqlite3_free(p->aBuf);
  memset(p, 0, sizeof(*p));
}

/* Appends a node whose local values are the columns aCol[0..nLocal-1] of pStmt. A node
** with a NULL among them has no children (x = NULL is never true) and is left out. */
static int travLevelPush(TravLevel *p, sqlite3_stmt *pStmt, const int *aCol, int nLocal){
  int j;
  for(j=0; j<nLocal; j++){
    if( sqlite3_column_type(pStmt, aCol[j])==SQLITE_NULL ) return SQLITE_OK;
  }
  if( p->nVal+nLocal>p->nValAlloc ){
    sqlite3_int64 nAlloc = p->nValAlloc ? p->nValAlloc*2 : 64*nLocal;
    TravVal *aNew = sqlite3_realloc64(p->aVal, sizeof(TravVal)*nAlloc);
    if( aNew==0 ) return SQLITE_NOMEM;
    p->aVal = aNew;
    p->nValAlloc = nAlloc;
  }
  for(j=0; j<nLocal; j++){
    TravVal *pV = &p->aVal[p->nVal+j];
    int iCol = aCol[j];
    pV->eType = sqlite3_column_type(pStmt, iCol);
    pV->n = 0;
    if( pV->eType==SQLITE_INTEGER ){
      pV->u.i = sqlite3_column_int64(pStmt, iCol);
    }else if( pV->eType==SQLITE_FLOAT ){
      pV->u.r = sqlite3_column_double(pStmt, iCol);
    }else{
      const void *a = pV->eType==SQLITE_TEXT ? (const void*)sqlite3_column_text(pStmt, iCol)
                                             : sqlite3_column_blob(pStmt, iCol);
      int n = sqlite3_column_bytes(pStmt, iCol);
      if( a==0 && n>0 ) return SQLITE_NOMEM;
      if( p->nBuf+n>p->nBufAlloc ){
        sqlite3_int64 nAlloc = p->nBufAlloc ? p->nBufAlloc*2 : 1024;
        char *aNew;
        while( nAlloc<p->nBuf+n ) nAlloc *= 2;
        aNew = sqlite3_realloc64(p->aBuf, nAlloc);
        if( aNew==0 ) return SQLITE_NOMEM;
        p->aBuf = aNew;
        p->nBufAlloc = nAlloc;
      }
      if( n>0 ) memcpy(&p->aBuf[p->nBuf], a, n);
      pV->u.i = p->nBuf;
      pV->n = n;
      p->nBuf += n;
    }
  }
  p->nVal += nLocal;
  return SQLITE_OK;
}

/* Binds node iNode's values to ?1..?nLocal of pStmt. The bytes stay in the level, which
** does not change while its nodes are read. */
static int travLevelBind(TravLevel *p, sqlite3_int64 iNode, int nLocal, sqlite3_stmt *pStmt){
  int j, rc = SQLITE_OK;
  for(j=0; rc==SQLITE_OK && j<nLocal; j++){
    const TravVal *pV = &p->aVal[iNode*nLocal+j];
    switch( pV->eType ){
      case SQLITE_INTEGER: rc = sqlite3_bind_int64(pStmt, j+1, pV->u.i); break;
      case SQLITE_FLOAT:   rc = sqlite3_bind_double(pStmt, j+1, pV->u.r); break;
      case SQLITE_TEXT:
        rc = sqlite3_bind_text(pStmt, j+1, &p->aBuf[pV->u.i], pV->n, SQLITE_STATIC);
        break;
      default:
        rc = sqlite3_bind_blob(pStmt, j+1, &p->aBuf[pV->u.i], pV->n, SQLITE_STATIC);
        break;
    }
  }
  return rc;
}

/* ---- the table ----------------------------------------------------------------------- */

struct traverse_vtab {
  sqlite3_vtab base;
  sqlite3 *db;
  char *zName;              /* this table's name, for messages */
  char *zBroken;            /* why the relationship cannot be walked, or NULL */
  sqlite3_int64 iMaxDepth;  /* the relationship's default max_depth (0: unbounded) */
  int nCol;                 /* the target's columns, TRAV_COL_TARGET onwards */
  int nLocal;               /* local columns: the values that find a node's children */
  int nChildCol;            /* columns the children statement returns */
  int iKeyCol;              /* its column holding the target's key */
  int *aLocalCol;           /* its columns holding the local values (nLocal) */
  int *aStartCol;           /* the start statement's columns holding them: 1..nLocal */
  char *zChildSql;          /* the children of a node: local values as ?1..?nLocal */
  char *zLookupSql;         /* the start row by key: key, local values */
  char *zScanSql;           /* every row of the table: key, local values */
  traverse_cursor *pSpare;  /* a closed cursor kept with its statements and buffers */
};

struct traverse_cursor {
  sqlite3_vtab_cursor base;
  sqlite3_stmt *pChild;     /* the children of one node */
  sqlite3_stmt *pLookup;    /* the start row by key (a plan with a start) */
  sqlite3_stmt *pScan;      /* every row (a plan without one) */
  sqlite3_stmt *pStart;     /* pLookup or pScan, on the row the walk starts from */
  sqlite3_int64 iMaxDepth;  /* of this walk; 0: unbounded */
  sqlite3_int64 iDepth;     /* the depth of the current level's children */
  TravLevel aLevel[2];      /* the level being read and the next one */
  int iLevel;               /* aLevel[iLevel] is being read */
  sqlite3_int64 iNode;      /* its node whose children pChild returns */
  int bChild;               /* pChild is on a row of node iNode's children */
  int bEof;
  sqlite3_int64 iRowid;
  TravSet visited;
  /* When a statement that writes is running, the walk is read whole before its first
  ** row is returned: nRow rows of 1+nCol values (source, then the target's columns). */
  int bMaterialise;
  sqlite3_value **aRowVal;
  sqlite3_int64 *aRowDepth;
  sqlite3_int64 nRow, nRowAlloc, iRow;
};

/* One helper for every error a query reports: the message goes to the table's zErrMsg. */
static int travError(traverse_vtab *p, const char *zFormat, ...){
  va_list ap;
  char *zMsg;
  va_start(ap, zFormat);
  zMsg = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = zMsg;
  return zMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* A statement failed: its error, with the table's name. */
static int travStmtError(traverse_vtab *p, int rc){
  if( rc==SQLITE_NOMEM ) return rc;
  travError(p, "%s: %s", p->zName, sqlite3_errmsg(p->db));
  return rc;
}

/* Removes the quotes around an argument of CREATE VIRTUAL TABLE: 'x', "x", [x] or `x`. */
static char *travDequote(const char *z){
  char cQuote = z[0];
  char *zOut;
  size_t n = strlen(z), i, j;
  if( cQuote=='[' ) cQuote = ']';
  if( n<2 || (cQuote!='\'' && cQuote!='"' && cQuote!=']' && cQuote!='`') || z[n-1]!=cQuote ){
    return sqlite3_mprintf("%s", z);
  }
  zOut = sqlite3_malloc64(n);
  if( zOut==0 ) return 0;
  for(i=1, j=0; i<n-1; i++){
    zOut[j++] = z[i];
    if( z[i]==cQuote && cQuote!=']' && z[i+1]==cQuote ) i++;
  }
  zOut[j] = 0;
  return zOut;
}

/* A declared type that may be pasted into the table's declaration: the schema's parser
** has already held it to a type name, but HIDDEN would hide a column here. */
static int travTypeIsSafe(const char *z){
  const char *zHidden = "hidden";
  size_t i, k;
  if( z==0 ) return 0;
  for(i=0; z[i]; i++){
    char c = z[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c==' '
          || c=='(' || c==')' || c==',' || c=='+' || c=='-' || c=='.' || c=='_') ){
      return 0;
    }
    for(k=0; zHidden[k] && z[i+k] && (z[i+k]|0x20)==zHidden[k]; k++){}
    if( zHidden[k]==0 ) return 0;
  }
  return 1;
}

/* The column numbers: source and depth, the target's nCol columns, then the hidden ones. */
#define TRAV_COL_SOURCE 0
#define TRAV_COL_DEPTH 1
#define TRAV_COL_TARGET 2
#define TRAV_COL_START(p) (TRAV_COL_TARGET + (p)->nCol)
#define TRAV_COL_MAX_DEPTH(p) (TRAV_COL_TARGET + (p)->nCol + 1)
static const char *const azTravColumn[] = { "source", "depth", "start", "max_depth" };

/* Builds what the walk of relationship pRel needs and declares the table's columns. */
static int travPrepare(traverse_vtab *p, sqlite3 *db, const OrmRel *pRel, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  sqlite3_str *pDecl = sqlite3_str_new(db);   /* the target's columns, declared */
  OrmNames cols = {0, 0}, extra = {0, 0};
  char *zKeyType = 0, *zDecl;
  int rc, i, j;

  if( !sqlormRelIsSelf(pRel) ){
    *pzErr = sqlite3_mprintf("%s.%s is not self-referential: its traversal table is a view",
                             pRel->zModel, pRel->zName);
    sqlite3_free(sqlite3_str_finish(pDecl));
    return SQLITE_ERROR;
  }
  if( pRel->key.n!=1 || pRel->targetKey.n!=1 ){
    *pzErr = sqlite3_mprintf("recursive traversal of %s.%s needs a single-column key",
                             pRel->zModel, pRel->zName);
    sqlite3_free(sqlite3_str_finish(pDecl));
    return SQLITE_ERROR;
  }

  /* The target's columns as SELECT * lists them, with the types they were declared with:
  ** its model's view's (with its properties), else its table's. */
  rc = sqlite3_prepare_v2(db, "SELECT name, type, hidden FROM pragma_table_xinfo(?1, 'main') "
                          "ORDER BY cid", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, pRel->zTargetView ? pRel->zTargetView : pRel->zTargetTable,
                      -1, SQLITE_STATIC);
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
      const char *zCol = (const char*)sqlite3_column_text(pStmt, 0);
      const char *zType = (const char*)sqlite3_column_text(pStmt, 1);
      if( sqlite3_column_int(pStmt, 2)==1 ) continue;     /* a hidden column of a vtab */
      if( zCol==0 ){ rc = SQLITE_NOMEM; break; }
      for(i=0; i<4; i++){
        if( sqlite3_stricmp(zCol, azTravColumn[i])==0 ) break;
      }
      if( i<4 ){
        *pzErr = sqlite3_mprintf("%s %s has a column named %s, which the traversal table "
            "%s__%s needs (its own columns are source, depth, start and max_depth)",
            pRel->zTargetView ? "view" : "table",
            pRel->zTargetView ? pRel->zTargetView : pRel->zTargetTable, zCol, pRel->zModel,
            pRel->zName);
        rc = SQLITE_ERROR;
        break;
      }
      rc = sqlormNamesAdd(&cols, zCol);
      if( rc!=SQLITE_OK ) break;
      if( sqlite3_stricmp(zCol, pRel->key.az[0])==0 && travTypeIsSafe(zType) ){
        zKeyType = sqlite3_mprintf("%s", zType);
      }
      sqlite3_str_appendf(pDecl, ", \"%w\"%s%s", zCol, travTypeIsSafe(zType) ? " " : "",
                          travTypeIsSafe(zType) ? zType : "");
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    sqlite3_finalize(pStmt);
  }
  if( rc==SQLITE_OK && cols.n==0 ){
    *pzErr = sqlite3_mprintf("no such %s: %s", pRel->zTargetView ? "view" : "table",
                             pRel->zTargetView ? pRel->zTargetView : pRel->zTargetTable);
    rc = SQLITE_ERROR;
  }
  p->nCol = cols.n;

  /* The children statement returns the target's columns, then whatever of the key and
  ** the local columns is not among them (a rowid key that is no column). */
  p->nLocal = pRel->local.n;
  p->aLocalCol = sqlite3_malloc64(sizeof(int)*(pRel->local.n+1));
  p->aStartCol = sqlite3_malloc64(sizeof(int)*(pRel->local.n+1));
  if( rc==SQLITE_OK && (p->aLocalCol==0 || p->aStartCol==0) ) rc = SQLITE_NOMEM;
  for(j=-1; rc==SQLITE_OK && j<pRel->local.n; j++){
    const char *zCol = j<0 ? pRel->targetKey.az[0] : pRel->local.az[j];
    int iCol = sqlormNamesFind(&cols, zCol);
    if( iCol<0 ){
      iCol = sqlormNamesFind(&extra, zCol);
      if( iCol<0 ){
        rc = sqlormNamesAdd(&extra, zCol);
        iCol = extra.n-1;
      }
      iCol += cols.n;
    }
    if( j<0 ){
      p->iKeyCol = iCol;
    }else{
      p->aLocalCol[j] = iCol;
      p->aStartCol[j] = j+1;
    }
  }
  p->nChildCol = cols.n + extra.n;
  if( rc==SQLITE_OK ){
    p->zChildSql = sqlormRelChildrenSql(pRel, &extra);
    if( p->zChildSql==0 ) rc = SQLITE_NOMEM;
  }

  /* The start row: its key (source), then its local values; through the model's view when
  ** that leaves rows out (a soft-deleted row starts no walk). */
  if( rc==SQLITE_OK ){
    sqlite3_str *pStr = sqlite3_str_new(db);
    sqlite3_str_appendf(pStr, "SELECT \"%w\"", pRel->key.az[0]);
    for(j=0; j<pRel->local.n; j++) sqlite3_str_appendf(pStr, ", \"%w\"", pRel->local.az[j]);
    sqlite3_str_appendf(pStr, " FROM main.\"%w\"",
                        pRel->zParentView ? pRel->zParentView : pRel->zTable);
    p->zScanSql = sqlite3_str_finish(pStr);
    p->zLookupSql = sqlite3_mprintf("%s WHERE \"%w\" = ?1", p->zScanSql, pRel->key.az[0]);
    if( p->zScanSql==0 || p->zLookupSql==0 ) rc = SQLITE_NOMEM;
  }

  /* Check the statements now, so that a bad declaration fails here, not at the first
  ** query; the children statement must return the columns counted above. */
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db, p->zChildSql, -1, &pStmt, 0);
    if( rc==SQLITE_OK && sqlite3_column_count(pStmt)!=p->nChildCol ){
      *pzErr = sqlite3_mprintf("%s.%s: the children of a row have %d columns, not %d",
          pRel->zModel, pRel->zName, sqlite3_column_count(pStmt), p->nChildCol);
      rc = SQLITE_ERROR;
    }else if( rc!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("%s.%s: %s", pRel->zModel, pRel->zName, sqlite3_errmsg(db));
    }
    sqlite3_finalize(pStmt);
  }

  zDecl = sqlite3_str_finish(pDecl);
  if( rc==SQLITE_OK && zDecl==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK ){
    /* source holds the model's key: it is declared with the key's type. */
    char *zFull = sqlite3_mprintf("CREATE TABLE x(source%s%s, depth INTEGER%s, "
        "start HIDDEN, max_depth HIDDEN)", zKeyType ? " " : "", zKeyType ? zKeyType : "",
        zDecl);
    rc = zFull ? sqlite3_declare_vtab(db, zFull) : SQLITE_NOMEM;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("%s.%s: cannot declare the traversal table: %s",
                               pRel->zModel, pRel->zName, sqlite3_errmsg(db));
    }
    sqlite3_free(zFull);
  }
  sqlite3_free(zDecl);
  sqlite3_free(zKeyType);
  sqlormNamesClear(&cols);
  sqlormNamesClear(&extra);
  p->iMaxDepth = pRel->iMaxDepth;
  return rc;
}

static void travVtabFree(traverse_vtab *p);

/* xCreate and xConnect: CREATE VIRTUAL TABLE t USING orm_traverse('model', 'name').
** argv[0] is the module's name, argv[1] the database's, argv[2] the table's. */
static int traverseInit(sqlite3 *db, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr, int bCreate){
  traverse_vtab *p;
  OrmRel *pRel = 0;
  char *zModel = 0, *zName = 0, *zErr = 0;
  int rc;

  *ppVtab = 0;
  if( argc!=5 ){
    *pzErr = sqlite3_mprintf("orm_traverse takes two arguments, the model and the "
                             "relationship: USING orm_traverse('model', 'name')");
    return SQLITE_ERROR;
  }
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zName = sqlite3_mprintf("%s", argv[2]);
  zModel = travDequote(argv[3]);
  zName = travDequote(argv[4]);
  if( p->zName==0 || zModel==0 || zName==0 ){
    rc = SQLITE_NOMEM;
  }else{
    rc = sqlormRelLoad(db, zModel, zName, &pRel, &zErr);
    if( rc==SQLITE_OK ) rc = travPrepare(p, db, pRel, &zErr);
  }
  if( rc!=SQLITE_OK && rc!=SQLITE_NOMEM && !bCreate ){
    /* The relationship cannot be walked any more (its row or its table is gone). Connect
    ** anyway so that DROP TABLE and orm_drop can remove this table; queries say why. */
    sqlite3_free(p->zChildSql);
    p->zChildSql = 0;
    p->zBroken = sqlite3_mprintf("%s: %s", p->zName, zErr ? zErr : sqlite3_errstr(rc));
    p->nCol = 0;
    rc = p->zBroken ? sqlite3_declare_vtab(db, "CREATE TABLE x(source, depth INTEGER, "
                                           "start HIDDEN, max_depth HIDDEN)") : SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  }
  if( rc!=SQLITE_OK ){
    if( rc!=SQLITE_NOMEM ){
      *pzErr = sqlite3_mprintf("%s", zErr ? zErr : sqlite3_errstr(rc));
    }
    travVtabFree(p);
    p = 0;
  }
  sqlite3_free(zErr);
  sqlite3_free(zModel);
  sqlite3_free(zName);
  sqlormRelFree(pRel);
  *ppVtab = (sqlite3_vtab*)p;
  return rc;
}

/* A new traversal table: the relationship must be walkable now. */
static int traverseCreate(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                          sqlite3_vtab **ppVtab, char **pzErr){
  (void)pAux;
  return traverseInit(db, argc, argv, ppVtab, pzErr, 1);
}

/* An existing one, from the catalog. */
static int traverseConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                           sqlite3_vtab **ppVtab, char **pzErr){
  (void)pAux;
  return traverseInit(db, argc, argv, ppVtab, pzErr, 0);
}

/* The plan. An equality on source (or start) is the start, on max_depth the depth limit:
** they become xFilter's argv, in that order (idxNum bit 1: a start, bit 2: a limit). */
static int traverseBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  traverse_vtab *p = (traverse_vtab*)pVtab;
  int iStart = -1, iMax = -1, bMaxUnusable = 0, nArg = 0;
  int i;
  if( p->zBroken ) return travError(p, "%s", p->zBroken);
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *pC = &pInfo->aConstraint[i];
    if( pC->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( pC->iColumn==TRAV_COL_SOURCE || pC->iColumn==TRAV_COL_START(p) ){
      if( pC->usable && iStart<0 ) iStart = i;
    }else if( pC->iColumn==TRAV_COL_MAX_DEPTH(p) ){
      if( !pC->usable ) bMaxUnusable = 1;
      else if( iMax<0 ) iMax = i;
    }
  }
  /* max_depth is an argument, not a column to filter on: a plan must have its value. */
  if( bMaxUnusable && iMax<0 ) return SQLITE_CONSTRAINT;
  pInfo->idxNum = 0;
  if( iStart>=0 ){
    pInfo->aConstraintUsage[iStart].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iStart].omit = 1;
    pInfo->idxNum |= 1;
  }
  if( iMax>=0 ){
    pInfo->aConstraintUsage[iMax].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iMax].omit = 1;
    pInfo->idxNum |= 2;
  }
  if( iStart>=0 ){
    pInfo->estimatedCost = 50.0;
    pInfo->estimatedRows = 25;
  }else{
    /* A walk from every row of the table: keep it for when nothing gives a start. */
    pInfo->estimatedCost = 1e12;
    pInfo->estimatedRows = 1000000000;
  }
  return SQLITE_OK;
}

/* Frees the rows of a walk read whole. */
static void travRowsClear(traverse_cursor *pCur, int nCol){
  sqlite3_int64 i;
  for(i=0; i<pCur->nRow*(1+nCol); i++) sqlite3_value_free(pCur->aRowVal[i]);
  pCur->nRow = 0;
  pCur->iRow = 0;
}

static void travCursorFree(traverse_cursor *pCur){
  sqlite3_free(pCur->aRowVal);
  sqlite3_free(pCur->aRowDepth);
  sqlite3_finalize(pCur->pChild);
  sqlite3_finalize(pCur->pLookup);
  sqlite3_finalize(pCur->pScan);
  travLevelFree(&pCur->aLevel[0]);
  travLevelFree(&pCur->aLevel[1]);
  travSetFree(&pCur->visited);
  sqlite3_free(pCur);
}

static void travVtabFree(traverse_vtab *p){
  if( p==0 ) return;
  if( p->pSpare ) travCursorFree(p->pSpare);
  sqlite3_free(p->zName);
  sqlite3_free(p->zBroken);
  sqlite3_free(p->aLocalCol);
  sqlite3_free(p->aStartCol);
  sqlite3_free(p->zChildSql);
  sqlite3_free(p->zLookupSql);
  sqlite3_free(p->zScanSql);
  sqlite3_free(p->base.zErrMsg);
  sqlite3_free(p);
}

/* xDisconnect and xDestroy: the table has nothing stored of its own. */
static int traverseDisconnect(sqlite3_vtab *pVtab){
  travVtabFree((traverse_vtab*)pVtab);
  return SQLITE_OK;
}

/* Whether a statement that writes is running on the connection (INSERT INTO employees
** SELECT ... FROM employees__employees_by_manager, say). A walk read row by row would see
** the rows that statement writes, and could walk them forever; SQLite guards its own
** reads from the table a statement writes with a temporary table, but cannot know what
** this table reads. */
static int travWriterBusy(sqlite3 *db){
  sqlite3_stmt *pStmt;
  for(pStmt=sqlite3_next_stmt(db, 0); pStmt; pStmt=sqlite3_next_stmt(db, pStmt)){
    if( sqlite3_stmt_busy(pStmt) && !sqlite3_stmt_readonly(pStmt) ) return 1;
  }
  return 0;
}

/* A cursor: the one the table kept from an earlier query, if any. */
static int traverseOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor){
  traverse_vtab *p = (traverse_vtab*)pVtab;
  traverse_cursor *pCur = p->pSpare;
  if( pCur ){
    p->pSpare = 0;
  }else{
    pCur = sqlite3_malloc(sizeof(*pCur));
    if( pCur==0 ) return SQLITE_NOMEM;
    memset(pCur, 0, sizeof(*pCur));
  }
  pCur->bEof = 1;
  pCur->bMaterialise = travWriterBusy(p->db);
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

/* Stops the walk: statements reset, levels emptied (their memory kept). */
static void travCursorReset(traverse_cursor *pCur){
  if( pCur->pChild ) sqlite3_reset(pCur->pChild);
  if( pCur->pLookup ) sqlite3_reset(pCur->pLookup);
  if( pCur->pScan ) sqlite3_reset(pCur->pScan);
  pCur->pStart = 0;
  pCur->bChild = 0;
  pCur->bEof = 1;
  pCur->aLevel[0].nVal = pCur->aLevel[0].nBuf = 0;
  pCur->aLevel[1].nVal = pCur->aLevel[1].nBuf = 0;
}

/* The cursor goes back to the table for the next query, unless one is kept already;
** big buffers are not kept. */
static int traverseClose(sqlite3_vtab_cursor *cur){
  traverse_cursor *pCur = (traverse_cursor*)cur;
  traverse_vtab *p = (traverse_vtab*)cur->pVtab;
  int i;
  travCursorReset(pCur);
  travRowsClear(pCur, p->nCol);
  if( p->pSpare ){
    travCursorFree(pCur);
    return SQLITE_OK;
  }
  for(i=0; i<2; i++){
    if( pCur->aLevel[i].nValAlloc>TRAV_LEVEL_KEEP || pCur->aLevel[i].nBufAlloc>TRAV_LEVEL_KEEP*16 ){
      travLevelFree(&pCur->aLevel[i]);
    }
  }
  if( pCur->visited.nSlot>TRAV_SET_KEEP || pCur->visited.nByte>TRAV_SET_KEEP ){
    travSetFree(&pCur->visited);
  }
  if( pCur->nRowAlloc>TRAV_LEVEL_KEEP ){
    sqlite3_free(pCur->aRowVal);
    sqlite3_free(pCur->aRowDepth);
    pCur->aRowVal = 0;
    pCur->aRowDepth = 0;
    pCur->nRowAlloc = 0;
  }
  p->pSpare = pCur;
  return SQLITE_OK;
}

static int travPrepareStmt(traverse_vtab *p, const char *zSql, sqlite3_stmt **ppStmt){
  int rc;
  if( *ppStmt ) return SQLITE_OK;
  rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppStmt, 0);
  if( rc!=SQLITE_OK ) return travStmtError(p, rc);
  return SQLITE_OK;
}

/* Starts a walk from the row pStart is on: its local values are the first level. */
static int travWalkBegin(traverse_cursor *pCur){
  traverse_vtab *p = (traverse_vtab*)pCur->base.pVtab;
  TravLevel *pLevel;
  travSetClear(&pCur->visited);
  pCur->iLevel = 0;
  pCur->aLevel[0].nVal = pCur->aLevel[0].nBuf = 0;
  pCur->aLevel[1].nVal = pCur->aLevel[1].nBuf = 0;
  pCur->iNode = 0;
  pCur->iDepth = 1;
  pLevel = &pCur->aLevel[0];
  return travLevelPush(pLevel, pCur->pStart, p->aStartCol, p->nLocal);
}

/* Moves to the next row of the walk (or the walks, without a start): the next child of
** the node being read, else the children of the next node of the level, else the next
** level, else the next start. */
static int travNextRow(traverse_cursor *pCur){
  traverse_vtab *p = (traverse_vtab*)pCur->base.pVtab;
  int rc;
  for(;;){
    TravLevel *pLevel = &pCur->aLevel[pCur->iLevel];
    if( pCur->bChild ){
      rc = sqlite3_step(pCur->pChild);
      if( rc==SQLITE_ROW ){
        int bNew = 0;
        rc = travSetAddColumn(&pCur->visited, pCur->pChild, p->iKeyCol, &bNew);
        if( rc!=SQLITE_OK ) return rc;
        if( !bNew ) continue;                   /* seen before: a cycle, or another path */
        if( pCur->iMaxDepth==0 || pCur->iDepth<pCur->iMaxDepth ){
          rc = travLevelPush(&pCur->aLevel[!pCur->iLevel], pCur->pChild, p->aLocalCol,
                             p->nLocal);
          if( rc!=SQLITE_OK ) return rc;
        }
        pCur->iRowid++;
        return SQLITE_OK;
      }
      sqlite3_reset(pCur->pChild);
      pCur->bChild = 0;
      if( rc!=SQLITE_DONE ) return travStmtError(p, rc);
      pCur->iNode++;
    }
    if( pCur->iNode*p->nLocal<pLevel->nVal ){
      rc = travLevelBind(pLevel, pCur->iNode, p->nLocal, pCur->pChild);
      if( rc!=SQLITE_OK ) return travStmtError(p, rc);
      pCur->bChild = 1;
      continue;
    }
    if( pCur->aLevel[!pCur->iLevel].nVal>0 ){
      /* The next level. */
      pLevel->nVal = pLevel->nBuf = 0;
      pCur->iLevel = !pCur->iLevel;
      pCur->iNode = 0;
      pCur->iDepth++;
      continue;
    }
    /* This walk is over: the next start, if the plan has more than one. */
    rc = sqlite3_step(pCur->pStart);
    if( rc==SQLITE_ROW ){
      rc = travWalkBegin(pCur);
      if( rc!=SQLITE_OK ) return rc;
      continue;
    }
    if( rc!=SQLITE_DONE ) return travStmtError(p, rc);
    pCur->bEof = 1;
    return SQLITE_OK;
  }
}

/* Reads a max_depth argument: an integer >= 0, as an integer or as text or a real that is
** one. *pbNull when it is NULL: `max_depth = NULL` is never true, so there are no rows. */
static int travMaxDepthArg(traverse_vtab *p, sqlite3_value *pVal, sqlite3_int64 *piMax,
                           int *pbNull){
  int eType = sqlite3_value_type(pVal);
  sqlite3_value *pDup = 0;
  int rc = SQLITE_OK;
  *pbNull = eType==SQLITE_NULL;
  if( *pbNull ) return SQLITE_OK;
  if( eType==SQLITE_TEXT ){
    pDup = sqlite3_value_dup(pVal);
    if( pDup==0 ) return SQLITE_NOMEM;
    eType = sqlite3_value_numeric_type(pDup);
    pVal = pDup;
  }
  if( eType==SQLITE_INTEGER && sqlite3_value_int64(pVal)>=0 ){
    *piMax = sqlite3_value_int64(pVal);
  }else if( eType==SQLITE_FLOAT && sqlite3_value_double(pVal)>=0
         && sqlite3_value_double(pVal)<9.2e18
         && sqlite3_value_double(pVal)==(double)(sqlite3_int64)sqlite3_value_double(pVal) ){
    *piMax = (sqlite3_int64)sqlite3_value_double(pVal);
  }else if( eType==SQLITE_BLOB ){
    rc = travError(p, "%s: max_depth must be an integer >= 0 (0: unbounded), not a blob",
                   p->zName);
  }else if( eType==SQLITE_INTEGER || eType==SQLITE_FLOAT ){
    rc = travError(p, "%s: max_depth must be an integer >= 0 (0: unbounded), not %s",
                   p->zName, sqlite3_value_text(pVal));
  }else{
    rc = travError(p, "%s: max_depth must be an integer >= 0 (0: unbounded), not '%s'",
                   p->zName, sqlite3_value_text(pVal));
  }
  sqlite3_value_free(pDup);
  return rc;
}

/* Reads the rest of the walk into aRowVal, then releases the table: the rows are then
** returned from memory, and what the running statement writes cannot change them. */
static int travReadWhole(traverse_cursor *pCur){
  traverse_vtab *p = (traverse_vtab*)pCur->base.pVtab;
  int nVal = 1 + p->nCol, i, rc = SQLITE_OK;
  while( rc==SQLITE_OK && !pCur->bEof ){
    sqlite3_value **aVal;
    if( pCur->nRow>=pCur->nRowAlloc ){
      sqlite3_int64 nAlloc = pCur->nRowAlloc ? pCur->nRowAlloc*2 : 64;
      sqlite3_value **aNewVal = sqlite3_realloc64(pCur->aRowVal, sizeof(sqlite3_value*)*nAlloc*nVal);
      sqlite3_int64 *aNewDepth;
      if( aNewVal==0 ) return SQLITE_NOMEM;
      pCur->aRowVal = aNewVal;
      aNewDepth = sqlite3_realloc64(pCur->aRowDepth, sizeof(sqlite3_int64)*nAlloc);
      if( aNewDepth==0 ) return SQLITE_NOMEM;
      pCur->aRowDepth = aNewDepth;
      pCur->nRowAlloc = nAlloc;
    }
    aVal = &pCur->aRowVal[pCur->nRow*nVal];
    aVal[0] = sqlite3_value_dup(sqlite3_column_value(pCur->pStart, 0));
    for(i=0; i<p->nCol; i++){
      aVal[1+i] = sqlite3_value_dup(sqlite3_column_value(pCur->pChild, i));
    }
    pCur->aRowDepth[pCur->nRow++] = pCur->iDepth;
    for(i=0; i<nVal; i++){
      if( aVal[i]==0 ) rc = SQLITE_NOMEM;
    }
    if( rc==SQLITE_OK ) rc = travNextRow(pCur);
  }
  travCursorReset(pCur);
  pCur->bEof = pCur->nRow==0;
  pCur->iRow = 0;
  return rc;
}

static int traverseFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                          int argc, sqlite3_value **argv){
  traverse_cursor *pCur = (traverse_cursor*)cur;
  traverse_vtab *p = (traverse_vtab*)cur->pVtab;
  sqlite3_value *pStartArg = 0;
  int i = 0, bNull = 0, rc;
  (void)idxStr; (void)argc;

  travCursorReset(pCur);
  travRowsClear(pCur, p->nCol);
  pCur->iRowid = 0;
  pCur->iMaxDepth = p->iMaxDepth;
  if( idxNum & 1 ) pStartArg = argv[i++];
  if( idxNum & 2 ){
    rc = travMaxDepthArg(p, argv[i++], &pCur->iMaxDepth, &bNull);
    if( rc!=SQLITE_OK || bNull ) return rc;
  }
  rc = travPrepareStmt(p, p->zChildSql, &pCur->pChild);
  if( rc!=SQLITE_OK ) return rc;
  if( pStartArg ){
    if( sqlite3_value_type(pStartArg)==SQLITE_NULL ) return SQLITE_OK;   /* source = NULL */
    rc = travPrepareStmt(p, p->zLookupSql, &pCur->pLookup);
    if( rc==SQLITE_OK ) rc = sqlite3_bind_value(pCur->pLookup, 1, pStartArg);
    pCur->pStart = pCur->pLookup;
  }else{
    rc = travPrepareStmt(p, p->zScanSql, &pCur->pScan);
    pCur->pStart = pCur->pScan;
  }
  if( rc!=SQLITE_OK ) return rc;
  /* No level and no node yet: travNextRow steps pStart to the first start. */
  pCur->bEof = 0;
  pCur->iLevel = 0;
  pCur->iNode = 0;
  rc = travNextRow(pCur);
  if( rc==SQLITE_OK && pCur->bMaterialise ) rc = travReadWhole(pCur);
  return rc;
}

static int traverseNext(sqlite3_vtab_cursor *cur){
  traverse_cursor *pCur = (traverse_cursor*)cur;
  if( pCur->nRow ){
    pCur->bEof = ++pCur->iRow>=pCur->nRow;
    return SQLITE_OK;
  }
  return travNextRow(pCur);
}

static int traverseEof(sqlite3_vtab_cursor *cur){
  return ((traverse_cursor*)cur)->bEof;
}

static int traverseColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i){
  traverse_cursor *pCur = (traverse_cursor*)cur;
  traverse_vtab *p = (traverse_vtab*)cur->pVtab;
  if( pCur->nRow ){
    /* a walk read whole */
    sqlite3_value **aVal = &pCur->aRowVal[pCur->iRow*(1+p->nCol)];
    if( i>=TRAV_COL_TARGET && i<TRAV_COL_START(p) ){
      sqlite3_result_value(ctx, aVal[1+i-TRAV_COL_TARGET]);
    }else if( i==TRAV_COL_DEPTH ){
      sqlite3_result_int64(ctx, pCur->aRowDepth[pCur->iRow]);
    }else if( i==TRAV_COL_MAX_DEPTH(p) ){
      sqlite3_result_int64(ctx, pCur->iMaxDepth);
    }else{
      sqlite3_result_value(ctx, aVal[0]);
    }
  }else if( i>=TRAV_COL_TARGET && i<TRAV_COL_START(p) ){
    sqlite3_result_value(ctx, sqlite3_column_value(pCur->pChild, i-TRAV_COL_TARGET));
  }else if( i==TRAV_COL_DEPTH ){
    sqlite3_result_int64(ctx, pCur->iDepth);
  }else if( i==TRAV_COL_MAX_DEPTH(p) ){
    sqlite3_result_int64(ctx, pCur->iMaxDepth);
  }else{
    /* source and start: the start row's key */
    sqlite3_result_value(ctx, sqlite3_column_value(pCur->pStart, 0));
  }
  return SQLITE_OK;
}

static int traverseRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *pRowid){
  traverse_cursor *pCur = (traverse_cursor*)cur;
  *pRowid = pCur->nRow ? pCur->iRow+1 : pCur->iRowid;
  return SQLITE_OK;
}

/* The table's name is the relationship's: renaming it would lose it to orm_drop. */
static int traverseRename(sqlite3_vtab *pVtab, const char *zNew){
  traverse_vtab *p = (traverse_vtab*)pVtab;
  (void)zNew;
  return travError(p, "%s is the traversal table of a relationship and is named after it: "
                   "it cannot be renamed", p->zName);
}

static sqlite3_module traverseModule = {
  /* iVersion    */ 3,
  /* xCreate     */ traverseCreate,
  /* xConnect    */ traverseConnect,
  /* xBestIndex  */ traverseBestIndex,
  /* xDisconnect */ traverseDisconnect,
  /* xDestroy    */ traverseDisconnect,
  /* xOpen       */ traverseOpen,
  /* xClose      */ traverseClose,
  /* xFilter     */ traverseFilter,
  /* xNext       */ traverseNext,
  /* xEof        */ traverseEof,
  /* xColumn     */ traverseColumn,
  /* xRowid      */ traverseRowid,
  /* xUpdate     */ 0,
  /* xBegin      */ 0,
  /* xSync       */ 0,
  /* xCommit     */ 0,
  /* xRollback   */ 0,
  /* xFindMethod */ 0,
  /* xRename     */ traverseRename,
  /* xSavepoint  */ 0,
  /* xRelease    */ 0,
  /* xRollbackTo */ 0,
  /* xShadowName */ 0,
#if SQLITE_VERSION_NUMBER>=3044000
  /* xIntegrity  */ 0,
#endif
};

int sqlormTraverseRegister(sqlite3 *db){
  return sqlite3_create_module_v2(db, "orm_traverse", &traverseModule, 0, 0);
}
