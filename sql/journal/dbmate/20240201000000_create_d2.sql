-- migrate:up
CREATE TABLE d2(x);
-- migrate:down
DROP TABLE d2;
