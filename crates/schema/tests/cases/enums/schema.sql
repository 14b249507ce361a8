-- Enum labels come in sort order, not creation order.
create type status as enum ('draft', 'published');
alter type status add value 'review' before 'published';
alter type status add value 'archived';
create schema other;
create type other.color as enum ('red', 'green');
create table posts (
    id     integer primary key,
    status status not null default 'draft',
    color  other.color
);
