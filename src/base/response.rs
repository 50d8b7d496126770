//! What every answer is made of: the response type, the real server's CORS header values, and
//! the mock's own error shape.

use bytes::Bytes;
use hyper::Response;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::base::response_body::MockBody;

/// The headers the real server allows on cross-origin requests.
pub const ALLOW_HEADERS: &str = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization";
/// The methods a successful preflight allows.
pub const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, HEAD, PATCH";
/// The body of the real server's preflight answer when CORS is disabled.
pub const CORS_DISABLED: &str =
    "CORS not enabled. Go to \"Admin > General > REST Api\" to enable it.";

/// The response type of every route.
pub type HttpResponse = Response<MockBody>;

pub(crate) const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
const ALLOW_HEADERS_VALUE: HeaderValue = HeaderValue::from_static(ALLOW_HEADERS);
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const X_MOCK_ERROR: HeaderName = HeaderName::from_static("x-mock-error");

/// Every response but a preflight's carries these.
pub fn add_cors_headers(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS_VALUE);
}

/// The mock's own error, shaped so it cannot be mistaken for Rocket.Chat's:
/// `{"mock_error": "..."}` and an `X-Mock-Error` header.
pub fn mock_error(status: hyper::StatusCode, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "mock_error": message }).to_string();
    let mut response = Response::new(MockBody::from(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, JSON);
    let printable: String = message
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&printable) {
        headers.insert(X_MOCK_ERROR, value);
    }
    add_cors_headers(headers);
    response
}
