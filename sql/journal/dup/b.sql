-- revision: r1
-- upgrade
SELECT 2;
