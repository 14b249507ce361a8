//! PostgreSQL column types as JSON Schema: what `to_json` makes of each [`schema::Category`].
//!
//! Nullability is a type array (`["integer", "null"]`), as OpenAPI 3.1 has it; an enum that
//! may be null lists `null` among its values too.

use schema::Category;
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

/// `t`, or `[t, "null"]`.
pub(super) fn types(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([t, Type::Null])
    } else {
        SchemaType::new(t)
    }
}

/// Any JSON value.
pub(super) fn any() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .build()
        .into()
}

/// A string.
pub(super) fn string(nullable: bool) -> Schema {
    ObjectBuilder::new()
        .schema_type(types(Type::String, nullable))
        .build()
        .into()
}

/// The values of `ty` as PostgreSQL's JSON writes them.
pub(super) fn value(ty: &schema::Type, nullable: bool) -> Schema {
    let base = ty.resolved();
    match ty.category {
        Category::Array => {
            let items = ty
                .element()
                .map_or_else(any, |element| value(element, false));
            ArrayBuilder::new()
                .schema_type(types(Type::Array, nullable))
                .items(RefOr::T(items))
                .build()
                .into()
        }
        Category::Json => any(),
        category => {
            let (t, format) = scalar(category, &base.name);
            let mut object = ObjectBuilder::new()
                .schema_type(types(t.clone(), nullable))
                .format(format);
            if let Some(labels) = ty.enum_labels() {
                let mut values: Vec<Value> = labels.iter().cloned().map(Value::String).collect();
                if nullable {
                    values.push(Value::Null);
                }
                object = object.enum_values(Some(values));
            }
            if t == Type::String
                && matches!(category, Category::String | Category::Other)
                && let Some(length) = base.max_length
            {
                object = object.max_length(usize::try_from(length).ok());
            }
            if base.name == "int2" && base.schema == "pg_catalog" {
                object = object
                    .minimum(Some(i32::from(i16::MIN)))
                    .maximum(Some(i32::from(i16::MAX)));
            }
            object.build().into()
        }
    }
}

/// The JSON type and format of a scalar category.
fn scalar(category: Category, name: &str) -> (Type, Option<SchemaFormat>) {
    let known = |format| Some(SchemaFormat::KnownFormat(format));
    let custom = |format: &str| Some(SchemaFormat::Custom(format.to_owned()));
    match category {
        Category::Boolean => (Type::Boolean, None),
        Category::Integer => (
            Type::Integer,
            match name {
                "int2" => custom("int16"),
                "int4" => known(KnownFormat::Int32),
                _ => known(KnownFormat::Int64),
            },
        ),
        Category::Float => (
            Type::Number,
            match name {
                "float4" => known(KnownFormat::Float),
                _ => known(KnownFormat::Double),
            },
        ),
        Category::Numeric => (Type::Number, None),
        Category::Uuid => (Type::String, custom("uuid")),
        Category::Date => (Type::String, known(KnownFormat::Date)),
        Category::Time => (Type::String, known(KnownFormat::Time)),
        Category::Timestamp | Category::TimestampTz => (Type::String, known(KnownFormat::DateTime)),
        Category::Composite => (Type::Object, None),
        Category::String
        | Category::Interval
        | Category::Bytes
        | Category::Enum
        | Category::Range
        | Category::Other
        | Category::Json
        | Category::Array => (Type::String, None),
    }
}

/// What a client should know about the values of `ty` beyond its JSON type, if anything.
pub(super) fn note(ty: &schema::Type) -> Option<String> {
    let base = ty.resolved();
    Some(match ty.category {
        Category::Numeric => format!(
            "`{}`: PostgreSQL's JSON writes numeric values as JSON numbers of arbitrary \
             precision; read them into a decimal type to keep every digit.",
            base.sql_name
        ),
        Category::Float => {
            "NaN, Infinity and -Infinity arrive as the strings \"NaN\", \"Infinity\" and \
             \"-Infinity\"."
                .to_owned()
        }
        Category::Timestamp => {
            "A timestamp without time zone: no UTC offset (`2024-01-31T12:00:00`).".to_owned()
        }
        Category::Time => {
            "A time of day, `HH:MM:SS[.ffffff]`, with a UTC offset for `time with time zone`."
                .to_owned()
        }
        Category::Interval => {
            "An interval in PostgreSQL's output style (`1 day 02:00:00`).".to_owned()
        }
        Category::Bytes => {
            "Binary data as PostgreSQL's hex text: `\\x` then two hex digits per byte.".to_owned()
        }
        Category::Range => "A range in PostgreSQL's text form (`[1,5)`).".to_owned(),
        Category::Json => "Any JSON value.".to_owned(),
        Category::Other if base.schema == "pg_catalog" => {
            format!("PostgreSQL's text form of `{}`.", base.sql_name)
        }
        Category::Array => {
            return ty
                .element()
                .and_then(note)
                .map(|n| format!("Elements: {n}"));
        }
        _ => return None,
    })
}

/// Sets `description` and `readOnly` on a schema built by [`value`], [`string`] or [`any`].
pub(super) fn annotate(schema: Schema, description: Option<String>, read_only: bool) -> Schema {
    match schema {
        Schema::Object(mut object) => {
            object.description = description;
            object.read_only = read_only.then_some(true);
            Schema::Object(object)
        }
        Schema::Array(mut array) => {
            array.description = description;
            if read_only {
                // utoipa's `Array` has no `readOnly` field; JSON Schema allows the keyword on
                // any schema, so it goes in through the flattened extension map.
                array.extensions = Some(Extensions::from_iter([("readOnly", true)]));
            }
            Schema::Array(array)
        }
        other => other,
    }
}
