//! Bodies of the event feed and webhook routes (docs/integration.md).

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_domain::event::EventType;
use qorgau_persistence::domain_events::EventRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

/// One domain event, as the feed and the webhooks send it.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    /// Stable: the same event has the same id in the feed and in every delivery (de-duplicate
    /// by it).
    pub id: Uuid,
    /// Its position in commit order: pass the last one seen as `after`.
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub at: DateTime<Utc>,
    pub region_code: String,
    pub district_code: Option<String>,
    pub signal_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    /// The record acted on: a referral, a transfer, a commission matter, a deadline.
    pub ref_id: Option<String>,
    /// The signal's reference in its source's system (e.g. the 111 centre's ticket).
    pub external_ref: Option<String>,
    /// Codes and ids only (`status`, `risk_level`, `assignee_id`, `organisation_id`…).
    #[schema(value_type = Object)]
    pub data: Value,
}

impl TryFrom<EventRow> for EventView {
    type Error = AppError;

    fn try_from(e: EventRow) -> Result<Self, AppError> {
        let seq = e
            .seq
            .ok_or_else(|| AppError::corrupt("domain_events", e.id, "seq", "NULL"))?;
        let data = serde_json::from_str(&e.payload)
            .map_err(|_| AppError::corrupt("domain_events", e.id, "payload", &e.payload))?;
        Ok(EventView {
            id: e.id.0,
            seq,
            event_type: e.event_type,
            at: e.at.and_utc(),
            region_code: e.region_code,
            district_code: e.district_code,
            signal_id: e.signal_id.map(|s| s.0),
            case_id: e.case_id.map(|c| c.0),
            ref_id: e.ref_id,
            external_ref: e.external_ref,
            data,
        })
    }
}

/// A page of the feed.
#[derive(Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// What to pass as `after` next: the last item's `seq` (`after` itself when the page is
    /// empty). Poll again with it; a full page means more may be waiting.
    pub next_after: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct EventParams {
    /// Only the events after this `seq` (default 0: from the oldest kept).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Comma-separated event types (default: all).
    #[param(schema_with = types_schema, style = Form, explode = false)]
    pub types: Option<String>,
    /// Events per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The asked page: `(after, types, limit)`, or 422 naming the field.
pub fn asked(p: &EventParams) -> Result<(i64, Vec<EventType>, i64), ApiError> {
    let after = p.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid("after", "must be 0 or more"));
    }
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 500"));
    }
    let types = parse_types(p.types.as_deref(), "types")?;
    Ok((after, types, limit))
}

/// Comma-separated event type codes; 422 naming `field` for one that is not.
pub fn parse_types(value: Option<&str>, field: &str) -> Result<Vec<EventType>, ApiError> {
    let mut types = Vec::new();
    for code in value.unwrap_or("").split(',').map(str::trim) {
        if code.is_empty() {
            continue;
        }
        let t = EventType::from_code(code)
            .ok_or_else(|| ApiError::invalid(field, format!("{code} is not an event type")))?;
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Ok(types)
}

/// `types` as the document gives it: a comma-separated list of event types.
fn types_schema() -> utoipa::openapi::Array {
    use utoipa::PartialSchema;
    utoipa::openapi::ArrayBuilder::new()
        .items(EventType::schema())
        .unique_items(true)
        .build()
}

/// A subscription as registered (`POST /api/v1/admin/webhooks`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// Where deliveries are POSTed: an `https://` address with a host (`http://` is accepted too,
    /// for a receiver on a private network).
    #[schema(max_length = 2000, example = "https://crm.111.kz/qorgau/events")]
    pub url: String,
    /// The event types delivered; empty or absent: every type the scope may see.
    #[serde(default)]
    pub event_types: Vec<EventType>,
    /// Deliver what this account may read of the feed (e.g. the 111 centre's integration
    /// account: the statuses of its signals). Exactly one of `account_id` and `region_code`.
    pub account_id: Option<Uuid>,
    /// Deliver the region's events, as its supervisors see them.
    pub region_code: Option<String>,
    /// The HMAC key, 24–200 characters; generated when absent. Shown once, in the answer.
    #[schema(min_length = 24, max_length = 200)]
    pub secret: Option<String>,
}

impl From<NewWebhookBody> for qorgau_app::webhooks::NewWebhook {
    fn from(b: NewWebhookBody) -> Self {
        qorgau_app::webhooks::NewWebhook {
            url: b.url,
            event_types: b.event_types,
            account_id: b.account_id.map(qorgau_domain::ids::UserId),
            region_code: b.region_code,
            secret: b.secret,
        }
    }
}

/// A subscription. Its secret is shown only when it is created.
#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub account_id: Option<Uuid>,
    pub region_code: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The last event (`seq`) turned into deliveries.
    pub cursor: i64,
    pub consecutive_failures: i32,
    /// Set when deliveries stopped after `webhook_pause_after` failures in a row; resume with
    /// `POST /admin/webhooks/{id}/resume`.
    pub paused_at: Option<DateTime<Utc>>,
    /// Only in the answer to its creation: keep it, it verifies every delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    pub fn of(w: qorgau_persistence::webhooks::WebhookRow, with_secret: bool) -> Self {
        WebhookView {
            id: w.id.0,
            url: w.url,
            event_types: w
                .event_types
                .split(',')
                .filter_map(EventType::from_code)
                .collect(),
            account_id: w.account_id.map(|a| a.0),
            region_code: w.region_code,
            created_at: w.created_at.and_utc(),
            cursor: w.cursor_seq,
            consecutive_failures: w.consecutive_failures,
            paused_at: w.paused_at.map(|t| t.and_utc()),
            secret: with_secret.then_some(w.secret),
        }
    }
}

/// The subscriptions.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// One event's delivery to one subscription.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_id: Uuid,
    pub seq: i64,
    #[serde(rename = "type")]
    #[schema(value_type = EventType)]
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    /// When the next attempt is due (while not delivered).
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The receiver's last HTTP status.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl TryFrom<qorgau_persistence::webhooks::DeliveryRow> for DeliveryView {
    type Error = AppError;

    fn try_from(d: qorgau_persistence::webhooks::DeliveryRow) -> Result<Self, AppError> {
        Ok(DeliveryView {
            id: d.id.0,
            event_id: d.event_id.0,
            seq: d.seq,
            event_type: d.event_type,
            created_at: d.created_at.and_utc(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.and_utc(),
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
            last_status: d.last_status,
            last_error: d.last_error,
        })
    }
}
