//! A per-client rate limit over the whole service (GCRA, via `governor`): a sustained rate with
//! a burst allowance, beyond which requests answer 429 with `Retry-After`. It blunts password
//! spraying across many usernames (the lockout only counts per username) and scraping.
//!
//! The client is the peer address, or — only when the peer is a configured trusted proxy — the
//! last address in `X-Forwarded-For` that is not itself a trusted proxy: the header is written
//! by whoever sends the request, so only the hops our own proxies appended can be believed.
//! IPv6 clients are counted per /64, the block one subscriber usually holds; counting each
//! address would let a single host take 2^64 fresh allowances.
//!
//! Health probes and metrics are exempt: an orchestrator that is refused its liveness probe
//! restarts a healthy instance.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::ApiError;

/// Forgetting clients that have been quiet is a scan of the whole table: done at most this
/// often.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

pub struct RateLimit {
    /// `None`: the limit is disabled.
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Vec<ProxyNet>,
    started: Instant,
    last_sweep_secs: AtomicU64,
}

impl RateLimit {
    pub fn new(config: &Config) -> RateLimit {
        let quota = NonZeroU32::new(config.rate_limit_per_second).map(|rate| {
            let burst = NonZeroU32::new(config.rate_limit_burst).unwrap_or(rate);
            Quota::per_second(rate).allow_burst(burst)
        });
        RateLimit {
            limiter: quota.map(DefaultKeyedRateLimiter::keyed),
            trusted_proxies: config.trusted_proxies.clone(),
            started: Instant::now(),
            last_sweep_secs: AtomicU64::new(0),
        }
    }

    /// `Err(seconds to wait)` when `client` has used up its allowance.
    fn check(&self, client: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        self.sweep(limiter);
        limiter.check_key(&bucket(client)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Whole seconds, rounded up: a client told 0 would retry at once.
            u64::try_from(wait.as_millis().div_ceil(1000))
                .unwrap_or(u64::MAX)
                .max(1)
        })
    }

    fn sweep(&self, limiter: &DefaultKeyedRateLimiter<IpAddr>) {
        let now = self.started.elapsed().as_secs();
        let last = self.last_sweep_secs.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= SWEEP_EVERY.as_secs();
        // One request per minute does the sweep; the others go straight on.
        if due
            && self
                .last_sweep_secs
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// The client's address (see the module documentation).
    pub fn client_ip(&self, req: &ServiceRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        Some(client_ip(peer, &forwarded, &self.trusted_proxies))
    }
}

/// The middleware (`from_fn`); expects a `web::Data<RateLimit>` in the app data.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let verdict = match req.app_data::<web::Data<RateLimit>>() {
        Some(limits) if !is_exempt(req.path()) => limits
            .client_ip(&req)
            .map_or(Ok(()), |client| limits.check(client)),
        _ => Ok(()),
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(retry_after) => {
            let refused = ApiError::TooManyRequests { retry_after };
            Ok(req.error_response(refused).map_into_right_body())
        }
    }
}

fn is_exempt(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics"
}

/// What one allowance is counted against: an IPv4 address, or an IPv6 /64.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !(u128::from(u64::MAX));
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// The client behind `peer`: walking `X-Forwarded-For` from the right (the hop our proxy
/// appended last) while the addresses are trusted proxies; the first one that is not is the
/// client. An unreadable entry stops the walk at the proxy that passed it on.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[ProxyNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let hops: Vec<&str> = forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop.trim()) else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, or with a port: `203.0.113.7:5100`, `[2001:db8::1]:5100`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// A trusted proxy in the configuration: one address (`10.0.0.5`) or a CIDR range
/// (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProxyNet {
    network: IpAddr,
    prefix: u32,
}

impl ProxyNet {
    fn contains(&self, ip: IpAddr) -> bool {
        let (network, address, width) = match (self.network, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                (u128::from(n.to_bits()), u128::from(a.to_bits()), 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => (n.to_bits(), a.to_bits(), 128),
            _ => return false,
        };
        self.prefix == 0 || (network ^ address) >> (width - self.prefix) == 0
    }
}

fn width(ip: IpAddr) -> u32 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

impl TryFrom<String> for ProxyNet {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let invalid = || format!("{value:?} is not an IP address or CIDR range");
        let (address, prefix) = match value.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (value.trim(), None),
        };
        let network = address
            .parse::<IpAddr>()
            .map_err(|_| invalid())?
            .to_canonical();
        let prefix = match prefix {
            Some(p) => p.parse::<u32>().map_err(|_| invalid())?,
            None => width(network),
        };
        if prefix > width(network) {
            return Err(invalid());
        }
        Ok(ProxyNet { network, prefix })
    }
}

impl From<ProxyNet> for String {
    fn from(net: ProxyNet) -> String {
        if net.prefix == width(net.network) {
            net.network.to_string()
        } else {
            format!("{}/{}", net.network, net.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn nets(list: &[&str]) -> Vec<ProxyNet> {
        list.iter()
            .map(|s| ProxyNet::try_from(s.to_string()).expect("valid"))
            .collect()
    }

    #[test]
    fn ranges() {
        let net = &nets(&["10.0.0.0/8"])[0];
        assert!(net.contains(ip("10.200.3.4")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        assert!(!net.contains(ip("fd00::1")));
        let v6 = &nets(&["fd00::/8"])[0];
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        assert!(nets(&["0.0.0.0/0"])[0].contains(ip("8.8.8.8")));
        assert!(nets(&["::/0"])[0].contains(ip("2001:db8::1")));
        let one = &nets(&["192.0.2.1"])[0];
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "example.kz",
            "10.0.0.0/x",
        ] {
            assert!(ProxyNet::try_from(bad.to_string()).is_err(), "{bad}");
        }
        assert_eq!(String::from(nets(&["10.0.0.0/8"])[0].clone()), "10.0.0.0/8");
        assert_eq!(String::from(one.clone()), "192.0.2.1");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = nets(&["10.0.0.0/8"]);
        // A direct client cannot claim another address.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        // Behind our proxy: the last hop it appended.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["198.51.100.1, 203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // Through two of our proxies, over two header lines, one hop with a port.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["203.0.113.7:5100", "10.0.0.3"], &trusted),
            ip("203.0.113.7")
        );
        // Garbage stops at the proxy that passed it on.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["203.0.113.7, nonsense"], &trusted),
            ip("10.0.0.2")
        );
        // No header: the proxy itself.
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        // Nothing trusted: the header is ignored.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["203.0.113.7"], &[]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(
            bucket(ip("2001:db8:1:2:aaaa::1")),
            bucket(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(bucket(ip("2001:db8:1:2::1")), bucket(ip("2001:db8:1:3::1")));
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(bucket(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn exempt_paths() {
        assert!(is_exempt("/health/live") && is_exempt("/health/ready") && is_exempt("/metrics"));
        assert!(!is_exempt("/api/v1/auth/login") && !is_exempt("/metrics/x"));
    }
}
