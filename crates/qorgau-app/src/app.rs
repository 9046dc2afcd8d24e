//! [`App`]: what every use case may need besides a connection and a caller — the rules in
//! force, the clock, the audit key — built once at start by whichever front door runs.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use qorgau_domain::audit::AuditKey;
use qorgau_domain::calendar::{Calendar, due_at};
use qorgau_domain::protocol::{DeadlineKind, ProtocolSet};
use qorgau_domain::report::rounding::Rounding;
use qorgau_domain::taxonomy::RiskLevel;

use crate::clock::Clock;

/// The interagency protocol versions and the working-day calendar, loaded at start.
pub struct Rules {
    pub protocols: ProtocolSet,
    pub calendar: Calendar,
}

#[derive(Clone)]
pub struct App {
    pub rules: Arc<Rules>,
    pub clock: Arc<dyn Clock>,
    /// The audit chain's key.
    pub audit_key: Arc<AuditKey>,
    /// The draws of the rounding of counts shown to analysts (docs/reporting.md § Disclosure
    /// control), keyed by the JWT secret: every instance draws alike.
    pub rounding: Rounding,
    /// Where audit checkpoints are exported (`data_dir/audit-checkpoints`).
    pub data_dir: PathBuf,
    /// The address staff reach Qorgau at, for links in notices.
    pub public_url: String,
}

impl App {
    /// The current time, from the one clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A link to `path` (starting with `/`) for a notice.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
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
