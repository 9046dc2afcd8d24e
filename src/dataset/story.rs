//! A child's history as the rows the API would have written living it: the child record, each
//! signal and its triage, and each case step by step — assignment, first contact, assessments,
//! plan versions and their approval, interventions, referrals and their answers, closure — with
//! the timeline event, the deadline bookkeeping (`protocol_engine`) and the audit entry of every
//! request, in the order the handlers write them (ids of one request share its timestamp and
//! keep their order).
//!
//! One simplification: signals about a child without an IIN all point at one record, as after
//! the supervisor's merge of the duplicates the registry would have flagged.

use qorgau_domain::assessment::{AssessmentDomain, DomainFinding, NeedLevel};
use qorgau_domain::case::{CaseStatus, case_number};
use qorgau_domain::iin::Sex;
use qorgau_domain::intervention::InterventionKind;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::plan::AssistanceKind;
use qorgau_domain::protocol::{DeadlineKind, ProtocolSet, RouteAction};
use qorgau_domain::referral::OverrideBasis;
use qorgau_domain::signal::ChildFacts;
use qorgau_domain::taxonomy::{Concern, RiskLevel, SignalSource};

use super::audit::{self, Action, Resource};
use super::distributions as dist;
use super::geography::{Geography, REGIONS};
use super::outline::{Case, Child, Fate};
use super::people::{self, NameBook};
use super::random::{Gen, Stream};
use super::rows::{Batch, Table};
use super::texts;
use super::time::{DAY, Deadlines, HOUR, MINUTE, Micros, local_day, local_year};
use super::world::World;

/// Everything shared while telling the children's stories.
pub struct Teller<'a> {
    pub seed: u64,
    pub end: Micros,
    pub geo: &'a Geography,
    pub names: &'a NameBook,
    pub world: &'a World,
    pub protocols: &'a ProtocolSet,
    pub deadlines: Deadlines<'a>,
    pub audit: Vec<audit::Entry>,
}

/// What the caller keeps of a child: enough to pick the ones the benchmark reads.
pub struct Told {
    pub child_id: u128,
    pub events: usize,
    /// The child's case open at the end: (id, assignee).
    pub open_case: Option<(u128, Option<usize>)>,
}

/// A request: the rows it writes share its instant, their ids its order.
struct Req {
    at: Micros,
    tie: u8,
}

impl Req {
    fn at(at: Micros) -> Req {
        Req { at, tie: 0 }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeadlineState {
    Pending,
    Met(Micros),
    Cancelled(Micros),
}

struct Deadline {
    id: u128,
    kind: DeadlineKind,
    ref_id: Option<u128>,
    starts: Micros,
    due: Micros,
    state: DeadlineState,
}

/// The referral's answer, planned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Decline,
    Withdraw,
}

struct Referral {
    id: u128,
    org: usize,
    service: String,
    reason: String,
    urgency: Option<RiskLevel>,
    respond_by: Micros,
    consent: Option<u128>,
    basis: Option<OverrideBasis>,
    mandatory: bool,
    notification: bool,
    created_by: usize,
    created: Micros,
    answer: Answer,
    answered: Micros,
    completed: Micros,
    /// Set as steps happen.
    responded: Option<(Micros, usize)>,
    done: Option<Micros>,
    withdrawn: Option<Micros>,
}

struct Measure {
    id: u128,
    goal: u128,
    position: i32,
    kind: AssistanceKind,
    description: &'static str,
    org: usize,
    due_day: i32,
    done: Option<(Micros, usize)>,
}

struct Goal {
    id: u128,
    title: &'static str,
}

struct PlanVersion {
    id: u128,
    version: i32,
    drafted: Micros,
    approved: bool,
    note: Option<&'static str>,
    goals: Vec<Goal>,
    measures: Vec<Measure>,
    /// Set as steps happen.
    decision: Option<(Micros, usize)>,
}

/// One step of a case, at its instant.
#[derive(Clone, Copy)]
enum Step {
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

impl Teller<'_> {
    pub fn tell(&mut self, n: u32, child: &Child, out: &mut Batch) -> Told {
        let mut rng = Gen::new(self.seed, Stream::Story(n));
        let region = self.geo.districts[child.district].region;
        let child_id = rng.uuid_v7(first_known(child, self.end), 0);
        let case_ids: Vec<u128> = child
            .cases
            .iter()
            .map(|c| rng.uuid_v7(c.opened, 0))
            .collect();
        let mut scene = Scene {
            t: self,
            rng,
            out,
            child,
            n,
            child_id,
            region,
            timeline: Vec::new(),
            registered: false,
            relations: Vec::new(),
            signal_ids: Vec::new(),
        };
        for (i, signal) in child.signals.iter().enumerate() {
            scene.signal(i, signal, &case_ids);
        }
        let mut open_case = None;
        for (c, case) in child.cases.iter().enumerate() {
            let signal = &child.signals[case.signal];
            scene.case(case, case_ids[c], signal.received, signal.urgency);
            if case.open_at(scene.t.end) {
                let assignee = case.manager.filter(|_| case.assigned <= scene.t.end);
                open_case = Some((case_ids[c], assignee));
            }
        }
        scene.write_timeline();
        Told {
            child_id,
            events: scene.timeline.len(),
            open_case,
        }
    }
}

/// A timeline event waiting for the child's others, to be written in order.
struct Event {
    id: u128,
    case: Option<u128>,
    at: Micros,
    kind: &'static str,
    summary: String,
    actor: Option<u128>,
    ref_id: u128,
}

/// The id a child's record gets: the first draw of its story, at its first identified signal.
pub fn child_id(seed: u64, n: u32, child: &Child, end: Micros) -> u128 {
    Gen::new(seed, Stream::Story(n)).uuid_v7(first_known(child, end), 0)
}

fn first_known(child: &Child, end: Micros) -> Micros {
    child
        .signals
        .iter()
        .find(|s| s.identified)
        .map_or(end, |s| s.received)
}

struct Scene<'t, 'a> {
    t: &'t mut Teller<'a>,
    rng: Gen,
    out: &'t mut Batch,
    child: &'t Child,
    n: u32,
    child_id: u128,
    region: usize,
    timeline: Vec<Event>,
    registered: bool,
    /// The child's recorded relations: (id, name, relation, legal representative, alleged
    /// perpetrator).
    relations: Vec<(u128, String, &'static str, bool, bool)>,
    /// The ids of the child's signals, in order.
    signal_ids: Vec<u128>,
}

impl Scene<'_, '_> {
    fn world(&self) -> &World {
        self.t.world
    }

    fn id(&mut self, req: &mut Req) -> u128 {
        let id = self.rng.uuid_v7(req.at, req.tie);
        req.tie = req.tie.saturating_add(1);
        id
    }

    fn user_id(&self, user: usize) -> u128 {
        self.world().users[user].id
    }

    fn audit(&mut self, req: &mut Req, user: usize, action: Action, resource: Resource, id: u128) {
        let entry = audit::Entry {
            id: self.id(req),
            resource_id: id,
            child: self.child_id,
            at: req.at,
            user: user as u32,
            action,
            resource,
            region: self.region as u8,
        };
        self.t.audit.push(entry);
    }

    fn event(
        &mut self,
        req: &mut Req,
        case: Option<u128>,
        kind: &'static str,
        summary: impl Into<String>,
        actor: Option<usize>,
        ref_id: u128,
    ) {
        let id = self.id(req);
        let actor = actor.map(|u| self.user_id(u));
        self.timeline.push(Event {
            id,
            case,
            at: req.at,
            kind,
            summary: summary.into(),
            actor,
            ref_id,
        });
    }

    /// The child's timeline in the order it is read (`child_id, at, id`): written so, the rows
    /// of one child sit together on disk and the index over them is built from sorted input.
    fn write_timeline(&mut self) {
        self.timeline.sort_unstable_by_key(|e| e.id);
        for e in &self.timeline {
            self.out
                .rows(Table::Timeline)
                .id(e.id)
                .id(self.child_id)
                .opt_id(e.case)
                .ts(e.at)
                .text(e.kind)
                .text(&e.summary)
                .opt_id(e.actor)
                .id(e.ref_id)
                .end();
        }
    }

    fn facts(&self) -> ChildFacts {
        let names = self.t.names;
        let c = self.child;
        ChildFacts {
            iin: c.iin.clone(),
            last_name: Some(names.family(c.name).text.clone()),
            first_name: Some(names.given(c.name).text.clone()),
            middle_name: Some(names.patronymic(c.name).to_string()),
            birth_date: Some(super::time::date_of_day(c.birth_day)),
            sex: Some(c.sex),
            approx_age: None,
            address: None,
        }
    }

    fn register(&mut self, at: Micros) {
        let names = self.t.names;
        let c = self.child;
        let district = &self.t.geo.districts[c.district];
        let address = people::address(&mut self.rng, &district.name_ru);
        let middle = self.rng.chance(0.85).then(|| names.patronymic(c.name));
        let id = self.child_id;
        self.out
            .rows(Table::Children)
            .id(id)
            .opt_text(c.iin.as_ref().map(|i| i.as_str()))
            .text(&names.family(c.name).text)
            .text(&names.given(c.name).text)
            .opt_text(middle)
            .text(&names.family(c.name).key)
            .text(&names.given(c.name).key)
            .date(c.birth_day)
            .text(c.sex.as_str())
            .opt_text(self.rng.chance(0.9).then_some(address.as_str()))
            .text(REGIONS[district.region].code)
            .text(&district.code)
            .null()
            .ts(at)
            .end();
        self.registered = true;
    }

    fn signal(&mut self, i: usize, s: &super::outline::Signal, case_ids: &[u128]) {
        let world = self.t.world;
        let geo = self.t.geo;
        let district = self.child.district;
        let filer = if s.source == SignalSource::MobileGroup {
            *self.rng.pick(&world.districts[district].mobile)
        } else {
            world.districts[district].intake
        };
        let mut req = Req::at(s.received);
        if s.identified && !self.registered {
            req.tie = 1; // the child's id took the first place: the registry runs first
            self.register(s.received);
        }
        let id = self.id(&mut req);
        self.signal_ids.push(id);
        let triage_due = self.t.deadlines.due(
            DeadlineKind::Triage,
            s.received,
            s.urgency.unwrap_or(RiskLevel::Medium),
        );
        let facts = if s.identified {
            self.facts()
        } else {
            ChildFacts {
                approx_age: u8::try_from(self.child.age_at(s.received)).ok(),
                ..ChildFacts::default()
            }
        };
        let facts = serde_json::to_string(&facts).unwrap_or_else(|_| "{}".into());
        let professional = matches!(
            s.source,
            SignalSource::MobileGroup
                | SignalSource::School
                | SignalSource::SchoolDiagnostics
                | SignalSource::Health
                | SignalSource::Police
                | SignalSource::Commission
        );
        let anonymous = !professional && self.rng.chance(0.35);
        let reporter_name = (!anonymous).then(|| {
            let sex = if self.rng.chance(0.7) {
                Sex::Female
            } else {
                Sex::Male
            };
            let share = REGIONS[self.region].russian_share;
            let name = self.t.names.draw(&mut self.rng, sex, share);
            self.t.names.full(name)
        });
        let reporter_phone = (!anonymous).then(|| people::phone(&mut self.rng));
        let relation = texts::reporter_relation(&mut self.rng, s.source);
        let external_ref = matches!(
            s.source,
            SignalSource::ContactCentre111 | SignalSource::Qr111
        )
        .then(|| format!("111-{}-{:07}{:02}", local_year(s.received), self.n, i));
        let observed = self
            .rng
            .chance(0.5)
            .then(|| s.received - self.rng.between(HOUR, 3 * DAY));
        let intake = world.districts[district].intake;
        let (status, triaged, risk, reason, case) = match s.fate {
            Fate::Awaiting => ("received", None, None, None, None),
            Fate::ScreenedOut(t) => (
                "screened_out",
                Some(t),
                self.rng.chance(0.3).then_some(RiskLevel::Low),
                Some(texts::screen_out_reason(&mut self.rng)),
                None,
            ),
            Fate::Opened(t, c) => (
                "case_opened",
                Some(t),
                Some(self.child.cases[c].risk),
                None,
                Some(case_ids[c]),
            ),
            Fate::Linked(t, c) => (
                "linked",
                Some(t),
                Some(self.child.cases[c].risk_at(t)),
                None,
                Some(case_ids[c]),
            ),
        };
        let child = s.identified.then_some(self.child_id);
        let description = texts::description(&mut self.rng, s.concerns.first());
        let rows = self.out.rows(Table::Signals);
        rows.id(id)
            .text(s.source.as_str())
            .opt_text(external_ref.as_deref())
            .opt_text(s.urgency.map(RiskLevel::as_str))
            .text(description)
            .opt_ts(observed)
            .text(REGIONS[self.region].code)
            .text(&geo.districts[district].code)
            .opt_id(child)
            .text(&facts)
            .opt_text(reporter_name.as_deref())
            .opt_text(reporter_phone.as_deref())
            .text(relation)
            .bool(anonymous)
            .text(status)
            .ts(s.received)
            .ts(triage_due)
            .id(world.users[filer].id)
            .opt_ts(triaged)
            .opt_id(triaged.map(|_| world.users[intake].id))
            .opt_text(risk.map(RiskLevel::as_str))
            .opt_text(reason)
            .opt_id(case)
            .ts(triaged.unwrap_or(s.received))
            .end();
        for concern in s.concerns.iter() {
            self.out
                .rows(Table::SignalConcerns)
                .id(id)
                .text(concern.as_str())
                .end();
        }
        self.audit(&mut req, filer, Action::Create, Resource::Signal, id);
        if s.identified {
            let summary = format!(
                "Signal received from {}: {}",
                s.source.as_str(),
                s.concerns.joined()
            );
            self.event(&mut req, None, "signal", &summary, Some(filer), id);
        }
        // A case's opening triage is written with the case, in the same request.
        let Some(at) = triaged else { return };
        if matches!(s.fate, Fate::Opened(..)) {
            return;
        }
        let mut req = Req::at(at);
        self.audit(&mut req, intake, Action::Update, Resource::Signal, id);
        if s.identified {
            let summary = match reason {
                Some(r) => format!("Signal screened out: {r}"),
                None => "Signal triaged: linked".to_string(),
            };
            self.event(&mut req, case, "triage", &summary, Some(intake), id);
        }
    }
}

/// The state of a case while its steps are played.
struct Work<'c> {
    case: &'c Case,
    id: u128,
    status: CaseStatus,
    risk: RiskLevel,
    version: i32,
    manager: usize,
    supervisor: usize,
    deadlines: Vec<Deadline>,
    referrals: Vec<Referral>,
    plans: Vec<PlanVersion>,
    consent: Option<(u128, &'static str)>,
    closure_reason: Option<&'static str>,
    closed_at: Option<Micros>,
    assignee: Option<usize>,
}

impl Scene<'_, '_> {
    fn case(&mut self, case: &Case, id: u128, received: Micros, urgency: Option<RiskLevel>) {
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
    fn schedule(&mut self, w: &mut Work<'_>) -> Vec<(Micros, Step)> {
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
        while drafts.len() < 5 {
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

    fn registered_relations(&self) -> bool {
        !self.relations.is_empty()
    }

    fn plan_version(
        &mut self,
        w: &Work<'_>,
        k: usize,
        drafted: Micros,
        approved: bool,
    ) -> PlanVersion {
        let mut req = Req::at(drafted);
        let id = self.id(&mut req);
        let mut goals = Vec::new();
        let mut measures = Vec::new();
        for concern in w.case.concerns.iter().take(2) {
            let goal = Goal {
                id: self.id(&mut req),
                title: texts::goal(&mut self.rng, concern),
            };
            for position in 0..if self.rng.chance(0.3) { 2 } else { 1 } {
                let kind = *self.rng.pick(&[
                    AssistanceKind::Social,
                    AssistanceKind::Social,
                    AssistanceKind::Psychological,
                    AssistanceKind::Psychological,
                    AssistanceKind::Pedagogical,
                    AssistanceKind::Medical,
                    AssistanceKind::Legal,
                ]);
                let org_kind = match kind {
                    AssistanceKind::Medical => OrganisationKind::Health,
                    AssistanceKind::Psychological => OrganisationKind::PsychologicalSupportCentre,
                    AssistanceKind::Pedagogical => OrganisationKind::School,
                    AssistanceKind::Social => OrganisationKind::FamilySupportCentre,
                    AssistanceKind::Legal => OrganisationKind::GuardianshipAuthority,
                };
                let org = self
                    .t
                    .world
                    .nearest(org_kind, self.child.district)
                    .unwrap_or(self.t.world.regions[self.region].department);
                measures.push(Measure {
                    id: self.id(&mut req),
                    goal: goal.id,
                    position,
                    kind,
                    description: texts::measure(&mut self.rng, kind),
                    org,
                    due_day: local_day(drafted) + 14 + self.rng.below(100) as i32,
                    done: None,
                });
            }
            goals.push(goal);
        }
        PlanVersion {
            id,
            version: k as i32 + 1,
            drafted,
            approved,
            note: (!approved).then(|| texts::plan_rejection(&mut self.rng)),
            goals,
            measures,
            decision: None,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Deadlines, as `protocol_engine` keeps them.

    fn start(
        &mut self,
        w: &mut Work<'_>,
        req: &mut Req,
        kind: DeadlineKind,
        risk: RiskLevel,
        ref_id: Option<u128>,
    ) -> Micros {
        for d in w.deadlines.iter_mut().filter(|d| {
            d.kind == kind
                && d.state == DeadlineState::Pending
                && (ref_id.is_none() || d.ref_id == ref_id)
        }) {
            d.state = DeadlineState::Cancelled(req.at);
        }
        let due = self.t.deadlines.due(kind, req.at, risk);
        let id = self.id(req);
        w.deadlines.push(Deadline {
            id,
            kind,
            ref_id,
            starts: req.at,
            due,
            state: DeadlineState::Pending,
        });
        due
    }

    fn meet(
        &mut self,
        w: &mut Work<'_>,
        req: &mut Req,
        kind: DeadlineKind,
        ref_id: Option<u128>,
        actor: usize,
    ) {
        let found = w.deadlines.iter_mut().find(|d| {
            d.kind == kind
                && d.state == DeadlineState::Pending
                && (ref_id.is_none() || d.ref_id == ref_id)
        });
        let Some(d) = found else { return };
        d.state = DeadlineState::Met(req.at);
        let late = if d.due < req.at { " (late)" } else { "" };
        let summary = format!("Deadline {} met{late}", kind.as_str());
        let id = d.id;
        self.event(req, Some(w.id), "deadline_met", &summary, Some(actor), id);
    }

    fn cancel(w: &mut Work<'_>, at: Micros, kind: Option<DeadlineKind>, ref_id: Option<u128>) {
        for d in w.deadlines.iter_mut().filter(|d| {
            d.state == DeadlineState::Pending
                && kind.is_none_or(|k| d.kind == k)
                && (ref_id.is_none() || d.ref_id == ref_id)
        }) {
            d.state = DeadlineState::Cancelled(at);
        }
    }

    // -----------------------------------------------------------------------------------------
    // The steps.

    fn transition(&mut self, w: &mut Work<'_>, req: &mut Req, to: CaseStatus, actor: usize) {
        let from = w.status;
        w.status = to;
        w.version += 1;
        let summary = format!("Case moved from {} to {}", from.as_str(), to.as_str());
        self.event(
            req,
            Some(w.id),
            "status_changed",
            &summary,
            Some(actor),
            w.id,
        );
    }

    fn open(&mut self, w: &mut Work<'_>, received: Micros, urgency: Option<RiskLevel>) {
        let c = w.case;
        let intake = self.t.world.districts[self.child.district].intake;
        let signal = self.signal_id(c);
        let mut req = Req::at(c.opened);
        req.tie = 1; // the case id came first
        self.audit(&mut req, intake, Action::Create, Resource::Case, w.id);
        self.event(
            &mut req,
            Some(w.id),
            "triage",
            "Signal triaged: case opened",
            Some(intake),
            signal,
        );
        let number = case_number(REGIONS[self.region].code, local_year(c.opened), c.number);
        let summary = format!("Case {number} opened in intake, risk {}", c.risk.as_str());
        self.event(
            &mut req,
            Some(w.id),
            "case_opened",
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
    fn signal_id(&self, c: &Case) -> u128 {
        self.signal_ids.get(c.signal).copied().unwrap_or(0)
    }

    /// The protocol's mandatory referrals and notifications (`protocol_engine::route`).
    fn route(&mut self, w: &mut Work<'_>, req: &mut Req, actor: usize) {
        let c = w.case;
        let protocols = self.t.protocols;
        let protocol = protocols.in_force_at(super::time::to_utc(c.opened));
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
            self.event(req, Some(w.id), "referral", &summary, Some(actor), id);
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

    /// Decides when and how the referral is answered and completed, and schedules nothing: the
    /// answers are played when the case's steps reach them (see `answers`).
    fn plan_answer(&mut self, w: &mut Work<'_>, mut r: Referral) {
        let c = w.case;
        let work_ends = c.returned.map_or(c.closure_requested, |(first, _)| first);
        r.answer = if r.notification {
            Answer::Accept
        } else {
            *self.rng.pick(&[
                Answer::Accept,
                Answer::Accept,
                Answer::Accept,
                Answer::Accept,
                Answer::Accept,
                Answer::Accept,
                Answer::Accept,
                Answer::Accept,
                Answer::Decline,
                Answer::Withdraw,
            ])
        };
        let late = if r.answer == Answer::Withdraw {
            0.0
        } else {
            0.1
        };
        let span = (r.respond_by - r.created).max(HOUR);
        r.answered = if self.rng.chance(late) {
            r.respond_by + self.rng.share(0, span, 0.1, 2.0)
        } else {
            r.created + self.rng.share(0, span, 0.05, 0.95)
        };
        // Answered and completed while the case is still worked.
        r.answered = r
            .answered
            .min(work_ends - 2 * HOUR)
            .max(r.created + 10 * MINUTE);
        r.completed = (r.answered + (self.rng.log_normal(25.0, 0.6) * DAY as f64) as Micros)
            .min(work_ends - self.rng.between(HOUR, 3 * DAY))
            .max(r.answered + HOUR);
        w.referrals.push(r);
    }

    fn step(&mut self, w: &mut Work<'_>, at: Micros, step: Step) {
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
                    "assigned",
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
                    "plan_version",
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
                    "measure_done",
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
                    "closure_requested",
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
                    "closure_returned",
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
                    "closed",
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

    /// Plays the referral answers and completions due by `until`.
    fn answers(&mut self, w: &mut Work<'_>, until: Micros) {
        loop {
            let next = w
                .referrals
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    if r.responded.is_none() && r.withdrawn.is_none() {
                        Some((r.answered, i, false))
                    } else if r.responded.is_some()
                        && r.done.is_none()
                        && r.answer == Answer::Accept
                    {
                        Some((r.completed, i, true))
                    } else {
                        None
                    }
                })
                .filter(|(at, ..)| *at <= until && *at <= self.t.end)
                .min_by_key(|(at, ..)| *at);
            let Some((at, i, completing)) = next else {
                return;
            };
            if matches!(w.status, CaseStatus::Closed) {
                return;
            }
            self.answer(w, i, at, completing);
        }
    }

    fn answer(&mut self, w: &mut Work<'_>, i: usize, at: Micros, completing: bool) {
        let mut req = Req::at(at);
        let org = w.referrals[i].org;
        let specialist = self.t.world.specialists[org]
            .first()
            .copied()
            .unwrap_or(w.supervisor);
        let id = w.referrals[i].id;
        let service = w.referrals[i].service.clone();
        if completing {
            w.referrals[i].done = Some(at);
            let outcome = texts::referral_outcome(&mut self.rng);
            self.audit(&mut req, specialist, Action::Update, Resource::Referral, id);
            let summary = format!("Referral for {service} completed: {outcome}");
            self.event(
                &mut req,
                Some(w.id),
                "referral_completed",
                &summary,
                Some(specialist),
                id,
            );
            return;
        }
        match w.referrals[i].answer {
            Answer::Withdraw => {
                let manager = w.manager;
                w.referrals[i].withdrawn = Some(at);
                Self::cancel(w, at, Some(DeadlineKind::ReferralResponse), Some(id));
                self.audit(&mut req, manager, Action::Update, Resource::Referral, id);
                let summary = format!("Referral for {service} withdrawn");
                self.event(
                    &mut req,
                    Some(w.id),
                    "referral_withdrawn",
                    &summary,
                    Some(manager),
                    id,
                );
            }
            answer => {
                w.referrals[i].responded = Some((at, specialist));
                self.audit(&mut req, specialist, Action::Update, Resource::Referral, id);
                self.meet(
                    w,
                    &mut req,
                    DeadlineKind::ReferralResponse,
                    Some(id),
                    specialist,
                );
                let summary = if answer == Answer::Decline {
                    format!(
                        "Referral for {service} declined: {}",
                        texts::decline_reason(&mut self.rng)
                    )
                } else {
                    format!("Referral for {service} accepted")
                };
                let kind = if answer == Answer::Decline {
                    "referral_declined"
                } else {
                    "referral_accepted"
                };
                self.event(&mut req, Some(w.id), kind, &summary, Some(specialist), id);
            }
        }
    }

    fn intervention(&mut self, w: &mut Work<'_>, mut req: Req, kind: Option<InterventionKind>) {
        let first_contact = kind.is_some();
        let (kind, help) = match kind {
            Some(k) => (k, AssistanceKind::Social),
            None => dist::intervention(&mut self.rng, w.case.concerns),
        };
        let child_seen = first_contact
            || match kind {
                InterventionKind::HomeVisit
                | InterventionKind::PsychologicalSession
                | InterventionKind::MedicalCare => self.rng.chance(0.9),
                _ => self.rng.chance(0.4),
            };
        // A specialist of an organisation holding an accepted referral logs some of the work.
        let active: Vec<usize> = w
            .referrals
            .iter()
            .filter(|r| r.responded.is_some() && r.answer == Answer::Accept && r.done.is_none())
            .map(|r| r.org)
            .collect();
        let recorder = if !first_contact && !active.is_empty() && self.rng.chance(0.3) {
            let org = *self.rng.pick(&active);
            self.t.world.specialists[org]
                .first()
                .copied()
                .unwrap_or(w.manager)
        } else {
            w.manager
        };
        let measure = w
            .plans
            .iter()
            .rev()
            .find(|p| p.approved && p.decision.is_some())
            .and_then(|p| (!p.measures.is_empty()).then(|| p.measures[0].id))
            .filter(|_| self.rng.chance(0.5));
        let recorded = req.at;
        let occurred = recorded
            - self
                .rng
                .between(10 * MINUTE, 2 * DAY)
                .min(recorded - w.case.opened);
        let id = self.id(&mut req);
        let summary_text = texts::intervention_summary(&mut self.rng, kind);
        let minutes = self
            .rng
            .chance(0.8)
            .then(|| 15 + self.rng.below(150) as i32);
        self.out
            .rows(Table::Interventions)
            .id(id)
            .id(w.id)
            .text(kind.as_str())
            .text(help.as_str())
            .ts(occurred)
            .text(summary_text)
            .bool(child_seen)
            .opt_int(minutes)
            .opt_id(measure)
            .id(self.t.world.users[recorder].id)
            .ts(recorded)
            .end();
        self.audit(
            &mut req,
            recorder,
            Action::Create,
            Resource::Intervention,
            id,
        );
        let seen = if child_seen {
            ", child seen in person"
        } else {
            ""
        };
        let summary = format!("Intervention: {} ({}){seen}", kind.as_str(), help.as_str());
        self.event(
            &mut req,
            Some(w.id),
            "intervention",
            &summary,
            Some(recorder),
            id,
        );
        if child_seen {
            self.meet(w, &mut req, DeadlineKind::FirstContact, None, recorder);
        }
    }

    fn relations(&mut self, w: &mut Work<'_>, mut req: Req) {
        let violent = w.case.concerns.has(Concern::ViolencePhysical)
            || w.case.concerns.has(Concern::ViolencePsychological)
            || w.case.concerns.has(Concern::ViolenceSexual);
        let mut people = vec![(true, true, false)];
        if self.rng.chance(0.6) {
            // Alleged perpetrators are most often the closest adults (seed l. 304).
            let perpetrator = violent && self.rng.chance(0.6);
            people.push((false, !perpetrator, perpetrator));
        }
        let names = self.t.names;
        for (mother, legal, perpetrator) in people {
            let name = names.parent(
                &mut self.rng,
                self.child.name,
                if mother { Sex::Female } else { Sex::Male },
            );
            let relation = texts::relation_label(mother);
            let id = self.id(&mut req);
            let phone = self.rng.chance(0.8).then(|| people::phone(&mut self.rng));
            let manager = w.manager;
            let manager_id = self.user_id(manager);
            self.out
                .rows(Table::Relations)
                .id(id)
                .id(self.child_id)
                .text(&name)
                .text(relation)
                .bool(legal)
                .bool(perpetrator)
                .opt_text(phone.as_deref())
                .id(manager_id)
                .ts(req.at)
                .end();
            self.audit(&mut req, manager, Action::Create, Resource::Relation, id);
            let flag = if perpetrator {
                " — alleged perpetrator"
            } else {
                ""
            };
            let summary = format!("Relation recorded: {name} ({relation}){flag}");
            self.event(
                &mut req,
                Some(w.id),
                "relation",
                &summary,
                Some(manager),
                id,
            );
            self.relations
                .push((id, name, relation, legal, perpetrator));
        }
    }

    fn consent(&mut self, w: &mut Work<'_>, mut req: Req) {
        let Some((relation_id, name, relation, ..)) = self
            .relations
            .iter()
            .find(|r| r.3 && !r.4)
            .map(|r| (r.0, r.1.clone(), r.2, r.3, r.4))
        else {
            return;
        };
        let id = self.id(&mut req);
        const SHARE_WITH: &str = "psychological_support_centre,health,family_support_centre,school,ngo,crisis_centre,mental_health_centre,guardianship_authority,youth_health_centre";
        let manager = w.manager;
        let manager_id = self.user_id(manager);
        let given = req.at - self.rng.between(0, 2 * HOUR);
        self.out
            .rows(Table::Consents)
            .id(id)
            .id(w.id)
            .id(relation_id)
            .text(&name)
            .text(relation)
            .bool(true)
            .text(SHARE_WITH)
            .ts(given)
            .null()
            .id(manager_id)
            .ts(req.at)
            .end();
        w.consent = Some((id, SHARE_WITH));
        self.audit(&mut req, manager, Action::Create, Resource::Consent, id);
        let summary = format!("Consent recorded from {name} ({relation})");
        self.event(&mut req, Some(w.id), "consent", &summary, Some(manager), id);
    }

    fn assessment(&mut self, w: &mut Work<'_>, mut req: Req, comprehensive: bool) {
        let manager = w.manager;
        let id = self.id(&mut req);
        let c = w.case;
        let risk = if comprehensive {
            Some(c.revised_risk.unwrap_or(w.risk))
        } else {
            self.rng.chance(0.5).then_some(w.risk)
        };
        let domains: Vec<DomainFinding> = if comprehensive {
            AssessmentDomain::ALL
                .iter()
                .map(|d| DomainFinding {
                    domain: *d,
                    level: *self.rng.pick(&[
                        NeedLevel::None,
                        NeedLevel::Low,
                        NeedLevel::Low,
                        NeedLevel::Medium,
                        NeedLevel::Medium,
                        NeedLevel::High,
                    ]),
                    note: None,
                })
                .collect()
        } else {
            vec![DomainFinding {
                domain: AssessmentDomain::Safety,
                level: match w.risk {
                    RiskLevel::Critical | RiskLevel::High => NeedLevel::High,
                    RiskLevel::Medium => NeedLevel::Medium,
                    RiskLevel::Low => NeedLevel::Low,
                },
                note: None,
            }]
        };
        let summary = if comprehensive {
            texts::comprehensive_summary(&mut self.rng)
        } else {
            texts::initial_summary(&mut self.rng)
        };
        let manager_id = self.user_id(manager);
        self.out
            .rows(Table::Assessments)
            .id(id)
            .id(w.id)
            .text(if comprehensive {
                "comprehensive"
            } else {
                "initial"
            })
            .text(summary)
            .opt_text(risk.map(RiskLevel::as_str))
            .text(&serde_json::to_string(&domains).unwrap_or_else(|_| "[]".into()))
            .id(manager_id)
            .ts(req.at)
            .end();
        self.audit(&mut req, manager, Action::Create, Resource::Assessment, id);
        let label = if comprehensive {
            "Comprehensive assessment recorded"
        } else {
            "Initial (safety) assessment recorded"
        };
        self.event(&mut req, Some(w.id), "assessment", label, Some(manager), id);
        if comprehensive {
            self.meet(
                w,
                &mut req,
                DeadlineKind::ComprehensiveAssessment,
                None,
                manager,
            );
            let plan_risk = risk.unwrap_or(w.risk);
            self.start(w, &mut req, DeadlineKind::PlanApproval, plan_risk, None);
        } else {
            self.meet(w, &mut req, DeadlineKind::InitialAssessment, None, manager);
        }
        if let Some(new) = risk.filter(|r| *r != w.risk) {
            let old = w.risk;
            w.risk = new;
            w.version += 1;
            for i in 0..w.deadlines.len() {
                if w.deadlines[i].state == DeadlineState::Pending {
                    let (kind, starts) = (w.deadlines[i].kind, w.deadlines[i].starts);
                    w.deadlines[i].due = self.t.deadlines.due(kind, starts, new);
                }
            }
            let summary = format!(
                "Risk level revised from {} to {} by the assessment",
                old.as_str(),
                new.as_str()
            );
            self.event(
                &mut req,
                Some(w.id),
                "risk_revised",
                &summary,
                Some(manager),
                id,
            );
        }
        let next = match (comprehensive, w.status) {
            (false, CaseStatus::Intake) => Some(CaseStatus::Assessment),
            (true, CaseStatus::Assessment) => Some(CaseStatus::Planning),
            _ => None,
        };
        if let Some(next) = next {
            let from = w.status;
            w.status = next;
            w.version += 1;
            let summary = format!("Case moved from {} to {}", from.as_str(), next.as_str());
            self.event(
                &mut req,
                Some(w.id),
                "status_changed",
                &summary,
                Some(manager),
                id,
            );
        }
    }

    fn decide(&mut self, w: &mut Work<'_>, mut req: Req, k: usize) {
        let supervisor = w.supervisor;
        let plan = &mut w.plans[k];
        plan.decision = Some((req.at, supervisor));
        let (id, version, approved, note) = (plan.id, plan.version, plan.approved, plan.note);
        self.audit(&mut req, supervisor, Action::Update, Resource::Plan, id);
        let (status, kind) = if approved {
            ("approved", "plan_approved")
        } else {
            ("rejected", "plan_rejected")
        };
        let mut summary = format!("Individual plan version {version} {status}");
        if let Some(note) = note {
            summary = format!("{summary}: {note}");
        }
        self.event(&mut req, Some(w.id), kind, &summary, Some(supervisor), id);
        if approved {
            self.meet(w, &mut req, DeadlineKind::PlanApproval, None, supervisor);
            self.meet(w, &mut req, DeadlineKind::PlanReview, None, supervisor);
            let risk = w.risk;
            self.start(w, &mut req, DeadlineKind::PlanReview, risk, None);
        }
    }

    fn refer(&mut self, w: &mut Work<'_>, mut req: Req) {
        if !matches!(
            w.status,
            CaseStatus::Planning | CaseStatus::InProgress | CaseStatus::Monitoring
        ) {
            return;
        }
        let kind = dist::voluntary_referral_kind(&mut self.rng, w.case.concerns);
        let Some(org) = self.t.world.nearest(kind, self.child.district) else {
            return;
        };
        let consent = w
            .consent
            .filter(|(_, share)| share.split(',').any(|k| k == kind.as_str()))
            .map(|(id, _)| id);
        let basis = match consent {
            Some(_) => None,
            None if matches!(w.risk, RiskLevel::Critical | RiskLevel::High) => {
                Some(OverrideBasis::ThreatToLifeOrHealth)
            }
            // Without consent or a threat, a case manager does not share the child's data.
            None => return,
        };
        let manager = w.manager;
        let id = self.id(&mut req);
        let urgency = self.rng.chance(0.3).then_some(w.risk);
        let respond_by = self.start(
            w,
            &mut req,
            DeadlineKind::ReferralResponse,
            urgency.unwrap_or(w.risk),
            Some(id),
        );
        let service = texts::service(kind).to_string();
        let org_name = self.t.world.orgs[org].name.clone();
        let mut summary = format!("Referred to {org_name} for {service}");
        if let Some(b) = basis {
            summary = format!("{summary} (consent overridden: {})", b.as_str());
        }
        self.audit(&mut req, manager, Action::Create, Resource::Referral, id);
        self.event(
            &mut req,
            Some(w.id),
            "referral",
            &summary,
            Some(manager),
            id,
        );
        let referral = Referral {
            id,
            org,
            service,
            reason: texts::referral_reason(&mut self.rng).to_string(),
            urgency,
            respond_by,
            consent,
            basis,
            mandatory: false,
            notification: false,
            created_by: manager,
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

    // -----------------------------------------------------------------------------------------
    // The case's rows in their final state.

    fn case_rows(&mut self, w: &Work<'_>) {
        let end = self.t.end;
        let c = w.case;
        let world = self.t.world;
        let status = w.status;
        let number = case_number(REGIONS[self.region].code, local_year(c.opened), c.number);
        let district = &self.t.geo.districts[self.child.district];
        self.out
            .rows(Table::Cases)
            .id(w.id)
            .text(&number)
            .id(self.child_id)
            .text(status.as_str())
            .text(w.risk.as_str())
            .text(REGIONS[self.region].code)
            .text(&district.code)
            .opt_id(w.assignee.map(|u| world.users[u].id))
            .ts(c.opened)
            .opt_ts(w.closed_at)
            .opt_text(w.closure_reason)
            .int(w.version)
            .end();
        for concern in c.concerns.iter() {
            self.out
                .rows(Table::CaseConcerns)
                .id(w.id)
                .text(concern.as_str())
                .end();
        }
        for plan in w.plans.iter().filter(|p| p.drafted <= end) {
            let manager_id = world.users[w.manager].id;
            let (status, decided) = match plan.decision {
                Some((at, by)) => (
                    if plan.approved {
                        "approved"
                    } else {
                        "rejected"
                    },
                    Some((at, world.users[by].id)),
                ),
                None => ("draft", None),
            };
            self.out
                .rows(Table::Plans)
                .id(plan.id)
                .id(w.id)
                .int(plan.version)
                .text(status)
                .id(manager_id)
                .ts(plan.drafted)
                .opt_id(decided.map(|d| d.1))
                .opt_ts(decided.map(|d| d.0))
                .opt_text(if decided.is_some() { plan.note } else { None })
                .end();
            for (position, goal) in plan.goals.iter().enumerate() {
                self.out
                    .rows(Table::PlanGoals)
                    .id(goal.id)
                    .id(plan.id)
                    .int(position as i32)
                    .text(goal.title)
                    .end();
            }
            for m in &plan.measures {
                self.out
                    .rows(Table::PlanMeasures)
                    .id(m.id)
                    .id(plan.id)
                    .id(m.goal)
                    .int(m.position)
                    .text(m.kind.as_str())
                    .text(m.description)
                    .id(world.orgs[m.org].id)
                    .date(m.due_day)
                    .opt_ts(m.done.map(|d| d.0))
                    .opt_id(m.done.map(|d| world.users[d.1].id))
                    .end();
            }
        }
        for r in &w.referrals {
            let status = match (r.withdrawn, r.done, r.responded, r.answer) {
                (Some(_), ..) => "withdrawn",
                (_, Some(_), ..) => "completed",
                (_, _, Some(_), Answer::Decline) => "declined",
                (_, _, Some(_), _) => "accepted",
                _ => "pending",
            };
            let declined = status == "declined";
            self.out
                .rows(Table::Referrals)
                .id(r.id)
                .id(w.id)
                .id(world.orgs[r.org].id)
                .text(&r.service)
                .text(&r.reason)
                .opt_text(r.urgency.map(RiskLevel::as_str))
                .text(status)
                .ts(r.respond_by)
                .opt_id(r.consent)
                .opt_text(r.basis.map(OverrideBasis::as_str))
                .opt_text(r.basis.map(|_| {
                    if r.mandatory {
                        "mandatory under the interagency protocol"
                    } else {
                        "угроза жизни и здоровью ребёнка"
                    }
                }))
                .id(world.users[r.created_by].id)
                .ts(r.created)
                .opt_ts(r.responded.map(|x| x.0))
                .opt_id(r.responded.map(|x| world.users[x.1].id))
                .opt_text(
                    declined.then_some("Нет свободных мест, предложено обратиться через месяц"),
                )
                .opt_ts(r.done)
                .opt_text(r.done.map(|_| "Помощь оказана в полном объёме"))
                .opt_ts(r.withdrawn)
                .text(if r.notification {
                    "notification"
                } else {
                    "referral"
                })
                .bool(r.mandatory)
                .end();
        }
        self.deadline_rows(w);
    }

    /// The deadlines, with the reminders and escalations the worker would have sent while they
    /// were pending (it runs every minute or so), and their timeline events.
    fn deadline_rows(&mut self, w: &Work<'_>) {
        let end = self.t.end;
        for d in &w.deadlines {
            let (status, met, until) = match d.state {
                DeadlineState::Pending => ("pending", None, end),
                DeadlineState::Met(at) => ("met", Some(at), at),
                DeadlineState::Cancelled(at) => ("cancelled", None, at),
            };
            let lead = HOUR.max((d.due - d.starts) / 4);
            let remind = (d.due - lead).max(d.starts) + self.rng.between(WORKER_LAG, MINUTE);
            let escalate = d.due + self.rng.between(WORKER_LAG, MINUTE);
            // The triage deadline is written already met, when the case opens.
            let watched = d.kind != DeadlineKind::Triage;
            let reminded = (watched && remind < until && remind < d.due).then_some(remind);
            let escalated = (watched && escalate < until).then_some(escalate);
            self.out
                .rows(Table::Deadlines)
                .id(d.id)
                .id(w.id)
                .text(d.kind.as_str())
                .opt_id(d.ref_id)
                .ts(d.starts)
                .ts(d.due)
                .text(status)
                .opt_ts(met)
                .opt_ts(reminded)
                .opt_ts(escalated)
                .end();
            if let Some(at) = reminded {
                let mut req = Req::at(at);
                let summary = format!("Deadline {} due soon: assignee reminded", d.kind.as_str());
                self.event(
                    &mut req,
                    Some(w.id),
                    "deadline_reminder",
                    &summary,
                    None,
                    d.id,
                );
            }
            if let Some(at) = escalated {
                let mut req = Req::at(at);
                let summary = format!(
                    "Deadline {} missed: escalated to the supervisor",
                    d.kind.as_str()
                );
                self.event(&mut req, Some(w.id), "escalation", &summary, None, d.id);
            }
        }
    }
}

/// The worker's delay after a deadline's reminder or lapse: it wakes every minute or so.
const WORKER_LAG: Micros = 5 * super::time::SECOND;
