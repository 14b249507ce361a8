//! `gatehouse demo`: the embedded default. Starts (or reuses) a private PostgreSQL cluster with
//! TLS in a local folder, loads the demo schema and data once, and serves it through a
//! least-privilege role, exactly as a real deployment would be set up.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::settings::Settings;
use crate::startup::Application;

const DATABASE: &str = "gatehouse_demo";
const APP_ROLE: &str = "gatehouse_demo_app";
const SCHEMA_SQL: &str = include_str!("../../demo/schema.sql");
const POLICY_TOML: &str = include_str!("../../demo/policy.toml");
/// How long the demo's printed tokens stay valid.
const TOKEN_LIFETIME_SECONDS: u64 = 7 * 24 * 3600;

pub async fn run(dir: &Path, serve: bool) -> Result<ExitCode, String> {
    let demo = prepare(dir).await?;
    let settings =
        Settings::from_vars(demo.vars()).map_err(|err| format!("demo settings: {err}"))?;
    crate::telemetry::init(settings.log_format, settings.log_filter.as_deref());
    if !serve {
        println!("demo database ready in {}", demo.cluster.dir().display());
        println!(
            "GATEHOUSE_DATABASE_URL and the CA file are in {}",
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(err) => {
            // Leave nothing running behind a failed start.
            let cluster = demo.cluster.clone();
            let stopped = tokio::task::spawn_blocking(move || cluster.stop()).await;
            if let Ok(Err(stop)) = stopped {
                tracing::warn!(error = %stop, "stop the demo database");
            }
            return Err(err.to_string());
        }
    };
    let key = demo.api_key("reader", "acme").await?;
    let reader = demo.token("reader", "acme")?;
    let admin = demo.token("admin", "acme")?;
    let api = app.api_address();
    println!(
        "\nGatehouse demo: a private TLS PostgreSQL in {dir}, served by a least-privilege role.\n\n\
         API:    http://{api}\n\
         health: http://{health}/ready\n\n\
         Tokens (tenant acme, valid 7 days):\n  reader: {reader}\n  admin:  {admin}\n\
         API key (role reader, tenant acme, valid 7 days):\n  key:    {key}\n\n\
         Try (each line works as pasted):\n\n\
         curl -s 'http://{api}/countries?order=code'\n\
         curl -s 'http://{api}/customers?select=id,name,email,phone&order=id&limit=3' -H 'Authorization: Bearer {reader}'\n\
         curl -s 'http://{api}/customers?select=id,name,ssn,orders(id,status)&order=id&limit=2' -H 'Authorization: Bearer {admin}'\n\
         curl -s 'http://{api}/customers?select=id,name&email=eq.customer2@example.com' -H 'Authorization: Bearer {reader}'\n\
         curl -s 'http://{api}/customers' \n\
         curl -s 'http://{api}/products?select=id,name,price&order=id&limit=2' -H 'apikey: {key}'\n\n\
         Ctrl-C stops the server and the database.\n",
        dir = demo.cluster.dir().display(),
        health = app.admin_address(),
    );
    let served = app.run_until_stopped().await;
    let cluster = demo.cluster.clone();
    let stopped = tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .map_err(|err| format!("stop the demo database: {err}"))?;
    served.map_err(|err| format!("serve: {err}"))?;
    stopped.map_err(|err| format!("stop the demo database: {err}"))?;
    Ok(ExitCode::SUCCESS)
}

/// A prepared demo: the running cluster and the credentials of its API role.
#[derive(Debug)]
pub struct Demo {
    pub cluster: localpg::Cluster,
    app_password: String,
    encryption_key: String,
    jwt_secret: String,
    pepper: String,
    policy_file: PathBuf,
}

impl Demo {
    /// The URL of the API role on the demo database (verify-full against the cluster's CA).
    pub fn app_url(&self) -> Result<String, String> {
        let options = pg::ConnectOptions::from_url(&self.cluster.url(DATABASE))
            .map_err(|err| err.to_string())?
            .with_credentials(APP_ROLE, &self.app_password);
        Ok(options.to_url())
    }

    /// A new API key for a demo role and tenant, stored hashed in the demo database; the full
    /// key is returned once. Each run makes a fresh one, valid for a week.
    pub async fn api_key(&self, role: &str, tenant: &str) -> Result<String, String> {
        let client = connect(&self.cluster.url(DATABASE)).await?;
        let pepper = crate::apikey::Pepper::new(&crate::settings::Secret::new(self.pepper.clone()));
        let created = crate::apikey::store::create(
            &client,
            &pepper,
            &crate::apikey::NewKey {
                role: role.to_owned(),
                scope: crate::apikey::KeyScope::Tenant(tenant.to_owned()),
                expires_in: Some(std::time::Duration::from_secs(TOKEN_LIFETIME_SECONDS)),
                allowed_cidrs: Vec::new(),
                description: Some("gatehouse demo".to_owned()),
            },
        )
        .await
        .map_err(|err| format!("create a demo API key: {err}"))?;
        Ok(created.token.expose().to_owned())
    }

    /// A signed token for a demo role and tenant.
    pub fn token(&self, role: &str, tenant: &str) -> Result<String, String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|err| err.to_string())?
            .as_secs();
        let claims = serde_json::json!({
            "role": role,
            "tenant_id": tenant,
            "sub": format!("demo-{role}"),
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
        });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(self.jwt_secret.as_bytes()),
        )
        .map_err(|err| format!("sign a demo token: {err}"))
    }

    /// The `GATEHOUSE_*` variables the demo serves with: the caller's own, with the database,
    /// the policy and the secrets replaced by the demo's.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = std::env::vars()
            .filter(|(key, _)| {
                key.starts_with("GATEHOUSE_")
                    && !key.starts_with("GATEHOUSE_DATABASE_URL")
                    && !key.starts_with("GATEHOUSE_ENCRYPTION_KEY")
                    && !key.starts_with("GATEHOUSE_JWT_SECRET")
                    && !key.starts_with("GATEHOUSE_API_KEY_PEPPER")
                    && !key.starts_with("GATEHOUSE_POLICY_FILE")
                    && !key.starts_with("GATEHOUSE_TEST_")
            })
            .collect();
        if let Ok(url) = self.app_url() {
            vars.push(("GATEHOUSE_DATABASE_URL".to_owned(), url));
        }
        vars.push((
            "GATEHOUSE_ENCRYPTION_KEY".to_owned(),
            self.encryption_key.clone(),
        ));
        vars.push(("GATEHOUSE_JWT_SECRET".to_owned(), self.jwt_secret.clone()));
        vars.push(("GATEHOUSE_API_KEY_PEPPER".to_owned(), self.pepper.clone()));
        vars.push((
            "GATEHOUSE_POLICY_FILE".to_owned(),
            self.policy_file.display().to_string(),
        ));
        vars
    }
}

/// Starts the cluster and loads the demo once. Idempotent.
pub async fn prepare(dir: &Path) -> Result<Demo, String> {
    let cluster_dir = dir.to_owned();
    let cluster = tokio::task::spawn_blocking(move || {
        localpg::Cluster::ensure(&cluster_dir, &localpg::Options::default())
    })
    .await
    .map_err(|err| format!("start the demo database: {err}"))?
    .map_err(|err| format!("start the demo database: {}", pg::describe(&err)))?;
    let app_password = stored_secret(&cluster.dir().join("demo-app.password"))?;
    let encryption_key = stored_secret(&cluster.dir().join("demo-encryption.key"))?;
    let jwt_secret = stored_secret(&cluster.dir().join("demo-jwt.secret"))?;
    let pepper = stored_secret(&cluster.dir().join("demo-api-key.pepper"))?;
    let policy_file = cluster.dir().join("demo-policy.toml");
    write_private(&policy_file, POLICY_TOML)
        .map_err(|err| format!("write {}: {err}", policy_file.display()))?;

    let admin = connect(&cluster.url("postgres")).await?;
    let exists = admin
        .query_opt("select 1 from pg_database where datname = $1", &[&DATABASE])
        .await
        .map_err(|err| format!("look for the demo database: {}", pg::describe(&err)))?
        .is_some();
    if !exists {
        // Fixed identifiers: the names are constants of this module, not input.
        admin
            .batch_execute("create database gatehouse_demo")
            .await
            .map_err(|err| format!("create the demo database: {}", pg::describe(&err)))?;
    }
    let role_exists = admin
        .query_opt("select 1 from pg_roles where rolname = $1", &[&APP_ROLE])
        .await
        .map_err(|err| format!("look for the demo role: {}", pg::describe(&err)))?
        .is_some();
    if !role_exists {
        admin
            .batch_execute(
                "create role gatehouse_demo_app login nosuperuser nocreatedb nocreaterole \
                 nobypassrls",
            )
            .await
            .map_err(|err| format!("create the demo role: {}", pg::describe(&err)))?;
    }
    // The password travels as a bind parameter; PostgreSQL quotes it with format('%L').
    admin
        .execute(
            "select set_config('gatehouse.demo_password', $1, false)",
            &[&app_password],
        )
        .await
        .map_err(|err| format!("set the demo role's password: {}", pg::describe(&err)))?;
    admin
        .batch_execute(
            "do $$ begin execute format('alter role gatehouse_demo_app password %L', \
             current_setting('gatehouse.demo_password')); end $$; \
             select set_config('gatehouse.demo_password', '', false);",
        )
        .await
        .map_err(|err| format!("set the demo role's password: {}", pg::describe(&err)))?;

    let mut db = connect(&cluster.url(DATABASE)).await?;
    migrate::up(&mut db)
        .await
        .map_err(|err| format!("migrate the demo database: {err}"))?;
    migrate::grant(&db, APP_ROLE)
        .await
        .map_err(|err| format!("grant the demo role its rights: {err}"))?;
    let loaded = db
        .query_opt(
            "select 1 from pg_tables where schemaname = 'public' and tablename = 'tenants'",
            &[],
        )
        .await
        .map_err(|err| format!("look for the demo schema: {}", pg::describe(&err)))?
        .is_some();
    if !loaded {
        db.execute(
            "select set_config('gatehouse.demo_key', $1, false)",
            &[&encryption_key],
        )
        .await
        .map_err(|err| format!("load the demo schema: {}", pg::describe(&err)))?;
        db.batch_execute(&format!("begin;\n{SCHEMA_SQL}\ncommit;"))
            .await
            .map_err(|err| format!("load the demo schema: {}", pg::describe(&err)))?;
    }
    db.batch_execute(
        "grant usage on schema public to gatehouse_demo_app; \
         grant select, insert, update, delete on all tables in schema public to gatehouse_demo_app; \
         grant usage, select on all sequences in schema public to gatehouse_demo_app;",
    )
    .await
    .map_err(|err| format!("grant the demo role its rights: {}", pg::describe(&err)))?;
    Ok(Demo {
        cluster,
        app_password,
        encryption_key,
        jwt_secret,
        pepper,
        policy_file,
    })
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let options = pg::ConnectOptions::from_url(url).map_err(|err| err.to_string())?;
    pg::connect(&options)
        .await
        .map_err(|err| format!("connect to the demo database: {}", pg::describe(&err)))
}

/// A random secret kept in a file (mode 0600), made on first use.
fn stored_secret(path: &PathBuf) -> Result<String, String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let text = text.trim().to_owned();
        if !text.is_empty() {
            return Ok(text);
        }
    }
    let secret = hex::encode(rand::random::<[u8; 24]>());
    write_private(path, &secret).map_err(|err| format!("write {}: {err}", path.display()))?;
    Ok(secret)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}
