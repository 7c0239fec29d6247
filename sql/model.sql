-- model.sql: orm_model() options held for every writer: timestamps, soft_delete,
-- validate; re-declaring a model replaces its options and keeps its columns.

CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL, status TEXT);
INSERT INTO orders(id, total, status) VALUES (1, 10, 'new');
SELECT orm_model('Order', '{"table":"orders","timestamps":true,"soft_delete":true,
  "validate":{"positive_total":"total >= 0","known_status":"status IN (''new'',''paid'')"}}') AS view;
SELECT name, tbl, options FROM orm_models;
-- The columns the options maintain are made when missing (nullable; rows that were there
-- keep NULL: their times are not known).
SELECT name, type FROM pragma_table_info('orders') ORDER BY cid;

-- timestamps: every writer, the table itself included, gets created_at and updated_at.
INSERT INTO orders(total, status) VALUES (5, 'paid');
SELECT id, created_at IS NOT NULL AS created, updated_at IS NOT NULL AS updated FROM orders;
UPDATE orders SET total = 6 WHERE id = 2;
SELECT updated_at >= created_at AS later FROM orders WHERE id = 2;
-- An UPDATE that sets updated_at itself keeps its value.
UPDATE orders SET updated_at = '2000-01-01' WHERE id = 2;
SELECT updated_at FROM orders WHERE id = 2;
-- An INSERT that gives created_at keeps it.
INSERT INTO orders(total, status, created_at) VALUES (1, 'new', '1999-12-31');
SELECT created_at FROM orders WHERE id = 3;

-- validate: named rules for every writer; a false rule aborts the whole statement; NULL
-- passes, as in a CHECK constraint.
INSERT INTO orders(total, status) VALUES (-1, 'paid');
UPDATE orders SET status = 'lost';
SELECT group_concat(status) AS statuses FROM orders;
INSERT INTO orders(total, status) VALUES (NULL, 'new');
SELECT count(*) AS with_null_total FROM orders WHERE total IS NULL;
-- Through the view too.
INSERT INTO "Order"(total, status) VALUES (-2, 'new');

-- soft_delete: a DELETE through the view sets the column; the view hides the row; the
-- table keeps it. A DELETE on the table itself still deletes.
DELETE FROM "Order" WHERE id = 2;
SELECT id FROM "Order" ORDER BY id;
SELECT id, deleted_at IS NOT NULL AS deleted FROM orders ORDER BY id;
DELETE FROM orders WHERE id = 4;
SELECT count(*) AS rows FROM orders;

-- Survives close and reopen; another host is held to the same rules (they are triggers).
.reopen-plain
INSERT INTO orders(total, status) VALUES (-3, 'new');
INSERT INTO orders(total, status) VALUES (3, 'new');
SELECT created_at IS NOT NULL AS stamped FROM orders WHERE total = 3;
.reopen

-- Errors leave the model as it was.
SELECT orm_model('Order', '{"table":"orders","timestamps":5}');
SELECT orm_model('Order', '{"table":"orders","timestamps":{"made":"x"}}');
SELECT orm_model('Order', '{"table":"orders","soft_delete":7}');
SELECT orm_model('Order', '{"table":"orders","validate":"total > 0"}');
SELECT orm_model('Order', '{"table":"orders","validate":{"x":"nope > 1"}}');
SELECT orm_model('Order', '{"table":"orders","validate":{"x":"1; DROP TABLE orders"}}');
SELECT orm_model('Order', '{"table":"orders","validate":{"x":5}}');
SELECT orm_model('Order', '{"table":"nope"}');
SELECT orm_model('Order', '{"table":"orders","bogus":1}');
SELECT orm_model('Order', '[1]');
SELECT orm_model(NULL);
SELECT orm_model('orders', '{"table":"orders","view":"o"}') AS view;
SELECT orm_model('Order', '{"table":"orders","view":"o"}');
SELECT options FROM orm_models WHERE name = 'Order';

-- Declared again without options: its triggers go, its columns and rows stay.
SELECT orm_model('Order', '{"table":"orders"}') AS view;
SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'orders' ORDER BY name;
INSERT INTO orders(total, status) VALUES (-9, 'weird');
SELECT count(*) AS rows, (SELECT count(*) FROM pragma_table_info('orders')) AS columns FROM orders;
SELECT orm_drop('Order');
SELECT orm_drop('orders');
SELECT name FROM sqlite_schema WHERE name NOT LIKE 'orm\_%' ESCAPE '\' AND name NOT LIKE 'sqlite%';

-- orm_drop of a model takes its triggers on the table with it.
SELECT orm_model('Tidy', '{"table":"orders","timestamps":true,"validate":{"r":"total > -100"}}') AS view;
SELECT count(*) AS triggers FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'orders';
SELECT orm_drop('Tidy');
SELECT count(*) AS triggers FROM sqlite_schema WHERE type = 'trigger';

-- Review cases. A model view needs a declared key to write rows by.
CREATE TABLE nk(a, b);
SELECT orm_model('K', '{"table":"nk"}');
-- A soft_delete column with quotes in its name is quoted.
CREATE TABLE q(id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO q VALUES (1, 'kept');
SELECT orm_model('Qm', '{"table":"q","soft_delete":"del\" = NULL, \"name"}') AS view;
DELETE FROM "Qm" WHERE id = 1;
SELECT id, name, "del"" = NULL, ""name" IS NOT NULL AS deleted FROM q;
-- Timestamps with recursive triggers on; an explicit updated_at at INSERT is kept.
CREATE TABLE ts(id INTEGER PRIMARY KEY, v TEXT);
SELECT orm_model('ts', '{"timestamps":true}') AS view;
PRAGMA recursive_triggers = ON;
INSERT INTO ts(id, v) VALUES (1, 'a');
UPDATE ts SET v = 'b' WHERE id = 1;
UPDATE ts SET v = 'c' WHERE id = 1;
INSERT INTO ts(id, v) VALUES (1, 'd') ON CONFLICT(id) DO UPDATE SET v = 'e';
INSERT INTO ts(v, updated_at) VALUES ('x', '2000-01-01');
PRAGMA recursive_triggers = OFF;
SELECT id, v, created_at IS NOT NULL AS c, updated_at FROM ts WHERE id = 2;
SELECT v FROM ts WHERE id = 1;
-- A rule holds for a row whose key is NULL too.
CREATE TABLE vk(k TEXT PRIMARY KEY, age INT);
SELECT orm_model('vk', '{"validate":{"adult":"age >= 18"}}') AS view;
INSERT INTO vk VALUES (NULL, 5);
-- Changing the view option leaves no old view behind.
CREATE TABLE vv(id INTEGER PRIMARY KEY, n INT);
SELECT orm_hybrid('vv', 'cnt', '(SELECT count(*) FROM vv AS v2)') AS kind;
SELECT orm_model('vv', '{"view":"v1"}') AS view;
SELECT orm_model('vv', '{"view":"v2"}') AS view;
SELECT name FROM sqlite_schema WHERE type = 'view' AND name IN ('vv_view', 'v1', 'v2');
SELECT orm_drop('vv');
SELECT name FROM sqlite_schema WHERE type IN ('view', 'trigger') AND tbl_name IN ('vv', 'v1', 'v2', 'vv_view');

-- Single-table inheritance: a discriminator column (polymorphic_on) on the base model; each
-- subclass view shows its rows and its subclasses', and an INSERT through it sets the
-- identity; the base view shows every row with its identity.
CREATE TABLE employees(id INTEGER PRIMARY KEY, name TEXT, type TEXT, engineer_info TEXT);
INSERT INTO employees(name, type) VALUES ('base', 'employee');
SELECT orm_model('Employee', '{"table":"employees","polymorphic_on":"type","identity":"employee"}') AS view;
SELECT orm_model('Engineer', '{"inherits":"Employee","identity":"engineer"}') AS view;
SELECT orm_model('Principal', '{"inherits":"Engineer","identity":"principal"}') AS view;
SELECT orm_model('Manager', '{"inherits":"Employee","identity":"manager"}') AS view;
INSERT INTO "Engineer"(name, engineer_info) VALUES ('ed', 'C');
INSERT INTO "Principal"(name, type) VALUES ('pat', 'ignored: the view sets it');
INSERT INTO "Manager"(name) VALUES ('mo');
SELECT id, name, type FROM "Employee" ORDER BY id;
SELECT id, name, type FROM "Engineer" ORDER BY id;
SELECT id, name, type FROM "Principal" ORDER BY id;
SELECT id, name, type FROM "Manager" ORDER BY id;
UPDATE "Engineer" SET engineer_info = 'Rust' WHERE name = 'ed';
DELETE FROM "Manager" WHERE name = 'mo';
SELECT name, type, engineer_info FROM employees ORDER BY id;
-- Errors: a cycle, an unknown parent, no identity, no discriminator, an unknown column,
-- a parent of another table.
SELECT orm_model('Employee', '{"table":"employees","polymorphic_on":"type","inherits":"Principal","identity":"x"}');
SELECT orm_model('X', '{"inherits":"Nope","identity":"x"}');
SELECT orm_model('Y', '{"inherits":"Employee"}');
SELECT orm_model('Z', '{"table":"employees","identity":"z"}');
SELECT orm_model('W', '{"table":"employees","polymorphic_on":"kind","identity":"w"}');
SELECT orm_model('V', '{"table":"orders","inherits":"Employee","identity":"v"}');
SELECT orm_model('U', '{"inherits":"Employee","identity":5}');

-- Joined-table inheritance: a subclass with its own table, whose PRIMARY KEY is a FOREIGN
-- KEY to its parent's key. Its view joins the tables of the chain on the key; writes through
-- it reach every table; the base view shows every row with its identity.
PRAGMA foreign_keys = ON;
CREATE TABLE staff(id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT);
CREATE TABLE devs(dev_id INTEGER PRIMARY KEY REFERENCES staff(id), language TEXT DEFAULT 'C');
CREATE TABLE leads(lead_id INTEGER PRIMARY KEY REFERENCES devs, reports INT);
INSERT INTO staff(name, kind) VALUES ('boss', 'staff');
SELECT orm_model('Staff', '{"table":"staff","polymorphic_on":"kind","identity":"staff"}') AS view;
SELECT orm_model('Dev', '{"inherits":"Staff","table":"devs","identity":"dev"}') AS view;
SELECT orm_model('Lead', '{"inherits":"Dev","table":"leads","identity":"lead"}') AS view;
SELECT orm_model('Intern', '{"inherits":"Staff","identity":"intern"}') AS view;
SELECT sql FROM sqlite_schema WHERE name = 'Lead';
-- An INSERT writes each table under the key the root row got (or the one it gives).
INSERT INTO "Dev"(name, language) VALUES ('ed', 'Rust');
INSERT INTO "Dev"(name) VALUES ('eve');
INSERT INTO "Lead"(name, reports) VALUES ('pat', 3);
INSERT INTO "Lead"(id, name, language, reports) VALUES (10, 'pia', 'Go', 5);
INSERT INTO "Intern"(name, kind) VALUES ('ian', 'ignored: the view sets it');
SELECT * FROM "Staff" ORDER BY id;
SELECT * FROM "Dev" ORDER BY id;
SELECT * FROM "Lead" ORDER BY id;
SELECT * FROM devs ORDER BY dev_id;
SELECT * FROM leads ORDER BY lead_id;
-- An UPDATE writes each table; the key cannot change through a joined view.
UPDATE "Lead" SET name = 'PAT', language = 'Zig', reports = 4 WHERE name = 'pat';
SELECT * FROM "Lead" WHERE id = 4;
UPDATE "Lead" SET id = 99 WHERE id = 4;
-- A DELETE removes the subclass rows first; deleting the base row (any writer) takes its
-- joined rows with it.
DELETE FROM "Lead" WHERE id = 10;
DELETE FROM staff WHERE name = 'eve';
DELETE FROM staff WHERE name = 'PAT';
SELECT (SELECT group_concat(id) FROM staff) AS staff, (SELECT group_concat(dev_id) FROM devs) AS devs,
       (SELECT count(*) FROM leads) AS leads;
PRAGMA foreign_key_check;
-- Column properties of the ancestors come with the subclass; a property added later
-- reaches the subclass views too.
SELECT orm_hybrid('Staff', 'name_len', '(SELECT length(s2.name) FROM staff AS s2 WHERE s2.id = staff.id)') AS kind;
SELECT id, name, language, name_len FROM "Dev" ORDER BY id;
SELECT orm_drop('Staff', 'name_len');
SELECT * FROM "Dev" ORDER BY id;
-- Soft delete on a joined subclass sets its column; its rows stay in both tables.
SELECT orm_model('Dev', '{"inherits":"Staff","table":"devs","identity":"dev","soft_delete":true}') AS view;
DELETE FROM "Dev" WHERE name = 'ed';
SELECT id, name FROM "Dev";
SELECT dev_id, deleted_at IS NOT NULL AS deleted FROM devs;
-- Survives close and reopen; the joined delete holds for a host without the module.
.reopen-plain
PRAGMA foreign_keys = ON;
INSERT INTO staff(id, name, kind) VALUES (20, 'zed', 'dev');
INSERT INTO devs(dev_id) VALUES (20);
DELETE FROM staff WHERE id = 20;
SELECT count(*) AS devs_left FROM devs WHERE dev_id = 20;
.reopen
-- Errors: a subclass table whose key does not reference the parent's, a column name in
-- two tables of the chain, a table without a declared key; the catalog stays as it was.
CREATE TABLE loose(id INTEGER PRIMARY KEY, x TEXT);
SELECT orm_model('Loose', '{"inherits":"Staff","table":"loose","identity":"loose"}');
CREATE TABLE clash(id INTEGER PRIMARY KEY REFERENCES staff, name TEXT);
SELECT orm_model('Clash', '{"inherits":"Staff","table":"clash","identity":"clash"}');
CREATE TABLE nokey(id INTEGER REFERENCES staff, x TEXT);
SELECT orm_model('NoKey', '{"inherits":"Staff","table":"nokey","identity":"nokey"}');
CREATE TABLE twokey(a INT, b INT, PRIMARY KEY(a, b));
SELECT orm_model('TwoKey', '{"inherits":"Staff","table":"twokey","identity":"twokey"}');
SELECT name FROM orm_models WHERE name IN ('Loose', 'Clash', 'NoKey', 'TwoKey');
SELECT name FROM sqlite_schema WHERE name IN ('Loose', 'Clash', 'NoKey', 'TwoKey');
-- orm_drop of the subclass takes its view and its joined-delete trigger; the rows stay.
INSERT INTO "Lead"(name, reports) VALUES ('lee', 1);
SELECT orm_drop('Lead');
SELECT name FROM sqlite_schema WHERE type IN ('view', 'trigger') AND name LIKE '%Lead%';
SELECT count(*) AS leads FROM leads;
PRAGMA foreign_keys = OFF;
