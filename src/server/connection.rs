//! One connection: hyper serves its requests; its [`Watchdog`] drops it when it is idle, when
//! a request head is too slow, or when the client stops reading; hyper-util's graceful
//! shutdown lets its request in flight finish when the server stops.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::Watcher;
use tokio::time::MissedTickBehavior;

use crate::http::service;
use crate::run::state::AppState;
use crate::server::watchdog::{Activity, Verdict, Watchdog};

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

/// Serves one connection until it ends, its watchdog drops it, or (once the server stops and
/// `watcher` says so) its request in flight is done. Its slot is freed at the end.
pub(crate) async fn connection_task<S>(
    stream: S,
    peer: SocketAddr,
    state: Arc<AppState>,
    http: http1::Builder,
    watcher: Watcher,
    slot: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let _slot = slot;
    let limits = &state.config.limits;
    // With hyper's header timeout (bench/run.sh's comparison) the watchdog leaves heads alone.
    let header_timeout = if state.config.stock_header_timeout {
        std::time::Duration::from_secs(365 * 24 * 3600)
    } else {
        limits.header_timeout
    };
    let mut watchdog = Watchdog::new(limits.idle_timeout, header_timeout, limits.send_timeout);
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
    let connection = watcher.watch(http.serve_connection(io, service));
    tokio::pin!(connection);
    let period = watchdog.period();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    // Missed periods (a long poll) are caught up one tick each.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    loop {
        tokio::select! {
            biased;
            ended = &mut connection => {
                if let Err(err) = ended {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
                return;
            }
            _ = ticks.tick() => {
                let why = match watchdog.tick(&activity) {
                    Verdict::Keep => continue,
                    // nothing in flight, nothing to write: closing is all a graceful close does
                    Verdict::Idle => "idle for the idle timeout",
                    Verdict::SlowHead => "request head not received within the header timeout",
                    Verdict::Stalled => "the client stopped reading: a write made no progress within the send timeout",
                };
                tracing::debug!(%peer, "connection dropped: {why}");
                return;
            }
        }
    }
}
