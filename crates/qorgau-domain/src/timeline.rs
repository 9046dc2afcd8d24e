//! What a child's timeline records (api.md § Children): one kind per event of the path of a
//! child, from the first signal to after closure.

crate::code_enum! {
    /// The kind of a timeline event.
    pub enum TimelineKind {
        Signal = "signal",
        SignalUpdated = "signal_updated",
        /// The source sent the signal again after triage (kept beside it).
        SignalReport = "signal_report",
        Triage = "triage",
        CaseOpened = "case_opened",
        Merge = "merge",
        Unmerge = "unmerge",
        Assigned = "assigned",
        RiskRevised = "risk_revised",
        ConcernsChanged = "concerns_changed",
        StatusChanged = "status_changed",
        ClosureRequested = "closure_requested",
        ClosureReturned = "closure_returned",
        Closed = "closed",
        Reopened = "reopened",
        Assessment = "assessment",
        PlanVersion = "plan_version",
        PlanApproved = "plan_approved",
        PlanRejected = "plan_rejected",
        /// The approved plan reviewed and kept unchanged (the review clock restarts).
        PlanReviewed = "plan_reviewed",
        MeasureDone = "measure_done",
        Intervention = "intervention",
        Referral = "referral",
        ReferralAccepted = "referral_accepted",
        ReferralDeclined = "referral_declined",
        ReferralCompleted = "referral_completed",
        ReferralWithdrawn = "referral_withdrawn",
        TransferRequested = "transfer_requested",
        TransferAccepted = "transfer_accepted",
        TransferDeclined = "transfer_declined",
        Relation = "relation",
        Consent = "consent",
        ConsentWithdrawn = "consent_withdrawn",
        CommissionReferral = "commission_referral",
        CommissionDecision = "commission_decision",
        CommissionMeasureDone = "commission_measure_done",
        Placement = "placement",
        PlacementEnded = "placement_ended",
        Interview = "interview",
        DeadlineMet = "deadline_met",
        DeadlineReminder = "deadline_reminder",
        Escalation = "escalation",
        RoutingGap = "routing_gap",
        /// The supervisor recorded how a routing gap's duty was met.
        RoutingGapResolved = "routing_gap_resolved",
        /// A contact with the child after the case was closed.
        FollowUp = "follow_up",
        /// A contact or supervision note on the case (its text is never in the summary).
        Note = "note",
        /// A flag set on the case (`watch`, `court_pending`…).
        FlagSet = "flag_set",
        /// A flag cleared, with a reason.
        FlagCleared = "flag_cleared",
    }
}
