//! Qorgau's HTTP API on actix-web: routes, authentication, problem+json errors, metrics and
//! the OpenAPI document. Handlers stay thin: rules live in `qorgau-domain`, SQL in
//! `qorgau-persistence`.

pub mod auth;
pub mod body_limit;
pub mod config;
pub mod console;
pub mod document_upkeep;
pub mod documents;
pub mod drain;
pub mod dto;
pub mod error;
pub mod etag;
pub mod idempotency;
pub mod json;
pub mod labels;
pub mod list;
pub mod mail;
pub mod metrics;
pub mod nul;
pub mod observe;
pub mod openapi;
pub mod pdf;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod state;
pub mod worker;

pub use config::Config;
pub use error::ApiError;
pub use openapi::openapi;
pub use server::{StartupError, init_logging, serve, start};
pub use state::AppState;
