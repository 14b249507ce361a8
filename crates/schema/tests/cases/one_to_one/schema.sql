-- One-to-one: the foreign key columns are the primary key, or a unique key.
create table users (id integer primary key, name text);
create table profiles (
    user_id integer primary key references users,
    bio     text
);
create table settings (
    id      integer primary key,
    owner   integer not null unique references users,
    theme   text
);
