-- shop_data.sql: a few rows for the demo's shop.
INSERT INTO users(id, first_name, last_name, email) VALUES
  (1, 'John', 'Doe', 'john@example.com'),
  (2, 'Jane', 'Roe', 'jane@example.com'),
  (3, 'Ada', 'Lovelace', 'ada@example.com'),
  (4, 'Alan', 'Turing', NULL);
INSERT INTO addresses(user_id, email_address) VALUES
  (1, 'john@work.example'), (1, 'john@home.example'),
  (2, 'jane@work.example'),
  (3, 'ada@engine.example');
INSERT INTO groups(id, name) VALUES (1, 'admins'), (2, 'staff'), (3, 'customers');
INSERT INTO user_group(user_id, group_id, role) VALUES
  (1, 1, 'owner'), (1, 2, 'member'), (2, 2, 'member'), (3, 3, 'member'), (4, 3, 'member');
INSERT INTO orders(user_id, placed_at, total) VALUES
  (1, '2026-01-05 10:00:00', 25.50), (1, '2026-02-11 16:30:00', 99.00),
  (3, '2026-03-01 09:15:00', 12.00), (NULL, '2026-03-02 12:00:00', 5.00);
