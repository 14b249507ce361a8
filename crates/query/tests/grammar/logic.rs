use expect_test::{Expect, expect};
use gatehouse_query::{Error, ParseOptions, Problem, Request, parse_condition};

use crate::dump;

fn check(key: &str, value: &str, expect: Expect) {
    let actual = match Request::parse(&[(key, value)]) {
        Ok(req) => {
            assert_eq!(req.filters.len(), 1, "{req:?}");
            let (path, cond) = &req.filters[0];
            let (k, v) = cond.to_pair(path);
            let again = parse_condition(&k, &v)
                .unwrap_or_else(|e| panic!("written form {k:?}={v:?} does not parse: {e}"));
            assert_eq!(&again, &req.filters[0], "written form {k:?}={v:?}");
            let text = dump::request(&req);
            text.lines()
                .skip_while(|l| !l.starts_with("where"))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn or_and_not() {
    check(
        "or",
        "(a.eq.1,b.eq.2)",
        expect![[r#"
        where or
            "a" eq "1"
            "b" eq "2""#]],
    );
    check(
        "and",
        "(a.gte.1,a.lte.9)",
        expect![[r#"
        where and
            "a" gte "1"
            "a" lte "9""#]],
    );
    check(
        "not.or",
        "(a.eq.1,b.eq.2)",
        expect![[r#"
        where not or
            "a" eq "1"
            "b" eq "2""#]],
    );
    check(
        "not.and",
        "(a.eq.1,b.not.eq.2)",
        expect![[r#"
        where not and
            "a" eq "1"
            "b" not eq "2""#]],
    );
    check(
        "or",
        "(a.eq.1)",
        expect![[r#"
        where or
            "a" eq "1""#]],
    );
}

#[test]
fn nesting() {
    check(
        "or",
        "(a.eq.1,and(b.gt.2,c.lt.3))",
        expect![[r#"
        where or
            "a" eq "1"
            and
              "b" gt "2"
              "c" lt "3""#]],
    );
    check(
        "and",
        "(id.gte.1000,or(first_name.eq.John,last_name.eq.Smith))",
        expect![[r#"
        where and
            "id" gte "1000"
            or
              "first_name" eq "John"
              "last_name" eq "Smith""#]],
    );
    check(
        "or",
        "(not.and(a.eq.1,b.eq.2),c.is.null,and(d.eq.4,or(e.eq.5,not.or(f.eq.6))))",
        expect![[r#"
        where or
            not and
              "a" eq "1"
              "b" eq "2"
            "c" is null
            and
              "d" eq "4"
              or
                "e" eq "5"
                not or
                  "f" eq "6""#]],
    );
}

#[test]
fn embedded_trees() {
    check(
        "books.or",
        "(pages.gt.100,title.like.*Rust*)",
        expect![[r#"
        where @["books"] or
            "pages" gt "100"
            "title" like "%Rust%""#]],
    );
    check(
        "books.not.or",
        "(a.eq.1,b.eq.2)",
        expect![[r#"
        where @["books"] not or
            "a" eq "1"
            "b" eq "2""#]],
    );
    check(
        "books.chapters.and",
        "(n.gt.1,n.lt.9)",
        expect![[r#"
        where @["books", "chapters"] and
            "n" gt "1"
            "n" lt "9""#]],
    );
}

#[test]
fn every_operator_inside_a_tree() {
    check(
        "or",
        "(a.neq.1,a.isdistinct.2,a.match.^x,a.imatch.y$,a.like.*a*,a.ilike.b*,a.eq(any).{1,2},a.lt(all).{3})",
        expect![[r#"
            where or
                "a" neq "1"
                "a" isdistinct "2"
                "a" match "^x"
                "a" imatch "y$"
                "a" like "%a%"
                "a" ilike "b%"
                "a" eq(any) "{1,2}"
                "a" lt(all) "{3}""#]],
    );
    check(
        "or",
        "(id.in.(1,2,\"3,4\"),id.not.in.(),id.is.not_null,id.is.TRUE)",
        expect![[r#"
        where or
            "id" in ["1", "2", "3,4"]
            "id" not in []
            "id" is not_null
            "id" is true"#]],
    );
    check(
        "or",
        "(doc.fts(english).cat,doc.plfts.dog,doc.phfts.a b,doc.wfts(simple).c)",
        expect![[r#"
        where or
            "doc" fts("english") "cat"
            "doc" plfts "dog"
            "doc" phfts "a b"
            "doc" wfts("simple") "c""#]],
    );
    check(
        "or",
        r#"(r.cs.{1,2},r.cd.{1},r.ov."[1,2)",r.sl."[1,2]",r.sr.x,r.nxl.y,r.nxr.z,r.adj.w)"#,
        expect![[r#"
        where or
            "r" cs "{1,2}"
            "r" cd "{1}"
            "r" ov "[1,2)"
            "r" sl "[1,2]"
            "r" sr "x"
            "r" nxl "y"
            "r" nxr "z"
            "r" adj "w""#]],
    );
}

#[test]
fn reserved_character_quoting() {
    check(
        "or",
        r#"(name.eq."a,b",name.eq."x)y",name.eq."q\"uote",name.eq."back\\slash")"#,
        expect![[r#"
        where or
            "name" eq "a,b"
            "name" eq "x)y"
            "name" eq "q\"uote"
            "name" eq "back\\slash""#]],
    );
    check(
        "or",
        r#"(name.like."*,*",name.eq."")"#,
        expect![[r#"
        where or
            "name" like "%,%"
            "name" eq """#]],
    );
    check(
        "or",
        r#"(a.eq."x"y,b.eq.z)"#,
        expect![[r#"
        where or
            "a" eq "\"x\"y"
            "b" eq "z""#]],
    );
    check(
        "or",
        r#"(a.eq."unterminated)"#,
        expect![[r#"
        where or
            "a" eq "\"unterminated""#]],
    );
    // An unquoted `(` is kept; the first unquoted `)` closes the tree.
    check(
        "or",
        r#"(a.eq."f(x)",b.eq.g(y)"#,
        expect![[r#"
        where or
            "a" eq "f(x)"
            "b" eq "g(y""#]],
    );
    check(
        "or",
        "(tags.cs.{a,b},tags.ov.{c},tags.eq.{})",
        expect![[r#"
        where or
            "tags" cs "{a,b}"
            "tags" ov "{c}"
            "tags" eq "{}""#]],
    );
}

#[test]
fn json_paths_and_whitespace() {
    check(
        "or",
        "(data->>a.eq.1,data->b->0.gt.2)",
        expect![[r#"
        where or
            "data"->>"a" eq "1"
            "data"->"b"->[0] gt "2""#]],
    );
    check(
        "or",
        "( a.eq.1 , b.eq.2 )",
        expect![[r#"
        where or
            "a" eq "1 "
            "b" eq "2 ""#]],
    );
    check(
        "or",
        "(and.eq.1,not.eq.2,or.is.null,not.not.eq.3)",
        expect![[r#"
        where or
            "and" eq "1"
            "not" eq "2"
            "or" is null
            "not" not eq "3""#]],
    );
    check(
        "or",
        r#"("my.col".eq.1,"a,b"->>"c.d".eq.2)"#,
        expect![[r#"
        where or
            "my.col" eq "1"
            "a,b"->>"c.d" eq "2""#]],
    );
}

#[test]
fn errors() {
    check(
        "or",
        "()",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree (())" (line 1, column 2)
        details: unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)"#]],
    );
    check(
        "or",
        "(a.eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.eq.1)" (line 1, column 8)
        details: unexpected end of input expecting "," or ")""#]],
    );
    check(
        "or",
        "a.eq.1",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree (a.eq.1)" (line 1, column 1)
        details: unexpected "a" expecting "(""#]],
    );
    check(
        "or",
        "(a.eq.1)x",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.eq.1)x)" (line 1, column 9)
        details: unexpected "x" expecting end of input"#]],
    );
    check(
        "or",
        "(a.eqq.1)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.eqq.1))" (line 1, column 4)
        details: unknown operator "eqq" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
    check(
        "or",
        "(id.in.1,2,id.eq.3)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((id.in.1,2,id.eq.3))" (line 1, column 8)
        details: unexpected "1" expecting "(""#]],
    );
    check(
        "or",
        "(a.eq.1,not.xor(b.eq.2))",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.eq.1,not.xor(b.eq.2)))" (line 1, column 13)
        details: unknown operator "xor" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"#]],
    );
    check(
        "and",
        "(ord(id.eq.1,id.eq.1),id.eq.2)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((ord(id.eq.1,id.eq.1),id.eq.2))" (line 1, column 5)
        details: unexpected "(" expecting delimiter (.)"#]],
    );
    check(
        "or",
        "(a.eq.1,)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.eq.1,))" (line 1, column 9)
        details: unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)"#]],
    );
    check(
        "or",
        "(a)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a))" (line 1, column 3)
        details: unexpected ")" expecting delimiter (.)"#]],
    );
    check(
        "or",
        "(a.is.nil)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.is.nil))" (line 1, column 7)
        details: unexpected "nil" expecting isVal: (null, not_null, true, false, unknown)"#]],
    );
    check(
        "or",
        "(a.cs.{1,2}x)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.cs.{1,2}x))" (line 1, column 12)
        details: unexpected "x" expecting "," or ")""#]],
    );
    // `,` and `)` end an unquoted operand: these need double quotes.
    check(
        "or",
        "(a.eq.f(x),b.eq.1)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((a.eq.f(x),b.eq.1))" (line 1, column 11)
        details: unexpected "," expecting end of input"#]],
    );
    check(
        "or",
        "(r.ov.[1,2))",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((r.ov.[1,2)))" (line 1, column 11)
        details: unexpected ")" expecting delimiter (.)"#]],
    );
    check(
        "a..or",
        "(a.eq.1)",
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic path (a..or)" (line 1, column 3)
        details: unexpected "." expecting field name (* or [a..z0..9_$])"#]],
    );
}

#[test]
fn depth_is_capped() {
    let ok = format!("({}a.eq.1{}", "or(".repeat(15), ")".repeat(16));
    assert!(Request::parse(&[("or", ok.as_str())]).is_ok());
    let deep = format!("({}a.eq.1{}", "or(".repeat(16), ")".repeat(17));
    check(
        "or",
        &deep,
        expect![[r#"
        ERROR PGRST100
        message: "failed to parse logic tree ((or(or(or(or(or(or(or(or(or(or(or(or(or(or(or(or(a.eq.1))))))))))))))))))" (line 1, column 49)
        details: nesting deeper than 16 levels"#]],
    );
    // Far beyond the cap: an error, not a stack overflow.
    let too_deep = |r: Result<Request, Error>| {
        matches!(
            r,
            Err(Error::Parse {
                problem: Problem::TooDeep { max: 16 },
                ..
            })
        )
    };
    let hostile = format!("({}", "or(".repeat(10_000));
    assert!(too_deep(Request::parse(&[("or", hostile.as_str())])));
    let hostile = format!("({}", "not.and(".repeat(4_000));
    assert!(too_deep(Request::parse(&[("or", hostile.as_str())])));
    // With the caps raised by the caller, the depth cap still holds the stack.
    let opts = ParseOptions {
        max_value_len: 10_000_000,
        ..ParseOptions::default()
    };
    let hostile = format!("({}", "or(".repeat(1_000_000));
    assert!(too_deep(Request::parse_with(
        &[("or", hostile.as_str())],
        &opts
    )));
}
