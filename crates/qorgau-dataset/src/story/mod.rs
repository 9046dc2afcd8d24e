//! A child's history as the rows the API would have written living it: the child record, each
//! signal and its triage, and each case step by step — assignment, first contact, assessments,
//! plan versions and their approval, interventions, referrals and their answers, closure — with
//! the timeline event, the deadline bookkeeping (`protocol_engine`) and the audit entry of every
//! request, in the order the handlers write them (ids of one request share its timestamp and
//! keep their order).
//!
//! One simplification: signals about a child without an IIN all point at one record, as after
//! the supervisor's merge of the duplicates the registry would have flagged.

use qorgau_domain::iin::Sex;
use qorgau_domain::protocol::{DeadlineKind, ProtocolSet};
use qorgau_domain::signal::ChildFacts;
use qorgau_domain::taxonomy::{RiskLevel, SignalSource};
use qorgau_domain::timeline::TimelineKind;

use super::audit::{self, Action, Resource};
use super::geography::{Geography, REGIONS};
use super::outline::{Child, Fate};
use super::people::{self, NameBook};
use super::random::{Gen, Stream};
use super::rows::{Batch, Table};
use super::texts;
use super::time::{DAY, Deadlines, HOUR, Micros, local_year};
use super::world::World;

mod case;
mod deadlines;
mod records;
mod requests;

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
        kind: TimelineKind,
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
            kind: kind.as_str(),
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
            self.event(
                &mut req,
                None,
                TimelineKind::Signal,
                &summary,
                Some(filer),
                id,
            );
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
            self.event(
                &mut req,
                case,
                TimelineKind::Triage,
                &summary,
                Some(intake),
                id,
            );
        }
    }
}
