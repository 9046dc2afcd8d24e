//! The error policy, in one place. Client errors (4xx) carry a message safe to show; our own
//! errors (5xx) are logged with the request id and answered with generic text. Every error is
//! an `application/problem+json` document (RFC 9457) with a stable `type`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use qorgau_app::AppError;
use qorgau_domain::access::Denied;
use qorgau_domain::validation::FieldError;
use qorgau_persistence::DbError;
use serde::Serialize;

/// Seconds a client should wait before retrying when the database is unavailable.
pub const RETRY_AFTER_UNAVAILABLE: u64 = 2;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("your role may not do this")]
    Forbidden,
    /// 403 for a login whose password an administrator reset: it may only change it.
    #[error(
        "your password was reset: choose a new one with POST /api/v1/me/password, then use the tokens it answers"
    )]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not; `Allow` lists the methods it answers.
    #[error("this path answers {allow} only")]
    MethodNotAllowed { allow: String },
    #[error("{detail}")]
    Conflict {
        detail: String,
        allowed: Option<Vec<String>>,
    },
    #[error(
        "the record changed since the version in If-Match; reload it and apply the change again"
    )]
    PreconditionFailed,
    #[error("If-Match is required: send the ETag of the version you are changing")]
    PreconditionRequired,
    #[error("request body too large")]
    PayloadTooLarge,
    /// 413 for an uploaded file over `documents.max_bytes`.
    #[error("the file is larger than the limit of {0} bytes (documents.max_bytes)")]
    FileTooLarge(u64),
    /// 410: the record existed but is no longer served.
    #[error("{0}")]
    Gone(String),
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    /// 415 for an upload that is not a form.
    #[error("content type must be multipart/form-data")]
    NotMultipart,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 422 on a merge whose confirmation does not list exactly how the two records differ:
    /// `field` is the confirmation's, `differences` the fields that differ.
    #[error("validation failed")]
    Unconfirmed {
        field: &'static str,
        message: String,
        differences: Vec<String>,
    },
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("database unavailable")]
    Unavailable,
    /// 503: a write refused because the database's storage is full; retried, it succeeds once
    /// space returns.
    #[error("the database's storage is full: nothing was saved; send the same request again later")]
    StorageFull,
    /// 503 from `/health/ready`, saying why.
    #[error("{0}")]
    NotReady(&'static str),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            allowed: None,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// `(type slug, title)`: the slug is the stable code clients switch on.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Malformed request"),
            ApiError::Unauthorized => ("unauthorized", "Authentication required"),
            ApiError::Forbidden => ("forbidden", "Forbidden"),
            ApiError::PasswordChangeRequired => {
                ("password-change-required", "Password change required")
            }
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict { .. } => ("conflict", "Conflict"),
            ApiError::PreconditionFailed => ("precondition-failed", "Version mismatch"),
            ApiError::PreconditionRequired => ("precondition-required", "If-Match required"),
            ApiError::PayloadTooLarge | ApiError::FileTooLarge(_) => {
                ("payload-too-large", "Request body too large")
            }
            ApiError::Gone(_) => ("gone", "Gone"),
            ApiError::UnsupportedMediaType | ApiError::NotMultipart => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Validation(_) | ApiError::Unconfirmed { .. } => {
                ("validation", "Validation failed")
            }
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable | ApiError::NotReady(_) => {
                ("unavailable", "Service temporarily unavailable")
            }
            ApiError::StorageFull => ("storage-full", "Storage full"),
            ApiError::Internal => ("internal", "Internal error"),
        }
    }
}

/// A problem document (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For 422: every invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For 409 on a transition: the moves that are allowed from the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// For 422 on `confirm_differences` of a merge: the fields in which the two records differ
    /// (`last_name`, `first_name`, `birth_date`, `sex`), to be confirmed exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differences: Option<Vec<String>>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge | ApiError::FileTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::UnsupportedMediaType | ApiError::NotMultipart => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::Validation(_) | ApiError::Unconfirmed { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::StorageFull | ApiError::NotReady(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (slug, title) = self.kind();
        let status = self.status_code();
        let problem = Problem {
            type_: format!("/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                ApiError::Unconfirmed { field, message, .. } => Some(vec![FieldError {
                    field: (*field).into(),
                    message: message.clone(),
                }]),
                _ => None,
            },
            allowed: match self {
                ApiError::Conflict { allowed, .. } => allowed.clone(),
                _ => None,
            },
            differences: match self {
                ApiError::Unconfirmed { differences, .. } => Some(differences.clone()),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            ApiError::Unauthorized => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ApiError::Unavailable | ApiError::StorageFull | ApiError::NotReady(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_UNAVAILABLE));
            }
            ApiError::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, *retry_after));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        response.json(problem)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        AppError::from(e).into()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Denied => ApiError::Forbidden,
            AppError::NotFound => ApiError::NotFound,
            AppError::Invalid(errors) => ApiError::Validation(errors),
            AppError::Unconfirmed {
                field,
                message,
                differences,
            } => ApiError::Unconfirmed {
                field,
                message,
                differences,
            },
            AppError::Conflict { detail, allowed } => ApiError::Conflict { detail, allowed },
            AppError::Stale => ApiError::PreconditionFailed,
            AppError::Gone { detail } => ApiError::Gone(detail),
            AppError::Throttled { retry_after } => ApiError::TooManyRequests { retry_after },
            AppError::Unavailable => ApiError::Unavailable,
            AppError::StorageFull => ApiError::StorageFull,
            AppError::Internal => ApiError::Internal,
        }
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        AppError::from(d).into()
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors)
    }
}
