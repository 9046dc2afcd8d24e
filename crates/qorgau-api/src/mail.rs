//! Outgoing email: deadline reminders and escalations to staff.
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

use chrono::{DateTime, FixedOffset, Utc};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::{Config, Mode, SmtpSecurity};

/// How long one SMTP conversation may stall before the send fails; a hung relay must not hold a
/// reminder job forever — the outbox retries later instead.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Asia/Almaty has been UTC+5 all year since 1 March 2024 (no daylight saving), so a fixed
/// offset is exact and saves a time-zone database dependency.
const ALMATY_OFFSET_SECONDS: i32 = 5 * 3600;

/// One outgoing email, as queued. Stored as JSON in the outbox table, hence serde; the sender is
/// not part of it because it is configuration (`smtp_from`) at the time of sending.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub to: String,
    pub subject: String,
    /// Plain text; line endings are normalised to CRLF on the wire.
    pub body: String,
}

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
    /// The relay refused, the connection failed or timed out, or the file could not be
    /// written; retrying later may help.
    #[error("sending mail failed: {0}")]
    Send(String),
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
    ///   `smtp_username` is set; then `QORGAU_SMTP_PASSWORD` is required.
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
                transport
                    .send(email)
                    .await
                    .map_err(|e| MailError::Send(format!("to {}: {e}", message.to.trim())))?;
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

/// Which of the two deadline emails to compose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The deadline is near.
    Reminder,
    /// The deadline has passed; sent to whoever the case escalates to.
    Escalation,
}

/// Composes a reminder or an escalation for one deadline of one case: plain text, Kazakh first,
/// then Russian (the state language, then the language of inter-ethnic communication — every
/// recipient can read at least one of them).
///
/// Deliberately, this function receives no personal data: not the child's name, date of birth,
/// address or the concerns reported. Email is stored and forwarded by servers outside the
/// system's control, so the notice says only *which* case (its number), *what* is due (the
/// deadline kind), *when* (in Asia/Almaty time, UTC+5, as `YYYY-MM-DD HH:MM`) and *where* to
/// act (`case_url`, behind the login). Keep it that way when extending it.
///
/// `deadline_kind` is a `DeadlineKind` code such as `first_contact`; an unknown code is shown
/// as is rather than failing, since a reminder with a raw code is better than none.
pub fn deadline_notice(
    notice: Notice,
    to: &str,
    case_number: &str,
    deadline_kind: &str,
    due_at: DateTime<Utc>,
    case_url: &str,
) -> Message {
    let (kind_kk, kind_ru) = deadline_kind_words(deadline_kind);
    let due = almaty_time(due_at);
    let (subject_kk, subject_ru, body) = match notice {
        Notice::Reminder => (
            "мерзім жақындап қалды",
            "срок истекает",
            format!(
                "Істің мерзімі жақындап қалды.\n\
                 \n\
                 Іс: {case_number}\n\
                 Мерзім: {kind_kk}\n\
                 Орындау мерзімі: {due} (Алматы уақыты)\n\
                 Істі ашу: {case_url}\n\
                 \n\
                 ---\n\
                 \n\
                 Срок по делу истекает.\n\
                 \n\
                 Дело: {case_number}\n\
                 Срок: {kind_ru}\n\
                 Выполнить до: {due} (время Алматы)\n\
                 Открыть дело: {case_url}\n\
                 \n\
                 -- \n\
                 Qorgau. Бұл хат автоматты түрде жіберілді. / Это письмо отправлено автоматически.\n"
            ),
        ),
        Notice::Escalation => (
            "мерзім өтіп кетті",
            "срок просрочен",
            format!(
                "Істің мерзімі өтіп кетті. Шара қолдануды сұраймыз.\n\
                 \n\
                 Іс: {case_number}\n\
                 Мерзім: {kind_kk}\n\
                 Орындау мерзімі: {due} (Алматы уақыты)\n\
                 Істі ашу: {case_url}\n\
                 \n\
                 ---\n\
                 \n\
                 Срок по делу просрочен. Просим принять меры.\n\
                 \n\
                 Дело: {case_number}\n\
                 Срок: {kind_ru}\n\
                 Срок выполнения: {due} (время Алматы)\n\
                 Открыть дело: {case_url}\n\
                 \n\
                 -- \n\
                 Qorgau. Бұл хат автоматты түрде жіберілді. / Это письмо отправлено автоматически.\n"
            ),
        ),
    };
    Message {
        to: to.to_string(),
        subject: format!("Qorgau: {subject_kk} / {subject_ru} — {case_number}"),
        body,
    }
}

/// Tells whoever triaged a signal, and the manager of its case, that its source sent a further
/// report after triage (issue 17, finding 1). Like a deadline notice it says *what* and *where*,
/// never the content: no concern, name or description travels by mail.
pub fn later_report_notice(to: &str, received_at: DateTime<Utc>, signal_url: &str) -> Message {
    let at = almaty_time(received_at);
    Message {
        to: to.to_string(),
        subject: "Qorgau: сигнал бойынша жаңа хабар / новое сообщение по сигналу".into(),
        body: format!(
            "Іріктеуден өткен сигнал бойынша көзден жаңа хабар келді. Сигналдың өзі өзгертілген жоқ.\n\
             \n\
             Келген уақыты: {at} (Алматы уақыты)\n\
             Ашу: {signal_url}/reports\n\
             \n\
             ---\n\
             \n\
             Источник прислал новое сообщение по уже рассмотренному сигналу. Сам сигнал не изменён.\n\
             \n\
             Получено: {at} (время Алматы)\n\
             Открыть: {signal_url}/reports\n\
             \n\
             -- \n\
             Qorgau. Бұл хат автоматты түрде жіберілді. / Это письмо отправлено автоматически.\n"
        ),
    }
}

/// Queues `m` in the outbox, in the caller's transaction: it is sent (with retries) only if
/// the event it reports commits.
pub fn enqueue(
    conn: &mut qorgau_persistence::DbConnection,
    m: Message,
    now: DateTime<Utc>,
) -> Result<(), qorgau_persistence::DbError> {
    qorgau_persistence::outbox::enqueue(
        conn,
        &qorgau_persistence::outbox::OutboxRow {
            id: uuid::Uuid::now_v7().to_string(),
            recipient: m.to,
            subject: m.subject,
            body: m.body,
            created_at: now.naive_utc(),
            attempts: 0,
            next_attempt_at: now.naive_utc(),
            sent_at: None,
            last_error: None,
        },
    )
}

/// Human words for a deadline kind, in Kazakh and Russian.
fn deadline_kind_words(code: &str) -> (&str, &str) {
    match code {
        "triage" => (
            "өтінішті бастапқы іріктеу",
            "первичная сортировка обращения",
        ),
        "assignment" => (
            "істі маманға тағайындау",
            "назначение ответственного специалиста",
        ),
        "first_contact" => ("баламен алғашқы байланыс", "первый контакт с ребёнком"),
        "initial_assessment" => ("бастапқы бағалау", "первичная оценка"),
        "comprehensive_assessment" => ("кешенді бағалау", "комплексная оценка"),
        "plan_approval" => ("қолдау жоспарын бекіту", "утверждение плана поддержки"),
        "plan_review" => ("қолдау жоспарын қайта қарау", "пересмотр плана поддержки"),
        "referral_response" => ("жолдамаға жауап", "ответ на направление"),
        "follow_up" => (
            "іс жабылғаннан кейінгі бақылау",
            "наблюдение после закрытия дела",
        ),
        other => (other, other),
    }
}

/// `due_at` on the Almaty wall clock, `YYYY-MM-DD HH:MM`.
fn almaty_time(due_at: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(ALMATY_OFFSET_SECONDS) {
        Some(almaty) => due_at
            .with_timezone(&almaty)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        // Unreachable (5 h is a valid offset); UTC, labelled, is still a correct time.
        None => due_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use base64::Engine as _;
    use chrono::TimeZone as _;
    use figment::providers::Format as _;
    use qorgau_domain::protocol::DeadlineKind;

    use super::*;

    fn due() -> DateTime<Utc> {
        // 2026-03-10 21:30 UTC is 2026-03-11 02:30 in Almaty: the date rolls over.
        Utc.with_ymd_and_hms(2026, 3, 10, 21, 30, 0).unwrap()
    }

    const CASE: &str = "KZ-71-2026-000001";
    const URL: &str = "https://qorgau.example.kz/cases/0190b6c2-7f3e-7000-8000-000000000001";

    #[test]
    fn reminder_is_bilingual_kazakh_first() {
        let m = deadline_notice(
            Notice::Reminder,
            "worker@example.kz",
            CASE,
            "first_contact",
            due(),
            URL,
        );
        assert_eq!(m.to, "worker@example.kz");
        assert_eq!(
            m.subject,
            "Qorgau: мерзім жақындап қалды / срок истекает — KZ-71-2026-000001"
        );
        let kk = m.body.find("Істің мерзімі жақындап қалды").unwrap();
        let ru = m.body.find("Срок по делу истекает").unwrap();
        assert!(kk < ru, "Kazakh comes first");
        assert!(m.body.contains("баламен алғашқы байланыс"));
        assert!(m.body.contains("первый контакт с ребёнком"));
        // Once per language.
        assert_eq!(m.body.matches(CASE).count(), 2);
        assert_eq!(m.body.matches(URL).count(), 2);
        assert_eq!(m.body.matches("2026-03-11 02:30").count(), 2);
        assert!(!m.body.contains("21:30"), "UTC must not leak in");
        assert!(!m.body.contains("first_contact"), "codes become words");
    }

    #[test]
    fn escalation_says_overdue_in_both_languages() {
        let m = deadline_notice(
            Notice::Escalation,
            "head@example.kz",
            CASE,
            "plan_review",
            due(),
            URL,
        );
        assert_eq!(
            m.subject,
            "Qorgau: мерзім өтіп кетті / срок просрочен — KZ-71-2026-000001"
        );
        let kk = m.body.find("Істің мерзімі өтіп кетті").unwrap();
        let ru = m.body.find("Срок по делу просрочен").unwrap();
        assert!(kk < ru);
        assert!(m.body.contains("қолдау жоспарын қайта қарау"));
        assert!(m.body.contains("пересмотр плана поддержки"));
        assert_eq!(m.body.matches("2026-03-11 02:30").count(), 2);
        assert_eq!(m.body.matches(URL).count(), 2);
    }

    #[test]
    fn the_body_holds_only_the_known_fields() {
        // Every line is fixed wording or one of the inputs: nothing else can slip in.
        let m = deadline_notice(Notice::Reminder, "w@example.kz", CASE, "triage", due(), URL);
        let fixed = deadline_notice(
            Notice::Reminder,
            "w@example.kz",
            "CASE",
            "triage",
            due(),
            "URL",
        );
        assert_eq!(m.body.replace(CASE, "CASE").replace(URL, "URL"), fixed.body);
        assert!(!m.body.contains("w@example.kz"));
    }

    #[test]
    fn every_deadline_kind_has_words_in_both_languages() {
        for kind in DeadlineKind::ALL {
            let (kk, ru) = deadline_kind_words(kind.as_str());
            assert_ne!(kk, kind.as_str(), "{kind}");
            assert_ne!(ru, kind.as_str(), "{kind}");
            assert_ne!(kk, ru, "{kind}");
        }
        assert_eq!(deadline_kind_words("new_kind"), ("new_kind", "new_kind"));
    }

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
            CASE,
            "referral_response",
            due(),
            URL,
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
