//! `gatehouse policy check` and `gatehouse policy explain --role R`: the policy file read and
//! judged against the live schema, exactly as `serve` would load it.

use std::process::ExitCode;

use crate::settings::Settings;

fn policy_path(settings: &Settings) -> Result<&std::path::Path, String> {
    settings
        .policy_file
        .as_deref()
        .ok_or_else(|| "GATEHOUSE_POLICY_FILE: not set: name the policy file to check".to_owned())
}

/// Prints every problem with its line; fails when there is any.
pub async fn check(settings: Settings) -> Result<ExitCode, String> {
    let path = policy_path(&settings)?;
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| format!("read {name}: {err}"))?;
    let problems = match policy::parse(&text) {
        Err(problems) => problems,
        Ok(file) => {
            let client = super::connect(&settings).await?;
            policy::validate(&file, &super::catalog(&client, &settings).await?)
        }
    };
    if problems.is_empty() {
        println!("{name}: ok");
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        println!("{}", problem.with_path(&name));
    }
    println!("\n{} problem(s) found", problems.len());
    Ok(ExitCode::FAILURE)
}

/// Prints the effective rights of `role`.
pub async fn explain(settings: Settings, role: &str) -> Result<ExitCode, String> {
    let client = super::connect(&settings).await?;
    let (catalog, file) =
        super::catalog_and_policy(&client, &settings, "name the policy file to explain").await?;
    match file.explain(&catalog, role) {
        Some(explanation) => {
            println!("{explanation}");
            Ok(ExitCode::SUCCESS)
        }
        None => Err(format!("role {role:?} is not declared in the policy")),
    }
}

/// Prints the row-level security script for every tenant-scoped table.
pub async fn rls(settings: Settings) -> Result<ExitCode, String> {
    let client = super::connect(&settings).await?;
    let (catalog, file) =
        super::catalog_and_policy(&client, &settings, "name the policy to enforce").await?;
    let targets = file.rls_targets(&catalog);
    if targets.is_empty() {
        return Err("the policy scopes no table by tenant: nothing to enforce".to_owned());
    }
    print!("{}", sql::rls_script(&targets));
    Ok(ExitCode::SUCCESS)
}
