//! Signals and their concerns.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::access::Scope;
use qorgau_domain::ids::{CaseId, ChildId, SignalId, SignalReportId, UserId};
use qorgau_domain::signal::SignalStatus;
use qorgau_domain::taxonomy::{RiskLevel, SignalSource};

use crate::error::DbError;
use crate::schema::{signal_concerns, signal_reports, signals};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = signals)]
pub struct SignalRow {
    pub id: SignalId,
    pub source: SignalSource,
    pub external_ref: Option<String>,
    pub urgency: Option<RiskLevel>,
    pub description: String,
    pub observed_at: Option<NaiveDateTime>,
    pub region_code: String,
    pub district_code: String,
    pub child_id: Option<ChildId>,
    pub child_facts: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_relation: Option<String>,
    pub reporter_anonymous: bool,
    pub status: SignalStatus,
    pub received_at: NaiveDateTime,
    pub triage_due_at: NaiveDateTime,
    pub filed_by: UserId,
    pub triaged_at: Option<NaiveDateTime>,
    pub triaged_by: Option<UserId>,
    pub risk_level: Option<RiskLevel>,
    pub screen_out_reason: Option<String>,
    pub case_id: Option<CaseId>,
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Default)]
pub struct SignalFilter {
    pub status: Option<String>,
    pub region_code: Option<String>,
    pub district_code: Option<String>,
    pub source: Option<String>,
    /// The signals about one child (its file's export).
    pub child_id: Option<ChildId>,
}

/// A signal with its concerns, in the order given.
pub fn insert(conn: &mut DbConnection, row: &SignalRow, concerns: &[&str]) -> Result<(), DbError> {
    diesel::insert_into(signals::table)
        .values(row)
        .execute(conn)?;
    // A new signal has no concerns to replace: no DELETE (docs/benchmarks.md).
    add_concerns(conn, row.id, concerns)
}

fn set_concerns(
    conn: &mut DbConnection,
    signal_id: SignalId,
    concerns: &[&str],
) -> Result<(), DbError> {
    diesel::delete(signal_concerns::table.filter(signal_concerns::signal_id.eq(signal_id)))
        .execute(conn)?;
    add_concerns(conn, signal_id, concerns)
}

/// All the concerns in one multi-row INSERT: one round trip whatever their number. The
/// MultiConnection has no multi-row INSERT, each backend's connection has.
fn add_concerns(
    conn: &mut DbConnection,
    signal_id: SignalId,
    concerns: &[&str],
) -> Result<(), DbError> {
    if concerns.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = concerns
        .iter()
        .map(|c| {
            (
                signal_concerns::signal_id.eq(signal_id),
                signal_concerns::concern.eq(*c),
            )
        })
        .collect();
    let insert = diesel::insert_into(signal_concerns::table).values(&rows);
    match conn {
        DbConnection::Postgres(pg) => insert.execute(pg)?,
        DbConnection::Sqlite(lite) => insert.execute(lite)?,
    };
    Ok(())
}

/// Replaces what the reporter said (content), leaving identity, filing and triage as they are.
pub fn update_content(
    conn: &mut DbConnection,
    row: &SignalRow,
    concerns: &[&str],
) -> Result<(), DbError> {
    diesel::update(signals::table.find(&row.id))
        .set((
            signals::urgency.eq(&row.urgency),
            signals::description.eq(&row.description),
            signals::observed_at.eq(row.observed_at),
            signals::child_facts.eq(&row.child_facts),
            signals::child_id.eq(&row.child_id),
            signals::reporter_name.eq(&row.reporter_name),
            signals::reporter_phone.eq(&row.reporter_phone),
            signals::reporter_relation.eq(&row.reporter_relation),
            signals::reporter_anonymous.eq(row.reporter_anonymous),
            signals::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    set_concerns(conn, row.id, concerns)
}

pub fn find(conn: &mut DbConnection, id: SignalId) -> Result<Option<SignalRow>, DbError> {
    Ok(signals::table
        .find(id)
        .select(SignalRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_external_ref(
    conn: &mut DbConnection,
    source: SignalSource,
    external_ref: &str,
) -> Result<Option<SignalRow>, DbError> {
    Ok(signals::table
        .filter(signals::source.eq(source))
        .filter(signals::external_ref.eq(external_ref))
        .select(SignalRow::as_select())
        .first(conn)
        .optional()?)
}

/// Concerns of many signals in one query (never one per row).
pub fn concerns_of(
    conn: &mut DbConnection,
    ids: &[SignalId],
) -> Result<HashMap<SignalId, Vec<String>>, DbError> {
    let rows: Vec<(SignalId, String)> = signal_concerns::table
        .filter(signal_concerns::signal_id.eq_any(ids))
        .select((signal_concerns::signal_id, signal_concerns::concern))
        .load(conn)?;
    let mut map: HashMap<SignalId, Vec<String>> = HashMap::new();
    for (id, concern) in rows {
        map.entry(id).or_default().push(concern);
    }
    for list in map.values_mut() {
        list.sort();
    }
    Ok(map)
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &SignalFilter,
    page: &Page,
) -> Result<Vec<SignalRow>, DbError> {
    let mut query = signals::table
        .select(SignalRow::as_select())
        .order(signals::id)
        .limit(page.limit)
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Region(r) => query.filter(signals::region_code.eq(r.clone())),
        Scope::District(d) => query.filter(signals::district_code.eq(d.clone())),
        Scope::Own(u) => query.filter(signals::filed_by.eq(u.to_string())),
        Scope::Organisation(_) => query.filter(signals::id.eq_any(Vec::<String>::new())),
    };
    if let Some(status) = &filter.status {
        query = query.filter(signals::status.eq(status.clone()));
    }
    if let Some(region) = &filter.region_code {
        query = query.filter(signals::region_code.eq(region.clone()));
    }
    if let Some(district) = &filter.district_code {
        query = query.filter(signals::district_code.eq(district.clone()));
    }
    if let Some(source) = &filter.source {
        query = query.filter(signals::source.eq(source.clone()));
    }
    if let Some(child) = filter.child_id {
        query = query.filter(signals::child_id.eq(child));
    }
    if let Some(after) = &page.after {
        query = query.filter(signals::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// The outcome of a triage, recorded only if the signal is still untriaged: of two concurrent
/// triages exactly one changes a row. Returns whether this one did.
pub struct TriageRecord<'a> {
    pub status: SignalStatus,
    pub triaged_by: UserId,
    pub at: NaiveDateTime,
    pub risk_level: Option<RiskLevel>,
    pub screen_out_reason: Option<&'a str>,
    pub case_id: Option<CaseId>,
    pub child_id: Option<ChildId>,
}

pub fn record_triage(
    conn: &mut DbConnection,
    id: SignalId,
    t: &TriageRecord<'_>,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        signals::table
            .find(id)
            .filter(signals::status.eq(SignalStatus::Received)),
    )
    .set((
        signals::status.eq(t.status),
        signals::triaged_by.eq(t.triaged_by),
        signals::triaged_at.eq(t.at),
        signals::risk_level.eq(t.risk_level),
        signals::screen_out_reason.eq(t.screen_out_reason),
        signals::case_id.eq(t.case_id),
        signals::child_id.eq(t.child_id),
        signals::updated_at.eq(t.at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A report sent again for a triaged signal, kept beside it (issue 17, finding 1).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = signal_reports)]
pub struct SignalReportRow {
    pub id: SignalReportId,
    pub signal_id: SignalId,
    pub received_at: NaiveDateTime,
    pub filed_by: UserId,
    /// Concern codes, comma-separated.
    pub concerns: String,
    pub urgency: Option<RiskLevel>,
    pub description: String,
    pub observed_at: Option<NaiveDateTime>,
    pub child_facts: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_relation: Option<String>,
    pub reporter_anonymous: bool,
}

pub fn add_report(conn: &mut DbConnection, row: &SignalReportRow) -> Result<(), DbError> {
    diesel::insert_into(signal_reports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A page of a signal's later reports, oldest first.
pub fn reports(
    conn: &mut DbConnection,
    signal_id: SignalId,
    page: &Page,
) -> Result<Vec<SignalReportRow>, DbError> {
    let mut query = signal_reports::table
        .filter(signal_reports::signal_id.eq(signal_id))
        .select(SignalReportRow::as_select())
        .order(signal_reports::id)
        .limit(page.limit)
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(signal_reports::id.gt(after.clone()));
    }
    Ok(query.load(conn)?)
}

/// How many later reports each of `ids` has (absent: none), in one query.
pub fn report_counts(
    conn: &mut DbConnection,
    ids: &[SignalId],
) -> Result<HashMap<SignalId, i64>, DbError> {
    let rows: Vec<(SignalId, i64)> = signal_reports::table
        .filter(signal_reports::signal_id.eq_any(ids))
        .group_by(signal_reports::signal_id)
        .select((signal_reports::signal_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Signals still awaiting triage whose clock runs out before `until` (and after `after`, if
/// given) and that still await their reminder (or escalation): the worker's candidates, oldest
/// due first, index-backed by `signals_triage_clock` (triage_due_at, where status is received).
/// Reminders pass `after` = now: a lapsed clock is past its reminder, and must not fill the
/// batch in place of the ones still running.
pub fn awaiting_triage(
    conn: &mut DbConnection,
    after: Option<NaiveDateTime>,
    until: NaiveDateTime,
    escalation: bool,
    limit: i64,
) -> Result<Vec<SignalRow>, DbError> {
    let mut query = signals::table
        .filter(signals::status.eq(SignalStatus::Received))
        .filter(signals::triage_due_at.lt(until))
        .order(signals::triage_due_at)
        .limit(limit)
        .select(SignalRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(signals::triage_due_at.gt(after));
    }
    Ok(if escalation {
        query
            .filter(signals::triage_escalated_at.is_null())
            .load(conn)?
    } else {
        query
            .filter(signals::triage_reminded_at.is_null())
            .load(conn)?
    })
}

/// Claims the triage reminder (or escalation) of a signal still awaiting triage: of several
/// workers racing, exactly one sees `true` — the conditional update is the lock. A signal
/// triaged meanwhile is not claimed.
pub fn claim_triage_clock(
    conn: &mut DbConnection,
    id: SignalId,
    escalation: bool,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let target = signals::table
        .find(id)
        .filter(signals::status.eq(SignalStatus::Received));
    let changed = if escalation {
        diesel::update(target.filter(signals::triage_escalated_at.is_null()))
            .set(signals::triage_escalated_at.eq(at))
            .execute(conn)?
    } else {
        diesel::update(target.filter(signals::triage_reminded_at.is_null()))
            .set(signals::triage_reminded_at.eq(at))
            .execute(conn)?
    };
    Ok(changed == 1)
}
