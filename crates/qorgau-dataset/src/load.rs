//! Getting the rows into the database, in one transaction: `COPY … FROM STDIN (FREEZE)` on
//! PostgreSQL, multi-row `INSERT`s on SQLite.
//!
//! On PostgreSQL the big tables lose their indexes, primary keys, unique and foreign-key
//! constraints for the load and get them back afterwards, from the definitions read out of the
//! catalog (so a migration that adds an index is followed without a change here): building a
//! B-tree from sorted input is several times cheaper than inserting tens of millions of random
//! UUIDs one by one, and checking a foreign key once for the whole table (a hash join) is far
//! cheaper than a trigger per row. Re-adding the foreign keys validates them: a generator bug
//! that broke referential integrity fails the load instead of hiding in the data.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};
use diesel::{PgConnection, SqliteConnection};
use qorgau_domain::audit::Head;

use super::rows::{Encoding, Rows, Table};

/// The tables whose indexes are dropped for the load: all but the few small reference ones.
const BIG: &[Table] = &[
    Table::Children,
    Table::Relations,
    Table::Cases,
    Table::CaseConcerns,
    Table::Consents,
    Table::Signals,
    Table::SignalConcerns,
    Table::Assessments,
    Table::Plans,
    Table::PlanGoals,
    Table::PlanMeasures,
    Table::Interventions,
    Table::Referrals,
    Table::Deadlines,
    Table::Timeline,
    Table::Audit,
];

/// A connection inside the load's transaction.
pub enum Target<'c> {
    Postgres(&'c mut PgConnection),
    Sqlite(&'c mut SqliteConnection),
}

/// Index and constraint definitions to restore after the load, with their table.
#[derive(Default)]
pub struct Dropped {
    /// `CREATE INDEX …` statements and `ALTER TABLE … ADD CONSTRAINT` for keys.
    keys: Vec<(String, String)>,
    /// `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY …`, after the keys they point at.
    foreign: Vec<(String, String)>,
}

#[derive(QueryableByName)]
struct Constraint {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
    #[diesel(sql_type = Text)]
    kind: String,
}

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    value: bool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

impl Target<'_> {
    pub fn encoding(&self) -> Encoding {
        match self {
            Target::Postgres(_) => Encoding::Binary,
            Target::Sqlite(_) => Encoding::Insert,
        }
    }

    /// Whether any of the generator's tables holds a row already.
    pub fn holds_data(&mut self) -> anyhow::Result<bool> {
        let probe = Table::ALL
            .iter()
            .map(|t| format!("EXISTS (SELECT 1 FROM {})", t.name()))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!("SELECT ({probe}) AS value");
        let flag: Flag = match self {
            Target::Postgres(c) => diesel::sql_query(sql).get_result(*c)?,
            Target::Sqlite(c) => diesel::sql_query(sql).get_result(*c)?,
        };
        Ok(flag.value)
    }

    /// Empties the generator's tables (and, on PostgreSQL, those that point at them), then on
    /// PostgreSQL drops the big tables' indexes and constraints. Returns what to restore.
    pub fn prepare(&mut self) -> anyhow::Result<Dropped> {
        match self {
            Target::Postgres(c) => prepare_postgres(c),
            Target::Sqlite(c) => {
                // Deferred: rows go in any order, the keys are checked at commit.
                c.batch_execute("PRAGMA defer_foreign_keys = ON")?;
                let tables: Vec<Name> = diesel::sql_query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT IN ('regions', 'audit_head', '__diesel_schema_migrations') \
                     AND name NOT LIKE 'sqlite_%'",
                )
                .load(*c)?;
                for t in tables {
                    c.batch_execute(&format!("DELETE FROM \"{}\"", t.name))?;
                }
                Ok(Dropped::default())
            }
        }
    }

    pub fn load(&mut self, rows: Rows) -> anyhow::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Target::Postgres(c) => {
                let table = rows.table;
                table.copy_in(c, &rows.finish())?;
            }
            Target::Sqlite(c) => {
                let sql = String::from_utf8(rows.finish())?;
                c.batch_execute(&sql)?;
            }
        }
        Ok(())
    }

    /// Restores the keys, then the foreign keys (validating every row), of the tables `which`
    /// selects; reports the slow statements on standard error.
    pub fn restore(
        &mut self,
        dropped: &Dropped,
        which: impl Fn(&str) -> bool,
    ) -> anyhow::Result<()> {
        if let Target::Postgres(c) = self {
            for (table, sql) in dropped.keys.iter().chain(&dropped.foreign) {
                if !which(table) {
                    continue;
                }
                let started = std::time::Instant::now();
                c.batch_execute(sql)?;
                let took = started.elapsed().as_secs_f64();
                if took > 2.0 {
                    eprintln!("  {took:5.1} s  {sql}");
                }
            }
        }
        Ok(())
    }

    /// Records the end of the audit chain: the sealer's head, signed. The row is the
    /// migrations' and survives `prepare`.
    pub fn audit_head(&mut self, head: &Head) -> anyhow::Result<()> {
        use qorgau_persistence::audit::HeadRow;
        use qorgau_persistence::schema::audit_head;
        let update = diesel::update(audit_head::table.find(1)).set(HeadRow::from(head));
        let updated = match self {
            Target::Postgres(c) => update.execute(*c)?,
            Target::Sqlite(c) => update.execute(*c)?,
        };
        anyhow::ensure!(
            updated == 1,
            "audit_head has no row: is the database migrated?"
        );
        Ok(())
    }
}

fn prepare_postgres(c: &mut PgConnection) -> anyhow::Result<Dropped> {
    // Index builds sort in memory, and the foreign-key checks hash-join whole tables.
    c.batch_execute("SET LOCAL maintenance_work_mem = '1GB'; SET LOCAL work_mem = '256MB';")?;
    let all: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
    // FREEZE needs the tables truncated in this transaction, empty or not.
    c.batch_execute(&format!("TRUNCATE {} CASCADE", all.join(", ")))?;
    let big: Vec<String> = BIG.iter().map(|t| t.name().to_string()).collect();
    // A superuser may load as `pg_restore --disable-triggers` does: with the foreign keys'
    // triggers off, the keys stay in place unchecked, which saves validating tens of millions
    // of rows afterwards (minutes at national scale). The rows are consistent by construction;
    // the same code path is checked row by row on SQLite, where the keys are enforced at
    // commit. Keys that foreign keys point at must then stay too, and are filled as rows come.
    let superuser: Flag =
        diesel::sql_query("SELECT rolsuper AS value FROM pg_roles WHERE rolname = current_user")
            .get_result(c)?;
    if superuser.value {
        c.batch_execute("SET LOCAL session_replication_role = replica")?;
    }
    let constraints: Vec<Constraint> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS table_name, quote_ident(c.conname) AS name, \
                pg_get_constraintdef(c.oid) AS definition, c.contype::text AS kind \
         FROM pg_constraint c \
         WHERE CASE WHEN $2 \
             THEN c.contype IN ('p', 'u') AND c.conrelid::regclass::text = ANY($1) \
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint f \
                                  WHERE f.contype = 'f' AND f.conindid = c.conindid) \
             ELSE c.contype IN ('p', 'u', 'f') \
                  AND (c.conrelid::regclass::text = ANY($1) \
                       OR (c.contype = 'f' AND c.confrelid::regclass::text = ANY($1))) \
             END \
         ORDER BY c.contype = 'f' DESC, c.conname",
    )
    .bind::<Array<Text>, _>(&big)
    .bind::<Bool, _>(superuser.value)
    .load(c)?;
    let indexes: Vec<Index> = diesel::sql_query(
        "SELECT i.indrelid::regclass::text AS table_name, i.indexrelid::regclass::text AS name, \
                pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i \
         WHERE i.indrelid::regclass::text = ANY($1) \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
         ORDER BY 1",
    )
    .bind::<Array<Text>, _>(&big)
    .load(c)?;
    let mut dropped = Dropped::default();
    // Foreign keys come first: the keys they point at cannot go while they stand.
    for k in &constraints {
        c.batch_execute(&format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            k.table_name, k.name
        ))?;
        let add = format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            k.table_name, k.name, k.definition
        );
        if k.kind == "f" {
            dropped.foreign.push((k.table_name.clone(), add));
        } else {
            dropped.keys.push((k.table_name.clone(), add));
        }
    }
    for i in &indexes {
        c.batch_execute(&format!("DROP INDEX {}", i.name))?;
        dropped
            .keys
            .push((i.table_name.clone(), i.definition.clone()));
    }
    Ok(dropped)
}
