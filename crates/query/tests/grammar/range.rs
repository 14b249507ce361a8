use expect_test::{Expect, expect};
use gatehouse_query::{RowRange, Window};

use crate::dump;

fn check(value: &str, unit: Option<&str>, expect: Expect) {
    let actual = match RowRange::parse(value, unit) {
        Ok(r) => format!("{r:?}"),
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn ranges() {
    check(
        "0-24",
        None,
        expect!["Some(RowRange { first: 0, last: Some(24) })"],
    );
    check(
        "10-",
        None,
        expect!["Some(RowRange { first: 10, last: None })"],
    );
    check(
        " 5-5 ",
        Some("items"),
        expect!["Some(RowRange { first: 5, last: Some(5) })"],
    );
    check(
        "items=0-9",
        Some("Items"),
        expect!["Some(RowRange { first: 0, last: Some(9) })"],
    );
    check(
        "0-99999999999999999999",
        None,
        expect!["Some(RowRange { first: 0, last: None })"],
    );
}

#[test]
fn ignored_ranges() {
    check("0-9", Some("bytes"), expect!["None"]);
    check("abc", None, expect!["None"]);
    check("-5", None, expect!["None"]);
    check("1-2-3", None, expect!["None"]);
    check("a-b", None, expect!["None"]);
    check("99999999999999999999-", None, expect!["None"]);
    check("", None, expect!["None"]);
}

#[test]
fn inverted_range() {
    check(
        "5-2",
        None,
        expect![[r#"
        ERROR PGRST103
        message: Requested range not satisfiable
        details: The lower boundary must be lower than or equal to the upper boundary in the Range header."#]],
    );
}

fn check_window(limit: Option<u64>, offset: Option<u64>, range: &str, expect: Expect) {
    let range = RowRange::parse(range, None)
        .expect("valid range")
        .expect("a range");
    let actual = match (Window { limit, offset }).intersect(range) {
        Ok(w) => format!("{w:?}"),
        Err(e) => dump::error(&e),
    };
    expect.assert_eq(&actual);
}

#[test]
fn range_and_limits_intersect() {
    check_window(
        None,
        None,
        "0-24",
        expect!["Window { limit: Some(25), offset: None }"],
    );
    check_window(
        None,
        None,
        "10-",
        expect!["Window { limit: None, offset: Some(10) }"],
    );
    check_window(
        Some(10),
        None,
        "0-24",
        expect!["Window { limit: Some(10), offset: None }"],
    );
    check_window(
        Some(10),
        Some(5),
        "0-9",
        expect!["Window { limit: Some(5), offset: Some(5) }"],
    );
    check_window(
        Some(100),
        Some(0),
        "20-",
        expect!["Window { limit: Some(80), offset: Some(20) }"],
    );
    check_window(
        Some(0),
        None,
        "5-9",
        expect!["Window { limit: Some(0), offset: None }"],
    );
    check_window(
        None,
        Some(20),
        "0-9",
        expect![[r#"
        ERROR PGRST103
        message: Requested range not satisfiable
        details: Limit should be greater than or equal to zero."#]],
    );
}

#[test]
fn hand_built_extremes_do_not_overflow() {
    let all = RowRange {
        first: 0,
        last: Some(u64::MAX),
    };
    // Saturating arithmetic: this window ends before it starts, which is the range error.
    let w = Window {
        limit: Some(u64::MAX),
        offset: Some(u64::MAX),
    };
    assert!(w.intersect(all).is_err());
    let everything = Window {
        limit: Some(u64::MAX),
        offset: None,
    };
    assert_eq!(everything.intersect(all).ok(), Some(everything));
    assert_eq!(Window::default().intersect(all).ok(), Some(everything));
}
