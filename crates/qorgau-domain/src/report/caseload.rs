//! Caseloads (brief § 6): per case manager, the open cases by risk and by status, the cases with
//! a lapsed deadline, the children not seen within the protocol's first-contact limit and the
//! overdue work items, the flagged cases per flag; plus what nobody holds yet — unassigned
//! cases and untriaged signals.

use std::collections::BTreeMap;

use crate::case::CaseStatus;
use crate::case_file::FlagKind;
use crate::taxonomy::RiskLevel;

/// Every status but `closed`, in lifecycle order.
pub const OPEN_STATUSES: [CaseStatus; 6] = [
    CaseStatus::Intake,
    CaseStatus::Assessment,
    CaseStatus::Planning,
    CaseStatus::InProgress,
    CaseStatus::Monitoring,
    CaseStatus::ClosureRequested,
];

/// Open cases of one assignee (or none) in one status at one risk level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCases {
    pub assignee: Option<String>,
    pub status: CaseStatus,
    pub risk_level: RiskLevel,
    pub count: i64,
}

/// What storage counts, one query per family whatever the number of managers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseloadFacts {
    /// (user id, full name): the area's active case managers and anyone else holding a counted
    /// case.
    pub people: Vec<(String, String)>,
    pub open_cases: Vec<OpenCases>,
    /// Cases (any status) with at least one lapsed pending deadline, per assignee.
    pub overdue_cases: Vec<(Option<String>, i64)>,
    /// Open cases whose child has not been seen although the first-contact deadline lapsed.
    pub without_contact: Vec<(Option<String>, i64)>,
    /// Lapsed deadlines plus overdue commission measures, per assignee of their case.
    pub overdue_items: Vec<(Option<String>, i64)>,
    /// Open cases with an active flag, per assignee and flag.
    pub flagged: Vec<(Option<String>, FlagKind, i64)>,
    pub signals_awaiting_triage: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagerLoad {
    pub user_id: String,
    pub full_name: String,
    pub open_cases: i64,
    /// Every risk level, most severe first.
    pub by_risk: Vec<(RiskLevel, i64)>,
    /// Every open status, in lifecycle order.
    pub by_status: Vec<(CaseStatus, i64)>,
    pub overdue_cases: i64,
    pub without_contact: i64,
    pub overdue_items: i64,
    /// Open cases with an active flag, for every flag kind.
    pub flagged: Vec<(FlagKind, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caseload {
    /// By name, then id.
    pub managers: Vec<ManagerLoad>,
    pub unassigned_cases: i64,
    /// Open cases of the area with an active flag (assigned or not), for every flag kind.
    pub flagged: Vec<(FlagKind, i64)>,
    pub signals_awaiting_triage: i64,
}

impl ManagerLoad {
    fn new(user_id: String, full_name: String) -> Self {
        ManagerLoad {
            user_id,
            full_name,
            open_cases: 0,
            by_risk: RiskLevel::ALL.iter().map(|r| (*r, 0)).collect(),
            by_status: OPEN_STATUSES.iter().map(|s| (*s, 0)).collect(),
            overdue_cases: 0,
            without_contact: 0,
            overdue_items: 0,
            flagged: no_flags(),
        }
    }
}

/// Every flag kind, counted zero.
fn no_flags() -> Vec<(FlagKind, i64)> {
    FlagKind::ALL.iter().map(|k| (*k, 0)).collect()
}

fn add_flagged(counts: &mut [(FlagKind, i64)], kind: FlagKind, n: i64) {
    if let Some(slot) = counts.iter_mut().find(|(k, _)| *k == kind) {
        slot.1 += n;
    }
}

/// Puts the counts together per manager. Managers without cases are listed with zeros: a
/// supervisor balancing caseloads needs to see who has room.
pub fn assemble(facts: CaseloadFacts) -> Caseload {
    let mut managers: BTreeMap<String, ManagerLoad> = facts
        .people
        .into_iter()
        .map(|(id, name)| (id.clone(), ManagerLoad::new(id, name)))
        .collect();
    let mut unassigned_cases = 0;
    for row in facts.open_cases {
        let Some(m) = load(&mut managers, row.assignee) else {
            unassigned_cases += row.count;
            continue;
        };
        m.open_cases += row.count;
        if let Some(slot) = m.by_risk.iter_mut().find(|(r, _)| *r == row.risk_level) {
            slot.1 += row.count;
        }
        if let Some(slot) = m.by_status.iter_mut().find(|(s, _)| *s == row.status) {
            slot.1 += row.count;
        }
    }
    for (assignee, n) in facts.overdue_cases {
        if let Some(m) = load(&mut managers, assignee) {
            m.overdue_cases += n;
        }
    }
    for (assignee, n) in facts.without_contact {
        if let Some(m) = load(&mut managers, assignee) {
            m.without_contact += n;
        }
    }
    for (assignee, n) in facts.overdue_items {
        if let Some(m) = load(&mut managers, assignee) {
            m.overdue_items += n;
        }
    }
    let mut flagged = no_flags();
    for (assignee, kind, n) in facts.flagged {
        add_flagged(&mut flagged, kind, n);
        if let Some(m) = load(&mut managers, assignee) {
            add_flagged(&mut m.flagged, kind, n);
        }
    }
    let mut managers: Vec<ManagerLoad> = managers.into_values().collect();
    managers.sort_by(|a, b| {
        a.full_name
            .cmp(&b.full_name)
            .then(a.user_id.cmp(&b.user_id))
    });
    Caseload {
        managers,
        unassigned_cases,
        flagged,
        signals_awaiting_triage: facts.signals_awaiting_triage,
    }
}

/// The load of `assignee`, added (name unknown) if storage did not list them; `None` for
/// unassigned work.
fn load(
    managers: &mut BTreeMap<String, ManagerLoad>,
    assignee: Option<String>,
) -> Option<&mut ManagerLoad> {
    let id = assignee?;
    Some(
        managers
            .entry(id.clone())
            .or_insert_with(|| ManagerLoad::new(id, String::new())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(assignee: Option<&str>, status: &str, risk: &str, count: i64) -> OpenCases {
        OpenCases {
            assignee: assignee.map(str::to_string),
            status: status.parse().expect("a case status"),
            risk_level: risk.parse().expect("a risk level"),
            count,
        }
    }

    #[test]
    fn counts_land_on_their_manager() {
        let facts = CaseloadFacts {
            people: vec![
                ("b".into(), "Бек".into()),
                ("a".into(), "Айгүл".into()),
                ("c".into(), "Aru".into()),
            ],
            open_cases: vec![
                open(Some("a"), "intake", "high", 2),
                open(Some("a"), "in_progress", "low", 1),
                open(None, "intake", "critical", 3),
            ],
            overdue_cases: vec![(Some("a".into()), 1), (None, 2)],
            without_contact: vec![(Some("a".into()), 1)],
            overdue_items: vec![(Some("a".into()), 4), (Some("gone".into()), 1)],
            flagged: vec![
                (Some("a".into()), FlagKind::CourtPending, 2),
                (None, FlagKind::CourtPending, 1),
                (Some("b".into()), FlagKind::Watch, 1),
            ],
            signals_awaiting_triage: 7,
        };
        let c = assemble(facts);
        let names: Vec<&str> = c.managers.iter().map(|m| m.full_name.as_str()).collect();
        // Someone no longer in the list but holding overdue work still shows (name unknown).
        assert_eq!(names, ["", "Aru", "Айгүл", "Бек"]);
        let a = &c.managers[2];
        assert_eq!(a.open_cases, 3);
        assert_eq!(
            a.by_risk,
            [
                (RiskLevel::Critical, 0),
                (RiskLevel::High, 2),
                (RiskLevel::Medium, 0),
                (RiskLevel::Low, 1)
            ]
        );
        assert_eq!(a.by_status[0], (CaseStatus::Intake, 2));
        assert_eq!(a.by_status[3], (CaseStatus::InProgress, 1));
        assert_eq!(
            (a.overdue_cases, a.without_contact, a.overdue_items),
            (1, 1, 4)
        );
        assert_eq!(
            a.flagged,
            [
                (FlagKind::Watch, 0),
                (FlagKind::CourtPending, 2),
                (FlagKind::MediaAttention, 0),
                (FlagKind::SpecialSupervision, 0)
            ]
        );
        assert_eq!(c.managers[3].flagged[0], (FlagKind::Watch, 1));
        assert_eq!(c.flagged[0], (FlagKind::Watch, 1));
        assert_eq!(c.flagged[1], (FlagKind::CourtPending, 3));
        assert_eq!(c.managers[3].open_cases, 0);
        assert_eq!(c.unassigned_cases, 3);
        assert_eq!(c.signals_awaiting_triage, 7);
    }
}
