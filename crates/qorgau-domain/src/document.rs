//! Documents and photos on a case (issue 20, item 3): court and commission decisions, medical
//! certificates, signed consents, a child's photo.
//!
//! - **What a file is** is judged by its content (its magic numbers, [`detect`]), never by its
//!   name or the type the client declares: only the allow-listed [`MediaType`]s are kept, so a
//!   program renamed `decision.pdf` is refused.
//! - **A child's photo** is kept only with the legal representative's consent to images on
//!   record ([`photo_basis`]): the decree names the use of photos and videos of children
//!   without their parents' and their own consent as a harm (seed l. 651–654), while a photo in
//!   the state's systems helps identify a child who is taken or trafficked (seed l. 819–822).
//!   A photo is a JPEG or PNG image.
//! - Deleting a document is a soft delete with a reason ([`parse_delete`]): the row, its hash
//!   and its bytes stay for the record, hidden from the case's list and not served.

use serde::Deserialize;

use crate::validation::{FieldError, Validation, bounded_text};

/// Longest file name kept (characters).
pub const FILE_NAME_MAX: usize = 255;
/// Longest description.
pub const DESCRIPTION_MAX: usize = 2_000;
/// Longest reason for deleting a document.
pub const DELETE_REASON_MAX: usize = 2_000;

crate::code_enum! {
    /// What a document is.
    pub enum DocumentKind {
        /// A court's decision or order about the child.
        CourtDecision = "court_decision",
        /// A decision of the commission on minors' affairs.
        CommissionDecision = "commission_decision",
        /// A medical certificate or report.
        MedicalCertificate = "medical_certificate",
        /// A consent signed by the legal representative.
        SignedConsent = "signed_consent",
        /// A photo of the child: only with consent to images on record.
        Photo = "photo",
        /// Any other document of the case file.
        Other = "other",
    }
}

crate::code_enum! {
    /// The content types a document may have, as detected from its bytes.
    pub enum MediaType {
        Pdf = "application/pdf",
        Jpeg = "image/jpeg",
        Png = "image/png",
        /// A Word document (Office Open XML).
        Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        /// An OpenDocument text.
        Odt = "application/vnd.oasis.opendocument.text",
    }
}

impl MediaType {
    /// Whether a photo may be of this type.
    pub fn is_image(self) -> bool {
        matches!(self, MediaType::Jpeg | MediaType::Png)
    }

    /// The extension a download is named with.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Docx => "docx",
            MediaType::Odt => "odt",
        }
    }
}

/// The allow-listed type of `bytes`, judged by their content alone; `None` for anything else
/// (a program, an archive, a script, an empty file), whatever its name says.
pub fn detect(bytes: &[u8]) -> Option<MediaType> {
    if infer::doc::is_docx(bytes) {
        return Some(MediaType::Docx);
    }
    if infer::odf::is_odt(bytes) {
        return Some(MediaType::Odt);
    }
    match infer::get(bytes)?.mime_type() {
        "application/pdf" => Some(MediaType::Pdf),
        "image/jpeg" => Some(MediaType::Jpeg),
        "image/png" => Some(MediaType::Png),
        _ => None,
    }
}

/// What the client sent with a file, as received from the multipart form.
#[derive(Clone, Debug, Default)]
pub struct DocumentForm {
    pub kind: Option<String>,
    pub description: Option<String>,
    /// The file's name as the client gave it (`filename` of its part), if any.
    pub file_name: Option<String>,
    /// The file's bytes; `None` when the form had no `file` part.
    pub file: Option<Vec<u8>>,
}

/// A well-formed upload: what it is, and its bytes' type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub description: Option<String>,
    pub file_name: String,
    pub media_type: MediaType,
}

/// Checks a form: a known `kind`, a `file` of an allow-listed type (by content), a photo an
/// image. The file's name is kept without any directory part and without control characters;
/// a file sent without one is named after its kind.
pub fn parse_document(form: &DocumentForm) -> Result<NewDocument, Vec<FieldError>> {
    let mut v = Validation::new();
    let kind = match form.kind.as_deref().map(str::trim) {
        None | Some("") => {
            v.add("kind", "is required");
            None
        }
        Some(code) => v.check(
            "kind",
            DocumentKind::from_code(code).ok_or_else(|| {
                format!(
                    "must be one of {}",
                    DocumentKind::ALL.map(DocumentKind::as_str).join(", ")
                )
            }),
        ),
    };
    let description = match form.description.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(text) => v
            .check("description", bounded_text(text, DESCRIPTION_MAX))
            .map(Some),
    };
    let media_type = match form.file.as_deref() {
        None => {
            v.add(
                "file",
                "is required: the document as a file part named `file`",
            );
            None
        }
        Some([]) => {
            v.add("file", "is empty");
            None
        }
        Some(bytes) => v.check(
            "file",
            detect(bytes).ok_or(
                "is not a PDF, JPEG, PNG, DOCX or ODT document (judged by its content, \
                 whatever its name says)",
            ),
        ),
    };
    if let (Some(DocumentKind::Photo), Some(media)) = (kind, media_type)
        && !media.is_image()
    {
        v.add("file", "a photo must be a JPEG or PNG image");
    }
    let file_name = clean_file_name(form.file_name.as_deref());
    match (kind, description, media_type) {
        (Some(kind), Some(description), Some(media_type)) if v.is_empty() => Ok(NewDocument {
            file_name: file_name
                .unwrap_or_else(|| format!("{}.{}", kind.as_str(), media_type.extension())),
            kind,
            description,
            media_type,
        }),
        _ => Err(v.into_errors()),
    }
}

/// The last component of a client's file name (either slash), without control characters,
/// trimmed and cut to [`FILE_NAME_MAX`] characters; `None` if nothing is left.
pub fn clean_file_name(name: Option<&str>) -> Option<String> {
    let name = name?;
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(FILE_NAME_MAX)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty() && clean != "." && clean != "..").then(|| clean.to_string())
}

/// Why a photo may not be kept: no active consent to images on the case.
pub fn photo_basis(active_image_consent: bool) -> Result<(), Vec<FieldError>> {
    if active_image_consent {
        return Ok(());
    }
    let mut v = Validation::new();
    v.add(
        "kind",
        "a child's photo is kept only with the legal representative's consent to images on \
         record: record it first (POST /api/v1/cases/{id}/consents with \"images\": true)",
    );
    Err(v.into_errors())
}

/// The body of `POST /documents/{id}/delete`, as received.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DocumentDeleteInput {
    /// Why the document is deleted (required, at most 2 000 characters): e.g. uploaded to the
    /// wrong case, superseded by a corrected decision.
    pub reason: String,
}

pub fn parse_delete(input: DocumentDeleteInput) -> Result<String, Vec<FieldError>> {
    let mut v = Validation::new();
    let reason = v.text("reason", &input.reason, DELETE_REASON_MAX);
    match reason {
        Some(reason) if v.is_empty() => Ok(reason),
        _ => Err(v.into_errors()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";

    fn form(kind: &str, name: &str, bytes: &[u8]) -> DocumentForm {
        DocumentForm {
            kind: Some(kind.into()),
            description: None,
            file_name: Some(name.into()),
            file: Some(bytes.to_vec()),
        }
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(detect(PDF), Some(MediaType::Pdf));
        assert_eq!(detect(PNG), Some(MediaType::Png));
        assert_eq!(detect(EXE), None);
        assert_eq!(detect(b"just text"), None);
        let renamed = parse_document(&form("court_decision", "decision.pdf", EXE));
        assert_eq!(fields(renamed.unwrap_err()), ["file"]);
        let pdf = parse_document(&form("court_decision", "scan.exe", PDF)).unwrap();
        assert_eq!(pdf.media_type, MediaType::Pdf);
    }

    #[test]
    fn a_photo_is_an_image() {
        assert_eq!(
            fields(parse_document(&form("photo", "p.png", PDF)).unwrap_err()),
            ["file"]
        );
        assert!(parse_document(&form("photo", "p.png", PNG)).is_ok());
    }

    #[test]
    fn kind_and_file_are_required() {
        let e = parse_document(&DocumentForm::default()).unwrap_err();
        assert_eq!(fields(e), ["kind", "file"]);
        let e = parse_document(&form("selfie", "a.pdf", PDF)).unwrap_err();
        assert_eq!(fields(e), ["kind"]);
        let e = parse_document(&form("other", "a.pdf", b"")).unwrap_err();
        assert_eq!(fields(e), ["file"]);
    }

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(
            clean_file_name(Some("C:\\Users\\a\\решение.pdf")).as_deref(),
            Some("решение.pdf")
        );
        assert_eq!(
            clean_file_name(Some("../../etc/passwd")).as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_file_name(Some("a\u{0}b\n.pdf")).as_deref(),
            Some("ab.pdf")
        );
        assert_eq!(clean_file_name(Some("..")), None);
        assert_eq!(clean_file_name(Some("  ")), None);
        let unnamed = DocumentForm {
            file_name: None,
            ..form("photo", "", PNG)
        };
        assert_eq!(parse_document(&unnamed).unwrap().file_name, "photo.png");
    }
}
