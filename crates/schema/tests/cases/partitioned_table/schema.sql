-- A partitioned table appears once (the parent); its partitions never do. Foreign keys
-- to and from it appear once too, not once per partition.
create table customers (id integer primary key);
create table orders (
    id          integer not null,
    placed_on   date not null,
    customer_id integer references customers,
    primary key (id, placed_on)
) partition by range (placed_on);
create table orders_2024 partition of orders for values from ('2024-01-01') to ('2025-01-01');
create table orders_2025 partition of orders for values from ('2025-01-01') to ('2026-01-01');
create table shipments (
    id          integer primary key,
    order_id    integer not null,
    placed_on   date not null,
    foreign key (order_id, placed_on) references orders (id, placed_on)
);
