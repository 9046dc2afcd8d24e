//! What the use cases on a case's interagency records (referrals, transfers, consents,
//! commission matters, placements, interviews) share: the entry each change leaves on the
//! child's timeline, and the check that an organisation they name exists.

use chrono::{DateTime, Utc};
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::CaseRow;
use qorgau_persistence::{DbConnection, organisations};

use crate::caller::Caller;
use crate::error::AppError;
use crate::timeline;

/// Records on the case's (and its child's) timeline that the caller did `kind` at `at` to the
/// record `ref_id`.
pub fn note(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &CaseRow,
    at: DateTime<Utc>,
    kind: TimelineKind,
    summary: String,
    ref_id: &str,
) -> Result<(), AppError> {
    timeline::record(
        conn,
        &timeline::event(
            &case.child_id,
            Some(&case.id),
            at,
            kind,
            summary,
            &caller.actor.user_id.to_string(),
            ref_id,
        ),
    )
}

/// The organisation `id` named in the command's `field` exists (and is of `kind`, when one is
/// required); else the field is invalid.
pub fn require_organisation(
    conn: &mut DbConnection,
    field: &str,
    id: &str,
    kind: Option<OrganisationKind>,
) -> Result<(), AppError> {
    let org = organisations::find(conn, id)?
        .ok_or_else(|| AppError::invalid(field, "no such organisation"))?;
    match kind {
        Some(kind) if org.kind != kind.as_str() => Err(AppError::invalid(
            field,
            format!("must be an organisation of kind {}", kind.as_str()),
        )),
        _ => Ok(()),
    }
}
