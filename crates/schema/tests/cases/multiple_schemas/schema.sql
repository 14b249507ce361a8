-- schemas: api, shop
-- Two exposed schemas, listed in an order that is not alphabetical (the first is the
-- default schema); a relationship crosses them.
create schema shop;
create schema api;
comment on schema api is 'Version 1.';
create table shop.products (id integer primary key, name text);
create table api.orders (
    id          integer primary key,
    product_id  integer references shop.products
);
create table public.ignored (id integer);
