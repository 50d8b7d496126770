//! The loaded data, indexed for the request path: visitors by `_id` with their 200 bodies
//! already built and already judged by the schema gate, users by `_id` with their permissions
//! already resolved. Nothing a request needs is computed per request.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::base::versions::{Behaviour, Version};
use crate::data::fixtures::{CustomField, Department, Fixtures, User};
use crate::data::generate::{self, Plan};
use crate::data::schema::{SchemaSet, Violation};

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
    /// A visitors.info body: `value` serialised compactly (keys in their order) and checked
    /// against visitors.info's schema of `status`, if that status has one.
    pub fn visitors_info(status: u16, value: &Value, schemas: &SchemaSet) -> Prepared {
        Prepared::of(crate::data::schema::VISITORS_INFO, status, value, schemas)
    }

    /// As [`Prepared::visitors_info`], for the endpoint whose schema files start with `prefix`.
    pub fn of(prefix: &str, status: u16, value: &Value, schemas: &SchemaSet) -> Prepared {
        let verdict = match schemas.response_of(prefix, status) {
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
#[cfg(feature = "generate")]
type Indexed = (Box<str>, VisitorEntry);

/// A stored visitor as the request path needs it.
#[derive(Debug, Clone)]
pub struct VisitorEntry {
    /// The whole 200 response for this visitor, judged by the gate.
    pub found: Prepared,
    pub token: Box<str>,
    /// Where `token` stood among the stored keys, to give the stored document back in order.
    token_index: u16,
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
        let token_index = doc
            .keys()
            .position(|k| k == "token")
            .map_or(u16::MAX, |i| u16::try_from(i).unwrap_or(u16::MAX));
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
            found: Prepared::visitors_info(200, &body, schemas),
            token,
            token_index,
            disabled,
        }
    }
}

impl VisitorEntry {
    /// The stored document as this version shows it: the 200 body's visitor with the token put
    /// back where it was stored.
    pub fn document(&self) -> Map<String, Value> {
        let mut doc = serde_json::from_slice::<Value>(&self.found.body)
            .ok()
            .and_then(|mut body| body.get_mut("visitor").map(Value::take))
            .and_then(|visitor| match visitor {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
        if !doc.contains_key("token") {
            let at = usize::from(self.token_index).min(doc.len());
            doc.shift_insert(
                at,
                "token".to_string(),
                Value::String(self.token.to_string()),
            );
        }
        doc
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

/// The maps' hasher: each request hashes a visitor id and a user id, and SipHash was a visible
/// share of a request's CPU. foldhash is seeded per process, so keys still cannot be chosen to
/// collide.
type Hasher = foldhash::fast::RandomState;

/// The visitors as loaded: immutable once built, shared by every copy of the store.
#[derive(Debug, Default)]
struct Loaded {
    /// By `_id`, in fixture order.
    visitors: IndexMap<Box<str>, VisitorEntry, Hasher>,
    /// `token` → `_id`: tokens are unique, as the real collection's index makes them.
    tokens: HashMap<Box<str>, Box<str>, Hasher>,
}

/// The indexed data one request reads.
///
/// The loaded visitors are shared and never copied; changes (the control API, registration,
/// deletion) live in a small overlay on top. So copying the store for a later reset, at a million
/// visitors, copies only what changed: a write never stalls readers, and a reset drops the
/// overlay.
#[derive(Debug, Default, Clone)]
pub struct Store {
    loaded: Arc<Loaded>,
    /// `_id` → the visitor now (`None`: deleted); new visitors in the order they came.
    changed: IndexMap<Box<str>, Option<VisitorEntry>, Hasher>,
    /// `token` → the `_id` holding it now (`None`: no longer held), for changed tokens.
    changed_tokens: HashMap<Box<str>, Option<Box<str>>, Hasher>,
    accounts: HashMap<String, Account, Hasher>,
    /// The users as loaded, for the login endpoint.
    users: Vec<User>,
    /// The departments registration may name.
    departments: Vec<Department>,
    /// The custom fields registration may set.
    custom_fields: Vec<CustomField>,
    /// The highest `guest-N` number stored: a new visitor gets the next.
    last_guest: u64,
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
        let mut loaded = Loaded {
            visitors: IndexMap::with_capacity_and_hasher(capacity, Hasher::default()),
            tokens: HashMap::with_capacity_and_hasher(capacity, Hasher::default()),
        };
        let mut store = Store {
            loaded: Arc::default(),
            changed: IndexMap::default(),
            changed_tokens: HashMap::default(),
            accounts: HashMap::default(),
            users: fixtures.users.clone(),
            departments: fixtures.departments.clone(),
            custom_fields: fixtures.custom_fields.clone(),
            last_guest: generate::next_guest_number(&fixtures.visitors) - 1,
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
            loaded.tokens.insert(entry.token.clone(), id.into());
            loaded.visitors.insert(id.into(), entry);
        }
        if let Some(plan) = generated {
            #[cfg(feature = "generate")]
            add_generated(&mut loaded, plan, schemas, version);
            store.last_guest = store
                .last_guest
                .max(plan.first_guest + plan.count as u64 - 1);
        }
        store.loaded = Arc::new(loaded);

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

    /// Gives a user `view-l-room` or takes it away (a provider state); returns what it held,
    /// `None` for no such user.
    pub fn set_view_l_room(&mut self, user_id: &str, holds: bool) -> Option<bool> {
        let account = self.accounts.get_mut(user_id)?;
        Some(std::mem::replace(&mut account.view_l_room, holds))
    }

    /// The 200 response for `id`, if such a visitor exists and is not disabled.
    pub fn found_body(&self, id: &str) -> Option<&Prepared> {
        self.entry(id)
            .filter(|entry| !entry.disabled)
            .map(|entry| &entry.found)
    }

    /// The visitor with this `_id` now: the overlay first, then the loaded data.
    fn entry(&self, id: &str) -> Option<&VisitorEntry> {
        match self.changed.get(id) {
            Some(now) => now.as_ref(),
            None => self.loaded.visitors.get(id),
        }
    }

    /// The visitor holding `token`, with its `_id`.
    pub fn by_token(&self, token: &str) -> Option<(&str, &VisitorEntry)> {
        let id: &str = match self.changed_tokens.get(token) {
            Some(now) => now.as_deref()?,
            None => self.loaded.tokens.get(token)?,
        };
        self.entry(id)
            .filter(|entry| &*entry.token == token)
            .map(|entry| (id, entry))
    }

    /// Every visitor now, in order: the loaded ones (changed in place, deleted ones left out),
    /// then the new ones.
    fn entries(&self) -> impl Iterator<Item = (&str, &VisitorEntry)> {
        let loaded =
            self.loaded
                .visitors
                .iter()
                .filter_map(|(id, entry)| match self.changed.get(id) {
                    Some(now) => now.as_ref().map(|e| (&**id, e)),
                    None => Some((&**id, entry)),
                });
        let added = self.changed.iter().filter_map(|(id, now)| {
            if self.loaded.visitors.contains_key(id) {
                return None;
            }
            now.as_ref().map(|e| (&**id, e))
        });
        loaded.chain(added)
    }

    /// The users of `users.json`.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// The department with this `_id` or, failing that, this name
    /// (`LivechatDepartment.findOneByIdOrName`).
    pub fn department(&self, id_or_name: &str) -> Option<&Department> {
        self.departments
            .iter()
            .find(|d| d.id == id_or_name)
            .or_else(|| self.departments.iter().find(|d| d.name == id_or_name))
    }

    /// The custom fields defined with visitor scope.
    pub fn visitor_custom_fields(&self) -> impl Iterator<Item = &CustomField> {
        self.custom_fields.iter().filter(|f| f.scope == "visitor")
    }

    /// The stored document of the first visitor (in store order) that `matches` says yes to;
    /// `hint` is a string its 200 body must contain, a cheap filter before the document is read.
    pub fn find_document(
        &self,
        hint: &str,
        matches: impl Fn(&Map<String, Value>) -> bool,
    ) -> Option<Map<String, Value>> {
        self.entries().find_map(|(_, entry)| {
            let body = std::str::from_utf8(&entry.found.body).ok()?;
            if !body.contains(hint) {
                return None;
            }
            let doc = entry.document();
            matches(&doc).then_some(doc)
        })
    }

    /// The stored document of the visitor with this `_id`.
    pub fn document(&self, id: &str) -> Option<Map<String, Value>> {
        self.entry(id).map(VisitorEntry::document)
    }

    /// Takes the next `guest-N` number.
    pub fn next_guest(&mut self) -> u64 {
        self.last_guest += 1;
        self.last_guest
    }

    /// Every visitor `_id`, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries().map(|(id, _)| id)
    }

    /// How many visitors are indexed, disabled ones included.
    pub fn visitor_count(&self) -> usize {
        let mut count = self.loaded.visitors.len();
        for (id, now) in &self.changed {
            match (self.loaded.visitors.contains_key(id), now.is_some()) {
                (true, false) => count -= 1,
                (false, true) => count += 1,
                _ => {}
            }
        }
        count
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
        if let Some(n) = doc
            .get("username")
            .and_then(Value::as_str)
            .and_then(|u| u.strip_prefix("guest-"))
            .and_then(|n| n.parse::<u64>().ok())
        {
            self.last_guest = self.last_guest.max(n);
        }
        let entry = VisitorEntry::from_document(doc.clone(), schemas, self.version);
        if let Some((owner, _)) = self
            .by_token(&entry.token)
            .filter(|(owner, _)| *owner != id)
        {
            return Err(format!(
                "token {} already belongs to visitor {owner:?}",
                crate::base::text::redact(&entry.token)
            ));
        }
        let old_token = self.entry(id).map(|old| old.token.clone());
        let created = old_token.is_none();
        if let Some(old_token) = old_token {
            self.changed_tokens.insert(old_token, None);
        }
        self.changed_tokens
            .insert(entry.token.clone(), Some(id.into()));
        self.changed.insert(id.into(), Some(entry));
        Ok(created)
    }

    /// Removes a visitor; returns whether it existed.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(token) = self.entry(id).map(|entry| entry.token.clone()) else {
            return false;
        };
        self.changed_tokens.insert(token, None);
        if self.loaded.visitors.contains_key(id) {
            self.changed.insert(id.into(), None);
        } else {
            self.changed.shift_remove(id);
        }
        true
    }
}

#[cfg(feature = "generate")]
/// Generates the plan's visitors on every core (chunks are independent, so the result does not
/// depend on the number of threads) and adds them in order.
fn add_generated(loaded: &mut Loaded, plan: &Plan, schemas: &SchemaSet, version: Version) {
    {
        let chunks = generate::chunks(plan);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, chunks.max(1));
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
            if loaded.visitors.contains_key(&id) || loaded.tokens.contains_key(&entry.token) {
                clashes += 1;
                continue;
            }
            broken += usize::from(entry.found.verdict.is_err());
            loaded.tokens.insert(entry.token.clone(), id.clone());
            loaded.visitors.insert(id, entry);
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
}
