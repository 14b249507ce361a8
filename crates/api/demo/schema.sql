-- The demo schema: a small multi-tenant shop. Applied once to a fresh demo database by
-- `gatehouse demo`, as the cluster's superuser; the API's role only gets DML rights.
create extension if not exists pgcrypto;

create table tenants (
    id text primary key,
    name text not null
);
comment on table tenants is 'Organisations using the shop; every tenant-scoped row names one.';

create table countries (
    code char(2) primary key,
    name text not null
);
comment on table countries is 'ISO 3166 countries, shared by every tenant.';

create type customer_status as enum ('active', 'suspended', 'archived');

create table customers (
    id bigint generated always as identity primary key,
    tenant_id text not null references tenants (id),
    name text not null,
    email text not null,
    phone text,
    ssn bytea,
    notes text,
    status customer_status not null default 'active',
    country_code char(2) references countries (code),
    created_at timestamptz not null default now(),
    unique (tenant_id, email)
);
comment on column customers.ssn is 'Social security number, stored with pgp_sym_encrypt.';

create table products (
    id bigint generated always as identity primary key,
    tenant_id text not null references tenants (id),
    name text not null,
    price numeric(10, 2) not null check (price >= 0),
    tags text[] not null default '{}'
);

create table orders (
    id bigint generated always as identity primary key,
    tenant_id text not null references tenants (id),
    customer_id bigint not null references customers (id),
    placed_at timestamptz not null default now(),
    status text not null default 'open' check (status in ('open', 'paid', 'shipped', 'cancelled'))
);

create table order_items (
    order_id bigint not null references orders (id) on delete cascade,
    product_id bigint not null references products (id),
    tenant_id text not null references tenants (id),
    quantity integer not null check (quantity > 0),
    primary key (order_id, product_id)
);

insert into tenants (id, name) values ('acme', 'Acme Corp'), ('globex', 'Globex Inc');
insert into countries (code, name) values
    ('US', 'United States'), ('DE', 'Germany'), ('FR', 'France'), ('JP', 'Japan');
insert into customers (tenant_id, name, email, phone, ssn, status, country_code)
select
    case when i % 2 = 0 then 'acme' else 'globex' end,
    'Customer ' || i,
    'customer' || i || '@example.com',
    '+1-555-01' || lpad(i::text, 2, '0'),
    pgp_sym_encrypt('000-00-' || lpad(i::text, 4, '0'), current_setting('gatehouse.demo_key')),
    case when i % 10 = 0 then 'archived' else 'active' end::customer_status,
    (array['US', 'DE', 'FR', 'JP'])[1 + i % 4]
from generate_series(1, 40) as i;
insert into products (tenant_id, name, price, tags)
select
    case when i % 2 = 0 then 'acme' else 'globex' end,
    'Product ' || i,
    (i * 3.5)::numeric(10, 2),
    array['tag' || (i % 3)]
from generate_series(1, 20) as i;
insert into orders (tenant_id, customer_id, status)
select c.tenant_id, c.id, (array['open', 'paid', 'shipped'])[1 + c.id % 3]
from customers c;
insert into order_items (order_id, product_id, tenant_id, quantity)
select o.id, p.id, o.tenant_id, 1 + (o.id + p.id) % 4
from orders o
join products p on p.tenant_id = o.tenant_id and p.id % 5 = o.id % 5;
