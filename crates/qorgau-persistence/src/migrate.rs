//! Embedded migrations from one tree, `migrations/`: each migration's `up.sql` and `down.sql`
//! serve both backends, unless `up.postgres.sql`, `up.sqlite.sql`, `down.postgres.sql` or
//! `down.sqlite.sql` replaces one of them for one backend (`build.rs` picks the files).

use std::fmt;

use diesel::RunQueryDsl;
use diesel::connection::BoxableConnection;
use diesel::migration::{
    Migration, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion,
};
use diesel_migrations::MigrationHarness;

use crate::connection::{Backend, DbConnection};
use crate::error::DbError;

/// One migration as one backend runs it.
#[derive(Debug)]
pub struct Script {
    /// The folder's name, e.g. `2026-11-25-000001_foundation`.
    pub name: &'static str,
    /// What `__diesel_schema_migrations` records: `20261125000001`.
    pub version: &'static str,
    pub up: &'static str,
    pub down: &'static str,
}

// POSTGRES and SQLITE: the lists written by build.rs.
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// A backend's migrations, oldest first.
pub fn scripts(backend: Backend) -> &'static [Script] {
    match backend {
        Backend::Postgres => POSTGRES,
        Backend::Sqlite => SQLITE,
    }
}

/// The migration named `name` (its folder's name) as `backend` runs it: for tests that replay
/// or undo one.
pub fn script(backend: Backend, name: &str) -> Option<&'static Script> {
    scripts(backend).iter().find(|s| s.name == name)
}

/// An arbitrary, fixed key: every Qorgau instance takes the same advisory lock.
const MIGRATION_LOCK: i64 = 0x7167_6175_0001;

/// Applies pending migrations; returns the versions applied. On PostgreSQL it holds a
/// session advisory lock meanwhile, so instances starting together migrate one at a time and
/// the later ones find nothing left to do.
///
/// Applying `000027_report_facts` also fills the report facts from the source tables (the
/// backfill of an upgrade, `report_facts::rebuild`), and `000031_report_months` the month rows
/// from the facts (`report_months::refresh`), under the same lock.
pub fn run(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    match conn {
        DbConnection::Postgres(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(pg)?;
            let result = pg
                .run_pending_migrations(Embedded(POSTGRES))
                .map(versions)
                .map_err(|e| DbError::Migration(e.to_string()))
                .and_then(|applied| backfill(conn, applied));
            if let DbConnection::Postgres(pg) = conn {
                diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                    .execute(pg)?;
            }
            result
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(Embedded(SQLITE))
            .map(versions)
            .map_err(|e| DbError::Migration(e.to_string()))
            .and_then(|applied| backfill(conn, applied)),
    }
}

/// The migration that created the report facts.
const REPORT_FACTS: &str = "20261208000027";
/// The migration that created the month rows (and marked every month that holds a fact).
const REPORT_MONTHS: &str = "20261208000031";

/// Fills the report facts when their migration was among those just applied (which fills the
/// month rows too); else the month rows, when theirs was.
fn backfill(conn: &mut DbConnection, applied: Vec<String>) -> Result<Vec<String>, DbError> {
    if applied.iter().any(|v| v == REPORT_FACTS) {
        crate::write(conn, crate::report_facts::rebuild)?;
        crate::report_facts::vacuum(conn)?;
    } else if applied.iter().any(|v| v == REPORT_MONTHS) {
        crate::write(conn, crate::report_months::refresh)?;
        crate::report_facts::vacuum(conn)?;
    }
    Ok(applied)
}

fn versions(applied: Vec<MigrationVersion<'_>>) -> Vec<String> {
    applied.into_iter().map(|v| v.to_string()).collect()
}

/// The embedded scripts of one backend, as diesel's harness reads them.
struct Embedded(&'static [Script]);

impl<DB: diesel::backend::Backend> MigrationSource<DB> for Embedded {
    fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<DB>>>> {
        Ok(self
            .0
            .iter()
            .map(|script| Box::new(script) as Box<dyn Migration<DB>>)
            .collect())
    }
}

impl<DB: diesel::backend::Backend> Migration<DB> for &'static Script {
    fn run(&self, conn: &mut dyn BoxableConnection<DB>) -> diesel::migration::Result<()> {
        conn.batch_execute(self.up).map_err(|e| failed(self, e))
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<DB>) -> diesel::migration::Result<()> {
        conn.batch_execute(self.down).map_err(|e| failed(self, e))
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        // The default: each migration runs in a transaction, as with `embed_migrations!`.
        &InTransaction
    }

    fn name(&self) -> &dyn MigrationName {
        *self
    }
}

impl MigrationName for Script {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version)
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

struct InTransaction;

impl MigrationMetadata for InTransaction {}

/// Worded as diesel words it, so logs read as before.
fn failed(script: &Script, e: diesel::result::Error) -> Box<dyn std::error::Error + Send + Sync> {
    format!("Failed to run {} with: {e}", script.name).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Existing databases recorded these versions when the migrations were embedded by
    /// `embed_migrations!` from two trees: they must read as applied, never to run again.
    #[test]
    fn versions_are_the_ones_existing_databases_recorded() {
        let recorded = [
            "20261125000001",
            "20261125000002",
            "20261125000003",
            "20261125000004",
            "20261125000005",
            "20261125000006",
            "20261125000007",
            "20261125000008",
            "20261204000009",
            "20261204000010",
            "20261206000011",
            "20261206000012",
            "20261206000013",
            "20261206000014",
        ];
        for backend in [Backend::Postgres, Backend::Sqlite] {
            let versions: Vec<_> = scripts(backend).iter().map(|s| s.version).collect();
            assert_eq!(versions[..recorded.len()], recorded, "{backend:?}");
            let mut sorted = versions.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, versions, "{backend:?}: in order, each once");
        }
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |b| scripts(b).iter().map(|s| s.name).collect::<Vec<_>>();
        assert_eq!(names(Backend::Postgres), names(Backend::Sqlite));
    }

    #[test]
    fn an_override_replaces_the_shared_script_for_its_backend_only() {
        let pg = script(Backend::Postgres, "2026-12-06-000011_referral_reasons").unwrap();
        let sqlite = script(Backend::Sqlite, "2026-12-06-000011_referral_reasons").unwrap();
        assert!(pg.up.contains("strpos(") && !pg.up.contains("instr("));
        assert!(sqlite.up.contains("instr(") && !sqlite.up.contains("strpos("));
        // No down override: both run the shared down.sql.
        assert_eq!(pg.down, sqlite.down);
    }

    /// A fresh SQLite database migrates, and a second run finds nothing to do.
    #[test]
    fn sqlite_migrates_once() {
        use diesel::Connection;
        let mut conn =
            DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        assert_eq!(run(&mut conn).unwrap().len(), SQLITE.len());
        assert!(run(&mut conn).unwrap().is_empty());
    }
}
