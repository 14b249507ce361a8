-- Gatehouse's own schema, and the audit log: one row per write, inserted in the same
-- transaction as the write it records (a write whose audit row cannot be written does not
-- happen). The serving role needs USAGE on the schema and INSERT on the table, nothing more:
-- `gatehouse migrate up --grant-to ROLE` grants exactly that.

create schema gatehouse;

comment on schema gatehouse is
    'Gatehouse''s own tables, managed by `gatehouse migrate`; do not edit by hand.';

create table gatehouse.audit_log (
    id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    request_id text not null,
    principal text,
    role text not null,
    tenant text,
    client_addr inet,
    relation text not null,
    operation text not null
        constraint audit_log_operation_check
        check (operation in ('insert', 'update', 'delete', 'upsert')),
    primary_keys jsonb not null
        constraint audit_log_primary_keys_check
        check (
            jsonb_typeof(primary_keys) = 'array'
            and not jsonb_path_exists(primary_keys, '$[*] ? (@.type() != "object")')
        ),
    changed_columns text[] not null,
    "values" jsonb
);

create index audit_log_relation_at on gatehouse.audit_log (relation, at);
create index audit_log_tenant_at on gatehouse.audit_log (tenant, at);

comment on table gatehouse.audit_log is
    'One row per write through Gatehouse, inserted in the same transaction as the write.';
comment on column gatehouse.audit_log.request_id is 'The request id (also in the logs).';
comment on column gatehouse.audit_log.principal is
    'The API key id or the JWT subject; null for the anonymous role.';
comment on column gatehouse.audit_log.role is 'The policy role the request ran as.';
comment on column gatehouse.audit_log.tenant is 'The caller''s tenant; null for cross-tenant principals.';
comment on column gatehouse.audit_log.client_addr is 'The client''s address, as Gatehouse saw it.';
comment on column gatehouse.audit_log.relation is 'The written table, schema-qualified.';
comment on column gatehouse.audit_log.primary_keys is
    'The primary keys of the written rows: an array of objects, one per row.';
comment on column gatehouse.audit_log.changed_columns is 'The names of the columns written.';
comment on column gatehouse.audit_log."values" is
    'The written values, only when the policy allows recording them; otherwise null.';
