//! The loaded data, indexed for the request path: visitors by `_id` with their 200 bodies
//! already built and already judged by the schema gate, users by `_id` with their permissions
//! already resolved. Nothing a request needs is computed per request.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::fixtures::Fixtures;
use crate::schema::{SchemaSet, Violation};

/// A response body built once, with the schema gate's verdict on it.
///
/// Bodies are immutable values made from immutable data, so judging each one when it is built
/// is judging every response that carries it, at no cost per request.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub body: Bytes,
    pub verdict: Result<(), Arc<Violation>>,
}

impl Prepared {
    /// Serialises `value` compactly (keys in their order) and checks it against the schema of
    /// `status`, if that status has one.
    pub fn new(status: u16, value: &Value, schemas: &SchemaSet) -> Prepared {
        let verdict = match schemas.response(status) {
            Some(schema) => schema.check(value).map_err(Arc::new),
            None => Ok(()),
        };
        Prepared {
            body: Bytes::from(value.to_string()),
            verdict,
        }
    }
}

/// What visitors.info finds under an `_id`.
#[derive(Debug, Clone)]
pub enum VisitorEntry {
    /// An active visitor and its whole 200 response.
    Served(Prepared),
    /// A visitor with `disabled: true`: answered as not found.
    Disabled,
}

/// A user as the request path needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub auth_token: String,
    /// Holds `view-l-room` through one of its roles.
    pub view_l_room: bool,
    /// Holds `api-bypass-rate-limit` through one of its roles.
    pub bypass_rate_limit: bool,
}

/// The indexed data one request reads.
#[derive(Debug, Default)]
pub struct Store {
    visitors: HashMap<String, VisitorEntry>,
    accounts: HashMap<String, Account>,
}

impl Store {
    /// Indexes the fixtures and builds every visitor's 200 body.
    ///
    /// A visitor whose body breaks the 200 schema is still indexed (requests for it get the
    /// gate's 500); each such visitor is logged once here, so a new schema set shows its drift
    /// at start-up.
    pub fn build(fixtures: &Fixtures, schemas: &SchemaSet) -> Store {
        let mut visitors = HashMap::with_capacity(fixtures.visitors.len());
        for doc in &fixtures.visitors {
            let Some(id) = doc.get("_id").and_then(Value::as_str) else {
                continue;
            };
            let entry = if doc.get("disabled") == Some(&Value::Bool(true)) {
                VisitorEntry::Disabled
            } else {
                let prepared = Prepared::new(200, &found_body(doc), schemas);
                if let Err(violation) = &prepared.verdict {
                    tracing::warn!(
                        visitor = id,
                        schema = %violation.schema_file,
                        pointer = %violation.pointer,
                        rule = %violation.rule,
                        "fixture visitor breaks the 200 schema; requests for it will get 500: {}",
                        violation.message
                    );
                }
                VisitorEntry::Served(prepared)
            };
            visitors.insert(id.to_string(), entry);
        }

        let accounts = fixtures
            .users
            .iter()
            .filter(|user| user.active)
            .map(|user| {
                let account = Account {
                    auth_token: user.auth_token.clone(),
                    view_l_room: fixtures.permissions.granted("view-l-room", &user.roles),
                    bypass_rate_limit: fixtures
                        .permissions
                        .granted("api-bypass-rate-limit", &user.roles),
                };
                (user.id.clone(), account)
            })
            .collect();
        Store { visitors, accounts }
    }

    /// The account that `user_id` + `auth_token` log in as, if they match one.
    pub fn account(&self, user_id: &str, auth_token: &str) -> Option<&Account> {
        self.accounts
            .get(user_id)
            .filter(|account| account.auth_token == auth_token)
    }

    /// The visitor stored under `id`.
    pub fn visitor(&self, id: &str) -> Option<&VisitorEntry> {
        self.visitors.get(id)
    }

    /// How many visitors are indexed, disabled ones included.
    pub fn visitor_count(&self) -> usize {
        self.visitors.len()
    }
}

/// The 200 body: every stored field but `token`, in stored order, then `success`.
fn found_body(doc: &Map<String, Value>) -> Value {
    let visitor: Map<String, Value> = doc
        .iter()
        .filter(|(key, _)| key.as_str() != "token")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    json!({"visitor": visitor, "success": true})
}
