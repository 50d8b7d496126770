//! The parts of an HTTP request the mock reads, copied out of hyper's request once, so the
//! endpoint is a plain function that tests can call without a socket.

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
pub struct RequestParts {
    pub method: Method,
    /// The path exactly as sent (no decoding, no normalisation).
    pub path: String,
    /// The raw query string after `?`, if any.
    pub query: Option<String>,
    pub user_id: Option<String>,
    pub auth_token: Option<String>,
    pub origin: Option<String>,
    pub access_control_request_method: Option<String>,
    pub content_type: Option<String>,
    pub host: Option<String>,
    pub user_agent: Option<String>,
    pub x_real_ip: Option<String>,
    pub x_forwarded_for: Option<String>,
    /// The client's address: what the rate limiter keys on.
    pub peer: IpAddr,
    /// An outcome asked for in the headers (`Prefer`, `x-mock-response-*`), or why the ask is
    /// not understood.
    pub selection: Result<Option<(Choice, Convention)>, String>,
}

impl RequestParts {
    /// The parts of a request from an unknown peer (loopback), for callers without a socket.
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn from_request<B>(request: &Request<B>) -> RequestParts {
        let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
        RequestParts::from_parts(request.method(), request.uri(), request.headers(), peer)
    }

    /// The parts of a request head that `peer` sent.
    pub fn from_head(head: &hyper::http::request::Parts, peer: IpAddr) -> RequestParts {
        RequestParts::from_parts(&head.method, &head.uri, &head.headers, peer)
    }

    fn from_parts(
        method: &Method,
        uri: &hyper::Uri,
        headers: &HeaderMap,
        peer: IpAddr,
    ) -> RequestParts {
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
        let mut found: [Option<String>; 12] = Default::default();
        for (name, value) in headers {
            if let Some(slot) = NAMES.iter().position(|n| *n == name.as_str()) {
                let text = header_value_text(value);
                found[slot] = Some(match found[slot].take() {
                    Some(mut joined) => {
                        joined.push_str(", ");
                        joined.push_str(&text);
                        joined
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
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
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
        assert_eq!(parts.query.as_deref(), Some("visitorId=x"));
    }
}
