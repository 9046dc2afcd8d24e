//! The background worker inside `qorgau serve` (brief § 4): reminds the assignee of deadlines
//! about to lapse, escalates lapsed ones to the region's supervisors, records both on the
//! child's timeline, and delivers the mail outbox.
//!
//! Exactly once, even with several instances on one PostgreSQL: each reminder, escalation and
//! delivery is *claimed* by a conditional update (`… WHERE reminded_at IS NULL`, `… WHERE
//! next_attempt_at = <as read>`) — of racing workers exactly one changes the row; the others
//! skip it. The notice, its outbox mail and its timeline event are written in the claiming
//! transaction, so none exists without the others.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use qorgau_app::AppError;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::deadlines::{self, DeadlineRow};
use qorgau_persistence::outbox::{self, OutboxRow};
use qorgau_persistence::timeline::{self, TimelineRow};
use qorgau_persistence::{DbConnection, cases, routing, users, write};
use tokio::sync::watch;
use uuid::Uuid;

use crate::mail::{self, Mailer, Message, Notice, deadline_notice};
use crate::state::AppState;

/// How far ahead reminder candidates are read; the reminder itself is due when a quarter of the
/// deadline's span (at least an hour) remains.
const REMINDER_HORIZON_DAYS: i64 = 60;
const BATCH: i64 = 200;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Audit entries sealed into the chain.
    pub sealed: usize,
    pub reminders: usize,
    pub escalations: usize,
    pub sent: usize,
    pub failed: usize,
}

/// Runs passes every `interval` until `shutdown` turns true (or its sender is dropped). A pass
/// under way when it does is finished first: its claims, outbox rows and deliveries are never
/// cut off halfway; the wait between passes is not.
pub async fn run(
    state: AppState,
    mailer: Mailer,
    interval: StdDuration,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        match tick(&state, &mailer).await {
            Ok(t) if t != Tick::default() => tracing::info!(?t, "worker pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "worker pass failed; retrying next interval"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
    tracing::info!("worker stopped");
}

/// One pass: the audit chain sealed, notices written, mail delivered.
pub async fn tick(state: &AppState, mailer: &Mailer) -> Result<Tick, AppError> {
    let sealed = seal(state).await?;
    let now = state.now();
    let app = state.clone();
    let (reminders, escalations) = blocking(state, move |conn| notices(conn, &app, now)).await?;
    let (sent, failed) = deliver(state, mailer, now).await?;
    Ok(Tick {
        sealed,
        reminders,
        escalations,
        sent,
        failed,
    })
}

fn reminder_due(d: &DeadlineRow, now: DateTime<Utc>) -> bool {
    let due = d.due_at.and_utc();
    let span = due - d.starts_at.and_utc();
    let lead = std::cmp::max(Duration::hours(1), span / 4);
    due > now && now >= due - lead
}

fn notices(
    conn: &mut DbConnection,
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    let horizon = (now + Duration::days(REMINDER_HORIZON_DAYS)).naive_utc();
    let mut reminded = 0;
    for d in deadlines::awaiting(conn, horizon, false, BATCH)?
        .into_iter()
        .filter(|d| reminder_due(d, now))
    {
        if write(conn, |c| notify(c, state, &d, Notice::Reminder, now))? {
            reminded += 1;
        }
    }
    let mut escalated = 0;
    for d in deadlines::awaiting(conn, now.naive_utc(), true, BATCH)? {
        if write(conn, |c| notify(c, state, &d, Notice::Escalation, now))? {
            escalated += 1;
        }
    }
    Ok((reminded, escalated))
}

/// Claims and writes one notice; `false` when another worker got there first.
fn notify(
    conn: &mut DbConnection,
    state: &AppState,
    d: &DeadlineRow,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let escalation = matches!(notice, Notice::Escalation);
    if !deadlines::claim(conn, &d.id, escalation, now.naive_utc())? {
        return Ok(false);
    }
    let case = cases::find(conn, d.case_id)?
        .ok_or_else(|| AppError::corrupt("deadlines", &d.id, "case_id", d.case_id))?;
    let supervisors = routing::supervisor_emails(conn, &case.region_code)?;
    let recipients: Vec<String> = if escalation {
        supervisors
    } else {
        // The assignee is reminded; an unassigned case's reminder goes to the supervisors.
        let assignee = match &case.assignee_id {
            Some(a) => users::find(conn, a)?.and_then(|(u, _)| u.email),
            None => None,
        };
        assignee.map_or(supervisors, |e| vec![e])
    };
    let url = state.link(&format!("/api/v1/cases/{}", case.id));
    for to in &recipients {
        let m = deadline_notice(notice, to, &case.number, d.kind, d.due_at.and_utc(), &url);
        mail::enqueue(conn, m, now)?;
    }
    let (kind, summary) = if escalation {
        (
            TimelineKind::Escalation,
            format!("Deadline {} missed: escalated to the supervisor", d.kind),
        )
    } else {
        (
            TimelineKind::DeadlineReminder,
            format!("Deadline {} due soon: assignee reminded", d.kind),
        )
    };
    timeline::record(
        conn,
        &TimelineRow {
            id: Uuid::now_v7().to_string(),
            child_id: case.child_id,
            case_id: Some(case.id),
            at: now.naive_utc(),
            kind,
            summary,
            actor_id: None,
            ref_id: Some(d.id.clone()),
        },
    )?;
    Ok(true)
}

/// Sends due outbox mail: lease, send, mark. A failure is retried with exponential backoff
/// (1, 2, 4 … minutes, at most an hour).
async fn deliver(
    state: &AppState,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    let lease_until = (now + Duration::minutes(5)).naive_utc();
    let leased: Vec<OutboxRow> = blocking(state, move |conn| {
        let mut mine = Vec::new();
        for row in outbox::due(conn, now.naive_utc(), 50)? {
            if write(conn, |c| outbox::lease(c, &row, lease_until))? {
                mine.push(row);
            }
        }
        Ok(mine)
    })
    .await?;
    let (mut sent, mut failed) = (0, 0);
    for row in leased {
        let message = Message {
            to: row.recipient.clone(),
            subject: row.subject.clone(),
            body: row.body.clone(),
        };
        let outcome = mailer.send(&message, &state.config.smtp_from).await;
        let id = row.id.clone();
        let attempts = row.attempts;
        match outcome {
            Ok(()) => {
                sent += 1;
                blocking(state, move |conn| {
                    Ok(outbox::mark_sent(conn, &id, now.naive_utc())?)
                })
                .await?;
            }
            Err(e) => {
                failed += 1;
                let wait = Duration::minutes(1_i64 << attempts.clamp(0, 6)).min(Duration::hours(1));
                let retry_at = (now + wait).naive_utc();
                let error = e.to_string();
                tracing::warn!(error = %error, "mail delivery failed; will retry");
                blocking(state, move |conn| {
                    Ok(outbox::mark_failed(conn, &id, retry_at, &error)?)
                })
                .await?;
            }
        }
    }
    Ok((sent, failed))
}

/// Seals the audit chain on the blocking pool (the worker's first step each pass).
pub async fn seal(state: &AppState) -> Result<usize, AppError> {
    let app = state.app.clone();
    blocking(state, move |conn| qorgau_app::audit::seal_all(&app, conn)).await
}

/// Runs one unit of the worker's database work on the blocking pool, as
/// [`AppState::run`] does a request's: diesel is synchronous.
async fn blocking<T, F>(state: &AppState, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let db = state.db.clone();
    actix_web::web::block(move || {
        let mut conn = db.conn()?;
        work(&mut conn)
    })
    .await
    .map_err(|_| {
        tracing::error!("blocking task failed");
        AppError::Internal
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use qorgau_domain::deadline::DeadlineStatus;
    use qorgau_domain::ids::CaseId;
    use qorgau_domain::protocol::DeadlineKind;

    #[tokio::test]
    async fn the_worker_stops_when_told_without_waiting_out_its_interval() {
        let scratch = crate::state::ScratchState::open();
        let state = scratch.state.clone();
        state.migrate().expect("migrated");
        let mailer = Mailer::Files(std::env::temp_dir().join("qorgau-worker-outbox"));
        let (stop, stopped) = watch::channel(false);
        // An hour between passes: only the signal can end the wait after the first.
        let worker = tokio::spawn(run(state, mailer, StdDuration::from_secs(3600), stopped));
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        stop.send(true).expect("the worker listens");
        tokio::time::timeout(StdDuration::from_secs(30), worker)
            .await
            .expect("stopped at once, not after the interval")
            .expect("no panic");
    }

    fn deadline(start: DateTime<Utc>, due: DateTime<Utc>) -> DeadlineRow {
        DeadlineRow {
            id: "d".into(),
            case_id: CaseId::new(),
            kind: DeadlineKind::FirstContact,
            ref_id: None,
            starts_at: start.naive_utc(),
            due_at: due.naive_utc(),
            status: DeadlineStatus::Pending,
            met_at: None,
            reminded_at: None,
            escalated_at: None,
            region_code: "KZ-75".into(),
            district_code: "KZ-75-01".into(),
            assignee_id: None,
        }
    }

    #[test]
    fn reminders_fall_in_the_last_quarter_or_hour() {
        let start = Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
            .single()
            .expect("valid");
        let due = start + Duration::days(8);
        let d = deadline(start, due);
        assert!(!reminder_due(&d, start + Duration::days(5)));
        assert!(reminder_due(
            &d,
            start + Duration::days(6) + Duration::minutes(1)
        ));
        assert!(
            !reminder_due(&d, due + Duration::minutes(1)),
            "lapsed: escalation, not reminder"
        );
        let short = deadline(start, start + Duration::hours(2));
        assert!(
            reminder_due(&short, start + Duration::minutes(61)),
            "at least an hour's notice"
        );
        assert!(!reminder_due(&short, start + Duration::minutes(59)));
    }
}
