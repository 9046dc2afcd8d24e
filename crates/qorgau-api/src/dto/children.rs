//! Bodies of the child registry (api.md § Children).

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, NaiveDate, Utc};
use qorgau_app::AppError;
use qorgau_app::children::{ChildCard, ChildSearch, ChildTimeline, Found};
use qorgau_app::error::stored;
use qorgau_domain::ids::ChildId;
use qorgau_persistence::timeline::TimelineRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::views;
use qorgau_domain::iin::Sex;
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
    #[schema(value_type = Option<Sex>)]
    pub sex: Option<String>,
    pub address: Option<String>,
    pub region_code: String,
    pub district_code: String,
    pub open_case_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The record was anonymised by retention (docs/security.md § Retention): IIN, names,
    /// birth date and address are `null` for good; sex and place remain.
    pub anonymised: bool,
    pub anonymised_at: Option<DateTime<Utc>>,
}

impl TryFrom<ChildCard> for ChildView {
    type Error = AppError;

    fn try_from(card: ChildCard) -> Result<Self, AppError> {
        let c = card.child;
        Ok(ChildView {
            id: c.id.0,
            open_case_id: card.open_case_id.map(|id| id.0),
            iin: c.iin,
            last_name: c.last_name,
            first_name: c.first_name,
            middle_name: c.middle_name,
            birth_date: c.birth_date,
            sex: c.sex,
            address: c.address,
            region_code: c.region_code,
            district_code: c.district_code,
            created_at: c.created_at.and_utc(),
            anonymised: c.anonymised_at.is_some(),
            anonymised_at: c.anonymised_at.map(|t| t.and_utc()),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    /// `signal`, `signal_updated`, `triage`, `case_opened`, `merge`, `unmerge`, …
    #[schema(value_type = TimelineKind)]
    pub kind: String,
    pub summary: String,
    pub actor_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub ref_id: Option<Uuid>,
}

impl TryFrom<TimelineRow> for TimelineItem {
    type Error = AppError;

    fn try_from(e: TimelineRow) -> Result<Self, AppError> {
        let row = e.id;
        let id = |column: &str, value: Option<String>| {
            value
                .map(|v| stored("timeline_events", row, column, &v))
                .transpose()
        };
        Ok(TimelineItem {
            actor_id: e.actor_id.map(|a| a.0),
            case_id: e.case_id.map(|c| c.0),
            ref_id: id("ref_id", e.ref_id)?,
            at: e.at.and_utc(),
            kind: e.kind.as_str().into(),
            summary: e.summary,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<TimelineItem>,
    /// Only for a merged record: the child it was merged into (the record that stands now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<Uuid>,
}

impl TryFrom<ChildTimeline> for Timeline {
    type Error = AppError;

    fn try_from(t: ChildTimeline) -> Result<Self, AppError> {
        Ok(Timeline {
            items: views(t.events)?,
            merged_into: t.merged_into.map(|c| c.0),
        })
    }
}

/// The body of `307` from a merged record's id: where the child's record is now.
#[derive(Serialize, ToSchema)]
pub struct MergedRecord {
    /// The merged record's id, as asked for.
    pub id: Uuid,
    /// The child it was merged into, as in `Location`.
    pub merged_into: Uuid,
}

/// What `GET /children/{id}` answers: the card (`200`), or for a merged record a temporary
/// redirect (`307`: a merge can be undone) to the record it was merged into.
pub fn found(id: ChildId, found: Found) -> Result<HttpResponse, AppError> {
    match found {
        Found::Card(card) => Ok(HttpResponse::Ok().json(ChildView::try_from(*card)?)),
        Found::MergedInto(survivor) => Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, format!("/api/v1/children/{survivor}")))
            .json(MergedRecord {
                id: id.0,
                merged_into: survivor.0,
            })),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ChildQuery {
    pub iin: Option<String>,
    /// A name or names, spelling-tolerant across Kazakh, Russian and Latin spellings.
    pub q: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<NaiveDate>,
}

impl From<ChildQuery> for ChildSearch {
    fn from(q: ChildQuery) -> Self {
        ChildSearch {
            iin: q.iin,
            name: q.q,
            birth_date: q.birth_date,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The record that is the same child; its signals and cases move to this one.
    #[schema(value_type = Uuid)]
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
    #[schema(value_type = Option<Uuid>)]
    pub merge_id: Option<String>,
    pub reason: String,
}
