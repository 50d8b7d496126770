//! `POST /api/v1/livechat/visitor` (`registerGuest`, then the custom fields), and `GET` /
//! `DELETE /api/v1/livechat/visitor/{token}`, answered as the real server does.
//!
//! Sources: `apps/meteor/server/api/v1/omnichannel/visitor.ts`
//! (5d603e27a182196f7ccaff82944e3158b6562873), `packages/omni-core/src/visitor/create.ts`
//! (`registerGuest`, 00613e65a172088c8be13b760d0a12e0fdc93db6),
//! `apps/meteor/server/lib/omnichannel/custom-fields.ts` (`setMultipleVisitorCustomFields`,
//! 66bf0d4f593047d4cd8873bed45e2d2ffafb34a3), and `ApiClass.ts`'s `failure()`.

use std::sync::atomic::Ordering;

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use crate::api::request::RequestParts;
use crate::base::clock::iso_8601;
use crate::data::fixtures::CustomField;
use crate::data::schema::LIVECHAT_VISITOR;
use crate::run::answer::Answer;
use crate::run::outcome::Reply;
use crate::run::state::AppState;

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
#[derive(Debug, Default)]
struct Registration {
    token: String,
    id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    department: Option<String>,
    phone: Option<String>,
    username: Option<String>,
    custom_fields: Vec<(String, String, bool)>,
}

/// `check(bodyParams, { visitor: Match.ObjectIncluding({...}) })`, with Meteor's messages, in
/// the order Meteor's `check` walks the keys.
fn check_registration(params: &Value) -> Result<Registration, String> {
    let params = match params {
        Value::Object(params) => params,
        other => {
            return Err(format!(
                "Match error: Expected object, got {}",
                type_name(other)
            ));
        }
    };
    let mut visitor = None;
    for (key, value) in params {
        if key != "visitor" {
            return Err(format!("Match error: Unknown key in field {key}"));
        }
        match value {
            Value::Object(v) => visitor = Some(v),
            other => {
                return Err(format!(
                    "Match error: Expected object, got {} in field visitor",
                    type_name(other)
                ));
            }
        }
    }
    let Some(visitor) = visitor else {
        return Err("Match error: Missing key 'visitor'".into());
    };
    let mut registration = Registration::default();
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
            // ObjectIncluding lets other keys pass; `id` is read by the route.
            "id" => registration.id = value.as_str().map(str::to_string),
            _ => {}
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

/// A new ObjectId: creation seconds, five bytes fixed per run (from the seed), and this
/// server's counter.
fn object_id(state: &AppState, now_ms: u64) -> String {
    let counter = state.object_ids.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:08x}{:010x}{:06x}",
        now_ms / 1000,
        (state.seed ^ 0x5eed_1a7e_c4a7) & 0xff_ffff_ffff,
        counter & 0xff_ffff
    )
}

/// A 400 of the route: `failure(message, errorType, stack, error)` with `details` when the
/// Meteor.Error has them (`{success, error, errorType?, details?}`).
fn failure(
    state: &AppState,
    error: &str,
    error_type: Option<&str>,
    details: Option<Value>,
) -> Reply {
    let mut value = Map::new();
    value.insert("success".into(), json!(false));
    value.insert("error".into(), json!(error));
    if let Some(error_type) = error_type {
        value.insert("errorType".into(), json!(error_type));
    }
    if let Some(details) = details {
        value.insert("details".into(), details);
    }
    Reply::json(
        &state.schemas,
        LIVECHAT_VISITOR,
        StatusCode::BAD_REQUEST,
        &Value::Object(value),
    )
}

/// Sets `key` in `doc`: an existing key keeps its place (as MongoDB's `$set` does), a new one
/// goes last.
fn set(doc: &mut Map<String, Value>, key: &str, value: Value) {
    doc.insert(key.to_string(), value);
}

/// Why a registration was refused by the mock's own caps.
pub enum Refusal {
    /// Past `--max-registered-visitors` / `--max-registered-bytes`: the mock's own 507.
    Capped(String),
}

/// `POST /api/v1/livechat/visitor`: `registerGuest`, then the custom fields.
pub fn register_visitor(
    state: &AppState,
    params: &Value,
    request: &RequestParts,
) -> Result<(Reply, Answer), Refusal> {
    let registration = match check_registration(params) {
        Ok(r) => r,
        Err(error) => return Ok((failure(state, &error, None, None), Answer::BadRequest)),
    };
    if registration.token.trim().is_empty() {
        let reply = failure(
            state,
            "Token cannot be empty [error-invalid-token]",
            Some("error-invalid-token"),
            Some(json!({"method": "livechat/visitor"})),
        );
        return Ok((reply, Answer::InvalidToken));
    }
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (name, email, department, phone, username, id) = (
        non_empty(&registration.name),
        non_empty(&registration.email),
        non_empty(&registration.department),
        non_empty(&registration.phone),
        non_empty(&registration.username),
        non_empty(&registration.id),
    );
    let now_ms = state.clock.now_ms();
    let now = iso_8601(now_ms);
    // One registration at a time, from the look-up to the write (see `AppState::registering`).
    let _registering = state
        .registering
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    // Matching is read under the read lock: a scan of a large store does not stall readers.
    let (existing, department_id) = {
        let store = state.store();
        let by_token = store
            .by_token(&registration.token)
            .map(|(_, entry)| entry.document());
        let department_id = match &department {
            Some(wanted)
                if by_token
                    .as_ref()
                    .and_then(|d| d.get("department"))
                    .and_then(Value::as_str)
                    != Some(wanted) =>
            {
                match store.department(wanted) {
                    Some(dep) => Some(dep.id.clone()),
                    // registerGuest throws a plain Error: failure(e.message), no errorType.
                    None => {
                        return Ok((
                            failure(state, "error-invalid-department", None, None),
                            Answer::InvalidDepartment,
                        ));
                    }
                }
            }
            _ => None,
        };
        let existing = match by_token {
            Some(doc) => Some((doc, Match::Token)),
            None => phone
                .as_deref()
                .and_then(|phone| {
                    let hint = serde_json::to_string(phone).unwrap_or_default();
                    store.find_document(&hint, |doc| has_phone(doc, phone))
                })
                .map(|doc| (doc, Match::Phone))
                .or_else(|| {
                    email.as_deref().and_then(|email| {
                        store
                            .find_document("visitorEmails", |doc| has_email(doc, email))
                            .map(|doc| (doc, Match::Email))
                    })
                })
                .or_else(|| {
                    id.as_deref()
                        .and_then(|id| store.document(id))
                        .map(|doc| (doc, Match::Id))
                }),
        };
        (existing, department_id)
    };

    let created = existing.is_none();
    if created {
        let count = state.registered.count.load(Ordering::Relaxed);
        let cap = state.config.limits.max_registered_visitors;
        if count >= cap {
            return Err(Refusal::Capped(format!(
                "this mock holds {count} visitors registered through the API, its cap (--max-registered-visitors {cap}); POST /_mock/reset or restart to make room"
            )));
        }
    }
    let (mut doc, label) = match existing {
        Some((mut doc, how)) => {
            // `visitorDataToUpdate`, `$set` in its order: token, status, phone, name,
            // visitorEmails, department. A phone match keeps the stored token.
            if how != Match::Phone {
                set(&mut doc, "token", json!(registration.token));
            }
            set(&mut doc, "status", json!("online"));
            (doc, how)
        }
        None => {
            let mut doc = Map::new();
            let new_id = id.clone().unwrap_or_else(|| object_id(state, now_ms));
            doc.insert("_id".into(), json!(new_id));
            doc.insert("token".into(), json!(registration.token));
            doc.insert("status".into(), json!("online"));
            (doc, Match::Nothing)
        }
    };
    // No match by token, phone or e-mail: registerGuest's "new visitor" branch, which also
    // runs when `visitor.id` names a stored visitor (the upsert by `_id` then updates it).
    let fresh = matches!(label, Match::Nothing | Match::Id);
    let label = if created {
        Answer::VisitorRegistered
    } else {
        Answer::VisitorUpdated
    };
    if let Some(phone) = &phone {
        set(&mut doc, "phone", json!([{"phoneNumber": phone}]));
    }
    if let Some(name) = &name {
        set(&mut doc, "name", json!(name));
    }
    if let Some(email) = &email {
        set(
            &mut doc,
            "visitorEmails",
            json!([{"address": email.trim().to_lowercase()}]),
        );
    }
    if let Some(department_id) = department_id {
        set(&mut doc, "department", json!(department_id));
    }
    if fresh {
        let mut store = state.store_mut();
        let guest = match &username {
            Some(username) => username.clone(),
            None => format!("guest-{}", store.next_guest()),
        };
        drop(store);
        set(&mut doc, "username", json!(guest));
        set(&mut doc, "ts", json!(now));
        if let Some(agent) = &request.user_agent {
            set(&mut doc, "userAgent", json!(agent));
        }
        if let Some(ip) = request
            .x_real_ip
            .as_ref()
            .or(request.x_forwarded_for.as_ref())
        {
            set(&mut doc, "ip", json!(ip));
        }
        if let Some(host) = &request.host {
            set(&mut doc, "host", json!(host));
        }
    }
    set(&mut doc, "_updatedAt", json!(now));

    let missing_required = if registration.custom_fields.is_empty() {
        Vec::new()
    } else {
        let store = state.store();
        let defined: Vec<&CustomField> = store.visitor_custom_fields().collect();
        apply_custom_fields(&mut doc, &registration.custom_fields, &defined)
    };

    if let Err(violation) = state.schemas.visitor.check(&Value::Object(doc.clone())) {
        let error = format!(
            "Match error: {} in field visitor{}",
            violation.message,
            violation.pointer.replace('/', ".")
        );
        return Ok((failure(state, &error, None, None), Answer::BadRequest));
    }
    let bytes = Value::Object(doc.clone()).to_string().len();
    if created {
        let held = state.registered.bytes.load(Ordering::Relaxed);
        let cap = state.config.limits.max_registered_bytes;
        if held.saturating_add(bytes) > cap {
            return Err(Refusal::Capped(format!(
                "visitors registered through the API hold {held} bytes; this one ({bytes} bytes) would pass the cap (--max-registered-bytes {cap}); POST /_mock/reset or restart to make room"
            )));
        }
    }
    let mut store = state.store_mut();
    if let Err(reason) = store.put(&doc, &state.schemas) {
        return Ok((
            failure(state, &format!("Match error: {reason}"), None, None),
            Answer::BadRequest,
        ));
    }
    drop(store);
    if created {
        state.registered.count.fetch_add(1, Ordering::Relaxed);
        state.registered.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    if !missing_required.is_empty() {
        let error = format!(
            "Missing required custom fields: {}",
            missing_required.join(", ")
        );
        return Ok((failure(state, &error, None, None), Answer::BadRequest));
    }
    let value = json!({"visitor": doc, "success": true});
    Ok((
        Reply::json(&state.schemas, LIVECHAT_VISITOR, StatusCode::OK, &value),
        label,
    ))
}

/// `setMultipleVisitorCustomFields` on a visitor document: only the fields `defined` with visitor
/// scope are saved into `livechatData` (`overwrite: false` keeps a held, non-empty value).
/// Returns the required fields not given: then nothing is set, and the caller refuses the
/// registration after saving the visitor, as the real server does.
fn apply_custom_fields(
    doc: &mut Map<String, Value>,
    given: &[(String, String, bool)],
    defined: &[&CustomField],
) -> Vec<String> {
    let missing: Vec<String> = defined
        .iter()
        .filter(|f| f.required && !given.iter().any(|(k, _, _)| *k == f.id))
        .map(|f| f.id.clone())
        .collect();
    if !missing.is_empty() {
        return missing;
    }
    let valid: Vec<&(String, String, bool)> = given
        .iter()
        .filter(|(k, _, _)| defined.iter().any(|f| &f.id == k))
        .collect();
    if valid.is_empty() {
        return missing;
    }
    let mut data = doc
        .get("livechatData")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, value, overwrite) in valid {
        let held = data
            .get(key)
            .is_some_and(|v| !matches!(v, Value::Null | Value::Bool(false)) && v != "");
        if *overwrite || !held {
            data.insert(key.clone(), json!(value));
        }
    }
    set(doc, "livechatData", Value::Object(data));
    missing
}

/// How registration found the visitor it updates (`registerGuest`'s order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Token,
    Phone,
    Email,
    /// `visitor.id` names a stored visitor (`updateOneByIdOrToken` by `_id`).
    Id,
    /// A new visitor.
    Nothing,
}

/// `LivechatVisitors.findOneVisitorByPhone`: `{'phone.phoneNumber': phone}`.
fn has_phone(doc: &Map<String, Value>, phone: &str) -> bool {
    doc.get("phone")
        .and_then(Value::as_array)
        .is_some_and(|phones| {
            phones
                .iter()
                .any(|p| p.get("phoneNumber").and_then(Value::as_str) == Some(phone))
        })
}

/// `LivechatVisitors.findOneGuestByEmailAddress`: the address, case-insensitively.
fn has_email(doc: &Map<String, Value>, email: &str) -> bool {
    doc.get("visitorEmails")
        .and_then(Value::as_array)
        .is_some_and(|emails| {
            emails.iter().any(|e| {
                e.get("address")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.to_lowercase() == email.to_lowercase())
            })
        })
}

/// `GET /api/v1/livechat/visitor/{token}`.
pub fn visitor_by_token(state: &AppState, token: &str) -> (Reply, Answer) {
    let store = state.store();
    match store.by_token(token) {
        Some((_, entry)) => {
            let value = json!({"visitor": entry.document(), "success": true});
            (
                Reply::json(&state.schemas, LIVECHAT_VISITOR, StatusCode::OK, &value),
                Answer::VisitorByToken,
            )
        }
        None => invalid_token(state),
    }
}

/// `Meteor.Error('invalid-token')`: no reason, so the message is `[invalid-token]`.
fn invalid_token(state: &AppState) -> (Reply, Answer) {
    (
        failure(state, "[invalid-token]", Some("invalid-token"), None),
        Answer::InvalidToken,
    )
}

/// `DELETE /api/v1/livechat/visitor/{token}`: removes the visitor; 200 with its `_id` and the
/// time of removal, or the same 400 as the GET for an unknown token. (The real server refuses
/// a visitor with open rooms; the mock has no rooms.)
pub fn delete_visitor(state: &AppState, token: &str) -> (Reply, Answer) {
    let id = {
        let store = state.store();
        match store.by_token(token) {
            Some((id, _)) => id.to_string(),
            None => return invalid_token(state),
        }
    };
    state.store_mut().remove(&id);
    let value = json!({
        "visitor": {"_id": id, "ts": iso_8601(state.clock.now_ms())},
        "success": true
    });
    (
        Reply::json(&state.schemas, LIVECHAT_VISITOR, StatusCode::OK, &value),
        Answer::VisitorDeleted,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str) -> Result<String, String> {
        let params = crate::api::body::parse(Some("application/json"), body.as_bytes());
        check_registration(&params).map(|r| r.token)
    }

    #[test]
    fn custom_fields_keep_to_the_defined_ones_and_overwrite_rules() {
        let field = |id: &str, required: bool| CustomField {
            id: id.into(),
            scope: "visitor".into(),
            required,
        };
        let (plan, company) = (field("plan", false), field("company", false));
        let defined = [&plan, &company];
        let mut doc = Map::new();
        doc.insert(
            "livechatData".into(),
            json!({"plan": "free", "company": ""}),
        );
        let given = vec![
            ("plan".to_string(), "pro".to_string(), false),
            ("company".to_string(), "Acme".to_string(), false),
            ("address".to_string(), "nowhere".to_string(), true),
        ];
        assert!(apply_custom_fields(&mut doc, &given, &defined).is_empty());
        assert_eq!(
            doc["livechatData"],
            json!({"plan": "free", "company": "Acme"}),
            "a held value stays without overwrite, an empty one is filled, an undefined key is dropped"
        );
        let cpf = field("cpf", true);
        let mut untouched = Map::new();
        assert_eq!(
            apply_custom_fields(&mut untouched, &given, &[&plan, &cpf]),
            vec!["cpf".to_string()]
        );
        assert!(
            untouched.is_empty(),
            "nothing is set when a required field is missing"
        );
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
