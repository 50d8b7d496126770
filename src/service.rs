//! The hyper glue: routing, HEAD, preflights, CORS headers, the schema gate, and the request log.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::config::Cors;
use crate::endpoint;
use crate::outcome::{Headers, Reply};
use crate::request::RequestParts;
use crate::state::AppState;

/// The headers the real server allows on cross-origin requests.
pub const ALLOW_HEADERS: &str = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization";
/// The methods a successful preflight allows.
pub const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, HEAD, PATCH";
/// The body of the real server's preflight answer when CORS is disabled.
pub const CORS_DISABLED: &str =
    "CORS not enabled. Go to \"Admin > General > REST Api\" to enable it.";

const JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=UTF-8");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
const ALLOW_HEADERS_VALUE: HeaderValue = HeaderValue::from_static(ALLOW_HEADERS);
const ALLOW_METHODS_VALUE: HeaderValue = HeaderValue::from_static(ALLOW_METHODS);

/// The response type of every route.
pub type HttpResponse = Response<Full<Bytes>>;

/// Answers one request; never fails (every failure is a response).
pub async fn handle<B>(
    state: Arc<AppState>,
    request: Request<B>,
) -> Result<HttpResponse, Infallible> {
    let started = Instant::now();
    let parts = RequestParts::from_request(&request);
    drop(request);
    let (response, outcome) = respond(&state, &parts);
    tracing::info!(
        target: "livechat_mock::request",
        method = %parts.method,
        path = %parts.path,
        status = response.status().as_u16(),
        outcome,
        micros = started.elapsed().as_micros() as u64,
    );
    Ok(response)
}

/// Routes a request and returns the response with the outcome id it came from.
pub fn respond(state: &AppState, parts: &RequestParts) -> (HttpResponse, &'static str) {
    if parts.method == Method::OPTIONS {
        return (preflight(&state.cors, parts), "preflight");
    }
    if parts.path == endpoint::PATH && (parts.method == Method::GET || parts.method == Method::HEAD)
    {
        let outcome = endpoint::visitors_info(parts, &state.store);
        let reply = gate(state.replies.reply(&outcome), outcome.id());
        return (json_response(reply), outcome.id());
    }
    (not_found(), "not-found")
}

/// The schema gate: a body that breaks its status's schema is never sent.
fn gate(reply: Reply, outcome: &str) -> Reply {
    match &reply.verdict {
        Ok(()) => reply,
        Err(violation) => {
            tracing::error!(
                schema = %violation.schema_file,
                pointer = %violation.pointer,
                rule = %violation.rule,
                outcome,
                status = reply.status.as_u16(),
                "response blocked by the schema gate, sent 500 instead: {}",
                violation.message
            );
            Reply::internal_error()
        }
    }
}

fn json_response(reply: Reply) -> HttpResponse {
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, JSON);
    if reply.headers == Headers::JsonNoStore {
        headers.insert(header::CACHE_CONTROL, NO_STORE);
        headers.insert(header::PRAGMA, NO_CACHE);
    }
    add_cors_headers(headers);
    response
}

/// Every response but a preflight's carries these.
fn add_cors_headers(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS_VALUE);
}

fn text_response(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, TEXT);
    response
}

/// The router's answer for anything it has no route for.
fn not_found() -> HttpResponse {
    let mut response = text_response(StatusCode::NOT_FOUND, "404 Not Found");
    add_cors_headers(response.headers_mut());
    response
}

/// OPTIONS, as the real server's CORS middleware answers it on any path.
fn preflight(cors: &Cors, parts: &RequestParts) -> HttpResponse {
    if parts.origin.is_none() && parts.access_control_request_method.is_none() {
        return text_response(StatusCode::OK, "OK");
    }
    let allowed_origin = match cors {
        Cors::Off => return text_response(StatusCode::METHOD_NOT_ALLOWED, CORS_DISABLED),
        Cors::Any => ANY_ORIGIN,
        Cors::Origins(list) => {
            let echoed = parts
                .origin
                .as_deref()
                .filter(|origin| list.iter().any(|allowed| allowed == origin))
                .and_then(|origin| HeaderValue::from_str(origin).ok());
            match echoed {
                Some(origin) => origin,
                None => return text_response(StatusCode::FORBIDDEN, "Invalid origin"),
            }
        }
    };
    let mut response = text_response(StatusCode::OK, "OK");
    let headers = response.headers_mut();
    if matches!(cors, Cors::Origins(_)) {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed_origin);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS_VALUE);
    headers.insert(
        HeaderName::from_static("access-control-allow-headers"),
        ALLOW_HEADERS_VALUE,
    );
    response
}
