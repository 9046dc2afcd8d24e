//! The individual plan: versions, goals and measures. A revision is a new version; approved
//! versions are kept as they were approved.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use qorgau_domain::ids::{
    CaseId, OrganisationId, PlanGoalId, PlanId, PlanMeasureId, PlanReviewId, UserId,
};
use qorgau_domain::plan::{PlanReviewDecision, PlanStatus};

use crate::DbConnection;
use crate::error::DbError;
use crate::schema::{plan_goals, plan_measures, plan_reviews, plans};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: PlanId,
    pub case_id: CaseId,
    pub version: i32,
    pub status: PlanStatus,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    /// The case's plan revision this row last took: the plan's `ETag` is the highest of its
    /// rows' (migration 000020).
    pub revision: i32,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_goals)]
pub struct GoalRow {
    pub id: PlanGoalId,
    pub plan_id: PlanId,
    pub position: i32,
    pub title: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_measures)]
pub struct MeasureRow {
    pub id: PlanMeasureId,
    pub plan_id: PlanId,
    pub goal_id: PlanGoalId,
    pub position: i32,
    pub kind: String,
    pub description: String,
    pub responsible_organisation_id: OrganisationId,
    pub due_date: NaiveDate,
    pub done_at: Option<NaiveDateTime>,
    pub done_by: Option<UserId>,
}

/// The next version number of the case's plan.
pub fn next_version(conn: &mut DbConnection, case_id: CaseId) -> Result<i32, DbError> {
    let max: Option<i32> = plans::table
        .filter(plans::case_id.eq(case_id))
        .select(diesel::dsl::max(plans::version))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Holds the case's plan rows until the transaction ends (a no-op update locks them on
/// PostgreSQL; SQLite's write transaction holds the whole database): the revision read next
/// stays the current one until this change commits.
pub fn lock(conn: &mut DbConnection, case_id: CaseId) -> Result<(), DbError> {
    diesel::update(plans::table.filter(plans::case_id.eq(case_id)))
        .set(plans::revision.eq(plans::revision))
        .execute(conn)?;
    Ok(())
}

/// The plan's current revision, its `ETag`; `None` while the case has no plan.
pub fn revision(conn: &mut DbConnection, case_id: CaseId) -> Result<Option<i32>, DbError> {
    Ok(plans::table
        .filter(plans::case_id.eq(case_id))
        .select(diesel::dsl::max(plans::revision))
        .first(conn)?)
}

/// Gives the version `plan_id` of the case's plan the next revision: the plan changed.
pub fn touch(conn: &mut DbConnection, case_id: CaseId, plan_id: PlanId) -> Result<(), DbError> {
    let next = revision(conn, case_id)?.unwrap_or(0) + 1;
    diesel::update(plans::table.find(plan_id))
        .set(plans::revision.eq(next))
        .execute(conn)?;
    Ok(())
}

/// Stores a new version; earlier drafts (never decided) are superseded by it.
pub fn insert_version(
    conn: &mut DbConnection,
    plan: &PlanRow,
    goals: &[GoalRow],
    measures: &[MeasureRow],
) -> Result<(), DbError> {
    diesel::update(
        plans::table
            .filter(plans::case_id.eq(&plan.case_id))
            .filter(plans::status.eq(PlanStatus::Draft)),
    )
    .set(plans::status.eq(PlanStatus::Superseded))
    .execute(conn)?;
    diesel::insert_into(plans::table)
        .values(plan)
        .execute(conn)?;
    for goal in goals {
        diesel::insert_into(plan_goals::table)
            .values(goal)
            .execute(conn)?;
    }
    for measure in measures {
        diesel::insert_into(plan_measures::table)
            .values(measure)
            .execute(conn)?;
    }
    Ok(())
}

pub fn versions(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<PlanRow>, DbError> {
    Ok(plans::table
        .filter(plans::case_id.eq(case_id))
        .order(plans::version)
        .select(PlanRow::as_select())
        .load(conn)?)
}

pub fn content(
    conn: &mut DbConnection,
    plan_id: PlanId,
) -> Result<(Vec<GoalRow>, Vec<MeasureRow>), DbError> {
    let goals = plan_goals::table
        .filter(plan_goals::plan_id.eq(plan_id))
        .order(plan_goals::position)
        .select(GoalRow::as_select())
        .load(conn)?;
    let measures = plan_measures::table
        .filter(plan_measures::plan_id.eq(plan_id))
        .order(plan_measures::position)
        .select(MeasureRow::as_select())
        .load(conn)?;
    Ok((goals, measures))
}

pub fn has_approved(conn: &mut DbConnection, case_id: CaseId) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        plans::table
            .filter(plans::case_id.eq(case_id))
            .filter(plans::status.eq(PlanStatus::Approved)),
    ))
    .get_result(conn)?)
}

/// Records the supervisor's decision on a draft; `false` when it is no longer a draft.
pub fn decide(
    conn: &mut DbConnection,
    plan_id: PlanId,
    status: PlanStatus,
    by: UserId,
    at: NaiveDateTime,
    note: Option<&str>,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        plans::table
            .find(plan_id)
            .filter(plans::status.eq(PlanStatus::Draft)),
    )
    .set((
        plans::status.eq(status),
        plans::decided_by.eq(by),
        plans::decided_at.eq(at),
        plans::decision_note.eq(note),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A measure with the case its plan belongs to and the plan's status.
pub fn find_measure(
    conn: &mut DbConnection,
    id: PlanMeasureId,
) -> Result<Option<(MeasureRow, CaseId, PlanStatus)>, DbError> {
    Ok(plan_measures::table
        .inner_join(plans::table.on(plans::id.eq(plan_measures::plan_id)))
        .filter(plan_measures::id.eq(id))
        .select((MeasureRow::as_select(), plans::case_id, plans::status))
        .first(conn)
        .optional()?)
}

pub fn mark_done(
    conn: &mut DbConnection,
    measure_id: PlanMeasureId,
    by: UserId,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        plan_measures::table
            .find(measure_id)
            .filter(plan_measures::done_at.is_null()),
    )
    .set((plan_measures::done_at.eq(at), plan_measures::done_by.eq(by)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A review of an approved plan that kept it as it is (`plan_reviews`).
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_reviews)]
pub struct PlanReviewRow {
    pub id: PlanReviewId,
    pub plan_id: PlanId,
    pub case_id: CaseId,
    pub decision: PlanReviewDecision,
    pub note: String,
    pub reviewed_by: UserId,
    pub reviewed_at: NaiveDateTime,
}

pub fn insert_review(conn: &mut DbConnection, row: &PlanReviewRow) -> Result<(), DbError> {
    diesel::insert_into(plan_reviews::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
