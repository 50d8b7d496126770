//! `--upstream` (issue 24): what the mock does not answer itself goes to a real server, the
//! answer streamed back; an unreachable upstream is a 502, a silent one a 504, never a hang.

use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use livechat_mock::{Config, Upstream};
use tokio::net::TcpListener;

use crate::helpers::*;

/// A server that answers with what it received: method, target, Host, the hop-by-hop header
/// it should not see, and the body; in two chunks, to show streaming.
async fn echo_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|request: hyper::Request<Incoming>| async move {
                    let (parts, body) = request.into_parts();
                    let body = http_body_util::BodyExt::collect(body)
                        .await
                        .unwrap()
                        .to_bytes();
                    let echoed = format!(
                        "{} {} host={} connection={} x-test={} body={}",
                        parts.method,
                        parts.uri,
                        parts
                            .headers
                            .get("host")
                            .map_or("", |v| v.to_str().unwrap()),
                        parts
                            .headers
                            .get("keep-alive")
                            .map_or("-", |v| v.to_str().unwrap()),
                        parts
                            .headers
                            .get("x-test")
                            .map_or("-", |v| v.to_str().unwrap()),
                        String::from_utf8_lossy(&body)
                    );
                    let response = hyper::Response::builder()
                        .status(201)
                        .header("x-from", "upstream")
                        .body(http_body_util::Full::new(bytes::Bytes::from(echoed)))
                        .unwrap();
                    Ok::<_, std::convert::Infallible>(response)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn with_upstream(url: String, timeout: Duration) -> Config {
    Config {
        upstream: Some(Upstream {
            url,
            ca_cert: None,
            timeout,
        }),
        ..Config::default()
    }
}

#[tokio::test]
async fn unanswered_requests_go_upstream_with_their_method_target_headers_and_body() {
    let url = echo_upstream().await;
    let port = url.rsplit(':').next().unwrap().to_string();
    let app = spawn_with(with_upstream(url.clone(), Duration::from_secs(5))).await;
    let answer = Answer::from(
        app.client
            .post(app.url("/api/v1/chat.sendMessage?x=1"))
            .header("x-test", "kept")
            .header("keep-alive", "timeout=5")
            .header("X-Auth-Token", "SECRET-TOKEN-1234")
            .body("hello upstream")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 201);
    assert_eq!(
        answer.body,
        format!(
            "POST /api/v1/chat.sendMessage?x=1 host=127.0.0.1:{port} connection=- x-test=kept body=hello upstream"
        )
    );
    assert_eq!(answer.header("x-from"), Some("upstream"));
    assert_eq!(answer.header("x-mock-upstream"), Some(url.as_str()));
    // the emulated routes stay the mock's own
    let own = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!((own.status, own.body.as_str()), (200, SPEC_VISITOR_BODY));
    // the journal marks it, with the secret cut
    let entry = app
        .server
        .requests()
        .into_iter()
        .find(|e| e.path == "/api/v1/chat.sendMessage")
        .unwrap();
    assert_eq!(
        (entry.outcome, entry.rule, entry.status),
        ("upstream", "upstream", Some(201))
    );
    let token = entry
        .headers
        .iter()
        .find(|(n, _)| n == "x-auth-token")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(token, "…1234");
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_naming_it_and_a_silent_one_a_504() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let app = spawn_with(with_upstream(dead.clone(), Duration::from_secs(5))).await;
    let answer = app.get("/api/v1/rooms.get").await;
    assert_eq!(answer.status, 502);
    assert!(
        answer.body.starts_with(r#"{"mock_error":"the upstream "#),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(&dead), "{}", answer.body);

    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", silent.local_addr().unwrap().port());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream); // accepts, never answers
        }
    });
    let app = spawn_with(with_upstream(url, Duration::from_millis(300))).await;
    let answer = app.get("/api/v1/rooms.get").await;
    assert_eq!(answer.status, 504);
    assert!(
        answer.body.contains("--upstream-timeout-ms"),
        "{}",
        answer.body
    );
}
