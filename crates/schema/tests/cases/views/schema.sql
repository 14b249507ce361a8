-- Which views can be written to: automatically updatable, not updatable (a join, an
-- aggregate), and made writable by INSTEAD OF triggers.
create table accounts (id integer primary key, name text not null, active boolean);
create table notes (id integer primary key, account_id integer references accounts, body text);

create view active_accounts as
    select id, name from accounts where active;

create view accounts_checked as
    select id, name, active from accounts where active with check option;

create view account_notes as
    select a.id as account_id, a.name, n.body
    from accounts a join notes n on n.account_id = a.id;

create view note_counts as
    select account_id, count(*) as n from notes group by account_id;

create view account_notes_writable as
    select a.id as account_id, a.name, n.body
    from accounts a join notes n on n.account_id = a.id;

create function account_notes_insert() returns trigger language plpgsql as $$
begin
    insert into notes (id, account_id, body) values (default, new.account_id, new.body);
    return new;
end $$;

create trigger account_notes_insert instead of insert on account_notes_writable
    for each row execute function account_notes_insert();

comment on view active_accounts is 'Accounts that are active.';
