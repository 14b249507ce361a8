-- The dataset of bench/policy and bench/auth (loaded as the superuser by their run.sh).
--   pol_items  1,000,000 rows: 10 tenants (t1..t10), 1,000 categories, 5% archived,
--              an email to mask; indexed for the filtered read with and without tenancy.
\set ON_ERROR_STOP on
set client_min_messages = warning;
drop table if exists pol_items;
create table pol_items (
    id bigint primary key,
    tenant_id text not null,
    category_id integer not null,
    name text not null,
    price numeric(10, 2) not null,
    email text not null,
    status text not null,
    created_at timestamptz not null
);
insert into pol_items
select g,
       't' || (1 + (g / 7) % 10),
       1 + (g * 7919) % 1000,
       'item ' || g,
       ((g * 104729) % 100000) / 100.0,
       'customer' || g || '@example.com',
       case when (g / 3) % 20 = 0 then 'archived' else 'active' end,
       timestamptz '2024-01-01' + g * interval '37 seconds'
from generate_series(1::bigint, 1000000) g;
create index pol_items_category on pol_items (category_id, created_at desc);
create index pol_items_tenant_category on pol_items (tenant_id, category_id, created_at desc);
vacuum analyze pol_items;
