-- Benchmark schema for catalog introspection: schema `bench` with
-- current_setting('bench.tables') tables of 10 columns (default 5000), each but the first
-- with a foreign key to the previous one, a unique constraint on every fifth, comments on
-- every tenth, and current_setting('bench.views') views (default 0) over the first tables.
--
-- One DO block that commits every 250 tables (creating thousands of tables in one
-- transaction overflows the lock table). Send it as a statement of its own, outside a
-- transaction block, then ANALYZE. Identifiers are built with format('%I').
do $bench$
declare
    tables  integer := coalesce(nullif(current_setting('bench.tables', true), ''), '5000')::integer;
    views   integer := coalesce(nullif(current_setting('bench.views', true), ''), '0')::integer;
    t       text;
begin
    create schema if not exists bench;
    if not exists (select 1 from pg_type where typname = 'status'
                   and typnamespace = 'bench'::regnamespace) then
        create type bench.status as enum ('new', 'open', 'closed');
    end if;
    for i in 1 .. tables loop
        t := format('t%s', lpad(i::text, 5, '0'));
        execute format($sql$
            create table bench.%I (
                id          bigint generated always as identity primary key,
                parent_id   bigint,
                name        text not null,
                code        varchar(20),
                amount      numeric(12, 2),
                created_at  timestamptz not null default now(),
                tags        text[],
                data        jsonb,
                status      bench.status default 'new',
                note        text
            )$sql$, t);
        if i > 1 then
            execute format(
                'alter table bench.%I add constraint %I foreign key (parent_id) references bench.%I (id)',
                t, t || '_parent_fkey', format('t%s', lpad((i - 1)::text, 5, '0')));
        end if;
        if i % 5 = 0 then
            execute format('alter table bench.%I add unique (code)', t);
        end if;
        if i % 10 = 0 then
            execute format('comment on table bench.%I is %L', t, 'Table number ' || i);
            execute format('comment on column bench.%I.name is %L', t, 'Name of row in ' || t);
        end if;
        if i % 250 = 0 then
            commit;
        end if;
    end loop;
    for i in 1 .. least(views, tables) loop
        t := format('t%s', lpad(i::text, 5, '0'));
        execute format(
            'create view bench.%I as select id, parent_id as parent, name, amount from bench.%I',
            'v' || t, t);
    end loop;
end
$bench$
