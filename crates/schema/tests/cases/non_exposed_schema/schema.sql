-- Only `public` is exposed: the private table is absent, the foreign key to it is kept on
-- the table that holds it, but no relationship leads there.
create schema private;
create table private.secrets (id integer primary key, value text);
create table private.links (
    id integer primary key,
    note_id integer
);
create table notes (
    id          integer primary key,
    secret_id   integer references private.secrets
);
alter table private.links add foreign key (note_id) references notes;
