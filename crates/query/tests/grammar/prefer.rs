use expect_test::{Expect, expect};
use gatehouse_query::Preferences;

use crate::dump;

fn check(headers: &[&str], expect: Expect) {
    let actual = match Preferences::parse(headers.iter().copied()) {
        Ok(p) => dump::preferences(&p),
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn each_preference() {
    check(&["count=exact"], expect!["count=exact"]);
    check(&["count=planned"], expect!["count=planned"]);
    check(&["count=estimated"], expect!["count=estimated"]);
    check(&["return=minimal"], expect!["return=minimal"]);
    check(&["return=headers-only"], expect!["return=headers-only"]);
    check(&["return=representation"], expect!["return=representation"]);
    check(
        &["resolution=merge-duplicates"],
        expect!["resolution=merge-duplicates"],
    );
    check(
        &["resolution=ignore-duplicates"],
        expect!["resolution=ignore-duplicates"],
    );
    check(&["missing=default"], expect!["missing=default"]);
    check(&["missing=null"], expect!["missing=null"]);
    check(&["handling=lenient"], expect!["handling=lenient"]);
    check(&["handling=strict"], expect!["handling=strict"]);
    check(&["tx=commit"], expect!["tx=commit"]);
    check(&["tx=rollback"], expect!["tx=rollback"]);
    check(
        &["timezone=America/Los_Angeles"],
        expect![[r#"timezone="America/Los_Angeles""#]],
    );
    check(&["max-affected=5"], expect!["max-affected=5"]);
    check(&[], expect!["(none)"]);
}

#[test]
fn several_in_one_header_and_several_headers() {
    check(
        &["return=representation, count=exact,resolution=merge-duplicates"],
        expect![[r#"
        count=exact
        return=representation
        resolution=merge-duplicates"#]],
    );
    check(
        &[
            "return=minimal",
            "count=planned",
            "tx=rollback, missing=default",
        ],
        expect![[r#"
        count=planned
        return=minimal
        missing=default
        tx=rollback"#]],
    );
    // The first occurrence wins.
    check(
        &[
            "return=minimal, return=representation",
            "return=headers-only",
        ],
        expect!["return=minimal"],
    );
    // Empty tokens are skipped.
    check(&[" , count=exact,, "], expect!["count=exact"]);
}

#[test]
fn unknown_preferences_are_ignored_unless_strict() {
    check(
        &["handling=lenient, foo, bar"],
        expect![[r#"
        handling=lenient
        invalid=["foo", "bar"]"#]],
    );
    check(
        &["count=sometimes, Count=Exact, max-affected=many, max-affected=-1, return"],
        expect![[
            r#"invalid=["count=sometimes", "Count=Exact", "max-affected=many", "max-affected=-1", "return"]"#
        ]],
    );
    check(
        &["handling=strict, foo, bar"],
        expect![[r#"
        ERROR PGRST122
        message: Invalid preferences given with handling=strict
        details: Invalid preferences: foo, bar"#]],
    );
    check(
        &["foo", "handling=strict"],
        expect![[r#"
        ERROR PGRST122
        message: Invalid preferences given with handling=strict
        details: Invalid preferences: foo"#]],
    );
    check(
        &["handling=strict, max-affected=x"],
        expect![[r#"
        ERROR PGRST122
        message: Invalid preferences given with handling=strict
        details: Invalid preferences: max-affected=x"#]],
    );
    check(
        &["handling=strict, max-affected=10, count=exact"],
        expect![[r#"
        count=exact
        handling=strict
        max-affected=10"#]],
    );
    check(
        &["handling=lenient, handling=strict, foo"],
        expect![[r#"
        handling=lenient
        invalid=["foo"]"#]],
    );
}
