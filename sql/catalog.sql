-- catalog.sql: what loading does with the catalog of the main database.

-- No catalog: loading created nothing.
SELECT count(*) AS orm_tables FROM sqlite_schema WHERE name LIKE 'orm\_%' ESCAPE '\';
SELECT orm_debug() ->> '$.catalog' AS catalog;

-- A catalog written by a newer sqlorm is refused at load, with both format numbers,
-- and left as it is.
CREATE TABLE orm_meta(key TEXT PRIMARY KEY NOT NULL, value);
INSERT INTO orm_meta VALUES ('format', 99);
.reopen
SELECT * FROM orm_meta;

-- A damaged catalog (no format row, or one that is not a positive integer) is refused.
UPDATE orm_meta SET value = 'one';
.reopen
DELETE FROM orm_meta;
.reopen

-- A catalog of this format loads, and orm_debug() reports it.
INSERT INTO orm_meta VALUES ('format', 1);
.reopen
SELECT orm_debug() ->> '$.catalog' AS catalog;

-- Read-only: loading still works and reports the same catalog.
.reopen-readonly
SELECT orm_debug() ->> '$.catalog' AS catalog;
INSERT INTO orm_meta VALUES ('x', 1);

-- Damaged after the load: orm_debug() says the catalog is unreadable, not absent.
.reopen
DELETE FROM orm_meta;
SELECT orm_debug() ->> '$.catalog' AS catalog;

-- A table of your own named orm_meta (without sqlorm's columns) does not stop the load;
-- it is not taken for a catalog.
DROP TABLE orm_meta;
CREATE TABLE orm_meta(k, v);
INSERT INTO orm_meta VALUES ('mine', 1);
.reopen
SELECT orm_debug() ->> '$.catalog' AS catalog, orm_version() AS version;
SELECT * FROM orm_meta;
