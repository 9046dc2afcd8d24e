//! The people around a child: family members and legal representatives, alleged perpetrators
//! flagged (api.md § Interagency records).

use qorgau_domain::access::Action;
use qorgau_domain::ids::{ChildId, RelationId};
use qorgau_domain::interagency::NewRelation;
use qorgau_domain::timeline::TimelineKind;
use qorgau_persistence::relations::{self, RelationRow};
use qorgau_persistence::{DbConnection, Page, write};

use crate::access::visible_child;
use crate::app::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::timeline;

/// Records a family member or legal representative of the child `child_id`, on the child's
/// timeline (and its open case's).
pub fn add(
    conn: &mut DbConnection,
    app: &App,
    caller: &Caller,
    child_id: ChildId,
    new: NewRelation,
) -> Result<RelationRow, AppError> {
    let id = child_id;
    let now = app.now();
    let me = caller.actor.user_id;
    write(conn, |tx| {
        let (child, open_case) = visible_child(tx, caller, Action::EditChild, id)?;
        let row = RelationRow {
            id: RelationId::new(),
            child_id: child.id,
            full_name: new.full_name,
            relation: new.relation,
            is_legal_representative: new.is_legal_representative,
            alleged_perpetrator: new.alleged_perpetrator,
            phone: new.phone,
            created_by: me,
            created_at: now.naive_utc(),
        };
        relations::insert(tx, &row)?;
        let flag = if row.alleged_perpetrator {
            " — alleged perpetrator"
        } else {
            ""
        };
        let text = format!(
            "Relation recorded: {} ({}){flag}",
            row.full_name, row.relation
        );
        let kind = TimelineKind::Relation;
        let event = timeline::event(child.id, open_case, now, kind, text, me, row.id);
        timeline::record(tx, &event)?;
        Ok(row)
    })
}

/// A page of the child's family members and legal representatives, in the order recorded.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    child_id: ChildId,
    page: &Page,
) -> Result<Vec<RelationRow>, AppError> {
    let id = child_id;
    visible_child(conn, caller, Action::ViewChildFile, id)?;
    Ok(relations::for_child(conn, id, page)?)
}
