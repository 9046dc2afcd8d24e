//! Request and response bodies of the REST API, and their mapping from the application's
//! results: what the contract (and the OpenAPI document) shows, kept apart from the handlers.

pub mod case_work;
pub mod cases;
pub mod signals;

use qorgau_app::AppError;

/// Every row of `rows` as a view; a corrupt row fails the whole answer.
pub fn views<R, V: TryFrom<R, Error = AppError>>(rows: Vec<R>) -> Result<Vec<V>, AppError> {
    rows.into_iter().map(V::try_from).collect()
}
