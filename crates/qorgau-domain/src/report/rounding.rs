//! Disclosure control for counts of children's records shown to readers who may not see the
//! records (docs/reporting.md § Disclosure control): a count of 1–4 is shown as 0, like an
//! empty cell, and any other count is randomly rounded to a multiple of 5 — up with probability
//! `(n mod 5) / 5`, down otherwise, so that a rounded count is on average the true one. The
//! draw is decided by the cell's *content*, not by the query that asked for it: each record
//! has a key (the random tail of its UUIDv7 id), a cell's key is the sum of its records'
//! keys, and a keyed hash of that sum (and the count) decides. The same records therefore give
//! the same number whichever area, period, grouping or format reached them, so asking again
//! in other words draws nothing new; and without the secret no one can tell which way a cell
//! was rounded.

use sha2::{Digest, Sha256};

use super::MIN_CELL;

/// Published counts are multiples of this.
pub const ROUNDING_BASE: i64 = 5;

/// A record's key: the last 32 bits of its id read as hexadecimal, 0–15 per digit. UUIDv7 ids
/// end in random bits, so keys are uniform and independent. A character that is not a
/// lower-case hexadecimal digit counts as 15, as in the SQL that sums keys per group
/// (`qorgau_persistence::reports::record_key_sql`): both must agree.
pub fn record_key(id: &str) -> u32 {
    let tail: Vec<char> = id.chars().rev().take(8).collect();
    tail.iter().rev().fold(0u32, |key, c| {
        let digit = c
            .to_digit(16)
            .filter(|_| !c.is_ascii_uppercase())
            .unwrap_or(15);
        key.wrapping_mul(16).wrapping_add(digit)
    })
}

/// How many records a cell holds, and the sum of their keys modulo 2³².
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: i64,
    pub key: u32,
}

impl Tally {
    /// A cell of `count` records whose keys sum to `key_sum` (any integer: taken modulo 2³²).
    pub fn new(count: i64, key_sum: i64) -> Tally {
        Tally {
            count,
            // The remainder is below 2³², so it fits.
            key: u32::try_from(key_sum.rem_euclid(1 << 32)).unwrap_or(0),
        }
    }

    /// The records of `ids`.
    pub fn of<'a>(ids: impl IntoIterator<Item = &'a str>) -> Tally {
        ids.into_iter().fold(Tally::default(), |t, id| {
            t.merge(Tally {
                count: 1,
                key: record_key(id),
            })
        })
    }

    /// The records of both (disjoint) cells.
    pub fn merge(self, other: Tally) -> Tally {
        Tally {
            count: self.count + other.count,
            key: self.key.wrapping_add(other.key),
        }
    }
}

/// The secret behind the draws. Derived from a server secret; the same secret on every
/// instance gives every reader the same numbers.
#[derive(Clone)]
pub struct Rounding {
    secret: [u8; 32],
}

impl std::fmt::Debug for Rounding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rounding { .. }")
    }
}

impl Rounding {
    /// Draws keyed by `secret` (domain-separated, so the secret's other uses are unaffected).
    pub fn new(secret: &[u8]) -> Rounding {
        let mut hash = Sha256::new();
        hash.update(b"qorgau/report-rounding/v1\0");
        hash.update(secret);
        Rounding {
            secret: hash.finalize().into(),
        }
    }

    /// The count shown for a cell: 0 for 1–4 (as for an empty cell); otherwise the multiple of
    /// 5 below or above, above with probability `(n mod 5) / 5` — a fixed draw for the cell's
    /// records.
    pub fn publish(&self, cell: Tally) -> i64 {
        let n = cell.count;
        if n < MIN_CELL {
            return 0;
        }
        let down = n - n % ROUNDING_BASE;
        let remainder = n % ROUNDING_BASE;
        if remainder == 0 {
            return n;
        }
        let mut hash = Sha256::new();
        hash.update(self.secret);
        hash.update(cell.key.to_be_bytes());
        hash.update(n.to_be_bytes());
        let digest = hash.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        // Uniform on 0..5 but for a bias of 2⁻⁶² from the modulo.
        let draw = i64::try_from(u64::from_be_bytes(first) % 5).unwrap_or(0);
        if draw < remainder {
            down + ROUNDING_BASE
        } else {
            down
        }
    }

    /// `part / whole` from published counts: a share of rounded numbers, `None` when the
    /// published whole is 0. Never computed from true counts, so it says nothing they do not.
    pub fn share(&self, part: Tally, whole: Tally) -> Option<f64> {
        super::stats::share(self.publish(part), self.publish(whole))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_read_the_tail_of_the_id() {
        assert_eq!(
            record_key("019eb9e5-01e3-72cb-80f5-efdb948ef3de"),
            0x948e_f3de
        );
        assert_eq!(record_key("ffffffff"), u32::MAX);
        assert_eq!(record_key("x"), 15);
        assert_eq!(record_key("0000000A"), 15, "upper case is not read as hex");
        let t = Tally::of(["…00000001", "…00000002"]);
        assert_eq!((t.count, t.key), (2, 3));
        assert_eq!(Tally::new(3, -1).key, u32::MAX);
        assert_eq!(Tally::new(3, (1 << 32) + 7).key, 7);
    }

    #[test]
    fn small_counts_are_shown_as_nothing_and_the_rest_as_multiples_of_five() {
        let r = Rounding::new(b"test");
        for key in 0..200u32 {
            for n in 0..60 {
                let p = r.publish(Tally { count: n, key });
                assert_eq!(p % 5, 0);
                if n < 5 {
                    assert_eq!(p, 0, "{n}");
                } else {
                    assert!(p == n - n % 5 || p == n - n % 5 + 5, "{n} → {p}");
                    assert!(p >= 5);
                }
            }
        }
    }

    #[test]
    fn the_draw_is_fixed_by_the_records_and_unbiased_over_them() {
        let r = Rounding::new(b"test");
        let cell = Tally { count: 12, key: 99 };
        assert_eq!(r.publish(cell), r.publish(cell));
        // Over many cells of 12 records, about 2 in 5 go up to 15.
        let up = (0..10_000u32)
            .filter(|k| r.publish(Tally { count: 12, key: *k }) == 15)
            .count();
        assert!((3_700..4_300).contains(&up), "{up}");
        // Another secret draws otherwise.
        let other = Rounding::new(b"other");
        let differ = (0..1_000u32)
            .filter(|k| {
                let t = Tally { count: 12, key: *k };
                r.publish(t) != other.publish(t)
            })
            .count();
        assert!(differ > 300, "{differ}");
    }
}
