//! The fixture files: read, checked against their schemas and for unique ids, and returned whole
//! or not at all, so the server never serves half-loaded data.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::base::error::Error;
use crate::data::schema::{CompiledSchema, SchemaSet};

/// One fixture file: its name, whether a directory must hold it, and the copy compiled into
/// the binary (so the mock runs from anywhere with no files); the bundled set has no
/// `permissions.json` (Rocket.Chat's defaults apply).
pub struct FixtureFile {
    pub name: &'static str,
    pub required: bool,
    pub bundled: Option<&'static str>,
}

/// Every file a fixture directory holds: loading, `fixtures export`, `--watch` and the errors
/// that name them read this list.
pub const FILES: [FixtureFile; 5] = [
    FixtureFile {
        name: "visitors.json",
        required: true,
        bundled: Some(include_str!("../../fixtures/visitors.json")),
    },
    FixtureFile {
        name: "users.json",
        required: true,
        bundled: Some(include_str!("../../fixtures/users.json")),
    },
    FixtureFile {
        name: "permissions.json",
        required: false,
        bundled: None,
    },
    FixtureFile {
        name: "departments.json",
        required: false,
        bundled: Some(include_str!("../../fixtures/departments.json")),
    },
    FixtureFile {
        name: "custom-fields.json",
        required: false,
        bundled: Some(include_str!("../../fixtures/custom-fields.json")),
    },
];

/// The bundled copy of `name`.
fn bundled(name: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.bundled)
}

/// `visitors.json and users.json; optional: permissions.json, ...`, for error messages.
fn files_named() -> String {
    let names = |required: bool| {
        FILES
            .iter()
            .filter(|f| f.required == required)
            .map(|f| f.name)
            .collect::<Vec<_>>()
    };
    format!(
        "{}; optional: {}",
        names(true).join(" and "),
        names(false).join(", ")
    )
}

/// Rocket.Chat's default holders of the permissions the mock checks (its `permissions` seed).
const DEFAULT_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "view-l-room",
        &[
            "admin",
            "livechat-manager",
            "livechat-monitor",
            "livechat-agent",
        ],
    ),
    ("api-bypass-rate-limit", &["admin", "bot", "app"]),
];

/// Where the fixture files come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FixtureSource {
    /// The `fixtures/` directory compiled into the binary.
    #[default]
    Bundled,
    /// A directory holding `visitors.json`, `users.json` and optionally `permissions.json`.
    Dir(PathBuf),
    /// The same three documents given as values (the library's builder); checked the same way,
    /// and named `<inline>/visitors.json` and so on in errors.
    Inline {
        visitors: serde_json::Value,
        users: serde_json::Value,
        permissions: Option<serde_json::Value>,
    },
}

/// A user who can log in with `X-User-Id` + `X-Auth-Token`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    #[serde(rename = "_id")]
    pub id: String,
    pub username: String,
    #[serde(rename = "authToken")]
    pub auth_token: String,
    pub roles: Vec<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub emails: Vec<UserEmail>,
    /// A deactivated user's login tokens are gone: it cannot log in.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// One of a user's e-mail addresses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserEmail {
    pub address: String,
    #[serde(default)]
    pub verified: bool,
}

/// Writes the bundled fixture files into `dir` (created if missing); refuses to overwrite.
///
/// # Errors
/// A file that exists already, or one that cannot be written.
pub fn export_bundled(dir: &std::path::Path) -> Result<Vec<PathBuf>, Error> {
    // Exclusive creates that follow no link: a dangling link in DIR is refused, not followed.
    let files: Vec<(&str, &[u8])> = FILES
        .iter()
        .filter_map(|f| f.bundled.map(|text| (f.name, text.as_bytes())))
        .collect();
    crate::base::files::write_all_or_nothing(dir, &files, false, |_| Ok(())).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Config(format!(
                "{} (export into an empty directory)",
                err.to_string().replace(" (--force replaces it)", "")
            ))
        } else {
            Error::Write { source: err }
        }
    })
}

/// A livechat department (`departments.json`): registration takes one by `_id` or `name`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Department {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
}

/// A livechat custom field (`custom-fields.json`): registration saves only the visitor-scope
/// ones, and refuses a registration missing a required one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomField {
    #[serde(rename = "_id")]
    pub id: String,
    pub scope: String,
    #[serde(default)]
    pub required: bool,
}

/// Which roles hold which permission: the defaults, overridden per permission by `permissions.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions(BTreeMap<String, Vec<String>>);

impl Default for Permissions {
    fn default() -> Self {
        Permissions(
            DEFAULT_PERMISSIONS
                .iter()
                .map(|(p, roles)| (p.to_string(), roles.iter().map(|r| r.to_string()).collect()))
                .collect(),
        )
    }
}

impl Permissions {
    /// Whether any of `roles` holds `permission`.
    pub fn granted(&self, permission: &str, roles: &[String]) -> bool {
        self.0
            .get(permission)
            .is_some_and(|holders| roles.iter().any(|r| holders.contains(r)))
    }
}

/// Everything loaded from the fixture files, valid as a whole.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// Stored visitor documents, keys in stored order, token included.
    pub visitors: Vec<Map<String, Value>>,
    pub users: Vec<User>,
    pub permissions: Permissions,
    /// `departments.json`, or (without one) a department per id the visitors name.
    pub departments: Vec<Department>,
    /// `custom-fields.json`, or (without one) a visitor-scope field per `livechatData` key the
    /// visitors hold.
    pub custom_fields: Vec<CustomField>,
}

impl Fixtures {
    /// Loads and checks the fixture files.
    ///
    /// # Errors
    /// The first problem found, naming the file, the place (line:column, or JSON pointer and the
    /// item's `_id`) and the reason.
    pub fn load(source: &FixtureSource, schemas: &SchemaSet) -> Result<Fixtures, Error> {
        let (visitors_file, visitors_text) = read(source, "visitors.json")?;
        let (users_file, users_text) = read(source, "users.json")?;
        let permissions = read_optional(source, "permissions.json")?;
        let departments = read_optional(source, "departments.json")?;
        let custom_fields = read_optional(source, "custom-fields.json")?;

        let visitors_doc = parse(&visitors_file, &visitors_text)?;
        check(&schemas.visitors_file, &visitors_file, &visitors_doc)?;
        unique(&visitors_file, &visitors_doc, "_id")?;
        unique(&visitors_file, &visitors_doc, "token")?;

        let users_doc = parse(&users_file, &users_text)?;
        check(&schemas.users_file, &users_file, &users_doc)?;
        for field in ["_id", "username", "authToken"] {
            unique(&users_file, &users_doc, field)?;
        }

        let mut merged = Permissions::default();
        if let Some((file, text)) = permissions {
            let doc = parse(&file, &text)?;
            check(&schemas.permissions_file, &file, &doc)?;
            let overrides: BTreeMap<String, Vec<String>> =
                serde_json::from_value(doc).map_err(|e| shape_error(&file, &e))?;
            merged.0.extend(overrides);
        }

        let visitors = match visitors_doc {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(map) => Some(map),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let users: Vec<User> =
            serde_json::from_value(users_doc).map_err(|e| shape_error(&users_file, &e))?;
        let departments = match departments {
            Some(read) => list(read, &schemas.departments_file)?,
            None => departments_named_by(&visitors),
        };
        let custom_fields = match custom_fields {
            Some(read) => list(read, &schemas.custom_fields_file)?,
            None => custom_fields_held_by(&visitors),
        };
        Ok(Fixtures {
            visitors,
            users,
            permissions: merged,
            departments,
            custom_fields,
        })
    }
}

impl Fixtures {
    /// The users a generated visitor's `lastAgent` may name: livechat agents (all users when
    /// none is one).
    pub fn agents(&self) -> Vec<crate::data::generate::Agent> {
        let agents: Vec<&User> = self
            .users
            .iter()
            .filter(|u| u.roles.iter().any(|r| r == "livechat-agent"))
            .collect();
        let pool = if agents.is_empty() {
            self.users.iter().collect()
        } else {
            agents
        };
        pool.into_iter()
            .map(|u| crate::data::generate::Agent {
                id: u.id.clone(),
                username: u.username.clone(),
            })
            .collect()
    }
}

/// Without `departments.json`: one department (named by its id) per id the visitors name, so
/// the fixtures' own departments can be registered into.
fn departments_named_by(visitors: &[Map<String, Value>]) -> Vec<Department> {
    let mut ids: Vec<&str> = visitors
        .iter()
        .filter_map(|v| v.get("department").and_then(Value::as_str))
        .collect();
    ids.extend(crate::data::generate::DEPARTMENTS);
    let mut seen = std::collections::HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(*id))
        .map(|id| Department {
            id: id.to_string(),
            name: id.to_string(),
        })
        .collect()
}

/// Without `custom-fields.json`: a visitor-scope, optional field per `livechatData` key the
/// visitors hold.
fn custom_fields_held_by(visitors: &[Map<String, Value>]) -> Vec<CustomField> {
    let mut seen = std::collections::HashSet::new();
    let mut keys: Vec<String> = visitors
        .iter()
        .filter_map(|v| v.get("livechatData").and_then(Value::as_object))
        .flat_map(|data| data.keys().cloned())
        .collect();
    keys.extend(["plan".to_string(), "orderNumber".to_string()]);
    keys.into_iter()
        .filter(|k| seen.insert(k.clone()))
        .map(|id| CustomField {
            id,
            scope: "visitor".to_string(),
            required: false,
        })
        .collect()
}

/// A list file (`departments.json`, `custom-fields.json`): parsed, checked against its schema,
/// `_id`s unique, then read into its type.
fn list<T: serde::de::DeserializeOwned>(
    (file, text): (String, String),
    schema: &CompiledSchema,
) -> Result<Vec<T>, Error> {
    let doc = parse(&file, &text)?;
    check(schema, &file, &doc)?;
    unique(&file, &doc, "_id")?;
    serde_json::from_value(doc).map_err(|e| shape_error(&file, &e))
}

/// Reads a required fixture file, returning its display name and text.
fn read(source: &FixtureSource, name: &str) -> Result<(String, String), Error> {
    match source {
        FixtureSource::Bundled => {
            let text = bundled(name).unwrap_or_default();
            Ok((format!("<bundled>/fixtures/{name}"), text.to_string()))
        }
        FixtureSource::Dir(dir) => {
            let path = dir.join(name);
            let file = path.display().to_string();
            if dir.exists() && !dir.is_dir() {
                return Err(Error::Config(format!(
                    "{}: not a directory: --fixtures takes the directory that holds {} (`livechat-mock fixtures export DIR` writes the bundled ones to start from)",
                    dir.display(),
                    FILES
                        .iter()
                        .filter(|f| f.required)
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(" and ")
                )));
            }
            if !dir.is_dir() {
                return Err(Error::Config(format!(
                    "{}: the fixture directory does not exist (it must hold {}; `livechat-mock fixtures export DIR` writes the bundled ones)",
                    dir.display(),
                    files_named()
                )));
            }
            // A FIFO or a device would block the reader (and a reload) forever: regular files
            // only, checked on the opened handle (no window for a swap between check and open).
            let bytes = match crate::base::files::read_regular(&path) {
                Ok(bytes) => bytes,
                Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => {
                    return Err(Error::Config(format!("{file}: not a regular file")));
                }
                Err(source) => {
                    return Err(Error::Read {
                        file: file.clone(),
                        source,
                    });
                }
            };
            let text = String::from_utf8(bytes).map_err(|_| Error::Read {
                file: file.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                ),
            })?;
            Ok((file, text))
        }
        FixtureSource::Inline {
            visitors,
            users,
            permissions,
        } => {
            let value = match name {
                "visitors.json" => visitors,
                "users.json" => users,
                _ => permissions.as_ref().unwrap_or(&serde_json::Value::Null),
            };
            Ok((format!("<inline>/{name}"), value.to_string()))
        }
    }
}

/// Reads a fixture file that may be absent.
fn read_optional(source: &FixtureSource, name: &str) -> Result<Option<(String, String)>, Error> {
    match source {
        FixtureSource::Bundled if bundled(name).is_none() => Ok(None),
        FixtureSource::Bundled => read(source, name).map(Some),
        FixtureSource::Inline { .. } if name != "permissions.json" => Ok(None),
        FixtureSource::Inline {
            permissions: None, ..
        } => Ok(None),
        FixtureSource::Dir(dir) if !dir.join(name).exists() => Ok(None),
        FixtureSource::Dir(_) | FixtureSource::Inline { .. } => read(source, name).map(Some),
    }
}

fn parse(file: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::syntax(file, &e))
}

/// The `_id` of the array item a JSON pointer lies in (`/3/status` → item 3's `_id`).
fn item_id(doc: &Value, pointer: &str) -> Option<String> {
    let index: usize = pointer.split('/').nth(1)?.parse().ok()?;
    doc.get(index)?.get("_id")?.as_str().map(str::to_string)
}

/// The validator's message without the object or array it quotes whole: a `users.json` that is
/// an object instead of an array would otherwise be echoed with every `authToken` and
/// `password` in it. A long string is cut.
fn without_instance(message: &str, instance: Option<&Value>) -> String {
    let Some(instance) = instance else {
        return message.to_string();
    };
    let quoted = instance.to_string();
    if quoted.len() <= 120 && !holds_secret(instance) {
        return message.to_string(); // short and harmless: quoting it helps
    }
    let shown = match instance {
        Value::Object(map) => format!("an object of {} keys (not shown)", map.len()),
        Value::Array(items) => format!("an array of {} items (not shown)", items.len()),
        Value::String(text) if text.chars().count() > 80 => {
            format!(
                "a string of {} characters (not shown)",
                text.chars().count()
            )
        }
        _ => return message.to_string(),
    };
    message.replace(&quoted, &shown)
}

/// Whether a value holds a key whose value is a secret, at any depth.
fn holds_secret(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, inner)| {
            matches!(key.as_str(), "token" | "authToken" | "password") || holds_secret(inner)
        }),
        Value::Array(items) => items.iter().any(holds_secret),
        _ => false,
    }
}

fn check(schema: &CompiledSchema, file: &str, doc: &Value) -> Result<(), Error> {
    schema.check(doc).map_err(|violation| {
        // A message about a token quotes its value: say what is wrong without it.
        let secret = violation.pointer.ends_with("/token")
            || violation.pointer.ends_with("/authToken")
            || violation.pointer.ends_with("/password");
        let reason = if secret {
            format!(
                "the value (not shown: a secret) breaks the rule {}",
                violation.rule
            )
        } else {
            without_instance(&violation.message, doc.pointer(&violation.pointer))
        };
        Error::Invalid {
            file: file.to_string(),
            id: item_id(doc, &violation.pointer),
            pointer: if violation.pointer.is_empty() {
                "/".to_string() // the whole document
            } else {
                violation.pointer
            },
            reason,
        }
    })
}

/// Refuses a second item with the same value of `field`, naming both places.
fn unique(file: &str, doc: &Value, field: &str) -> Result<(), Error> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, item) in doc.as_array().into_iter().flatten().enumerate() {
        let Some(value) = item.get(field).and_then(Value::as_str) else {
            continue;
        };
        if let Some(first) = seen.insert(value, index) {
            // Tokens are secrets: an error shows only their last four characters.
            let shown = if matches!(field, "token" | "authToken") {
                crate::base::text::redact(value)
            } else {
                format!("{value:?}")
            };
            return Err(Error::Invalid {
                file: file.to_string(),
                pointer: format!("/{index}/{field}"),
                id: item_id(doc, &format!("/{index}")),
                reason: format!("duplicate {field} {shown}, first used at /{first}/{field}"),
            });
        }
    }
    Ok(())
}

/// A document the schema admitted but serde could not read: a schema set that is looser than
/// the mock needs.
fn shape_error(file: &str, err: &serde_json::Error) -> Error {
    Error::Invalid {
        file: file.to_string(),
        pointer: String::new(),
        id: None,
        reason: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::schema::SchemaSource;

    fn schemas() -> SchemaSet {
        SchemaSet::load(&SchemaSource::Bundled, crate::base::versions::DEFAULT).unwrap()
    }

    /// A fixture directory of a test, removed when dropped.
    struct Scratch(PathBuf);

    impl std::ops::Deref for Scratch {
        type Target = std::path::Path;
        fn deref(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn dir_with(visitors: &str, users: &str, permissions: Option<&str>) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lcm-fixtures-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("visitors.json"), visitors).unwrap();
        std::fs::write(dir.join("users.json"), users).unwrap();
        if let Some(p) = permissions {
            std::fs::write(dir.join("permissions.json"), p).unwrap();
        }
        Scratch(dir)
    }

    const USERS: &str = r#"[{"_id":"u1","username":"a","authToken":"t","roles":["user"]}]"#;
    const VISITOR: &str = r#"{"_id":"6a22b1765528fa64dd29de70","username":"guest-1","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","token":"tok"}"#;

    fn load_err(visitors: &str, users: &str, permissions: Option<&str>) -> String {
        let dir = dir_with(visitors, users, permissions);
        let err = Fixtures::load(&FixtureSource::Dir(dir.to_path_buf()), &schemas()).unwrap_err();
        err.to_string().replace(&dir.display().to_string(), "DIR")
    }

    #[test]
    fn the_bundled_fixtures_load_with_the_spec_pages_visitor_and_user() {
        let f = Fixtures::load(&FixtureSource::Bundled, &schemas()).unwrap();
        assert_eq!(f.visitors[0]["_id"], "6a22b1765528fa64dd29de70");
        assert!(f.users.iter().any(|u| u.id == "rbAXPnMktTFbNpwtJ"
            && u.auth_token == "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"));
    }

    #[test]
    fn invalid_json_names_the_file_line_and_column() {
        let err = load_err("[\n  {\"_id\": \"x\",,}\n]", USERS, None);
        assert_eq!(
            err,
            "DIR/visitors.json:2:15: invalid JSON: key must be a string"
        );
    }

    #[test]
    fn a_wrong_type_names_the_pointer_and_the_visitor_id() {
        let bad = VISITOR.replace(r#""username":"guest-1""#, r#""username":7"#);
        let err = load_err(
            &format!("[{VISITOR},{bad}]").replace("\"tok\"}]", "\"tok2\"}]"),
            USERS,
            None,
        );
        assert_eq!(
            err,
            "DIR/visitors.json: /1/username (_id \"6a22b1765528fa64dd29de70\"): 7 is not of type \"string\""
        );
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let bad = VISITOR.replace(r#","token":"tok""#, "");
        let err = load_err(&format!("[{bad}]"), USERS, None);
        assert_eq!(
            err,
            "DIR/visitors.json: /0 (_id \"6a22b1765528fa64dd29de70\"): \"token\" is a required property"
        );
    }

    #[test]
    fn a_duplicate_id_names_both_places() {
        let second = VISITOR.replace("\"tok\"", "\"tok2\"");
        let err = load_err(&format!("[{VISITOR},{second}]"), USERS, None);
        assert_eq!(
            err,
            "DIR/visitors.json: /1/_id (_id \"6a22b1765528fa64dd29de70\"): duplicate _id \"6a22b1765528fa64dd29de70\", first used at /0/_id"
        );
    }

    #[test]
    fn a_role_that_is_not_a_list_of_names_is_refused() {
        let users = r#"[{"_id":"u1","username":"a","authToken":"t","roles":"admin"}]"#;
        let err = load_err(&format!("[{VISITOR}]"), users, None);
        assert_eq!(
            err,
            "DIR/users.json: /0/roles (_id \"u1\"): \"admin\" is not of type \"array\""
        );
        let users = r#"[{"_id":"u1","username":"a","authToken":"t","roles":[{"name":"admin"}]}]"#;
        let err = load_err(&format!("[{VISITOR}]"), users, None);
        assert_eq!(
            err,
            "DIR/users.json: /0/roles/0 (_id \"u1\"): {\"name\":\"admin\"} is not of type \"string\""
        );
    }

    #[test]
    fn permissions_override_the_defaults_one_permission_at_a_time() {
        let dir = dir_with(
            &format!("[{VISITOR}]"),
            USERS,
            Some(r#"{"view-l-room":["user"]}"#),
        );
        let f = Fixtures::load(&FixtureSource::Dir(dir.to_path_buf()), &schemas()).unwrap();
        assert!(f.permissions.granted("view-l-room", &["user".into()]));
        assert!(!f.permissions.granted("view-l-room", &["admin".into()]));
        assert!(
            f.permissions
                .granted("api-bypass-rate-limit", &["admin".into()])
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = dir_with("[]", USERS, None);
        std::fs::remove_file(dir.join("users.json")).unwrap();
        let err = Fixtures::load(&FixtureSource::Dir(dir.to_path_buf()), &schemas()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: cannot read the file", dir.join("users.json").display())
        );
    }
}
