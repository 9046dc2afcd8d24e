//! Cases: statuses and human-readable numbers. The full state machine arrives with the case
//! lifecycle; triage only opens cases in `intake`.

use crate::role::Role;

crate::code_enum! {
    pub enum CaseStatus {
        Intake = "intake",
        Assessment = "assessment",
        Planning = "planning",
        InProgress = "in_progress",
        Monitoring = "monitoring",
        ClosureRequested = "closure_requested",
        Closed = "closed",
    }
}

crate::code_enum! {
    /// Where the transfer of a case to another region stands (`POST /cases/{id}/transfer`).
    pub enum TransferStatus {
        /// Awaiting the receiving region's supervisor.
        Pending = "pending",
        /// The case moved to the receiving region.
        Accepted = "accepted",
        /// The case stays where it was.
        Declined = "declined",
    }
}

/// `KZ-71-2026-000123`: region, year of opening, and a per-region, per-year sequence.
pub fn case_number(region: &str, year: i32, sequence: i32) -> String {
    format!("{region}-{year}-{sequence:06}")
}

/// Who may hold a case (be its assignee): an active case manager of an organisation in the
/// case's region. The one rule of assignment (`POST /cases/{id}/assignment`) and of hand-over
/// (`POST /users/{id}/handover`).
pub fn may_hold(role: Role, active: bool, region: &str, case_region: &str) -> bool {
    active && role == Role::CaseManager && region == case_region
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_padded_per_region_and_year() {
        assert_eq!(case_number("KZ-71", 2026, 123), "KZ-71-2026-000123");
    }

    #[test]
    fn only_an_active_case_manager_of_the_region_holds_a_case() {
        assert!(may_hold(Role::CaseManager, true, "KZ-71", "KZ-71"));
        assert!(!may_hold(Role::CaseManager, false, "KZ-71", "KZ-71"));
        assert!(!may_hold(Role::CaseManager, true, "KZ-75", "KZ-71"));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::CaseManager) {
            assert!(!may_hold(role, true, "KZ-71", "KZ-71"), "{role}");
        }
    }
}
