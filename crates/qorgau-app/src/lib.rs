//! Qorgau's application layer: one function per command and query of the brief's users.
//!
//! A use case takes a connection (a write opens its own transaction with
//! `qorgau_persistence::write`), the [`App`] (rules, clock, keys), the acting [`Caller`] and a
//! typed command; it returns a typed result or an [`AppError`]. Scope checks, audit, timeline
//! entries and protocol effects happen here, once: the REST API, the worker and the CLI only
//! parse their input, call, and render the answer.
//!
//! Where new code goes: a rule that needs no database belongs in `qorgau-domain`; SQL in
//! `qorgau-persistence`; the steps of one user action (check, change, record, notify) here;
//! HTTP (extractors, status codes, bodies) in `qorgau-api`.

pub mod access;
pub mod accounts;
pub mod app;
pub mod area;
pub mod assessments;
pub mod audit;
pub mod audit_log;
pub mod caller;
pub mod cases;
pub mod children;
pub mod clock;
pub mod commission;
pub mod consents;
pub mod digests;
pub mod documents;
pub mod error;
pub mod events;
pub mod export;
pub mod facts;
pub mod families;
pub mod flags;
pub mod follow_ups;
pub mod geography;
pub mod handover;
pub mod idempotency;
pub mod inbox;
pub mod interagency;
pub mod interventions;
pub mod interviews;
pub mod merging;
pub mod notes;
pub mod notices;
pub mod organisations;
pub mod outbox;
pub mod passwords;
pub mod placements;
pub mod plans;
pub mod protocol;
pub mod protocols;
pub mod referrals;
pub mod registry;
pub mod relations;
pub mod reminders;
pub mod reports;
pub mod retention;
pub mod routing_gaps;
pub mod secrets;
pub mod sessions;
pub mod signals;
pub mod supervision;
pub mod tasks;
pub mod timeline;
pub mod transfers;
pub mod transitions;
pub mod users;
pub mod webhooks;

pub use app::{App, Rules};
pub use caller::Caller;
pub use clock::{Clock, SystemClock, TestClock};
pub use error::AppError;
