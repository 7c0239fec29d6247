-- json.sql: orm_json(model, key [, spec]), a row and the relationships it names as one
-- JSON document.

-- A shop: users (with a generated column), addresses, groups through an association table
-- with a column of its own, orders, their items (a composite key) and products.
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT,
  score REAL
);
ALTER TABLE users ADD COLUMN full_name AS (first_name || ' ' || last_name) VIRTUAL;
CREATE TABLE addresses(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  email_address TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'home'
);
CREATE TABLE groups(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE user_group(
  user_id INTEGER NOT NULL REFERENCES users(id),
  group_id INTEGER NOT NULL REFERENCES groups(id),
  role TEXT NOT NULL DEFAULT 'member',
  PRIMARY KEY (user_id, group_id)
);
CREATE TABLE products(sku TEXT PRIMARY KEY, title TEXT NOT NULL, price REAL NOT NULL, image BLOB);
CREATE TABLE orders(
  id INTEGER PRIMARY KEY,
  user_id INTEGER REFERENCES users(id),
  placed_at TEXT NOT NULL,
  total NUMERIC NOT NULL
);
CREATE TABLE items(
  order_id INTEGER NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL,
  sku TEXT NOT NULL REFERENCES products(sku),
  qty INTEGER NOT NULL,
  PRIMARY KEY (order_id, line)
) WITHOUT ROWID;
-- No declared key: keyed by its rowid, which is not a column.
CREATE TABLE profiles(user_id INTEGER REFERENCES users(id), bio TEXT);

INSERT INTO users(id, first_name, last_name, email, score) VALUES
  (1, 'John', 'Doe', 'john@example.com', 2.5),
  (2, 'Jane', 'Roe', NULL, 1e100),
  (3, 'Ada', 'Lovelace', 'ada@example.com', -0.125),
  (4, 'Alan', 'Turing', 'alan@example.com', NULL),
  (5, 'Quote "Q"', 'Back\slash', 'tab	and
newline', 9e999);
INSERT INTO addresses(id, user_id, email_address, kind) VALUES
  (1, 1, 'john@work.example', 'work'), (2, 1, 'john@home.example', 'home'),
  (3, 1, 'doe@work.example', 'work'), (4, 2, 'jane@work.example', 'work'),
  (5, 3, 'ada@engine.example', 'home');
INSERT INTO groups(id, name) VALUES (1, 'staff'), (2, 'admins'), (3, 'customers');
INSERT INTO user_group(user_id, group_id, role) VALUES
  (1, 1, 'member'), (1, 2, 'owner'), (2, 1, 'member'), (3, 3, 'member');
INSERT INTO products(sku, title, price, image) VALUES
  ('P-1', 'Pen', 1.5, NULL), ('P-2', 'Paper', 4, NULL), ('P-3', 'Photo', 10, x'89504e47');
INSERT INTO orders(id, user_id, placed_at, total) VALUES
  (10, 1, '2026-02-11', 99), (11, 1, '2026-01-05', 25.5), (12, 3, '2026-03-01', 12),
  (13, NULL, '2026-03-02', 5);
INSERT INTO items(order_id, line, sku, qty) VALUES
  (10, 1, 'P-2', 3), (10, 2, 'P-1', 1), (11, 1, 'P-1', 10), (12, 1, 'P-3', 1);
INSERT INTO profiles(user_id, bio) VALUES (1, 'first'), (1, 'second'), (2, 'only');

-- The row alone: every column in SELECT * order, the generated full_name included. A plain
-- table is a model even before any catalog exists.
SELECT count(*) AS orm_tables FROM sqlite_schema WHERE name LIKE 'orm\_%' ESCAPE '\';
SELECT orm_json('users', 1) AS doc;
SELECT orm_json('USERS', 3) AS doc;
-- Values: integers, reals as SQLite's json writes them (an infinite one as 9.0e+999, valid
-- JSON that json() reads back as Inf), text escaped, NULL as null.
SELECT orm_json('users', 2) AS doc;
SELECT orm_json('users', 5) AS doc;
SELECT json_valid(orm_json('users', 5)) AS valid, orm_json('users', 5) ->> '$.score' AS score,
       orm_json('users', 5) ->> '$.email' = (SELECT email FROM users WHERE id = 5) AS same_text;
-- An implicit rowid is not a column; the key is the rowid all the same.
SELECT orm_json('profiles', 3) AS doc;
-- No such row, or a NULL key: NULL. A text key is compared as SQLite compares it.
SELECT orm_json('users', 99) IS NULL AS missing, orm_json('users', NULL) IS NULL AS null_key,
       orm_json('users', '1') ->> '$.id' AS text_key;

-- Relationships.
SELECT orm_relationship('users', 'addresses', 'addresses', '{"order_by":"email_address"}');
SELECT orm_relationship('users', 'work_addresses', 'addresses',
       '{"where":"kind = ''work''","order_by":"id DESC"}');
SELECT orm_relationship('users', 'groups', 'groups',
       '{"secondary":"user_group","order_by":"name"}');
SELECT orm_relationship('groups', 'users', 'users',
       '{"secondary":"user_group","order_by":"id"}');
SELECT orm_relationship('users', 'orders', 'orders', '{"order_by":"placed_at"}');
SELECT orm_relationship('orders', 'user', 'users');
SELECT orm_relationship('orders', 'items', 'items', '{"order_by":"line"}');
SELECT orm_relationship('items', 'product', 'products');
SELECT orm_relationship('items', 'order', 'orders');
SELECT orm_relationship('users', 'profile', 'profiles', '{"uselist":false}');

-- To-many: an array in the relationship's order_by (email_address here, not id).
SELECT orm_json('users', 1, 'addresses') AS doc;
-- ... and [] when there is none.
SELECT orm_json('users', 4, 'addresses') AS doc;
-- A where filter (kind = 'work'), in its own order_by (id DESC).
SELECT orm_json('users', 1, 'work_addresses') ->> '$.work_addresses' AS work;
SELECT orm_json('users', 3, 'work_addresses') ->> '$.work_addresses' AS work;
-- Many-to-many through user_group, both ways.
SELECT orm_json('users', 1, 'groups') AS doc;
SELECT orm_json('groups', 1, 'users') AS doc;
-- To-one: an object, or null when the reference is NULL.
SELECT orm_json('orders', 12, 'user') AS doc;
SELECT orm_json('orders', 13, 'user') AS doc;
-- uselist false on a one-to-many: an object for one row, null for none ...
SELECT orm_json('users', 2, 'profile') ->> '$.profile' AS profile;
SELECT orm_json('users', 3, 'profile') ->> '$.profile' AS profile;
-- ... and an error naming the parent's key for more than one.
SELECT orm_json('users', 1, 'profile') AS doc;
-- Several relationships, whitespace allowed, nested three levels.
SELECT orm_json('users', 1, ' addresses , orders ( items ( product ) ) , groups ') AS doc;
SELECT orm_json('orders', 10, 'items(product, order(user(groups))),user') AS doc;

-- A relationship that binds a column SELECT * does not show (an implicit rowid) still
-- reaches its rows, from the root and from a nested level, and the rowid stays hidden.
CREATE TABLE notes(id INTEGER PRIMARY KEY, profile_rowid INTEGER, body TEXT);
INSERT INTO notes(profile_rowid, body) VALUES (3, 'n1'), (3, 'n2'), (1, 'n3');
SELECT orm_relationship('profiles', 'notes', 'notes',
       '{"local":"rowid","remote":"profile_rowid","order_by":"id"}');
SELECT orm_relationship('notes', 'profile', 'profiles', '{"local":"profile_rowid","remote":"rowid"}');
SELECT orm_json('profiles', 3, 'notes') AS doc;
SELECT orm_json('notes', 3, 'profile(notes)') AS doc;

-- A composite key is a JSON array of the key's values in key order.
SELECT orm_json('items', '[10, 2]', 'product') AS doc;
SELECT orm_json('items', json_array(11, 1), 'order') ->> '$.order.total' AS total;
SELECT orm_json('items', '[10, 9]') IS NULL AS missing, orm_json('items', '[10, null]') IS NULL AS null_part;
SELECT orm_json('items', '[10]');
SELECT orm_json('items', '[10, 1, 1]');
SELECT orm_json('items', 10);
SELECT orm_json('items', 'ten');
SELECT orm_json('items', '{"order_id":10,"line":1}');
SELECT orm_json('items', '[10, [1]]');

-- A BLOB cannot be held by JSON: the error names the column and the row.
SELECT orm_json('products', 'P-3') AS doc;
SELECT orm_json('orders', 12, 'items(product)') AS doc;
SELECT orm_json('products', 'P-1') AS doc;

-- Relationship names are compared as SQLite compares identifiers, without regard to case;
-- the document names each relationship as it was declared.
SELECT orm_json('users', 3, 'ADDRESSES, Orders') AS doc;
SELECT orm_json('users', 1, 'addresses, ADDRESSES');
-- A name with a space, a comma, a parenthesis or a quote is quoted as SQL quotes an
-- identifier: "..." (with "" for a " inside), `...` (likewise) or [...]. A bare name runs
-- to the next space, ',', '(' or ')' and is taken as written.
SELECT orm_relationship('orders', 'line item', 'items', '{"order_by":"line"}');
SELECT orm_relationship('items', 'the "product" (sold)', 'products');
SELECT orm_relationship('users', 'a,b', 'addresses', '{"where":"kind = ''home''","order_by":"id"}');
SELECT orm_relationship('users', 'it''s', 'profiles', '{"uselist":false}');
SELECT orm_json('orders', 11, '"line item"("the ""product"" (sold)")') AS doc;
SELECT orm_json('orders', 11, ' [line item] ( `the "product" (sold)` ) ')
       ->> '$.line item' AS items;
SELECT orm_json('users', 3, '"a,b", it''s, orders(`LINE ITEM`)') AS doc;
SELECT orm_json('users', 3, '"addresses", [ADDRESSES]');
SELECT orm_json('users', 3, 'line item');
SELECT orm_json('users', 3, '"line"item');
SELECT orm_json('users', 3, '""');
SELECT orm_json('orders', 11, '"line item');
SELECT orm_json('orders', 11, 'user, [line item');
SELECT orm_json('orders', 11, '`line item`(`the "product" (sold))');

-- Errors in the spec: an unknown relationship (at any level) names the model and the name;
-- a malformed spec is quoted.
SELECT orm_json('users', 1, 'adresses');
SELECT orm_json('users', 1, 'orders(items(products))');
SELECT orm_json('users', 1, 'addresses,');
SELECT orm_json('users', 1, ',addresses');
SELECT orm_json('users', 1, 'addresses,,groups');
SELECT orm_json('users', 1, '');
SELECT orm_json('users', 1, 'orders(items');
SELECT orm_json('users', 1, 'orders(items))');
SELECT orm_json('users', 1, 'orders()');
SELECT orm_json('users', 1, 'orders(items) groups');
SELECT orm_json('users', 1, 'addresses, addresses');

-- Errors in the arguments name the argument.
SELECT orm_json(NULL, 1);
SELECT orm_json(7, 1);
SELECT orm_json('users', 1, NULL);
SELECT orm_json('users', 1, 5);
SELECT orm_json('nosuch', 1);
SELECT orm_json('users');
-- A NULL key is NULL even with relationships.
SELECT orm_json('users', NULL, 'addresses') IS NULL AS null_key;

-- Over many rows: one document per user.
SELECT id, orm_json('users', id, 'addresses,groups') AS doc FROM users ORDER BY id;
-- Arguments that are not constant (a plan per call) give the same documents.
CREATE TABLE calls(model TEXT, k, spec TEXT);
INSERT INTO calls VALUES ('users', 1, 'groups'), ('groups', 2, 'users'), ('users', 1, 'addresses'),
  ('items', '[10, 1]', 'product'), ('users', 4, 'groups');
SELECT model, k, orm_json(model, k, spec) AS doc FROM calls;
SELECT model, orm_json(model, 1) ->> '$.id' AS id FROM calls WHERE model <> 'items';
-- A constant spec with a model that changes from row to row: each model reads its own table.
SELECT orm_relationship('addresses', 'user', 'users');
CREATE TABLE calls2(model TEXT, k);
INSERT INTO calls2 VALUES ('orders', 12), ('addresses', 4), ('orders', 10);
SELECT model, k, orm_json(model, k, 'user') ->> '$.user.full_name' AS user FROM calls2;

-- The result is JSON: json_extract reads into it, and json_object nests it as an object.
SELECT json_extract(orm_json('users', 1, 'orders(items(product))'),
                    '$.orders[1].items[0].product.title') AS title;
SELECT json_array_length(orm_json('users', 1, 'addresses'), '$.addresses') AS n;
SELECT json_object('user', orm_json('users', 3, 'groups')) AS doc;
SELECT json_type(json_object('user', orm_json('users', 3)), '$.user') AS nested;
SELECT json_group_array(orm_json('users', id)) ->> '$[1].full_name' AS second FROM users;

-- Many rows: 40,000 users, more than SQLite's limit on variables in one statement (32,766),
-- each with an address. Every user's addresses are read with that user's key bound, so no
-- statement holds one variable per parent; each document is the one json_object() writes.
CREATE TABLE big_users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE big_addresses(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES big_users(id),
  email TEXT NOT NULL
);
CREATE INDEX big_addresses_user_id ON big_addresses(user_id);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
  INSERT INTO big_users(id, name) SELECT i, 'user' || i FROM n;
INSERT INTO big_addresses(id, user_id, email) SELECT id, id, name || '@example.com' FROM big_users;
SELECT orm_relationship('big_users', 'addresses', 'big_addresses', '{"order_by":"id"}');
SELECT count(*) AS users, sum(length(orm_json('big_users', id, 'addresses'))) AS total_length
  FROM big_users;
SELECT count(*) AS users,
       sum(orm_json('big_users', u.id, 'addresses') = json_object('id', u.id, 'name', u.name,
           'addresses', json_array(json_object('id', a.id, 'user_id', a.user_id,
                                                'email', a.email))))
         AS as_json_object_writes
  FROM big_users u JOIN big_addresses a ON a.user_id = u.id;
-- One parent with 40,000 children (user 1 gets 39,999 more): one array, in order, as
-- json_group_array() writes it.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 39999)
  INSERT INTO big_addresses(id, user_id, email)
  SELECT 40000 + i, 1, 'more' || i || '@example.com' FROM n;
SELECT json_array_length(orm_json('big_users', 1, 'addresses') -> '$.addresses') AS n,
       orm_json('big_users', 1, 'addresses') ->> '$.addresses[#-1].email' AS last,
       orm_json('big_users', 1, 'addresses') ->> '$.addresses'
         = (SELECT json_group_array(json_object('id', id, 'user_id', user_id, 'email', email))
              FROM (SELECT * FROM big_addresses WHERE user_id = 1 ORDER BY id))
         AS as_group_array_writes;

-- A model with a view is read through it, at the root and at every level: its column
-- properties are members of its objects, and the rows it leaves out are not there.
SELECT orm_hybrid('orders', 'item_count',
       '(SELECT count(*) FROM items WHERE items.order_id = orders.id)') AS kind;
SELECT orm_hybrid('users', 'order_count',
       '(SELECT count(*) FROM orders WHERE orders.user_id = users.id)') AS kind;
SELECT orm_json('users', 1, 'orders(items)') AS doc;
SELECT orm_json('items', '[10, 1]', 'order(user)') AS doc;
SELECT orm_json('groups', 3, 'users') AS doc;
-- soft_delete: a soft-deleted row is not a child (nor reached through one), and a
-- soft-deleted root gives NULL, as a key that matches no row does.
SELECT orm_model('orders', '{"soft_delete":true}') AS view;
SELECT orm_model('items', '{"soft_delete":true}') AS view;
DELETE FROM orders_view WHERE id = 11;
DELETE FROM items_view WHERE order_id = 10 AND line = 2;
SELECT id, deleted_at IS NOT NULL AS deleted FROM orders ORDER BY id;
SELECT orm_json('users', 1, 'orders(items(product))') AS doc;
SELECT orm_json('orders', 11) IS NULL AS soft_deleted, orm_json('orders', 11, 'items') IS NULL
       AS with_spec, orm_json('orders', 99) IS NULL AS missing;
SELECT json_type(orm_json('items', '[11, 1]', 'order'), '$.order') AS order_of_item_11;
SELECT orm_json('items', '[10, 1]', 'order') ->> '$.order.item_count' AS item_count;
SELECT orm_relationship('products', 'items', 'items', '{"order_by":"order_id"}');
SELECT orm_json('products', 'P-1', 'items(order)') AS doc;
-- Over many rows, with the plan kept by the calling statement.
SELECT id, orm_json('orders', id, 'items') AS doc FROM orders ORDER BY id;
-- Single-table inheritance: a subclass model reads its rows only, as a root and as the
-- target of a relationship.
SELECT orm_model('Address', '{"table":"addresses","polymorphic_on":"kind","identity":"home"}');
SELECT orm_model('WorkAddress', '{"inherits":"Address","identity":"work"}');
SELECT orm_relationship('users', 'work_only', 'WorkAddress', '{"order_by":"id"}');
SELECT orm_json('users', 1, 'work_only') AS doc;
SELECT orm_json('WorkAddress', 1) ->> '$.kind' AS kind, orm_json('WorkAddress', 2) IS NULL
       AS home_is_not_work, orm_json('Address', 2) ->> '$.kind' AS base_reads_all;
-- A model view dropped by hand is reported by name; declaring the model again mends it.
DROP VIEW orders_view;
SELECT orm_json('orders', 10);
SELECT orm_json('users', 1, 'orders');
SELECT orm_model('orders', '{"soft_delete":true}') AS view;
SELECT orm_json('users', 1, 'orders') ->> '$.orders[#-1].id' AS last_order;
