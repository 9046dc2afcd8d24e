//! Instants as plain microseconds since the Unix epoch (UTC): the generator handles hundreds of
//! millions of them, and integer arithmetic and hand-written formatting are several times faster
//! than going through chrono for each. Microseconds are the precision both databases keep.
//!
//! Deadlines are counted by the protocol and calendar the server itself uses ([`Deadlines`]),
//! memoised per local day because a working-day count walks the calendar day by day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use qorgau_domain::calendar::{Calendar, Duration, due_at};
use qorgau_domain::deadline::KAZAKHSTAN_UTC_OFFSET_HOURS;
use qorgau_domain::protocol::{DeadlineKind, ProtocolSet};
use qorgau_domain::taxonomy::RiskLevel;

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

pub const SECOND: Micros = 1_000_000;
pub const MINUTE: Micros = 60 * SECOND;
pub const HOUR: Micros = 60 * MINUTE;
pub const DAY: Micros = 24 * HOUR;
pub const YEAR: Micros = 365 * DAY + 6 * HOUR;
/// Kazakhstan's offset from UTC.
pub const LOCAL_OFFSET: Micros = KAZAKHSTAN_UTC_OFFSET_HOURS as Micros * HOUR;

pub fn to_utc(t: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn to_naive(t: Micros) -> NaiveDateTime {
    to_utc(t).naive_utc()
}

pub fn date_of_day(day: i32) -> NaiveDate {
    NaiveDate::default()
        .checked_add_signed(chrono::TimeDelta::days(i64::from(day)))
        .unwrap_or_default()
}

/// The day (since the epoch) of the local calendar date at `t`.
pub fn local_day(t: Micros) -> i32 {
    i32::try_from((t + LOCAL_OFFSET).div_euclid(DAY)).unwrap_or(0)
}

/// The calendar year in Kazakhstan at `t` (case numbers count per local year).
pub fn local_year(t: Micros) -> i32 {
    civil(i64::from(local_day(t))).0
}

/// (year, month, day) of a day since the epoch (H. Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Every value is in range for its type for any date this generator produces.
    (y as i32, m as u32, d as u32)
}

fn push_2(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `YYYY-MM-DD`.
pub fn write_date(out: &mut Vec<u8>, day: i32) {
    let (y, m, d) = civil(i64::from(day));
    let y = y.clamp(0, 9999) as u32;
    push_2(out, y / 100);
    push_2(out, y % 100);
    out.push(b'-');
    push_2(out, m);
    out.push(b'-');
    push_2(out, d);
}

/// `YYYY-MM-DD HH:MM:SS[.fff|.ffffff]`: what diesel writes for a timestamp on SQLite (chrono's
/// `%F %T%.f`, whose fraction has 0, 3 or 6 digits at microsecond precision); PostgreSQL
/// parses the same text.
pub fn write_timestamp(out: &mut Vec<u8>, t: Micros) {
    write_date(out, i32::try_from(t.div_euclid(DAY)).unwrap_or(0));
    let in_day = t.rem_euclid(DAY);
    let secs = (in_day / SECOND) as u32;
    out.push(b' ');
    push_2(out, secs / 3600);
    out.push(b':');
    push_2(out, secs / 60 % 60);
    out.push(b':');
    push_2(out, secs % 60);
    let micros = (in_day % SECOND) as u32;
    if micros == 0 {
        return;
    }
    out.push(b'.');
    let (value, digits) = if micros.is_multiple_of(1000) {
        (micros / 1000, 3)
    } else {
        (micros, 6)
    };
    for i in (0..digits).rev() {
        out.push(b'0' + (value / 10u32.pow(i) % 10) as u8);
    }
}

/// What one (protocol, step, risk, local start day) gives: enough to finish the deadline for any
/// start time on that day without walking the calendar again.
#[derive(Clone, Copy)]
enum Due {
    /// Hours or calendar days: the start plus a fixed span.
    After(Micros),
    /// Working days: due at midnight (local) of the n-th working day counted from a start at
    /// midnight, plus the start's local time of day when the start day is itself a working day
    /// (a clock started on a day off starts at the next working day's midnight, calendar.rs).
    Working {
        midnight_due: Micros,
        start_is_working: bool,
    },
}

/// The server's deadline arithmetic (`AppState::deadline`: the protocol in force at the start,
/// `calendar::due_at`) for the hundreds of thousands of deadlines of a dataset.
pub struct Deadlines<'a> {
    protocols: &'a ProtocolSet,
    calendar: &'a Calendar,
    memo: HashMap<(i32, DeadlineKind, RiskLevel), Due>,
}

impl<'a> Deadlines<'a> {
    pub fn new(protocols: &'a ProtocolSet, calendar: &'a Calendar) -> Self {
        Deadlines {
            protocols,
            calendar,
            memo: HashMap::new(),
        }
    }

    /// When a step of `kind` whose clock starts at `start` falls due for a case at `risk`.
    pub fn due(&mut self, kind: DeadlineKind, start: Micros, risk: RiskLevel) -> Micros {
        let day = local_day(start);
        let (protocols, calendar) = (self.protocols, self.calendar);
        let due = *self.memo.entry((day, kind, risk)).or_insert_with(|| {
            let Some(rule) = protocols.in_force_at(to_utc(start)).deadline(kind) else {
                return Due::After(0);
            };
            match rule.duration(risk) {
                Duration::Hours(n) => Due::After(Micros::from(n) * HOUR),
                Duration::Days(n) => Due::After(Micros::from(n) * DAY),
                Duration::WorkingDays(0) => Due::After(0),
                working => {
                    let midnight = Micros::from(day) * DAY - LOCAL_OFFSET;
                    let due = due_at(to_utc(midnight), working, calendar);
                    Due::Working {
                        midnight_due: due.timestamp_micros(),
                        start_is_working: calendar.is_working_day(date_of_day(day)),
                    }
                }
            }
        });
        match due {
            Due::After(span) => start + span,
            Due::Working {
                midnight_due,
                start_is_working,
            } => {
                let time_of_day = (start + LOCAL_OFFSET).rem_euclid(DAY);
                midnight_due + if start_is_working { time_of_day } else { 0 }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use qorgau_domain::protocol::default_protocol;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn text(t: Micros) -> String {
        let mut out = Vec::new();
        write_timestamp(&mut out, t);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn timestamps_are_written_as_diesel_writes_them_on_sqlite() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..2000 {
            let mut t = rng.random_range(0..4_000_000_000 * SECOND);
            match rng.random_range(0..3) {
                0 => t -= t % SECOND,
                1 => t -= t % 1000,
                _ => {}
            }
            let expected = to_naive(t).format("%F %T%.f").to_string();
            assert_eq!(text(t), expected);
        }
        assert_eq!(text(0), "1970-01-01 00:00:00");
    }

    #[test]
    fn local_years_and_days_follow_utc_plus_five() {
        let t = DateTime::parse_from_rfc3339("2025-12-31T19:30:00Z")
            .unwrap()
            .timestamp_micros();
        assert_eq!(local_year(t), 2026);
        assert_eq!(local_year(t - HOUR), 2025);
        let mut out = Vec::new();
        write_date(&mut out, local_day(t));
        assert_eq!(out, b"2026-01-01");
    }

    #[test]
    fn memoised_deadlines_equal_the_servers() {
        let protocols = ProtocolSet::new(vec![default_protocol()]).unwrap();
        let calendar = Calendar::kazakhstan();
        let mut deadlines = Deadlines::new(&protocols, &calendar);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let from = DateTime::parse_from_rfc3339("2016-01-01T00:00:00Z")
            .unwrap()
            .timestamp_micros();
        for _ in 0..5000 {
            let start = from + rng.random_range(0..11 * YEAR);
            let kind = DeadlineKind::ALL[rng.random_range(0..DeadlineKind::ALL.len())];
            let risk = RiskLevel::ALL[rng.random_range(0..4)];
            let rule = protocols.in_force_at(to_utc(start)).deadline(kind).unwrap();
            let expected = due_at(to_utc(start), rule.duration(risk), &calendar);
            assert_eq!(
                deadlines.due(kind, start, risk),
                expected.timestamp_micros(),
                "{kind} {risk} from {}",
                to_utc(start)
            );
        }
    }
}
