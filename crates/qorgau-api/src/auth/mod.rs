//! Authentication: password hashes, access and refresh tokens, and the `Caller` extractor.

pub mod caller;
pub mod passwords;
pub mod recent_sessions;
pub mod tokens;

pub use caller::{Caller, bearer};
