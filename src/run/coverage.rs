//! Contract coverage: which of the answers the contract allows a client was actually sent in
//! this run, counted by the answer sent (status and body variant), whatever rule chose it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// Every answer the contract allows, by endpoint: visitors.info's statuses and body variants,
/// the companions', and the faults.
pub const ANSWERS: [(&str, &str); 26] = [
    ("visitors.info", "200"),
    (
        "visitors.info",
        "400 must have required property 'visitorId'",
    ),
    ("visitors.info", "400 must NOT have additional properties"),
    ("visitors.info", "400 must be string"),
    ("visitors.info", "400 Invalid query parameters"),
    ("visitors.info", "400 visitor-not-found"),
    ("visitors.info", "401"),
    ("visitors.info", "403 error-unauthorized"),
    ("visitors.info", "403 unauthorized"),
    ("visitors.info", "429"),
    ("visitors.info", "500"),
    ("visitors.info", "reset"),
    ("visitors.info", "hang"),
    ("visitors.info", "malformed"),
    ("login", "200"),
    ("login", "401"),
    ("register visitor", "200"),
    ("register visitor", "400"),
    ("visitor by token", "200"),
    ("visitor by token", "400"),
    ("delete visitor", "200"),
    ("delete visitor", "400"),
    ("me", "200"),
    ("me", "401"),
    ("logout", "200"),
    ("logout", "401"),
];

/// How often each contract answer was sent.
#[derive(Debug, Default)]
pub struct Coverage {
    counts: [AtomicU64; ANSWERS.len()],
}

/// What the request path knows of an answer when it records it.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    pub method: &'a hyper::Method,
    pub path: &'a str,
    pub status: Option<u16>,
    pub outcome: &'a str,
    pub body: &'a [u8],
}

/// The contract answer a sent response is, if it is one.
fn classify(sent: &Sent<'_>) -> Option<usize> {
    use hyper::Method;
    // Only the 400s and 403s are told apart by their bodies: read no other body.
    let text = match sent.status {
        Some(400 | 403) => std::str::from_utf8(sent.body).unwrap_or_default(),
        _ => "",
    };
    let endpoint = match (sent.method, sent.path) {
        (&Method::GET | &Method::HEAD, crate::base::paths::VISITORS_INFO) => "visitors.info",
        (&Method::POST, crate::base::paths::LOGIN) => "login",
        (&Method::POST, crate::base::paths::VISITOR) => "register visitor",
        (&Method::GET | &Method::HEAD, crate::base::paths::ME) => "me",
        (&Method::POST | &Method::GET | &Method::HEAD, crate::base::paths::LOGOUT) => "logout",
        (&Method::GET | &Method::HEAD, path)
            if crate::base::paths::token_in_path(path).is_some() =>
        {
            "visitor by token"
        }
        (&Method::DELETE, path) if crate::base::paths::token_in_path(path).is_some() => {
            "delete visitor"
        }
        _ => return None,
    };
    let answer = match (endpoint, sent.status) {
        ("visitors.info", None) if sent.outcome == "hang" => "hang",
        ("visitors.info", None) => "reset",
        ("visitors.info", Some(200)) if sent.outcome == "malformed" => "malformed",
        ("visitors.info", Some(400)) => [
            (
                "required property",
                "400 must have required property 'visitorId'",
            ),
            (
                "additional properties",
                "400 must NOT have additional properties",
            ),
            ("must be string", "400 must be string"),
            ("Invalid query parameters", "400 Invalid query parameters"),
            ("visitor-not-found", "400 visitor-not-found"),
        ]
        .into_iter()
        .find(|(needle, _)| text.contains(needle))
        .map(|(_, answer)| answer)?,
        ("visitors.info", Some(403)) if text.contains("error-unauthorized") => {
            "403 error-unauthorized"
        }
        ("visitors.info", Some(403)) => "403 unauthorized",
        (_, Some(status)) => match status {
            200 => "200",
            400 => "400",
            401 => "401",
            429 => "429",
            500 => "500",
            _ => return None,
        },
        (_, None) => return None,
    };
    ANSWERS
        .iter()
        .position(|(e, a)| *e == endpoint && *a == answer)
}

impl Coverage {
    /// Counts an answer sent.
    pub fn count(&self, sent: &Sent<'_>) {
        if let Some(index) = classify(sent) {
            self.counts[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets every count.
    pub fn reset(&self) {
        for count in &self.counts {
            count.store(0, Ordering::Relaxed);
        }
    }

    /// `GET /_mock/coverage`: each contract answer with its count, and the ones never sent.
    pub fn report(&self) -> Value {
        let answers: Vec<Value> = ANSWERS
            .iter()
            .zip(&self.counts)
            .map(|((endpoint, answer), count)| {
                json!({"endpoint": endpoint, "answer": answer, "count": count.load(Ordering::Relaxed)})
            })
            .collect();
        let never: Vec<String> = self.never();
        json!({
            "seen": ANSWERS.len() - never.len(),
            "total": ANSWERS.len(),
            "answers": answers,
            "never": never,
        })
    }

    fn never(&self) -> Vec<String> {
        ANSWERS
            .iter()
            .zip(&self.counts)
            .filter(|(_, count)| count.load(Ordering::Relaxed) == 0)
            .map(|((endpoint, answer), _)| format!("{endpoint} {answer}"))
            .collect()
    }

    /// The shutdown log's one line.
    pub fn summary(&self) -> String {
        let never = self.never();
        format!(
            "client saw {} of {} contract answers; never: {}",
            ANSWERS.len() - never.len(),
            ANSWERS.len(),
            if never.is_empty() {
                "none".to_string()
            } else {
                never.join(", ")
            }
        )
    }

    /// The report as Markdown, for `--coverage-report FILE.md`.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "# Contract coverage\n\n{}\n\n| endpoint | answer | times sent |\n|---|---|---|\n",
            self.summary()
        );
        for ((endpoint, answer), count) in ANSWERS.iter().zip(&self.counts) {
            out.push_str(&format!(
                "| {endpoint} | {answer} | {} |\n",
                count.load(Ordering::Relaxed)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent<'a>(path: &'a str, status: Option<u16>, outcome: &'a str, body: &'a str) -> Sent<'a> {
        Sent {
            method: &hyper::Method::GET,
            path,
            status,
            outcome,
            body: body.as_bytes(),
        }
    }

    #[test]
    fn answers_are_counted_by_what_was_sent() {
        let coverage = Coverage::default();
        let info = crate::base::paths::VISITORS_INFO;
        coverage.count(&sent(info, Some(200), "ok", "{}"));
        coverage.count(&sent(info, Some(400), "invalid-params", r#"{"success":false,"error":"must be string [invalid-params]","errorType":"invalid-params"}"#));
        coverage.count(&sent(
            info,
            Some(403),
            "forbidden-generic",
            r#"{"success":false,"error":"unauthorized"}"#,
        ));
        coverage.count(&sent(info, None, "reset", ""));
        coverage.count(&sent("/elsewhere", Some(404), "not-found", ""));
        let report = coverage.report();
        assert_eq!(report["seen"], 4);
        assert_eq!(report["total"], ANSWERS.len());
        assert!(coverage.summary().starts_with("client saw 4 of 26 contract answers; never: visitors.info 400 must have required property 'visitorId', "));
    }

    #[test]
    fn every_outcome_id_has_a_contract_answer() {
        // Adding an outcome id without a place in the coverage fails here.
        for id in crate::base::selection::OutcomeId::ALL {
            let (status, body) = match id.as_str() {
                "ok" | "malformed" => (Some(200), ""),
                "invalid-params" => (Some(400), "must be string"),
                "visitor-not-found" => (Some(400), "visitor-not-found"),
                "not-logged-in" => (Some(401), ""),
                "forbidden" => (Some(403), "error-unauthorized"),
                "forbidden-generic" => (Some(403), "unauthorized"),
                "rate-limited" => (Some(429), ""),
                "server-error" => (Some(500), ""),
                "reset" | "hang" => (None, ""),
                other => panic!("outcome id {other:?} has no contract answer in coverage.rs"),
            };
            assert!(
                classify(&sent(
                    crate::base::paths::VISITORS_INFO,
                    status,
                    id.as_str(),
                    body
                ))
                .is_some(),
                "{id}"
            );
        }
    }
}
