//! Districts (`/console/admin/districts?region_code=`): the regions with how many districts each
//! has, or one region's districts — through `GET /regions`' use case — and the form that adds a
//! district to a region, `POST /console/admin/districts` — `POST /regions/{code}/districts`' use
//! case (`geography::add_district`), once per retry key. (The REST API neither renames nor
//! removes a district, nor does this page.)

use actix_web::HttpResponse;
use maud::{Markup, html};
use qorgau_app::geography::{self, NewDistrict};
use qorgau_app::{App, AppError, Caller};
use qorgau_domain::access::Action;
use qorgau_domain::geography::LocalizedName;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbConnection;
use qorgau_persistence::geography::{DistrictRow, RegionRow};
use serde::Deserialize;

use super::{AdminPage, Target, may, region_name, region_options, regions};
use crate::console::fields::Fields;
use crate::console::form::{Command, FormPage, Said, Sent, View};
use crate::console::layout::{self, Nav};
use crate::console::session::Signed;
use crate::console::values::{Values, new_retry};
use crate::error::ApiError;
use crate::labels::{Lang, Ui};

/// The form's name, and the last segment of its path.
pub const FORM: &str = "districts";

const PATH: &str = "/console/admin/districts";

/// The region whose districts are listed (empty: every region, counted).
#[derive(Deserialize, Default)]
pub struct Query {
    #[serde(default)]
    region_code: String,
}

pub struct Districts {
    region: Option<String>,
    regions: Vec<(RegionRow, Vec<DistrictRow>)>,
}

impl AdminPage for Districts {
    type Query = Query;
    const CREATE: &'static str = FORM;

    fn read_with(
        conn: &mut DbConnection,
        _: &App,
        caller: &Caller,
        query: Query,
    ) -> Result<Districts, ApiError> {
        may(caller, Action::ManageGeography)?;
        let regions = regions(conn, caller)?;
        let region = Some(query.region_code.trim().to_string())
            .filter(|code| regions.iter().any(|(r, _)| r.code == *code));
        Ok(Districts { region, regions })
    }
}

impl FormPage for Districts {
    type Id = Target;

    fn path(_: Target) -> String {
        PATH.into()
    }

    fn read(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        _: Target,
    ) -> Result<Districts, ApiError> {
        Self::read_with(conn, app, caller, Query::default())
    }

    /// The region the form added to is listed again.
    fn read_again(
        conn: &mut DbConnection,
        app: &App,
        caller: &Caller,
        _: Target,
        sent: &Values,
    ) -> Result<Districts, ApiError> {
        let query = Query {
            region_code: sent.get("region_code").into(),
        };
        Self::read_with(conn, app, caller, query)
    }

    fn render(&self, view: &View) -> HttpResponse {
        let (signed, lang) = (view.signed, view.signed.lang);
        let body = html! {
            (view.notice())
            (self.filter(lang))
            @match self.shown() {
                Some((region, districts)) => (self.districts(lang, region, districts)),
                None => (self.counts(lang)),
            }
            (self.add_form(signed, view.sent))
        };
        let title = lang.t(Ui::NavAdminDistricts);
        layout::render(signed, view.req, Nav::AdminDistricts, title, body)
    }

    fn fresh(&self, _: &Signed, _: &str) -> Values {
        self.fresh()
    }

    fn says(form: &str, what: Said) -> Option<Ui> {
        match (form, what) {
            (FORM, Said::Saved) => Some(Ui::DistrictAdded),
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

/// The district the form adds, once per retry key (`Idempotency-Key` in the API). The use case
/// checks the code and the names; an unknown region and a code in use are named as the form's
/// fields.
fn command(v: &Values) -> Command {
    let region = v.get("region_code").trim().to_string();
    let new = NewDistrict {
        code: v.get("code").into(),
        name: LocalizedName {
            kk: v.get("name.kk").into(),
            ru: v.get("name.ru").into(),
            en: v.get("name.en").into(),
        },
    };
    Command::new(move |conn, _, caller| {
        geography::add_district(conn, caller, &region, new).map_err(|e| match e {
            AppError::NotFound => AppError::invalid("region_code", "no such region"),
            AppError::Conflict { .. } => {
                AppError::invalid("code", "a district with this code exists")
            }
            e => e,
        })
    })
    .once(v.retry_key(FORM))
}

impl Districts {
    /// The region listed, and its districts.
    fn shown(&self) -> Option<(&RegionRow, &[DistrictRow])> {
        let code = self.region.as_deref()?;
        let (r, ds) = self.regions.iter().find(|(r, _)| r.code == code)?;
        Some((r, ds.as_slice()))
    }

    /// The form as made with the page: a new retry key, the region listed.
    fn fresh(&self) -> Values {
        let region = self.region.clone().unwrap_or_default();
        Values::default()
            .with("retry", new_retry())
            .with("region_code", region)
    }

    fn filter(&self, lang: Lang) -> Markup {
        let values = Values::default().with("region_code", self.region.clone().unwrap_or_default());
        let f = Fields::new(lang, "filter", (&values, &[]), &[]);
        html! {
            form.filters method="get" action=(PATH) {
                (f.select("region_code", lang.t(Ui::Region), Ui::Any, region_options(lang, &self.regions)))
                p { button type="submit" { (lang.t(Ui::Apply)) } }
            }
        }
    }

    /// Every region, with how many districts it has and the link to them.
    fn counts(&self, lang: Lang) -> Markup {
        let heads = [Ui::Code, Ui::Region, Ui::DistrictsCount];
        layout::table(
            lang,
            "regions",
            &heads,
            Ui::NoneYet,
            &self.regions,
            |(r, ds)| {
                html! { tr {
                    td { (r.code) }
                    td { a href=(format!("{PATH}?region_code={}", r.code)) { (region_name(lang, r)) } }
                    td { (ds.len()) }
                } }
            },
        )
    }

    fn districts(&self, lang: Lang, region: &RegionRow, districts: &[DistrictRow]) -> Markup {
        let heads = [Ui::Code, Ui::NameKk, Ui::NameRu, Ui::NameEn];
        let content = layout::table(lang, "districts", &heads, Ui::NoDistricts, districts, |d| {
            html! { tr {
                td { (d.code) }
                td lang="kk" { (d.name_kk) }
                td lang="ru" { (d.name_ru) }
                td lang="en" { (d.name_en) }
            } }
        });
        let heading = format!("{} — {}", region.code, region_name(lang, region));
        layout::section("region", &heading, content)
    }

    fn add_form(&self, signed: &Signed, sent: Option<&Sent>) -> Markup {
        let lang = signed.lang;
        let fresh = self.fresh();
        let shown = Sent::shown(sent, FORM, &fresh);
        let required = ["region_code", "code", "name.kk", "name.ru", "name.en"];
        let f = Fields::new(lang, FORM, shown, &required);
        let content = html! {
            form.record-form method="post" action=(PATH) novalidate {
                (layout::token(&signed.form_token))
                (f.hidden(&["retry"]))
                (f.select("region_code", lang.t(Ui::Region), Ui::Choose, region_options(lang, &self.regions)))
                (f.input("code", lang.t(Ui::Code), "text"))
                (f.input("name.kk", lang.t(Ui::NameKk), "text"))
                (f.input("name.ru", lang.t(Ui::NameRu), "text"))
                (f.input("name.en", lang.t(Ui::NameEn), "text"))
                p { button type="submit" { (lang.t(Ui::AddDistrict)) } }
            }
        };
        layout::section(FORM, lang.t(Ui::AddDistrict), content)
    }
}
