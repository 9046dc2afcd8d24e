//! Who is acting: the signed-in user of a request (or of a console session), with what the
//! audit log records about the request.

use chrono::{DateTime, Utc};
use qorgau_domain::access::Actor;
use qorgau_domain::ids::SessionId;

#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    pub session: SessionId,
    /// Where the request came from and its id, for the audit log.
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// When the request arrived, by the one clock: the time of what it records (audit
    /// entries) and of what it checks (break-glass grants).
    pub at: DateTime<Utc>,
    /// A read (GET or HEAD): break-glass grants may be used only for these.
    pub reading: bool,
}
