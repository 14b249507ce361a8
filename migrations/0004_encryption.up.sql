-- Encrypted columns with key ids, so that keys can be rotated (`GATEHOUSE_ENCRYPTION_KEYS`,
-- `gatehouse reencrypt`). The stored form of an encrypted value (a bytea column):
--
--   byte 0        0x00, the format marker. The first byte of a PGP packet always has its high
--                 bit set (RFC 4880, section 4.2), so plain `pgp_sym_encrypt` output never
--                 starts with 0x00.
--   byte 1        n, the length of the key id (1 to 16)
--   bytes 2..n+1  the key id: ASCII letters, digits, `_` and `-`
--   the rest      pgp_sym_encrypt(plaintext, key)
--
-- A value without the marker is legacy ciphertext (plain `pgp_sym_encrypt`, written before key
-- ids): it is decrypted with the key the caller names as the legacy key.
--
-- Keys are never stored: every call gets them as arguments, which Gatehouse binds as
-- parameters of its statements. These functions never log, raise or return a key; an error
-- names at most a key id. They are plpgsql so that they can be created before pgcrypto is
-- installed (`serve` checks for it at startup) and find `pgp_sym_encrypt` / `pgp_sym_decrypt`
-- through the caller's search_path, wherever pgcrypto lives. Not security definer: they run
-- with the caller's rights, so every role may run them.
--
-- SQLSTATEs raised (class GH, not 22, so that the API answers 500 and shows no detail):
--   GH140  a value is under a key id the caller did not pass
--   GH141  a value carries the marker but not a well-formed key id
--   GH142  gatehouse.encrypt was called without a usable key id or key

-- The key id a stored value names, or NULL for legacy ciphertext (and for NULL).
create function gatehouse.key_id(data bytea)
returns text
language plpgsql
immutable strict parallel safe
as $$
declare
    n integer;
begin
    if octet_length(data) = 0 then
        return null;
    end if;
    if get_byte(data, 0) <> 0 then
        return null;
    end if;
    if octet_length(data) < 2 then
        raise exception using errcode = 'GH141',
            message = 'malformed encrypted value: marker without a key id';
    end if;
    n := get_byte(data, 1);
    if n < 1 or n > 16 or octet_length(data) < 2 + n then
        raise exception using errcode = 'GH141',
            message = 'malformed encrypted value: bad key id length';
    end if;
    return encode(substring(data from 3 for n), 'escape');
end
$$;

-- The plaintext of a stored value: decrypted with keys[i] where ids[i] is the key id the value
-- names, or ids[i] = legacy_id for legacy ciphertext. NULL for NULL.
create function gatehouse.decrypt(data bytea, ids text[], keys text[], legacy_id text)
returns text
language plpgsql
stable strict parallel safe
as $$
declare
    id text := gatehouse.key_id(data);
    payload bytea := data;
    i integer;
begin
    if id is null then
        id := legacy_id;
    else
        payload := substring(data from 3 + octet_length(id));
    end if;
    i := array_position(ids, id);
    if i is null or keys[i] is null then
        raise exception using errcode = 'GH140',
            message = format('an encrypted value is under key id %s, which is not configured', id),
            hint = 'add the key to GATEHOUSE_ENCRYPTION_KEYS';
    end if;
    return pgp_sym_decrypt(payload, keys[i]);
end
$$;

-- A value to store: the marker, the key id and pgp_sym_encrypt(data, key). NULL for NULL data;
-- a NULL or malformed key id or key raises (pgcrypto would return NULL for a NULL key, and the
-- value would be lost silently).
create function gatehouse.encrypt(data text, key_id text, key text)
returns bytea
language plpgsql
volatile parallel safe
as $$
begin
    if key_id is null or key_id !~ '^[A-Za-z0-9_-]{1,16}$' then
        raise exception using errcode = 'GH142',
            message = 'gatehouse.encrypt: the key id must be 1 to 16 characters of [A-Za-z0-9_-]';
    end if;
    if key is null or key = '' then
        raise exception using errcode = 'GH142', message = 'gatehouse.encrypt: no key given';
    end if;
    if data is null then
        return null;
    end if;
    return decode('00' || lpad(to_hex(octet_length(key_id)), 2, '0'), 'hex')
        || decode(key_id, 'escape')
        || pgp_sym_encrypt(data, key);
end
$$;

comment on function gatehouse.key_id(bytea) is
    'The key id an encrypted value names (NULL: legacy pgp_sym_encrypt output); see migration 0004.';
comment on function gatehouse.decrypt(bytea, text[], text[], text) is
    'Decrypts a value written by gatehouse.encrypt (or legacy pgp_sym_encrypt output) with the key its id names.';
comment on function gatehouse.encrypt(text, text, text) is
    'Encrypts with pgp_sym_encrypt and records the key id in front of the ciphertext.';

grant execute on function gatehouse.key_id(bytea) to public;
grant execute on function gatehouse.decrypt(bytea, text[], text[], text) to public;
grant execute on function gatehouse.encrypt(text, text, text) to public;
