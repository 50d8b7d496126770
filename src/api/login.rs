//! `POST /api/v1/login`: a user of `users.json` by name, e-mail or id with a password, or by a
//! resume token; its `data.me` is `getUserInfo`'s shape, which `GET /api/v1/me` shares.
//!
//! Sources: `apps/meteor/server/api/ApiClass.ts` (the login route, `loginCompatibility`,
//! `unauthorized()`; commit 0358e0dc3bd9a302e8d07bb3efad35a8eca31d8c) and
//! `apps/meteor/server/api/lib/getUserInfo.ts` (00d0bbab4c9f5d9e44b47d6e3e4f5360f3064e8f).

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use crate::data::schema::LOGIN;
use crate::run::answer::Answer;
use crate::run::outcome::Reply;
use crate::run::state::AppState;

/// The login route's 401: `unauthorized()` (`{success, error}`), then `Object.assign` of
/// `status`, `error`, `details` (undefined, so absent) and `message`; the failed-login override
/// makes a wrong user or password "User not found", which the route reports as `Unauthorized`.
/// Key order: `success` first.
const LOGIN_FAILED: &str =
    r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#;
/// From 9.0.0 (`applyBreakingChanges`), the login route's 401 is `unauthorized()` alone, in
/// lower case, without the legacy pair.
const LOGIN_FAILED_9: &str = r#"{"success":false,"error":"unauthorized"}"#;

/// The defaults of `Accounts_Default_User_Preferences_*` that `getUserInfo` copies into
/// `me.settings.preferences` (a user's own preferences override them).
const DEFAULT_PREFERENCES: &str = r#"{"enableAutoAway":true,"idleTimeLimit":300,"desktopNotificationRequireInteraction":false,"desktopNotifications":"all","pushNotifications":"all","unreadAlert":true,"useEmojis":true,"convertAsciiEmoji":true,"autoImageLoad":true,"saveMobileBandwidth":true,"collapseMediaByDefault":false,"hideUsernames":false,"hideRoles":false,"hideFlexTab":false,"displayAvatars":true,"sidebarGroupByType":true,"themeAppearence":"auto","sidebarViewMode":"medium","sidebarDisplayAvatar":true,"sidebarShowUnread":false,"sidebarSortby":"activity","showMessageInMainThread":false,"sidebarShowFavorites":true,"sendOnEnter":"normal","messageViewMode":0,"emailNotificationMode":"mentions","newRoomNotification":"door","newMessageNotification":"chime","muteFocusedConversations":true,"notificationsSoundVolume":100,"omnichannelTranscriptEmail":false,"omnichannelTranscriptPDF":false}"#;

/// Who a login body names: `loginCompatibility`'s rewriting of `user`/`username`/`email`, or
/// Meteor's own `{user: {username | email | id}}` form.
enum Named<'a> {
    Username(&'a str),
    Email(&'a str),
    Id(&'a str),
}

/// Logs a user of `users.json` in by `user` / `username` / `email` (or the wrapper forms
/// `{"user":{"username":..}}`, `{"user":{"email":..}}`) with `password`, or by `resume` (an auth
/// token). `host` makes the avatar URL (the real server uses its Site URL).
pub fn login(state: &AppState, params: &Value, host: &str) -> (Reply, Answer) {
    let unauthorized = || {
        let body = if state
            .version
            .has(crate::base::versions::Behaviour::LoginUnauthorized)
        {
            LOGIN_FAILED_9
        } else {
            LOGIN_FAILED
        };
        let value: Value = serde_json::from_str(body).unwrap_or_default();
        (
            Reply::json(&state.schemas, LOGIN, StatusCode::UNAUTHORIZED, &value),
            Answer::LoginFailed,
        )
    };
    let Some(params) = params.as_object() else {
        return unauthorized();
    };
    let text = |key: &str| params.get(key).and_then(Value::as_str);
    let store = state.store();
    let user = match (text("resume"), params.get("password")) {
        (Some(resume), None) if !resume.is_empty() => {
            store.users().iter().find(|u| u.auth_token == resume)
        }
        (_, Some(Value::String(password))) => {
            let extra = params.keys().any(|k| {
                !matches!(
                    k.as_str(),
                    "user" | "username" | "email" | "password" | "code"
                )
            });
            // A `code` that is not a string fails Meteor's check of the TOTP login.
            let bad_code = params.get("code").is_some_and(|c| !c.is_string());
            let named = match (params.get("user"), text("username"), text("email")) {
                _ if extra || bad_code => None,
                (Some(Value::String(user)), _, _) if user.contains('@') => Some(Named::Email(user)),
                (Some(Value::String(user)), _, _) => Some(Named::Username(user)),
                (Some(Value::Object(user)), _, _) => {
                    let field = |k: &str| user.get(k).and_then(Value::as_str);
                    match (field("username"), field("email"), field("id")) {
                        (Some(name), _, _) => Some(Named::Username(name)),
                        (None, Some(email), _) => Some(Named::Email(email)),
                        (None, None, Some(id)) => Some(Named::Id(id)),
                        _ => None,
                    }
                }
                (None, Some(name), _) => Some(Named::Username(name)),
                (None, None, Some(email)) => Some(Named::Email(email)),
                _ => None,
            };
            let users = store.users();
            let found = match named {
                // Meteor looks a name up exactly first, then case-insensitively.
                Some(Named::Username(name)) => users
                    .iter()
                    .find(|u| u.username == name)
                    .or_else(|| users.iter().find(|u| u.username.eq_ignore_ascii_case(name))),
                Some(Named::Email(email)) => users.iter().find(|u| {
                    u.emails
                        .iter()
                        .any(|e| e.address.eq_ignore_ascii_case(email.trim()))
                }),
                Some(Named::Id(id)) => users.iter().find(|u| u.id == id),
                None => None,
            };
            found.filter(|u| !password.is_empty() && u.password.as_deref() == Some(password))
        }
        _ => None,
    };
    let Some(user) = user.filter(|u| u.active) else {
        return unauthorized();
    };
    // A resume token that was logged out is gone; a password login issues the token again.
    if text("resume").is_some() && state.logged_out.contains(&user.auth_token) {
        return unauthorized();
    }
    state.logged_out.remove(&user.auth_token);
    let value = json!({
        "status": "success",
        "data": {"userId": user.id, "authToken": user.auth_token, "me": me(user, host)},
        "success": true
    });
    (
        Reply::json(&state.schemas, LOGIN, StatusCode::OK, &value),
        Answer::LoggedIn,
    )
}

/// `getUserInfo(user)`: the user's stored fields (the default projection), then `email` (the
/// first verified address), `settings` (profile, preferences with the defaults, calendar),
/// `avatarUrl`, `isOAuthUser`, and `services` reduced to whether a password exists.
pub(crate) fn me(user: &crate::data::fixtures::User, host: &str) -> Map<String, Value> {
    let mut me = Map::new();
    me.insert("_id".into(), json!(user.id));
    me.insert(
        "services".into(),
        json!({"password": {"exists": user.password.is_some()}}),
    );
    me.insert("username".into(), json!(user.username));
    if !user.emails.is_empty() {
        me.insert(
            "emails".into(),
            Value::Array(
                user.emails
                    .iter()
                    .map(|e| json!({"address": e.address, "verified": e.verified}))
                    .collect(),
            ),
        );
    }
    me.insert("status".into(), json!("online"));
    me.insert("active".into(), json!(user.active));
    if let Some(name) = &user.name {
        me.insert("name".into(), json!(name));
    }
    me.insert("roles".into(), json!(user.roles));
    me.insert("statusConnection".into(), json!("online"));
    me.insert("utcOffset".into(), json!(0));
    let preferences: Value = serde_json::from_str(DEFAULT_PREFERENCES).unwrap_or_default();
    me.insert(
        "settings".into(),
        json!({"profile": {}, "preferences": preferences, "calendar": {}}),
    );
    if let Some(email) = user.emails.iter().find(|e| e.verified) {
        me.insert("email".into(), json!(email.address));
    }
    me.insert(
        "avatarUrl".into(),
        json!(format!("http://{host}/avatar/{}", user.username)),
    );
    me.insert("isOAuthUser".into(), json!(false));
    me
}
