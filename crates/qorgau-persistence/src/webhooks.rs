//! Webhook subscriptions and their deliveries (issue 23, docs/integration.md § Webhooks).
//!
//! Exactly once across instances in the normal case, like the mail outbox: a subscription's
//! events become deliveries under a conditional update of its cursor (`… WHERE cursor_seq =
//! <as read>`), and a delivery is leased before it is sent (`… WHERE next_attempt_at = <as
//! read>`): of racing workers one changes the row, the others skip it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::ids::{EventId, UserId, WebhookDeliveryId, WebhookId};

use crate::error::DbError;
use crate::schema::{webhook_deliveries, webhooks};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: WebhookId,
    pub url: String,
    /// Comma-separated event type codes; empty: every type.
    pub event_types: String,
    /// Whose view of the feed it delivers: an account's…
    pub account_id: Option<UserId>,
    /// … or a region's, as its supervisors see it.
    pub region_code: Option<String>,
    pub secret: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub cursor_seq: i64,
    pub consecutive_failures: i32,
    pub paused_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub seq: i64,
    pub event_type: String,
    /// The JSON sent, as signed.
    pub body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &WebhookRow) -> Result<(), DbError> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn all(conn: &mut DbConnection) -> Result<Vec<WebhookRow>, DbError> {
    Ok(webhooks::table
        .order(webhooks::id)
        .select(WebhookRow::as_select())
        .load(conn)?)
}

/// The subscriptions that are not paused.
pub fn active(conn: &mut DbConnection) -> Result<Vec<WebhookRow>, DbError> {
    Ok(webhooks::table
        .filter(webhooks::paused_at.is_null())
        .order(webhooks::id)
        .select(WebhookRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: WebhookId) -> Result<Option<WebhookRow>, DbError> {
    Ok(webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

/// Removes a subscription and its deliveries; `false` when there was none.
pub fn delete(conn: &mut DbConnection, id: WebhookId) -> Result<bool, DbError> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
        .execute(conn)?;
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? == 1)
}

/// Claims the events after `from` up to `to` for deliveries: `false` when another worker
/// moved the cursor since it was read.
pub fn advance(
    conn: &mut DbConnection,
    id: WebhookId,
    from: i64,
    to: i64,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::cursor_seq.eq(from)),
    )
    .set(webhooks::cursor_seq.eq(to))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn enqueue(conn: &mut DbConnection, rows: &[DeliveryRow]) -> Result<(), DbError> {
    for row in rows {
        diesel::insert_into(webhook_deliveries::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Undelivered deliveries of subscriptions that are not paused, whose next attempt is due.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DeliveryRow>, DbError> {
    let active = webhooks::table
        .filter(webhooks::paused_at.is_null())
        .select(webhooks::id);
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::delivered_at.is_null())
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(webhook_deliveries::webhook_id.eq_any(active))
        .order((webhook_deliveries::next_attempt_at, webhook_deliveries::seq))
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Leases a delivery until `until`, if nobody else did since it was read.
pub fn lease(
    conn: &mut DbConnection,
    row: &DeliveryRow,
    until: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        webhook_deliveries::table
            .find(&row.id)
            .filter(webhook_deliveries::delivered_at.is_null())
            .filter(webhook_deliveries::next_attempt_at.eq(row.next_attempt_at)),
    )
    .set(webhook_deliveries::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A delivery the receiver acknowledged (2xx): its subscription's failures start again at 0.
pub fn mark_delivered(
    conn: &mut DbConnection,
    row: &DeliveryRow,
    at: NaiveDateTime,
    status: i32,
) -> Result<(), DbError> {
    diesel::update(webhook_deliveries::table.find(&row.id))
        .set((
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::delivered_at.eq(at),
            webhook_deliveries::last_status.eq(status),
            webhook_deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(webhooks::table.find(row.webhook_id))
        .set(webhooks::consecutive_failures.eq(0))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt, retried at `retry_at`; the subscription is paused at `at` when this makes
/// `pause_after` failures in a row. Returns whether it paused it.
#[allow(clippy::too_many_arguments)]
pub fn mark_failed(
    conn: &mut DbConnection,
    row: &DeliveryRow,
    at: NaiveDateTime,
    retry_at: NaiveDateTime,
    status: Option<i32>,
    error: &str,
    pause_after: i32,
) -> Result<bool, DbError> {
    diesel::update(webhook_deliveries::table.find(&row.id))
        .set((
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at.eq(retry_at),
            webhook_deliveries::last_status.eq(status),
            webhook_deliveries::last_error.eq(error),
        ))
        .execute(conn)?;
    diesel::update(webhooks::table.find(row.webhook_id))
        .set(webhooks::consecutive_failures.eq(webhooks::consecutive_failures + 1))
        .execute(conn)?;
    let paused = diesel::update(
        webhooks::table
            .find(row.webhook_id)
            .filter(webhooks::paused_at.is_null())
            .filter(webhooks::consecutive_failures.ge(pause_after)),
    )
    .set(webhooks::paused_at.eq(at))
    .execute(conn)?;
    Ok(paused == 1)
}

/// Resumes a paused subscription: its failures forgotten, its waiting deliveries due at `now`.
/// One that is not paused is left as it is (its deliveries may be leased and on their way:
/// making them due again would send them twice).
pub fn resume(conn: &mut DbConnection, id: WebhookId, now: NaiveDateTime) -> Result<(), DbError> {
    let resumed = diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::paused_at.is_not_null()),
    )
    .set((
        webhooks::paused_at.eq(None::<NaiveDateTime>),
        webhooks::consecutive_failures.eq(0),
    ))
    .execute(conn)?;
    if resumed == 0 {
        return Ok(());
    }
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .filter(webhook_deliveries::delivered_at.is_null()),
    )
    .set(webhook_deliveries::next_attempt_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// A page of a subscription's deliveries, in the events' order.
pub fn deliveries(
    conn: &mut DbConnection,
    id: WebhookId,
    page: &Page,
) -> Result<Vec<DeliveryRow>, DbError> {
    Ok(keyset!(
        webhook_deliveries::table.select(DeliveryRow::as_select()),
        webhook_deliveries::id,
        page
    )
    .filter(webhook_deliveries::webhook_id.eq(id))
    .load(conn)?)
}

/// Deletes the deliveries made before `before` (retention, with the events).
pub fn delete_deliveries_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(before))
            .filter(webhook_deliveries::delivered_at.is_not_null()),
    )
    .execute(conn)?)
}
