//! The audit log of the generated history: one entry per access to a child's data, kept compact
//! in memory (tens of millions of them), then sorted by time and sealed into the hash chain with
//! the domain's own `keyed_hash` and the configured key — the rows look exactly as if the
//! sealer had sealed them.

use qorgau_domain::audit::{AuditEntry, AuditKey, GENESIS, keyed_hash};

use super::geography::REGIONS;
use super::rows::Rows;
use super::time::{Micros, to_naive};
use super::world::World;

#[derive(Clone, Copy)]
pub enum Action {
    Read,
    Create,
    Update,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
        }
    }
}

#[derive(Clone, Copy)]
pub enum Resource {
    Child,
    Signal,
    Case,
    Assessment,
    Plan,
    Intervention,
    Referral,
    Relation,
    Consent,
}

impl Resource {
    fn as_str(self) -> &'static str {
        match self {
            Resource::Child => "child",
            Resource::Signal => "signal",
            Resource::Case => "case",
            Resource::Assessment => "assessment",
            Resource::Plan => "plan",
            Resource::Intervention => "intervention",
            Resource::Referral => "referral",
            Resource::Relation => "relation",
            Resource::Consent => "consent",
        }
    }
}

/// One entry, 64 bytes. The id leads with its timestamp, so sorting by id sorts by time.
pub struct Entry {
    pub id: u128,
    pub resource_id: u128,
    pub child: u128,
    pub at: Micros,
    pub user: u32,
    pub action: Action,
    pub resource: Resource,
    pub region: u8,
}

/// Sorts the entries into the chain's order.
pub fn sort(entries: &mut [Entry]) {
    entries.sort_unstable_by_key(|e| e.id);
}

/// The entry as the sealer reads it back from its row.
fn entry(world: &World, e: &Entry) -> AuditEntry {
    let user = e.user as usize;
    AuditEntry {
        id: uuid::Uuid::from_u128(e.id).to_string(),
        at: to_naive(e.at),
        user_id: Some(uuid::Uuid::from_u128(world.users[user].id).to_string()),
        action: e.action.as_str().into(),
        resource: e.resource.as_str().into(),
        resource_id: uuid::Uuid::from_u128(e.resource_id).to_string(),
        child_id: Some(uuid::Uuid::from_u128(e.child).to_string()),
        region_code: Some(REGIONS[usize::from(e.region)].code.to_string()),
        ip: Some(world.ip(user)),
        request_id: Some(request_id(e)),
        break_glass: false,
    }
}

/// The server's request ids are 32 hex digits; one per request, derived from the entry's
/// random bits so that it costs no memory.
fn request_id(e: &Entry) -> String {
    format!("{:032x}", mix(e.id))
}

/// Each sorted entry's hash in the chain (position = index + 1): the one sequential step, done
/// apart from writing the rows so that it can overlap the database's index builds.
pub fn chain(world: &World, key: &AuditKey, entries: &[Entry]) -> Vec<[u8; 32]> {
    let mut hashes = Vec::with_capacity(entries.len());
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let seq = i64::try_from(i).unwrap_or(i64::MAX - 1) + 1;
        prev = keyed_hash(key, seq, &prev, &entry(world, e));
        hashes.push(unhex(&prev));
    }
    hashes
}

/// The sealed rows of `entries[from..to]`.
pub fn write(world: &World, entries: &[Entry], hashes: &[[u8; 32]], from: usize, rows: &mut Rows) {
    let mut prev = match from.checked_sub(1) {
        Some(i) => hex(&hashes[i]),
        None => GENESIS.to_string(),
    };
    for (i, e) in entries.iter().enumerate() {
        let user = e.user as usize;
        let hash = hex(&hashes[from + i]);
        rows.id(e.id)
            .ts(e.at)
            .id(world.users[user].id)
            .text(e.action.as_str())
            .text(e.resource.as_str())
            .id(e.resource_id)
            .id(e.child)
            .text(REGIONS[usize::from(e.region)].code)
            .text(&world.ip(user))
            .text(&request_id(e))
            .bool(false)
            .big(i64::try_from(from + i).unwrap_or(i64::MAX - 1) + 1)
            .text(&prev)
            .text(&hash)
            .end();
        prev = hash;
    }
}

fn unhex(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = text
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

pub fn hex(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The hash before the first entry.
pub fn genesis() -> String {
    GENESIS.to_string()
}

/// A 128-bit mix (two rounds of SplitMix64), for ids derived from ids.
fn mix(x: u128) -> u128 {
    let step = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (hi, lo) = ((x >> 64) as u64, x as u64);
    (u128::from(step(hi ^ lo.rotate_left(17))) << 64) | u128::from(step(lo ^ hi))
}
