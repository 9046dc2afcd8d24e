//! Retention (`qorgau retention run [--dry-run]`, docs/security.md § Retention): children whose
//! last case closed more than `retention.closed_case_years` ago are anonymised — what
//! identifies them erased from every row about them, the rows and the facts reports count
//! kept — each once, each in its own transaction with its audit entry; the run itself is one
//! more entry, dry or not.

use chrono::{DateTime, Utc};
use qorgau_domain::assessment::DomainFinding;
use qorgau_domain::ids::ChildId;
use qorgau_domain::retention::{self as rules, CLOSED_CASE_YEARS, ERASED};
use qorgau_persistence::retention::{self as store, Due};
use qorgau_persistence::{DbConnection, write};
use uuid::Uuid;

use crate::app::App;
use crate::audit::{self, Act, Target};
use crate::error::{AppError, stored_json};

/// A run of retention: the period (`retention.closed_case_years`) and whether to change
/// anything.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub closed_case_years: u32,
    /// Days the feed keeps a domain event (`retention.event_days`).
    pub event_days: u32,
    pub dry_run: bool,
}

/// A child the run found due, and the closing of its last case that made it so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qualifying {
    pub child_id: ChildId,
    pub last_closed_at: DateTime<Utc>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Report {
    /// The run's id: the `request_id` of its audit entries.
    pub run_id: String,
    pub dry_run: bool,
    /// Children whose last case closed before this instant were due.
    pub closed_before: DateTime<Utc>,
    pub qualifying: Vec<Qualifying>,
    /// How many were anonymised (0 in a dry run; fewer than `qualifying` when a child was
    /// reached by new work between the listing and its turn).
    pub anonymised: usize,
    /// Stored responses of retried requests older than the period, deleted.
    pub responses_deleted: usize,
    /// Domain events that happened before this instant are deleted from the feed.
    pub events_before: DateTime<Utc>,
    /// How many were (0 in a dry run).
    pub events_deleted: usize,
}

/// Runs retention as of the app's clock.
pub fn run(conn: &mut DbConnection, app: &App, cmd: Run) -> Result<Report, AppError> {
    if !CLOSED_CASE_YEARS.contains(&cmd.closed_case_years) {
        return Err(AppError::invalid(
            "retention.closed_case_years",
            format!(
                "must be between {} and {} years",
                CLOSED_CASE_YEARS.start(),
                CLOSED_CASE_YEARS.end()
            ),
        ));
    }
    let now = app.now();
    let before = rules::closed_before(now, cmd.closed_case_years);
    let run_id = Uuid::now_v7().to_string();
    let mut qualifying = Vec::new();
    for Due {
        child_id,
        last_closed_at,
    } in store::closed_before(conn, before)?
    {
        if !store::has_later_signal(conn, child_id, before)? {
            qualifying.push(Qualifying {
                child_id,
                last_closed_at: last_closed_at.and_utc(),
            });
        }
    }
    let mut report = Report {
        run_id,
        dry_run: cmd.dry_run,
        closed_before: before.and_utc(),
        qualifying,
        anonymised: 0,
        responses_deleted: 0,
        events_before: now - chrono::Duration::days(i64::from(cmd.event_days)),
        events_deleted: 0,
    };
    if !cmd.dry_run {
        for q in &report.qualifying {
            let done = write(conn, |tx| {
                anonymise(tx, &report.run_id, q.child_id, before, now)
            })?;
            report.anonymised += usize::from(done);
        }
        report.responses_deleted = write(conn, |tx| store::forget_old_responses(tx, before))?;
        let events_before = report.events_before.naive_utc();
        report.events_deleted = write(conn, |tx| {
            qorgau_persistence::webhooks::delete_deliveries_before(tx, events_before)?;
            qorgau_persistence::domain_events::delete_before(tx, events_before)
        })?;
    }
    write(conn, |tx| record_run(tx, &report, now))?;
    Ok(report)
}

/// Anonymises one child if it is still due (nothing reopened or reached it since the listing):
/// its records, the rows about them, and one audit entry per record. Returns whether it did.
fn anonymise(
    tx: &mut DbConnection,
    run: &str,
    child: ChildId,
    before: chrono::NaiveDateTime,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(locked) = store::lock_child(tx, child)? else {
        return Ok(false);
    };
    let (open, last) = store::last_closing(tx, child)?;
    let due = locked.anonymised_at.is_none()
        && !open
        && last.is_some_and(|closed| closed < before)
        && !store::has_later_signal(tx, child, before)?;
    if !due {
        return Ok(false);
    }
    let records = store::records(tx, child)?;
    let cases = store::cases_of(tx, &records)?;
    let birth_date = match locked.birth_date {
        Some(birth) => Some(rules::anonymous_birth_date(
            birth,
            &store::signal_times(tx, child)?,
        )),
        None => None,
    };
    for (id, json) in store::assessment_domains(tx, &cases)? {
        let mut findings: Vec<DomainFinding> = stored_json("assessments", &id, "domains", &json)?;
        for f in findings.iter_mut().filter(|f| f.note.is_some()) {
            f.note = Some(ERASED.into());
        }
        let erased = serde_json::to_string(&findings).map_err(|e| {
            tracing::error!(error = %e, "cannot serialise assessment domains");
            AppError::Internal
        })?;
        store::set_assessment_domains(tx, &id, &erased)?;
    }
    store::anonymise(tx, &records, birth_date, now.naive_utc(), &cases)?;
    for record in &records {
        let target = Target {
            resource: "child",
            id: record.to_string(),
            child_id: Some(child),
            region: Some(&locked.region_code),
        };
        audit::log_system(tx, now, Act::Anonymise, target, run)?;
    }
    Ok(true)
}

/// The run's own entry: no child, and its counts in `resource_id` (the chain covers them).
fn record_run(tx: &mut DbConnection, report: &Report, now: DateTime<Utc>) -> Result<(), AppError> {
    let act = if report.dry_run {
        Act::RetentionDryRun
    } else {
        Act::RetentionRun
    };
    let target = Target {
        resource: "retention",
        id: format!(
            "closed_before={};qualifying={};anonymised={};responses_deleted={}",
            report.closed_before.format("%Y-%m-%dT%H:%M:%SZ"),
            report.qualifying.len(),
            report.anonymised,
            report.responses_deleted
        ),
        child_id: None,
        region: None,
    };
    audit::log_system(tx, now, act, target, &report.run_id)
}
