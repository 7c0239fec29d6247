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

/* A list of names (columns, mostly), owned by the list. */
typedef struct OrmNames OrmNames;
struct OrmNames {
  int n;
  char **az;
};

/* A FOREIGN KEY of a table, with `REFERENCES t` resolved to t's key. */
typedef struct OrmFk OrmFk;
struct OrmFk {
  char *zTo;              /* the parent table, as the schema spells it */
  OrmNames from;          /* columns of this table */
  OrmNames to;            /* the parent's columns they reference */
  char *zOnDelete;        /* "CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT" */
  int bNotNull;           /* every `from` column is NOT NULL */
  int bDangling;          /* the parent table does not exist */
};

/* What sqlorm needs to know of a table. */
typedef struct OrmTable OrmTable;
struct OrmTable {
  char *zName;            /* as the schema spells it */
  OrmNames cols;          /* visible columns, generated ones included */
  OrmNames generated;     /* the generated ones among them */
  unsigned char *aNotNull;/* per column of cols */
  OrmNames key;           /* PRIMARY KEY columns in key order, or the rowid's name */
  int bRowidKey;          /* the key addresses the b-tree: a rowid table's single key */
  int bImplicitRowid;     /* no declared key: key is "rowid" (or _rowid_, oid) */
  int bWithoutRowid;
  int bStrict;
  int nUnique;            /* UNIQUE sets (not partial, no expressions) */
  OrmNames *aUnique;
  int nFk;
  OrmFk *aFk;
};

/* A relationship, as the catalog defines it and the live schema keys it. */
#define ORM_M2O 1         /* the model's table holds the referencing columns (local) */
#define ORM_O2M 2         /* the target's table holds them (remote) */
#define ORM_M2M 3         /* a secondary (association) table holds both sides */

#define ORM_CASCADE_DELETE 0x01
#define ORM_CASCADE_ORPHAN 0x02

typedef struct OrmRel OrmRel;
struct OrmRel {
  char *zModel;           /* the model the relationship belongs to */
  char *zName;
  char *zTable;           /* the model's table */
  char *zTarget;          /* the target model */
  char *zTargetTable;     /* its table */
  char *zTargetView;      /* the target model's view, read instead of its table, or NULL */
  char *zParentView;      /* the model's view when it leaves rows out (soft delete,
                          ** inheritance): the parents are read through it; or NULL */
  int bRemoteNotNull;     /* with zTargetView: every remote column is declared NOT NULL */
  int eDir;               /* ORM_M2O, ORM_O2M or ORM_M2M */
  int bUselist;           /* 0: a scalar (many-to-one, one-to-one) */
  int bOneToOne;          /* the referencing columns are unique: one-to-one */
  OrmNames local;         /* columns of zTable ... */
  OrmNames remote;        /* ... and of zTargetTable; paired unless many-to-many */
  char *zSecondary;       /* many-to-many: the association table */
  OrmNames secLocal;      /* its columns that match local */
  OrmNames secRemote;     /* its columns that match remote */
  OrmNames key;           /* zTable's key: what the traversal's source holds */
  OrmNames targetKey;     /* zTargetTable's key */
  char *zWhere;           /* read filter over the target, or NULL */
  char *zOrderBy;         /* order of a collection, or NULL */
  char *zBackPopulates;   /* the mirror relationship on the target, or NULL */
  int mCascade;           /* ORM_CASCADE_* */
  int bPassive;           /* passive_deletes: children are left to the database */
  int iMaxDepth;          /* default max_depth of a recursive walk (1; 0 = unbounded) */
  int bAutomap;           /* made by orm_automap() */
};

/* A table's versioning (optimistic locking), as a model declares it. */
#define ORM_VERSION_COUNTER 0
#define ORM_VERSION_UUID 1
#define ORM_VERSION_TIMESTAMP 2

typedef struct OrmVersion OrmVersion;
struct OrmVersion {
  char *zModel;           /* the model that declares it: its triggers are named for it */
  char *zTable;
  char *zCol;             /* the version column; NULL: not versioned */
  int eGen;               /* ORM_VERSION_* */
  int bStrict;            /* version_policy strict: an UPDATE must name the version */
  char *zCreated;         /* the model's timestamps, whose own stamping is not a write */
  char *zUpdated;         /*   to advance */
  int bOff, bGenSet, bPolicySet;   /* while parsing: what the options said */
};

/* sqlormRelLoad's code for "no such relationship" (with a message), as opposed to a
** failure while reading the catalog. */
#define ORM_NOTFOUND SQLITE_NOTFOUND

/* in relationship.c */
int sqlormRelLoad(sqlite3 *db, const char *zModel, const char *zName, OrmRel **pp,
                  char **pzErr);
void sqlormRelFree(OrmRel *p);
int sqlormRelSave(sqlite3 *db, OrmRel *p, char **pzErr);
int sqlormRelDrop(sqlite3 *db, const char *zModel, const char *zName, char **pzErr);
char *sqlormRelChildrenSql(const OrmRel *p, const OrmNames *pExtra);
int sqlormRelIsSelf(const OrmRel *p);
int sqlormModelTable(sqlite3 *db, const char *zModel, int bOrigin, char **pzTable,
                     char **pzErr);
int sqlormModelView(sqlite3 *db, const char *zModel, char **pzView, int *pbFilters);
int sqlormRelRebuildTraversals(sqlite3 *db, const char *zModel, char **pzErr);
int sqlormRelRestoreTemp(sqlite3 *db);
int sqlormRelationshipRegister(sqlite3 *db);

/* in automap.c */
int sqlormAutomapRegister(sqlite3 *db);

/* in loader.c */
int sqlormJsonRegister(sqlite3 *db);

/* in traverse.c (vtab/) */
int sqlormTraverseRegister(sqlite3 *db);

/* in inherit.c */
/* The tables of a model's view, root first: the root, then one per joined-table subclass
** step. aKey[i]: table i's columns joined to the root's key, in the root key's order. */
typedef struct OrmParts OrmParts;
struct OrmParts {
  int n;
  OrmTable **ap;
  OrmNames *aKey;
};
int sqlormInheritAncestors(sqlite3 *db, const char *zModel, OrmNames *p);
int sqlormInheritDescendants(sqlite3 *db, const char *zModel, OrmNames *p);
int sqlormInheritDiscriminator(sqlite3 *db, const char *zModel, char **pzDisc);
int sqlormInheritIdentities(sqlite3 *db, const char *zModel, OrmNames *p);
int sqlormInheritParts(sqlite3 *db, const char *zModel, OrmParts *p, char **pzErr);
void sqlormInheritPartsClear(OrmParts *p);
int sqlormInheritPartOf(const OrmParts *p, const char *zCol);

/* in model.c */
int sqlormModelRebuildFamily(sqlite3 *db, const char *zModel, char **pzErr);
int sqlormModelRebuild(sqlite3 *db, const char *zModel, char **pzErr);
int sqlormModelDropView(sqlite3 *db, const char *zModel, char **pzErr);
int sqlormModelRegister(sqlite3 *db);

/* in version.c */
void sqlormVersionClear(OrmVersion *p);
int sqlormVersionIsOption(const char *zKey);
int sqlormVersionOption(OrmVersion *p, const char *zKey, const char *zType, const char *zVal,
                        char **pzErr);
int sqlormVersionValidate(sqlite3 *db, const OrmVersion *p, const char *zModel,
                          const char *zTable, char **pzErr);
void sqlormVersionJson(sqlite3_str *pStr, const OrmVersion *p);
int sqlormVersionLoad(sqlite3 *db, const char *zModel, const char *zTable, OrmVersion *p);
char *sqlormVersionNext(const OrmVersion *p, const char *zOld);
int sqlormVersionTriggers(sqlite3 *db, const char *zModel, char **pzErr);
int sqlormVersionDropTriggers(sqlite3 *db, const char *zModel, char **pzErr);
int sqlormVersionViewTrigger(sqlite3 *db, const char *zView, const OrmTable *pTab,
                             const OrmVersion *p, char **pzErr);
int sqlormVersionSync(sqlite3 *db, const char *zTable, const char *zModel, char **pzErr);
int sqlormVersionForget(sqlite3 *db, const char *zModel, char **pzErr);

/* in hybrid.c */
int sqlormHybridRestore(sqlite3 *db, char **pzErr);
int sqlormHybridDrop(sqlite3 *db, const char *zModel, const char *zName, int bCascade,
                     char **pzErr);
int sqlormHybridRegister(sqlite3 *db);

/* in revgraph.c */
/* A revision of the migration journal: its definition (orm_revisions) and, when applied,
** what the journal (orm_journal) keeps of it. */
typedef struct OrmRev OrmRev;
struct OrmRev {
  char *zId, *zDesc, *zUp, *zDown, *zChecksum;
  OrmNames down, deps, labels;    /* down revisions, depends_on, branch labels */
  int *aDown, *aDep;              /* the same edges, as indexes in the graph */
  int bDefined;                   /* in orm_revisions (else known from the journal only) */
  int bApplied;                   /* in orm_journal */
  char *zJChecksum, *zJUp, *zJDown, *zAppliedAt;
};
typedef struct OrmGraph OrmGraph;
struct OrmGraph {
  int n;
  OrmRev *a;
};
int sqlormGraphLoad(sqlite3 *db, OrmGraph *g, char **pzErr);
void sqlormGraphClear(OrmGraph *g);
int sqlormGraphFind(const OrmGraph *g, const char *zId);
int sqlormGraphHeads(const OrmGraph *g, int bApplied, int *aOut);
int sqlormGraphUpgradeTarget(const OrmGraph *g, const char *zTarget, int **paOut, int *pnOut,
                             char **pzErr);
int sqlormGraphDowngradeTarget(const OrmGraph *g, const char *zTarget, int *piOut,
                               char **pzErr);
int sqlormGraphUpgradePlan(const OrmGraph *g, const int *aTarget, int nTarget, int **paPlan,
                           int *pnPlan);
int sqlormGraphDowngradePlan(const OrmGraph *g, int iKeep, int **paPlan, int *pnPlan);
int sqlormGraphClosure(const OrmGraph *g, const int *aTarget, int nTarget,
                       unsigned char **paMark);
int sqlormGraphHasCycle(const OrmGraph *g, int *piRev);

/* in journal.c */
char *sqlormChecksum(const char *zUp, const char *zDown);
int sqlormRevisionAdd(sqlite3 *db, const char *zRev, const OrmNames *pDown,
                      const char *zDesc, const char *zUp, const char *zDown,
                      const OrmNames *pLabels, const OrmNames *pDeps, const char *zSource,
                      int bReplace, char **pzErr);
int sqlormJournalRegister(sqlite3 *db);

/* in autogen.c */
int sqlormAutogenRegister(sqlite3 *db);

/* in migrate.c */
int sqlormMigrateRegister(sqlite3 *db);

/* in history.c (vtab/) */
int sqlormHistoryRegister(sqlite3 *db);

/* in catalog.c */
int sqlormCatalogFormat(sqlite3 *db, int *pFormat);
int sqlormCatalogEnsure(sqlite3 *db, char **pzErr);
char *sqlormCatalogScript(void);
int sqlormCatalogRestore(sqlite3 *db, int *piFormat, char **pzErr);

/* in schema.c */
int sqlormNamesAdd(OrmNames *p, const char *zName);
void sqlormNamesClear(OrmNames *p);
int sqlormNamesCopy(OrmNames *pTo, const OrmNames *pFrom);
int sqlormNamesFind(const OrmNames *p, const char *zName);
int sqlormNamesSameSet(const OrmNames *a, const OrmNames *b);
int sqlormNamesEqual(const OrmNames *a, const OrmNames *b);
void sqlormNamesJson(sqlite3_str *pStr, const OrmNames *p);
void sqlormNamesSql(sqlite3_str *pStr, const char *zAlias, const OrmNames *p, const char *zSep);
int sqlormNamesFromJson(sqlite3 *db, const char *zJson, OrmNames *p, char **pzErr);
int sqlormQueryNames(sqlite3 *db, const char *zSql, const char *zBind, OrmNames *pA,
                     OrmNames *pB);
int sqlormTableName(sqlite3 *db, const char *zName, char **pzCanon);
int sqlormTableLoad(sqlite3 *db, const char *zName, OrmTable **pp, char **pzErr);
int sqlormTableLoadShallow(sqlite3 *db, const char *zName, OrmTable **pp, char **pzErr);
void sqlormRowKeySql(const OrmTable *pTab, sqlite3_str *pWhere, sqlite3_str *pText,
                     const char *zRef);
void sqlormTableFree(OrmTable *p);
int sqlormTableIsUnique(const OrmTable *p, const OrmNames *pCols);
int sqlormTableCheckColumns(const OrmTable *p, const OrmNames *pCols, const char *zWhat,
                            char **pzErr);

/* in expr.c */
int sqlormCheckExpr(sqlite3 *db, const char *zExpr, const char *zFrom, const char *zWhat,
                    const OrmNames *pParams, char **pzErr);
int sqlormCheckOrderBy(sqlite3 *db, const char *zOrderBy, const char *zFrom,
                       const char *zWhat, char **pzErr);
int sqlormCheckTrusted(sqlite3 *db, const char *zSql, const char *zWhat,
                       const OrmNames *pParams, char **pzErr);
int sqlormExprHasSubquery(const char *z);
char *sqlormExprSubst(const char *zExpr, const char *zParam, const char *zWith, int *pRc);

/* in ddl.c */
#define DDL_END    0      /* token kinds of sqlormDdlToken */
#define DDL_SPACE  1      /* blanks and comments */
#define DDL_ID     2      /* a bare word (or number) */
#define DDL_QUOTED 3      /* "name", `name`, [name] */
#define DDL_STRING 4      /* 'text' */
#define DDL_LP     5
#define DDL_RP     6
#define DDL_COMMA  7
#define DDL_SEMI   8
#define DDL_OTHER  9      /* an operator character */
#define DDL_ERROR  10     /* an unterminated string, name or comment */

/* A CREATE TABLE statement as parts: "CREATE TABLE " name ... "(" part "," part ... zTail. */
typedef struct OrmDdlPart OrmDdlPart;
struct OrmDdlPart {
  char *zText;            /* as written, blanks and comments around it included */
  int bConstraint;        /* a table constraint, not a column definition */
  char *zName;            /* the column's name, or the constraint's (CONSTRAINT x) or NULL */
};
typedef struct OrmDdl OrmDdl;
struct OrmDdl {
  char *zSql;             /* the statement read */
  int iName, nName;       /* the table's name token in zSql */
  int iOpen;              /* offset of the '(' that opens the parts */
  int nPart;
  OrmDdlPart *aPart;
  char *zTail;            /* ")" and the table options */
};
/* A column definition: name, type, constraints, as offsets into its text. */
#define ORM_DDL_MAXSEG 32
typedef struct OrmDdlSeg OrmDdlSeg;
struct OrmDdlSeg {
  int iStart, iEnd;       /* the constraint, CONSTRAINT name included */
  int iName, nName;       /* the name token of CONSTRAINT name (iName<0: none) */
  int iKind, nKind;       /* its keyword: NOT, NULL, DEFAULT, COLLATE, CHECK, ... */
};
typedef struct OrmDdlColumn OrmDdlColumn;
struct OrmDdlColumn {
  int iName, nName;       /* the name token */
  int iType, iTypeEnd;    /* the type, maybe empty (blanks around it included) */
  int iEnd;               /* the end of the last token */
  int nSeg;
  OrmDdlSeg aSeg[ORM_DDL_MAXSEG];
};
int sqlormDdlToken(const char *z, int *peType);
int sqlormDdlIsWord(const char *z, int n, const char *zWord);
char *sqlormDdlDequote(const char *z, int n);
int sqlormDdlCheckElement(const char *z, const char *zWhat, int *pbLineComment,
                          char **pzErr);
char *sqlormDdlNormalize(const char *z, int n);
int sqlormDdlParse(const char *zSql, OrmDdl *p, char **pzErr);
void sqlormDdlClear(OrmDdl *p);
int sqlormDdlAddPart(OrmDdl *p, int iAt, const char *z, int n, int bConstraint, char *zName);
void sqlormDdlDropPart(OrmDdl *p, int i);
int sqlormDdlPartKind(const char *z, int *pbConstraint, char **pzName);
void sqlormDdlOptions(const OrmDdl *p, int *pbWithoutRowid, int *pbStrict);
int sqlormDdlSetOptions(OrmDdl *p, int bWithoutRowid, int bStrict);
char *sqlormDdlBuild(const OrmDdl *p, const char *zName, int *pRc);
int sqlormDdlColumn(const char *z, OrmDdlColumn *p);

/* in alter.c */
int sqlormAlterRegister(sqlite3 *db);

/* in util.c */
int sqlormSavepointBegin(sqlite3 *db, char **pzErr);
int sqlormSavepointEnd(sqlite3 *db, int rc, char **pzErr);
void sqlormSavepointResult(sqlite3_context *ctx, const char *zFunc, int rc, char *zErr,
                           char **pzOut);
int sqlormOptionsRead(sqlite3 *db, const char *zOpts, OrmNames *pKeys, OrmNames *pVals,
                      char **pzErr);
int sqlormArgText(sqlite3_context *ctx, sqlite3_value **argv, int i, const char *zFunc,
                  const char *zArg, const char **pz);
void sqlormResultError(sqlite3_context *ctx, const char *zFunc, int rc, char *zErr);
int sqlormCreateFunction(sqlite3 *db, const char *zName, int nArg, int flags,
                         void (*xFunc)(sqlite3_context*, int, sqlite3_value**));
int sqlormCreateFunctionData(sqlite3 *db, const char *zName, int nArg, int flags, void *pData,
                             void (*xFunc)(sqlite3_context*, int, sqlite3_value**));
void sqlormJsonString(sqlite3_str *pStr, const char *z, int n);
int sqlormExec(sqlite3 *db, char **pzErr, const char *zFormat, ...);
int sqlormTableExists(sqlite3 *db, const char *zSchema, const char *zTable, int *pExists);
int sqlormTableIsRemote(sqlite3 *db, const char *zTable, int *pbRemote);

#endif /* SQLORM_H */
