//! The child registry (api.md § Children): search, the child's card, timeline, possible
//! duplicates and the supervisor's merge and its undoing.

use std::collections::BTreeSet;

use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qorgau_domain::access::{Action, Location};
use qorgau_domain::merge::{self as merging, Identity, IdentityField, Refusal};
use qorgau_domain::names::name_key;
use qorgau_domain::validation::{Validation, bounded_text};
use qorgau_persistence::children::{self, ChildFilter, ChildRow, NewMerge, Unmerged};
use qorgau_persistence::timeline as events;
use qorgau_persistence::{DbConnection, DbError, write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::json::Json;
use crate::routes::list::{List, ListParams, paginate, shown};
use crate::state::AppState;
use qorgau_app::AppError;
use qorgau_app::access::visible_child;
use qorgau_app::audit::{self, Act, Target};
use qorgau_app::timeline::event;
use qorgau_domain::timeline::TimelineKind;

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
    /// `signal`, `signal_updated`, `triage`, `case_opened`, `merge`, `unmerge`, …
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
    /// The fields in which the two records differ, confirmed by the supervisor: exactly
    /// those of `last_name`, `first_name` (both compared spelling-tolerantly), `birth_date` and
    /// `sex` that are known on both records and differ. Required (`[]` when nothing differs)
    /// unless the pair was flagged as a possible duplicate and nothing differs; a wrong list
    /// answers 422 with the differing fields in `differences`.
    #[schema(example = json!(["sex"]))]
    pub confirm_differences: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
pub struct UnmergeRequest {
    /// The merge to undo (the `ref_id` of the `merge` event on the child's timeline); by
    /// default the most recent merge into this child that is still in force.
    pub merge_id: Option<String>,
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
            qorgau_app::audit::log_list(conn, &caller, "children", &seen)?;
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
                    Err(AppError::NotFound | AppError::Denied) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(shown)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(|c| ChildView::new(c, None)).collect(),
    ))
}

/// What a record says about who the child is, for comparing two records before a merge.
fn identity(child: &ChildRow) -> Identity<'_> {
    Identity {
        iin: child.iin.as_deref(),
        last_name: child.last_name.as_deref(),
        first_name: child.first_name.as_deref(),
        birth_date: child.birth_date,
        sex: child.sex.as_deref(),
    }
}

fn refused(refusal: Refusal) -> ApiError {
    match &refusal {
        Refusal::TwoIins => ApiError::invalid("duplicate_id", refusal.message()),
        Refusal::Unconfirmed { differences, .. } => ApiError::Unconfirmed {
            field: "confirm_differences",
            message: refusal.message(),
            differences: differences.iter().map(|d| d.as_str().into()).collect(),
        },
    }
}

/// A merge request, parsed.
struct MergeInput {
    keep_id: String,
    duplicate_id: String,
    reason: String,
    /// The differences confirmed, when `confirm_differences` was sent.
    confirmed: Option<BTreeSet<IdentityField>>,
}

impl MergeInput {
    fn parse(keep_id: Uuid, body: MergeRequest) -> Result<MergeInput, ApiError> {
        let mut v = Validation::new();
        let duplicate_id = v.check(
            "duplicate_id",
            body.duplicate_id
                .parse::<Uuid>()
                .map_err(|_| "must be a child id"),
        );
        let reason = v.check("reason", bounded_text(&body.reason, 2000));
        let confirmed = match &body.confirm_differences {
            Some(codes) => v
                .check("confirm_differences", merging::parse_confirmation(codes))
                .map(Some),
            None => Some(None),
        };
        let (Some(duplicate_id), Some(reason), Some(confirmed)) = (duplicate_id, reason, confirmed)
        else {
            return Err(v.into_errors().into());
        };
        if duplicate_id == keep_id {
            return Err(ApiError::invalid("duplicate_id", "must be another child"));
        }
        Ok(MergeInput {
            keep_id: keep_id.to_string(),
            duplicate_id: duplicate_id.to_string(),
            reason,
            confirmed,
        })
    }
}

/// Merges a duplicate record into this child (supervisors): its signals, cases and timeline
/// move here; the merge is recorded on both timelines and can be undone (`/unmerge`).
///
/// A pair not flagged as possible duplicates, or whose last name, first name, birth date or
/// sex differ, merges only with `confirm_differences` listing exactly the fields that differ;
/// two records that both have an IIN never merge.
#[utoipa::path(tag = "children", security(("bearer" = [])), request_body = MergeRequest, params(("id" = Uuid, Path)), responses(
    (status = 200, body = ChildView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Both children have an open case"),
    (status = 422, body = Problem, description = "Invalid field; on `confirm_differences`, `differences` lists the fields that differ; on `duplicate_id`, also two records with an IIN each"),
))]
#[post("/children/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<MergeRequest>,
) -> Result<web::Json<ChildView>, ApiError> {
    let input = MergeInput::parse(id.into_inner(), body.0)?;
    let now = state.now();
    let (child, open) = state
        .run(move |conn| write(conn, |c| merge_records(c, &caller, &input, now)))
        .await?;
    Ok(web::Json(ChildView::new(child, open)))
}

/// Checks and makes the merge in the caller's transaction; answers the kept child's card.
fn merge_records(
    c: &mut DbConnection,
    caller: &Caller,
    input: &MergeInput,
    now: DateTime<Utc>,
) -> Result<(ChildRow, Option<String>), ApiError> {
    children::lock(c, &[&input.keep_id, &input.duplicate_id])?;
    let (keep, _) = visible_child(c, caller, Action::MergeChildren, &input.keep_id)?;
    let (duplicate, _) = visible_child(c, caller, Action::MergeChildren, &input.duplicate_id)
        .map_err(|_| ApiError::invalid("duplicate_id", "no such child in your region"))?;
    let flagged_at = children::flagged_at(c, &keep.id, &duplicate.id)?;
    let differences = merging::check(
        &identity(&keep),
        &identity(&duplicate),
        flagged_at.is_some(),
        input.confirmed.as_ref(),
    )
    .map_err(refused)?;
    let listed: Vec<&str> = differences.iter().map(|d| d.as_str()).collect();
    let listed = listed.join(", ");
    let me = caller.actor.user_id.to_string();
    let merge_id = Uuid::now_v7().to_string();
    let new = NewMerge {
        id: &merge_id,
        reason: &input.reason,
        merged_by: &me,
        at: now.naive_utc(),
        flagged_at,
        confirmed_differences: input.confirmed.as_ref().map(|_| listed.clone()),
    };
    children::merge(c, &keep, &duplicate, &new).map_err(|e| match e {
        DbError::Duplicate(_) => {
            ApiError::conflict("both children have an open case: close one before merging")
        }
        other => other.into(),
    })?;
    let how = match (&input.confirmed, flagged_at) {
        (Some(_), _) if !differences.is_empty() => format!(" (differences confirmed: {listed})"),
        (Some(_), None) => " (not flagged as possible duplicates; confirmed)".into(),
        _ => String::new(),
    };
    let summary = format!(
        "Record {} merged into {}{how}: {}",
        duplicate.id, keep.id, input.reason
    );
    // Both timelines: the duplicate keeps a trace of where it went.
    for child in [&keep.id, &duplicate.id] {
        let e = event(
            child,
            None,
            now,
            TimelineKind::Merge,
            summary.clone(),
            &me,
            &merge_id,
        );
        events::record(c, &e)?;
    }
    Ok(visible_child(c, caller, Action::ViewChildren, &keep.id)?)
}

/// Undoes a merge into this child (supervisors of the region, as for a merge): what the merge
/// moved goes back to the other record, which is a child of its own again with its IIN and its
/// possible-duplicate flag; the merge stays in the history, marked undone, and both timelines
/// record the undoing. Answers with this child's card.
#[utoipa::path(tag = "children", security(("bearer" = [])), request_body = UnmergeRequest, params(("id" = Uuid, Path, description = "The child the record was merged into")), responses(
    (status = 200, body = ChildView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "No merge into this child to undo, the merge was undone already, or undoing it would give a child two open cases"),
    (status = 422, body = Problem),
))]
#[post("/children/{id}/unmerge")]
pub async fn unmerge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UnmergeRequest>,
) -> Result<web::Json<ChildView>, ApiError> {
    let mut v = Validation::new();
    let merge_id = match &body.0.merge_id {
        Some(m) => v
            .check(
                "merge_id",
                m.parse::<Uuid>().map_err(|_| "must be a merge id"),
            )
            .map(|m| Some(m.to_string())),
        None => Some(None),
    };
    let reason = v.check("reason", bounded_text(&body.0.reason, 2000));
    let (Some(merge_id), Some(reason)) = (merge_id, reason) else {
        return Err(v.into_errors().into());
    };
    let keep_id = id.into_inner().to_string();
    let now = state.now();
    let (child, open) = state
        .run(move |conn| {
            write(conn, |c| {
                undo_merge(c, &caller, &keep_id, merge_id.as_deref(), &reason, now)
            })
        })
        .await?;
    Ok(web::Json(ChildView::new(child, open)))
}

/// Undoes the merge `merge_id` (by default the latest in force) into `keep_id` in the caller's
/// transaction; answers the kept child's card.
fn undo_merge(
    c: &mut DbConnection,
    caller: &Caller,
    keep_id: &str,
    merge_id: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(ChildRow, Option<String>), ApiError> {
    let (keep, _) = visible_child(c, caller, Action::MergeChildren, keep_id)?;
    let undo = match merge_id {
        Some(m) => children::find_merge(c, m)?
            .filter(|m| m.child_id == keep.id)
            .ok_or_else(|| ApiError::invalid("merge_id", "no merge of this id into this child"))?,
        None => children::latest_merge_into(c, &keep.id)?.ok_or_else(|| {
            ApiError::conflict("nothing to undo: no merge into this child is in force")
        })?,
    };
    if undo.undone_at.is_some() {
        return Err(ApiError::conflict("this merge has already been undone"));
    }
    if !undo.moves_recorded {
        return Err(ApiError::conflict(
            "this merge was made before merges recorded what they moved: it cannot be undone \
             automatically",
        ));
    }
    let duplicate = children::find(c, &undo.duplicate_id)?.ok_or(ApiError::Internal)?;
    // The record comes back as a child of its region: the caller must supervise that region
    // too (it differs if the kept child has been transferred since).
    let at = Location {
        owner: None,
        organisation: None,
        region: Some(&duplicate.region_code),
        district: Some(&duplicate.district_code),
    };
    caller
        .actor
        .authorize(Action::MergeChildren, &at)
        .map_err(|_| {
            ApiError::conflict(
                "the other record belongs to another region: its supervisor undoes this merge",
            )
        })?;
    let target = Target {
        resource: "child",
        id: &duplicate.id,
        child_id: Some(&duplicate.id),
        region: Some(&duplicate.region_code),
    };
    audit::log(c, caller, Act::Update, target)?;
    children::lock(c, &[&keep.id, &duplicate.id])?;
    let me = caller.actor.user_id.to_string();
    match children::unmerge(c, &undo, &me, reason, now.naive_utc())? {
        Unmerged::Done => {}
        Unmerged::Changed => {
            return Err(ApiError::conflict(
                "the merge or its records changed meanwhile: reload and try again",
            ));
        }
        Unmerged::TwoOpenCases => {
            return Err(ApiError::conflict(
                "the other record has an open case of its own, and its case from this merge is \
                 open too: close one of them before undoing the merge",
            ));
        }
    }
    let summary = format!(
        "Merge of record {} into {} undone: {reason}",
        duplicate.id, keep.id
    );
    for child in [&keep.id, &duplicate.id] {
        let e = event(
            child,
            None,
            now,
            TimelineKind::Unmerge,
            summary.clone(),
            &me,
            &undo.id,
        );
        events::record(c, &e)?;
    }
    Ok(visible_child(c, caller, Action::ViewChildren, &keep.id)?)
}
