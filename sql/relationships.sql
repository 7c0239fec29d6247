-- relationships.sql: orm_relationship() and orm_drop(): columns from FOREIGN KEYs or given
-- explicitly, the traversal views, the catalog, and every error leaving nothing behind.

CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);
CREATE TABLE addresses(id INTEGER PRIMARY KEY, user_id INT REFERENCES users(id),
                       email_address TEXT, kind TEXT);
CREATE INDEX addresses_user_id ON addresses(user_id);
CREATE TABLE groups(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE user_group(user_id INT REFERENCES users, group_id INT REFERENCES groups,
                        role TEXT, PRIMARY KEY (user_id, group_id));
CREATE TABLE profiles(id INTEGER PRIMARY KEY, user_id INT UNIQUE REFERENCES users, bio TEXT);
-- A FOREIGN KEY to a UNIQUE column that is not the key, and no FK at all.
CREATE TABLE logins(id INTEGER PRIMARY KEY, user_email TEXT REFERENCES users(email), at TEXT);
CREATE TABLE notes(id INTEGER PRIMARY KEY, author TEXT, body TEXT);
INSERT INTO users VALUES (1, 'ann', 'ann@x'), (2, 'bob', 'bob@x'), (3, 'cy', NULL);
INSERT INTO addresses VALUES (1, 1, 'ann@home', 'home'), (2, 1, 'ann@work', 'work'),
                             (3, 2, 'bob@home', 'home'), (4, NULL, 'nobody@x', 'home');
INSERT INTO groups VALUES (1, 'admins'), (2, 'staff');
INSERT INTO user_group VALUES (1, 1, 'owner'), (1, 2, 'member'), (2, 2, 'member');
INSERT INTO profiles VALUES (1, 1, 'likes SQL');
INSERT INTO logins VALUES (1, 'ann@x', 'mon'), (2, 'ann@x', 'tue'), (3, 'bob@x', 'wed');
INSERT INTO notes VALUES (1, 'ann', 'first'), (2, 'bob', 'second');

-- One-to-many from the FOREIGN KEY; the result says what was made.
SELECT orm_relationship('users', 'addresses', 'addresses',
       '{"back_populates":"user","order_by":"email_address DESC"}') AS made;
SELECT * FROM users__addresses WHERE source = 1 ORDER BY id;
-- Its mirror, checked to be one.
SELECT orm_relationship('addresses', 'user', 'users', '{"back_populates":"addresses"}') AS made;
SELECT source, name FROM addresses__user ORDER BY source;
-- Many-to-many through the association table, both ways.
SELECT orm_relationship('users', 'groups', 'groups', '{"secondary":"user_group"}') AS made;
SELECT orm_relationship('groups', 'members', 'users',
       '{"secondary":"user_group","back_populates":"groups"}') AS made;
SELECT source, name FROM users__groups ORDER BY source, id;
SELECT source, name FROM groups__members ORDER BY source, id;
-- One-to-one: FK columns UNIQUE, scalar both ways.
SELECT orm_relationship('users', 'profile', 'profiles') AS made;
SELECT orm_relationship('profiles', 'user', 'users') AS made;
-- An FK to a UNIQUE column: source is still the parent's key (users.id), not the email.
SELECT orm_relationship('users', 'logins', 'logins') AS made;
SELECT source, id, at FROM users__logins ORDER BY source, id;
-- No FK: explicit columns. remote only: local is the model's key... here a text column.
SELECT orm_relationship('users', 'notes', 'notes', '{"local":"name","remote":"author"}') AS made;
SELECT source, body FROM users__notes ORDER BY source;
-- where: a read filter over the target.
SELECT orm_relationship('users', 'home_addresses', 'addresses',
       '{"where":"addresses.kind = ''home''"}') AS made;
SELECT source, email_address FROM users__home_addresses ORDER BY source;

-- The catalog.
SELECT model, name, target, direction, fk_side, local_columns, remote_columns, secondary,
       secondary_local, secondary_remote, uselist, cascade, origin
  FROM orm_relationships ORDER BY model, name;
SELECT name, tbl, origin FROM orm_models ORDER BY name;

-- A join through a traversal view is planned as the hand-written join.
EXPLAIN QUERY PLAN
SELECT u.name, a.email_address FROM users u JOIN users__addresses a ON a.source = u.id;
EXPLAIN QUERY PLAN
SELECT u.name, a.email_address FROM users u JOIN addresses a ON a.user_id = u.id;
EXPLAIN QUERY PLAN SELECT * FROM users__addresses WHERE source = 1;

-- The views are plain SQL: a host without the module reads them, and the definitions
-- survive close and reopen.
.reopen-plain
SELECT source, email_address FROM users__addresses WHERE source = 2;
.reopen
SELECT count(*) AS relationships FROM orm_relationships;
SELECT source, name FROM users__groups WHERE source = 2;

-- Errors: each names the culprit, and nothing changes.
SELECT count(*) AS objects_before FROM sqlite_schema;
SELECT orm_relationship('nope', 'x', 'users');
SELECT orm_relationship('users', 'x', 'nope');
SELECT orm_relationship('users', 'x', 'notes');
SELECT orm_relationship('users', 'x', 'addresses', '{"local":"nope"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"remote":"nope"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"local":["id","name"],"remote":"user_id"}');
SELECT orm_relationship('users', 'name', 'addresses');
SELECT orm_relationship('users', 'addresses', 'addresses');
SELECT orm_relationship('users', 'x', 'groups', '{"secondary":"nope"}');
SELECT orm_relationship('users', 'x', 'groups', '{"secondary":"addresses"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"where":"1); DROP TABLE users; --"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"where":"1) UNION SELECT 1 FROM (1"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"where":"kind = 1; DELETE FROM users"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"where":"nope = 1"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"where":""}');
SELECT orm_relationship('users', 'x', 'addresses', '{"where":"kind = ''home"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"order_by":"id LIMIT 1"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"order_by":"id) LIMIT (1"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"order_by":"nope DESC"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"cascade":"explode"}');
SELECT orm_relationship('addresses', 'x', 'users', '{"cascade":"delete"}');
SELECT orm_relationship('users', 'x', 'groups', '{"secondary":"user_group","cascade":"delete-orphan"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"back_populates":"user"}');
SELECT orm_relationship('groups', 'x', 'users', '{"secondary":"user_group","back_populates":"addresses"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"bogus":1}');
SELECT orm_relationship('users', 'x', 'addresses', '{"uselist":"no"}');
SELECT orm_relationship('users', 'x', 'addresses', '{"max_depth":-1}');
SELECT orm_relationship('users', 'x', 'addresses', '[1,2]');
SELECT orm_relationship('users', 'x', 'addresses', 'not json');
SELECT orm_relationship(NULL, 'x', 'addresses');
SELECT orm_relationship('users', 42, 'addresses');
SELECT orm_relationship('users', 'x', X'00');
SELECT orm_relationship('users', '', 'addresses');
SELECT orm_relationship('users', 'x');
CREATE VIEW users__taken AS SELECT 1;
SELECT orm_relationship('users', 'taken', 'addresses');
DROP VIEW users__taken;
CREATE TABLE other(id INTEGER PRIMARY KEY, source TEXT, user_id INT REFERENCES users);
SELECT orm_relationship('users', 'other', 'other');
DROP TABLE other;
SELECT count(*) AS objects_after FROM sqlite_schema;
SELECT count(*) AS relationships FROM orm_relationships;

-- Identifiers are quoted everywhere: a table and column with quotes and spaces.
CREATE TABLE "odd ""t"""("k ey" INTEGER PRIMARY KEY, "u'id" INT REFERENCES users);
SELECT orm_relationship('users', 'odd', 'odd "t"') AS made;
INSERT INTO "odd ""t""" VALUES (7, 1);
SELECT * FROM "users__odd";

-- Definitions inside a transaction are part of it.
BEGIN;
SELECT orm_relationship('users', 'addresses2', 'addresses') AS made;
ROLLBACK;
SELECT count(*) AS gone FROM sqlite_schema WHERE name = 'users__addresses2';

-- orm_drop: one relationship, then a whole model (with what targets it). Tables and
-- rows stay.
SELECT orm_drop('users', 'home_addresses');
SELECT count(*) FROM sqlite_schema WHERE name = 'users__home_addresses';
SELECT orm_drop('users', 'nope');
SELECT orm_drop('nope');
SELECT orm_drop(NULL);
SELECT orm_drop('groups');
SELECT model, name FROM orm_relationships WHERE 'groups' IN (model, target);
SELECT orm_drop('users');
SELECT model, name FROM orm_relationships ORDER BY 1, 2;
SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name;
SELECT count(*) AS users, (SELECT count(*) FROM addresses) AS addresses FROM users;

-- A traversal table whose target table was dropped: SQLite's error names the table;
-- orm_drop still cleans up.
CREATE TABLE pets(id INTEGER PRIMARY KEY, owner_id INT REFERENCES users, name TEXT);
SELECT orm_relationship('users', 'pets', 'pets') AS made;
DROP TABLE pets;
SELECT * FROM users__pets;
SELECT orm_relationship('users', 'pets2', 'pets');
SELECT orm_drop('users', 'pets');
SELECT count(*) AS left_over FROM sqlite_schema WHERE name LIKE '%pets%';

-- Review cases. Parameters and SQLite's $a(...) token never reach generated SQL.
CREATE TABLE staff(id INTEGER PRIMARY KEY, name TEXT, boss_id INT REFERENCES staff);
SELECT orm_relationship('staff', 'reports', 'staff', '{"remote":"boss_id","where":"$a('''') ); DROP TABLE staff; -- '''')"}');
SELECT orm_relationship('staff', 'reports', 'staff', '{"remote":"boss_id","where":"name = ?"}');
SELECT orm_relationship('staff', 'reports', 'staff', '{"remote":"boss_id","where":"name = :n"}');
SELECT orm_relationship('staff', 'reports', 'staff', '{"remote":"boss_id","where":"name = @n"}');
-- A filter is compiled where it runs: aggregates, windows and ambiguous names are refused.
CREATE TABLE books(id INTEGER PRIMARY KEY, name TEXT, author_id INT REFERENCES users);
SELECT orm_relationship('users', 'b1', 'books', '{"where":"count(*) > 0"}');
SELECT orm_relationship('users', 'b2', 'books', '{"where":"row_number() OVER () = 1"}');
SELECT orm_relationship('books', 'author', 'users', '{"where":"name = ''ann''"}');
SELECT orm_relationship('books', 'author', 'users', '{"where":"users.name = ''ann''"}') AS made;
-- A secondary with local but no secondary_local that matches its FK: a clear error.
CREATE TABLE clubs(id INTEGER PRIMARY KEY, code TEXT UNIQUE);
CREATE TABLE club_members(user_id INT REFERENCES users, club_id INT REFERENCES clubs,
                          PRIMARY KEY (user_id, club_id));
SELECT orm_relationship('users', 'clubs', 'clubs', '{"secondary":"club_members","remote":"code"}');
SELECT orm_relationship('users', 'clubs', 'clubs', '{"secondary":"club_members","remote":"id"}') AS made;
-- An option given twice is an error, not a silent choice.
SELECT orm_relationship('users', 'y', 'books', '{"where":"books.id > 1","where":"books.id > 2"}');
SELECT orm_relationship('users', 'y', 'books', '{"local":"id","local":"id"}');
-- Names compare as SQLite's identifiers do: without regard to case.
SELECT orm_relationship('USERS', 'Books', 'BOOKS') AS made;
SELECT orm_relationship('users', 'BOOKS', 'books');
SELECT model, name, target FROM orm_relationships WHERE name = 'books';
-- back_populates is checked from either side, whichever is declared first.
CREATE TABLE pens(id INTEGER PRIMARY KEY, user_id INT REFERENCES users, book_id INT REFERENCES books);
SELECT orm_relationship('users', 'pens', 'pens', '{"back_populates":"owner"}') AS made;
SELECT orm_relationship('pens', 'owner', 'books', '{"local":"book_id"}');
SELECT orm_relationship('pens', 'owner', 'users', '{"local":"user_id"}') AS made;
-- Tables named like sqlorm's internal aliases.
CREATE TABLE s(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE user_s(user_id INT REFERENCES users, s_id INT REFERENCES s, PRIMARY KEY (user_id, s_id));
CREATE TABLE orm_parent(id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE kids(id INTEGER PRIMARY KEY, parent_id INT REFERENCES orm_parent, name TEXT);
INSERT INTO s VALUES (1, 's1'); INSERT INTO user_s VALUES (1, 1);
INSERT INTO orm_parent VALUES (1, 'p'); INSERT INTO kids VALUES (1, 1, 'k');
SELECT orm_relationship('users', 'ss', 's', '{"secondary":"user_s","cascade":"delete"}') AS made;
SELECT orm_relationship('kids', 'parent', 'orm_parent') AS made;
SELECT source, name FROM kids__parent;
DELETE FROM users WHERE id = 1;
SELECT count(*) AS s_left FROM s;

-- SQL read back from the catalog is held to what SQLite holds a view to: a direct-only
-- function is refused even if someone edited the catalog by hand.
SELECT orm_relationship('users', 'books_tampered', 'books') AS made;
UPDATE orm_relationships SET options = json_set(options, '$.where', 'orm_automap() >= 0')
 WHERE name = 'books_tampered';
SELECT orm_json('users', 2, 'books_tampered');
UPDATE orm_relationships SET options = json_set(options, '$.where', 'books.id > 0; DROP TABLE users')
 WHERE name = 'books_tampered';
SELECT orm_json('users', 2, 'books_tampered');
