//! Tests of the SQL renderer. Plans are built the way the API builds them: a query string
//! parsed by `query`, authorized by `policy` against `fixture/catalog.json` (the introspection
//! of `fixture/schema.sql`) and `fixture/policy.toml`.
//!
//! - `render`: inline snapshots of SQL and parameters (`UPDATE_EXPECT=1 cargo test -p
//!   gatehouse-sql` to update).
//! - `values`: property test: request values only ever travel as parameters.
//! - `postgres`: the statements run on a real PostgreSQL over TLS (testkit), their bodies compared
//!   with hand-written SQL on the same data.
//! - `write`: inline snapshots of write statements (plans built as the API builds them:
//!   `policy::authorize_write` with a `serde_json::Value` payload).
//! - `written`: write statements on a real PostgreSQL as `gatehouse_app`: the tables, the audit
//!   log and the failed checks afterwards.
//! - `reencrypt`: `gatehouse reencrypt`'s statement (snapshots), and its pages on a real
//!   PostgreSQL; reads of legacy, older-key and newest-key ciphertext side by side.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

extern crate gatehouse_sql as sql;

mod postgres;
mod reencrypt;
mod render;
mod settings;
mod values;
mod write;
mod written;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use policy::plan::{Authorized, Read, WriteKind};

pub(crate) const SCHEMA_SQL: &str = include_str!("fixture/schema.sql");
pub(crate) const DATA_SQL: &str = include_str!("fixture/data.sql");
pub(crate) const POLICY_TOML: &str = include_str!("fixture/policy.toml");
pub(crate) const CATALOG_JSON: &str = include_str!("fixture/catalog.json");

/// The encryption key of the fixture data (plain `pgp_sym_encrypt`, no key id: legacy
/// ciphertext), configured as the oldest key, [`OLD_KEY_ID`].
pub(crate) const KEY: &str = "test key";
pub(crate) const OLD_KEY_ID: &str = "old";
/// The newest key: what writes use.
pub(crate) const NEW_KEY: &str = "new test key";
pub(crate) const NEW_KEY_ID: &str = "new";

/// The keys every test plan carries: newest first, the fixture's key last (so it reads legacy
/// ciphertext).
pub(crate) fn keyring() -> policy::Keyring {
    policy::Keyring::new(vec![
        (NEW_KEY_ID.to_owned(), NEW_KEY.to_owned()),
        (OLD_KEY_ID.to_owned(), KEY.to_owned()),
    ])
    .expect("a valid keyring")
}

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

/// The role `writer` of tenant `t1` (may write authors, books, tags, customers, events).
pub(crate) const WRITER: Who = Who {
    role: "writer",
    tenant: Some("t1"),
};

/// A cross-tenant writer.
pub(crate) const WRITER_ALL: Who = Who {
    role: "writer",
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

fn principal(who: Who) -> policy::Principal {
    policy::Principal {
        role: who.role.to_owned(),
        tenant: match who.tenant {
            Some(tenant) => policy::Tenant::One(tenant.to_owned()),
            None => policy::Tenant::All,
        },
        subject: Some("user-1".to_owned()),
        claims: BTreeMap::new(),
    }
}

fn environment() -> policy::Environment {
    policy::Environment {
        schema: "public".to_owned(),
        max_rows: None,
        encryption_key: Some(keyring()),
    }
}

pub(crate) fn plan_of(
    who: Who,
    relation: &str,
    request: &query::Request,
    count: Option<query::Count>,
) -> Authorized<Read> {
    plan_in(catalog(), who, relation, request, count)
}

/// [`plan_of`] against another catalog.
pub(crate) fn plan_in(
    catalog: &schema::Catalog,
    who: Who,
    relation: &str,
    request: &query::Request,
    count: Option<query::Count>,
) -> Authorized<Read> {
    let principal = principal(who);
    let env = environment();
    policy::authorize_read(
        policy_file(),
        catalog,
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

/// Why the policy refuses `GET /<relation>?<query>` by `who`; panics when it does not.
pub(crate) fn refusal(who: Who, relation: &str, query: &str) -> policy::Error {
    let request = query::Request::parse(&pairs(query))
        .unwrap_or_else(|e| panic!("query {query:?} does not parse: {e:?}"));
    let principal = principal(who);
    let env = environment();
    match policy::authorize_read(
        policy_file(),
        catalog(),
        &principal,
        &env,
        &policy::ReadRequest {
            relation,
            request: &request,
            count: None,
        },
    ) {
        Ok(_) => panic!("{relation}?{query} is authorized"),
        Err(err) => err,
    }
}

/// The request id and client address every test write carries (for the audit row).
pub(crate) const REQUEST_ID: &str = "req-1";
pub(crate) const CLIENT_ADDR: &str = "203.0.113.7";

/// An HTTP write, as the API maps methods and `Prefer: resolution=…` to a [`WriteKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Post,
    /// POST with `Prefer: resolution=merge-duplicates`.
    PostMerge,
    /// POST with `Prefer: resolution=ignore-duplicates`.
    PostIgnore,
    Patch,
    Delete,
    Put,
}

impl Method {
    fn kind(self) -> WriteKind {
        match self {
            Method::Post => WriteKind::Insert,
            Method::PostMerge | Method::Put => WriteKind::Upsert { merge: true },
            Method::PostIgnore => WriteKind::Upsert { merge: false },
            Method::Patch => WriteKind::Update,
            Method::Delete => WriteKind::Delete,
        }
    }
}

/// A write request: `<method> /<relation>?<query>` with a body and preferences.
#[derive(Debug, Clone)]
pub(crate) struct WriteTo<'a> {
    pub(crate) method: Method,
    pub(crate) relation: &'a str,
    pub(crate) query: &'a str,
    pub(crate) payload: Option<serde_json::Value>,
    /// `Prefer: return=representation`.
    pub(crate) representation: bool,
    /// `Prefer: max-affected=N, handling=strict`.
    pub(crate) max_affected: Option<u64>,
}

impl<'a> WriteTo<'a> {
    pub(crate) fn new(method: Method, relation: &'a str, query: &'a str) -> Self {
        WriteTo {
            method,
            relation,
            query,
            payload: None,
            representation: false,
            max_affected: None,
        }
    }

    pub(crate) fn body(mut self, payload: serde_json::Value) -> Self {
        self.payload = Some(payload);
        self
    }

    pub(crate) fn representation(mut self) -> Self {
        self.representation = true;
        self
    }

    pub(crate) fn max_affected(mut self, max: u64) -> Self {
        self.max_affected = Some(max);
        self
    }

    /// Authorized for `who`, as the API does it, or the policy's refusal.
    pub(crate) fn authorize(
        &self,
        who: Who,
    ) -> Result<Authorized<policy::plan::Write>, policy::Error> {
        let request = query::Request::parse(&pairs(self.query))
            .unwrap_or_else(|e| panic!("query {:?} does not parse: {e:?}", self.query));
        policy::authorize_write(
            policy_file(),
            catalog(),
            &principal(who),
            &environment(),
            &policy::WriteRequest {
                relation: self.relation,
                kind: self.method.kind(),
                request: &request,
                payload: self.payload.as_ref(),
                representation: self.representation,
                max_affected: self.max_affected,
                put: self.method == Method::Put,
                request_id: REQUEST_ID,
                client_addr: Some(CLIENT_ADDR),
            },
        )
    }

    /// Authorized for `who`; panics when the policy refuses.
    pub(crate) fn plan(&self, who: Who) -> Authorized<policy::plan::Write> {
        self.authorize(who)
            .unwrap_or_else(|e| panic!("{self:?} is refused: {e:?}"))
    }
}
