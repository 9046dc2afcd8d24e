//! Who may do what, where: the single authorisation table (brief § 5, "need to know").
//!
//! A rule is role × action → scope kind. Handlers never compare roles themselves: they ask
//! [`Actor::authorize`] about a record, or [`Actor::scope`] for the filter a list must apply.
//! A record outside the caller's scope is reported as *not found* (404), so that its existence
//! is not disclosed; an action the role may never take on a record it can see is *forbidden* (403).

use crate::ids::{OrganisationId, UserId};
use crate::role::Role;
use crate::taxonomy::Concern;

/// The authenticated caller, as the access token describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub organisation_id: OrganisationId,
    pub region_code: String,
    pub district_code: Option<String>,
}

/// Everything a caller can ask to do. Later features add their actions here and a row per
/// role in [`rule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    ViewGeography,
    ManageGeography,
    ViewOrganisations,
    CreateOrganisation,
    ViewUsers,
    CreateUser,
    FileSignal,
    ViewSignals,
    TriageSignal,
    ViewChildren,
    MergeChildren,
    ViewCases,
    WorkCase,
    AssignCase,
    DecidePlan,
    /// Supervision of a case: the supervisor's notes on it.
    SuperviseCase,
    EditChild,
    ViewReferrals,
    RespondReferral,
    DecideTransfer,
    /// Caseloads and overdue work of an area (brief § 6).
    ViewCaseload,
    /// Indicators (KPIs) of an area and period.
    ViewReports,
    /// De-identified counts with small cells suppressed.
    ViewAggregates,
    /// Records a staff member's child-rights training (seed indicator 2).
    RecordTraining,
    /// Read the audit log and a child's access log.
    ViewAudit,
    /// Open a case outside one's scope for a limited time, with a reason (break-glass).
    BreakGlass,
    /// Read the description, notes and assessment text of a case with a sensitive concern.
    ViewSensitive,
    /// The child's whole file — timeline, relations, address — beyond the short card.
    ViewChildFile,
    /// The mail outbox: what could not be delivered, to whom (operations).
    ViewOutbox,
    /// Deactivate and reactivate an account, reset its password, change its role or
    /// organisation.
    ManageUsers,
    /// Hand a user's open cases and their deadlines over to another case manager.
    HandOverCases,
    /// The child's whole file in one document (JSON or PDF), for a court or a subject-access
    /// request.
    ExportChildFile,
    /// The feed of domain events (`GET /api/v1/events`), as far as need-to-know reaches.
    ViewEvents,
    /// Webhook subscriptions: register, list, remove, and see their deliveries.
    ManageWebhooks,
}

impl Action {
    pub const ALL: [Action; 34] = [
        Action::ViewGeography,
        Action::ManageGeography,
        Action::ViewOrganisations,
        Action::CreateOrganisation,
        Action::ViewUsers,
        Action::CreateUser,
        Action::FileSignal,
        Action::ViewSignals,
        Action::TriageSignal,
        Action::ViewChildren,
        Action::MergeChildren,
        Action::ViewCases,
        Action::WorkCase,
        Action::AssignCase,
        Action::DecidePlan,
        Action::SuperviseCase,
        Action::EditChild,
        Action::ViewReferrals,
        Action::RespondReferral,
        Action::DecideTransfer,
        Action::ViewCaseload,
        Action::ViewReports,
        Action::ViewAggregates,
        Action::RecordTraining,
        Action::ViewAudit,
        Action::BreakGlass,
        Action::ViewSensitive,
        Action::ViewChildFile,
        Action::ViewOutbox,
        Action::ManageUsers,
        Action::HandOverCases,
        Action::ExportChildFile,
        Action::ViewEvents,
        Action::ManageWebhooks,
    ];
}

/// How far a permission reaches, before it is resolved for a particular caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Records the caller owns (e.g. is assigned to, or filed).
    Own,
    Organisation,
    District,
    Region,
    All,
}

/// The permission table. `None`: the role may never do it.
pub fn rule(role: Role, action: Action) -> Option<Reach> {
    use Action::*;
    use Role::*;
    match (action, role) {
        // Reference data everyone needs to fill forms.
        (ViewGeography | ViewOrganisations, _) => Some(Reach::All),
        (ManageGeography | CreateOrganisation | CreateUser, Admin) => Some(Reach::All),
        (ManageGeography | CreateOrganisation | CreateUser, _) => None,
        // Staff directories: supervisors assign across their region, others see colleagues.
        (ViewUsers, Admin) => Some(Reach::All),
        (ViewUsers, Supervisor) => Some(Reach::Region),
        // A system filing signals has no use for the staff directory.
        (ViewUsers, Integration) => None,
        (ViewUsers, _) => Some(Reach::Organisation),
        // Signals: anyone who meets children in the field or runs cases may file one (api.md).
        // Which sources each may file as is `filing::may_file_as`.
        (
            FileSignal,
            Admin | MobileGroupMember | IntakeCoordinator | CaseManager | Supervisor | Integration,
        ) => Some(Reach::All),
        (FileSignal, Specialist | Analyst) => None,
        // The district's queue for intake; a region for its supervisor; filers follow what they
        // filed ("own" = filed by them) — an administrator too (e.g. an integration account),
        // since administrators run the system, not children's files.
        (ViewSignals, Admin) => Some(Reach::Own),
        (ViewSignals, Supervisor) => Some(Reach::Region),
        (ViewSignals, IntakeCoordinator) => Some(Reach::District),
        (ViewSignals, MobileGroupMember | CaseManager | Integration) => Some(Reach::Own),
        (ViewSignals, Specialist | Analyst) => None,
        (TriageSignal, IntakeCoordinator) => Some(Reach::District),
        (TriageSignal, Supervisor) => Some(Reach::Region),
        (TriageSignal, _) => None,
        // Children's records: need to know (brief § 5). "Own" for a case manager = the child's
        // case is assigned to them. Administrators manage the system, not children's files.
        (ViewChildren, Supervisor) => Some(Reach::Region),
        (ViewChildren, IntakeCoordinator) => Some(Reach::District),
        (ViewChildren, CaseManager) => Some(Reach::Own),
        (ViewChildren, _) => None,
        (MergeChildren, Supervisor) => Some(Reach::Region),
        (MergeChildren, _) => None,
        // Cases: the assigned case manager and the region's supervisor (brief § 5).
        (ViewCases | WorkCase, CaseManager) => Some(Reach::Own),
        (ViewCases | WorkCase, Supervisor) => Some(Reach::Region),
        (ViewCases | WorkCase, _) => None,
        (AssignCase | DecidePlan, Supervisor) => Some(Reach::Region),
        (AssignCase | DecidePlan, _) => None,
        // Supervision notes are the regional head's (issue 20); contact notes and flags are
        // the case team's (`WorkCase`).
        (SuperviseCase, Supervisor) => Some(Reach::Region),
        (SuperviseCase, _) => None,
        // Family and relations of a child: those who work the child's case.
        (EditChild, CaseManager) => Some(Reach::Own),
        (EditChild, Supervisor) => Some(Reach::Region),
        (EditChild, _) => None,
        // Referrals: the receiving organisation's queue for its specialists; the case team's.
        (ViewReferrals, Specialist) => Some(Reach::Organisation),
        (ViewReferrals, CaseManager) => Some(Reach::Own),
        (ViewReferrals, Supervisor) => Some(Reach::Region),
        (ViewReferrals, _) => None,
        (RespondReferral, Specialist) => Some(Reach::Organisation),
        (RespondReferral, _) => None,
        // A transfer is accepted or declined by the supervisor of the receiving region.
        (DecideTransfer, Supervisor) => Some(Reach::Region),
        (DecideTransfer, _) => None,
        // The audit log: the region's supervisor reviews it; administrators, for the whole
        // system, see who did what — entries name records, never their contents.
        (ViewAudit, Admin) => Some(Reach::All),
        (ViewAudit, Supervisor) => Some(Reach::Region),
        (ViewAudit, _) => None,
        // Break-glass reaches any region's case; it is flagged and reviewed there.
        (BreakGlass, Supervisor) => Some(Reach::All),
        (BreakGlass, _) => None,
        // Sensitive concerns (brief § 5): the assigned case manager, the supervisor, and the
        // specialists of an organisation holding an active referral (checked by the caller).
        (ViewSensitive, CaseManager) => Some(Reach::Own),
        (ViewSensitive, Supervisor) => Some(Reach::Region),
        (ViewSensitive, Specialist) => Some(Reach::Organisation),
        (ViewSensitive, _) => None,
        // Brief § 5: intake sees "the short card of a matched child"; the file is for the team.
        (ViewChildFile, CaseManager) => Some(Reach::Own),
        (ViewChildFile, Supervisor) => Some(Reach::Region),
        (ViewChildFile, _) => None,
        // Supervision is the regional head's tool. Administrators run the system, not the
        // casework, and the click-through lists behind each count are cases they cannot open.
        (ViewCaseload, Supervisor) => Some(Reach::Region),
        (ViewCaseload, _) => None,
        // Indicators and de-identified counts: the region's supervisor, and analysts of the
        // national bodies (ministry, commissioner) for the whole country. Analysts get small
        // counts suppressed (`report::Disclosure`).
        (ViewReports | ViewAggregates, Supervisor) => Some(Reach::Region),
        (ViewReports | ViewAggregates, Analyst) => Some(Reach::All),
        (ViewReports | ViewAggregates, _) => None,
        // Training records are staff data: the administrator, or the supervisor for the staff
        // of their region.
        (RecordTraining, Admin) => Some(Reach::All),
        (RecordTraining, Supervisor) => Some(Reach::Region),
        (RecordTraining, _) => None,
        // Staff addresses and delivery errors: the administrator's, who fixes them.
        (ViewOutbox, Admin) => Some(Reach::All),
        (ViewOutbox, _) => None,
        // Accounts are the administrator's: deactivation, password resets, role and place.
        (ManageUsers, Admin) => Some(Reach::All),
        (ManageUsers, _) => None,
        // A hand-over moves cases: the administrator who deactivates the account, or the
        // supervisor who assigns the region's cases anyway.
        (HandOverCases, Admin) => Some(Reach::All),
        (HandOverCases, Supervisor) => Some(Reach::Region),
        (HandOverCases, _) => None,
        // A file leaves the system only through the regional head, who answers for it
        // (issue 20: "supervisor").
        (ExportChildFile, Supervisor) => Some(Reach::Region),
        (ExportChildFile, _) => None,
        // The event feed (issue 23, docs/integration.md): a supervisor her region, intake its
        // district, a case manager the cases assigned to her ("own"), an integration account
        // the status events of the signals it filed ("own"). Analysts work with de-identified
        // counts, administrators run the system: neither reads events about children.
        (ViewEvents, Supervisor) => Some(Reach::Region),
        (ViewEvents, IntakeCoordinator) => Some(Reach::District),
        (ViewEvents, CaseManager | Integration) => Some(Reach::Own),
        (ViewEvents, _) => None,
        // Subscriptions are configuration: the administrator's, who decides which system
        // receives which account's (or region's) events.
        (ManageWebhooks, Admin) => Some(Reach::All),
        (ManageWebhooks, _) => None,
    }
}

/// A permission resolved for one caller: the filter a list query applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Own(UserId),
    Organisation(OrganisationId),
    District(String),
    Region(String),
    All,
}

/// Where a record sits, as far as access is concerned. Unknown parts are `None` and never match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location<'a> {
    pub owner: Option<UserId>,
    pub organisation: Option<OrganisationId>,
    pub region: Option<&'a str>,
    pub district: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("your role may not do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
}

impl Actor {
    /// The filter for listing records on which the caller may take `action`; `Forbidden` when
    /// the role may never take it.
    pub fn scope(&self, action: Action) -> Result<Scope, Denied> {
        let reach = rule(self.role, action).ok_or(Denied::Forbidden)?;
        Ok(match reach {
            Reach::All => Scope::All,
            Reach::Region => Scope::Region(self.region_code.clone()),
            // An organisation without a district (a regional body) narrows to itself rather
            // than widening to its region.
            Reach::District => match &self.district_code {
                Some(d) => Scope::District(d.clone()),
                None => Scope::Organisation(self.organisation_id),
            },
            Reach::Organisation => Scope::Organisation(self.organisation_id),
            Reach::Own => Scope::Own(self.user_id),
        })
    }

    /// May the caller read the free text (description, notes) of a record at `at` whose
    /// concerns are `concerns`? Always, unless one is sensitive (brief § 5); then only the
    /// assigned case manager, the region's supervisor and an organisation with an active
    /// referral (the caller puts it in `at`). A stored code that is no concern counts as
    /// sensitive: a corrupt value must not open the text to more readers.
    pub fn may_read_text<'c>(
        &self,
        concerns: impl IntoIterator<Item = &'c str>,
        at: &Location<'_>,
    ) -> bool {
        let sensitive = concerns
            .into_iter()
            .any(|c| Concern::from_code(c).is_none_or(Concern::is_sensitive));
        !sensitive || self.authorize(Action::ViewSensitive, at).is_ok()
    }

    /// May the caller take `action` on the record at `at`? `NotFound` when it is out of scope
    /// — and when the role may never take it: a record's existence is not disclosed to a
    /// caller who may not know of it, so a real id and a random one answer alike (issue 17,
    /// finding 8). A caller who may see the record but not do this to it is told `Forbidden`
    /// by [`Actor::permit`].
    pub fn authorize(&self, action: Action, at: &Location<'_>) -> Result<(), Denied> {
        match self.scope(action) {
            Ok(scope) if scope.contains(at) => Ok(()),
            _ => Err(Denied::NotFound),
        }
    }

    /// For a record the caller may already see: may they also take `action` on it?
    /// `Forbidden` if not, wherever the reason lies (role or reach).
    pub fn permit(&self, action: Action, at: &Location<'_>) -> Result<(), Denied> {
        self.authorize(action, at).map_err(|_| Denied::Forbidden)
    }
}

impl Scope {
    pub fn contains(&self, at: &Location<'_>) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(r) => at.region == Some(r.as_str()),
            Scope::District(d) => at.district == Some(d.as_str()),
            Scope::Organisation(o) => at.organisation == Some(*o),
            Scope::Own(u) => at.owner == Some(*u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: UserId::new(),
            role,
            organisation_id: OrganisationId::new(),
            region_code: "KZ-71".into(),
            district_code: Some("KZ-71-01".into()),
        }
    }

    #[test]
    fn sensitive_text_is_for_the_assignee_and_the_supervisor_only() {
        let manager = actor(Role::CaseManager);
        let supervisor = actor(Role::Supervisor);
        let intake = actor(Role::IntakeCoordinator);
        let at = Location {
            owner: Some(manager.user_id),
            region: Some("KZ-71"),
            district: Some("KZ-71-01"),
            ..Location::default()
        };
        for reader in [&manager, &supervisor, &intake] {
            assert!(
                reader.may_read_text(["neglect"], &at),
                "ordinary concerns are readable"
            );
        }
        for sensitive in ["violence_sexual", "suicide_risk", "early_pregnancy"] {
            assert!(manager.may_read_text(["neglect", sensitive], &at));
            assert!(supervisor.may_read_text([sensitive], &at));
            assert!(!intake.may_read_text([sensitive], &at), "{sensitive}");
            assert!(
                !actor(Role::CaseManager).may_read_text([sensitive], &at),
                "not assigned"
            );
            assert!(!actor(Role::MobileGroupMember).may_read_text([sensitive], &at));
            assert!(!actor(Role::Admin).may_read_text([sensitive], &at));
        }
        // A corrupt stored concern is kept from those who may not read sensitive text.
        assert!(!intake.may_read_text(["neglect", "not_a_concern"], &at));
        assert!(manager.may_read_text(["not_a_concern"], &at));
    }

    #[test]
    fn intake_sees_the_short_card_the_team_the_file() {
        use Action::{ViewChildFile, ViewChildren};
        assert_eq!(
            rule(Role::IntakeCoordinator, ViewChildren),
            Some(Reach::District)
        );
        assert_eq!(rule(Role::IntakeCoordinator, ViewChildFile), None);
        assert_eq!(rule(Role::CaseManager, ViewChildFile), Some(Reach::Own));
        assert_eq!(rule(Role::Supervisor, ViewChildFile), Some(Reach::Region));
        for role in [
            Role::Admin,
            Role::MobileGroupMember,
            Role::Specialist,
            Role::Analyst,
        ] {
            assert_eq!(rule(role, ViewChildFile), None, "{role:?}");
        }
    }

    #[test]
    fn only_admin_creates_users_organisations_and_districts() {
        for role in Role::ALL {
            for action in [
                Action::CreateUser,
                Action::CreateOrganisation,
                Action::ManageGeography,
            ] {
                let allowed = actor(role).scope(action).is_ok();
                assert_eq!(allowed, role == Role::Admin, "{role} {action:?}");
            }
        }
    }

    #[test]
    fn every_role_reads_reference_data() {
        for role in Role::ALL {
            assert_eq!(actor(role).scope(Action::ViewGeography), Ok(Scope::All));
            assert_eq!(actor(role).scope(Action::ViewOrganisations), Ok(Scope::All));
        }
    }

    #[test]
    fn signal_and_child_access_follows_need_to_know() {
        let intake = actor(Role::IntakeCoordinator);
        assert_eq!(
            intake.scope(Action::TriageSignal),
            Ok(Scope::District("KZ-71-01".into()))
        );
        assert_eq!(
            intake.scope(Action::ViewChildren),
            Ok(Scope::District("KZ-71-01".into()))
        );
        let mobile = actor(Role::MobileGroupMember);
        assert_eq!(
            mobile.scope(Action::ViewSignals),
            Ok(Scope::Own(mobile.user_id))
        );
        assert_eq!(mobile.scope(Action::TriageSignal), Err(Denied::Forbidden));
        for role in [
            Role::Admin,
            Role::Analyst,
            Role::Specialist,
            Role::MobileGroupMember,
        ] {
            assert_eq!(
                actor(role).scope(Action::ViewChildren),
                Err(Denied::Forbidden),
                "{role}"
            );
        }
        for role in Role::ALL {
            let may_merge = actor(role).scope(Action::MergeChildren).is_ok();
            assert_eq!(may_merge, role == Role::Supervisor, "{role}");
        }
    }

    #[test]
    fn specialists_reach_referrals_of_their_organisation_only() {
        let specialist = actor(Role::Specialist);
        assert_eq!(
            specialist.scope(Action::ViewReferrals),
            Ok(Scope::Organisation(specialist.organisation_id))
        );
        assert!(specialist.scope(Action::RespondReferral).is_ok());
        for action in [Action::ViewCases, Action::ViewChildren, Action::WorkCase] {
            assert_eq!(
                specialist.scope(action),
                Err(Denied::Forbidden),
                "{action:?}"
            );
        }
        assert_eq!(
            actor(Role::CaseManager).scope(Action::RespondReferral),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn an_integration_account_files_and_follows_its_own_signals_only() {
        let system = actor(Role::Integration);
        assert_eq!(system.scope(Action::FileSignal), Ok(Scope::All));
        assert_eq!(
            system.scope(Action::ViewSignals),
            Ok(Scope::Own(system.user_id))
        );
        for action in Action::ALL {
            let allowed = system.scope(action).is_ok();
            let expected = matches!(
                action,
                Action::FileSignal
                    | Action::ViewSignals
                    | Action::ViewGeography
                    | Action::ViewOrganisations
                    // The status events of its own signals (`qorgau_app::events`).
                    | Action::ViewEvents
            );
            assert_eq!(allowed, expected, "{action:?}");
        }
    }

    #[test]
    fn user_directory_is_scoped() {
        let sup = actor(Role::Supervisor);
        assert_eq!(
            sup.scope(Action::ViewUsers),
            Ok(Scope::Region("KZ-71".into()))
        );
        let cm = actor(Role::CaseManager);
        assert_eq!(
            cm.scope(Action::ViewUsers),
            Ok(Scope::Organisation(cm.organisation_id))
        );
    }

    #[test]
    fn out_of_scope_is_not_found_not_forbidden() {
        let sup = actor(Role::Supervisor);
        let elsewhere = Location {
            region: Some("KZ-75"),
            ..Location::default()
        };
        let here = Location {
            region: Some("KZ-71"),
            ..Location::default()
        };
        assert_eq!(
            sup.authorize(Action::ViewUsers, &elsewhere),
            Err(Denied::NotFound)
        );
        assert_eq!(sup.authorize(Action::ViewUsers, &here), Ok(()));
        // A record the role may never reach answers like a missing one (issue 17, finding 8);
        // on a record the caller can see, a forbidden action is forbidden.
        assert_eq!(
            sup.authorize(Action::CreateUser, &here),
            Err(Denied::NotFound)
        );
        assert_eq!(
            sup.permit(Action::CreateUser, &here),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            sup.permit(Action::ViewUsers, &elsewhere),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn supervision_and_reports_follow_need_to_know() {
        let sup = actor(Role::Supervisor);
        let own = Scope::Region("KZ-71".into());
        for action in [
            Action::ViewCaseload,
            Action::ViewReports,
            Action::ViewAggregates,
            Action::RecordTraining,
        ] {
            assert_eq!(sup.scope(action), Ok(own.clone()), "{action:?}");
        }
        let analyst = actor(Role::Analyst);
        assert_eq!(analyst.scope(Action::ViewReports), Ok(Scope::All));
        assert_eq!(analyst.scope(Action::ViewAggregates), Ok(Scope::All));
        assert_eq!(analyst.scope(Action::ViewCaseload), Err(Denied::Forbidden));
        assert_eq!(
            actor(Role::Admin).scope(Action::RecordTraining),
            Ok(Scope::All)
        );
        for role in [
            Role::Admin,
            Role::MobileGroupMember,
            Role::IntakeCoordinator,
            Role::CaseManager,
            Role::Specialist,
        ] {
            for action in [
                Action::ViewCaseload,
                Action::ViewReports,
                Action::ViewAggregates,
            ] {
                assert_eq!(
                    actor(role).scope(action),
                    Err(Denied::Forbidden),
                    "{role} {action:?}"
                );
            }
        }
        for role in [Role::CaseManager, Role::Analyst, Role::IntakeCoordinator] {
            assert_eq!(
                actor(role).scope(Action::RecordTraining),
                Err(Denied::Forbidden),
                "{role}"
            );
        }
    }

    #[test]
    fn only_the_regions_supervisor_supervises_a_case() {
        for role in Role::ALL {
            let expected = (role == Role::Supervisor).then_some(Reach::Region);
            assert_eq!(rule(role, Action::SuperviseCase), expected, "{role}");
        }
    }

    #[test]
    fn unknown_location_parts_never_match() {
        let scopes = [
            Scope::Region("KZ-71".into()),
            Scope::District("KZ-71-01".into()),
            Scope::Organisation(OrganisationId::new()),
            Scope::Own(UserId::new()),
        ];
        for s in scopes {
            assert!(!s.contains(&Location::default()), "{s:?}");
        }
        assert!(Scope::All.contains(&Location::default()));
    }
}
