//! A child's file, exported (issue 20, item 6): everything Qorgau holds on one child in one
//! document — for a court, a commission, or the family's subject-access request.
//!
//! It is assembled from the same queries the case page uses, each with its own scope check,
//! redaction and audit (a read of every case it shows), so an export never shows what those
//! would not; the export itself is audited on the child as `export`.

use chrono::{DateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, ChildId, UserId};
use qorgau_persistence::assessments::AssessmentRow;
use qorgau_persistence::consents::ConsentRow;
use qorgau_persistence::flags::FlagRow;
use qorgau_persistence::follow_ups::FollowUpRow;
use qorgau_persistence::interventions::InterventionRow;
use qorgau_persistence::relations::RelationRow;
use qorgau_persistence::signals::SignalFilter;
use qorgau_persistence::{DbConnection, Page, retention};

use crate::access::visible_child;
use crate::caller::Caller;
use crate::cases::CaseCard;
use crate::children::{self, ChildCard, ChildTimeline};
use crate::commission::Matter;
use crate::documents::Document;
use crate::error::AppError;
use crate::families::FamilyCard;
use crate::interviews::Interviews;
use crate::notes::Note;
use crate::placements::Placement;
use crate::plans::PlanCard;
use crate::referrals::Referral;
use crate::signals::Signal;
use crate::{
    assessments, cases, commission, consents, documents, families, flags, follow_ups,
    interventions, interviews, notes, placements, plans, referrals, relations, signals,
};

/// One case of the child, with everything recorded on it.
pub struct CaseFile {
    pub card: CaseCard,
    pub assessments: Vec<AssessmentRow>,
    /// The plan's latest version with its history; `None` before the first draft.
    pub plan: Option<PlanCard>,
    pub interventions: Vec<InterventionRow>,
    pub follow_ups: Vec<FollowUpRow>,
    pub consents: Vec<ConsentRow>,
    pub referrals: Vec<Referral>,
    pub commission_matters: Vec<Matter>,
    pub placements: Vec<Placement>,
    pub interviews: Interviews,
    pub notes: Vec<Note>,
    pub flags: Vec<FlagRow>,
    /// Documents and photos not deleted, with their hashes (`crate::documents`).
    pub documents: Vec<Document>,
}

/// The child's whole file, as the caller may read it.
pub struct ChildFile {
    pub exported_at: DateTime<Utc>,
    pub exported_by: UserId,
    pub child: ChildCard,
    pub relations: Vec<RelationRow>,
    /// The household the child belongs to, with its members as the caller may see them.
    pub family: Option<FamilyCard>,
    pub signals: Vec<Signal>,
    /// The child's cases the caller may see, oldest first.
    pub cases: Vec<CaseFile>,
    pub timeline: ChildTimeline,
}

/// Every row at once: a child's file is hundreds of rows, not millions, and a document for a
/// court is not read a page at a time.
fn everything() -> Page {
    Page {
        after: None,
        limit: i64::MAX,
    }
}

/// The file of the child `id`, for whoever may export it (the region's supervisor).
pub fn child_file(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ChildId,
) -> Result<ChildFile, AppError> {
    let (child, open_case_id) = visible_child(conn, caller, Action::ExportChildFile, id)?;
    let child = ChildCard {
        child: children::short_card(caller, child),
        open_case_id,
    };
    let all = everything();
    let relations = relations::list(conn, caller, id, &all)?;
    let family = families::of_child(conn, caller, id)?.family;
    let filter = SignalFilter {
        child_id: Some(id),
        ..SignalFilter::default()
    };
    let signals = signals::list_signals(conn, caller, &filter, &all)?;
    let mut files = Vec::new();
    for case_id in retention::cases_of(conn, &[id])? {
        match case_file(conn, caller, case_id, &all) {
            Ok(file) => files.push(file),
            // A case transferred to another region is that region's to export.
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    files.sort_by_key(|f| f.card.case.opened_at);
    Ok(ChildFile {
        exported_at: caller.at,
        exported_by: caller.actor.user_id,
        child,
        relations,
        family,
        signals,
        cases: files,
        timeline: children::timeline(conn, caller, id)?,
    })
}

fn case_file(
    conn: &mut DbConnection,
    caller: &Caller,
    id: CaseId,
    all: &Page,
) -> Result<CaseFile, AppError> {
    let card = cases::case_card(conn, caller, id)?;
    let plan = match plans::plan_of(conn, caller, id) {
        Ok(plan) => Some(plan),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e),
    };
    Ok(CaseFile {
        card,
        assessments: assessments::assessments_of(conn, caller, id, all)?,
        plan,
        interventions: interventions::interventions_of(conn, caller, id, all)?,
        follow_ups: follow_ups::list(conn, caller, id, all)?,
        consents: consents::list(conn, caller, id, all)?,
        referrals: referrals::list_for_case(conn, caller, id, all)?,
        commission_matters: commission::list(conn, caller, id, all)?,
        placements: placements::list(conn, caller, id, all)?,
        interviews: interviews::list(conn, caller, id)?,
        notes: notes::notes_of(conn, caller, id, all)?,
        flags: flags::flags_of(conn, caller, id, all)?,
        documents: documents::list(conn, caller, id, all)?,
    })
}
