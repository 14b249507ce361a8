//! `gatehouse keys create | list | rotate | revoke`: API keys in `gatehouse.api_keys`.
//!
//! Run with `GATEHOUSE_DATABASE_URL` naming the owner role (the serving role may only read keys
//! and write their `last_used_at`). `create` and `rotate` need `GATEHOUSE_API_KEY_PEPPER`, the
//! same one the servers use, and print the new key once, alone on stdout (so
//! `KEY=$(gatehouse keys create …)` works); everything else goes to stderr. Nothing prints a
//! secret or a hash afterwards.

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Subcommand;

use crate::apikey::{self, KeyScope, NewKey, Pepper};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a key bound to a role (and a tenant); prints it once.
    Create {
        /// The policy role requests with the key run as.
        #[arg(long)]
        role: String,
        /// The tenant the key acts for.
        #[arg(long, conflicts_with = "cross_tenant")]
        tenant: Option<String>,
        /// The key acts for every tenant (say so explicitly).
        #[arg(long)]
        cross_tenant: bool,
        /// Lifetime, e.g. 90d, 12h, 30m (default: no expiry).
        #[arg(long, value_parser = parse_lifetime)]
        expires: Option<Duration>,
        /// Client addresses the key may be used from (repeatable), e.g. 10.0.0.0/8.
        #[arg(long = "allow-cidr", value_name = "CIDR", value_parser = parse_cidr)]
        allow_cidr: Vec<ipnet::IpNet>,
        /// Free text shown by `keys list`.
        #[arg(long)]
        description: Option<String>,
    },
    /// Every key: id, role, tenant, status, expiry, last use (never a secret).
    List,
    /// Make a successor with the same role, tenant and addresses; the old key keeps working
    /// for the overlap, then stops.
    Rotate {
        /// The public id of the key to rotate.
        id: String,
        /// How long the old key keeps working, e.g. 24h, 30m, 0 (stops now).
        #[arg(long, default_value = "24h", value_parser = parse_duration)]
        overlap: Duration,
        /// Lifetime of the new key (default: as long as the old one was given).
        #[arg(long, value_parser = parse_lifetime)]
        expires: Option<Duration>,
    },
    /// Revoke a key now; every running instance stops accepting it within a second.
    Revoke {
        /// The public id of the key.
        id: String,
    },
}

pub async fn run(settings: Settings, command: KeysCommand) -> Result<ExitCode, String> {
    let mut client = pg::connect(&settings.database.primary)
        .await
        .map_err(|err| format!("connect to the database: {}", pg::describe(&err)))?;
    let pepper = || {
        settings
            .api_keys
            .pepper
            .as_ref()
            .map(Pepper::new)
            .ok_or_else(|| {
                "GATEHOUSE_API_KEY_PEPPER is not set: keys are hashed with it, and the servers \
                 need the same one to check them"
                    .to_owned()
            })
    };
    match command {
        KeysCommand::Create {
            role,
            tenant,
            cross_tenant,
            expires,
            allow_cidr,
            description,
        } => {
            let pepper = pepper()?;
            check_role(&settings, &role)?;
            let scope = match (tenant, cross_tenant) {
                (Some(tenant), _) if tenant.is_empty() => {
                    return Err("--tenant: empty".to_owned());
                }
                (Some(tenant), _) => KeyScope::Tenant(tenant),
                (None, true) => KeyScope::CrossTenant,
                (None, false) => KeyScope::NoTenant,
            };
            let key = NewKey {
                role,
                scope,
                expires_in: expires,
                allowed_cidrs: allow_cidr,
                description,
            };
            let created = apikey::store::create(&client, &pepper, &key)
                .await
                .map_err(|err| err.to_string())?;
            println!("{}", created.token.expose());
            eprintln!(
                "created API key {}: role {}, {}, expires {}, {}",
                created.id,
                key.role,
                key.scope,
                created.expires_at.map_or_else(|| "never".to_owned(), utc),
                addresses(&key.allowed_cidrs),
            );
            eprintln!(
                "Store the key now: it is shown only this once and cannot be recovered. \
                 Send it as `Authorization: Bearer <key>` or `apikey: <key>`."
            );
        }
        KeysCommand::List => {
            let keys = apikey::store::list(&client)
                .await
                .map_err(|err| err.to_string())?;
            print!("{}", table(&keys));
        }
        KeysCommand::Rotate {
            id,
            overlap,
            expires,
        } => {
            let pepper = pepper()?;
            let rotated = apikey::store::rotate(&mut client, &pepper, &id, overlap, expires)
                .await
                .map_err(|err| err.to_string())?;
            println!("{}", rotated.new.token.expose());
            eprintln!(
                "rotated API key {} into {} (expires {}); {} keeps working until {}",
                rotated.old_id,
                rotated.new.id,
                rotated
                    .new
                    .expires_at
                    .map_or_else(|| "never".to_owned(), utc),
                rotated.old_id,
                utc(rotated.old_until),
            );
            eprintln!("Store the new key now: it is shown only this once.");
        }
        KeysCommand::Revoke { id } => {
            let at = apikey::store::revoke(&client, &id)
                .await
                .map_err(|err| err.to_string())?;
            eprintln!(
                "revoked API key {id} at {}; running instances stop accepting it within a second",
                utc(at)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// With a policy file set, the role must be one it declares.
fn check_role(settings: &Settings, role: &str) -> Result<(), String> {
    let Some(path) = &settings.policy_file else {
        return Ok(());
    };
    let text =
        std::fs::read_to_string(path).map_err(|err| format!("read {}: {err}", path.display()))?;
    let policy = policy::parse(&text).map_err(|problems| {
        format!(
            "{}: the policy does not parse ({} problems; `gatehouse policy check` lists them)",
            path.display(),
            problems.len()
        )
    })?;
    if policy.roles.contains_key(role) {
        Ok(())
    } else {
        Err(format!(
            "--role {role}: {} declares no such role (it declares: {})",
            path.display(),
            policy.roles.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    }
}

fn addresses(cidrs: &[ipnet::IpNet]) -> String {
    if cidrs.is_empty() {
        "usable from any address".to_owned()
    } else {
        format!(
            "usable from {}",
            cidrs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// `keys list`'s table: one line per key, columns padded.
fn table(keys: &[apikey::Listed]) -> String {
    let header = [
        "id",
        "role",
        "scope",
        "status",
        "expires",
        "last used",
        "created",
        "addresses",
        "description",
    ];
    let mut rows: Vec<[String; 9]> = vec![header.map(str::to_owned)];
    for key in keys {
        let status = if key.revoked {
            "revoked".to_owned()
        } else if key.expired {
            "expired".to_owned()
        } else if let Some(until) = key.overlap_until {
            format!("rotated, works until {}", utc(until))
        } else {
            "active".to_owned()
        };
        rows.push([
            key.id.clone(),
            key.role.clone(),
            key.scope.to_string(),
            status,
            key.expires_at.map_or_else(|| "never".to_owned(), utc),
            key.last_used_at.map_or_else(|| "never".to_owned(), utc),
            utc(key.created_at),
            if key.allowed_cidrs.is_empty() {
                "any".to_owned()
            } else {
                key.allowed_cidrs.join(",")
            },
            key.description.clone().unwrap_or_default(),
        ]);
    }
    let mut widths = [0usize; 9];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if keys.is_empty() {
        out.push_str("(no keys)\n");
    }
    out
}

/// `2025-01-31 12:00:00Z`.
fn utc(time: SystemTime) -> String {
    let seconds = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// `90d`, `12h`, `30m`, `45s`, `2w`, or `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?}: add a unit: s, m, h, d or w (e.g. 90d)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, e.g. 90d"))?;
    let unit_seconds: u64 = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?}: use s, m, h, d or w"
            ));
        }
    };
    number
        .checked_mul(unit_seconds)
        .filter(|seconds| *seconds <= 100 * 366 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?}: too long"))
}

/// A duration that is not zero.
fn parse_lifetime(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(format!("{text:?}: a key that expires at once is of no use")),
        lifetime => Ok(lifetime),
    }
}

fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    crate::settings::parse_cidr(text.trim()).ok_or_else(|| {
        format!("{text:?} is not a CIDR (like 10.0.0.0/8, host bits zero) or an IP address")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(1_209_600)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "d", "90", "90x", "-1d", "1.5h", "99999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_lifetime("0").is_err());
        assert!(parse_lifetime("0s").is_err());
    }

    #[test]
    fn cidrs() {
        assert_eq!(
            parse_cidr("10.0.0.0/8").map(|n| n.to_string()),
            Ok("10.0.0.0/8".to_owned())
        );
        assert_eq!(
            parse_cidr("127.0.0.1").map(|n| n.to_string()),
            Ok("127.0.0.1/32".to_owned())
        );
        assert!(parse_cidr("10.0.0.1/8").is_err());
        assert!(parse_cidr("nowhere").is_err());
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00:00Z");
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(1_738_324_800)),
            "2025-01-31 12:00:00Z"
        );
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29 00:00:00Z"
        );
    }

    #[test]
    fn the_list_shows_no_secret_material_and_says_what_each_key_is() {
        let at = UNIX_EPOCH + Duration::from_secs(1_738_324_800);
        let key = apikey::Listed {
            id: "abcdefgh12345678".to_owned(),
            role: "reader".to_owned(),
            scope: KeyScope::Tenant("acme".to_owned()),
            allowed_cidrs: vec!["10.0.0.0/8".to_owned()],
            description: Some("ci".to_owned()),
            created_at: at,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
            rotated_from: None,
            overlap_until: None,
            revoked: false,
            expired: false,
        };
        let revoked = apikey::Listed {
            id: "zzzzzzzz".to_owned(),
            revoked: true,
            scope: KeyScope::CrossTenant,
            ..key.clone()
        };
        let text = table(&[key, revoked]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("id "), "{text}");
        assert!(lines[1].contains("tenant acme") && lines[1].contains("active"));
        assert!(lines[1].contains("10.0.0.0/8") && lines[1].contains("never"));
        assert!(lines[2].contains("cross-tenant") && lines[2].contains("revoked"));
    }
}
