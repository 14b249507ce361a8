//! Relationships between relations, derived from foreign keys, as PostgREST derives them
//! for resource embedding.
//!
//! From every foreign key `t(c…) → ft(f…)`:
//! - `t → ft` many-to-one and `ft → t` one-to-many; or, when `c…` is exactly (as a set) the
//!   primary key or a unique constraint of `t`, one-to-one both ways;
//! - the same through views: a view showing all of `c…` (as plain columns, through any chain
//!   of views) stands in for `t`, a view showing all of `f…` for `ft`; every combination
//!   (view → table, table → view, view → view) gets the relationship, under the same
//!   constraint name;
//! - many-to-many `a → b` (and `b → a`) through a junction `j` that has many-to-one
//!   relationships to `a` and to `b` under two different constraints, whose columns together
//!   lie within `j`'s primary key or within one of its unique constraints.
//!
//! Only relationships whose source, target and junction are all exposed are kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::relation::{PrimaryKey, QualifiedName, Relation};

/// A way to embed `target` in `source`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Relationship {
    /// The relation the embed starts from.
    pub source: QualifiedName,
    /// The embedded relation.
    pub target: QualifiedName,
    /// How many target rows one source row has.
    pub cardinality: Cardinality,
    /// How the two are joined.
    pub join: Join,
}

/// How many target rows one source row relates to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cardinality {
    /// The source holds the foreign key: at most one target row (embeds as an object).
    ManyToOne,
    /// The target holds the foreign key: any number of target rows (embeds as an array).
    OneToMany,
    /// The foreign key columns are also a key of the table holding them: at most one row
    /// either way (embeds as an object).
    OneToOne,
    /// Through a junction relation (embeds as an array).
    ManyToMany,
}

impl Cardinality {
    /// At most one target row per source row.
    pub fn is_to_one(self) -> bool {
        matches!(self, Self::ManyToOne | Self::OneToOne)
    }
}

/// Which end of a relationship holds the foreign key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The relationship's source.
    Source,
    /// The relationship's target.
    Target,
}

/// An equality `left.from = right.to` between two relations on a join path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnPair {
    /// Column of the nearer relation on the path (the source, or for the junction's target
    /// side, the junction).
    pub from: String,
    /// Column of the farther relation (the target, or for the junction's source side, the
    /// junction).
    pub to: String,
}

impl ColumnPair {
    fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            from: from.into(),
            to: to.into(),
        }
    }

    fn swapped(&self) -> Self {
        Self::new(&self.to, &self.from)
    }
}

/// How source and target rows are matched.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum Join {
    /// One foreign key: `source.from = target.to` for every pair.
    ForeignKey {
        /// The foreign key constraint (what an embed hint `rel!name` names). For a
        /// relationship inferred through a view, the base table's constraint.
        constraint: String,
        /// Which end holds the key: the source for many-to-one, the target for
        /// one-to-many, either for one-to-one.
        holder: Side,
        /// Column pairs, in key order: `from` on the source, `to` on the target.
        columns: Vec<ColumnPair>,
    },
    /// Through a junction: `source.from = junction.to` for `source_columns`, then
    /// `junction.from = target.to` for `target_columns`.
    Junction {
        /// The junction relation.
        junction: QualifiedName,
        /// The junction's foreign key to the source.
        source_constraint: String,
        /// `from` on the source, `to` on the junction.
        source_columns: Vec<ColumnPair>,
        /// The junction's foreign key to the target.
        target_constraint: String,
        /// `from` on the junction, `to` on the target.
        target_columns: Vec<ColumnPair>,
    },
}

impl Relationship {
    /// Source and target are the same relation.
    pub fn is_self(&self) -> bool {
        self.source == self.target
    }

    /// The junction, for many-to-many.
    pub fn junction(&self) -> Option<&QualifiedName> {
        match &self.join {
            Join::Junction { junction, .. } => Some(junction),
            Join::ForeignKey { .. } => None,
        }
    }

    /// The constraint names involved: one foreign key, or the junction's two.
    pub fn constraints(&self) -> impl Iterator<Item = &str> {
        let (a, b) = match &self.join {
            Join::ForeignKey { constraint, .. } => (constraint.as_str(), None),
            Join::Junction {
                source_constraint,
                target_constraint,
                ..
            } => (source_constraint.as_str(), Some(target_constraint.as_str())),
        };
        std::iter::once(a).chain(b)
    }
}

/// One end of a foreign key as seen through a table or a view: the relation and its
/// columns, pairwise with the key's columns.
#[derive(Clone, Debug)]
struct End<'a> {
    relation: &'a QualifiedName,
    columns: Vec<&'a str>,
}

/// A to-one relationship from the relation holding a key (or a view standing in for it).
#[derive(Clone, Debug)]
struct ToOne<'a> {
    source: &'a QualifiedName,
    target: &'a QualifiedName,
    constraint: &'a str,
    one_to_one: bool,
    /// `(source column, target column)`.
    pairs: Vec<(&'a str, &'a str)>,
}

/// Every relation the derivation may look at, by name, with qualified names kept alive.
struct World<'a> {
    by_name: HashMap<(&'a str, &'a str), (&'a Relation, &'a QualifiedName)>,
    exposed: BTreeSet<(&'a str, &'a str)>,
}

fn key(name: &QualifiedName) -> (&str, &str) {
    (name.schema.as_str(), name.name.as_str())
}

/// Names of every relation, computed once so relationships can borrow them.
fn names(relations: &[Relation]) -> Vec<QualifiedName> {
    relations.iter().map(Relation::qualified_name).collect()
}

/// For each exposed view: base column → the view's columns showing it, in view order.
type Origins<'a> = BTreeMap<(&'a str, &'a str, &'a str), Vec<&'a str>>;

fn view_origins<'a>(view: &'a Relation) -> Origins<'a> {
    let mut map: Origins<'a> = BTreeMap::new();
    for column in &view.columns {
        if let Some(origin) = &column.origin {
            map.entry((
                origin.relation.schema.as_str(),
                origin.relation.name.as_str(),
                origin.column.as_str(),
            ))
            .or_default()
            .push(column.name.as_str());
        }
    }
    map
}

/// Infer primary keys of views from their base tables (PostgREST's rule): for every base
/// relation whose whole primary key the view shows, take the first view column showing
/// each key column; the view's key is the concatenation, named after the first such base
/// key. Views that already have a key are left alone.
pub(crate) fn infer_view_keys(exposed: &mut [Relation], hidden: &[Relation]) {
    let base_keys: HashMap<(String, String), PrimaryKey> = exposed
        .iter()
        .chain(hidden)
        .filter(|r| !r.kind.is_view())
        .filter_map(|r| {
            r.primary_key
                .clone()
                .map(|pk| ((r.schema.clone(), r.name.clone()), pk))
        })
        .collect();
    for view in exposed.iter_mut() {
        if !view.kind.is_view() || view.primary_key.is_some() {
            continue;
        }
        let origins = view_origins(view);
        // Base relations in the order the view first shows one of their columns.
        let mut bases: Vec<&QualifiedName> = Vec::new();
        for column in &view.columns {
            if let Some(origin) = &column.origin
                && !bases.contains(&&origin.relation)
            {
                bases.push(&origin.relation);
            }
        }
        let mut name = None;
        let mut columns = Vec::new();
        for base in bases {
            let Some(pk) = base_keys.get(&(base.schema.clone(), base.name.clone())) else {
                continue;
            };
            let shown: Option<Vec<&str>> = pk
                .columns
                .iter()
                .map(|c| {
                    origins
                        .get(&(base.schema.as_str(), base.name.as_str(), c.as_str()))
                        .and_then(|cols| cols.first().copied())
                })
                .collect();
            if let Some(shown) = shown {
                name.get_or_insert_with(|| pk.name.clone());
                columns.extend(shown.into_iter().map(str::to_owned));
            }
        }
        if let Some(name) = name {
            view.primary_key = Some(PrimaryKey { name, columns });
        }
    }
}

/// Derive every relationship among `exposed` relations, looking through `hidden` ones
/// (base tables outside the exposed schemas that exposed views read from) for keys.
/// The result is sorted and free of duplicates.
pub(crate) fn derive(exposed: &[Relation], hidden: &[Relation]) -> Vec<Relationship> {
    let exposed_names = names(exposed);
    let hidden_names = names(hidden);
    let mut world = World {
        by_name: HashMap::new(),
        exposed: BTreeSet::new(),
    };
    // Hidden first so that an exposed relation of the same name wins.
    for (r, n) in hidden.iter().zip(&hidden_names) {
        world.by_name.insert(key(n), (r, n));
    }
    for (r, n) in exposed.iter().zip(&exposed_names) {
        world.by_name.insert(key(n), (r, n));
        world.exposed.insert(key(n));
    }

    let views = Views::new(exposed, &exposed_names);

    // 1. To-one relationships from every foreign key, directly and through views.
    let mut to_one: Vec<ToOne<'_>> = Vec::new();
    let mut all: Vec<(&Relation, &QualifiedName)> = world.by_name.values().copied().collect();
    all.sort_by(|a, b| a.1.cmp(b.1));
    for (relation, name) in all {
        for fk in &relation.foreign_keys {
            let one_to_one = relation.unique_keys().any(|k| {
                same_set(
                    k.iter().map(String::as_str),
                    fk.columns.iter().map(String::as_str),
                )
            });
            let Some(target) = world.by_name.get(&key(&fk.referenced)).map(|(_, n)| *n) else {
                // The referenced relation is neither exposed nor read by an exposed view:
                // nothing can embed it.
                continue;
            };
            let holders = views.ends(name, fk.columns.iter().map(String::as_str).collect());
            let referenced = views.ends(
                target,
                fk.referenced_columns.iter().map(String::as_str).collect(),
            );
            for h in &holders {
                for r in &referenced {
                    to_one.push(ToOne {
                        source: h.relation,
                        target: r.relation,
                        constraint: &fk.name,
                        one_to_one,
                        pairs: h
                            .columns
                            .iter()
                            .copied()
                            .zip(r.columns.iter().copied())
                            .collect(),
                    });
                }
            }
        }
    }

    let mut out: Vec<Relationship> = Vec::new();

    // 2. Many-to-many through junctions, from the many-to-one relationships.
    let mut by_junction: BTreeMap<&QualifiedName, Vec<&ToOne<'_>>> = BTreeMap::new();
    for r in to_one.iter().filter(|r| !r.one_to_one) {
        by_junction.entry(r.source).or_default().push(r);
    }
    for (junction, rels) in &by_junction {
        let Some((junction_rel, _)) = world.by_name.get(&key(junction)) else {
            continue;
        };
        for a in rels {
            for b in rels {
                if a.constraint == b.constraint {
                    continue;
                }
                let cols: BTreeSet<&str> =
                    a.pairs.iter().chain(&b.pairs).map(|(c, _)| *c).collect();
                let fits = junction_rel
                    .unique_keys()
                    .any(|k| cols.iter().all(|c| k.iter().any(|kc| kc == c)));
                if !fits {
                    continue;
                }
                out.push(Relationship {
                    source: a.target.clone(),
                    target: b.target.clone(),
                    cardinality: Cardinality::ManyToMany,
                    join: Join::Junction {
                        junction: (*junction).clone(),
                        source_constraint: a.constraint.to_owned(),
                        source_columns: a
                            .pairs
                            .iter()
                            .map(|(j, s)| ColumnPair::new(*s, *j))
                            .collect(),
                        target_constraint: b.constraint.to_owned(),
                        target_columns: b
                            .pairs
                            .iter()
                            .map(|(j, t)| ColumnPair::new(*j, *t))
                            .collect(),
                    },
                });
            }
        }
    }

    // 3. Both directions of every to-one relationship.
    for r in &to_one {
        let columns: Vec<ColumnPair> = r
            .pairs
            .iter()
            .map(|(s, t)| ColumnPair::new(*s, *t))
            .collect();
        let inverse: Vec<ColumnPair> = columns.iter().map(ColumnPair::swapped).collect();
        let (forward, backward) = if r.one_to_one {
            (Cardinality::OneToOne, Cardinality::OneToOne)
        } else {
            (Cardinality::ManyToOne, Cardinality::OneToMany)
        };
        out.push(Relationship {
            source: r.source.clone(),
            target: r.target.clone(),
            cardinality: forward,
            join: Join::ForeignKey {
                constraint: r.constraint.to_owned(),
                holder: Side::Source,
                columns,
            },
        });
        out.push(Relationship {
            source: r.target.clone(),
            target: r.source.clone(),
            cardinality: backward,
            join: Join::ForeignKey {
                constraint: r.constraint.to_owned(),
                holder: Side::Target,
                columns: inverse,
            },
        });
    }

    // 4. Keep what is exposed end to end.
    out.retain(|r| {
        world.exposed.contains(&key(&r.source))
            && world.exposed.contains(&key(&r.target))
            && r.junction().is_none_or(|j| world.exposed.contains(&key(j)))
    });
    out.sort();
    out.dedup();
    out
}

/// Exposed views with what they show, indexed by the base relations they show.
struct Views<'a> {
    views: Vec<(&'a QualifiedName, Origins<'a>)>,
    by_base: HashMap<(&'a str, &'a str), Vec<usize>>,
}

impl<'a> Views<'a> {
    fn new(exposed: &'a [Relation], names: &'a [QualifiedName]) -> Self {
        let views: Vec<(&QualifiedName, Origins<'_>)> = exposed
            .iter()
            .zip(names)
            .filter(|(r, _)| r.kind.is_view())
            .map(|(r, n)| (n, view_origins(r)))
            .filter(|(_, o)| !o.is_empty())
            .collect();
        let mut by_base: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, (_, origins)) in views.iter().enumerate() {
            let bases: BTreeSet<(&str, &str)> = origins.keys().map(|(s, n, _)| (*s, *n)).collect();
            for base in bases {
                by_base.entry(base).or_default().push(i);
            }
        }
        Self { views, by_base }
    }

    /// The relation itself with `columns`, then every exposed view showing all of them as
    /// plain columns (one end per combination when a view shows a column more than once).
    fn ends(&self, relation: &'a QualifiedName, columns: Vec<&'a str>) -> Vec<End<'a>> {
        let mut out = Vec::new();
        let candidates = self
            .by_base
            .get(&key(relation))
            .map_or(&[][..], Vec::as_slice);
        for &i in candidates {
            let (view, origins) = &self.views[i];
            let shown: Option<Vec<&Vec<&str>>> = columns
                .iter()
                .map(|c| origins.get(&(relation.schema.as_str(), relation.name.as_str(), *c)))
                .collect();
            let Some(shown) = shown else { continue };
            // Cartesian product of the view columns showing each key column.
            let mut combos: Vec<Vec<&str>> = vec![Vec::new()];
            for choices in shown {
                combos = combos
                    .into_iter()
                    .flat_map(|prefix| {
                        choices.iter().map(move |c| {
                            let mut next = prefix.clone();
                            next.push(*c);
                            next
                        })
                    })
                    .collect();
            }
            out.extend(combos.into_iter().map(|columns| End {
                relation: view,
                columns,
            }));
        }
        out.insert(0, End { relation, columns });
        out
    }
}

fn same_set<'a>(a: impl Iterator<Item = &'a str>, b: impl Iterator<Item = &'a str>) -> bool {
    a.collect::<BTreeSet<_>>() == b.collect::<BTreeSet<_>>()
}

#[cfg(test)]
#[path = "relationship_tests.rs"]
mod tests;
