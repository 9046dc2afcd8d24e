//! The document store: where documents' bytes live (docs/configuration.md § Documents) — a
//! directory (by default `data_dir/documents`) or an S3-compatible bucket, both through the
//! `object_store` crate. The rows are `qorgau_app::documents`'.
//!
//! Each document's bytes are one object, keyed by the document's id (under `s3_prefix`), written
//! once and never changed. Upload order: the bytes are written first, then the row commits; if
//! the row does not commit (a refusal, a retry answered from its stored response, a failure) the
//! object is deleted again, and a crash in between leaves an orphan object that no row names,
//! unreachable through the API (`AppState::document_orphans`, docs/operations.md § Documents).

use std::sync::Arc;

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use qorgau_domain::ids::DocumentId;

use crate::config::{Config, StoreKind};
use crate::error::ApiError;

/// How old an object without a record must be to count as an orphan.
pub const ORPHAN_AFTER_MINUTES: i64 = 60;

/// The configured store.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    prefix: String,
}

impl Store {
    /// The store `config` names: the directory is created if missing; an S3 store is not
    /// contacted until used.
    pub fn open(config: &Config) -> Result<Store, String> {
        let settings = &config.documents;
        match settings.store {
            StoreKind::Directory => {
                let dir = settings.directory(&config.data_dir);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("documents directory {}: {e}", dir.display()))?;
                let fs = LocalFileSystem::new_with_prefix(&dir)
                    .map_err(|e| format!("documents directory {}: {e}", dir.display()))?;
                Ok(Store {
                    inner: Arc::new(fs),
                    prefix: String::new(),
                })
            }
            StoreKind::S3 => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(settings.s3_bucket.trim())
                    .with_region(settings.s3_region.trim())
                    .with_allow_http(settings.s3_allow_http);
                if !settings.s3_endpoint.trim().is_empty() {
                    builder = builder.with_endpoint(settings.s3_endpoint.trim());
                }
                if let Some(key) = &config.secrets.s3_access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &config.secrets.s3_secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                let s3 = builder
                    .build()
                    .map_err(|e| format!("documents S3 store: {e}"))?;
                Ok(Store {
                    inner: Arc::new(s3),
                    prefix: settings.s3_prefix.trim().trim_matches('/').to_string(),
                })
            }
        }
    }

    /// The key of a document's bytes.
    pub fn key_of(&self, id: DocumentId) -> String {
        if self.prefix.is_empty() {
            format!("documents/{id}")
        } else {
            format!("{}/documents/{id}", self.prefix)
        }
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), ApiError> {
        self.inner
            .put(&StorePath::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| failed("write", key, &e))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, ApiError> {
        let got = self
            .inner
            .get(&StorePath::from(key))
            .await
            .map_err(|e| failed("read", key, &e))?;
        let bytes = got.bytes().await.map_err(|e| failed("read", key, &e))?;
        Ok(bytes.to_vec())
    }

    /// Deletes the object; one already gone is no error.
    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        match self.inner.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("delete", key, &e)),
        }
    }

    /// Deletes an object whose row did not commit; a failure is logged (the object is then an
    /// orphan, see the module's documentation), never answered.
    pub async fn discard(&self, key: &str) {
        if self.delete(key).await.is_err() {
            tracing::warn!(key, "an uploaded document's bytes could not be discarded");
        }
    }

    /// Every key in the store under `documents/`, with when it was written.
    pub async fn keys(&self) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>, ApiError> {
        let base = if self.prefix.is_empty() {
            "documents".to_string()
        } else {
            format!("{}/documents", self.prefix)
        };
        let mut listing = self.inner.list(Some(&StorePath::from(base.as_str())));
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| failed("list", &base, &e))?;
            keys.push((meta.location.to_string(), meta.last_modified));
        }
        Ok(keys)
    }
}

fn failed(what: &str, key: &str, e: &object_store::Error) -> ApiError {
    tracing::error!(key, error = %e, "document store: cannot {what}");
    ApiError::Unavailable
}
