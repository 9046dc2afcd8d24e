//! Prometheus metrics: requests by route and status, latency by route, the pool's state and
//! waits, the worker's lag, the outbox and the audit chain's backlog, and the build.
//! Every name and what to alert on: docs/operations.md § Metrics.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use qorgau_persistence::connection::PoolWaitCounts;
use qorgau_persistence::outbox::Depth;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route pattern (`/api/v1/users/{id}`), never the raw path: bounded cardinality.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    /// `release` or `debug`.
    profile: String,
    /// The database the instance serves: `postgres` or `sqlite`.
    backend: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The upper bounds of the latency histogram, in seconds: from 1 ms to a minute, so that slow
/// reports (several seconds on a national database) and requests that hit the 30 s shutdown
/// grace still land in a bucket of their own.
pub const LATENCY_BUCKETS: [f64; 16] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0,
];

/// What is read from the database at each scrape (`None` when it did not answer).
#[derive(Clone, Copy, Debug, Default)]
pub struct Backlog {
    pub outbox: Depth,
    /// Audit entries not yet sealed into the chain.
    pub unsealed_audit: i64,
    /// Changes to the report facts whose months the worker has not recomputed yet.
    pub report_marks: i64,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: HistogramFamily,
    /// Outbox messages given up as undeliverable (docs/notifications.md § Email).
    pub mail_given_up: Counter,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    pool_waits: Gauge,
    pool_wait_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    pool_timeouts: Gauge,
    worker_enabled: Gauge,
    /// Unix time of the end of the worker's last complete pass; 0 before the first.
    worker_last_pass: Gauge,
    worker_lag: Gauge,
    outbox_pending: Gauge,
    outbox_failed: Gauge,
    outbox_oldest_age: Gauge,
    audit_unsealed: Gauge,
    report_marks: Gauge,
    /// 0 when the last scrape's database reads failed (the backlog gauges keep older values).
    backlog_read: Gauge,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    /// The registry, with `qorgau_build_info` for this binary serving `backend`.
    pub fn new(backend: &str) -> Self {
        let mut registry = Registry::with_prefix("qorgau");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let mail_given_up = Counter::default();
        registry.register(
            "build",
            "The running build: its version, profile and database backend",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
                profile: if cfg!(debug_assertions) {
                    "debug"
                } else {
                    "release"
                }
                .to_string(),
                backend: backend.to_string(),
            }),
        );
        registry.register(
            "mail_given_up",
            "Outgoing mail given up as undeliverable",
            mail_given_up.clone(),
        );
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let pool_connections = gauge(
            &mut registry,
            "db_pool_connections",
            "Open database connections",
        );
        let pool_idle = gauge(
            &mut registry,
            "db_pool_idle_connections",
            "Idle database connections",
        );
        let pool_max = gauge(&mut registry, "db_pool_max_connections", "Pool size limit");
        let pool_waits = gauge(
            &mut registry,
            "db_pool_waits",
            "Checkouts since start that waited 1 ms or more for a connection",
        );
        let pool_wait_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "db_pool_wait_seconds",
            "Time all checkouts since start spent waiting for a connection",
            pool_wait_seconds.clone(),
        );
        let pool_timeouts = gauge(
            &mut registry,
            "db_pool_timeouts",
            "Checkouts since start that found no connection within db_timeout_ms (answered 503)",
        );
        let worker_enabled = gauge(
            &mut registry,
            "worker_enabled",
            "1 when this instance runs the worker (worker_enabled)",
        );
        let worker_last_pass = gauge(
            &mut registry,
            "worker_last_pass_timestamp_seconds",
            "Unix time the worker's last complete pass ended; 0 before the first",
        );
        let worker_lag = gauge(
            &mut registry,
            "worker_lag_seconds",
            "Seconds since the worker's last complete pass ended (0 before the first, or without a worker)",
        );
        let outbox_pending = gauge(
            &mut registry,
            "outbox_pending",
            "Outgoing mail waiting to be sent (due or retrying), all instances",
        );
        let outbox_failed = gauge(
            &mut registry,
            "outbox_failed",
            "Outgoing mail given up (failed_at set), all instances",
        );
        let outbox_oldest_age = gauge(
            &mut registry,
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest mail waiting to be sent; 0 when none waits",
        );
        let audit_unsealed = gauge(
            &mut registry,
            "audit_unsealed_entries",
            "Audit entries not yet sealed into the hash chain",
        );
        let report_marks = gauge(
            &mut registry,
            "report_marks_pending",
            "Changes to the report facts whose district-months the worker has not recomputed yet (read from the facts meanwhile)",
        );
        let backlog_read = gauge(
            &mut registry,
            "backlog_read",
            "1 when this scrape read the outbox and audit gauges from the database, 0 when it could not",
        );
        Metrics {
            registry,
            requests,
            latency,
            mail_given_up,
            pool_connections,
            pool_idle,
            pool_max,
            pool_waits,
            pool_wait_seconds,
            pool_timeouts,
            worker_enabled,
            worker_last_pass,
            worker_lag,
            outbox_pending,
            outbox_failed,
            outbox_oldest_age,
            audit_unsealed,
            report_marks,
            backlog_read,
        }
    }

    /// The worker ended a complete pass at `at` (Unix seconds).
    pub fn worker_pass_done(&self, at: i64) {
        self.worker_last_pass.set(at);
    }

    /// The text exposition, with the gauges set from what was read at scrape time.
    pub fn render(&self, scrape: &Scrape) -> String {
        let (connections, idle) = scrape.pool;
        self.pool_connections.set(i64::from(connections));
        self.pool_idle.set(i64::from(idle));
        self.pool_max.set(i64::from(scrape.pool_max));
        let saturating = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.pool_waits.set(saturating(scrape.waits.waited));
        self.pool_wait_seconds
            .set(scrape.waits.wait_micros as f64 / 1e6);
        self.pool_timeouts.set(saturating(scrape.waits.timeouts));
        self.worker_enabled.set(i64::from(scrape.worker_enabled));
        let last = self.worker_last_pass.get();
        let lag = if scrape.worker_enabled && last > 0 {
            (scrape.now - last).max(0)
        } else {
            0
        };
        self.worker_lag.set(lag);
        match &scrape.backlog {
            Some(backlog) => {
                self.backlog_read.set(1);
                self.outbox_pending.set(backlog.outbox.pending);
                self.outbox_failed.set(backlog.outbox.failed);
                let oldest = backlog
                    .outbox
                    .oldest_pending
                    .map_or(0, |at| (scrape.now - at.and_utc().timestamp()).max(0));
                self.outbox_oldest_age.set(oldest);
                self.audit_unsealed.set(backlog.unsealed_audit);
                self.report_marks.set(backlog.report_marks);
            }
            None => {
                self.backlog_read.set(0);
            }
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::error!("metrics encoding failed");
        }
        out
    }
}

/// What a scrape reads besides the registry's own counters.
#[derive(Clone, Copy, Debug)]
pub struct Scrape {
    /// (open, idle) connections.
    pub pool: (u32, u32),
    pub pool_max: u32,
    pub waits: PoolWaitCounts,
    pub worker_enabled: bool,
    /// Unix seconds.
    pub now: i64,
    pub backlog: Option<Backlog>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latency_buckets_reach_a_minute_and_the_build_is_named() {
        let metrics = Metrics::new("sqlite");
        metrics
            .latency
            .get_or_create(&RouteLabels {
                method: "GET".into(),
                route: "/slow".into(),
            })
            .observe(45.0);
        metrics.worker_pass_done(1_000);
        let text = metrics.render(&Scrape {
            pool: (2, 1),
            pool_max: 8,
            waits: PoolWaitCounts {
                waited: 3,
                wait_micros: 1_500_000,
                timeouts: 1,
            },
            worker_enabled: true,
            now: 1_030,
            backlog: None,
        });
        assert!(text.contains("le=\"60.0\""), "{text}");
        assert!(text.contains("le=\"30.0\""), "{text}");
        assert!(
            text.contains(&format!(
                "qorgau_build_info{{version=\"{}\"",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        assert!(text.contains("qorgau_worker_lag_seconds 30"), "{text}");
        assert!(text.contains("qorgau_db_pool_wait_seconds 1.5"), "{text}");
        assert!(text.contains("qorgau_db_pool_timeouts 1"), "{text}");
        assert!(text.contains("qorgau_backlog_read 0"), "{text}");
    }
}
