//! The interagency protocol in force (api.md § Protocol and audit).

use qorgau_domain::deadline::kazakhstan;
use qorgau_domain::protocol::Protocol;

use crate::app::App;

/// The rule set in force today (Kazakhstan time): what every deadline is counted by, so every
/// signed-in user may read it.
pub fn active(app: &App) -> &Protocol {
    let today = app.now().with_timezone(&kazakhstan()).date_naive();
    app.rules.protocols.active(today)
}
