//! The outline of each child's history: who they are, when signals about them arrive and how
//! triage answers them, and the milestones of each case — from opening to closure, timed against
//! the protocol's deadlines (mostly met, some late). Drawn first, for every child, because three
//! things need the whole country at once: case numbers run per region and year in order of
//! opening, case managers are sized and loaded by the cases open at the end, and IINs must be
//! unique.

use qorgau_domain::iin::{Iin, Sex};
use qorgau_domain::lifecycle::ClosureReason;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::{Concern, RiskLevel, SignalSource};

use super::distributions::{self as dist, Concerns};
use super::geography::Geography;
use super::people::{NameBook, PersonName};
use super::random::{Gen, Stream};
use super::time::{DAY, Deadlines, HOUR, MINUTE, Micros, YEAR, date_of_day, local_day};

/// Share of children registered without an IIN (migrant children, seed l. 736).
const NO_IIN: f64 = 0.05;
/// Share of screened-out signals that identify no child at all.
const UNIDENTIFIED: f64 = 0.02;

pub struct Child {
    pub district: usize,
    pub sex: Sex,
    pub birth_day: i32,
    pub name: PersonName,
    /// Set for children with an IIN once every child is drawn.
    pub iin: Option<Iin>,
    has_iin: bool,
    pub signals: Vec<Signal>,
    pub cases: Vec<Case>,
}

pub struct Signal {
    pub received: Micros,
    pub source: SignalSource,
    pub concerns: Concerns,
    pub urgency: Option<RiskLevel>,
    /// Whether the reporter identified the child.
    pub identified: bool,
    pub fate: Fate,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Not yet triaged when the history ends.
    Awaiting,
    /// Triaged at the instant given: opened case `n` of the child.
    Opened(Micros, usize),
    /// Linked to the child's open case `n`.
    Linked(Micros, usize),
    ScreenedOut(Micros),
}

/// A draft of the individual plan and the supervisor's decision on it.
pub struct Draft {
    pub drafted: Micros,
    pub decided: Micros,
    pub approved: bool,
}

/// The milestones of a case. Any may lie after the end of the history: it has not happened yet.
pub struct Case {
    pub signal: usize,
    pub concerns: Concerns,
    pub risk: RiskLevel,
    /// The comprehensive assessment's view, when it differs from triage's.
    pub revised_risk: Option<RiskLevel>,
    pub opened: Micros,
    pub assigned: Micros,
    pub first_contact: Micros,
    pub initial: Micros,
    pub comprehensive: Micros,
    pub drafts: Vec<Draft>,
    pub in_progress: Micros,
    /// A closure request the supervisor returned: (requested, returned).
    pub returned: Option<(Micros, Micros)>,
    pub closure_requested: Micros,
    pub closed: Micros,
    pub reason: ClosureReason,
    /// Set once every case is drawn.
    pub manager: Option<usize>,
    pub number: i32,
}

impl Case {
    pub fn open_at(&self, end: Micros) -> bool {
        self.opened <= end && self.closed > end
    }

    /// The risk after the comprehensive assessment, if it happened by `at`.
    pub fn risk_at(&self, at: Micros) -> RiskLevel {
        match self.revised_risk {
            Some(r) if self.comprehensive <= at => r,
            _ => self.risk,
        }
    }

    pub fn approved(&self) -> Option<Micros> {
        self.drafts.iter().find(|d| d.approved).map(|d| d.decided)
    }
}

impl Child {
    pub fn age_at(&self, at: Micros) -> u32 {
        let days = local_day(at) - self.birth_day;
        (f64::from(days.max(0)) / 365.25) as u32
    }

    /// The instant the child turns `years` (local midnight, approximately).
    fn birthday(&self, years: u32) -> Micros {
        Micros::from(self.birth_day) * DAY + (f64::from(years) * 365.25 * DAY as f64) as Micros
    }
}

/// The window of history: ten years ending at `end`.
#[derive(Clone, Copy)]
pub struct Span {
    pub start: Micros,
    pub end: Micros,
}

impl Span {
    pub fn ending(end: Micros) -> Span {
        Span {
            start: end - 10 * YEAR,
            end,
        }
    }

    /// A first contact with the system, denser towards the end: reporting grew as mobile groups,
    /// 111 and QR-111 spread (the last year sees about twice the first's volume).
    fn first_signal(&self, rng: &mut Gen) -> Micros {
        let u = rng.unit();
        let x = (-1.0 + (1.0 + 3.0 * u).sqrt()).clamp(0.0, 1.0);
        self.start + ((self.end - self.start) as f64 * x) as Micros
    }
}

/// A step done by a deadline: usually within it, sometimes late.
fn step(rng: &mut Gen, start: Micros, due: Micros, late: f64) -> Micros {
    let span = (due - start).max(HOUR);
    if rng.chance(late) {
        due + rng.share(0, span, 0.05, 1.5)
    } else {
        start + rng.share(0, span, 0.1, 0.8)
    }
}

pub fn draw(
    seed: u64,
    n: u32,
    span: Span,
    geo: &Geography,
    names: &NameBook,
    deadlines: &mut Deadlines<'_>,
) -> Child {
    let mut rng = Gen::new(seed, Stream::Outline(n));
    let district = geo.draw_district(&mut rng);
    let sex = if rng.chance(0.51) {
        Sex::Male
    } else {
        Sex::Female
    };
    let first = span.first_signal(&mut rng);
    let age = dist::age_at_first_signal(&mut rng);
    let birth_day = local_day(first) - (f64::from(age) * 365.25) as i32 - rng.below(365) as i32 - 1;
    let mut child = Child {
        district,
        sex,
        birth_day,
        name: names.draw(&mut rng, sex, geo.region_of(district).russian_share),
        iin: None,
        has_iin: !rng.chance(NO_IIN),
        signals: Vec::new(),
        cases: Vec::new(),
    };
    let cases = dist::case_count(&mut rng);
    let mut t = first;
    if cases == 0 {
        for _ in 0..1 + rng.poisson(1.6) {
            screened_out(&mut rng, &mut child, t, span, deadlines);
            t += (rng.exponential(150.0) * DAY as f64) as Micros;
        }
    }
    for _ in 0..cases {
        for _ in 0..rng.poisson(0.5) {
            screened_out(&mut rng, &mut child, t, span, deadlines);
            t += (rng.exponential(60.0) * DAY as f64) as Micros;
        }
        match open_case(&mut rng, &mut child, t, span, deadlines) {
            Some(closed) => t = closed + (rng.exponential(400.0) * DAY as f64) as Micros,
            None => break,
        }
    }
    if cases > 0 && rng.chance(0.3) {
        screened_out(&mut rng, &mut child, t, span, deadlines);
    }
    child.signals.sort_by_key(|s| s.received);
    let order: Vec<Option<usize>> = child.signals.iter().map(|s| s.origin_case()).collect();
    // Sorting moved the signals: point each case at its opening signal again.
    for (i, case) in order.iter().enumerate() {
        if let Some(c) = case {
            child.cases[*c].signal = i;
        }
    }
    child
}

impl Signal {
    fn origin_case(&self) -> Option<usize> {
        match self.fate {
            Fate::Opened(_, c) => Some(c),
            _ => None,
        }
    }
}

/// Whether the child may still be the subject of a signal at `at`: under 18, or under 23 for a
/// care leaver (brief § 2 step 14).
fn in_age(child: &Child, at: Micros, concerns: Concerns) -> bool {
    let limit = if concerns.has(Concern::CareLeaver) {
        23
    } else {
        18
    };
    at >= Micros::from(child.birth_day) * DAY && child.age_at(at) < limit
}

/// Triage within its deadline (critical at once), a few late.
fn triage_time(
    rng: &mut Gen,
    received: Micros,
    urgency: Option<RiskLevel>,
    risk: RiskLevel,
    deadlines: &mut Deadlines<'_>,
) -> Micros {
    if risk == RiskLevel::Critical {
        return received + rng.between(5 * MINUTE, 55 * MINUTE);
    }
    let due = deadlines.due(
        DeadlineKind::Triage,
        received,
        urgency.unwrap_or(RiskLevel::Medium),
    );
    step(rng, received, due, 0.08).max(received + 2 * MINUTE)
}

fn screened_out(
    rng: &mut Gen,
    child: &mut Child,
    at: Micros,
    span: Span,
    deadlines: &mut Deadlines<'_>,
) {
    let concerns = dist::concerns(rng, child.age_at(at), child.sex);
    if at > span.end || !in_age(child, at, concerns) {
        return;
    }
    let risk = if rng.chance(0.8) {
        RiskLevel::Low
    } else {
        RiskLevel::Medium
    };
    let urgency = dist::urgency(rng, risk);
    let triaged = triage_time(rng, at, urgency, risk, deadlines);
    child.signals.push(Signal {
        received: at,
        source: dist::source(rng, at > span.end - 3 * YEAR),
        concerns,
        urgency,
        identified: !rng.chance(UNIDENTIFIED),
        fate: if triaged > span.end {
            Fate::Awaiting
        } else {
            Fate::ScreenedOut(triaged)
        },
    });
}

/// A signal that opens a case, the case's milestones and the signals linked to it. Returns the
/// closure, or `None` when no case opened (the history or the child's age ended first).
fn open_case(
    rng: &mut Gen,
    child: &mut Child,
    received: Micros,
    span: Span,
    deadlines: &mut Deadlines<'_>,
) -> Option<Micros> {
    let concerns = dist::concerns(rng, child.age_at(received), child.sex);
    if received > span.end || !in_age(child, received, concerns) {
        return None;
    }
    let risk = dist::risk(rng, concerns);
    let urgency = dist::urgency(rng, risk);
    let source = dist::source(rng, received > span.end - 3 * YEAR);
    let opened = triage_time(rng, received, urgency, risk, deadlines);
    if opened > span.end {
        child.signals.push(Signal {
            received,
            source,
            concerns,
            urgency,
            identified: true,
            fate: Fate::Awaiting,
        });
        return None;
    }
    let n = child.cases.len();
    let case = milestones(rng, child, concerns, risk, opened, deadlines);
    let closed = case.closed;
    child.signals.push(Signal {
        received,
        source,
        concerns,
        urgency,
        identified: true,
        fate: Fate::Opened(opened, n),
    });
    // Further reports about a child already in accompaniment are linked to the case.
    for _ in 0..rng.poisson(1.1) {
        let at = rng.between(opened + DAY, closed - 3 * DAY);
        if at > span.end || at <= opened {
            continue;
        }
        let linked_urgency = dist::urgency(rng, risk);
        let triaged = triage_time(rng, at, linked_urgency, RiskLevel::Medium, deadlines);
        child.signals.push(Signal {
            received: at,
            source: dist::source(rng, at > span.end - 3 * YEAR),
            concerns: subset(rng, concerns),
            urgency: linked_urgency,
            identified: true,
            fate: if triaged > span.end {
                Fate::Awaiting
            } else {
                Fate::Linked(triaged, n)
            },
        });
    }
    child.cases.push(case);
    Some(closed)
}

/// Some of the case's concerns: a linked signal adds nothing new, so it routes nothing new.
fn subset(rng: &mut Gen, concerns: Concerns) -> Concerns {
    let all: Vec<Concern> = concerns.iter().collect();
    let mut set = Concerns::default().with(*rng.pick(&all));
    for c in all {
        if rng.chance(0.3) {
            set = set.with(c);
        }
    }
    set
}

fn milestones(
    rng: &mut Gen,
    child: &Child,
    concerns: Concerns,
    risk: RiskLevel,
    opened: Micros,
    deadlines: &mut Deadlines<'_>,
) -> Case {
    let mut due = |kind, start, risk| deadlines.due(kind, start, risk);
    let assigned = step(
        rng,
        opened,
        due(DeadlineKind::Assignment, opened, risk),
        0.08,
    )
    .max(opened + 5 * MINUTE);
    let first_contact = step(
        rng,
        opened,
        due(DeadlineKind::FirstContact, opened, risk),
        0.1,
    )
    .max(assigned + 20 * MINUTE);
    let initial = step(
        rng,
        opened,
        due(DeadlineKind::InitialAssessment, opened, risk),
        0.1,
    )
    .max(first_contact + rng.between(10 * MINUTE, 3 * HOUR));
    let comprehensive = step(
        rng,
        opened,
        due(DeadlineKind::ComprehensiveAssessment, opened, risk),
        0.12,
    )
    .max(initial + DAY);
    let revised_risk = if rng.chance(0.1) {
        let i = RiskLevel::ALL.iter().position(|r| *r == risk).unwrap_or(2);
        let j = if i == 0 || (i < 3 && rng.chance(0.6)) {
            i + 1
        } else {
            i - 1
        };
        Some(RiskLevel::ALL[j])
    } else {
        None
    };
    let plan_risk = revised_risk.unwrap_or(risk);
    let plan_due = due(DeadlineKind::PlanApproval, comprehensive, plan_risk);
    let mut drafts = Vec::new();
    let mut drafted = comprehensive + rng.between(DAY, 4 * DAY);
    let mut decided = step(rng, comprehensive, plan_due, 0.1).max(drafted + 2 * HOUR);
    if rng.chance(0.12) {
        drafts.push(Draft {
            drafted,
            decided,
            approved: false,
        });
        drafted = decided + rng.between(DAY, 5 * DAY);
        decided = drafted + rng.between(4 * HOUR, 3 * DAY);
    }
    drafts.push(Draft {
        drafted,
        decided,
        approved: true,
    });
    let in_progress = decided + rng.between(HOUR, 2 * DAY);
    let planned = opened + (dist::case_days(rng, risk) * DAY as f64) as Micros;
    let mut closed = planned.max(in_progress + rng.between(7 * DAY, 30 * DAY));
    let adult = if concerns.has(Concern::CareLeaver) {
        23
    } else {
        18
    };
    let coming_of_age = child.birthday(adult);
    let reason = if closed > coming_of_age {
        closed = (coming_of_age + rng.between(0, 20 * DAY)).max(in_progress + DAY);
        ClosureReason::Turned18
    } else {
        dist::closure_reason(rng)
    };
    let closure_requested = (closed - rng.between(HOUR, 7 * DAY)).max(in_progress + HOUR / 2);
    let returned = if rng.chance(0.05) {
        let returned = closure_requested - rng.between(DAY, 10 * DAY);
        let first_request = returned - rng.between(HOUR, 3 * DAY);
        (first_request > in_progress + HOUR).then_some((first_request, returned))
    } else {
        None
    };
    Case {
        signal: 0,
        concerns,
        risk,
        revised_risk,
        opened,
        assigned,
        first_contact,
        initial,
        comprehensive,
        drafts,
        in_progress,
        returned,
        closure_requested,
        closed,
        reason,
        manager: None,
        number: 0,
    }
}

/// Gives every child with an IIN a unique one: the registration serial (digits 8–11) counts up
/// per birth date and sex, skipping serials without a valid check digit.
pub fn assign_iins(children: &mut [Child]) {
    let mut next: std::collections::HashMap<(i32, bool), u32> = std::collections::HashMap::new();
    for child in children.iter_mut().filter(|c| c.has_iin) {
        let serial = next
            .entry((child.birth_day, child.sex == Sex::Male))
            .or_insert(0);
        while *serial <= 9999 {
            let iin = Iin::generate(date_of_day(child.birth_day), child.sex, *serial);
            *serial += 1;
            if iin.is_some() {
                child.iin = iin;
                break;
            }
        }
    }
}
