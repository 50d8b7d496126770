//! The request journal: a bounded ring of what clients sent and what they got, for CI jobs to
//! assert on. Auth tokens are redacted when recorded, never stored whole.

use std::collections::VecDeque;
use std::sync::Mutex;

use hyper::HeaderMap;
use serde::Serialize;

/// One served request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// When the request arrived, ISO-8601 UTC.
    pub time: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Request headers as `[name, value]` pairs, lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The outcome id chosen.
    pub outcome: &'static str,
    /// Which rule chose it: `prefer-header`, `x-mock-response-header`, `admin-override`,
    /// `global-outcome`, `fault-rate`, `fixtures`, or `route` for 404s and preflights.
    pub rule: &'static str,
    /// The status sent; none for a reset or a hang.
    pub status: Option<u16>,
    /// `passed`, `blocked` (a 500 was sent instead), `bypassed` (the malformed fault), or
    /// `none` (no JSON body to check).
    pub gate: &'static str,
    /// The latency injected by `--latency`, in milliseconds.
    pub delay_ms: Option<u64>,
    pub micros: u64,
}

/// A served request as the request path records it: cheap to take (the header map is shared
/// bytes), turned into an [`Entry`] only when listed.
#[derive(Debug, Clone)]
pub struct Record {
    pub arrived_ms: u64,
    pub method: hyper::Method,
    pub path: String,
    pub query: Option<String>,
    /// With the secrets already cut: the whole token is never stored.
    pub headers: HeaderMap,
    pub outcome: &'static str,
    pub rule: &'static str,
    pub status: Option<u16>,
    pub gate: &'static str,
    pub delay_ms: Option<u64>,
    pub micros: u64,
}

impl Record {
    fn entry(&self) -> Entry {
        Entry {
            time: crate::clock::iso_8601(self.arrived_ms),
            method: self.method.to_string(),
            path: redacted_path(&self.path).into_owned(),
            query: self.query.as_deref().map(redacted_query),
            headers: self
                .headers
                .iter()
                .map(|(name, value)| {
                    // UTF-8 where it is (the redaction mark), else Latin-1 as Node reads headers.
                    let text = String::from_utf8(value.as_bytes().to_vec())
                        .unwrap_or_else(|_| crate::request::latin1(value.as_bytes()));
                    (name.as_str().to_string(), text)
                })
                .collect(),
            outcome: self.outcome,
            rule: self.rule,
            status: self.status,
            gate: self.gate,
            delay_ms: self.delay_ms,
            micros: self.micros,
        }
    }
}

/// The headers secrets are cut from before anything keeps them.
const SECRETS: [&str; 5] = [
    "x-auth-token",
    "authorization",
    "cookie",
    "x-visitor-token",
    "proxy-authorization",
];

/// Query parameters whose values are secrets, compared without letter case.
const SECRET_PARAMS: [&str; 5] = ["authtoken", "password", "token", "resume", "x-auth-token"];

/// A path as logs and the journal keep it: the token of `/api/v1/livechat/visitor/{token}` cut
/// to its last four characters.
pub fn redacted_path(path: &str) -> std::borrow::Cow<'_, str> {
    let prefix = "/api/v1/livechat/visitor/";
    match path.strip_prefix(prefix) {
        Some(token) if !token.is_empty() => {
            std::borrow::Cow::Owned(format!("{prefix}{}", redact(token)))
        }
        _ => std::borrow::Cow::Borrowed(path),
    }
}

/// A raw query string with the values of secret-named parameters cut.
pub fn redacted_query(query: &str) -> String {
    query
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((key, value))
                if SECRET_PARAMS
                    .iter()
                    .any(|s| crate::query::decode_path(key).eq_ignore_ascii_case(s)) =>
            {
                format!("{key}={}", redact(value))
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Headers as the journal keeps them: secrets cut to their last four characters.
pub fn redacted_headers(headers: &HeaderMap) -> HeaderMap {
    let mut kept = headers.clone();
    for name in SECRETS {
        if let hyper::header::Entry::Occupied(mut entry) = kept.entry(name) {
            let cut: Vec<hyper::header::HeaderValue> = entry
                .iter()
                .map(|value| {
                    let text: String = crate::request::latin1(value.as_bytes());
                    hyper::header::HeaderValue::from_bytes(redact(&text).as_bytes())
                        .unwrap_or_else(|_| hyper::header::HeaderValue::from_static("..."))
                })
                .collect();
            let mut values = cut.into_iter();
            if let Some(first) = values.next() {
                entry.insert(first);
                for value in values {
                    entry.append(value);
                }
            }
        }
    }
    kept
}

/// `RScc…eU3f` → `…eU3f`: enough to tell tokens apart, not enough to use one.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    if chars.len() <= 4 {
        "…".to_string()
    } else {
        format!("…{tail}")
    }
}

/// Which entries a listing keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub path: Option<String>,
    pub status: Option<u16>,
    pub outcome: Option<String>,
}

impl Filter {
    fn keeps(&self, record: &Record) -> bool {
        self.path.as_deref().is_none_or(|p| p == record.path)
            && self.status.is_none_or(|s| Some(s) == record.status)
            && self.outcome.as_deref().is_none_or(|o| o == record.outcome)
    }
}

/// A ring of the most recent entries.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Record>>,
}

impl Journal {
    /// A journal keeping the last `capacity` entries (0 keeps none).
    pub fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn record(&self, entry: Record) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The kept entries that pass `filter`, oldest first.
    pub fn list(&self, filter: &Filter) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|e| filter.keeps(e))
            .map(Record::entry)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u16) -> Record {
        Record {
            arrived_ms: 0,
            method: hyper::Method::GET,
            path: "/p".into(),
            query: None,
            headers: HeaderMap::new(),
            outcome: "ok",
            rule: "fixtures",
            status: Some(n),
            gate: "passed",
            delay_ms: None,
            micros: 0,
        }
    }

    #[test]
    fn the_ring_keeps_only_the_newest_entries() {
        let journal = Journal::new(3);
        for n in 0..10 {
            journal.record(entry(n));
        }
        let statuses: Vec<_> = journal
            .list(&Filter::default())
            .iter()
            .map(|e| e.status)
            .collect();
        assert_eq!(statuses, vec![Some(7), Some(8), Some(9)]);
    }

    #[test]
    fn recorded_headers_keep_secrets_cut() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-auth-token",
            "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"
                .parse()
                .unwrap(),
        );
        headers.insert("x-user-id", "rbAXPnMktTFbNpwtJ".parse().unwrap());
        let kept = redacted_headers(&headers);
        assert_eq!(kept["x-auth-token"], "…eU3f");
        assert_eq!(kept["x-user-id"], "rbAXPnMktTFbNpwtJ");
    }

    #[test]
    fn tokens_keep_only_their_last_four_characters() {
        assert_eq!(
            redact("RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f"),
            "…eU3f"
        );
        assert_eq!(redact("abcd"), "…");
    }
}
