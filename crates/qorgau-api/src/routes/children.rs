//! The child registry (api.md § Children): search, the child's card, timeline, possible
//! duplicates and the supervisor's merge.

use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qorgau_domain::access::{Action, Location};
use qorgau_domain::names::name_key;
use qorgau_domain::validation::{Validation, bounded_text};
use qorgau_persistence::children::{self, ChildFilter, ChildRow};
use qorgau_persistence::timeline as events;
use qorgau_persistence::{DbConnection, DbError, write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::{self, Act, Target};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate, shown};
use crate::routes::signals::event;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ChildView {
    pub id: Uuid,
    pub iin: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// `male` or `female`.
    pub sex: Option<String>,
    pub address: Option<String>,
    pub region_code: String,
    pub district_code: String,
    pub open_case_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl ChildView {
    fn new(c: ChildRow, open_case_id: Option<String>) -> Self {
        ChildView {
            id: c.id.parse().unwrap_or_default(),
            iin: c.iin,
            last_name: c.last_name,
            first_name: c.first_name,
            middle_name: c.middle_name,
            birth_date: c.birth_date,
            sex: c.sex,
            address: c.address,
            region_code: c.region_code,
            district_code: c.district_code,
            open_case_id: open_case_id.and_then(|id| id.parse().ok()),
            created_at: c.created_at.and_utc(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    /// `signal`, `signal_updated`, `triage`, `case_opened`, `merge`, …
    pub kind: String,
    pub summary: String,
    pub actor_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub ref_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<TimelineItem>,
}

#[derive(Deserialize, IntoParams)]
pub struct ChildQuery {
    pub iin: Option<String>,
    /// A name or names, spelling-tolerant across Kazakh, Russian and Latin spellings.
    pub q: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<NaiveDate>,
}

#[derive(Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The record that is the same child; its signals and cases move to this one.
    pub duplicate_id: String,
    pub reason: String,
}

/// Brief § 5: a reader without the child's file (the district's intake coordinator) gets the
/// short card that confirms a match — identity, place, open case — not the address.
fn short_card(caller: &Caller, mut child: ChildRow) -> ChildRow {
    if caller.actor.scope(Action::ViewChildFile).is_err() {
        child.address = None;
    }
    child
}

/// Loads a child the caller may see (merged records answer 404), with its open case.
pub fn visible_child(
    conn: &mut DbConnection,
    caller: &Caller,
    action: Action,
    id: &str,
) -> Result<(ChildRow, Option<String>), ApiError> {
    let actor = &caller.actor;
    let child = children::find(conn, id)?
        .filter(|c| c.merged_into.is_none())
        .ok_or(ApiError::NotFound)?;
    let open = children::open_case(conn, &child.id)?;
    let owner = open
        .as_ref()
        .and_then(|(_, a)| a.as_deref())
        .and_then(|a| a.parse().ok());
    let at = Location {
        owner,
        organisation: None,
        region: Some(&child.region_code),
        district: Some(&child.district_code),
    };
    actor.authorize(Action::ViewChildren, &at)?;
    if action != Action::ViewChildren {
        actor.permit(action, &at)?;
    }
    // Viewing the audit log of a child is not itself an access to the child's data.
    if action != Action::ViewAudit {
        let act = if matches!(action, Action::ViewChildren | Action::ViewChildFile) {
            Act::Read
        } else {
            Act::Update
        };
        audit::log(
            conn,
            caller,
            act,
            Target {
                resource: "child",
                id: &child.id,
                child_id: Some(&child.id),
                region: Some(&child.region_code),
            },
        )?;
    }
    Ok((child, open.map(|(case, _)| case)))
}

/// Children the caller may see, by IIN, name (spelling-tolerant) or birth date.
#[utoipa::path(tag = "children", security(("bearer" = [])), params(ChildQuery, ListParams), responses(
    (status = 200, body = List<ChildView>),
    (status = 403, body = Problem),
))]
#[get("/children")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ChildQuery>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<ChildView>>, ApiError> {
    let scope = caller.actor.scope(Action::ViewChildren)?;
    let page = params.page()?;
    let filter = ChildFilter {
        iin: query.iin.as_deref().map(|i| i.trim().to_string()),
        name_keys: query
            .q
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(name_key)
            .filter(|k| !k.is_empty())
            .collect(),
        birth_date: query.birth_date,
    };
    let query_page = page.clone();
    let rows = state
        .run(move |conn| {
            let rows = children::list(conn, &scope, &filter, &query_page)?;
            let seen: Vec<Target> = shown(&rows, &query_page)
                .iter()
                .map(|c| Target {
                    resource: "child",
                    id: &c.id,
                    child_id: Some(&c.id),
                    region: Some(&c.region_code),
                })
                .collect();
            crate::audit::log_list(conn, &caller, "children", &seen)?;
            let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
            let mut open = children::open_cases(conn, &ids)?;
            Ok(rows
                .into_iter()
                .map(|c| {
                    let case = open.remove(&c.id);
                    (short_card(&caller, c), case)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |(c, _)| &c.id,
        |(c, open)| ChildView::new(c, open),
    )))
}

/// A child's card.
#[utoipa::path(tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChildView),
    (status = 404, body = Problem),
))]
#[get("/children/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ChildView>, ApiError> {
    let id = id.into_inner().to_string();
    let (child, open) = state
        .run(move |conn| {
            let (child, open) = visible_child(conn, &caller, Action::ViewChildren, &id)?;
            Ok((short_card(&caller, child), open))
        })
        .await?;
    Ok(web::Json(ChildView::new(child, open)))
}

/// Everything that happened to the child, oldest first.
#[utoipa::path(tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Timeline),
    (status = 404, body = Problem),
))]
#[get("/children/{id}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Timeline>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            // The file is for the assigned case manager and the region's supervisor, who may
            // also read sensitive concerns: nothing in it needs withholding from them.
            visible_child(conn, &caller, Action::ViewChildFile, &id)?;
            Ok(events::for_child(conn, &id)?)
        })
        .await?;
    let parse = |s: Option<String>| s.and_then(|v| v.parse().ok());
    let items = rows
        .into_iter()
        .map(|e| TimelineItem {
            at: e.at.and_utc(),
            kind: e.kind,
            summary: e.summary,
            actor_id: parse(e.actor_id),
            case_id: parse(e.case_id),
            ref_id: parse(e.ref_id),
        })
        .collect();
    Ok(web::Json(Timeline { items }))
}

/// Children flagged as probably the same person (never merged automatically).
#[utoipa::path(tag = "children", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = Vec<ChildView>),
    (status = 404, body = Problem),
))]
#[get("/children/{id}/possible-duplicates")]
pub async fn possible_duplicates(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<ChildView>>, ApiError> {
    let id = id.into_inner().to_string();
    let rows = state
        .run(move |conn| {
            visible_child(conn, &caller, Action::ViewChildren, &id)?;
            // Candidates are found across the country; only those the caller may see are shown
            // (each is then an audited read like any other card).
            let mut shown = Vec::new();
            for candidate in children::possible_duplicates(conn, &id)? {
                match visible_child(conn, &caller, Action::ViewChildren, &candidate.id) {
                    // The same short card as `GET /children/{id}` (issue 17, finding 9).
                    Ok(_) => shown.push(short_card(&caller, candidate)),
                    Err(ApiError::NotFound | ApiError::Forbidden) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(shown)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(|c| ChildView::new(c, None)).collect(),
    ))
}

/// Merges a duplicate record into this child (supervisors): its signals, cases and timeline
/// move here; the merge is recorded on the timeline.
#[utoipa::path(tag = "children", security(("bearer" = [])), request_body = MergeRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChildView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Both children have an open case"),
    (status = 422, body = Problem),
))]
#[post("/children/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<MergeRequest>,
) -> Result<web::Json<ChildView>, ApiError> {
    let mut v = Validation::new();
    let duplicate_id = v.check(
        "duplicate_id",
        body.0
            .duplicate_id
            .parse::<Uuid>()
            .map_err(|_| "must be a child id"),
    );
    let reason = v.check("reason", bounded_text(&body.0.reason, 2000));
    let (Some(duplicate_id), Some(reason)) = (duplicate_id, reason) else {
        return Err(v.into_errors().into());
    };
    let keep_id = id.into_inner().to_string();
    let duplicate_id = duplicate_id.to_string();
    if keep_id == duplicate_id {
        return Err(ApiError::invalid("duplicate_id", "must be another child"));
    }
    let actor = caller.actor.clone();
    let now = state.now();
    let (child, open) = state
        .run(move |conn| {
            write(conn, |c| {
                let (keep, _) = visible_child(c, &caller, Action::MergeChildren, &keep_id)?;
                let (duplicate, _) =
                    visible_child(c, &caller, Action::MergeChildren, &duplicate_id).map_err(
                        |_| ApiError::invalid("duplicate_id", "no such child in your region"),
                    )?;
                let me = actor.user_id.to_string();
                let merge_id = Uuid::now_v7().to_string();
                children::merge(
                    c,
                    &keep,
                    &duplicate,
                    &merge_id,
                    &reason,
                    &me,
                    now.naive_utc(),
                )
                .map_err(|e| match e {
                    DbError::Duplicate(_) => ApiError::conflict(
                        "both children have an open case: close one before merging",
                    ),
                    other => other.into(),
                })?;
                let summary = format!("Record {} merged into {}: {reason}", duplicate.id, keep.id);
                events::record(
                    c,
                    &event(
                        &keep.id,
                        None,
                        now,
                        "merge",
                        summary.clone(),
                        &me,
                        &merge_id,
                    ),
                )?;
                // The duplicate keeps a trace of where it went.
                events::record(
                    c,
                    &event(&duplicate.id, None, now, "merge", summary, &me, &merge_id),
                )?;
                visible_child(c, &caller, Action::ViewChildren, &keep.id)
            })
        })
        .await?;
    Ok(web::Json(ChildView::new(child, open)))
}
