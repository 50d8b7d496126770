//! The state of one running mock: the store in use, the prepared replies, the override, the journal, coverage and expectations. Imports `base` and `data`.

pub(crate) mod answer;
pub(crate) mod coverage;
pub(crate) mod expectations;
pub(crate) mod journal;
pub(crate) mod outcome;
pub(crate) mod overrides;
pub(crate) mod state;
