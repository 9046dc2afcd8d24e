//! Keeping the report facts (docs/reporting.md § Report facts) in the transaction of each event
//! that changes one: the use cases below call these at the single place where the milestone
//! happens, and each rewrites the entity's facts from the source rows just written
//! (`qorgau_persistence::report_facts`).
//!
//! | event | use case | facts |
//! |---|---|---|
//! | signal received, resent before triage | `signals::file` | the signal, the child's signals from it on (repeats) |
//! | signal triaged (case opened, linked, screened out) | `signals::triage::triage` | the signal, the child's signals from it on, the case |
//! | case moved on, closed, reopened | `transitions`, `assessments` | the case |
//! | case transferred to another area | `transfers::accept` | the case and its referrals |
//! | child seen (intervention) | `interventions::record` | the case |
//! | plan approved or returned | `plans::decide_plan` | the case |
//! | referral sent (by hand or by the protocol), answered, completed, withdrawn | `referrals`, `protocol` | the referral |
//! | children merged, merge undone | `merging` | both children's signals and cases |
//!
//! Rebuilding them all (`qorgau reports rebuild`) and comparing them with the source
//! (`qorgau reports verify`): [`rebuild`], [`verify`].

use std::fmt::Display;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use qorgau_domain::report::kpi::Kpis;
use qorgau_domain::report::{Area, Period};

use qorgau_persistence::report_facts::{self, Compared, Rebuilt};
use qorgau_persistence::report_months::{self, MonthsCompared};
use qorgau_persistence::{DbConnection, write};

use crate::error::AppError;
use crate::reports;

/// A signal was written: its facts, and the repeat facts of its child's signals from it on.
pub(crate) fn signal(
    conn: &mut DbConnection,
    signal_id: impl Display,
    child_id: Option<impl Display>,
) -> Result<(), AppError> {
    let signal = signal_id.to_string();
    match child_id {
        // This one and the child's later signals.
        Some(child) => {
            report_facts::child_signals_from(conn, &child.to_string(), &signal)?;
            report_facts::signal_concerns(conn, &signal)?;
        }
        None => report_facts::signal(conn, &signal)?,
    }
    Ok(())
}

/// A case was written: its facts and its referrals'.
pub(crate) fn case(conn: &mut DbConnection, case_id: impl Display) -> Result<(), AppError> {
    Ok(report_facts::case(conn, &case_id.to_string())?)
}

/// A referral was written.
pub(crate) fn referral(conn: &mut DbConnection, referral_id: impl Display) -> Result<(), AppError> {
    Ok(report_facts::referral(conn, &referral_id.to_string())?)
}

/// A child's signals or cases changed hands: all of the child's facts.
pub(crate) fn child(conn: &mut DbConnection, child_id: impl Display) -> Result<(), AppError> {
    let child = child_id.to_string();
    report_facts::child_signals(conn, &child)?;
    report_facts::child_cases(conn, &child)?;
    Ok(())
}

/// `qorgau reports rebuild`: every fact recomputed from the source tables, in one transaction;
/// then (PostgreSQL) the new rows vacuumed and analysed, for the indicators' index-only scans.
pub fn rebuild(conn: &mut DbConnection) -> Result<Rebuilt, AppError> {
    let rebuilt = write(conn, |tx| Ok::<_, AppError>(report_facts::rebuild(tx)?))?;
    report_facts::vacuum(conn)?;
    Ok(rebuilt)
}

/// `qorgau reports verify`: every fact table compared with the source tables, and every month
/// row with the facts (read in one transaction, so that a concurrent event cannot show as a
/// difference).
pub fn verify(conn: &mut DbConnection) -> Result<(Vec<Compared>, MonthsCompared), AppError> {
    write(conn, |tx| {
        Ok::<_, AppError>((report_facts::verify(tx)?, report_months::verify(tx)?))
    })
}

/// The worker's step: the district-months marked since its last pass computed again from the
/// facts (docs/reporting.md § Month facts); returns how many.
pub fn refresh_months(conn: &mut DbConnection) -> Result<usize, AppError> {
    write(conn, |tx| Ok::<_, AppError>(report_months::refresh(tx)?))
}

/// The indicators of one area computed both ways.
pub struct KpiComparison {
    pub area: Area,
    /// From the report facts (what `GET /reports/kpis` serves), and how long it took.
    pub from_facts: Kpis,
    pub facts_time: Duration,
    /// From the source tables (the reference), and how long it took.
    pub from_source: Kpis,
    pub source_time: Duration,
}

impl KpiComparison {
    pub fn agrees(&self) -> bool {
        self.from_facts == self.from_source
    }
}

/// Every indicator of `period` computed from the facts and from the source tables, for the
/// whole country and each region (or only `region`), as of `now`; in one transaction.
pub fn compare_kpis(
    conn: &mut DbConnection,
    period: &Period,
    now: NaiveDateTime,
    region: Option<&str>,
) -> Result<Vec<KpiComparison>, AppError> {
    write(conn, |tx| {
        let mut areas = vec![Area {
            region: None,
            district: None,
        }];
        for code in report_facts::regions(tx)? {
            if region.is_none_or(|r| r == code) {
                areas.push(Area {
                    region: Some(code),
                    district: None,
                });
            }
        }
        if region.is_some() {
            areas.remove(0);
        }
        let mut out = Vec::new();
        for area in areas {
            let started = Instant::now();
            let from_facts = reports::indicators(tx, &area, period, now)?;
            let facts_time = started.elapsed();
            let started = Instant::now();
            let from_source = reports::indicators_from_source(tx, &area, period, now)?;
            let source_time = started.elapsed();
            out.push(KpiComparison {
                area,
                from_facts,
                facts_time,
                from_source,
                source_time,
            });
        }
        Ok(out)
    })
}
