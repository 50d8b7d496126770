//! The parts of an HTTP request the mock reads, picked out of hyper's request once, so the
//! endpoint is a plain function that tests can call without a socket. They borrow from the
//! request's head (a value is copied only when it must be rewritten: a repeated header joined,
//! a non-ASCII byte read as Latin-1), so reading a request allocates nothing.

use std::borrow::Cow;
use std::net::IpAddr;
#[cfg(any(test, feature = "fuzzing"))]
use std::net::Ipv4Addr;

use hyper::Method;
#[cfg(any(test, feature = "fuzzing"))]
use hyper::Request;
use hyper::header::HeaderMap;

use crate::base::selection::{self, Choice, Convention};
pub(crate) use crate::base::text::{header, header_value_text};

/// An incoming request, reduced to what decides the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestParts<'h> {
    pub method: Method,
    /// The path exactly as sent (no decoding, no normalisation).
    pub path: &'h str,
    /// The raw query string after `?`, if any.
    pub query: Option<&'h str>,
    pub user_id: Option<Cow<'h, str>>,
    pub auth_token: Option<Cow<'h, str>>,
    pub origin: Option<Cow<'h, str>>,
    pub access_control_request_method: Option<Cow<'h, str>>,
    pub content_type: Option<Cow<'h, str>>,
    pub host: Option<Cow<'h, str>>,
    pub user_agent: Option<Cow<'h, str>>,
    pub x_real_ip: Option<Cow<'h, str>>,
    pub x_forwarded_for: Option<Cow<'h, str>>,
    /// The client's address: what the rate limiter keys on.
    pub peer: IpAddr,
    /// An outcome asked for in the headers (`Prefer`, `x-mock-response-*`), or why the ask is
    /// not understood.
    pub selection: Result<Option<(Choice, Convention)>, String>,
}

impl<'h> RequestParts<'h> {
    /// The `X-User-Id` and `X-Auth-Token` pair, both non-empty, unless the token was logged
    /// out (`POST /api/v1/logout`): what every endpoint behind the authentication middleware
    /// starts from.
    pub fn credentials(&self, state: &crate::run::state::AppState) -> Option<(&str, &str)> {
        let user_id = self.user_id.as_deref().filter(|v| !v.is_empty())?;
        let token = self.auth_token.as_deref().filter(|v| !v.is_empty())?;
        (!state.logged_out.contains(token)).then_some((user_id, token))
    }

    /// The parts of a request from an unknown peer (loopback), for callers without a socket.
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn from_request<B>(request: &'h Request<B>) -> RequestParts<'h> {
        let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
        RequestParts::from_parts(request.method(), request.uri(), request.headers(), peer)
    }

    /// The parts of a request head that `peer` sent.
    pub fn from_head(head: &'h hyper::http::request::Parts, peer: IpAddr) -> RequestParts<'h> {
        RequestParts::from_parts(&head.method, &head.uri, &head.headers, peer)
    }

    fn from_parts(
        method: &Method,
        uri: &'h hyper::Uri,
        headers: &'h HeaderMap,
        peer: IpAddr,
    ) -> RequestParts<'h> {
        // One pass over the headers (a handful) instead of a hash lookup per name read.
        const NAMES: [&str; 12] = [
            "x-user-id",
            "x-auth-token",
            "origin",
            "access-control-request-method",
            "prefer",
            "x-mock-response-code",
            "x-mock-response-name",
            "content-type",
            "host",
            "user-agent",
            "x-real-ip",
            "x-forwarded-for",
        ];
        let mut found: [Option<Cow<'h, str>>; 12] = Default::default();
        for (name, value) in headers {
            if let Some(slot) = NAMES.iter().position(|n| *n == name.as_str()) {
                let text = header_value_text(value);
                found[slot] = Some(match found[slot].take() {
                    Some(first) => {
                        let mut joined = first.into_owned();
                        joined.push_str(", ");
                        joined.push_str(&text);
                        Cow::Owned(joined)
                    }
                    None => text,
                });
            }
        }
        let [
            user_id,
            auth_token,
            origin,
            acrm,
            prefer,
            code,
            name,
            content_type,
            host,
            user_agent,
            x_real_ip,
            x_forwarded_for,
        ] = found;
        RequestParts {
            method: method.clone(),
            path: uri.path(),
            query: uri.query(),
            user_id,
            auth_token,
            origin,
            access_control_request_method: acrm,
            content_type,
            host,
            user_agent,
            x_real_ip,
            x_forwarded_for,
            peer,
            selection: selection::from_values(prefer.as_deref(), code.as_deref(), name.as_deref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_are_joined_as_node_joins_them() {
        let request = Request::builder()
            .uri("/api/v1/livechat/visitors.info?visitorId=x")
            .header("X-User-Id", "a")
            .header("x-user-id", "b")
            .body(())
            .unwrap();
        let parts = RequestParts::from_request(&request);
        assert_eq!(parts.user_id.as_deref(), Some("a, b"));
        assert_eq!(parts.auth_token, None);
        assert_eq!(parts.query, Some("visitorId=x"));
    }
}
