//! Cases: statuses and human-readable numbers. The full state machine arrives with the case
//! lifecycle; triage only opens cases in `intake`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Intake,
    Assessment,
    Planning,
    InProgress,
    Monitoring,
    ClosureRequested,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Intake => "intake",
            CaseStatus::Assessment => "assessment",
            CaseStatus::Planning => "planning",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Monitoring => "monitoring",
            CaseStatus::ClosureRequested => "closure_requested",
            CaseStatus::Closed => "closed",
        }
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
