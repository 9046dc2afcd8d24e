//! What every handler shares: the application ([`App`]: rules, clock, keys), the database,
//! token keys, configuration, metrics and the drain.

use std::sync::Arc;

use actix_web::web;
use qorgau_app::App;
use qorgau_persistence::{Database, DbConnection};

use crate::auth::recent_sessions::RecentSessions;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::drain::Drain;
use crate::error::ApiError;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    /// What the use cases need; `AppState` dereferences to it.
    pub app: App,
    pub db: Database,
    /// What the reports read: a read-only pool on the streaming replica of
    /// `reports.database_url`, or `db` itself when none is configured.
    pub reports_db: Database,
    pub tokens: TokenKeys,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Requests in flight, and whether a graceful stop has begun.
    pub drain: Arc<Drain>,
    /// Logins recently found active (`auth::recent_sessions`).
    pub recent_sessions: Arc<RecentSessions>,
    /// Reports computed at once: see [`AppState::run_report`].
    pub report_slots: Arc<tokio::sync::Semaphore>,
    /// Where documents' bytes are kept (`crate::documents`).
    pub documents: crate::documents::Store,
}

/// The HTTP edge is the application plus its own parts: handlers reach the rules, the clock
/// and the keys as `state.now()`, `state.rules`, and pass `&state` where a use case wants
/// `&App`.
impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

/// Reports computed at once per instance. A report reads and holds hundreds of thousands of
/// rows: several at once on two cores take no less time in all, but multiply the memory they
/// hold (411 MB RSS for four KPI reports at once, docs/benchmarks.md) and leave no core for the
/// case workers' requests. Further reports wait their turn.
pub const REPORT_SLOTS: usize = 1;

impl AppState {
    /// Runs one unit of database work on the blocking pool — diesel is synchronous and must
    /// never hold up the async workers. The pool checkout happens there too, so waiting for a
    /// connection cannot stall other requests.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.on_blocking_pool(work).await
    }

    /// [`AppState::run`] for any error a connection's failure converts into: the worker's and
    /// the CLI's work answers `AppError`, a request's `ApiError`.
    pub async fn on_blocking_pool<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<qorgau_persistence::DbError> + From<qorgau_app::AppError> + Send + 'static,
    {
        on_blocking_pool(self.db.clone(), work).await
    }

    /// [`AppState::run`] for a report's work, one report at a time (`REPORT_SLOTS`), on a
    /// connection of the reports' database (`reports_db`): the replica when there is one.
    pub async fn run_report<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        // The semaphore is never closed, so acquiring cannot fail.
        let _slot = self
            .report_slots
            .acquire()
            .await
            .map_err(|_| ApiError::Internal)?;
        on_blocking_pool(self.reports_db.clone(), work).await
    }
}

/// Runs `work` with a connection of `db` on the blocking pool.
async fn on_blocking_pool<T, E, F>(db: Database, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<qorgau_persistence::DbError> + From<qorgau_app::AppError> + Send + 'static,
{
    web::block(move || {
        let mut conn = db.conn()?;
        work(&mut conn)
    })
    .await
    .map_err(|_| {
        tracing::error!("blocking task failed");
        E::from(qorgau_app::AppError::Internal)
    })?
}

/// For unit tests: an `AppState` on a scratch SQLite file and data directory, removed when
/// dropped.
#[cfg(test)]
pub(crate) struct ScratchState {
    pub state: AppState,
    path: std::path::PathBuf,
}

#[cfg(test)]
impl ScratchState {
    pub fn open() -> ScratchState {
        let path = std::env::temp_dir().join(format!("qorgau-unit-{}.db", uuid::Uuid::new_v4()));
        let mut config = Config::load(None).expect("default configuration");
        config.database_url = format!("sqlite://{}", path.display());
        config.data_dir = path.with_extension("data");
        config.secrets.jwt_secret = Some("unit-test-secret-unit-test-secret".into());
        config.secrets.audit_key = Some("unit-test-audit-key-unit-test-audit-key".into());
        let state = AppState::open(config).expect("state");
        ScratchState { state, path }
    }
}

#[cfg(test)]
impl Drop for ScratchState {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
        let _ = std::fs::remove_dir_all(self.path.with_extension("data"));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[actix_web::test]
    async fn reports_are_computed_one_at_a_time() {
        let scratch = ScratchState::open();
        let state = &scratch.state;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let reports = (0..3).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            state.run_report(move |_| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        });
        for result in futures_util::future::join_all(reports).await {
            result.expect("ran");
        }
        assert_eq!(most.load(Ordering::SeqCst), REPORT_SLOTS);
    }
}
