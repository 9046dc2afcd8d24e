//! The roles of Qorgau's users: the seven people of brief § 1, and the integration accounts
//! through which other systems (the 111 contact centre, school diagnostics, CCTV analytics) file
//! signals (issue 17, finding 1).

crate::code_enum! {
    pub enum Role {
        Admin = "admin",
        MobileGroupMember = "mobile_group_member",
        IntakeCoordinator = "intake_coordinator",
        CaseManager = "case_manager",
        Specialist = "specialist",
        Supervisor = "supervisor",
        Analyst = "analyst",
        /// Another system filing signals for its organisation: files and follows its own signals,
        /// as the sources its organisation's kind stands for (`filing::sources_of`), nothing else.
        Integration = "integration",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.as_str()), Some(role));
            let json = serde_json::to_value(role).expect("serialises");
            assert_eq!(json, role.as_str());
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
