//! Deadlines as `protocol_engine` keeps them — started, met, cancelled, re-timed — and the
//! reminders and escalations the worker would have written while they were pending.

use qorgau_domain::protocol::DeadlineKind;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::timeline::TimelineKind;

use crate::geography::REGIONS;
use crate::rows::Table;
use crate::time::{HOUR, MINUTE, Micros};

use super::case::Work;
use super::{Req, Scene};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum DeadlineState {
    Pending,
    Met(Micros),
    Cancelled(Micros),
}

pub(super) struct Deadline {
    pub(super) id: u128,
    pub(super) kind: DeadlineKind,
    pub(super) ref_id: Option<u128>,
    pub(super) starts: Micros,
    pub(super) due: Micros,
    pub(super) state: DeadlineState,
}

impl Scene<'_, '_> {
    pub(super) fn start(
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

    pub(super) fn meet(
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
        self.event(
            req,
            Some(w.id),
            TimelineKind::DeadlineMet,
            &summary,
            Some(actor),
            id,
        );
    }

    pub(super) fn cancel(
        w: &mut Work<'_>,
        at: Micros,
        kind: Option<DeadlineKind>,
        ref_id: Option<u128>,
    ) {
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

    /// The deadlines, with the reminders and escalations the worker would have sent while they
    /// were pending (it runs every minute or so), and their timeline events.
    pub(super) fn deadline_rows(&mut self, w: &Work<'_>) {
        let end = self.t.end;
        let region = REGIONS[self.region].code;
        let district = &self.t.geo.districts[self.child.district].code;
        let assignee = w.assignee.map(|u| self.t.world.users[u].id);
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
                .text(region)
                .text(district)
                .opt_id(assignee)
                .end();
            if let Some(at) = reminded {
                let mut req = Req::at(at);
                let summary = format!("Deadline {} due soon: assignee reminded", d.kind.as_str());
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::DeadlineReminder,
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
                self.event(
                    &mut req,
                    Some(w.id),
                    TimelineKind::Escalation,
                    &summary,
                    None,
                    d.id,
                );
            }
        }
    }
}

/// The worker's delay after a deadline's reminder or lapse: it wakes every minute or so.
pub(super) const WORKER_LAG: Micros = 5 * crate::time::SECOND;
