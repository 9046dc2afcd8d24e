//! Request and response bodies of the REST API, and their mapping from the application's
//! results: what the contract (and the OpenAPI document) shows, kept apart from the handlers.

pub mod case_work;
pub mod cases;
pub mod commission;
pub mod consents;
pub mod interviews;
pub mod placements;
pub mod referrals;
pub mod relations;
pub mod signals;
pub mod transfers;

use qorgau_app::AppError;

/// The views of `results`, or the first that cannot be made (a corrupt stored value).
pub fn views<R, V>(results: Vec<R>) -> Result<Vec<V>, AppError>
where
    V: TryFrom<R, Error = AppError>,
{
    results.into_iter().map(V::try_from).collect()
}
