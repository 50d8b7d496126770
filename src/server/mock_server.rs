//! The accept loop, graceful shutdown, and the library's handle on a running server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

use serde_json::Value;

use crate::base::error::Error;
use crate::base::selection::OutcomeId;
use crate::control::runtime::{self, ControlError};
use crate::data::config::Config;
use crate::http::service;
use crate::run::expectations::Expectation;
use crate::run::journal::{Entry as JournalEntry, Filter};
use crate::run::state::AppState;
use crate::server::builder::MockServerBuilder;
use crate::server::watchdog::{Activity, Verdict, Watchdog};

/// How long in-flight requests get to finish once shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Counts a request in flight for as long as it lives.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: &Arc<Activity>) -> InFlight {
        activity.request_started();
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A stream (TCP, or TLS over TCP) that tells its connection's [`Activity`] when bytes move.
struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Tracked<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.read();
        }
        result
    }
}

impl<S> Tracked<S> {
    /// Tells the activity whether a write moved bytes or had to wait for the client.
    fn wrote(&self, result: &Poll<std::io::Result<usize>>) {
        match result {
            Poll::Ready(Ok(n)) if *n > 0 => {
                self.activity.moved();
                self.activity.write_blocked(false);
            }
            Poll::Pending => self.activity.write_blocked(true),
            Poll::Ready(_) => {}
        }
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Tracked<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, data);
        this.wrote(&result);
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// HTTPS, when configured: the TLS acceptor the connections go through.
#[cfg(feature = "tls")]
pub(crate) type Https = Option<crate::server::tls::Https>;
/// Without the `tls` feature there is no HTTPS.
#[cfg(not(feature = "tls"))]
pub(crate) type Https = Option<std::convert::Infallible>;

/// Serves HTTP/1.1 (over TLS when `https` says so) on `listener` until `shutdown` resolves, then
/// lets in-flight requests finish (up to a bounded drain) and returns.
///
/// Every connection is held to the configured limits: head size (431), header timeout, idle
/// keep-alive timeout, send timeout; at most `max_connections` are served at once (the rest
/// wait in the kernel's listen queue, so a flood cannot exhaust memory or descriptors).
pub(crate) async fn serve_with(
    listener: TcpListener,
    state: Arc<AppState>,
    https: Https,
    shutdown: impl Future<Output = ()>,
) {
    let limits = state.config.limits.clone();
    let mut http = http1::Builder::new();
    // The header timeout is the connection's watchdog's (see `watchdog`), not a timer per head.
    http.header_read_timeout(None)
        .max_buf_size(limits.max_head_bytes.max(8192))
        // Node accepts up to 2,000 headers; the head's size is what --max-head-bytes bounds.
        .max_headers(2000);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);

    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // the semaphore is never closed
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        #[cfg(feature = "tls")]
        if let Some(https) = &https {
            let acceptor = https.acceptor.clone();
            let (state, http, stop) = (state.clone(), http.clone(), stop_rx.clone());
            let handshake_timeout = limits.header_timeout;
            connections.spawn(async move {
                // A plain-HTTP request, or a client that never finishes the handshake, gets
                // the connection closed (as Node's HTTPS server does), within the header timeout.
                // A first byte that cannot begin a TLS handshake (0x16) is plain HTTP: closed
                // at once, nothing written back.
                let mut first = [0u8; 1];
                let peeked = tokio::time::timeout(handshake_timeout, stream.peek(&mut first)).await;
                if !matches!(peeked, Ok(Ok(1))) || first[0] != 0x16 {
                    tracing::debug!(%peer, "not a TLS handshake on the HTTPS port: closed");
                    return;
                }
                match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => connection_task(tls, peer, state, http, stop, slot).await,
                    Ok(Err(err)) => tracing::debug!(%peer, error = %err, "TLS handshake failed"),
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake not done within the header timeout")
                    }
                }
            });
            continue;
        }
        #[cfg(not(feature = "tls"))]
        let _ = &https;
        connections.spawn(connection_task(
            stream,
            peer,
            state.clone(),
            http.clone(),
            stop_rx.clone(),
            slot,
        ));
    }

    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    match drained {
        Ok(()) => tracing::info!("all connections closed"),
        Err(_) => {
            tracing::warn!("shutdown drain timed out; closing the remaining connections");
            connections.abort_all();
        }
    }
}

/// 32 random hex characters.
fn random_token() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// One connection: its requests answered by the service, closed when its [`Watchdog`] says so
/// (idle, or a request head too slow) or when the server stops, its slot freed at the end.
async fn connection_task<S>(
    stream: S,
    peer: SocketAddr,
    state: Arc<AppState>,
    http: http1::Builder,
    mut stop: watch::Receiver<bool>,
    slot: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let _slot = slot;
    let limits = &state.config.limits;
    let mut watchdog = Watchdog::new(
        limits.idle_timeout,
        limits.header_timeout,
        limits.send_timeout,
    );
    let send_timeout = limits.send_timeout;
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let counted = activity.clone();
    let service = service_fn(move |request| {
        let in_flight = InFlight::new(&counted);
        let state = state.clone();
        async move {
            let response = service::handle(state, request, peer.ip()).await;
            drop(in_flight);
            response
        }
    });
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    let period = watchdog.period();
    let mut next_tick = tokio::time::Instant::now() + period;
    let tick = tokio::time::sleep_until(next_tick);
    tokio::pin!(tick);
    // The stop signal and the tick wake this task when they fire, so after the first poll
    // (which registers them) each wake reads their flags, not their futures: the connection is
    // woken a few times per request, the tick once a period.
    let stop_seen = stop.clone();
    let stopping = stop.changed();
    tokio::pin!(stopping);
    let mut registered = false;
    let ended = std::future::poll_fn(|cx| {
        if let Poll::Ready(result) = connection.as_mut().poll(cx) {
            if let Err(err) = result {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
            return Poll::Ready(Close::Ended);
        }
        let first = !std::mem::replace(&mut registered, true);
        if (first || stop_seen.has_changed().unwrap_or(true))
            && stopping.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Close::Gracefully);
        }
        if first || tick.is_elapsed() {
            // Missed periods (a long poll) are caught up one tick each, as an interval would.
            while tick.as_mut().poll(cx).is_ready() {
                match watchdog.tick(&activity) {
                    Verdict::Keep => {}
                    Verdict::Idle => return Poll::Ready(Close::Gracefully),
                    Verdict::SlowHead => return Poll::Ready(Close::Now("request head not received within the header timeout")),
                    Verdict::Stalled => return Poll::Ready(Close::Now("the client stopped reading: a write made no progress within the send timeout")),
                }
                next_tick += period;
                tick.as_mut().reset(next_tick);
            }
        }
        Poll::Pending
    })
    .await;
    match ended {
        Close::Ended => {}
        Close::Gracefully => {
            connection.as_mut().graceful_shutdown();
            // Bounded: a response the client never reads would otherwise hold the slot forever.
            if tokio::time::timeout(send_timeout, connection)
                .await
                .is_err()
            {
                tracing::debug!(%peer, "graceful close not done within the send timeout; dropped");
            }
        }
        Close::Now(why) => {
            tracing::debug!(%peer, "connection dropped: {why}");
        }
    }
}

/// How a connection's task ends.
enum Close {
    /// The connection ended on its own.
    Ended,
    /// Shutting down, or idle: what is in flight is finished first.
    Gracefully,
    /// A request head too slow, or a write stalled: dropped without more ado (hyper's header
    /// timeout drops it the same way).
    Now(&'static str),
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
