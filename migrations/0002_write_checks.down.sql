-- Reverts 0002_write_checks.up.sql.

drop function gatehouse.check(boolean, text, text);
