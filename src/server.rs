//! The accept loop, graceful shutdown, and the library's handle on a running server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use serde_json::Value;

use crate::builder::MockServerBuilder;
use crate::config::Config;
use crate::control::{self, ControlError};
use crate::error::Error;
use crate::journal::{Entry as JournalEntry, Filter};
use crate::selection::OutcomeId;
use crate::service;
use crate::state::AppState;

/// How long a client may take to send a request head before it is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long in-flight requests get to finish once shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves HTTP/1.1 on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// (up to a bounded drain) and returns. The binary and [`MockServer`] both run this.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(shutdown);

    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(err) => {
                        // Out of file descriptors and the like: back off rather than spin.
                        tracing::warn!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let connection = http.serve_connection(
                    TokioIo::new(stream),
                    service_fn(move |request| service::handle(state.clone(), request)),
                );
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::debug!(%peer, error = %err, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }

    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("shutdown drain timed out; closing the remaining connections");
        }
    }
}

/// Binds the configured address.
///
/// # Errors
/// [`Error::Bind`] when the address is taken, not local, or not resolvable.
pub async fn bind(config: &Config) -> Result<TcpListener, Error> {
    TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|source| Error::Bind {
            addr: format!("{}:{}", config.host, config.port),
            source,
        })
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
    pub async fn start(config: Config) -> Result<MockServer, Error> {
        let state = Arc::new(AppState::load(&config)?);
        let listener = bind(&config).await?;
        let address = listener.local_addr().map_err(|source| Error::Bind {
            addr: format!("{}:{}", config.host, config.port),
            source,
        })?;
        if !address.ip().is_loopback() {
            tracing::warn!(%address, "listening beyond this machine: anyone who can reach this address can read the fixtures and use the control API");
        }
        let (tx, rx) = oneshot::channel::<()>();
        let watcher = config
            .watch
            .then(|| tokio::spawn(crate::watch::watch(state.clone())));
        let task = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = rx.await;
            if let Some(watcher) = watcher {
                watcher.abort();
            }
        }));
        Ok(MockServer {
            address,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The base URI, e.g. `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
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

    /// As `PUT /_mock/outcome` with a whole body: `{"outcome", "times"?, "match"?}`.
    ///
    /// # Errors
    /// A body the override schema refuses, or an unknown outcome or example name.
    pub fn set_outcome_json(&self, body: &Value) -> Result<Value, ControlError> {
        control::set_outcome(&self.state, body.to_string().as_bytes())
    }

    /// As `DELETE /_mock/outcome`.
    pub fn clear_outcome(&self) {
        control::clear_outcome(&self.state);
    }

    /// As `PUT /_mock/visitors/{id}`: adds or replaces a visitor; returns whether it is new.
    ///
    /// # Errors
    /// A document the stored-visitor schema refuses, or one that clashes with another visitor.
    pub fn put_visitor(&self, id: &str, document: Value) -> Result<bool, ControlError> {
        control::put_visitor(&self.state, id, document).map(|(created, _)| created)
    }

    /// As `DELETE /_mock/visitors/{id}`.
    ///
    /// # Errors
    /// No such visitor.
    pub fn delete_visitor(&self, id: &str) -> Result<(), ControlError> {
        control::delete_visitor(&self.state, id)
    }

    /// As `GET /_mock/requests`: what clients sent, oldest first (tokens redacted).
    pub fn requests(&self) -> Vec<JournalEntry> {
        control::requests(&self.state, &Filter::default())
    }

    /// As `POST /_mock/reset`: the loaded fixtures again, no override.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops accepting, lets in-flight requests finish, and waits until the server is gone.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
