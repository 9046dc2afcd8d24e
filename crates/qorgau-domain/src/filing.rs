//! Who may file a signal as which source, and what a second report with the same source and
//! `external_ref` does (issue 17, finding 1).
//!
//! A source is a claim about where a report came from, and triage weighs it: a call logged by
//! the 111 contact centre is not a neighbour's word passed on by a mobile group. So a source is
//! bound to the accounts that may use it:
//!
//! - a mobile-group member files as `mobile_group`;
//! - an integration account files as the sources its organisation's kind stands for (the 111
//!   contact centre's account as `contact_centre_111` and `qr_111`, a school-diagnostics
//!   platform as `school_diagnostics`, the police's video analytics as `cctv_ai`…);
//! - staff who take reports by phone or in person (intake, case managers, supervisors,
//!   administrators) file as any source but those that only arrive through an integration.
//!
//! An `external_ref` is the filer's own reference, so only the account that filed a signal —
//! or another integration account of the same channel, e.g. after a key rotation — may send it
//! again. Until triage the new version replaces the old one; after triage it is kept beside
//! the signal as a later report, because triage decided on what it read.

use crate::organisation::OrganisationKind;
use crate::role::Role;
use crate::taxonomy::SignalSource;

/// Sources that reach Qorgau only through another system's integration account.
const THROUGH_INTEGRATION: [SignalSource; 4] = [
    SignalSource::ContactCentre111,
    SignalSource::Qr111,
    SignalSource::SchoolDiagnostics,
    SignalSource::CctvAi,
];

/// The sources an integration account of an organisation of `kind` files as.
pub fn sources_of(kind: OrganisationKind) -> &'static [SignalSource] {
    use OrganisationKind as K;
    use SignalSource as S;
    match kind {
        K::ContactCentre => &[S::ContactCentre111, S::Qr111],
        K::School | K::EducationDepartment => &[S::School, S::SchoolDiagnostics],
        K::Police => &[S::Police, S::CctvAi],
        K::Health | K::MentalHealthCentre | K::YouthHealthCentre => &[S::Health],
        K::Commission => &[S::Commission],
        _ => &[S::Other],
    }
}

/// May an account of `role` in an organisation of `kind` file a signal as `source`?
pub fn may_file_as(role: Role, kind: OrganisationKind, source: SignalSource) -> bool {
    match role {
        Role::MobileGroupMember => source == SignalSource::MobileGroup,
        Role::Integration => sources_of(kind).contains(&source),
        Role::Admin | Role::IntakeCoordinator | Role::CaseManager | Role::Supervisor => {
            !THROUGH_INTEGRATION.contains(&source)
        }
        Role::Specialist | Role::Analyst => false,
    }
}

/// What a report with the `source` + `external_ref` of an existing signal does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// Not triaged yet: the signal takes the new content.
    Replace,
    /// Triaged: the signal stays as triage read it; the report is kept beside it and the
    /// people working it are told.
    LaterReport,
    /// Someone else's reference: refused, and nothing of the signal is disclosed.
    NotYours,
}

/// The filer of the existing signal, as far as a resend is concerned.
pub struct Filer {
    pub is_caller: bool,
    /// Role and organisation kind of the signal's filer.
    pub role: Role,
    pub kind: OrganisationKind,
}

/// Decides a resend by the caller (`role` in an organisation of `kind`) of a signal filed by
/// `filer`, triaged or not.
pub fn resend(role: Role, kind: OrganisationKind, filer: &Filer, triaged: bool) -> Resend {
    let same_channel = role == Role::Integration
        && filer.role == Role::Integration
        && sources_of(kind) == sources_of(filer.kind);
    if !(filer.is_caller || same_channel) {
        Resend::NotYours
    } else if triaged {
        Resend::LaterReport
    } else {
        Resend::Replace
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mobile_group_member_files_as_the_mobile_group_only() {
        for source in SignalSource::ALL {
            assert_eq!(
                may_file_as(
                    Role::MobileGroupMember,
                    OrganisationKind::MobileGroup,
                    source
                ),
                source == SignalSource::MobileGroup,
                "{source}"
            );
        }
    }

    #[test]
    fn the_111_channel_is_the_contact_centres_integration_only() {
        for role in Role::ALL {
            for kind in OrganisationKind::ALL {
                let allowed = may_file_as(role, kind, SignalSource::ContactCentre111);
                assert_eq!(
                    allowed,
                    role == Role::Integration && kind == OrganisationKind::ContactCentre,
                    "{role} {kind:?}"
                );
            }
        }
    }

    #[test]
    fn staff_file_what_they_are_told_in_person() {
        for role in [Role::IntakeCoordinator, Role::Supervisor] {
            let k = OrganisationKind::FamilySupportCentre;
            assert!(may_file_as(role, k, SignalSource::School));
            assert!(may_file_as(role, k, SignalSource::SelfReferral));
            assert!(!may_file_as(role, k, SignalSource::CctvAi));
        }
        assert!(!may_file_as(
            Role::Specialist,
            OrganisationKind::School,
            SignalSource::School
        ));
    }

    #[test]
    fn a_resend_is_the_filers_and_after_triage_a_later_report() {
        let by = |is_caller, role, kind| Filer {
            is_caller,
            role,
            kind,
        };
        let centre = OrganisationKind::ContactCentre;
        let mobile = (Role::MobileGroupMember, OrganisationKind::MobileGroup);
        let own = by(true, mobile.0, mobile.1);
        assert_eq!(resend(mobile.0, mobile.1, &own, false), Resend::Replace);
        assert_eq!(resend(mobile.0, mobile.1, &own, true), Resend::LaterReport);
        let peer = by(false, mobile.0, mobile.1);
        assert_eq!(resend(mobile.0, mobile.1, &peer, false), Resend::NotYours);
        // A second account of the same channel (a rotated key) may resend; another may not.
        let other_111 = by(false, Role::Integration, centre);
        assert_eq!(
            resend(Role::Integration, centre, &other_111, true),
            Resend::LaterReport
        );
        let police = OrganisationKind::Police;
        assert_eq!(
            resend(Role::Integration, police, &other_111, false),
            Resend::NotYours
        );
    }
}
