//! The read statement: PostgREST's shape, one statement whose single row carries the body.
//!
//! ```sql
//! with pgrst_source as (
//!   select <row> as _j from "s"."root" t0 [left join lateral (…) l1 on true]
//!   where <filters> and <guards> order by … limit … offset …
//! )
//! select <total> as total, count(*) as page_total, <body> as body from pgrst_source
//! ```
//!
//! Each plan node gets a number `n` (in the order rendering meets it); its relation is `t<n>`,
//! its junction `j<n>`, its derived table `s<n>`, its lateral `l<n>`.
//!
//! - A to-many embed is `(select coalesce(json_agg(s<n>._j), '[]') from (select <row> as _j
//!   from <child> t<n> where <link> and … order by … limit … offset …) s<n>)`.
//! - A to-one embed is `(select <row> from <child> t<n> where <link> and … limit 1)`.
//! - `order=rel(col)` (a to-one embed's column) sorts by the same subquery selecting the column
//!   alone: the value the embed shows, NULL when it shows none.
//! - A many-to-many embed joins the junction inside its subquery
//!   (`from <child> t<n> join <junction> j<n> on j<n>.c = t<n>.d where t<p>.a = j<n>.b and
//!   <junction guards>`).
//! - A spread embed (to-one) is a `left join lateral (select <value> as c0, … limit 1) l<n>
//!   on true`, and the parent's object takes `l<n>.c0, …` under the child's keys, in place:
//!   the keys keep their order and the child's values their types, which merging objects with
//!   `jsonb ||` would lose.
//! - `!inner`: the policy adds a [`plan::Condition::Exists`] for the embed to the parent's
//!   filters; it renders as `exists(select 1 from <child> t<n> where <link> and <filters> and
//!   <guards>)`. Nothing else here looks at `inner`.
//! - Limit and offset are bound (`limit cast($n::text as int8)`), so statements differing only
//!   in the page share their text (and a prepared-statement cache entry).
//! - `total`: for `count=exact`, `count(*)` over the root with its filters and guards and
//!   without limit and offset; for `count=estimated`, the same capped at the server's row cap
//!   plus one (beyond it the caller uses the planner's estimate); `null` for `count=planned`
//!   and when none is asked. [`render_count_plan`] renders the `explain` whose `Plan Rows` is
//!   the planner's estimate; the API sends it in the same flight.

use policy::plan::{self, Authorized, Embed, Link, Node, Order, Param, Table};
use policy::plan::{Direction, Nulls};

use crate::output::{self, Spread};
use crate::writer::{Alias, Writer};
use crate::{Format, Statement, condition, csv};

/// Renders an authorized read into one statement returning one row: `total` (`int8`),
/// `page_total` (`int8`) and `body` (`text`, in `format`).
pub fn render_read(plan: &Authorized<plan::Read>, format: Format) -> Statement {
    let read = plan.plan();
    let root = &read.root;
    let mut w = Writer::new();

    w.push("with pgrst_source as (select ");
    let n = w.fresh();
    let (fields, spreads) = output::fields(&mut w, root);
    row(&mut w, n, &fields, format);
    from_where(&mut w, root, n, None, &spreads);
    order(&mut w, n, &root.order);
    window(&mut w, root.limit, root.offset);
    w.push(") select ");

    match (read.count, read.count_cap) {
        (Some(plan::Count::Exact), _) | (Some(plan::Count::Estimated), None) => {
            w.push("(select count(*)");
            let n = w.fresh();
            from_where(&mut w, root, n, None, &[]);
            w.push(")");
        }
        (Some(plan::Count::Estimated), Some(cap)) => {
            // Exact up to the cap (one more row tells "beyond"); the caller then takes the
            // planner's estimate from `render_count_plan`.
            w.push("(select count(*) from (select 1");
            let n = w.fresh();
            from_where(&mut w, root, n, None, &[]);
            window(&mut w, Some(cap.saturating_add(1)), None);
            w.push(") pgrst_capped)");
        }
        (Some(plan::Count::Planned) | None, _) => w.push("null::int8"),
    }
    w.push(" as total, count(*) as page_total, ");
    body(&mut w, root, format);
    w.push(" as body from pgrst_source");
    w.finish()
}

/// For `count=planned` and `count=estimated`: `explain (format json)` of the root's filtered,
/// guarded rows, whose `Plan Rows` is the planner's estimate of the total. `None` otherwise.
pub fn render_count_plan(plan: &Authorized<plan::Read>) -> Option<Statement> {
    let read = plan.plan();
    if !matches!(
        read.count,
        Some(plan::Count::Planned | plan::Count::Estimated)
    ) {
        return None;
    }
    let mut w = Writer::new();
    w.push("explain (format json) select 1");
    let n = w.fresh();
    from_where(&mut w, &read.root, n, None, &[]);
    Some(w.finish())
}

/// One row of the body, on the rows of node `n`: its JSON object as `_j`, or its CSV line as
/// `_line`.
pub(crate) fn row(w: &mut Writer, n: u32, fields: &[output::Field<'_>], format: Format) {
    match format {
        Format::Json | Format::Object | Format::JsonStripNulls | Format::ObjectStripNulls => {
            output::object(w, n, fields);
            w.push(" as _j");
        }
        Format::Csv => {
            csv::row(w, n, fields);
            w.push(" as _line");
        }
    }
}

/// The body: an aggregate over the rows [`row`] wrote (the `node`'s, for the CSV header).
pub(crate) fn body(w: &mut Writer, node: &Node, format: Format) {
    match format {
        Format::Json => w.push("coalesce(json_agg(_j), '[]')::text"),
        Format::Object => w.push("(json_agg(_j) -> 0)::text"),
        Format::JsonStripNulls => w.push("coalesce(json_strip_nulls(json_agg(_j)), '[]')::text"),
        Format::ObjectStripNulls => w.push("json_strip_nulls(json_agg(_j) -> 0)::text"),
        Format::Csv => {
            csv::header(w, &output::keys(node));
            w.push(" || coalesce(chr(10) || string_agg(_line, chr(10)), '')");
        }
    }
}

/// An embed shown under its key, as a correlated subquery on the rows of node `parent`.
pub(crate) fn embed(w: &mut Writer, parent: u32, embed: &Embed) {
    let n = w.fresh();
    let node = &embed.node;
    let (fields, spreads) = output::fields(w, node);
    let link = Some((Alias::Table(parent), &embed.link));
    if embed.to_one {
        w.push("(select ");
        output::object(w, n, &fields);
        from_where(w, node, n, link, &spreads);
        order(w, n, &node.order);
        w.push(" limit 1)");
    } else {
        w.push("(select coalesce(json_agg(");
        w.alias(Alias::Sub(n));
        w.push("._j), '[]') from (select ");
        output::object(w, n, &fields);
        w.push(" as _j");
        from_where(w, node, n, link, &spreads);
        order(w, n, &node.order);
        window(w, node.limit, node.offset);
        w.push(") ");
        w.alias(Alias::Sub(n));
        w.push(")");
    }
}

/// `exists(select 1 from <child> … where <link> and <filters> and <guards>)`, on the rows of
/// the relation aliased `parent`.
pub(crate) fn exists(w: &mut Writer, parent: Alias, embed: &Embed) {
    let n = w.fresh();
    w.push("exists(select 1");
    from_where(w, &embed.node, n, Some((parent, &embed.link)), &[]);
    w.push(")");
}

/// A spread's lateral subquery: the child's values as `c0`, `c1`, … (in [`output::keys`]
/// order), at most one row.
fn lateral(w: &mut Writer, parent: u32, spread: &Spread<'_>) {
    let n = spread.n;
    let node = &spread.embed.node;
    let (fields, spreads) = output::fields(w, node);
    w.push("(select ");
    w.join((0u32..).zip(&fields), ", ", |w, (i, field)| {
        output::value(w, n, &field.value);
        w.push(" as ");
        w.alias(Alias::Column(i));
    });
    from_where(
        w,
        node,
        n,
        Some((Alias::Table(parent), &spread.embed.link)),
        &spreads,
    );
    order(w, n, &node.order);
    w.push(" limit 1)");
}

/// ` from <table> t<n> [join <junction> j<n> on …] [left join lateral … ] where …`: the rows of
/// node `n`, linked to the parent's when it has one.
fn from_where(
    w: &mut Writer,
    node: &Node,
    n: u32,
    parent: Option<(Alias, &Link)>,
    spreads: &[Spread<'_>],
) {
    let this = Alias::Table(n);
    w.push(" from ");
    table(w, &node.table);
    w.push(" ");
    w.alias(this);
    if let Some((
        _,
        Link::Junction {
            junction,
            child_pairs,
            ..
        },
    )) = parent
    {
        let junction_alias = Alias::Junction(n);
        w.push(" join ");
        table(w, junction);
        w.push(" ");
        w.alias(junction_alias);
        w.push(" on ");
        equalities(w, junction_alias, this, child_pairs);
    }
    spread_joins(w, n, spreads);

    let mut clauses = Clauses::default();
    match parent {
        None => {}
        Some((parent, Link::Direct { pairs })) => {
            clauses.next(w);
            equalities(w, parent, this, pairs);
        }
        Some((
            parent,
            Link::Junction {
                parent_pairs,
                guards,
                ..
            },
        )) => {
            let junction_alias = Alias::Junction(n);
            clauses.next(w);
            equalities(w, parent, junction_alias, parent_pairs);
            for guard in guards {
                clauses.next(w);
                condition::condition(w, junction_alias, guard);
            }
        }
    }
    for condition in node.filters.iter().chain(&node.guards) {
        clauses.next(w);
        condition::condition(w, this, condition);
    }
}

/// ` left join lateral (…) l<m> on true` for each spread of node `n`.
pub(crate) fn spread_joins(w: &mut Writer, n: u32, spreads: &[Spread<'_>]) {
    for spread in spreads {
        w.push(" left join lateral ");
        lateral(w, n, spread);
        w.push(" ");
        w.alias(Alias::Lateral(spread.n));
        w.push(" on true");
    }
}

/// Writes ` where ` before the first clause and ` and ` before the others.
#[derive(Default)]
pub(crate) struct Clauses {
    started: bool,
}

impl Clauses {
    pub(crate) fn next(&mut self, w: &mut Writer) {
        w.push(if self.started { " and " } else { " where " });
        self.started = true;
    }
}

/// `l.a = r.b and …` for each `(a, b)` (`true` for none).
fn equalities(w: &mut Writer, left: Alias, right: Alias, pairs: &[(plan::Ident, plan::Ident)]) {
    if pairs.is_empty() {
        w.push("true");
        return;
    }
    w.join(pairs, " and ", |w, (a, b)| {
        w.alias(left);
        w.push(".");
        w.ident(a);
        w.push(" = ");
        w.alias(right);
        w.push(".");
        w.ident(b);
    });
}

/// `"schema"."name"`.
pub(crate) fn table(w: &mut Writer, table: &Table) {
    w.ident(&table.schema);
    w.push(".");
    w.ident(&table.name);
}

/// ` order by <expr> [asc|desc] [nulls first|last], …` on the rows of node `n`. A term on a
/// to-one embed's column (`order=rel(col)`) sorts by a correlated subquery on the embed's
/// relation, linked, filtered and guarded as the embed itself is: `(select t<m>."col" from
/// <child> t<m> where <link> and <filters> and <guards> limit 1)`, NULL when the embed shows
/// no row.
fn order(w: &mut Writer, n: u32, terms: &[Order]) {
    if terms.is_empty() {
        return;
    }
    w.push(" order by ");
    w.join(terms, ", ", |w, term| {
        match &term.related {
            None => condition::operand_column(w, Alias::Table(n), &term.column),
            Some(embed) => {
                let m = w.fresh();
                w.push("(select ");
                condition::operand_column(w, Alias::Table(m), &term.column);
                from_where(w, &embed.node, m, Some((Alias::Table(n), &embed.link)), &[]);
                order(w, m, &embed.node.order);
                w.push(" limit 1)");
            }
        }
        match term.direction {
            None => {}
            Some(Direction::Asc) => w.push(" asc"),
            Some(Direction::Desc) => w.push(" desc"),
        }
        match term.nulls {
            None => {}
            Some(Nulls::First) => w.push(" nulls first"),
            Some(Nulls::Last) => w.push(" nulls last"),
        }
    });
}

/// ` limit cast($n::text as int8) offset cast($m::text as int8)`.
fn window(w: &mut Writer, limit: Option<u64>, offset: Option<u64>) {
    if let Some(limit) = limit {
        w.push(" limit cast(");
        w.param(Param::Text(limit.to_string()));
        w.push(" as int8)");
    }
    if let Some(offset) = offset {
        w.push(" offset cast(");
        w.param(Param::Text(offset.to_string()));
        w.push(" as int8)");
    }
}
