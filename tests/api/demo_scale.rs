//! `qorgau demo --scale small` on both databases: the rows come in the proportions of the
//! national target, IINs are valid and agree with the birth date and sex, the audit chain
//! verifies, and the printed credentials open the generated records over HTTP.

use std::collections::HashMap;
use std::process::Command;

use chrono::NaiveDate;
use diesel::prelude::*;
use qorgau_domain::iin::Iin;
use qorgau_persistence::schema::{
    audit_log, cases, children, interventions, referrals, signals, timeline_events,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, TEST_AUDIT_KEY, TestDb, into_response, serve, test_config};
use crate::on_both_backends;

const END: &str = "2026-11-25T12:00:00Z";

fn demo(db: &TestDb, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qorgau"))
        .args(["demo", "--scale", "small", "--end", END])
        .args(extra)
        .env("QORGAU_DATABASE_URL", &db.url)
        .env("QORGAU_DATA_DIR", db.data_dir())
        .env("QORGAU_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("QORGAU_LOG_LEVEL", "warn")
        .output()
        .unwrap()
}

fn ratio(a: i64, b: i64) -> f64 {
    a as f64 / b as f64
}

async fn small_dataset_is_proportionate_valid_and_usable(backend: Backend) {
    let db = TestDb::new(backend);
    let file = std::env::temp_dir().join(format!("demo-{}.env", uuid::Uuid::new_v4()));
    let out = demo(&db, &["--credentials", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let creds: HashMap<&str, &str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .collect();

    let state = qorgau_api::AppState::open(test_config(&db.url)).unwrap();
    let mut conn = state.db.conn().unwrap();
    let count = |n: Result<i64, diesel::result::Error>| n.unwrap();
    let kids = count(children::table.count().get_result(&mut conn));
    let signal_rows = count(signals::table.count().get_result(&mut conn));
    let case_rows = count(cases::table.count().get_result(&mut conn));
    let open = count(
        cases::table
            .filter(cases::status.ne("closed"))
            .count()
            .get_result(&mut conn),
    );
    let intervention_rows = count(interventions::table.count().get_result(&mut conn));
    let referral_rows = count(referrals::table.count().get_result(&mut conn));
    let events = count(timeline_events::table.count().get_result(&mut conn));
    let audit_rows = count(audit_log::table.count().get_result(&mut conn));
    // The national target per child: 3 signals, 0.5 cases (8 % of them open), 10
    // interventions and 2 referrals per case, 20 audit entries per child.
    assert!((950..=1000).contains(&kids), "{kids} children");
    assert!(
        (2.5..3.5).contains(&ratio(signal_rows, kids)),
        "{signal_rows} signals"
    );
    assert!(
        (0.4..0.6).contains(&ratio(case_rows, kids)),
        "{case_rows} cases"
    );
    assert!(
        (0.03..0.15).contains(&ratio(open, case_rows)),
        "{open} open"
    );
    assert!(
        (7.0..13.0).contains(&ratio(intervention_rows, case_rows)),
        "{intervention_rows} interventions"
    );
    assert!(
        (1.5..3.0).contains(&ratio(referral_rows, case_rows)),
        "{referral_rows} referrals"
    );
    assert!(
        (15.0..35.0).contains(&ratio(audit_rows, kids)),
        "{audit_rows} audit entries"
    );
    assert!(events > signal_rows + 20 * case_rows, "{events} events");

    // IINs: valid, unique, and saying what the record says.
    let iins: Vec<(Option<String>, Option<NaiveDate>, Option<String>)> = children::table
        .select((children::iin, children::birth_date, children::sex))
        .load(&mut conn)
        .unwrap();
    let with_iin: Vec<_> = iins.iter().filter(|(i, ..)| i.is_some()).collect();
    assert!(with_iin.len() as f64 > 0.9 * kids as f64);
    for (iin, birth, sex) in with_iin {
        let iin = Iin::parse(iin.as_deref().unwrap()).unwrap();
        assert_eq!(Some(iin.birth_date()), *birth);
        assert_eq!(Some(iin.sex().as_str()), sex.as_deref());
    }

    // The audit chain verifies from the genesis to the signed head, through the checkpoint the
    // generator exported.
    let file = db.data_dir().join(qorgau_app::audit::CHECKPOINT_FILE);
    let checkpoints = qorgau_app::audit::read_checkpoints(&file).unwrap();
    let verified = qorgau_app::audit::verify(&mut conn, &state.audit_key, checkpoints)
        .unwrap()
        .unwrap();
    assert_eq!(verified.entries, audit_rows);
    assert_eq!((verified.keyed_from, verified.checkpoints), (1, 1));
    drop(conn);

    // A second run does not overwrite the data without --force.
    let again = demo(&db, &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));

    // The manager reads their case; the supervisor reads the child's whole timeline.
    let base = serve(state);
    let http = crate::common::http_client().build().unwrap();
    let login = |user: &str, password: &str| {
        http.post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
    };
    let manager = into_response(
        login(
            creds["DEMO_MANAGER_USERNAME"],
            creds["DEMO_MANAGER_PASSWORD"],
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(manager.status, StatusCode::OK, "{:?}", manager.body);
    let token = manager.body["access_token"].as_str().unwrap();
    let case = into_response(
        http.get(format!(
            "{base}/api/v1/cases/{}",
            creds["DEMO_MANAGER_CASE_ID"]
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(case.status, StatusCode::OK, "{:?}", case.body);
    assert_ne!(case.body["status"], "closed");
    assert!(
        case.body["number"]
            .as_str()
            .unwrap()
            .starts_with(case.body["region_code"].as_str().unwrap())
    );
    let mine = into_response(
        http.get(format!("{base}/api/v1/cases?open=true&limit=500"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK);
    let listed = mine.body["items"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .all(|c| c["assignee_id"] == case.body["assignee_id"])
    );
    assert!(listed.iter().any(|c| c["id"] == case.body["id"]));

    let supervisor = into_response(
        login(
            creds["DEMO_SUPERVISOR_USERNAME"],
            creds["DEMO_SUPERVISOR_PASSWORD"],
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(supervisor.status, StatusCode::OK);
    let timeline = into_response(
        http.get(format!(
            "{base}/api/v1/children/{}/timeline",
            creds["DEMO_TIMELINE_CHILD_ID"]
        ))
        .bearer_auth(supervisor.body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(timeline.status, StatusCode::OK, "{:?}", timeline.body);
    let items = timeline.body["items"].as_array().unwrap().len();
    assert_eq!(items.to_string(), creds["DEMO_TIMELINE_EVENTS"]);
    assert!((30..=70).contains(&items), "{items} events");
}

on_both_backends!(small_dataset_is_proportionate_valid_and_usable);
