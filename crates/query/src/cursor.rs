//! A cursor over one parameter's text, and the lexical pieces every part of the grammar
//! shares: names (bare or double-quoted), type identifiers, and whitespace.

use crate::error::{Error, Expected, Param, Problem, echo};

/// A failure inside a parser: where, and what. Turned into [`Error::Parse`] by
/// [`Failure::into_error`] once the parameter and its text are known.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) pos: usize,
    pub(crate) problem: Problem,
}

impl Failure {
    pub(crate) fn into_error(self, param: Param, src: &str) -> Error {
        let pos = self.pos.min(src.len());
        // `pos` always sits on a char boundary: the cursor only ever moves by whole chars.
        let column = src.get(..pos).map_or(1, |head| head.chars().count() + 1);
        Error::Parse {
            param,
            input: echo(src),
            column,
            problem: self.problem,
        }
    }
}

pub(crate) type PResult<T> = Result<T, Failure>;

#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Cursor { src, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub(crate) fn src(&self) -> &'a str {
        self.src
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(crate) fn peek2(&self) -> Option<char> {
        let mut chars = self.rest().chars();
        chars.next();
        chars.next()
    }

    pub(crate) fn starts_with(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(crate) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_str(&mut self, s: &str) -> bool {
        if self.starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Consumes the longest prefix whose chars all satisfy `f`.
    pub(crate) fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    /// Skips spaces and tabs (PostgREST's `ws`).
    pub(crate) fn skip_ws(&mut self) {
        self.take_while(|c| c == ' ' || c == '\t');
    }

    /// Whether the next non-blank char is one of `chars`, or the input ends there.
    pub(crate) fn next_is_end_or(&self, chars: &[char]) -> bool {
        match self.rest().trim_start_matches([' ', '\t']).chars().next() {
            None => true,
            Some(c) => chars.contains(&c),
        }
    }

    pub(crate) fn unexpected(&self, expected: Expected) -> Failure {
        Failure {
            pos: self.pos,
            problem: Problem::Unexpected {
                found: self.peek(),
                expected,
            },
        }
    }

    pub(crate) fn fail_at(&self, pos: usize, problem: Problem) -> Failure {
        Failure { pos, problem }
    }

    pub(crate) fn expect(&mut self, c: char, expected: Expected) -> PResult<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    pub(crate) fn expect_end(&self, expected: Expected) -> PResult<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }
}

/// A name as written: its text, and whether it was double-quoted. Quoting matters where
/// a bare word is a keyword (`!inner` is a join type, `!"inner"` a hint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    pub(crate) text: String,
    pub(crate) quoted: bool,
}

impl Name {
    pub(crate) fn is_bare(&self, word: &str) -> bool {
        !self.quoted && self.text == word
    }
}

/// A char allowed in a bare name: PostgREST's `letter <|> digit <|> oneOf "_ $"`.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || c.is_ascii_digit() || c == '_' || c == ' ' || c == '$'
}

/// A column, relation, alias or hint name: `"quoted \" name"`, or bare words of
/// [`is_name_char`] joined by `-` (a `-` that does not start `->`), each word trimmed of
/// spaces.
pub(crate) fn name(c: &mut Cursor<'_>) -> PResult<Name> {
    if c.peek() == Some('"') {
        return quoted(c).map(|text| Name { text, quoted: true });
    }
    let mut text = String::new();
    loop {
        let word = c.take_while(is_name_char).trim_matches(' ');
        if word.is_empty() {
            return Err(c.unexpected(Expected::FieldName));
        }
        text.push_str(word);
        if c.peek() == Some('-') && c.peek2() != Some('>') {
            c.bump();
            text.push('-');
        } else {
            return Ok(Name {
                text,
                quoted: false,
            });
        }
    }
}

/// A double-quoted string; `\` escapes the next char, whatever it is.
/// The cursor must be on the opening `"`.
pub(crate) fn quoted(c: &mut Cursor<'_>) -> PResult<String> {
    c.expect('"', Expected::FieldName)?;
    let mut out = String::new();
    loop {
        match c.bump() {
            None => return Err(c.unexpected(Expected::ClosingQuote)),
            Some('"') => return Ok(out),
            Some('\\') => match c.bump() {
                Some(ch) => out.push(ch),
                None => return Err(c.unexpected(Expected::ClosingQuote)),
            },
            Some(ch) => out.push(ch),
        }
    }
}

/// A type name after `::`, or a text search configuration in `fts(…)`: PostgREST's
/// `pIdentifier` (name chars, trimmed; no quoting, no `-`).
pub(crate) fn identifier(c: &mut Cursor<'_>) -> PResult<String> {
    let word = c.take_while(is_name_char).trim_matches(' ');
    if word.is_empty() {
        Err(c.unexpected(Expected::Identifier))
    } else {
        Ok(word.to_owned())
    }
}

/// Whether `s` can be written as a bare name and read back unchanged.
pub(crate) fn is_bare_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphabetic() || c.is_ascii_digit() || c == '_' || c == '$')
}

/// Writes `s` double-quoted, escaping `"` and `\`.
pub(crate) fn write_quoted(f: &mut std::fmt::Formatter<'_>, s: &str) -> std::fmt::Result {
    use std::fmt::Write as _;
    f.write_char('"')?;
    for ch in s.chars() {
        if ch == '"' || ch == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(ch)?;
    }
    f.write_char('"')
}

/// Writes a name bare when it reads back unchanged and is not one of `keywords`, quoted
/// otherwise.
pub(crate) fn write_name(
    f: &mut std::fmt::Formatter<'_>,
    s: &str,
    keywords: &[&str],
) -> std::fmt::Result {
    if is_bare_name(s) && !keywords.contains(&s) {
        f.write_str(s)
    } else {
        write_quoted(f, s)
    }
}
