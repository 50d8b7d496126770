//! The query string, read the way the real server reads it: cut as its router cuts it, parsed
//! by the rules of Node's `qs` (repeated keys, `a[]`, `a[k]`, `+` as space, malformed escapes left
//! literal, keys named after `Object.prototype` properties dropped), then checked by the rules of
//! its ajv schema (`visitors.info.query.json`): `required`, then `additionalProperties`, then the
//! type, stopping at the first error.
//!
//! The parse follows qs 6.14.1's `lib/parse.js` and `lib/utils.js` (the version Rocket.Chat's
//! lock resolves `http-router`'s `"qs": "^6.14.0"` to; see docs/FIDELITY.md), line by line where
//! the outcome depends on it. qs 6.14.1's "overflow objects" (an array grown past `arrayLimit`
//! becomes an object) are not modelled: such a `visitorId` is "must be string" either way.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::base::versions::{Behaviour, Version};

/// `qs`'s default `parameterLimit`: with `throwOnLimitExceeded` a query of more parts is
/// refused whole; without it the parts past it are dropped (`split('&', limit)`).
const PARAMETER_LIMIT: usize = 1000;
/// `qs`'s default `depth`: bracket segments past it are kept as one literal segment.
const DEPTH: usize = 5;
/// `qs`'s default `arrayLimit`, which the router used before PR #38222.
const DEFAULT_ARRAY_LIMIT: u64 = 20;
/// The router's `arrayLimit` since PR #38222 (`parseQueryParams.ts`: `arrayLimit: 500`).
const ROUTER_ARRAY_LIMIT: u64 = 500;

/// The own properties of `Object.prototype`: `qs` (without `allowPrototypes`) drops a key whose
/// parent or any bracket segment is one of them (`has.call(Object.prototype, parent)`).
const PROTOTYPE_KEYS: [&str; 12] = [
    "constructor",
    "__defineGetter__",
    "__defineSetter__",
    "hasOwnProperty",
    "__lookupGetter__",
    "__lookupSetter__",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toString",
    "valueOf",
    "__proto__",
    "toLocaleString",
];

fn is_prototype_key(key: &str) -> bool {
    PROTOTYPE_KEYS.contains(&key)
}

/// Why the query parameters were refused: one per ajv message the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamError {
    /// No `visitorId` key (a key of other letter case does not count).
    MissingVisitorId,
    /// Some key besides `visitorId`.
    AdditionalProperty,
    /// `visitorId` is an object, or an array that is not exactly one string.
    NotString,
    /// `qs` threw (more than 1000 parts, or a key repeated past 500 values): the router's own
    /// `{"success":false,"error":"Invalid query parameters"}`, before any ajv check.
    Unparsable,
}

impl ParamError {
    /// Every variant, in the order the validator checks them.
    pub const ALL: [ParamError; 3] = [
        ParamError::MissingVisitorId,
        ParamError::AdditionalProperty,
        ParamError::NotString,
    ];

    /// The error string of the 400 body: ajv's message and the error type.
    pub fn message(self) -> &'static str {
        match self {
            ParamError::MissingVisitorId => {
                "must have required property 'visitorId' [invalid-params]"
            }
            ParamError::AdditionalProperty => {
                "must NOT have additional properties [invalid-params]"
            }
            ParamError::NotString => "must be string [invalid-params]",
            ParamError::Unparsable => "Invalid query parameters",
        }
    }
}

/// How the validator treats an array given for a string parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayCoercion {
    /// 8.6.0 and later: an array of exactly one string is taken as that string.
    SingleString,
    /// Before 8.6.0: any array is "must be string".
    None,
}

/// How the router calls `qs.parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterParse {
    /// `qs.parse(query)`: `arrayLimit` 20, nothing thrown, parts past 1,000 dropped.
    Defaults,
    /// `qs.parse(query, { arrayLimit: 500, throwOnLimitExceeded: true })` (PR #38222): past the
    /// limits, the router's `Invalid query parameters`.
    Limited,
}

impl RouterParse {
    fn array_limit(self) -> u64 {
        match self {
            RouterParse::Defaults => DEFAULT_ARRAY_LIMIT,
            RouterParse::Limited => ROUTER_ARRAY_LIMIT,
        }
    }

    fn throws(self) -> bool {
        self == RouterParse::Limited
    }
}

/// How one release reads the query: what its router hands to `qs`, the parse, then the
/// validator's coercion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The Hono router (7.8.0 on) reads only up to a second `?`; Express's `req.query` before
    /// it took the whole rest of the target.
    pub ends_at_second_question_mark: bool,
    pub router: RouterParse,
    pub coercion: ArrayCoercion,
}

impl Reading {
    /// The newest release's reading.
    pub const NEWEST: Reading = Reading {
        ends_at_second_question_mark: true,
        router: RouterParse::Limited,
        coercion: ArrayCoercion::SingleString,
    };

    /// How `version` reads a query (the release table's rows).
    pub fn of(version: Version) -> Reading {
        Reading {
            ends_at_second_question_mark: version.has(Behaviour::HonoRouter),
            router: if version.has(Behaviour::RouterQueryLimits) {
                RouterParse::Limited
            } else {
                RouterParse::Defaults
            },
            coercion: if version.has(Behaviour::SingleStringArrays) {
                ArrayCoercion::SingleString
            } else {
                ArrayCoercion::None
            },
        }
    }
}

/// The query string the router hands to `qs`: `request.raw.url.split('?')?.[1] || ''`
/// (`packages/http-router/src/Router.ts`), so only the part up to a second `?`; before the Hono
/// router, all of it.
fn router_query(query: Option<&str>, reading: Reading) -> &str {
    let query = query.unwrap_or_default();
    if reading.ends_at_second_question_mark {
        query.split('?').next().unwrap_or_default()
    } else {
        query
    }
}

/// Reads `visitorId` out of a raw query string (the part after `?`, undecoded).
///
/// # Errors
/// The first rule of the query schema that the parsed parameters break.
pub fn visitor_id(query: Option<&str>, reading: Reading) -> Result<Cow<'_, str>, ParamError> {
    // The common case, `visitorId=<plain value>`, needs none of qs's machinery: nothing to
    // decode, split or nest. (Any `&`, `%`, `+`, `?` or bracket takes the full parse.)
    if let Some(value) = query.and_then(|q| q.strip_prefix("visitorId="))
        && !value
            .bytes()
            .any(|b| matches!(b, b'&' | b'%' | b'+' | b'[' | b']' | b'?'))
    {
        return Ok(Cow::Borrowed(value));
    }
    let coercion = reading.coercion;
    let params = parse(router_query(query, reading), reading.router)
        .map_err(|TooLarge| ParamError::Unparsable)?;
    let Some(value) = params.get("visitorId") else {
        return Err(ParamError::MissingVisitorId);
    };
    if params.keys().any(|key| key != "visitorId") {
        return Err(ParamError::AdditionalProperty);
    }
    match value {
        QsValue::Str(s) => Ok(Cow::Owned(s.clone())),
        QsValue::Array(items) if coercion == ArrayCoercion::SingleString && items.len() == 1 => {
            match items.values().next() {
                Some(QsValue::Str(s)) => Ok(Cow::Owned(s.clone())),
                _ => Err(ParamError::NotString),
            }
        }
        _ => Err(ParamError::NotString),
    }
}

/// Plain `key=value` pairs, decoded the same way (for the control API's filters).
pub(crate) fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(part), String::new()),
        })
        .collect()
}

/// A value as `qs` builds it. Arrays keep their indices, as JavaScript's sparse arrays do,
/// until the final compaction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QsValue {
    Str(String),
    /// What `qs` stores when a plain value is merged into an object: `{value: true}`.
    True,
    Array(BTreeMap<usize, QsValue>),
    Object(Object),
}

/// An object with JavaScript's insertion order (order does not matter to the checks, but it
/// keeps the parse readable when debugging).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object(Vec<(String, QsValue)>);

impl Object {
    pub(crate) fn get(&self, key: &str) -> Option<&QsValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut QsValue> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    fn insert(&mut self, key: String, value: QsValue) {
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.0.push((key, value)),
        }
    }
}

/// Why `qs` threw: a limit of `throwOnLimitExceeded` was passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// `qs.parse(query, options)` as the router calls it (qs 6.14.1, `lib/parse.js`).
pub(crate) fn parse(query: &str, router: RouterParse) -> Result<Object, TooLarge> {
    let array_limit = router.array_limit();
    // `cleanStr.replace(/%5B/gi, '[').replace(/%5D/gi, ']')`, before the split at `]=`.
    let clean = brackets_decoded(query);
    // `cleanStr.split(delimiter, throwOnLimitExceeded ? limit + 1 : limit)`
    let mut parts: Vec<&str> = clean.split('&').take(PARAMETER_LIMIT + 1).collect();
    if parts.len() > PARAMETER_LIMIT {
        if router.throws() {
            return Err(TooLarge); // "Parameter limit exceeded. Only 1000 parameters allowed."
        }
        parts.truncate(PARAMETER_LIMIT);
    }
    // Pass 1 (qs `parseValues`, into `{ __proto__: null }`: a key named `__proto__` or
    // `toString` is an ordinary key here): split, decode, combine repeated keys.
    let mut flat: Vec<(String, QsValue)> = Vec::new();
    for part in parts {
        let pos = match part.find("]=") {
            Some(bracket) => Some(bracket + 1),
            None => part.find('='),
        };
        let (key, value) = match pos {
            None => (decode(part), String::new()),
            Some(p) => (decode(&part[..p]), decode(&part[p + 1..])),
        };
        let existing = flat.iter_mut().find(|(k, _)| *k == key);
        // `parseArrayValue(val, options, isArray(obj[key]) ? obj[key].length : 0)`: only a part
        // with `=` is counted.
        if let Some((_, QsValue::Array(items))) = &existing
            && pos.is_some()
            && router.throws()
            && items.len() as u64 >= array_limit
        {
            return Err(TooLarge); // "Array limit exceeded. Only 500 elements allowed in an array."
        }
        match existing {
            Some((_, existing)) => {
                let previous = std::mem::replace(existing, QsValue::True);
                *existing = combine(previous, QsValue::Str(value));
            }
            None => flat.push((key, QsValue::Str(value))),
        }
    }

    // Pass 2 (qs `parseKeys` + `merge`): expand bracket keys into nested values.
    let mut result = QsValue::Object(Object::default());
    for (key, value) in flat {
        if let Some(nested) = parse_keys(&key, value, array_limit) {
            result = merge(result, nested);
        }
    }
    Ok(match compact(result) {
        QsValue::Object(object) => object,
        // `merge` never turns the top-level object into anything else.
        _ => Object::default(),
    })
}

/// `%5B` and `%5D`, in either case, as the brackets they encode.
fn brackets_decoded(query: &str) -> Cow<'_, str> {
    if !query.contains('%') {
        return Cow::Borrowed(query);
    }
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3);
        match escape.map(str::to_ascii_uppercase).as_deref() {
            Some("%5B") => out.push('['),
            Some("%5D") => out.push(']'),
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A path segment, percent-decoded (`+` stays a plus); malformed escapes stay literal.
pub(crate) fn decode_path(segment: &str) -> String {
    decode(&segment.replace('+', "%2B"))
}

/// `decodeURIComponent` after `+` → space; a malformed escape leaves the whole string as it was.
fn decode(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    if !spaced.contains('%') {
        return spaced;
    }
    let bytes = spaced.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) if hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) => {
                    out.push(byte);
                    i += 3;
                }
                _ => return spaced,
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or(spaced)
}

/// `[].concat(a, b)`.
fn combine(a: QsValue, b: QsValue) -> QsValue {
    let mut items = BTreeMap::new();
    for part in [a, b] {
        match part {
            QsValue::Array(inner) => {
                for (_, v) in inner {
                    items.insert(items.len(), v);
                }
            }
            other => {
                items.insert(items.len(), other);
            }
        }
    }
    QsValue::Array(items)
}

/// The first `[...]` segment at or after `from` with no bracket inside: `/\[[^[\]]*]/`.
fn find_segment(key: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = key.as_bytes();
    let mut open = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match b {
            b'[' => open = Some(i),
            b']' => {
                if let Some(start) = open {
                    return Some((start, i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// qs `parseKeys` (`splitKeyIntoSegments`): `a[b][c]` → the chain `a`, `[b]`, `[c]`, then
/// built into nested values. A parent or a segment named after an `Object.prototype` property
/// drops the whole key (`if (!options.allowPrototypes) { return; }`).
fn parse_keys(key: &str, value: QsValue, array_limit: u64) -> Option<QsValue> {
    if key.is_empty() {
        return None;
    }
    let first = find_segment(key, 0);
    let parent = match first {
        Some((start, _)) => &key[..start],
        None => key,
    };
    let mut chain: Vec<String> = Vec::new();
    if !parent.is_empty() {
        if is_prototype_key(parent) {
            return None;
        }
        chain.push(parent.to_string());
    }
    let mut from = 0;
    let mut depth = 0;
    while let Some((start, end)) = find_segment(key, from) {
        if depth == DEPTH {
            chain.push(format!("[{}]", &key[start..]));
            break;
        }
        depth += 1;
        if is_prototype_key(&key[start + 1..end - 1]) {
            return None;
        }
        chain.push(key[start..end].to_string());
        from = end;
    }
    Some(parse_object(&chain, value, array_limit))
}

/// qs `parseObject`: builds the value from the leaf outwards.
fn parse_object(chain: &[String], value: QsValue, array_limit: u64) -> QsValue {
    let mut leaf = value;
    for root in chain.iter().rev() {
        leaf = if root == "[]" {
            combine(QsValue::Array(BTreeMap::new()), leaf)
        } else {
            let clean = root
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(root);
            match array_index(root, clean, array_limit) {
                Some(index) => QsValue::Array(BTreeMap::from([(index, leaf)])),
                None if clean == "__proto__" => QsValue::Object(Object::default()),
                None => QsValue::Object(Object(vec![(clean.to_string(), leaf)])),
            }
        };
    }
    leaf
}

/// `[3]` is an array index when it is canonical decimal within the array limit
/// (`index <= options.arrayLimit`); `3` alone is not.
fn array_index(root: &str, clean: &str, array_limit: u64) -> Option<usize> {
    if root == clean || clean.is_empty() || !clean.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if clean.len() > 1 && clean.starts_with('0') {
        return None;
    }
    let index: u64 = clean.parse().ok()?;
    if index > array_limit {
        return None;
    }
    usize::try_from(index).ok()
}

fn is_object_like(value: &QsValue) -> bool {
    matches!(value, QsValue::Array(_) | QsValue::Object(_))
}

/// Pushes onto a JavaScript array: at `length`, one past the highest index.
fn push(items: &mut BTreeMap<usize, QsValue>, value: QsValue) {
    let next = items.keys().next_back().map_or(0, |last| last + 1);
    items.insert(next, value);
}

/// qs `utils.merge`.
fn merge(target: QsValue, source: QsValue) -> QsValue {
    if source == QsValue::Str(String::new()) {
        return target; // `if (!source) return target;`: the empty string is falsy
    }
    if !is_object_like(&source) {
        return match target {
            QsValue::Array(mut items) => {
                push(&mut items, source);
                QsValue::Array(items)
            }
            QsValue::Object(mut object) => {
                let key = match source {
                    QsValue::Str(s) => s,
                    _ => "true".to_string(),
                };
                // `|| !has.call(Object.prototype, source)`
                if !is_prototype_key(&key) {
                    object.insert(key, QsValue::True);
                }
                QsValue::Object(object)
            }
            primitive => combine(primitive, source),
        };
    }
    if !is_object_like(&target) {
        return combine(target, source);
    }
    match (target, source) {
        (QsValue::Array(mut items), QsValue::Array(incoming)) => {
            for (i, item) in incoming {
                match items.remove(&i) {
                    Some(existing) if is_object_like(&existing) && is_object_like(&item) => {
                        items.insert(i, merge(existing, item));
                    }
                    Some(existing) => {
                        items.insert(i, existing);
                        push(&mut items, item);
                    }
                    None => {
                        items.insert(i, item);
                    }
                }
            }
            QsValue::Array(items)
        }
        (target, source) => {
            let mut object = match target {
                QsValue::Array(items) => {
                    Object(items.into_iter().map(|(i, v)| (i.to_string(), v)).collect())
                }
                QsValue::Object(object) => object,
                _ => Object::default(),
            };
            let entries: Vec<(String, QsValue)> = match source {
                QsValue::Array(items) => {
                    items.into_iter().map(|(i, v)| (i.to_string(), v)).collect()
                }
                QsValue::Object(Object(entries)) => entries,
                _ => Vec::new(),
            };
            for (key, value) in entries {
                let merged = match object.get(&key) {
                    Some(existing) => merge(existing.clone(), value),
                    None => value,
                };
                object.insert(key, merged);
            }
            QsValue::Object(object)
        }
    }
}

/// qs `utils.compact`: sparse arrays lose their holes.
fn compact(value: QsValue) -> QsValue {
    match value {
        QsValue::Array(items) => {
            QsValue::Array(items.into_values().map(compact).enumerate().collect())
        }
        QsValue::Object(Object(entries)) => QsValue::Object(Object(
            entries.into_iter().map(|(k, v)| (k, compact(v))).collect(),
        )),
        other => other,
    }
}

/// The parsed query as JSON, for the test that holds these rules to the query schema file
/// (`data::schema`'s tests).
#[cfg(test)]
pub(crate) fn parsed_as_json(query: &str) -> serde_json::Value {
    fn to_json(value: &QsValue) -> serde_json::Value {
        match value {
            QsValue::Str(s) => serde_json::Value::String(s.clone()),
            QsValue::True => serde_json::Value::Bool(true),
            QsValue::Array(items) => items.values().map(to_json).collect(),
            QsValue::Object(Object(entries)) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), to_json(v)))
                    .collect(),
            ),
        }
    }
    to_json(&QsValue::Object(
        parse(query, RouterParse::Limited).unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str) -> Result<String, ParamError> {
        visitor_id(Some(query), Reading::NEWEST).map(Cow::into_owned)
    }

    /// As a release before PR #38222 reads it: qs's defaults.
    fn check_with_defaults(query: &str) -> Result<String, ParamError> {
        let reading = Reading {
            router: RouterParse::Defaults,
            ..Reading::NEWEST
        };
        visitor_id(Some(query), reading).map(Cow::into_owned)
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_parse() {
        for query in [
            "visitorId=abc",
            "visitorId=",
            "visitorId=a=b",
            "visitorId=6a22b1765528fa64dd29de70",
        ] {
            let fast = check(query);
            let params = parse(query, RouterParse::Limited).unwrap();
            let full = match params.get("visitorId") {
                Some(QsValue::Str(s)) => Ok(s.clone()),
                _ => Err(ParamError::NotString),
            };
            assert_eq!(fast, full, "{query}");
        }
    }

    #[test]
    fn a_plain_visitor_id_is_read_as_is() {
        assert_eq!(
            check("visitorId=6a22b1765528fa64dd29de70"),
            Ok("6a22b1765528fa64dd29de70".into())
        );
    }

    #[test]
    fn plus_and_percent_twenty_decode_to_a_space() {
        assert_eq!(check("visitorId=a+b%20c"), Ok("a b c".into()));
    }

    #[test]
    fn a_malformed_escape_leaves_the_whole_value_literal_but_still_turns_plus_to_space() {
        assert_eq!(check("visitorId=%zz+x%41"), Ok("%zz x%41".into()));
        assert_eq!(check("visitorId=abc%"), Ok("abc%".into()));
        assert_eq!(check("visitorId=%FF"), Ok("%FF".into()), "not UTF-8");
        assert_eq!(check("visitorId=%C3%A9"), Ok("é".into()));
    }

    #[test]
    fn keys_are_decoded_before_they_are_matched() {
        assert_eq!(check("visitor%49d=x"), Ok("x".into()));
        assert_eq!(check("visitorId%5B%5D=x"), Ok("x".into()));
    }

    #[test]
    fn no_query_or_other_case_is_missing_the_required_property() {
        assert_eq!(
            visitor_id(None, Reading::NEWEST),
            Err(ParamError::MissingVisitorId)
        );
        assert_eq!(check(""), Err(ParamError::MissingVisitorId));
        assert_eq!(check("visitorid=x"), Err(ParamError::MissingVisitorId));
        assert_eq!(
            check("VisitorId=x&count=1"),
            Err(ParamError::MissingVisitorId),
            "required comes first"
        );
    }

    #[test]
    fn any_other_key_is_an_additional_property_even_when_the_type_is_also_wrong() {
        assert_eq!(
            check("visitorId=x&count=10"),
            Err(ParamError::AdditionalProperty)
        );
        assert_eq!(
            check("visitorId=x&_=1700000000"),
            Err(ParamError::AdditionalProperty)
        );
        assert_eq!(
            check("visitorId=a&visitorId=b&access_token=t"),
            Err(ParamError::AdditionalProperty)
        );
        assert_eq!(
            check("visitorId=x&flag"),
            Err(ParamError::AdditionalProperty),
            "a key without ="
        );
        assert_eq!(
            check("visitorId=x&[]=y"),
            Err(ParamError::AdditionalProperty),
            "becomes key 0"
        );
    }

    #[test]
    fn empty_parts_and_empty_keys_are_ignored() {
        assert_eq!(check("&visitorId=x&&=y&"), Ok("x".into()));
        assert_eq!(check("visitorId="), Ok(String::new()));
        assert_eq!(check("visitorId"), Ok(String::new()));
    }

    #[test]
    fn a_repeated_key_becomes_an_array_and_is_not_a_string() {
        assert_eq!(check("visitorId=a&visitorId=b"), Err(ParamError::NotString));
        assert_eq!(check("visitorId=a&visitorId="), Err(ParamError::NotString));
        assert_eq!(
            check("visitorId[]=a&visitorId[]=b"),
            Err(ParamError::NotString)
        );
        assert_eq!(
            check("visitorId=a&visitorId[]=b"),
            Err(ParamError::NotString)
        );
    }

    #[test]
    fn an_array_of_exactly_one_string_is_coerced_since_8_6() {
        assert_eq!(check("visitorId[]=a"), Ok("a".into()));
        assert_eq!(check("visitorId[0]=a"), Ok("a".into()));
        assert_eq!(
            check("visitorId[7]=a"),
            Ok("a".into()),
            "holes are compacted away"
        );
        let before_8_6 = Reading {
            coercion: ArrayCoercion::None,
            ..Reading::NEWEST
        };
        assert_eq!(
            visitor_id(Some("visitorId[]=a"), before_8_6),
            Err(ParamError::NotString)
        );
    }

    #[test]
    fn bracket_keys_make_objects() {
        assert_eq!(check("visitorId[k]=a"), Err(ParamError::NotString));
        assert_eq!(
            check("visitorId[501]=a"),
            Err(ParamError::NotString),
            "past the router's arrayLimit of 500"
        );
        assert_eq!(
            check("visitorId[500]=a"),
            Ok("a".into()),
            "within arrayLimit: an array of one string"
        );
        assert_eq!(
            check("visitorId[0][k]=a"),
            Err(ParamError::NotString),
            "one object in an array"
        );
        assert_eq!(
            check("visitorId[k]=a&visitorId=b"),
            Err(ParamError::NotString)
        );
        assert_eq!(
            check("[visitorId]=a"),
            Ok("a".into()),
            "an empty parent takes the first segment"
        );
    }

    #[test]
    fn unbalanced_brackets_stay_part_of_the_key() {
        assert_eq!(check("visitorId[=a"), Err(ParamError::MissingVisitorId));
        assert_eq!(check("visitorId]=a"), Err(ParamError::MissingVisitorId));
    }

    #[test]
    fn proto_keys_are_dropped() {
        assert_eq!(check("visitorId=x&__proto__=y"), Ok("x".into()));
        assert_eq!(check("visitorId=x&__proto__[a]=y"), Ok("x".into()));
    }

    // qs parse.js `parseKeys`: `has.call(Object.prototype, parent)` and the same for each
    // segment, without `allowPrototypes`: the key is dropped.
    #[test]
    fn keys_named_after_object_prototype_properties_are_dropped() {
        assert_eq!(check("visitorId=x&toString=1"), Ok("x".into()));
        assert_eq!(check("visitorId=x&constructor[a]=1"), Ok("x".into()));
        assert_eq!(check("visitorId=x&hasOwnProperty"), Ok("x".into()));
        assert_eq!(
            check("visitorId[valueOf]=x"),
            Err(ParamError::MissingVisitorId),
            "a segment drops the whole key"
        );
        assert_eq!(
            check("visitorId=x&a[b][toString]=1"),
            Ok("x".into()),
            "at any depth"
        );
        assert_eq!(
            check("visitorId=x&tostring=1"),
            Err(ParamError::AdditionalProperty),
            "case matters"
        );
    }

    // qs parse.js `parseValues` parses into `{ __proto__: null }`: `__proto__` is an ordinary
    // key there, so repeating it counts toward `arrayLimit` before `parseKeys` drops it.
    #[test]
    fn a_repeated_proto_key_counts_toward_the_array_limit() {
        let mut query = "__proto__=1&".repeat(501);
        query.push_str("visitorId=x");
        assert_eq!(check(&query), Err(ParamError::Unparsable));
        let mut query = "__proto__=1&".repeat(500);
        query.push_str("visitorId=x");
        assert_eq!(check(&query), Ok("x".into()));
    }

    // Router.ts: `request.raw.url.split('?')?.[1]`: the query ends at a second `?`.
    #[test]
    fn the_router_reads_the_query_only_up_to_a_second_question_mark() {
        assert_eq!(
            check("visitorId=6a22b1765528fa64dd29de70?x=1"),
            Ok("6a22b1765528fa64dd29de70".into())
        );
        assert_eq!(
            check("visitorId=a&count=1?"),
            Err(ParamError::AdditionalProperty)
        );
        assert_eq!(check("?visitorId=a"), Err(ParamError::MissingVisitorId));
    }

    // qs parse.js: `cleanStr.replace(/%5B/gi, '[').replace(/%5D/gi, ']')` before the split at
    // `]=`.
    #[test]
    fn encoded_brackets_are_brackets_before_the_part_is_split() {
        assert_eq!(check("visitorId=%5D="), Err(ParamError::MissingVisitorId));
        assert_eq!(check("visitorId%5b%5d=x"), Ok("x".into()));
        assert_eq!(check("visitorId=a%5Bb"), Ok("a[b".into()));
    }

    // Before PR #38222 the router called `qs.parse(query)`: arrayLimit 20, nothing thrown, the
    // parts past 1,000 dropped silently.
    #[test]
    fn before_the_router_limits_qs_defaults_apply() {
        assert_eq!(check_with_defaults("visitorId[20]=x"), Ok("x".into()));
        assert_eq!(
            check_with_defaults("visitorId[21]=x"),
            Err(ParamError::NotString),
            "past arrayLimit 20: an object key"
        );
        assert_eq!(check("visitorId[21]=x"), Ok("x".into()));
        let query = "visitorId=x&".repeat(600);
        assert_eq!(check_with_defaults(&query), Err(ParamError::NotString));
        let mut query = String::from("visitorId=x&");
        query.push_str(&"a=1&".repeat(1200));
        assert_eq!(
            check_with_defaults(&query),
            Err(ParamError::AdditionalProperty),
            "no throw"
        );
        let mut query = "&".repeat(1000);
        query.push_str("count=1&visitorId=x");
        assert_eq!(
            check_with_defaults(&query),
            Err(ParamError::MissingVisitorId),
            "parts past 1,000 are dropped"
        );
    }

    // parseQueryParams.ts: qs.parse(url, { arrayLimit: 500, throwOnLimitExceeded: true })
    #[test]
    fn more_than_a_thousand_parts_are_refused_whole() {
        let mut query: String = (1..PARAMETER_LIMIT).map(|i| format!("a{i}=1&")).collect();
        query.push_str("visitorId=x");
        assert_eq!(
            check(&query),
            Err(ParamError::AdditionalProperty),
            "1000 parts parse"
        );
        query.push('&');
        assert_eq!(
            check(&query),
            Err(ParamError::Unparsable),
            "1001 parts (one empty) throw"
        );
    }

    #[test]
    fn a_key_repeated_past_the_array_limit_is_refused() {
        let query = "visitorId=x&".repeat(500);
        assert_eq!(
            check(&query),
            Err(ParamError::NotString),
            "500 values parse"
        );
        let query = "visitorId=x&".repeat(501);
        assert_eq!(check(&query), Err(ParamError::Unparsable));
        let flags = "visitorId&".repeat(600);
        assert_eq!(
            check(&flags),
            Err(ParamError::NotString),
            "parts without '=' are not counted"
        );
    }

    #[test]
    fn deep_keys_keep_the_remainder_as_one_segment() {
        let parsed = parse("a[b][c][d][e][f][g][h]=1", RouterParse::Limited).unwrap();
        assert_eq!(parsed.keys().collect::<Vec<_>>(), vec!["a"]);
    }

    #[test]
    fn the_messages_are_ajvs_with_the_error_type() {
        assert_eq!(
            ParamError::ALL.map(ParamError::message),
            [
                "must have required property 'visitorId' [invalid-params]",
                "must NOT have additional properties [invalid-params]",
                "must be string [invalid-params]",
            ]
        );
    }
}
