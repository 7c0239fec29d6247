-- revision: c2
-- down_revision: c1
-- upgrade
SELECT 2;
