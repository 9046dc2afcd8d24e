//! The legal representative's consent to services and to sharing the child's data (api.md §
//! Interagency records): what a referral's legal basis is checked against.

use qorgau_domain::access::Action;
use qorgau_domain::consent::NewConsent;
use qorgau_domain::ids::{CaseId, ConsentId};
use qorgau_domain::interagency::check_consenting_relation;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::consents::{self, ConsentRow};
use qorgau_persistence::{DbConnection, Page, relations, write};

use crate::access::visible_case;
use crate::app::App;
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;

/// Records consent on the case `case_id`. The relation named as consenting must be the child's,
/// and not one marked as an alleged perpetrator.
pub fn add(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    new: NewConsent,
) -> Result<ConsentRow, AppError> {
    let id = case_id;
    let now = app.now();
    write(conn, |tx| {
        let case = visible_case(tx, caller, id, Action::WorkCase)?;
        if let Some(rel) = new.given_by_relation_id {
            let relation = relations::find(tx, rel)?
                .filter(|r| r.child_id == case.child_id)
                .ok_or_else(|| {
                    AppError::invalid("given_by_relation_id", "no such relation of this child")
                })?;
            check_consenting_relation(relation.alleged_perpetrator)?;
        }
        let row = ConsentRow {
            id: ConsentId::new(),
            case_id: id,
            given_by_relation_id: new.given_by_relation_id,
            given_by_name: new.given_by_name,
            relation: new.relation,
            services: new.services,
            share_with: new
                .share_with
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(","),
            given_at: new.given_at.naive_utc(),
            withdrawn_at: None,
            recorded_by: caller.actor.user_id,
            recorded_at: now.naive_utc(),
            images: new.images,
        };
        consents::insert(tx, &row)?;
        let text = format!(
            "Consent recorded from {} ({})",
            row.given_by_name, row.relation
        );
        note(tx, caller, &case, now, TimelineKind::Consent, text, row.id)?;
        Ok(row)
    })
}

/// A page of the consents recorded on the case, withdrawn ones included, oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<ConsentRow>, AppError> {
    let id = case_id;
    visible_case(conn, caller, id, Action::ViewCases)?;
    Ok(consents::page_for_case(conn, id, page)?)
}

/// Withdraws the consent `id`: referrals made after this need another basis.
pub fn withdraw(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    id: ConsentId,
) -> Result<ConsentRow, AppError> {
    let now = app.now();
    write(conn, |tx| {
        let consent = consents::find(tx, id)?.ok_or(AppError::NotFound)?;
        let case = visible_case(tx, caller, consent.case_id, Action::WorkCase)?;
        if !consents::withdraw(tx, id, now.naive_utc())? {
            return Err(AppError::conflict("the consent is already withdrawn"));
        }
        let text = format!("Consent of {} withdrawn", consent.given_by_name);
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::ConsentWithdrawn,
            text,
            id,
        )?;
        consents::find(tx, id)?.ok_or(AppError::Internal)
    })
}
