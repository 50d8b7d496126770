//! What a request comes to, and the one place that turns it into status, headers and body.

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::{Value, json};

use crate::base::query::ParamError;
use crate::base::ratelimit::RateCheck;
use crate::base::selection::OutcomeId;
use crate::base::versions::{Behaviour, Version};
use crate::data::schema::{SchemaSet, Violation};
use crate::data::store::Prepared;
use crate::run::answer::Answer;

/// The error string of the 401 body (sent as both `error` and `message`).
pub const NOT_LOGGED_IN: &str = "You must be logged in to do this.";
/// The error string of the permission middleware's 403.
pub const FORBIDDEN: &str =
    "User does not have the permissions required for this action [error-unauthorized]";
/// The body of a 500: the gate's answer when a response would break its schema.
pub const INTERNAL_ERROR_BODY: &str = r#"{"success":false,"error":"Internal server error"}"#;

/// The spec page's "Success Example", served when a 200 is asked for and the request names no
/// visitor the fixtures hold.
pub fn success_example() -> Value {
    json!({
        "visitor": {
            "_id": "6a22b1765528fa64dd29de70",
            "username": "guest-10",
            "status": "online",
            "ts": "2026-06-05T11:22:30.664Z",
            "_updatedAt": "2026-06-05T11:22:30.665Z",
            "name": "Postman Test Visitor",
            "phone": [{"phoneNumber": "+15551234567"}],
            "visitorEmails": [{"address": "postman-test@example.com"}]
        },
        "success": true
    })
}

/// What visitors.info answers, decided once per request.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A visitor, with its prepared 200 body.
    Found(Prepared),
    InvalidParams(ParamError),
    VisitorNotFound,
    NotLoggedIn,
    /// The user lacks `view-l-room`: `error-unauthorized`.
    Forbidden,
    /// The plain `unauthorized` 403 the API page lists (never sent by the real endpoint unasked).
    ForbiddenGeneric,
    RateLimited(RateCheck),
    ServerError,
    /// Close the connection without a response.
    Reset,
    /// Never answer.
    Hang,
    /// This 200 body, cut short.
    Malformed(Prepared),
}

impl Outcome {
    /// The stable id users name outcomes by (in logs, the journal, and to force one).
    pub fn id(&self) -> OutcomeId {
        match self {
            Outcome::Found(_) => OutcomeId::Ok,
            Outcome::InvalidParams(_) => OutcomeId::InvalidParams,
            Outcome::VisitorNotFound => OutcomeId::VisitorNotFound,
            Outcome::NotLoggedIn => OutcomeId::NotLoggedIn,
            Outcome::Forbidden => OutcomeId::Forbidden,
            Outcome::ForbiddenGeneric => OutcomeId::ForbiddenGeneric,
            Outcome::RateLimited(_) => OutcomeId::RateLimited,
            Outcome::ServerError => OutcomeId::ServerError,
            Outcome::Reset => OutcomeId::Reset,
            Outcome::Hang => OutcomeId::Hang,
            Outcome::Malformed(_) => OutcomeId::Malformed,
        }
    }

    /// The answer it is, for the journal, coverage and the log.
    pub fn answer(&self) -> Answer {
        match self {
            Outcome::InvalidParams(error) => Answer::InvalidParams(*error),
            other => Answer::Outcome(other.id()),
        }
    }
}

/// Which header set a JSON response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// 200, 400 and 500 (answers of the endpoint's action): JSON plus `Cache-Control: no-store`
    /// and `Pragma: no-cache`.
    JsonNoStore,
    /// 401, 403 and 429 (answers of the middlewares before the action): JSON only.
    Json,
}

/// How a reply stands with the schema gate.
#[derive(Debug, Clone)]
pub enum Verdict {
    Passed,
    Broken(Arc<Violation>),
    /// The deliberately malformed body: not checked, and logged as such.
    Bypassed,
}

/// A response ready for the schema gate.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Headers,
    pub body: Bytes,
    pub verdict: Verdict,
    /// The limiter's headers, when the request went through it.
    pub rate: Option<RateCheck>,
}

impl Reply {
    /// A reply carrying a prepared body and the gate's verdict on it.
    pub(crate) fn from_prepared(
        status: StatusCode,
        headers: Headers,
        prepared: &Prepared,
    ) -> Reply {
        Reply {
            status,
            headers,
            body: prepared.body.clone(),
            verdict: match &prepared.verdict {
                Ok(()) => Verdict::Passed,
                Err(violation) => Verdict::Broken(violation.clone()),
            },
            rate: None,
        }
    }

    /// A JSON answer of an action (`Cache-Control: no-store`), its body checked against the
    /// schema of `prefix` and `status`.
    pub(crate) fn json(
        schemas: &SchemaSet,
        prefix: &str,
        status: StatusCode,
        value: &Value,
    ) -> Reply {
        let prepared = Prepared::of(prefix, status.as_u16(), value, schemas);
        Reply::from_prepared(status, Headers::JsonNoStore, &prepared)
    }

    /// The 500 of the server-error outcome, and the gate's replacement for a body that breaks
    /// its schema.
    pub fn internal_error() -> Reply {
        Reply {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            headers: Headers::JsonNoStore,
            body: Bytes::from_static(INTERNAL_ERROR_BODY.as_bytes()),
            verdict: Verdict::Passed,
            rate: None,
        }
    }
}

/// What an outcome does with the connection.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// Send this response.
    Send(Reply),
    /// Close the connection with no response.
    Reset,
    /// Hold the connection and never answer.
    Hang,
}

/// Every fixed body, built and judged once at start-up.
#[derive(Debug)]
pub struct Replies {
    invalid_params: [Prepared; 3],
    /// The router's answer when `qs` throws on the query string.
    unparsable_query: Prepared,
    visitor_not_found: Prepared,
    not_logged_in: Prepared,
    forbidden: Prepared,
    forbidden_generic: Prepared,
    success_example: Prepared,
    schemas: Arc<SchemaSet>,
    /// The 429's headers: an action result's (with the cache headers) until the limiter became
    /// a middleware (8.9.0), the middleware's `c.json` after.
    rate_limited_headers: Headers,
}

impl Replies {
    pub fn new(schemas: Arc<SchemaSet>, version: Version) -> Replies {
        let not_logged_in = if version.has(Behaviour::No401LegacyKeys) {
            json!({"success": false, "error": NOT_LOGGED_IN})
        } else {
            json!({"success": false, "error": NOT_LOGGED_IN, "status": "error", "message": NOT_LOGGED_IN})
        };
        let prepare = |status: u16, value: Value| Prepared::visitors_info(status, &value, &schemas);
        Replies {
            invalid_params: ParamError::ALL.map(|e| {
                prepare(
                    400,
                    json!({"success": false, "error": e.message(), "errorType": "invalid-params"}),
                )
            }),
            unparsable_query: prepare(
                400,
                json!({"success": false, "error": ParamError::Unparsable.message()}),
            ),
            visitor_not_found: prepare(
                400,
                json!({"success": false, "error": "visitor-not-found"}),
            ),
            not_logged_in: prepare(401, not_logged_in),
            forbidden: prepare(403, json!({"success": false, "error": FORBIDDEN})),
            forbidden_generic: prepare(403, json!({"success": false, "error": "unauthorized"})),
            success_example: prepare(200, success_example()),
            schemas: schemas.clone(),
            rate_limited_headers: if version.has(Behaviour::RateLimiterMiddleware) {
                Headers::Json
            } else {
                Headers::JsonNoStore
            },
        }
    }

    /// The spec page's Success Example as a prepared 200.
    pub fn success_example(&self) -> &Prepared {
        &self.success_example
    }

    /// The one mapping from outcome to what is done with the connection: a response to send,
    /// or a fault that sends none.
    pub fn reply(&self, outcome: &Outcome) -> Delivery {
        use Headers::{Json, JsonNoStore};
        let reply = match outcome {
            Outcome::Found(prepared) => Reply::from_prepared(StatusCode::OK, JsonNoStore, prepared),
            // Router.ts answers it with `c.json(...)` before the action: no cache headers.
            Outcome::InvalidParams(ParamError::Unparsable) => {
                Reply::from_prepared(StatusCode::BAD_REQUEST, Json, &self.unparsable_query)
            }
            Outcome::InvalidParams(error) => {
                let index = ParamError::ALL.iter().position(|e| e == error).unwrap_or(0);
                Reply::from_prepared(
                    StatusCode::BAD_REQUEST,
                    JsonNoStore,
                    &self.invalid_params[index],
                )
            }
            Outcome::VisitorNotFound => Reply::from_prepared(
                StatusCode::BAD_REQUEST,
                JsonNoStore,
                &self.visitor_not_found,
            ),
            Outcome::NotLoggedIn => {
                Reply::from_prepared(StatusCode::UNAUTHORIZED, Json, &self.not_logged_in)
            }
            Outcome::Forbidden => {
                Reply::from_prepared(StatusCode::FORBIDDEN, Json, &self.forbidden)
            }
            Outcome::ForbiddenGeneric => {
                Reply::from_prepared(StatusCode::FORBIDDEN, Json, &self.forbidden_generic)
            }
            Outcome::RateLimited(check) => {
                let error = format!(
                    "Error, too many requests. Please slow down. You must wait {} seconds before trying this endpoint again. [error-too-many-requests]",
                    check.wait_seconds
                );
                let prepared = Prepared::visitors_info(
                    429,
                    &json!({"success": false, "error": error}),
                    &self.schemas,
                );
                let mut reply = Reply::from_prepared(
                    StatusCode::TOO_MANY_REQUESTS,
                    self.rate_limited_headers,
                    &prepared,
                );
                reply.rate = Some(*check);
                reply
            }
            Outcome::ServerError => Reply::internal_error(),
            Outcome::Malformed(prepared) => {
                let cut = prepared.body.len() / 2;
                Reply {
                    status: StatusCode::OK,
                    headers: JsonNoStore,
                    body: prepared.body.slice(..cut),
                    verdict: Verdict::Bypassed,
                    rate: None,
                }
            }
            Outcome::Reset => return Delivery::Reset,
            Outcome::Hang => return Delivery::Hang,
        };
        Delivery::Send(reply)
    }
}
