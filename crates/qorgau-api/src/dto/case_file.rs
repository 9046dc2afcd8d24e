//! Bodies of the case file (api.md § Notes and flags): notes as their reader may see them, and
//! flags with their history. Requests are the domain's `NoteInput`, `FlagInput` and
//! `FlagClearInput`.

use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::notes::Note;
use qorgau_domain::case_file::{FlagKind, NoteKind};
use qorgau_persistence::flags::FlagRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: NoteKind,
    /// Empty when withheld from this reader (`hidden` then names it).
    pub text: String,
    /// When the contact or supervision session took place, if recorded.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Read only by those who may read sensitive text on the case.
    pub sensitive: bool,
    pub author_id: Uuid,
    pub written_at: DateTime<Utc>,
    /// Fields withheld from this reader (brief § 5): `text` of a note marked sensitive, or of
    /// any note on a case with a sensitive concern, for those who may not read sensitive text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
}

impl From<Note> for NoteView {
    fn from(n: Note) -> Self {
        let row = n.row;
        NoteView {
            id: row.id.0,
            case_id: row.case_id.0,
            kind: row.kind,
            text: row.text,
            occurred_at: row.occurred_at.map(|t| t.and_utc()),
            sensitive: row.sensitive,
            author_id: row.author_id.0,
            written_at: row.written_at.and_utc(),
            hidden: n.hidden,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FlagView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: FlagKind,
    pub reason: String,
    /// The hearing for `court_pending`, else until when.
    pub date: Option<NaiveDate>,
    pub set_by: Uuid,
    pub set_at: DateTime<Utc>,
    /// Not cleared yet.
    pub active: bool,
    pub cleared_at: Option<DateTime<Utc>>,
    pub cleared_by: Option<Uuid>,
    pub clear_reason: Option<String>,
}

impl From<FlagRow> for FlagView {
    fn from(f: FlagRow) -> Self {
        FlagView {
            id: f.id.0,
            case_id: f.case_id.0,
            kind: f.kind,
            reason: f.reason,
            date: f.date,
            set_by: f.set_by.0,
            set_at: f.set_at.and_utc(),
            active: f.cleared_at.is_none(),
            cleared_at: f.cleared_at.map(|t| t.and_utc()),
            cleared_by: f.cleared_by.map(|u| u.0),
            clear_reason: f.clear_reason,
        }
    }
}
