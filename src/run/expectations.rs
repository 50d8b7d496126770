//! Expectations on what clients send, verified at the end of a test: wiremock-rs's `expect` for
//! the library, and WireMock-style `POST /_mock/expectations` + `GET /_mock/verify` over HTTP.
//!
//! Each expectation counts the answered requests it matches as they are recorded (so it works
//! with the journal off), and is verified against its count or range.

use std::ops::RangeInclusive;
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::base::selection::OutcomeId;

/// What an expectation matches: every field given must match; absent fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// `GET`, `POST`, ... (any letter case).
    #[serde(default)]
    pub method: Option<String>,
    /// The exact path.
    #[serde(default)]
    pub path: Option<String>,
    /// The `visitorId` of the query, as the server reads it.
    #[serde(default, rename = "visitorId")]
    pub visitor_id: Option<String>,
    /// Header values, by name (any letter case); secret headers are matched as the journal
    /// keeps them (their last four characters).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// The outcome id sent (`ok`, `not-logged-in`, ...).
    #[serde(default)]
    pub outcome: Option<String>,
}

impl Matcher {
    /// The bytes it holds, against [`MAX_EXPECTATION_BYTES`].
    fn bytes(&self) -> usize {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        text(&self.method)
            + text(&self.path)
            + text(&self.visitor_id)
            + text(&self.outcome)
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

/// What one answered request looked like, for matching.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a hyper::HeaderMap,
    pub outcome: &'a str,
    pub status: Option<u16>,
}

impl Matcher {
    fn matches(&self, seen: &Seen<'_>) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(seen.method))
            && self.path.as_deref().is_none_or(|p| p == seen.path)
            && self.outcome.as_deref().is_none_or(|o| o == seen.outcome)
            && self.visitor_id.as_deref().is_none_or(|want| {
                crate::base::query::visitor_id(seen.query, crate::base::query::Reading::NEWEST)
                    .is_ok_and(|id| id == want)
            })
            && self.headers.iter().all(|(name, want)| {
                seen.headers
                    .get_all(name.to_ascii_lowercase().as_str())
                    .iter()
                    .any(|v| {
                        crate::base::text::latin1(v.as_bytes()) == *want
                            || v.as_bytes() == want.as_bytes()
                    })
            })
    }
}

/// An expectation: a matcher and how many matching requests it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    name: Option<String>,
    matcher: Matcher,
    times: RangeInclusive<u64>,
}

impl Expectation {
    /// Matches every request; expects at least one unless told otherwise.
    pub fn any() -> Expectation {
        Expectation {
            name: None,
            matcher: Matcher::default(),
            times: 1..=u64::MAX,
        }
    }

    /// visitors.info requests.
    pub fn visitors_info() -> Expectation {
        Expectation::any()
            .method("GET")
            .path(crate::base::endpoint::VISITORS_INFO)
    }

    /// A name for the report.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    pub fn method(mut self, method: &str) -> Self {
        self.matcher.method = Some(method.to_string());
        self
    }

    pub fn path(mut self, path: &str) -> Self {
        self.matcher.path = Some(path.to_string());
        self
    }

    pub fn visitor_id(mut self, id: &str) -> Self {
        self.matcher.visitor_id = Some(id.to_string());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.matcher
            .headers
            .insert(name.to_ascii_lowercase(), value.to_string());
        self
    }

    pub fn outcome(mut self, outcome: OutcomeId) -> Self {
        self.matcher.outcome = Some(outcome.as_str().to_string());
        self
    }

    /// Exactly `n` matching requests.
    pub fn times(mut self, n: u64) -> Self {
        self.times = n..=n;
        self
    }

    /// A number of matching requests within `range`.
    pub fn times_in(mut self, range: RangeInclusive<u64>) -> Self {
        self.times = range;
        self
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.name {
            parts.push(format!("{name:?}:"));
        }
        let m = &self.matcher;
        parts.push(m.method.clone().unwrap_or_else(|| "any method".into()));
        parts.push(m.path.clone().unwrap_or_else(|| "any path".into()));
        if let Some(id) = &m.visitor_id {
            parts.push(format!("visitorId={id}"));
        }
        for (name, value) in &m.headers {
            parts.push(format!("{name}: {value}"));
        }
        if let Some(outcome) = &m.outcome {
            parts.push(format!("→ {outcome}"));
        }
        let (lo, hi) = (*self.times.start(), *self.times.end());
        let times = match (lo, hi) {
            (lo, hi) if lo == hi => format!("exactly {lo}"),
            (lo, u64::MAX) => format!("at least {lo}"),
            (0, hi) => format!("at most {hi}"),
            (lo, hi) => format!("{lo} to {hi}"),
        };
        format!("{}, {times} time(s)", parts.join(" "))
    }
}

/// The body of `POST /_mock/expectations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Posted {
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    matcher: Matcher,
    #[serde(default)]
    times: Option<serde_json::Number>,
    #[serde(default, rename = "atLeast")]
    at_least: Option<serde_json::Number>,
    #[serde(default, rename = "atMost")]
    at_most: Option<serde_json::Number>,
}

/// A count as JSON Schema's `integer` has it (`3` and `3.0` alike), at most 2^53.
fn count(name: &str, value: Option<serde_json::Number>) -> Result<Option<u64>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    const MAX: u64 = 9_007_199_254_740_992;
    let exact = if value.is_f64() {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= MAX as f64)
            .map(|f| f as u64)
    } else {
        value.as_u64().filter(|n| *n <= MAX)
    };
    exact
        .map(Some)
        .ok_or_else(|| format!("{name} must be a whole number from 0 to 2^53; got {value}"))
}

/// The expectations of one server, with their counts.
#[derive(Debug, Default)]
pub struct Expectations {
    set: Mutex<Vec<(Expectation, u64)>>,
    /// Whether any is set.
    any: std::sync::atomic::AtomicBool,
    /// Whether any came through the library (`MockServer::expect`): only those are checked
    /// when the server is dropped; HTTP ones are checked by `GET /_mock/verify`.
    from_library: std::sync::atomic::AtomicBool,
    /// The last few requests seen, for the report of what came instead.
    recent: Mutex<std::collections::VecDeque<String>>,
}

const RECENT: usize = 20;
/// At most this many expectations at once: every request is matched against all of them under
/// one lock, so their number is the request path's cost (20,000 took the median from 0.19 to
/// 2.36 ms). A test suite sets a few dozen.
pub const MAX_EXPECTATIONS: usize = 1000;
/// At most this many bytes of matchers in all (names, paths, header values), as the journal's
/// bytes are capped: 300 matchers of 1 MiB each took RSS to 363 MiB.
pub const MAX_EXPECTATION_BYTES: usize = 1024 * 1024;

impl Expectations {
    pub fn add(&self, expectation: Expectation) {
        self.any.store(true, std::sync::atomic::Ordering::Release);
        self.from_library
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((expectation, 0));
    }

    /// `POST /_mock/expectations`: adds one from JSON; returns its index.
    ///
    /// # Errors
    /// Unknown fields, a wrong type, `times` with `atLeast`/`atMost`, or a range upside down.
    pub fn add_json(&self, body: &[u8]) -> Result<usize, String> {
        let posted: Posted = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let (times, at_least, at_most) = (
            count("times", posted.times)?,
            count("atLeast", posted.at_least)?,
            count("atMost", posted.at_most)?,
        );
        let times = match (times, at_least, at_most) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err("give times, or atLeast and/or atMost, not both".into());
            }
            (Some(n), None, None) => n..=n,
            (None, lo, hi) => lo.unwrap_or(1)..=hi.unwrap_or(u64::MAX),
        };
        if times.start() > times.end() {
            return Err("atLeast is above atMost".into());
        }
        if let Some(outcome) = &posted.matcher.outcome {
            outcome.parse::<OutcomeId>()?;
        }
        let mut set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        if set.len() >= MAX_EXPECTATIONS {
            return Err(format!(
                "at most {MAX_EXPECTATIONS} expectations at once (each request is matched against all of them); DELETE /_mock/expectations clears them"
            ));
        }
        let total = posted.matcher.bytes()
            + posted.name.as_ref().map_or(0, String::len)
            + set
                .iter()
                .map(|(e, _)| e.matcher.bytes() + e.name.as_ref().map_or(0, String::len))
                .sum::<usize>();
        if total > MAX_EXPECTATION_BYTES {
            return Err(format!(
                "the expectations would hold more than {MAX_EXPECTATION_BYTES} bytes of matchers; DELETE /_mock/expectations clears them"
            ));
        }
        self.any.store(true, std::sync::atomic::Ordering::Release);
        set.push((
            Expectation {
                name: posted.name,
                matcher: posted.matcher,
                times,
            },
            0,
        ));
        Ok(set.len() - 1)
    }

    pub fn is_empty(&self) -> bool {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Counts an answered request against every expectation it matches.
    pub fn observe(&self, seen: &Seen<'_>) {
        if self.is_empty() {
            return;
        }
        let mut set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        if set.is_empty() {
            return;
        }
        for (expectation, count) in set.iter_mut() {
            if expectation.matcher.matches(seen) {
                *count += 1;
            }
        }
        drop(set);
        let line = format!(
            "{} {}{} → {} {}",
            seen.method,
            crate::base::text::redacted_path(seen.path),
            seen.query
                .map(|q| format!("?{}", crate::base::text::redacted_query(q)))
                .unwrap_or_default(),
            seen.status
                .map_or_else(|| "no answer".to_string(), |s| s.to_string()),
            seen.outcome
        );
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back(line);
    }

    /// Whether the library set any expectation.
    pub fn set_by_library(&self) -> bool {
        self.from_library.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets every expectation and count.
    pub fn clear(&self) {
        self.any.store(false, std::sync::atomic::Ordering::Release);
        self.set.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Each expectation with its count and whether it is met.
    pub fn report(&self) -> Value {
        let set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        let expectations: Vec<Value> = set
            .iter()
            .map(|(e, count)| {
                json!({
                    "expectation": e.describe(),
                    "received": count,
                    "met": e.times.contains(count),
                })
            })
            .collect();
        let verified = set.iter().all(|(e, count)| e.times.contains(count));
        let recent: Vec<String> = self
            .recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        json!({ "verified": verified, "expectations": expectations, "received_recently": recent })
    }

    /// `Ok` when every expectation is met, else a message a person can read: each unmet one
    /// with its count, then what was received instead.
    pub fn verify(&self) -> Result<(), String> {
        let set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        let unmet: Vec<String> = set
            .iter()
            .filter(|(e, count)| !e.times.contains(count))
            .map(|(e, count)| format!("  - {}; received {count}", e.describe()))
            .collect();
        if unmet.is_empty() {
            return Ok(());
        }
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let received = if recent.is_empty() {
            "  (no request)".to_string()
        } else {
            recent
                .iter()
                .map(|line| format!("  - {line}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        Err(format!(
            "livechat-mock: {} expectation(s) not met:\n{}\nreceived instead (most recent last):\n{received}",
            unmet.len(),
            unmet.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen<'a>(
        headers: &'a hyper::HeaderMap,
        query: Option<&'a str>,
        outcome: &'a str,
    ) -> Seen<'a> {
        Seen {
            method: "GET",
            path: crate::base::endpoint::VISITORS_INFO,
            query,
            headers,
            outcome,
            status: Some(200),
        }
    }

    #[test]
    fn counts_and_ranges_decide_and_the_report_says_what_came() {
        let expectations = Expectations::default();
        expectations.add(Expectation::visitors_info().visitor_id("v1").times(2));
        expectations.add(
            Expectation::any()
                .outcome(OutcomeId::NotLoggedIn)
                .times_in(0..=1),
        );
        let mut headers = hyper::HeaderMap::new();
        headers.insert("x-user-id", "u1".parse().unwrap());
        expectations.observe(&seen(&headers, Some("visitorId=v1"), "ok"));
        let message = expectations.verify().unwrap_err();
        assert!(
            message.contains(
                "GET /api/v1/livechat/visitors.info visitorId=v1, exactly 2 time(s); received 1"
            ),
            "{message}"
        );
        assert!(
            message.contains("GET /api/v1/livechat/visitors.info?visitorId=v1 → 200 ok"),
            "{message}"
        );
        expectations.observe(&seen(&headers, Some("visitorId[]=v1"), "ok"));
        assert_eq!(expectations.verify(), Ok(()));
        assert!(
            expectations
                .add_json(br#"{"path":"/x","times":1,"atLeast":2}"#)
                .is_err()
        );
        assert!(expectations.add_json(br#"{"outcome":"nope"}"#).is_err());
        assert_eq!(
            expectations.add_json(br#"{"headers":{"X-User-Id":"u1"},"atLeast":1}"#),
            Ok(2)
        );
        expectations.observe(&seen(&headers, None, "ok"));
        assert_eq!(expectations.report()["verified"], true);
    }
}
