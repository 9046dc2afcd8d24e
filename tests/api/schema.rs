//! Both backends, migrated from the one tree, must have one schema: same tables, same columns, same
//! nullability. And migrations must be safe when two instances start together.

use std::collections::BTreeSet;

use diesel::sql_types::{Integer, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use qorgau_persistence::{Database, PoolSettings, migrate};

use crate::common::{Backend, TestDb};

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
}

fn migrated(backend: Backend) -> TestDb {
    let db = TestDb::new(backend);
    let pool = Database::open(
        &db.url,
        &PoolSettings {
            max_size: 1,
            checkout_timeout: std::time::Duration::from_secs(5),
        },
    )
    .unwrap();
    migrate::run(&mut pool.conn().unwrap()).unwrap();
    db
}

fn sqlite_columns(url: &str) -> BTreeSet<Column> {
    let mut conn = SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
    diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, (p.\"notnull\" OR p.pk > 0) AS not_null
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap()
    .into_iter()
    .collect()
}

fn postgres_columns(url: &str) -> BTreeSet<Column> {
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name,
                CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap()
    .into_iter()
    .collect()
}

#[test]
fn sqlite_migrations_apply_and_are_idempotent() {
    let db = migrated(Backend::Sqlite);
    let pool = Database::open(
        &db.url,
        &PoolSettings {
            max_size: 1,
            checkout_timeout: std::time::Duration::from_secs(5),
        },
    )
    .unwrap();
    assert!(migrate::run(&mut pool.conn().unwrap()).unwrap().is_empty());
    assert!(
        sqlite_columns(&db.url)
            .iter()
            .any(|c| c.table_name == "users" && c.column_name == "password_hash")
    );
}

/// The audit chain hashes every column of `audit_log` (finding 10 of issue 17: `region_code`
/// was not, so editing it went unnoticed). A new column fails here until it is hashed too:
/// `AuditRow::entry` and `qorgau_domain::audit::keyed_hash`.
#[test]
fn every_audit_column_is_hashed() {
    let db = migrated(Backend::Sqlite);
    let columns: BTreeSet<String> = sqlite_columns(&db.url)
        .into_iter()
        .filter(|c| c.table_name == "audit_log")
        .map(|c| c.column_name)
        .collect();
    let hashed = [
        "id",
        "at",
        "user_id",
        "action",
        "resource",
        "resource_id",
        "child_id",
        "region_code",
        "ip",
        "request_id",
        "break_glass",
        // The chain's own: the position and the previous hash are hashed, the hash is the result.
        "seq",
        "prev_hash",
        "hash",
    ];
    assert_eq!(columns, hashed.map(String::from).into());
}

mod postgres {
    use super::*;

    #[test]
    fn both_backends_yield_the_same_schema() {
        if crate::common::postgres_url().is_none() {
            return;
        }
        let (sqlite, pg) = (migrated(Backend::Sqlite), migrated(Backend::Postgres));
        let (s, p) = (sqlite_columns(&sqlite.url), postgres_columns(&pg.url));
        assert!(!s.is_empty());
        let only_sqlite: Vec<_> = s.difference(&p).collect();
        let only_pg: Vec<_> = p.difference(&s).collect();
        assert!(
            only_sqlite.is_empty() && only_pg.is_empty(),
            "only in SQLite: {only_sqlite:?}\nonly in PostgreSQL: {only_pg:?}"
        );
    }

    #[test]
    fn instances_migrating_at_once_do_not_collide() {
        if crate::common::postgres_url().is_none() {
            return;
        }
        let db = TestDb::new(Backend::Postgres);
        let settings = PoolSettings {
            max_size: 1,
            checkout_timeout: std::time::Duration::from_secs(10),
        };
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        let pool = Database::open(&db.url, &settings).unwrap();
                        migrate::run(&mut pool.conn().unwrap()).map(|applied| applied.len())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let applied: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
        // Exactly one instance applied the migrations; the others found nothing to do.
        assert_eq!(applied.iter().filter(|&&n| n > 0).count(), 1, "{applied:?}");
    }
}
