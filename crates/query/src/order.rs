//! `order=`: `col.desc.nullslast,data->>a,client(name).asc`.

use std::fmt;

use crate::ParseOptions;
use crate::cursor::{Cursor, Failure, PResult, name, write_name};
use crate::error::{Error, Expected, Param, Problem};
use crate::field::{Field, field};
use crate::filter::unexpected_word;

/// One term of `order`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTerm {
    /// `Some(rel)` for `rel(col)`: order by a column of a to-one embedded resource.
    pub relation: Option<String>,
    /// The column (and JSON path) to order by.
    pub field: Field,
    /// `.asc` / `.desc`; `None` is PostgreSQL's default (ascending).
    pub direction: Option<Direction>,
    /// `.nullsfirst` / `.nullslast`; `None` is PostgreSQL's default for the direction.
    pub nulls: Option<Nulls>,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `asc`
    Asc,
    /// `desc`
    Desc,
}

/// Where nulls sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nulls {
    /// `nullsfirst`
    First,
    /// `nullslast`
    Last,
}

pub(crate) fn parse(src: &str, opts: &ParseOptions) -> Result<Vec<OrderTerm>, Error> {
    if src.len() > opts.max_value_len {
        return Err(Failure {
            pos: 0,
            problem: Problem::TooLong {
                max: opts.max_value_len,
            },
        }
        .into_error(Param::Order, src));
    }
    let mut c = Cursor::new(src);
    terms(&mut c).map_err(|e| e.into_error(Param::Order, src))
}

fn terms(c: &mut Cursor<'_>) -> PResult<Vec<OrderTerm>> {
    let mut out = Vec::new();
    loop {
        c.skip_ws();
        out.push(term(c)?);
        c.skip_ws();
        if c.eat(',') {
            continue;
        }
        c.expect_end(Expected::CommaOrEnd)?;
        return Ok(out);
    }
}

fn term(c: &mut Cursor<'_>) -> PResult<OrderTerm> {
    let start = c.pos();
    let mut relation = None;
    if let Ok(rel) = name(c)
        && c.eat('(')
    {
        relation = Some(rel.text);
    } else {
        c.reset(start);
    }
    c.skip_ws();
    let field = field(c)?;
    c.skip_ws();
    if relation.is_some() {
        c.expect(')', Expected::CloseParen)?;
    }
    let mut direction = None;
    let mut nulls = None;
    if c.eat('.') {
        let at = c.pos();
        match c.take_while(|ch| ch.is_ascii_alphabetic()) {
            "asc" => direction = Some(Direction::Asc),
            "desc" => direction = Some(Direction::Desc),
            "nullsfirst" => nulls = Some(Nulls::First),
            "nullslast" => nulls = Some(Nulls::Last),
            "" => return Err(c.unexpected(Expected::OrderModifier)),
            other => return Err(unexpected_word(c, at, other, Expected::OrderModifier)),
        }
        if direction.is_some() && c.eat('.') {
            let at = c.pos();
            match c.take_while(|ch| ch.is_ascii_alphabetic()) {
                "nullsfirst" => nulls = Some(Nulls::First),
                "nullslast" => nulls = Some(Nulls::Last),
                "" => return Err(c.unexpected(Expected::NullsModifier)),
                other => return Err(unexpected_word(c, at, other, Expected::NullsModifier)),
            }
        }
    }
    c.skip_ws();
    if !c.next_is_end_or(&[',']) {
        let expected = if direction.is_none() && nulls.is_none() {
            Expected::Delimiter
        } else {
            Expected::CommaOrEnd
        };
        return Err(c.unexpected(expected));
    }
    Ok(OrderTerm {
        relation,
        field,
        direction,
        nulls,
    })
}

impl fmt::Display for OrderTerm {
    /// The term in URL grammar; parsing it back gives the same term.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rel) = &self.relation {
            write_name(f, rel, &[])?;
            write!(f, "({})", self.field)?;
        } else {
            write!(f, "{}", self.field)?;
        }
        match self.direction {
            Some(Direction::Asc) => f.write_str(".asc")?,
            Some(Direction::Desc) => f.write_str(".desc")?,
            None => {}
        }
        match self.nulls {
            Some(Nulls::First) => f.write_str(".nullsfirst"),
            Some(Nulls::Last) => f.write_str(".nullslast"),
            None => Ok(()),
        }
    }
}
