create table sales (id integer primary key, region text not null, amount numeric(12, 2));
create materialized view sales_by_region as
    select region, sum(amount) as total from sales group by region;
comment on materialized view sales_by_region is 'Refreshed nightly.';
