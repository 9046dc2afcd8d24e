//! De-identified counts for analysts: signals grouped by any of seven dimensions, each count
//! rounded by its records and the cells that show as nothing left out (`super::rounding`).

use super::rounding::{Rounding, Tally};

crate::code_enum! {
    /// What counts can be grouped by.
    pub enum Dimension {
        Region = "region",
        District = "district",
        Concern = "concern",
        Source = "source",
        AgeBand = "age_band",
        Sex = "sex",
        Month = "month",
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

crate::code_enum! {
    /// Age groups of children at the time of the signal: five-year bands as in UN child statistics,
    /// 15–17 for the last years of childhood, and 18–22 for care leavers (brief § 2 step 14).
    pub enum AgeBand {
        Under5 = "0-4",
        From5To9 = "5-9",
        From10To14 = "10-14",
        From15To17 = "15-17",
        From18 = "18+",
        Unknown = "unknown",
    }
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
}

/// The cells as published (docs/reporting.md § Disclosure control): each count rounded by
/// `rounding`, and the cells shown as 0 — the empty and the small alike — left out.
pub fn publish(cells: Vec<(Vec<String>, Tally)>, rounding: &Rounding) -> Vec<(Vec<String>, i64)> {
    cells
        .into_iter()
        .map(|(key, tally)| (key, rounding.publish(tally)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn only_cells_shown_as_more_than_nothing_are_published() {
        let rounding = Rounding::new(b"test");
        let cell = |k: &str, count: i64| (vec![k.to_string()], Tally { count, key: 1 });
        let published = publish(
            vec![cell("a", 3), cell("b", 5), cell("c", 40), cell("d", 0)],
            &rounding,
        );
        assert_eq!(
            published,
            [(vec!["b".to_string()], 5), (vec!["c".to_string()], 40)]
        );
    }
}
