//! What an operator needs (issue 23, item 5), against the real binary and both databases:
//! secrets read from the files `QORGAU_*_FILE` name, the first administrator's password handed
//! over in a 0600 file when standard output is not a terminal, `/metrics` behind its token,
//! and the backlog gauges (outbox, unsealed audit entries) read from the database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, TestApp, TestDb};
use crate::on_both_backends;

/// A scratch directory of files for one test, removed at the end.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!("qorgau-operator-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `contents` (with the line end an editor leaves) to `name`; its path.
    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, format!("{contents}\n")).unwrap();
        path.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `qorgau` with a clean `QORGAU_*` environment (only what `vars` sets), standard output and
/// error to files of `scratch` (not a terminal).
fn command(scratch: &Scratch, db: &TestDb, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qorgau"));
    for (name, _) in std::env::vars() {
        if name.starts_with("QORGAU_") {
            command.env_remove(name);
        }
    }
    let out = std::fs::File::create(scratch.0.join("stdout")).unwrap();
    let err = std::fs::File::create(scratch.0.join("stderr")).unwrap();
    command
        .args(args)
        .env("QORGAU_DATA_DIR", db.data_dir())
        .env("QORGAU_LOG_LEVEL", "info")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    command
}

fn read(scratch: &Scratch, name: &str) -> String {
    std::fs::read_to_string(scratch.0.join(name)).unwrap_or_default()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_ready(http: &reqwest::Client, base: &str, server: &mut Server, scratch: &Scratch) {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/health/ready")).send().await
            && r.status() == StatusCode::OK
        {
            return;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited ({status}): {}", read(scratch, "stderr"));
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not ready: {}",
            read(scratch, "stderr")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Production mode with every secret and the database URL in files: the server starts, signs
/// tokens with the file's JWT secret, guards `/metrics` with the file's token, and — standard
/// output being a file — writes the first administrator's password to
/// `data_dir/initial-admin-password` (0600), printing its path and never the password.
async fn serve_takes_its_secrets_from_files_and_hands_the_password_over_in_a_private_file(
    backend: Backend,
) {
    let db = TestDb::new(backend);
    let scratch = Scratch::new();
    let token = "metrics-token-from-a-file-0123456789";
    let files = [
        (
            "QORGAU_DATABASE_URL_FILE",
            scratch.file("database-url", &db.url),
        ),
        (
            "QORGAU_JWT_SECRET_FILE",
            scratch.file(
                "jwt-secret",
                "jwt-secret-from-a-file-jwt-secret-from-a-file",
            ),
        ),
        (
            "QORGAU_AUDIT_KEY_FILE",
            scratch.file("audit-key", "audit-key-from-a-file-audit-key-from-a-file"),
        ),
        (
            "QORGAU_METRICS_TOKEN_FILE",
            scratch.file("metrics-token", token),
        ),
    ];
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let mut vars: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend([
        ("QORGAU_MODE", "production"),
        ("QORGAU_WORKER_ENABLED", "false"),
        ("QORGAU_LISTEN", listen.as_str()),
        ("QORGAU_PUBLIC_URL", base.as_str()),
    ]);
    let mut server = Server(command(&scratch, &db, &["serve"], &vars).spawn().unwrap());
    let http = crate::common::http_client().build().unwrap();
    wait_ready(&http, &base, &mut server, &scratch).await;

    let file = db.data_dir().join("initial-admin-password");
    let password = std::fs::read_to_string(&file).unwrap();
    let password = password.trim_end();
    assert!(password.len() >= 16, "{password:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let (stdout, stderr) = (read(&scratch, "stdout"), read(&scratch, "stderr"));
    assert!(stdout.contains("initial-admin-password"), "{stdout}");
    assert!(!stdout.contains(password) && !stderr.contains(password));
    // The effective configuration is logged: the URL read from the file, no secret.
    assert!(!stderr.contains("jwt-secret-from-a-file"), "{stderr}");
    assert!(!stderr.contains(token), "{stderr}");

    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);

    let metrics = |bearer: Option<&'static str>| {
        let mut request = http.get(format!("{base}/metrics"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send()
    };
    assert_eq!(
        metrics(None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        metrics(Some("not-the-token")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let scraped = metrics(Some("metrics-token-from-a-file-0123456789"))
        .await
        .unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    let text = scraped.text().await.unwrap();
    let name = backend_name(backend);
    assert!(
        text.contains(&format!(
            "qorgau_build_info{{version=\"{}\",profile=\"{}\",backend=\"{name}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            // The server under test is built with this test, in the same profile.
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        )),
        "{text}"
    );
    assert_eq!(gauge(&text, "qorgau_worker_enabled"), 0.0);
    assert_eq!(gauge(&text, "qorgau_backlog_read"), 1.0);
    // Present (`gauge` panics otherwise); its value is checked against the log elsewhere.
    gauge(&text, "qorgau_audit_unsealed_entries");
    assert_eq!(gauge(&text, "qorgau_outbox_pending"), 0.0);

    drop(server);
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The value of an unlabelled sample `name` in a Prometheus exposition.
fn gauge(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .trim()
        .parse()
        .unwrap()
}

/// A `_FILE` variable that names no readable file, an empty file, or one set beside its plain
/// variable stops every command before it touches the database, naming the variable.
async fn secret_files_that_cannot_be_read_are_refused(backend: Backend) {
    let db = TestDb::new(backend);
    let scratch = Scratch::new();
    let url = db.url.clone();
    let empty = scratch.0.join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let empty = empty.display().to_string();
    let empty_refused = format!("QORGAU_SMTP_PASSWORD_FILE: {empty} is empty");
    let key = scratch.file("audit-key", "audit-key-from-a-file-audit-key-from-a-file");
    for (vars, expected) in [
        (
            vec![("QORGAU_JWT_SECRET_FILE", "/nonexistent/jwt-secret")],
            "QORGAU_JWT_SECRET_FILE: cannot read /nonexistent/jwt-secret",
        ),
        (
            vec![("QORGAU_SMTP_PASSWORD_FILE", empty.as_str())],
            empty_refused.as_str(),
        ),
        (
            vec![
                (
                    "QORGAU_AUDIT_KEY",
                    "audit-key-in-the-environment-too-long-enough",
                ),
                ("QORGAU_AUDIT_KEY_FILE", key.as_str()),
            ],
            "QORGAU_AUDIT_KEY and QORGAU_AUDIT_KEY_FILE are both set",
        ),
    ] {
        let mut all = vars.clone();
        all.push(("QORGAU_DATABASE_URL", url.as_str()));
        let status = command(&scratch, &db, &["migrate"], &all).status().unwrap();
        let stderr = read(&scratch, "stderr");
        assert!(!status.success(), "{vars:?}");
        assert!(stderr.contains(expected), "{vars:?}: {stderr}");
    }
    // The same key from the file alone is accepted.
    let status = command(
        &scratch,
        &db,
        &["migrate"],
        &[
            ("QORGAU_DATABASE_URL", url.as_str()),
            ("QORGAU_AUDIT_KEY_FILE", key.as_str()),
        ],
    )
    .status()
    .unwrap();
    assert!(status.success(), "{}", read(&scratch, "stderr"));
}

/// The backlog gauges are the database's: a message waiting in the outbox, one given up, the
/// audit entries no worker has sealed yet, and the report facts' changes it has not seen.
async fn metrics_count_the_outbox_and_the_unsealed_audit_entries(backend: Backend) {
    use diesel::RunQueryDsl;
    use qorgau_persistence::DbConnection;
    use qorgau_persistence::outbox::{self, OutboxRow};
    let app = TestApp::start(backend).await;
    let scrape = || async {
        let r = app.send(reqwest::Method::GET, "/metrics", None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        r.body.as_str().unwrap().to_string()
    };
    let before = scrape().await;
    assert_eq!(gauge(&before, "qorgau_outbox_pending"), 0.0);
    assert_eq!(gauge(&before, "qorgau_outbox_failed"), 0.0);
    assert_eq!(
        gauge(&before, "qorgau_outbox_oldest_pending_age_seconds"),
        0.0
    );

    let now = chrono::Utc::now().naive_utc();
    let row = |failed: bool| OutboxRow {
        id: qorgau_domain::ids::OutboxMessageId::new(),
        recipient: "someone@example.kz".into(),
        subject: "s".into(),
        body: "b".into(),
        created_at: now - chrono::Duration::minutes(10),
        attempts: 0,
        next_attempt_at: now,
        sent_at: None,
        last_error: None,
        failed_at: failed.then_some(now),
    };
    let mut conn = app.state.db.conn().unwrap();
    outbox::enqueue(&mut conn, &row(false)).unwrap();
    outbox::enqueue(&mut conn, &row(true)).unwrap();
    // A change to the report facts the worker has not seen.
    let mark = "INSERT INTO report_marks VALUES ('KZ-75', 'KZ-75-01', '2025-03-01 00:00:00')";
    match &mut *conn {
        DbConnection::Postgres(c) => diesel::sql_query(mark).execute(c).unwrap(),
        DbConnection::Sqlite(c) => diesel::sql_query(mark).execute(c).unwrap(),
    };
    drop(conn);

    let after = scrape().await;
    assert_eq!(gauge(&after, "qorgau_outbox_pending"), 1.0);
    assert_eq!(gauge(&after, "qorgau_outbox_failed"), 1.0);
    let age = gauge(&after, "qorgau_outbox_oldest_pending_age_seconds");
    assert!((590.0..1200.0).contains(&age), "{age}");
    // The admin's login of the harness is audited; the tests' servers seal nothing by themselves.
    let mut conn = app.state.db.conn().unwrap();
    let unsealed = qorgau_persistence::audit::unsealed(&mut conn).unwrap();
    assert_eq!(
        gauge(&after, "qorgau_audit_unsealed_entries"),
        unsealed as f64
    );
    let marks = qorgau_persistence::report_months::pending(&mut conn).unwrap();
    assert!(marks >= 1);
    assert_eq!(gauge(&after, "qorgau_report_marks_pending"), marks as f64);
    assert!(after.contains("qorgau_db_pool_waits "), "{after}");
    assert!(after.contains("qorgau_db_pool_timeouts "), "{after}");
    assert!(after.contains("le=\"60.0\""), "{after}");
}

on_both_backends!(
    serve_takes_its_secrets_from_files_and_hands_the_password_over_in_a_private_file,
    secret_files_that_cannot_be_read_are_refused,
    metrics_count_the_outbox_and_the_unsealed_audit_entries,
);
