//! Bodies of the outbox route.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_persistence::outbox::OutboxRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One outgoing message, without its body (the body is for its recipient).
#[derive(Serialize, ToSchema)]
pub struct OutboxView {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was given up as undeliverable; no longer retried.
    pub failed_at: Option<DateTime<Utc>>,
    /// The relay's (or the address parser's) last answer.
    pub last_error: Option<String>,
}

impl TryFrom<OutboxRow> for OutboxView {
    type Error = AppError;

    fn try_from(m: OutboxRow) -> Result<Self, AppError> {
        Ok(OutboxView {
            id: m.id.0,
            recipient: m.recipient,
            subject: m.subject,
            created_at: m.created_at.and_utc(),
            attempts: m.attempts,
            sent_at: m.sent_at.map(|t| t.and_utc()),
            failed_at: m.failed_at.map(|t| t.and_utc()),
            last_error: m.last_error,
        })
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct OutboxParams {
    /// Only the messages given up as undeliverable.
    pub failed: Option<bool>,
}
