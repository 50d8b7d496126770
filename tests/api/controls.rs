//! Outcomes on demand: request headers, the admin override, global flags, faults, the rate
//! limiter, the journal and the control API's access rules.

use std::time::Duration;

use livechat_mock::{Admin, AuthMode, Clock, Config, OutcomeId};
use serde_json::{Value, json};

use crate::helpers::*;

const MISSING: &str = r#"{"success":false,"error":"must have required property 'visitorId' [invalid-params]","errorType":"invalid-params"}"#;
const INTERNAL: &str = r#"{"success":false,"error":"Internal server error"}"#;

const FOUND: &str = "visitorId=6a22b1765528fa64dd29de70";

#[tokio::test]
async fn prefer_selects_by_code_by_example_or_both() {
    let app = spawn_app().await;
    let cases: [(&str, u16, &str); 6] = [
        ("code=403", 403, FORBIDDEN),
        ("example=Unauthorized", 403, FORBIDDEN_GENERIC),
        ("code=400, example=Example 2", 400, NOT_FOUND),
        ("example=\"Authorization Error\"", 401, NOT_LOGGED_IN),
        ("code=401", 401, NOT_LOGGED_IN),
        ("example=Example 1", 400, MISSING),
    ];
    for (prefer, status, body) in cases {
        let answer = app.ask(FOUND, &[("Prefer", prefer)]).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (status, body),
            "Prefer: {prefer}"
        );
    }
}

#[tokio::test]
async fn postman_headers_select_by_code_or_name() {
    let app = spawn_app().await;
    let answer = app.ask(FOUND, &[("x-mock-response-code", "401")]).await;
    assert_eq!((answer.status, answer.body.as_str()), (401, NOT_LOGGED_IN));
    assert_eq!(
        answer.header("cache-control"),
        None,
        "a 401 carries no cache headers"
    );
    let answer = app
        .ask(FOUND, &[("x-mock-response-name", "Example 2")])
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (400, NOT_FOUND));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let answer = app
        .ask(FOUND, &[("x-mock-response-name", "forbidden-generic")])
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (403, FORBIDDEN_GENERIC)
    );
}

#[tokio::test]
async fn a_code_picks_what_the_real_server_would_send_when_it_fits_else_the_first_example() {
    let app = spawn_app().await;
    let code = |c| [("Prefer", c)];
    // 400 on a bad query: the real message; on an unknown visitor: not found; else Example 1
    let answer = app.ask("visitorId=a&visitorId=b", &code("code=400")).await;
    assert_eq!(
        answer.body,
        r#"{"success":false,"error":"must be string [invalid-params]","errorType":"invalid-params"}"#
    );
    assert_eq!(
        app.ask("visitorId=nope", &code("code=400")).await.body,
        NOT_FOUND
    );
    assert_eq!(app.ask(FOUND, &code("code=400")).await.body, MISSING);
    // 200 for a named fixture visitor: that visitor, even for a user who would get 403
    let answer = app
        .ask("visitorId=0f17a3007e62aa0a1df9fd78", &code("code=200"))
        .await;
    assert!(
        answer
            .body
            .starts_with(r#"{"visitor":{"_id":"0f17a3007e62aa0a1df9fd78""#),
        "{}",
        answer.body
    );
    // 200 for nothing the fixtures hold: the spec page's Success Example
    let answer = app.ask("visitorId=nope", &code("code=200")).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, SPEC_VISITOR_BODY)
    );
    let answer = app
        .ask(
            "visitorId=0f17a3007e62aa0a1df9fd78",
            &[("Prefer", "example=Success Example")],
        )
        .await;
    assert_eq!(
        answer.body, SPEC_VISITOR_BODY,
        "a named example is exactly that example"
    );
}

#[tokio::test]
async fn unknown_codes_and_names_get_the_mocks_own_400() {
    let app = spawn_app().await;
    for (name, value, expected) in [
        (
            "Prefer",
            "code=418",
            "unknown response code \"418\"; accepted: \"200\", \"400\", \"401\", \"403\", \"429\", \"500\"",
        ),
        (
            "x-mock-response-code",
            "abc",
            "unknown response code \"abc\"; accepted: \"200\", \"400\", \"401\", \"403\", \"429\", \"500\"",
        ),
        (
            "Prefer",
            "code=401, example=Example 2",
            "example \"Example 2\" is not a 401 response; accepted for 401: \"Authorization Error\", \"not-logged-in\"",
        ),
    ] {
        let answer = app.ask(FOUND, &[(name, value)]).await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body, json!({ "mock_error": expected }).to_string());
        assert_eq!(answer.header("x-mock-error"), Some(expected));
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
    let answer = app
        .ask(FOUND, &[("x-mock-response-name", "Example 9")])
        .await;
    let message: Value = serde_json::from_str(&answer.body).unwrap();
    let message = message["mock_error"].as_str().unwrap();
    assert!(message.starts_with("unknown example \"Example 9\" (did you mean \"Example 1\"?); accepted: \"Success Example\", \"Example 1\", \"Example 2\", \"Authorization Error\", \"Permission Error\", \"Unauthorized\", \"ok\", "), "{message}");
    assert!(
        message.ends_with("\"reset\", \"hang\", \"malformed\""),
        "{message}"
    );
}

#[tokio::test]
async fn every_outcome_id_has_its_exact_bytes() {
    let app = spawn_app().await;
    let name = |id: &'static str| [("x-mock-response-name", id)];
    let expect: [(&str, u16, &str); 7] = [
        ("ok", 200, SPEC_VISITOR_BODY),
        ("invalid-params", 400, MISSING),
        ("visitor-not-found", 400, NOT_FOUND),
        ("not-logged-in", 401, NOT_LOGGED_IN),
        ("forbidden", 403, FORBIDDEN),
        ("forbidden-generic", 403, FORBIDDEN_GENERIC),
        ("server-error", 500, INTERNAL),
    ];
    for (id, status, body) in expect {
        let answer = app.ask(FOUND, &name(id)).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (status, body),
            "{id}"
        );
    }
    let answer = app.ask(FOUND, &name("server-error")).await;
    assert_eq!(answer.header("cache-control"), Some("no-store"));

    let answer = app.ask(FOUND, &name("rate-limited")).await;
    assert_eq!(answer.status, 429);
    assert_eq!(
        answer.body,
        r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 60 seconds before trying this endpoint again. [error-too-many-requests]"}"#
    );
    assert_eq!(answer.header("x-ratelimit-limit"), Some("10"));
    assert_eq!(answer.header("x-ratelimit-remaining"), Some("0"));
    assert!(
        answer
            .header("x-ratelimit-reset")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );

    let answer = app.ask(FOUND, &name("malformed")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        &SPEC_VISITOR_BODY[..SPEC_VISITOR_BODY.len() / 2]
    );
    assert!(serde_json::from_str::<Value>(&answer.body).is_err());
    let gates: Vec<_> = app
        .journal("?outcome=malformed")
        .await
        .iter()
        .map(|e| e["gate"].clone())
        .collect();
    assert_eq!(gates, vec![json!("bypassed")]);
}

#[tokio::test]
async fn reset_closes_the_connection_without_a_response() {
    let app = spawn_app().await;
    let raw = app
        .raw(&format!(
            "GET {PATH}?{FOUND} HTTP/1.1\r\nHost: x\r\nx-mock-response-name: reset\r\n\r\n"
        ))
        .await;
    assert_eq!(raw, "");
    let entries = app.journal("?outcome=reset").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["status"], Value::Null);
}

#[tokio::test]
async fn hang_never_answers_until_the_client_gives_up() {
    let app = spawn_app().await;
    let result = tokio::time::timeout(
        Duration::from_millis(300),
        app.ask(FOUND, &[("x-mock-response-name", "hang")]),
    )
    .await;
    assert!(result.is_err(), "no answer within 300 ms");
    // the server still serves everyone else
    assert_eq!(app.ask(FOUND, &[]).await.status, 200);
}

#[tokio::test]
async fn an_admin_override_counts_down_its_times_then_the_fixtures_answer_again() {
    let app = spawn_app().await;
    let set = app
        .control(
            reqwest::Method::PUT,
            "/_mock/outcome",
            Some(json!({"outcome": "not-logged-in", "times": 2})),
        )
        .await;
    assert_eq!(
        (set.status, set.body.as_str()),
        (200, r#"{"outcome":"not-logged-in","times":2}"#)
    );
    let shown = app
        .control(reqwest::Method::GET, "/_mock/outcome", None)
        .await;
    assert_eq!(
        shown.body,
        r#"{"outcome":"not-logged-in","times":2,"remaining":2}"#
    );
    assert_eq!(app.ask(FOUND, &[]).await.status, 401);
    assert_eq!(app.ask(FOUND, &[]).await.status, 401);
    assert_eq!(app.ask(FOUND, &[]).await.status, 200);
    let shown = app
        .control(reqwest::Method::GET, "/_mock/outcome", None)
        .await;
    assert_eq!(shown.body, r#"{"outcome":null}"#);
}

#[tokio::test]
async fn an_override_scoped_to_a_visitor_or_a_user_leaves_other_requests_alone() {
    let app = spawn_app().await;
    app.control(
        reqwest::Method::PUT,
        "/_mock/outcome",
        Some(json!({"outcome": "forbidden", "match": {"visitorId": "9c6539382b0537e65affb229"}})),
    )
    .await;
    assert_eq!(
        app.ask("visitorId=9c6539382b0537e65affb229", &[])
            .await
            .status,
        403
    );
    assert_eq!(app.ask(FOUND, &[]).await.status, 200);
    app.control(
        reqwest::Method::PUT,
        "/_mock/outcome",
        Some(json!({"outcome": "Example 2", "match": {"userId": ADMIN.0}})),
    )
    .await;
    assert_eq!(
        app.ask(FOUND, &[]).await.status,
        200,
        "the agent is not in scope"
    );
    let answer = app.visitors_info(Some(ADMIN), Some(FOUND)).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, NOT_FOUND));
    assert_eq!(
        app.control(reqwest::Method::DELETE, "/_mock/outcome", None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.visitors_info(Some(ADMIN), Some(FOUND)).await.status,
        200
    );
}

#[tokio::test]
async fn a_bad_override_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    for body in [
        json!({"outcome": "teapot"}),
        json!({"outcome": "ok", "times": 0}),
        json!({"outcom": "ok"}),
    ] {
        let answer = app
            .control(reqwest::Method::PUT, "/_mock/outcome", Some(body.clone()))
            .await;
        assert_eq!(answer.status, 422, "{body}");
        assert!(
            answer.body.starts_with(r#"{"mock_error":"#),
            "{}",
            answer.body
        );
    }
    assert_eq!(app.ask(FOUND, &[]).await.status, 200);
}

#[tokio::test]
async fn precedence_is_header_then_override_then_global_outcome_then_fixtures() {
    let app = spawn_with(Config {
        outcome: Some(OutcomeId::ServerError),
        ..Config::default()
    })
    .await;
    assert_eq!(
        app.ask(FOUND, &[]).await.status,
        500,
        "--outcome beats the fixtures"
    );
    app.control(
        reqwest::Method::PUT,
        "/_mock/outcome",
        Some(json!({"outcome": "forbidden"})),
    )
    .await;
    assert_eq!(
        app.ask(FOUND, &[]).await.status,
        403,
        "the override beats --outcome"
    );
    assert_eq!(
        app.ask(FOUND, &[("Prefer", "code=401")]).await.status,
        401,
        "a header beats the override"
    );
    let rules: Vec<_> = app
        .journal("")
        .await
        .iter()
        .map(|e| e["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rules, ["global-outcome", "admin-override", "prefer-header"]);
}

#[tokio::test]
async fn auth_any_logs_in_any_non_empty_pair_with_every_livechat_role() {
    let app = spawn_with(Config {
        auth: AuthMode::Any,
        ..Config::default()
    })
    .await;
    let answer = app
        .visitors_info(Some(("someone", "anything")), Some(FOUND))
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, SPEC_VISITOR_BODY)
    );
    assert_eq!(app.visitors_info(None, Some(FOUND)).await.status, 401);
    assert_eq!(
        app.visitors_info(Some(("someone", "")), Some(FOUND))
            .await
            .status,
        401
    );
}

#[tokio::test]
// apps/meteor/server/api/rateLimiterKey.ts: buildRateLimiterRule(route, per = 'ip') keys a
// window by client address and route; the limiter
// skips users holding api-bypass-rate-limit. Until 8.9.0 the 429 is the action's answer
// (ApiClass.ts b2da2544), with the cache headers; from 8.9.0 the middleware's c.json, without.
async fn the_rate_limiter_counts_per_client_address_and_route_on_a_clock_the_test_drives() {
    let clock = Clock::manual(1_780_000_000_000);
    let app = spawn_with(Config {
        rate_limit: Some("2/60".parse().unwrap()),
        clock: clock.clone(),
        ..Config::default()
    })
    .await;
    let first = app.ask(FOUND, &[]).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1"));
    assert_eq!(first.header("x-ratelimit-reset"), Some("1780000060000"));
    clock.advance_ms(10_500);
    let second = app.ask("visitorId=nope", &[]).await;
    assert_eq!(
        (second.status, second.header("x-ratelimit-remaining")),
        (400, Some("0"))
    );
    let third = app.ask(FOUND, &[]).await;
    assert_eq!(third.status, 429);
    assert_eq!(
        third.body,
        r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 50 seconds before trying this endpoint again. [error-too-many-requests]"}"#
    );
    assert_eq!(third.header("x-ratelimit-reset"), Some("1780000060000"));
    assert_eq!(third.header("content-type"), Some("application/json"));
    // Until 8.9.0 the 429 is an action result (ApiClass.ts b2da2544): it carries the cache
    // headers of every action's answer.
    assert_eq!(third.header("cache-control"), Some("no-store"));
    assert_eq!(third.header("pragma"), Some("no-cache"));
    // another user from the same address shares the address's window
    assert_eq!(
        app.visitors_info(Some(MANAGER), Some(FOUND)).await.status,
        429
    );
    // another route has its own window
    let by_token = app.visitor_by_token("test-token-12345").await;
    assert_eq!(
        (by_token.status, by_token.header("x-ratelimit-remaining")),
        (200, Some("1"))
    );
    // the admin (api-bypass-rate-limit) has none
    let admin = app.visitors_info(Some(ADMIN), Some(FOUND)).await;
    assert_eq!(
        (admin.status, admin.header("x-ratelimit-limit")),
        (200, None)
    );
    // 401 and 403 come before the limiter and carry no rate headers
    assert_eq!(
        app.visitors_info(None, Some(FOUND))
            .await
            .header("x-ratelimit-limit"),
        None
    );
    // the window ends
    clock.advance_ms(49_500);
    let again = app.ask(FOUND, &[]).await;
    assert_eq!(
        (again.status, again.header("x-ratelimit-remaining")),
        (200, Some("1"))
    );
    assert_eq!(again.header("x-ratelimit-reset"), Some("1780000120000"));
}

async fn fault_sequence(seed: u64) -> Vec<(String, Option<u64>)> {
    let app = spawn_with(Config {
        fault_rate: 0.5,
        faults: vec![
            OutcomeId::ServerError,
            OutcomeId::Malformed,
            OutcomeId::Reset,
        ],
        latency: Some("0..3".parse().unwrap()),
        seed,
        ..Config::default()
    })
    .await;
    for _ in 0..40 {
        // sequential, so the sequence of draws is the sequence of requests
        let _ = app
            .client
            .get(app.url(&format!("{PATH}?{FOUND}")))
            .header("X-User-Id", AGENT.0)
            .header("X-Auth-Token", AGENT.1)
            .send()
            .await;
    }
    app.journal("")
        .await
        .iter()
        .map(|e| {
            (
                e["outcome"].as_str().unwrap().to_string(),
                e["delay_ms"].as_u64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_and_delays_and_another_seed_does_not() {
    let first = fault_sequence(42).await;
    assert_eq!(first.len(), 40);
    assert_eq!(first, fault_sequence(42).await);
    assert_ne!(first, fault_sequence(43).await);
    let outcomes: std::collections::BTreeSet<_> = first.iter().map(|(o, _)| o.as_str()).collect();
    assert!(
        outcomes.contains("ok") && outcomes.len() >= 3,
        "{outcomes:?}"
    );
    assert!(first.iter().all(|(_, d)| d.is_some_and(|d| d <= 3)));
}

#[tokio::test]
async fn the_journal_records_requests_with_the_token_redacted_and_filters_them() {
    let app = spawn_app().await;
    app.ask(&format!("{FOUND}&count=1"), &[]).await;
    app.ask(FOUND, &[("Prefer", "code=403")]).await;
    app.visitors_info(None, Some(FOUND)).await;
    let entries = app.journal("").await;
    assert_eq!(entries.len(), 3);
    let first = &entries[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(first["path"], PATH);
    assert_eq!(first["query"], format!("{FOUND}&count=1"));
    assert_eq!(first["status"], 400);
    assert_eq!(first["outcome"], "invalid-params");
    assert_eq!(first["rule"], "fixtures");
    assert_eq!(first["gate"], "passed");
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    let headers = first["headers"].as_array().unwrap();
    assert!(headers.contains(&json!(["x-user-id", AGENT.0])));
    assert!(headers.contains(&json!(["x-auth-token", "…eU3f"])));
    assert!(
        !first.to_string().contains(AGENT.1),
        "the token never appears whole"
    );
    assert_eq!(entries[1]["rule"], "prefer-header");

    assert_eq!(app.journal("?status=401").await.len(), 1);
    assert_eq!(app.journal("?outcome=forbidden").await.len(), 1);
    assert_eq!(
        app.journal(&format!("?path={PATH}&status=200")).await.len(),
        0
    );
    assert_eq!(
        app.control(reqwest::Method::DELETE, "/_mock/requests", None)
            .await
            .status,
        204
    );
    assert_eq!(app.journal("").await.len(), 0);
}

#[tokio::test]
async fn the_journal_keeps_only_its_bound() {
    let app = spawn_with(Config {
        journal_size: 5,
        ..Config::default()
    })
    .await;
    for n in 0..12 {
        app.ask(&format!("visitorId=v{n}"), &[]).await;
    }
    let queries: Vec<_> = app
        .journal("")
        .await
        .iter()
        .map(|e| e["query"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        queries,
        [
            "visitorId=v7",
            "visitorId=v8",
            "visitorId=v9",
            "visitorId=v10",
            "visitorId=v11"
        ]
    );
}

#[tokio::test]
async fn visitors_can_be_put_deleted_and_reset_through_the_control_api() {
    let app = spawn_app().await;
    let ids = app
        .control(reqwest::Method::GET, "/_mock/visitors", None)
        .await;
    assert!(
        ids.body
            .starts_with(r#"{"visitors":["6a22b1765528fa64dd29de70","9c6539382b0537e65affb229","#),
        "{}",
        ids.body
    );

    let doc = json!({"username": "guest-99", "ts": "2026-07-01T00:00:00.000Z", "_updatedAt": "2026-07-01T00:00:00.000Z", "name": "Added", "token": "added-token"});
    let put = app
        .control(
            reqwest::Method::PUT,
            "/_mock/visitors/aaaaaaaaaaaaaaaaaaaaaaaa",
            Some(doc),
        )
        .await;
    assert_eq!(put.status, 201);
    let answer = app.ask("visitorId=aaaaaaaaaaaaaaaaaaaaaaaa", &[]).await;
    assert_eq!(
        answer.body,
        r#"{"visitor":{"_id":"aaaaaaaaaaaaaaaaaaaaaaaa","username":"guest-99","ts":"2026-07-01T00:00:00.000Z","_updatedAt":"2026-07-01T00:00:00.000Z","name":"Added"},"success":true}"#
    );

    assert_eq!(
        app.control(
            reqwest::Method::DELETE,
            &format!("/_mock/visitors/{SPEC_VISITOR}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(app.ask(FOUND, &[]).await.body, NOT_FOUND);
    assert_eq!(
        app.control(
            reqwest::Method::DELETE,
            &format!("/_mock/visitors/{SPEC_VISITOR}"),
            None
        )
        .await
        .status,
        404
    );

    assert_eq!(
        app.control(reqwest::Method::POST, "/_mock/reset", None)
            .await
            .status,
        204
    );
    assert_eq!(app.ask(FOUND, &[]).await.body, SPEC_VISITOR_BODY);
    assert_eq!(
        app.ask("visitorId=aaaaaaaaaaaaaaaaaaaaaaaa", &[])
            .await
            .body,
        NOT_FOUND
    );
}

#[tokio::test]
async fn a_bad_visitor_document_is_422_with_the_pointer_and_reason_and_a_clash_is_409() {
    let app = spawn_app().await;
    let bad = json!({"username": "guest-99", "ts": "yesterday", "_updatedAt": "2026-07-01T00:00:00.000Z", "token": "t"});
    let answer = app
        .control(
            reqwest::Method::PUT,
            "/_mock/visitors/aaaaaaaaaaaaaaaaaaaaaaaa",
            Some(bad),
        )
        .await;
    assert_eq!(answer.status, 422);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["pointer"], "/ts");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .starts_with("\"yesterday\" does not match"),
        "{body}"
    );
    let taken = json!({"username": "guest-99", "ts": "2026-07-01T00:00:00.000Z", "_updatedAt": "2026-07-01T00:00:00.000Z", "token": "test-token-12345"});
    let answer = app
        .control(
            reqwest::Method::PUT,
            "/_mock/visitors/aaaaaaaaaaaaaaaaaaaaaaaa",
            Some(taken),
        )
        .await;
    assert_eq!(
        answer.status, 409,
        "a token another visitor holds is a conflict"
    );
    assert!(
        answer.body.contains("already belongs to visitor"),
        "{}",
        answer.body
    );
    assert_eq!(
        app.ask("visitorId=aaaaaaaaaaaaaaaaaaaaaaaa", &[])
            .await
            .body,
        NOT_FOUND
    );
}

#[tokio::test]
async fn the_admin_token_guards_the_control_api() {
    let app = spawn_with(Config {
        admin: Admin::Token("s3cret".into()),
        ..Config::default()
    })
    .await;
    let answer = app
        .control(reqwest::Method::GET, "/_mock/health", None)
        .await;
    assert_eq!(answer.status, 401);
    assert!(answer.body.contains("mock_error"));
    let wrong = app
        .client
        .get(app.url("/_mock/health"))
        .bearer_auth("s3cres")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let right = app
        .client
        .get(app.url("/_mock/health"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 200);
    assert_eq!(
        right.text().await.unwrap(),
        r#"{"status":"ok","visitors":7,"journal":0,"version":"8.8.1","fixtures":"bundled","generated":0}"#
    );
}

#[tokio::test]
async fn no_admin_turns_the_control_api_into_plain_404s() {
    let app = spawn_with(Config {
        admin: Admin::Disabled,
        ..Config::default()
    })
    .await;
    let answer = app
        .control(reqwest::Method::GET, "/_mock/health", None)
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (404, "404 Not Found")
    );
}

#[tokio::test]
async fn unknown_control_routes_and_methods_say_so() {
    let app = spawn_app().await;
    let answer = app
        .control(reqwest::Method::GET, "/_mock/nothing", None)
        .await;
    assert_eq!(answer.status, 404);
    assert!(
        answer
            .body
            .contains("routes: GET /_mock/ui, GET /_mock/health"),
        "{}",
        answer.body
    );
    let answer = app
        .control(reqwest::Method::POST, "/_mock/health", None)
        .await;
    assert_eq!(answer.status, 405);
}

#[tokio::test]
async fn a_document_whose_id_is_not_the_paths_is_409() {
    let app = spawn_app().await;
    let doc = json!({"_id": "bbbbbbbbbbbbbbbbbbbbbbbb", "username": "guest-99", "ts": "2026-07-01T00:00:00.000Z", "_updatedAt": "2026-07-01T00:00:00.000Z", "token": "t-99"});
    let answer = app
        .control(
            reqwest::Method::PUT,
            "/_mock/visitors/aaaaaaaaaaaaaaaaaaaaaaaa",
            Some(doc),
        )
        .await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.body,
        r#"{"mock_error":"the document's _id must be the path's \"aaaaaaaaaaaaaaaaaaaaaaaa\""}"#
    );
}

#[tokio::test]
async fn a_wrong_method_on_a_control_route_is_405_with_allow() {
    let app = spawn_app().await;
    let answer = app
        .control(reqwest::Method::PATCH, "/_mock/outcome", None)
        .await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET, PUT, DELETE"));
}

// control/table.rs: one table of control routes. Every path it names answers a wrong method
// with 405 and the methods it takes, and the served OpenAPI describes exactly its routes.
#[tokio::test]
async fn the_control_routes_the_404_lists_are_the_ones_openapi_describes_and_405_knows() {
    let app = spawn_app().await;
    let listed = app
        .control(reqwest::Method::GET, "/_mock/nothing", None)
        .await
        .body;
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let listed = listed["mock_error"].as_str().unwrap();
    let routes: Vec<(String, String)> = listed
        .split_once("routes: ")
        .unwrap()
        .1
        .split(", ")
        .flat_map(|route| {
            let (methods, path) = route.split_once(' ').unwrap();
            methods
                .split('|')
                .map(|m| (m.to_ascii_lowercase(), path.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(routes.len(), 23, "{listed}");
    let document: Value = serde_json::from_str(&app.get("/_mock/openapi.json").await.body).unwrap();
    let described: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with("/_mock/"))
        .flat_map(|(path, methods)| {
            methods
                .as_object()
                .unwrap()
                .keys()
                .map(|m| (m.clone(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(described, routes);
    for (path, allow) in [
        ("/_mock/ui", "GET"),
        ("/_mock/pact", "GET"),
        ("/_mock/ca.pem", "GET"),
        ("/_mock/coverage.md", "GET"),
        ("/_mock/provider-states", "GET, POST"),
        ("/_mock/visitors/x", "PUT, DELETE"),
    ] {
        let answer = app.control(reqwest::Method::PATCH, path, None).await;
        assert_eq!(answer.status, 405, "{path}");
        assert_eq!(answer.header("allow"), Some(allow), "{path}");
        assert_eq!(
            answer.body,
            format!(r#"{{"mock_error":"PATCH is not allowed on {path}; allowed: {allow}"}}"#)
        );
    }
}

// Outcome sequences (WireMock's scenarios): each step used up in order, then the fixtures.
#[tokio::test]
async fn an_outcome_sequence_is_served_in_order_then_back_to_the_fixtures() {
    let app = spawn_app().await;
    let set = app
        .control(
            reqwest::Method::PUT,
            "/_mock/outcome",
            Some(
                json!([{"outcome":"server-error","times":2},{"outcome":"rate-limited","times":1}]),
            ),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let left = app
        .control(reqwest::Method::GET, "/_mock/outcome", None)
        .await;
    assert_eq!(
        left.body,
        r#"[{"outcome":"server-error","times":2,"remaining":2},{"outcome":"rate-limited","times":1,"remaining":1}]"#
    );
    let statuses = [
        app.ask(FOUND, &[]).await.status,
        app.ask(FOUND, &[]).await.status,
    ];
    assert_eq!(statuses, [500, 500]);
    let left = app
        .control(reqwest::Method::GET, "/_mock/outcome", None)
        .await;
    assert_eq!(
        left.body,
        r#"[{"outcome":"rate-limited","times":1,"remaining":1}]"#
    );
    assert_eq!(app.ask(FOUND, &[]).await.status, 429);
    assert_eq!(
        app.ask(FOUND, &[]).await.status,
        200,
        "back to the fixtures"
    );
    let left = app
        .control(reqwest::Method::GET, "/_mock/outcome", None)
        .await;
    assert_eq!(left.body, "[]");

    // a last step without times stays; match scopes each step
    app.control(
        reqwest::Method::PUT,
        "/_mock/outcome",
        Some(json!([{"outcome":"server-error","times":1,"match":{"userId":"nobody"}},{"outcome":"forbidden"}])),
    )
    .await;
    assert_eq!(
        app.ask(FOUND, &[]).await.status,
        200,
        "out of the first step's scope"
    );
    app.control(
        reqwest::Method::PUT,
        "/_mock/outcome",
        Some(json!([{"outcome":"server-error","times":1},{"outcome":"forbidden"}])),
    )
    .await;
    for expected in [500, 403, 403, 403] {
        assert_eq!(app.ask(FOUND, &[]).await.status, expected);
    }
    let empty = app
        .control(reqwest::Method::PUT, "/_mock/outcome", Some(json!([])))
        .await;
    assert_eq!(empty.status, 422);
}

#[tokio::test]
async fn the_library_sets_a_sequence_too() {
    let app = spawn_app().await;
    app.server
        .set_outcome_sequence(&[
            (livechat_mock::OutcomeId::NotLoggedIn, Some(1)),
            (livechat_mock::OutcomeId::ServerError, Some(1)),
        ])
        .unwrap();
    assert_eq!(app.server.outcome().as_array().map(Vec::len), Some(2));
    for expected in [401, 500, 200] {
        assert_eq!(app.ask(FOUND, &[]).await.status, expected);
    }
}

// An unknown outcome lists every accepted name, as the header error does.
#[tokio::test]
async fn an_unknown_outcome_lists_every_name() {
    let app = spawn_app().await;
    let answer = app
        .control(
            reqwest::Method::PUT,
            "/_mock/outcome",
            Some(json!({"outcome":"nope"})),
        )
        .await;
    assert_eq!(answer.status, 422);
    for name in ["Success Example", "Unauthorized", "ok", "malformed", "hang"] {
        assert!(answer.body.contains(name), "{name}: {}", answer.body);
    }
    assert!(!answer.body.contains("other candidates"), "{}", answer.body);
}

// WireMock-style verification over HTTP, for CI jobs not written in Rust.
#[tokio::test]
async fn expectations_over_http_verify_with_200_or_409() {
    let app = spawn_app().await;
    let posted = app
        .control(
            reqwest::Method::POST,
            "/_mock/expectations",
            Some(json!({"name":"read the visitor","method":"GET","path":PATH,"visitorId":"6a22b1765528fa64dd29de70","headers":{"X-User-Id":AGENT.0},"times":1})),
        )
        .await;
    assert_eq!(
        (posted.status, posted.body.as_str()),
        (201, r#"{"index":0}"#)
    );
    let bad = app
        .control(
            reqwest::Method::POST,
            "/_mock/expectations",
            Some(json!({"pathh":"/x"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let unmet = app
        .control(reqwest::Method::GET, "/_mock/verify", None)
        .await;
    assert_eq!(unmet.status, 409);
    assert!(unmet.body.contains(r#""verified":false"#), "{}", unmet.body);
    app.ask(FOUND, &[]).await;
    let met = app
        .control(reqwest::Method::GET, "/_mock/verify", None)
        .await;
    assert_eq!(met.status, 200, "{}", met.body);
    app.ask(FOUND, &[]).await;
    let twice = app
        .control(reqwest::Method::GET, "/_mock/verify", None)
        .await;
    assert_eq!(twice.status, 409, "exactly once, not twice");
    assert!(twice.body.contains(r#""received":2"#), "{}", twice.body);
    let cleared = app
        .control(reqwest::Method::DELETE, "/_mock/expectations", None)
        .await;
    assert_eq!(cleared.status, 204);
    assert_eq!(
        app.control(reqwest::Method::GET, "/_mock/verify", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_journal_can_be_cleared_by_filter() {
    let app = spawn_app().await;
    app.ask(FOUND, &[]).await;
    app.ask("visitorId=nope", &[]).await;
    let cleared = app
        .control(reqwest::Method::DELETE, "/_mock/requests?status=400", None)
        .await;
    assert_eq!(cleared.status, 204);
    let left = app.server.requests();
    assert_eq!(
        left.iter().map(|e| e.status).collect::<Vec<_>>(),
        vec![Some(200)]
    );
}
