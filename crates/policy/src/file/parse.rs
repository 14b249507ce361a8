//! TOML text to [`PolicyFile`].
//!
//! The file is read with toml's spanned document parser ([`toml::de::DeTable`]) and walked by
//! hand rather than through `#[derive(Deserialize)]` with `deny_unknown_fields`: serde stops at
//! the first error, and the person fixing a policy file wants every problem at once, each with
//! the line and column of the key or value at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::ops::Range;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::problem::{Located, Pos, Problem, ProblemKind};
use super::rows::{self, RowsError};
use super::{
    DEFAULT_SCHEMA, EVERY_ROLE, MaskKind, Operation, PolicyFile, QualifiedName, RateLimit, Role,
    TablePolicy, TableRole, Tenancy,
};

const TOP_KEYS: &[&str] = &["tenancy", "roles", "tables"];
const TENANCY_KEYS: &[&str] = &["column"];
const ROLE_KEYS: &[&str] = &["max_rows", "rate", "burst"];
const TABLE_KEYS: &[&str] = &["encrypted", "tenant_scoped", "audit_values", "roles"];
const TABLE_ROLE_KEYS: &[&str] = &[
    "operations",
    "hidden",
    "read_only",
    "masked",
    "decrypt",
    "rows",
    "max_rows",
    "allow_unfiltered",
];

/// Parses a policy file. On failure, returns every problem found, sorted by position.
///
/// Checks everything that needs no database: TOML syntax, unknown keys, value types,
/// operations, mask kinds, rates, that tables name declared roles, that `decrypt` ⊆
/// `encrypted`, that no column has contradicting rules, and the row filters' grammar and
/// variables. Column names and types are checked by [`crate::validate`].
pub fn parse(source: &str) -> Result<PolicyFile, Vec<Problem>> {
    let mut parser = Parser {
        lines: LineIndex::new(source),
        problems: Vec::new(),
    };
    let (document, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        // After a syntax error the recovered document is a guess; report only what is certain.
        for error in errors {
            let at = error.span().map_or(0, |span| span.start);
            parser.problem(
                at..at,
                ProblemKind::Syntax {
                    message: error.message().trim_end().to_owned(),
                },
            );
        }
        return Err(parser.finish());
    }
    let file = parser.document(document.get_ref());
    if parser.problems.is_empty() {
        Ok(file)
    } else {
        Err(parser.finish())
    }
}

/// Byte offsets to 1-based line and character column.
#[derive(Debug)]
struct LineIndex<'s> {
    source: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    fn new(source: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { source, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.source.len());
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .source
            .get(start..offset)
            .map_or(offset - start, |text| text.chars().count());
        Pos {
            line,
            column: column + 1,
        }
    }
}

type Value<'i> = Spanned<DeValue<'i>>;
type Key<'i> = Spanned<std::borrow::Cow<'i, str>>;

struct Parser<'s> {
    lines: LineIndex<'s>,
    problems: Vec<Problem>,
}

impl Parser<'_> {
    fn finish(mut self) -> Vec<Problem> {
        self.problems.sort_by_key(Problem::pos);
        self.problems
    }

    fn pos(&self, span: &Range<usize>) -> Pos {
        self.lines.pos(span.start)
    }

    fn problem(&mut self, span: Range<usize>, kind: ProblemKind) {
        let at = self.pos(&span);
        self.problems.push(Problem::new(at, kind));
    }

    fn located<T>(&self, value: T, span: &Range<usize>) -> Located<T> {
        Located::new(value, self.pos(span))
    }

    // --- sections ---

    fn document(&mut self, document: &DeTable<'_>) -> PolicyFile {
        let mut tenancy = None;
        let mut roles = None;
        let mut tables = None;
        for (key, value) in document {
            match key.get_ref().as_ref() {
                "tenancy" => tenancy = self.tenancy(value),
                "roles" => roles = Some(value),
                "tables" => tables = Some(value),
                _ => self.unknown_key(key, "the top level".to_owned(), TOP_KEYS, None),
            }
        }
        let roles = roles.map(|v| self.roles(v)).unwrap_or_default();
        let tables = tables
            .map(|v| self.tables(v, &roles, document.contains_key("tenancy")))
            .unwrap_or_default();
        PolicyFile {
            tenancy,
            roles,
            tables,
        }
    }

    fn tenancy(&mut self, value: &Value<'_>) -> Option<Tenancy> {
        let table = self.table(value, "tenancy")?;
        let mut column = None;
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "column" => column = Some(self.name(value, "column", "column name")),
                _ => self.unknown_key(key, "[tenancy]".to_owned(), TENANCY_KEYS, None),
            }
        }
        match column {
            Some(Some(column)) => Some(Tenancy { column }),
            // Present but wrong: already reported.
            Some(None) => None,
            None => {
                self.problem(
                    value.span(),
                    ProblemKind::MissingKey {
                        key: "column",
                        table: "[tenancy]".to_owned(),
                    },
                );
                None
            }
        }
    }

    fn roles(&mut self, value: &Value<'_>) -> BTreeMap<String, Role> {
        let mut roles = BTreeMap::new();
        let Some(table) = self.table(value, "roles") else {
            return roles;
        };
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            let at = self.located(name.to_owned(), &key.span());
            if name == EVERY_ROLE {
                self.problem(key.span(), ProblemKind::WildcardRoleDeclared);
                continue;
            }
            if name.trim().is_empty() {
                self.invalid_name(&key.span(), "role name", name, "it is empty");
                continue;
            }
            if let Some(role) = self.role(at, value) {
                roles.insert(name.to_owned(), role);
            }
        }
        roles
    }

    fn role(&mut self, name: Located<String>, value: &Value<'_>) -> Option<Role> {
        let path = format!("[roles.{}]", key_path(&name.value));
        let table = self.table(value, &format!("roles.{}", key_path(&name.value)))?;
        let mut max_rows = None;
        let mut rate = None;
        let mut burst = None;
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "max_rows" => max_rows = self.positive(value, "max_rows"),
                "rate" => rate = self.rate(value),
                "burst" => {
                    burst = self
                        .positive(value, "burst")
                        .and_then(|n| self.u32(n, value, "burst"))
                        .map(|n| (n, value.span()));
                }
                _ => self.unknown_key(key, path.clone(), ROLE_KEYS, None),
            }
        }
        let rate = match (rate, burst) {
            (Some((requests, per)), burst) => Some(RateLimit {
                requests,
                per,
                burst: burst.map_or(requests, |(n, _)| n),
            }),
            (None, Some((_, span))) => {
                self.problem(span, ProblemKind::BurstWithoutRate);
                None
            }
            (None, None) => None,
        };
        Some(Role {
            name,
            max_rows,
            rate,
        })
    }

    fn tables(
        &mut self,
        value: &Value<'_>,
        roles: &BTreeMap<String, Role>,
        has_tenancy: bool,
    ) -> BTreeMap<QualifiedName, TablePolicy> {
        let mut tables: BTreeMap<QualifiedName, TablePolicy> = BTreeMap::new();
        let Some(table) = self.table(value, "tables") else {
            return tables;
        };
        for (key, value) in table {
            let written = key.get_ref().as_ref();
            let Some(name) = self.table_name(written, &key.span()) else {
                continue;
            };
            let key = self.located(written.to_owned(), &key.span());
            let Some(policy) = self.table_policy(key, name.clone(), value, roles, has_tenancy)
            else {
                continue;
            };
            if let Some(first) = tables.get(&name) {
                let first_line = first.key.at.line;
                self.problems.push(Problem::new(
                    policy.key.at,
                    ProblemKind::DuplicateTable {
                        table: name.to_string(),
                        first_line,
                    },
                ));
                continue;
            }
            tables.insert(name, policy);
        }
        tables
    }

    fn table_name(&mut self, written: &str, span: &Range<usize>) -> Option<QualifiedName> {
        let (schema, name) = written.split_once('.').unwrap_or((DEFAULT_SCHEMA, written));
        let reason = if written.trim().is_empty() {
            Some("it is empty")
        } else if schema.is_empty() || name.is_empty() {
            Some("expected `table` or `schema.table`")
        } else if name.contains('.') {
            Some("expected `table` or `schema.table`, with one `.` at most")
        } else {
            None
        };
        if let Some(reason) = reason {
            self.invalid_name(span, "table name", written, reason);
            return None;
        }
        Some(QualifiedName::new(schema, name))
    }

    fn table_policy(
        &mut self,
        key: Located<String>,
        name: QualifiedName,
        value: &Value<'_>,
        roles: &BTreeMap<String, Role>,
        has_tenancy: bool,
    ) -> Option<TablePolicy> {
        let path = format!("tables.{}", key_path(&key.value));
        let table = self.table(value, &path)?;
        let mut policy = TablePolicy {
            key,
            name,
            encrypted: Vec::new(),
            tenant_scoped: None,
            audit_values: false,
            every_role: None,
            roles: BTreeMap::new(),
        };
        let mut role_entries = None;
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "encrypted" => policy.encrypted = self.names(value, "encrypted"),
                "tenant_scoped" => {
                    policy.tenant_scoped = self
                        .boolean(value, "tenant_scoped")
                        .map(|b| self.located(b, &value.span()));
                    if policy.tenant_scoped.is_some() && !has_tenancy {
                        self.problem(value.span(), ProblemKind::TenantScopedWithoutTenancy);
                    }
                }
                "audit_values" => {
                    policy.audit_values = self.boolean(value, "audit_values").unwrap_or(false);
                }
                "roles" => role_entries = Some(value),
                other => {
                    // `[tables.sales.orders]` is TOML for table `sales` with a key `orders`.
                    let hint = (value.get_ref().is_table() && !policy.key.value.contains('.'))
                        .then(|| {
                            format!(
                                "to name table `{other}` in schema `{}`, quote the key: [tables.\"{}.{other}\"]",
                                policy.key.value, policy.key.value
                            )
                        });
                    self.unknown_key(key, format!("[{path}]"), TABLE_KEYS, hint);
                }
            }
        }
        self.duplicates(&policy.encrypted, "encrypted");
        if let Some(value) = role_entries {
            self.table_roles(&mut policy, &path, value, roles);
        }
        Some(policy)
    }

    fn table_roles(
        &mut self,
        policy: &mut TablePolicy,
        path: &str,
        value: &Value<'_>,
        roles: &BTreeMap<String, Role>,
    ) {
        let path = format!("{path}.roles");
        let Some(table) = self.table(value, &path) else {
            return;
        };
        for (key, value) in table {
            let role = key.get_ref().as_ref();
            let located = self.located(role.to_owned(), &key.span());
            if role != EVERY_ROLE && !roles.contains_key(role) {
                self.problem(
                    key.span(),
                    ProblemKind::UndeclaredRole {
                        role: role.to_owned(),
                    },
                );
            }
            let path = format!("{path}.{}", key_path(role));
            let Some(entry) = self.table_role(policy, &path, located, value) else {
                continue;
            };
            if role == EVERY_ROLE {
                policy.every_role = Some(entry);
            } else {
                policy.roles.insert(role.to_owned(), entry);
            }
        }
    }

    fn table_role(
        &mut self,
        policy: &TablePolicy,
        path: &str,
        role: Located<String>,
        value: &Value<'_>,
    ) -> Option<TableRole> {
        let table = self.table(value, path)?;
        let mut entry = TableRole {
            role,
            operations: BTreeSet::new(),
            hidden: Vec::new(),
            read_only: Vec::new(),
            masked: Vec::new(),
            decrypt: Vec::new(),
            rows: None,
            max_rows: None,
            allow_unfiltered: false,
        };
        let mut operations = None;
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "operations" => operations = Some(self.operations(value)),
                "hidden" => entry.hidden = self.names(value, "hidden"),
                "read_only" => entry.read_only = self.names(value, "read_only"),
                "masked" => entry.masked = self.masked(value),
                "decrypt" => entry.decrypt = self.names(value, "decrypt"),
                "rows" => {
                    entry.rows = self
                        .string(value, "rows")
                        .and_then(|rows| self.rows(&rows, &value.span()))
                        .map(|rows| self.located(rows, &value.span()));
                }
                "max_rows" => entry.max_rows = self.positive(value, "max_rows"),
                "allow_unfiltered" => {
                    entry.allow_unfiltered =
                        self.boolean(value, "allow_unfiltered").unwrap_or(false);
                }
                _ => self.unknown_key(key, format!("[{path}]"), TABLE_ROLE_KEYS, None),
            }
        }
        match operations {
            None => self.problem(
                value.span(),
                ProblemKind::MissingKey {
                    key: "operations",
                    table: format!("[{path}]"),
                },
            ),
            Some((set, span)) if set.is_empty() => self.problem(
                span,
                ProblemKind::NoOperations {
                    table: policy.name.to_string(),
                    role: entry.role.value.clone(),
                },
            ),
            Some((set, _)) => entry.operations = set,
        }
        self.column_rules(policy, &entry);
        Some(entry)
    }

    /// Rules of one table-role entry that contradict each other or the table.
    fn column_rules(&mut self, policy: &TablePolicy, entry: &TableRole) {
        self.duplicates(&entry.hidden, "hidden");
        self.duplicates(&entry.read_only, "read_only");
        self.duplicates(&entry.decrypt, "decrypt");
        let masked: Vec<Located<String>> = entry.masked.iter().map(|(c, _)| c.clone()).collect();
        for column in &entry.decrypt {
            if !policy.is_encrypted(column) {
                self.problems.push(Problem::new(
                    column.at,
                    ProblemKind::DecryptNotEncrypted {
                        table: policy.name.to_string(),
                        column: column.value.clone(),
                    },
                ));
            }
        }
        let hidden: Rule<'_> = ("hidden", &entry.hidden);
        let masked: Rule<'_> = ("masked", &masked);
        let decrypted: Rule<'_> = ("decrypted", &entry.decrypt);
        let read_only: Rule<'_> = ("read-only", &entry.read_only);
        let pairs = [
            (hidden, masked),
            (hidden, decrypted),
            (hidden, read_only),
            (masked, decrypted),
        ];
        for ((first, firsts), (second, seconds)) in pairs {
            for column in seconds {
                if firsts.iter().any(|c| c.value == column.value) {
                    self.problems.push(Problem::new(
                        column.at,
                        ProblemKind::ConflictingRules {
                            column: column.value.clone(),
                            first,
                            second,
                        },
                    ));
                }
            }
        }
    }

    fn rows(&mut self, rows: &str, span: &Range<usize>) -> Option<rows::RowFilter> {
        let errors = match rows::parse(rows) {
            Ok(filter) => return Some(filter),
            Err(errors) => errors,
        };
        // The value's span starts at its opening quote; point inside the string when the
        // text after the quote is the value as written (no escapes), else at the quote.
        let inner = span.start + 1;
        let verbatim = self.lines.source.get(inner..inner + rows.len()) == Some(rows);
        for error in errors {
            match error {
                RowsError::UnknownVariable { offset, name } => {
                    let at = if verbatim { inner + offset } else { span.start };
                    self.problem(at..at, ProblemKind::UnknownVariable { variable: name });
                }
                RowsError::VariableInOperand { operand } => {
                    self.problem(span.clone(), ProblemKind::VariableInOperand { operand });
                }
                RowsError::Grammar(reason) => self.problem(
                    span.clone(),
                    ProblemKind::InvalidRowFilter {
                        rows: rows.to_owned(),
                        reason,
                    },
                ),
            }
        }
        None
    }

    fn duplicates(&mut self, items: &[Located<String>], key: &'static str) {
        for (i, item) in items.iter().enumerate() {
            if items[..i].iter().any(|earlier| earlier.value == item.value) {
                self.problems.push(Problem::new(
                    item.at,
                    ProblemKind::Duplicate {
                        key,
                        item: item.value.clone(),
                    },
                ));
            }
        }
    }

    // --- values ---

    fn operations(&mut self, value: &Value<'_>) -> (BTreeSet<Operation>, Range<usize>) {
        let mut set = BTreeSet::new();
        let Some(items) = self.array(value, "operations", "an array of strings") else {
            // Not an array: already reported; an empty set would report again.
            set.insert(Operation::Select);
            return (set, value.span());
        };
        for (i, item) in items.iter().enumerate() {
            let Some(name) = self.string(item, &format!("operations[{i}]")) else {
                continue;
            };
            match Operation::from_name(&name) {
                Some(op) if set.contains(&op) => self.problem(
                    item.span(),
                    ProblemKind::Duplicate {
                        key: "operations",
                        item: name,
                    },
                ),
                Some(op) => {
                    set.insert(op);
                }
                None => self.problem(
                    item.span(),
                    ProblemKind::UnknownOperation { operation: name },
                ),
            }
        }
        if set.is_empty() && !items.is_empty() {
            // Every item was wrong and reported; do not also say the list is empty.
            set.insert(Operation::Select);
        }
        (set, value.span())
    }

    fn masked(&mut self, value: &Value<'_>) -> Vec<(Located<String>, MaskKind)> {
        let mut masked = Vec::new();
        let Some(table) = self.table(value, "masked") else {
            return masked;
        };
        for (column, kind) in table {
            let name = column.get_ref().as_ref();
            if name.trim().is_empty() {
                self.invalid_name(&column.span(), "column name", name, "it is empty");
                continue;
            }
            let Some(written) = self.string(kind, &format!("masked.{}", key_path(name))) else {
                continue;
            };
            match MaskKind::from_name(&written) {
                Some(kind) => masked.push((self.located(name.to_owned(), &column.span()), kind)),
                None => self.problem(
                    kind.span(),
                    ProblemKind::UnknownMaskKind {
                        column: name.to_owned(),
                        kind: written,
                    },
                ),
            }
        }
        masked
    }

    fn rate(&mut self, value: &Value<'_>) -> Option<(NonZeroU32, Duration)> {
        let written = self.string(value, "rate")?;
        let parsed = written.split_once('/').and_then(|(count, unit)| {
            let count = count
                .parse::<u32>()
                .ok()
                .filter(|_| count.bytes().all(|b| b.is_ascii_digit()))
                .and_then(NonZeroU32::new)?;
            let per = match unit {
                "s" | "sec" | "second" => Duration::from_secs(1),
                "m" | "min" | "minute" => Duration::from_secs(60),
                "h" | "hour" => Duration::from_secs(3600),
                _ => return None,
            };
            Some((count, per))
        });
        if parsed.is_none() {
            self.problem(value.span(), ProblemKind::InvalidRate { value: written });
        }
        parsed
    }

    fn u32(&mut self, n: u64, value: &Value<'_>, key: &'static str) -> Option<NonZeroU32> {
        match u32::try_from(n).ok().and_then(NonZeroU32::new) {
            Some(n) => Some(n),
            None => {
                self.problem(
                    value.span(),
                    ProblemKind::TooLarge {
                        key,
                        value: n.to_string(),
                        max: u64::from(u32::MAX),
                    },
                );
                None
            }
        }
    }

    /// A positive integer.
    fn positive(&mut self, value: &Value<'_>, key: &'static str) -> Option<u64> {
        let DeValue::Integer(integer) = value.get_ref() else {
            self.wrong_type(value, key, "a positive integer");
            return None;
        };
        let digits = integer.as_str();
        match u64::from_str_radix(digits.trim_start_matches('+'), integer.radix()) {
            Ok(n) if n > 0 => Some(n),
            Ok(_) => {
                self.problem(
                    value.span(),
                    ProblemKind::NotPositive {
                        key,
                        value: integer.to_string(),
                    },
                );
                None
            }
            Err(_) if digits.starts_with('-') => {
                self.problem(
                    value.span(),
                    ProblemKind::NotPositive {
                        key,
                        value: integer.to_string(),
                    },
                );
                None
            }
            Err(_) => {
                self.problem(
                    value.span(),
                    ProblemKind::TooLarge {
                        key,
                        value: integer.to_string(),
                        max: u64::MAX,
                    },
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value<'_>, key: &str) -> Option<bool> {
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(value, key, "true or false");
        }
        b
    }

    fn string(&mut self, value: &Value<'_>, key: &str) -> Option<String> {
        let s = value.get_ref().as_str().map(str::to_owned);
        if s.is_none() {
            self.wrong_type(value, key, "a string");
        }
        s
    }

    /// A non-empty string naming something (a column).
    fn name(
        &mut self,
        value: &Value<'_>,
        key: &str,
        what: &'static str,
    ) -> Option<Located<String>> {
        let name = self.string(value, key)?;
        if name.trim().is_empty() {
            self.invalid_name(&value.span(), what, &name, "it is empty");
            return None;
        }
        Some(self.located(name, &value.span()))
    }

    /// An array of column names.
    fn names(&mut self, value: &Value<'_>, key: &str) -> Vec<Located<String>> {
        let Some(items) = self.array(value, key, "an array of column names") else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.name(item, &format!("{key}[{i}]"), "column name"))
            .collect()
    }

    fn array<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        key: &str,
        expected: &'static str,
    ) -> Option<&'v [Value<'i>]> {
        let items = value.get_ref().as_array().map(|a| &a[..]);
        if items.is_none() {
            self.wrong_type(value, key, expected);
        }
        items
    }

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, key: &str) -> Option<&'v DeTable<'i>> {
        let table = value.get_ref().as_table();
        if table.is_none() {
            self.wrong_type(value, key, "a table");
        }
        table
    }

    // --- problems ---

    fn wrong_type(&mut self, value: &Value<'_>, key: &str, expected: &'static str) {
        self.problem(
            value.span(),
            ProblemKind::WrongType {
                key: key.to_owned(),
                expected,
                found: value.get_ref().type_str(),
            },
        );
    }

    fn invalid_name(
        &mut self,
        span: &Range<usize>,
        what: &'static str,
        name: &str,
        reason: &'static str,
    ) {
        self.problem(
            span.clone(),
            ProblemKind::InvalidName {
                what,
                name: name.to_owned(),
                reason,
            },
        );
    }

    fn unknown_key(
        &mut self,
        key: &Key<'_>,
        table: String,
        expected: &'static [&'static str],
        hint: Option<String>,
    ) {
        let written = key.get_ref().as_ref();
        self.problem(
            key.span(),
            ProblemKind::UnknownKey {
                key: written.to_owned(),
                table,
                expected,
                suggestion: closest(written, expected),
                hint,
            },
        );
    }
}

/// A column rule's name in messages, and the columns it names.
type Rule<'a> = (&'static str, &'a [Located<String>]);

/// A key as TOML would need it written in a header: bare if it can be, quoted otherwise.
fn key_path(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

/// The allowed key closest to a misspelt one, if close enough to be a likely typo.
fn closest(written: &str, expected: &[&'static str]) -> Option<&'static str> {
    expected
        .iter()
        .map(|candidate| (edit_distance(written, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let index = LineIndex::new("ab\nçd\n\nx");
        assert_eq!(index.pos(0), Pos { line: 1, column: 1 });
        assert_eq!(index.pos(3), Pos { line: 2, column: 1 });
        assert_eq!(index.pos(5), Pos { line: 2, column: 2 });
        assert_eq!(index.pos(7), Pos { line: 3, column: 1 });
        assert_eq!(index.pos(8), Pos { line: 4, column: 1 });
        assert_eq!(index.pos(99), Pos { line: 4, column: 2 });
    }

    #[test]
    fn suggestions_are_close_keys_only() {
        assert_eq!(closest("hiden", TABLE_ROLE_KEYS), Some("hidden"));
        assert_eq!(closest("operation", TABLE_ROLE_KEYS), Some("operations"));
        assert_eq!(closest("readonly", TABLE_ROLE_KEYS), Some("read_only"));
        assert_eq!(closest("colour", TABLE_ROLE_KEYS), None);
    }
}
