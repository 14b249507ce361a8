-- Junctions: foreign keys to both sides inside the primary key (roles), or inside a unique
-- constraint (castings); a table with the same foreign keys outside any key is not a
-- junction (reviews).
create table films (id integer primary key, title text);
create table actors (id integer primary key, name text);
create table roles (
    film_id   integer references films,
    actor_id  integer references actors,
    character text,
    primary key (film_id, actor_id)
);
create table castings (
    id        integer primary key,
    film_id   integer not null references films,
    actor_id  integer not null references actors,
    unique (film_id, actor_id)
);
create table reviews (
    id        integer primary key,
    film_id   integer references films,
    actor_id  integer references actors,
    stars     integer
);
