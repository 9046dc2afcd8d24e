//! The legal representative's consent to help and to sharing the child's data (brief § 5; Law
//! 94-V: the legal representative consents for a minor): who gave it, for which kinds of
//! organisation, when, and whether it was withdrawn.
//!
//! A referral shares part of a case with another organisation, so it needs a basis: an active
//! consent covering that kind of organisation, or an override. Help may proceed without consent
//! where life or health is threatened (seed item 5), and also under a court order or a legal
//! duty; the override is recorded with its basis and audited, and only the case's manager or
//! supervisor may make it ([`crate::referral::may_override`]).

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ConsentId, RelationId};
use crate::organisation::OrganisationKind;
use crate::referral::{ConsentOverride, OverrideBasis, may_override};
use crate::role::Role;
use crate::validation::{FieldError, Validation};

/// Longest name of the person consenting, and of their relation to the child.
pub const NAME_MAX: usize = 200;
/// How far ahead of the server's clock a device's clock may run.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// The request body of `POST /cases/{id}/consents`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ConsentInput {
    /// The recorded relation who consents, if they are on record.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub given_by_relation_id: Option<String>,
    pub given_by_name: String,
    /// E.g. `mother`, `guardian`.
    pub relation: String,
    /// Consent to the services themselves.
    pub services: bool,
    /// Organisation kind codes the child's data may be shared with.
    pub share_with: Vec<String>,
    /// RFC 3339, e.g. `2026-05-10T14:30:00+05:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::DateTime<chrono::Utc>))]
    pub given_at: String,
    /// Consent to images of the child (photos) being kept on the case file: what a document of
    /// kind `photo` needs (seed l. 651–654). Absent: `false`.
    pub images: bool,
}

/// A well-formed consent. Whether the relation belongs to the child, and is not an alleged
/// perpetrator ([`crate::interagency::check_consenting_relation`]), is checked by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewConsent {
    pub given_by_relation_id: Option<RelationId>,
    pub given_by_name: String,
    pub relation: String,
    pub services: bool,
    /// Without duplicates, in the order first given.
    pub share_with: Vec<OrganisationKind>,
    pub given_at: DateTime<Utc>,
    pub images: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum TimestampError {
    #[error("must be a date and time with an offset, such as 2026-05-10T14:30:00+05:00")]
    Format,
    #[error("must not be in the future")]
    Future,
    #[error("must not be before 2000-01-01")]
    TooEarly,
}

/// A past moment written in RFC 3339: not after `now` (beyond [`CLOCK_SKEW_MINUTES`]) nor
/// before 2000, when no record in the system can have been made.
pub(crate) fn past_timestamp(
    value: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, TimestampError> {
    let at = DateTime::parse_from_rfc3339(value.trim())
        .map_err(|_| TimestampError::Format)?
        .with_timezone(&Utc);
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(TimestampError::Future);
    }
    // `single()` is always `Some` for a valid UTC date; if it were not, nothing is too early.
    let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    if earliest.is_some_and(|earliest| at < earliest) {
        return Err(TimestampError::TooEarly);
    }
    Ok(at)
}

pub fn parse_consent(
    input: ConsentInput,
    now: DateTime<Utc>,
) -> Result<NewConsent, Vec<FieldError>> {
    let mut v = Validation::new();
    let given_by_relation_id = match input.given_by_relation_id.as_deref() {
        Some(id) => v
            .check(
                "given_by_relation_id",
                id.trim()
                    .parse::<RelationId>()
                    .map_err(|_| "must be a relation id"),
            )
            .map(Some),
        None => Some(None),
    };
    let given_by_name = v.text("given_by_name", &input.given_by_name, NAME_MAX);
    let relation = v.text("relation", &input.relation, NAME_MAX);
    let mut share_with = Vec::with_capacity(input.share_with.len());
    for (i, code) in input.share_with.iter().enumerate() {
        let kind = v.check(
            &format!("share_with[{i}]"),
            OrganisationKind::from_code(code.trim()).ok_or("must be an organisation kind"),
        );
        if let Some(kind) = kind.filter(|k| !share_with.contains(k)) {
            share_with.push(kind);
        }
    }
    let given_at = v.check("given_at", past_timestamp(&input.given_at, now));
    match (given_by_relation_id, given_by_name, relation, given_at) {
        (Some(given_by_relation_id), Some(given_by_name), Some(relation), Some(given_at))
            if v.is_empty() =>
        {
            Ok(NewConsent {
                given_by_relation_id,
                given_by_name,
                relation,
                services: input.services,
                share_with,
                given_at,
                images: input.images,
            })
        }
        _ => Err(v.into_errors()),
    }
}

/// What the stored records say about one consent, for [`sharing_basis`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentFacts {
    pub id: ConsentId,
    pub share_with: Vec<OrganisationKind>,
    pub given_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl ConsentFacts {
    /// Given by `at` and not withdrawn by then.
    pub fn is_active_at(&self, at: DateTime<Utc>) -> bool {
        self.given_at <= at && self.withdrawn_at.is_none_or(|w| w > at)
    }
}

/// Why a referral may share the child's data with an organisation; recorded with it for audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SharingBasis {
    Consent { consent_id: ConsentId },
    Override { basis: OverrideBasis },
}

/// The basis for sharing a case with an organisation of `kind` at `at`.
///
/// An active consent covering `kind` comes first (the latest given, if several): consent is the
/// rule and an override the exception, so an override is neither needed nor recorded when
/// consent exists. Otherwise the override stands if `role` may override; else the referral is
/// refused, naming what would make it possible.
pub fn sharing_basis(
    consents: &[ConsentFacts],
    kind: OrganisationKind,
    override_: Option<&ConsentOverride>,
    role: Role,
    at: DateTime<Utc>,
) -> Result<SharingBasis, Vec<FieldError>> {
    let covering = consents
        .iter()
        .filter(|c| c.is_active_at(at) && c.share_with.contains(&kind))
        .max_by_key(|c| c.given_at);
    if let Some(consent) = covering {
        return Ok(SharingBasis::Consent {
            consent_id: consent.id,
        });
    }
    let mut v = Validation::new();
    match override_ {
        Some(o) if may_override(role) => return Ok(SharingBasis::Override { basis: o.basis }),
        Some(_) => v.add("consent_override", "your role may not override consent"),
        None => v.add(
            "to_organisation_id",
            format!(
                "no active consent of the legal representative covers sharing with organisations \
                 of kind {}; a case manager or supervisor may refer without it by giving \
                 consent_override with a basis of {}",
                kind.as_str(),
                OverrideBasis::ALL.map(OverrideBasis::as_str).join(", ")
            ),
        ),
    }
    Err(v.into_errors())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const RELATION: &str = "0190c3a4-6b2e-7a1c-9d3e-2f4a5b6c7d8e";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 10, 12, 0, 0).unwrap()
    }

    fn input() -> ConsentInput {
        ConsentInput {
            given_by_relation_id: Some(RELATION.into()),
            given_by_name: "Айгүл Сейітова".into(),
            relation: "mother".into(),
            services: true,
            share_with: vec!["psychological_support_centre".into(), "school".into()],
            given_at: "2026-05-10T16:30:00+05:00".into(),
            images: true,
        }
    }

    fn fields<T: std::fmt::Debug>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn parses_a_consent() {
        let c = parse_consent(input(), now()).unwrap();
        assert_eq!(c.given_by_relation_id.unwrap().to_string(), RELATION);
        assert_eq!(
            c.share_with,
            [
                OrganisationKind::PsychologicalSupportCentre,
                OrganisationKind::School
            ]
        );
        // 16:30 in Astana is 11:30 UTC.
        assert_eq!(
            c.given_at,
            Utc.with_ymd_and_hms(2026, 5, 10, 11, 30, 0).unwrap()
        );
        assert!(c.images, "consent to images is kept");
        let without_relation = parse_consent(
            ConsentInput {
                given_by_relation_id: None,
                share_with: vec![],
                ..input()
            },
            now(),
        )
        .unwrap();
        assert_eq!(without_relation.given_by_relation_id, None);
        assert!(without_relation.share_with.is_empty());
    }

    #[test]
    fn removes_duplicate_kinds() {
        let c = parse_consent(
            ConsentInput {
                share_with: vec!["school".into(), "health".into(), "school".into()],
                ..input()
            },
            now(),
        )
        .unwrap();
        assert_eq!(
            c.share_with,
            [OrganisationKind::School, OrganisationKind::Health]
        );
    }

    #[test]
    fn names_every_bad_field() {
        let errors = fields(parse_consent(
            ConsentInput {
                given_by_relation_id: Some("mother".into()),
                given_by_name: " ".into(),
                relation: "x".repeat(NAME_MAX + 1),
                services: false,
                share_with: vec!["school".into(), "bank".into()],
                given_at: "2026-05-10".into(),
                images: false,
            },
            now(),
        ));
        assert_eq!(
            errors,
            [
                "given_by_relation_id",
                "given_by_name",
                "relation",
                "share_with[1]",
                "given_at"
            ]
        );
    }

    #[test]
    fn given_at_is_in_the_past_and_after_2000() {
        let at = |given_at: &str| {
            parse_consent(
                ConsentInput {
                    given_at: given_at.into(),
                    ..input()
                },
                now(),
            )
        };
        assert!(at("2026-05-10T12:05:00Z").is_ok(), "clock skew");
        assert_eq!(fields(at("2026-05-10T12:05:01Z")), ["given_at"]);
        assert_eq!(fields(at("1999-12-31T23:59:59Z")), ["given_at"]);
        assert!(at("2000-01-01T00:00:00Z").is_ok());
    }

    /// A consent id named for the test (its name's bytes as the UUID's).
    fn cid(name: &str) -> ConsentId {
        ConsentId(uuid::Uuid::from_u128(
            name.bytes().fold(0, |a, b| (a << 8) | u128::from(b)),
        ))
    }

    fn facts(
        id: &str,
        kinds: &[OrganisationKind],
        given: u32,
        withdrawn: Option<u32>,
    ) -> ConsentFacts {
        let day = |d| Utc.with_ymd_and_hms(2026, 5, d, 9, 0, 0).unwrap();
        ConsentFacts {
            id: cid(id),
            share_with: kinds.to_vec(),
            given_at: day(given),
            withdrawn_at: withdrawn.map(day),
        }
    }

    const SCHOOL: OrganisationKind = OrganisationKind::School;
    const POLICE: OrganisationKind = OrganisationKind::Police;

    fn threat() -> ConsentOverride {
        ConsentOverride {
            basis: OverrideBasis::ThreatToLifeOrHealth,
            note: Some("Burns on the child's arms".into()),
        }
    }

    #[test]
    fn an_active_covering_consent_is_the_basis_latest_first() {
        let consents = [
            facts("old", &[SCHOOL], 1, None),
            facts("new", &[SCHOOL, POLICE], 3, None),
            facts("withdrawn", &[SCHOOL], 4, Some(5)),
            facts("future", &[SCHOOL], 20, None),
        ];
        let basis = sharing_basis(&consents, SCHOOL, None, Role::Specialist, now());
        assert_eq!(
            basis,
            Ok(SharingBasis::Consent {
                consent_id: cid("new")
            })
        );
        // Consent wins over an override, even one the role could not make.
        let basis = sharing_basis(&consents, POLICE, Some(&threat()), Role::Analyst, now());
        assert_eq!(
            basis,
            Ok(SharingBasis::Consent {
                consent_id: cid("new")
            })
        );
        // Before it was withdrawn, the withdrawn consent was the latest.
        let on_the_4th = Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap();
        assert_eq!(
            sharing_basis(&consents, SCHOOL, None, Role::CaseManager, on_the_4th),
            Ok(SharingBasis::Consent {
                consent_id: cid("withdrawn")
            })
        );
    }

    #[test]
    fn a_withdrawn_consent_no_longer_covers() {
        let consents = [facts("c", &[SCHOOL], 1, Some(5))];
        let errors = sharing_basis(&consents, SCHOOL, None, Role::CaseManager, now()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "to_organisation_id");
        assert!(
            errors[0].message.contains("school"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0]
                .message
                .contains("threat_to_life_or_health, court_order, legal_duty"),
            "{}",
            errors[0].message
        );
        // Withdrawn at exactly `at`: no longer active.
        let at = Utc.with_ymd_and_hms(2026, 5, 5, 9, 0, 0).unwrap();
        assert!(!consents[0].is_active_at(at));
        assert!(consents[0].is_active_at(at - Duration::seconds(1)));
    }

    #[test]
    fn overrides_stand_only_for_case_managers_and_supervisors() {
        let consents = [facts("c", &[SCHOOL], 1, None)];
        for role in Role::ALL {
            let got = sharing_basis(&consents, POLICE, Some(&threat()), role, now());
            if matches!(role, Role::CaseManager | Role::Supervisor) {
                assert_eq!(
                    got,
                    Ok(SharingBasis::Override {
                        basis: OverrideBasis::ThreatToLifeOrHealth
                    })
                );
            } else {
                let errors = got.unwrap_err();
                assert_eq!(errors[0].field, "consent_override", "{role}");
                assert_eq!(errors[0].message, "your role may not override consent");
            }
        }
    }

    #[test]
    fn no_consent_at_all() {
        let errors = sharing_basis(&[], SCHOOL, None, Role::Supervisor, now()).unwrap_err();
        assert_eq!(errors[0].field, "to_organisation_id");
    }
}
