use expect_test::{Expect, expect};
use gatehouse_query::{Request, parse_condition};

use crate::dump;

/// Parses one `key=value` pair through the whole request parser.
fn check(key: &str, value: &str, expect: Expect) {
    let actual = match Request::parse(&[(key, value)]) {
        Ok(req) => {
            assert_eq!(req.filters.len(), 1, "{req:?}");
            let (path, cond) = &req.filters[0];
            let (k, v) = cond.to_pair(path);
            let again = parse_condition(&k, &v)
                .unwrap_or_else(|e| panic!("written form {k:?}={v:?} does not parse: {e}"));
            assert_eq!(&again, &req.filters[0], "written form {k:?}={v:?}");
            dump::request(&req)
                .lines()
                .filter(|l| l.starts_with("where") || l.starts_with("  "))
                .filter(|l| *l != "  *")
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn comparison_operators() {
    check("a", "eq.1", expect![[r#"where "a" eq "1""#]]);
    check("a", "neq.1", expect![[r#"where "a" neq "1""#]]);
    check("a", "gt.1", expect![[r#"where "a" gt "1""#]]);
    check("a", "gte.1", expect![[r#"where "a" gte "1""#]]);
    check("a", "lt.1", expect![[r#"where "a" lt "1""#]]);
    check("a", "lte.1", expect![[r#"where "a" lte "1""#]]);
    check(
        "a",
        "match.^J.*n$",
        expect![[r#"where "a" match "^J.*n$""#]],
    );
    check("a", "imatch.^j", expect![[r#"where "a" imatch "^j""#]]);
    check(
        "a",
        "isdistinct.x",
        expect![[r#"where "a" isdistinct "x""#]],
    );
}

#[test]
fn like_star_becomes_percent() {
    check(
        "name",
        "like.*Jo*n*",
        expect![[r#"where "name" like "%Jo%n%""#]],
    );
    check(
        "name",
        "ilike.%jo_",
        expect![[r#"where "name" ilike "%jo_""#]],
    );
    check(
        "name",
        "like(any).{*a,b*}",
        expect![[r#"where "name" like(any) "{%a,b%}""#]],
    );
}

#[test]
fn the_first_dot_after_the_operator_splits() {
    check("a", "eq.a.b.c", expect![[r#"where "a" eq "a.b.c""#]]);
    check("a", "eq.", expect![[r#"where "a" eq """#]]);
    check("a", r#"eq."a,b""#, expect![[r#"where "a" eq "\"a,b\"""#]]);
    check("a", "eq.(x,y)", expect![[r#"where "a" eq "(x,y)""#]]);
    check("a", "eq. spaced ", expect![[r#"where "a" eq " spaced ""#]]);
}

#[test]
fn quantifiers() {
    check(
        "a",
        "eq(any).{a,b}",
        expect![[r#"where "a" eq(any) "{a,b}""#]],
    );
    check(
        "a",
        "eq(all).{a,b}",
        expect![[r#"where "a" eq(all) "{a,b}""#]],
    );
    check(
        "a",
        "gt(any).{1,2}",
        expect![[r#"where "a" gt(any) "{1,2}""#]],
    );
    check(
        "a",
        "not.ilike(all).{*x*,*y*}",
        expect![[r#"where "a" not ilike(all) "{%x%,%y%}""#]],
    );
    check(
        "a",
        "neq(any).{1,2}",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (neq(any).{1,2})" (line 1, column 4)
        details: unexpected "(" expecting delimiter (.)"#]],
    );
    check(
        "a",
        "eq(some).1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (eq(some).1)" (line 1, column 4)
        details: unexpected "some" expecting "any" or "all""#]],
    );
    check(
        "a",
        "eq().1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (eq().1)" (line 1, column 4)
        details: unexpected ")" expecting "any" or "all""#]],
    );
}

#[test]
fn in_lists() {
    check(
        "id",
        "in.(1,2,3)",
        expect![[r#"where "id" in ["1", "2", "3"]"#]],
    );
    check(
        "name",
        r#"in.("Hebdon,John","Williams,Mary",plain)"#,
        expect![[r#"where "name" in ["Hebdon,John", "Williams,Mary", "plain"]"#]],
    );
    check(
        "name",
        r#"in.("with \"q\" and \\",x)"#,
        expect![[r#"where "name" in ["with \"q\" and \\", "x"]"#]],
    );
    check("id", "in.()", expect![[r#"where "id" in []"#]]);
    check("id", r#"in.("")"#, expect![[r#"where "id" in [""]"#]]);
    check(
        "id",
        "in.( 1, 2 )",
        expect![[r#"where "id" in ["1", " 2 "]"#]],
    );
    check(
        "id",
        r#"in.("a"b,c)"#,
        expect![[r#"where "id" in ["\"a\"b", "c"]"#]],
    );
    check(
        "id",
        "in.(a,,b)",
        expect![[r#"where "id" in ["a", "", "b"]"#]],
    );
    check(
        "id",
        "not.in.(1,2)",
        expect![[r#"where "id" not in ["1", "2"]"#]],
    );
    check(
        "id",
        "in.1,2",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (in.1,2)" (line 1, column 4)
        details: unexpected "1" expecting "(""#]],
    );
    check(
        "id",
        "in.(1,2",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (in.(1,2)" (line 1, column 8)
        details: unexpected end of input expecting "," or ")""#]],
    );
    check(
        "id",
        "in.(1,2)x",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (in.(1,2)x)" (line 1, column 9)
        details: unexpected "x" expecting end of input"#]],
    );
    check(
        "id",
        "in(any).(1)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (in(any).(1))" (line 1, column 3)
        details: unexpected "(" expecting delimiter (.)"#]],
    );
}

#[test]
fn is_values() {
    check("a", "is.null", expect![[r#"where "a" is null"#]]);
    check("a", "is.not_null", expect![[r#"where "a" is not_null"#]]);
    check("a", "is.true", expect![[r#"where "a" is true"#]]);
    check("a", "is.false", expect![[r#"where "a" is false"#]]);
    check("a", "is.unknown", expect![[r#"where "a" is unknown"#]]);
    check("a", "is.NULL", expect![[r#"where "a" is null"#]]);
    check(
        "a",
        "not.is.Not_Null",
        expect![[r#"where "a" not is not_null"#]],
    );
    check(
        "a",
        "is.nil",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (is.nil)" (line 1, column 4)
        details: unexpected "nil" expecting isVal: (null, not_null, true, false, unknown)"#]],
    );
    check(
        "a",
        "is.nullx",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (is.nullx)" (line 1, column 4)
        details: unexpected "nullx" expecting isVal: (null, not_null, true, false, unknown)"#]],
    );
    check(
        "a",
        "is.",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (is.)" (line 1, column 4)
        details: unexpected end of input expecting isVal: (null, not_null, true, false, unknown)"#]],
    );
}

#[test]
fn full_text_search() {
    check("doc", "fts.cat", expect![[r#"where "doc" fts "cat""#]]);
    check(
        "doc",
        "fts(english).cat & dog",
        expect![[r#"where "doc" fts("english") "cat & dog""#]],
    );
    check(
        "doc",
        "plfts.fat cats",
        expect![[r#"where "doc" plfts "fat cats""#]],
    );
    check(
        "doc",
        "phfts(simple).the cat",
        expect![[r#"where "doc" phfts("simple") "the cat""#]],
    );
    check(
        "doc",
        "not.wfts(french).\"chat\" -chien",
        expect![[r#"where "doc" not wfts("french") "\"chat\" -chien""#]],
    );
    check(
        "doc",
        "fts().x",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (fts().x)" (line 1, column 5)
        details: unexpected ")" expecting identifier ([a..z0..9_$ ])"#]],
    );
    check(
        "doc",
        "fts(english.x",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (fts(english.x)" (line 1, column 12)
        details: unexpected "." expecting ")""#]],
    );
}

#[test]
fn range_and_containment_operators() {
    check("a", "cs.{1,2}", expect![[r#"where "a" cs "{1,2}""#]]);
    check("a", "cd.{1,2,3}", expect![[r#"where "a" cd "{1,2,3}""#]]);
    check("a", "ov.[1,5)", expect![[r#"where "a" ov "[1,5)""#]]);
    check("a", "sl.(1,10)", expect![[r#"where "a" sl "(1,10)""#]]);
    check("a", "sr.[1,10]", expect![[r#"where "a" sr "[1,10]""#]]);
    check("a", "nxl.[1,10)", expect![[r#"where "a" nxl "[1,10)""#]]);
    check("a", "nxr.(1,10]", expect![[r#"where "a" nxr "(1,10]""#]]);
    check("a", "adj.[1,2)", expect![[r#"where "a" adj "[1,2)""#]]);
    check(
        "a",
        r#"cs.{"a,b",c}"#,
        expect![[r#"where "a" cs "{\"a,b\",c}""#]],
    );
    check(
        "data",
        r#"cs.{"k":1}"#,
        expect![[r#"where "data" cs "{\"k\":1}""#]],
    );
    check(
        "a",
        "cs(any).{1}",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (cs(any).{1})" (line 1, column 3)
        details: unexpected "(" expecting delimiter (.)"#]],
    );
}

#[test]
fn keys_with_paths() {
    check(
        "data->>a",
        "eq.x",
        expect![[r#"where "data"->>"a" eq "x""#]],
    );
    check(
        "data->a->0",
        "gt.1",
        expect![[r#"where "data"->"a"->[0] gt "1""#]],
    );
    check(
        "books.pages",
        "gt.100",
        expect![[r#"where @["books"] "pages" gt "100""#]],
    );
    check(
        "books.chapters.data->>t",
        "eq.x",
        expect![[r#"where @["books", "chapters"] "data"->>"t" eq "x""#]],
    );
    check(
        r#""information.cpe""#,
        "like.*MS*",
        expect![[r#"where "information.cpe" like "%MS%""#]],
    );
    check(
        r#"books."order""#,
        "eq.1",
        expect![[r#"where @["books"] "order" eq "1""#]],
    );
    check(
        "first name",
        "eq.x",
        expect![[r#"where "first name" eq "x""#]],
    );
    check("data->0 ", "eq.1", expect![[r#"where "data"->[0] eq "1""#]]);
    check("not", "eq.1", expect![[r#"where "not" eq "1""#]]);
}

#[test]
fn errors() {
    check(
        "a",
        "noop.0",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (noop.0)" (line 1, column 1)
        details: unknown operator "noop" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
    check(
        "a",
        "val",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (val)" (line 1, column 1)
        details: unknown operator "val" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
    check(
        "a",
        "",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter ()" (line 1, column 1)
        details: unexpected end of input expecting "not" or operator (eq, gt, ...)"#]],
    );
    check(
        "a",
        "eq",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (eq)" (line 1, column 3)
        details: unexpected end of input expecting delimiter (.)"#]],
    );
    check(
        "a",
        "eq1.5",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (eq1.5)" (line 1, column 3)
        details: unexpected "1" expecting delimiter (.)"#]],
    );
    check(
        "a",
        "EQ.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (EQ.1)" (line 1, column 1)
        details: unknown operator "EQ" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
    check(
        "a",
        "not.not.eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (not.not.eq.1)" (line 1, column 5)
        details: unknown operator "not" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
    check(
        "a",
        "not.",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (not.)" (line 1, column 5)
        details: unexpected end of input expecting "not" or operator (eq, gt, ...)"#]],
    );
    check(
        "a..b",
        "eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path (a..b)" (line 1, column 3)
        details: unexpected "." expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        "",
        "eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path ()" (line 1, column 1)
        details: unexpected end of input expecting field name (* or [a..z0..9_$])"#]],
    );
    check(
        "data->",
        "eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path (data->)" (line 1, column 7)
        details: unexpected end of input expecting JSON key or index (any non reserved character different from: .,>())"#]],
    );
    check(
        "a!b",
        "eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path (a!b)" (line 1, column 2)
        details: unexpected "!" expecting ".", "->" or end of input"#]],
    );
    check(
        "a",
        &format!("{}.1", "x".repeat(500)),
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…)" (line 1, column 1)
        details: unknown operator "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
}

#[test]
fn paths_and_values_are_capped() {
    let path = format!("{}col", "e.".repeat(16));
    assert!(Request::parse(&[(path.as_str(), "eq.1")]).is_ok());
    let deep = format!("{}col", "e.".repeat(17));
    check(
        &deep,
        "eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse tree path (e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.e.col)" (line 1, column 35)
        details: nesting deeper than 16 levels"#]],
    );
    let long = format!("eq.{}", "x".repeat(40_000));
    check(
        "a",
        &long,
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse filter (eq.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…)" (line 1, column 1)
        details: input longer than 32768 bytes"#]],
    );
}
