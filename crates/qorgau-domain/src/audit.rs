//! The audit chain (brief § 5): every read and write of a child's personal data leaves an entry;
//! entries are chained by hash so that an edited, inserted or deleted row is detectable.
//!
//! Entries are written without a hash in the transaction of the access they record and are
//! *sealed* afterwards, in one order, by a single sealer at a time: sealing gives each entry its
//! position `seq`, the previous entry's hash and its own. Chaining at write time instead would
//! serialise every audited request on one lock held until commit.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: String,
    pub at: NaiveDateTime,
    pub user_id: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_id: String,
    pub child_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub break_glass: bool,
}

/// The hash of the entry at position `seq` following `prev_hash`: SHA-256, hex. Every field is
/// length-prefixed so that no two different entries serialise alike; the time is taken to the
/// microsecond, the precision both databases keep.
pub fn chain_hash(seq: i64, prev_hash: &str, entry: &AuditEntry) -> String {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
}

/// Checks entries in `seq` order, continuing from (`prev_seq`, `prev_hash`); returns the last
/// (seq, hash) so that a long chain can be verified in pages.
pub fn verify_page(
    mut prev_seq: i64,
    mut prev_hash: String,
    page: &[Sealed],
) -> Result<(i64, String), ChainBreak> {
    for s in page {
        if s.seq != prev_seq + 1 || s.prev_hash != prev_hash {
            return Err(ChainBreak::Gap {
                seq: s.seq,
                id: s.entry.id.clone(),
                expected_prev: prev_seq,
            });
        }
        if chain_hash(s.seq, &s.prev_hash, &s.entry) != s.hash {
            return Err(ChainBreak::Edited {
                seq: s.seq,
                id: s.entry.id.clone(),
            });
        }
        prev_seq = s.seq;
        prev_hash = s.hash.clone();
    }
    Ok((prev_seq, prev_hash))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
            ip: Some("127.0.0.1".into()),
            request_id: None,
            break_glass: false,
        }
    }

    fn chain(n: u32) -> Vec<Sealed> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = entry(i);
                let hash = chain_hash(i64::from(i), &prev, &e);
                let s = Sealed {
                    seq: i64::from(i),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    entry: e,
                };
                prev = hash;
                s
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        let (last, hash) = verify_page(0, GENESIS.into(), &c).expect("intact");
        assert_eq!(last, 5);
        assert_eq!(hash, c[4].hash);
        assert_eq!(hash.len(), 64);
    }

    #[test]
    fn an_edited_field_is_detected_at_its_row() {
        let mut c = chain(5);
        c[2].entry.action = "update".into();
        assert_eq!(
            verify_page(0, GENESIS.into(), &c),
            Err(ChainBreak::Edited {
                seq: 3,
                id: "id-3".into()
            })
        );
        let mut c = chain(3);
        c[1].entry.break_glass = true;
        assert!(matches!(
            verify_page(0, GENESIS.into(), &c),
            Err(ChainBreak::Edited { seq: 2, .. })
        ));
    }

    #[test]
    fn a_deleted_row_is_detected_at_the_next_one() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_page(0, GENESIS.into(), &c),
            Err(ChainBreak::Gap {
                seq: 3,
                id: "id-3".into(),
                expected_prev: 1
            })
        );
    }

    #[test]
    fn a_recomputed_row_still_breaks_the_link_to_the_next() {
        // An attacker who edits a row and recomputes its hash breaks the next row's link.
        let mut c = chain(4);
        c[1].entry.user_id = Some("someone-else".into());
        c[1].hash = chain_hash(2, &c[1].prev_hash, &c[1].entry);
        assert!(matches!(
            verify_page(0, GENESIS.into(), &c),
            Err(ChainBreak::Gap { seq: 3, .. })
        ));
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let mut a = entry(1);
        let mut b = entry(1);
        a.action = "rea".into();
        a.resource = "dcase".into();
        b.action = "read".into();
        b.resource = "case".into();
        assert_ne!(chain_hash(1, GENESIS, &a), chain_hash(1, GENESIS, &b));
    }
}
