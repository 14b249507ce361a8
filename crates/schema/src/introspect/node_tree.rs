//! Reading the origins of a view's columns from its stored query (`pg_rewrite.ev_action`,
//! a `pg_node_tree`, as text).
//!
//! The text is PostgreSQL's node serialization (`outfuncs.c`): `{NODE :field value …}`,
//! lists in `( … )`, `<>` for NULL, and a backslash escaping the next character inside a
//! token. A view's rule holds a list of one `Query`; each entry of that query's top-level
//! `targetList` is a `TARGETENTRY` whose `resno` is the view column's attnum and whose
//! `resorigtbl` / `resorigcol` name the table column it shows unchanged (0 when it is an
//! expression). PostgreSQL's parser fills those in through subqueries and CTEs, but stops at
//! a view in `FROM`: the origin is then that view's column, which the caller resolves.
//!
//! Only the top-level target list is read, by tracking nesting depth, so target lists of
//! subqueries (in `FROM`, `WHERE`, CTEs, …) are skipped whatever field order a server
//! version uses.

/// One entry of a view query's top-level target list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// Position in the target list: the view column's attnum.
    pub(crate) resno: i32,
    /// `(relation oid, attnum)` of the column shown unchanged, if any.
    pub(crate) origin: Option<(u32, i32)>,
    /// A junk entry (not a view column).
    pub(crate) junk: bool,
}

/// Why a node tree could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NodeTreeError {
    #[error("the rule does not start with a list of one Query")]
    NotAQuery,
    #[error("the node tree ends inside the target list")]
    Truncated,
    #[error("bad value {value:?} for field {field}")]
    BadValue { field: &'static str, value: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Atom(&'a str),
}

/// Splits node-tree text into tokens as `pg_strtok` does: parentheses and braces stand
/// alone, whitespace separates, a backslash makes the next character ordinary.
struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && matches!(bytes[self.pos], b' ' | b'\n' | b'\t' | b'\r') {
            self.pos += 1;
        }
        let start = self.pos;
        match *bytes.get(start)? {
            b'(' | b'{' => {
                self.pos += 1;
                return Some(Token::Open);
            }
            b')' | b'}' => {
                self.pos += 1;
                return Some(Token::Close);
            }
            _ => {}
        }
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b' ' | b'\n' | b'\t' | b'\r' | b'(' | b')' | b'{' | b'}' => break,
                // The backslash and the whole character it escapes.
                b'\\' => {
                    self.pos += 2;
                    while self.pos < bytes.len() && !self.text.is_char_boundary(self.pos) {
                        self.pos += 1;
                    }
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.pos.min(bytes.len());
        // Boundaries are ASCII bytes or char boundaries, so the slice always exists.
        Some(Token::Atom(
            self.text.get(start..self.pos).unwrap_or_default(),
        ))
    }
}

/// The top-level target list of a view's `_RETURN` rule action.
pub(crate) fn view_targets(action: &str) -> Result<Vec<Target>, NodeTreeError> {
    let mut tokens = Tokens {
        text: action,
        pos: 0,
    };
    if tokens.next() != Some(Token::Open)
        || tokens.next() != Some(Token::Open)
        || tokens.next() != Some(Token::Atom("QUERY"))
    {
        return Err(NodeTreeError::NotAQuery);
    }
    // Depth 2: the fields of the top-level Query.
    let mut depth = 2usize;
    while let Some(token) = tokens.next() {
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                depth = depth.saturating_sub(1);
                if depth < 2 {
                    break;
                }
            }
            Token::Atom(":targetList") if depth == 2 => {
                return match tokens.next() {
                    Some(Token::Open) => read_target_list(&mut tokens),
                    Some(Token::Atom("<>")) => Ok(Vec::new()),
                    _ => Err(NodeTreeError::Truncated),
                };
            }
            Token::Atom(_) => {}
        }
    }
    // A Query always has a targetList field; no field means we did not understand it.
    Err(NodeTreeError::Truncated)
}

/// After the `(` opening the target list: read `{TARGETENTRY …}` nodes until its `)`.
fn read_target_list(tokens: &mut Tokens<'_>) -> Result<Vec<Target>, NodeTreeError> {
    let mut targets = Vec::new();
    // Depth relative to the list: 1 inside an entry's braces, more inside its fields.
    let mut depth = 0usize;
    let mut current: Option<Target> = None;
    let mut origin_table = 0u32;
    let mut origin_column = 0i32;
    while let Some(token) = tokens.next() {
        match token {
            Token::Open => {
                depth += 1;
                if depth == 1 {
                    current = Some(Target {
                        resno: 0,
                        origin: None,
                        junk: false,
                    });
                    origin_table = 0;
                    origin_column = 0;
                }
            }
            Token::Close => {
                if depth == 0 {
                    return Ok(targets);
                }
                depth -= 1;
                if depth == 0
                    && let Some(mut t) = current.take()
                {
                    if origin_table != 0 && origin_column > 0 {
                        t.origin = Some((origin_table, origin_column));
                    }
                    targets.push(t);
                }
            }
            Token::Atom(field) if depth == 1 => {
                let Some(t) = current.as_mut() else { continue };
                match field {
                    ":resno" => t.resno = number(tokens, "resno")?,
                    ":resorigtbl" => origin_table = number(tokens, "resorigtbl")?,
                    ":resorigcol" => origin_column = number(tokens, "resorigcol")?,
                    ":resjunk" => t.junk = value(tokens)? == "true",
                    _ => {}
                }
            }
            Token::Atom(_) => {}
        }
    }
    Err(NodeTreeError::Truncated)
}

fn value<'a>(tokens: &mut Tokens<'a>) -> Result<&'a str, NodeTreeError> {
    match tokens.next() {
        Some(Token::Atom(v)) => Ok(v),
        _ => Err(NodeTreeError::Truncated),
    }
}

fn number<T: std::str::FromStr>(
    tokens: &mut Tokens<'_>,
    field: &'static str,
) -> Result<T, NodeTreeError> {
    let v = value(tokens)?;
    v.parse().map_err(|_| NodeTreeError::BadValue {
        field,
        value: v.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Abridged from PostgreSQL 15 output for
    /// `create view v as select id as vid, "we ird(x)", b + 1 as c, (select 1) as s
    ///  from t where id in (select id from t)`.
    const VIEW: &str = r#"({QUERY :commandType 1 :utilityStmt <> :cteList <> :rtable ({RANGETBLENTRY :alias <> :eref {ALIAS :aliasname t :colnames ("id" "we\ ird\(x\)" "b")} :rtekind 0 :relid 16388}) :jointree {FROMEXPR :fromlist ({RANGETBLREF :rtindex 3}) :quals {SUBLINK :subLinkType 2 :subselect {QUERY :commandType 1 :targetList ({TARGETENTRY :expr {VAR :varno 1} :resno 1 :resname id :resorigtbl 16388 :resorigcol 1 :resjunk false}) :override 0} :location 90}} :targetList ({TARGETENTRY :expr {VAR :varno 3 :varattno 1} :resno 1 :resname vid :ressortgroupref 0 :resorigtbl 16388 :resorigcol 1 :resjunk false} {TARGETENTRY :expr {VAR :varno 3 :varattno 2} :resno 2 :resname we\ ird\(x\) :ressortgroupref 0 :resorigtbl 16388 :resorigcol 2 :resjunk false} {TARGETENTRY :expr {OPEXPR :opno 551 :args ({VAR :varno 3} {CONST :consttype 23 :constvalue 4 [ 1 0 0 0 0 0 0 0 ]}) :location 49} :resno 3 :resname c :resorigtbl 0 :resorigcol 0 :resjunk false} {TARGETENTRY :expr {SUBLINK :subLinkType 4 :subselect {QUERY :targetList ({TARGETENTRY :expr {CONST :consttype 23} :resno 1 :resname ?column? :resorigtbl 99 :resorigcol 9 :resjunk false}) :override 0}} :resno 4 :resname s :resorigtbl 0 :resorigcol 0 :resjunk false}) :override 0 :stmt_len 111})"#;

    #[test]
    fn reads_only_the_top_level_target_list() {
        let targets = view_targets(VIEW).expect("parse");
        assert_eq!(
            targets,
            vec![
                Target {
                    resno: 1,
                    origin: Some((16388, 1)),
                    junk: false
                },
                Target {
                    resno: 2,
                    origin: Some((16388, 2)),
                    junk: false
                },
                Target {
                    resno: 3,
                    origin: None,
                    junk: false
                },
                Target {
                    resno: 4,
                    origin: None,
                    junk: false
                },
            ]
        );
    }

    #[test]
    fn escaped_braces_in_names_do_not_nest() {
        let action = r"({QUERY :targetList ({TARGETENTRY :resno 1 :resname a\}\)b :resorigtbl 5 :resorigcol 2 :resjunk false}) :x 1})";
        let targets = view_targets(action).expect("parse");
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].origin, Some((5, 2)));
    }

    #[test]
    fn empty_target_list_and_junk() {
        assert_eq!(
            view_targets("({QUERY :targetList <> :x 1})").expect("parse"),
            vec![]
        );
        let t = view_targets(
            "({QUERY :targetList ({TARGETENTRY :resno 2 :resorigtbl 0 :resorigcol 0 :resjunk true})})",
        )
        .expect("parse");
        assert!(t[0].junk);
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert_eq!(view_targets(""), Err(NodeTreeError::NotAQuery));
        assert_eq!(view_targets("({SELECT})"), Err(NodeTreeError::NotAQuery));
        assert_eq!(
            view_targets("({QUERY :targetList ({TARGETENTRY :resno"),
            Err(NodeTreeError::Truncated)
        );
        assert!(matches!(
            view_targets("({QUERY :targetList ({TARGETENTRY :resno x})})"),
            Err(NodeTreeError::BadValue { field: "resno", .. })
        ));
        assert_eq!(
            view_targets("({QUERY :a 1})"),
            Err(NodeTreeError::Truncated)
        );
        // A trailing backslash must not read past the end, nor split a character.
        assert_eq!(view_targets("({QUERY \\"), Err(NodeTreeError::Truncated));
        assert_eq!(
            view_targets("({QUERY \\é :a"),
            Err(NodeTreeError::Truncated)
        );
    }
}
