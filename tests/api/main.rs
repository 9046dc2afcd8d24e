//! End-to-end tests over HTTP against real databases (see `common` for the harness).

// A failed unwrap in a test is a failed test with a line number: exactly what is wanted.
#![allow(clippy::unwrap_used)]

mod common;

mod accounts;
mod admin;
mod audit;
mod auth;
mod bad_input;
mod case_file;
mod cases;
mod cli;
mod console;
mod demo_scale;
mod documents;
mod errors;
mod events;
mod export;
mod families;
mod findings;
mod interagency;
mod journey;
mod lifecycle;
mod links;
mod lists;
mod mail;
mod matrix;
mod merge;
mod notifications;
mod openapi;
mod operator;
mod protocol;
mod replica;
mod report_facts;
mod reports;
mod retention;
mod retries;
mod schema;
mod security;
mod sensitive;
mod signals;
mod smtp_server;
mod tasks;
mod versions;
mod world;
