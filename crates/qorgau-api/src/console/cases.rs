//! My cases (filtered, paginated), the case page, and the form that logs an intervention —
//! through the use cases `GET /cases`, `GET /cases/{id}` (and the case's assessments, plan,
//! interventions, referrals, the child's card and timeline) and `POST /cases/{id}/interventions`
//! use, so scope checks and read audit are theirs. An out-of-scope case is 404, as in the API.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::cases::{CaseSearch, case_card, list_cases};
use qorgau_app::children::{self, Found};
use qorgau_app::idempotency::Idempotency;
use qorgau_app::interventions::record_intervention;
use qorgau_app::{AppError, assessments, interventions, plans, referrals};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::ids::{CaseId, ChildId};
use qorgau_domain::intervention::{InterventionInput, InterventionKind, parse_intervention};
use qorgau_domain::plan::AssistanceKind;
use qorgau_domain::taxonomy::RiskLevel;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::{DbConnection, Page};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::console::inbox::{PAGE_SIZE, back_to, more, render};
use crate::console::layout::{self, Nav};
use crate::console::session::{ConsoleError, Signed};
use crate::dto::case_work::{AssessmentView, InterventionView, PlanView};
use crate::dto::cases::{CaseQuery, CaseView};
use crate::dto::children::{ChildView, Timeline, TimelineItem};
use crate::dto::referrals::ReferralView;
use crate::dto::views;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::list::{ListParams, paginate};
use crate::state::AppState;

/// The filters of `GET /console/cases` (empty values: no filter).
#[derive(Deserialize, Default)]
pub struct CaseFilter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    risk_level: String,
    #[serde(default)]
    overdue: Option<String>,
    /// A case manager's cases (the supervisor's dashboard links here).
    #[serde(default)]
    assignee_id: String,
    cursor: Option<String>,
}

impl CaseFilter {
    fn search(&self) -> Result<CaseSearch, ApiError> {
        let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        CaseSearch::try_from(CaseQuery {
            status: some(&self.status),
            risk_level: some(&self.risk_level),
            assignee_id: match some(&self.assignee_id) {
                Some(id) => Some(
                    id.parse()
                        .map_err(|_| ApiError::invalid("assignee_id", "is not a user id"))?,
                ),
                None => None,
            },
            region_code: None,
            district_code: None,
            overdue: self.overdue.as_ref().map(|_| true),
            overdue_kind: None,
            open: None,
            unassigned: None,
            flag: None,
        })
    }

    /// The list's path with these filters (no cursor).
    fn path(&self) -> String {
        let mut query = vec![];
        if let Ok(id) = self.assignee_id.trim().parse::<Uuid>() {
            query.push(format!("assignee_id={id}"));
        }
        for (name, value) in [("status", &self.status), ("risk_level", &self.risk_level)] {
            if let Some(code) = Some(value.trim()).filter(|v| valid_code(name, v)) {
                query.push(format!("{name}={code}"));
            }
        }
        if self.overdue.is_some() {
            query.push("overdue=on".into());
        }
        match query.is_empty() {
            true => "/console/cases".into(),
            false => format!("/console/cases?{}", query.join("&")),
        }
    }
}

fn valid_code(name: &str, value: &str) -> bool {
    match name {
        "status" => CaseStatus::from_code(value).is_some(),
        _ => RiskLevel::from_code(value).is_some(),
    }
}

/// `GET /console/cases`: the caller's cases — their own for a case manager, the region's for
/// a supervisor — filtered by status, risk and overdue work.
pub async fn list(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    filter: web::Query<CaseFilter>,
) -> Result<HttpResponse, ConsoleError> {
    let params = ListParams {
        limit: Some(PAGE_SIZE),
        cursor: filter.cursor.clone(),
    };
    let page = params.page().map_err(signed.fail())?;
    let search = filter.search().map_err(signed.fail())?;
    let (caller, asked) = (signed.caller.clone(), page.clone());
    let rows = state
        .run(move |conn| Ok(list_cases(conn, &caller, search, &asked)?))
        .await
        .map_err(signed.fail())?;
    let list = paginate(rows, &page, |s| &s.case.id, |s| s);
    let cases: Vec<CaseView> = views(list.items).map_err(|e| signed.fail()(e.into()))?;
    let body = html! {
        (filter_form(signed.lang, &filter))
        (case_table(&signed, &cases))
        (more(signed.lang, &filter.path(), &list.next_cursor))
    };
    Ok(render(
        &signed,
        &req,
        Nav::Cases,
        signed.lang.t(Ui::NavCases),
        body,
    ))
}

fn filter_form(lang: Lang, filter: &CaseFilter) -> Markup {
    let t = |text| lang.t(text);
    html! {
        form.filters method="get" action="/console/cases" role="search" aria-label=(t(Ui::Filter)) {
            p {
                label for="status" { (t(Ui::Status)) }
                select #status name="status" {
                    option value="" { (t(Ui::Any)) }
                    @for s in CaseStatus::ALL {
                        option value=(s.as_str()) selected[filter.status == s.as_str()] {
                            (lang.code_label("case_status", s.as_str()))
                        }
                    }
                }
            }
            p {
                label for="risk_level" { (t(Ui::RiskLevel)) }
                select #risk_level name="risk_level" {
                    option value="" { (t(Ui::Any)) }
                    @for r in RiskLevel::ALL {
                        option value=(r.as_str()) selected[filter.risk_level == r.as_str()] {
                            (lang.code_label("risk_level", r.as_str()))
                        }
                    }
                }
            }
            p.check {
                input #overdue type="checkbox" name="overdue" value="on" checked[filter.overdue.is_some()];
                label for="overdue" { (t(Ui::OverdueOnly)) }
            }
            p { button type="submit" { (t(Ui::Apply)) } }
        }
    }
}

fn overdue(signed: &Signed, case: &CaseView) -> bool {
    case.deadlines
        .iter()
        .any(|d| d.status == "pending" && d.due_at < signed.caller.at)
}

fn case_table(signed: &Signed, cases: &[CaseView]) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    html! {
        @if cases.is_empty() { p { (t(Ui::CasesEmpty)) } }
        @else {
            table.cases {
                thead { tr {
                    th scope="col" { (t(Ui::CaseNumber)) }
                    th scope="col" { (t(Ui::Status)) }
                    th scope="col" { (t(Ui::RiskLevel)) }
                    th scope="col" { (t(Ui::Concerns)) }
                    th scope="col" { (t(Ui::Opened)) }
                } }
                tbody {
                    @for case in cases {
                        tr {
                            td {
                                a href=(format!("/console/cases/{}", case.id)) { (case.number) }
                                @if overdue(signed, case) { " " strong.badge.overdue { (t(Ui::Overdue)) } }
                            }
                            td { (lang.code_label("case_status", &case.status)) }
                            td { span class=(format!("risk risk-{}", case.risk_level)) { (lang.code_label("risk_level", &case.risk_level)) } }
                            td { (concerns(lang, &case.concerns)) }
                            td { (layout::when(case.opened_at)) }
                        }
                    }
                }
            }
        }
    }
}

fn concerns(lang: Lang, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| lang.code_label("concern", c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything the case page shows, read through the use cases of the API's reads.
struct CaseFile {
    case: CaseView,
    child: Option<ChildView>,
    timeline: Vec<TimelineItem>,
    assessments: Vec<AssessmentView>,
    plan: Option<PlanView>,
    interventions: Vec<InterventionView>,
    referrals: Vec<ReferralView>,
}

/// Records of each kind the case page shows at most.
const SHOWN: i64 = 200;

/// `None` for a part the caller may not see or that does not exist (no plan yet): the case
/// itself was found and scoped first.
fn optional<T>(found: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match found {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound | AppError::Denied) => Ok(None),
        Err(e) => Err(e),
    }
}

fn read_case(
    conn: &mut DbConnection,
    caller: &qorgau_app::Caller,
    id: CaseId,
) -> Result<CaseFile, ApiError> {
    let case = CaseView::try_from(case_card(conn, caller, id)?)?;
    let child_id = ChildId(case.child_id);
    let child = match optional(children::card(conn, caller, child_id))? {
        Some(Found::Card(card)) => Some(ChildView::try_from(*card)?),
        _ => None,
    };
    let timeline = match optional(children::timeline(conn, caller, child_id))? {
        Some(t) => Timeline::try_from(t)?.items,
        None => vec![],
    };
    let page = Page {
        after: None,
        limit: SHOWN,
    };
    Ok(CaseFile {
        assessments: views(assessments::assessments_of(conn, caller, id, &page)?)?,
        plan: optional(plans::plan_of(conn, caller, id))?
            .map(PlanView::try_from)
            .transpose()?,
        interventions: views(interventions::interventions_of(conn, caller, id, &page)?)?,
        referrals: views(referrals::list_for_case(conn, caller, id, &page)?)?,
        case,
        child,
        timeline,
    })
}

/// `GET /console/cases/{id}`.
pub async fn case_page(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, ConsoleError> {
    let id = CaseId(id.into_inner());
    let file = signed
        .run(&state, move |conn, caller| read_case(conn, caller, id))
        .await?;
    let notice = shown
        .saved
        .is_some()
        .then_some((Ui::InterventionSaved, false));
    let form = InterventionForm::fresh(&signed, file.case.version);
    Ok(case_response(
        &signed,
        &req,
        &file,
        notice,
        &form,
        &[],
        StatusCode::OK,
    ))
}

#[derive(Deserialize)]
pub struct Shown {
    saved: Option<String>,
}

fn case_response(
    signed: &Signed,
    req: &HttpRequest,
    file: &CaseFile,
    notice: Option<(Ui, bool)>,
    form: &InterventionForm,
    errors: &[FieldError],
    status: StatusCode,
) -> HttpResponse {
    let lang = signed.lang;
    let title = format!("{} {}", lang.t(Ui::Case), file.case.number);
    let body = html! {
        @if let Some((text, alert)) = notice { (layout::notice(lang.t(text), alert)) }
        (summary(signed, file))
        (child_card(lang, file.child.as_ref()))
        (deadlines(signed, &file.case))
        (timeline(lang, &file.timeline))
        (assessment_list(lang, &file.assessments))
        (plan(lang, file.plan.as_ref()))
        (intervention_list(lang, &file.interventions))
        @if file.case.status != "closed" {
            (intervention_form(signed, file.case.id, form, errors))
        }
        (referral_list(lang, &file.referrals))
    };
    let mut response = render(signed, req, Nav::Cases, &title, body);
    *response.status_mut() = status;
    response
}

fn summary(signed: &Signed, file: &CaseFile) -> Markup {
    let (lang, case) = (signed.lang, &file.case);
    let t = |text| lang.t(text);
    html! {
        dl.summary {
            dt { (t(Ui::Status)) } dd { (lang.code_label("case_status", &case.status)) }
            dt { (t(Ui::RiskLevel)) } dd { span class=(format!("risk risk-{}", case.risk_level)) { (lang.code_label("risk_level", &case.risk_level)) } }
            dt { (t(Ui::Concerns)) } dd { (concerns(lang, &case.concerns)) }
            dt { (t(Ui::Opened)) } dd { (layout::when(case.opened_at)) }
            dt { (t(Ui::District)) } dd { (case.district_code) }
        }
    }
}

fn child_card(lang: Lang, child: Option<&ChildView>) -> Markup {
    let t = |text| lang.t(text);
    let or_none = |v: Option<&String>| v.cloned().unwrap_or_else(|| t(Ui::NotRecorded).to_string());
    html! {
        section aria-labelledby="child" {
            h2 #child { (t(Ui::Child)) }
            @if let Some(c) = child {
                dl.card {
                    dt { (t(Ui::FullName)) }
                    dd { (name(c).unwrap_or_else(|| t(Ui::NotRecorded).to_string())) }
                    dt { (t(Ui::BirthDate)) }
                    dd { @match c.birth_date { Some(d) => (layout::day(d)), None => (t(Ui::NotRecorded)) } }
                    dt { (t(Ui::Sex)) }
                    dd { @match &c.sex { Some(s) => (lang.code_label("sex", s)), None => (t(Ui::NotRecorded)) } }
                    dt { (t(Ui::Iin)) } dd { (or_none(c.iin.as_ref())) }
                    dt { (t(Ui::Address)) } dd { (or_none(c.address.as_ref())) }
                }
            } @else { p { (t(Ui::NotRecorded)) } }
        }
    }
}

fn name(c: &ChildView) -> Option<String> {
    let parts: Vec<&str> = [&c.last_name, &c.first_name, &c.middle_name]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn deadlines(signed: &Signed, case: &CaseView) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="deadlines" {
            h2 #deadlines { (t(Ui::Deadlines)) }
            @if case.deadlines.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                table { thead { tr { th scope="col" { (t(Ui::Kind)) } th scope="col" { (t(Ui::Due)) } th scope="col" { (t(Ui::Status)) } } }
                    tbody { @for d in &case.deadlines {
                        tr {
                            td { (lang.code_label("deadline_kind", &d.kind)) }
                            td { (layout::when(d.due_at)) }
                            td {
                                (lang.code_label("deadline_status", &d.status))
                                @if d.status == "pending" && d.due_at < signed.caller.at { " " strong.badge.overdue { (t(Ui::Overdue)) } }
                            }
                        }
                    } }
                }
            }
        }
    }
}

fn timeline(lang: Lang, items: &[TimelineItem]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="timeline" {
            h2 #timeline { (t(Ui::Timeline)) }
            @if items.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                ol.timeline reversed {
                    @for item in items.iter().rev().take(100) {
                        li { (layout::when(item.at)) " — " strong { (lang.code_label("timeline_kind", &item.kind)) } }
                    }
                }
            }
        }
    }
}

fn assessment_list(lang: Lang, items: &[AssessmentView]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="assessments" {
            h2 #assessments { (t(Ui::Assessments)) }
            @if items.is_empty() { p { (t(Ui::NoneYet)) } }
            @for a in items {
                article.record {
                    h3 { (lang.code_label("assessment_kind", &a.kind)) " · " (layout::when(a.recorded_at)) }
                    @if let Some(risk) = &a.risk_level { p { (t(Ui::RiskLevel)) ": " (lang.code_label("risk_level", risk)) } }
                    p { (a.summary) }
                    @if !a.domains.is_empty() {
                        ul { @for f in &a.domains {
                            li { (lang.code_label("assessment_domain", f.domain.as_str())) ": " (lang.code_label("need_level", f.level.as_str())) }
                        } }
                    }
                }
            }
        }
    }
}

pub fn plan(lang: Lang, plan: Option<&PlanView>) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="plan" {
            h2 #plan { (t(Ui::Plan)) }
            @match plan {
                None => p { (t(Ui::NoPlan)) },
                Some(p) => {
                    p { (t(Ui::Version)) " " (p.version) " · " (lang.code_label("plan_status", &p.status)) }
                    @for goal in &p.goals {
                        h3 { (t(Ui::Goal)) ": " (goal.title) }
                        ul { @for m in &goal.measures {
                            li {
                                (lang.code_label("assistance_kind", &m.kind)) ": " (m.description)
                                " · " (t(Ui::Due)) " " (layout::day(m.due_date))
                                @if let Some(done) = m.done_at { " · " (lang.code_label("measure_status", "done")) " " (layout::when(done)) }
                            }
                        } }
                    }
                }
            }
        }
    }
}

fn intervention_list(lang: Lang, items: &[InterventionView]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="interventions" {
            h2 #interventions { (t(Ui::Interventions)) }
            @if items.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                table.interventions {
                    thead { tr {
                        th scope="col" { (t(Ui::Date)) }
                        th scope="col" { (t(Ui::Kind)) }
                        th scope="col" { (t(Ui::AssistanceType)) }
                        th scope="col" { (t(Ui::Summary)) }
                        th scope="col" { (t(Ui::ChildSeen)) }
                    } }
                    tbody { @for i in items {
                        tr {
                            td { (layout::when(i.occurred_at)) }
                            td { (lang.code_label("intervention_kind", &i.kind)) }
                            td { (lang.code_label("assistance_kind", &i.assistance_type)) }
                            td { (i.summary) }
                            td { (t(if i.child_seen { Ui::Yes } else { Ui::No })) }
                        }
                    } }
                }
            }
        }
    }
}

fn referral_list(lang: Lang, items: &[ReferralView]) -> Markup {
    let t = |text| lang.t(text);
    html! {
        section aria-labelledby="referrals" {
            h2 #referrals { (t(Ui::Referrals)) }
            @if items.is_empty() { p { (t(Ui::NoneYet)) } }
            @else {
                table {
                    thead { tr {
                        th scope="col" { (t(Ui::Kind)) }
                        th scope="col" { (t(Ui::Service)) }
                        th scope="col" { (t(Ui::Status)) }
                        th scope="col" { (t(Ui::Sent)) }
                    } }
                    tbody { @for r in items {
                        tr {
                            td { (lang.code_label("referral_kind", &r.kind)) @if r.mandatory { " · " (t(Ui::Mandatory)) } }
                            td { (r.service) }
                            td { (lang.code_label("referral_status", &r.status)) }
                            td { (layout::when(r.created_at)) }
                        }
                    } }
                }
            }
        }
    }
}

/// The intervention form as sent (every field text, so that any input reaches the domain's
/// parser and is shown again as typed).
#[derive(Deserialize, Default)]
pub struct InterventionForm {
    #[serde(default)]
    csrf: String,
    /// The case's version the form was made from.
    #[serde(default)]
    version: String,
    /// A key made with the form: a second submission of the same form (a double click) answers
    /// what the first did and records nothing more.
    #[serde(default)]
    retry: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    assistance_type: String,
    /// `datetime-local`: Kazakhstan time without an offset.
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    summary: String,
    child_seen: Option<String>,
    #[serde(default)]
    duration_minutes: String,
}

impl InterventionForm {
    fn fresh(signed: &Signed, version: i32) -> InterventionForm {
        let now = signed
            .caller
            .at
            .with_timezone(&qorgau_domain::deadline::kazakhstan());
        InterventionForm {
            version: version.to_string(),
            retry: Uuid::new_v4().to_string(),
            occurred_at: now.format("%Y-%m-%dT%H:%M").to_string(),
            ..InterventionForm::default()
        }
    }

    /// The API's body for this form: the local time given Kazakhstan's offset.
    fn input(&self) -> InterventionInput {
        let occurred_at = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(self.occurred_at.trim(), f).ok())
            .and_then(|t| {
                t.and_local_timezone(qorgau_domain::deadline::kazakhstan())
                    .single()
            })
            .map_or_else(|| self.occurred_at.clone(), |t| t.to_rfc3339());
        let duration = self.duration_minutes.trim();
        InterventionInput {
            kind: self.kind.clone(),
            assistance_type: self.assistance_type.clone(),
            occurred_at,
            summary: self.summary.clone(),
            child_seen: self.child_seen.is_some(),
            // Not a number: out of range, so the domain names the field.
            duration_minutes: (!duration.is_empty()).then(|| duration.parse().unwrap_or(-1)),
            plan_measure_id: None,
        }
    }

    /// This submission, for the retry key: the case and every field but the token.
    fn digest(&self, case: CaseId) -> String {
        let fields = [
            case.to_string(),
            self.version.clone(),
            self.kind.clone(),
            self.assistance_type.clone(),
            self.occurred_at.clone(),
            self.summary.clone(),
            self.child_seen.is_some().to_string(),
            self.duration_minutes.clone(),
        ];
        let digest = Sha256::digest(fields.join("\u{1f}").as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn retry_key(&self, case: CaseId) -> Option<Idempotency> {
        let key = self.retry.trim();
        ((1..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())).then(|| {
            Idempotency {
                key: format!("console:{key}"),
                request_hash: self.digest(case),
            }
        })
    }
}

/// What became of a submitted intervention form that was not recorded.
enum Refusal {
    Invalid(Vec<FieldError>),
    Stale,
    NotAllowed,
}

/// `POST /console/cases/{id}/interventions`: recorded from the version the form was made from
/// — a case changed since is refused with a message and the form kept (nothing written); bad
/// input shows the form again with each field's message.
pub async fn log_intervention(
    state: web::Data<AppState>,
    signed: Signed,
    req: HttpRequest,
    id: web::Path<Uuid>,
    form: web::Form<InterventionForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed.check(&form.csrf)?;
    let id = CaseId(id.into_inner());
    let refusal = match parse_intervention(form.input(), signed.caller.at) {
        Err(fields) => Refusal::Invalid(fields),
        Ok(intervention) => {
            // A version that does not parse is no version the case had: stale.
            let expected = form.version.trim().parse::<i64>().unwrap_or(-1);
            match record(
                &state,
                &signed,
                id,
                expected,
                intervention,
                form.retry_key(id),
            )
            .await
            {
                Ok(()) => {
                    return Ok(back_to(&format!(
                        "/console/cases/{id}?saved=1#interventions"
                    )));
                }
                Err(ApiError::PreconditionFailed) => Refusal::Stale,
                Err(ApiError::Validation(fields)) => Refusal::Invalid(fields),
                Err(ApiError::Conflict { .. }) => Refusal::NotAllowed,
                Err(e) => return Err(signed.fail()(e)),
            }
        }
    };
    refused(&state, &signed, &req, id, form.into_inner(), refusal).await
}

async fn record(
    state: &AppState,
    signed: &Signed,
    id: CaseId,
    expected: i64,
    intervention: qorgau_domain::intervention::Intervention,
    key: Option<Idempotency>,
) -> Result<(), ApiError> {
    let work = move |c: &mut DbConnection, _: &qorgau_app::App, caller: &Caller| {
        record_intervention(c, caller, id, Some(expected), intervention)
    };
    let render =
        |row: qorgau_persistence::interventions::InterventionRow| Ok((303, row.id.to_string()));
    state
        .run_once(signed.caller.clone(), key, work, render)
        .await?;
    Ok(())
}

/// The case page again, as it is now, with the form as it was sent and why it was refused.
async fn refused(
    state: &AppState,
    signed: &Signed,
    req: &HttpRequest,
    id: CaseId,
    mut form: InterventionForm,
    refusal: Refusal,
) -> Result<HttpResponse, ConsoleError> {
    let file = signed
        .run(state, move |conn, caller| read_case(conn, caller, id))
        .await?;
    let (notice, errors, status) = match refusal {
        Refusal::Invalid(fields) => (Ui::FormErrors, fields, StatusCode::UNPROCESSABLE_ENTITY),
        Refusal::Stale => {
            // The form now stands on the version shown: sending it again is a decision made
            // on what the case is now.
            form.version = file.case.version.to_string();
            (Ui::StaleForm, vec![], StatusCode::CONFLICT)
        }
        Refusal::NotAllowed => (Ui::NotAllowedNow, vec![], StatusCode::CONFLICT),
    };
    form.retry = Uuid::new_v4().to_string();
    Ok(case_response(
        signed,
        req,
        &file,
        Some((notice, true)),
        &form,
        &errors,
        status,
    ))
}

/// The message of `field` in the form's language, if the domain refused it.
fn field_error(lang: Lang, errors: &[FieldError], field: &str) -> Option<&'static str> {
    errors.iter().find(|e| e.field == field).map(|_| {
        lang.t(match field {
            "kind" => Ui::InvalidKind,
            "assistance_type" => Ui::InvalidAssistanceType,
            "occurred_at" => Ui::InvalidOccurredAt,
            "summary" => Ui::InvalidSummary,
            "duration_minutes" => Ui::InvalidDuration,
            _ => Ui::InvalidValue,
        })
    })
}

fn intervention_form(
    signed: &Signed,
    case: Uuid,
    form: &InterventionForm,
    errors: &[FieldError],
) -> Markup {
    let lang = signed.lang;
    let t = |text| lang.t(text);
    let error = |field: &str| field_error(lang, errors, field);
    let described = |field: &str| error(field).map(|_| format!("{field}-error"));
    let message = |field: &str| {
        html! {
            @if let Some(text) = error(field) { span.field-error id=(format!("{field}-error")) { (text) } }
        }
    };
    html! {
        section aria-labelledby="log" {
            h2 #log { (t(Ui::LogIntervention)) }
            form.record-form method="post" action=(format!("/console/cases/{case}/interventions")) novalidate {
                (layout::token(&signed.form_token))
                input type="hidden" name="version" value=(form.version);
                input type="hidden" name="retry" value=(form.retry);
                p {
                    label for="kind" { (t(Ui::Kind)) }
                    (message("kind"))
                    select #kind name="kind" required aria-invalid=[error("kind").map(|_| "true")] aria-describedby=[described("kind")] {
                        option value="" { (t(Ui::Choose)) }
                        @for k in InterventionKind::ALL {
                            option value=(k.as_str()) selected[form.kind == k.as_str()] { (lang.code_label("intervention_kind", k.as_str())) }
                        }
                    }
                }
                p {
                    label for="assistance_type" { (t(Ui::AssistanceType)) }
                    (message("assistance_type"))
                    select #assistance_type name="assistance_type" required aria-invalid=[error("assistance_type").map(|_| "true")] aria-describedby=[described("assistance_type")] {
                        option value="" { (t(Ui::Choose)) }
                        @for k in AssistanceKind::ALL {
                            option value=(k.as_str()) selected[form.assistance_type == k.as_str()] { (lang.code_label("assistance_kind", k.as_str())) }
                        }
                    }
                }
                p {
                    label for="occurred_at" { (t(Ui::OccurredAt)) }
                    (message("occurred_at"))
                    input #occurred_at type="datetime-local" name="occurred_at" required value=(form.occurred_at)
                        aria-invalid=[error("occurred_at").map(|_| "true")] aria-describedby=[described("occurred_at")];
                }
                p {
                    label for="summary" { (t(Ui::Summary)) }
                    (message("summary"))
                    textarea #summary name="summary" rows="4" required maxlength="2000"
                        aria-invalid=[error("summary").map(|_| "true")] aria-describedby=[described("summary")] { (form.summary) }
                }
                p {
                    label for="duration_minutes" { (t(Ui::DurationMinutes)) }
                    (message("duration_minutes"))
                    input #duration_minutes type="number" name="duration_minutes" min="1" max="1440" inputmode="numeric" value=(form.duration_minutes)
                        aria-invalid=[error("duration_minutes").map(|_| "true")] aria-describedby=[described("duration_minutes")];
                }
                p.check {
                    input #child_seen type="checkbox" name="child_seen" value="on" checked[form.child_seen.is_some()];
                    label for="child_seen" { (t(Ui::ChildSeen)) }
                }
                p { button type="submit" { (t(Ui::Save)) } }
            }
        }
    }
}
