//! The paths of Rocket.Chat's API this mock answers on, matched exactly, and the token in
//! `/api/v1/livechat/visitor/{token}`.

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

/// Whether a POST to `path` carries a body the mock reads.
pub fn takes_body(path: &str) -> bool {
    path == LOGIN || path == VISITOR
}

/// The token of `/api/v1/livechat/visitor/{token}`, decoded.
pub fn token_in_path(path: &str) -> Option<String> {
    let token = path.strip_prefix(VISITOR)?.strip_prefix('/')?;
    (!token.is_empty() && !token.contains('/')).then(|| crate::base::query::decode_path(token))
}
