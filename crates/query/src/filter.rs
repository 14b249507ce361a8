//! Horizontal filtering: `col=op.value`, `not.`, and the logic trees of `or=(…)` /
//! `and=(…)`.

use std::fmt;

use crate::cursor::{Cursor, PResult, identifier, quoted, write_quoted};
use crate::error::{Expected, Problem, echo};
use crate::field::{Field, field};

/// A condition on rows: one filter, or `and`/`or` over conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `field=[not.]op.value`, or `field.[not.]op.value` inside a logic tree.
    Filter {
        /// The column (with JSON path) the filter applies to.
        field: Field,
        /// `not.` before the operator.
        negate: bool,
        /// The operator and its operand.
        op: Operation,
    },
    /// `[not.]or=(…)`, `[not.]and=(…)`, or `[not.]or(…)` nested in a tree. Never empty.
    Logic {
        /// `and` or `or`.
        op: LogicOp,
        /// `not.` before the operator.
        negate: bool,
        /// The operands, in order; at least one.
        children: Vec<Condition>,
    },
}

/// `and` / `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicOp {
    /// `and`
    And,
    /// `or`
    Or,
}

impl LogicOp {
    /// `and` or `or`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicOp::And => "and",
            LogicOp::Or => "or",
        }
    }
}

/// A filter's operator and operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `eq`, `neq`, `gt`, `gte`, `lt`, `lte`, `like`, `ilike`, `match`, `imatch`,
    /// `isdistinct`, optionally quantified (`eq(any).{a,b}`: only the operators for which
    /// [`CmpOp::takes_quantifier`] holds). With a quantifier the value is a PostgreSQL array
    /// literal, still unparsed.
    ///
    /// For `like` and `ilike` the value is already a SQL pattern: every `*` of the URL has
    /// become `%` (PostgREST's rule; a literal `*` cannot be matched). Nothing else is
    /// rewritten.
    Compare(CmpOp, Option<Quantifier>, Value),
    /// `in.(a,b,"c,d")`: the list's elements, unquoted. `in.()` is the empty list.
    In(Vec<Value>),
    /// `is.null`, `is.not_null`, `is.true`, `is.false`, `is.unknown`.
    Is(IsValue),
    /// `fts`, `plfts`, `phfts`, `wfts`, with an optional text search configuration:
    /// `fts(english).cat & dog`.
    Fts {
        /// Which `to_tsquery` flavour.
        kind: FtsKind,
        /// The configuration in parentheses (`english`), unvalidated.
        language: Option<String>,
        /// The query text.
        query: Value,
    },
    /// `cs`, `cd`, `ov` (arrays, ranges, jsonb) and `sl`, `sr`, `nxl`, `nxr`, `adj`
    /// (ranges). The value is a PostgreSQL literal (`{1,2}`, `[1,5)`), unparsed.
    Range(RangeOp, Value),
}

/// A filter operand exactly as the client sent it (after unquoting where the grammar
/// quotes). Never interpreted here and never SQL: the SQL layer binds it as a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Value(pub String);

impl Value {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value(s.to_owned())
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `eq`: `=`
    Eq,
    /// `neq`: `<>`
    Neq,
    /// `gt`: `>`
    Gt,
    /// `gte`: `>=`
    Gte,
    /// `lt`: `<`
    Lt,
    /// `lte`: `<=`
    Lte,
    /// `like`: `LIKE` (value already uses `%`)
    Like,
    /// `ilike`: `ILIKE` (value already uses `%`)
    ILike,
    /// `match`: `~`
    Match,
    /// `imatch`: `~*`
    IMatch,
    /// `isdistinct`: `IS DISTINCT FROM`
    IsDistinct,
}

impl CmpOp {
    /// The operator as written in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Neq => "neq",
            CmpOp::Gt => "gt",
            CmpOp::Gte => "gte",
            CmpOp::Lt => "lt",
            CmpOp::Lte => "lte",
            CmpOp::Like => "like",
            CmpOp::ILike => "ilike",
            CmpOp::Match => "match",
            CmpOp::IMatch => "imatch",
            CmpOp::IsDistinct => "isdistinct",
        }
    }

    /// Whether `(any)` / `(all)` may follow the operator (PostgREST: all but `neq` and
    /// `isdistinct`).
    pub fn takes_quantifier(self) -> bool {
        !matches!(self, CmpOp::Neq | CmpOp::IsDistinct)
    }
}

/// `(any)` / `(all)` after a comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// `op ANY(array)`
    Any,
    /// `op ALL(array)`
    All,
}

impl Quantifier {
    /// `any` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::Any => "any",
            Quantifier::All => "all",
        }
    }
}

/// The operand of `is`. Matched case-insensitively (`is.NULL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsValue {
    /// `IS NULL`
    Null,
    /// `IS NOT NULL`
    NotNull,
    /// `IS TRUE`
    True,
    /// `IS FALSE`
    False,
    /// `IS UNKNOWN`
    Unknown,
}

impl IsValue {
    /// The operand as written in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            IsValue::Null => "null",
            IsValue::NotNull => "not_null",
            IsValue::True => "true",
            IsValue::False => "false",
            IsValue::Unknown => "unknown",
        }
    }
}

/// Full text search flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FtsKind {
    /// `fts`: `to_tsquery`
    Fts,
    /// `plfts`: `plainto_tsquery`
    Plain,
    /// `phfts`: `phraseto_tsquery`
    Phrase,
    /// `wfts`: `websearch_to_tsquery`
    Websearch,
}

impl FtsKind {
    /// The operator as written in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            FtsKind::Fts => "fts",
            FtsKind::Plain => "plfts",
            FtsKind::Phrase => "phfts",
            FtsKind::Websearch => "wfts",
        }
    }
}

/// Containment, overlap and range operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangeOp {
    /// `cs`: `@>`
    Contains,
    /// `cd`: `<@`
    ContainedIn,
    /// `ov`: `&&`
    Overlaps,
    /// `sl`: `<<`
    StrictlyLeft,
    /// `sr`: `>>`
    StrictlyRight,
    /// `nxl`: `&>` (does not extend to the left of)
    NotExtendsLeft,
    /// `nxr`: `&<` (does not extend to the right of)
    NotExtendsRight,
    /// `adj`: `-|-`
    Adjacent,
}

impl RangeOp {
    /// The operator as written in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            RangeOp::Contains => "cs",
            RangeOp::ContainedIn => "cd",
            RangeOp::Overlaps => "ov",
            RangeOp::StrictlyLeft => "sl",
            RangeOp::StrictlyRight => "sr",
            RangeOp::NotExtendsLeft => "nxl",
            RangeOp::NotExtendsRight => "nxr",
            RangeOp::Adjacent => "adj",
        }
    }
}

/// Where an operand sits, which decides how far it extends and whether it is unquoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// The value of a `col=op.value` pair: the operand is the whole rest, verbatim.
    TopLevel,
    /// Inside `or=(…)`: the operand ends at `,` or `)` unless double-quoted (then
    /// unquoted) or a `{…}` array literal.
    Logic,
}

/// `[not.]op[(modifier)].operand`.
pub(crate) fn op_expr(c: &mut Cursor<'_>, ctx: Context) -> PResult<(bool, Operation)> {
    let negate = c.eat_str("not.");
    let start = c.pos();
    let word = c.take_while(|ch| ch.is_ascii_alphabetic());
    let op = match word {
        "in" => {
            delimiter(c)?;
            Operation::In(list(c)?)
        }
        "is" => {
            delimiter(c)?;
            Operation::Is(is_value(c)?)
        }
        "isdistinct" => {
            delimiter(c)?;
            Operation::Compare(CmpOp::IsDistinct, None, operand(c, ctx))
        }
        "fts" | "plfts" | "phfts" | "wfts" => {
            let kind = match word {
                "fts" => FtsKind::Fts,
                "plfts" => FtsKind::Plain,
                "phfts" => FtsKind::Phrase,
                _ => FtsKind::Websearch,
            };
            let language = if c.eat('(') {
                let lang = identifier(c)?;
                c.expect(')', Expected::CloseParen)?;
                Some(lang)
            } else {
                None
            };
            delimiter(c)?;
            Operation::Fts {
                kind,
                language,
                query: operand(c, ctx),
            }
        }
        "neq" => {
            delimiter(c)?;
            Operation::Compare(CmpOp::Neq, None, operand(c, ctx))
        }
        "cs" | "cd" | "ov" | "sl" | "sr" | "nxl" | "nxr" | "adj" => {
            let op = match word {
                "cs" => RangeOp::Contains,
                "cd" => RangeOp::ContainedIn,
                "ov" => RangeOp::Overlaps,
                "sl" => RangeOp::StrictlyLeft,
                "sr" => RangeOp::StrictlyRight,
                "nxl" => RangeOp::NotExtendsLeft,
                "nxr" => RangeOp::NotExtendsRight,
                _ => RangeOp::Adjacent,
            };
            delimiter(c)?;
            Operation::Range(op, operand(c, ctx))
        }
        "eq" | "gt" | "gte" | "lt" | "lte" | "like" | "ilike" | "match" | "imatch" => {
            let op = match word {
                "eq" => CmpOp::Eq,
                "gt" => CmpOp::Gt,
                "gte" => CmpOp::Gte,
                "lt" => CmpOp::Lt,
                "lte" => CmpOp::Lte,
                "like" => CmpOp::Like,
                "ilike" => CmpOp::ILike,
                "match" => CmpOp::Match,
                _ => CmpOp::IMatch,
            };
            let quantifier = if c.eat('(') {
                let q_start = c.pos();
                let q = match c.take_while(|ch| ch.is_ascii_alphabetic()) {
                    "any" => Quantifier::Any,
                    "all" => Quantifier::All,
                    "" => return Err(c.unexpected(Expected::Quantifier)),
                    other => return Err(unexpected_word(c, q_start, other, Expected::Quantifier)),
                };
                c.expect(')', Expected::CloseParen)?;
                Some(q)
            } else {
                None
            };
            delimiter(c)?;
            let mut value = operand(c, ctx);
            if matches!(op, CmpOp::Like | CmpOp::ILike) {
                value.0 = value.0.replace('*', "%");
            }
            Operation::Compare(op, quantifier, value)
        }
        "" => return Err(c.unexpected(Expected::Operator)),
        other => {
            return Err(c.fail_at(
                start,
                Problem::UnknownOperator {
                    operator: echo(other),
                },
            ));
        }
    };
    Ok((negate, op))
}

/// A word (starting at `start`) that is not a keyword allowed there.
pub(crate) fn unexpected_word(
    c: &Cursor<'_>,
    start: usize,
    word: &str,
    expected: Expected,
) -> crate::cursor::Failure {
    c.fail_at(
        start,
        Problem::UnexpectedWord {
            word: echo(word),
            expected,
        },
    )
}

fn delimiter(c: &mut Cursor<'_>) -> PResult<()> {
    c.expect('.', Expected::Delimiter)
}

fn is_value(c: &mut Cursor<'_>) -> PResult<IsValue> {
    let start = c.pos();
    let word = c.take_while(|ch| ch.is_alphanumeric() || ch == '_');
    Ok(match word.to_ascii_lowercase().as_str() {
        "null" => IsValue::Null,
        "not_null" => IsValue::NotNull,
        "true" => IsValue::True,
        "false" => IsValue::False,
        "unknown" => IsValue::Unknown,
        _ if word.is_empty() => return Err(c.unexpected(Expected::IsValue)),
        _ => return Err(unexpected_word(c, start, word, Expected::IsValue)),
    })
}

fn operand(c: &mut Cursor<'_>, ctx: Context) -> Value {
    match ctx {
        Context::TopLevel => {
            let rest = c.rest();
            c.reset(c.src().len());
            Value(rest.to_owned())
        }
        Context::Logic => {
            let start = c.pos();
            if c.peek() == Some('"') {
                if let Ok(s) = quoted(c)
                    && matches!(c.peek(), None | Some(',' | ')'))
                {
                    return Value(s);
                }
                c.reset(start);
            }
            if c.eat('{') {
                c.take_while(|ch| ch != '{' && ch != '}');
                if c.eat('}') {
                    return Value(c.src()[start..c.pos()].to_owned());
                }
                c.reset(start);
            }
            Value(c.take_while(|ch| ch != ',' && ch != ')').to_owned())
        }
    }
}

/// `(elem,elem,…)`: an element is `"quoted"` (when a `,` or `)` follows the closing quote)
/// or raw text up to `,` / `)`. Blanks after `(` and around `)` are skipped; blanks inside
/// raw elements are kept.
fn list(c: &mut Cursor<'_>) -> PResult<Vec<Value>> {
    c.skip_ws();
    c.expect('(', Expected::OpenParen)?;
    c.skip_ws();
    let mut items = Vec::new();
    if c.eat(')') {
        c.skip_ws();
        return Ok(items);
    }
    loop {
        let start = c.pos();
        let mut item = None;
        if c.peek() == Some('"') {
            if let Ok(s) = quoted(c)
                && matches!(c.peek(), None | Some(',' | ')'))
            {
                item = Some(s);
            } else {
                c.reset(start);
            }
        }
        let item = item.unwrap_or_else(|| c.take_while(|ch| ch != ',' && ch != ')').to_owned());
        items.push(Value(item));
        if c.eat(',') {
            continue;
        }
        c.skip_ws();
        c.expect(')', Expected::CommaOrCloseParen)?;
        c.skip_ws();
        return Ok(items);
    }
}

/// `(cond,cond,…)` of a logic tree at nesting level `depth` (the top-level `or=(…)` is 1).
pub(crate) fn children(
    c: &mut Cursor<'_>,
    depth: usize,
    max_depth: usize,
) -> PResult<Vec<Condition>> {
    c.skip_ws();
    let open = c.pos();
    c.expect('(', Expected::OpenParen)?;
    if depth > max_depth {
        return Err(c.fail_at(open, Problem::TooDeep { max: max_depth }));
    }
    let mut out = Vec::new();
    loop {
        c.skip_ws();
        out.push(condition(c, depth, max_depth)?);
        c.skip_ws();
        if c.eat(',') {
            continue;
        }
        if c.eat(')') {
            c.skip_ws();
            return Ok(out);
        }
        return Err(c.unexpected(Expected::CommaOrCloseParen));
    }
}

/// One element of a logic tree: a filter `field.op.value`, else `[not.]and(…)` /
/// `[not.]or(…)`. On failure, reports whichever attempt got further.
fn condition(c: &mut Cursor<'_>, depth: usize, max_depth: usize) -> PResult<Condition> {
    let start = c.pos();
    let filter_err = match logic_filter(c) {
        Ok(cond) => return Ok(cond),
        Err(e) => e,
    };
    c.reset(start);
    let negate = c.eat_str("not.");
    let op = match c.take_while(|ch| ch.is_ascii_alphabetic()) {
        "and" => LogicOp::And,
        "or" => LogicOp::Or,
        _ => {
            return Err(if filter_err.pos > start {
                filter_err
            } else {
                c.fail_at(
                    start,
                    Problem::Unexpected {
                        found: c.src()[start..].chars().next(),
                        expected: Expected::Condition,
                    },
                )
            });
        }
    };
    match children(c, depth + 1, max_depth) {
        Ok(children) => Ok(Condition::Logic {
            op,
            negate,
            children,
        }),
        Err(e) if filter_err.pos > e.pos => Err(filter_err),
        Err(e) => Err(e),
    }
}

fn logic_filter(c: &mut Cursor<'_>) -> PResult<Condition> {
    let field = field(c)?;
    c.skip_ws();
    delimiter(c)?;
    let (negate, op) = op_expr(c, Context::Logic)?;
    if matches!(c.peek(), Some(',' | ')')) {
        Ok(Condition::Filter { field, negate, op })
    } else {
        Err(c.unexpected(Expected::CommaOrCloseParen))
    }
}

// ---- writing back -------------------------------------------------------------------

/// The value of a top-level filter pair: `Display` writes `[not.]op.value`.
#[derive(Debug, Clone, Copy)]
pub struct FilterValue<'a> {
    /// `not.` before the operator.
    pub negate: bool,
    /// The operation.
    pub op: &'a Operation,
}

impl fmt::Display for FilterValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negate {
            f.write_str("not.")?;
        }
        write_op(f, self.op, Context::TopLevel)
    }
}

impl fmt::Display for Operation {
    /// The operation as in a top-level pair's value (`eq.a,b`), operand verbatim.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_op(f, self, Context::TopLevel)
    }
}

impl fmt::Display for Condition {
    /// The condition as an element of a logic tree (`name.eq."a,b"`,
    /// `not.or(a.gt.1,b.is.null)`), operands quoted where needed. A logic condition is
    /// also the value of an `or`/`and` key once its operator prefix is dropped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Filter { field, negate, op } => {
                write!(f, "{field}.")?;
                if *negate {
                    f.write_str("not.")?;
                }
                write_op(f, op, Context::Logic)
            }
            Condition::Logic {
                op,
                negate,
                children,
            } => {
                if *negate {
                    f.write_str("not.")?;
                }
                f.write_str(op.as_str())?;
                write_children(f, children)
            }
        }
    }
}

/// Writes `(c1,c2,…)`.
pub(crate) fn write_children(f: &mut fmt::Formatter<'_>, children: &[Condition]) -> fmt::Result {
    f.write_str("(")?;
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{child}")?;
    }
    f.write_str(")")
}

fn write_op(f: &mut fmt::Formatter<'_>, op: &Operation, ctx: Context) -> fmt::Result {
    match op {
        Operation::Compare(cmp, quantifier, value) => {
            f.write_str(cmp.as_str())?;
            if let Some(q) = quantifier {
                write!(f, "({})", q.as_str())?;
            }
            f.write_str(".")?;
            write_operand(f, value, ctx)
        }
        Operation::In(values) => {
            f.write_str("in.(")?;
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                let s = v.as_str();
                let needs_quotes = s.is_empty()
                    || s.starts_with([' ', '\t'])
                    || s.ends_with([' ', '\t'])
                    || s.chars().any(|ch| ",()\"\\".contains(ch));
                if needs_quotes {
                    write_quoted(f, s)?;
                } else {
                    f.write_str(s)?;
                }
            }
            f.write_str(")")
        }
        Operation::Is(v) => write!(f, "is.{}", v.as_str()),
        Operation::Fts {
            kind,
            language,
            query,
        } => {
            f.write_str(kind.as_str())?;
            if let Some(lang) = language {
                write!(f, "({lang})")?;
            }
            f.write_str(".")?;
            write_operand(f, query, ctx)
        }
        Operation::Range(op, value) => {
            write!(f, "{}.", op.as_str())?;
            write_operand(f, value, ctx)
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, value: &Value, ctx: Context) -> fmt::Result {
    let s = value.as_str();
    match ctx {
        Context::TopLevel => f.write_str(s),
        Context::Logic => {
            if s.chars().any(|ch| ",()\"\\{}".contains(ch)) {
                write_quoted(f, s)
            } else {
                f.write_str(s)
            }
        }
    }
}
