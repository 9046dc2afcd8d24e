//! Interventions: everything done for a child, by the case manager or a specialist (brief § 2
//! step 7) — what kind of contact, which of the five kinds of help, when, whether the child was
//! seen, and the plan measure it carries out.
//!
//! These records are the evidence that a child was actually seen and helped, so their dates are
//! guarded: an intervention cannot be logged as happening in the future (beyond a few minutes of
//! clock skew between a phone and the server) nor before the system's records could begin.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::PlanMeasureId;
use crate::plan::{ASSISTANCE_KINDS, AssistanceKind};
use crate::validation::{FieldError, Validation};

/// Longest intervention summary.
pub const SUMMARY_MAX: usize = 10_000;
/// Longest single intervention: a day.
pub const DURATION_MAX_MINUTES: u16 = 1_440;
/// How far ahead of the server's clock a device's clock may run.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

crate::code_enum! {
    pub enum InterventionKind {
        HomeVisit = "home_visit",
        Consultation = "consultation",
        PsychologicalSession = "psychological_session",
        MedicalCare = "medical_care",
        PedagogicalSupport = "pedagogical_support",
        SocialSupport = "social_support",
        LegalAid = "legal_aid",
        BenefitApplication = "benefit_application",
        Placement = "placement",
        Mediation = "mediation",
        Other = "other",
    }
}

/// The request body of `POST /cases/{id}/interventions`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InterventionInput {
    /// One of the [`InterventionKind`] codes.
    #[cfg_attr(feature = "openapi", schema(value_type = InterventionKind))]
    pub kind: String,
    /// `medical`, `psychological`, `pedagogical`, `social` or `legal`.
    #[cfg_attr(feature = "openapi", schema(value_type = AssistanceKind))]
    pub assistance_type: String,
    /// RFC 3339 with an offset, e.g. `2026-05-10T14:30:00+05:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::DateTime<chrono::Utc>))]
    pub occurred_at: String,
    pub summary: String,
    pub child_seen: bool,
    /// 1 to 1440.
    pub duration_minutes: Option<i64>,
    /// The plan measure this intervention carries out.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub plan_measure_id: Option<String>,
}

/// A well-formed intervention. Whether the plan measure belongs to the case is checked against
/// the stored records by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Intervention {
    pub kind: InterventionKind,
    pub assistance_type: AssistanceKind,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    pub child_seen: bool,
    pub duration_minutes: Option<u16>,
    pub plan_measure_id: Option<PlanMeasureId>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum OccurredAtError {
    #[error("must be a date and time with an offset, such as 2026-05-10T14:30:00+05:00")]
    Format,
    #[error("must not be in the future")]
    Future,
    #[error("must not be before 2000-01-01")]
    TooEarly,
}

/// When something with the child happened: RFC 3339 with an offset, not in the future (beyond
/// the clock skew allowed), not before 2000.
pub(crate) fn occurred_at(
    value: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, OccurredAtError> {
    let at = DateTime::parse_from_rfc3339(value.trim())
        .map_err(|_| OccurredAtError::Format)?
        .with_timezone(&Utc);
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(OccurredAtError::Future);
    }
    // `single()` is always `Some` for a valid UTC date; if it were not, nothing is too early.
    let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    if earliest.is_some_and(|earliest| at < earliest) {
        return Err(OccurredAtError::TooEarly);
    }
    Ok(at)
}

pub fn parse_intervention(
    input: InterventionInput,
    now: DateTime<Utc>,
) -> Result<Intervention, Vec<FieldError>> {
    let mut v = Validation::new();
    let kind = v.check(
        "kind",
        InterventionKind::from_code(input.kind.trim()).ok_or(
            "must be home_visit, consultation, psychological_session, medical_care, \
             pedagogical_support, social_support, legal_aid, benefit_application, placement, \
             mediation or other",
        ),
    );
    let assistance_type = v.check(
        "assistance_type",
        AssistanceKind::from_code(input.assistance_type.trim()).ok_or(ASSISTANCE_KINDS),
    );
    let at = v.check("occurred_at", occurred_at(&input.occurred_at, now));
    let summary = v.text("summary", &input.summary, SUMMARY_MAX);
    let duration_minutes = match input.duration_minutes {
        Some(m) => v
            .check(
                "duration_minutes",
                u16::try_from(m)
                    .ok()
                    .filter(|m| (1..=DURATION_MAX_MINUTES).contains(m))
                    .ok_or("must be between 1 and 1440 minutes"),
            )
            .map(Some),
        None => Some(None),
    };
    let plan_measure_id = match input.plan_measure_id.as_deref() {
        Some(id) => v
            .check(
                "plan_measure_id",
                id.trim()
                    .parse::<PlanMeasureId>()
                    .map_err(|_| "must be a plan measure id"),
            )
            .map(Some),
        None => Some(None),
    };
    match (
        kind,
        assistance_type,
        at,
        summary,
        duration_minutes,
        plan_measure_id,
    ) {
        (
            Some(kind),
            Some(assistance_type),
            Some(occurred_at),
            Some(summary),
            Some(duration_minutes),
            Some(plan_measure_id),
        ) if v.is_empty() => Ok(Intervention {
            kind,
            assistance_type,
            occurred_at,
            summary,
            child_seen: input.child_seen,
            duration_minutes,
            plan_measure_id,
        }),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const MEASURE: &str = "0190c3a4-6b2e-7a1c-9d3e-2f4a5b6c7d8e";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap()
    }

    fn input() -> InterventionInput {
        InterventionInput {
            kind: "home_visit".into(),
            assistance_type: "social".into(),
            occurred_at: "2026-05-10T14:30:00+05:00".into(),
            summary: "Visited the family; the child was at home and well.".into(),
            child_seen: true,
            duration_minutes: Some(90),
            plan_measure_id: Some(MEASURE.into()),
        }
    }

    fn fields(r: Result<Intervention, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn kinds_round_trip() {
        let mut seen = HashSet::new();
        for k in InterventionKind::ALL {
            assert!(seen.insert(k.as_str()));
            assert_eq!(InterventionKind::from_code(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(InterventionKind::from_code("visit"), None);
    }

    #[test]
    fn parses_an_intervention() {
        let i = parse_intervention(input(), now()).unwrap();
        assert_eq!(i.kind, InterventionKind::HomeVisit);
        assert_eq!(i.assistance_type, AssistanceKind::Social);
        assert_eq!(
            i.occurred_at,
            Utc.with_ymd_and_hms(2026, 5, 10, 9, 30, 0).unwrap()
        );
        assert!(i.child_seen);
        assert_eq!(i.duration_minutes, Some(90));
        assert_eq!(i.plan_measure_id.unwrap().to_string(), MEASURE);
    }

    #[test]
    fn optional_fields_may_be_left_out() {
        let json = r#"{"kind":"consultation","assistance_type":"legal",
            "occurred_at":"2026-05-01T09:00:00Z","summary":"Advice on benefits"}"#;
        let i = parse_intervention(serde_json::from_str(json).unwrap(), now()).unwrap();
        assert!(!i.child_seen);
        assert_eq!(i.duration_minutes, None);
        assert_eq!(i.plan_measure_id, None);
    }

    #[test]
    fn occurred_at_is_bounded() {
        let at = |s: &str| {
            parse_intervention(
                InterventionInput {
                    occurred_at: s.into(),
                    ..input()
                },
                now(),
            )
        };
        // Up to five minutes of clock skew.
        assert!(at("2026-05-10T12:05:00Z").is_ok());
        assert_eq!(fields(at("2026-05-10T12:05:01Z")), ["occurred_at"]);
        assert!(at("2000-01-01T00:00:00Z").is_ok());
        assert_eq!(fields(at("1999-12-31T23:59:59Z")), ["occurred_at"]);
        for bad in ["2026-05-10", "2026-05-10T12:00:00", "yesterday", ""] {
            assert_eq!(fields(at(bad)), ["occurred_at"], "{bad}");
        }
    }

    #[test]
    fn duration_is_a_positive_day_at_most() {
        let d = |m: i64| {
            parse_intervention(
                InterventionInput {
                    duration_minutes: Some(m),
                    ..input()
                },
                now(),
            )
        };
        assert!(d(1).is_ok());
        assert!(d(1440).is_ok());
        for bad in [0, -5, 1441, 70_000, i64::MAX] {
            assert_eq!(fields(d(bad)), ["duration_minutes"], "{bad}");
        }
    }

    #[test]
    fn names_every_bad_field() {
        let bad = InterventionInput {
            kind: "visit".into(),
            assistance_type: "financial".into(),
            occurred_at: "soon".into(),
            summary: "  ".into(),
            child_seen: false,
            duration_minutes: Some(0),
            plan_measure_id: Some("measure 3".into()),
        };
        assert_eq!(
            fields(parse_intervention(bad, now())),
            [
                "kind",
                "assistance_type",
                "occurred_at",
                "summary",
                "duration_minutes",
                "plan_measure_id"
            ]
        );
        assert_eq!(
            fields(parse_intervention(
                InterventionInput {
                    summary: "x".repeat(SUMMARY_MAX + 1),
                    ..input()
                },
                now()
            )),
            ["summary"]
        );
    }
}
