-- shop_schema.sql: the seed's shop (users, addresses, groups, memberships, orders).
-- Used by the demo (with shop_data.sql) and by the benchmarks (with tests/bench/gen.sql).
PRAGMA foreign_keys = ON;

CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  email TEXT UNIQUE,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE addresses(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email_address TEXT NOT NULL
);
CREATE INDEX addresses_user_id ON addresses(user_id);

CREATE TABLE groups(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- An association table with a column of its own (the association-object pattern).
CREATE TABLE user_group(
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  role TEXT NOT NULL DEFAULT 'member',
  PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_group_group_id ON user_group(group_id);

CREATE TABLE orders(
  id INTEGER PRIMARY KEY,
  user_id INTEGER REFERENCES users(id),
  placed_at TEXT NOT NULL,
  total NUMERIC NOT NULL
);
CREATE INDEX orders_user_id ON orders(user_id);
