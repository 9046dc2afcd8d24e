//! Outgoing email: delivery of the notices the use cases queue (`qorgau_app::notices`).
//!
//! Two transports, chosen once at start-up by [`Mailer::from_config`]:
//!
//! * SMTP (lettre's async transport on tokio) when `smtp_host` is set;
//! * `.eml` files under `data_dir/outbox` when it is not, so a developer or a single office
//!   without a mail relay still sees exactly what would have been sent. Production mode refuses
//!   this fallback: a silently unsent escalation about a child at risk is worse than a server
//!   that will not start.
//!
//! Mail leaves the protection system's database and crosses networks and inboxes we do not
//! control, so the notices composed here carry only what a case worker needs to act — the case
//! number, the kind of deadline, when it is due and a link — never anything about the child.
//! Everything else is behind the link and the login.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParametersBuilder};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{Config, Mode, SmtpRoots, SmtpSecurity};

/// The notices are composed and queued by the use cases (`qorgau_app::notices`); this module
/// delivers them.
pub use qorgau_app::notices::{Message, Notice, deadline_notice, enqueue, later_report_notice};

/// How long one SMTP conversation may stall before the send fails; a hung relay must not hold a
/// reminder job forever — the outbox retries later instead.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Why mail could not be sent. The texts name addresses and transport failures but never the
/// body, so they can be logged and stored as an outbox row's last error.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail settings cannot work (e.g. no SMTP host in production).
    #[error("mail configuration: {0}")]
    Config(String),
    /// A sender or recipient address does not parse; retrying will not help.
    #[error("invalid email address: {0}")]
    Address(String),
    /// The relay refused the message for good (an SMTP 5xx reply: unknown mailbox, rejected
    /// sender…); retrying the same message will not help.
    #[error("mail refused: {0}")]
    Refused(String),
    /// The relay refused for now, the connection failed or timed out, or the file could not be
    /// written; retrying later may help.
    #[error("sending mail failed: {0}")]
    Send(String),
}

impl MailError {
    /// Whether sending the same message again cannot succeed.
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Address(_) | MailError::Refused(_))
    }
}

/// Where mail goes. Cheap to clone (the SMTP transport shares its configuration), so it can live
/// in the application state.
#[derive(Clone, Debug)]
pub enum Mailer {
    /// A relay over SMTP. Without lettre's `pool` feature each send opens its own connection,
    /// which suits a trickle of reminders and never leaves a half-dead connection behind.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Each message written as `<dir>/<uuid>.eml` (lettre's `AsyncFileTransport`); the directory
    /// is created on first send, not at start-up, so an unused outbox leaves no trace.
    Files(PathBuf),
}

impl Mailer {
    /// The transport the configuration asks for:
    ///
    /// * `smtp_host` set → SMTP on `smtp_port`: `starttls` upgrades a plain connection (port
    ///   587), `tls` is implicit TLS from the first byte (port 465), `none` is unencrypted and
    ///   meant only for a relay on the same machine and for tests. Credentials are used when
    ///   `smtp_username` is set; then `QORGAU_SMTP_PASSWORD` is required. The relay's
    ///   certificate must chain to a CA of `smtp_roots` (by default the system's trust store)
    ///   or of `smtp_ca_file` ([`trust`]).
    /// * `smtp_host` empty → `.eml` files under `data_dir/outbox` in local mode, an error in
    ///   production mode.
    pub fn from_config(config: &Config) -> Result<Mailer, MailError> {
        let host = config.smtp_host.trim();
        if host.is_empty() {
            return match config.mode {
                Mode::Local => Ok(Mailer::Files(config.data_dir.join("outbox"))),
                Mode::Production => Err(MailError::Config(
                    "QORGAU_SMTP_HOST must be set in production mode".into(),
                )),
            };
        }
        let builder = match config.smtp_security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| MailError::Config(format!("SMTP host {host:?}: {e}")))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| MailError::Config(format!("SMTP host {host:?}: {e}")))?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.port(config.smtp_port).timeout(Some(SMTP_TIMEOUT));
        match config.smtp_security {
            SmtpSecurity::Starttls => builder = builder.tls(Tls::Required(trust(config, host)?)),
            SmtpSecurity::Tls => builder = builder.tls(Tls::Wrapper(trust(config, host)?)),
            // A CA file without TLS is refused with the configuration (`Config::check`).
            SmtpSecurity::None => {}
        }
        let username = config.smtp_username.trim();
        if !username.is_empty() {
            let Some(password) = &config.secrets.smtp_password else {
                return Err(MailError::Config(
                    "QORGAU_SMTP_PASSWORD must be set when smtp_username is set".into(),
                ));
            };
            builder = builder.credentials(Credentials::new(username.to_string(), password.clone()));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    /// Sends `message` from `from` (normally `Config::smtp_from`, e.g.
    /// `Qorgau <no-reply@example.kz>`) as a single plain-text UTF-8 part.
    pub async fn send(&self, message: &Message, from: &str) -> Result<(), MailError> {
        let email = build_email(message, from)?;
        match self {
            Mailer::Smtp(transport) => {
                transport.send(email).await.map_err(|e| {
                    let what = format!("to {}: {e}", message.to.trim());
                    if e.is_permanent() {
                        MailError::Refused(what)
                    } else {
                        MailError::Send(what)
                    }
                })?;
            }
            Mailer::Files(dir) => {
                create_outbox(dir)?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(email)
                    .await
                    .map_err(|e| MailError::Send(format!("writing to {}: {e}", dir.display())))?;
            }
        }
        Ok(())
    }
}

/// The TLS parameters for the relay `host`: the CAs of `smtp_roots`, plus those of
/// `smtp_ca_file`. lettre's own default (its `webpki-roots`) is not used for `system`: an
/// operator adds a national or private CA to the system's store (`update-ca-certificates`)
/// or names it in `smtp_ca_file`. A store or file without a certificate stops the start.
pub fn trust(
    config: &Config,
    host: &str,
) -> Result<lettre::transport::smtp::client::TlsParameters, MailError> {
    let mut params = TlsParametersBuilder::new(host.to_string());
    params = match config.smtp_roots {
        SmtpRoots::Mozilla => params.certificate_store(CertificateStore::WebpkiRoots),
        SmtpRoots::None => params.certificate_store(CertificateStore::None),
        SmtpRoots::System => {
            let found = rustls_native_certs::load_native_certs();
            if found.certs.is_empty() {
                return Err(MailError::Config(format!(
                    "smtp_roots is \"system\" but the system's trust store holds no certificate ({}): install ca-certificates, or set smtp_ca_file or smtp_roots = \"mozilla\"",
                    found
                        .errors
                        .first()
                        .map_or_else(|| "none found".to_string(), ToString::to_string)
                )));
            }
            let mut params = params.certificate_store(CertificateStore::None);
            for der in found.certs {
                // One unparsable certificate in the store is skipped, as a TLS library would.
                if let Ok(certificate) = Certificate::from_der(der.to_vec()) {
                    params = params.add_root_certificate(certificate);
                }
            }
            params
        }
    };
    let file = config.smtp_ca_file.trim();
    if !file.is_empty() {
        let pem = std::fs::read(file)
            .map_err(|e| MailError::Config(format!("smtp_ca_file {file}: {e}")))?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| MailError::Config(format!("smtp_ca_file {file}: {e}")))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(MailError::Config(format!(
                "smtp_ca_file {file}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
            )));
        }
        params = params.add_root_certificate(certificate);
    }
    params
        .build_rustls()
        .map_err(|e| MailError::Config(format!("SMTP TLS for {host:?}: {e}")))
}

/// The lettre message for `message`. lettre adds `Date` and `Message-ID`, encodes non-ASCII
/// headers as RFC 2047 words and picks 7bit or quoted-printable for the body, so any relay
/// accepts it whether or not it offers 8BITMIME.
fn build_email(message: &Message, from: &str) -> Result<lettre::Message, MailError> {
    let from: Mailbox = from
        .trim()
        .parse()
        .map_err(|e| MailError::Address(format!("sender {:?}: {e}", from.trim())))?;
    let to: Mailbox = message
        .to
        .trim()
        .parse()
        .map_err(|e| MailError::Address(format!("recipient {:?}: {e}", message.to.trim())))?;
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| MailError::Address(e.to_string()))
}

/// A local directory create is a single fast syscall, so it is done inline rather than on the
/// blocking pool (tokio's `fs` feature is not enabled in this crate).
fn create_outbox(dir: &Path) -> Result<(), MailError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| MailError::Send(format!("creating {}: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use base64::Engine as _;
    use figment::providers::Format as _;

    use super::*;

    fn config(mode: Mode, host: &str) -> Config {
        let mut config: Config = figment::Figment::from(figment::providers::Toml::string(
            crate::config::DEFAULT_TOML,
        ))
        .extract()
        .unwrap();
        config.mode = mode;
        config.smtp_host = host.into();
        config
    }

    #[test]
    fn transport_follows_the_configuration() {
        let local = config(Mode::Local, "");
        match Mailer::from_config(&local).unwrap() {
            Mailer::Files(dir) => assert_eq!(dir, local.data_dir.join("outbox")),
            other => panic!("expected files, got {other:?}"),
        }
        let err = Mailer::from_config(&config(Mode::Production, " ")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mail configuration: QORGAU_SMTP_HOST must be set in production mode"
        );
        for security in [
            SmtpSecurity::Starttls,
            SmtpSecurity::Tls,
            SmtpSecurity::None,
        ] {
            let mut smtp = config(Mode::Production, "smtp.example.kz");
            smtp.smtp_security = security;
            assert!(matches!(
                Mailer::from_config(&smtp).unwrap(),
                Mailer::Smtp(_)
            ));
            smtp.smtp_username = "qorgau".into();
            assert!(matches!(
                Mailer::from_config(&smtp),
                Err(MailError::Config(_))
            ));
            smtp.secrets.smtp_password = Some("secret".into());
            assert!(matches!(
                Mailer::from_config(&smtp).unwrap(),
                Mailer::Smtp(_)
            ));
        }
    }

    /// `smtp_roots` and `smtp_ca_file` (issue 23): the system's store by default, Mozilla's
    /// list, or only a named CA file; a CA file that is missing or holds no certificate stops
    /// the start, naming the file.
    #[test]
    fn the_relay_is_trusted_through_the_configured_authorities() {
        let ca = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/api/fixtures/smtp-tls/ca.pem"
        );
        let mut smtp = config(Mode::Production, "smtp.example.kz");
        for roots in [SmtpRoots::System, SmtpRoots::Mozilla] {
            smtp.smtp_roots = roots;
            for file in ["", ca] {
                smtp.smtp_ca_file = file.into();
                for security in [SmtpSecurity::Starttls, SmtpSecurity::Tls] {
                    smtp.smtp_security = security;
                    assert!(
                        matches!(Mailer::from_config(&smtp), Ok(Mailer::Smtp(_))),
                        "{roots:?} {file:?} {security:?}"
                    );
                }
            }
        }
        smtp.smtp_roots = SmtpRoots::None;
        smtp.smtp_ca_file = ca.into();
        assert!(matches!(Mailer::from_config(&smtp), Ok(Mailer::Smtp(_))));

        smtp.smtp_ca_file = "/nonexistent/qorgau-ca.pem".into();
        let err = Mailer::from_config(&smtp).unwrap_err().to_string();
        assert!(
            err.contains("smtp_ca_file /nonexistent/qorgau-ca.pem"),
            "{err}"
        );
        let not_pem = std::env::temp_dir().join(format!("qorgau-ca-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&not_pem, "not a certificate\n").unwrap();
        smtp.smtp_ca_file = not_pem.display().to_string();
        let err = Mailer::from_config(&smtp).unwrap_err().to_string();
        assert!(err.contains("no PEM certificate"), "{err}");
        let _ = std::fs::remove_file(not_pem);
    }

    /// RFC 2047 `=?utf-8?b?…?=` words, as lettre writes non-ASCII headers, back to text:
    /// whitespace between two encoded words is dropped, any other is kept.
    fn decode_header(value: &str) -> String {
        let mut out = String::new();
        let mut previous_encoded = false;
        for (i, word) in value.split_whitespace().enumerate() {
            let b64 = word
                .strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="));
            let encoded = b64.is_some();
            if i > 0 && !(encoded && previous_encoded) {
                out.push(' ');
            }
            match b64 {
                Some(b64) => out.push_str(
                    &String::from_utf8(
                        base64::engine::general_purpose::STANDARD
                            .decode(b64)
                            .unwrap(),
                    )
                    .unwrap(),
                ),
                None => out.push_str(word),
            }
            previous_encoded = encoded;
        }
        out
    }

    /// A header's value with folded continuation lines joined.
    fn header(eml: &str, name: &str) -> String {
        let mut value = None::<String>;
        for line in eml.split("\r\n") {
            if line.is_empty() {
                break;
            }
            match &mut value {
                Some(v) if line.starts_with([' ', '\t']) => v.push_str(line),
                Some(_) => break,
                None => {
                    if let Some(rest) = line.strip_prefix(&format!("{name}: ")) {
                        value = Some(rest.to_string());
                    }
                }
            }
        }
        value.unwrap()
    }

    #[tokio::test]
    async fn files_transport_writes_an_eml() {
        let dir = std::env::temp_dir().join(format!("qorgau-mail-{}", uuid::Uuid::new_v4()));
        let outbox = dir.join("outbox");
        let mailer = Mailer::Files(outbox.clone());
        let message = deadline_notice(
            Notice::Escalation,
            "head@example.kz",
            "KZ-71-2026-000001",
            qorgau_domain::protocol::DeadlineKind::ReferralResponse,
            chrono::Utc::now(),
            "https://qorgau.example.kz/cases/0190b6c2-7f3e-7000-8000-000000000001",
        );
        mailer
            .send(&message, "Qorgau <no-reply@qorgau.local>")
            .await
            .unwrap();

        let files: Vec<_> = std::fs::read_dir(&outbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert_eq!(header(&eml, "To"), "head@example.kz");
        assert_eq!(header(&eml, "From"), "Qorgau <no-reply@qorgau.local>");
        assert_eq!(decode_header(&header(&eml, "Subject")), message.subject);
        assert_eq!(header(&eml, "Content-Type"), "text/plain; charset=utf-8");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn bad_addresses_are_refused_without_the_body() {
        let dir = std::env::temp_dir().join(format!("qorgau-mail-{}", uuid::Uuid::new_v4()));
        let mailer = Mailer::Files(dir.clone());
        let message = Message {
            to: "not an address".into(),
            subject: "s".into(),
            body: "SECRET BODY".into(),
        };
        let err = mailer
            .send(&message, "no-reply@qorgau.local")
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Address(_)), "{err}");
        assert!(!err.to_string().contains("SECRET"));
        let err = mailer
            .send(
                &Message {
                    to: "ok@example.kz".into(),
                    ..message
                },
                "nobody",
            )
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Address(_)), "{err}");
        assert!(!dir.exists(), "nothing written for a refused message");
    }
}
