//! Report facts (docs/reporting.md § Report facts): every indicator computed from the facts —
//! what `GET /reports/kpis` serves — equals the same indicator computed from the source
//! tables by the reference implementation, to the last digit, on the known month of
//! `reports.rs` and on a generated regional history, on both databases; `qorgau reports
//! verify` finds a fact that drifted and `rebuild` repairs it.

use std::process::{Command, Output};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::RunQueryDsl;
use qorgau_app::reports::{indicators, indicators_from_source};
use qorgau_domain::report::aggregate::Dimension;
use qorgau_domain::report::{Area, Period};
use qorgau_persistence::DbConnection;
use qorgau_persistence::{report_facts, report_months, reports};

use qorgau_domain::iin::Sex;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, TEST_AUDIT_KEY, TestDb, join_all};
use crate::on_both_backends;
use crate::world::{World, iin, signal};

fn area(region: Option<&str>, district: Option<&str>) -> Area {
    Area {
        region: region.map(str::to_string),
        district: district.map(str::to_string),
    }
}

fn period(from: &str, to: &str) -> Period {
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    Period {
        from: day(from),
        to: day(to),
    }
}

/// Every indicator of each area and period, both ways; returns how many signals the facts
/// counted in all, so that a caller can tell the comparison was not of empty reports.
fn agree(conn: &mut DbConnection, areas: &[Area], periods: &[Period], now: NaiveDateTime) -> i64 {
    let mut signals = 0;
    for area in areas {
        for period in periods {
            let facts = indicators(conn, area, period, now).unwrap();
            let source = indicators_from_source(conn, area, period, now).unwrap();
            assert_eq!(
                facts, source,
                "indicators of {area:?} over {period:?}: from the facts (left), from the source tables (right)"
            );
            signals += facts.signals_received.count;
        }
    }
    signals
}

/// Every aggregate the facts can serve (every ordered choice of the dimensions they carry: all
/// but the child's sex and age) of each area and period equals the same aggregate from the
/// source tables, cell by cell with its key sum; returns the signals counted in all.
fn aggregates_agree(conn: &mut DbConnection, areas: &[Area], periods: &[Period]) -> i64 {
    use Dimension::{Concern, District, Month, Region, Source};
    let carried = [Region, District, Concern, Source, Month];
    let mut signals = 0;
    for subset in 1..(1u32 << carried.len()) {
        let mut dims: Vec<Dimension> = (0..carried.len())
            .filter(|i| subset & (1 << i) != 0)
            .map(|i| carried[i])
            .collect();
        // Another order of the same dimensions too: the cells' keys follow it.
        if subset % 3 == 0 {
            dims.reverse();
        }
        for area in areas {
            for period in periods {
                let facts = reports::aggregate(conn, &dims, area, period).unwrap();
                let source = reports::aggregate_from_source(conn, &dims, area, period).unwrap();
                assert_eq!(
                    facts, source,
                    "aggregate by {dims:?} of {area:?} over {period:?}: facts (left), source (right)"
                );
                if dims == [Region] {
                    signals += facts.iter().map(|(_, t)| t.count).sum::<i64>();
                }
            }
        }
    }
    signals
}

/// Marks waiting for the worker.
fn marks(conn: &mut DbConnection) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = "SELECT COUNT(*) AS n FROM report_marks";
    let counted: Count = match conn {
        DbConnection::Postgres(c) => diesel::sql_query(sql).get_result(c).unwrap(),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).get_result(c).unwrap(),
    };
    counted.n
}

/// Every month row equals its district-month computed from the facts.
fn assert_months_agree(conn: &mut DbConnection) {
    let compared = report_months::verify(conn).unwrap();
    assert!(compared.compared > 0, "{compared:?}");
    assert_eq!(compared.differing_count, 0, "{compared:?}");
}

/// Every fact table equals its definition over the source tables (for tests of the events
/// that change facts).
pub(crate) fn assert_facts_agree(conn: &mut DbConnection) {
    for compared in report_facts::verify(conn).unwrap() {
        assert!(compared.agrees(), "{compared:?}");
    }
}

async fn facts_agree_with_the_source_on_the_known_month(backend: Backend) {
    let march = crate::reports::march_2025(backend).await;
    let mut conn = march.w.app.state.db.conn().unwrap();
    // Everything happened through the use cases: the facts kept as it happened are exactly
    // what a rebuild gives.
    assert_facts_agree(&mut conn);
    let areas = [
        area(None, None),
        area(Some("KZ-71"), None),
        area(Some("KZ-71"), Some("KZ-71-01")),
        area(Some("KZ-71"), Some("KZ-71-02")),
        area(Some("KZ-75"), None),
    ];
    let periods = [
        period("2025-03-01", "2025-03-31"),
        period("2025-02-01", "2025-04-30"),
        period("2025-03-05", "2025-03-06"),
        period("2024-01-01", "2026-12-31"),
    ];
    // Twice: first with every month marked by the events and not yet computed (read from the
    // facts), then with the month rows the worker computes (read from them).
    assert!(marks(&mut conn) > 0, "the events marked their months");
    for computed in [false, true] {
        if computed {
            let months = qorgau_persistence::write(&mut conn, report_months::refresh).unwrap();
            assert!(months >= 3, "{months} district-months computed");
            assert_eq!(marks(&mut conn), 0);
            assert_months_agree(&mut conn);
        }
        // Now: long after (every clock decided) and in the middle of the month (some pending).
        for now in ["2026-12-07 00:00:00", "2025-03-08 00:00:00"] {
            let now = NaiveDateTime::parse_from_str(now, "%Y-%m-%d %H:%M:%S").unwrap();
            let counted = agree(&mut conn, &areas, &periods, now);
            assert!(counted > 20, "{counted} signals compared");
        }
        let counted = aggregates_agree(&mut conn, &areas, &periods);
        assert!(counted > 20, "{counted} signals aggregated");
    }
    // The month the existing test knows: six signals in Astana, through the facts.
    let k = indicators(
        &mut conn,
        &areas[1],
        &periods[0],
        chrono::Utc::now().naive_utc(),
    )
    .unwrap();
    assert_eq!(k.signals_received.count, 6);
    assert_eq!((k.signals_with_child.count, k.repeat_signals.count), (6, 2));
}

const END: &str = "2026-11-25T12:00:00Z";

fn qorgau(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qorgau"))
        .args(args)
        .env("QORGAU_DATABASE_URL", &db.url)
        .env("QORGAU_DATA_DIR", db.data_dir())
        .env("QORGAU_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("QORGAU_LOG_LEVEL", "warn")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn facts_agree_with_the_source_on_a_generated_history(backend: Backend) {
    let db = TestDb::new(backend);
    let out = qorgau(
        &db,
        &[
            "demo",
            "--scale",
            "small",
            "--children",
            "300",
            "--seed",
            "21",
            "--end",
            END,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    // The loader rebuilt the facts after its COPY; the command compares them, and every
    // indicator of 2025 for the country and each region, both ways.
    let out = qorgau(&db, &["reports", "verify", "--kpis-year", "2025"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("report facts agree with the source"),
        "{}",
        text(&out)
    );

    let state = qorgau_api::AppState::open(crate::common::test_config(&db.url)).unwrap();
    let mut conn = state.db.conn().unwrap();
    let regions = report_facts::regions(&mut conn).unwrap();
    let mut areas = vec![area(None, None)];
    areas.extend(regions.iter().map(|r| area(Some(r), None)));
    // The districts of the two regions with the most signals.
    #[derive(diesel::QueryableByName)]
    struct Place {
        #[diesel(sql_type = diesel::sql_types::Text)]
        region_code: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        district_code: String,
    }
    let places: Vec<Place> = match &mut *conn {
        DbConnection::Postgres(c) => diesel::sql_query(
            "SELECT DISTINCT region_code, district_code FROM signals \
             WHERE region_code IN ('KZ-75', 'KZ-71') ORDER BY 1, 2",
        )
        .load(c)
        .unwrap(),
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT DISTINCT region_code, district_code FROM signals \
             WHERE region_code IN ('KZ-75', 'KZ-71') ORDER BY 1, 2",
        )
        .load(c)
        .unwrap(),
    };
    areas.extend(
        places
            .iter()
            .map(|p| area(Some(&p.region_code), Some(&p.district_code))),
    );
    let mut periods: Vec<Period> = (2017..=2026)
        .map(|y| period(&format!("{y}-01-01"), &format!("{y}-12-31")))
        .collect();
    periods.push(period("2026-10-01", "2026-10-31"));
    periods.push(period("2024-02-29", "2024-03-31"));
    periods.push(period("2016-12-01", "2026-11-30"));
    let now = NaiveDateTime::parse_from_str("2026-11-25 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    // The loader's rebuild computed every month: the reports read the month rows, and the
    // facts only for the edges of the odd periods.
    assert_eq!(marks(&mut conn), 0);
    assert_months_agree(&mut conn);
    let counted = agree(&mut conn, &areas, &periods, now);
    assert!(counted > 1000, "{counted} signals compared");
    let counted = aggregates_agree(&mut conn, &areas[..4], &periods[7..]);
    assert!(counted > 500, "{counted} signals aggregated");
    // Some months marked (one of every three signals' months rewritten): the reports read
    // those from the facts and the rest from the rows.
    let touch = "UPDATE report_signals SET status = status WHERE signal_id IN \
                 (SELECT signal_id FROM report_signals WHERE record_key % 3 = 0)";
    match &mut *conn {
        DbConnection::Postgres(c) => diesel::sql_query(touch).execute(c).unwrap(),
        DbConnection::Sqlite(c) => diesel::sql_query(touch).execute(c).unwrap(),
    };
    assert!(marks(&mut conn) > 0);
    agree(&mut conn, &areas[..4], &periods, now);
    aggregates_agree(&mut conn, &areas[..2], &periods[7..]);

    // A month row that drifted from the facts is found, named, and a rebuild repairs it.
    qorgau_persistence::write(&mut conn, report_months::refresh).unwrap();
    let drift = "UPDATE report_months SET facts = REPLACE(facts, '\"triage_seconds\":[', \
                 '\"triage_seconds\":[1,') WHERE month = '2025-03' AND region_code = 'KZ-75'";
    let drifted = match &mut *conn {
        DbConnection::Postgres(c) => diesel::sql_query(drift).execute(c).unwrap(),
        DbConnection::Sqlite(c) => diesel::sql_query(drift).execute(c).unwrap(),
    };
    assert!(drifted > 0);
    let out = qorgau(&db, &["reports", "verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("report_months            DIFFER: {drifted} of")),
        "{}",
        text(&out)
    );
    let out = qorgau(&db, &["reports", "rebuild"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = qorgau(&db, &["reports", "verify"]);
    assert!(out.status.success(), "{}", text(&out));

    // A fact that drifted from its source is found, named, and a rebuild repairs it.
    let drift = "UPDATE report_signals SET status = 'received' WHERE signal_id = \
                 (SELECT MIN(id) FROM signals WHERE status = 'screened_out')";
    match &mut *conn {
        DbConnection::Postgres(c) => diesel::sql_query(drift).execute(c).unwrap(),
        DbConnection::Sqlite(c) => diesel::sql_query(drift).execute(c).unwrap(),
    };
    drop(conn);
    let out = qorgau(&db, &["reports", "verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("report_signals           DIFFERS: 1 row(s)"),
        "{}",
        text(&out)
    );
    let out = qorgau(&db, &["reports", "rebuild"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("report facts rebuilt"),
        "{}",
        text(&out)
    );
    let out = qorgau(&db, &["reports", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Events about one child or one case at the same moment — mobile groups filing about the same
/// child, visits logged on one case — are each recorded, none refused as a conflict, and the
/// facts kept as they happened still equal their definition. (At national scale, before the
/// facts' owners were locked, 1,906 of ≈ 5,000 concurrent signals about a few children were
/// refused with 409: two transactions rewrote the same child's facts.)
async fn concurrent_events_about_one_child_keep_every_write_and_the_facts_exact(backend: Backend) {
    let w = World::new(backend).await;
    let child = json!({"iin": iin("2014-05-05", Sex::Female, 31), "first_name": "Aru",
                       "last_name": "Test", "birth_date": "2014-05-05"});
    let first = w.file(signal(child.clone())).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let filed = join_all((0..12).map(|_| w.file(signal(child.clone())))).await;
    for r in &filed {
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }

    let case = w.open_case("Dana", true).await;
    let path = format!("/api/v1/cases/{case}/interventions");
    let visits = join_all((0..8).map(|day| {
        let visit = json!({"kind": "home_visit", "assistance_type": "social",
                           "occurred_at": format!("2026-11-{:02}T10:00:00Z", 17 - day),
                           "summary": "Visit", "child_seen": true});
        w.app.post(&path, &w.manager, visit)
    }))
    .await;
    for r in &visits {
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }

    let mut conn = w.app.state.db.conn().unwrap();
    assert_facts_agree(&mut conn);

    // The worker's pass computes the months the events marked, and takes their marks.
    assert!(marks(&mut conn) > 0);
    let mailer = qorgau_api::mail::Mailer::Files(std::env::temp_dir().join("qorgau-facts-mail"));
    let tick = qorgau_api::worker::tick(&w.app.state, &mailer)
        .await
        .unwrap();
    assert!(tick.report_months >= 1, "{tick:?}");
    assert_eq!(marks(&mut conn), 0);
    assert_months_agree(&mut conn);
}

/// A new signal rewrites the repeat facts of its child's signals from its own time on, not all
/// of them: one received between two others (the clock set back) becomes the latest earlier
/// signal of the later one, and the facts still equal their definition — as they do when the
/// child is only identified at triage.
async fn a_signal_between_two_others_moves_only_the_later_ones_repeat_fact(backend: Backend) {
    let w = World::new(backend).await;
    let child = json!({"iin": iin("2013-03-03", Sex::Male, 41), "first_name": "Timur",
                       "last_name": "Test", "birth_date": "2013-03-03"});
    for at in ["2026-11-25 09:00", "2026-11-29 09:00", "2026-11-27 09:00"] {
        w.app.at(at);
        let r = w.file(signal(child.clone())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    w.app.back_to_the_present();
    let mut conn = w.app.state.db.conn().unwrap();
    assert_facts_agree(&mut conn);
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
        previous_received_at: Option<chrono::NaiveDateTime>,
    }
    let latest: Vec<Row> = diesel::sql_query(
        "SELECT previous_received_at FROM report_signals ORDER BY received_at DESC LIMIT 1",
    )
    .load(&mut *conn)
    .unwrap();
    assert_eq!(
        latest[0]
            .previous_received_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
        Some("2026-11-27 09:00".to_string()),
        "the signal of 29 November follows the one of 27 November now"
    );
}

on_both_backends!(
    facts_agree_with_the_source_on_the_known_month,
    facts_agree_with_the_source_on_a_generated_history,
    concurrent_events_about_one_child_keep_every_write_and_the_facts_exact,
    a_signal_between_two_others_moves_only_the_later_ones_repeat_fact,
);
