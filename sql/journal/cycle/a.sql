-- revision: c1
-- down_revision: c2
-- upgrade
SELECT 1;
