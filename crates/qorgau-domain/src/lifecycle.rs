//! The case state machine (brief § 2; api.md § Cases), kept as ONE table, [`MOVES`], so the
//! rules can be read, reviewed and tested in a single place instead of being scattered over
//! handlers.
//!
//! A move names who may make it ([`Mover`]: the case's own manager, or a supervisor of its
//! region) and what it needs ([`Requirement`]): a fact about the case (a comprehensive
//! assessment, an approved plan) or something the caller must say (a closure reason, a reason
//! for returning or reopening). [`decide`] checks a requested transition against the table and
//! [`allowed`] lists what the caller could do now, for the 409 answer and for the UI.

use serde::Deserialize;

use crate::case::CaseStatus;
use crate::role::Role;
use crate::validation::{FieldError, Validation, bounded_text};

/// Every case status, in the order of a case's life.
pub const STATUSES: [CaseStatus; 7] = CaseStatus::ALL;

/// The status with wire code `code` (`in_progress`), if any. Case-sensitive.
pub fn status_from_code(code: &str) -> Option<CaseStatus> {
    CaseStatus::from_code(code)
}

/// Longest free-text reason accepted on a transition.
pub const REASON_MAX: usize = 2000;

crate::code_enum! {
    /// Why a case is closed (brief § 2 step 12).
    pub enum ClosureReason {
        GoalsAchieved = "goals_achieved",
        RiskEliminated = "risk_eliminated",
        /// Handed over to another service or region.
        Transferred = "transferred",
        /// The child came of age (care leavers aside).
        Turned18 = "turned_18",
        MovedAbroad = "moved_abroad",
        ChildDied = "child_died",
        /// The family declined help and there are no legal grounds to impose it.
        FamilyDeclinedNoGrounds = "family_declined_no_grounds",
        Duplicate = "duplicate",
        /// Needs a free-text `reason` explaining it.
        Other = "other",
    }
}

/// Who may make a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mover {
    /// The case manager the case is assigned to.
    Manager,
    /// A supervisor of the case's region.
    Supervisor,
}

/// What a move needs besides the right mover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Requirement {
    None,
    /// The case has a recorded comprehensive assessment.
    ComprehensiveAssessment,
    /// The case's individual plan has been approved by a supervisor.
    ApprovedPlan,
    /// The request carries a `closure_reason` (and a `reason` when it is `other`).
    ClosureReason,
    /// The request carries a free-text `reason`.
    Reason,
}

/// One allowed transition of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Move {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub by: Mover,
    pub requires: Requirement,
}

const fn mv(from: CaseStatus, to: CaseStatus, by: Mover, requires: Requirement) -> Move {
    Move {
        from,
        to,
        by,
        requires,
    }
}

/// The whole state machine. Anything not listed here is not a transition.
pub const MOVES: &[Move] = {
    use CaseStatus::*;
    use Mover::{Manager, Supervisor};
    use Requirement as R;
    &[
        mv(Intake, Assessment, Manager, R::None),
        mv(Assessment, Planning, Manager, R::ComprehensiveAssessment),
        mv(Planning, InProgress, Manager, R::ApprovedPlan),
        mv(InProgress, Monitoring, Manager, R::None),
        mv(Monitoring, InProgress, Manager, R::None),
        mv(InProgress, ClosureRequested, Manager, R::ClosureReason),
        mv(Monitoring, ClosureRequested, Manager, R::ClosureReason),
        mv(ClosureRequested, Closed, Supervisor, R::None),
        // The supervisor returns a closure request, with a note saying why.
        mv(ClosureRequested, InProgress, Supervisor, R::Reason),
        // Reopening.
        mv(Closed, Assessment, Supervisor, R::Reason),
    ]
};

/// The facts about a case that the table's requirements look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseState {
    pub status: CaseStatus,
    pub comprehensive_assessed: bool,
    pub plan_approved: bool,
}

/// The capacity in which a user acts on a case, if any: a supervisor (of the case's region —
/// the caller checks the region) or the case's own manager.
pub fn mover_of(role: Role, is_assignee: bool) -> Option<Mover> {
    match role {
        Role::Supervisor => Some(Mover::Supervisor),
        Role::CaseManager if is_assignee => Some(Mover::Manager),
        _ => None,
    }
}

/// The request body of `POST /cases/{id}/transitions`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TransitionInput {
    /// The target status code.
    #[cfg_attr(feature = "openapi", schema(value_type = CaseStatus))]
    pub to: String,
    /// Required to return a closure request or to reopen a case, and for closure reason
    /// `other`; optional otherwise.
    pub reason: Option<String>,
    /// Required to request closure; not accepted on other moves.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<ClosureReason>))]
    pub closure_reason: Option<String>,
}

/// A transition that may be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub reason: Option<String>,
    pub closure_reason: Option<ClosureReason>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The request is malformed (422).
    #[error("invalid transition request")]
    Invalid(Vec<FieldError>),
    /// The move exists but the caller may not make it (403).
    #[error("not allowed to make this transition")]
    Forbidden,
    /// The move does not exist from the current status, or the case is not ready for it (409).
    #[error("{detail}")]
    NotAllowed {
        detail: String,
        allowed: Vec<CaseStatus>,
    },
}

fn invalid(field: &str, message: impl Into<String>) -> TransitionError {
    TransitionError::Invalid(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// Whether the case's recorded facts satisfy the move (the caller's own inputs aside).
fn state_permits(requires: Requirement, state: &CaseState) -> bool {
    match requires {
        Requirement::ComprehensiveAssessment => state.comprehensive_assessed,
        Requirement::ApprovedPlan => state.plan_approved,
        Requirement::None | Requirement::ClosureReason | Requirement::Reason => true,
    }
}

/// The statuses the caller may move the case to now. Moves that need only a reason or a closure
/// reason count as allowed; those waiting for an assessment or an approved plan do not.
pub fn allowed(role: Role, is_assignee: bool, state: &CaseState) -> Vec<CaseStatus> {
    let Some(mover) = mover_of(role, is_assignee) else {
        return Vec::new();
    };
    MOVES
        .iter()
        .filter(|m| m.from == state.status && m.by == mover && state_permits(m.requires, state))
        .map(|m| m.to)
        .collect()
}

/// Checks a requested transition: the target must be a known status, the move must be in
/// [`MOVES`], the caller must be its mover, and its requirement must be met.
pub fn decide(
    role: Role,
    is_assignee: bool,
    state: &CaseState,
    input: TransitionInput,
) -> Result<Transition, TransitionError> {
    let from = state.status;
    let to = status_from_code(input.to.trim()).ok_or_else(|| {
        invalid(
            "to",
            "must be intake, assessment, planning, in_progress, monitoring, \
             closure_requested or closed",
        )
    })?;
    let not_allowed = |detail: String| TransitionError::NotAllowed {
        detail,
        allowed: allowed(role, is_assignee, state),
    };
    let mv = MOVES
        .iter()
        .find(|m| m.from == from && m.to == to)
        .ok_or_else(|| {
            not_allowed(format!(
                "a case cannot move from {} to {}",
                from.as_str(),
                to.as_str()
            ))
        })?;
    if mover_of(role, is_assignee) != Some(mv.by) {
        return Err(TransitionError::Forbidden);
    }

    // The caller's inputs: every problem at once.
    let mut v = Validation::new();
    let reason = match input.reason.as_deref() {
        Some(r) if !r.trim().is_empty() || mv.requires == Requirement::Reason => {
            v.check("reason", bounded_text(r, REASON_MAX))
        }
        // A blank optional reason is no reason.
        _ => None,
    };
    let closure_reason = match (mv.requires, input.closure_reason.as_deref()) {
        (Requirement::ClosureReason, Some(code)) => v.check(
            "closure_reason",
            ClosureReason::from_code(code.trim()).ok_or(
                "must be goals_achieved, risk_eliminated, transferred, turned_18, moved_abroad, \
                 child_died, family_declined_no_grounds, duplicate or other",
            ),
        ),
        (Requirement::ClosureReason, None) => {
            v.add("closure_reason", "is required to request closure");
            None
        }
        (_, Some(_)) => {
            v.add("closure_reason", "applies only to a closure request");
            None
        }
        (_, None) => None,
    };
    match mv.requires {
        Requirement::Reason if input.reason.is_none() => {
            v.add("reason", "is required for this transition");
        }
        Requirement::ClosureReason
            if closure_reason == Some(ClosureReason::Other)
                && input.reason.as_deref().is_none_or(|r| r.trim().is_empty()) =>
        {
            v.add("reason", "is required when the closure reason is other");
        }
        _ => {}
    }
    if !v.is_empty() {
        return Err(TransitionError::Invalid(v.into_errors()));
    }

    // The case's facts.
    if !state_permits(mv.requires, state) {
        let missing = match mv.requires {
            Requirement::ComprehensiveAssessment => "a comprehensive assessment",
            _ => "an approved individual plan",
        };
        return Err(not_allowed(format!(
            "a case moves from {} to {} only once it has {missing}",
            from.as_str(),
            to.as_str()
        )));
    }
    Ok(Transition {
        from,
        to,
        reason,
        closure_reason,
    })
}

crate::code_enum! {
    /// What a contact with the child after closure found (`POST /cases/{id}/follow-ups`).
    pub enum FollowUpOutcome {
        /// The child is safe; the follow-up deadline is met.
        Stable = "stable",
        /// Met too, and the supervisor is asked to decide whether to reopen the case.
        Concerns = "concerns",
    }
}

/// The request body of `POST /cases/{id}/follow-ups`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FollowUpInput {
    /// When the contact happened: RFC 3339 with an offset, not in the future and not before
    /// the case was closed.
    #[cfg_attr(feature = "openapi", schema(value_type = chrono::DateTime<chrono::Utc>))]
    pub occurred_at: String,
    /// Whether the child was seen in person (required).
    pub child_seen: Option<bool>,
    /// `stable` or `concerns`.
    #[cfg_attr(feature = "openapi", schema(value_type = FollowUpOutcome))]
    pub outcome: String,
    /// What was found (required).
    pub note: String,
}

/// A well-formed follow-up contact. That it is not before the case's closure is checked
/// against the stored case by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub child_seen: bool,
    pub outcome: FollowUpOutcome,
    pub note: String,
}

pub fn parse_follow_up(
    input: FollowUpInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<FollowUp, Vec<FieldError>> {
    let mut v = Validation::new();
    let occurred_at = v.check(
        "occurred_at",
        crate::intervention::occurred_at(&input.occurred_at, now),
    );
    let child_seen = v.check("child_seen", input.child_seen.ok_or("is required"));
    let outcome = v.check(
        "outcome",
        FollowUpOutcome::from_code(input.outcome.trim()).ok_or("must be stable or concerns"),
    );
    let note = v.text("note", &input.note, REASON_MAX);
    match (occurred_at, child_seen, outcome, note) {
        (Some(occurred_at), Some(child_seen), Some(outcome), Some(note)) => Ok(FollowUp {
            occurred_at,
            child_seen,
            outcome,
            note,
        }),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use CaseStatus::*;

    fn state(status: CaseStatus) -> CaseState {
        CaseState {
            status,
            comprehensive_assessed: true,
            plan_approved: true,
        }
    }

    fn to(code: &str) -> TransitionInput {
        TransitionInput {
            to: code.into(),
            ..TransitionInput::default()
        }
    }

    /// An input that satisfies whatever the move asks of the caller.
    fn complete_input(m: &Move) -> TransitionInput {
        TransitionInput {
            to: m.to.as_str().into(),
            reason: (m.requires == Requirement::Reason).then(|| "family asked again".into()),
            closure_reason: (m.requires == Requirement::ClosureReason)
                .then(|| "goals_achieved".into()),
        }
    }

    fn caller(by: Mover) -> (Role, bool) {
        match by {
            Mover::Manager => (Role::CaseManager, true),
            Mover::Supervisor => (Role::Supervisor, false),
        }
    }

    fn fields(r: Result<Transition, TransitionError>) -> Vec<String> {
        match r {
            Err(TransitionError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in STATUSES {
            assert_eq!(status_from_code(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(status_from_code("open"), None);
        assert_eq!(status_from_code("Closed"), None);
    }

    #[test]
    fn closure_reason_codes_round_trip() {
        let mut seen = HashSet::new();
        for r in ClosureReason::ALL {
            assert!(seen.insert(r.as_str()));
            assert_eq!(ClosureReason::from_code(r.as_str()), Some(r));
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            let back: ClosureReason = serde_json::from_value(r.as_str().into()).unwrap();
            assert_eq!(back, r);
        }
        assert_eq!(
            serde_json::to_value(ClosureReason::Turned18).unwrap(),
            "turned_18"
        );
        assert_eq!(ClosureReason::from_code("turned18"), None);
    }

    #[test]
    fn the_table_is_the_brief() {
        let pairs: Vec<_> = MOVES
            .iter()
            .map(|m| (m.from.as_str(), m.to.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("intake", "assessment"),
                ("assessment", "planning"),
                ("planning", "in_progress"),
                ("in_progress", "monitoring"),
                ("monitoring", "in_progress"),
                ("in_progress", "closure_requested"),
                ("monitoring", "closure_requested"),
                ("closure_requested", "closed"),
                ("closure_requested", "in_progress"),
                ("closed", "assessment"),
            ]
        );
        // One move per (from, to), so the lookup in `decide` is unambiguous.
        let unique: HashSet<_> = pairs.iter().collect();
        assert_eq!(unique.len(), MOVES.len());
        // Only the supervisor closes, returns and reopens.
        for m in MOVES {
            let supervisors = m.from == ClosureRequested || m.from == Closed;
            assert_eq!(m.by == Mover::Supervisor, supervisors, "{m:?}");
        }
    }

    #[test]
    fn every_row_can_be_taken_by_its_mover() {
        for m in MOVES {
            let (role, assignee) = caller(m.by);
            let t = decide(role, assignee, &state(m.from), complete_input(m)).unwrap();
            assert_eq!((t.from, t.to), (m.from, m.to));
            assert!(allowed(role, assignee, &state(m.from)).contains(&m.to));
        }
    }

    #[test]
    fn every_row_is_forbidden_to_everyone_else() {
        for m in MOVES {
            for role in Role::ALL {
                for assignee in [false, true] {
                    if mover_of(role, assignee) == Some(m.by) {
                        continue;
                    }
                    assert_eq!(
                        decide(role, assignee, &state(m.from), complete_input(m)),
                        Err(TransitionError::Forbidden),
                        "{role} assignee={assignee} {m:?}"
                    );
                    assert!(!allowed(role, assignee, &state(m.from)).contains(&m.to));
                }
            }
        }
    }

    #[test]
    fn movers() {
        assert_eq!(mover_of(Role::Supervisor, false), Some(Mover::Supervisor));
        assert_eq!(mover_of(Role::Supervisor, true), Some(Mover::Supervisor));
        assert_eq!(mover_of(Role::CaseManager, true), Some(Mover::Manager));
        assert_eq!(mover_of(Role::CaseManager, false), None);
        for role in [
            Role::Admin,
            Role::MobileGroupMember,
            Role::IntakeCoordinator,
            Role::Specialist,
            Role::Analyst,
        ] {
            assert_eq!(mover_of(role, true), None);
            assert!(allowed(role, true, &state(InProgress)).is_empty());
        }
    }

    #[test]
    fn moves_outside_the_table_are_not_allowed() {
        let err = decide(Role::CaseManager, true, &state(Intake), to("in_progress"));
        assert_eq!(
            err,
            Err(TransitionError::NotAllowed {
                detail: "a case cannot move from intake to in_progress".into(),
                allowed: vec![Assessment],
            })
        );
        // Staying put is not a move.
        assert!(matches!(
            decide(Role::CaseManager, true, &state(Planning), to("planning")),
            Err(TransitionError::NotAllowed { .. })
        ));
        // A manager may not close, even from closure_requested: that move is the supervisor's.
        assert_eq!(
            decide(
                Role::CaseManager,
                true,
                &state(ClosureRequested),
                to("closed")
            ),
            Err(TransitionError::Forbidden)
        );
        // Nor may a supervisor skip the request.
        match decide(Role::Supervisor, false, &state(InProgress), to("closed")) {
            Err(TransitionError::NotAllowed { allowed, .. }) => assert!(allowed.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_targets_are_invalid() {
        assert_eq!(
            fields(decide(Role::Supervisor, false, &state(Intake), to("open"))),
            ["to"]
        );
        assert_eq!(
            fields(decide(Role::Supervisor, false, &state(Intake), to(""))),
            ["to"]
        );
    }

    #[test]
    fn planning_needs_a_comprehensive_assessment() {
        let s = CaseState {
            status: Assessment,
            comprehensive_assessed: false,
            plan_approved: false,
        };
        match decide(Role::CaseManager, true, &s, to("planning")) {
            Err(TransitionError::NotAllowed { detail, allowed }) => {
                assert!(detail.contains("comprehensive assessment"), "{detail}");
                assert!(allowed.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(allowed(Role::CaseManager, true, &s).is_empty());
    }

    #[test]
    fn work_starts_only_on_an_approved_plan() {
        let s = CaseState {
            status: Planning,
            comprehensive_assessed: true,
            plan_approved: false,
        };
        match decide(Role::CaseManager, true, &s, to("in_progress")) {
            Err(TransitionError::NotAllowed { detail, .. }) => {
                assert!(detail.contains("approved individual plan"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(allowed(Role::CaseManager, true, &s).is_empty());
        let approved = CaseState {
            plan_approved: true,
            ..s
        };
        assert_eq!(allowed(Role::CaseManager, true, &approved), [InProgress]);
    }

    #[test]
    fn closure_request_needs_a_known_closure_reason() {
        let s = state(Monitoring);
        let m = |closure: Option<&str>, reason: Option<&str>| {
            decide(
                Role::CaseManager,
                true,
                &s,
                TransitionInput {
                    to: "closure_requested".into(),
                    reason: reason.map(Into::into),
                    closure_reason: closure.map(Into::into),
                },
            )
        };
        assert_eq!(fields(m(None, None)), ["closure_reason"]);
        assert_eq!(fields(m(Some("bored"), None)), ["closure_reason"]);
        assert_eq!(fields(m(Some("other"), None)), ["reason"]);
        assert_eq!(fields(m(Some("other"), Some("  "))), ["reason"]);
        let t = m(Some("turned_18"), None).unwrap();
        assert_eq!(t.closure_reason, Some(ClosureReason::Turned18));
        assert_eq!(t.reason, None);
        let t = m(Some("other"), Some(" family left the district ")).unwrap();
        assert_eq!(t.reason.as_deref(), Some("family left the district"));
        // The reason still counts as allowed: it is the caller's to give.
        assert_eq!(
            allowed(Role::CaseManager, true, &s),
            [InProgress, ClosureRequested]
        );
    }

    #[test]
    fn returning_and_reopening_need_a_reason() {
        for (from, target) in [(ClosureRequested, "in_progress"), (Closed, "assessment")] {
            let s = state(from);
            assert_eq!(
                fields(decide(Role::Supervisor, false, &s, to(target))),
                ["reason"]
            );
            let blank = TransitionInput {
                reason: Some(" ".into()),
                ..to(target)
            };
            assert_eq!(
                fields(decide(Role::Supervisor, false, &s, blank)),
                ["reason"]
            );
            let long = TransitionInput {
                reason: Some("x".repeat(REASON_MAX + 1)),
                ..to(target)
            };
            assert_eq!(
                fields(decide(Role::Supervisor, false, &s, long)),
                ["reason"]
            );
            let ok = TransitionInput {
                reason: Some("the plan is not finished".into()),
                ..to(target)
            };
            let t = decide(Role::Supervisor, false, &s, ok).unwrap();
            assert_eq!(t.reason.as_deref(), Some("the plan is not finished"));
        }
    }

    #[test]
    fn closure_reason_only_on_closure_requests() {
        let input = TransitionInput {
            closure_reason: Some("duplicate".into()),
            ..to("monitoring")
        };
        assert_eq!(
            fields(decide(Role::CaseManager, true, &state(InProgress), input)),
            ["closure_reason"]
        );
    }

    #[test]
    fn optional_reasons_are_kept_and_blank_ones_dropped() {
        let s = state(InProgress);
        let with = TransitionInput {
            reason: Some("stable for a month".into()),
            ..to("monitoring")
        };
        let t = decide(Role::CaseManager, true, &s, with).unwrap();
        assert_eq!(t.reason.as_deref(), Some("stable for a month"));
        let blank = TransitionInput {
            reason: Some("".into()),
            ..to("monitoring")
        };
        assert_eq!(
            decide(Role::CaseManager, true, &s, blank).unwrap().reason,
            None
        );
    }

    #[test]
    fn input_deserialises_with_defaults() {
        let input: TransitionInput = serde_json::from_str(r#"{"to":"closed"}"#).unwrap();
        assert_eq!(input.to, "closed");
        assert_eq!(input.reason, None);
        let empty: TransitionInput = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.to, "");
    }

    #[derive(Clone, Debug)]
    struct Step {
        role: Role,
        is_assignee: bool,
        target: CaseStatus,
        with_reason: bool,
        with_closure_reason: bool,
        toggle_assessed: bool,
        toggle_approved: bool,
    }

    fn any_step() -> impl Strategy<Value = Step> {
        (
            0..Role::ALL.len(),
            any::<bool>(),
            0..STATUSES.len(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(r, is_assignee, t, with_reason, with_closure_reason, ta, tp)| Step {
                    role: Role::ALL[r],
                    is_assignee,
                    target: STATUSES[t],
                    with_reason,
                    with_closure_reason,
                    toggle_assessed: ta,
                    toggle_approved: tp,
                },
            )
    }

    proptest! {
        #[test]
        fn random_walks_stay_on_the_table(steps in prop::collection::vec(any_step(), 0..60)) {
            let mut s = CaseState {
                status: Intake,
                comprehensive_assessed: false,
                plan_approved: false,
            };
            for step in steps {
                s.comprehensive_assessed ^= step.toggle_assessed;
                s.plan_approved ^= step.toggle_approved;
                let input = TransitionInput {
                    to: step.target.as_str().into(),
                    reason: step.with_reason.then(|| "because".into()),
                    closure_reason: step.with_closure_reason.then(|| "duplicate".into()),
                };
                let mover = mover_of(step.role, step.is_assignee);
                let may = allowed(step.role, step.is_assignee, &s);
                match decide(step.role, step.is_assignee, &s, input) {
                    Ok(t) => {
                        prop_assert_eq!(t.from, s.status);
                        prop_assert_eq!(t.to, step.target);
                        prop_assert!(
                            MOVES.iter().any(|m| m.from == t.from && m.to == t.to),
                            "{:?} -> {:?} is not in MOVES", t.from, t.to
                        );
                        prop_assert!(may.contains(&t.to));
                        if t.from == Planning && t.to == InProgress {
                            prop_assert!(s.plan_approved);
                        }
                        if t.from == Assessment && t.to == Planning {
                            prop_assert!(s.comprehensive_assessed);
                        }
                        if t.to == Closed {
                            prop_assert_eq!(t.from, ClosureRequested);
                            prop_assert_eq!(mover, Some(Mover::Supervisor));
                        }
                        s.status = t.to;
                    }
                    Err(TransitionError::Forbidden) => {
                        prop_assert!(!may.contains(&step.target));
                    }
                    Err(TransitionError::NotAllowed { allowed: listed, .. }) => {
                        prop_assert_eq!(listed, may.clone());
                        prop_assert!(!may.contains(&step.target));
                    }
                    // A missing or superfluous reason: the target may still be allowed.
                    Err(TransitionError::Invalid(errors)) => prop_assert!(!errors.is_empty()),
                }
            }
        }
    }

    #[test]
    fn a_follow_up_needs_every_field() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let good = FollowUpInput {
            occurred_at: "2026-05-30T14:00:00+05:00".into(),
            child_seen: Some(true),
            outcome: "concerns".into(),
            note: " Mother lost her job again ".into(),
        };
        let f = parse_follow_up(good.clone(), now).unwrap();
        assert_eq!(f.outcome, FollowUpOutcome::Concerns);
        assert_eq!(f.note, "Mother lost her job again");
        assert!(f.child_seen);
        let fields = |input| match parse_follow_up(input, now) {
            Err(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            Ok(_) => Vec::new(),
        };
        assert_eq!(
            fields(FollowUpInput::default()),
            ["occurred_at", "child_seen", "outcome", "note"]
        );
        let future = FollowUpInput {
            occurred_at: "2026-06-02T10:00:00Z".into(),
            ..good.clone()
        };
        assert_eq!(fields(future), ["occurred_at"]);
        let unknown = FollowUpInput {
            outcome: "fine".into(),
            note: "  ".into(),
            ..good
        };
        assert_eq!(fields(unknown), ["outcome", "note"]);
    }
}
