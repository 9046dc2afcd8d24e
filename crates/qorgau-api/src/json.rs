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
        let body = json_body(req, payload);
        Box::pin(async move { parse(&body.await?).map(Json) })
    }
}

/// The bytes of a JSON request body: 415 unless it is JSON, 413 when too large.
pub fn json_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + use<> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json_media_type);
    let body = web::Bytes::from_request(req, payload);
    async move {
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        body.await.map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => ApiError::PayloadTooLarge,
            _ => ApiError::BadRequest("could not read the request body".into()),
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

/// Deepest nesting of arrays and objects accepted anywhere in a body. The deepest document the
/// API takes (a plan: goals, measures) is four levels; serde_json limits the fields it reads to
/// 128, but skips unknown fields without any limit.
const MAX_DEPTH: usize = 64;

/// Parses a JSON document into `T`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // The whole body, unknown fields included: serde_json does not check the UTF-8 of the
    // strings it skips.
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    check_depth(text.as_bytes())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(classify)?;
    de.end()
        .map_err(|_| ApiError::BadRequest("trailing characters after the JSON document".into()))?;
    Ok(value)
}

/// Refuses a body nested deeper than `MAX_DEPTH`, counting the brackets outside strings.
fn check_depth(bytes: &[u8]) -> Result<(), ApiError> {
    let (mut depth, mut in_string, mut escaped) = (0_usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(ApiError::BadRequest(format!(
                        "the body is nested deeper than {MAX_DEPTH} levels"
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
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
    fn deep_nesting_in_an_unknown_field_is_400() {
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        let body = format!("{{\"username\":\"a\",\"extra\":{deep}}}");
        assert!(matches!(
            parse::<Login>(body.as_bytes()),
            Err(ApiError::BadRequest(_))
        ));
        // Brackets inside strings, escaped quotes included, are text.
        let text = format!("{{\"username\":\"\\\"{}\"}}", "[".repeat(1000));
        assert!(parse::<Login>(text.as_bytes()).is_ok());
        let shallow = format!(
            "{{\"username\":\"a\",\"x\":{}{}}}",
            "[".repeat(60),
            "]".repeat(60)
        );
        assert!(parse::<Login>(shallow.as_bytes()).is_ok());
    }

    #[test]
    fn invalid_utf8_in_an_unknown_field_is_400() {
        assert!(matches!(
            parse::<Login>(b"{\"username\":\"a\",\"extra\":\"caf\xe9\"}"),
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
