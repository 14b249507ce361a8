//! Conditions on rows (`where`), and the column expressions they and `order by` share.
//!
//! Every operand is a parameter cast to the type it is compared with: the column's own type
//! (from the catalog), `text` after `->>`, `jsonb` after `->`. Lists and arrays travel as one
//! `text[]` parameter whose elements are cast one by one, so `in` and `any`/`all` work for every
//! column type, enums and domains included.

use policy::plan::{
    CmpOp, ColumnRef, Condition, FtsKind, IsValue, JsonOperand, LogicOp, Operand, Operation, Param,
    RangeOp, TypeName,
};

use crate::read;
use crate::writer::{Alias, Writer};

/// One condition on the rows of the relation aliased `scope`.
pub(crate) fn condition(w: &mut Writer, scope: Alias, condition: &Condition) {
    match condition {
        Condition::Filter { column, negate, op } => {
            negated(w, *negate, |w| filter(w, scope, column, op));
        }
        Condition::Logic {
            op,
            negate,
            children,
        } => {
            if *negate {
                w.push("not ");
            }
            let sep = match op {
                LogicOp::And => " and ",
                LogicOp::Or => " or ",
            };
            w.push("(");
            w.join(children, sep, |w, child| self::condition(w, scope, child));
            w.push(")");
        }
        Condition::Exists { embed } => read::exists(w, scope, embed),
    }
}

/// The column's value: `t0."c"`, or with a JSON path `(t0."c" -> $1::text ->> $2::text)`.
/// Keys are bound as text, indexes as text cast to `int4`.
pub(crate) fn column(w: &mut Writer, scope: Alias, column: &ColumnRef) {
    if column.json_path.is_empty() {
        qualified(w, scope, column);
        return;
    }
    w.push("(");
    qualified(w, scope, column);
    for step in &column.json_path {
        w.push(if step.text { " ->> " } else { " -> " });
        match &step.operand {
            JsonOperand::Key(key) => w.param(Param::Text(key.clone())),
            JsonOperand::Index(index) => {
                w.push("cast(");
                w.param(Param::Text(index.to_string()));
                w.push(" as int4)");
            }
        }
    }
    w.push(")");
}

fn qualified(w: &mut Writer, scope: Alias, column: &ColumnRef) {
    w.alias(scope);
    w.push(".");
    w.ident(&column.column);
}

/// The column as an operand of a comparison or a sort key: after a `->` step the result is
/// cast to `jsonb`, because a `json` column's `->` gives `json`, which has neither equality
/// nor ordering (a no-op for `jsonb` columns).
pub(crate) fn operand_column(w: &mut Writer, scope: Alias, col: &ColumnRef) {
    column(w, scope, col);
    if col.result() == Operand::Jsonb {
        w.push("::jsonb");
    }
}

/// The column as text, for pattern operators and `to_tsvector`.
fn text_column(w: &mut Writer, scope: Alias, col: &ColumnRef) {
    operand_column(w, scope, col);
    if !is_text(col) {
        w.push("::text");
    }
}

/// Whether the expression is already text (or `varchar`, which `like` and `~` take as is).
fn is_text(col: &ColumnRef) -> bool {
    match col.result() {
        Operand::Text => true,
        Operand::Jsonb => false,
        Operand::Column => match &col.ty {
            TypeName::Catalog { schema, name } => {
                schema.as_str() == "pg_catalog" && matches!(name.as_str(), "text" | "varchar")
            }
            TypeName::Builtin(name) => matches!(*name, "text" | "character varying"),
        },
    }
}

/// The type a filter operand is cast to ([`ColumnRef::result`]).
fn operand_type(col: &ColumnRef) -> TypeName {
    match col.result() {
        Operand::Column => col.ty.clone(),
        Operand::Text => TypeName::Builtin("text"),
        Operand::Jsonb => TypeName::Builtin("jsonb"),
    }
}

/// `cast($n::text as <ty>)`.
fn cast_param(w: &mut Writer, param: &Param, ty: &TypeName) {
    w.push("cast(");
    w.param(param.clone());
    w.push(" as ");
    w.type_name(ty);
    w.push(")");
}

/// `not (…)` around `body` when `negate`.
fn negated(w: &mut Writer, negate: bool, body: impl FnOnce(&mut Writer)) {
    if negate {
        w.push("not (");
    }
    body(w);
    if negate {
        w.push(")");
    }
}

fn filter(w: &mut Writer, scope: Alias, col: &ColumnRef, op: &Operation) {
    match op {
        Operation::Compare(cmp, value) => match pattern(*cmp) {
            Some(operator) => {
                text_column(w, scope, col);
                w.push(operator);
                w.param(value.clone());
            }
            None => {
                operand_column(w, scope, col);
                w.push(comparison(*cmp));
                cast_param(w, value, &operand_type(col));
            }
        },
        Operation::Quantified { op, all, array } => quantified(w, scope, col, *op, *all, array),
        Operation::In(values) => {
            if matches!(values, Param::TextArray(items) if items.is_empty()) {
                w.push("false");
                return;
            }
            operand_column(w, scope, col);
            w.push(" = any(");
            elements(w, values, &operand_type(col));
            w.push(")");
        }
        Operation::Is(value) => {
            operand_column(w, scope, col);
            w.push(match value {
                IsValue::Null => " is null",
                IsValue::NotNull => " is not null",
                IsValue::True => " is true",
                IsValue::False => " is false",
                IsValue::Unknown => " is unknown",
            });
        }
        Operation::Fts {
            kind,
            language,
            query,
            tsvector,
        } => {
            if *tsvector {
                operand_column(w, scope, col);
            } else {
                w.push("to_tsvector(");
                regconfig(w, language.as_ref());
                text_column(w, scope, col);
                w.push(")");
            }
            w.push(match kind {
                FtsKind::Fts => " @@ to_tsquery(",
                FtsKind::Plain => " @@ plainto_tsquery(",
                FtsKind::Phrase => " @@ phraseto_tsquery(",
                FtsKind::Websearch => " @@ websearch_to_tsquery(",
            });
            regconfig(w, language.as_ref());
            w.param(query.clone());
            w.push(")");
        }
        Operation::Range(op, value) => {
            operand_column(w, scope, col);
            w.push(match op {
                RangeOp::Contains => " @> ",
                RangeOp::ContainedIn => " <@ ",
                RangeOp::Overlaps => " && ",
                RangeOp::StrictlyLeft => " << ",
                RangeOp::StrictlyRight => " >> ",
                RangeOp::NotExtendsLeft => " &> ",
                RangeOp::NotExtendsRight => " &< ",
                RangeOp::Adjacent => " -|- ",
            });
            cast_param(w, value, &operand_type(col));
        }
    }
}

/// `cast($l::text as regconfig), ` when a text search configuration is given.
fn regconfig(w: &mut Writer, language: Option<&Param>) {
    if let Some(language) = language {
        cast_param(w, language, &TypeName::Builtin("regconfig"));
        w.push(", ");
    }
}

/// The operator of a pattern comparison (operand bound as text), `None` for the others.
fn pattern(op: CmpOp) -> Option<&'static str> {
    match op {
        CmpOp::Like => Some(" like "),
        CmpOp::ILike => Some(" ilike "),
        CmpOp::Match => Some(" ~ "),
        CmpOp::IMatch => Some(" ~* "),
        CmpOp::Eq
        | CmpOp::Neq
        | CmpOp::Gt
        | CmpOp::Gte
        | CmpOp::Lt
        | CmpOp::Lte
        | CmpOp::IsDistinct => None,
    }
}

fn comparison(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => " = ",
        CmpOp::Neq => " <> ",
        CmpOp::Gt => " > ",
        CmpOp::Gte => " >= ",
        CmpOp::Lt => " < ",
        CmpOp::Lte => " <= ",
        CmpOp::Like => " like ",
        CmpOp::ILike => " ilike ",
        CmpOp::Match => " ~ ",
        CmpOp::IMatch => " ~* ",
        CmpOp::IsDistinct => " is distinct from ",
    }
}

/// `op any(…)` / `op all(…)` over a PostgreSQL array literal bound as text.
fn quantified(w: &mut Writer, scope: Alias, col: &ColumnRef, op: CmpOp, all: bool, array: &Param) {
    if op == CmpOp::IsDistinct {
        // `is distinct from` takes no quantifier in SQL (nor in the URL grammar); should a plan
        // ever carry one, it is spelled out with an aggregate, empty arrays as SQL's
        // `any` (false) and `all` (true) treat them.
        w.push(if all {
            "coalesce((select bool_and("
        } else {
            "coalesce((select bool_or("
        });
        operand_column(w, scope, col);
        w.push(" is distinct from cast(_v as ");
        w.type_name(&operand_type(col));
        w.push(")) from unnest(");
        text_array(w, array);
        w.push(if all { ") _v), true)" } else { ") _v), false)" });
        return;
    }
    let element = match pattern(op) {
        Some(_) => {
            text_column(w, scope, col);
            TypeName::Builtin("text")
        }
        None => {
            operand_column(w, scope, col);
            operand_type(col)
        }
    };
    w.push(comparison(op));
    w.push(if all { "all(" } else { "any(" });
    elements(w, array, &element);
    w.push(")");
}

/// `array(select cast(_v as <ty>) from unnest(<text[]>) _v)`: each element cast on its own,
/// which works for every type (a cast of the whole array to `<ty>[]` would not, for array and
/// domain columns).
fn elements(w: &mut Writer, values: &Param, ty: &TypeName) {
    w.push("array(select cast(_v as ");
    w.type_name(ty);
    w.push(") from unnest(");
    text_array(w, values);
    w.push(") _v)");
}

/// A `text[]` parameter as is; a text one (an array literal such as `{a,b}`) cast to `text[]`.
fn text_array(w: &mut Writer, values: &Param) {
    match values {
        Param::TextArray(_) => w.param(values.clone()),
        Param::Text(_) | Param::Secret(_) => {
            w.push("cast(");
            w.param(values.clone());
            w.push(" as text[])");
        }
    }
}
