//! What a request comes to, and the one place that turns it into status, headers and body.

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::json;

use crate::query::ParamError;
use crate::schema::{SchemaSet, Violation};
use crate::store::Prepared;

/// The error string of the 401 body (sent as both `error` and `message`).
pub const NOT_LOGGED_IN: &str = "You must be logged in to do this.";
/// The error string of the permission middleware's 403.
pub const FORBIDDEN: &str =
    "User does not have the permissions required for this action [error-unauthorized]";
/// The body of a 500: the gate's answer when a response would break its schema.
pub const INTERNAL_ERROR_BODY: &str = r#"{"success":false,"error":"Internal server error"}"#;

/// What visitors.info answers, decided once per request.
#[derive(Debug, Clone)]
#[allow(dead_code)] // the forced outcomes arrive with the outcome controls
pub enum Outcome {
    /// The visitor, with its prepared 200 body.
    Found(Prepared),
    InvalidParams(ParamError),
    VisitorNotFound,
    NotLoggedIn,
    /// The user lacks `view-l-room`: `error-unauthorized`.
    Forbidden,
    /// The plain `unauthorized` 403 the API page lists (never sent by the real endpoint unasked).
    ForbiddenGeneric,
    RateLimited {
        wait_seconds: u64,
    },
    ServerError,
}

impl Outcome {
    /// The stable id users name outcomes by (in logs, and to force one).
    pub fn id(&self) -> &'static str {
        match self {
            Outcome::Found(_) => "ok",
            Outcome::InvalidParams(_) => "invalid-params",
            Outcome::VisitorNotFound => "visitor-not-found",
            Outcome::NotLoggedIn => "not-logged-in",
            Outcome::Forbidden => "forbidden",
            Outcome::ForbiddenGeneric => "forbidden-generic",
            Outcome::RateLimited { .. } => "rate-limited",
            Outcome::ServerError => "server-error",
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

/// A response ready for the schema gate.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Headers,
    pub body: Bytes,
    /// The schema gate's verdict on `body`.
    pub verdict: Result<(), Arc<Violation>>,
}

impl Reply {
    fn from_prepared(status: StatusCode, headers: Headers, prepared: &Prepared) -> Reply {
        Reply {
            status,
            headers,
            body: prepared.body.clone(),
            verdict: prepared.verdict.clone(),
        }
    }

    /// The gate's replacement for a response that breaks its schema.
    pub fn internal_error() -> Reply {
        Reply {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            headers: Headers::JsonNoStore,
            body: Bytes::from_static(INTERNAL_ERROR_BODY.as_bytes()),
            verdict: Ok(()),
        }
    }
}

/// Every fixed error body, built and judged once at start-up.
#[derive(Debug)]
pub struct Replies {
    invalid_params: [Prepared; 3],
    visitor_not_found: Prepared,
    not_logged_in: Prepared,
    forbidden: Prepared,
    forbidden_generic: Prepared,
    schemas: Arc<SchemaSet>,
}

impl Replies {
    pub fn new(schemas: Arc<SchemaSet>) -> Replies {
        let prepare =
            |status: u16, value: serde_json::Value| Prepared::new(status, &value, &schemas);
        Replies {
            invalid_params: ParamError::ALL.map(|e| {
                prepare(
                    400,
                    json!({"success": false, "error": e.message(), "errorType": "invalid-params"}),
                )
            }),
            visitor_not_found: prepare(
                400,
                json!({"success": false, "error": "visitor-not-found"}),
            ),
            not_logged_in: prepare(
                401,
                json!({"success": false, "error": NOT_LOGGED_IN, "status": "error", "message": NOT_LOGGED_IN}),
            ),
            forbidden: prepare(403, json!({"success": false, "error": FORBIDDEN})),
            forbidden_generic: prepare(403, json!({"success": false, "error": "unauthorized"})),
            schemas: schemas.clone(),
        }
    }

    /// The one mapping from outcome to response.
    pub fn reply(&self, outcome: &Outcome) -> Reply {
        use Headers::{Json, JsonNoStore};
        match outcome {
            Outcome::Found(prepared) => Reply::from_prepared(StatusCode::OK, JsonNoStore, prepared),
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
            Outcome::RateLimited { wait_seconds } => {
                let error = format!(
                    "Error, too many requests. Please slow down. You must wait {wait_seconds} seconds before trying this endpoint again. [error-too-many-requests]"
                );
                let value = json!({"success": false, "error": error});
                let prepared = Prepared::new(429, &value, &self.schemas);
                Reply::from_prepared(StatusCode::TOO_MANY_REQUESTS, Json, &prepared)
            }
            Outcome::ServerError => Reply::internal_error(),
        }
    }
}
