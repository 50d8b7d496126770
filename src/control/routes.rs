//! The control API under `/_mock/`, outside Rocket.Chat's `/api/` space: health, the admin
//! override, visitors, reset, and the request journal.

use std::collections::BTreeMap;

use bytes::Bytes;
use hyper::body::Body;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::api::request::header;
use crate::base::error::display_pointer;
use crate::base::query;
use crate::base::response::{
    HttpResponse, add_cors_headers, mock_error, mock_json, mock_typed, no_content, typed,
};
use crate::base::response_body::MockBody;
use crate::control::runtime::{self, ControlError};
use crate::control::table::{self, Found, Op};
use crate::data::config::Admin;
use crate::run::journal::Filter;
use crate::run::state::AppState;

/// Whether `path` belongs to the control API.
pub fn is_control_path(path: &str) -> bool {
    path == "/_mock" || path.starts_with("/_mock/")
}

/// Answers one control request.
pub async fn handle<B>(state: &AppState, request: Request<B>) -> HttpResponse
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let origin = header(request.headers(), "origin");
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = match guard(state, &request) {
        Some(refusal) => refusal,
        None => answer(state, request).await,
    };
    control_cors(&state.cors, origin.as_deref(), response.headers_mut());
    tracing::info!(
        target: "livechat_mock::control",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
    );
    response
}

/// Whether `host` (a Host header or an Origin's host, port and brackets allowed) names this
/// machine: `localhost` (and `*.localhost`), `127.0.0.0/8`, `::1`.
pub(crate) fn is_loopback_name(host: &str) -> bool {
    let name = host
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']').map(|(inside, _)| inside))
        .unwrap_or_else(|| {
            host.rsplit_once(':').map_or(host, |(name, port)| {
                if port.bytes().all(|b| b.is_ascii_digit()) {
                    name
                } else {
                    host
                }
            })
        })
        .to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The host of an `Origin` value (`http://localhost:5173` → `localhost:5173`).
fn origin_host(origin: &str) -> &str {
    origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/')
}

/// Whether the control API takes a request from a page of `origin`: a page on this machine, one
/// `--cors` lists by name, or the mock's own page (same origin).
pub(crate) fn origin_allowed(state: &AppState, origin: &str, host: Option<&str>) -> bool {
    let listed = matches!(&state.cors, crate::data::config::Cors::Origins(list) if list.iter().any(|o| o.eq_ignore_ascii_case(origin)));
    listed
        || is_loopback_name(origin_host(origin))
        || host.is_some_and(|h| h.eq_ignore_ascii_case(origin_host(origin)))
}

/// The control API's guard against other sites (issue 22, minor 13):
/// - on a loopback listener, a `Host` that does not name this machine is refused (DNS
///   rebinding: a page of `evil.example` whose name resolves to 127.0.0.1);
/// - a write (PUT, POST, DELETE) from a page of another site is refused, whatever `--cors`
///   says for reads, unless `--cors` lists that origin by name;
/// - a browser's write must carry `Content-Type: application/json` (a page can send `text/plain`
///   or a form without a preflight; JSON always needs one). Tools that send no `Origin` (curl,
///   CI scripts) are not held to it, so `curl -d '{...}'` keeps working.
fn guard<B>(state: &AppState, request: &Request<B>) -> Option<HttpResponse> {
    let headers = request.headers();
    let host = header(headers, "host");
    let on_loopback = state
        .config
        .host
        .parse::<std::net::IpAddr>()
        .map_or(state.config.host.eq_ignore_ascii_case("localhost"), |ip| {
            ip.is_loopback()
        });
    if on_loopback
        && let Some(host) = host.as_deref()
        && !is_loopback_name(host)
    {
        return Some(mock_error(
            StatusCode::FORBIDDEN,
            &format!(
                "the control API answers only this machine's names on a loopback listener (Host: {host} refused, a DNS-rebinding guard); start with --host to serve another name"
            ),
        ));
    }
    let writes = matches!(
        *request.method(),
        Method::PUT | Method::POST | Method::DELETE | Method::PATCH
    );
    let origin = header(headers, "origin");
    if writes && let Some(origin) = origin.as_deref() {
        if !origin_allowed(state, origin, host.as_deref()) {
            return Some(mock_error(
                StatusCode::FORBIDDEN,
                &format!(
                    "a page of {origin} may not change the mock; list it in --cors to allow it"
                ),
            ));
        }
        let json = header(headers, "content-type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("application/json"));
        let has_body = header(headers, "content-length").is_some_and(|l| l != "0")
            || headers.contains_key(header::TRANSFER_ENCODING);
        if has_body && !json {
            return Some(mock_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a browser's control request needs Content-Type: application/json",
            ));
        }
    }
    None
}

/// Cross-origin reads of the control API follow `--cors`: any origin with `*`, the listed ones
/// (echoed, with `Vary: Origin`), none with `off`, so a page on another origin cannot read the
/// journal unless it was allowed to.
fn control_cors(
    cors: &crate::data::config::Cors,
    origin: Option<&str>,
    headers: &mut hyper::HeaderMap,
) {
    headers.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    headers.remove(header::ACCESS_CONTROL_ALLOW_HEADERS);
    if cors.varies_by_origin() {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(allowed) = cors.allow_origin(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(crate::base::response::ALLOW_HEADERS),
        );
    }
}

/// The bearer token of an `Authorization` value: the scheme without letter case (RFC 9110
/// §11.1), the token as raw bytes (so a UTF-8 token sent by curl matches).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let space = value.iter().position(|&b| b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = &rest[rest.iter().position(|&b| b != b' ').unwrap_or(rest.len())..];
    Some(token)
}

/// `GET /_mock/ui`: the dashboard, one self-contained page (no CDN: users develop offline).
const UI: &str = include_str!("ui.html");

fn ui_page() -> HttpResponse {
    let mut response = typed(
        StatusCode::OK,
        HeaderValue::from_static("text/html; charset=utf-8"),
        Bytes::from_static(UI.as_bytes()),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn answer<B>(state: &AppState, request: Request<B>) -> HttpResponse
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    // Empty segments are not told apart (`/_mock//health/` is `/_mock/health`).
    let segments: Vec<&str> = path
        .trim_start_matches("/_mock")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let normalized = format!("/_mock/{}", segments.join("/"));
    let found = table::find(&method, &normalized);
    // The page holds no secret and a browser opening it cannot send a Bearer header: it is
    // served before the token check, and its own calls carry the token.
    if found == Found::Route(Op::Ui, None) {
        return ui_page();
    }
    if let Admin::Token(token) = &state.admin {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| bearer(v.as_bytes()));
        if !presented.is_some_and(|p| constant_time_eq(p, token.as_bytes())) {
            let mut response = mock_error(
                StatusCode::UNAUTHORIZED,
                "the control API needs Authorization: Bearer <the --admin-token value>",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"livechat-mock control API\""),
            );
            return response;
        }
    }
    let query_string = request.uri().query().map(str::to_string);
    let host = header(request.headers(), "host");
    let (op, id) = match found {
        Found::Route(op, id) => (op, id.map(query::decode_path).unwrap_or_default()),
        Found::WrongMethod(allow) => return not_allowed(&method, &path, &allow),
        Found::NoRoute => {
            return mock_error(
                StatusCode::NOT_FOUND,
                &format!(
                    "no control route {method} {path}; routes: {}",
                    table::listing()
                ),
            );
        }
    };

    // Only PUT and POST take a body: other methods never wait for one.
    let body = if method == Method::PUT || method == Method::POST {
        let limits = &state.config.limits;
        match crate::api::body::read_within(
            request.into_body(),
            limits.max_body_bytes,
            limits.body_timeout,
        )
        .await
        {
            Ok(body) => body,
            Err(response) => return response,
        }
    } else {
        drop(request);
        bytes::Bytes::new()
    };
    match op {
        // served above, before the token check
        Op::Ui => ui_page(),
        Op::Health => health(state),
        Op::OpenApi => mock_typed(
            StatusCode::OK,
            HeaderValue::from_static("application/json"),
            openapi_for(state, host.as_deref()),
        ),
        Op::GetOutcome => show_override(state),
        Op::PutOutcome => set_override(state, &body),
        Op::DeleteOutcome => {
            runtime::clear_outcome(state);
            no_content()
        }
        Op::ListVisitors => {
            let ids: Vec<String> = state.store().ids().map(str::to_string).collect();
            mock_json(StatusCode::OK, &json!({ "visitors": ids }))
        }
        Op::PutVisitor => put_visitor(state, &id, &body),
        Op::DeleteVisitor => match runtime::delete_visitor(state, &id) {
            Ok(()) => no_content(),
            Err(error) => mock_error(StatusCode::NOT_FOUND, &error.to_string()),
        },
        Op::Reset => {
            state.reset();
            no_content()
        }
        Op::ListRequests => list_requests(state, query_string.as_deref()),
        Op::AddExpectation => match state.expectations.add_json(&body) {
            Ok(index) => mock_json(StatusCode::CREATED, &json!({ "index": index })),
            Err(message) => mock_error(StatusCode::UNPROCESSABLE_ENTITY, &message),
        },
        Op::ListExpectations => mock_json(StatusCode::OK, &state.expectations.report()),
        Op::ClearExpectations => {
            state.expectations.clear();
            no_content()
        }
        Op::Verify => {
            let report = state.expectations.report();
            let status = if report["verified"] == true {
                StatusCode::OK
            } else {
                StatusCode::CONFLICT
            };
            mock_json(status, &report)
        }
        Op::Coverage => mock_json(StatusCode::OK, &state.coverage.report()),
        Op::Pact => {
            if !state.config.journal_responses {
                return mock_error(
                    StatusCode::CONFLICT,
                    "the journal keeps no responses: start the mock with --journal-responses to export a pact",
                );
            }
            let params: BTreeMap<String, String> =
                query::pairs(query_string.as_deref().unwrap_or(""))
                    .into_iter()
                    .collect();
            let consumer = params.get("consumer").map_or("consumer", String::as_str);
            let provider = params
                .get("provider")
                .map_or("livechat-mock", String::as_str);
            let entries = runtime::requests(state, &Filter::default());
            mock_json(
                StatusCode::OK,
                &crate::control::pact::export(&entries, consumer, provider),
            )
        }
        Op::CaPem => match state.ca_pem.get() {
            Some(pem) => mock_typed(
                StatusCode::OK,
                HeaderValue::from_static("application/x-pem-file"),
                Bytes::from(pem.clone()),
            ),
            None => mock_error(
                StatusCode::NOT_FOUND,
                "no local CA: this mock was not started with --tls auto",
            ),
        },
        Op::ListProviderStates => {
            mock_json(StatusCode::OK, &crate::control::provider_states::list())
        }
        Op::ChangeProviderState => {
            match crate::control::provider_states::change(state, &body, query_string.as_deref()) {
                Ok(applied) => mock_json(StatusCode::OK, &applied),
                Err(message) => mock_error(StatusCode::BAD_REQUEST, &message),
            }
        }
        Op::CoverageMarkdown => mock_typed(
            StatusCode::OK,
            HeaderValue::from_static("text/markdown; charset=utf-8"),
            Bytes::from(state.coverage.markdown()),
        ),
        Op::ClearCoverage => {
            state.coverage.reset();
            no_content()
        }
        Op::ClearRequests => match filter_from(query_string.as_deref()) {
            Ok((filter, _)) => {
                state.journal.clear_matching(&filter);
                no_content()
            }
            Err(message) => mock_error(StatusCode::BAD_REQUEST, &message),
        },
    }
}

/// The served OpenAPI document, with `servers` naming the address the client reached it at, so
/// an importer (Postman) sets its base URL to this mock.
fn openapi_for(state: &AppState, host: Option<&str>) -> bytes::Bytes {
    let built = state.openapi.get_or_init(|| {
        let document = crate::control::openapi::document(
            &state.schemas,
            &state.replies,
            &crate::control::openapi::DocumentFor {
                version: state.version,
                admin_token: matches!(state.admin, Admin::Token(_)),
                admin: state.admin != Admin::Disabled,
                allow_headers: state
                    .api_cors
                    .allow_headers
                    .to_str()
                    .unwrap_or_default()
                    .to_string(),
            },
        );
        bytes::Bytes::from(document.to_string())
    });
    let Some(host) = host.filter(|h| !h.is_empty() && !h.contains(['"', '\\', '/'])) else {
        return built.clone();
    };
    match serde_json::from_slice::<Value>(built) {
        Ok(mut document) => {
            document["servers"] =
                json!([{ "url": format!("http://{host}"), "description": "this mock" }]);
            bytes::Bytes::from(document.to_string())
        }
        Err(_) => built.clone(),
    }
}

/// The methods a control route answers.
/// 405 with the `Allow` header RFC 9110 asks for.
fn not_allowed(method: &Method, path: &str, allow: &str) -> HttpResponse {
    let mut response = mock_error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("{method} is not allowed on {path}; allowed: {allow}"),
    );
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_str(allow).unwrap_or(HeaderValue::from_static("GET")),
    );
    response
}

/// Compares two secrets in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn health(state: &AppState) -> HttpResponse {
    mock_json(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "visitors": state.store().visitor_count(),
            "journal": state.journal.len(),
            "version": state.version.to_string(),
            "fixtures": match &state.config.fixtures {
                crate::data::fixtures::FixtureSource::Bundled => "bundled".to_string(),
                crate::data::fixtures::FixtureSource::Dir(dir) => dir.display().to_string(),
                crate::data::fixtures::FixtureSource::Inline { .. } => "inline".to_string(),
            },
            "generated": state.config.generate,
        }),
    )
}

fn show_override(state: &AppState) -> HttpResponse {
    mock_json(StatusCode::OK, &runtime::show_outcome(state))
}

fn set_override(state: &AppState, body: &[u8]) -> HttpResponse {
    match runtime::set_outcome(state, body) {
        Ok(shown) => mock_json(StatusCode::OK, &shown),
        Err(error) => mock_error(StatusCode::UNPROCESSABLE_ENTITY, &error.to_string()),
    }
}

/// Adds or replaces a visitor: the document must pass the stored-visitor schema.
fn put_visitor(state: &AppState, id: &str, body: &[u8]) -> HttpResponse {
    let unprocessable = |pointer: &str, reason: &str| {
        let mut response = mock_json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "mock_error": format!("{}: {reason}", display_pointer(pointer)), "pointer": pointer, "reason": reason }),
        );
        response.headers_mut().insert(
            "x-mock-error",
            HeaderValue::from_static("invalid visitor document"),
        );
        response
    };
    let doc: Value = match serde_json::from_slice(body) {
        Ok(doc) => doc,
        Err(e) => {
            return unprocessable(
                "",
                &format!("invalid JSON at {}:{}: {e}", e.line(), e.column()),
            );
        }
    };
    match runtime::put_visitor(state, id, doc) {
        Ok((true, doc)) => mock_json(StatusCode::CREATED, &doc),
        Ok((false, doc)) => mock_json(StatusCode::OK, &doc),
        Err(ControlError::Invalid { pointer, reason }) => unprocessable(&pointer, &reason),
        Err(error) => mock_error(StatusCode::CONFLICT, &error.to_string()),
    }
}

/// The journal filter of a query string (`path`, `status`, `outcome`, `after`) and its `limit`.
fn filter_from(query_string: Option<&str>) -> Result<(Filter, usize), String> {
    let params: BTreeMap<String, String> = query::pairs(query_string.unwrap_or(""))
        .into_iter()
        .collect();
    let status = match params.get("status").map(|s| s.parse::<u16>()) {
        Some(Ok(status)) if (100..=599).contains(&status) => Some(status),
        Some(_) => return Err("status must be a number from 100 to 599".into()),
        None => None,
    };
    let number = |key: &str| -> Result<Option<u64>, String> {
        match params.get(key).map(|v| v.parse::<u64>()) {
            None => Ok(None),
            Some(Ok(n)) => Ok(Some(n)),
            Some(Err(_)) => Err(format!("{key} must be a whole number")),
        }
    };
    let after = number("after")?;
    let limit = number("limit")?.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    let filter = Filter {
        path: params.get("path").cloned(),
        status,
        outcome: params.get("outcome").cloned(),
        after,
    };
    Ok((filter, limit))
}

fn list_requests(state: &AppState, query_string: Option<&str>) -> HttpResponse {
    let (filter, limit) = match filter_from(query_string) {
        Ok(parsed) => parsed,
        Err(message) => return mock_error(StatusCode::BAD_REQUEST, &message),
    };
    // Streamed: each entry is formatted as the client reads, so a client that never reads
    // holds only the page's shared records, never a formatted copy of the journal.
    let page = state.journal.page(&filter, limit);
    let mut response = Response::new(MockBody::Chunks(Box::new(page.into_json_chunks())));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    add_cors_headers(response.headers_mut());
    response
}
