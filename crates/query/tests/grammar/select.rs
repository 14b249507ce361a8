use expect_test::{Expect, expect};
use gatehouse_query::{Error, Problem, SelectList, parse_select};

use crate::dump;

fn check(input: &str, expect: Expect) {
    let actual = match parse_select(input) {
        Ok(items) => {
            let written = SelectList(&items).to_string();
            let again = parse_select(&written)
                .unwrap_or_else(|e| panic!("written form {written:?} does not parse: {e}"));
            assert_eq!(again, items, "written form {written:?} parses differently");
            dump::select(&items)
        }
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn columns_aliases_casts() {
    check(
        "id,name",
        expect![[r#"
        field "id"
        field "name"
    "#]],
    );
    check(
        "*",
        expect![[r#"
        *
    "#]],
    );
    check(
        "*,id",
        expect![[r#"
        *
        field "id"
    "#]],
    );
    check(
        "alias:col",
        expect![[r#"
        field "col" as "alias"
    "#]],
    );
    check(
        "col::text",
        expect![[r#"
        field "col" ::"text"
    "#]],
    );
    check(
        "col::character varying",
        expect![[r#"
        field "col" ::"character varying"
    "#]],
    );
    check(
        "alias:col::int4",
        expect![[r#"
        field "col" as "alias" ::"int4"
    "#]],
    );
    check(
        "nic-hdl,a-b-c:x-y",
        expect![[r#"
        field "nic-hdl"
        field "x-y" as "a-b-c"
    "#]],
    );
    check(
        "名前,$x,_y,123",
        expect![[r#"
        field "名前"
        field "$x"
        field "_y"
        field "123"
    "#]],
    );
}

#[test]
fn whitespace_is_allowed_around_items() {
    check(
        " id , name ,  books ( title , isbn ) ",
        expect![[r#"
        field "id"
        field "name"
        embed "books"
          field "title"
          field "isbn"
    "#]],
    );
    check(
        "first name, alias : col :: text",
        expect![[r#"
        field "first name"
        field "col" as "alias" ::"text"
    "#]],
    );
}

#[test]
fn empty_select_selects_nothing() {
    check("", expect![[""]]);
    check(
        "*,clients!inner()",
        expect![[r#"
        *
        embed "clients" inner (nothing)
    "#]],
    );
}

#[test]
fn quoted_names() {
    check(
        r#""my col","a,b":"x.y""#,
        expect![[r#"
        field "my col"
        field "x.y" as "a,b"
    "#]],
    );
    check(
        r#""with \"quote\" and \\ backslash""#,
        expect![[r#"
        field "with \"quote\" and \\ backslash"
    "#]],
    );
    check(
        r#"" padded ":col"#,
        expect![[r#"
        field "col" as " padded "
    "#]],
    );
    check(
        r#""count"(*)"#,
        expect![[r#"
        embed "count"
          *
    "#]],
    );
}

#[test]
fn json_paths() {
    check(
        "data->a->>b",
        expect![[r#"
        field "data"->"a"->>"b"
    "#]],
    );
    check(
        "data->0,data->>-1,data->1->a",
        expect![[r#"
        field "data"->[0]
        field "data"->>[-1]
        field "data"->[1]->"a"
    "#]],
    );
    check(
        r#"data->>"a.b",data->"0",data->0a"#,
        expect![[r#"
        field "data"->>"a.b"
        field "data"->"0"
        field "data"->"0a"
    "#]],
    );
    check(
        "data->!@#$%^&*_a::text",
        expect![[r#"
        field "data"->"!@#$%^&*_a" ::"text"
    "#]],
    );
    check(
        "alias:data->a-b->>c::int",
        expect![[r#"
        field "data"->"a-b"->>"c" as "alias" ::"int"
    "#]],
    );
    check(
        "data->99999999999",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (data->99999999999)" (line 1, column 7)
        details: JSON array index out of range (a 32-bit integer is expected)"#]],
    );
    check(
        "data->>-78xy",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (data->>-78xy)" (line 1, column 8)
        details: unexpected "-" expecting JSON key or index (any non reserved character different from: .,>())"#]],
    );
    check(
        "data->",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (data->)" (line 1, column 7)
        details: unexpected end of input expecting JSON key or index (any non reserved character different from: .,>())"#]],
    );
}

#[test]
fn embeds() {
    check(
        "author:authors(name,books(*))",
        expect![[r#"
        embed "authors" as "author"
          field "name"
          embed "books"
            *
    "#]],
    );
    check(
        "authors!inner(*),publishers!left(*)",
        expect![[r#"
        embed "authors" inner
          *
        embed "publishers" left
          *
    "#]],
    );
    check(
        "authors!fk_name(*)",
        expect![[r#"
        embed "authors" hint "fk_name"
          *
    "#]],
    );
    check(
        "authors!fk_name!inner(*)",
        expect![[r#"
        embed "authors" hint "fk_name" inner
          *
    "#]],
    );
    check(
        "a:authors!inner!author_id(id)",
        expect![[r#"
        embed "authors" as "a" hint "author_id" inner
          field "id"
    "#]],
    );
    check(
        r#"authors!"inner"(*)"#,
        expect![[r#"
        embed "authors" hint "inner"
          *
    "#]],
    );
    check(
        "...publisher(name),...editor!inner(id)",
        expect![[r#"
        embed "publisher" spread
          field "name"
        embed "editor" inner spread
          field "id"
    "#]],
    );
    check(
        "...publisher!fk!left(name)",
        expect![[r#"
        embed "publisher" hint "fk" left spread
          field "name"
    "#]],
    );
}

#[test]
fn aggregates() {
    check(
        "count()",
        expect![[r#"
        count()
    "#]],
    );
    check(
        "n:count()::int",
        expect![[r#"
        count() as "n" ::"int"
    "#]],
    );
    check(
        "amount.sum(),amount::numeric.avg()::int,total:amount.max()",
        expect![[r#"
        field "amount" .sum()
        field "amount" ::"numeric" .avg() ::"int"
        field "amount" as "total" .max()
    "#]],
    );
    check(
        "category,books(count()),price.min()",
        expect![[r#"
        field "category"
        embed "books"
          count()
        field "price" .min()
    "#]],
    );
    check(
        "count",
        expect![[r#"
        field "count"
    "#]],
    );
}

#[test]
fn errors() {
    check(
        "id,",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (id,)" (line 1, column 4)
        details: unexpected end of input expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        ",id",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (,id)" (line 1, column 1)
        details: unexpected "," expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        "id,clients(name[])",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (id,clients(name[]))" (line 1, column 16)
        details: unexpected "[" expecting "->", "::", ",", ")" or end of input"#]],
    );
    check(
        "name!hint",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (name!hint)" (line 1, column 5)
        details: unexpected "!" expecting "->", "::", ",", ")" or end of input"#]],
    );
    check(
        "*!hint",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (*!hint)" (line 1, column 2)
        details: unexpected "!" expecting "->", "::", ",", ")" or end of input"#]],
    );
    check(
        "name::",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (name::)" (line 1, column 7)
        details: unexpected end of input expecting identifier ([a..z0..9_$ ])"#]],
    );
    check(
        "id)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (id))" (line 1, column 3)
        details: unexpected ")" expecting "," or end of input"#]],
    );
    check(
        "rel(id",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (rel(id)" (line 1, column 7)
        details: unexpected end of input expecting "," or ")""#]],
    );
    check(
        r#""abc"#,
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter ("abc)" (line 1, column 5)
        details: unexpected end of input expecting closing double quote"#]],
    );
    check(
        "count(*)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (count(*))" (line 1, column 6)
        details: unexpected "(" expecting "->", "::", ",", ")" or end of input"#]],
    );
    check(
        "alias:...rel(*)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (alias:...rel(*))" (line 1, column 7)
        details: unexpected "." expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        "...ed:editor(id)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (...ed:editor(id))" (line 1, column 6)
        details: unexpected ":" expecting "(""#]],
    );
    check(
        "...rel",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (...rel)" (line 1, column 7)
        details: unexpected end of input expecting "(""#]],
    );
    check(
        "rel!inner!left(*)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (rel!inner!left(*))" (line 1, column 11)
        details: an embedded resource takes at most one of !inner and !left"#]],
    );
    check(
        "rel!a!b(*)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (rel!a!b(*))" (line 1, column 7)
        details: an embedded resource takes at most one hint (!fk_name or !column)"#]],
    );
    check(
        "a:b:c",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (a:b:c)" (line 1, column 4)
        details: unexpected ":" expecting "->", "::", ",", ")" or end of input"#]],
    );
    check(
        "rel->jsonpath(*)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (rel->jsonpath(*))" (line 1, column 14)
        details: unexpected "(" expecting "->", "::", ",", ")" or end of input"#]],
    );
}

#[test]
fn long_input_is_truncated_in_the_message() {
    let long = format!("{}!", "a".repeat(300));
    check(
        &long,
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…)" (line 1, column 301)
        details: unexpected "!" expecting "->", "::", ",", ")" or end of input"#]],
    );
}

#[test]
fn nesting_is_capped() {
    let ok = format!("{}x{}", "r(".repeat(16), ")".repeat(16));
    assert!(parse_select(&ok).is_ok());
    let deep = format!("{}x{}", "r(".repeat(17), ")".repeat(17));
    check(
        &deep,
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (r(r(r(r(r(r(r(r(r(r(r(r(r(r(r(r(r(x))))))))))))))))))" (line 1, column 34)
        details: nesting deeper than 16 levels"#]],
    );
    // Far beyond the cap: an error, not a stack overflow.
    let hostile = "r(".repeat(16_000);
    assert!(matches!(
        parse_select(&hostile),
        Err(Error::Parse {
            problem: Problem::TooDeep { max: 16 },
            ..
        })
    ));
    let too_long = "x,".repeat(20_000);
    check(
        &too_long,
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse select parameter (x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,x,…)" (line 1, column 1)
        details: input longer than 32768 bytes"#]],
    );
}
