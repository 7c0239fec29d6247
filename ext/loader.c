/*
** loader.c: orm_json(), a row of a model and the relationships it names, as one JSON
** document built in C.
**
** Usage:
**   SELECT orm_json('users', 1);                          -- {"id":1,"first_name":...}
**   SELECT orm_json('users', 1, 'addresses,groups');      -- ...,"addresses":[...],"groups":[...]}
**   SELECT orm_json('users', id, 'orders(items(product))') FROM users;  -- any depth
**   SELECT orm_json('items', '[10, 2]', 'product');       -- a composite key: a JSON array
**   SELECT orm_json('orders', 10, '"line item"(product)');  -- a name that needs quoting
**   SELECT json_object('user', orm_json('users', 1));     -- nested as an object (subtype 'J')
**
** The spec is a comma-separated list of relationship names of the model, each optionally
** followed by `( subspec )` naming relationships of its target. A name is bare (up to a
** space, ',', '(' or ')') or quoted as an SQL identifier: "line item" ("" for a " inside),
** `line item` or [line item]; it matches without regard to case, and the document uses the
** declared name. A to-one relationship (uselist false) nests as an object or null, a
** to-many one as an array ([] when empty) in its order_by. Columns come in `SELECT *`
** order, generated columns included; values map as json_object() maps them (a BLOB is an
** error, an infinite real is written 9.0e+999). A model that has a view (model.c) is read
** through it at every level: its column properties are members, and a row it leaves out
** (soft-deleted, another class) is not there: NULL at the root, as for a missing key.
**
** How it works: the spec is compiled into a plan, a tree with one prepared statement per
** node: the root reads the row by its key (from the model's view, else its table), each
** relationship reads the children of one parent (sqlormRelChildrenSql, through the
** target's view) with the parent's local column values bound as ?1..?n.
** Each statement also selects, after the table's own columns, the columns its children bind
** (an implicit rowid, say), so no node ever reads a row twice. The plan is kept as auxdata
** of the constant spec argument (the model argument without a spec): a calling statement
** such as `SELECT orm_json('users', id, 'addresses') FROM users` compiles it once, and its
** destructor finalizes the statements when the calling statement ends, so nothing outlives
** it on the connection. When SQLite does not keep the auxdata (arguments that are not
** constant), each call compiles its own plan.
*/
#include "sqlorm.h"
#include <math.h>
#include <string.h>

#define JSON_MAX_DEPTH 64      /* nesting of a spec */

typedef struct JsonNode JsonNode;
struct JsonNode {
  char *zName;            /* the relationship's name; NULL at the root */
  OrmRel *pRel;           /* the relationship; NULL at the root */
  char *zTable;           /* the node's table, as the schema spells it */
  sqlite3_stmt *pStmt;    /* its rows: the table's columns, then extras */
  int nCol;               /* the table's columns (SELECT *), before the extras */
  int nStmtCol;           /* the statement's columns: nCol and the extras */
  char **azKey;           /* per column: `"name":` (with a leading comma past the first) */
  int *anKey;             /* their lengths */
  OrmNames keyNames;      /* the table's key, for messages */
  int *aiKey;             /* where the key's columns are in pStmt */
  int *aiBind;            /* where the parent's statement holds pRel->local */
  char *zMember;          /* `,"name":` of this relationship in its parent's object */
  int nMember;
  int nChild;
  JsonNode **apChild;
};

typedef struct JsonPlan JsonPlan;
struct JsonPlan {
  sqlite3 *db;
  char *zModel;           /* the arguments it was compiled for */
  char *zSpec;            /* NULL: no spec */
  char *zModelName;       /* the model's name as the catalog knows it */
  JsonNode *pRoot;
  sqlite3_stmt *pKeyStmt; /* a composite key: its JSON array, element by element */
  int bBusy;              /* running (guards against reentry) */
  sqlite3_int64 nHint;    /* the largest document so far: what to allocate first */
};

/* ---- the plan -------------------------------------------------------------------- */

static void jsonNodeFree(JsonNode *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nChild; i++) jsonNodeFree(p->apChild[i]);
  sqlite3_free(p->apChild);
  sqlite3_finalize(p->pStmt);
  for(i=0; p->azKey && i<p->nCol; i++) sqlite3_free(p->azKey[i]);
  sqlite3_free(p->azKey);
  sqlite3_free(p->anKey);
  sqlormNamesClear(&p->keyNames);
  sqlite3_free(p->aiKey);
  sqlite3_free(p->aiBind);
  sqlite3_free(p->zMember);
  sqlite3_free(p->zName);
  sqlite3_free(p->zTable);
  sqlormRelFree(p->pRel);
  sqlite3_free(p);
}

static void jsonPlanFree(void *pArg){
  JsonPlan *p = (JsonPlan*)pArg;
  if( p==0 ) return;
  jsonNodeFree(p->pRoot);
  sqlite3_finalize(p->pKeyStmt);
  sqlite3_free(p->zModel);
  sqlite3_free(p->zSpec);
  sqlite3_free(p->zModelName);
  sqlite3_free(p);
}

/* A node named zName (sqlite3_malloc'd, taken over; NULL at the root). */
static JsonNode *jsonNodeNew(char *zName){
  JsonNode *p = sqlite3_malloc(sizeof(JsonNode));
  if( p==0 ){
    sqlite3_free(zName);
    return 0;
  }
  memset(p, 0, sizeof(*p));
  p->zName = zName;
  return p;
}

/* ---- the spec -------------------------------------------------------------------- */

typedef struct JsonSpec JsonSpec;
struct JsonSpec {
  const char *zSpec;      /* the whole spec, for messages */
  const char *z;          /* where the parser is */
  char *zErr;
  int rc;
};

static int jsonSpecSpace(char c){
  return c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' || c=='\v';
}

static void jsonSpecSkip(JsonSpec *s){
  while( jsonSpecSpace(*s->z) ) s->z++;
}

static void jsonSpecError(JsonSpec *s, const char *zWhy){
  if( s->rc ) return;
  s->zErr = sqlite3_mprintf("malformed spec %Q: %s at offset %d", s->zSpec, zWhy,
                            (int)(s->z - s->zSpec));
  s->rc = s->zErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* The relationship name at s->z, past it: bare (up to a space, ',', '(' or ')', taken as
** written), or quoted as SQLite quotes identifiers: "..." or `...` (the quote doubled
** inside stands for itself) or [...]. Into *pzName (sqlite3_malloc'd), NULL with an error
** in s when there is none. */
static void jsonSpecName(JsonSpec *s, char **pzName){
  const char *zStart = s->z;
  const char cClose = *zStart=='[' ? ']' : *zStart=='"' || *zStart=='`' ? *zStart : 0;
  *pzName = 0;
  if( cClose ){
    sqlite3_str *pStr = sqlite3_str_new(0);
    const char *z = zStart+1;
    int bEmpty;
    for(;;){
      const char *zEnd = strchr(z, cClose);
      if( zEnd==0 ){
        sqlite3_free(sqlite3_str_finish(pStr));
        jsonSpecError(s, "unterminated quoted name");   /* at the opening quote */
        return;
      }
      sqlite3_str_append(pStr, z, (int)(zEnd - z));
      if( cClose==']' || zEnd[1]!=cClose ){
        z = zEnd+1;
        break;
      }
      sqlite3_str_appendchar(pStr, 1, cClose);        /* a doubled quote: one quote */
      z = zEnd+2;
    }
    bEmpty = sqlite3_str_length(pStr)==0 && sqlite3_str_errcode(pStr)==SQLITE_OK;
    *pzName = sqlite3_str_finish(pStr);
    if( bEmpty ){
      jsonSpecError(s, "a relationship name is empty");   /* orm_relationship refuses one */
      return;
    }
    if( *pzName==0 ){ s->rc = SQLITE_NOMEM; return; }
    s->z = z;
  }else{
    int n;
    while( *s->z && *s->z!=',' && *s->z!='(' && *s->z!=')' && !jsonSpecSpace(*s->z) ) s->z++;
    n = (int)(s->z - zStart);
    if( n==0 ){
      jsonSpecError(s, "a relationship name is missing");
      return;
    }
    *pzName = sqlite3_mprintf("%.*s", n, zStart);
    if( *pzName==0 ) s->rc = SQLITE_NOMEM;
  }
}

/* list := name [ '(' list ')' ] { ',' name [ '(' list ')' ] } */
static void jsonSpecList(JsonSpec *s, JsonNode *pParent, int iDepth){
  if( iDepth>JSON_MAX_DEPTH ){
    jsonSpecError(s, "nested deeper than 64 levels");
    return;
  }
  while( s->rc==SQLITE_OK ){
    const char *zStart;
    char *zName;
    JsonNode *pChild, **ap;
    int i;
    jsonSpecSkip(s);
    zStart = s->z;
    if( *s->z==0 && iDepth>1 ){
      jsonSpecError(s, "unbalanced parentheses: ')' expected");
      return;
    }
    jsonSpecName(s, &zName);
    if( zName==0 ) return;
    for(i=0; i<pParent->nChild; i++){
      /* as SQLite compares identifiers */
      if( sqlite3_stricmp(pParent->apChild[i]->zName, zName)==0 ){
        sqlite3_free(zName);
        s->z = zStart;
        jsonSpecError(s, "a relationship is named twice");
        return;
      }
    }
    pChild = jsonNodeNew(zName);
    ap = pChild ? sqlite3_realloc64(pParent->apChild, sizeof(JsonNode*)*(pParent->nChild+1)) : 0;
    if( ap==0 ){
      jsonNodeFree(pChild);
      s->rc = SQLITE_NOMEM;
      return;
    }
    pParent->apChild = ap;
    ap[pParent->nChild++] = pChild;
    jsonSpecSkip(s);
    if( *s->z=='(' ){
      s->z++;
      jsonSpecList(s, pChild, iDepth+1);
      if( s->rc ) return;
      jsonSpecSkip(s);
      if( *s->z!=')' ){
        jsonSpecError(s, "unbalanced parentheses: ')' expected");
        return;
      }
      s->z++;
      jsonSpecSkip(s);
    }
    if( *s->z!=',' ) return;
    s->z++;
  }
}

/* Parses zSpec into the children of pRoot. */
static int jsonSpecParse(const char *zSpec, JsonNode *pRoot, char **pzErr){
  JsonSpec s;
  memset(&s, 0, sizeof(s));
  s.zSpec = s.z = zSpec;
  jsonSpecList(&s, pRoot, 1);
  if( s.rc==SQLITE_OK && *s.z ){
    jsonSpecError(&s, *s.z==')' ? "unbalanced parentheses: ')' without '('"
                                : "',' or '(' expected");
  }
  *pzErr = s.zErr;
  return s.rc;
}

/* ---- compiling ------------------------------------------------------------------- */

/* Where column zCol is in a node's statement: among the table's columns, else among the
** extras (added when missing). */
static int jsonColumnIndex(const OrmNames *pCols, OrmNames *pExtra, const char *zCol,
                           int *piCol){
  int i = sqlormNamesFind(pCols, zCol);
  if( i>=0 ){
    *piCol = i;
    return SQLITE_OK;
  }
  i = sqlormNamesFind(pExtra, zCol);
  if( i<0 ){
    int rc = sqlormNamesAdd(pExtra, zCol);
    if( rc!=SQLITE_OK ) return rc;
    i = pExtra->n-1;
  }
  *piCol = pCols->n + i;
  return SQLITE_OK;
}

static int *jsonIntArray(int n){
  int *a = sqlite3_malloc64(sizeof(int)*(n>0 ? n : 1));
  if( a ) memset(a, 0, sizeof(int)*(n>0 ? n : 1));
  return a;
}

/* `"name":`, with a leading comma when bComma. */
static char *jsonMemberKey(const char *zName, int bComma, int *pn){
  sqlite3_str *pStr = sqlite3_str_new(0);
  char *z;
  if( bComma ) sqlite3_str_appendchar(pStr, 1, ',');
  sqlormJsonString(pStr, zName, -1);
  sqlite3_str_appendchar(pStr, 1, ':');
  *pn = sqlite3_str_length(pStr);
  z = sqlite3_str_finish(pStr);
  return z;
}

/* Compiles a node that reads model zModel: from its view zView when it has one (its
** properties are columns, and the rows the view leaves out are not there), else from its
** table zTable. */
static int jsonNodeCompile(JsonPlan *pPlan, JsonNode *pNode, const char *zModel,
                           const char *zTable, const char *zView, char **pzErr){
  sqlite3 *db = pPlan->db;
  OrmTable *pTab = 0;
  OrmNames extra = {0, 0}, viewCols = {0, 0};
  const OrmNames *pCols = 0;       /* the columns of "T".*: the table's or the view's */
  char *zSql = 0;
  int rc, i, k;

  rc = sqlormTableLoadShallow(db, zTable, &pTab, pzErr);
  if( rc==SQLITE_OK && zView ){
    rc = sqlormQueryNames(db, "SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid",
                          zView, &viewCols, 0);
    if( rc==SQLITE_OK && viewCols.n==0 ){
      *pzErr = sqlite3_mprintf("%s: no view %s (declare the model again to build it)",
                               zModel, zView);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK ){
    pCols = zView ? &viewCols : &pTab->cols;
    pNode->zTable = sqlite3_mprintf("%s", pTab->zName);
    pNode->nCol = pCols->n;
    pNode->azKey = sqlite3_malloc64(sizeof(char*)*(pCols->n+1));
    if( pNode->azKey ) memset(pNode->azKey, 0, sizeof(char*)*(pCols->n+1));
    pNode->anKey = jsonIntArray(pCols->n);
    pNode->aiKey = jsonIntArray(pTab->key.n);
    if( pNode->zTable==0 || pNode->azKey==0 || pNode->anKey==0 || pNode->aiKey==0 ){
      rc = SQLITE_NOMEM;
    }
  }
  for(i=0; rc==SQLITE_OK && i<pNode->nCol; i++){
    pNode->azKey[i] = jsonMemberKey(pCols->az[i], i>0, &pNode->anKey[i]);
    if( pNode->azKey[i]==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&pNode->keyNames, &pTab->key);
  for(i=0; rc==SQLITE_OK && i<pTab->key.n; i++){
    rc = jsonColumnIndex(pCols, &extra, pTab->key.az[i], &pNode->aiKey[i]);
  }

  /* The relationships, and the columns each one binds from this node's rows. */
  for(k=0; rc==SQLITE_OK && k<pNode->nChild; k++){
    JsonNode *pChild = pNode->apChild[k];
    OrmRel *pRel;
    /* Names match without regard to case; the document uses the catalog's spelling. */
    rc = sqlormRelLoad(db, zModel, pChild->zName, &pChild->pRel, pzErr);
    if( rc==SQLITE_OK ){
      sqlite3_free(pChild->zName);
      pChild->zName = sqlite3_mprintf("%s", pChild->pRel->zName);
      if( pChild->zName==0 ) rc = SQLITE_NOMEM;
    }
    if( rc!=SQLITE_OK ) break;
    pRel = pChild->pRel;
    pChild->aiBind = jsonIntArray(pRel->local.n);
    pChild->zMember = jsonMemberKey(pRel->zName, 1, &pChild->nMember);
    if( pChild->aiBind==0 || pChild->zMember==0 ){ rc = SQLITE_NOMEM; break; }
    for(i=0; rc==SQLITE_OK && i<pRel->local.n; i++){
      rc = jsonColumnIndex(pCols, &extra, pRel->local.az[i], &pChild->aiBind[i]);
    }
  }

  /* The statement. */
  if( rc==SQLITE_OK ){
    if( pNode->pRel ){
      zSql = sqlormRelChildrenSql(pNode->pRel, &extra);
    }else{
      sqlite3_str *pStr = sqlite3_str_new(0);
      sqlite3_str_appendf(pStr, "SELECT \"%w\".*", pTab->zName);
      for(i=0; i<extra.n; i++){
        sqlite3_str_appendf(pStr, ", \"%w\".\"%w\"", pTab->zName, extra.az[i]);
      }
      sqlite3_str_appendf(pStr, " FROM main.\"%w\" AS \"%w\" WHERE ", zView ? zView : pTab->zName,
                          pTab->zName);
      for(i=0; i<pTab->key.n; i++){
        sqlite3_str_appendf(pStr, "%s\"%w\".\"%w\" = ?%d", i ? " AND " : "", pTab->zName,
                            pTab->key.az[i], i+1);
      }
      zSql = sqlite3_str_finish(pStr);
    }
    if( zSql==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, &pNode->pStmt, 0);
    if( rc!=SQLITE_OK ){
      *pzErr = pNode->pRel
        ? sqlite3_mprintf("%s.%s: %s", pNode->pRel->zModel, pNode->zName, sqlite3_errmsg(db))
        : sqlite3_mprintf("%s: %s", zModel, sqlite3_errmsg(db));
    }else if( (pNode->nStmtCol = sqlite3_column_count(pNode->pStmt))!=pNode->nCol + extra.n ){
      *pzErr = sqlite3_mprintf("%s: its columns changed while orm_json read them", zTable);
      rc = SQLITE_SCHEMA;
    }
  }
  sqlite3_free(zSql);
  sqlormNamesClear(&extra);
  sqlormNamesClear(&viewCols);
  sqlormTableFree(pTab);

  for(k=0; rc==SQLITE_OK && k<pNode->nChild; k++){
    const OrmRel *pRel = pNode->apChild[k]->pRel;
    rc = jsonNodeCompile(pPlan, pNode->apChild[k], pRel->zTarget, pRel->zTargetTable,
                         pRel->zTargetView, pzErr);
  }
  return rc;
}

/* Compiles orm_json(zModel, key, zSpec) (zSpec NULL: no relationships). */
static int jsonPlanCompile(sqlite3 *db, const char *zModel, const char *zSpec,
                           JsonPlan **pp, char **pzErr){
  JsonPlan *p = sqlite3_malloc(sizeof(JsonPlan));
  char *zTable = 0, *zView = 0;
  int rc = SQLITE_OK;
  *pp = 0;
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zModel = sqlite3_mprintf("%s", zModel);
  p->zSpec = zSpec ? sqlite3_mprintf("%s", zSpec) : 0;
  p->pRoot = jsonNodeNew(0);
  if( p->zModel==0 || (zSpec && p->zSpec==0) || p->pRoot==0 ) rc = SQLITE_NOMEM;
  if( rc==SQLITE_OK && zSpec ) rc = jsonSpecParse(zSpec, p->pRoot, pzErr);
  if( rc==SQLITE_OK ) rc = sqlormModelTable(db, zModel, 0, &zTable, pzErr);
  if( rc==SQLITE_OK ){
    /* A table that is not declared as a model is the implicit model of its name, spelt
    ** as the schema spells it (as orm_relationship names it). */
    p->zModelName = sqlite3_mprintf("%s", sqlite3_stricmp(zModel, zTable)==0 ? zTable : zModel);
    if( p->zModelName==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK ) rc = sqlormModelView(db, p->zModelName, &zView, 0);
  if( rc==SQLITE_OK ) rc = jsonNodeCompile(p, p->pRoot, p->zModelName, zTable, zView, pzErr);
  if( rc==SQLITE_OK && p->pRoot->keyNames.n>1 ){
    rc = sqlite3_prepare_v3(db,
        "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) END, type, value"
        " FROM json_each(CASE WHEN json_valid(?1) THEN ?1 ELSE '[]' END)",
        -1, SQLITE_PREPARE_PERSISTENT, &p->pKeyStmt, 0);
  }
  sqlite3_free(zTable);
  sqlite3_free(zView);
  if( rc!=SQLITE_OK ){
    jsonPlanFree(p);
    return rc;
  }
  *pp = p;
  return SQLITE_OK;
}

/* ---- running --------------------------------------------------------------------- */

/* The document being built: a buffer of the run's own, appended to inline (a document
** is some hundred small appends), handed to SQLite as the result when done. */
typedef struct JsonRun JsonRun;
struct JsonRun {
  JsonPlan *pPlan;
  char *z;                /* the document (sqlite3_malloc) */
  sqlite3_int64 n;        /* its length */
  sqlite3_int64 nAlloc;   /* bytes allocated */
  sqlite3_int64 nMax;     /* SQLITE_LIMIT_LENGTH */
  char *zErr;             /* what went wrong, for "orm_json: ..." */
  int rc;
};

/* Makes room for N more bytes; 0 when there is. */
static int jsonGrow(JsonRun *r, sqlite3_int64 N){
  sqlite3_int64 nNew = r->nAlloc*2 + N + 256;
  char *z;
  if( r->rc ) return 1;
  if( r->n + N > r->nMax ){
    r->rc = SQLITE_TOOBIG;
    return 1;
  }
  if( nNew > r->nMax + 1 ) nNew = r->nMax + 1;
  z = sqlite3_realloc64(r->z, nNew);
  if( z==0 ){
    r->rc = SQLITE_NOMEM;
    return 1;
  }
  r->z = z;
  r->nAlloc = nNew;
  return 0;
}

static void jsonAppend(JsonRun *r, const char *z, sqlite3_int64 n){
  if( r->n + n > r->nAlloc && jsonGrow(r, n) ) return;
  memcpy(r->z + r->n, z, n);
  r->n += n;
}

static void jsonAppendChar(JsonRun *r, char c){
  if( r->n + 1 > r->nAlloc && jsonGrow(r, 1) ) return;
  r->z[r->n++] = c;
}

static void jsonAppendInt(JsonRun *r, sqlite3_int64 v){
  char zBuf[24];
  int i = (int)sizeof(zBuf);
  sqlite3_uint64 u = v<0 ? (sqlite3_uint64)0 - (sqlite3_uint64)v : (sqlite3_uint64)v;
  do{
    zBuf[--i] = (char)('0' + u%10);
    u /= 10;
  }while( u );
  if( v<0 ) zBuf[--i] = '-';
  jsonAppend(r, zBuf+i, (int)sizeof(zBuf)-i);
}

static void jsonAppendReal(JsonRun *r, double v){
  char zBuf[64];
  if( isinf(v) ){
    /* as json_object() writes it from SQLite 3.43 on, which json() reads back as Inf;
    ** (a NaN is never stored: SQLite makes it NULL) */
    jsonAppend(r, v<0 ? "-9.0e+999" : "9.0e+999", v<0 ? 9 : 8);
  }else{
    sqlite3_snprintf(sizeof(zBuf), zBuf, "%!.15g", v);
    jsonAppend(r, zBuf, (sqlite3_int64)strlen(zBuf));
  }
}

/* Text as a JSON string. Most text needs no escape and is copied as it is; the rest goes
** through sqlormJsonString. */
static void jsonAppendText(JsonRun *r, const char *z, int n){
  int i;
  for(i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    if( c<0x20 || c=='"' || c=='\\' ) break;
  }
  if( i==n ){
    if( r->n + n + 2 > r->nAlloc && jsonGrow(r, n+2) ) return;
    r->z[r->n] = '"';
    memcpy(r->z + r->n + 1, z, n);
    r->z[r->n + n + 1] = '"';
    r->n += n + 2;
  }else{
    sqlite3_str *pStr = sqlite3_str_new(0);
    int nStr;
    char *zStr;
    sqlormJsonString(pStr, z, n);
    nStr = sqlite3_str_length(pStr);
    zStr = sqlite3_str_finish(pStr);
    if( zStr==0 ){
      if( r->rc==SQLITE_OK ) r->rc = SQLITE_NOMEM;
      return;
    }
    jsonAppend(r, zStr, nStr);
    sqlite3_free(zStr);
  }
}

/* A node's key, as `id=1` or `(a, b)=(1, 'x')`, from its row in its statement. */
static char *jsonKeyText(const JsonNode *p){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i, n = p->keyNames.n;
  if( n>1 ) sqlite3_str_appendchar(pStr, 1, '(');
  for(i=0; i<n; i++) sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", p->keyNames.az[i]);
  sqlite3_str_appendall(pStr, n>1 ? ")=(" : "=");
  for(i=0; i<n; i++){
    sqlite3_value *v = sqlite3_column_value(p->pStmt, p->aiKey[i]);
    sqlite3_str_appendf(pStr, "%s", i ? ", " : "");
    switch( sqlite3_value_type(v) ){
      case SQLITE_INTEGER: sqlite3_str_appendf(pStr, "%lld", sqlite3_value_int64(v)); break;
      case SQLITE_FLOAT:   sqlite3_str_appendf(pStr, "%!.15g", sqlite3_value_double(v)); break;
      case SQLITE_TEXT:    sqlite3_str_appendf(pStr, "%Q", sqlite3_value_text(v)); break;
      case SQLITE_NULL:    sqlite3_str_appendall(pStr, "NULL"); break;
      default:             sqlite3_str_appendall(pStr, "(a blob)"); break;
    }
  }
  if( n>1 ) sqlite3_str_appendchar(pStr, 1, ')');
  return sqlite3_str_finish(pStr);
}

static void jsonRunError(JsonRun *r, int rc, char *zErr){
  if( r->rc==SQLITE_OK ){
    r->rc = zErr || rc!=SQLITE_ERROR ? rc : SQLITE_NOMEM;
    r->zErr = zErr;
  }else{
    sqlite3_free(zErr);
  }
}

/* A statement's failure to step. */
static void jsonStepError(JsonRun *r, const JsonNode *p, int rc){
  sqlite3 *db = r->pPlan->db;
  if( rc==SQLITE_NOMEM ){
    jsonRunError(r, rc, 0);
  }else if( p->pRel ){
    jsonRunError(r, rc, sqlite3_mprintf("%s.%s: %s", p->pRel->zModel, p->zName,
                                        sqlite3_errmsg(db)));
  }else{
    jsonRunError(r, rc, sqlite3_mprintf("%s: %s", r->pPlan->zModelName, sqlite3_errmsg(db)));
  }
}

static void jsonEmitChild(JsonRun *r, const JsonNode *pParent, JsonNode *p);

/* The row pNode's statement is on, as an object with its relationships. Values are read
** with sqlite3_column_value(): one call per value (this runs inside the calling
** statement's step, which holds the connection's mutex). */
static void jsonEmitRow(JsonRun *r, const JsonNode *pNode){
  sqlite3_stmt *pStmt = pNode->pStmt;
  int i;
  if( sqlite3_column_count(pStmt)!=pNode->nStmtCol ){
    /* re-prepared after a change of the table: the columns are not where they were */
    jsonRunError(r, SQLITE_SCHEMA, sqlite3_mprintf("%s: its columns changed while orm_json "
                                                   "read them", pNode->zTable));
    return;
  }
  jsonAppendChar(r, '{');
  for(i=0; i<pNode->nCol; i++){
    sqlite3_value *v = sqlite3_column_value(pStmt, i);
    jsonAppend(r, pNode->azKey[i], pNode->anKey[i]);
    switch( sqlite3_value_type(v) ){
      case SQLITE_INTEGER:
        jsonAppendInt(r, sqlite3_value_int64(v));
        break;
      case SQLITE_FLOAT:
        jsonAppendReal(r, sqlite3_value_double(v));
        break;
      case SQLITE_TEXT: {
        const char *z = (const char*)sqlite3_value_text(v);
        if( z==0 ){ jsonRunError(r, SQLITE_NOMEM, 0); return; }
        jsonAppendText(r, z, sqlite3_value_bytes(v));
        break;
      }
      case SQLITE_NULL:
        jsonAppend(r, "null", 4);
        break;
      default: {
        char *zKey = jsonKeyText(pNode);
        jsonRunError(r, SQLITE_ERROR, sqlite3_mprintf(
            "%s.%s of %s %s is a BLOB: JSON cannot hold BLOB values", pNode->zTable,
            sqlite3_column_name(pStmt, i), pNode->zTable, zKey ? zKey : "?"));
        sqlite3_free(zKey);
        return;
      }
    }
  }
  for(i=0; i<pNode->nChild && r->rc==SQLITE_OK; i++){
    JsonNode *pChild = pNode->apChild[i];
    jsonAppend(r, pChild->zMember, pChild->nMember);
    jsonEmitChild(r, pNode, pChild);
  }
  jsonAppendChar(r, '}');
}

/* Relationship p of the row pParent's statement is on: an array, an object or null. */
static void jsonEmitChild(JsonRun *r, const JsonNode *pParent, JsonNode *p){
  sqlite3_stmt *pStmt = p->pStmt;
  const OrmRel *pRel = p->pRel;
  int i, rc, nRow = 0;
  for(i=0; i<pRel->local.n; i++){
    sqlite3_value *v = sqlite3_column_value(pParent->pStmt, p->aiBind[i]);
    if( sqlite3_value_type(v)==SQLITE_NULL ){
      /* a NULL reference reaches nothing */
      jsonAppend(r, pRel->bUselist ? "[]" : "null", pRel->bUselist ? 2 : 4);
      return;
    }
    rc = sqlite3_bind_value(pStmt, i+1, v);
    if( rc!=SQLITE_OK ){ jsonRunError(r, rc, 0); return; }
  }
  if( pRel->bUselist ) jsonAppendChar(r, '[');
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    nRow++;
    if( pRel->bUselist ){
      if( nRow>1 ) jsonAppendChar(r, ',');
      jsonEmitRow(r, p);
    }else if( nRow==1 ){
      jsonEmitRow(r, p);
    }
    if( r->rc!=SQLITE_OK ) break;
  }
  if( rc!=SQLITE_ROW && rc!=SQLITE_DONE ){
    jsonStepError(r, p, rc);
  }else if( r->rc==SQLITE_OK && !pRel->bUselist && nRow>1 ){
    char *zKey = jsonKeyText(pParent);
    jsonRunError(r, SQLITE_ERROR, sqlite3_mprintf(
        "%s.%s is a scalar (uselist false) but %d rows were found for %s %s",
        pRel->zModel, pRel->zName, nRow, pRel->zModel, zKey ? zKey : "?"));
    sqlite3_free(zKey);
  }
  sqlite3_reset(pStmt);
  if( pRel->bUselist ){
    jsonAppendChar(r, ']');
  }else if( nRow==0 ){
    jsonAppend(r, "null", 4);
  }
}

/* Binds the key argument to the root's statement. 0: bound; 1: it cannot match (NULL in
** a composite key); else an error in r. */
static int jsonBindKey(JsonRun *r, sqlite3_value *pKey){
  JsonPlan *pPlan = r->pPlan;
  JsonNode *pRoot = pPlan->pRoot;
  int nKey = pRoot->keyNames.n;
  sqlite3_stmt *pEach = pPlan->pKeyStmt;
  int rc, n = 0, bNull = 0;
  const char *zBad = 0;
  if( nKey==1 ){
    rc = sqlite3_bind_value(pRoot->pStmt, 1, pKey);
    if( rc!=SQLITE_OK ) jsonRunError(r, rc, 0);
    return rc;
  }
  if( sqlite3_value_type(pKey)!=SQLITE_TEXT ){
    int e = sqlite3_value_type(pKey);
    zBad = e==SQLITE_INTEGER ? "an integer" : e==SQLITE_FLOAT ? "a real" : "a blob";
  }else{
    sqlite3_bind_value(pEach, 1, pKey);
    while( (rc = sqlite3_step(pEach))==SQLITE_ROW ){
      const char *zTop = (const char*)sqlite3_column_text(pEach, 0);
      const char *zType = (const char*)sqlite3_column_text(pEach, 1);
      if( zTop==0 || strcmp(zTop, "array")!=0 ){ zBad = "not a JSON array"; break; }
      if( ++n>nKey ) break;
      if( zType && (strcmp(zType, "array")==0 || strcmp(zType, "object")==0) ){
        zBad = "not an array of scalars";
        break;
      }
      if( sqlite3_column_type(pEach, 2)==SQLITE_NULL ) bNull = 1;
      rc = sqlite3_bind_value(pRoot->pStmt, n, sqlite3_column_value(pEach, 2));
      if( rc!=SQLITE_OK ) break;
    }
    sqlite3_reset(pEach);
    sqlite3_clear_bindings(pEach);
    if( rc!=SQLITE_ROW && rc!=SQLITE_DONE && rc!=SQLITE_OK ){
      jsonRunError(r, rc, rc==SQLITE_NOMEM ? 0 :
                   sqlite3_mprintf("key: %s", sqlite3_errmsg(pPlan->db)));
      return rc;
    }
    if( zBad==0 && n!=nKey ) zBad = n==0 ? "not a JSON array" : "not of that many values";
  }
  if( zBad ){
    sqlite3_str *pStr = sqlite3_str_new(0);
    int i;
    sqlite3_str_appendf(pStr, "key: %s has a composite key (", pRoot->zTable);
    for(i=0; i<nKey; i++){
      sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", pRoot->keyNames.az[i]);
    }
    sqlite3_str_appendf(pStr, "): give a JSON array of its %d values", nKey);
    if( sqlite3_value_type(pKey)==SQLITE_TEXT ){
      sqlite3_str_appendf(pStr, ", not %Q (%s)", sqlite3_value_text(pKey), zBad);
    }else{
      sqlite3_str_appendf(pStr, ", not %s", zBad);
    }
    jsonRunError(r, SQLITE_ERROR, sqlite3_str_finish(pStr));
    return SQLITE_ERROR;
  }
  return bNull;
}

/* Runs a plan for one key: the document into *pzOut (NULL when there is no such row). */
static int jsonPlanRun(JsonPlan *pPlan, sqlite3_value *pKey, char **pzOut,
                       sqlite3_int64 *pnOut, char **pzErr){
  JsonRun r;
  JsonNode *pRoot = pPlan->pRoot;
  int rc;
  memset(&r, 0, sizeof(r));
  r.pPlan = pPlan;
  r.nMax = sqlite3_limit(pPlan->db, SQLITE_LIMIT_LENGTH, -1);
  *pzOut = 0;
  *pnOut = 0;
  rc = jsonBindKey(&r, pKey);
  if( rc==SQLITE_OK ){
    rc = sqlite3_step(pRoot->pStmt);
    if( rc==SQLITE_ROW ){
      /* One allocation for most documents: as large as the largest one so far. */
      jsonGrow(&r, pPlan->nHint);
      jsonEmitRow(&r, pRoot);
      if( r.rc==SQLITE_OK ){
        *pzOut = r.z;
        *pnOut = r.n;
        if( r.n>pPlan->nHint ) pPlan->nHint = r.n;
        r.z = 0;
      }
    }else if( rc!=SQLITE_DONE ){
      jsonStepError(&r, pRoot, rc);
    }
    sqlite3_reset(pRoot->pStmt);
  }
  sqlite3_free(r.z);
  *pzErr = r.zErr;
  return r.rc;
}

/* orm_json(model, key [, spec]) */
static void ormJsonFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_json";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zModel, *zSpec = 0;
  const int iAux = argc>2 ? 2 : 0;   /* the plan hangs on the spec, else on the model */
  JsonPlan *pPlan;
  int bNew = 0;
  char *zOut = 0, *zErr = 0;
  sqlite3_int64 nOut = 0;
  int rc;

  if( sqlormArgText(ctx, argv, 0, zFunc, "model", &zModel)
   || (argc>2 && sqlormArgText(ctx, argv, 2, zFunc, "spec", &zSpec)) ){
    return;
  }
  pPlan = (JsonPlan*)sqlite3_get_auxdata(ctx, iAux);
  if( pPlan && (pPlan->bBusy || strcmp(pPlan->zModel, zModel)!=0
                || (zSpec ? pPlan->zSpec==0 || strcmp(pPlan->zSpec, zSpec)!=0 : pPlan->zSpec!=0)) ){
    pPlan = 0;
  }
  if( pPlan==0 ){
    rc = jsonPlanCompile(db, zModel, zSpec, &pPlan, &zErr);
    if( rc!=SQLITE_OK ){
      sqlormResultError(ctx, zFunc, rc, zErr);
      return;
    }
    bNew = 1;
  }
  if( sqlite3_value_type(argv[1])==SQLITE_NULL ){
    sqlite3_result_null(ctx);
    rc = SQLITE_OK;
  }else{
    pPlan->bBusy = 1;
    rc = jsonPlanRun(pPlan, argv[1], &zOut, &nOut, &zErr);
    pPlan->bBusy = 0;
    if( rc!=SQLITE_OK ){
      if( rc==SQLITE_NOMEM || rc==SQLITE_TOOBIG ){
        if( rc==SQLITE_TOOBIG ) sqlite3_result_error_toobig(ctx);
        else sqlite3_result_error_nomem(ctx);
        sqlite3_free(zErr);
      }else{
        char *zMsg = sqlite3_mprintf("%s: %s", zFunc, zErr ? zErr : sqlite3_errstr(rc));
        sqlite3_result_error(ctx, zMsg ? zMsg : "out of memory", -1);
        sqlite3_result_error_code(ctx, rc);
        sqlite3_free(zMsg);
        sqlite3_free(zErr);
      }
    }else if( zOut ){
      sqlite3_result_text64(ctx, zOut, (sqlite3_uint64)nOut, sqlite3_free, SQLITE_UTF8);
      sqlite3_result_subtype(ctx, 'J');   /* JSON, as json() marks it */
    }else{
      sqlite3_result_null(ctx);
    }
  }
  if( bNew ){
    /* Kept while the argument is a constant of the calling statement, else freed when
    ** this call returns; freed at once if SQLite cannot keep it. */
    if( sqlite3_get_auxdata(ctx, iAux) && ((JsonPlan*)sqlite3_get_auxdata(ctx, iAux))->bBusy ){
      jsonPlanFree(pPlan);
    }else{
      sqlite3_set_auxdata(ctx, iAux, pPlan, jsonPlanFree);
    }
  }
}

int sqlormJsonRegister(sqlite3 *db){
  /* Reads only, but the same key can give another document later: not deterministic. */
#ifdef SQLITE_RESULT_SUBTYPE
  const int flags = SQLITE_UTF8|SQLITE_INNOCUOUS|SQLITE_RESULT_SUBTYPE;   /* 3.45 and later */
#else
  const int flags = SQLITE_UTF8|SQLITE_INNOCUOUS;
#endif
  int rc = sqlormCreateFunction(db, "orm_json", 2, flags, ormJsonFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_json", 3, flags, ormJsonFunc);
  }
  return rc;
}
