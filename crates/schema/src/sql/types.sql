-- Every type a column of an exposed relation uses, and, transitively, the element types of
-- arrays and the base types of domains among them.
-- $1: exposed schema names.
with recursive used(oid) as (
    select distinct a.atttypid
    from pg_attribute a
    join pg_class c
        on c.oid = a.attrelid
    join pg_namespace n
        on n.oid = c.relnamespace
    where n.nspname = any($1::text[])
      and c.relkind in ('r', 'v', 'm', 'p', 'f')
      and not c.relispartition
      and a.attnum > 0
      and not a.attisdropped
    union
    select case when t.typtype = 'd' then t.typbasetype else t.typelem end
    from used u
    join pg_type t
        on t.oid = u.oid
    -- a true array type is variable-length with an element type (fixed-length types such
    -- as point also have a typelem)
    where t.typtype = 'd'
       or (t.typelem <> 0 and t.typlen = -1)
)
select
    t.oid                                   as oid,
    n.nspname::text                         as schema,
    t.typname::text                         as name,
    t.typtype::text                         as typtype,
    t.typcategory::text                     as category,
    case when t.typtype <> 'd' and t.typelem <> 0 and t.typlen = -1
         then t.typelem
    end                                     as element,
    nullif(t.typbasetype, 0)                as base,
    t.typtypmod                             as typmod,
    t.typnotnull                            as not_null,
    pg_get_expr(t.typdefaultbin, 0)         as default_expr,
    -- built-in types by their SQL spelling (pg_catalog is always searched first, so this
    -- does not depend on search_path); others schema-qualified and quoted
    case when n.nspname = 'pg_catalog'
         then format_type(t.oid, -1)
         else quote_ident(n.nspname) || '.' || quote_ident(t.typname)
    end                                     as sql_name,
    case when t.typtype = 'e'
         then array(
             select e.enumlabel::text
             from pg_enum e
             where e.enumtypid = t.oid
             order by e.enumsortorder
         )
    end                                     as labels
from used u
join pg_type t
    on t.oid = u.oid
join pg_namespace n
    on n.oid = t.typnamespace
