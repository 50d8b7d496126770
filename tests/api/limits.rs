//! The limits of a careful server, each with its flag's default and its behaviour.

use std::time::Duration;

use livechat_mock::{Config, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

async fn with_limits(limits: Limits) -> TestApp {
    spawn_with(Config {
        limits,
        ..Config::default()
    })
    .await
}

fn request(path: &str, extra_headers: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n{extra_headers}Connection: close\r\n\r\n",
        AGENT.0, AGENT.1
    )
}

/// Reads until the server closes, or `wait` passes; returns what arrived and whether it closed.
async fn read_for(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

#[test]
fn the_defaults_are_those_of_a_real_deployment() {
    let limits = Limits::default();
    assert_eq!(
        limits.max_head_bytes,
        16 * 1024,
        "Node's default header limit"
    );
    assert_eq!(limits.max_uri_bytes, 8 * 1024);
    assert_eq!(limits.header_timeout, Duration::from_secs(10));
    assert_eq!(
        limits.idle_timeout,
        Duration::from_secs(5),
        "Node's keepAliveTimeout"
    );
    assert_eq!(limits.max_connections, 1024);
    assert_eq!(limits.max_body_bytes, 1024 * 1024);
    assert_eq!(
        Config::default().host,
        "127.0.0.1",
        "loopback unless told otherwise"
    );
}

#[tokio::test]
async fn a_head_past_the_limit_is_431() {
    let app = spawn_app().await;
    let big = format!("X-Padding: {}\r\n", "a".repeat(20 * 1024));
    let raw = app
        .raw(&request(&format!("{PATH}?visitorId={SPEC_VISITOR}"), &big))
        .await;
    assert!(
        raw.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{raw:?}"
    );
    let fits = format!("X-Padding: {}\r\n", "a".repeat(10 * 1024));
    let raw = app
        .raw(&request(&format!("{PATH}?visitorId={SPEC_VISITOR}"), &fits))
        .await;
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw:?}");
}

#[tokio::test]
async fn a_target_past_the_limit_is_414() {
    let app = with_limits(Limits {
        max_uri_bytes: 1024,
        ..Limits::default()
    })
    .await;
    let long = format!("{PATH}?visitorId={}", "a".repeat(1100));
    let raw = app.raw(&request(&long, "")).await;
    assert!(raw.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{raw:?}");
    let raw = app
        .raw(&request(
            &format!("{PATH}?visitorId={}", "a".repeat(900)),
            "",
        ))
        .await;
    assert!(
        raw.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "within the limit: not found {raw:?}"
    );
}

#[tokio::test]
async fn a_client_dribbling_headers_is_dropped_and_holds_nobody_back() {
    let app = with_limits(Limits {
        header_timeout: Duration::from_millis(1500),
        ..Limits::default()
    })
    .await;
    let mut slow = TcpStream::connect(app.server.address()).await.unwrap();
    slow.write_all(b"GET /api/v1/livechat/visitors.info HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // another client is served while the dribbler still holds its connection open
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(answer.status, 200);
    let (_, closed) = read_for(&mut slow, Duration::from_millis(10)).await;
    assert!(
        !closed,
        "the other client was answered before the dribbler was dropped"
    );
    // the dribbler keeps sending a byte now and then, but never finishes its head
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = slow.write_all(b"X").await;
    }
    let (_, closed) = read_for(&mut slow, Duration::from_millis(3000)).await;
    assert!(closed, "the slow client is dropped");
}

// The header timeout is checked on a tick (`src/server/watchdog.rs`), as Node checks its
// `headersTimeout`: never sooner than the timeout, and an in-time head on a keep-alive
// connection is answered however long the connection lives.
#[tokio::test]
async fn the_header_timeout_drops_a_late_head_no_sooner_and_spares_heads_in_time() {
    let app = with_limits(Limits {
        header_timeout: Duration::from_millis(800),
        idle_timeout: Duration::from_secs(30),
        ..Limits::default()
    })
    .await;
    let whole = request(&format!("{PATH}?visitorId={SPEC_VISITOR}"), "")
        .replace("Connection: close\r\n", "");
    let (first_half, second_half) = whole.split_at(30);

    // three heads on one connection, each sent in two halves 300 ms apart: all answered
    let mut patient = TcpStream::connect(app.server.address()).await.unwrap();
    for _ in 0..3 {
        patient.write_all(first_half.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        patient.write_all(second_half.as_bytes()).await.unwrap();
        let (answer, closed) = read_for(&mut patient, Duration::from_millis(300)).await;
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n") && !closed,
            "{answer:?}"
        );
    }

    // half a head, then silence: dropped unanswered, not before 800 ms
    let mut late = TcpStream::connect(app.server.address()).await.unwrap();
    let began = std::time::Instant::now();
    late.write_all(first_half.as_bytes()).await.unwrap();
    let (answer, closed) = read_for(&mut late, Duration::from_secs(3)).await;
    let after = began.elapsed();
    assert!(closed && answer.is_empty(), "{answer:?}");
    // no sooner than the timeout; the upper bound is read_for's window, not a timed assert
    assert!(after >= Duration::from_millis(800), "{after:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let app = with_limits(Limits {
        idle_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut stream = TcpStream::connect(app.server.address()).await.unwrap();
    let keep_alive = request(&format!("{PATH}?visitorId={SPEC_VISITOR}"), "")
        .replace("Connection: close\r\n", "");
    stream.write_all(keep_alive.as_bytes()).await.unwrap();
    let (first, closed) = read_for(&mut stream, Duration::from_millis(150)).await;
    assert!(
        first.starts_with("HTTP/1.1 200 OK\r\n") && !closed,
        "{first:?}"
    );
    let (_, closed) = read_for(&mut stream, Duration::from_millis(1000)).await;
    assert!(closed, "closed once idle");
}

#[tokio::test]
async fn a_request_in_flight_is_not_idle() {
    let app = spawn_with(Config {
        limits: Limits {
            idle_timeout: Duration::from_millis(100),
            ..Limits::default()
        },
        latency: Some("400".parse().unwrap()),
        ..Config::default()
    })
    .await;
    let answer = app
        .visitors_info(Some(AGENT), Some(&format!("visitorId={SPEC_VISITOR}")))
        .await;
    assert_eq!(
        answer.status, 200,
        "a slow answer outlives the idle timeout"
    );
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_wait_their_turn() {
    let app = with_limits(Limits {
        max_connections: 1,
        ..Limits::default()
    })
    .await;
    let first = TcpStream::connect(app.server.address()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = TcpStream::connect(app.server.address()).await.unwrap();
    second
        .write_all(request(&format!("{PATH}?visitorId={SPEC_VISITOR}"), "").as_bytes())
        .await
        .unwrap();
    let (waiting, _) = read_for(&mut second, Duration::from_millis(300)).await;
    assert_eq!(
        waiting, "",
        "not served while the first holds the only slot"
    );
    drop(first);
    let (served, _) = read_for(&mut second, Duration::from_millis(2000)).await;
    assert!(served.starts_with("HTTP/1.1 200 OK\r\n"), "{served:?}");
}

#[tokio::test]
async fn a_body_past_the_limit_is_413_and_never_buffered_whole() {
    let app = with_limits(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    })
    .await;
    let body = format!(
        r#"{{"visitor":{{"token":"t","name":"{}"}}}}"#,
        "n".repeat(2000)
    );
    let response = app
        .client
        .post(app.url("/api/v1/livechat/visitor"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"mock_error":"the body is larger than 1024 bytes"}"#
    );
    let response = app
        .client
        .put(app.url("/_mock/outcome"))
        .body("x".repeat(5000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
}
