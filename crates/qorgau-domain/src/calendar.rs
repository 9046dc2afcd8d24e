//! Kazakhstan's working-day calendar and the pure deadline function [`due_at`] (brief § 4).
//!
//! The calendar is data, loaded from TOML (`config/calendar.toml`) with [`Calendar::from_toml`]:
//!
//! ```toml
//! # Days of the week that are days off (lowercase English names).
//! weekend = ["saturday", "sunday"]
//!
//! # Labour Code art. 84: when a holiday falls on a weekend day, the day off moves to the next
//! # working day. Optional, default true. Holidays with `moves = false` (the religious ones)
//! # never move.
//! holiday_on_weekend_moves = true
//!
//! # A holiday on the same month and day every year. `moves` is optional (default true).
//! [[fixed_holiday]]
//! month = 3
//! day = 21
//! name = "Nauryz"
//!
//! # A movable holiday (Kurban Ait), one entry per year. `moves` is optional (default true).
//! [[dated_holiday]]
//! date = 2025-06-06
//! name = "Kurban Ait"
//! moves = false
//!
//! # A day the government transferred: a weekend day made working (`working = true`) or a
//! # weekday made a day off (`working = false`). A transfer overrides everything else.
//! [[transfer]]
//! date = 2025-01-03
//! working = false
//! note = "day off transferred from Saturday 4 January"
//! ```
//!
//! Dates may be TOML local dates (`2025-06-06`) or strings (`"2025-06-06"`). Unknown keys are
//! errors; every error names the line of the file ([`ConfigError`]).
//!
//! ## Which days are working days
//!
//! For a date, in this order: a transfer decides if there is one; otherwise a weekend day or a
//! holiday is a day off; otherwise, with `holiday_on_weekend_moves`, the day is off if a moving
//! holiday that fell on a weekend day was moved onto it. A moved day off goes to the first day
//! after the holiday that is not a weekend day, not a holiday, not a transferred day and not
//! already taken by an earlier moved day off (so Nauryz 2026 — Saturday 21, Sunday 22, Monday
//! 23 March — gives days off on 24 and 25 March). Moves are resolved from the holidays of the
//! [`MOVE_LOOKBACK_DAYS`] days before the date, far longer than any real chain of moves.
//!
//! ## Deadlines
//!
//! [`due_at`] adds a [`Duration`] to an instant. Hours and calendar days are plain additions.
//! Working days are counted on the local (UTC+5, Asia/Almaty) calendar: `WorkingDays(n)` is
//! the same local time of day on the n-th working day after the start's local date. A clock
//! started on a non-working day starts at 00:00 local of the next working day instead (a
//! signal received on Saturday with 1 working day is due at the end of Monday, i.e. Tuesday
//! 00:00). This keeps [`due_at`] monotonic in the start, and its result for `n ≥ 1` always
//! falls on a working day. `WorkingDays(0)` is the start itself.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::deadline::kazakhstan;

/// The shipped calendar, `config/calendar.toml`.
pub const KAZAKHSTAN_CALENDAR_TOML: &str = include_str!("../../../config/calendar.toml");

/// How far back [`Calendar::is_working_day`] looks for holidays whose day off may have been
/// moved onto the date.
pub const MOVE_LOOKBACK_DAYS: i64 = 45;

/// A configuration file that could not be loaded: what is wrong and, when known, the line
/// (1-based) of the file where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{}", line_prefix(*.line), .message)]
pub struct ConfigError {
    pub line: Option<usize>,
    pub message: String,
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|n| format!("line {n}: ")).unwrap_or_default()
}

impl ConfigError {
    pub fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }

    /// An error at byte offset `span.start` of `text`.
    pub fn at(text: &str, span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        Self::new(Some(line_of(text, span.start)), message)
    }

    /// A TOML syntax or shape error, located by its span.
    pub fn from_toml_error(text: &str, error: &toml::de::Error) -> Self {
        let message = error.message().trim().to_owned();
        match error.span() {
            Some(span) => Self::at(text, span, message),
            None => Self::new(None, message),
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A date in a TOML file: a TOML local date (`2026-01-29`) or a string (`"2026-01-29"`).
/// Used by the loaders of this module and of [`crate::protocol`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TomlDate(pub(crate) NaiveDate);

impl<'de> Deserialize<'de> for TomlDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let parsed = match toml::Value::deserialize(deserializer)? {
            toml::Value::Datetime(toml::value::Datetime {
                date: Some(date),
                time: None,
                offset: None,
            }) => NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            ),
            toml::Value::String(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok(),
            _ => None,
        };
        parsed
            .map(TomlDate)
            .ok_or_else(|| D::Error::custom("expected a date like 2026-01-29"))
    }
}

/// A length of time before something is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Duration {
    Hours(u32),
    /// Calendar days (24 h each; Kazakhstan has no daylight saving time).
    Days(u32),
    /// Working days on the [`Calendar`], see [`due_at`].
    WorkingDays(u32),
}

impl fmt::Display for Duration {
    /// The configuration syntax: `24h`, `30d`, `2wd`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hours(n) => write!(f, "{n}h"),
            Self::Days(n) => write!(f, "{n}d"),
            Self::WorkingDays(n) => write!(f, "{n}wd"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct FixedHoliday {
    month: u32,
    day: u32,
    name: String,
    moves: bool,
}

/// Kazakhstan's (or any) working-day calendar: weekends, holidays and transferred days.
/// Build it with [`Calendar::from_toml`]; see the module documentation for the format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    weekend: BTreeSet<u32>,
    /// Keyed by (month, day).
    fixed: BTreeMap<(u32, u32), FixedHoliday>,
    /// Name and whether it moves off a weekend.
    dated: BTreeMap<NaiveDate, (String, bool)>,
    /// `true`: made a working day; `false`: made a day off.
    transfers: BTreeMap<NaiveDate, bool>,
    holiday_on_weekend_moves: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    weekend: toml::Spanned<Vec<toml::Spanned<String>>>,
    #[serde(default = "yes")]
    holiday_on_weekend_moves: bool,
    #[serde(default)]
    fixed_holiday: Vec<RawFixedHoliday>,
    #[serde(default)]
    dated_holiday: Vec<RawDatedHoliday>,
    #[serde(default)]
    transfer: Vec<RawTransfer>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixedHoliday {
    month: toml::Spanned<u32>,
    day: toml::Spanned<u32>,
    name: String,
    #[serde(default = "yes")]
    moves: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatedHoliday {
    date: toml::Spanned<TomlDate>,
    name: String,
    #[serde(default = "yes")]
    moves: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransfer {
    date: toml::Spanned<TomlDate>,
    working: bool,
    #[serde(default)]
    #[allow(dead_code)] // Documentation for the reader of the file.
    note: Option<String>,
}

fn weekday_from_name(name: &str) -> Option<Weekday> {
    Some(match name {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

impl Calendar {
    /// Parses and validates a calendar file (format in the module documentation).
    pub fn from_toml(text: &str) -> Result<Calendar, ConfigError> {
        let raw: RawCalendar =
            toml::from_str(text).map_err(|e| ConfigError::from_toml_error(text, &e))?;

        let mut weekend = BTreeSet::new();
        for name in raw.weekend.get_ref() {
            let day = weekday_from_name(name.get_ref()).ok_or_else(|| {
                ConfigError::at(
                    text,
                    name.span(),
                    format!(
                        "unknown weekday {:?}, expected a lowercase English name like \"saturday\"",
                        name.get_ref()
                    ),
                )
            })?;
            if !weekend.insert(day.num_days_from_monday()) {
                return Err(ConfigError::at(
                    text,
                    name.span(),
                    format!("{} is listed twice", name.get_ref()),
                ));
            }
        }
        if weekend.len() == 7 {
            return Err(ConfigError::at(
                text,
                raw.weekend.span(),
                "every day of the week is a weekend day; nothing could ever fall due",
            ));
        }

        let mut fixed = BTreeMap::new();
        for holiday in raw.fixed_holiday {
            let (month, day) = (*holiday.month.get_ref(), *holiday.day.get_ref());
            if !(1..=12).contains(&month) {
                return Err(ConfigError::at(
                    text,
                    holiday.month.span(),
                    format!("month {month} is not between 1 and 12"),
                ));
            }
            // 2000 is a leap year, so 29 February is accepted.
            if NaiveDate::from_ymd_opt(2000, month, day).is_none() {
                return Err(ConfigError::at(
                    text,
                    holiday.day.span(),
                    format!("month {month} has no day {day}"),
                ));
            }
            let entry = FixedHoliday {
                month,
                day,
                name: holiday.name,
                moves: holiday.moves,
            };
            if fixed.insert((month, day), entry).is_some() {
                return Err(ConfigError::at(
                    text,
                    holiday.day.span(),
                    format!("a fixed holiday on {day:02}.{month:02} is already listed"),
                ));
            }
        }

        let mut dated = BTreeMap::new();
        for holiday in raw.dated_holiday {
            let date = holiday.date.get_ref().0;
            if dated.insert(date, (holiday.name, holiday.moves)).is_some() {
                return Err(ConfigError::at(
                    text,
                    holiday.date.span(),
                    format!("a dated holiday on {date} is already listed"),
                ));
            }
        }

        let mut transfers = BTreeMap::new();
        for transfer in raw.transfer {
            let date = transfer.date.get_ref().0;
            if transfers.insert(date, transfer.working).is_some() {
                return Err(ConfigError::at(
                    text,
                    transfer.date.span(),
                    format!("a transfer on {date} is already listed"),
                ));
            }
        }

        Ok(Calendar {
            weekend,
            fixed,
            dated,
            transfers,
            holiday_on_weekend_moves: raw.holiday_on_weekend_moves,
        })
    }

    /// The shipped calendar of Kazakhstan, `config/calendar.toml` ([`KAZAKHSTAN_CALENDAR_TOML`]).
    pub fn kazakhstan() -> Calendar {
        Self::from_toml(KAZAKHSTAN_CALENDAR_TOML)
            .expect("config/calendar.toml is valid: checked by calendar::tests")
    }

    /// Whether `date` is a working day (see the module documentation for the rule).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if let Some(&working) = self.transfers.get(&date) {
            return working;
        }
        if self.is_weekend(date) || self.holiday(date).is_some() {
            return false;
        }
        !(self.holiday_on_weekend_moves && self.is_moved_day_off(date))
    }

    /// The name of the holiday on `date`, if any (whether or not it is a working day).
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.holiday(date).map(|(name, _)| name)
    }

    /// Whether `date`'s day of the week is a weekend day (transfers aside).
    pub fn is_weekend(&self, date: NaiveDate) -> bool {
        self.weekend
            .contains(&date.weekday().num_days_from_monday())
    }

    /// The holiday on `date`: its name and whether it moves off a weekend.
    fn holiday(&self, date: NaiveDate) -> Option<(&str, bool)> {
        if let Some((name, moves)) = self.dated.get(&date) {
            return Some((name, *moves));
        }
        self.fixed
            .get(&(date.month(), date.day()))
            .map(|h| (h.name.as_str(), h.moves))
    }

    /// Whether a holiday that fell on a weekend day had its day off moved onto `date`.
    fn is_moved_day_off(&self, date: NaiveDate) -> bool {
        let Some(from) = date.checked_sub_signed(TimeDelta::days(MOVE_LOOKBACK_DAYS)) else {
            return false;
        };
        let mut taken: HashSet<NaiveDate> = HashSet::new();
        for day in from.iter_days().take_while(|d| *d < date) {
            let moves = matches!(self.holiday(day), Some((_, true)));
            if !(moves && self.is_weekend(day)) {
                continue;
            }
            let mut target = day;
            while let Some(next) = target.succ_opt() {
                target = next;
                let free = !self.transfers.contains_key(&target)
                    && !self.is_weekend(target)
                    && self.holiday(target).is_none()
                    && !taken.contains(&target);
                if free {
                    if target == date {
                        return true;
                    }
                    taken.insert(target);
                    break;
                }
                if target > date {
                    break;
                }
            }
        }
        false
    }

    /// The first working day strictly after `date` (saturating at the end of time).
    fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        while let Some(next) = day.succ_opt() {
            day = next;
            if self.is_working_day(day) {
                break;
            }
        }
        day
    }
}

/// When something started at `start` and lasting `duration` falls due on `calendar` (rules in
/// the module documentation). Saturates at the latest representable instant.
pub fn due_at(start: DateTime<Utc>, duration: Duration, calendar: &Calendar) -> DateTime<Utc> {
    let add = |delta: TimeDelta| {
        start
            .checked_add_signed(delta)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    match duration {
        Duration::Hours(n) => add(TimeDelta::hours(i64::from(n))),
        Duration::Days(n) => add(TimeDelta::days(i64::from(n))),
        Duration::WorkingDays(0) => start,
        Duration::WorkingDays(n) => {
            let zone = kazakhstan();
            let local = start.with_timezone(&zone).naive_local();
            let (mut day, time) = if calendar.is_working_day(local.date()) {
                (local.date(), local.time())
            } else {
                (calendar.next_working_day(local.date()), NaiveTime::MIN)
            };
            for _ in 0..n {
                day = calendar.next_working_day(day);
            }
            day.and_time(time)
                .and_local_timezone(zone)
                .single()
                .map(|due| due.with_timezone(&Utc))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::{NaiveDateTime, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// An instant given in Kazakhstan local time.
    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        kazakhstan()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A test calendar independent of the real (movable) dates.
    const TEST_CALENDAR: &str = r#"
weekend = ["saturday", "sunday"]
holiday_on_weekend_moves = true

[[fixed_holiday]]
month = 1
day = 1
name = "New Year"

[[fixed_holiday]]
month = 1
day = 2
name = "New Year"

[[fixed_holiday]]
month = 1
day = 7
name = "Orthodox Christmas"
moves = false

[[fixed_holiday]]
month = 3
day = 8
name = "International Women's Day"

[[fixed_holiday]]
month = 3
day = 21
name = "Nauryz"

[[fixed_holiday]]
month = 3
day = 22
name = "Nauryz"

[[fixed_holiday]]
month = 3
day = 23
name = "Nauryz"

[[dated_holiday]]
date = 2031-04-16
name = "Movable holiday (test)"

[[dated_holiday]]
date = "2031-04-19"
name = "Movable holiday on a Saturday that does not move (test)"
moves = false

[[dated_holiday]]
date = 2031-04-26
name = "Movable holiday on a Saturday (test)"

[[transfer]]
date = 2031-04-12
working = true
note = "Saturday made working"

[[transfer]]
date = 2031-04-14
working = false
note = "Monday made a day off"
"#;

    fn test_calendar() -> Calendar {
        Calendar::from_toml(TEST_CALENDAR).unwrap()
    }

    #[test]
    fn shipped_calendar_parses() {
        let calendar = Calendar::kazakhstan();
        assert_eq!(calendar.fixed.len(), 14);
        assert!(calendar.holiday_on_weekend_moves);
        assert!(!calendar.dated.is_empty());
        assert_eq!(calendar.holiday_name(date(2027, 3, 22)), Some("Nauryz"));
    }

    #[test]
    fn shipped_calendar_matches_known_2026_days_off() {
        let calendar = Calendar::kazakhstan();
        // Nauryz 2026: Saturday 21 – Monday 23 March; the weekend days move to 24 and 25.
        for d in 21..=25 {
            assert!(!calendar.is_working_day(date(2026, 3, d)), "{d} March");
        }
        assert!(calendar.is_working_day(date(2026, 3, 26)));
        // 8 March 2026 is a Sunday: Monday the 9th is off.
        assert!(!calendar.is_working_day(date(2026, 3, 9)));
        assert!(calendar.is_working_day(date(2026, 3, 10)));
        // Victory Day 2026 is a Saturday: Monday 11 May is off.
        assert!(!calendar.is_working_day(date(2026, 5, 11)));
        // New Year 2026: Thursday and Friday.
        assert!(!calendar.is_working_day(date(2026, 1, 1)));
        assert!(!calendar.is_working_day(date(2026, 1, 2)));
        assert!(calendar.is_working_day(date(2026, 1, 5)));
        // Independence Day, Wednesday 16 December 2026; the 17th is working since 2022.
        assert!(!calendar.is_working_day(date(2026, 12, 16)));
        assert!(calendar.is_working_day(date(2026, 12, 17)));
        // Orthodox Christmas on Sunday 7 January 2024 does not move.
        assert!(calendar.is_working_day(date(2024, 1, 8)));
    }

    #[test]
    fn weekends_are_days_off() {
        let calendar = test_calendar();
        // 2031-04-04 is a Friday.
        assert!(calendar.is_working_day(date(2031, 4, 4)));
        assert!(!calendar.is_working_day(date(2031, 4, 5)));
        assert!(!calendar.is_working_day(date(2031, 4, 6)));
        assert!(calendar.is_working_day(date(2031, 4, 7)));
    }

    #[test]
    fn a_configurable_weekend() {
        let calendar = Calendar::from_toml("weekend = [\"friday\"]").unwrap();
        assert!(!calendar.is_working_day(date(2031, 4, 4)));
        assert!(calendar.is_working_day(date(2031, 4, 5)));
        assert!(calendar.is_working_day(date(2031, 4, 6)));
    }

    #[test]
    fn fixed_holidays_recur_every_year() {
        let calendar = test_calendar();
        // 8 March on a Wednesday (2028), Thursday (2029), Friday (2030).
        for year in [2028, 2029, 2030] {
            assert!(!calendar.is_working_day(date(year, 3, 8)), "{year}");
            assert_eq!(
                calendar.holiday_name(date(year, 3, 8)),
                Some("International Women's Day")
            );
        }
        assert!(calendar.is_working_day(date(2030, 3, 7)));
    }

    #[test]
    fn dated_holidays_apply_once() {
        let calendar = test_calendar();
        // Wednesday 16 April 2031 only.
        assert!(!calendar.is_working_day(date(2031, 4, 16)));
        assert!(calendar.is_working_day(date(2030, 4, 16)));
        assert!(calendar.is_working_day(date(2032, 4, 16)));
    }

    #[test]
    fn nauryz_block_on_weekdays() {
        let calendar = test_calendar();
        // 2028: Tuesday 21 – Thursday 23 March.
        assert!(calendar.is_working_day(date(2028, 3, 20)));
        for d in 21..=23 {
            assert!(!calendar.is_working_day(date(2028, 3, d)));
        }
        assert!(calendar.is_working_day(date(2028, 3, 24)));
        // Monday 20 March 2028 at 10:00, 1 working day → Friday 24th at 10:00.
        assert_eq!(
            due_at(
                local(2028, 3, 20, 10, 0),
                Duration::WorkingDays(1),
                &calendar
            ),
            local(2028, 3, 24, 10, 0)
        );
    }

    #[test]
    fn nauryz_block_over_a_weekend_moves_two_days() {
        let calendar = test_calendar();
        // 2026: Saturday 21, Sunday 22, Monday 23 → 24 and 25 off too.
        for d in 21..=25 {
            assert!(!calendar.is_working_day(date(2026, 3, d)), "{d}");
        }
        assert!(calendar.is_working_day(date(2026, 3, 20)));
        assert!(calendar.is_working_day(date(2026, 3, 26)));
        // Friday 20 March 2026 10:00 + 1 working day → Thursday 26th.
        assert_eq!(
            due_at(
                local(2026, 3, 20, 10, 0),
                Duration::WorkingDays(1),
                &calendar
            ),
            local(2026, 3, 26, 10, 0)
        );
        // 2027: Sunday 21 (moves to Wednesday 24), Monday 22, Tuesday 23.
        for d in 21..=24 {
            assert!(!calendar.is_working_day(date(2027, 3, d)), "{d}");
        }
        assert!(calendar.is_working_day(date(2027, 3, 25)));
    }

    #[test]
    fn holiday_on_weekend_moves_to_next_working_day() {
        let calendar = test_calendar();
        // 8 March 2031 is a Saturday → Monday 10 March off.
        assert!(!calendar.is_working_day(date(2031, 3, 10)));
        assert!(calendar.is_working_day(date(2031, 3, 11)));
        // New Year 2028: Saturday 1, Sunday 2 → Monday 3 and Tuesday 4 off.
        assert!(!calendar.is_working_day(date(2028, 1, 3)));
        assert!(!calendar.is_working_day(date(2028, 1, 4)));
        assert!(calendar.is_working_day(date(2028, 1, 5)));
        // A dated holiday on Saturday 26 April 2031 → Monday 28 off.
        assert!(!calendar.is_working_day(date(2031, 4, 28)));
        assert!(calendar.is_working_day(date(2031, 4, 29)));
    }

    #[test]
    fn holidays_marked_not_moving_stay_on_the_weekend() {
        let calendar = test_calendar();
        // Orthodox Christmas, Sunday 7 January 2029: Monday the 8th is working.
        assert!(calendar.is_working_day(date(2029, 1, 8)));
        // The non-moving dated holiday on Saturday 19 April 2031.
        assert!(calendar.is_working_day(date(2031, 4, 21)));
    }

    #[test]
    fn moving_can_be_switched_off() {
        let text = TEST_CALENDAR.replace(
            "holiday_on_weekend_moves = true",
            "holiday_on_weekend_moves = false",
        );
        let calendar = Calendar::from_toml(&text).unwrap();
        assert!(calendar.is_working_day(date(2031, 3, 10)));
        assert!(calendar.is_working_day(date(2026, 3, 24)));
        // Absent, the option defaults to true.
        let calendar = Calendar::from_toml(
            "weekend = [\"sunday\"]\n[[fixed_holiday]]\nmonth = 3\nday = 8\nname = \"x\"",
        )
        .unwrap();
        // 8 March 2026 is a Sunday → Monday 9 off.
        assert!(!calendar.is_working_day(date(2026, 3, 9)));
    }

    #[test]
    fn transfers_work_both_ways() {
        let calendar = test_calendar();
        // Saturday 12 April 2031 made working, Monday 14 made a day off.
        assert!(calendar.is_working_day(date(2031, 4, 12)));
        assert!(!calendar.is_working_day(date(2031, 4, 13)));
        assert!(!calendar.is_working_day(date(2031, 4, 14)));
        // Friday 11 April 10:00 + 1 wd → Saturday 12; + 2 wd → Tuesday 15.
        let friday = local(2031, 4, 11, 10, 0);
        assert_eq!(
            due_at(friday, Duration::WorkingDays(1), &calendar),
            local(2031, 4, 12, 10, 0)
        );
        assert_eq!(
            due_at(friday, Duration::WorkingDays(2), &calendar),
            local(2031, 4, 15, 10, 0)
        );
    }

    #[test]
    fn a_transfer_overrides_a_holiday() {
        let text = format!(
            "{TEST_CALENDAR}\n[[transfer]]\ndate = 2030-03-08\nworking = true\nnote = \"test\"\n"
        );
        let calendar = Calendar::from_toml(&text).unwrap();
        assert!(calendar.is_working_day(date(2030, 3, 8)));
    }

    #[test]
    fn hours_and_days_are_plain_additions() {
        let calendar = test_calendar();
        let start = local(2031, 4, 4, 10, 0); // Friday
        assert_eq!(
            due_at(start, Duration::Hours(24), &calendar),
            local(2031, 4, 5, 10, 0)
        );
        assert_eq!(
            due_at(start, Duration::Days(30), &calendar),
            local(2031, 5, 4, 10, 0)
        );
        assert_eq!(
            due_at(start, Duration::Hours(u32::MAX), &calendar),
            DateTime::<Utc>::MAX_UTC,
            "saturates instead of overflowing"
        );
    }

    #[test]
    fn working_days_keep_the_local_time_of_day() {
        let calendar = test_calendar();
        // Friday 4 April 2031 10:00 + 1 wd → Monday 7 at 10:00.
        assert_eq!(
            due_at(
                local(2031, 4, 4, 10, 0),
                Duration::WorkingDays(1),
                &calendar
            ),
            local(2031, 4, 7, 10, 0)
        );
        // Friday 23:30 local (18:30 UTC) → Monday 23:30 local.
        assert_eq!(
            due_at(
                local(2031, 4, 4, 23, 30),
                Duration::WorkingDays(1),
                &calendar
            ),
            local(2031, 4, 7, 23, 30)
        );
        // Friday 20:00 UTC is already Saturday 01:00 in Almaty: the clock starts Monday 00:00.
        let start = Utc.with_ymd_and_hms(2031, 4, 4, 20, 0, 0).single().unwrap();
        assert_eq!(
            due_at(start, Duration::WorkingDays(1), &calendar),
            local(2031, 4, 8, 0, 0)
        );
    }

    #[test]
    fn a_start_on_a_day_off_counts_from_the_next_working_day() {
        let calendar = test_calendar();
        // Sunday 6 April 2031 15:00 → clock starts Monday 7 00:00; 1 wd → Tuesday 8 00:00.
        assert_eq!(
            due_at(
                local(2031, 4, 6, 15, 0),
                Duration::WorkingDays(1),
                &calendar
            ),
            local(2031, 4, 8, 0, 0)
        );
        // Zero working days is the start itself.
        let start = local(2031, 4, 6, 15, 0);
        assert_eq!(due_at(start, Duration::WorkingDays(0), &calendar), start);
    }

    #[test]
    fn forty_five_working_days() {
        let calendar = test_calendar();
        // Monday 7 April 2031 + 45 wd, skipping the transfers and the dated holidays: 9 weeks
        // = 45 weekdays, minus 16 & 26(→28) April and 14 April off, plus Saturday 12 April.
        let due = due_at(
            local(2031, 4, 7, 9, 0),
            Duration::WorkingDays(45),
            &calendar,
        );
        let mut counted = 0;
        let mut day = date(2031, 4, 7);
        while counted < 45 {
            day = day.succ_opt().unwrap();
            if calendar.is_working_day(day) {
                counted += 1;
            }
        }
        assert_eq!(due, local(day.year(), day.month(), day.day(), 9, 0));
        assert_eq!(day, date(2031, 6, 11));
    }

    #[test]
    fn duration_displays_in_config_syntax_and_serialises_tagged() {
        assert_eq!(Duration::Hours(24).to_string(), "24h");
        assert_eq!(Duration::Days(30).to_string(), "30d");
        assert_eq!(Duration::WorkingDays(2).to_string(), "2wd");
        assert_eq!(
            serde_json::to_value(Duration::WorkingDays(2)).unwrap(),
            serde_json::json!({"working_days": 2})
        );
    }

    fn error_of(text: &str) -> ConfigError {
        Calendar::from_toml(text).unwrap_err()
    }

    #[test]
    fn bad_files_name_the_line() {
        let e = error_of(
            "weekend = [\"saturday\"]\n\n[[fixed_holiday]]\nmonth = 13\nday = 1\nname = \"x\"\n",
        );
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.to_string().starts_with("line 4: month 13"), "{e}");

        let e = error_of(
            "weekend = [\"saturday\"]\n[[fixed_holiday]]\nmonth = 2\nday = 30\nname = \"x\"\n",
        );
        assert_eq!(e.line, Some(4), "{e}");

        let e = error_of("weekend = [\n  \"saturday\",\n  \"caturday\",\n]\n");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("caturday"), "{e}");

        let e = error_of("weekend = [\"sunday\", \"sunday\"]");
        assert_eq!(e.line, Some(1), "{e}");

        let e = error_of(
            "weekend = [\"saturday\"]\n[[dated_holiday]]\ndate = 2026-02-30\nname = \"x\"\n",
        );
        assert_eq!(e.line, Some(3), "{e}");

        let e = error_of(
            "weekend = [\"saturday\"]\n[[dated_holiday]]\ndate = \"soon\"\nname = \"x\"\n",
        );
        assert_eq!(e.line, Some(3), "{e}");

        let e = error_of(
            "weekend = [\"saturday\"]\n[[transfer]]\ndate = 2026-01-03\nworking = \"yes\"\n",
        );
        assert_eq!(e.line, Some(4), "{e}");

        let e = error_of(
            "weekend = [\"saturday\"]\n[[transfer]]\ndate = 2026-01-03\nworking = true\n[[transfer]]\ndate = 2026-01-03\nworking = false\n",
        );
        assert_eq!(e.line, Some(6), "{e}");

        let e = error_of(
            "weekend = [\"saturday\"]\n\n[[fixed_holiday]]\nmonth = 1\nday = 1\nnmae = \"x\"\n",
        );
        assert_eq!(e.line, Some(6), "{e}");

        let e = error_of("weekend = [\"saturday\"\n");
        assert!(e.line.is_some(), "{e}");

        let e = error_of(
            "weekend = [\"monday\", \"tuesday\", \"wednesday\", \"thursday\", \"friday\", \"saturday\", \"sunday\"]",
        );
        assert_eq!(e.line, Some(1), "{e}");
    }

    #[test]
    fn error_display() {
        assert_eq!(ConfigError::new(Some(3), "bad").to_string(), "line 3: bad");
        assert_eq!(ConfigError::new(None, "bad").to_string(), "bad");
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 100), 3);
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        let from = NaiveDateTime::from(date(2020, 1, 1)).and_utc().timestamp();
        let to = NaiveDateTime::from(date(2036, 1, 1)).and_utc().timestamp();
        (from..to).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
    }

    fn calendars() -> [Calendar; 2] {
        [Calendar::kazakhstan(), test_calendar()]
    }

    proptest! {
        #[test]
        fn working_day_deadlines_land_on_working_days(start in instant(), n in 1u32..30) {
            for calendar in calendars() {
                let due = due_at(start, Duration::WorkingDays(n), &calendar);
                let due_local = due.with_timezone(&kazakhstan()).date_naive();
                prop_assert!(calendar.is_working_day(due_local), "{start} + {n}wd = {due}");
                prop_assert!(due > start);
            }
        }

        #[test]
        fn due_at_is_monotonic_in_the_start(a in instant(), b in instant(), n in 0u32..30) {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            for calendar in calendars() {
                for duration in [Duration::WorkingDays(n), Duration::Hours(n), Duration::Days(n)] {
                    prop_assert!(
                        due_at(early, duration, &calendar) <= due_at(late, duration, &calendar),
                        "{early} / {late} + {duration}"
                    );
                }
            }
        }

        #[test]
        fn one_more_working_day_is_later(start in instant(), n in 0u32..30) {
            for calendar in calendars() {
                prop_assert!(
                    due_at(start, Duration::WorkingDays(n + 1), &calendar)
                        > due_at(start, Duration::WorkingDays(n), &calendar)
                );
            }
        }

        #[test]
        fn n_working_days_span_exactly_n_working_days(start in instant(), n in 1u32..30) {
            let calendar = Calendar::kazakhstan();
            let first = start.with_timezone(&kazakhstan()).date_naive();
            let due = due_at(start, Duration::WorkingDays(n), &calendar)
                .with_timezone(&kazakhstan())
                .date_naive();
            let between = first
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= due)
                .filter(|d| calendar.is_working_day(*d))
                .count();
            let expected = if calendar.is_working_day(first) { n } else { n + 1 };
            prop_assert_eq!(between, expected as usize);
        }
    }
}
