-- Row-level security: enabled (and forced) on one table, not on the other.
create table secured (id int primary key, owner text not null);
alter table secured enable row level security;
alter table secured force row level security;
create policy own on secured using (owner = current_setting('gatehouse.subject', true));
create table open (id int primary key);
