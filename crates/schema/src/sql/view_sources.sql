-- Exposed views and materialized views, and everything they read from through any chain
-- of views: each relation's column names by attnum, and for views the parse tree of the
-- view query (pg_node_tree text), from which the origin of each view column is read.
-- $1: exposed schema names.
with recursive reads(oid) as (
    select c.oid
    from pg_class c
    join pg_namespace n
        on n.oid = c.relnamespace
    where n.nspname = any($1::text[])
      and c.relkind in ('v', 'm')
    union
    select d.refobjid
    from reads r
    join pg_rewrite w
        on w.ev_class = r.oid
    join pg_depend d
        on d.classid = 'pg_rewrite'::regclass
       and d.objid = w.oid
       and d.refclassid = 'pg_class'::regclass
       and d.deptype = 'n'
    where d.refobjid <> r.oid
)
select
    c.oid               as oid,
    n.nspname::text     as schema,
    c.relname::text     as name,
    c.relkind::text     as kind,
    -- index i holds attnum i + 1; dropped columns are null
    array(
        select case when a.attisdropped then null else a.attname::text end
        from pg_attribute a
        where a.attrelid = c.oid
          and a.attnum > 0
        order by a.attnum
    )                   as columns,
    case when c.relkind in ('v', 'm') then (
        select w.ev_action::text
        from pg_rewrite w
        where w.ev_class = c.oid
          and w.rulename = '_RETURN'
    ) end               as definition
from reads r
join pg_class c
    on c.oid = r.oid
join pg_namespace n
    on n.oid = c.relnamespace
where c.relkind in ('r', 'v', 'm', 'p', 'f')
