//! A case played step by step: its schedule of milestones and the steps that change its
//! status, as the transitions, triage and the protocol's routing write them.

use qorgau_domain::case::{CaseStatus, case_number};
use qorgau_domain::intervention::InterventionKind;
use qorgau_domain::protocol::{DeadlineKind, RouteAction};
use qorgau_domain::referral::OverrideBasis;
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::timeline::TimelineKind;

use crate::audit::{Action, Resource};
use crate::geography::REGIONS;
use crate::outline::Case;
use crate::texts;
use crate::time::{DAY, HOUR, MINUTE, Micros, local_year};

use super::deadlines::{Deadline, DeadlineState};
use super::requests::{Answer, PlanVersion, Referral};
use super::{Req, Scene};

/// The state of a case while its steps are played.
pub(super) struct Work<'c> {
    pub(super) case: &'c Case,
    pub(super) id: u128,
    pub(super) status: CaseStatus,
    pub(super) risk: RiskLevel,
    pub(super) version: i32,
    pub(super) manager: usize,
    pub(super) supervisor: usize,
    pub(super) deadlines: Vec<Deadline>,
    pub(super) referrals: Vec<Referral>,
    pub(super) plans: Vec<PlanVersion>,
    pub(super) consent: Option<(u128, &'static str)>,
    pub(super) closure_reason: Option<&'static str>,
    pub(super) closed_at: Option<Micros>,
    pub(super) assignee: Option<usize>,
}

/// One step of a case, at its instant.
#[derive(Clone, Copy)]
pub(super) enum Step {
    Assign,
    Contact,
    Relations,
    Consent,
    Initial,
    Comprehensive,
    Draft(usize),
    Decide(usize),
    InProgress,
    Intervention,
    MeasureDone(usize, usize),
    Refer,
    Monitoring,
    RequestClosure,
    ReturnClosure,
    Close,
    FollowUp,
    Read,
}

impl Scene<'_, '_> {
    pub(super) fn case(
        &mut self,
        case: &Case,
        id: u128,
        received: Micros,
        urgency: Option<RiskLevel>,
    ) {
        let end = self.t.end;
        let region = &self.t.world.regions[self.region];
        let supervisor = *self.rng.pick(&region.supervisors);
        let manager = case.manager.unwrap_or(supervisor);
        let mut w = Work {
            case,
            id,
            status: CaseStatus::Intake,
            risk: case.risk,
            version: 1,
            manager,
            supervisor,
            deadlines: Vec::new(),
            referrals: Vec::new(),
            plans: Vec::new(),
            consent: None,
            closure_reason: None,
            closed_at: None,
            assignee: None,
        };
        let steps = self.schedule(&mut w);
        self.open(&mut w, received, urgency);
        for (at, step) in steps {
            if at > end {
                break;
            }
            self.step(&mut w, at, step);
        }
        // Answers due after the last step but before the end of the history.
        self.answers(&mut w, end);
        self.case_rows(&w);
    }

    /// Every step of the case with its instant, in order.
    pub(super) fn schedule(&mut self, w: &mut Work<'_>) -> Vec<(Micros, Step)> {
        let c = w.case;
        let mut steps = vec![
            (c.assigned, Step::Assign),
            (c.first_contact, Step::Contact),
            (c.initial, Step::Initial),
            (c.comprehensive, Step::Comprehensive),
            (c.in_progress, Step::InProgress),
            (c.closure_requested, Step::RequestClosure),
            (c.closed, Step::Close),
        ];
        if !self.registered_relations() {
            steps.push((c.first_contact + 2 * HOUR, Step::Relations));
        }
        if c.reason.as_str() != "family_declined_no_grounds" && self.rng.chance(0.9) {
            steps.push((c.first_contact + 3 * HOUR, Step::Consent));
        }
        // The plan: the outline's drafts, then a revision at each review while the case runs.
        let mut drafts: Vec<(Micros, Micros, bool)> = c
            .drafts
            .iter()
            .map(|d| (d.drafted, d.decided, d.approved))
            .collect();
        let work_ends = c.returned.map_or(c.closure_requested, |(first, _)| first);
        let mut approved = c.approved().unwrap_or(c.in_progress);
        // Half the time the review does not happen at all: the review deadline lapses and stays
        // overdue, the most common gap a supervisor sees.
        while drafts.len() < 5 && self.rng.chance(0.5) {
            let risk = c.risk_at(approved);
            let due = self
                .t
                .deadlines
                .due(DeadlineKind::PlanReview, approved, risk);
            // Reviews are often late: the lapsed deadline is escalated meanwhile.
            let decided = if self.rng.chance(0.4) {
                due + self.rng.between(10 * DAY, 60 * DAY)
            } else {
                due - self.rng.between(3 * DAY, 20 * DAY)
            };
            let drafted = decided - self.rng.between(4 * HOUR, 4 * DAY);
            if decided >= work_ends || drafted <= approved {
                break;
            }
            drafts.push((drafted, decided, true));
            approved = decided;
        }
        for k in 0..drafts.len() {
            let (drafted, decided, ok) = drafts[k];
            let plan = self.plan_version(w, k, drafted, ok);
            steps.push((drafted, Step::Draft(k)));
            steps.push((decided, Step::Decide(k)));
            if ok {
                // Measures are done while this version is the one in force.
                let next = drafts.get(k + 1).map_or(work_ends, |d| d.0);
                // Most of the first plan's measures get done, fewer of a revision's.
                let done = if k == 0 { 0.6 } else { 0.3 };
                for (j, m) in plan.measures.iter().enumerate() {
                    let due = Micros::from(m.due_day) * DAY;
                    let at = self.rng.between(decided + DAY, due.min(next));
                    if self.rng.chance(done) && at > decided && at < next {
                        steps.push((at, Step::MeasureDone(k, j)));
                    }
                }
            }
            w.plans.push(plan);
        }
        // Interventions: about one every three weeks, between first contact and the closure
        // request.
        let days = (work_ends - c.first_contact) as f64 / DAY as f64;
        for _ in 0..self.rng.poisson(1.5 + days / 26.0).min(60) {
            let at = self.rng.between(c.first_contact + HOUR, work_ends - MINUTE);
            steps.push((at, Step::Intervention));
        }
        // Referrals beyond the protocol's, after the needs are known.
        for _ in 0..self.rng.poisson(0.8) {
            let at = self.rng.between(c.comprehensive + DAY, work_ends - 5 * DAY);
            if at > c.comprehensive {
                steps.push((at, Step::Refer));
            }
        }
        if self.rng.chance(0.7) {
            let at = self.rng.share(c.in_progress, work_ends, 0.55, 0.85);
            steps.push((at, Step::Monitoring));
        }
        if let Some((first, returned)) = c.returned {
            steps.push((first, Step::RequestClosure));
            steps.push((returned, Step::ReturnClosure));
        }
        let follow_up = c.closed + self.rng.between(30 * DAY, 150 * DAY);
        steps.push((follow_up, Step::FollowUp));
        // Reads that change nothing: the manager and supervisor looking at the case (the reads
        // that precede each change are not logged apart from it: one entry per request).
        for _ in 0..self.rng.poisson(0.2 + days / 240.0) {
            let at = self.rng.between(c.opened, c.closed);
            steps.push((at, Step::Read));
        }
        steps.sort_by_key(|(at, _)| *at);
        steps
    }

    pub(super) fn registered_relations(&self) -> bool {
        !self.relations.is_empty()
    }

    pub(super) fn transition(
        &mut self,
        w: &mut Work<'_>,
        req: &mut Req,
        to: CaseStatus,
        actor: usize,
    ) {
        let from = w.status;
        w.status = to;
        w.version += 1;
        let summary = format!("Case moved from {} to {}", from.as_str(), to.as_str());
        self.event(
            req,
            Some(w.id),
            TimelineKind::StatusChanged,
            &summary,
            Some(actor),
            w.id,
        );
    }

    pub(super) fn open(&mut self, w: &mut Work<'_>, received: Micros, urgency: Option<RiskLevel>) {
        let c = w.case;
        let intake = self.t.world.districts[self.child.district].intake;
        let signal = self.signal_id(c);
        let mut req = Req::at(c.opened);
        req.tie = 1; // the case id came first
        self.audit(&mut req, intake, Action::Create, Resource::Case, w.id);
        self.event(
            &mut req,
            Some(w.id),
            TimelineKind::Triage,
            "Signal triaged: case opened",
            Some(intake),
            signal,
        );
        let number = case_number(REGIONS[self.region].code, local_year(c.opened), c.number);
        let summary = format!("Case {number} opened in intake, risk {}", c.risk.as_str());
        self.event(
            &mut req,
            Some(w.id),
            TimelineKind::CaseOpened,
            &summary,
            Some(intake),
            w.id,
        );
        let triage_due = self.t.deadlines.due(
            DeadlineKind::Triage,
            received,
            urgency.unwrap_or(RiskLevel::Medium),
        );
        let id = self.id(&mut req);
        w.deadlines.push(Deadline {
            id,
            kind: DeadlineKind::Triage,
            ref_id: None,
            starts: received,
            due: triage_due,
            state: DeadlineState::Met(c.opened),
        });
        for kind in [
            DeadlineKind::Assignment,
            DeadlineKind::FirstContact,
            DeadlineKind::InitialAssessment,
            DeadlineKind::ComprehensiveAssessment,
        ] {
            self.start(w, &mut req, kind, c.risk, None);
        }
        self.route(w, &mut req, intake);
    }

    /// The id of the signal that opened the case (the signals' rows are written first).
    pub(super) fn signal_id(&self, c: &Case) -> u128 {
        self.signal_ids.get(c.signal).copied().unwrap_or(0)
    }

    /// The protocol's mandatory referrals and notifications (`protocol_engine::route`).
    pub(super) fn route(&mut self, w: &mut Work<'_>, req: &mut Req, actor: usize) {
        let c = w.case;
        let protocols = self.t.protocols;
        let protocol = protocols.in_force_at(crate::time::to_utc(c.opened));
        let concerns: Vec<Concern> = c.concerns.iter().collect();
        let codes = c.concerns.joined();
        for rule in protocol.routes_for(&concerns, c.risk) {
            // Every kind the protocol routes to exists in every district or region of this
            // world, so no routing gap arises.
            let Some(org) = self.t.world.nearest(rule.to, self.child.district) else {
                continue;
            };
            let action = match rule.action {
                RouteAction::Refer => "referral",
                RouteAction::Notify => "notification",
            };
            let id = self.id(req);
            let respond_by = self.start(w, req, DeadlineKind::ReferralResponse, c.risk, Some(id));
            let summary = format!(
                "Mandatory {action} to the {} (protocol {})",
                rule.to.as_str(),
                protocol.version
            );
            self.event(
                req,
                Some(w.id),
                TimelineKind::Referral,
                &summary,
                Some(actor),
                id,
            );
            let referral = Referral {
                id,
                org,
                service: rule
                    .note
                    .clone()
                    .unwrap_or_else(|| format!("mandatory {action}")),
                reason: format!(
                    "Protocol {} ({}): {codes}",
                    protocol.version, protocol.legal_reference
                ),
                urgency: Some(c.risk),
                respond_by,
                consent: None,
                basis: Some(OverrideBasis::LegalDuty),
                mandatory: true,
                notification: rule.action == RouteAction::Notify,
                created_by: actor,
                created: req.at,
                answer: Answer::Accept,
                answered: 0,
                completed: 0,
                responded: None,
                done: None,
                withdrawn: None,
            };
            self.plan_answer(w, referral);
        }
    }

    pub(super) fn step(&mut self, w: &mut Work<'_>, at: Micros, step: Step) {
        // Referral answers that fell due before this step are played first, in order.
        self.answers(w, at);
        let mut req = Req::at(at);
        let (manager, supervisor) = (w.manager, w.supervisor);
        match step {
            Step::Assign => {
                let Some(m) = w.case.manager else { return };
                w.assignee = Some(m);
                w.version += 1;
                self.audit(&mut req, supervisor, Action::Update, Resource::Case, w.id);
                let summary = format!("Assigned to {}", self.t.world.users[m].full_name);
                let m_id = self.user_id(m);
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::Assigned,
                    &summary,
                    Some(supervisor),
                    m_id,
                );
                self.meet(w, &mut req, DeadlineKind::Assignment, None, supervisor);
            }
            Step::Contact => self.intervention(w, req, Some(InterventionKind::HomeVisit)),
            Step::Intervention => {
                if matches!(w.status, CaseStatus::ClosureRequested | CaseStatus::Closed) {
                    return;
                }
                self.intervention(w, req, None);
            }
            Step::Relations => self.relations(w, req),
            Step::Consent => self.consent(w, req),
            Step::Initial => self.assessment(w, req, false),
            Step::Comprehensive => self.assessment(w, req, true),
            Step::Draft(k) => {
                let version = w.plans[k].version;
                let id = w.plans[k].id;
                // The goal and measure ids were taken when the version was drawn.
                req.tie = 1 + (w.plans[k].goals.len() + w.plans[k].measures.len()) as u8;
                self.audit(&mut req, manager, Action::Create, Resource::Plan, id);
                let summary = format!("Individual plan version {version} drafted");
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::PlanVersion,
                    &summary,
                    Some(manager),
                    id,
                );
            }
            Step::Decide(k) => self.decide(w, req, k),
            Step::InProgress => {
                self.audit(&mut req, manager, Action::Update, Resource::Case, w.id);
                self.transition(w, &mut req, CaseStatus::InProgress, manager);
            }
            Step::MeasureDone(k, j) => {
                let approved = w.plans[k].decision.is_some() && w.plans[k].approved;
                if !approved || w.plans[k].measures[j].done.is_some() {
                    return;
                }
                w.plans[k].measures[j].done = Some((at, manager));
                let id = w.plans[k].measures[j].id;
                let summary = format!("Plan measure done: {}", w.plans[k].measures[j].description);
                self.audit(
                    &mut req,
                    manager,
                    Action::Update,
                    Resource::Plan,
                    w.plans[k].id,
                );
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::MeasureDone,
                    &summary,
                    Some(manager),
                    id,
                );
            }
            Step::Refer => self.refer(w, req),
            Step::Monitoring => {
                if w.status == CaseStatus::InProgress {
                    self.audit(&mut req, manager, Action::Update, Resource::Case, w.id);
                    self.transition(w, &mut req, CaseStatus::Monitoring, manager);
                }
            }
            Step::RequestClosure => {
                if !matches!(w.status, CaseStatus::InProgress | CaseStatus::Monitoring) {
                    return;
                }
                let reason = w.case.reason.as_str();
                w.status = CaseStatus::ClosureRequested;
                w.version += 1;
                w.closure_reason = Some(reason);
                let mut summary = format!("Closure requested: {reason}");
                if reason == "other" {
                    summary = format!("{summary} — {}", texts::closure_other(&mut self.rng));
                }
                self.audit(&mut req, manager, Action::Update, Resource::Case, w.id);
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::ClosureRequested,
                    &summary,
                    Some(manager),
                    w.id,
                );
            }
            Step::ReturnClosure => {
                if w.status != CaseStatus::ClosureRequested {
                    return;
                }
                w.status = CaseStatus::InProgress;
                w.version += 1;
                w.closure_reason = None;
                let summary = format!(
                    "Closure returned to the case manager — {}",
                    texts::closure_return(&mut self.rng)
                );
                self.audit(&mut req, supervisor, Action::Update, Resource::Case, w.id);
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::ClosureReturned,
                    &summary,
                    Some(supervisor),
                    w.id,
                );
            }
            Step::Close => {
                if w.status != CaseStatus::ClosureRequested {
                    return;
                }
                w.status = CaseStatus::Closed;
                w.version += 1;
                w.closed_at = Some(at);
                let summary = format!("Case closed: {}", w.closure_reason.unwrap_or_default());
                self.audit(&mut req, supervisor, Action::Update, Resource::Case, w.id);
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::Closed,
                    &summary,
                    Some(supervisor),
                    w.id,
                );
                Self::cancel(w, at, None, None);
                let risk = w.risk;
                self.start(w, &mut req, DeadlineKind::FollowUp, risk, None);
            }
            Step::FollowUp => {
                // No endpoint records the follow-up review yet; the history counts it done, as
                // the protocol engine's `meet` would, so that closed cases do not all look
                // overdue.
                if w.status == CaseStatus::Closed {
                    self.meet(w, &mut req, DeadlineKind::FollowUp, None, manager);
                }
            }
            Step::Read => {
                let reader = if w.assignee.is_some() && self.rng.chance(0.8) {
                    manager
                } else {
                    supervisor
                };
                if self.rng.chance(0.7) {
                    self.audit(&mut req, reader, Action::Read, Resource::Case, w.id);
                } else {
                    let child = self.child_id;
                    self.audit(&mut req, reader, Action::Read, Resource::Child, child);
                }
            }
        }
    }
}
