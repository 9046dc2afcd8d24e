//! The interagency protocol as data (brief § 4): deadlines per step and risk level, and the
//! routing of concerns to mandatory notifications and referrals. Versions are loaded from TOML
//! files (`config/protocols/*.toml`) with [`parse_protocol`]; a [`ProtocolSet`] holds them and
//! picks the one in force on a date.
//!
//! ## File format
//!
//! ```toml
//! version = "2026.1"                 # unique among the loaded versions
//! effective_from = 2026-01-29        # TOML local date (or "2026-01-29"), unique too
//! legal_reference = "Government decree No. 56 of 29 January 2026"
//! auto_assign = true                 # assign new cases automatically
//!
//! # One table per step; every step (DeadlineKind code) exactly once.
//! [[deadline]]
//! kind = "triage"                    # DeadlineKind code
//! starts = "signal_received"         # ClockStart code: the event that starts the clock
//! critical = "1h"                    # one duration per risk level
//! high = "1wd"
//! medium = "1wd"
//! low = "1wd"
//!
//! # Routing rules, in order; a rule applies to a case with any of its concerns whose risk is
//! # at least `min_risk` (optional: any risk).
//! [[route]]
//! concerns = ["violence_physical", "violence_sexual"]   # Concern codes, at least one
//! action = "notify"                  # "notify" or "refer"
//! to = "police"                      # OrganisationKind code
//! min_risk = "critical"              # optional RiskLevel code
//! note = "police juvenile unit"      # optional
//! ```
//!
//! Durations are a whole number from 1 to [`MAX_DURATION`] followed by a unit: `h` (hours,
//! `"24h"`), `d` (calendar days, `"30d"`) or `wd` (working days on the Kazakhstan calendar,
//! `"2wd"`); see [`crate::calendar::due_at`] for how each is counted.
//!
//! Unknown keys and codes are errors; every error names the line of the file
//! ([`ConfigError`]), except a missing step, which has no line.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{ConfigError, Duration, TomlDate};
use crate::deadline::kazakhstan;
use crate::organisation::OrganisationKind;
use crate::taxonomy::{Concern, RiskLevel};

/// The shipped default protocol, `config/protocols/default.toml`.
pub const DEFAULT_PROTOCOL_TOML: &str = include_str!("../../../config/protocols/default.toml");

/// The largest number a duration may carry, in any unit (keeps counting cheap and sane).
pub const MAX_DURATION: u32 = 10_000;

crate::code_enum! {
    /// A step of a case that has a deadline (the rows of brief § 4's deadline table).
    pub enum DeadlineKind {
        /// Triage decision on a signal.
        Triage = "triage",
        /// Case assigned to a case manager.
        Assignment = "assignment",
        /// First contact: the child seen.
        FirstContact = "first_contact",
        InitialAssessment = "initial_assessment",
        ComprehensiveAssessment = "comprehensive_assessment",
        /// Support plan approved.
        PlanApproval = "plan_approval",
        /// Support plan reviewed; the clock restarts at each approval or review.
        PlanReview = "plan_review",
        /// A referral answered by the receiving organisation.
        ReferralResponse = "referral_response",
        /// Post-closure follow-up.
        FollowUp = "follow_up",
    }
}

crate::code_enum! {
    /// The event that starts a deadline's clock.
    pub enum ClockStart {
        SignalReceived = "signal_received",
        CaseOpened = "case_opened",
        /// The comprehensive assessment completed.
        ComprehensiveAssessment = "comprehensive_assessment",
        /// The plan approved, or last reviewed.
        PlanApproved = "plan_approved",
        ReferralSent = "referral_sent",
        CaseClosed = "case_closed",
    }
}

/// One duration per risk level: total by construction, so [`DeadlineRule::duration`] needs
/// no fallback. Serialises as `{"critical": …, "high": …, "medium": …, "low": …}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskDurations {
    #[cfg_attr(feature = "openapi", schema(schema_with = duration_schema))]
    pub critical: Duration,
    #[cfg_attr(feature = "openapi", schema(schema_with = duration_schema))]
    pub high: Duration,
    #[cfg_attr(feature = "openapi", schema(schema_with = duration_schema))]
    pub medium: Duration,
    #[cfg_attr(feature = "openapi", schema(schema_with = duration_schema))]
    pub low: Duration,
}

/// The schema of [`Duration`] itself (`{"hours": 4}`, `{"working_days": 2}` …): utoipa takes
/// any type named `Duration` for a time span written as a string.
#[cfg(feature = "openapi")]
fn duration_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    <Duration as utoipa::PartialSchema>::schema()
}

impl RiskDurations {
    pub fn get(&self, risk: RiskLevel) -> Duration {
        match risk {
            RiskLevel::Critical => self.critical,
            RiskLevel::High => self.high,
            RiskLevel::Medium => self.medium,
            RiskLevel::Low => self.low,
        }
    }
}

/// How long a step may take, by risk level, and which event starts the clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineRule {
    pub kind: DeadlineKind,
    pub starts: ClockStart,
    pub by_risk: RiskDurations,
}

impl DeadlineRule {
    pub fn duration(&self, risk: RiskLevel) -> Duration {
        self.by_risk.get(risk)
    }
}

crate::code_enum! {
    /// What a routing rule makes mandatory.
    pub enum RouteAction {
        /// Inform the organisation (e.g. the police of suspected violence).
        Notify = "notify",
        /// Refer the child to the organisation for a service.
        Refer = "refer",
    }
}

/// A mandatory notification or referral: for a case with any of `concerns` and a risk of at
/// least `min_risk` (any risk when `None`), `action` goes to the organisation of kind `to`.
///
/// The supervisor (the child-rights department that oversees case management) is modelled as
/// `to = child_rights_department`, e.g. `suicide_risk` with `min_risk = critical`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RouteRule {
    pub concerns: Vec<Concern>,
    pub action: RouteAction,
    pub to: OrganisationKind,
    pub min_risk: Option<RiskLevel>,
    pub note: Option<String>,
}

impl RouteRule {
    /// Whether the rule applies to a case with `concerns` at `risk`.
    pub fn applies(&self, concerns: &[Concern], risk: RiskLevel) -> bool {
        self.min_risk.is_none_or(|min| risk >= min)
            && self.concerns.iter().any(|c| concerns.contains(c))
    }
}

/// One version of the interagency protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Protocol {
    pub version: String,
    pub effective_from: NaiveDate,
    pub legal_reference: String,
    /// One rule per [`DeadlineKind`], in the order of [`DeadlineKind::ALL`].
    pub deadlines: Vec<DeadlineRule>,
    /// In the order of the file.
    pub routing: Vec<RouteRule>,
    pub auto_assign: bool,
}

impl Protocol {
    pub fn deadline(&self, kind: DeadlineKind) -> Option<&DeadlineRule> {
        self.deadlines.iter().find(|d| d.kind == kind)
    }

    /// The routing rules that apply to a case with `concerns` at `risk`, in file order, without
    /// repeating an (action, organisation kind) pair: the first rule for a pair is kept.
    pub fn routes_for(&self, concerns: &[Concern], risk: RiskLevel) -> Vec<&RouteRule> {
        let mut routes: Vec<&RouteRule> = Vec::new();
        for rule in self.routing.iter().filter(|r| r.applies(concerns, risk)) {
            if !routes
                .iter()
                .any(|r| r.action == rule.action && r.to == rule.to)
            {
                routes.push(rule);
            }
        }
        routes
    }
}

/// A duration in the file's syntax (`"24h"`, `"30d"`, `"2wd"`).
struct TomlDuration(Duration);

impl<'de> Deserialize<'de> for TomlDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_duration(&text)
            .map(TomlDuration)
            .map_err(serde::de::Error::custom)
    }
}

/// Parses a duration in the configuration syntax: `<n>h`, `<n>d` or `<n>wd`, n in
/// 1..=[`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "invalid duration {text:?}: expected a number and a unit, like \"4h\" (hours), \
             \"30d\" (calendar days) or \"2wd\" (working days)"
        )
    };
    let (digits, unit): (&str, fn(u32) -> Duration) = if let Some(n) = text.strip_suffix("wd") {
        (n, Duration::WorkingDays)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, Duration::Hours)
    } else if let Some(n) = text.strip_suffix('d') {
        (n, Duration::Days)
    } else {
        return Err(bad());
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match digits.parse::<u32>() {
        Ok(n) if (1..=MAX_DURATION).contains(&n) => Ok(unit(n)),
        _ => Err(format!(
            "invalid duration {text:?}: the number must be between 1 and {MAX_DURATION}"
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtocol {
    version: toml::Spanned<String>,
    effective_from: TomlDate,
    legal_reference: toml::Spanned<String>,
    auto_assign: bool,
    #[serde(default)]
    deadline: Vec<RawDeadline>,
    #[serde(default)]
    route: Vec<RawRoute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    kind: toml::Spanned<DeadlineKind>,
    starts: ClockStart,
    critical: TomlDuration,
    high: TomlDuration,
    medium: TomlDuration,
    low: TomlDuration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    concerns: toml::Spanned<Vec<Concern>>,
    action: RouteAction,
    to: OrganisationKind,
    #[serde(default)]
    min_risk: Option<RiskLevel>,
    #[serde(default)]
    note: Option<String>,
}

/// Parses and validates one protocol file (format in the module documentation).
pub fn parse_protocol(text: &str) -> Result<Protocol, ConfigError> {
    let raw: RawProtocol =
        toml::from_str(text).map_err(|e| ConfigError::from_toml_error(text, &e))?;

    for (field, value) in [
        ("version", &raw.version),
        ("legal_reference", &raw.legal_reference),
    ] {
        if value.get_ref().trim().is_empty() {
            return Err(ConfigError::at(
                text,
                value.span(),
                format!("{field} must not be empty"),
            ));
        }
    }

    let mut deadlines: BTreeMap<DeadlineKind, DeadlineRule> = BTreeMap::new();
    for d in raw.deadline {
        let kind = *d.kind.get_ref();
        let rule = DeadlineRule {
            kind,
            starts: d.starts,
            by_risk: RiskDurations {
                critical: d.critical.0,
                high: d.high.0,
                medium: d.medium.0,
                low: d.low.0,
            },
        };
        if deadlines.insert(kind, rule).is_some() {
            return Err(ConfigError::at(
                text,
                d.kind.span(),
                format!("the deadline for {kind} is given twice"),
            ));
        }
    }
    let missing: Vec<&str> = DeadlineKind::ALL
        .into_iter()
        .filter(|k| !deadlines.contains_key(k))
        .map(DeadlineKind::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ConfigError::new(
            None,
            format!(
                "no [[deadline]] for {} (every step needs one)",
                missing.join(", ")
            ),
        ));
    }

    let mut routing = Vec::with_capacity(raw.route.len());
    for r in raw.route {
        if r.concerns.get_ref().is_empty() {
            return Err(ConfigError::at(
                text,
                r.concerns.span(),
                "a route needs at least one concern",
            ));
        }
        routing.push(RouteRule {
            concerns: r.concerns.into_inner(),
            action: r.action,
            to: r.to,
            min_risk: r.min_risk,
            note: r.note,
        });
    }

    Ok(Protocol {
        version: raw.version.into_inner(),
        effective_from: raw.effective_from.0,
        legal_reference: raw.legal_reference.into_inner(),
        // BTreeMap order is DeadlineKind's order, i.e. that of `ALL`.
        deadlines: deadlines.into_values().collect(),
        routing,
        auto_assign: raw.auto_assign,
    })
}

/// The shipped default protocol ([`DEFAULT_PROTOCOL_TOML`]).
pub fn default_protocol() -> Protocol {
    parse_protocol(DEFAULT_PROTOCOL_TOML)
        .expect("config/protocols/default.toml is valid: checked by protocol::tests")
}

/// The loaded versions of the protocol, ordered by effective date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolSet {
    versions: Vec<Protocol>,
}

impl ProtocolSet {
    /// At least one version; effective dates and version names distinct.
    pub fn new(mut versions: Vec<Protocol>) -> Result<ProtocolSet, ConfigError> {
        if versions.is_empty() {
            return Err(ConfigError::new(None, "no protocol version is loaded"));
        }
        versions.sort_by_key(|p| p.effective_from);
        for pair in versions.windows(2) {
            if pair[0].effective_from == pair[1].effective_from {
                return Err(ConfigError::new(
                    None,
                    format!(
                        "protocol versions {:?} and {:?} take effect on the same date {}",
                        pair[0].version, pair[1].version, pair[0].effective_from
                    ),
                ));
            }
        }
        for (i, p) in versions.iter().enumerate() {
            if versions[..i].iter().any(|q| q.version == p.version) {
                return Err(ConfigError::new(
                    None,
                    format!("protocol version {:?} is loaded twice", p.version),
                ));
            }
        }
        Ok(ProtocolSet { versions })
    }

    /// The version in force on `at`: the latest to take effect on or before it, or the
    /// earliest if `at` precedes them all.
    pub fn in_force(&self, at: NaiveDate) -> &Protocol {
        let after = self.versions.partition_point(|p| p.effective_from <= at);
        // `new` guarantees at least one version.
        &self.versions[after.saturating_sub(1)]
    }

    /// The version in force at an instant, by its date in Kazakhstan (UTC+5).
    pub fn in_force_at(&self, at: DateTime<Utc>) -> &Protocol {
        self.in_force(at.with_timezone(&kazakhstan()).date_naive())
    }

    /// The version in force today (`today` in Kazakhstan).
    pub fn active(&self, today: NaiveDate) -> &Protocol {
        self.in_force(today)
    }

    /// All versions, earliest first.
    pub fn versions(&self) -> &[Protocol] {
        &self.versions
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use Duration::{Days as D, Hours as H, WorkingDays as Wd};
    use OrganisationKind as Org;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn codes_round_trip() {
        let mut seen = HashSet::new();
        for kind in DeadlineKind::ALL {
            assert!(seen.insert(kind.as_str()));
            assert_eq!(DeadlineKind::from_code(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(kind.to_string(), kind.as_str());
        }
        for start in ClockStart::ALL {
            assert_eq!(ClockStart::from_code(start.as_str()), Some(start));
            assert_eq!(serde_json::to_value(start).unwrap(), start.as_str());
        }
        for action in RouteAction::ALL {
            assert_eq!(RouteAction::from_code(action.as_str()), Some(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
        }
        assert_eq!(DeadlineKind::from_code("triag"), None);
        assert_eq!(ClockStart::from_code(""), None);
        assert_eq!(RouteAction::from_code("Notify"), None);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("1h"), Ok(H(1)));
        assert_eq!(parse_duration("24h"), Ok(H(24)));
        assert_eq!(parse_duration("2wd"), Ok(Wd(2)));
        assert_eq!(parse_duration("30d"), Ok(D(30)));
        assert_eq!(parse_duration("10000d"), Ok(D(10_000)));
        for bad in [
            "",
            "h",
            "wd",
            "0h",
            "-1h",
            "+1h",
            "1 h",
            "1.5h",
            "1H",
            "1w",
            "10001d",
            "1hd",
            "d1",
            "99999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        for d in [H(4), D(30), Wd(2)] {
            assert_eq!(parse_duration(&d.to_string()), Ok(d));
        }
    }

    /// Brief § 4, deadline table: (step, clock start, critical, high, medium, low).
    const BRIEF_DEADLINES: [(DeadlineKind, ClockStart, [Duration; 4]); 9] = [
        (
            DeadlineKind::Triage,
            ClockStart::SignalReceived,
            [H(1), Wd(1), Wd(1), Wd(1)],
        ),
        (
            DeadlineKind::Assignment,
            ClockStart::CaseOpened,
            [H(1), H(4), Wd(1), Wd(1)],
        ),
        (
            DeadlineKind::FirstContact,
            ClockStart::CaseOpened,
            [H(24), Wd(2), Wd(5), Wd(10)],
        ),
        (
            DeadlineKind::InitialAssessment,
            ClockStart::CaseOpened,
            [Wd(1), Wd(3), Wd(5), Wd(10)],
        ),
        (
            DeadlineKind::ComprehensiveAssessment,
            ClockStart::CaseOpened,
            [Wd(15), Wd(20), Wd(30), Wd(45)],
        ),
        (
            DeadlineKind::PlanApproval,
            ClockStart::ComprehensiveAssessment,
            [Wd(5), Wd(5), Wd(10), Wd(10)],
        ),
        (
            DeadlineKind::PlanReview,
            ClockStart::PlanApproved,
            [D(30), D(30), D(60), D(90)],
        ),
        (
            DeadlineKind::ReferralResponse,
            ClockStart::ReferralSent,
            [H(4), Wd(1), Wd(3), Wd(5)],
        ),
        (
            DeadlineKind::FollowUp,
            ClockStart::CaseClosed,
            [D(90), D(90), D(90), D(180)],
        ),
    ];

    #[test]
    fn default_protocol_matches_the_brief_deadlines() {
        let text = include_str!("../../../config/protocols/default.toml");
        let protocol = parse_protocol(text).unwrap();
        assert_eq!(protocol.version, "2026.1");
        assert_eq!(protocol.effective_from, date(2026, 1, 29));
        assert!(protocol.legal_reference.contains("No. 56"));
        assert!(!protocol.auto_assign, "the supervisor assigns by default");
        assert_eq!(protocol.deadlines.len(), 9);
        for (kind, starts, [critical, high, medium, low]) in BRIEF_DEADLINES {
            let rule = protocol.deadline(kind).unwrap();
            assert_eq!(rule.starts, starts, "{kind}");
            assert_eq!(rule.duration(RiskLevel::Critical), critical, "{kind}");
            assert_eq!(rule.duration(RiskLevel::High), high, "{kind}");
            assert_eq!(rule.duration(RiskLevel::Medium), medium, "{kind}");
            assert_eq!(rule.duration(RiskLevel::Low), low, "{kind}");
        }
        // Ordered as `ALL`.
        let kinds: Vec<_> = protocol.deadlines.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, DeadlineKind::ALL);
        assert_eq!(default_protocol(), protocol);
    }

    /// The routes as (action, kind) pairs, for comparison.
    fn routes(
        protocol: &Protocol,
        concerns: &[Concern],
        risk: RiskLevel,
    ) -> Vec<(RouteAction, Org)> {
        protocol
            .routes_for(concerns, risk)
            .into_iter()
            .map(|r| (r.action, r.to))
            .collect()
    }

    use RouteAction::{Notify, Refer};

    #[test]
    fn default_routing_matches_the_brief() {
        let p = default_protocol();
        for risk in RiskLevel::ALL {
            for c in [Concern::ViolencePhysical, Concern::ViolencePsychological] {
                assert_eq!(routes(&p, &[c], risk), [(Notify, Org::Police)], "{c}");
            }
            assert_eq!(
                routes(&p, &[Concern::ViolenceSexual], risk),
                [
                    (Notify, Org::Police),
                    (Refer, Org::AssistanceRoom),
                    (Refer, Org::PsychologicalSupportCentre)
                ]
            );
            for c in [Concern::Bullying, Concern::Cyberbullying] {
                assert_eq!(
                    routes(&p, &[c], risk),
                    [
                        (Refer, Org::School),
                        (Refer, Org::PsychologicalSupportCentre)
                    ],
                    "{c}"
                );
            }
            assert_eq!(
                routes(&p, &[Concern::Trafficking], risk),
                [(Notify, Org::Police), (Refer, Org::FamilySupportCentre)]
            );
            assert_eq!(
                routes(&p, &[Concern::ChildLabour], risk),
                [(Notify, Org::Police)]
            );
            assert_eq!(
                routes(&p, &[Concern::Offending], risk),
                [(Refer, Org::Commission), (Notify, Org::Police)]
            );
            assert_eq!(
                routes(&p, &[Concern::OutOfSchool], risk),
                [(Refer, Org::EducationDepartment)]
            );
            for c in [Concern::Neglect, Concern::FamilyCrisis] {
                assert_eq!(
                    routes(&p, &[c], risk),
                    [(Refer, Org::FamilySupportCentre)],
                    "{c}"
                );
            }
            assert_eq!(
                routes(&p, &[Concern::EarlyPregnancy], risk),
                [(Refer, Org::Health), (Refer, Org::FamilySupportCentre)]
            );
            assert_eq!(
                routes(&p, &[Concern::Addiction], risk),
                [(Refer, Org::YouthHealthCentre)]
            );
            for c in [Concern::UnaccompaniedMigrant, Concern::WithoutParentalCare] {
                assert_eq!(
                    routes(&p, &[c], risk),
                    [(Refer, Org::GuardianshipAuthority)],
                    "{c}"
                );
            }
            for c in [
                Concern::VagrancyBegging,
                Concern::DisabilitySupport,
                Concern::CareLeaver,
                Concern::Other,
            ] {
                assert!(routes(&p, &[c], risk).is_empty(), "{c}");
            }
        }
        assert!(routes(&p, &[], RiskLevel::Critical).is_empty());
    }

    #[test]
    fn suicide_risk_notifies_the_supervisor_only_when_critical() {
        let p = default_protocol();
        let base = [
            (Refer, Org::PsychologicalSupportCentre),
            (Refer, Org::MentalHealthCentre),
        ];
        for risk in [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low] {
            assert_eq!(routes(&p, &[Concern::SuicideRisk], risk), base, "{risk}");
        }
        let critical = p.routes_for(&[Concern::SuicideRisk], RiskLevel::Critical);
        assert_eq!(critical.len(), 3);
        assert_eq!(
            (critical[2].action, critical[2].to),
            (Notify, Org::ChildRightsDepartment)
        );
        assert_eq!(critical[2].min_risk, Some(RiskLevel::Critical));
        assert!(critical[2].note.as_deref().unwrap().contains("supervisor"));
    }

    #[test]
    fn routes_are_deduplicated_keeping_the_first() {
        let p = default_protocol();
        // Sexual violence and bullying both refer to the ПҚО; physical violence and trafficking
        // both notify the police.
        let got = routes(
            &p,
            &[
                Concern::Bullying,
                Concern::ViolenceSexual,
                Concern::ViolencePhysical,
                Concern::Trafficking,
            ],
            RiskLevel::High,
        );
        assert_eq!(
            got,
            [
                (Notify, Org::Police),
                (Refer, Org::AssistanceRoom),
                (Refer, Org::PsychologicalSupportCentre),
                (Refer, Org::School),
                (Refer, Org::FamilySupportCentre),
            ]
        );
        let first = p.routes_for(
            &[Concern::ViolenceSexual, Concern::Trafficking],
            RiskLevel::Low,
        );
        assert!(first[0].concerns.contains(&Concern::ViolenceSexual));
    }

    #[test]
    fn protocol_serialises_for_the_api() {
        let json = serde_json::to_value(default_protocol()).unwrap();
        assert_eq!(json["version"], "2026.1");
        assert_eq!(json["effective_from"], "2026-01-29");
        assert_eq!(json["deadlines"][0]["kind"], "triage");
        assert_eq!(json["deadlines"][0]["starts"], "signal_received");
        assert_eq!(
            json["deadlines"][0]["by_risk"]["critical"],
            serde_json::json!({"hours": 1})
        );
        assert_eq!(json["routing"][0]["action"], "notify");
        assert_eq!(json["routing"][0]["to"], "police");
    }

    /// A valid protocol with one route; tests break it line by line.
    fn valid() -> String {
        let mut text = String::from(
            "version = \"t.1\"\neffective_from = 2026-01-29\nlegal_reference = \"test\"\nauto_assign = false\n",
        );
        for kind in DeadlineKind::ALL {
            text.push_str(&format!(
                "\n[[deadline]]\nkind = \"{kind}\"\nstarts = \"case_opened\"\ncritical = \"1h\"\nhigh = \"1wd\"\nmedium = \"2wd\"\nlow = \"3d\"\n"
            ));
        }
        text.push_str("\n[[route]]\nconcerns = [\"neglect\"]\naction = \"refer\"\nto = \"family_support_centre\"\n");
        text
    }

    /// Replaces the `nth` (0-based) occurrence of `from` in `valid()` and returns the error
    /// and the line the replacement is on.
    fn break_valid(from: &str, to: &str, nth: usize) -> (ConfigError, usize) {
        let text = valid();
        let (at, _) = text.match_indices(from).nth(nth).unwrap();
        let broken = format!("{}{}{}", &text[..at], to, &text[at + from.len()..]);
        let line = crate::calendar::line_of(&broken, at);
        (parse_protocol(&broken).unwrap_err(), line)
    }

    #[test]
    fn the_valid_test_protocol_parses() {
        let p = parse_protocol(&valid()).unwrap();
        assert_eq!(p.deadlines.len(), 9);
        assert!(!p.auto_assign);
        assert_eq!(
            p.deadline(DeadlineKind::FollowUp)
                .unwrap()
                .duration(RiskLevel::Low),
            D(3)
        );
        // Dates as strings are accepted too.
        let text = valid().replace("2026-01-29", "\"2026-01-29\"");
        assert_eq!(
            parse_protocol(&text).unwrap().effective_from,
            date(2026, 1, 29)
        );
    }

    #[test]
    fn each_validation_error_names_its_line() {
        let cases = [
            // (replace, with, occurrence, expected words in the message)
            ("\"1wd\"", "\"1week\"", 4, "invalid duration"),
            ("\"3d\"", "\"0d\"", 8, "between 1"),
            ("\"2wd\"", "2", 0, ""),
            ("\"follow_up\"", "\"follow_ups\"", 0, "follow_ups"),
            ("\"plan_review\"", "\"triage\"", 0, "given twice"),
            ("\"case_opened\"", "\"case_reopened\"", 3, "case_reopened"),
            ("\"neglect\"", "\"negligence\"", 0, "negligence"),
            ("[\"neglect\"]", "[]", 0, "at least one concern"),
            ("\"refer\"", "\"email\"", 0, "email"),
            ("\"family_support_centre\"", "\"bank\"", 0, "bank"),
            ("to = ", "min_risk = \"severe\"\nto = ", 0, "severe"),
            ("to = ", "colour = \"red\"\nto = ", 0, "colour"),
            ("\"t.1\"", "\" \"", 0, "version must not be empty"),
            ("\"test\"", "\"\"", 0, "legal_reference must not be empty"),
            ("2026-01-29", "2026-02-30", 0, "date"),
            ("false", "\"no\"", 0, ""),
            ("critical = \"1h\"", "critical = \"1h", 2, ""),
        ];
        for (from, to, nth, words) in cases {
            let (error, line) = break_valid(from, to, nth);
            assert_eq!(error.line, Some(line), "{from} → {to}: {error}");
            assert!(error.message.contains(words), "{from} → {to}: {error}");
            assert!(error.to_string().starts_with(&format!("line {line}: ")));
        }
    }

    #[test]
    fn a_missing_step_is_named() {
        let text = valid().replace("kind = \"plan_review\"", "kind = \"plan_approval\"");
        // Duplicated plan_approval is reported first, at its line.
        assert!(parse_protocol(&text).unwrap_err().line.is_some());
        let start = valid()
            .find("[[deadline]]\nkind = \"plan_review\"")
            .unwrap();
        let end = start + valid()[start..].find("\n\n").unwrap();
        let text = format!("{}{}", &valid()[..start], &valid()[end..]);
        let error = parse_protocol(&text).unwrap_err();
        assert_eq!(error.line, None);
        assert!(error.message.contains("plan_review"), "{error}");
        // A missing top-level key names no line either, but says which.
        let error = parse_protocol(&valid().replace("auto_assign = false\n", "")).unwrap_err();
        assert!(error.message.contains("auto_assign"), "{error}");
    }

    fn version(name: &str, from: NaiveDate) -> Protocol {
        let mut p = parse_protocol(&valid()).unwrap();
        p.version = name.to_owned();
        p.effective_from = from;
        p
    }

    #[test]
    fn in_force_picks_the_latest_effective_version() {
        let set = ProtocolSet::new(vec![
            version("2027.1", date(2027, 1, 1)),
            version("2026.1", date(2026, 1, 29)),
            version("2026.2", date(2026, 7, 1)),
        ])
        .unwrap();
        let at = |d| set.in_force(d).version.as_str();
        assert_eq!(at(date(2020, 1, 1)), "2026.1", "before all: the earliest");
        assert_eq!(at(date(2026, 1, 28)), "2026.1");
        assert_eq!(at(date(2026, 1, 29)), "2026.1");
        assert_eq!(at(date(2026, 6, 30)), "2026.1");
        assert_eq!(at(date(2026, 7, 1)), "2026.2");
        assert_eq!(at(date(2026, 12, 31)), "2026.2");
        assert_eq!(at(date(2027, 1, 1)), "2027.1");
        assert_eq!(at(date(2040, 1, 1)), "2027.1");
        assert_eq!(set.active(date(2026, 8, 1)).version, "2026.2");
        let versions: Vec<_> = set.versions().iter().map(|p| p.version.as_str()).collect();
        assert_eq!(versions, ["2026.1", "2026.2", "2027.1"]);
        // 30 June 2026 20:00 UTC is already 1 July in Kazakhstan.
        let evening = NaiveDate::from_ymd_opt(2026, 6, 30)
            .unwrap()
            .and_hms_opt(20, 0, 0)
            .unwrap()
            .and_utc();
        assert_eq!(set.in_force_at(evening).version, "2026.2");
    }

    #[test]
    fn protocol_sets_are_validated() {
        assert!(ProtocolSet::new(vec![]).is_err());
        let same_date = ProtocolSet::new(vec![
            version("a", date(2026, 1, 1)),
            version("b", date(2026, 1, 1)),
        ]);
        assert!(same_date.unwrap_err().message.contains("same date"));
        let same_name = ProtocolSet::new(vec![
            version("a", date(2026, 1, 1)),
            version("a", date(2026, 2, 1)),
        ]);
        assert!(same_name.unwrap_err().message.contains("twice"));
        let single = ProtocolSet::new(vec![default_protocol()]).unwrap();
        assert_eq!(single.in_force(date(2000, 1, 1)).version, "2026.1");
    }
}
