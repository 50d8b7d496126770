//! The JSON Schemas: loaded from `schemas/` (or the copy compiled into the binary), compiled once
//! at start-up, and used both to validate fixture files and as the gate every response passes.
//!
//! Files refer to each other by file name (`"$ref": "livechat-visitor.json#/$defs/fields"`);
//! each is registered under [`BASE_URI`] + its file name, so a schema set in another directory
//! resolves the same way without any network access.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use jsonschema::{Registry, Validator};
use serde_json::Value;

use crate::base::error::{Error, display_pointer};
use crate::base::versions::Version;

/// The base every schema file's `$id` is resolved against.
pub const BASE_URI: &str = "https://livechat-mock.invalid/schemas/";

/// The schema files compiled into the binary, used when no `--schemas` directory is given.
const BUNDLED: &[(&str, &str)] = &[
    (
        "livechat-visitor.json",
        include_str!("../../schemas/livechat-visitor.json"),
    ),
    (
        "fixtures.visitors.json",
        include_str!("../../schemas/fixtures.visitors.json"),
    ),
    (
        "fixtures.users.json",
        include_str!("../../schemas/fixtures.users.json"),
    ),
    (
        "fixtures.permissions.json",
        include_str!("../../schemas/fixtures.permissions.json"),
    ),
    (
        "fixtures.departments.json",
        include_str!("../../schemas/fixtures.departments.json"),
    ),
    (
        "fixtures.custom-fields.json",
        include_str!("../../schemas/fixtures.custom-fields.json"),
    ),
    (
        "visitors.info.query.json",
        include_str!("../../schemas/visitors.info.query.json"),
    ),
    (
        "visitors.info.200.json",
        include_str!("../../schemas/visitors.info.200.json"),
    ),
    (
        "visitors.info.400.json",
        include_str!("../../schemas/visitors.info.400.json"),
    ),
    (
        "visitors.info.401.json",
        include_str!("../../schemas/visitors.info.401.json"),
    ),
    (
        "visitors.info.403.json",
        include_str!("../../schemas/visitors.info.403.json"),
    ),
    (
        "visitors.info.429.json",
        include_str!("../../schemas/visitors.info.429.json"),
    ),
    (
        "livechat.visitor.200.json",
        include_str!("../../schemas/livechat.visitor.200.json"),
    ),
    (
        "livechat.visitor.400.json",
        include_str!("../../schemas/livechat.visitor.400.json"),
    ),
    (
        "login.200.json",
        include_str!("../../schemas/login.200.json"),
    ),
    (
        "login.400.json",
        include_str!("../../schemas/login.400.json"),
    ),
    (
        "login.401.json",
        include_str!("../../schemas/login.401.json"),
    ),
    ("me.200.json", include_str!("../../schemas/me.200.json")),
];

/// Each endpoint's schema file prefix and the statuses it answers with a JSON body, each with its
/// own schema file `<prefix>.<status>.json`.
pub const RESPONSES: [(&str, &[u16]); 4] = [
    (VISITORS_INFO, &[200, 400, 401, 403, 429]),
    (LOGIN, &[200, 400, 401]),
    (LIVECHAT_VISITOR, &[200, 400]),
    (ME, &[200]),
];
/// `GET /api/v1/livechat/visitors.info`.
pub const VISITORS_INFO: &str = "visitors.info";
/// `POST /api/v1/login`.
pub const LOGIN: &str = "login";
/// `GET /api/v1/me` (its 401 is the authentication middleware's, visitors.info's schema).
pub const ME: &str = "me";
/// `POST /api/v1/livechat/visitor` and `GET /api/v1/livechat/visitor/{token}`.
pub const LIVECHAT_VISITOR: &str = "livechat.visitor";

/// Where the schema files come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SchemaSource {
    /// The `schemas/` directory compiled into the binary.
    #[default]
    Bundled,
    /// A directory holding a schema set of the same file names.
    Dir(PathBuf),
}

/// One compiled schema and the file it came from (named in every violation).
pub struct CompiledSchema {
    file: String,
    validator: Validator,
}

impl fmt::Debug for CompiledSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledSchema")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

/// How a JSON value breaks a schema: enough to find and fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The schema file's path as given (or its bundled name).
    pub schema_file: String,
    /// JSON pointer of the offending value inside the checked document.
    pub pointer: String,
    /// JSON pointer of the violated keyword inside the schema, e.g. `/properties/visitor/unevaluatedProperties`.
    pub rule: String,
    /// The validator's words.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rule {}: at {}: {}",
            self.schema_file,
            self.rule,
            display_pointer(&self.pointer),
            self.message
        )
    }
}

impl CompiledSchema {
    /// The file this schema was loaded from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Checks `value`, reporting the first violation found.
    pub fn check(&self, value: &Value) -> Result<(), Violation> {
        if self.validator.is_valid(value) {
            return Ok(()); // the fast path: no error collection
        }
        match self.validator.iter_errors(value).next() {
            None => Ok(()),
            Some(err) => Err(Violation {
                schema_file: self.file.clone(),
                pointer: err.instance_path().to_string(),
                rule: err.schema_path().to_string(),
                message: err.to_string(),
            }),
        }
    }

    /// Whether `value` satisfies the schema.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator.is_valid(value)
    }
}

/// Every schema the mock uses, compiled.
#[derive(Debug)]
pub struct SchemaSet {
    pub(crate) visitor: CompiledSchema,
    pub(crate) visitors_file: CompiledSchema,
    pub(crate) users_file: CompiledSchema,
    pub(crate) permissions_file: CompiledSchema,
    pub(crate) departments_file: CompiledSchema,
    pub(crate) custom_fields_file: CompiledSchema,
    pub(crate) query: CompiledSchema,
    responses: BTreeMap<String, CompiledSchema>,
    /// The parsed documents by file name, for anything that must describe the contract.
    documents: BTreeMap<String, Value>,
}

impl SchemaSet {
    /// Loads and compiles the schema set.
    ///
    /// # Errors
    /// A missing or unreadable file, invalid JSON, or a document that is not a valid JSON Schema
    /// 2020-12 (or refers to one that is not in the set).
    pub fn load(source: &SchemaSource, version: Version) -> Result<Self, Error> {
        let mut documents = read_documents(source)?;
        let display = |name: &str| match source {
            SchemaSource::Bundled => format!("<bundled>/schemas/{name}"),
            SchemaSource::Dir(dir) => dir.join(name).display().to_string(),
        };
        for (name, doc) in &mut documents {
            select_version(doc, version).map_err(|reason| Error::Schema {
                file: display(name),
                reason,
            })?;
        }

        let mut registry = Registry::new();
        for (name, doc) in &documents {
            registry = registry
                .add(format!("{BASE_URI}{name}"), doc)
                .map_err(|e| Error::Schema {
                    file: display(name),
                    reason: e.to_string(),
                })?;
        }
        let registry = registry.prepare().map_err(|e| Error::Schema {
            file: display("*"),
            reason: e.to_string(),
        })?;

        let compile = |name: &str| -> Result<CompiledSchema, Error> {
            let doc = documents.get(name).ok_or_else(|| Error::Schema {
                file: display(name),
                reason: "the file is missing from the schema set".to_string(),
            })?;
            let validator = jsonschema::draft202012::options()
                .with_registry(&registry)
                .build(doc)
                .map_err(|e| Error::Schema {
                    file: display(name),
                    reason: e.to_string(),
                })?;
            Ok(CompiledSchema {
                file: display(name),
                validator,
            })
        };

        let mut responses = BTreeMap::new();
        for (prefix, statuses) in RESPONSES {
            for status in statuses {
                let file = format!("{prefix}.{status}.json");
                responses.insert(file.clone(), compile(&file)?);
            }
        }
        let visitor = compile("livechat-visitor.json")?;
        let visitors_file = compile("fixtures.visitors.json")?;
        let users_file = compile("fixtures.users.json")?;
        let permissions_file = compile("fixtures.permissions.json")?;
        let departments_file = compile("fixtures.departments.json")?;
        let custom_fields_file = compile("fixtures.custom-fields.json")?;
        let query = compile("visitors.info.query.json")?;
        drop(registry);
        Ok(SchemaSet {
            visitor,
            visitors_file,
            users_file,
            permissions_file,
            departments_file,
            custom_fields_file,
            query,
            responses,
            documents,
        })
    }

    /// The schema a visitors.info response with this status must satisfy, if it has a JSON body.
    pub fn response(&self, status: u16) -> Option<&CompiledSchema> {
        self.response_of(VISITORS_INFO, status)
    }

    /// The schema a response of the endpoint with schema prefix `prefix` must satisfy.
    pub fn response_of(&self, prefix: &str, status: u16) -> Option<&CompiledSchema> {
        self.responses.get(&format!("{prefix}.{status}.json"))
    }

    /// The schema of the parsed query string.
    pub fn query(&self) -> &CompiledSchema {
        &self.query
    }

    /// The parsed schema documents, by file name.
    pub fn documents(&self) -> &BTreeMap<String, Value> {
        &self.documents
    }
}

/// The file name of the response schema for `status`, e.g. `visitors.info.200.json`.
pub fn response_file(status: u16) -> String {
    format!("visitors.info.{status}.json")
}

/// The annotation keeping a subschema only for versions that have a behaviour of the table.
pub const SINCE: &str = "x-livechat-mock-since";
/// The annotation keeping a subschema only for versions that lack a behaviour of the table.
pub const UNTIL: &str = "x-livechat-mock-until";

/// Keeps the parts of a schema that apply to `version`: a property, or an item of `allOf` /
/// `anyOf` / `oneOf`, marked with [`SINCE`] or [`UNTIL`] and a behaviour id of the version table
/// is dropped where it does not apply; the marks themselves are removed.
fn select_version(value: &mut Value, version: Version) -> Result<(), String> {
    let applies = |schema: &Value| -> Result<bool, String> {
        let mark = |key: &str| {
            schema.get(key).map(|id| {
                let id = id.as_str().unwrap_or_default();
                version
                    .has_id(id)
                    .ok_or_else(|| format!("{key}: unknown behaviour {id:?}"))
            })
        };
        let since = mark(SINCE).transpose()?.unwrap_or(true);
        let until = mark(UNTIL).transpose()? != Some(true);
        Ok(since && until)
    };
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                let mut kept = serde_json::Map::new();
                for (name, schema) in std::mem::take(properties) {
                    if applies(&schema)? {
                        kept.insert(name, schema);
                    }
                }
                *properties = kept;
            }
            for key in ["allOf", "anyOf", "oneOf"] {
                if let Some(Value::Array(items)) = map.get_mut(key) {
                    let mut kept = Vec::new();
                    for item in std::mem::take(items) {
                        if applies(&item)? {
                            kept.push(item);
                        }
                    }
                    if kept.is_empty() {
                        map.shift_remove(key);
                    } else {
                        *items = kept;
                    }
                }
            }
            map.shift_remove(SINCE);
            map.shift_remove(UNTIL);
            for child in map.values_mut() {
                select_version(child, version)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                select_version(item, version)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reads every `*.json` file of the set, giving each an `$id` under [`BASE_URI`] if it has none.
fn read_documents(source: &SchemaSource) -> Result<BTreeMap<String, Value>, Error> {
    let mut texts: Vec<(String, String, String)> = Vec::new();
    match source {
        SchemaSource::Bundled => {
            for (name, text) in BUNDLED {
                texts.push((
                    name.to_string(),
                    format!("<bundled>/schemas/{name}"),
                    text.to_string(),
                ));
            }
        }
        SchemaSource::Dir(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
                file: dir.display().to_string(),
                source,
            })?;
            for entry in entries {
                let entry = entry.map_err(|source| Error::Read {
                    file: dir.display().to_string(),
                    source,
                })?;
                let path = entry.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !name.ends_with(".json") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
                    file: path.display().to_string(),
                    source,
                })?;
                texts.push((name.to_string(), path.display().to_string(), text));
            }
        }
    }

    let mut documents = BTreeMap::new();
    for (name, shown, text) in texts {
        let mut doc: Value = serde_json::from_str(&text).map_err(|e| Error::syntax(&shown, &e))?;
        if let Value::Object(map) = &mut doc {
            map.entry("$id")
                .or_insert_with(|| Value::String(format!("{BASE_URI}{name}")));
        }
        documents.insert(name, doc);
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The qs/ajv rules of `base::query`, held to the query schema file.
    #[test]
    fn the_hand_written_checks_agree_with_the_query_schema_file() {
        let schemas =
            SchemaSet::load(&SchemaSource::Bundled, crate::base::versions::DEFAULT).unwrap();
        for query in [
            "visitorId=x",
            "",
            "visitorid=x",
            "visitorId=x&count=1",
            "visitorId=a&visitorId=b",
            "visitorId[]=a",
            "visitorId[k]=a",
            "visitorId[0][k]=a",
            "[visitorId]=a",
            "visitorId=x&flag",
            "visitorId=%zz",
            "visitorId=x&__proto__=1",
            "a[b][c]=1&visitorId=x",
            "visitorId[501]=a",
        ] {
            let mut parsed = crate::base::query::parsed_as_json(query);
            // 8.6's coercion of a one-string array, as ajv applies it before the type check
            if let Some(id) = parsed.get_mut("visitorId") {
                if let Some([only @ serde_json::Value::String(_)]) =
                    id.as_array().map(Vec::as_slice)
                {
                    *id = only.clone();
                }
            }
            assert_eq!(
                schemas.query().is_valid(&parsed),
                crate::base::query::visitor_id(Some(query), crate::base::query::Reading::NEWEST)
                    .is_ok(),
                "{query:?} parsed as {parsed}"
            );
        }
    }
    use serde_json::json;

    fn bundled() -> SchemaSet {
        SchemaSet::load(&SchemaSource::Bundled, crate::base::versions::DEFAULT)
            .expect("the bundled schemas compile")
    }

    #[test]
    fn the_200_schema_refuses_a_token_and_names_the_rule() {
        let set = bundled();
        let body = json!({"visitor": {"_id": "6a22b1765528fa64dd29de70", "username": "guest-1",
            "ts": "2026-06-05T11:22:30.664Z", "_updatedAt": "2026-06-05T11:22:30.665Z",
            "token": "abc"}, "success": true});
        let v = set.response(200).unwrap().check(&body).unwrap_err();
        assert_eq!(v.schema_file, "<bundled>/schemas/visitors.info.200.json");
        assert_eq!(v.pointer, "/visitor");
        assert!(v.rule.ends_with("/unevaluatedProperties"), "{}", v.rule);
        assert!(v.message.contains("'token'"), "{}", v.message);
    }

    #[test]
    fn a_schema_dir_without_a_required_file_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("lcm-schema-missing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in BUNDLED {
            if *name != "visitors.info.403.json" {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        let err = SchemaSet::load(
            &SchemaSource::Dir(dir.clone()),
            crate::base::versions::DEFAULT,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: bad schema: the file is missing from the schema set",
                dir.join("visitors.info.403.json").display()
            )
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
