-- autogen.sql: orm_autogenerate(): a revision that takes the live schema to a target one,
-- with its downgrade; destructive changes and possible renames flagged; sqlorm's own
-- objects left alone; the errors.

CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, nick TEXT);
CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE,
                   body TEXT);
CREATE INDEX posts_user ON posts(user_id);
CREATE VIEW v_posts AS SELECT * FROM posts;
CREATE TABLE old_stuff(x);
CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN SELECT 1; END;
INSERT INTO users VALUES (1, 'ann', NULL), (2, 'bob', NULL);
INSERT INTO posts VALUES (1, 1, 'hi'), (2, 2, 'yo');
-- sqlorm's objects are not the user's schema: a hybrid column, a model view, traversal views.
SELECT orm_hybrid('users', 'shout', 'upper(name)') AS kind;
SELECT orm_automap() AS made;
SELECT orm_model('Person', '{"table":"users"}') AS view;
SELECT orm_revision('a1', NULL, 'start', 'SELECT 1', 'SELECT 1') AS rev;

-- The target: a column altered, one renamed (flagged), one added, a CHECK added, a table
-- made and one dropped (flagged), an index, a view and a trigger changed.
SELECT orm_autogenerate('b2', 'sync', '
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '''', handle TEXT,
                   CHECK (length(name) < 100));
CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE,
                   body TEXT, created TEXT);
CREATE INDEX posts_user ON posts(user_id, created);
CREATE VIEW v_posts AS SELECT id, body FROM posts;
CREATE TRIGGER posts_touch AFTER UPDATE OF body ON posts BEGIN SELECT 2; END;
CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE) STRICT;
') AS rev;
SELECT down_revisions, upgrade_sql FROM orm_revisions WHERE revision = 'b2';
SELECT downgrade_sql FROM orm_revisions WHERE revision = 'b2';

-- Upgrade, and every row stays (the cascade children of users included).
SELECT orm_upgrade('b2') AS applied;
SELECT sql FROM sqlite_schema WHERE name IN ('users', 'posts', 'tags', 'posts_user', 'v_posts',
       'posts_touch') ORDER BY name;
SELECT id, name, shout, handle FROM users ORDER BY id;
SELECT count(*) AS posts FROM posts;
SELECT id, name FROM "Person" ORDER BY id;
-- The live schema now matches: nothing to generate.
SELECT orm_autogenerate('c3', 'again', '
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '''', handle TEXT,
                   CHECK (length(name) < 100));
CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE,
                   body TEXT, created TEXT);
CREATE INDEX posts_user ON posts(user_id, created);
CREATE VIEW v_posts AS SELECT id, body FROM posts;
CREATE TRIGGER posts_touch AFTER UPDATE OF body ON posts BEGIN SELECT 2; END;
CREATE TABLE tags(id INTEGER PRIMARY KEY, name TEXT UNIQUE) STRICT;
');
-- And back down: the downgrade takes it where it was.
SELECT orm_downgrade('a1') AS undone;
SELECT sql FROM sqlite_schema WHERE name IN ('users', 'posts', 'old_stuff', 'posts_user',
       'v_posts', 'posts_touch') ORDER BY name;
SELECT count(*) AS users, (SELECT count(*) FROM posts) AS posts FROM users;
SELECT orm_check() AS check_result;

-- A column that holds values is not dropped: the upgrade refuses, and nothing changes.
UPDATE users SET nick = 'n' WHERE id = 1;
SELECT orm_upgrade('b2');
SELECT orm_current() AS current, (SELECT count(*) FROM pragma_table_info('users') WHERE name = 'nick') AS nick;

-- A column dropped and one added with the same declaration: a possible rename, flagged.
SELECT orm_autogenerate('r1', 'rename?', '
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, nickname TEXT);
CREATE TABLE posts(id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE,
                   body TEXT);
CREATE INDEX posts_user ON posts(user_id);
CREATE VIEW v_posts AS SELECT * FROM posts;
CREATE TABLE old_stuff(x);
CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN SELECT 1; END;
', '{"down":"a1"}') AS rev;
SELECT upgrade_sql FROM orm_revisions WHERE revision = 'r1';

-- Errors: nothing defined.
SELECT orm_autogenerate('x1', NULL, 'CREATE TABLE broken(', '{"down":"r1"}');
SELECT orm_autogenerate('x1', NULL, 'ATTACH ''x.db'' AS x; CREATE TABLE x.t(a)', '{"down":"r1"}');
SELECT orm_autogenerate('x1', NULL, 'CREATE TABLE t(a)', '{"bogus":1}');
SELECT orm_autogenerate('x1', NULL, 'CREATE TABLE t(a)', '[1]');
SELECT orm_autogenerate('x1', NULL, NULL);
SELECT orm_autogenerate(NULL, NULL, 'CREATE TABLE t(a)');
SELECT orm_autogenerate('a1', NULL, 'CREATE TABLE t(a)', '{"down":"r1"}');
SELECT orm_autogenerate('x1', NULL, 'CREATE TABLE t(a)', '{"down":"nope"}');
-- Two heads (b2 and r1): the revision needs a down revision named.
SELECT orm_autogenerate('x1', NULL, 'CREATE TABLE t(a)');
SELECT count(*) AS x1 FROM orm_revisions WHERE revision = 'x1';
