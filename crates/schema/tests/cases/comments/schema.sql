comment on schema public is 'The public API.';
create table books (
    id     integer primary key,
    title  text not null,
    isbn   text
);
comment on table books is 'Books we sell.';
comment on column books.title is 'Title as printed on the cover.';
comment on column books.isbn is E'ISBN-13,\nwithout dashes.';
create view cheap_books as select id, title from books;
comment on column cheap_books.title is 'Shown in the bargain bin.';
