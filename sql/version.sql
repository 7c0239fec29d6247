-- version.sql: versioned optimistic locking (orm_model option "version"), held for every
-- writer of the table by triggers: the stale check, the policy for UPDATEs that do not
-- name the version, types, NULLs, jumps, views, timestamps, validation, other hosts.

CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, version INTEGER);
INSERT INTO users(id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
-- Switched on: the rows already there get the first version.
SELECT orm_model('users', '{"version":true}') AS view;
SELECT options FROM orm_models WHERE name = 'users';
SELECT id, name, version FROM users ORDER BY id;
SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name;

-- The recommended form: the writer read version 1 and states read + 1. RETURNING shows
-- the new version, changes() counts the row.
UPDATE users SET name = 'ann2', version = 1 + 1 WHERE id = 1 RETURNING id, name, version;
SELECT changes() AS changes;
-- A second writer that also read 1: stale; nothing written.
UPDATE users SET name = 'ann-lost', version = 1 + 1 WHERE id = 1;
SELECT id, name, version FROM users WHERE id = 1;
-- Stating an older version still is stale too.
UPDATE users SET name = 'ann-lost', version = 0 + 1 WHERE id = 1;
-- A multi-row UPDATE with one stale row changes no row, in a transaction as outside one.
UPDATE users SET name = name || '!', version = CASE id WHEN 3 THEN 0 ELSE version END + 1;
BEGIN;
UPDATE users SET name = name || '!', version = CASE id WHEN 3 THEN 0 ELSE version END + 1;
SELECT id, name, version FROM users ORDER BY id;
COMMIT;
-- The SQLAlchemy / Rails form works as well: a stale one matches no row (changes() = 0).
UPDATE users SET name = 'bob2', version = 1 + 1 WHERE id = 2 AND version = 1;
SELECT changes() AS changes;
UPDATE users SET name = 'bob-lost', version = 1 + 1 WHERE id = 2 AND version = 1;
SELECT changes() AS changes;
-- A bulk writer that takes every row as it is now: version = version + 1.
UPDATE users SET name = upper(name), version = version + 1;
SELECT id, name, version FROM users ORDER BY id;

-- An UPDATE that does not name the version (default policy "advance"): the version
-- advances after the row is written, so RETURNING shows the version before it.
UPDATE users SET name = 'cy2' WHERE id = 3 RETURNING version;
SELECT version FROM users WHERE id = 3;
-- A no-op UPDATE is still an UPDATE of the row (changes() counts it): it advances too.
UPDATE users SET name = name WHERE id = 3;
SELECT changes() AS changes, (SELECT version FROM users WHERE id = 3) AS version;

-- Manual jumps: ahead is accepted (every reader becomes stale), back is stale.
UPDATE users SET version = 100 WHERE id = 3;
UPDATE users SET version = 50 WHERE id = 3;
SELECT version FROM users WHERE id = 3;

-- Types: the counter holds integers; text that is an integer is converted by the
-- column's affinity; other text, reals and NULL are refused.
UPDATE users SET version = 'abc' WHERE id = 3;
UPDATE users SET version = 101.5 WHERE id = 3;
UPDATE users SET version = NULL WHERE id = 3;
UPDATE users SET version = '101' WHERE id = 3;
SELECT version, typeof(version) AS type FROM users WHERE id = 3;
-- INSERT: a row without a version (or with NULL) gets 1; an explicit start is kept.
INSERT INTO users(id, name) VALUES (4, 'dee');
INSERT INTO users(id, name, version) VALUES (5, 'eve', NULL), (6, 'fay', 7);
INSERT INTO users(id, name, version) VALUES (7, 'gus', 'x');
SELECT id, version FROM users WHERE id >= 4 ORDER BY id;

-- A stale-checked DELETE: state the version read in an UPDATE, then delete, in one
-- transaction. A stale one fails at the UPDATE and the DELETE never runs.
BEGIN;
UPDATE users SET version = 1 + 1 WHERE id = 4;
DELETE FROM users WHERE id = 4;
COMMIT;
BEGIN;
UPDATE users SET version = 0 + 1 WHERE id = 5;
ROLLBACK;
SELECT id FROM users WHERE id IN (4, 5) ORDER BY id;

-- Another host, without the module: the same checks and the same message.
.reopen-plain
UPDATE users SET name = 'x', version = 1 WHERE id = 6;
UPDATE users SET name = 'fay2', version = 7 + 1 WHERE id = 6;
INSERT INTO users(id, name) VALUES (8, 'hal');
SELECT id, name, version FROM users WHERE id IN (6, 8) ORDER BY id;
-- Recursive triggers: the advance is not advanced again.
PRAGMA recursive_triggers = ON;
UPDATE users SET name = 'hal2' WHERE id = 8;
UPDATE users SET name = 'hal3', version = 2 + 1 WHERE id = 8;
UPDATE users SET name = 'hal-lost', version = 2 + 1 WHERE id = 8;
SELECT id, name, version FROM users WHERE id = 8;
PRAGMA recursive_triggers = OFF;
.reopen

-- The policy "strict": an UPDATE must name the version.
SELECT orm_model('users', '{"version":"version","version_policy":"strict"}') AS view;
UPDATE users SET name = 'nope' WHERE id = 8;
UPDATE users SET name = name WHERE id = 8;
UPDATE users SET name = 'hal4', version = 3 + 1 WHERE id = 8;
-- Naming it with the stored value is stale (that writer read the version before).
UPDATE users SET name = 'hal5', version = 4 WHERE id = 8;
SELECT id, name, version FROM users WHERE id = 8;
INSERT INTO users(id, name) VALUES (9, 'ivy');
SELECT version FROM users WHERE id = 9;

-- Switched off (declared again without it): the triggers go, the column and the
-- versions stay, and writes are no longer checked.
SELECT orm_model('users') AS view;
SELECT count(*) AS triggers FROM sqlite_schema WHERE type = 'trigger';
UPDATE users SET name = 'free', version = NULL WHERE id = 9;
INSERT INTO users(id, name) VALUES (10, 'jo');
SELECT id, name, version FROM users WHERE id >= 9 ORDER BY id;
-- Switched on again: the versions kept, the NULLs given the first one.
SELECT orm_model('users', '{"version":"version"}') AS view;
SELECT id, version FROM users WHERE id >= 8 ORDER BY id;

-- A key that is text is quoted in the message; composite keys are named in full.
CREATE TABLE docs(lang TEXT, slug TEXT, body TEXT, rev INTEGER, PRIMARY KEY (lang, slug));
INSERT INTO docs VALUES ('en', 'it''s', 'hello', NULL);
SELECT orm_model('docs', '{"version":"rev"}') AS view;
UPDATE docs SET body = 'hi', rev = 1 WHERE slug = 'it''s';

-- Timestamps and validation on the same model: the stamping is not a second advance,
-- strict does not refuse it, and a failed rule writes nothing.
CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL, v INTEGER);
SELECT orm_model('orders', '{"version":"v","timestamps":true,
  "validate":{"positive":"total >= 0"}}') AS view;
INSERT INTO orders(id, total) VALUES (1, 10);
SELECT v, created_at IS NOT NULL AS created, updated_at IS NOT NULL AS updated FROM orders;
UPDATE orders SET total = 11 WHERE id = 1;
SELECT v FROM orders;
UPDATE orders SET total = 12, v = 2 + 1 WHERE id = 1;
SELECT v FROM orders;
UPDATE orders SET total = -1, v = 3 + 1 WHERE id = 1;
SELECT total, v FROM orders;
PRAGMA recursive_triggers = ON;
UPDATE orders SET total = 13 WHERE id = 1;
INSERT INTO orders(id, total) VALUES (2, 1);
SELECT id, total, v FROM orders ORDER BY id;
PRAGMA recursive_triggers = OFF;
SELECT orm_model('orders', '{"version":"v","version_policy":"strict","timestamps":true}') AS view;
INSERT INTO orders(id, total) VALUES (3, 5);
UPDATE orders SET total = 6, v = 1 + 1 WHERE id = 3;
UPDATE orders SET total = 7 WHERE id = 3;
SELECT id, total, v FROM orders WHERE id = 3;

-- Model views (a named model, soft delete): an UPDATE through the view that leaves the
-- version as it was is one that does not name it; one that states it is checked.
CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER, version INTEGER);
INSERT INTO accounts VALUES (1, 'ann', 100, NULL), (2, 'bob', 50, NULL);
SELECT orm_model('Account', '{"table":"accounts","version":true,"soft_delete":true}') AS view;
UPDATE "Account" SET balance = 90 WHERE id = 1;
SELECT id, balance, version FROM accounts WHERE id = 1;
UPDATE "Account" SET balance = 80, version = 2 + 1 WHERE id = 1;
UPDATE "Account" SET balance = 70, version = 2 + 1 WHERE id = 1;
UPDATE "Account" SET balance = 70, version = 3 WHERE id = 1;
SELECT id, balance, version FROM accounts WHERE id = 1;
-- A soft delete through the view advances the version.
DELETE FROM "Account" WHERE id = 2;
SELECT id, deleted_at IS NOT NULL AS deleted, version FROM accounts WHERE id = 2;
-- Another model of the same table writes it as the versioning says too.
SELECT orm_model('Holder', '{"table":"accounts"}') AS view;
UPDATE "Holder" SET owner = 'ann2' WHERE id = 1;
UPDATE "Holder" SET owner = 'ann3', version = 3 WHERE id = 1;
SELECT id, owner, version FROM accounts WHERE id = 1;
-- Under strict, through the view too.
SELECT orm_model('Account', '{"table":"accounts","version":true,"version_policy":"strict",
  "soft_delete":true}') AS view;
UPDATE "Account" SET balance = 60 WHERE id = 1;
UPDATE "Account" SET balance = 60, version = 4 + 1 WHERE id = 1;
DELETE FROM "Account" WHERE id = 1;
SELECT id, balance, deleted_at IS NOT NULL AS deleted, version FROM accounts WHERE id = 1;
-- orm_drop of the versioned model: its triggers go, the other view stops checking.
SELECT orm_drop('Account');
SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name IN ('accounts', 'Holder')
  ORDER BY name;
UPDATE "Holder" SET owner = 'free' WHERE id = 1;
SELECT id, owner, version FROM accounts WHERE id = 1;

-- uuid: time-ordered UUIDs; the writer states the version it read and the stored one
-- then moves on (RETURNING shows the value stated). A stale one fails the same way.
CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT, rev TEXT);
INSERT INTO notes(id, body) VALUES (1, 'a');
SELECT orm_model('notes', '{"version":"rev","version_generator":"uuid"}') AS view;
CREATE TEMP TABLE seen AS SELECT rev FROM notes WHERE id = 1;
SELECT rev GLOB '????????-????-7???-????-????????????' AS uuid7 FROM notes;
UPDATE notes SET body = 'b', rev = (SELECT rev FROM seen) WHERE id = 1
  RETURNING rev = (SELECT rev FROM seen) AS returns_the_read_one;
SELECT rev > (SELECT rev FROM seen) AS moved_on FROM notes WHERE id = 1;
-- A manual jump ahead is kept as it is (nothing to advance); a writer that read an
-- earlier one is stale.
UPDATE notes SET rev = 'f0000000-0000-7000-8000-000000000000' WHERE id = 1;
UPDATE notes SET body = 'lost', rev = 'e0000000-0000-7000-8000-000000000000' WHERE id = 1;
SELECT body FROM notes;
UPDATE notes SET body = 'c', rev = 'f0000000-0000-7000-8000-000000000000' WHERE id = 1;
SELECT rev > 'f0000000-0001' AND rev < 'f0000000-0002' AS one_ms_on FROM notes;
UPDATE notes SET body = 'd' WHERE id = 1;
SELECT body, rev > (SELECT rev FROM seen) AS moved_on FROM notes;
UPDATE notes SET rev = 'not a uuid' WHERE id = 1;
UPDATE notes SET rev = 42 WHERE id = 1;
INSERT INTO notes(id, body, rev) VALUES (2, 'x', 'nope');
INSERT INTO notes(id, body) VALUES (2, 'x');
SELECT id, length(rev) AS len FROM notes ORDER BY id;

-- timestamp: the current time, or 1 ms past the stored one when the clock has not moved.
CREATE TABLE pages(id INTEGER PRIMARY KEY, body TEXT, stamp TEXT);
INSERT INTO pages(id, body, stamp) VALUES (1, 'a', '2999-01-01 00:00:00.000');
SELECT orm_model('pages', '{"version":"stamp","version_generator":"timestamp"}') AS view;
UPDATE pages SET body = 'b', stamp = '2999-01-01 00:00:00.000' WHERE id = 1;
SELECT stamp FROM pages;
UPDATE pages SET body = 'c' WHERE id = 1;
SELECT stamp FROM pages;
UPDATE pages SET body = 'lost', stamp = '2999-01-01 00:00:00.000' WHERE id = 1;
UPDATE pages SET stamp = 'yesterday' WHERE id = 1;
INSERT INTO pages(id, body) VALUES (2, 'x');
SELECT id, stamp > '2020' AS stamped FROM pages ORDER BY id;

-- Bad input: nothing is declared or written.
CREATE TABLE bad(id INTEGER PRIMARY KEY, label TEXT, amount REAL, untyped,
  twice INTEGER GENERATED ALWAYS AS (id * 2), n INTEGER);
INSERT INTO bad(id, label, n) VALUES (1, 'x', 1), (2, 'y', NULL);
UPDATE bad SET untyped = 'one';
SELECT orm_model('bad', '{"version":"nope"}');
SELECT orm_model('bad', '{"version":"label"}');
SELECT orm_model('bad', '{"version":"amount"}');
SELECT orm_model('bad', '{"version":"untyped"}');
SELECT orm_model('bad', '{"version":"id"}');
SELECT orm_model('bad', '{"version":"twice"}');
SELECT orm_model('bad', '{"version":"n","version_generator":"uuid"}');
SELECT orm_model('bad', '{"version":"label","version_generator":"uuid","version_policy":"strict"}');
SELECT orm_model('bad', '{"version":"n","version_generator":"serial"}');
SELECT orm_model('bad', '{"version":"n","version_policy":"lenient"}');
SELECT orm_model('bad', '{"version_generator":"counter"}');
SELECT orm_model('bad', '{"version":5}');
SELECT orm_model('bad', '{"version":""}');
SELECT orm_model('bad', '{"version":"n\"; DROP TABLE bad; --"}');
SELECT orm_model('bad', '{"version":"label","version_generator":"timestamp"}');
SELECT orm_model('Other', '{"table":"users","version":"version"}');
SELECT count(*) AS models FROM orm_models WHERE name IN ('bad', 'Other');
SELECT id, label, n FROM bad ORDER BY id;
SELECT count(*) AS triggers FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'bad';
