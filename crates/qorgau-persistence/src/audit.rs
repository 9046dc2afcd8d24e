//! The audit log: appended in the transaction of the access it records, sealed into the hash
//! chain afterwards (see `qorgau_domain::audit` for why), read for review and verified.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::audit::{AuditEntry, Sealed, chain_hash};

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{audit_head, audit_log, break_glass};

/// One access, as written. `seq`, `prev_hash` and `hash` are set by [`seal`].
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub user_id: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_id: String,
    pub child_id: Option<String>,
    pub region_code: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub break_glass: bool,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl AuditRow {
    fn entry(&self) -> AuditEntry {
        AuditEntry {
            id: self.id.clone(),
            at: self.at,
            user_id: self.user_id.clone(),
            action: self.action.clone(),
            resource: self.resource.clone(),
            resource_id: self.resource_id.clone(),
            child_id: self.child_id.clone(),
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
            break_glass: self.break_glass,
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

/// Seals up to `limit` unsealed entries, oldest id first, continuing the chain from its head;
/// returns how many. Call inside a write transaction: on PostgreSQL the head row is locked
/// (`FOR UPDATE`), so concurrent sealers queue and each entry is sealed once; on SQLite the
/// write transaction is already exclusive.
pub fn seal(conn: &mut DbConnection, limit: i64) -> Result<usize, DbError> {
    let head = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash));
    let (mut seq, mut hash): (i64, String) = match conn {
        DbConnection::Postgres(pg) => head.for_update().first(pg)?,
        DbConnection::Sqlite(lite) => head.first(lite)?,
    };
    let pending: Vec<AuditRow> = audit_log::table
        .filter(audit_log::seq.is_null())
        .order(audit_log::id)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    for row in &pending {
        seq += 1;
        let next = chain_hash(seq, &hash, &row.entry());
        diesel::update(audit_log::table.find(&row.id))
            .set((
                audit_log::seq.eq(seq),
                audit_log::prev_hash.eq(&hash),
                audit_log::hash.eq(&next),
            ))
            .execute(conn)?;
        hash = next;
    }
    if !pending.is_empty() {
        diesel::update(audit_head::table.find(1))
            .set((audit_head::seq.eq(seq), audit_head::hash.eq(&hash)))
            .execute(conn)?;
    }
    Ok(pending.len())
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
        .map(|r| Sealed {
            seq: r.seq.unwrap_or_default(),
            prev_hash: r.prev_hash.clone().unwrap_or_default(),
            hash: r.hash.clone().unwrap_or_default(),
            entry: r.entry(),
        })
        .collect())
}

/// The chain's recorded head: (last position, its hash).
pub fn head(conn: &mut DbConnection) -> Result<(i64, String), DbError> {
    Ok(audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?)
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
    pub child_id: Option<String>,
    pub user_id: Option<String>,
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
    pub id: String,
    pub case_id: String,
    pub user_id: String,
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
    case: &str,
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
