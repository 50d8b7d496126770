//! The companion endpoints a whole client flow needs: `POST /api/v1/login`,
//! `POST /api/v1/livechat/visitor` and `GET /api/v1/livechat/visitor/{token}`, answered as the
//! real server does and through the same schema gate.

use std::sync::atomic::{AtomicU32, Ordering};

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use crate::clock::iso_8601;
use crate::outcome::{Headers, Reply};
use crate::schema::{LIVECHAT_VISITOR, LOGIN};
use crate::state::AppState;
use crate::store::Prepared;

/// `POST /api/v1/login`.
pub const LOGIN_PATH: &str = "/api/v1/login";
/// `POST /api/v1/livechat/visitor`; with `/{token}`, the GET.
pub const VISITOR_PATH: &str = "/api/v1/livechat/visitor";

/// Whether a POST to `path` carries a body the mock reads.
pub fn takes_body(path: &str) -> bool {
    path == LOGIN_PATH || path == VISITOR_PATH
}

/// The token of `/api/v1/livechat/visitor/{token}`, decoded.
pub fn token_in_path(path: &str) -> Option<String> {
    let token = path.strip_prefix(VISITOR_PATH)?.strip_prefix('/')?;
    (!token.is_empty() && !token.contains('/')).then(|| crate::query::decode_path(token))
}

/// The counter of ObjectIds made for registered visitors.
static OBJECT_ID_COUNTER: AtomicU32 = AtomicU32::new(0);

fn reply(prefix: &str, status: StatusCode, value: &Value, state: &AppState) -> Reply {
    let prepared = Prepared::of(prefix, status.as_u16(), value, &state.schemas);
    Reply::from_prepared(status, Headers::JsonNoStore, &prepared)
}

/// Logs a user of `users.json` in by `user`/`username`/`email` + `password`, or by `resume`
/// (an auth token). `host` makes the avatar URL.
pub fn login(state: &AppState, body: &[u8], host: &str) -> (Reply, &'static str) {
    let unauthorized = || {
        let value = json!({"status": "error", "error": "Unauthorized", "message": "Unauthorized", "success": false});
        (
            reply(LOGIN, StatusCode::UNAUTHORIZED, &value, state),
            "login-failed",
        )
    };
    let params = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(params)) => params,
        Ok(_) => {
            let value = json!({"success": false, "error": "The body must be a JSON object"});
            return (
                reply(LOGIN, StatusCode::BAD_REQUEST, &value, state),
                "bad-request",
            );
        }
        Err(e) => {
            let value = json!({"success": false, "error": format!("Invalid JSON: {e}")});
            return (
                reply(LOGIN, StatusCode::BAD_REQUEST, &value, state),
                "bad-request",
            );
        }
    };
    let text = |key: &str| {
        params
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let store = state.store();
    let user = if let Some(resume) = text("resume") {
        store.users().iter().find(|u| u.auth_token == resume)
    } else {
        let (Some(name), Some(password)) = (
            text("user").or(text("username")).or(text("email")),
            text("password"),
        ) else {
            return unauthorized();
        };
        store
            .users()
            .iter()
            .find(|u| {
                u.username == name
                    || u.emails
                        .iter()
                        .any(|e| e.address.eq_ignore_ascii_case(name))
            })
            .filter(|u| u.password.as_deref() == Some(password))
    };
    let Some(user) = user.filter(|u| u.active) else {
        return unauthorized();
    };
    let mut me = Map::new();
    me.insert("_id".into(), json!(user.id));
    if let Some(name) = &user.name {
        me.insert("name".into(), json!(name));
    }
    me.insert(
        "emails".into(),
        Value::Array(
            user.emails
                .iter()
                .map(|e| json!({"address": e.address, "verified": e.verified}))
                .collect(),
        ),
    );
    me.insert("status".into(), json!("online"));
    me.insert("statusConnection".into(), json!("online"));
    me.insert("username".into(), json!(user.username));
    me.insert("utcOffset".into(), json!(0));
    me.insert("active".into(), json!(true));
    me.insert("roles".into(), json!(user.roles));
    me.insert("settings".into(), json!({"preferences": {}}));
    me.insert(
        "avatarUrl".into(),
        json!(format!("http://{host}/avatar/{}", user.username)),
    );
    let value = json!({
        "status": "success",
        "data": {"userId": user.id, "authToken": user.auth_token, "me": me},
        "success": true
    });
    (reply(LOGIN, StatusCode::OK, &value, state), "logged-in")
}

/// Meteor's name for a JSON value's type in a Match error.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) | Value::Object(_) => "object",
    }
}

/// What `POST /api/v1/livechat/visitor` read from its body.
struct Registration {
    token: String,
    name: Option<String>,
    email: Option<String>,
    department: Option<String>,
    phone: Option<String>,
    username: Option<String>,
    custom_fields: Vec<(String, String, bool)>,
}

/// `check(bodyParams, { visitor: Match.ObjectIncluding({...}) })`, with Meteor's messages.
fn check_registration(body: &[u8]) -> Result<Registration, String> {
    let params = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(params)) => params,
        Ok(other) => {
            return Err(format!(
                "Match error: Expected object, got {}",
                type_name(&other)
            ));
        }
        Err(_) => Map::new(), // an unreadable body reads as no parameters
    };
    if let Some(extra) = params.keys().find(|k| k.as_str() != "visitor") {
        return Err(format!("Match error: Unknown key in field {extra}"));
    }
    let visitor = match params.get("visitor") {
        None => return Err("Match error: Missing key 'visitor'".into()),
        Some(Value::Object(visitor)) => visitor,
        Some(other) => {
            return Err(format!(
                "Match error: Expected object, got {} in field visitor",
                type_name(other)
            ));
        }
    };
    let mut registration = Registration {
        token: String::new(),
        name: None,
        email: None,
        department: None,
        phone: None,
        username: None,
        custom_fields: Vec::new(),
    };
    let mut has_token = false;
    for (key, value) in visitor {
        let field = format!("visitor.{key}");
        let string = |optional: bool| -> Result<Option<String>, String> {
            match value {
                Value::String(s) => Ok(Some(s.clone())),
                Value::Null if optional => Ok(None),
                other => Err(format!(
                    "Match error: Expected string, got {} in field {field}",
                    type_name(other)
                )),
            }
        };
        match key.as_str() {
            "token" => {
                registration.token = string(false)?.unwrap_or_default();
                has_token = true;
            }
            "name" => registration.name = string(true)?,
            "email" => registration.email = string(true)?,
            "department" => registration.department = string(true)?,
            "phone" => registration.phone = string(true)?,
            "username" => registration.username = string(true)?,
            "customFields" => registration.custom_fields = check_custom_fields(value)?,
            _ => {} // ObjectIncluding: other keys pass
        }
    }
    if !has_token {
        return Err("Match error: Missing key 'token' in field visitor".into());
    }
    Ok(registration)
}

fn check_custom_fields(value: &Value) -> Result<Vec<(String, String, bool)>, String> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "Match error: Expected array, got {} in field visitor.customFields",
                type_name(other)
            ));
        }
    };
    let mut fields = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("visitor.customFields[{i}]");
        let Value::Object(item) = item else {
            return Err(format!(
                "Match error: Expected object, got {} in field {at}",
                type_name(item)
            ));
        };
        let get = |key: &str| {
            item.get(key)
                .ok_or_else(|| format!("Match error: Missing key '{key}' in field {at}"))
        };
        let (key, value, overwrite) = (get("key")?, get("value")?, get("overwrite")?);
        let (Value::String(key), Value::String(value)) = (key, value) else {
            let (name, bad) = if key.is_string() {
                ("value", value)
            } else {
                ("key", key)
            };
            return Err(format!(
                "Match error: Expected string, got {} in field {at}.{name}",
                type_name(bad)
            ));
        };
        let Value::Bool(overwrite) = overwrite else {
            return Err(format!(
                "Match error: Expected boolean, got {} in field {at}.overwrite",
                type_name(overwrite)
            ));
        };
        fields.push((key.clone(), value.clone(), *overwrite));
    }
    Ok(fields)
}

/// A new ObjectId: creation seconds, five bytes fixed per run (from the seed), a counter.
fn object_id(now_ms: u64, seed: u64) -> String {
    let counter = OBJECT_ID_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:08x}{:010x}{:06x}",
        now_ms / 1000,
        (seed ^ 0x5eed_1a7e_c4a7) & 0xff_ffff_ffff,
        counter & 0xff_ffff
    )
}

/// Registers a visitor by token, or updates the visitor already holding it.
pub fn register_visitor(state: &AppState, body: &[u8], seed: u64) -> (Reply, &'static str) {
    let registration = match check_registration(body) {
        Ok(r) => r,
        Err(error) => {
            let value = json!({"success": false, "error": error});
            return (
                reply(LIVECHAT_VISITOR, StatusCode::BAD_REQUEST, &value, state),
                "bad-request",
            );
        }
    };
    if registration.token.trim().is_empty() {
        let value = json!({"success": false, "error": "Token cannot be empty [error-invalid-token]", "errorType": "error-invalid-token"});
        return (
            reply(LIVECHAT_VISITOR, StatusCode::BAD_REQUEST, &value, state),
            "invalid-token",
        );
    }
    let now = iso_8601(state.clock.now_ms());
    let mut store = state.store_mut();
    let existing = store
        .by_token(&registration.token)
        .map(|(_, entry)| entry.document());
    let (mut doc, label) = match existing {
        Some(doc) => (doc, "visitor-updated"),
        None => {
            let guest = store.next_guest();
            let mut doc = Map::new();
            doc.insert("_id".into(), json!(object_id(state.clock.now_ms(), seed)));
            doc.insert(
                "username".into(),
                json!(
                    registration
                        .username
                        .clone()
                        .unwrap_or_else(|| format!("guest-{guest}"))
                ),
            );
            doc.insert("status".into(), json!("online"));
            doc.insert("ts".into(), json!(now));
            doc.insert("_updatedAt".into(), json!(now));
            (doc, "visitor-registered")
        }
    };
    doc.insert("_updatedAt".into(), json!(now));
    if let Some(name) = registration.name {
        doc.insert("name".into(), json!(name));
    }
    if let Some(phone) = registration.phone {
        doc.insert("phone".into(), json!([{"phoneNumber": phone}]));
    }
    doc.insert("token".into(), json!(registration.token));
    if let Some(email) = registration.email {
        doc.insert(
            "visitorEmails".into(),
            json!([{"address": email.trim().to_lowercase()}]),
        );
    }
    if let Some(department) = registration.department {
        doc.insert("department".into(), json!(department));
    }
    if !registration.custom_fields.is_empty() {
        let mut data = doc
            .get("livechatData")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, value, overwrite) in registration.custom_fields {
            if overwrite || !data.contains_key(&key) {
                data.insert(key, json!(value));
            }
        }
        doc.insert("livechatData".into(), Value::Object(data));
    }
    if let Err(violation) = state.schemas.visitor.check(&Value::Object(doc.clone())) {
        let value = json!({"success": false, "error": format!("Match error: {} in field visitor{}", violation.message, violation.pointer.replace('/', "."))});
        return (
            reply(LIVECHAT_VISITOR, StatusCode::BAD_REQUEST, &value, state),
            "bad-request",
        );
    }
    if let Err(reason) = store.put(&doc, &state.schemas) {
        let value = json!({"success": false, "error": format!("Match error: {reason}")});
        return (
            reply(LIVECHAT_VISITOR, StatusCode::BAD_REQUEST, &value, state),
            "bad-request",
        );
    }
    let shown = store
        .by_token(&registration.token)
        .map(|(_, entry)| entry.document())
        .unwrap_or(doc);
    let value = json!({"visitor": shown, "success": true});
    (
        reply(LIVECHAT_VISITOR, StatusCode::OK, &value, state),
        label,
    )
}

/// `GET /api/v1/livechat/visitor/{token}`.
pub fn visitor_by_token(state: &AppState, token: &str) -> (Reply, &'static str) {
    let store = state.store();
    match store.by_token(token) {
        Some((_, entry)) => {
            let value = json!({"visitor": entry.document(), "success": true});
            (reply(LIVECHAT_VISITOR, StatusCode::OK, &value, state), "ok")
        }
        None => {
            let value =
                json!({"success": false, "error": "[invalid-token]", "errorType": "invalid-token"});
            (
                reply(LIVECHAT_VISITOR, StatusCode::BAD_REQUEST, &value, state),
                "invalid-token",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str) -> Result<String, String> {
        check_registration(body.as_bytes()).map(|r| r.token)
    }

    #[test]
    fn match_errors_read_as_meteors() {
        assert_eq!(
            check("{}"),
            Err("Match error: Missing key 'visitor'".into())
        );
        assert_eq!(check(""), Err("Match error: Missing key 'visitor'".into()));
        assert_eq!(
            check(r#"{"visitor":{}}"#),
            Err("Match error: Missing key 'token' in field visitor".into())
        );
        assert_eq!(
            check(r#"{"visitor":{"token":5}}"#),
            Err("Match error: Expected string, got number in field visitor.token".into())
        );
        assert_eq!(
            check(r#"{"visitor":{"token":"t"},"x":1}"#),
            Err("Match error: Unknown key in field x".into())
        );
        assert_eq!(
            check(r#"{"visitor":"t"}"#),
            Err("Match error: Expected object, got string in field visitor".into())
        );
        assert_eq!(
            check(r#"{"visitor":{"token":"t","customFields":[{"key":"a","value":"b"}]}}"#),
            Err("Match error: Missing key 'overwrite' in field visitor.customFields[0]".into())
        );
        assert_eq!(
            check(r#"{"visitor":{"token":"t","name":null,"extra":1}}"#),
            Ok("t".into())
        );
    }
}
