//! Property: whatever a client writes as a value (filter operands, list elements, JSON keys,
//! output keys, a write's payload values and keys), the SQL text does not change; the value
//! travels as a parameter, intact.

use proptest::prelude::*;
use serde_json::json;
use sql::{Format, Param, Statement};

use crate::{Method, READER, WRITER, WriteTo, plan_of};

/// Renders `GET /books?<pairs>` for the reader, or `None` when the grammar refuses the pairs.
fn render<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Option<Statement> {
    let request = query::Request::parse(pairs).ok()?;
    Some(sql::render_read(
        &plan_of(READER, "books", &request, None),
        Format::Json,
    ))
}

/// `"…"` with `"` and `\` escaped: the grammar's quoting of names, keys and list elements.
fn quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn contains(params: &[Param], value: &str) -> bool {
    params.iter().any(|param| match param {
        Param::Text(text) | Param::Secret(text) => text == value,
        Param::TextArray(items) => items.iter().any(|item| item == value),
    })
}

/// Hostile text: anything at all, and runs of SQL's and the grammar's special characters.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        r#"(\$[0-9]{1,2}|'|"|;|--|/\*|\*/|\\|\(|\)|,|\.|:|->|E'|\$\$|\x00|\n|ü|𝄞){1,16}"#,
    ]
}

/// The shapes tried: each pair list with `{}` where the value goes, the value written as is or
/// quoted, and the value the parameter must then hold (`like` turns `*` into `%`).
const SHAPES: [(&str, &str, bool); 9] = [
    ("title", "eq.{}", false),
    ("title", "not.eq.{}", false),
    ("title", "like.{}", false),
    ("search", "fts(english).{}", false),
    ("body", "wfts.{}", false),
    ("tags", "cs.{}", false),
    ("id", "in.({},{})", true),
    ("or", "(title.eq.{},id.eq.1)", true),
    ("data->>a", "eq.{}", false),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn filter_values_only_travel_as_parameters(value in hostile(), other in hostile()) {
        for (key, template, quote) in SHAPES {
            let write = |v: &str| {
                let v = if quote { quoted(v) } else { v.to_owned() };
                template.replace("{}", &v)
            };
            let pairs = |v: &str| vec![("select", "id".to_owned()), (key, write(v))];
            let (Some(a), Some(b)) = (render(&pairs(&value)), render(&pairs(&other))) else {
                continue;
            };
            prop_assert_eq!(&a.sql, &b.sql, "the text changed with the value in {} {}", key, template);
            let expected = if template.starts_with("like") { value.replace('*', "%") } else { value.clone() };
            prop_assert!(contains(&a.params, &expected), "{:?} not among {:?}", expected, a.params);
            if value.chars().count() >= 6 {
                prop_assert!(!a.sql.contains(&value));
            }
        }
    }

    #[test]
    fn json_keys_and_output_keys_only_travel_as_parameters(key in hostile(), other in hostile()) {
        let pairs = |k: &str| {
            vec![
                ("select".to_owned(), format!("{}:data->{}->>{},id", quoted(k), quoted(k), quoted(k))),
                (format!("data->>{}", quoted(k)), "eq.1".to_owned()),
            ]
        };
        let (Some(a), Some(b)) = (render(&pairs(&key)), render(&pairs(&other))) else {
            return Ok(());
        };
        prop_assert_eq!(&a.sql, &b.sql);
        prop_assert!(contains(&a.params, &key));
        if key.chars().count() >= 6 {
            prop_assert!(!a.sql.contains(&key));
        }
    }
}

/// The properties above skip what the grammar refuses; make sure that is not everything.
#[test]
fn the_shapes_accept_hostile_values() {
    for value in ["x", r#"a'b";--$1\"#, "𝄞 ) , ( ."] {
        for (key, template, quote) in SHAPES {
            let v = if quote {
                quoted(value)
            } else {
                value.to_owned()
            };
            let pairs = [
                ("select", "id".to_owned()),
                (key, template.replace("{}", &v)),
            ];
            let statement =
                render(&pairs).unwrap_or_else(|| panic!("{key}={template} with {value:?}"));
            assert!(!statement.sql.contains(value) || value == "x");
        }
        let pairs = [
            (
                "select".to_owned(),
                format!(
                    "{}:data->{}->>{},id",
                    quoted(value),
                    quoted(value),
                    quoted(value)
                ),
            ),
            (format!("data->>{}", quoted(value)), "eq.1".to_owned()),
        ];
        assert!(render(&pairs).is_some(), "JSON keys {value:?}");
    }
}

/// The write shapes tried: a method, its query (`columns=` names the written keys, so any
/// other payload key is ignored), and the payload with the value `v` and the key `k` in it.
const WRITES: [(Method, &str); 6] = [
    (Method::Post, "columns=id,title,data"),
    (Method::PostMerge, "columns=id,title,data"),
    (Method::PostIgnore, "columns=id,title,data&select=id,title"),
    (Method::Put, "id=eq.5&columns=id,title,data"),
    (Method::Patch, "id=eq.5&columns=title,data"),
    (
        Method::Patch,
        "title=eq.x&columns=title,data&select=title,data",
    ),
];

fn payload(value: &str, key: &str) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert(key.to_owned(), json!(value));
    object.insert("id".to_owned(), json!(5));
    object.insert("title".to_owned(), json!(value));
    object.insert("data".to_owned(), json!({ key: value, "list": [value] }));
    serde_json::Value::Object(object)
}

/// `method /books?query` with `payload` by the writer.
fn render_write(method: Method, query: &str, payload: serde_json::Value) -> Statement {
    let plan = WriteTo::new(method, "books", query)
        .body(payload)
        .representation()
        .plan(WRITER);
    sql::render_write(&plan, Format::Json)
}

/// The payload parameter, parsed.
fn payload_param(statement: &Statement) -> serde_json::Value {
    match statement.params.first() {
        Some(Param::Text(text)) => serde_json::from_str(text).unwrap(),
        other => panic!("the payload is the first parameter, not {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn payload_values_and_keys_only_travel_as_parameters(
        value in hostile(),
        other in hostile(),
        key in hostile(),
        other_key in hostile(),
    ) {
        for k in [&key, &other_key] {
            prop_assume!(!["id", "title", "data", "list"].contains(&k.as_str()));
        }
        for (method, query) in WRITES {
            let a = render_write(method, query, payload(&value, &key));
            let b = render_write(method, query, payload(&other, &other_key));
            let neutral = render_write(method, query, payload("x", "y"));
            prop_assert_eq!(&a.sql, &b.sql, "the text changed with the payload ({:?} {})", method, query);
            // Nor is either spliced in: whatever of them the text holds, it holds anyway.
            for text in [&value, &key] {
                prop_assert!(!a.sql.contains(text.as_str()) || neutral.sql.contains(text.as_str()));
            }
            // The payload travels whole, once.
            prop_assert_eq!(payload_param(&a), payload(&value, &key));
        }
    }
}

/// The property above must not be vacuous: hostile payloads are accepted by the policy.
#[test]
fn the_write_shapes_accept_hostile_payloads() {
    for (method, query) in WRITES {
        for value in [r#"a'b";--$1\"#, "𝄞 ) , ( .", "\u{0}"] {
            let statement = render_write(method, query, payload(value, value));
            assert!(
                !statement.sql.contains(value),
                "{method:?} {query} {value:?}"
            );
        }
    }
}
