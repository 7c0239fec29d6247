-- cascade.sql: cascades are triggers, so every writer is held to them: bulk statements,
-- other hosts, with or without PRAGMA foreign_keys.

CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE addresses(id INTEGER PRIMARY KEY, user_id INT NOT NULL REFERENCES users,
                       email TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INT REFERENCES users, total REAL);
CREATE TABLE groups(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE user_group(user_id INT REFERENCES users, group_id INT REFERENCES groups,
                        PRIMARY KEY (user_id, group_id));
CREATE TABLE invoices(id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE RESTRICT);
CREATE TABLE sessions(id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE);
INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'dee');
INSERT INTO addresses VALUES (1, 1, 'a1'), (2, 1, 'a2'), (3, 2, 'b1'), (4, 3, 'c1');
INSERT INTO orders VALUES (1, 1, 10), (2, 2, 20), (3, 3, 30);
INSERT INTO groups VALUES (1, 'g1'), (2, 'g2');
INSERT INTO user_group VALUES (1, 1), (1, 2), (2, 2), (3, 1);
INSERT INTO invoices VALUES (1, 4);
INSERT INTO sessions VALUES (1, 1), (2, 2), (3, 4);
SELECT orm_automap() AS made;
SELECT model, name, cascade, options ->> '$.passive_deletes' AS passive
  FROM orm_relationships WHERE direction <> 'many-to-one' ORDER BY 1, 2;

-- NOT NULL FK: delete (and delete-orphan). Nullable FK without an action: set to NULL, as
-- SQLAlchemy does. Association rows go with either side. ON DELETE CASCADE honoured with
-- foreign_keys off (the default).
DELETE FROM users WHERE id = 1;
SELECT changes() AS direct_changes;
SELECT id FROM addresses ORDER BY id;
SELECT id, user_id FROM orders ORDER BY id;
SELECT * FROM user_group ORDER BY 1, 2;
SELECT id, user_id FROM sessions ORDER BY id;

-- A bulk statement cascades for every row.
DELETE FROM users WHERE id IN (2, 3);
SELECT count(*) AS addresses, (SELECT count(*) FROM user_group) AS memberships,
       (SELECT group_concat(ifnull(user_id, 'NULL')) FROM orders) AS order_users FROM addresses;

-- ON DELETE RESTRICT is left to the database (passive_deletes): with foreign keys on,
-- the delete is refused and nothing changes.
PRAGMA foreign_keys = ON;
DELETE FROM users WHERE id = 4;
SELECT id FROM users;
SELECT id, user_id FROM sessions;
PRAGMA foreign_keys = OFF;

-- Declared cascades: delete-orphan on a nullable FK; the default sets NULL;
-- passive_deletes leaves children alone.
CREATE TABLE posts(id INTEGER PRIMARY KEY, title TEXT);
CREATE TABLE comments(id INTEGER PRIMARY KEY, post_id INT REFERENCES posts, body TEXT);
CREATE TABLE tags(id INTEGER PRIMARY KEY, post_id INT REFERENCES posts, tag TEXT);
CREATE TABLE likes(id INTEGER PRIMARY KEY, post_id INT REFERENCES posts);
INSERT INTO posts VALUES (1, 'p1'), (2, 'p2');
INSERT INTO comments VALUES (1, 1, 'c1'), (2, 1, 'c2'), (3, 2, 'c3');
INSERT INTO tags VALUES (1, 1, 't1'), (2, 2, 't2');
INSERT INTO likes VALUES (1, 1), (2, 2);
SELECT orm_relationship('posts', 'comments', 'comments', '{"cascade":"all, delete-orphan"}');
SELECT orm_relationship('posts', 'tags', 'tags');
SELECT orm_relationship('posts', 'likes', 'likes', '{"passive_deletes":true}');
-- delete-orphan: a comment taken from its post goes, however it is taken.
UPDATE comments SET post_id = NULL WHERE id = 2;
SELECT id, post_id FROM comments ORDER BY id;
-- Moving a comment to another post is not orphaning it.
UPDATE comments SET post_id = 2 WHERE id = 1;
SELECT id, post_id FROM comments ORDER BY id;
DELETE FROM posts WHERE id = 2;
SELECT id, post_id FROM comments ORDER BY id;
SELECT id, post_id FROM tags ORDER BY id;
SELECT id, post_id FROM likes ORDER BY id;

-- Another host (no module loaded) is held to the same rules: they are triggers.
INSERT INTO posts VALUES (3, 'p3');
INSERT INTO comments VALUES (4, 3, 'c4');
.reopen-plain
DELETE FROM posts WHERE id = 3;
SELECT count(*) AS comments_of_3 FROM comments WHERE post_id = 3 OR id = 4;
.reopen

-- A composite key cascades on all its columns.
CREATE TABLE parts(maker TEXT, num INT, PRIMARY KEY (maker, num));
CREATE TABLE part_notes(id INTEGER PRIMARY KEY, maker TEXT NOT NULL, num INT NOT NULL,
                        FOREIGN KEY (maker, num) REFERENCES parts);
INSERT INTO parts VALUES ('acme', 1), ('acme', 2);
INSERT INTO part_notes VALUES (1, 'acme', 1), (2, 'acme', 2), (3, 'acme', 1);
SELECT orm_automap() > 0 AS made;
DELETE FROM parts WHERE num = 1;
SELECT id FROM part_notes;

-- Dropping the relationship drops its triggers: deletes no longer cascade.
SELECT orm_drop('posts', 'comments');
INSERT INTO posts VALUES (5, 'p5');
INSERT INTO comments VALUES (5, 5, 'c5');
DELETE FROM posts WHERE id = 5;
SELECT id, post_id FROM comments WHERE id = 5;
SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'orm_posts%' ORDER BY 1;

-- A self-referential delete cascade takes the whole subtree, cycle-safe, and leaves the row
-- being deleted to its own statement: changes() and RETURNING count it, even when a cycle
-- leads back to it (a root that is its own parent).
CREATE TABLE cat(id INTEGER PRIMARY KEY, name TEXT, parent_id INT NOT NULL REFERENCES cat);
INSERT INTO cat VALUES (1, 'root', 1), (2, 'kid', 1), (3, 'grandkid', 2), (4, 'other', 4);
SELECT orm_relationship('cat', 'children', 'cat', '{"remote":"parent_id","cascade":"delete"}') AS made;
DELETE FROM cat WHERE id = 1 RETURNING id, name;
SELECT changes() AS changes;
SELECT id FROM cat;
-- A table named like the recursion's own name.
CREATE TABLE orm_sub(id INTEGER PRIMARY KEY, up INT REFERENCES orm_sub);
INSERT INTO orm_sub VALUES (1, NULL), (2, 1), (3, 2);
SELECT orm_relationship('orm_sub', 'down', 'orm_sub', '{"remote":"up","cascade":"delete"}') AS made;
DELETE FROM orm_sub WHERE id = 1;
SELECT count(*) AS left FROM orm_sub;
