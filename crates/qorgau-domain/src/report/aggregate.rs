//! De-identified counts for analysts: signals grouped by any of seven dimensions, with small cells
//! suppressed and — where a published total would let a reader subtract their way to one — a
//! complementary cell suppressed too.

use std::collections::BTreeMap;

use super::{MIN_CELL, is_small};

/// What counts can be grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Region,
    District,
    Concern,
    Source,
    AgeBand,
    Sex,
    Month,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Self::Region,
        Self::District,
        Self::Concern,
        Self::Source,
        Self::AgeBand,
        Self::Sex,
        Self::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::District => "district",
            Self::Concern => "concern",
            Self::Source => "source",
            Self::AgeBand => "age_band",
            Self::Sex => "sex",
            Self::Month => "month",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == code)
    }
}

/// `region,concern` → the dimensions in the order given: at least one, each known, none twice.
pub fn parse_group_by(value: &str) -> Result<Vec<Dimension>, String> {
    let mut dims = Vec::new();
    for code in value.split(',').map(str::trim) {
        let dim = Dimension::from_code(code).ok_or_else(|| {
            let known: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
            format!("`{code}` is not one of {}", known.join(", "))
        })?;
        if dims.contains(&dim) {
            return Err(format!("`{code}` is given twice"));
        }
        dims.push(dim);
    }
    Ok(dims)
}

/// Age groups of children at the time of the signal: five-year bands as in UN child statistics,
/// 15–17 for the last years of childhood, and 18–22 for care leavers (brief § 2 step 14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    Under5,
    From5To9,
    From10To14,
    From15To17,
    From18,
    Unknown,
}

impl AgeBand {
    /// The band of a child aged `years` (whole years); `Unknown` without a birth date.
    pub fn of(years: Option<i32>) -> AgeBand {
        match years {
            Some(..=4) => Self::Under5,
            Some(5..=9) => Self::From5To9,
            Some(10..=14) => Self::From10To14,
            Some(15..=17) => Self::From15To17,
            Some(18..) => Self::From18,
            None => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Under5 => "0-4",
            Self::From5To9 => "5-9",
            Self::From10To14 => "10-14",
            Self::From15To17 => "15-17",
            Self::From18 => "18+",
            Self::Unknown => "unknown",
        }
    }
}

/// Which cells to withhold. `cells` are (key, count) with one key part per dimension, each key
/// distinct; returns, per cell, whether it is suppressed.
///
/// 1. **Primary**: a count from 1 to 4 is suppressed.
/// 2. **Complementary**: a *line* is the set of cells that agree on every key part but one; its
///    total is what the same query grouped by one dimension less publishes. A line with exactly
///    one suppressed cell would give that cell away by subtraction, so another non-zero cell of
///    the line is suppressed too: the one that leaves the fewest other lines with a single
///    suppressed cell (it may complete one), and among those the smallest (then the first in key
///    order). In a one-dimensional table that is simply the next-smallest cell. This repeats
///    until every line has none or at least two suppressed cells.
///
/// This stops a reader from recovering a cell by one subtraction from any published marginal
/// total. It does not claim to defeat every combination of several queries (e.g. differences
/// between overlapping periods) — see `docs/reporting.md`.
pub fn suppress(cells: &[(Vec<String>, i64)]) -> Vec<bool> {
    let mut hidden: Vec<bool> = cells.iter().map(|(_, n)| is_small(*n)).collect();
    let dims = cells.first().map_or(0, |(k, _)| k.len());
    let lines: Vec<Vec<usize>> = (0..dims).flat_map(|d| lines_along(cells, d)).collect();
    let mut lines_of: Vec<Vec<usize>> = vec![Vec::new(); cells.len()];
    for (l, line) in lines.iter().enumerate() {
        for &i in line {
            lines_of[i].push(l);
        }
    }
    let hidden_in = |line: &[usize], hidden: &[bool]| line.iter().filter(|&&i| hidden[i]).count();
    let mut changed = true;
    while changed {
        changed = false;
        for (l, line) in lines.iter().enumerate() {
            if hidden_in(line, &hidden) != 1 {
                continue;
            }
            // Lines left with a single suppressed cell by hiding `i`, less those it completes.
            let exposure = |i: usize| -> i64 {
                lines_of[i]
                    .iter()
                    .filter(|&&other| other != l)
                    .map(|&other| match hidden_in(&lines[other], &hidden) {
                        0 => 1,
                        1 => -1,
                        _ => 0,
                    })
                    .sum()
            };
            let complement = line
                .iter()
                .copied()
                .filter(|&i| !hidden[i] && cells[i].1 > 0)
                .min_by(|&a, &b| {
                    exposure(a)
                        .cmp(&exposure(b))
                        .then(cells[a].1.cmp(&cells[b].1))
                        .then(cells[a].0.cmp(&cells[b].0))
                });
            if let Some(i) = complement {
                hidden[i] = true;
                changed = true;
            }
        }
    }
    hidden
}

/// The cells grouped by their key without part `d`.
fn lines_along(cells: &[(Vec<String>, i64)], d: usize) -> Vec<Vec<usize>> {
    let mut lines: BTreeMap<Vec<&str>, Vec<usize>> = BTreeMap::new();
    for (i, (key, _)) in cells.iter().enumerate() {
        let rest: Vec<&str> = key
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != d)
            .map(|(_, part)| part.as_str())
            .collect();
        lines.entry(rest).or_default().push(i);
    }
    lines.into_values().collect()
}

/// Whether every line of the table has zero or at least two suppressed cells (what
/// [`suppress`] guarantees when a complement exists), and no visible count is small.
pub fn is_protected(cells: &[(Vec<String>, i64)], hidden: &[bool]) -> bool {
    let dims = cells.first().map_or(0, |(k, _)| k.len());
    let no_small_visible = cells
        .iter()
        .zip(hidden)
        .all(|((_, n), h)| *h || *n >= MIN_CELL || *n == 0);
    no_small_visible
        && (0..dims).all(|d| {
            lines_along(cells, d)
                .iter()
                .all(|line| line.iter().filter(|&&i| hidden[i]).count() != 1)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&[&str], i64)]) -> Vec<(Vec<String>, i64)> {
        rows.iter()
            .map(|(k, n)| (k.iter().map(|s| s.to_string()).collect(), *n))
            .collect()
    }

    #[test]
    fn group_by_is_parsed_strictly() {
        assert_eq!(
            parse_group_by("region, concern"),
            Ok(vec![Dimension::Region, Dimension::Concern])
        );
        assert!(parse_group_by("region,region").is_err());
        assert!(parse_group_by("name").is_err());
        assert!(parse_group_by("").is_err());
        for d in Dimension::ALL {
            assert_eq!(Dimension::from_code(d.as_str()), Some(d));
        }
    }

    #[test]
    fn age_bands() {
        let bands: Vec<&str> = [
            Some(0),
            Some(4),
            Some(5),
            Some(14),
            Some(15),
            Some(17),
            Some(18),
            Some(22),
            None,
        ]
        .into_iter()
        .map(|a| AgeBand::of(a).as_str())
        .collect();
        assert_eq!(
            bands,
            [
                "0-4", "0-4", "5-9", "10-14", "15-17", "15-17", "18+", "18+", "unknown"
            ]
        );
    }

    #[test]
    fn nothing_small_nothing_hidden() {
        let t = table(&[(&["a"], 5), (&["b"], 12), (&["c"], 0)]);
        assert_eq!(suppress(&t), [false, false, false]);
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        let t = table(&[(&["a"], 40), (&["b"], 3), (&["c"], 9), (&["d"], 7)]);
        assert_eq!(suppress(&t), [false, true, false, true]);
        assert!(is_protected(&t, &suppress(&t)));
        // Two small cells already protect each other.
        let two = table(&[(&["a"], 40), (&["b"], 3), (&["c"], 1)]);
        assert_eq!(suppress(&two), [false, true, true]);
        // Ties go to the first key.
        let tie = table(&[(&["a"], 2), (&["b"], 6), (&["c"], 6)]);
        assert_eq!(suppress(&tie), [true, true, false]);
    }

    #[test]
    fn complements_cascade_across_rows_and_columns() {
        //            neglect  bullying  other
        // KZ-71         12        3        8
        // KZ-75          9        6       20
        let t = table(&[
            (&["KZ-71", "neglect"], 12),
            (&["KZ-71", "bullying"], 3),
            (&["KZ-71", "other"], 8),
            (&["KZ-75", "neglect"], 9),
            (&["KZ-75", "bullying"], 6),
            (&["KZ-75", "other"], 20),
        ]);
        let hidden = suppress(&t);
        // 3 is small. Its column can only take 6; its row takes 8 (12 would expose the neglect
        // column as well); then 20 completes both the other column and the other row.
        assert_eq!(hidden, [false, true, true, false, true, true]);
        assert!(is_protected(&t, &hidden));
    }

    #[test]
    fn a_line_of_one_cell_has_nothing_to_pair_with() {
        // The region's total equals its only cell, and is small itself: suppressed there too.
        let t = table(&[
            (&["KZ-71", "neglect"], 2),
            (&["KZ-75", "neglect"], 30),
            (&["KZ-75", "other"], 10),
        ]);
        let hidden = suppress(&t);
        // The concern column pairs 2 with 30; 30's row then pairs with 10.
        assert_eq!(hidden, [true, true, true]);
    }
}
