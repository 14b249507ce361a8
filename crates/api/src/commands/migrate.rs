//! `gatehouse migrate up | down | status`: Gatehouse's own schema (`gatehouse.*`), through the
//! `migrate` crate.
//!
//! Run it with `GATEHOUSE_DATABASE_URL` naming a role that may create schemas in the database
//! (CREATE on the database, typically its owner), not the least-privilege role `serve` uses.
//! `up --grant-to ROLE` then grants that serving role what it needs (USAGE on schema
//! gatehouse, INSERT on gatehouse.audit_log, SELECT on gatehouse.schema_migrations); without
//! it, `up` prints the GRANT statements to run.

use std::process::ExitCode;

use clap::Subcommand;

use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply every pending migration, in order, each in its own transaction.
    Up {
        /// Also grant this role (the one `serve` connects as) what serving needs on the
        /// gatehouse schema.
        #[arg(long, value_name = "ROLE")]
        grant_to: Option<String>,
    },
    /// Revert the newest applied migration; with --to, every one newer than VERSION.
    Down {
        /// Revert down to this version, which stays applied (0 reverts everything).
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
    },
    /// List the migrations: applied or pending, and whether applied files are unchanged.
    Status,
}

pub async fn run(settings: Settings, command: MigrateCommand) -> Result<ExitCode, String> {
    let mut client = pg::connect(&settings.database.primary)
        .await
        .map_err(|err| format!("connect to the database: {}", pg::describe(&err)))?;
    match command {
        MigrateCommand::Up { grant_to } => {
            let applied = migrate::up(&mut client)
                .await
                .map_err(|err| err.to_string())?;
            if applied.is_empty() {
                println!("nothing to apply: the gatehouse schema is current");
            }
            for migration in &applied {
                println!("applied  {migration}");
            }
            match grant_to {
                Some(role) => {
                    migrate::grant(&client, &role)
                        .await
                        .map_err(|err| err.to_string())?;
                    println!("granted {role:?} what serving needs on schema gatehouse");
                }
                None => {
                    println!(
                        "\nThe role `serve` connects as needs these privileges (or rerun with \
                         --grant-to ROLE):"
                    );
                    for pattern in migrate::GRANTS {
                        println!("  {};", pattern.replace("%I", "<serving_role>"));
                    }
                }
            }
        }
        MigrateCommand::Down { to } => {
            let reverted = migrate::down(&mut client, to)
                .await
                .map_err(|err| err.to_string())?;
            if reverted.is_empty() {
                println!("nothing to revert");
            }
            for migration in &reverted {
                println!("reverted {migration}");
            }
        }
        MigrateCommand::Status => {
            let status = migrate::status(&client)
                .await
                .map_err(|err| err.to_string())?;
            print!("{status}");
            status.check().map_err(|err| err.to_string())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
