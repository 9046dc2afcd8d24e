//! Codes (`qorgau_domain::code_enum!`) as text columns, on both backends and through the
//! multi-backend connection the queries use: bound in filters and writes, read back into rows,
//! and a stored string that is no code read as an error naming it, never as a default.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use qorgau_domain::deadline::DeadlineStatus;
use qorgau_domain::taxonomy::RiskLevel;

use crate::DbConnection;
use crate::error::DbError;

diesel::table! {
    codes (id) {
        id -> Integer,
        status -> Text,
        level -> Nullable<Text>,
    }
}

#[derive(Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = codes)]
struct CodeRow {
    id: i32,
    status: DeadlineStatus,
    level: Option<RiskLevel>,
}

fn round_trip(conn: &mut DbConnection) {
    // Temporary: gone with the connection, whichever database it is.
    conn.batch_execute(
        "CREATE TEMPORARY TABLE codes (id INTEGER PRIMARY KEY, status TEXT NOT NULL, level TEXT)",
    )
    .expect("table");
    let rows = [
        CodeRow {
            id: 1,
            status: DeadlineStatus::Pending,
            level: Some(RiskLevel::Critical),
        },
        CodeRow {
            id: 2,
            status: DeadlineStatus::Met,
            level: None,
        },
    ];
    // One by one: the multi-backend connection has no batch insert.
    for row in &rows {
        diesel::insert_into(codes::table)
            .values(row)
            .execute(conn)
            .expect("typed insert");
    }
    // Stored as the codes themselves: what the literals stored, what CHECKs and reports read.
    let stored: Vec<(String, Option<String>)> = codes::table
        .order(codes::id)
        .select((codes::status, codes::level))
        .load(conn)
        .expect("as text");
    assert_eq!(
        stored,
        [
            ("pending".to_string(), Some("critical".to_string())),
            ("met".to_string(), None)
        ]
    );
    let back: Vec<CodeRow> = codes::table
        .order(codes::id)
        .select(CodeRow::as_select())
        .load(conn)
        .expect("typed rows");
    assert_eq!(back, rows);

    // Filters and updates bind the code.
    let pending: Vec<i32> = codes::table
        .filter(codes::status.eq(DeadlineStatus::Pending))
        .filter(codes::level.eq(RiskLevel::Critical))
        .select(codes::id)
        .load(conn)
        .expect("filter");
    assert_eq!(pending, [1]);
    let changed = diesel::update(codes::table.filter(codes::status.eq(&DeadlineStatus::Pending)))
        .set((
            codes::status.eq(DeadlineStatus::Cancelled),
            codes::level.eq(Some(RiskLevel::Low)),
        ))
        .execute(conn)
        .expect("update");
    assert_eq!(changed, 1);
    let any: i64 = codes::table
        .filter(codes::status.eq_any([DeadlineStatus::Cancelled, DeadlineStatus::Met]))
        .filter(codes::status.ne(DeadlineStatus::Pending))
        .count()
        .get_result(conn)
        .expect("eq_any");
    assert_eq!(any, 2);
    let selected: Vec<(DeadlineStatus, Option<RiskLevel>)> = codes::table
        .order(codes::id)
        .select((codes::status, codes::level))
        .load(conn)
        .expect("typed columns");
    assert_eq!(
        selected,
        [
            (DeadlineStatus::Cancelled, Some(RiskLevel::Low)),
            (DeadlineStatus::Met, None)
        ]
    );
    let constant: DeadlineStatus = diesel::select(DeadlineStatus::Met.into_sql::<Text>())
        .get_result(conn)
        .expect("a bound code as an expression");
    assert_eq!(constant, DeadlineStatus::Met);

    // A corrupt stored value: the read fails, naming the vocabulary and the value.
    diesel::insert_into(codes::table)
        .values((codes::id.eq(3), codes::status.eq("overdue")))
        .execute(conn)
        .expect("raw insert");
    let err = codes::table
        .select(CodeRow::as_select())
        .load::<CodeRow>(conn)
        .map_err(DbError::from)
        .expect_err("an unknown code is no deadline status");
    assert!(
        matches!(
            err,
            DbError::Other(diesel::result::Error::DeserializationError(_))
        ),
        "{err:?}"
    );
    // What the app logs with its 500: the field, the vocabulary and the value.
    assert_eq!(
        err.to_string(),
        "Error deserializing field 'status': `overdue` is not a DeadlineStatus code"
    );
    let err = codes::table
        .filter(codes::id.eq(3))
        .select(codes::status)
        .first::<DeadlineStatus>(conn)
        .map_err(DbError::from)
        .expect_err("also as a single column");
    assert!(
        err.to_string()
            .ends_with("`overdue` is not a DeadlineStatus code"),
        "{err}"
    );
}

#[test]
fn codes_round_trip_on_sqlite() {
    let mut conn =
        DbConnection::Sqlite(SqliteConnection::establish(":memory:").expect("in-memory SQLite"));
    round_trip(&mut conn);
}

#[test]
#[ignore = "needs PostgreSQL: run with QORGAU_TEST_DATABASE_URL set and --ignored"]
fn codes_round_trip_on_postgres() {
    let url = std::env::var("QORGAU_TEST_DATABASE_URL")
        .expect("QORGAU_TEST_DATABASE_URL names a PostgreSQL database");
    let mut conn =
        DbConnection::Postgres(crate::connection::establish_postgres(&url).expect("PostgreSQL"));
    round_trip(&mut conn);
}
