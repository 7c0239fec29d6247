-- journal.sql: the migration journal: revisions in SQL and in files, the graph (branches,
-- merges, labels, depends_on, prefixes), upgrade/downgrade/stamp, offline scripts,
-- orm_history, orm_check, atomicity and the errors.

-- Before any revision: no catalog is needed to ask.
SELECT orm_current() AS current, orm_heads() AS heads;
SELECT * FROM orm_history;
SELECT orm_check() AS check_result;

-- Revisions in SQL. The down revision: NULL (a base), an id, or a JSON array (a merge).
SELECT orm_revision('a1', NULL, 'create users',
       'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)', 'DROP TABLE users') AS rev;
SELECT orm_revision('b2', 'a1', 'add email', 'ALTER TABLE users ADD COLUMN email TEXT;
INSERT INTO users(name, email) VALUES (''ann'', ''ann@x'');',
       'ALTER TABLE users DROP COLUMN email; DELETE FROM users WHERE name = ''ann'';') AS rev;
-- The same definition again changes nothing.
SELECT orm_revision('a1', NULL, 'create users',
       'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)', 'DROP TABLE users') AS rev;
SELECT orm_heads() AS heads, orm_current() AS current;
SELECT revision, down_revisions, state, is_head FROM orm_history;

-- Upgrade: each revision's statements and its journal row, in one transaction.
SELECT orm_upgrade('+1') AS applied;
SELECT orm_current() AS current;
SELECT orm_upgrade('head') AS applied;
SELECT orm_upgrade('head') AS nothing_left;
SELECT id, name, email FROM users;
SELECT revision, down_revisions, description, applied_at IS NOT NULL AS stamped,
       duration_ms >= 0 AS timed, checksum = (SELECT checksum FROM orm_revisions r
       WHERE r.revision = j.revision) AS same FROM orm_journal j;
SELECT revision, state FROM orm_history;

-- Downgrade: -N, an id, base; children first.
SELECT orm_downgrade('-1') AS undone;
SELECT name FROM pragma_table_info('users');
SELECT orm_upgrade('b2') AS applied;
SELECT orm_downgrade('base') AS undone;
SELECT count(*) AS tables FROM sqlite_schema WHERE name = 'users';
SELECT orm_downgrade('-1');
SELECT orm_downgrade('b2');

-- Branches, labels, merges, depends_on, prefixes.
SELECT orm_revision('c3', 'b2', 'orders', 'CREATE TABLE orders(id INTEGER PRIMARY KEY)',
       'DROP TABLE orders', '{"branch_labels":["shop"]}') AS rev;
SELECT orm_revision('d4', 'b2', 'audit', 'CREATE TABLE audit(id INTEGER PRIMARY KEY)',
       'DROP TABLE audit', '{"branch_labels":"audit"}') AS rev;
SELECT orm_heads() AS heads;
SELECT orm_upgrade('head');
SELECT orm_upgrade('+1') AS applied;
SELECT orm_upgrade('+2');
SELECT orm_upgrade('shop@head') AS applied;
SELECT orm_current() AS current;
SELECT orm_upgrade('+1');
SELECT orm_upgrade('audit') AS applied;
SELECT orm_current() AS current;
SELECT orm_downgrade('-1');
SELECT orm_downgrade('c3') AS undone;
SELECT orm_current() AS current;
SELECT orm_revision('e5', '["c3","d4"]', 'merge', '', NULL) AS rev;
SELECT orm_revision('f6', 'd4', 'needs orders', 'CREATE TABLE refunds(order_id INT REFERENCES orders)',
       'DROP TABLE refunds', '{"depends_on":"c3"}') AS rev;
SELECT orm_heads() AS heads;
SELECT orm_upgrade('f6') AS applied_with_dependency;
SELECT orm_upgrade('heads') AS applied;
SELECT orm_current() AS current;
-- Undoing c3 undoes what depends on it and what merged it.
SELECT orm_downgrade('-1');
SELECT orm_downgrade('d4') AS undone;
SELECT orm_current() AS current;
SELECT orm_upgrade('e') AS applied_by_prefix;
SELECT orm_revision('e55', 'e5', 'x', 'SELECT 1', 'SELECT 1') AS rev;
SELECT orm_upgrade('e');
SELECT orm_upgrade('zz');
SELECT orm_upgrade('nolabel@head');

-- A revision without a downgrade cannot be undone; orm_stamp moves the journal alone.
SELECT orm_downgrade('c3');
SELECT orm_stamp('c3') AS heads_now;
SELECT revision FROM orm_journal ORDER BY revision;
SELECT orm_stamp('heads') AS heads_now;
SELECT orm_stamp('base') AS heads_now;
SELECT count(*) AS journal_rows FROM orm_journal;
SELECT orm_stamp('heads') AS heads_now;

-- Atomicity: a failing revision leaves schema, data and journal as they were, and the
-- error names the revision and the statement.
SELECT orm_revision('g7', 'e55', 'fails half-way', 'CREATE TABLE g7(x);
INSERT INTO users(name) VALUES (''gone'');
INSERT INTO nowhere VALUES (1);', 'DROP TABLE g7') AS rev;
SELECT orm_upgrade('g7');
SELECT count(*) AS g7_tables, (SELECT count(*) FROM users WHERE name = 'gone') AS gone,
       (SELECT count(*) FROM orm_journal WHERE revision = 'g7') AS journal
FROM sqlite_schema WHERE name = 'g7';
-- Transaction statements inside a revision are refused, not obeyed.
SELECT orm_revision('h8', 'e55', 'commits', 'COMMIT; CREATE TABLE h8(x)', NULL) AS rev;
SELECT orm_upgrade('h8');
-- A statement that reads a table cannot drop it: a clear error, nothing done.
SELECT orm_revision('i9', 'e55', 'drops audit', 'DROP TABLE audit', 'CREATE TABLE audit(id INTEGER PRIMARY KEY)') AS rev;
SELECT orm_upgrade('i9') FROM audit;
INSERT INTO audit VALUES (1);
SELECT orm_upgrade('i9') FROM audit;
SELECT count(*) AS audit_still_there FROM sqlite_schema WHERE name = 'audit';

-- Offline: the exact script, journal statements included; it runs in a plain host.
SELECT orm_upgrade_sql('i9') AS script;
SELECT orm_downgrade_sql('e5') AS script;

-- orm_check: applied revisions whose text changed, and schema changed outside the journal.
SELECT orm_check() AS check_result;
SELECT orm_revision('c3', 'b2', 'orders', 'CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL)',
       'DROP TABLE orders', '{"branch_labels":["shop"]}');
SELECT orm_revision('c3', 'b2', 'orders', 'CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL)',
       'DROP TABLE orders', '{"branch_labels":["shop"],"replace":true}') AS rev;
CREATE TABLE sneaky(x);
DROP TABLE audit;
SELECT orm_check() AS check_result;
SELECT revision, state FROM orm_history WHERE revision = 'c3';

-- Survives close and reopen; a plain host reads the journal.
.reopen-plain
SELECT revision FROM orm_journal ORDER BY revision;
.reopen
SELECT orm_current() AS current;

-- Errors in definitions: nothing defined.
SELECT orm_revision('x1', 'nope', NULL, 'SELECT 1', NULL);
SELECT orm_revision('x1', 'x1', NULL, 'SELECT 1', NULL);
SELECT orm_revision('head', NULL, NULL, 'SELECT 1', NULL);
SELECT orm_revision('+1', NULL, NULL, 'SELECT 1', NULL);
SELECT orm_revision('a b', NULL, NULL, 'SELECT 1', NULL);
SELECT orm_revision('', NULL, NULL, 'SELECT 1', NULL);
SELECT orm_revision(NULL, NULL, NULL, 'SELECT 1', NULL);
SELECT orm_revision('x1', NULL, NULL, NULL, NULL);
SELECT orm_revision('x1', NULL, NULL, 5, NULL);
SELECT orm_revision('x1', NULL, NULL, 'SELECT ''open', NULL);
SELECT orm_revision('x1', NULL, NULL, 'SELECT 1', 'CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT 1;');
SELECT orm_revision('x1', '["a1","a1"]', NULL, 'SELECT 1', NULL);
SELECT orm_revision('x1', NULL, NULL, 'SELECT 1', NULL, '{"branch_labels":"shop"}');
SELECT orm_revision('x1', NULL, NULL, 'SELECT 1', NULL, '{"bogus":1}');
SELECT orm_revision('x1', NULL, NULL, 'SELECT 1', NULL, '[1]');
SELECT orm_revision('x1', NULL, NULL, 'SELECT 1', NULL, '{"replace":"yes"}');
-- A cycle through a replaced definition.
SELECT orm_revision('a1', 'b2', 'create users', 'CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)',
       'DROP TABLE users', '{"replace":true}');
SELECT count(*) AS x1 FROM orm_revisions WHERE revision = 'x1';
SELECT down_revisions FROM orm_revisions WHERE revision = 'a1';
SELECT orm_upgrade(NULL);
SELECT orm_upgrade('+0');
SELECT orm_upgrade('+x');
SELECT orm_downgrade('-0');
SELECT orm_stamp('nope');

-- Folders: sqlorm's header comments, golang-migrate and dbmate files.
SELECT orm_migrations_dir($sqldir || '/migrations') AS revisions;
SELECT revision, down_revisions, branch_labels, description, source FROM orm_history
WHERE revision GLOB '00*';
SELECT orm_upgrade('reviews@head') AS applied;
SELECT title, year FROM books;
SELECT orm_downgrade('001') AS undone;
SELECT count(*) AS year_column FROM pragma_table_info('books') WHERE name = 'year';
-- Loading again changes nothing; a CRLF copy of a file has the same checksum.
SELECT orm_migrations_dir($sqldir || '/migrations') AS revisions;
SELECT orm_migrations_dir($sqldir || '/journal/crlf') AS revisions;
SELECT revision, state FROM orm_history WHERE revision = '001';
SELECT orm_migrations_dir($sqldir || '/journal/golang') AS revisions;
SELECT revision, down_revisions, description, downgrade_sql IS NULL AS irreversible
FROM orm_revisions WHERE source GLOB '*golang*' ORDER BY rowid;
SELECT orm_upgrade('10') AS applied;
SELECT orm_migrations_dir($sqldir || '/journal/dbmate') AS revisions;
SELECT revision, down_revisions, description, upgrade_sql, downgrade_sql
FROM orm_revisions WHERE source GLOB '*dbmate*' ORDER BY rowid;
SELECT orm_upgrade('20240201000000') AS applied;
-- Downgrade from the journal's text when the definitions are gone.
DELETE FROM orm_revisions WHERE revision = '20240201000000';
SELECT revision, state FROM orm_history WHERE revision = '20240201000000';
SELECT orm_downgrade('20240101000000') AS undone;
SELECT count(*) AS d2 FROM sqlite_schema WHERE name = 'd2';
SELECT count(*) AS journal_row FROM orm_journal WHERE revision = '20240201000000';
-- Folder errors: nothing defined.
SELECT count(*) AS revisions_before FROM orm_revisions;
SELECT orm_migrations_dir($sqldir || '/journal/noheader');
SELECT orm_migrations_dir($sqldir || '/journal/dup');
SELECT orm_migrations_dir($sqldir || '/journal/cycle');
SELECT orm_migrations_dir($sqldir || '/journal/nothing-here');
SELECT orm_migrations_dir(NULL);
SELECT count(*) AS revisions_after FROM orm_revisions;
