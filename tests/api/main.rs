//! End-to-end tests over HTTP against real databases (see `common` for the harness).

mod common;

mod admin;
mod auth;
mod errors;
mod openapi;
mod schema;
