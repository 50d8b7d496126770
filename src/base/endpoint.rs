//! The endpoints of Rocket.Chat's API the mock emulates, in one table: routing, the rate
//! limiter, coverage, the fuzz harness and the served OpenAPI all read [`Endpoint`].

use hyper::Method;

/// `GET /api/v1/livechat/visitors.info`.
pub const VISITORS_INFO: &str = "/api/v1/livechat/visitors.info";
/// `POST /api/v1/login`.
pub const LOGIN: &str = "/api/v1/login";
/// `GET /api/v1/me`.
pub const ME: &str = "/api/v1/me";
/// `POST /api/v1/logout` (and GET, which Rocket.Chat still answers).
pub const LOGOUT: &str = "/api/v1/logout";
/// `POST /api/v1/livechat/visitor`; with `/{token}`, the GET and the DELETE.
pub const VISITOR: &str = "/api/v1/livechat/visitor";

/// An endpoint the mock answers as Rocket.Chat does. The rate limiter keeps one window per
/// endpoint (the real limiter's `route` key: path and method).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /api/v1/livechat/visitors.info`
    VisitorsInfo,
    /// `POST /api/v1/login`
    Login,
    /// `POST /api/v1/livechat/visitor`
    RegisterVisitor,
    /// `GET /api/v1/livechat/visitor/{token}`
    VisitorByToken,
    /// `DELETE /api/v1/livechat/visitor/{token}`
    DeleteVisitor,
    /// `GET /api/v1/me`
    Me,
    /// `POST /api/v1/logout`
    Logout,
}

impl Endpoint {
    /// Every endpoint, in the order coverage and the OpenAPI list them.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::VisitorsInfo,
        Endpoint::Login,
        Endpoint::RegisterVisitor,
        Endpoint::VisitorByToken,
        Endpoint::DeleteVisitor,
        Endpoint::Me,
        Endpoint::Logout,
    ];

    /// The endpoint a request is for: its method and its exact path. `ApiClass.ts` registers
    /// logout for GET too ("Default logout via GET will be removed"); HEAD is answered as GET.
    pub fn of(method: &Method, path: &str) -> Option<Endpoint> {
        let reading = *method == Method::GET || *method == Method::HEAD;
        match path {
            VISITORS_INFO if reading => Some(Endpoint::VisitorsInfo),
            LOGIN if *method == Method::POST => Some(Endpoint::Login),
            VISITOR if *method == Method::POST => Some(Endpoint::RegisterVisitor),
            ME if reading => Some(Endpoint::Me),
            LOGOUT if reading || *method == Method::POST => Some(Endpoint::Logout),
            path if is_token_path(path) => {
                if reading {
                    Some(Endpoint::VisitorByToken)
                } else if *method == Method::DELETE {
                    Some(Endpoint::DeleteVisitor)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Whether `path` is one of the emulated endpoints' paths, whatever the method (what
    /// `--upstream` does not forward).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub fn serves_path(path: &str) -> bool {
        [VISITORS_INFO, LOGIN, VISITOR, ME, LOGOUT].contains(&path) || is_token_path(path)
    }

    /// The path as the OpenAPI names it (`{token}` for the token).
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::VisitorsInfo => VISITORS_INFO,
            Endpoint::Login => LOGIN,
            Endpoint::RegisterVisitor => VISITOR,
            Endpoint::VisitorByToken | Endpoint::DeleteVisitor => {
                "/api/v1/livechat/visitor/{token}"
            }
            Endpoint::Me => ME,
            Endpoint::Logout => LOGOUT,
        }
    }

    /// Its name in coverage reports.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::VisitorsInfo => "visitors.info",
            Endpoint::Login => "login",
            Endpoint::RegisterVisitor => "register visitor",
            Endpoint::VisitorByToken => "visitor by token",
            Endpoint::DeleteVisitor => "delete visitor",
            Endpoint::Me => "me",
            Endpoint::Logout => "logout",
        }
    }

    /// Whether its request body is read (the companion POSTs); every other body is dropped
    /// unread.
    pub fn reads_body(self) -> bool {
        matches!(self, Endpoint::Login | Endpoint::RegisterVisitor)
    }

    /// Its index in [`Endpoint::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The token segment of `/api/v1/livechat/visitor/{token}`, still percent-encoded.
fn token_segment(path: &str) -> Option<&str> {
    let token = path.strip_prefix(VISITOR)?.strip_prefix('/')?;
    (!token.is_empty() && !token.contains('/')).then_some(token)
}

/// Whether `path` is `/api/v1/livechat/visitor/{token}` (routing asks; nothing is decoded).
fn is_token_path(path: &str) -> bool {
    token_segment(path).is_some()
}

/// The token of `/api/v1/livechat/visitor/{token}`, decoded (once, by the handler).
pub fn token_in_path(path: &str) -> Option<String> {
    token_segment(path).map(crate::base::query::decode_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_endpoint_is_found_by_its_method_and_path() {
        let token = "/api/v1/livechat/visitor/t%201";
        for (method, path, endpoint) in [
            (Method::GET, VISITORS_INFO, Some(Endpoint::VisitorsInfo)),
            (Method::HEAD, VISITORS_INFO, Some(Endpoint::VisitorsInfo)),
            (Method::POST, VISITORS_INFO, None),
            (Method::POST, LOGIN, Some(Endpoint::Login)),
            (Method::GET, LOGIN, None),
            (Method::POST, VISITOR, Some(Endpoint::RegisterVisitor)),
            (Method::GET, token, Some(Endpoint::VisitorByToken)),
            (Method::DELETE, token, Some(Endpoint::DeleteVisitor)),
            (Method::PUT, token, None),
            (Method::GET, ME, Some(Endpoint::Me)),
            (Method::GET, LOGOUT, Some(Endpoint::Logout)),
            (Method::POST, LOGOUT, Some(Endpoint::Logout)),
            (Method::GET, "/api/v1/livechat/visitor/a/b", None),
        ] {
            assert_eq!(Endpoint::of(&method, path), endpoint, "{method} {path}");
        }
        for (i, endpoint) in Endpoint::ALL.into_iter().enumerate() {
            assert_eq!(endpoint.index(), i);
        }
        assert_eq!(token_in_path(token).as_deref(), Some("t 1"));
    }
}
