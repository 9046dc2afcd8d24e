//! Domain events (issue 23, docs/integration.md): the one place a use case records what other
//! systems may learn happened — [`emit`], called inside the use case's write transaction, so
//! that a refused or rolled-back change leaves no event — and the feed's query, filtered by
//! need-to-know ([`feed`]).
//!
//! An event carries its type, time, region and district, the records' ids and a small payload
//! of codes and ids: never a name, a description or any other free text.

use chrono::{DateTime, Utc};
use qorgau_domain::access::{Action, Scope};
use qorgau_domain::event::EventType;
use qorgau_domain::ids::EventId;
use qorgau_domain::role::Role;
use qorgau_persistence::DbConnection;
use qorgau_persistence::cases::CaseRow;
use qorgau_persistence::domain_events::{self, EventRow, View};
use qorgau_persistence::signals::SignalRow;
use serde_json::{Map, Value};

use crate::audit::{self, Target};
use crate::caller::Caller;
use crate::error::AppError;

/// One event, as a use case describes it.
#[derive(Clone, Debug)]
pub struct Event {
    row: EventRow,
    payload: Map<String, Value>,
}

impl Event {
    fn new(event_type: EventType, region: &str, district: Option<&str>) -> Self {
        Event {
            row: EventRow {
                id: EventId::new(),
                seq: None,
                event_type,
                at: chrono::NaiveDateTime::default(),
                region_code: region.to_string(),
                district_code: district.map(str::to_string),
                signal_id: None,
                case_id: None,
                child_id: None,
                ref_id: None,
                filed_by: None,
                external_ref: None,
                payload: String::new(),
            },
            payload: Map::new(),
        }
    }

    /// An event of `signal` (its status as of the event is in the payload); on its case when
    /// it has one.
    pub fn signal(event_type: EventType, signal: &SignalRow) -> Self {
        let mut e = Event::new(event_type, &signal.region_code, Some(&signal.district_code));
        e.row.signal_id = Some(signal.id);
        e.row.case_id = signal.case_id;
        e.row.child_id = signal.child_id;
        e.row.filed_by = Some(signal.filed_by);
        e.row.external_ref = signal.external_ref.clone();
        e.with("status", signal.status.as_str())
    }

    /// An event of `case`, where the case is.
    pub fn case(event_type: EventType, case: &CaseRow) -> Self {
        let mut e = Event::new(event_type, &case.region_code, Some(&case.district_code));
        e.row.case_id = Some(case.id);
        e.row.child_id = Some(case.child_id);
        e
    }

    /// The record acted on (a referral, a transfer, a commission matter, a deadline).
    pub fn on(mut self, ref_id: impl std::fmt::Display) -> Self {
        self.row.ref_id = Some(ref_id.to_string());
        self
    }

    /// A payload entry: a code or an id, never free text.
    pub fn with(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.payload
            .insert(key.to_string(), Value::String(value.to_string()));
        self
    }

    /// The event placed elsewhere than its record (a transfer: in the receiving region).
    pub fn in_area(mut self, region: &str, district: Option<&str>) -> Self {
        self.row.region_code = region.to_string();
        self.row.district_code = district.map(str::to_string);
        self
    }
}

/// Records `event` at `at` in the caller's transaction; it is numbered in the feed's order when
/// that transaction commits (`qorgau_persistence::domain_events`).
pub fn emit(conn: &mut DbConnection, event: Event, at: DateTime<Utc>) -> Result<(), AppError> {
    let Event { mut row, payload } = event;
    row.at = at.naive_utc();
    row.payload = Value::Object(payload).to_string();
    Ok(domain_events::insert(conn, &row)?)
}

/// What a reader of the feed (or a webhook acting as one) may see of the events.
pub fn view_of(role: Role, scope: Scope) -> Result<View, AppError> {
    Ok(match scope {
        Scope::Region(r) => View::Region(r),
        Scope::District(d) => View::District(d),
        Scope::Own(user) if role == Role::Integration => View::FiledBy(user),
        Scope::Own(user) => View::AssignedTo(user),
        // No role reads the feed by organisation or everywhere (`access::rule`).
        Scope::Organisation(_) | Scope::All => return Err(AppError::Denied),
    })
}

/// The events after `after` (a `seq`) that `view` may see, of `types` (any when empty), in
/// commit order, at most `limit` — shaped for `view` by [`shaped`].
pub fn visible(
    conn: &mut DbConnection,
    view: &View,
    after: i64,
    types: &[EventType],
    limit: i64,
) -> Result<Vec<EventRow>, AppError> {
    let rows = domain_events::feed(conn, view, after, types, limit)?;
    Ok(rows.into_iter().map(|r| shaped(view, r)).collect())
}

/// An event as `view` may see it: an integration account learns what became of the signal it
/// filed — its type, status and the account's own `external_ref` — and nothing of the child,
/// the case or where it is handled.
fn shaped(view: &View, mut row: EventRow) -> EventRow {
    if let View::FiledBy(_) = view {
        row.case_id = None;
        row.child_id = None;
        row.ref_id = None;
        row.district_code = None;
        let status = serde_json::from_str::<Map<String, Value>>(&row.payload)
            .ok()
            .and_then(|m| m.get("status").cloned());
        let mut payload = Map::new();
        if let Some(status) = status {
            payload.insert("status".into(), status);
        }
        row.payload = Value::Object(payload).to_string();
    }
    row
}

/// `GET /api/v1/events`: the caller's page of the feed. Reading it is audited when it shows
/// case data: one entry for the request and one per event of a case, on the case's child.
pub fn feed(
    conn: &mut DbConnection,
    caller: &Caller,
    after: i64,
    types: &[EventType],
    limit: i64,
) -> Result<Vec<EventRow>, AppError> {
    let scope = caller.actor.scope(Action::ViewEvents)?;
    let view = view_of(caller.actor.role, scope)?;
    let rows = visible(conn, &view, after, types, limit)?;
    let seen: Vec<Target<'_>> = rows
        .iter()
        .filter_map(|r| {
            r.case_id.map(|case| Target {
                resource: "case",
                id: case.to_string(),
                child_id: r.child_id,
                region: Some(r.region_code.as_str()),
            })
        })
        .collect();
    if !seen.is_empty() {
        audit::log_list(conn, caller, "events", &seen)?;
    }
    Ok(rows)
}
