//! The audit log of the generated history: one entry per access to a child's data, kept compact
//! in memory (tens of millions of them), then sorted by time and sealed into the hash chain with
//! the domain's own `chain_hash` — the rows look exactly as if the sealer had sealed them.

use qorgau_domain::audit::{AuditEntry, GENESIS, chain_hash};

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

/// Seals sorted entries one after the other into the chain: position and previous hash.
pub struct Sealer {
    pub seq: i64,
    pub prev: String,
}

impl Sealer {
    pub fn new() -> Sealer {
        Sealer {
            seq: 0,
            prev: GENESIS.to_string(),
        }
    }

    /// Writes `e` as the next row of the chain.
    pub fn seal(&mut self, world: &World, e: &Entry, rows: &mut Rows) {
        let user = &world.users[e.user as usize];
        let entry = AuditEntry {
            id: uuid::Uuid::from_u128(e.id).to_string(),
            at: to_naive(e.at),
            user_id: Some(uuid::Uuid::from_u128(user.id).to_string()),
            action: e.action.as_str().into(),
            resource: e.resource.as_str().into(),
            resource_id: uuid::Uuid::from_u128(e.resource_id).to_string(),
            child_id: Some(uuid::Uuid::from_u128(e.child).to_string()),
            ip: Some(world.ip(e.user as usize)),
            // The server's request ids are 32 hex digits; one per request, derived from the
            // entry's random bits so that it costs no memory.
            request_id: Some(format!("{:032x}", mix(e.id))),
            break_glass: false,
        };
        self.seq += 1;
        let hash = chain_hash(self.seq, &self.prev, &entry);
        rows.text(&entry.id)
            .ts(e.at)
            .opt_text(entry.user_id.as_deref())
            .text(&entry.action)
            .text(&entry.resource)
            .text(&entry.resource_id)
            .opt_text(entry.child_id.as_deref())
            .text(REGIONS[usize::from(e.region)].code)
            .opt_text(entry.ip.as_deref())
            .opt_text(entry.request_id.as_deref())
            .bool(entry.break_glass)
            .int(self.seq)
            .text(&self.prev)
            .text(&hash)
            .end();
        self.prev = hash;
    }
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
