//! Domain events (issue 23, docs/integration.md): what other systems may learn happened, in
//! the order it was committed — the feed `GET /api/v1/events` and the webhooks deliver them.
//! An event names its type, when, where (region, district) and the records by id, with a small
//! payload of codes: never a name, a description or other free text.

crate::code_enum! {
    /// The type of a domain event.
    pub enum EventType {
        /// A signal was filed.
        SignalReceived = "signal.received",
        /// A signal was triaged onto a case: a new one (`status: case_opened`) or the child's
        /// open case (`status: linked`).
        SignalTriaged = "signal.triaged",
        /// A signal was screened out.
        SignalScreenedOut = "signal.screened_out",
        CaseOpened = "case.opened",
        /// The case has a new assignee (at triage, by the protocol, or by a supervisor).
        CaseAssigned = "case.assigned",
        /// The receiving region accepted the case's transfer.
        CaseTransferred = "case.transferred",
        CaseClosed = "case.closed",
        CaseReopened = "case.reopened",
        /// A referral was made (by the case team or by the protocol).
        ReferralSent = "referral.sent",
        ReferralAccepted = "referral.accepted",
        ReferralDeclined = "referral.declined",
        ReferralCompleted = "referral.completed",
        ReferralWithdrawn = "referral.withdrawn",
        /// The commission decided a matter of the case.
        CommissionDecision = "commission.decision",
        /// A deadline of the case lapsed and was escalated to the region's supervisors.
        DeadlineEscalated = "deadline.escalated",
    }
}

impl EventType {
    /// The status events of a signal: all that its filer (an integration account) is told.
    pub fn is_signal_status(self) -> bool {
        matches!(
            self,
            EventType::SignalReceived | EventType::SignalTriaged | EventType::SignalScreenedOut
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::from_code(t.as_str()), Some(t));
        }
        assert_eq!(
            EventType::ALL
                .iter()
                .filter(|t| t.is_signal_status())
                .count(),
            3
        );
    }
}
