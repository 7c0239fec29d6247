-- gen.sql: the benchmark database, the shop at scale (after sql/shop_schema.sql):
-- 20,000 users, 5 addresses each, 50 groups, 3 memberships each, 2 orders each.
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
INSERT INTO users(id, first_name, last_name, email)
SELECT i, 'first' || i, 'last' || (i % 997), 'user' || i || '@example.com' FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 99999)
INSERT INTO addresses(id, user_id, email_address)
SELECT i+1, i/5 + 1, 'a' || i || '@example.com' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 50)
INSERT INTO groups(id, name) SELECT i, 'group' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 59999)
INSERT INTO user_group(user_id, group_id, role)
SELECT i/3 + 1, ((i/3)*7 + (i%3)*17) % 50 + 1, CASE i%3 WHEN 0 THEN 'owner' ELSE 'member' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 39999)
INSERT INTO orders(id, user_id, placed_at, total)
SELECT i+1, i/2 + 1, datetime('2026-01-01', '+' || (i % 300) || ' days'), (i % 200) + 0.5 FROM n;
COMMIT;
ANALYZE;
