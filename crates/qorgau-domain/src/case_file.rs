//! What a case manager's file holds beyond the protocol's records (issue 20): **notes** of
//! contacts and of supervision, and **flags** that mark a case for special attention.
//!
//! - **Notes.** A `contact` note records a contact with the child, the family or a partner; a
//!   `supervision` note records the supervisor's guidance on the case. The case's manager and
//!   the region's supervisor write contact notes; supervision notes are the supervisor's
//!   ([`NoteKind::action`]). A note marked `sensitive` is read like the text of a sensitive
//!   concern (brief § 5): only by those who may read sensitive text on the case
//!   ([`note_readable`]); others see that it is withheld, not what.
//! - **Flags** (seed items 23 and 37: children in criminal proceedings who need special
//!   supervision, children who need special attention): `watch`, `court_pending`,
//!   `media_attention`, `special_supervision`, each with a reason and an optional date (the
//!   hearing, or until when). A case holds at most one active flag of a kind; clearing one keeps
//!   it on record with who cleared it and why.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Deserialize;

use crate::access::{Action, Actor, Location};
use crate::plan::iso_date;
use crate::validation::{FieldError, Validation, bounded_text};

/// Longest note.
pub const NOTE_MAX: usize = 10_000;
/// Longest reason for setting or clearing a flag.
pub const FLAG_REASON_MAX: usize = 2_000;
/// How far ahead a flag's date may lie (a hearing, the end of a watch).
pub const FLAG_DATE_YEARS_AHEAD: u32 = 10;

crate::code_enum! {
    /// The kind of a case note.
    pub enum NoteKind {
        /// A contact with the child, the family or a partner.
        Contact = "contact",
        /// The supervisor's guidance on the case.
        Supervision = "supervision",
    }
}

impl NoteKind {
    /// What the writer must be allowed on the case: the case team writes contact notes, the
    /// region's supervisor supervision notes.
    pub fn action(self) -> Action {
        match self {
            NoteKind::Contact => Action::WorkCase,
            NoteKind::Supervision => Action::SuperviseCase,
        }
    }
}

crate::code_enum! {
    /// Why a case needs particular attention (seed items 23 and 37).
    pub enum FlagKind {
        /// Watched closely by the case team and the supervisor.
        Watch = "watch",
        /// Criminal or court proceedings pending (the date: the hearing).
        CourtPending = "court_pending",
        /// The case is, or may become, public.
        MediaAttention = "media_attention",
        /// A child who needs special supervision (seed item 23).
        SpecialSupervision = "special_supervision",
    }
}

/// The request body of `POST /cases/{id}/notes`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NoteInput {
    /// `contact` or `supervision` (supervisors only).
    #[cfg_attr(feature = "openapi", schema(value_type = NoteKind))]
    pub kind: String,
    /// The note, at most 10 000 characters.
    pub text: String,
    /// When the contact or the supervision session took place: RFC 3339 with an offset, not in
    /// the future. Absent: not recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::DateTime<chrono::Utc>>))]
    pub occurred_at: Option<String>,
    /// Read only by those who may read sensitive text on the case (the case's manager, the
    /// region's supervisor); others get the note with its text withheld.
    pub sensitive: bool,
}

/// A well-formed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNote {
    pub kind: NoteKind,
    pub text: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub sensitive: bool,
}

pub fn parse_note(input: NoteInput, now: DateTime<Utc>) -> Result<NewNote, Vec<FieldError>> {
    let mut v = Validation::new();
    let kind = v.check(
        "kind",
        NoteKind::from_code(input.kind.trim()).ok_or("must be contact or supervision"),
    );
    let text = v.text("text", &input.text, NOTE_MAX);
    let occurred_at = match input.occurred_at.as_deref() {
        Some(at) => v
            .check("occurred_at", crate::intervention::occurred_at(at, now))
            .map(Some),
        None => Some(None),
    };
    match (kind, text, occurred_at) {
        (Some(kind), Some(text), Some(occurred_at)) => Ok(NewNote {
            kind,
            text,
            occurred_at,
            sensitive: input.sensitive,
        }),
        _ => Err(v.into_errors()),
    }
}

/// May `actor` read the text of a note on a case at `at` whose concerns are `concerns`? The rule
/// of sensitive concerns (brief § 5, [`Actor::may_read_text`]), with a note marked sensitive
/// counting as a sensitive concern.
pub fn note_readable<'c>(
    actor: &Actor,
    sensitive: bool,
    concerns: impl IntoIterator<Item = &'c str>,
    at: &Location<'_>,
) -> bool {
    actor.may_read_text(concerns, at)
        && (!sensitive || actor.authorize(Action::ViewSensitive, at).is_ok())
}

/// The request body of `POST /cases/{id}/flags`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FlagInput {
    /// `watch`, `court_pending`, `media_attention` or `special_supervision`.
    #[cfg_attr(feature = "openapi", schema(value_type = FlagKind))]
    pub kind: String,
    /// Why (required, at most 2 000 characters).
    pub reason: String,
    /// `YYYY-MM-DD`: the hearing for `court_pending`, else until when; from 2000-01-01, at most
    /// ten years ahead.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub date: Option<String>,
}

/// A well-formed flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFlag {
    pub kind: FlagKind,
    pub reason: String,
    pub date: Option<NaiveDate>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
enum FlagDateError {
    #[error("must not be before 2000-01-01")]
    TooEarly,
    #[error("must be at most ten years ahead")]
    TooLate,
}

pub fn parse_flag(input: FlagInput, today: NaiveDate) -> Result<NewFlag, Vec<FieldError>> {
    let mut v = Validation::new();
    let kind = v.check(
        "kind",
        FlagKind::from_code(input.kind.trim())
            .ok_or("must be watch, court_pending, media_attention or special_supervision"),
    );
    let reason = v.text("reason", &input.reason, FLAG_REASON_MAX);
    let date = match input.date.as_deref() {
        Some(d) => v
            .check("date", iso_date(d))
            .and_then(|d| v.check("date", flag_date(d, today)))
            .map(Some),
        None => Some(None),
    };
    match (kind, reason, date) {
        (Some(kind), Some(reason), Some(date)) => Ok(NewFlag { kind, reason, date }),
        _ => Err(v.into_errors()),
    }
}

fn flag_date(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FlagDateError> {
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let latest = today
        .checked_add_months(Months::new(12 * FLAG_DATE_YEARS_AHEAD))
        .unwrap_or(NaiveDate::MAX);
    if date < earliest {
        Err(FlagDateError::TooEarly)
    } else if date > latest {
        Err(FlagDateError::TooLate)
    } else {
        Ok(date)
    }
}

/// The request body of `POST /cases/{id}/flags/{kind}/clear`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FlagClearInput {
    /// Why the flag no longer applies (required, at most 2 000 characters).
    pub reason: String,
}

pub fn parse_clear(input: FlagClearInput) -> Result<String, Vec<FieldError>> {
    bounded_text(&input.reason, FLAG_REASON_MAX).map_err(|e| {
        vec![FieldError {
            field: "reason".into(),
            message: e.to_string(),
        }]
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ids::{OrganisationId, UserId};
    use crate::role::Role;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, 12, 0, 0).unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
    }

    fn fields<T: std::fmt::Debug>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    fn note(kind: &str, text: &str) -> NoteInput {
        NoteInput {
            kind: kind.into(),
            text: text.into(),
            ..NoteInput::default()
        }
    }

    #[test]
    fn a_note_has_a_kind_and_a_bounded_text() {
        let n = parse_note(note(" contact ", "  Met the mother at school.  "), now()).unwrap();
        assert_eq!(n.kind, NoteKind::Contact);
        assert_eq!(n.text, "Met the mother at school.");
        assert_eq!(n.occurred_at, None);
        assert!(!n.sensitive);
        assert_eq!(fields(parse_note(note("visit", "x"), now())), ["kind"]);
        assert_eq!(fields(parse_note(note("contact", "  "), now())), ["text"]);
        let long = "x".repeat(NOTE_MAX + 1);
        assert_eq!(fields(parse_note(note("contact", &long), now())), ["text"]);
        assert_eq!(fields(parse_note(note("", ""), now())), ["kind", "text"]);
    }

    #[test]
    fn a_note_happened_in_the_past() {
        let at = |s: &str| {
            parse_note(
                NoteInput {
                    occurred_at: Some(s.into()),
                    ..note("supervision", "Agreed a home visit this week")
                },
                now(),
            )
        };
        assert_eq!(
            at("2026-12-08T10:00:00+05:00").unwrap().occurred_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 8, 5, 0, 0).unwrap())
        );
        for bad in ["2026-12-09T12:00:00Z", "2026-12-08", "1999-12-31T00:00:00Z"] {
            assert_eq!(fields(at(bad)), ["occurred_at"], "{bad}");
        }
    }

    #[test]
    fn supervision_notes_are_the_supervisors() {
        assert_eq!(NoteKind::Contact.action(), Action::WorkCase);
        assert_eq!(NoteKind::Supervision.action(), Action::SuperviseCase);
    }

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: UserId::new(),
            role,
            organisation_id: OrganisationId::new(),
            region_code: "KZ-71".into(),
            district_code: None,
        }
    }

    #[test]
    fn a_sensitive_note_is_read_like_a_sensitive_concern() {
        let manager = actor(Role::CaseManager);
        let supervisor = actor(Role::Supervisor);
        let mut elsewhere = actor(Role::Supervisor);
        elsewhere.region_code = "KZ-75".into();
        let at = Location {
            owner: Some(manager.user_id),
            region: Some("KZ-71"),
            district: Some("KZ-71-01"),
            ..Location::default()
        };
        for reader in [&manager, &supervisor] {
            assert!(note_readable(reader, true, ["neglect"], &at));
            assert!(note_readable(reader, false, ["suicide_risk"], &at));
        }
        // A supervisor of another region (break-glass) reads ordinary notes only.
        assert!(note_readable(&elsewhere, false, ["neglect"], &at));
        assert!(!note_readable(&elsewhere, true, ["neglect"], &at));
        assert!(!note_readable(&elsewhere, false, ["violence_sexual"], &at));
    }

    fn flag(kind: &str, reason: &str, date: Option<&str>) -> FlagInput {
        FlagInput {
            kind: kind.into(),
            reason: reason.into(),
            date: date.map(str::to_string),
        }
    }

    #[test]
    fn a_flag_has_a_kind_a_reason_and_maybe_a_date() {
        let f = parse_flag(
            flag("court_pending", "Hearing set", Some("2027-01-15")),
            today(),
        )
        .unwrap();
        assert_eq!(f.kind, FlagKind::CourtPending);
        assert_eq!(f.date, NaiveDate::from_ymd_opt(2027, 1, 15));
        assert_eq!(
            parse_flag(flag("watch", "Repeated signals", None), today())
                .unwrap()
                .date,
            None
        );
        assert_eq!(
            fields(parse_flag(flag("urgent", "x", None), today())),
            ["kind"]
        );
        assert_eq!(
            fields(parse_flag(flag("watch", " ", None), today())),
            ["reason"]
        );
        for bad in ["2027-1-15", "1999-12-31", "2036-12-09", "soon"] {
            assert_eq!(
                fields(parse_flag(flag("watch", "x", Some(bad)), today())),
                ["date"],
                "{bad}"
            );
        }
        assert!(parse_flag(flag("watch", "x", Some("2036-12-08")), today()).is_ok());
        assert_eq!(
            fields(parse_clear(FlagClearInput { reason: "".into() })),
            ["reason"]
        );
        assert_eq!(
            parse_clear(FlagClearInput {
                reason: " Hearing held ".into()
            })
            .unwrap(),
            "Hearing held"
        );
    }
}
