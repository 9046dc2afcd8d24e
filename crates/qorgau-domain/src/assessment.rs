//! Assessments of a child's situation (brief § 2 step 5): the initial safety assessment at first
//! contact and the comprehensive assessment of needs across seven domains.
//!
//! A comprehensive assessment must say something about every domain — a blank domain is how
//! needs get missed — so [`parse_assessment`] refuses one that leaves any out. Recording an
//! assessment also moves a case along its lifecycle at two points only ([`status_after`]);
//! everywhere else it is a record and nothing more.

use serde::{Deserialize, Serialize};

use crate::case::CaseStatus;
use crate::taxonomy::RiskLevel;
use crate::validation::{FieldError, Validation, bounded_text};

/// Longest assessment summary.
pub const SUMMARY_MAX: usize = 10_000;
/// Longest note on one domain.
pub const NOTE_MAX: usize = 2_000;

crate::code_enum! {
    pub enum AssessmentKind {
        /// The safety assessment made at first contact with the child.
        Initial = "initial",
        /// The assessment of needs across every [`AssessmentDomain`].
        Comprehensive = "comprehensive",
    }
}

crate::code_enum! {
    /// The areas of a child's life a comprehensive assessment covers (brief § 2 step 5).
    pub enum AssessmentDomain {
        Safety = "safety",
        Health = "health",
        Education = "education",
        Family = "family",
        PsychoEmotional = "psycho_emotional",
        Legal = "legal",
        Material = "material",
    }
}

crate::code_enum! {
    /// How much help the child needs in one domain. `None` is a finding, not a gap.
    pub enum NeedLevel {
        // Declaration order defines the derived `Ord`: least need first.
        None = "none",
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

/// One domain's finding, as received.
// `Serialize` only because utoipa renders the `Default` of a nested input as a schema default.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DomainInput {
    /// `safety`, `health`, `education`, `family`, `psycho_emotional`, `legal` or `material`.
    #[cfg_attr(feature = "openapi", schema(value_type = AssessmentDomain))]
    pub domain: String,
    /// `none`, `low`, `medium` or `high`.
    #[cfg_attr(feature = "openapi", schema(value_type = NeedLevel))]
    pub level: String,
    pub note: Option<String>,
}

/// The request body of `POST /cases/{id}/assessments`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AssessmentInput {
    /// `initial` or `comprehensive`.
    #[cfg_attr(feature = "openapi", schema(value_type = AssessmentKind))]
    pub kind: String,
    pub summary: String,
    /// `critical`, `high`, `medium` or `low`: the assessor's view of the risk.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RiskLevel>))]
    pub risk_level: Option<String>,
    /// Required, covering all seven domains, for a comprehensive assessment.
    pub domains: Option<Vec<DomainInput>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainFinding {
    pub domain: AssessmentDomain,
    pub level: NeedLevel,
    pub note: Option<String>,
}

/// A well-formed assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub kind: AssessmentKind,
    pub summary: String,
    pub risk_level: Option<RiskLevel>,
    /// In the order given; no domain twice.
    pub domains: Vec<DomainFinding>,
}

/// An optional note: blank means none.
fn optional_text(
    v: &mut Validation,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    match value {
        Some(text) if !text.trim().is_empty() => v.check(field, bounded_text(text, max)),
        _ => None,
    }
}

pub fn parse_assessment(input: AssessmentInput) -> Result<Assessment, Vec<FieldError>> {
    let mut v = Validation::new();
    let kind = v.check(
        "kind",
        AssessmentKind::from_code(input.kind.trim()).ok_or("must be initial or comprehensive"),
    );
    let summary = v.text("summary", &input.summary, SUMMARY_MAX);
    let risk_level = match input.risk_level.as_deref() {
        Some(code) => v.check(
            "risk_level",
            RiskLevel::from_code(code.trim()).ok_or("must be critical, high, medium or low"),
        ),
        None => None,
    };

    let mut domains = Vec::new();
    let mut domains_ok = true;
    for (i, d) in input.domains.iter().flatten().enumerate() {
        let domain = v.check(
            &format!("domains[{i}].domain"),
            AssessmentDomain::from_code(d.domain.trim()).ok_or(
                "must be safety, health, education, family, psycho_emotional, legal or material",
            ),
        );
        let level = v.check(
            &format!("domains[{i}].level"),
            NeedLevel::from_code(d.level.trim()).ok_or("must be none, low, medium or high"),
        );
        let note = optional_text(
            &mut v,
            &format!("domains[{i}].note"),
            d.note.as_deref(),
            NOTE_MAX,
        );
        if let Some(domain) = domain
            && domains.iter().any(|f: &DomainFinding| f.domain == domain)
        {
            v.add(format!("domains[{i}].domain"), "is listed twice");
            continue;
        }
        match (domain, level) {
            (Some(domain), Some(level)) => domains.push(DomainFinding {
                domain,
                level,
                note,
            }),
            _ => domains_ok = false,
        }
    }

    if kind == Some(AssessmentKind::Comprehensive) {
        match &input.domains {
            None => v.add(
                "domains",
                "a comprehensive assessment must cover every domain: safety, health, \
                 education, family, psycho_emotional, legal, material",
            ),
            // Report missing domains only once every entry is readable, or a misspelt
            // domain would be reported twice.
            Some(_) if domains_ok => {
                let missing: Vec<_> = AssessmentDomain::ALL
                    .into_iter()
                    .filter(|d| !domains.iter().any(|f| f.domain == *d))
                    .map(AssessmentDomain::as_str)
                    .collect();
                if !missing.is_empty() {
                    v.add(
                        "domains",
                        format!(
                            "a comprehensive assessment must cover every domain; missing: {}",
                            missing.join(", ")
                        ),
                    );
                }
            }
            Some(_) => {}
        }
    }

    match (kind, summary) {
        (Some(kind), Some(summary)) if v.is_empty() => Ok(Assessment {
            kind,
            summary,
            risk_level,
            domains,
        }),
        _ => Err(v.into_errors()),
    }
}

/// The status a case moves to when an assessment of `kind` is recorded while it is `current`:
/// the initial assessment starts the assessment stage, the comprehensive one completes it.
/// `None`: the case stays where it is.
pub fn status_after(kind: AssessmentKind, current: CaseStatus) -> Option<CaseStatus> {
    match (kind, current) {
        (AssessmentKind::Initial, CaseStatus::Intake) => Some(CaseStatus::Assessment),
        (AssessmentKind::Comprehensive, CaseStatus::Assessment) => Some(CaseStatus::Planning),
        _ => None,
    }
}

/// Whether an assessment may be recorded on a case in `current`: any time the case is being
/// worked (a reassessment during monitoring is ordinary), but not once closure is requested.
pub fn may_record(current: CaseStatus) -> bool {
    !matches!(current, CaseStatus::Closed | CaseStatus::ClosureRequested)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::lifecycle::STATUSES;

    fn all_domains() -> Vec<DomainInput> {
        AssessmentDomain::ALL
            .into_iter()
            .map(|d| DomainInput {
                domain: d.as_str().into(),
                level: "low".into(),
                note: None,
            })
            .collect()
    }

    fn input(kind: &str) -> AssessmentInput {
        AssessmentInput {
            kind: kind.into(),
            summary: "Seen at home with the mother.".into(),
            ..AssessmentInput::default()
        }
    }

    fn fields(r: Result<Assessment, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn codes_round_trip() {
        fn check<T>(all: &[T], from: fn(&str) -> Option<T>, as_str: fn(T) -> &'static str)
        where
            T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display + Serialize,
        {
            let mut seen = HashSet::new();
            for &x in all {
                assert!(seen.insert(as_str(x)));
                assert_eq!(from(as_str(x)), Some(x));
                assert_eq!(x.to_string(), as_str(x));
                assert_eq!(serde_json::to_value(x).unwrap(), as_str(x));
            }
            assert_eq!(from("unknown"), None);
        }
        check(
            &AssessmentKind::ALL,
            AssessmentKind::from_code,
            AssessmentKind::as_str,
        );
        check(
            &AssessmentDomain::ALL,
            AssessmentDomain::from_code,
            AssessmentDomain::as_str,
        );
        check(&NeedLevel::ALL, NeedLevel::from_code, NeedLevel::as_str);
        assert_eq!(AssessmentDomain::ALL.len(), 7);
        assert!(NeedLevel::High > NeedLevel::None);
    }

    #[test]
    fn initial_assessment_needs_only_kind_and_summary() {
        let a = parse_assessment(input("initial")).unwrap();
        assert_eq!(a.kind, AssessmentKind::Initial);
        assert_eq!(a.summary, "Seen at home with the mother.");
        assert!(a.domains.is_empty());
        assert_eq!(a.risk_level, None);
    }

    #[test]
    fn comprehensive_assessment_covers_every_domain() {
        let ok = parse_assessment(AssessmentInput {
            domains: Some(all_domains()),
            risk_level: Some("medium".into()),
            ..input("comprehensive")
        })
        .unwrap();
        assert_eq!(ok.domains.len(), 7);
        assert_eq!(ok.risk_level, Some(RiskLevel::Medium));

        assert_eq!(
            fields(parse_assessment(input("comprehensive"))),
            ["domains"]
        );
        let mut some = all_domains();
        some.retain(|d| d.domain != "legal" && d.domain != "health");
        let errors = parse_assessment(AssessmentInput {
            domains: Some(some),
            ..input("comprehensive")
        })
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "domains");
        assert!(
            errors[0].message.ends_with("missing: health, legal"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn domains_are_checked_one_by_one() {
        let mut domains = all_domains();
        domains[1].domain = "helth".into();
        domains[2].level = "extreme".into();
        domains[3].note = Some("x".repeat(NOTE_MAX + 1));
        domains.push(DomainInput {
            domain: "safety".into(),
            level: "high".into(),
            note: None,
        });
        assert_eq!(
            fields(parse_assessment(AssessmentInput {
                domains: Some(domains),
                ..input("comprehensive")
            })),
            [
                "domains[1].domain",
                "domains[2].level",
                "domains[3].note",
                "domains[7].domain"
            ]
        );
    }

    #[test]
    fn blank_notes_are_no_notes() {
        let mut domains = all_domains();
        domains[0].note = Some("  ".into());
        domains[1].note = Some(" Asthma, treated. ".into());
        let a = parse_assessment(AssessmentInput {
            domains: Some(domains),
            ..input("initial")
        })
        .unwrap();
        assert_eq!(a.domains[0].note, None);
        assert_eq!(a.domains[1].note.as_deref(), Some("Asthma, treated."));
    }

    #[test]
    fn required_fields_and_codes() {
        assert_eq!(
            fields(parse_assessment(AssessmentInput::default())),
            ["kind", "summary"]
        );
        assert_eq!(
            fields(parse_assessment(AssessmentInput {
                risk_level: Some("extreme".into()),
                summary: "x".repeat(SUMMARY_MAX + 1),
                ..input("initial")
            })),
            ["summary", "risk_level"]
        );
        let from_json: AssessmentInput =
            serde_json::from_str(r#"{"kind":"initial","summary":"ok"}"#).unwrap();
        assert!(parse_assessment(from_json).is_ok());
    }

    #[test]
    fn only_two_recordings_advance_the_case() {
        use AssessmentKind::*;
        use CaseStatus::*;
        for kind in AssessmentKind::ALL {
            for status in STATUSES {
                let expected = match (kind, status) {
                    (Initial, Intake) => Some(Assessment),
                    (Comprehensive, Assessment) => Some(Planning),
                    _ => None,
                };
                assert_eq!(status_after(kind, status), expected);
            }
        }
    }

    #[test]
    fn recording_stops_at_closure() {
        for status in STATUSES {
            let open = !matches!(status, CaseStatus::Closed | CaseStatus::ClosureRequested);
            assert_eq!(may_record(status), open, "{status:?}");
        }
    }
}
