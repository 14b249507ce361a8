//! One module per subcommand. Each returns the process exit code, or a message for stderr.

pub mod demo;
pub mod doctor;
pub mod keys;
pub mod migrate;
pub mod openapi;
pub mod policy;
pub mod reencrypt;
pub mod schema_dump;
pub mod serve;

use crate::settings::Settings;

/// A fresh connection to the database the settings name.
pub(crate) async fn connect(settings: &Settings) -> Result<tokio_postgres::Client, String> {
    pg::connect(&settings.database.primary)
        .await
        .map_err(|err| format!("connect to the database: {}", pg::describe(&err)))
}

/// The live catalog of the exposed schemas, through `client`.
pub(crate) async fn catalog(
    client: &tokio_postgres::Client,
    settings: &Settings,
) -> Result<schema::Catalog, String> {
    schema::introspect(client, &settings.database.schemas)
        .await
        .map_err(|err| format!("load the schema: {}", pg::describe(&err)))
}

/// The live catalog and the policy file (`why` says what needs it when it is not set),
/// loaded and validated as `serve` loads them.
pub(crate) async fn catalog_and_policy(
    client: &tokio_postgres::Client,
    settings: &Settings,
    why: &str,
) -> Result<(schema::Catalog, ::policy::PolicyFile), String> {
    let path = settings
        .policy_file
        .as_deref()
        .ok_or_else(|| format!("GATEHOUSE_POLICY_FILE: not set: {why}"))?;
    let catalog = catalog(client, settings).await?;
    let policy =
        crate::startup::load_policy(Some(path), &catalog).map_err(|err| err.to_string())?;
    Ok((catalog, policy))
}
