//! Snapshots of rendered statements: SQL (broken into lines for reading, see [`display`]) and
//! parameters. Update with `UPDATE_EXPECT=1 cargo test -p gatehouse-sql --test sql render`.

use expect_test::{Expect, expect};
use sql::{Format, Statement};

use crate::{ADMIN, READER, Who, plan};

/// `GET /<relation>?<query>` by the reader of tenant t1, as JSON.
fn check(relation: &str, query: &str, expect: Expect) {
    check_as(READER, relation, query, None, Format::Json, expect);
}

fn check_as(
    who: Who,
    relation: &str,
    query: &str,
    count: Option<query::Count>,
    format: Format,
    expect: Expect,
) {
    let statement = sql::render_read(&plan(who, relation, query, count), format);
    expect.assert_eq(&display(&statement));
}

/// The SQL with a line break (indented by nesting) before each clause, then the parameters.
/// Only the display is reformatted: the text is checked verbatim by [`verbatim`] and run by the
/// `postgres` tests.
pub(crate) fn display(statement: &Statement) -> String {
    layout(statement, &BREAKS, &[])
}

/// Where [`display`] breaks lines.
pub(crate) const BREAKS: [&str; 6] = [
    " from ",
    " where ",
    " order by ",
    " limit ",
    " left join lateral ",
    " join ",
];

/// The SQL with a line break before each of `breaks` (indented by nesting) and before each of
/// `top` outside parentheses (a word starting with `,` keeps it on the line before), then the
/// parameters.
pub(crate) fn layout(statement: &Statement, breaks: &[&str], top: &[&str]) -> String {
    let sql = &statement.sql;
    let mut out = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < sql.len() {
        let rest = &sql[i..];
        let c = rest.chars().next().unwrap();
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {
                    if depth == 0
                        && let Some(word) = top.iter().find(|w| rest.starts_with(**w))
                    {
                        let word = match word.strip_prefix(',') {
                            Some(word) => {
                                out.push(',');
                                i += 1;
                                word
                            }
                            None => word,
                        };
                        out.push('\n');
                        out.push_str(&word[1..]);
                        i += word.len();
                        continue;
                    }
                    let distinct_from = out.ends_with(" is distinct");
                    if let Some(word) = breaks
                        .iter()
                        .find(|w| rest.starts_with(**w) && !distinct_from)
                    {
                        out.push('\n');
                        out.push_str(&"  ".repeat(depth + 1));
                        out.push_str(&word[1..]);
                        i += word.len();
                        continue;
                    }
                }
            },
        }
        out.push(c);
        i += c.len_utf8();
    }
    for (n, param) in statement.params.iter().enumerate() {
        out.push_str(&format!("\n${} = {param:?}", n + 1));
    }
    out.push('\n');
    out
}

#[test]
fn verbatim() {
    let statement = sql::render_read(&plan(READER, "tags", "select=id", None), Format::Json);
    expect![[r#"with pgrst_source as (select json_build_object($1::text, t0."id") as _j from "public"."tags" t0) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body from pgrst_source"#]]
        .assert_eq(&statement.sql);
}

#[test]
fn star_selects_every_readable_column_with_the_tenant_guard() {
    check(
        "authors",
        "",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, t0."name", $3::text, t0."Display ""Name""", $4::text, t0."born", $5::text, t0."mood", $6::text, t0."tenant_id") as _j
                from "public"."authors" t0
                where t0."tenant_id" = cast($7::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("name")
            $3 = Text("Display \"Name\"")
            $4 = Text("born")
            $5 = Text("mood")
            $6 = Text("tenant_id")
            $7 = Text("t1")
        "#]],
    );
}

#[test]
fn renames_casts_and_json_paths() {
    check(
        "books",
        "select=id,label:title,price::text,data->a->>b,first:data->list->0,meta->>k",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, t0."title", $3::text, cast(t0."price" as text), $4::text, (t0."data" -> $5::text ->> $6::text), $7::text, (t0."data" -> $8::text -> cast($9::text as int4)), $10::text, (t0."meta" ->> $11::text)) as _j
                from "public"."books" t0
                where t0."tenant_id" = cast($12::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("label")
            $3 = Text("price")
            $4 = Text("b")
            $5 = Text("a")
            $6 = Text("b")
            $7 = Text("first")
            $8 = Text("list")
            $9 = Text("0")
            $10 = Text("k")
            $11 = Text("k")
            $12 = Text("t1")
        "#]],
    );
}

#[test]
fn comparison_operators_cast_the_operand_to_the_column_type() {
    check(
        "books",
        "select=id&id=eq.1&price=gt.1.5&pages=gte.10&pages=lt.500&pages=lte.400&title=neq.x&published=isdistinct.false",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."id" = cast($2::text as "pg_catalog"."int4") and t0."price" > cast($3::text as "pg_catalog"."numeric") and t0."pages" >= cast($4::text as "pg_catalog"."int4") and t0."pages" < cast($5::text as "pg_catalog"."int4") and t0."pages" <= cast($6::text as "pg_catalog"."int4") and t0."title" <> cast($7::text as "pg_catalog"."text") and t0."published" is distinct from cast($8::text as "pg_catalog"."bool") and t0."tenant_id" = cast($9::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("1")
            $3 = Text("1.5")
            $4 = Text("10")
            $5 = Text("500")
            $6 = Text("400")
            $7 = Text("x")
            $8 = Text("false")
            $9 = Text("t1")
        "#]],
    );
}

#[test]
fn pattern_operators_compare_as_text() {
    check(
        "books",
        "select=id&title=like.*a*&title=ilike.C*&pages=match.^1&title=imatch.^c",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."title" like $2::text and t0."title" ilike $3::text and t0."pages"::text ~ $4::text and t0."title" ~* $5::text and t0."tenant_id" = cast($6::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("%a%")
            $3 = Text("C%")
            $4 = Text("^1")
            $5 = Text("^c")
            $6 = Text("t1")
        "#]],
    );
}

#[test]
fn in_lists_and_quantifiers_cast_each_element() {
    check(
        "books",
        "select=id&id=in.(1,2,3)&pages=eq(any).{120,300}&title=like(all).{*a*,*s}&id=not.in.()",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."id" = any(array(select cast(_v as "pg_catalog"."int4")
                    from unnest($2::text[]) _v)) and t0."pages" = any(array(select cast(_v as "pg_catalog"."int4")
                    from unnest(cast($3::text as text[])) _v)) and t0."title" like all(array(select cast(_v as text)
                    from unnest(cast($4::text as text[])) _v)) and not (false) and t0."tenant_id" = cast($5::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = TextArray(["1", "2", "3"])
            $3 = Text("{120,300}")
            $4 = Text("{%a%,%s}")
            $5 = Text("t1")
        "#]],
    );
}

#[test]
fn is_and_negation() {
    check(
        "books",
        "select=id&price=is.null&published=not.is.true&pages=is.not_null&published=is.unknown&published=is.false",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."price" is null and not (t0."published" is true) and t0."pages" is not null and t0."published" is unknown and t0."published" is false and t0."tenant_id" = cast($2::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("t1")
        "#]],
    );
}

#[test]
fn full_text_search() {
    check(
        "books",
        "select=id&search=fts(english).cat&body=plfts.fat cats&search=phfts(english).cats and dogs&body=wfts.fish -water",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."search" @@ to_tsquery(cast($2::text as regconfig), $3::text) and to_tsvector(t0."body") @@ plainto_tsquery($4::text) and t0."search" @@ phraseto_tsquery(cast($5::text as regconfig), $6::text) and to_tsvector(t0."body") @@ websearch_to_tsquery($7::text) and t0."tenant_id" = cast($8::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("english")
            $3 = Text("cat")
            $4 = Text("fat cats")
            $5 = Text("english")
            $6 = Text("cats and dogs")
            $7 = Text("fish -water")
            $8 = Text("t1")
        "#]],
    );
}

#[test]
fn range_and_array_operators() {
    check(
        "books",
        "select=id&tags=cs.{pets}&tags=cd.{pets,cats,dogs}&tags=ov.{cats}&period=sl.[50,60)&period=sr.[0,1)&period=nxl.[0,3)&period=nxr.[0,100)&period=adj.[10,20)&data=cs.{\"n\":1}",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."tags" @> cast($2::text as "pg_catalog"."_text") and t0."tags" <@ cast($3::text as "pg_catalog"."_text") and t0."tags" && cast($4::text as "pg_catalog"."_text") and t0."period" << cast($5::text as "pg_catalog"."int4range") and t0."period" >> cast($6::text as "pg_catalog"."int4range") and t0."period" &> cast($7::text as "pg_catalog"."int4range") and t0."period" &< cast($8::text as "pg_catalog"."int4range") and t0."period" -|- cast($9::text as "pg_catalog"."int4range") and t0."data" @> cast($10::text as "pg_catalog"."jsonb") and t0."tenant_id" = cast($11::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("{pets}")
            $3 = Text("{pets,cats,dogs}")
            $4 = Text("{cats}")
            $5 = Text("[50,60)")
            $6 = Text("[0,1)")
            $7 = Text("[0,3)")
            $8 = Text("[0,100)")
            $9 = Text("[10,20)")
            $10 = Text("{\"n\":1}")
            $11 = Text("t1")
        "#]],
    );
}

#[test]
fn json_path_filters() {
    check(
        "books",
        "select=id&data->a->>b=eq.x&data->n=eq.1&meta->arr->0=eq.\"p\"&order=data->n.desc",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where (t0."data" -> $2::text ->> $3::text) = cast($4::text as text) and (t0."data" -> $5::text)::jsonb = cast($6::text as jsonb) and (t0."meta" -> $7::text -> cast($8::text as int4))::jsonb = cast($9::text as jsonb) and t0."tenant_id" = cast($10::text as "pg_catalog"."text")
                order by (t0."data" -> $11::text)::jsonb desc) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("a")
            $3 = Text("b")
            $4 = Text("x")
            $5 = Text("n")
            $6 = Text("1")
            $7 = Text("arr")
            $8 = Text("0")
            $9 = Text("\"p\"")
            $10 = Text("t1")
            $11 = Text("n")
        "#]],
    );
}

#[test]
fn logic_trees() {
    check(
        "books",
        "select=id&or=(id.eq.1,and(pages.gt.100,title.not.like.D*))&not.and=(id.eq.3,price.is.null)",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where (t0."id" = cast($2::text as "pg_catalog"."int4") or (t0."pages" > cast($3::text as "pg_catalog"."int4") and not (t0."title" like $4::text))) and not (t0."id" = cast($5::text as "pg_catalog"."int4") and t0."price" is null) and t0."tenant_id" = cast($6::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("1")
            $3 = Text("100")
            $4 = Text("D%")
            $5 = Text("3")
            $6 = Text("t1")
        "#]],
    );
}

#[test]
fn order_limit_offset() {
    check(
        "books",
        "select=id&order=price.desc.nullslast,title.asc,id.nullsfirst&limit=2&offset=1",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."tenant_id" = cast($2::text as "pg_catalog"."text")
                order by t0."price" desc nulls last, t0."title" asc, t0."id" nulls first
                limit cast($3::text as int8) offset cast($4::text as int8)) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("t1")
            $3 = Text("2")
            $4 = Text("1")
        "#]],
    );
}

#[test]
fn exact_count() {
    check_as(
        READER,
        "books",
        "select=id&pages=gt.10&limit=1",
        Some(query::Count::Exact),
        Format::Json,
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."pages" > cast($2::text as "pg_catalog"."int4") and t0."tenant_id" = cast($3::text as "pg_catalog"."text")
                limit cast($4::text as int8)) select (select count(*)
                from "public"."books" t1
                where t1."pages" > cast($5::text as "pg_catalog"."int4") and t1."tenant_id" = cast($6::text as "pg_catalog"."text")) as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("10")
            $3 = Text("t1")
            $4 = Text("1")
            $5 = Text("10")
            $6 = Text("t1")
        "#]],
    );
}

#[test]
fn to_one_and_to_many_embeds() {
    check(
        "authors",
        "select=name,books(title,price),profile:profiles(bio)&books.order=id.desc&books.limit=1&books.price=gt.1",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."name", $2::text, (select coalesce(json_agg(s1._j), '[]')
                    from (select json_build_object($3::text, t1."title", $4::text, t1."price") as _j
                      from "public"."books" t1
                      where t0."id" = t1."author_id" and t1."price" > cast($5::text as "pg_catalog"."numeric") and t1."tenant_id" = cast($6::text as "pg_catalog"."text")
                      order by t1."id" desc
                      limit cast($7::text as int8)) s1), $8::text, (select json_build_object($9::text, t2."bio")
                    from "public"."profiles" t2
                    where t0."id" = t2."author_id" and t2."tenant_id" = cast($10::text as "pg_catalog"."text")
                    limit 1)) as _j
                from "public"."authors" t0
                where t0."tenant_id" = cast($11::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("name")
            $2 = Text("books")
            $3 = Text("title")
            $4 = Text("price")
            $5 = Text("1")
            $6 = Text("t1")
            $7 = Text("1")
            $8 = Text("profile")
            $9 = Text("bio")
            $10 = Text("t1")
            $11 = Text("t1")
        "#]],
    );
}

#[test]
fn order_by_a_to_one_embed_column_sorts_by_what_the_embed_shows() {
    // The subquery is the embed's own: linked, filtered (`authors.mood`) and guarded (tenant).
    check(
        "books",
        "select=id,authors(name)&authors.mood=eq.happy&order=authors(name).desc.nullslast,id",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, (select json_build_object($3::text, t1."name")
                    from "public"."authors" t1
                    where t0."author_id" = t1."id" and t1."mood" = cast($4::text as "public"."mood") and t1."tenant_id" = cast($5::text as "pg_catalog"."text")
                    limit 1)) as _j
                from "public"."books" t0
                where t0."tenant_id" = cast($6::text as "pg_catalog"."text")
                order by (select t2."name"
                  from "public"."authors" t2
                  where t0."author_id" = t2."id" and t2."mood" = cast($7::text as "public"."mood") and t2."tenant_id" = cast($8::text as "pg_catalog"."text")
                  limit 1) desc nulls last, t0."id") select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("authors")
            $3 = Text("name")
            $4 = Text("happy")
            $5 = Text("t1")
            $6 = Text("t1")
            $7 = Text("happy")
            $8 = Text("t1")
        "#]],
    );
    // A to-one embed shown through a spread, or not shown at all, orders too.
    check(
        "books",
        "select=id,...authors(name)&order=authors(born)",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, l1.c0) as _j
                from "public"."books" t0
                left join lateral (select t1."name" as c0
                  from "public"."authors" t1
                  where t0."author_id" = t1."id" and t1."tenant_id" = cast($3::text as "pg_catalog"."text")
                  limit 1) l1 on true
                where t0."tenant_id" = cast($4::text as "pg_catalog"."text")
                order by (select t2."born"
                  from "public"."authors" t2
                  where t0."author_id" = t2."id" and t2."tenant_id" = cast($5::text as "pg_catalog"."text")
                  limit 1)) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("name")
            $3 = Text("t1")
            $4 = Text("t1")
            $5 = Text("t1")
        "#]],
    );
    check(
        "books",
        "select=id,authors()&order=authors(name).desc",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."books" t0
                where t0."tenant_id" = cast($2::text as "pg_catalog"."text")
                order by (select t1."name"
                  from "public"."authors" t1
                  where t0."author_id" = t1."id" and t1."tenant_id" = cast($3::text as "pg_catalog"."text")
                  limit 1) desc) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("t1")
            $3 = Text("t1")
        "#]],
    );
}

#[test]
fn order_by_an_embed_column_is_refused_unless_it_is_a_visible_to_one_embed() {
    use policy::Error as E;
    let refused = |relation, query| crate::refusal(READER, relation, query);
    assert_eq!(
        refused("authors", "select=id,books(id)&order=books(title)"),
        E::RelatedOrderNotToOne {
            parent: "authors".to_owned(),
            relation: "books".to_owned()
        }
    );
    assert_eq!(
        refused("books", "select=id&order=authors(name)"),
        E::NotEmbedded {
            path: "authors".to_owned()
        }
    );
    assert_eq!(
        refused(
            "books",
            "select=id,writer:authors(name)&order=authors(name)"
        ),
        E::NotEmbedded {
            path: "authors".to_owned()
        }
    );
    assert_eq!(
        refused("books", "select=id,authors(name)&order=authors(nope)"),
        E::UnknownColumn {
            relation: "authors".to_owned(),
            column: "nope".to_owned()
        }
    );
}

#[test]
fn null_filters_on_embeds_test_whether_the_embed_shows_a_row() {
    check(
        "books",
        "select=id,authors(name)&authors.mood=eq.happy&authors=not.is.null",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, (select json_build_object($3::text, t1."name")
                    from "public"."authors" t1
                    where t0."author_id" = t1."id" and t1."mood" = cast($4::text as "public"."mood") and t1."tenant_id" = cast($5::text as "pg_catalog"."text")
                    limit 1)) as _j
                from "public"."books" t0
                where exists(select 1
                  from "public"."authors" t2
                  where t0."author_id" = t2."id" and t2."mood" = cast($6::text as "public"."mood") and t2."tenant_id" = cast($7::text as "pg_catalog"."text")) and t0."tenant_id" = cast($8::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("authors")
            $3 = Text("name")
            $4 = Text("happy")
            $5 = Text("t1")
            $6 = Text("happy")
            $7 = Text("t1")
            $8 = Text("t1")
        "#]],
    );
    // To-many, negated, and inside a logic tree next to a column filter.
    check(
        "authors",
        "select=id,books()&or=(books.is.null,id.eq.1)",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."authors" t0
                where (not (exists(select 1
                      from "public"."books" t1
                      where t0."id" = t1."author_id" and t1."tenant_id" = cast($2::text as "pg_catalog"."text"))) or t0."id" = cast($3::text as "pg_catalog"."int4")) and t0."tenant_id" = cast($4::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("t1")
            $3 = Text("1")
            $4 = Text("t1")
        "#]],
    );
}

#[test]
fn many_to_one_embed() {
    check(
        "books",
        "select=title,author:authors(name)",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."title", $2::text, (select json_build_object($3::text, t1."name")
                    from "public"."authors" t1
                    where t0."author_id" = t1."id" and t1."tenant_id" = cast($4::text as "pg_catalog"."text")
                    limit 1)) as _j
                from "public"."books" t0
                where t0."tenant_id" = cast($5::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("title")
            $2 = Text("author")
            $3 = Text("name")
            $4 = Text("t1")
            $5 = Text("t1")
        "#]],
    );
}

#[test]
fn many_to_many_embed_joins_the_junction_with_its_guards() {
    check(
        "books",
        "select=title,tags(name)",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."title", $2::text, (select coalesce(json_agg(s1._j), '[]')
                    from (select json_build_object($3::text, t1."name") as _j
                      from "public"."tags" t1
                      join "public"."book_tags" j1 on j1."tag_id" = t1."id"
                      where t0."id" = j1."book_id" and j1."tenant_id" = cast($4::text as "pg_catalog"."text")) s1)) as _j
                from "public"."books" t0
                where t0."tenant_id" = cast($5::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("title")
            $2 = Text("tags")
            $3 = Text("name")
            $4 = Text("t1")
            $5 = Text("t1")
        "#]],
    );
}

#[test]
fn inner_embed_filters_the_parent() {
    check(
        "authors",
        "select=name,books!inner(title)&books.pages=gt.100",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."name", $2::text, (select coalesce(json_agg(s1._j), '[]')
                    from (select json_build_object($3::text, t1."title") as _j
                      from "public"."books" t1
                      where t0."id" = t1."author_id" and t1."pages" > cast($4::text as "pg_catalog"."int4") and t1."tenant_id" = cast($5::text as "pg_catalog"."text")) s1)) as _j
                from "public"."authors" t0
                where exists(select 1
                  from "public"."books" t2
                  where t0."id" = t2."author_id" and t2."pages" > cast($6::text as "pg_catalog"."int4") and t2."tenant_id" = cast($7::text as "pg_catalog"."text")) and t0."tenant_id" = cast($8::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("name")
            $2 = Text("books")
            $3 = Text("title")
            $4 = Text("100")
            $5 = Text("t1")
            $6 = Text("100")
            $7 = Text("t1")
            $8 = Text("t1")
        "#]],
    );
}

#[test]
fn hidden_embed_only_filters() {
    check(
        "authors",
        "select=name,books!inner()&books.title=eq.Cats",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."name") as _j
                from "public"."authors" t0
                where exists(select 1
                  from "public"."books" t1
                  where t0."id" = t1."author_id" and t1."title" = cast($2::text as "pg_catalog"."text") and t1."tenant_id" = cast($3::text as "pg_catalog"."text")) and t0."tenant_id" = cast($4::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("name")
            $2 = Text("Cats")
            $3 = Text("t1")
            $4 = Text("t1")
        "#]],
    );
}

#[test]
fn spread_embed_merges_the_child_keys() {
    check(
        "books",
        "select=title,...authors(author:name,born,...profiles(bio))",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."title", $2::text, l1.c0, $3::text, l1.c1, $4::text, l1.c2) as _j
                from "public"."books" t0
                left join lateral (select t1."name" as c0, t1."born" as c1, l2.c0 as c2
                  from "public"."authors" t1
                  left join lateral (select t2."bio" as c0
                    from "public"."profiles" t2
                    where t1."id" = t2."author_id" and t2."tenant_id" = cast($5::text as "pg_catalog"."text")
                    limit 1) l2 on true
                  where t0."author_id" = t1."id" and t1."tenant_id" = cast($6::text as "pg_catalog"."text")
                  limit 1) l1 on true
                where t0."tenant_id" = cast($7::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("title")
            $2 = Text("author")
            $3 = Text("born")
            $4 = Text("bio")
            $5 = Text("t1")
            $6 = Text("t1")
            $7 = Text("t1")
        "#]],
    );
}

#[test]
fn masks_for_the_reader() {
    check(
        "customers",
        "select=id,name,email,phone,ssn,status",
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, case when t0."name" is null then null else '***' end, $3::text, (select case when pgrst_m = '' then pgrst_m else left(pgrst_m, 1) || '***' || coalesce(substr(pgrst_m, 1 + nullif(strpos(substr(pgrst_m, 2), '@'), 0)), '') end
                    from (select t0."email"::text as pgrst_m) pgrst_mask), $4::text, (select repeat('*', greatest(length(pgrst_m) - 4, 0)) || right(pgrst_m, 4)
                    from (select t0."phone"::text as pgrst_m) pgrst_mask), $5::text, (select repeat('*', greatest(length(pgrst_m) - 4, 0)) || right(pgrst_m, 4)
                    from (select gatehouse.decrypt(t0."ssn", $6::text[], array[$7::text, $8::text]::text[], $9::text)::text as pgrst_m) pgrst_mask), $10::text, t0."status") as _j
                from "public"."customers" t0
                where t0."tenant_id" = cast($11::text as "pg_catalog"."text") and t0."status" <> cast($12::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("name")
            $3 = Text("email")
            $4 = Text("phone")
            $5 = Text("ssn")
            $6 = TextArray(["new", "old"])
            $7 = Secret(***)
            $8 = Secret(***)
            $9 = Text("old")
            $10 = Text("status")
            $11 = Text("t1")
            $12 = Text("archived")
        "#]],
    );
}

#[test]
fn decryption_for_the_admin() {
    check_as(
        ADMIN,
        "customers",
        "select=id,ssn",
        None,
        Format::Json,
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id", $2::text, gatehouse.decrypt(t0."ssn", $3::text[], array[$4::text, $5::text]::text[], $6::text)) as _j
                from "public"."customers" t0
                where t0."tenant_id" = cast($7::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, coalesce(json_agg(_j), '[]')::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("ssn")
            $3 = TextArray(["new", "old"])
            $4 = Secret(***)
            $5 = Secret(***)
            $6 = Text("old")
            $7 = Text("t1")
        "#]],
    );
}

#[test]
fn more_than_fifty_keys_are_merged_in_chunks() {
    let statement = sql::render_read(&plan(READER, "wide", "", None), Format::Json);
    let text = &statement.sql;
    assert_eq!(text.matches("json_build_object(").count(), 2, "{text}");
    assert!(text.contains("::jsonb || json_build_object("), "{text}");
    assert!(text.contains(")::json as _j"), "{text}");
    assert_eq!(statement.params.len(), 61);
}

#[test]
fn csv_lines_and_header() {
    check_as(
        READER,
        "authors",
        "select=id,name,books(title)",
        None,
        Format::Csv,
        expect![[r#"
            with pgrst_source as (select array_to_string(array(select case when _v is null then '' when _v ~ E'[",\\r\\n]' then '"' || replace(_v, '"', '""') || '"' else _v end
                    from unnest(array[(t0."id")::text, (t0."name")::text, ((select coalesce(json_agg(s1._j), '[]')
                          from (select json_build_object($1::text, t1."title") as _j
                            from "public"."books" t1
                            where t0."id" = t1."author_id" and t1."tenant_id" = cast($2::text as "pg_catalog"."text")) s1))::text]::text[]) with ordinality _f(_v, _n)
                    order by _n), ',') as _line
                from "public"."authors" t0
                where t0."tenant_id" = cast($3::text as "pg_catalog"."text")) select null::int8 as total, count(*) as page_total, array_to_string(array(select case when _v is null then '' when _v ~ E'[",\\r\\n]' then '"' || replace(_v, '"', '""') || '"' else _v end
                  from unnest(array[$4::text, $5::text, $6::text]::text[]) with ordinality _f(_v, _n)
                  order by _n), ',') || coalesce(chr(10) || string_agg(_line, chr(10)), '') as body
              from pgrst_source
            $1 = Text("title")
            $2 = Text("t1")
            $3 = Text("t1")
            $4 = Text("id")
            $5 = Text("name")
            $6 = Text("books")
        "#]],
    );
}

#[test]
fn singular_object() {
    check_as(
        READER,
        "tags",
        "select=id&id=eq.1",
        None,
        Format::Object,
        expect![[r#"
            with pgrst_source as (select json_build_object($1::text, t0."id") as _j
                from "public"."tags" t0
                where t0."id" = cast($2::text as "pg_catalog"."int4")) select null::int8 as total, count(*) as page_total, (json_agg(_j) -> 0)::text as body
              from pgrst_source
            $1 = Text("id")
            $2 = Text("1")
        "#]],
    );
}

#[test]
fn stripped_nulls() {
    let body = |format| {
        let statement = sql::render_read(&plan(READER, "tags", "select=id", None), format);
        let sql = statement.sql;
        let start = sql.find("as page_total, ").unwrap() + "as page_total, ".len();
        sql[start..sql.rfind(" as body").unwrap()].to_owned()
    };
    assert_eq!(
        body(Format::JsonStripNulls),
        "coalesce(json_strip_nulls(json_agg(_j)), '[]')::text"
    );
    assert_eq!(
        body(Format::ObjectStripNulls),
        "json_strip_nulls(json_agg(_j) -> 0)::text"
    );
}
