//! Case notes (issue 20): contact notes by the case team, supervision notes by the region's
//! supervisor. A note marked sensitive is read like the text of a sensitive concern (brief § 5,
//! `qorgau_domain::case_file::note_readable`): others get it with the text withheld and named in
//! `hidden`. Each note is an event on the child's timeline — its kind, never its text.

use qorgau_domain::access::Action;
use qorgau_domain::case::CaseStatus;
use qorgau_domain::case_file::{NewNote, NoteKind, note_readable};
use qorgau_domain::ids::{CaseId, NoteId};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::cases::{self, CaseRow};
use qorgau_persistence::notes::{self, NoteRow};
use qorgau_persistence::{DbConnection, Page, write};

use crate::access::{case_location, visible_case};
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;

/// A note as its reader may see it: a withheld text is blanked and named in `hidden`.
#[derive(Debug)]
pub struct Note {
    pub row: NoteRow,
    pub hidden: Vec<String>,
}

/// Writes a note on a case that is not closed (after closure, a contact is a follow-up): a
/// contact note by the case's manager or the region's supervisor, a supervision note by the
/// supervisor only (403 for the manager).
pub fn write_note(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    new: NewNote,
) -> Result<Note, AppError> {
    let now = caller.at;
    write(conn, |tx| {
        let case = visible_case(tx, caller, case_id, new.kind.action())?;
        if case.status == CaseStatus::Closed {
            return Err(AppError::conflict(
                "the case is closed: reopen it first (a contact after closure is a follow-up)",
            ));
        }
        let row = NoteRow {
            id: NoteId::new(),
            case_id,
            kind: new.kind,
            text: new.text,
            occurred_at: new.occurred_at.map(|t| t.naive_utc()),
            sensitive: new.sensitive,
            author_id: caller.actor.user_id,
            written_at: now.naive_utc(),
        };
        notes::insert(tx, &row)?;
        let what = match row.kind {
            NoteKind::Contact => "Contact note",
            NoteKind::Supervision => "Supervision note",
        };
        let marked = if row.sensitive {
            ", marked sensitive"
        } else {
            ""
        };
        let summary = format!("{what} written{marked}");
        note(tx, caller, &case, now, TimelineKind::Note, summary, row.id)?;
        // The author reads it as any reader would (the same rule, not a shortcut).
        let mut written = readable(tx, caller, &case, vec![row])?;
        written.pop().ok_or(AppError::Internal)
    })
}

/// A page of the notes of a case the caller may see, in the order they were written; the read
/// is audited as a read of the case.
pub fn notes_of(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
    page: &Page,
) -> Result<Vec<Note>, AppError> {
    let case = visible_case(conn, caller, case_id, Action::ViewCases)?;
    let rows = notes::for_case(conn, case_id, page)?;
    readable(conn, caller, &case, rows)
}

/// The notes as the caller may read them on `case`.
fn readable(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &CaseRow,
    rows: Vec<NoteRow>,
) -> Result<Vec<Note>, AppError> {
    let concerns = cases::concerns_of(conn, std::slice::from_ref(&case.id))?
        .remove(&case.id)
        .unwrap_or_default();
    let at = case_location(case);
    Ok(rows
        .into_iter()
        .map(|mut row| {
            let shown = concerns.iter().map(String::as_str);
            let mut hidden = Vec::new();
            if !note_readable(&caller.actor, row.sensitive, shown, &at) {
                row.text.clear();
                hidden.push("text".to_string());
            }
            Note { row, hidden }
        })
        .collect())
}
