//! The hyper glue: routing, HEAD, preflights, CORS headers, latency and faults, the schema gate,
//! the request log and the journal.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use hyper::body::Body;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::request_log::{RequestLine, log_request};
use crate::api::account;
use crate::api::body::read_within;
use crate::api::request::RequestParts;
use crate::api::visitors_info::{self, Rule};
use crate::api::{login, visitor};
use crate::base::endpoint::{Endpoint, token_in_path};
use crate::base::ratelimit::RateCheck;
pub use crate::base::response::{
    ALLOW_METHODS, CORS_DISABLED, HttpResponse, json_headers, mock_error,
};
use crate::base::response::{TEXT, TEXT_FETCH, empty, typed};
use crate::base::response_body::MockBody;
use crate::base::selection::OutcomeId;
use crate::control::routes;
use crate::data::config::{Admin, Cors};
use crate::run::answer::Answer;
use crate::run::journal::{Record, Served, redact_in_place};
use crate::run::outcome::{Delivery, Headers, Reply, Verdict};
use crate::run::state::AppState;

/// `GET /`: what this server answers, for a person who opens it in a browser. The control
/// routes come from their table.
static INDEX: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let control: Vec<String> = crate::control::table::listing()
        .split(", ")
        .map(|route| format!("  {route}\n"))
        .collect();
    format!(
        r#"livechat-mock: a contract-exact mock of Rocket.Chat's Livechat visitor API

Rocket.Chat's API:
  GET    /api/v1/livechat/visitors.info?visitorId=ID   (X-User-Id, X-Auth-Token)
  POST   /api/v1/login
  POST   /api/v1/livechat/visitor
  GET    /api/v1/livechat/visitor/{{token}}
  DELETE /api/v1/livechat/visitor/{{token}}
  GET    /api/v1/me                                    (X-User-Id, X-Auth-Token)
  POST   /api/v1/logout                                (X-User-Id, X-Auth-Token)

The mock's own (unless --no-admin; the dashboard is GET /_mock/ui):
{}
A first request, with the bundled agent and visitor:
  curl -H 'X-User-Id: rbAXPnMktTFbNpwtJ' -H 'X-Auth-Token: RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f' \
    'http://HOST:PORT/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70'
"#,
        control.concat()
    )
});

/// How long the `hang` fault holds a request before dropping the connection, if the client
/// has not given up first.
const HANG_FOR: Duration = Duration::from_secs(3600);
/// A `hang` that a request header chose, from a client off this machine: anyone who can reach
/// the port may send the header, so it holds a slot for this long at most, not an hour.
const HEADER_HANG_OFF_LOOPBACK: Duration = Duration::from_secs(30);

const ALLOW_METHODS_VALUE: HeaderValue = HeaderValue::from_static(ALLOW_METHODS);

/// The error that makes hyper drop a connection without answering: the `reset` and `hang`
/// faults.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose by the {0} fault")]
pub struct InjectedFault(&'static str);

/// What routing came to.
enum Action {
    Respond(HttpResponse),
    Reset,
    Hang,
}

/// A routed request: what to do, and what to log about it.
struct Routed {
    action: Action,
    /// The endpoint the request was for, if it was for one.
    endpoint: Option<Endpoint>,
    answer: Answer,
    rule: Rule,
    gate: Gate,
    /// The admin override's own `delay_ms`, drawn: it takes the place of `--latency`.
    delay: Option<Duration>,
}

impl Routed {
    /// A response with no JSON body for the gate, sent without a delay of its own.
    fn plain(
        response: HttpResponse,
        endpoint: Option<Endpoint>,
        answer: Answer,
        rule: Rule,
    ) -> Routed {
        Routed {
            action: Action::Respond(response),
            endpoint,
            answer,
            rule,
            gate: Gate::None,
            delay: None,
        }
    }
}

/// How an answer stands with the schema gate (the journal's `gate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// The body passed its schema.
    Passed,
    /// The body broke its schema: a 500 was sent instead.
    Blocked,
    /// The deliberately malformed body, not checked.
    Bypassed,
    /// No JSON body to check.
    None,
}

impl Gate {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Gate::Passed => "passed",
            Gate::Blocked => "blocked",
            Gate::Bypassed => "bypassed",
            Gate::None => "none",
        }
    }
}

/// Answers one request. Every failure is a response, but for the faults that drop the
/// connection on purpose.
pub async fn handle<B>(
    state: Arc<AppState>,
    request: Request<B>,
    peer: IpAddr,
) -> Result<HttpResponse, InjectedFault>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let started = Instant::now();
    if request.method() != Method::OPTIONS
        && state.admin != Admin::Disabled
        && routes::is_control_path(request.uri().path())
    {
        return Ok(routes::handle(&state, request).await);
    }
    #[cfg(feature = "tls")]
    if let Some(upstream) = &state.config.upstream
        && !answers_itself(request.method(), request.uri().path())
    {
        return forward_upstream(&state, upstream, request, peer, started).await;
    }

    // One reading of the system clock serves the journal's arrival and the log line's stamp.
    let at = SystemTime::now();
    let arrived = Arrival {
        started,
        at,
        ms: state.clock.ms_at(at),
    };
    let (head, request_body) = request.into_parts();
    let parts = RequestParts::from_head(&head, peer);
    let headers = &head.headers;
    let endpoint = Endpoint::of(&parts.method, parts.path);
    let target_len = head.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    let early = if target_len > state.config.limits.max_uri_bytes {
        Some((empty(StatusCode::URI_TOO_LONG), Answer::UriTooLong))
    } else if head.version == hyper::Version::HTTP_11 && parts.host.is_none() {
        // RFC 9112 §3.2 (and Node): an HTTP/1.1 request without Host is a 400.
        Some((bad_request_and_close(), Answer::NoHost))
    } else if head
        .uri
        .path_and_query()
        .is_some_and(|target| !target.as_str().is_ascii())
    {
        // Node's HTTP parser (llhttp, strict) refuses a raw byte past 0x7F in the target:
        // `400 Bad Request`, no body, the connection closed; the app never sees it.
        Some((bad_request_and_close(), Answer::BadTarget))
    } else {
        None
    };
    let body = match early {
        Some(_) => Bytes::new(),
        // Only the companion POSTs have a body worth reading; the rest is never buffered.
        None if endpoint.is_some_and(Endpoint::reads_body) => {
            let limits = &state.config.limits;
            match read_within(request_body, limits.max_body_bytes, limits.body_timeout).await {
                Ok(body) => body,
                Err(response) => {
                    let answer = match response.status() {
                        StatusCode::REQUEST_TIMEOUT => Answer::BodyTimeout,
                        StatusCode::PAYLOAD_TOO_LARGE => Answer::BodyTooLarge,
                        _ => Answer::BadBody,
                    };
                    let routed = Routed::plain(response, endpoint, answer, Rule::Limits);
                    return deliver(record(&state, &arrived, &parts, headers, routed, None)).await;
                }
            }
        }
        None => {
            drop(request_body);
            Bytes::new()
        }
    };
    if let Some((response, answer)) = early {
        let routed = Routed::plain(response, endpoint, answer, Rule::Limits);
        return deliver(record(&state, &arrived, &parts, headers, routed, None)).await;
    }

    let draw = state.chaos.draw();
    let routed = route(&state, &parts, endpoint, draw.fault, &body);
    // An override's own delay takes the place of --latency; a preflight waits only when
    // --latency-preflight asks (a browser's first call would otherwise wait twice).
    let preflight = parts.method == Method::OPTIONS;
    let delay = routed.delay.or(draw
        .delay
        .filter(|_| !preflight || state.config.latency_preflight));
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    deliver(record(&state, &arrived, &parts, headers, routed, delay)).await
}

/// Whether the mock answers a request itself (an emulated route, or a preflight) rather than
/// passing it to `--upstream`.
#[cfg(feature = "tls")]
fn answers_itself(method: &Method, path: &str) -> bool {
    *method == Method::OPTIONS || Endpoint::serves_path(path)
}

/// Forwards a request to `--upstream`, and records it as the journal and log record any
/// answer (outcome and rule `upstream`, secrets cut as elsewhere).
#[cfg(feature = "tls")]
async fn forward_upstream<B>(
    state: &AppState,
    upstream: &crate::data::config::Upstream,
    request: Request<B>,
    peer: IpAddr,
    started: Instant,
) -> Result<HttpResponse, InjectedFault>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let at = SystemTime::now();
    let arrived = Arrival {
        started,
        at,
        ms: state.clock.ms_at(at),
    };
    let (head, body) = request.into_parts();
    let mut outgoing = Request::new(body);
    *outgoing.method_mut() = head.method.clone();
    *outgoing.uri_mut() = head.uri.clone();
    *outgoing.headers_mut() = head.headers.clone();
    let response = super::upstream::forward(upstream, outgoing).await;
    let parts = RequestParts::from_head(&head, peer);
    let routed = Routed::plain(response, None, Answer::Upstream, Rule::Upstream);
    deliver(record(state, &arrived, &parts, &head.headers, routed, None)).await
}

/// Sends what was recorded: the answer now, or after hanging (a hang is the only wait).
async fn deliver(recorded: Recorded) -> Result<HttpResponse, InjectedFault> {
    match recorded {
        Recorded::Answer(answer) => answer,
        Recorded::Hang(hold) => {
            tokio::time::sleep(hold).await;
            Err(InjectedFault("hang"))
        }
    }
}

/// When a request arrived: by the monotonic clock (for its duration), the system clock (for
/// the log line's stamp) and the mock's clock (for the journal; a manual clock in tests).
struct Arrival {
    started: Instant,
    at: SystemTime,
    ms: u64,
}

/// What [`record`] leaves to do: answer now, or hang first (for how long).
enum Recorded {
    Answer(Result<HttpResponse, InjectedFault>),
    Hang(Duration),
}

/// The one recording point of an answered API request: the log line, the journal entry, then
/// the response (or the fault that drops the connection) to [`deliver`]. Not async, so the
/// request's parts are not carried by a future.
fn record(
    state: &AppState,
    arrived: &Arrival,
    parts: &RequestParts<'_>,
    headers: &HeaderMap,
    routed: Routed,
    delay: Option<Duration>,
) -> Recorded {
    let status = match &routed.action {
        Action::Respond(response) => Some(response.status().as_u16()),
        Action::Reset | Action::Hang => None,
    };
    let head = parts.method == Method::HEAD;
    if let Some(endpoint) = routed.endpoint {
        state
            .coverage
            .count(endpoint, routed.answer, routed.gate == Gate::Blocked);
    }
    let outcome = routed.answer.as_str();
    if !state.expectations.is_empty() {
        // Expectations see the headers with their secrets cut, as the journal keeps them.
        let mut redacted = headers.clone();
        redact_in_place(&mut redacted);
        state.expectations.observe(&crate::run::expectations::Seen {
            method: parts.method.as_str(),
            path: parts.path,
            query: parts.query,
            headers: &redacted,
            outcome,
            status,
        });
    }
    let elapsed = arrived.started.elapsed();
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    log_request(&RequestLine {
        method: &parts.method,
        path: &crate::run::journal::redacted_path(parts.path),
        status: status.unwrap_or(0),
        outcome,
        rule: routed.rule.as_str(),
        micros,
        at: arrived.at + elapsed,
    });
    if state.journal.is_enabled() {
        state.journal.record(Record {
            served: Served {
                arrived_ms: arrived.ms,
                method: parts.method.clone(),
                outcome,
                rule: routed.rule.as_str(),
                status,
                gate: routed.gate.as_str(),
                delay_ms: delay.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                micros,
            },
            path: parts.path,
            query: parts.query,
            headers,
            response: match &routed.action {
                Action::Respond(response) if state.config.journal_responses => {
                    Some(crate::run::journal::SentResponse {
                        content_type: response
                            .headers()
                            .get(header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string),
                        body: String::from_utf8_lossy(response.body().whole()).into_owned(),
                    })
                }
                _ => None,
            },
        });
    }
    match routed.action {
        // Hono answers HEAD with `new Response(null, getResponse)` and Node then sends no
        // Content-Length: a body of unknown length, which hyper never writes for HEAD.
        Action::Respond(mut response) if head => {
            *response.body_mut() = MockBody::Chunks(Box::new(std::iter::empty()));
            Recorded::Answer(Ok(response))
        }
        Action::Respond(response) => Recorded::Answer(Ok(response)),
        Action::Reset => Recorded::Answer(Err(InjectedFault("reset"))),
        Action::Hang if matches!(routed.rule, Rule::Header(_)) && !parts.peer.is_loopback() => {
            Recorded::Hang(HEADER_HANG_OFF_LOOPBACK)
        }
        Action::Hang => Recorded::Hang(HANG_FOR),
    }
}

/// What Node's HTTP server sends for a request its parser refuses.
fn bad_request_and_close() -> HttpResponse {
    let mut response = empty(StatusCode::BAD_REQUEST);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Routes a request of Rocket.Chat's API space: a preflight, an endpoint, the index or the
/// router's 404.
fn route(
    state: &AppState,
    parts: &RequestParts,
    endpoint: Option<Endpoint>,
    fault: Option<crate::base::selection::OutcomeId>,
    body: &[u8],
) -> Routed {
    let router = |response, answer| Routed::plain(response, None, answer, Rule::Route);
    if parts.method == Method::OPTIONS {
        return router(preflight(state, parts), Answer::Preflight);
    }
    match endpoint {
        Some(Endpoint::VisitorsInfo) => visitors_info(state, parts, fault),
        Some(endpoint) => companion(state, parts, endpoint, body),
        // A real server serves its web client here; the mock says what it serves instead.
        None if parts.path == "/"
            && (parts.method == Method::GET || parts.method == Method::HEAD) =>
        {
            router(text_response(StatusCode::OK, INDEX.as_str()), Answer::Index)
        }
        None => router(not_found(state), Answer::NotFound),
    }
}

/// visitors.info: its decision, then the reply the decision names, through the gate.
fn visitors_info(
    state: &AppState,
    parts: &RequestParts,
    fault: Option<crate::base::selection::OutcomeId>,
) -> Routed {
    let endpoint = Some(Endpoint::VisitorsInfo);
    if let Err(message) = &parts.selection {
        let response = mock_error(StatusCode::BAD_REQUEST, message);
        return Routed::plain(response, endpoint, Answer::MockError, Rule::Route);
    }
    let decision = visitors_info::decide(parts, state, fault);
    let answer = decision.outcome.answer();
    let rule = decision.rule;
    let dropped = |action| Routed {
        action,
        endpoint,
        answer,
        rule,
        gate: Gate::None,
        delay: decision.delay,
    };
    let mut reply = match state.replies.reply(&decision.outcome) {
        Delivery::Send(reply) => reply,
        Delivery::Reset => return dropped(Action::Reset),
        Delivery::Hang => return dropped(Action::Hang),
    };
    reply.rate = reply.rate.or(decision.rate);
    if !state.config.gate {
        reply.verdict = Verdict::Passed; // bench/run.sh's gate-off run only
    }
    let mut routed = finish(state, reply, endpoint, answer, rule);
    routed.delay = decision.delay;
    routed
}

/// A companion endpoint: the rate limiter (when on), then its action.
fn companion(state: &AppState, parts: &RequestParts, endpoint: Endpoint, body: &[u8]) -> Routed {
    let rate = match &state.limiter {
        Some(limiter) => {
            let check = limiter.check(endpoint, parts.peer, state.clock.now_ms());
            if !check.allowed {
                let outcome = crate::run::outcome::Outcome::RateLimited(check);
                if let Delivery::Send(reply) = state.replies.reply(&outcome) {
                    return finish(
                        state,
                        reply,
                        Some(endpoint),
                        Answer::Outcome(OutcomeId::RateLimited),
                        Rule::Fixtures,
                    );
                }
            }
            Some(check)
        }
        None => None,
    };
    let token = || token_in_path(parts.path).unwrap_or_default();
    let params = || crate::api::body::parse(parts.content_type.as_deref(), body);
    let host = parts.host.as_deref().unwrap_or_default();
    let (mut reply, answer) = match endpoint {
        Endpoint::Login => login::login(state, &params(), host),
        Endpoint::RegisterVisitor => match visitor::register_visitor(state, &params(), parts) {
            Ok(answered) => answered,
            Err(visitor::Refusal::Capped(message)) => {
                tracing::warn!("registration refused: {message}");
                let response = mock_error(StatusCode::INSUFFICIENT_STORAGE, &message);
                return Routed::plain(
                    response,
                    Some(endpoint),
                    Answer::RegistrationCapped,
                    Rule::Limits,
                );
            }
        },
        Endpoint::VisitorByToken => visitor::visitor_by_token(state, &token()),
        Endpoint::Me => account::me(state, parts),
        Endpoint::Logout => account::logout(state, parts),
        Endpoint::DeleteVisitor => visitor::delete_visitor(state, &token()),
        // routed to `visitors_info` before this; answered as the router would any other path
        Endpoint::VisitorsInfo => {
            return Routed::plain(not_found(state), None, Answer::NotFound, Rule::Route);
        }
    };
    reply.rate = rate;
    finish(state, reply, Some(endpoint), answer, Rule::Fixtures)
}

/// The schema gate, then the response: a body that breaks its schema is never sent.
fn finish(
    state: &AppState,
    mut reply: Reply,
    endpoint: Option<Endpoint>,
    answer: Answer,
    rule: Rule,
) -> Routed {
    let outcome = answer.as_str();
    let gate = match &reply.verdict {
        Verdict::Passed => Gate::Passed,
        Verdict::Bypassed => {
            tracing::warn!(
                outcome,
                rule = rule.as_str(),
                "sending a deliberately malformed 200 body: the schema gate is bypassed for this fault"
            );
            Gate::Bypassed
        }
        Verdict::Broken(violation) => {
            tracing::error!(
                schema = %violation.schema_file,
                pointer = %violation.pointer,
                rule = %violation.rule,
                outcome,
                status = reply.status.as_u16(),
                "response blocked by the schema gate, sent 500 instead: {}",
                violation.message
            );
            let rate = reply.rate;
            reply = Reply::internal_error();
            reply.rate = rate;
            Gate::Blocked
        }
    };
    Routed {
        action: Action::Respond(json_response(state, reply)),
        endpoint,
        answer,
        rule,
        gate,
        delay: None,
    }
}

fn json_response(state: &AppState, reply: Reply) -> HttpResponse {
    let mut response = Response::new(MockBody::from(reply.body));
    *response.status_mut() = reply.status;
    let no_store = reply.headers == Headers::JsonNoStore;
    match reply.rate {
        // The usual reply: a copy of its finished header map, cheaper than building one.
        None => response
            .headers_mut()
            .clone_from(&state.api_cors.json[usize::from(no_store)]),
        Some(rate) => {
            let headers = response.headers_mut();
            json_headers(headers, no_store);
            add_rate_headers(headers, &rate);
            state.api_cors.add(headers);
        }
    }
    response
}

fn add_rate_headers(headers: &mut HeaderMap, rate: &RateCheck) {
    headers.insert(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(rate.limit),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(rate.remaining),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-reset"),
        HeaderValue::from(rate.reset_ms),
    );
}

fn text_response(status: StatusCode, body: &'static str) -> HttpResponse {
    typed(status, TEXT, Bytes::from_static(body.as_bytes()))
}

/// A body written with Hono's `c.body(string)`.
fn fetch_text_response(status: StatusCode, body: &'static str) -> HttpResponse {
    typed(status, TEXT_FETCH, Bytes::from_static(body.as_bytes()))
}

/// The router's answer for anything it has no route for.
pub(crate) fn not_found(state: &AppState) -> HttpResponse {
    let mut response = text_response(StatusCode::NOT_FOUND, "404 Not Found");
    state.api_cors.add(response.headers_mut());
    response
}

/// OPTIONS, as the real server's CORS middleware answers it on any path.
fn preflight(state: &AppState, parts: &RequestParts) -> HttpResponse {
    let cors = &state.cors;
    if parts.origin.is_none() && parts.access_control_request_method.is_none() {
        return fetch_text_response(StatusCode::OK, "OK");
    }
    // The control API's writes are open only to pages of this machine or ones `--cors` lists by
    // name: a preflight from another site is refused (issue 22, minor 13).
    if routes::is_control_path(parts.path)
        && let Some(origin) = parts.origin.as_deref()
        && !routes::origin_allowed(state, origin, parts.host.as_deref())
    {
        return fetch_text_response(StatusCode::FORBIDDEN, "Invalid origin");
    }
    if *cors == Cors::Off {
        return fetch_text_response(StatusCode::METHOD_NOT_ALLOWED, CORS_DISABLED);
    }
    let Some(allowed_origin) = cors.allow_origin(parts.origin.as_deref()) else {
        return fetch_text_response(StatusCode::FORBIDDEN, "Invalid origin");
    };
    let mut response = fetch_text_response(StatusCode::OK, "OK");
    let headers = response.headers_mut();
    if cors.varies_by_origin() {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed_origin);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS_VALUE);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        state.api_cors.allow_headers.clone(),
    );
    response
}

/// What [`answer_now`] came to: the response (none for the faults that drop the connection)
/// and the gate's verdict (`passed`, `blocked`, `bypassed`, `none`).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) struct Answered {
    pub response: Option<HttpResponse>,
    pub gate: &'static str,
}

/// The request → response path without a socket, a body or latency: what the fuzz target
/// drives.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn answer_now(state: &AppState, parts: &RequestParts, body: &[u8]) -> Answered {
    let routed = route(
        state,
        parts,
        Endpoint::of(&parts.method, parts.path),
        None,
        body,
    );
    Answered {
        response: match routed.action {
            Action::Respond(response) => Some(response),
            Action::Reset | Action::Hang => None,
        },
        gate: routed.gate.as_str(),
    }
}
