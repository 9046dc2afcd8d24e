//! The shared vocabularies of intake: what a signal is about ([`Concern`], brief § 3), where it
//! came from ([`SignalSource`], api.md § Signals) and how dangerous it looks ([`RiskLevel`],
//! brief § 2 step 3).
//!
//! Each is a [`code_enum!`](crate::code_enum): one code per value, the same in JSON, query
//! strings, database columns and CSV ([`as_str`](Concern::as_str), `from_code`), and `ALL`
//! lists every value so tests and reference endpoints cannot drift from the enum.

crate::code_enum! {
    /// A concern about a child, the codes of brief § 3. A signal names one or more.
    pub enum Concern {
        ViolencePhysical = "violence_physical",
        ViolenceSexual = "violence_sexual",
        ViolencePsychological = "violence_psychological",
        Neglect = "neglect",
        Bullying = "bullying",
        Cyberbullying = "cyberbullying",
        /// Ideation, attempt or self-harm.
        SuicideRisk = "suicide_risk",
        Trafficking = "trafficking",
        ChildLabour = "child_labour",
        VagrancyBegging = "vagrancy_begging",
        Addiction = "addiction",
        OutOfSchool = "out_of_school",
        EarlyPregnancy = "early_pregnancy",
        /// Child in conflict with the law.
        Offending = "offending",
        /// Family in a difficult life situation.
        FamilyCrisis = "family_crisis",
        WithoutParentalCare = "without_parental_care",
        UnaccompaniedMigrant = "unaccompanied_migrant",
        DisabilitySupport = "disability_support",
        /// A graduate of an institution; such cases may run past 18, up to 23 (brief § 2 step 14).
        CareLeaver = "care_leaver",
        Other = "other",
    }
}

impl Concern {
    /// Concerns whose mere mention exposes the most intimate facts of a child's life (brief
    /// § 5): records carrying one are shown only to those who need them.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Self::ViolenceSexual | Self::SuicideRisk | Self::EarlyPregnancy
        )
    }
}

crate::code_enum! {
    /// Where a signal came from (api.md § Signals).
    pub enum SignalSource {
        MobileGroup = "mobile_group",
        /// The 111 contact centre, by call or text.
        ContactCentre111 = "contact_centre_111",
        /// Self-referral through the QR code of the 111 service.
        Qr111 = "qr_111",
        School = "school",
        Health = "health",
        Police = "police",
        /// Pedagogue-psychologist screening at school.
        SchoolDiagnostics = "school_diagnostics",
        /// An alert raised by AI analysis of CCTV footage.
        CctvAi = "cctv_ai",
        Commission = "commission",
        SelfReferral = "self_referral",
        Other = "other",
    }
}

crate::code_enum! {
    /// How dangerous a child's situation looks: a case's risk level (set at triage) and a
    /// signal's `urgency` (the reporter's impression).
    ///
    /// Ordered by severity: `Low < Medium < High < Critical`, so `max()` over several levels
    /// gives the most severe one. [`RiskLevel::ALL`] lists them most severe first, the order in
    /// which they are shown.
    pub enum RiskLevel {
        // Declaration order defines the derived `Ord`: least severe first.
        Low = "low",
        Medium = "medium",
        High = "high",
        /// Immediate danger to life or health.
        Critical = "critical",
    }
    all = [Critical, High, Medium, Low];
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
        T: Copy
            + PartialEq
            + std::fmt::Debug
            + std::fmt::Display
            + serde::Serialize
            + serde::de::DeserializeOwned,
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
