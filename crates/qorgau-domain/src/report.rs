//! Supervision and reporting (brief § 6): the area and period a report covers, how much detail
//! the reader may see, and the arithmetic of indicators. Pure functions: storage fetches the
//! facts, these rules turn them into numbers, the API renders them. Every indicator is defined in
//! `docs/reporting.md`.

pub mod aggregate;
pub mod caseload;
pub mod kpi;
pub mod rounding;
pub mod stats;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime};

use self::kpi::Timed;
use self::rounding::{Rounding, Tally};
use crate::access::{Location, Scope};
use crate::deadline::KAZAKHSTAN_UTC_OFFSET_HOURS;
use crate::role::Role;
use crate::validation::{FieldError, Validation};

/// Counts from 1 to `MIN_CELL - 1` are small cells: with a district, a month and a concern
/// they can point at one child (brief § 5, "small cells (< 5) suppressed").
pub const MIN_CELL: i64 = 5;

/// The smallest rounded denominator a share is shown over, for readers who get counts rounded.
pub const MIN_SHARE_BASE: i64 = 20;

/// Dates a report or training record may name: from Kazakhstan's independence to the end of the
/// century. Anything outside is a typo, and would only make the database scan for nothing.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1991, 12, 16) {
    Some(d) => d,
    None => panic!("valid date"),
};
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// The days a report covers, both ends included, in Kazakhstan time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `to` defaults to `today`, `from` to the 1st of January of `to`'s year (year to date, the
    /// way departments report).
    pub fn parse(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, Vec<FieldError>> {
        let mut v = Validation::new();
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| to.with_ordinal(1).unwrap_or(to));
        for (field, date) in [("from", from), ("to", to)] {
            if !(EARLIEST_DATE..=LATEST_DATE).contains(&date) {
                v.add(
                    field,
                    format!("must be a date between {EARLIEST_DATE} and {LATEST_DATE}"),
                );
            }
        }
        if v.is_empty() && from > to {
            v.add("from", "must not be after `to`");
        }
        v.finish(|| Period { from, to })
    }

    /// The period in whole months that have ended, for counts that are rounded
    /// (`rounding`): `from` goes back to the first of its month and `to` on to the last
    /// day of its, but no further than the end of the month before `today`'s — the month under
    /// way would change every day and give a new draw each time. `to` defaults to that last
    /// whole month, `from` to January of `to`'s year. A period with no such month is a 422.
    pub fn whole_months(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, Vec<FieldError>> {
        let last = today
            .with_day(1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(today);
        let given = Period::parse(from, to, last)?;
        let from = given.from.with_day(1).unwrap_or(given.from);
        let to = given
            .to
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(given.to)
            .min(last);
        if from > to {
            let mut v = Validation::new();
            v.add(
                "from",
                format!(
                    "must be in a month that has ended: counts cover whole months, up to {last}"
                ),
            );
            return Err(v.into_errors());
        }
        Ok(Period { from, to })
    }

    /// The first instant of the period, as stored (UTC).
    pub fn start(&self) -> NaiveDateTime {
        kazakhstan_midnight(self.from)
    }

    /// The first instant after the period, as stored (UTC).
    pub fn end(&self) -> NaiveDateTime {
        kazakhstan_midnight(self.to.succ_opt().unwrap_or(self.to))
    }
}

/// Midnight of `date` in Kazakhstan, in UTC.
pub fn kazakhstan_midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) - chrono::Duration::hours(i64::from(KAZAKHSTAN_UTC_OFFSET_HOURS))
}

/// The date in Kazakhstan at a stored (UTC) instant.
pub fn kazakhstan_date(at: NaiveDateTime) -> NaiveDate {
    (at + chrono::Duration::hours(i64::from(KAZAKHSTAN_UTC_OFFSET_HOURS))).date()
}

/// Where a report looks: a region, optionally one of its districts; no region is the whole
/// country.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Area {
    pub region: Option<String>,
    pub district: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaError {
    /// Outside the caller's scope (or no such place): 404, as for a record.
    NotFound,
    /// The district named is not in the region named: 422.
    DistrictOutsideRegion,
}

impl Area {
    /// The area asked for, checked against the caller's scope for the report. `district` comes
    /// with the region it belongs to. Without a region, a regional caller gets their own region
    /// and a national one the whole country.
    pub fn resolve(
        scope: &Scope,
        region: Option<&str>,
        district: Option<(&str, &str)>,
    ) -> Result<Area, AreaError> {
        let region = match (region, district) {
            (Some(r), Some((_, of))) if r != of => return Err(AreaError::DistrictOutsideRegion),
            (_, Some((_, of))) => Some(of.to_string()),
            (Some(r), None) => Some(r.to_string()),
            (None, None) => match scope {
                Scope::Region(own) => Some(own.clone()),
                _ => None,
            },
        };
        let area = Area {
            region,
            district: district.map(|(d, _)| d.to_string()),
        };
        let at = Location {
            region: area.region.as_deref(),
            district: area.district.as_deref(),
            ..Location::default()
        };
        // The whole country is only within a national scope.
        if scope.contains(&at) {
            Ok(area)
        } else {
            Err(AreaError::NotFound)
        }
    }
}

/// How much of a report a reader may see.
#[derive(Clone, Copy, Debug)]
pub enum Disclosure<'a> {
    /// Supervisors: they can open every record behind the numbers anyway.
    Full,
    /// Analysts see aggregates, never children (brief § 1, § 5): every count is rounded by
    /// its records (`rounding`), a count of 1–4 showing as 0; shares and durations follow.
    Rounded(&'a Rounding),
}

impl Disclosure<'_> {
    pub fn for_role(role: Role, rounding: &Rounding) -> Disclosure<'_> {
        if role == Role::Supervisor {
            Disclosure::Full
        } else {
            Disclosure::Rounded(rounding)
        }
    }

    pub fn is_rounded(self) -> bool {
        matches!(self, Disclosure::Rounded(_))
    }

    /// A published count.
    pub fn count(self, t: Tally) -> i64 {
        match self {
            Disclosure::Full => t.count,
            Disclosure::Rounded(r) => r.publish(t),
        }
    }

    /// `part / whole` of the published counts: for analysts, a share of the two rounded
    /// numbers, which says nothing they do not — and only when the published whole is at least
    /// [`MIN_SHARE_BASE`]: over fewer, ±4 on each count makes the share noise (4 of 6 would
    /// show as 0 of 5).
    pub fn share(self, part: Tally, whole: Tally) -> Option<f64> {
        let whole = self.count(whole);
        if self.is_rounded() && whole < MIN_SHARE_BASE {
            return None;
        }
        stats::share(self.count(part), whole)
    }

    /// Durations summarised over fewer than `MIN_CELL` records describe individual children:
    /// analysts get the median and 90th percentile only over 5 or more (exactly when the
    /// published count is not 0), and the count rounded.
    pub fn durations(self, t: &Timed) -> stats::Durations {
        let enough = !self.is_rounded() || t.records.count >= MIN_CELL;
        stats::Durations {
            count: self.count(t.records),
            median_hours: t.stats.median_hours.filter(|_| enough),
            p90_hours: t.stats.p90_hours.filter(|_| enough),
        }
    }
}

/// The longest course name kept.
pub const COURSE_MAX: usize = 200;

/// A child-rights training a staff member completed (seed indicator 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTraining {
    pub course: String,
    pub completed_on: NaiveDate,
}

/// Checks a training record: a course name, and a completion date (`YYYY-MM-DD`) that is not
/// in the future (Kazakhstan time) nor before [`EARLIEST_DATE`].
pub fn parse_training(
    course: &str,
    completed_on: &str,
    today: NaiveDate,
) -> Result<NewTraining, Vec<FieldError>> {
    let mut v = Validation::new();
    let course = v.text("course", course, COURSE_MAX);
    let completed_on = match completed_on.trim().parse::<NaiveDate>() {
        Ok(d) if d > today => {
            v.add("completed_on", "must not be in the future");
            None
        }
        Ok(d) if d < EARLIEST_DATE => {
            v.add(
                "completed_on",
                format!("must not be before {EARLIEST_DATE}"),
            );
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            v.add("completed_on", "must be a date, YYYY-MM-DD");
            None
        }
    };
    match (course, completed_on) {
        (Some(course), Some(completed_on)) => Ok(NewTraining {
            course,
            completed_on,
        }),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn periods_default_to_the_year_so_far_and_cover_whole_kazakh_days() {
        let p = Period::parse(None, None, date("2026-11-25")).expect("valid");
        assert_eq!((p.from, p.to), (date("2026-01-01"), date("2026-11-25")));
        let march = Period::parse(
            Some(date("2025-03-01")),
            Some(date("2025-03-31")),
            date("2026-01-01"),
        )
        .expect("valid");
        assert_eq!(march.start().to_string(), "2025-02-28 19:00:00");
        assert_eq!(march.end().to_string(), "2025-03-31 19:00:00");
        assert_eq!(kazakhstan_date(march.start()), date("2025-03-01"));
        let backwards = Period::parse(
            Some(date("2025-03-02")),
            Some(date("2025-03-01")),
            date("2026-01-01"),
        );
        assert_eq!(backwards.expect_err("invalid")[0].field, "from");
        let far = Period::parse(
            Some(date("1900-01-01")),
            Some(date("3000-01-01")),
            date("2026-01-01"),
        );
        let fields: Vec<String> = far
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["from", "to"]);
    }

    #[test]
    fn rounded_counts_cover_whole_months_that_have_ended() {
        let today = date("2026-12-06");
        let p = Period::whole_months(None, None, today).expect("valid");
        assert_eq!((p.from, p.to), (date("2026-01-01"), date("2026-11-30")));
        let p = Period::whole_months(Some(date("2025-03-15")), Some(date("2025-06-02")), today)
            .expect("valid");
        assert_eq!((p.from, p.to), (date("2025-03-01"), date("2025-06-30")));
        // The month under way is left out; a period within it has nothing to count.
        let p = Period::whole_months(Some(date("2026-11-20")), Some(date("2026-12-05")), today)
            .expect("valid");
        assert_eq!((p.from, p.to), (date("2026-11-01"), date("2026-11-30")));
        let now = Period::whole_months(Some(date("2026-12-01")), None, today);
        assert_eq!(now.expect_err("invalid")[0].field, "from");
        // In January the default is the year before.
        let p = Period::whole_months(None, None, date("2027-01-10")).expect("valid");
        assert_eq!((p.from, p.to), (date("2026-01-01"), date("2026-12-31")));
        let far = Period::whole_months(Some(date("1900-01-01")), None, today);
        assert_eq!(far.expect_err("invalid")[0].field, "from");
    }

    #[test]
    fn trainings_need_a_course_and_a_past_date() {
        let today = date("2026-11-25");
        assert_eq!(
            parse_training(" Child rights basics ", "2026-02-01", today),
            Ok(NewTraining {
                course: "Child rights basics".into(),
                completed_on: date("2026-02-01")
            })
        );
        let fields = |r: Result<NewTraining, Vec<FieldError>>| -> Vec<String> {
            r.expect_err("invalid")
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(parse_training("", "2026-13-01", today)),
            ["course", "completed_on"]
        );
        assert_eq!(
            fields(parse_training("x", "2026-11-26", today)),
            ["completed_on"]
        );
        assert_eq!(
            fields(parse_training("x", "1900-01-01", today)),
            ["completed_on"]
        );
    }

    #[test]
    fn areas_stay_within_scope() {
        let own = Scope::Region("KZ-71".into());
        let area = |r: Option<&str>, d: Option<(&str, &str)>| Area::resolve(&own, r, d);
        assert_eq!(
            area(None, None),
            Ok(Area {
                region: Some("KZ-71".into()),
                district: None
            })
        );
        assert_eq!(
            area(None, Some(("KZ-71-01", "KZ-71"))),
            Ok(Area {
                region: Some("KZ-71".into()),
                district: Some("KZ-71-01".into())
            })
        );
        assert_eq!(area(Some("KZ-75"), None), Err(AreaError::NotFound));
        assert_eq!(
            area(None, Some(("KZ-75-01", "KZ-75"))),
            Err(AreaError::NotFound)
        );
        assert_eq!(
            area(Some("KZ-71"), Some(("KZ-75-01", "KZ-75"))),
            Err(AreaError::DistrictOutsideRegion)
        );
        assert_eq!(Area::resolve(&Scope::All, None, None), Ok(Area::default()));
        assert_eq!(
            Area::resolve(&Scope::All, Some("KZ-75"), None),
            Ok(Area {
                region: Some("KZ-75".into()),
                district: None
            })
        );
    }

    #[test]
    fn analysts_see_counts_rounded_and_what_follows_from_them() {
        let rounding = Rounding::new(b"test");
        let full = Disclosure::for_role(Role::Supervisor, &rounding);
        let rounded = Disclosure::for_role(Role::Analyst, &rounding);
        let t = |count: i64| Tally { count, key: 7 };
        assert_eq!(full.count(t(3)), 3);
        assert_eq!(rounded.count(t(3)), 0, "small: as if empty");
        assert_eq!(rounded.count(t(0)), 0);
        assert_eq!(rounded.count(t(10)), 10);
        assert!([5, 10].contains(&rounded.count(t(8))));
        // A share of published numbers, over 20 or more of them.
        assert_eq!(full.share(t(6), t(8)), Some(0.75));
        assert_eq!(rounded.share(t(6), t(8)), None, "over 5 or 10: noise");
        assert_eq!(
            rounded.share(t(30), t(40)),
            stats::share(rounded.count(t(30)), rounded.count(t(40)))
        );
        assert_eq!(rounded.share(t(30), t(40)), Some(0.75));
        let few = Timed {
            records: t(2),
            stats: stats::durations([3600, 7200]),
        };
        assert_eq!(rounded.durations(&few).median_hours, None);
        assert_eq!(rounded.durations(&few).count, 0);
        assert_eq!(full.durations(&few).median_hours, Some(1.5));
    }
}
