//! Recording access to children's data (brief § 5) and keeping the chain sealed and verifiable.
//!
//! Handlers call [`log`] inside the `state.run` closure that reads or writes the record — for a
//! write, inside its transaction, so that the entry exists exactly when the change does.

use chrono::Utc;
use qorgau_domain::audit::{ChainBreak, GENESIS, verify_page};
use qorgau_domain::role::Role;
use qorgau_persistence::audit::{self, AuditRow};
use qorgau_persistence::{DbConnection, write};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// What was done. Opening one record is an entry naming it and its child, which is what a
/// child's access log shows; a list is an entry for the request (`resource_id` "*") and one per
/// child it showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Read,
    List,
    Create,
    Update,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Read => "read",
            Act::List => "list",
            Act::Create => "create",
            Act::Update => "update",
        }
    }
}

/// The record an entry is about: its kind, id, the child and the record's region.
pub struct Target<'a> {
    pub resource: &'a str,
    pub id: &'a str,
    pub child_id: Option<&'a str>,
    pub region: Option<&'a str>,
}

/// Appends one entry for `caller`.
pub fn log(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    target: Target<'_>,
) -> Result<(), ApiError> {
    Ok(audit::record(conn, &[entry(caller, act, &target)])?)
}

/// One entry for `caller`. A supervisor reaching a record of another region can only have done
/// so under break-glass, so such entries are flagged for review.
fn entry(caller: &Caller, act: Act, target: &Target<'_>) -> AuditRow {
    let actor = &caller.actor;
    let break_glass =
        actor.role == Role::Supervisor && target.region.is_some_and(|r| r != actor.region_code);
    AuditRow {
        id: Uuid::now_v7().to_string(),
        at: Utc::now().naive_utc(),
        user_id: Some(actor.user_id.to_string()),
        action: act.as_str().into(),
        resource: target.resource.into(),
        resource_id: target.id.into(),
        child_id: target.child_id.map(str::to_string),
        region_code: target
            .region
            .map_or_else(|| Some(actor.region_code.clone()), |r| Some(r.to_string())),
        ip: caller.ip.clone(),
        request_id: caller.request_id.clone(),
        break_glass,
        seq: None,
        prev_hash: None,
        hash: None,
    }
}

/// Records a list or search over `resource`: one entry for the request (`resource_id` "*"),
/// and one per record in the answer that carries a child's data (`shown`: the record, its
/// child and region), so that the child's access log shows every response that named them
/// (issue 17, finding 6). All in one multi-row insert.
pub fn log_list(
    conn: &mut DbConnection,
    caller: &Caller,
    resource: &str,
    shown: &[Target<'_>],
) -> Result<(), ApiError> {
    let request = Target {
        resource,
        id: "*",
        child_id: None,
        region: None,
    };
    let rows: Vec<AuditRow> = std::iter::once(&request)
        .chain(shown)
        .map(|t| entry(caller, Act::List, t))
        .collect();
    Ok(audit::record(conn, &rows)?)
}

/// Seals everything written so far into the chain, in batches; returns how many entries.
pub fn seal_all(conn: &mut DbConnection) -> Result<usize, ApiError> {
    const BATCH: i64 = 1000;
    let mut total = 0;
    loop {
        let n = write(conn, |c| audit::seal(c, BATCH))?;
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub entries: i64,
    pub unsealed: i64,
}

/// Walks the whole chain from the start; the first break found, or how much verified.
pub fn verify(conn: &mut DbConnection) -> Result<Result<Verified, ChainBreak>, ApiError> {
    const PAGE: i64 = 5000;
    let (head_seq, head_hash) = audit::head(conn)?;
    let (mut seq, mut hash) = (0, GENESIS.to_string());
    loop {
        let page = audit::sealed_page(conn, seq, PAGE)?;
        if page.is_empty() {
            break;
        }
        match verify_page(seq, hash, &page) {
            Ok((s, h)) => (seq, hash) = (s, h),
            Err(e) => return Ok(Err(e)),
        }
    }
    if seq != head_seq || hash != head_hash {
        return Ok(Err(ChainBreak::Truncated {
            last: seq,
            head: head_seq,
        }));
    }
    Ok(Ok(Verified {
        entries: seq,
        unsealed: audit::unsealed(conn)?,
    }))
}

/// Seals on the blocking pool (the worker's first step each pass).
pub async fn seal(state: &AppState) -> Result<usize, ApiError> {
    state.run(seal_all).await
}
