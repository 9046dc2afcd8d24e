//! Referrals from a case to a partner organisation (brief § 2 step 8): `pending → accepted →
//! completed` (with an outcome), `pending → declined` (with a reason), or `withdrawn` by the
//! case team while still pending or accepted.
//!
//! A referral is also an access grant: while it is active the receiving organisation's
//! specialists see the minimum of the case they need (brief § 5, need to know), and that access
//! ends with it. Sharing a child's data with another organisation needs the legal
//! representative's consent, unless life or health is threatened (seed item 5) or a court or the
//! law requires it; such an override names its basis and is audited (see [`crate::consent`]).
//! Only the case's manager or supervisor may override consent, and the server checks it.

use serde::{Deserialize, Serialize};

use crate::ids::OrganisationId;
use crate::role::Role;
use crate::taxonomy::RiskLevel;
use crate::validation::{FieldError, Validation, bounded_text};

/// Longest service name.
pub const SERVICE_MAX: usize = 200;
/// Longest reason, override note, decline reason or completion outcome.
pub const TEXT_MAX: usize = 2_000;

crate::code_enum! {
    /// Where a referral stands.
    pub enum ReferralStatus {
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
        Completed = "completed",
        Withdrawn = "withdrawn",
    }
}

impl ReferralStatus {
    /// Pending or accepted: while active, the receiving organisation's specialists see the
    /// minimum of the case (brief § 5); once it ends, so does their access.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Accepted)
    }
}

crate::code_enum! {
    /// What a referral record is: a referral for a service, or a notification the protocol
    /// requires (`crate::protocol::RouteAction`), stored alike and answered alike.
    pub enum ReferralKind {
        Referral = "referral",
        Notification = "notification",
    }
}

crate::code_enum! {
    /// Why data may be shared without the legal representative's consent (api.md § Interagency
    /// records; seed item 5: help proceeds where life or health is threatened).
    pub enum OverrideBasis {
        ThreatToLifeOrHealth = "threat_to_life_or_health",
        CourtOrder = "court_order",
        LegalDuty = "legal_duty",
    }
}

impl OverrideBasis {
    /// Whether an override on this basis must say why: a threat or a court order is a fact
    /// of this case that the audit has to be able to check; a legal duty is general.
    pub fn requires_note(self) -> bool {
        matches!(self, Self::ThreatToLifeOrHealth | Self::CourtOrder)
    }
}

/// Wording for an unknown override basis.
pub(crate) const OVERRIDE_BASES: &str =
    "must be threat_to_life_or_health, court_order or legal_duty";

/// Whether `role` may share a child's data without consent: the case's manager or the
/// supervisor, who answer for the case (api.md § Interagency records). Checked on the server.
pub fn may_override(role: Role) -> bool {
    matches!(role, Role::CaseManager | Role::Supervisor)
}

/// `consent_override` of a referral, as received.
// `Serialize` only because utoipa renders the `Default` of a nested input as a schema default.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ConsentOverrideInput {
    /// `threat_to_life_or_health`, `court_order` or `legal_duty`.
    #[cfg_attr(feature = "openapi", schema(value_type = OverrideBasis))]
    pub basis: String,
    /// Why; required for `threat_to_life_or_health` and `court_order`.
    pub note: Option<String>,
}

/// The request body of `POST /cases/{id}/referrals`, as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReferralInput {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub to_organisation_id: String,
    pub service: String,
    pub reason: String,
    /// `critical`, `high`, `medium` or `low`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RiskLevel>))]
    pub urgency: Option<String>,
    /// Needed when no active consent covers the receiving organisation's kind.
    pub consent_override: Option<ConsentOverrideInput>,
}

/// A well-formed consent override. Whether the caller's role may use it is [`may_override`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentOverride {
    pub basis: OverrideBasis,
    pub note: Option<String>,
}

/// A well-formed referral. Whether the organisation exists, and whether consent covers it
/// ([`crate::consent::sharing_basis`]), is checked by the caller against the stored records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReferral {
    pub to_organisation_id: OrganisationId,
    pub service: String,
    pub reason: String,
    pub urgency: Option<RiskLevel>,
    pub consent_override: Option<ConsentOverride>,
}

fn parse_override(v: &mut Validation, input: &ConsentOverrideInput) -> Option<ConsentOverride> {
    let basis = v.check(
        "consent_override.basis",
        OverrideBasis::from_code(input.basis.trim()).ok_or(OVERRIDE_BASES),
    );
    let note = match input.note.as_deref() {
        Some(n) if !n.trim().is_empty() => v
            .check("consent_override.note", bounded_text(n, TEXT_MAX))
            .map(Some),
        _ => Some(None),
    };
    let (basis, note) = (basis?, note?);
    if note.is_none() && basis.requires_note() {
        v.add(
            "consent_override.note",
            format!("must say why when overriding consent on the basis {basis}"),
        );
        return None;
    }
    Some(ConsentOverride { basis, note })
}

pub fn parse_referral(input: ReferralInput) -> Result<NewReferral, Vec<FieldError>> {
    let mut v = Validation::new();
    let to_organisation_id = v.check(
        "to_organisation_id",
        input
            .to_organisation_id
            .trim()
            .parse::<OrganisationId>()
            .map_err(|_| "must be an organisation id"),
    );
    let service = v.text("service", &input.service, SERVICE_MAX);
    let reason = v.text("reason", &input.reason, TEXT_MAX);
    let urgency = match input.urgency.as_deref() {
        Some(code) => v
            .check(
                "urgency",
                RiskLevel::from_code(code.trim()).ok_or("must be critical, high, medium or low"),
            )
            .map(Some),
        None => Some(None),
    };
    let consent_override = match &input.consent_override {
        Some(o) => parse_override(&mut v, o).map(Some),
        None => Some(None),
    };
    match (
        to_organisation_id,
        service,
        reason,
        urgency,
        consent_override,
    ) {
        (
            Some(to_organisation_id),
            Some(service),
            Some(reason),
            Some(urgency),
            Some(consent_override),
        ) if v.is_empty() => Ok(NewReferral {
            to_organisation_id,
            service,
            reason,
            urgency,
            consent_override,
        }),
        _ => Err(v.into_errors()),
    }
}

/// What someone does to a referral (`POST /referrals/{id}/<action>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferralAction {
    Accept,
    Decline { reason: String },
    Complete { outcome: String },
    Withdraw,
}

impl ReferralAction {
    /// The action's name, as in its URL.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline { .. } => "decline",
            Self::Complete { .. } => "complete",
            Self::Withdraw => "withdraw",
        }
    }

    /// Who may take this action.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Accept | Self::Decline { .. } | Self::Complete { .. } => Actor::Receiver,
            Self::Withdraw => Actor::CaseTeam,
        }
    }

    /// The status this action leads to from `current`, if it is possible at all.
    fn target(&self, current: ReferralStatus) -> Option<ReferralStatus> {
        use ReferralStatus::*;
        match (self, current) {
            (Self::Accept, Pending) => Some(Accepted),
            (Self::Decline { .. }, Pending) => Some(Declined),
            (Self::Complete { .. }, Accepted) => Some(Completed),
            (Self::Withdraw, Pending | Accepted) => Some(Withdrawn),
            _ => None,
        }
    }
}

/// Who acts on a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// Staff of the receiving organisation: accept, decline, complete.
    Receiver,
    /// The case's manager or supervisor: withdraw.
    CaseTeam,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferralError {
    /// The caller is not the party who takes this action (403).
    #[error("this action is not yours to take on this referral")]
    Forbidden,
    /// The action is not possible from the current status (409, with `allowed`).
    #[error("{detail}")]
    NotAllowed {
        detail: String,
        allowed: Vec<&'static str>,
    },
}

/// The actions `by` may take on a referral in status `current`, by name.
pub fn allowed_actions(current: ReferralStatus, by: Actor) -> Vec<&'static str> {
    [
        ReferralAction::Accept,
        ReferralAction::Decline {
            reason: String::new(),
        },
        ReferralAction::Complete {
            outcome: String::new(),
        },
        ReferralAction::Withdraw,
    ]
    .iter()
    .filter(|a| a.actor() == by && a.target(current).is_some())
    .map(ReferralAction::as_str)
    .collect()
}

/// The status after `action` by `by`. The actor is checked first: someone who may never take
/// this action learns that (403) rather than the referral's state.
pub fn next_status(
    current: ReferralStatus,
    action: &ReferralAction,
    by: Actor,
) -> Result<ReferralStatus, ReferralError> {
    if action.actor() != by {
        return Err(ReferralError::Forbidden);
    }
    action
        .target(current)
        .ok_or_else(|| ReferralError::NotAllowed {
            detail: format!(
                "a referral that is {current} cannot be {}",
                match action {
                    ReferralAction::Accept => "accepted",
                    ReferralAction::Decline { .. } => "declined",
                    ReferralAction::Complete { .. } => "completed",
                    ReferralAction::Withdraw => "withdrawn",
                }
            ),
            allowed: allowed_actions(current, by),
        })
}

/// A required text of at most [`TEXT_MAX`] characters under `field`: the decline `reason` or the
/// completion `outcome`.
pub fn parse_reason(field: &str, value: Option<&str>) -> Result<String, Vec<FieldError>> {
    let mut v = Validation::new();
    match value {
        Some(value) => {
            if let Some(text) = v.text(field, value, TEXT_MAX) {
                return Ok(text);
            }
        }
        None => v.add(field, "is required"),
    }
    Err(v.into_errors())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ORG: &str = "0190c3a4-6b2e-7a1c-9d3e-2f4a5b6c7d8e";

    fn input() -> ReferralInput {
        ReferralInput {
            to_organisation_id: ORG.into(),
            service: "Psychological support".into(),
            reason: "Signs of trauma after the incident at home".into(),
            urgency: None,
            consent_override: None,
        }
    }

    fn fields<T: std::fmt::Debug>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
        r.expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    fn override_(basis: &str, note: Option<&str>) -> Option<ConsentOverrideInput> {
        Some(ConsentOverrideInput {
            basis: basis.into(),
            note: note.map(Into::into),
        })
    }

    #[test]
    fn codes_round_trip() {
        for s in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::from_code(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for b in OverrideBasis::ALL {
            assert_eq!(OverrideBasis::from_code(b.as_str()), Some(b));
            assert_eq!(b.to_string(), b.as_str());
            assert_eq!(serde_json::to_value(b).unwrap(), b.as_str());
        }
        assert_eq!(ReferralStatus::from_code("open"), None);
        assert_eq!(OverrideBasis::from_code("urgency"), None);
    }

    #[test]
    fn only_pending_and_accepted_are_active() {
        let active: Vec<_> = ReferralStatus::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .collect();
        assert_eq!(active, [ReferralStatus::Pending, ReferralStatus::Accepted]);
    }

    #[test]
    fn only_case_managers_and_supervisors_may_override() {
        let may: Vec<_> = Role::ALL.into_iter().filter(|r| may_override(*r)).collect();
        assert_eq!(may, [Role::CaseManager, Role::Supervisor]);
    }

    #[test]
    fn parses_a_referral() {
        let r = parse_referral(ReferralInput {
            service: "  Psychological support ".into(),
            urgency: Some("high".into()),
            consent_override: override_("legal_duty", None),
            ..input()
        })
        .unwrap();
        assert_eq!(r.to_organisation_id.to_string(), ORG);
        assert_eq!(r.service, "Psychological support");
        assert_eq!(r.urgency, Some(RiskLevel::High));
        assert_eq!(
            r.consent_override,
            Some(ConsentOverride {
                basis: OverrideBasis::LegalDuty,
                note: None
            })
        );
        assert_eq!(parse_referral(input()).unwrap().consent_override, None);
    }

    #[test]
    fn names_every_bad_field() {
        let errors = fields(parse_referral(ReferralInput {
            to_organisation_id: "school 12".into(),
            service: " ".into(),
            reason: "x".repeat(TEXT_MAX + 1),
            urgency: Some("extreme".into()),
            consent_override: override_("parent_unreachable", Some(&"y".repeat(TEXT_MAX + 1))),
        }));
        assert_eq!(
            errors,
            [
                "to_organisation_id",
                "service",
                "reason",
                "urgency",
                "consent_override.basis",
                "consent_override.note"
            ]
        );
        assert_eq!(
            fields(parse_referral(ReferralInput {
                service: "s".repeat(SERVICE_MAX + 1),
                ..input()
            })),
            ["service"]
        );
    }

    #[test]
    fn a_threat_or_court_order_override_says_why() {
        for basis in ["threat_to_life_or_health", "court_order"] {
            for note in [None, Some("  ")] {
                assert_eq!(
                    fields(parse_referral(ReferralInput {
                        consent_override: override_(basis, note),
                        ..input()
                    })),
                    ["consent_override.note"],
                    "{basis} {note:?}"
                );
            }
            let ok = parse_referral(ReferralInput {
                consent_override: override_(
                    basis,
                    Some("Father threatened the child with a knife"),
                ),
                ..input()
            })
            .unwrap();
            assert_eq!(
                ok.consent_override.unwrap().note.as_deref(),
                Some("Father threatened the child with a knife")
            );
        }
    }

    #[test]
    fn every_status_action_and_actor() {
        use Actor::*;
        use ReferralStatus::*;
        let actions = [
            ReferralAction::Accept,
            ReferralAction::Decline {
                reason: "No places".into(),
            },
            ReferralAction::Complete {
                outcome: "Ten sessions held".into(),
            },
            ReferralAction::Withdraw,
        ];
        type Expected = Result<ReferralStatus, Option<Vec<&'static str>>>;
        // Expected outcome per (status, action, actor): Ok(new status), `FORBIDDEN`, or
        // `na(allowed)` for NotAllowed with the actions the actor could take instead.
        fn na(allowed: &[&'static str]) -> Expected {
            Err(Some(allowed.to_vec()))
        }
        const FORBIDDEN: Expected = Err(None);
        #[rustfmt::skip]
        let table: [(ReferralStatus, [[Expected; 2]; 4]); 5] = [
            (Pending, [
                [Ok(Accepted), FORBIDDEN],
                [Ok(Declined), FORBIDDEN],
                [na(&["accept", "decline"]), FORBIDDEN],
                [FORBIDDEN, Ok(Withdrawn)],
            ]),
            (Accepted, [
                [na(&["complete"]), FORBIDDEN],
                [na(&["complete"]), FORBIDDEN],
                [Ok(Completed), FORBIDDEN],
                [FORBIDDEN, Ok(Withdrawn)],
            ]),
            (Declined, [
                [na(&[]), FORBIDDEN],
                [na(&[]), FORBIDDEN],
                [na(&[]), FORBIDDEN],
                [FORBIDDEN, na(&[])],
            ]),
            (Completed, [
                [na(&[]), FORBIDDEN],
                [na(&[]), FORBIDDEN],
                [na(&[]), FORBIDDEN],
                [FORBIDDEN, na(&[])],
            ]),
            (Withdrawn, [
                [na(&[]), FORBIDDEN],
                [na(&[]), FORBIDDEN],
                [na(&[]), FORBIDDEN],
                [FORBIDDEN, na(&[])],
            ]),
        ];
        let mut checked = 0;
        for (status, rows) in table {
            for (action, row) in actions.iter().zip(rows) {
                for (actor, expected) in [Receiver, CaseTeam].into_iter().zip(row) {
                    let got = next_status(status, action, actor);
                    match (got, expected) {
                        (Ok(got), Ok(want)) => assert_eq!(got, want),
                        (Err(ReferralError::Forbidden), Err(None)) => {}
                        (Err(ReferralError::NotAllowed { detail, allowed }), Err(Some(want))) => {
                            assert_eq!(allowed, want, "{status} {}", action.as_str());
                            assert!(detail.contains(status.as_str()), "{detail}");
                        }
                        (got, want) => {
                            panic!(
                                "{status} {} {actor:?}: {got:?} != {want:?}",
                                action.as_str()
                            )
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 4 * 2);
    }

    #[test]
    fn nothing_can_be_done_to_an_ended_referral() {
        for s in ReferralStatus::ALL {
            for actor in [Actor::Receiver, Actor::CaseTeam] {
                assert_eq!(allowed_actions(s, actor).is_empty(), !s.is_active(), "{s}");
            }
        }
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(
            parse_reason("reason", Some("  No places until June ")).unwrap(),
            "No places until June"
        );
        assert_eq!(fields(parse_reason("reason", None)), ["reason"]);
        assert_eq!(fields(parse_reason("outcome", Some(" "))), ["outcome"]);
        assert_eq!(
            fields(parse_reason("outcome", Some(&"x".repeat(TEXT_MAX + 1)))),
            ["outcome"]
        );
    }
}
