//! The audit log (brief § 5, issue 7): reads and writes of children's data recorded with who,
//! when, what, from where and the request id; the hash chain detects edited and deleted rows
//! (`qorgau audit verify`); review by region; a child's access log; break-glass access.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use qorgau_app::audit::{Verified, seal_all, verify};
use qorgau_domain::audit::{
    AuditEntry, AuditKey, ChainBreak, Checkpoint, GENESIS, keyed_hash, legacy_hash,
};
use qorgau_persistence::DbConnection;
use qorgau_persistence::audit::AuditRow;
use qorgau_persistence::schema::{audit_head, audit_log};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TEST_AUDIT_KEY, TestApp, into_response, qorgau, test_config};
use crate::on_both_backends;
use crate::world::World;

on_both_backends!(
    reads_and_writes_of_a_case_are_audited_with_ip_and_request_id,
    the_chain_detects_edited_and_deleted_entries,
    review_is_scoped_to_the_region,
    break_glass_grants_a_time_limited_flagged_read,
    an_edited_region_is_detected,
    a_chain_recomputed_without_the_key_is_detected,
    a_truncated_chain_is_caught_by_an_earlier_checkpoint,
    a_chain_sealed_before_the_key_keeps_verifying_after_the_upgrade,
);

async fn get_with_request_id(app: &TestApp, path: &str, token: &str, id: &str) -> Value {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("X-Request-Id", id)
        .send()
        .await
        .unwrap();
    let r = into_response(r).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
    r.body
}

/// (action, resource, resource id, ip, request id) of each entry, oldest first.
type Entry = (String, String, String, Option<String>, Option<String>);

fn entries(app: &TestApp) -> Vec<Entry> {
    let mut conn = app.state.db.conn().unwrap();
    audit_log::table
        .order(audit_log::id)
        .select((
            audit_log::action,
            audit_log::resource,
            audit_log::resource_id,
            audit_log::ip,
            audit_log::request_id,
        ))
        .load(&mut conn)
        .unwrap()
}

async fn reads_and_writes_of_a_case_are_audited_with_ip_and_request_id(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Ақбота", true).await;
    let card = get_with_request_id(
        &w.app,
        &format!("/api/v1/cases/{case}"),
        &w.manager,
        "req-card-1",
    )
    .await;
    let child = card["child_id"].as_str().unwrap().to_string();
    let all = entries(&w.app);
    let read = all
        .iter()
        .find(|e| e.4.as_deref() == Some("req-card-1"))
        .expect("the read is logged under its request id");
    assert_eq!(
        (read.0.as_str(), read.1.as_str(), read.2.as_str()),
        ("read", "case", case.as_str())
    );
    assert_eq!(read.3.as_deref(), Some("127.0.0.1"));

    // The signal filed and triaged, the case opened: creates and updates were logged.
    assert!(all.iter().any(|e| e.0 == "create" && e.1 == "signal"));
    assert!(all.iter().any(|e| e.0 == "update" && e.1 == "signal"));

    // A write's entry is part of its transaction: a refused write leaves none.
    let before = entries(&w.app).len();
    let bad = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/interventions"),
            &w.manager,
            json!({"kind": "teleport", "assistance_type": "social", "occurred_at": "2026-11-20T10:00:00Z", "summary": "", "child_seen": false}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        entries(&w.app).len(),
        before,
        "nothing stored, not even the audit entry"
    );
    let good = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/interventions"),
            &w.manager,
            json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": "2026-11-20T10:00:00Z", "summary": "Visit", "child_seen": true}),
        )
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{:?}", good.body);
    let after = entries(&w.app);
    assert_eq!(after.len(), before + 1);
    assert_eq!(after.last().unwrap().0, "update");

    // Child card, timeline and lists are recorded too.
    get_with_request_id(
        &w.app,
        &format!("/api/v1/children/{child}"),
        &w.manager,
        "req-child",
    )
    .await;
    get_with_request_id(
        &w.app,
        &format!("/api/v1/children/{child}/timeline"),
        &w.manager,
        "req-timeline",
    )
    .await;
    get_with_request_id(&w.app, "/api/v1/cases", &w.manager, "req-list").await;
    let logged = entries(&w.app);
    for (id, resource, what) in [
        ("req-child", "child", child.as_str()),
        ("req-timeline", "child", child.as_str()),
        ("req-list", "cases", "*"),
    ] {
        let e = logged
            .iter()
            .find(|e| e.4.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} not logged"));
        assert_eq!((e.1.as_str(), e.2.as_str()), (resource, what), "{id}");
    }

    // The supervisor sees who opened the child's data.
    let log = w
        .app
        .get(
            &format!("/api/v1/children/{child}/access-log"),
            &w.supervisor,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{:?}", log.body);
    let items = log.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|e| e["request_id"] == "req-card-1" && e["user_id"] == w.manager_id.as_str())
    );
    assert!(items.iter().all(|e| e["child_id"] == child.as_str()));
    for role_token in [&w.manager, &w.intake] {
        let denied = w
            .app
            .get(&format!("/api/v1/children/{child}/access-log"), role_token)
            .await;
        assert!(
            denied.status == StatusCode::FORBIDDEN || denied.status == StatusCode::NOT_FOUND,
            "{}",
            denied.status
        );
    }
    let elsewhere = w
        .app
        .get(
            &format!("/api/v1/children/{child}/access-log"),
            &w.almaty_supervisor,
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
}

fn verify_now(app: &TestApp) -> Result<Verified, ChainBreak> {
    let mut conn = app.state.db.conn().unwrap();
    seal_all(&app.state, &mut conn).unwrap();
    verify(&mut conn, &app.state.audit_key, vec![]).unwrap()
}

fn cli_verify(app: &TestApp) -> std::process::Output {
    qorgau(&app.db, &["audit", "verify"], "")
}

async fn the_chain_detects_edited_and_deleted_entries(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Арман", true).await;
    for _ in 0..3 {
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await;
    }
    let intact = verify_now(&w.app).unwrap();
    assert!(intact.entries >= 5, "{intact:?}");
    assert_eq!(intact.unsealed, 0);
    let ok = cli_verify(&w.app);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit chain intact"));

    // New entries after sealing continue the chain — also when several sealers race (the
    // worker of every instance seals).
    for _ in 0..20 {
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await;
    }
    let mut sealers = vec![w.app.state.clone(), w.app.state.clone()];
    if backend == Backend::Postgres {
        sealers
            .push(qorgau_api::AppState::open(crate::common::test_config(&w.app.db.url)).unwrap());
    }
    let sealed: usize = crate::common::join_all(sealers.iter().map(qorgau_api::worker::seal))
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .sum();
    assert_eq!(sealed, 20, "each entry sealed once");
    assert_eq!(verify_now(&w.app).unwrap().entries, intact.entries + 20);

    // An instance with another key does not extend the chain: its entries wait for a sealer
    // with the right one.
    let mut config = test_config(&w.app.db.url);
    config.secrets.audit_key = Some("not-the-audit-key-not-the-audit-key".into());
    let stranger = qorgau_api::AppState::open(config).unwrap();
    w.app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    assert_eq!(qorgau_api::worker::seal(&stranger).await.unwrap(), 0);
    assert_eq!(verify_now(&w.app).unwrap().entries, intact.entries + 21);

    let mut conn = w.app.state.db.conn().unwrap();
    // An insider rewrites who read the file.
    diesel::update(audit_log::table.filter(audit_log::seq.eq(3)))
        .set(audit_log::user_id.eq("someone-else"))
        .execute(&mut conn)
        .unwrap();
    assert!(matches!(
        verify_now(&w.app),
        Err(ChainBreak::Edited { seq: 3, .. })
    ));
    let broken = cli_verify(&w.app);
    assert!(!broken.status.success());
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(
        said.contains("entry 3") && said.contains("edited"),
        "{said}"
    );

    // Deleting the edited row instead breaks the link from the next one.
    diesel::delete(audit_log::table.filter(audit_log::seq.eq(3)))
        .execute(&mut conn)
        .unwrap();
    assert!(matches!(
        verify_now(&w.app),
        Err(ChainBreak::Gap {
            seq: 4,
            expected_prev: 2,
            ..
        })
    ));
}

async fn review_is_scoped_to_the_region(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Самат", true).await;
    w.app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    let astana = w.app.get("/api/v1/audit", &w.supervisor).await;
    assert_eq!(astana.status, StatusCode::OK, "{:?}", astana.body);
    let items = astana.body["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["resource_id"] == case.as_str()));
    // Newest first.
    let times: Vec<DateTime<Utc>> = items
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|p| p[0] >= p[1]));
    let by_manager = w
        .app
        .get(
            &format!("/api/v1/audit?user_id={}", w.manager_id),
            &w.supervisor,
        )
        .await;
    assert!(
        by_manager.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == w.manager_id.as_str())
    );
    let almaty = w.app.get("/api/v1/audit", &w.almaty_supervisor).await;
    assert!(
        almaty.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["resource_id"] != case.as_str()),
        "another region's supervisor sees none of Astana's log"
    );
    let admin = w
        .app
        .get("/api/v1/audit?region_code=KZ-71", &w.app.admin_token)
        .await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(!admin.body["items"].as_array().unwrap().is_empty());
    for token in [&w.manager, &w.intake, &w.mobile] {
        assert_eq!(
            w.app.get("/api/v1/audit", token).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

async fn break_glass_grants_a_time_limited_flagged_read(backend: Backend) {
    let mut w = World::new(backend).await;
    let case = w.open_case("Дәулет", true).await;
    let path = format!("/api/v1/cases/{case}");
    assert_eq!(
        w.app.get(&path, &w.almaty_supervisor).await.status,
        StatusCode::NOT_FOUND
    );

    let vague = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "need"}),
        )
        .await;
    assert_eq!(vague.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::common::invalid_fields(&vague), ["reason"]);
    assert_eq!(
        w.app
            .post(
                "/api/v1/break-glass",
                &w.manager,
                json!({"case_id": case, "reason": "Child ran away to Almaty tonight"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN,
        "only supervisors break the glass"
    );
    let granted = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child ran away to Almaty tonight; police ask for the risk"}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{:?}", granted.body);
    let expires: DateTime<Utc> = granted.body["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let lasts = expires - w.app.now();
    assert!(
        lasts > Duration::minutes(59) && lasts <= Duration::minutes(60),
        "{lasts}"
    );

    // Read, flagged; never write.
    let read = w.app.get(&path, &w.almaty_supervisor).await;
    assert_eq!(read.status, StatusCode::OK);
    let assessments = w
        .app
        .get(&format!("{path}/assessments"), &w.almaty_supervisor)
        .await;
    assert_eq!(assessments.status, StatusCode::OK);
    let write = w
        .app
        .post(
            &format!("{path}/assignment"),
            &w.almaty_supervisor,
            json!({"assignee_id": w.manager_id}),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::NOT_FOUND,
        "break-glass opens for reading only"
    );
    let mut conn = w.app.state.db.conn().unwrap();
    let flagged: i64 = audit_log::table
        .filter(audit_log::break_glass.eq(true))
        .filter(audit_log::resource_id.eq(&case))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(
        flagged >= 2,
        "each access under break-glass is flagged ({flagged})"
    );

    // Reviewed in the case's region, by its supervisor.
    let review = w.app.get("/api/v1/break-glass", &w.supervisor).await;
    assert_eq!(review.status, StatusCode::OK, "{:?}", review.body);
    assert_eq!(review.body["items"][0]["case_id"], case.as_str());
    assert!(
        review.body["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("ran away")
    );
    let flagged_log = w
        .app
        .get("/api/v1/audit?break_glass=true", &w.supervisor)
        .await;
    assert!(!flagged_log.body["items"].as_array().unwrap().is_empty());
    assert!(
        w.app
            .get("/api/v1/break-glass", &w.almaty_supervisor)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    drop(conn);

    // A minute before it expires the grant still opens the case (the supervisor has logged in
    // again since: an access token lives a quarter of the grant's hour).
    w.until(expires - Duration::minutes(1)).await;
    assert_eq!(
        w.app.get(&path, &w.almaty_supervisor).await.status,
        StatusCode::OK
    );
    // Expired: out of scope again.
    w.until(expires + Duration::seconds(1)).await;
    assert_eq!(
        w.app.get(&path, &w.almaty_supervisor).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Reads of one case, sealed by `qorgau audit verify`; returns the case.
async fn sealed_reads(w: &World, reads: usize) -> String {
    let case = w.open_case("Ерлан", true).await;
    for _ in 0..reads {
        w.app
            .get(&format!("/api/v1/cases/{case}"), &w.manager)
            .await;
    }
    let ok = cli_verify(&w.app);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    case
}

fn cli_verify_against(app: &TestApp, checkpoint: &std::path::Path) -> std::process::Output {
    let file = checkpoint.to_str().unwrap();
    qorgau(&app.db, &["audit", "verify", "--checkpoint", file], "")
}

fn refused(out: &std::process::Output) -> String {
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "verify passed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    said
}

/// Finding 10 (issue 17): an entry's region decides whose review lists it; moving entries to
/// another region hid them from the supervisor, and `audit verify` still said intact.
async fn an_edited_region_is_detected(backend: Backend) {
    let w = World::new(backend).await;
    let case = sealed_reads(&w, 3).await;
    let listed = |body: Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource_id"] == case.as_str())
            .count()
    };
    let before = listed(w.app.get("/api/v1/audit", &w.supervisor).await.body);
    assert!(before >= 3, "{before}");

    let mut conn = w.app.state.db.conn().unwrap();
    diesel::update(audit_log::table.filter(audit_log::resource_id.eq(&case)))
        .set(audit_log::region_code.eq("KZ-75"))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        listed(w.app.get("/api/v1/audit", &w.supervisor).await.body),
        0,
        "the edit hides the reads from the region's review"
    );
    let said = refused(&cli_verify(&w.app));
    assert!(said.contains("edited"), "{said}");
}

/// The sealed entries in chain order.
fn sealed_rows(conn: &mut DbConnection) -> Vec<AuditRow> {
    audit_log::table
        .filter(audit_log::seq.is_not_null())
        .order(audit_log::seq)
        .select(AuditRow::as_select())
        .load(conn)
        .unwrap()
}

/// What an insider with write access to the database can do: renumber and rehash every sealed
/// entry with `hash` and move the head to the end. Returns the new head.
fn rehash_chain(
    conn: &mut DbConnection,
    hash: impl Fn(i64, &str, &AuditEntry) -> String,
) -> (i64, String) {
    let (mut seq, mut prev) = (0, GENESIS.to_string());
    for row in sealed_rows(conn) {
        seq += 1;
        let next = hash(seq, &prev, &row.entry());
        diesel::update(audit_log::table.find(&row.id))
            .set((
                audit_log::seq.eq(seq),
                audit_log::prev_hash.eq(&prev),
                audit_log::hash.eq(&next),
            ))
            .execute(conn)
            .unwrap();
        prev = next;
    }
    diesel::update(audit_head::table)
        .set((audit_head::seq.eq(seq), audit_head::hash.eq(&prev)))
        .execute(conn)
        .unwrap();
    (seq, prev)
}

/// Finding 10: with write access to the database the probe deleted an entry, edited another,
/// recomputed every hash and the head, and `verify` passed.
async fn a_chain_recomputed_without_the_key_is_detected(backend: Backend) {
    let w = World::new(backend).await;
    sealed_reads(&w, 4).await;
    let mut conn = w.app.state.db.conn().unwrap();
    diesel::delete(audit_log::table.filter(audit_log::seq.eq(3)))
        .execute(&mut conn)
        .unwrap();
    diesel::update(audit_log::table.filter(audit_log::seq.eq(4)))
        .set(audit_log::user_id.eq("someone-else"))
        .execute(&mut conn)
        .unwrap();

    // The chain's algorithm before the key: unkeyed.
    rehash_chain(&mut conn, legacy_hash);
    let said = refused(&cli_verify(&w.app));
    assert!(
        said.contains("entry 1 ") && said.contains("edited"),
        "{said}"
    );

    // Any key but the chain's, the head signed with it too.
    let guessed = AuditKey::new(b"a guess at the key, thirty-two bytes long").unwrap();
    let (seq, hash) = rehash_chain(&mut conn, |s, p, e| keyed_hash(&guessed, s, p, e));
    sign_head(&mut conn, &guessed, seq, hash);
    let said = refused(&cli_verify(&w.app));
    assert!(
        said.contains("entry 1 ") && said.contains("edited"),
        "{said}"
    );

    // Unkeyed again, claiming that no entry was sealed with the key yet (as on a database just
    // upgraded): consistent in itself, but not with the checkpoint the sealer exported.
    let (seq, _) = rehash_chain(&mut conn, legacy_hash);
    diesel::update(audit_head::table)
        .set((
            audit_head::keyed_from.eq(seq + 1),
            audit_head::sealed_at.eq(None::<NaiveDateTime>),
            audit_head::mac.eq(None::<String>),
        ))
        .execute(&mut conn)
        .unwrap();
    let said = refused(&cli_verify(&w.app));
    assert!(said.contains("checkpoint"), "{said}");
}

/// Rewrites the head as a sealer holding `key` would.
fn sign_head(conn: &mut DbConnection, key: &AuditKey, seq: i64, hash: String) {
    let signed = Checkpoint::sign(key, seq, hash, Utc::now());
    diesel::update(audit_head::table)
        .set((
            audit_head::seq.eq(signed.seq),
            audit_head::hash.eq(&signed.hash),
            audit_head::sealed_at.eq(Some(signed.at.naive_utc())),
            audit_head::mac.eq(Some(&signed.mac)),
        ))
        .execute(conn)
        .unwrap();
}

/// Finding 10: someone able to rewrite the whole chain consistently — here a truncation, the
/// head rewritten as the real sealer would — is caught by a checkpoint exported before.
async fn a_truncated_chain_is_caught_by_an_earlier_checkpoint(backend: Backend) {
    let w = World::new(backend).await;
    sealed_reads(&w, 4).await;
    // The checkpoints the sealer exported, kept off the database host.
    let kept = w.app.db.data_dir().join("kept-elsewhere");
    std::fs::copy(w.app.db.data_dir().join("audit-checkpoints"), &kept).unwrap();
    let ok = cli_verify_against(&w.app, &kept);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let mut conn = w.app.state.db.conn().unwrap();
    let rows = sealed_rows(&mut conn);
    let end = rows.len() as i64;
    let keep = end - 2;
    diesel::delete(audit_log::table.filter(audit_log::seq.gt(keep)))
        .execute(&mut conn)
        .unwrap();
    let last = rows[keep as usize - 1].hash.clone().unwrap();
    let key = AuditKey::new(TEST_AUDIT_KEY.as_bytes()).unwrap();
    sign_head(&mut conn, &key, keep, last);

    // Consistent in itself: only the checkpoint knows the chain was longer.
    let alone = cli_verify_against(&w.app, std::path::Path::new("/dev/null"));
    assert!(
        alone.status.success(),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    let said = refused(&cli_verify_against(&w.app, &kept));
    assert!(
        said.contains("checkpoint") && said.contains(&format!("entry {end}")),
        "{said}"
    );
}

/// Entries sealed before the chain was keyed (by the release before migration 000013) keep
/// verifying with their old hash after the upgrade, and are covered by the first keyed entry.
async fn a_chain_sealed_before_the_key_keeps_verifying_after_the_upgrade(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Айгерім", true).await;
    w.app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    let mut conn = w.app.state.db.conn().unwrap();
    // The database as the release before the key left it: the migration undone…
    let down = qorgau_persistence::migrate::script(
        w.app.state.db.backend(),
        "2026-12-06-000013_audit_key",
    )
    .unwrap()
    .down;
    conn.batch_execute(down).unwrap();
    diesel::sql_query("DELETE FROM __diesel_schema_migrations WHERE version = '20261206000013'")
        .execute(&mut conn)
        .unwrap();
    // … its entries sealed the old way: unkeyed SHA-256, in id order…
    let (mut seq, mut prev) = (0, GENESIS.to_string());
    for row in qorgau_persistence::audit::pending(&mut conn, 1000).unwrap() {
        seq += 1;
        let hash = legacy_hash(seq, &prev, &row.entry());
        qorgau_persistence::audit::mark_sealed(&mut conn, &row.id, seq, &prev, &hash).unwrap();
        prev = hash;
    }
    diesel::update(audit_head::table)
        .set((audit_head::seq.eq(seq), audit_head::hash.eq(&prev)))
        .execute(&mut conn)
        .unwrap();
    let legacy = seq;
    assert!(legacy >= 3, "{legacy}");
    // … and one entry written after its last seal, pending across the upgrade.
    w.app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;

    let upgraded = qorgau(&w.app.db, &["migrate"], "");
    assert!(
        String::from_utf8_lossy(&upgraded.stdout).contains("1 migration(s) applied"),
        "{}",
        String::from_utf8_lossy(&upgraded.stderr)
    );
    let ok = cli_verify(&w.app);
    let said = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        said.contains(&format!("{} entries verified", legacy + 1))
            && said.contains(&format!(
                "entries 1–{legacy} were sealed before the chain was keyed"
            )),
        "{said}"
    );
    let keyed_from: i64 = audit_head::table
        .select(audit_head::keyed_from)
        .first(&mut conn)
        .unwrap();
    assert_eq!(keyed_from, legacy + 1);

    // An old entry edited, and its unkeyed chain recomputed up to the upgrade: the first keyed
    // entry, which hashed the old head, no longer follows.
    diesel::update(audit_log::table.filter(audit_log::seq.eq(2)))
        .set(audit_log::user_id.eq("someone-else"))
        .execute(&mut conn)
        .unwrap();
    let said = refused(&cli_verify(&w.app));
    assert!(
        said.contains("entry 2 ") && said.contains("edited"),
        "{said}"
    );
    let mut prev = GENESIS.to_string();
    for row in sealed_rows(&mut conn).iter().take(legacy as usize) {
        let seq = row.seq.unwrap();
        let hash = legacy_hash(seq, &prev, &row.entry());
        qorgau_persistence::audit::mark_sealed(&mut conn, &row.id, seq, &prev, &hash).unwrap();
        prev = hash;
    }
    let said = refused(&cli_verify(&w.app));
    assert!(
        said.contains(&format!("entry {} ", legacy + 1)) && said.contains("deleted or inserted"),
        "{said}"
    );
}
