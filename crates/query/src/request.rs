//! The whole query string of a request on one resource: which key is which parameter,
//! and the tree they make together.

use std::collections::HashSet;

use crate::ParseOptions;
use crate::cursor::{Cursor, Failure, Name, PResult, name, write_name};
use crate::error::{Error, Expected, Param, Problem, RangeError, echo};
use crate::field::{Field, json_path};
use crate::filter::{self, Condition, Context, FilterValue, LogicOp};
use crate::order::{self, OrderTerm};
use crate::select::{self, SelectItem};

/// Where a parameter applies: the empty path is the requested resource, `["books"]` the
/// embedded resource `books` (by alias if it has one, else by relation name, as PostgREST
/// matches them), `["books", "pages"]` one level further down.
pub type EmbedPath = Vec<String>;

/// The query string of one request on one resource, parsed.
///
/// Names (columns, relations, aliases, hints, casts) are unresolved strings; values are
/// unparsed [`filter::Value`]s. Nothing here says whether they exist or are allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `select=`. Without a `select` parameter this is `[SelectItem::Star]`; `select=`
    /// with an empty value is `[]` (PostgREST: objects with no keys).
    pub select: Vec<SelectItem>,
    /// Every filter and logic tree, with the embed level it applies to, in query-string
    /// order. All of one level are ANDed.
    pub filters: Vec<(EmbedPath, Condition)>,
    /// `order=` and `books.order=`: at most one entry per path.
    pub order: Vec<(EmbedPath, Vec<OrderTerm>)>,
    /// `limit=`/`offset=` and `books.limit=`/`books.offset=`: at most one entry per path.
    pub limits: Vec<(EmbedPath, Window)>,
    /// `columns=` (inserts and updates): the payload keys to use, in order, without
    /// duplicates.
    pub columns: Option<Vec<String>>,
    /// `on_conflict=` (upserts): the unique columns, in order, without duplicates.
    pub on_conflict: Option<Vec<String>>,
}

/// `limit` and `offset` of one embed level. Both fit in PostgreSQL's `bigint`
/// (at most `i64::MAX`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Window {
    /// `limit=`; `None` for no limit.
    pub limit: Option<u64>,
    /// `offset=`; `None` when not given (same rows as 0, but PostgREST requires an
    /// `order` on a PATCH or DELETE that has either).
    pub offset: Option<u64>,
}

impl Request {
    /// Parses the percent-decoded query-string pairs of a request, in order, with the
    /// default [`ParseOptions`].
    pub fn parse<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<Self, Error> {
        Self::parse_with(pairs, &ParseOptions::default())
    }

    /// [`Request::parse`] with explicit caps.
    pub fn parse_with<K: AsRef<str>, V: AsRef<str>>(
        pairs: &[(K, V)],
        opts: &ParseOptions,
    ) -> Result<Self, Error> {
        if pairs.len() > opts.max_params {
            return Err(Error::TooManyParams {
                max: opts.max_params,
            });
        }
        let mut select = None;
        let mut req = Request {
            select: Vec::new(),
            filters: Vec::new(),
            order: Vec::new(),
            limits: Vec::new(),
            columns: None,
            on_conflict: None,
        };
        let mut seen: HashSet<(&'static str, EmbedPath)> = HashSet::new();
        let mut once = |kind: &'static str, path: &EmbedPath, key: &str| {
            if seen.insert((kind, path.clone())) {
                Ok(())
            } else {
                Err(Error::DuplicateParam { key: echo(key) })
            }
        };
        for (k, v) in pairs {
            let (key, value) = (k.as_ref(), v.as_ref());
            if key.len() > opts.max_value_len {
                return Err(too_long(Param::TreePath, key, opts));
            }
            match key {
                "select" => {
                    once("select", &Vec::new(), key)?;
                    select = Some(select::parse(value, opts)?);
                }
                "columns" => {
                    once("columns", &Vec::new(), key)?;
                    req.columns = Some(column_list(value, Param::Columns, opts)?);
                }
                "on_conflict" => {
                    once("on_conflict", &Vec::new(), key)?;
                    req.on_conflict = Some(column_list(value, Param::OnConflict, opts)?);
                }
                _ => match key.rsplit('.').next().unwrap_or(key) {
                    "order" => {
                        let path = reserved_path(key, opts)?;
                        once("order", &path, key)?;
                        let terms = order::parse(value, opts)?;
                        req.order.push((path, terms));
                    }
                    word @ ("limit" | "offset") => {
                        let path = reserved_path(key, opts)?;
                        let (kind, param) = if word == "limit" {
                            ("limit", Param::Limit)
                        } else {
                            ("offset", Param::Offset)
                        };
                        once(kind, &path, key)?;
                        let n = count(value, param)?;
                        let window = match req.limits.iter_mut().find(|(p, _)| *p == path) {
                            Some((_, w)) => w,
                            None => {
                                req.limits.push((path, Window::default()));
                                let last = req.limits.len() - 1;
                                &mut req.limits[last].1
                            }
                        };
                        if param == Param::Limit {
                            window.limit = Some(n);
                        } else {
                            window.offset = Some(n);
                        }
                    }
                    "and" | "or" => req.filters.push(parse_logic(key, value, opts)?),
                    _ => req.filters.push(parse_filter(key, value, opts)?),
                },
            }
        }
        req.select = select.unwrap_or_else(|| vec![SelectItem::Star]);
        Ok(req)
    }

    /// The conditions on the requested resource itself (path `[]`).
    pub fn root_filters(&self) -> impl Iterator<Item = &Condition> {
        self.filters
            .iter()
            .filter(|(p, _)| p.is_empty())
            .map(|(_, c)| c)
    }

    /// The order terms of one embed level (`&[]` for the resource itself).
    pub fn order_at(&self, path: &[String]) -> Option<&[OrderTerm]> {
        self.order
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_slice())
    }

    /// The window of one embed level (`&[]` for the resource itself).
    pub fn window_at(&self, path: &[String]) -> Option<Window> {
        self.limits.iter().find(|(p, _)| p == path).map(|(_, w)| *w)
    }
}

fn too_long(param: Param, src: &str, opts: &ParseOptions) -> Error {
    Failure {
        pos: 0,
        problem: Problem::TooLong {
            max: opts.max_value_len,
        },
    }
    .into_error(param, src)
}

/// A filter pair `books.data->>a` = `not.eq.x`.
pub(crate) fn parse_filter(
    key: &str,
    value: &str,
    opts: &ParseOptions,
) -> Result<(EmbedPath, Condition), Error> {
    let (path, field) = tree_path(key, opts)?;
    if value.len() > opts.max_value_len {
        return Err(too_long(Param::Filter, value, opts));
    }
    let mut c = Cursor::new(value);
    let (negate, op) = filter::op_expr(&mut c, Context::TopLevel)
        .and_then(|r| c.expect_end(Expected::End).map(|()| r))
        .map_err(|e| e.into_error(Param::Filter, value))?;
    Ok((path, Condition::Filter { field, negate, op }))
}

/// A logic pair `books.not.or` = `(a.eq.1,b.eq.2)`.
pub(crate) fn parse_logic(
    key: &str,
    value: &str,
    opts: &ParseOptions,
) -> Result<(EmbedPath, Condition), Error> {
    let (path, op, negate) = logic_path(key, opts)?;
    if value.len() > opts.max_value_len {
        return Err(too_long(Param::LogicTree, value, opts));
    }
    let mut c = Cursor::new(value);
    let children = filter::children(&mut c, 1, opts.max_depth)
        .and_then(|ch| c.expect_end(Expected::End).map(|()| ch))
        .map_err(|e| e.into_error(Param::LogicTree, value))?;
    Ok((
        path,
        Condition::Logic {
            op,
            negate,
            children,
        },
    ))
}

fn segments(c: &mut Cursor<'_>, max_depth: usize) -> PResult<Vec<Name>> {
    let mut out = vec![name(c)?];
    while c.eat('.') {
        if out.len() > max_depth {
            return Err(c.fail_at(c.pos(), Problem::TooDeep { max: max_depth }));
        }
        out.push(name(c)?);
    }
    Ok(out)
}

/// `a.b.col->json`: the embed path and the field.
fn tree_path(key: &str, opts: &ParseOptions) -> Result<(EmbedPath, Field), Error> {
    let mut c = Cursor::new(key);
    let parsed = segments(&mut c, opts.max_depth).and_then(|mut segs| {
        let json = json_path(&mut c)?;
        c.skip_ws();
        c.expect_end(if json.is_empty() {
            Expected::KeyEnd
        } else {
            Expected::End
        })?;
        let last = segs.pop().map(|n| n.text).unwrap_or_default();
        Ok((
            segs.into_iter().map(|n| n.text).collect(),
            Field {
                column: last,
                json_path: json,
            },
        ))
    });
    parsed.map_err(|e| e.into_error(Param::TreePath, key))
}

/// `a.b.order`: the embed path before the reserved word.
fn reserved_path(key: &str, opts: &ParseOptions) -> Result<EmbedPath, Error> {
    let mut c = Cursor::new(key);
    let parsed = segments(&mut c, opts.max_depth).and_then(|mut segs| {
        c.expect_end(Expected::DotOrEnd)?;
        segs.pop();
        Ok(segs.into_iter().map(|n| n.text).collect())
    });
    parsed.map_err(|e| e.into_error(Param::TreePath, key))
}

/// `a.b.not.or`: the embed path, the operator, and the negation.
fn logic_path(key: &str, opts: &ParseOptions) -> Result<(EmbedPath, LogicOp, bool), Error> {
    let mut c = Cursor::new(key);
    let mut segs = segments(&mut c, opts.max_depth)
        .and_then(|segs| c.expect_end(Expected::DotOrEnd).map(|()| segs))
        .map_err(|e| e.into_error(Param::LogicPath, key))?;
    let op = match segs.pop() {
        Some(n) if n.is_bare("and") => LogicOp::And,
        Some(n) if n.is_bare("or") => LogicOp::Or,
        // The caller dispatches here only for keys ending in `and` / `or`; a quoted last
        // segment such as `"x.or"` fails here.
        _ => {
            return Err(Failure {
                pos: 0,
                problem: Problem::Unexpected {
                    found: key.chars().next(),
                    expected: Expected::Condition,
                },
            }
            .into_error(Param::LogicPath, key));
        }
    };
    let negate = segs.last().is_some_and(|n| n.is_bare("not"));
    if negate {
        segs.pop();
    }
    Ok((segs.into_iter().map(|n| n.text).collect(), op, negate))
}

/// `columns=` / `on_conflict=`: `name, name, …`.
fn column_list(value: &str, param: Param, opts: &ParseOptions) -> Result<Vec<String>, Error> {
    if value.len() > opts.max_value_len {
        return Err(too_long(param, value, opts));
    }
    let mut c = Cursor::new(value);
    let parsed = (|| {
        let mut out: Vec<String> = Vec::new();
        loop {
            c.skip_ws();
            let n = name(&mut c)?.text;
            if !out.contains(&n) {
                out.push(n);
            }
            c.skip_ws();
            if !c.eat(',') {
                c.expect_end(Expected::CommaOrEnd)?;
                return Ok(out);
            }
        }
    })();
    parsed.map_err(|e: Failure| e.into_error(param, value))
}

/// `limit` / `offset`: a non-negative integer up to `i64::MAX`, blanks around allowed.
fn count(value: &str, param: Param) -> Result<u64, Error> {
    let fail = |problem| Failure { pos: 0, problem }.into_error(param, value);
    let t = value.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(Problem::NotAnInteger));
    }
    let n = digits
        .parse::<u64>()
        .ok()
        .filter(|n| i64::try_from(*n).is_ok())
        .ok_or_else(|| fail(Problem::IntegerTooLarge))?;
    if negative && n > 0 {
        return Err(match param {
            Param::Limit => Error::Range(RangeError::NegativeLimit),
            _ => fail(Problem::Negative),
        });
    }
    Ok(n)
}

/// Keys that must be quoted when they stand as a path segment or a column in a key.
const KEY_WORDS: &[&str] = &[
    "select",
    "columns",
    "on_conflict",
    "order",
    "limit",
    "offset",
    "and",
    "or",
    "not",
];

impl Condition {
    /// The query-string pair that expresses this condition at `path`: `("books.title",
    /// "not.eq.x")` or `("books.not.or", "(a.eq.1,b.eq.2)")`. Names are quoted where a
    /// bare name would read differently; parsing the pair gives back `(path, self)`.
    pub fn to_pair(&self, path: &[String]) -> (String, String) {
        struct Key<'a>(&'a [String], &'a Condition);
        impl std::fmt::Display for Key<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                for seg in self.0 {
                    write_name(f, seg, KEY_WORDS)?;
                    f.write_str(".")?;
                }
                match self.1 {
                    Condition::Filter { field, .. } => {
                        write_name(f, &field.column, KEY_WORDS)?;
                        for step in &field.json_path {
                            write!(f, "{step}")?;
                        }
                        Ok(())
                    }
                    Condition::Logic { op, negate, .. } => {
                        if *negate {
                            f.write_str("not.")?;
                        }
                        f.write_str(op.as_str())
                    }
                }
            }
        }
        struct LogicValue<'a>(&'a [Condition]);
        impl std::fmt::Display for LogicValue<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                filter::write_children(f, self.0)
            }
        }
        let key = Key(path, self).to_string();
        let value = match self {
            Condition::Filter { negate, op, .. } => FilterValue {
                negate: *negate,
                op,
            }
            .to_string(),
            Condition::Logic { children, .. } => LogicValue(children).to_string(),
        };
        (key, value)
    }
}
