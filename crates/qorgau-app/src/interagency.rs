//! What the use cases on a case's interagency records (referrals, transfers, consents,
//! commission matters, placements, interviews) share: the check that an organisation they name
//! exists. (The entry each change leaves on the timeline is `cases::note`.)

use qorgau_domain::ids::OrganisationId;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_persistence::{DbConnection, organisations};

use crate::error::AppError;

/// The organisation `id` named in the command's `field` exists (and is of `kind`, when one is
/// required); else the field is invalid.
pub fn require_organisation(
    conn: &mut DbConnection,
    field: &str,
    id: OrganisationId,
    kind: Option<OrganisationKind>,
) -> Result<(), AppError> {
    let org = organisations::find(conn, id)?
        .ok_or_else(|| AppError::invalid(field, "no such organisation"))?;
    match kind {
        Some(kind) if org.kind != kind => Err(AppError::invalid(
            field,
            format!("must be an organisation of kind {}", kind.as_str()),
        )),
        _ => Ok(()),
    }
}
