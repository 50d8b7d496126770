//! The loaded data, indexed for the request path: visitors by `_id` with their 200 bodies
//! already built and already judged by the schema gate, users by `_id` with their permissions
//! already resolved. Nothing a request needs is computed per request.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::fixtures::Fixtures;
use crate::generate::{self, Plan};
use crate::schema::{SchemaSet, Violation};
use crate::versions::{Behaviour, Version};

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

/// A visitor with its `_id`, ready to index.
type Indexed = (Box<str>, VisitorEntry);

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
    /// Builds the entry of a schema-valid stored document, consuming it (a million generated
    /// visitors are not copied twice).
    fn from_document(
        mut doc: Map<String, Value>,
        schemas: &SchemaSet,
        version: Version,
    ) -> VisitorEntry {
        let token: Box<str> = doc
            .get("token")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .into();
        let disabled = doc.get("disabled") == Some(&Value::Bool(true));
        // The 200 body: every stored field but `token` (sent before 8.5.0), and no
        // `externalIds` before 8.4.0, in stored order, then `success`.
        if version.has(Behaviour::TokenHidden) {
            doc.shift_remove("token");
        }
        if !version.has(Behaviour::ExternalIds) {
            doc.shift_remove("externalIds");
        }
        let body = json!({"visitor": doc, "success": true});
        VisitorEntry {
            found: Prepared::new(200, &body, schemas),
            token,
            disabled,
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
    /// The emulated release: what the 200 body carries.
    version: Version,
}

impl Store {
    /// Indexes the fixtures and builds every visitor's 200 body.
    ///
    /// A visitor whose body breaks the 200 schema is still indexed (requests for it get the
    /// gate's 500); each such visitor is logged once here, so a new schema set shows its drift
    /// at start-up.
    pub fn build(
        fixtures: &Fixtures,
        schemas: &SchemaSet,
        version: Version,
        generated: Option<&Plan>,
    ) -> Store {
        let capacity = fixtures.visitors.len() + generated.map_or(0, |plan| plan.count);
        let mut store = Store {
            visitors: IndexMap::with_capacity(capacity),
            tokens: HashMap::with_capacity(capacity),
            accounts: HashMap::new(),
            version,
        };
        for doc in &fixtures.visitors {
            let Some(id) = doc.get("_id").and_then(Value::as_str) else {
                continue;
            };
            let entry = VisitorEntry::from_document(doc.clone(), schemas, version);
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
        if let Some(plan) = generated {
            store.add_generated(plan, schemas);
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
        let entry = VisitorEntry::from_document(doc.clone(), schemas, self.version);
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

    /// Generates the plan's visitors on every core (chunks are independent, so the result does
    /// not depend on the number of threads) and adds them in order.
    fn add_generated(&mut self, plan: &Plan, schemas: &SchemaSet) {
        let chunks = generate::chunks(plan);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, chunks.max(1));
        let version = self.version;
        let mut made: Vec<(usize, Vec<Indexed>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|worker| {
                    scope.spawn(move || {
                        (worker..chunks)
                            .step_by(threads)
                            .map(|c| {
                                let entries = generate::chunk(plan, c)
                                    .into_iter()
                                    .map(|doc| {
                                        let id: Box<str> = doc
                                            .get("_id")
                                            .and_then(Value::as_str)
                                            .unwrap_or_default()
                                            .into();
                                        (id, VisitorEntry::from_document(doc, schemas, version))
                                    })
                                    .collect();
                                (c, entries)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect()
        });
        made.sort_by_key(|(chunk, _)| *chunk);
        let mut broken = 0usize;
        let mut clashes = 0usize;
        for (id, entry) in made.into_iter().flat_map(|(_, entries)| entries) {
            if self.visitors.contains_key(&id) || self.tokens.contains_key(&entry.token) {
                clashes += 1;
                continue;
            }
            broken += usize::from(entry.found.verdict.is_err());
            self.tokens.insert(entry.token.clone(), id.clone());
            self.visitors.insert(id, entry);
        }
        if broken > 0 {
            tracing::warn!(
                broken,
                "generated visitors break the 200 schema; requests for them will get 500"
            );
        }
        if clashes > 0 {
            tracing::warn!(
                clashes,
                "generated visitors skipped: their _id or token was already taken"
            );
        }
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
