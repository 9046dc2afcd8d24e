//! Notices to staff by email: what they say and how they are queued.
//!
//! Mail leaves the protection system's database and crosses networks and inboxes we do not
//! control, so the notices composed here carry only what a case worker needs to act — the case
//! number, the kind of deadline, when it is due and a link — never anything about the child.
//! Everything else is behind the link and the login. A notice is queued in the outbox in the
//! transaction of the event it reports; the API's mail transport delivers it.

use chrono::{DateTime, FixedOffset, Utc};
use qorgau_domain::ids::OutboxMessageId;
use qorgau_domain::notification::NotificationKind;
use qorgau_domain::protocol::DeadlineKind;
use serde::{Deserialize, Serialize};

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
pub fn deadline_notice(
    notice: Notice,
    to: &str,
    case_number: &str,
    deadline_kind: DeadlineKind,
    due_at: DateTime<Utc>,
    case_url: &str,
) -> Message {
    clock_notice(
        notice,
        to,
        ClockSubject::Case(case_number),
        deadline_kind,
        due_at,
        case_url,
    )
}

/// The reminder or escalation of a signal's triage clock, to the district's intake
/// coordinators or the region's supervisors: like [`deadline_notice`], but about a signal not
/// yet on a case, which has no number — it names the signal by its id and links to it. Nothing
/// about the child or the report.
pub fn triage_notice(
    notice: Notice,
    to: &str,
    signal_id: &str,
    due_at: DateTime<Utc>,
    signal_url: &str,
) -> Message {
    clock_notice(
        notice,
        to,
        ClockSubject::Signal(signal_id),
        DeadlineKind::Triage,
        due_at,
        signal_url,
    )
}

/// What a clock notice is about.
#[derive(Clone, Copy)]
enum ClockSubject<'a> {
    /// A case, by its number.
    Case(&'a str),
    /// A signal awaiting triage, by its id.
    Signal(&'a str),
}

fn clock_notice(
    notice: Notice,
    to: &str,
    about: ClockSubject<'_>,
    deadline_kind: DeadlineKind,
    due_at: DateTime<Utc>,
    url: &str,
) -> Message {
    let (kind_kk, kind_ru) = deadline_kind_words(deadline_kind);
    let due = almaty_time(due_at);
    // (what is due in Kazakh, in Russian; its label in Kazakh, in Russian; "open" in Kazakh,
    // in Russian; the subject line's reference)
    let (whose_kk, whose_ru, label_kk, label_ru, open_kk, open_ru, reference) = match about {
        ClockSubject::Case(number) => (
            "Істің мерзімі",
            "Срок по делу",
            "Іс",
            "Дело",
            "Істі ашу",
            "Открыть дело",
            number.to_string(),
        ),
        ClockSubject::Signal(id) => (
            "Сигналды іріктеу мерзімі",
            "Срок рассмотрения сигнала",
            "Сигнал",
            "Сигнал",
            "Сигналды ашу",
            "Открыть сигнал",
            format!("сигнал {id}"),
        ),
    };
    let name = match about {
        ClockSubject::Case(number) | ClockSubject::Signal(number) => number,
    };
    let (subject_kk, subject_ru, head_kk, head_ru, due_ru) = match notice {
        Notice::Reminder => (
            "мерзім жақындап қалды",
            "срок истекает",
            format!("{whose_kk} жақындап қалды."),
            format!("{whose_ru} истекает."),
            "Выполнить до",
        ),
        Notice::Escalation => (
            "мерзім өтіп кетті",
            "срок просрочен",
            format!("{whose_kk} өтіп кетті. Шара қолдануды сұраймыз."),
            format!("{whose_ru} просрочен. Просим принять меры."),
            "Срок выполнения",
        ),
    };
    let body = format!(
        "{head_kk}\n\
         \n\
         {label_kk}: {name}\n\
         Мерзім: {kind_kk}\n\
         Орындау мерзімі: {due} (Алматы уақыты)\n\
         {open_kk}: {url}\n\
         \n\
         ---\n\
         \n\
         {head_ru}\n\
         \n\
         {label_ru}: {name}\n\
         Срок: {kind_ru}\n\
         {due_ru}: {due} (время Алматы)\n\
         {open_ru}: {url}\n\
         \n\
         -- \n\
         {SIGNATURE}\n"
    );
    Message {
        to: to.to_string(),
        subject: format!("Qorgau: {subject_kk} / {subject_ru} — {reference}"),
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

/// One notification by mail: what happened (the kind's words) to which case (its number, or the
/// signal's id) and the link — nothing about the child, like every notice here.
pub fn notification_notice(to: &str, kind: NotificationKind, subject: &str, url: &str) -> Message {
    let (kk, ru, _) = kind.words();
    Message {
        to: to.to_string(),
        subject: format!("Qorgau: {kk} / {ru} — {subject}"),
        body: format!(
            "{kk}: {subject}\n\
             Ашу: {url}\n\
             \n\
             ---\n\
             \n\
             {ru}: {subject}\n\
             Открыть: {url}\n\
             \n\
             -- \n\
             {SIGNATURE}\n"
        ),
    }
}

/// A user's daily digest: one line per notification (its words, the case number or signal id,
/// the link), oldest first, in both languages.
pub fn digest_notice(to: &str, items: &[(NotificationKind, String, String)]) -> Message {
    let lines = |pick: fn((&'static str, &'static str, &'static str)) -> &'static str| {
        items
            .iter()
            .map(|(kind, subject, url)| format!("- {}: {subject}\n  {url}\n", pick(kind.words())))
            .collect::<String>()
    };
    Message {
        to: to.to_string(),
        subject: format!(
            "Qorgau: күнделікті хабарламалар / уведомления за день ({})",
            items.len()
        ),
        body: format!(
            "Бүгінгі хабарламалар:\n\
             {}\n\
             ---\n\
             \n\
             Уведомления за день:\n\
             {}\n\
             -- \n\
             {SIGNATURE}\n",
            lines(|(kk, _, _)| kk),
            lines(|(_, ru, _)| ru),
        ),
    }
}

/// The last line of every notice.
const SIGNATURE: &str =
    "Qorgau. Бұл хат автоматты түрде жіберілді. / Это письмо отправлено автоматически.";

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
            id: OutboxMessageId::new(),
            recipient: m.to,
            subject: m.subject,
            body: m.body,
            created_at: now.naive_utc(),
            attempts: 0,
            next_attempt_at: now.naive_utc(),
            sent_at: None,
            last_error: None,
            failed_at: None,
        },
    )
}

/// Human words for a deadline kind, in Kazakh and Russian.
fn deadline_kind_words(kind: DeadlineKind) -> (&'static str, &'static str) {
    match kind {
        DeadlineKind::Triage => (
            "өтінішті бастапқы іріктеу",
            "первичная сортировка обращения",
        ),
        DeadlineKind::Assignment => (
            "істі маманға тағайындау",
            "назначение ответственного специалиста",
        ),
        DeadlineKind::FirstContact => ("баламен алғашқы байланыс", "первый контакт с ребёнком"),
        DeadlineKind::InitialAssessment => ("бастапқы бағалау", "первичная оценка"),
        DeadlineKind::ComprehensiveAssessment => ("кешенді бағалау", "комплексная оценка"),
        DeadlineKind::PlanApproval => ("қолдау жоспарын бекіту", "утверждение плана поддержки"),
        DeadlineKind::PlanReview => ("қолдау жоспарын қайта қарау", "пересмотр плана поддержки"),
        DeadlineKind::ReferralResponse => ("жолдамаға жауап", "ответ на направление"),
        DeadlineKind::FollowUp => (
            "іс жабылғаннан кейінгі бақылау",
            "наблюдение после закрытия дела",
        ),
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

    use chrono::TimeZone as _;
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
            DeadlineKind::FirstContact,
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
            DeadlineKind::PlanReview,
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
        let m = deadline_notice(
            Notice::Reminder,
            "w@example.kz",
            CASE,
            DeadlineKind::Triage,
            due(),
            URL,
        );
        let fixed = deadline_notice(
            Notice::Reminder,
            "w@example.kz",
            "CASE",
            DeadlineKind::Triage,
            due(),
            "URL",
        );
        assert_eq!(m.body.replace(CASE, "CASE").replace(URL, "URL"), fixed.body);
        assert!(!m.body.contains("w@example.kz"));
    }

    #[test]
    fn a_triage_notice_names_the_signal_not_a_case() {
        const SIGNAL: &str = "0190b6c2-7f3e-7000-8000-00000000000a";
        let url = format!("https://qorgau.example.kz/api/v1/signals/{SIGNAL}");
        let m = triage_notice(Notice::Escalation, "head@example.kz", SIGNAL, due(), &url);
        assert_eq!(
            m.subject,
            format!("Qorgau: мерзім өтіп кетті / срок просрочен — сигнал {SIGNAL}")
        );
        assert!(m.body.starts_with("Сигналды іріктеу мерзімі өтіп кетті."));
        assert!(m.body.contains("Срок рассмотрения сигнала просрочен."));
        assert!(m.body.contains(&format!("Сигнал: {SIGNAL}")));
        assert!(m.body.contains(&format!("Открыть сигнал: {url}")));
        assert!(
            !m.body.contains("Іс:") && !m.body.contains("Дело:"),
            "not a case"
        );
        let reminder = triage_notice(Notice::Reminder, "i@example.kz", "ID", due(), "URL");
        assert!(reminder.subject.contains("срок истекает — сигнал ID"));
        assert!(
            reminder
                .body
                .starts_with("Сигналды іріктеу мерзімі жақындап қалды.")
        );
        assert!(!reminder.body.contains("i@example.kz"));
        assert_eq!(reminder.body.matches("2026-03-11 02:30").count(), 2);
        assert!(reminder.body.contains("первичная сортировка обращения"));
    }

    #[test]
    fn every_deadline_kind_has_words_in_both_languages() {
        for kind in DeadlineKind::ALL {
            let (kk, ru) = deadline_kind_words(kind);
            assert_ne!(kk, kind.as_str(), "{kind}");
            assert_ne!(ru, kind.as_str(), "{kind}");
            assert_ne!(kk, ru, "{kind}");
        }
    }
}
