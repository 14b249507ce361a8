//! `gatehouse doctor`: checks the live deployment and says what to fix. The facts are gathered
//! from the database; judging them is a pure function ([`findings`]) so every rule is tested
//! without a server.

use std::fmt;
use std::process::ExitCode;

use crate::settings::Settings;

/// What the database told us about the connection and the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub ssl_mode: pg::SslMode,
    pub tls: Option<pg::TlsStatus>,
    pub role: String,
    pub superuser: bool,
    pub bypass_rls: bool,
    pub create_role: bool,
    pub create_db: bool,
    pub server_file_roles: Vec<String>,
    pub owned_relations: Vec<String>,
    /// Whether the server may write statements' bind parameters (which carry the encryption
    /// keys and every filter value) to its log.
    pub logs_parameters: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Ok,
    Warning,
    Critical,
}

/// One line of the report: what was found and, unless it is fine, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub what: String,
    pub fix: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Ok => "ok      ",
            Severity::Warning => "WARNING ",
            Severity::Critical => "CRITICAL",
        };
        write!(f, "{label}  {}", self.what)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n          fix: {fix}")?;
        }
        Ok(())
    }
}

fn ok(what: String) -> Finding {
    Finding {
        severity: Severity::Ok,
        what,
        fix: None,
    }
}

fn problem(severity: Severity, what: String, fix: String) -> Finding {
    Finding {
        severity,
        what,
        fix: Some(fix),
    }
}

/// Judges the facts. Pure.
pub fn findings(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    // As SQL writes it: the advice is pasted into psql, whatever the role is called.
    let role = sql::quoted_ident(&facts.role);
    match &facts.tls {
        Some(tls) if tls.ssl => out.push(ok(format!(
            "TLS {} with {} ({} bits)",
            tls.version.as_deref().unwrap_or("(unknown version)"),
            tls.cipher.as_deref().unwrap_or("(unknown cipher)"),
            tls.bits
                .map_or_else(|| "?".to_owned(), |bits| bits.to_string()),
        ))),
        _ => out.push(problem(
            Severity::Critical,
            "the connection is not encrypted".to_owned(),
            "enable ssl on the server; Gatehouse never sends data in plaintext".to_owned(),
        )),
    }
    match facts.ssl_mode {
        pg::SslMode::VerifyFull => out.push(ok(
            "server certificate verified: chain and host name (verify-full)".to_owned(),
        )),
        pg::SslMode::VerifyCa => out.push(problem(
            Severity::Warning,
            "server certificate chain verified, host name not checked (verify-ca)".to_owned(),
            "issue the server a certificate naming its host and use sslmode=verify-full".to_owned(),
        )),
    }
    let powers = [
        (
            facts.superuser,
            Severity::Critical,
            "is a superuser: it bypasses every privilege and row-level security policy",
            format!("connect as a dedicated role: ALTER ROLE {role} NOSUPERUSER"),
        ),
        (
            facts.bypass_rls,
            Severity::Critical,
            "has BYPASSRLS: row-level security does not apply to it",
            format!("ALTER ROLE {role} NOBYPASSRLS"),
        ),
        (
            facts.create_role,
            Severity::Warning,
            "has CREATEROLE: it can create roles and grant itself their rights",
            format!("ALTER ROLE {role} NOCREATEROLE"),
        ),
        (
            facts.create_db,
            Severity::Warning,
            "has CREATEDB",
            format!("ALTER ROLE {role} NOCREATEDB"),
        ),
    ];
    for (present, severity, what, fix) in powers {
        if present {
            out.push(problem(severity, format!("role {role} {what}"), fix));
        }
    }
    for member in &facts.server_file_roles {
        out.push(problem(
            Severity::Critical,
            format!(
                "role {role} is a member of {member}: it can reach the server's files or programs"
            ),
            format!("REVOKE {} FROM {role}", sql::quoted_ident(member)),
        ));
    }
    if !facts.owned_relations.is_empty() {
        out.push(problem(
            Severity::Critical,
            format!(
                "role {role} owns exposed relations ({}): owners bypass row-level security and can change the schema",
                facts.owned_relations.join(", ")
            ),
            "let a separate role own the schema and GRANT the API role only SELECT, INSERT, \
             UPDATE, DELETE"
                .to_owned(),
        ));
    }
    if facts.logs_parameters {
        out.push(problem(
            Severity::Warning,
            "the server logs statements with their bind parameters, which carry the encryption \
             keys and request values"
                .to_owned(),
            "set log_parameter_max_length = 0 (or log_statement = 'none' and \
             log_min_duration_statement = -1)"
                .to_owned(),
        ));
    }
    if !facts.superuser
        && !facts.bypass_rls
        && facts.server_file_roles.is_empty()
        && facts.owned_relations.is_empty()
    {
        out.push(ok(format!(
            "role {role} has no dangerous powers and owns no exposed relation"
        )));
    }
    out
}

/// Gathers the facts from a live connection.
pub async fn gather(
    client: &tokio_postgres::Client,
    ssl_mode: pg::SslMode,
    schemas: &[String],
) -> Result<Facts, String> {
    let tls = pg::tls_status(client)
        .await
        .map_err(|err| format!("read the TLS status: {}", pg::describe(&err)))?;
    let row = client
        .query_one(include_str!("../sql/doctor_role.sql"), &[&schemas])
        .await
        .map_err(|err| format!("read the role's powers: {}", pg::describe(&err)))?;
    Ok(Facts {
        ssl_mode,
        tls: Some(tls),
        role: row.get("role"),
        superuser: row.get("superuser"),
        bypass_rls: row.get("bypass_rls"),
        create_role: row.get("create_role"),
        create_db: row.get("create_db"),
        server_file_roles: row.get("server_file_roles"),
        owned_relations: row.get("owned_relations"),
        logs_parameters: {
            let statement: String = row.get("log_statement");
            let duration: String = row.get("log_min_duration_statement");
            let length: String = row.get("log_parameter_max_length");
            let logs_statements = matches!(statement.as_str(), "all" | "mod") || duration != "-1";
            logs_statements && length != "0"
        },
    })
}

/// Runs the checks and prints the report; fails when anything critical was found.
pub async fn run(settings: Settings) -> Result<ExitCode, String> {
    let options = &settings.database.primary;
    let client = pg::connect(options)
        .await
        .map_err(|err| format!("connect to the database: {}", pg::describe(&err)))?;
    let facts = gather(&client, options.ssl_mode(), &settings.database.schemas).await?;
    let findings = findings(&facts);
    for finding in &findings {
        println!("{finding}");
    }
    let critical = findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .count();
    if critical > 0 {
        println!("\n{critical} critical problem(s) found");
        Ok(ExitCode::FAILURE)
    } else {
        println!("\nno critical problem found");
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn least_privilege() -> Facts {
        Facts {
            ssl_mode: pg::SslMode::VerifyFull,
            tls: Some(pg::TlsStatus {
                ssl: true,
                version: Some("TLSv1.3".to_owned()),
                cipher: Some("TLS_AES_256_GCM_SHA384".to_owned()),
                bits: Some(256),
            }),
            role: "app".to_owned(),
            superuser: false,
            bypass_rls: false,
            create_role: false,
            create_db: false,
            server_file_roles: vec![],
            owned_relations: vec![],
            logs_parameters: false,
        }
    }

    fn severities(facts: &Facts) -> Vec<Severity> {
        findings(facts).iter().map(|f| f.severity).collect()
    }

    #[test]
    fn fixes_quote_the_role_as_sql_does() {
        let facts = Facts {
            role: r#"we"ird"#.to_owned(),
            superuser: true,
            server_file_roles: vec!["pg_read_server_files".to_owned()],
            ..least_privilege()
        };
        let fixes: Vec<String> = findings(&facts)
            .into_iter()
            .filter_map(|finding| finding.fix)
            .collect();
        assert!(
            fixes.contains(
                &r#"connect as a dedicated role: ALTER ROLE "we""ird" NOSUPERUSER"#.to_owned()
            ),
            "{fixes:?}"
        );
        assert!(
            fixes.contains(&r#"REVOKE "pg_read_server_files" FROM "we""ird""#.to_owned()),
            "{fixes:?}"
        );
    }

    #[test]
    fn least_privilege_role_passes() {
        assert!(
            severities(&least_privilege())
                .iter()
                .all(|s| *s == Severity::Ok)
        );
    }

    #[test]
    fn each_dangerous_power_is_flagged_with_a_fix() {
        let cases: Vec<(Facts, Severity, &str)> = vec![
            (
                Facts {
                    superuser: true,
                    ..least_privilege()
                },
                Severity::Critical,
                "superuser",
            ),
            (
                Facts {
                    bypass_rls: true,
                    ..least_privilege()
                },
                Severity::Critical,
                "BYPASSRLS",
            ),
            (
                Facts {
                    create_role: true,
                    ..least_privilege()
                },
                Severity::Warning,
                "CREATEROLE",
            ),
            (
                Facts {
                    create_db: true,
                    ..least_privilege()
                },
                Severity::Warning,
                "CREATEDB",
            ),
            (
                Facts {
                    server_file_roles: vec!["pg_read_server_files".to_owned()],
                    ..least_privilege()
                },
                Severity::Critical,
                "pg_read_server_files",
            ),
            (
                Facts {
                    owned_relations: vec!["public.items".to_owned()],
                    ..least_privilege()
                },
                Severity::Critical,
                "public.items",
            ),
            (
                Facts {
                    tls: None,
                    ..least_privilege()
                },
                Severity::Critical,
                "not encrypted",
            ),
            (
                Facts {
                    logs_parameters: true,
                    ..least_privilege()
                },
                Severity::Warning,
                "bind parameters",
            ),
            (
                Facts {
                    ssl_mode: pg::SslMode::VerifyCa,
                    ..least_privilege()
                },
                Severity::Warning,
                "verify-ca",
            ),
        ];
        for (facts, severity, needle) in cases {
            let found = findings(&facts);
            let hit = found
                .iter()
                .find(|f| f.what.contains(needle))
                .unwrap_or_else(|| panic!("no finding mentions {needle}: {found:?}"));
            assert_eq!(hit.severity, severity, "{needle}");
            assert!(hit.fix.is_some(), "{needle} has no fix");
        }
    }
}
