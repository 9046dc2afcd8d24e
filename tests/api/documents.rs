//! Documents and photos on a case (issue 20, item 3): upload, list, metadata and download with
//! the SHA-256; a program renamed `.pdf` refused by its content; the size limit; a child's photo
//! only with consent to images; another region's document not found; the soft delete with a
//! reason, audited; a retried upload stored once.
//!
//! Every test runs on both databases and on both document stores: the directory under
//! `data_dir`, and an S3 bucket of a real S3 API server (moto, from PyPI: `pip install
//! 'moto[server]'`, which `.ci/run` does) that the tests start on a free port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use diesel::prelude::*;
use qorgau_api::config::StoreKind;
use qorgau_persistence::schema::audit_log;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Backend, Response, TestApp, into_response, invalid_fields};
use crate::world::{World, signal};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Directory,
    S3,
}

/// Generates `<store>::<backend>::name` tests from `async fn name(Backend, Store)`.
macro_rules! on_both_backends_and_stores {
    ($($name:ident),* $(,)?) => {
        mod directory {
            // `any()` is never true: the directory store needs nothing installed.
            on_both_backends_with_store!(Directory, cfg_attr(any(), ignore); $($name),*);
        }
        mod s3 {
            on_both_backends_with_store!(
                S3,
                cfg_attr(qorgau_no_moto, ignore = "install moto_server (pip install 'moto[server]') to run the S3 half");
                $($name),*
            );
        }
    };
}

/// `sqlite::name` and `postgres::name` tests of one store, ignored when `skip` says so (the S3
/// half without moto: build.rs).
macro_rules! on_both_backends_with_store {
    ($store:ident, $skip:meta; $($name:ident),*) => {
        mod sqlite {
            $(#[actix_web::test]
            #[$skip]
            async fn $name() {
                super::super::$name($crate::common::Backend::Sqlite, super::super::Store::$store).await
            })*
        }
        mod postgres {
            $(#[actix_web::test]
            #[cfg_attr(qorgau_no_test_postgres, ignore = "set QORGAU_TEST_DATABASE_URL to run the PostgreSQL half")]
            #[$skip]
            async fn $name() {
                $crate::common::postgres_url();
                super::super::$name($crate::common::Backend::Postgres, super::super::Store::$store).await
            })*
        }
    };
}

on_both_backends_and_stores!(
    a_document_is_uploaded_listed_and_downloaded_with_its_hash,
    a_program_renamed_pdf_is_refused_by_its_content,
    a_file_over_the_limit_is_refused,
    a_photo_needs_consent_to_images,
    another_regions_document_is_not_found,
    a_deleted_document_leaves_the_list_with_its_reason_audited,
    a_retried_upload_is_stored_once,
    a_sensitive_cases_documents_are_withheld_from_who_may_not_read_it,
);

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
pub(crate) const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];
/// The start of a Windows program (an `MZ` header).
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00";

// ---------------------------------------------------------------------------------------------
// The S3 API server

/// The moto server of this test run: started once, on a free port, and stopped when the test
/// process ends (a watchdog shell kills it once the process is gone).
fn moto() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let parent = std::process::id();
        let script = format!(
            "moto_server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & child=$!; \
             while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; \
             kill $child 2>/dev/null"
        );
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh");
        // Reaped when it ends (with the test process, or if moto_server cannot start).
        std::thread::spawn(move || watchdog.wait());
        let address = format!("127.0.0.1:{port}");
        for _ in 0..300 {
            if TcpStream::connect(&address).is_ok() {
                return format!("http://{address}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "moto_server did not start on {address}: install it with `pip install 'moto[server]'` \
             (.ci/run does)"
        );
    })
}

/// Creates a bucket of its own for one test on the moto server (which does not check
/// signatures), by a raw `PUT /bucket`.
fn new_bucket() -> String {
    let url = moto();
    let bucket = format!("qorgau-{}", uuid::Uuid::new_v4().simple());
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    bucket
}

/// The world on a server whose documents go to `store` (and whose size limit is `max_bytes`).
async fn world(backend: Backend, store: Store, max_bytes: Option<u64>) -> World {
    let bucket = (store == Store::S3).then(new_bucket);
    let app = TestApp::start_with(backend, |config| {
        if let Some(max) = max_bytes {
            config.documents.max_bytes = max;
        }
        if let Some(bucket) = bucket {
            config.documents.store = StoreKind::S3;
            config.documents.s3_bucket = bucket;
            config.documents.s3_endpoint = moto().to_string();
            config.documents.s3_allow_http = true;
            config.secrets.s3_access_key_id = Some("testing".into());
            config.secrets.s3_secret_access_key = Some("testing".into());
        }
    })
    .await;
    World::on(app).await
}

/// The keys the document store holds.
async fn stored_keys(w: &World) -> Vec<String> {
    let keys = w.app.state.documents.keys().await.unwrap();
    keys.into_iter().map(|(k, _)| k).collect()
}

// ---------------------------------------------------------------------------------------------
// Requests

const BOUNDARY: &str = "qorgau-test-boundary-1f2e3d";

/// A `multipart/form-data` body of text fields and, if given, one file part.
pub(crate) fn form(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    if let Some((file_name, content_type, bytes)) = file {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").unwrap();
    body
}

pub(crate) async fn upload_with(
    w: &World,
    token: &str,
    case: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> Response {
    let mut req = w
        .app
        .http
        .post(format!("{}/api/v1/cases/{case}/documents", w.app.base))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    into_response(req.send().await.unwrap()).await
}

async fn upload(
    w: &World,
    token: &str,
    case: &str,
    kind: &str,
    file: (&str, &str, &[u8]),
) -> Response {
    upload_with(w, token, case, form(&[("kind", kind)], Some(file)), &[]).await
}

/// The case manager uploads `name`, a PDF of `kind`, to `case`: it must be stored; its id.
async fn uploaded_pdf(w: &World, case: &str, kind: &str, name: &str) -> String {
    let r = upload(w, &w.manager, case, kind, (name, "application/pdf", PDF)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// `GET` answering the raw bytes.
async fn download(
    w: &World,
    token: &str,
    document: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let r = w
        .app
        .http
        .get(format!(
            "{}/api/v1/documents/{document}/content",
            w.app.base
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Audit entries `action` on the document by `user`.
fn audited(w: &World, document: &str, user: &str, action: &str) -> i64 {
    let mut conn = w.app.state.db.conn().unwrap();
    audit_log::table
        .filter(audit_log::resource.eq("document"))
        .filter(audit_log::resource_id.eq(document))
        .filter(audit_log::user_id.eq(user))
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

fn items(r: &Response) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn user_id(w: &World, token: &str) -> String {
    let me = w.app.get("/api/v1/me", token).await;
    me.body["id"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn a_document_is_uploaded_listed_and_downloaded_with_its_hash(
    backend: Backend,
    store: Store,
) {
    let w = world(backend, store, None).await;
    let case = w.open_case("Әлия", true).await;
    let body = form(
        &[
            ("kind", "court_decision"),
            (
                "description",
                "Решение суда об определении места жительства",
            ),
        ],
        Some(("../scans/решение суда.pdf", "application/pdf", PDF)),
    );
    let r = upload_with(&w, &w.manager, &case, body, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let doc = r.body.clone();
    let id = doc["id"].as_str().unwrap();
    assert_eq!(doc["case_id"], case.as_str());
    assert_eq!(doc["kind"], "court_decision");
    assert_eq!(doc["file_name"], "решение суда.pdf");
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["size_bytes"], PDF.len());
    assert_eq!(doc["sha256"], sha256(PDF));
    assert_eq!(doc["uploaded_by"], w.manager_id.as_str());
    assert_eq!(
        doc["content_url"],
        format!("/api/v1/documents/{id}/content")
    );
    assert_eq!(
        audited(&w, id, &w.manager_id, "create"),
        1,
        "the upload is audited"
    );
    // The bytes are in the configured store, under the document's id.
    let keys = stored_keys(&w).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with(id), "{keys:?}");

    let png = upload(
        &w,
        &w.supervisor,
        &case,
        "other",
        ("map.png", "image/png", PNG),
    )
    .await;
    assert_eq!(png.status, StatusCode::CREATED, "{:?}", png.body);

    // The list: both, in the order uploaded, a page at a time.
    let list = w
        .app
        .get(&format!("/api/v1/cases/{case}/documents"), &w.supervisor)
        .await;
    let listed = items(&list);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[1]["media_type"], "image/png");
    let first = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/documents?limit=1"),
            &w.supervisor,
        )
        .await;
    assert_eq!(items(&first).len(), 1);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/documents?limit=1&cursor={cursor}"),
            &w.supervisor,
        )
        .await;
    assert_eq!(items(&second)[0]["id"], png.body["id"]);

    // Its record, and its content: the same bytes, type and hash.
    let meta = w
        .app
        .get(&format!("/api/v1/documents/{id}"), &w.supervisor)
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{:?}", meta.body);
    assert_eq!(meta.body["sha256"], sha256(PDF));
    let (status, headers, bytes) = download(&w, &w.supervisor, id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, PDF);
    assert_eq!(sha256(&bytes), doc["sha256"].as_str().unwrap());
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["repr-digest"]
            .to_str()
            .unwrap()
            .starts_with("sha-256=:"),
        "{headers:?}"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    // The download is audited as a read of the document, by its reader.
    let supervisor = user_id(&w, &w.supervisor).await;
    assert_eq!(
        audited(&w, id, &supervisor, "read"),
        2,
        "metadata and content"
    );

    // Not a form: 415; no kind nor file: 422 naming both.
    let r = w
        .app
        .post(
            &format!("/api/v1/cases/{case}/documents"),
            &w.manager,
            json!({"kind": "other"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", r.body);
    let r = upload_with(&w, &w.manager, &case, form(&[], None), &[]).await;
    assert_eq!(invalid_fields(&r), ["kind", "file"]);
}

async fn a_program_renamed_pdf_is_refused_by_its_content(backend: Backend, store: Store) {
    let w = world(backend, store, None).await;
    let case = w.open_case("Ерлан", true).await;
    let r = upload(
        &w,
        &w.manager,
        &case,
        "medical_certificate",
        ("справка.pdf", "application/pdf", EXE),
    )
    .await;
    assert_eq!(invalid_fields(&r), ["file"]);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("content"), "{message}");
    // Text is no document either, whatever its name.
    let r = upload(
        &w,
        &w.manager,
        &case,
        "other",
        ("notes.pdf", "application/pdf", b"<script>alert(1)</script>"),
    )
    .await;
    assert_eq!(invalid_fields(&r), ["file"]);
    // Nothing recorded, nothing stored.
    let list = w
        .app
        .get(&format!("/api/v1/cases/{case}/documents"), &w.manager)
        .await;
    assert!(items(&list).is_empty());
    assert!(stored_keys(&w).await.is_empty());
}

async fn a_file_over_the_limit_is_refused(backend: Backend, store: Store) {
    let w = world(backend, store, Some(1024)).await;
    let case = w.open_case("Данияр", true).await;
    let mut big = PDF.to_vec();
    big.resize(1025, b' ');
    let r = upload(
        &w,
        &w.manager,
        &case,
        "court_decision",
        ("big.pdf", "application/pdf", &big),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("documents.max_bytes"),
        "{:?}",
        r.body
    );
    // A body beyond the limit and the form's room is refused before it is read.
    big.resize(200 * 1024, b' ');
    let r = upload(
        &w,
        &w.manager,
        &case,
        "court_decision",
        ("big.pdf", "application/pdf", &big),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
    // At the limit: accepted.
    big.truncate(1024);
    let r = upload(
        &w,
        &w.manager,
        &case,
        "court_decision",
        ("ok.pdf", "application/pdf", &big),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(stored_keys(&w).await.len(), 1);
}

async fn a_photo_needs_consent_to_images(backend: Backend, store: Store) {
    let w = world(backend, store, None).await;
    let case = w.open_case("Аружан", true).await;
    let photo = ("photo.png", "image/png", PNG);
    let refused = upload(&w, &w.manager, &case, "photo", photo).await;
    assert_eq!(invalid_fields(&refused), ["kind"]);
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("consent to images"),
        "{:?}",
        refused.body
    );

    let consents = format!("/api/v1/cases/{case}/consents");
    let given_at = (w.app.now() - chrono::Duration::hours(1)).to_rfc3339();
    let services_only = json!({"given_by_name": "Мама", "relation": "mother", "services": true,
                               "share_with": [], "given_at": given_at});
    let r = w.app.post(&consents, &w.manager, services_only).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["images"], false);
    let refused = upload(&w, &w.manager, &case, "photo", photo).await;
    assert_eq!(
        invalid_fields(&refused),
        ["kind"],
        "consent to services is not consent to images"
    );

    let images = json!({"given_by_name": "Мама", "relation": "mother", "services": true,
                        "share_with": [], "given_at": given_at, "images": true});
    let consent = w.app.post(&consents, &w.manager, images).await;
    assert_eq!(consent.status, StatusCode::CREATED, "{:?}", consent.body);
    assert_eq!(consent.body["images"], true);
    let kept = upload(&w, &w.manager, &case, "photo", photo).await;
    assert_eq!(kept.status, StatusCode::CREATED, "{:?}", kept.body);
    assert_eq!(kept.body["kind"], "photo");
    assert_eq!(kept.body["consent_id"], consent.body["id"]);
    // A photo is an image: a PDF is not one, consent or not.
    let pdf = upload(
        &w,
        &w.manager,
        &case,
        "photo",
        ("photo.pdf", "application/pdf", PDF),
    )
    .await;
    assert_eq!(invalid_fields(&pdf), ["file"]);

    // Withdrawn, the consent keeps no further photo.
    let withdraw = format!(
        "/api/v1/consents/{}/withdraw",
        consent.body["id"].as_str().unwrap()
    );
    let r = w.app.post(&withdraw, &w.manager, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let refused = upload(&w, &w.manager, &case, "photo", photo).await;
    assert_eq!(invalid_fields(&refused), ["kind"]);
    assert_eq!(
        stored_keys(&w).await.len(),
        1,
        "only the kept photo is stored"
    );
}

async fn another_regions_document_is_not_found(backend: Backend, store: Store) {
    let w = world(backend, store, None).await;
    let case = w.open_case("Самат", true).await;
    let id = &uploaded_pdf(&w, &case, "court_decision", "d.pdf").await;
    let almaty = &w.almaty_supervisor;
    for path in [
        format!("/api/v1/documents/{id}"),
        format!("/api/v1/documents/{id}/content"),
        format!("/api/v1/cases/{case}/documents"),
    ] {
        let r = w.app.get(&path, almaty).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {:?}", r.body);
    }
    let r = upload(
        &w,
        almaty,
        &case,
        "other",
        ("x.pdf", "application/pdf", PDF),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = w
        .app
        .post(
            &format!("/api/v1/documents/{id}/delete"),
            almaty,
            json!({"reason": "mine"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    // An unknown id likewise; and the refused upload left no bytes behind.
    let r = w
        .app
        .get(
            &format!("/api/v1/documents/{}", uuid::Uuid::new_v4()),
            &w.supervisor,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(stored_keys(&w).await.len(), 1);
}

async fn a_deleted_document_leaves_the_list_with_its_reason_audited(
    backend: Backend,
    store: Store,
) {
    let w = world(backend, store, None).await;
    let case = w.open_case("Мирас", true).await;
    let id = &uploaded_pdf(&w, &case, "commission_decision", "c.pdf").await;
    let delete = format!("/api/v1/documents/{id}/delete");

    let r = w.app.post(&delete, &w.manager, json!({})).await;
    assert_eq!(invalid_fields(&r), ["reason"]);
    let r = w
        .app
        .post(
            &delete,
            &w.manager,
            json!({"reason": "Uploaded to the wrong case"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["delete_reason"], "Uploaded to the wrong case");
    assert_eq!(r.body["deleted_by"], w.manager_id.as_str());
    assert!(r.body["deleted_at"].is_string());
    assert!(r.body["content_url"].is_null());
    assert_eq!(audited(&w, id, &w.manager_id, "delete"), 1);

    // Gone from the list; its record says why; its content is not served.
    let list = w
        .app
        .get(&format!("/api/v1/cases/{case}/documents"), &w.supervisor)
        .await;
    assert!(items(&list).is_empty());
    let meta = w
        .app
        .get(&format!("/api/v1/documents/{id}"), &w.supervisor)
        .await;
    assert_eq!(meta.status, StatusCode::OK);
    assert_eq!(meta.body["delete_reason"], "Uploaded to the wrong case");
    let (status, headers, _) = download(&w, &w.supervisor, id).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(headers["content-type"], "application/problem+json");
    // Once only.
    let r = w
        .app
        .post(&delete, &w.manager, json!({"reason": "again"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
}

async fn a_retried_upload_is_stored_once(backend: Backend, store: Store) {
    let w = world(backend, store, None).await;
    let case = w.open_case("Томирис", true).await;
    let key = [("Idempotency-Key", "upload-7f3a")];
    let body = || {
        form(
            &[("kind", "signed_consent")],
            Some(("consent.pdf", "application/pdf", PDF)),
        )
    };
    let first = upload_with(&w, &w.manager, &case, body(), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let retry = upload_with(&w, &w.manager, &case, body(), &key).await;
    assert_eq!(retry.status, StatusCode::CREATED, "{:?}", retry.body);
    assert_eq!(retry.body["id"], first.body["id"]);
    let list = w
        .app
        .get(&format!("/api/v1/cases/{case}/documents"), &w.manager)
        .await;
    assert_eq!(items(&list).len(), 1);
    assert_eq!(
        stored_keys(&w).await.len(),
        1,
        "the retry's bytes are not kept"
    );

    // Bytes no row names (an upload that crashed before its commit) are orphans, once older
    // than an hour (a younger one may be committing now); `qorgau documents orphans` lists them.
    let stray = format!("documents/{}", uuid::Uuid::new_v4());
    let state = &w.app.state;
    state.documents.put(&stray, PDF.to_vec()).await.unwrap();
    assert!(state.document_orphans().await.unwrap().is_empty());
    w.app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        state.document_orphans().await.unwrap(),
        std::slice::from_ref(&stray)
    );
    state.documents.delete(&stray).await.unwrap();
    w.app.back_to_the_present();

    // The same key for another file: 409, nothing more stored.
    let other = form(
        &[("kind", "signed_consent")],
        Some(("other.png", "image/png", PNG)),
    );
    let r = upload_with(&w, &w.manager, &case, other, &key).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(stored_keys(&w).await.len(), 1);
}

async fn a_sensitive_cases_documents_are_withheld_from_who_may_not_read_it(
    backend: Backend,
    store: Store,
) {
    let w = world(backend, store, None).await;
    let mut report = signal(json!({"first_name": "Жансая", "last_name": "Test",
                                   "birth_date": "2012-03-03"}));
    report["concerns"] = json!(["violence_sexual"]);
    let filed = w.file(report).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    let opened = w.triage_open(filed.body["id"].as_str().unwrap()).await;
    let case = opened["case_id"].as_str().unwrap().to_string();
    let body = form(
        &[
            ("kind", "medical_certificate"),
            ("description", "Forensic examination"),
        ],
        Some(("examination.pdf", "application/pdf", PDF)),
    );
    let r = upload_with(&w, &w.manager, &case, body, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(
        r.body["file_name"], "examination.pdf",
        "the case team reads it"
    );
    let id = r.body["id"].as_str().unwrap();

    // A supervisor of another region under break-glass sees that there is a document, not
    // what it is called or says, and cannot download it.
    let glass = w
        .app
        .post(
            "/api/v1/break-glass",
            &w.almaty_supervisor,
            json!({"case_id": case, "reason": "Child ran away to Almaty tonight; police ask for the risk"}),
        )
        .await;
    assert_eq!(glass.status, StatusCode::CREATED, "{:?}", glass.body);
    let list = w
        .app
        .get(
            &format!("/api/v1/cases/{case}/documents"),
            &w.almaty_supervisor,
        )
        .await;
    let listed = items(&list);
    assert_eq!(listed[0]["file_name"], "");
    assert!(listed[0]["description"].is_null());
    assert_eq!(listed[0]["hidden"], json!(["file_name", "description"]));
    assert_eq!(listed[0]["sha256"], sha256(PDF));
    let (status, _, _) = download(&w, &w.almaty_supervisor, id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, bytes) = download(&w, &w.supervisor, id).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));
}
