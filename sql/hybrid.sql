-- hybrid.sql: orm_hybrid(): hybrid columns (generated), column properties (the model's
-- view), hybrid methods (functions); orm_model() views; orm_drop() of each.

CREATE TABLE users(id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,
                   created_at TEXT NOT NULL DEFAULT '2026-01-01');
CREATE TABLE addresses(id INTEGER PRIMARY KEY, user_id INT REFERENCES users, email TEXT);
INSERT INTO users(id, first_name, last_name) VALUES (1, 'John', 'Doe'), (2, 'Jane', NULL),
                                                   (3, 'Ada', 'Lovelace');
INSERT INTO addresses VALUES (1, 1, 'j@home'), (2, 1, 'j@work'), (3, 3, 'a@engine');

-- A same-row deterministic expression is a VIRTUAL generated column, indexable.
SELECT orm_hybrid('users', 'full_name', 'first_name || '' '' || last_name',
                  '{"index":true}') AS kind;
SELECT id, full_name FROM users ORDER BY id;
EXPLAIN QUERY PLAN SELECT id FROM users WHERE full_name = 'John Doe';
SELECT id FROM users WHERE full_name = 'John Doe';
-- NULL semantics are SQL's: a hybrid over a NULL column is NULL, and = never matches it.
SELECT id, full_name IS NULL AS is_null FROM users WHERE id = 2;
SELECT count(*) AS matches FROM users WHERE full_name = NULL;
-- A hybrid over a hybrid.
SELECT orm_hybrid('users', 'shout', 'upper(full_name)') AS kind;
SELECT shout FROM users WHERE id = 3;

-- An expression that reads other rows is a column property, in the model's view.
SELECT orm_hybrid('users', 'address_count',
       '(SELECT count(*) FROM addresses WHERE addresses.user_id = users.id)') AS kind;
SELECT id, full_name, address_count FROM users_view ORDER BY id;
-- Always current after writes, from any writer.
INSERT INTO addresses VALUES (4, 2, 'jane@x');
SELECT address_count FROM users_view WHERE id = 2;
-- Filter on it; the planner sees the view flattened into the query.
SELECT id FROM users_view WHERE address_count >= 2;
-- Read-only.
UPDATE users_view SET address_count = 9 WHERE id = 1;
INSERT INTO users_view(first_name, address_count) VALUES ('X', 3);

-- Writes through the view reach the table; defaults fill what an INSERT leaves out.
INSERT INTO users_view(first_name, last_name) VALUES ('Alan', 'Turing');
SELECT id, full_name, created_at FROM users WHERE first_name = 'Alan';
UPDATE users_view SET last_name = 'T.' WHERE first_name = 'Alan';
-- An INSTEAD OF trigger does the write, so changes() says 0 (SQLite counts the statement's
-- own rows); total_changes() moved.
SELECT changes() AS changes;
SELECT full_name FROM users WHERE first_name = 'Alan';
DELETE FROM users_view WHERE first_name = 'Alan';
SELECT count(*) AS alan FROM users WHERE first_name = 'Alan';
-- The write count of a view: RETURNING gives a row per row the statement wrote through the
-- view (as an ORM checks a row count); total_changes() counts every row of every table.
INSERT INTO users_view(id, first_name, last_name) VALUES (50, 'A', 'B'), (51, 'C', 'D') RETURNING 1;
UPDATE users_view SET last_name = 'E' WHERE id >= 50 RETURNING id;
UPDATE users_view SET last_name = 'F' WHERE id = 999 RETURNING id;
DELETE FROM users_view WHERE id >= 50 RETURNING id;

-- A hybrid method: params make it a function <model>__<name>(key, params...).
SELECT orm_hybrid('users', 'name_matches', 'full_name LIKE ''%'' || :pattern || ''%''',
                  '{"params":["pattern"]}') AS kind;
-- To filter a query:
SELECT id FROM users WHERE users__name_matches(id, 'o') ORDER BY id;
-- On one row (NULL when the expression is NULL, or there is no such row):
SELECT users__name_matches(1, 'Jo') AS john, users__name_matches(2, 'Ja') AS jane,
       users__name_matches(99, 'x') AS nobody;
SELECT users__name_matches(1);

-- Hybrids appear where the table's columns do: traversal tables and orm_json. Both read a
-- model through its view, so column properties appear there too.
SELECT orm_relationship('addresses', 'user', 'users') AS made;
SELECT source, full_name, address_count FROM addresses__user WHERE source = 3;
SELECT orm_json('users', 3) AS doc;

-- Everything survives close and reopen; methods are registered again at load.
.reopen
SELECT users__name_matches(3, 'Love') AS ada;
SELECT address_count FROM users_view WHERE id = 1;
-- A host without the module still reads the hybrid columns and the view.
.reopen-plain
SELECT full_name, shout FROM users WHERE id = 1;
SELECT address_count FROM users_view WHERE id = 1;
SELECT users__name_matches(1, 'Jo');
.reopen

-- A model with its own name: a view of that name over its table, writable.
SELECT orm_model('Person', '{"table":"users"}') AS view;
SELECT id, full_name FROM "Person" ORDER BY id LIMIT 2;
INSERT INTO "Person"(first_name, last_name) VALUES ('Grace', 'Hopper');
SELECT full_name FROM users WHERE first_name = 'Grace';
SELECT orm_hybrid('Person', 'initials', 'substr(first_name, 1, 1) || substr(last_name, 1, 1)') AS kind;
SELECT orm_hybrid('Person', 'n_addr', '(SELECT count(*) FROM addresses WHERE addresses.user_id = users.id)') AS kind;
SELECT initials, n_addr FROM "Person" WHERE id = 1;
SELECT name, tbl FROM orm_models ORDER BY name;

-- Errors: each names the culprit; schema and catalog stay as they were.
SELECT count(*) AS before FROM sqlite_schema;
SELECT orm_hybrid('users', 'r', 'random()');
SELECT orm_hybrid('users', 'c', 'count(*)');
SELECT orm_hybrid('users', 'x', 'nope + 1');
SELECT orm_hybrid('users', 'x', '1); DROP TABLE users; --');
SELECT orm_hybrid('users', 'x', 'first_name; DELETE FROM users');
SELECT orm_hybrid('users', 'x', '');
SELECT orm_hybrid('users', 'first_name', 'last_name');
SELECT orm_hybrid('users', 'full_name', 'last_name');
SELECT orm_hybrid('addresses', 'user', 'email');
SELECT orm_hybrid('nope', 'x', '1');
SELECT orm_hybrid('users', 'x', 'first_name', '{"kind":"blue"}');
SELECT orm_hybrid('users', 'x', 'first_name', '{"bogus":1}');
SELECT orm_hybrid('users', 'x', 'first_name', 'not json');
SELECT orm_hybrid('users', 'x', '(SELECT 1)', '{"index":true}');
SELECT orm_hybrid('users', 'x', '(SELECT 1)', '{"kind":"column"}');
SELECT orm_hybrid('users', 'x', 'first_name = :p', '{"params":["p q"]}');
SELECT orm_hybrid('users', 'x', 'first_name = :q', '{"params":["p"]}');
SELECT orm_hybrid('users', 'x', 'first_name = ?', '{"params":["p"]}');
SELECT orm_hybrid('users', 'x', 'first_name', '{"kind":"method"}');
SELECT orm_hybrid(NULL, 'x', '1');
SELECT orm_hybrid('users', 'x', 42);
SELECT orm_hybrid('users', '', '1');
SELECT count(*) AS after FROM sqlite_schema;
SELECT count(*) AS hybrids FROM orm_hybrids;

-- orm_drop: a hybrid column with an index is refused unless asked to drop the index too;
-- a property leaves the view; a dropped method's function says so.
SELECT orm_drop('users', 'full_name');
SELECT orm_drop('users', 'shout');
SELECT orm_drop('users', 'full_name', '{"cascade":true}');
SELECT orm_drop('users', 'full_name', '{"cascade":"yes"}');
SELECT name FROM pragma_table_xinfo('users') ORDER BY cid;
SELECT orm_drop('users', 'address_count');
SELECT name FROM sqlite_schema WHERE name = 'users_view';
SELECT orm_drop('users', 'name_matches');
SELECT users__name_matches(1, 'Jo');
-- Dropping a model drops its hybrids and its view; the table and its rows stay.
SELECT orm_drop('Person');
SELECT name FROM sqlite_schema WHERE name IN ('Person', 'users_view');
SELECT count(*) AS users, (SELECT count(*) FROM orm_hybrids) AS hybrids FROM users;

-- Review cases. A STRICT table gets a hybrid column of type ANY.
CREATE TABLE st(id INTEGER PRIMARY KEY, x INT) STRICT;
INSERT INTO st VALUES (1, 21);
SELECT orm_hybrid('st', 'y', 'x * 2') AS kind;
SELECT y, typeof(y) FROM st;
-- A property must give a value per row: an aggregate would fold the view.
SELECT orm_hybrid('st', 'n', 'count(*)', '{"kind":"property"}');
-- A property that reads its own model's view is refused, not left broken.
SELECT orm_model('S', '{"table":"st"}') AS view;
SELECT orm_hybrid('S', 'loop', '(SELECT count(*) FROM "S")');
SELECT count(*) AS works FROM "S";
-- Method parameters are named exactly as declared; orm_ names are sqlorm's own.
SELECT orm_hybrid('st', 'up', 'x + :X', '{"params":["x"]}');
SELECT orm_hybrid('st', 'k', 'x + :orm_key_1', '{"params":["orm_key_1"]}');
SELECT orm_hybrid('st', 'plus', 'x + :x', '{"params":["x"]}') AS kind;
SELECT st__plus(1, 100) AS plus;
-- An option given twice is an error.
SELECT orm_hybrid('st', 'z', 'x', '{"kind":"column","kind":"property"}');
-- A generated column is read-only through a view too.
UPDATE "S" SET y = 5;
INSERT INTO "S"(x, y) VALUES (1, 2);
SELECT orm_drop('S');

-- Write-back (SQLAlchemy's hybrid setter): writing the hybrid through the model's view sets
-- the columns of its setter, each an expression of :value.
CREATE TABLE people(id INTEGER PRIMARY KEY, first TEXT, last TEXT);
INSERT INTO people VALUES (1, 'John', 'Doe');
SELECT orm_hybrid('people', 'full', 'first || '' '' || last', '{"setter":{
  "first":"substr(:value, 1, instr(:value, '' '') - 1)",
  "last":"substr(:value, instr(:value, '' '') + 1)"}}') AS kind;
SELECT options FROM orm_hybrids WHERE name = 'full';
UPDATE people_view SET full = 'Jane Roe' WHERE id = 1;
INSERT INTO people_view(full) VALUES ('Ada Lovelace');
-- Writing the columns themselves works as before; an unchanged hybrid is not written back.
INSERT INTO people_view(first, last) VALUES ('Alan', 'Turing');
UPDATE people_view SET first = 'Al' WHERE id = 3;
SELECT id, first, last, full FROM people ORDER BY id;
-- NULL is SQL's: writing NULL gives the setter NULL, which sets NULL.
UPDATE people_view SET full = NULL WHERE id = 3;
SELECT id, first, last FROM people WHERE id = 3;
-- The text ':value' inside a string is a string; a property can have a setter too.
SELECT orm_hybrid('people', 'tag', '(SELECT p2.last FROM people AS p2 WHERE p2.id = people.id)',
                  '{"setter":{"last":"'':value'' || :value"}}') AS kind;
UPDATE people_view SET tag = '!' WHERE id = 1;
SELECT last, tag FROM people_view WHERE id = 1;
-- Survives close and reopen; another host writes through the view too.
.reopen-plain
UPDATE people_view SET full = 'Grace Hopper' WHERE id = 2;
SELECT first, last FROM people WHERE id = 2;
.reopen
-- Errors: a column of the row (the setter sees only :value), an unknown or generated
-- column, a second statement, another parameter, not text, empty, not an object, a method.
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{"first":"last"}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{"nope":":value"}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{"full":":value"}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{"last":":value); DROP TABLE people; --"}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{"last":":val"}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{"last":5}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":{}}');
SELECT orm_hybrid('people', 'x', 'id * 2', '{"setter":"last"}');
SELECT orm_hybrid('people', 'x', 'first LIKE :p', '{"params":["p"],"setter":{"last":":value"}}');
SELECT count(*) AS hybrids FROM orm_hybrids WHERE name = 'x';
-- Dropping the hybrids drops the view they needed.
SELECT orm_drop('people', 'tag');
SELECT orm_drop('people', 'full');
SELECT name FROM sqlite_schema WHERE name = 'people_view';
SELECT id, first, last FROM people ORDER BY id;
