//! The catalog: everything exposed, with indexes for constant-time lookups.

use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::relation::{QualifiedName, Relation, Schema};
use crate::relationship::{self, Relationship};

/// The exposed part of a database: schemas, relations and the relationships between them.
///
/// Built by [`crate::introspect`] or by hand with [`Catalog::new`]. Relations are sorted by
/// (schema, name) and relationships by (source, target, …), both in byte order, so a
/// serialized catalog is deterministic. The lookup indexes are not serialized; they are
/// rebuilt when a catalog is deserialized.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "CatalogData")]
pub struct Catalog {
    schemas: Vec<Schema>,
    relations: Vec<Relation>,
    relationships: Vec<Relationship>,
    #[serde(skip)]
    index: Index,
}

/// The serialized form, without indexes.
#[derive(Deserialize)]
struct CatalogData {
    schemas: Vec<Schema>,
    relations: Vec<Relation>,
    relationships: Vec<Relationship>,
}

impl From<CatalogData> for Catalog {
    fn from(data: CatalogData) -> Self {
        let mut catalog = Catalog {
            schemas: data.schemas,
            relations: data.relations,
            relationships: data.relationships,
            index: Index::default(),
        };
        catalog.relations.sort_by(by_name);
        catalog.relationships.sort();
        catalog.index = Index::build(&catalog.relations, &catalog.relationships);
        catalog
    }
}

/// Two catalogs are equal when their content is; indexes follow from content.
impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        self.schemas == other.schemas
            && self.relations == other.relations
            && self.relationships == other.relationships
    }
}

impl Eq for Catalog {}

#[derive(Clone, Debug, Default)]
struct Index {
    /// schema → name → position in `relations`.
    relations: HashMap<String, HashMap<String, usize>>,
    /// Per relation (same positions), its relationships: a range of `relationships`, which
    /// is sorted by source like `relations`.
    from: Vec<Range<usize>>,
}

impl Index {
    fn build(relations: &[Relation], relationships: &[Relationship]) -> Self {
        let mut index = Index {
            relations: HashMap::new(),
            from: vec![0..0; relations.len()],
        };
        for (i, r) in relations.iter().enumerate() {
            index
                .relations
                .entry(r.schema.clone())
                .or_default()
                .insert(r.name.clone(), i);
        }
        let mut start = 0;
        while start < relationships.len() {
            let source = &relationships[start].source;
            let end = start
                + relationships[start..]
                    .iter()
                    .take_while(|r| &r.source == source)
                    .count();
            if let Some(i) = index.position(&source.schema, &source.name) {
                index.from[i] = start..end;
            }
            start = end;
        }
        index
    }

    fn position(&self, schema: &str, name: &str) -> Option<usize> {
        self.relations.get(schema)?.get(name).copied()
    }
}

fn by_name(a: &Relation, b: &Relation) -> std::cmp::Ordering {
    (&a.schema, &a.name).cmp(&(&b.schema, &b.name))
}

impl Catalog {
    /// A catalog of `relations` in `schemas` (kept in the given order: the first is the
    /// default schema). Sorts relations, their unique constraints and foreign keys, infers
    /// primary keys of views from their base tables, and derives relationships.
    pub fn new(schemas: Vec<Schema>, relations: Vec<Relation>) -> Self {
        Self::with_base_relations(schemas, relations, Vec::new())
    }

    /// Like [`Catalog::new`], also looking at `base_relations`: relations outside the
    /// exposed schemas that exposed views read from. Their keys and foreign keys let
    /// relationships and primary keys be inferred through the views; they are not kept.
    pub fn with_base_relations(
        schemas: Vec<Schema>,
        mut relations: Vec<Relation>,
        base_relations: Vec<Relation>,
    ) -> Self {
        relations.sort_by(by_name);
        relations.dedup_by(|a, b| a.schema == b.schema && a.name == b.name);
        for r in &mut relations {
            r.unique_constraints.sort_by(|a, b| a.name.cmp(&b.name));
            r.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        }
        relationship::infer_view_keys(&mut relations, &base_relations);
        let relationships = relationship::derive(&relations, &base_relations);
        let index = Index::build(&relations, &relationships);
        Catalog {
            schemas,
            relations,
            relationships,
            index,
        }
    }

    /// The exposed schemas, in configured order (only those that exist).
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// An exposed schema by name.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.name == name)
    }

    /// Every relation, sorted by (schema, name).
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// The relations of one schema, sorted by name.
    pub fn relations_in<'a>(&'a self, schema: &'a str) -> impl Iterator<Item = &'a Relation> {
        self.relations.iter().filter(move |r| r.schema == schema)
    }

    /// A relation by schema and name, in constant time.
    pub fn relation(&self, schema: &str, name: &str) -> Option<&Relation> {
        self.index
            .position(schema, name)
            .map(|i| &self.relations[i])
    }

    /// A relation by qualified name, in constant time.
    pub fn get(&self, name: &QualifiedName) -> Option<&Relation> {
        self.relation(&name.schema, &name.name)
    }

    /// Every relationship, sorted.
    pub fn relationships(&self) -> &[Relationship] {
        &self.relationships
    }

    /// The relationships whose source is `source` (what `source?select=x(…)` can embed),
    /// sorted by target; empty for an unknown relation.
    pub fn relationships_from(&self, source: &QualifiedName) -> &[Relationship] {
        self.index
            .position(&source.schema, &source.name)
            .map_or(&[], |i| &self.relationships[self.index.from[i].clone()])
    }

    /// The relationships from `source` to `target`. More than one means an embed of
    /// `target` is ambiguous without a hint.
    pub fn relationships_between<'a>(
        &'a self,
        source: &QualifiedName,
        target: &'a QualifiedName,
    ) -> impl Iterator<Item = &'a Relationship> {
        self.relationships_from(source)
            .iter()
            .filter(move |r| &r.target == target)
    }
}
