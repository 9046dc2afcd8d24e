//! Organisation kinds (api.md § Geography, organisations, users) and the rules on where each sits.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    ChildRightsDepartment,
    FamilySupportCentre,
    MobileGroup,
    PsychologicalSupportCentre,
    School,
    Health,
    MentalHealthCentre,
    YouthHealthCentre,
    CrisisCentre,
    AssistanceRoom,
    Police,
    Commission,
    GuardianshipAuthority,
    EducationDepartment,
    ContactCentre,
    Ngo,
    Other,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 17] = [
        Self::ChildRightsDepartment,
        Self::FamilySupportCentre,
        Self::MobileGroup,
        Self::PsychologicalSupportCentre,
        Self::School,
        Self::Health,
        Self::MentalHealthCentre,
        Self::YouthHealthCentre,
        Self::CrisisCentre,
        Self::AssistanceRoom,
        Self::Police,
        Self::Commission,
        Self::GuardianshipAuthority,
        Self::EducationDepartment,
        Self::ContactCentre,
        Self::Ngo,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChildRightsDepartment => "child_rights_department",
            Self::FamilySupportCentre => "family_support_centre",
            Self::MobileGroup => "mobile_group",
            Self::PsychologicalSupportCentre => "psychological_support_centre",
            Self::School => "school",
            Self::Health => "health",
            Self::MentalHealthCentre => "mental_health_centre",
            Self::YouthHealthCentre => "youth_health_centre",
            Self::CrisisCentre => "crisis_centre",
            Self::AssistanceRoom => "assistance_room",
            Self::Police => "police",
            Self::Commission => "commission",
            Self::GuardianshipAuthority => "guardianship_authority",
            Self::EducationDepartment => "education_department",
            Self::ContactCentre => "contact_centre",
            Self::Ngo => "ngo",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// Mobile groups and family-support centres (ОҚО) exist one per district (seed l. 229–232,
    /// 308–310): they cannot be created without one, or intake could not be routed to them.
    pub fn requires_district(self) -> bool {
        matches!(self, Self::MobileGroup | Self::FamilySupportCentre)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::from_code(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).expect("serialises"),
                kind.as_str()
            );
        }
        assert_eq!(OrganisationKind::from_code("bank"), None);
    }

    #[test]
    fn only_district_services_require_a_district() {
        let required: Vec<_> = OrganisationKind::ALL
            .into_iter()
            .filter(|k| k.requires_district())
            .collect();
        assert_eq!(
            required,
            [
                OrganisationKind::FamilySupportCentre,
                OrganisationKind::MobileGroup
            ]
        );
    }
}
