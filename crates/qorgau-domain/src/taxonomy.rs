//! The shared vocabularies of intake: what a signal is about ([`Concern`], brief § 3), where it
//! came from ([`SignalSource`], api.md § Signals) and how dangerous it looks ([`RiskLevel`],
//! brief § 2 step 3).
//!
//! Each enum's wire code is its serde `snake_case` name; [`as_str`](Concern::as_str) and
//! `from_code` give the same code for places serde does not reach (query strings, database
//! columns, CSV), and `ALL` lists every value so tests and reference endpoints cannot drift
//! from the enum.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A concern about a child, the codes of brief § 3. A signal names one or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    ViolencePhysical,
    ViolenceSexual,
    ViolencePsychological,
    Neglect,
    Bullying,
    Cyberbullying,
    /// Ideation, attempt or self-harm.
    SuicideRisk,
    Trafficking,
    ChildLabour,
    VagrancyBegging,
    Addiction,
    OutOfSchool,
    EarlyPregnancy,
    /// Child in conflict with the law.
    Offending,
    /// Family in a difficult life situation.
    FamilyCrisis,
    WithoutParentalCare,
    UnaccompaniedMigrant,
    DisabilitySupport,
    /// A graduate of an institution; such cases may run past 18, up to 23 (brief § 2 step 14).
    CareLeaver,
    Other,
}

impl Concern {
    pub const ALL: [Concern; 20] = [
        Self::ViolencePhysical,
        Self::ViolenceSexual,
        Self::ViolencePsychological,
        Self::Neglect,
        Self::Bullying,
        Self::Cyberbullying,
        Self::SuicideRisk,
        Self::Trafficking,
        Self::ChildLabour,
        Self::VagrancyBegging,
        Self::Addiction,
        Self::OutOfSchool,
        Self::EarlyPregnancy,
        Self::Offending,
        Self::FamilyCrisis,
        Self::WithoutParentalCare,
        Self::UnaccompaniedMigrant,
        Self::DisabilitySupport,
        Self::CareLeaver,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViolencePhysical => "violence_physical",
            Self::ViolenceSexual => "violence_sexual",
            Self::ViolencePsychological => "violence_psychological",
            Self::Neglect => "neglect",
            Self::Bullying => "bullying",
            Self::Cyberbullying => "cyberbullying",
            Self::SuicideRisk => "suicide_risk",
            Self::Trafficking => "trafficking",
            Self::ChildLabour => "child_labour",
            Self::VagrancyBegging => "vagrancy_begging",
            Self::Addiction => "addiction",
            Self::OutOfSchool => "out_of_school",
            Self::EarlyPregnancy => "early_pregnancy",
            Self::Offending => "offending",
            Self::FamilyCrisis => "family_crisis",
            Self::WithoutParentalCare => "without_parental_care",
            Self::UnaccompaniedMigrant => "unaccompanied_migrant",
            Self::DisabilitySupport => "disability_support",
            Self::CareLeaver => "care_leaver",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// Concerns whose mere mention exposes the most intimate facts of a child's life (brief
    /// § 5): records carrying one are shown only to those who need them.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Self::ViolenceSexual | Self::SuicideRisk | Self::EarlyPregnancy
        )
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a signal came from (api.md § Signals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignalSource {
    MobileGroup,
    /// The 111 contact centre, by call or text.
    #[serde(rename = "contact_centre_111")]
    ContactCentre111,
    /// Self-referral through the QR code of the 111 service.
    #[serde(rename = "qr_111")]
    Qr111,
    School,
    Health,
    Police,
    /// Pedagogue-psychologist screening at school.
    SchoolDiagnostics,
    /// An alert raised by AI analysis of CCTV footage.
    CctvAi,
    Commission,
    SelfReferral,
    Other,
}

impl SignalSource {
    pub const ALL: [SignalSource; 11] = [
        Self::MobileGroup,
        Self::ContactCentre111,
        Self::Qr111,
        Self::School,
        Self::Health,
        Self::Police,
        Self::SchoolDiagnostics,
        Self::CctvAi,
        Self::Commission,
        Self::SelfReferral,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MobileGroup => "mobile_group",
            Self::ContactCentre111 => "contact_centre_111",
            Self::Qr111 => "qr_111",
            Self::School => "school",
            Self::Health => "health",
            Self::Police => "police",
            Self::SchoolDiagnostics => "school_diagnostics",
            Self::CctvAi => "cctv_ai",
            Self::Commission => "commission",
            Self::SelfReferral => "self_referral",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }
}

impl fmt::Display for SignalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How dangerous a child's situation looks: a case's risk level (set at triage) and a
/// signal's `urgency` (the reporter's impression).
///
/// Ordered by severity: `Low < Medium < High < Critical`, so `max()` over several levels
/// gives the most severe one. [`RiskLevel::ALL`] lists them most severe first, the order in
/// which they are shown.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    // Declaration order defines the derived `Ord`: least severe first.
    Low,
    Medium,
    High,
    /// Immediate danger to life or health.
    Critical,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Checks that `as_str`, `from_code`, `Display` and serde agree on every value, and that
    /// codes are unique.
    fn assert_codes_round_trip<T>(
        all: &[T],
        from_code: fn(&str) -> Option<T>,
        as_str: fn(T) -> &'static str,
    ) where
        T: Copy + PartialEq + fmt::Debug + fmt::Display + Serialize + serde::de::DeserializeOwned,
    {
        let mut seen = HashSet::new();
        for &value in all {
            let code = as_str(value);
            assert!(seen.insert(code), "duplicate code {code}");
            assert_eq!(from_code(code), Some(value));
            assert_eq!(value.to_string(), code);
            assert_eq!(serde_json::to_value(value).unwrap(), code);
            let back: T = serde_json::from_value(serde_json::Value::from(code)).unwrap();
            assert_eq!(back, value);
        }
        assert_eq!(from_code(""), None);
        assert_eq!(from_code("unknown"), None);
    }

    #[test]
    fn concern_codes_round_trip() {
        assert_codes_round_trip(&Concern::ALL, Concern::from_code, Concern::as_str);
        assert_eq!(
            Concern::from_code("Neglect"),
            None,
            "codes are case-sensitive"
        );
    }

    #[test]
    fn source_codes_round_trip() {
        assert_codes_round_trip(
            &SignalSource::ALL,
            SignalSource::from_code,
            SignalSource::as_str,
        );
        // The digits are part of the code; serde's snake_case alone would not produce them.
        assert_eq!(
            serde_json::to_value(SignalSource::ContactCentre111).unwrap(),
            "contact_centre_111"
        );
        assert_eq!(serde_json::to_value(SignalSource::Qr111).unwrap(), "qr_111");
    }

    #[test]
    fn risk_level_codes_round_trip() {
        assert_codes_round_trip(&RiskLevel::ALL, RiskLevel::from_code, RiskLevel::as_str);
    }

    #[test]
    fn counts_match_the_brief() {
        assert_eq!(Concern::ALL.len(), 20);
        assert_eq!(SignalSource::ALL.len(), 11);
        assert_eq!(RiskLevel::ALL.len(), 4);
    }

    #[test]
    fn exactly_three_concerns_are_sensitive() {
        let sensitive: Vec<_> = Concern::ALL
            .into_iter()
            .filter(|c| c.is_sensitive())
            .collect();
        assert_eq!(
            sensitive,
            [
                Concern::ViolenceSexual,
                Concern::SuicideRisk,
                Concern::EarlyPregnancy
            ]
        );
    }

    #[test]
    fn critical_is_the_most_severe_risk() {
        assert!(RiskLevel::Critical > RiskLevel::High);
        assert!(RiskLevel::High > RiskLevel::Medium);
        assert!(RiskLevel::Medium > RiskLevel::Low);
        assert_eq!(RiskLevel::ALL.into_iter().max(), Some(RiskLevel::Critical));
        // `ALL` is most severe first.
        assert!(RiskLevel::ALL.windows(2).all(|w| w[0] > w[1]));
    }
}
