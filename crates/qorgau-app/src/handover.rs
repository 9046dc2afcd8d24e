//! Hand-over (api.md § Staff accounts): a user's open cases, and with them their pending
//! deadlines and the tasks read from both, given to another case manager before the account is
//! deactivated or changes role — so that no case and no deadline is left with a person who can
//! no longer act on it.

use qorgau_domain::access::Action;
use qorgau_domain::case::may_hold;
use qorgau_domain::ids::{CaseId, UserId};
use qorgau_persistence::{DbConnection, cases, users, write};

use crate::access::case_target;
use crate::accounts::Account;
use crate::app::App;
use crate::audit::{self, Act, Target};
use crate::caller::Caller;
use crate::cases::{give, holder_for};
use crate::error::AppError;
use crate::users as directory;

/// What a hand-over moved.
pub struct HandedOver {
    pub from: Account,
    pub to: Account,
    /// The cases given to `to`, in id order.
    pub cases: Vec<CaseId>,
    /// The pending deadlines that went with them.
    pub deadlines: i64,
}

/// Gives every open case of `from` — its deadlines and tasks with it — to `to`, by the rule of
/// assignment (an active case manager of each case's region, `qorgau_domain::case::may_hold`):
/// administrators for anyone, supervisors for the staff of their region. Each case gets a
/// timeline entry and an audit entry, and `to` the `case_assigned` notification; the hand-over
/// is audited on `from`. All or nothing: one case `to` may not hold refuses the whole.
pub fn hand_over(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    from: UserId,
    to: UserId,
) -> Result<HandedOver, AppError> {
    caller.actor.scope(Action::HandOverCases)?;
    let now = caller.at;
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let giver = directory::account_for(tx, caller, from, Action::HandOverCases)?;
        if to == from {
            return Err(AppError::invalid("to", "must be another user"));
        }
        // The giver's row first: an assignment to them waits until the hand-over is done.
        users::lock(tx, from)?;
        let taker = match users::find(tx, to)? {
            Some((user, org))
                if may_hold(
                    user.role,
                    user.active,
                    &org.region_code,
                    &giver.organisation.region_code,
                ) =>
            {
                Account::from((user, org))
            }
            _ => {
                return Err(AppError::invalid(
                    "to",
                    "must be an active case manager of the user's region",
                ));
            }
        };
        let deadlines = cases::held_by(tx, from)?.pending_deadlines;
        let open = cases::open_of(tx, from)?;
        let summary = format!(
            "Handed over from {} to {}",
            giver.user.full_name, taker.user.full_name
        );
        for case in &open {
            let holder = holder_for(tx, case, to, "to")?;
            give(tx, app, me, case, &holder, summary.clone(), now)?;
            audit::log(tx, caller, Act::HandOver, case_target(case))?;
        }
        let target = Target {
            resource: "user",
            id: giver.user.id.to_string(),
            child_id: None,
            region: Some(&giver.organisation.region_code),
        };
        audit::log(tx, caller, Act::HandOver, target)?;
        Ok(HandedOver {
            from: giver,
            to: taker,
            cases: open.iter().map(|c| c.id).collect(),
            deadlines,
        })
    })
}
