-- traverse.sql: orm_traverse, the traversal table of a self-referential relationship,
-- which walks it recursively, breadth first.

CREATE TABLE employees(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
                       manager_id INTEGER REFERENCES employees);
INSERT INTO employees VALUES
  (1, 'Ada', NULL),
  (2, 'Cy', 1), (3, 'Bo', 1),
  (4, 'Fay', 2), (5, 'Eli', 2), (6, 'Dee', 3),
  (7, 'Gus', 5),
  (8, 'Hal', NULL), (9, 'Ivy', 8);

-- One relationship down (children, in name order), one up (the manager).
SELECT orm_relationship('employees', 'employees_by_manager', 'employees',
                        '{"remote":"manager_id","order_by":"name"}');
SELECT orm_relationship('employees', 'manager', 'employees', '{"local":"manager_id"}');
SELECT type, name FROM sqlite_schema WHERE name LIKE 'employees\_\_%' ESCAPE '\' ORDER BY name;

-- The columns: source, depth, then the target's; start and max_depth are hidden.
SELECT name, type FROM pragma_table_info('employees__employees_by_manager');
SELECT name, hidden FROM pragma_table_xinfo('employees__employees_by_manager') WHERE hidden;

-- Depth 1 by default: the direct reports, in the relationship's order_by.
SELECT * FROM employees__employees_by_manager WHERE source = 1;

-- max_depth 2, then 0 (unbounded): breadth first, rows in depth order; within one
-- parent, in name order.
SELECT source, depth, name FROM employees__employees_by_manager
 WHERE source = 1 AND max_depth = 2;
SELECT source, depth, name FROM employees__employees_by_manager
 WHERE source = 1 AND max_depth = 0;

-- The call syntax: (start, max_depth), or (start) for the default depth.
SELECT depth, name FROM employees__employees_by_manager(2, 0);
SELECT depth, name FROM employees__employees_by_manager(2);
SELECT start, max_depth, name FROM employees__employees_by_manager(2, 5);

-- start is another name for the start's equality.
SELECT name FROM employees__employees_by_manager WHERE start = 3;

-- A start that is no row, a NULL start and a NULL max_depth: no rows (x = NULL is never
-- true). A leaf has nothing below it.
SELECT count(*) AS n FROM employees__employees_by_manager(99, 0);
SELECT count(*) AS n FROM employees__employees_by_manager(NULL, 0);
SELECT count(*) AS n FROM employees__employees_by_manager(1, NULL);
SELECT count(*) AS n FROM employees__employees_by_manager(7, 0);

-- Several starts through IN: one walk each.
SELECT source, depth, name FROM employees__employees_by_manager
 WHERE source IN (3, 8) AND max_depth = 0;

-- As a join: the start comes from the outer row, and the plan says so (idxNum 3:
-- start and max_depth both given to the table).
SELECT e.name AS boss, s.name AS report, s.depth
  FROM employees e JOIN employees__employees_by_manager s
    ON s.source = e.id AND s.max_depth = 0
 WHERE e.manager_id IS NULL
 ORDER BY e.id, s.depth, s.name;
EXPLAIN QUERY PLAN
SELECT e.name, s.name FROM employees e JOIN employees__employees_by_manager s
    ON s.source = e.id AND s.max_depth = 0;

-- Two walks at once over the same table: the reports of each direct report of Ada.
SELECT a.name AS report, b.name AS below, b.depth
  FROM employees__employees_by_manager(1) a
  JOIN employees__employees_by_manager b ON b.source = a.id AND b.max_depth = 0;

-- Without a start: a walk from every row, like a view listing all the pairs.
SELECT source, depth, id, name FROM employees__employees_by_manager;
SELECT count(*) AS pairs FROM employees__employees_by_manager WHERE max_depth = 0;

-- WHERE on other columns is applied to the walk's rows.
SELECT depth, name FROM employees__employees_by_manager(1, 0) WHERE name < 'E';
SELECT depth, name FROM employees__employees_by_manager(1, 0) WHERE depth = 2;

-- Many-to-one: up the chain of managers.
SELECT depth, id, name FROM employees__manager(7, 0);
SELECT depth, id, name FROM employees__manager(7);
SELECT count(*) AS n FROM employees__manager(1, 0);

-- Bad max_depth values are errors that say what is expected.
SELECT * FROM employees__employees_by_manager(1, -1);
SELECT * FROM employees__employees_by_manager(1, 2.5);
SELECT * FROM employees__employees_by_manager(1, 'deep');
SELECT * FROM employees__employees_by_manager(1, x'01');
SELECT * FROM employees__employees_by_manager WHERE source = 1 AND max_depth = -3;
-- A number given as text or as a whole real is taken.
SELECT count(*) AS n FROM employees__employees_by_manager(1, '2');
SELECT count(*) AS n FROM employees__employees_by_manager(1, 2.0);

-- A cycle in the data (Ada reports to Gus, deep below her): the walk ends, and each row
-- appears once, at its shallowest depth. The start itself appears only when the cycle
-- leads back to it.
UPDATE employees SET manager_id = 7 WHERE id = 1;
SELECT depth, id, name FROM employees__employees_by_manager(1, 0);
SELECT depth, id, name FROM employees__manager(7, 0);
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_ids
  FROM employees__employees_by_manager WHERE max_depth = 0;
-- A row that is its own manager is its own direct report.
UPDATE employees SET manager_id = 9 WHERE id = 9;
SELECT depth, id, name FROM employees__employees_by_manager(9, 0);
UPDATE employees SET manager_id = NULL WHERE id = 1;
UPDATE employees SET manager_id = 8 WHERE id = 9;

-- The relationship's where option is part of the walk: a row it leaves out is not
-- walked through (Cy's reports are not reached).
SELECT orm_relationship('employees', 'reports_but_cy', 'employees',
                        '{"remote":"manager_id","order_by":"name","where":"name <> ''Cy''"}');
SELECT depth, name FROM employees__reports_but_cy(1, 0);

-- The max_depth option sets the default.
SELECT orm_relationship('employees', 'all_reports', 'employees',
                        '{"remote":"manager_id","order_by":"id","max_depth":0}');
SELECT depth, name FROM employees__all_reports WHERE source = 1;
SELECT depth, name FROM employees__all_reports(1, 1);

-- Many-to-many through a table with both FOREIGN KEYs to employees: a graph walk.
CREATE TABLE friendships(a INTEGER NOT NULL REFERENCES employees,
                         b INTEGER NOT NULL REFERENCES employees, PRIMARY KEY (a, b));
INSERT INTO friendships VALUES (1, 2), (2, 1), (2, 6), (6, 9), (9, 2), (8, 9);
SELECT orm_relationship('employees', 'friends', 'employees',
       '{"secondary":"friendships","secondary_local":"a","secondary_remote":"b","order_by":"name"}');
SELECT depth, id, name FROM employees__friends(1);
SELECT depth, id, name FROM employees__friends(1, 0);
SELECT depth, id, name FROM employees__friends(8, 0);

-- Keys that are not integers (the visited set's fallback), with a cycle.
CREATE TABLE categories(code TEXT PRIMARY KEY, parent TEXT REFERENCES categories);
INSERT INTO categories VALUES ('root', 'leaf-b'), ('a', 'root'), ('b', 'root'),
                              ('leaf-a', 'a'), ('leaf-b', 'b');
SELECT orm_relationship('categories', 'subcategories', 'categories',
                        '{"remote":"parent","order_by":"code"}');
SELECT source, depth, code FROM categories__subcategories('root', 0);
SELECT source, depth, code FROM categories__subcategories WHERE source = 'b' AND max_depth = 0;

-- A composite key: no recursive walk, but a plain view of the direct pairs (depth 1).
-- Tables the traversal cannot serve: a column it needs for itself.
CREATE TABLE parts(maker TEXT, num INTEGER, parent_maker TEXT, parent_num INTEGER,
                   PRIMARY KEY (maker, num),
                   FOREIGN KEY (parent_maker, parent_num) REFERENCES parts);
SELECT orm_relationship('parts', 'subparts', 'parts',
                        '{"remote":["parent_maker","parent_num"]}');
SELECT type FROM sqlite_schema WHERE name = 'parts__subparts';
INSERT INTO parts VALUES ('acme', 1, NULL, NULL), ('acme', 2, 'acme', 1), ('acme', 3, 'acme', 2);
SELECT source, maker, num FROM parts__subparts ORDER BY num;
CREATE TABLE steps(id INTEGER PRIMARY KEY, depth INTEGER, prev_id INTEGER REFERENCES steps);
SELECT orm_relationship('steps', 'next', 'steps', '{"remote":"prev_id"}');
CREATE TABLE levels(id INTEGER PRIMARY KEY, Max_Depth INTEGER, up INTEGER REFERENCES levels);
SELECT orm_relationship('levels', 'down', 'levels', '{"remote":"up"}');
-- Nothing of the refused ones was kept.
SELECT count(*) AS n FROM orm_relationships WHERE model IN ('steps', 'levels');
SELECT count(*) AS n FROM sqlite_schema WHERE name IN ('steps__next', 'levels__down');

-- The module is for sqlorm's own tables: its arguments are the model and relationship.
CREATE VIRTUAL TABLE mine USING orm_traverse('employees');
CREATE VIRTUAL TABLE mine USING orm_traverse('employees', 'nothing');

-- The traversal table keeps its relationship's name.
ALTER TABLE employees__manager RENAME TO bosses;

-- A new connection connects the tables from the catalog.
.reopen
SELECT depth, name FROM employees__employees_by_manager(1, 0);
SELECT depth, name FROM employees__manager(7, 0);
SELECT depth, name FROM employees__friends(1, 0);

-- A host without the module sees the tables but cannot read them.
.reopen-plain
SELECT * FROM employees__manager(7, 0);
.reopen

-- orm_drop removes the relationship and its table.
SELECT orm_drop('employees', 'all_reports');
SELECT count(*) AS n FROM sqlite_schema WHERE name = 'employees__all_reports';
SELECT * FROM employees__all_reports(1);

-- A relationship whose table is gone: the traversal table says so at every query, and
-- orm_drop (or DROP TABLE) still removes it.
DROP TABLE friendships;
.reopen
SELECT * FROM employees__friends(1, 0);
SELECT orm_drop('employees', 'friends');
-- A traversal table whose catalog row is gone: the same, and DROP TABLE removes it.
DELETE FROM orm_relationships WHERE model = 'employees' AND name = 'reports_but_cy';
.reopen
SELECT * FROM employees__reports_but_cy(1, 0);
DROP TABLE employees__reports_but_cy;
SELECT name FROM sqlite_schema WHERE name LIKE 'employees\_\_%' ESCAPE '\' ORDER BY name;

-- Cascade delete on a self-referential one-to-many: deleting a row deletes its whole
-- subtree, and a cycle in the data does not stop it.
CREATE TABLE folders(id INTEGER PRIMARY KEY, name TEXT, parent_id INTEGER REFERENCES folders);
INSERT INTO folders VALUES (1, 'root', NULL), (2, 'docs', 1), (3, 'img', 1), (4, 'old', 2),
                           (5, 'older', 4), (6, 'other', NULL), (7, 'mine', 6);
SELECT orm_relationship('folders', 'subfolders', 'folders',
                        '{"remote":"parent_id","cascade":"all, delete-orphan"}');
SELECT depth, name FROM folders__subfolders(2, 0);
DELETE FROM folders WHERE id = 2;
SELECT id, name FROM folders ORDER BY id;
UPDATE folders SET parent_id = 7 WHERE id = 6;
SELECT depth, name FROM folders__subfolders(6, 0);
DELETE FROM folders WHERE id = 7;
SELECT id, name FROM folders ORDER BY id;

-- On a bigger tree (3,000 rows, 3 children each), integer keys and text keys give the
-- same rows as the hand-written WITH RECURSIVE: the visited set and the levels grow.
CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES tree, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000)
INSERT INTO tree SELECT i, CASE WHEN i > 1 THEN (i+1)/3 END, 'node ' || i FROM n;
CREATE INDEX tree_parent ON tree(parent);
SELECT orm_relationship('tree', 'children', 'tree', '{"remote":"parent"}');
SELECT count(*) AS n, sum(id) AS ids, max(depth) AS depth, sum(depth) AS depths
  FROM tree__children(1, 0);
WITH RECURSIVE sub(id, depth) AS (
  SELECT id, 1 FROM tree WHERE parent = 1
  UNION ALL SELECT t.id, sub.depth + 1 FROM tree t JOIN sub ON t.parent = sub.id)
SELECT count(*) AS n, sum(id) AS ids, max(depth) AS depth, sum(depth) AS depths FROM sub;
CREATE TABLE ttree(code TEXT PRIMARY KEY, up TEXT REFERENCES ttree);
INSERT INTO ttree SELECT label, (SELECT label FROM tree p WHERE p.id = tree.parent) FROM tree;
SELECT orm_relationship('ttree', 'children', 'ttree', '{"remote":"up"}');
SELECT orm_relationship('ttree', 'parent', 'ttree', '{"local":"up"}');
SELECT count(*) AS n, sum(CAST(substr(code, 6) AS INTEGER)) AS ids, max(depth) AS depth,
       sum(depth) AS depths
  FROM ttree__children('node 1', 0);
-- Every pair of the tree, from every start, against the same count by hand.
SELECT count(*) AS pairs FROM tree__children WHERE max_depth = 0;
WITH RECURSIVE sub(id) AS (
  SELECT id FROM tree WHERE parent IS NOT NULL
  UNION ALL SELECT t.parent FROM tree t JOIN sub ON t.id = sub.id WHERE t.parent > 1)
SELECT count(*) AS pairs FROM sub;
-- A many-to-one walk up from a leaf, with text keys.
SELECT depth, code FROM ttree__parent('node 3000', 0);

-- A statement that writes the walked table reads the walk as it was when the statement
-- began (as SQLite's own INSERT ... SELECT from one table does): copying a subtree under
-- its own rows ends, and copies each row once.
CREATE TABLE org(id INTEGER PRIMARY KEY, name TEXT, boss INTEGER REFERENCES org);
INSERT INTO org VALUES (1, 'top', NULL), (2, 'mid', 1), (3, 'low', 2);
SELECT orm_relationship('org', 'staff', 'org', '{"remote":"boss","order_by":"id"}');
INSERT INTO org(name, boss) SELECT name || ' copy', id FROM org__staff(1, 0);
SELECT * FROM org ORDER BY id;
SELECT depth, name FROM org__staff(1, 0);
-- So does an UPDATE that reads it, and a DELETE.
UPDATE org SET name = upper(name) WHERE id IN (SELECT id FROM org__staff(2, 0));
UPDATE org SET boss = w.source FROM org__staff(1, 0) AS w WHERE org.id = w.id AND w.depth = 2;
SELECT * FROM org ORDER BY id;
DELETE FROM org WHERE id IN (SELECT id FROM org__staff(1, 0) WHERE name LIKE '%COPY');
SELECT * FROM org ORDER BY id;

-- Traversal tables read a model through its view when it has one: its column properties
-- are columns of the traversal table, and the rows the view leaves out (soft-deleted, of
-- another class) are not there, at any depth. The tables follow the view as it appears,
-- changes and goes away.
CREATE TABLE teams(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE staff(id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
                   boss_id INTEGER REFERENCES staff, team_id INTEGER REFERENCES teams);
INSERT INTO teams VALUES (1, 'core'), (2, 'web');
INSERT INTO staff VALUES (1, 'Ann', 'manager', NULL, 1), (2, 'Bob', 'engineer', 1, 1),
  (3, 'Cat', 'engineer', 1, 2), (4, 'Dan', 'manager', 1, 2), (5, 'Eve', 'engineer', 4, 2);
SELECT orm_relationship('staff', 'reports', 'staff', '{"remote":"boss_id","order_by":"id"}');
SELECT orm_relationship('teams', 'members', 'staff', '{"order_by":"id"}');
SELECT orm_relationship('staff', 'team', 'teams');
-- A property declared after the relationships is a column of their tables: of the walk ...
SELECT orm_hybrid('staff', 'n_reports',
       '(SELECT count(*) FROM staff r WHERE r.boss_id = staff.id)') AS kind;
SELECT group_concat(name, ', ') AS columns FROM pragma_table_info('staff__reports');
SELECT source, depth, name, n_reports FROM staff__reports(1, 0);
-- ... and of the views, one-to-many and many-to-one.
SELECT source, name, n_reports FROM teams__members ORDER BY source, id;
SELECT orm_hybrid('teams', 'size', '(SELECT count(*) FROM staff s WHERE s.team_id = teams.id)');
SELECT source, name, size FROM staff__team ORDER BY source;
-- A join through the view is still planned as the join written by hand.
EXPLAIN QUERY PLAN
SELECT t.name, m.name FROM teams t JOIN teams__members m ON m.source = t.id;
-- Dropped again: its column goes, and the tables read the table again.
SELECT orm_drop('staff', 'n_reports');
SELECT group_concat(name, ', ') AS columns FROM pragma_table_info('staff__reports');
SELECT group_concat(name, ', ') AS columns FROM pragma_table_info('teams__members');
SELECT name, instr(sql, 'staff_view') > 0 AS reads_view, instr(sql, 'teams_view') > 0 AS
       reads_teams_view FROM sqlite_schema WHERE name IN ('teams__members', 'staff__team')
 ORDER BY name;

-- soft_delete: a soft-deleted row is no child, is not walked through (Eve, below Dan, is
-- not reached from Ann), starts no walk, and as a parent has no pairs.
SELECT orm_model('staff', '{"soft_delete":true}') AS view;
DELETE FROM staff_view WHERE id = 4;
SELECT id, name FROM staff WHERE deleted_at IS NOT NULL;
SELECT source, depth, name FROM staff__reports(1, 0);
SELECT count(*) AS n FROM staff__reports(4, 0);
SELECT source, name FROM teams__members ORDER BY source, id;
SELECT source, name FROM staff__team ORDER BY source;
-- A host without the module reads the views through the model's view too.
.reopen-plain
SELECT source, name FROM teams__members ORDER BY source, id;
.reopen
-- The view renamed: the tables follow it; gone (no soft_delete): they read the table.
SELECT orm_model('staff', '{"soft_delete":true,"view":"live_staff"}') AS view;
SELECT name, instr(sql, '"live_staff"') > 0 AS reads_view FROM sqlite_schema
 WHERE name IN ('teams__members', 'staff__team') ORDER BY name;
SELECT source, name FROM teams__members ORDER BY source, id;
SELECT orm_model('staff') AS view;
SELECT source, name FROM teams__members ORDER BY source, id;
SELECT source, depth, name FROM staff__reports(1, 0);
SELECT orm_model('staff', '{"soft_delete":true}') AS view;

-- Single-table inheritance: a relationship to a subclass reaches its rows only, and one
-- declared on a subclass has pairs for its rows only.
SELECT orm_model('Person', '{"table":"staff","polymorphic_on":"kind","identity":"person"}');
SELECT orm_model('Engineer', '{"inherits":"Person","identity":"engineer"}');
SELECT orm_relationship('teams', 'engineers', 'Engineer', '{"remote":"team_id","order_by":"id"}');
SELECT source, name, kind FROM teams__engineers ORDER BY source, id;
SELECT orm_relationship('Engineer', 'squad', 'teams', '{"local":"team_id"}');
SELECT source, name FROM Engineer__squad ORDER BY source;
SELECT orm_relationship('Engineer', 'boss', 'Person', '{"local":"boss_id"}');
-- (Dan is soft-deleted in model staff; model Person has no soft_delete.)
SELECT depth, id, name FROM Engineer__boss(5, 0);
SELECT count(*) AS n FROM Engineer__boss(4, 0);

-- orm_automap, run and run again, and a declaration that takes over an automap
-- relationship: their tables read the views too. (The tables above that a traversal
-- cannot serve go first.)
DROP TABLE steps;
DROP TABLE levels;
SELECT orm_automap() > 0 AS mapped;
SELECT model, name, origin FROM orm_relationships WHERE model = 'staff' AND name = 'boss';
SELECT depth, name FROM staff__boss(3, 0);
SELECT count(*) AS n FROM staff__boss(5, 0);
SELECT orm_automap() > 0 AS mapped;
SELECT depth, name FROM staff__boss(3, 0);
SELECT count(*) AS n FROM staff__boss(5, 0);
SELECT orm_relationship('staff', 'boss', 'staff', '{"local":"boss_id","max_depth":0}');
SELECT count(*) AS n FROM staff__boss(5);
SELECT depth, name FROM staff__boss(3);

-- where and order_by may name the target's properties. A change of the view that a
-- traversal table cannot follow is refused, and nothing changes: dropping a property a
-- where needs, a property named as a column of the walk.
SELECT orm_relationship('staff', 'big_team', 'teams', '{"local":"team_id","where":"teams.size > 2"}');
SELECT source, name, size FROM staff__big_team ORDER BY source;
SELECT orm_drop('teams', 'size');
SELECT orm_hybrid('staff', 'depth', '(SELECT t.id FROM teams t WHERE t.id = staff.team_id)');
SELECT model, name FROM orm_hybrids ORDER BY model, name;
SELECT source, name, size FROM staff__big_team ORDER BY source;
SELECT depth, name FROM staff__reports(1);

-- A model view that is no longer there (dropped by hand) is reported by the tables that
-- read it; declaring the model again builds both again.
DROP VIEW staff_view;
SELECT count(*) FROM teams__members;
SELECT * FROM staff__reports(1);
SELECT orm_model('staff', '{"soft_delete":true}') AS view;
SELECT count(*) AS n FROM teams__members;
SELECT source, depth, name FROM staff__reports(1, 0);
