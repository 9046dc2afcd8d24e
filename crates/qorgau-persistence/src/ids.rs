//! Ids (`qorgau_domain::ids`) as text columns, on both backends and through the multi-backend
//! connection the queries use: stored as the lower-case hyphenated text the columns have always
//! held, bound in filters and writes (also as `Option`), read back into rows, and a stored
//! string that is not an id read as an error naming it, never as a default.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use qorgau_domain::ids::{CaseId, ChildId};

use crate::DbConnection;
use crate::error::DbError;

diesel::table! {
    ids (id) {
        id -> Text,
        child_id -> Nullable<Text>,
    }
}

#[derive(Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ids)]
struct IdRow {
    id: CaseId,
    child_id: Option<ChildId>,
}

fn round_trip(conn: &mut DbConnection) {
    conn.batch_execute("CREATE TEMPORARY TABLE ids (id TEXT PRIMARY KEY, child_id TEXT)")
        .expect("table");
    let (a, b) = (CaseId::new(), CaseId::new());
    let child = ChildId::new();
    let rows = [
        IdRow {
            id: a,
            child_id: Some(child),
        },
        IdRow {
            id: b,
            child_id: None,
        },
    ];
    for row in &rows {
        diesel::insert_into(ids::table)
            .values(row)
            .execute(conn)
            .expect("typed insert");
    }
    // Stored as `Uuid::to_string` writes it (what the dataset generator writes too).
    let stored: Vec<(String, Option<String>)> = ids::table
        .order(ids::id)
        .select((ids::id, ids::child_id))
        .load(conn)
        .expect("as text");
    assert_eq!(
        stored,
        [
            (a.0.to_string(), Some(child.0.to_string())),
            (b.0.to_string(), None)
        ]
    );
    let back: Vec<IdRow> = ids::table
        .order(ids::id)
        .select(IdRow::as_select())
        .load(conn)
        .expect("typed rows");
    assert_eq!(back, rows);

    // Filters and updates bind the id, by value, by reference and as an option.
    let found: Vec<CaseId> = ids::table
        .filter(ids::child_id.eq(child))
        .filter(ids::id.eq(&a))
        .select(ids::id)
        .load(conn)
        .expect("filter");
    assert_eq!(found, [a]);
    let changed = diesel::update(ids::table.find(b))
        .set(ids::child_id.eq(Some(child)))
        .execute(conn)
        .expect("update");
    assert_eq!(changed, 1);
    let both: i64 = ids::table
        .filter(ids::id.eq_any([a, b]))
        .filter(ids::child_id.eq_any(vec![child]))
        .count()
        .get_result(conn)
        .expect("eq_any");
    assert_eq!(both, 2);

    // A corrupt stored value: the read fails, naming the kind of id and the value.
    diesel::insert_into(ids::table)
        .values((ids::id.eq("case-7"), ids::child_id.eq(None::<ChildId>)))
        .execute(conn)
        .expect("raw insert");
    let err = ids::table
        .select(IdRow::as_select())
        .load::<IdRow>(conn)
        .map_err(DbError::from)
        .expect_err("case-7 is no case id");
    assert!(
        matches!(
            err,
            DbError::Other(diesel::result::Error::DeserializationError(_))
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Error deserializing field 'id': `case-7` is not a CaseId"
    );
}

#[test]
fn ids_round_trip_on_sqlite() {
    let mut conn =
        DbConnection::Sqlite(SqliteConnection::establish(":memory:").expect("in-memory SQLite"));
    round_trip(&mut conn);
}

#[test]
#[ignore = "needs PostgreSQL: run with QORGAU_TEST_DATABASE_URL set and --ignored"]
fn ids_round_trip_on_postgres() {
    let url = std::env::var("QORGAU_TEST_DATABASE_URL")
        .expect("QORGAU_TEST_DATABASE_URL names a PostgreSQL database");
    let mut conn =
        DbConnection::Postgres(crate::connection::establish_postgres(&url).expect("PostgreSQL"));
    round_trip(&mut conn);
}
