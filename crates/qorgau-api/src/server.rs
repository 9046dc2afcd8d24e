//! Assembling the application: state, OpenAPI document, middleware, routes; and `serve`.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Condition, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use qorgau_persistence::{Database, DbError, PoolSettings, migrate};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::tokens::TokenKeys;
use crate::body_limit::limit_body;
use crate::config::{Config, ConfigError};
use crate::drain;
use crate::error::ApiError;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::nul::refuse_nul;
use crate::observe::observe;
use crate::openapi::{Methods, openapi};
use crate::rate_limit::{self, RateLimit};
use crate::routes;
use crate::state::AppState;
use crate::worker;
use qorgau_app::accounts;
use qorgau_app::{AppError, Clock, Rules, SystemClock};
use qorgau_domain::calendar::Calendar;
use qorgau_domain::protocol::{ProtocolSet, default_protocol, parse_protocol};
use qorgau_domain::report::rounding::Rounding;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("{0}")]
    Setup(String),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}

impl From<AppError> for StartupError {
    fn from(e: AppError) -> Self {
        StartupError::Setup(e.to_string())
    }
}

impl AppState {
    /// Opens the database pool, prepares the token and audit keys and loads the protocol and
    /// calendar. Connects lazily.
    pub fn open(config: Config) -> Result<AppState, StartupError> {
        let secret = config.jwt_secret()?;
        let audit_key = config.audit_key()?;
        let checkout_timeout = std::time::Duration::from_millis(config.db_timeout_ms);
        let db = Database::open(
            &config.database_url,
            &PoolSettings {
                max_size: config.pool_size,
                checkout_timeout,
            },
        )?;
        let reports_db = match config.reports.replica_url() {
            // One connection per report computed at once: the reports are all it serves.
            Some(url) => Database::open_for_reads(
                url,
                &PoolSettings {
                    max_size: crate::state::REPORT_SLOTS as u32,
                    checkout_timeout,
                },
            )?,
            None => db.clone(),
        };
        let rules = load_rules(&config)?;
        let documents = crate::documents::Store::open(&config).map_err(StartupError::Setup)?;
        let app = qorgau_app::App {
            rules: Arc::new(rules),
            clock: Arc::new(SystemClock),
            audit_key: Arc::new(audit_key),
            rounding: Rounding::new(&secret),
            data_dir: config.data_dir.clone(),
            public_url: config.public_url.clone(),
        };
        let metrics = Metrics::new(db.backend().name());
        Ok(AppState {
            app,
            db,
            reports_db,
            tokens: TokenKeys::new(
                &secret,
                chrono::Duration::minutes(config.access_token_minutes),
            ),
            config: Arc::new(config),
            metrics: Arc::new(metrics),
            drain: Arc::default(),
            recent_sessions: Arc::default(),
            report_slots: Arc::new(tokio::sync::Semaphore::new(crate::state::REPORT_SLOTS)),
            documents,
        })
    }

    /// The same state on another clock (tests move a [`qorgau_app::TestClock`] forward).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> AppState {
        self.app.clock = clock;
        self
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, StartupError> {
        let mut conn = self.db.conn()?;
        Ok(migrate::run(&mut conn)?)
    }
}

/// The shipped protocol and calendar, plus the configured ones. Any error names the file and
/// line, and stops the start.
fn load_rules(config: &Config) -> Result<Rules, StartupError> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map_err(|e| StartupError::Setup(format!("{}: {e}", path.display())))
    };
    let calendar = match config.calendar_file.trim() {
        "" => Calendar::kazakhstan(),
        file => {
            let path = std::path::Path::new(file);
            Calendar::from_toml(&read(path)?)
                .map_err(|e| StartupError::Setup(format!("{}: {e}", path.display())))?
        }
    };
    let mut versions = vec![default_protocol()];
    if !config.protocols_dir.trim().is_empty() {
        let dir = std::path::Path::new(config.protocols_dir.trim());
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| StartupError::Setup(format!("{}: {e}", dir.display())))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let protocol = parse_protocol(&read(&path)?)
                .map_err(|e| StartupError::Setup(format!("{}: {e}", path.display())))?;
            versions.push(protocol);
        }
    }
    let protocols =
        ProtocolSet::new(versions).map_err(|e| StartupError::Setup(format!("protocols: {e}")))?;
    Ok(Rules {
        protocols,
        calendar,
    })
}

/// How long a graceful stop (SIGTERM) waits for in-flight requests, and then for the worker's
/// pass, before giving up on them.
pub const SHUTDOWN_TIMEOUT_SECONDS: u64 = 30;

/// Starts serving on `listener`. The future completes when the server is stopped through its
/// handle: `serve` does so on signals (`drain::stop_on_signal`), tests when they end.
pub fn start(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let spec = openapi();
    let workers = match state.config.workers {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    };
    let max_body = state.config.max_body_bytes;
    // One limiter for all workers: a client's allowance must not multiply by their number.
    let limits = web::Data::new(RateLimit::new(&state.config));
    let methods = web::Data::new(Methods::of(&spec));
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(limits.clone())
            .app_data(methods.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(
                web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest(format!("query string: {e}")).into()
                }),
            )
            // A malformed id in a path names no record.
            .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
            // The last wrapped runs first: observe everything, then headers on every answer,
            // CORS (so a browser can read a 429), the rate limit, NUL in the path or query, the
            // body limit.
            .wrap(from_fn(limit_body))
            .wrap(from_fn(refuse_nul))
            .wrap(from_fn(rate_limit::limit))
            .wrap(cors(&data.config.cors_origins))
            .wrap(security_headers(data.config.behind_tls()))
            .wrap(from_fn(observe))
            .route(
                "/docs",
                web::get().to(|| async {
                    actix_web::HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            // Before the /api/v1 scope: a scope that matches a prefix never falls through.
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/api/v1/openapi.json", spec.clone())
                    .config(SwaggerConfig::default().validator_url("none")),
            )
            .into_utoipa_app()
            .configure(routes::configure)
            .into_app()
            // The browser console: HTML pages and forms under /console (docs/console.md).
            .configure(crate::console::configure)
            .default_service(web::to(
                |req: actix_web::HttpRequest, methods: web::Data<Methods>| async move {
                    Err::<actix_web::HttpResponse, _>(methods.refusal(req.path()))
                },
            ))
    })
    .workers(workers)
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECONDS)
    .listen(listener)?
    .run();
    Ok(server)
}

fn security_headers(behind_tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        // Responses carry children's data: no cache may keep them.
        .add(("Cache-Control", "no-store"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if behind_tls {
        // Only where the public address is https: a plain-http deployment (a single office's
        // machine) would otherwise become unreachable for a browser that once saw it. No
        // includeSubDomains: other services of the domain are not ours to decide.
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

/// CORS for the configured origins only; with none configured the middleware is left out and
/// no response carries CORS headers. Tokens travel in `Authorization`, never in cookies, so
/// credentials are not allowed.
fn cors(origins: &[String]) -> Condition<Cors> {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::ACCEPT,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            // `If-None-Match: *`: a case's first plan (api.md § Concurrent edits).
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            crate::observe::REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            crate::observe::REQUEST_ID,
        ])
        .max_age(3600);
    Condition::new(!origins.is_empty(), cors)
}

/// `qorgau serve`: migrate, create the first admin on an empty database, then serve.
pub async fn serve(config: Config) -> Result<(), StartupError> {
    tracing::info!(config = %config.redacted(), "starting");
    let listen = config.listen.clone();
    let state = AppState::open(config)?;
    let prepared = state.clone();
    let admin_password = web::block(move || {
        let applied = prepared.migrate()?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        let mut conn = prepared.db.conn()?;
        Ok::<_, StartupError>(accounts::ensure_admin(&mut conn, prepared.now())?)
    })
    .await
    .map_err(|e| StartupError::Setup(e.to_string()))??;
    if let Some(password) = admin_password {
        hand_over_admin_password(&state.config, &password);
    }
    let listener = TcpListener::bind(&listen)?;
    tracing::info!(address = %listener.local_addr()?, backend = state.db.backend().name(), "listening");
    let (stop_worker, worker_stopping) = tokio::sync::watch::channel(false);
    let worker = if state.config.worker_enabled {
        // Built before serving so that bad mail settings stop the start, not the first reminder.
        let mailer =
            Mailer::from_config(&state.config).map_err(|e| StartupError::Setup(e.to_string()))?;
        let interval = Duration::from_secs(state.config.worker_interval_seconds.max(1));
        Some(actix_web::rt::spawn(worker::run(
            state.clone(),
            mailer,
            interval,
            worker_stopping,
        )))
    } else {
        None
    };
    // Returns once a signal has stopped the server; after SIGTERM, with no new connections
    // taken and the in-flight requests drained.
    let drain = state.drain.clone();
    let server = start(state, listener)?;
    actix_web::rt::spawn(drain::stop_on_signal(
        server.handle(),
        drain,
        Duration::from_secs(SHUTDOWN_TIMEOUT_SECONDS),
    ));
    let served = server.await;
    // Then the worker: it finishes the pass it is in, if any, and stops.
    tracing::info!("server stopped; stopping the worker");
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let grace = Duration::from_secs(SHUTDOWN_TIMEOUT_SECONDS);
        if tokio::time::timeout(grace, worker).await.is_err() {
            tracing::warn!("the worker's pass outlasted the shutdown timeout; abandoned");
        }
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// The file the first administrator's password is written to when standard output is not a
/// terminal (`data_dir/initial-admin-password`, mode 0600).
pub const ADMIN_PASSWORD_FILE: &str = "initial-admin-password";

/// Gives the operator the first administrator's password, never through the logs. At a
/// terminal it is printed once. Otherwise standard output is a journal, a container's log or
/// a file, which keep it: it goes to `data_dir/initial-admin-password`, readable by the
/// server's user only, and only that path is printed (and logged).
fn hand_over_admin_password(config: &Config, password: &str) {
    use crate::config::FirstAdminPassword;
    use std::io::IsTerminal;
    let print = match config.first_admin_password {
        FirstAdminPassword::Auto => std::io::stdout().is_terminal(),
        FirstAdminPassword::File => false,
    };
    if print {
        println!(
            "\nCreated the first administrator.\n  username: admin\n  password: {password}\nKeep it now; it is not shown again.\n"
        );
        return;
    }
    let path = config.data_dir.join(ADMIN_PASSWORD_FILE);
    if let Err(e) = crate::config::write_private(&path, &format!("{password}\n")) {
        // The administrator is created already: a password nobody can read would lock everyone
        // out of the new system, so it is printed after all, with the reason.
        eprintln!(
            "Created the first administrator, but {} cannot be written ({e}).\n  username: admin\n  password: {password}\nKeep it now, then change it; it is not shown again.",
            path.display()
        );
        tracing::error!(file = %path.display(), error = %e, "the first administrator's password file cannot be written: the password was printed to standard error");
        return;
    }
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    println!(
        "Created the first administrator `admin`; its password is in {} (mode 0600). Sign in, change it, then delete the file.",
        path.display()
    );
    tracing::warn!(file = %path.display(), "created the first administrator: its password is in this file; delete it once read");
}

/// Logs to stderr as text or JSON lines; the level filter follows tracing's `EnvFilter`
/// syntax (`RUST_LOG` overrides the configuration).
pub fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_level));
    // Colour codes only for a person at a terminal, not in files and log collectors.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        crate::config::LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}
