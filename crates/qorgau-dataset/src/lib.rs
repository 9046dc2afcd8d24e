//! The dataset generator behind `qorgau demo --scale national|region|small`: ten years of child-protection history generated
//! for benchmarks and tests — children with valid IINs and Kazakh or Russian names, signals,
//! triage, cases with their assessments, plans, interventions, referrals and deadlines, the
//! timeline and the sealed audit chain, and the organisations and staff that did the work —
//! written as the API would have written it (UUIDv7 ids, codes, case numbers, timeline events).
//!
//! `national` is the target of targets.md § Dataset (1 M children, about 3 M signals, 500 k
//! cases of which about 40 k open, 5 M interventions, 1 M referrals, 20 M audit entries);
//! `region` a tenth of it, `small` a thousandth, for quick runs and tests.
//!
//! The same `--seed` and `--end` give the same rows (passwords aside, see `cast`). The generator
//! refuses a database that already holds any of its tables' rows unless `--force`, which empties
//! them first: replacing a database's children by invented ones must not happen by accident.
//!
//! How it runs: every child's outline first (cheap, and case numbers, staffing and IINs need
//! them all), then one thread tells the stories and seals the audit chain while the main thread
//! streams the rows into the database (`load`): on two cores, generation and PostgreSQL's
//! `COPY` each keep one busy.
//!
//! A library of its own, apart from the server binary, so that benchmarks and demonstrations
//! can generate the same data; [`run`] is its entry point. With the `clap` feature, [`Scale`]
//! is a command-line value.

mod audit;
mod cast;
mod distributions;
mod geography;
mod load;
mod outline;
mod people;
mod random;
mod rows;
mod story;
mod texts;
mod time;
mod world;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use qorgau_api::AppState;
use qorgau_domain::audit::{AuditKey, Checkpoint, Head};
use qorgau_persistence::DbConnection;

use self::cast::{Cast, Records};
use self::geography::{Geography, REGIONS};
use self::load::{Dropped, Target};
use self::outline::{Child, Span};
use self::people::NameBook;
use self::random::{Gen, Stream};
use self::rows::{Batch, Encoding, Rows, Table};
use self::story::Teller;
use self::time::{DAY, Deadlines, Micros, SECOND, local_year};
use self::world::{OPEN_CASES_PER_MANAGER, World};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Scale {
    /// 1 M children: the ten-year national picture.
    National,
    /// 100 k children, a tenth.
    Region,
    /// 1 k children, for quick runs and tests.
    Small,
}

impl Scale {
    fn children(self) -> u32 {
        match self {
            Scale::National => 1_000_000,
            Scale::Region => 100_000,
            Scale::Small => 1_000,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scale::National => "national",
            Scale::Region => "region",
            Scale::Small => "small",
        }
    }
}

pub struct Options {
    pub scale: Scale,
    pub seed: u64,
    pub force: bool,
    pub credentials: Option<PathBuf>,
    /// The end of the history; now when not given.
    pub end: Option<DateTime<Utc>>,
    /// How many children, when not the scale's number.
    pub children: Option<u32>,
}

/// Children per batch handed from the generator to the loader: large enough that a `COPY` per
/// table and batch costs nothing, small enough to keep a few batches in memory.
const CHILDREN_PER_BATCH: usize = 4000;
/// Audit rows per batch.
const AUDIT_PER_BATCH: usize = 200_000;
/// What a child's history takes in PostgreSQL, indexes included (measured at `region` scale),
/// to say up front how much free disk a run needs.
const BYTES_PER_CHILD: f64 = 37_000.0;

pub fn run(state: &AppState, options: &Options) -> anyhow::Result<()> {
    let started = Instant::now();
    let end = options.end.unwrap_or_else(Utc::now).timestamp_micros() / SECOND * SECOND;
    let span = Span::ending(end);
    let seed = options.seed;
    let geo = Geography::new();
    let names = NameBook::new();
    let mut deadlines = Deadlines::new(&state.rules.protocols, &state.rules.calendar);

    let count = options.children.unwrap_or(options.scale.children());
    let mut conn = state.db.conn()?;
    // Refused before any work; checked again in the load's transaction, which is what counts.
    in_transaction(&mut conn, |target| ensure_empty(target, options.force))?;
    eprintln!(
        "generating {count} children's histories: about {:.1} GB once in PostgreSQL",
        f64::from(count) * BYTES_PER_CHILD / 1e9
    );
    let mut children: Vec<Child> = (0..count)
        .map(|n| outline::draw(seed, n, span, &geo, &names, &mut deadlines))
        .collect();
    outline::assign_iins(&mut children);
    let small = options.scale == Scale::Small;
    let mut rng = Gen::new(seed, Stream::World);
    let world = world::build(
        &mut rng,
        &names,
        &geo,
        &managers_needed(&children, &geo, end),
        small,
        span.start - 30 * DAY,
    );
    let counters = number_cases(&mut children, &geo);
    assign_managers(&mut children, &geo, &world, end, &mut rng);
    let cast = Cast::choose(&world, &geo, &children, end)?;
    eprintln!(
        "outlined {count} children in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let teller = Teller {
        seed,
        end,
        geo: &geo,
        names: &names,
        world: &world,
        protocols: &state.rules.protocols,
        deadlines,
        audit: Vec::new(),
    };
    let loaded = in_transaction(&mut conn, |target| {
        ensure_empty(target, options.force)?;
        let dropped = target.prepare()?;
        let encoding = target.encoding();
        let mut counts = vec![0usize; Table::ALL.len()];
        let mut reference = Batch::new(encoding);
        reference_rows(&mut reference, &geo, &world, &cast, &counters);
        load_batch(target, reference, &mut counts)?;
        let produced = std::thread::scope(|s| {
            let (tx, rx) = sync_channel(2);
            let producer = s.spawn(|| {
                produce(
                    teller,
                    &children,
                    encoding,
                    cast.manager,
                    &state.audit_key,
                    tx,
                )
            });
            let consumed = consume(target, rx, &mut counts, &dropped);
            let produced = producer
                .join()
                .map_err(|_| anyhow::anyhow!("the generator panicked"))?;
            consumed?;
            produced
        })?;
        let restoring = Instant::now();
        target.restore(&dropped, |table| table == Table::Audit.name())?;
        eprintln!(
            "audit log indexed in {:.0} s",
            restoring.elapsed().as_secs_f64()
        );
        let head = Checkpoint::sign(&state.audit_key, produced.seq, produced.hash, Utc::now());
        target.audit_head(&Head::sealed(1, &head))?;
        Ok((produced.records, counts, head))
    });
    let (records, counts, head) = loaded?;
    replace_checkpoints(&state.config.data_dir, &head)?;
    // The rows went in by COPY, past the use cases that keep the report facts.
    let rebuilding = Instant::now();
    qorgau_app::facts::rebuild(&mut conn)?;
    eprintln!(
        "report facts rebuilt in {:.0} s",
        rebuilding.elapsed().as_secs_f64()
    );
    let analysing = Instant::now();
    conn.batch_execute("ANALYZE")?;
    let analyse_time = analysing.elapsed();

    println!(
        "Generated the {} dataset (seed {seed}, ending {}) in {:.0} s (statistics {:.0} s).",
        options.scale.name(),
        time::to_utc(end).format("%Y-%m-%dT%H:%M:%SZ"),
        started.elapsed().as_secs_f64(),
        analyse_time.as_secs_f64(),
    );
    for (table, n) in Table::ALL.iter().zip(&counts) {
        println!("  {:<22} {n:>11}", table.name());
    }
    if let Some(size) = database_size(&mut conn)? {
        println!("Database size: {size}.");
    }
    let mut header = format!(
        "qorgau demo --scale {} --seed {seed} --end {}",
        options.scale.name(),
        time::to_utc(end).format("%Y-%m-%dT%H:%M:%SZ")
    );
    if let Some(n) = options.children {
        header = format!("{header} --children {n}");
    }
    let text = cast::render(&cast, &records, &world, &header);
    match &options.credentials {
        Some(path) => {
            cast::write(path, &text)
                .with_context(|| format!("writing the credentials to {}", path.display()))?;
            println!(
                "Credentials and benchmark ids written to {}.",
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Exports the generated chain's head as the sealer would, after moving aside the checkpoints
/// of whatever chain this data directory served before: they describe another chain now.
fn replace_checkpoints(data_dir: &std::path::Path, head: &Checkpoint) -> anyhow::Result<()> {
    let file = data_dir.join(qorgau_app::audit::CHECKPOINT_FILE);
    if file.exists() {
        let aside = file.with_extension(format!("replaced-{}", Utc::now().format("%Y%m%dT%H%M%S")));
        std::fs::rename(&file, &aside)
            .with_context(|| format!("moving {} aside", file.display()))?;
        eprintln!(
            "the audit checkpoints of the replaced data are kept in {}",
            aside.display()
        );
    }
    qorgau_app::audit::export(data_dir, head);
    Ok(())
}

fn ensure_empty(target: &mut Target<'_>, force: bool) -> anyhow::Result<()> {
    if !force && target.holds_data()? {
        anyhow::bail!(
            "the database already holds data (organisations, users, children or cases); \
             `--force` replaces it with the generated dataset"
        );
    }
    Ok(())
}

fn in_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut Target<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    match conn {
        DbConnection::Postgres(pg) => pg.transaction(|pg| f(&mut Target::Postgres(pg))),
        DbConnection::Sqlite(lite) => {
            lite.immediate_transaction(|lite| f(&mut Target::Sqlite(lite)))
        }
    }
}

/// Case managers per region: enough for about 40 open cases each.
fn managers_needed(children: &[Child], geo: &Geography, end: Micros) -> Vec<usize> {
    let mut open = vec![0usize; REGIONS.len()];
    for child in children {
        let region = geo.districts[child.district].region;
        open[region] += child.cases.iter().filter(|c| c.open_at(end)).count();
    }
    open.iter()
        .map(|n| ((n + OPEN_CASES_PER_MANAGER / 2) / OPEN_CASES_PER_MANAGER).max(1))
        .collect()
}

/// Numbers cases per region and year in order of opening, as `cases::next_number` does; returns
/// the counters' last values.
fn number_cases(children: &mut [Child], geo: &Geography) -> Vec<(usize, i32, i32)> {
    let mut order: Vec<(usize, i32, Micros, usize, usize)> = Vec::new();
    for (i, child) in children.iter().enumerate() {
        let region = geo.districts[child.district].region;
        for (c, case) in child.cases.iter().enumerate() {
            order.push((region, local_year(case.opened), case.opened, i, c));
        }
    }
    order.sort_unstable();
    let mut counters: HashMap<(usize, i32), i32> = HashMap::new();
    for (region, year, _, i, c) in order {
        let n = counters.entry((region, year)).or_insert(0);
        *n += 1;
        children[i].cases[c].number = *n;
    }
    let mut last: Vec<(usize, i32, i32)> =
        counters.into_iter().map(|((r, y), n)| (r, y, n)).collect();
    last.sort_unstable();
    last
}

/// Gives each case its manager: a case still open at the end goes to the least-loaded manager of
/// its region (what a supervisor balancing caseloads does), a closed one to any of them.
fn assign_managers(
    children: &mut [Child],
    geo: &Geography,
    world: &World,
    end: Micros,
    rng: &mut Gen,
) {
    let mut order: Vec<(Micros, usize, usize)> = Vec::new();
    for (i, child) in children.iter().enumerate() {
        for (c, case) in child.cases.iter().enumerate() {
            order.push((case.opened, i, c));
        }
    }
    order.sort_unstable();
    let mut load: HashMap<usize, usize> = HashMap::new();
    for (_, i, c) in order {
        let region = geo.districts[children[i].district].region;
        let managers = &world.regions[region].managers;
        let case = &mut children[i].cases[c];
        let manager = if case.open_at(end) {
            *managers
                .iter()
                .min_by_key(|m| load.get(m).copied().unwrap_or(0))
                .unwrap_or(&managers[0])
        } else {
            *rng.pick(managers)
        };
        if case.open_at(end) {
            *load.entry(manager).or_insert(0) += 1;
        }
        case.manager = Some(manager);
    }
}

/// Districts, organisations, users and the case-number counters.
fn reference_rows(
    out: &mut Batch,
    geo: &Geography,
    world: &World,
    cast: &Cast,
    counters: &[(usize, i32, i32)],
) {
    for d in &geo.districts {
        out.rows(Table::Districts)
            .text(&d.code)
            .text(REGIONS[d.region].code)
            .text(&d.name_kk)
            .text(&d.name_ru)
            .text(&d.name_en)
            .end();
    }
    for o in &world.orgs {
        out.rows(Table::Organisations)
            .id(o.id)
            .text(&o.name)
            .text(o.kind.as_str())
            .text(REGIONS[o.region].code)
            .opt_text(o.district.map(|d| geo.districts[d].code.as_str()))
            .opt_text(o.email.as_deref())
            .ts(o.created_at)
            .end();
    }
    for (i, u) in world.users.iter().enumerate() {
        out.rows(Table::Users)
            .id(u.id)
            .text(&u.username)
            .text(&u.full_name)
            .opt_text(u.email.as_deref())
            .text(cast.hash_of(i))
            .text(u.role.as_str())
            .id(world.orgs[u.org].id)
            .bool(true)
            .ts(u.created_at)
            .end();
    }
    for (region, year, last) in counters {
        out.rows(Table::CaseNumbers)
            .text(REGIONS[*region].code)
            .int(*year)
            .int(*last)
            .end();
    }
}

enum Message {
    Batch(Batch),
    /// Every story is told: the loader indexes their tables while the audit chain is sealed.
    StoriesDone,
    Rows(Rows),
}

struct Produced {
    records: Records,
    seq: i64,
    hash: String,
}

/// The generator's side: stories in batches, then the audit chain.
fn produce(
    mut teller: Teller<'_>,
    children: &[Child],
    encoding: Encoding,
    manager: usize,
    key: &AuditKey,
    tx: SyncSender<Message>,
) -> anyhow::Result<Produced> {
    let started = Instant::now();
    let send_failed = || anyhow::anyhow!("the loader stopped");
    // Time spent waiting for the loader: the database is the bottleneck when it grows.
    let waited = std::cell::Cell::new(std::time::Duration::ZERO);
    let send = |m: Message| {
        let t = Instant::now();
        let sent = tx.send(m).map_err(|_| send_failed());
        waited.set(waited.get() + t.elapsed());
        sent
    };
    let mut records = Records::default();
    let region = geography::region_index(cast::REGION).unwrap_or(0);
    // Children are told in the order of their ids: every index led by a child id is then
    // built from sorted input, and each child's rows sit together on disk.
    let mut order: Vec<(u128, u32)> = (0..u32::try_from(children.len())?)
        .map(|n| {
            (
                story::child_id(teller.seed, n, &children[n as usize], teller.end),
                n,
            )
        })
        .collect();
    order.sort_unstable();
    for (k, chunk) in order.chunks(CHILDREN_PER_BATCH).enumerate() {
        let mut batch = Batch::new(encoding);
        for &(_, n) in chunk {
            let child = &children[n as usize];
            let told = teller.tell(n, child, &mut batch);
            let in_region = teller.geo.districts[child.district].region == region;
            records.consider(&told, in_region, manager);
        }
        send(Message::Batch(batch))?;
        let done = (k + 1) * CHILDREN_PER_BATCH;
        if done.is_multiple_of(100_000) {
            eprintln!(
                "told {done} children's stories in {:.0} s ({:.0} s waiting for the database)",
                started.elapsed().as_secs_f64(),
                waited.get().as_secs_f64()
            );
        }
    }
    send(Message::StoriesDone)?;
    let mut entries = std::mem::take(&mut teller.audit);
    audit::sort(&mut entries);
    let sealing = Instant::now();
    let hashes = audit::chain(teller.world, key, &entries);
    eprintln!(
        "sealed {} audit entries in {:.0} s",
        entries.len(),
        sealing.elapsed().as_secs_f64()
    );
    let mut from = 0;
    for chunk in entries.chunks(AUDIT_PER_BATCH) {
        let mut rows = Rows::new(Table::Audit, encoding);
        audit::write(teller.world, chunk, &hashes, from, &mut rows);
        from += chunk.len();
        send(Message::Rows(rows))?;
    }
    let last = hashes.last().map_or(audit::genesis(), audit::hex);
    Ok(Produced {
        records,
        seq: i64::try_from(entries.len())?,
        hash: last,
    })
}

/// The loader's side.
fn consume(
    target: &mut Target<'_>,
    rx: Receiver<Message>,
    counts: &mut [usize],
    dropped: &Dropped,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for message in rx {
        match message {
            Message::Batch(batch) => load_batch(target, batch, counts)?,
            Message::StoriesDone => {
                eprintln!("stories loaded in {:.0} s", started.elapsed().as_secs_f64());
                let indexing = Instant::now();
                target.restore(dropped, |table| table != Table::Audit.name())?;
                eprintln!(
                    "stories indexed in {:.0} s",
                    indexing.elapsed().as_secs_f64()
                );
            }
            Message::Rows(rows) => {
                counts[rows.table.index()] += rows.count;
                target.load(rows)?;
            }
        }
    }
    Ok(())
}

fn load_batch(target: &mut Target<'_>, batch: Batch, counts: &mut [usize]) -> anyhow::Result<()> {
    for rows in batch.tables {
        let table = rows.table;
        counts[table.index()] += rows.count;
        target
            .load(rows)
            .with_context(|| format!("loading {}", table.name()))?;
    }
    Ok(())
}

/// The database's size on disk, on PostgreSQL.
fn database_size(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    #[derive(diesel::QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::Text)]
        size: String,
    }
    Ok(match conn {
        DbConnection::Postgres(pg) => {
            let size: Size = diesel::RunQueryDsl::get_result(
                diesel::sql_query(
                    "SELECT pg_size_pretty(pg_database_size(current_database())) AS size",
                ),
                pg,
            )?;
            Some(size.size)
        }
        DbConnection::Sqlite(_) => None,
    })
}
