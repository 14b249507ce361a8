create table employees (
    id          integer primary key,
    name        text not null,
    manager_id  integer references employees
);
create table friendships (
    a integer references employees,
    b integer references employees,
    primary key (a, b)
);
