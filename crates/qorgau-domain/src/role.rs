//! The roles of Qorgau's users: the seven people of brief § 1, and the integration accounts
//! through which other systems (the 111 contact centre, school diagnostics, CCTV analytics) file
//! signals (issue 17, finding 1).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    MobileGroupMember,
    IntakeCoordinator,
    CaseManager,
    Specialist,
    Supervisor,
    Analyst,
    /// Another system filing signals for its organisation: files and follows its own signals,
    /// as the sources its organisation's kind stands for (`filing::sources_of`), nothing else.
    Integration,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::MobileGroupMember,
        Role::IntakeCoordinator,
        Role::CaseManager,
        Role::Specialist,
        Role::Supervisor,
        Role::Analyst,
        Role::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::MobileGroupMember => "mobile_group_member",
            Role::IntakeCoordinator => "intake_coordinator",
            Role::CaseManager => "case_manager",
            Role::Specialist => "specialist",
            Role::Supervisor => "supervisor",
            Role::Analyst => "analyst",
            Role::Integration => "integration",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
