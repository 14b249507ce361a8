//! A column reference with an optional JSON path: `data->'a'->>0`, written
//! `data->a->>0` in the URL.

use std::fmt;

use crate::cursor::{Cursor, Name, PResult, name, write_name, write_quoted};
use crate::error::{Expected, Problem};

/// A column, possibly followed by JSON steps: `data->a->>b` is column `data` with
/// steps `-> 'a'` and `->> 'b'`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The column name, as written (unresolved).
    pub column: String,
    /// JSON steps applied to the column, in order. Empty for a plain column.
    pub json_path: Vec<JsonStep>,
}

impl Field {
    /// A plain column, no JSON path.
    pub fn column(name: impl Into<String>) -> Self {
        Field {
            column: name.into(),
            json_path: Vec::new(),
        }
    }

    /// Whether the last step is `->>`, so the field is `text` rather than `json`/`jsonb`.
    pub fn is_text_json(&self) -> bool {
        matches!(
            self.json_path.last(),
            Some(JsonStep {
                arrow: JsonArrow::Text,
                ..
            })
        )
    }
}

/// One `->` or `->>` step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonStep {
    /// `->` or `->>`.
    pub arrow: JsonArrow,
    /// The key or array index.
    pub operand: JsonOperand,
}

/// The two JSON access operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonArrow {
    /// `->`: the result is `json`/`jsonb`.
    Json,
    /// `->>`: the result is `text`.
    Text,
}

impl JsonArrow {
    /// `->` or `->>`.
    pub fn as_str(self) -> &'static str {
        match self {
            JsonArrow::Json => "->",
            JsonArrow::Text => "->>",
        }
    }
}

/// What a JSON step selects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JsonOperand {
    /// An object key (`->name`, `->"a.b"`). Bound as `text`.
    Key(String),
    /// An array index (`->0`, `->-1`: negative counts from the end). Bound as `int4`.
    /// A run of digits is an index only where it ends the step (before `->`, `::`, `.`,
    /// `,`, `)` or the end); `->0a` is the key `"0a"`.
    Index(i32),
}

/// Parses a name and its JSON path. Does not skip surrounding whitespace.
pub(crate) fn field(c: &mut Cursor<'_>) -> PResult<Field> {
    let Name { text, .. } = name(c)?;
    Ok(Field {
        column: text,
        json_path: json_path(c)?,
    })
}

pub(crate) fn json_path(c: &mut Cursor<'_>) -> PResult<Vec<JsonStep>> {
    let mut steps = Vec::new();
    loop {
        let arrow = if c.eat_str("->>") {
            JsonArrow::Text
        } else if c.eat_str("->") {
            JsonArrow::Json
        } else {
            return Ok(steps);
        };
        let operand = json_operand(c)?;
        steps.push(JsonStep { arrow, operand });
    }
}

fn json_operand(c: &mut Cursor<'_>) -> PResult<JsonOperand> {
    let start = c.pos();
    c.eat('-');
    let digits = c.take_while(|ch| ch.is_ascii_digit());
    if !digits.is_empty() && at_step_end(c) {
        let text = &c.src()[start..c.pos()];
        return text
            .parse::<i32>()
            .map(JsonOperand::Index)
            .map_err(|_| c.fail_at(start, Problem::JsonIndexOutOfRange));
    }
    c.reset(start);
    if c.peek() == Some('"') {
        return crate::cursor::quoted(c).map(JsonOperand::Key);
    }
    let mut key = String::new();
    loop {
        let word = c.take_while(|ch| !"(-:.,>)".contains(ch)).trim();
        if word.is_empty() {
            return Err(c.unexpected(Expected::JsonKey));
        }
        key.push_str(word);
        if c.peek() == Some('-') && c.peek2() != Some('>') {
            c.bump();
            key.push('-');
        } else {
            return Ok(JsonOperand::Key(key));
        }
    }
}

fn at_step_end(c: &Cursor<'_>) -> bool {
    let rest = c.rest().trim_start_matches([' ', '\t']);
    rest.is_empty()
        || rest.starts_with("->")
        || rest.starts_with("::")
        || rest.starts_with(['.', ',', ')'])
}

impl fmt::Display for Field {
    /// Writes the field in URL grammar, quoting the column and keys where needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, &self.column, &[])?;
        for step in &self.json_path {
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

impl fmt::Display for JsonStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.arrow.as_str())?;
        match &self.operand {
            JsonOperand::Index(i) => write!(f, "{i}"),
            JsonOperand::Key(k) => {
                if key_needs_quotes(k) {
                    write_quoted(f, k)
                } else {
                    f.write_str(k)
                }
            }
        }
    }
}

fn key_needs_quotes(k: &str) -> bool {
    let looks_like_index = {
        let digits = k.strip_prefix('-').unwrap_or(k);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    };
    k.is_empty()
        || looks_like_index
        || k.trim() != k
        || k.starts_with('"')
        || k.chars().any(|c| "(-:.,>)\"\\".contains(c))
}
