-- automap.sql: orm_automap(): a model per table, a relationship pair per FOREIGN KEY,
-- named by fixed rules; re-running refreshes only what it made.

-- The shop: one-to-many, many-to-one, an association table with a column of its own.
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE addresses(id INTEGER PRIMARY KEY, user_id INT NOT NULL REFERENCES users(id),
                       email TEXT);
CREATE TABLE groups(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE user_group(user_id INT NOT NULL REFERENCES users ON DELETE CASCADE,
                        group_id INT NOT NULL REFERENCES groups ON DELETE CASCADE,
                        role TEXT, PRIMARY KEY (user_id, group_id));
-- One-to-one (the FK is UNIQUE), an implicit parent key (REFERENCES users), SET NULL.
CREATE TABLE profiles(id INTEGER PRIMARY KEY, user_id INT UNIQUE REFERENCES users
                      ON DELETE SET NULL, bio TEXT);
-- Two FKs to the same table: never a mismatched pair.
CREATE TABLE messages(id INTEGER PRIMARY KEY, sender_id INT NOT NULL REFERENCES users,
                      recipient_id INT REFERENCES users ON DELETE RESTRICT, body TEXT);
-- A composite key and a composite FK to it.
CREATE TABLE parts(maker TEXT, num INT, name TEXT, PRIMARY KEY (maker, num)) WITHOUT ROWID;
CREATE TABLE part_notes(id INTEGER PRIMARY KEY, maker TEXT, num INT, note TEXT,
                        FOREIGN KEY (maker, num) REFERENCES parts ON DELETE CASCADE);
-- Not mapped: SQLite's own tables, virtual tables, views.
CREATE TABLE counters(id INTEGER PRIMARY KEY AUTOINCREMENT, n INT);
INSERT INTO counters(n) VALUES (1);
CREATE VIRTUAL TABLE search USING fts5(body);
CREATE VIEW v AS SELECT 1 AS one;

INSERT INTO users VALUES (1, 'ann'), (2, 'bob');
INSERT INTO addresses VALUES (1, 1, 'ann@home'), (2, 1, 'ann@work'), (3, 2, 'bob@home');
INSERT INTO groups VALUES (1, 'admins'), (2, 'staff');
INSERT INTO user_group VALUES (1, 1, 'owner'), (1, 2, 'member'), (2, 2, 'member');
INSERT INTO profiles VALUES (1, 1, 'likes SQL');
INSERT INTO messages VALUES (1, 1, 2, 'hi bob'), (2, 2, 1, 'hi ann');
INSERT INTO parts VALUES ('acme', 1, 'bolt');
INSERT INTO part_notes VALUES (1, 'acme', 1, 'strong');

SELECT orm_automap() AS made;
SELECT name, tbl, origin FROM orm_models ORDER BY name;
SELECT model, name, target, direction, local_columns, remote_columns, secondary, uselist,
       cascade, options ->> '$.back_populates' AS back, options ->> '$.passive_deletes' AS passive
  FROM orm_relationships ORDER BY model, name;

-- Every pair is walkable.
SELECT source, email FROM users__addresses ORDER BY source, id;
SELECT source, name FROM addresses__user ORDER BY source;
SELECT source, name FROM users__groups ORDER BY source, id;
SELECT source, name FROM groups__users ORDER BY source, id;
SELECT source, role FROM users__user_group ORDER BY source, group_id;
SELECT source, bio FROM users__profiles;
SELECT source, body FROM users__messages_by_sender ORDER BY source;
SELECT source, body FROM users__messages_by_recipient ORDER BY source;
SELECT source, name FROM messages__recipient ORDER BY source;
SELECT * FROM parts__part_notes;
SELECT * FROM part_notes__parts;

-- Running it again makes the same, and touches no declaration.
SELECT orm_relationship('users', 'work_addresses', 'addresses',
       '{"where":"email LIKE ''%work''"}') AS declared;
SELECT orm_automap() AS made;
SELECT count(*) AS relationships, sum(origin = 'user') AS declared FROM orm_relationships;

-- After a schema change: a new table and FK appear, a dropped table's pairs go.
CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INT REFERENCES users, total REAL);
DROP TABLE part_notes;
SELECT orm_automap() AS made;
SELECT model, name FROM orm_relationships WHERE 'orders' IN (model, target)
    OR 'part_notes' IN (model, target) ORDER BY 1, 2;
SELECT name FROM orm_models WHERE name IN ('orders', 'part_notes');
SELECT name FROM sqlite_schema WHERE name LIKE '%part_notes%';
SELECT source, email FROM users__work_addresses;

-- A declaration that covers an FK's direction (under another name) replaces automap's.
SELECT orm_relationship('users', 'purchases', 'orders') AS declared;
SELECT orm_automap() AS made;
SELECT model, name, origin, options ->> '$.back_populates' AS back FROM orm_relationships
 WHERE 'orders' IN (model, target) ORDER BY 1, 2;

-- Two association tables between the same pair: named after the association table.
CREATE TABLE group_admins(group_id INT REFERENCES groups, user_id INT REFERENCES users,
                          PRIMARY KEY (group_id, user_id));
INSERT INTO group_admins VALUES (1, 1);
SELECT orm_automap() AS made;
SELECT model, name, secondary, options ->> '$.back_populates' AS back
  FROM orm_relationships WHERE direction = 'many-to-many' ORDER BY 1, 2;
SELECT source, name FROM groups__users_by_group_admins;

-- An FK column without _id: its stem would be the column itself, so the many-to-one takes
-- the parent table's name (tracks.users).
CREATE TABLE tracks(id INTEGER PRIMARY KEY, user INT REFERENCES users, title TEXT);
SELECT orm_automap() AS made;
SELECT model, name, target FROM orm_relationships WHERE 'tracks' IN (model, target) ORDER BY 1, 2;

-- A name that is a column takes its longer form; when that is a column too, it is an
-- error naming both, and nothing changes. Declaring the relationship resolves it.
CREATE TABLE odd(id INTEGER PRIMARY KEY, user INT REFERENCES users, users TEXT,
                 users_by_users TEXT);
SELECT count(*) AS before FROM orm_relationships;
SELECT orm_automap();
SELECT count(*) AS after FROM orm_relationships;
SELECT orm_relationship('odd', 'owner', 'users', '{"local":"user"}') AS declared;
SELECT orm_automap() AS made;
SELECT model, name, origin, options ->> '$.back_populates' AS back FROM orm_relationships
 WHERE 'odd' IN (model, target) ORDER BY 1, 2;

-- The definitions are in the file: they survive close and reopen.
.reopen
SELECT count(*) AS relationships FROM orm_relationships;
SELECT source, name FROM users__groups_by_user_group WHERE source = 1 ORDER BY id;
SELECT orm_automap(1);

-- Self-reference: a recursive traversal table both ways, named <child>_by_<stem> for the
-- collection. A self-referencing association table: <table>_by_<stem of the far FK>.
CREATE TABLE employees(id INTEGER PRIMARY KEY, name TEXT,
                       manager_id INT REFERENCES employees ON DELETE CASCADE);
INSERT INTO employees VALUES (1, 'boss', NULL), (2, 'mid', 1), (3, 'low', 2);
CREATE TABLE friendships(user_id INT NOT NULL REFERENCES users,
                         friend_id INT NOT NULL REFERENCES users,
                         PRIMARY KEY (user_id, friend_id));
INSERT INTO friendships VALUES (1, 2);
SELECT orm_automap() > 0 AS made;
SELECT model, name, target, direction, secondary, secondary_local, cascade,
       options ->> '$.back_populates' AS back
  FROM orm_relationships WHERE model IN ('employees', 'friendships')
    OR name LIKE 'users_by%' ORDER BY 1, 2;
SELECT type, name FROM sqlite_schema WHERE name IN ('employees__manager',
       'employees__employees_by_manager', 'users__users_by_friend') ORDER BY name;
SELECT name, depth FROM employees__employees_by_manager WHERE source = 1 AND max_depth = 0;
SELECT name, depth FROM employees__manager(3, 0);
SELECT source, name FROM users__users_by_friend;
SELECT source, name FROM users__users_by_user;
-- ON DELETE CASCADE on a self-reference deletes the whole subtree.
DELETE FROM employees WHERE id = 1;
SELECT count(*) AS employees_left FROM employees;

-- A key shared with the parent (one-to-one on the primary key): named after the tables.
CREATE TABLE settings(id INTEGER PRIMARY KEY REFERENCES users(id), theme TEXT);
INSERT INTO settings VALUES (1, 'dark');
-- A one-to-many and a many-to-many that would both be users.projects: both take the
-- longer form.
CREATE TABLE projects(id INTEGER PRIMARY KEY, owner_id INT REFERENCES users, name TEXT);
CREATE TABLE project_members(user_id INT REFERENCES users, project_id INT REFERENCES projects,
                             PRIMARY KEY (user_id, project_id));
-- Two self-referencing association tables with the same columns.
CREATE TABLE mutes(user_id INT NOT NULL REFERENCES users, friend_id INT NOT NULL REFERENCES users,
                   PRIMARY KEY (user_id, friend_id));
-- RESTRICT on an association table is the database's to enforce.
CREATE TABLE bans(user_id INT REFERENCES users ON DELETE RESTRICT,
                  group_id INT REFERENCES groups, PRIMARY KEY (user_id, group_id));
INSERT INTO bans VALUES (2, 2);
-- An FK held in a generated column: deleting the parent cannot set it to NULL.
CREATE TABLE events(id INTEGER PRIMARY KEY, data TEXT,
                    user_id INT AS (json_extract(data, '$.user')) REFERENCES users);
INSERT INTO events(id, data) VALUES (1, '{"user":2}');
SELECT orm_automap() > 0 AS made;
SELECT model, name, target, direction, secondary, cascade,
       options ->> '$.passive_deletes' AS passive, options ->> '$.back_populates' AS back
  FROM orm_relationships
 WHERE model IN ('settings', 'projects', 'project_members', 'mutes', 'bans', 'events')
    OR target IN ('settings', 'projects', 'project_members', 'mutes', 'bans', 'events')
    OR secondary IN ('mutes', 'friendships', 'project_members', 'bans')
 ORDER BY 1, 2;
PRAGMA foreign_keys = ON;
DELETE FROM users WHERE id = 2;
SELECT count(*) AS bob FROM users WHERE id = 2;
PRAGMA foreign_keys = OFF;
DELETE FROM bans;
DELETE FROM users WHERE id = 2;
SELECT id, user_id FROM events;

-- A declaration under automap's name but to another target: automap's relationship takes
-- its longer name, and its mirror back-populates that.
CREATE TABLE emails(id INTEGER PRIMARY KEY, owner INT REFERENCES users, address TEXT);
SELECT orm_relationship('users', 'addresses', 'emails') AS declared;
SELECT orm_automap() > 0 AS made;
SELECT model, name, target, origin, options ->> '$.back_populates' AS back
  FROM orm_relationships WHERE (model = 'users' AND name LIKE 'addresses%')
    OR (model = 'addresses' AND name = 'user') ORDER BY 1, 2;

-- A table dropped under a declaration: the model stays while the declaration names it, and
-- orm_drop still removes both.
CREATE TABLE pets(id INTEGER PRIMARY KEY, owner_id INT REFERENCES users);
SELECT orm_relationship('pets', 'keeper', 'users', '{"local":"owner_id"}') AS declared;
DROP TABLE pets;
SELECT orm_automap() > 0 AS made;
SELECT name FROM orm_models WHERE name = 'pets';
SELECT orm_drop('PETS', 'Keeper');
SELECT orm_drop('pets');
