//! The reports of the console, for supervisors (their region) and analysts (any area): the
//! indicators of a period as charts (`kpis`, `GET /reports/kpis`'s use case) and the
//! de-identified counts with their CSV (`aggregates`, `GET /reports/aggregates`'s). Both are
//! asked with a form sent by `GET` — a period, and an area within the reader's scope — read
//! here ([`Asked`]); the use case decides who may see what and rounds what analysts see.

pub mod aggregates;
mod charts;
pub mod kpis;

use chrono::NaiveDate;
use maud::{Markup, html};
use qorgau_app::Caller;
use qorgau_app::area::AreaAsked;
use qorgau_app::geography;
use qorgau_app::reports::ReportAsked;
use qorgau_domain::access::{Action, Scope};
use qorgau_domain::validation::{FieldError, Validation};
use qorgau_persistence::geography::{DistrictRow, RegionRow};
use qorgau_persistence::{DbConnection, Page};

use crate::console::fields::Fields;
use crate::console::values::Values;
use crate::error::ApiError;
use crate::labels::{Lang, Ui};

/// More regions than the country has: all of them on one page.
const REGIONS: i64 = 100;

/// The period and area asked for (empty fields: the use case's defaults).
pub fn asked(v: &Values) -> Result<ReportAsked, Vec<FieldError>> {
    let mut check = Validation::new();
    let mut date = |name: &str| {
        v.some(name)
            .and_then(|typed| check.check(name, NaiveDate::parse_from_str(&typed, "%Y-%m-%d")))
    };
    let (from, to) = (date("from"), date("to"));
    let area = AreaAsked {
        region_code: v.some("region_code"),
        district_code: v.some("district_code"),
    };
    check.finish(|| ReportAsked { from, to, area })
}

/// The regions and districts the reader may ask about: every one for an analyst, her own
/// region's for a supervisor.
pub struct Places {
    regions: Vec<(RegionRow, Vec<DistrictRow>)>,
    /// Whether the reader may choose the region (not only a district of her own).
    any_region: bool,
}

impl Places {
    pub fn read(conn: &mut DbConnection, caller: &Caller) -> Result<Places, ApiError> {
        let page = Page {
            after: None,
            limit: REGIONS,
        };
        let mut regions = geography::regions(conn, caller, &page)?;
        let any_region = match caller.actor.scope(Action::ViewReports) {
            Ok(Scope::All) => true,
            _ => {
                regions.retain(|(r, _)| r.code == caller.actor.region_code);
                false
            }
        };
        Ok(Places {
            regions,
            any_region,
        })
    }

    /// The name of region or district `code` in `lang`, else the code.
    pub fn name(&self, lang: Lang, code: &str) -> String {
        let names = self.regions.iter().find_map(|(r, districts)| {
            if r.code == code {
                return Some([&r.name_kk, &r.name_ru, &r.name_en]);
            }
            let d = districts.iter().find(|d| d.code == code)?;
            Some([&d.name_kk, &d.name_ru, &d.name_en])
        });
        match names {
            Some([kk, ru, en]) => match lang {
                Lang::Kk => kk.clone(),
                Lang::Ru => ru.clone(),
                Lang::En => en.clone(),
            },
            None => code.to_string(),
        }
    }

    /// The area's fields: the region (an analyst's choice; empty, the whole country) and a
    /// district of it (empty, the whole region).
    pub fn fields(&self, f: &Fields) -> Markup {
        let lang = f.lang;
        let regions = self
            .regions
            .iter()
            .map(|(r, _)| (r.code.clone(), self.name(lang, &r.code)));
        let districts = self.regions.iter().flat_map(|(r, districts)| {
            districts.iter().map(move |d| {
                let label = format!(
                    "{} — {}",
                    self.name(lang, &r.code),
                    self.name(lang, &d.code)
                );
                (d.code.clone(), label)
            })
        });
        html! {
            @if self.any_region { (f.select("region_code", f.t(Ui::Region), Ui::WholeCountry, regions)) }
            (f.select("district_code", f.t(Ui::District), Ui::WholeRegion, districts))
        }
    }
}

/// The period's fields.
pub fn period_fields(f: &Fields) -> Markup {
    html! {
        (f.input("from", f.t(Ui::PeriodFrom), "date"))
        (f.input("to", f.t(Ui::PeriodTo), "date"))
    }
}

/// What a report says of the area and period it covers.
pub fn covers(
    lang: Lang,
    places: &Places,
    region: Option<&str>,
    district: Option<&str>,
    (from, to): (NaiveDate, NaiveDate),
) -> Markup {
    let area = match (region, district) {
        (_, Some(d)) => places.name(lang, d),
        (Some(r), None) => places.name(lang, r),
        (None, None) => lang.t(Ui::WholeCountry).to_string(),
    };
    html! {
        p.covers { strong { (area) } " · " (crate::console::layout::day(from)) " – " (crate::console::layout::day(to)) }
    }
}

/// The request's fields as a query string (for a link that asks the same again).
pub fn query_string(v: &Values) -> String {
    v.pairs()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encoding of a query's name or value (all but the unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
