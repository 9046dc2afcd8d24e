//! The records of a case as its page shows them, read-only: the child's card, deadlines,
//! timeline, assessments, plan, interventions, referrals, consents, relations, placements,
//! commission matters and follow-ups — each from the view the API answers.

use maud::{Markup, html};
use uuid::Uuid;

use crate::console::layout::{self, day, table, when};
use crate::console::session::Signed;
use crate::dto::case_work::{AssessmentView, FollowUpView, InterventionView, PlanView};
use crate::dto::cases::CaseView;
use crate::dto::children::{ChildView, TimelineItem};
use crate::dto::commission::CommissionMatterView;
use crate::dto::consents::ConsentView;
use crate::dto::organisations::OrganisationView;
use crate::dto::placements::PlacementView;
use crate::dto::referrals::ReferralView;
use crate::dto::relations::RelationView;
use crate::labels::{Lang, Ui};

/// Timeline entries shown at most, newest first.
const TIMELINE_SHOWN: usize = 100;

/// The organisations a page names, by id.
pub struct Directory(pub Vec<OrganisationView>);

impl Directory {
    /// The organisation's name; its short id when it is not in the directory.
    pub fn name(&self, id: Uuid) -> String {
        self.0
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| layout::short_id(id), |o| o.name.clone())
    }
}

/// The labels of `codes` of `vocabulary`, joined.
pub fn labels(lang: Lang, vocabulary: &str, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| lang.code_label(vocabulary, c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes_no(lang: Lang, yes: bool) -> &'static str {
    lang.t(if yes { Ui::Yes } else { Ui::No })
}

pub fn summary(lang: Lang, case: &CaseView) -> Markup {
    let t = |text| lang.t(text);
    html! {
        dl.summary {
            dt { (t(Ui::Status)) } dd { (lang.code_label("case_status", &case.status)) }
            dt { (t(Ui::RiskLevel)) } dd { (layout::risk(lang, &case.risk_level)) }
            dt { (t(Ui::Concerns)) } dd { (labels(lang, "concern", &case.concerns)) }
            dt { (t(Ui::Opened)) } dd { (when(case.opened_at)) }
            dt { (t(Ui::District)) } dd { (case.district_code) }
            @if let Some(reason) = &case.closure_reason {
                dt { (t(Ui::ClosureReason)) } dd { (lang.code_label("closure_reason", reason)) }
            }
        }
    }
}

pub fn child_card(lang: Lang, child: Option<&ChildView>) -> Markup {
    let t = |text| lang.t(text);
    let or_none = |v: Option<&String>| v.cloned().unwrap_or_else(|| t(Ui::NotRecorded).to_string());
    html! {
        @if let Some(c) = child {
            dl.card {
                dt { (t(Ui::FullName)) }
                dd { (or_none(name(c).as_ref())) }
                dt { (t(Ui::BirthDate)) }
                dd { @match c.birth_date { Some(d) => (day(d)), None => (t(Ui::NotRecorded)) } }
                dt { (t(Ui::Sex)) }
                dd { @match &c.sex { Some(s) => (lang.code_label("sex", s)), None => (t(Ui::NotRecorded)) } }
                dt { (t(Ui::Iin)) } dd { (or_none(c.iin.as_ref())) }
                dt { (t(Ui::Address)) } dd { (or_none(c.address.as_ref())) }
            }
        } @else { p { (t(Ui::NotRecorded)) } }
    }
}

fn name(c: &ChildView) -> Option<String> {
    let parts: Vec<&str> = [&c.last_name, &c.first_name, &c.middle_name]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

pub fn deadlines(signed: &Signed, case: &CaseView) -> Markup {
    let lang = signed.lang;
    let heads = [Ui::Kind, Ui::Due, Ui::Status];
    table(lang, "", &heads, Ui::NoneYet, &case.deadlines, |d| {
        html! {
            tr {
                td { (lang.code_label("deadline_kind", &d.kind)) }
                td { (when(d.due_at)) }
                td {
                    (lang.code_label("deadline_status", &d.status))
                    @if d.status == "pending" && d.due_at < signed.caller.at { (layout::overdue(lang)) }
                }
            }
        }
    })
}

pub fn timeline(lang: Lang, items: &[TimelineItem]) -> Markup {
    html! {
        @if items.is_empty() { p { (lang.t(Ui::NoneYet)) } }
        @else {
            ol.timeline reversed {
                @for item in items.iter().rev().take(TIMELINE_SHOWN) {
                    li { (when(item.at)) " — " strong { (lang.code_label("timeline_kind", &item.kind)) } }
                }
            }
        }
    }
}

pub fn assessments(lang: Lang, items: &[AssessmentView]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        @if items.is_empty() { p { (t(Ui::NoneYet)) } }
        @for a in items {
            article.record {
                h3 { (lang.code_label("assessment_kind", &a.kind)) " · " (when(a.recorded_at)) }
                @if let Some(risk) = &a.risk_level { p { (t(Ui::RiskLevel)) ": " (lang.code_label("risk_level", risk)) } }
                p { (a.summary) }
                @if !a.domains.is_empty() {
                    ul { @for f in &a.domains {
                        li {
                            (lang.code_label("assessment_domain", f.domain.as_str())) ": " (lang.code_label("need_level", f.level.as_str()))
                            @if let Some(note) = &f.note { " — " (note) }
                        }
                    } }
                }
            }
        }
    }
}

/// The plan's latest version: its goals and measures.
pub fn plan(lang: Lang, plan: Option<&PlanView>) -> Markup {
    let t = |text| lang.t(text);
    html! {
        @match plan {
            None => p { (t(Ui::NoPlan)) },
            Some(p) => {
                p { (t(Ui::Version)) " " (p.version) " · " (lang.code_label("plan_status", &p.status)) }
                @if let Some(note) = &p.decision_note { p { (t(Ui::DecisionNote)) ": " (note) } }
                @for goal in &p.goals {
                    h3 { (t(Ui::Goal)) ": " (goal.title) }
                    ul { @for m in &goal.measures {
                        li {
                            (lang.code_label("assistance_kind", &m.kind)) ": " (m.description)
                            " · " (t(Ui::Due)) " " (day(m.due_date))
                            @if let Some(done) = m.done_at { " · " (lang.code_label("measure_status", "done")) " " (when(done)) }
                        }
                    } }
                }
            }
        }
    }
}

pub fn interventions(lang: Lang, items: &[InterventionView]) -> Markup {
    let heads = [
        Ui::Date,
        Ui::Kind,
        Ui::AssistanceType,
        Ui::Summary,
        Ui::ChildSeen,
    ];
    table(lang, "interventions", &heads, Ui::NoneYet, items, |i| {
        html! {
            tr {
                td { (when(i.occurred_at)) }
                td { (lang.code_label("intervention_kind", &i.kind)) }
                td { (lang.code_label("assistance_kind", &i.assistance_type)) }
                td { (i.summary) }
                td { (yes_no(lang, i.child_seen)) }
            }
        }
    })
}

pub fn referrals(lang: Lang, items: &[ReferralView], orgs: &Directory) -> Markup {
    let heads = [
        Ui::Kind,
        Ui::Organisation,
        Ui::Service,
        Ui::Status,
        Ui::Sent,
    ];
    table(lang, "referrals", &heads, Ui::NoneYet, items, |r| {
        html! {
            tr {
                td { (lang.code_label("referral_kind", &r.kind)) @if r.mandatory { " · " (lang.t(Ui::Mandatory)) } }
                td { (orgs.name(r.to_organisation_id)) }
                td {
                    (r.service)
                    @if let Some(basis) = &r.override_basis { " · " (lang.t(Ui::WithoutConsent)) ": " (lang.code_label("override_basis", basis)) }
                }
                td { (lang.code_label("referral_status", &r.status)) }
                td { (when(r.created_at)) }
            }
        }
    })
}

pub fn consents(lang: Lang, items: &[ConsentView]) -> Markup {
    let heads = [
        Ui::GivenBy,
        Ui::ConsentServices,
        Ui::ShareWith,
        Ui::ConsentImages,
        Ui::GivenAt,
        Ui::Status,
    ];
    table(lang, "consents", &heads, Ui::NoneYet, items, |c| {
        html! {
            tr {
                td { (c.given_by_name) " (" (c.relation) ")" }
                td { (yes_no(lang, c.services)) }
                td { (labels(lang, "organisation_kind", &c.share_with)) }
                td { (yes_no(lang, c.images)) }
                td { (when(c.given_at)) }
                td { @match c.withdrawn_at { Some(at) => { (lang.t(Ui::Withdrawn)) " " (when(at)) }, None => (lang.t(Ui::Active)) } }
            }
        }
    })
}

pub fn relations(lang: Lang, items: &[RelationView]) -> Markup {
    let heads = [Ui::FullName, Ui::RelationToChild, Ui::Phone, Ui::Notes];
    table(lang, "relations", &heads, Ui::NoneYet, items, |r| {
        html! {
            tr {
                td { (r.full_name) }
                td { (r.relation) }
                td { (r.phone.as_deref().unwrap_or("—")) }
                td {
                    @if r.is_legal_representative { (lang.t(Ui::LegalRepresentative)) " " }
                    @if r.alleged_perpetrator { strong.badge.overdue { (lang.t(Ui::AllegedPerpetrator)) } }
                }
            }
        }
    })
}

pub fn placements(lang: Lang, items: &[PlacementView], orgs: &Directory) -> Markup {
    let heads = [Ui::Kind, Ui::Organisation, Ui::Started, Ui::Ended];
    table(lang, "placements", &heads, Ui::NoneYet, items, |p| {
        html! {
            tr {
                td {
                    (lang.code_label("placement_type", &p.kind))
                    @if p.exceeds_limit { " " strong.badge.overdue { (lang.t(Ui::ExceedsLimit)) } }
                }
                td { @match p.organisation_id { Some(id) => (orgs.name(id)), None => "—" } }
                td { (day(p.started_on)) }
                td {
                    @match p.ended_on { Some(d) => (day(d)), None => "—" }
                    @if let Some(reason) = &p.end_reason { " · " (lang.code_label("placement_end_reason", reason)) }
                }
            }
        }
    })
}

pub fn matters(lang: Lang, items: &[CommissionMatterView], orgs: &Directory) -> Markup {
    let t = |text| lang.t(text);
    html! {
        @if items.is_empty() { p { (t(Ui::NoneYet)) } }
        @for m in items {
            article.record {
                h3 { (orgs.name(m.commission_organisation_id)) " · " (when(m.created_at)) }
                p { (t(Ui::Grounds)) ": " (m.grounds) }
                @if let Some(d) = m.hearing_date { p { (t(Ui::HearingDate)) ": " (day(d)) } }
                p { (t(Ui::Decision)) ": " (m.decision.as_deref().unwrap_or(t(Ui::NotYet))) }
                @if !m.measures.is_empty() {
                    ul { @for x in &m.measures {
                        li {
                            (x.description) " · " (orgs.name(x.responsible_organisation_id))
                            " · " (t(Ui::Due)) " " (day(x.due_date))
                            " · " (lang.code_label("measure_status", &x.status))
                        }
                    } }
                }
            }
        }
    }
}

pub fn follow_ups(lang: Lang, items: &[FollowUpView]) -> Markup {
    let heads = [Ui::Date, Ui::ChildSeen, Ui::Outcome, Ui::Note];
    table(lang, "follow-ups", &heads, Ui::NoneYet, items, |f| {
        html! {
            tr {
                td { (when(f.occurred_at)) }
                td { (yes_no(lang, f.child_seen)) }
                td { (lang.code_label("follow_up_outcome", f.outcome.as_str())) }
                td { (f.note) }
            }
        }
    })
}
