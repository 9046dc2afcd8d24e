//! The seven roles of Qorgau's users (brief § 1).

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
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::MobileGroupMember,
        Role::IntakeCoordinator,
        Role::CaseManager,
        Role::Specialist,
        Role::Supervisor,
        Role::Analyst,
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
