-- The read-path benchmark's dataset (bench/read/run.sh loads it as the superuser).
--   categories  1,000 rows                         (the to-one side of items.category_id)
--   items       :items rows (default 1,000,000)    the table the scenarios read
--   reviews     :reviews_per_item per item          (the to-many side, reviews.item_id)
-- psql variables: items, reviews_per_item.
\set ON_ERROR_STOP on
set client_min_messages = warning;
drop table if exists reviews, items, categories;

create table categories (
    id integer primary key,
    name text not null,
    created_at timestamptz not null
);
insert into categories
select g, 'category ' || g, timestamptz '2024-01-01' + g * interval '1 hour'
from generate_series(1, 1000) g;

create table items (
    id bigint primary key,
    category_id integer not null,
    name text not null,
    price numeric(10, 2) not null,
    stock integer not null,
    created_at timestamptz not null
);
insert into items
select g,
       1 + (g * 7919) % 1000,
       'item ' || g,
       ((g * 104729) % 100000) / 100.0,
       (g * 31) % 500,
       timestamptz '2024-01-01' + g * interval '37 seconds'
from generate_series(1::bigint, :items) g;

create table reviews (
    id bigint primary key,
    item_id bigint not null,
    rating smallint not null,
    body text not null,
    created_at timestamptz not null
);
insert into reviews
select g,
       1 + (g - 1) % :items,
       (1 + g % 5)::smallint,
       'review ' || g || ': fine, would buy again',
       timestamptz '2024-06-01' + g * interval '11 seconds'
from generate_series(1::bigint, :items * :reviews_per_item) g;

-- Keys after the load: one validating pass each instead of a check per row.
alter table items add foreign key (category_id) references categories (id);
alter table reviews add foreign key (item_id) references items (id);
create index items_category_created on items (category_id, created_at desc);
create index reviews_item on reviews (item_id);
vacuum analyze categories, items, reviews;
