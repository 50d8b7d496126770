//! The admin override set through `PUT /_mock/outcome`: an outcome for the next N requests (or
//! all), optionally only those for one visitor or from one user.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::base::selection::{Choice, Example, OutcomeId};

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
    /// How long each answer it chooses waits, in milliseconds: a number, or `[min, max]` drawn
    /// from the run's seed as `--latency` draws. It takes the place of `--latency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<Value>,
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

/// The JSON Schema of a `PUT /_mock/outcome` body: the one the control API checks and the
/// OpenAPI document shows.
pub fn schema() -> Value {
    let names: Vec<&str> = Example::ALL
        .map(Example::name)
        .into_iter()
        .chain(OutcomeId::ALL.map(OutcomeId::as_str))
        .collect();
    json!({
        "type": "object",
        "properties": {
            "outcome": { "enum": names, "description": "An outcome id or a spec page example name." },
            "times": { "type": "integer", "minimum": 1, "maximum": 1000000000000000u64, "description": "How many matching requests get it; absent: all, until deleted." },
            "match": {
                "type": "object",
                "properties": { "visitorId": { "type": "string" }, "userId": { "type": "string" } },
                "additionalProperties": false
            },
            "delay_ms": {
                "description": "How long each answer it chooses waits: milliseconds, or [min, max] (either order) drawn from the seed.",
                "oneOf": [
                    { "type": "integer", "minimum": 0, "maximum": 600000 },
                    { "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 600000 }, "minItems": 2, "maxItems": 2 }
                ]
            }
        },
        "required": ["outcome"],
        "additionalProperties": false
    })
}

/// The schema of a whole `PUT /_mock/outcome` body: one override, or a list of them.
pub fn body_schema() -> Value {
    let one = schema();
    json!({ "oneOf": [one, { "type": "array", "minItems": 1, "items": one, "description": "A sequence: each step in order, used up by its times; a step without times stays." }] })
}

/// [`schema`], compiled.
pub fn validator() -> jsonschema::Validator {
    // The schema is a constant of this file, so it always compiles.
    jsonschema::draft202012::new(&schema()).unwrap_or_else(|e| unreachable!("override schema: {e}"))
}

/// An override in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub choice: Choice,
    /// Its `delay_ms`, as a range.
    pub delay: Option<crate::base::chaos::Latency>,
    /// Requests it still applies to; `None` for no limit.
    pub remaining: Option<u64>,
    pub scope: Scope,
    /// As it was asked for, to show back.
    pub request: OverrideRequest,
}

/// What `PUT /_mock/outcome` set: one override, or a sequence served in order (WireMock's
/// scenarios), each step used up before the next applies, then back to the fixtures (or to a
/// last step with no `times`, which stays).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The steps left; the first is in force.
    pub steps: std::collections::VecDeque<Override>,
    /// Whether they were given as a list (and are shown back as one).
    pub listed: bool,
}

/// The override in force, behind its lock, with the one flag that says whether any is set (the
/// request path reads the flag and skips the lock when none is).
#[derive(Debug, Default)]
pub struct Slot {
    overrides: std::sync::Mutex<Overrides>,
    set: std::sync::atomic::AtomicBool,
}

impl Slot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Overrides> {
        self.overrides.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets (or, with `None`, clears) the override or sequence.
    pub fn replace(&self, value: Option<Overrides>) {
        let mut slot = self.lock();
        let value = value.unwrap_or_default();
        self.set.store(
            !value.steps.is_empty(),
            std::sync::atomic::Ordering::Release,
        );
        *slot = value;
    }

    /// The choice in force for this request and its delay, used up once (see
    /// [`Overrides::take`]).
    pub fn take(
        &self,
        visitor_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Option<(Choice, Option<crate::base::chaos::Latency>)> {
        if !self.set.load(std::sync::atomic::Ordering::Acquire) {
            return None;
        }
        let mut slot = self.lock();
        let choice = slot.take(visitor_id, user_id);
        if slot.steps.is_empty() {
            self.set.store(false, std::sync::atomic::Ordering::Release);
        }
        choice
    }

    /// As `GET /_mock/outcome` shows it.
    pub fn shown(&self) -> Value {
        self.lock().shown()
    }

    /// A copy of what is set, to put back later (a provider state's teardown).
    pub fn snapshot(&self) -> Overrides {
        self.lock().clone()
    }
}

impl Overrides {
    /// Reads a `PUT /_mock/outcome` body: one override object, or a non-empty list of them in
    /// which only the last may leave out `times`.
    ///
    /// # Errors
    /// As [`Override::parse`], with the list index in front; an empty list.
    pub fn parse(body: &[u8], schema: &jsonschema::Validator) -> Result<Overrides, String> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
        let Value::Array(items) = value else {
            return Ok(Overrides {
                steps: std::iter::once(Override::from_value(value, schema)?).collect(),
                listed: false,
            });
        };
        if items.is_empty() {
            return Err("/: an outcome sequence needs at least one step".into());
        }
        let last = items.len() - 1;
        let mut steps = std::collections::VecDeque::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let step = Override::from_value(item, schema).map_err(|e| format!("/{i}{e}"))?;
            // A step without `times` never ends: the steps after it are never reached.
            let endless = step.remaining.is_none() && i != last;
            steps.push_back(step);
            if endless {
                break;
            }
        }
        Ok(Overrides {
            steps,
            listed: true,
        })
    }

    /// The step in force for this request, used up once; `None` when nothing is set or the
    /// request is out of the step's scope.
    pub fn take(
        &mut self,
        visitor_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Option<(Choice, Option<crate::base::chaos::Latency>)> {
        let head = self.steps.front_mut()?;
        if !head.matches(visitor_id, user_id) {
            return None;
        }
        let taken = (head.choice, head.delay);
        if head.consume() {
            self.steps.pop_front();
        }
        Some(taken)
    }

    /// As `GET /_mock/outcome` shows it.
    pub fn shown(&self) -> Value {
        let show = |step: &Override| {
            let mut value = serde_json::to_value(&step.request).unwrap_or(Value::Null);
            value["remaining"] = json!(step.remaining);
            value
        };
        if self.listed {
            Value::Array(self.steps.iter().map(show).collect())
        } else {
            self.steps
                .front()
                .map_or_else(|| json!({ "outcome": null }), show)
        }
    }
}

impl Override {
    /// Reads and checks a `PUT /_mock/outcome` body holding one override.
    ///
    /// # Errors
    /// Invalid JSON, unknown fields, an unknown outcome or `times: 0`.
    #[cfg(test)]
    pub fn parse(body: &[u8], schema: &jsonschema::Validator) -> Result<Override, String> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
        Override::from_value(value, schema)
    }

    fn from_value(value: Value, schema: &jsonschema::Validator) -> Result<Override, String> {
        if let Some(Value::String(name)) = value.get("outcome")
            && let Err(message) = Choice::by_name(name)
        {
            // The schema's enum error lists two names "or N other candidates": say them all.
            return Err(format!("/outcome: {message}"));
        }
        if let Some(error) = schema.iter_errors(&value).next() {
            let at = error.instance_path().to_string();
            return Err(format!(
                "{}: {error}",
                if at.is_empty() { "/" } else { &at }
            ));
        }
        let text = |v: &Value| v.as_str().map(str::to_string);
        let scope = value.get("match").map(|m| Scope {
            visitor_id: m.get("visitorId").and_then(text),
            user_id: m.get("userId").and_then(text),
        });
        // The schema admits 3 and 3.0 alike; past u64 it is as good as no limit.
        // The schema bounds `times` to 10^15, which an f64 holds exactly.
        let times = value.get("times").and_then(Value::as_f64).map(|t| t as u64);
        let delay_ms = value.get("delay_ms").cloned();
        let delay = match &delay_ms {
            Some(Value::Array(pair)) => {
                // The two bounds in either order: the schema cannot say "min first", so the
                // control API takes what its own document admits.
                let (a, b) = (
                    pair[0].as_u64().unwrap_or_default(),
                    pair[1].as_u64().unwrap_or_default(),
                );
                Some(crate::base::chaos::Latency {
                    min_ms: a.min(b),
                    max_ms: a.max(b),
                })
            }
            Some(value) => value.as_u64().map(|ms| crate::base::chaos::Latency {
                min_ms: ms,
                max_ms: ms,
            }),
            None => None,
        };
        let request = OverrideRequest {
            outcome: value.get("outcome").and_then(text).unwrap_or_default(),
            times,
            scope,
            delay_ms,
        };
        let choice = Choice::by_name(&request.outcome)?;
        Ok(Override {
            delay,
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
    use crate::base::selection::{Example, OutcomeId};

    #[test]
    fn parses_an_outcome_id_or_an_example_name_with_times_and_scope() {
        let o = Override::parse(
            br#"{"outcome":"forbidden","times":2,"match":{"visitorId":"v1"}}"#,
            &validator(),
        )
        .unwrap();
        assert_eq!(o.choice, Choice::Outcome(OutcomeId::Forbidden));
        assert_eq!(o.remaining, Some(2));
        assert!(o.matches(Some("v1"), None));
        assert!(!o.matches(Some("v2"), None));
        let o = Override::parse(br#"{"outcome":"Example 2"}"#, &validator()).unwrap();
        assert_eq!(o.choice, Choice::Example(Example::Example2));
        assert!(o.matches(None, None));
    }

    #[test]
    fn refuses_what_the_schema_refuses_with_the_place() {
        let parse = |body: &str| Override::parse(body.as_bytes(), &validator()).unwrap_err();
        assert!(
            parse(r#"{"outcome":"teapot"}"#).starts_with("/outcome: "),
            "{}",
            parse(r#"{"outcome":"teapot"}"#)
        );
        assert!(parse(r#"{"outcome":"ok","count":1}"#).starts_with("/: "));
        assert!(
            parse(r#"{"outcome":"ok","times":0}"#)
                .starts_with("/times: 0 is less than the minimum of 1")
        );
        assert!(
            parse(r#"{"outcome":"ok","match":{"userId":null}}"#)
                .starts_with("/match/userId: null is not of type")
        );
        assert!(parse("not json").starts_with("invalid JSON: "));
    }

    #[test]
    fn an_integral_float_is_a_count() {
        let o = Override::parse(br#"{"outcome":"ok","times":3.0}"#, &validator()).unwrap();
        assert_eq!(o.remaining, Some(3));
    }

    #[test]
    fn times_count_down_to_spent() {
        let mut o = Override::parse(br#"{"outcome":"ok","times":2}"#, &validator()).unwrap();
        assert!(!o.consume());
        assert!(o.consume());
    }
}
