//! Report-ready facts (migration `000027_report_facts`, docs/reporting.md § Report facts): one
//! row per signal, signal concern, case and referral with what the indicators count — area,
//! milestones, record keys — so that an area's period is read from one index range of one
//! table, without the source tables.
//!
//! Each fact table is defined once, as a `SELECT` over the source tables ([`Fact::select`]).
//! That one definition serves three ways:
//! - **kept**: the application layer calls [`signal`], [`child_signals`], [`case`],
//!   [`child_cases`] and [`referral`] in the transaction of every event that changes a fact; each
//!   deletes the entity's fact rows and inserts them again from the definition, restricted to
//!   the entity — the same transaction, so a fact can never be ahead of or behind its source;
//! - **rebuilt**: [`rebuild`] empties the tables and fills them from the definition (upgrades,
//!   a dataset loaded with `COPY`, a repair);
//! - **verified**: [`verify`] compares the tables with the definition, row by row (`EXCEPT` both
//!   ways), and names what differs.
//!
//! The indicators read from these tables in `crate::reports::kpi_counts`.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::DbConnection;
use crate::error::DbError;
use crate::reports::record_key_sql;

/// A fact table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    Signals,
    SignalConcerns,
    Cases,
    Referrals,
}

impl Fact {
    pub const ALL: [Fact; 4] = [
        Fact::Signals,
        Fact::SignalConcerns,
        Fact::Cases,
        Fact::Referrals,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Fact::Signals => "report_signals",
            Fact::SignalConcerns => "report_signal_concerns",
            Fact::Cases => "report_cases",
            Fact::Referrals => "report_referrals",
        }
    }

    /// The table's columns, in the order of [`Fact::select`].
    fn columns(self) -> &'static str {
        match self {
            Fact::Signals => {
                "signal_id, record_key, region_code, district_code, received_at, source, status, \
                 triage_due_at, triaged_at, child_id, previous_received_at"
            }
            Fact::SignalConcerns => {
                "signal_id, concern, record_key, region_code, district_code, received_at"
            }
            Fact::Cases => {
                "case_id, record_key, region_code, district_code, child_id, child_key, opened_at, \
                 signal_received_at, first_seen_at, first_approved_at, closed_at, closure_reason"
            }
            Fact::Referrals => {
                "referral_id, record_key, case_id, region_code, district_code, child_id, child_key, \
                 kind, organisation_kind, status, created_at, responded_at, completed_at, withdrawn_at"
            }
        }
    }

    /// The positions of the region and the time that the indicators select on: a rebuild
    /// writes the rows in this order, so that an area's period lies on few pages.
    fn clustered(self) -> &'static str {
        match self {
            Fact::Signals => "3, 5",
            Fact::SignalConcerns => "4, 6",
            Fact::Cases => "3, 7",
            Fact::Referrals => "4, 11",
        }
    }

    /// The column naming the entity of a row (for `verify`'s examples).
    fn id_column(self) -> &'static str {
        match self {
            Fact::Signals | Fact::SignalConcerns => "signal_id",
            Fact::Cases => "case_id",
            Fact::Referrals => "referral_id",
        }
    }

    /// What the table holds, from the source tables: the definition of the facts. `filter` (a
    /// condition on the aliases `s` (signals), `c` (cases) and `r` (referrals), or `TRUE`)
    /// restricts it to some entities.
    fn select(self, postgres: bool, filter: &str) -> String {
        let key = |column: &str| record_key_sql(postgres, column);
        match self {
            // The latest earlier signal about the same child, anywhere: a signal is a repeat
            // when it falls within the twelve calendar months before (`kpi::is_repeat`).
            Fact::Signals => format!(
                "SELECT s.id AS signal_id, {}, s.region_code, s.district_code, s.received_at, s.source, \
                 s.status, s.triage_due_at, s.triaged_at, s.child_id, \
                 (SELECT MAX(e.received_at) FROM signals e \
                  WHERE e.child_id = s.child_id AND e.received_at < s.received_at) \
                 FROM signals s WHERE {filter}",
                key("s.id")
            ),
            Fact::SignalConcerns => format!(
                "SELECT sc.signal_id, sc.concern, {}, s.region_code, s.district_code, s.received_at \
                 FROM signal_concerns sc JOIN signals s ON s.id = sc.signal_id WHERE {filter}",
                key("s.id")
            ),
            // The milestones: the signal that opened the case received, the child first seen in
            // person, the first approval of a plan version that is still approved.
            Fact::Cases => format!(
                "SELECT c.id AS case_id, {}, c.region_code, c.district_code, c.child_id, {}, c.opened_at, \
                 (SELECT MIN(o.received_at) FROM signals o \
                  WHERE o.case_id = c.id AND o.status = 'case_opened'), \
                 (SELECT MIN(i.occurred_at) FROM interventions i \
                  WHERE i.case_id = c.id AND i.child_seen), \
                 (SELECT MIN(p.decided_at) FROM plans p \
                  WHERE p.case_id = c.id AND p.status = 'approved'), \
                 c.closed_at, c.closure_reason \
                 FROM cases c WHERE {filter}",
                key("c.id"),
                key("c.child_id")
            ),
            // Placed by the case it was sent from, as the indicators place it.
            Fact::Referrals => format!(
                "SELECT r.id AS referral_id, {}, r.case_id, c.region_code, c.district_code, c.child_id, {}, \
                 r.kind, o.kind, r.status, r.created_at, r.responded_at, r.completed_at, \
                 r.withdrawn_at \
                 FROM referrals r JOIN cases c ON c.id = r.case_id \
                 JOIN organisations o ON o.id = r.to_organisation_id WHERE {filter}",
                key("r.id"),
                key("c.child_id")
            ),
        }
    }

    /// The ids, in the source, of the entities `filter` selects (what to delete before
    /// inserting them again).
    fn source_ids(self, filter: &str) -> String {
        match self {
            Fact::Signals | Fact::SignalConcerns => {
                format!("SELECT s.id FROM signals s WHERE {filter}")
            }
            Fact::Cases => format!("SELECT c.id FROM cases c WHERE {filter}"),
            Fact::Referrals => format!(
                "SELECT r.id FROM referrals r JOIN cases c ON c.id = r.case_id WHERE {filter}"
            ),
        }
    }
}

fn is_postgres(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Postgres(_))
}

/// A statement with text parameters written `?`, on either backend.
pub(crate) fn execute(
    conn: &mut DbConnection,
    sql: &str,
    params: &[&str],
) -> Result<usize, DbError> {
    Ok(match conn {
        DbConnection::Postgres(pg) => {
            let mut query = diesel::sql_query(crate::reports::numbered(sql)).into_boxed();
            for p in params {
                query = query.bind::<Text, _>(p.to_string());
            }
            query.execute(pg)?
        }
        DbConnection::Sqlite(sqlite) => {
            let mut query = diesel::sql_query(sql).into_boxed();
            for p in params {
                query = query.bind::<Text, _>(p.to_string());
            }
            query.execute(sqlite)?
        }
    })
}

/// Deletes the fact rows of the entities `filter` selects (with `params`, one per `?`) and
/// writes them again from the source.
fn refresh(
    conn: &mut DbConnection,
    fact: Fact,
    filter: &str,
    params: &[&str],
) -> Result<(), DbError> {
    let postgres = is_postgres(conn);
    let table = fact.table();
    let id = fact.id_column();
    execute(
        conn,
        &format!(
            "DELETE FROM {table} WHERE {id} IN ({})",
            fact.source_ids(filter)
        ),
        params,
    )?;
    execute(
        conn,
        &format!(
            "INSERT INTO {table} ({}) {}",
            fact.columns(),
            fact.select(postgres, filter)
        ),
        params,
    )?;
    Ok(())
}

/// Makes the other transactions that keep the same facts wait until this one ends
/// (PostgreSQL; SQLite runs one writer at a time): `SELECT 1 FROM {table} WHERE {filter} FOR NO
/// KEY UPDATE` — not `FOR UPDATE`, which would wait for the key-share lock another event's
/// insert holds on the same child (a signal's foreign key) while that event waits for this one.
///
/// A fact is rewritten from the source rows its transaction sees. Under READ COMMITTED, two
/// events about one child at the same moment (two signals, a signal and its sibling's triage)
/// would each miss the other's uncommitted rows: the second `DELETE` skips the rows the first
/// inserted, its `INSERT` collides with them (a 409 for a mobile group's signal, seen at
/// national scale), and where it does not collide the facts of the one committed last lack the
/// other's signal or visit — a drift `verify` would find. Each refresh therefore first locks
/// the row that owns the facts it rewrites, always in the same order (the child, then the
/// signal; the case, whose referrals' facts it also rewrites), so the second waits and then
/// reads what the first committed.
fn serialise(
    conn: &mut DbConnection,
    table: &str,
    filter: &str,
    param: &str,
) -> Result<(), DbError> {
    if is_postgres(conn) {
        execute(
            conn,
            &format!("SELECT 1 FROM {table} WHERE {filter} FOR NO KEY UPDATE"),
            &[param],
        )?;
    }
    Ok(())
}

/// A signal was received, triaged or edited: its facts and its concerns. A signal about a
/// child also moves the repeat facts of the child's later signals: see [`child_signals`].
pub fn signal(conn: &mut DbConnection, signal_id: &str) -> Result<(), DbError> {
    serialise(
        conn,
        "children",
        "id = (SELECT child_id FROM signals WHERE id = ?)",
        signal_id,
    )?;
    serialise(conn, "signals", "id = ?", signal_id)?;
    refresh(conn, Fact::Signals, "s.id = ?", &[signal_id])?;
    refresh(conn, Fact::SignalConcerns, "s.id = ?", &[signal_id])
}

/// A signal's concerns (with its area and time).
pub fn signal_concerns(conn: &mut DbConnection, signal_id: &str) -> Result<(), DbError> {
    serialise(conn, "signals", "id = ?", signal_id)?;
    refresh(conn, Fact::SignalConcerns, "s.id = ?", &[signal_id])
}

/// The signals about a child changed (moved to or from the child by a merge, or retimed): each
/// one's latest earlier signal is looked up again.
pub fn child_signals(conn: &mut DbConnection, child_id: &str) -> Result<(), DbError> {
    serialise(conn, "children", "id = ?", child_id)?;
    refresh(conn, Fact::Signals, "s.child_id = ?", &[child_id])
}

/// A signal about a child was received, or its child identified: its facts, and the repeat
/// facts of the child's signals received at or after it — the only ones whose latest earlier
/// signal it can be. The earlier ones keep theirs: rewriting all of a child's signals for each
/// new one cost time growing with the square of the child's signals (`POST /signals` p99
/// 533 ms in the national benchmark, whose 32 children got hundreds of signals each).
pub fn child_signals_from(
    conn: &mut DbConnection,
    child_id: &str,
    signal_id: &str,
) -> Result<(), DbError> {
    serialise(conn, "children", "id = ?", child_id)?;
    refresh(
        conn,
        Fact::Signals,
        "s.child_id = ? AND s.received_at >= (SELECT f.received_at FROM signals f WHERE f.id = ?)",
        &[child_id, signal_id],
    )
}

/// A case was opened, moved on, closed, reopened, transferred, or reached a milestone (child
/// seen, plan approved): its facts and those of its referrals, which are placed by it.
pub fn case(conn: &mut DbConnection, case_id: &str) -> Result<(), DbError> {
    serialise(conn, "cases", "id = ?", case_id)?;
    refresh(conn, Fact::Cases, "c.id = ?", &[case_id])?;
    refresh(conn, Fact::Referrals, "r.case_id = ?", &[case_id])
}

/// The cases of a child changed hands (a merge or its undoing): their facts and referrals.
pub fn child_cases(conn: &mut DbConnection, child_id: &str) -> Result<(), DbError> {
    serialise(conn, "cases", "child_id = ?", child_id)?;
    refresh(conn, Fact::Cases, "c.child_id = ?", &[child_id])?;
    refresh(conn, Fact::Referrals, "c.child_id = ?", &[child_id])
}

/// A referral was sent or answered, completed or withdrawn: its facts, under its case's lock
/// (see [`case`]).
pub fn referral(conn: &mut DbConnection, referral_id: &str) -> Result<(), DbError> {
    serialise(
        conn,
        "cases",
        "id = (SELECT case_id FROM referrals WHERE id = ?)",
        referral_id,
    )?;
    refresh(conn, Fact::Referrals, "r.id = ?", &[referral_id])
}

/// Rows written per fact table by [`rebuild`], and district-months computed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub rows: Vec<(Fact, usize)>,
    pub months: usize,
}

/// The triggers that mark a fact's month when its row changes (`crate::report_months`).
const MARK_TRIGGERS: [(&str, &str); 4] = [
    ("report_signals", "report_signals_marks"),
    ("report_signal_concerns", "report_signal_concerns_marks"),
    ("report_cases", "report_cases_marks"),
    ("report_referrals", "report_referrals_marks"),
];

/// Empties every fact table and fills it from the source tables, then the month rows from the
/// facts. Run it in a transaction: the indicators read either the old facts or the new ones.
/// On PostgreSQL the tables' mark triggers are off meanwhile (a mark per row rewritten, then
/// deleted, would cost more than the rebuild); SQLite cannot turn a trigger off, and drops
/// those marks at the end.
pub fn rebuild(conn: &mut DbConnection) -> Result<Rebuilt, DbError> {
    let postgres = is_postgres(conn);
    let switch = |conn: &mut DbConnection, on: &str| -> Result<(), DbError> {
        if postgres {
            for (table, trigger) in MARK_TRIGGERS {
                execute(
                    conn,
                    &format!("ALTER TABLE {table} {on} TRIGGER {trigger}"),
                    &[],
                )?;
            }
        }
        Ok(())
    };
    switch(conn, "DISABLE")?;
    let mut rows = Vec::new();
    for fact in Fact::ALL {
        execute(conn, &format!("DELETE FROM {}", fact.table()), &[])?;
        let n = execute(
            conn,
            &format!(
                "INSERT INTO {} ({}) {} ORDER BY {}",
                fact.table(),
                fact.columns(),
                fact.select(postgres, "1 = 1"),
                fact.clustered()
            ),
            &[],
        )?;
        rows.push((fact, n));
    }
    switch(conn, "ENABLE")?;
    execute(conn, "DELETE FROM report_months", &[])?;
    crate::report_months::mark_all(conn)?;
    let months = crate::report_months::refresh(conn)?;
    Ok(Rebuilt { rows, months })
}

/// After a rebuild, outside its transaction: on PostgreSQL, marks the new rows visible to all
/// (so that the indicators' index-only scans need not visit the table) and gathers the
/// planner's statistics. Nothing to do on SQLite.
pub fn vacuum(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Postgres(pg) = conn {
        let mut tables: Vec<&str> = Fact::ALL.iter().map(|f| f.table()).collect();
        tables.extend(["report_months", "report_marks"]);
        diesel::sql_query(format!("VACUUM (ANALYZE) {}", tables.join(", "))).execute(pg)?;
    }
    Ok(())
}

/// How one fact table compares with its definition over the source tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compared {
    pub fact: Fact,
    /// Rows the source gives that the table lacks or holds otherwise.
    pub missing: i64,
    /// Rows of the table that the source does not give.
    pub unexpected: i64,
    /// Some of the entities concerned (ids), for a first look.
    pub examples: Vec<String>,
}

impl Compared {
    pub fn agrees(&self) -> bool {
        self.missing == 0 && self.unexpected == 0
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

fn load_by_name<T>(conn: &mut DbConnection, sql: String) -> Result<Vec<T>, DbError>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    Ok(match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(sql).load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(sql).load(sqlite)?,
    })
}

/// Compares every fact table with the source tables, row by row and value by value.
pub fn verify(conn: &mut DbConnection) -> Result<Vec<Compared>, DbError> {
    let postgres = is_postgres(conn);
    let mut out = Vec::new();
    for fact in Fact::ALL {
        let expected = fact.select(postgres, "1 = 1");
        let stored = format!("SELECT {} FROM {}", fact.columns(), fact.table());
        let missing_rows = format!("{expected} EXCEPT {stored}");
        let unexpected_rows = format!("{stored} EXCEPT {expected}");
        let count = |conn: &mut DbConnection, rows: &str| -> Result<i64, DbError> {
            let counted: Vec<Count> =
                load_by_name(conn, format!("SELECT COUNT(*) AS n FROM ({rows}) d"))?;
            Ok(counted.first().map_or(0, |c| c.n))
        };
        let missing = count(conn, &missing_rows)?;
        let unexpected = count(conn, &unexpected_rows)?;
        let mut examples = Vec::new();
        for rows in [&missing_rows, &unexpected_rows] {
            // The first column is the entity's id, named alike on both sides.
            let ids: Vec<Id> = load_by_name(
                conn,
                format!(
                    "SELECT DISTINCT {} AS id FROM ({rows}) d ORDER BY id LIMIT 5",
                    fact.id_column()
                ),
            )?;
            examples.extend(ids.into_iter().map(|i| i.id));
        }
        examples.sort();
        examples.dedup();
        out.push(Compared {
            fact,
            missing,
            unexpected,
            examples,
        });
    }
    Ok(out)
}

/// Every region's code, in order (the areas `qorgau reports verify --kpis` compares).
pub fn regions(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    use crate::schema::regions;
    Ok(regions::table
        .select(regions::code)
        .order(regions::code)
        .load(conn)?)
}
