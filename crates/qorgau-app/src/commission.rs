//! Matters referred to the commission on minors' affairs (КТІҚҚК): the grounds, the hearing's
//! decision, and the execution of the measures it ordered (api.md § Interagency records).

use chrono::NaiveDate;
use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, CommissionMatterId, CommissionMeasureId};
use qorgau_domain::interagency::{
    CommissionDecision, MeasureStatus, NewCommissionMatter, measure_status,
};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::report::kazakhstan_date;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::commission::{self, MatterRow, MeasureRow};
use qorgau_persistence::{DbConnection, Page, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;
use crate::interagency::require_organisation;

/// A commission matter with its measures.
pub struct Matter {
    pub row: MatterRow,
    pub measures: Vec<Measure>,
}

/// A measure ordered by the commission, with where it stands today.
pub struct Measure {
    pub row: MeasureRow,
    /// Overdue is a reading of the calendar (past due and not done), not a stored state.
    pub status: MeasureStatus,
}

fn measure(row: MeasureRow, today: NaiveDate) -> Measure {
    Measure {
        status: measure_status(row.due_date, row.done_at.is_some(), today),
        row,
    }
}

/// `matters` with their measures, loaded at once.
fn with_measures(
    conn: &mut DbConnection,
    matters: Vec<MatterRow>,
    today: NaiveDate,
) -> Result<Vec<Matter>, AppError> {
    let ids: Vec<CommissionMatterId> = matters.iter().map(|m| m.id).collect();
    let mut measures = commission::measures(conn, &ids)?;
    Ok(matters
        .into_iter()
        .map(|row| {
            let (own, rest): (Vec<_>, Vec<_>) =
                measures.drain(..).partition(|x| x.matter_id == row.id);
            measures = rest;
            Matter {
                row,
                measures: own.into_iter().map(|x| measure(x, today)).collect(),
            }
        })
        .collect())
}

/// The one matter `row`, with its measures.
fn one(conn: &mut DbConnection, row: MatterRow, today: NaiveDate) -> Result<Matter, AppError> {
    with_measures(conn, vec![row], today)?
        .pop()
        .ok_or(AppError::Internal)
}

/// Refers the case `case_id` to the commission (an organisation of kind `commission`), with
/// the grounds.
pub fn add_matter(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    new: NewCommissionMatter,
) -> Result<Matter, AppError> {
    let id = case_id;
    let now = app.now();
    write(conn, |tx| {
        let case = visible_case(tx, caller, id, Action::WorkCase)?;
        let org = new.commission_organisation_id;
        let commission_kind = Some(OrganisationKind::Commission);
        require_organisation(tx, "commission_organisation_id", org, commission_kind)?;
        let row = MatterRow {
            id: CommissionMatterId::new(),
            case_id: id,
            commission_organisation_id: org,
            grounds: new.grounds,
            hearing_date: None,
            decision: None,
            created_by: caller.actor.user_id,
            created_at: now.naive_utc(),
            decided_at: None,
        };
        commission::insert(tx, &row)?;
        let text = format!("Referred to the commission: {}", row.grounds);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::CommissionReferral,
            text,
            row.id,
        )?;
        one(tx, row, kazakhstan_date(now.naive_utc()))
    })
}

/// Records the hearing's decision on the matter `id` and the measures it ordered, each with
/// an existing responsible organisation. A matter is decided once.
pub fn decide(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    id: CommissionMatterId,
    decision: CommissionDecision,
) -> Result<Matter, AppError> {
    let now = app.now();
    write(conn, |tx| {
        let matter = commission::find(tx, id)?.ok_or(AppError::NotFound)?;
        let case = visible_case(tx, caller, matter.case_id, Action::WorkCase)?;
        let mut measures = Vec::new();
        for (i, m) in decision.measures.iter().enumerate() {
            let org = m.responsible_organisation_id;
            let field = format!("measures[{i}].responsible_organisation_id");
            require_organisation(tx, &field, org, None)?;
            measures.push(MeasureRow {
                id: CommissionMeasureId::new(),
                matter_id: id,
                description: m.description.clone(),
                responsible_organisation_id: org,
                due_date: m.due_date,
                done_at: None,
                done_note: None,
                done_by: None,
            });
        }
        let hearing = decision.hearing_date;
        if !commission::decide(
            tx,
            id,
            hearing,
            &decision.decision,
            now.naive_utc(),
            &measures,
        )? {
            return Err(AppError::conflict(
                "the commission's decision is already recorded",
            ));
        }
        let text = format!(
            "Commission decided on {hearing}: {} ({} measures)",
            decision.decision,
            measures.len()
        );
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::CommissionDecision,
            text,
            id,
        )?;
        // The decision's text stays in the case file: the event says that and when.
        let decided =
            crate::events::Event::case(qorgau_domain::event::EventType::CommissionDecision, &case)
                .on(id)
                .with("hearing_date", hearing)
                .with("measures", measures.len());
        crate::events::emit(tx, decided, now)?;
        let matter = commission::find(tx, id)?.ok_or(AppError::Internal)?;
        one(tx, matter, kazakhstan_date(now.naive_utc()))
    })
}

/// Records that the commission measure `id` was carried out, with a note.
pub fn measure_done(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    id: CommissionMeasureId,
    done_note: String,
) -> Result<Measure, AppError> {
    let now = app.now();
    write(conn, |tx| {
        let m = commission::find_measure(tx, id)?.ok_or(AppError::NotFound)?;
        let matter = commission::find(tx, m.matter_id)?.ok_or_else(|| {
            AppError::corrupt("commission_measures", id, "matter_id", m.matter_id)
        })?;
        let case = visible_case(tx, caller, matter.case_id, Action::WorkCase)?;
        let me = caller.actor.user_id;
        if !commission::mark_done(tx, id, me, now.naive_utc(), &done_note)? {
            return Err(AppError::conflict("the measure is already done"));
        }
        let text = format!("Commission measure done: {}", m.description);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::CommissionMeasureDone,
            text,
            id,
        )?;
        let done = commission::find_measure(tx, id)?.ok_or(AppError::Internal)?;
        Ok(measure(done, kazakhstan_date(now.naive_utc())))
    })
}

/// A page of the case's commission matters with their measures' execution, oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<Matter>, AppError> {
    let id = case_id;
    visible_case(conn, caller, id, Action::ViewCases)?;
    let matters = commission::for_case(conn, id, page)?;
    with_measures(conn, matters, kazakhstan_date(caller.at.naive_utc()))
}
