//! What every answer is made of: the response type, the real server's CORS header values, and
//! the mock's own error shape.

use bytes::Bytes;
use hyper::Response;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::base::response_body::MockBody;

/// The headers the real server allows on cross-origin requests.
pub const ALLOW_HEADERS: &str = "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization";
/// What 8.8.0 appends to [`ALLOW_HEADERS`] (`middlewares/cors.ts` 0d1c5b7d, PR #41082).
pub const MCP_ALLOW_HEADER: &str = "MCP-Protocol-Version";
/// What `--cors-mock-headers` appends, so a page on another origin may choose outcomes by
/// header. Not the real server's: off by default, since fidelity checks compare the list.
pub const MOCK_ALLOW_HEADERS: &str =
    "Prefer, x-mock-response-code, x-mock-response-name, x-mock-response-example";
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

/// The CORS headers of the emulated API's answers: the real server's list for the release,
/// plus the mock's selection headers when asked for.
#[derive(Debug, Clone)]
pub struct ApiCors {
    pub allow_headers: HeaderValue,
    /// A JSON answer's finished header maps, `[plain, no-store]`, in the order sent: copied per
    /// answer, cheaper than built.
    pub json: [HeaderMap; 2],
}

impl ApiCors {
    pub fn new(mcp: bool, mock_headers: bool) -> ApiCors {
        let mut list = ALLOW_HEADERS.to_string();
        if mcp {
            list.push_str(", ");
            list.push_str(MCP_ALLOW_HEADER);
        }
        if mock_headers {
            list.push_str(", ");
            list.push_str(MOCK_ALLOW_HEADERS);
        }
        let mut cors = ApiCors {
            allow_headers: HeaderValue::from_str(&list).unwrap_or(ALLOW_HEADERS_VALUE),
            json: [HeaderMap::new(), HeaderMap::new()],
        };
        for no_store in [false, true] {
            let mut headers = HeaderMap::with_capacity(5);
            json_headers(&mut headers, no_store);
            cors.add(&mut headers);
            cors.json[usize::from(no_store)] = headers;
        }
        cors
    }

    /// What every answer of the API but a preflight's carries.
    pub fn add(&self, headers: &mut HeaderMap) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            self.allow_headers.clone(),
        );
    }
}

/// `Content-Type: application/json`, and with `no_store` the cache headers Rocket.Chat's API
/// sends with an action's answer.
pub fn json_headers(headers: &mut HeaderMap, no_store: bool) {
    headers.insert(header::CONTENT_TYPE, JSON);
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
}

/// The mock's own answers (the control API, its errors) carry these: the base list.
pub fn add_cors_headers(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS_VALUE);
}

/// Hono's `c.text()`: the router's 404.
pub const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=UTF-8");
/// Hono's `c.body(string)`, typed by the Fetch API's `Response` (no space): the preflight's
/// `OK`, the CORS middleware's 405 and `Invalid origin` (`middlewares/cors.ts`).
pub const TEXT_FETCH: HeaderValue = HeaderValue::from_static("text/plain;charset=UTF-8");

/// `status` with no body and no header (the limits' refusals add what they need).
pub fn empty(status: hyper::StatusCode) -> HttpResponse {
    let mut response = Response::new(MockBody::empty());
    *response.status_mut() = status;
    response
}

/// `status` with `body`, typed `content_type`, and no other header.
pub fn typed(status: hyper::StatusCode, content_type: HeaderValue, body: Bytes) -> HttpResponse {
    let mut response = Response::new(MockBody::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// The mock's own answers (the control API's): `body` typed `content_type`, with the base CORS
/// headers.
pub fn mock_typed(
    status: hyper::StatusCode,
    content_type: HeaderValue,
    body: Bytes,
) -> HttpResponse {
    let mut response = typed(status, content_type, body);
    add_cors_headers(response.headers_mut());
    response
}

/// The mock's own JSON answer, with the base CORS headers.
pub fn mock_json(status: hyper::StatusCode, value: &serde_json::Value) -> HttpResponse {
    mock_typed(status, JSON, Bytes::from(value.to_string()))
}

/// The mock's own 204, with the base CORS headers.
pub fn no_content() -> HttpResponse {
    let mut response = empty(hyper::StatusCode::NO_CONTENT);
    add_cors_headers(response.headers_mut());
    response
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
