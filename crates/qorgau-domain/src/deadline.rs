//! Time in Kazakhstan and where a deadline stands. Deadlines themselves are counted by
//! `calendar::due_at` under the protocol in force (`protocol`).

use chrono::FixedOffset;

/// Kazakhstan has had a single time zone, UTC+5, since 1 March 2024.
pub const KAZAKHSTAN_UTC_OFFSET_HOURS: i32 = 5;

pub fn kazakhstan() -> FixedOffset {
    FixedOffset::east_opt(KAZAKHSTAN_UTC_OFFSET_HOURS * 3600).expect("UTC+5 is a valid offset")
}

crate::code_enum! {
    /// Where a stored deadline stands. Only a pending one is reminded, escalated, re-timed or
    /// counted as lapsed.
    pub enum DeadlineStatus {
        /// Its clock runs.
        Pending = "pending",
        /// The event it waited for happened (`met_at`), late or not.
        Met = "met",
        /// No longer owed: the case closed (or reopened, for the follow-up), the referral was
        /// withdrawn, or the clock restarted as a new pending deadline of the same kind.
        Cancelled = "cancelled",
    }
}
