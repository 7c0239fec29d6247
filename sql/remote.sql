-- remote.sql: orm_remote over another SQLite file (the embedded backend): definition,
-- pushdown (read back from orm_remote_sql()), writes, transactions and savepoints, two-phase
-- bookkeeping, versioning, import, secrets, the pool table, and the errors.

-- The "server": another file, made through ATTACH and left.
ATTACH 'sql/results/remote_src.db' AS src;
DROP TABLE IF EXISTS src.orders;
DROP TABLE IF EXISTS src.kv;
DROP TABLE IF EXISTS src.nokey;
DROP TABLE IF EXISTS src.items;
DROP VIEW IF EXISTS src.big_orders;
CREATE TABLE src.orders(id INTEGER PRIMARY KEY, customer_id INT NOT NULL, total REAL,
                        note TEXT COLLATE NOCASE, placed_at TEXT, version INT NOT NULL DEFAULT 1);
WITH RECURSIVE c(i) AS (VALUES(1) UNION ALL SELECT i+1 FROM c WHERE i<200)
INSERT INTO src.orders(id, customer_id, total, note, placed_at)
SELECT i, i % 10, i * 1.5, CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || i END,
       date('2024-01-01', '+' || i || ' days') FROM c;
CREATE TABLE src.kv(a TEXT, b INT, v BLOB, PRIMARY KEY(a, b));
INSERT INTO src.kv VALUES ('x', 1, x'00ff'), ('x', 2, NULL), ('y', 1, x'');
CREATE TABLE src.nokey(a, b);
INSERT INTO src.nokey VALUES (1, 2);
CREATE TABLE src.items(id INTEGER PRIMARY KEY, name TEXT);
CREATE VIEW src.big_orders AS SELECT * FROM orders WHERE total > 250;
DETACH src;

CREATE VIRTUAL TABLE orders USING orm_remote('sqlite:///sql/results/remote_src.db', 'orders');
SELECT name, url, remote_table, options FROM orm_remote_tables;
SELECT name, type, "notnull", pk FROM pragma_table_info('orders');
SELECT orm_remote_sql() AS sent_at_create;

-- Only the columns used are read.
SELECT count(*) AS n, sum(total) AS total FROM orders;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- WHERE comparisons, ORDER BY and LIMIT/OFFSET go to the server when all of it can.
SELECT id, placed_at FROM orders WHERE customer_id = 3 AND total >= 100 ORDER BY placed_at DESC
LIMIT 3 OFFSET 1;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- IS NULL, LIKE (the server's collation decides: NOCASE here, as SQLite's own would), IN lists
-- in one query.
SELECT count(*) AS nulls FROM orders WHERE note IS NULL;
SELECT id FROM orders WHERE note LIKE 'NOTE 1_' ORDER BY id;
SELECT id FROM orders WHERE id IN (5, 50, 150, 999) ORDER BY id;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- A long IN list goes as one JSON array: more values than SQLite's 32766 placeholders.
SELECT count(*) AS found FROM orders WHERE id IN (WITH RECURSIVE c(i) AS (VALUES(1)
    UNION ALL SELECT i+1 FROM c WHERE i<40000) SELECT i FROM c);
SELECT value AS sent FROM json_each(orm_remote_sql());
-- A join of a local table to the remote one: a lookup by key per row, each one query.
CREATE TABLE wanted(order_id INT);
INSERT INTO wanted VALUES (10), (20), (30);
SELECT w.order_id, o.total FROM wanted w JOIN orders o ON o.id = w.order_id ORDER BY 1;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- The IN form batches the keys: one query for all.
SELECT id, total FROM orders WHERE id IN (SELECT order_id FROM wanted) ORDER BY id;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- What cannot go stays local, and is still right: a function of a column.
SELECT id FROM orders WHERE abs(total - 30) < 1;
SELECT value AS sent FROM json_each(orm_remote_sql());

-- Writes: by key, each checked to touch one row; only the changed columns are sent.
INSERT INTO orders(id, customer_id, total, note) VALUES (1000, 4, 9.5, 'new');
UPDATE orders SET note = 'changed' WHERE id = 2;
DELETE FROM orders WHERE id = 3;
SELECT value AS sent FROM json_each(orm_remote_sql());
SELECT id, customer_id, total, note, version FROM orders WHERE id IN (2, 3, 1000) ORDER BY id;
SELECT orm_remote_sql() IS NOT NULL AS cleared;
-- A failing statement in a transaction is undone on the server (statement savepoint) and
-- the rest commits.
BEGIN;
UPDATE orders SET note = 'in txn' WHERE id = 4;
UPDATE orders SET customer_id = NULL WHERE id BETWEEN 5 AND 6;
SELECT id, note, customer_id FROM orders WHERE id BETWEEN 4 AND 6;
COMMIT;
SELECT id, note, customer_id FROM orders WHERE id BETWEEN 4 AND 6;
-- ROLLBACK undoes the server's part.
BEGIN;
DELETE FROM orders WHERE id < 10;
SELECT count(*) AS inside FROM orders WHERE id < 10;
ROLLBACK;
SELECT count(*) AS after_rollback FROM orders WHERE id < 10;
-- Savepoints map to the server's.
BEGIN;
UPDATE orders SET note = 'sp outer' WHERE id = 7;
SAVEPOINT a;
UPDATE orders SET note = 'sp inner' WHERE id = 8;
ROLLBACK TO a;
RELEASE a;
COMMIT;
SELECT id, note FROM orders WHERE id IN (7, 8) ORDER BY id;
-- A ROLLBACK TO that undoes the first write does not leave the transaction unlogged.
BEGIN;
SAVEPOINT b;
UPDATE orders SET note = 'gone' WHERE id = 9;
ROLLBACK TO b;
RELEASE b;
UPDATE orders SET note = 'kept' WHERE id = 9;
SELECT count(*) AS logged_before_commit FROM orm_remote_xact WHERE gid <> '#file';
COMMIT;
SELECT note FROM orders WHERE id = 9;
-- Each transaction that wrote was logged in this file; resolved ones are forgotten later.
SELECT count(*) >= 1 AS logged FROM orm_remote_xact WHERE gid LIKE 'sqlorm\_%' ESCAPE '\';
SELECT count(*) AS file_id FROM orm_remote_xact WHERE gid = '#file';
-- Nothing is in doubt: a SQLite file has no prepared transactions; resolved rows are gone.
SELECT orm_remote_recover(0) AS resolved;
SELECT count(*) AS left_in_log FROM orm_remote_xact WHERE gid <> '#file';

-- A composite key: rowids of the transaction map to the key read.
CREATE VIRTUAL TABLE kv USING orm_remote('sqlite:///sql/results/remote_src.db', 'main.kv');
SELECT a, b, hex(v) AS v FROM kv ORDER BY a, b;
UPDATE kv SET v = x'abcd' WHERE a = 'x' AND b = 2;
DELETE FROM kv WHERE a = 'y';
SELECT value AS sent FROM json_each(orm_remote_sql());
SELECT a, b, hex(v) AS v FROM kv ORDER BY a, b;
-- A table without a key takes inserts only.
CREATE VIRTUAL TABLE nokey USING orm_remote('sqlite:///sql/results/remote_src.db', 'nokey');
INSERT INTO nokey VALUES (3, 4);
UPDATE nokey SET b = 5;
DELETE FROM nokey;
SELECT a, b FROM nokey ORDER BY a;
-- A view of the other file reads as a table.
CREATE VIRTUAL TABLE big USING orm_remote('sqlite:///sql/results/remote_src.db', 'big_orders');
SELECT count(*) AS big FROM big;

-- Versioning: the statement states the version it read plus one.
CREATE VIRTUAL TABLE vorders USING orm_remote('sqlite:///sql/results/remote_src.db', 'orders',
    '{"version":"version"}');
SELECT id, version FROM vorders WHERE id = 20;
UPDATE vorders SET total = 1, version = 1 + 1 WHERE id = 20;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- A second writer that read 1 too: stale, nothing written.
UPDATE vorders SET total = 2, version = 1 + 1 WHERE id = 20;
SELECT id, total, version FROM vorders WHERE id = 20;
-- Not naming the version advances it; a DELETE checks the version it read.
UPDATE vorders SET total = 3 WHERE id = 20;
SELECT id, total, version FROM vorders WHERE id = 20;
DELETE FROM vorders WHERE id = 20 AND version = 3;
SELECT count(*) AS gone FROM vorders WHERE id = 20;
-- A jump of more than one is a stale write here (the server checks version = stated - 1).
UPDATE vorders SET version = 10 WHERE id = 21;
-- A wrong type or NULL for the version is refused.
UPDATE vorders SET version = 'abc' WHERE id = 21;
UPDATE vorders SET version = NULL WHERE id = 21;
-- Strict: an UPDATE must name it.
CREATE VIRTUAL TABLE sorders USING orm_remote('sqlite:///sql/results/remote_src.db', 'orders',
    '{"version":"version","version_policy":"strict"}');
UPDATE sorders SET total = 4 WHERE id = 21;
UPDATE sorders SET total = 4, version = version + 1 WHERE id = 21;
SELECT id, total, version FROM sorders WHERE id = 21;

-- Import: a table per remote table, with a prefix; limit_to and except.
SELECT orm_remote_import('sqlite:///sql/results/remote_src.db', 'main',
                         '{"prefix":"r_","except":["nokey"]}') AS imported;
SELECT name, remote_table FROM orm_remote_tables WHERE name LIKE 'r\_%' ESCAPE '\' ORDER BY name;
SELECT count(*) AS items FROM r_items;
SELECT orm_remote_import('sqlite:///sql/results/remote_src.db', 'main',
                         '{"prefix":"s_","limit_to":["items"]}') AS imported;
SELECT orm_remote_import('sqlite:///sql/results/remote_src.db', 'main',
                         '{"limit_to":["nothere"]}');
-- Importing again over existing names fails as a whole.
SELECT orm_remote_import('sqlite:///sql/results/remote_src.db', 'main', '{"prefix":"r_"}');
SELECT count(*) AS r_tables FROM orm_remote_tables WHERE name LIKE 'r\_%' ESCAPE '\';

-- Secrets: the alias is in the schema, the URL in this connection only.
SELECT orm_remote_secret('archive', 'sqlite:///sql/results/remote_src.db') AS alias;
CREATE VIRTUAL TABLE aitems USING orm_remote('archive', 'items');
SELECT count(*) AS n FROM aitems;
SELECT url FROM orm_remote_tables WHERE name = 'aitems';

-- The pool: one per URL and options, shared by the tables; no password shown. Other options
-- make a pool of their own, as two create_engine() calls would.
SELECT url, dialect, pool_size, max_overflow, checked_out, idle >= 1 AS has_idle, refs > 0 AS in_use
FROM orm_remote_pool ORDER BY url;
CREATE VIRTUAL TABLE p3 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"pool_size":3,"pool_pre_ping":true,"pool_recycle":3600}');
SELECT count(*) AS n FROM p3;
SELECT url, pool_size, pool_pre_ping, pool_recycle, connects FROM orm_remote_pool
ORDER BY pool_size;

-- A pool of one connection and no overflow: a self-join needs two at once, and the second
-- waits pool_timeout (1 s) and fails naming the pool.
CREATE VIRTUAL TABLE tiny USING orm_remote('sqlite:///sql/results/remote_src.db', 'orders',
    '{"pool_size":1,"max_overflow":0,"pool_timeout":1}');
SELECT count(*) FROM tiny a JOIN tiny b ON b.id = a.id + 1;
SELECT count(*) AS one_at_a_time FROM tiny;
SELECT checked_out, timeouts FROM orm_remote_pool WHERE pool_size = 1;

-- Survives close and reopen: the columns come from orm_remote_tables, no server needed.
.reopen
SELECT count(*) AS n FROM orders;
-- The secret is gone with the connection that held it.
SELECT count(*) FROM aitems;
SELECT orm_remote_secret('archive', 'sqlite:///sql/results/remote_src.db') AS alias;
SELECT count(*) AS n FROM aitems;
DROP TABLE aitems;
SELECT count(*) AS left_over FROM orm_remote_tables WHERE name = 'aitems';

-- Errors: clear, naming what is wrong; nothing made.
CREATE VIRTUAL TABLE e1 USING orm_remote('nonsense', 'x');
CREATE VIRTUAL TABLE e2 USING orm_remote('oracle://h/db', 'x');
CREATE VIRTUAL TABLE e3 USING orm_remote('postgresql://app:s3cret@127.0.0.1:1/db', 'x');
CREATE VIRTUAL TABLE e3b USING orm_remote('postgresql://app@127.0.0.1:1/db?sslmode=disable&password=s3cret', 'x');
CREATE VIRTUAL TABLE e3c USING orm_remote('postgresql://app@127.0.0.1:1/db?pass%77ord=s3cret', 'x');
CREATE VIRTUAL TABLE e3d USING orm_remote('postgresql://app@127.0.0.1:1/db?sslpassword=s3cret', 'x');
CREATE VIRTUAL TABLE e3e USING orm_remote('postgresql://app:s3/cret@127.0.0.1:1/db', 'x');
CREATE VIRTUAL TABLE e4 USING orm_remote('sqlite:///sql/results/remote_src.db', 'no_such');
CREATE VIRTUAL TABLE e5 USING orm_remote('sqlite:///sql/results/missing_file.db', 'x');
CREATE VIRTUAL TABLE e6 USING orm_remote('sqlite:///sql/results/remote_src.db');
CREATE VIRTUAL TABLE e7 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"pool_size":0}');
CREATE VIRTUAL TABLE e8 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"bogus":1}');
CREATE VIRTUAL TABLE e9 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"version":"name"}');
CREATE VIRTUAL TABLE e10 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"version":"nope"}');
CREATE VIRTUAL TABLE e11 USING orm_remote('postgresql://h:99999/db', 'x');
CREATE VIRTUAL TABLE e12 USING orm_remote('sqlite:///sql/results/remote_src.db?mode=zz', 'x');
CREATE VIRTUAL TABLE e13 USING orm_remote('sqlite:///sql/results/remote_src.db',
    'items"; DROP TABLE items; --');
CREATE VIRTUAL TABLE e14 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"pool_size":"many"}');
CREATE VIRTUAL TABLE e15 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"pool_timeout":1e12}');
CREATE VIRTUAL TABLE e16 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"pool_pre_ping":"yes"}');
CREATE VIRTUAL TABLE e17 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    'not json');
CREATE VIRTUAL TABLE e18 USING orm_remote('sqlite:///sql/results/remote_src.db', 'items',
    '{"version_policy":"sometimes"}');
CREATE VIRTUAL TABLE e19 USING orm_remote('sqlite://host/x.db', 'items');
CREATE VIRTUAL TABLE e20 USING orm_remote('postgresql://h/db%zz', 'x');
CREATE VIRTUAL TABLE e21 USING orm_remote('sqlite:///sql/results/remote_src.db', 'a', 'b', 'c');
SELECT count(*) AS made FROM orm_remote_tables WHERE name GLOB 'e[0-9]*';
-- The table named in the injection attempt is still there.
SELECT count(*) AS items_still_there FROM r_items;
SELECT orm_remote_secret('bad alias!', 'sqlite:///x.db');
SELECT orm_remote_secret('ok', 'mysql://u:pw@h:notaport/db');
SELECT orm_remote_import('postgresql://u:pw@h/db', 'public');
SELECT orm_remote_import('sqlite:///sql/results/remote_src.db', 'main', '{"limit_to":"items"}');
-- Risky from a view or trigger of the schema: the table is direct-only.
CREATE VIEW v_orders AS SELECT id FROM orders;
SELECT count(*) FROM v_orders;

-- The ORM over remote tables: relationships to and from a remote table (their traversal
-- views are TEMP views, made again by each connection: a view of the file may not read a
-- direct-only table), orm_json, and the same after reopening.
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO customers VALUES (3, 'cyd'), (4, 'dee');
SELECT orm_relationship('customers', 'orders', 'orders',
                        '{"local":"id","remote":"customer_id","order_by":"id"}') AS rel;
SELECT orm_relationship('orders', 'customer', 'customers',
                        '{"local":"customer_id","remote":"id"}') AS rel;
SELECT type, name FROM temp.sqlite_schema ORDER BY name;
SELECT source, id, total FROM customers__orders WHERE source = 4 AND id < 30 ORDER BY id;
SELECT value AS sent FROM json_each(orm_remote_sql());
SELECT orm_json('customers', 3, 'orders') IS NOT NULL AS json_ok,
       json_array_length(orm_json('customers', 3, 'orders'), '$.orders') AS n_orders;
SELECT orm_json('orders', 13, 'customer') AS order_json;
.reopen
SELECT type, name FROM temp.sqlite_schema ORDER BY name;
SELECT source, name FROM orders__customer WHERE source = 13;
SELECT orm_drop('customers', 'orders') AS dropped;
SELECT type, name FROM temp.sqlite_schema ORDER BY name;
-- Versioning declared the ORM's way, orm_model(..., '{"version": ...}'): the remote table
-- checks and advances it itself (a virtual table takes no triggers), across reopen; orm_drop
-- switches it off.
SELECT orm_model('kv', '{"version":"b"}');
SELECT orm_model('orders', '{"version":"version"}') AS model;
SELECT options FROM orm_remote_tables WHERE name = 'orders';
SELECT id, version FROM orders WHERE id = 30;
UPDATE orders SET note = 'v2', version = 1 + 1 WHERE id = 30;
UPDATE orders SET note = 'lost', version = 1 + 1 WHERE id = 30;
.reopen
UPDATE orders SET note = 'lost', version = 1 + 1 WHERE id = 30;
SELECT id, note, version FROM orders WHERE id = 30;
SELECT orm_model('orders', '{"version":"version","version_generator":"uuid"}');
SELECT orm_drop('orders') AS dropped;
SELECT options FROM orm_remote_tables WHERE name = 'orders';
UPDATE orders SET note = 'unchecked', version = 1 + 1 WHERE id = 30;
SELECT id, note, version FROM orders WHERE id = 30;
-- What a model of a remote table cannot have: said at once, nothing made.
SELECT orm_model('orders', '{"soft_delete":"deleted_at"}');
SELECT orm_model('Order', '{"table":"orders"}');
SELECT count(*) AS models FROM orm_models WHERE tbl = 'orders';
-- The same answers as a local copy, where SQLite's own rules decide: a NOCASE column (the
-- other file's collation is declared here too), a collation in the query, NULL, numbers
-- against text, rowid, case_sensitive_like.
CREATE TABLE loc_orders(id INTEGER PRIMARY KEY, customer_id INT NOT NULL, total REAL,
                        note TEXT COLLATE NOCASE, placed_at TEXT, version INT NOT NULL DEFAULT 1);
INSERT INTO loc_orders SELECT * FROM orders;
UPDATE orders SET note = '05' WHERE id = 5;
UPDATE loc_orders SET note = '05' WHERE id = 5;
PRAGMA case_sensitive_like = 1;
SELECT (SELECT group_concat(id) FROM (SELECT id FROM orders WHERE note LIKE 'note 1%' ORDER BY id))
       IS (SELECT group_concat(id) FROM (SELECT id FROM loc_orders WHERE note LIKE 'note 1%'
       ORDER BY id)) AS same_with_case_sensitive_like;
PRAGMA case_sensitive_like = 0;
SELECT (SELECT group_concat(id) FROM (SELECT id FROM orders WHERE note = 'NOTE 9' ORDER BY id))
       IS (SELECT group_concat(id) FROM (SELECT id FROM loc_orders WHERE note = 'NOTE 9'
       ORDER BY id)) AS same_nocase,
       (SELECT group_concat(id) FROM (SELECT id FROM orders WHERE note = 'Note 9' COLLATE BINARY))
       IS (SELECT group_concat(id) FROM (SELECT id FROM loc_orders WHERE note = 'Note 9'
       COLLATE BINARY)) AS same_binary,
       (SELECT count(*) FROM orders WHERE note = NULL) AS eq_null,
       (SELECT count(*) FROM orders WHERE note < (SELECT NULL)) AS lt_null,
       (SELECT group_concat(id) FROM orders WHERE note = CAST('5' AS INTEGER))
       IS (SELECT group_concat(id) FROM loc_orders WHERE note = CAST('5' AS INTEGER)) AS same_affinity,
       (SELECT group_concat(id) FROM orders WHERE note = 5)
       IS (SELECT group_concat(id) FROM loc_orders WHERE note = 5) AS same_literal,
       (SELECT rowid FROM orders WHERE rowid = 7) AS rowid_is_key,
       (SELECT group_concat(n) FROM (SELECT note AS n FROM orders ORDER BY note, id LIMIT 5))
       IS (SELECT group_concat(n) FROM (SELECT note AS n FROM loc_orders ORDER BY note, id
       LIMIT 5)) AS same_order,
       (SELECT count(*) FROM orders WHERE note IN (WITH RECURSIVE c(i) AS (VALUES(1) UNION ALL
       SELECT i+1 FROM c WHERE i<300) SELECT CASE WHEN i = 1 THEN NULL ELSE 'x' || i END FROM c))
       AS long_in_with_null;
