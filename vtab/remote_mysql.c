/*
** remote_mysql.c: the MySQL/MariaDB backend of the federated layer, on libmariadb.
**
** Usage:
**   CREATE VIRTUAL TABLE items USING orm_remote('mysql://app@127.0.0.1:3306/shop', 'items');
**   CREATE VIRTUAL TABLE items USING orm_remote(
**     'mariadb://app@db/shop?read_default_file=/etc/sqlorm/my.cnf&ssl_ca=/etc/ca.pem', 'items');
** Passwords come from the URL or from option files ([client] in ~/.my.cnf, or the file
** read_default_file names). URL options: unix_socket, charset (utf8mb4 or utf8 only: SQLite
** text is UTF-8), read_default_file, read_default_group, connect_timeout, read_timeout,
** write_timeout, init_command, compress, ssl, ssl_ca, ssl_capath, ssl_cert, ssl_key,
** ssl_cipher, ssl_crl, ssl_crlpath, ssl_verify_cert (or ssl_verify_server_cert),
** tls_version, prefetch_rows (rows per cursor fetch, default 256), password (or passwd,
** when the URL's authority has none). Others are refused.
**
** How it works:
** - Each connection runs with time_zone '+00:00', a fixed strict sql_mode (no ANSI_QUOTES:
**   identifiers in backticks; NO_BACKSLASH_ESCAPES) and CLIENT_FOUND_ROWS, so an UPDATE
**   reports the rows it matched, as SQLite does; auto-reconnect is off, so a lost
**   connection surfaces as SQLITE_IOERR and the pool drops it.
** - Every xQuery and every xExec with parameters is a prepared statement, kept in a
**   per-connection cache of MY_NCACHE statements keyed by SQL text (least recently used
**   goes first); parameters are bound by their SQLite type.
** - Results: a lookup (ORM_QUERY_ONE) is read whole into client memory. MySQL cannot
**   stream two results over one connection, so a scan of a SELECT takes one of two forms:
**   outside a transaction (where the layer gives each scan a pooled connection of its
**   own) it streams row by row, the fastest; should another statement come while it
**   streams, the rest of the stream is first read into client memory (that is the memory
**   cost, and the only case a scan is not bounded). Inside a transaction (where the layer
**   runs every statement of a server on one connection, a join's inner lookups and the
**   writes between the rows of an outer scan) it opens a read-only server-side cursor and
**   fetches prefetch_rows rows at a time: any number of results stay open at once, the
**   client holds one batch of each, and the server materialises each cursor's result in a
**   temporary table before its first row (1,000,000 rows: about 1 s, against 0.6 s
**   streamed). Dropping a stream early reads and discards its rest; a cursor is reset.
** - Values follow remote.h's type map. BIGINT UNSIGNED above 2^63-1 becomes TEXT (its
**   digits, exact); DECIMAL is INTEGER when integral and in range, REAL when the double is
**   exactly the decimal, else its TEXT; FLOAT is the shortest decimal that reads back as
**   the same float (0.1, not 0.100000001490116); TIMESTAMP gets '+00:00'; zero dates stay
**   '0000-00-00'; BIT is an INTEGER; text with the binary charset is a BLOB.
** - Two-phase commit is XA. MySQL names an XA transaction at XA START and cannot rename
**   it, so a transaction to be prepared begins with xBegin(p, zGid): XA START 'zGid';
**   xExec("BEGIN") starts a plain transaction, which xPrepare refuses. COMMIT / ROLLBACK
**   of an XA transaction that was not prepared are XA COMMIT ... ONE PHASE / XA ROLLBACK.
**   Savepoints work inside XA transactions (MariaDB 10.11). After XA PREPARE, MariaDB
**   keeps the transaction attached to its session (no table can be read, no other
**   session can commit it) until the session ends, so xPrepare reconnects and waits
**   until the old session is gone: then any connection resolves the gid, as with
**   PostgreSQL, and this one is ready for other work (the cost: a reconnect, about 1 ms
**   on loopback, per prepared transaction).
*/
#include "config.h"
#ifdef SQLORM_WITH_MYSQL
#include "remote.h"
#include <mysql.h>
#include <errmsg.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MY_NCACHE      64     /* prepared statements kept per connection */
#define MY_PREFETCH    256    /* rows per cursor fetch, unless prefetch_rows says */
#define MY_BUF_INIT    256    /* first buffer for a text/blob column; grows as needed */
#define MY_DECIMAL_MAX 80     /* a DECIMAL's text: 65 digits, sign, point */
#define MY_GID_MAX     64

/* What a result column holds, and how xColumn converts it. */
#define MY_K_INT       1
#define MY_K_UINT      2      /* BIGINT UNSIGNED: above 2^63-1 as TEXT */
#define MY_K_FLOAT     3
#define MY_K_DOUBLE    4
#define MY_K_DECIMAL   5
#define MY_K_TEXT      6
#define MY_K_BLOB      7
#define MY_K_BIT       8
#define MY_K_DATE      9
#define MY_K_TIME      10
#define MY_K_DATETIME  11
#define MY_K_TIMESTAMP 12

/* How myRun treats a statement's rows. */
#define MY_RUN_EXEC    0      /* rows are dropped: affected rows only */
#define MY_RUN_ONE     1      /* read whole into client memory */
#define MY_RUN_SCAN    2      /* a SELECT streams, or opens a cursor in a transaction */

/* Where a result's rows are. */
#define MY_RES_STORED  0      /* in client memory, all of them */
#define MY_RES_STREAM  1      /* arriving on the wire: nothing else can be sent meanwhile */
#define MY_RES_CURSOR  2      /* on the server, fetched nPrefetch at a time */

typedef struct MyStmt MyStmt;
typedef struct MyConn MyConn;
typedef struct MyCol MyCol;
typedef struct MyRes MyRes;

/* A prepared statement, in the cache or (when every cached one is busy) on its own. */
struct MyStmt {
  char *zSql;
  int bCursor;            /* executes with a cursor: libmariadb keeps a statement's cursor
                          ** state across executions, so the two kinds are never mixed */
  MYSQL_STMT *pStmt;
  int bBusy;              /* an open result reads from it */
  int bCached;            /* in MyConn.apCache; else closed when its result ends */
  sqlite3_uint64 iUsed;   /* for least-recently-used eviction */
};

struct MyConn {
  OrmRemoteConn base;
  MYSQL *pMy;             /* NULL after a failed reconnect: every call is SQLITE_IOERR */
  OrmRemoteUrl *pUrl;     /* a copy: xPrepare reconnects */
  int iTimeout;
  int bMariadb;
  unsigned long nPrefetch;
  int bXa;                /* XA START ran for zXid */
  int bXaEnded;           /* ... and XA END */
  char zXid[MY_GID_MAX+1];
  OrmNames savepoints;    /* open savepoints, oldest first */
  MyStmt *apCache[MY_NCACHE];
  int nCache;
  sqlite3_uint64 iTick;
  MyRes *pRes;            /* open results */
  MyRes *pStream;         /* the one of them streaming, if any */
};

struct MyCol {
  int eKind;
  my_bool bNull;
  my_bool bErr;
  unsigned long nLen;
  union {
    long long i;
    double r;
    float f;
    MYSQL_TIME t;
    unsigned char a[8];
  } u;
  char *zBuf;             /* text, blob, decimal: the value's bytes */
  unsigned long nBuf;
  int bHeap;              /* zBuf is its own allocation, not part of the MyRes block */
};

struct MyRes {
  MyConn *pConn;          /* NULL: the connection was closed under this result */
  MyStmt *pSt;
  int nCol;
  int eRes;               /* MY_RES_* */
  int bDone;
  int bFailed;            /* buffering the rest of the stream failed: the statement's error */
  MYSQL_BIND *aBind;
  MyCol *aCol;
  MyRes *pNext;
};

static void myCacheClose(MyConn *p);
static void myStmtFree(MyStmt *pSt);
static int myQuiesce(MyConn *p, char **pzErr);
static void myDisconnect(OrmRemoteConn *pConn);

/* ---------------------------------------------------------------- errors */

/* Sets *pzErr (when pzErr is not NULL) and returns rc, or SQLITE_NOMEM when the message
** cannot be made. */
static int myError(char **pzErr, int rc, const char *zFormat, ...){
  if( pzErr ){
    va_list ap;
    va_start(ap, zFormat);
    *pzErr = sqlite3_vmprintf(zFormat, ap);
    va_end(ap);
    if( *pzErr==0 ) rc = SQLITE_NOMEM;
  }
  return rc;
}

/* The SQLite code for a MySQL error number. */
static int myErrCode(unsigned int iErr){
  switch( iErr ){
    case CR_CONNECTION_ERROR: case CR_CONN_HOST_ERROR: case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST: case CR_SERVER_LOST_EXTENDED: case CR_COMMANDS_OUT_OF_SYNC:
    case CR_MALFORMED_PACKET: case CR_SSL_CONNECTION_ERROR: case CR_STMT_CLOSED:
    case CR_ERR_NET_READ: case CR_ERR_NET_WRITE:
    case 1053:  /* ER_SERVER_SHUTDOWN */
    case 1152:  /* ER_ABORTING_CONNECTION */
    case 1184:  /* ER_NEW_ABORTING_CONNECTION */
    case 1927:  /* ER_CONNECTION_KILLED */
    case 4031:  /* ER_CLIENT_INTERACTION_TIMEOUT */
      return SQLITE_IOERR;
    case CR_OUT_OF_MEMORY:
      return SQLITE_NOMEM;
    case 1022:  /* ER_DUP_KEY */
    case 1062:  /* ER_DUP_ENTRY */
    case 1169:  /* ER_DUP_UNIQUE */
    case 1586:  /* ER_DUP_ENTRY_WITH_KEY_NAME */
    case 1557:  /* ER_FOREIGN_DUPLICATE_KEY */
    case 1859:  /* ER_DUP_UNKNOWN_IN_INDEX */
    case 1216:  /* ER_NO_REFERENCED_ROW */
    case 1217:  /* ER_ROW_IS_REFERENCED */
    case 1451:  /* ER_ROW_IS_REFERENCED_2 */
    case 1452:  /* ER_NO_REFERENCED_ROW_2 */
    case 1048:  /* ER_BAD_NULL_ERROR */
    case 1263:  /* ER_WARN_NULL_TO_NOTNULL */
    case 1364:  /* ER_NO_DEFAULT_FOR_FIELD */
    case 3819:  /* MySQL's ER_CHECK_CONSTRAINT_VIOLATED */
    case 4025:  /* MariaDB's ER_CONSTRAINT_FAILED */
      return SQLITE_CONSTRAINT;
  }
  return SQLITE_ERROR;
}

static int myConnError(MYSQL *pMy, char **pzErr){
  unsigned int iErr = mysql_errno(pMy);
  return myError(pzErr, myErrCode(iErr), "mysql: %s (%u)", mysql_error(pMy), iErr);
}

static int myStmtError(MYSQL_STMT *pStmt, char **pzErr){
  unsigned int iErr = mysql_stmt_errno(pStmt);
  return myError(pzErr, myErrCode(iErr), "mysql: %s (%u)", mysql_stmt_error(pStmt), iErr);
}

static int myLost(char **pzErr){
  return myError(pzErr, SQLITE_IOERR, "mysql: the connection is lost");
}

/* ---------------------------------------------------------------- dialect */

static void myParam(sqlite3_str *p, int i){
  (void)i;
  sqlite3_str_appendchar(p, 1, '?');
}

static void myQuoteId(sqlite3_str *p, const char *zId){
  const char *z;
  sqlite3_str_appendchar(p, 1, '`');
  for(z=zId; *z; z++){
    if( *z=='`' ) sqlite3_str_appendchar(p, 1, '`');
    sqlite3_str_appendchar(p, 1, *z);
  }
  sqlite3_str_appendchar(p, 1, '`');
}

/* MySQL sorts NULLs first ascending and last descending, as SQLite does. */
static void myOrderTerm(sqlite3_str *p, const char *zQuotedCol, int bDesc){
  sqlite3_str_appendf(p, "%s %s", zQuotedCol, bDesc ? "DESC" : "ASC");
}

/* ---------------------------------------------------------------- connections */

static int myDup(const char *z, char **pz){
  *pz = 0;
  if( z==0 ) return SQLITE_OK;
  *pz = sqlite3_mprintf("%s", z);
  return *pz ? SQLITE_OK : SQLITE_NOMEM;
}

static OrmRemoteUrl *myUrlCopy(const OrmRemoteUrl *p){
  OrmRemoteUrl *q = sqlite3_malloc64(sizeof(*q));
  int rc;
  if( q==0 ) return 0;
  memset(q, 0, sizeof(*q));
  q->iPort = p->iPort;
  rc = myDup(p->zDialect, &q->zDialect);
  if( rc==SQLITE_OK ) rc = myDup(p->zDriver, &q->zDriver);
  if( rc==SQLITE_OK ) rc = myDup(p->zUser, &q->zUser);
  if( rc==SQLITE_OK ) rc = myDup(p->zPassword, &q->zPassword);
  if( rc==SQLITE_OK ) rc = myDup(p->zHost, &q->zHost);
  if( rc==SQLITE_OK ) rc = myDup(p->zDatabase, &q->zDatabase);
  if( rc==SQLITE_OK ) rc = myDup(p->zRedacted, &q->zRedacted);
  if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&q->optKey, &p->optKey);
  if( rc==SQLITE_OK ) rc = sqlormNamesCopy(&q->optVal, &p->optVal);
  if( rc!=SQLITE_OK ){
    sqlormRemoteUrlFree(q);
    return 0;
  }
  return q;
}

/* URL options and what they set. */
#define MY_OPT_STR     1      /* mysql_optionsv(opt, value) */
#define MY_OPT_UINT    2      /* unsigned int seconds */
#define MY_OPT_BOOL    3      /* my_bool */
#define MY_OPT_FLAG    4      /* set when true, no argument */
#define MY_OPT_SOCKET  5
#define MY_OPT_CHARSET 6
#define MY_OPT_TIMEOUT 7
#define MY_OPT_PREFETCH 8
#define MY_OPT_PASSWORD 9
static const struct {
  const char *zName;
  int eOpt;
  int eKind;
} aMyOption[] = {
  { "unix_socket",            0,                                MY_OPT_SOCKET },
  { "charset",                MYSQL_SET_CHARSET_NAME,           MY_OPT_CHARSET },
  { "read_default_file",      MYSQL_READ_DEFAULT_FILE,          MY_OPT_STR },
  { "read_default_group",     MYSQL_READ_DEFAULT_GROUP,         MY_OPT_STR },
  { "connect_timeout",        MYSQL_OPT_CONNECT_TIMEOUT,        MY_OPT_TIMEOUT },
  { "read_timeout",           MYSQL_OPT_READ_TIMEOUT,           MY_OPT_UINT },
  { "write_timeout",          MYSQL_OPT_WRITE_TIMEOUT,          MY_OPT_UINT },
  { "init_command",           MYSQL_INIT_COMMAND,               MY_OPT_STR },
  { "compress",               MYSQL_OPT_COMPRESS,               MY_OPT_FLAG },
  { "ssl",                    MYSQL_OPT_SSL_ENFORCE,            MY_OPT_BOOL },
  { "ssl_ca",                 MYSQL_OPT_SSL_CA,                 MY_OPT_STR },
  { "ssl_capath",             MYSQL_OPT_SSL_CAPATH,             MY_OPT_STR },
  { "ssl_cert",               MYSQL_OPT_SSL_CERT,               MY_OPT_STR },
  { "ssl_key",                MYSQL_OPT_SSL_KEY,                MY_OPT_STR },
  { "ssl_cipher",             MYSQL_OPT_SSL_CIPHER,             MY_OPT_STR },
  { "ssl_crl",                MYSQL_OPT_SSL_CRL,                MY_OPT_STR },
  { "ssl_crlpath",            MYSQL_OPT_SSL_CRLPATH,            MY_OPT_STR },
  { "ssl_verify_cert",        MYSQL_OPT_SSL_VERIFY_SERVER_CERT, MY_OPT_BOOL },
  { "ssl_verify_server_cert", MYSQL_OPT_SSL_VERIFY_SERVER_CERT, MY_OPT_BOOL },
  { "tls_version",            MARIADB_OPT_TLS_VERSION,          MY_OPT_STR },
  { "prefetch_rows",          0,                                MY_OPT_PREFETCH },
  { "password",               0,                                MY_OPT_PASSWORD },
  { "passwd",                 0,                                MY_OPT_PASSWORD },
};

/* 1 or 0 for a boolean option's text, -1 for anything else. */
static int myBoolText(const char *z){
  static const char *azTrue[] = { "1", "true", "yes", "on" };
  static const char *azFalse[] = { "0", "false", "no", "off" };
  int i;
  for(i=0; i<4; i++){
    if( sqlite3_stricmp(z, azTrue[i])==0 ) return 1;
    if( sqlite3_stricmp(z, azFalse[i])==0 ) return 0;
  }
  return -1;
}

/* A positive integer of at most nMax, or -1. */
static long myUintText(const char *z, long nMax){
  long v = 0;
  if( *z==0 ) return -1;
  for(; *z; z++){
    if( *z<'0' || *z>'9' ) return -1;
    v = v*10 + (*z-'0');
    if( v>nMax ) return -1;
  }
  return v;
}

/* Applies the URL's options to pMy before it connects; a socket, a timeout and a password
** (password= or passwd=, as the layer redacts them) come back for mysql_real_connect. */
static int myOptions(MyConn *p, MYSQL *pMy, const char **pzSocket, unsigned int *piTimeout,
                     const char **pzPassword, char **pzErr){
  const OrmRemoteUrl *pUrl = p->pUrl;
  int i, j;
  for(i=0; i<pUrl->optKey.n; i++){
    const char *zKey = pUrl->optKey.az[i], *zVal = pUrl->optVal.az[i];
    int n = (int)(sizeof(aMyOption)/sizeof(aMyOption[0]));
    int bFail = 0;
    for(j=0; j<n && strcmp(aMyOption[j].zName, zKey)!=0; j++){}
    if( j==n ){
      sqlite3_str *pKnown = sqlite3_str_new(0);
      char *zKnown;
      for(j=0; j<n; j++){
        sqlite3_str_appendf(pKnown, "%s%s", j ? ", " : "", aMyOption[j].zName);
      }
      zKnown = sqlite3_str_finish(pKnown);
      if( zKnown==0 ) return SQLITE_NOMEM;
      j = myError(pzErr, SQLITE_ERROR, "mysql: unknown URL option \"%s\" in %s (known: %s)",
                  zKey, pUrl->zRedacted, zKnown);
      sqlite3_free(zKnown);
      return j;
    }
    switch( aMyOption[j].eKind ){
      case MY_OPT_SOCKET:
        *pzSocket = zVal;
        break;
      case MY_OPT_PASSWORD:
        *pzPassword = zVal;
        break;
      case MY_OPT_CHARSET:
        /* Text reaches SQLite as it is: only UTF-8 will do. */
        if( sqlite3_stricmp(zVal, "utf8mb4")!=0 && sqlite3_stricmp(zVal, "utf8")!=0
         && sqlite3_stricmp(zVal, "utf8mb3")!=0 ){
          return myError(pzErr, SQLITE_ERROR, "mysql: charset \"%s\" in %s: only utf8mb4 "
                         "or utf8 (SQLite text is UTF-8)", zVal, pUrl->zRedacted);
        }
        bFail = mysql_optionsv(pMy, MYSQL_SET_CHARSET_NAME, zVal);
        break;
      case MY_OPT_STR:
        bFail = mysql_optionsv(pMy, aMyOption[j].eOpt, zVal);
        break;
      case MY_OPT_UINT:
      case MY_OPT_TIMEOUT: {
        long v = myUintText(zVal, 86400*365);
        unsigned int u = (unsigned int)v;
        if( v<0 ){
          return myError(pzErr, SQLITE_ERROR, "mysql: %s=%s in %s is not a number of "
                         "seconds", zKey, zVal, pUrl->zRedacted);
        }
        if( aMyOption[j].eKind==MY_OPT_TIMEOUT ) *piTimeout = u;
        else bFail = mysql_optionsv(pMy, aMyOption[j].eOpt, &u);
        break;
      }
      case MY_OPT_PREFETCH: {
        long v = myUintText(zVal, 1000000);
        if( v<1 ){
          return myError(pzErr, SQLITE_ERROR, "mysql: prefetch_rows=%s in %s is not a "
                         "number from 1 to 1000000", zVal, pUrl->zRedacted);
        }
        p->nPrefetch = (unsigned long)v;
        break;
      }
      case MY_OPT_BOOL:
      case MY_OPT_FLAG: {
        int b = myBoolText(zVal);
        my_bool v = (my_bool)b;
        if( b<0 ){
          return myError(pzErr, SQLITE_ERROR, "mysql: %s=%s in %s is not true or false",
                         zKey, zVal, pUrl->zRedacted);
        }
        if( aMyOption[j].eKind==MY_OPT_BOOL ){
          bFail = mysql_optionsv(pMy, aMyOption[j].eOpt, &v);
        }else if( b ){
          bFail = mysql_optionsv(pMy, aMyOption[j].eOpt, (void*)0);
        }
        break;
      }
    }
    if( bFail ){
      return myError(pzErr, SQLITE_ERROR, "mysql: option %s in %s is not supported by this "
                     "libmariadb", zKey, pUrl->zRedacted);
    }
  }
  return SQLITE_OK;
}

/* Runs one statement over the text protocol, dropping any rows; *pnChanged (if not NULL)
** gets the affected rows. For statements with no parameters (DDL, XA, SET). */
static int myExecText(MyConn *p, const char *zSql, sqlite3_int64 *pnChanged, char **pzErr){
  MYSQL *pMy = p->pMy;
  int status, rc;
  if( pMy==0 ) return myLost(pzErr);
  rc = myQuiesce(p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( mysql_real_query(pMy, zSql, (unsigned long)strlen(zSql)) ){
    return myConnError(pMy, pzErr);
  }
  if( pnChanged ){
    *pnChanged = mysql_field_count(pMy)==0 ? (sqlite3_int64)mysql_affected_rows(pMy) : 0;
  }
  do{
    if( mysql_field_count(pMy)>0 ){
      MYSQL_RES *pRes = mysql_store_result(pMy);
      if( pRes==0 ) return myConnError(pMy, pzErr);
      mysql_free_result(pRes);
    }
    status = mysql_next_result(pMy);
    if( status>0 ) return myConnError(pMy, pzErr);
  }while( status==0 );
  return SQLITE_OK;
}

/* Connects p->pMy from p->pUrl, with the session settings every connection has. */
static int myOpen(MyConn *p, char **pzErr){
  const OrmRemoteUrl *pUrl = p->pUrl;
  const char *zSocket = 0, *zPassword = 0;
  unsigned int iTimeout = p->iTimeout>0 ? (unsigned int)p->iTimeout : 0;
  my_bool bOff = 0;
  MYSQL *pMy;
  int rc;
  /* Once per process in effect: libmariadb guards it with pthread_once. */
  if( mysql_library_init(0, 0, 0) ){
    return myError(pzErr, SQLITE_CANTOPEN, "cannot connect to %s: libmariadb does not "
                   "initialise", pUrl->zRedacted);
  }
  pMy = mysql_init(0);
  if( pMy==0 ) return SQLITE_NOMEM;
  /* The [client] group of the usual option files: passwords, sockets, TLS. */
  mysql_optionsv(pMy, MYSQL_READ_DEFAULT_GROUP, "client");
  mysql_optionsv(pMy, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  rc = myOptions(p, pMy, &zSocket, &iTimeout, &zPassword, pzErr);
  if( rc!=SQLITE_OK ){
    mysql_close(pMy);
    return rc;
  }
  if( iTimeout>0 ) mysql_optionsv(pMy, MYSQL_OPT_CONNECT_TIMEOUT, &iTimeout);
  mysql_optionsv(pMy, MYSQL_OPT_RECONNECT, &bOff);
  /* myNext finds long values by their lengths; a reported truncation would leave a
  ** streamed statement where mysql_stmt_fetch_column refuses to read it again. */
  mysql_optionsv(pMy, MYSQL_REPORT_DATA_TRUNCATION, &bOff);
  if( pUrl->zPassword ) zPassword = pUrl->zPassword;
  if( mysql_real_connect(pMy, pUrl->zHost, pUrl->zUser, zPassword, pUrl->zDatabase,
                         (unsigned int)pUrl->iPort, zSocket, CLIENT_FOUND_ROWS)==0 ){
    rc = mysql_errno(pMy)==CR_OUT_OF_MEMORY ? SQLITE_NOMEM : SQLITE_CANTOPEN;
    rc = myError(pzErr, rc, "cannot connect to %s: %s", pUrl->zRedacted, mysql_error(pMy));
    mysql_close(pMy);
    return rc;
  }
  /* An option file may have turned reconnecting on: a silent reconnect would lose the
  ** transaction and the session settings. */
  mysql_optionsv(pMy, MYSQL_OPT_RECONNECT, &bOff);
  p->pMy = pMy;
  p->bMariadb = mariadb_connection(pMy);
  rc = myExecText(p, "SET time_zone='+00:00', autocommit=1, sql_mode='STRICT_ALL_TABLES,"
                  "NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'",
                  0, pzErr);
  if( rc!=SQLITE_OK ){
    char *zWhy = pzErr ? *pzErr : 0;
    if( pzErr ) *pzErr = 0;
    if( rc!=SQLITE_NOMEM ){
      rc = myError(pzErr, SQLITE_CANTOPEN, "cannot connect to %s: %s", pUrl->zRedacted,
                   zWhy ? zWhy : "the session settings failed");
    }
    sqlite3_free(zWhy);
    mysql_close(pMy);
    p->pMy = 0;
    return rc;
  }
  return SQLITE_OK;
}


static int myConnect(const OrmRemoteUrl *pUrl, int iTimeout, OrmRemoteConn **pp,
                     char **pzErr){
  MyConn *p;
  int rc;
  *pp = 0;
  p = sqlite3_malloc64(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->base.pBe = &sqlormBackendMysql;
  p->iTimeout = iTimeout;
  p->nPrefetch = MY_PREFETCH;
  p->pUrl = myUrlCopy(pUrl);
  if( p->pUrl==0 ){
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  rc = myOpen(p, pzErr);
  if( rc!=SQLITE_OK ){
    myDisconnect(&p->base);
    return rc;
  }
  p->base.iCreated = (sqlite3_int64)time(0);
  *pp = &p->base;
  return SQLITE_OK;
}

static void myDisconnect(OrmRemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  MyRes *pRes;
  if( p==0 ) return;
  /* Closed first: the statements are then freed without a word to the server (a stream
  ** is not read to its end). Results still open keep their row, lose their statement. */
  if( p->pMy ) mysql_close(p->pMy);
  for(pRes=p->pRes; pRes; pRes=pRes->pNext){
    if( pRes->pSt && !pRes->pSt->bCached ) myStmtFree(pRes->pSt);
    pRes->pSt = 0;
    pRes->pConn = 0;
  }
  myCacheClose(p);
  sqlormRemoteUrlFree(p->pUrl);
  sqlormNamesClear(&p->savepoints);
  sqlite3_free(p);
}

static int myPing(OrmRemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  if( p->pMy==0 ) return SQLITE_IOERR;
  if( myQuiesce(p, 0)!=SQLITE_OK ) return SQLITE_IOERR;
  return mysql_ping(p->pMy)==0 ? SQLITE_OK : SQLITE_IOERR;
}

/* ---------------------------------------------------------------- statement cache */

static void myStmtFree(MyStmt *pSt){
  if( pSt->pStmt ) mysql_stmt_close(pSt->pStmt);
  sqlite3_free(pSt);
}

static void myCacheClose(MyConn *p){
  int i;
  for(i=0; i<p->nCache; i++) myStmtFree(p->apCache[i]);
  p->nCache = 0;
}

/* A prepared statement for zSql (to run with a cursor or not) that no open result uses:
** from the cache, or prepared now and cached (evicting the least recently used idle one
** when full). */
static int myStmtGet(MyConn *p, const char *zSql, int bCursor, MyStmt **ppSt, char **pzErr){
  MyStmt *pSt;
  int i, iVictim = -1;
  size_t nSql = strlen(zSql);
  *ppSt = 0;
  for(i=0; i<p->nCache; i++){
    pSt = p->apCache[i];
    if( pSt->bBusy ) continue;
    if( pSt->bCursor==bCursor && strcmp(pSt->zSql, zSql)==0 ){
      pSt->iUsed = ++p->iTick;
      pSt->bBusy = 1;
      *ppSt = pSt;
      return SQLITE_OK;
    }
    if( iVictim<0 || pSt->iUsed<p->apCache[iVictim]->iUsed ) iVictim = i;
  }
  pSt = sqlite3_malloc64(sizeof(*pSt) + nSql + 1);
  if( pSt==0 ) return SQLITE_NOMEM;
  memset(pSt, 0, sizeof(*pSt));
  pSt->bCursor = bCursor;
  pSt->zSql = (char*)&pSt[1];
  memcpy(pSt->zSql, zSql, nSql+1);
  pSt->pStmt = mysql_stmt_init(p->pMy);
  if( pSt->pStmt==0 ){
    sqlite3_free(pSt);
    return SQLITE_NOMEM;
  }
  if( mysql_stmt_prepare(pSt->pStmt, zSql, (unsigned long)nSql) ){
    int rc = myStmtError(pSt->pStmt, pzErr);
    myStmtFree(pSt);
    return rc;
  }
  pSt->bBusy = 1;
  pSt->iUsed = ++p->iTick;
  if( p->nCache<MY_NCACHE ){
    pSt->bCached = 1;
    p->apCache[p->nCache++] = pSt;
  }else if( iVictim>=0 ){
    myStmtFree(p->apCache[iVictim]);
    pSt->bCached = 1;
    p->apCache[iVictim] = pSt;
  }
  *ppSt = pSt;
  return SQLITE_OK;
}

/* Hands a statement back after its result ended. */
static void myStmtRelease(MyStmt *pSt){
  if( pSt==0 ) return;
  pSt->bBusy = 0;
  if( !pSt->bCached ) myStmtFree(pSt);
}

/* Drops a cached statement the server no longer knows (re-prepared on next use). */
static void myStmtDrop(MyConn *p, MyStmt *pSt){
  int i;
  for(i=0; i<p->nCache; i++){
    if( p->apCache[i]==pSt ){
      p->apCache[i] = p->apCache[--p->nCache];
      break;
    }
  }
  myStmtFree(pSt);
}

/* ---------------------------------------------------------------- parameters */

/* Room for one parameter's converted value. */
typedef struct MyParamBuf MyParamBuf;
struct MyParamBuf {
  long long i;
  double r;
  unsigned long n;
};

/* Binds pVal by its SQLite type; the server converts it to the column's type. */
static int myBindValue(MYSQL_BIND *pB, MyParamBuf *pBuf, sqlite3_value *pVal){
  static char zEmpty[1] = { 0 };
  memset(pB, 0, sizeof(*pB));
  switch( sqlite3_value_type(pVal) ){
    case SQLITE_INTEGER:
      pBuf->i = sqlite3_value_int64(pVal);
      pB->buffer_type = MYSQL_TYPE_LONGLONG;
      pB->buffer = &pBuf->i;
      break;
    case SQLITE_FLOAT:
      pBuf->r = sqlite3_value_double(pVal);
      pB->buffer_type = MYSQL_TYPE_DOUBLE;
      pB->buffer = &pBuf->r;
      break;
    case SQLITE_TEXT: {
      const unsigned char *z = sqlite3_value_text(pVal);
      if( z==0 ) return SQLITE_NOMEM;
      pBuf->n = (unsigned long)sqlite3_value_bytes(pVal);
      pB->buffer_type = MYSQL_TYPE_STRING;
      pB->buffer = (void*)z;
      pB->buffer_length = pBuf->n;
      pB->length = &pBuf->n;
      break;
    }
    case SQLITE_BLOB: {
      const void *z = sqlite3_value_blob(pVal);
      pBuf->n = (unsigned long)sqlite3_value_bytes(pVal);
      if( z==0 && pBuf->n>0 ) return SQLITE_NOMEM;
      pB->buffer_type = MYSQL_TYPE_BLOB;
      pB->buffer = z ? (void*)z : (void*)zEmpty;
      pB->buffer_length = pBuf->n;
      pB->length = &pBuf->n;
      break;
    }
    default:
      pB->buffer_type = MYSQL_TYPE_NULL;
      break;
  }
  return SQLITE_OK;
}

/* A string parameter for the backend's own queries; z NULL binds NULL. */
static void myBindText(MYSQL_BIND *pB, unsigned long *pn, const char *z){
  memset(pB, 0, sizeof(*pB));
  if( z==0 ){
    pB->buffer_type = MYSQL_TYPE_NULL;
    return;
  }
  *pn = (unsigned long)strlen(z);
  pB->buffer_type = MYSQL_TYPE_STRING;
  pB->buffer = (void*)z;
  pB->buffer_length = *pn;
  pB->length = pn;
}

/* ---------------------------------------------------------------- results */

/* The kind of a result column and the buffer type libmariadb converts it to. */
static int myColKind(const MYSQL_FIELD *pF, enum enum_field_types *peType){
  switch( pF->type ){
    case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24: case MYSQL_TYPE_YEAR:
      *peType = MYSQL_TYPE_LONGLONG;
      return MY_K_INT;
    case MYSQL_TYPE_LONGLONG:
      *peType = MYSQL_TYPE_LONGLONG;
      return (pF->flags & UNSIGNED_FLAG) ? MY_K_UINT : MY_K_INT;
    case MYSQL_TYPE_FLOAT:
      *peType = MYSQL_TYPE_FLOAT;
      return MY_K_FLOAT;
    case MYSQL_TYPE_DOUBLE:
      *peType = MYSQL_TYPE_DOUBLE;
      return MY_K_DOUBLE;
    case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL:
      *peType = MYSQL_TYPE_STRING;
      return MY_K_DECIMAL;
    case MYSQL_TYPE_BIT:
      *peType = MYSQL_TYPE_BLOB;
      return MY_K_BIT;
    case MYSQL_TYPE_DATE: case MYSQL_TYPE_NEWDATE:
      *peType = MYSQL_TYPE_DATE;
      return MY_K_DATE;
    case MYSQL_TYPE_TIME:
      *peType = MYSQL_TYPE_TIME;
      return MY_K_TIME;
    case MYSQL_TYPE_DATETIME:
      *peType = MYSQL_TYPE_DATETIME;
      return MY_K_DATETIME;
    case MYSQL_TYPE_TIMESTAMP:
      *peType = MYSQL_TYPE_TIMESTAMP;
      return MY_K_TIMESTAMP;
    case MYSQL_TYPE_JSON:
      /* MySQL labels JSON with the binary charset; it is text. */
      *peType = MYSQL_TYPE_STRING;
      return MY_K_TEXT;
    case MYSQL_TYPE_GEOMETRY:
      *peType = MYSQL_TYPE_BLOB;
      return MY_K_BLOB;
    default:
      /* CHAR, VARCHAR, TEXT, BLOB, ENUM, SET, UUID, NULL: the charset tells bytes (63,
      ** binary) from text. */
      if( pF->charsetnr==63 ){
        *peType = MYSQL_TYPE_BLOB;
        return MY_K_BLOB;
      }
      *peType = MYSQL_TYPE_STRING;
      return MY_K_TEXT;
  }
}

static int myKindIsVar(int eKind){
  return eKind==MY_K_TEXT || eKind==MY_K_BLOB || eKind==MY_K_DECIMAL;
}

/* A result over pSt, whose statement has executed with nCol columns. */
static int myResNew(MyConn *p, MyStmt *pSt, int eRes, MyRes **ppRes, char **pzErr){
  MYSQL_STMT *pStmt = pSt->pStmt;
  MYSQL_RES *pMeta;
  MYSQL_FIELD *aField;
  int nCol = (int)mysql_stmt_field_count(pStmt);
  sqlite3_int64 nByte;
  MyRes *pRes;
  char *zSpace;
  int i;
  *ppRes = 0;
  if( nCol>0 ){
    pMeta = mysql_stmt_result_metadata(pStmt);
    if( pMeta==0 ){
      if( mysql_stmt_errno(pStmt) ) return myStmtError(pStmt, pzErr);
      return SQLITE_NOMEM;
    }
    aField = mysql_fetch_fields(pMeta);
  }else{
    /* A statement without a result set, through xQuery: a result with no rows. */
    pMeta = 0;
    aField = 0;
  }
  /* One allocation: the result, binds, columns and each column's first buffer. */
  nByte = sizeof(MyRes) + (sizeof(MYSQL_BIND) + sizeof(MyCol))*(sqlite3_int64)nCol;
  for(i=0; i<nCol; i++){
    enum enum_field_types eType;
    int eKind = myColKind(&aField[i], &eType);
    if( eKind==MY_K_DECIMAL ) nByte += MY_DECIMAL_MAX;
    else if( myKindIsVar(eKind) ) nByte += MY_BUF_INIT;
  }
  pRes = sqlite3_malloc64(nByte);
  if( pRes==0 ){
    if( pMeta ) mysql_free_result(pMeta);
    return SQLITE_NOMEM;
  }
  memset(pRes, 0, nByte);
  pRes->nCol = nCol;
  pRes->eRes = eRes;
  pRes->aBind = (MYSQL_BIND*)&pRes[1];
  pRes->aCol = (MyCol*)&pRes->aBind[nCol];
  zSpace = (char*)&pRes->aCol[nCol];
  for(i=0; i<nCol; i++){
    MYSQL_BIND *pB = &pRes->aBind[i];
    MyCol *pCol = &pRes->aCol[i];
    enum enum_field_types eType;
    pCol->eKind = myColKind(&aField[i], &eType);
    pB->buffer_type = eType;
    pB->is_null = &pCol->bNull;
    pB->error = &pCol->bErr;
    pB->length = &pCol->nLen;
    if( myKindIsVar(pCol->eKind) ){
      pCol->nBuf = pCol->eKind==MY_K_DECIMAL ? MY_DECIMAL_MAX : MY_BUF_INIT;
      pCol->zBuf = zSpace;
      zSpace += pCol->nBuf;
      pB->buffer = pCol->zBuf;
      pB->buffer_length = pCol->nBuf;
    }else{
      pB->buffer = &pCol->u;
      pB->buffer_length = sizeof(pCol->u);
      pB->is_unsigned = pCol->eKind==MY_K_UINT;
    }
  }
  if( pMeta ) mysql_free_result(pMeta);
  if( nCol>0 && mysql_stmt_bind_result(pStmt, pRes->aBind) ){
    int rc = myStmtError(pStmt, pzErr);
    sqlite3_free(pRes);
    return rc;
  }
  pRes->pSt = pSt;
  pRes->pConn = p;
  pRes->pNext = p->pRes;
  p->pRes = pRes;
  if( eRes==MY_RES_STREAM ) p->pStream = pRes;
  *ppRes = pRes;
  return SQLITE_OK;
}

/* Before anything else is sent on p: the rest of a streaming result into client memory
** (MySQL cannot interleave; outside a transaction the layer gives each scan its own
** connection, so this is the exception, and it costs the rest of that result). */
static int myQuiesce(MyConn *p, char **pzErr){
  MyRes *pRes = p->pStream;
  if( pRes==0 ) return SQLITE_OK;
  p->pStream = 0;
  pRes->eRes = MY_RES_STORED;
  if( pRes->bDone || pRes->pSt==0 ) return SQLITE_OK;
  if( mysql_stmt_store_result(pRes->pSt->pStmt) ){
    pRes->bFailed = 1;
    return myStmtError(pRes->pSt->pStmt, pzErr);
  }
  return SQLITE_OK;
}

static int myNext(OrmRemoteRes *pR, char **pzErr){
  MyRes *p = (MyRes*)pR;
  MYSQL_STMT *pStmt;
  int rc, i, bRebind = 0;
  if( p->pConn==0 || p->pSt==0 ) return myLost(pzErr);
  pStmt = p->pSt->pStmt;
  if( p->bFailed ) return myStmtError(pStmt, pzErr);
  if( p->bDone ) return SQLITE_DONE;
  rc = mysql_stmt_fetch(pStmt);
  if( rc==MYSQL_NO_DATA ){
    p->bDone = 1;
    if( p->pConn->pStream==p ) p->pConn->pStream = 0;
    return SQLITE_DONE;
  }
  if( rc!=0 && rc!=MYSQL_DATA_TRUNCATED ){
    p->bFailed = 1;
    if( p->pConn->pStream==p ) p->pConn->pStream = 0;
    return myStmtError(pStmt, pzErr);
  }
  /* A value longer than its buffer: grow the buffer, read the value again. */
  for(i=0; i<p->nCol; i++){
    MyCol *pCol = &p->aCol[i];
    MYSQL_BIND b;
    char *zNew;
    if( !myKindIsVar(pCol->eKind) || pCol->bNull || pCol->nLen<=pCol->nBuf ) continue;
    zNew = sqlite3_malloc64((sqlite3_int64)pCol->nLen + 1);
    if( zNew==0 ) return SQLITE_NOMEM;
    if( pCol->bHeap ) sqlite3_free(pCol->zBuf);
    pCol->zBuf = zNew;
    pCol->nBuf = pCol->nLen + 1;
    pCol->bHeap = 1;
    p->aBind[i].buffer = zNew;
    p->aBind[i].buffer_length = pCol->nBuf;
    b = p->aBind[i];
    if( mysql_stmt_fetch_column(pStmt, &b, (unsigned int)i, 0) ){
      return myStmtError(pStmt, pzErr);
    }
    bRebind = 1;
  }
  if( bRebind && mysql_stmt_bind_result(pStmt, p->aBind) ) return myStmtError(pStmt, pzErr);
  return SQLITE_ROW;
}

/* The float's shortest decimal that reads back as the same float, as a double: what was
** written to a FLOAT column comes back as written. libc's printf and strtod here and in
** myDecimalResult: their digits are exact, which sqlite3_snprintf does not promise; under
** a locale whose decimal point is not '.', the checks fail safe (plain widening, TEXT). */
static double myFloatValue(float f){
  char zBuf[40];
  int nDigit;
  if( f!=f || f-f!=0.0f ) return (double)f;
  for(nDigit=6; nDigit<=9; nDigit++){
    snprintf(zBuf, sizeof(zBuf), "%.*g", nDigit, (double)f);
    if( strtof(zBuf, 0)==f ) return strtod(zBuf, 0);
  }
  return (double)f;
}

/* z (a decimal number) without sign, leading zeros of its integer part, trailing zeros of
** its fraction, or a point with nothing after it; "-" in front when negative and not 0. */
static void myDecimalNorm(const char *z, char *zOut){
  int bNeg = 0, n = 0, iEnd;
  if( *z=='-' || *z=='+' ){ bNeg = *z=='-'; z++; }
  while( z[0]=='0' && z[1]>='0' && z[1]<='9' ) z++;
  if( bNeg ) zOut[n++] = '-';
  while( *z ) zOut[n++] = *z++;
  zOut[n] = 0;
  if( strchr(zOut, '.') ){
    iEnd = n;
    while( iEnd>0 && zOut[iEnd-1]=='0' ) iEnd--;
    if( iEnd>0 && zOut[iEnd-1]=='.' ) iEnd--;
    zOut[iEnd] = 0;
  }
  if( strcmp(zOut, "-0")==0 ) strcpy(zOut, "0");
}

/* A DECIMAL: INTEGER when integral and in range, REAL when the double is exact, else its
** text as the server wrote it. */
static void myDecimalResult(sqlite3_context *ctx, const char *z, int n){
  char zNum[MY_DECIMAL_MAX+1];
  char zExact[MY_DECIMAL_MAX+100], zA[MY_DECIMAL_MAX+2], zB[MY_DECIMAL_MAX+102];
  int i = 0, bNeg = 0, bIntegral = 1, nInt = 0, nFrac = 0;
  double r;
  char *zEnd = 0;
  if( n<=0 || n>MY_DECIMAL_MAX ) goto as_text;
  memcpy(zNum, z, n);
  zNum[n] = 0;
  if( zNum[0]=='-' || zNum[0]=='+' ){ bNeg = zNum[0]=='-'; i++; }
  while( zNum[i]>='0' && zNum[i]<='9' ){ i++; nInt++; }
  if( zNum[i]=='.' ){
    i++;
    while( zNum[i]>='0' && zNum[i]<='9' ){
      if( zNum[i]!='0' ) bIntegral = 0;
      i++;
      nFrac++;
    }
  }
  if( zNum[i]!=0 || nInt+nFrac==0 ) goto as_text;
  if( bIntegral ){
    const char *zD = zNum + (zNum[0]=='-' || zNum[0]=='+');
    sqlite3_uint64 u = 0;
    int nSig = 0, j;
    while( *zD=='0' ) zD++;
    for(j=0; zD[j]>='0' && zD[j]<='9'; j++){
      if( ++nSig>19 ) break;
      u = u*10 + (sqlite3_uint64)(zD[j]-'0');
    }
    if( nSig<=19 ){
      if( !bNeg && u<=(sqlite3_uint64)0x7fffffffffffffffLL ){
        sqlite3_result_int64(ctx, (sqlite3_int64)u);
        return;
      }
      if( bNeg && u<=(sqlite3_uint64)0x8000000000000000ULL ){
        sqlite3_result_int64(ctx, (sqlite3_int64)(0-u));
        return;
      }
    }
  }
  r = strtod(zNum, &zEnd);
  if( zEnd!=zNum+n || r!=r || r-r!=0.0 ) goto as_text;
  /* The double is the decimal when its exact expansion, printed in full, is the same
  ** number: DECIMAL has at most 38 fraction digits, far fewer than 80. */
  snprintf(zExact, sizeof(zExact), "%.80f", r);
  if( strlen(zExact)>=sizeof(zB) ) goto as_text;
  myDecimalNorm(zNum, zA);
  myDecimalNorm(zExact, zB);
  if( strcmp(zA, zB)==0 ){
    sqlite3_result_double(ctx, r);
    return;
  }
as_text:
  sqlite3_result_text(ctx, z, n, SQLITE_TRANSIENT);
}

/* A date or time as text: 'YYYY-MM-DD', 'HH:MM:SS[.ffffff]' (hours may pass 24, and be
** negative), 'YYYY-MM-DD HH:MM:SS[.ffffff]', timestamps with '+00:00' (the session's zone
** is UTC). Zero dates stay zero. */
static int myTimeText(const MYSQL_TIME *t, int eKind, char *z, int nz){
  int n = 0;
  if( eKind!=MY_K_TIME ){
    sqlite3_snprintf(nz, z, "%04u-%02u-%02u", t->year, t->month, t->day);
    n = (int)strlen(z);
    if( eKind==MY_K_DATE ) return n;
    z[n++] = ' ';
    sqlite3_snprintf(nz-n, z+n, "%02u:%02u:%02u", t->hour, t->minute, t->second);
  }else{
    sqlite3_snprintf(nz, z, "%s%02u:%02u:%02u", t->neg ? "-" : "", t->hour + t->day*24,
                     t->minute, t->second);
  }
  n = (int)strlen(z);
  if( t->second_part ){
    sqlite3_snprintf(nz-n, z+n, ".%06u", (unsigned int)t->second_part);
    n = (int)strlen(z);
  }
  if( eKind==MY_K_TIMESTAMP ){
    sqlite3_snprintf(nz-n, z+n, "+00:00");
    n = (int)strlen(z);
  }
  return n;
}

static void myResultUint(sqlite3_context *ctx, sqlite3_uint64 u){
  if( u<=(sqlite3_uint64)0x7fffffffffffffffLL ){
    sqlite3_result_int64(ctx, (sqlite3_int64)u);
  }else{
    char zBuf[24];
    sqlite3_snprintf(sizeof(zBuf), zBuf, "%llu", u);
    sqlite3_result_text(ctx, zBuf, -1, SQLITE_TRANSIENT);
  }
}

static void myColumn(OrmRemoteRes *pR, int iCol, sqlite3_context *ctx){
  MyRes *p = (MyRes*)pR;
  MyCol *pCol;
  char zBuf[48];
  if( iCol<0 || iCol>=p->nCol ){
    sqlite3_result_null(ctx);
    return;
  }
  pCol = &p->aCol[iCol];
  if( pCol->bNull ){
    sqlite3_result_null(ctx);
    return;
  }
  switch( pCol->eKind ){
    case MY_K_INT:
      sqlite3_result_int64(ctx, pCol->u.i);
      break;
    case MY_K_UINT:
      myResultUint(ctx, (sqlite3_uint64)pCol->u.i);
      break;
    case MY_K_FLOAT:
      sqlite3_result_double(ctx, myFloatValue(pCol->u.f));
      break;
    case MY_K_DOUBLE:
      sqlite3_result_double(ctx, pCol->u.r);
      break;
    case MY_K_DECIMAL:
      myDecimalResult(ctx, pCol->zBuf, (int)pCol->nLen);
      break;
    case MY_K_TEXT:
      sqlite3_result_text64(ctx, pCol->zBuf, pCol->nLen, SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    case MY_K_BLOB:
      sqlite3_result_blob64(ctx, pCol->zBuf, pCol->nLen, SQLITE_TRANSIENT);
      break;
    case MY_K_BIT: {
      /* Big-endian bytes, at most 8. */
      sqlite3_uint64 u = 0;
      unsigned long i, n = pCol->nLen<8 ? pCol->nLen : 8;
      for(i=0; i<n; i++) u = (u<<8) | pCol->u.a[i];
      myResultUint(ctx, u);
      break;
    }
    default: {
      int n = myTimeText(&pCol->u.t, pCol->eKind, zBuf, (int)sizeof(zBuf));
      sqlite3_result_text(ctx, zBuf, n, SQLITE_TRANSIENT);
      break;
    }
  }
}

static void myFinish(OrmRemoteRes *pR){
  MyRes *p = (MyRes*)pR;
  int i;
  if( p==0 ) return;
  if( p->pConn ){
    MyRes **pp;
    for(pp=&p->pConn->pRes; *pp && *pp!=p; pp=&(*pp)->pNext){}
    if( *pp ) *pp = p->pNext;
    if( p->pConn->pStream==p ) p->pConn->pStream = 0;
  }
  if( p->pSt ){
    MYSQL_STMT *pStmt = p->pSt->pStmt;
    if( p->eRes==MY_RES_CURSOR && !p->bDone && !p->bFailed ){
      /* An unfinished cursor keeps its temporary table on the server until reset. */
      myQuiesce(p->pConn, 0);
      mysql_stmt_free_result(pStmt);
      mysql_stmt_reset(pStmt);
    }else{
      /* A stream dropped early: the rest is read and discarded, in constant memory. */
      mysql_stmt_free_result(pStmt);
    }
    myStmtRelease(p->pSt);
  }
  for(i=0; i<p->nCol; i++){
    if( p->aCol[i].bHeap ) sqlite3_free(p->aCol[i].zBuf);
  }
  sqlite3_free(p);
}

/* Text of column iCol of the current row, or NULL; for the backend's own queries. */
static const char *myResText(MyRes *p, int iCol, int *pn){
  MyCol *pCol = &p->aCol[iCol];
  *pn = 0;
  if( pCol->bNull || !myKindIsVar(pCol->eKind) ) return 0;
  *pn = (int)pCol->nLen;
  return pCol->zBuf;
}

static sqlite3_int64 myResInt(MyRes *p, int iCol){
  MyCol *pCol = &p->aCol[iCol];
  if( pCol->bNull ) return 0;
  if( pCol->eKind==MY_K_INT || pCol->eKind==MY_K_UINT ) return pCol->u.i;
  if( myKindIsVar(pCol->eKind) ){
    char zBuf[24];
    int n = pCol->nLen<sizeof(zBuf)-1 ? (int)pCol->nLen : (int)sizeof(zBuf)-1;
    memcpy(zBuf, pCol->zBuf, n);
    zBuf[n] = 0;
    return strtoll(zBuf, 0, 10);
  }
  return 0;
}

/* ---------------------------------------------------------------- statements */

/* Whether zSql reads like a SELECT: what the server opens a cursor for (asking a cursor
** of INSERT ... RETURNING or SHOW breaks the connection's protocol state). */
static int mySelectLike(const char *zSql){
  const char *z = zSql;
  for(;;){
    while( *z==' ' || *z=='\t' || *z=='\n' || *z=='\r' || *z=='(' ) z++;
    if( z[0]=='/' && z[1]=='*' ){
      const char *zEnd = strstr(z+2, "*/");
      if( zEnd==0 ) return 0;
      z = zEnd+2;
      continue;
    }
    break;
  }
  return sqlite3_strnicmp(z, "SELECT", 6)==0 || sqlite3_strnicmp(z, "WITH", 4)==0
      || sqlite3_strnicmp(z, "VALUES", 6)==0;
}

/* Prepares (or reuses) and executes zSql with aParam. eMode: MY_RUN_*. With a result set,
** *ppRes (when ppRes is not NULL) gets its result; *pnChanged the affected rows. A scan of
** a SELECT streams outside a transaction (the fastest, and the layer gives such a scan a
** connection of its own) and opens a cursor inside one, where the layer runs every
** statement of a server on one connection; anything else is read whole. */
static int myRun(MyConn *p, const char *zSql, int nParam, MYSQL_BIND *aParam, int eMode,
                 OrmRemoteRes **ppRes, sqlite3_int64 *pnChanged, char **pzErr){
  MyStmt *pSt = 0;
  MYSQL_STMT *pStmt = 0;
  MyRes *pRes = 0;
  unsigned long eCursor = CURSOR_TYPE_NO_CURSOR;
  int eRes = MY_RES_STORED;
  int rc, nTry;
  if( ppRes ) *ppRes = 0;
  if( pnChanged ) *pnChanged = 0;
  if( p->pMy==0 ) return myLost(pzErr);
  rc = myQuiesce(p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( eMode==MY_RUN_SCAN && ppRes && mySelectLike(zSql) ){
    eRes = p->base.bInTxn ? MY_RES_CURSOR : MY_RES_STREAM;
    if( eRes==MY_RES_CURSOR ) eCursor = CURSOR_TYPE_READ_ONLY;
  }
  for(nTry=0; ; nTry++){
    unsigned int iErr;
    rc = myStmtGet(p, zSql, eRes==MY_RES_CURSOR, &pSt, pzErr);
    if( rc!=SQLITE_OK ) return rc;
    pStmt = pSt->pStmt;
    if( mysql_stmt_param_count(pStmt)!=(unsigned long)nParam ){
      rc = myError(pzErr, SQLITE_ERROR, "mysql: the statement has %lu placeholders but %d "
                   "values were given", mysql_stmt_param_count(pStmt), nParam);
      myStmtRelease(pSt);
      return rc;
    }
    if( nParam>0 && mysql_stmt_bind_param(pStmt, aParam) ){
      rc = myStmtError(pStmt, pzErr);
      myStmtRelease(pSt);
      return rc;
    }
    mysql_stmt_attr_set(pStmt, STMT_ATTR_CURSOR_TYPE, &eCursor);
    if( eCursor!=CURSOR_TYPE_NO_CURSOR ){
      mysql_stmt_attr_set(pStmt, STMT_ATTR_PREFETCH_ROWS, &p->nPrefetch);
    }
    if( mysql_stmt_execute(pStmt)==0 ) break;
    iErr = mysql_stmt_errno(pStmt);
    /* The table changed under a cached statement: prepare it again, once. */
    if( nTry==0 && pSt->bCached && (iErr==CR_NEW_STMT_METADATA || iErr==1243
                                    /* ER_UNKNOWN_STMT_HANDLER */ || iErr==1615
                                    /* ER_NEED_REPREPARE */) ){
      myStmtDrop(p, pSt);
      continue;
    }
    rc = myStmtError(pStmt, pzErr);
    myStmtRelease(pSt);
    return rc;
  }
  if( mysql_stmt_field_count(pStmt)==0 ){
    if( pnChanged ) *pnChanged = (sqlite3_int64)mysql_stmt_affected_rows(pStmt);
    if( ppRes ){
      /* Through xQuery: a result without rows. */
      rc = myResNew(p, pSt, MY_RES_STORED, &pRes, pzErr);
      if( rc!=SQLITE_OK ){
        myStmtRelease(pSt);
        return rc;
      }
      pRes->bDone = 1;
      *ppRes = (OrmRemoteRes*)pRes;
      return SQLITE_OK;
    }
    myStmtRelease(pSt);
    return SQLITE_OK;
  }
  if( eRes==MY_RES_CURSOR ){
    unsigned int iStatus = 0;
    mariadb_get_infov(p->pMy, MARIADB_CONNECTION_SERVER_STATUS, &iStatus);
    if( (iStatus & SERVER_STATUS_CURSOR_EXISTS)==0 ){
      /* libmariadb has buffered the rows itself, in a state a fetch mishandles. */
      mysql_stmt_reset(pStmt);
      myStmtRelease(pSt);
      return myError(pzErr, SQLITE_ERROR, "mysql: the server opened no cursor for: %s",
                     zSql);
    }
  }else if( eRes==MY_RES_STORED && mysql_stmt_store_result(pStmt) ){
    rc = myStmtError(pStmt, pzErr);
    mysql_stmt_free_result(pStmt);
    myStmtRelease(pSt);
    return rc;
  }
  if( ppRes==0 ){
    mysql_stmt_free_result(pStmt);
    myStmtRelease(pSt);
    return SQLITE_OK;
  }
  rc = myResNew(p, pSt, eRes, &pRes, pzErr);
  if( rc!=SQLITE_OK ){
    mysql_stmt_free_result(pStmt);
    if( eRes==MY_RES_CURSOR ) mysql_stmt_reset(pStmt);
    myStmtRelease(pSt);
    return rc;
  }
  *ppRes = (OrmRemoteRes*)pRes;
  return SQLITE_OK;
}

/* Runs zSql with SQLite values bound. */
static int myRunValues(MyConn *p, const char *zSql, int nParam, sqlite3_value **apParam,
                       int eMode, OrmRemoteRes **ppRes, sqlite3_int64 *pnChanged,
                       char **pzErr){
  MYSQL_BIND aStackBind[16];
  MyParamBuf aStackBuf[16];
  MYSQL_BIND *aBind = aStackBind;
  MyParamBuf *aBuf = aStackBuf;
  int i, rc = SQLITE_OK;
  if( nParam<0 ) nParam = 0;
  if( nParam>16 ){
    aBind = sqlite3_malloc64((sizeof(MYSQL_BIND) + sizeof(MyParamBuf))*(sqlite3_int64)nParam);
    if( aBind==0 ) return SQLITE_NOMEM;
    aBuf = (MyParamBuf*)&aBind[nParam];
  }
  for(i=0; rc==SQLITE_OK && i<nParam; i++) rc = myBindValue(&aBind[i], &aBuf[i], apParam[i]);
  if( rc==SQLITE_OK ){
    rc = myRun(p, zSql, nParam, aBind, eMode, ppRes, pnChanged, pzErr);
  }
  if( aBind!=aStackBind ) sqlite3_free(aBind);
  return rc;
}

static int myQuery(OrmRemoteConn *pConn, const char *zSql, int nParam,
                   sqlite3_value **apParam, int flags, OrmRemoteRes **ppRes, char **pzErr){
  return myRunValues((MyConn*)pConn, zSql, nParam, apParam,
                     (flags & ORM_QUERY_ONE) ? MY_RUN_ONE : MY_RUN_SCAN, ppRes, 0, pzErr);
}

/* ---------------------------------------------------------------- transactions */

/* zGid as XA accepts it here: [A-Za-z0-9_]+, at most 64 bytes (so it needs no quoting). */
static int myGidCheck(const char *zGid, char **pzErr){
  int i;
  for(i=0; zGid && zGid[i]; i++){
    char c = zGid[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9') || c=='_') ) break;
  }
  if( zGid==0 || i==0 || zGid[i]!=0 || i>MY_GID_MAX ){
    return myError(pzErr, SQLITE_ERROR, "mysql: bad transaction id \"%s\": [A-Za-z0-9_]+, "
                   "at most 64 bytes", zGid ? zGid : "");
  }
  return SQLITE_OK;
}

static int myExecf(MyConn *p, char **pzErr, const char *zFormat, ...){
  va_list ap;
  char *zSql;
  int rc;
  va_start(ap, zFormat);
  zSql = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = myExecText(p, zSql, 0, pzErr);
  sqlite3_free(zSql);
  return rc;
}

static void myTxnClear(MyConn *p){
  p->base.bInTxn = 0;
  p->base.nSavepoint = 0;
  p->bXa = 0;
  p->bXaEnded = 0;
  p->zXid[0] = 0;
  sqlormNamesClear(&p->savepoints);
}

/* xBegin: XA START 'zGid' when the transaction may be prepared, a plain one for NULL. */
static int myBegin(OrmRemoteConn *pConn, const char *zGid, char **pzErr){
  MyConn *p = (MyConn*)pConn;
  int rc;
  if( p->base.bInTxn ){
    return myError(pzErr, SQLITE_ERROR, "mysql: a transaction is already open (MySQL would "
                   "commit it silently)");
  }
  if( zGid==0 ){
    rc = myExecText(p, "START TRANSACTION", 0, pzErr);
    if( rc==SQLITE_OK ) p->base.bInTxn = 1;
    return rc;
  }
  rc = myGidCheck(zGid, pzErr);
  if( rc==SQLITE_OK ) rc = myExecf(p, pzErr, "XA START '%s'", zGid);
  if( rc==SQLITE_OK ){
    p->base.bInTxn = 1;
    p->bXa = 1;
    memcpy(p->zXid, zGid, strlen(zGid)+1);
  }
  return rc;
}

static int myCommit(MyConn *p, char **pzErr){
  int rc;
  if( !p->bXa ){
    rc = myExecText(p, "COMMIT", 0, pzErr);
  }else{
    rc = p->bXaEnded ? SQLITE_OK : myExecf(p, pzErr, "XA END '%s'", p->zXid);
    if( rc==SQLITE_OK ) p->bXaEnded = 1;
    if( rc==SQLITE_OK ) rc = myExecf(p, pzErr, "XA COMMIT '%s' ONE PHASE", p->zXid);
  }
  /* A failed COMMIT leaves the transaction for the caller's ROLLBACK. */
  if( rc==SQLITE_OK ) myTxnClear(p);
  return rc;
}

static int myRollback(MyConn *p, char **pzErr){
  int rc;
  if( !p->bXa ){
    rc = myExecText(p, "ROLLBACK", 0, pzErr);
  }else{
    /* XA END fails when an error already ended the branch; XA ROLLBACK still applies. */
    if( !p->bXaEnded ) myExecf(p, 0, "XA END '%s'", p->zXid);
    rc = myExecf(p, pzErr, "XA ROLLBACK '%s'", p->zXid);
  }
  myTxnClear(p);
  return rc;
}

/* A savepoint name as written (a word, or "quoted", `quoted`, [quoted]), unquoted; NULL
** when out of memory. */
static char *mySavepointName(const char *z, int n){
  char *zName;
  int i, j = 0;
  char cEnd;
  if( n<2 || (z[0]!='"' && z[0]!='`' && z[0]!='[') ) return sqlite3_mprintf("%.*s", n, z);
  cEnd = z[0]=='[' ? ']' : z[0];
  if( z[n-1]!=cEnd ) return sqlite3_mprintf("%.*s", n, z);
  zName = sqlite3_malloc64(n);
  if( zName==0 ) return 0;
  for(i=1; i<n-1; i++){
    if( z[i]==cEnd && cEnd!=']' && i+1<n-1 && z[i+1]==cEnd ) i++;
    zName[j++] = z[i];
  }
  zName[j] = 0;
  return zName;
}

/* Runs "zVerb `zName`" (the name quoted for MySQL). */
static int mySavepointExec(MyConn *p, const char *zVerb, const char *zName, char **pzErr){
  sqlite3_str *pStr = sqlite3_str_new(0);
  char *zSql;
  int rc;
  sqlite3_str_appendf(pStr, "%s ", zVerb);
  myQuoteId(pStr, zName);
  zSql = sqlite3_str_finish(pStr);
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = myExecText(p, zSql, 0, pzErr);
  sqlite3_free(zSql);
  return rc;
}

/* Forgets the savepoints after zName (and zName itself when bToo); MySQL compares savepoint
** names without case. */
static void mySavepointPop(MyConn *p, const char *zName, int bToo){
  int k;
  for(k=p->savepoints.n-1; k>=0 && sqlite3_stricmp(p->savepoints.az[k], zName)!=0; k--){}
  if( k>=0 ){
    int nKeep = bToo ? k : k+1;
    while( p->savepoints.n>nKeep ) sqlite3_free(p->savepoints.az[--p->savepoints.n]);
  }
  p->base.nSavepoint = p->savepoints.n;
}

/* The words of a transaction statement: up to 6, split at blanks outside quotes ("x y",
** `x y`, [x y]), a final ';' dropped. */
typedef struct MyWords MyWords;
struct MyWords {
  int n;
  const char *az[6];
  int an[6];
};

static void mySplitWords(const char *z, MyWords *p){
  int nz = (int)strlen(z);
  while( nz>0 && (z[nz-1]==';' || z[nz-1]==' ' || z[nz-1]=='\t' || z[nz-1]=='\n'
                  || z[nz-1]=='\r') ) nz--;
  p->n = 0;
  while( nz>0 ){
    int i = 0;
    while( i<nz && (z[i]==' ' || z[i]=='\t' || z[i]=='\n' || z[i]=='\r') ) i++;
    z += i;
    nz -= i;
    if( nz==0 ) break;
    if( p->n==6 ){ p->n = 7; return; }
    if( z[0]=='"' || z[0]=='`' || z[0]=='[' ){
      char cEnd = z[0]=='[' ? ']' : z[0];
      for(i=1; i<nz; i++){
        if( z[i]!=cEnd ) continue;
        if( cEnd!=']' && i+1<nz && z[i+1]==cEnd ){ i++; continue; }
        break;
      }
      if( i<nz ) i++;
    }else{
      for(i=0; i<nz && z[i]!=' ' && z[i]!='\t' && z[i]!='\n' && z[i]!='\r'; i++){}
    }
    p->az[p->n] = z;
    p->an[p->n] = i;
    p->n++;
    z += i;
    nz -= i;
  }
}

static int myWordIs(const MyWords *p, int i, const char *zWord){
  return i<p->n && p->an[i]==(int)strlen(zWord)
      && sqlite3_strnicmp(p->az[i], zWord, p->an[i])==0;
}

/* Runs a transaction statement in SQLite's words, translated; *pbDone is 0 when zSql is
** not one. */
static int myTxnStatement(MyConn *p, const char *zSql, int *pbDone, char **pzErr){
  MyWords w;
  int i = 1, rc = SQLITE_OK;
  char *zName = 0;
  *pbDone = 1;
  mySplitWords(zSql, &w);
  if( w.n==0 || w.n>6 ){ *pbDone = 0; return SQLITE_OK; }
  if( myWordIs(&w, 0, "BEGIN") || (myWordIs(&w, 0, "START") && myWordIs(&w, 1, "TRANSACTION")
                                   && w.n==2) ){
    if( myWordIs(&w, 0, "BEGIN") ){
      if( myWordIs(&w, i, "DEFERRED") || myWordIs(&w, i, "IMMEDIATE")
       || myWordIs(&w, i, "EXCLUSIVE") ) i++;
      if( myWordIs(&w, i, "TRANSACTION") ) i++;
      if( i!=w.n ){ *pbDone = 0; return SQLITE_OK; }
    }
    return myBegin(&p->base, 0, pzErr);
  }
  if( myWordIs(&w, 0, "COMMIT") || myWordIs(&w, 0, "END") ){
    if( myWordIs(&w, 1, "TRANSACTION") || myWordIs(&w, 1, "WORK") ) i++;
    if( i!=w.n ){ *pbDone = 0; return SQLITE_OK; }
    return myCommit(p, pzErr);
  }
  if( myWordIs(&w, 0, "ROLLBACK") ){
    if( myWordIs(&w, 1, "TRANSACTION") || myWordIs(&w, 1, "WORK") ) i++;
    if( i==w.n ) return myRollback(p, pzErr);
    if( !myWordIs(&w, i, "TO") ){ *pbDone = 0; return SQLITE_OK; }
    i++;
    if( myWordIs(&w, i, "SAVEPOINT") ) i++;
    if( i!=w.n-1 ){ *pbDone = 0; return SQLITE_OK; }
    zName = mySavepointName(w.az[i], w.an[i]);
    if( zName==0 ) return SQLITE_NOMEM;
    rc = mySavepointExec(p, "ROLLBACK TO SAVEPOINT", zName, pzErr);
    /* The savepoint stays; the later ones go. */
    if( rc==SQLITE_OK ) mySavepointPop(p, zName, 0);
    sqlite3_free(zName);
    return rc;
  }
  if( myWordIs(&w, 0, "SAVEPOINT") && w.n==2 ){
    zName = mySavepointName(w.az[1], w.an[1]);
    if( zName==0 ) return SQLITE_NOMEM;
    rc = mySavepointExec(p, "SAVEPOINT", zName, pzErr);
    if( rc==SQLITE_OK ){
      rc = sqlormNamesAdd(&p->savepoints, zName);
      p->base.nSavepoint = p->savepoints.n;
    }
    sqlite3_free(zName);
    return rc;
  }
  if( myWordIs(&w, 0, "RELEASE") ){
    if( myWordIs(&w, i, "SAVEPOINT") ) i++;
    if( i!=w.n-1 ){ *pbDone = 0; return SQLITE_OK; }
    zName = mySavepointName(w.az[i], w.an[i]);
    if( zName==0 ) return SQLITE_NOMEM;
    rc = mySavepointExec(p, "RELEASE SAVEPOINT", zName, pzErr);
    /* It and every later one go. */
    if( rc==SQLITE_OK ) mySavepointPop(p, zName, 1);
    sqlite3_free(zName);
    return rc;
  }
  *pbDone = 0;
  return SQLITE_OK;
}

static int myExec(OrmRemoteConn *pConn, const char *zSql, int nParam,
                  sqlite3_value **apParam, sqlite3_int64 *pnChanged, char **pzErr){
  MyConn *p = (MyConn*)pConn;
  sqlite3_int64 nChanged = 0;
  int rc;
  if( pnChanged ) *pnChanged = 0;
  if( p->pMy==0 ) return myLost(pzErr);
  if( nParam<=0 ){
    int bDone = 0;
    rc = myTxnStatement(p, zSql, &bDone, pzErr);
    if( bDone ) return rc;
    /* No parameters: the text protocol runs what the binary one cannot prepare. */
    rc = myExecText(p, zSql, &nChanged, pzErr);
  }else{
    rc = myRunValues(p, zSql, nParam, apParam, MY_RUN_EXEC, 0, &nChanged, pzErr);
  }
  if( rc==SQLITE_OK && pnChanged ) *pnChanged = nChanged;
  return rc;
}

/* One integer from a text-protocol query (0 when it returns NULL or no row). */
static int myQueryInt(MyConn *p, const char *zSql, sqlite3_int64 *piVal, char **pzErr){
  MYSQL_RES *pRes;
  MYSQL_ROW row;
  int rc;
  *piVal = 0;
  rc = myQuiesce(p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( mysql_real_query(p->pMy, zSql, (unsigned long)strlen(zSql)) ){
    return myConnError(p->pMy, pzErr);
  }
  pRes = mysql_store_result(p->pMy);
  if( pRes==0 ) return myConnError(p->pMy, pzErr);
  row = mysql_fetch_row(pRes);
  if( row && row[0] ) *piVal = strtoll(row[0], 0, 10);
  mysql_free_result(pRes);
  return SQLITE_OK;
}

/* After XA PREPARE the session holds the transaction until it ends: reconnect, and wait
** until the old session is gone from the server, so that any connection can resolve it. */
static int myDetach(MyConn *p){
  unsigned long iOld = mysql_thread_id(p->pMy);
  char zSql[100];
  char *zErr = 0;
  int rc, nWait;
  /* No result is open (xPrepare checks): the statements go with the session. */
  mysql_close(p->pMy);
  p->pMy = 0;
  myCacheClose(p);
  rc = myOpen(p, &zErr);
  sqlite3_free(zErr);
  if( rc!=SQLITE_OK ) return rc;
  sqlite3_snprintf(sizeof(zSql), zSql,
                   "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID=%lu", iOld);
  for(nWait=0; nWait<5000; nWait+=2){
    sqlite3_int64 n = 0;
    rc = myQueryInt(p, zSql, &n, 0);
    if( rc!=SQLITE_OK || n==0 ) break;
    sqlite3_sleep(2);
  }
  return rc;
}

static int myPrepare(OrmRemoteConn *pConn, const char *zGid, char **pzErr){
  MyConn *p = (MyConn*)pConn;
  int rc = myGidCheck(zGid, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( p->pMy==0 ) return myLost(pzErr);
  if( !p->base.bInTxn ){
    return myError(pzErr, SQLITE_ERROR, "mysql: cannot prepare \"%s\": no transaction is "
                   "open", zGid);
  }
  if( !p->bXa ){
    return myError(pzErr, SQLITE_ERROR, "mysql: cannot prepare \"%s\": MySQL names an XA "
                   "transaction when it starts, and this one began as a plain transaction "
                   "(begin it with xBegin(conn, gid))", zGid);
  }
  if( strcmp(p->zXid, zGid)!=0 ){
    return myError(pzErr, SQLITE_ERROR, "mysql: cannot prepare \"%s\": the transaction "
                   "began as \"%s\" and XA cannot rename it", zGid, p->zXid);
  }
  if( p->pRes ){
    return myError(pzErr, SQLITE_ERROR, "mysql: cannot prepare \"%s\" while results are "
                   "open on the connection", zGid);
  }
  if( !p->bXaEnded ){
    rc = myExecf(p, pzErr, "XA END '%s'", zGid);
    if( rc!=SQLITE_OK ) return rc;
    p->bXaEnded = 1;
  }
  rc = myExecf(p, pzErr, "XA PREPARE '%s'", zGid);
  if( rc!=SQLITE_OK ) return rc;
  /* Prepared: durable, the caller resolves it by its gid. */
  myTxnClear(p);
  if( myDetach(p)!=SQLITE_OK && p->pMy ){
    mysql_close(p->pMy);
    p->pMy = 0;
  }
  return SQLITE_OK;
}

static int myResolve(OrmRemoteConn *pConn, const char *zGid, const char *zWhat,
                     char **pzErr){
  MyConn *p = (MyConn*)pConn;
  int rc = myGidCheck(zGid, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( p->pMy==0 ) return myLost(pzErr);
  return myExecf(p, pzErr, "XA %s '%s'", zWhat, zGid);
}

static int myCommitPrepared(OrmRemoteConn *pConn, const char *zGid, char **pzErr){
  return myResolve(pConn, zGid, "COMMIT", pzErr);
}

static int myRollbackPrepared(OrmRemoteConn *pConn, const char *zGid, char **pzErr){
  return myResolve(pConn, zGid, "ROLLBACK", pzErr);
}

/* XA RECOVER: the prepared transactions whose gid starts with zPrefix (format 1, no
** branch qualifier: what XA START 'gid' makes). */
static int myListPrepared(OrmRemoteConn *pConn, const char *zPrefix, OrmNames *pGids,
                          char **pzErr){
  MyConn *p = (MyConn*)pConn;
  MYSQL_RES *pRes;
  MYSQL_ROW row;
  OrmNames found = {0, 0};
  int rc = SQLITE_OK, i;
  size_t nPrefix = zPrefix ? strlen(zPrefix) : 0;
  if( p->pMy==0 ) return myLost(pzErr);
  rc = myQuiesce(p, pzErr);
  if( rc!=SQLITE_OK ) return rc;
  if( mysql_real_query(p->pMy, "XA RECOVER", 10) ) return myConnError(p->pMy, pzErr);
  pRes = mysql_store_result(p->pMy);
  if( pRes==0 ) return myConnError(p->pMy, pzErr);
  while( rc==SQLITE_OK && (row = mysql_fetch_row(pRes))!=0 ){
    unsigned long *aLen = mysql_fetch_lengths(pRes);
    long nGtrid;
    char *zGid;
    if( mysql_num_fields(pRes)<4 || !row[0] || !row[1] || !row[2] || !row[3] ) continue;
    if( strcmp(row[0], "1")!=0 || strcmp(row[2], "0")!=0 ) continue;
    nGtrid = strtol(row[1], 0, 10);
    if( nGtrid<=0 || (unsigned long)nGtrid>aLen[3] || (size_t)nGtrid<nPrefix ) continue;
    if( nPrefix && memcmp(row[3], zPrefix, nPrefix)!=0 ) continue;
    zGid = sqlite3_mprintf("%.*s", (int)nGtrid, row[3]);
    rc = zGid ? sqlormNamesAdd(&found, zGid) : SQLITE_NOMEM;
    sqlite3_free(zGid);
  }
  mysql_free_result(pRes);
  for(i=0; rc==SQLITE_OK && i<found.n; i++) rc = sqlormNamesAdd(pGids, found.az[i]);
  sqlormNamesClear(&found);
  return rc;
}

/* ---------------------------------------------------------------- schema */

/* ORM_RTYPE_* of a column from information_schema's DATA_TYPE and COLUMN_TYPE. */
static int myRemoteType(const char *zData, const char *zColType, int bJson){
  static const struct { const char *zName; int eType; } aType[] = {
    { "smallint", ORM_RTYPE_INTEGER }, { "mediumint", ORM_RTYPE_INTEGER },
    { "int", ORM_RTYPE_INTEGER }, { "integer", ORM_RTYPE_INTEGER },
    { "bigint", ORM_RTYPE_INTEGER }, { "year", ORM_RTYPE_INTEGER },
    { "tinyint", ORM_RTYPE_INTEGER }, { "bit", ORM_RTYPE_INTEGER },
    { "float", ORM_RTYPE_REAL }, { "double", ORM_RTYPE_REAL }, { "real", ORM_RTYPE_REAL },
    { "double precision", ORM_RTYPE_REAL },
    { "decimal", ORM_RTYPE_NUMERIC }, { "numeric", ORM_RTYPE_NUMERIC },
    { "fixed", ORM_RTYPE_NUMERIC },
    { "char", ORM_RTYPE_TEXT }, { "varchar", ORM_RTYPE_TEXT }, { "tinytext", ORM_RTYPE_TEXT },
    { "text", ORM_RTYPE_TEXT }, { "mediumtext", ORM_RTYPE_TEXT },
    { "longtext", ORM_RTYPE_TEXT }, { "enum", ORM_RTYPE_TEXT }, { "set", ORM_RTYPE_TEXT },
    { "uuid", ORM_RTYPE_TEXT }, { "inet4", ORM_RTYPE_TEXT }, { "inet6", ORM_RTYPE_TEXT },
    { "binary", ORM_RTYPE_BLOB }, { "varbinary", ORM_RTYPE_BLOB },
    { "tinyblob", ORM_RTYPE_BLOB }, { "blob", ORM_RTYPE_BLOB },
    { "mediumblob", ORM_RTYPE_BLOB }, { "longblob", ORM_RTYPE_BLOB },
    { "date", ORM_RTYPE_DATE }, { "time", ORM_RTYPE_TIME },
    { "datetime", ORM_RTYPE_TIMESTAMP }, { "timestamp", ORM_RTYPE_TIMESTAMPTZ },
    { "json", ORM_RTYPE_JSON },
  };
  size_t i;
  if( bJson ) return ORM_RTYPE_JSON;
  if( zColType && (sqlite3_strnicmp(zColType, "tinyint(1)", 10)==0
                   || sqlite3_strnicmp(zColType, "bit(1)", 6)==0) ){
    return ORM_RTYPE_BOOLEAN;
  }
  for(i=0; zData && i<sizeof(aType)/sizeof(aType[0]); i++){
    if( sqlite3_stricmp(aType[i].zName, zData)==0 ) return aType[i].eType;
  }
  return ORM_RTYPE_OTHER;
}

/* The name of the connection's current database (sqlite3_malloc'd), or NULL. */
static char *myCurrentDb(MyConn *p){
  MYSQL_RES *pRes;
  MYSQL_ROW row;
  char *z = 0;
  if( myQuiesce(p, 0)!=SQLITE_OK ) return 0;
  if( mysql_real_query(p->pMy, "SELECT DATABASE()", 17) ) return 0;
  pRes = mysql_store_result(p->pMy);
  if( pRes==0 ) return 0;
  row = mysql_fetch_row(pRes);
  if( row && row[0] ) z = sqlite3_mprintf("%s", row[0]);
  mysql_free_result(pRes);
  return z;
}

static int mySameText(const char *z, int n, const char *zWant){
  return z && (int)strlen(zWant)==n && memcmp(z, zWant, n)==0;
}

static int myColumns(OrmRemoteConn *pConn, const char *zSchema, const char *zTable,
                     OrmRemoteCol **paCol, int *pnCol, char **pzErr){
  MyConn *p = (MyConn*)pConn;
  MYSQL_BIND aBind[3];
  unsigned long an[3];
  OrmRemoteRes *pR = 0;
  OrmRemoteCol *aCol = 0;
  int nCol = 0, rc;
  char *zSql;
  *paCol = 0;
  *pnCol = 0;
  if( p->pMy==0 ) return myLost(pzErr);
  /* information_schema compares names without case: the exact match is checked here. A
  ** MariaDB JSON column is LONGTEXT with a json_valid() CHECK of its own name. */
  zSql = sqlite3_mprintf(
      "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.DATA_TYPE,"
      " c.IS_NULLABLE, c.COLLATION_NAME,"
      " (SELECT s.SEQ_IN_INDEX FROM information_schema.STATISTICS s"
      "   WHERE s.TABLE_SCHEMA=c.TABLE_SCHEMA AND s.TABLE_NAME=c.TABLE_NAME"
      "   AND s.INDEX_NAME='PRIMARY' AND s.COLUMN_NAME=c.COLUMN_NAME LIMIT 1),"
      " %s"
      " FROM information_schema.COLUMNS c"
      " WHERE c.TABLE_SCHEMA=COALESCE(?, DATABASE()) AND c.TABLE_NAME=?"
      " ORDER BY c.ORDINAL_POSITION",
      p->bMariadb ?
      "EXISTS(SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k"
      "   WHERE k.CONSTRAINT_SCHEMA=c.TABLE_SCHEMA AND k.TABLE_NAME=c.TABLE_NAME"
      "   AND k.CHECK_CLAUSE=CONCAT('json_valid(`', c.COLUMN_NAME, '`)'))" : "0");
  if( zSql==0 ) return SQLITE_NOMEM;
  myBindText(&aBind[0], &an[0], zSchema);
  myBindText(&aBind[1], &an[1], zTable);
  rc = myRun(p, zSql, 2, aBind, MY_RUN_ONE, &pR, 0, pzErr);
  sqlite3_free(zSql);
  while( rc==SQLITE_OK && (rc = myNext(pR, pzErr))==SQLITE_ROW ){
    MyRes *pRes = (MyRes*)pR;
    OrmRemoteCol *pCol, *aNew;
    const char *zS, *zT, *zName, *zType, *zData, *zNull, *zColl;
    int nS, nT, nName, nType, nData, nNull, nColl;
    char *zDataType;
    rc = SQLITE_OK;
    zS = myResText(pRes, 0, &nS);
    zT = myResText(pRes, 1, &nT);
    if( (zSchema && !mySameText(zS, nS, zSchema)) || !mySameText(zT, nT, zTable) ) continue;
    zName = myResText(pRes, 2, &nName);
    zType = myResText(pRes, 3, &nType);
    zData = myResText(pRes, 4, &nData);
    zNull = myResText(pRes, 5, &nNull);
    zColl = myResText(pRes, 6, &nColl);
    aNew = sqlite3_realloc64(aCol, sizeof(OrmRemoteCol)*(nCol+1));
    if( aNew==0 ){ rc = SQLITE_NOMEM; break; }
    aCol = aNew;
    pCol = &aCol[nCol++];
    memset(pCol, 0, sizeof(*pCol));
    pCol->zName = sqlite3_mprintf("%.*s", nName, zName ? zName : "");
    pCol->zRemoteType = sqlite3_mprintf("%.*s", nType, zType ? zType : "");
    zDataType = sqlite3_mprintf("%.*s", nData, zData ? zData : "");
    if( pCol->zName==0 || pCol->zRemoteType==0 || zDataType==0 ){
      sqlite3_free(zDataType);
      rc = SQLITE_NOMEM;
      break;
    }
    pCol->eType = myRemoteType(zDataType, pCol->zRemoteType, myResInt(pRes, 8)!=0);
    sqlite3_free(zDataType);
    pCol->iKey = (int)myResInt(pRes, 7);
    pCol->bNotNull = mySameText(zNull, nNull, "NO");
    pCol->bCaseFold = zColl && nColl>=3 && memcmp(zColl+nColl-3, "_ci", 3)==0;
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  myFinish(pR);
  if( rc==SQLITE_OK && nCol==0 ){
    char *zDb = zSchema ? sqlite3_mprintf("%s", zSchema) : myCurrentDb(p);
    sqlite3_str *pStr = sqlite3_str_new(0);
    char *zQualified;
    if( zDb ){
      myQuoteId(pStr, zDb);
      sqlite3_str_appendchar(pStr, 1, '.');
    }
    myQuoteId(pStr, zTable);
    zQualified = sqlite3_str_finish(pStr);
    if( zQualified==0 ){
      rc = SQLITE_NOMEM;
    }else{
      rc = myError(pzErr, SQLITE_NOTFOUND, "mysql: no table %s on %s%s", zQualified,
                   p->pUrl->zRedacted, zDb ? "" : " (no database selected)");
    }
    sqlite3_free(zQualified);
    sqlite3_free(zDb);
  }
  if( rc!=SQLITE_OK ){
    sqlormRemoteColsFree(aCol, nCol);
    return rc;
  }
  *paCol = aCol;
  *pnCol = nCol;
  return SQLITE_OK;
}

static int myTables(OrmRemoteConn *pConn, const char *zSchema, OrmNames *pTables,
                    char **pzErr){
  MyConn *p = (MyConn*)pConn;
  MYSQL_BIND aBind[1];
  unsigned long an[1];
  OrmRemoteRes *pR = 0;
  OrmNames found = {0, 0};
  int rc, i;
  if( p->pMy==0 ) return myLost(pzErr);
  myBindText(&aBind[0], &an[0], zSchema);
  rc = myRun(p, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA=COALESCE(?, DATABASE())"
                " AND TABLE_TYPE IN ('BASE TABLE','VIEW','SYSTEM VERSIONED')"
                " ORDER BY CAST(TABLE_NAME AS BINARY)",
             1, aBind, MY_RUN_ONE, &pR, 0, pzErr);
  while( rc==SQLITE_OK && (rc = myNext(pR, pzErr))==SQLITE_ROW ){
    MyRes *pRes = (MyRes*)pR;
    const char *zS, *zT;
    int nS, nT;
    char *zName;
    rc = SQLITE_OK;
    zS = myResText(pRes, 0, &nS);
    zT = myResText(pRes, 1, &nT);
    if( (zSchema && !mySameText(zS, nS, zSchema)) || zT==0 ) continue;
    zName = sqlite3_mprintf("%.*s", nT, zT);
    rc = zName ? sqlormNamesAdd(&found, zName) : SQLITE_NOMEM;
    sqlite3_free(zName);
  }
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  myFinish(pR);
  for(i=0; rc==SQLITE_OK && i<found.n; i++) rc = sqlormNamesAdd(pTables, found.az[i]);
  sqlormNamesClear(&found);
  return rc;
}

/* No zRangeCollate: text equality is loose (case folding, PAD SPACE), so no text range or
** text ORDER BY goes to the server anyway. */
/* A long IN list: the elements of one JSON array parameter (JSON_TABLE, MariaDB 10.6 and
** MySQL 8), typed as the column. */
static void myJsonIn(sqlite3_str *pStr, const char *zQuotedCol, int i, const OrmRemoteCol *pCol){
  const char *zType = pCol->zRemoteType ? pCol->zRemoteType : "text";
  (void)i;
  /* ENUM and SET are no JSON_TABLE types, and a length or precision would cut or round a
  ** value into a false match: text and decimal are read at full size. */
  if( sqlite3_strnicmp(zType, "enum", 4)==0 || sqlite3_strnicmp(zType, "set", 3)==0
   || sqlite3_strnicmp(zType, "varchar", 7)==0 || sqlite3_strnicmp(zType, "char", 4)==0
   || sqlite3_strnicmp(zType, "tinytext", 8)==0 ){
    zType = "text";
  }else if( sqlite3_strnicmp(zType, "decimal", 7)==0 ){
    zType = "decimal(65,30)";
  }
  sqlite3_str_appendf(pStr, "%s IN (SELECT j.v FROM JSON_TABLE(?, '$[*]' COLUMNS(v %s PATH "
                      "'$')) AS j)", zQuotedCol, zType);
}

const OrmBackend sqlormBackendMysql = {
  .xJsonIn = myJsonIn,
  .zName = "mysql",
  .xParam = myParam,
  .xQuoteId = myQuoteId,
  .xOrderTerm = myOrderTerm,
  .bLikeAscii = 1,
  .bNative = 0,
  .zRangeCollate = 0,
  .zLikeOp = "LIKE",
  .bTextEqLoose = 1,
  .xConnect = myConnect,
  .xDisconnect = myDisconnect,
  .xPing = myPing,
  .xQuery = myQuery,
  .xNext = myNext,
  .xColumn = myColumn,
  .xFinish = myFinish,
  .xExec = myExec,
  .xBegin = myBegin,
  .xPrepare = myPrepare,
  .xCommitPrepared = myCommitPrepared,
  .xRollbackPrepared = myRollbackPrepared,
  .xListPrepared = myListPrepared,
  .xColumns = myColumns,
  .xTables = myTables,
};

#endif /* SQLORM_WITH_MYSQL */
