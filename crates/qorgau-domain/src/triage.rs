//! Triage of a signal by the district's intake coordinator (brief § 2.3): open a case, link the
//! signal to the child's open case, or screen it out with a reason.

use serde::Deserialize;

use crate::ids::{CaseId, UserId};
use crate::taxonomy::RiskLevel;
use crate::validation::{FieldError, Validation, bounded_text};

crate::code_enum! {
    pub enum Decision {
        OpenCase = "open_case",
        LinkCase = "link_case",
        ScreenOut = "screen_out",
    }
}

/// The request body, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TriageInput {
    /// `open_case`, `link_case` or `screen_out`.
    #[cfg_attr(feature = "openapi", schema(value_type = Decision))]
    pub decision: String,
    /// `critical`, `high`, `medium` or `low`; required to open or link a case.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RiskLevel>))]
    pub risk_level: Option<String>,
    /// The open case of the same child, for `link_case`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub case_id: Option<String>,
    /// Required for `screen_out`.
    pub reason: Option<String>,
    /// Optional case manager to assign a newly opened case to.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub assignee_id: Option<String>,
}

/// A well-formed triage decision. Whether it fits the signal's state is checked against the
/// stored records (already triaged → 409, child already has an open case → 409).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Triage {
    OpenCase {
        risk: RiskLevel,
        assignee: Option<UserId>,
    },
    LinkCase {
        risk: Option<RiskLevel>,
        case_id: CaseId,
    },
    ScreenOut {
        risk: Option<RiskLevel>,
        reason: String,
    },
}

pub fn parse_triage(input: TriageInput) -> Result<Triage, Vec<FieldError>> {
    let mut v = Validation::new();
    let decision = v.check(
        "decision",
        Decision::from_code(&input.decision).ok_or("must be open_case, link_case or screen_out"),
    );
    let risk = match input.risk_level.as_deref() {
        Some(code) => v
            .check(
                "risk_level",
                RiskLevel::from_code(code).ok_or("must be critical, high, medium or low"),
            )
            .map(Some),
        None => Some(None),
    };
    let triage = match (decision, risk) {
        (Some(Decision::OpenCase), Some(risk)) => {
            let assignee = match input.assignee_id.as_deref() {
                Some(a) => v
                    .check(
                        "assignee_id",
                        a.parse::<UserId>().map_err(|_| "must be a user id"),
                    )
                    .map(Some),
                None => Some(None),
            };
            match (risk, assignee) {
                (Some(risk), Some(assignee)) => Some(Triage::OpenCase { risk, assignee }),
                (None, _) => {
                    v.add("risk_level", "is required to open a case");
                    None
                }
                _ => None,
            }
        }
        (Some(Decision::LinkCase), Some(risk)) => match input.case_id.as_deref() {
            Some(id) => v
                .check(
                    "case_id",
                    id.parse::<CaseId>().map_err(|_| "must be a case id"),
                )
                .map(|case_id| Triage::LinkCase { risk, case_id }),
            None => {
                v.add("case_id", "is required to link the signal to a case");
                None
            }
        },
        (Some(Decision::ScreenOut), Some(risk)) => match input.reason.as_deref() {
            Some(reason) => v
                .check("reason", bounded_text(reason, 2000))
                .map(|reason| Triage::ScreenOut { risk, reason }),
            None => {
                v.add("reason", "is required to screen a signal out");
                None
            }
        },
        _ => None,
    };
    match triage {
        Some(t) if v.is_empty() => Ok(t),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(decision: &str) -> TriageInput {
        TriageInput {
            decision: decision.into(),
            ..TriageInput::default()
        }
    }

    fn fields(r: Result<Triage, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn open_case_needs_a_risk_level() {
        assert_eq!(fields(parse_triage(input("open_case"))), ["risk_level"]);
        let ok = parse_triage(TriageInput {
            risk_level: Some("high".into()),
            ..input("open_case")
        });
        assert_eq!(
            ok,
            Ok(Triage::OpenCase {
                risk: RiskLevel::High,
                assignee: None
            })
        );
    }

    #[test]
    fn screen_out_needs_a_reason() {
        assert_eq!(fields(parse_triage(input("screen_out"))), ["reason"]);
        assert_eq!(
            fields(parse_triage(TriageInput {
                reason: Some("   ".into()),
                ..input("screen_out")
            })),
            ["reason"]
        );
        assert!(
            parse_triage(TriageInput {
                reason: Some("duplicate of a call".into()),
                ..input("screen_out")
            })
            .is_ok()
        );
    }

    #[test]
    fn link_case_needs_a_case() {
        assert_eq!(fields(parse_triage(input("link_case"))), ["case_id"]);
        assert_eq!(
            fields(parse_triage(TriageInput {
                case_id: Some("x".into()),
                ..input("link_case")
            })),
            ["case_id"]
        );
    }

    #[test]
    fn unknown_codes_are_named() {
        assert_eq!(fields(parse_triage(input("escalate"))), ["decision"]);
        assert_eq!(
            fields(parse_triage(TriageInput {
                risk_level: Some("extreme".into()),
                ..input("open_case")
            })),
            ["risk_level"]
        );
    }
}
