//! Every vocabulary of codes the domain declares (`code_enum!`), by name: what a catalogue of
//! labels must cover in each language (`qorgau_api::labels`, `GET /api/v1/labels`). A test
//! reads this crate's sources and fails when a `code_enum!` is missing here, so a new
//! vocabulary cannot go unlabelled; the catalogue's own test then fails for each of its codes.

/// One vocabulary: its name in the catalogue, and its codes in listing order (`ALL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    pub name: &'static str,
    /// The Rust type's name (`Concern`), for the completeness test.
    pub type_name: &'static str,
    pub codes: Vec<&'static str>,
}

macro_rules! vocabularies {
    ($($name:literal => $ty:ty),+ $(,)?) => {
        /// Every vocabulary, in the order the catalogue lists them.
        pub fn all() -> Vec<Vocabulary> {
            vec![$(Vocabulary {
                name: $name,
                type_name: short_name(std::any::type_name::<$ty>()),
                codes: <$ty>::ALL.iter().map(|v| v.as_str()).collect(),
            }),+]
        }
    };
}

fn short_name(path: &'static str) -> &'static str {
    path.rsplit("::").next().unwrap_or(path)
}

vocabularies! {
    "role" => crate::role::Role,
    "concern" => crate::taxonomy::Concern,
    "signal_source" => crate::taxonomy::SignalSource,
    "risk_level" => crate::taxonomy::RiskLevel,
    "signal_status" => crate::signal::SignalStatus,
    "triage_decision" => crate::triage::Decision,
    "case_status" => crate::case::CaseStatus,
    "transfer_status" => crate::case::TransferStatus,
    "closure_reason" => crate::lifecycle::ClosureReason,
    "follow_up_outcome" => crate::lifecycle::FollowUpOutcome,
    "assessment_kind" => crate::assessment::AssessmentKind,
    "assessment_domain" => crate::assessment::AssessmentDomain,
    "need_level" => crate::assessment::NeedLevel,
    "assistance_kind" => crate::plan::AssistanceKind,
    "plan_status" => crate::plan::PlanStatus,
    "plan_review_decision" => crate::plan::PlanReviewDecision,
    "intervention_kind" => crate::intervention::InterventionKind,
    "referral_status" => crate::referral::ReferralStatus,
    "referral_kind" => crate::referral::ReferralKind,
    "override_basis" => crate::referral::OverrideBasis,
    "deadline_kind" => crate::protocol::DeadlineKind,
    "deadline_status" => crate::deadline::DeadlineStatus,
    "clock_start" => crate::protocol::ClockStart,
    "route_action" => crate::protocol::RouteAction,
    "measure_status" => crate::interagency::MeasureStatus,
    "placement_type" => crate::interagency::PlacementType,
    "placement_end_reason" => crate::interagency::PlacementEndReason,
    "interview_present" => crate::interagency::Present,
    "family_relation" => crate::family::FamilyRelation,
    "sex" => crate::iin::Sex,
    "note_kind" => crate::case_file::NoteKind,
    "flag_kind" => crate::case_file::FlagKind,
    "document_kind" => crate::document::DocumentKind,
    "media_type" => crate::document::MediaType,
    "organisation_kind" => crate::organisation::OrganisationKind,
    "task_kind" => crate::task::TaskKind,
    "notification_kind" => crate::notification::NotificationKind,
    "event_type" => crate::event::EventType,
    "email_preference" => crate::notification::EmailPreference,
    "mail" => crate::notification::Mail,
    "timeline_kind" => crate::timeline::TimelineKind,
    "session_revocation" => crate::account::SessionRevocation,
    "identity_field" => crate::merge::IdentityField,
    "moved_record" => crate::merge::MovedRecord,
    "report_dimension" => crate::report::aggregate::Dimension,
    "age_band" => crate::report::aggregate::AgeBand,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The enums declared with `code_enum!` in the crate's sources (outside `code.rs`, the
    /// macro's home, whose examples and tests declare their own).
    fn declared(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("source directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                declared(&path, found);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") || path.ends_with("code.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            let lines: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            for (i, line) in lines.iter().enumerate() {
                let line = line.trim();
                if line != "crate::code_enum! {" && line != "code_enum! {" {
                    continue;
                }
                let name = lines[i + 1..]
                    .iter()
                    .find_map(|l| l.trim().split("enum ").nth(1))
                    .and_then(|r| r.split(|c: char| !c.is_alphanumeric()).next())
                    .expect("an enum after code_enum!");
                found.insert(name.to_string());
            }
        }
    }

    #[test]
    fn every_code_enum_of_the_domain_is_listed() {
        let mut found = BTreeSet::new();
        declared(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        let listed: BTreeSet<String> = all().iter().map(|v| v.type_name.to_string()).collect();
        let missing: Vec<_> = found.difference(&listed).collect();
        assert!(missing.is_empty(), "add to vocabulary::all(): {missing:?}");
        assert_eq!(found.len(), listed.len(), "{found:?} vs {listed:?}");
    }

    #[test]
    fn names_are_unique_and_every_vocabulary_has_codes() {
        let all = all();
        let names: BTreeSet<_> = all.iter().map(|v| v.name).collect();
        assert_eq!(names.len(), all.len());
        assert!(all.iter().all(|v| !v.codes.is_empty()));
        let concern = all.iter().find(|v| v.name == "concern").expect("concern");
        assert_eq!(concern.type_name, "Concern");
        assert_eq!(concern.codes[0], "violence_physical");
    }
}
