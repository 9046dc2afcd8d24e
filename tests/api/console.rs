//! The console (docs/console.md): sign-in and sign-out with the REST login's accounts, lockout
//! and sessions; form tokens; scope; the stale-form rule; languages; the labels catalogue. The
//! forms of the case page: `case_forms`.

mod admin;
mod case_forms;
mod reports;
mod supervision;

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, SET_COOKIE};

use crate::common::{Backend, USER_PASSWORD, invalid_fields};
use crate::on_both_backends;
use crate::world::{World, signal};
use serde_json::json;

/// A browser without JavaScript: keeps the cookies it is given, follows nothing by itself.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
    accept_language: Option<&'static str>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    cache_control: Option<String>,
    html: String,
}

impl Page {
    /// The form of the page posted to `action`, as a page of its own (its fields, its messages).
    fn form(&self, action: &str) -> Page {
        let at = self
            .html
            .find(&format!("action=\"{action}\""))
            .unwrap_or_else(|| panic!("no form to {action} in {}", self.html));
        let end = at + self.html[at..].find("</form>").unwrap();
        Page {
            status: self.status,
            location: None,
            set_cookies: vec![],
            cache_control: None,
            html: self.html[at..end].to_string(),
        }
    }

    /// The value of the first field `name` of the page (hidden, or a one-line field).
    fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let at = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in {}", self.html));
        let rest = &self.html[at + marker.len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Browser {
    fn new(w: &World) -> Browser {
        Browser {
            base: w.app.base.clone(),
            http: crate::common::http_client()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            accept_language: None,
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let mut req = req;
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(COOKIE, jar.join("; "));
        }
        if let Some(lang) = self.accept_language {
            req = req.header(ACCEPT_LANGUAGE, lang);
        }
        let res = req.send().await.unwrap();
        let set_cookies: Vec<String> = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &set_cookies {
            let (pair, attributes) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Page {
            status: res.status(),
            location: res
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_string()),
            set_cookies,
            cache_control: res
                .headers()
                .get(reqwest::header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap().to_string()),
            html: res.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    async fn post_owned(&mut self, path: &str, form: &[(String, String)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    /// Signs in through the sign-in form with `password`: the answer, wherever it leads.
    async fn sign_in_as(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/console/sign-in").await;
        let csrf = form.field("csrf");
        let fields = [
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ];
        self.post("/console/sign-in", &fields).await
    }

    /// Signs in through the sign-in form; panics unless it lands on the tasks.
    async fn sign_in(&mut self, username: &str) -> Page {
        let done = self.sign_in_as(username, USER_PASSWORD).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        assert_eq!(done.location.as_deref(), Some("/console/"));
        done
    }

    fn session(&self) -> String {
        self.cookies["qorgau_session"].clone()
    }
}

/// Posts `fields` to `target` with the page's token.
async fn send(b: &mut Browser, page: &Page, target: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = page.field("csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(target, &form).await
}

/// Each forged form is refused (403) and its page answers in Kazakh.
async fn forged(b: &mut Browser, target: &str, fields: &[(&str, &str)]) {
    for csrf in ["", "forged-token"] {
        let mut form = vec![("csrf", csrf)];
        form.extend_from_slice(fields);
        let r = b.post(target, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{target}: {}", r.html);
    }
}

/// `page` refused with `status`, each of `field_ids` marked with its message.
fn refused(page: &Page, status: StatusCode, field_ids: &[&str]) {
    assert_eq!(page.status, status, "{}", page.html);
    for id in field_ids {
        assert!(
            page.html.contains(&format!("id=\"{id}-error\"")),
            "{id}: {}",
            page.html
        );
    }
}

async fn interventions(w: &World, case: &str) -> usize {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}/interventions"), &w.manager)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().len()
}

async fn signing_in_and_out_uses_the_logins_of_the_api(backend: Backend) {
    let w = World::new(backend).await;
    let mut b = Browser::new(&w);
    let home = b.get("/console/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location.as_deref(), Some("/console/sign-in"));
    let form = b.get("/console/sign-in").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("<html lang=\"kk\">"), "{}", form.html);
    let csrf = form.field("csrf");
    let wrong = b
        .post(
            "/console/sign-in",
            &[
                ("csrf", &csrf),
                ("username", "cm.astana"),
                ("password", "not it at all"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.html.contains("Пайдаланушы аты немесе құпиясөз қате."),
        "{}",
        wrong.html
    );
    assert!(!b.cookies.contains_key("qorgau_session"));

    let signed_in = b.sign_in("cm.astana").await;
    let cookie = signed_in
        .set_cookies
        .iter()
        .find(|c| c.starts_with("qorgau_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        cookie.contains("Path=/console") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let tasks = b.get("/console/").await;
    assert_eq!(tasks.status, StatusCode::OK, "{}", tasks.html);
    assert!(tasks.html.contains("Менің тапсырмаларым"));

    // Signing out ends the login: the cookie, replayed, no longer works.
    let session = b.session();
    let csrf = tasks.field("csrf");
    let out = b.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("qorgau_session"));
    b.cookies.insert("qorgau_session".into(), session.clone());
    assert_eq!(b.get("/console/").await.status, StatusCode::SEE_OTHER);
    // …as a token of that login too.
    assert_eq!(
        w.app.get("/api/v1/me", &session).await.status,
        StatusCode::UNAUTHORIZED
    );

    // The REST logout of the same login ends the console's session.
    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    assert_eq!(b.get("/console/").await.status, StatusCode::OK);
    let r = w
        .app
        .send(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&b.session()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(b.get("/console/").await.status, StatusCode::SEE_OTHER);
}

async fn the_lockout_is_the_apis(backend: Backend) {
    let w = World::new(backend).await;
    let mut b = Browser::new(&w);
    let csrf = b.get("/console/sign-in").await.field("csrf");
    for _ in 0..5 {
        let r = b
            .post(
                "/console/sign-in",
                &[
                    ("csrf", &csrf),
                    ("username", "cm.astana"),
                    ("password", "wrong password here"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Locked out: the console and the API refuse even the right password.
    let r = b
        .post(
            "/console/sign-in",
            &[
                ("csrf", &csrf),
                ("username", "cm.astana"),
                ("password", USER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.html);
    assert_eq!(
        w.app.login_pair("cm.astana", USER_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn a_form_without_its_token_is_refused_and_changes_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Aruzhan", true).await;
    let mut b = Browser::new(&w);
    // Sign-in without the token, or with another browser's.
    let other = Browser::new(&w).get("/console/sign-in").await.field("csrf");
    b.get("/console/sign-in").await;
    for csrf in ["", other.as_str()] {
        let r = b
            .post(
                "/console/sign-in",
                &[
                    ("csrf", csrf),
                    ("username", "cm.astana"),
                    ("password", USER_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
        assert!(!b.cookies.contains_key("qorgau_session"));
    }
    b.sign_in("cm.astana").await;
    let page = b.get(&format!("/console/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let version = page.field("version");
    let path = format!("/console/cases/{case}/interventions");
    let body = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("kind", "home_visit"),
            ("assistance_type", "social"),
            ("summary", "Visited the family."),
        ]
    };
    for csrf in ["", "forged-token"] {
        let mut form = body(csrf);
        form.push(("version", &version));
        let r = b.post(&path, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
        assert!(r.html.contains("<html lang=\"kk\">"));
    }
    assert_eq!(interventions(&w, &case).await, 0);
    // Sign-out without it leaves the login as it was; marking everything read too.
    assert_eq!(
        b.post("/console/sign-out", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post("/console/notifications/read-all", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(b.get("/console/").await.status, StatusCode::OK);
}

async fn a_case_out_of_scope_is_not_found_as_in_the_api(backend: Backend) {
    let w = World::new(backend).await;
    let mine = w.open_case("Dana", true).await;
    let theirs = w.open_case("Erlan", false).await;
    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    assert_eq!(
        b.get(&format!("/console/cases/{mine}")).await.status,
        StatusCode::OK
    );
    let api = w
        .app
        .get(&format!("/api/v1/cases/{theirs}"), &w.manager)
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/console/cases/{theirs}"),
        format!("/console/cases/{}", uuid::Uuid::new_v4()),
        "/console/cases/not-an-id".to_string(),
        "/console/no-such-page".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.html.contains("Табылмады"), "{path}: {}", page.html);
        assert!(!page.html.contains("Erlan"));
    }
    // Nor can it be written to.
    let csrf = b.get("/console/").await.field("csrf");
    let r = b
        .post(
            &format!("/console/cases/{theirs}/interventions"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("kind", "home_visit"),
                ("assistance_type", "social"),
                ("summary", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The list shows mine only.
    let list = b.get("/console/cases").await;
    assert!(list.html.contains(&format!("/console/cases/{mine}")));
    assert!(!list.html.contains(&format!("/console/cases/{theirs}")));
}

async fn a_stale_form_is_refused_and_a_current_one_recorded(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Bolat", true).await;
    let mut b = Browser::new(&w);
    b.sign_in("cm.astana").await;
    let path = format!("/console/cases/{case}");
    let page = b.get(&path).await;
    let target = format!("{path}/interventions");
    let form = page.form(&target);
    let (csrf, version, retry) = (
        page.field("csrf"),
        form.field("version"),
        form.field("retry"),
    );
    let form = |version: &str, retry: &str, summary: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("version".to_string(), version.to_string()),
            ("retry".to_string(), retry.to_string()),
            ("kind".to_string(), "home_visit".to_string()),
            ("assistance_type".to_string(), "social".to_string()),
            ("occurred_at".to_string(), "2026-11-25T10:30".to_string()),
            ("summary".to_string(), summary.to_string()),
            ("child_seen".to_string(), "on".to_string()),
            ("duration_minutes".to_string(), "45".to_string()),
        ]
    };
    // Someone changes the case meanwhile (the supervisor assigns it again: a new version).
    w.assign_to_manager(&case).await;
    let stale = b
        .post_owned(&target, &form(&version, &retry, "Home visit, all well."))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ештеңе сақталмады"), "{}", stale.html);
    // The form is shown again as typed, on the version shown now.
    assert!(stale.html.contains("Home visit, all well."));
    assert_ne!(stale.form(&target).field("version"), version);
    assert_eq!(interventions(&w, &case).await, 0);

    // Bad input: the form again, the field named in the page's language.
    let bad = b
        .post_owned(
            &target,
            &form(
                &stale.form(&target).field("version"),
                &stale.form(&target).field("retry"),
                "",
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
    assert!(
        bad.html.contains("id=\"interventions-summary-error\""),
        "{}",
        bad.html
    );
    assert!(bad.html.contains("aria-invalid=\"true\""));
    assert_eq!(interventions(&w, &case).await, 0);

    // From the current version it is recorded once, even if the form is sent twice.
    let current = form(
        &bad.form(&target).field("version"),
        &bad.form(&target).field("retry"),
        "Home visit, all well.",
    );
    let done = b.post_owned(&target, &current).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let again = b.post_owned(&target, &current).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_eq!(interventions(&w, &case).await, 1);
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(shown.html.contains("Көмек тіркелді."), "{}", shown.html);
    assert!(shown.html.contains("Home visit, all well."));
    assert!(shown.html.contains("Үйге бару"), "the kind's label");
    // On the timeline too, as the API's.
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}"), &w.manager)
        .await;
    let child = r.body["child_id"].as_str().unwrap();
    let t = w
        .app
        .get(&format!("/api/v1/children/{child}/timeline"), &w.manager)
        .await;
    assert!(
        t.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "intervention")
    );
    assert!(shown.html.contains("Көмек көрсетілді"), "timeline label");
}

async fn the_language_is_chosen_then_accepted_then_kazakh(backend: Backend) {
    let w = World::new(backend).await;
    let mut b = Browser::new(&w);
    let kk = b.get("/console/sign-in").await;
    assert!(kk.html.contains("<html lang=\"kk\">") && kk.html.contains("Кіру"));
    b.accept_language = Some("ru-RU,ru;q=0.9,en;q=0.5");
    let ru = b.get("/console/sign-in").await;
    assert!(
        ru.html.contains("<html lang=\"ru\">") && ru.html.contains("Войти"),
        "{}",
        ru.html
    );
    let csrf = ru.field("csrf");
    let chosen = b
        .post(
            "/console/language",
            &[
                ("csrf", &csrf),
                ("lang", "en"),
                ("back", "/console/sign-in"),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    assert_eq!(chosen.location.as_deref(), Some("/console/sign-in"));
    let en = b.get("/console/sign-in").await;
    assert!(
        en.html.contains("<html lang=\"en\">") && en.html.contains("Sign in"),
        "{}",
        en.html
    );
    // Signed in, the choice stays; a label of a code follows it.
    b.sign_in("cm.astana").await;
    let cases = b.get("/console/cases").await;
    assert!(cases.html.contains("Closure requested"), "{}", cases.html);
    // Another site's address is never where the form sends back to.
    let csrf = cases.field("csrf");
    let away = b
        .post(
            "/console/language",
            &[
                ("csrf", &csrf),
                ("lang", "kk"),
                ("back", "https://example.com/"),
            ],
        )
        .await;
    assert_eq!(away.location.as_deref(), Some("/console/"));
    // Without the token, nothing is chosen.
    let forged = b
        .post(
            "/console/language",
            &[("lang", "ru"), ("back", "/console/")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

async fn the_labels_are_served_to_clients(backend: Backend) {
    let w = World::new(backend).await;
    let ru = w
        .app
        .send(reqwest::Method::GET, "/api/v1/labels?lang=ru", None, None)
        .await;
    assert_eq!(ru.status, StatusCode::OK, "{:?}", ru.body);
    assert_eq!(ru.body["lang"], "ru");
    assert_eq!(ru.body["codes"]["risk_level"]["critical"], "Критический");
    assert_eq!(
        ru.body["codes"]["notification_kind"]["referral_accepted"],
        "Направление принято"
    );
    assert_eq!(ru.body["ui"]["sign_in"], "Войти");
    let kk = w
        .app
        .send(reqwest::Method::GET, "/api/v1/labels", None, None)
        .await;
    assert_eq!(kk.body["lang"], "kk");
    assert_eq!(kk.body["codes"]["concern"]["neglect"], "Қараусыз қалдыру");
    let en = w
        .app
        .send_with(
            reqwest::Method::GET,
            "/api/v1/labels",
            None,
            None,
            &[("accept-language", "en-GB,en;q=0.9")],
        )
        .await;
    assert_eq!(
        en.body["codes"]["case_status"]["in_progress"],
        "In progress"
    );
    let bad = w
        .app
        .send(reqwest::Method::GET, "/api/v1/labels?lang=de", None, None)
        .await;
    assert_eq!(invalid_fields(&bad), ["lang"]);
}

async fn signal_status(w: &World, signal: &str) -> serde_json::Value {
    let r = w
        .app
        .get(&format!("/api/v1/signals/{signal}"), &w.intake)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn file_signal(w: &World, first_name: &str) -> String {
    let child = json!({"first_name": first_name, "last_name": "Test", "birth_date": "2015-03-03"});
    let r = w.file(signal(child)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

async fn the_intake_coordinator_triages_a_signal_from_the_queue(backend: Backend) {
    let w = World::new(backend).await;
    let s = file_signal(&w, "Aigerim").await;
    let mut b = Browser::new(&w);
    b.sign_in("intake.one").await;
    let queue = b.get("/console/signals").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.html);
    assert!(
        queue.html.contains(&format!("/console/signals/{s}")),
        "{}",
        queue.html
    );
    // Her navigation: the queue, not the supervisor's dashboard nor a case list.
    assert!(
        queue
            .html
            .contains("href=\"/console/signals\" aria-current=\"page\"")
    );
    assert!(
        !queue.html.contains("/console/supervision")
            && !queue.html.contains("href=\"/console/cases\"")
    );

    let page = b.get(&format!("/console/signals/{s}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("Қараусыз қалдыру"),
        "the concern's label"
    );
    assert!(page.html.contains("Aigerim"), "{}", page.html);
    let (csrf, retry) = (page.field("csrf"), page.field("retry"));
    let path = format!("/console/signals/{s}/triage");
    for forged in ["", "forged-token"] {
        let r = b
            .post(
                &path,
                &[
                    ("csrf", forged),
                    ("retry", &retry),
                    ("decision", "open_case"),
                    ("risk_level", "high"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
    }
    // Invalid input: the signal again, the sent form's field named.
    let bad = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("retry", &retry),
                ("decision", "open_case"),
                ("risk_level", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
    assert!(
        bad.html.contains("id=\"open_case-risk_level-error\""),
        "{}",
        bad.html
    );
    assert!(bad.html.contains("aria-invalid=\"true\""));
    let bad = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("retry", &retry),
                ("decision", "screen_out"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
    assert!(
        bad.html.contains("id=\"screen_out-reason-error\""),
        "{}",
        bad.html
    );
    assert_eq!(signal_status(&w, &s).await["status"], "received");

    // Opened as the REST triage opens it, once even if the form is sent twice.
    let retry = bad.field("retry");
    let form = [
        ("csrf", csrf.as_str()),
        ("retry", &retry),
        ("decision", "open_case"),
        ("risk_level", "high"),
    ];
    let done = b.post(&path, &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let again = b.post(&path, &form).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    let api = signal_status(&w, &s).await;
    assert_eq!(api["status"], "case_opened");
    assert_eq!(api["risk_level"], "high");
    let case = api["case_id"].as_str().unwrap();
    let shown = b.get(done.location.as_deref().unwrap()).await;
    assert!(shown.html.contains("Сигнал сұрыпталды."), "{}", shown.html);
    assert!(shown.html.contains(&format!("/console/cases/{case}")));
    assert!(
        !b.get("/console/signals")
            .await
            .html
            .contains(&format!("/console/signals/{s}"))
    );
    // Another decision afterwards: refused as the API refuses it (409), nothing changed.
    let late = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("retry", "another"),
                ("decision", "screen_out"),
                ("reason", "Duplicate"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.html);
    assert_eq!(signal_status(&w, &s).await["status"], "case_opened");
}

async fn a_signal_out_of_scope_is_not_found_as_in_the_api(backend: Backend) {
    let w = World::new(backend).await;
    let s = file_signal(&w, "Timur").await;
    let api = w
        .app
        .get(&format!("/api/v1/signals/{s}"), &w.intake_elsewhere)
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    let mut b = Browser::new(&w);
    b.sign_in("intake.two").await;
    assert!(!b.get("/console/signals").await.html.contains(&s));
    for path in [
        format!("/console/signals/{s}"),
        format!("/console/signals/{}", uuid::Uuid::new_v4()),
        "/console/signals/not-an-id".to_string(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.html.contains("Timur"));
    }
    let csrf = b.get("/console/").await.field("csrf");
    let r = b
        .post(
            &format!("/console/signals/{s}/triage"),
            &[
                ("csrf", &csrf),
                ("decision", "screen_out"),
                ("reason", "Not ours"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.html);
    assert_eq!(signal_status(&w, &s).await["status"], "received");
}

async fn plan_status(w: &World, case: &str) -> serde_json::Value {
    let r = w
        .app
        .get(&format!("/api/v1/cases/{case}/plan"), &w.manager)
        .await;
    r.body["status"].clone()
}

async fn draft_plan(w: &World, case: &str, organisation: &str, title: &str) {
    let due = (w.app.now() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let plan = json!({"goals": [{"title": title, "measures": [
        {"kind": "social", "description": "Family support", "responsible_organisation_id": organisation,
         "due_date": due}]}]});
    let r = w.app.put_plan(case, &w.manager, plan).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

async fn the_supervisor_decides_a_plan_from_the_dashboard(backend: Backend) {
    let w = World::new(backend).await;
    let case = w.open_case("Nurlan", true).await;
    let org = w
        .app
        .organisation("family_support_centre", "KZ-71", Some("KZ-71-01"))
        .await;
    draft_plan(&w, &case, &org, "Safe at home").await;
    let mut b = Browser::new(&w);
    b.sign_in("sup.astana").await;
    let board = b.get("/console/supervision").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.html);
    let mine = format!("/console/cases?assignee_id={}", w.manager_id);
    assert!(board.html.contains(&mine), "{}", board.html);
    assert!(board.html.contains(&format!("/console/cases/{case}/plan")));
    assert!(!board.html.contains("href=\"/console/signals\""));
    let list = b.get(&mine).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.html);
    assert!(list.html.contains(&format!("/console/cases/{case}")));
    let bad_filter = b.get("/console/cases?assignee_id=nobody").await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);

    let path = format!("/console/cases/{case}/plan");
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Safe at home"));
    let (csrf, revision) = (page.field("csrf"), page.field("revision"));
    let target = format!("{path}/decision");
    let r = b
        .post(&target, &[("revision", &revision), ("decision", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Returned without a note: the note is named.
    let bad = b
        .post(
            &target,
            &[
                ("csrf", &csrf),
                ("revision", &revision),
                ("decision", "reject"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
    assert!(
        bad.html.contains("id=\"reject-note-error\""),
        "{}",
        bad.html
    );
    assert_eq!(plan_status(&w, &case).await, "draft");
    // The manager writes a new version meanwhile: the form made from the old one decides nothing.
    draft_plan(&w, &case, &org, "Safe at home, and at school").await;
    let stale = b
        .post(
            &target,
            &[
                ("csrf", &csrf),
                ("revision", &revision),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
    assert!(stale.html.contains("ештеңе шешілмеді"), "{}", stale.html);
    assert!(stale.html.contains("and at school"));
    assert_eq!(plan_status(&w, &case).await, "draft");
    let done = b
        .post(
            &target,
            &[
                ("csrf", &csrf),
                ("revision", &stale.field("revision")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(plan_status(&w, &case).await, "approved");
    assert!(
        b.get(done.location.as_deref().unwrap())
            .await
            .html
            .contains("Жоспар бойынша шешім сақталды.")
    );

    // Another region's supervisor: not found, and cannot decide.
    let mut other = Browser::new(&w);
    other.sign_in("sup.almaty").await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let csrf = other.get("/console/").await.field("csrf");
    let r = other
        .post(
            &target,
            &[("csrf", &csrf), ("revision", "1"), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.html);
    // A case manager's navigation has neither the queue nor the dashboard.
    let mut cm = Browser::new(&w);
    cm.sign_in("cm.astana").await;
    let home = cm.get("/console/").await;
    assert!(!home.html.contains("/console/supervision") && !home.html.contains("/console/signals"));
}

on_both_backends!(
    signing_in_and_out_uses_the_logins_of_the_api,
    the_lockout_is_the_apis,
    a_form_without_its_token_is_refused_and_changes_nothing,
    a_case_out_of_scope_is_not_found_as_in_the_api,
    a_stale_form_is_refused_and_a_current_one_recorded,
    the_language_is_chosen_then_accepted_then_kazakh,
    the_labels_are_served_to_clients,
    the_intake_coordinator_triages_a_signal_from_the_queue,
    a_signal_out_of_scope_is_not_found_as_in_the_api,
    the_supervisor_decides_a_plan_from_the_dashboard,
);
