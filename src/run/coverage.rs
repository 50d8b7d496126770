//! Contract coverage: which of the answers the contract allows a client was actually sent in
//! this run, counted by the answer sent (status and body variant), whatever rule chose it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::base::endpoint::Endpoint;
use crate::base::selection::OutcomeId;
use crate::run::answer::{Answer, CONTRACT, contract_index};

/// How often each contract answer was sent.
#[derive(Debug, Default)]
pub struct Coverage {
    counts: [AtomicU64; CONTRACT.len()],
}

impl Coverage {
    /// Counts `answer`, sent by `endpoint`: the answer actually sent, so a body the schema
    /// gate blocked counts as the 500 that went instead.
    pub fn count(&self, endpoint: Endpoint, answer: Answer, blocked: bool) {
        let sent = if blocked {
            Answer::Outcome(OutcomeId::ServerError)
        } else {
            answer
        };
        if let Some(index) = contract_index(endpoint, sent) {
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
        let answers: Vec<Value> = CONTRACT
            .iter()
            .zip(&self.counts)
            .map(|((endpoint, answer), count)| {
                json!({"endpoint": endpoint.label(), "answer": answer, "count": count.load(Ordering::Relaxed)})
            })
            .collect();
        let never: Vec<String> = self.never();
        json!({
            "seen": CONTRACT.len() - never.len(),
            "total": CONTRACT.len(),
            "answers": answers,
            "never": never,
        })
    }

    fn never(&self) -> Vec<String> {
        CONTRACT
            .iter()
            .zip(&self.counts)
            .filter(|(_, count)| count.load(Ordering::Relaxed) == 0)
            .map(|((endpoint, answer), _)| format!("{} {answer}", endpoint.label()))
            .collect()
    }

    /// The shutdown log's one line.
    pub fn summary(&self) -> String {
        let never = self.never();
        format!(
            "client saw {} of {} contract answers; never: {}",
            CONTRACT.len() - never.len(),
            CONTRACT.len(),
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
        for ((endpoint, answer), count) in CONTRACT.iter().zip(&self.counts) {
            out.push_str(&format!(
                "| {} | {answer} | {} |\n",
                endpoint.label(),
                count.load(Ordering::Relaxed)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::query::ParamError;

    #[test]
    fn answers_are_counted_by_what_was_sent() {
        let coverage = Coverage::default();
        let info = Endpoint::VisitorsInfo;
        coverage.count(info, Answer::Outcome(OutcomeId::Ok), false);
        coverage.count(info, Answer::InvalidParams(ParamError::NotString), false);
        coverage.count(info, Answer::Outcome(OutcomeId::ForbiddenGeneric), false);
        coverage.count(info, Answer::Outcome(OutcomeId::Reset), false);
        // a 200 the gate blocked went out as the 500
        coverage.count(Endpoint::Me, Answer::Me, true);
        coverage.count(info, Answer::Outcome(OutcomeId::Ok), true);
        // a companion's 429 is no contract answer
        coverage.count(
            Endpoint::Login,
            Answer::Outcome(OutcomeId::RateLimited),
            false,
        );
        let report = coverage.report();
        assert_eq!(report["seen"], 5);
        assert_eq!(report["total"], CONTRACT.len());
        assert_eq!(
            report["answers"][10],
            json!({"endpoint": "visitors.info", "answer": "500", "count": 1})
        );
        assert!(coverage.summary().starts_with("client saw 5 of 26 contract answers; never: visitors.info 400 must have required property 'visitorId', "));
        coverage.reset();
        assert_eq!(coverage.report()["seen"], 0);
    }
}
