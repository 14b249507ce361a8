-- schemas: api
-- PostgREST's usual layout: tables in a private schema, views in the exposed one.
-- Relationships and primary keys are inferred through the views (and a view over a
-- view), including a many-to-many through a junction view.
create schema private;
create schema api;
create table private.authors (id integer primary key, name text not null);
create table private.books (
    id         integer primary key,
    author_id  integer not null references private.authors,
    title      text
);
create table private.tags (id integer primary key, label text);
create table private.book_tags (
    book_id  integer references private.books,
    tag_id   integer references private.tags,
    primary key (book_id, tag_id)
);
create view api.authors as select id, name from private.authors;
create view api.books as select id, author_id as writer, title from private.books;
create view api.recent_books as select id as book, writer from api.books;
create view api.tags as select id, label from private.tags;
create view api.book_tags as select book_id, tag_id from private.book_tags;
-- no key column shown: no relationships
create view api.titles as select upper(title) as title from private.books;
