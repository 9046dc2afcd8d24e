//! What every handler shares: the database, token keys, configuration, metrics and the drain.

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use qorgau_domain::calendar::{Calendar, due_at};
use qorgau_domain::protocol::{DeadlineKind, ProtocolSet};
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_persistence::{Database, DbConnection};

use crate::auth::recent_sessions::RecentSessions;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::drain::Drain;
use crate::error::ApiError;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub tokens: TokenKeys,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub rules: Arc<Rules>,
    /// Requests in flight, and whether a graceful stop has begun.
    pub drain: Arc<Drain>,
    /// Logins recently found active (`auth::recent_sessions`).
    pub recent_sessions: Arc<RecentSessions>,
}

/// The interagency protocol versions and the working-day calendar, loaded at start.
pub struct Rules {
    pub protocols: ProtocolSet,
    pub calendar: Calendar,
}

impl AppState {
    /// Runs one unit of database work on the blocking pool — diesel is synchronous and must
    /// never hold up the async workers. The pool checkout happens there too, so waiting for a
    /// connection cannot stall other requests.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        web::block(move || {
            let mut conn = db.conn()?;
            work(&mut conn)
        })
        .await?
    }

    /// The current time. One place, so that tests and later the deadline worker can reason
    /// about "now" consistently.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// When a deadline of `kind` whose clock starts at `start` falls due, under the protocol
    /// in force at `start`, counted on the working-day calendar.
    pub fn deadline(
        &self,
        kind: DeadlineKind,
        start: DateTime<Utc>,
        risk: RiskLevel,
    ) -> DateTime<Utc> {
        let protocol = self.rules.protocols.in_force_at(start);
        match protocol.deadline(kind) {
            Some(rule) => due_at(start, rule.duration(risk), &self.rules.calendar),
            // Every version defines every kind (checked when it is loaded).
            None => start,
        }
    }
}
