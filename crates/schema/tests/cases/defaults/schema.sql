create sequence counter;
create table events (
    id          bigint not null default nextval('counter'),
    created_at  timestamptz not null default now(),
    kind        text default 'info',
    day         date default current_date,
    score       integer default (1 + 2) * 3,
    tags        text[] default '{}',
    uid         uuid default gen_random_uuid(),
    note        text
);
