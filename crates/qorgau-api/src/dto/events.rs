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
