//! The audit chain (brief § 5): every read and write of a child's personal data leaves an entry;
//! entries are chained by hash so that an edited, inserted or deleted row is detectable.
//!
//! Entries are written without a hash in the transaction of the access they record and are
//! *sealed* afterwards, in one order, by a single sealer at a time: sealing gives each entry its
//! position `seq`, the previous entry's hash and its own. Chaining at write time instead would
//! serialise every audited request on one lock held until commit.
//!
//! The hash is an HMAC-SHA256 under a key the database does not hold ([`AuditKey`]), over every
//! column of the entry: someone who can write to the database but lacks the key cannot make an
//! edited, deleted or inserted entry verify by recomputing the hashes. The sealer signs the
//! chain's end ([`Checkpoint`]) in the database and exports it outside (a file and the log); a
//! chain that no longer contains an exported checkpoint was rewritten or cut short, even by
//! someone holding the key. Entries sealed before the key existed (below `keyed_from`) keep their
//! unkeyed SHA-256 ([`legacy_hash`]) and are covered by the first keyed entry, whose hash
//! includes theirs.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says, as stored: every column of `audit_log` but its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: String,
    pub at: NaiveDateTime,
    pub user_id: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_id: String,
    pub child_id: Option<String>,
    /// The record's region: which supervisor's review lists the entry.
    pub region_code: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub break_glass: bool,
}

/// The chain's secret: HMAC-SHA256 keyed with at least 32 bytes. It lives in the environment or
/// a file of the application host, never in the database. `Debug` does not show it.
#[derive(Clone)]
pub struct AuditKey(Hmac<Sha256>);

impl AuditKey {
    /// The shortest secret accepted, in bytes.
    pub const MIN_LEN: usize = 32;

    /// `None` when `secret` is shorter than [`AuditKey::MIN_LEN`].
    pub fn new(secret: &[u8]) -> Option<AuditKey> {
        if secret.len() < Self::MIN_LEN {
            return None;
        }
        Hmac::new_from_slice(secret).ok().map(AuditKey)
    }

    /// A MAC over fields, starting with `purpose` so that no value signed for one purpose (an
    /// entry) passes for another (a checkpoint).
    fn fields(&self, purpose: &str) -> Fields {
        Fields(self.0.clone()).text(purpose)
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// Fields written unambiguously into a MAC: texts length-prefixed, an absent value distinct
/// from every text, numbers fixed-width. No two different sequences of fields write alike.
struct Fields(Hmac<Sha256>);

impl Fields {
    fn bytes(mut self, b: &[u8]) -> Self {
        self.0.update(b);
        self
    }

    fn text(self, s: &str) -> Self {
        self.bytes(&(s.len() as u64).to_be_bytes())
            .bytes(s.as_bytes())
    }

    fn opt(self, s: Option<&str>) -> Self {
        match s {
            None => self.bytes(&[0]),
            Some(s) => self.bytes(&[1]).text(s),
        }
    }

    fn int(self, n: i64) -> Self {
        self.bytes(&n.to_be_bytes())
    }

    /// Seconds and nanoseconds: every digit either database keeps.
    fn time(self, t: NaiveDateTime) -> Self {
        let t = t.and_utc();
        self.int(t.timestamp())
            .bytes(&t.timestamp_subsec_nanos().to_be_bytes())
    }

    fn flag(self, b: bool) -> Self {
        self.bytes(&[u8::from(b)])
    }

    fn hex(self) -> String {
        hex(&self.0.finalize().into_bytes())
    }
}

/// The hash of the entry at position `seq` following `prev_hash`: HMAC-SHA256 under `key` over
/// every field. A field added to [`AuditEntry`] does not compile here until it is hashed.
pub fn keyed_hash(key: &AuditKey, seq: i64, prev_hash: &str, entry: &AuditEntry) -> String {
    let AuditEntry {
        id,
        at,
        user_id,
        action,
        resource,
        resource_id,
        child_id,
        region_code,
        ip,
        request_id,
        break_glass,
    } = entry;
    key.fields("qorgau audit entry")
        .int(seq)
        .text(prev_hash)
        .text(id)
        .time(*at)
        .opt(user_id.as_deref())
        .text(action)
        .text(resource)
        .text(resource_id)
        .opt(child_id.as_deref())
        .opt(region_code.as_deref())
        .opt(ip.as_deref())
        .opt(request_id.as_deref())
        .flag(*break_glass)
        .hex()
}

/// The hash of entries sealed before the chain was keyed (below `keyed_from`): SHA-256 without
/// a key and without the region. Only verified, never used to seal; it must not change.
pub fn legacy_hash(seq: i64, prev_hash: &str, entry: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let at = entry.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let fields: [&str; 11] = [
        &seq.to_string(),
        prev_hash,
        &entry.id,
        &at,
        entry.user_id.as_deref().unwrap_or("-"),
        &entry.action,
        &entry.resource,
        &entry.resource_id,
        entry.child_id.as_deref().unwrap_or("-"),
        entry.ip.as_deref().unwrap_or("-"),
        entry.request_id.as_deref().unwrap_or("-"),
    ];
    for field in fields {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.update([u8::from(entry.break_glass)]);
    hex(&h.finalize())
}

/// Lower-case hexadecimal, as the chain's hashes and the webhooks' signatures are written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// "The chain had `seq` entries, the last hashing to `hash`, at `at`", signed with the key. The
/// sealer keeps the newest in the database (the head) and exports each one outside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    pub mac: String,
}

impl Checkpoint {
    /// Signs the chain's end. The time is kept to the microsecond, as both databases store it.
    pub fn sign(key: &AuditKey, seq: i64, hash: String, at: DateTime<Utc>) -> Checkpoint {
        let at = at.trunc_subsecs(6);
        let mac = Self::mac(key, seq, &hash, at);
        Checkpoint { seq, hash, at, mac }
    }

    pub fn is_signed_by(&self, key: &AuditKey) -> bool {
        Self::mac(key, self.seq, &self.hash, self.at) == self.mac
    }

    fn mac(key: &AuditKey, seq: i64, hash: &str, at: DateTime<Utc>) -> String {
        key.fields("qorgau audit checkpoint")
            .int(seq)
            .text(hash)
            .time(at.naive_utc())
            .hex()
    }
}

/// The chain's end as the database records it (`audit_head`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    /// The first position hashed with the key: 1 on a database created keyed; on one upgraded,
    /// the position after the last entry sealed before (set by the migration).
    pub keyed_from: i64,
    /// The sealer's signature of (`seq`, `hash`) and when it sealed: absent until an entry is
    /// sealed with the key.
    pub signed: Option<(DateTime<Utc>, String)>,
}

impl Head {
    /// The head after sealing up to `checkpoint`, signed by it.
    pub fn sealed(keyed_from: i64, checkpoint: &Checkpoint) -> Head {
        Head {
            seq: checkpoint.seq,
            hash: checkpoint.hash.clone(),
            keyed_from,
            signed: Some((checkpoint.at, checkpoint.mac.clone())),
        }
    }

    /// The head as a checkpoint, when signed.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.signed.as_ref().map(|(at, mac)| Checkpoint {
            seq: self.seq,
            hash: self.hash.clone(),
            at: *at,
            mac: mac.clone(),
        })
    }

    /// A head may be extended and trusted when signed with `key` — or while no entry has been
    /// sealed with the key yet (a new or just upgraded database), when there is nothing to sign.
    pub fn check(&self, key: &AuditKey) -> Result<(), ChainBreak> {
        if self.seq < self.keyed_from || self.checkpoint().is_some_and(|c| c.is_signed_by(key)) {
            Ok(())
        } else {
            Err(ChainBreak::HeadUnsigned { seq: self.seq })
        }
    }
}

/// A sealed entry as read back for verification.
#[derive(Clone, Debug)]
pub struct Sealed {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub entry: AuditEntry,
}

/// Why the chain does not verify, naming the first bad position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq} (id {id}) does not match its hash: it was edited")]
    Edited { seq: i64, id: String },
    #[error(
        "entry {seq} (id {id}) does not follow entry {expected_prev}: an entry before it was deleted or inserted"
    )]
    Gap {
        seq: i64,
        id: String,
        expected_prev: i64,
    },
    #[error(
        "the chain ends at entry {last} but its head records entry {head}: entries at the end were deleted"
    )]
    Truncated { last: i64, head: i64 },
    #[error(
        "the head (entry {seq}) is not signed with the audit key: it was rewritten, or the key is not the one the chain was sealed with"
    )]
    HeadUnsigned { seq: i64 },
    #[error(
        "the checkpoint of {at} (entry {seq}) is not signed with the audit key: it was altered, or the key is not the one that signed it"
    )]
    CheckpointUnsigned { seq: i64, at: DateTime<Utc> },
    #[error("entry {seq} is not the one the checkpoint of {at} recorded: the chain was rewritten")]
    Rewritten { seq: i64, at: DateTime<Utc> },
    #[error(
        "the chain ends at entry {last} but the checkpoint of {at} recorded entry {seq}: entries at the end were deleted and the head rewritten (or the database was restored from an older backup)"
    )]
    BeforeCheckpoint {
        last: i64,
        seq: i64,
        at: DateTime<Utc>,
    },
}

/// Verification of a whole chain, fed page by page in `seq` order from the genesis: each entry
/// follows the one before and matches its hash (keyed from `keyed_from` on, the legacy hash
/// before); the chain passes through every checkpoint; it ends at the signed head.
pub struct Walk<'k> {
    key: &'k AuditKey,
    keyed_from: i64,
    seq: i64,
    hash: String,
    /// Sorted by position; `checkpoints[next..]` are still ahead.
    checkpoints: Vec<Checkpoint>,
    next: usize,
}

impl<'k> Walk<'k> {
    /// Starts at the genesis; every checkpoint must be signed with `key`.
    pub fn new(
        key: &'k AuditKey,
        keyed_from: i64,
        mut checkpoints: Vec<Checkpoint>,
    ) -> Result<Walk<'k>, ChainBreak> {
        if let Some(c) = checkpoints.iter().find(|c| !c.is_signed_by(key)) {
            return Err(ChainBreak::CheckpointUnsigned {
                seq: c.seq,
                at: c.at,
            });
        }
        checkpoints.sort_by_key(|c| c.seq);
        let mut walk = Walk {
            key,
            keyed_from,
            seq: 0,
            hash: GENESIS.to_string(),
            checkpoints,
            next: 0,
        };
        walk.pass_checkpoints()?;
        Ok(walk)
    }

    /// The last position verified: the next page starts after it.
    pub fn position(&self) -> i64 {
        self.seq
    }

    pub fn page(&mut self, page: &[Sealed]) -> Result<(), ChainBreak> {
        for s in page {
            if s.seq != self.seq + 1 || s.prev_hash != self.hash {
                return Err(ChainBreak::Gap {
                    seq: s.seq,
                    id: s.entry.id.clone(),
                    expected_prev: self.seq,
                });
            }
            let expected = if s.seq < self.keyed_from {
                legacy_hash(s.seq, &s.prev_hash, &s.entry)
            } else {
                keyed_hash(self.key, s.seq, &s.prev_hash, &s.entry)
            };
            if expected != s.hash {
                return Err(ChainBreak::Edited {
                    seq: s.seq,
                    id: s.entry.id.clone(),
                });
            }
            self.seq = s.seq;
            self.hash.clone_from(&s.hash);
            self.pass_checkpoints()?;
        }
        Ok(())
    }

    /// The checkpoints at the current position must record its hash.
    fn pass_checkpoints(&mut self) -> Result<(), ChainBreak> {
        while let Some(c) = self
            .checkpoints
            .get(self.next)
            .filter(|c| c.seq <= self.seq)
        {
            if c.hash != self.hash {
                return Err(ChainBreak::Rewritten {
                    seq: c.seq,
                    at: c.at,
                });
            }
            self.next += 1;
        }
        Ok(())
    }

    /// After the last page: the chain must end at the head, the head be signed, and no
    /// checkpoint lie beyond the end. Returns the number of entries.
    pub fn finish(self, head: &Head) -> Result<i64, ChainBreak> {
        if self.seq != head.seq || self.hash != head.hash {
            return Err(ChainBreak::Truncated {
                last: self.seq,
                head: head.seq,
            });
        }
        head.check(self.key)?;
        if let Some(c) = self.checkpoints.get(self.next) {
            return Err(ChainBreak::BeforeCheckpoint {
                last: self.seq,
                seq: c.seq,
                at: c.at,
            });
        }
        Ok(self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn key() -> AuditKey {
        AuditKey::new(b"an audit key of thirty-two bytes or more").expect("long enough")
    }

    fn entry(n: u32) -> AuditEntry {
        AuditEntry {
            id: format!("id-{n}"),
            at: NaiveDate::from_ymd_opt(2026, 11, 25)
                .and_then(|d| d.and_hms_micro_opt(10, 0, n, 123_456))
                .expect("valid"),
            user_id: Some("u".into()),
            action: "read".into(),
            resource: "case".into(),
            resource_id: format!("c-{n}"),
            child_id: Some("k".into()),
            region_code: Some("KZ-71".into()),
            ip: Some("127.0.0.1".into()),
            request_id: None,
            break_glass: false,
        }
    }

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0)
            .single()
            .expect("valid")
    }

    /// Entries 1..=n, those below `keyed_from` sealed the legacy way, the rest with `key`.
    fn chain(n: u32, keyed_from: i64, key: &AuditKey) -> Vec<Sealed> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let (seq, e) = (i64::from(i), entry(i));
                let hash = if seq < keyed_from {
                    legacy_hash(seq, &prev, &e)
                } else {
                    keyed_hash(key, seq, &prev, &e)
                };
                Sealed {
                    seq,
                    prev_hash: std::mem::replace(&mut prev, hash.clone()),
                    hash,
                    entry: e,
                }
            })
            .collect()
    }

    fn head_of(c: &[Sealed], keyed_from: i64, key: &AuditKey) -> Head {
        let last = c.last().expect("not empty");
        Head::sealed(
            keyed_from,
            &Checkpoint::sign(key, last.seq, last.hash.clone(), noon()),
        )
    }

    fn verify(
        c: &[Sealed],
        keyed_from: i64,
        head: &Head,
        checkpoints: Vec<Checkpoint>,
    ) -> Result<i64, ChainBreak> {
        let key = key();
        let mut walk = Walk::new(&key, keyed_from, checkpoints)?;
        // In two pages, as the verifier reads them.
        let (a, b) = c.split_at(c.len() / 2);
        walk.page(a)?;
        walk.page(b)?;
        walk.finish(head)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5, 1, &key());
        assert_eq!(verify(&c, 1, &head_of(&c, 1, &key()), vec![]), Ok(5));
        assert_eq!(c[4].hash.len(), 64);
    }

    #[test]
    fn every_field_is_covered() {
        let k = key();
        let base = entry(1);
        let hash = |e: &AuditEntry| keyed_hash(&k, 1, GENESIS, e);
        let edits: [fn(&mut AuditEntry); 11] = [
            |e| e.id.push('x'),
            |e| e.at += chrono::Duration::nanoseconds(1),
            |e| e.user_id = None,
            |e| e.action = "update".into(),
            |e| e.resource = "child".into(),
            |e| e.resource_id.push('x'),
            |e| e.child_id = Some("-".into()),
            |e| e.region_code = Some("KZ-75".into()),
            |e| e.ip = None,
            |e| e.request_id = Some(String::new()),
            |e| e.break_glass = true,
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut e = base.clone();
            edit(&mut e);
            assert_ne!(hash(&e), hash(&base), "field {i}");
        }
        assert_ne!(keyed_hash(&k, 2, GENESIS, &base), hash(&base), "position");
    }

    #[test]
    fn an_edited_region_is_detected_at_its_row() {
        let mut c = chain(5, 1, &key());
        let head = head_of(&c, 1, &key());
        c[2].entry.region_code = Some("KZ-75".into());
        assert_eq!(
            verify(&c, 1, &head, vec![]),
            Err(ChainBreak::Edited {
                seq: 3,
                id: "id-3".into()
            })
        );
    }

    #[test]
    fn a_deleted_row_is_detected_at_the_next_one() {
        let mut c = chain(5, 1, &key());
        let head = head_of(&c, 1, &key());
        c.remove(1);
        assert_eq!(
            verify(&c, 1, &head, vec![]),
            Err(ChainBreak::Gap {
                seq: 3,
                id: "id-3".into(),
                expected_prev: 1
            })
        );
    }

    #[test]
    fn a_chain_rehashed_without_the_key_is_detected() {
        // Every hash recomputed and the head moved, unkeyed or under a guessed key.
        let guessed = AuditKey::new(&[7; 32]).expect("long enough");
        for (keyed_from, forged) in [(1, chain(5, 6, &key())), (1, chain(5, 1, &guessed))] {
            let head = head_of(&forged, keyed_from, &guessed);
            assert_eq!(
                verify(&forged, keyed_from, &head, vec![]),
                Err(ChainBreak::Edited {
                    seq: 1,
                    id: "id-1".into()
                })
            );
        }
        // The hashes left alone, the head moved back one entry: its signature fails.
        let c = chain(5, 1, &key());
        let mut head = head_of(&c[..4], 1, &guessed);
        assert_eq!(
            verify(&c[..4], 1, &head, vec![]),
            Err(ChainBreak::HeadUnsigned { seq: 4 })
        );
        head.signed = None;
        assert_eq!(
            verify(&c[..4], 1, &head, vec![]),
            Err(ChainBreak::HeadUnsigned { seq: 4 })
        );
    }

    #[test]
    fn a_chain_rewritten_with_the_key_is_caught_by_a_checkpoint() {
        let k = key();
        let c = chain(6, 1, &k);
        let checkpoint = Checkpoint::sign(&k, 5, c[4].hash.clone(), noon());
        assert_eq!(
            verify(&c, 1, &head_of(&c, 1, &k), vec![checkpoint.clone()]),
            Ok(6)
        );
        // Cut to 3 entries with a properly signed head.
        let cut = &c[..3];
        assert_eq!(verify(cut, 1, &head_of(cut, 1, &k), vec![]), Ok(3));
        assert_eq!(
            verify(cut, 1, &head_of(cut, 1, &k), vec![checkpoint.clone()]),
            Err(ChainBreak::BeforeCheckpoint {
                last: 3,
                seq: 5,
                at: noon()
            })
        );
        // Rewritten from entry 2 on (another entry 2 in its place), re-sealed with the key.
        let mut other = c.clone();
        other[1].entry.action = "update".into();
        let mut prev = other[0].hash.clone();
        for s in &mut other[1..] {
            s.prev_hash = prev;
            s.hash = keyed_hash(&k, s.seq, &s.prev_hash, &s.entry);
            prev = s.hash.clone();
        }
        assert_eq!(
            verify(&other, 1, &head_of(&other, 1, &k), vec![checkpoint.clone()]),
            Err(ChainBreak::Rewritten { seq: 5, at: noon() })
        );
        // And the checkpoint itself cannot be forged without the key.
        let mut forged = checkpoint;
        forged.seq = 3;
        forged.hash = c[2].hash.clone();
        assert_eq!(
            verify(&c, 1, &head_of(&c, 1, &k), vec![forged]),
            Err(ChainBreak::CheckpointUnsigned { seq: 3, at: noon() })
        );
    }

    #[test]
    fn a_chain_sealed_before_the_key_verifies_and_is_covered_by_it() {
        // Entries 1–3 sealed before the upgrade, 4–6 after.
        let k = key();
        let c = chain(6, 4, &k);
        assert_eq!(verify(&c, 4, &head_of(&c, 4, &k), vec![]), Ok(6));
        // Just upgraded: nothing keyed yet, nothing signed, and that is all right.
        let before = Head {
            seq: 3,
            hash: c[2].hash.clone(),
            keyed_from: 4,
            signed: None,
        };
        assert_eq!(verify(&c[..3], 4, &before, vec![]), Ok(3));
        // An old entry edited and the legacy chain recomputed: the first keyed link breaks.
        let mut edited = c.clone();
        edited[0].entry.user_id = Some("someone-else".into());
        let mut prev = GENESIS.to_string();
        for s in &mut edited[..3] {
            s.prev_hash = prev;
            s.hash = legacy_hash(s.seq, &s.prev_hash, &s.entry);
            prev = s.hash.clone();
        }
        assert!(matches!(
            verify(&edited, 4, &head_of(&c, 4, &k), vec![]),
            Err(ChainBreak::Gap { seq: 4, .. })
        ));
        // Claiming the keyed entries were sealed before the key breaks at the first of them.
        assert!(matches!(
            verify(&c, 7, &head_of(&c, 7, &k), vec![]),
            Err(ChainBreak::Edited { seq: 4, .. })
        ));
    }

    #[test]
    fn the_legacy_hash_is_unchanged() {
        // The value main computed before the key (b41002c's `chain_hash`): old chains depend on it.
        assert_eq!(
            legacy_hash(1, GENESIS, &entry(1)),
            "7d294b244877737788e918e962012fb8dfab4a5889342fce8c7162343f9cffbf"
        );
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let k = key();
        let mut a = entry(1);
        let mut b = entry(1);
        a.action = "rea".into();
        a.resource = "dcase".into();
        b.action = "read".into();
        b.resource = "case".into();
        assert_ne!(
            keyed_hash(&k, 1, GENESIS, &a),
            keyed_hash(&k, 1, GENESIS, &b)
        );
        assert_ne!(legacy_hash(1, GENESIS, &a), legacy_hash(1, GENESIS, &b));
    }

    #[test]
    fn short_keys_are_refused_and_never_shown() {
        assert!(AuditKey::new(&[1; 31]).is_none());
        assert_eq!(format!("{:?}", key()), "AuditKey(..)");
    }
}
