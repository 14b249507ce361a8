//! `gatehouse schema dump`: the introspected model as JSON on stdout.

use std::process::ExitCode;

use crate::settings::Settings;

pub async fn run(settings: Settings) -> Result<ExitCode, String> {
    let client = super::connect(&settings).await?;
    let catalog = super::catalog(&client, &settings).await?;
    let json = serde_json::to_string_pretty(&catalog)
        .map_err(|err| format!("write the schema as JSON: {err}"))?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
