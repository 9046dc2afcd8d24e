//! Recording access to children's data (brief § 5) and keeping the chain sealed and verifiable.
//!
//! Handlers call [`log`] inside the database work that reads or writes the record — for a
//! write, inside its transaction, so that the entry exists exactly when the change does. The
//! sealer ([`seal_all`]: the worker, `qorgau audit verify`) chains the entries with the key and
//! exports each new head as a signed checkpoint; [`verify`] walks the chain against the head and
//! the checkpoints. The rules are `qorgau_domain::audit`'s.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use qorgau_domain::audit::{AuditKey, ChainBreak, Checkpoint, Head, Walk, keyed_hash};
use qorgau_domain::ids::{AuditEntryId, ChildId};
use qorgau_domain::role::Role;
use qorgau_persistence::audit::{self, AuditRow};
use qorgau_persistence::{DbConnection, write};

use crate::app::App;
use crate::caller::Caller;
use crate::error::AppError;

/// What was done. Opening one record is an entry naming it and its child, which is what a
/// child's access log shows; a list is an entry for the request (`resource_id` "*") and one per
/// child it showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Read,
    List,
    Create,
    Update,
    /// A record soft-deleted with a reason (a document).
    Delete,
    /// An account deactivated (resource `user`).
    Deactivate,
    /// An account reactivated.
    Reactivate,
    /// An account's password reset by an administrator.
    ResetPassword,
    /// A user changed their own password.
    ChangePassword,
    /// A user's open cases handed over to another case manager (on the user, and on each case).
    HandOver,
    /// Retention erased what identified a child (`qorgau retention run`).
    Anonymise,
    /// A retention run, or a dry run that changed nothing.
    RetentionRun,
    RetentionDryRun,
    /// A child's whole file exported (`GET /children/{id}/export`).
    Export,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Read => "read",
            Act::List => "list",
            Act::Create => "create",
            Act::Update => "update",
            Act::Delete => "delete",
            Act::Deactivate => "deactivate",
            Act::Reactivate => "reactivate",
            Act::ResetPassword => "reset_password",
            Act::ChangePassword => "change_password",
            Act::HandOver => "hand_over",
            Act::Anonymise => "anonymise",
            Act::RetentionRun => "retention_run",
            Act::RetentionDryRun => "retention_dry_run",
            Act::Export => "export",
        }
    }
}

/// The record an entry is about: its kind, id, the child and the record's region.
pub struct Target<'a> {
    pub resource: &'a str,
    /// The record's id as the audit log holds it (text: ids of every kind, and "*").
    pub id: String,
    pub child_id: Option<ChildId>,
    pub region: Option<&'a str>,
}

/// Appends one entry for `caller`.
pub fn log(
    conn: &mut DbConnection,
    caller: &Caller,
    act: Act,
    target: Target<'_>,
) -> Result<(), AppError> {
    Ok(audit::record(conn, &[entry(caller, act, &target)])?)
}

/// Appends one entry for what the operator of the host did at its console (`qorgau user …`):
/// no user, address or request — `user_id` empty says so.
pub fn log_console(
    conn: &mut DbConnection,
    at: DateTime<Utc>,
    act: Act,
    target: Target<'_>,
) -> Result<(), AppError> {
    let row = AuditRow {
        region_code: target.region.map(str::to_string),
        ..row(at, act, &target)
    };
    Ok(audit::record(conn, &[row])?)
}

/// One entry for `caller`. A supervisor reaching a record of another region can only have done
/// so under break-glass, so such entries are flagged for review.
fn entry(caller: &Caller, act: Act, target: &Target<'_>) -> AuditRow {
    let actor = &caller.actor;
    let break_glass =
        actor.role == Role::Supervisor && target.region.is_some_and(|r| r != actor.region_code);
    AuditRow {
        user_id: Some(actor.user_id.to_string()),
        region_code: target
            .region
            .map_or_else(|| Some(actor.region_code.clone()), |r| Some(r.to_string())),
        ip: caller.ip.clone(),
        request_id: caller.request_id.clone(),
        break_glass,
        ..row(caller.at, act, target)
    }
}

/// The parts of an entry that do not depend on who acted.
fn row(at: DateTime<Utc>, act: Act, target: &Target<'_>) -> AuditRow {
    AuditRow {
        id: AuditEntryId::new().to_string(),
        at: at.naive_utc(),
        user_id: None,
        action: act.as_str().into(),
        resource: target.resource.into(),
        resource_id: target.id.clone(),
        child_id: target.child_id.map(|c| c.to_string()),
        region_code: None,
        ip: None,
        request_id: None,
        break_glass: false,
        seq: None,
        prev_hash: None,
        hash: None,
    }
}

/// Appends one entry for what the system did on an operator's command rather than on a user's
/// request (retention): no user and no address; `run`, the id of the command's run, stands in
/// the request id, tying together the entries of one run.
pub fn log_system(
    conn: &mut DbConnection,
    at: DateTime<Utc>,
    act: Act,
    target: Target<'_>,
    run: &str,
) -> Result<(), AppError> {
    let row = AuditRow {
        id: AuditEntryId::new().to_string(),
        at: at.naive_utc(),
        user_id: None,
        action: act.as_str().into(),
        resource: target.resource.into(),
        resource_id: target.id,
        child_id: target.child_id.map(|c| c.to_string()),
        region_code: target.region.map(str::to_string),
        ip: None,
        request_id: Some(run.to_string()),
        break_glass: false,
        seq: None,
        prev_hash: None,
        hash: None,
    };
    Ok(audit::record(conn, &[row])?)
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
) -> Result<(), AppError> {
    let request = Target {
        resource,
        id: "*".into(),
        child_id: None,
        region: None,
    };
    let rows: Vec<AuditRow> = std::iter::once(&request)
        .chain(shown)
        .map(|t| entry(caller, Act::List, t))
        .collect();
    Ok(audit::record(conn, &rows)?)
}

/// The file under `data_dir` each sealer appends its checkpoints to, one JSON line each.
pub const CHECKPOINT_FILE: &str = "audit-checkpoints";

/// Seals everything written so far into the chain with the app's key, a batch per
/// transaction, then exports the new head as a checkpoint ([`export`]); returns how many
/// entries were sealed.
pub fn seal_all(app: &App, conn: &mut DbConnection) -> Result<usize, AppError> {
    const BATCH: i64 = 1000;
    let mut total = 0;
    let mut newest = None;
    loop {
        let (n, checkpoint) = write(conn, |c| seal_batch(c, &app.audit_key, app.now(), BATCH))?;
        total += n;
        newest = checkpoint.or(newest);
        if n < BATCH as usize {
            break;
        }
    }
    if let Some(checkpoint) = newest {
        export(&app.data_dir, &checkpoint);
    }
    Ok(total)
}

/// Seals up to `limit` pending entries, oldest id first, after the head, and signs the new
/// head; returns how many and the new head. A head not signed with `key` is not extended —
/// the chain was tampered with or the key is another — and the error is logged: the entries
/// stay pending and `qorgau audit verify` names the break.
fn seal_batch(
    conn: &mut DbConnection,
    key: &AuditKey,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<(usize, Option<Checkpoint>), AppError> {
    let head = audit::lock_head(conn)?;
    if let Err(broken) = head.check(key) {
        tracing::error!(%broken, "audit chain: not sealing; run `qorgau audit verify`");
        return Ok((0, None));
    }
    let pending = audit::pending(conn, limit)?;
    if pending.is_empty() {
        return Ok((0, None));
    }
    let (mut seq, mut hash) = (head.seq, head.hash);
    for row in &pending {
        seq += 1;
        let next = keyed_hash(key, seq, &hash, &row.entry());
        audit::mark_sealed(conn, &row.id, seq, &hash, &next)?;
        hash = next;
    }
    let checkpoint = Checkpoint::sign(key, seq, hash, now);
    audit::set_head(conn, &Head::sealed(head.keyed_from, &checkpoint))?;
    Ok((pending.len(), Some(checkpoint)))
}

/// Puts a checkpoint where the database's users cannot rewrite it: a line in the log (shipped
/// off the host) and a line appended to `data_dir/audit-checkpoints`. Writing the file may fail
/// (the entries are sealed either way): the failure is logged.
pub fn export(data_dir: &Path, checkpoint: &Checkpoint) {
    let line = serde_json::to_string(checkpoint).unwrap_or_default();
    tracing::info!(checkpoint = %line, "audit checkpoint");
    let path = data_dir.join(CHECKPOINT_FILE);
    let appended = std::fs::create_dir_all(data_dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()))
    });
    if let Err(error) = appended {
        tracing::error!(%error, path = %path.display(), "cannot append the audit checkpoint");
    }
}

/// A checkpoint file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointFileError {
    #[error("{path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}, line {line}: not a checkpoint: {source}")]
    Malformed {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
}

/// The checkpoints in a file written by [`export`] — or a file of the `checkpoint` values of
/// the log's "audit checkpoint" lines. Blank lines are skipped.
pub fn read_checkpoints(path: &Path) -> Result<Vec<Checkpoint>, CheckpointFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| CheckpointFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| CheckpointFileError::Malformed {
                path: path.to_path_buf(),
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub entries: i64,
    pub unsealed: i64,
    /// Entries below this position were sealed before the chain was keyed.
    pub keyed_from: i64,
    /// Checkpoints the chain was found to pass through.
    pub checkpoints: usize,
}

/// Walks the whole chain from the start, with `key`, through `checkpoints` to the head: the
/// first break found, or how much verified.
pub fn verify(
    conn: &mut DbConnection,
    key: &AuditKey,
    checkpoints: Vec<Checkpoint>,
) -> Result<Result<Verified, ChainBreak>, AppError> {
    const PAGE: i64 = 5000;
    let head = audit::head(conn)?;
    let count = checkpoints.len();
    let mut walk = match Walk::new(key, head.keyed_from, checkpoints) {
        Ok(walk) => walk,
        Err(broken) => return Ok(Err(broken)),
    };
    loop {
        let page = audit::sealed_page(conn, walk.position(), PAGE)?;
        if page.is_empty() {
            break;
        }
        if let Err(broken) = walk.page(&page) {
            return Ok(Err(broken));
        }
    }
    let unsealed = audit::unsealed(conn)?;
    Ok(walk.finish(&head).map(|entries| Verified {
        entries,
        unsealed,
        keyed_from: head.keyed_from,
        checkpoints: count,
    }))
}
