//! Encrypted columns, the parts that talk to the database: the startup checks (a policy that
//! encrypts needs a key and pgcrypto) and the batches of `gatehouse reencrypt`.
//!
//! The SQL of both is fixed text or rendered by `sql` (`render_reencrypt`); keys travel only as
//! bind parameters, never in `set_config`, a log line or an error message.

/// Whether pgcrypto is installed in the connected database.
const PGCRYPTO_INSTALLED: &str =
    "select exists (select 1 from pg_catalog.pg_extension where extname = 'pgcrypto')";

/// Marks the reencrypt transaction cross-tenant for row-level security (`gatehouse policy
/// rls`), so that a role subject to it still sees every row to rewrite. Never a key.
const CROSS_TENANT: &str = "select set_config('gatehouse.cross_tenant', 'true', true)";

/// The encrypted columns the policy declares, as `schema.table.column`.
fn encrypted_columns(policy: &policy::PolicyFile) -> Vec<String> {
    policy
        .tables
        .values()
        .flat_map(|table| {
            table.encrypted.iter().map(move |column| {
                format!("{}.{}.{}", table.name.schema, table.name.name, column.value)
            })
        })
        .collect()
}

/// Refuses to serve a policy that encrypts columns without a key (pgcrypto returns NULL for a
/// NULL key: every encrypted value written would be lost) or without pgcrypto in the database.
/// A policy without encrypted columns needs neither.
pub async fn check_startup(
    pool: &deadpool_postgres::Pool,
    policy: &policy::PolicyFile,
    keys: Option<&policy::Keyring>,
) -> Result<(), String> {
    if !policy.has_encrypted_columns() {
        return Ok(());
    }
    let client = pool
        .get()
        .await
        .map_err(|err| format!("connect to the database: {}", pg::describe(&err)))?;
    check(&client, policy, keys).await
}

/// [`check_startup`] on a connection.
pub async fn check(
    client: &tokio_postgres::Client,
    policy: &policy::PolicyFile,
    keys: Option<&policy::Keyring>,
) -> Result<(), String> {
    let columns = encrypted_columns(policy);
    if columns.is_empty() {
        return Ok(());
    }
    if keys.is_none() {
        return Err(format!(
            "the policy encrypts {} but no encryption key is configured: set \
             GATEHOUSE_ENCRYPTION_KEYS (id:key,…, newest first) or GATEHOUSE_ENCRYPTION_KEY \
             (or their _FILE variants); without a key every encrypted value written would be \
             stored as NULL",
            columns.join(", ")
        ));
    }
    let installed: bool = client
        .query_one(PGCRYPTO_INSTALLED, &[])
        .await
        .map_err(|err| format!("look for pgcrypto: {}", pg::describe(&err)))?
        .get(0);
    if !installed {
        return Err(format!(
            "the policy encrypts {} but the pgcrypto extension is not installed in the \
             database: run `create extension pgcrypto` in it (as its owner or a superuser)",
            columns.join(", ")
        ));
    }
    Ok(())
}

/// What one reencrypt batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Rows in the page.
    pub scanned: i64,
    /// Rows whose ciphertext was rewritten under the newest key.
    pub rewritten: i64,
    /// The page's greatest primary key (each column as text): where the next page starts.
    /// `None` for an empty page.
    pub last: Option<Vec<String>>,
}

/// Rewrites one page of `plan`'s table (at most `batch` rows after `after`) in a transaction
/// of its own, committed before this returns.
pub async fn reencrypt_batch(
    client: &mut tokio_postgres::Client,
    plan: &policy::plan::Reencrypt,
    batch: u64,
    after: Option<&[String]>,
) -> Result<Batch, tokio_postgres::Error> {
    let statement = sql::render_reencrypt(plan, batch, after);
    let (types, values) = crate::db::bind(&statement.params);
    let refs = crate::db::as_refs(&values);
    let tx = client.transaction().await?;
    tx.execute(CROSS_TENANT, &[]).await?;
    let prepared = tx.prepare_typed(&statement.sql, &types).await?;
    let row = tx.query_one(&prepared, &refs).await?;
    let result = Batch {
        scanned: row.get("scanned"),
        rewritten: row.get("rewritten"),
        last: row.get("last"),
    };
    tx.commit().await?;
    Ok(result)
}
