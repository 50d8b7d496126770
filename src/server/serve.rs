//! The accept loop: binding, the connection slots, HTTPS's handshake, and the bounded drain at
//! shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::base::error::Error;
use crate::data::config::Config;
use crate::run::state::AppState;
use crate::server::connection::connection_task;

/// How long in-flight requests get to finish once shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

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
    // The header timeout is the connection's watchdog's (see `watchdog`), not a timer per head;
    // hyper's own only when bench/run.sh prices the difference.
    if state.config.stock_header_timeout {
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_timeout);
    } else {
        http.header_read_timeout(None);
    }
    http.max_buf_size(limits.max_head_bytes.max(8192))
        // Node accepts up to 2,000 headers; the head's size is what --max-head-bytes bounds.
        .max_headers(2000);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // Only to abort what the drain leaves: the graceful shutdown itself is hyper-util's.
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
            let (state, http, watcher) = (state.clone(), http.clone(), graceful.watcher());
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
                    Ok(Ok(tls)) => connection_task(tls, peer, state, http, watcher, slot).await,
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
            graceful.watcher(),
            slot,
        ));
    }

    drop(listener);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
    match drained {
        Ok(()) => tracing::info!("all connections closed"),
        Err(_) => {
            tracing::warn!("shutdown drain timed out; closing the remaining connections");
            connections.abort_all();
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
