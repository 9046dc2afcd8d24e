//! Reports on a streaming replica (docs/operations.md § Reports on a replica): the indicators
//! and aggregates, JSON and CSV, read `reports.database_url` when it is set, the primary
//! otherwise, and say how fresh their data is — `as_of`, repeated in `X-Data-As-Of`.
//!
//! `on_a_streaming_replica_a_write_appears_in_the_reports_once_replayed` needs a replica:
//! `tests/reliability/replica.sh` starts a primary and a standby of its own, points
//! `QORGAU_TEST_DATABASE_URL` and `QORGAU_TEST_REPORTS_REPLICA` at them, and runs it (with the
//! PostgreSQL half of `reports`, whose reports then read the replica too).

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use qorgau_persistence::connection::establish_postgres;
use qorgau_persistence::{Database, PoolSettings};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    Backend, REPLICA_VAR, Response, TEST_AUDIT_KEY, TestApp, TestDb, postgres_url, replica_of,
};
use crate::on_both_backends;
use crate::world::{World, signal};

const KPIS: &str = "/api/v1/reports/kpis";
const AGGREGATES: &str = "/api/v1/reports/aggregates?group_by=region";

/// A report's `as_of`: its `X-Data-As-Of` header, which the JSON field (or the CSV row of the
/// indicators) repeats.
fn as_of(r: &Response) -> DateTime<Utc> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let header = r.headers["x-data-as-of"].to_str().unwrap();
    let at = DateTime::parse_from_rfc3339(header).unwrap().to_utc();
    let repeated = match &r.body {
        Value::String(csv) => csv
            .lines()
            .find_map(|row| row.strip_prefix("as_of,"))
            .map(str::to_string),
        json => Some(json["as_of"].as_str().expect("as_of").to_string()),
    };
    if let Some(repeated) = repeated {
        assert_eq!(DateTime::parse_from_rfc3339(&repeated).unwrap(), at);
    }
    at
}

/// GET with `Accept: text/csv`.
async fn csv(app: &TestApp, path: &str, token: &str) -> Response {
    let res = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    crate::common::into_response(res).await
}

fn received(r: &Response) -> i64 {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["signals"]["received"].as_i64().unwrap()
}

async fn analyst(w: &World) -> String {
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    w.app.user("analyst.om", "analyst", &ministry).await.1
}

/// Without a replica, a report's data is as of its reading: `as_of` is the server's time of
/// the request, on JSON and CSV, indicators and aggregates. On PostgreSQL the reports read the
/// primary through a pool of their own (`reports.database_url` naming the primary itself),
/// whose transactions cannot write.
async fn without_a_replica_reports_are_as_of_their_reading(backend: Backend) {
    let app = TestApp::start_with(backend, |config| {
        if backend == Backend::Postgres {
            config.reports.database_url = config.database_url.clone();
        }
    })
    .await;
    let w = World::on(app).await;
    let analyst = analyst(&w).await;
    let filed = w
        .file(signal(json!({"first_name": "Асан", "last_name": "Тестов"})))
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    for (path, token) in [(KPIS, &w.supervisor), (AGGREGATES, &analyst)] {
        for wants_csv in [false, true] {
            let before = w.app.now();
            let r = if wants_csv {
                csv(&w.app, path, token).await
            } else {
                w.app.get(path, token).await
            };
            let after = w.app.now();
            let at = as_of(&r);
            assert!(
                before <= at && at <= after,
                "{path}: {at} not in {before}..{after}"
            );
        }
    }
    assert_eq!(received(&w.app.get(KPIS, &w.supervisor).await), 1);

    if backend == Backend::Postgres {
        let reads = Database::open_for_reads(
            &w.app.db.url,
            &PoolSettings {
                max_size: 1,
                checkout_timeout: Duration::from_secs(2),
            },
        )
        .unwrap();
        let mut conn = reads.conn().unwrap();
        let refused = diesel::sql_query("CREATE TABLE replica_probe (n INTEGER)")
            .execute(&mut *conn)
            .unwrap_err();
        assert!(
            refused.to_string().contains("read-only transaction"),
            "{refused}"
        );
    }
}

/// The setting under the environment name the docs give it, `QORGAU_REPORTS_DATABASE_URL`:
/// refused at start beside SQLite, naming itself; accepted beside PostgreSQL (the pool connects
/// when a report first needs it).
async fn the_setting_comes_from_the_environment_and_needs_postgresql(backend: Backend) {
    let db = TestDb::new(backend);
    let out = Command::new(env!("CARGO_BIN_EXE_qorgau"))
        .arg("migrate")
        .env("QORGAU_DATABASE_URL", &db.url)
        .env("QORGAU_DATA_DIR", db.data_dir())
        .env("QORGAU_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("QORGAU_LOG_LEVEL", "warn")
        .env(
            "QORGAU_REPORTS_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/replica",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match backend {
        Backend::Sqlite => {
            assert!(!out.status.success());
            assert!(
                stderr.contains("reports.database_url must be empty or the postgres:// URL"),
                "{stderr}"
            );
        }
        Backend::Postgres => assert!(out.status.success(), "{stderr}"),
    }
}

on_both_backends!(
    without_a_replica_reports_are_as_of_their_reading,
    the_setting_comes_from_the_environment_and_needs_postgresql,
);

/// A reports' replica that cannot be reached: the reports answer 503 (they do not fall back
/// on the primary, which the replica is there to spare), and case work goes on.
#[actix_web::test]
#[cfg_attr(
    qorgau_no_test_postgres,
    ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half"
)]
async fn postgres_reports_answer_503_while_their_replica_is_away() {
    postgres_url();
    let app = TestApp::start_with(Backend::Postgres, |config| {
        config.reports.database_url = "postgres://postgres@127.0.0.1:1/nowhere".into();
    })
    .await;
    let w = World::on(app).await;
    let r = w.app.get(KPIS, &w.supervisor).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    let filed = w
        .file(signal(json!({"first_name": "Асан", "last_name": "Тестов"})))
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
}

/// Waits until the replica has replayed everything the primary has written so far.
fn wait_for_replay(primary: &str, replica: &str) {
    #[derive(QueryableByName)]
    struct Lsn {
        #[diesel(sql_type = diesel::sql_types::Text)]
        lsn: String,
    }
    #[derive(QueryableByName)]
    struct Replayed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        replayed: bool,
    }
    let mut conn = establish_postgres(primary).unwrap();
    let Lsn { lsn } = diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
        .get_result(&mut conn)
        .unwrap();
    let mut conn = establish_postgres(replica).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done: Replayed = diesel::sql_query(format!(
            "SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn AS replayed"
        ))
        .get_result(&mut conn)
        .unwrap();
        if done.replayed {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never replayed {lsn}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The replica's replay, paused until dropped (also when the test fails: the other tests of
/// the run commit only once the replica has applied their changes).
struct ReplayPaused(PgConnection);

impl ReplayPaused {
    fn pause(replica_url: &str) -> ReplayPaused {
        #[derive(QueryableByName)]
        struct State {
            #[diesel(sql_type = diesel::sql_types::Text)]
            state: String,
        }
        let mut conn = establish_postgres(replica_url).unwrap();
        diesel::sql_query("SELECT pg_wal_replay_pause()")
            .execute(&mut conn)
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now: State = diesel::sql_query("SELECT pg_get_wal_replay_pause_state() AS state")
                .get_result(&mut conn)
                .unwrap();
            if now.state == "paused" {
                return ReplayPaused(conn);
            }
            assert!(
                Instant::now() < deadline,
                "replay not paused: {}",
                now.state
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ReplayPaused {
    fn drop(&mut self) {
        let _ = diesel::sql_query("SELECT pg_wal_replay_resume()").execute(&mut self.0);
    }
}

/// On a streaming replica: the reports read it — a signal the primary committed while the
/// replica's replay was paused is not in them, and `as_of` says the data is older than the
/// signal — and once the replica replays it, it is counted and `as_of` moves to its commit.
#[actix_web::test]
#[ignore = "needs a streaming replica: tests/reliability/replica.sh runs it"]
async fn on_a_streaming_replica_a_write_appears_in_the_reports_once_replayed() {
    let primary = postgres_url();
    assert!(
        std::env::var(REPLICA_VAR).is_ok_and(|v| !v.is_empty()),
        "{REPLICA_VAR} must name the streaming replica (tests/reliability/replica.sh)"
    );
    let app = TestApp::start_with(Backend::Postgres, |config| {
        assert_ne!(config.reports.database_url, config.database_url);
        // replica.sh makes commits wait until the replica has applied them (remote_apply), so
        // that the reporting tests read their own writes; with the replay paused, this test's
        // commits would wait forever: its database commits locally.
        let name = config.database_url.rsplit('/').next().unwrap();
        let mut conn = establish_postgres(&primary).unwrap();
        diesel::sql_query(format!(
            "ALTER DATABASE {name} SET synchronous_commit = local"
        ))
        .execute(&mut conn)
        .unwrap();
    })
    .await;
    let w = World::on(app).await;
    let analyst = analyst(&w).await;
    let replica = replica_of(&w.app.db.url).unwrap();

    wait_for_replay(&primary, &replica);
    let current = w.app.get(KPIS, &w.supervisor).await;
    let first = as_of(&current);
    let counted = received(&current);

    let paused = ReplayPaused::pause(&replica);
    let before_filing = Utc::now();
    let filed = w
        .file(signal(json!({"first_name": "Асан", "last_name": "Тестов"})))
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    // On the primary at once…
    let mut conn = w.app.state.db.conn().unwrap();
    let on_primary = qorgau_app::reports::indicators(
        &mut conn,
        &qorgau_domain::report::Area {
            region: Some("KZ-71".into()),
            district: None,
        },
        &qorgau_domain::report::Period {
            from: w.app.now().date_naive() - chrono::Duration::days(1),
            to: w.app.now().date_naive() + chrono::Duration::days(1),
        },
        w.app.now().naive_utc(),
    )
    .unwrap();
    drop(conn);
    assert_eq!(on_primary.signals_received.count, counted + 1);
    // …but not in the reports, which read the replica: their data is older than the signal.
    for stale in [
        w.app.get(KPIS, &w.supervisor).await,
        csv(&w.app, KPIS, &w.supervisor).await,
    ] {
        let at = as_of(&stale);
        assert!(
            at < before_filing,
            "as_of {at} claims the signal filed after {before_filing}"
        );
        assert!(at >= first);
    }
    assert_eq!(received(&w.app.get(KPIS, &w.supervisor).await), counted);
    assert!(as_of(&w.app.get(AGGREGATES, &analyst).await) < before_filing);

    // Replayed: counted, and as of its commit or later.
    drop(paused);
    let deadline = Instant::now() + Duration::from_secs(30);
    let fresh = loop {
        let r = w.app.get(KPIS, &w.supervisor).await;
        if received(&r) == counted + 1 {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "the signal never reached the replica's report"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let replayed = as_of(&fresh);
    assert!(replayed >= before_filing && replayed > first, "{replayed}");
    assert!(replayed <= Utc::now());
    let csv_as_of = as_of(&csv(&w.app, KPIS, &w.supervisor).await);
    assert!(csv_as_of >= replayed);
    assert!(as_of(&w.app.get(AGGREGATES, &analyst).await) >= replayed);
}
