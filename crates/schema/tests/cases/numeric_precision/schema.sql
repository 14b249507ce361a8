-- Type modifiers: numeric precision and scale (negative scale since PostgreSQL 15),
-- string and bit lengths, fractional-second precision.
create table measures (
    plain       numeric,
    whole       numeric(10),
    money_like  numeric(12, 2),
    hundreds    numeric(5, -2),
    fixed       char(2),
    bits        bit(8),
    varbits     bit varying(5),
    t0          time(0),
    tz3         timetz(3),
    ts3         timestamp(3),
    tstz6       timestamptz(6),
    iv2         interval(2),
    iv_fields   interval day to second
);
