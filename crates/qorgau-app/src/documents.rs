//! Documents and photos on a case (api.md § Documents; rules in `qorgau_domain::document`).
//!
//! These use cases keep the rows; the bytes are the document store's, written by the front door
//! *before* [`upload`] runs (so a committed row always has its bytes) and read by it *after*
//! [`for_download`] allowed and audited the read. Scope is the case's: a document of a case the
//! caller may not see is not found. A document's name, description and content are withheld
//! from a reader who may not read text on its case (a sensitive concern, brief § 5), like a
//! note's text.

use qorgau_domain::access::Action;
use qorgau_domain::case_file::note_readable;
use qorgau_domain::document::{DocumentKind, NewDocument, photo_basis};
use qorgau_domain::ids::{CaseId, DocumentId};
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::documents::{self, DocumentRow};
use qorgau_persistence::{DbConnection, Page, consents, write};

use crate::access::{case_location, visible_case};
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::error::AppError;

/// An upload whose bytes are already in the store under `storage_key`.
#[derive(Clone, Debug)]
pub struct Stored {
    pub id: DocumentId,
    pub document: NewDocument,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

/// A document as its reader may see it: withheld fields blanked and named in `hidden`.
#[derive(Clone, Debug)]
pub struct Document {
    pub row: DocumentRow,
    pub hidden: Vec<String>,
}

/// Records an uploaded document on a case the caller works on (its manager, the region's
/// supervisor). A photo needs an active consent to images on the case (422 naming `kind`
/// without one). One transaction: the row and its audit entry.
pub fn upload(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    stored: Stored,
) -> Result<Document, AppError> {
    let now = caller.at.naive_utc();
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, Action::WorkCase)?;
        let consent_id = if stored.document.kind == DocumentKind::Photo {
            let consent = consents::active_image_consent(tx, case_id, now)?;
            photo_basis(consent.is_some())?;
            consent
        } else {
            None
        };
        let row = DocumentRow {
            id: stored.id,
            case_id,
            kind: stored.document.kind,
            file_name: stored.document.file_name,
            description: stored.document.description,
            media_type: stored.document.media_type,
            size_bytes: stored.size_bytes,
            sha256: stored.sha256,
            storage_key: stored.storage_key,
            consent_id,
            uploaded_by: caller.actor.user_id,
            uploaded_at: now,
            deleted_at: None,
            deleted_by: None,
            delete_reason: None,
            erased_at: None,
            purged_at: None,
        };
        documents::insert(tx, &row)?;
        audit::log(tx, caller, Act::Create, target(&row, &case))?;
        let mut shown = readable(tx, caller, &case, vec![row])?;
        shown.pop().ok_or(AppError::Internal)
    })
}

/// A page of the case's documents (deleted ones left out), in the order they were uploaded;
/// audited as a read of the case.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<Document>, AppError> {
    let case = visible_case(conn, caller, case_id, Action::ViewCases)?;
    let rows = documents::for_case(conn, case_id, page)?;
    readable(conn, caller, &case, rows)
}

/// One document's record (a deleted one too, with who deleted it and why), audited as a read.
pub fn metadata(
    conn: &mut DbConnection,
    caller: &Caller,
    id: DocumentId,
) -> Result<Document, AppError> {
    let (row, case) = visible_document(conn, caller, id, Action::ViewCases)?;
    audit::log(conn, caller, Act::Read, target(&row, &case))?;
    let mut shown = readable(conn, caller, &case, vec![row])?;
    shown.pop().ok_or(AppError::Internal)
}

/// The document whose bytes the caller may download, the read audited: not found outside the
/// caller's scope, gone (410) once deleted or erased by retention, denied (403) to a reader who
/// may not read text on the case.
pub fn for_download(
    conn: &mut DbConnection,
    caller: &Caller,
    id: DocumentId,
) -> Result<DocumentRow, AppError> {
    let (row, case) = visible_document(conn, caller, id, Action::ViewCases)?;
    if row.deleted_at.is_some() {
        return Err(AppError::gone("the document was deleted"));
    }
    if row.erased_at.is_some() {
        return Err(AppError::gone(
            "the document's content was erased under the retention rule",
        ));
    }
    let concerns = concerns_of(conn, &case)?;
    if !note_readable(
        &caller.actor,
        false,
        concerns.iter().map(String::as_str),
        &case_location(&case),
    ) {
        // The case's sensitive concerns withhold its documents from this reader.
        return Err(AppError::Denied);
    }
    audit::log(conn, caller, Act::Read, target(&row, &case))?;
    Ok(row)
}

/// Soft-deletes a document with a reason (the case's manager or the region's supervisor): it
/// leaves the case's list and is no longer served; the row, its hash and its bytes stay. One
/// transaction with its audit entry (`delete`).
pub fn delete(
    conn: &mut DbConnection,
    caller: &Caller,
    id: DocumentId,
    reason: String,
) -> Result<Document, AppError> {
    let now = caller.at.naive_utc();
    write(conn, |tx| {
        let (_, case) = visible_document(tx, caller, id, Action::WorkCase)?;
        if !documents::soft_delete(tx, id, caller.actor.user_id, &reason, now)? {
            return Err(AppError::conflict("the document is already deleted"));
        }
        let row = documents::find(tx, id)?.ok_or(AppError::Internal)?;
        audit::log(tx, caller, Act::Delete, target(&row, &case))?;
        let mut shown = readable(tx, caller, &case, vec![row])?;
        shown.pop().ok_or(AppError::Internal)
    })
}

/// The document and its case, if the caller may see the case (else not found) and take
/// `action` on it.
fn visible_document(
    conn: &mut DbConnection,
    caller: &Caller,
    id: DocumentId,
    action: Action,
) -> Result<(DocumentRow, CaseRow), AppError> {
    let row = documents::find(conn, id)?.ok_or(AppError::NotFound)?;
    let case = visible_case(conn, caller, row.case_id, action)?;
    Ok((row, case))
}

fn target<'a>(row: &DocumentRow, case: &'a CaseRow) -> Target<'a> {
    Target {
        resource: "document",
        id: row.id.to_string(),
        child_id: Some(case.child_id),
        region: Some(&case.region_code),
    }
}

fn concerns_of(conn: &mut DbConnection, case: &CaseRow) -> Result<Vec<String>, AppError> {
    Ok(cases::concerns_of(conn, std::slice::from_ref(&case.id))?
        .remove(&case.id)
        .unwrap_or_default())
}

/// The documents as the caller may read them on `case`: the file name, description and delete
/// reason withheld from a reader who may not read text on it.
fn readable(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &CaseRow,
    rows: Vec<DocumentRow>,
) -> Result<Vec<Document>, AppError> {
    let concerns = concerns_of(conn, case)?;
    let may_read = note_readable(
        &caller.actor,
        false,
        concerns.iter().map(String::as_str),
        &case_location(case),
    );
    Ok(rows
        .into_iter()
        .map(|mut row| {
            let mut hidden = Vec::new();
            if !may_read {
                row.file_name.clear();
                hidden.push("file_name".to_string());
                if row.description.take().is_some() {
                    hidden.push("description".to_string());
                }
                if row.delete_reason.take().is_some() {
                    hidden.push("delete_reason".to_string());
                }
            }
            Document { row, hidden }
        })
        .collect())
}
