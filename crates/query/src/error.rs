//! The crate's one error type, and the structured pieces it is made of.
//!
//! Every parse failure carries which parameter failed ([`Param`]), the offending input
//! (truncated, so a hostile request cannot make an error body huge), the column where
//! parsing stopped, and what was wrong ([`Problem`]). [`Error::code`], [`Error::message`] and
//! [`Error::details`] give the three fields of PostgREST's error body; the HTTP status is the
//! api crate's business (`PGRST100` → 400, `PGRST103` → 416, `PGRST122` → 400).

use std::fmt;

/// Longest piece of client input echoed back in a message or detail, in characters.
pub(crate) const ECHO_MAX_CHARS: usize = 100;

/// Why a query string, a `Prefer` header or a `Range` header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A query parameter does not follow the grammar (PostgREST `PGRST100`).
    #[error("{}: {problem}", parse_message(*.param, .input, *.column))]
    Parse {
        /// Which parameter (and which part of it: key or value) failed.
        param: Param,
        /// The text that was being parsed, truncated to 100 characters.
        input: String,
        /// 1-based column (in characters) where parsing stopped.
        column: usize,
        /// What was wrong there.
        problem: Problem,
    },
    /// A parameter that may appear once (`select`, `order`, `limit`, `offset`, `columns`,
    /// `on_conflict`, at one embed level) appeared twice (`PGRST100`).
    #[error("query parameter {key:?} is given more than once")]
    DuplicateParam {
        /// The key, truncated.
        key: String,
    },
    /// More query parameters than [`crate::ParseOptions::max_params`] (`PGRST100`).
    #[error("more than {max} query parameters")]
    TooManyParams {
        /// The configured cap.
        max: usize,
    },
    /// `limit` is negative, or the `Range` header is inverted or disjoint from
    /// `limit`/`offset` (PostgREST `PGRST103`).
    #[error("Requested range not satisfiable: {0}")]
    Range(RangeError),
    /// `Prefer: handling=strict` together with preferences that are unknown or malformed
    /// (PostgREST `PGRST122`).
    #[error("Invalid preferences given with handling=strict: {}", .invalid.join(", "))]
    InvalidPreferences {
        /// The offending preferences, each truncated, in header order.
        invalid: Vec<String>,
    },
}

impl Error {
    /// PostgREST's error code for this error (`PGRST100`, `PGRST103` or `PGRST122`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Parse { .. } | Error::DuplicateParam { .. } | Error::TooManyParams { .. } => {
                "PGRST100"
            }
            Error::Range(_) => "PGRST103",
            Error::InvalidPreferences { .. } => "PGRST122",
        }
    }

    /// The `message` field of the error body, as PostgREST words it.
    pub fn message(&self) -> String {
        match self {
            Error::Parse {
                param,
                input,
                column,
                ..
            } => parse_message(*param, input, *column),
            Error::DuplicateParam { .. } | Error::TooManyParams { .. } => {
                "failed to parse query string".to_owned()
            }
            Error::Range(_) => "Requested range not satisfiable".to_owned(),
            Error::InvalidPreferences { .. } => {
                "Invalid preferences given with handling=strict".to_owned()
            }
        }
    }

    /// The `details` field of the error body.
    pub fn details(&self) -> String {
        match self {
            Error::Parse { problem, .. } => problem.to_string(),
            Error::DuplicateParam { key } => {
                format!("query parameter \"{key}\" is given more than once")
            }
            Error::TooManyParams { max } => format!("more than {max} query parameters"),
            Error::Range(range) => range.to_string(),
            Error::InvalidPreferences { invalid } => {
                format!("Invalid preferences: {}", invalid.join(", "))
            }
        }
    }
}

fn parse_message(param: Param, input: &str, column: usize) -> String {
    format!(
        "\"failed to parse {} ({input})\" (line 1, column {column})",
        param.what()
    )
}

/// Which query parameter, or which half of a `key=value` pair, a parse error is about.
/// Each names PostgREST's wording in the message ("failed to parse filter (…)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Param {
    /// The value of `select`: "failed to parse select parameter".
    Select,
    /// The value of a filter (`eq.5`): "failed to parse filter".
    Filter,
    /// The key of a filter, `order`, `limit` or `offset` (`books.pages`): "failed to parse
    /// tree path".
    TreePath,
    /// The value of `or` / `and` (`(a.eq.1,b.eq.2)`): "failed to parse logic tree".
    LogicTree,
    /// The key of `or` / `and` (`books.not.or`): "failed to parse logic path".
    LogicPath,
    /// The value of `order`: "failed to parse order".
    Order,
    /// The value of `limit` (Gatehouse's own wording; PostgREST ignores a bad one).
    Limit,
    /// The value of `offset` (Gatehouse's own wording; PostgREST ignores a bad one).
    Offset,
    /// The value of `columns`: "failed to parse columns parameter".
    Columns,
    /// The value of `on_conflict`: "failed to parse on_conflict parameter".
    OnConflict,
}

impl Param {
    fn what(self) -> &'static str {
        match self {
            Param::Select => "select parameter",
            Param::Filter => "filter",
            Param::TreePath => "tree path",
            Param::LogicTree => "logic tree",
            Param::LogicPath => "logic path",
            Param::Order => "order",
            Param::Limit => "limit parameter",
            Param::Offset => "offset parameter",
            Param::Columns => "columns parameter",
            Param::OnConflict => "on_conflict parameter",
        }
    }
}

/// What went wrong at the error's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A character (or the end of input, `found: None`) that the grammar does not allow there.
    Unexpected {
        /// The character found, `None` at the end of the input.
        found: Option<char>,
        /// What the grammar allows there.
        expected: Expected,
    },
    /// A filter operator that does not exist (`id=noop.5`). The operator is truncated.
    UnknownOperator {
        /// The word found where an operator belongs.
        operator: String,
    },
    /// A word that is not one of the keywords allowed there (`is.nil`, `id.descc`,
    /// `eq(some)`). The word is truncated.
    UnexpectedWord {
        /// The word found.
        word: String,
        /// What the grammar allows there.
        expected: Expected,
    },
    /// An embed with two hints (`rel!a!b(*)`).
    DuplicateHint,
    /// An embed with two join types (`rel!inner!left(*)`).
    DuplicateJoinType,
    /// A JSON array index (`->99999999999`) outside PostgreSQL's `int4`.
    JsonIndexOutOfRange,
    /// `limit` or `offset` that is not an integer.
    NotAnInteger,
    /// `limit` or `offset` above `i64::MAX` (PostgreSQL's `bigint`).
    IntegerTooLarge,
    /// A negative `offset`.
    Negative,
    /// Input longer than [`crate::ParseOptions::max_value_len`] bytes.
    TooLong {
        /// The configured cap, in bytes.
        max: usize,
    },
    /// Embeds, embed paths or logic trees nested deeper than
    /// [`crate::ParseOptions::max_depth`].
    TooDeep {
        /// The configured cap.
        max: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unexpected { found, expected } => {
                match found {
                    Some(c) => write!(f, "unexpected \"{}\"", c.escape_debug())?,
                    None => f.write_str("unexpected end of input")?,
                }
                write!(f, " expecting {expected}")
            }
            Problem::UnknownOperator { operator } => write!(
                f,
                "unknown operator \"{operator}\" expecting \"not\" or operator \
                 (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, \
                 fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)"
            ),
            Problem::UnexpectedWord { word, expected } => {
                write!(f, "unexpected \"{word}\" expecting {expected}")
            }
            Problem::DuplicateHint => {
                f.write_str("an embedded resource takes at most one hint (!fk_name or !column)")
            }
            Problem::DuplicateJoinType => {
                f.write_str("an embedded resource takes at most one of !inner and !left")
            }
            Problem::JsonIndexOutOfRange => {
                f.write_str("JSON array index out of range (a 32-bit integer is expected)")
            }
            Problem::NotAnInteger => f.write_str("not an integer"),
            Problem::IntegerTooLarge => {
                write!(f, "integer too large (at most {})", i64::MAX)
            }
            Problem::Negative => f.write_str("must be greater than or equal to zero"),
            Problem::TooLong { max } => write!(f, "input longer than {max} bytes"),
            Problem::TooDeep { max } => write!(f, "nesting deeper than {max} levels"),
        }
    }
}

/// What the grammar would have accepted where a [`Problem::Unexpected`] occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// A column, relation or alias name (unquoted, or in double quotes).
    FieldName,
    /// A JSON key or array index after `->` / `->>`.
    JsonKey,
    /// The `.` between a field, the operator and the value.
    Delimiter,
    /// A filter operator.
    Operator,
    /// `(`.
    OpenParen,
    /// `)`.
    CloseParen,
    /// The `"` that ends a quoted name or value.
    ClosingQuote,
    /// `,` or `)`.
    CommaOrCloseParen,
    /// `,` or the end of the parameter.
    CommaOrEnd,
    /// What may follow a select item: `::`, `,`, `)` or the end.
    SelectItemEnd,
    /// A filter, `not.`, `and(` or `or(` inside a logic tree.
    Condition,
    /// `asc`, `desc`, `nullsfirst` or `nullslast` after `.` in `order`.
    OrderModifier,
    /// `nullsfirst` or `nullslast`.
    NullsModifier,
    /// `any` or `all` in `eq(any)`.
    Quantifier,
    /// `null`, `not_null`, `true`, `false` or `unknown` after `is.`.
    IsValue,
    /// A type name (after `::`) or a text search configuration (in `fts(…)`).
    Identifier,
    /// What may follow a name in a filter's key: `.`, `->` or the end.
    KeyEnd,
    /// What may follow a name in the key of `order`, `limit`, `offset`, `or`, `and`:
    /// `.` or the end.
    DotOrEnd,
    /// The end of the parameter.
    End,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::FieldName => "field name (* or [a..z0..9_$])",
            Expected::JsonKey => "JSON key or index (any non reserved character different from: .,>())",
            Expected::Delimiter => "delimiter (.)",
            Expected::Operator => "\"not\" or operator (eq, gt, ...)",
            Expected::OpenParen => "\"(\"",
            Expected::CloseParen => "\")\"",
            Expected::ClosingQuote => "closing double quote",
            Expected::CommaOrCloseParen => "\",\" or \")\"",
            Expected::CommaOrEnd => "\",\" or end of input",
            Expected::SelectItemEnd => "\"->\", \"::\", \",\", \")\" or end of input",
            Expected::Condition => {
                "field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)"
            }
            Expected::OrderModifier => "\"asc\", \"desc\", \"nullsfirst\" or \"nullslast\"",
            Expected::NullsModifier => "\"nullsfirst\" or \"nullslast\"",
            Expected::Quantifier => "\"any\" or \"all\"",
            Expected::IsValue => "isVal: (null, not_null, true, false, unknown)",
            Expected::Identifier => "identifier ([a..z0..9_$ ])",
            Expected::KeyEnd => "\".\", \"->\" or end of input",
            Expected::DotOrEnd => "\".\" or end of input",
            Expected::End => "end of input",
        })
    }
}

/// Why a row range cannot be satisfied (PostgREST `PGRST103`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RangeError {
    /// `limit=-1`, or a `Range` header disjoint from `limit`/`offset` (PostgREST reports both
    /// with this text).
    #[error("Limit should be greater than or equal to zero.")]
    NegativeLimit,
    /// `Range: 5-2`.
    #[error(
        "The lower boundary must be lower than or equal to the upper boundary in the Range header."
    )]
    LowerGreaterThanUpper,
}

/// Truncates client input for echoing in an error.
pub(crate) fn echo(s: &str) -> String {
    let mut chars = s.char_indices();
    match chars.nth(ECHO_MAX_CHARS) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}
