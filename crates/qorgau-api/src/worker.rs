//! The background worker inside `qorgau serve` (brief § 4): each pass seals the audit chain,
//! runs the protocol's clocks (`qorgau_app::reminders`: reminders and escalations) and delivers
//! the mail outbox.
//!
//! Exactly once, even with several instances on one PostgreSQL: each reminder, escalation and
//! delivery is *claimed* by a conditional update (`… WHERE reminded_at IS NULL`, `… WHERE
//! next_attempt_at = <as read>`) — of racing workers exactly one changes the row; the others
//! skip it.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use qorgau_app::webhooks::{self, Leased};
use qorgau_app::{AppError, digests, facts, reminders};
use qorgau_domain::event::{SIGNATURE_HEADER, signature};
use qorgau_persistence::outbox::{self, OutboxRow};
use qorgau_persistence::{DbConnection, write};
use tokio::sync::watch;

use crate::mail::{Mailer, Message};
use crate::state::AppState;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Audit entries sealed into the chain.
    pub sealed: usize,
    pub reminders: usize,
    pub escalations: usize,
    /// Signals awaiting triage whose clock is running out: intake reminded.
    pub triage_reminders: usize,
    /// Signals left untriaged past their clock: escalated to the supervisors.
    pub triage_escalations: usize,
    pub sent: usize,
    pub failed: usize,
    /// Daily digests queued.
    pub digests: usize,
    /// Webhook deliveries acknowledged by their receivers (docs/integration.md).
    pub webhooks_delivered: usize,
    /// Webhook delivery attempts that failed (retried with backoff).
    pub webhooks_failed: usize,
    /// District-months of the report facts computed again (docs/reporting.md § Month facts).
    pub report_months: usize,
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
            Ok(t) => {
                state.metrics.worker_pass_done(state.now().timestamp());
                if t != Tick::default() {
                    tracing::info!(?t, "worker pass");
                }
            }
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
    let reminded = blocking(state, move |conn| reminders::pass(conn, &app.app, now)).await?;
    let app = state.clone();
    // Checked when the configuration was loaded.
    let digest_time = state.config.digest_time().ok_or(AppError::Internal)?;
    let digests = blocking(state, move |conn| {
        digests::send_due(conn, &app.app, digest_time, now)
    })
    .await?;
    let months = blocking(state, facts::refresh_months).await?;
    let (sent, failed) = deliver(state, mailer, now).await?;
    let (webhooks_delivered, webhooks_failed) = deliver_webhooks(state, now).await?;
    Ok(Tick {
        report_months: months,
        webhooks_delivered,
        webhooks_failed,
        sealed,
        reminders: reminded.reminders,
        escalations: reminded.escalations,
        triage_reminders: reminded.triage_reminders,
        triage_escalations: reminded.triage_escalations,
        sent,
        failed,
        digests,
    })
}

/// A message the relay refuses for good (5xx, bad address) is tried this many times — a relay
/// misconfigured for a moment gets a second chance — then given up.
const PERMANENT_FAILURE_ATTEMPTS: i32 = 3;
/// Any message is given up after this many attempts: about a day of hourly retries.
const MAX_ATTEMPTS: i32 = 30;

/// Sends due outbox mail: lease, send, mark. A failure is retried with exponential backoff
/// (1, 2, 4 … minutes, at most an hour), until it is given up (`failed_at`): listed by
/// `GET /api/v1/admin/outbox?failed=true` and counted by `qorgau_mail_given_up_total`.
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
        let id = row.id;
        let attempts = row.attempts + 1;
        match outcome {
            Ok(()) => {
                sent += 1;
                blocking(state, move |conn| {
                    Ok(outbox::mark_sent(conn, id, now.naive_utc())?)
                })
                .await?;
            }
            Err(e) => {
                failed += 1;
                let error = e.to_string();
                let give_up = attempts
                    >= if e.is_permanent() {
                        PERMANENT_FAILURE_ATTEMPTS
                    } else {
                        MAX_ATTEMPTS
                    };
                let (retry_at, failed_at) = if give_up {
                    tracing::error!(error = %error, attempts, "mail undeliverable; given up");
                    state.metrics.mail_given_up.inc();
                    (now.naive_utc(), Some(now.naive_utc()))
                } else {
                    tracing::warn!(error = %error, attempts, "mail delivery failed; will retry");
                    let wait = Duration::minutes(1_i64 << (attempts - 1).clamp(0, 6))
                        .min(Duration::hours(1));
                    ((now + wait).naive_utc(), None)
                };
                blocking(state, move |conn| {
                    Ok(outbox::mark_failed(conn, id, retry_at, &error, failed_at)?)
                })
                .await?;
            }
        }
    }
    Ok((sent, failed))
}

/// Turns new events into webhook deliveries, then sends those due: lease, POST signed, record.
/// A receiver that answers 2xx has it; anything else (another status, a refused connection,
/// a timeout) is retried with backoff, and `webhook_pause_after` failures in a row pause the
/// subscription (docs/integration.md § Webhooks).
async fn deliver_webhooks(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    blocking(state, move |conn| {
        webhooks::fan_out(conn, now, &|row| {
            let view = crate::dto::events::EventView::try_from(row.clone())?;
            serde_json::to_string(&view).map_err(|_| AppError::Internal)
        })
    })
    .await?;
    let until = now + Duration::minutes(5);
    let leased = blocking(state, move |conn| {
        webhooks::lease_due(conn, now, until, 100)
    })
    .await?;
    if leased.is_empty() {
        return Ok((0, 0));
    }
    let client = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(state.config.webhook_timeout_seconds))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| AppError::Internal)?;
    let pause_after = state.config.webhook_pause_after;
    let timeout =
        Duration::seconds(i64::try_from(state.config.webhook_timeout_seconds).unwrap_or(120));
    let (mut delivered, mut failed) = (0, 0);
    // A receiver that timed out in this pass, or was paused, gets nothing more in it: one that
    // accepts and never answers would otherwise hold the pass for a timeout per delivery, and
    // a paused one is sent nothing (docs/integration.md). Its deliveries left here are due again
    // when their lease runs out.
    let mut skipped = std::collections::HashSet::new();
    for Leased {
        delivery,
        url,
        secret,
    } in leased
    {
        if skipped.contains(&delivery.webhook_id) {
            continue;
        }
        // No send may outlive its lease: past it another instance may lease the delivery.
        if state.now() + timeout >= until {
            break;
        }
        let timestamp = state.now().timestamp();
        let signed = signature(secret.as_bytes(), timestamp, delivery.body.as_bytes());
        let sent = client
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signed)
            .header("Qorgau-Event-Id", delivery.event_id.to_string())
            .header("Qorgau-Event-Type", delivery.event_type.as_str())
            .header("Qorgau-Delivery-Id", delivery.id.to_string())
            .body(delivery.body.clone())
            .send()
            .await;
        let timed_out = matches!(&sent, Err(e) if e.is_timeout());
        let outcome = match sent {
            Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
            Ok(r) => Err((
                Some(r.status().as_u16()),
                format!("answered {}", r.status()),
            )),
            Err(e) => Err((None, without_url(&e))),
        };
        if outcome.is_ok() {
            delivered += 1;
        } else {
            failed += 1;
        }
        let webhook = delivery.webhook_id;
        let at = state.now();
        let paused = blocking(state, move |conn| {
            webhooks::record_attempt(conn, &delivery, at, outcome, pause_after)
        })
        .await?;
        if paused {
            tracing::error!(url = %url, "webhook paused after repeated failures");
        }
        if paused || timed_out {
            skipped.insert(webhook);
        }
    }
    Ok((delivered, failed))
}

/// A delivery error without the URL (which may carry a token in its query).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut message = kind.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    message
}

/// Seals the audit chain on the blocking pool (the worker's first step each pass).
pub async fn seal(state: &AppState) -> Result<usize, AppError> {
    let app = state.app.clone();
    blocking(state, move |conn| qorgau_app::audit::seal_all(&app, conn)).await
}

/// Runs one unit of the worker's database work on the blocking pool.
async fn blocking<T, F>(state: &AppState, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    state.on_blocking_pool(work).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
