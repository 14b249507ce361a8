//! Tests of the SQL renderer. Plans are built the way the API builds them: a query string
//! parsed by `query`, authorized by `policy` against `fixture/catalog.json` (the introspection
//! of `fixture/schema.sql`) and `fixture/policy.toml`.
//!
//! - `render`: inline snapshots of SQL and parameters (`UPDATE_EXPECT=1 cargo test -p
//!   gatehouse-sql` to update).
//! - `values`: property test: request values only ever travel as parameters.
//! - `postgres`: the statements run on a real PostgreSQL over TLS (testkit), their bodies compared
//!   with hand-written SQL on the same data.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

extern crate gatehouse_sql as sql;

mod postgres;
mod render;
mod values;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use policy::plan::{Authorized, Read};

pub(crate) const SCHEMA_SQL: &str = include_str!("fixture/schema.sql");
pub(crate) const DATA_SQL: &str = include_str!("fixture/data.sql");
pub(crate) const POLICY_TOML: &str = include_str!("fixture/policy.toml");
pub(crate) const CATALOG_JSON: &str = include_str!("fixture/catalog.json");

/// The encryption key of the fixture data.
pub(crate) const KEY: &str = "test key";

pub(crate) fn catalog() -> &'static schema::Catalog {
    static CATALOG: OnceLock<schema::Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| serde_json::from_str(CATALOG_JSON).expect("fixture/catalog.json"))
}

pub(crate) fn policy_file() -> &'static policy::PolicyFile {
    static POLICY: OnceLock<policy::PolicyFile> = OnceLock::new();
    POLICY.get_or_init(|| match policy::parse(POLICY_TOML) {
        Ok(file) => file,
        Err(problems) => panic!("fixture/policy.toml: {problems:?}"),
    })
}

/// Who asks: a role and a tenant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who {
    pub(crate) role: &'static str,
    pub(crate) tenant: Option<&'static str>,
}

/// The role `reader` of tenant `t1`.
pub(crate) const READER: Who = Who {
    role: "reader",
    tenant: Some("t1"),
};

/// The role `admin` of tenant `t1`.
pub(crate) const ADMIN: Who = Who {
    role: "admin",
    tenant: Some("t1"),
};

/// A cross-tenant admin.
pub(crate) const ADMIN_ALL: Who = Who {
    role: "admin",
    tenant: None,
};

/// Splits `a=1&b=2` into pairs (no percent-decoding: test queries are written decoded).
pub(crate) fn pairs(query: &str) -> Vec<(&str, &str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect()
}

/// The authorized plan of `GET /<relation>?<query>` by `who`.
pub(crate) fn plan(
    who: Who,
    relation: &str,
    query: &str,
    count: Option<query::Count>,
) -> Authorized<Read> {
    let request = query::Request::parse(&pairs(query))
        .unwrap_or_else(|e| panic!("query {query:?} does not parse: {e:?}"));
    plan_of(who, relation, &request, count)
}

pub(crate) fn plan_of(
    who: Who,
    relation: &str,
    request: &query::Request,
    count: Option<query::Count>,
) -> Authorized<Read> {
    let principal = policy::Principal {
        role: who.role.to_owned(),
        tenant: match who.tenant {
            Some(tenant) => policy::Tenant::One(tenant.to_owned()),
            None => policy::Tenant::All,
        },
        subject: Some("user-1".to_owned()),
        claims: BTreeMap::new(),
    };
    let env = policy::Environment {
        schema: "public".to_owned(),
        max_rows: None,
        encryption_key: Some(KEY.to_owned()),
    };
    policy::authorize_read(
        policy_file(),
        catalog(),
        &principal,
        &env,
        &policy::ReadRequest {
            relation,
            request,
            count,
        },
    )
    .unwrap_or_else(|e| panic!("{relation}?{request:?} is refused: {e:?}"))
}
