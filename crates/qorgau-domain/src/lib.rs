//! Qorgau's rules, free of I/O: identifiers, reference codes, roles and the access policy.
//!
//! Everything here is parsed once at the edge of the system (the api crate) and is valid by
//! construction inside it ("parse, don't validate").

pub mod access;
pub mod account;
pub mod assessment;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod case_file;
pub mod code;
pub mod consent;
pub mod deadline;
pub mod document;
pub mod event;
pub mod family;
pub mod filing;
pub mod geography;
pub mod ids;
pub mod iin;
pub mod interagency;
pub mod intervention;
pub mod lifecycle;
pub mod merge;
pub mod names;
pub mod notification;
pub mod organisation;
pub mod plan;
pub mod protocol;
pub mod referral;
pub mod report;
pub mod retention;

pub mod role;
pub mod signal;
pub mod task;
pub mod taxonomy;
pub mod timeline;
pub mod triage;
pub mod validation;
pub mod vocabulary;
