-- The connected role's dangerous powers, for `gatehouse doctor`.
-- $1: the exposed schemas.
select
    r.rolname::text as role,
    r.rolsuper as superuser,
    r.rolbypassrls as bypass_rls,
    r.rolcreaterole as create_role,
    r.rolcreatedb as create_db,
    array(
        select b.rolname::text
        from pg_catalog.pg_roles b
        where b.rolname in ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program')
          and pg_catalog.pg_has_role(r.oid, b.oid, 'MEMBER')
        order by 1
    ) as server_file_roles,
    array(
        select pg_catalog.format('%I.%I', n.nspname, c.relname)
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any($1::text[])
          and c.relkind in ('r', 'p', 'v', 'm', 'f')
          and pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER')
        order by 1
    ) as owned_relations,
    current_setting('log_statement') as log_statement,
    current_setting('log_min_duration_statement') as log_min_duration_statement,
    current_setting('log_parameter_max_length') as log_parameter_max_length
from pg_catalog.pg_roles r
where r.rolname = current_user
