//! A compact, unambiguous text form of parse results for snapshots. Strings are printed
//! with `{:?}` so quoting, blanks and escapes are visible.

use std::fmt::Write as _;

use gatehouse_query::{
    Condition, Error, Field, JoinType, JsonArrow, JsonOperand, Operation, OrderTerm, Preferences,
    Request, SelectItem,
};

pub(crate) fn error(e: &Error) -> String {
    format!(
        "ERROR {}\nmessage: {}\ndetails: {}",
        e.code(),
        e.message(),
        e.details()
    )
}

pub(crate) fn field(f: &Field) -> String {
    let mut s = format!("{:?}", f.column);
    for step in &f.json_path {
        s.push_str(match step.arrow {
            JsonArrow::Json => "->",
            JsonArrow::Text => "->>",
        });
        match &step.operand {
            JsonOperand::Key(k) => write!(s, "{k:?}").unwrap(),
            JsonOperand::Index(i) => write!(s, "[{i}]").unwrap(),
        }
    }
    s
}

fn path(p: &[String]) -> String {
    if p.is_empty() {
        String::new()
    } else {
        format!("@{p:?} ")
    }
}

pub(crate) fn select(items: &[SelectItem]) -> String {
    let mut out = String::new();
    select_into(&mut out, items, 0);
    out
}

fn select_into(out: &mut String, items: &[SelectItem], indent: usize) {
    for item in items {
        out.push_str(&"  ".repeat(indent));
        match item {
            SelectItem::Star => out.push('*'),
            SelectItem::Count { alias, cast } => {
                out.push_str("count()");
                if let Some(a) = alias {
                    write!(out, " as {a:?}").unwrap();
                }
                if let Some(c) = cast {
                    write!(out, " ::{c:?}").unwrap();
                }
            }
            SelectItem::Field(f) => {
                write!(out, "field {}", field(&f.field)).unwrap();
                if let Some(a) = &f.alias {
                    write!(out, " as {a:?}").unwrap();
                }
                if let Some(c) = &f.cast {
                    write!(out, " ::{c:?}").unwrap();
                }
                if let Some(agg) = &f.aggregate {
                    write!(out, " .{}()", agg.function.as_str()).unwrap();
                    if let Some(c) = &agg.cast {
                        write!(out, " ::{c:?}").unwrap();
                    }
                }
            }
            SelectItem::Embed(e) => {
                write!(out, "embed {:?}", e.relation).unwrap();
                if let Some(a) = &e.alias {
                    write!(out, " as {a:?}").unwrap();
                }
                if let Some(h) = &e.hint {
                    write!(out, " hint {h:?}").unwrap();
                }
                match e.join {
                    Some(JoinType::Inner) => out.push_str(" inner"),
                    Some(JoinType::Left) => out.push_str(" left"),
                    None => {}
                }
                if e.spread {
                    out.push_str(" spread");
                }
                if e.select.is_empty() {
                    out.push_str(" (nothing)");
                }
                out.push('\n');
                select_into(out, &e.select, indent + 1);
                continue;
            }
        }
        out.push('\n');
    }
}

pub(crate) fn operation(op: &Operation) -> String {
    match op {
        Operation::Compare(cmp, q, v) => match q {
            Some(q) => format!("{}({}) {:?}", cmp.as_str(), q.as_str(), v.as_str()),
            None => format!("{} {:?}", cmp.as_str(), v.as_str()),
        },
        Operation::In(vs) => format!("in {:?}", vs.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
        Operation::Is(v) => format!("is {}", v.as_str()),
        Operation::Fts {
            kind,
            language,
            query,
        } => match language {
            Some(l) => format!("{}({l:?}) {:?}", kind.as_str(), query.as_str()),
            None => format!("{} {:?}", kind.as_str(), query.as_str()),
        },
        Operation::Range(op, v) => format!("{} {:?}", op.as_str(), v.as_str()),
    }
}

pub(crate) fn condition(c: &Condition) -> String {
    let mut out = String::new();
    condition_into(&mut out, c, 0);
    out
}

fn condition_into(out: &mut String, c: &Condition, indent: usize) {
    out.push_str(&"  ".repeat(indent));
    match c {
        Condition::Filter {
            field: f,
            negate,
            op,
        } => {
            writeln!(
                out,
                "{} {}{}",
                field(f),
                if *negate { "not " } else { "" },
                operation(op)
            )
            .unwrap();
        }
        Condition::Logic {
            op,
            negate,
            children,
        } => {
            writeln!(out, "{}{}", if *negate { "not " } else { "" }, op.as_str()).unwrap();
            for child in children {
                condition_into(out, child, indent + 1);
            }
        }
    }
}

pub(crate) fn order_term(t: &OrderTerm) -> String {
    let mut s = String::new();
    if let Some(r) = &t.relation {
        write!(s, "{r:?}.").unwrap();
    }
    s.push_str(&field(&t.field));
    if let Some(d) = t.direction {
        write!(s, " {d:?}").unwrap();
    }
    if let Some(n) = t.nulls {
        write!(s, " nulls {n:?}").unwrap();
    }
    s
}

pub(crate) fn request(r: &Request) -> String {
    let mut out = String::new();
    out.push_str("select:\n");
    for line in select(&r.select).lines() {
        writeln!(out, "  {line}").unwrap();
    }
    for (p, c) in &r.filters {
        let text = condition(c);
        let mut lines = text.lines();
        writeln!(out, "where {}{}", path(p), lines.next().unwrap_or_default()).unwrap();
        for line in lines {
            writeln!(out, "  {line}").unwrap();
        }
    }
    for (p, terms) in &r.order {
        let terms: Vec<_> = terms.iter().map(order_term).collect();
        writeln!(out, "order {}{}", path(p), terms.join(", ")).unwrap();
    }
    for (p, w) in &r.limits {
        writeln!(
            out,
            "window {}limit={:?} offset={:?}",
            path(p),
            w.limit,
            w.offset
        )
        .unwrap();
    }
    if let Some(c) = &r.columns {
        writeln!(out, "columns {c:?}").unwrap();
    }
    if let Some(c) = &r.on_conflict {
        writeln!(out, "on_conflict {c:?}").unwrap();
    }
    out
}

pub(crate) fn preferences(p: &Preferences) -> String {
    let mut parts = Vec::new();
    if let Some(v) = p.count {
        parts.push(v.token().to_owned());
    }
    if let Some(v) = p.representation {
        parts.push(v.token().to_owned());
    }
    if let Some(v) = p.resolution {
        parts.push(v.token().to_owned());
    }
    if let Some(v) = p.missing {
        parts.push(v.token().to_owned());
    }
    if let Some(v) = p.handling {
        parts.push(v.token().to_owned());
    }
    if let Some(v) = p.transaction {
        parts.push(v.token().to_owned());
    }
    if let Some(v) = &p.timezone {
        parts.push(format!("timezone={v:?}"));
    }
    if let Some(v) = p.max_affected {
        parts.push(format!("max-affected={v}"));
    }
    if !p.invalid.is_empty() {
        parts.push(format!("invalid={:?}", p.invalid));
    }
    if parts.is_empty() {
        "(none)".to_owned()
    } else {
        parts.join("\n")
    }
}
