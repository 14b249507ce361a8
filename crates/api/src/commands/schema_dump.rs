//! `gatehouse schema dump`: the introspected model as JSON on stdout.

use std::process::ExitCode;

use crate::settings::Settings;

pub async fn run(settings: Settings) -> Result<ExitCode, String> {
    let client = pg::connect(&settings.database.primary)
        .await
        .map_err(|err| format!("connect to the database: {}", pg::describe(&err)))?;
    let catalog = schema::introspect(&client, &settings.database.schemas)
        .await
        .map_err(|err| format!("load the schema: {}", pg::describe(&err)))?;
    let json = serde_json::to_string_pretty(&catalog)
        .map_err(|err| format!("write the schema as JSON: {err}"))?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
