//! The reports of the console (docs/console.md): the indicators as SVG charts with their
//! numbers in tables, for a supervisor (her region) and an analyst (any area, rounded as the
//! API rounds for her); the analyst's aggregates and their CSV — the same as the API's. Bad
//! input named, other roles refused.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use serde_json::Value;

use super::Browser;
use super::supervision::PAGE_LIMIT;
use crate::common::Backend;
use crate::on_both_backends;
use crate::world::{World, signal};

/// An analyst of the ministry; returns her API token.
async fn analyst(w: &World) -> String {
    let ministry = w.app.organisation("other", "KZ-71", None).await;
    w.app.user("analyst.one", "analyst", &ministry).await.1
}

async fn kpis(w: &World, token: &str) -> Value {
    let r = w.app.get("/api/v1/reports/kpis", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn the_indicators_are_charted_for_supervisors_and_analysts(backend: Backend) {
    let w = World::new(backend).await;
    w.with_approved_plan("Aruzhan").await;
    let analyst_token = analyst(&w).await;
    let mut b = Browser::new(&w);
    b.sign_in("sup.astana").await;
    let page = b.get("/console/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.len() < PAGE_LIMIT);
    // Her navigation: the dashboard, the region's cases and the reports; no aggregates.
    assert!(
        page.html
            .contains("href=\"/console/reports\" aria-current=\"page\"")
    );
    assert!(
        page.html.contains("href=\"/console/supervision\"")
            && !page.html.contains("href=\"/console/aggregates\"")
    );
    // Three charts, each an image named by its title and said in its description, and its
    // numbers in a table.
    for chart in ["times-chart", "deadlines-chart"] {
        assert!(
            page.html.contains(&format!("<title id=\"{chart}-title\">")),
            "{chart}: {}",
            page.html
        );
        assert!(
            page.html
                .contains(&format!("aria-labelledby=\"{chart}-title {chart}-desc\""))
        );
    }
    assert!(page.html.contains("role=\"img\""));
    assert!(!page.html.contains("<script"));
    // The numbers are the API's: measured over as many plans as the API says.
    let api = kpis(&w, &w.supervisor).await;
    assert_eq!(api["small_cells_suppressed"], false);
    let plans = &api["times"]["signal_to_plan_approval"];
    assert_eq!(plans["count"], 1);
    let row = format!(
        "<th scope=\"row\">Жоспар бекітілгенге дейін</th><td>1</td><td>{:.1}</td>",
        plans["median_hours"].as_f64().unwrap()
    );
    assert!(page.html.contains(&row), "{row}: {}", page.html);
    assert!(
        !page.html.contains("5-ке еселі"),
        "a supervisor's counts are exact"
    );

    // A period asked for: shown; bad dates named; another region not found.
    let march = b
        .get("/console/reports?from=2026-03-01&to=2026-03-31&district_code=")
        .await;
    assert_eq!(march.status, StatusCode::OK, "{}", march.html);
    assert!(march.html.contains("datetime=\"2026-03-31\""));
    let bad = b
        .get("/console/reports?from=2026-13-01&to=2026-03-31")
        .await;
    super::refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, &["period-from"]);
    assert!(bad.html.contains("value=\"2026-13-01\""), "as typed");
    let reversed = b
        .get("/console/reports?from=2026-04-01&to=2026-03-31")
        .await;
    super::refused(
        &reversed,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["period-from"],
    );
    assert_eq!(
        b.get("/console/reports?region_code=KZ-75").await.status,
        StatusCode::NOT_FOUND
    );

    // The analyst: any region to choose, the numbers as the API rounds them for her — and said.
    let mut a = Browser::new(&w);
    a.sign_in("analyst.one").await;
    let page = a.get("/console/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("id=\"period-region_code\""));
    assert!(
        page.html.contains("href=\"/console/aggregates\"")
            && !page.html.contains("href=\"/console/supervision\"")
    );
    assert_eq!(
        kpis(&w, &analyst_token).await["small_cells_suppressed"],
        true
    );
    assert!(page.html.contains("5-ке еселі"), "{}", page.html);
    let region = a.get("/console/reports?region_code=KZ-71").await;
    assert_eq!(region.status, StatusCode::OK, "{}", region.html);
    let mismatch = a
        .get("/console/reports?region_code=KZ-75&district_code=KZ-71-01")
        .await;
    super::refused(
        &mismatch,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["period-district_code"],
    );

    // Not a case manager's.
    let mut cm = Browser::new(&w);
    cm.sign_in("cm.astana").await;
    assert_eq!(
        cm.get("/console/reports").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!cm.get("/console/").await.html.contains("/console/reports"));
}

/// `path` as `b` gets it, with its headers.
async fn download(b: &Browser, path: &str) -> reqwest::Response {
    b.http
        .get(format!("{}{path}", b.base))
        .header(COOKIE, format!("qorgau_session={}", b.session()))
        .send()
        .await
        .unwrap()
}

async fn the_analyst_reads_aggregates_and_downloads_them(backend: Backend) {
    let mut w = World::new(backend).await;
    // Six signals this month, counted once the month has ended.
    for n in 0..6 {
        let child = serde_json::json!({"first_name": format!("Child{n}"), "last_name": "Test", "birth_date": "2016-02-02"});
        let r = w.file(signal(child)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    w.later(Duration::days(32)).await;
    let token = analyst(&w).await;
    let mut a = Browser::new(&w);
    a.sign_in("analyst.one").await;
    let first = a.get("/console/aggregates").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.html);
    assert!(first.html.contains("id=\"aggregates-group_by-concern\""));
    assert!(
        first
            .html
            .contains("жолдың болмауы сигнал жоқ дегенді білдірмейді"),
        "the note on left-out cells"
    );
    assert!(!first.html.contains("table class=\"cells\""));

    let asked = "/console/aggregates?group_by=region&group_by=concern&from=&to=&region_code=&district_code=";
    let page = a.get(asked).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.len() < PAGE_LIMIT);
    assert!(
        page.html.contains("Қараусыз қалдыру"),
        "a concern by its label: {}",
        page.html
    );
    let api = crate::reports::csv(
        &w,
        "/api/v1/reports/aggregates?group_by=region,concern",
        &token,
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{:?}", api.body);
    let api = api.body.as_str().expect("CSV text").to_string();
    let cells = api.lines().count() - 1;
    assert!(cells >= 2, "{api}");
    assert_eq!(page.html.matches("<td class=\"count\">").count(), cells);

    // The download: what the API gives for Accept: text/csv, as an attachment.
    let href = page
        .html
        .split("href=\"/console/aggregates.csv?")
        .nth(1)
        .unwrap();
    let href = format!(
        "/console/aggregates.csv?{}",
        &href[..href.find('"').unwrap()]
    )
    .replace("&amp;", "&");
    let got = download(&a, &href).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = got.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"aggregates-KZ-"),
        "{disposition}"
    );
    assert_eq!(got.text().await.unwrap(), api);

    // Bad input named: nothing to group by, a date that is none.
    let bad = a.get("/console/aggregates?from=").await;
    super::refused(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["aggregates-group_by"],
    );
    let bad = a
        .get("/console/aggregates?group_by=sex&from=yesterday")
        .await;
    super::refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, &["aggregates-from"]);
    assert!(bad.html.contains(
        "id=\"aggregates-group_by-sex\" type=\"checkbox\" name=\"group_by\" value=\"sex\" checked"
    ));

    // Not a case manager's: neither the page nor the file.
    let mut cm = Browser::new(&w);
    cm.sign_in("cm.astana").await;
    assert_eq!(
        cm.get("/console/aggregates").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&cm, "/console/aggregates.csv?group_by=region")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    the_indicators_are_charted_for_supervisors_and_analysts,
    the_analyst_reads_aggregates_and_downloads_them,
);
