//! `select=`: vertical filtering, renames, casts, JSON paths, aggregates and resource
//! embedding (`author:authors!fk(name,books(*))`, `...publisher(name)`).

use std::fmt;

use crate::ParseOptions;
use crate::cursor::{Cursor, Failure, PResult, identifier, name, write_name};
use crate::error::{Error, Expected, Param, Problem};
use crate::field::{Field, field};

/// One item of a `select` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectItem {
    /// `*`: every column the caller may read.
    Star,
    /// A column, possibly renamed, cast, reached through JSON, or aggregated.
    Field(SelectField),
    /// `count()` (optionally `alias:count()::type`): `count(*)` over the rows.
    Count {
        /// `alias:` before `count()`.
        alias: Option<String>,
        /// `::type` after `count()`.
        cast: Option<String>,
    },
    /// An embedded resource: `alias:relation!hint!inner(…)` or `...relation(…)`.
    Embed(Embed),
}

/// `alias:column->json::type.sum()::type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectField {
    /// `alias:` (the output key); `None` keeps the column name (or the last JSON key).
    pub alias: Option<String>,
    /// The column and its JSON path.
    pub field: Field,
    /// `::type` after the field: a type name, unvalidated (`text`, `character varying`).
    pub cast: Option<String>,
    /// `.sum()` and friends, with their own `::type`.
    pub aggregate: Option<Aggregate>,
}

/// An aggregate applied to a selected field: `amount.sum()::int`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// Which function.
    pub function: AggregateFunction,
    /// `::type` after the call.
    pub cast: Option<String>,
}

/// The aggregate functions PostgREST knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateFunction {
    /// `.avg()`
    Avg,
    /// `.count()`
    Count,
    /// `.max()`
    Max,
    /// `.min()`
    Min,
    /// `.sum()`
    Sum,
}

impl AggregateFunction {
    /// The function's name as written in the URL (and in SQL).
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateFunction::Avg => "avg",
            AggregateFunction::Count => "count",
            AggregateFunction::Max => "max",
            AggregateFunction::Min => "min",
            AggregateFunction::Sum => "sum",
        }
    }

    fn from_word(w: &str) -> Option<Self> {
        Some(match w {
            "avg" => AggregateFunction::Avg,
            "count" => AggregateFunction::Count,
            "max" => AggregateFunction::Max,
            "min" => AggregateFunction::Min,
            "sum" => AggregateFunction::Sum,
            _ => return None,
        })
    }
}

/// An embedded resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// `alias:` before the relation; always `None` for a spread.
    pub alias: Option<String>,
    /// The relation as written: a table or view name, or a foreign key column or
    /// constraint name (PostgREST resolves all three).
    pub relation: String,
    /// `!hint`: a foreign key constraint name or a column, to pick between relationships.
    pub hint: Option<String>,
    /// `!inner` or `!left`; `None` is the default join (left).
    pub join: Option<JoinType>,
    /// `...relation(…)`: the embedded columns are spread into the parent object.
    pub spread: bool,
    /// What to select from the relation. Empty (`relation()`) selects nothing: the embed
    /// then only filters (with `!inner`), and does not appear in the output.
    pub select: Vec<SelectItem>,
}

/// `!inner` / `!left`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinType {
    /// `!inner`: parent rows without a match are dropped.
    Inner,
    /// `!left`: parent rows are kept (the default).
    Left,
}

pub(crate) fn parse(src: &str, opts: &ParseOptions) -> Result<Vec<SelectItem>, Error> {
    if src.len() > opts.max_value_len {
        return Err(Failure {
            pos: 0,
            problem: Problem::TooLong {
                max: opts.max_value_len,
            },
        }
        .into_error(Param::Select, src));
    }
    let mut c = Cursor::new(src);
    let items = forest(&mut c, 0, opts.max_depth)
        .and_then(|items| c.expect_end(Expected::CommaOrEnd).map(|()| items))
        .map_err(|e| e.into_error(Param::Select, src))?;
    Ok(items)
}

/// `item, item, …`, possibly empty. Stops before `)` or the end.
fn forest(c: &mut Cursor<'_>, depth: usize, max_depth: usize) -> PResult<Vec<SelectItem>> {
    let mut items = Vec::new();
    c.skip_ws();
    if c.at_end() || c.peek() == Some(')') {
        return Ok(items);
    }
    loop {
        items.push(item(c, depth, max_depth)?);
        c.skip_ws();
        if !c.eat(',') {
            return Ok(items);
        }
        c.skip_ws();
    }
}

fn item(c: &mut Cursor<'_>, depth: usize, max_depth: usize) -> PResult<SelectItem> {
    c.skip_ws();
    if c.eat_str("...") {
        let relation = name(c)?.text;
        let params = embed_params(c)?;
        c.skip_ws();
        if c.peek() != Some('(') {
            return Err(c.unexpected(Expected::OpenParen));
        }
        return embed_body(c, None, relation, params, true, depth, max_depth);
    }
    let start = c.pos();
    if let Some((alias, relation, params)) = relation_header(c) {
        return embed_body(c, alias, relation, params, false, depth, max_depth);
    }
    c.reset(start);
    field_item(c)
}

/// `alias:relation!p!q` followed by `(`, or `None` (cursor position unspecified).
fn relation_header(c: &mut Cursor<'_>) -> Option<(Option<String>, String, Vec<EmbedParam>)> {
    let alias = alias(c);
    let relation = name(c).ok()?;
    if relation.is_bare("count") {
        return None;
    }
    let params = embed_params(c).ok()?;
    c.skip_ws();
    (c.peek() == Some('(')).then_some((alias, relation.text, params))
}

struct EmbedParam {
    pos: usize,
    name: crate::cursor::Name,
}

fn embed_params(c: &mut Cursor<'_>) -> PResult<Vec<EmbedParam>> {
    let mut params = Vec::new();
    while c.eat('!') {
        let pos = c.pos();
        params.push(EmbedParam {
            pos,
            name: name(c)?,
        });
    }
    Ok(params)
}

fn embed_body(
    c: &mut Cursor<'_>,
    alias: Option<String>,
    relation: String,
    params: Vec<EmbedParam>,
    spread: bool,
    depth: usize,
    max_depth: usize,
) -> PResult<SelectItem> {
    let mut hint = None;
    let mut join = None;
    for p in params {
        let kind = if p.name.is_bare("inner") {
            Some(JoinType::Inner)
        } else if p.name.is_bare("left") {
            Some(JoinType::Left)
        } else {
            None
        };
        match kind {
            Some(kind) if join.is_none() => join = Some(kind),
            Some(_) => return Err(c.fail_at(p.pos, Problem::DuplicateJoinType)),
            None if hint.is_none() => hint = Some(p.name.text),
            None => return Err(c.fail_at(p.pos, Problem::DuplicateHint)),
        }
    }
    let open = c.pos();
    c.expect('(', Expected::OpenParen)?;
    if depth + 1 > max_depth {
        return Err(c.fail_at(open, Problem::TooDeep { max: max_depth }));
    }
    let select = forest(c, depth + 1, max_depth)?;
    c.skip_ws();
    c.expect(')', Expected::CommaOrCloseParen)?;
    Ok(SelectItem::Embed(Embed {
        alias,
        relation,
        hint,
        join,
        spread,
        select,
    }))
}

/// `name:` (a single `:`, not `::`), or nothing (cursor restored).
fn alias(c: &mut Cursor<'_>) -> Option<String> {
    let start = c.pos();
    if let Ok(n) = name(c)
        && c.peek() == Some(':')
        && c.peek2() != Some(':')
    {
        c.bump();
        c.skip_ws();
        return Some(n.text);
    }
    c.reset(start);
    None
}

fn cast(c: &mut Cursor<'_>) -> PResult<Option<String>> {
    c.skip_ws();
    if c.eat_str("::") {
        identifier(c).map(Some)
    } else {
        Ok(None)
    }
}

fn field_item(c: &mut Cursor<'_>) -> PResult<SelectItem> {
    c.skip_ws();
    if c.eat('*') {
        return end(c).map(|()| SelectItem::Star);
    }
    let alias = alias(c);
    if c.eat_str("count()") {
        let cast = cast(c)?;
        return end(c).map(|()| SelectItem::Count { alias, cast });
    }
    let field = field(c)?;
    let cast = cast(c)?;
    let aggregate = aggregate(c)?;
    end(c)?;
    Ok(SelectItem::Field(SelectField {
        alias,
        field,
        cast,
        aggregate,
    }))
}

fn aggregate(c: &mut Cursor<'_>) -> PResult<Option<Aggregate>> {
    let start = c.pos();
    if c.eat('.') {
        let word = c.take_while(|ch| ch.is_ascii_alphabetic());
        if let Some(function) = AggregateFunction::from_word(word)
            && c.eat_str("()")
        {
            let cast = cast(c)?;
            return Ok(Some(Aggregate { function, cast }));
        }
    }
    c.reset(start);
    Ok(None)
}

fn end(c: &mut Cursor<'_>) -> PResult<()> {
    c.skip_ws();
    if c.next_is_end_or(&[',', ')']) {
        Ok(())
    } else {
        Err(c.unexpected(Expected::SelectItemEnd))
    }
}

/// Writes a select list in URL grammar (`select=` value); parsing it back gives the same
/// items.
pub(crate) fn write_list(f: &mut fmt::Formatter<'_>, items: &[SelectItem]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Displays a select list in URL grammar: `SelectList(&items).to_string()` is a `select=`
/// value that parses back to `items`.
#[derive(Debug, Clone, Copy)]
pub struct SelectList<'a>(pub &'a [SelectItem]);

impl fmt::Display for SelectList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, self.0)
    }
}

fn write_alias(f: &mut fmt::Formatter<'_>, alias: Option<&String>) -> fmt::Result {
    if let Some(a) = alias {
        write_name(f, a, &[])?;
        f.write_str(":")?;
    }
    Ok(())
}

fn write_cast(f: &mut fmt::Formatter<'_>, cast: Option<&String>) -> fmt::Result {
    if let Some(t) = cast {
        write!(f, "::{t}")?;
    }
    Ok(())
}

impl fmt::Display for SelectItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Star => f.write_str("*"),
            SelectItem::Count { alias, cast } => {
                write_alias(f, alias.as_ref())?;
                f.write_str("count()")?;
                write_cast(f, cast.as_ref())
            }
            SelectItem::Field(sf) => {
                write_alias(f, sf.alias.as_ref())?;
                write!(f, "{}", sf.field)?;
                write_cast(f, sf.cast.as_ref())?;
                if let Some(agg) = &sf.aggregate {
                    write!(f, ".{}()", agg.function.as_str())?;
                    write_cast(f, agg.cast.as_ref())?;
                }
                Ok(())
            }
            SelectItem::Embed(e) => {
                if e.spread {
                    f.write_str("...")?;
                } else {
                    write_alias(f, e.alias.as_ref())?;
                }
                write_name(f, &e.relation, &["count"])?;
                if let Some(h) = &e.hint {
                    f.write_str("!")?;
                    write_name(f, h, &["inner", "left"])?;
                }
                match e.join {
                    Some(JoinType::Inner) => f.write_str("!inner")?,
                    Some(JoinType::Left) => f.write_str("!left")?,
                    None => {}
                }
                f.write_str("(")?;
                write_list(f, &e.select)?;
                f.write_str(")")
            }
        }
    }
}
