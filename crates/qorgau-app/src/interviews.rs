//! Interviews of the child (api.md § Interagency records). Every interview retraumatises, so
//! a repeat in the same case must say why, and the child's count across cases is shown
//! (Barnahus principle).

use qorgau_domain::access::Action;
use qorgau_domain::ids::{CaseId, InterviewId};
use qorgau_domain::interagency::{InterviewInput, parse_interview};
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::interviews::{self, InterviewRow};
use qorgau_persistence::{DbConnection, write};

use crate::access::{case_for_work, visible_case};
use crate::app::App;
use crate::caller::Caller;
use crate::cases::note;
use crate::error::AppError;
use crate::interagency::require_organisation;

/// The interviews of a case, and how many times its child has been interviewed in all.
pub struct Interviews {
    pub rows: Vec<InterviewRow>,
    pub count_for_child: i64,
}

/// Records an interview of the child of the case `case_id` (the case team, or a specialist
/// of an organisation the case is referred to). The body is parsed here: whether a repeat
/// reason is needed depends on the interviews already recorded.
pub fn add(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    case_id: CaseId,
    input: InterviewInput,
) -> Result<InterviewRow, AppError> {
    let id = case_id;
    let now = app.now();
    write(conn, |tx| {
        let case = case_for_work(tx, caller, id)?;
        let previous = interviews::for_case(tx, id)?.len();
        let new = parse_interview(input, previous, now)?;
        let org = new.organisation_id;
        require_organisation(tx, "organisation_id", org, None)?;
        let row = InterviewRow {
            id: InterviewId::new(),
            case_id: id,
            child_id: case.child_id,
            conducted_at: new.conducted_at.naive_utc(),
            interviewer_name: new.interviewer_name,
            organisation_id: org,
            present: new
                .present
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
            recording_ref: new.recording_ref,
            repeat_reason: new.repeat_reason,
            recorded_by: caller.actor.user_id,
            recorded_at: now.naive_utc(),
        };
        interviews::insert(tx, &row)?;
        let text = match &row.repeat_reason {
            Some(reason) if previous > 0 => {
                format!("Repeat interview ({}): {reason}", previous + 1)
            }
            _ => "Interview of the child recorded".to_string(),
        };
        note(
            tx,
            caller,
            &case,
            now,
            TimelineKind::Interview,
            text,
            row.id,
        )?;
        Ok(row)
    })
}

/// The case's interviews, and the child's count across all their cases.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: CaseId,
) -> Result<Interviews, AppError> {
    let id = case_id;
    let case = visible_case(conn, caller, id, Action::ViewCases)?;
    Ok(Interviews {
        rows: interviews::for_case(conn, id)?,
        count_for_child: interviews::count_for_child(conn, case.child_id)?,
    })
}
