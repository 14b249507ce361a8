use expect_test::{Expect, expect};
use gatehouse_query::{Request, parse_order};

use crate::dump;

fn check(key: &str, value: &str, expect: Expect) {
    let actual = match Request::parse(&[(key, value)]) {
        Ok(req) => {
            assert_eq!(req.order.len(), 1, "{req:?}");
            let terms = &req.order[0].1;
            let written = terms
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let again = parse_order(&written)
                .unwrap_or_else(|e| panic!("written form {written:?} does not parse: {e}"));
            assert_eq!(&again, terms, "written form {written:?}");
            let text = dump::request(&req);
            text.lines()
                .filter(|l| l.starts_with("order"))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn terms() {
    check(
        "order",
        "col.desc.nullslast,other,data->>a.asc",
        expect![[r#"order "col" Desc nulls Last, "other", "data"->>"a" Asc"#]],
    );
    check(
        "order",
        "id.asc,id.desc,id.nullsfirst,id.nullslast,id.asc.nullsfirst",
        expect![[
            r#"order "id" Asc, "id" Desc, "id" nulls First, "id" nulls Last, "id" Asc nulls First"#
        ]],
    );
    check(
        "order",
        "data->0.desc,data->'k'",
        expect![[r#"order "data"->[0] Desc, "data"->"'k'""#]],
    );
    check(
        "order",
        " id.desc , name ",
        expect![[r#"order "id" Desc, "name""#]],
    );
    check(
        "order",
        r#""a.b".desc,"x,y""#,
        expect![[r#"order "a.b" Desc, "x,y""#]],
    );
}

#[test]
fn related_terms_and_embedded_levels() {
    check(
        "order",
        "clients(name).desc.nullsfirst,clients(data->key).asc",
        expect![[r#"order "clients"."name" Desc nulls First, "clients"."data"->"key" Asc"#]],
    );
    check(
        "books.order",
        "id.desc",
        expect![[r#"order @["books"] "id" Desc"#]],
    );
    check(
        "books.chapters.order",
        "n",
        expect![[r#"order @["books", "chapters"] "n""#]],
    );
}

#[test]
fn errors() {
    check(
        "order",
        "id.ac",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id.ac)" (line 1, column 4)
        details: unexpected "ac" expecting "asc", "desc", "nullsfirst" or "nullslast""#]],
    );
    check(
        "order",
        "id.descc",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id.descc)" (line 1, column 4)
        details: unexpected "descc" expecting "asc", "desc", "nullsfirst" or "nullslast""#]],
    );
    check(
        "order",
        "id.nulsfist",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id.nulsfist)" (line 1, column 4)
        details: unexpected "nulsfist" expecting "asc", "desc", "nullsfirst" or "nullslast""#]],
    );
    check(
        "order",
        "id.nullslasttt",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id.nullslasttt)" (line 1, column 4)
        details: unexpected "nullslasttt" expecting "asc", "desc", "nullsfirst" or "nullslast""#]],
    );
    check(
        "order",
        "id.asc.nlsfst",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id.asc.nlsfst)" (line 1, column 8)
        details: unexpected "nlsfst" expecting "nullsfirst" or "nullslast""#]],
    );
    check(
        "order",
        "id.desc.asc",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id.desc.asc)" (line 1, column 9)
        details: unexpected "asc" expecting "nullsfirst" or "nullslast""#]],
    );
    check(
        "order",
        "clients(name,id)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (clients(name,id))" (line 1, column 13)
        details: unexpected "," expecting ")""#]],
    );
    check(
        "order",
        "",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order ()" (line 1, column 1)
        details: unexpected end of input expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        "order",
        "id,",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse order (id,)" (line 1, column 4)
        details: unexpected end of input expecting field name (* or [a..z0..9_$])"#]],
    );
    check("order", "id desc", expect![[r#"order "id desc""#]]);
    check(
        "a..order",
        "id",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path (a..order)" (line 1, column 3)
        details: unexpected "." expecting field name (* or [a..z0..9_$])"#]],
    );
}
