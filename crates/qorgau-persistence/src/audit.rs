//! The audit log: appended in the transaction of the access it records, sealed into the hash
//! chain afterwards (see `qorgau_domain::audit` for why), read for review and verified. The
//! hashing is the domain's and the sealing the api crate's (`qorgau_api::audit`); here are the
//! rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::audit::{AuditEntry, Head, Sealed};

use crate::DbConnection;
use crate::error::DbError;
use qorgau_domain::ids::{BreakGlassId, CaseId, ChildId, UserId};

use crate::schema::{audit_head, audit_log, break_glass};

/// One access, as written. `seq`, `prev_hash` and `hash` are set by [`seal`].
///
/// Unlike the other rows, an entry keeps its ids (`id`, `user_id`, `child_id`) as the text
/// stored: the log is evidence, hash-chained, and an entry edited in the database — even to a
/// value that is no id — must still be read, so that the chain's verification reports it as
/// edited and a review shows what is there, rather than the read failing. Entries are written
/// from typed ids (`AuditEntryId`, `UserId`, `ChildId`) and filtered by them.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub user_id: Option<String>,
    pub action: String,
    pub resource: String,
    /// The id of the record reached, of the kind `resource` names (a case, a child, a user, a
    /// document, a retention run…): one column for every kind, so it stays the text all ids
    /// are stored as.
    pub resource_id: String,
    pub child_id: Option<String>,
    pub region_code: Option<String>,
    pub ip: Option<String>,
    /// The request's `X-Request-Id` (the client's, or one made for it) or a retention run's id:
    /// a correlation tag taken as given, not the id of a record.
    pub request_id: Option<String>,
    pub break_glass: bool,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl AuditRow {
    /// What the chain hashes: every column but the chain's own. A column added to the row does
    /// not compile here until it is mapped (and so hashed, `qorgau_domain::audit::keyed_hash`).
    pub fn entry(&self) -> AuditEntry {
        let AuditRow {
            id,
            at,
            user_id,
            action,
            resource,
            resource_id,
            child_id,
            region_code,
            ip,
            request_id,
            break_glass,
            seq: _,
            prev_hash: _,
            hash: _,
        } = self.clone();
        AuditEntry {
            id,
            at,
            user_id,
            action,
            resource,
            resource_id,
            child_id,
            region_code,
            ip,
            request_id,
            break_glass,
        }
    }
}

/// Appends entries in one multi-row INSERT (a list's entries cost one round trip). The
/// MultiConnection has no multi-row INSERT; each backend's connection has.
pub fn record(conn: &mut DbConnection, rows: &[AuditRow]) -> Result<(), DbError> {
    let insert = diesel::insert_into(audit_log::table).values(rows);
    match conn {
        DbConnection::Postgres(pg) => insert.execute(pg)?,
        DbConnection::Sqlite(lite) => insert.execute(lite)?,
    };
    Ok(())
}

/// The chain's end as stored: one row, id 1 (`qorgau_domain::audit::Head`).
#[derive(Queryable, Selectable, AsChangeset)]
#[diesel(table_name = audit_head, treat_none_as_null = true)]
pub struct HeadRow {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
    pub sealed_at: Option<NaiveDateTime>,
    pub mac: Option<String>,
}

impl From<HeadRow> for Head {
    fn from(r: HeadRow) -> Head {
        Head {
            seq: r.seq,
            hash: r.hash,
            keyed_from: r.keyed_from,
            signed: r.sealed_at.zip(r.mac).map(|(at, mac)| (at.and_utc(), mac)),
        }
    }
}

impl From<&Head> for HeadRow {
    fn from(h: &Head) -> HeadRow {
        let (sealed_at, mac) = h
            .signed
            .clone()
            .map(|(at, mac)| (at.naive_utc(), mac))
            .unzip();
        HeadRow {
            seq: h.seq,
            hash: h.hash.clone(),
            keyed_from: h.keyed_from,
            sealed_at,
            mac,
        }
    }
}

/// The chain's recorded end.
pub fn head(conn: &mut DbConnection) -> Result<Head, DbError> {
    let row: HeadRow = audit_head::table
        .find(1)
        .select(HeadRow::as_select())
        .first(conn)?;
    Ok(row.into())
}

/// The head, locked for sealing until the transaction ends: on PostgreSQL `FOR UPDATE`, so
/// concurrent sealers queue and each entry is sealed once; on SQLite the write transaction is
/// already exclusive. Call inside a write transaction.
pub fn lock_head(conn: &mut DbConnection) -> Result<Head, DbError> {
    let head = audit_head::table.find(1);
    let row: HeadRow = match conn {
        DbConnection::Postgres(pg) => head.select(HeadRow::as_select()).for_update().first(pg)?,
        DbConnection::Sqlite(lite) => head.select(HeadRow::as_select()).first(lite)?,
    };
    Ok(row.into())
}

pub fn set_head(conn: &mut DbConnection, head: &Head) -> Result<(), DbError> {
    diesel::update(audit_head::table.find(1))
        .set(&HeadRow::from(head))
        .execute(conn)?;
    Ok(())
}

/// Up to `limit` unsealed entries, oldest id first: the order they are sealed in.
pub fn pending(conn: &mut DbConnection, limit: i64) -> Result<Vec<AuditRow>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::seq.is_null())
        .order(audit_log::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// Gives the entry `id` its place in the chain.
pub fn mark_sealed(
    conn: &mut DbConnection,
    id: &str,
    seq: i64,
    prev_hash: &str,
    hash: &str,
) -> Result<(), DbError> {
    diesel::update(audit_log::table.find(id))
        .set((
            audit_log::seq.eq(seq),
            audit_log::prev_hash.eq(prev_hash),
            audit_log::hash.eq(hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sealed entries after position `after`, in chain order.
pub fn sealed_page(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<Sealed>, DbError> {
    let rows: Vec<AuditRow> = audit_log::table
        .filter(audit_log::seq.gt(after))
        .order(audit_log::seq)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        // A numbered entry whose chain columns were emptied reads as "": never a hash (64 hex
        // digits, the genesis too), so the walk reports that entry as broken — the answer a
        // verification exists to give — rather than the whole walk failing.
        .map(|r| Sealed {
            seq: r.seq.unwrap_or_default(),
            prev_hash: r.prev_hash.clone().unwrap_or_default(),
            hash: r.hash.clone().unwrap_or_default(),
            entry: r.entry(),
        })
        .collect())
}

pub fn unsealed(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(audit_log::table
        .filter(audit_log::seq.is_null())
        .count()
        .get_result(conn)?)
}

/// Which entries a review asks for. `region` narrows to records of that region.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub region: Option<String>,
    pub child_id: Option<ChildId>,
    pub user_id: Option<UserId>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub break_glass: Option<bool>,
}

/// Entries matching `filter`, newest first, at most `limit`, before the id `before` if given.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRow>, DbError> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(r) = &filter.region {
        q = q.filter(audit_log::region_code.eq(r));
    }
    if let Some(c) = &filter.child_id {
        q = q.filter(audit_log::child_id.eq(c));
    }
    if let Some(u) = &filter.user_id {
        q = q.filter(audit_log::user_id.eq(u));
    }
    if let Some(f) = filter.from {
        q = q.filter(audit_log::at.ge(f));
    }
    if let Some(t) = filter.to {
        q = q.filter(audit_log::at.lt(t));
    }
    if let Some(b) = filter.break_glass {
        q = q.filter(audit_log::break_glass.eq(b));
    }
    if let Some(b) = before {
        q = q.filter(audit_log::id.lt(b));
    }
    Ok(q.order(audit_log::id.desc()).limit(limit).load(conn)?)
}

/// A supervisor's time-limited access to a case outside their scope.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = break_glass)]
pub struct BreakGlassRow {
    pub id: BreakGlassId,
    pub case_id: CaseId,
    pub user_id: UserId,
    pub reason: String,
    pub granted_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub region_code: String,
}

pub fn grant(conn: &mut DbConnection, row: &BreakGlassRow) -> Result<(), DbError> {
    diesel::insert_into(break_glass::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Does `user` hold an unexpired grant on `case` at `now`?
pub fn has_grant(
    conn: &mut DbConnection,
    user: &str,
    case: CaseId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n: i64 = break_glass::table
        .filter(break_glass::user_id.eq(user))
        .filter(break_glass::case_id.eq(case))
        .filter(break_glass::expires_at.gt(now))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The unexpired grants `user` holds at `now`, the soonest to expire first.
pub fn active_grants_of(
    conn: &mut DbConnection,
    user: &str,
    now: NaiveDateTime,
) -> Result<Vec<BreakGlassRow>, DbError> {
    Ok(break_glass::table
        .select(BreakGlassRow::as_select())
        .filter(break_glass::user_id.eq(user))
        .filter(break_glass::expires_at.gt(now))
        .order((break_glass::expires_at.asc(), break_glass::id.asc()))
        .load(conn)?)
}

/// Grants on cases of `region` (all regions when `None`), newest first, older than `before`.
pub fn grants(
    conn: &mut DbConnection,
    region: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<BreakGlassRow>, DbError> {
    let mut q = break_glass::table
        .select(BreakGlassRow::as_select())
        .into_boxed();
    if let Some(r) = region {
        q = q.filter(break_glass::region_code.eq(r));
    }
    if let Some(b) = before {
        q = q.filter(break_glass::id.lt(b));
    }
    Ok(q.order(break_glass::id.desc()).limit(limit).load(conn)?)
}
