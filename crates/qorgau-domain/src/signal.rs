//! A signal (*сигнал*) as submitted to `POST /api/v1/signals` (api.md § Signals), and its
//! parsing into a [`NewSignal`] that is valid by construction.
//!
//! The raw input ([`SignalInput`]) uses plain strings for every code so that an unknown code
//! becomes a 422 naming the exact field rather than an opaque deserialisation error, and
//! [`parse_signal`] reports *every* bad field at once, named by its JSON path in the request
//! body (`concerns[1]`, `child.iin`).
//!
//! Decisions where the brief is silent:
//!
//! - A blank optional field (`""` or only whitespace) counts as absent: web forms send empty
//!   strings for untouched inputs, and rejecting them would only annoy the person reporting.
//! - Codes (`source`, `concerns`, `urgency`, `child.sex`) must match exactly; text fields
//!   and the IIN are trimmed first (IINs are often pasted with a trailing space).
//! - An anonymous reporter's `name` and `phone` are dropped, unvalidated, so an anonymous
//!   reporter is never stored; `relation` is kept because triage needs it ("neighbour",
//!   "teacher") and it does not name anyone.
//! - "Today" is the calendar date in Kazakhstan (UTC+5 across the country since 1 March
//!   2024): a baby born after midnight in Almaty must not have a birth date "in the future"
//!   just because it is still yesterday in UTC.
//! - The age rule uses the best evidence of age: `birth_date`, else the IIN's birth date,
//!   else `approx_age`; the error names the field the age came from. `approx_age` is a guess
//!   and is not checked against a known birth date.
//! - Whether the region and district exist is the database's answer, not checked here.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::geography::{CodeError, DistrictCode, RegionCode};
use crate::iin::{Iin, Sex};
use crate::taxonomy::{Concern, RiskLevel, SignalSource};
use crate::validation::{FieldError, Validation};

/// Longest accepted `description`, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Longest accepted `external_ref` (e.g. a 111 contact-centre ticket number).
pub const EXTERNAL_REF_MAX: usize = 100;
/// Longest accepted personal name part or reporter name.
pub const NAME_MAX: usize = 100;
/// Longest accepted `child.address`.
pub const ADDRESS_MAX: usize = 500;
/// Longest accepted `reporter.relation`.
pub const RELATION_MAX: usize = 100;
/// Longest accepted `reporter.phone`.
pub const PHONE_MAX: usize = 30;
/// Largest accepted `child.approx_age`: the oldest a care leaver can be.
pub const APPROX_AGE_MAX: u8 = 22;
/// A child is someone under this age.
pub const CHILD_AGE_LIMIT: u32 = 18;
/// Care leavers keep their case manager until this age (brief § 2 step 14).
pub const CARE_LEAVER_AGE_LIMIT: u32 = 23;
/// How far `observed_at` may lie ahead of the server's clock: reporters' phones and the
/// contact centre's systems are rarely set to the second.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

crate::code_enum! {
    /// Where a signal stands: received, then triaged once (`crate::triage`).
    pub enum SignalStatus {
        /// Awaiting triage.
        Received = "received",
        /// Triage opened a case for it.
        CaseOpened = "case_opened",
        /// Triage linked it to the child's open case.
        Linked = "linked",
        /// Triage screened it out, with a reason.
        ScreenedOut = "screened_out",
    }
}

/// The request body of `POST /api/v1/signals`, as received. Missing required fields
/// deserialise to empty values so that they, too, are reported by field name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SignalInput {
    /// One of the signal source codes, e.g. `mobile_group`, `contact_centre_111`.
    #[cfg_attr(feature = "openapi", schema(value_type = SignalSource))]
    pub source: String,
    /// The source's own reference; the same `source` + `external_ref` updates that signal.
    pub external_ref: Option<String>,
    /// At least one concern code from the taxonomy.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Concern>))]
    pub concerns: Vec<String>,
    /// `critical`, `high`, `medium` or `low`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RiskLevel>))]
    pub urgency: Option<String>,
    pub description: String,
    /// When the situation was observed, RFC 3339.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::DateTime<chrono::Utc>>))]
    pub observed_at: Option<String>,
    /// ISO 3166-2:KZ code, e.g. `KZ-71`.
    #[cfg_attr(feature = "openapi", schema(value_type = RegionCode))]
    pub region_code: String,
    /// A district of that region, e.g. `KZ-71-01`.
    #[cfg_attr(feature = "openapi", schema(value_type = DistrictCode))]
    pub district_code: String,
    pub child: Option<ChildInput>,
    pub reporter: Option<ReporterInput>,
}

/// What is known of the child; everything is optional (a migrant child may have no IIN).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChildInput {
    /// 12-digit IIN.
    pub iin: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<chrono::NaiveDate>))]
    pub birth_date: Option<String>,
    /// Estimated age in years when the birth date is unknown.
    pub approx_age: Option<i64>,
    /// `male` or `female`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Sex>))]
    pub sex: Option<String>,
    pub address: Option<String>,
}

/// Who reported the signal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReporterInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Relation to the child, free text (e.g. `neighbour`).
    pub relation: Option<String>,
    /// When true, name and phone are discarded and never stored.
    pub anonymous: Option<bool>,
}

/// A valid signal, ready to be stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewSignal {
    pub source: SignalSource,
    pub external_ref: Option<String>,
    /// At least one, without duplicates, in the order given.
    pub concerns: Vec<Concern>,
    pub urgency: Option<RiskLevel>,
    pub description: String,
    pub observed_at: Option<DateTime<Utc>>,
    pub region: RegionCode,
    /// Belongs to `region`.
    pub district: DistrictCode,
    pub child: ChildFacts,
    pub reporter: Reporter,
}

impl NewSignal {
    /// Whether any concern is sensitive, restricting who may see the signal.
    pub fn is_sensitive(&self) -> bool {
        self.concerns.iter().any(|c| c.is_sensitive())
    }
}

/// The child as far as the signal identifies them; every part may be unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildFacts {
    pub iin: Option<Iin>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    /// As given, or else decoded from the IIN (they agree when both are known).
    pub birth_date: Option<NaiveDate>,
    /// As given, or else decoded from the IIN (they agree when both are known).
    pub sex: Option<Sex>,
    pub approx_age: Option<u8>,
    pub address: Option<String>,
}

/// The reporter. When `anonymous`, `name` and `phone` are always `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub relation: Option<String>,
    pub anonymous: bool,
}

/// Parses a submission, reporting every invalid field. `now` is injected so that the
/// "not in the future" and age rules are deterministic and testable.
pub fn parse_signal(input: SignalInput, now: DateTime<Utc>) -> Result<NewSignal, Vec<FieldError>> {
    let mut v = Validation::new();
    let today = kazakhstan_date(now);

    let source = code(
        &mut v,
        "source",
        &input.source,
        &SignalSource::ALL,
        SignalSource::as_str,
    );
    let concerns = parse_concerns(&mut v, &input.concerns);
    let urgency = present(input.urgency.as_deref())
        .and_then(|u| code(&mut v, "urgency", u, &RiskLevel::ALL, RiskLevel::as_str));
    let description = v.text("description", &input.description, DESCRIPTION_MAX);
    let observed_at = parse_observed_at(&mut v, input.observed_at.as_deref(), now);
    let (region, district) = parse_place(&mut v, &input.region_code, &input.district_code);
    let external_ref = optional_text(
        &mut v,
        "external_ref",
        input.external_ref.as_deref(),
        EXTERNAL_REF_MAX,
    );
    let age_limit = if concerns.contains(&Concern::CareLeaver) {
        CARE_LEAVER_AGE_LIMIT
    } else {
        CHILD_AGE_LIMIT
    };
    let child = parse_child(&mut v, input.child.unwrap_or_default(), today, age_limit);
    let reporter = parse_reporter(&mut v, input.reporter.unwrap_or_default());

    // Every `None` below has recorded an error, so `Some` with no errors means valid.
    let signal = (|| {
        Some(NewSignal {
            source: source?,
            external_ref,
            concerns,
            urgency,
            description: description?,
            observed_at,
            region: region?,
            district: district?,
            child,
            reporter,
        })
    })();
    match signal {
        Some(signal) if v.is_empty() => Ok(signal),
        _ => Err(v.into_errors()),
    }
}

/// Full years between `birth` and `on`: one less while this year's birthday has not been
/// reached. Someone born on 29 February becomes a year older on 1 March in common years
/// (their birthday is not reached on 28 February). Zero when `on` is before `birth`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The calendar date in Kazakhstan at `now`.
fn kazakhstan_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&crate::deadline::kazakhstan())
        .date_naive()
}

/// `Some` trimmed value unless absent or blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

/// An optional human-entered text: absent or blank is `None`, otherwise bounded.
fn optional_text(
    v: &mut Validation,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    present(value).and_then(|s| v.text(field, s, max))
}

/// One of the codes in `all`; an unknown one is reported under `field` with the list of
/// accepted codes, so the client can correct it without looking anything up.
fn code<T: Copy>(
    v: &mut Validation,
    field: &str,
    value: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Option<T> {
    let found = all.iter().copied().find(|&c| as_str(c) == value);
    if found.is_none() {
        let accepted: Vec<_> = all.iter().map(|&c| as_str(c)).collect();
        v.add(
            field,
            format!(
                "unknown code {value:?}; expected one of {}",
                accepted.join(", ")
            ),
        );
    }
    found
}

/// The known concerns, deduplicated in order; each unknown one reported as `concerns[i]`.
fn parse_concerns(v: &mut Validation, codes: &[String]) -> Vec<Concern> {
    if codes.is_empty() {
        v.add("concerns", "at least one concern is required");
        return Vec::new();
    }
    let mut concerns = Vec::with_capacity(codes.len());
    for (i, c) in codes.iter().enumerate() {
        if let Some(concern) = code(
            v,
            &format!("concerns[{i}]"),
            c,
            &Concern::ALL,
            Concern::as_str,
        ) && !concerns.contains(&concern)
        {
            concerns.push(concern);
        }
    }
    concerns
}

fn parse_observed_at(
    v: &mut Validation,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let value = present(value)?;
    let Ok(at) = DateTime::parse_from_rfc3339(value) else {
        v.add(
            "observed_at",
            "must be an RFC 3339 date-time such as 2026-11-24T18:30:00+05:00",
        );
        return None;
    };
    let at = at.with_timezone(&Utc);
    if at > now + TimeDelta::minutes(CLOCK_SKEW_MINUTES) {
        v.add("observed_at", "must not be in the future");
        return None;
    }
    if at.year() < 1900 {
        v.add("observed_at", "must not be before 1900");
        return None;
    }
    Some(at)
}

fn parse_place(
    v: &mut Validation,
    region_code: &str,
    district_code: &str,
) -> (Option<RegionCode>, Option<DistrictCode>) {
    let region = v.check("region_code", RegionCode::parse(region_code));
    let district = match &region {
        Some(region) => v.check("district_code", DistrictCode::parse(region, district_code)),
        None => {
            // The region is already reported; still report a district code that is
            // malformed on its own (judged against its own region prefix), so the client
            // learns about both at once.
            let own_region = district_code
                .get(..5)
                .and_then(|prefix| RegionCode::parse(prefix).ok());
            let shape_ok =
                own_region.is_some_and(|r| DistrictCode::parse(&r, district_code).is_ok());
            if !shape_ok {
                v.add("district_code", CodeError::District.to_string());
            }
            None
        }
    };
    (region, district)
}

fn parse_child(
    v: &mut Validation,
    input: ChildInput,
    today: NaiveDate,
    age_limit: u32,
) -> ChildFacts {
    let iin = present(input.iin.as_deref()).and_then(|s| v.check("child.iin", Iin::parse(s)));
    // The IIN module cannot check this: it has no clock.
    let iin_birth = iin.as_ref().map(Iin::birth_date);
    if iin_birth.is_some_and(|b| b > today) {
        v.add("child.iin", "encodes a birth date in the future");
    }

    let given_birth = present(input.birth_date.as_deref())
        .and_then(|s| v.check("child.birth_date", parse_date(s)))
        .filter(|&b| {
            let future = b > today;
            if future {
                v.add("child.birth_date", "must not be in the future");
            }
            !future
        });
    if let (Some(given), Some(encoded)) = (given_birth, iin_birth)
        && given != encoded
    {
        v.add(
            "child.birth_date",
            format!("disagrees with the IIN, which encodes the birth date {encoded}"),
        );
    }

    let given_sex = present(input.sex.as_deref()).and_then(|s| match s {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => {
            v.add("child.sex", "must be male or female");
            None
        }
    });
    if let (Some(given), Some(iin)) = (given_sex, &iin)
        && given != iin.sex()
    {
        v.add(
            "child.sex",
            format!(
                "disagrees with the IIN, which encodes the sex {}",
                iin.sex()
            ),
        );
    }

    let approx_age = input.approx_age.and_then(|a| {
        let age = u8::try_from(a).ok().filter(|&a| a <= APPROX_AGE_MAX);
        if age.is_none() {
            v.add(
                "child.approx_age",
                format!("must be between 0 and {APPROX_AGE_MAX}"),
            );
        }
        age
    });

    // The best evidence of age first; an IIN birth in the future was reported above.
    let age = match (given_birth, iin_birth.filter(|&b| b <= today), approx_age) {
        (Some(birth), _, _) => Some(("child.birth_date", age_on(birth, today))),
        (None, Some(birth), _) => Some(("child.iin", age_on(birth, today))),
        (None, None, Some(age)) => Some(("child.approx_age", u32::from(age))),
        (None, None, None) => None,
    };
    if let Some((field, age)) = age
        && age >= age_limit
    {
        let message = if age_limit == CARE_LEAVER_AGE_LIMIT {
            format!("a care leaver must be under {age_limit}, but is {age}")
        } else {
            format!(
                "the child must be under {age_limit} (under {CARE_LEAVER_AGE_LIMIT} with the concern care_leaver), but is {age}"
            )
        };
        v.add(field, message);
    }

    ChildFacts {
        birth_date: given_birth.or(iin_birth),
        sex: given_sex.or(iin.as_ref().map(Iin::sex)),
        iin,
        last_name: optional_text(v, "child.last_name", input.last_name.as_deref(), NAME_MAX),
        first_name: optional_text(v, "child.first_name", input.first_name.as_deref(), NAME_MAX),
        middle_name: optional_text(
            v,
            "child.middle_name",
            input.middle_name.as_deref(),
            NAME_MAX,
        ),
        approx_age,
        address: optional_text(v, "child.address", input.address.as_deref(), ADDRESS_MAX),
    }
}

/// A strict `YYYY-MM-DD` date: chrono alone would also take `2015-4-1`.
fn parse_date(s: &str) -> Result<NaiveDate, &'static str> {
    const MESSAGE: &str = "must be a real date in the form YYYY-MM-DD";
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(MESSAGE);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| MESSAGE)
}

fn parse_reporter(v: &mut Validation, input: ReporterInput) -> Reporter {
    let anonymous = input.anonymous.unwrap_or(false);
    let relation = optional_text(
        v,
        "reporter.relation",
        input.relation.as_deref(),
        RELATION_MAX,
    );
    if anonymous {
        // Dropped, not rejected: whatever a client sent alongside `anonymous`, the promise of
        // anonymity wins and nothing identifying is stored.
        return Reporter {
            name: None,
            phone: None,
            relation,
            anonymous,
        };
    }
    Reporter {
        name: optional_text(v, "reporter.name", input.name.as_deref(), NAME_MAX),
        phone: present(input.phone.as_deref())
            .and_then(|p| v.check("reporter.phone", parse_phone(p))),
        relation,
        anonymous,
    }
}

/// A phone number as people write it: digits with spaces, `+`, `-` and parentheses.
fn parse_phone(s: &str) -> Result<String, String> {
    let plausible = s.chars().count() <= PHONE_MAX
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if plausible {
        Ok(s.to_string())
    } else {
        Err(format!(
            "must be at most {PHONE_MAX} characters of digits, spaces, +, -, ( and )"
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 25 November 2026, 15:00 in Kazakhstan.
    fn now() -> DateTime<Utc> {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    /// A valid IIN for this birth date and sex (the first serial with a check digit).
    fn iin_for(birth: NaiveDate, sex: Sex) -> String {
        (0..=9999)
            .find_map(|serial| Iin::generate(birth, sex, serial))
            .unwrap()
            .to_string()
    }

    fn valid_input() -> SignalInput {
        SignalInput {
            source: "mobile_group".into(),
            external_ref: Some("111-2026-0001234".into()),
            concerns: vec!["violence_physical".into(), "neglect".into()],
            urgency: Some("high".into()),
            description: "  Neighbours report shouting and a crying child.  ".into(),
            observed_at: Some("2026-11-24T18:30:00Z".into()),
            region_code: "KZ-71".into(),
            district_code: "KZ-71-01".into(),
            child: Some(ChildInput {
                iin: Some(iin_for(date(2015, 4, 12), Sex::Female)),
                last_name: Some("Сейтқали".into()),
                first_name: Some("Әлия".into()),
                middle_name: Some("Нұрланқызы".into()),
                birth_date: Some("2015-04-12".into()),
                approx_age: Some(11),
                sex: Some("female".into()),
                address: Some("Астана, ул. Кенесары 1, кв. 2".into()),
            }),
            reporter: Some(ReporterInput {
                name: Some("Айгерим".into()),
                phone: Some("+7 (701) 123-45-67".into()),
                relation: Some("neighbour".into()),
                anonymous: Some(false),
            }),
        }
    }

    /// Only what is required, and a child known by birth date alone.
    fn minimal_input(birth_date: &str, concerns: &[&str]) -> SignalInput {
        SignalInput {
            source: "school".into(),
            concerns: concerns.iter().map(|c| c.to_string()).collect(),
            description: "Absent for a month.".into(),
            region_code: "KZ-71".into(),
            district_code: "KZ-71-01".into(),
            child: Some(ChildInput {
                birth_date: Some(birth_date.into()),
                ..ChildInput::default()
            }),
            ..SignalInput::default()
        }
    }

    fn child(input: &mut SignalInput) -> &mut ChildInput {
        input.child.get_or_insert_with(ChildInput::default)
    }

    fn fields(errors: &[FieldError]) -> BTreeSet<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_full_valid_signal_parses() {
        let input = valid_input();
        let iin = input.child.as_ref().unwrap().iin.clone().unwrap();
        let s = parse_signal(input, now()).unwrap();
        assert_eq!(s.source, SignalSource::MobileGroup);
        assert_eq!(s.external_ref.as_deref(), Some("111-2026-0001234"));
        assert_eq!(s.concerns, [Concern::ViolencePhysical, Concern::Neglect]);
        assert_eq!(s.urgency, Some(RiskLevel::High));
        assert_eq!(
            s.description,
            "Neighbours report shouting and a crying child."
        );
        assert_eq!(s.observed_at, Some("2026-11-24T18:30:00Z".parse().unwrap()));
        assert_eq!(s.region.as_str(), "KZ-71");
        assert_eq!(s.district.as_str(), "KZ-71-01");
        assert_eq!(s.child.iin.as_ref().map(Iin::as_str), Some(iin.as_str()));
        assert_eq!(s.child.birth_date, Some(date(2015, 4, 12)));
        assert_eq!(s.child.sex, Some(Sex::Female));
        assert_eq!(s.child.first_name.as_deref(), Some("Әлия"));
        assert_eq!(s.child.approx_age, Some(11));
        assert_eq!(s.reporter.name.as_deref(), Some("Айгерим"));
        assert_eq!(s.reporter.phone.as_deref(), Some("+7 (701) 123-45-67"));
        assert_eq!(s.reporter.relation.as_deref(), Some("neighbour"));
        assert!(!s.reporter.anonymous);
        assert!(!s.is_sensitive());
    }

    #[test]
    fn deserialises_the_api_example_and_reports_missing_fields_by_name() {
        let input: SignalInput = serde_json::from_value(serde_json::json!({
            "source": "contact_centre_111",
            "concerns": ["suicide_risk"],
            "description": "Text message to 111.",
            "region_code": "KZ-75",
            "district_code": "KZ-75-03",
            "child": {"approx_age": 15},
            "reporter": {"anonymous": true}
        }))
        .unwrap();
        let s = parse_signal(input, now()).unwrap();
        assert!(s.is_sensitive());
        assert!(s.reporter.anonymous);

        let empty: SignalInput = serde_json::from_value(serde_json::json!({})).unwrap();
        let errors = parse_signal(empty, now()).unwrap_err();
        assert_eq!(
            fields(&errors),
            BTreeSet::from([
                "source",
                "concerns",
                "description",
                "region_code",
                "district_code"
            ])
        );
    }

    #[test]
    fn birth_date_and_sex_come_from_the_iin_when_not_given() {
        let mut input = valid_input();
        let c = child(&mut input);
        c.birth_date = None;
        c.sex = None;
        let s = parse_signal(input, now()).unwrap();
        assert_eq!(s.child.birth_date, Some(date(2015, 4, 12)));
        assert_eq!(s.child.sex, Some(Sex::Female));
    }

    #[test]
    fn duplicate_concerns_are_removed_keeping_order() {
        let mut input = valid_input();
        input.concerns = [
            "neglect",
            "bullying",
            "neglect",
            "violence_sexual",
            "bullying",
        ]
        .map(String::from)
        .to_vec();
        let s = parse_signal(input, now()).unwrap();
        assert_eq!(
            s.concerns,
            [Concern::Neglect, Concern::Bullying, Concern::ViolenceSexual]
        );
        assert!(s.is_sensitive());
    }

    #[test]
    fn an_anonymous_reporter_is_never_stored() {
        let mut input = valid_input();
        input.reporter = Some(ReporterInput {
            name: Some("Someone".into()),
            // Invalid, but dropped rather than reported: it will not be stored anyway.
            phone: Some("call me maybe".into()),
            relation: Some("neighbour".into()),
            anonymous: Some(true),
        });
        let s = parse_signal(input, now()).unwrap();
        assert_eq!(
            s.reporter,
            Reporter {
                name: None,
                phone: None,
                relation: Some("neighbour".into()),
                anonymous: true,
            }
        );
    }

    #[test]
    fn blank_optional_fields_count_as_absent_and_child_may_be_unknown() {
        let mut input = valid_input();
        input.external_ref = Some("  ".into());
        input.urgency = Some(String::new());
        input.observed_at = Some(String::new());
        input.child = Some(ChildInput {
            iin: Some(" ".into()),
            last_name: Some(String::new()),
            ..ChildInput::default()
        });
        input.reporter = None;
        let s = parse_signal(input, now()).unwrap();
        assert_eq!(s.external_ref, None);
        assert_eq!(s.urgency, None);
        assert_eq!(s.observed_at, None);
        assert_eq!(s.child, ChildFacts::default());
        assert_eq!(s.reporter, Reporter::default());

        let mut input = valid_input();
        input.child = None;
        assert_eq!(
            parse_signal(input, now()).unwrap().child,
            ChildFacts::default()
        );
    }

    #[test]
    fn surrounding_spaces_around_an_iin_are_tolerated() {
        let mut input = valid_input();
        let c = child(&mut input);
        c.iin = c.iin.as_ref().map(|i| format!(" {i} "));
        assert!(parse_signal(input, now()).is_ok());
    }

    #[test]
    fn today_is_the_date_in_kazakhstan() {
        // 20:00 UTC on the 25th is 01:00 on the 26th in Almaty: a baby born that night is
        // not "born in the future".
        let late = "2026-11-25T20:00:00Z".parse().unwrap();
        assert!(parse_signal(minimal_input("2026-11-26", &["neglect"]), late).is_ok());
        assert!(parse_signal(minimal_input("2026-11-26", &["neglect"]), now()).is_err());
    }

    type Corruption = fn(&mut SignalInput);

    /// Each case: a description, how to spoil (or adjust) the valid input, and the exact set
    /// of fields that must be reported (empty: it must parse).
    fn corpus() -> Vec<(&'static str, Corruption, &'static [&'static str])> {
        vec![
            (
                "bad IIN checksum",
                |i| {
                    let c = child(i);
                    let iin = c.iin.take().unwrap();
                    let last = iin.as_bytes()[11] - b'0';
                    c.iin = Some(format!("{}{}", &iin[..11], (last + 1) % 10));
                },
                &["child.iin"],
            ),
            (
                "IIN of 11 digits",
                |i| child(i).iin = Some("15041260032".into()),
                &["child.iin"],
            ),
            (
                "birth date disagrees with IIN",
                |i| {
                    child(i).birth_date = Some("2015-04-13".into());
                },
                &["child.birth_date"],
            ),
            (
                "sex disagrees with IIN",
                |i| child(i).sex = Some("male".into()),
                &["child.sex"],
            ),
            (
                "unknown sex",
                |i| child(i).sex = Some("f".into()),
                &["child.sex"],
            ),
            (
                "IIN birth date in the future",
                |i| {
                    child(i).iin = Some(iin_for(date(2027, 1, 1), Sex::Female));
                    child(i).birth_date = None;
                },
                &["child.iin"],
            ),
            (
                "future birth date",
                |i| {
                    *i = minimal_input("2026-11-26", &["neglect"]);
                },
                &["child.birth_date"],
            ),
            (
                "not a real date",
                |i| {
                    *i = minimal_input("2015-02-30", &["neglect"]);
                },
                &["child.birth_date"],
            ),
            (
                "unpadded date",
                |i| {
                    *i = minimal_input("2015-4-12", &["neglect"]);
                },
                &["child.birth_date"],
            ),
            (
                "17, birthday tomorrow",
                |i| {
                    *i = minimal_input("2008-11-26", &["neglect"]);
                },
                &[],
            ),
            (
                "18 today without care_leaver",
                |i| {
                    *i = minimal_input("2008-11-25", &["neglect"]);
                },
                &["child.birth_date"],
            ),
            (
                "18 with care_leaver",
                |i| {
                    *i = minimal_input("2008-11-25", &["neglect", "care_leaver"]);
                },
                &[],
            ),
            (
                "22 care leaver",
                |i| {
                    *i = minimal_input("2003-11-26", &["care_leaver"]);
                },
                &[],
            ),
            (
                "23 care leaver",
                |i| {
                    *i = minimal_input("2003-11-25", &["care_leaver"]);
                },
                &["child.birth_date"],
            ),
            (
                "18 by IIN only",
                |i| {
                    child(i).iin = Some(iin_for(date(2008, 1, 1), Sex::Male));
                    child(i).birth_date = None;
                    child(i).sex = None;
                },
                &["child.iin"],
            ),
            (
                "18 by approx_age only",
                |i| {
                    *i = minimal_input("", &["neglect"]);
                    child(i).approx_age = Some(18);
                },
                &["child.approx_age"],
            ),
            (
                "approx_age 20 care leaver",
                |i| {
                    *i = minimal_input("", &["care_leaver"]);
                    child(i).approx_age = Some(20);
                },
                &[],
            ),
            (
                "approx_age out of range",
                |i| {
                    *i = minimal_input("", &["care_leaver"]);
                    child(i).approx_age = Some(-1);
                },
                &["child.approx_age"],
            ),
            (
                "unknown concern at index 1",
                |i| {
                    i.concerns = vec!["neglect".into(), "sadness".into(), "bullying".into()];
                },
                &["concerns[1]"],
            ),
            ("empty concerns", |i| i.concerns.clear(), &["concerns"]),
            (
                "unknown source",
                |i| i.source = "newspaper".into(),
                &["source"],
            ),
            (
                "unknown urgency",
                |i| i.urgency = Some("urgent".into()),
                &["urgency"],
            ),
            (
                "description of 10,000 characters",
                |i| i.description = "ә".repeat(10_000),
                &[],
            ),
            (
                "description of 10,001 characters",
                |i| i.description = "ә".repeat(10_001),
                &["description"],
            ),
            (
                "blank description",
                |i| i.description = " \n ".into(),
                &["description"],
            ),
            (
                "observed 4 minutes ahead (clock skew)",
                |i| {
                    i.observed_at = Some("2026-11-25T10:04:00Z".into());
                },
                &[],
            ),
            (
                "observed 10 minutes in the future",
                |i| {
                    i.observed_at = Some("2026-11-25T10:10:00Z".into());
                },
                &["observed_at"],
            ),
            (
                "observed before 1900",
                |i| {
                    i.observed_at = Some("1899-12-31T23:59:59Z".into());
                },
                &["observed_at"],
            ),
            (
                "observed_at not RFC 3339",
                |i| i.observed_at = Some("24.11.2026".into()),
                &["observed_at"],
            ),
            (
                "district of another region",
                |i| i.district_code = "KZ-75-01".into(),
                &["district_code"],
            ),
            (
                "bad region, well-formed district",
                |i| i.region_code = "KZ-7".into(),
                &["region_code"],
            ),
            (
                "bad region and bad district",
                |i| {
                    i.region_code = "Astana".into();
                    i.district_code = "01".into();
                },
                &["region_code", "district_code"],
            ),
            (
                "external_ref of 101 characters",
                |i| i.external_ref = Some("x".repeat(101)),
                &["external_ref"],
            ),
            (
                "long names and address",
                |i| {
                    let c = child(i);
                    c.last_name = Some("a".repeat(101));
                    c.first_name = Some("a".repeat(101));
                    c.middle_name = Some("a".repeat(101));
                    c.address = Some("a".repeat(501));
                },
                &[
                    "child.last_name",
                    "child.first_name",
                    "child.middle_name",
                    "child.address",
                ],
            ),
            (
                "phone with letters",
                |i| {
                    i.reporter.as_mut().unwrap().phone = Some("+7 701 CALL-ME".into());
                },
                &["reporter.phone"],
            ),
            (
                "phone too long",
                |i| {
                    i.reporter.as_mut().unwrap().phone = Some("1".repeat(31));
                },
                &["reporter.phone"],
            ),
            (
                "reporter name and relation too long",
                |i| {
                    let r = i.reporter.as_mut().unwrap();
                    r.name = Some("a".repeat(101));
                    r.relation = Some("a".repeat(101));
                },
                &["reporter.name", "reporter.relation"],
            ),
            (
                "many errors at once",
                |i| {
                    i.source = "rumour".into();
                    i.concerns = vec!["neglect".into(), "x".into(), "y".into()];
                    i.urgency = Some("asap".into());
                    i.description = String::new();
                    i.observed_at = Some("yesterday".into());
                    i.district_code = "KZ-75-01".into();
                    i.external_ref = Some("x".repeat(101));
                    let c = child(i);
                    c.iin = Some("123456789012".into());
                    c.sex = Some("unknown".into());
                    c.approx_age = Some(99);
                    i.reporter.as_mut().unwrap().phone = Some("n/a".into());
                },
                &[
                    "source",
                    "concerns[1]",
                    "concerns[2]",
                    "urgency",
                    "description",
                    "observed_at",
                    "district_code",
                    "external_ref",
                    "child.iin",
                    "child.sex",
                    "child.approx_age",
                    "reporter.phone",
                ],
            ),
        ]
    }

    #[test]
    fn every_bad_field_is_reported_by_name() {
        for (case, corrupt, expected) in corpus() {
            let mut input = valid_input();
            corrupt(&mut input);
            let expected: BTreeSet<&str> = expected.iter().copied().collect();
            match parse_signal(input, now()) {
                Ok(_) => assert!(expected.is_empty(), "{case}: parsed, expected {expected:?}"),
                Err(errors) => {
                    assert_eq!(fields(&errors), expected, "{case}: {errors:?}");
                    assert!(errors.iter().all(|e| !e.message.is_empty()), "{case}");
                }
            }
        }
    }

    #[test]
    fn iin_errors_use_the_iin_message() {
        let mut input = valid_input();
        child(&mut input).iin = Some("abc".into());
        let errors = parse_signal(input, now()).unwrap_err();
        assert_eq!(errors[0].message, crate::iin::IinError::Format.message());
    }

    #[test]
    fn age_in_full_years() {
        let birth = date(2010, 6, 15);
        assert_eq!(age_on(birth, date(2010, 6, 15)), 0);
        assert_eq!(age_on(birth, date(2011, 6, 14)), 0);
        assert_eq!(age_on(birth, date(2011, 6, 15)), 1);
        assert_eq!(age_on(birth, date(2028, 6, 14)), 17);
        assert_eq!(age_on(birth, date(2028, 6, 15)), 18);
        assert_eq!(age_on(birth, date(2028, 12, 31)), 18);
        assert_eq!(age_on(birth, date(2009, 1, 1)), 0, "before birth");
    }

    #[test]
    fn leap_day_birthdays() {
        let birth = date(2008, 2, 29);
        // Common years: the birthday is reached on 1 March.
        assert_eq!(age_on(birth, date(2026, 2, 28)), 17);
        assert_eq!(age_on(birth, date(2026, 3, 1)), 18);
        // Leap years: on the day itself.
        assert_eq!(age_on(birth, date(2012, 2, 28)), 3);
        assert_eq!(age_on(birth, date(2012, 2, 29)), 4);
    }

    fn any_sex() -> impl Strategy<Value = Sex> {
        prop_oneof![Just(Sex::Male), Just(Sex::Female)]
    }

    /// Birth dates of everyone under 18 on `now()` (Kazakhstan date 2026-11-25).
    fn any_child_birth_date() -> impl Strategy<Value = NaiveDate> {
        let first = date(2008, 11, 26).num_days_from_ce();
        let last = date(2026, 11, 25).num_days_from_ce();
        (first..=last).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
    }

    proptest! {
        #[test]
        fn any_valid_iin_of_a_child_parses(
            birth in any_child_birth_date(), sex in any_sex(), serial in 0u32..=9999,
        ) {
            if let Some(iin) = Iin::generate(birth, sex, serial) {
                let mut input = minimal_input("", &["neglect"]);
                child(&mut input).iin = Some(iin.to_string());
                let s = parse_signal(input, now()).unwrap();
                prop_assert_eq!(s.child.iin, Some(iin));
                prop_assert_eq!(s.child.birth_date, Some(birth));
                prop_assert_eq!(s.child.sex, Some(sex));
            }
        }

        #[test]
        fn any_valid_iin_of_an_adult_is_refused_on_child_iin(
            days_before in 1i64..=30_000, sex in any_sex(), serial in 0u32..=9999,
        ) {
            let birth = date(2008, 11, 25) - TimeDelta::days(days_before - 1);
            if let Some(iin) = Iin::generate(birth, sex, serial) {
                let mut input = minimal_input("", &["neglect"]);
                child(&mut input).iin = Some(iin.to_string());
                let errors = parse_signal(input, now()).unwrap_err();
                prop_assert_eq!(fields(&errors), BTreeSet::from(["child.iin"]));
            }
        }
    }
}
