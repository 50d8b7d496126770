//! `GET /_mock/pact?consumer=…&provider=…`: the journal's interactions as a Pact v4 file, for a
//! consumer that recorded its session against the mock (`--journal-responses`) to hand to the
//! provider's verifier.
//!
//! What is written: every journaled request without a body (GET, HEAD, DELETE: the journal keeps
//! no request bodies, so a POST could not be replayed) whose response was kept, with its method,
//! path, query and the headers a client chose; the response's status, `Content-Type` and body,
//! and matching rules for the fields a server generates (`_id`, `ts`, `_updatedAt`, guest
//! usernames, tokens), the ones `verify` also compares by form. Secrets are cut in the journal,
//! so a cut header is left out of the request: a team supplies the real one at verification
//! time (the verifier's `--header X-Auth-Token=…`, which it adds to every request; so export a
//! session of one user). A path that held a secret (`/livechat/visitor/{token}`) is left out,
//! since it cannot be replayed.

use serde_json::{Map, Value, json};

use crate::run::journal::Entry;

/// Request headers a client chose (not its transport's).
const KEPT_HEADERS: [&str; 4] = ["x-user-id", "x-auth-token", "accept", "content-type"];

/// The fields a server generates, by JSON path, and how a verifier is to compare them.
fn generated_rules(body: &Value) -> Map<String, Value> {
    let iso = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$";
    let mut rules = Map::new();
    let mut rule = |path: &str, matcher: Value| {
        rules.insert(
            path.to_string(),
            json!({ "combine": "AND", "matchers": [matcher] }),
        );
    };
    for (object, fields) in [
        (
            "$.visitor",
            ["_id", "username", "token", "ts", "_updatedAt"].as_slice(),
        ),
        ("$.data", ["userId", "authToken"].as_slice()),
    ] {
        let at = object.trim_start_matches("$.");
        for field in fields {
            if body.get(at).and_then(|o| o.get(field)).is_some() {
                let matcher = if *field == "ts" || *field == "_updatedAt" {
                    json!({ "match": "regex", "regex": iso })
                } else {
                    json!({ "match": "type" })
                };
                rule(&format!("{object}.{field}"), matcher);
            }
        }
    }
    rules
}

fn interaction(entry: &Entry) -> Option<Value> {
    let status = entry.status?;
    let response = entry.response.as_ref()?;
    if !matches!(entry.method.as_str(), "GET" | "HEAD" | "DELETE") || entry.path.contains('…') {
        return None;
    }
    let mut request = json!({ "method": entry.method, "path": entry.path });
    if let Some(query) = entry.query.as_deref().filter(|q| !q.is_empty()) {
        let mut map: Map<String, Value> = Map::new();
        for (key, value) in crate::base::query::pairs(query) {
            match map.get_mut(&key) {
                Some(Value::Array(values)) => values.push(Value::String(value)),
                _ => {
                    map.insert(key, json!([value]));
                }
            }
        }
        request["query"] = Value::Object(map);
    }
    let headers: Map<String, Value> = entry
        .headers
        .iter()
        // A secret the journal cut (`…eU3f`) is left out: the verifier sends the real one
        // (`--header X-Auth-Token=…`), which would otherwise travel beside the cut one.
        .filter(|(name, value)| KEPT_HEADERS.contains(&name.as_str()) && !value.contains('…'))
        .map(|(name, value)| (name.clone(), json!([value])))
        .collect();
    if !headers.is_empty() {
        request["headers"] = Value::Object(headers);
    }
    let mut answer = json!({ "status": status });
    if let Some(content_type) = &response.content_type {
        answer["headers"] = json!({ "Content-Type": [content_type] });
    }
    if !response.body.is_empty() {
        let json_body = response
            .content_type
            .as_deref()
            .is_some_and(|t| t.contains("json"));
        let parsed = json_body
            .then(|| serde_json::from_str::<Value>(&response.body).ok())
            .flatten();
        match parsed {
            Some(body) => {
                let rules = generated_rules(&body);
                answer["body"] =
                    json!({ "content": body, "contentType": "application/json", "encoded": false });
                if !rules.is_empty() {
                    answer["matchingRules"] = json!({ "body": rules });
                }
            }
            None => {
                answer["body"] = json!({ "content": response.body, "contentType": response.content_type.clone().unwrap_or_else(|| "text/plain".into()), "encoded": false });
            }
        }
    }
    let query = entry
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    Some(json!({
        "type": "Synchronous/HTTP",
        "description": format!("{} {}{query} answered {status} (journal #{})", entry.method, entry.path, entry.seq),
        "request": request,
        "response": answer,
    }))
}

/// The pact of these journal entries, oldest first.
pub fn export(entries: &[Entry], consumer: &str, provider: &str) -> Value {
    let interactions: Vec<Value> = entries.iter().filter_map(interaction).collect();
    json!({
        "consumer": { "name": consumer },
        "provider": { "name": provider },
        "interactions": interactions,
        "metadata": { "pactSpecification": { "version": "4.0" } }
    })
}
