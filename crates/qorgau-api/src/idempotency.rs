//! `Idempotency-Key` at the HTTP edge (api.md § Safe retries): the [`Retryable`] body extractor
//! of every creating `POST`, and [`AppState::once`], which runs its use case through
//! `qorgau_app::idempotency::once` and answers the stored response to a retry.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};
use qorgau_app::idempotency::{self, Idempotency, Response};
use qorgau_app::{App, AppError};
use qorgau_persistence::DbConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::{json_body, parse};
use crate::state::AppState;

/// The header of a creating `POST`, for the OpenAPI document (`params(RetryKey, …)`).
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct RetryKey {
    /// Makes retries safe: up to 200 visible ASCII characters, chosen by the client for this
    /// request. A retry with the same key and body answers the original response and changes
    /// nothing; the same key with another body or endpoint is 409.
    #[serde(rename = "Idempotency-Key")]
    #[param(rename = "Idempotency-Key", pattern = "^[!-~]{1,200}$")]
    pub key: Option<String>,
}

/// A creating request's JSON body (as [`crate::json::Json`] reads it) and, when the client sent
/// `Idempotency-Key`, the key with a digest of the request: its method, its path and its body as
/// a canonical JSON document — "the same request" whatever the whitespace or key order.
pub struct Retryable<T> {
    pub body: T,
    pub key: Option<Idempotency>,
}

impl<T: DeserializeOwned + 'static> FromRequest for Retryable<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let key = idempotency_key(req);
        let request = format!("{} {}\n", req.method(), req.path());
        let body = json_body(req, payload);
        Box::pin(async move {
            let key = key?;
            let bytes = body.await?;
            let parsed = parse::<T>(&bytes)?;
            let key = match key {
                Some(key) => {
                    // It parsed as `T`, so it is JSON.
                    let document = canonical(parse::<Value>(&bytes)?);
                    let digest = Sha256::new()
                        .chain_update(request.as_bytes())
                        .chain_update(document.to_string().as_bytes())
                        .finalize();
                    let request_hash = digest.iter().map(|b| format!("{b:02x}")).collect();
                    Some(Idempotency { key, request_hash })
                }
                None => None,
            };
            Ok(Retryable { body: parsed, key })
        })
    }
}

/// The client's key: 1–200 visible ASCII characters, else 422 naming the header.
pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_string()))
        }
        _ => Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1-200 visible ASCII characters",
        )),
    }
}

/// The document with every object's keys in order, at every depth.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(String, Value)> = map.into_iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(fields.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Renders a use case's result as the JSON view `V` with `status`: the response stored with
/// the key.
pub fn respond<V, T>(status: StatusCode) -> impl FnOnce(T) -> Result<Response, AppError>
where
    V: TryFrom<T> + Serialize,
    AppError: From<V::Error>,
{
    move |result| {
        let view = V::try_from(result)?;
        let body = serde_json::to_string(&view).map_err(|_| AppError::Internal)?;
        Ok((status.as_u16(), body))
    }
}

/// [`respond`] with 201 Created: what most creating `POST`s answer.
pub fn created<V, T>(result: T) -> Result<Response, AppError>
where
    V: TryFrom<T> + Serialize,
    AppError: From<V::Error>,
{
    respond::<V, T>(StatusCode::CREATED)(result)
}

/// A creating use case as [`AppState::run_once`] runs it: on a connection in a transaction, with
/// the application and the caller.
pub trait Work<T>:
    FnOnce(&mut DbConnection, &App, &qorgau_app::Caller) -> Result<T, AppError> + Send + 'static
{
}

impl<T, F> Work<T> for F where
    F: FnOnce(&mut DbConnection, &App, &qorgau_app::Caller) -> Result<T, AppError> + Send + 'static
{
}

/// How a use case's result becomes the response stored with the key ([`respond`], [`created`]).
pub trait Render<T>: FnOnce(T) -> Result<Response, AppError> + Send + 'static {}

impl<T, F> Render<T> for F where F: FnOnce(T) -> Result<Response, AppError> + Send + 'static {}

impl AppState {
    /// Runs a creating use case on the blocking pool, once per `Idempotency-Key`
    /// (`qorgau_app::idempotency::once`): its rendered response — or, to a retry, the one
    /// stored. The console's forms call it with their own retry keys.
    pub async fn run_once<T>(
        &self,
        caller: Caller,
        key: Option<Idempotency>,
        work: impl Work<T>,
        render: impl Render<T>,
    ) -> Result<Response, ApiError> {
        let app = self.app.clone();
        self.run(move |conn| {
            let work = |c: &mut DbConnection| work(c, &app, &caller);
            Ok(idempotency::once(
                conn,
                &caller,
                key.as_ref(),
                work,
                render,
            )?)
        })
        .await
    }

    /// [`AppState::run_once`] answered as the JSON response it rendered or stored.
    pub async fn once<T>(
        &self,
        caller: Caller,
        key: Option<Idempotency>,
        work: impl Work<T>,
        render: impl Render<T>,
    ) -> Result<HttpResponse, ApiError> {
        let (status, body) = self.run_once(caller, key, work, render).await?;
        let status = StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?;
        Ok(HttpResponse::build(status)
            .content_type("application/json")
            .body(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_whitespace_do_not_make_another_document() {
        let a = canonical(json!({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": null}}));
        let b: Value =
            serde_json::from_str(r#"{ "a": {"x": null, "y": [1, {"c": 3, "d": 2}]}, "b": 1 }"#)
                .expect("JSON");
        assert_eq!(a.to_string(), canonical(b).to_string());
        assert_eq!(
            a.to_string(),
            r#"{"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1}"#
        );
    }
}
