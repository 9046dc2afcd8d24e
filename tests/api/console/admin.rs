//! The administrator's pages (docs/console.md): districts, organisations and users, each form
//! carried out by the use case of its REST route — checked through the API — refused without
//! its form token (nothing changed), invalid input shown again with the fields named in the
//! page's language, recorded once when sent twice, other roles refused as the API refuses them;
//! and the password page a reset login is sent to until it has chosen its own.

use reqwest::StatusCode;
use serde_json::Value;

use super::supervision::PAGE_LIMIT;
use super::{Browser, Page, forged, refused, send};
use crate::common::{Backend, USER_PASSWORD, join_all};
use crate::on_both_backends;
use crate::world::World;

/// Sends a create form twice, as a double click does: both answered with the redirect of a
/// saved form (the retry key records it once — each test counts); the first answer.
async fn send_twice(b: &mut Browser, page: &Page, target: &str, fields: &[(&str, &str)]) -> Page {
    let done = send(b, page, target, fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let again = send(b, page, target, fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    done
}

/// `GET path` of the API as the admin.
async fn api(w: &World, path: &str) -> Value {
    let r = w
        .app
        .get(&format!("/api/v1{path}"), &w.app.admin_token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
    r.body
}

async fn count(w: &World, path: &str) -> usize {
    api(w, path).await["items"].as_array().unwrap().len()
}

/// The districts of `region`, as the API lists them.
async fn districts(w: &World, region: &str) -> Vec<String> {
    let regions = api(w, "/regions?limit=100").await;
    let region = regions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == region)
        .unwrap()
        .clone();
    region["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// The account `username` as the API shows it to the admin.
async fn account(w: &World, username: &str) -> Value {
    let list = api(w, &format!("/users?q={username}")).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("no {username}: {list}"))
        .clone()
}

/// The admin, signed in to the console.
async fn admin(w: &World) -> Browser {
    let mut b = Browser::new(w);
    let done = b.sign_in_as("admin", &w.app.admin_password).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some("/console/"));
    b
}

/// The form of `page` posted to `target` (the page's list filter is a form sent to the same
/// path, by `GET`).
fn posted(page: &Page, target: &str) -> Page {
    let marker = format!("method=\"post\" action=\"{target}\"");
    let at = page
        .html
        .find(&marker)
        .unwrap_or_else(|| panic!("no form posted to {target} in {}", page.html));
    let end = at + page.html[at..].find("</form>").unwrap();
    Page {
        status: page.status,
        location: None,
        set_cookies: vec![],
        cache_control: None,
        html: page.html[at..end].to_string(),
    }
}

/// `page` answered 200, whole and small.
fn shown(page: &Page) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.len() < PAGE_LIMIT, "{} bytes", page.html.len());
}

async fn the_administrator_adds_districts_and_organisations(backend: Backend) {
    let w = World::new(backend).await;
    let mut b = admin(&w).await;
    // Her navigation: the three pages; /console/admin leads to the users.
    let home = b.get("/console/").await;
    for path in ["users", "organisations", "districts"] {
        assert!(
            home.html
                .contains(&format!("href=\"/console/admin/{path}\"")),
            "{path}: {}",
            home.html
        );
    }
    let admin = b.get("/console/admin").await;
    assert_eq!(admin.location.as_deref(), Some("/console/admin/users"));

    // Districts: every region counted, then one region's districts.
    let target = "/console/admin/districts";
    let page = b.get(target).await;
    shown(&page);
    assert!(
        page.html
            .contains("href=\"/console/admin/districts?region_code=KZ-71\"")
    );
    let astana = b.get("/console/admin/districts?region_code=KZ-71").await;
    shown(&astana);
    assert!(astana.html.contains("KZ-71-01") && astana.html.contains("KZ-71-02"));
    let retry = posted(&astana, target).field("retry");
    let district = [
        ("retry", retry.as_str()),
        ("region_code", "KZ-71"),
        ("code", "KZ-71-03"),
        ("name.kk", "Есіл ауданы"),
        ("name.ru", "район Есиль"),
        ("name.en", "Yesil district"),
    ];
    forged(&mut b, target, &district).await;
    assert_eq!(districts(&w, "KZ-71").await.len(), 2);
    // Invalid: the code and a name named, in the page's language, the form as typed.
    let bad = send(
        &mut b,
        &astana,
        target,
        &[
            ("retry", &retry),
            ("region_code", "KZ-71"),
            ("code", "KZ-75-09"),
            ("name.kk", ""),
            ("name.ru", "район Есиль"),
            ("name.en", "Yesil district"),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["districts-code", "districts-name-kk"],
    );
    assert!(bad.html.contains("KZ-75-09") && bad.html.contains("район Есиль"));
    assert!(bad.html.contains("Атауын жазыңыз"), "{}", bad.html);
    // A region that is none: named.
    let retry = posted(&bad, target).field("retry");
    let nowhere = [
        ("retry", retry.as_str()),
        ("region_code", "KZ-98"),
        ("code", "KZ-98-01"),
        ("name.kk", "a"),
        ("name.ru", "b"),
        ("name.en", "c"),
    ];
    let bad = send(&mut b, &astana, target, &nowhere).await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["districts-region_code"],
    );
    // Added once, even when sent twice; the region's list shows it.
    let done = send_twice(&mut b, &astana, target, &district).await;
    assert_eq!(
        done.location.as_deref(),
        Some("/console/admin/districts?saved=districts#districts")
    );
    assert_eq!(
        districts(&w, "KZ-71").await,
        ["KZ-71-01", "KZ-71-02", "KZ-71-03"]
    );
    let saved = b.get(done.location.as_deref().unwrap()).await;
    assert!(saved.html.contains("Аудан қосылды."), "{}", saved.html);
    // The same code again, by another form: named, nothing added.
    let retry = posted(&saved, target).field("retry");
    let mut twice = district;
    twice[0].1 = &retry;
    let taken = send(&mut b, &saved, target, &twice).await;
    refused(
        &taken,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["districts-code"],
    );
    assert_eq!(districts(&w, "KZ-71").await.len(), 3);

    // Organisations: the directory, filtered; a family-support centre needs its district.
    let target = "/console/admin/organisations";
    let listed = "/organisations?region_code=KZ-71&limit=500";
    let before = count(&w, listed).await;
    let page = b.get(&format!("{target}?region_code=KZ-75")).await;
    shown(&page);
    assert!(page.html.contains("child_rights_department KZ-75"));
    assert!(
        !page.html.contains("family_support_centre KZ-71"),
        "Almaty's only"
    );
    let page = b.get(target).await;
    shown(&page);
    let retry = posted(&page, target).field("retry");
    b.accept_language = Some("ru");
    let bad = send(
        &mut b,
        &page,
        target,
        &[
            ("retry", &retry),
            ("name", " "),
            ("kind", "family_support_centre"),
            ("region_code", "KZ-71"),
            ("district_code", ""),
            ("email", "not an address"),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "organisations-name",
            "organisations-district_code",
            "organisations-email",
        ],
    );
    assert!(
        bad.html.contains("Укажите название организации"),
        "{}",
        bad.html
    );
    let retry = posted(&bad, target).field("retry");
    let centre = [
        ("retry", retry.as_str()),
        ("name", "Yesil family-support centre"),
        ("kind", "family_support_centre"),
        ("region_code", "KZ-71"),
        ("district_code", "KZ-71-03"),
        ("email", "yesil@example.kz"),
    ];
    forged(&mut b, target, &centre).await;
    assert_eq!(count(&w, listed).await, before);
    let done = send_twice(&mut b, &page, target, &centre).await;
    assert_eq!(count(&w, listed).await, before + 1);
    let saved = b.get(done.location.as_deref().unwrap()).await;
    assert!(saved.html.contains("Организация зарегистрирована."));
    assert!(saved.html.contains("Yesil family-support centre"));
    assert!(saved.html.contains("район Есиль"), "its district by name");

    // Another role: the pages and their forms refused as the API refuses them, nothing done;
    // no entry in her navigation.
    let mut sup = Browser::new(&w);
    let home = sup.sign_in("sup.astana").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    let home = sup.get("/console/").await;
    assert!(!home.html.contains("/console/admin/"), "{}", home.html);
    for path in [
        "/console/admin/districts",
        "/console/admin/organisations",
        "/console/admin/users",
    ] {
        let r = sup.get(path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.html);
    }
    let api_says = w
        .app
        .post(
            "/api/v1/regions/KZ-71/districts",
            &w.supervisor,
            serde_json::json!({"code": "KZ-71-04", "name": {"kk": "a", "ru": "b", "en": "c"}}),
        )
        .await
        .status;
    let mut other = district;
    other[2].1 = "KZ-71-04";
    let r = send(&mut sup, &home, "/console/admin/districts", &other).await;
    assert_eq!(r.status, api_says, "{}", r.html);
    let r = send(&mut sup, &home, "/console/admin/organisations", &centre).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
    assert_eq!(districts(&w, "KZ-71").await.len(), 3);
    assert_eq!(count(&w, listed).await, before + 1);
}

async fn the_administrator_manages_users(backend: Backend) {
    let w = World::new(backend).await;
    let mut b = admin(&w).await;
    let target = "/console/admin/users";
    let page = b.get(target).await;
    shown(&page);
    assert!(page.html.contains("cm.astana") && page.html.contains("sup.almaty"));
    // Filters: by role, by a part of the name, by region, by state.
    let managers = b.get("/console/admin/users?role=case_manager").await;
    shown(&managers);
    assert!(managers.html.contains("cm.astana") && !managers.html.contains("sup.astana"));
    let almaty = b.get("/console/admin/users?region_code=KZ-75&q=sup").await;
    assert!(almaty.html.contains("sup.almaty") && !almaty.html.contains("sup.astana"));
    let inactive = b.get("/console/admin/users?active=false").await;
    assert!(!inactive.html.contains("cm.astana"), "{}", inactive.html);

    // Create: the organisations of the admin's region offered, the Almaty one on its filter.
    let department = api(
        &w,
        "/organisations?region_code=KZ-71&kind=child_rights_department",
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = posted(&page, target);
    assert!(form.html.contains(&format!("value=\"{department}\"")));
    let retry = form.field("retry");
    let user = [
        ("retry", retry.as_str()),
        ("region_code", "KZ-71"),
        ("username", "cm.second"),
        ("full_name", "Aigerim Second"),
        ("email", "second@example.kz"),
        ("password", "a long enough secret"),
        ("role", "case_manager"),
        ("organisation_id", department.as_str()),
    ];
    forged(&mut b, target, &user).await;
    assert_eq!(count(&w, "/users?q=cm.second").await, 0);
    let bad = send(
        &mut b,
        &page,
        target,
        &[
            ("retry", &retry),
            ("region_code", "KZ-71"),
            ("username", "Bad Name"),
            ("full_name", "Aigerim Second"),
            ("password", "too short"),
            ("role", ""),
            ("organisation_id", &department),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["users-username", "users-password", "users-role"],
    );
    assert!(bad.html.contains("Aigerim Second"), "as typed");
    assert!(
        !bad.html.contains("too short"),
        "a password is never shown again"
    );
    assert!(bad.html.contains("Рөлін таңдаңыз."), "{}", bad.html);
    let done = send_twice(&mut b, &page, target, &user).await;
    assert_eq!(
        done.location.as_deref(),
        Some("/console/admin/users?saved=users#users")
    );
    assert_eq!(count(&w, "/users?q=cm.second").await, 1);
    let created = account(&w, "cm.second").await;
    assert_eq!(
        (
            created["role"].as_str(),
            created["organisation_id"].as_str()
        ),
        (Some("case_manager"), Some(department.as_str()))
    );
    let saved = b.get(done.location.as_deref().unwrap()).await;
    assert!(
        saved.html.contains("Пайдаланушы қосылды."),
        "{}",
        saved.html
    );
    // A username taken: named.
    let retry = posted(&saved, target).field("retry");
    let mut taken = user;
    taken[0].1 = &retry;
    let r = send(&mut b, &saved, target, &taken).await;
    refused(&r, StatusCode::UNPROCESSABLE_ENTITY, &["users-username"]);

    // Deactivate: refused without the token; refused for a user holding a case (409, saying
    // why); the new user's console session ends with it.
    let mut second = Browser::new(&w);
    let signed = second.sign_in_as("cm.second", "a long enough secret").await;
    assert_eq!(signed.location.as_deref(), Some("/console/"));
    let id = created["id"].as_str().unwrap();
    let deactivate = format!("/console/admin/users/{id}/deactivate");
    assert!(saved.html.contains(&format!("action=\"{deactivate}\"")));
    forged(&mut b, &deactivate, &[]).await;
    assert_eq!(account(&w, "cm.second").await["active"], true);
    w.open_case("Bolat", true).await;
    let manager = format!("/console/admin/users/{}/deactivate", w.manager_id);
    let holds = send(&mut b, &saved, &manager, &[]).await;
    assert_eq!(holds.status, StatusCode::CONFLICT, "{}", holds.html);
    assert!(
        holds.html.contains("алдымен оларды басқаға беріңіз"),
        "{}",
        holds.html
    );
    assert_eq!(account(&w, "cm.astana").await["active"], true);
    let done = send(&mut b, &saved, &deactivate, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(account(&w, "cm.second").await["active"], false);
    let ended = second.get("/console/").await;
    assert_eq!(ended.location.as_deref(), Some("/console/sign-in"));
    let shown_now = b.get(done.location.as_deref().unwrap()).await;
    assert!(shown_now.html.contains("Есептік жазба өшірілді"));

    // Reset a password: refused without the token; then a one-time password on the answer's
    // page only, not to be stored; one's own refused.
    let intake = account(&w, "intake.two").await;
    let reset = format!(
        "/console/admin/users/{}/password-reset",
        intake["id"].as_str().unwrap()
    );
    forged(&mut b, &reset, &[]).await;
    assert_eq!(
        account(&w, "intake.two").await["must_change_password"],
        false
    );
    let answer = send(&mut b, &shown_now, &reset, &[]).await;
    shown(&answer);
    assert_eq!(answer.cache_control.as_deref(), Some("no-store"));
    let password = one_time_password(&answer);
    assert!(password.len() >= 12, "{password}");
    assert_eq!(
        account(&w, "intake.two").await["must_change_password"],
        true
    );
    let later = b.get(target).await;
    assert!(!later.html.contains(&password), "shown once");
    let admin_id = account(&w, "admin").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let own = format!("/console/admin/users/{admin_id}/password-reset");
    let r = send(&mut b, &later, &own, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.html);

    // Another role: refused as the API refuses the same request, nothing done.
    let mut sup = Browser::new(&w);
    sup.sign_in("sup.astana").await;
    let home = sup.get("/console/").await;
    let manager_reset = format!("/api/v1/users/{}/password-reset", w.manager_id);
    let api_says = w
        .app
        .post(&manager_reset, &w.supervisor, serde_json::json!({}))
        .await
        .status;
    assert!(matches!(
        api_says,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let console_reset = format!("/console/admin/users/{}/password-reset", w.manager_id);
    let r = send(&mut sup, &home, &console_reset, &[]).await;
    assert_eq!(r.status, api_says, "{}", r.html);
    let r = send(&mut sup, &home, &manager, &[]).await;
    assert!(matches!(
        r.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let r = send(&mut sup, &home, target, &taken).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.html);
    let manager = account(&w, "cm.astana").await;
    assert_eq!(
        (
            manager["active"].as_bool(),
            manager["must_change_password"].as_bool()
        ),
        (Some(true), Some(false))
    );
}

/// The one-time password a reset's page shows.
fn one_time_password(page: &Page) -> String {
    let marker = "id=\"one-time-password\">";
    let at = page
        .html
        .find(marker)
        .unwrap_or_else(|| panic!("{}", page.html))
        + marker.len();
    let rest = &page.html[at..];
    rest[..rest.find('<').unwrap()].to_string()
}

async fn a_reset_login_changes_its_password_before_anything_else(backend: Backend) {
    let w = World::new(backend).await;
    let mut b = admin(&w).await;
    let users = b.get("/console/admin/users").await;
    let intake = account(&w, "intake.one").await;
    let reset = format!(
        "/console/admin/users/{}/password-reset",
        intake["id"].as_str().unwrap()
    );
    let answer = send(&mut b, &users, &reset, &[]).await;
    let temporary = one_time_password(&answer);

    // Signed in with it: the password page, and every other page leads there.
    let mut me = Browser::new(&w);
    let signed = me.sign_in_as("intake.one", &temporary).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.html);
    assert_eq!(signed.location.as_deref(), Some("/console/password"));
    for path in ["/console/", "/console/signals", "/console/notifications"] {
        let r = me.get(path).await;
        assert_eq!(r.location.as_deref(), Some("/console/password"), "{path}");
    }
    let page = me.get("/console/password").await;
    shown(&page);
    assert_eq!(page.cache_control.as_deref(), Some("no-store"));
    assert!(
        page.html.contains("алдымен өз құпиясөзіңізді таңдаңыз"),
        "{}",
        page.html
    );
    assert!(
        !page.html.contains("href=\"/console/signals\""),
        "nothing else offered"
    );
    let r = send(&mut me, &page, "/console/notifications/read-all", &[]).await;
    assert_eq!(r.location.as_deref(), Some("/console/password"));

    let target = "/console/password";
    let new = "my own long password";
    let change = [
        ("current", temporary.as_str()),
        ("new", new),
        ("repeat", new),
    ];
    forged(&mut me, target, &change).await;
    let r = me.get("/console/").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/console/password"),
        "unchanged"
    );
    // Refused: each field named, no password sent back.
    let bad = send(
        &mut me,
        &page,
        target,
        &[
            ("current", "wrong password!"),
            ("new", new),
            ("repeat", new),
        ],
    )
    .await;
    refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["password-current"],
    );
    assert!(!bad.html.contains(new) && !bad.html.contains("wrong password!"));
    let bad = send(
        &mut me,
        &page,
        target,
        &[
            ("current", &temporary),
            ("new", "short"),
            ("repeat", "short"),
        ],
    )
    .await;
    refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, &["password-new"]);
    let bad = send(
        &mut me,
        &page,
        target,
        &[
            ("current", &temporary),
            ("new", new),
            ("repeat", "another long one"),
        ],
    )
    .await;
    refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, &["password-repeat"]);
    assert_eq!(
        account(&w, "intake.one").await["must_change_password"],
        true
    );

    // Changed: the browser goes on with a new login, every page open again.
    let done = send(&mut me, &page, target, &change).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(
        done.location.as_deref(),
        Some("/console/password?saved=password")
    );
    assert!(
        done.set_cookies
            .iter()
            .any(|c| c.starts_with("qorgau_session="))
    );
    let saved = me.get(done.location.as_deref().unwrap()).await;
    shown(&saved);
    assert!(
        saved.html.contains("Құпиясөзіңіз өзгертілді."),
        "{}",
        saved.html
    );
    assert!(saved.html.contains("href=\"/console/signals\""));
    let home = me.get("/console/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.html);
    assert_eq!(
        account(&w, "intake.one").await["must_change_password"],
        false
    );
    let api = w.app.login_pair("intake.one", new).await;
    assert_eq!(api.status, StatusCode::OK, "{:?}", api.body);
    assert_eq!(api.body["password_change_required"], false);

    // Any user changes her own the same way, from the link beside the sign-out button.
    let mut cm = Browser::new(&w);
    cm.sign_in("cm.astana").await;
    let page = cm.get("/console/").await;
    assert!(page.html.contains("href=\"/console/password\""));
    let page = cm.get(target).await;
    shown(&page);
    let mine = "a new long password";
    let change = [("current", USER_PASSWORD), ("new", mine), ("repeat", mine)];
    let done = send(&mut cm, &page, target, &change).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let r = w.app.login_pair("cm.astana", mine).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

/// Full pages stay under 100 KB: 50 users a page, and the create form offering as many
/// organisations of the region as it offers at all (300).
async fn the_administrators_pages_stay_small(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let token = &app.admin_token;
    let organisations = (0..300).map(|i| {
        let body = serde_json::json!({
            "name": format!("Family-support centre number {i} of the capital's district"),
            "kind": "family_support_centre", "region_code": "KZ-71",
            "district_code": "KZ-71-01", "email": format!("centre{i}@example.kz"),
        });
        async move { app.post("/api/v1/organisations", token, body).await.status }
    });
    let made = join_all(organisations).await;
    assert!(made.iter().all(|s| *s == StatusCode::CREATED), "{made:?}");
    let department = api(
        &w,
        "/organisations?region_code=KZ-71&kind=child_rights_department",
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let users = (0..50).map(|i| {
        let body = serde_json::json!({
            "username": format!("case.manager.{i}"), "full_name": format!("Case Manager Number {i}"),
            "password": USER_PASSWORD, "role": "case_manager", "organisation_id": department,
        });
        async move { app.post("/api/v1/users", token, body).await.status }
    });
    let made = join_all(users).await;
    assert!(made.iter().all(|s| *s == StatusCode::CREATED), "{made:?}");

    let mut b = admin(&w).await;
    let page = b.get("/console/admin/users").await;
    shown(&page);
    assert!(page.html.contains("rel=\"next\""), "a second page");
    let offered = posted(&page, "/console/admin/users")
        .html
        .matches("<option")
        .count();
    assert!(offered > 300, "{offered} options");
    let next = b.get("/console/admin/users?active=true").await;
    shown(&next);
    let page = b.get("/console/admin/organisations").await;
    shown(&page);
    assert!(page.html.contains("rel=\"next\""), "a second page");
    let page = b
        .get("/console/admin/organisations?region_code=KZ-71")
        .await;
    shown(&page);
    for path in [
        "/console/admin/districts",
        "/console/admin/districts?region_code=KZ-71",
    ] {
        shown(&b.get(path).await);
    }
}

on_both_backends!(
    the_administrators_pages_stay_small,
    the_administrator_adds_districts_and_organisations,
    the_administrator_manages_users,
    a_reset_login_changes_its_password_before_anything_else,
);
