//! Indicators of an area over a period (brief § 6): facts as storage found them in, numbers out.
//! Each indicator is defined in `docs/reporting.md`; the comments here say how it is counted.
//!
//! Every count is a [`Tally`]: the number of records and the sum of their keys, so that a
//! reader who may not see the records gets it rounded by the records it counts
//! (`super::rounding`); supervisors read `count`.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDateTime};

use super::rounding::Tally;
use super::stats::{self, DurationStats};
use crate::deadline::DeadlineStatus;
use crate::lifecycle::ClosureReason;
use crate::organisation::OrganisationKind;
use crate::protocol::DeadlineKind;
use crate::referral::ReferralStatus;
use crate::role::Role;
use crate::signal::SignalStatus;
use crate::taxonomy::{Concern, SignalSource};

/// A signal received in the period and area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalFact {
    /// The signal's record key (`rounding::record_key` of its id).
    pub key: u32,
    pub source: SignalSource,
    pub status: SignalStatus,
    pub received_at: NaiveDateTime,
    pub triage_due_at: NaiveDateTime,
    pub triaged_at: Option<NaiveDateTime>,
}

/// A case opened in the period and area, timed from the signal that opened it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseTimes {
    /// The case's record key.
    pub key: u32,
    pub signal_received_at: NaiveDateTime,
    /// The earliest intervention at which the child was seen in person.
    pub first_seen_at: Option<NaiveDateTime>,
    /// The first approval of an individual plan.
    pub first_approved_at: Option<NaiveDateTime>,
}

impl CaseTimes {
    /// Its two durations, as the indicators count them.
    pub fn span(&self) -> CaseSpan {
        CaseSpan {
            key: self.key,
            to_first_contact: self
                .first_seen_at
                .map(|at| seconds(self.signal_received_at, at)),
            to_plan_approval: self
                .first_approved_at
                .map(|at| seconds(self.signal_received_at, at)),
        }
    }
}

/// A case opened from a signal, by its durations: from the signal to the child first seen,
/// and to the first approval of a plan (seconds), each once it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseSpan {
    pub key: u32,
    pub to_first_contact: Option<i64>,
    pub to_plan_approval: Option<i64>,
}

/// A deadline of a case of the area whose clock started in the period (not cancelled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineFact {
    /// The deadline's record key.
    pub key: u32,
    pub kind: DeadlineKind,
    pub status: DeadlineStatus,
    pub due_at: NaiveDateTime,
    pub met_at: Option<NaiveDateTime>,
}

/// A referral (not a notification) sent in the period from a case of the area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralFact {
    /// The referral's record key.
    pub key: u32,
    pub organisation_kind: OrganisationKind,
    pub status: ReferralStatus,
    pub created_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
}

/// A signal about an identified child: those of the period and area (`counted`), and every
/// earlier one of the same children from the twelve months before, wherever it was received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildSignal {
    /// The signal's record key.
    pub key: u32,
    pub child_id: String,
    pub received_at: NaiveDateTime,
    pub counted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffFact {
    pub role: Role,
    pub staff: i64,
    pub trained: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KpiFacts {
    pub signals: Vec<SignalFact>,
    /// Signals of the period per concern (a signal counts once under each of its concerns).
    pub signal_concerns: Vec<(Concern, Tally)>,
    pub cases_opened: Tally,
    /// Cases closed in the period, per closure reason.
    pub closures: Vec<(Option<ClosureReason>, Tally)>,
    pub case_times: Vec<CaseTimes>,
    pub deadlines: Vec<DeadlineFact>,
    pub referrals: Vec<ReferralFact>,
    pub child_signals: Vec<ChildSignal>,
    /// Distinct children, keyed by the children's ids.
    pub children_in_accompaniment: Tally,
    pub families_in_accompaniment: Tally,
    pub staff: Vec<StaffFact>,
}

/// How the deadlines of one kind whose clock started in the period went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeadlineOutcome {
    pub started: Tally,
    pub met_on_time: Tally,
    pub met_late: Tally,
    /// Lapsed and still not met.
    pub overdue: Tally,
    /// Not met and not yet due: left out of the share.
    pub pending: Tally,
}

impl DeadlineOutcome {
    /// Deadlines whose outcome is known: met (on time or late) or lapsed.
    pub fn decided(&self) -> Tally {
        self.met_on_time.merge(self.met_late).merge(self.overdue)
    }

    fn add(
        &mut self,
        key: u32,
        due: NaiveDateTime,
        met: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) {
        self.count(Outcome::of(due, met, now), Tally { count: 1, key });
    }

    /// Counts `records` whose clock started, all with the outcome `outcome`.
    pub fn count(&mut self, outcome: Outcome, records: Tally) {
        self.started = self.started.merge(records);
        let counted = match outcome {
            Outcome::MetOnTime => &mut self.met_on_time,
            Outcome::MetLate => &mut self.met_late,
            Outcome::Overdue => &mut self.overdue,
            Outcome::Pending => &mut self.pending,
        };
        *counted = counted.merge(records);
    }
}

/// What became of a clock (a deadline, or a signal's triage) by `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Met at or before it was due.
    MetOnTime,
    MetLate,
    /// Not met, and due before now.
    Overdue,
    /// Not met, not yet due.
    Pending,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::MetOnTime,
        Outcome::MetLate,
        Outcome::Overdue,
        Outcome::Pending,
    ];

    /// The outcome of a clock due at `due` and met at `met`, seen at `now`. The fact tables'
    /// SQL writes the same rule (`qorgau_persistence::reports::outcome_sql`).
    pub fn of(due: NaiveDateTime, met: Option<NaiveDateTime>, now: NaiveDateTime) -> Outcome {
        match met {
            Some(at) if at <= due => Outcome::MetOnTime,
            Some(_) => Outcome::MetLate,
            None if due < now => Outcome::Overdue,
            None => Outcome::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::MetOnTime => "met_on_time",
            Outcome::MetLate => "met_late",
            Outcome::Overdue => "overdue",
            Outcome::Pending => "pending",
        }
    }

    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == code)
    }

    /// Met, on time or late.
    pub fn is_met(self) -> bool {
        matches!(self, Outcome::MetOnTime | Outcome::MetLate)
    }
}

/// Durations measured over some records: how many (and which, by key), median and p90.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    pub records: Tally,
    pub stats: DurationStats,
}

/// Durations in seconds, each with the key of the record it was measured on.
fn timed(measured: impl IntoIterator<Item = (u32, i64)>) -> Timed {
    let (keys, seconds): (Vec<u32>, Vec<i64>) = measured.into_iter().unzip();
    Timed {
        records: tally(keys),
        stats: stats::durations(seconds),
    }
}

/// The records of `keys`.
fn tally(keys: impl IntoIterator<Item = u32>) -> Tally {
    keys.into_iter()
        .fold(Tally::default(), |t, key| t.merge(Tally { count: 1, key }))
}

/// Referrals to one kind of organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferralOutcome {
    pub sent: Tally,
    /// Answered and not declined (whatever happened after: completed or withdrawn).
    pub accepted: Tally,
    pub declined: Tally,
    /// Still pending.
    pub awaiting: Tally,
    /// Withdrawn before any answer. With the three above, a partition of `sent`.
    pub withdrawn: Tally,
    /// From sending to the answer (accept or decline).
    pub response: Timed,
}

impl ReferralOutcome {
    /// Answered ones: the acceptance rate is `accepted / answered`.
    pub fn answered(&self) -> Tally {
        self.accepted.merge(self.declined)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Training {
    pub role: Role,
    pub staff: i64,
    pub trained: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Kpis {
    pub signals_received: Tally,
    pub signals_screened_out: Tally,
    pub signals_awaiting_triage: Tally,
    /// Every source, in the order of [`SignalSource::ALL`].
    pub signals_by_source: Vec<(&'static str, Tally)>,
    /// Every concern, in the order of [`Concern::ALL`].
    pub signals_by_concern: Vec<(&'static str, Tally)>,
    pub cases_opened: Tally,
    pub cases_closed: Tally,
    /// Every closure reason, in the order of [`ClosureReason::ALL`].
    pub closure_reasons: Vec<(&'static str, Tally)>,
    pub signal_to_triage: Timed,
    pub signal_to_first_contact: Timed,
    pub signal_to_plan_approval: Timed,
    /// Every deadline kind, in the order of [`DeadlineKind::ALL`].
    pub deadlines: Vec<(DeadlineKind, DeadlineOutcome)>,
    /// Every organisation kind, in the order of [`OrganisationKind::ALL`].
    pub referrals: Vec<(OrganisationKind, ReferralOutcome)>,
    pub signals_with_child: Tally,
    pub repeat_signals: Tally,
    pub children_in_accompaniment: Tally,
    pub families_in_accompaniment: Tally,
    /// Case managers, then specialists.
    pub training: Vec<Training>,
}

/// The roles whose child-rights training seed indicator 2 follows.
pub const TRAINED_ROLES: [Role; 2] = [Role::CaseManager, Role::Specialist];

/// Every indicator from the facts; `now` decides which unmet deadlines have lapsed.
pub fn compute(facts: &KpiFacts, now: NaiveDateTime) -> Kpis {
    let signals = &facts.signals;
    let spans: Vec<CaseSpan> = facts.case_times.iter().map(CaseTimes::span).collect();
    let count_where =
        |f: &dyn Fn(&SignalFact) -> bool| tally(signals.iter().filter(|s| f(s)).map(|s| s.key));
    let mut triage = DeadlineOutcome::default();
    for s in signals {
        triage.add(s.key, s.triage_due_at, s.triaged_at, now);
    }
    let mut deadlines: Vec<(DeadlineKind, DeadlineOutcome)> = DeadlineKind::ALL
        .iter()
        .map(|k| (*k, DeadlineOutcome::default()))
        .collect();
    for d in &facts.deadlines {
        // Triage is timed on the signal itself (every signal has one, not only those that
        // opened a case); the case's copy would count it twice.
        if d.kind == DeadlineKind::Triage || d.status == DeadlineStatus::Cancelled {
            continue;
        }
        if let Some((_, outcome)) = deadlines.iter_mut().find(|(k, _)| *k == d.kind) {
            outcome.add(d.key, d.due_at, d.met_at, now);
        }
    }
    if let Some((_, outcome)) = deadlines
        .iter_mut()
        .find(|(k, _)| *k == DeadlineKind::Triage)
    {
        *outcome = triage;
    }
    Kpis {
        signals_received: count_where(&|_| true),
        signals_screened_out: count_where(&|s| s.status == SignalStatus::ScreenedOut),
        signals_awaiting_triage: count_where(&|s| s.status == SignalStatus::Received),
        signals_by_source: SignalSource::ALL
            .iter()
            .map(|src| (src.as_str(), count_where(&|s| s.source == *src)))
            .collect(),
        signals_by_concern: by_concern(&facts.signal_concerns),
        cases_opened: facts.cases_opened,
        cases_closed: cases_closed(&facts.closures),
        closure_reasons: closure_reasons(&facts.closures),
        signal_to_triage: timed(
            signals
                .iter()
                .filter_map(|s| Some((s.key, seconds(s.received_at, s.triaged_at?)))),
        ),
        signal_to_first_contact: to_first_contact(&spans),
        signal_to_plan_approval: to_plan_approval(&spans),
        deadlines,
        referrals: OrganisationKind::ALL
            .iter()
            .map(|k| (*k, referral_outcome(&facts.referrals, *k)))
            .collect(),
        signals_with_child: tally(
            facts
                .child_signals
                .iter()
                .filter(|s| s.counted)
                .map(|s| s.key),
        ),
        repeat_signals: repeats(&facts.child_signals),
        children_in_accompaniment: facts.children_in_accompaniment,
        families_in_accompaniment: facts.families_in_accompaniment,
        training: training(&facts.staff),
    }
}

/// Signals per concern: every concern, a concern no signal named counting zero.
fn by_concern(counted: &[(Concern, Tally)]) -> Vec<(&'static str, Tally)> {
    let mut concerns: BTreeMap<Concern, Tally> = BTreeMap::new();
    for (concern, n) in counted {
        let total = concerns.entry(*concern).or_default();
        *total = total.merge(*n);
    }
    Concern::ALL
        .iter()
        .map(|c| (c.as_str(), concerns.get(c).copied().unwrap_or_default()))
        .collect()
}

fn cases_closed(closures: &[(Option<ClosureReason>, Tally)]) -> Tally {
    closures
        .iter()
        .fold(Tally::default(), |t, (_, n)| t.merge(*n))
}

/// Closures per reason: every reason, a reason no case was closed for counting zero.
fn closure_reasons(closures: &[(Option<ClosureReason>, Tally)]) -> Vec<(&'static str, Tally)> {
    let mut by_reason: BTreeMap<ClosureReason, Tally> = BTreeMap::new();
    for (reason, n) in closures {
        if let Some(reason) = reason {
            let total = by_reason.entry(*reason).or_default();
            *total = total.merge(*n);
        }
    }
    let closures = by_reason;
    ClosureReason::ALL
        .iter()
        .map(|r| (r.as_str(), closures.get(r).copied().unwrap_or_default()))
        .collect()
}

fn to_first_contact(cases: &[CaseSpan]) -> Timed {
    timed(
        cases
            .iter()
            .filter_map(|c| Some((c.key, c.to_first_contact?))),
    )
}

fn to_plan_approval(cases: &[CaseSpan]) -> Timed {
    timed(
        cases
            .iter()
            .filter_map(|c| Some((c.key, c.to_plan_approval?))),
    )
}

/// Case managers, then specialists.
fn training(staff: &[StaffFact]) -> Vec<Training> {
    TRAINED_ROLES
        .iter()
        .map(|role| {
            let (staff, trained) = staff
                .iter()
                .filter(|s| s.role == *role)
                .fold((0, 0), |(a, b), s| (a + s.staff, b + s.trained));
            Training {
                role: *role,
                staff,
                trained,
            }
        })
        .collect()
}

/// Whole seconds from `from` to `to` (the durations of the indicators).
pub fn seconds(from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    (to - from).num_seconds()
}

fn referral_outcome(referrals: &[ReferralFact], kind: OrganisationKind) -> ReferralOutcome {
    let of_kind: Vec<&ReferralFact> = referrals
        .iter()
        .filter(|r| r.organisation_kind == kind)
        .collect();
    let count =
        |f: &dyn Fn(&ReferralFact) -> bool| tally(of_kind.iter().filter(|r| f(r)).map(|r| r.key));
    ReferralOutcome {
        sent: count(&|_| true),
        accepted: count(&|r| r.responded_at.is_some() && r.status != ReferralStatus::Declined),
        declined: count(&|r| r.status == ReferralStatus::Declined),
        awaiting: count(&|r| r.status == ReferralStatus::Pending),
        withdrawn: count(&|r| r.status == ReferralStatus::Withdrawn && r.responded_at.is_none()),
        response: timed(
            of_kind
                .iter()
                .filter_map(|r| Some((r.key, seconds(r.created_at, r.responded_at?)))),
        ),
    }
}

/// Counted signals whose child had another signal in the twelve calendar months before.
fn repeats(signals: &[ChildSignal]) -> Tally {
    let mut by_child: BTreeMap<&str, Vec<&ChildSignal>> = BTreeMap::new();
    for s in signals {
        by_child.entry(&s.child_id).or_default().push(s);
    }
    let mut repeats = Tally::default();
    for list in by_child.values_mut() {
        list.sort_by_key(|s| s.received_at);
        for (i, s) in list.iter().enumerate() {
            let window = repeat_window(s.received_at);
            let earlier = list[..i]
                .iter()
                .any(|e| e.received_at >= window && e.received_at < s.received_at);
            if s.counted && earlier {
                repeats = repeats.merge(Tally {
                    count: 1,
                    key: s.key,
                });
            }
        }
    }
    repeats
}

/// The earliest time another signal about the same child makes a signal received at
/// `received_at` a repeat: twelve calendar months before.
pub fn repeat_window(received_at: NaiveDateTime) -> NaiveDateTime {
    received_at
        .checked_sub_months(Months::new(12))
        .unwrap_or(NaiveDateTime::MIN)
}

/// Whether a signal received at `received_at`, whose child's latest earlier signal (anywhere)
/// was received at `previous`, is a repeat signal. The same rule as [`compute`]'s, over the
/// one earlier signal that decides it: if any earlier signal falls within the window, the
/// latest does.
pub fn is_repeat(received_at: NaiveDateTime, previous: NaiveDateTime) -> bool {
    previous >= repeat_window(received_at) && previous < received_at
}

/// Signals of the period and area with one source and status, whose triage clock had one
/// outcome: counted by the database from the fact tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalCount {
    pub source: SignalSource,
    pub status: SignalStatus,
    pub triage: Outcome,
    pub records: Tally,
}

/// Deadlines of one kind and outcome whose clock started in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineCount {
    pub kind: DeadlineKind,
    pub outcome: Outcome,
    pub records: Tally,
}

/// Referrals sent in the period to one kind of organisation, with one status, answered or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralCount {
    pub organisation_kind: OrganisationKind,
    pub status: ReferralStatus,
    pub answered: bool,
    pub records: Tally,
}

/// Everything the indicators of a period in an area are computed from, as the fact tables give
/// it: counted where a count is what the indicator needs, durations one by one where a median
/// needs them (`qorgau_persistence::reports::kpi_counts`). [`from_counts`] turns it into the
/// same [`Kpis`] as [`compute`] turns the source's [`KpiFacts`] into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KpiCounts {
    pub signals: Vec<SignalCount>,
    /// Seconds from receipt to triage of each triaged signal.
    pub triage_seconds: Vec<i64>,
    pub signal_concerns: Vec<(Concern, Tally)>,
    pub cases_opened: Tally,
    pub closures: Vec<(Option<ClosureReason>, Tally)>,
    pub case_times: Vec<CaseSpan>,
    pub deadlines: Vec<DeadlineCount>,
    pub referrals: Vec<ReferralCount>,
    /// Seconds from sending to the answer of each answered referral.
    pub response_seconds: Vec<(OrganisationKind, i64)>,
    pub signals_with_child: Tally,
    pub repeat_signals: Tally,
    pub children_in_accompaniment: Tally,
    pub families_in_accompaniment: Tally,
    pub staff: Vec<StaffFact>,
}

impl KpiCounts {
    /// Adds what was counted over another part of the same area and period (other records):
    /// lists are joined, tallies merged. The counts that are not sums over the period —
    /// accompaniment, staff — are not added: they are read once for the whole period.
    pub fn absorb(&mut self, other: KpiCounts) {
        self.signals.extend(other.signals);
        self.triage_seconds.extend(other.triage_seconds);
        self.signal_concerns.extend(other.signal_concerns);
        self.cases_opened = self.cases_opened.merge(other.cases_opened);
        self.closures.extend(other.closures);
        self.case_times.extend(other.case_times);
        self.deadlines.extend(other.deadlines);
        self.referrals.extend(other.referrals);
        self.response_seconds.extend(other.response_seconds);
        self.signals_with_child = self.signals_with_child.merge(other.signals_with_child);
        self.repeat_signals = self.repeat_signals.merge(other.repeat_signals);
    }
}

/// Every indicator from facts the database counted. `now` is already in the counts (the
/// outcomes of clocks).
pub fn from_counts(counts: &KpiCounts) -> Kpis {
    let signals = &counts.signals;
    let count_where = |f: &dyn Fn(&SignalCount) -> bool| {
        signals
            .iter()
            .filter(|s| f(s))
            .fold(Tally::default(), |t, s| t.merge(s.records))
    };
    let mut triage = DeadlineOutcome::default();
    for s in signals {
        triage.count(s.triage, s.records);
    }
    let deadlines = DeadlineKind::ALL
        .iter()
        .map(|kind| {
            if *kind == DeadlineKind::Triage {
                return (*kind, triage.clone());
            }
            let mut outcome = DeadlineOutcome::default();
            for d in counts.deadlines.iter().filter(|d| d.kind == *kind) {
                outcome.count(d.outcome, d.records);
            }
            (*kind, outcome)
        })
        .collect();
    Kpis {
        signals_received: count_where(&|_| true),
        signals_screened_out: count_where(&|s| s.status == SignalStatus::ScreenedOut),
        signals_awaiting_triage: count_where(&|s| s.status == SignalStatus::Received),
        signals_by_source: SignalSource::ALL
            .iter()
            .map(|src| (src.as_str(), count_where(&|s| s.source == *src)))
            .collect(),
        signals_by_concern: by_concern(&counts.signal_concerns),
        cases_opened: counts.cases_opened,
        cases_closed: cases_closed(&counts.closures),
        closure_reasons: closure_reasons(&counts.closures),
        signal_to_triage: Timed {
            records: count_where(&|s| s.triage.is_met()),
            stats: stats::durations(counts.triage_seconds.iter().copied()),
        },
        signal_to_first_contact: to_first_contact(&counts.case_times),
        signal_to_plan_approval: to_plan_approval(&counts.case_times),
        deadlines,
        referrals: OrganisationKind::ALL
            .iter()
            .map(|k| (*k, counted_referrals(counts, *k)))
            .collect(),
        signals_with_child: counts.signals_with_child,
        repeat_signals: counts.repeat_signals,
        children_in_accompaniment: counts.children_in_accompaniment,
        families_in_accompaniment: counts.families_in_accompaniment,
        training: training(&counts.staff),
    }
}

/// [`referral_outcome`] from counted referrals.
fn counted_referrals(counts: &KpiCounts, kind: OrganisationKind) -> ReferralOutcome {
    let count = |f: &dyn Fn(&ReferralCount) -> bool| {
        counts
            .referrals
            .iter()
            .filter(|r| r.organisation_kind == kind && f(r))
            .fold(Tally::default(), |t, r| t.merge(r.records))
    };
    ReferralOutcome {
        sent: count(&|_| true),
        accepted: count(&|r| r.answered && r.status != ReferralStatus::Declined),
        declined: count(&|r| r.status == ReferralStatus::Declined),
        awaiting: count(&|r| r.status == ReferralStatus::Pending),
        withdrawn: count(&|r| r.status == ReferralStatus::Withdrawn && !r.answered),
        response: Timed {
            records: count(&|r| r.answered),
            stats: stats::durations(
                counts
                    .response_seconds
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, s)| *s),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    fn signal(source: &str, status: &str, received: &str, triaged: Option<&str>) -> SignalFact {
        let received_at = t(received);
        SignalFact {
            key: 0,
            source: source.parse().expect("a source"),
            status: status.parse().expect("a signal status"),
            received_at,
            triage_due_at: received_at + chrono::Duration::hours(20),
            triaged_at: triaged.map(t),
        }
    }

    fn outcome(k: &Kpis, kind: DeadlineKind) -> DeadlineOutcome {
        k.deadlines
            .iter()
            .find(|(d, _)| *d == kind)
            .map(|(_, o)| o.clone())
            .expect("kind")
    }

    #[test]
    fn signals_triage_and_its_deadline() {
        let facts = KpiFacts {
            signals: vec![
                signal(
                    "mobile_group",
                    "case_opened",
                    "2025-03-03 04:00",
                    Some("2025-03-03 06:00"),
                ),
                signal(
                    "school",
                    "screened_out",
                    "2025-03-04 04:00",
                    Some("2025-03-05 04:00"),
                ),
                signal("mobile_group", "received", "2025-03-05 04:00", None),
            ],
            ..KpiFacts::default()
        };
        let k = compute(&facts, t("2025-04-01 00:00"));
        assert_eq!(
            (
                k.signals_received.count,
                k.signals_screened_out.count,
                k.signals_awaiting_triage.count
            ),
            (3, 1, 1)
        );
        assert_eq!(k.signals_by_source[0].1.count, 2);
        assert_eq!(k.signal_to_triage.stats.count, 2);
        assert_eq!(k.signal_to_triage.stats.median_hours, Some(13.0));
        let triage = outcome(&k, DeadlineKind::Triage);
        assert_eq!(
            (
                triage.met_on_time.count,
                triage.met_late.count,
                triage.overdue.count,
                triage.pending.count
            ),
            (1, 1, 1, 0)
        );
        assert_eq!(triage.decided().count, 3);
    }

    #[test]
    fn case_deadlines_exclude_cancelled_and_the_copy_of_triage() {
        let d = |kind: &str, status: &str, due: &str, met: Option<&str>| DeadlineFact {
            key: 1,
            kind: kind.parse().expect("a deadline kind"),
            status: status.parse().expect("a deadline status"),
            due_at: t(due),
            met_at: met.map(t),
        };
        let facts = KpiFacts {
            deadlines: vec![
                d(
                    "triage",
                    "met",
                    "2025-03-02 00:00",
                    Some("2025-03-01 00:00"),
                ),
                d(
                    "first_contact",
                    "met",
                    "2025-03-05 00:00",
                    Some("2025-03-04 00:00"),
                ),
                d(
                    "first_contact",
                    "met",
                    "2025-03-05 00:00",
                    Some("2025-03-06 00:00"),
                ),
                d("first_contact", "pending", "2025-03-05 00:00", None),
                d("first_contact", "pending", "2025-05-05 00:00", None),
                d("first_contact", "cancelled", "2025-03-05 00:00", None),
            ],
            ..KpiFacts::default()
        };
        let k = compute(&facts, t("2025-04-01 00:00"));
        assert_eq!(
            outcome(&k, DeadlineKind::Triage),
            DeadlineOutcome::default()
        );
        let fc = outcome(&k, DeadlineKind::FirstContact);
        let one = Tally { count: 1, key: 1 };
        assert_eq!(
            fc,
            DeadlineOutcome {
                started: Tally { count: 4, key: 4 },
                met_on_time: one,
                met_late: one,
                overdue: one,
                pending: one
            }
        );
    }

    #[test]
    fn referrals_by_organisation_kind() {
        let r = |kind: &str, status: &str, created: &str, responded: Option<&str>| ReferralFact {
            key: 0,
            organisation_kind: kind.parse().expect("an organisation kind"),
            status: status.parse().expect("a referral status"),
            created_at: t(created),
            responded_at: responded.map(t),
        };
        let facts = KpiFacts {
            referrals: vec![
                r(
                    "family_support_centre",
                    "accepted",
                    "2025-03-03 05:00",
                    Some("2025-03-03 11:00"),
                ),
                r(
                    "family_support_centre",
                    "completed",
                    "2025-03-15 04:00",
                    Some("2025-03-16 10:00"),
                ),
                r(
                    "psychological_support_centre",
                    "declined",
                    "2025-03-05 04:00",
                    Some("2025-03-06 04:00"),
                ),
                r(
                    "psychological_support_centre",
                    "pending",
                    "2025-03-07 04:00",
                    None,
                ),
                r(
                    "psychological_support_centre",
                    "withdrawn",
                    "2025-03-07 04:00",
                    None,
                ),
            ],
            ..KpiFacts::default()
        };
        let k = compute(&facts, t("2025-04-01 00:00"));
        let of = |kind: OrganisationKind| {
            k.referrals
                .iter()
                .find(|(o, _)| *o == kind)
                .map(|(_, r)| r.clone())
                .expect("kind")
        };
        let fsc = of(OrganisationKind::FamilySupportCentre);
        assert_eq!(
            (fsc.sent.count, fsc.accepted.count, fsc.answered().count),
            (2, 2, 2)
        );
        assert_eq!(fsc.response.stats.median_hours, Some(18.0));
        assert_eq!(fsc.response.stats.p90_hours, Some(27.6));
        let psc = of(OrganisationKind::PsychologicalSupportCentre);
        assert_eq!(
            (
                psc.sent.count,
                psc.accepted.count,
                psc.declined.count,
                psc.awaiting.count,
                psc.withdrawn.count
            ),
            (3, 0, 1, 1, 1)
        );
        assert_eq!(of(OrganisationKind::Police).sent.count, 0);
    }

    #[test]
    fn repeat_signals_look_back_twelve_months() {
        let s = |child: &str, at: &str, counted: bool| ChildSignal {
            key: 0,
            child_id: child.into(),
            received_at: t(at),
            counted,
        };
        let facts = KpiFacts {
            child_signals: vec![
                s("a", "2025-03-10 04:00", true),
                s("a", "2025-03-03 04:00", true),
                s("c", "2025-03-05 04:00", true),
                s("c", "2024-03-05 04:00", false),
                s("d", "2025-03-06 04:00", true),
                s("d", "2024-03-05 04:00", false),
            ],
            ..KpiFacts::default()
        };
        let k = compute(&facts, t("2025-04-01 00:00"));
        assert_eq!(k.signals_with_child.count, 4);
        // a's second; c's exactly twelve months after the earlier one; not d's (a year and a day).
        assert_eq!(k.repeat_signals.count, 2);
    }

    #[test]
    fn closures_times_and_training() {
        let facts = KpiFacts {
            closures: vec![
                (Some(ClosureReason::GoalsAchieved), Tally::new(2, 0)),
                (Some(ClosureReason::Duplicate), Tally::new(1, 0)),
            ],
            case_times: vec![
                CaseTimes {
                    key: 0,
                    signal_received_at: t("2025-03-03 04:00"),
                    first_seen_at: Some(t("2025-03-04 04:00")),
                    first_approved_at: Some(t("2025-03-13 04:00")),
                },
                CaseTimes {
                    key: 0,
                    signal_received_at: t("2025-03-06 04:00"),
                    first_seen_at: Some(t("2025-03-08 04:00")),
                    first_approved_at: None,
                },
            ],
            staff: vec![
                StaffFact {
                    role: Role::CaseManager,
                    staff: 1,
                    trained: 1,
                },
                StaffFact {
                    role: Role::Specialist,
                    staff: 2,
                    trained: 0,
                },
            ],
            ..KpiFacts::default()
        };
        let k = compute(&facts, t("2025-04-01 00:00"));
        assert_eq!(k.cases_closed.count, 3);
        assert_eq!(k.closure_reasons[0], ("goals_achieved", Tally::new(2, 0)));
        assert_eq!(k.signal_to_first_contact.stats.median_hours, Some(36.0));
        assert_eq!(k.signal_to_first_contact.stats.p90_hours, Some(45.6));
        assert_eq!(k.signal_to_plan_approval.records.count, 1);
        assert_eq!(
            k.training[0],
            Training {
                role: Role::CaseManager,
                staff: 1,
                trained: 1
            }
        );
        assert_eq!(k.training[1].staff, 2);
    }
}
