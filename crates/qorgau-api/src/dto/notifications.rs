//! Bodies of the inbox routes.

use chrono::{DateTime, Utc};
use qorgau_app::AppError;
use qorgau_app::error::stored;
use qorgau_app::inbox;
use qorgau_domain::notification::{EmailPreference, NotificationKind};
use qorgau_persistence::notifications::NotificationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use uuid::Uuid;

/// One notification: what happened, to which case (by number) or signal, and where to act.
/// Never a concern, a description or a name.
#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    pub kind: NotificationKind,
    /// The kind's words in English, with the case number (the console shows them in the
    /// reader's language from `kind`).
    pub text: String,
    /// The case number, or the signal's id for a signal not on a case.
    pub subject: String,
    pub case_id: Option<Uuid>,
    pub signal_id: Option<Uuid>,
    /// The record acted on: the referral, transfer, plan, deadline, grant or gap.
    pub ref_id: Option<Uuid>,
    /// The API path to act on it.
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

impl TryFrom<NotificationRow> for NotificationView {
    type Error = AppError;

    fn try_from(n: NotificationRow) -> Result<Self, AppError> {
        let id = |column, value: &str| stored::<Uuid>("notifications", &n.id, column, value);
        Ok(NotificationView {
            id: n.id.0,
            kind: n.kind,
            text: format!("{}: {}", n.kind.words().2, n.subject),
            case_id: n.case_id.map(|c| c.0),
            signal_id: n.signal_id.map(|s| s.0),
            ref_id: n.ref_id.as_deref().map(|r| id("ref_id", r)).transpose()?,
            link: inbox::link(&n),
            subject: n.subject,
            created_at: n.created_at.and_utc(),
            read: n.read_at.is_some(),
        })
    }
}

/// A page of the inbox, newest first.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
    /// How many of the caller's notifications are unread, on every page.
    pub unread: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct InboxParams {
    /// Only unread notifications.
    pub unread: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ReadAll {
    /// How many were unread.
    pub marked: usize,
}

/// The caller's notification preferences.
#[derive(Serialize, ToSchema)]
pub struct Preferences {
    /// `immediate`, `daily_digest` or `off`. Read back as `null` while the default holds:
    /// immediate for reminders, escalations and the protocol's notifications, the daily digest
    /// for the rest.
    pub email: Option<EmailPreference>,
}

/// The caller's choice of email.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesInput {
    /// `immediate`, `daily_digest` or `off`; `null` (or absent) returns to the default.
    #[schema(value_type = Option<EmailPreference>)]
    pub email: Option<String>,
}

impl PreferencesInput {
    /// The choice; an unknown one is invalid (422 naming `email`).
    pub fn email(&self) -> Result<Option<EmailPreference>, ApiError> {
        self.email
            .as_deref()
            .map(|code| {
                EmailPreference::from_code(code).ok_or_else(|| {
                    ApiError::invalid("email", "must be immediate, daily_digest or off")
                })
            })
            .transpose()
    }
}
