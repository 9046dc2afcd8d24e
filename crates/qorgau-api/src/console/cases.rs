//! My cases: the caller's cases — their own for a case manager, the region's for a supervisor
//! — filtered by status, risk and overdue work, 50 a page, through the use case of `GET /cases`
//! (its scope checks are the list's bounds). The case itself: `case_page`.

use maud::{Markup, html};
use qorgau_app::cases::{CaseSearch, list_cases};
use qorgau_domain::case::CaseStatus;
use qorgau_domain::taxonomy::RiskLevel;
use serde::Deserialize;
use uuid::Uuid;

use crate::console::fields::Fields;
use crate::console::layout::{self, Nav};
use crate::console::listing::{Cursor, ListPage, Listed, more};
use crate::console::records::labels;
use crate::console::session::Signed;
use crate::console::values::Values;
use crate::dto::cases::{CaseQuery, CaseView};
use crate::dto::views;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::list::paginate;
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
    fn cursor(&self) -> Cursor {
        Cursor {
            cursor: self.cursor.clone(),
        }
    }

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
pub struct MyCases;

impl ListPage for MyCases {
    type Query = CaseFilter;
    const NAV: (Nav, Ui) = (Nav::Cases, Ui::NavCases);

    async fn list(state: &AppState, signed: &Signed, filter: CaseFilter) -> Listed {
        let page = filter.cursor().params().page().map_err(signed.fail())?;
        let search = filter.search().map_err(signed.fail())?;
        let asked = page.clone();
        let rows = signed
            .run(state, move |conn, caller| {
                Ok(list_cases(conn, caller, search, &asked)?)
            })
            .await?;
        let list = paginate(rows, &page, |s| &s.case.id, |s| s);
        let cases: Vec<CaseView> = views(list.items).map_err(|e| signed.fail()(e.into()))?;
        Ok(html! {
            (filter_form(signed.lang, &filter))
            (case_table(signed, &cases))
            (more(signed.lang, &filter.path(), &list.next_cursor))
        })
    }
}

fn filter_form(lang: Lang, filter: &CaseFilter) -> Markup {
    let t = |text| lang.t(text);
    let values: Values = [
        ("status", filter.status.clone()),
        ("risk_level", filter.risk_level.clone()),
        ("overdue", filter.overdue.clone().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    let f = Fields::new(lang, "filter", (&values, &[]), &[]);
    let statuses = CaseStatus::ALL.map(CaseStatus::as_str);
    let risks = RiskLevel::ALL.map(RiskLevel::as_str);
    html! {
        form.filters method="get" action="/console/cases" role="search" aria-label=(t(Ui::Filter)) {
            (f.codes("status", t(Ui::Status), Ui::Any, "case_status", &statuses))
            (f.codes("risk_level", t(Ui::RiskLevel), Ui::Any, "risk_level", &risks))
            (f.check("overdue", t(Ui::OverdueOnly)))
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
    let heads = [
        Ui::CaseNumber,
        Ui::Status,
        Ui::RiskLevel,
        Ui::Concerns,
        Ui::Opened,
    ];
    layout::table(lang, "cases", &heads, Ui::CasesEmpty, cases, |case| {
        html! {
            tr {
                td {
                    a href=(format!("/console/cases/{}", case.id)) { (case.number) }
                    @if overdue(signed, case) { (layout::overdue(lang)) }
                }
                td { (lang.code_label("case_status", &case.status)) }
                td { (layout::risk(lang, &case.risk_level)) }
                td { (labels(lang, "concern", &case.concerns)) }
                td { (layout::when(case.opened_at)) }
            }
        }
    })
}
