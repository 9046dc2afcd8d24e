//! Retention (docs/security.md § Retention): when a child's record has served its purpose it is
//! anonymised — what identifies the child is erased, the de-identified facts that reports count
//! are kept. The rules without I/O: when a record is due, what replaces erased text, and the
//! birth date that still gives every signal its age band.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, Utc};

use crate::report::aggregate::AgeBand;
use crate::report::kazakhstan_date;

/// What an erased free-text field holds (a required text column cannot be empty of meaning:
/// this says "there was something here, and it was erased"). Identifiers (IIN, names, address,
/// phones) are erased to nothing (`NULL`) instead.
pub const ERASED: &str = "—";

/// The retention periods `retention.closed_case_years` accepts: at least a year (0 would
/// anonymise a case closed this morning), at most a century.
pub const CLOSED_CASE_YEARS: RangeInclusive<u32> = 1..=100;

/// The instant before which a child's last case must have closed for the child to be
/// anonymised: `years` calendar years before `now`.
pub fn closed_before(now: DateTime<Utc>, years: u32) -> NaiveDateTime {
    now.checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        .naive_utc()
}

/// Whole years between `birth` and `day`, as the aggregates count them on both databases
/// (`qorgau_persistence::reports::aggregate`): the difference of the years, less one when the
/// day's month and day come before the birthday's (so a child born on 29 February is a year
/// older on 1 March).
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let before_birthday = (day.month(), day.day()) < (birth.month(), birth.day());
    day.year() - birth.year() - i32::from(before_birthday)
}

/// The birth date an anonymised record keeps: the day nearest to 1 July of the child's birth
/// year that gives every one of the child's signals (`received`, stored UTC instants) the age
/// band it had with the true birth date — so that the aggregates by age band are unchanged —
/// ties going to the earlier day. Only the birth year and what the bands of the signals already
/// say remain: most children get 1 July; a child whose birthday fell between a signal and a
/// band's boundary gets the nearest day on the right side of it.
pub fn anonymous_birth_date(birth: NaiveDate, received: &[NaiveDateTime]) -> NaiveDate {
    let days: Vec<NaiveDate> = received.iter().map(|at| kazakhstan_date(*at)).collect();
    let band = |b: NaiveDate, day: NaiveDate| AgeBand::of(Some(age_on(b, day)));
    let keeps_bands = |b: NaiveDate| days.iter().all(|d| band(b, *d) == band(birth, *d));
    let Some(mid_year) = NaiveDate::from_ymd_opt(birth.year(), 7, 1) else {
        return birth;
    };
    // Outward from 1 July, a day earlier then a day later, within the birth year; the true
    // birth date is among them, so the search always ends.
    (0..=184_u64)
        .flat_map(|n| {
            [
                mid_year.checked_sub_days(chrono::Days::new(n)),
                mid_year.checked_add_days(chrono::Days::new(n)),
            ]
        })
        .flatten()
        .filter(|d| d.year() == birth.year())
        .find(|d| keeps_bands(*d))
        .unwrap_or(birth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A signal received at noon (Astana) of `day`.
    fn noon(day: &str) -> NaiveDateTime {
        date(day).and_hms_opt(7, 0, 0).unwrap()
    }

    #[test]
    fn the_period_counts_calendar_years_back() {
        let now = "2026-12-08T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            closed_before(now, 5),
            date("2021-12-08").and_hms_opt(10, 0, 0).unwrap()
        );
        let leap = "2028-02-29T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            closed_before(leap, 1),
            date("2027-02-28").and_hms_opt(0, 0, 0).unwrap()
        );
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        assert_eq!(age_on(date("2010-02-15"), date("2020-02-14")), 9);
        assert_eq!(age_on(date("2010-02-15"), date("2020-02-15")), 10);
        assert_eq!(age_on(date("2012-02-29"), date("2021-02-28")), 8);
        assert_eq!(age_on(date("2012-02-29"), date("2021-03-01")), 9);
        assert_eq!(age_on(date("2012-02-29"), date("2024-02-29")), 12);
    }

    #[test]
    fn most_children_keep_the_middle_of_their_birth_year() {
        let signals = [noon("2020-03-02"), noon("2020-11-20")];
        assert_eq!(
            anonymous_birth_date(date("2012-04-09"), &signals),
            date("2012-07-01")
        );
        assert_eq!(
            anonymous_birth_date(date("2012-10-30"), &[]),
            date("2012-07-01")
        );
    }

    #[test]
    fn a_birthday_near_a_band_boundary_moves_only_as_far_as_the_band_needs() {
        // Ten (10–14) on 2 March 2020; with 1 July 2010 the child would be nine (5–9) then.
        let birth = date("2010-02-15");
        let signals = [noon("2020-03-02"), noon("2020-03-20")];
        let kept = anonymous_birth_date(birth, &signals);
        assert_eq!(kept, date("2010-03-02"));
        for s in signals {
            let day = kazakhstan_date(s);
            assert_eq!(
                AgeBand::of(Some(age_on(kept, day))),
                AgeBand::of(Some(age_on(birth, day)))
            );
        }
        // Still nine on 1 June 2020, born in November: the later side.
        let late = date("2010-11-03");
        assert_eq!(
            anonymous_birth_date(late, &[noon("2020-06-01")]),
            date("2010-07-01")
        );
        assert_eq!(
            anonymous_birth_date(late, &[noon("2020-10-01")]),
            date("2010-10-02")
        );
    }

    #[test]
    fn every_band_of_every_signal_is_kept_whatever_the_birthday() {
        let signals: Vec<NaiveDateTime> = ["2014-01-01", "2015-06-30", "2019-07-02", "2027-12-31"]
            .iter()
            .map(|d| noon(d))
            .collect();
        let mut birth = date("2009-01-01");
        while birth < date("2011-01-01") {
            let kept = anonymous_birth_date(birth, &signals);
            assert_eq!(kept.year(), birth.year());
            for s in &signals {
                let day = kazakhstan_date(*s);
                assert_eq!(
                    AgeBand::of(Some(age_on(kept, day))),
                    AgeBand::of(Some(age_on(birth, day))),
                    "born {birth}, kept {kept}, signal {day}"
                );
            }
            birth = birth.succ_opt().unwrap();
        }
    }
}
