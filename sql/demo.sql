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
