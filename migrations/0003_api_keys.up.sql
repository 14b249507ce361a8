-- API keys (`gh_<id>_<secret>`): one row per key. Only a keyed hash of the secret is stored
-- (HMAC-SHA256 of the id and the secret, keyed with the server-side pepper
-- GATEHOUSE_API_KEY_PEPPER), so this table alone cannot be used to forge or check a key.
--
-- The serving role may read the table and write `last_used_at`, nothing more. Keys are made,
-- rotated and revoked by `gatehouse keys`, run as the owner role. Any change that can make a key
-- stop working (revocation, rotation, expiry, role, tenant, allowed addresses, deletion) sends
-- `NOTIFY gatehouse_keys, '<id>'`, so every running instance forgets its cached checks of that
-- key at once; `last_used_at` alone sends nothing.

create table gatehouse.api_keys (
    id text primary key
        constraint api_keys_id_check check (id ~ '^[a-z0-9]{8,32}$'),
    secret_hash bytea not null
        constraint api_keys_secret_hash_check check (octet_length(secret_hash) = 32),
    hash_scheme text not null default 'hmac-sha256'
        constraint api_keys_hash_scheme_check check (hash_scheme = 'hmac-sha256'),
    role text not null
        constraint api_keys_role_check check (role <> ''),
    tenant text
        constraint api_keys_tenant_check check (tenant <> ''),
    cross_tenant boolean not null default false,
    allowed_cidrs cidr[] not null default '{}',
    description text,
    created_at timestamptz not null default now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    rotated_from text
        constraint api_keys_rotated_from_fkey references gatehouse.api_keys (id)
        on delete set null,
    overlap_until timestamptz,
    constraint api_keys_one_tenant_scope check (not (cross_tenant and tenant is not null))
);

create unique index api_keys_rotated_from on gatehouse.api_keys (rotated_from);

comment on table gatehouse.api_keys is
    'Gatehouse API keys; managed by `gatehouse keys`. The secret itself is never stored.';
comment on column gatehouse.api_keys.id is 'The public id: the <id> of gh_<id>_<secret>.';
comment on column gatehouse.api_keys.secret_hash is
    'HMAC-SHA256(pepper, id || '':'' || secret); the pepper is GATEHOUSE_API_KEY_PEPPER.';
comment on column gatehouse.api_keys.role is 'The policy role requests with this key run as.';
comment on column gatehouse.api_keys.tenant is
    'The tenant the key is bound to; null with cross_tenant = false means no tenant at all.';
comment on column gatehouse.api_keys.cross_tenant is
    'True for a key that may act on every tenant (made so explicitly).';
comment on column gatehouse.api_keys.allowed_cidrs is
    'Client addresses the key may be used from; empty means any.';
comment on column gatehouse.api_keys.last_used_at is
    'Updated in batches by the serving instances, not on every request.';
comment on column gatehouse.api_keys.rotated_from is 'The key this one replaced.';
comment on column gatehouse.api_keys.overlap_until is
    'Set when the key is rotated: it keeps working until then, and never after.';

create function gatehouse.api_keys_notify() returns trigger
language plpgsql
as $$
begin
    perform pg_catalog.pg_notify('gatehouse_keys', coalesce(new.id, old.id));
    if tg_op = 'UPDATE' and new.id is distinct from old.id then
        perform pg_catalog.pg_notify('gatehouse_keys', old.id);
    end if;
    return null;
end
$$;

comment on function gatehouse.api_keys_notify() is
    'Tells every Gatehouse instance (NOTIFY gatehouse_keys) to forget its cached checks of a key.';

create trigger api_keys_notify
    after update of id, secret_hash, hash_scheme, role, tenant, cross_tenant, allowed_cidrs,
        expires_at, revoked_at, overlap_until
    or delete
    on gatehouse.api_keys
    for each row execute function gatehouse.api_keys_notify();
