//! My tasks (issue 19, `GET /me/tasks`): everything waiting for a user, by kind. Which kinds a
//! user's list holds follows from their role (and, for a specialist, whether their organisation
//! is a commission); what a task says is its kind's words and the case's number (or the
//! signal's id) — never a concern, a description or a name.

use crate::protocol::DeadlineKind;
use crate::role::Role;

crate::code_enum! {
    /// What a task asks of its user.
    pub enum TaskKind {
        // The case manager's: the pending deadlines of their cases, by the deadline's kind…
        /// See the child: the first-contact deadline runs.
        FirstContact = "first_contact",
        InitialAssessment = "initial_assessment",
        ComprehensiveAssessment = "comprehensive_assessment",
        /// Have the support plan approved.
        PlanApproval = "plan_approval",
        /// Review the approved plan.
        PlanReview = "plan_review",
        /// Contact the child after closure.
        FollowUp = "follow_up",
        // …and what came back to them.
        /// The supervisor rejected the latest plan version: revise it.
        PlanReturned = "plan_returned",
        /// The supervisor returned the closure request; no new request since.
        ClosureReturned = "closure_returned",
        // The supervisor's, in their region.
        /// A plan version (a draft) awaits approval or rejection.
        PlanDecision = "plan_decision",
        /// A case awaits the decision on its closure (`closure_requested`).
        ClosureDecision = "closure_decision",
        /// A case is being transferred to the region.
        IncomingTransfer = "incoming_transfer",
        /// A deadline of the region's cases lapsed (pending, past due), of any kind but
        /// `assignment`.
        LapsedDeadline = "lapsed_deadline",
        /// No organisation of a kind the protocol requires; not yet resolved.
        RoutingGap = "routing_gap",
        /// A follow-up contact after closure found concerns: reopen or not.
        ReopenDecision = "reopen_decision",
        /// A case awaits a case manager (its `assignment` deadline runs).
        Assignment = "assignment",
        // The intake coordinator's (and the supervisor's, once lapsed).
        /// A signal awaits triage.
        Triage = "triage",
        // The specialist's, for their organisation.
        /// A referral (or mandatory notification) awaits acceptance or refusal.
        ReferralResponse = "referral_response",
        /// An accepted referral, not yet completed.
        ReferralInProgress = "referral_in_progress",
        // A commission's staff.
        /// A measure the commission ordered, not yet carried out.
        CommissionMeasure = "commission_measure",
    }
}

/// The deadlines on a case manager's own list: the work of the case itself. Assignment is the
/// supervisor's, a referral's response the receiving organisation's.
const MANAGER_DEADLINES: [(DeadlineKind, TaskKind); 6] = [
    (DeadlineKind::FirstContact, TaskKind::FirstContact),
    (DeadlineKind::InitialAssessment, TaskKind::InitialAssessment),
    (
        DeadlineKind::ComprehensiveAssessment,
        TaskKind::ComprehensiveAssessment,
    ),
    (DeadlineKind::PlanApproval, TaskKind::PlanApproval),
    (DeadlineKind::PlanReview, TaskKind::PlanReview),
    (DeadlineKind::FollowUp, TaskKind::FollowUp),
];

impl TaskKind {
    /// The case manager's task for a pending deadline of `kind` on their case, if it is theirs.
    pub fn of_deadline(kind: DeadlineKind) -> Option<TaskKind> {
        MANAGER_DEADLINES
            .iter()
            .find(|(d, _)| *d == kind)
            .map(|(_, t)| *t)
    }

    /// The deadline behind a case manager's deadline task.
    pub fn deadline(self) -> Option<DeadlineKind> {
        MANAGER_DEADLINES
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(d, _)| *d)
    }

    /// What to do, in English words; never a name, a concern or a description.
    pub fn words(self) -> &'static str {
        use TaskKind::*;
        match self {
            FirstContact => "See the child (first contact)",
            InitialAssessment => "Complete the initial assessment",
            ComprehensiveAssessment => "Complete the comprehensive assessment",
            PlanApproval => "Have the support plan approved",
            PlanReview => "Review the support plan",
            FollowUp => "Follow up with the child after closure",
            PlanReturned => "Revise the returned support plan",
            ClosureReturned => "Closure returned: continue the work or request closure again",
            PlanDecision => "Approve or return the submitted support plan",
            ClosureDecision => "Approve or return the closure request",
            IncomingTransfer => "Accept or decline the incoming case transfer",
            LapsedDeadline => "Deadline lapsed",
            RoutingGap => "No organisation for a mandatory step: arrange it",
            ReopenDecision => "Follow-up found concerns: decide whether to reopen",
            Assignment => "Assign a case manager",
            Triage => "Triage the signal",
            ReferralResponse => "Accept or decline the referral",
            ReferralInProgress => "Carry out the accepted referral",
            CommissionMeasure => "Commission measure due",
        }
    }
}

/// The task's label: its kind's words, and for a lapsed deadline which deadline
/// ("Deadline lapsed: first contact").
pub fn label(kind: TaskKind, deadline: Option<DeadlineKind>) -> String {
    match deadline {
        Some(d) if kind == TaskKind::LapsedDeadline => {
            format!("{}: {}", kind.words(), d.as_str().replace('_', " "))
        }
        _ => kind.words().to_string(),
    }
}

/// The kinds a user's list can hold: by role, and for a specialist of a commission its
/// measures too. Other roles have no tasks.
pub fn kinds_for(role: Role, commission_staff: bool) -> Vec<TaskKind> {
    use TaskKind::*;
    match role {
        Role::CaseManager => {
            let mut kinds: Vec<TaskKind> = MANAGER_DEADLINES.iter().map(|(_, t)| *t).collect();
            kinds.extend([PlanReturned, ClosureReturned]);
            kinds
        }
        Role::Supervisor => vec![
            PlanDecision,
            ClosureDecision,
            IncomingTransfer,
            LapsedDeadline,
            RoutingGap,
            ReopenDecision,
            Assignment,
            Triage,
        ],
        Role::IntakeCoordinator => vec![Triage],
        Role::Specialist if commission_staff => {
            vec![ReferralResponse, ReferralInProgress, CommissionMeasure]
        }
        Role::Specialist => vec![ReferralResponse, ReferralInProgress],
        Role::Admin | Role::MobileGroupMember | Role::Analyst | Role::Integration => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manager_deadlines_map_both_ways_and_leave_the_others_out() {
        for kind in DeadlineKind::ALL {
            match TaskKind::of_deadline(kind) {
                Some(task) => assert_eq!(task.deadline(), Some(kind)),
                None => assert!(matches!(
                    kind,
                    DeadlineKind::Triage
                        | DeadlineKind::Assignment
                        | DeadlineKind::ReferralResponse
                )),
            }
        }
        assert_eq!(TaskKind::LapsedDeadline.deadline(), None);
    }

    #[test]
    fn every_kind_belongs_to_some_role_and_other_roles_have_none() {
        for kind in TaskKind::ALL {
            assert!(
                Role::ALL
                    .iter()
                    .any(|r| kinds_for(*r, true).contains(&kind)),
                "{kind} is on nobody's list"
            );
        }
        for role in [Role::Admin, Role::Analyst, Role::MobileGroupMember] {
            assert!(kinds_for(role, true).is_empty());
        }
        assert!(!kinds_for(Role::Specialist, false).contains(&TaskKind::CommissionMeasure));
        assert!(kinds_for(Role::Specialist, true).contains(&TaskKind::CommissionMeasure));
    }

    #[test]
    fn labels_are_words_without_placeholders() {
        assert_eq!(
            label(TaskKind::LapsedDeadline, Some(DeadlineKind::FirstContact)),
            "Deadline lapsed: first contact"
        );
        assert_eq!(label(TaskKind::Triage, None), "Triage the signal");
        for kind in TaskKind::ALL {
            assert!(!kind.words().is_empty() && !kind.words().contains('{'));
        }
    }
}
