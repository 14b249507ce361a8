//! `limit`, `offset`, `columns`, `on_conflict`, key dispatch and whole requests.

use expect_test::{Expect, expect};
use gatehouse_query::{ParseOptions, Request};

use crate::dump;

fn check(pairs: &[(&str, &str)], expect: Expect) {
    let actual = match Request::parse(pairs) {
        Ok(req) => dump::request(&req),
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn limit_and_offset() {
    check(
        &[("limit", "10"), ("offset", "20")],
        expect![[r#"
        select:
          *
        window limit=Some(10) offset=Some(20)
    "#]],
    );
    check(
        &[("offset", "5")],
        expect![[r#"
        select:
          *
        window limit=None offset=Some(5)
    "#]],
    );
    check(
        &[("limit", "0")],
        expect![[r#"
        select:
          *
        window limit=Some(0) offset=None
    "#]],
    );
    check(
        &[("limit", " 5 "), ("offset", "-0")],
        expect![[r#"
        select:
          *
        window limit=Some(5) offset=Some(0)
    "#]],
    );
    check(
        &[
            ("books.limit", "2"),
            ("limit", "1"),
            ("books.offset", "1"),
            ("books.chapters.limit", "3"),
        ],
        expect![[r#"
            select:
              *
            window @["books"] limit=Some(2) offset=Some(1)
            window limit=Some(1) offset=None
            window @["books", "chapters"] limit=Some(3) offset=None
        "#]],
    );
}

#[test]
fn limit_errors() {
    check(
        &[("limit", "abc")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse limit parameter (abc)" (line 1, column 1)
        details: not an integer"#]],
    );
    check(
        &[("limit", "1.5")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse limit parameter (1.5)" (line 1, column 1)
        details: not an integer"#]],
    );
    check(
        &[("limit", "+1")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse limit parameter (+1)" (line 1, column 1)
        details: not an integer"#]],
    );
    check(
        &[("limit", "")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse limit parameter ()" (line 1, column 1)
        details: not an integer"#]],
    );
    check(
        &[("limit", "-1")],
        expect![[r#"
        ERROR PGRST103
        message: Requested range not satisfiable
        details: Limit should be greater than or equal to zero."#]],
    );
    check(
        &[("books.limit", "-5")],
        expect![[r#"
        ERROR PGRST103
        message: Requested range not satisfiable
        details: Limit should be greater than or equal to zero."#]],
    );
    check(
        &[("offset", "-1")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse offset parameter (-1)" (line 1, column 1)
        details: must be greater than or equal to zero"#]],
    );
    check(
        &[("limit", "99999999999999999999")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse limit parameter (99999999999999999999)" (line 1, column 1)
        details: integer too large (at most 9223372036854775807)"#]],
    );
    check(
        &[("limit", "9223372036854775808")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse limit parameter (9223372036854775808)" (line 1, column 1)
        details: integer too large (at most 9223372036854775807)"#]],
    );
    check(
        &[("limit", "9223372036854775807")],
        expect![[r#"
        select:
          *
        window limit=Some(9223372036854775807) offset=None
    "#]],
    );
    check(
        &[("limit", "1"), ("limit", "2")],
        expect![[r#"
        ERROR PGRST100
        message: failed to parse query string
        details: query parameter "limit" is given more than once"#]],
    );
    check(
        &[("books.offset", "1"), ("books.offset", "2")],
        expect![[r#"
        ERROR PGRST100
        message: failed to parse query string
        details: query parameter "books.offset" is given more than once"#]],
    );
}

#[test]
fn columns_and_on_conflict() {
    check(
        &[
            ("columns", "a, b,\"c d\",a"),
            ("on_conflict", "id,tenant_id"),
        ],
        expect![[r#"
        select:
          *
        columns ["a", "b", "c d"]
        on_conflict ["id", "tenant_id"]
    "#]],
    );
    check(
        &[("columns", "")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse columns parameter ()" (line 1, column 1)
        details: unexpected end of input expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        &[("columns", "a,")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse columns parameter (a,)" (line 1, column 3)
        details: unexpected end of input expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        &[("on_conflict", "a b,c")],
        expect![[r#"
        select:
          *
        on_conflict ["a b", "c"]
    "#]],
    );
    check(
        &[("on_conflict", "a->b")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse on_conflict parameter (a->b)" (line 1, column 2)
        details: unexpected "-" expecting "," or end of input"#]],
    );
}

#[test]
fn select_defaults_to_star_and_may_appear_once() {
    check(
        &[],
        expect![[r#"
        select:
          *
    "#]],
    );
    check(
        &[("select", "")],
        expect![[r#"
        select:
    "#]],
    );
    check(
        &[("select", "id"), ("select", "name")],
        expect![[r#"
        ERROR PGRST100
        message: failed to parse query string
        details: query parameter "select" is given more than once"#]],
    );
    check(
        &[("order", "id"), ("order", "name")],
        expect![[r#"
        ERROR PGRST100
        message: failed to parse query string
        details: query parameter "order" is given more than once"#]],
    );
}

#[test]
fn a_whole_request() {
    check(
        &[
            (
                "select",
                "id,title,author:authors!inner(name),books(id,pages)",
            ),
            ("id", "gt.10"),
            ("id", "lt.20"),
            ("or", "(title.ilike.*rust*,title.is.null)"),
            ("books.pages", "gt.100"),
            ("books.or", "(pages.lt.5,pages.gt.500)"),
            ("order", "title.desc.nullslast"),
            ("books.order", "id"),
            ("limit", "25"),
            ("offset", "50"),
            ("books.limit", "2"),
            ("columns", "id,title"),
            ("on_conflict", "id"),
        ],
        expect![[r#"
            select:
              field "id"
              field "title"
              embed "authors" as "author" inner
                field "name"
              embed "books"
                field "id"
                field "pages"
            where "id" gt "10"
            where "id" lt "20"
            where or
                "title" ilike "%rust%"
                "title" is null
            where @["books"] "pages" gt "100"
            where @["books"] or
                "pages" lt "5"
                "pages" gt "500"
            order "title" Desc nulls Last
            order @["books"] "id"
            window limit=Some(25) offset=Some(50)
            window @["books"] limit=Some(2) offset=None
            columns ["id", "title"]
            on_conflict ["id"]
        "#]],
    );
}

#[test]
fn reserved_words_in_keys() {
    // The last dot-separated word decides: these are not filters on `order`/`limit`.
    check(
        &[("books.order", "id.desc"), ("limit.limit", "1")],
        expect![[r#"
        select:
          *
        order @["books"] "id" Desc
        window @["limit"] limit=Some(1) offset=None
    "#]],
    );
    // A quoted last segment is a filter on a column with that name.
    check(
        &[(r#""order""#, "eq.1"), (r#"books."limit""#, "eq.2")],
        expect![[r#"
        select:
          *
        where "order" eq "1"
        where @["books"] "limit" eq "2"
    "#]],
    );
}

#[test]
fn caps() {
    let many: Vec<(String, String)> = (0..300)
        .map(|i| (format!("c{i}"), "eq.1".to_owned()))
        .collect();
    match Request::parse(&many) {
        Err(e) => expect![[r#"
            ERROR PGRST100
            message: failed to parse query string
            details: more than 256 query parameters"#]]
        .assert_eq(&dump::error(&e)),
        Ok(_) => panic!("300 params accepted"),
    }
    let opts = ParseOptions {
        max_params: 1000,
        ..ParseOptions::default()
    };
    assert!(Request::parse_with(&many, &opts).is_ok());
    let long_key = "k".repeat(40_000);
    check(
        &[(long_key.as_str(), "eq.1")],
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path (kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk…)" (line 1, column 1)
        details: input longer than 32768 bytes"#]],
    );
}

#[test]
fn accessors() {
    let req = Request::parse(&[
        ("a", "eq.1"),
        ("books.b", "eq.2"),
        ("books.order", "id"),
        ("books.limit", "3"),
    ])
    .expect("parses");
    assert_eq!(req.root_filters().count(), 1);
    let books = vec!["books".to_owned()];
    assert_eq!(req.order_at(&books).map(<[_]>::len), Some(1));
    assert_eq!(req.order_at(&[]), None);
    assert_eq!(req.window_at(&books).and_then(|w| w.limit), Some(3));
}
