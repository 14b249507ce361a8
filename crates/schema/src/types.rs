//! Column types: what a column holds, resolved through arrays and domains.

use serde::{Deserialize, Serialize};

/// The type of a column, fully resolved: an array knows its element type, a domain its
/// base type, an enum its labels.
///
/// Type modifiers (`varchar(20)`, `numeric(10,2)`, `timestamp(3)`) belong to the column, not
/// to the type in `pg_type`; they are decoded here anyway, on the type they apply to (the
/// element of an array, the base of a domain), because that is where a consumer looks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Type {
    /// The OID in `pg_type`. For a domain, the domain's OID (the base type has its own).
    pub oid: u32,
    /// Schema of the type (`pg_catalog` for built-in types).
    pub schema: String,
    /// `pg_type.typname`: `int4`, `varchar`, `_text` (an array), `mood`, `email` (a domain).
    pub name: String,
    /// A spelling usable in SQL as a type name, also in a cast: `integer`,
    /// `character varying(20)`, `numeric(10,2)[]` for built-in types (PostgreSQL's
    /// `format_type` spelling), `app.mood`, `"My Schema"."Mood"[]` for anything else
    /// (schema-qualified, each part quoted where needed by `quote_ident`). Built by
    /// introspection from the catalog, never from a request; an interval's field
    /// restriction (`interval day to second`) is not spelled out.
    pub sql_name: String,
    /// How the type maps to JSON (and so to OpenAPI). A domain has its base type's
    /// category; an array is [`Category::Array`].
    pub category: Category,
    /// Array / enum / domain / … with what each needs.
    #[serde(flatten)]
    pub kind: TypeKind,
    /// Maximum length of `varchar(n)`, `char(n)`, `bit(n)`, `varbit(n)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Precision of `numeric(p,s)`, or fractional-second digits of `time(p)`,
    /// `timestamp(p)`, `interval(p)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u32>,
    /// Scale of `numeric(p,s)` (negative scales exist since PostgreSQL 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<i32>,
}

/// What sort of type, with what the sort needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeKind {
    /// A scalar type (`typtype = 'b'`): `int4`, `text`, `uuid`, `jsonb`, `citext`, …
    Base,
    /// An array; the element carries the column's type modifier.
    Array {
        /// The element type.
        element: Box<Type>,
    },
    /// An enum, labels in their sort order.
    Enum {
        /// The labels (`enumsortorder`).
        labels: Vec<String>,
    },
    /// A domain. [`Type::name`] is the domain's name; `base` is the first non-domain type
    /// under it (a domain over a domain is resolved all the way down).
    Domain {
        /// The base type, with the domain's type modifier applied.
        base: Box<Type>,
        /// Some domain in the chain is `NOT NULL`.
        not_null: bool,
        /// The default of the nearest domain in the chain that has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    /// A composite (row) type.
    Composite,
    /// A range or multirange type.
    Range,
    /// A pseudo-type or anything else.
    Other,
}

/// How values of a type appear in JSON built by PostgreSQL (`to_json`), coarse enough to map
/// to an OpenAPI schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// `bool`: a JSON boolean.
    Boolean,
    /// `int2`, `int4`, `int8`, `oid`: a JSON number without fraction.
    Integer,
    /// `float4`, `float8`: a JSON number (`NaN` and `Infinity` come out as strings).
    Float,
    /// `numeric`: a JSON number of arbitrary precision.
    Numeric,
    /// `text`, `varchar`, `char`, `name`, `citext` and other string types: a JSON string.
    String,
    /// `uuid`: a JSON string.
    Uuid,
    /// `date`: an ISO 8601 date string.
    Date,
    /// `time`, `timetz`: a time string.
    Time,
    /// `timestamp` (without time zone): an ISO 8601 date-time string without offset.
    Timestamp,
    /// `timestamptz`: an ISO 8601 date-time string with offset.
    TimestampTz,
    /// `interval`: a string.
    Interval,
    /// `json`, `jsonb`: any JSON value.
    Json,
    /// `bytea`: a string (`\x…` hex).
    Bytes,
    /// An enum: a string, one of the labels.
    Enum,
    /// An array: a JSON array of the element's category.
    Array,
    /// A composite type: a JSON object.
    Composite,
    /// A range: a string such as `[1,5)`.
    Range,
    /// Anything else (`inet`, `money`, `tsvector`, geometric types, …): PostgreSQL writes its
    /// text form as a JSON string.
    Other,
}

impl Type {
    /// The type under any domain: the domain's base, or the type itself.
    pub fn resolved(&self) -> &Type {
        match &self.kind {
            TypeKind::Domain { base, .. } => base,
            _ => self,
        }
    }

    /// The element type if this is an array, or a domain over an array.
    pub fn element(&self) -> Option<&Type> {
        match &self.resolved().kind {
            TypeKind::Array { element } => Some(element),
            _ => None,
        }
    }

    /// The enum labels if this is an enum or a domain over one (not for an array of enums:
    /// see [`Type::element`]).
    pub fn enum_labels(&self) -> Option<&[String]> {
        match &self.resolved().kind {
            TypeKind::Enum { labels } => Some(labels),
            _ => None,
        }
    }

    /// `true` for a domain.
    pub fn is_domain(&self) -> bool {
        matches!(self.kind, TypeKind::Domain { .. })
    }
}

/// The category of a built-in (`pg_catalog`) type by name, `None` for names this table does
/// not know (the caller then falls back on `pg_type.typcategory`).
pub(crate) fn builtin_category(name: &str) -> Option<Category> {
    Some(match name {
        "bool" => Category::Boolean,
        "int2" | "int4" | "int8" | "oid" => Category::Integer,
        "float4" | "float8" => Category::Float,
        "numeric" => Category::Numeric,
        "text" | "varchar" | "bpchar" | "name" | "char" => Category::String,
        "uuid" => Category::Uuid,
        "date" => Category::Date,
        "time" | "timetz" => Category::Time,
        "timestamp" => Category::Timestamp,
        "timestamptz" => Category::TimestampTz,
        "interval" => Category::Interval,
        "json" | "jsonb" => Category::Json,
        "bytea" => Category::Bytes,
        _ => return None,
    })
}

/// Type modifier fields decoded from `atttypmod` / `typtypmod` for a base type by name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Modifier {
    pub(crate) max_length: Option<u32>,
    pub(crate) precision: Option<u32>,
    pub(crate) scale: Option<i32>,
}

/// Decode a type modifier the way PostgreSQL's `format_type` does, for the built-in types
/// that have one. `typmod < 0` means "none".
pub(crate) fn decode_typmod(schema: &str, name: &str, typmod: i32) -> Modifier {
    // VARHDRSZ: the length header PostgreSQL adds to char/varchar/numeric modifiers.
    const VARHDRSZ: i32 = 4;
    let mut m = Modifier::default();
    if typmod < 0 || schema != "pg_catalog" {
        return m;
    }
    match name {
        "varchar" | "bpchar" => m.max_length = u32::try_from(typmod - VARHDRSZ).ok(),
        "bit" | "varbit" => m.max_length = u32::try_from(typmod).ok(),
        "numeric" => {
            let t = typmod - VARHDRSZ;
            m.precision = u32::try_from((t >> 16) & 0xffff).ok();
            // The scale is an 11-bit two's-complement field (PostgreSQL 15+).
            m.scale = Some(((t & 0x7ff) ^ 1024) - 1024);
        }
        "time" | "timetz" | "timestamp" | "timestamptz" => {
            m.precision = u32::try_from(typmod).ok();
        }
        "interval" => {
            // Low 16 bits: precision, 0xffff meaning "full" (no precision given).
            let p = typmod & 0xffff;
            if p != 0xffff {
                m.precision = u32::try_from(p).ok();
            }
        }
        _ => {}
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmods_decode_like_format_type() {
        // numeric(10,2): ((10 << 16) | 2) + 4
        let m = decode_typmod("pg_catalog", "numeric", (10 << 16 | 2) + 4);
        assert_eq!((m.precision, m.scale), (Some(10), Some(2)));
        // numeric(3,-2): scale stored as 11-bit two's complement
        let m = decode_typmod("pg_catalog", "numeric", (3 << 16 | (0x7ff & -2)) + 4);
        assert_eq!((m.precision, m.scale), (Some(3), Some(-2)));
        assert_eq!(
            decode_typmod("pg_catalog", "varchar", 24).max_length,
            Some(20)
        );
        assert_eq!(decode_typmod("pg_catalog", "bit", 8).max_length, Some(8));
        assert_eq!(
            decode_typmod("pg_catalog", "timestamptz", 3).precision,
            Some(3)
        );
        assert_eq!(
            decode_typmod("pg_catalog", "varchar", -1),
            Modifier::default()
        );
        assert_eq!(decode_typmod("app", "varchar", 24), Modifier::default());
        // interval without precision: 0x7fff0000 | 0xffff
        assert_eq!(
            decode_typmod("pg_catalog", "interval", 0x7fff_ffff).precision,
            None
        );
    }
}
