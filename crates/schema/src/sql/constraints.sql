-- Primary keys, unique constraints and foreign keys of the exposed relations, and of the
-- relations exposed views read from (through any chain of views), wherever those live:
-- relationships and keys of views are inferred from them.
-- $1: exposed schema names.
with recursive exposed as (
    select c.oid, c.relkind
    from pg_class c
    join pg_namespace n
        on n.oid = c.relnamespace
    where n.nspname = any($1::text[])
      and c.relkind in ('r', 'v', 'm', 'p', 'f')
      and not c.relispartition
),
reads(oid) as (
    select oid from exposed where relkind in ('v', 'm')
    union
    -- what a view's _RETURN rule depends on (a PostgreSQL 15 rule also depends on its own
    -- view, through the OLD / NEW range table entries)
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
),
relations as (
    select oid from exposed
    union
    select oid from reads
)
select
    con.conrelid        as relation,
    n.nspname::text     as schema,
    c.relname::text     as name,
    con.conname::text   as constraint_name,
    con.contype::text   as kind,
    -- attnums; their names come from columns.sql (exposed relations) and view_sources.sql
    -- (relations views read from), which is much cheaper than looking each one up here
    con.conkey          as columns,
    con.confrelid       as ref_relation,
    fn.nspname::text    as ref_schema,
    fc.relname::text    as ref_name,
    con.confkey         as ref_columns,
    -- ... except for a referenced relation that neither query covers
    case when con.contype = 'f'
          and con.confrelid not in (select oid from relations)
    then array(
        select a.attname::text
        from unnest(con.confkey) with ordinality as k(attnum, i)
        join pg_attribute a
            on a.attrelid = con.confrelid
           and a.attnum = k.attnum
        order by k.i
    ) end               as ref_column_names
from pg_constraint con
join relations r
    on r.oid = con.conrelid
join pg_class c
    on c.oid = con.conrelid
join pg_namespace n
    on n.oid = c.relnamespace
left join pg_class fc
    on fc.oid = con.confrelid
left join pg_namespace fn
    on fn.oid = fc.relnamespace
where con.contype in ('p', 'u', 'f')
  -- a foreign key to a partitioned table is cloned for each partition; keep the parent's
  and con.conparentid = 0
