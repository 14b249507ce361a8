//! The command line: `gatehouse [serve]`, `gatehouse demo`, `gatehouse schema dump`,
//! `gatehouse doctor`. Configuration comes from the environment (see `settings`); the command
//! line only chooses what to do.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::settings::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "A policy-enforcing REST API over PostgreSQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Start a private TLS PostgreSQL with a demo schema and serve it.
    Demo {
        /// Where the demo cluster lives; reused when it exists.
        #[arg(long, default_value = ".gatehouse/demo")]
        dir: std::path::PathBuf,
        /// Prepare the cluster and print the settings, but do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// The introspected schema.
    Schema {
        #[command(subcommand)]
        command: SchemaCommand,
    },
    /// Check the deployment: TLS, certificate verification, the database role's powers.
    Doctor,
    /// The policy file (GATEHOUSE_POLICY_FILE) against the live schema.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Write the OpenAPI document a caller of one role gets from `GET /openapi.json`.
    Openapi {
        /// The role (default: anon, when the policy declares it).
        #[arg(long)]
        role: Option<String>,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// API keys: create, list, rotate, revoke (run as the owner role, with the pepper).
    Keys {
        #[command(subcommand)]
        command: commands::keys::KeysCommand,
    },
    /// Gatehouse's own schema (gatehouse.*): run as a role with CREATE on the database.
    Migrate {
        #[command(subcommand)]
        command: commands::migrate::MigrateCommand,
    },
    /// Rewrite encrypted columns under the newest key of GATEHOUSE_ENCRYPTION_KEYS, in batches
    /// (safe to interrupt and rerun); run as an owner role.
    Reencrypt {
        /// Rows per batch; each batch is its own transaction.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        batch: u64,
        /// Only this table (`name` or `schema.name`).
        #[arg(long, value_name = "TABLE")]
        table: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate the policy against the live schema; exits non-zero on any problem.
    Check,
    /// Print the SQL that makes PostgreSQL enforce the tenant rule too (row-level security).
    Rls,
    /// The effective rights of a role, table by table, column by column.
    Explain {
        /// The role to explain.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum SchemaCommand {
    /// Print the introspected model as JSON.
    Dump,
}

/// Runs the command line; the exit code says whether it worked.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => commands::serve::run(settings()?).await,
            Command::Demo { dir, no_serve } => commands::demo::run(&dir, !no_serve).await,
            Command::Schema {
                command: SchemaCommand::Dump,
            } => commands::schema_dump::run(settings()?).await,
            Command::Doctor => commands::doctor::run(settings()?).await,
            Command::Policy {
                command: PolicyCommand::Check,
            } => commands::policy::check(settings()?).await,
            Command::Policy {
                command: PolicyCommand::Rls,
            } => commands::policy::rls(settings()?).await,
            Command::Policy {
                command: PolicyCommand::Explain { role },
            } => commands::policy::explain(settings()?, &role).await,
            Command::Openapi { role, output } => {
                commands::openapi::run(settings()?, role.as_deref(), output.as_deref()).await
            }
            Command::Migrate { command } => commands::migrate::run(settings()?, command).await,
            Command::Keys { command } => commands::keys::run(settings()?, command).await,
            Command::Reencrypt { batch, table } => {
                commands::reencrypt::run(settings()?, batch, table.as_deref()).await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("gatehouse: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings() -> Result<Settings, String> {
    let settings = Settings::from_env().map_err(|err| err.to_string())?;
    crate::telemetry::init(settings.log_format, settings.log_filter.as_deref());
    for variable in &settings.unknown_variables {
        tracing::warn!(%variable, "unknown variable ignored (a typo?)");
    }
    Ok(settings)
}
