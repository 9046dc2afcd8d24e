//! Cases: statuses and human-readable numbers. The full state machine arrives with the case
//! lifecycle; triage only opens cases in `intake`.

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

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_zero_padded_per_region_and_year() {
        assert_eq!(super::case_number("KZ-71", 2026, 123), "KZ-71-2026-000123");
    }
}
