-- Reverts 0003_api_keys.up.sql.

drop trigger api_keys_notify on gatehouse.api_keys;
drop function gatehouse.api_keys_notify();
drop table gatehouse.api_keys;
