//! The requests that fill a case: interventions, relations and consent, assessments, plan
//! versions and their approval, referrals and their answers.

use qorgau_domain::assessment::{AssessmentDomain, DomainFinding, NeedLevel};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::iin::Sex;
use qorgau_domain::intervention::InterventionKind;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::plan::AssistanceKind;
use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::referral::OverrideBasis;
use qorgau_domain::taxonomy::{Concern, RiskLevel};
use qorgau_domain::timeline::TimelineKind;

use crate::audit::{Action, Resource};
use crate::distributions as dist;
use crate::people;
use crate::rows::Table;
use crate::texts;
use crate::time::{DAY, HOUR, MINUTE, Micros, local_day};

use super::case::Work;
use super::deadlines::DeadlineState;
use super::{Req, Scene};

/// The referral's answer, planned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    Accept,
    Decline,
    Withdraw,
}

pub(super) struct Referral {
    pub(super) id: u128,
    pub(super) org: usize,
    pub(super) service: String,
    pub(super) reason: String,
    pub(super) urgency: Option<RiskLevel>,
    pub(super) respond_by: Micros,
    pub(super) consent: Option<u128>,
    pub(super) basis: Option<OverrideBasis>,
    pub(super) mandatory: bool,
    pub(super) notification: bool,
    pub(super) created_by: usize,
    pub(super) created: Micros,
    pub(super) answer: Answer,
    pub(super) answered: Micros,
    pub(super) completed: Micros,
    /// Set as steps happen.
    pub(super) responded: Option<(Micros, usize)>,
    pub(super) done: Option<Micros>,
    pub(super) withdrawn: Option<Micros>,
}

pub(super) struct Measure {
    pub(super) id: u128,
    pub(super) goal: u128,
    pub(super) position: i32,
    pub(super) kind: AssistanceKind,
    pub(super) description: &'static str,
    pub(super) org: usize,
    pub(super) due_day: i32,
    pub(super) done: Option<(Micros, usize)>,
}

pub(super) struct Goal {
    pub(super) id: u128,
    pub(super) title: &'static str,
}

pub(super) struct PlanVersion {
    pub(super) id: u128,
    pub(super) version: i32,
    pub(super) drafted: Micros,
    pub(super) approved: bool,
    pub(super) note: Option<&'static str>,
    pub(super) goals: Vec<Goal>,
    pub(super) measures: Vec<Measure>,
    /// Set as steps happen.
    pub(super) decision: Option<(Micros, usize)>,
}

impl Scene<'_, '_> {
    pub(super) fn plan_version(
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

    /// Decides when and how the referral is answered and completed, and schedules nothing: the
    /// answers are played when the case's steps reach them (see `answers`).
    pub(super) fn plan_answer(&mut self, w: &mut Work<'_>, mut r: Referral) {
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

    /// Plays the referral answers and completions due by `until`.
    pub(super) fn answers(&mut self, w: &mut Work<'_>, until: Micros) {
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

    pub(super) fn answer(&mut self, w: &mut Work<'_>, i: usize, at: Micros, completing: bool) {
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
                TimelineKind::ReferralCompleted,
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
                    TimelineKind::ReferralWithdrawn,
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
                    TimelineKind::ReferralDeclined
                } else {
                    TimelineKind::ReferralAccepted
                };
                self.event(&mut req, Some(w.id), kind, &summary, Some(specialist), id);
            }
        }
    }

    pub(super) fn intervention(
        &mut self,
        w: &mut Work<'_>,
        mut req: Req,
        kind: Option<InterventionKind>,
    ) {
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
            TimelineKind::Intervention,
            &summary,
            Some(recorder),
            id,
        );
        if child_seen {
            self.meet(w, &mut req, DeadlineKind::FirstContact, None, recorder);
        }
    }

    pub(super) fn relations(&mut self, w: &mut Work<'_>, mut req: Req) {
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
                TimelineKind::Relation,
                &summary,
                Some(manager),
                id,
            );
            self.relations
                .push((id, name, relation, legal, perpetrator));
        }
    }

    pub(super) fn consent(&mut self, w: &mut Work<'_>, mut req: Req) {
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
        self.event(
            &mut req,
            Some(w.id),
            TimelineKind::Consent,
            &summary,
            Some(manager),
            id,
        );
    }

    pub(super) fn assessment(&mut self, w: &mut Work<'_>, mut req: Req, comprehensive: bool) {
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
        self.event(
            &mut req,
            Some(w.id),
            TimelineKind::Assessment,
            label,
            Some(manager),
            id,
        );
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
                TimelineKind::RiskRevised,
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
                TimelineKind::StatusChanged,
                &summary,
                Some(manager),
                id,
            );
        }
    }

    pub(super) fn decide(&mut self, w: &mut Work<'_>, mut req: Req, k: usize) {
        let supervisor = w.supervisor;
        let plan = &mut w.plans[k];
        plan.decision = Some((req.at, supervisor));
        let (id, version, approved, note) = (plan.id, plan.version, plan.approved, plan.note);
        self.audit(&mut req, supervisor, Action::Update, Resource::Plan, id);
        let (status, kind) = if approved {
            ("approved", TimelineKind::PlanApproved)
        } else {
            ("rejected", TimelineKind::PlanRejected)
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

    pub(super) fn refer(&mut self, w: &mut Work<'_>, mut req: Req) {
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
            TimelineKind::Referral,
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
}
