//! The one policy step: a parsed request and a principal become an [`Authorized`] plan, or an
//! [`Error`].
//!
//! Names are resolved here, against the catalog *as the caller's role sees it*: a table the role
//! has no rights on, a hidden column, an encrypted column the role may not decrypt, and an embed
//! of a table the role cannot read all answer exactly as if they did not exist. The policy's
//! predicates (the row filter with the principal's values, the tenant scope) are added to every
//! relation the plan touches, at every depth.

mod write;

pub use write::{WriteRequest, authorize_write};

use std::collections::{BTreeMap, BTreeSet};

use query::{Field, JsonArrow, SelectItem};
use schema::{Cardinality, Catalog, Join, QualifiedName, Relation, Relationship};

use crate::plan::{
    self, Authorized, ColumnRef, Condition, Embed, Ident, Link, Node, Order, Output, Param, Reveal,
    Table, TypeName,
};
use crate::{Operation, PolicyFile, Read, RowFilter, TableRights, Variable};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The policy role.
    pub role: String,
    /// The tenant the principal is bound to.
    pub tenant: Tenant,
    /// JWT `sub`, or the API key's id.
    pub subject: Option<String>,
    /// Claims as text, for `$claims.<name>` in row filters.
    pub claims: BTreeMap<String, String>,
}

/// The tenant a principal is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// None: tenant-scoped tables are refused (fail closed).
    Missing,
    /// One tenant: tenant-scoped tables are limited to it.
    One(String),
    /// A cross-tenant principal (an API key made so explicitly).
    All,
}

/// Server-side inputs that are not part of the request.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The schema a bare relation name in the URL refers to.
    pub schema: String,
    /// The server's cap on rows per response (`GATEHOUSE_MAX_ROWS`).
    pub max_rows: Option<u64>,
    /// The keys of encrypted columns, newest first (`GATEHOUSE_ENCRYPTION_KEYS`); its `Debug`
    /// prints only the ids.
    pub encryption_key: Option<crate::Keyring>,
}

/// A read request as the API hands it over.
#[derive(Debug, Clone)]
pub struct ReadRequest<'a> {
    /// The relation named in the path.
    pub relation: &'a str,
    /// The parsed query string (the `Range` header already folded into the top-level window).
    pub request: &'a query::Request,
    pub count: Option<query::Count>,
}

/// Why a request was refused. Each variant carries what the error body needs and nothing
/// more: never a hidden name, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The relation does not exist, or the role has no rights on it.
    #[error("unknown relation {name}")]
    UnknownRelation { name: String },
    /// The role may see the relation but not do this to it.
    #[error("{operation} on {relation} is not allowed for role {role}")]
    OperationDenied {
        relation: String,
        operation: Operation,
        role: String,
    },
    /// The column does not exist, or is hidden from the role. `relation` is the name the client
    /// used.
    #[error("unknown column {relation}.{column}")]
    UnknownColumn { relation: String, column: String },
    /// Filtering, ordering or a JSON path on a masked or encrypted column.
    #[error("column {column} cannot be used to {usage}")]
    ProtectedColumn {
        column: String,
        usage: Usage,
        protection: Protection,
    },
    /// No relationship between the two relations (as the role sees them).
    #[error("no relationship between {parent} and {child}")]
    NoRelationship { parent: String, child: String },
    /// Several relationships match; the client must pick one with a hint.
    #[error("ambiguous embed of {child} in {parent}")]
    AmbiguousEmbed {
        parent: String,
        child: String,
        candidates: Vec<Candidate>,
    },
    /// A filter, order or limit names an embed path that the `select` does not embed.
    #[error("{path} is not an embedded resource in this request")]
    NotEmbedded { path: String },
    /// `...rel` on a to-many relationship.
    #[error("spread of to-many relationship {relation}")]
    SpreadToMany { relation: String },
    /// A cast to a type outside the supported list.
    #[error("unsupported cast to {ty}")]
    UnsupportedCast { ty: String },
    /// Aggregates are not enabled.
    #[error("aggregate functions are not allowed")]
    AggregatesDisabled,
    /// `order=rel(col)` where `rel` is a to-many embed (PostgREST `PGRST118`): only a to-one
    /// embed has one value per parent row to sort by.
    #[error("related order on to-many relationship {relation} of {parent}")]
    RelatedOrderNotToOne { parent: String, relation: String },
    /// The relation is tenant-scoped and the principal has no tenant.
    #[error("tenant-scoped relation {relation} needs a tenant")]
    TenantRequired { relation: String },
    /// The role's row filter needs a value the principal does not have (fail closed).
    #[error("row filter needs {variable}, which the principal lacks")]
    MissingVariable { variable: String },
    /// The policy's row filter does not parse or names an unknown column (a server bug once the
    /// policy has been validated).
    #[error("row filter of {relation} is invalid: {reason}")]
    InvalidRowFilter { relation: String, reason: String },
    /// An encrypted column must be read and no key is configured (a server configuration error).
    #[error("no encryption key configured")]
    EncryptionKeyMissing,
    /// A payload key that is not a column, or a hidden one (PostgREST `PGRST204`).
    #[error("unknown payload column {relation}.{column}")]
    UnknownPayloadColumn { relation: String, column: String },
    /// A payload key the role may read but not write.
    #[error("read-only column {relation}.{column}")]
    ReadOnlyColumn { relation: String, column: String },
    /// The payload names a tenant other than the caller's.
    #[error("payload names another tenant on {relation}")]
    ForeignTenant { relation: String },
    /// PATCH or DELETE without a filter, and the policy does not allow it.
    #[error("unfiltered write on {relation}")]
    UnfilteredWrite { relation: String },
    /// PATCH whose payload sets nothing the role may change.
    #[error("empty update on {relation}")]
    EmptyUpdate { relation: String },
    /// The payload is not an object or an array of objects.
    #[error("payload is not an object or an array of objects")]
    PayloadNotObjects,
    /// The objects of a bulk payload have different keys.
    #[error("payload objects have different keys")]
    PayloadKeysDiffer,
    /// PUT with anything but one object.
    #[error("PUT needs one object")]
    PutNeedsOneObject,
    /// PUT whose filters are not `eq` on exactly the primary key, matching the payload.
    #[error("PUT filters must be eq on every primary key column, matching the payload")]
    PutFilters,
    /// An upsert on a relation without a primary key and without `on_conflict=`.
    #[error("no conflict target on {relation}")]
    NoConflictTarget { relation: String },
}

/// What a protected column was used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Filter,
    Order,
    JsonPath,
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Usage::Filter => "filter",
            Usage::Order => "order",
            Usage::JsonPath => "follow a JSON path",
        })
    }
}

/// Why a column is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    Masked,
    Encrypted,
}

/// One candidate of an ambiguous embed, as PostgREST lists them (PGRST201).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// `many-to-one`, `one-to-many`, `one-to-one` or `many-to-many`.
    pub cardinality: &'static str,
    /// `parent with child`.
    pub embedding: String,
    /// The constraint(s) and columns, e.g. `orders_customer_id_fkey using orders(customer_id) and customers(id)`.
    pub relationship: String,
    /// The hint that picks it (`child!hint`).
    pub hint: String,
}

/// Authorizes a read: resolves `select`, filters, `order` and windows against what the role may
/// see, adds the row filter and tenant scope at every level, and caps the rows.
pub fn authorize_read(
    file: &PolicyFile,
    catalog: &Catalog,
    principal: &Principal,
    env: &Environment,
    read: &ReadRequest<'_>,
) -> Result<Authorized<plan::Read>, Error> {
    let resolver = Resolver {
        file,
        catalog,
        principal,
        env,
    };
    let (relation, rights) = resolver.visible(&QualifiedName::new(&env.schema, read.relation))?;
    if !rights.can(Operation::Select) {
        return Err(Error::OperationDenied {
            relation: read.relation.to_owned(),
            operation: Operation::Select,
            role: principal.role.clone(),
        });
    }
    let root = resolver.node(
        read.relation,
        relation,
        &rights,
        &read.request.select,
        read.request,
        &mut Vec::new(),
    )?;
    resolver.check_paths(read.request, &root)?;
    let count = read.count.map(|count| match count {
        query::Count::Exact => plan::Count::Exact,
        query::Count::Planned => plan::Count::Planned,
        query::Count::Estimated => plan::Count::Estimated,
    });
    Ok(Authorized::new(plan::Read {
        root,
        count,
        count_cap: env.max_rows,
    }))
}

struct Resolver<'a> {
    file: &'a PolicyFile,
    catalog: &'a Catalog,
    principal: &'a Principal,
    env: &'a Environment,
}

impl<'a> Resolver<'a> {
    /// The relation and the role's rights on it, or `UnknownRelation` for both "does not exist"
    /// and "not for this role".
    fn visible(&self, name: &QualifiedName) -> Result<(&'a Relation, TableRights), Error> {
        let unknown = || Error::UnknownRelation {
            name: name.name.clone(),
        };
        let relation = self.catalog.get(name).ok_or_else(unknown)?;
        let rights = self
            .file
            .rights(&self.principal.role, name)
            .ok_or_else(unknown)?;
        Ok((relation, rights))
    }

    /// Resolves one relation's part of the read. `path` is the embed path of this node (for
    /// matching `books.pages=gt.1` to it).
    fn node(
        &self,
        written: &str,
        relation: &'a Relation,
        rights: &TableRights,
        select: &[SelectItem],
        request: &query::Request,
        path: &mut Vec<String>,
    ) -> Result<Node, Error> {
        let columns = Columns {
            written,
            relation,
            rights,
            keys: self.env.encryption_key.as_ref(),
        };
        let mut outputs = Vec::new();
        let mut exists = Vec::new();
        for item in select {
            match item {
                SelectItem::Star => {
                    for column in &relation.columns {
                        if let Some(reveal) = columns.reveal(&column.name)? {
                            outputs.push(Output::Column {
                                key: column.name.clone(),
                                column: columns.plain_ref(column),
                                cast: None,
                                reveal,
                            });
                        }
                    }
                }
                SelectItem::Field(field) => {
                    if field.aggregate.is_some() {
                        return Err(Error::AggregatesDisabled);
                    }
                    let column = columns.find(&field.field.column)?;
                    let reveal = columns
                        .reveal(&column.name)?
                        .ok_or_else(|| columns.unknown(&field.field.column))?;
                    if !field.field.json_path.is_empty() && reveal != Reveal::Plain {
                        return Err(columns.protected(&column.name, Usage::JsonPath));
                    }
                    let key = field
                        .alias
                        .clone()
                        .unwrap_or_else(|| output_key(&field.field));
                    outputs.push(Output::Column {
                        key,
                        column: columns.field_ref(column, &field.field),
                        cast: field.cast.as_deref().map(cast_type).transpose()?,
                        reveal,
                    });
                }
                SelectItem::Count { .. } => return Err(Error::AggregatesDisabled),
                SelectItem::Embed(embed) => {
                    let output_name = embed
                        .alias
                        .clone()
                        .unwrap_or_else(|| embed.relation.clone());
                    path.push(output_name.clone());
                    let resolved = self.embed(written, relation, embed, request, path);
                    path.pop();
                    let resolved = resolved?;
                    if resolved.inner {
                        exists.push(Condition::Exists {
                            embed: Box::new(resolved.clone()),
                        });
                    }
                    outputs.push(Output::Embed(Box::new(resolved)));
                }
            }
        }

        let mut filters = Vec::new();
        for (filter_path, condition) in &request.filters {
            if filter_path == path {
                filters.push(client_condition(&columns, &outputs, condition)?);
            }
        }
        filters.extend(exists);

        let mut order = Vec::new();
        for (order_path, terms) in &request.order {
            if order_path == path {
                for term in terms {
                    let (column, related) = match &term.relation {
                        None => (columns.filterable(&term.field, Usage::Order)?, None),
                        Some(relation) => {
                            let (column, embed) =
                                self.related_order(written, &outputs, relation, &term.field)?;
                            (column, Some(embed))
                        }
                    };
                    order.push(Order {
                        column,
                        direction: term.direction,
                        nulls: term.nulls,
                        related,
                    });
                }
            }
        }

        let window = request
            .limits
            .iter()
            .find(|(window_path, _)| window_path == path)
            .map(|(_, window)| *window)
            .unwrap_or_default();
        let cap = min_option(rights.max_rows, self.env.max_rows);
        let limit = min_option(window.limit, cap);

        Ok(Node {
            table: Table::of(relation, self.file),
            outputs,
            filters,
            guards: self.guards(written, relation, rights)?,
            order,
            limit,
            offset: window.offset.filter(|offset| *offset > 0),
        })
    }

    /// `order=rel(col)` on a node showing `outputs`: `rel` must name one of its embeds (by alias,
    /// else by relation name, as PostgREST matches it), a to-one one; `col` is resolved against
    /// the embedded relation as the role sees it, exactly as a plain `order=` column is (hidden
    /// is missing, masked and encrypted are refused). The term carries the embed itself, so the
    /// value sorted by is the one the embed shows: its filters, tenant scope and row filter apply.
    fn related_order(
        &self,
        parent_written: &str,
        outputs: &[Output],
        relation: &str,
        field: &Field,
    ) -> Result<(ColumnRef, Box<Embed>), Error> {
        let embed = embed_named(outputs, relation).ok_or_else(|| Error::NotEmbedded {
            path: relation.to_owned(),
        })?;
        if !embed.to_one {
            return Err(Error::RelatedOrderNotToOne {
                parent: parent_written.to_owned(),
                relation: relation.to_owned(),
            });
        }
        let table = &embed.node.table;
        let (child, rights) = self.visible(&QualifiedName::new(
            table.schema.as_str(),
            table.name.as_str(),
        ))?;
        let columns = Columns {
            written: relation,
            relation: child,
            rights: &rights,
            keys: self.env.encryption_key.as_ref(),
        };
        let column = columns.filterable(field, Usage::Order)?;
        Ok((column, Box::new(embed.clone())))
    }

    /// The policy's predicates on one relation: its row filter and its tenant scope.
    fn guards(
        &self,
        written: &str,
        relation: &Relation,
        rights: &TableRights,
    ) -> Result<Vec<Condition>, Error> {
        let mut guards = Vec::new();
        if let Some(tenant_column) = &rights.tenant_column
            && let Some(column) = relation.column(tenant_column)
        {
            match &self.principal.tenant {
                Tenant::All => {}
                Tenant::Missing => {
                    return Err(Error::TenantRequired {
                        relation: written.to_owned(),
                    });
                }
                Tenant::One(tenant) => guards.push(Condition::Filter {
                    column: ColumnRef {
                        column: Ident::from_catalog(&column.name),
                        ty: TypeName::of(&column.ty),
                        json_path: Vec::new(),
                    },
                    negate: false,
                    op: plan::Operation::Compare(query::CmpOp::Eq, Param::Text(tenant.clone())),
                }),
            }
        }
        if let Some(rows) = &rights.rows {
            guards.extend(self.row_filter(written, relation, rows)?);
        }
        Ok(guards)
    }

    /// The row filter (parsed when the policy was loaded), its variables replaced by the
    /// principal's values inside the parsed operands (never in the text, so a claim cannot change
    /// the filter's shape). Resolved against the whole table: a policy may filter on hidden
    /// columns.
    fn row_filter(
        &self,
        written: &str,
        relation: &Relation,
        rows: &RowFilter,
    ) -> Result<Vec<Condition>, Error> {
        let everything = unrestricted(relation, rights_encrypted(self.file, relation));
        let columns = Columns {
            written,
            relation,
            rights: &everything,
            keys: None,
        };
        rows.conditions
            .iter()
            .map(|condition| {
                let substituted = self.substitute(condition)?;
                columns
                    .condition(&substituted)
                    .map_err(|err| Error::InvalidRowFilter {
                        relation: written.to_owned(),
                        reason: err.to_string(),
                    })
            })
            .collect()
    }

    fn substitute(&self, condition: &query::Condition) -> Result<query::Condition, Error> {
        Ok(match condition {
            query::Condition::Filter { field, negate, op } => query::Condition::Filter {
                field: field.clone(),
                negate: *negate,
                op: self.substitute_op(op)?,
            },
            query::Condition::Logic {
                op,
                negate,
                children,
            } => query::Condition::Logic {
                op: *op,
                negate: *negate,
                children: children
                    .iter()
                    .map(|child| self.substitute(child))
                    .collect::<Result<_, _>>()?,
            },
        })
    }

    fn substitute_op(&self, op: &query::Operation) -> Result<query::Operation, Error> {
        use query::Operation as Op;
        Ok(match op {
            Op::Compare(cmp, quantifier, value) => {
                Op::Compare(*cmp, *quantifier, self.substitute_value(value)?)
            }
            Op::In(values) => Op::In(
                values
                    .iter()
                    .map(|value| self.substitute_value(value))
                    .collect::<Result<_, _>>()?,
            ),
            Op::Is(value) => Op::Is(*value),
            Op::Fts {
                kind,
                language,
                query,
            } => Op::Fts {
                kind: *kind,
                language: language.clone(),
                query: self.substitute_value(query)?,
            },
            Op::Range(range, value) => Op::Range(*range, self.substitute_value(value)?),
        })
    }

    /// A whole-operand variable replaced by the principal's value; any other operand as is.
    /// A missing value refuses the request (fail closed).
    fn substitute_value(&self, value: &query::Value) -> Result<query::Value, Error> {
        let Some(variable) = Variable::of(value.as_str()) else {
            return Ok(value.clone());
        };
        let missing = || Error::MissingVariable {
            variable: value.as_str().to_owned(),
        };
        let replacement = match variable {
            Variable::Sub => self.principal.subject.clone().ok_or_else(missing)?,
            Variable::Tenant => match &self.principal.tenant {
                Tenant::One(tenant) => tenant.clone(),
                Tenant::Missing | Tenant::All => return Err(missing()),
            },
            Variable::Claim(claim) => self
                .principal
                .claims
                .get(claim)
                .cloned()
                .ok_or_else(missing)?,
        };
        Ok(query::Value(replacement))
    }

    /// Resolves an embed of `embed.relation` in `parent`.
    fn embed(
        &self,
        parent_written: &str,
        parent: &'a Relation,
        embed: &query::Embed,
        request: &query::Request,
        path: &mut Vec<String>,
    ) -> Result<Embed, Error> {
        let relationship = self.relationship(parent_written, parent, embed)?;
        let (child, rights) = self.visible(&relationship.target)?;
        if !rights.can(Operation::Select) {
            // Seen but not readable: as if it did not exist, for an embed.
            return Err(Error::NoRelationship {
                parent: parent_written.to_owned(),
                child: embed.relation.clone(),
            });
        }
        let to_one = relationship.cardinality.is_to_one();
        if embed.spread && !to_one {
            return Err(Error::SpreadToMany {
                relation: embed.relation.clone(),
            });
        }
        let node = self.node(
            &embed.relation,
            child,
            &rights,
            &embed.select,
            request,
            path,
        )?;
        let link = match &relationship.join {
            Join::ForeignKey { columns, .. } => Link::Direct {
                pairs: columns
                    .iter()
                    .map(|pair| {
                        (
                            Ident::from_catalog(&pair.from),
                            Ident::from_catalog(&pair.to),
                        )
                    })
                    .collect(),
            },
            Join::Junction {
                junction,
                source_columns,
                target_columns,
                ..
            } => {
                let (junction_relation, junction_rights) = self.visible(junction)?;
                Link::Junction {
                    junction: Table::of(junction_relation, self.file),
                    parent_pairs: source_columns
                        .iter()
                        .map(|p| (Ident::from_catalog(&p.from), Ident::from_catalog(&p.to)))
                        .collect(),
                    child_pairs: target_columns
                        .iter()
                        .map(|p| (Ident::from_catalog(&p.from), Ident::from_catalog(&p.to)))
                        .collect(),
                    guards: self.guards(
                        &junction_relation.name,
                        junction_relation,
                        &junction_rights,
                    )?,
                }
            }
        };
        Ok(Embed {
            key: embed
                .alias
                .clone()
                .unwrap_or_else(|| embed.relation.clone()),
            hidden_output: embed.select.is_empty(),
            node,
            link,
            to_one,
            inner: embed.join == Some(query::JoinType::Inner),
            spread: embed.spread,
        })
    }

    /// Picks the relationship an embed means, among those whose target (and junction) the role
    /// can read. PostgREST's rules: the name is a relation, a foreign key column of the parent,
    /// or a constraint; the hint is a constraint, a column or a junction.
    fn relationship(
        &self,
        parent_written: &str,
        parent: &Relation,
        embed: &query::Embed,
    ) -> Result<&'a Relationship, Error> {
        let readable = |name: &QualifiedName| {
            self.catalog.get(name).is_some()
                && self
                    .file
                    .rights(&self.principal.role, name)
                    .is_some_and(|rights| rights.can(Operation::Select))
        };
        let candidates: Vec<&Relationship> = self
            .catalog
            .relationships_from(&parent.qualified_name())
            .iter()
            .filter(|r| readable(&r.target) && r.junction().is_none_or(readable))
            .filter(|r| names(r, &embed.relation))
            .filter(|r| embed.hint.as_deref().is_none_or(|hint| hints(r, hint)))
            .collect();
        match candidates.as_slice() {
            [] => Err(Error::NoRelationship {
                parent: parent_written.to_owned(),
                child: embed.relation.clone(),
            }),
            [one] => Ok(one),
            many => Err(Error::AmbiguousEmbed {
                parent: parent_written.to_owned(),
                child: embed.relation.clone(),
                candidates: many
                    .iter()
                    .map(|r| candidate(parent_written, &embed.relation, r))
                    .collect(),
            }),
        }
    }

    /// Every filter, order and window path must name an embed of the `select`.
    fn check_paths(&self, request: &query::Request, root: &Node) -> Result<(), Error> {
        let paths = request
            .filters
            .iter()
            .map(|(path, _)| path)
            .chain(request.order.iter().map(|(path, _)| path))
            .chain(request.limits.iter().map(|(path, _)| path));
        for path in paths {
            if !has_path(root, path) {
                return Err(Error::NotEmbedded {
                    path: path.join("."),
                });
            }
        }
        Ok(())
    }
}

/// The embed among `outputs` that a query string names `key`: by its alias, else by its relation
/// as written (the output key), as PostgREST matches embed paths.
fn embed_named<'o>(outputs: &'o [Output], key: &str) -> Option<&'o Embed> {
    outputs.iter().find_map(|output| match output {
        Output::Embed(embed) if embed.key == key => Some(&**embed),
        Output::Embed(_) | Output::Column { .. } => None,
    })
}

/// A client's condition on a node showing `outputs`: as [`Columns::condition`], except that
/// `rel=is.null` / `rel=not.is.null` (and `is.not_null`), anywhere in the condition's tree, where
/// `rel` names one of the node's embeds, is PostgREST's null filtering on an embedded resource:
/// whether the embed shows a row (to-one) or any row (to-many), that is whether a child row linked
/// to the parent passes the embed's filters, tenant scope and row filter. The embed was resolved
/// through the policy like any other (a relation the role cannot see is not one); a name that is
/// not an embed stays a column name, resolved as such.
fn client_condition(
    columns: &Columns<'_>,
    outputs: &[Output],
    condition: &query::Condition,
) -> Result<Condition, Error> {
    match condition {
        query::Condition::Filter {
            field,
            negate,
            op: query::Operation::Is(is @ (query::IsValue::Null | query::IsValue::NotNull)),
        } if field.json_path.is_empty() => {
            let Some(embed) = embed_named(outputs, &field.column) else {
                return columns.condition(condition);
            };
            let exists = Condition::Exists {
                embed: Box::new(embed.clone()),
            };
            let present = (*is == query::IsValue::NotNull) != *negate;
            Ok(if present {
                exists
            } else {
                Condition::Logic {
                    op: query::LogicOp::And,
                    negate: true,
                    children: vec![exists],
                }
            })
        }
        query::Condition::Logic {
            op,
            negate,
            children,
        } => Ok(Condition::Logic {
            op: *op,
            negate: *negate,
            children: children
                .iter()
                .map(|child| client_condition(columns, outputs, child))
                .collect::<Result<_, _>>()?,
        }),
        query::Condition::Filter { .. } => columns.condition(condition),
    }
}

/// Whether `path` leads from `node` through its embeds.
fn has_path(node: &Node, path: &[String]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    node.outputs.iter().any(|output| match output {
        Output::Embed(embed) => &embed.key == first && has_path(&embed.node, rest),
        Output::Column { .. } => false,
    })
}

/// Whether an embed written `name` means relationship `r`.
fn names(r: &Relationship, name: &str) -> bool {
    if r.target.name == name {
        return true;
    }
    match &r.join {
        Join::ForeignKey {
            constraint,
            columns,
            holder,
        } => {
            constraint == name
                || (*holder == schema::Side::Source
                    && r.cardinality != Cardinality::OneToMany
                    && columns.len() == 1
                    && columns[0].from == name)
        }
        Join::Junction { .. } => false,
    }
}

/// Whether hint `hint` picks relationship `r`.
fn hints(r: &Relationship, hint: &str) -> bool {
    match &r.join {
        Join::ForeignKey {
            constraint,
            columns,
            ..
        } => constraint == hint || columns.iter().any(|p| p.from == hint || p.to == hint),
        Join::Junction {
            junction,
            source_constraint,
            target_constraint,
            ..
        } => junction.name == hint || source_constraint == hint || target_constraint == hint,
    }
}

fn candidate(parent: &str, child: &str, r: &Relationship) -> Candidate {
    let cardinality = match r.cardinality {
        Cardinality::ManyToOne => "many-to-one",
        Cardinality::OneToMany => "one-to-many",
        Cardinality::OneToOne => "one-to-one",
        Cardinality::ManyToMany => "many-to-many",
    };
    let (relationship, hint) = match &r.join {
        Join::ForeignKey {
            constraint,
            columns,
            ..
        } => {
            let from: Vec<&str> = columns.iter().map(|p| p.from.as_str()).collect();
            let to: Vec<&str> = columns.iter().map(|p| p.to.as_str()).collect();
            (
                format!(
                    "{constraint} using {}({}) and {}({})",
                    r.source.name,
                    from.join(", "),
                    r.target.name,
                    to.join(", ")
                ),
                constraint.clone(),
            )
        }
        Join::Junction {
            junction,
            source_constraint,
            target_constraint,
            ..
        } => (
            format!(
                "{}.{} using {source_constraint}, {target_constraint}",
                junction.schema, junction.name
            ),
            junction.name.clone(),
        ),
    };
    Candidate {
        cardinality,
        embedding: format!("{parent} with {child}"),
        relationship,
        hint: format!("{child}!{hint}"),
    }
}

/// Column resolution for one relation and role.
struct Columns<'r> {
    written: &'r str,
    relation: &'r Relation,
    rights: &'r TableRights,
    keys: Option<&'r crate::Keyring>,
}

impl Columns<'_> {
    fn unknown(&self, column: &str) -> Error {
        Error::UnknownColumn {
            relation: self.written.to_owned(),
            column: column.to_owned(),
        }
    }

    fn protected(&self, column: &str, usage: Usage) -> Error {
        let protection = if self.rights.masked.contains_key(column) {
            Protection::Masked
        } else {
            Protection::Encrypted
        };
        Error::ProtectedColumn {
            column: column.to_owned(),
            usage,
            protection,
        }
    }

    /// The column if it exists *and the role may read it*; otherwise the very error a missing
    /// column gives.
    fn find(&self, name: &str) -> Result<&schema::Column, Error> {
        let column = self
            .relation
            .column(name)
            .ok_or_else(|| self.unknown(name))?;
        if self.rights.column(name).read == Read::Hidden {
            return Err(self.unknown(name));
        }
        Ok(column)
    }

    /// How a column is shown to the role, `None` when it is hidden.
    fn reveal(&self, name: &str) -> Result<Option<Reveal>, Error> {
        let access = self.rights.column(name);
        let keys = || {
            self.keys
                .map(|keys| Box::new(keys.decryption()))
                .ok_or(Error::EncryptionKeyMissing)
        };
        Ok(match access.read {
            Read::Hidden => None,
            Read::Plain if access.encrypted => Some(Reveal::Decrypted { keys: keys()? }),
            Read::Plain => Some(Reveal::Plain),
            Read::Masked(kind) => Some(Reveal::Masked {
                kind,
                decrypt: if access.encrypted {
                    Some(keys()?)
                } else {
                    None
                },
            }),
        })
    }

    fn plain_ref(&self, column: &schema::Column) -> ColumnRef {
        ColumnRef {
            column: Ident::from_catalog(&column.name),
            ty: TypeName::of(&column.ty),
            json_path: Vec::new(),
        }
    }

    fn field_ref(&self, column: &schema::Column, field: &Field) -> ColumnRef {
        ColumnRef {
            json_path: field
                .json_path
                .iter()
                .map(|step| plan::JsonStep {
                    text: step.arrow == JsonArrow::Text,
                    operand: match &step.operand {
                        query::JsonOperand::Key(key) => plan::JsonOperand::Key(key.clone()),
                        query::JsonOperand::Index(index) => plan::JsonOperand::Index(*index),
                    },
                })
                .collect(),
            ..self.plain_ref(column)
        }
    }

    /// A column usable in a filter or `order`: readable, and shown in plain form (a filter on a
    /// masked or encrypted column would reveal what the mask hides).
    fn filterable(&self, field: &Field, usage: Usage) -> Result<ColumnRef, Error> {
        let column = self.find(&field.column)?;
        let access = self.rights.column(&column.name);
        if access.encrypted || matches!(access.read, Read::Masked(_)) {
            return Err(self.protected(&column.name, usage));
        }
        Ok(self.field_ref(column, field))
    }

    fn condition(&self, condition: &query::Condition) -> Result<Condition, Error> {
        Ok(match condition {
            query::Condition::Filter { field, negate, op } => {
                let column = self.filterable(field, Usage::Filter)?;
                let tsvector = self
                    .relation
                    .column(&field.column)
                    .is_some_and(|c| c.ty.resolved().name == "tsvector");
                Condition::Filter {
                    column,
                    negate: *negate,
                    op: operation(op, tsvector),
                }
            }
            query::Condition::Logic {
                op,
                negate,
                children,
            } => Condition::Logic {
                op: *op,
                negate: *negate,
                children: children
                    .iter()
                    .map(|child| self.condition(child))
                    .collect::<Result<_, _>>()?,
            },
        })
    }
}

fn operation(op: &query::Operation, tsvector: bool) -> plan::Operation {
    use query::Operation as Op;
    let text = |value: &query::Value| Param::Text(value.as_str().to_owned());
    match op {
        Op::Compare(cmp, None, value) => plan::Operation::Compare(*cmp, text(value)),
        Op::Compare(cmp, Some(quantifier), value) => plan::Operation::Quantified {
            op: *cmp,
            all: *quantifier == query::Quantifier::All,
            array: text(value),
        },
        Op::In(values) => plan::Operation::In(Param::TextArray(
            values.iter().map(|v| v.as_str().to_owned()).collect(),
        )),
        Op::Is(value) => plan::Operation::Is(*value),
        Op::Fts {
            kind,
            language,
            query,
        } => plan::Operation::Fts {
            kind: *kind,
            language: language.as_ref().map(|l| Param::Text(l.clone())),
            query: text(query),
            tsvector,
        },
        Op::Range(range, value) => plan::Operation::Range(*range, text(value)),
    }
}

/// The output key of a selected field without an alias: the column, or the last JSON key.
fn output_key(field: &Field) -> String {
    match field.json_path.last() {
        Some(query::JsonStep {
            operand: query::JsonOperand::Key(key),
            ..
        }) => key.clone(),
        _ => field.column.clone(),
    }
}

/// The types a client may cast to in `select`, spelled by us.
fn cast_type(written: &str) -> Result<TypeName, Error> {
    let normalized = written.trim().to_ascii_lowercase();
    let builtin = match normalized.as_str() {
        "text" => "text",
        "varchar" | "character varying" => "character varying",
        "int" | "integer" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "smallint" | "int2" => "smallint",
        "numeric" | "decimal" => "numeric",
        "real" | "float4" => "real",
        "double precision" | "float8" | "float" => "double precision",
        "boolean" | "bool" => "boolean",
        "date" => "date",
        "time" => "time",
        "timestamp" => "timestamp",
        "timestamptz" => "timestamptz",
        "uuid" => "uuid",
        "json" => "json",
        "jsonb" => "jsonb",
        _ => {
            return Err(Error::UnsupportedCast {
                ty: written.to_owned(),
            });
        }
    };
    Ok(TypeName::Builtin(builtin))
}

/// Rights for resolving the policy's own row filter: every column visible (a row filter may use
/// hidden ones), but encrypted columns still refused (their stored form is ciphertext).
fn unrestricted(relation: &Relation, encrypted: BTreeSet<String>) -> TableRights {
    TableRights {
        table: relation.qualified_name(),
        role: String::new(),
        operations: BTreeSet::from([Operation::Select]),
        hidden: BTreeSet::new(),
        read_only: BTreeSet::new(),
        masked: BTreeMap::new(),
        encrypted,
        decrypt: BTreeSet::new(),
        rows: None,
        max_rows: None,
        tenant_column: None,
        allow_unfiltered: false,
        audit_values: false,
    }
}

fn rights_encrypted(file: &PolicyFile, relation: &Relation) -> BTreeSet<String> {
    file.tables
        .get(&relation.qualified_name())
        .map(|table| table.encrypted.iter().map(|c| c.value.clone()).collect())
        .unwrap_or_default()
}

fn min_option(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
