//! The one migration tree must give both backends one schema: the same tables and columns
//! (types, nullability, defaults), primary keys, indexes (columns, uniqueness, partial
//! predicates), foreign keys and code checks. Code columns accept only the domain's codes. And
//! migrations must be safe when two instances start together.

use std::collections::{BTreeMap, BTreeSet};

use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use qorgau_persistence::connection::establish_postgres;
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

fn sqlite(url: &str) -> SqliteConnection {
    SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap()
}

// `pragma_table_xinfo`, not `_info`: the latter leaves out generated columns
// (`deadlines.record_key`, migration 000030), which PostgreSQL lists.
fn sqlite_columns(url: &str) -> BTreeSet<Column> {
    diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, (p.\"notnull\" OR p.pk > 0) AS not_null
         FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '__diesel_schema_migrations'",
    )
    .load(&mut sqlite(url))
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

// ---------------------------------------------------------------------------------------------
// The schema of a migrated database, described the same way for both backends: one line per
// fact, so that two descriptions compare as sets and their difference reads as a diff.
//
//   column cases.version integer not null default 1
//   primary key case_concerns (case_id, concern)
//   unique users (username)                          (a UNIQUE constraint: its index is unnamed)
//   index cases.cases_one_open_per_child unique (child_id) where status <> 'closed'
//   foreign key cases (child_id) -> children (id) on delete no action
//   check cases.status in ('assessment', 'closed', …)   (PostgreSQL: CHECK; SQLite: triggers)

type Schema = BTreeSet<String>;

#[derive(QueryableByName, Debug)]
struct ColumnFact {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
    #[diesel(sql_type = Nullable<Text>)]
    default_value: Option<String>,
}

#[derive(QueryableByName, Debug)]
struct KeyFact {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
}

#[derive(QueryableByName, Debug)]
struct IndexFact {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Integer)]
    is_unique: i32,
    /// `pk` (the primary key's), `u` (a UNIQUE constraint's) or `c` (CREATE INDEX).
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Nullable<Text>)]
    columns: Option<String>,
    /// PostgreSQL: the predicate; SQLite: the whole CREATE INDEX, the predicate read from it.
    #[diesel(sql_type = Nullable<Text>)]
    predicate: Option<String>,
}

#[derive(QueryableByName, Debug)]
struct ForeignKeyFact {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    /// NULL on SQLite when the key names no column: the referenced table's primary key.
    #[diesel(sql_type = Nullable<Text>)]
    ref_columns: Option<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

#[derive(QueryableByName, Debug)]
struct SqlFact {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

const SQLITE_TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
     AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'";

fn sqlite_schema(url: &str) -> Schema {
    let mut conn = sqlite(url);
    let mut schema = Schema::new();

    let columns: Vec<ColumnFact> = diesel::sql_query(format!(
        "SELECT t.name AS table_name, p.name AS column_name, p.type AS declared,
                (p.\"notnull\" OR p.pk > 0) AS not_null, p.dflt_value AS default_value
         FROM ({SQLITE_TABLES}) t JOIN pragma_table_xinfo(t.name) p"
    ))
    .load(&mut conn)
    .unwrap();
    schema.extend(columns.iter().map(column_line));

    let keys: Vec<KeyFact> = diesel::sql_query(format!(
        "SELECT t.name AS table_name,
                (SELECT group_concat(name, ', ') FROM
                    (SELECT name FROM pragma_table_info(t.name) WHERE pk > 0 ORDER BY pk)) AS columns
         FROM ({SQLITE_TABLES}) t
         WHERE EXISTS (SELECT 1 FROM pragma_table_info(t.name) WHERE pk > 0)"
    ))
    .load(&mut conn)
    .unwrap();
    let primary: BTreeMap<String, String> = keys
        .into_iter()
        .map(|k| (k.table_name, k.columns))
        .collect();
    schema.extend(
        primary
            .iter()
            .map(|(table, columns)| format!("primary key {table} ({columns})")),
    );

    let indexes: Vec<IndexFact> = diesel::sql_query(format!(
        "SELECT t.name AS table_name, l.name AS index_name, l.\"unique\" AS is_unique,
                l.origin AS origin, s.sql AS predicate,
                (SELECT group_concat(name, ', ') FROM
                    (SELECT coalesce(name, '<expression>') AS name FROM pragma_index_info(l.name)
                     ORDER BY seqno)) AS columns
         FROM ({SQLITE_TABLES}) t JOIN pragma_index_list(t.name) l
         LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = l.name"
    ))
    .load(&mut conn)
    .unwrap();
    schema.extend(indexes.into_iter().filter_map(|mut i| {
        i.predicate = i.predicate.as_deref().and_then(index_predicate);
        index_line(&i)
    }));

    let foreign: Vec<ForeignKeyFact> = diesel::sql_query(format!(
        "SELECT t.name AS table_name, f.id AS id, f.\"from\" AS columns, f.\"table\" AS ref_table,
                f.\"to\" AS ref_columns, f.on_delete AS on_delete
         FROM ({SQLITE_TABLES}) t JOIN pragma_foreign_key_list(t.name) f
         ORDER BY t.name, f.id, f.seq"
    ))
    .load(&mut conn)
    .unwrap();
    // One row per column of a key: joined into one fact per key.
    let mut keys: BTreeMap<(String, i32), ForeignKeyFact> = BTreeMap::new();
    for f in foreign {
        match keys.get_mut(&(f.table_name.clone(), f.id)) {
            Some(key) => {
                key.columns = format!("{}, {}", key.columns, f.columns);
                key.ref_columns = match (key.ref_columns.take(), f.ref_columns) {
                    (Some(a), Some(b)) => Some(format!("{a}, {b}")),
                    _ => None,
                };
            }
            None => {
                keys.insert((f.table_name.clone(), f.id), f);
            }
        }
    }
    schema.extend(keys.into_values().map(|mut f| {
        if f.ref_columns.is_none() {
            f.ref_columns = primary.get(&f.ref_table).cloned();
        }
        foreign_key_line(&f)
    }));

    let sql: Vec<SqlFact> = diesel::sql_query(
        "SELECT type AS kind, name, tbl_name AS table_name, sql FROM sqlite_master
         WHERE type IN ('table', 'trigger') AND sql IS NOT NULL
           AND tbl_name NOT LIKE 'sqlite_%' AND tbl_name != '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap();
    schema.extend(sqlite_checks(&sql));
    schema
}

fn postgres_schema(url: &str) -> Schema {
    let mut conn = establish_postgres(url).unwrap();
    let mut schema = Schema::new();

    let columns: Vec<ColumnFact> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name,
                data_type::text AS declared,
                CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null,
                column_default::text AS default_value
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap();
    schema.extend(columns.iter().map(column_line));

    // The columns of `key` (an int2[] of attribute numbers of `rel`), in key order.
    let names = |key: &str, rel: &str| {
        format!(
            "(SELECT string_agg(coalesce(a.attname::text, '<expression>'), ', ' ORDER BY k.ord)
              FROM unnest({key}) WITH ORDINALITY AS k(attnum, ord)
              LEFT JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum)"
        )
    };

    let keys: Vec<KeyFact> = diesel::sql_query(format!(
        "SELECT c.conrelid::regclass::text AS table_name, {} AS columns
         FROM pg_constraint c
         WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace
           AND c.conrelid::regclass::text != '__diesel_schema_migrations'",
        names("c.conkey", "c.conrelid")
    ))
    .load(&mut conn)
    .unwrap();
    schema.extend(
        keys.iter()
            .map(|k| format!("primary key {} ({})", k.table_name, k.columns)),
    );

    let indexes: Vec<IndexFact> = diesel::sql_query(format!(
        "SELECT t.relname::text AS table_name, c.relname::text AS index_name,
                CASE WHEN i.indisunique THEN 1 ELSE 0 END AS is_unique,
                CASE WHEN i.indisprimary THEN 'pk'
                     WHEN EXISTS (SELECT 1 FROM pg_constraint u
                                  WHERE u.conindid = i.indexrelid AND u.contype = 'u') THEN 'u'
                     ELSE 'c' END AS origin,
                {} AS columns,
                pg_get_expr(i.indpred, i.indrelid) AS predicate
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND t.relname != '__diesel_schema_migrations'",
        names("i.indkey::int2[]", "i.indrelid")
    ))
    .load(&mut conn)
    .unwrap();
    schema.extend(indexes.iter().filter_map(index_line));

    let foreign: Vec<ForeignKeyFact> = diesel::sql_query(format!(
        "SELECT c.conrelid::regclass::text AS table_name, 0 AS id, {} AS columns,
                c.confrelid::regclass::text AS ref_table, {} AS ref_columns,
                CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
                     WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT'
                END AS on_delete
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace",
        names("c.conkey", "c.conrelid"),
        names("c.confkey", "c.confrelid"),
    ))
    .load(&mut conn)
    .unwrap();
    schema.extend(foreign.iter().map(foreign_key_line));

    let checks: Vec<SqlFact> = diesel::sql_query(
        "SELECT 'check' AS kind, c.conname::text AS name,
                c.conrelid::regclass::text AS table_name, pg_get_constraintdef(c.oid) AS sql
         FROM pg_constraint c
         WHERE c.contype = 'c' AND c.connamespace = 'public'::regnamespace",
    )
    .load(&mut conn)
    .unwrap();
    schema.extend(
        checks
            .iter()
            .map(|c| check_line(&c.table_name, c.sql.trim_start_matches("CHECK"))),
    );

    // One line per table and event, as SQLite writes one trigger per event.
    let triggers: Vec<SqlFact> = diesel::sql_query(
        "SELECT 'trigger' AS kind, trigger_name::text AS name,
                event_object_table::text AS table_name,
                lower(action_timing || ' ' || event_manipulation) AS sql
         FROM information_schema.triggers WHERE trigger_schema = 'public'",
    )
    .load(&mut conn)
    .unwrap();
    schema.extend(
        triggers
            .iter()
            .map(|t| format!("trigger {} {}", t.table_name, t.sql)),
    );
    schema
}

fn column_line(c: &ColumnFact) -> String {
    let mut line = format!(
        "column {}.{} {}",
        c.table_name,
        c.column_name,
        normalise_type(&c.declared)
    );
    if c.not_null != 0 {
        line.push_str(" not null");
    }
    if let Some(default) = &c.default_value {
        line.push_str(" default ");
        line.push_str(&normalise_sql(default));
    }
    line
}

/// `None` for a primary key's index: the primary key is a fact of its own, and SQLite has no
/// index for an `INTEGER PRIMARY KEY`.
fn index_line(i: &IndexFact) -> Option<String> {
    let columns = i.columns.as_deref().unwrap_or("<expression>");
    let mut line = match i.origin.as_str() {
        "pk" => return None,
        // The backends name a UNIQUE constraint's index differently (`users_username_key`,
        // `sqlite_autoindex_users_1`): what matters is the table and the columns.
        "u" => format!("unique {} ({columns})", i.table_name),
        _ => format!(
            "index {}.{}{} ({columns})",
            i.table_name,
            i.index_name,
            if i.is_unique != 0 { " unique" } else { "" }
        ),
    };
    if let Some(predicate) = &i.predicate {
        line.push_str(" where ");
        line.push_str(&normalise_predicate(predicate));
    }
    Some(line)
}

/// A conjunction as both backends read alike: PostgreSQL prints `a AND b` as `(a) AND (b)`,
/// and `c IN ('a', 'b')` as `c = ANY (ARRAY['a'::text, 'b'::text])`.
fn normalise_predicate(predicate: &str) -> String {
    if let Some((column, codes)) = code_set(predicate) {
        let codes: Vec<String> = codes.iter().map(|c| format!("'{c}'")).collect();
        return format!("{column} in ({})", codes.join(", "));
    }
    normalise_sql(predicate)
        .split(" and ")
        .map(normalise_sql)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn foreign_key_line(f: &ForeignKeyFact) -> String {
    format!(
        "foreign key {} ({}) -> {} ({}) on delete {}",
        f.table_name,
        f.columns,
        f.ref_table,
        f.ref_columns.as_deref().unwrap_or("<its primary key>"),
        f.on_delete.to_lowercase()
    )
}

/// The predicate of a partial index, read from SQLite's `CREATE INDEX … WHERE …`.
fn index_predicate(create: &str) -> Option<String> {
    let upper = create.to_uppercase();
    upper
        .rfind(" WHERE ")
        .map(|at| create[at + 7..].to_string())
}

/// A CHECK as one line: `check t.c in (…)` when it limits a column to a set of codes (the
/// values sorted), else its normalised expression. PostgreSQL prints `c IN ('a', 'b')` as
/// `(c = ANY (ARRAY['a'::text, 'b'::text]))`; both read as the same set here. A check of
/// another shape compares by its text, which the backends may print differently: extend
/// `code_set` when one appears.
fn check_line(table: &str, expression: &str) -> String {
    match code_set(expression) {
        Some((column, codes)) => codes_line(table, &column, &codes),
        None => format!("check {table}: {}", normalise_sql(expression)),
    }
}

fn codes_line(table: &str, column: &str, codes: &BTreeSet<String>) -> String {
    let codes: Vec<String> = codes.iter().map(|c| format!("'{c}'")).collect();
    format!("check {table}.{column} in ({})", codes.join(", "))
}

/// `(column, codes)` of `column IN ('a', …)`, `column = ANY (ARRAY['a', …])` or `column = 'a'`.
fn code_set(expression: &str) -> Option<(String, BTreeSet<String>)> {
    let (skeleton, literals) = split_literals(&normalise_sql(expression));
    let column: String = skeleton
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    // What follows the column without parentheses and spaces: `in?,?` or `=anyarray[?,?]`.
    let rest: String = skeleton[column.len()..]
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | ' '))
        .collect();
    // PostgreSQL prints a one-code `IN` as `column = 'code'`.
    let list = rest
        .strip_prefix("in")
        .or_else(|| {
            rest.strip_prefix("=anyarray[")
                .and_then(|r| r.strip_suffix(']'))
        })
        .or_else(|| rest.strip_prefix('='))?;
    let placeholders = vec!["?"; literals.len()].join(",");
    (!column.is_empty() && !literals.is_empty() && list == placeholders)
        .then(|| (column, literals.into_iter().collect()))
}

/// The expression with each string literal replaced by `?`, and the literals.
fn split_literals(expression: &str) -> (String, Vec<String>) {
    let (mut skeleton, mut literals) = (String::new(), Vec::new());
    let mut parts = expression.split('\'');
    skeleton.push_str(parts.next().unwrap_or_default());
    while let Some(literal) = parts.next() {
        literals.push(literal.to_string());
        skeleton.push('?');
        skeleton.push_str(parts.next().unwrap_or_default());
    }
    (skeleton, literals)
}

/// SQLite's code checks: CHECKs in `CREATE TABLE` (none yet: SQLite cannot add one to an
/// existing table) and the trigger pairs of `2026-12-06-000015_code_checks` —
///
///   CREATE TRIGGER t_c_code_insert BEFORE INSERT ON t WHEN NEW.c NOT IN ('a', …) BEGIN SELECT RAISE(ABORT, …); END
///   CREATE TRIGGER t_c_code_update BEFORE UPDATE OF c ON t WHEN NEW.c NOT IN ('a', …) BEGIN …
///
/// A column counts as checked when both triggers name it with the same codes, as a CHECK
/// covers inserts and updates alike; anything else is a line PostgreSQL has no match for.
fn sqlite_checks(facts: &[SqlFact]) -> Vec<String> {
    let mut lines = Vec::new();
    // (table, column) → (codes refused on insert, codes refused on update)
    type Guards = (Option<BTreeSet<String>>, Option<BTreeSet<String>>);
    let mut guarded: BTreeMap<(String, String), Guards> = BTreeMap::new();
    for fact in facts {
        let sql = normalise_sql(&fact.sql);
        if fact.kind == "table" {
            let sql = sql.replace("check (", "check(");
            let mut rest = sql.as_str();
            while let Some(at) = rest.find("check(") {
                let expression = balanced(&rest[at + 5..]);
                lines.push(check_line(&fact.table_name, expression));
                rest = &rest[at + 5 + expression.len()..];
            }
            continue;
        }
        match sqlite_guard(&sql) {
            Some((on_insert, column, codes)) => {
                let entry = guarded
                    .entry((fact.table_name.clone(), column))
                    .or_default();
                if on_insert {
                    entry.0 = Some(codes);
                } else {
                    entry.1 = Some(codes);
                }
            }
            None => lines.push(match after_trigger(&sql) {
                Some(event) => format!("trigger {} after {event}", fact.table_name),
                None => format!(
                    "trigger {}.{}: not a code check: {sql}",
                    fact.table_name, fact.name
                ),
            }),
        }
    }
    for ((table, column), guard) in guarded {
        lines.push(match guard {
            (Some(insert), Some(update)) if insert == update => {
                codes_line(&table, &column, &insert)
            }
            (insert, update) => {
                let codes = |guard: Option<BTreeSet<String>>| {
                    guard.map_or("anything".to_string(), |codes| {
                        let codes: Vec<String> = codes.iter().map(|c| format!("'{c}'")).collect();
                        format!("({})", codes.join(", "))
                    })
                };
                format!(
                    "check {table}.{column}: inserts limited to {}, updates to {}",
                    codes(insert),
                    codes(update)
                )
            }
        });
    }
    lines
}

/// The event of an `AFTER` trigger (the month facts' marks): `insert`, `update` or `delete`.
fn after_trigger(sql: &str) -> Option<&str> {
    let event = sql.split_once(" after ")?.1.split_once(" on ")?.0;
    ["insert", "update", "delete"]
        .contains(&event)
        .then_some(event)
}

/// `(on insert?, column, codes)` of a trigger that aborts when `NEW.column NOT IN (codes)`.
fn sqlite_guard(sql: &str) -> Option<(bool, String, BTreeSet<String>)> {
    let (event, rest) = sql.split_once(" before ")?.1.split_once(" on ")?;
    let (condition, body) = rest.split_once(" when ")?.1.split_once(" begin ")?;
    if !body.starts_with("select raise(abort,") {
        return None;
    }
    let (column, codes) = condition.strip_prefix("new.")?.split_once(" not in ")?;
    let (on_insert, event_column) = match event {
        "insert" => (true, column),
        _ => (false, event.strip_prefix("update of ")?),
    };
    let (skeleton, literals) = split_literals(codes);
    let placeholders = format!("({})", vec!["?"; literals.len()].join(", "));
    (event_column == column && skeleton == placeholders).then(|| {
        (
            on_insert,
            column.to_string(),
            literals.into_iter().collect(),
        )
    })
}

/// The text up to the parenthesis closing the one `text` starts with, included.
fn balanced(text: &str) -> &str {
    let mut depth = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return &text[..=i];
                }
            }
            _ => {}
        }
    }
    text
}

/// A type as both backends name it: information_schema's `timestamp without time zone` and
/// SQLite's declared `TIMESTAMP` alike. `bigint` stays apart from `integer`: diesel reads them
/// as different Rust types on PostgreSQL.
fn normalise_type(declared: &str) -> String {
    let declared = declared.to_lowercase();
    match declared.as_str() {
        "text" | "varchar" | "character varying" => "text",
        "integer" | "int" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "boolean" | "bool" => "bool",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        other => other,
    }
    .to_string()
}

/// An expression (a default, a predicate, a check) as both backends can be compared by: lower
/// case outside string literals, single spaces, without the casts PostgreSQL adds
/// (`'closed'::text`) or the parentheses it wraps around the whole, `!=` read as `<>`.
fn normalise_sql(expression: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in expression.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if quoted || c == '\'' {
            out.push(c);
        } else if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    for cast in [
        "::text",
        "::character varying",
        "::bigint",
        "::integer",
        "::boolean",
        "::timestamp without time zone",
        "::date",
    ] {
        out = out.replace(cast, "");
    }
    out = out
        .replace("!=", "<>")
        .replace("( ", "(")
        .replace(" )", ")");
    let mut out = out.trim().to_string();
    while out.starts_with('(') && balanced(&out).len() == out.len() {
        out = out[1..out.len() - 1].trim().to_string();
    }
    out
}

/// Differences the backends cannot avoid, each as (SQLite's line, PostgreSQL's line).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    // SQLite cannot drop a column default (migration 000010 added the columns NOT NULL with
    // DEFAULT '' to fill existing rows, then dropped the default on PostgreSQL): every insert
    // sets both.
    (
        "column deadlines.region_code text not null default ''",
        "column deadlines.region_code text not null",
    ),
    (
        "column deadlines.district_code text not null default ''",
        "column deadlines.district_code text not null",
    ),
];

/// The lines each schema has and the other has not, after the known differences.
fn schema_diff(mut sqlite: Schema, mut postgres: Schema) -> Option<String> {
    for (in_sqlite, in_postgres) in KNOWN_DIFFERENCES {
        // A difference that went away is removed from the list, not silently kept.
        assert!(
            sqlite.remove(*in_sqlite) && postgres.remove(*in_postgres),
            "known difference no longer seen: {in_sqlite} / {in_postgres}"
        );
    }
    let only = |a: &Schema, b: &Schema| {
        a.difference(b)
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (only_sqlite, only_postgres) = (only(&sqlite, &postgres), only(&postgres, &sqlite));
    (!only_sqlite.is_empty() || !only_postgres.is_empty()).then(|| {
        format!(
            "the backends' schemas differ\nonly in SQLite:\n{only_sqlite}\nonly in PostgreSQL:\n{only_postgres}"
        )
    })
}

/// The codes of each code column (`table.column`), from the domain where it defines them.
fn domain_codes() -> BTreeMap<&'static str, BTreeSet<String>> {
    use qorgau_domain::assessment::AssessmentKind;
    use qorgau_domain::case::CaseStatus;
    use qorgau_domain::case_file::{FlagKind, NoteKind};
    use qorgau_domain::document::{DocumentKind, MediaType};
    use qorgau_domain::event::EventType;
    use qorgau_domain::family::FamilyRelation;
    use qorgau_domain::iin::Sex;
    use qorgau_domain::interagency::{PlacementEndReason, PlacementType};
    use qorgau_domain::intervention::InterventionKind;
    use qorgau_domain::lifecycle::{ClosureReason, FollowUpOutcome};
    use qorgau_domain::notification::{EmailPreference, Mail, NotificationKind};
    use qorgau_domain::organisation::OrganisationKind;
    use qorgau_domain::plan::{AssistanceKind, PlanReviewDecision};
    use qorgau_domain::protocol::DeadlineKind;
    use qorgau_domain::referral::{OverrideBasis, ReferralStatus};
    use qorgau_domain::role::Role;
    use qorgau_domain::taxonomy::{Concern, RiskLevel, SignalSource};
    use qorgau_domain::timeline::TimelineKind;

    fn set<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> BTreeSet<String> {
        all.iter().map(|v| code(*v).to_string()).collect()
    }
    fn list(codes: &[&str]) -> BTreeSet<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }
    let risk = set(&RiskLevel::ALL, RiskLevel::as_str);
    let concern = set(&Concern::ALL, Concern::as_str);
    let organisation = set(&OrganisationKind::ALL, OrganisationKind::as_str);
    let assistance = set(&AssistanceKind::ALL, AssistanceKind::as_str);
    // `RouteAction::Refer` and `Notify` as referrals and routing gaps record them
    // (`protocol_engine::route`).
    let route = list(&["referral", "notification"]);
    let case_status = {
        use CaseStatus::*;
        let all = [
            Intake,
            Assessment,
            Planning,
            InProgress,
            Monitoring,
            ClosureRequested,
            Closed,
        ];
        set(&all, CaseStatus::as_str)
    };
    BTreeMap::from([
        ("organisations.kind", organisation.clone()),
        ("users.role", set(&Role::ALL, Role::as_str)),
        ("children.sex", set(&[Sex::Male, Sex::Female], Sex::as_str)),
        ("cases.status", case_status),
        ("cases.risk_level", risk.clone()),
        (
            "cases.closure_reason",
            set(&ClosureReason::ALL, ClosureReason::as_str),
        ),
        ("case_concerns.concern", concern.clone()),
        (
            "signals.source",
            set(&SignalSource::ALL, SignalSource::as_str),
        ),
        ("signals.urgency", risk.clone()),
        // Filing, then triage's outcome (`routes::signals::triage`).
        (
            "signals.status",
            list(&["received", "case_opened", "linked", "screened_out"]),
        ),
        ("signals.risk_level", risk.clone()),
        ("signal_concerns.concern", concern),
        (
            "timeline_events.kind",
            set(&TimelineKind::ALL, TimelineKind::as_str),
        ),
        ("signal_reports.urgency", risk.clone()),
        (
            "assessments.kind",
            set(&AssessmentKind::ALL, AssessmentKind::as_str),
        ),
        ("assessments.risk_level", risk.clone()),
        // A plan version's life (`routes::case_work`, `persistence::plans`).
        (
            "plans.status",
            list(&["draft", "approved", "rejected", "superseded"]),
        ),
        ("plan_measures.kind", assistance.clone()),
        (
            "interventions.kind",
            set(&InterventionKind::ALL, InterventionKind::as_str),
        ),
        ("interventions.assistance_type", assistance),
        (
            "referrals.status",
            set(&ReferralStatus::ALL, ReferralStatus::as_str),
        ),
        ("referrals.urgency", risk),
        (
            "referrals.override_basis",
            set(&OverrideBasis::ALL, OverrideBasis::as_str),
        ),
        ("referrals.kind", route.clone()),
        (
            "transfers.status",
            list(&["pending", "accepted", "declined"]),
        ),
        (
            "placements.kind",
            set(&PlacementType::ALL, PlacementType::as_str),
        ),
        (
            "placements.end_reason",
            set(&PlacementEndReason::ALL, PlacementEndReason::as_str),
        ),
        (
            "deadlines.kind",
            set(&DeadlineKind::ALL, DeadlineKind::as_str),
        ),
        // Overdue is pending and past due, computed when read.
        ("deadlines.status", list(&["pending", "met", "cancelled"])),
        ("routing_gaps.action", route),
        ("routing_gaps.organisation_kind", organisation),
        (
            "domain_events.event_type",
            set(&EventType::ALL, EventType::as_str),
        ),
        (
            "notifications.kind",
            set(&NotificationKind::ALL, NotificationKind::as_str),
        ),
        ("notifications.mail", set(&Mail::ALL, Mail::as_str)),
        (
            "user_preferences.email",
            set(&EmailPreference::ALL, EmailPreference::as_str),
        ),
        (
            "follow_ups.outcome",
            set(&FollowUpOutcome::ALL, FollowUpOutcome::as_str),
        ),
        (
            "plan_reviews.decision",
            set(&PlanReviewDecision::ALL, PlanReviewDecision::as_str),
        ),
        ("case_notes.kind", set(&NoteKind::ALL, NoteKind::as_str)),
        ("case_flags.kind", set(&FlagKind::ALL, FlagKind::as_str)),
        (
            "documents.kind",
            set(&DocumentKind::ALL, DocumentKind::as_str),
        ),
        (
            "documents.media_type",
            set(&MediaType::ALL, MediaType::as_str),
        ),
        (
            "family_members.relation",
            set(&FamilyRelation::ALL, FamilyRelation::as_str),
        ),
        // `persistence::children`: MOVED_SIGNAL, MOVED_CASE, MOVED_EVENT.
        (
            "child_merge_moves.kind",
            list(&["signal", "case", "timeline_event"]),
        ),
    ])
}

fn check_lines(schema: &Schema) -> BTreeSet<String> {
    schema
        .iter()
        .filter(|l| {
            l.starts_with("check ") || (l.starts_with("trigger ") && l.contains("not a code check"))
        })
        .cloned()
        .collect()
}

fn describe(backend: Backend, url: &str) -> Schema {
    match backend {
        Backend::Sqlite => sqlite_schema(url),
        Backend::Postgres => postgres_schema(url),
    }
}

/// Each code column accepts exactly the domain's codes: a new status or kind in the code needs
/// a migration widening the set, and a set in a migration that the domain does not know fails.
fn code_checks_are_the_domains(backend: Backend) {
    let db = migrated(backend);
    let expected: BTreeSet<String> = domain_codes()
        .iter()
        .map(|(column, codes)| {
            let (table, column) = column.split_once('.').unwrap();
            codes_line(table, column, codes)
        })
        .collect();
    let found = check_lines(&describe(backend, &db.url));
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "domain codes without their check:\n{missing:#?}\nchecks the domain does not define:\n{unexpected:#?}"
    );
}

/// The describer reads what it should: a regression here would let the comparison pass on
/// two empty descriptions.
#[test]
fn the_schema_description_sees_keys_indexes_and_checks() {
    let db = migrated(Backend::Sqlite);
    let schema = sqlite_schema(&db.url);
    for line in [
        "column cases.version integer not null default 1",
        "column users.active bool not null default true",
        "column audit_log.seq bigint",
        "primary key case_concerns (case_id, concern)",
        "primary key audit_head (id)",
        "unique users (username)",
        "unique signals (source, external_ref)",
        "index cases.cases_one_open_per_child unique (child_id) where status <> 'closed'",
        "index audit_log.audit_log_unsealed (id) where seq is null",
        "foreign key cases (child_id) -> children (id) on delete no action",
        "check deadlines.status in ('cancelled', 'met', 'pending')",
    ] {
        assert!(schema.contains(line), "{line}\nnot in:\n{schema:#?}");
    }
    assert!(
        schema
            .iter()
            .filter(|l| l.starts_with("foreign key"))
            .count()
            > 50
    );
}

#[test]
fn the_schema_normaliser_reads_both_dialects_alike() {
    assert_eq!(
        normalise_sql("(status <> 'closed'::text)"),
        normalise_sql("status != 'closed'")
    );
    assert_eq!(normalise_sql("'referral'::text"), "'referral'");
    assert_eq!(normalise_sql("TRUE"), "true");
    let postgres = code_set("((kind = ANY (ARRAY['a'::text, 'b c'::text])))").unwrap();
    let sqlite = code_set("(kind IN ('b c', 'a'))").unwrap();
    assert_eq!(postgres, sqlite);
    assert_eq!(code_set("(length(kind) > 2)"), None);
    assert_eq!(
        normalise_predicate("(kind = ANY (ARRAY['x'::text, 'y'::text]))"),
        normalise_predicate("kind IN ('x', 'y')")
    );
    assert_eq!(
        sqlite_guard(&normalise_sql(
            "CREATE TRIGGER t_c BEFORE UPDATE OF c ON t\nWHEN NEW.c NOT IN ('x', 'y')\n\
             BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: t_c_code'); END"
        )),
        Some((false, "c".into(), ["x", "y"].map(String::from).into()))
    );
}

/// Inserting or updating a code column with a value outside its set fails on both backends,
/// naming the constraint; a value inside the set goes through.
async fn a_bad_code_is_refused(backend: Backend) {
    use diesel::connection::SimpleConnection;
    let w = crate::world::World::new(backend).await;
    let case = w.open_case("Айгерім", true).await;
    let mut conn = w.app.state.db.conn().unwrap();
    let conn = &mut *conn;
    let refused = |conn: &mut qorgau_persistence::DbConnection, sql: &str, constraint: &str| {
        let error = conn.batch_execute(sql).expect_err(sql).to_string();
        assert!(error.contains(constraint), "{sql}: {error}");
    };
    let region = "(SELECT region_code FROM organisations LIMIT 1)";
    conn.batch_execute(&format!(
        "INSERT INTO organisations (id, name, kind, region_code, created_at)
         VALUES ('org-ok', 'A school', 'school', {region}, '2026-12-06 10:00:00')"
    ))
    .unwrap();
    refused(
        conn,
        &format!(
            "INSERT INTO organisations (id, name, kind, region_code, created_at)
             VALUES ('org-bad', 'A bakery', 'bakery', {region}, '2026-12-06 10:00:00')"
        ),
        "organisations_kind_code",
    );
    // Every code column of a table the case filled: updated to a bad code, refused; to itself,
    // accepted (NULL included: a nullable code column may stay empty).
    let mut tried = 0;
    for column in domain_codes().keys() {
        let (table, name) = column.split_once('.').unwrap();
        let rows: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            &format!("(SELECT count(*) FROM {table})"),
        ))
        .get_result(conn)
        .unwrap();
        if rows == 0 {
            continue;
        }
        tried += 1;
        refused(
            conn,
            &format!("UPDATE {table} SET {name} = 'not-a-code'"),
            &format!("{table}_{name}_code"),
        );
        conn.batch_execute(&format!("UPDATE {table} SET {name} = {name}"))
            .unwrap();
    }
    // organisations, users, children, cases, case_concerns, signals, signal_concerns,
    // deadlines at least.
    assert!(tried >= 13, "{tried} code columns tried (case {case})");
}

mod sqlite {
    use super::*;

    #[test]
    fn code_checks_are_the_domains() {
        super::code_checks_are_the_domains(Backend::Sqlite);
    }

    #[actix_web::test]
    async fn a_bad_code_is_refused() {
        super::a_bad_code_is_refused(Backend::Sqlite).await;
    }
}

mod postgres {
    use super::*;

    #[test]
    #[cfg_attr(
        qorgau_no_test_postgres,
        ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half"
    )]
    fn code_checks_are_the_domains() {
        super::code_checks_are_the_domains(Backend::Postgres);
    }

    #[actix_web::test]
    #[cfg_attr(
        qorgau_no_test_postgres,
        ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half"
    )]
    async fn a_bad_code_is_refused() {
        super::a_bad_code_is_refused(Backend::Postgres).await;
    }

    #[test]
    #[cfg_attr(
        qorgau_no_test_postgres,
        ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half"
    )]
    fn both_backends_migrate_to_the_same_schema() {
        let (sqlite, pg) = (migrated(Backend::Sqlite), migrated(Backend::Postgres));
        let (s, p) = (sqlite_schema(&sqlite.url), postgres_schema(&pg.url));
        assert!(s.len() > 300, "{} facts", s.len());
        if let Some(diff) = schema_diff(s, p) {
            panic!("{diff}");
        }
    }

    #[test]
    #[cfg_attr(
        qorgau_no_test_postgres,
        ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half"
    )]
    fn instances_migrating_at_once_do_not_collide() {
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
