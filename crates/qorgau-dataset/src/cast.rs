//! The accounts and records a benchmark or a test uses: a few representative users with their own
//! passwords, a case manager with about 40 open cases and one of those cases, a child with about
//! 50 timeline events. Written as `KEY=value` lines (a shell can `source` them) to the file given
//! by `--credentials`, and printed.
//!
//! Passwords are random at every run, not derived from the seed: the dataset is reproducible, its
//! passwords are not guessable. Hashing is argon2id at the server's cost (tens of milliseconds
//! each), so only the representatives get their own; every other generated account shares one
//! password, hashed once.

use std::fmt::Write as _;
use std::path::Path;

use qorgau_app::passwords;
use qorgau_app::secrets::random_token;
use qorgau_domain::organisation::OrganisationKind;

use super::geography::{Geography, region_index};
use super::outline::Child;
use super::world::{OPEN_CASES_PER_MANAGER, World};

/// The region the representatives come from: the largest.
pub const REGION: &str = "KZ-75";
/// The timeline length the benchmark asks for.
const TIMELINE_EVENTS: usize = 50;

pub struct Cast {
    /// (key, user index, password)
    pub people: Vec<(&'static str, usize, String)>,
    pub shared_password: String,
    pub shared_hash: String,
    /// Per user, their own hash if they have one.
    hashes: Vec<Option<String>>,
    pub manager: usize,
    pub manager_open: usize,
}

impl Cast {
    /// Picks the representatives and hashes their passwords.
    pub fn choose(
        world: &World,
        geo: &Geography,
        children: &[Child],
        end: i64,
    ) -> anyhow::Result<Cast> {
        let region = region_index(REGION).unwrap_or(0);
        let mut open = vec![0usize; world.users.len()];
        for case in children.iter().flat_map(|c| &c.cases) {
            if let Some(m) = case
                .manager
                .filter(|_| case.open_at(end) && case.assigned <= end)
            {
                open[m] += 1;
            }
        }
        let closest = |managers: &[usize]| {
            managers
                .iter()
                .copied()
                .filter(|m| open[*m] > 0)
                .min_by_key(|m| open[*m].abs_diff(OPEN_CASES_PER_MANAGER))
        };
        let manager = closest(&world.regions[region].managers)
            .or_else(|| {
                let all: Vec<usize> = world
                    .regions
                    .iter()
                    .flat_map(|r| r.managers.clone())
                    .collect();
                closest(&all)
            })
            .unwrap_or(world.regions[region].managers[0]);
        let district = geo.by_region[region][0];
        let specialist = world
            .nearest(OrganisationKind::PsychologicalSupportCentre, district)
            .and_then(|org| world.specialists[org].first().copied())
            .unwrap_or(world.admin);
        let analyst = world
            .users
            .iter()
            .position(|u| u.username == "national.analyst.1")
            .unwrap_or(world.admin);
        let picked = [
            ("ADMIN", world.admin),
            ("SUPERVISOR", world.regions[region].supervisors[0]),
            ("MANAGER", manager),
            ("INTAKE", world.districts[district].intake),
            ("MOBILE", world.districts[district].mobile[0]),
            ("SPECIALIST", specialist),
            ("ANALYST", analyst),
        ];
        let mut hashes = vec![None; world.users.len()];
        let mut people = Vec::new();
        for (key, user) in picked {
            let password = random_token();
            hashes[user] = Some(hash(&password)?);
            people.push((key, user, password));
        }
        let shared_password = random_token();
        Ok(Cast {
            people,
            shared_hash: hash(&shared_password)?,
            shared_password,
            hashes,
            manager,
            manager_open: open[manager],
        })
    }

    pub fn hash_of(&self, user: usize) -> &str {
        self.hashes[user].as_deref().unwrap_or(&self.shared_hash)
    }
}

fn hash(password: &str) -> anyhow::Result<String> {
    passwords::hash(password).map_err(|_| anyhow::anyhow!("hashing a password failed"))
}

/// The records the benchmark reads, found while the stories are told.
#[derive(Default)]
pub struct Records {
    /// An open case of the representative manager.
    pub manager_case: Option<u128>,
    /// (child id, events, has an open case of the representative manager)
    pub timeline_child: Option<(u128, usize, bool)>,
}

impl Records {
    /// Considers a told child of `region` for the timeline benchmark: one of the representative
    /// manager's children with close to 50 events, else any child of the region.
    pub fn consider(&mut self, told: &super::story::Told, in_region: bool, manager: usize) {
        let mine = told
            .open_case
            .is_some_and(|(_, assignee)| assignee == Some(manager));
        if mine && self.manager_case.is_none() {
            self.manager_case = told.open_case.map(|(id, _)| id);
        }
        if !(mine || in_region) || told.events == 0 {
            return;
        }
        let distance = told.events.abs_diff(TIMELINE_EVENTS);
        let better = match self.timeline_child {
            None => true,
            Some((_, events, was_mine)) => {
                (mine && !was_mine)
                    || (mine == was_mine && distance < events.abs_diff(TIMELINE_EVENTS))
            }
        };
        if better {
            self.timeline_child = Some((told.child_id, told.events, mine));
        }
    }
}

/// The credentials and ids as `KEY=value` lines.
pub fn render(cast: &Cast, records: &Records, world: &World, header: &str) -> String {
    let mut out = format!("# {header}\n");
    let _ = writeln!(out, "DEMO_REGION={REGION}");
    for (key, user, password) in &cast.people {
        let _ = writeln!(out, "DEMO_{key}_USERNAME={}", world.users[*user].username);
        let _ = writeln!(out, "DEMO_{key}_PASSWORD={password}");
    }
    let _ = writeln!(out, "DEMO_MANAGER_OPEN_CASES={}", cast.manager_open);
    if let Some(case) = records.manager_case {
        let _ = writeln!(out, "DEMO_MANAGER_CASE_ID={}", uuid::Uuid::from_u128(case));
    }
    if let Some((child, events, _)) = records.timeline_child {
        let _ = writeln!(
            out,
            "DEMO_TIMELINE_CHILD_ID={}",
            uuid::Uuid::from_u128(child)
        );
        let _ = writeln!(out, "DEMO_TIMELINE_EVENTS={events}");
    }
    let _ = writeln!(
        out,
        "# Every other generated account (e.g. kz-71.manager.001) has this password:"
    );
    let _ = writeln!(out, "DEMO_OTHER_USERS_PASSWORD={}", cast.shared_password);
    out
}

/// Writes the credentials, readable by the owner only: they are passwords.
pub fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())?;
    Ok(())
}
