//! Organisation kinds (api.md § Geography, organisations, users) and the rules on where each sits.

crate::code_enum! {
    pub enum OrganisationKind {
        ChildRightsDepartment = "child_rights_department",
        FamilySupportCentre = "family_support_centre",
        MobileGroup = "mobile_group",
        PsychologicalSupportCentre = "psychological_support_centre",
        School = "school",
        Health = "health",
        MentalHealthCentre = "mental_health_centre",
        YouthHealthCentre = "youth_health_centre",
        CrisisCentre = "crisis_centre",
        AssistanceRoom = "assistance_room",
        Police = "police",
        Commission = "commission",
        GuardianshipAuthority = "guardianship_authority",
        EducationDepartment = "education_department",
        ContactCentre = "contact_centre",
        Ngo = "ngo",
        Other = "other",
    }
}

impl OrganisationKind {
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
