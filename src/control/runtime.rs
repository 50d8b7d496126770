//! The runtime controls, shared by the HTTP control API (`admin`) and the library handle
//! (`MockServer`): one implementation, two doors.

use serde_json::Value;

use crate::run::journal::{Entry, Filter};
use crate::run::overrides::Overrides;
use crate::run::state::AppState;

/// Why a control operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// A visitor document or override breaks its schema.
    #[error("{}: {reason}", if pointer.is_empty() { "/" } else { pointer })]
    Invalid { pointer: String, reason: String },
    /// The document clashes with the stored data (another visitor's token, another `_id`).
    #[error("{0}")]
    Conflict(String),
    /// An override body that cannot be used (the message names the place).
    #[error("{0}")]
    BadOverride(String),
    /// No such visitor.
    #[error("no visitor {0:?}")]
    NotFound(String),
}

/// Adds or replaces the visitor `id` with a stored document (token included, `_id` optional but
/// equal to `id` when given); returns whether it is new and the document as stored.
///
/// # Errors
/// [`ControlError::Invalid`] for a document the stored-visitor schema refuses,
/// [`ControlError::Conflict`] for another `_id` or a token another visitor holds.
pub fn put_visitor(
    state: &AppState,
    id: &str,
    mut doc: Value,
) -> Result<(bool, Value), ControlError> {
    if let Some(map) = doc.as_object_mut() {
        match map.get("_id") {
            None => {
                map.shift_insert(0, "_id".to_string(), Value::String(id.to_string()));
            }
            Some(Value::String(given)) if given == id => {}
            Some(_) => {
                return Err(ControlError::Conflict(format!(
                    "the document's _id must be the path's {id:?}"
                )));
            }
        }
    }
    if let Err(violation) = state.schemas.visitor.check(&doc) {
        return Err(ControlError::Invalid {
            pointer: violation.pointer,
            reason: violation.message,
        });
    }
    let Some(map) = doc.as_object() else {
        return Err(ControlError::Invalid {
            pointer: String::new(),
            reason: "a visitor document is an object".into(),
        });
    };
    let created = state
        .store_mut()
        .put(map, &state.schemas)
        .map_err(ControlError::Conflict)?;
    Ok((created, doc))
}

/// Removes a visitor.
///
/// # Errors
/// [`ControlError::NotFound`].
pub fn delete_visitor(state: &AppState, id: &str) -> Result<(), ControlError> {
    if state.store_mut().remove(id) {
        Ok(())
    } else {
        Err(ControlError::NotFound(id.to_string()))
    }
}

/// Sets the admin override from a `PUT /_mock/outcome` body; returns it as accepted.
///
/// # Errors
/// [`ControlError::BadOverride`] for a body its schema refuses or an unknown outcome.
pub fn set_outcome(state: &AppState, body: &[u8]) -> Result<Value, ControlError> {
    let parsed =
        Overrides::parse(body, &state.override_schema).map_err(ControlError::BadOverride)?;
    let shown = if parsed.listed {
        Value::Array(
            parsed
                .steps
                .iter()
                .map(|s| serde_json::to_value(&s.request).unwrap_or(Value::Null))
                .collect(),
        )
    } else {
        parsed
            .steps
            .front()
            .map(|s| serde_json::to_value(&s.request).unwrap_or(Value::Null))
            .unwrap_or(Value::Null)
    };
    state.overrides.replace(Some(parsed));
    Ok(shown)
}

/// What is left of the override or sequence, as `GET /_mock/outcome` shows it.
pub fn show_outcome(state: &AppState) -> Value {
    state.overrides.shown()
}

/// Removes the admin override.
pub fn clear_outcome(state: &AppState) {
    state.overrides.replace(None);
}

/// The journal entries that pass `filter`, oldest first.
pub fn requests(state: &AppState, filter: &Filter) -> Vec<Entry> {
    state.journal.list(filter)
}
