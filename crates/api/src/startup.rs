//! Building and running the application: the database pool, the catalog, and the two HTTP
//! listeners (the API and the admin port). Tests call [`Application::build`] with port 0.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};

use crate::admin;
use crate::error::ApiError;
use crate::settings::Settings;

/// What every request handler shares.
#[derive(Debug)]
pub struct AppState {
    pub pool: deadpool_postgres::Pool,
    /// The replica for reads, when `GATEHOUSE_READ_DATABASE_URL` is set.
    pub read_pool: Option<deadpool_postgres::Pool>,
    /// Each worker's shared connection for lone reads, unless `GATEHOUSE_READ_LANE_DEPTH=0`.
    pub lanes: Option<crate::lane::Lanes>,
    pub settings: Settings,
    pub policy: policy::PolicyFile,
    pub environment: policy::Environment,
    pub authenticator: crate::auth::Authenticator,
    /// Client address, API keys, rate limits: checked before every handler.
    pub gate: crate::gate::Gate,
    catalog: RwLock<Arc<schema::Catalog>>,
}

impl AppState {
    /// The catalog as last loaded. Cheap: an `Arc` clone.
    pub fn catalog(&self) -> Arc<schema::Catalog> {
        match self.catalog.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// A pooled connection, or 503 when none can be had in time.
    pub async fn connection(&self) -> Result<deadpool_postgres::Object, ApiError> {
        self.pool.get().await.map_err(|err| ApiError::Unavailable {
            detail: pg::describe(&err),
        })
    }

    /// A connection for a read: the replica's pool when there is one.
    pub async fn read_connection(&self) -> Result<deadpool_postgres::Object, ApiError> {
        let pool = self.read_pool.as_ref().unwrap_or(&self.pool);
        pool.get().await.map_err(|err| ApiError::Unavailable {
            detail: pg::describe(&err),
        })
    }

    /// The request's principal, from its credentials (before any database work).
    pub fn authenticate(
        &self,
        request: &actix_web::HttpRequest,
    ) -> Result<policy::Principal, ApiError> {
        use actix_web::HttpMessage as _;
        if let Some(admitted) = request.extensions().get::<crate::gate::Admitted>() {
            return Ok(admitted.principal().clone());
        }
        let authorization = match request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
        {
            None => None,
            Some(value) => Some(value.to_str().map_err(|_| {
                crate::auth::AuthError::InvalidToken(crate::auth::TokenProblem::Undecodable)
            })?),
        };
        Ok(self.authenticator.authenticate(authorization)?)
    }
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("build the connection pool: {0}")]
    Pool(String),
    #[error("connect to the database: {0}")]
    Connect(String),
    #[error("load the schema: {0}")]
    Introspect(String),
    #[error("policy {path}:\n{problems}")]
    Policy { path: String, problems: String },
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    Migrations(String),
    #[error("{0}")]
    Encryption(String),
    #[error("listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// A built application: both listeners bound, not yet serving.
#[allow(missing_debug_implementations, reason = "actix's Server has no Debug")]
pub struct Application {
    api_address: SocketAddr,
    admin_address: SocketAddr,
    api: Server,
    admin: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, loads the schema and binds both listeners.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let pool = pg::pool(&settings.database.primary, &settings.database.pool)
            .map_err(|err| StartupError::Pool(pg::describe(&err)))?;
        let read_pool = settings
            .database
            .replica
            .as_ref()
            .map(|replica| pg::pool(replica, &settings.database.pool))
            .transpose()
            .map_err(|err| StartupError::Pool(pg::describe(&err)))?;
        {
            let client = pool
                .get()
                .await
                .map_err(|err| StartupError::Connect(pg::describe(&err)))?;
            migrate::require_current(&client)
                .await
                .map_err(|err| StartupError::Migrations(err.to_string()))?;
        }
        let catalog = load_catalog(&pool, &settings.database.schemas).await?;
        tracing::info!(
            relations = catalog.relations().len(),
            schemas = ?settings.database.schemas,
            "schema loaded"
        );
        let policy = load_policy(settings.policy_file.as_deref(), &catalog)?;
        crate::encryption::check_startup(&pool, &policy, settings.encryption_keys.as_ref())
            .await
            .map_err(StartupError::Encryption)?;
        let authenticator = crate::auth::Authenticator::from_policy(&settings.jwt, &policy)
            .map_err(|err| StartupError::Auth(err.to_string()))?
            .with_remote_jwks(settings.jwks_url.as_ref())
            .await
            .map_err(|err| StartupError::Auth(err.to_string()))?;
        let environment = settings.environment();
        let gate = crate::gate::Gate::new(&settings, &policy);
        gate.start(&settings.database.primary, &pool);
        let database = &settings.database;
        let lanes = (database.read_lane_depth > 0).then(|| {
            let target = database.replica.as_ref().unwrap_or(&database.primary);
            // Told apart from the pool's connections in `pg_stat_activity`.
            let name = format!(
                "{} read lane",
                target.application_name().unwrap_or("gatehouse")
            );
            crate::lane::Lanes::new(
                target.with_application_name(&name),
                database.pool.clone(),
                database.read_lane_depth,
            )
        });
        let state = web::Data::new(AppState {
            pool,
            read_pool,
            lanes,
            policy,
            environment,
            authenticator,
            gate,
            catalog: RwLock::new(Arc::new(catalog)),
            settings,
        });

        let api_listener = bind(state.settings.listen)?;
        let api_address = local_address(&api_listener, state.settings.listen)?;
        let api_state = state.clone();
        let api = HttpServer::new(move || {
            App::new()
                .app_data(api_state.clone())
                .wrap(actix_web::middleware::from_fn(crate::gate::middleware))
                .app_data(web::QueryConfig::default())
                .route("/", web::get().to(crate::openapi::serve))
                .route("/openapi.json", web::get().to(crate::openapi::serve))
                .service(
                    web::resource("/{relation}")
                        .route(web::get().to(crate::read::get))
                        .route(web::head().to(crate::read::get))
                        .route(web::post().to(crate::write::write))
                        .route(web::patch().to(crate::write::write))
                        .route(web::put().to(crate::write::write))
                        .route(web::delete().to(crate::write::write)),
                )
                .default_service(web::to(not_found))
        })
        .workers(state.settings.workers)
        .listen(api_listener)
        .map_err(|source| StartupError::Listen {
            address: api_address,
            source,
        })?
        .run();

        let admin_listener = bind(state.settings.admin_listen)?;
        let admin_address = local_address(&admin_listener, state.settings.admin_listen)?;
        let admin_state = state.clone();
        let admin = HttpServer::new(move || {
            App::new()
                .app_data(admin_state.clone())
                .configure(admin::routes)
        })
        .workers(1)
        .listen(admin_listener)
        .map_err(|source| StartupError::Listen {
            address: admin_address,
            source,
        })?
        .run();

        Ok(Self {
            api_address,
            admin_address,
            api,
            admin,
            state,
        })
    }

    pub fn api_address(&self) -> SocketAddr {
        self.api_address
    }

    pub fn admin_address(&self) -> SocketAddr {
        self.admin_address
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until both servers stop (Ctrl-C / SIGTERM stop them gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (api, admin) = futures_util::future::join(self.api, self.admin).await;
        api.and(admin)
    }
}

/// Loads the catalog through a pooled connection.
pub async fn load_catalog(
    pool: &deadpool_postgres::Pool,
    schemas: &[String],
) -> Result<schema::Catalog, StartupError> {
    let client = pool
        .get()
        .await
        .map_err(|err| StartupError::Connect(pg::describe(&err)))?;
    let client: &tokio_postgres::Client = &client;
    schema::introspect(client, schemas)
        .await
        .map_err(|err| StartupError::Introspect(pg::describe(&err)))
}

/// Reads, parses and validates the policy file. Without one, nothing is exposed (deny by
/// default), and the log says so.
pub fn load_policy(
    path: Option<&std::path::Path>,
    catalog: &schema::Catalog,
) -> Result<policy::PolicyFile, StartupError> {
    let (name, text) = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|err| StartupError::Policy {
                path: path.display().to_string(),
                problems: format!("read: {err}"),
            })?;
            (path.display().to_string(), text)
        }
        None => {
            tracing::warn!("GATEHOUSE_POLICY_FILE is not set: nothing is exposed");
            ("(none)".to_owned(), String::new())
        }
    };
    let render = |problems: Vec<policy::Problem>| StartupError::Policy {
        path: name.clone(),
        problems: problems
            .iter()
            .map(|problem| problem.with_path(&name).to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let file = policy::parse(&text).map_err(render)?;
    let problems = policy::validate(&file, catalog);
    if !problems.is_empty() {
        return Err(render(problems));
    }
    Ok(file)
}

fn bind(address: SocketAddr) -> Result<std::net::TcpListener, StartupError> {
    std::net::TcpListener::bind(address).map_err(|source| StartupError::Listen { address, source })
}

fn local_address(
    listener: &std::net::TcpListener,
    requested: SocketAddr,
) -> Result<SocketAddr, StartupError> {
    listener
        .local_addr()
        .map_err(|source| StartupError::Listen {
            address: requested,
            source,
        })
}

async fn not_found(request: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::UnknownRelation {
        name: request.path().trim_start_matches('/').to_owned(),
    })
}
