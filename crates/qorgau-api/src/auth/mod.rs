//! Authentication over HTTP: access tokens, recently checked logins and the `Caller` extractor.

pub mod caller;
pub mod recent_sessions;
pub mod tokens;

pub use caller::{Caller, bearer};
/// Password hashes are the application's (account creation and sign-in); kept reachable here
/// for the dataset generator.
pub use qorgau_app::passwords;
