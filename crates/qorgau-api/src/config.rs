//! Configuration: `config/default.toml` (compiled in) < an optional file < `QORGAU_*`
//! environment variables. Secrets (`QORGAU_JWT_SECRET`, `QORGAU_AUDIT_KEY`,
//! `QORGAU_SMTP_PASSWORD`…) are read from the environment only, never from a configuration file
//! that could be committed — or from the file a `QORGAU_<NAME>_FILE` variable names (a systemd
//! credential, a Kubernetes or Docker secret), so that the value need not sit in the process's
//! environment; local mode generates the first two under `data_dir` when they are not given.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use qorgau_domain::account::LockoutPolicy;
use qorgau_domain::audit::AuditKey;
use qorgau_persistence::Backend;
use serde::{Deserialize, Serialize};

use crate::rate_limit::ProxyNet;

/// The largest `documents.max_bytes` allowed: an upload is held in memory while it is checked.
pub const MAX_DOCUMENT_BYTES: u64 = 1024 * 1024 * 1024;

pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Local,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

/// The certificate authorities trusted for the SMTP relay's TLS (`smtp_roots`), besides
/// `smtp_ca_file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpRoots {
    /// The operating system's trust store (Debian: `/etc/ssl/certs`, from `ca-certificates`
    /// and `update-ca-certificates`; `SSL_CERT_FILE`/`SSL_CERT_DIR` override).
    System,
    /// Mozilla's list compiled into the binary (`webpki-roots`), whatever the system holds.
    Mozilla,
    /// None: only the certificates of `smtp_ca_file`, which must then be set.
    None,
}

/// Where `serve` hands over the password of the first administrator it creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstAdminPassword {
    /// Printed when standard output is a terminal, else written to
    /// `data_dir/initial-admin-password` (mode 0600) and only that path printed.
    Auto,
    /// Always written to the file.
    File,
}

/// The effective configuration. Each field is documented in `config/default.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    pub mode: Mode,
    pub database_url: String,
    pub listen: String,
    pub data_dir: PathBuf,
    pub public_url: String,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    pub pool_size: u32,
    pub db_timeout_ms: u64,
    pub max_body_bytes: usize,
    pub workers: usize,
    pub protocols_dir: String,
    pub calendar_file: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_username: String,
    pub smtp_from: String,
    pub smtp_security: SmtpSecurity,
    /// Which certificate authorities an SMTP relay's certificate may come from.
    pub smtp_roots: SmtpRoots,
    /// Where `serve` puts the first administrator's password (`first_admin_password`).
    pub first_admin_password: FirstAdminPassword,
    /// A PEM file of further CA certificates trusted for the relay (a national or private CA).
    pub smtp_ca_file: String,
    pub worker_enabled: bool,
    pub worker_interval_seconds: u64,
    /// A webhook subscription is paused after this many failed deliveries in a row.
    #[serde(default = "default_webhook_pause_after")]
    pub webhook_pause_after: i32,
    /// How long a webhook receiver has to answer a delivery.
    #[serde(default = "default_webhook_timeout_seconds")]
    pub webhook_timeout_seconds: u64,
    /// Kazakhstan time (`HH:MM`) from which each working day's digest is sent.
    pub digest_time: String,
    pub break_glass_minutes: i64,
    pub login_max_failures: usize,
    pub login_lockout_minutes: i64,
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    pub trusted_proxies: Vec<ProxyNet>,
    pub cors_origins: Vec<String>,
    /// `[retention]`: when children's records are anonymised (`qorgau retention run`).
    pub retention: Retention,
    /// `[documents]`: uploads, their size limit and where their bytes are stored.
    pub documents: Documents,
    /// `[reports]`: where the reports read from.
    pub reports: Reports,
    /// `[console]`: the browser console's sign-in (`/console/`).
    pub console: Console,
    #[serde(skip)]
    pub secrets: Secrets,
}

/// Where documents' bytes are kept (`documents.store`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// A directory (`documents.directory`, by default `data_dir/documents`).
    Directory,
    /// An S3-compatible object store (`documents.s3_*`).
    S3,
}

/// The `[documents]` table (docs/configuration.md § Documents).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Documents {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    pub store: StoreKind,
    /// The directory of the `directory` store; empty: `data_dir/documents`.
    pub directory: String,
    pub s3_bucket: String,
    /// E.g. `https://s3.kz-ast.example.kz`; empty: AWS's own endpoint for `s3_region`.
    pub s3_endpoint: String,
    pub s3_region: String,
    /// Keys are written under this prefix (e.g. `qorgau/`), so one bucket can hold several.
    pub s3_prefix: String,
    /// Allow a plain-HTTP endpoint (a store on the same host or private network only).
    pub s3_allow_http: bool,
}

impl Documents {
    /// The directory store's directory.
    pub fn directory(&self, data_dir: &Path) -> PathBuf {
        if self.directory.trim().is_empty() {
            data_dir.join("documents")
        } else {
            PathBuf::from(self.directory.trim())
        }
    }
}

/// The `[reports]` table (docs/configuration.md, docs/operations.md § Reports on a replica).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reports {
    /// A PostgreSQL streaming replica of `database_url` that the indicators and aggregates (JSON
    /// and CSV) read from, through a read-only pool of their own; empty: they read the primary.
    /// Environment: `QORGAU_REPORTS_DATABASE_URL` (or `QORGAU_REPORTS__DATABASE_URL`).
    pub database_url: String,
}

impl Reports {
    /// The replica's URL, when one is configured.
    pub fn replica_url(&self) -> Option<&str> {
        Some(self.database_url.trim()).filter(|url| !url.is_empty())
    }
}

/// Whether the console's cookies carry `Secure` (`console.secure_cookies`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecureCookies {
    /// When `public_url` is `https://` (the server is reached over TLS, directly or by a proxy).
    Auto,
    Always,
    Never,
}

/// The `[console]` table (docs/configuration.md § Console).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Console {
    /// How long a console sign-in lasts, in hours (1–24): its login and its cookie end then.
    pub session_hours: i64,
    pub secure_cookies: SecureCookies,
}

/// The `[retention]` table (docs/configuration.md § Retention).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Retention {
    /// Years after a child's last case closed before the child's record is anonymised.
    pub closed_case_years: u32,
    /// Days the feed of domain events keeps an event (`GET /api/v1/events`, webhooks'
    /// deliveries): older ones are deleted by `qorgau retention run`.
    #[serde(default = "default_event_days")]
    pub event_days: u32,
}

fn default_webhook_pause_after() -> i32 {
    20
}

fn default_webhook_timeout_seconds() -> u64 {
    10
}

fn default_event_days() -> u32 {
    90
}

/// Secrets, from the environment only. `Debug` is redacted so they cannot reach a log.
#[derive(Clone, Default)]
pub struct Secrets {
    pub jwt_secret: Option<String>,
    /// The audit chain's key (`QORGAU_AUDIT_KEY`): see [`Config::audit_key`].
    pub audit_key: Option<String>,
    pub smtp_password: Option<String>,
    /// Bearer token a scraper of `/metrics` must send; unset: loopback scrapers only.
    pub metrics_token: Option<String>,
    /// The S3 store's credentials (`QORGAU_S3_ACCESS_KEY_ID`, `QORGAU_S3_SECRET_ACCESS_KEY`).
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error(
        "{var} must be set in production mode (at least 32 characters; e.g. `openssl rand -base64 48`)"
    )]
    MissingSecret { var: &'static str },
    #[error("{var} must be at least 32 characters")]
    WeakSecret { var: &'static str },
    #[error("access_token_minutes must be between 1 and 15")]
    AccessTokenLifetime,
    #[error("{key} {reason}")]
    Setting {
        key: &'static str,
        reason: &'static str,
    },
    #[error("{var}: cannot read {path}: {source}")]
    UnreadableFile {
        var: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{var}: {path} is empty")]
    EmptyFile { var: String, path: PathBuf },
    #[error("{var} and {var}_FILE are both set: keep one")]
    BothSet { var: &'static str },
    #[error("cannot keep the generated secret at {path}: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // `QORGAU_RETENTION__CLOSED_CASE_YEARS` sets `retention.closed_case_years`.
        // `QORGAU_REPORTS_DATABASE_URL` too, the name docs/operations.md gives it.
        let env = Env::prefixed("QORGAU_")
            .split("__")
            .map(|key| {
                if key == "reports_database_url" {
                    "reports.database_url".into()
                } else {
                    key.into()
                }
            })
            .ignore(&[
                // Read by `env_or_file`, with their `_FILE` variants.
                "database_url_file",
                "reports_database_url_file",
                "jwt_secret",
                "jwt_secret_file",
                "audit_key_file",
                "smtp_password_file",
                "metrics_token_file",
                "s3_access_key_id_file",
                "s3_secret_access_key_file",
                "audit_key",
                "smtp_password",
                "metrics_token",
                "s3_access_key_id",
                "s3_secret_access_key",
                "config",
                "test_database_url",
                "require_postgres",
            ]);
        let mut config: Config = figment.merge(env).extract().map_err(Box::new)?;
        // Connection strings may carry a password: they may come from a file too.
        if let Some(url) = env_or_file("QORGAU_DATABASE_URL")? {
            config.database_url = url;
        }
        if let Some(url) = env_or_file("QORGAU_REPORTS_DATABASE_URL")? {
            config.reports.database_url = url;
        }
        config.secrets = Secrets {
            jwt_secret: env_or_file("QORGAU_JWT_SECRET")?,
            audit_key: env_or_file("QORGAU_AUDIT_KEY")?,
            smtp_password: env_or_file("QORGAU_SMTP_PASSWORD")?,
            metrics_token: env_or_file("QORGAU_METRICS_TOKEN")?,
            s3_access_key_id: env_or_file("QORGAU_S3_ACCESS_KEY_ID")?,
            s3_secret_access_key: env_or_file("QORGAU_S3_SECRET_ACCESS_KEY")?,
        };
        config.check()?;
        Ok(config)
    }

    /// The limits that keep the service safe cannot be configured away.
    fn check(&self) -> Result<(), ConfigError> {
        let refuse = |key, reason| Err(ConfigError::Setting { key, reason });
        if !(1..=15).contains(&self.access_token_minutes) {
            return Err(ConfigError::AccessTokenLifetime);
        }
        if self.login_max_failures == 0 {
            return refuse("login_max_failures", "must be at least 1");
        }
        if self.login_lockout_minutes < 1 {
            return refuse("login_lockout_minutes", "must be at least 1");
        }
        if self.rate_limit_per_second > 0 && self.rate_limit_burst == 0 {
            return refuse(
                "rate_limit_burst",
                "must be at least 1 while rate_limit_per_second is set",
            );
        }
        if self.digest_time().is_none() {
            return refuse("digest_time", "must be a time of day as HH:MM, e.g. 17:00");
        }
        if !qorgau_domain::retention::CLOSED_CASE_YEARS.contains(&self.retention.closed_case_years)
        {
            return refuse(
                "retention.closed_case_years",
                "must be between 1 and 100 (years after a child's last case closed)",
            );
        }
        if !(1..=1000).contains(&self.webhook_pause_after) {
            return refuse(
                "webhook_pause_after",
                "must be between 1 and 1000 (failed deliveries in a row)",
            );
        }
        if !(1..=120).contains(&self.webhook_timeout_seconds) {
            return refuse("webhook_timeout_seconds", "must be between 1 and 120");
        }
        if !(1..=3650).contains(&self.retention.event_days) {
            return refuse(
                "retention.event_days",
                "must be between 1 and 3650 (days the event feed keeps an event)",
            );
        }
        if !(1..=24).contains(&self.console.session_hours) {
            return refuse("console.session_hours", "must be between 1 and 24 (hours)");
        }
        if !(1..=MAX_DOCUMENT_BYTES).contains(&self.documents.max_bytes) {
            return refuse(
                "documents.max_bytes",
                "must be between 1 and 1073741824 (1 GiB)",
            );
        }
        if self.documents.store == StoreKind::S3 && self.documents.s3_bucket.trim().is_empty() {
            return refuse(
                "documents.s3_bucket",
                "must be set when documents.store is \"s3\"",
            );
        }
        if self.smtp_roots == SmtpRoots::None && self.smtp_ca_file.trim().is_empty() {
            return refuse(
                "smtp_roots",
                "is \"none\": then smtp_ca_file must name the PEM file of the CA certificates to trust",
            );
        }
        if self.smtp_security == SmtpSecurity::None && !self.smtp_ca_file.trim().is_empty() {
            return refuse(
                "smtp_ca_file",
                "is set but smtp_security is \"none\": no TLS would use it",
            );
        }
        if let Some(url) = self.reports.replica_url() {
            let postgres = |url: &str| Backend::of_url(url) == Backend::Postgres;
            if !postgres(&self.database_url) || !postgres(url) {
                return refuse(
                    "reports.database_url",
                    "must be empty or the postgres:// URL of a streaming replica of database_url, which must be PostgreSQL too (SQLite has no replicas: leave it empty, and reports read the database itself)",
                );
            }
        }
        if !self.cors_origins.iter().all(|o| is_origin(o)) {
            return refuse(
                "cors_origins",
                "must list origins such as https://app.example.kz (scheme, host, optional port; no path, no wildcard)",
            );
        }
        Ok(())
    }

    /// When the daily digest goes out, Kazakhstan time (checked at load).
    pub fn digest_time(&self) -> Option<chrono::NaiveTime> {
        chrono::NaiveTime::parse_from_str(self.digest_time.trim(), "%H:%M").ok()
    }

    /// The login lockout (docs/security.md § Login).
    pub fn lockout(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.login_max_failures,
            window: chrono::Duration::minutes(self.login_lockout_minutes),
        }
    }

    /// Whether the console's cookies are marked `Secure` (sent over HTTPS only).
    pub fn secure_cookies(&self) -> bool {
        match self.console.secure_cookies {
            SecureCookies::Auto => self.behind_tls(),
            SecureCookies::Always => true,
            SecureCookies::Never => false,
        }
    }

    /// Served over TLS (directly or by a proxy in front): browsers may be told to insist on it.
    pub fn behind_tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The key that signs access tokens (`QORGAU_JWT_SECRET`; in local mode, generated into
    /// `data_dir/jwt-secret`, so tokens survive a restart).
    pub fn jwt_secret(&self) -> Result<Vec<u8>, ConfigError> {
        self.secret(
            "QORGAU_JWT_SECRET",
            self.secrets.jwt_secret.as_deref(),
            "jwt-secret",
        )
    }

    /// The key of the audit chain (`QORGAU_AUDIT_KEY`; in local mode, generated into
    /// `data_dir/audit-key`). It must never be stored in the database: with it, someone able to
    /// write there could re-seal an edited chain. Every instance and `qorgau audit verify` need
    /// the same key; losing it leaves the chain unverifiable (docs/operations.md).
    pub fn audit_key(&self) -> Result<AuditKey, ConfigError> {
        const VAR: &str = "QORGAU_AUDIT_KEY";
        let secret = self.secret(VAR, self.secrets.audit_key.as_deref(), "audit-key")?;
        AuditKey::new(&secret).ok_or(ConfigError::WeakSecret { var: VAR })
    }

    /// A secret of at least 32 characters from the environment variable `var` (its value
    /// `given`). Production mode requires it. Local mode without it reads `data_dir/file`,
    /// generating it (mode 600) on first start; an existing file is never replaced.
    fn secret(
        &self,
        var: &'static str,
        given: Option<&str>,
        file: &str,
    ) -> Result<Vec<u8>, ConfigError> {
        let long_enough = |s: &str| {
            if s.len() >= 32 {
                Ok(s.as_bytes().to_vec())
            } else {
                Err(ConfigError::WeakSecret { var })
            }
        };
        if let Some(secret) = given {
            return long_enough(secret);
        }
        if self.mode == Mode::Production {
            return Err(ConfigError::MissingSecret { var });
        }
        let path = self.data_dir.join(file);
        let io = |source| ConfigError::SecretFile {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(existing) => long_enough(existing.trim()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.data_dir).map_err(io)?;
                create_private(&path, &qorgau_app::secrets::random_token()).map_err(io)?;
                // Read back: when two processes start at once, the first one's secret is kept.
                let kept = std::fs::read_to_string(&path).map_err(io)?;
                long_enough(kept.trim())
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The configuration as it may be logged: passwords in URLs masked, secrets absent.
    pub fn redacted(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        value["database_url"] = mask_url_password(&self.database_url).into();
        value["reports"]["database_url"] = mask_url_password(&self.reports.database_url).into();
        let shown = |given: &Option<String>| {
            if given.is_some() {
                "(set)"
            } else {
                "(generated)"
            }
        };
        value["jwt_secret"] = shown(&self.secrets.jwt_secret).into();
        value["audit_key"] = shown(&self.secrets.audit_key).into();
        value
    }
}

/// `https://app.example.kz` or `http://localhost:3000`: what a browser sends in `Origin`.
fn is_origin(value: &str) -> bool {
    let Some((scheme, host)) = value.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !host.is_empty()
        && host
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'))
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The value of the environment variable `var`, or the contents of the file that `var_FILE`
/// names (without the line end a file usually has). Both set is refused; an unreadable or
/// empty file too: a secret that silently went missing would only show later.
fn env_or_file(var: &'static str) -> Result<Option<String>, ConfigError> {
    let file_var = format!("{var}_FILE");
    let given = non_empty_env(var);
    let Some(path) = non_empty_env(&file_var) else {
        return Ok(given);
    };
    if given.is_some() {
        return Err(ConfigError::BothSet { var });
    }
    read_secret_file(&file_var, Path::new(path.trim())).map(Some)
}

/// A secret file's contents, the line end(s) at its end removed.
pub fn read_secret_file(var: &str, path: &Path) -> Result<String, ConfigError> {
    let contents = std::fs::read_to_string(path).map_err(|source| ConfigError::UnreadableFile {
        var: var.to_string(),
        path: path.to_path_buf(),
        source,
    })?;
    let value = contents.trim_end_matches(['\r', '\n']);
    if value.trim().is_empty() {
        return Err(ConfigError::EmptyFile {
            var: var.to_string(),
            path: path.to_path_buf(),
        });
    }
    Ok(value.to_string())
}

/// Writes `contents` to a new file at `path`, readable by its owner only — unless the file
/// exists by then, which is kept: the contents go to a private temporary file first and are
/// linked into place, which fails rather than replace anything.
fn create_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let temporary = private_temporary(path, contents)?;
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Writes `contents` to `path`, readable by its owner only (0600), replacing any file there: a
/// private temporary file first, renamed into place, so the path never holds a partial or
/// readable copy.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = private_temporary(path, contents)?;
    let renamed = std::fs::rename(&temporary, path);
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}

/// A new file beside `path` (mode 0600 from its creation) holding `contents`, synced to disk;
/// removed again when it could not be written.
fn private_temporary(path: &Path, contents: &str) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    let temporary = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temporary)
        .and_then(|mut f| f.write_all(contents.as_bytes()).and_then(|()| f.sync_all()));
    match written {
        Ok(()) => Ok(temporary),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e)
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn mask_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .expect("default.toml is valid");
        assert_eq!(config.mode, Mode::Local);
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert!(config.database_url.starts_with("sqlite://"));
        assert!(config.access_token_minutes <= 15);
    }

    /// A configuration file with `toml` over the defaults, loaded the way `qorgau` loads it.
    fn load_with(toml: &str) -> Result<Config, ConfigError> {
        let path = std::env::temp_dir().join(format!("qorgau-cfg-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, toml).expect("temp file");
        let loaded = Config::load(Some(&path));
        let _ = std::fs::remove_file(path);
        loaded
    }

    #[test]
    fn access_tokens_cannot_outlive_fifteen_minutes() {
        assert!(matches!(
            load_with("access_token_minutes = 16"),
            Err(ConfigError::AccessTokenLifetime)
        ));
        assert!(matches!(
            load_with("access_token_minutes = 0"),
            Err(ConfigError::AccessTokenLifetime)
        ));
        let config = load_with("access_token_minutes = 15").expect("accepted");
        assert_eq!(config.access_token_minutes, 15);
    }

    #[test]
    fn hardening_settings_are_checked() {
        let config = load_with("").expect("defaults");
        assert_eq!(config.lockout().max_failures, 5);
        assert_eq!(config.lockout().window, chrono::Duration::minutes(15));
        assert!(config.cors_origins.is_empty());
        assert_eq!(
            config.digest_time(),
            chrono::NaiveTime::from_hms_opt(17, 0, 0)
        );
        for bad in [
            "login_max_failures = 0",
            "login_lockout_minutes = 0",
            "rate_limit_burst = 0",
            "cors_origins = [\"*\"]",
            "cors_origins = [\"https://app.example.kz/\"]",
            "cors_origins = [\"app.example.kz\"]",
            "trusted_proxies = [\"10.0.0.0/33\"]",
            "digest_time = \"5pm\"",
            "digest_time = \"25:00\"",
            "smtp_roots = \"none\"",
            "smtp_roots = \"everyone\"",
            "smtp_security = \"none\"\nsmtp_ca_file = \"/etc/ssl/ca.pem\"",
            "first_admin_password = \"shout\"",
        ] {
            assert!(load_with(bad).is_err(), "{bad}");
        }
        let config = load_with(
            "rate_limit_per_second = 0\nrate_limit_burst = 0\ncors_origins = [\"https://app.example.kz\", \"http://localhost:3000\"]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]",
        )
        .expect("valid");
        assert_eq!(config.cors_origins.len(), 2);
        assert_eq!(config.trusted_proxies.len(), 2);
    }

    #[test]
    fn the_retention_period_is_a_table_of_its_own_and_checked() {
        assert_eq!(
            load_with("").expect("defaults").retention.closed_case_years,
            5
        );
        let config = load_with("[retention]\nclosed_case_years = 7").expect("valid");
        assert_eq!(config.retention.closed_case_years, 7);
        for bad in ["closed_case_years = 0", "closed_case_years = 101"] {
            assert!(
                matches!(
                    load_with(&format!("[retention]\n{bad}")),
                    Err(ConfigError::Setting {
                        key: "retention.closed_case_years",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_document_settings_are_checked() {
        let config = load_with("").expect("defaults");
        assert_eq!(config.documents.max_bytes, 10 * 1024 * 1024);
        assert_eq!(config.documents.store, StoreKind::Directory);
        assert_eq!(
            config.documents.directory(Path::new("data")),
            Path::new("data/documents")
        );
        let config =
            load_with("[documents]\nstore = \"s3\"\ns3_bucket = \"qorgau\"").expect("valid");
        assert_eq!(config.documents.store, StoreKind::S3);
        for (bad, key) in [
            ("max_bytes = 0", "documents.max_bytes"),
            ("max_bytes = 1073741825", "documents.max_bytes"),
            ("store = \"s3\"", "documents.s3_bucket"),
        ] {
            assert!(
                matches!(
                    load_with(&format!("[documents]\n{bad}")),
                    Err(ConfigError::Setting { key: k, .. }) if k == key
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_reports_replica_is_postgresql_beside_postgresql() {
        assert_eq!(load_with("").expect("defaults").reports.replica_url(), None);
        let primary = "database_url = \"postgres://qorgau@db/qorgau\"\n";
        let config = load_with(&format!(
            "{primary}[reports]\ndatabase_url = \"postgres://qorgau:s3cret@replica/qorgau\""
        ))
        .expect("valid");
        assert_eq!(
            config.reports.replica_url(),
            Some("postgres://qorgau:s3cret@replica/qorgau")
        );
        assert_eq!(
            config.redacted()["reports"]["database_url"],
            "postgres://qorgau:***@replica/qorgau"
        );
        for bad in [
            // SQLite has no replicas: a second file would be another database.
            "[reports]\ndatabase_url = \"postgres://qorgau@replica/qorgau\"".to_string(),
            format!("{primary}[reports]\ndatabase_url = \"sqlite://data/copy.db\""),
        ] {
            assert!(
                matches!(
                    load_with(&bad),
                    Err(ConfigError::Setting {
                        key: "reports.database_url",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask_url_password("postgres://qorgau:s3cret@db:5432/qorgau"),
            "postgres://qorgau:***@db:5432/qorgau"
        );
        assert_eq!(
            mask_url_password("postgres://qorgau@db/qorgau"),
            "postgres://qorgau@db/qorgau"
        );
        assert_eq!(
            mask_url_password("sqlite://data/q.db"),
            "sqlite://data/q.db"
        );
    }

    #[test]
    fn production_without_secret_is_refused() {
        let mut config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .expect("valid");
        config.mode = Mode::Production;
        assert!(matches!(
            config.jwt_secret(),
            Err(ConfigError::MissingSecret {
                var: "QORGAU_JWT_SECRET"
            })
        ));
        config.secrets.jwt_secret = Some("short".into());
        assert!(matches!(
            config.jwt_secret(),
            Err(ConfigError::WeakSecret { .. })
        ));
        config.secrets.jwt_secret = Some("x".repeat(32));
        assert_eq!(config.jwt_secret().expect("accepted").len(), 32);
        assert!(matches!(
            config.audit_key(),
            Err(ConfigError::MissingSecret {
                var: "QORGAU_AUDIT_KEY"
            })
        ));
        config.secrets.audit_key = Some("y".repeat(31));
        assert!(matches!(
            config.audit_key(),
            Err(ConfigError::WeakSecret { .. })
        ));
        config.secrets.audit_key = Some("y".repeat(32));
        assert!(config.audit_key().is_ok());
    }

    #[test]
    fn local_mode_generates_and_keeps_a_secret() {
        let dir = std::env::temp_dir().join(format!("qorgau-cfg-{}", uuid::Uuid::new_v4()));
        let mut config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .expect("valid");
        config.data_dir = dir.clone();
        let first = config.jwt_secret().expect("generated");
        let second = config.jwt_secret().expect("read back");
        assert_eq!(first, second);
        assert!(first.len() >= 32);

        // The audit key likewise, in its own file, private, and never replaced.
        let key = dir.join("audit-key");
        config.audit_key().expect("generated");
        let generated = std::fs::read_to_string(&key).expect("kept");
        assert_ne!(generated.as_bytes(), first.as_slice());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        config.audit_key().expect("read back");
        assert_eq!(std::fs::read_to_string(&key).expect("kept"), generated);
        std::fs::write(&key, "too short").expect("writable");
        assert!(matches!(
            config.audit_key(),
            Err(ConfigError::WeakSecret { .. })
        ));
        assert_eq!(std::fs::read_to_string(&key).expect("kept"), "too short");
        let _ = std::fs::remove_dir_all(dir);
    }
}
