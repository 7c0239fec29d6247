-- demo.sql: a tour of sqlorm on the sample shop (make demo builds shop.db and runs this).
.load ./sqlorm
.headers on
.mode box

-- What is loaded: the version, the SQLite it runs on, the backends compiled in.
SELECT orm_version() AS version;
SELECT key, value FROM json_each(orm_debug());

-- The shop, as plain SQL sees it.
SELECT u.first_name || ' ' || u.last_name AS name, count(a.id) AS addresses
  FROM users u LEFT JOIN addresses a ON a.user_id = u.id
 GROUP BY u.id ORDER BY u.id;

-- Relationships: one call maps every FOREIGN KEY, both ways.
SELECT orm_automap() AS relationships_made;
SELECT model, name, target, direction, cascade FROM orm_relationships ORDER BY model, name;

-- Walk a relationship by name instead of re-deriving the join.
SELECT u.first_name, a.email_address
  FROM users u JOIN users__addresses a ON a.source = u.id ORDER BY u.id, a.id;
SELECT source AS user_id, name AS group_name, role FROM users__groups
  JOIN user_group ON user_group.user_id = users__groups.source AND user_group.group_id = users__groups.id
 WHERE source = 1;

-- Cascades are triggers, held for every writer: deleting a user deletes its addresses and
-- memberships and sets its orders' user_id to NULL.
BEGIN;
DELETE FROM users WHERE id = 1;
SELECT (SELECT count(*) FROM addresses WHERE user_id = 1) AS addresses_left,
       (SELECT count(*) FROM user_group WHERE user_id = 1) AS memberships_left,
       (SELECT count(*) FROM orders WHERE user_id IS NULL) AS orders_without_user;
ROLLBACK;

-- Nested documents in one call, without N+1 queries written by hand.
.mode list
SELECT orm_json('users', 1, 'addresses,groups,orders') AS user_1;
SELECT orm_json('groups', 2, 'users(addresses)') AS group_2;

-- Self-reference: an org chart, walked to any depth.
.mode box
CREATE TABLE employees(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
                       manager_id INT REFERENCES employees);
INSERT INTO employees VALUES (1, 'Grace', NULL), (2, 'Ken', 1), (3, 'Dennis', 1),
                             (4, 'Rob', 3), (5, 'Brian', 3);
SELECT orm_automap() AS relationships_made;
SELECT depth, name FROM employees__employees_by_manager(1, 0);
SELECT depth, name FROM employees__manager WHERE source = 5 AND max_depth = 0;

-- Hybrids: a computed column, indexable; a column property in the model's view; a method.
SELECT orm_hybrid('users', 'full_name', 'first_name || '' '' || last_name', '{"index":true}') AS kind;
SELECT orm_hybrid('users', 'order_total',
       '(SELECT coalesce(sum(total), 0) FROM orders WHERE orders.user_id = users.id)') AS kind;
SELECT orm_hybrid('users', 'name_matches', 'full_name LIKE ''%'' || :pattern || ''%''',
       '{"params":["pattern"]}') AS kind;
SELECT id, full_name, order_total FROM users_view ORDER BY order_total DESC;
SELECT id, full_name FROM users WHERE users__name_matches(id, 'ove');
EXPLAIN QUERY PLAN SELECT id FROM users WHERE full_name = 'Ada Lovelace';

-- Named models: joined-table inheritance (a subclass table joined on the key; writes reach
-- both tables), soft delete, and write-back through a hybrid's setter.
ALTER TABLE employees ADD COLUMN kind TEXT NOT NULL DEFAULT 'employee';
CREATE TABLE engineers(id INTEGER PRIMARY KEY REFERENCES employees, language TEXT);
SELECT orm_model('Employee', '{"table":"employees","polymorphic_on":"kind","identity":"employee","soft_delete":true}') AS view;
SELECT orm_model('Engineer', '{"inherits":"Employee","table":"engineers","identity":"engineer"}') AS view;
INSERT INTO "Engineer"(name, manager_id, language) VALUES ('Ken T.', 1, 'C') RETURNING 1 AS written;
DELETE FROM "Employee" WHERE name = 'Brian';
SELECT id, name, kind FROM "Employee";
SELECT id, name, language FROM "Engineer";
SELECT orm_hybrid('users', 'email_domain', 'substr(email, instr(email, ''@'') + 1)',
       '{"setter":{"email":"''ada@'' || :value"}}') AS kind;
UPDATE users_view SET email_domain = 'engine.org' WHERE id = 1;
SELECT id, email, email_domain FROM users WHERE id = 1;

-- Migrations: a folder of revisions (sql/migrations), journalled in this file. Each call
-- applies its revisions and journal rows in one transaction.
SELECT orm_migrations_dir('sql/migrations') AS revisions_loaded;
SELECT orm_upgrade('head') AS applied;
SELECT title, year FROM books;
SELECT revision, state, description FROM orm_history WHERE revision GLOB '00*';
SELECT orm_downgrade('-1') AS undone, orm_current() AS now_at;
SELECT orm_check() AS check_result;
-- Versioned optimistic locking: a writer states the version it read (+ 1) and the stored
-- one advances; a writer that read an older version fails with "stale data: users id=2:
-- expected version 1, found 2" and writes nothing (every host, bulk statements too).
ALTER TABLE users ADD COLUMN version INTEGER;
SELECT orm_model('users', '{"version":true}') AS view;
UPDATE users SET email = 'ken@new.example', version = 1 + 1 WHERE id = 2 RETURNING id, version;
-- The same check with the row-count form (SQLAlchemy's): a stale write matches no row.
UPDATE users SET email = 'lost@example', version = 1 + 1 WHERE id = 2 AND version = 1;
SELECT changes() AS rows_written, email, version FROM users WHERE id = 2;
-- An UPDATE that does not name the version advances it.
UPDATE users SET last_name = upper(last_name) WHERE id = 2;
SELECT id, last_name, version FROM users WHERE id = 2;
-- Federated tables: another SQLite file (the embedded backend; PostgreSQL and MySQL tables
-- are made the same way, with their URLs). The archive file is made here, then left.
ATTACH 'archive.db' AS archive;
DROP TABLE IF EXISTS archive.old_orders;
CREATE TABLE archive.old_orders(id INTEGER PRIMARY KEY, user_id INT NOT NULL, total REAL,
                                placed_at TEXT);
INSERT INTO archive.old_orders SELECT id + 1000, user_id, total, date(placed_at, '-3 years')
FROM orders WHERE user_id IS NOT NULL;
DETACH archive;
DROP TABLE IF EXISTS old_orders;
CREATE VIRTUAL TABLE old_orders USING orm_remote('sqlite:///archive.db', 'old_orders');
-- WHERE, ORDER BY and LIMIT go to the other side; orm_remote_sql() shows what was sent.
SELECT id, total, placed_at FROM old_orders WHERE user_id = 1 ORDER BY placed_at DESC LIMIT 2;
SELECT value AS sent FROM json_each(orm_remote_sql());
-- Writes go inside the SQLite transaction; relationships and orm_json reach the archive.
BEGIN;
UPDATE old_orders SET total = total * 2 WHERE user_id = 1;
COMMIT;
SELECT orm_relationship('users', 'old_orders', 'old_orders',
       '{"local":"id","remote":"user_id","order_by":"id"}') AS rel;
SELECT source, id, total FROM users__old_orders WHERE source = 1;
SELECT url, dialect, checked_out, idle FROM orm_remote_pool;
