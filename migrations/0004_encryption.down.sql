-- Reverts 0004_encryption.up.sql. Values written with key ids stay in the tables; without
-- these functions only Gatehouse versions that know the format can read them.

drop function gatehouse.encrypt(text, text, text);
drop function gatehouse.decrypt(bytea, text[], text[], text);
drop function gatehouse.key_id(bytea);
