//! Embeds the one migration tree, `migrations/` at the workspace root, as two lists of SQL
//! scripts, one per backend (`$OUT_DIR/migrations.rs`, included by `src/migrate.rs`).
//!
//! Each migration is a folder `YYYY-MM-DD-NNNNNN_name` holding `up.sql` and `down.sql`, shared
//! by both backends. Where the SQL of one backend differs, `up.postgres.sql`, `up.sqlite.sql`,
//! `down.postgres.sql` or `down.sqlite.sql` replace the shared file for that backend. Anything
//! else in a folder fails the build: a misspelt override would otherwise be skipped silently
//! and the backend would run the shared script instead.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const BACKENDS: [&str; 2] = ["postgres", "sqlite"];
const DIRECTIONS: [&str; 2] = ["up", "down"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../migrations");
    let root = root
        .canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    // A directory: cargo rebuilds when anything below it changes (a new migration folder too,
    // which the `include_str!`s of the generated code would not notice).
    println!("cargo:rerun-if-changed={}", root.display());

    let mut folders: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.expect("readable migrations folder").path())
        // Top-level files (the folder's README) are not migrations.
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();

    let mut lists = [String::new(), String::new()];
    let mut versions = Vec::new();
    for folder in &folders {
        let name = folder
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_else(|| panic!("{}: not a UTF-8 name", folder.display()));
        let version = version(name);
        if versions.contains(&version) {
            panic!("migration {name}: version {version} is used twice");
        }
        versions.push(version.clone());
        check_files(folder, name);
        for (backend, list) in BACKENDS.iter().zip(lists.iter_mut()) {
            let [up, down] = DIRECTIONS.map(|direction| script(folder, name, direction, backend));
            writeln!(
                list,
                "    Script {{ name: {name:?}, version: {version:?}, \
                 up: include_str!({up:?}), down: include_str!({down:?}) }},"
            )
            .expect("writing to a String");
        }
    }

    let [postgres, sqlite] = lists;
    let generated = format!(
        "/// The migrations of PostgreSQL, oldest first.\n\
         pub(crate) const POSTGRES: &[Script] = &[\n{postgres}];\n\
         /// The migrations of SQLite, oldest first.\n\
         pub(crate) const SQLITE: &[Script] = &[\n{sqlite}];\n"
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("migrations.rs");
    fs::write(&out, generated).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}

/// The version diesel records in `__diesel_schema_migrations`: the name up to its first `_`,
/// without dashes (`2026-11-25-000001_foundation` → `20261125000001`). The same rule as
/// diesel's `embed_migrations!`, which wrote the versions of existing databases.
fn version(name: &str) -> String {
    let (stamp, title) = name
        .split_once('_')
        .unwrap_or_else(|| panic!("migration {name}: expected YYYY-MM-DD-NNNNNN_name"));
    let digits = stamp.replace('-', "");
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) || title.is_empty() {
        panic!("migration {name}: expected YYYY-MM-DD-NNNNNN_name");
    }
    digits
}

/// Every file of a migration folder is one the build reads.
fn check_files(folder: &Path, name: &str) {
    let known: Vec<String> = DIRECTIONS
        .iter()
        .flat_map(|d| {
            std::iter::once(format!("{d}.sql"))
                .chain(BACKENDS.iter().map(move |b| format!("{d}.{b}.sql")))
        })
        .collect();
    for entry in fs::read_dir(folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
        let file = entry.expect("readable migration folder").file_name();
        let file = file.to_string_lossy();
        if !known.iter().any(|k| *k == file) {
            panic!("migration {name}: unexpected file {file} (expected one of {known:?})");
        }
    }
    for direction in DIRECTIONS {
        let shared = folder.join(format!("{direction}.sql")).is_file();
        let overrides = BACKENDS
            .iter()
            .filter(|b| folder.join(format!("{direction}.{b}.sql")).is_file())
            .count();
        // Overrides for every backend leave the shared script unused: a mistake, not a choice.
        if shared && overrides == BACKENDS.len() {
            panic!("migration {name}: {direction}.sql is overridden for every backend");
        }
    }
}

/// The path of the script a backend runs: its override, else the shared one.
fn script(folder: &Path, name: &str, direction: &str, backend: &str) -> PathBuf {
    let own = folder.join(format!("{direction}.{backend}.sql"));
    if own.is_file() {
        return own;
    }
    let shared = folder.join(format!("{direction}.sql"));
    if shared.is_file() {
        return shared;
    }
    panic!("migration {name}: neither {direction}.sql nor {direction}.{backend}.sql");
}
