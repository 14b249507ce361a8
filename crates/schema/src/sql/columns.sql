-- Columns of the relations of relations.sql, in ordinal order, one row per column.
-- $1: exposed schema names.
select
    a.attrelid                          as relation,
    a.attnum                            as attnum,
    a.attname::text                     as name,
    a.atttypid                          as type_oid,
    a.atttypmod                         as typmod,
    a.attnotnull                        as not_null,
    a.attidentity::text                 as identity,
    a.attgenerated::text                as generated,
    pg_get_expr(ad.adbin, ad.adrelid)   as default_expr,
    d.description                       as comment
from pg_attribute a
join pg_class c
    on c.oid = a.attrelid
join pg_namespace n
    on n.oid = c.relnamespace
left join pg_attrdef ad
    on ad.adrelid = a.attrelid
   and ad.adnum = a.attnum
left join pg_description d
    on d.objoid = a.attrelid
   and d.classoid = 'pg_class'::regclass
   and d.objsubid = a.attnum
where n.nspname = any($1::text[])
  and c.relkind in ('r', 'v', 'm', 'p', 'f')
  and not c.relispartition
  and a.attnum > 0
  and not a.attisdropped
order by a.attrelid, a.attnum
