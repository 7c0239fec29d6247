/*
** sqlorm.h: what the files of ext/ and vtab/ share.
**
** Every file includes this header instead of sqlite3ext.h. Only sqlorm.c defines the
** extension's API pointer (SQLITE_EXTENSION_INIT1); the rest see it through INIT3 below.
** Prototypes are grouped by the file that defines them, as postgres_fdw does.
*/
#ifndef SQLORM_H
#define SQLORM_H

#include "config.h"
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#define SQLORM_VERSION PACKAGE_VERSION

/* The oldest library the module runs on; configure checks the same at build time. */
#define SQLORM_SQLITE_MIN_NUMBER 3038000
#define SQLORM_SQLITE_MIN_TEXT "3.38.0"

/* The catalog format this build writes and understands (stored in orm_meta). */
#define SQLORM_CATALOG_FORMAT 1

/* in catalog.c */
int sqlormCatalogFormat(sqlite3 *db, int *pFormat);
int sqlormCatalogEnsure(sqlite3 *db, char **pzErr);
int sqlormCatalogRestore(sqlite3 *db, char **pzErr);

/* in util.c */
int sqlormExec(sqlite3 *db, char **pzErr, const char *zFormat, ...);
int sqlormTableExists(sqlite3 *db, const char *zSchema, const char *zTable, int *pExists);
void sqlormResultErrorCode(sqlite3_context *ctx, int rc, char *zErr);

#endif /* SQLORM_H */
