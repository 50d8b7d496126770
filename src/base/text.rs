//! Text as the server reads it and as the mock shows it: header bytes read as Node reads them,
//! and secrets cut to their last four characters wherever they would be shown.

use std::borrow::Cow;

use hyper::header::HeaderMap;

/// Bytes read as Latin-1, as Node reads header values.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        // ASCII (nearly every header) reads the same either way: one copy, no per-byte work.
        Ok(text) if bytes.is_ascii() => text.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A header value read as Latin-1: visible ASCII (nearly every value) is borrowed as it is,
/// checked once, without the UTF-8 validation [`latin1`] needs for arbitrary bytes.
pub(crate) fn header_value_text(value: &hyper::header::HeaderValue) -> Cow<'_, str> {
    match value.to_str() {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(latin1(value.as_bytes())),
    }
}

/// A header's value as Node hands it to the server: repeated headers joined with `", "`, bytes
/// read as Latin-1 (so a value never fails to read; it just matches nothing).
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut joined = header_value_text(first).into_owned();
    for value in values {
        joined.push_str(", ");
        joined.push_str(&header_value_text(value));
    }
    Some(joined)
}

/// Whether a query parameter's value is a secret: its name, decoded, without letter case and
/// without any `[...]` (so `token[]` and `token[0]` count), contains `token`, `password`,
/// `secret` or `auth`, or is `resume`, `api_key` or `apikey`. Broad on purpose: a journal that
/// shows too little is a nuisance, one that shows a token is a leak.
fn is_secret_param(raw_key: &str) -> bool {
    let key = crate::base::query::decode_path(raw_key).to_ascii_lowercase();
    let base = key.split('[').next().unwrap_or_default();
    ["token", "password", "secret", "auth"]
        .iter()
        .any(|needle| base.contains(needle))
        || matches!(base, "resume" | "api_key" | "apikey")
}

/// `RScc…eU3f` → `…eU3f`: enough to tell tokens apart, not enough to use one.
pub fn redact(secret: &str) -> String {
    if secret.is_ascii() {
        return if secret.len() <= 4 {
            "…".to_string()
        } else {
            format!("…{}", &secret[secret.len() - 4..])
        };
    }
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if chars.len() <= 4 {
        "…".to_string()
    } else {
        format!("…{tail}")
    }
}

/// A path as logs and the journal keep it: the token of `/api/v1/livechat/visitor/{token}` cut
/// to its last four characters, whatever the letter case of the path (a 404 in the wrong case
/// still carried the token).
pub fn redacted_path(path: &str) -> std::borrow::Cow<'_, str> {
    let prefix = crate::base::endpoint::VISITOR;
    // The byte after the prefix is an ASCII `/`, so both cuts fall on character boundaries.
    let matches = path.as_bytes().get(prefix.len()) == Some(&b'/')
        && path.len() > prefix.len() + 1
        && path.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    if !matches {
        return std::borrow::Cow::Borrowed(path);
    }
    let (head, token) = path.split_at(prefix.len() + 1);
    std::borrow::Cow::Owned(format!("{head}{}", redact(token)))
}

/// A raw query string with the values of secret-named parameters cut.
pub fn redacted_query(query: &str) -> String {
    query
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((key, value)) if is_secret_param(key) => format!("{key}={}", redact(value)),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    // Issue 22, minor 11: the gaps the attack run found.
    #[test]
    fn secrets_are_cut_whatever_the_case_of_the_path_or_the_spelling_of_the_key() {
        assert_eq!(
            redacted_path("/API/v1/livechat/visitor/test-token-12345"),
            "/API/v1/livechat/visitor/…2345"
        );
        assert_eq!(
            redacted_path("/api/v1/livechat/visitor/abcdefgh/x"),
            "/api/v1/livechat/visitor/…gh/x"
        );
        assert_eq!(
            redacted_path("/api/v1/livechat/visitors.info"),
            "/api/v1/livechat/visitors.info"
        );
        assert_eq!(
            redacted_query(
                "access_token=abcdefgh&auth_token=12345678&token[]=qwertyui&visitorId=x"
            ),
            "access_token=…efgh&auth_token=…5678&token[]=…tyui&visitorId=x"
        );
        assert_eq!(
            redacted_query("X-Auth-Token=abcdefgh"),
            "X-Auth-Token=…efgh"
        );
    }

    #[test]
    fn header_values_read_as_latin1_whichever_way_they_are_read() {
        for bytes in [
            &b"rbAXPnMktTFbNpwtJ"[..],
            b"a\tb c",
            b"caf\xe9",
            b"",
            b"\xff\x80",
        ] {
            let value = HeaderValue::from_bytes(bytes).unwrap();
            assert_eq!(header_value_text(&value), latin1(bytes), "{bytes:?}");
        }
        assert_eq!(latin1(b"caf\xe9"), "café");
    }
}
