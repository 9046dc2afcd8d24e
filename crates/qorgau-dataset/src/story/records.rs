//! A case's rows in their final state: the case, its concerns, plan versions, referrals.

use qorgau_domain::case::case_number;
use qorgau_domain::referral::OverrideBasis;
use qorgau_domain::taxonomy::RiskLevel;

use crate::geography::REGIONS;
use crate::rows::Table;
use crate::time::local_year;

use super::Scene;
use super::case::Work;
use super::requests::Answer;

impl Scene<'_, '_> {
    pub(super) fn case_rows(&mut self, w: &Work<'_>) {
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
}
