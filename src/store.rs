//! The loaded data, indexed for the request path: visitors by `_id` with their 200 bodies
//! already built and already judged by the schema gate, users by `_id` with their permissions
//! already resolved. Nothing a request needs is computed per request.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use indexmap::IndexMap;
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

/// A stored visitor as the request path needs it.
#[derive(Debug, Clone)]
pub struct VisitorEntry {
    /// The whole 200 response for this visitor, judged by the gate.
    pub found: Prepared,
    pub token: Box<str>,
    /// `disabled: true`: answered as not found.
    pub disabled: bool,
}

impl VisitorEntry {
    /// Builds the entry of a schema-valid stored document.
    fn from_document(doc: &Map<String, Value>, schemas: &SchemaSet) -> VisitorEntry {
        VisitorEntry {
            found: Prepared::new(200, &found_body(doc), schemas),
            token: doc
                .get("token")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
            disabled: doc.get("disabled") == Some(&Value::Bool(true)),
        }
    }
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

/// The indexed data one request reads. Cloning is cheap per visitor: bodies are shared.
#[derive(Debug, Default, Clone)]
pub struct Store {
    /// By `_id`, in fixture order (new visitors last).
    visitors: IndexMap<Box<str>, VisitorEntry>,
    /// `token` → `_id`: tokens are unique, as the real collection's index makes them.
    tokens: HashMap<Box<str>, Box<str>>,
    accounts: HashMap<String, Account>,
}

impl Store {
    /// Indexes the fixtures and builds every visitor's 200 body.
    ///
    /// A visitor whose body breaks the 200 schema is still indexed (requests for it get the
    /// gate's 500); each such visitor is logged once here, so a new schema set shows its drift
    /// at start-up.
    pub fn build(fixtures: &Fixtures, schemas: &SchemaSet) -> Store {
        let mut store = Store {
            visitors: IndexMap::with_capacity(fixtures.visitors.len()),
            tokens: HashMap::with_capacity(fixtures.visitors.len()),
            accounts: HashMap::new(),
        };
        for doc in &fixtures.visitors {
            let Some(id) = doc.get("_id").and_then(Value::as_str) else {
                continue;
            };
            let entry = VisitorEntry::from_document(doc, schemas);
            if let Err(violation) = &entry.found.verdict {
                tracing::warn!(
                    visitor = id,
                    schema = %violation.schema_file,
                    pointer = %violation.pointer,
                    rule = %violation.rule,
                    "fixture visitor breaks the 200 schema; requests for it will get 500: {}",
                    violation.message
                );
            }
            store.tokens.insert(entry.token.clone(), id.into());
            store.visitors.insert(id.into(), entry);
        }

        store.accounts = fixtures
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
        store
    }

    /// The account that `user_id` + `auth_token` log in as, if they match one.
    pub fn account(&self, user_id: &str, auth_token: &str) -> Option<&Account> {
        self.accounts
            .get(user_id)
            .filter(|account| account.auth_token == auth_token)
    }

    /// The 200 response for `id`, if such a visitor exists and is not disabled.
    pub fn found(&self, id: &str) -> Option<&Prepared> {
        self.visitors
            .get(id)
            .filter(|entry| !entry.disabled)
            .map(|entry| &entry.found)
    }

    /// Every visitor `_id`, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.visitors.keys().map(|id| &**id)
    }

    /// How many visitors are indexed, disabled ones included.
    pub fn visitor_count(&self) -> usize {
        self.visitors.len()
    }

    /// Adds or replaces the visitor of a schema-valid stored document; returns whether it is new.
    ///
    /// # Errors
    /// The document has no `_id`, or its token belongs to another visitor.
    pub fn put(&mut self, doc: &Map<String, Value>, schemas: &SchemaSet) -> Result<bool, String> {
        let id = doc
            .get("_id")
            .and_then(Value::as_str)
            .ok_or("the document has no _id")?;
        let entry = VisitorEntry::from_document(doc, schemas);
        if let Some(owner) = self
            .tokens
            .get(&*entry.token)
            .filter(|owner| &***owner != id)
        {
            return Err(format!(
                "token {:?} already belongs to visitor {owner:?}",
                entry.token
            ));
        }
        if let Some(old) = self.visitors.get(id) {
            self.tokens.remove(&old.token);
        }
        self.tokens.insert(entry.token.clone(), id.into());
        Ok(self.visitors.insert(id.into(), entry).is_none())
    }

    /// Removes a visitor; returns whether it existed.
    pub fn remove(&mut self, id: &str) -> bool {
        match self.visitors.shift_remove(id) {
            Some(entry) => {
                self.tokens.remove(&entry.token);
                true
            }
            None => false,
        }
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
