-- Two foreign keys between the same tables: embeds need a hint (`addresses!billing`).
create table addresses (id integer primary key, street text);
create table orders (
    id        integer primary key,
    billing   integer constraint orders_billing_fkey references addresses,
    shipping  integer constraint orders_shipping_fkey references addresses
);
