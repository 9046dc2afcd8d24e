//! Bodies of the document routes (api.md § Documents). The upload is a multipart form
//! ([`DocumentUpload`], for the OpenAPI document); the delete body is the domain's
//! `DocumentDeleteInput`.

use chrono::{DateTime, Utc};
use qorgau_app::documents::Document;
use qorgau_domain::document::{DocumentKind, MediaType};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The form of `POST /cases/{id}/documents` (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// `court_decision`, `commission_decision`, `medical_certificate`, `signed_consent`,
    /// `photo` (only with the legal representative's consent to images on the case) or `other`.
    pub kind: DocumentKind,
    /// At most 2 000 characters.
    pub description: Option<String>,
    /// The file: a PDF, JPEG, PNG, DOCX or ODT document (judged by its content), at most
    /// `documents.max_bytes`; a photo is a JPEG or PNG. Its `filename` is kept as `file_name`.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: DocumentKind,
    /// The uploaded file's name without its directories; empty when withheld (`hidden`) or
    /// `"—"` by retention.
    pub file_name: String,
    pub description: Option<String>,
    /// Detected from the content.
    pub media_type: MediaType,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the content; a download is checked against it.
    pub sha256: String,
    /// Where the content is downloaded from (while neither deleted nor erased).
    pub content_url: Option<String>,
    /// A photo's basis: the consent to images it was uploaded under.
    pub consent_id: Option<Uuid>,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
    /// Set once deleted (soft delete): the document leaves the case's list and its content is
    /// no longer served (410).
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by: Option<Uuid>,
    pub delete_reason: Option<String>,
    /// Set when retention erased the document's name, description and content.
    pub erased_at: Option<DateTime<Utc>>,
    /// Fields withheld from this reader (brief § 5): `file_name`, `description` and
    /// `delete_reason` on a case whose sensitive concerns this reader may not read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
}

impl From<Document> for DocumentView {
    fn from(d: Document) -> Self {
        let row = d.row;
        let served = row.deleted_at.is_none() && row.erased_at.is_none();
        DocumentView {
            content_url: served.then(|| format!("/api/v1/documents/{}/content", row.id)),
            id: row.id.0,
            case_id: row.case_id.0,
            kind: row.kind,
            file_name: row.file_name,
            description: row.description,
            media_type: row.media_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            consent_id: row.consent_id.map(|c| c.0),
            uploaded_by: row.uploaded_by.0,
            uploaded_at: row.uploaded_at.and_utc(),
            deleted_at: row.deleted_at.map(|t| t.and_utc()),
            deleted_by: row.deleted_by.map(|u| u.0),
            delete_reason: row.delete_reason,
            erased_at: row.erased_at.map(|t| t.and_utc()),
            hidden: d.hidden,
        }
    }
}
