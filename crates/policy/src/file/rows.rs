//! Row filters (`rows = "status=neq.archived"`): their grammar and their variables.
//!
//! A row filter is one or more `key=value` conditions of the URL grammar joined by `&`
//! (`status=neq.archived&owner_id=eq.$sub`, `or=(a.eq.1,b.is.null)`), all of which must hold.
//! The text is taken as written (not percent-decoded). An `&` inside double quotes or
//! parentheses does not separate conditions.
//!
//! A variable is `$` followed by a name: `$sub`, `$tenant` or `$claims.<name>`, where a name is
//! letters, digits and `_`, not starting with a digit. A variable must be a whole operand
//! (`eq.$sub`, `in.($sub,$tenant)`), so that it can be bound as one parameter. A `$` not
//! followed by a letter or `_` (`price=eq.$5`) is literal text.

use query::{Condition, Operation as Op};

/// A parsed row filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    /// The text as written in the file.
    pub source: String,
    /// The conditions, all of which must hold; never empty. Operands that are variables are
    /// still `$sub`, `$tenant`, `$claims.<name>` ([`Variable::of`] recognizes them).
    pub conditions: Vec<Condition>,
}

impl RowFilter {
    /// Every column the filter names (JSON paths dropped), in order, with repeats.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for condition in &self.conditions {
            walk(condition, &mut |field, _| out.push(field), &mut |_| {});
        }
        out
    }

    /// Every operand of the filter, in order.
    pub fn operands(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for condition in &self.conditions {
            walk(condition, &mut |_, _| {}, &mut |value| out.push(value));
        }
        out
    }
}

/// A variable of a row filter, taken from the principal at request time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable<'a> {
    /// `$sub`: the subject (JWT `sub`, or the API key's id).
    Sub,
    /// `$tenant`: the principal's tenant.
    Tenant,
    /// `$claims.<name>`: a JWT claim.
    Claim(&'a str),
}

impl<'a> Variable<'a> {
    /// The variable an operand is, if it is one (`$sub`, `$tenant`, `$claims.<name>`).
    /// Any other operand is a literal.
    pub fn of(operand: &'a str) -> Option<Self> {
        name_to_variable(operand.strip_prefix('$')?)
    }
}

fn name_to_variable(name: &str) -> Option<Variable<'_>> {
    match name {
        "sub" => Some(Variable::Sub),
        "tenant" => Some(Variable::Tenant),
        _ => name
            .strip_prefix("claims.")
            .filter(|claim| !claim.is_empty() && !claim.contains('.'))
            .map(Variable::Claim),
    }
}

/// Why a row filter is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowsError {
    /// Not in the grammar.
    Grammar(String),
    /// A `$name` that is not a known variable, with its byte offset in the text.
    UnknownVariable { offset: usize, name: String },
    /// A known variable inside a larger operand (`like.*$sub*`).
    VariableInOperand { operand: String },
}

/// Parses a row filter, returning every problem found.
pub(crate) fn parse(source: &str) -> Result<RowFilter, Vec<RowsError>> {
    let mut errors: Vec<RowsError> = unknown_variables(source)
        .into_iter()
        .map(|(offset, name)| RowsError::UnknownVariable {
            offset,
            name: name.to_owned(),
        })
        .collect();
    let mut conditions = Vec::new();
    if source.trim().is_empty() {
        errors.push(RowsError::Grammar(
            "it is empty (remove `rows` to allow every row)".to_owned(),
        ));
    }
    for part in split_conditions(source)
        .into_iter()
        .filter(|_| !source.trim().is_empty())
    {
        let Some((key, value)) = part.split_once('=') else {
            errors.push(RowsError::Grammar(format!(
                "`{part}` is not `column=operator.value`"
            )));
            continue;
        };
        match query::parse_condition(key, value) {
            Ok((path, _)) if !path.is_empty() => errors.push(RowsError::Grammar(format!(
                "`{key}` filters an embedded resource; a row filter applies to the table's own columns"
            ))),
            Ok((_, condition)) => conditions.push(condition),
            Err(error) => errors.push(RowsError::Grammar(format!("`{part}`: {}", error.details()))),
        }
    }
    let filter = RowFilter {
        source: source.to_owned(),
        conditions,
    };
    for operand in filter.operands() {
        let known_inside = variables(operand)
            .iter()
            .any(|(_, name)| name_to_variable(name).is_some());
        if known_inside && Variable::of(operand).is_none() {
            errors.push(RowsError::VariableInOperand {
                operand: operand.to_owned(),
            });
        }
    }
    if errors.is_empty() {
        Ok(filter)
    } else {
        Err(errors)
    }
}

fn walk<'c>(
    condition: &'c Condition,
    field: &mut dyn FnMut(&'c str, &'c Op),
    operand: &mut dyn FnMut(&'c str),
) {
    match condition {
        Condition::Filter { field: f, op, .. } => {
            field(&f.column, op);
            match op {
                Op::Compare(_, _, value) | Op::Range(_, value) | Op::Fts { query: value, .. } => {
                    operand(value.as_str());
                }
                Op::In(values) => values.iter().for_each(|v| operand(v.as_str())),
                Op::Is(_) => {}
            }
        }
        Condition::Logic { children, .. } => {
            for child in children {
                walk(child, field, operand);
            }
        }
    }
}

/// Splits on `&` outside double quotes and parentheses.
fn split_conditions(source: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, ch) in source.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            '&' if !quoted && depth == 0 => {
                parts.push(&source[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&source[start..]);
    parts
}

/// Every `$name` in `text`, with its byte offset (of the `$`) and its name (without `$`).
fn variables(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1).is_some_and(|&b| is_ident_start(b)) {
            let start = i + 1;
            let mut end = start;
            loop {
                while bytes.get(end).is_some_and(|&b| is_ident(b)) {
                    end += 1;
                }
                // A `.` continues the name only when a name segment follows it.
                if bytes.get(end) == Some(&b'.')
                    && bytes.get(end + 1).is_some_and(|&b| is_ident_start(b))
                {
                    end += 1;
                } else {
                    break;
                }
            }
            found.push((i, &text[start..end]));
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// Names after `$` that are not `sub`, `tenant` or `claims.<name>`, with their offsets.
fn unknown_variables(text: &str) -> Vec<(usize, &str)> {
    variables(text)
        .into_iter()
        .filter(|(_, name)| name_to_variable(name).is_none())
        .collect()
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_variables_with_offsets() {
        assert_eq!(
            variables("owner_id=eq.$sub&org=eq.$claims.org_id&p=eq.$5&x=in.($tenant,$subject)"),
            vec![
                (12, "sub"),
                (24, "claims.org_id"),
                (53, "tenant"),
                (61, "subject")
            ]
        );
        assert_eq!(variables("a=eq.$claims.x.y"), vec![(5, "claims.x.y")]);
        assert_eq!(variables("a=eq.$sub."), vec![(5, "sub")]);
    }

    #[test]
    fn classifies_operands() {
        assert_eq!(Variable::of("$sub"), Some(Variable::Sub));
        assert_eq!(Variable::of("$tenant"), Some(Variable::Tenant));
        assert_eq!(
            Variable::of("$claims.org_id"),
            Some(Variable::Claim("org_id"))
        );
        assert_eq!(Variable::of("$claims.a.b"), None);
        assert_eq!(Variable::of("$claims."), None);
        assert_eq!(Variable::of("$claims"), None);
        assert_eq!(Variable::of("$subject"), None);
        assert_eq!(Variable::of("sub"), None);
    }

    #[test]
    fn splits_outside_quotes_and_parentheses() {
        assert_eq!(
            split_conditions(r#"a=eq.1&or=(b.eq.x&y,c.eq."p&q")&d=eq."r\"&s""#),
            vec!["a=eq.1", r#"or=(b.eq.x&y,c.eq."p&q")"#, r#"d=eq."r\"&s""#]
        );
    }
}
