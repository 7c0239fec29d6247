/*
** journal.c: revisions of the migration journal, defined in SQL or loaded from a folder:
** orm_revision() and orm_migrations_dir().
**
** Usage:
**   SELECT orm_revision('a1', NULL, 'create users',
**          'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)', 'DROP TABLE users');
**   SELECT orm_revision('b2', 'a1', 'add email', 'ALTER TABLE users ADD COLUMN email TEXT',
**          'ALTER TABLE users DROP COLUMN email', '{"branch_labels":["core"]}');
**   SELECT orm_revision('m3', '["b2","x9"]', 'merge', '', NULL);   -- a merge revision
**   SELECT orm_migrations_dir('migrations');   -- *.sql files; returns how many revisions
**
** Files: sqlorm's own header comments (`-- revision: b2`, `-- down_revision: a1` (several:
** comma-separated; none: empty or None), `-- branch_labels:`, `-- depends_on:`,
** `-- description:`, then `-- upgrade` and `-- downgrade` sections); golang-migrate's
** `NNN_name.up.sql` / `NNN_name.down.sql`; dbmate's `NNN_name.sql` with `-- migrate:up` /
** `-- migrate:down`. Numbered files form one chain in version order.
**
** How it works: a revision is a row of orm_revisions with its SQL text and a checksum of it
** (FNV-1a, 64 bits, over the text with CRLF and CR read as LF, so a checkout on another
** system does not look changed). Defining a revision again with the same text changes
** nothing; with other text it is refused unless replaced on purpose (orm_migrations_dir
** replaces: the folder is the source). A folder is loaded whole or not at all, then the
** graph is checked: every down revision known, no cycle.
*/
#include "sqlorm.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORM_REV_REPLACE 0x01    /* a different definition replaces the stored one */
#define ORM_REV_DEFER   0x02    /* edges are checked by the caller, once all are in */

/* ---- checksums -------------------------------------------------------------------- */

static void checksumAdd(unsigned long long *pH, const char *z){
  unsigned long long h = *pH;
  int i;
  for(i=0; z && z[i]; i++){
    unsigned char c = (unsigned char)z[i];
    if( c=='\r' ){
      if( z[i+1]=='\n' ) continue;      /* CRLF reads as LF */
      c = '\n';                         /* so does a lone CR */
    }
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  *pH = h;
}

/* The checksum of a revision's text, as "fnv1a64:<16 hex digits>". */
char *sqlormChecksum(const char *zUp, const char *zDown){
  unsigned long long h = 0xcbf29ce484222325ULL;
  checksumAdd(&h, zUp);
  /* Separates the two texts, and a missing downgrade from an empty one. */
  checksumAdd(&h, zDown ? "\n-- downgrade\n" : "\n-- no downgrade\n");
  checksumAdd(&h, zDown);
  return sqlite3_mprintf("fnv1a64:%016llx", h);
}

/* ---- definitions ------------------------------------------------------------------- */

/* A revision id: not empty, no blanks, commas, quotes or '@', not '+N'/'-N', not a word
** the targets use. */
static int revIdError(const char *zId, char **pzErr){
  int i;
  if( zId[0]==0 ){
    *pzErr = sqlite3_mprintf("a revision id must not be empty");
    return SQLITE_ERROR;
  }
  for(i=0; zId[i]; i++){
    unsigned char c = (unsigned char)zId[i];
    if( c<=' ' || c==',' || c=='@' || c=='"' || c=='\'' || c=='[' || c==']' ){
      *pzErr = sqlite3_mprintf("revision id %s: no blanks, commas, quotes, brackets or @", zId);
      return SQLITE_ERROR;
    }
  }
  if( zId[0]=='+' || zId[0]=='-' || strcmp(zId, "head")==0 || strcmp(zId, "heads")==0
   || strcmp(zId, "base")==0 ){
    *pzErr = sqlite3_mprintf("revision id %s would read as a target (head, heads, base, "
                             "+N, -N)", zId);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

static char *revNamesJson(const OrmNames *p){
  sqlite3_str *pStr = sqlite3_str_new(0);
  sqlormNamesJson(pStr, p);
  return sqlite3_str_finish(pStr);
}

/* Defines revision zRev (or finds it defined the same). pDown: its down revisions (none:
** a base); pLabels, pDeps: branch labels and depends_on. */
int sqlormRevisionAdd(sqlite3 *db, const char *zRev, const OrmNames *pDown,
                      const char *zDesc, const char *zUp, const char *zDown,
                      const OrmNames *pLabels, const OrmNames *pDeps, const char *zSource,
                      int flags, char **pzErr){
  char *zSum = 0, *zDownJ = 0, *zLabelsJ = 0, *zDepsJ = 0, *zTry = 0;
  OrmNames old = {0, 0}, oldSum = {0, 0};
  int rc = revIdError(zRev, pzErr);
  int i, j;
  for(i=0; rc==SQLITE_OK && i<pDown->n + pDeps->n; i++){
    const char *z = i<pDown->n ? pDown->az[i] : pDeps->az[i - pDown->n];
    rc = revIdError(z, pzErr);
    if( rc==SQLITE_OK && strcmp(z, zRev)==0 ){
      *pzErr = sqlite3_mprintf("revision %s cannot revise or depend on itself", zRev);
      rc = SQLITE_ERROR;
    }
    for(j=0; rc==SQLITE_OK && j<i; j++){
      const char *z2 = j<pDown->n ? pDown->az[j] : pDeps->az[j - pDown->n];
      if( strcmp(z, z2)==0 ){
        *pzErr = sqlite3_mprintf("revision %s names %s twice", zRev, z);
        rc = SQLITE_ERROR;
      }
    }
  }
  if( rc==SQLITE_OK ){
    /* Complete SQL only: an unterminated string or trigger body would swallow what the
    ** journal adds after it in offline scripts. The newline ends a trailing comment. */
    zTry = sqlite3_mprintf("%s\n;", zUp);
    if( zTry==0 ){
      rc = SQLITE_NOMEM;
    }else if( !sqlite3_complete(zTry) ){
      *pzErr = sqlite3_mprintf("upgrade SQL of revision %s is not complete SQL (an "
                               "unterminated string, comment or trigger body?)", zRev);
      rc = SQLITE_ERROR;
    }
    sqlite3_free(zTry);
    zTry = zDown ? sqlite3_mprintf("%s\n;", zDown) : 0;
    if( rc==SQLITE_OK && zDown && zTry==0 ) rc = SQLITE_NOMEM;
    if( rc==SQLITE_OK && zTry && !sqlite3_complete(zTry) ){
      *pzErr = sqlite3_mprintf("downgrade SQL of revision %s is not complete SQL (an "
                               "unterminated string, comment or trigger body?)", zRev);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK ){
    zSum = sqlormChecksum(zUp, zDown);
    zDownJ = revNamesJson(pDown);
    zLabelsJ = revNamesJson(pLabels);
    zDepsJ = revNamesJson(pDeps);
    if( zSum==0 || zDownJ==0 || zLabelsJ==0 || zDepsJ==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK && !(flags & ORM_REV_DEFER) ){
    for(i=0; rc==SQLITE_OK && i<pDown->n + pDeps->n; i++){
      const char *z = i<pDown->n ? pDown->az[i] : pDeps->az[i - pDown->n];
      OrmNames found = {0, 0};
      rc = sqlormQueryNames(db, "SELECT revision FROM main.orm_revisions WHERE revision=?1 "
                            "UNION SELECT revision FROM main.orm_journal WHERE revision=?1",
                            z, &found, 0);
      if( rc==SQLITE_OK && found.n==0 ){
        *pzErr = sqlite3_mprintf("revision %s %s %s, which is not defined", zRev,
                                 i<pDown->n ? "revises" : "depends on", z);
        rc = SQLITE_ERROR;
      }
      sqlormNamesClear(&found);
    }
  }
  for(i=0; rc==SQLITE_OK && i<pLabels->n; i++){
    OrmNames found = {0, 0};
    rc = sqlormQueryNames(db, "SELECT r.revision FROM main.orm_revisions r, "
        "json_each(r.branch_labels) l WHERE l.value = ?1 UNION SELECT revision FROM "
        "main.orm_revisions WHERE revision = ?1", pLabels->az[i], &found, 0);
    for(j=0; rc==SQLITE_OK && j<found.n; j++){
      if( strcmp(found.az[j], zRev)!=0 ){
        *pzErr = sqlite3_mprintf("branch label %s of revision %s is taken by revision %s",
                                 pLabels->az[i], zRev, found.az[j]);
        rc = SQLITE_ERROR;
      }
    }
    sqlormNamesClear(&found);
  }
  if( rc==SQLITE_OK ){
    /* Already defined? The same definition is no change at all. */
    rc = sqlormQueryNames(db, "SELECT revision, checksum FROM main.orm_revisions "
        "WHERE revision=?1", zRev, &old, &oldSum);
  }
  if( rc==SQLITE_OK && old.n ){
    {
      /* The stored definition, field by field. */
      sqlite3_stmt *pCmp = 0;
      rc = sqlite3_prepare_v2(db, "SELECT down_revisions = ?2 AND branch_labels = ?3 AND "
          "depends_on = ?4 AND coalesce(description, '') = coalesce(?5, '') AND checksum = ?6 "
          "FROM main.orm_revisions WHERE revision = ?1", -1, &pCmp, 0);
      if( rc==SQLITE_OK ){
        sqlite3_bind_text(pCmp, 1, zRev, -1, SQLITE_STATIC);
        sqlite3_bind_text(pCmp, 2, zDownJ, -1, SQLITE_STATIC);
        sqlite3_bind_text(pCmp, 3, zLabelsJ, -1, SQLITE_STATIC);
        sqlite3_bind_text(pCmp, 4, zDepsJ, -1, SQLITE_STATIC);
        sqlite3_bind_text(pCmp, 5, zDesc, -1, SQLITE_STATIC);
        sqlite3_bind_text(pCmp, 6, zSum, -1, SQLITE_STATIC);
        rc = sqlite3_step(pCmp);
        if( rc==SQLITE_ROW && sqlite3_column_int(pCmp, 0) ){
          rc = SQLITE_DONE;             /* the same definition: nothing to do */
        }else if( rc==SQLITE_ROW && !(flags & ORM_REV_REPLACE) ){
          *pzErr = sqlite3_mprintf("revision %s is already defined differently: pass "
              "'{\"replace\":true}' to replace its definition (an applied revision keeps "
              "the text it ran with in the journal; orm_check reports the difference)", zRev);
          rc = SQLITE_ERROR;
        }else if( rc==SQLITE_ROW ){
          rc = SQLITE_OK;
        }
      }
      sqlite3_finalize(pCmp);
    }
    if( rc==SQLITE_OK ){
      rc = sqlormExec(db, pzErr, "UPDATE main.orm_revisions SET down_revisions=%Q, "
          "branch_labels=%Q, depends_on=%Q, description=%Q, upgrade_sql=%Q, downgrade_sql=%Q, "
          "checksum=%Q, source=%Q WHERE revision=%Q", zDownJ, zLabelsJ, zDepsJ, zDesc, zUp,
          zDown, zSum, zSource, zRev);
    }
    if( rc==SQLITE_OK && !(flags & ORM_REV_DEFER) ){
      /* New edges of an old revision could close a cycle. */
      OrmGraph g;
      int iRev = -1;
      rc = sqlormGraphLoad(db, &g, pzErr);
      if( rc==SQLITE_OK && sqlormGraphHasCycle(&g, &iRev)>0 ){
        *pzErr = sqlite3_mprintf("revision %s would make a cycle in the revision graph "
                                 "(through %s)", zRev, g.a[iRev].zId);
        rc = SQLITE_ERROR;
      }
      sqlormGraphClear(&g);
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }else if( rc==SQLITE_OK ){
    rc = sqlormExec(db, pzErr, "INSERT INTO main.orm_revisions(revision, down_revisions, "
        "branch_labels, depends_on, description, upgrade_sql, downgrade_sql, checksum, source) "
        "VALUES (%Q, %Q, %Q, %Q, %Q, %Q, %Q, %Q, %Q)", zRev, zDownJ, zLabelsJ, zDepsJ, zDesc,
        zUp, zDown, zSum, zSource);
  }
  sqlormNamesClear(&old);
  sqlormNamesClear(&oldSum);
  sqlite3_free(zTry);
  sqlite3_free(zSum);
  sqlite3_free(zDownJ);
  sqlite3_free(zLabelsJ);
  sqlite3_free(zDepsJ);
  return rc;
}

/* A list of revision ids given as NULL (none), a JSON array of strings, or text with
** comma-separated ids ("None" alone is none, as Alembic writes it). */
static int revParseList(sqlite3 *db, const char *z, const char *zWhat, OrmNames *p,
                        char **pzErr){
  int rc = SQLITE_OK;
  const char *zS;
  if( z==0 ) return SQLITE_OK;
  while( *z==' ' || *z=='\t' ) z++;
  if( z[0]=='[' ){
    rc = sqlormNamesFromJson(db, z, p, pzErr);
    if( rc==SQLITE_ERROR ){
      sqlite3_free(*pzErr);
      *pzErr = sqlite3_mprintf("%s must be an id, ids separated by commas, or a JSON array of "
                               "ids: %s", zWhat, z);
    }
    return rc;
  }
  if( sqlite3_stricmp(z, "None")==0 ) return SQLITE_OK;
  zS = z;
  while( rc==SQLITE_OK && *zS ){
    const char *zE = strchr(zS, ',');
    int n = zE ? (int)(zE - zS) : (int)strlen(zS);
    while( n>0 && (zS[0]==' ' || zS[0]=='\t' || zS[0]=='(' || zS[0]=='\'' || zS[0]=='"') ){
      zS++; n--;
    }
    while( n>0 && (zS[n-1]==' ' || zS[n-1]=='\t' || zS[n-1]=='\r' || zS[n-1]==')'
                   || zS[n-1]=='\'' || zS[n-1]=='"') ) n--;
    if( n>0 ){
      char *zId = sqlite3_mprintf("%.*s", n, zS);
      rc = zId ? sqlormNamesAdd(p, zId) : SQLITE_NOMEM;
      sqlite3_free(zId);
    }
    zS = zE ? zE+1 : zS + strlen(zS);
  }
  return rc;
}

/* orm_revision(rev, down, description, upgrade_sql, downgrade_sql [, options]): defines a
** revision; returns its id. Options: branch_labels, depends_on (an id or a list), replace. */
static void ormRevisionFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_revision";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zRev, *zUp, *zDesc = 0, *zDown = 0, *zDownRevs = 0, *zOpts = 0;
  OrmNames down = {0, 0}, labels = {0, 0}, deps = {0, 0};
  char *zErr = 0, *zOut = 0;
  int rc, flags = 0;
  if( sqlormArgText(ctx, argv, 0, zFunc, "rev", &zRev)
   || (sqlite3_value_type(argv[1])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 1, zFunc, "down", &zDownRevs))
   || (sqlite3_value_type(argv[2])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 2, zFunc, "description", &zDesc))
   || sqlormArgText(ctx, argv, 3, zFunc, "upgrade_sql", &zUp)
   || (sqlite3_value_type(argv[4])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 4, zFunc, "downgrade_sql", &zDown))
   || (argc>5 && sqlite3_value_type(argv[5])!=SQLITE_NULL
       && sqlormArgText(ctx, argv, 5, zFunc, "options", &zOpts)) ){
    return;
  }
  rc = sqlormSavepointBegin(db, &zErr);
  if( rc==SQLITE_OK ) rc = revParseList(db, zDownRevs, "down", &down, &zErr);
  if( rc==SQLITE_OK && zOpts ){
    OrmNames keys = {0, 0}, vals = {0, 0};
    int i;
    rc = sqlormOptionsRead(db, zOpts, &keys, &vals, &zErr);
    for(i=0; rc==SQLITE_OK && i<keys.n; i++){
      if( strcmp(keys.az[i], "branch_labels")==0 ){
        rc = revParseList(db, vals.az[i], "branch_labels", &labels, &zErr);
      }else if( strcmp(keys.az[i], "depends_on")==0 ){
        rc = revParseList(db, vals.az[i], "depends_on", &deps, &zErr);
      }else if( strcmp(keys.az[i], "replace")==0 ){
        if( vals.az[i]==0 || (strcmp(vals.az[i], "1")!=0 && strcmp(vals.az[i], "0")!=0) ){
          zErr = sqlite3_mprintf("option replace must be true or false");
          rc = SQLITE_ERROR;
        }else if( vals.az[i][0]=='1' ){
          flags |= ORM_REV_REPLACE;
        }
      }else{
        zErr = sqlite3_mprintf("unknown option %s (known: branch_labels, depends_on, replace)",
                               keys.az[i]);
        rc = SQLITE_ERROR;
      }
    }
    sqlormNamesClear(&keys);
    sqlormNamesClear(&vals);
  }
  if( rc==SQLITE_OK ){
    rc = sqlormRevisionAdd(db, zRev, &down, zDesc, zUp, zDown, &labels, &deps, 0, flags, &zErr);
  }
  /* The result is made before the savepoint is released: no allocation after it. */
  if( rc==SQLITE_OK ){
    zOut = sqlite3_mprintf("%s", zRev);
    if( zOut==0 ) rc = SQLITE_NOMEM;
  }
  sqlormSavepointResult(ctx, zFunc, rc, zErr, &zOut);
  sqlite3_free(zOut);
  sqlormNamesClear(&down);
  sqlormNamesClear(&labels);
  sqlormNamesClear(&deps);
}

/* ---- files ------------------------------------------------------------------------- */

/* A file's whole text (at most 64 MB). */
static int revReadFile(const char *zPath, char **pzText, char **pzErr){
  FILE *f = fopen(zPath, "rb");
  char *z = 0;
  long n;
  *pzText = 0;
  if( f==0 ){
    *pzErr = sqlite3_mprintf("cannot read %s", zPath);
    return SQLITE_ERROR;
  }
  if( fseek(f, 0, SEEK_END)!=0 || (n = ftell(f))<0 || n>64*1024*1024 || fseek(f, 0, SEEK_SET)!=0 ){
    fclose(f);
    *pzErr = sqlite3_mprintf("cannot read %s (or it is over 64 MB)", zPath);
    return SQLITE_ERROR;
  }
  z = sqlite3_malloc64(n+1);
  if( z==0 ){
    fclose(f);
    return SQLITE_NOMEM;
  }
  if( n>0 && fread(z, 1, n, f)!=(size_t)n ){
    fclose(f);
    sqlite3_free(z);
    *pzErr = sqlite3_mprintf("cannot read %s", zPath);
    return SQLITE_ERROR;
  }
  fclose(f);
  z[n] = 0;
  if( (long)strlen(z)!=n ){
    sqlite3_free(z);
    *pzErr = sqlite3_mprintf("%s holds a NUL byte: not SQL text", zPath);
    return SQLITE_ERROR;
  }
  *pzText = z;
  return SQLITE_OK;
}

/* A revision read from a file, before it is defined. */
typedef struct RevFile RevFile;
struct RevFile {
  char *zFile;                  /* the file (for golang-migrate: the .up.sql one) */
  char *zId, *zDesc, *zUp, *zDown;
  char *zDownRevs, *zLabels, *zDeps;
  int bNumbered;                /* golang-migrate or dbmate: chained by version */
};

static void revFileClear(RevFile *p){
  sqlite3_free(p->zFile);
  sqlite3_free(p->zId);
  sqlite3_free(p->zDesc);
  sqlite3_free(p->zUp);
  sqlite3_free(p->zDown);
  sqlite3_free(p->zDownRevs);
  sqlite3_free(p->zLabels);
  sqlite3_free(p->zDeps);
  memset(p, 0, sizeof(*p));
}

/* Whether line z (up to its newline) is the comment "-- <zWord>", blanks and a trailing
** colon aside, without regard to case. */
static int revIsMarker(const char *z, const char *zWord){
  int n = (int)strlen(zWord);
  while( *z==' ' || *z=='\t' ) z++;
  if( z[0]!='-' || z[1]!='-' ) return 0;
  z += 2;
  while( *z==' ' || *z=='\t' ) z++;
  if( sqlite3_strnicmp(z, zWord, n)!=0 ) return 0;
  z += n;
  if( *z==':' ) z++;
  while( *z==' ' || *z=='\t' || *z=='\r' ) z++;
  return *z=='\n' || *z==0;
}

/* If line z is the header comment "-- <key>: value" for one of the keys, the value. */
static char *revHeader(const char *z, const char *zKey){
  int n = (int)strlen(zKey), m;
  while( *z==' ' || *z=='\t' ) z++;
  if( z[0]!='-' || z[1]!='-' ) return 0;
  z += 2;
  while( *z==' ' || *z=='\t' ) z++;
  if( sqlite3_strnicmp(z, zKey, n)!=0 ) return 0;
  z += n;
  while( *z==' ' || *z=='\t' ) z++;
  if( *z!=':' ) return 0;
  z++;
  while( *z==' ' || *z=='\t' ) z++;
  for(m=0; z[m] && z[m]!='\n'; m++){}
  while( m>0 && (z[m-1]=='\r' || z[m-1]==' ' || z[m-1]=='\t') ) m--;
  return sqlite3_mprintf("%.*s", m, z);
}

/* Splits zText at its section markers: the text after zUpMark up to zDownMark (or the end)
** and after zDownMark. Lines before zUpMark are the header (read by the caller). */
static int revSections(const char *zText, const char *zUpMark, const char *zDownMark,
                       char **pzUp, char **pzDown){
  const char *z = zText, *zUp = 0, *zUpEnd = 0, *zDown = 0;
  *pzUp = *pzDown = 0;
  while( *z ){
    const char *zNext = strchr(z, '\n');
    zNext = zNext ? zNext+1 : z + strlen(z);
    if( zUp==0 && revIsMarker(z, zUpMark) ){
      zUp = zNext;
    }else if( zUp && zDown==0 && revIsMarker(z, zDownMark) ){
      zUpEnd = z;
      zDown = zNext;
    }
    z = zNext;
  }
  if( zUp==0 ) return SQLITE_OK;
  *pzUp = sqlite3_mprintf("%.*s", (int)((zUpEnd ? zUpEnd : z) - zUp), zUp);
  if( zDown ) *pzDown = sqlite3_mprintf("%s", zDown);
  return (*pzUp==0 || (zDown && *pzDown==0)) ? SQLITE_NOMEM : SQLITE_OK;
}

/* Reads one file in sqlorm's own format (or dbmate's, when bDbmate) into p. */
static int revParseFile(const char *zFile, const char *zText, int bDbmate, RevFile *p,
                        char **pzErr){
  const char *z;
  int rc = revSections(zText, bDbmate ? "migrate:up" : "upgrade",
                       bDbmate ? "migrate:down" : "downgrade", &p->zUp, &p->zDown);
  if( rc!=SQLITE_OK || bDbmate ) return rc;
  for(z=zText; *z && rc==SQLITE_OK; ){
    const char *zNext = strchr(z, '\n');
    char *zVal;
    if( revIsMarker(z, "upgrade") ) break;
    if( (zVal = revHeader(z, "revision id"))!=0 || (zVal = revHeader(z, "revision"))!=0 ){
      sqlite3_free(p->zId); p->zId = zVal;
    }else if( (zVal = revHeader(z, "down_revisions"))!=0 || (zVal = revHeader(z, "down_revision"))!=0
           || (zVal = revHeader(z, "revises"))!=0 ){
      sqlite3_free(p->zDownRevs); p->zDownRevs = zVal;
    }else if( (zVal = revHeader(z, "branch_labels"))!=0 ){
      sqlite3_free(p->zLabels); p->zLabels = zVal;
    }else if( (zVal = revHeader(z, "depends_on"))!=0 ){
      sqlite3_free(p->zDeps); p->zDeps = zVal;
    }else if( (zVal = revHeader(z, "description"))!=0 || (zVal = revHeader(z, "message"))!=0 ){
      sqlite3_free(p->zDesc); p->zDesc = zVal;
    }
    z = zNext ? zNext+1 : z + strlen(z);
  }
  if( p->zId==0 || p->zId[0]==0 ){
    *pzErr = sqlite3_mprintf("%s: no '-- revision: <id>' header (nor is it a golang-migrate "
        "NNN_name.up.sql / .down.sql file or a dbmate NNN_name.sql file with -- migrate:up)",
        zFile);
    return SQLITE_ERROR;
  }
  if( p->zUp==0 ){
    *pzErr = sqlite3_mprintf("%s: no '-- upgrade' section", zFile);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* The length of the leading digits of z. */
static int revDigits(const char *z){
  int n = 0;
  while( z[n]>='0' && z[n]<='9' ) n++;
  return n;
}

/* Orders numbered revisions by version as numbers (leading zeros aside). */
static int revCmpVersion(const void *pA, const void *pB){
  const RevFile *a = (const RevFile*)pA, *b = (const RevFile*)pB;
  const char *za = a->zId, *zb = b->zId;
  int na, nb;
  while( *za=='0' && za[1] ) za++;
  while( *zb=='0' && zb[1] ) zb++;
  na = (int)strlen(za);
  nb = (int)strlen(zb);
  if( na!=nb ) return na<nb ? -1 : 1;
  return strcmp(za, zb);
}

static int revCmpName(const void *pA, const void *pB){
  return strcmp(*(char*const*)pA, *(char*const*)pB);
}

/* A description from a file name's words: "add_users_email" -> "add users email". */
static char *revWords(const char *z, int n){
  char *zOut = sqlite3_mprintf("%.*s", n, z);
  int i;
  for(i=0; zOut && zOut[i]; i++) if( zOut[i]=='_' ) zOut[i] = ' ';
  return zOut;
}

/* Reads the folder into *paRev (sqlite3_malloc'd, *pnRev entries). */
static int revReadDir(const char *zDir, RevFile **paRev, int *pnRev, char **pzErr){
  DIR *d = opendir(zDir);
  struct dirent *e;
  char **azName = 0;
  int nName = 0, i, rc = SQLITE_OK, nRev = 0;
  RevFile *aRev = 0;
  *paRev = 0;
  *pnRev = 0;
  if( d==0 ){
    *pzErr = sqlite3_mprintf("cannot open the folder %s", zDir);
    return SQLITE_ERROR;
  }
  while( rc==SQLITE_OK && (e = readdir(d))!=0 ){
    int n = (int)strlen(e->d_name);
    if( n<5 || strcmp(e->d_name+n-4, ".sql")!=0 || e->d_name[0]=='.' ) continue;
    if( (nName & (nName-1))==0 ){
      char **a = sqlite3_realloc64(azName, sizeof(char*)*(nName ? nName*2 : 8));
      if( a==0 ){ rc = SQLITE_NOMEM; break; }
      azName = a;
    }
    azName[nName] = sqlite3_mprintf("%s", e->d_name);
    if( azName[nName]==0 ){ rc = SQLITE_NOMEM; break; }
    nName++;
  }
  closedir(d);
  if( rc==SQLITE_OK && nName ){
    qsort(azName, nName, sizeof(char*), revCmpName);
    aRev = sqlite3_malloc64(sizeof(RevFile)*nName);
    if( aRev==0 ) rc = SQLITE_NOMEM; else memset(aRev, 0, sizeof(RevFile)*nName);
  }
  for(i=0; rc==SQLITE_OK && i<nName; i++){
    const char *zName = azName[i];
    int n = (int)strlen(zName), nDig = revDigits(zName);
    char *zPath = sqlite3_mprintf("%s/%s", zDir, zName), *zText = 0;
    int bUp = n>7 && strcmp(zName+n-7, ".up.sql")==0;
    int bDownFile = n>9 && strcmp(zName+n-9, ".down.sql")==0;
    RevFile *p;
    if( zPath==0 ){ rc = SQLITE_NOMEM; break; }
    rc = revReadFile(zPath, &zText, pzErr);
    if( rc==SQLITE_OK && nDig>0 && zName[nDig]=='_' && (bUp || bDownFile) ){
      /* golang-migrate: NNN_name.up.sql and NNN_name.down.sql make one revision. */
      int k, nStem = n - (bUp ? 7 : 9);
      for(k=0; k<nRev; k++){
        if( aRev[k].bNumbered==2 && (int)strlen(aRev[k].zId)==nDig
         && strncmp(aRev[k].zId, zName, nDig)==0 ) break;
      }
      p = &aRev[k];
      if( k==nRev ){
        nRev++;
        p->bNumbered = 2;
        p->zId = sqlite3_mprintf("%.*s", nDig, zName);
        p->zDesc = revWords(zName+nDig+1, nStem-nDig-1);
        if( p->zId==0 || p->zDesc==0 ) rc = SQLITE_NOMEM;
      }
      if( rc==SQLITE_OK && (bUp ? p->zUp : p->zDown)!=0 ){
        *pzErr = sqlite3_mprintf("%s: a second %s file for version %s", zPath,
                                 bUp ? ".up.sql" : ".down.sql", p->zId);
        rc = SQLITE_ERROR;
      }
      if( rc==SQLITE_OK ){
        if( bUp ){
          p->zUp = zText;
          sqlite3_free(p->zFile);
          p->zFile = zPath;
        }else{
          p->zDown = zText;
          if( p->zFile==0 ) p->zFile = zPath; else sqlite3_free(zPath);
        }
        zText = 0;
        zPath = 0;
      }
    }else if( rc==SQLITE_OK && nDig>0 && zName[nDig]=='_' && strstr(zText, "migrate:up") ){
      /* dbmate: NNN_name.sql with -- migrate:up / -- migrate:down sections. */
      p = &aRev[nRev++];
      p->bNumbered = 1;
      p->zFile = zPath;
      zPath = 0;
      p->zId = sqlite3_mprintf("%.*s", nDig, zName);
      p->zDesc = revWords(zName+nDig+1, n-nDig-5);
      if( p->zId==0 || p->zDesc==0 ) rc = SQLITE_NOMEM;
      if( rc==SQLITE_OK ) rc = revParseFile(p->zFile, zText, 1, p, pzErr);
      if( rc==SQLITE_OK && p->zUp==0 ){
        *pzErr = sqlite3_mprintf("%s: no '-- migrate:up' line", p->zFile);
        rc = SQLITE_ERROR;
      }
    }else if( rc==SQLITE_OK ){
      p = &aRev[nRev++];
      p->zFile = zPath;
      zPath = 0;
      rc = revParseFile(p->zFile, zText, 0, p, pzErr);
    }
    sqlite3_free(zPath);
    sqlite3_free(zText);
  }
  for(i=0; i<nName; i++) sqlite3_free(azName[i]);
  sqlite3_free(azName);
  if( rc==SQLITE_OK ){
    /* Numbered revisions: one chain in version order. */
    int iPrev = -1, k;
    RevFile *aNum = aRev;
    int nNum = 0;
    for(k=0; k<nRev; k++){
      if( aRev[k].bNumbered ){
        RevFile t = aRev[nNum]; aRev[nNum] = aRev[k]; aRev[k] = t;
        nNum++;
      }
    }
    if( nNum ) qsort(aNum, nNum, sizeof(RevFile), revCmpVersion);
    for(k=0; rc==SQLITE_OK && k<nNum; k++){
      if( aNum[k].zUp==0 ){
        *pzErr = sqlite3_mprintf("%s: version %s has a .down.sql file and no .up.sql file",
                                 aNum[k].zFile, aNum[k].zId);
        rc = SQLITE_ERROR;
      }
      if( rc==SQLITE_OK && iPrev>=0 ){
        aNum[k].zDownRevs = sqlite3_mprintf("%s", aNum[iPrev].zId);
        if( aNum[k].zDownRevs==0 ) rc = SQLITE_NOMEM;
      }
      iPrev = k;
    }
  }
  if( rc!=SQLITE_OK ){
    for(i=0; i<nRev; i++) revFileClear(&aRev[i]);
    sqlite3_free(aRev);
    return rc;
  }
  *paRev = aRev;
  *pnRev = nRev;
  return SQLITE_OK;
}

/* orm_migrations_dir(path): defines every revision of the folder's .sql files (again:
** the files win over earlier definitions); returns how many. */
static void ormMigrationsDirFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  static const char zFunc[] = "orm_migrations_dir";
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zDir;
  RevFile *aRev = 0;
  int nRev = 0, i, j, rc;
  char *zErr = 0;
  (void)argc;
  if( sqlormArgText(ctx, argv, 0, zFunc, "path", &zDir) ) return;
  rc = revReadDir(zDir, &aRev, &nRev, &zErr);
  for(i=0; rc==SQLITE_OK && i<nRev; i++){
    for(j=0; j<i; j++){
      if( strcmp(aRev[i].zId, aRev[j].zId)==0 ){
        zErr = sqlite3_mprintf("revision %s is defined twice: in %s and in %s", aRev[i].zId,
                               aRev[j].zFile, aRev[i].zFile);
        rc = SQLITE_ERROR;
        break;
      }
    }
  }
  if( rc!=SQLITE_OK ){
    sqlormResultError(ctx, zFunc, rc, zErr);
    for(i=0; i<nRev; i++) revFileClear(&aRev[i]);
    sqlite3_free(aRev);
    return;
  }
  rc = sqlormSavepointBegin(db, &zErr);
  for(i=0; rc==SQLITE_OK && i<nRev; i++){
    RevFile *p = &aRev[i];
    OrmNames down = {0, 0}, labels = {0, 0}, deps = {0, 0};
    char *zWhat = sqlite3_mprintf("%s: down_revision", p->zFile);
    rc = zWhat ? revParseList(db, p->zDownRevs, zWhat, &down, &zErr) : SQLITE_NOMEM;
    if( rc==SQLITE_OK ) rc = revParseList(db, p->zLabels, zWhat, &labels, &zErr);
    if( rc==SQLITE_OK ) rc = revParseList(db, p->zDeps, zWhat, &deps, &zErr);
    if( rc==SQLITE_OK ){
      rc = sqlormRevisionAdd(db, p->zId, &down, p->zDesc, p->zUp, p->zDown, &labels, &deps,
                             p->zFile, ORM_REV_REPLACE|ORM_REV_DEFER, &zErr);
      if( rc==SQLITE_ERROR && zErr ){
        char *z = sqlite3_mprintf("%s: %s", p->zFile, zErr);
        sqlite3_free(zErr);
        zErr = z;
      }
    }
    sqlite3_free(zWhat);
    sqlormNamesClear(&down);
    sqlormNamesClear(&labels);
    sqlormNamesClear(&deps);
  }
  if( rc==SQLITE_OK ){
    /* All in: every edge known, no cycle. */
    OrmGraph g;
    int iRev = -1;
    rc = sqlormGraphLoad(db, &g, &zErr);
    if( rc==SQLITE_OK && sqlormGraphHasCycle(&g, &iRev)>0 ){
      zErr = sqlite3_mprintf("the revisions of %s make a cycle (through %s)", zDir,
                             g.a[iRev].zId);
      rc = SQLITE_ERROR;
    }
    sqlormGraphClear(&g);
  }
  rc = sqlormSavepointEnd(db, rc, &zErr);
  if( rc==SQLITE_OK ){
    sqlite3_result_int(ctx, nRev);
  }else{
    sqlormResultError(ctx, zFunc, rc, zErr);
  }
  for(i=0; i<nRev; i++) revFileClear(&aRev[i]);
  sqlite3_free(aRev);
}

int sqlormJournalRegister(sqlite3 *db){
  const int flags = SQLITE_UTF8|SQLITE_DIRECTONLY;
  int rc = sqlormCreateFunction(db, "orm_revision", 5, flags, ormRevisionFunc);
  if( rc==SQLITE_OK ) rc = sqlormCreateFunction(db, "orm_revision", 6, flags, ormRevisionFunc);
  if( rc==SQLITE_OK ){
    rc = sqlormCreateFunction(db, "orm_migrations_dir", 1, flags, ormMigrationsDirFunc);
  }
  return rc;
}
