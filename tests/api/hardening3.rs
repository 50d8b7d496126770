//! The third attack run's findings (issue 22, "Hardening, round 3"), each reproduced: every test
//! here failed before its fix. The ones that need seconds or load are in `bench/attack/`.

use std::time::Duration;

use livechat_mock::{Config, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::*;

/// A request for the visitor, pipelined.
fn pipelined(n: usize) -> Vec<u8> {
    let one = format!(
        "GET {PATH}?visitorId={SPEC_VISITOR} HTTP/1.1\r\nHost: x\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\r\n",
        AGENT.0, AGENT.1
    );
    one.repeat(n).into_bytes()
}

/// Major 1: connections that pipeline requests and never read their answers hold every slot;
/// once their writes stall for the send timeout they are dropped and a new client is served.
#[tokio::test]
async fn clients_that_stop_reading_lose_their_slots_after_the_send_timeout() {
    let app = spawn_with(Config {
        limits: Limits {
            max_connections: 2,
            send_timeout: Duration::from_millis(500),
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let mut hogs = Vec::new();
    for _ in 0..2 {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(app.server.address()).await.unwrap();
        let requests = pipelined(4000);
        // Write what the server takes; it stops taking once its answers cannot go out.
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&requests)).await;
        hogs.push(stream);
    }
    // Within the send timeout plus a tick or two, a probe gets through (before the fix: never).
    let probe = async {
        let mut stream = TcpStream::connect(app.server.address()).await.unwrap();
        stream
            .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    };
    let answer = tokio::time::timeout(Duration::from_secs(15), probe)
        .await
        .expect("a probe is answered once the stalled connections are dropped");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    drop(hogs);
}

/// Issue 21: registration stores `visitor.id` unchecked (`create.ts` 00613e65:
/// `visitorDataToUpdate._id = id \|\| undefined`), so any string is the new visitor's `_id`.
#[tokio::test]
async fn a_registration_keeps_any_visitor_id_it_is_given() {
    let app = spawn_app().await;
    let answer = Answer::from(
        app.client
            .post(app.url("/api/v1/livechat/visitor"))
            .header("Content-Type", "application/json")
            .body(r#"{"visitor":{"token":"tok-custom-id","id":"custom-id-1"}}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer
            .body
            .starts_with(r#"{"visitor":{"_id":"custom-id-1","token":"tok-custom-id","#),
        "{}",
        answer.body
    );
}
