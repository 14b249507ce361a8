//! Snapshots of write statements: SQL (broken into lines for reading: each CTE on a line of its
//! own, then the clauses as [`display`](crate::render::display) breaks them) and parameters.
//! Update with `UPDATE_EXPECT=1 cargo test -p gatehouse-sql --test sql write`.

use expect_test::{Expect, expect};
use serde_json::json;
use sql::{Format, Statement};

use crate::render::{BREAKS, layout};
use crate::{Method, WRITER, WRITER_ALL, Who, WriteTo};

/// The write by the writer of tenant t1, without a representation.
fn check(write: WriteTo<'_>, expect: Expect) {
    check_as(WRITER, write, Format::Json, expect);
}

fn check_as(who: Who, write: WriteTo<'_>, format: Format, expect: Expect) {
    let statement = sql::render_write(&write.plan(who), format);
    expect.assert_eq(&display(&statement));
}

fn display(statement: &Statement) -> String {
    let mut breaks = BREAKS.to_vec();
    breaks.extend([" on conflict ", " returning ", " having "]);
    layout(
        statement,
        &breaks,
        &[
            ", pgrst_",
            " select (select count(*) from pgrst_affected) as page_total",
        ],
    )
}

#[test]
fn verbatim() {
    let statement = sql::render_write(
        &WriteTo::new(Method::Delete, "tags", "id=eq.3").plan(WRITER),
        Format::Json,
    );
    expect![[r#"with pgrst_affected as (delete from "public"."tags" as t0 where t0."id" = cast($1::text as "pg_catalog"."int4") returning t0.*), pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $2::text, $3::text, $4::text, $5::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb from pgrst_affected t0 having count(*) > 0) select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($11::text, t0."id")) from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted"#]]
        .assert_eq(&statement.sql);
}

#[test]
fn insert_one_writes_the_callers_tenant() {
    check(
        WriteTo::new(Method::Post, "authors", "").body(json!({
            "id": 10,
            "name": "Zed",
            "Display \"Name\"": "Z",
            "born": "2000-01-01",
            "mood": "meh",
        })),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."Display ""Name""" as "Display ""Name""", r."born" as "born", r."id" as "id", r."mood" as "mood", r."name" as "name", cast($2::text as "pg_catalog"."text") as "tenant_id"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("Display ""Name""" "pg_catalog"."text", "born" "pg_catalog"."date", "id" "pg_catalog"."int4", "mood" "public"."mood", "name" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."authors" as t0 ("Display ""Name""", "born", "id", "mood", "name", "tenant_id") select "Display ""Name""", "born", "id", "mood", "name", "tenant_id"
                from pgrst_body
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, $6::text, cast($7::text as inet), $8::text, $9::text, jsonb_agg(jsonb_build_object($10::text, t0."id")), $11::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($12::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($13::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"Display \\\"Name\\\"\":\"Z\",\"born\":\"2000-01-01\",\"id\":10,\"mood\":\"meh\",\"name\":\"Zed\"}")
            $2 = Text("t1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("t1")
            $7 = Text("203.0.113.7")
            $8 = Text("public.authors")
            $9 = Text("insert")
            $10 = Text("id")
            $11 = TextArray(["Display \"Name\"", "born", "id", "mood", "name", "tenant_id"])
            $12 = Text("t1")
            $13 = Text("id")
        "#]],
    );
}

#[test]
fn insert_many_reads_every_object() {
    check(
        WriteTo::new(Method::Post, "books", "").body(json!([
            {"id": 10, "author_id": 1, "title": "A", "tags": ["x", "y"], "period": "[1,3)"},
            {"id": 11, "author_id": 2, "title": "B", "tags": [], "period": null},
        ])),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."author_id" as "author_id", r."id" as "id", r."period" as "period", r."tags" as "tags", r."title" as "title", cast($2::text as "pg_catalog"."text") as "tenant_id"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("author_id" "pg_catalog"."int4", "id" "pg_catalog"."int4", "period" "pg_catalog"."int4range", "tags" "pg_catalog"."_text", "title" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."books" as t0 ("author_id", "id", "period", "tags", "title", "tenant_id") select "author_id", "id", "period", "tags", "title", "tenant_id"
                from pgrst_body
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, $6::text, cast($7::text as inet), $8::text, $9::text, jsonb_agg(jsonb_build_object($10::text, t0."id")), $11::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($12::text as "pg_catalog"."text") and (t0."author_id" is null or exists(select 1
                            from "public"."authors" t1
                            where t0."author_id" = t1."id" and t1."tenant_id" = cast($13::text as "pg_catalog"."text")))), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($14::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("[{\"author_id\":1,\"id\":10,\"period\":\"[1,3)\",\"tags\":[\"x\",\"y\"],\"title\":\"A\"},{\"author_id\":2,\"id\":11,\"period\":null,\"tags\":[],\"title\":\"B\"}]")
            $2 = Text("t1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("t1")
            $7 = Text("203.0.113.7")
            $8 = Text("public.books")
            $9 = Text("insert")
            $10 = Text("id")
            $11 = TextArray(["author_id", "id", "period", "tags", "title", "tenant_id"])
            $12 = Text("t1")
            $13 = Text("t1")
            $14 = Text("id")
        "#]],
    );
}

#[test]
fn insert_of_empty_objects_writes_defaults() {
    check_as(
        WRITER,
        WriteTo::new(Method::Post, "events", "").body(json!([{}, {}])),
        Format::Json,
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select cast($2::text as "pg_catalog"."text") as "tenant_id"
                from json_array_elements((select j
                    from pgrst_rows)) as r),
            pgrst_affected as (insert into "public"."events" as t0 ("tenant_id") select "tenant_id"
                from pgrst_body
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, $6::text, cast($7::text as inet), $8::text, $9::text, '[]'::jsonb, $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($11::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, '[]'::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("[{},{}]")
            $2 = Text("t1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("t1")
            $7 = Text("203.0.113.7")
            $8 = Text("public.events")
            $9 = Text("insert")
            $10 = TextArray(["tenant_id"])
            $11 = Text("t1")
        "#]],
    );
}

#[test]
fn upsert_merge_updates_only_rows_the_guards_allow_and_checks_every_row_was_written() {
    check(
        WriteTo::new(Method::PostMerge, "authors", "").body(json!([
            {"id": 1, "name": "Ann B"},
            {"id": 20, "name": "New"},
        ])),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."id" as "id", r."name" as "name", cast($2::text as "pg_catalog"."text") as "tenant_id"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("id" "pg_catalog"."int4", "name" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."authors" as t0 ("id", "name", "tenant_id") select "id", "name", "tenant_id"
                from pgrst_body
                on conflict ("id") do update set "name" = excluded."name"
                where t0."tenant_id" = cast($3::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $4::text, $5::text, $6::text, $7::text, cast($8::text as inet), $9::text, $10::text, jsonb_agg(jsonb_build_object($11::text, t0."id")), $12::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($13::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') and gatehouse.check((select count(*)
                    from pgrst_affected) = (select count(*)
                    from pgrst_body), 'GH131', 'a conflicting row is not yours to update') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($14::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, (select count(*)
                from pgrst_affected t0
                where not exists (select 1
                  from "public"."authors" t1
                  where t1."id" = t0."id")) as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("[{\"id\":1,\"name\":\"Ann B\"},{\"id\":20,\"name\":\"New\"}]")
            $2 = Text("t1")
            $3 = Text("t1")
            $4 = Text("req-1")
            $5 = Text("user-1")
            $6 = Text("writer")
            $7 = Text("t1")
            $8 = Text("203.0.113.7")
            $9 = Text("public.authors")
            $10 = Text("upsert")
            $11 = Text("id")
            $12 = TextArray(["id", "name", "tenant_id"])
            $13 = Text("t1")
            $14 = Text("id")
        "#]],
    );
}

#[test]
fn upsert_ignore_does_nothing_on_conflict() {
    check(
        WriteTo::new(Method::PostIgnore, "tags", "").body(json!([{"id": 1, "name": "x"}])),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."id" as "id", r."name" as "name"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("id" "pg_catalog"."int4", "name" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."tags" as t0 ("id", "name") select "id", "name"
                from pgrst_body
                on conflict ("id") do nothing
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $2::text, $3::text, $4::text, $5::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($11::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
            $1 = Text("[{\"id\":1,\"name\":\"x\"}]")
            $2 = Text("req-1")
            $3 = Text("user-1")
            $4 = Text("writer")
            $5 = Text("t1")
            $6 = Text("203.0.113.7")
            $7 = Text("public.tags")
            $8 = Text("upsert")
            $9 = Text("id")
            $10 = TextArray(["id", "name"])
            $11 = Text("id")
        "#]],
    );
}

#[test]
fn upsert_on_conflict_columns() {
    check(
        WriteTo::new(Method::PostMerge, "tags", "on_conflict=id")
            .body(json!({"id": 1, "name": "x"})),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."id" as "id", r."name" as "name"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("id" "pg_catalog"."int4", "name" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."tags" as t0 ("id", "name") select "id", "name"
                from pgrst_body
                on conflict ("id") do update set "name" = excluded."name"
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $2::text, $3::text, $4::text, $5::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($11::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, (select count(*)
                from pgrst_affected t0
                where not exists (select 1
                  from "public"."tags" t1
                  where t1."id" = t0."id")) as inserted
            $1 = Text("{\"id\":1,\"name\":\"x\"}")
            $2 = Text("req-1")
            $3 = Text("user-1")
            $4 = Text("writer")
            $5 = Text("t1")
            $6 = Text("203.0.113.7")
            $7 = Text("public.tags")
            $8 = Text("upsert")
            $9 = Text("id")
            $10 = TextArray(["id", "name"])
            $11 = Text("id")
        "#]],
    );
}

#[test]
fn put_filters_the_body_rows() {
    check(
        WriteTo::new(Method::Put, "authors", "id=eq.5").body(json!({"id": 5, "name": "P"})),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select *
                from (select r."id" as "id", r."name" as "name", cast($2::text as "pg_catalog"."text") as "tenant_id"
                  from json_to_recordset((select j
                      from pgrst_rows)) as r("id" "pg_catalog"."int4", "name" "pg_catalog"."text")) pgrst_body
                where pgrst_body."id" = cast($3::text as "pg_catalog"."int4")),
            pgrst_affected as (insert into "public"."authors" as t0 ("id", "name", "tenant_id") select "id", "name", "tenant_id"
                from pgrst_body
                on conflict ("id") do update set "name" = excluded."name"
                where t0."tenant_id" = cast($4::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $5::text, $6::text, $7::text, $8::text, cast($9::text as inet), $10::text, $11::text, jsonb_agg(jsonb_build_object($12::text, t0."id")), $13::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($14::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') and gatehouse.check((select count(*)
                    from pgrst_affected) = (select count(*)
                    from pgrst_body), 'GH131', 'a conflicting row is not yours to update') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($15::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, (select count(*)
                from pgrst_affected t0
                where not exists (select 1
                  from "public"."authors" t1
                  where t1."id" = t0."id")) as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"id\":5,\"name\":\"P\"}")
            $2 = Text("t1")
            $3 = Text("5")
            $4 = Text("t1")
            $5 = Text("req-1")
            $6 = Text("user-1")
            $7 = Text("writer")
            $8 = Text("t1")
            $9 = Text("203.0.113.7")
            $10 = Text("public.authors")
            $11 = Text("upsert")
            $12 = Text("id")
            $13 = TextArray(["id", "name", "tenant_id"])
            $14 = Text("t1")
            $15 = Text("id")
        "#]],
    );
}

#[test]
fn update_sets_the_first_object_on_the_filtered_guarded_rows() {
    check(
        WriteTo::new(Method::Patch, "books", "id=eq.1")
            .body(json!({"title": "New", "price": "12.5"})),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."price" as "price", r."title" as "title"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("price" "pg_catalog"."numeric", "title" "pg_catalog"."text")
                limit 1),
            pgrst_affected as (update "public"."books" as t0 set "price" = pgrst_body."price", "title" = pgrst_body."title"
                from pgrst_body
                where t0."id" = cast($2::text as "pg_catalog"."int4") and t0."tenant_id" = cast($3::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $4::text, $5::text, $6::text, $7::text, cast($8::text as inet), $9::text, $10::text, jsonb_agg(jsonb_build_object($11::text, t0."id")), $12::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($13::text as "pg_catalog"."text") and (t0."author_id" is null or exists(select 1
                            from "public"."authors" t1
                            where t0."author_id" = t1."id" and t1."tenant_id" = cast($14::text as "pg_catalog"."text")))), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($15::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"price\":\"12.5\",\"title\":\"New\"}")
            $2 = Text("1")
            $3 = Text("t1")
            $4 = Text("req-1")
            $5 = Text("user-1")
            $6 = Text("writer")
            $7 = Text("t1")
            $8 = Text("203.0.113.7")
            $9 = Text("public.books")
            $10 = Text("update")
            $11 = Text("id")
            $12 = TextArray(["price", "title"])
            $13 = Text("t1")
            $14 = Text("t1")
            $15 = Text("id")
        "#]],
    );
}

#[test]
fn update_by_a_cross_tenant_writer_has_no_tenant_guard_or_check() {
    check_as(
        WRITER_ALL,
        WriteTo::new(Method::Patch, "books", "id=eq.1").body(json!({"title": "New"})),
        Format::Json,
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."title" as "title"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("title" "pg_catalog"."text")
                limit 1),
            pgrst_affected as (update "public"."books" as t0 set "title" = pgrst_body."title"
                from pgrst_body
                where t0."id" = cast($2::text as "pg_catalog"."int4")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, null::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($11::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
            $1 = Text("{\"title\":\"New\"}")
            $2 = Text("1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("203.0.113.7")
            $7 = Text("public.books")
            $8 = Text("update")
            $9 = Text("id")
            $10 = TextArray(["title"])
            $11 = Text("id")
        "#]],
    );
}

#[test]
fn delete_with_filters_and_guards() {
    check(
        WriteTo::new(Method::Delete, "books", "id=eq.4&title=like.F*"),
        expect![[r#"
            with pgrst_affected as (delete
                from "public"."books" as t0
                where t0."id" = cast($1::text as "pg_catalog"."int4") and t0."title" like $2::text and t0."tenant_id" = cast($3::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $4::text, $5::text, $6::text, $7::text, cast($8::text as inet), $9::text, $10::text, jsonb_agg(jsonb_build_object($11::text, t0."id")), $12::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($13::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
            $1 = Text("4")
            $2 = Text("F%")
            $3 = Text("t1")
            $4 = Text("req-1")
            $5 = Text("user-1")
            $6 = Text("writer")
            $7 = Text("t1")
            $8 = Text("203.0.113.7")
            $9 = Text("public.books")
            $10 = Text("delete")
            $11 = Text("id")
            $12 = TextArray([])
            $13 = Text("id")
        "#]],
    );
}

#[test]
fn encrypted_column_is_encrypted_and_the_row_filter_checked_and_values_audited() {
    check(
        WriteTo::new(Method::Post, "customers", "select=id,ssn,phone")
            .body(json!({"id": 10, "name": "E", "ssn": "111-22-3333", "phone": "555-0000"}))
            .representation(),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."id" as "id", r."name" as "name", r."phone" as "phone", gatehouse.encrypt(r."ssn", $2::text, $3::text) as "ssn", cast($4::text as "pg_catalog"."text") as "tenant_id"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("id" "pg_catalog"."int4", "name" "pg_catalog"."text", "phone" "pg_catalog"."text", "ssn" text)),
            pgrst_affected as (insert into "public"."customers" as t0 ("id", "name", "phone", "ssn", "tenant_id") select "id", "name", "phone", "ssn", "tenant_id"
                from pgrst_body
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $5::text, $6::text, $7::text, $8::text, cast($9::text as inet), $10::text, $11::text, jsonb_agg(jsonb_build_object($12::text, t0."id")), $13::text[], jsonb_agg(to_jsonb(t0))
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($14::text as "pg_catalog"."text") and t0."status" <> cast($15::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, (select coalesce(json_agg(_j), '[]')::text
                from (select json_build_object($16::text, t1."id", $17::text, gatehouse.decrypt(t1."ssn", $18::text[], array[$19::text, $20::text]::text[], $21::text), $22::text, (select repeat('*', greatest(length(pgrst_m) - 4, 0)) || right(pgrst_m, 4)
                      from (select t1."phone"::text as pgrst_m) pgrst_mask)) as _j
                  from pgrst_affected t1) pgrst_source) as body, coalesce((select json_agg(json_build_object($23::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"id\":10,\"name\":\"E\",\"phone\":\"555-0000\",\"ssn\":\"111-22-3333\"}")
            $2 = Text("new")
            $3 = Secret(***)
            $4 = Text("t1")
            $5 = Text("req-1")
            $6 = Text("user-1")
            $7 = Text("writer")
            $8 = Text("t1")
            $9 = Text("203.0.113.7")
            $10 = Text("public.customers")
            $11 = Text("insert")
            $12 = Text("id")
            $13 = TextArray(["id", "name", "phone", "ssn", "tenant_id"])
            $14 = Text("t1")
            $15 = Text("archived")
            $16 = Text("id")
            $17 = Text("ssn")
            $18 = TextArray(["new", "old"])
            $19 = Secret(***)
            $20 = Secret(***)
            $21 = Text("old")
            $22 = Text("phone")
            $23 = Text("id")
        "#]],
    );
}

#[test]
fn update_of_a_row_filtered_table_is_guarded_and_checked() {
    check(
        WriteTo::new(Method::Patch, "customers", "id=eq.1").body(json!({"status": "archived"})),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."status" as "status"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("status" "pg_catalog"."text")
                limit 1),
            pgrst_affected as (update "public"."customers" as t0 set "status" = pgrst_body."status"
                from pgrst_body
                where t0."id" = cast($2::text as "pg_catalog"."int4") and t0."tenant_id" = cast($3::text as "pg_catalog"."text") and t0."status" <> cast($4::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $5::text, $6::text, $7::text, $8::text, cast($9::text as inet), $10::text, $11::text, jsonb_agg(jsonb_build_object($12::text, t0."id")), $13::text[], jsonb_agg(to_jsonb(t0))
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($14::text as "pg_catalog"."text") and t0."status" <> cast($15::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($16::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"status\":\"archived\"}")
            $2 = Text("1")
            $3 = Text("t1")
            $4 = Text("archived")
            $5 = Text("req-1")
            $6 = Text("user-1")
            $7 = Text("writer")
            $8 = Text("t1")
            $9 = Text("203.0.113.7")
            $10 = Text("public.customers")
            $11 = Text("update")
            $12 = Text("id")
            $13 = TextArray(["status"])
            $14 = Text("t1")
            $15 = Text("archived")
            $16 = Text("id")
        "#]],
    );
}

#[test]
fn representation_with_an_embed_correlates_on_the_affected_rows() {
    check(
        WriteTo::new(
            Method::Post,
            "books",
            "select=id,title,author:authors(name),tags(name)",
        )
        .body(json!({"id": 12, "author_id": 1, "title": "C"}))
        .representation(),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."author_id" as "author_id", r."id" as "id", r."title" as "title", cast($2::text as "pg_catalog"."text") as "tenant_id"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("author_id" "pg_catalog"."int4", "id" "pg_catalog"."int4", "title" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."books" as t0 ("author_id", "id", "title", "tenant_id") select "author_id", "id", "title", "tenant_id"
                from pgrst_body
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, $6::text, cast($7::text as inet), $8::text, $9::text, jsonb_agg(jsonb_build_object($10::text, t0."id")), $11::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($12::text as "pg_catalog"."text") and (t0."author_id" is null or exists(select 1
                            from "public"."authors" t1
                            where t0."author_id" = t1."id" and t1."tenant_id" = cast($13::text as "pg_catalog"."text")))), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, (select coalesce(json_agg(_j), '[]')::text
                from (select json_build_object($14::text, t2."id", $15::text, t2."title", $16::text, (select json_build_object($17::text, t3."name")
                      from "public"."authors" t3
                      where t2."author_id" = t3."id" and t3."tenant_id" = cast($18::text as "pg_catalog"."text")
                      limit 1), $19::text, (select coalesce(json_agg(s4._j), '[]')
                      from (select json_build_object($20::text, t4."name") as _j
                        from "public"."tags" t4
                        join "public"."book_tags" j4 on j4."tag_id" = t4."id"
                        where t2."id" = j4."book_id" and j4."tenant_id" = cast($21::text as "pg_catalog"."text")) s4)) as _j
                  from pgrst_affected t2) pgrst_source) as body, coalesce((select json_agg(json_build_object($22::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"author_id\":1,\"id\":12,\"title\":\"C\"}")
            $2 = Text("t1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("t1")
            $7 = Text("203.0.113.7")
            $8 = Text("public.books")
            $9 = Text("insert")
            $10 = Text("id")
            $11 = TextArray(["author_id", "id", "title", "tenant_id"])
            $12 = Text("t1")
            $13 = Text("t1")
            $14 = Text("id")
            $15 = Text("title")
            $16 = Text("author")
            $17 = Text("name")
            $18 = Text("t1")
            $19 = Text("tags")
            $20 = Text("name")
            $21 = Text("t1")
            $22 = Text("id")
        "#]],
    );
}

#[test]
fn representation_with_a_spread_embed() {
    check(
        WriteTo::new(Method::Patch, "books", "id=eq.1&select=id,...authors(name)")
            .body(json!({"title": "T"}))
            .representation(),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."title" as "title"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("title" "pg_catalog"."text")
                limit 1),
            pgrst_affected as (update "public"."books" as t0 set "title" = pgrst_body."title"
                from pgrst_body
                where t0."id" = cast($2::text as "pg_catalog"."int4") and t0."tenant_id" = cast($3::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $4::text, $5::text, $6::text, $7::text, cast($8::text as inet), $9::text, $10::text, jsonb_agg(jsonb_build_object($11::text, t0."id")), $12::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($13::text as "pg_catalog"."text") and (t0."author_id" is null or exists(select 1
                            from "public"."authors" t1
                            where t0."author_id" = t1."id" and t1."tenant_id" = cast($14::text as "pg_catalog"."text")))), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, (select coalesce(json_agg(_j), '[]')::text
                from (select json_build_object($15::text, t2."id", $16::text, l3.c0) as _j
                  from pgrst_affected t2
                  left join lateral (select t3."name" as c0
                    from "public"."authors" t3
                    where t2."author_id" = t3."id" and t3."tenant_id" = cast($17::text as "pg_catalog"."text")
                    limit 1) l3 on true) pgrst_source) as body, coalesce((select json_agg(json_build_object($18::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"title\":\"T\"}")
            $2 = Text("1")
            $3 = Text("t1")
            $4 = Text("req-1")
            $5 = Text("user-1")
            $6 = Text("writer")
            $7 = Text("t1")
            $8 = Text("203.0.113.7")
            $9 = Text("public.books")
            $10 = Text("update")
            $11 = Text("id")
            $12 = TextArray(["title"])
            $13 = Text("t1")
            $14 = Text("t1")
            $15 = Text("id")
            $16 = Text("name")
            $17 = Text("t1")
            $18 = Text("id")
        "#]],
    );
}

#[test]
fn representation_as_csv_and_as_object() {
    let write = WriteTo::new(Method::Delete, "tags", "id=eq.3&select=id,name").representation();
    check_as(
        WRITER,
        write.clone(),
        Format::Csv,
        expect![[r#"
            with pgrst_affected as (delete
                from "public"."tags" as t0
                where t0."id" = cast($1::text as "pg_catalog"."int4")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $2::text, $3::text, $4::text, $5::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, (select array_to_string(array(select case when _v is null then '' when _v ~ E'[",\\r\\n]' then '"' || replace(_v, '"', '""') || '"' else _v end
                    from unnest(array[$11::text, $12::text]::text[]) with ordinality _f(_v, _n)
                    order by _n), ',') || coalesce(chr(10) || string_agg(_line, chr(10)), '')
                from (select array_to_string(array(select case when _v is null then '' when _v ~ E'[",\\r\\n]' then '"' || replace(_v, '"', '""') || '"' else _v end
                      from unnest(array[(t1."id")::text, (t1."name")::text]::text[]) with ordinality _f(_v, _n)
                      order by _n), ',') as _line
                  from pgrst_affected t1) pgrst_source) as body, coalesce((select json_agg(json_build_object($13::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
            $1 = Text("3")
            $2 = Text("req-1")
            $3 = Text("user-1")
            $4 = Text("writer")
            $5 = Text("t1")
            $6 = Text("203.0.113.7")
            $7 = Text("public.tags")
            $8 = Text("delete")
            $9 = Text("id")
            $10 = TextArray([])
            $11 = Text("id")
            $12 = Text("name")
            $13 = Text("id")
        "#]],
    );
    check_as(
        WRITER,
        write,
        Format::Object,
        expect![[r#"
            with pgrst_affected as (delete
                from "public"."tags" as t0
                where t0."id" = cast($1::text as "pg_catalog"."int4")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $2::text, $3::text, $4::text, $5::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, (select (json_agg(_j) -> 0)::text
                from (select json_build_object($11::text, t1."id", $12::text, t1."name") as _j
                  from pgrst_affected t1) pgrst_source) as body, coalesce((select json_agg(json_build_object($13::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
            $1 = Text("3")
            $2 = Text("req-1")
            $3 = Text("user-1")
            $4 = Text("writer")
            $5 = Text("t1")
            $6 = Text("203.0.113.7")
            $7 = Text("public.tags")
            $8 = Text("delete")
            $9 = Text("id")
            $10 = TextArray([])
            $11 = Text("id")
            $12 = Text("name")
            $13 = Text("id")
        "#]],
    );
}

#[test]
fn max_affected_is_checked() {
    check(
        WriteTo::new(Method::Delete, "books", "id=gt.0").max_affected(2),
        expect![[r#"
            with pgrst_affected as (delete
                from "public"."books" as t0
                where t0."id" > cast($1::text as "pg_catalog"."int4") and t0."tenant_id" = cast($2::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, $6::text, cast($7::text as inet), $8::text, $9::text, jsonb_agg(jsonb_build_object($10::text, t0."id")), $11::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check((select count(*)
                    from pgrst_affected) <= cast($12::text as int8), 'GH132', 'Query result exceeds max-affected preference constraint') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($13::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("0")
            $2 = Text("t1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("t1")
            $7 = Text("203.0.113.7")
            $8 = Text("public.books")
            $9 = Text("delete")
            $10 = Text("id")
            $11 = TextArray([])
            $12 = Text("2")
            $13 = Text("id")
        "#]],
    );
}

#[test]
fn a_table_without_primary_key_returns_no_keys() {
    check(
        WriteTo::new(Method::Post, "events", "").body(json!({"what": "x"})),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select r."what" as "what", cast($2::text as "pg_catalog"."text") as "tenant_id"
                from json_to_recordset((select j
                    from pgrst_rows)) as r("what" "pg_catalog"."text")),
            pgrst_affected as (insert into "public"."events" as t0 ("what", "tenant_id") select "what", "tenant_id"
                from pgrst_body
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $3::text, $4::text, $5::text, $6::text, cast($7::text as inet), $8::text, $9::text, '[]'::jsonb, $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($11::text as "pg_catalog"."text")), false)), 'GH130', 'the write would leave rows you cannot read') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, '[]'::text as keys, null::int8 as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"what\":\"x\"}")
            $2 = Text("t1")
            $3 = Text("req-1")
            $4 = Text("user-1")
            $5 = Text("writer")
            $6 = Text("t1")
            $7 = Text("203.0.113.7")
            $8 = Text("public.events")
            $9 = Text("insert")
            $10 = TextArray(["what", "tenant_id"])
            $11 = Text("t1")
        "#]],
    );
}

#[test]
fn an_empty_array_patch_updates_nothing() {
    check(
        WriteTo::new(Method::Patch, "tags", "id=eq.1").body(json!([])),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select
                from json_array_elements((select j
                    from pgrst_rows)) as r
                limit 1),
            pgrst_affected as (select t0.*
                from "public"."tags" t0
                where false),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $2::text, $3::text, $4::text, $5::text, cast($6::text as inet), $7::text, $8::text, jsonb_agg(jsonb_build_object($9::text, t0."id")), $10::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($11::text, t0."id"))
                  from pgrst_affected t0), '[]')::text as keys, null::int8 as inserted
            $1 = Text("[]")
            $2 = Text("req-1")
            $3 = Text("user-1")
            $4 = Text("writer")
            $5 = Text("t1")
            $6 = Text("203.0.113.7")
            $7 = Text("public.tags")
            $8 = Text("update")
            $9 = Text("id")
            $10 = TextArray([])
            $11 = Text("id")
        "#]],
    );
}

#[test]
fn a_merge_with_nothing_to_set_sets_the_key_to_itself() {
    check(
        WriteTo::new(Method::Put, "book_tags", "book_id=eq.1&tag_id=eq.2")
            .body(json!({"book_id": 1, "tag_id": 2})),
        expect![[r#"
            with pgrst_payload as (select $1::text::json as j),
            pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
                from pgrst_payload),
            pgrst_body as (select *
                from (select r."book_id" as "book_id", r."tag_id" as "tag_id", cast($2::text as "pg_catalog"."text") as "tenant_id"
                  from json_to_recordset((select j
                      from pgrst_rows)) as r("book_id" "pg_catalog"."int4", "tag_id" "pg_catalog"."int4")) pgrst_body
                where pgrst_body."book_id" = cast($3::text as "pg_catalog"."int4") and pgrst_body."tag_id" = cast($4::text as "pg_catalog"."int4")),
            pgrst_affected as (insert into "public"."book_tags" as t0 ("book_id", "tag_id", "tenant_id") select "book_id", "tag_id", "tenant_id"
                from pgrst_body
                on conflict ("book_id", "tag_id") do update set "book_id" = excluded."book_id"
                where t0."tenant_id" = cast($5::text as "pg_catalog"."text")
                returning t0.*),
            pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, changed_columns, "values") select $6::text, $7::text, $8::text, $9::text, cast($10::text as inet), $11::text, $12::text, jsonb_agg(jsonb_build_object($13::text, t0."book_id", $14::text, t0."tag_id")), $15::text[], null::jsonb
                from pgrst_affected t0
                having count(*) > 0),
            pgrst_check as (select gatehouse.check(not exists (select 1
                    from pgrst_affected t0
                    where not coalesce((t0."tenant_id" = cast($16::text as "pg_catalog"."text") and (t0."book_id" is null or exists(select 1
                            from "public"."books" t1
                            where t0."book_id" = t1."id" and t1."tenant_id" = cast($17::text as "pg_catalog"."text")))), false)), 'GH130', 'the write would leave rows you cannot read') and gatehouse.check((select count(*)
                    from pgrst_affected) = (select count(*)
                    from pgrst_body), 'GH131', 'a conflicting row is not yours to update') as ok)
            select (select count(*) from pgrst_affected) as page_total, null::text as body, coalesce((select json_agg(json_build_object($18::text, t0."book_id", $19::text, t0."tag_id"))
                  from pgrst_affected t0), '[]')::text as keys, (select count(*)
                from pgrst_affected t0
                where not exists (select 1
                  from "public"."book_tags" t2
                  where t2."book_id" = t0."book_id" and t2."tag_id" = t0."tag_id")) as inserted
              from pgrst_check
              where pgrst_check.ok
            $1 = Text("{\"book_id\":1,\"tag_id\":2}")
            $2 = Text("t1")
            $3 = Text("1")
            $4 = Text("2")
            $5 = Text("t1")
            $6 = Text("req-1")
            $7 = Text("user-1")
            $8 = Text("writer")
            $9 = Text("t1")
            $10 = Text("203.0.113.7")
            $11 = Text("public.book_tags")
            $12 = Text("upsert")
            $13 = Text("book_id")
            $14 = Text("tag_id")
            $15 = TextArray(["book_id", "tag_id", "tenant_id"])
            $16 = Text("t1")
            $17 = Text("t1")
            $18 = Text("book_id")
            $19 = Text("tag_id")
        "#]],
    );
}
