//! Users and their organisation (which fixes their region and district).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::access::Scope;
use qorgau_domain::role::Role;

use crate::error::DbError;
use crate::organisations::OrganisationRow;
use crate::schema::{organisations, users};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub organisation_id: Option<String>,
    pub role: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &UserRow) -> Result<(), DbError> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

/// An active user by login name, with their organisation.
pub fn find_active_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<(UserRow, OrganisationRow)>, DbError> {
    Ok(users::table
        .inner_join(organisations::table)
        .filter(users::username.eq(username))
        .filter(users::active.eq(true))
        .select((UserRow::as_select(), OrganisationRow::as_select()))
        .first(conn)
        .optional()?)
}

pub fn find(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(UserRow, OrganisationRow)>, DbError> {
    Ok(users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(id))
        .select((UserRow::as_select(), OrganisationRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Users within `scope` matching `filter`, in id order.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &UserFilter,
    page: &Page,
) -> Result<Vec<(UserRow, OrganisationRow)>, DbError> {
    let mut query = users::table
        .inner_join(organisations::table)
        .select((UserRow::as_select(), OrganisationRow::as_select()))
        .order(users::id)
        .limit(page.limit)
        .into_boxed();
    query = match scope {
        Scope::All => query,
        Scope::Region(r) => query.filter(organisations::region_code.eq(r.clone())),
        Scope::District(d) => query.filter(organisations::district_code.eq(d.clone())),
        Scope::Organisation(o) => query.filter(users::organisation_id.eq(o.to_string())),
        Scope::Own(u) => query.filter(users::id.eq(u.to_string())),
    };
    if let Some(org) = &filter.organisation_id {
        query = query.filter(users::organisation_id.eq(org));
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(after) = &page.after {
        query = query.filter(users::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Who may be told of an event: an active user's id and email.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Recipient {
    pub id: String,
    pub email: Option<String>,
}

/// Where to look for recipients.
#[derive(Clone, Copy, Debug)]
pub enum Among<'a> {
    /// One user.
    User(&'a str),
    /// The staff of one organisation (every role).
    Organisation(&'a str),
    /// Users of a role whose organisation is in the region.
    Region(Role, &'a str),
    /// Users of a role whose organisation is in the district.
    District(Role, &'a str),
}

/// The active users `among`, in id order.
pub fn recipients(conn: &mut DbConnection, among: Among<'_>) -> Result<Vec<Recipient>, DbError> {
    let query = users::table
        .inner_join(organisations::table)
        .filter(users::active.eq(true))
        .order(users::id)
        .select((users::id, users::email))
        .into_boxed();
    let query = match among {
        Among::User(id) => query.filter(users::id.eq(id)),
        Among::Organisation(id) => query.filter(users::organisation_id.eq(id)),
        Among::Region(role, region) => query
            .filter(users::role.eq(role))
            .filter(organisations::region_code.eq(region)),
        Among::District(role, district) => query
            .filter(users::role.eq(role))
            .filter(organisations::district_code.eq(district)),
    };
    Ok(query.load(conn)?)
}
