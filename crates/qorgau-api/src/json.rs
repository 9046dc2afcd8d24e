//! The JSON body extractor. Unlike actix's, it sorts failures the way the contract does:
//! not JSON at all → 400; a required field missing → 422 naming the field; a value of the wrong
//! JSON type → 400 naming the field; not `application/json` → 415; too large → 413.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_media_type);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                _ => ApiError::BadRequest("could not read the request body".into()),
            })?;
            parse(&bytes).map(Json)
        })
    }
}

fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document into `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(classify)?;
    de.end()
        .map_err(|_| ApiError::BadRequest("trailing characters after the JSON document".into()))?;
    Ok(value)
}

fn classify(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.inner();
    if !inner.is_data() {
        // Syntax, premature end, or nesting past serde_json's recursion limit.
        return ApiError::BadRequest(format!("the body is not valid JSON: {inner}"));
    }
    let message = inner.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        let field = if path == "." {
            missing.to_string()
        } else {
            format!("{path}.{missing}")
        };
        return ApiError::invalid(&field, "is required");
    }
    ApiError::BadRequest(format!("{path}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        nested: Option<Nested>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        count: u32,
    }

    #[test]
    fn malformed_json_is_400() {
        assert!(matches!(
            parse::<Login>(b"{\"username\":"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Login>(b"\xff\xfe"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Login>(b"{\"username\":\"a\"} x"),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn missing_field_is_422_naming_it() {
        match parse::<Login>(b"{}") {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "username"),
            other => panic!("unexpected {other:?}"),
        }
        match parse::<Login>(b"{\"username\":\"a\",\"nested\":{}}") {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "nested.count"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_type_is_400_naming_the_field() {
        match parse::<Login>(b"{\"username\":\"a\",\"nested\":{\"count\":\"x\"}}") {
            Err(ApiError::BadRequest(detail)) => {
                assert!(detail.starts_with("nested.count"), "{detail}")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_400_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse::<serde_json::Value>(deep.as_bytes()),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
    }
}
