//! The release table's rows added with the differential suite (issue 21), each at its release
//! and the one before. Sources: `src/base/versions.rs` (`CHANGES`), docs/FIDELITY.md.

use livechat_mock::{Clock, Config};

use crate::helpers::*;

async fn at(version: &str) -> TestApp {
    spawn_with(Config {
        api_version: version.parse().unwrap(),
        ..Config::default()
    })
    .await
}

const FOUND: &str = "visitorId=6a22b1765528fa64dd29de70";

// cors.ts 0d1c5b7d (PR #41082, 8.8.0): `MCP-Protocol-Version` joins the allowed headers, on
// every answer and on an allowed preflight.
#[tokio::test]
async fn from_8_8_0_the_allowed_headers_end_in_mcp_protocol_version() {
    for (version, expected) in [
        ("8.7.1", ALLOW_HEADERS_BEFORE_8_8),
        ("8.8.0", ALLOW_HEADERS),
        ("9.0.0", ALLOW_HEADERS),
    ] {
        let app = at(version).await;
        let answer = app.visitors_info(Some(AGENT), Some(FOUND)).await;
        assert_eq!(
            answer.header("access-control-allow-headers"),
            Some(expected),
            "{version}"
        );
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(PATH))
            .header("Origin", "http://localhost:5173")
            .header("Access-Control-Request-Method", "GET")
            .send()
            .await
            .unwrap();
        assert_eq!(
            preflight
                .headers()
                .get("access-control-allow-headers")
                .and_then(|v| v.to_str().ok()),
            Some(expected),
            "{version} preflight"
        );
    }
}

// `--cors-mock-headers` (issue 24): a page on another origin may send the selection headers.
#[tokio::test]
async fn cors_mock_headers_appends_the_selection_headers() {
    let app = spawn_with(Config {
        cors_mock_headers: true,
        ..Config::default()
    })
    .await;
    let answer = app.visitors_info(Some(AGENT), Some(FOUND)).await;
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some(
            format!("{ALLOW_HEADERS}, Prefer, x-mock-response-code, x-mock-response-name, x-mock-response-example")
                .as_str()
        )
    );
}

/// A server with a spent window of one call per minute at `version`.
async fn limited_at(version: &str) -> TestApp {
    spawn_with(Config {
        api_version: version.parse().unwrap(),
        rate_limit: Some("1/60".parse().unwrap()),
        clock: Clock::manual(1_780_000_000_000),
        ..Config::default()
    })
    .await
}

// Until 8.9.0 the limiter is the action's first step (ApiClass.ts b2da2544): after the
// permission middleware, its 429 an action result with the cache headers. From 8.9.0
// (PR #41970) it is a middleware before the permission check, its 429 without them.
#[tokio::test]
async fn the_429_and_its_place_follow_the_limiters_era() {
    let old = limited_at("8.8.1").await;
    assert_eq!(
        old.visitors_info(Some(AGENT), Some(FOUND)).await.status,
        200
    );
    let spent = old.visitors_info(Some(AGENT), Some(FOUND)).await;
    assert_eq!(spent.status, 429);
    assert_eq!(spent.header("cache-control"), Some("no-store"));
    assert_eq!(spent.header("pragma"), Some("no-cache"));
    assert_eq!(
        old.visitors_info(Some(PLAIN_USER), Some(FOUND))
            .await
            .status,
        403,
        "permission before the action's limiter"
    );

    let new = limited_at("8.9.0").await;
    assert_eq!(
        new.visitors_info(Some(AGENT), Some(FOUND)).await.status,
        200
    );
    let spent = new.visitors_info(Some(AGENT), Some(FOUND)).await;
    assert_eq!(spent.status, 429);
    assert_eq!(spent.header("cache-control"), None);
    assert_eq!(spent.header("pragma"), None);
    assert_eq!(
        new.visitors_info(Some(PLAIN_USER), Some(FOUND))
            .await
            .status,
        429,
        "the middleware limiter before the permission"
    );
}

// Router.ts parses the query before the action runs: past qs's limits, the router's 400 even
// when the action's window is spent.
#[tokio::test]
async fn a_query_past_the_qs_limits_is_refused_before_the_actions_rate_limit() {
    let app = limited_at("8.8.1").await;
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(FOUND)).await.status,
        200
    );
    let query = "visitorId=x&".repeat(501);
    let answer = app.visitors_info(Some(AGENT), Some(&query)).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"success":false,"error":"Invalid query parameters"}"#
        )
    );
    assert_eq!(
        app.visitors_info(Some(AGENT), Some(FOUND)).await.status,
        429
    );
}

// Before PR #38222 (8.1.0) the router called qs.parse with its defaults: nothing thrown.
#[tokio::test]
async fn before_8_1_0_a_long_query_is_not_refused_by_the_router() {
    let query = "visitorId=x&".repeat(501);
    let answer = at("8.0.0")
        .await
        .visitors_info(Some(AGENT), Some(&query))
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (
            400,
            r#"{"success":false,"error":"must be string [invalid-params]","errorType":"invalid-params"}"#
        )
    );
}

// ApiClass.ts 0358e0dc (`applyBreakingChanges = shouldBreakInVersion('9.0.0')`): the login
// route's 401 loses its legacy pair and reads `unauthorized`.
#[tokio::test]
async fn from_9_0_0_a_failed_login_is_unauthorized_without_the_legacy_pair() {
    for (version, expected) in [
        (
            "8.8.1",
            r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#,
        ),
        ("9.0.0", r#"{"success":false,"error":"unauthorized"}"#),
    ] {
        let app = at(version).await;
        let answer = Answer::from(
            app.client
                .post(app.url("/api/v1/login"))
                .header("Content-Type", "application/json")
                .body(r#"{"user":"agent.alice","password":"wrong"}"#)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (401, expected),
            "{version}"
        );
    }
}

// Node's HTTP parser refuses a raw byte past 0x7F in the request target: 400, no body, closed.
#[tokio::test]
async fn a_raw_non_ascii_byte_in_the_target_is_nodes_bare_400() {
    let app = spawn_app().await;
    let answer = app
        .raw(&format!(
            "GET {PATH}?visitorId=caf\u{e9} HTTP/1.1\r\nHost: x\r\nX-User-Id: {}\r\nX-Auth-Token: {}\r\n\r\n",
            AGENT.0, AGENT.1
        ))
        .await;
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.ends_with("\r\n\r\n"), "no body: {answer}");
}
