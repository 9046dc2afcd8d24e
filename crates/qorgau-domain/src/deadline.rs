//! Time in Kazakhstan. Deadlines themselves are counted by `calendar::due_at` under the
//! protocol in force (`protocol`).

use chrono::FixedOffset;

/// Kazakhstan has had a single time zone, UTC+5, since 1 March 2024.
pub const KAZAKHSTAN_UTC_OFFSET_HOURS: i32 = 5;

pub fn kazakhstan() -> FixedOffset {
    FixedOffset::east_opt(KAZAKHSTAN_UTC_OFFSET_HOURS * 3600).expect("UTC+5 is a valid offset")
}
