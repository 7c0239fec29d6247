/*
** sqlregress.c: the SQL regression runner, in the manner of pg_regress.
**
** Usage:
**   tests/sqlregress [--module PATH] [--accept] sql/NAME.sql
**
** Runs sql/NAME.sql against a fresh database (sql/results/NAME.db, in the build tree) with
** the module loaded, writes what it saw to sql/results/NAME.out, and compares that with
** sql/expected/NAME.out (beside the .sql file); on a difference it prints `diff -u` and
** exits 1. --accept copies the result over the expected file (review it first).
**
** The output echoes each statement as written (comments included), then its rows as
** "a | b" lines under a header and a "(N rows)" line, or "ERROR: message". Values print
** as SQLite's own text: NULL as NULL, reals with %!.15g, blobs as X'..'. Its format is the
** project's own, so it does not change with the sqlite3 shell's version.
**
** Directives, on a line of their own between statements:
**   .reopen          close the database and open it again with the module loaded
**   .reopen-plain    open it again without the module (what another host sees)
**   .reopen-readonly open it read-only with the module loaded
** Parameters bound in every statement that names them: $dir (the results directory, for
** files a test creates), $sqldir (the script's own folder, for fixtures beside it; printed
** back as "$sqldir" so that outputs do not depend on where the tree is) and $module (the
** module's path).
** Exit codes as automake expects: 0 pass, 1 fail, 99 hard error.
*/
#include <sqlite3.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct Regress Regress;
struct Regress {
  sqlite3 *db;
  const char *zModule;    /* path of the module to load */
  char *zDbPath;          /* the test's database */
  char *zDir;             /* absolute results directory, bound as $dir */
  char *zSqlDir;          /* absolute folder of the script, bound as $sqldir */
  FILE *out;              /* the results file */
};

static void die(const char *zMsg, const char *zArg){
  fprintf(stderr, "sqlregress: %s%s%s\n", zMsg, zArg ? ": " : "", zArg ? zArg : "");
  exit(99);
}

static char *readFile(const char *zPath){
  FILE *f = fopen(zPath, "rb");
  char *z;
  long n;
  if( f==0 ) return 0;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  z = malloc(n+1);
  if( z==0 || fread(z, 1, n, f)!=(size_t)n ) die("cannot read", zPath);
  z[n] = 0;
  fclose(f);
  return z;
}

/* Opens the test database; flags choose read-only, bLoad whether the module is loaded. */
static void regressOpen(Regress *p, int flags, int bLoad){
  char *zErr = 0;
  if( p->db ) sqlite3_close(p->db);
  p->db = 0;
  if( sqlite3_open_v2(p->zDbPath, &p->db, flags, 0)!=SQLITE_OK ){
    die("cannot open", sqlite3_errmsg(p->db));
  }
  if( !bLoad ) return;
  sqlite3_db_config(p->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int*)0);
  if( sqlite3_load_extension(p->db, p->zModule, 0, &zErr)!=SQLITE_OK ){
    fprintf(p->out, "ERROR: cannot load the module: %s\n", zErr ? zErr : "?");
    sqlite3_free(zErr);
  }
  sqlite3_db_config(p->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int*)0);
}

/* Prints z with the script's folder written as $sqldir. */
static void putMasked(Regress *p, const char *z, FILE *out){
  size_t n = p->zSqlDir ? strlen(p->zSqlDir) : 0;
  const char *zHit;
  while( n>0 && (zHit = strstr(z, p->zSqlDir))!=0 ){
    fwrite(z, 1, zHit - z, out);
    fputs("$sqldir", out);
    z = zHit + n;
  }
  fputs(z, out);
}

static void printValue(Regress *p, FILE *out, sqlite3_stmt *pStmt, int i){
  switch( sqlite3_column_type(pStmt, i) ){
    case SQLITE_NULL:
      fputs("NULL", out);
      break;
    case SQLITE_INTEGER:
      fprintf(out, "%lld", sqlite3_column_int64(pStmt, i));
      break;
    case SQLITE_FLOAT: {
      char *z = sqlite3_mprintf("%!.15g", sqlite3_column_double(pStmt, i));
      fputs(z, out);
      sqlite3_free(z);
      break;
    }
    case SQLITE_BLOB: {
      const unsigned char *a = sqlite3_column_blob(pStmt, i);
      int n = sqlite3_column_bytes(pStmt, i);
      int j;
      fputs("X'", out);
      for(j=0; j<n; j++) fprintf(out, "%02X", a[j]);
      fputs("'", out);
      break;
    }
    default:
      putMasked(p, (const char*)sqlite3_column_text(pStmt, i), out);
      break;
  }
}

static void bindParameters(Regress *p, sqlite3_stmt *pStmt){
  int i;
  for(i=1; i<=sqlite3_bind_parameter_count(pStmt); i++){
    const char *zName = sqlite3_bind_parameter_name(pStmt, i);
    if( zName==0 ) continue;
    if( strcmp(zName, "$dir")==0 ){
      sqlite3_bind_text(pStmt, i, p->zDir, -1, SQLITE_STATIC);
    }else if( strcmp(zName, "$sqldir")==0 ){
      sqlite3_bind_text(pStmt, i, p->zSqlDir, -1, SQLITE_STATIC);
    }else if( strcmp(zName, "$module")==0 ){
      sqlite3_bind_text(pStmt, i, p->zModule, -1, SQLITE_STATIC);
    }
  }
}

/* Runs every statement of zSql, printing rows or the error. */
static void runStatements(Regress *p, const char *zSql){
  while( zSql && *zSql ){
    sqlite3_stmt *pStmt = 0;
    const char *zTail = 0;
    int rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, &zTail);
    if( rc!=SQLITE_OK ){
      fputs("ERROR: ", p->out);
      putMasked(p, sqlite3_errmsg(p->db), p->out);
      fputs("\n", p->out);
      return;                       /* the rest of this chunk cannot be delimited */
    }
    if( pStmt==0 ) return;          /* only comments or blanks were left */
    bindParameters(p, pStmt);
    {
      int nCol = sqlite3_column_count(pStmt);
      int nRow = 0;
      int i;
      if( nCol>0 ){
        for(i=0; i<nCol; i++){
          fprintf(p->out, "%s%s", i ? " | " : "", sqlite3_column_name(pStmt, i));
        }
        fputc('\n', p->out);
      }
      while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
        for(i=0; i<nCol; i++){
          if( i ) fputs(" | ", p->out);
          printValue(p, p->out, pStmt, i);
        }
        fputc('\n', p->out);
        nRow++;
      }
      if( rc!=SQLITE_DONE ){
        fputs("ERROR: ", p->out);
      putMasked(p, sqlite3_errmsg(p->db), p->out);
      fputs("\n", p->out);
      }else if( nCol>0 ){
        fprintf(p->out, "(%d row%s)\n", nRow, nRow==1 ? "" : "s");
      }
    }
    sqlite3_finalize(pStmt);
    zSql = zTail;
  }
}

/* Whether z holds nothing but blanks and comments. */
static int onlyComments(sqlite3 *db, const char *z){
  sqlite3_stmt *pStmt = 0;
  const char *zTail = 0;
  const char *zEnd = z + strlen(z);
  while( z<zEnd ){
    if( sqlite3_prepare_v2(db, z, -1, &pStmt, &zTail)!=SQLITE_OK ) return 0;
    if( pStmt ){ sqlite3_finalize(pStmt); return 0; }
    if( zTail==z ) break;
    z = zTail;
  }
  return 1;
}

/* Echoes a chunk of the script without its trailing blank lines. */
static void echo(FILE *out, const char *z){
  size_t n = strlen(z);
  while( n>0 && (z[n-1]=='\n' || z[n-1]=='\r' || z[n-1]==' ') ) n--;
  while( *z=='\n' ){ z++; n--; }
  if( n>0 ) fprintf(out, "%.*s\n", (int)n, z);
}

static void directive(Regress *p, const char *zLine){
  char zCmd[64];
  if( sscanf(zLine, "%63s", zCmd)!=1 ) return;
  fprintf(p->out, "%s\n", zCmd);
  if( strcmp(zCmd, ".reopen")==0 ){
    regressOpen(p, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 1);
  }else if( strcmp(zCmd, ".reopen-plain")==0 ){
    regressOpen(p, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 0);
  }else if( strcmp(zCmd, ".reopen-readonly")==0 ){
    regressOpen(p, SQLITE_OPEN_READONLY, 1);
  }else{
    fprintf(p->out, "ERROR: unknown directive %s\n", zCmd);
  }
}

/* Runs the script line by line: a chunk ends where SQLite says the text is complete. */
static void runScript(Regress *p, char *zScript){
  size_t nBuf = strlen(zScript) + 1;
  char *zBuf = malloc(nBuf);
  size_t n = 0;
  char *zLine = zScript;
  if( zBuf==0 ) die("out of memory", 0);
  zBuf[0] = 0;
  while( *zLine ){
    char *zNext = strchr(zLine, '\n');
    size_t nLine = zNext ? (size_t)(zNext - zLine) + 1 : strlen(zLine);
    if( zLine[0]=='.' && onlyComments(p->db, zBuf) ){
      echo(p->out, zBuf);
      n = 0; zBuf[0] = 0;
      directive(p, zLine);
      fputc('\n', p->out);
    }else{
      memcpy(zBuf+n, zLine, nLine);
      n += nLine;
      zBuf[n] = 0;
      if( sqlite3_complete(zBuf) ){
        echo(p->out, zBuf);
        runStatements(p, zBuf);
        fputc('\n', p->out);
        n = 0; zBuf[0] = 0;
      }
    }
    zLine += nLine;
  }
  if( !onlyComments(p->db, zBuf) ){
    echo(p->out, zBuf);
    runStatements(p, zBuf);
  }else{
    echo(p->out, zBuf);
  }
  free(zBuf);
}

static void removeDb(const char *zPath){
  static const char *azSuffix[] = { "", "-wal", "-shm", "-journal" };
  size_t i;
  for(i=0; i<sizeof(azSuffix)/sizeof(azSuffix[0]); i++){
    char *z = sqlite3_mprintf("%s%s", zPath, azSuffix[i]);
    if( unlink(z)!=0 && errno!=ENOENT ) die("cannot remove", z);
    sqlite3_free(z);
  }
}

int main(int argc, char **argv){
  Regress r;
  const char *zScript = 0;
  int bAccept = 0;
  char *zName, *zExpected, *zResult, *zSrcDir, *z, *zText, *zCmd;
  int i, rc;
  char zCwd[4096];

  memset(&r, 0, sizeof(r));
  r.zModule = getenv("SQLORM_MODULE");
  for(i=1; i<argc; i++){
    if( strcmp(argv[i], "--module")==0 && i+1<argc ) r.zModule = argv[++i];
    else if( strcmp(argv[i], "--accept")==0 ) bAccept = 1;
    else if( argv[i][0]=='-' ) die("unknown option", argv[i]);
    else zScript = argv[i];
  }
  if( zScript==0 ) die("usage: sqlregress [--module PATH] [--accept] sql/NAME.sql", 0);
  if( r.zModule==0 ) die("no module: pass --module or set SQLORM_MODULE", 0);
  if( getcwd(zCwd, sizeof(zCwd))==0 ) die("getcwd failed", 0);

  /* NAME from .../NAME.sql; the expected output lives beside the script. */
  z = strrchr(zScript, '/');
  zSrcDir = z ? sqlite3_mprintf("%.*s", (int)(z - zScript), zScript) : sqlite3_mprintf(".");
  zName = sqlite3_mprintf("%s", z ? z+1 : zScript);
  if( (z = strrchr(zName, '.'))!=0 && strcmp(z, ".sql")==0 ) *z = 0;
  zExpected = sqlite3_mprintf("%s/expected/%s.out", zSrcDir, zName);
  mkdir("sql", 0777);
  mkdir("sql/results", 0777);
  r.zDir = sqlite3_mprintf("%s/sql/results", zCwd);
  {
    char *zReal = realpath(zSrcDir, 0);
    r.zSqlDir = zReal ? sqlite3_mprintf("%s", zReal) : 0;
    free(zReal);
  }
  zResult = sqlite3_mprintf("sql/results/%s.out", zName);
  r.zDbPath = sqlite3_mprintf("sql/results/%s.db", zName);
  removeDb(r.zDbPath);

  zText = readFile(zScript);
  if( zText==0 ) die("cannot read", zScript);
  r.out = fopen(zResult, "w");
  if( r.out==0 ) die("cannot write", zResult);
  regressOpen(&r, SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE, 1);
  runScript(&r, zText);
  fclose(r.out);
  sqlite3_close(r.db);
  free(zText);

  if( bAccept ){
    zCmd = sqlite3_mprintf("cp '%s' '%s'", zResult, zExpected);
  }else{
    if( access(zExpected, R_OK)!=0 ){
      printf("no expected output %s: review %s and copy it there\n", zExpected, zResult);
      return 1;
    }
    zCmd = sqlite3_mprintf("diff -u '%s' '%s'", zExpected, zResult);
  }
  rc = system(zCmd);
  if( rc==0 && !bAccept ) removeDb(r.zDbPath);
  sqlite3_free(zCmd);
  sqlite3_free(zExpected); sqlite3_free(zResult); sqlite3_free(zName);
  sqlite3_free(zSrcDir); sqlite3_free(r.zDir); sqlite3_free(r.zDbPath); sqlite3_free(r.zSqlDir);
  return rc==0 ? 0 : 1;
}
