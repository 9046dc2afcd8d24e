//! Documents and photos on a case (api.md § Documents): HTTP only. The rows are
//! `qorgau_app::documents`', the bytes the store's (`crate::documents`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_multipart::Multipart;
use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use futures_util::StreamExt;
use qorgau_app::documents::{self, Stored};
use qorgau_app::idempotency::Idempotency;
use qorgau_domain::document::{
    DocumentDeleteInput, DocumentForm, NewDocument, parse_delete, parse_document,
};
use qorgau_domain::ids::{CaseId, DocumentId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dto::documents::{DocumentUpload, DocumentView};
use crate::error::{ApiError, Problem};
use crate::idempotency::{RetryKey, created, idempotency_key};
use crate::json::Json;
use crate::list::{List, ListParams, paginate};
use crate::state::AppState;

/// Longest text field of the form (`kind`, `description`), in bytes.
const TEXT_FIELD_MAX: usize = 16 * 1024;
/// Room for the form's boundaries, headers and text fields beyond the file itself.
pub const FORM_OVERHEAD: u64 = 64 * 1024;

/// Whether a request is an upload, whose body may be as large as `documents.max_bytes` (plus
/// the form's overhead) rather than `max_body_bytes` (`crate::body_limit`).
pub fn is_upload(method: &actix_web::http::Method, path: &str) -> bool {
    method == actix_web::http::Method::POST
        && path
            .strip_prefix("/api/v1/cases/")
            .is_some_and(|rest| rest.ends_with("/documents") && rest.matches('/').count() == 1)
}

/// Uploads a document onto the case (`multipart/form-data`: `kind`, optional `description`,
/// and the `file`): the case's manager or the region's supervisor. The type is judged by the
/// content (PDF, JPEG, PNG, DOCX, ODT), never by the name; a `photo` needs the legal
/// representative's consent to images on the case. The SHA-256 of the content is stored and
/// answered. The file is written to the store before the record commits.
#[utoipa::path(operation_id = "uploadDocument", tag = "cases", security(("bearer" = [])),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    params(("id" = Uuid, Path), RetryKey), responses(
    (status = 201, body = DocumentView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The Idempotency-Key was used for another request, or the child's record was anonymised"),
    (status = 413, body = Problem, description = "The file is larger than documents.max_bytes"),
    (status = 415, body = Problem, description = "The body is not multipart/form-data"),
    (status = 422, body = Problem, description = "A missing or unknown kind, a file of a type not allowed (by content), a photo without consent to images"),
))]
#[post("/cases/{id}/documents")]
pub async fn upload_document(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let form = read_form(&req, payload, state.config.documents.max_bytes).await?;
    let document = parse_document(&form)?;
    let bytes = form.file.unwrap_or_default();
    let sha256 = hex(&Sha256::digest(&bytes));
    let key = key.map(|key| retry_key(&req, key, &document, &sha256));
    let doc_id = DocumentId::new();
    let storage_key = state.documents.key_of(doc_id);
    let stored = Stored {
        id: doc_id,
        document,
        size_bytes: i64::try_from(bytes.len()).map_err(|_| ApiError::Internal)?,
        sha256,
        storage_key: storage_key.clone(),
    };
    // The bytes first: a committed row always has them.
    state.documents.put(&storage_key, bytes).await?;
    let recorded = Arc::new(AtomicBool::new(false));
    let flag = recorded.clone();
    let case = CaseId(*id);
    let work = move |conn: &mut _, _: &_, caller: &_| {
        let done = documents::upload(conn, caller, case, stored)?;
        flag.store(true, Ordering::SeqCst);
        Ok(done)
    };
    let answer = state
        .once(caller, key, work, created::<DocumentView, _>)
        .await;
    // Refused, failed, or a retry answered from the first upload: these bytes have no row.
    if answer.is_err() || !recorded.load(Ordering::SeqCst) {
        state.documents.discard(&storage_key).await;
    }
    answer
}

/// The `Idempotency-Key` of an upload with a digest of what makes it "the same request": the
/// method and path, the kind, description and file name, and the file's SHA-256 (a multipart
/// body has no canonical JSON form to hash, as `Retryable` does).
fn retry_key(req: &HttpRequest, key: String, document: &NewDocument, sha256: &str) -> Idempotency {
    let request = Sha256::new()
        .chain_update(format!("{} {}\n", req.method(), req.path()))
        .chain_update(format!(
            "{}\n{}\n{}\n{sha256}",
            document.kind.as_str(),
            document.description.as_deref().unwrap_or_default(),
            document.file_name
        ))
        .finalize();
    Idempotency {
        key,
        request_hash: hex(&request),
    }
}

/// Reads the upload form: its `kind` and `description` fields and one `file` part, the file
/// at most `max_bytes` (else 413). Other fields are ignored.
async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
    max_bytes: u64,
) -> Result<DocumentForm, ApiError> {
    let multipart_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !multipart_type {
        return Err(ApiError::NotMultipart);
    }
    let malformed = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("malformed multipart/form-data body: {e}"))
    };
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut form = DocumentForm::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                if form.file.is_some() {
                    return Err(ApiError::invalid("file", "send one file per request"));
                }
                form.file_name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .map(str::to_string);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(malformed)?;
                    if (bytes.len() + chunk.len()) as u64 > max_bytes {
                        return Err(ApiError::FileTooLarge(max_bytes));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                form.file = Some(bytes);
            }
            "kind" | "description" => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(malformed)?;
                    if bytes.len() + chunk.len() > TEXT_FIELD_MAX {
                        return Err(ApiError::invalid(&name, "is too long"));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(bytes)
                    .map_err(|_| ApiError::invalid(&name, "must be UTF-8 text"))?;
                if name == "kind" {
                    form.kind = Some(text);
                } else {
                    form.description = Some(text);
                }
            }
            _ => {
                // Read and dropped, within the same bound as the file.
                let mut read = 0u64;
                while let Some(chunk) = field.next().await {
                    read += chunk.map_err(malformed)?.len() as u64;
                    if read > max_bytes {
                        return Err(ApiError::FileTooLarge(max_bytes));
                    }
                }
            }
        }
    }
    Ok(form)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The case's documents, deleted ones left out, in the order they were uploaded.
#[utoipa::path(operation_id = "listDocuments", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path), ListParams), responses(
    (status = 200, body = List<DocumentView>),
    (status = 404, body = Problem),
    (status = 422, body = Problem),
))]
#[get("/cases/{id}/documents")]
pub async fn list_documents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ListParams>,
) -> Result<web::Json<List<DocumentView>>, ApiError> {
    let page = params.page()?;
    let id = CaseId(id.into_inner());
    let query_page = page.clone();
    let rows = state
        .run(move |conn| Ok(documents::list(conn, &caller, id, &query_page)?))
        .await?;
    Ok(web::Json(paginate(
        rows,
        &page,
        |d| &d.row.id,
        DocumentView::from,
    )))
}

/// A document's record: what it is, its size and SHA-256, who uploaded it; a deleted one too,
/// with who deleted it and why. Audited as a read.
#[utoipa::path(operation_id = "getDocument", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, body = DocumentView),
    (status = 404, body = Problem),
))]
#[get("/documents/{id}")]
pub async fn get_document(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<DocumentView>, ApiError> {
    let id = DocumentId(id.into_inner());
    let document = state
        .run(move |conn| Ok(documents::metadata(conn, &caller, id)?))
        .await?;
    Ok(web::Json(DocumentView::from(document)))
}

/// The document's content, as uploaded, with its type, its name and its SHA-256
/// (`Repr-Digest`), checked against the stored hash before it is sent. Audited as a read.
#[utoipa::path(operation_id = "getDocumentContent", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)), responses(
    (status = 200, description = "The content, in the type detected from its bytes on upload (`MediaType`)", content(
        (String = "application/pdf"),
        (String = "image/jpeg"),
        (String = "image/png"),
        (String = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (String = "application/vnd.oasis.opendocument.text"),
    )),
    (status = 403, body = Problem, description = "The case's sensitive concerns withhold its documents from this reader"),
    (status = 404, body = Problem),
    (status = 410, body = Problem, description = "The document was deleted, or its content erased by retention"),
))]
#[get("/documents/{id}/content")]
pub async fn document_content(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = DocumentId(id.into_inner());
    let row = state
        .run(move |conn| Ok(documents::for_download(conn, &caller, id)?))
        .await?;
    let bytes = state.documents.get(&row.storage_key).await?;
    let digest = Sha256::digest(&bytes);
    if hex(&digest) != row.sha256 {
        tracing::error!(document = %row.id, "a document's content does not match its SHA-256");
        return Err(ApiError::Internal);
    }
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name(&row.file_name)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: row.file_name.clone().into_bytes(),
            }),
        ],
    };
    let repr = base64::engine::general_purpose::STANDARD.encode(digest);
    Ok(HttpResponse::Ok()
        .content_type(row.media_type.as_str())
        .insert_header(disposition)
        .insert_header(("Repr-Digest", format!("sha-256=:{repr}:")))
        .body(bytes))
}

/// The name as ASCII for `filename=` (clients that do not read `filename*`).
fn ascii_name(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii.trim().is_empty() {
        "document".into()
    } else {
        ascii
    }
}

/// Deletes the document (soft delete) with a reason: the case's manager or the region's
/// supervisor. It leaves the case's list and its content is no longer served (410); the record,
/// its hash and its content stay for the record. Audited (`delete`).
#[utoipa::path(operation_id = "deleteDocument", tag = "cases", security(("bearer" = [])), request_body = DocumentDeleteInput, params(("id" = Uuid, Path)), responses(
    (status = 200, body = DocumentView),
    (status = 403, body = Problem),
    (status = 404, body = Problem),
    (status = 409, body = Problem, description = "Already deleted"),
    (status = 422, body = Problem),
))]
#[post("/documents/{id}/delete")]
pub async fn delete_document(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<DocumentDeleteInput>,
) -> Result<web::Json<DocumentView>, ApiError> {
    let reason = parse_delete(body.0)?;
    let id = DocumentId(id.into_inner());
    let document = state
        .run(move |conn| Ok(documents::delete(conn, &caller, id, reason)?))
        .await?;
    Ok(web::Json(DocumentView::from(document)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_told_apart_by_path() {
        let post = actix_web::http::Method::POST;
        let id = "0190c3a4-6b2e-7a1c-9d3e-2f4a5b6c7d8e";
        assert!(is_upload(&post, &format!("/api/v1/cases/{id}/documents")));
        assert!(!is_upload(
            &actix_web::http::Method::GET,
            &format!("/api/v1/cases/{id}/documents")
        ));
        assert!(!is_upload(&post, &format!("/api/v1/cases/{id}/notes")));
        assert!(!is_upload(
            &post,
            &format!("/api/v1/cases/{id}/x/documents")
        ));
        assert_eq!(ascii_name("решение 1.pdf"), "_______ 1.pdf");
    }
}
