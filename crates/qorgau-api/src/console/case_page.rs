//! The case page (`GET /console/cases/{id}`): the case, its child, deadlines and timeline,
//! assessments, plan, interventions, referrals, consents, relations, placements, commission
//! matters and follow-ups — read through the use cases of the API's `GET`s, so scope checks
//! and read audit are theirs — and the forms of the case's work (`case_forms`), posted to
//! `POST /console/cases/{id}/<form>`. An out-of-scope case is 404, as in the API. The plan is
//! drafted and decided on its own page (`plan_page`).

use actix_web::HttpResponse;
use maud::html;
use qorgau_app::children::{self, Found};
use qorgau_app::{
    AppError, Caller, assessments, commission, consents, follow_ups, interventions, organisations,
    placements, plans, referrals, relations,
};
use qorgau_domain::ids::{CaseId, ChildId};
use qorgau_domain::validation::FieldError;
use qorgau_persistence::organisations::OrganisationFilter;
use qorgau_persistence::{DbConnection, Page};

use crate::console::case_forms::{self as forms, CaseForm};
use crate::console::form::{Command, FormPage, Said, View};
use crate::console::layout::{self, Nav, section};
use crate::console::records::{self, Directory};
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::dto::case_work::{AssessmentView, FollowUpView, InterventionView, PlanView};
use crate::dto::cases::CaseView;
use crate::dto::children::{ChildView, Timeline, TimelineItem};
use crate::dto::commission::CommissionMatterView;
use crate::dto::consents::ConsentView;
use crate::dto::placements::PlacementView;
use crate::dto::referrals::ReferralView;
use crate::dto::relations::RelationView;
use crate::dto::views;
use crate::error::ApiError;
use crate::labels::Ui;

/// Records of each kind the case page shows at most.
const SHOWN: i64 = 200;

/// Everything the case page shows.
pub struct CaseFile {
    pub case: CaseView,
    pub child: Option<ChildView>,
    pub timeline: Vec<TimelineItem>,
    pub assessments: Vec<AssessmentView>,
    pub plan: Option<PlanView>,
    pub interventions: Vec<InterventionView>,
    pub referrals: Vec<ReferralView>,
    pub consents: Vec<ConsentView>,
    pub relations: Vec<RelationView>,
    pub placements: Vec<PlacementView>,
    pub matters: Vec<CommissionMatterView>,
    pub follow_ups: Vec<FollowUpView>,
    /// The organisations of the case's region: what referrals and plans are addressed to, and
    /// the names of those the records mention.
    pub organisations: Directory,
}

/// `None` for a part the caller may not see or that does not exist (no plan yet): the case
/// itself was found and scoped first.
pub fn optional<T>(found: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match found {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound | AppError::Denied) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The views of a part of the case (a list of its records); none when the caller may not see
/// that part.
fn part<R, V: TryFrom<R, Error = AppError>>(
    found: Result<Vec<R>, AppError>,
) -> Result<Vec<V>, ApiError> {
    Ok(views(optional(found)?.unwrap_or_default())?)
}

/// The first `SHOWN` records.
fn first() -> Page {
    Page {
        after: None,
        limit: SHOWN,
    }
}

/// The organisations of `region`, the first `SHOWN` of them.
pub fn organisations_of(
    conn: &mut DbConnection,
    caller: &Caller,
    region: &str,
) -> Result<Directory, ApiError> {
    let filter = OrganisationFilter {
        kind: None,
        region_code: Some(region.to_string()),
    };
    Ok(Directory(views(organisations::list(
        conn,
        caller,
        &filter,
        &first(),
    )?)?))
}

/// The child's card and timeline, when the caller may see them.
fn child_of(
    conn: &mut DbConnection,
    caller: &Caller,
    child: ChildId,
) -> Result<(Option<ChildView>, Vec<TimelineItem>), ApiError> {
    let card = match optional(children::card(conn, caller, child))? {
        Some(Found::Card(card)) => Some(ChildView::try_from(*card)?),
        _ => None,
    };
    let timeline = match optional(children::timeline(conn, caller, child))? {
        Some(t) => Timeline::try_from(t)?.items,
        None => vec![],
    };
    Ok((card, timeline))
}

impl FormPage for CaseFile {
    type Id = CaseId;

    fn path(id: CaseId) -> String {
        format!("/console/cases/{id}")
    }

    fn read(
        conn: &mut DbConnection,
        _: &qorgau_app::App,
        caller: &Caller,
        id: CaseId,
    ) -> Result<CaseFile, ApiError> {
        let case = CaseView::try_from(qorgau_app::cases::case_card(conn, caller, id)?)?;
        let child_id = ChildId(case.child_id);
        let (child, timeline) = child_of(conn, caller, child_id)?;
        let page = first();
        Ok(CaseFile {
            assessments: part(assessments::assessments_of(conn, caller, id, &page))?,
            plan: optional(plans::plan_of(conn, caller, id))?
                .map(PlanView::try_from)
                .transpose()?,
            interventions: part(interventions::interventions_of(conn, caller, id, &page))?,
            referrals: part(referrals::list_for_case(conn, caller, id, &page))?,
            consents: part(consents::list(conn, caller, id, &page))?,
            relations: part(relations::list(conn, caller, child_id, &page))?,
            placements: part(placements::list(conn, caller, id, &page))?,
            matters: part(commission::list(conn, caller, id, &page))?,
            follow_ups: part(follow_ups::list(conn, caller, id, &page))?,
            organisations: organisations_of(conn, caller, &case.region_code)?,
            case,
            child,
            timeline,
        })
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let t = |text| lang.t(text);
        let form = |f: &CaseForm| f.render(signed, self, view.sent);
        let orgs = &self.organisations;
        let plan_page = format!("/console/cases/{}/plan", self.case.id);
        let body = html! {
            (view.notice())
            (records::summary(lang, &self.case))
            (form(&forms::STATUS))
            (form(&forms::CLOSURE))
            (section("child", t(Ui::Child), records::child_card(lang, self.child.as_ref())))
            (section("deadlines", t(Ui::Deadlines), records::deadlines(signed, &self.case)))
            (section("timeline", t(Ui::Timeline), records::timeline(lang, &self.timeline)))
            (section("assessments", t(Ui::Assessments), html! {
                (records::assessments(lang, &self.assessments)) (form(&forms::ASSESSMENT))
            }))
            (section("plan", t(Ui::Plan), html! {
                (records::plan(lang, self.plan.as_ref()))
                p { a href=(plan_page) { (t(Ui::OpenPlan)) } }
            }))
            (section("interventions", t(Ui::Interventions), html! {
                (records::interventions(lang, &self.interventions)) (form(&forms::INTERVENTION))
            }))
            (section("referrals", t(Ui::Referrals), html! {
                (records::referrals(lang, &self.referrals, orgs)) (form(&forms::REFERRAL))
            }))
            (section("consents", t(Ui::Consents), html! {
                (records::consents(lang, &self.consents)) (form(&forms::CONSENT))
            }))
            (section("relations", t(Ui::Relations), records::relations(lang, &self.relations)))
            (section("placements", t(Ui::Placements), records::placements(lang, &self.placements, orgs)))
            (section("commission", t(Ui::CommissionMatters), records::matters(lang, &self.matters, orgs)))
            @if self.case.status == "closed" {
                (section("follow-ups", t(Ui::FollowUps), html! {
                    (records::follow_ups(lang, &self.follow_ups)) (form(&forms::FOLLOW_UP))
                }))
            }
        };
        let title = format!("{} {}", t(Ui::Case), self.case.number);
        layout::render(signed, view.req, Nav::Cases, &title, body)
    }

    fn fresh(&self, signed: &Signed, form: &str) -> Values {
        CaseForm::of(form).map_or_else(Values::default, |f| f.fresh(signed, self))
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        match what {
            Said::Saved => CaseForm::of(form).map(CaseForm::saved),
            Said::Stale => Some(Ui::StaleForm),
            Said::NotAllowed => Some(Ui::NotAllowedNow),
        }
    }

    fn command(
        form: &str,
        signed: &Signed,
        id: CaseId,
        values: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        CaseForm::of(form).map(|f| f.command(signed, id, values))
    }
}
