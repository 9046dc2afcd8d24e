//! `qorgau`: the server and its administration commands.

mod demo;
mod districts;

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use qorgau_api::{AppState, Config};
use qorgau_app::AppError;
use qorgau_app::accounts::{self, NewAccount};
use qorgau_app::users::{self, Operator};
use qorgau_app::{audit, facts, retention};
use qorgau_dataset as dataset;
use qorgau_persistence::write;

#[derive(Parser)]
#[command(
    name = "qorgau",
    version,
    about = "Case management for child protection in Kazakhstan"
)]
struct Cli {
    /// A TOML file overriding config/default.toml (environment variables override both).
    #[arg(long, env = "QORGAU_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, create the first admin on an empty database, and serve HTTP.
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage districts.
    #[command(subcommand)]
    Districts(DistrictCommand),
    /// Load a small demonstration dataset: districts, organisations, users (passwords printed).
    /// With `--scale`, generate ten years of history instead (crates/qorgau-dataset).
    Demo(DemoArgs),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Retention of children's records (docs/security.md § Retention).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// The document store (docs/operations.md § Documents).
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// The report facts the indicators are read from (docs/reporting.md § Report facts).
    #[command(subcommand)]
    Reports(ReportsCommand),
}

#[derive(Subcommand)]
enum DocumentsCommand {
    /// List the store's orphans: bytes of uploads whose record never committed (a crash between
    /// the store's write and the commit). With `--delete`, delete them.
    Orphans {
        #[arg(long)]
        delete: bool,
    },
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// Recompute every report fact from the source tables, in one transaction (reports keep
    /// reading the old facts until it commits). Needed after loading rows other than through
    /// Qorgau, or to repair a difference `verify` found; upgrades do it on their own.
    Rebuild,
    /// Compare every report fact with the source tables, row by row; exit non-zero on any
    /// difference. With `--kpis-year`, also compute every indicator of that year (Astana
    /// time) both ways — from the facts and from the source tables — for the whole country
    /// and each region, with the time each took, and fail unless they agree exactly.
    Verify {
        #[arg(long)]
        kpis_year: Option<i32>,
        /// Only this region (with `--kpis-year`).
        #[arg(long, requires = "kpis_year")]
        region: Option<String>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Anonymise every child whose last case closed more than `retention.closed_case_years`
    /// ago (none open, no signal since): names, IIN, address, exact birth date and free texts
    /// erased, the facts reports count kept. Each run is recorded in the audit log.
    Run {
        /// List the children that would be anonymised (id and last closing), change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Seal pending entries, then walk the hash chain with the audit key, through the exported
    /// checkpoints to the signed head, and report the first break. Exits non-zero when the
    /// chain is broken.
    Verify {
        /// Checkpoints exported earlier, one JSON line each: a copy kept off this host, or the
        /// `checkpoint` values of the log's "audit checkpoint" lines. Repeatable. Default:
        /// `<data_dir>/audit-checkpoints`, where this host's sealers append them.
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Generate a whole history: `national` (1 M children, the benchmark's dataset), `region`
    /// (a tenth) or `small` (a thousandth).
    #[arg(long, value_enum)]
    scale: Option<dataset::Scale>,
    /// The seed of the generated dataset: the same seed and `--end` give the same rows.
    #[arg(long, default_value_t = 2026, requires = "scale")]
    seed: u64,
    /// The end of the generated ten years (RFC 3339); now by default.
    #[arg(long, requires = "scale")]
    end: Option<chrono::DateTime<chrono::Utc>>,
    /// Overrides the scale's number of children, for a size between the presets (everything
    /// else follows in proportion; staffing follows the scale).
    #[arg(long, requires = "scale")]
    children: Option<u32>,
    /// Replace whatever the database holds (organisations, users, children, cases…).
    #[arg(long, requires = "scale")]
    force: bool,
    /// Write the benchmark's usernames, passwords and ids to this file (mode 600) instead of
    /// printing them.
    #[arg(long, requires = "scale")]
    credentials: Option<PathBuf>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from the first line of standard input.
    Create(CreateUser),
    #[command(flatten)]
    Manage(ManageUser),
}

/// What the console does to an existing account (the API's administrator's use cases).
#[derive(Subcommand)]
enum ManageUser {
    /// Deactivate an account: it can no longer sign in and its logins end (running servers
    /// refuse its tokens within 2 seconds). Refused while it holds open cases: hand them over
    /// first (`POST /api/v1/users/{id}/handover`).
    Deactivate { username: String },
    /// Reactivate a deactivated account.
    Reactivate { username: String },
    /// Reset an account's password: a temporary one is printed once, or the one read from
    /// standard input is set. Its logins end, its lockout is cleared, and the user must choose
    /// a new password at the next sign-in.
    ResetPassword {
        username: String,
        /// Set the password read from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(clap::Args)]
struct CreateUser {
    #[arg(long)]
    username: String,
    /// Read the password from standard input (required: never put it on the command line).
    #[arg(long)]
    password_stdin: bool,
    #[arg(long)]
    role: String,
    /// Organisation id; admins without one join the administration organisation.
    #[arg(long)]
    organisation: Option<String>,
    #[arg(long)]
    full_name: Option<String>,
    #[arg(long)]
    email: Option<String>,
}

#[derive(Subcommand)]
enum DistrictCommand {
    /// Import districts from a CSV file: region_code,code,name_kk,name_ru,name_en (with header).
    Import { file: PathBuf },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())?;
    qorgau_api::init_logging(&config);
    match cli.command {
        Command::Serve => serve(config),
        Command::Migrate => {
            let applied = AppState::open(config)?.migrate()?;
            println!("{} migration(s) applied", applied.len());
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => create_user(config, args),
        Command::User(UserCommand::Manage(command)) => manage_user(&ready(config)?, command),
        Command::Districts(DistrictCommand::Import { file }) => {
            let state = ready(config)?;
            let count = districts::import(&state, &file)
                .with_context(|| format!("importing {}", file.display()))?;
            println!("{count} district(s) imported");
            Ok(())
        }
        Command::Demo(DemoArgs { scale: None, .. }) => demo::load(&ready(config)?),
        Command::Demo(DemoArgs {
            scale: Some(scale),
            seed,
            end,
            children,
            force,
            credentials,
        }) => dataset::run(
            &ready(config)?,
            &dataset::Options {
                scale,
                seed,
                force,
                credentials,
                end,
                children,
            },
        ),
        Command::Audit(AuditCommand::Verify { checkpoints }) => {
            audit_verify(&ready(config)?, checkpoints)
        }
        Command::Retention(RetentionCommand::Run { dry_run }) => {
            let years = config.retention.closed_case_years;
            let event_days = config.retention.event_days;
            let state = ready(config)?;
            let mut conn = state.db.conn()?;
            let run = retention::Run {
                closed_case_years: years,
                event_days,
                dry_run,
            };
            print_retention(&retention::run(&mut conn, &state, run)?, years);
            drop(conn);
            if !dry_run {
                // The erased documents' bytes, after the commits (and any an interrupted run
                // left): the store is not in the database's transactions.
                let purged = actix_web::rt::System::new()
                    .block_on(state.purge_erased_documents())
                    .map_err(|e| anyhow::anyhow!("document store: {e}"))?;
                println!("{purged} erased document(s) deleted from the document store");
            }
            Ok(())
        }
        Command::Documents(DocumentsCommand::Orphans { delete }) => {
            let state = ready(config)?;
            actix_web::rt::System::new().block_on(async {
                let orphans = state
                    .document_orphans()
                    .await
                    .map_err(|e| anyhow::anyhow!("document store: {e}"))?;
                for key in &orphans {
                    println!("{key}");
                    if delete {
                        state
                            .documents
                            .delete(key)
                            .await
                            .map_err(|e| anyhow::anyhow!("document store: {e}"))?;
                    }
                }
                let done = if delete { "deleted" } else { "found" };
                println!("{} orphan(s) {done}", orphans.len());
                anyhow::Ok(())
            })
        }
        Command::Reports(ReportsCommand::Rebuild) => {
            let state = ready(config)?;
            let mut conn = state.db.conn()?;
            let started = std::time::Instant::now();
            let rebuilt = facts::rebuild(&mut conn)?;
            for (fact, rows) in &rebuilt.rows {
                println!("  {:<24} {rows:>11} rows", fact.table());
            }
            println!(
                "  {:<24} {:>11} district-months",
                "report_months", rebuilt.months
            );
            println!(
                "report facts rebuilt in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Reports(ReportsCommand::Verify { kpis_year, region }) => {
            reports_verify(&ready(config)?, kpis_year, region.as_deref())
        }
    }
}

/// `qorgau reports verify`.
fn reports_verify(
    state: &AppState,
    kpis_year: Option<i32>,
    region: Option<&str>,
) -> anyhow::Result<()> {
    let mut conn = state.db.conn()?;
    let started = std::time::Instant::now();
    let mut differences = 0;
    let (tables, months) = facts::verify(&mut conn)?;
    for compared in tables {
        let table = compared.fact.table();
        if compared.agrees() {
            println!("  {table:<24} agrees with the source");
        } else {
            differences += 1;
            println!(
                "  {table:<24} DIFFERS: {} row(s) of the source missing or different, {} row(s) not in the source; e.g. {}",
                compared.missing,
                compared.unexpected,
                compared.examples.join(", ")
            );
        }
    }
    if months.differing_count == 0 {
        println!(
            "  {:<24} agree with the facts ({} district-months)",
            "report_months", months.compared
        );
    } else {
        differences += 1;
        println!(
            "  {:<24} DIFFER: {} of {} district-months; e.g. {}",
            "report_months",
            months.differing_count,
            months.compared,
            months.differing.join(", ")
        );
    }
    println!(
        "report facts compared with the source in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Some(year) = kpis_year {
        let day = |m, d| {
            chrono::NaiveDate::from_ymd_opt(year, m, d)
                .ok_or_else(|| anyhow::anyhow!("no year {year}"))
        };
        let period = qorgau_domain::report::Period {
            from: day(1, 1)?,
            to: day(12, 31)?,
        };
        let now = state.now().naive_utc();
        for c in facts::compare_kpis(&mut conn, &period, now, region)? {
            let area = c.area.region.as_deref().unwrap_or("whole country");
            let verdict = if c.agrees() {
                "agree"
            } else {
                differences += 1;
                "DIFFER"
            };
            println!(
                "  indicators {year} {area:<14} {verdict}: from the facts {:.1} ms, from the source tables {:.1} ms",
                c.facts_time.as_secs_f64() * 1e3,
                c.source_time.as_secs_f64() * 1e3
            );
            if !c.agrees() {
                println!(
                    "    facts:  {:?}\n    source: {:?}",
                    c.from_facts, c.from_source
                );
            }
        }
    }
    if differences > 0 {
        bail!(
            "the report facts differ from the source ({differences}): run `qorgau reports rebuild`"
        );
    }
    println!("report facts agree with the source");
    Ok(())
}

fn print_retention(report: &retention::Report, years: u32) {
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    println!(
        "{} child(ren) whose last case closed before {} (retention.closed_case_years = {years}):",
        report.qualifying.len(),
        when(report.closed_before)
    );
    for q in &report.qualifying {
        println!(
            "  {}  last case closed {}",
            q.child_id,
            when(q.last_closed_at)
        );
    }
    if report.dry_run {
        println!("dry run: nothing changed");
    } else {
        println!(
            "anonymised {} child(ren); {} stored response(s) of retried requests deleted; {} \
             event(s) older than {} deleted from the feed",
            report.anonymised,
            report.responses_deleted,
            report.events_deleted,
            report.events_before.format("%Y-%m-%d %H:%M UTC")
        );
    }
    println!("audit log: run {}", report.run_id);
}

fn audit_verify(state: &AppState, mut files: Vec<PathBuf>) -> anyhow::Result<()> {
    if files.is_empty() {
        let kept = state.config.data_dir.join(audit::CHECKPOINT_FILE);
        files.extend(Some(kept).filter(|f| f.exists()));
    }
    // Read before sealing: the chain is held to what was exported before this run.
    let mut checkpoints = Vec::new();
    for file in &files {
        checkpoints.extend(audit::read_checkpoints(file)?);
    }
    let mut conn = state.db.conn()?;
    let sealed = audit::seal_all(state, &mut conn)?;
    let v = match audit::verify(&mut conn, &state.audit_key, checkpoints)? {
        Ok(v) => v,
        Err(broken) => anyhow::bail!("audit chain broken: {broken}"),
    };
    println!(
        "audit chain intact: {} entries verified ({sealed} sealed now, {} pending), through {} checkpoint(s)",
        v.entries, v.unsealed, v.checkpoints
    );
    if v.keyed_from > 1 {
        println!(
            "entries 1–{} were sealed before the chain was keyed: unkeyed SHA-256, region not covered",
            v.keyed_from - 1
        );
    }
    if v.checkpoints == 0 {
        println!(
            "no checkpoint to hold the chain to: a rewrite of the whole chain by someone holding the key would pass (docs/security.md, audit log)"
        );
    }
    Ok(())
}

/// `qorgau user create`.
fn create_user(config: Config, args: CreateUser) -> anyhow::Result<()> {
    let CreateUser {
        username,
        password_stdin,
        role,
        organisation,
        full_name,
        email,
    } = args;
    if !password_stdin {
        bail!(
            "--password-stdin is required: a password on the command line ends up in shell history"
        );
    }
    let password = read_password()?;
    let state = ready(config)?;
    let mut conn = state.db.conn()?;
    let now = state.now();
    let organisation_id = match organisation {
        Some(id) => id,
        None if role == "admin" => write(&mut conn, |c| accounts::administration(c, now))?
            .id
            .to_string(),
        None => bail!("--organisation is required for role {role}"),
    };
    let new = NewAccount {
        full_name: full_name.unwrap_or_else(|| username.clone()),
        username,
        email,
        password,
        role,
        organisation_id,
    };
    let user = accounts::create(&mut conn, new, now)
        .map_err(|e| refusal(e).context("cannot create the user"))?
        .user;
    println!("created user {} ({})", user.username, user.id);
    Ok(())
}

/// `qorgau user deactivate|reactivate|reset-password USERNAME`: the use cases of the API's
/// administrator, run by the operator at the console.
fn manage_user(state: &AppState, command: ManageUser) -> anyhow::Result<()> {
    let mut conn = state.db.conn()?;
    let operator = Operator::Console { at: state.now() };
    let named = |conn: &mut _, username: &str| match users::id_of(conn, username) {
        Err(AppError::NotFound) => Err(anyhow::anyhow!("no user named {username}")),
        other => Ok(other?),
    };
    match command {
        ManageUser::Deactivate { username } => {
            let id = named(&mut conn, &username)?;
            let account = users::deactivate(&mut conn, &operator, id).map_err(refusal)?;
            println!(
                "deactivated {} ({}): its logins are ended",
                account.user.username, account.user.id
            );
        }
        ManageUser::Reactivate { username } => {
            let id = named(&mut conn, &username)?;
            let account = users::reactivate(&mut conn, &operator, id).map_err(refusal)?;
            println!(
                "reactivated {} ({})",
                account.user.username, account.user.id
            );
        }
        ManageUser::ResetPassword {
            username,
            password_stdin,
        } => {
            let chosen = password_stdin.then(read_password).transpose()?;
            let id = named(&mut conn, &username)?;
            let reset = users::reset_password(&mut conn, &operator, id, chosen).map_err(refusal)?;
            match reset.temporary_password {
                Some(password) => println!(
                    "temporary password of {} (shown once; to be changed at the next sign-in): {password}",
                    reset.account.user.username
                ),
                None => println!(
                    "password of {} set; to be changed at the next sign-in",
                    reset.account.user.username
                ),
            }
        }
    }
    Ok(())
}

/// A use case's refusal as the message the operator reads.
fn refusal(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) => {
            let lines: Vec<_> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("invalid:\n  {}", lines.join("\n  "))
        }
        AppError::Conflict { detail, .. } => anyhow::anyhow!("refused: {detail}"),
        other => other.into(),
    }
}

/// The first line of standard input, without its line end.
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

/// The state with migrations applied, for commands that write.
fn ready(config: Config) -> anyhow::Result<AppState> {
    let state = AppState::open(config)?;
    state.migrate()?;
    Ok(state)
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(qorgau_api::serve(config))?;
    Ok(())
}
