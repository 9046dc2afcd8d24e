//! Deadlines of the default protocol (brief § 4). Until the protocol issue brings the
//! configurable rule set and the holiday calendar, working days skip weekends only, counted in
//! Kazakhstan's time zone (UTC+5).

use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc, Weekday};

use crate::taxonomy::RiskLevel;

/// Kazakhstan has had a single time zone, UTC+5, since 1 March 2024.
pub const KAZAKHSTAN_UTC_OFFSET_HOURS: i32 = 5;

pub fn kazakhstan() -> FixedOffset {
    FixedOffset::east_opt(KAZAKHSTAN_UTC_OFFSET_HOURS * 3600).expect("UTC+5 is a valid offset")
}

/// `start` plus `days` working days, at the same local time of day.
pub fn add_working_days(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut local = start.with_timezone(&kazakhstan());
    let mut left = days;
    while left > 0 {
        local += Duration::days(1);
        if !matches!(local.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    local.with_timezone(&Utc)
}

/// When the triage decision is due for a signal received at `received` (brief § 4: 1 h for
/// critical, else 1 working day). A signal without urgency counts as medium.
pub fn triage_due(received: DateTime<Utc>, urgency: Option<RiskLevel>) -> DateTime<Utc> {
    match urgency {
        Some(RiskLevel::Critical) => received + Duration::hours(1),
        _ => add_working_days(received, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn critical_is_one_hour_others_one_working_day() {
        // Wednesday 25 Nov 2026, 10:00 UTC.
        let wed = at(2026, 11, 25, 10);
        assert_eq!(
            triage_due(wed, Some(RiskLevel::Critical)),
            at(2026, 11, 25, 11)
        );
        assert_eq!(triage_due(wed, Some(RiskLevel::Low)), at(2026, 11, 26, 10));
        assert_eq!(triage_due(wed, None), at(2026, 11, 26, 10));
    }

    #[test]
    fn weekends_are_skipped_in_kazakhstan_time() {
        // Friday 27 Nov 2026 10:00 UTC → Monday 30 Nov.
        assert_eq!(
            add_working_days(at(2026, 11, 27, 10), 1),
            at(2026, 11, 30, 10)
        );
        // Friday 20:00 UTC is already Saturday 01:00 in Almaty → Monday.
        assert_eq!(
            add_working_days(at(2026, 11, 27, 20), 1),
            at(2026, 11, 29, 20)
        );
    }
}
