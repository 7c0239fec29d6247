/*
** remote.h: the federated layer's one backend interface, shared by vtab/remote*.c.
**
** The virtual table (remote.c), the SQL it sends (remote_deparse.c), URLs (remote_url.c)
** and pools (remote_pool.c) never name a backend: they call through an OrmBackend, a
** struct of function pointers that remote_sqlite.c, remote_pg.c and remote_mysql.c each
** fill in (as Redis picks epoll/kqueue/select behind one aeApi interface).
**
**   const OrmBackend *pBe = sqlormRemoteBackend("postgresql");
**   rc = pBe->xConnect(pUrl, &pConn, &zErr);
**   rc = pBe->xQuery(pConn, "SELECT \"id\" FROM \"t\" WHERE \"id\" = $1", 1, apVal, 0,
**                    &pRes, &zErr);
**   while( (rc = pBe->xNext(pRes, &zErr))==SQLITE_ROW ) pBe->xColumn(pRes, 0, ctx);
**   pBe->xFinish(pRes);
**   pBe->xDisconnect(pConn);
**
** Rules every backend keeps:
** - Results carry SQLite values converted by the type map (README, "Types"): integers and
**   booleans as INTEGER, floats as REAL, numeric as INTEGER when integral and in range,
**   REAL when that is exact, else TEXT; text, enums, UUIDs as TEXT; bytes as BLOB; dates
**   'YYYY-MM-DD', times 'HH:MM:SS[.ffffff]', timestamps 'YYYY-MM-DD HH:MM:SS[.ffffff]',
**   timestamps with a time zone in UTC with '+00:00'; JSON as its text; arrays as JSON.
** - Parameters are sqlite3_value: NULL, INTEGER, REAL, TEXT, BLOB; the backend sends
**   them so that the server converts them to the column's type (PostgreSQL: text format,
**   type left to the server; MySQL: bound by their SQLite type).
** - Errors: an SQLite result code and *pzErr from sqlite3_malloc (the caller frees it).
**   A message never holds a password. A lost connection gives SQLITE_IOERR, so that the
**   pool discards the connection; a statement the server refuses gives SQLITE_ERROR;
**   a constraint violation SQLITE_CONSTRAINT.
** - Several results may be open at once on one connection (a join of two remote tables
**   of one server inside a write transaction): a backend that cannot stream two at once
**   keeps the older one streaming and the newer in a server-side cursor, or buffers one.
** - Memory: sqlite3_malloc for what reaches the caller; the client library's own for the
**   rest.
*/
#ifndef SQLORM_REMOTE_H
#define SQLORM_REMOTE_H

#include "sqlorm.h"

/* A URL in SQLAlchemy's create_engine form: dialect[+driver]://user[:password]@host[:port]
** /database?key=value&..., or sqlite:///path (sqlite:////abs/path, sqlite:///:memory:). */
typedef struct OrmRemoteUrl OrmRemoteUrl;
struct OrmRemoteUrl {
  char *zDialect;         /* "postgresql", "mysql" (mariadb is read as mysql), "sqlite" */
  char *zDriver;          /* what followed '+', or NULL (accepted and ignored) */
  char *zUser;            /* NULL: the backend's default (libpq: PGUSER, the OS user) */
  char *zPassword;        /* NULL: none given (.pgpass, option files, service files) */
  char *zHost;            /* NULL: the backend's default (a Unix socket) */
  int iPort;              /* 0: the default */
  char *zDatabase;        /* for sqlite: the file's path */
  OrmNames optKey;        /* query parameters, decoded: passed to the client library */
  OrmNames optVal;
  char *zRedacted;        /* the URL with any password as *** : for messages and status */
};

/* A remote column, as the backend describes it for CREATE VIRTUAL TABLE. */
#define ORM_RTYPE_INTEGER   1
#define ORM_RTYPE_REAL      2
#define ORM_RTYPE_NUMERIC   3
#define ORM_RTYPE_TEXT      4   /* text, varchar, char, enums, UUIDs */
#define ORM_RTYPE_BLOB      5
#define ORM_RTYPE_BOOLEAN   6
#define ORM_RTYPE_DATE      7
#define ORM_RTYPE_TIME      8
#define ORM_RTYPE_TIMESTAMP 9
#define ORM_RTYPE_TIMESTAMPTZ 10
#define ORM_RTYPE_JSON      11
#define ORM_RTYPE_ARRAY     12
#define ORM_RTYPE_OTHER     13  /* read as its text; not written */

typedef struct OrmRemoteCol OrmRemoteCol;
struct OrmRemoteCol {
  char *zName;            /* as the server spells it */
  char *zRemoteType;      /* the server's type name ("timestamp with time zone", "int(11)") */
  int eType;              /* ORM_RTYPE_* */
  int iKey;               /* 1-based position in the primary key, 0: not in it */
  int bNotNull;
  int bCaseFold;          /* text compared case-insensitively by the server (MySQL _ci) */
  char *zCollate;         /* sqlite backend: the column's collation, NULL for BINARY */
};

typedef struct OrmRemoteConn OrmRemoteConn;
typedef struct OrmRemoteRes OrmRemoteRes;
typedef struct OrmBackend OrmBackend;

/* The part of every connection the layer reads; a backend's struct starts with it. */
struct OrmRemoteConn {
  const OrmBackend *pBe;
  sqlite3_int64 iCreated; /* unix time of connect: pool_recycle */
  int bInTxn;             /* a transaction is open on the server: the backend keeps it true
                          ** to the server's state; the layer reads it (and sets it after
                          ** BEGIN for backends that do not) */
  int nSavepoint;         /* savepoints open in it */
  OrmRemoteConn *pNextIdle;   /* the pool's list */
};

/* xQuery's flags */
#define ORM_QUERY_ONE     0x01  /* at most one row (a lookup by key): no streaming needed */

struct OrmBackend {
  const char *zName;      /* "postgresql", "mysql", "sqlite" */
  /* Placeholders, identifiers, NULL ordering: what remote_deparse.c needs to write SQL. */
  void (*xParam)(sqlite3_str *p, int i);          /* i is 1-based: $1 or ? */
  void (*xQuoteId)(sqlite3_str *p, const char *zId);
  void (*xWriteParam)(sqlite3_str *p, int i, const OrmRemoteCol *pCol);  /* the value of
                          ** parameter i written into column pCol (pg: a JSON array into an
                          ** array column); NULL: xParam */
  void (*xJsonIn)(sqlite3_str *p, const char *zQuotedCol, int i, const OrmRemoteCol *pCol);
                          /* "col IN (the elements of JSON array parameter i)": a long IN
                          ** list as one parameter (SQLite's 32766 and the servers' 65535
                          ** placeholder limits); NULL: always one placeholder per value */
  void (*xOrderTerm)(sqlite3_str *p, const char *zQuotedCol, int bDesc);  /* SQLite's
                          ** NULL order: NULLs first ascending, last descending */
  int bLikeAscii;         /* ILIKE (pg) / LIKE (mysql _ci) matches at least what SQLite's
                          ** LIKE does for an ASCII pattern: pushed, checked again here */
  int bNative;            /* the server is SQLite: every comparison means the same there
                          ** (set by remote_sqlite.c only) */
  const char *zRangeCollate;  /* appended to a text column so that <, >, ORDER BY order
                          ** as SQLite's BINARY (pg: COLLATE "C"); NULL: not pushed */
  const char *zLikeOp;    /* the operator LIKE is sent as (pg: ILIKE, mysql: LIKE), a
                          ** superset for an ASCII pattern; NULL: LIKE is not pushed */
  int bTextEqLoose;       /* text equality on the server may match more than SQLite's
                          ** BINARY (mysql: case folding, PAD SPACE): pushed and checked
                          ** again here; no text ranges or text ORDER BY */
  /* Connections */
  int (*xConnect)(const OrmRemoteUrl *pUrl, int iTimeout, OrmRemoteConn **pp, char **pzErr);
  void (*xDisconnect)(OrmRemoteConn *p);
  int (*xPing)(OrmRemoteConn *p);                 /* SQLITE_OK: alive */
  /* Statements. zSql holds nParam placeholders written by xParam. */
  int (*xQuery)(OrmRemoteConn *p, const char *zSql, int nParam, sqlite3_value **apParam,
                int flags, OrmRemoteRes **ppRes, char **pzErr);
  int (*xNext)(OrmRemoteRes *pRes, char **pzErr);  /* SQLITE_ROW, SQLITE_DONE or an error */
  void (*xColumn)(OrmRemoteRes *pRes, int iCol, sqlite3_context *ctx);
  void (*xFinish)(OrmRemoteRes *pRes);            /* also before the end: the rest is dropped */
  int (*xExec)(OrmRemoteConn *p, const char *zSql, int nParam, sqlite3_value **apParam,
               sqlite3_int64 *pnChanged, char **pzErr);
  /* Transactions: xExec with BEGIN / SAVEPOINT name / RELEASE name / ROLLBACK TO name /
  ** COMMIT / ROLLBACK (every backend accepts those words); two-phase commit below.
  ** zGid: [A-Za-z0-9_]+, at most 64 bytes. */
  int (*xBegin)(OrmRemoteConn *p, const char *zGid, char **pzErr);     /* a transaction
                          ** that xPrepare may end as zGid (MySQL names an XA transaction at
                          ** XA START); NULL: xExec("BEGIN") */
  int (*xPrepare)(OrmRemoteConn *p, const char *zGid, char **pzErr);   /* ends the txn */
  int (*xCommitPrepared)(OrmRemoteConn *p, const char *zGid, char **pzErr);
  int (*xRollbackPrepared)(OrmRemoteConn *p, const char *zGid, char **pzErr);
  int (*xListPrepared)(OrmRemoteConn *p, const char *zPrefix, OrmNames *pGids,
                       char **pzErr);             /* prepared, not yet resolved */
  /* Schema: zSchema may be NULL (the default schema / database). */
  int (*xColumns)(OrmRemoteConn *p, const char *zSchema, const char *zTable,
                  OrmRemoteCol **paCol, int *pnCol, char **pzErr);  /* SQLITE_NOTFOUND: no
                          ** such table, with a message naming it */
  int (*xTables)(OrmRemoteConn *p, const char *zSchema, OrmNames *pTables, char **pzErr);
};

/* in remote_url.c */
int sqlormRemoteUrlParse(const char *zUrl, OrmRemoteUrl **pp, char **pzErr);
void sqlormRemoteUrlFree(OrmRemoteUrl *p);
const char *sqlormRemoteUrlOpt(const OrmRemoteUrl *p, const char *zKey);
void sqlormRemoteColsFree(OrmRemoteCol *a, int n);
int sqlormRemoteUrlHasPassword(const OrmRemoteUrl *p);

/* in remote.c */
const OrmBackend *sqlormRemoteBackend(const char *zDialect);
int sqlormRemoteRegister(sqlite3 *db);

/* in remote_sqlite.c, remote_pg.c, remote_mysql.c */
extern const OrmBackend sqlormBackendSqlite;
#ifdef SQLORM_WITH_POSTGRESQL
extern const OrmBackend sqlormBackendPg;
#endif
#ifdef SQLORM_WITH_MYSQL
extern const OrmBackend sqlormBackendMysql;
#endif

#endif /* SQLORM_REMOTE_H */
