//! The bad-input corpus (targets.md § Reliability): malformed JSON, 10 MB bodies, 1,000-deep
//! nesting, invalid UTF-8, invalid IINs, SQL and HTML injection strings, far-past and
//! far-future dates and wrong content types, sent to the write endpoints that take children's
//! data (`POST /signals`, `PATCH /cases/{id}`, `POST /cases/{id}/interventions`) and to
//! `POST /users`. Each refusal is a 400, 413, 415 or 422 problem document and leaves every table
//! as it was (counted in the database); an injection string that is accepted is stored and read
//! back byte for byte. `errors.rs` and `security.rs` hold the first, smaller cases of the same
//! contract.

use std::io::{Read, Write};

use chrono::{Duration, Utc};
use diesel::{QueryDsl, RunQueryDsl};
use qorgau_domain::iin::Sex;
use qorgau_persistence::schema::{
    assessments, audit_log, case_concerns, cases, children, deadlines, idempotency_keys,
    interventions, organisations, outbox, plans, signal_concerns, signals, timeline_events, users,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backend, Response, TestApp, into_response};
use crate::on_both_backends;
use crate::world::{World, iin, signal};

/// Strings that would do harm if they reached SQL or a browser unescaped.
const INJECTIONS: [&str; 8] = [
    "'; DROP TABLE signals; --",
    "Robert'); DELETE FROM children WHERE ('1'='1",
    "\" OR \"1\"=\"1",
    "1 UNION SELECT password_hash FROM users --",
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %s%n \\x00",
    "Әлия Ғабитқызы — «тест» 👧",
];

/// The row count of every table a write could touch, by name.
fn counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut conn = app.state.db.conn().unwrap();
    let conn = &mut *conn;
    macro_rules! count {
        ($($table:ident),* $(,)?) => {
            vec![$((stringify!($table), $table::table.count().get_result::<i64>(conn).unwrap())),*]
        };
    }
    count!(
        signals,
        signal_concerns,
        children,
        cases,
        case_concerns,
        deadlines,
        timeline_events,
        interventions,
        assessments,
        plans,
        users,
        organisations,
        idempotency_keys,
        outbox,
        audit_log,
    )
}

fn count_of(counts: &[(&'static str, i64)], table: &str) -> i64 {
    counts.iter().find(|(t, _)| *t == table).unwrap().1
}

/// One write endpoint under attack.
struct Target<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    token: String,
    if_match: Option<String>,
    /// A free-text field the endpoint stores.
    text_field: &'static str,
}

impl Target<'_> {
    fn request(&self, content_type: Option<&str>) -> reqwest::RequestBuilder {
        let mut req = self
            .app
            .http
            .request(
                self.method.clone(),
                format!("{}{}", self.app.base, self.path),
            )
            .bearer_auth(&self.token);
        if let Some(tag) = &self.if_match {
            req = req.header("if-match", tag);
        }
        if let Some(content_type) = content_type {
            req = req.header("content-type", content_type);
        }
        req
    }

    async fn raw(&self, content_type: Option<&str>, body: Vec<u8>) -> Response {
        into_response(self.request(content_type).body(body).send().await.unwrap()).await
    }

    async fn json(&self, body: &Value) -> Response {
        self.raw(Some("application/json"), body.to_string().into_bytes())
            .await
    }

    /// Sends `body` and checks the answer is a problem document with one of `allowed`, and
    /// that no table changed.
    async fn refused(
        &self,
        what: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        allowed: &[StatusCode],
    ) -> Response {
        let before = counts(self.app);
        let r = self.raw(content_type, body).await;
        assert_problem(
            &r,
            allowed,
            &format!("{} {}: {what}", self.method, self.path),
        );
        assert_eq!(
            counts(self.app),
            before,
            "{} {}: {what} stored something",
            self.method,
            self.path
        );
        r
    }

    async fn refused_json(&self, what: &str, body: &Value, allowed: &[StatusCode]) -> Response {
        self.refused(
            what,
            Some("application/json"),
            body.to_string().into_bytes(),
            allowed,
        )
        .await
    }

    /// Sends a valid body without a `Content-Length`, in chunks, as long as the server reads
    /// it, and returns the status line and headers of the answer.
    fn chunked(&self, total: usize) -> String {
        let address = self.app.base.trim_start_matches("http://").to_string();
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            self.method, self.path, self.token
        );
        if let Some(tag) = &self.if_match {
            head.push_str(&format!("If-Match: {tag}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let sender = std::thread::spawn(move || {
            // A JSON string that never ends: valid as far as the server reads.
            let chunk = vec![b'a'; 64 * 1024];
            let mut sent = 0;
            let mut frame = |data: &[u8]| {
                let mut out = format!("{:x}\r\n", data.len()).into_bytes();
                out.extend_from_slice(data);
                out.extend_from_slice(b"\r\n");
                writer.write_all(&out)
            };
            if frame(b"{\"description\": \"").is_err() {
                return;
            }
            while sent < total {
                if frame(&chunk).is_err() {
                    return;
                }
                sent += chunk.len();
            }
            let _ = frame(b"\"}");
            let _ = writer.write_all(b"0\r\n\r\n");
        });
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream.shutdown(std::net::Shutdown::Both);
        let _ = sender.join();
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Everything that must be refused whatever the endpoint: bodies that are not JSON, not
    /// UTF-8, too deep, too large, or not declared as JSON. `valid` is a body the endpoint
    /// would accept.
    async fn generic_corpus(&self, valid: &Value) {
        const BAD: &[StatusCode] = &[StatusCode::BAD_REQUEST];
        let valid_bytes = valid.to_string().into_bytes();

        // Malformed JSON.
        let truncated = valid_bytes[..valid_bytes.len() / 2].to_vec();
        let mut trailing = valid_bytes.clone();
        trailing.extend_from_slice(b" {}");
        for (what, body) in [
            ("empty body", Vec::new()),
            ("truncated document", truncated),
            ("trailing garbage", trailing),
            ("not JSON", b"hello".to_vec()),
            ("single quotes", b"{'a': 1}".to_vec()),
            ("trailing comma", b"{\"summary\": \"x\",}".to_vec()),
            ("NaN", b"{\"approx_age\": NaN}".to_vec()),
            ("comment", b"/* */ {}".to_vec()),
            ("unterminated string", b"{\"summary\": \"x".to_vec()),
            (
                "raw control character in a string",
                b"{\"summary\": \"a\x01b\"}".to_vec(),
            ),
        ] {
            self.refused(what, Some("application/json"), body, BAD)
                .await;
        }

        // The wrong JSON shape: not an object, or a field of the wrong type.
        for (what, body) in [
            ("null", json!(null)),
            ("array", json!([valid])),
            ("string", json!("x")),
            ("number", json!(42)),
            ("huge number", json!(1e308)),
        ] {
            self.refused_json(what, &body, BAD).await;
        }
        let number = format!("{{\"approx_age\": 1{}}}", "0".repeat(400)).into_bytes();
        self.refused(
            "a number past f64",
            Some("application/json"),
            number,
            &[StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY],
        )
        .await;

        // Invalid UTF-8 in the text field of an otherwise valid body, in an unknown field, and
        // around the document.
        let with = |field: &str, raw: &[u8]| {
            let mut body = valid.clone();
            body[field] = json!("@@");
            let text = body.to_string();
            let (before, after) = text.split_once("\"@@\"").unwrap();
            let mut bytes = before.as_bytes().to_vec();
            bytes.extend_from_slice(raw);
            bytes.extend_from_slice(after.as_bytes());
            bytes
        };
        let mut latin1 = valid_bytes.clone();
        latin1.extend_from_slice(b"\xff");
        for (what, body) in [
            ("UTF-16 byte order mark", b"\xff\xfe{\0}\0".to_vec()),
            ("Latin-1 byte after the document", latin1),
            (
                "Latin-1 byte in a field",
                with(self.text_field, b"\"caf\xe9\""),
            ),
            (
                "Latin-1 byte in an unknown field",
                with("extra", b"\"caf\xe9\""),
            ),
            ("overlong encoding", with(self.text_field, b"\"\xc0\xaf\"")),
            (
                "encoded surrogate",
                with(self.text_field, b"\"\xed\xa0\x80\""),
            ),
            ("truncated sequence", with(self.text_field, b"\"\xd0\"")),
            (
                "lone surrogate escape",
                with(self.text_field, br#""\ud800""#),
            ),
        ] {
            self.refused(what, Some("application/json"), body, BAD)
                .await;
        }

        // 1,000-deep nesting: the whole body, a field, an unknown field of a valid body.
        let arrays = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        let objects = format!("{}1{}", "{\"a\":".repeat(1000), "}".repeat(1000));
        for (what, body) in [
            ("1,000 nested arrays", arrays.clone().into_bytes()),
            ("1,000 nested objects", objects.clone().into_bytes()),
            (
                "nested arrays in a field",
                with(self.text_field, arrays.as_bytes()),
            ),
            (
                "nested objects in an unknown field",
                with("extra", objects.as_bytes()),
            ),
            (
                "nested arrays in an unknown field",
                with("extra", arrays.as_bytes()),
            ),
            (
                "100,000 nested arrays",
                format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            ),
        ] {
            self.refused(what, Some("application/json"), body, BAD)
                .await;
        }

        // A valid body declared as something else, or not declared at all.
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/xml"),
            Some("text/json"),
            Some("application/jsonx"),
            Some(""),
            None,
        ] {
            let r = self
                .refused(
                    &format!("content type {content_type:?}"),
                    content_type,
                    valid_bytes.clone(),
                    &[StatusCode::UNSUPPORTED_MEDIA_TYPE],
                )
                .await;
            assert_eq!(r.body["type"], "/problems/unsupported-media-type");
        }
        let form = self
            .refused(
                "a form",
                Some("application/x-www-form-urlencoded"),
                b"summary=x&kind=home_visit".to_vec(),
                &[StatusCode::UNSUPPORTED_MEDIA_TYPE],
            )
            .await;
        assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // 10 MB: declared, and undeclared (chunked), whose answer comes once the limit is
        // read. The valid document padded with spaces, so only its size is wrong.
        let mut ten_mb = valid_bytes.clone();
        ten_mb.resize(10 * 1024 * 1024, b' ');
        let r = self
            .refused(
                "10 MB",
                Some("application/json"),
                ten_mb,
                &[StatusCode::PAYLOAD_TOO_LARGE],
            )
            .await;
        assert_eq!(r.body["type"], "/problems/payload-too-large");
        let before = counts(self.app);
        let head = self.chunked(10 * 1024 * 1024);
        assert!(
            head.starts_with("HTTP/1.1 413"),
            "{} {}: chunked 10 MB answered {head:?}",
            self.method,
            self.path
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{head}"
        );
        assert_eq!(counts(self.app), before);

        // The server is still up and answering.
        let me = self.app.get("/api/v1/me", &self.token).await;
        assert_eq!(me.status, StatusCode::OK);
    }
}

fn assert_problem(r: &Response, allowed: &[StatusCode], what: &str) {
    assert!(
        allowed.contains(&r.status),
        "{what}: answered {} {:?}, expected one of {allowed:?}",
        r.status,
        r.body
    );
    assert_eq!(
        r.headers["content-type"], "application/problem+json",
        "{what}"
    );
    assert_eq!(r.body["status"], r.status.as_u16(), "{what}: {:?}", r.body);
    assert!(
        r.body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{what}: {:?}",
        r.body
    );
    assert!(r.body["title"].is_string(), "{what}: {:?}", r.body);
    assert!(r.body["detail"].is_string(), "{what}: {:?}", r.body);
}

const INVALID: &[StatusCode] = &[StatusCode::UNPROCESSABLE_ENTITY];

/// The fields a 422 names.
fn fields(r: &Response) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn signals_refuse_bad_input_and_store_nothing(backend: Backend) {
    let w = World::new(backend).await;
    // A NUL character in a query string or a path (found by fuzzing: a 500 on PostgreSQL).
    for path in [
        "/api/v1/signals?status=%00",
        "/api/v1/signals?district_code=KZ%0075",
        "/api/v1/children?q=a%00b",
        "/api/v1/districts/KZ-71%00",
    ] {
        let r = w.app.get(path, &w.supervisor).await;
        assert_problem(&r, &[StatusCode::BAD_REQUEST], path);
    }
    let target = Target {
        app: &w.app,
        method: Method::POST,
        path: "/api/v1/signals".into(),
        token: w.mobile.clone(),
        if_match: None,
        text_field: "description",
    };
    let valid = signal(
        json!({"iin": iin("2015-04-12", Sex::Female, 1), "last_name": "Serikova",
                              "first_name": "Aigerim", "birth_date": "2015-04-12", "sex": "female"}),
    );
    target.generic_corpus(&valid).await;

    // Invalid IINs: too short, too long, letters, a wrong check digit, an impossible or future
    // birth date, a birth date or sex that disagrees with the one given, an adult.
    let good = iin("2015-04-12", Sex::Female, 1);
    let mut wrong_check = good.clone().into_bytes();
    wrong_check[11] = b'0' + (wrong_check[11] - b'0' + 1) % 10;
    let wrong_check = String::from_utf8(wrong_check).unwrap();
    let future = Utc::now().date_naive() + Duration::days(400);
    for bad in [
        "1".to_string(),
        "15041260032".into(),
        "1504126003211".into(),
        "15041260032a".into(),
        "１５０４１２６００３２１".into(),
        "150412 600321".into(),
        "' OR '1'='1".into(),
        "<b>150412600321</b>".into(),
        wrong_check,
        "151332600321".into(),
        "000000000000".into(),
        iin(&future.format("%Y-%m-%d").to_string(), Sex::Female, 1),
        iin("2015-04-12", Sex::Male, 1),
        iin("2015-04-13", Sex::Female, 1),
        iin("1990-01-01", Sex::Female, 1),
    ] {
        let mut body = valid.clone();
        body["child"]["iin"] = json!(bad);
        let r = target
            .refused_json(&format!("IIN {bad:?}"), &body, INVALID)
            .await;
        assert!(
            fields(&r).iter().any(|f| f.starts_with("child.")),
            "IIN {bad:?}: {:?}",
            r.body
        );
    }
    for bad in [
        json!(150412600321_i64),
        json!(["150412600321"]),
        json!({"x": 1}),
    ] {
        let mut body = valid.clone();
        body["child"]["iin"] = bad.clone();
        target
            .refused_json(&format!("IIN {bad}"), &body, &[StatusCode::BAD_REQUEST])
            .await;
    }

    // Far-past and far-future dates, and dates that are not dates.
    for (field, bad) in [
        ("observed_at", "0001-01-01T00:00:00Z"),
        ("observed_at", "1899-12-31T23:59:59Z"),
        ("observed_at", "9999-12-31T23:59:59Z"),
        ("observed_at", "2999-01-01T00:00:00+05:00"),
        ("observed_at", "+275760-09-13T00:00:00Z"),
        ("observed_at", "-000001-01-01T00:00:00Z"),
        ("observed_at", "2026-02-30T00:00:00Z"),
        ("observed_at", "2026-11-24T25:61:00Z"),
        ("observed_at", "yesterday"),
        ("observed_at", "1e400"),
        ("child.birth_date", "0001-01-01"),
        ("child.birth_date", "1800-01-01"),
        ("child.birth_date", "9999-12-31"),
        ("child.birth_date", "2015-13-45"),
        ("child.birth_date", "99999-01-01"),
    ] {
        let mut body = valid.clone();
        body["child"]["iin"] = Value::Null;
        match field.split_once('.') {
            Some((outer, inner)) => body[outer][inner] = json!(bad),
            None => body[field] = json!(bad),
        }
        let r = target
            .refused_json(&format!("{field} = {bad}"), &body, INVALID)
            .await;
        assert!(
            fields(&r).iter().any(|f| f == field),
            "{field} = {bad}: {:?}",
            r.body
        );
    }
    for (field, bad) in [
        ("approx_age", json!(-1)),
        ("approx_age", json!(1000)),
        ("approx_age", json!(i64::MAX)),
    ] {
        let mut body = valid.clone();
        body["child"]["iin"] = Value::Null;
        body["child"]["birth_date"] = Value::Null;
        body["child"][field] = bad.clone();
        target
            .refused_json(&format!("child.{field} = {bad}"), &body, INVALID)
            .await;
    }

    // Injection strings where a code is expected: refused, nothing stored.
    for injection in INJECTIONS {
        for field in ["source", "region_code", "district_code", "urgency"] {
            let mut body = valid.clone();
            body[field] = json!(injection);
            target
                .refused_json(&format!("{field} = {injection:?}"), &body, INVALID)
                .await;
        }
        let mut body = valid.clone();
        body["concerns"] = json!([injection]);
        target
            .refused_json(&format!("concerns = [{injection:?}]"), &body, INVALID)
            .await;
        let mut body = valid.clone();
        body["child"]["sex"] = json!(injection);
        target
            .refused_json(&format!("child.sex = {injection:?}"), &body, INVALID)
            .await;
    }
    // NUL characters cannot be stored as text in PostgreSQL: refused on both databases.
    let mut body = valid.clone();
    body["description"] = json!("before\u{0}after");
    target
        .refused_json(
            "NUL in the description",
            &body,
            &[StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY],
        )
        .await;

    // Injection strings in free text: stored verbatim, read back unchanged, tables intact.
    for (n, injection) in INJECTIONS.iter().enumerate() {
        let before = counts(&w.app);
        let mut body = valid.clone();
        body["child"] = json!({"last_name": injection, "first_name": injection,
                               "middle_name": injection, "address": injection,
                               "birth_date": "2015-04-12"});
        body["description"] = json!(injection);
        body["external_ref"] = json!(format!("{injection} #{n}"));
        body["reporter"] = json!({"name": injection, "phone": "+7 701 000 00 00",
                                  "relation": injection, "anonymous": false});
        let r = target.json(&body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{injection:?}: {:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/json");
        let after = counts(&w.app);
        assert_eq!(
            count_of(&after, "signals"),
            count_of(&before, "signals") + 1
        );
        assert!(count_of(&after, "children") >= count_of(&before, "children"));
        let id = r.body["id"].as_str().unwrap();
        let read = w
            .app
            .get(&format!("/api/v1/signals/{id}"), &w.supervisor)
            .await;
        assert_eq!(read.status, StatusCode::OK);
        for stored in [
            &read.body["description"],
            &read.body["child"]["last_name"],
            &read.body["child"]["first_name"],
            &read.body["child"]["middle_name"],
            &read.body["child"]["address"],
            &read.body["reporter"]["name"],
            &read.body["reporter"]["relation"],
        ] {
            assert_eq!(stored, &json!(injection.trim()), "{:?}", read.body);
        }
        assert_eq!(
            read.body["external_ref"],
            json!(format!("{injection} #{n}"))
        );
        let child_id = read.body["child_id"].as_str().unwrap();
        let child = w
            .app
            .get(&format!("/api/v1/children/{child_id}"), &w.supervisor)
            .await;
        assert_eq!(child.body["last_name"], json!(injection.trim()));
    }

    // Injection strings in query strings: no error, no leak, nothing changed.
    for injection in INJECTIONS {
        let before = counts(&w.app);
        for path in [
            "/api/v1/children?q=",
            "/api/v1/children?iin=",
            "/api/v1/signals?source=",
        ] {
            let url = format!("{}{path}{}", w.app.base, url_encode(injection));
            let r = into_response(
                w.app
                    .http
                    .get(url)
                    .bearer_auth(&w.supervisor)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert!(
                r.status == StatusCode::OK || [400, 422].contains(&r.status.as_u16()),
                "{path}{injection:?}: {} {:?}",
                r.status,
                r.body
            );
            if r.status != StatusCode::OK {
                assert_problem(&r, &[r.status], &format!("{path}{injection:?}"));
            }
        }
        let after = counts(&w.app);
        // Reads of children's data are audited; nothing else moves.
        let moved: Vec<_> = before
            .iter()
            .zip(&after)
            .filter(|(b, a)| b != a && b.0 != "audit_log")
            .collect();
        assert!(moved.is_empty(), "{injection:?}: {moved:?}");
    }
    assert!(w.signal_count().await >= INJECTIONS.len());
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn case_edits_refuse_bad_input_and_store_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let case_id = w.open_case("Aruzhan", true).await;
    let current = w
        .app
        .get(&format!("/api/v1/cases/{case_id}"), &w.manager)
        .await;
    let etag = current.headers["etag"].to_str().unwrap().to_string();
    let target = Target {
        app: &w.app,
        method: Method::PATCH,
        path: format!("/api/v1/cases/{case_id}"),
        token: w.manager.clone(),
        if_match: Some(etag.clone()),
        text_field: "risk_reason",
    };
    let valid = json!({"risk_level": "high", "risk_reason": "New bruises seen at school"});
    target.generic_corpus(&valid).await;

    for injection in INJECTIONS {
        for body in [
            json!({"risk_level": injection, "risk_reason": "x"}),
            json!({"concerns": [injection]}),
            json!({"concerns": ["neglect", injection]}),
        ] {
            target
                .refused_json(&format!("{body}"), &body, INVALID)
                .await;
        }
    }
    for body in [
        json!({"risk_level": ["high"]}),
        json!({"concerns": "neglect"}),
        json!({"concerns": [["neglect"]]}),
        json!({"risk_reason": 5, "risk_level": "high"}),
    ] {
        target
            .refused_json(&format!("{body}"), &body, &[StatusCode::BAD_REQUEST])
            .await;
    }
    target
        .refused_json("nothing to change", &json!({}), INVALID)
        .await;
    target
        .refused_json(
            "NUL in the reason",
            &json!({"risk_level": "high", "risk_reason": "a\u{0}b"}),
            &[StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY],
        )
        .await;

    // An injection string as the version tag names no version: 412, nothing changed.
    for tag in [
        "\"1' OR '1'='1\"",
        "\"1; DROP TABLE cases\"",
        "*",
        "W/\"-1\"",
    ] {
        let attacked = Target {
            app: &w.app,
            method: Method::PATCH,
            path: target.path.clone(),
            token: w.manager.clone(),
            if_match: Some(tag.into()),
            text_field: "risk_reason",
        };
        attacked
            .refused_json(
                &format!("If-Match {tag}"),
                &valid,
                &[StatusCode::PRECONDITION_FAILED],
            )
            .await;
    }

    // An injection string as the reason: accepted, and on the timeline as typed.
    let first = w
        .app
        .get(&format!("/api/v1/cases/{case_id}"), &w.manager)
        .await;
    let first_version = first.body["version"].as_i64().unwrap();
    let mut tag = etag;
    for (n, injection) in INJECTIONS.iter().enumerate() {
        let level = ["high", "medium"][n % 2];
        let accepted = Target {
            app: &w.app,
            method: Method::PATCH,
            path: target.path.clone(),
            token: w.manager.clone(),
            if_match: Some(tag.clone()),
            text_field: "risk_reason",
        };
        let r = accepted
            .json(&json!({"risk_level": level, "risk_reason": injection}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{injection:?}: {:?}", r.body);
        assert_eq!(r.body["risk_level"], level);
        tag = r.headers["etag"].to_str().unwrap().to_string();
        let child_id = r.body["child_id"].as_str().unwrap();
        let timeline = w
            .app
            .get(&format!("/api/v1/children/{child_id}/timeline"), &w.manager)
            .await;
        let last = timeline.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["kind"] == "risk_revised")
            .unwrap();
        assert!(
            last["summary"]
                .as_str()
                .unwrap()
                .ends_with(&format!(": {}", injection.trim())),
            "{injection:?}: {last:?}"
        );
    }
    let case = w
        .app
        .get(&format!("/api/v1/cases/{case_id}"), &w.manager)
        .await;
    assert_eq!(case.status, StatusCode::OK);
    assert_eq!(
        case.body["version"].as_i64().unwrap(),
        first_version + INJECTIONS.len() as i64,
        "only the accepted edits made versions"
    );
}

async fn interventions_refuse_bad_input_and_store_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let case_id = w.open_case("Dias", true).await;
    let target = Target {
        app: &w.app,
        method: Method::POST,
        path: format!("/api/v1/cases/{case_id}/interventions"),
        token: w.manager.clone(),
        if_match: None,
        text_field: "summary",
    };
    let occurred = (Utc::now() - Duration::hours(2)).to_rfc3339();
    let valid = json!({"kind": "home_visit", "assistance_type": "social", "occurred_at": occurred,
                       "summary": "Visited the family at home.", "child_seen": true,
                       "duration_minutes": 45});
    target.generic_corpus(&valid).await;

    for (field, bad) in [
        ("occurred_at", json!("0001-01-01T00:00:00Z")),
        ("occurred_at", json!("1999-12-31T23:59:59Z")),
        ("occurred_at", json!("9999-12-31T23:59:59Z")),
        ("occurred_at", json!("2999-06-01T10:00:00+05:00")),
        ("occurred_at", json!("+275760-09-13T00:00:00Z")),
        ("occurred_at", json!("2026-02-30T10:00:00Z")),
        ("occurred_at", json!("2026-05-10 14:30")),
        ("occurred_at", json!("")),
        ("duration_minutes", json!(0)),
        ("duration_minutes", json!(-5)),
        ("duration_minutes", json!(1_000_000)),
        ("duration_minutes", json!(i64::MAX)),
        ("plan_measure_id", json!("'; DROP TABLE plans; --")),
        ("summary", json!("")),
        ("summary", json!("x".repeat(10_001))),
        ("summary", json!("a\u{0}b")),
    ] {
        let mut body = valid.clone();
        body[field] = bad.clone();
        let r = target
            .refused_json(&format!("{field} = {bad:.40}"), &body, INVALID)
            .await;
        assert!(
            fields(&r).iter().any(|f| f == field),
            "{field} = {bad:.40}: {:?}",
            r.body
        );
    }
    for injection in INJECTIONS {
        for field in ["kind", "assistance_type", "occurred_at"] {
            let mut body = valid.clone();
            body[field] = json!(injection);
            target
                .refused_json(&format!("{field} = {injection:?}"), &body, INVALID)
                .await;
        }
    }
    for (field, bad) in [
        ("child_seen", json!("yes")),
        ("duration_minutes", json!("45")),
        ("duration_minutes", json!(4.5)),
        ("summary", json!(["a"])),
    ] {
        let mut body = valid.clone();
        body[field] = bad.clone();
        target
            .refused_json(
                &format!("{field} = {bad}"),
                &body,
                &[StatusCode::BAD_REQUEST],
            )
            .await;
    }

    for injection in INJECTIONS {
        let before = counts(&w.app);
        let mut body = valid.clone();
        body["summary"] = json!(injection);
        let r = target.json(&body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{injection:?}: {:?}", r.body);
        assert_eq!(r.body["summary"], json!(injection.trim()));
        let after = counts(&w.app);
        assert_eq!(
            count_of(&after, "interventions"),
            count_of(&before, "interventions") + 1
        );
    }
    let listed = w
        .app
        .get(
            &format!("/api/v1/cases/{case_id}/interventions"),
            &w.manager,
        )
        .await;
    let summaries: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["summary"].as_str().unwrap())
        .collect();
    for injection in INJECTIONS {
        assert!(summaries.contains(&injection.trim()), "{summaries:?}");
    }
}

async fn users_refuse_bad_input_and_store_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app
        .organisation("child_rights_department", "KZ-71", None)
        .await;
    let target = Target {
        app: &app,
        method: Method::POST,
        path: "/api/v1/users".into(),
        token: app.admin_token.clone(),
        if_match: None,
        text_field: "full_name",
    };
    let valid = json!({"username": "zhanar", "full_name": "Zhanar K.", "email": "zhanar@example.kz",
                       "password": "long enough password", "role": "case_manager",
                       "organisation_id": org});
    target.generic_corpus(&valid).await;

    for injection in INJECTIONS {
        for field in ["username", "email", "role", "organisation_id"] {
            let mut body = valid.clone();
            body[field] = json!(injection);
            target
                .refused_json(&format!("{field} = {injection:?}"), &body, INVALID)
                .await;
        }
    }
    let mut body = valid.clone();
    body["full_name"] = json!("a\u{0}b");
    target.refused_json("NUL in a name", &body, INVALID).await;
    // An organisation id that is an id but of nothing.
    let mut body = valid.clone();
    body["organisation_id"] = json!(uuid::Uuid::new_v4());
    target
        .refused_json(
            "unknown organisation",
            &body,
            &[StatusCode::UNPROCESSABLE_ENTITY, StatusCode::NOT_FOUND],
        )
        .await;

    for (n, injection) in INJECTIONS.iter().enumerate() {
        let mut body = valid.clone();
        body["username"] = json!(format!("user{n}"));
        body["full_name"] = json!(injection);
        let r = target.json(&body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{injection:?}: {:?}", r.body);
        let id = r.body["id"].as_str().unwrap();
        let read = app
            .get(&format!("/api/v1/users/{id}"), &app.admin_token)
            .await;
        assert_eq!(read.body["full_name"], json!(injection.trim()));
    }
    let r = app.get("/api/v1/users?limit=500", &app.admin_token).await;
    // The admin and the eight created above: the corpus stored no other user.
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        1 + INJECTIONS.len()
    );
}

on_both_backends!(
    signals_refuse_bad_input_and_store_nothing,
    case_edits_refuse_bad_input_and_store_nothing,
    interventions_refuse_bad_input_and_store_nothing,
    users_refuse_bad_input_and_store_nothing,
);
