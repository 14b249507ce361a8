-- Domains resolve to their base type, keep their own name, and carry NOT NULL and defaults
-- down a chain of domains.
create domain email as text check (value like '%@%');
create domain price as numeric(10, 2) not null default 0;
create domain positive_price as price check (value > 0);
create domain code as varchar(8);
create domain tags as text[];
create table products (
    id       integer primary key,
    contact  email,
    price    price,
    special  positive_price,
    sku      code not null,
    labels   tags
);
