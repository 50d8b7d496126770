//! The floor of the benchmark: a minimal hyper 1.x HTTP/1.1 server that answers every request
//! with the same bytes as livechat-mock's 200 for the spec page's visitor, and does nothing
//! else. The best an HTTP/1.1 server on hyper can do on this machine.
//!
//! `cargo run --release --example floor -- PORT`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const BODY: &str = r#"{"visitor":{"_id":"6a22b1765528fa64dd29de70","username":"guest-10","status":"online","ts":"2026-06-05T11:22:30.664Z","_updatedAt":"2026-06-05T11:22:30.665Z","name":"Postman Test Visitor","phone":[{"phoneNumber":"+15551234567"}],"visitorEmails":[{"address":"postman-test@example.com"}]},"success":true}"#;
const HEADERS: [(&str, &str); 5] = [
    ("content-type", "application/json"),
    ("cache-control", "no-store"),
    ("pragma", "no-cache"),
    ("access-control-allow-origin", "*"),
    (
        "access-control-allow-headers",
        "Origin, X-Requested-With, Content-Type, Accept, X-User-Id, X-Auth-Token, x-visitor-token, Authorization",
    ),
];

async fn answer(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
    for (name, value) in HEADERS {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
