//! The Kazakhstan IIN (ЖСН / ИИН, individual identification number).
//!
//! Every resident of Kazakhstan, including every child with a birth certificate, has a
//! 12-digit IIN. It is the strongest key we have for recognising that two case records
//! concern the same child, so it is parsed once at the edge into [`Iin`] and is valid by
//! construction everywhere else.
//!
//! Layout (digits numbered 1–12):
//!
//! | digits | meaning                                                          |
//! |--------|------------------------------------------------------------------|
//! | 1–6    | birth date, `YYMMDD`                                             |
//! | 7      | century and sex: 1/2 = 1800s, 3/4 = 1900s, 5/6 = 2000s; odd = male |
//! | 8–11   | registration serial                                              |
//! | 12     | check digit (see [`checksum_digit`])                             |
//!
//! The check digit only catches *most* typos: the first pass gives digit 11 the weight 11,
//! which vanishes modulo 11, so a typo in digit 11 goes unnoticed whenever the first pass
//! decides. A valid IIN is therefore strong evidence, not proof, that it was typed
//! correctly; matching must still look at names and birth dates.
//!
//! Whether the birth date lies in the future is deliberately not checked here: that needs
//! a clock, and this crate does no I/O.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};

/// Number of digits in an IIN.
const LEN: usize = 12;

/// First-pass weights for digits 1–11.
const WEIGHTS_FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/// Second-pass weights, used only when the first pass yields 10 (which is not a digit).
const WEIGHTS_SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

crate::code_enum! {
    /// Sex as encoded in the 7th digit of an IIN.
    pub enum Sex {
        Male = "male",
        Female = "female",
    }
}

/// Why a string is not a valid IIN. Checks run in the order of the variants, so the
/// reported error is the first problem found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum IinError {
    #[error("{}", self.message())]
    Format,
    #[error("{}", self.message())]
    CenturySex,
    #[error("{}", self.message())]
    BirthDate,
    #[error("{}", self.message())]
    Checksum,
}

impl IinError {
    /// Explanation fit to show to the person who typed the IIN.
    pub fn message(self) -> &'static str {
        match self {
            IinError::Format => "An IIN must consist of exactly 12 digits.",
            IinError::CenturySex => {
                "The 7th digit of an IIN must be 1 to 6 (it encodes the century of birth and sex)."
            }
            IinError::BirthDate => {
                "The first 6 digits of an IIN must be a real birth date in the form YYMMDD."
            }
            IinError::Checksum => {
                "The IIN's check digit does not match; please check it for typing mistakes."
            }
        }
    }
}

/// A valid Kazakhstan IIN: 12 ASCII digits with a real birth date, a person's century/sex
/// digit and a matching check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Iin(String);

impl Iin {
    /// Parses an IIN exactly as written. Surrounding whitespace is not trimmed: deciding
    /// what user input to tolerate is the caller's business.
    pub fn parse(input: &str) -> Result<Iin, IinError> {
        let digits = to_digits(input).ok_or(IinError::Format)?;
        decode(&digits)?;
        let (first11, check) = split_check(&digits);
        if checksum_digit(&first11) != Some(check) {
            return Err(IinError::Checksum);
        }
        Ok(Iin(input.to_owned()))
    }

    /// Builds a valid IIN, for tests and demo data only: real IINs are issued by the state,
    /// never made up by us.
    ///
    /// `serial` becomes digits 8–11. Returns `None` when `serial > 9999`, when the birth
    /// year is outside 1800–2099, or when this serial has no valid check digit (both
    /// checksum passes give 10); in the last case another serial will work.
    pub fn generate(birth_date: NaiveDate, sex: Sex, serial: u32) -> Option<Iin> {
        if serial > 9999 {
            return None;
        }
        let year = birth_date.year();
        let century_digit: u8 = match (year / 100, sex) {
            (18, Sex::Male) => 1,
            (18, Sex::Female) => 2,
            (19, Sex::Male) => 3,
            (19, Sex::Female) => 4,
            (20, Sex::Male) => 5,
            (20, Sex::Female) => 6,
            _ => return None,
        };
        // Every value below is < 100, so the narrowing casts are lossless.
        let yy = (year % 100) as u8;
        let mm = birth_date.month() as u8;
        let dd = birth_date.day() as u8;
        let serial = [
            serial / 1000 % 10,
            serial / 100 % 10,
            serial / 10 % 10,
            serial % 10,
        ]
        .map(|d| d as u8);
        let first11 = [
            yy / 10,
            yy % 10,
            mm / 10,
            mm % 10,
            dd / 10,
            dd % 10,
            century_digit,
            serial[0],
            serial[1],
            serial[2],
            serial[3],
        ];
        let check = checksum_digit(&first11)?;
        let text: String = first11
            .iter()
            .chain(std::iter::once(&check))
            .map(|&d| char::from(b'0' + d))
            .collect();
        Some(Iin(text))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Date of birth encoded in digits 1–7.
    pub fn birth_date(&self) -> NaiveDate {
        self.decoded().0
    }

    /// Sex encoded in digit 7.
    pub fn sex(&self) -> Sex {
        self.decoded().1
    }

    fn decoded(&self) -> (NaiveDate, Sex) {
        // Only `parse` and `generate` construct an `Iin` (serde goes through `parse`), and
        // both guarantee that this succeeds; a failure here is a bug in this module.
        to_digits(&self.0)
            .and_then(|digits| decode(&digits).ok())
            .expect("Iin holds a validated IIN")
    }
}

/// Computes the IIN check digit (digit 12) from digits 1–11.
///
/// `first11` holds digit *values* 0–9, not ASCII characters. Returns `None` when both
/// passes give 10: no IIN is issued with such leading digits.
pub fn checksum_digit(first11: &[u8; 11]) -> Option<u8> {
    let pass = |weights: &[u32; 11]| -> u32 {
        first11
            .iter()
            .zip(weights)
            .map(|(&d, &w)| u32::from(d) * w)
            .sum::<u32>()
            % 11
    };
    [pass(&WEIGHTS_FIRST), pass(&WEIGHTS_SECOND)]
        .into_iter()
        .find(|&r| r != 10)
        // `r < 10` here, so it fits in a digit.
        .map(|r| r as u8)
}

/// The 12 digit values of `input`, or `None` unless it is exactly 12 ASCII digits.
fn to_digits(input: &str) -> Option<[u8; LEN]> {
    let bytes: &[u8; LEN] = input.as_bytes().try_into().ok()?;
    if !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.map(|b| b - b'0'))
}

fn split_check(digits: &[u8; LEN]) -> ([u8; 11], u8) {
    let mut first11 = [0; 11];
    first11.copy_from_slice(&digits[..11]);
    (first11, digits[11])
}

/// Birth date and sex from digits 1–7; the checksum is not looked at.
fn decode(digits: &[u8; LEN]) -> Result<(NaiveDate, Sex), IinError> {
    let (century, sex) = match digits[6] {
        1 => (1800, Sex::Male),
        2 => (1800, Sex::Female),
        3 => (1900, Sex::Male),
        4 => (1900, Sex::Female),
        5 => (2000, Sex::Male),
        6 => (2000, Sex::Female),
        _ => return Err(IinError::CenturySex),
    };
    let pair = |i: usize| u32::from(digits[i]) * 10 + u32::from(digits[i + 1]);
    // `pair` is at most 99, so the year cannot overflow.
    let year = century + pair(0) as i32;
    let date = NaiveDate::from_ymd_opt(year, pair(2), pair(4)).ok_or(IinError::BirthDate)?;
    Ok((date, sex))
}

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Iin {
    type Err = IinError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iin::parse(s)
    }
}

impl TryFrom<String> for Iin {
    type Error = IinError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Iin::parse(&value)
    }
}

impl From<Iin> for String {
    fn from(iin: Iin) -> Self {
        iin.0
    }
}

impl AsRef<str> for Iin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// Hand-written so that every serde format sees a plain string, not a newtype wrapper.
impl Serialize for Iin {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Digit values of an 11-digit prefix.
    fn digits_of(s: &str) -> [u8; 11] {
        to_digits(&format!("{s}0"))
            .map(|d| split_check(&d).0)
            .unwrap()
    }

    /// First pass decides.
    ///   digits 1–11: 9 0 0 1 0 1 3 0 0 0 0
    ///   weights:     1 2 3 4 5 6 7 8 9 10 11
    ///   9·1 + 1·4 + 1·6 + 3·7 = 9 + 4 + 6 + 21 = 40;  40 mod 11 = 7  →  check digit 7.
    const FIRST_PASS: &str = "900101300007";

    /// First pass gives 10, second pass decides.
    ///   digits 1–11: 9 0 0 1 0 1 3 0 0 8 1
    ///   pass 1, weights 1..11:
    ///     9·1 + 1·4 + 1·6 + 3·7 + 8·10 + 1·11 = 9+4+6+21+80+11 = 131;  131 mod 11 = 10
    ///   pass 2, weights 3 4 5 6 7 8 9 10 11 1 2:
    ///     9·3 + 1·6 + 1·8 + 3·9 + 8·1 + 1·2 = 27+6+8+27+8+2 = 78;  78 mod 11 = 1
    ///   → check digit 1.
    const SECOND_PASS: &str = "900101300811";

    /// Both passes give 10, so no check digit exists for these 11 digits.
    ///   digits 1–11: 9 0 0 1 0 1 3 0 0 8 0
    ///   pass 1: 9·1 + 1·4 + 1·6 + 3·7 + 8·10 = 120;  120 mod 11 = 10
    ///   pass 2: 9·3 + 1·6 + 1·8 + 3·9 + 8·1  =  76;   76 mod 11 = 10
    const DOUBLE_TEN_PREFIX: &str = "90010130080";

    #[test]
    fn hand_checked_samples_parse() {
        let iin = Iin::parse(FIRST_PASS).unwrap();
        assert_eq!(iin.as_str(), FIRST_PASS);
        assert_eq!(iin.birth_date(), date(1990, 1, 1));
        assert_eq!(iin.sex(), Sex::Male);

        let iin = Iin::parse(SECOND_PASS).unwrap();
        assert_eq!(iin.birth_date(), date(1990, 1, 1));
        assert_eq!(iin.sex(), Sex::Male);
    }

    #[test]
    fn checksum_digit_matches_hand_arithmetic() {
        assert_eq!(checksum_digit(&digits_of("90010130000")), Some(7));
        assert_eq!(checksum_digit(&digits_of("90010130081")), Some(1));
        assert_eq!(checksum_digit(&digits_of(DOUBLE_TEN_PREFIX)), None);
    }

    #[test]
    fn birth_date_and_sex_for_every_century_digit() {
        let cases = [
            ("500615100015", date(1850, 6, 15), Sex::Male),
            ("751231200018", date(1875, 12, 31), Sex::Female),
            ("900101300007", date(1990, 1, 1), Sex::Male),
            ("690723400019", date(1969, 7, 23), Sex::Female),
            ("080229500012", date(2008, 2, 29), Sex::Male),
            ("150301600015", date(2015, 3, 1), Sex::Female),
            ("000229500008", date(2000, 2, 29), Sex::Male),
        ];
        for (text, birth, sex) in cases {
            let iin = Iin::parse(text).unwrap();
            assert_eq!(iin.birth_date(), birth, "{text}");
            assert_eq!(iin.sex(), sex, "{text}");
        }
    }

    #[test]
    fn wrong_length_or_non_digits_is_format_error() {
        for bad in [
            "",
            "90010130000",
            "9001013000077",
            "90010130000a",
            "9001013O0007",
            " 900101300007",
            "900101300007 ",
            "9001-0130000",
            "９００１０１３００００７", // full-width digits are not ASCII digits
            "٩٠٠١٠١٣٠٠٠٠٧",             // nor are Arabic-Indic ones
        ] {
            assert_eq!(Iin::parse(bad), Err(IinError::Format), "{bad:?}");
        }
    }

    #[test]
    fn seventh_digit_outside_1_to_6_is_century_sex_error() {
        // Check digits are correct, so only the 7th digit is wrong.
        for bad in ["900101000008", "900101700002", "900101800009"] {
            assert_eq!(Iin::parse(bad), Err(IinError::CenturySex), "{bad}");
        }
    }

    #[test]
    fn impossible_birth_date_is_birth_date_error() {
        // Check digits are correct, so only the date is wrong.
        for bad in [
            "080231500003", // 31 February 2008
            "000229300005", // 29 February 1900: not a leap year, unlike 2000
            "901301300007", // month 13
            "900100300001", // day 0
        ] {
            assert_eq!(Iin::parse(bad), Err(IinError::BirthDate), "{bad}");
        }
    }

    #[test]
    fn wrong_check_digit_is_checksum_error() {
        assert_eq!(Iin::parse("900101300008"), Err(IinError::Checksum));
        assert_eq!(Iin::parse("900101300810"), Err(IinError::Checksum));
    }

    #[test]
    fn double_ten_prefix_is_invalid_with_any_check_digit() {
        for d in 0..=9 {
            let text = format!("{DOUBLE_TEN_PREFIX}{d}");
            assert_eq!(Iin::parse(&text), Err(IinError::Checksum), "{text}");
        }
        assert_eq!(Iin::generate(date(1990, 1, 1), Sex::Male, 80), None);
    }

    /// Documents the blind spot described in the module docs rather than wishing it away.
    #[test]
    fn first_pass_does_not_protect_digit_11() {
        let typo = "900101300017"; // FIRST_PASS with digit 11 changed from 0 to 1
        assert!(Iin::parse(typo).is_ok());
    }

    #[test]
    fn errors_have_client_facing_messages() {
        for e in [
            IinError::Format,
            IinError::CenturySex,
            IinError::BirthDate,
            IinError::Checksum,
        ] {
            assert_eq!(e.to_string(), e.message());
            assert!(e.message().ends_with('.'));
        }
        assert!(IinError::Format.message().contains("12 digits"));
    }

    #[test]
    fn generate_rejects_out_of_range_inputs() {
        assert_eq!(Iin::generate(date(1799, 12, 31), Sex::Male, 1), None);
        assert_eq!(Iin::generate(date(2100, 1, 1), Sex::Female, 1), None);
        assert_eq!(Iin::generate(date(2010, 1, 1), Sex::Female, 10_000), None);
        assert!(Iin::generate(date(1800, 1, 1), Sex::Male, 0).is_some());
        assert!(Iin::generate(date(2099, 12, 31), Sex::Female, 9999).is_some());
    }

    #[test]
    fn generate_reproduces_hand_checked_samples() {
        let first = Iin::generate(date(1990, 1, 1), Sex::Male, 0).unwrap();
        assert_eq!(first.as_str(), FIRST_PASS);
        let second = Iin::generate(date(1990, 1, 1), Sex::Male, 81).unwrap();
        assert_eq!(second.as_str(), SECOND_PASS);
    }

    #[test]
    fn display_from_str_and_string_conversions_agree() {
        let iin: Iin = FIRST_PASS.parse().unwrap();
        assert_eq!(iin.to_string(), FIRST_PASS);
        assert_eq!(String::from(iin.clone()), FIRST_PASS);
        assert_eq!(Iin::try_from(FIRST_PASS.to_owned()), Ok(iin));
    }

    #[test]
    fn deserialize_goes_through_parse() {
        let ok = Iin::deserialize(StrDeserializer::<DeError>::new(FIRST_PASS)).unwrap();
        assert_eq!(ok.as_str(), FIRST_PASS);

        let err = Iin::deserialize(StrDeserializer::<DeError>::new("900101300008")).unwrap_err();
        assert_eq!(err.to_string(), IinError::Checksum.message());
    }

    #[test]
    fn sex_serde_codes() {
        assert_eq!(Sex::Male.as_str(), "male");
        assert_eq!(Sex::Female.as_str(), "female");
        let de = |s: &'static str| Sex::deserialize(StrDeserializer::<DeError>::new(s));
        assert_eq!(de("male").unwrap(), Sex::Male);
        assert_eq!(de("female").unwrap(), Sex::Female);
        assert!(de("Male").is_err());
    }

    fn any_birth_date() -> impl Strategy<Value = NaiveDate> {
        // Day 1 of 1800 to the last day of 2099, the range the 7th digit can express.
        let first = date(1800, 1, 1).num_days_from_ce();
        let last = date(2099, 12, 31).num_days_from_ce();
        (first..=last).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    fn any_sex() -> impl Strategy<Value = Sex> {
        prop_oneof![Just(Sex::Male), Just(Sex::Female)]
    }

    /// Any IIN `generate` can produce.
    fn any_iin() -> impl Strategy<Value = Iin> {
        (any_birth_date(), any_sex(), 0u32..=9999).prop_filter_map(
            "serial with a double-10 checksum",
            |(birth, sex, serial)| Iin::generate(birth, sex, serial),
        )
    }

    fn first_pass_is_ten(text: &str) -> bool {
        let digits = to_digits(text).unwrap();
        let (first11, _) = split_check(&digits);
        first11
            .iter()
            .zip(WEIGHTS_FIRST)
            .map(|(&d, w)| u32::from(d) * w)
            .sum::<u32>()
            % 11
            == 10
    }

    fn with_digit(text: &str, index: usize, digit: u8) -> String {
        let mut bytes = text.as_bytes().to_vec();
        bytes[index] = b'0' + digit;
        String::from_utf8(bytes).unwrap()
    }

    proptest! {
        #[test]
        fn generated_iins_parse_and_round_trip(
            birth in any_birth_date(), sex in any_sex(), serial in 0u32..=9999,
        ) {
            if let Some(iin) = Iin::generate(birth, sex, serial) {
                let parsed = Iin::parse(iin.as_str()).unwrap();
                prop_assert_eq!(&parsed, &iin);
                prop_assert_eq!(parsed.birth_date(), birth);
                prop_assert_eq!(parsed.sex(), sex);
                prop_assert_eq!(&parsed.as_str()[7..11], format!("{serial:04}"));
            } else {
                // The only legitimate reason within the generated ranges: a double-10 checksum.
                let century_sex = (birth.year() / 100 - 18) * 2 + if sex == Sex::Male { 1 } else { 2 };
                let prefix = format!(
                    "{:02}{:02}{:02}{}{:04}",
                    birth.year() % 100, birth.month(), birth.day(), century_sex, serial,
                );
                prop_assert_eq!(checksum_digit(&digits_of(&prefix)), None, "{}", prefix);
            }
        }

        #[test]
        fn changing_the_check_digit_always_invalidates(iin in any_iin(), bump in 1u8..=9) {
            let check = iin.as_str().as_bytes()[11] - b'0';
            let typo = with_digit(iin.as_str(), 11, (check + bump) % 10);
            prop_assert_eq!(Iin::parse(&typo), Err(IinError::Checksum));
        }

        /// Digits 1–10 carry non-zero weights modulo 11 in the first pass, so a single typo
        /// there is always caught unless the second pass is involved on either side.
        #[test]
        fn single_typo_in_digits_1_to_10_is_caught_by_the_first_pass(
            iin in any_iin(), index in 0usize..10, bump in 1u8..=9,
        ) {
            let original = iin.as_str();
            let digit = original.as_bytes()[index] - b'0';
            let typo = with_digit(original, index, (digit + bump) % 10);
            if !first_pass_is_ten(original) && !first_pass_is_ten(&typo) {
                prop_assert!(Iin::parse(&typo).is_err(), "{} -> {}", original, typo);
            }
        }

        /// A typo in digits 1–6 can never produce a valid IIN with the same birth date.
        #[test]
        fn typo_in_date_digits_never_keeps_the_birth_date(
            iin in any_iin(), index in 0usize..6, bump in 1u8..=9,
        ) {
            let original = iin.as_str();
            let digit = original.as_bytes()[index] - b'0';
            let typo = with_digit(original, index, (digit + bump) % 10);
            if let Ok(other) = Iin::parse(&typo) {
                prop_assert_ne!(other.birth_date(), iin.birth_date());
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,16}") {
            let _ = Iin::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_digit_strings(s in "[0-9]{12}") {
            if let Ok(iin) = Iin::parse(&s) {
                // Decoding a parsed IIN must not hit the `expect`.
                let _ = (iin.birth_date(), iin.sex());
            }
        }
    }
}
