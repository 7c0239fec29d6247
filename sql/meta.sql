-- meta.sql: the module's meta functions, as any host sees them.

SELECT orm_version();

-- orm_debug() is one JSON object: the version, the SQLite it runs on and was built
-- against, the backends compiled in (each with its client library), and the catalog.
SELECT json_valid(orm_debug()) AS valid,
       orm_debug() ->> '$.version' AS version,
       orm_debug() ->> '$.sqlite' = sqlite_version() AS same_sqlite,
       json_type(orm_debug(), '$.backends') AS backends,
       orm_debug() ->> '$.backends.sqlite' = sqlite_version() AS sqlite_backend,
       json_type(orm_debug(), '$.catalog') AS catalog;

-- Wrong argument counts are SQLite's own errors.
SELECT orm_version(1);
SELECT orm_debug('verbose');

-- orm_version() is deterministic, so it may appear in an index or a generated column;
-- orm_debug() reads the catalog, so it may not.
CREATE TABLE t(a, v AS (orm_version()));
INSERT INTO t(a) VALUES (1);
SELECT a, v FROM t;
CREATE TABLE t2(a, d AS (orm_debug()));

-- Another host opening the file without the module still reads the table's rows; only
-- the generated column needs the function.
.reopen-plain
SELECT a FROM t;
SELECT v FROM t;
.reopen
SELECT v FROM t;
