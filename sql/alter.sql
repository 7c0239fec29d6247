-- alter.sql: orm_alter_table(): native ALTER where SQLite can, the 12-step rebuild where it
-- cannot, and everything the table had kept: triggers (sqlorm's too), views, AUTOINCREMENT
-- and its counter, collations, CHECKs named and unnamed, generated columns, partial and
-- expression indexes, STRICT, WITHOUT ROWID, the children of ON DELETE CASCADE.

PRAGMA foreign_keys = ON;
CREATE TABLE users(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL COLLATE NOCASE,   -- compared without case
  legacy TEXT,
  age INT CHECK (age >= 0),
  email TEXT,
  CONSTRAINT name_len CHECK (length(name) BETWEEN 1 AND 20),
  CHECK (email LIKE '%@%')
);
CREATE TABLE addresses(id INTEGER PRIMARY KEY, user_id INT NOT NULL REFERENCES users ON DELETE CASCADE,
                       city TEXT);
CREATE TABLE audit(user_id INT, old_name TEXT, new_name TEXT);
CREATE INDEX users_adults ON users(name) WHERE age >= 18;
CREATE INDEX users_email_lower ON users(lower(email));
CREATE VIEW adults AS SELECT id, name, age FROM users WHERE age >= 18;
CREATE TRIGGER users_audit AFTER UPDATE OF name ON users
BEGIN INSERT INTO audit VALUES (new.id, old.name, new.name); END;
INSERT INTO users(name, legacy, age, email) VALUES ('ann', 'x1', 30, 'ann@x'), ('bob', NULL, 12, 'bob@x'),
  ('cy', 'x3', 45, 'cy@x'), ('dee', NULL, 22, 'dee@x');
DELETE FROM users WHERE id = 4;
INSERT INTO addresses(user_id, city) VALUES (1, 'Oslo'), (1, 'Bergen'), (2, 'Rome'), (3, 'Lima');
-- sqlorm's own objects over the table: a relationship with cascade triggers, a hybrid
-- column (generated), a column property (the model's view and its INSTEAD OF triggers).
SELECT orm_relationship('users', 'addresses', 'addresses', '{"cascade":"all, delete-orphan"}');
SELECT orm_hybrid('users', 'shout', 'upper(name)') AS kind;
SELECT orm_hybrid('users', 'n_addresses',
       '(SELECT count(*) FROM addresses WHERE addresses.user_id = users.id)') AS kind;
SELECT type, name FROM sqlite_schema WHERE tbl_name IN ('users', 'users_view') ORDER BY type, name;
SELECT * FROM sqlite_sequence;

-- What each change did to the schema: the objects whose text changed, before and after.
CREATE TEMP TABLE snap(type, name, sql);
CREATE TEMP VIEW schema_diff AS
  SELECT 'now' AS side, type, name, sql FROM (SELECT type, name, sql FROM main.sqlite_schema
                                              EXCEPT SELECT type, name, sql FROM snap)
  UNION ALL
  SELECT 'was', type, name, sql FROM (SELECT type, name, sql FROM snap
                                      EXCEPT SELECT type, name, sql FROM main.sqlite_schema)
  ORDER BY name, side DESC;
CREATE TEMP VIEW state AS
  SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM addresses) AS addresses,
         (SELECT seq FROM sqlite_sequence WHERE name = 'users') AS seq,
         (SELECT count(*) FROM pragma_foreign_key_check) AS fk_violations,
         (SELECT group_concat(integrity_check) FROM pragma_integrity_check) AS integrity;
SELECT * FROM state;

-- ---- native ALTER where SQLite can do it --------------------------------------------
INSERT INTO snap SELECT type, name, sql FROM main.sqlite_schema;
SELECT orm_alter_table('users', '{"rename_column":{"email":"mail"}}') AS how;
SELECT * FROM schema_diff;
-- Dropping a column that holds values loses them: refused unless allowed.
SELECT orm_alter_table('users', '{"drop_column":"legacy"}') AS how;
DELETE FROM snap; INSERT INTO snap SELECT type, name, sql FROM main.sqlite_schema;
SELECT orm_alter_table('users', '{"drop_column":"legacy","allow_data_loss":true,
                                  "add_column":{"nick":"TEXT COLLATE NOCASE DEFAULT ''''"}}') AS how;
SELECT * FROM schema_diff;
SELECT * FROM state;
-- The model's view was made again: its INSERT trigger writes the new column.
INSERT INTO users_view(name, age, mail, nick) VALUES ('eve', 50, 'eve@x', 'E');
SELECT id, name, nick, shout, n_addresses FROM users_view ORDER BY id;

-- ---- the rebuild -------------------------------------------------------------------
-- The trap, by hand: inside a transaction PRAGMA foreign_keys=OFF does nothing, and the
-- DROP TABLE of the hand-written 12 steps empties the children of ON DELETE CASCADE.
BEGIN;
PRAGMA foreign_keys = OFF;
CREATE TABLE users_copy AS SELECT * FROM users;
DROP TABLE users;
SELECT count(*) AS addresses_left FROM addresses;
ROLLBACK;
PRAGMA foreign_keys;
-- Inside a transaction, with foreign keys on: PRAGMA foreign_keys=OFF would do nothing
-- here, and a plain DROP TABLE users would take every address with it (ON DELETE CASCADE).
BEGIN;
DELETE FROM snap; INSERT INTO snap SELECT type, name, sql FROM main.sqlite_schema;
SELECT orm_alter_table('users', '{"alter_column":{"age":"INTEGER NOT NULL DEFAULT 0 CHECK (age >= 0)"}}') AS how;
SELECT * FROM schema_diff;
SELECT * FROM state;
COMMIT;
-- Every address is still there, and still cascades from its user.
SELECT user_id, city FROM addresses ORDER BY id;
-- Triggers are kept, the table's own and sqlorm's.
UPDATE users SET name = 'Ann' WHERE id = 1;
SELECT * FROM audit;
DELETE FROM users WHERE id = 3;
SELECT count(*) AS lima FROM addresses WHERE city = 'Lima';
-- AUTOINCREMENT and its counter (5 was used by eve; 4 was deleted before): the next id is 6.
INSERT INTO users(name, age, mail) VALUES ('fay', 33, 'fay@x') RETURNING id;
-- Collations, CHECKs named and unnamed, the generated column, the partial index and the
-- expression index still work.
SELECT id FROM users WHERE name = 'ANN';
INSERT INTO users(name, age, mail) VALUES ('', 1, 'z@x');
INSERT INTO users(name, age, mail) VALUES ('gus', 1, 'no-at');
INSERT INTO users(name, age, mail) VALUES ('hal', -1, 'h@x');
SELECT shout FROM users WHERE id = 1;
EXPLAIN QUERY PLAN SELECT id FROM users WHERE name = 'bob' AND age >= 18;
EXPLAIN QUERY PLAN SELECT id FROM users WHERE lower(mail) = 'bob@x';
SELECT * FROM adults ORDER BY id;

-- The object form changes only what it names: here NOT NULL and the collation of name, the
-- rest of its definition (CHECK, DEFAULT) stays.
DELETE FROM snap; INSERT INTO snap SELECT type, name, sql FROM main.sqlite_schema;
SELECT orm_alter_table('users', '{"alter_column":{"nick":{"not_null":true,"collate":"BINARY"}}}') AS how;
SELECT orm_alter_table('users', '{"alter_column":{"nick":{"type":"VARCHAR(10)","collate":null}}}') AS how;
SELECT * FROM schema_diff;

-- Constraints: dropped by name, or written as the definition writes them (spacing and case
-- aside); added as table constraints.
DELETE FROM snap; INSERT INTO snap SELECT type, name, sql FROM main.sqlite_schema;
SELECT orm_alter_table('users', '{"drop_constraint":["name_len", "check(mail like ''%@%'')"],
       "add_constraint":"CONSTRAINT adult_age CHECK (age < 150)"}') AS how;
SELECT * FROM schema_diff;
INSERT INTO users(name, age, mail) VALUES ('a very long name indeed, over twenty', 1, 'no-at');
INSERT INTO users(name, age, mail) VALUES ('old', 200, 'o@x');
-- A CHECK that the rows break is refused; nothing changes.
SELECT orm_alter_table('users', '{"add_constraint":"CHECK (age > 40)"}') AS how;
-- A column's own constraint by its text.
SELECT orm_alter_table('users', '{"drop_constraint":"CHECK (age >= 0)"}') AS how;
SELECT sql FROM sqlite_schema WHERE name = 'users';

-- ---- values --------------------------------------------------------------------------
CREATE TABLE codes(id INTEGER PRIMARY KEY, code TEXT, n TEXT);
INSERT INTO codes VALUES (1, '007', '7'), (2, '12', '1.5'), (3, 'abc', NULL);
-- '7' becoming 7 and '1.5' becoming 1.5 keep the values; '007' becoming 7 would not.
SELECT orm_alter_table('codes', '{"alter_column":{"n":"NUMERIC"}}') AS how;
SELECT n, typeof(n) FROM codes ORDER BY id;
SELECT orm_alter_table('codes', '{"alter_column":{"code":"INTEGER"}}') AS how;
SELECT orm_alter_table('codes', '{"alter_column":{"code":"INTEGER"},"allow_data_loss":true}') AS how;
SELECT code, typeof(code) FROM codes ORDER BY id;
-- NOT NULL over NULLs: refused, with the column named.
SELECT orm_alter_table('codes', '{"alter_column":{"n":{"not_null":true}}}') AS how;
-- An ON CONFLICT clause cannot drop rows on the way: the copy runs as INSERT OR ABORT.
INSERT INTO codes VALUES (4, 'dup', 7);
SELECT orm_alter_table('codes', '{"add_constraint":"UNIQUE (n) ON CONFLICT IGNORE"}') AS how;
SELECT count(*) AS codes FROM codes;

-- ---- STRICT, WITHOUT ROWID, rowids --------------------------------------------------
CREATE TABLE notes(body TEXT, prio INT);
INSERT INTO notes(rowid, body, prio) VALUES (10, 'a', 1), (20, 'b', 2), (35, 'c', 3);
SELECT orm_alter_table('notes', '{"strict":true}') AS how;
-- Rowids of a table without INTEGER PRIMARY KEY carry over.
SELECT rowid, body FROM notes ORDER BY rowid;
INSERT INTO notes VALUES ('d', 'not a number');
SELECT orm_alter_table('notes', '{"alter_column":{"prio":"TEXT"}}') AS how;
SELECT sql FROM sqlite_schema WHERE name = 'notes';
CREATE TABLE tags(user_id INT NOT NULL, tag TEXT NOT NULL, note TEXT, PRIMARY KEY (user_id, tag))
  WITHOUT ROWID;
INSERT INTO tags VALUES (1, 'a', NULL), (1, 'b', 'x'), (2, 'a', NULL);
SELECT orm_alter_table('tags', '{"drop_column":"note","allow_data_loss":true,"rebuild":true}') AS how;
SELECT sql FROM sqlite_schema WHERE name = 'tags';
SELECT * FROM tags;
SELECT orm_alter_table('tags', '{"without_rowid":false}') AS how;
SELECT sql FROM sqlite_schema WHERE name = 'tags';
SELECT count(*) AS tags FROM tags;

-- ---- foreign keys --------------------------------------------------------------------
-- A change that makes rows break a foreign key is refused, with the row named.
CREATE TABLE cities(name TEXT PRIMARY KEY);
INSERT INTO cities VALUES ('Oslo');
SELECT orm_alter_table('addresses', '{"add_constraint":"FOREIGN KEY (city) REFERENCES cities"}') AS how;
INSERT INTO cities VALUES ('Bergen'), ('Rome');
SELECT orm_alter_table('addresses', '{"add_constraint":"CONSTRAINT known_city FOREIGN KEY (city) REFERENCES cities"}') AS how;
INSERT INTO addresses(user_id, city) VALUES (1, 'Paris');
-- A change that takes away the key its children refer to (foreign key mismatch).
SELECT orm_alter_table('cities', '{"alter_column":{"name":"TEXT"}}') AS how;
SELECT orm_alter_table('addresses', '{"drop_constraint":"known_city"}') AS how;
-- Violations that were there before are not the change's: they do not stop it.
PRAGMA foreign_keys = OFF;
INSERT INTO addresses(user_id, city) VALUES (99, 'nowhere');
PRAGMA foreign_keys = ON;
SELECT orm_alter_table('addresses', '{"alter_column":{"city":"TEXT COLLATE NOCASE"}}') AS how;
SELECT "table", rowid, parent FROM pragma_foreign_key_check;
DELETE FROM addresses WHERE user_id = 99;
-- A column added with REFERENCES and a default that no parent has, foreign keys off or on.
PRAGMA foreign_keys = OFF;
SELECT orm_alter_table('addresses', '{"add_column":{"city2":"TEXT DEFAULT ''Nowhere'' REFERENCES cities"}}') AS how;
PRAGMA foreign_keys = ON;
SELECT orm_alter_table('addresses', '{"add_column":{"city2":"TEXT DEFAULT ''Oslo'' REFERENCES cities"}}') AS how;
SELECT DISTINCT city2 FROM addresses;

-- ---- renames ------------------------------------------------------------------------
CREATE TABLE logs(id INTEGER PRIMARY KEY, msg TEXT);
CREATE VIEW recent_logs AS SELECT id, msg FROM logs WHERE id > 1;
CREATE TRIGGER logs_trim AFTER INSERT ON logs BEGIN DELETE FROM logs WHERE id < new.id - 100; END;
SELECT orm_alter_table('logs', '{"rename_column":{"msg":"message"},"rename":"journal_log"}') AS how;
SELECT type, name, sql FROM sqlite_schema WHERE tbl_name IN ('journal_log', 'recent_logs') ORDER BY name;
-- A table that a model is over keeps its name (the catalog names it).
SELECT orm_alter_table('users', '{"rename":"people"}') AS how;
SELECT orm_alter_table('journal_log', '{"rename":"users"}') AS how;

-- ---- what would break is refused; nothing changed ------------------------------------
DELETE FROM snap; INSERT INTO snap SELECT type, name, sql FROM main.sqlite_schema;
-- A column a view uses, natively and by the rebuild.
CREATE VIEW nicks AS SELECT nick FROM users;
SELECT orm_alter_table('users', '{"drop_column":"nick","allow_data_loss":true}') AS how;
SELECT orm_alter_table('users', '{"drop_column":"nick","allow_data_loss":true,"rebuild":true}') AS how;
SELECT orm_alter_table('users', '{"alter_column":{"nick":"TEXT GENERATED ALWAYS AS (nosuch) VIRTUAL"}}') AS how;
DROP VIEW nicks;
-- A column an index uses.
SELECT orm_alter_table('users', '{"drop_column":"mail","allow_data_loss":true}') AS how;
-- Columns sqlorm's catalog names: a relationship's key, a hybrid.
SELECT orm_alter_table('addresses', '{"drop_column":"user_id","allow_data_loss":true}') AS how;
SELECT orm_alter_table('users', '{"drop_column":"shout"}') AS how;
SELECT orm_alter_table('users', '{"rename_column":{"shout":"loud"}}') AS how;
SELECT orm_alter_table('users', '{"alter_column":{"shout":"TEXT"}}') AS how;
-- A TEMP trigger on the table would go with the old table.
CREATE TEMP TRIGGER users_temp AFTER INSERT ON users BEGIN SELECT 1; END;
SELECT orm_alter_table('users', '{"rebuild":true}') AS how;
DROP TRIGGER users_temp;
-- A statement that reads the table while calling it.
SELECT orm_alter_table('users', '{"rebuild":true}') FROM users WHERE id = 1;
SELECT * FROM schema_diff;
SELECT * FROM state;

-- ---- bad input --------------------------------------------------------------------
SELECT orm_alter_table('nosuch', '{"rebuild":true}');
SELECT orm_alter_table('adults', '{"rebuild":true}');
SELECT orm_alter_table('orm_models', '{"rebuild":true}');
SELECT orm_alter_table('sqlite_sequence', '{"rebuild":true}');
SELECT orm_alter_table(NULL, '{}');
SELECT orm_alter_table('users', NULL);
SELECT orm_alter_table('users', 42);
SELECT orm_alter_table('users', 'not json');
SELECT orm_alter_table('users', '[1]');
SELECT orm_alter_table('users', '{}');
SELECT orm_alter_table('users', '{"drop_colum":"age"}');
SELECT orm_alter_table('users', '{"drop_column":7}');
SELECT orm_alter_table('users', '{"drop_column":[]}');
SELECT orm_alter_table('users', '{"drop_column":"nosuch"}');
SELECT orm_alter_table('users', '{"rename_column":{"nosuch":"x"}}');
SELECT orm_alter_table('users', '{"rename_column":{"age":"name"}}');
SELECT orm_alter_table('users', '{"rename_column":"age"}');
SELECT orm_alter_table('users', '{"alter_column":{"nosuch":"TEXT"}}');
SELECT orm_alter_table('users', '{"alter_column":{"age":7}}');
SELECT orm_alter_table('users', '{"alter_column":{"age":{"size":7}}}');
SELECT orm_alter_table('users', '{"alter_column":{"age":{}}}');
SELECT orm_alter_table('users', '{"add_column":{"name":"TEXT"}}');
SELECT orm_alter_table('users', '{"add_column":{"x":"TEXT NOT NULL"}}');
SELECT orm_alter_table('users', '{"add_column":{"x":"TEXT AS (nosuch)"}}');
SELECT orm_alter_table('users', '{"strict":"yes"}');
SELECT orm_alter_table('users', '{"rename":""}');
SELECT orm_alter_table('users', '{"rename":"addresses"}');
SELECT orm_alter_table('users', '{"drop_constraint":"nosuch"}');
SELECT orm_alter_table('users', '{"add_constraint":"age INT"}');
SELECT orm_alter_table('users', '{"add_constraint":"CONSTRAINT adult_age CHECK (1)"}');
SELECT orm_alter_table('users', '{"without_rowid":true}');
-- Injection: a declaration is one column definition, a constraint one constraint.
SELECT orm_alter_table('users', '{"alter_column":{"age":"INT); DROP TABLE addresses; --"}}');
SELECT orm_alter_table('users', '{"alter_column":{"age":"INT, evil TEXT"}}');
SELECT orm_alter_table('users', '{"add_column":{"x":"TEXT DEFAULT ''a'' /* open"}}');
SELECT orm_alter_table('users', '{"add_constraint":"CHECK (1)); DROP TABLE addresses; --"}');
SELECT orm_alter_table('users', '{"alter_column":{"age":{"default":"0) , x TEXT, CHECK (1"}}}');
SELECT orm_alter_table('users', '{"add_column":{"x\"; DROP TABLE addresses; --":"TEXT"}}') AS how;
SELECT name FROM pragma_table_info('users') WHERE name LIKE 'x%';
SELECT * FROM schema_diff;
SELECT * FROM state;

-- ---- other hosts --------------------------------------------------------------------
.reopen-plain
INSERT INTO users(name, age, mail) VALUES ('ida', 40, 'ida@x');
UPDATE users SET name = 'Ida' WHERE name = 'ida';
SELECT user_id, old_name, new_name FROM audit ORDER BY rowid;
INSERT INTO users_view(name, age, mail) VALUES ('jo', 41, 'jo@x');
SELECT name, n_addresses FROM users_view WHERE name IN ('Ida', 'jo') ORDER BY name;
PRAGMA integrity_check;
PRAGMA foreign_key_check;
