//! Organisations (`/console/admin/organisations?region_code=&kind=`): the directory, 50 a page,
//! through `GET /organisations`' use case, and the form that registers one,
//! `POST /console/admin/organisations` — `POST /organisations`' use case
//! (`organisations::create`), once per retry key.

use actix_web::HttpResponse;
use maud::{Markup, html};
use qorgau_app::organisations::{self, NewOrganisation};
use qorgau_app::{App, Caller};
use qorgau_domain::access::Action;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbConnection;
use qorgau_persistence::geography::{DistrictRow, RegionRow};
use qorgau_persistence::organisations::{OrganisationFilter, OrganisationRow};
use serde::Deserialize;

use super::{
    AdminPage, Target, district_name, may, path_with, region_name, region_options, regions, some,
};
use crate::console::fields::Fields;
use crate::console::form::{Command, FormPage, Said, Sent, View};
use crate::console::layout::{self, Nav};
use crate::console::listing::{Cursor, more};
use crate::console::session::Signed;
use crate::console::values::{Values, new_retry};
use crate::error::ApiError;
use crate::labels::{Lang, Ui};
use crate::list::{List, paginate};

/// The form's name, and the last segment of its path.
pub const FORM: &str = "organisations";

const PATH: &str = "/console/admin/organisations";

/// The filters of the list (empty: none), and its page.
#[derive(Deserialize, Default)]
pub struct Query {
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    kind: String,
    cursor: Option<String>,
}

pub struct Organisations {
    query: Query,
    list: List<OrganisationRow>,
    regions: Vec<(RegionRow, Vec<DistrictRow>)>,
}

impl AdminPage for Organisations {
    type Query = Query;
    const CREATE: &'static str = FORM;

    fn read_with(
        conn: &mut DbConnection,
        _: &App,
        caller: &Caller,
        query: Query,
    ) -> Result<Organisations, ApiError> {
        may(caller, Action::CreateOrganisation)?;
        let cursor = Cursor {
            cursor: query.cursor.clone(),
        };
        let page = cursor.params().page()?;
        let filter = OrganisationFilter {
            kind: some(&query.kind),
            region_code: some(&query.region_code),
        };
        let rows = organisations::list(conn, caller, &filter, &page)?;
        Ok(Organisations {
            list: paginate(rows, &page, |o| &o.id, |o| o),
            regions: regions(conn, caller)?,
            query,
        })
    }
}

impl FormPage for Organisations {
    type Id = Target;

    fn path(_: Target) -> String {
        PATH.into()
    }

    fn read(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        _: Target,
    ) -> Result<Organisations, ApiError> {
        Self::read_with(conn, app, caller, Query::default())
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let body = html! {
            (view.notice())
            (self.filter(lang))
            (self.table(lang))
            (more(lang, &self.path(), &self.list.next_cursor))
            (self.create_form(signed, view.sent))
        };
        let title = lang.t(Ui::NavAdminOrganisations);
        layout::render(signed, view.req, Nav::AdminOrganisations, title, body)
    }

    fn fresh(&self, _: &Signed, _: &str) -> Values {
        fresh()
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        match (form, what) {
            (FORM, Said::Saved) => Some(Ui::OrganisationCreated),
            (FORM, _) => Some(Ui::FormErrors),
            _ => None,
        }
    }

    fn command(
        form: &str,
        _: &Signed,
        _: Target,
        v: &Values,
    ) -> Option<Result<Command, Vec<FieldError>>> {
        (form == FORM).then(|| Ok(command(v)))
    }
}

/// The form as made with the page: a new retry key.
fn fresh() -> Values {
    Values::default().with("retry", new_retry())
}

/// The registration the form asks, once per retry key (`Idempotency-Key` in the API); the use
/// case checks every field and the place.
fn command(v: &Values) -> Command {
    let new = NewOrganisation {
        name: v.get("name").into(),
        kind: v.get("kind").into(),
        region_code: v.get("region_code").trim().into(),
        district_code: v.some("district_code"),
        email: v.some("email"),
    };
    Command::new(move |conn, _, caller| organisations::create(conn, caller, new))
        .once(v.retry_key(FORM))
}

impl Organisations {
    fn path(&self) -> String {
        let q = &self.query;
        path_with(PATH, &[("region_code", &q.region_code), ("kind", &q.kind)])
    }

    fn filter(&self, lang: Lang) -> Markup {
        let values = Values::default()
            .with("region_code", self.query.region_code.trim())
            .with("kind", self.query.kind.trim());
        let f = Fields::new(lang, "filter", (&values, &[]), &[]);
        let kinds = OrganisationKind::ALL.map(OrganisationKind::as_str);
        html! {
            form.filters method="get" action=(PATH) {
                (f.select("region_code", lang.t(Ui::Region), Ui::Any, region_options(lang, &self.regions)))
                (f.codes("kind", lang.t(Ui::Kind), Ui::Any, "organisation_kind", &kinds))
                p { button type="submit" { (lang.t(Ui::Apply)) } }
            }
        }
    }

    fn table(&self, lang: Lang) -> Markup {
        let heads = [
            Ui::OrganisationName,
            Ui::Kind,
            Ui::Region,
            Ui::District,
            Ui::Email,
        ];
        let region = |code: &str| {
            self.regions
                .iter()
                .find(|(r, _)| r.code == code)
                .map_or(code.to_string(), |(r, _)| region_name(lang, r).to_string())
        };
        let district = |code: &str| {
            self.regions
                .iter()
                .flat_map(|(_, ds)| ds)
                .find(|d| d.code == code)
                .map_or(code.to_string(), |d| district_name(lang, d).to_string())
        };
        layout::table(
            lang,
            "organisations",
            &heads,
            Ui::NoOrganisations,
            &self.list.items,
            |o| {
                html! { tr {
                    td { (o.name) }
                    td { (lang.code_label("organisation_kind", o.kind.as_str())) }
                    td { (region(&o.region_code)) }
                    td { @if let Some(d) = &o.district_code { (district(d)) } }
                    td { @if let Some(e) = &o.email { (e) } }
                } }
            },
        )
    }

    fn create_form(&self, signed: &Signed, sent: Option<&Sent>) -> Markup {
        let lang = signed.lang;
        let fresh = fresh();
        let shown = Sent::shown(sent, FORM, &fresh);
        let f = Fields::new(lang, FORM, shown, &["name", "kind", "region_code"]);
        let kinds = OrganisationKind::ALL.map(OrganisationKind::as_str);
        let districts: Vec<(String, String)> = self
            .regions
            .iter()
            .flat_map(|(_, ds)| ds)
            .map(|d| {
                (
                    d.code.clone(),
                    format!("{} — {}", d.code, district_name(lang, d)),
                )
            })
            .collect();
        let content = html! {
            form.record-form method="post" action=(PATH) novalidate {
                (layout::token(&signed.form_token))
                (f.hidden(&["retry"]))
                (f.input("name", lang.t(Ui::OrganisationName), "text"))
                (f.codes("kind", lang.t(Ui::Kind), Ui::Choose, "organisation_kind", &kinds))
                (f.select("region_code", lang.t(Ui::Region), Ui::Choose, region_options(lang, &self.regions)))
                (f.select("district_code", lang.t(Ui::District), Ui::NotRecorded, districts))
                (f.input("email", lang.t(Ui::Email), "email"))
                p { button type="submit" { (lang.t(Ui::CreateOrganisation)) } }
            }
        };
        layout::section(FORM, lang.t(Ui::CreateOrganisation), content)
    }
}
