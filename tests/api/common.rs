//! The test harness: a real server on a random port over a real database of its own.
//!
//! Every test runs on SQLite, and on PostgreSQL when `QORGAU_TEST_DATABASE_URL` points at a
//! server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); each PostgreSQL test creates and
//! drops its own database, so tests run in parallel. Without the variable the PostgreSQL tests
//! are compiled `#[ignore]`d (build.rs) and reported as ignored, never as passed; with
//! `QORGAU_REQUIRE_POSTGRES=1` (CI) they are not, and a missing URL fails them.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::RunQueryDsl;
use qorgau_api::{AppState, Config};
use qorgau_app::TestClock;
use qorgau_app::accounts;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::connection::establish_postgres;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite::name` and `postgres::name` tests from `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[actix_web::test] async fn $name() { super::$name($crate::common::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[actix_web::test]
            #[cfg_attr(qorgau_no_test_postgres, ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half")]
            async fn $name() {
                // Before anything else: a test that cannot reach PostgreSQL fails here, whatever
                // it would have done first.
                $crate::common::postgres_url();
                super::$name($crate::common::Backend::Postgres).await
            })*
        }
    };
}

/// The PostgreSQL server for tests. Panics without one: a PostgreSQL test that cannot run
/// fails (it is `#[ignore]`d, not run, when the variable is unset at build time; see build.rs).
pub fn postgres_url() -> String {
    let url = std::env::var("QORGAU_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    match url {
        Some(url) => url,
        None if std::env::var("QORGAU_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            panic!("QORGAU_REQUIRE_POSTGRES=1 but QORGAU_TEST_DATABASE_URL is not set")
        }
        None => panic!(
            "QORGAU_TEST_DATABASE_URL is not set: this PostgreSQL test cannot run (run it through \
             cargo with the variable set, or leave it ignored)"
        ),
    }
}

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { server: String, name: String },
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("qorgau-test-{id}.db"));
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    cleanup: Cleanup::File(path),
                }
            }
            Backend::Postgres => postgres_db(None),
        }
    }

    /// A database that exists for one test, with every migration applied. On PostgreSQL a copy
    /// of this process's migrated template (`CREATE DATABASE … TEMPLATE`, 0.2 s instead of
    /// 1.5 s of migrations); on SQLite a new file, migrated by the server (a fraction of a
    /// second).
    pub fn migrated(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::new(backend),
            Backend::Postgres => postgres_db(Some(pg_databases::template())),
        }
    }
}

/// A new PostgreSQL database, empty or a copy of `template`, named after this process (so that
/// a later run can tell the leftovers of a process that has ended, `pg_databases`).
fn postgres_db(template: Option<&str>) -> TestDb {
    let server = postgres_url();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let name = format!("{}{id}", pg_databases::prefix());
    let mut conn = establish_postgres(&server).expect("connect to the test server");
    let from = template.map_or(String::new(), |t| format!(" TEMPLATE {t}"));
    diesel::sql_query(format!("CREATE DATABASE {name}{from}"))
        .execute(&mut conn)
        .unwrap();
    TestDb {
        url: on_server(&server, &name),
        cleanup: Cleanup::Database { server, name },
    }
}

/// `name` on the server of `server_url`.
fn on_server(server_url: &str, name: &str) -> String {
    let base = server_url.rsplit_once('/').map_or(server_url, |(b, _)| b);
    format!("{base}/{name}")
}

/// The PostgreSQL databases of the tests: one migrated template a process, and the dropping.
///
/// `DROP DATABASE` makes the server take an immediate checkpoint and waits for it (1–2 s while
/// other tests write), so a test does not drop its database itself: it hands the name to one
/// thread that drops them in turn while the tests go on. Whatever that thread had not dropped
/// when the process ended, and the template, are dropped by the next run that finds them
/// (their names carry the process id; a process still running keeps its databases).
mod pg_databases {
    use std::sync::mpsc::{Sender, channel};
    use std::sync::{Mutex, OnceLock};

    use diesel::RunQueryDsl;
    use qorgau_persistence::DbConnection;
    use qorgau_persistence::connection::establish_postgres;

    const PREFIX: &str = "qorgau_test_";

    /// The prefix of this process's databases: `qorgau_test_<pid>_`.
    pub fn prefix() -> String {
        format!("{PREFIX}{}_", std::process::id())
    }

    /// This process's migrated template, made at its first use (and the leftovers of ended
    /// runs queued for dropping).
    pub fn template() -> &'static str {
        static TEMPLATE: OnceLock<String> = OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let server = super::postgres_url();
            let mut conn = establish_postgres(&server).expect("connect to the test server");
            for name in leftovers(&mut conn) {
                drop_later(&server, name);
            }
            let name = format!("{}template", prefix());
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .unwrap();
            // Closed before the first copy: a template must have no connection.
            let mut db = DbConnection::Postgres(
                establish_postgres(&super::on_server(&server, &name)).unwrap(),
            );
            qorgau_persistence::migrate::run(&mut db).unwrap();
            name
        })
    }

    /// Drops `name` soon, on the dropping thread.
    pub fn drop_later(server: &str, name: String) {
        static DROPPER: OnceLock<Mutex<Sender<(String, String)>>> = OnceLock::new();
        let sender = DROPPER.get_or_init(|| {
            let (send, receive) = channel::<(String, String)>();
            std::thread::spawn(move || {
                for (server, name) in receive {
                    if let Ok(mut conn) = establish_postgres(&server) {
                        let _ = diesel::sql_query(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        ))
                        .execute(&mut conn);
                    }
                }
            });
            Mutex::new(send)
        });
        let _ = sender.lock().unwrap().send((server.to_string(), name));
    }

    #[derive(diesel::QueryableByName)]
    struct Named {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }

    /// The test databases of processes that have ended.
    fn leftovers(conn: &mut diesel::PgConnection) -> Vec<String> {
        let names: Vec<Named> = diesel::sql_query(format!(
            "SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"
        ))
        .load(conn)
        .unwrap_or_default();
        names
            .into_iter()
            .map(|n| n.datname)
            .filter(|name| {
                // Only a name with a process id that is gone: a process still running (another
                // test run on the same server) keeps its own, and so do names from before.
                let pid = name[PREFIX.len()..].split('_').next().unwrap_or("");
                std::path::Path::new("/proc/self").exists()
                    && pid
                        .parse::<u32>()
                        .is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
            })
            .collect()
    }
}

impl TestDb {
    /// The data directory of the servers and commands run against this database: its own, so
    /// that what a test leaves there (the audit checkpoints, mail) meets no other test's.
    pub fn data_dir(&self) -> std::path::PathBuf {
        data_dir_of(&self.url)
    }
}

fn data_dir_of(database_url: &str) -> std::path::PathBuf {
    let name = database_url.rsplit('/').next().unwrap_or(database_url);
    std::env::temp_dir().join("qorgau-test-data").join(name)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.data_dir());
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { server, name } => pg_databases::drop_later(server, name.clone()),
        }
    }
}

/// The variable naming a streaming replica of the test server (`postgres://user@host:port`,
/// no database): `tests/reliability/replica.sh` starts one and sets it, so that the reports of
/// every PostgreSQL test read the replica (`reports.database_url`).
pub const REPLICA_VAR: &str = "QORGAU_TEST_REPORTS_REPLICA";

/// With [`REPLICA_VAR`] set, `database_url` (a PostgreSQL test database) on the replica.
pub fn replica_of(database_url: &str) -> Option<String> {
    let replica = std::env::var(REPLICA_VAR).ok().filter(|u| !u.is_empty())?;
    if !database_url.starts_with("postgres") {
        return None;
    }
    let name = database_url.rsplit('/').next()?;
    Some(format!("{}/{name}", replica.trim_end_matches('/')))
}

/// The audit key of every test server and command (`QORGAU_AUDIT_KEY`).
pub const TEST_AUDIT_KEY: &str = "test-audit-key-test-audit-key-test-audit-key";

/// A configuration for tests: the given database, fixed secrets, one worker.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::load(None).unwrap();
    config.database_url = database_url.to_string();
    if let Some(replica) = replica_of(database_url) {
        config.reports.database_url = replica;
    }
    config.data_dir = data_dir_of(database_url);
    config.workers = 1;
    config.pool_size = 8;
    config.db_timeout_ms = 1500;
    config.secrets.jwt_secret = Some("test-secret-test-secret-test-secret".into());
    config.secrets.audit_key = Some(TEST_AUDIT_KEY.into());
    // Tests fire requests fast from one address; a test of the limit lowers it (`start_with`).
    config.rate_limit_per_second = 100_000;
    config.rate_limit_burst = 100_000;
    config
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub admin_token: String,
    pub state: AppState,
    /// The server's clock: a test moves it forward (`app.clock.advance(…)`) to reach a deadline,
    /// an expiry or a month's end, instead of back-dating rows.
    pub clock: Arc<TestClock>,
    /// The first admin's password, to log in again after the clock passed the token's expiry.
    pub admin_password: String,
    pub db: TestDb,
}

/// The password of every user made by [`TestApp::user`].
pub const USER_PASSWORD: &str = "long enough password";

pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    /// A migrated database with the first admin, served over HTTP, admin logged in.
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, |_| {}).await
    }

    /// As `start`, with the test configuration adjusted first.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::migrated(backend);
        let mut config = test_config(&db.url);
        adjust(&mut config);
        let clock = Arc::new(TestClock::default());
        let state = AppState::open(config).unwrap().with_clock(clock.clone());
        state.migrate().unwrap();
        let mut conn = state.db.conn().unwrap();
        let password = accounts::ensure_admin(&mut conn, state.now())
            .unwrap()
            .unwrap();
        drop(conn);
        let base = serve(state.clone());
        let mut app = TestApp {
            base,
            http: http_client().build().unwrap(),
            admin_token: String::new(),
            state,
            clock,
            admin_password: password.clone(),
            db,
        };
        app.admin_token = app.login("admin", &password).await;
        app
    }

    /// The server's time.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }

    /// Sets the server's clock to `t` (`YYYY-MM-DD HH:MM`, UTC), so that what the test does
    /// next happens then; returns that time.
    pub fn at(&self, t: &str) -> DateTime<Utc> {
        let at = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .and_utc();
        self.clock.set(at);
        at
    }

    /// When a case at `risk` must be opened for its deadline of `kind` to fall due by `by`, as
    /// late as the protocol's working days allow (to the hour): set the clock there, open it,
    /// come back, and the deadline has lapsed. Only a working day's time can be a working-day
    /// deadline's due time: over a weekend it lapsed on Friday night.
    pub fn opened_to_lapse(
        &self,
        kind: DeadlineKind,
        risk: RiskLevel,
        by: DateTime<Utc>,
    ) -> DateTime<Utc> {
        (1..24 * 400)
            .map(|hours| by - chrono::Duration::hours(hours))
            .find(|start| self.state.deadline(kind, *start, risk) <= by)
            .expect("every deadline lapses within a year")
    }

    /// The server's clock back on the system clock.
    pub fn back_to_the_present(&self) {
        self.clock.reset();
    }

    /// Logs the admin in again: after the clock moved past its access token's expiry.
    pub async fn log_admin_in_again(&mut self) {
        let token = self.login("admin", &self.admin_password).await;
        self.admin_token = token;
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        self.send_with(method, path, token, body, &[]).await
    }

    /// [`TestApp::send`] with request headers (`If-Match`, `Idempotency-Key`…).
    pub async fn send_with(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        into_response(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    /// `GET` as `token`, answering a redirect as it is instead of following it (as `get` does).
    pub async fn get_unfollowed(&self, path: &str, token: &str) -> Response {
        let client = http_client()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let req = client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token);
        into_response(req.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// Writes a new version of `case`'s plan as `token`, as a client does: `If-Match` with the
    /// plan's `ETag` read just before, or `If-None-Match: *` while the case has no plan.
    pub async fn put_plan(&self, case: &str, token: &str, plan: Value) -> Response {
        let path = format!("/api/v1/cases/{case}/plan");
        let current = self.get(&path, token).await;
        let (name, tag) = match current.headers.get("etag") {
            Some(tag) => ("if-match", tag.to_str().unwrap().to_string()),
            None => ("if-none-match", "*".to_string()),
        };
        let (method, body) = (reqwest::Method::PUT, Some(plan));
        self.send_with(method, &path, Some(token), body, &[(name, &tag)])
            .await
    }

    /// Logs in and returns the access token; panics unless 200.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self.login_pair(username, password).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn login_pair(&self, username: &str, password: &str) -> Response {
        self.send(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await
    }

    /// Creates an organisation as admin; returns its id.
    pub async fn organisation(&self, kind: &str, region: &str, district: Option<&str>) -> String {
        let r = self
            .post(
                "/api/v1/organisations",
                &self.admin_token,
                json!({"name": format!("{kind} {region}"), "kind": kind, "region_code": region, "district_code": district}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// Adds a district as admin.
    pub async fn district(&self, region: &str, code: &str) {
        let r = self
            .post(
                &format!("/api/v1/regions/{region}/districts"),
                &self.admin_token,
                json!({"code": code, "name": {"kk": "Аудан", "ru": "Район", "en": "District"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }

    /// Creates a user as admin and logs them in; returns (user id, access token).
    pub async fn user(
        &self,
        username: &str,
        role: &str,
        organisation_id: &str,
    ) -> (String, String) {
        let password = USER_PASSWORD;
        let r = self
            .post(
                "/api/v1/users",
                &self.admin_token,
                json!({"username": username, "full_name": username, "email": format!("{username}@example.kz"),
                       "password": password, "role": role, "organisation_id": organisation_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        (id, self.login(username, password).await)
    }
}

/// Serves `state` on a random local port; returns the base URL.
pub fn serve(state: AppState) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = qorgau_api::start(state, listener).unwrap();
    actix_web::rt::spawn(server);
    base
}

pub async fn into_response(res: reqwest::Response) -> Response {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Response {
        status,
        headers,
        body,
    }
}

/// The fields named by a 422 problem document.
pub fn invalid_fields(r: &Response) -> Vec<String> {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

/// Polls all the futures together on this task, so the requests really are in flight at once.
pub async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    results.into_iter().flatten().collect()
}

/// Runs the `qorgau` binary against `db` with `args`, writing `stdin` to it.
pub fn qorgau(db: &TestDb, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qorgau"))
        .args(args)
        .env("QORGAU_DATABASE_URL", &db.url)
        .env("QORGAU_DATA_DIR", db.data_dir())
        .env("QORGAU_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("QORGAU_LOG_LEVEL", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The tests' HTTP client. It lets an idle connection go after 2 s, before the server's
/// keep-alive (actix: 5 s) does: a request sent on a connection the server is closing at that
/// moment fails with `IncompleteMessage` — seen once, after a test spent over 5 s reading a PDF
/// on a loaded machine before its next request.
pub fn http_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(2))
}
