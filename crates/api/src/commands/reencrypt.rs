//! `gatehouse reencrypt [--batch N] [--table T]`: rewrites every encrypted column the policy
//! declares so that each value is under the newest key of `GATEHOUSE_ENCRYPTION_KEYS`.
//!
//! Tables are paged through by primary key, `--batch` rows per page, each page in a
//! transaction of its own: rows already under the newest key are left alone, so the command
//! can be interrupted at any point and run again, and a second run rewrites nothing. Run it
//! with an owner role (`GATEHOUSE_DATABASE_URL`) once every instance serves with the new key
//! list: a row an instance still running with the old list writes afterwards is under an older
//! key again (still readable; run the command again).

use std::process::ExitCode;

use crate::settings::Settings;

/// Rewrites the tables (or the one `--table` names) and prints progress; fails on a table it
/// cannot rewrite or on a value it cannot decrypt (after committing the batches before it).
pub async fn run(settings: Settings, batch: u64, table: Option<&str>) -> Result<ExitCode, String> {
    let keys = settings.encryption_keys.as_ref().ok_or(
        "GATEHOUSE_ENCRYPTION_KEYS: not set: give the key list, newest first (id:key,…); \
         values are rewritten under its first key",
    )?;
    let mut client = super::connect(&settings).await?;
    migrate::require_current(&client)
        .await
        .map_err(|err| err.to_string())?;
    let (catalog, policy) = super::catalog_and_policy(
        &client,
        &settings,
        "reencrypt rewrites the columns the policy declares encrypted",
    )
    .await?;
    crate::encryption::check(&client, &policy, Some(keys)).await?;

    let plans = policy.reencrypt_plans(&catalog, keys, table);
    if plans.is_empty() {
        return Err(match table {
            Some(table) => format!("the policy declares no encrypted column on table {table:?}"),
            None => "the policy declares no encrypted column: nothing to rewrite".to_owned(),
        });
    }
    let newest = keys.newest().id();
    println!("rewriting under key {newest:?}, {batch} rows per batch");
    let mut failed = false;
    for plan in &plans {
        let plan = match plan {
            Ok(plan) => plan,
            Err(not) => {
                println!("{}: skipped: {}", not.table, not.reason);
                failed = true;
                continue;
            }
        };
        let name = format!("{}.{}", plan.table.schema, plan.table.name);
        let (mut scanned, mut rewritten) = (0i64, 0i64);
        let mut after: Option<Vec<String>> = None;
        loop {
            let done =
                crate::encryption::reencrypt_batch(&mut client, plan, batch, after.as_deref())
                    .await
                    .map_err(|err| {
                        format!(
                            "{name}: rewrite a batch after {scanned} rows: {} ({rewritten} rows \
                         rewritten and committed before it; the command can be run again)",
                            pg::describe(&err)
                        )
                    })?;
            scanned += done.scanned;
            rewritten += done.rewritten;
            if done.scanned > 0 {
                println!(
                    "{name}: {scanned} rows read, {rewritten} rewritten (batch: {} rewritten)",
                    done.rewritten
                );
            }
            match done.last {
                Some(last) if u64::try_from(done.scanned).unwrap_or(0) >= batch => {
                    after = Some(last);
                }
                _ => break,
            }
        }
        println!("{name}: done: {scanned} rows read, {rewritten} rewritten");
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
