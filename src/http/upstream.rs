//! `--upstream URL`: a request the mock does not answer itself (no emulated route, not
//! `/_mock/`) is forwarded to a real server: method, path, query, headers and body, hop-by-hop
//! headers removed and `Host` set to the upstream's; the answer is streamed back. One
//! connection per request, through hyper's own client (no second HTTP stack), over rustls for
//! an `https://` upstream. An upstream that cannot be reached is a 502 naming it; one that does
//! not answer within the timeout, a 504: never a hang.

use std::sync::Arc;

use hyper::body::Body;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;

use crate::base::response::{HttpResponse, mock_error};
use crate::base::response_body::MockBody;
use crate::data::config::Upstream;

/// Headers that belong to one connection, not to the request (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The upstream's host and port, and whether it speaks TLS.
fn endpoint(url: &str) -> Result<(bool, String, u16), String> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(format!(
            "--upstream {url:?} must start with http:// or https://"
        ));
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(format!(
            "--upstream {url:?}: give scheme://host[:port] only (no path, no credentials)"
        ));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            match port.parse::<u16>() {
                Ok(port) => (host.to_string(), port),
                Err(_) => (authority.to_string(), if tls { 443 } else { 80 }),
            }
        }
        _ => (authority.to_string(), if tls { 443 } else { 80 }),
    };
    Ok((tls, host, port))
}

/// Checks an upstream URL as `--upstream` takes it.
///
/// # Errors
/// What is wrong with it.
pub fn check(url: &str) -> Result<(), String> {
    endpoint(url).map(|_| ())
}

/// Forwards `request` to `upstream`; the answer, or the mock's own 502/504.
pub async fn forward<B>(upstream: &Upstream, request: Request<B>) -> HttpResponse
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match tokio::time::timeout(upstream.timeout, send(upstream, request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(why)) => mock_error(
            StatusCode::BAD_GATEWAY,
            &format!("the upstream {} could not be reached: {why}", upstream.url),
        ),
        Err(_) => mock_error(
            StatusCode::GATEWAY_TIMEOUT,
            &format!(
                "the upstream {} did not answer within {} ms (--upstream-timeout-ms)",
                upstream.url,
                upstream.timeout.as_millis()
            ),
        ),
    }
}

async fn send<B>(upstream: &Upstream, request: Request<B>) -> Result<HttpResponse, String>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (tls, host, port) = endpoint(&upstream.url)?;
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let tcp = tokio::net::TcpStream::connect((bare_host.as_str(), port))
        .await
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    let (mut parts, body) = request.into_parts();
    for name in HOP_BY_HOP {
        parts.headers.remove(name);
    }
    let authority = if (tls && port == 443) || (!tls && port == 80) {
        host.clone()
    } else {
        format!("{host}:{port}")
    };
    if let Ok(value) = HeaderValue::from_str(&authority) {
        parts.headers.insert(header::HOST, value);
    }
    // The request target: origin-form, as sent.
    parts.uri = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
    let outgoing = Request::from_parts(parts, body);
    let response = if tls {
        let connector = connector(upstream)?;
        let name =
            rustls_pki_types::ServerName::try_from(bare_host.clone()).map_err(|e| e.to_string())?;
        let stream = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS: {e}"))?;
        exchange(TokioIo::new(stream), outgoing).await?
    } else {
        exchange(TokioIo::new(tcp), outgoing).await?
    };
    let (mut parts, body) = response.into_parts();
    for name in HOP_BY_HOP {
        parts.headers.remove(name);
    }
    parts.headers.insert(
        HeaderName::from_static("x-mock-upstream"),
        HeaderValue::from_str(&upstream.url).unwrap_or(HeaderValue::from_static("upstream")),
    );
    Ok(hyper::Response::from_parts(parts, MockBody::Stream(body)))
}

/// One request and its answer's head on a fresh connection (the body streams on, driven by
/// the connection task).
async fn exchange<S, B>(
    io: S,
    request: Request<B>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())
}

/// The TLS client for an `https://` upstream: the public roots, and `--upstream-ca-cert`.
fn connector(upstream: &Upstream) -> Result<tokio_rustls::TlsConnector, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = &upstream.ca_cert {
        let pem = crate::base::files::read_regular(file)
            .map_err(|e| format!("--upstream-ca-cert {}: {e}", file.display()))?;
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| format!("--upstream-ca-cert {}: {e}", file.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("--upstream-ca-cert {}: {e}", file.display()))?;
        }
    }
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}
