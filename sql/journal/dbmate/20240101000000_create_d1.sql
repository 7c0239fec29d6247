-- migrate:up
CREATE TABLE d1(x);

-- migrate:down
DROP TABLE d1;
