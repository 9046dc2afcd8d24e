//! Medians, percentiles and shares, defined once so that every report computes them alike and a
//! reader can reproduce them in a spreadsheet.

/// The `p`-th quantile (0 ≤ p ≤ 1) of `sorted` values by linear interpolation between closest
/// ranks — Hyndman & Fan's type 7, the method of Excel's `PERCENTILE.INC`, R's default and
/// numpy's default: with `h = (n − 1)·p`, the value is `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`
/// (0-based). The median is `p = 0.5`. `None` for no values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let below = h.floor();
    // `below` is within 0..=last: h is.
    let i = below as usize;
    let lower = *sorted.get(i)?;
    let upper = *sorted.get(i + 1).unwrap_or(&lower);
    Some(lower + (h - below) * (upper - lower))
}

/// How long something took, over a set of records.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationStats {
    pub count: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

/// [`DurationStats`] as published: the count perhaps rounded, the median and percentile perhaps
/// withheld (see `Disclosure`).
#[derive(Clone, Debug, PartialEq)]
pub struct Durations {
    pub count: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

/// Median and 90th percentile of durations given in seconds, in hours rounded to 0.01 h. A
/// negative duration (an event recorded as earlier than the signal that started the clock)
/// counts as zero.
pub fn durations(seconds: impl IntoIterator<Item = i64>) -> DurationStats {
    let mut hours: Vec<f64> = seconds
        .into_iter()
        .map(|s| s.max(0) as f64 / 3600.0)
        .collect();
    hours.sort_by(f64::total_cmp);
    DurationStats {
        count: i64::try_from(hours.len()).unwrap_or(i64::MAX),
        median_hours: percentile(&hours, 0.5).map(|h| round(h, 2)),
        p90_hours: percentile(&hours, 0.9).map(|h| round(h, 2)),
    }
}

/// `part / whole` rounded to four decimals; `None` when there is nothing to divide by.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round(part as f64 / whole as f64, 4))
}

fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_percentiles() {
        let x = [1.0, 2.0, 4.0, 8.0, 24.0];
        assert_eq!(percentile(&x, 0.5), Some(4.0));
        // h = 4 × 0.9 = 3.6: 8 + 0.6 × (24 − 8)
        assert_eq!(percentile(&x, 0.9).map(|v| round(v, 6)), Some(17.6));
        assert_eq!(percentile(&[24.0, 48.0], 0.5), Some(36.0));
        assert_eq!(
            percentile(&[24.0, 48.0], 0.9).map(|v| round(v, 6)),
            Some(45.6)
        );
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&x, 0.0), Some(1.0));
        assert_eq!(percentile(&x, 1.0), Some(24.0));
    }

    #[test]
    fn durations_are_summarised_in_hours() {
        let s = durations([8 * 3600, 3600, 24 * 3600, 2 * 3600, 4 * 3600]);
        assert_eq!(
            s,
            DurationStats {
                count: 5,
                median_hours: Some(4.0),
                p90_hours: Some(17.6)
            }
        );
        let none = durations([]);
        assert_eq!((none.count, none.median_hours), (0, None));
        assert_eq!(durations([-60, 60]).median_hours, Some(0.01));
        // 20 minutes = 0.333… h
        assert_eq!(durations([1200]).median_hours, Some(0.33));
    }

    #[test]
    fn shares_are_rounded_and_need_a_denominator() {
        assert_eq!(share(2, 3), Some(0.6667));
        assert_eq!(share(0, 4), Some(0.0));
        assert_eq!(share(1, 0), None);
    }
}
