//! Mail that cannot be delivered is given up and shown to the administrator; the daily digest
//! goes out once per working day (issue 19, docs/notifications.md § Email).

use std::time::Duration as StdDuration;

use chrono::Duration;
use diesel::prelude::*;
use qorgau_api::AppState;
use qorgau_api::worker;
use qorgau_app::inbox::{self, About, Event};
use qorgau_app::notices::{Message, enqueue};
use qorgau_domain::notification::NotificationKind;
use qorgau_persistence::schema::outbox;
use reqwest::StatusCode;

use crate::common::{Backend, join_all, test_config};
use crate::on_both_backends;
use crate::smtp_server::{self, NO_SUCH_MAILBOX, smtp_mailer};
use crate::world::World;

on_both_backends!(
    undeliverable_mail_is_given_up_and_shown_to_the_administrator,
    the_digest_goes_out_once_per_working_day,
);

/// Queues one message to `to` now, as a use case would.
fn queue(w: &World, to: &str) {
    let mut conn = w.app.state.db.conn().unwrap();
    let message = Message {
        to: to.into(),
        subject: "Qorgau: test".into(),
        body: "test\n".into(),
    };
    enqueue(&mut conn, message, w.app.now()).unwrap();
}

async fn undeliverable_mail_is_given_up_and_shown_to_the_administrator(backend: Backend) {
    let w = World::new(backend).await;
    w.app.at("2026-11-30 05:00");
    let smtp = smtp_server::start().await;
    let mailer = smtp_mailer(smtp.port);
    queue(&w, &format!("nobody{NO_SUCH_MAILBOX}"));
    queue(&w, "cm.astana@example.kz");
    let given_up_before = w.app.state.metrics.mail_given_up.get();

    // The refused message is tried three times (backing off), then given up; the other is
    // delivered at once.
    let first = worker::tick(&w.app.state, &mailer).await.unwrap();
    assert_eq!((first.sent, first.failed), (1, 1));
    for _ in 0..2 {
        w.app.clock.advance(Duration::hours(1));
        let t = worker::tick(&w.app.state, &mailer).await.unwrap();
        assert_eq!((t.sent, t.failed), (0, 1));
    }
    // Given up: never tried again, however long we wait.
    w.app.clock.advance(Duration::days(2));
    let later = worker::tick(&w.app.state, &mailer).await.unwrap();
    assert_eq!((later.sent, later.failed), (0, 0));
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(w.app.state.metrics.mail_given_up.get(), given_up_before + 1);

    let mut conn = w.app.state.db.conn().unwrap();
    let attempts: i32 = outbox::table
        .filter(outbox::failed_at.is_not_null())
        .select(outbox::attempts)
        .first(&mut conn)
        .unwrap();
    assert_eq!(attempts, 3);

    // The administrator sees it, with the relay's answer; nobody else may look.
    let admin = w.app.admin_token.clone();
    let failed = w.app.get("/api/v1/admin/outbox?failed=true", &admin).await;
    assert_eq!(failed.status, StatusCode::OK, "{:?}", failed.body);
    let items = failed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["recipient"], format!("nobody{NO_SUCH_MAILBOX}"));
    assert_eq!(items[0]["attempts"], 3);
    assert!(items[0]["failed_at"].is_string());
    let error = items[0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("mail refused") && error.contains("550"),
        "{error}"
    );
    assert!(
        items[0].get("body").is_none(),
        "the body is for its recipient"
    );
    let all = w.app.get("/api/v1/admin/outbox?limit=1", &admin).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);
    let cursor = all.body["next_cursor"].as_str().unwrap();
    let next = w
        .app
        .get(
            &format!("/api/v1/admin/outbox?limit=1&cursor={cursor}"),
            &admin,
        )
        .await;
    assert_eq!(next.body["items"].as_array().unwrap().len(), 1);
    assert!(next.body["next_cursor"].is_null());
    for token in [&w.supervisor, &w.manager] {
        let r = w.app.get("/api/v1/admin/outbox", token).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    }
}

/// Writes one notification of a non-urgent kind to the case manager, in the default mode: it
/// waits for the digest.
fn notify_manager(w: &World, case_id: &str, kind: NotificationKind) {
    let mut conn = w.app.state.db.conn().unwrap();
    let case = qorgau_persistence::cases::find(&mut conn, case_id.parse().unwrap())
        .unwrap()
        .unwrap();
    let event = Event::new(kind, About::case(&case));
    let manager = w.manager_id.parse().unwrap();
    let to = [qorgau_persistence::users::Among::User(manager)];
    let sent = inbox::notify(&mut conn, &w.app.state.app, &event, &to, w.app.now()).unwrap();
    assert_eq!(sent, [manager]);
}

async fn the_digest_goes_out_once_per_working_day(backend: Backend) {
    let mut w = World::new(backend).await;
    // Friday 4 December 2026, 09:00 in Astana.
    w.until(w.app.at("2026-12-04 04:00")).await;
    let case = w.open_case("Дина", true).await;
    let number = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await
        .body["number"]
        .as_str()
        .unwrap()
        .to_string();
    let queued_before: i64 = {
        let mut conn = w.app.state.db.conn().unwrap();
        outbox::table.count().get_result(&mut conn).unwrap()
    };
    notify_manager(&w, &case, NotificationKind::PlanApproved);
    notify_manager(&w, &case, NotificationKind::ReferralAccepted);
    let queued: i64 = {
        let mut conn = w.app.state.db.conn().unwrap();
        outbox::table.count().get_result(&mut conn).unwrap()
    };
    assert_eq!(queued, queued_before, "not mailed one by one");

    let smtp = smtp_server::start().await;
    let mailer = smtp_mailer(smtp.port);
    let before = worker::tick(&w.app.state, &mailer).await.unwrap();
    assert_eq!(before.digests, 0, "not before 17:00");

    // 17:05 in Astana: one digest, once — with a second instance racing on PostgreSQL.
    w.app.clock.set(w.app.at("2026-12-04 12:05"));
    let mut instances = vec![w.app.state.clone()];
    if backend == Backend::Postgres {
        let second = AppState::open(test_config(&w.app.db.url))
            .unwrap()
            .with_clock(w.app.clock.clone());
        instances.push(second);
    }
    let ticks = join_all(
        instances
            .iter()
            .cycle()
            .take(4)
            .map(|s| worker::tick(s, &mailer)),
    )
    .await;
    // Others have their digest too (the family-support centre's staff, told of the protocol's
    // referral): one each.
    let digests: usize = ticks.into_iter().map(|t| t.unwrap().digests).sum();
    worker::tick(&w.app.state, &mailer).await.unwrap();
    let mails: Vec<_> = smtp
        .wait_for(digests + 1, StdDuration::from_secs(2))
        .await
        .into_iter()
        .filter(|m| {
            m.subject()
                .unwrap_or_default()
                .contains("уведомления за день")
        })
        .collect();
    assert_eq!(mails.len(), digests, "{mails:?}");
    let mut recipients: Vec<_> = mails.iter().map(|m| m.to.join(",")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients.len(),
        digests,
        "one digest per user: {recipients:?}"
    );
    let mine: Vec<_> = mails
        .iter()
        .filter(|m| m.to == ["cm.astana@example.kz"])
        .collect();
    assert_eq!(mine.len(), 1, "{mails:?}");
    let text = mine[0].text();
    assert_eq!(
        text.matches(&number).count(),
        6,
        "three items (the assignment at triage too), two languages: {text}"
    );
    assert!(text.contains("План утверждён") && text.contains("Жолдама қабылданды"));
    assert!(text.contains("Дело назначено вам"));
    assert!(!text.contains("Дина"), "no name: {text}");

    // What arrives after today's digest waits for the next working day: not Saturday, but
    // Monday.
    notify_manager(&w, &case, NotificationKind::PlanReturned);
    w.app.clock.set(w.app.at("2026-12-04 13:00"));
    assert_eq!(
        worker::tick(&w.app.state, &mailer).await.unwrap().digests,
        0
    );
    w.app.clock.set(w.app.at("2026-12-05 13:00"));
    assert_eq!(
        worker::tick(&w.app.state, &mailer).await.unwrap().digests,
        0
    );
    w.app.clock.set(w.app.at("2026-12-07 12:30"));
    assert_eq!(
        worker::tick(&w.app.state, &mailer).await.unwrap().digests,
        1
    );
}

/// A relay whose certificate comes from a private (or national) CA (issue 23): refused by
/// Mozilla's list and by the system's store, which do not hold that CA — the send fails as a
/// transient error, to be retried — and trusted once `smtp_ca_file` names it, alone
/// (`smtp_roots = "none"`) or beside the system's store. The mail travels over implicit TLS to
/// the test server, which holds a certificate for `localhost` issued by that CA.
#[actix_web::test]
async fn a_relay_certified_by_a_private_ca_is_trusted_through_smtp_ca_file() {
    use qorgau_api::config::{SmtpRoots, SmtpSecurity};
    use qorgau_api::mail::Mailer;
    let smtp = smtp_server::start_tls().await;
    let ca = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/api/fixtures/smtp-tls/ca.pem"
    );
    let mailer = |roots, ca_file: &str| {
        let mut config = test_config("unused");
        config.smtp_host = "localhost".into();
        config.smtp_port = smtp.port;
        config.smtp_security = SmtpSecurity::Tls;
        config.smtp_roots = roots;
        config.smtp_ca_file = ca_file.into();
        Mailer::from_config(&config)
    };
    let message = Message {
        to: "cm.astana@example.kz".into(),
        subject: "Qorgau: TLS".into(),
        body: "over TLS\n".into(),
    };
    let from = "Qorgau <no-reply@qorgau.local>";
    // A machine without ca-certificates has no system store: the start is refused instead.
    let system = mailer(SmtpRoots::System, "").ok();
    for untrusting in [mailer(SmtpRoots::Mozilla, "").ok(), system] {
        let Some(untrusting) = untrusting else {
            continue;
        };
        let refused = untrusting.send(&message, from).await.unwrap_err();
        assert!(!refused.is_permanent(), "{refused}");
    }
    assert!(smtp.received().is_empty());

    mailer(SmtpRoots::None, ca)
        .unwrap()
        .send(&message, from)
        .await
        .unwrap();
    let mut expected = 1;
    if let Ok(both) = mailer(SmtpRoots::System, ca) {
        both.send(&message, from).await.unwrap();
        expected += 1;
    }
    let mails = smtp.wait_for(expected, StdDuration::from_secs(5)).await;
    assert_eq!(mails.len(), expected);
    assert_eq!(mails[0].text().trim_end(), "over TLS");
    assert_eq!(mails[0].to, vec!["cm.astana@example.kz".to_string()]);
}
