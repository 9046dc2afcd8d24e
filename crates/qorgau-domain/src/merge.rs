//! When two records of a child may be merged into one (security finding 7 of issue 17).
//!
//! A false merge puts one child's case file under another child's name, which is worse than a
//! duplicate left standing (see [`crate::names`]). So a merge goes ahead only when
//!
//! - the pair was flagged as a possible duplicate and its identifying fields agree, or
//! - the supervisor confirms, field by field, exactly the ways in which the two records differ
//!   (`confirm_differences`; an empty list for an unflagged pair that agrees).
//!
//! Two IINs are two children: an IIN is issued to one person, and the registry already keeps
//! records with different IINs apart however alike their names. Such a pair is never merged;
//! a mistyped IIN is corrected on its record, not merged away.
//!
//! Only what is known on both records is compared: a blank field is unknown, not different
//! (children found without documents are registered with little). Names compare
//! spelling-tolerantly, as when flagging ([`crate::names`]): Нұрлан and Nurlan are the same
//! first name, Ахметов and Ахметова the same last name (their sexes, when recorded, are
//! compared on their own). The middle name (patronymic) is not compared: it is rarely recorded
//! and written in competing forms (-ович, -ұлы, none).

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::names::{first_names_match, last_names_match};

crate::code_enum! {
    /// A field that identifies a child and on which two records may disagree. `ALL` lists
    /// every field compared, in the order differences are reported.
    pub enum IdentityField {
        LastName = "last_name",
        FirstName = "first_name",
        BirthDate = "birth_date",
        Sex = "sex",
    }
}

crate::code_enum! {
    /// The kinds of record a merge moves from the duplicate to the record kept, as recorded so
    /// that an unmerge moves exactly those back.
    pub enum MovedRecord {
        Signal = "signal",
        Case = "case",
        TimelineEvent = "timeline_event",
    }
}

/// What a record says about who the child is; any part may be missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity<'a> {
    pub iin: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    /// `male` or `female`.
    pub sex: Option<&'a str>,
}

/// The fields in which two records of a child differ, in [`IdentityField::ALL`] order.
pub fn differences(a: &Identity<'_>, b: &Identity<'_>) -> Vec<IdentityField> {
    IdentityField::ALL
        .into_iter()
        .filter(|field| {
            let same = match field {
                IdentityField::LastName => both(a.last_name, b.last_name, last_names_match),
                IdentityField::FirstName => both(a.first_name, b.first_name, first_names_match),
                IdentityField::BirthDate => both(a.birth_date, b.birth_date, |x, y| Some(x == y)),
                IdentityField::Sex => both(a.sex, b.sex, |x, y| Some(x == y)),
            };
            same == Some(false)
        })
        .collect()
}

/// `None` (unknown) unless both are known.
fn both<T>(a: Option<T>, b: Option<T>, same: impl Fn(T, T) -> Option<bool>) -> Option<bool> {
    same(a?, b?)
}

/// Why a merge may not go ahead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Both records carry an IIN (and they differ: an IIN belongs to one record).
    TwoIins,
    /// The confirmation is missing or does not list exactly the `differences`.
    Unconfirmed {
        differences: Vec<IdentityField>,
        flagged: bool,
    },
}

impl Refusal {
    /// The message for the client, naming what to do.
    pub fn message(&self) -> String {
        match self {
            Refusal::TwoIins => "both records have an IIN, and two IINs are two children: they \
                                 are never merged (correct a mistyped IIN on its record instead)"
                .into(),
            Refusal::Unconfirmed {
                differences,
                flagged,
            } => {
                let listed = if differences.is_empty() {
                    "[] (nothing differs)".to_string()
                } else {
                    differences
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let why = if *flagged {
                    "the records differ"
                } else {
                    "the records were not flagged as possible duplicates"
                };
                format!(
                    "{why}: to merge them anyway, list exactly the fields in which they differ: \
                     {listed}"
                )
            }
        }
    }
}

/// Decides whether `duplicate` may be merged into `keep`: `Ok` with the differences the
/// supervisor confirmed (empty when none), else why not.
///
/// `flagged`: the pair is a flagged possible duplicate. `confirmed`: the fields the supervisor
/// confirms differ, when given — they must be exactly the differences. Without a confirmation
/// only a flagged pair that agrees may merge.
pub fn check(
    keep: &Identity<'_>,
    duplicate: &Identity<'_>,
    flagged: bool,
    confirmed: Option<&BTreeSet<IdentityField>>,
) -> Result<Vec<IdentityField>, Refusal> {
    if let (Some(a), Some(b)) = (keep.iin, duplicate.iin)
        && a != b
    {
        return Err(Refusal::TwoIins);
    }
    let found = differences(keep, duplicate);
    let agreed = match confirmed {
        Some(listed) => listed
            .iter()
            .copied()
            .eq(found.iter().copied().collect::<BTreeSet<_>>()),
        None => flagged && found.is_empty(),
    };
    if agreed {
        Ok(found)
    } else {
        Err(Refusal::Unconfirmed {
            differences: found,
            flagged,
        })
    }
}

/// Parses the codes of `confirm_differences`; an unknown one is named with the known ones.
pub fn parse_confirmation(codes: &[String]) -> Result<BTreeSet<IdentityField>, String> {
    codes
        .iter()
        .map(|code| {
            IdentityField::from_code(code).ok_or_else(|| {
                let known: Vec<&str> = IdentityField::ALL.iter().map(|f| f.as_str()).collect();
                format!("`{code}` is not one of {}", known.join(", "))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    fn boy() -> Identity<'static> {
        Identity {
            iin: None,
            last_name: Some("Сейтқали"),
            first_name: Some("Нұрлан"),
            birth_date: date("2013-02-01"),
            sex: Some("male"),
        }
    }

    fn girl() -> Identity<'static> {
        Identity {
            iin: Some("150412603211"),
            last_name: Some("Сәрсенова"),
            first_name: Some("Әлия"),
            birth_date: date("2015-04-12"),
            sex: Some("female"),
        }
    }

    fn set(fields: &[IdentityField]) -> BTreeSet<IdentityField> {
        fields.iter().copied().collect()
    }

    #[test]
    fn unrelated_children_differ_in_everything_and_need_all_of_it_confirmed() {
        assert_eq!(differences(&boy(), &girl()), IdentityField::ALL);
        for flagged in [false, true] {
            let refused = check(&boy(), &girl(), flagged, None).unwrap_err();
            assert_eq!(
                refused,
                Refusal::Unconfirmed {
                    differences: IdentityField::ALL.to_vec(),
                    flagged
                }
            );
            assert!(
                refused
                    .message()
                    .contains("last_name, first_name, birth_date, sex")
            );
        }
        let partial = set(&[IdentityField::Sex]);
        assert!(check(&boy(), &girl(), false, Some(&partial)).is_err());
        let all = set(&IdentityField::ALL);
        assert_eq!(
            check(&boy(), &girl(), false, Some(&all)),
            Ok(IdentityField::ALL.to_vec())
        );
    }

    #[test]
    fn spellings_are_not_differences_and_unknown_is_not_different() {
        let latin = Identity {
            iin: None,
            last_name: Some("Seitkali"),
            first_name: Some("Nurlan"),
            birth_date: None,
            sex: None,
        };
        assert!(differences(&boy(), &latin).is_empty());
        // A flagged pair that agrees merges without a confirmation.
        assert_eq!(check(&boy(), &latin, true, None), Ok(vec![]));
        // Unflagged, it needs an explicit (empty) one; a list naming more is refused.
        assert!(check(&boy(), &latin, false, None).is_err());
        assert_eq!(check(&boy(), &latin, false, Some(&set(&[]))), Ok(vec![]));
        assert!(check(&boy(), &latin, true, Some(&set(&[IdentityField::Sex]))).is_err());
        // Gendered surname endings match; the sexes themselves are compared when recorded.
        let sister = Identity {
            last_name: Some("Ахметова"),
            sex: Some("female"),
            ..Identity::default()
        };
        let brother = Identity {
            last_name: Some("Ахметов"),
            sex: Some("male"),
            ..Identity::default()
        };
        assert_eq!(differences(&sister, &brother), [IdentityField::Sex]);
        // Blank names are unknown.
        let blank = Identity {
            first_name: Some("  "),
            ..Identity::default()
        };
        assert!(differences(&boy(), &blank).is_empty());
        // A different name is a difference even when the rest agrees.
        let other = Identity {
            first_name: Some("Нурбол"),
            ..boy()
        };
        assert_eq!(differences(&boy(), &other), [IdentityField::FirstName]);
    }

    #[test]
    fn two_iins_are_never_merged_whatever_is_confirmed() {
        let twin = Identity {
            iin: Some("150412503219"),
            ..girl()
        };
        let all = set(&IdentityField::ALL);
        for confirmed in [None, Some(&all), Some(&set(&[]))] {
            assert_eq!(
                check(&girl(), &twin, true, confirmed),
                Err(Refusal::TwoIins)
            );
        }
        // One IIN is no obstacle: it moves to the record kept.
        assert!(check(&boy(), &girl(), false, Some(&all)).is_ok());
    }

    #[test]
    fn confirmations_parse_from_their_codes() {
        let codes = ["sex".to_string(), "birth_date".into(), "sex".into()];
        assert_eq!(
            parse_confirmation(&codes),
            Ok(set(&[IdentityField::BirthDate, IdentityField::Sex]))
        );
        let err = parse_confirmation(&["iin".to_string()]).unwrap_err();
        assert!(err.contains("`iin`") && err.contains("last_name"), "{err}");
    }
}
