-- Relations of the exposed schemas: tables, views, materialized views, foreign tables and
-- partitioned tables (the parent only, never its partitions).
-- $1: exposed schema names.
select
    c.oid                 as oid,
    n.nspname::text       as schema,
    c.relname::text       as name,
    c.relkind::text       as kind,
    d.description         as comment,
    -- Row-level security on (ENABLE ROW LEVEL SECURITY): its policies may read the request's
    -- settings, so a read of it carries them.
    c.relrowsecurity      as row_security,
    -- bit mask of 1 << CMD_UPDATE (4), CMD_INSERT (8), CMD_DELETE (16); counts INSTEAD OF
    -- triggers and rules too. Only asked of views and foreign tables.
    case when c.relkind in ('v', 'f')
         then pg_relation_is_updatable(c.oid, true)
    end                   as updatable_mask
from pg_class c
join pg_namespace n
    on n.oid = c.relnamespace
left join pg_description d
    on d.objoid = c.oid
   and d.classoid = 'pg_class'::regclass
   and d.objsubid = 0
where n.nspname = any($1::text[])
  and c.relkind in ('r', 'v', 'm', 'p', 'f')
  and not c.relispartition
