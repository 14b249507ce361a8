//! `gatehouse serve`: build the application and serve until stopped.

use std::process::ExitCode;

use crate::settings::Settings;
use crate::startup::Application;

pub async fn run(settings: Settings) -> Result<ExitCode, String> {
    let app = Application::build(settings)
        .await
        .map_err(|err| err.to_string())?;
    tracing::info!(api = %app.api_address(), admin = %app.admin_address(), "serving");
    app.run_until_stopped()
        .await
        .map_err(|err| format!("serve: {err}"))?;
    Ok(ExitCode::SUCCESS)
}
