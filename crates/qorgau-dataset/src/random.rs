//! Seeded randomness. Every child draws from its own ChaCha stream (the seed is the key, the
//! child's number the stream), so a child's record does not depend on how many numbers the
//! children before it happened to use: the same seed gives the same dataset.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::time::Micros;

pub struct Gen(ChaCha8Rng);

/// The streams of the parts of a dataset.
#[derive(Clone, Copy)]
pub enum Stream {
    World,
    /// The outline of child `n`: who they are and when their cases open and close.
    Outline(u32),
    /// The details of child `n`: texts, interventions, referrals, audit.
    Story(u32),
}

impl Gen {
    pub fn new(seed: u64, stream: Stream) -> Gen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(match stream {
            Stream::World => 0,
            Stream::Outline(n) => 2 * u64::from(n) + 2,
            Stream::Story(n) => 2 * u64::from(n) + 3,
        });
        Gen(rng)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0.random()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.0.random_range(0..n) }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn u64(&mut self) -> u64 {
        self.0.random()
    }

    /// Uniform in `[lo, hi)`; `lo` when the interval is empty.
    pub fn between(&mut self, lo: Micros, hi: Micros) -> Micros {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..hi)
        }
    }

    /// `lo + (hi - lo) · u` for a uniform `u`: a point a random share of the way.
    pub fn share(&mut self, lo: Micros, hi: Micros, from: f64, to: f64) -> Micros {
        let u = from + (to - from) * self.unit();
        lo + ((hi - lo) as f64 * u) as Micros
    }

    /// Exponentially distributed with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// Log-normally distributed with the given median and shape.
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        // Box–Muller: `rand_distr` is not in the tree for one normal deviate.
        let (u1, u2) = (1.0 - self.unit(), self.unit());
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        median * (sigma * normal).exp()
    }

    /// Poisson-distributed count with a small mean (Knuth's method).
    pub fn poisson(&mut self, mean: f64) -> usize {
        let limit = (-mean).exp();
        let mut product = self.unit();
        let mut count = 0;
        while product > limit && count < 1000 {
            product *= self.unit();
            count += 1;
        }
        count
    }

    /// A UUIDv7 for a row created at `at` (RFC 9562): the millisecond in the first 48 bits, the
    /// microsecond within it in `rand_a` (method 3, so ids sort like their timestamps), then
    /// `tie` — rows written in one request share a timestamp, and the API's ids keep their
    /// order — and random bits.
    pub fn uuid_v7(&mut self, at: Micros, tie: u8) -> u128 {
        let millis = (at.div_euclid(1000) as u128) & ((1 << 48) - 1);
        let sub_milli = at.rem_euclid(1000) as u128;
        let random = u128::from(self.u64() >> 8);
        (millis << 80)
            | (0x7 << 76)
            | (sub_milli << 64)
            | (0b10 << 62)
            | (u128::from(tie & 0x3f) << 56)
            | random
    }
}

/// Items with weights, drawn in proportion to them.
pub struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Copy> Weighted<T> {
    pub fn new(pairs: &[(T, f64)]) -> Self {
        let mut total = 0.0;
        let cumulative = pairs
            .iter()
            .map(|(_, w)| {
                total += w;
                total
            })
            .collect();
        Weighted {
            items: pairs.iter().map(|(item, _)| *item).collect(),
            cumulative,
        }
    }

    pub fn draw(&self, rng: &mut Gen) -> T {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        self.items[i.min(self.items.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_7_and_sort_like_their_timestamps() {
        let mut g = Gen::new(1, Stream::World);
        let a = uuid::Uuid::from_u128(g.uuid_v7(1_700_000_000_123_456, 0));
        assert_eq!(a.get_version_num(), 7);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        let (secs, nanos) = a.get_timestamp().expect("v7").to_unix();
        assert_eq!((secs, nanos / 1_000_000), (1_700_000_000, 123));
        let mut previous = 0;
        for (i, t) in [5_i64, 6, 1006, 1_000_000].iter().enumerate() {
            for tie in 0..3 {
                let id = g.uuid_v7(1_700_000_000_000_000 + t, tie);
                assert!(id > previous, "{i} {tie}");
                previous = id;
            }
        }
    }

    #[test]
    fn the_same_seed_and_stream_give_the_same_numbers() {
        let draw = |seed| {
            let mut g = Gen::new(seed, Stream::Story(42));
            (0..5).map(|_| g.u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }
}
