//! The shapes of the dataset: who is reported, for what, how urgently, how long cases last and
//! how they end. Figures are modelling assumptions drawn from the seed (brief § 1: 13,070 mobile
//! group signals and 17,000 families accompanied in 2025; violence mostly by the closest adults,
//! l. 304) and from international case-management practice; they are meant to give realistic
//! proportions for queries and plans, not statistics.

use qorgau_domain::iin::Sex;
use qorgau_domain::intervention::InterventionKind;
use qorgau_domain::lifecycle::ClosureReason;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::plan::AssistanceKind;
use qorgau_domain::taxonomy::{Concern, RiskLevel, SignalSource};

use super::random::{Gen, Weighted};

/// A set of concerns as bits in the order of `Concern::ALL`: a signal names one to three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Concerns(u32);

impl Concerns {
    pub fn with(self, c: Concern) -> Concerns {
        Concerns(self.0 | 1 << index(c))
    }

    pub fn has(self, c: Concern) -> bool {
        self.0 & (1 << index(c)) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Concern> {
        Concern::ALL.into_iter().filter(move |c| self.has(*c))
    }

    pub fn first(self) -> Concern {
        self.iter().next().unwrap_or(Concern::Other)
    }

    /// `a, b, c`: how the API writes concerns into timeline summaries.
    pub fn joined(self) -> String {
        self.iter()
            .map(Concern::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn index(c: Concern) -> usize {
    Concern::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

/// (concern, weight, youngest age, oldest age, girls only). Ages in whole years at the signal.
const CONCERNS: [(Concern, f64, u32, u32, bool); 20] = [
    (Concern::FamilyCrisis, 20.0, 0, 17, false),
    (Concern::Neglect, 14.0, 0, 14, false),
    (Concern::ViolencePhysical, 10.0, 0, 17, false),
    (Concern::ViolencePsychological, 8.0, 3, 17, false),
    (Concern::Bullying, 7.0, 7, 17, false),
    (Concern::OutOfSchool, 6.0, 6, 17, false),
    (Concern::Offending, 6.0, 10, 17, false),
    (Concern::SuicideRisk, 4.0, 11, 17, false),
    (Concern::DisabilitySupport, 4.0, 0, 17, false),
    (Concern::Cyberbullying, 3.0, 10, 17, false),
    (Concern::WithoutParentalCare, 3.0, 0, 17, false),
    (Concern::Other, 3.0, 0, 17, false),
    (Concern::ViolenceSexual, 2.5, 3, 17, false),
    (Concern::VagrancyBegging, 2.0, 6, 17, false),
    (Concern::Addiction, 2.0, 12, 17, false),
    (Concern::ChildLabour, 1.5, 8, 17, false),
    (Concern::EarlyPregnancy, 1.5, 13, 17, true),
    (Concern::CareLeaver, 1.5, 16, 22, false),
    (Concern::UnaccompaniedMigrant, 0.5, 6, 17, false),
    (Concern::Trafficking, 0.3, 10, 17, false),
];

/// One to three concerns fitting the child's age and sex.
pub fn concerns(rng: &mut Gen, age: u32, sex: Sex) -> Concerns {
    let fits = |&&(_, _, lo, hi, girls): &&(Concern, f64, u32, u32, bool)| {
        (lo..=hi).contains(&age) && !(girls && sex == Sex::Male)
    };
    let count = if rng.chance(0.6) {
        1
    } else if rng.chance(0.75) {
        2
    } else {
        3
    };
    let mut set = Concerns::default();
    for _ in 0..count {
        let candidates: Vec<(Concern, f64)> = CONCERNS
            .iter()
            .filter(fits)
            .filter(|(c, ..)| !set.has(*c))
            // Leaving care is what a case is about, never a side concern.
            .filter(|(c, ..)| *c != Concern::CareLeaver || set == Concerns::default())
            .map(|(c, w, ..)| (*c, *w))
            .collect();
        if candidates.is_empty() {
            break;
        }
        set = set.with(Weighted::new(&candidates).draw(rng));
    }
    if set == Concerns::default() {
        set = set.with(Concern::FamilyCrisis);
    }
    set
}

/// The risk level triage sets: the graver the concern, the higher.
pub fn risk(rng: &mut Gen, concerns: Concerns) -> RiskLevel {
    let grave = [
        Concern::ViolenceSexual,
        Concern::SuicideRisk,
        Concern::Trafficking,
    ];
    let weights = if grave.iter().any(|c| concerns.has(*c)) {
        [0.25, 0.40, 0.30, 0.05]
    } else if concerns.has(Concern::ViolencePhysical) {
        [0.10, 0.30, 0.45, 0.15]
    } else {
        [0.04, 0.18, 0.46, 0.32]
    };
    let table = Weighted::new(&[
        (RiskLevel::Critical, weights[0]),
        (RiskLevel::High, weights[1]),
        (RiskLevel::Medium, weights[2]),
        (RiskLevel::Low, weights[3]),
    ]);
    table.draw(rng)
}

/// The reporter's impression of urgency: often not given, else near the triage's view.
pub fn urgency(rng: &mut Gen, risk: RiskLevel) -> Option<RiskLevel> {
    if rng.chance(0.4) {
        return None;
    }
    let i = RiskLevel::ALL.iter().position(|r| *r == risk).unwrap_or(2);
    let shifted = match rng.below(5) {
        0 => i.saturating_sub(1),
        1 => (i + 1).min(3),
        _ => i,
    };
    Some(RiskLevel::ALL[shifted])
}

/// Where signals come from; the QR-111 code and the CCTV analytics exist only in the last three
/// years of the history.
pub fn source(rng: &mut Gen, recent: bool) -> SignalSource {
    let table = [
        (SignalSource::MobileGroup, 25.0),
        (SignalSource::ContactCentre111, 20.0),
        (SignalSource::School, 14.0),
        (SignalSource::Police, 10.0),
        (SignalSource::Health, 8.0),
        (SignalSource::Qr111, 8.0),
        (SignalSource::SchoolDiagnostics, 5.0),
        (SignalSource::Other, 4.0),
        (SignalSource::Commission, 2.0),
        (SignalSource::SelfReferral, 2.0),
        (SignalSource::CctvAi, 1.0),
    ];
    let source = Weighted::new(&table).draw(rng);
    match source {
        SignalSource::Qr111 | SignalSource::CctvAi if !recent => SignalSource::ContactCentre111,
        s => s,
    }
}

/// Years of age at the first signal, 0–17: infants for neglect, a peak in early adolescence.
pub fn age_at_first_signal(rng: &mut Gen) -> u32 {
    const WEIGHTS: [f64; 18] = [
        3.0, 3.0, 3.0, 3.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0, 6.0, 6.0, 7.0, 8.0, 9.0, 9.0, 8.0, 6.0,
    ];
    let pairs: Vec<(u32, f64)> = (0..18).zip(WEIGHTS).collect();
    Weighted::new(&pairs).draw(rng)
}

/// How many cases a child with a record has over the ten years.
pub fn case_count(rng: &mut Gen) -> usize {
    Weighted::new(&[(0, 0.56), (1, 0.34), (2, 0.07), (3, 0.03)]).draw(rng)
}

/// Planned length of a case in days: log-normal, longer for graver risk.
pub fn case_days(rng: &mut Gen, risk: RiskLevel) -> f64 {
    let median = match risk {
        RiskLevel::Critical => 190.0,
        RiskLevel::High => 210.0,
        RiskLevel::Medium => 175.0,
        RiskLevel::Low => 120.0,
    };
    rng.log_normal(median, 0.7).clamp(21.0, 1800.0)
}

/// Why a case closed (turned 18 is decided by the child's birthday, not drawn).
pub fn closure_reason(rng: &mut Gen) -> ClosureReason {
    Weighted::new(&[
        (ClosureReason::GoalsAchieved, 45.0),
        (ClosureReason::RiskEliminated, 20.0),
        (ClosureReason::FamilyDeclinedNoGrounds, 8.0),
        (ClosureReason::Other, 6.0),
        (ClosureReason::Transferred, 4.0),
        (ClosureReason::MovedAbroad, 2.0),
        (ClosureReason::Duplicate, 1.5),
        (ClosureReason::ChildDied, 0.2),
    ])
    .draw(rng)
}

/// An intervention's kind, the help it gives, and whether the child is usually seen.
pub fn intervention(rng: &mut Gen, concerns: Concerns) -> (InterventionKind, AssistanceKind) {
    use AssistanceKind as A;
    use InterventionKind as K;
    let psychological = if concerns.has(Concern::SuicideRisk)
        || concerns.has(Concern::ViolenceSexual)
        || concerns.has(Concern::Bullying)
    {
        25.0
    } else {
        12.0
    };
    let kind = Weighted::new(&[
        (K::HomeVisit, 24.0),
        (K::Consultation, 18.0),
        (K::PsychologicalSession, psychological),
        (K::SocialSupport, 12.0),
        (K::PedagogicalSupport, 8.0),
        (K::BenefitApplication, 6.0),
        (K::MedicalCare, 5.0),
        (K::LegalAid, 4.0),
        (K::Mediation, 4.0),
        (K::Placement, 1.0),
        (K::Other, 3.0),
    ])
    .draw(rng);
    let help = match kind {
        K::PsychologicalSession => A::Psychological,
        K::MedicalCare => A::Medical,
        K::PedagogicalSupport => A::Pedagogical,
        K::LegalAid => A::Legal,
        K::Consultation => *rng.pick(&[A::Social, A::Psychological, A::Legal, A::Pedagogical]),
        _ => A::Social,
    };
    (kind, help)
}

/// Partner organisations a case manager refers to beyond the protocol's mandatory routes.
pub fn voluntary_referral_kind(rng: &mut Gen, concerns: Concerns) -> OrganisationKind {
    use OrganisationKind as O;
    let mental = if concerns.has(Concern::SuicideRisk) {
        10.0
    } else {
        2.0
    };
    Weighted::new(&[
        (O::PsychologicalSupportCentre, 30.0),
        (O::Health, 15.0),
        (O::FamilySupportCentre, 15.0),
        (O::School, 12.0),
        (O::Ngo, 10.0),
        (O::CrisisCentre, 6.0),
        (O::MentalHealthCentre, mental),
        (O::GuardianshipAuthority, 4.0),
        (O::YouthHealthCentre, 3.0),
    ])
    .draw(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Stream;

    #[test]
    fn concerns_fit_the_child() {
        let mut rng = Gen::new(3, Stream::World);
        for _ in 0..5000 {
            let age = rng.below(18) as u32;
            let c = concerns(&mut rng, age, Sex::Male);
            assert!(!c.has(Concern::EarlyPregnancy));
            assert!((1..=3).contains(&c.iter().count()));
            if age < 11 {
                assert!(!c.has(Concern::SuicideRisk), "{age}");
            }
        }
    }
}
