//! Upkeep of the document store, run by the operator (`qorgau documents orphans`, and after
//! `qorgau retention run`): it needs the database and the store together, so it lives on the
//! application state, apart from the store itself (`crate::documents`).

use std::collections::HashSet;

use qorgau_persistence::documents;

use crate::documents::ORPHAN_AFTER_MINUTES;
use crate::error::ApiError;
use crate::state::AppState;

impl AppState {
    /// Keys in the store that no document row names: bytes of uploads that never committed.
    /// Only objects written more than [`ORPHAN_AFTER_MINUTES`] ago count: a younger one may be
    /// an upload whose record is committing now.
    pub async fn document_orphans(&self) -> Result<Vec<String>, ApiError> {
        let settled = self.now() - chrono::Duration::minutes(ORPHAN_AFTER_MINUTES);
        let keys = self.documents.keys().await?;
        let known = self.run(|conn| Ok(documents::storage_keys(conn)?)).await?;
        let known: HashSet<String> = known.into_iter().collect();
        Ok(keys
            .into_iter()
            .filter(|(k, written)| *written < settled && !known.contains(k))
            .map(|(k, _)| k)
            .collect())
    }

    /// Deletes from the store the bytes of every document retention erased and not yet purged,
    /// recording each; returns how many. Safe to repeat: run after every retention run, it also
    /// finishes what an interrupted one left.
    pub async fn purge_erased_documents(&self) -> Result<usize, ApiError> {
        let pending = self.run(|conn| Ok(documents::to_purge(conn)?)).await?;
        let mut purged = 0;
        for (id, key) in pending {
            self.documents.delete(&key).await?;
            let at = self.now().naive_utc();
            self.run(move |conn| Ok(documents::mark_purged(conn, id, at)?))
                .await?;
            purged += 1;
        }
        Ok(purged)
    }
}
