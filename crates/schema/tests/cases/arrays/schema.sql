-- Arrays of built-in types, of an enum and of a domain; the column's modifier goes to the
-- element.
create type mood as enum ('sad', 'ok', 'happy');
create domain short_text as varchar(10);
create table arrays (
    ints      integer[],
    matrix    text[][],
    codes     varchar(5)[] not null,
    moods     mood[],
    shorts    short_text[],
    stamps    timestamptz(3)[],
    jsons     jsonb[]
);
