//! How `livechat-mock verify` compares a real server's answer with the mock's.
//!
//! The rules (the README's "Is my server still the contract?" lists them too):
//! 1. The status must be equal.
//! 2. Each header the contract names must be equal, or absent on both: `Content-Type`,
//!    `Cache-Control`, `Pragma`, `Access-Control-Allow-Origin`, `Access-Control-Allow-Headers`,
//!    `Access-Control-Allow-Methods`, `Vary`, and the presence of `X-RateLimit-*` (their values
//!    count time and calls, so only their form is compared: digits).
//! 3. A JSON body must have the same keys in the same order, at every depth, and the same
//!    values, but for values the server generates: `_id`, `ts`, `_updatedAt`, any ISO-8601 date,
//!    `username` of the `guest-N` form, `host`, `userAgent`, `ip`, and the 429's seconds, which
//!    are compared by type and form, not by value.
//! 4. Any other body must be byte for byte equal.

use serde_json::Value;

/// One answer, as both sides give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The headers the contract names, compared by value.
pub const HEADERS: [&str; 7] = [
    "content-type",
    "cache-control",
    "pragma",
    "access-control-allow-origin",
    "access-control-allow-headers",
    "access-control-allow-methods",
    "vary",
];

/// The rate-limit headers, compared by presence and form.
pub const RATE_HEADERS: [&str; 3] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];

/// Keys whose values the server makes: compared by type and form.
const GENERATED: [&str; 7] = [
    "_id",
    "ts",
    "_updatedAt",
    "host",
    "userAgent",
    "ip",
    "username",
];

/// Every difference between what the mock answers (`expected`) and what the server answered
/// (`got`), as lines a person can read; empty when they match.
pub fn differences(expected: &Answer, got: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    if expected.status != got.status {
        out.push(format!(
            "status: expected {}, got {}",
            expected.status, got.status
        ));
    }
    for name in HEADERS {
        let (e, g) = (expected.header(name), got.header(name));
        if e != g {
            out.push(format!(
                "header {name}: expected {}, got {}",
                shown(e),
                shown(g)
            ));
        }
    }
    for name in RATE_HEADERS {
        let (e, g) = (expected.header(name), got.header(name));
        match (e, g) {
            (Some(_), Some(g)) if !g.chars().all(|c| c.is_ascii_digit()) => {
                out.push(format!("header {name}: expected digits, got {g:?}"));
            }
            (Some(_), None) | (None, Some(_)) => out.push(format!(
                "header {name}: expected {}, got {}",
                if e.is_some() { "present" } else { "absent" },
                if g.is_some() { "present" } else { "absent" }
            )),
            _ => {}
        }
    }
    match (
        serde_json::from_slice::<Value>(&expected.body),
        serde_json::from_slice::<Value>(&got.body),
    ) {
        (Ok(e), Ok(g)) if !expected.body.is_empty() => json_differences("", &e, &g, &mut out),
        _ => {
            if expected.body != got.body {
                out.push(format!(
                    "body: expected {:?}, got {:?}",
                    String::from_utf8_lossy(&expected.body),
                    String::from_utf8_lossy(&got.body)
                ));
            }
        }
    }
    bounded(out)
}

/// At most this many characters of one difference or error are shown.
const SHOWN_CHARS: usize = 300;
/// At most this many differences of one case are listed.
const SHOWN_LINES: usize = 20;

/// What is shown of a text the target sent: control characters escaped (no raw ESC sequence
/// reaches a terminal or a JUnit file), cut at [`SHOWN_CHARS`] with its length in bytes, so a
/// 20 MB body or a gzip bomb prints a line, not megabytes.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == SHOWN_CHARS {
            out.push_str(&format!("… ({} bytes in all)", text.len()));
            break;
        }
        if c.is_control() && c != ' ' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Each difference line as [`excerpt`] shows it, at most [`SHOWN_LINES`] of them.
fn bounded(lines: Vec<String>) -> Vec<String> {
    let total = lines.len();
    let mut out: Vec<String> = lines
        .into_iter()
        .take(SHOWN_LINES)
        .map(|l| excerpt(&l))
        .collect();
    if total > SHOWN_LINES {
        out.push(format!("… and {} more differences", total - SHOWN_LINES));
    }
    out
}

fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "(absent)".to_string(), |v| format!("{v:?}"))
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
        && b.iter()
            .enumerate()
            .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16 | 19 | 23) || c.is_ascii_digit())
}

/// The form of a generated value: what must match when the value cannot.
fn form(key: &str, value: &Value) -> String {
    match value {
        Value::String(s) if is_iso_date(s) => "an ISO-8601 date".into(),
        Value::String(s) if key == "username" && s.starts_with("guest-") => "guest-N".into(),
        Value::String(s)
            if key == "_id" && s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            "an ObjectId".into()
        }
        Value::String(s) if key == "_id" && s.len() == 17 => "a 17-character id".into(),
        Value::String(_) => "a string".into(),
        Value::Number(_) => "a number".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Null => "null".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A 429 message with its seconds taken out.
fn without_seconds(s: &str) -> Option<String> {
    let start = s.find("You must wait ")? + "You must wait ".len();
    let end = start + s[start..].find(" seconds")?;
    s[start..end]
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("{}N{}", &s[..start], &s[end..]))
}

fn json_differences(at: &str, expected: &Value, got: &Value, out: &mut Vec<String>) {
    let key = at.rsplit('/').next().unwrap_or_default();
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => {
            let (ek, gk): (Vec<&String>, Vec<&String>) = (e.keys().collect(), g.keys().collect());
            if ek != gk {
                out.push(format!(
                    "keys at {}: expected {ek:?}, got {gk:?}",
                    if at.is_empty() { "/" } else { at }
                ));
            }
            for (k, ev) in e {
                if let Some(gv) = g.get(k) {
                    json_differences(&format!("{at}/{k}"), ev, gv, out);
                }
            }
        }
        (Value::Array(e), Value::Array(g)) => {
            if e.len() != g.len() {
                out.push(format!("{at}: expected {} items, got {}", e.len(), g.len()));
            }
            for (i, (ev, gv)) in e.iter().zip(g).enumerate() {
                json_differences(&format!("{at}/{i}"), ev, gv, out);
            }
        }
        (Value::String(e), Value::String(g)) if key == "error" && without_seconds(e).is_some() => {
            if without_seconds(e) != without_seconds(g) {
                out.push(format!("{at}: expected {e:?} (any seconds), got {g:?}"));
            }
        }
        (e, g) if GENERATED.contains(&key) || matches!(e, Value::String(s) if is_iso_date(s)) => {
            if form(key, e) != form(key, g) {
                out.push(format!("{at}: expected {} ({e}), got {g}", form(key, e)));
            }
        }
        (e, g) => {
            if e != g {
                out.push(format!("{at}: expected {e}, got {g}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 22, minor 5: a huge or hostile body prints a line, escaped.
    #[test]
    fn what_is_shown_of_a_body_is_short_and_escaped() {
        let big = "x".repeat(20_000_000);
        let shown = excerpt(&big);
        assert!(shown.len() < 400, "{}", shown.len());
        assert!(shown.ends_with("… (20000000 bytes in all)"));
        assert_eq!(excerpt("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        let lines = bounded((0..30).map(|i| format!("d{i}")).collect());
        assert_eq!(lines.len(), 21);
        assert_eq!(lines[20], "… and 10 more differences");
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        Answer {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn rule_1_the_status_must_be_equal() {
        let d = differences(&answer(401, &[JSON], "{}"), &answer(403, &[JSON], "{}"));
        assert_eq!(d, vec!["status: expected 401, got 403"]);
    }

    #[test]
    fn rule_2_named_headers_by_value_rate_headers_by_form() {
        let e = answer(
            200,
            &[
                JSON,
                ("cache-control", "no-store"),
                ("x-ratelimit-reset", "1"),
            ],
            "{}",
        );
        let g = answer(
            200,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("x-ratelimit-reset", "1780000000000"),
            ],
            "{}",
        );
        assert_eq!(
            differences(&e, &g),
            vec![
                "header content-type: expected \"application/json\", got \"application/json; charset=utf-8\"",
                "header cache-control: expected \"no-store\", got (absent)",
            ]
        );
        let g = answer(200, &[JSON, ("cache-control", "no-store")], "{}");
        assert_eq!(
            differences(&e, &g),
            vec!["header x-ratelimit-reset: expected present, got absent"]
        );
        assert!(
            differences(
                &e,
                &answer(
                    200,
                    &[
                        JSON,
                        ("cache-control", "no-store"),
                        ("server", "x"),
                        ("x-ratelimit-reset", "9")
                    ],
                    "{}"
                )
            )
            .is_empty(),
            "other headers are not compared"
        );
    }

    #[test]
    fn rule_3_key_order_and_values_but_generated_ones_by_form() {
        let e = answer(
            200,
            &[JSON],
            r#"{"visitor":{"_id":"6a22b1765528fa64dd29de70","token":"t","username":"guest-16","ts":"2026-06-05T11:22:30.664Z","name":"A"},"success":true}"#,
        );
        let same = answer(
            200,
            &[JSON],
            r#"{"visitor":{"_id":"0123456789abcdef01234567","token":"t","username":"guest-3","ts":"2025-01-01T00:00:00.000Z","name":"A"},"success":true}"#,
        );
        assert!(
            differences(&e, &same).is_empty(),
            "{:?}",
            differences(&e, &same)
        );
        let reordered = answer(
            200,
            &[JSON],
            r#"{"success":true,"visitor":{"_id":"0123456789abcdef01234567","token":"t","username":"guest-3","ts":"2025-01-01T00:00:00.000Z","name":"A"}}"#,
        );
        assert_eq!(
            differences(&e, &reordered),
            vec![r#"keys at /: expected ["visitor", "success"], got ["success", "visitor"]"#]
        );
        let changed = answer(
            200,
            &[JSON],
            r#"{"visitor":{"_id":"x","token":"t","username":"guest-3","ts":"yesterday","name":"B"},"success":true}"#,
        );
        assert_eq!(
            differences(&e, &changed),
            vec![
                r#"/visitor/_id: expected an ObjectId ("6a22b1765528fa64dd29de70"), got "x""#,
                r#"/visitor/ts: expected an ISO-8601 date ("2026-06-05T11:22:30.664Z"), got "yesterday""#,
                r#"/visitor/name: expected "A", got "B""#,
            ]
        );
        let with_token = answer(
            200,
            &[JSON],
            r#"{"visitor":{"_id":"0123456789abcdef01234567","username":"guest-3","ts":"2025-01-01T00:00:00.000Z","name":"A"},"success":true}"#,
        );
        assert!(
            differences(&with_token, &e)
                .iter()
                .any(|d| d.contains("\"token\"")),
            "a token in the body is caught"
        );
        let e429 = answer(
            429,
            &[JSON],
            r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 60 seconds before trying this endpoint again. [error-too-many-requests]"}"#,
        );
        let g429 = answer(
            429,
            &[JSON],
            r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 12 seconds before trying this endpoint again. [error-too-many-requests]"}"#,
        );
        assert!(differences(&e429, &g429).is_empty());
    }

    #[test]
    fn rule_4_other_bodies_byte_for_byte() {
        let e = answer(
            404,
            &[("content-type", "text/plain; charset=UTF-8")],
            "404 Not Found",
        );
        let g = answer(
            404,
            &[("content-type", "text/plain; charset=UTF-8")],
            "Not Found",
        );
        assert_eq!(
            differences(&e, &g),
            vec![r#"body: expected "404 Not Found", got "Not Found""#]
        );
    }
}
