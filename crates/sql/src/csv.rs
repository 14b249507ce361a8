//! CSV lines built by PostgreSQL: each value as text, quoted as RFC 4180 says, joined by `,`.
//!
//! A line is `array_to_string(array(select <quoted _v> from unnest(array[…]::text[]) with
//! ordinality _f(_v, _n) order by _n), ',')`: an array constructor has no argument limit, so
//! any number of columns fits in one expression, and each value is evaluated once.

use crate::output::{self, Field};
use crate::writer::Writer;
use policy::plan::Param;

/// A field as RFC 4180 wants it: quoted (with `"` doubled) when it holds `"`, `,`, CR or LF;
/// `NULL` as an empty field.
/// (`E''`: the same pattern whatever `standard_conforming_strings` says.)
const QUOTED: &str = concat!(
    "case when _v is null then '' ",
    r#"when _v ~ E'[",\\r\\n]' then '"' || replace(_v, '"', '""') || '"' "#,
    "else _v end",
);

/// The header line: the output keys (bound), quoted like values.
pub(crate) fn header(w: &mut Writer, keys: &[&str]) {
    line(w, keys, |w, key| w.param(Param::Text((*key).to_owned())));
}

/// One row's line: each field's value as text (an embed's JSON as its text).
pub(crate) fn row(w: &mut Writer, n: u32, fields: &[Field<'_>]) {
    line(w, fields, |w, field| {
        w.push("(");
        output::value(w, n, &field.value);
        w.push(")::text");
    });
}

fn line<T>(w: &mut Writer, items: &[T], mut each: impl FnMut(&mut Writer, &T)) {
    w.push("array_to_string(array(select ");
    w.push(QUOTED);
    w.push(" from unnest(array[");
    w.join(items, ", ", |w, item| each(w, item));
    w.push("]::text[]) with ordinality _f(_v, _n) order by _n), ',')");
}
