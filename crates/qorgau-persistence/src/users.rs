//! Users and their organisation (which fixes their region and district).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use qorgau_domain::access::Scope;
use qorgau_domain::ids::{OrganisationId, UserId};
use qorgau_domain::role::Role;

use crate::connection::lower;
use crate::error::DbError;
use crate::organisations::OrganisationRow;
use crate::schema::{organisations, users};
use crate::{DbConnection, Page};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: OrganisationId,
    pub active: bool,
    pub created_at: NaiveDateTime,
    /// Bumped by every change an administrator makes (`ETag` of `GET /users/{id}`).
    pub version: i32,
    /// Set by a password reset: until the user chooses a password, their tokens may only do
    /// that.
    pub must_change_password: bool,
}

/// The filters of the staff directory (`GET /users`); every one given must match.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub organisation_id: Option<OrganisationId>,
    pub role: Option<Role>,
    /// The region of the user's organisation.
    pub region_code: Option<String>,
    /// The district of the user's organisation.
    pub district_code: Option<String>,
    pub active: Option<bool>,
    /// A part of the full name or the username, case-insensitive (`%` and `_` match
    /// themselves).
    pub q: Option<String>,
}

/// What an administrator's edit sets; `None` leaves the column as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub full_name: Option<String>,
    /// `Some(None)` clears the address.
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    pub organisation_id: Option<OrganisationId>,
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
    Ok(find_by_username(conn, username)?.filter(|(user, _)| user.active))
}

pub fn find(
    conn: &mut DbConnection,
    id: UserId,
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
    if let Some(org) = filter.organisation_id {
        query = query.filter(users::organisation_id.eq(org));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(region) = &filter.region_code {
        query = query.filter(organisations::region_code.eq(region));
    }
    if let Some(district) = &filter.district_code {
        query = query.filter(organisations::district_code.eq(district));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        query = query.filter(
            lower(users::full_name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::username).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = &page.after {
        query = query.filter(users::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// `text` with LIKE's wildcards (and the escape character) escaped by `\`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A user by login name, active or not, with their organisation.
pub fn find_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> Result<Option<(UserRow, OrganisationRow)>, DbError> {
    Ok(users::table
        .inner_join(organisations::table)
        .filter(users::username.eq(username))
        .select((UserRow::as_select(), OrganisationRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Takes the user's row lock until the transaction ends (a no-op update): a deactivation, an
/// assignment to them and a hand-over from or to them run one after the other, so that no case
/// is given to an account being deactivated.
pub fn lock(conn: &mut DbConnection, id: UserId) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set(users::active.eq(users::active))
        .execute(conn)?;
    Ok(())
}

/// Activates or deactivates the account; bumps its version. Returns whether it changed.
pub fn set_active(conn: &mut DbConnection, id: UserId, active: bool) -> Result<bool, DbError> {
    let changed = diesel::update(users::table.find(id).filter(users::active.eq(!active)))
        .set((
            users::active.eq(active),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Sets the password hash and whether it must be changed at the next sign-in; bumps the
/// version.
pub fn set_password(
    conn: &mut DbConnection,
    id: UserId,
    password_hash: &str,
    must_change: bool,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(must_change),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Applies an administrator's edit if the account is still at `expected_version` (of two edits
/// made from the same version, one applies); bumps the version.
pub fn update_if_version(
    conn: &mut DbConnection,
    id: UserId,
    expected_version: i32,
    changes: &UserChanges,
) -> Result<bool, DbError> {
    #[derive(AsChangeset)]
    #[diesel(table_name = users)]
    struct Set<'a> {
        full_name: Option<&'a str>,
        email: Option<Option<&'a str>>,
        role: Option<Role>,
        organisation_id: Option<OrganisationId>,
        version: i32,
    }
    let set = Set {
        full_name: changes.full_name.as_deref(),
        email: changes.email.as_ref().map(Option::as_deref),
        role: changes.role,
        organisation_id: changes.organisation_id,
        version: expected_version + 1,
    };
    let changed = diesel::update(
        users::table
            .find(id)
            .filter(users::version.eq(expected_version)),
    )
    .set(set)
    .execute(conn)?;
    Ok(changed == 1)
}

/// Who may be told of an event: an active user's id and email.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Recipient {
    pub id: UserId,
    pub email: Option<String>,
}

/// Where to look for recipients.
#[derive(Clone, Copy, Debug)]
pub enum Among<'a> {
    /// One user.
    User(UserId),
    /// The staff of one organisation (every role).
    Organisation(OrganisationId),
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
