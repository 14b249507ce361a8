-- `gatehouse.check(ok, code, message)`: raises `code` (a SQLSTATE) with `message` unless `ok`
-- is true (NULL counts as false), else returns true. A write statement calls it for what must
-- hold once its rows are written (they stay within the caller's tenant and row filter, an
-- upsert updates no row that is not the caller's, no more rows than `max-affected`): a failed
-- check aborts the statement, so neither the change nor its audit row happens.
--
-- It raises only what its caller asks for and reads nothing, so every role may run it. It is
-- volatile (the default): PostgreSQL neither folds nor skips a call.

create function gatehouse.check(ok boolean, code text, message text)
returns boolean
language plpgsql
as $$
begin
    if ok is not true then
        raise exception using errcode = code, message = message;
    end if;
    return true;
end
$$;

comment on function gatehouse.check(boolean, text, text) is
    'Raises SQLSTATE code with message unless ok is true; used by Gatehouse''s write statements.';

grant execute on function gatehouse.check(boolean, text, text) to public;
