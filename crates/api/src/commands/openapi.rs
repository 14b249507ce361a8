//! `gatehouse openapi [--role R] [--output FILE]`: the OpenAPI document `GET /openapi.json`
//! would answer a caller of role R, written as pretty JSON to stdout or FILE.

use std::path::Path;
use std::process::ExitCode;

use crate::settings::Settings;

/// The live catalog and the policy file, loaded and validated as `serve` loads them.
pub async fn load(settings: &Settings) -> Result<(schema::Catalog, policy::PolicyFile), String> {
    let client = super::connect(settings).await?;
    super::catalog_and_policy(
        &client,
        settings,
        "name the policy file the document follows",
    )
    .await
}

/// Writes the document for `role` (default: the anonymous role, when the policy declares it).
pub async fn run(
    settings: Settings,
    role: Option<&str>,
    output: Option<&Path>,
) -> Result<ExitCode, String> {
    let (catalog, policy) = load(&settings).await?;
    let declared = || {
        policy
            .roles
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let role = match role {
        Some(role) => role,
        None if policy.role(crate::auth::ANON_ROLE).is_some() => crate::auth::ANON_ROLE,
        None => {
            return Err(format!(
                "the policy declares no anonymous role ({}): name one with --role (declared: {})",
                crate::auth::ANON_ROLE,
                declared()
            ));
        }
    };
    // The document never decrypts anything: no keys needed.
    let environment = policy::Environment {
        encryption_key: None,
        ..settings.environment()
    };
    let document =
        crate::openapi::document(&catalog, &policy, &environment, role).ok_or_else(|| {
            format!(
                "role {role:?} is not declared in the policy (declared: {})",
                declared()
            )
        })?;
    let json = crate::openapi::to_json(&document)
        .map_err(|err| format!("write the document as JSON: {err}"))?;
    match output {
        Some(path) => std::fs::write(path, format!("{json}\n"))
            .map_err(|err| format!("write {}: {err}", path.display()))?,
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}
