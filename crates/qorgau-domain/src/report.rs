//! Supervision and reporting (brief § 6): the area and period a report covers, how much detail
//! the reader may see, and the arithmetic of indicators. Pure functions: storage fetches the
//! facts, these rules turn them into numbers, the API renders them. Every indicator is defined in
//! `docs/reporting.md`.

pub mod aggregate;
pub mod caseload;
pub mod kpi;
pub mod stats;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

use crate::access::{Location, Scope};
use crate::deadline::KAZAKHSTAN_UTC_OFFSET_HOURS;
use crate::role::Role;
use crate::validation::{FieldError, Validation};

/// Counts from 1 to `MIN_CELL - 1` are small cells: with a district, a month and a concern
/// they can point at one child (brief § 5, "small cells (< 5) suppressed").
pub const MIN_CELL: i64 = 5;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// Supervisors: they can open every record behind the numbers anyway.
    Full,
    /// Analysts see aggregates, never children (brief § 1, § 5): counts of 1–4 and whatever
    /// would let one be worked out are withheld.
    SmallCellsSuppressed,
}

impl Disclosure {
    pub fn for_role(role: Role) -> Disclosure {
        if role == Role::Supervisor {
            Disclosure::Full
        } else {
            Disclosure::SmallCellsSuppressed
        }
    }

    fn hides(self, n: i64) -> bool {
        self == Disclosure::SmallCellsSuppressed && is_small(n)
    }

    /// A published count.
    pub fn count(self, n: i64) -> Option<i64> {
        (!self.hides(n)).then_some(n)
    }

    /// A breakdown of a published total (signals by source, closures by reason): small cells
    /// and their complements (see [`aggregate::suppress`]) are withheld.
    pub fn breakdown(self, counts: &[i64]) -> Vec<Option<i64>> {
        if self == Disclosure::Full {
            return counts.iter().copied().map(Some).collect();
        }
        let cells: Vec<(Vec<String>, i64)> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| (vec![format!("{i:06}")], *n))
            .collect();
        aggregate::suppress(&cells)
            .into_iter()
            .zip(counts)
            .map(|(hidden, n)| (!hidden).then_some(*n))
            .collect()
    }

    /// `part / whole`, withheld when either `part` or `whole − part` is a small count: with the
    /// denominator known, the share would give it away.
    pub fn share(self, part: i64, whole: i64) -> Option<f64> {
        if self.hides(part) || self.hides(whole - part) {
            return None;
        }
        stats::share(part, whole)
    }

    /// Durations summarised over fewer than `MIN_CELL` records describe individual children:
    /// the median and 90th percentile are withheld, the count follows [`Disclosure::count`].
    pub fn durations(self, s: stats::DurationStats) -> stats::Durations {
        let enough = self == Disclosure::Full || s.count >= MIN_CELL;
        stats::Durations {
            count: self.count(s.count),
            median_hours: s.median_hours.filter(|_| enough),
            p90_hours: s.p90_hours.filter(|_| enough),
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

/// A count that could identify a child: at least one and below [`MIN_CELL`].
pub fn is_small(n: i64) -> bool {
    (1..MIN_CELL).contains(&n)
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
    fn analysts_do_not_see_small_counts_or_what_reveals_them() {
        let full = Disclosure::for_role(Role::Supervisor);
        let hidden = Disclosure::for_role(Role::Analyst);
        assert_eq!(full.count(3), Some(3));
        assert_eq!(hidden.count(3), None);
        assert_eq!(hidden.count(0), Some(0));
        assert_eq!(hidden.count(5), Some(5));
        assert_eq!(
            hidden.breakdown(&[10, 2, 7, 0]),
            [Some(10), None, None, Some(0)]
        );
        assert_eq!(full.breakdown(&[10, 2]), [Some(10), Some(2)]);
        // 6 of 8 gives away the 2 others.
        assert_eq!(hidden.share(6, 8), None);
        assert_eq!(hidden.share(5, 10), Some(0.5));
        assert_eq!(hidden.share(0, 10), Some(0.0));
        assert_eq!(full.share(6, 8), Some(0.75));
        let few = stats::durations([3600, 7200]);
        assert_eq!(hidden.durations(few.clone()).median_hours, None);
        assert_eq!(full.durations(few).median_hours, Some(1.5));
    }
}
