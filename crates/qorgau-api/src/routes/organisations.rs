//! Organisations (api.md § Geography, organisations, users).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use qorgau_domain::access::Action;
use qorgau_domain::geography::{DistrictCode, RegionCode};
use qorgau_domain::ids::OrganisationId;
use qorgau_domain::organisation::OrganisationKind;
use qorgau_domain::validation::{Validation, bounded_text, email};
use qorgau_persistence::geography;
use qorgau_persistence::organisations::{self, OrganisationFilter, OrganisationRow};
use qorgau_persistence::write;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub district_code: Option<String>,
    pub email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub district_code: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<OrganisationRow> for OrganisationView {
    fn from(o: OrganisationRow) -> Self {
        OrganisationView {
            id: o.id.parse().unwrap_or_default(),
            name: o.name,
            kind: o.kind,
            region_code: o.region_code,
            district_code: o.district_code,
            email: o.email,
            created_at: o.created_at.and_utc(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct OrganisationQuery {
    pub kind: Option<String>,
    pub region_code: Option<String>,
}

/// Registers an organisation (administrators).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = NewOrganisation, responses(
    (status = 201, body = OrganisationView),
    (status = 403, body = Problem),
    (status = 422, body = Problem),
))]
#[post("/organisations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    caller.actor.scope(Action::CreateOrganisation)?;
    let row = validate(body.0, state.now())?;
    let row = state
        .run(move |conn| {
            write(conn, |conn| {
                check_place(conn, &row)?;
                organisations::insert(conn, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(OrganisationView::from(row)))
}

fn validate(new: NewOrganisation, now: DateTime<Utc>) -> Result<OrganisationRow, ApiError> {
    let mut v = Validation::new();
    let name = v.check("name", bounded_text(&new.name, 300));
    let kind = v.check(
        "kind",
        OrganisationKind::from_code(&new.kind).ok_or("is not a known organisation kind"),
    );
    let region = v.check("region_code", RegionCode::parse(&new.region_code));
    let district = match (
        &region,
        new.district_code.as_deref().filter(|d| !d.is_empty()),
    ) {
        (Some(region), Some(d)) => v
            .check("district_code", DistrictCode::parse(region, d))
            .map(Some),
        (_, None) => Some(None),
        (None, Some(_)) => None,
    };
    if let (Some(kind), Some(None)) = (kind, &district)
        && kind.requires_district()
    {
        v.add("district_code", "is required for this kind of organisation");
    }
    let email = match new.email.as_deref().filter(|e| !e.trim().is_empty()) {
        Some(e) => v.check("email", email(e)).map(Some),
        None => Some(None),
    };
    match (name, kind, region, district, email) {
        (Some(name), Some(kind), Some(region), Some(district), Some(email)) if v.is_empty() => {
            Ok(OrganisationRow {
                id: OrganisationId::new().to_string(),
                name,
                kind: kind.as_str().into(),
                region_code: region.as_str().into(),
                district_code: district.map(|d| d.as_str().to_string()),
                email,
                created_at: now.naive_utc(),
            })
        }
        _ => Err(v.into_errors().into()),
    }
}

/// The region and district must exist (the district's region is implied by its code).
fn check_place(
    conn: &mut qorgau_persistence::DbConnection,
    row: &OrganisationRow,
) -> Result<(), ApiError> {
    if !geography::region_exists(conn, &row.region_code)? {
        return Err(ApiError::invalid("region_code", "no such region"));
    }
    if let Some(d) = &row.district_code
        && geography::find_district(conn, d)?.is_none()
    {
        return Err(ApiError::invalid(
            "district_code",
            "no such district in this region",
        ));
    }
    Ok(())
}

/// Organisations, optionally by kind and region. Every signed-in user may list them: they are
/// the directory that referrals and plans are addressed to.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(OrganisationQuery, ListParams), responses(
    (status = 200, body = List<OrganisationView>),
    (status = 401, body = Problem),
))]
#[get("/organisations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrganisationQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<OrganisationView>>, ApiError> {
    caller.actor.scope(Action::ViewOrganisations)?;
    let page = params.page()?;
    let filter = OrganisationFilter {
        kind: query.kind.clone(),
        region_code: query.region_code.clone(),
    };
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(organisations::list(conn, &filter, &query_page)?))
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |o| &o.id,
        OrganisationView::from,
    )))
}

/// One organisation.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = OrganisationView),
    (status = 404, body = Problem),
))]
#[get("/organisations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrganisationView>, ApiError> {
    caller.actor.scope(Action::ViewOrganisations)?;
    let id = id.into_inner().to_string();
    let row = state
        .run(move |conn| Ok(organisations::find(conn, &id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(row.into()))
}
