//! `GET /api/v1/me` and `POST /api/v1/logout`: what a frontend calls after login, and what
//! Rocket.Chat's SDK calls when a session ends. Both need the credentials of a `users.json` user
//! (`authRequired: true`), so without them they answer the authentication middleware's 401, the
//! same body as visitors.info's.
//!
//! Sources: `apps/meteor/server/api/v1/misc.ts` (0e7ae2f6): `API.v1.get('me', { authRequired:
//! true, … }, … return API.v1.success(await getUserInfo(user)))`;
//! `apps/meteor/server/api/lib/getUserInfo.ts` (00d0bbab); `apps/meteor/server/api/ApiClass.ts`
//! (0358e0dc): the logout route `$pull`s the token and returns `{ status: 'success', data: {
//! message: "You've been logged out!" } }` raw, which the Hono router (`Router.ts` 05360738:
//! `const { body, statusCode, headers } = response`) sends as 200 with no body (Rocket.Chat
//! issue #35922, "From v7.4 `logout` is not responding with JSON").

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::Value;

use crate::api::request::RequestParts;
use crate::base::selection::OutcomeId;
use crate::data::fixtures::User;
use crate::data::schema::ME;
use crate::run::answer::Answer;
use crate::run::outcome::{Delivery, Headers, Outcome, Reply, Verdict};
use crate::run::state::AppState;

/// The user whose `X-User-Id` and `X-Auth-Token` these are, unless logged out.
fn authenticated(state: &AppState, parts: &RequestParts) -> Option<User> {
    let (user_id, token) = parts.credentials(state)?;
    let store = state.store();
    let fixture = || {
        store
            .users()
            .iter()
            .find(|u| u.id == user_id && u.auth_token == token && u.active)
            .cloned()
    };
    match state.auth {
        crate::data::config::AuthMode::Fixtures => fixture(),
        // `--auth any`: any pair logs in; a fixture user keeps its fields, anyone else is a
        // user named by its id.
        crate::data::config::AuthMode::Any => fixture().or_else(|| {
            Some(User {
                id: user_id.to_string(),
                username: user_id.to_string(),
                auth_token: token.to_string(),
                roles: vec!["user".to_string()],
                name: None,
                password: None,
                emails: Vec::new(),
                active: true,
            })
        }),
    }
}

/// The authentication middleware's 401 (the emulated release's shape).
fn not_logged_in(state: &AppState) -> (Reply, Answer) {
    match state.replies.reply(&Outcome::NotLoggedIn) {
        Delivery::Send(reply) => (reply, Answer::Outcome(OutcomeId::NotLoggedIn)),
        // Not reached: the 401 is always sent.
        Delivery::Reset | Delivery::Hang => (
            Reply::internal_error(),
            Answer::Outcome(OutcomeId::ServerError),
        ),
    }
}

/// `GET /api/v1/me`: `getUserInfo(user)` and `success: true` last.
pub fn me(state: &AppState, parts: &RequestParts) -> (Reply, Answer) {
    let Some(user) = authenticated(state, parts) else {
        return not_logged_in(state);
    };
    let host = parts.host.as_deref().unwrap_or_default();
    let mut body = crate::api::login::me(&user, host);
    body.insert("success".into(), Value::Bool(true));
    let reply = Reply::json(&state.schemas, ME, StatusCode::OK, &Value::Object(body));
    (reply, Answer::Me)
}

/// `POST /api/v1/logout`: the token is removed (later calls with it are 401 until a password
/// login issues it again), and the answer is 200 with an empty body.
pub fn logout(state: &AppState, parts: &RequestParts) -> (Reply, Answer) {
    let Some(user) = authenticated(state, parts) else {
        return not_logged_in(state);
    };
    state.logged_out.insert(&user.auth_token);
    (
        Reply {
            status: StatusCode::OK,
            headers: Headers::JsonNoStore,
            body: Bytes::new(),
            verdict: Verdict::Passed,
            rate: None,
        },
        Answer::LoggedOut,
    )
}
