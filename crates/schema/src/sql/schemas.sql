-- The exposed schemas that exist, with their comments.
-- $1: exposed schema names.
select
    n.nspname::text   as name,
    d.description     as comment
from pg_namespace n
left join pg_description d
    on d.objoid = n.oid
   and d.classoid = 'pg_namespace'::regclass
   and d.objsubid = 0
where n.nspname = any($1::text[])
