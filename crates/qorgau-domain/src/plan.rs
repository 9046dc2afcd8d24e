//! The individual plan — the seed's "individual protocol of identification, accompaniment and
//! rehabilitation" (brief § 2 step 6): goals, each with measures of the five kinds of help, a
//! responsible organisation and a due date.
//!
//! The plan is parsed whole: a draft that names no goal, a goal with no measure, or a measure
//! already overdue when written is a plan nobody can be held to, so it is refused with every
//! offending field named by its JSON path (`goals[0].measures[1].due_date`). Whether the
//! organisations exist is checked against the stored records by the caller.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::OrganisationId;
use crate::validation::{FieldError, Validation, bounded_text};

/// Longest goal title.
pub const TITLE_MAX: usize = 500;
/// Longest measure description, and longest decision note.
pub const DESCRIPTION_MAX: usize = 2_000;
/// Most goals in one plan, and most measures in one goal: beyond this a "plan" is an import
/// gone wrong, not something a case manager wrote.
pub const ITEMS_MAX: usize = 50;

crate::code_enum! {
    /// The five kinds of help named in the seed (brief § 2 step 6, seed l. 342).
    pub enum AssistanceKind {
        Medical = "medical",
        Psychological = "psychological",
        Pedagogical = "pedagogical",
        Social = "social",
        Legal = "legal",
    }
}

/// Shared wording for an unknown assistance kind (also used by interventions).
pub(crate) const ASSISTANCE_KINDS: &str =
    "must be medical, psychological, pedagogical, social or legal";

crate::code_enum! {
    /// Where a version of the plan stands. One version at most is a draft: a new version
    /// supersedes the draft before it; decided versions are kept as they were decided.
    pub enum PlanStatus {
        /// Awaiting the supervisor's decision.
        Draft = "draft",
        Approved = "approved",
        Rejected = "rejected",
        /// A draft replaced by a later version before it was decided.
        Superseded = "superseded",
    }
}

/// One measure, as received.
// `Serialize` only because utoipa renders the `Default` of a nested input as a schema default.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MeasureInput {
    /// `medical`, `psychological`, `pedagogical`, `social` or `legal`.
    #[cfg_attr(feature = "openapi", schema(value_type = AssistanceKind))]
    pub kind: String,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub responsible_organisation_id: String,
    /// `YYYY-MM-DD`, today or later.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::NaiveDate))]
    pub due_date: String,
}

/// One goal, as received.
// `Serialize` only because utoipa renders the `Default` of a nested input as a schema default.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct GoalInput {
    pub title: String,
    pub measures: Vec<MeasureInput>,
}

/// The request body of `PUT /cases/{id}/plan`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlanInput {
    pub goals: Vec<GoalInput>,
}

/// The request body of `POST /cases/{id}/plan/approval`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlanDecisionInput {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required to reject.
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub kind: AssistanceKind,
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub due_date: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Goal {
    pub title: String,
    pub measures: Vec<Measure>,
}

/// A well-formed plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub goals: Vec<Goal>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum DateError {
    #[error("must be a date such as 2026-09-01")]
    Format,
    #[error("must not be in the past")]
    Past,
}

/// A calendar date written exactly `YYYY-MM-DD` (chrono alone would also take `2026-9-1`).
pub(crate) fn iso_date(value: &str) -> Result<NaiveDate, DateError> {
    let value = value.trim();
    let shape = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(DateError::Format);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| DateError::Format)
}

fn parse_measure(
    v: &mut Validation,
    path: &str,
    m: &MeasureInput,
    today: NaiveDate,
) -> Option<Measure> {
    let kind = v.check(
        &format!("{path}.kind"),
        AssistanceKind::from_code(m.kind.trim()).ok_or(ASSISTANCE_KINDS),
    );
    let description = v.text(
        &format!("{path}.description"),
        &m.description,
        DESCRIPTION_MAX,
    );
    let organisation = v.check(
        &format!("{path}.responsible_organisation_id"),
        m.responsible_organisation_id
            .trim()
            .parse::<OrganisationId>()
            .map_err(|_| "must be an organisation id"),
    );
    let due_date = v.check(
        &format!("{path}.due_date"),
        iso_date(&m.due_date).and_then(|d| {
            if d < today {
                Err(DateError::Past)
            } else {
                Ok(d)
            }
        }),
    );
    Some(Measure {
        kind: kind?,
        description: description?,
        responsible_organisation_id: organisation?,
        due_date: due_date?,
    })
}

/// Parses a plan draft; measures may not fall due before `today` (the caller's local date).
pub fn parse_plan(input: PlanInput, today: NaiveDate) -> Result<Plan, Vec<FieldError>> {
    let mut v = Validation::new();
    if input.goals.is_empty() {
        v.add("goals", "a plan needs at least one goal");
    } else if input.goals.len() > ITEMS_MAX {
        v.add(
            "goals",
            format!("a plan may have at most {ITEMS_MAX} goals"),
        );
        return Err(v.into_errors());
    }
    let mut goals = Vec::with_capacity(input.goals.len());
    for (i, g) in input.goals.iter().enumerate() {
        let title = v.text(&format!("goals[{i}].title"), &g.title, TITLE_MAX);
        if g.measures.is_empty() {
            v.add(
                format!("goals[{i}].measures"),
                "a goal needs at least one measure",
            );
        } else if g.measures.len() > ITEMS_MAX {
            v.add(
                format!("goals[{i}].measures"),
                format!("a goal may have at most {ITEMS_MAX} measures"),
            );
            continue;
        }
        let measures: Vec<_> = g
            .measures
            .iter()
            .enumerate()
            .filter_map(|(j, m)| {
                parse_measure(&mut v, &format!("goals[{i}].measures[{j}]"), m, today)
            })
            .collect();
        if let Some(title) = title {
            goals.push(Goal { title, measures });
        }
    }
    v.finish(|| Plan { goals })
}

/// A supervisor's decision on a plan draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanDecision {
    Approve {
        note: Option<String>,
    },
    /// A rejection says what to change.
    Reject {
        note: String,
    },
}

pub fn parse_decision(input: PlanDecisionInput) -> Result<PlanDecision, Vec<FieldError>> {
    let mut v = Validation::new();
    let decision = match input.decision.trim() {
        "approve" => {
            let note = match input.note.as_deref() {
                Some(n) if !n.trim().is_empty() => {
                    v.check("note", bounded_text(n, DESCRIPTION_MAX))
                }
                _ => None,
            };
            Some(PlanDecision::Approve { note })
        }
        "reject" => match input.note.as_deref() {
            Some(n) => v
                .check("note", bounded_text(n, DESCRIPTION_MAX))
                .map(|note| PlanDecision::Reject { note }),
            None => {
                v.add("note", "is required to reject a plan");
                None
            }
        },
        _ => {
            v.add("decision", "must be approve or reject");
            None
        }
    };
    match decision {
        Some(d) if v.is_empty() => Ok(d),
        _ => Err(v.into_errors()),
    }
}

crate::code_enum! {
    /// A review of the approved plan that does not produce a new version
    /// (`POST /cases/{id}/plan/review`); a changed plan is a new version to approve instead.
    pub enum PlanReviewDecision {
        /// Reviewed and kept as approved: the review deadline is met and its clock restarts.
        Unchanged = "unchanged",
    }
}

/// The request body of `POST /cases/{id}/plan/review`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PlanReviewInput {
    /// `unchanged` (a changed plan is a new version: `PUT /cases/{id}/plan`).
    #[cfg_attr(feature = "openapi", schema(value_type = PlanReviewDecision))]
    pub decision: String,
    /// What the review considered (required).
    pub note: String,
}

/// A well-formed review of the approved plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanReview {
    pub decision: PlanReviewDecision,
    pub note: String,
}

pub fn parse_review(input: PlanReviewInput) -> Result<PlanReview, Vec<FieldError>> {
    let mut v = Validation::new();
    let decision = v.check(
        "decision",
        PlanReviewDecision::from_code(input.decision.trim())
            .ok_or("must be unchanged (a changed plan is a new version)"),
    );
    let note = v.text("note", &input.note, DESCRIPTION_MAX);
    match (decision, note) {
        (Some(decision), Some(note)) => Ok(PlanReview { decision, note }),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ORG: &str = "0190c3a4-6b2e-7a1c-9d3e-2f4a5b6c7d8e";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 10).unwrap()
    }

    fn measure() -> MeasureInput {
        MeasureInput {
            kind: "psychological".into(),
            description: "Weekly sessions with the school psychologist".into(),
            responsible_organisation_id: ORG.into(),
            due_date: "2026-09-01".into(),
        }
    }

    fn goal(measures: Vec<MeasureInput>) -> GoalInput {
        GoalInput {
            title: "The child attends school every day".into(),
            measures,
        }
    }

    fn fields(r: Result<impl std::fmt::Debug, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn kinds_round_trip() {
        for k in AssistanceKind::ALL {
            assert_eq!(AssistanceKind::from_code(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(AssistanceKind::from_code("financial"), None);
        assert_eq!(AssistanceKind::ALL.len(), 5);
    }

    #[test]
    fn parses_a_plan() {
        let plan = parse_plan(
            PlanInput {
                goals: vec![goal(vec![
                    measure(),
                    MeasureInput {
                        kind: "social".into(),
                        due_date: "2026-05-10".into(),
                        ..measure()
                    },
                ])],
            },
            today(),
        )
        .unwrap();
        let m = &plan.goals[0].measures;
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].kind, AssistanceKind::Psychological);
        assert_eq!(m[0].responsible_organisation_id.to_string(), ORG);
        // Due today is fine.
        assert_eq!(m[1].due_date, today());
    }

    #[test]
    fn a_plan_needs_goals_and_measures() {
        assert_eq!(fields(parse_plan(PlanInput::default(), today())), ["goals"]);
        assert_eq!(
            fields(parse_plan(
                PlanInput {
                    goals: vec![goal(vec![measure()]), goal(vec![])]
                },
                today()
            )),
            ["goals[1].measures"]
        );
        let too_many = PlanInput {
            goals: vec![goal(vec![measure()]); ITEMS_MAX + 1],
        };
        assert_eq!(fields(parse_plan(too_many, today())), ["goals"]);
    }

    #[test]
    fn names_every_bad_field_by_path() {
        let bad = MeasureInput {
            kind: "financial".into(),
            description: " ".into(),
            responsible_organisation_id: "school 12".into(),
            due_date: "2026-05-09".into(),
        };
        let input = PlanInput {
            goals: vec![
                GoalInput {
                    title: "x".repeat(TITLE_MAX + 1),
                    measures: vec![measure()],
                },
                goal(vec![measure(), bad]),
            ],
        };
        assert_eq!(
            fields(parse_plan(input, today())),
            [
                "goals[0].title",
                "goals[1].measures[1].kind",
                "goals[1].measures[1].description",
                "goals[1].measures[1].responsible_organisation_id",
                "goals[1].measures[1].due_date",
            ]
        );
    }

    #[test]
    fn due_dates_are_strict() {
        for bad in [
            "2026-9-01",
            "01.09.2026",
            "2026-02-30",
            "",
            "+2026-09-01",
            "2026-09-01T00:00",
        ] {
            assert_eq!(iso_date(bad), Err(DateError::Format), "{bad}");
        }
        assert_eq!(
            iso_date(" 2028-02-29 "),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
        let past = PlanInput {
            goals: vec![goal(vec![MeasureInput {
                due_date: "2026-05-09".into(),
                ..measure()
            }])],
        };
        let errors = parse_plan(past, today()).unwrap_err();
        assert_eq!(errors[0].field, "goals[0].measures[0].due_date");
        assert_eq!(errors[0].message, "must not be in the past");
    }

    #[test]
    fn from_json() {
        let input: PlanInput = serde_json::from_str(&format!(
            r#"{{"goals":[{{"title":"Safe at home","measures":[{{"kind":"legal",
            "description":"Protection order","responsible_organisation_id":"{ORG}",
            "due_date":"2026-06-01"}}]}}]}}"#
        ))
        .unwrap();
        let plan = parse_plan(input, today()).unwrap();
        assert_eq!(plan.goals[0].measures[0].kind, AssistanceKind::Legal);
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["goals"][0]["measures"][0]["due_date"], "2026-06-01");
        let back: Plan = serde_json::from_value(json).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn decisions() {
        let d = |decision: &str, note: Option<&str>| {
            parse_decision(PlanDecisionInput {
                decision: decision.into(),
                note: note.map(Into::into),
            })
        };
        assert_eq!(d("approve", None), Ok(PlanDecision::Approve { note: None }));
        assert_eq!(
            d("approve", Some(" ")),
            Ok(PlanDecision::Approve { note: None })
        );
        assert_eq!(
            d("approve", Some("Good")),
            Ok(PlanDecision::Approve {
                note: Some("Good".into())
            })
        );
        assert_eq!(
            d("reject", Some(" Add a legal measure ")),
            Ok(PlanDecision::Reject {
                note: "Add a legal measure".into()
            })
        );
        assert_eq!(fields(d("reject", None)), ["note"]);
        assert_eq!(fields(d("reject", Some("  "))), ["note"]);
        assert_eq!(
            fields(d("reject", Some(&"x".repeat(DESCRIPTION_MAX + 1)))),
            ["note"]
        );
        assert_eq!(
            fields(d("approve", Some(&"x".repeat(DESCRIPTION_MAX + 1)))),
            ["note"]
        );
        assert_eq!(fields(d("maybe", None)), ["decision"]);
        assert_eq!(fields(d("", None)), ["decision"]);
    }

    #[test]
    fn a_review_is_unchanged_with_a_note() {
        let r = |decision: &str, note: &str| {
            parse_review(PlanReviewInput {
                decision: decision.into(),
                note: note.into(),
            })
        };
        assert_eq!(
            r("unchanged", " Goals still fit "),
            Ok(PlanReview {
                decision: PlanReviewDecision::Unchanged,
                note: "Goals still fit".into()
            })
        );
        assert_eq!(fields(r("changed", "")), ["decision", "note"]);
        assert_eq!(fields(r("unchanged", "\u{7}")), ["note"]);
    }
}
