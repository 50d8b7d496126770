//! Request bodies, read as the real router reads them: by `Content-Type`.
//!
//! Rocket.Chat's `packages/http-router/src/Router.ts` (`parseBodyParams`, read at commit
//! 05360738ef253d8ad85a1eb64e311dd94c7037c7): JSON only when the type contains
//! `application/json`, form fields when it contains `application/x-www-form-urlencoded`,
//! nothing for `multipart/form-data`, and the raw text otherwise, spread into an object
//! (`{...text}`). Any parse failure reads as an empty object, never an error. So a JSON body sent
//! as form data (plain `curl -d`) is a form whose one key is the JSON text.

use std::time::Duration;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::body::Body;
use hyper::header::{self, HeaderValue};
use serde_json::{Map, Value};

use crate::base::response::{HttpResponse, mock_error};

/// The body parameters an action sees.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Value {
    let content_type = content_type.unwrap_or_default();
    if content_type.contains("multipart/form-data") {
        return Value::Object(Map::new());
    }
    let parsed = if content_type.contains("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(_) => return Value::Object(Map::new()),
        }
    } else if content_type.contains("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        let mut form = Map::new();
        for (key, value) in crate::base::query::pairs(&text) {
            // `Object.fromEntries`: a repeated key keeps its first place and its last value.
            form.insert(key, Value::String(value));
        }
        Value::Object(form)
    } else {
        // The text itself is never needed whole: only its first character is (see below).
        let head = &body[..body.len().min(4)];
        Value::String(String::from_utf8_lossy(head).chars().take(1).collect())
    };
    match parsed {
        // "compatibility with the previous version": an empty body is no parameters.
        Value::String(text) if text.is_empty() => Value::Object(Map::new()),
        Value::Array(items) => Value::Array(items),
        Value::Object(map) => Value::Object(map),
        // `{ ...text }` spreads a string into its characters by index: `{"0":"x","1":"y",…}`.
        // Every reader of the result stops at its first key (login finds no `password`, Meteor's
        // `check` reports the first unknown key), so only that entry is built: one allocation,
        // not one per character of a body that may be megabytes.
        Value::String(text) => Value::Object(spread_first(&text)),
        // `{ ...5 }`, `{ ...true }`, `{ ...null }` are `{}`.
        _ => Value::Object(Map::new()),
    }
}

/// The first entry of `{ ...text }` for a non-empty `text`: key `"0"`, its first UTF-16 unit
/// (JavaScript spreads a string by code unit, so a character outside the BMP spreads as half a
/// surrogate pair, which JSON cannot hold; the mock keeps the whole character instead).
fn spread_first(text: &str) -> Map<String, Value> {
    let mut object = Map::new();
    if let Some(first) = text.chars().next() {
        object.insert("0".to_string(), Value::String(first.to_string()));
    }
    object
}

/// Reads a request body of at most `max_body` bytes within `deadline`: past the size 413, past
/// the deadline 408 (so a client dribbling a body cannot hold a connection slot), on a broken
/// body 400; each the mock's own error.
pub(crate) async fn read_within<B>(
    body: B,
    max_body: usize,
    deadline: Duration,
) -> Result<Bytes, HttpResponse>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match tokio::time::timeout(deadline, read_limited(body, max_body)).await {
        Ok(read) => read,
        Err(_) => {
            let mut response = mock_error(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the body did not arrive within {} ms (--body-timeout-ms)",
                    deadline.as_millis()
                ),
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            Err(response)
        }
    }
}

/// Reads a request body of at most `max_body` bytes; past that, or on a broken body, the mock's own error.
pub(crate) async fn read_limited<B>(body: B, max_body: usize) -> Result<Bytes, HttpResponse>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, max_body)).await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => Err(mock_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the body is larger than {max_body} bytes"),
        )),
        Err(err) => Err(mock_error(
            StatusCode::BAD_REQUEST,
            &format!("cannot read the body: {err}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_megabyte_of_text_is_one_entry_not_a_million() {
        let body = vec![b'x'; 1 << 20];
        let parsed = parse(Some("text/plain"), &body);
        assert_eq!(parsed, json!({"0":"x"}));
        assert_eq!(parse(None, &body), json!({"0":"x"}), "no Content-Type");
    }

    #[test]
    fn json_is_read_only_for_a_json_content_type() {
        let body = br#"{"user":"a","password":"b"}"#;
        assert_eq!(
            parse(Some("application/json"), body),
            json!({"user":"a","password":"b"})
        );
        assert_eq!(
            parse(Some("application/json; charset=utf-8"), body),
            json!({"user":"a","password":"b"})
        );
    }

    #[test]
    fn malformed_json_reads_as_no_parameters() {
        assert_eq!(parse(Some("application/json"), b"{nope"), json!({}));
        assert_eq!(parse(Some("application/json"), b"5"), json!({}));
        assert_eq!(parse(Some("application/json"), b"[1]"), json!([1]));
    }

    #[test]
    fn a_form_is_its_fields_and_json_sent_as_a_form_is_one_odd_key() {
        assert_eq!(
            parse(
                Some("application/x-www-form-urlencoded"),
                b"user=agent.alice&password=a+b%21&user=x"
            ),
            json!({"user":"x","password":"a b!"})
        );
        assert_eq!(
            parse(
                Some("application/x-www-form-urlencoded"),
                br#"{"user":"a"}"#
            ),
            json!({r#"{"user":"a"}"#: ""})
        );
    }

    #[test]
    fn other_types_spread_the_text_into_an_object() {
        assert_eq!(parse(None, b""), json!({}));
        assert_eq!(parse(Some("text/plain"), b"ab"), json!({"0":"a"}));
        assert_eq!(
            parse(Some("application/json"), br#""xyz""#),
            json!({"0":"x"})
        );
        assert_eq!(
            parse(Some("multipart/form-data; boundary=x"), b"--x"),
            json!({})
        );
    }
}
