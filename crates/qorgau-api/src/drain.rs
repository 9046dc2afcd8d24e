//! Graceful stop, done here rather than by actix-server's own SIGTERM handling.
//!
//! actix stops accepting the moment the signal arrives: connections still in the kernel's
//! queue are reset, and those accepted but not yet handed to a worker are closed unanswered —
//! requests a client had fully sent before the signal (`tests/reliability/graceful_shutdown.sh`
//! lost up to 5 of 8 that way). So on SIGTERM the server first says it is not ready, keeps
//! accepting for [`KEEP_ACCEPTING`] to take what was already queued, then stops accepting,
//! waits for the requests it is answering (counted by the `observe` middleware), and only then
//! asks actix to stop, which closes idle connections and finishes writing responses.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tokio::time::{Instant, sleep};

/// How long the server goes on accepting after SIGTERM: long enough for connections the kernel
/// queued before the signal to be taken, even with the CPU busy; short next to any drain.
pub const KEEP_ACCEPTING: Duration = Duration::from_millis(500);

/// The requests being answered, and whether the server is stopping.
#[derive(Debug, Default)]
pub struct Drain {
    in_flight: AtomicUsize,
    stopping: AtomicBool,
}

/// One request being answered; dropped when it is answered or abandoned by its client.
pub struct InFlight(Arc<Drain>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drain {
    pub fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// From now on the server reports itself not ready, so that load balancers send no more.
    pub fn begin(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Waits until no request is in flight, or `timeout` has passed; true when none is left.
    pub async fn idle_within(&self, timeout: Duration) -> bool {
        let give_up = Instant::now() + timeout;
        while self.in_flight() > 0 {
            if Instant::now() >= give_up {
                return false;
            }
            sleep(Duration::from_millis(20)).await;
        }
        true
    }
}

/// SIGTERM stops the server gracefully (see the module's documentation); SIGINT and SIGQUIT
/// stop it at once, also while a graceful stop is waiting.
pub async fn stop_on_signal(server: ServerHandle, drain: Arc<Drain>, timeout: Duration) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut quit)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::quit()),
    ) else {
        tracing::error!("cannot listen for signals; stop the server with SIGKILL");
        return;
    };
    if tokio::select! {
        _ = term.recv() => true,
        _ = int.recv() => false,
        _ = quit.recv() => false,
    } {
        tokio::select! {
            () = stop_gracefully(&server, &drain, timeout) => return,
            _ = int.recv() => tracing::warn!("SIGINT during the graceful stop: stopping at once"),
            _ = quit.recv() => tracing::warn!("SIGQUIT during the graceful stop: stopping at once"),
        }
    }
    server.stop(false).await;
}

async fn stop_gracefully(server: &ServerHandle, drain: &Drain, timeout: Duration) {
    tracing::info!("SIGTERM: not ready any more; taking the connections already queued");
    drain.begin();
    sleep(KEEP_ACCEPTING).await;
    server.pause().await;
    tracing::info!(in_flight = drain.in_flight(), "accepting no more; draining");
    if drain.idle_within(timeout).await {
        // Graceful for what is left: responses still being written, idle keep-alive connections.
        server.stop(true).await;
    } else {
        // The grace is spent: what is still running is cut off.
        tracing::warn!(
            in_flight = drain.in_flight(),
            "requests outlasted the shutdown timeout; stopping at once"
        );
        server.stop(false).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_requests_in_flight_and_no_longer() {
        let drain = Arc::new(Drain::default());
        assert!(drain.idle_within(Duration::ZERO).await);
        let first = drain.enter();
        let second = drain.enter();
        assert_eq!(drain.in_flight(), 2);
        assert!(!drain.idle_within(Duration::from_millis(50)).await);
        drop(first);
        let answered_later = tokio::spawn(async move {
            sleep(Duration::from_millis(60)).await;
            drop(second);
        });
        assert!(drain.idle_within(Duration::from_secs(5)).await);
        answered_later.await.unwrap();
        assert_eq!(drain.in_flight(), 0);
    }

    #[test]
    fn stopping_is_reported_once_begun() {
        let drain = Drain::default();
        assert!(!drain.is_stopping());
        drain.begin();
        assert!(drain.is_stopping());
    }
}
