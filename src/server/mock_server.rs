//! [`MockServer`]: the library's handle on a running server, and the binary's.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::base::error::Error;
use crate::base::selection::OutcomeId;
use crate::control::runtime::{self, ControlError};
use crate::data::config::Config;
use crate::run::expectations::Expectation;
use crate::run::journal::{Entry as JournalEntry, Filter};
use crate::run::state::AppState;
use crate::server::builder::MockServerBuilder;
use crate::server::serve::{Https, bind, serve_with};

/// 32 random hex characters.
fn random_token() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// A running mock server, for the tests of downstream clients. Shuts down when dropped.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use livechat_mock::{MockServer, OutcomeId};
///
/// let server = MockServer::builder().start().await?;
/// let url = format!("{}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70", server.uri());
/// server.set_outcome(OutcomeId::NotLoggedIn, Some(1))?; // the next request gets a 401
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "the server shuts down when the handle is dropped"]
pub struct MockServer {
    address: SocketAddr,
    /// `http` or `https`.
    scheme: &'static str,
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// A builder whose settings mirror the command line's flags, one to one.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Loads the configured data, binds, and serves in the background.
    ///
    /// # Errors
    /// A bad schema set or fixture file, or an address that cannot be bound.
    pub async fn start(mut config: Config) -> Result<MockServer, Error> {
        config.validate().map_err(Error::Config)?;
        if config.admin == crate::data::config::Admin::Open && !config.is_loopback() {
            // Off loopback the control API is never open: a token is made for this run and
            // shown once, as notebook servers do.
            let token = random_token();
            eprintln!(
                "the control API (/_mock/) listens beyond loopback: send `Authorization: Bearer {token}` (or set --admin-token)"
            );
            config.admin = crate::data::config::Admin::Token(token);
        }
        let state = Arc::new(AppState::load(&config)?);
        #[cfg(feature = "tls")]
        let https: Https = match &config.tls {
            Some(tls) => {
                let https = crate::server::tls::configure(tls, &config.host)?;
                if let Some(pem) = &https.ca_pem {
                    let _ = state.ca_pem.set(pem.clone());
                }
                Some(https)
            }
            None => None,
        };
        #[cfg(not(feature = "tls"))]
        let https: Https = match &config.tls {
            Some(_) => {
                return Err(Error::Config(
                    "HTTPS needs the `tls` feature, which this build leaves out".into(),
                ));
            }
            None => None,
        };
        let scheme = if https.is_some() { "https" } else { "http" };
        let listener = bind(&config).await?;
        let address = listener.local_addr().map_err(|source| Error::Bind {
            addr: format!("{}:{}", config.host, config.port),
            source,
        })?;
        if !address.ip().is_loopback() {
            tracing::warn!(%address, "listening beyond this machine: anyone who can reach this address can read the fixtures and call the API");
        }
        let (tx, rx) = oneshot::channel::<()>();
        let watcher = config
            .watch
            .then(|| tokio::spawn(crate::server::watch::watch(state.clone())));
        let task = tokio::spawn(serve_with(listener, state.clone(), https, async move {
            let _ = rx.await;
            if let Some(watcher) = watcher {
                watcher.abort();
            }
        }));
        Ok(MockServer {
            address,
            scheme,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The base URI, e.g. `http://127.0.0.1:41234` (`https://` when serving HTTPS).
    pub fn uri(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    /// The local CA's certificate (PEM) that `--tls auto` made, for a client to trust.
    pub fn ca_pem(&self) -> Option<&str> {
        self.state.ca_pem.get().map(String::as_str)
    }

    /// The bound socket address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// As `PUT /_mock/outcome`: `outcome` for the next `times` requests (all while `None`).
    ///
    /// # Errors
    /// Never for an [`OutcomeId`]; the signature matches [`MockServer::set_outcome_json`].
    pub fn set_outcome(&self, outcome: OutcomeId, times: Option<u64>) -> Result<(), ControlError> {
        let mut body = serde_json::json!({ "outcome": outcome.as_str() });
        if let Some(times) = times {
            body["times"] = times.into();
        }
        self.set_outcome_json(&body).map(|_| ())
    }

    /// As `PUT /_mock/outcome` with a list: each outcome for its `times` matching requests, in
    /// order, then back to the fixtures (a last step with `None` stays until cleared). For
    /// retry and backoff tests: `[(ServerError, Some(2)), (RateLimited, Some(1))]`.
    ///
    /// # Errors
    /// An empty list.
    pub fn set_outcome_sequence(
        &self,
        steps: &[(OutcomeId, Option<u64>)],
    ) -> Result<(), ControlError> {
        let body: Vec<Value> = steps
            .iter()
            .map(|(outcome, times)| {
                let mut step = serde_json::json!({ "outcome": outcome.as_str() });
                if let Some(times) = times {
                    step["times"] = (*times).into();
                }
                step
            })
            .collect();
        self.set_outcome_json(&Value::Array(body)).map(|_| ())
    }

    /// As `GET /_mock/outcome`: the override in force with what is left of it (`remaining`),
    /// the steps left of a sequence, or `{"outcome": null}`.
    pub fn outcome(&self) -> Value {
        runtime::show_outcome(&self.state)
    }

    /// As `PUT /_mock/outcome` with a whole body: `{"outcome", "times"?, "match"?}`, or a list
    /// of them (a sequence).
    ///
    /// # Errors
    /// A body the override schema refuses, or an unknown outcome or example name.
    pub fn set_outcome_json(&self, body: &Value) -> Result<Value, ControlError> {
        runtime::set_outcome(&self.state, body.to_string().as_bytes())
    }

    /// As `DELETE /_mock/outcome`.
    pub fn clear_outcome(&self) {
        runtime::clear_outcome(&self.state);
    }

    /// As `PUT /_mock/visitors/{id}`: adds or replaces a visitor; returns whether it is new.
    ///
    /// # Errors
    /// A document the stored-visitor schema refuses, or one that clashes with another visitor.
    pub fn put_visitor(&self, id: &str, document: Value) -> Result<bool, ControlError> {
        runtime::put_visitor(&self.state, id, document).map(|(created, _)| created)
    }

    /// As `DELETE /_mock/visitors/{id}`.
    ///
    /// # Errors
    /// No such visitor.
    pub fn delete_visitor(&self, id: &str) -> Result<(), ControlError> {
        runtime::delete_visitor(&self.state, id)
    }

    /// As `GET /_mock/requests`: what clients sent, oldest first (tokens redacted).
    pub fn requests(&self) -> Vec<JournalEntry> {
        runtime::requests(&self.state, &Filter::default())
    }

    /// Reads the fixture files again (what SIGHUP and `--watch` do): a valid set is served from
    /// now on, replacing visitors registered or changed since; on an error nothing changes.
    ///
    /// # Errors
    /// The same errors as at start-up, naming the file, the place and the reason.
    pub fn reload(&self) -> Result<(), Error> {
        self.state.reload()
    }

    /// As `POST /_mock/reset`: the loaded fixtures again, no override.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Expects requests matching `expectation` (as wiremock-rs's `Mock::expect`): checked by
    /// [`MockServer::verify`], and when the server is dropped.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use livechat_mock::{Expectation, MockServer};
    /// let server = MockServer::builder().start().await?;
    /// server.expect(Expectation::visitors_info().visitor_id("6a22b1765528fa64dd29de70").times(1));
    /// // ... run the client ...
    /// server.verify(); // panics with what was received instead, if unmet
    /// # Ok(()) }
    /// ```
    pub fn expect(&self, expectation: Expectation) {
        self.state.expectations.add(expectation);
    }

    /// Panics, listing each unmet expectation and what was received instead, unless every
    /// expectation is met.
    #[allow(clippy::panic)]
    pub fn verify(&self) {
        if let Err(message) = self.state.expectations.verify() {
            panic!("{message}");
        }
    }

    /// As [`MockServer::verify`], without panicking.
    ///
    /// # Errors
    /// The report of the unmet expectations.
    pub fn try_verify(&self) -> Result<(), String> {
        self.state.expectations.verify()
    }

    /// As `GET /_mock/coverage`: every contract answer with how often it was sent, and those
    /// never sent.
    pub fn coverage(&self) -> Value {
        self.state.coverage.report()
    }

    /// One line: "client saw N of M contract answers; never: ...".
    pub fn coverage_summary(&self) -> String {
        self.state.coverage.summary()
    }

    /// The coverage as a Markdown table.
    pub fn coverage_markdown(&self) -> String {
        self.state.coverage.markdown()
    }

    /// Stops accepting, lets in-flight requests finish, and waits until the server is gone.
    /// Logs the contract coverage of the run on the way out.
    pub async fn shutdown(mut self) {
        tracing::info!("{}", self.state.coverage.summary());
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    #[allow(clippy::panic)]
    fn drop(&mut self) {
        // wiremock-rs's convention: unmet expectations fail the test when the server goes,
        // unless the test is already failing.
        if !std::thread::panicking()
            && self.state.expectations.set_by_library()
            && let Err(message) = self.state.expectations.verify()
        {
            if let Some(tx) = self.shutdown.take() {
                let _ = tx.send(());
            }
            panic!("{message}");
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
