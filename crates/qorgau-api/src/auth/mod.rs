//! Authentication over HTTP: access tokens, recently checked logins and the `Caller` extractor.

pub mod caller;
pub mod login;
pub mod recent_sessions;
pub mod tokens;

pub use caller::{AnyCaller, Caller, bearer};
