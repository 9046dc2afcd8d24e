//! Request and response bodies of the REST API, and their mapping from the application's
//! results: what the contract (and the OpenAPI document) shows, kept apart from the handlers.

pub mod audit;
pub mod auth;
pub mod case_file;
pub mod case_work;
pub mod cases;
pub mod children;
pub mod commission;
pub mod consents;
pub mod documents;
pub mod events;
pub mod export;
pub mod families;
pub mod geography;
pub mod interviews;
pub mod notifications;
pub mod organisations;
pub mod outbox;
pub mod placements;
pub mod referrals;
pub mod relations;
pub mod reports;
pub mod signals;
pub mod supervision;
pub mod tasks;
pub mod transfers;
pub mod users;

use qorgau_app::AppError;
use qorgau_persistence::Page;

use crate::list::{List, paginate};

/// The views of `results`, or the first that cannot be made (a corrupt stored value).
pub fn views<R, V>(results: Vec<R>) -> Result<Vec<V>, AppError>
where
    V: TryFrom<R, Error = AppError>,
{
    results.into_iter().map(V::try_from).collect()
}

/// [`paginate`] with a view that checks the stored values it shows (a corrupt one is a logged
/// 500, never a default).
pub fn checked_page<R, T>(
    rows: Vec<R>,
    page: &Page,
    key: impl Fn(&R) -> &dyn std::fmt::Display,
    view: impl FnMut(R) -> Result<T, AppError>,
) -> Result<List<T>, AppError> {
    let list = paginate(rows, page, key, view);
    Ok(List {
        items: list.items.into_iter().collect::<Result<_, _>>()?,
        next_cursor: list.next_cursor,
    })
}
