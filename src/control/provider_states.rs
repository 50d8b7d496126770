//! Pact's provider states: `POST /_mock/provider-states` speaks the state-change protocol that
//! Pact's verifiers use before (`setup`) and after (`teardown`) each interaction, and
//! `GET /_mock/provider-states` lists the states this mock knows.
//!
//! Bodies taken: `{"action":"setup"|"teardown","state":"…","params":{…}}` (Pact v3/v4, the Rust
//! and JVM verifiers), `{"state":"…","states":["…"],"consumer":"…"}` (the older Ruby and pact-js
//! form, setup only), and the same fields as a query string (`--state-change-as-query`).
//! A state names its parameters in braces; a value comes from `params` first, else from the
//! state's text. Teardown undoes what setup did, newest first.

use serde_json::{Map, Value, json};

use crate::base::selection::OutcomeId;
use crate::control::runtime;
use crate::run::overrides::{Override, Overrides, Scope};
use crate::run::state::{AppState, ProviderUndo as Undo};

/// The vocabulary: each state's template and what it does.
pub const STATES: [(&str, &str); 5] = [
    (
        "a visitor with id {visitorId} exists",
        "puts a visitor with that _id (params may carry more fields: name, visitorEmails, phone, …)",
    ),
    (
        "no visitor with id {visitorId}",
        "removes that visitor if there is one",
    ),
    (
        "the user {userId} lacks view-l-room",
        "takes view-l-room from that users.json user: visitors.info answers 403",
    ),
    (
        "visitor {token} is registered",
        "puts a visitor holding that token (GET /api/v1/livechat/visitor/{token} finds it)",
    ),
    (
        "the server is rate limiting",
        "every visitors.info answers 429 until teardown",
    ),
];

/// `GET /_mock/provider-states`.
pub fn list() -> Value {
    Value::Array(
        STATES
            .iter()
            .map(|(state, does)| json!({ "state": state, "does": does }))
            .collect(),
    )
}

/// One state change, read from a body or a query string.
#[derive(Debug, PartialEq)]
struct Change {
    setup: bool,
    state: String,
    params: Map<String, Value>,
}

fn read(body: &[u8], query: Option<&str>) -> Result<Vec<Change>, String> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        let mut map = Map::new();
        for (key, value) in crate::base::query::pairs(query.unwrap_or_default()) {
            map.insert(key, Value::String(value));
        }
        Value::Object(map)
    } else {
        serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?
    };
    let Value::Object(mut map) = value else {
        return Err("a state change is a JSON object".into());
    };
    // Every field is optional (null is absent), but a field given is of its type: a body a
    // verifier would never send is refused with the reason, never half read.
    let field = |key: &str, kind: &str, fits: fn(&Value) -> bool| match map.get(key) {
        Some(value) if !value.is_null() && !fits(value) => {
            Err(format!("{key} must be {kind}, not {value}"))
        }
        _ => Ok(()),
    };
    field("action", "\"setup\" or \"teardown\"", |v| {
        v == "setup" || v == "teardown"
    })?;
    field("state", "a string", Value::is_string)?;
    field("states", "an array of strings", |v| {
        v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    })?;
    field("params", "an object", Value::is_object)?;
    field("consumer", "a string", Value::is_string)?;
    let setup = map.get("action").and_then(Value::as_str) != Some("teardown");
    let params = match map.remove("params") {
        Some(Value::Object(params)) => params,
        _ => Map::new(),
    };
    let mut states: Vec<String> = Vec::new();
    if let Some(Value::String(state)) = map.get("state") {
        states.push(state.clone());
    }
    if let Some(Value::Array(more)) = map.get("states") {
        for state in more.iter().filter_map(Value::as_str) {
            if !states.iter().any(|s| s == state) {
                states.push(state.to_string());
            }
        }
    }
    // An interaction without a provider state still gets a call (Pact's verifiers send one with
    // no state, or an empty one): nothing to do.
    states.retain(|state| !state.is_empty());
    Ok(states
        .into_iter()
        .map(|state| Change {
            setup,
            state,
            params: params.clone(),
        })
        .collect())
}

/// Matches `text` against a template with `{name}` holes: the values, in order.
fn matches(template: &str, text: &str) -> Option<Vec<(String, String)>> {
    let mut values = Vec::new();
    let mut rest = text;
    let mut pattern = template;
    while let Some(open) = pattern.find('{') {
        let (literal, after) = pattern.split_at(open);
        rest = rest.strip_prefix(literal)?;
        let close = after.find('}')?;
        let name = &after[1..close];
        pattern = &after[close + 1..];
        let next_literal = pattern.split('{').next().unwrap_or_default();
        let end = if next_literal.is_empty() {
            rest.len()
        } else {
            rest.find(next_literal)?
        };
        let value = &rest[..end];
        if value.is_empty() {
            return None;
        }
        values.push((name.to_string(), value.to_string()));
        rest = &rest[end..];
    }
    (rest == pattern).then_some(values)
}

/// `POST /_mock/provider-states`: the state's parameters as applied, or why not.
pub fn change(state: &AppState, body: &[u8], query: Option<&str>) -> Result<Value, String> {
    let changes = read(body, query)?;
    let mut applied = Map::new();
    for change in changes {
        let (template, mut params) = STATES
            .iter()
            .find_map(|(template, _)| matches(template, &change.state).map(|v| (*template, v)))
            .ok_or_else(|| {
                format!(
                    "unknown provider state {:?}; known: {}",
                    change.state,
                    STATES.map(|(s, _)| format!("{s:?}")).join(", ")
                )
            })?;
        // `params` win over the text (`{visitorId}` given as a parameter).
        for (name, value) in &mut params {
            if let Some(given) = change.params.get(name.as_str()).and_then(Value::as_str) {
                *value = given.to_string();
            }
        }
        if change.setup {
            setup(state, &change.state, template, &params, &change.params)?;
        } else {
            teardown(state, &change.state);
        }
        for (name, value) in params {
            applied.insert(name, Value::String(value));
        }
    }
    Ok(Value::Object(applied))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

fn remember(state: &AppState, name: &str, undo: Undo) {
    state
        .provider_states
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((name.to_string(), undo));
}

/// A visitor document for a state: the given fields over a minimal valid visitor.
fn visitor_document(id: &str, token: &str, extra: &Map<String, Value>) -> Value {
    let now = crate::base::clock::iso_8601(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0)),
    );
    let mut doc = Map::new();
    doc.insert("_id".into(), json!(id));
    doc.insert("username".into(), json!("guest-pact"));
    doc.insert("status".into(), json!("online"));
    doc.insert("ts".into(), json!(now));
    doc.insert("_updatedAt".into(), json!(now));
    doc.insert("token".into(), json!(token));
    for (key, value) in extra {
        if !matches!(key.as_str(), "visitorId" | "_id") {
            doc.insert(key.clone(), value.clone());
        }
    }
    Value::Object(doc)
}

/// Sets up one state; what it changed is remembered under `raw`, the state's text as the
/// verifier sent it, which is what its teardown will send.
fn setup(
    state: &AppState,
    raw: &str,
    template: &str,
    params: &[(String, String)],
    given: &Map<String, Value>,
) -> Result<(), String> {
    let state_text = || {
        params.iter().fold(template.to_string(), |t, (n, v)| {
            t.replace(&format!("{{{n}}}"), v)
        })
    };
    match template {
        "a visitor with id {visitorId} exists" | "visitor {token} is registered" => {
            let (id, token) = if template.starts_with("visitor {token}") {
                let token = param(params, "token");
                let id = format!("pact{:020x}", fxhash(token));
                (id[..24].to_string(), token.to_string())
            } else {
                let id = param(params, "visitorId").to_string();
                let token = given
                    .get("token")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("pact-token-{id}"), str::to_string);
                (id, token)
            };
            let before = state.store().document(&id);
            runtime::put_visitor(state, &id, visitor_document(&id, &token, given))
                .map_err(|e| format!("{}: {e}", state_text()))?;
            remember(state, raw, Undo::Visitor(id, before));
        }
        "no visitor with id {visitorId}" => {
            let id = param(params, "visitorId").to_string();
            // The read guard ends with this statement: the delete takes the write lock.
            let before = state.store().document(&id);
            if let Some(before) = before {
                let _ = runtime::delete_visitor(state, &id);
                remember(state, raw, Undo::Visitor(id, Some(before)));
            }
        }
        "the user {userId} lacks view-l-room" => {
            let user = param(params, "userId").to_string();
            let held = state
                .store_mut()
                .set_view_l_room(&user, false)
                .ok_or_else(|| format!("{}: no users.json user {user:?}", state_text()))?;
            remember(state, raw, Undo::ViewLRoom(user, held));
        }
        "the server is rate limiting" => {
            let before = state.overrides.snapshot();
            let step = Override {
                choice: crate::base::selection::Choice::Outcome(OutcomeId::RateLimited),
                delay: None,
                remaining: None,
                scope: Scope::default(),
                request: crate::run::overrides::OverrideRequest {
                    outcome: "rate-limited".into(),
                    times: None,
                    scope: None,
                    delay_ms: None,
                },
            };
            state.overrides.replace(Some(Overrides {
                steps: std::iter::once(step).collect(),
                listed: false,
            }));
            remember(state, raw, Undo::Overrides(before));
        }
        _ => {}
    }
    Ok(())
}

/// Undoes what setups of `state_text` did, newest first; a state never set up is a no-op.
fn teardown(state: &AppState, state_text: &str) {
    let undos: Vec<Undo> = {
        let mut done = state
            .provider_states
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut *done)
            .into_iter()
            .partition(|(s, _)| s == state_text);
        *done = others;
        mine.into_iter().rev().map(|(_, undo)| undo).collect()
    };
    for undo in undos {
        match undo {
            Undo::Visitor(id, Some(doc)) => {
                let _ = runtime::put_visitor(state, &id, Value::Object(doc));
            }
            Undo::Visitor(id, None) => {
                let _ = runtime::delete_visitor(state, &id);
            }
            Undo::ViewLRoom(user, held) => {
                state.store_mut().set_view_l_room(&user, held);
            }
            Undo::Overrides(before) => state.overrides.replace(Some(before)),
        }
    }
}

/// A small stable hash (FNV-1a) for ids derived from tokens.
fn fxhash(text: &str) -> u128 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u128, |hash, byte| {
        (hash ^ u128::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_their_states_and_take_the_values() {
        assert_eq!(
            matches(
                "a visitor with id {visitorId} exists",
                "a visitor with id 6a22b1765528fa64dd29de70 exists"
            ),
            Some(vec![(
                "visitorId".into(),
                "6a22b1765528fa64dd29de70".into()
            )])
        );
        assert_eq!(
            matches("visitor {token} is registered", "visitor abc is registered"),
            Some(vec![("token".into(), "abc".into())])
        );
        assert_eq!(
            matches("the server is rate limiting", "the server is rate limiting"),
            Some(vec![])
        );
        assert_eq!(
            matches("no visitor with id {visitorId}", "no visitor"),
            None
        );
    }

    #[test]
    fn every_body_form_reads_as_changes() {
        let v4 = read(
            br#"{"action":"teardown","state":"s","params":{"a":"b"}}"#,
            None,
        )
        .unwrap();
        assert_eq!(v4.len(), 1);
        assert!(!v4[0].setup);
        assert_eq!(v4[0].params.get("a"), Some(&json!("b")));
        let old = read(br#"{"consumer":"c","state":"s","states":["s","t"]}"#, None).unwrap();
        assert_eq!(
            old.iter().map(|c| c.state.as_str()).collect::<Vec<_>>(),
            ["s", "t"]
        );
        let query = read(b"", Some("state=s&action=setup")).unwrap();
        assert!(query[0].setup);
        assert!(
            read(br#"{"action":"setup","params":{}}"#, None)
                .unwrap()
                .is_empty(),
            "no state"
        );
        assert!(read(br#"{"action":"later","state":"s"}"#, None).is_err());
        assert!(read(br#"{"state":"s","params":null,"consumer":null}"#, None).is_ok());
    }

    #[test]
    fn a_field_of_the_wrong_type_is_refused_with_the_reason() {
        for (body, reason) in [
            (
                r#"{"action":5,"state":"s"}"#,
                r#"action must be "setup" or "teardown", not 5"#,
            ),
            (r#"{"state":["s"]}"#, r#"state must be a string, not ["s"]"#),
            (
                r#"{"states":[1]}"#,
                "states must be an array of strings, not [1]",
            ),
            (
                r#"{"state":"s","params":[]}"#,
                "params must be an object, not []",
            ),
            (
                r#"{"state":"s","consumer":{}}"#,
                "consumer must be a string, not {}",
            ),
        ] {
            assert_eq!(
                read(body.as_bytes(), None),
                Err(reason.to_string()),
                "{body}"
            );
        }
    }
}
