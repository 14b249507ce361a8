create table documents (
    id      integer primary key,
    body    json,
    meta    jsonb not null default '{}',
    history jsonb[]
);
