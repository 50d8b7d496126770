//! A downstream Rust client's tests, written as its authors would: only the public API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use livechat_mock::{ControlError, MockServer, OutcomeId, RateLimit};
use serde_json::json;

const AGENT: (&str, &str) = (
    "rbAXPnMktTFbNpwtJ",
    "RScctEHSmLGZGywfIhWyRpyofhKOiMoUIpimhvheU3f",
);

/// The "client under test": fetches a visitor's name, as a real integration would.
async fn visitor_name(base: &str, id: &str) -> Result<String, u16> {
    let response = reqwest::Client::new()
        .get(format!(
            "{base}/api/v1/livechat/visitors.info?visitorId={id}"
        ))
        .header("X-User-Id", AGENT.0)
        .header("X-Auth-Token", AGENT.1)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    if status == 200 {
        Ok(body["visitor"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    } else {
        Err(status)
    }
}

#[tokio::test]
async fn the_client_reads_a_visitor_from_the_bundled_fixtures() {
    let server = MockServer::builder().start().await.unwrap();
    assert_eq!(
        visitor_name(&server.uri(), "6a22b1765528fa64dd29de70").await,
        Ok("Postman Test Visitor".into())
    );
}

#[tokio::test]
async fn the_client_recovers_after_one_forced_401() {
    let server = MockServer::builder().start().await.unwrap();
    server.set_outcome(OutcomeId::NotLoggedIn, Some(1)).unwrap();
    assert_eq!(
        visitor_name(&server.uri(), "6a22b1765528fa64dd29de70").await,
        Err(401)
    );
    assert_eq!(
        visitor_name(&server.uri(), "6a22b1765528fa64dd29de70").await,
        Ok("Postman Test Visitor".into())
    );
}

#[tokio::test]
async fn fixtures_can_be_given_as_values_and_changed_at_runtime() {
    let server = MockServer::builder()
        .fixtures(
            json!([{"_id": "aaaaaaaaaaaaaaaaaaaaaaaa", "username": "guest-1", "ts": "2026-01-01T00:00:00.000Z", "_updatedAt": "2026-01-01T00:00:00.000Z", "name": "Only One", "token": "t1"}]),
            json!([{"_id": AGENT.0, "username": "agent", "authToken": AGENT.1, "roles": ["livechat-agent"]}]),
        )
        .start()
        .await
        .unwrap();
    assert_eq!(
        visitor_name(&server.uri(), "aaaaaaaaaaaaaaaaaaaaaaaa").await,
        Ok("Only One".into())
    );
    let created = server
        .put_visitor("bbbbbbbbbbbbbbbbbbbbbbbb", json!({"username": "guest-2", "ts": "2026-01-02T00:00:00.000Z", "_updatedAt": "2026-01-02T00:00:00.000Z", "name": "Second", "token": "t2"}))
        .unwrap();
    assert!(created);
    assert_eq!(
        visitor_name(&server.uri(), "bbbbbbbbbbbbbbbbbbbbbbbb").await,
        Ok("Second".into())
    );
    let refused = server
        .put_visitor("cccccccccccccccccccccccc", json!({"username": 3}))
        .unwrap_err();
    assert!(matches!(refused, ControlError::Invalid { .. }), "{refused}");
    server.delete_visitor("aaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
    assert_eq!(
        visitor_name(&server.uri(), "aaaaaaaaaaaaaaaaaaaaaaaa").await,
        Err(400)
    );
    server.reset();
    assert_eq!(
        visitor_name(&server.uri(), "aaaaaaaaaaaaaaaaaaaaaaaa").await,
        Ok("Only One".into())
    );
}

#[tokio::test]
async fn bad_inline_fixtures_fail_to_start_with_the_place() {
    let err = MockServer::builder()
        .fixtures(json!([{"_id": "x"}]), json!([]))
        .start()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "<inline>/visitors.json: /0 (_id \"x\"): \"_updatedAt\" is a required property"
    );
}

#[tokio::test]
async fn the_journal_shows_what_the_client_sent() {
    let server = MockServer::builder()
        .journal_size(10)
        .start()
        .await
        .unwrap();
    let _ = visitor_name(&server.uri(), "nope").await;
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].query.as_deref(), Some("visitorId=nope"));
    assert_eq!(sent[0].outcome, "visitor-not-found");
    assert!(
        sent[0]
            .headers
            .contains(&("x-auth-token".to_string(), "…eU3f".to_string()))
    );
}

#[tokio::test]
async fn the_builder_mirrors_the_flags() {
    let server = MockServer::builder()
        .api_version("8.4.0".parse().unwrap())
        .rate_limit(RateLimit {
            limit: 1,
            window_ms: 60_000,
        })
        .start()
        .await
        .unwrap();
    assert!(
        visitor_name(&server.uri(), "6a22b1765528fa64dd29de70")
            .await
            .is_ok()
    );
    assert_eq!(
        visitor_name(&server.uri(), "6a22b1765528fa64dd29de70").await,
        Err(429)
    );
}

#[tokio::test]
async fn dropping_the_handle_shuts_the_server_down() {
    let server = MockServer::builder().start().await.unwrap();
    let address = server.address();
    drop(server);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("still accepting on {address}");
}

// wiremock-rs style expectations: verified explicitly, and on drop.
#[tokio::test]
async fn expectations_are_verified_and_report_what_came_instead() {
    let server = MockServer::builder().start().await.unwrap();
    server.expect(
        livechat_mock::Expectation::visitors_info()
            .visitor_id("6a22b1765528fa64dd29de70")
            .times(1),
    );
    let err = server.try_verify().unwrap_err();
    assert!(err.contains("exactly 1 time(s); received 0"), "{err}");
    reqwest::Client::new()
        .get(format!(
            "{}/api/v1/livechat/visitors.info?visitorId=6a22b1765528fa64dd29de70",
            server.uri()
        ))
        .send()
        .await
        .unwrap();
    server.verify();
}

#[tokio::test]
async fn an_unmet_expectation_fails_the_test_when_the_server_is_dropped() {
    let result = tokio::spawn(async {
        let server = MockServer::builder().start().await.unwrap();
        server.expect(
            livechat_mock::Expectation::any()
                .named("login")
                .path("/api/v1/login"),
        );
        drop(server);
    })
    .await;
    let panic = result.unwrap_err().into_panic();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("\"login\": any method /api/v1/login, at least 1 time(s); received 0"),
        "{message}"
    );
    assert!(message.contains("(no request)"), "{message}");
}
