//! The admin override set through `PUT /_mock/outcome`: an outcome for the next N requests (or
//! all), optionally only those for one visitor or from one user.

use serde::{Deserialize, Serialize};

use crate::selection::Choice;

/// What `PUT /_mock/outcome` takes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// An outcome id or an example name of the spec page.
    pub outcome: String,
    /// How many matching requests get it; absent: all of them until deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

/// Which requests an override applies to; an absent field matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default, rename = "visitorId", skip_serializing_if = "Option::is_none")]
    pub visitor_id: Option<String>,
    #[serde(default, rename = "userId", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// An override in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub choice: Choice,
    /// Requests it still applies to; `None` for no limit.
    pub remaining: Option<u64>,
    pub scope: Scope,
    /// As it was asked for, to show back.
    pub request: OverrideRequest,
}

impl Override {
    /// Reads and checks a `PUT /_mock/outcome` body.
    ///
    /// # Errors
    /// Invalid JSON, unknown fields, an unknown outcome or `times: 0`.
    pub fn parse(body: &[u8]) -> Result<Override, String> {
        let request: OverrideRequest = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let choice = Choice::by_name(&request.outcome)?;
        if request.times == Some(0) {
            return Err(
                "times must be at least 1 (DELETE /_mock/outcome removes an override)".into(),
            );
        }
        Ok(Override {
            choice,
            remaining: request.times,
            scope: request.scope.clone().unwrap_or_default(),
            request,
        })
    }

    /// Whether a request for `visitor_id` (if it names a valid one) by `user_id` is in scope.
    pub fn matches(&self, visitor_id: Option<&str>, user_id: Option<&str>) -> bool {
        self.scope
            .visitor_id
            .as_deref()
            .is_none_or(|want| visitor_id == Some(want))
            && self
                .scope
                .user_id
                .as_deref()
                .is_none_or(|want| user_id == Some(want))
    }

    /// Uses the override once; returns whether it is now spent.
    pub fn consume(&mut self) -> bool {
        match &mut self.remaining {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selection::{Example, OutcomeId};

    #[test]
    fn parses_an_outcome_id_or_an_example_name_with_times_and_scope() {
        let o = Override::parse(br#"{"outcome":"forbidden","times":2,"match":{"visitorId":"v1"}}"#)
            .unwrap();
        assert_eq!(o.choice, Choice::Outcome(OutcomeId::Forbidden));
        assert_eq!(o.remaining, Some(2));
        assert!(o.matches(Some("v1"), None));
        assert!(!o.matches(Some("v2"), None));
        let o = Override::parse(br#"{"outcome":"Example 2"}"#).unwrap();
        assert_eq!(o.choice, Choice::Example(Example::Example2));
        assert!(o.matches(None, None));
    }

    #[test]
    fn refuses_unknown_outcomes_fields_and_zero_times() {
        assert!(
            Override::parse(br#"{"outcome":"teapot"}"#)
                .unwrap_err()
                .starts_with("unknown example \"teapot\"")
        );
        assert!(
            Override::parse(br#"{"outcome":"ok","count":1}"#)
                .unwrap_err()
                .contains("unknown field `count`")
        );
        assert!(Override::parse(br#"{"outcome":"ok","times":0}"#).is_err());
        assert!(Override::parse(b"not json").is_err());
    }

    #[test]
    fn times_count_down_to_spent() {
        let mut o = Override::parse(br#"{"outcome":"ok","times":2}"#).unwrap();
        assert!(!o.consume());
        assert!(o.consume());
    }
}
