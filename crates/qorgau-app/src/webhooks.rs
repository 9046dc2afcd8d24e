//! Webhook subscriptions (issue 23, docs/integration.md § Webhooks): the administrator's
//! use cases — register, list, remove, resume, see the deliveries — and the worker's fan-out of
//! new events into deliveries. Sending is the API's (`qorgau_api::worker`): it has the HTTP
//! client.
//!
//! A subscription delivers what one reader of the feed may see: an account's view (the 111
//! centre's integration account: the statuses of its signals) or a region's, as its
//! supervisors see it — the same filter as `GET /api/v1/events` ([`events::visible`]).

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Actor};
use qorgau_domain::event::EventType;
use qorgau_domain::ids::{UserId, WebhookDeliveryId, WebhookId};
use qorgau_persistence::domain_events::{self, EventRow, View};
use qorgau_persistence::webhooks::{self, DeliveryRow, WebhookRow};
use qorgau_persistence::{DbConnection, Page, geography, users, write};

use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;
use crate::events;

/// A subscription as the administrator asks for it.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<EventType>,
    pub account_id: Option<UserId>,
    pub region_code: Option<String>,
    /// Generated when not given.
    pub secret: Option<String>,
}

/// Shortest secret accepted (a generated one is 43 characters).
const MIN_SECRET: usize = 24;

/// Registers a subscription from now on (it delivers the events after the last one committed).
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    new: NewWebhook,
) -> Result<WebhookRow, AppError> {
    caller.actor.scope(Action::ManageWebhooks)?;
    let url = new.url.trim().to_string();
    let parsed = url::Url::parse(&url).ok();
    let scheme_ok = parsed.as_ref().is_some_and(|u| {
        matches!(u.scheme(), "https" | "http") && u.host_str().is_some_and(|h| !h.is_empty())
    });
    if !scheme_ok || url.len() > 2000 || url.contains(char::is_whitespace) {
        return Err(AppError::invalid(
            "url",
            "must be an http:// or https:// address",
        ));
    }
    let secret = match new.secret {
        Some(s) if s.len() < MIN_SECRET || s.len() > 200 => {
            return Err(AppError::invalid(
                "secret",
                format!("must be {MIN_SECRET} to 200 characters"),
            ));
        }
        Some(s) => s,
        None => crate::secrets::random_token(),
    };
    match (&new.account_id, &new.region_code) {
        (Some(account), None) => {
            let actor = account_actor(conn, *account)?
                .ok_or_else(|| AppError::invalid("account_id", "must be an active account"))?;
            if actor.scope(Action::ViewEvents).is_err() {
                return Err(AppError::invalid(
                    "account_id",
                    "must be an account that may read the event feed",
                ));
            }
        }
        (None, Some(region)) => {
            if !geography::region_exists(conn, region)? {
                return Err(AppError::invalid("region_code", "no such region"));
            }
        }
        _ => {
            return Err(AppError::invalid(
                "account_id",
                "give exactly one of account_id and region_code",
            ));
        }
    }
    write(conn, |tx| {
        let row = WebhookRow {
            id: WebhookId::new(),
            url,
            event_types: new
                .event_types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
            account_id: new.account_id,
            region_code: new.region_code.clone(),
            secret,
            created_by: caller.actor.user_id,
            created_at: caller.at.naive_utc(),
            cursor_seq: domain_events::last_seq(tx)?,
            consecutive_failures: 0,
            paused_at: None,
        };
        webhooks::insert(tx, &row)?;
        audit::log(tx, caller, Act::Create, target(row.id))?;
        Ok(row)
    })
}

fn target<'a>(id: WebhookId) -> Target<'a> {
    Target {
        resource: "webhook",
        id: id.to_string(),
        child_id: None,
        region: None,
    }
}

pub fn list(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<WebhookRow>, AppError> {
    caller.actor.scope(Action::ManageWebhooks)?;
    Ok(webhooks::all(conn)?)
}

/// Removes a subscription and its delivery log.
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: WebhookId) -> Result<(), AppError> {
    caller.actor.scope(Action::ManageWebhooks)?;
    write(conn, |tx| {
        if !webhooks::delete(tx, id)? {
            return Err(AppError::NotFound);
        }
        audit::log(tx, caller, Act::Delete, target(id))
    })
}

/// Resumes a subscription paused after repeated failures: what waited is sent at once.
pub fn resume(
    conn: &mut DbConnection,
    caller: &Caller,
    id: WebhookId,
) -> Result<WebhookRow, AppError> {
    caller.actor.scope(Action::ManageWebhooks)?;
    write(conn, |tx| {
        webhooks::find(tx, id)?.ok_or(AppError::NotFound)?;
        webhooks::resume(tx, id, caller.at.naive_utc())?;
        audit::log(tx, caller, Act::Update, target(id))?;
        webhooks::find(tx, id)?.ok_or(AppError::Internal)
    })
}

/// A page of a subscription's deliveries.
pub fn deliveries(
    conn: &mut DbConnection,
    caller: &Caller,
    id: WebhookId,
    page: &Page,
) -> Result<Vec<DeliveryRow>, AppError> {
    caller.actor.scope(Action::ManageWebhooks)?;
    webhooks::find(conn, id)?.ok_or(AppError::NotFound)?;
    Ok(webhooks::deliveries(conn, id, page)?)
}

/// The actor an account reads the feed as; `None` for no active account.
fn account_actor(conn: &mut DbConnection, id: UserId) -> Result<Option<Actor>, AppError> {
    Ok(users::find(conn, id)?
        .filter(|(user, _)| user.active)
        .map(|(user, org)| Actor {
            user_id: user.id,
            role: user.role,
            organisation_id: org.id,
            region_code: org.region_code,
            district_code: org.district_code,
        }))
}

/// What a subscription delivers: its account's view, or its region's. `None` while its account
/// is inactive (nothing is delivered; the cursor waits).
fn view_of(conn: &mut DbConnection, hook: &WebhookRow) -> Result<Option<View>, AppError> {
    match (&hook.account_id, &hook.region_code) {
        (Some(account), _) => match account_actor(conn, *account)? {
            Some(actor) => match actor.scope(Action::ViewEvents) {
                Ok(scope) => events::view_of(actor.role, scope).map(Some),
                Err(_) => Ok(None),
            },
            None => Ok(None),
        },
        (None, Some(region)) => Ok(Some(View::Region(region.clone()))),
        (None, None) => Ok(None),
    }
}

/// How many events one subscription turns into deliveries per pass, at most.
const FAN_OUT_BATCH: i64 = 200;

/// Turns the events committed since each active subscription's cursor into deliveries, due at
/// once; `render` gives the JSON body of an event (the API's shape). Each subscription in its
/// own transaction, claimed by moving its cursor: with several workers each event becomes one
/// delivery. Returns how many deliveries were made.
pub fn fan_out(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    render: &dyn Fn(&EventRow) -> Result<String, AppError>,
) -> Result<usize, AppError> {
    let mut made = 0;
    let last = domain_events::last_seq(conn)?;
    // A subscription with nothing new costs no transaction.
    for hook in webhooks::active(conn)?
        .into_iter()
        .filter(|h| h.cursor_seq < last)
    {
        // One subscription's failure (an event it cannot render) stops neither the others nor
        // the worker's pass: it is logged, and its cursor stays to be tried at the next pass.
        match write(conn, |tx| fan_out_one(tx, &hook, now, render)) {
            Ok(n) => made += n,
            Err(e) => tracing::error!(webhook = %hook.id, error = %e, "webhook fan-out failed"),
        }
    }
    Ok(made)
}

fn fan_out_one(
    tx: &mut DbConnection,
    hook: &WebhookRow,
    now: DateTime<Utc>,
    render: &dyn Fn(&EventRow) -> Result<String, AppError>,
) -> Result<usize, AppError> {
    // Every event numbered up to `upto` is committed: the counter moves in their transaction.
    let upto = domain_events::last_seq(tx)?;
    if upto <= hook.cursor_seq {
        return Ok(0);
    }
    let Some(view) = view_of(tx, hook)? else {
        return Ok(0);
    };
    let types: Vec<EventType> = hook
        .event_types
        .split(',')
        .filter_map(EventType::from_code)
        .collect();
    let rows: Vec<EventRow> = events::visible(tx, &view, hook.cursor_seq, &types, FAN_OUT_BATCH)?
        .into_iter()
        .filter(|r| r.seq.is_some_and(|s| s <= upto))
        .collect();
    let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= FAN_OUT_BATCH;
    let to = match rows.last().and_then(|r| r.seq) {
        Some(last) if full => last,
        _ => upto,
    };
    if !webhooks::advance(tx, hook.id, hook.cursor_seq, to)? {
        // Another worker claimed these events.
        return Ok(0);
    }
    let deliveries = rows
        .iter()
        .map(|r| {
            Ok(DeliveryRow {
                id: WebhookDeliveryId::new(),
                webhook_id: hook.id,
                event_id: r.id,
                seq: r.seq.unwrap_or_default(),
                event_type: r.event_type.as_str().to_string(),
                body: render(r)?,
                created_at: now.naive_utc(),
                attempts: 0,
                next_attempt_at: now.naive_utc(),
                delivered_at: None,
                last_status: None,
                last_error: None,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    webhooks::enqueue(tx, &deliveries)?;
    Ok(deliveries.len())
}

/// A delivery leased for sending, with what signs it.
#[derive(Clone, Debug)]
pub struct Leased {
    pub delivery: DeliveryRow,
    pub url: String,
    pub secret: String,
}

/// Leases up to `limit` due deliveries until `until`; those another worker leased first are
/// left to it.
pub fn lease_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Leased>, AppError> {
    let mut mine = Vec::new();
    for row in webhooks::due(conn, now.naive_utc(), limit)? {
        if !write(conn, |tx| webhooks::lease(tx, &row, until.naive_utc()))? {
            continue;
        }
        if let Some(hook) = webhooks::find(conn, row.webhook_id)? {
            mine.push(Leased {
                delivery: row,
                url: hook.url,
                secret: hook.secret,
            });
        }
    }
    Ok(mine)
}

/// Records a delivery's outcome: delivered (a 2xx), or failed and retried with backoff (1, 2,
/// 4 … minutes, at most an hour), its subscription paused after `pause_after` failures in a
/// row. Returns whether it paused it.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    now: DateTime<Utc>,
    outcome: Result<u16, (Option<u16>, String)>,
    pause_after: i32,
) -> Result<bool, AppError> {
    let at = now.naive_utc();
    write(conn, |tx| match &outcome {
        Ok(status) => {
            webhooks::mark_delivered(tx, delivery, at, i32::from(*status))?;
            Ok(false)
        }
        Err((status, error)) => {
            let wait = chrono::Duration::minutes(1_i64 << delivery.attempts.clamp(0, 6))
                .min(chrono::Duration::hours(1));
            let status = status.map(i32::from);
            Ok(webhooks::mark_failed(
                tx,
                delivery,
                at,
                (now + wait).naive_utc(),
                status,
                error,
                pause_after,
            )?)
        }
    })
}
